//! What would change the answer: the numeric lines of the rules in force
//! near the item's values, kept only where crossing one changes whether its
//! rule fires.

use chipexport_domain::fmt_num;

use crate::engine::{NearestLine, Plan};
use crate::expr::{self, CmpOp};
use crate::facts::{Fact, Facts, ItemFacts};
use crate::pack::Slot;
use crate::ruleset::RuleSet;

/// Numeric thresholds on the item's metrics in the rules in force, with
/// the distance from the item's values: what would change the answer.
/// Only the lines that can change the answer are listed: those where
/// crossing the threshold changes whether the rule fires (the rule's other
/// conditions hold). The lines of rules that fired come first, then the
/// nearest.
pub(crate) fn nearest_lines(
    rs: &RuleSet,
    plan: &Plan,
    facts: &Facts<'_>,
    fired: &[usize],
) -> Vec<NearestLine> {
    let mut out: Vec<(bool, NearestLine)> = Vec::new();
    // The item with one fact moved across a line; cloned once, restored
    // after each probe.
    let mut scratch = facts.item.clone();
    // The lines listed so far, exactly: a line seen again is skipped before
    // its text is compared (the text comparison below still catches two
    // thresholds that print alike).
    let mut seen: Vec<(Fact, CmpOp, u64)> = Vec::new();
    // The rules in force of the three slots with lines, in rule order: the
    // question's plan holds them (in force: as `in_force_known` says).
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
        // A rule without numeric lines has nothing to list.
        .filter(|&ri| rs.rules.get(ri).is_some_and(|r| !r.thresholds.is_empty()))
        .collect();
    in_force.sort_unstable();
    for ri in in_force {
        let Some(r) = rs.rules.get(ri) else {
            continue;
        };
        // The lines' texts, rendered when the rules loaded (rendered here
        // for a rule set without them).
        let texts = rs.texts.get(ri).map_or(&[][..], |t| t.lines.as_slice());
        // The rule's predicate, compiled (the same value as
        // `expr::eval_bool`, faster), and whether it fires on the item as
        // it is: computed once per rule, on its first line that gets that
        // far.
        let compiled = rs.compiled.get(ri);
        let eval = |f: &Facts<'_>| match compiled {
            Some(c) => c.eval(f),
            None => expr::eval_bool(&r.predicate, f),
        };
        let mut fires: Option<Option<bool>> = None;
        for (k, &(fact, op, threshold)) in r.thresholds.iter().enumerate() {
            let crate::facts::Value::Num(value) = facts.get(fact) else {
                continue;
            };
            if seen.contains(&(fact, op, threshold.to_bits())) {
                continue;
            }
            let cached = texts.get(k);
            let rendered;
            let test: &str = match cached {
                Some(t) => &t.test,
                None => {
                    rendered = line_test(fact, op, threshold);
                    &rendered
                }
            };
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
            if !crossing_matters(
                &eval,
                facts,
                &mut fires,
                &mut scratch,
                (fact, op, threshold),
                holds,
            ) {
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
            let named;
            let line: &str = match cached {
                Some(t) => &t.name,
                None => {
                    named = line_name(&r.paragraph, threshold);
                    &named
                }
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
                    test: test.to_string(),
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

/// A numeric line's test as the predicate writes it: `tpp >= 4800`.
pub(crate) fn line_test(fact: Fact, op: CmpOp, threshold: f64) -> String {
    format!("{} {} {}", fact.name(), op.symbol(), fmt_num(threshold))
}

/// A numeric line's name in the words of "what would change it": the
/// paragraph's threshold (`ECCN 3A090.a.1's 4800`), or for a long
/// paragraph `the 4800 line of ...`.
pub(crate) fn line_name(paragraph: &str, threshold: f64) -> String {
    if paragraph.chars().count() <= 32 {
        format!("{paragraph}'s {}", fmt_num(threshold))
    } else {
        format!("the {} line of {paragraph}", fmt_num(threshold))
    }
}

/// Whether moving `fact` just across `threshold` changes whether a rule
/// fires (`eval` is the value of its predicate):
/// a line the rule's other conditions make irrelevant is not a line that
/// could change the answer. Facts the item does not carry directly are kept.
/// `fires` is whether the rule fires on `facts`, once known (it is the same for
/// every line of the rule).
fn crossing_matters(
    eval: &dyn Fn(&Facts<'_>) -> Option<bool>,
    facts: &Facts<'_>,
    fires: &mut Option<Option<bool>>,
    scratch: &mut ItemFacts,
    (fact, op, threshold): (Fact, CmpOp, f64),
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
        let before = *fires.get_or_insert_with(|| eval(facts));
        before != eval(&moved)
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

#[cfg(test)]
mod tests {
    use crate::compiled::Compiled;
    use crate::ruleset::RuleSet;

    /// The lines found with the rules' compiled predicates are those found
    /// with the predicates evaluated as written (a rule set whose compiled
    /// forms are the predicates themselves).
    #[test]
    fn lines_are_the_same_with_predicates_evaluated_as_written() {
        let rs = RuleSet::embedded().unwrap_or_else(|e| unreachable!("{e:?}"));
        let mut written = rs.clone();
        written.compiled = rs
            .rules
            .iter()
            .map(|r| Compiled::Expr(Box::new(r.predicate.clone())))
            .collect();
        let cat = chipexport_catalog::Catalog::embedded().unwrap_or_else(|e| unreachable!("{e:?}"));
        let mut lines = 0;
        for e in cat.entries.iter().step_by(3) {
            for to in ["CN", "SG", "AE", "MY"] {
                for on in ["2023-11-20", "2025-01-20", "2025-09-01"] {
                    let q = crate::engine::asked(e, to, on);
                    let a = rs.decide(&q);
                    let b = written.decide(&q);
                    assert_eq!(
                        a.nearest_lines, b.nearest_lines,
                        "{} {to} {on}",
                        e.spec.name
                    );
                    lines += a.nearest_lines.len();
                }
            }
        }
        assert!(lines > 50, "{lines}");
    }
}
