//! Plans made for one item: a plan's rules that cannot fire for it left out.
//!
//! Within a breakpoint interval, an item's facts and the date are fixed;
//! what varies from question to question is the rest (the countries, the
//! buyer, the parties, and the results of the slots decided before). A
//! predicate evaluated with only the fixed facts known is often already
//! false (`tpp >= 4800 AND ...` for a small chip, `model = 'H20' AND ...`
//! for another), and then it is false for every question about the item
//! in the interval: three-valued AND, OR and NOT give a definite result
//! only when every value that would change it is known. Such rules never
//! fire, are never unknown and never displace another, so leaving them out
//! of the plan changes no determination; the engine then evaluates only
//! the rest. Batch screening and single-question benchmarks reuse these
//! plans.
//!
//! The classification is decided first, as the engine decides it: when its
//! rules read only fixed facts, the classification is fixed too, and the
//! later slots' predicates that read `eccn` are evaluated with it (most of
//! the licence rules test the classification first).

use chipexport_domain::{Confidence, Date};

use crate::RuleSet;
use crate::engine::{Plan, Question};
use crate::expr::Expr;
use crate::facts::{Fact, Facts, ItemFacts, Value};

/// Whether a fact is the same for every question about an item in one
/// breakpoint interval: the item's own facts, and the date (whose
/// comparisons with the rules' date literals change only at breakpoints).
pub fn is_fixed(f: Fact) -> bool {
    matches!(
        f,
        Fact::Chip
            | Fact::Model
            | Fact::Vendor
            | Fact::Tpp
            | Fact::PerformanceDensity
            | Fact::DieArea
            | Fact::MemoryBandwidth
            | Fact::Interconnect
            | Fact::MemoryPlusInterconnect
            | Fact::Transistors
            | Fact::Datacenter
            | Fact::NonPlanar
            | Fact::OriginCountry
            | Fact::OnDate
            | Fact::EccnClaimed
    )
}

/// Evaluates `e` with only the fixed facts known (see [`is_fixed`]), and
/// the classification when `eccn` is true (`facts.eccn` holds it): `None`
/// when the value depends on another fact.
pub fn eval_fixed<'a>(e: &'a Expr, facts: &'a Facts<'a>, eccn: bool) -> Option<Value<'a>> {
    let fixed = |e: &'a Expr| eval_fixed(e, facts, eccn);
    let is_fixed = |f: Fact| is_fixed(f) || eccn && f == Fact::Eccn;
    let bool_of = |v: Option<Value<'_>>| match v {
        Some(Value::Bool(b)) => Some(Some(b)),
        Some(_) => Some(None),
        None => None,
    };
    match e {
        Expr::Lit(l) => Some(l.value()),
        Expr::Fact(f) => is_fixed(*f).then(|| facts.get(*f)),
        Expr::InGroup(f, g) => {
            is_fixed(*f).then(|| facts.in_group(*f, *g).map_or(Value::Null, Value::Bool))
        }
        // A false (true) side decides AND (OR), whatever the other side is.
        Expr::And(a, b) => match (bool_of(fixed(a)), bool_of(fixed(b))) {
            (Some(Some(false)), _) | (_, Some(Some(false))) => Some(Value::Bool(false)),
            (Some(_), Some(_)) => Some(crate::expr::eval(e, facts)),
            _ => None,
        },
        Expr::Or(a, b) => match (bool_of(fixed(a)), bool_of(fixed(b))) {
            (Some(Some(true)), _) | (_, Some(Some(true))) => Some(Value::Bool(true)),
            (Some(_), Some(_)) => Some(crate::expr::eval(e, facts)),
            _ => None,
        },
        Expr::Not(x) | Expr::Neg(x) | Expr::IsNull { expr: x, .. } => {
            fixed(x)?;
            Some(crate::expr::eval(e, facts))
        }
        Expr::In { expr, .. } => {
            fixed(expr)?;
            Some(crate::expr::eval(e, facts))
        }
        Expr::Cmp(_, a, b) | Expr::Arith(_, a, b) => {
            fixed(a)?;
            fixed(b)?;
            Some(crate::expr::eval(e, facts))
        }
    }
}

