//! What would change the answer: the numeric lines of the rules in force
//! near the item's values, kept only where crossing one changes whether its
//! rule fires.

use chipexport_domain::fmt_num;

use crate::engine::{NearestLine, Question};
use crate::expr::{self, CmpOp};
use crate::facts::{Fact, Facts, ItemFacts};
use crate::pack::{Rule, Slot};
use crate::ruleset::RuleSet;

/// Numeric thresholds on the item's metrics in the rules in force, with
/// the distance from the item's values: what would change the answer.
/// Only the lines that can change the answer are listed: those where
/// crossing the threshold changes whether the rule fires (the rule's other
/// conditions hold). The lines of rules that fired come first, then the
/// nearest.
pub(crate) fn nearest_lines(
    rs: &RuleSet,
    q: &Question,
    facts: &Facts<'_>,
    fired: &[usize],
) -> Vec<NearestLine> {
    let mut out: Vec<(bool, NearestLine)> = Vec::new();
    // The item with one fact moved across a line; cloned once, restored
    // after each probe.
    let mut scratch = facts.item.clone();
    // The lines listed so far, exactly: a line seen again is skipped before
    // its text is formatted (the text comparison below still catches two
    // thresholds that print alike).
    let mut seen: Vec<(Fact, CmpOp, u64)> = Vec::new();
    // The rules in force of the three slots with lines, in rule order: the
    // question's plan holds them (in force: as `in_force_known` says).
    let plan = crate::engine::plan_of(rs, q);
    let mut in_force: Vec<usize> = Slot::ORDER
        .iter()
        .zip(&plan.by_slot)
        .filter(|(s, _)| {
            matches!(
                s,
                Slot::Classification | Slot::LicenseRequirement | Slot::ReviewPolicy
            )
        })
        .flat_map(|(_, rules)| rules.iter().filter(|(_, f)| *f).map(|(ri, _)| *ri))
        .collect();
    in_force.sort_unstable();
    for ri in in_force {
        let Some(r) = rs.rules.get(ri) else {
            continue;
        };
        for &(fact, op, threshold) in &r.thresholds {
            let crate::facts::Value::Num(value) = facts.get(fact) else {
                continue;
            };
            if seen.contains(&(fact, op, threshold.to_bits())) {
                continue;
            }
            let test = format!("{} {} {}", fact.name(), op.symbol(), fmt_num(threshold));
            if out.iter().any(|(_, n)| n.test == test) {
                continue;
            }
            let holds = match op {
                CmpOp::Ge => value >= threshold,
                CmpOp::Gt => value > threshold,
                CmpOp::Le => value <= threshold,
                CmpOp::Lt => value < threshold,
                CmpOp::Eq => value == threshold,
                CmpOp::Ne => value != threshold,
            };
            if !crossing_matters(r, facts, &mut scratch, fact, op, threshold, holds) {
                continue;
            }
            let gap = threshold - value;
            let label = metric_label(fact);
            let side = if gap > 0.0 {
                "under"
            } else if gap < 0.0 {
                "over"
            } else {
                "exactly at"
            };
            let line = if r.paragraph.chars().count() <= 32 {
                format!("{}'s {}", r.paragraph, fmt_num(threshold))
            } else {
                format!("the {} line of {}", fmt_num(threshold), r.paragraph)
            };
            let text = if gap == 0.0 {
                format!("{label} {} is exactly at {line}", fmt_num(value))
            } else {
                format!(
                    "{label} {} is {} {side} {line}",
                    fmt_num(value),
                    fmt_num(gap.abs())
                )
            };
            seen.push((fact, op, threshold.to_bits()));
            out.push((
                fired.contains(&ri),
                NearestLine {
                    fact: fact.name().into(),
                    value,
                    threshold,
                    test,
                    holds,
                    gap,
                    rule: r.id.clone(),
                    paragraph: r.paragraph.clone(),
                    text,
                },
            ));
        }
    }
    let relative = |n: &NearestLine| (n.gap / n.threshold.abs().max(1e-9)).abs();
    out.sort_by(|(fa, a), (fb, b)| fb.cmp(fa).then(relative(a).total_cmp(&relative(b))));
    out.into_iter().map(|(_, n)| n).collect()
}

/// Whether moving `fact` just across `threshold` changes whether `r` fires:
/// a line the rule's other conditions make irrelevant is not a line that
/// could change the answer. Facts the item does not carry directly are kept.
fn crossing_matters(
    r: &Rule,
    facts: &Facts<'_>,
    scratch: &mut ItemFacts,
    fact: Fact,
    op: CmpOp,
    threshold: f64,
    holds: bool,
) -> bool {
    let eps = (threshold.abs() * 1e-6).max(1e-6);
    let across = match (op, holds) {
        (CmpOp::Ge, true) | (CmpOp::Lt, false) => threshold - eps,
        (CmpOp::Gt, true) | (CmpOp::Le, false) | (CmpOp::Ge, false) | (CmpOp::Lt, true) => {
            threshold
        }
        (CmpOp::Gt, false) | (CmpOp::Le, true) => threshold + eps,
        (CmpOp::Eq | CmpOp::Ne, _) => return true,
    };
    let Some(original) = metric_mut(scratch, fact).map(|slot| slot.replace(across)) else {
        // A fact the item does not carry directly: keep the line.
        return true;
    };
    let changed = {
        let mut moved: Facts<'_> = facts.clone();
        moved.item = scratch;
        expr::eval_bool(&r.predicate, facts) != expr::eval_bool(&r.predicate, &moved)
    };
    if let Some(slot) = metric_mut(scratch, fact) {
        *slot = original;
    }
    changed
}

/// The item's field behind a numeric fact, if the item carries it.
fn metric_mut(item: &mut ItemFacts, fact: Fact) -> Option<&mut Option<f64>> {
    Some(match fact {
        Fact::Tpp => &mut item.tpp,
        Fact::PerformanceDensity => &mut item.performance_density,
        Fact::DieArea => &mut item.die_area_mm2,
        Fact::MemoryBandwidth => &mut item.memory_bandwidth_gbps,
        Fact::Interconnect => &mut item.interconnect_gbps,
        Fact::MemoryPlusInterconnect => &mut item.memory_plus_interconnect_gbps,
        Fact::Transistors => &mut item.transistors_billion,
        _ => return None,
    })
}

fn metric_label(f: Fact) -> &'static str {
    match f {
        Fact::Tpp => "TPP",
        Fact::PerformanceDensity => "PD",
        Fact::MemoryBandwidth => "memory bandwidth",
        Fact::Interconnect => "interconnect",
        Fact::MemoryPlusInterconnect => "memory + interconnect",
        Fact::DieArea => "die area",
        _ => f.name(),
    }
}
