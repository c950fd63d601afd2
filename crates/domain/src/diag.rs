//! Diagnostics for data files: every error names the file, the line and
//! column, the key, and says how to fix it.
//!
//! Errors are values ([`DataError`]) that render through `miette` for people
//! and serialise to JSON for machines. Keys are located in the source text:
//! for TOML through the span-preserving parser of the `toml` crate, for JSON
//! by a small scan that follows the key path.

use std::ops::Range;

use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Serialize;

/// The format of a data file, chosen by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// TOML (any extension other than `.json`).
    Toml,
    /// JSON (`.json`).
    Json,
}

impl Format {
    /// The format a file name implies: `.json` is JSON, anything else TOML.
    pub fn from_path(path: &str) -> Format {
        if path.to_ascii_lowercase().ends_with(".json") {
            Format::Json
        } else {
            Format::Toml
        }
    }
}

/// A data file in memory, with its name as the user gave it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The file's name as the user gave it (or `data/...` for embedded data).
    pub name: String,
    /// The file's content.
    pub text: String,
    /// The format, from the name's extension.
    pub format: Format,
}

impl SourceFile {
    /// A file in memory; its format follows from `name`.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let name = name.into();
        let format = Format::from_path(&name);
        SourceFile {
            name,
            text: text.into(),
            format,
        }
    }

    /// Reads a file from disk; a missing or unreadable file is a [`DataError`].
    pub fn read(path: &std::path::Path) -> Result<SourceFile, Box<DataError>> {
        let name = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(SourceFile::new(name, text)),
            Err(e) => Err(Box::new(DataError::without_source(
                name.clone(),
                format!("cannot read `{name}`: {e}"),
                Some(match e.kind() {
                    std::io::ErrorKind::NotFound => {
                        "check the path; relative paths start from the current directory"
                            .to_string()
                    }
                    _ => "check the file's permissions and that it is UTF-8 text".to_string(),
                }),
            ))),
        }
    }

    /// The byte range of the value at `path` (a key path such as
    /// `["throughput", "fp8"]`), or of the key itself when `key_only`.
    pub fn locate(&self, path: &[&str]) -> Option<Range<usize>> {
        match self.format {
            Format::Toml => locate_toml(&self.text, path, false),
            Format::Json => locate_json(&self.text, path),
        }
    }

    /// The byte range of the value (not the key) at `path`.
    pub fn locate_value(&self, path: &[&str]) -> Option<Range<usize>> {
        match self.format {
            Format::Toml => locate_toml(&self.text, path, true),
            Format::Json => locate_json(&self.text, path),
        }
    }

    /// A diagnostic pointing at the value at `path`, or at the whole file
    /// when the path cannot be located.
    pub fn error_at(
        &self,
        path: &[&str],
        message: impl Into<String>,
        help: Option<String>,
    ) -> DataError {
        let span = self.locate(path);
        DataError::new(self, span, Some(path.join(".")), message.into(), help)
    }
}

/// Who is at fault for an error: decides the exit code, the HTTP status and
/// the advice. Every error of every chipexport crate names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// The user's input (a spec, a flag value, a ledger, a request body).
    Input,
    /// A rule pack or reference data shipped with or given to chipexport.
    Rules,
    /// The environment: a locked or full database, a missing directory, a
    /// permission, a server that is down. Nobody's data is wrong; the
    /// operator can fix it.
    Environment,
    /// A bug in chipexport.
    Bug,
}

impl Fault {
    /// The command's exit code for an error of this fault (see the CLI's
    /// `--help`): 1 input, 3 rules or reference data, 4 a bug, 5 the
    /// environment.
    pub fn exit_code(self) -> u8 {
        match self {
            Fault::Input => 1,
            Fault::Rules => 3,
            Fault::Bug => 4,
            Fault::Environment => 5,
        }
    }

    /// The HTTP status for an error of this fault: 422 input, 500 rules
    /// (the service's own data is wrong) or a bug, 503 the environment.
    pub fn http_status(self) -> u16 {
        match self {
            Fault::Input => 422,
            Fault::Rules | Fault::Bug => 500,
            Fault::Environment => 503,
        }
    }

    /// The name used in JSON error reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::Input => "input",
            Fault::Rules => "rules",
            Fault::Environment => "environment",
            Fault::Bug => "bug",
        }
    }
}

/// An error in a data file, with its location.
#[derive(Debug, thiserror::Error, Diagnostic, Serialize)]
#[error("{message}")]
pub struct DataError {
    /// What is wrong, naming the key or value.
    pub message: String,
    /// The file, as the user gave it.
    pub file: String,
    /// 1-based line of the problem; `None` when it cannot be located.
    pub line: Option<usize>,
    /// 1-based column, in characters; `None` when it cannot be located.
    pub column: Option<usize>,
    /// The key path, such as `throughput.fp8`; `None` for the file as a whole.
    pub key: Option<String>,
    #[help]
    /// What to do about it; `None` when there is nothing more to say.
    pub help: Option<String>,
    /// Who is at fault: [`Fault::Input`] for a user's file, [`Fault::Rules`]
    /// for a rule pack or reference data.
    pub fault: Fault,
    #[serde(skip)]
    #[source_code]
    src: Option<NamedSource<String>>,
    #[serde(skip)]
    #[label("here")]
    span: Option<SourceSpan>,
}

