//! What a log entry's `request` holds, as typed, versioned records.
//!
//! * `check` entries: a [`LoggedRequest`]. Version 2 keeps the question,
//!   the extra rule-pack files it was decided with (name, SHA-256 and whole
//!   text, so that replay rebuilds the same rule set), and the optional
//!   reviewer, order reference and note. Version 1 (the first logs) is the
//!   bare question; it still reads, as a [`LoggedRequest`] of version 1
//!   without packs or notes.
//! * `screen` entries: a [`LoggedScreen`]: the ledger's name and SHA-256,
//!   the output's SHA-256 and the options; the files are not kept.

use chipexport_rules::{Mode, Question};
use serde::{Deserialize, Serialize};

use crate::ExtraPack;
use crate::error::{Error, Result};

/// The version of the records this chipexport writes.
pub const LOGGED_VERSION: u32 = 2;

/// Who recorded a decision and why: optional notes kept with a logged
/// `check`. They never change the decision.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotation {
    /// Who reviewed the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<String>,
    /// The order (or case) it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_ref: Option<String>,
    /// A free-text note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Annotation {
    /// True when no note is given.
    pub fn is_empty(&self) -> bool {
        self.reviewer.is_none() && self.order_ref.is_none() && self.note.is_none()
    }
}

/// An extra rule-pack file as logged: its name, the SHA-256 of its text,
/// and the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedPack {
    /// The file name as given.
    pub file: String,
    /// The SHA-256 of `text`, in hex.
    pub sha256: String,
    /// The whole text.
    pub text: String,
}

impl LoggedPack {
    /// A pack file as logged.
    pub fn of(p: &ExtraPack) -> LoggedPack {
        LoggedPack {
            file: p.file.clone(),
            sha256: chipexport_store::sha256_hex(p.text.as_bytes()),
            text: p.text.clone(),
        }
    }
}

/// The `request` of a logged `check`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoggedRequest {
    /// 2 for what this chipexport writes; 1 for an entry that held the
    /// bare question.
    pub version: u32,
    /// The engine's question, with the item's facts.
    pub question: Question,
    /// The rule-pack files loaded beside the embedded packs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_packs: Vec<LoggedPack>,
    /// Who recorded it and why.
    #[serde(flatten)]
    pub annotation: Annotation,
}

/// The `request` of a logged screening run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedScreen {
    /// 2.
    pub version: u32,
    /// The ledger's file name.
    pub input: String,
    /// The SHA-256 of the ledger as read.
    pub input_sha256: String,
    /// The SHA-256 of the screened file as written.
    pub output_sha256: String,
    /// The date every order was decided on, when not its ship date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
    /// Enforced or as written.
    pub mode: Mode,
    /// Bills applied as if in force.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub with_packs: Vec<String>,
    /// The extra rule-pack files, by name and SHA-256 (not their text).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_packs: Vec<PackRef>,
}

/// A rule-pack file by name and SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackRef {
    /// The file name as given.
    pub file: String,
    /// The SHA-256 of its text, in hex.
    pub sha256: String,
}

impl From<&LoggedPack> for PackRef {
    fn from(p: &LoggedPack) -> PackRef {
        PackRef {
            file: p.file.clone(),
            sha256: p.sha256.clone(),
        }
    }
}

fn unreadable(id: i64, what: &str, e: &dyn std::fmt::Display) -> Error {
    Error::input(
        format!("decision {id}: its {what} cannot be read: {e}"),
        "the entry may come from a newer chipexport",
    )
}

fn check_version(id: i64, v: &serde_json::Value) -> Result<()> {
    match v.get("version").and_then(serde_json::Value::as_u64) {
        Some(n) if n > u64::from(LOGGED_VERSION) => Err(Error::input(
            format!(
                "decision {id} was recorded in version {n} of the log's records, newer than this chipexport reads ({LOGGED_VERSION})"
            ),
            "upgrade chipexport to read it",
        )),
        _ => Ok(()),
    }
}

