//! `chart`: the TPP × performance-density plane, cut at the thresholds of
//! the rules in force and decided cell by cell, with every catalog chip.

use chipexport_domain::{Country, Date};
use chipexport_rules::chart::{Assumptions, HYPOTHETICAL, Map};
use chipexport_rules::engine::RuleSetRef;
use serde::{Deserialize, Serialize};

use crate::App;
use crate::error::{Error, Result};
use crate::question::{Ask, Item, country, date};

/// The memory bandwidth the regions assume when none is given, GB/s.
pub const DEFAULT_MEMORY_BANDWIDTH_GBPS: f64 = 4000.0;
/// The interconnect bandwidth the regions assume when none is given, GB/s.
pub const DEFAULT_INTERCONNECT_GBPS: f64 = 900.0;

/// The options of `chart`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChartRequest {
    /// The date, `YYYY-MM-DD` (default today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
    /// The destination (default `CN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The buyer's headquarters (default the destination).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_user_hq: Option<String>,
    /// The memory bandwidth the regions assume, GB/s (default 4000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_bandwidth_gbps: Option<f64>,
    /// The interconnect bandwidth the regions assume, GB/s (default 900).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interconnect_gbps: Option<f64>,
}

/// A catalog chip on the chart, with its outcome.
#[derive(Debug, Clone, Serialize)]
pub struct ChartChip {
    /// The catalog id.
    pub id: String,
    /// The model name.
    pub model: String,
    /// The vendor.
    pub vendor: Option<String>,
    /// The variant.
    pub variant: Option<String>,
    /// Total processing performance.
    pub tpp: Option<f64>,
    /// Performance density.
    pub performance_density: Option<f64>,
    /// Designed or marketed for datacenters.
    pub datacenter: Option<bool>,
    /// Designed in the destination country.
    pub domestic: bool,
    /// The classification (`undetermined` when a classification rule
    /// that would change it is).
    pub eccn: String,
    /// Whether a US licence is required, in four states.
    pub status: chipexport_rules::LicenseStatus,
    /// Whether a US licence is required (`None`: undetermined).
    pub license_required: Option<bool>,
    /// The review policy, if a licence is required.
    pub review_policy: Option<chipexport_rules::ReviewPolicy>,
}

/// The chart: the decided regions, the chips, and the dates rules change.
#[derive(Debug, Clone, Serialize)]
pub struct ChartReport {
    /// The regions.
    #[serde(flatten)]
    pub map: Map,
    /// Every date on which the rule set changes.
    pub breakpoints: Vec<Date>,
    /// Catalog chips with both figures, and their outcomes.
    pub chips: Vec<ChartChip>,
    /// Catalog chips left out for lack of a TPP or density figure.
    pub not_shown: usize,
    /// The rule set used.
    pub rule_set: RuleSetRef,
}

impl App {
    /// The chart for a destination and date.
    pub fn chart(&self, req: &ChartRequest, today: Date) -> Result<ChartReport> {
        let destination = country("to", req.to.as_deref().unwrap_or("CN"))?;
        let end_user_hq = match &req.end_user_hq {
            Some(h) => country("end_user_hq", h)?,
            None => destination,
        };
        let on = req.on.as_deref().map_or(Ok(today), |d| date("on", d))?;
        for (field, v) in [
            ("memory_bandwidth_gbps", req.memory_bandwidth_gbps),
            ("interconnect_gbps", req.interconnect_gbps),
        ] {
            if v.is_some_and(|x| !x.is_finite() || x < 0.0) {
                return Err(Error::input(
                    format!("`{field}` must be a non-negative number"),
                    "in GB/s",
                )
                .with_field(field));
            }
        }
        let a = Assumptions {
            model: HYPOTHETICAL.into(),
            vendor: HYPOTHETICAL.into(),
            datacenter: true,
            memory_bandwidth_gbps: Some(
                req.memory_bandwidth_gbps
                    .unwrap_or(DEFAULT_MEMORY_BANDWIDTH_GBPS),
            ),
            interconnect_gbps: Some(req.interconnect_gbps.unwrap_or(DEFAULT_INTERCONNECT_GBPS)),
            end_user_hq,
            exported_from: Country::us(),
            origin_country: Country::us(),
        };
        let map = self.rules().region_map(destination, on, &a);
        let mut chips = Vec::new();
        let mut not_shown = 0usize;
        for e in &self.catalog().entries {
            if e.metrics.tpp.is_none() || e.metrics.performance_density.is_none() {
                not_shown += 1;
                continue;
            }
            let domestic = e.spec.origin_country == Some(destination);
            let ask = Ask {
                end_user_hq: Some(end_user_hq.to_string()),
                from: domestic.then(|| destination.to_string()),
                ..Ask::to(destination.to_string())
            };
            let item = Item::of_entry(e);
            let q = ask.question(&item.spec, &item.metrics, self.rules(), on)?;
            let d = self.rules().determine(&q);
            chips.push(ChartChip {
                id: e.id.clone(),
                model: e.spec.name.clone(),
                vendor: e.spec.vendor.clone(),
                variant: e.spec.variant.clone(),
                tpp: e.metrics.tpp,
                performance_density: e.metrics.performance_density,
                datacenter: e.spec.datacenter,
                domestic,
                eccn: d.eccn_text().to_string(),
                status: d.status(),
                license_required: d.license_required,
                review_policy: d.review_policy,
            });
        }
        Ok(ChartReport {
            map,
            breakpoints: self.rules().breakpoints().to_vec(),
            chips,
            not_shown,
            rule_set: self.rules().reference(),
        })
    }
}
