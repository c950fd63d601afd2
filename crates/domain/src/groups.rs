//! EAR Country Groups (15 CFR Part 740, Supp. No. 1) as dated data.
//!
//! The data file lists each group's members on a baseline date and the dated
//! changes since; membership on any date is the baseline with every change
//! effective on or before that date applied in order. Hong Kong is derived
//! from China, as the EAR treats it since 2020-12-23.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::confidence::Confidence;
use crate::country::Country;
use crate::diag::{DataError, SourceFile};
use crate::spec::toml_error;

/// The embedded country-group data.
pub const EMBEDDED: &str = include_str!("../../../data/country-groups.toml");
/// The name the embedded data is reported under.
pub const EMBEDDED_NAME: &str = "data/country-groups.toml";

/// A country group the rules refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Group {
    #[serde(rename = "A:5")]
    /// Country Group A:5.
    A5,
    #[serde(rename = "A:6")]
    /// Country Group A:6.
    A6,
    #[serde(rename = "D:1")]
    /// Country Group D:1 (national security concerns).
    D1,
    #[serde(rename = "D:3")]
    /// Country Group D:3 (biological and chemical weapons concerns).
    D3,
    #[serde(rename = "D:4")]
    /// Country Group D:4 (missile technology concerns).
    D4,
    #[serde(rename = "D:5")]
    /// Country Group D:5 (U.S. arms embargoed countries).
    D5,
}

impl Group {
    /// Every group, in this order.
    pub const ALL: [Group; 6] = [
        Group::A5,
        Group::A6,
        Group::D1,
        Group::D3,
        Group::D4,
        Group::D5,
    ];

    /// The group's name as 15 CFR Part 740 writes it, such as `D:5`.
    pub fn as_str(self) -> &'static str {
        match self {
            Group::A5 => "A:5",
            Group::A6 => "A:6",
            Group::D1 => "D:1",
            Group::D3 => "D:3",
            Group::D4 => "D:4",
            Group::D5 => "D:5",
        }
    }

    /// The group named by `s` (`D:5`, `d5`, `D 5`); `None` for any other.
    pub fn parse(s: &str) -> Option<Group> {
        let norm = s.trim().to_ascii_uppercase().replace(' ', "");
        let norm = if norm.contains(':') {
            norm
        } else {
            format!("{}:{}", norm.get(..1)?, norm.get(1..)?)
        };
        Group::ALL.into_iter().find(|g| g.as_str() == norm)
    }
}

impl std::fmt::Display for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    meta: Meta,
    #[serde(default)]
    sources: Vec<SourceRef>,
    groups: BTreeMap<Group, RawGroup>,
    #[serde(default)]
    changes: Vec<Change>,
    #[serde(default)]
    doubts: Vec<Doubt>,
    #[serde(default)]
    derived: BTreeMap<Country, Derived>,
}

/// Metadata of the group data.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// What the data is.
    pub title: String,
    #[serde(deserialize_with = "crate::serde_date::date")]
    /// The date the baseline lists hold on.
    pub baseline: Date,
    #[serde(default)]
    /// What the data was checked against, in words; `None` when not said.
    pub checked_against: Option<String>,
    #[serde(default)]
    /// Remarks on the data, in words.
    pub notes: Option<String>,
}

/// A source the membership data relies on.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    /// The id groups and changes cite it by.
    pub id: String,
    /// What the source is, in words.
    pub description: String,
    #[serde(default)]
    /// Where to read it; `None` when no address is known.
    pub url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    title: String,
    members: Vec<Country>,
    #[serde(default)]
    sources: Vec<String>,
}

impl RawGroup {
    fn sources(&self) -> Vec<String> {
        self.sources.clone()
    }
}

/// A dated change of membership.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    #[serde(deserialize_with = "crate::serde_date::date")]
    /// When the change takes effect.
    pub effective: Date,
    /// The group that changes.
    pub group: Group,
    #[serde(default)]
    /// Countries added on that date.
    pub add: Vec<Country>,
    #[serde(default)]
    /// Countries removed on that date.
    pub remove: Vec<Country>,
    /// The legal citation, such as a Federal Register page.
    pub citation: String,
    /// How sure the data is of the change.
    pub confidence: Confidence,
    #[serde(default)]
    /// Remarks, in words.
    pub note: Option<String>,
}

