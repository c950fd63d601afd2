//! Loaders: the shipped compacted snapshot, the Consolidated Screening
//! List as published (its 29-column CSV, or its JSON), and OpenSanctions
//! FollowTheMoney JSON lines. A loader reads the whole file into a new
//! list or fails with the file, the line and the field: nothing is ever
//! half-imported.

use std::collections::HashMap;

use jiff::civil::Date;
use serde::Deserialize;

use crate::model::{Entry, ListCode, ScreeningList};

/// A list file that cannot be read, located.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
pub struct LoadError {
    /// The file as given.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// The field (column name or JSON path), when known.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl LoadError {
    fn new(
        file: &str,
        line: Option<usize>,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        LoadError {
            file: file.to_string(),
            line,
            field: field.map(str::to_string),
            message: message.into(),
        }
    }

    fn render(&self) -> String {
        let mut s = self.file.clone();
        if let Some(l) = self.line {
            s.push_str(&format!(", line {l}"));
        }
        if let Some(f) = &self.field {
            s.push_str(&format!(", field `{f}`"));
        }
        format!("{s}: {}", self.message)
    }
}

/// The formats a list file can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The compacted snapshot chipexport ships (`fieldKey`, `tables`,
    /// `entries`).
    Compact,
    /// The CSL's 29-column CSV.
    CslCsv,
    /// The CSL's JSON (`{"results": [...]}` or an array of results).
    CslJson,
    /// OpenSanctions FollowTheMoney entities, one JSON object a line.
    FtmJsonl,
}

impl Format {
    /// The format of a file, from its name and first bytes.
    pub fn detect(name: &str, bytes: &[u8]) -> Format {
        let lower = name.to_ascii_lowercase();
        let head = String::from_utf8_lossy(bytes.get(..bytes.len().min(4096)).unwrap_or(bytes));
        if lower.ends_with(".csv") {
            Format::CslCsv
        } else if lower.ends_with(".jsonl")
            || lower.ends_with(".ndjson")
            || head.contains("\"schema\"") && head.contains("\"properties\"")
        {
            Format::FtmJsonl
        } else if head.contains("\"fieldKey\"") || head.contains("\"entryCount\"") {
            Format::Compact
        } else {
            Format::CslJson
        }
    }
}

/// Loads a list file of any supported format. `date` is the list's date
/// when the file does not carry one (CSV and FtM files do not): a date in
/// the file name (`…2026-07-31…`) is used otherwise.
pub fn load(name: &str, bytes: &[u8], date: Option<Date>) -> Result<ScreeningList, LoadError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes
            .get(..e.valid_up_to())
            .map_or(0, |b| b.iter().filter(|c| **c == b'\n').count())
            + 1;
        LoadError::new(name, Some(line), None, "the file is not UTF-8 text")
    })?;
    let date = date.or_else(|| date_in_name(name));
    let mut list = match Format::detect(name, bytes) {
        Format::Compact => compact(name, text)?,
        Format::CslCsv => csl_csv(name, text, need_date(name, date)?)?,
        Format::CslJson => csl_json(name, text, date)?,
        Format::FtmJsonl => ftm_jsonl(name, text, need_date(name, date)?)?,
    };
    if list.entries.is_empty() {
        return Err(LoadError::new(name, None, None, "the file has no entries"));
    }
    list.assign_ids();
    Ok(list)
}

fn need_date(name: &str, date: Option<Date>) -> Result<Date, LoadError> {
    date.ok_or_else(|| {
        LoadError::new(
            name,
            None,
            None,
            "the list's date is unknown: give it (--list-date YYYY-MM-DD) or put it in the file name",
        )
    })
}

