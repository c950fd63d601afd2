//! The Commerce Country Chart (15 CFR part 738, Supplement No. 1) and the
//! Commerce Control List's reasons for control, as data.
//!
//! An item outside 3A090/4A090 needs a licence under General Prohibitions
//! 1-3 when its ECCN is controlled for a reason whose chart column has an X
//! in the destination's row (15 CFR 738.4). The chart is the eCFR's of
//! 2026-07-23 (`data/ecfr/country-chart-2026-07-23.json`, copied unchanged);
//! the reasons for control of the entries an accelerator may be classified
//! in are `data/ecfr/ccl-reasons.toml`. [`ChartData::lookup`] gives the
//! chart's answer with the columns that decide it and its citation; the
//! fact `chart_licence` (see [`crate::facts::Fact::ChartLicence`]) is its
//! yes/no, which the pack `us-2026-07-23-commerce-country-chart` reads.
//! Rows that point to part 746 (Cuba, Iran, North Korea, Syria) give no
//! yes/no: the part 746 packs decide them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chipexport_domain::Country;
use serde::{Deserialize, Serialize};

/// The chart as the eCFR printed it on 2026-07-23.
pub const CHART_JSON: &str = include_str!("../../../data/ecfr/country-chart-2026-07-23.json");
/// The reasons for control of the CCL entries the chart lookup knows.
pub const CCL_TOML: &str = include_str!("../../../data/ecfr/ccl-reasons.toml");

/// Row names of the chart that `Country::parse` does not read as they are.
const NAMES: &[(&str, &str)] = &[
    ("China", "CN"),
    ("Burma", "MM"),
    ("Korea, North", "KP"),
    ("Korea, South", "KR"),
    ("Macau", "MO"),
    ("Congo (Democratic Republic of the)", "CD"),
    ("Congo (Republic of the)", "CG"),
    ("South Sudan, Republic of", "SS"),
    ("Seycheles", "SC"),
    ("Micronesia (Federated State of)", "FM"),
    (
        "Sint Maarten (the Dutch two-fifths of the island of Saint Martin)",
        "SX",
    ),
    ("Vatican City", "VA"),
];

/// Rows of the chart that chipexport's country table has no code for, left
/// out on purpose: Kosovo has no ISO 3166-1 code (XK is user-assigned), so
/// no question can name it.
pub const ROWS_WITHOUT_A_CODE: &[&str] = &["Kosovo"];

#[derive(Deserialize)]
struct RawChart {
    citation: String,
    #[serde(rename = "ecfrIssueDate")]
    issue_date: String,
    source: RawSource,
    columns: Vec<String>,
    countries: BTreeMap<String, RawRow>,
    embargoed: BTreeMap<String, RawEmbargo>,
    footnotes: BTreeMap<String, String>,
    aliases: BTreeMap<String, String>,
    #[serde(rename = "territoryInheritance")]
    inheritance: BTreeMap<String, RawInheritance>,
}

#[derive(Deserialize)]
struct RawSource {
    url: String,
}

#[derive(Deserialize)]
struct RawRow {
    marks: Vec<String>,
    footnotes: Vec<u32>,
}

#[derive(Deserialize)]
struct RawEmbargo {
    pointer: String,
    footnotes: Vec<u32>,
}

#[derive(Deserialize)]
struct RawInheritance {
    row: String,
    basis: String,
}

/// One destination's row of the chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The row's name in the chart.
    pub name: String,
    /// The columns with an X.
    pub marks: BTreeSet<String>,
    /// The row's footnote numbers.
    pub footnotes: Vec<u32>,
    /// For an embargoed row: its pointer to part 746 (no X marks).
    pub embargo: Option<String>,
    /// When the destination takes another row (Hong Kong takes China's):
    /// why.
    pub via: Option<String>,
}

/// The Commerce Country Chart on one eCFR date.
#[derive(Debug, Clone)]
pub struct CountryChart {
    /// The chart's citation.
    pub citation: String,
    /// The eCFR issue date of the snapshot.
    pub issue_date: String,
    /// Where the snapshot was taken from.
    pub url: String,
    /// The chart's columns.
    pub columns: Vec<String>,
    rows: BTreeMap<Country, Row>,
    footnotes: BTreeMap<u32, String>,
}

/// One row of an entry's licence-requirements table.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    /// The chart column (`NS 1`, `AT 1`, ...).
    pub column: String,
    /// The paragraphs the row is limited to (empty: the entire entry).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paragraphs: Vec<String>,
}