/// A membership kept in the data but not firmly sourced.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Doubt {
    /// The group.
    pub group: Group,
    /// The country.
    pub country: Country,
    /// How sure the data is of the membership.
    pub confidence: Confidence,
    /// What is in doubt, in words.
    pub note: String,
}

/// A destination that takes another's groups (Hong Kong takes China's).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Derived {
    /// The country whose groups it takes.
    pub same_as: Country,
    #[serde(deserialize_with = "crate::serde_date::date")]
    /// The date from which it takes them.
    pub since: Date,
    /// The legal basis.
    pub citation: String,
    #[serde(default)]
    /// Remarks, in words.
    pub note: Option<String>,
}

/// A membership interval `[from, until)`; `None` is open.
pub type Span = (Option<Date>, Option<Date>);

/// The country groups, queryable on any date.
#[derive(Debug, Clone)]
pub struct CountryGroups {
    /// What the data is and when its baseline holds.
    pub meta: Meta,
    /// The sources the data cites.
    pub sources: Vec<SourceRef>,
    titles: BTreeMap<Group, String>,
    /// The evidence ids each group's membership rests on.
    pub group_sources: BTreeMap<Group, Vec<String>>,
    baseline: BTreeMap<Group, BTreeSet<Country>>,
    /// Sorted by effective date.
    pub changes: Vec<Change>,
    /// Doubtful memberships, kept and flagged.
    pub doubts: Vec<Doubt>,
    /// Destinations that take another country's groups, by destination.
    pub derived: BTreeMap<Country, Derived>,
    /// Membership intervals per group and country, `[from, until)`, for
    /// constant-time questions.
    index: BTreeMap<(Group, Country), Vec<Span>>,
    /// By [`Country::index`]: the country's group bitmask (see
    /// [`CountryGroups::mask`]) from each date on which it changes, sorted
    /// by date; the first entry is from [`Date::MIN`].
    masks: Vec<Vec<(Date, u8)>>,
}

impl CountryGroups {
    /// The data shipped with chipexport.
    pub fn embedded() -> Result<CountryGroups, Box<DataError>> {
        CountryGroups::parse(&SourceFile::new(EMBEDDED_NAME, EMBEDDED))
    }

    /// Parses and checks country-group data; an error is the data's
    /// ([`crate::Fault::Rules`]).
    pub fn parse(file: &SourceFile) -> Result<CountryGroups, Box<DataError>> {
        let raw: RawFile =
            toml::from_str(&file.text).map_err(|e| Box::new(toml_error(file, &e).in_rules()))?;
        for g in Group::ALL {
            if !raw.groups.contains_key(&g) {
                return Err(Box::new(
                    file.error_at(
                        &["groups"],
                        format!("group `{g}` is missing"),
                        Some(format!("add a `[groups.\"{g}\"]` table")),
                    )
                    .in_rules(),
                ));
            }
        }
        let mut changes = raw.changes;
        changes.sort_by_key(|c| c.effective);
        let mut groups = CountryGroups {
            meta: raw.meta,
            sources: raw.sources,
            titles: raw
                .groups
                .iter()
                .map(|(g, r)| (*g, r.title.clone()))
                .collect(),
            group_sources: raw.groups.iter().map(|(g, r)| (*g, r.sources())).collect(),
            baseline: raw
                .groups
                .into_iter()
                .map(|(g, r)| (g, r.members.into_iter().collect()))
                .collect(),
            changes,
            doubts: raw.doubts,
            derived: raw.derived,
            index: BTreeMap::new(),
            masks: Vec::new(),
        };
        for g in Group::ALL {
            for (c, from, until) in groups.intervals(g) {
                groups.index.entry((g, c)).or_default().push((from, until));
            }
        }
        // Memberships change only on the change dates.
        let dates: Vec<Date> = std::iter::once(Date::MIN)
            .chain(groups.change_dates())
            .collect();
        let mut masks = vec![Vec::new(); Country::INDEXES];
        for c in Country::all() {
            let mut timeline: Vec<(Date, u8)> = Vec::new();
            for &d in &dates {
                let m = groups.slow_mask(c, d);
                if timeline.last().is_none_or(|(_, last)| *last != m) {
                    timeline.push((d, m));
                }
            }
            if let Some(slot) = masks.get_mut(c.index()) {
                *slot = timeline;
            }
        }
        groups.masks = masks;
        Ok(groups)
    }

