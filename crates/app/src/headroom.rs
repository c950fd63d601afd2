//! `headroom`: how much performance fits under the lines.

use chipexport_domain::{Country, Date};
use chipexport_rules::engine::RuleSetRef;
use chipexport_rules::headroom::{Headroom, Knob, Probe, Target};
use serde::{Deserialize, Serialize};

use crate::App;
use crate::choice::Choice;
use crate::error::Result;
use crate::question::{Ask, Item, ItemRef, Split};

/// The options of `headroom`: the item, the question, the outcome to keep
/// and the knobs to vary.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HeadroomRequest {
    /// The item.
    #[serde(flatten)]
    pub item: ItemRef,
    /// The outcome to keep: `no_license` (default), `case_by_case` or
    /// `any_license_path`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The knobs to vary (default all): `throughput`, `die_area`,
    /// `memory_bandwidth`, `interconnect`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vary: Vec<String>,
    /// The question.
    #[serde(flatten)]
    pub ask: Ask,
}

impl<'de> Deserialize<'de> for HeadroomRequest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let mut s = Split::of(
            serde_json::Value::deserialize(d)?,
            &["chip", "spec", "target", "vary"],
        )?;
        Ok(HeadroomRequest {
            item: s.item()?,
            target: s.take("target")?,
            vary: s.take("vary")?,
            ask: s.ask.clone(),
        })
    }
}

/// The headroom of a design.
#[derive(Debug, Clone, Serialize)]
pub struct HeadroomReport {
    /// The catalog or spec id.
    pub chip: Option<String>,
    /// The display name.
    pub name: String,
    /// The destination.
    pub destination: Country,
    /// The date of the question.
    pub on: Date,
    /// The rule set used.
    pub rule_set: RuleSetRef,
    /// Per-knob limits, the TPP-by-area frontier and joint reductions.
    pub headroom: Headroom,
}

impl App {
    /// The limits of each knob that keep the target outcome.
    pub fn headroom(&self, req: &HeadroomRequest, today: Date) -> Result<HeadroomReport> {
        let target = match &req.target {
            Some(t) => <Target as Choice>::parse("target", t)?,
            None => Target::NoLicense,
        };
        let knobs: Vec<Knob> = if req.vary.is_empty() {
            Knob::ALL.to_vec()
        } else {
            req.vary
                .iter()
                .map(|k| <Knob as Choice>::parse("vary", k))
                .collect::<Result<_>>()?
        };
        let item = req.item.resolve(self.catalog())?;
        self.headroom_of(&item, &req.ask, target, &knobs, today)
    }

    /// The headroom of a resolved item.
    pub fn headroom_of(
        &self,
        item: &Item,
        ask: &Ask,
        target: Target,
        knobs: &[Knob],
        today: Date,
    ) -> Result<HeadroomReport> {
        let q = ask.question(&item.spec, &item.metrics, self.rules(), today)?;
        let headroom = Probe {
            rs: self.rules(),
            spec: &item.spec,
            question: &q,
            target,
        }
        .analyse(knobs);
        Ok(HeadroomReport {
            chip: item.spec.id.clone(),
            name: item.spec.display_name(),
            destination: q.destination,
            on: q.on,
            rule_set: self.rules().reference(),
            headroom,
        })
    }
}