/// One CCL entry's reasons for control.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CclEntry {
    /// The ECCN (five characters, e.g. `5A992`).
    pub id: String,
    /// What the entry controls.
    pub title: String,
    /// Whether the entry's licence requirements are read from the chart.
    pub chart: bool,
    /// How surely the rows are encoded.
    pub confidence: String,
    /// Where the rows come from.
    pub source: String,
    /// Rows not encoded, and why.
    #[serde(default)]
    pub note: Option<String>,
    /// The rows that point to chart columns.
    #[serde(default)]
    pub control: Vec<Control>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCcl {
    meta: CclMeta,
    eccn: Vec<CclEntry>,
}

/// The CCL data's own citation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CclMeta {
    /// The CCL's citation.
    pub citation: String,
    /// What the data does not cover.
    pub note: String,
}

/// What the chart gives for an ECCN and a destination.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Outcome {
    /// A column of the ECCN has an X in the destination's row.
    LicenceRequired,
    /// No column of the ECCN has an X in the destination's row.
    NoLicenceRequired,
    /// The destination's row points to part 746 instead of marking columns.
    SeePart746 {
        /// The row's pointer, in the chart's words.
        pointer: String,
    },
    /// The entry's licence requirements are not read from the chart.
    NotAChartEntry,
    /// The ECCN is not in the CCL data, or is not an ECCN.
    UnknownEccn,
    /// The chart has no row for the destination.
    NoRow,
}

/// The chart's answer for one ECCN and destination, with what decides it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lookup {
    /// The ECCN as given.
    pub eccn: String,
    /// The destination.
    pub destination: Country,
    /// The chart row read (its name), if any.
    pub row: Option<String>,
    /// When the destination takes another row: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// The answer.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The columns the ECCN's reasons for control point to.
    pub columns: Vec<String>,
    /// Those of them with an X in the row.
    pub marked: Vec<String>,
    /// The row's footnotes, in the chart's words.
    pub footnotes: Vec<String>,
    /// How surely the entry's reasons for control are encoded.
    pub confidence: Option<String>,
    /// The citation: the chart, its eCFR date and the CCL entry.
    pub citation: String,
}

impl Outcome {
    /// The licence requirement, when the chart decides one.
    pub fn licence(&self) -> Option<bool> {
        match self {
            Outcome::LicenceRequired => Some(true),
            Outcome::NoLicenceRequired => Some(false),
            _ => None,
        }
    }
}

/// The chart and the CCL data, loaded together.
#[derive(Debug, Clone)]
pub struct ChartData {
    /// The Commerce Country Chart.
    pub chart: CountryChart,
    /// The CCL's citation and scope.
    pub ccl_meta: CclMeta,
    /// The CCL entries known.
    pub ccl: Vec<CclEntry>,
}

/// The base ECCN (`5A992`) and the paragraph (`c.1`) of a claimed ECCN
/// (`5A992.c.1`), if it has the shape of one.
pub fn split_eccn(eccn: &str) -> Option<(String, String)> {
    let t = eccn.trim();
    let base: String = t.chars().take(5).collect::<String>().to_ascii_uppercase();
    let b = base.as_bytes();
    let shape = b.len() == 5
        && b.first().is_some_and(u8::is_ascii_digit)
        && b.get(1).is_some_and(|c| (b'A'..=b'E').contains(c))
        && b.get(2..5)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if !shape {
        return None;
    }
    let rest = t.get(5..).unwrap_or("");
    let para = rest.strip_prefix('.').unwrap_or(rest).to_ascii_lowercase();
    if !rest.is_empty() && !rest.starts_with('.') {
        return None;
    }
    Some((base, para))
}

fn country_of(name: &str, aliases: &BTreeMap<String, String>) -> Option<Country> {
    if let Some((_, code)) = NAMES.iter().find(|(n, _)| *n == name) {
        return Country::parse(code).ok();
    }
    if let Ok(c) = Country::parse(name) {
        return Some(c);
    }
    aliases
        .iter()
        .filter(|(_, table)| table.as_str() == name)
        .find_map(|(alias, _)| Country::parse(alias).ok())
}

