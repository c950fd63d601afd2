//! The texts of a rule that do not depend on the question: its citation
//! and the test and name of each of its numeric lines. Explanations print
//! them for every decision; the rule set renders them once, when the packs
//! load (`RuleSet::texts`, one per rule), and the explanation clones them.

use crate::engine::cite;
use crate::pack::{Pack, Rule};

/// A rule's texts, rendered when the rule set loads.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct RuleTexts {
    /// The rule's citation, [`cite`] (empty for a rule without a pack).
    pub(crate) citation: String,
    /// One per threshold of the rule, in [`Rule::thresholds`] order.
    pub(crate) lines: Vec<LineText>,
}

/// The texts of one numeric line of a rule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LineText {
    /// The test as the predicate writes it (`tpp >= 4800`), see
    /// [`crate::lines::line_test`].
    pub(crate) test: String,
    /// The line's name (`ECCN 3A090.a.1's 4800`), see
    /// [`crate::lines::line_name`].
    pub(crate) name: String,
}

impl RuleTexts {
    /// The texts of a rule of pack `p`.
    pub(crate) fn of(p: Option<&Pack>, r: &Rule) -> RuleTexts {
        RuleTexts {
            citation: p.map_or(String::new(), |p| cite(p, r)),
            lines: r
                .thresholds
                .iter()
                .map(|&(fact, op, threshold)| LineText {
                    test: crate::lines::line_test(fact, op, threshold),
                    name: crate::lines::line_name(&r.paragraph, threshold),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ruleset::RuleSet;

    fn rules() -> RuleSet {
        RuleSet::embedded().unwrap_or_else(|e| unreachable!("{e:?}"))
    }

    #[test]
    fn every_rule_has_its_texts_as_rendered_on_demand() {
        let rs = rules();
        assert_eq!(rs.texts.len(), rs.rules.len());
        let mut lines = 0;
        for (r, t) in rs.rules.iter().zip(&rs.texts) {
            let p = rs.pack_of(r).unwrap_or_else(|| unreachable!("{}", r.id));
            assert_eq!(t.citation, cite(p, r), "{}", r.id);
            assert_eq!(t.lines.len(), r.thresholds.len(), "{}", r.id);
            for (&(fact, op, threshold), l) in r.thresholds.iter().zip(&t.lines) {
                let test = format!(
                    "{} {} {}",
                    fact.name(),
                    op.symbol(),
                    chipexport_domain::fmt_num(threshold)
                );
                assert_eq!(l.test, test, "{}", r.id);
                assert!(l.name.contains(&chipexport_domain::fmt_num(threshold)));
                lines += 1;
            }
        }
        assert!(lines > 10, "{lines}");
    }

    /// Decisions with the texts rendered at load and with every text
    /// rendered on demand (a rule set without its texts) are the same.
    #[test]
    fn decisions_are_the_same_without_the_rendered_texts() {
        let rs = rules();
        let mut bare = rs.clone();
        bare.texts.clear();
        let cat = chipexport_catalog::Catalog::embedded().unwrap_or_else(|e| unreachable!("{e:?}"));
        let mut compared = 0;
        for chip in ["H20", "H100", "H200", "A100", "MI308X", "L40S", "RTX 4090"] {
            let Ok(e) = cat.lookup(chip) else {
                continue;
            };
            for to in ["CN", "SG", "AE", "DE", "RU", "MO"] {
                for on in [
                    "2022-06-01",
                    "2023-11-20",
                    "2024-06-01",
                    "2025-01-20",
                    "2025-09-01",
                ] {
                    let q = crate::engine::asked(e, to, on);
                    let a = serde_json::to_string(&rs.decide(&q))
                        .unwrap_or_else(|e| unreachable!("{e}"));
                    let b = serde_json::to_string(&bare.decide(&q))
                        .unwrap_or_else(|e| unreachable!("{e}"));
                    assert_eq!(a, b, "{chip} {to} {on}");
                    compared += 1;
                }
            }
        }
        assert!(compared >= 60, "{compared}");
    }
}
