//! `compare`: chips side by side for one destination and date.

use chipexport_domain::{Country, Date};
use chipexport_rules::engine::{RuleSetRef, Undetermined};
use chipexport_rules::{Provision, ReviewPolicy};
use serde::{Deserialize, Serialize};

use crate::App;
use crate::error::{Error, Result};
use crate::question::{Ask, Item, Split, country};

/// The options of `compare`: chips, the question, and whether to add the
/// destination's domestic supply.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CompareRequest {
    /// Catalog ids or model names.
    pub chips: Vec<String>,
    /// Also compare every catalog chip with figures designed in the
    /// destination country (domestic supply, which needs no export).
    pub domestic: bool,
    /// The question.
    #[serde(flatten)]
    pub ask: Ask,
}

impl<'de> Deserialize<'de> for CompareRequest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let mut s = Split::of(serde_json::Value::deserialize(d)?, &["chips", "domestic"])?;
        Ok(CompareRequest {
            chips: s.take("chips")?,
            domestic: s.take("domestic")?,
            ask: s.ask.clone(),
        })
    }
}

/// One chip in a comparison.
#[derive(Debug, Clone, Serialize)]
pub struct CompareRow {
    /// The catalog id.
    pub chip: String,
    /// The display name.
    pub name: String,
    /// Designed in the destination country: domestic supply, not an export.
    pub domestic: bool,
    /// The country the question treats it as exported from.
    pub exported_from: Country,
    /// Total processing performance.
    pub tpp: Option<f64>,
    /// Performance density.
    pub performance_density: Option<f64>,
    /// Memory bandwidth, GB/s.
    pub memory_bandwidth_gbps: Option<f64>,
    /// Interconnect bandwidth, GB/s.
    pub interconnect_gbps: Option<f64>,
    /// Whether a US licence is required, in four states.
    pub status: chipexport_rules::LicenseStatus,
    /// Whether a US licence is required (`None`: undetermined).
    pub license_required: Option<bool>,
    /// The classification (`undetermined` when a classification rule that
    /// would change it is).
    pub eccn: String,
    /// The licence review policy, if a licence is required.
    pub review_policy: Option<ReviewPolicy>,
    /// Licence exceptions that could authorise the export.
    pub license_exceptions: Vec<String>,
    /// Conditions of a licence.
    pub conditions: Vec<Provision>,
    /// The destination's and others' measures.
    pub measures: Vec<Provision>,
    /// Measures that may apply, with the facts that would decide them.
    pub possible_measures: Vec<Undetermined>,
    /// The verdict in one line.
    pub verdict: String,
    /// The verdict's parts, one per line (US answer, measures, ...), for
    /// rendering; not serialised (the JSON keeps `verdict`, their join).
    #[serde(skip)]
    pub verdict_parts: Vec<String>,
}

/// Chips side by side.
#[derive(Debug, Clone, Serialize)]
pub struct CompareReport {
    /// The date of the question.
    pub on: Date,
    /// The destination.
    pub destination: Country,
    /// The rule set used.
    pub rule_set: RuleSetRef,
    /// One row per chip, best TPP first (unknown TPP last).
    pub chips: Vec<CompareRow>,
}

impl App {
    /// Compares chips for one destination and date. A chip designed in the
    /// destination country is domestic supply: it is asked about as
    /// exported from there, not from the US.
    pub fn compare(&self, req: &CompareRequest, today: Date) -> Result<CompareReport> {
        let destination = country("to", &req.ask.to)?;
        let on = req.ask.date(today)?;
        let entries = self
            .catalog()
            .selection(&req.chips, req.domestic.then_some(destination))
            .map_err(|e| Error::from(e).with_field("chips"))?;
        if entries.is_empty() {
            return Err(Error::input(
                "name at least one chip to compare",
                "e.g. `chipexport compare --to CN H20 \"Ascend 910B\"`, or add --domestic",
            )
            .with_field("chips"));
        }
        let mut chips = Vec::new();
        for e in entries {
            let domestic = e.spec.origin_country == Some(destination);
            let mut ask = req.ask.clone();
            if domestic {
                ask.from = Some(destination.to_string());
            }
            let item = Item::of_entry(e);
            let q = ask.question(&item.spec, &item.metrics, self.rules(), on)?;
            let d = self.rules().decide(&q);
            chips.push(CompareRow {
                chip: e.id.clone(),
                name: e.spec.display_name(),
                domestic,
                exported_from: q.exported_from,
                tpp: e.metrics.tpp,
                performance_density: e.metrics.performance_density,
                memory_bandwidth_gbps: e.metrics.memory_bandwidth_gbps,
                interconnect_gbps: e.metrics.interconnect_gbps,
                status: d.status,
                license_required: d.license_required,
                eccn: d.eccn.clone(),
                review_policy: d.review_policy,
                license_exceptions: d.license_exceptions.clone(),
                conditions: d.conditions.clone(),
                measures: d.measures.clone(),
                possible_measures: d.possible_measures.clone(),
                verdict_parts: d.verdict_parts.clone(),
                verdict: d.verdict,
            });
        }
        chips.sort_by(|a, b| b.tpp.unwrap_or(-1.0).total_cmp(&a.tpp.unwrap_or(-1.0)));
        Ok(CompareReport {
            on,
            destination,
            rule_set: self.rules().reference(),
            chips,
        })
    }
}
