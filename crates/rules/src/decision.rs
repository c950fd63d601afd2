//! Decisions explained: the determination of a question with the reasons
//! of every rule that fired, the rules displaced or undetermined, what would
//! change the answer, and the citations.

use chipexport_domain::Confidence;

use crate::engine::{
    Decision, Displaced, ExceptionDetail, Flag, Question, Reason, Undetermined, cite,
    determine_with, facts, outside_coverage, plan_of, rule_confidence, too_weak,
};
use crate::expr;
use crate::facts::{Fact, Facts};
use crate::pack::{Outcome, Rule, Slot};
use crate::provision::{Provision, Terms};
use crate::ruleset::RuleSet;
use crate::status::UNDETERMINED_ECCN;
use crate::vocabulary::ReviewPolicy;

/// Decides a question and explains the decision. Pure: the same
/// question and rule set always give the same answer.
pub(crate) fn decide(rs: &RuleSet, q: &Question) -> Decision {
    // The plan once, for the determination and the nearest lines.
    let plan = plan_of(rs, q);
    let det = determine_with(rs, q, &plan);
    let mut facts = facts(rs, q);
    facts.eccn = det.eccn;
    facts.license_required = det.license_required;
    facts.review_policy = det.review_policy.map(ReviewPolicy::as_str);
    let rule = |ri: usize| rs.rules.get(ri);
    let is_context = |r: &Rule| rs.pack_of(r).is_some_and(|p| p.meta.kind.is_context());

    // Context notes are not reasons for the answer.
    let reasons: Vec<Reason> = det
        .fired
        .iter()
        .filter_map(|&ri| Some((ri, rule(ri)?)))
        .filter(|(_, r)| !is_context(r))
        .map(|(ri, r)| reason(rs, ri, r, &facts))
        .collect();
    let displaced = det
        .displaced
        .iter()
        .filter_map(|&(a, b)| {
            Some(Displaced {
                rule: rule(a)?.id.clone(),
                by: rule(b)?.id.clone(),
            })
        })
        .collect();
    let mut undetermined = Vec::new();
    let mut possible_measures = Vec::new();
    for r in det.unknown.iter().filter_map(|&ri| rule(ri)) {
        let mut fs = Vec::new();
        expr::facts_of(&r.predicate, &mut fs);
        let mut missing: Vec<String> = fs
            .into_iter()
            .filter(|f| facts.get(*f) == crate::facts::Value::Null)
            .map(|f| f.name().to_string())
            .collect();
        if let Some(o) = rs
            .pack_of(r)
            .filter(|p| p.is_open_on(q.on))
            .and_then(|p| p.open_end())
        {
            missing.extend(o.settle.iter().cloned());
        }
        if let Some(m) = q
            .min_confidence
            .filter(|_| too_weak(rs, r, q.min_confidence))
        {
            missing.push(format!(
                "a {m} encoding of {} (it is {})",
                r.id,
                rule_confidence(rs, r)
            ));
        }
        let u = Undetermined {
            rule: r.id.clone(),
            slot: r.slot,
            missing,
            text: r.text.clone(),
            would: r.then.clone(),
        };
        if r.slot == Slot::Measure {
            possible_measures.push(u);
        } else {
            undetermined.push(u);
        }
    }
    let not_enforced = det
        .not_enforced
        .iter()
        .filter_map(|&ri| rule(ri))
        .map(|r| {
            let why = rs
                .pack_of(r)
                .and_then(|p| p.enforcement_on(q.on))
                .map_or(String::new(), |e| e.citation.clone());
            Flag {
                kind: "not_enforced".into(),
                text: format!(
                    "{} ({}) would apply as written but is not enforced: {why}",
                    r.id, r.paragraph
                ),
            }
        })
        .collect();

    let item_of = |(ri, r): (usize, &Rule)| -> Option<Provision> {
        let p = rs.pack_of(r)?;
        let Outcome::Provision(terms) = &r.then else {
            return None;
        };
        Some(Provision {
            terms: Terms::clone(terms),
            jurisdiction: p.meta.jurisdiction.clone(),
            authority: p.meta.authority.clone(),
            legal_form: p.meta.kind.as_str().to_string(),
            confidence: rule_confidence(rs, r),
            citation: citation(rs, ri, r),
            rule: r.id.clone(),
            instrument: p.meta.short.clone(),
        })
    };
    let slot_items = |s: Slot| -> Vec<Provision> {
        det.fired
            .iter()
            .filter_map(|&ri| Some((ri, rule(ri)?)))
            .filter(|(_, r)| r.slot == s && !is_context(r))
            .filter_map(item_of)
            .collect()
    };
    let context: Vec<Provision> = det
        .fired
        .iter()
        .filter_map(|&ri| Some((ri, rule(ri)?)))
        .filter(|(_, r)| is_context(r))
        .filter_map(item_of)
        .collect();
    let mut exception_details = Vec::new();
    if det.license_required == Some(true) {
        for r in det
            .fired
            .iter()
            .filter_map(|&ri| rule(ri))
            .filter(|r| r.slot == Slot::LicenseException)
        {
            if let Outcome::Exception {
                exception,
                obligations,
            } = &r.then
            {
                exception_details.push(ExceptionDetail {
                    exception: exception.clone(),
                    obligations: obligations.clone(),
                    rule: r.id.clone(),
                });
            }
        }
    }
    let mut license_exceptions: Vec<String> = Vec::new();
    for e in &exception_details {
        if !license_exceptions.contains(&e.exception) {
            license_exceptions.push(e.exception.clone());
        }
    }

    let mut flags = Vec::new();
    for r in &reasons {
        if r.confidence == Confidence::Unconfirmed {
            flags.push(Flag {
                kind: "unconfirmed_rule".into(),
                text: format!(
                    "relies on {} ({}), whose encoding is UNCONFIRMED",
                    r.rule, r.paragraph
                ),
            });
        }
    }
    for p in det
        .fired
        .iter()
        .filter_map(|&ri| rule(ri))
        .filter_map(|r| rs.pack_of(r))
    {
        if let Some(e) = p
            .enforcement_on(q.on)
            .filter(|e| e.confidence == Confidence::Unconfirmed)
        {
            let text = format!(
                "relies on the enforcement status of {} from {}, which is UNCONFIRMED: {}",
                p.meta.id, e.from, e.citation
            );
            if !flags.iter().any(|f: &Flag| f.text == text) {
                flags.push(Flag {
                    kind: "unconfirmed_enforcement".into(),
                    text,
                });
            }
        }
    }
    for g in chipexport_domain::Group::ALL {
        for (fact, c) in [
            ("destination", q.destination),
            ("end_user_hq", q.end_user_hq),
        ] {
            if let Some(d) = rs.groups.doubt(g, c, q.on) {
                let text = format!(
                    "{fact} {c}: membership of {g} is {}: {}",
                    d.confidence, d.note
                );
                if !flags.iter().any(|f: &Flag| f.text == text) {
                    flags.push(Flag {
                        kind: "country_group_doubt".into(),
                        text,
                    });
                }
            }
        }
    }
    let coverage_gap = outside_coverage(rs, q, &facts);
    if let Some(g) = &coverage_gap {
        flags.push(Flag {
            kind: "outside_coverage".into(),
            text: format!(
                "{} is not encoded: {}{}",
                g.regime,
                g.missing,
                if det.license_required == Some(true) {
                    "; the encoded rules already require a licence, and that regime may add to it"
                } else {
                    ""
                }
            ),
        });
    }
    if !undetermined.is_empty() {
        flags.push(Flag {
            kind: "incomplete".into(),
            text: "some rules could not be decided because facts are missing; see `undetermined`"
                .into(),
        });
    }
    let instruments = instruments(rs, q);
    let nearest_lines = crate::lines::nearest_lines(rs, &plan, &facts, &det.fired);
    let deciding_facts = if det.license_required.is_none() || det.eccn.is_none() {
        deciding_facts(&undetermined)
    } else {
        Vec::new()
    };
    let mut d = Decision {
        question: q.clone(),
        known_as_of: q.knowledge_date(),
        status: det.status(),
        license_required: det.license_required,
        eccn: det.eccn.unwrap_or(UNDETERMINED_ECCN).to_string(),
        deciding_facts,
        coverage_gap,
        eccn_note: det.eccn_note.map(String::from),
        license_exceptions,
        exception_details,
        review_policy: det.review_policy,
        conditions: slot_items(Slot::Condition),
        measures: slot_items(Slot::Measure),
        possible_measures,
        notices: slot_items(Slot::Notice),
        context,
        fired: det
            .fired
            .iter()
            .filter_map(|&ri| rule(ri))
            .map(|r| r.id.clone())
            .collect(),
        verdict: String::new(),
        verdict_parts: Vec::new(),
        reasons,
        displaced,
        undetermined,
        nearest_lines,
        not_enforced,
        flags,
        instruments,
        metrics: None,
        rule_set: rs.reference(),
    };
    d.verdict_parts = crate::explain::verdict_parts(&d, rs.vocabulary());
    d.verdict = d.verdict_parts.join("; ");
    d
}

