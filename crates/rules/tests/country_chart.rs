//! The part 746 packs against the Commerce Country Chart of 2026-07-23.
//!
//! For an item controlled only for anti-terrorism (AT Column 1, e.g. a
//! 5A992.c card), the chart marks no X in any row; a licence to a
//! destination then comes only from the rows that point to part 746 (Cuba,
//! Iran, North Korea, Syria) and from the footnotes that send Russia and
//! Belarus to 746.8 and the Ukrainian regions to 746.6. So on the chart's
//! date: every such row must get its licence from a pack citing the part 746
//! section the chart names, and every other row must get none from a pack
//! citing part 746.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use chipexport_domain::{Country, Date};
use chipexport_rules::country_chart::{self, Outcome};
use chipexport_rules::pack::Slot;
use chipexport_rules::{ItemFacts, Question, RuleSet};

fn at_only_card() -> ItemFacts {
    ItemFacts {
        model: Some("AT-only test card".into()),
        vendor: Some("Test".into()),
        tpp: Some(100.0),
        performance_density: Some(0.33),
        die_area_mm2: Some(300.0),
        memory_bandwidth_gbps: Some(300.0),
        interconnect_gbps: Some(0.0),
        memory_plus_interconnect_gbps: Some(300.0),
        datacenter: Some(false),
        non_planar: Some(true),
        origin_country: Some(Country::us()),
        eccn_claimed: Some("5A992.c".into()),
        ..ItemFacts::default()
    }
}

/// The part 746 sections cited by the packs whose licence rules fired.
fn part_746_sections(rs: &RuleSet, fired: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for id in fired {
        let Some(r) = rs.rule(id) else { continue };
        let Some(p) = rs.pack_of(r) else { continue };
        if r.slot != Slot::LicenseRequirement {
            continue;
        }
        for c in &p.meta.citation.cfr {
            for sec in ["746.2", "746.4", "746.6", "746.7", "746.8", "746.9"] {
                if c.contains(sec) && !out.contains(&sec.to_string()) {
                    out.push(sec.to_string());
                }
            }
        }
    }
    out
}

/// The part 746 section an embargoed row's pointer or a row's footnotes
/// name (`None`: the row is the chart's own).
fn section_of(pointer: Option<&str>, footnotes: &[u32]) -> Option<&'static str> {
    if let Some(p) = pointer {
        return Some(if p.contains("746.4") {
            "746.4"
        } else if p.contains("746.9") {
            "746.9"
        } else {
            "part 746"
        });
    }
    if footnotes.contains(&6) {
        return Some("746.8");
    }
    if footnotes.contains(&8) || footnotes.contains(&9) {
        return Some("746.6");
    }
    None
}

#[test]
fn part_746_packs_agree_with_the_chart_rows_on_its_date() {
    let rs = RuleSet::embedded().unwrap();
    let chart = &country_chart::embedded().unwrap().chart;
    let on: Date = "2026-08-01".parse().unwrap();
    let mut checked_746 = 0;
    let mut problems = Vec::new();
    let mut gaps = Vec::new();
    for (c, row) in chart.destinations() {
        if c == Country::us() {
            continue;
        }
        let d = rs.decide(&Question::about(at_only_card(), c, on));
        let sections = part_746_sections(&rs, &d.fired);
        match section_of(row.embargo.as_deref(), &row.footnotes) {
            // The Ukrainian regions are sub-national: a question about
            // Ukraine as a whole gets no licence; the pack must exist.
            Some("746.6") => {
                assert!(
                    rs.packs().iter().any(|p| p
                        .meta
                        .citation
                        .cfr
                        .iter()
                        .any(|x| x.contains("746.6"))),
                    "no pack cites 746.6 for {}",
                    row.name
                );
            }
            Some(sec) => {
                checked_746 += 1;
                let ok = d.license_required == Some(true)
                    && (sections.iter().any(|s| s == sec)
                        || (sec == "part 746" && !sections.is_empty()));
                if !ok {
                    problems.push(format!(
                        "{} ({c}): the chart sends it to {sec}, but the answer is {:?} from {:?}",
                        row.name, d.license_required, sections
                    ));
                }
            }
            // A destination the rule set says it does not cover (Iraq,
            // 746.3, footnote 1) answers `outside_coverage`: no contradiction.
            None if d.coverage_gap.is_some() => gaps.push(row.name.clone()),
            None => {
                if !sections.is_empty() || d.license_required != Some(false) {
                    problems.push(format!(
                        "{} ({c}): no X for AT and no part 746 pointer, but the answer is {:?} from part 746 sections {:?}",
                        row.name, d.license_required, sections
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Cuba, Iran, North Korea, Syria, Russia, Belarus.
    assert_eq!(checked_746, 6);
    assert_eq!(gaps, vec!["Iraq".to_string()], "coverage gaps");
}

#[test]
fn every_part_746_pack_has_a_chart_row_that_points_to_it() {
    let rs = RuleSet::embedded().unwrap();
    let chart = &country_chart::embedded().unwrap().chart;
    let named: Vec<&'static str> = chart
        .destinations()
        .filter_map(|(_, r)| section_of(r.embargo.as_deref(), &r.footnotes))
        .collect();
    for p in rs.packs().iter().filter(|p| p.meta.jurisdiction == "US") {
        for sec in ["746.2", "746.4", "746.6", "746.7", "746.8", "746.9"] {
            if p.meta
                .citation
                .cfr
                .iter()
                .any(|c| c.starts_with(&format!("15 CFR {sec}")))
            {
                let pointed = named.contains(&sec)
                    || (named.contains(&"part 746") && (sec == "746.2" || sec == "746.7"));
                assert!(
                    pointed,
                    "{} cites {sec}, which no chart row points to",
                    p.meta.id
                );
            }
        }
    }
}

#[test]
fn the_lookup_names_the_columns_and_the_citation() {
    let d = country_chart::embedded().unwrap();
    let l = d.lookup("3A001", Country::parse("RU").unwrap());
    assert_eq!(l.outcome, Outcome::LicenceRequired);
    assert_eq!(l.marked, vec!["NS 2".to_string()]);
    assert!(
        l.footnotes.iter().any(|f| f.starts_with("6: ")),
        "{:?}",
        l.footnotes
    );
    assert!(
        l.citation
            .contains("Supp. No. 1 (Commerce Country Chart), eCFR 2026-07-23")
    );
    assert!(l.citation.contains("ECCN 3A001"));
}