/// The first `YYYY-MM-DD` in a file name.
pub fn date_in_name(name: &str) -> Option<Date> {
    let b = name.as_bytes();
    (0..b.len().saturating_sub(9)).find_map(|i| {
        let s = name.get(i..i + 10)?;
        let ok = s.bytes().enumerate().all(|(j, c)| {
            if j == 4 || j == 7 {
                c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
        if ok { s.parse().ok() } else { None }
    })
}

fn json_error(name: &str, e: &serde_json::Error, field: Option<&str>) -> LoadError {
    LoadError::new(name, Some(e.line()), field, format!("{e}"))
}

fn datetime_date(name: &str, field: &str, s: &str) -> Result<Date, LoadError> {
    s.get(..10).and_then(|d| d.parse().ok()).ok_or_else(|| {
        LoadError::new(
            name,
            None,
            Some(field),
            format!("`{s}` does not start with a date YYYY-MM-DD"),
        )
    })
}

// --- The compacted snapshot ------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CompactFile {
    citation: String,
    source_generated_at: String,
    entry_count: usize,
    tables: Tables,
    entries: Vec<CompactEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Tables {
    sources: Vec<String>,
    licence_requirements: Vec<String>,
    licence_policies: Vec<String>,
    programmes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CompactEntry {
    n: String,
    #[serde(default)]
    a: Vec<String>,
    s: usize,
    #[serde(default)]
    t: Option<String>,
    #[serde(default)]
    c: Vec<String>,
    #[serde(default)]
    e: Option<String>,
    #[serde(default)]
    lr: Option<usize>,
    #[serde(default)]
    lp: Option<usize>,
    #[serde(default)]
    pg: Option<usize>,
    #[serde(default)]
    fr: Option<String>,
    #[serde(default)]
    #[expect(dead_code, reason = "the list URL is implied by the list")]
    u: Option<usize>,
}

fn table<'a>(
    name: &str,
    i: usize,
    field: &str,
    t: &'a [String],
    at: Option<usize>,
) -> Result<Option<&'a String>, LoadError> {
    match at {
        None => Ok(None),
        Some(k) => t.get(k).map(Some).ok_or_else(|| {
            LoadError::new(
                name,
                None,
                Some(&format!("entries[{i}].{field}")),
                format!("index {k} is outside its table ({} rows)", t.len()),
            )
        }),
    }
}

/// The compacted snapshot (see `data/screening/README.md`).
pub fn compact(name: &str, text: &str) -> Result<ScreeningList, LoadError> {
    let f: CompactFile = serde_json::from_str(text).map_err(|e| json_error(name, &e, None))?;
    let date = datetime_date(name, "sourceGeneratedAt", &f.source_generated_at)?;
    if f.entries.len() != f.entry_count {
        return Err(LoadError::new(
            name,
            None,
            Some("entryCount"),
            format!(
                "says {} entries, the file has {}",
                f.entry_count,
                f.entries.len()
            ),
        ));
    }
    // Each list's code, read once from its name.
    let lists: Vec<ListCode> = f
        .tables
        .sources
        .iter()
        .map(|s| ListCode::from_source(s))
        .collect();
    let mut entries = Vec::with_capacity(f.entries.len());
    for (i, e) in f.entries.into_iter().enumerate() {
        let source = table(name, i, "s", &f.tables.sources, Some(e.s))?
            .cloned()
            .unwrap_or_default();
        let list = lists
            .get(e.s)
            .cloned()
            .unwrap_or_else(|| ListCode::from_source(&source));
        if e.n.trim().is_empty() {
            return Err(LoadError::new(
                name,
                None,
                Some(&format!("entries[{i}].n")),
                "the name is empty",
            ));
        }
        entries.push(Entry {
            id: String::new(),
            list,
            source,
            name: e.n,
            alt_names: e.a,
            kind: e.t,
            countries: e.c,
            entity_number: e.e,
            license_requirement: table(name, i, "lr", &f.tables.licence_requirements, e.lr)?
                .cloned(),
            license_policy: table(name, i, "lp", &f.tables.licence_policies, e.lp)?.cloned(),
            programs: table(name, i, "pg", &f.tables.programmes, e.pg)?
                .into_iter()
                .cloned()
                .collect(),
            federal_register: e.fr,
            start_date: None,
        });
    }
    Ok(ScreeningList {
        date,
        source: f.citation,
        entries,
    })
}

// --- The CSL as published ---------------------------------------------------

/// The CSL's columns chipexport reads (the others are ignored).
const CSL_COLUMNS: &[&str] = &[
    "_id",
    "source",
    "entity_number",
    "type",
    "programs",
    "name",
    "addresses",
    "federal_register_notice",
    "start_date",
    "license_requirement",
    "license_policy",
    "alt_names",
];

fn split_multi(s: &str) -> Vec<String> {
    s.split("; ")
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// The countries at the end of each "; "-separated address ("…, Xian,
/// China, CN").
fn address_countries(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in s.split("; ") {
        if let Some(c) = a.rsplit(',').next().map(str::trim)
            && c.len() == 2
            && c.bytes().all(|b| b.is_ascii_uppercase())
            && !out.iter().any(|x| x == c)
        {
            out.push(c.to_string());
        }
    }
    out
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// One CSL record from its named fields; `at` locates errors.
fn csl_entry(
    name: &str,
    line: Option<usize>,
    get: &dyn Fn(&str) -> String,
    countries: Vec<String>,
) -> Result<Entry, LoadError> {
    let n = get("name");
    if n.trim().is_empty() {
        return Err(LoadError::new(
            name,
            line,
            Some("name"),
            "the name is empty",
        ));
    }
    let source = get("source");
    if source.trim().is_empty() {
        return Err(LoadError::new(
            name,
            line,
            Some("source"),
            "the list (source) is empty",
        ));
    }
    let start = get("start_date");
    let start_date = match opt(&start) {
        None => None,
        Some(s) => Some(s.get(..10).and_then(|d| d.parse().ok()).ok_or_else(|| {
            LoadError::new(
                name,
                line,
                Some("start_date"),
                format!("`{s}` is not a date YYYY-MM-DD"),
            )
        })?),
    };
    Ok(Entry {
        id: opt(&get("_id"))
            .map(|i| format!("{}-{i}", ListCode::from_source(&source).code()))
            .unwrap_or_default(),
        list: ListCode::from_source(&source),
        source,
        name: n.trim().to_string(),
        alt_names: split_multi(&get("alt_names")),
        kind: opt(&get("type")),
        countries,
        entity_number: opt(&get("entity_number")),
        license_requirement: opt(&get("license_requirement")),
        license_policy: opt(&get("license_policy")),
        programs: split_multi(&get("programs")),
        federal_register: opt(&get("federal_register_notice")),
        start_date,
    })
}

/// The CSL's 29-column CSV (header row first).
pub fn csl_csv(name: &str, text: &str, date: Date) -> Result<ScreeningList, LoadError> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let header = r
        .headers()
        .map_err(|e| LoadError::new(name, Some(1), None, format!("cannot read the header: {e}")))?
        .clone();
    let mut col: HashMap<&str, usize> = HashMap::new();
    for c in CSL_COLUMNS {
        match header.iter().position(|h| h.trim() == *c) {
            Some(i) => {
                col.insert(c, i);
            }
            None => {
                return Err(LoadError::new(
                    name,
                    Some(1),
                    Some(c),
                    "the header lacks this column of the CSL layout",
                ));
            }
        }
    }
    let mut entries = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize);
            LoadError::new(name, line, None, format!("{e}"))
        })?;
        let line = rec.position().map(|p| p.line() as usize);
        let get = |c: &str| {
            col.get(c)
                .and_then(|i| rec.get(*i))
                .unwrap_or("")
                .to_string()
        };
        let countries = address_countries(&get("addresses"));
        entries.push(csl_entry(name, line, &get, countries)?);
    }
    Ok(ScreeningList {
        date,
        source: format!("U.S. Consolidated Screening List ({name})"),
        entries,
    })
}

