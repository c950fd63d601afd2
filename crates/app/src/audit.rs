//! The decision log: what is recorded for a decision, and the auditor's
//! use cases (verify the hash chain, replay an entry).

use std::path::{Path, PathBuf};

use chipexport_store::{DecisionLog, LicenceBook, NewLogEntry};
use serde::Serialize;

use chipexport_rules::{OutcomeRecord, Question};

use crate::App;
use crate::check::Checked;
use crate::clock::now_rfc3339;
use crate::error::{Error, Result};
use crate::ledger::{ScreenReport, ScreenRequest};
use crate::logged::{Annotation, LOGGED_VERSION, LoggedPack, LoggedRequest, LoggedScreen, PackRef};

/// Where the decision log and the licence book live: a data directory
/// (SQLite, `DIR/decisions.sqlite`), or a PostgreSQL URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLocation {
    /// The data directory.
    pub data: PathBuf,
    /// A PostgreSQL URL, used instead of the data directory when given.
    pub database_url: Option<String>,
}

/// An error opening a PostgreSQL location, with what to do about it: check
/// the URL and the server, or build with PostgreSQL.
fn database_error(e: chipexport_store::StoreError) -> Error {
    let help = if cfg!(feature = "postgres") {
        "check the URL (postgresql://USER@HOST:PORT/DATABASE) and that the server is up"
    } else {
        "this chipexport was built without PostgreSQL: cargo build --release -p chipexport-cli --features postgres"
    };
    let e = Error::from(e);
    Error::environment(e.message().to_string(), help)
        .with_field("database_url")
        .with_source(e)
}

impl LogLocation {
    /// The log in a data directory.
    pub fn dir(data: impl Into<PathBuf>) -> LogLocation {
        LogLocation {
            data: data.into(),
            database_url: None,
        }
    }

    /// The same place, with a PostgreSQL URL when one is given.
    #[must_use]
    pub fn with_database_url(mut self, url: Option<String>) -> LogLocation {
        self.database_url = url;
        self
    }

    /// Opens (creating as needed) the log.
    pub fn open(&self) -> Result<DecisionLog> {
        match &self.database_url {
            None => Ok(DecisionLog::open(&self.data)?),
            Some(u) => DecisionLog::open_location(u).map_err(database_error),
        }
    }

    /// Opens (creating as needed) the licence book, beside the log.
    pub fn licence_book(&self) -> Result<LicenceBook> {
        match &self.database_url {
            None => Ok(LicenceBook::open(&self.data)?),
            Some(u) => LicenceBook::open_location(u).map_err(database_error),
        }
    }

    /// Where the log is, for messages.
    pub fn describe(&self) -> String {
        match &self.database_url {
            Some(_) => "the PostgreSQL decision log".to_string(),
            None => self.data.display().to_string(),
        }
    }

    /// Where the licence book is, for messages: the data directory, or the
    /// PostgreSQL database.
    pub fn describe_licences(&self) -> String {
        match &self.database_url {
            Some(_) => "the PostgreSQL licence book".to_string(),
            None => self.data.display().to_string(),
        }
    }
}

/// The log entry for a `check` decision: the typed, versioned request
/// ([`LoggedRequest`]: the question with the item facts used, the extra
/// rule packs with their text, the optional notes) and the outcome record.
/// `check --log` and the service both record through this.
pub fn check_entry(app: &App, c: &Checked, annotation: &Annotation) -> Result<NewLogEntry> {
    check_entry_of(
        app,
        c.resolved.question.clone(),
        c.decision.outcome_record().to_json(),
        c.decision.rule_set.hash.clone(),
        annotation,
    )
}

/// [`check_entry`] from its parts: the engine's question (`c.resolved.question`),
/// the outcome record's JSON and the rule set's hash. The service keeps
/// the last two with an answer, which are the same on every date it
/// answers for.
pub fn check_entry_of(
    app: &App,
    question: Question,
    response: String,
    rule_set_hash: String,
    annotation: &Annotation,
) -> Result<NewLogEntry> {
    let logged = LoggedRequest {
        version: LOGGED_VERSION,
        question,
        extra_packs: app.extra_packs().iter().map(LoggedPack::of).collect(),
        annotation: annotation.clone(),
    };
    Ok(NewLogEntry {
        recorded_at: now_rfc3339(),
        kind: "check".into(),
        request: to_json(&logged)?,
        response,
        rule_set_hash,
    })
}

/// The log entry for a screening run: the ledger's name and SHA-256, the
/// screened file's SHA-256, the options, and the summary. `name` is the
/// ledger's name as the user knows it (the service stores uploads under
/// another name).
pub fn screen_entry(
    app: &App,
    req: &ScreenRequest,
    name: &str,
    report: &ScreenReport,
) -> Result<NewLogEntry> {
    let hash = |p: &Path| {
        chipexport_store::sha256_file(p).map_err(|e| {
            Error::environment(
                format!("cannot read `{}` to record it: {e}", p.display()),
                "check that the file is still there and readable",
            )
            .with_source(e)
        })
    };
    let logged = LoggedScreen {
        version: LOGGED_VERSION,
        input: name.to_string(),
        input_sha256: hash(&req.ledger)?,
        output_sha256: hash(&report.out)?,
        on: req.on.map(|d| d.to_string()),
        mode: req.mode,
        with_packs: req.with_packs.clone(),
        extra_packs: app
            .extra_packs()
            .iter()
            .map(|p| PackRef::from(&LoggedPack::of(p)))
            .collect(),
    };
    Ok(NewLogEntry {
        recorded_at: now_rfc3339(),
        kind: "screen".into(),
        request: to_json(&logged)?,
        response: to_json(&report.summary)?,
        rule_set_hash: report.summary.rule_set_hash.clone(),
    })
}