/// The facts of the question that would settle an undetermined
/// classification or licence requirement: the missing facts of the
/// undetermined rules of those slots, without the results (`eccn`,
/// `license_required`, `review_policy`) that are unknown only because they
/// depend on the others. First seen first.
fn deciding_facts(undetermined: &[Undetermined]) -> Vec<String> {
    let results = [
        Fact::Eccn.name(),
        Fact::LicenseRequired.name(),
        Fact::ReviewPolicy.name(),
    ];
    let mut out: Vec<String> = Vec::new();
    for u in undetermined
        .iter()
        .filter(|u| matches!(u.slot, Slot::Classification | Slot::LicenseRequirement))
    {
        for f in &u.missing {
            if !results.contains(&f.as_str()) && !out.contains(f) {
                out.push(f.clone());
            }
        }
    }
    out
}

/// The ids of the instruments (not context notes) with a rule in force
/// on the question's date, as known on its knowledge date, in pack order.
/// The rule set's rules are its packs' rules, each knowing its pack's
/// index: one pass over them, without looking packs up by id.
fn instruments(rs: &RuleSet, q: &Question) -> Vec<String> {
    let known = q.knowledge_date();
    let mut in_force = vec![false; rs.packs.len()];
    for r in &rs.rules {
        if let Some(f) = in_force.get_mut(r.pack_idx)
            && !*f
            && rs.in_force_known(r, q.on, known, q.mode, &q.with_packs)
        {
            *f = true;
        }
    }
    rs.packs
        .iter()
        .zip(in_force)
        .filter(|(p, f)| *f && !p.meta.kind.is_context())
        .map(|(p, _)| p.meta.id.clone())
        .collect()
}

