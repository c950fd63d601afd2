//! The auditor's trail: the decision log's entries, listed, shown one by
//! one, and exported (JSON or CSV) for review outside chipexport.

use std::path::{Path, PathBuf};

use chipexport_store::{EntryFilter, LogEntry};
use serde::{Deserialize, Serialize};

use crate::audit::{LogLocation, QuestionBrief};
use crate::error::{Error, Result};
use crate::logged::{Annotation, LoggedRequest, LoggedScreen, PackRef};

/// Which entries to list or export.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListRequest {
    /// Only entries of this kind: `check` or `screen`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Only entries recorded on or after this date, `YYYY-MM-DD` (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Only entries recorded on or before this date, `YYYY-MM-DD` (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// At most this many, the latest (listing: 100 by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

/// How many entries a listing shows without a limit.
pub const DEFAULT_LIST_LIMIT: u64 = 100;

impl ListRequest {
    /// The store's filter; dates are checked.
    fn filter(&self, default_limit: Option<u64>) -> Result<EntryFilter> {
        let date = |field: &str, v: &Option<String>| -> Result<Option<String>> {
            v.as_deref()
                .map(|d| crate::question::date(field, d).map(|d| d.to_string()))
                .transpose()
        };
        Ok(EntryFilter {
            kind: self.kind.clone(),
            from: date("from", &self.from)?,
            to: date("to", &self.to)?,
            limit: self.limit.or(default_limit),
        })
    }
}

/// The outcome of a logged `check`, in short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomeBrief {
    /// Whether a US licence is required (`null`: undetermined).
    pub license_required: Option<bool>,
    /// The ECCN.
    pub eccn: Option<String>,
    /// The licence review policy.
    pub review_policy: Option<String>,
}

/// A logged screening run, in short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScreenBrief {
    /// The ledger's name.
    pub input: String,
    /// The ledger's SHA-256.
    pub input_sha256: String,
    /// The screened file's SHA-256.
    pub output_sha256: String,
    /// Rows screened.
    pub rows: Option<u64>,
    /// Rows needing a licence.
    pub license_required: Option<u64>,
}

/// One entry of the log, in short.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// Its id.
    pub id: i64,
    /// When it was recorded (RFC 3339, UTC).
    pub recorded_at: String,
    /// `check` or `screen`.
    pub kind: String,
    /// A `check`'s question.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question: Option<QuestionBrief>,
    /// A `check`'s outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<OutcomeBrief>,
    /// A screening run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screen: Option<ScreenBrief>,
    /// A `check`'s reviewer, order reference and note.
    #[serde(flatten)]
    pub annotation: Annotation,
    /// The SHA-256 of the rule set that answered.
    pub rule_set_hash: String,
    /// The entry's hash in the chain.
    pub hash: String,
    /// Why the entry's request could not be read, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
    /// Another kind's entry in a few words: a reviewer's decision on a
    /// possible match (`party_review`), a location verdict (`locate`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
}

/// One entry in full.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntryDetail {
    /// The entry in short.
    #[serde(flatten)]
    pub entry: AuditEntry,
    /// The hash of the entry before it.
    pub prev_hash: String,
    /// The version of the recorded request (1: the bare question).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// The extra rule-pack files, by name and SHA-256.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_packs: Vec<PackRef>,
    /// The request: a `check`'s whole question, a screening's record.
    pub request: serde_json::Value,
    /// The answer as recorded.
    pub response: serde_json::Value,
}

/// Entries, in id order.
#[derive(Debug, Clone, Serialize)]
pub struct AuditList {
    /// The entries.
    pub entries: Vec<AuditEntry>,
}

fn json_or_text(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|_| serde_json::Value::String(s.to_string()))
}

