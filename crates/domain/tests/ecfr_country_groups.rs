//! The country groups against the eCFR: on 2026-07-23, every country's
//! memberships in `data/country-groups.toml` equal Supplement No. 1 to part
//! 740 as the eCFR printed it that day (`data/ecfr/country-groups-2026-07-23.json`),
//! for every group chipexport models (A:5, A:6, D:1, D:3, D:4, D:5).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};

use chipexport_domain::{Country, CountryGroups, Date, Group};

const ECFR: &str = include_str!("../../../data/ecfr/country-groups-2026-07-23.json");

/// Names of the eCFR table that are not ISO short names or common names
/// `Country::parse` knows.
const NAMES: &[(&str, &str)] = &[
    ("China (PRC)", "CN"),
    ("Burma", "MM"),
    ("Congo (Democratic Republic of)", "CD"),
    ("South Sudan, Republic of", "SS"),
    ("Korea, North", "KP"),
    ("Korea, South", "KR"),
    ("Macau", "MO"),
];

/// Deliberate differences between the data and the eCFR on 2026-07-23:
/// (country, group, whether the data has it, why). None at present. Hong
/// Kong is not a difference: the eCFR has no Hong Kong row and its aliases
/// send Hong Kong to China's, which is what the data's `[derived.HK]` does.
const DELIBERATE: &[(&str, &str, bool, &str)] = &[];

fn country(name: &str) -> Country {
    if let Some((_, code)) = NAMES.iter().find(|(n, _)| *n == name) {
        return Country::parse(code).unwrap();
    }
    Country::parse(name).unwrap_or_else(|e| panic!("eCFR name `{name}`: {e}"))
}

fn ecfr_groups() -> BTreeMap<Group, BTreeSet<Country>> {
    let v: serde_json::Value = serde_json::from_str(ECFR).unwrap();
    assert_eq!(v["ecfrIssueDate"], "2026-07-23");
    assert_eq!(
        v["citation"],
        "15 C.F.R. Part 740, Supplement No. 1 (Country Groups)"
    );
    Group::ALL
        .into_iter()
        .map(|g| {
            let names = v["groups"][g.as_str()]
                .as_array()
                .unwrap_or_else(|| panic!("no {g} in the eCFR file"));
            let members = names.iter().map(|n| country(n.as_str().unwrap())).collect();
            (g, members)
        })
        .collect()
}

#[test]
fn every_country_has_the_ecfr_groups_on_2026_07_23() {
    let data = CountryGroups::embedded().unwrap();
    let ecfr = ecfr_groups();
    let on = Date::constant(2026, 7, 23);
    let mut wrong = Vec::new();
    for c in Country::all() {
        for g in Group::ALL {
            let ours = data.contains(g, c, on);
            // Hong Kong has no row: the eCFR's aliases send it to China's.
            let row = if c.as_str() == "HK" {
                Country::parse("CN").unwrap()
            } else {
                c
            };
            let theirs = ecfr[&g].contains(&row);
            let deliberate = DELIBERATE
                .iter()
                .any(|(k, grp, has, _)| *k == c.as_str() && *grp == g.as_str() && *has == ours);
            if ours != theirs && !deliberate {
                wrong.push(format!(
                    "{} {}: data {}, eCFR {}",
                    c.as_str(),
                    g,
                    if ours { "member" } else { "not a member" },
                    if theirs { "member" } else { "not a member" }
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "differences from the eCFR:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_settled_cases() {
    let data = CountryGroups::embedded().unwrap();
    let on = Date::constant(2026, 7, 23);
    let br = Country::parse("BR").unwrap();
    let ae = Country::parse("AE").unwrap();
    let cy = Country::parse("CY").unwrap();
    // Brazil: A:2 and A:4 in the eCFR, not A:6.
    assert!(!data.contains(Group::A6, br, on));
    assert!(!data.contains(Group::A5, br, on));
    // The UAE: A:5.
    assert!(data.contains(Group::A5, ae, on));
    assert!(!data.contains(Group::D4, ae, on));
    // Cyprus: A:6 and no D:5 now; D:5 until 89 FR 40369 (2024-05-30).
    assert!(data.contains(Group::A6, cy, on));
    assert!(!data.contains(Group::D5, cy, on));
    assert!(data.contains(Group::D5, cy, Date::constant(2023, 12, 1)));
    assert!(data.contains(Group::D5, cy, Date::constant(2024, 5, 29)));
    assert!(!data.contains(Group::D5, cy, Date::constant(2024, 5, 30)));
}