/// The CSL's JSON: `{"results": [...]}` (the API's and the bulk
/// download's shape) or an array of results.
pub fn csl_json(name: &str, text: &str, date: Option<Date>) -> Result<ScreeningList, LoadError> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| json_error(name, &e, None))?;
    let (results, stamp) = match &v {
        serde_json::Value::Array(a) => (a, None),
        serde_json::Value::Object(o) => (
            o.get("results").and_then(|r| r.as_array()).ok_or_else(|| {
                LoadError::new(
                    name,
                    None,
                    Some("results"),
                    "expected an array of entries under `results`",
                )
            })?,
            o.get("search_performed_at")
                .or_else(|| o.get("sourceGeneratedAt"))
                .and_then(|s| s.as_str()),
        ),
        _ => {
            return Err(LoadError::new(
                name,
                None,
                None,
                "expected a JSON object or array",
            ));
        }
    };
    let date = match (date, stamp) {
        (Some(d), _) => d,
        (None, Some(s)) => datetime_date(name, "search_performed_at", s)?,
        (None, None) => need_date(name, None)?,
    };
    let mut entries = Vec::with_capacity(results.len());
    for (i, r) in results.iter().enumerate() {
        let field = |k: &str| format!("results[{i}].{k}");
        let obj = r.as_object().ok_or_else(|| {
            LoadError::new(
                name,
                None,
                Some(&format!("results[{i}]")),
                "expected an object",
            )
        })?;
        let text_of = |k: &str| -> String {
            match obj.get(k) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Array(a)) => a
                    .iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
                _ => String::new(),
            }
        };
        let countries = match obj.get("addresses") {
            Some(serde_json::Value::Array(a)) => {
                let mut cs: Vec<String> = Vec::new();
                for ad in a {
                    if let Some(c) = ad
                        .get("country")
                        .and_then(|c| c.as_str())
                        .filter(|c| c.len() == 2)
                        && !cs.iter().any(|x| x == c)
                    {
                        cs.push(c.to_string());
                    }
                }
                cs
            }
            _ => address_countries(&text_of("addresses")),
        };
        let e = csl_entry(name, None, &text_of, countries).map_err(|mut e| {
            e.field = e.field.map(|f| field(&f));
            e
        })?;
        entries.push(e);
    }
    Ok(ScreeningList {
        date,
        source: format!("U.S. Consolidated Screening List ({name})"),
        entries,
    })
}