/// A `party_review` or `locate` entry in a few words, from what it
/// recorded; `None` for another kind, or when the fields are not there.
fn about(kind: &str, request: &serde_json::Value, response: &serde_json::Value) -> Option<String> {
    let s = |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).map(String::from);
    match kind {
        crate::reviews::KIND => {
            let mut out = format!("{} {}", s(request, "action")?, s(request, "name")?);
            if let Some(id) = s(request, "entry_id") {
                out.push_str(&format!(" ~ {id}"));
                if let Some(list) = s(response, "entry_list") {
                    out.push_str(&format!(" ({list})"));
                }
            }
            Some(out)
        }
        "locate" => {
            let countries: Vec<&str> = response
                .get("countries")
                .and_then(|c| c.as_array())
                .map(|a| a.iter().filter_map(|c| c.as_str()).collect())
                .unwrap_or_default();
            let mut out = format!("chip {}: {}", s(response, "chip")?, s(response, "outcome")?);
            match countries.len() {
                0 => {}
                n if n > 4 => out.push_str(&format!(
                    " ({}, … {n} countries)",
                    countries.get(..4).unwrap_or_default().join(", ")
                )),
                _ => out.push_str(&format!(" ({})", countries.join(", "))),
            }
            Some(out)
        }
        _ => None,
    }
}

/// An entry read: in short and in full.
fn read(e: LogEntry) -> AuditEntryDetail {
    let response = json_or_text(&e.response);
    let mut entry = AuditEntry {
        id: e.id,
        recorded_at: e.recorded_at,
        kind: e.kind,
        question: None,
        outcome: None,
        screen: None,
        annotation: Annotation::default(),
        rule_set_hash: e.rule_set_hash,
        hash: e.hash,
        unreadable: None,
        about: None,
    };
    let (mut version, mut extra_packs, mut request) = (None, Vec::new(), json_or_text(&e.request));
    match entry.kind.as_str() {
        "check" => match LoggedRequest::parse(e.id, &e.request) {
            Ok(r) => {
                entry.question = Some(QuestionBrief::of(&r.question));
                let s = |k: &str| response.get(k).and_then(|v| v.as_str()).map(String::from);
                entry.outcome = Some(OutcomeBrief {
                    license_required: response.get("license_required").and_then(|v| v.as_bool()),
                    eccn: s("eccn"),
                    review_policy: s("review_policy"),
                });
                entry.annotation = r.annotation.clone();
                version = Some(r.version);
                extra_packs = r.extra_packs.iter().map(PackRef::from).collect();
                request = serde_json::to_value(&r.question).unwrap_or(request);
            }
            Err(err) => entry.unreadable = Some(err.message().to_string()),
        },
        "screen" => match LoggedScreen::parse(e.id, &e.request) {
            Ok(r) => {
                let n = |k: &str| response.get(k).and_then(|v| v.as_u64());
                entry.screen = Some(ScreenBrief {
                    input: r.input.clone(),
                    input_sha256: r.input_sha256.clone(),
                    output_sha256: r.output_sha256.clone(),
                    rows: n("rows"),
                    license_required: n("license_required"),
                });
                version = Some(r.version);
                extra_packs = r.extra_packs;
            }
            Err(err) => entry.unreadable = Some(err.message().to_string()),
        },
        kind => entry.about = about(kind, &request, &response),
    }
    AuditEntryDetail {
        entry,
        prev_hash: e.prev_hash,
        version,
        extra_packs,
        request,
        response,
    }
}

/// The entries that match, in id order (the latest `limit`, 100 by
/// default).
pub fn list(at: &LogLocation, req: &ListRequest) -> Result<AuditList> {
    let filter = req.filter(Some(DEFAULT_LIST_LIMIT))?;
    let entries = at.open()?.entries(&filter)?;
    Ok(AuditList {
        entries: entries.into_iter().map(|e| read(e).entry).collect(),
    })
}

/// Entry `id` in full.
pub fn show(at: &LogLocation, id: i64) -> Result<AuditEntryDetail> {
    at.open()?.get(id)?.map(read).ok_or_else(|| {
        Error::input(
            format!("no decision {id} in {}", at.describe()),
            "`chipexport audit list` lists the entries",
        )
        .with_field("id")
    })
}