impl CountryChart {
    /// Parses the eCFR chart JSON; every row must name a country.
    pub fn parse(json: &str) -> Result<CountryChart, String> {
        let raw: RawChart =
            serde_json::from_str(json).map_err(|e| format!("country chart JSON: {e}"))?;
        let mut rows = BTreeMap::new();
        let mut unknown = Vec::new();
        for (name, r) in &raw.countries {
            if ROWS_WITHOUT_A_CODE.contains(&name.as_str()) {
                continue;
            }
            match country_of(name, &raw.aliases) {
                Some(c) => {
                    rows.insert(
                        c,
                        Row {
                            name: name.clone(),
                            marks: r.marks.iter().cloned().collect(),
                            footnotes: r.footnotes.clone(),
                            embargo: None,
                            via: None,
                        },
                    );
                }
                None => unknown.push(name.clone()),
            }
        }
        for (name, e) in &raw.embargoed {
            match country_of(name, &raw.aliases) {
                Some(c) => {
                    rows.insert(
                        c,
                        Row {
                            name: name.clone(),
                            marks: BTreeSet::new(),
                            footnotes: e.footnotes.clone(),
                            embargo: Some(e.pointer.clone()),
                            via: None,
                        },
                    );
                }
                None => unknown.push(name.clone()),
            }
        }
        for (name, inh) in &raw.inheritance {
            let (Some(c), Some(from)) = (
                country_of(name, &raw.aliases),
                country_of(&inh.row, &raw.aliases),
            ) else {
                unknown.push(name.clone());
                continue;
            };
            if let Some(row) = rows.get(&from).cloned() {
                rows.insert(
                    c,
                    Row {
                        via: Some(inh.basis.clone()),
                        ..row
                    },
                );
            }
        }
        if !unknown.is_empty() {
            return Err(format!(
                "country chart rows that name no country: {}",
                unknown.join(", ")
            ));
        }
        let footnotes = raw
            .footnotes
            .iter()
            .filter_map(|(k, v)| k.parse::<u32>().ok().map(|n| (n, v.clone())))
            .collect();
        Ok(CountryChart {
            citation: raw.citation,
            issue_date: raw.issue_date,
            url: raw.source.url,
            columns: raw.columns,
            rows,
            footnotes,
        })
    }

    /// The row a destination is read from.
    pub fn row(&self, c: Country) -> Option<&Row> {
        self.rows.get(&c)
    }

    /// Every destination with a row (or a row it takes).
    pub fn destinations(&self) -> impl Iterator<Item = (Country, &Row)> {
        self.rows.iter().map(|(c, r)| (*c, r))
    }

    /// A footnote's text.
    pub fn footnote(&self, n: u32) -> Option<&str> {
        self.footnotes.get(&n).map(String::as_str)
    }
}

impl ChartData {
    /// Parses the chart and the CCL data; every CCL column must be a chart
    /// column.
    pub fn parse(chart_json: &str, ccl_toml: &str) -> Result<ChartData, String> {
        let chart = CountryChart::parse(chart_json)?;
        let raw: RawCcl =
            toml::from_str(ccl_toml).map_err(|e| format!("data/ecfr/ccl-reasons.toml: {e}"))?;
        for e in &raw.eccn {
            if split_eccn(&e.id).is_none_or(|(_, p)| !p.is_empty()) {
                return Err(format!(
                    "data/ecfr/ccl-reasons.toml: `{}` is not an ECCN",
                    e.id
                ));
            }
            if let Some(c) = e
                .control
                .iter()
                .find(|c| !chart.columns.contains(&c.column))
            {
                return Err(format!(
                    "data/ecfr/ccl-reasons.toml: {} names column `{}`, not a chart column ({})",
                    e.id,
                    c.column,
                    chart.columns.join(", ")
                ));
            }
        }
        Ok(ChartData {
            chart,
            ccl_meta: raw.meta,
            ccl: raw.eccn,
        })
    }

    /// The CCL entry of a base ECCN.
    pub fn entry(&self, base: &str) -> Option<&CclEntry> {
        self.ccl.iter().find(|e| e.id == base)
    }

    /// The chart's answer for a (claimed) ECCN and a destination.
    pub fn lookup(&self, eccn: &str, destination: Country) -> Lookup {
        let mut out = Lookup {
            eccn: eccn.trim().to_string(),
            destination,
            row: None,
            via: None,
            outcome: Outcome::UnknownEccn,
            columns: Vec::new(),
            marked: Vec::new(),
            footnotes: Vec::new(),
            confidence: None,
            citation: format!(
                "15 CFR part 738, Supp. No. 1 (Commerce Country Chart), eCFR {}",
                self.chart.issue_date
            ),
        };
        let Some((base, para)) = split_eccn(eccn) else {
            return out;
        };
        let Some(entry) = self.entry(&base) else {
            return out;
        };
        out.confidence = Some(entry.confidence.clone());
        out.citation = format!(
            "{}; 15 CFR part 774, Supp. No. 1, ECCN {base} (License Requirements)",
            out.citation
        );
        if !entry.chart {
            out.outcome = Outcome::NotAChartEntry;
            return out;
        }
        out.columns = entry
            .control
            .iter()
            .filter(|c| {
                c.paragraphs.is_empty()
                    || c.paragraphs.iter().any(|p| {
                        para == *p
                            || para
                                .strip_prefix(p.as_str())
                                .is_some_and(|r| r.starts_with('.'))
                    })
            })
            .map(|c| c.column.clone())
            .collect();
        let Some(row) = self.chart.row(destination) else {
            out.outcome = Outcome::NoRow;
            return out;
        };
        out.row = Some(row.name.clone());
        out.via = row.via.clone();
        out.footnotes = row
            .footnotes
            .iter()
            .filter_map(|n| self.chart.footnote(*n).map(|t| format!("{n}: {t}")))
            .collect();
        if let Some(p) = &row.embargo {
            out.outcome = Outcome::SeePart746 { pointer: p.clone() };
            return out;
        }
        out.marked = out
            .columns
            .iter()
            .filter(|c| row.marks.contains(*c))
            .cloned()
            .collect();
        out.outcome = if out.marked.is_empty() {
            Outcome::NoLicenceRequired
        } else {
            Outcome::LicenceRequired
        };
        out
    }