    /// The group's title in the data; empty for a group without one.
    pub fn title(&self, g: Group) -> &str {
        self.titles.get(&g).map_or("", String::as_str)
    }

    /// The members of a group on a date (derived destinations excluded).
    pub fn members_on(&self, group: Group, date: Date) -> BTreeSet<Country> {
        let mut set = self.baseline.get(&group).cloned().unwrap_or_default();
        for c in self
            .changes
            .iter()
            .filter(|c| c.group == group && c.effective <= date)
        {
            for a in &c.add {
                set.insert(*a);
            }
            for r in &c.remove {
                set.remove(r);
            }
        }
        set
    }

    /// The membership spans `[from, until)` of a country (not derived) in a
    /// group; empty when it is never a member.
    pub fn spans(&self, group: Group, country: Country) -> &[Span] {
        self.index.get(&(group, country)).map_or(&[], Vec::as_slice)
    }

    /// The country whose groups a destination takes on a date (Hong Kong
    /// takes China's), or the country itself.
    pub fn resolve(&self, country: Country, date: Date) -> Country {
        match self.derived.get(&country) {
            Some(d) if d.since <= date => d.same_as,
            _ => country,
        }
    }

    /// Whether `country` is in `group` on `date` (after taking another's
    /// groups, as Hong Kong takes China's).
    pub fn contains(&self, group: Group, country: Country, date: Date) -> bool {
        let c = self.resolve(country, date);
        self.index.get(&(group, c)).is_some_and(|iv| {
            iv.iter()
                .any(|(f, u)| f.is_none_or(|f| f <= date) && u.is_none_or(|u| date < u))
        })
    }

    /// The groups a country is in on a date, as a bitmask: bit i is
    /// [`Group::ALL`]`[i]`. A binary search in a table made when the data
    /// loads.
    pub fn mask(&self, country: Country, date: Date) -> u8 {
        match self.masks.get(country.index()) {
            Some(t) if !t.is_empty() => {
                let i = t.partition_point(|(d, _)| *d <= date);
                t.get(i.saturating_sub(1)).map_or(0, |(_, m)| *m)
            }
            _ => self.slow_mask(country, date),
        }
    }

    fn slow_mask(&self, country: Country, date: Date) -> u8 {
        let mut m = 0u8;
        for (i, g) in Group::ALL.into_iter().enumerate() {
            if self.contains(g, country, date) {
                m |= 1 << i;
            }
        }
        m
    }

    /// The groups a country is in on a date.
    pub fn groups_of(&self, country: Country, date: Date) -> Vec<Group> {
        Group::ALL
            .into_iter()
            .filter(|g| self.contains(*g, country, date))
            .collect()
    }

    /// The change that last set a country's membership of a group on or
    /// before a date, for citations.
    pub fn last_change(&self, group: Group, country: Country, date: Date) -> Option<&Change> {
        let c = self.resolve(country, date);
        self.changes.iter().rfind(|ch| {
            ch.group == group
                && ch.effective <= date
                && (ch.add.contains(&c) || ch.remove.contains(&c))
        })
    }

    /// A doubt recorded about a membership, if any.
    pub fn doubt(&self, group: Group, country: Country, date: Date) -> Option<&Doubt> {
        let c = self.resolve(country, date);
        self.doubts
            .iter()
            .find(|d| d.group == group && d.country == c)
    }

