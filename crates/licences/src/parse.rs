//! Reading a licence file (TOML, or JSON for a `.json` name): every error
//! names the file, the line and column, and the key (`lines.0.quantity`).
//!
//! Two passes. The first deserialises with `deny_unknown_fields` and
//! `serde_path_to_error`, so a misspelt key or a wrong type is reported at
//! its key path and at the span the TOML parser (or the JSON line and
//! column) gives. The second checks what types cannot say: dates in order,
//! limits above zero, known catalog ids, spec constraints that parse,
//! percentages within 0 to 100; each of its errors is located by key path.

use chipexport_domain::diag::{DataError, Format, SourceFile};
use rust_decimal::Decimal;

use crate::model::{Bound, Condition, Licence, Unit};

/// Why a licence file is refused: every problem found, each located.
pub type Errors = Vec<DataError>;

const HELP: &str = "see docs/licences.md for the licence file format";

/// Parses and checks a licence file. `known_item` says whether a catalog id
/// exists (a line's `items` must name catalog entries).
pub fn parse(file: &SourceFile, known_item: &dyn Fn(&str) -> bool) -> Result<Licence, Errors> {
    let licence = deserialize(file).map_err(|e| vec![*e])?;
    let errors = check(file, &licence, known_item);
    if errors.is_empty() {
        Ok(licence)
    } else {
        Err(errors)
    }
}

/// The key path of a `serde_path_to_error` path, as strings.
fn key_path(p: &serde_path_to_error::Path) -> Vec<String> {
    use serde_path_to_error::Segment;
    p.iter()
        .filter_map(|s| match s {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.clone()),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .collect()
}

/// The field an "unknown field `x`" or "missing field `x`" message names.
fn named_field(message: &str) -> Option<(&'static str, String)> {
    for kind in ["unknown field", "missing field"] {
        if let Some(rest) = message.split(kind).nth(1)
            && let Some(name) = rest.trim_start().strip_prefix('`')
            && let Some((name, _)) = name.split_once('`')
        {
            return Some((kind, name.to_string()));
        }
    }
    None
}

fn help_for(message: &str) -> String {
    if message.contains("unknown field") {
        format!("remove or correct the key; {HELP}")
    } else if message.contains("missing field") {
        format!("add the missing key; {HELP}")
    } else if message.contains("invalid type") {
        format!("numbers are plain numbers, dates are YYYY-MM-DD, names are quoted strings; {HELP}")
    } else {
        HELP.to_string()
    }
}

/// First pass: the types. A located error on failure.
fn deserialize(file: &SourceFile) -> Result<Licence, Box<DataError>> {
    let (path, message, span) = match file.format {
        Format::Toml => {
            let de = toml::Deserializer::parse(&file.text)
                .map_err(|e| Box::new(toml_located(file, &e, Vec::new())))?;
            match serde_path_to_error::deserialize::<_, Licence>(de) {
                Ok(l) => return Ok(l),
                Err(e) => {
                    let path = key_path(e.path());
                    let inner = e.into_inner();
                    (
                        path,
                        inner.message().trim().replace('\n', " "),
                        inner.span(),
                    )
                }
            }
        }
        Format::Json => {
            let mut de = serde_json::Deserializer::from_str(&file.text);
            match serde_path_to_error::deserialize::<_, Licence>(&mut de) {
                Ok(l) => return Ok(l),
                Err(e) => {
                    let path = key_path(e.path());
                    let inner = e.into_inner();
                    let offset = offset_of(&file.text, inner.line(), inner.column());
                    let message = inner.to_string();
                    let message = message
                        .split(" at line ")
                        .next()
                        .unwrap_or(&message)
                        .to_string();
                    (path, message, Some(offset..offset))
                }
            }
        }
    };
    Err(Box::new(located(file, path, message, span)))
}

fn toml_located(file: &SourceFile, e: &toml::de::Error, path: Vec<String>) -> DataError {
    let message = e.message().trim().replace('\n', " ");
    located(file, path, message, e.span())
}

/// A deserialisation error at `path`: the key is the path, completed with
/// the field an unknown- or missing-field message names; the span is the
/// parser's, else the key's location.
fn located(
    file: &SourceFile,
    mut path: Vec<String>,
    message: String,
    span: Option<std::ops::Range<usize>>,
) -> DataError {
    let mut span = span;
    if let Some((kind, field)) = named_field(&message) {
        if path.last() != Some(&field) {
            path.push(field);
        }
        if kind == "missing field" {
            // The key is absent: point at the table that lacks it.
            let parent: Vec<&str> = path
                .iter()
                .take(path.len().saturating_sub(1))
                .map(String::as_str)
                .collect();
            if !parent.is_empty() {
                span = file.locate(&parent).or(span);
            }
        }
    }
    let refs: Vec<&str> = path.iter().map(String::as_str).collect();
    if span.is_none() && !refs.is_empty() {
        span = file.locate(&refs);
    }
    let key = (!path.is_empty()).then(|| path.join("."));
    let help = help_for(&message);
    DataError::new(file, span, key, message, Some(help))
}

/// The byte offset of a 1-based line and column.
fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset + col.saturating_sub(1).min(l.len());
        }
        offset += l.len();
    }
    text.len()
}