// --- OpenSanctions FollowTheMoney ------------------------------------------

#[derive(Deserialize)]
struct FtmEntity {
    id: String,
    schema: String,
    #[serde(default)]
    properties: HashMap<String, Vec<serde_json::Value>>,
    #[serde(default)]
    datasets: Vec<String>,
    #[serde(default)]
    first_seen: Option<String>,
}

/// The list of an OpenSanctions dataset name.
fn ftm_list(datasets: &[String]) -> ListCode {
    let has = |k: &str| datasets.iter().any(|d| d.contains(k));
    if has("bis_entity") || has("entity_list") {
        ListCode::EntityList
    } else if has("ofac_sdn") {
        ListCode::Sdn
    } else if has("bis_denied") {
        ListCode::Dpl
    } else if has("bis_unverified") {
        ListCode::Uvl
    } else if has("bis_meu") || has("military_end_user") {
        ListCode::Meu
    } else if has("ofac_cmic") || has("cmic") {
        ListCode::Cmic
    } else {
        ListCode::Other(
            datasets
                .first()
                .cloned()
                .unwrap_or_else(|| "OpenSanctions".into()),
        )
    }
}

/// OpenSanctions FollowTheMoney entities, one a line; entities of schemas
/// that are not parties (addresses, sanctions, relations) are skipped.
pub fn ftm_jsonl(name: &str, text: &str, date: Date) -> Result<ScreeningList, LoadError> {
    const PARTIES: &[&str] = &[
        "LegalEntity",
        "Company",
        "Organization",
        "Person",
        "PublicBody",
        "Vessel",
        "Airplane",
    ];
    let mut entries = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let e: FtmEntity = serde_json::from_str(line)
            .map_err(|e| LoadError::new(name, Some(i + 1), None, format!("{e}")))?;
        if !PARTIES.contains(&e.schema.as_str()) {
            continue;
        }
        let strings = |k: &str| -> Vec<String> {
            e.properties.get(k).map_or_else(Vec::new, |v| {
                v.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
        };
        let mut names = strings("name");
        if names.is_empty() {
            return Err(LoadError::new(
                name,
                Some(i + 1),
                Some("properties.name"),
                "the entity has no name",
            ));
        }
        let first = names.remove(0);
        let mut alt = names;
        alt.extend(strings("alias"));
        let countries: Vec<String> = strings("country")
            .into_iter()
            .chain(strings("jurisdiction"))
            .map(|c| c.to_ascii_uppercase())
            .filter(|c| c.len() == 2)
            .collect();
        let list = ftm_list(&e.datasets);
        entries.push(Entry {
            id: format!("{}-{}", list.code(), e.id),
            source: e.datasets.join(", "),
            list,
            name: first,
            alt_names: alt,
            kind: Some(e.schema.clone()),
            countries,
            entity_number: None,
            license_requirement: None,
            license_policy: None,
            programs: strings("program"),
            federal_register: None,
            start_date: e
                .first_seen
                .as_deref()
                .and_then(|s| s.get(..10))
                .and_then(|s| s.parse().ok()),
        });
    }
    Ok(ScreeningList {
        date,
        source: format!("OpenSanctions FollowTheMoney ({name})"),
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../tests/data/csl-format-sample.csv");

    #[test]
    fn the_csl_csv_sample_loads() {
        let l = load("csl-2026-07-31.csv", SAMPLE.as_bytes(), None).map_err(|e| e.to_string());
        let l = l.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(l.date, jiff::civil::date(2026, 7, 31));
        assert_eq!(l.entries.len(), 6);
        let cetc = l.entries.iter().find(|e| e.name.contains("CETC 13"));
        let cetc = cetc.unwrap_or_else(|| panic!("no CETC 13"));
        assert_eq!(cetc.list, ListCode::EntityList);
        assert_eq!(cetc.countries, vec!["CN".to_string()]);
        assert_eq!(cetc.footnotes(), vec![3]);
        assert!(cetc.alt_names.iter().any(|a| a == "HSRI"));
        assert_eq!(cetc.start_date, Some(jiff::civil::date(2018, 8, 1)));
    }

    #[test]
    fn a_bad_row_names_its_line_and_field() {
        let mut bad = SAMPLE.to_string();
        bad = bad.replacen("\"2020-12-23\"", "\"23/12/2020\"", 1);
        let e = load("x-2026-07-31.csv", bad.as_bytes(), None).err();
        let e = e.unwrap_or_else(|| panic!("accepted"));
        assert_eq!(e.line, Some(2));
        assert_eq!(e.field.as_deref(), Some("start_date"));
        // A row with a column missing.
        let short = format!("{SAMPLE}\"1\",\"x\"\n");
        let e = load("x-2026-07-31.csv", short.as_bytes(), None).err();
        assert_eq!(e.and_then(|e| e.line), Some(8));
    }

    #[test]
    fn a_csv_without_a_date_is_refused() {
        let e = load("list.csv", SAMPLE.as_bytes(), None).err();
        assert!(e.is_some_and(|e| e.message.contains("date")));
    }

    #[test]
    fn ftm_lines() {
        let text = r#"{"id":"NK-1","schema":"Company","properties":{"name":["Acme Trading LLC"],"alias":["Acme"],"country":["cn"]},"datasets":["us_ofac_sdn"]}
{"id":"addr-1","schema":"Address","properties":{"full":["x"]},"datasets":["us_ofac_sdn"]}
"#;
        let l =
            load("os-2026-07-01.jsonl", text.as_bytes(), None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(l.entries.len(), 1);
        let e = l.entries.first().unwrap_or_else(|| panic!("empty"));
        assert_eq!(e.list, ListCode::Sdn);
        assert_eq!(e.countries, vec!["CN".to_string()]);
        let bad = "{\"id\":\"x\",\"schema\":\"Company\",\"properties\":{}}\n{oops";
        let e = load("os-2026-07-01.jsonl", bad.as_bytes(), None).err();
        assert_eq!(e.as_ref().and_then(|e| e.line), Some(1));
        assert_eq!(e.and_then(|e| e.field), Some("properties.name".into()));
    }

    #[test]
    fn compact_index_errors_are_located() {
        let text = r#"{"citation":"c","sourceGeneratedAt":"2026-07-31T00:00:00Z","entryCount":1,"tables":{"sources":["Entity List (EL) - x"],"licenceRequirements":[],"licencePolicies":[],"programmes":[]},"entries":[{"n":"A","s":0,"lr":3}]}"#;
        let e = load("c.json", text.as_bytes(), None).err();
        assert_eq!(e.and_then(|e| e.field), Some("entries[0].lr".into()));
    }
}