/// `plan` (made for a date of the interval `on` falls in) without the rules
/// that cannot fire for `item` in that interval, for questions whose
/// minimum confidence is `min_confidence`.
pub fn item_plan(
    rs: &RuleSet,
    plan: &Plan,
    item: &ItemFacts,
    on: Date,
    min_confidence: Option<Confidence>,
) -> Plan {
    let origin = item.origin_country.map_or(0, |c| rs.group_mask(c, on));
    let us = chipexport_domain::Country::us();
    // The other facts are placeholders that `eval_fixed` never reads.
    let mut facts = Facts::new_masked(item, us, us, us, on, None, None, [0, 0, 0, origin]);
    let keep = |facts: &Facts<'_>, eccn: bool, rules: &[(usize, bool)]| -> Vec<(usize, bool)> {
        rules
            .iter()
            .copied()
            .filter(|&(ri, _)| {
                rs.rules().get(ri).is_none_or(|r| {
                    eval_fixed(&r.predicate, facts, eccn) != Some(Value::Bool(false))
                })
            })
            .collect()
    };
    let empty = Vec::new();
    let classification = keep(&facts, false, plan.by_slot.first().unwrap_or(&empty));
    // A classification whose rules read only fixed facts is fixed: the
    // engine's own, on a question whose other facts cannot matter.
    let fixed = classification.iter().all(|&(ri, _)| {
        rs.rules()
            .get(ri)
            .is_some_and(|r| eval_fixed(&r.predicate, &facts, false).is_some())
    });
    let mut q = Question::about(item.clone(), us, on);
    q.min_confidence = min_confidence;
    let only_classification = Plan {
        by_slot: vec![classification.clone()],
        open_ended: plan.open_ended.clone(),
    };
    let det = fixed.then(|| crate::engine::determine_with(rs, &q, &only_classification));
    facts.eccn = det.as_ref().and_then(|d| d.eccn);
    let by_slot = std::iter::once(classification)
        .chain(
            plan.by_slot
                .iter()
                .skip(1)
                .map(|rules| keep(&facts, fixed, rules)),
        )
        .collect();
    Plan {
        by_slot,
        open_ended: plan.open_ended.clone(),
    }
}

impl RuleSet {
    /// `plan` (made for `on`'s interval) without the rules that cannot fire
    /// for `item` in that interval: the same determinations for every
    /// question about `item` on a date of the interval whose minimum
    /// confidence is `min_confidence`, faster (see [`crate::partial`]).
    pub fn item_plan(
        &self,
        plan: &Plan,
        item: &ItemFacts,
        on: Date,
        min_confidence: Option<Confidence>,
    ) -> Plan {
        item_plan(self, plan, item, on, min_confidence)
    }
}

#[cfg(test)]
mod tests {
    use chipexport_domain::Country;

    use super::*;
    use crate::{Mode, Question};

    /// Every plan of the embedded rules (both modes), every catalog item,
    /// questions to and from a spread of countries, buyers and parties: the
    /// item's plan determines as the whole plan does.
    #[test]
    fn an_item_plan_determines_as_the_whole_plan() {
        let rs = RuleSet::embedded().expect("rules load");
        let cat = chipexport_catalog::Catalog::embedded().expect("catalog loads");
        let c = |s: &str| Country::parse(s).expect("country");
        let routes = [
            (c("CN"), c("CN"), Country::us()),
            (c("SG"), c("CN"), Country::us()),
            (c("MY"), c("MY"), c("TW")),
            (c("SY"), c("SY"), Country::us()),
            (c("AE"), c("US"), Country::us()),
            (c("DE"), c("DE"), c("KR")),
            (c("HK"), c("HK"), c("CN")),
            (c("RU"), c("RU"), Country::us()),
        ];
        let buyers = rs.vocabulary().buyer_type_names().to_vec();
        let listed = crate::facts::PartyFacts {
            screened: true,
            entity_list: Some(true),
            fdp_footnote: Some(4.0),
            ..Default::default()
        };
        let (mut rules, mut kept, mut compared) = (0usize, 0usize, 0usize);
        let dates = std::iter::once(Date::MIN).chain(rs.breakpoints().iter().copied());
        for (k, on) in dates.enumerate() {
            for mode in [Mode::Enforced, Mode::AsWritten] {
                let plan = rs.plan(on, mode, &[]);
                // Every item on every fourth interval; a few on the others.
                let step = if k % 4 == 0 { 1 } else { 11 };
                for e in cat.entries.iter().step_by(step) {
                    let item = crate::ItemFacts::from_spec(&e.spec, &e.metrics);
                    let small = rs.item_plan(&plan, &item, on, None);
                    rules += plan.by_slot.iter().map(Vec::len).sum::<usize>();
                    kept += small.by_slot.iter().map(Vec::len).sum::<usize>();
                    for (i, &(to, hq, from)) in routes.iter().enumerate() {
                        let mut q = Question::about(item.clone(), to, on);
                        q.end_user_hq = hq;
                        q.exported_from = from;
                        q.mode = mode;
                        q.buyer_type = buyers.get(i % (buyers.len() + 1)).cloned();
                        if i % 3 == 1 {
                            q.parties = listed.clone();
                        }
                        assert_eq!(
                            rs.determine_with(&q, &plan),
                            rs.determine_with(&q, &small),
                            "{} to {to} (end user in {hq}, from {from}) on {on}, {mode:?}",
                            e.id
                        );
                        compared += 1;
                    }
                }
            }
        }
        assert!(compared > 20_000, "{compared}");
        // The item plans are smaller (by 30% on the rules of Nov 2026).
        assert!(kept * 4 < rules * 3, "{kept} of {rules} rules kept");
    }
}
