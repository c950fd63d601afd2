//! Timelines: the intervals over which the answer to a question stays the
//! same, and what opened each.

use chipexport_domain::{Date, Metrics};
use serde::Serialize;

use crate::engine::{Decision, Determination, Question};
use crate::pack::{Outcome, Slot};
use crate::ruleset::RuleSet;

/// One interval of a timeline: the answer stays the same from `from` to
/// `to` (exclusive; `None` is open-ended).
#[derive(Debug, Clone, Serialize)]
pub struct Interval {
    /// The first day of the interval.
    pub from: Date,
    /// The day after its last day (`None`: open-ended).
    pub to: Option<Date>,
    /// Instruments whose start, end or change of enforcement opened the
    /// interval, and country-group changes.
    pub opened_by: Vec<String>,
    /// Instruments that came into force within the interval without
    /// changing the answer.
    pub also_in_force: Vec<String>,
    /// The answer throughout the interval.
    #[serde(flatten)]
    pub decision: Decision,
}

/// The intervals over which the answer to a question stays the same,
/// from `since` on.
pub(crate) fn timeline(
    rs: &RuleSet,
    q: &Question,
    since: Date,
    metrics: Option<&Metrics>,
) -> Vec<Interval> {
    let mut points: Vec<Date> = vec![since];
    points.extend(rs.breakpoints().iter().copied().filter(|d| *d > since));
    let mut out: Vec<Interval> = Vec::new();
    let mut last_sig: Option<String> = None;
    for d in points {
        let mut qq = q.clone();
        qq.on = d;
        // Compare cheap determinations; explain only where the answer changes.
        let sig = signature(rs, &rs.determine(&qq));
        let opened_by = rs.opened_on(d);
        match out.last_mut() {
            Some(last) if last_sig.as_deref() == Some(sig.as_str()) => {
                for o in opened_by {
                    if !last.also_in_force.contains(&o) {
                        last.also_in_force.push(o);
                    }
                }
            }
            _ => {
                if let Some(last) = out.last_mut() {
                    last.to = Some(d);
                }
                let mut dec = rs.decide(&qq);
                dec.metrics = metrics.cloned();
                out.push(Interval {
                    from: d,
                    to: None,
                    opened_by,
                    also_in_force: Vec::new(),
                    decision: dec,
                });
                last_sig = Some(sig);
            }
        }
    }
    out
}

/// What must stay equal for two dates to share an interval: the values
/// of the single-valued slots, and which rules set the others.
pub(crate) fn signature(rs: &RuleSet, d: &Determination<'_>) -> String {
    let mut s = format!(
        "{:?}|{:?}|{:?}|",
        d.license_required, d.eccn, d.review_policy
    );
    for &ri in &d.fired {
        if let Some(r) = rs.rules.get(ri) {
            match &r.then {
                Outcome::Exception { exception, .. } if d.license_required == Some(true) => {
                    s.push_str(exception)
                }
                Outcome::Provision(_) => s.push_str(&r.id),
                _ => {}
            }
            s.push('|');
        }
    }
    for &ri in &d.unknown {
        if let Some(r) = rs.rules.get(ri).filter(|r| r.slot == Slot::Measure) {
            s.push('?');
            s.push_str(&r.id);
        }
    }
    s
}

/// What changes on a date: instruments starting, ending or changing
/// enforcement, and country-group changes.
pub(crate) fn opened_on(rs: &RuleSet, d: Date) -> Vec<String> {
    let mut v = Vec::new();
    for p in &rs.packs {
        if p.meta.effective == d && p.meta.kind.is_context() {
            v.push(format!(
                "{} ({}): a context note, not law",
                p.meta.short, p.meta.id
            ));
        } else if p.meta.effective == d {
            v.push(format!("{} ({}) takes effect", p.meta.short, p.meta.id));
        }
        for r in p
            .rules
            .iter()
            .filter(|r| r.from == d && r.from != p.meta.effective)
        {
            v.push(format!(
                "{}: {} applies from this date ({})",
                p.meta.short, r.paragraph, r.id
            ));
        }
        for r in p.rules.iter().filter(|r| r.until == Some(d)) {
            v.push(format!("{}: {} ends ({})", p.meta.short, r.paragraph, r.id));
        }
        if p.meta.until == Some(d) {
            v.push(format!("{} ({}) ends", p.meta.short, p.meta.id));
        }
        for e in &p.meta.enforcement {
            if e.from == d {
                v.push(format!(
                    "{}: {} ({})",
                    p.meta.short,
                    if e.enforced {
                        "enforced again"
                    } else {
                        "not enforced"
                    },
                    e.citation
                ));
            }
            if e.until == Some(d) {
                v.push(format!(
                    "{}: end of {} ({})",
                    p.meta.short,
                    if e.enforced {
                        "enforcement"
                    } else {
                        "suspension"
                    },
                    e.citation
                ));
            }
        }
    }
    for c in rs.groups.changes.iter().filter(|c| c.effective == d) {
        let add: Vec<String> = c.add.iter().map(|x| x.to_string()).collect();
        let rem: Vec<String> = c.remove.iter().map(|x| x.to_string()).collect();
        let mut s = format!("Country Group {}:", c.group);
        if !add.is_empty() {
            s.push_str(&format!(" adds {}", add.join(", ")));
        }
        if !rem.is_empty() {
            s.push_str(&format!(" removes {}", rem.join(", ")));
        }
        s.push_str(&format!(" ({})", c.citation));
        v.push(s);
    }
    v
}
