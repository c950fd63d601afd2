//! The decision log: what is recorded for a decision, and the auditor's
//! use cases (verify the hash chain, replay an entry).

use std::path::{Path, PathBuf};

use chipexport_rules::{Decision, Question};
use chipexport_store::{DecisionLog, NewLogEntry};
use serde::Serialize;

use crate::App;
use crate::clock::now_rfc3339;
use crate::error::{Error, Result};

/// Where the decision log lives: a data directory (SQLite), or a
/// PostgreSQL URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLocation {
    /// The data directory.
    pub data: PathBuf,
    /// A PostgreSQL URL, used instead of the data directory when given.
    pub database_url: Option<String>,
}

impl LogLocation {
    /// The log in a data directory.
    pub fn dir(data: impl Into<PathBuf>) -> LogLocation {
        LogLocation {
            data: data.into(),
            database_url: None,
        }
    }

    /// Opens (creating as needed) the log.
    pub fn open(&self) -> Result<DecisionLog> {
        match &self.database_url {
            None => Ok(DecisionLog::open(&self.data)?),
            Some(u) => DecisionLog::open_location(u).map_err(|e| {
                let postgres = cfg!(feature = "postgres");
                let help = if postgres {
                    "check the URL (postgresql://USER@HOST:PORT/DATABASE) and that the server is up"
                } else {
                    "this chipexport was built without PostgreSQL: cargo build --release -p chipexport-cli --features postgres"
                };
                let e = Error::from(e);
                Error::environment(e.message().to_string(), help)
                    .with_field("database_url")
                    .with_source(e)
            }),
        }
    }

    /// Where the log is, for messages.
    pub fn describe(&self) -> String {
        match &self.database_url {
            Some(_) => "the PostgreSQL decision log".to_string(),
            None => self.data.display().to_string(),
        }
    }
}

/// The log entry for a `check` decision: the question (with the item
/// facts used) and the outcome record.
pub fn check_entry(q: &Question, d: &Decision) -> Result<NewLogEntry> {
    let request = serde_json::to_string(q)
        .map_err(|e| Error::bug(format!("cannot record the question: {e}")))?;
    Ok(NewLogEntry {
        recorded_at: now_rfc3339(),
        kind: "check".into(),
        request,
        response: d.outcome_record().to_string(),
        rule_set_hash: d.rule_set.hash.clone(),
    })
}

/// Records a `check` decision in the log at `dir`; returns the entry's id.
pub fn record_check(dir: &Path, q: &Question, d: &Decision) -> Result<i64> {
    let mut log = LogLocation::dir(dir).open()?;
    Ok(log
        .append_all(vec![check_entry(q, d)?])?
        .first()
        .map_or(0, |e| e.id))
}

/// The state of the hash chain.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// Entries checked.
    pub entries: u64,
    /// True when every entry's hash holds.
    pub intact: bool,
    /// The first entry whose hash does not hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_broken: Option<i64>,
    /// Why it does not hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Verifies the log's hash chain.
pub fn verify(at: &LogLocation) -> Result<VerifyReport> {
    let mut log = at.open()?;
    Ok(match log.verify()? {
        Ok(n) => VerifyReport {
            entries: n,
            intact: true,
            first_broken: None,
            reason: None,
        },
        Err(b) => VerifyReport {
            entries: u64::try_from(log.len()?).unwrap_or(0),
            intact: false,
            first_broken: Some(b.id),
            reason: Some(b.reason),
        },
    })
}

/// One field that differs between the logged answer and today's.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    /// The field.
    pub field: String,
    /// The logged value.
    pub then: serde_json::Value,
    /// Today's value.
    pub now: serde_json::Value,
}

/// A logged decision re-decided with today's rules.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayReport {
    /// The entry.
    pub id: i64,
    /// When it was recorded.
    pub recorded_at: String,
    /// The rule set it was decided with (its hash).
    pub rule_set_then: String,
    /// The rule set it is replayed with (its hash).
    pub rule_set_now: String,
    /// True when nothing differs.
    pub same: bool,
    /// The fields that differ.
    pub differences: Vec<Difference>,
}

/// The fields of an outcome that replay compares.
const COMPARED: &[&str] = &[
    "license_required",
    "eccn",
    "review_policy",
    "license_exceptions",
    "conditions",
    "measures",
    "verdict",
];

impl App {
    /// Re-decides logged entry `id` with this rule set and lists what
    /// changed.
    pub fn replay(&self, at: &LogLocation, id: i64) -> Result<ReplayReport> {
        let mut log = at.open()?;
        let e = log.get(id)?.ok_or_else(|| {
            Error::input(
                format!("no decision {id} in {}", at.describe()),
                "`chipexport audit verify` counts the entries",
            )
            .with_field("id")
        })?;
        let q: Question = serde_json::from_str(&e.request).map_err(|err| {
            Error::input(
                format!("decision {id}: its question cannot be read: {err}"),
                "the entry may come from a newer chipexport",
            )
        })?;
        let then: serde_json::Value = serde_json::from_str(&e.response).map_err(|err| {
            Error::input(
                format!("decision {id}: its answer cannot be read: {err}"),
                "the entry may come from a newer chipexport",
            )
        })?;
        let decision = self.rules().decide(&q);
        // Entries hold the compact outcome record; entries from older
        // services hold the full answer. A field is the same if it equals
        // either form of today's answer.
        let record = decision.outcome_record();
        let now = serde_json::to_value(&decision)
            .map_err(|err| Error::bug(format!("cannot serialise a decision: {err}")))?;
        let differences: Vec<Difference> = COMPARED
            .iter()
            .filter(|k| then.get(**k) != now.get(**k) && then.get(**k) != record.get(**k))
            .map(|k| Difference {
                field: (*k).to_string(),
                then: then.get(*k).cloned().unwrap_or_default(),
                now: now.get(*k).cloned().unwrap_or_default(),
            })
            .collect();
        Ok(ReplayReport {
            id,
            recorded_at: e.recorded_at,
            rule_set_then: e.rule_set_hash,
            rule_set_now: self.rules().hash().to_string(),
            same: differences.is_empty(),
            differences,
        })
    }
}

/// Appends `count` synthetic entries, calling `each` with every id once it
/// is durable (for crash tests).
pub fn stress(dir: &Path, count: u64, each: &mut dyn FnMut(i64)) -> Result<()> {
    let mut log = LogLocation::dir(dir).open()?;
    for i in 0..count {
        let e = log.append(
            &now_rfc3339(),
            "stress",
            &format!("{{\"n\":{i}}}"),
            "{}",
            "stress",
        )?;
        each(e.id);
    }
    Ok(())
}
