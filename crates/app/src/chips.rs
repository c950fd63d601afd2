//! The catalog and the metrics of a design.

use std::collections::BTreeMap;

use chipexport_catalog::Entry;
use chipexport_domain::{ChipSpec, Country, Metrics};
use serde::Serialize;

use crate::App;
use crate::error::Result;
use crate::question::{Item, ItemRef};

/// A catalog entry in a list.
#[derive(Debug, Clone, Serialize)]
pub struct ChipSummary {
    /// The catalog id.
    pub id: String,
    /// The vendor, if known.
    pub vendor: Option<String>,
    /// The model name.
    pub model: String,
    /// The variant (form factor, memory), if any.
    pub variant: Option<String>,
    /// Other names the lookup accepts.
    pub aliases: Vec<String>,
    /// Total processing performance; `null` when no compute figure is published.
    pub tpp: Option<f64>,
    /// TPP per mm² of applicable die area.
    pub performance_density: Option<f64>,
    /// Memory bandwidth, GB/s.
    pub memory_bandwidth_gbps: Option<f64>,
    /// Interconnect bandwidth, GB/s.
    pub interconnect_gbps: Option<f64>,
    /// Designed or marketed for datacenters; `null` when unknown.
    pub datacenter: Option<bool>,
    /// The designer's headquarters country.
    pub origin_country: Option<Country>,
    /// Whether the entry has any throughput figure.
    pub has_figures: bool,
    /// The sources of the entry's figures.
    pub sources: Vec<chipexport_domain::spec::Source>,
}

impl ChipSummary {
    /// The summary of a catalog entry.
    pub fn of(e: &Entry) -> ChipSummary {
        ChipSummary {
            id: e.id.clone(),
            vendor: e.spec.vendor.clone(),
            model: e.spec.name.clone(),
            variant: e.spec.variant.clone(),
            aliases: e.spec.aliases.clone(),
            tpp: e.metrics.tpp,
            performance_density: e.metrics.performance_density,
            memory_bandwidth_gbps: e.metrics.memory_bandwidth_gbps,
            interconnect_gbps: e.metrics.interconnect_gbps,
            datacenter: e.spec.datacenter,
            origin_country: e.spec.origin_country,
            has_figures: e.has_figures(),
            sources: e.spec.sources.clone(),
        }
    }
}

/// One catalog entry in full.
#[derive(Debug, Clone, Serialize)]
pub struct ChipDetail {
    /// The catalog id.
    pub id: String,
    /// The spec with its sources and confidence.
    pub spec: ChipSpec,
    /// The metrics with their derivation.
    pub metrics: Metrics,
}

/// The metrics of a design, with the arithmetic and the sources.
#[derive(Debug, Clone, Serialize)]
pub struct MetricsReport {
    /// The catalog or spec id, if any.
    pub chip: Option<String>,
    /// The display name.
    pub name: String,
    /// The metrics with their derivation.
    pub metrics: Metrics,
    /// Designed or marketed for datacenters; `null` when unknown.
    pub datacenter: Option<bool>,
    /// Confidence of each figure, by field.
    pub confidence: BTreeMap<String, chipexport_domain::Confidence>,
    /// The sources of the figures.
    pub sources: Vec<chipexport_domain::spec::Source>,
}

impl MetricsReport {
    /// The report for a resolved item.
    pub fn of(item: &Item) -> MetricsReport {
        MetricsReport {
            chip: item.spec.id.clone(),
            name: item.spec.display_name(),
            metrics: item.metrics.clone(),
            datacenter: item.spec.datacenter,
            confidence: item.spec.confidence.clone(),
            sources: item.spec.sources.clone(),
        }
    }
}

impl App {
    /// The catalog, or the entries whose id, model, vendor or an alias
    /// contains `query` (case-insensitive).
    pub fn chips(&self, query: Option<&str>) -> Vec<ChipSummary> {
        let needle = query.unwrap_or_default().to_lowercase();
        let hit = |s: &str| s.to_lowercase().contains(&needle);
        self.catalog()
            .entries
            .iter()
            .filter(|e| {
                needle.is_empty()
                    || hit(&e.id)
                    || hit(&e.spec.name)
                    || e.spec.vendor.as_deref().is_some_and(hit)
                    || e.spec.aliases.iter().any(|a| hit(a))
            })
            .map(ChipSummary::of)
            .collect()
    }

    /// One catalog entry by id, alias or model name.
    pub fn chip(&self, query: &str) -> Result<ChipDetail> {
        let e = self.catalog().lookup(query)?;
        Ok(ChipDetail {
            id: e.id.clone(),
            spec: e.spec.clone(),
            metrics: e.metrics.clone(),
        })
    }

    /// The metrics of a catalog chip or a posted spec.
    pub fn metrics(&self, item: &ItemRef) -> Result<MetricsReport> {
        Ok(MetricsReport::of(&item.resolve(self.catalog())?))
    }
}
