//! Knowledge time: an answer for a date uses only what was public on or
//! before it. Over every pack's dates, no answer cites a rule (law, notice
//! or context note) that became known later; hindsight is asked for.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use chipexport_catalog::Catalog;
use chipexport_domain::{Country, Date};
use chipexport_rules::{Question, RuleSet};

const CHIPS: &[&str] = &[
    "nvidia-h20-hgx-96gb",
    "nvidia-h100-sxm5-80gb",
    "nvidia-a100-sxm4-80gb",
    "nvidia-h200-sxm-141gb",
    "nvidia-l20-pcie-48gb",
    "nvidia-geforce-rtx-4090-d-24gb-china",
    "amd-instinct-mi308x-china-variant-192gb",
    "huawei-ascend-910b-910b2-class-64gb",
];
const TO: &[&str] = &["CN", "AE", "RU", "SG", "MY"];

fn question(cat: &Catalog, chip: &str, to: &str, on: Date) -> Question {
    let e = cat.lookup(chip).unwrap();
    Question::new(&e.spec, &e.metrics, Country::parse(to).unwrap(), on)
}

#[test]
fn no_answer_cites_what_was_not_yet_public_on_any_pack_date() {
    let rs = RuleSet::embedded().unwrap();
    let cat = Catalog::embedded().unwrap();
    // Every date a pack or a rule starts, becomes known, or ends.
    let mut dates: Vec<Date> = Vec::new();
    for p in rs.packs() {
        dates.push(p.meta.effective);
        dates.push(p.meta.published);
        dates.extend(p.meta.known);
        dates.extend(p.meta.until);
    }
    for r in rs.rules() {
        dates.push(r.from);
        dates.push(r.known);
        dates.extend(r.known.yesterday().ok());
    }
    dates.sort();
    dates.dedup();
    let mut answers = 0;
    for &on in &dates {
        for chip in CHIPS {
            for to in TO {
                let q = question(&cat, chip, to, on);
                let d = rs.decide(&q);
                assert_eq!(d.known_as_of, on);
                for id in d.rules_fired() {
                    let r = rs.rule(id).unwrap();
                    assert!(
                        r.known <= on,
                        "{chip} to {to} on {on} cites {id}, known only from {}",
                        r.known
                    );
                }
                answers += 1;
            }
        }
    }
    assert!(answers > 1_000, "{answers} answers checked");
}

#[test]
fn hindsight_adds_what_became_known_later_and_says_so() {
    let rs = RuleSet::embedded().unwrap();
    let cat = Catalog::embedded().unwrap();
    let on: Date = "2025-05-01".parse().unwrap();
    let note = "mkt-2025-04-16-amd-mi308-charge#mi308-licences";
    let then = rs.decide(&question(&cat, "MI308X", "CN", on));
    assert!(
        !then.rules_fired().contains(&note),
        "{:?}",
        then.rules_fired()
    );
    let later: Date = "2026-01-01".parse().unwrap();
    let hindsight = rs.decide(&question(&cat, "MI308X", "CN", on).known_as_of(Some(later)));
    assert!(hindsight.rules_fired().contains(&note));
    assert_eq!(hindsight.known_as_of, later);
    let memo = chipexport_rules::explain::memo(&hindsight, "MI308X");
    assert!(memo.contains("with hindsight"), "{memo}");
}

#[test]
fn a_rule_released_before_its_printing_counts_from_its_release() {
    // The Oct 2022 rules were released on 7 Oct and printed on 13 Oct.
    let rs = RuleSet::embedded().unwrap();
    let cat = Catalog::embedded().unwrap();
    let d = rs.decide(&question(
        &cat,
        "nvidia-a100-sxm4-80gb",
        "CN",
        "2022-10-10".parse().unwrap(),
    ));
    assert!(
        d.rules_fired()
            .iter()
            .any(|r| r.starts_with("us-2022-10-13-ac-ifr#")),
        "{:?}",
        d.rules_fired()
    );
}