/// The citation of the rule set's rule `ri` (`r`): rendered when the rule
/// set loaded, or now (empty for a rule without a pack).
fn citation(rs: &RuleSet, ri: usize, r: &Rule) -> String {
    match rs.texts.get(ri) {
        Some(t) => t.citation.clone(),
        None => rs.pack_of(r).map_or(String::new(), |p| cite(p, r)),
    }
}

/// Why the rule set's rule `ri` (`r`) fired: its evidence on `facts`.
pub(crate) fn reason(rs: &RuleSet, ri: usize, r: &Rule, facts: &Facts<'_>) -> Reason {
    let mut evidence = Vec::new();
    expr::holding_atoms(&r.predicate, &r.atom_tests, facts, &mut evidence);
    let p = rs.pack_of(r);
    Reason {
        rule: r.id.clone(),
        slot: r.slot,
        instrument: p.map_or(String::new(), |p| p.meta.short.clone()),
        citation: citation(rs, ri, r),
        paragraph: r.paragraph.clone(),
        text: r.text.clone(),
        evidence,
        confidence: rule_confidence(rs, r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The instruments in force as found pack by pack, looking each of
    /// their rules up (the definition).
    fn instruments_pack_by_pack(rs: &RuleSet, q: &Question) -> Vec<String> {
        rs.packs
            .iter()
            .filter(|p| {
                !p.meta.kind.is_context()
                    && p.rules.iter().any(|r| {
                        rs.in_force_known(r, q.on, q.knowledge_date(), q.mode, &q.with_packs)
                    })
            })
            .map(|p| p.meta.id.clone())
            .collect()
    }

    #[test]
    fn instruments_in_one_pass_are_those_found_pack_by_pack() {
        let rs = RuleSet::embedded().unwrap_or_else(|e| unreachable!("{e:?}"));
        let cat = chipexport_catalog::Catalog::embedded().unwrap_or_else(|e| unreachable!("{e:?}"));
        let e = cat.lookup("H20").unwrap_or_else(|e| unreachable!("{e:?}"));
        let bills: Vec<String> = rs
            .packs
            .iter()
            .filter(|p| p.meta.kind.as_str() == "bill")
            .map(|p| p.meta.id.clone())
            .collect();
        let dates = rs.breakpoints();
        let mut seen = 0;
        for (i, &on) in dates.iter().enumerate() {
            let q = Question::new(
                &e.spec,
                &e.metrics,
                chipexport_domain::Country::parse("CN").unwrap_or_else(|e| unreachable!("{e}")),
                on,
            );
            let later = dates.get(i + 3).copied();
            for q in [
                q.clone(),
                q.clone().mode(crate::ruleset::Mode::AsWritten),
                q.clone().known_as_of(later),
                q.clone().with_packs(bills.clone()),
            ] {
                let got = instruments(&rs, &q);
                assert_eq!(got, instruments_pack_by_pack(&rs, &q), "{on}");
                seen += got.len();
            }
        }
        assert!(seen > 100, "{seen}");
    }
}