/// A record as JSON, for a log entry.
fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::bug(format!("cannot record an entry: {e}")))
}

/// Appends entries to the log at `at`; returns the first one's id.
pub fn record(at: &LogLocation, entries: Vec<NewLogEntry>) -> Result<i64> {
    let mut log = at.open()?;
    Ok(log.append_all(entries)?.first().map_or(0, |e| e.id))
}

/// Records a `check` decision in the log in data directory `dir`; returns
/// the entry's id.
pub fn record_check(dir: &Path, app: &App, c: &Checked, annotation: &Annotation) -> Result<i64> {
    record(
        &LogLocation::dir(dir),
        vec![check_entry(app, c, annotation)?],
    )
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
    /// The question, in short.
    pub question: QuestionBrief,
    /// The extra rule-pack files it was decided with, and is replayed with.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_packs: Vec<PackRef>,
    /// The rule set it was decided with (its hash).
    pub rule_set_then: String,
    /// The rule set it is replayed with (its hash).
    pub rule_set_now: String,
    /// True when nothing differs.
    pub same: bool,
    /// The fields that differ.
    pub differences: Vec<Difference>,
    /// Set when the log's hash chain is broken and the replay was asked
    /// for anyway (`allow_broken`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// The question of a logged decision, in short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuestionBrief {
    /// The catalog id, else the spec's model name.
    pub chip: String,
    /// The destination.
    pub destination: String,
    /// The end user's headquarters.
    pub end_user_hq: String,
    /// The date of the question.
    pub on: String,
}

impl QuestionBrief {
    /// The short form of a question.
    pub fn of(q: &chipexport_rules::Question) -> QuestionBrief {
        QuestionBrief {
            chip: q
                .item
                .chip
                .clone()
                .or_else(|| q.item.model.clone())
                .unwrap_or_else(|| "(spec)".to_string()),
            destination: q.destination.to_string(),
            end_user_hq: q.end_user_hq.to_string(),
            on: q.on.to_string(),
        }
    }
}

/// `None` when the chain holds; a warning when it is broken and
/// `allow_broken`; else the refusal.
fn chain_warning(log: &mut DecisionLog, allow_broken: bool) -> Result<Option<String>> {
    let Err(b) = log.verify()? else {
        return Ok(None);
    };
    let what = format!("the decision log is broken at entry {}: {}", b.id, b.reason);
    if allow_broken {
        Ok(Some(format!(
            "{what}; this replay rests on a log edited outside chipexport"
        )))
    } else {
        Err(Error::input(
            format!("{what}; replay refuses to rest on it"),
            "keep this copy as evidence and restore from a backup; `--allow-broken` (API: `?allow_broken=true`) replays anyway, with a warning",
        )
        .with_field("allow_broken"))
    }
}

/// Why entry `e` cannot be replayed, when it is not a `check`.
fn not_replayable(e: &chipexport_store::LogEntry) -> Error {
    if e.kind == "screen" {
        let what = LoggedScreen::parse(e.id, &e.request).map_or_else(
            |_| "a ledger".to_string(),
            |s| format!("`{}` (sha256 {})", s.input, s.input_sha256),
        );
        return Error::input(
            format!(
                "decision {} is a screening of {what}; it cannot be replayed: the ledger file is not kept in the log",
                e.id
            ),
            format!(
                "screen the same file again and compare its sha256 with the one recorded (`chipexport audit show {}`)",
                e.id
            ),
        )
        .with_field("id");
    }
    Error::input(
        format!(
            "decision {} is of kind `{}`; only `check` decisions can be replayed",
            e.id, e.kind
        ),
        "`chipexport audit list --kind check` lists them",
    )
    .with_field("id")
}

impl App {
    /// Re-decides logged entry `id` with this rule set plus the extra rule
    /// packs the entry recorded (each checked against its SHA-256), and
    /// lists what changed. A broken hash chain is refused unless
    /// `allow_broken`, when the report carries a warning.
    pub fn replay(&self, at: &LogLocation, id: i64, allow_broken: bool) -> Result<ReplayReport> {
        let mut log = at.open()?;
        let warning = chain_warning(&mut log, allow_broken)?;
        let e = log.get(id)?.ok_or_else(|| {
            Error::input(
                format!("no decision {id} in {}", at.describe()),
                "`chipexport audit list` lists the entries",
            )
            .with_field("id")
        })?;
        if e.kind != "check" {
            return Err(not_replayable(&e));
        }
        let logged = LoggedRequest::parse(id, &e.request)?;
        let then = OutcomeRecord::from_json(&e.response).map_err(|err| {
            Error::input(
                format!("decision {id}: its answer cannot be read: {err}"),
                "the entry may come from a newer chipexport",
            )
        })?;
        let packs = logged.packs(id)?;
        let rebuilt = if packs.is_empty() {
            None
        } else {
            Some(App::with_extra(packs)?)
        };
        let app = rebuilt.as_ref().unwrap_or(self);
        let decision = app.rules().decide(&logged.question);
        // Entries from older services hold the whole answer; they read as
        // version 1 records.
        let differences: Vec<Difference> = then
            .differences(&decision.outcome_record())
            .into_iter()
            .map(|d| Difference {
                field: d.field.to_string(),
                then: d.then,
                now: d.now,
            })
            .collect();
        Ok(ReplayReport {
            id,
            recorded_at: e.recorded_at,
            question: QuestionBrief::of(&logged.question),
            extra_packs: logged.extra_packs.iter().map(PackRef::from).collect(),
            rule_set_then: e.rule_set_hash,
            rule_set_now: app.rules().hash().to_string(),
            same: differences.is_empty(),
            differences,
            warning,
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