impl LoggedRequest {
    /// Reads the `request` of logged `check` entry `id`, of either version.
    pub fn parse(id: i64, request: &str) -> Result<LoggedRequest> {
        let v: serde_json::Value =
            serde_json::from_str(request).map_err(|e| unreadable(id, "question", &e))?;
        if v.get("version").is_none() {
            let question: Question =
                serde_json::from_value(v).map_err(|e| unreadable(id, "question", &e))?;
            return Ok(LoggedRequest {
                version: 1,
                question,
                extra_packs: Vec::new(),
                annotation: Annotation::default(),
            });
        }
        check_version(id, &v)?;
        serde_json::from_value(v).map_err(|e| unreadable(id, "question", &e))
    }

    /// The extra packs, each checked against its SHA-256.
    pub fn packs(&self, id: i64) -> Result<Vec<ExtraPack>> {
        self.extra_packs
            .iter()
            .map(|p| {
                let got = chipexport_store::sha256_hex(p.text.as_bytes());
                if got == p.sha256 {
                    Ok(ExtraPack {
                        file: p.file.clone(),
                        text: p.text.clone(),
                    })
                } else {
                    Err(Error::input(
                        format!(
                            "decision {id}: the recorded pack `{}` does not match its SHA-256 ({} recorded, {got} found)",
                            p.file, p.sha256
                        ),
                        "the entry was altered; `chipexport audit verify` checks the log",
                    )
                    .with_field("extra_packs"))
                }
            })
            .collect()
    }
}

impl LoggedScreen {
    /// Reads the `request` of logged `screen` entry `id`.
    pub fn parse(id: i64, request: &str) -> Result<LoggedScreen> {
        let v: serde_json::Value =
            serde_json::from_str(request).map_err(|e| unreadable(id, "screening record", &e))?;
        check_version(id, &v)?;
        serde_json::from_value(v).map_err(|e| unreadable(id, "screening record", &e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{App, Ask, CheckRequest, Date};

    fn question() -> Question {
        let app = App::embedded().unwrap_or_else(|e| unreachable!("{e}"));
        let ask = Ask {
            to: "CN".into(),
            on: Some("2025-05-01".into()),
            ..Ask::default()
        };
        app.check(
            &CheckRequest::chip("H20", ask),
            Date::constant(2026, 11, 29),
        )
        .unwrap_or_else(|e| unreachable!("{e}"))
        .resolved
        .question
    }

    #[test]
    fn a_bare_question_reads_as_version_1() {
        let q = question();
        let v1 = serde_json::to_string(&q).unwrap_or_default();
        let r = LoggedRequest::parse(7, &v1).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(r.version, 1);
        assert!(r.extra_packs.is_empty() && r.annotation.is_empty());
        assert_eq!(
            serde_json::to_string(&r.question).unwrap_or_default(),
            v1,
            "the question is read unchanged"
        );
    }

    #[test]
    fn version_2_keeps_packs_and_notes_and_checks_each_pack() {
        let pack = ExtraPack {
            file: "mine.toml".into(),
            text: "[pack]\nid = \"x\"\n".into(),
        };
        let mut logged = LoggedRequest {
            version: LOGGED_VERSION,
            question: question(),
            extra_packs: vec![LoggedPack::of(&pack)],
            annotation: Annotation {
                reviewer: Some("ana".into()),
                order_ref: Some("PO-17".into()),
                note: None,
            },
        };
        let text = serde_json::to_string(&logged).unwrap_or_default();
        assert!(text.contains("\"reviewer\":\"ana\""), "{text}");
        let back = LoggedRequest::parse(3, &text).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(back.version, 2);
        assert_eq!(back.annotation, logged.annotation);
        assert_eq!(back.packs(3).ok(), Some(vec![pack]));
        if let Some(p) = logged.extra_packs.first_mut() {
            p.text.push(' ');
        }
        let e = logged.packs(3).err().map(|e| e.message().to_string());
        assert!(
            e.as_deref()
                .is_some_and(|m| m.contains("does not match its SHA-256")),
            "{e:?}"
        );
    }

    #[test]
    fn a_newer_record_says_upgrade() {
        let e = LoggedRequest::parse(1, r#"{"version": 9, "question": {}}"#)
            .err()
            .map(|e| e.help().to_string());
        assert_eq!(e.as_deref(), Some("upgrade chipexport to read it"));
    }
}