impl DataError {
    /// An error at `span` (a byte range of `file`'s text) about `key`.
    pub fn new(
        file: &SourceFile,
        span: Option<Range<usize>>,
        key: Option<String>,
        message: String,
        help: Option<String>,
    ) -> DataError {
        let (line, column) = match &span {
            Some(r) => {
                let (l, c) = line_col(&file.text, r.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        DataError {
            message,
            file: file.name.clone(),
            line,
            column,
            key,
            help,
            fault: Fault::Input,
            src: Some(NamedSource::new(file.name.clone(), file.text.clone())),
            span: span.map(|r| SourceSpan::from(r.start..r.end.max(r.start))),
        }
    }

    /// An error about a file as a whole (missing, unreadable).
    pub fn without_source(file: String, message: String, help: Option<String>) -> DataError {
        DataError {
            message,
            file,
            line: None,
            column: None,
            key: None,
            help,
            fault: Fault::Input,
            src: None,
            span: None,
        }
    }

    /// Who is at fault (the `fault` field).
    pub fn fault(&self) -> Fault {
        self.fault
    }

    /// Marks the error as the fault of a rule pack or reference data.
    pub fn in_rules(mut self) -> DataError {
        self.fault = Fault::Rules;
        self
    }

    /// `file:line:column` for one-line reports.
    pub fn location(&self) -> String {
        match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", self.file),
            _ => self.file.clone(),
        }
    }
}

/// An error and its causes on one line, `error: cause: cause`, for reports
/// that cannot show a chain (a cause whose text its error already ends
/// with is not repeated).
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !text.is_empty() && !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |s| s.chars().count()) + 1;
    (line, col)
}

/// Byte range of the value at a key path in a TOML document. Array elements
/// are addressed by their index as a string (`["sources", "0", "url"]`).
pub fn locate_toml(text: &str, path: &[&str], value_span: bool) -> Option<Range<usize>> {
    let (root, _errors) = toml::de::DeTable::parse_recoverable(text);
    let mut table = root.get_ref();
    let mut span: Option<Range<usize>> = None;
    let mut value: Option<&toml::de::DeValue<'_>> = None;
    for (i, key) in path.iter().enumerate() {
        if let Some(toml::de::DeValue::Array(items)) = value {
            let idx: usize = key.parse().ok()?;
            let item = items.get(idx)?;
            span = Some(item.span());
            value = Some(item.get_ref());
            if let toml::de::DeValue::Table(t) = item.get_ref() {
                table = t;
            }
            continue;
        }
        let (k, v) = table.iter().find(|(k, _)| k.get_ref().as_ref() == *key)?;
        // Point at the key for the last element, so "unknown key" errors
        // underline the key, and at the value otherwise.
        span = Some(if i + 1 == path.len() && !value_span {
            k.span()
        } else {
            v.span()
        });
        value = Some(v.get_ref());
        if let toml::de::DeValue::Table(t) = v.get_ref() {
            table = t;
        }
    }
    span
}

/// Byte range of a key in a JSON document, following the key path by a
/// textual scan (good enough for error messages; never used for values).
pub fn locate_json(text: &str, path: &[&str]) -> Option<Range<usize>> {
    let mut from = 0usize;
    let mut found = None;
    for key in path {
        if key.parse::<usize>().is_ok() {
            continue;
        }
        let needle = format!("\"{key}\"");
        let rest = text.get(from..)?;
        let at = rest.find(&needle)? + from;
        found = Some(at..at + needle.len());
        from = at + needle.len();
    }
    found
}

/// The candidate closest to `word` by edit distance, if close enough to be a
/// plausible misspelling.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(&word.to_ascii_lowercase(), &c.to_ascii_lowercase());
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    let limit = (word.len() / 3).max(2);
    best.filter(|(d, _)| *d <= limit).map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            if let Some(slot) = cur.get_mut(j + 1) {
                *slot = sub.min(del).min(ins);
            }
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_nested_toml_keys() {
        let text = "name = \"x\"\n[throughput]\nfp8 = 296\n";
        let r = locate_toml(text, &["throughput", "fp8"], false).unwrap_or(0..0);
        assert_eq!(line_col(text, r.start), (3, 1));
        assert_eq!(text.get(r), Some("fp8"));
    }

    #[test]
    fn locates_array_elements() {
        let text = "[[sources]]\nurl = \"a\"\n[[sources]]\nurl = \"b\"\n";
        let r = locate_toml(text, &["sources", "1", "url"], false).unwrap_or(0..0);
        assert_eq!(line_col(text, r.start).0, 4);
    }

    #[test]
    fn locates_json_keys() {
        let text = "{\n \"name\": \"x\",\n \"throughput\": {\"fp8\": -1}\n}";
        let r = locate_json(text, &["throughput", "fp8"]).unwrap_or(0..0);
        assert_eq!(line_col(text, r.start).0, 3);
    }

    #[test]
    fn an_error_chain_reads_on_one_line() {
        #[derive(Debug, thiserror::Error)]
        #[error("cannot write `out.csv`")]
        struct Outer(#[source] std::io::Error);
        let e = Outer(std::io::Error::other("no space left on device"));
        assert_eq!(
            error_chain(&e),
            "cannot write `out.csv`: no space left on device"
        );
    }

    #[test]
    fn suggests_close_keys_only() {
        let keys = ["die_area_mm2", "datacenter", "name"];
        assert_eq!(did_you_mean("die_area_mm", keys), Some("die_area_mm2"));
        assert_eq!(did_you_mean("zzzzzzzz", keys), None);
    }
}