/// Second pass: what the types cannot say.
fn check(file: &SourceFile, l: &Licence, known_item: &dyn Fn(&str) -> bool) -> Errors {
    let mut errors = Vec::new();
    let mut err = |path: &[&str], message: String, help: &str| {
        errors.push(file.error_at(path, message, Some(help.to_string())));
    };
    for (key, v) in [
        ("number", &l.number),
        ("authority", &l.authority),
        ("holder", &l.holder),
    ] {
        if v.trim().is_empty() {
            err(
                &[key],
                format!("`{key}` is empty"),
                "give it as printed on the licence",
            );
        }
    }
    if l.valid_to < l.valid_from {
        err(
            &["valid_to"],
            format!(
                "`valid_to` ({}) is before `valid_from` ({})",
                l.valid_to, l.valid_from
            ),
            "a licence is valid from `valid_from` to `valid_to`, both included",
        );
    }
    if l.issued > l.valid_to {
        err(
            &["issued"],
            format!(
                "`issued` ({}) is after `valid_to` ({})",
                l.issued, l.valid_to
            ),
            "check the dates printed on the licence",
        );
    }
    if l.destinations.is_empty() {
        err(
            &["destinations"],
            "`destinations` is empty".into(),
            "list the countries of ultimate destination, e.g. [\"CN\"]",
        );
    }
    if l.lines.is_empty() {
        err(
            &["lines"],
            "the licence has no line".into(),
            "add a [[lines]] table with the items and limits",
        );
    }
    for (i, line) in l.lines.iter().enumerate() {
        let i = i.to_string();
        let at = |k: &'static str| [String::from("lines"), i.clone(), k.to_string()];
        if line.items.is_empty() && line.models.is_empty() && line.spec.is_empty() {
            err(
                &["lines", &i],
                format!("line {i} names no item"),
                "give `items` (catalog ids), `models` or `spec` constraints",
            );
        }
        for (j, id) in line.items.iter().enumerate() {
            if !known_item(id) {
                let j = j.to_string();
                err(
                    &["lines", &i, "items", &j],
                    format!("`{id}` is not a catalog id"),
                    "`chipexport chips list` shows the catalog ids; or use `models`",
                );
            }
        }
        for (j, s) in line.spec.iter().enumerate() {
            if let Err(m) = Bound::parse(s) {
                let j = j.to_string();
                err(
                    &["lines", &i, "spec", &j],
                    m,
                    "write a constraint such as `tpp < 4800`",
                );
            }
        }
        match (line.unit, line.quantity) {
            (Unit::Number, None) => {
                let p = at("quantity");
                let p: Vec<&str> = p.iter().map(String::as_str).collect();
                err(
                    p.get(..2).unwrap_or(&[]),
                    format!("line {i} is counted in number but has no `quantity`"),
                    "add `quantity`, or set `unit = \"dollar_value\"` for a line licensed by value",
                );
            }
            (_, Some(0)) => {
                let p = at("quantity");
                let p: Vec<&str> = p.iter().map(String::as_str).collect();
                err(
                    &p,
                    "`quantity` is zero".into(),
                    "a line licenses at least one unit",
                );
            }
            _ => {}
        }
        if line.value <= Decimal::ZERO {
            let p = at("value");
            let p: Vec<&str> = p.iter().map(String::as_str).collect();
            err(
                &p,
                format!("`value` is {}, not above zero", line.value),
                "the total value licensed, in US dollars",
            );
        }
    }
    for (i, c) in l.conditions.iter().enumerate() {
        let pct = match c {
            Condition::RevenueShare { percent, .. } | Condition::ImportDuty { percent, .. } => {
                Some(("percent", *percent))
            }
            Condition::VolumeCap {
                percent_of_us_shipments,
            } => Some(("percent_of_us_shipments", *percent_of_us_shipments)),
            _ => None,
        };
        if let Some((key, p)) = pct
            && (p < Decimal::ZERO || p > Decimal::ONE_HUNDRED)
        {
            let i = i.to_string();
            err(
                &["conditions", &i, key],
                format!("`{key}` is {p}, outside 0 to 100"),
                "a percentage such as 15",
            );
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"number = "D1234567"
authority = "BIS"
holder = "NVIDIA Corporation"
issued = 2025-08-12
valid_from = 2025-08-15
valid_to = 2029-08-14
destinations = ["CN"]

[parties]
end_user = "Alibaba Cloud Co., Ltd."

[[lines]]
models = ["H20"]
eccn = ["3A991.p"]
quantity = 10000
value = 120000000

[[conditions]]
kind = "revenue_share"
percent = 15
payee = "US government"
"#;

    fn parse_text(name: &str, text: &str) -> Result<Licence, Errors> {
        parse(&SourceFile::new(name, text), &|id| {
            id == "nvidia-h20-hgx-96gb"
        })
    }

    fn first(name: &str, text: &str) -> (String, Option<usize>, Option<String>) {
        match parse_text(name, text) {
            Ok(_) => (String::from("accepted"), None, None),
            Err(e) => e
                .first()
                .map(|e| (e.message.clone(), e.line, e.key.clone()))
                .unwrap_or_default(),
        }
    }

    #[test]
    fn a_good_file_parses() {
        let l = parse_text("l.toml", GOOD);
        assert!(l.is_ok(), "{l:?}");
        let l = l.unwrap_or_else(|e| unreachable!("{e:?}"));
        assert_eq!(l.lines.first().and_then(|x| x.quantity), Some(10000));
        assert_eq!(l.conditions.len(), 1);
    }

    #[test]
    fn a_misspelt_key_is_located_to_its_line_and_key() {
        let text = GOOD.replace("quantity = 10000", "quantty = 10000");
        let (msg, line, key) = first("l.toml", &text);
        assert!(msg.contains("unknown field `quantty`"), "{msg}");
        assert_eq!(line, Some(15));
        assert_eq!(key.as_deref(), Some("lines.0.quantty"));
    }

    #[test]
    fn a_wrong_type_is_located() {
        let text = GOOD.replace("quantity = 10000", "quantity = \"ten thousand\"");
        let (_, line, key) = first("l.toml", &text);
        assert_eq!(line, Some(15));
        assert_eq!(key.as_deref(), Some("lines.0.quantity"));
    }

    #[test]
    fn semantic_errors_are_located() {
        let text = GOOD
            .replace("valid_to = 2029-08-14", "valid_to = 2024-01-01")
            .replace("percent = 15", "percent = 150");
        let errs = parse_text("l.toml", &text).err().unwrap_or_default();
        let got: Vec<(Option<String>, Option<usize>)> =
            errs.iter().map(|e| (e.key.clone(), e.line)).collect();
        assert!(got.contains(&(Some("valid_to".into()), Some(6))), "{got:?}");
        assert!(
            got.contains(&(Some("conditions.0.percent".into()), Some(20))),
            "{got:?}"
        );
    }

    #[test]
    fn unknown_catalog_ids_and_bad_constraints_are_refused() {
        let text = GOOD.replace(
            "models = [\"H20\"]",
            "items = [\"nvidia-h21\"]\nspec = [\"tpp << 4800\"]",
        );
        let errs = parse_text("l.toml", &text).err().unwrap_or_default();
        let keys: Vec<String> = errs.iter().filter_map(|e| e.key.clone()).collect();
        assert_eq!(keys, vec!["lines.0.items.0", "lines.0.spec.0"]);
    }

    #[test]
    fn json_files_are_located_too() {
        let text = "{\n\"number\": \"D1\",\n\"authority\": \"BIS\",\n\"holder\": \"X\",\n\"issued\": \"2025-01-01\",\n\"valid_from\": \"2025-01-01\",\n\"valid_to\": \"2026-01-01\",\n\"destinations\": [\"CN\"],\n\"lines\": [{\"models\": [\"H20\"], \"quantity\": 5, \"value\": 10, \"colour\": 1}]\n}";
        let (msg, line, key) = first("l.json", text);
        assert!(msg.contains("unknown field `colour`"), "{msg}");
        assert_eq!(line, Some(9));
        assert_eq!(key.as_deref(), Some("lines.0.colour"));
    }

    #[test]
    fn a_missing_key_names_it() {
        let text = GOOD.replace("holder = \"NVIDIA Corporation\"\n", "");
        let (msg, _, key) = first("l.toml", &text);
        assert!(msg.contains("missing field `holder`"), "{msg}");
        assert_eq!(key.as_deref(), Some("holder"));
    }
}