    /// The chart's yes/no for a (claimed) ECCN and a destination (`None`
    /// when the chart does not decide it).
    pub fn licence(&self, eccn: &str, destination: Country) -> Option<bool> {
        self.lookup(eccn, destination).outcome.licence()
    }
}

/// The chart and CCL data shipped with chipexport, parsed once.
pub fn embedded() -> Result<&'static ChartData, &'static str> {
    static DATA: OnceLock<Result<ChartData, String>> = OnceLock::new();
    DATA.get_or_init(|| ChartData::parse(CHART_JSON, CCL_TOML))
        .as_ref()
        .map_err(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Country {
        Country::parse(s).unwrap()
    }

    #[test]
    fn the_shipped_data_parses_and_every_row_names_a_country() {
        let d = embedded().expect("chart and CCL data");
        assert_eq!(d.chart.issue_date, "2026-07-23");
        assert!(d.chart.destinations().count() >= 196 - ROWS_WITHOUT_A_CODE.len());
    }

    #[test]
    fn eccns_are_split_into_base_and_paragraph() {
        assert_eq!(split_eccn("5a992.c"), Some(("5A992".into(), "c".into())));
        assert_eq!(split_eccn("3A001"), Some(("3A001".into(), String::new())));
        assert_eq!(split_eccn("EAR99"), None);
        assert_eq!(split_eccn("3A0011"), None);
    }

    #[test]
    fn a_5a992_item_needs_no_chart_licence_outside_the_embargoed_rows() {
        let d = embedded().unwrap();
        let l = d.lookup("5A992.c", c("CN"));
        assert_eq!(l.outcome, Outcome::NoLicenceRequired);
        assert_eq!(l.columns, vec!["AT 1".to_string()]);
        assert!(l.citation.contains("eCFR 2026-07-23"));
        assert!(matches!(
            d.lookup("5A992.c", c("IR")).outcome,
            Outcome::SeePart746 { .. }
        ));
    }

    #[test]
    fn a_3a001_item_needs_a_licence_where_ns2_is_marked() {
        let d = embedded().unwrap();
        let cn = d.lookup("3A001.a.2", c("CN"));
        assert_eq!(cn.outcome, Outcome::LicenceRequired);
        assert_eq!(cn.marked, vec!["NS 2".to_string()]);
        // Hong Kong takes China's row.
        let hk = d.lookup("3A001", c("HK"));
        assert_eq!(hk.outcome, Outcome::LicenceRequired);
        assert!(hk.via.is_some());
        assert_eq!(d.licence("3A001", c("JP")), Some(false));
        // The NS 1 row is limited to 3A001.b.2 and .b.3.
        assert!(
            !d.lookup("3A001.a", c("JP"))
                .columns
                .contains(&"NS 1".to_string())
        );
        assert!(
            d.lookup("3A001.b.2.a", c("JP"))
                .columns
                .contains(&"NS 1".to_string())
        );
    }

    #[test]
    fn entries_outside_the_chart_and_unknown_eccns_give_no_answer() {
        let d = embedded().unwrap();
        assert_eq!(
            d.lookup("3A090.a", c("CN")).outcome,
            Outcome::NotAChartEntry
        );
        assert_eq!(d.lookup("9A610", c("CN")).outcome, Outcome::UnknownEccn);
        assert_eq!(d.licence("EAR99", c("CN")), None);
    }

    #[test]
    fn a_ccl_column_that_is_not_in_the_chart_is_refused() {
        let bad = "[meta]\ncitation = \"c\"\nnote = \"n\"\n[[eccn]]\nid = \"5A992\"\ntitle = \"t\"\nchart = true\nconfidence = \"secondary\"\nsource = \"s\"\n[[eccn.control]]\ncolumn = \"XX 9\"\n";
        let e = ChartData::parse(CHART_JSON, bad).unwrap_err();
        assert!(e.contains("`XX 9`"), "{e}");
    }
}
