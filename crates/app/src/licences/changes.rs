//! Licences and rule changes: when the rules change between two dates,
//! which recorded licences are affected, and how.
//!
//! Every licence line is expanded to the catalog entries it covers (its
//! catalog ids, every variant of its models, and the entries that meet its
//! spec constraints), and each entry is decided for each of the licence's
//! destinations with the rules in force on the two dates, as `impact`
//! compares two rule states on a ledger. A finding is one of:
//!
//! * `no_longer_required`: a licence was required before and is not after
//!   (the line's items no longer need the licence);
//! * `newly_required`: no licence was required before and one is after (the
//!   licence now matters; it may predate the rule that made it needed);
//! * `policy`: the review policy after is a denial (presumption or policy),
//!   and it was not before: the licence's terms conflict with the rules;
//! * `eccn`: the classification after is not the line's ECCN;
//! * `condition`: the rules after newly attach a revenue share or an
//!   import duty the licence does not carry at that rate, or no longer
//!   attach one the licence carries.

use chipexport_domain::Date;
use chipexport_licences::matching::item_matches;
use chipexport_licences::{Condition, Licence};
use chipexport_rules::{Decision, ReviewPolicy};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use super::{facts_of, read};
use crate::App;
use crate::error::Result;
use crate::question::{Ask, Item};

/// One way a rule change affects a licence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The licence number.
    pub licence: String,
    /// The line (from 0).
    pub line: usize,
    /// The catalog entry.
    pub item: String,
    /// The destination.
    pub destination: String,
    /// `no_longer_required`, `newly_required`, `policy`, `eccn` or
    /// `condition`.
    pub kind: &'static str,
    /// In words.
    pub detail: String,
}

/// The licences a rule change affects.
#[derive(Debug, Clone, Serialize)]
pub struct Affected {
    /// The date before.
    pub before: Date,
    /// The date after.
    pub after: Date,
    /// Licences examined.
    pub licences: usize,
    /// Every finding, by licence and line.
    pub findings: Vec<Finding>,
}

fn denial(p: Option<ReviewPolicy>) -> bool {
    matches!(
        p,
        Some(ReviewPolicy::PolicyOfDenial | ReviewPolicy::PresumptionOfDenial)
    )
}

/// The percent of each money condition (`revenue_share`, `import_duty`) a
/// decision attaches.
fn money_conditions(d: &Decision) -> Vec<(String, Option<f64>)> {
    d.conditions
        .iter()
        .filter(|c| matches!(c.terms.kind.as_str(), "revenue_share" | "import_duty"))
        .map(|c| (c.terms.kind.as_str().to_string(), c.terms.percent))
        .collect()
}

fn licence_percent(l: &Licence, kind: &str) -> Option<Decimal> {
    l.conditions.iter().find_map(|c| match (c, kind) {
        (Condition::RevenueShare { percent, .. }, "revenue_share")
        | (Condition::ImportDuty { percent, .. }, "import_duty") => Some(*percent),
        _ => None,
    })
}

fn compare(l: &Licence, before: &Decision, after: &Decision) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let (rb, ra) = (before.license_required, after.license_required);
    if rb == Some(true) && ra == Some(false) {
        out.push((
            "no_longer_required",
            format!(
                "no licence is required after (ECCN {}): the line's items no longer need it",
                after.eccn
            ),
        ));
    }
    if rb == Some(false) && ra == Some(true) {
        out.push((
            "newly_required",
            format!(
                "a licence is required after, not before ({}): the licence now matters",
                after.fired.first().map_or("", String::as_str)
            ),
        ));
    }
    if ra == Some(true) && denial(after.review_policy) && !denial(before.review_policy) {
        out.push((
            "policy",
            format!(
                "applications meet a {} after: the licence's terms conflict with the new rules",
                after.review_policy.map_or("denial", |p| p.as_str())
            ),
        ));
    }
    if ra == Some(true) {
        // Only what changed: a money condition the rules attach after and
        // did not before, at a rate the licence does not carry; or one the
        // licence carries that the rules attached before and no longer do.
        let (was, now) = (money_conditions(before), money_conditions(after));
        for (kind, pct) in now.iter().filter(|c| !was.contains(c)) {
            let rule = pct.and_then(Decimal::from_f64_retain);
            let held = licence_percent(l, kind);
            if held.is_none()
                || rule.is_some() && held.map(|h| h.to_f64()) != rule.map(|r| r.to_f64())
            {
                out.push((
                    "condition",
                    format!(
                        "the rules after attach {kind} {}%; the licence has {}",
                        rule.map_or("?".into(), |r| r.normalize().to_string()),
                        held.map_or("none".into(), |h| format!("{h}%"))
                    ),
                ));
            }
        }
        for c in &l.conditions {
            let kind = c.kind();
            let attached = |cs: &[(String, Option<f64>)]| cs.iter().any(|(k, _)| k == kind);
            if matches!(kind, "revenue_share" | "import_duty") && attached(&was) && !attached(&now)
            {
                out.push((
                    "condition",
                    format!(
                        "the licence carries {}; the rules after attach no {kind}",
                        c.describe()
                    ),
                ));
            }
        }
    }
    out
}

impl App {
    /// The licences of the book at `at` that the change of rules between
    /// `before` and `after` affects.
    pub fn licences_affected(
        &self,
        at: &crate::audit::LogLocation,
        before: Date,
        after: Date,
    ) -> Result<Affected> {
        let b = read(at)?;
        let mut findings = Vec::new();
        for l in &b.licences {
            for (i, line) in l.lines.iter().enumerate() {
                let entries = self
                    .catalog()
                    .entries
                    .iter()
                    .filter(|e| item_matches(line, &facts_of(&e.spec, &e.metrics)).is_ok());
                for e in entries {
                    for dest in &l.destinations {
                        let decide = |on: Date| {
                            let ask = Ask {
                                to: dest.as_str().to_string(),
                                on: Some(on.to_string()),
                                ..Ask::default()
                            };
                            self.check_of(Item::of_entry(e), &ask, on)
                                .map(|c| c.decision)
                        };
                        let (db, da) = (decide(before)?, decide(after)?);
                        let mut found = compare(l, &db, &da);
                        if da.license_required == Some(true)
                            && !line.eccn.is_empty()
                            && chipexport_licences::matching::is_eccn(&da.eccn)
                            && !line.eccn.iter().any(|x| {
                                da.eccn.starts_with(x.as_str()) || x.starts_with(da.eccn.as_str())
                            })
                        {
                            found.push((
                                "eccn",
                                format!(
                                    "classified {} after; the line says {}",
                                    da.eccn,
                                    line.eccn.join(", ")
                                ),
                            ));
                        }
                        findings.extend(found.into_iter().map(|(kind, detail)| Finding {
                            licence: l.number.clone(),
                            line: i,
                            item: e.id.clone(),
                            destination: dest.as_str().to_string(),
                            kind,
                            detail,
                        }));
                    }
                }
            }
        }
        Ok(Affected {
            before,
            after,
            licences: b.licences.len(),
            findings,
        })
    }
}