    /// Every date on which some membership changes: timeline breakpoints.
    pub fn change_dates(&self) -> Vec<Date> {
        let mut v: Vec<Date> = self
            .changes
            .iter()
            .map(|c| c.effective)
            .chain(self.derived.values().map(|d| d.since))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// The dated membership of one group as intervals per country, for
    /// lowering to SQL: `(country, from, until)` with `None` meaning open.
    pub fn intervals(&self, group: Group) -> Vec<(Country, Option<Date>, Option<Date>)> {
        let mut dates = vec![None];
        dates.extend(
            self.changes
                .iter()
                .filter(|c| c.group == group)
                .map(|c| Some(c.effective)),
        );
        dates.dedup();
        let mut out: Vec<(Country, Option<Date>, Option<Date>)> = Vec::new();
        let mut open: BTreeMap<Country, Option<Date>> = BTreeMap::new();
        for d in &dates {
            let on = d.unwrap_or(self.meta.baseline);
            let members = self.members_on(group, on);
            for c in &members {
                open.entry(*c).or_insert(*d);
            }
            let closed: Vec<Country> = open
                .keys()
                .filter(|c| !members.contains(c))
                .copied()
                .collect();
            for c in closed {
                if let Some(from) = open.remove(&c) {
                    out.push((c, from, *d));
                }
            }
        }
        out.extend(open.into_iter().map(|(c, from)| (c, from, None)));
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        s.parse().unwrap_or_else(|e| unreachable!("{e}"))
    }
    fn c(s: &str) -> Country {
        Country::parse(s).unwrap_or_else(|e| unreachable!("{e}"))
    }

    /// The table of masks answers as the membership intervals do: every
    /// country, on every change date, the day before, and dates between.
    #[test]
    fn the_mask_table_agrees_with_the_intervals() {
        let g = CountryGroups::embedded().unwrap_or_else(|e| unreachable!("{e}"));
        let mut dates = vec![Date::MIN, date("1990-01-01"), date("2026-11-30")];
        for d in g.change_dates() {
            dates.push(d);
            dates.extend(d.yesterday().ok());
            dates.extend(d.tomorrow().ok());
        }
        let mut members = 0;
        for country in Country::all() {
            for &d in &dates {
                let m = g.mask(country, d);
                assert_eq!(m, g.slow_mask(country, d), "{country} on {d}");
                members += m.count_ones();
            }
        }
        assert!(members > 1000, "{members}");
    }

    #[test]
    fn dated_membership_follows_the_changes() {
        let g = CountryGroups::embedded().unwrap_or_else(|e| unreachable!("{e:?}"));
        assert!(!g.contains(Group::D5, c("NI"), date("2024-03-14")));
        assert!(g.contains(Group::D5, c("NI"), date("2024-03-15")));
        assert!(g.contains(Group::D5, c("KH"), date("2026-02-02")));
        assert!(!g.contains(Group::D5, c("KH"), date("2026-02-03")));
        assert!(g.contains(Group::D1, c("KH"), date("2026-02-03")));
        assert!(
            g.contains(Group::D5, c("HK"), date("2024-01-01")),
            "Hong Kong takes China's groups"
        );
        assert!(
            !g.contains(Group::D5, c("MO"), date("2024-01-01")),
            "Macau is not in D:5"
        );
        assert!(g.contains(Group::D1, c("MO"), date("2024-01-01")));
    }

    #[test]
    fn intervals_agree_with_point_queries() {
        let g = CountryGroups::embedded().unwrap_or_else(|e| unreachable!("{e:?}"));
        for group in Group::ALL {
            let iv = g.intervals(group);
            for d in ["2022-10-07", "2024-03-15", "2026-02-03", "2026-11-29"].map(date) {
                let from_iv: BTreeSet<Country> = iv
                    .iter()
                    .filter(|(_, f, u)| f.is_none_or(|f| f <= d) && u.is_none_or(|u| d < u))
                    .map(|(c, _, _)| *c)
                    .collect();
                assert_eq!(from_iv, g.members_on(group, d), "{group} on {d}");
            }
        }
    }
}