/// The options of `audit export`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRequest {
    /// Which entries (no limit unless given).
    pub filter: ListRequest,
    /// The file: `.json` (every entry in full) or `.csv` (one row per
    /// entry, in short).
    pub out: PathBuf,
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    /// The file written.
    pub out: PathBuf,
    /// `json` or `csv`.
    pub format: String,
    /// Entries written.
    pub entries: usize,
}

/// One CSV row.
#[derive(Serialize)]
struct Row<'a> {
    id: i64,
    recorded_at: &'a str,
    kind: &'a str,
    chip: Option<&'a str>,
    destination: Option<&'a str>,
    end_user_hq: Option<&'a str>,
    on: Option<&'a str>,
    license_required: Option<bool>,
    eccn: Option<&'a str>,
    review_policy: Option<&'a str>,
    reviewer: Option<&'a str>,
    order_ref: Option<&'a str>,
    note: Option<&'a str>,
    input: Option<&'a str>,
    input_sha256: Option<&'a str>,
    output_sha256: Option<&'a str>,
    rule_set_hash: &'a str,
    prev_hash: &'a str,
    hash: &'a str,
}

fn row(d: &AuditEntryDetail) -> Row<'_> {
    let e = &d.entry;
    let q = e.question.as_ref();
    let o = e.outcome.as_ref();
    let s = e.screen.as_ref();
    Row {
        id: e.id,
        recorded_at: &e.recorded_at,
        kind: &e.kind,
        chip: q.map(|q| q.chip.as_str()),
        destination: q.map(|q| q.destination.as_str()),
        end_user_hq: q.map(|q| q.end_user_hq.as_str()),
        on: q.map(|q| q.on.as_str()),
        license_required: o.and_then(|o| o.license_required),
        eccn: o.and_then(|o| o.eccn.as_deref()),
        review_policy: o.and_then(|o| o.review_policy.as_deref()),
        reviewer: e.annotation.reviewer.as_deref(),
        order_ref: e.annotation.order_ref.as_deref(),
        note: e.annotation.note.as_deref(),
        input: s.map(|s| s.input.as_str()),
        input_sha256: s.map(|s| s.input_sha256.as_str()),
        output_sha256: s.map(|s| s.output_sha256.as_str()),
        rule_set_hash: &e.rule_set_hash,
        prev_hash: &d.prev_hash,
        hash: &e.hash,
    }
}

fn csv_bytes(entries: &[AuditEntryDetail]) -> Result<Vec<u8>> {
    let bug = |e: &dyn std::fmt::Display| Error::bug(format!("cannot write the CSV export: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    for d in entries {
        w.serialize(row(d)).map_err(|e| bug(&e))?;
    }
    w.into_inner().map_err(|e| bug(&e))
}

fn format_of(out: &Path) -> Result<&'static str> {
    match out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("json") => Ok("json"),
        Some("csv") => Ok("csv"),
        _ => Err(Error::input(
            format!(
                "cannot tell the format of `{}` from its extension",
                out.display()
            ),
            "name the file .json (every entry in full) or .csv (one row per entry)",
        )
        .with_field("out")),
    }
}

/// Writes the matching entries to a file (through a temporary file renamed
/// into place): JSON `{"entries": [...]}` with every entry in full, or CSV
/// with one row per entry.
pub fn export(at: &LogLocation, req: &ExportRequest) -> Result<ExportReport> {
    let format = format_of(&req.out)?;
    let filter = req.filter.filter(None)?;
    let entries: Vec<AuditEntryDetail> =
        at.open()?.entries(&filter)?.into_iter().map(read).collect();
    let bytes = if format == "csv" {
        csv_bytes(&entries)?
    } else {
        serde_json::to_vec_pretty(&serde_json::json!({ "entries": entries }))
            .map_err(|e| Error::bug(format!("cannot write the JSON export: {e}")))?
    };
    crate::write_file(&req.out, &bytes)?;
    Ok(ExportReport {
        out: req.out.clone(),
        format: format.to_string(),
        entries: entries.len(),
    })
}
