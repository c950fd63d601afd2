//! Ownership files for the affiliates (50%) rule: who owns the buyer or
//! end user, and how much. CSV (`name,percent`, a header line, `percent`
//! empty when unknown) or TOML (`[[owner]]` tables with `name` and an
//! optional `percent`). Every error names the file, the line and the
//! field; a file with an error gives no owners at all.

use serde::Deserialize;

use crate::index::MAX_NAME_CHARS;
use crate::load::LoadError;

/// An owner of the party.
#[derive(Debug, Clone, PartialEq)]
pub struct Owner {
    /// Its name, as written.
    pub name: String,
    /// Its share in percent (0 to 100), when known.
    pub percent: Option<f64>,
    /// The line it is on.
    pub line: usize,
}

fn err(file: &str, line: usize, field: &str, message: impl Into<String>) -> LoadError {
    LoadError {
        file: file.to_string(),
        line: Some(line),
        field: Some(field.to_string()),
        message: message.into(),
    }
}

/// Reads an ownership file: TOML when `file` ends in `.toml`, CSV
/// otherwise.
pub fn parse(file: &str, bytes: &[u8]) -> Result<Vec<Owner>, LoadError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes
            .get(..e.valid_up_to())
            .map_or(1, |b| 1 + b.iter().filter(|c| **c == b'\n').count());
        err(file, line, "name", format!("not UTF-8 text: {e}"))
    })?;
    let owners = if file.to_ascii_lowercase().ends_with(".toml") {
        toml_owners(file, text)?
    } else {
        csv_owners(file, text)?
    };
    check(file, &owners)?;
    Ok(owners)
}

fn csv_owners(file: &str, text: &str) -> Result<Vec<Owner>, LoadError> {
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = r
        .headers()
        .map_err(|e| err(file, 1, "name", format!("cannot read the header line: {e}")))?
        .clone();
    let mut name_at = None;
    let mut percent_at = None;
    for (i, h) in headers.iter().enumerate() {
        match h.to_ascii_lowercase().as_str() {
            "name" => name_at = Some(i),
            "percent" | "share" => percent_at = Some(i),
            other => {
                return Err(err(
                    file,
                    1,
                    other,
                    format!("unknown column `{h}`: the columns are `name` and `percent`"),
                ));
            }
        }
    }
    let Some(name_at) = name_at else {
        return Err(err(file, 1, "name", "the header has no `name` column"));
    };
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| {
            let line = e
                .position()
                .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
            err(file, line, "name", format!("{e}"))
        })?;
        let line = rec
            .position()
            .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
        let name = rec.get(name_at).unwrap_or("").to_string();
        let percent = match percent_at
            .and_then(|i| rec.get(i))
            .filter(|p| !p.is_empty())
        {
            None => None,
            Some(p) => Some(
                p.trim_end_matches('%')
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| err(file, line, "percent", format!("`{p}` is not a number")))?,
            ),
        };
        out.push(Owner {
            name,
            percent,
            line,
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlFile {
    #[serde(default)]
    owner: Vec<toml::Spanned<TomlOwner>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlOwner {
    name: String,
    #[serde(default)]
    percent: Option<f64>,
}

fn line_of(text: &str, offset: usize) -> usize {
    1 + text
        .as_bytes()
        .iter()
        .take(offset)
        .filter(|c| **c == b'\n')
        .count()
}

fn toml_owners(file: &str, text: &str) -> Result<Vec<Owner>, LoadError> {
    let f: TomlFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| line_of(text, s.start));
        let msg = e.message().to_string();
        // "unknown field `share`", "missing field `name`": the first
        // quoted word is the field.
        let field = msg
            .split('`')
            .nth(1)
            .filter(|f| !f.is_empty() && !f.contains(' '))
            .unwrap_or("owner")
            .to_string();
        err(file, line, &field, msg)
    })?;
    Ok(f.owner
        .into_iter()
        .map(|o| {
            let line = line_of(text, o.span().start);
            let o = o.into_inner();
            Owner {
                name: o.name,
                percent: o.percent,
                line,
            }
        })
        .collect())
}

/// Names present and not too long; shares from 0 to 100, adding up to no
/// more than 100.
fn check(file: &str, owners: &[Owner]) -> Result<(), LoadError> {
    let mut total = 0.0;
    for o in owners {
        let n = o.name.trim().chars().count();
        if n == 0 {
            return Err(err(file, o.line, "name", "the owner's name is empty"));
        }
        if n > MAX_NAME_CHARS {
            return Err(err(
                file,
                o.line,
                "name",
                format!("the name is {n} characters long, more than {MAX_NAME_CHARS}"),
            ));
        }
        if let Some(p) = o.percent {
            if !(0.0..=100.0).contains(&p) {
                return Err(err(
                    file,
                    o.line,
                    "percent",
                    format!("{p} is not a share from 0 to 100"),
                ));
            }
            total += p;
            if total > 100.0 + 1e-9 {
                return Err(err(
                    file,
                    o.line,
                    "percent",
                    format!("the shares add up to {total}, more than 100"),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn e(file: &str, text: &str) -> (Option<usize>, Option<String>, String) {
        let e = parse(file, text.as_bytes()).unwrap_err();
        (e.line, e.field, e.message)
    }

    #[test]
    fn csv_and_toml_read_alike() {
        let c = parse(
            "o.csv",
            b"name,percent\n\"Huawei Investment & Holding Co., Ltd.\",60\n\"Acme, Inc.\",\n",
        );
        let c = c.unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].percent, Some(60.0));
        assert_eq!(c[1].name, "Acme, Inc.");
        assert_eq!((c[1].percent, c[1].line), (None, 3));
        let t = parse(
            "o.toml",
            b"[[owner]]\nname = \"Huawei Investment & Holding Co., Ltd.\"\npercent = 60\n\n[[owner]]\nname = \"Acme, Inc.\"\n",
        )
        .unwrap();
        assert_eq!(
            t.iter().map(|o| (&o.name, o.percent)).collect::<Vec<_>>(),
            c.iter().map(|o| (&o.name, o.percent)).collect::<Vec<_>>()
        );
        assert_eq!(t[1].line, 5);
    }

    #[test]
    fn errors_name_the_line_and_the_field() {
        assert_eq!(
            e("o.csv", "name,percent\nA,30\nB,abc\n"),
            (
                Some(3),
                Some("percent".into()),
                "`abc` is not a number".into()
            )
        );
        assert_eq!(e("o.csv", "name,percent\nA,60\nB,50\n").0, Some(3));
        assert_eq!(e("o.csv", "name,pct\nA,1\n").1.as_deref(), Some("pct"));
        assert_eq!(e("o.csv", "name,percent\n,10\n").1.as_deref(), Some("name"));
        assert_eq!(e("o.csv", "name,percent\nA,10,x\n").0, Some(2));
        let (line, field, _) = e("o.toml", "[[owner]]\nname = \"A\"\npercent = 120\n");
        assert_eq!((line, field.as_deref()), (Some(1), Some("percent")));
        let (line, field, msg) = e("o.toml", "[[owner]]\nname = \"A\"\nshare = 1\n");
        assert_eq!(line, Some(3), "{msg}");
        assert_eq!(field.as_deref(), Some("share"), "{msg}");
        let (line, _, _) = e(
            "o.toml",
            "[[owner]]\nname = \"A\"\n\n[[owner]]\npercent = 3\n",
        );
        assert_eq!(line, Some(4));
    }
}
