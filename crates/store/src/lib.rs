//! The decision log: every recorded decision with its question, its answer,
//! the rule set's hash, the time, and the hash of the entry before it.
//!
//! * Append-only: triggers refuse UPDATE and DELETE; appends run in an
//!   immediate transaction.
//! * Tamper-evident: each entry's hash covers its content and the previous
//!   hash, so [`DecisionLog::verify`] finds any edited, reordered or deleted
//!   entry and names the first one.
//! * Durable: WAL journal with `synchronous = FULL`, so an entry whose
//!   append returned survives a crash (kill -9) of the process.
//! * Compact: what repeats is stored once, content-addressed.
//!   - `responses` holds each distinct response body once, under its
//!     SHA-256 (unique) and an integer id; a row of `decisions` refers to
//!     it by `response_id` and leaves its own `response` column empty.
//!   - `request_parts` holds each distinct shared part of a request once,
//!     the same way: the request's longest JSON object without a nested
//!     one, at least 64 bytes (for a `check`, the item's facts, ~400 of
//!     the request's ~450 bytes). The row keeps the rest of the request in
//!     `request`, the part's id in `request_part_id` and the byte offset
//!     where it goes back in `request_part_at`.
//!
//!   The service's answers repeat (a 3-second mixed load: 185 distinct
//!   responses in 15,049 decisions, 12 distinct item parts), so a decision
//!   takes about 410-440 bytes of the database instead of 1.5-4.1 KB. Both
//!   tables are append-only like `decisions` (the same triggers), and a
//!   body in use is a foreign key. Every read puts the bodies back, and an
//!   entry's hash still covers its full request and response text:
//!   [`LogEntry`], the chain and [`DecisionLog::verify`] are as before. An
//!   edited or deleted body breaks the chain at the first entry that uses
//!   it, and `verify` says which body. An open log remembers up to 4,096
//!   bodies of each table with their ids, so that a repeated body is
//!   neither hashed again nor looked up.
//!
//! Schema versions ([`SCHEMA_VERSION`]): 1 kept each request and response
//! inline in `decisions`; 2 adds `responses`, `request_parts` and the
//! columns of `decisions` that refer to them. A version 1 log is migrated
//! on open, under the write lock (the tables and columns are added, no row
//! is rewritten): its rows keep their inline text (the new columns are
//! NULL) and verify as before; new rows refer to the new tables. A log of
//! a newer version than this code knows is refused
//! ([`StoreError::TooNew`]).
//!
//! The log lives in SQLite in a data directory by default
//! ([`DecisionLog::open`]); with the `postgres` feature it can live in a
//! PostgreSQL database instead (`DecisionLog::connect`), with the same
//! chain, the same triggers and the same checks. The licence book
//! ([`licences`]) is kept the same way, in the same database.

#![warn(missing_docs)]

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

mod chain;
mod compact;
pub mod fleet;
pub mod jobs;
pub mod licences;
mod query;
mod schema;
use chain::{Checker, EDITED, chain};
pub use jobs::{JobRecord, JobStatus, JobStore};
pub use licences::{LicenceBook, LicenceEvent, NewLicenceEvent, verify_events};
pub use query::{EntryFilter, sha256_file, sha256_hex};
use schema::{HEAD, SELECT, SELECT_V1, SQLITE_V1, SQLITE_V2};
#[cfg(feature = "postgres")]
use schema::{POSTGRES_V1, POSTGRES_V2};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The schema version this code writes; older logs are migrated on open.
/// Version 2 stores each distinct response once, in `responses`.
pub const SCHEMA_VERSION: i64 = 2;

/// How many bodies (responses, request parts) an open log remembers with
/// their ids, per table, so that appending a body seen before neither
/// hashes it again nor looks it up. When full, it is emptied.
const KNOWN_BODIES: usize = 4096;

/// How long an append waits for another process that holds the log (a
/// SQLite write lock, or PostgreSQL's table lock) before it gives up with
/// [`StoreError::Busy`]. Change it with [`DecisionLog::set_busy_timeout`].
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

mod error;
use error::sqlite_error;
pub use error::{Cause, StoreError};
#[cfg(feature = "postgres")]
use error::{postgres_error, postgres_lock_error};

/// One recorded decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Its position in the log, from 1, without gaps.
    pub id: i64,
    /// When it was recorded, as the caller gave it (RFC 3339 by convention).
    pub recorded_at: String,
    /// What was decided, such as `check`.
    pub kind: String,
    /// The question, as JSON.
    pub request: String,
    /// The answer, as JSON.
    pub response: String,
    /// The SHA-256 of the rule set that answered, in hex.
    pub rule_set_hash: String,
    /// The hash of the entry before it ([`GENESIS`] for the first).
    pub prev_hash: String,
    /// The SHA-256, in hex, of its content and `prev_hash`.
    pub hash: String,
}

/// An entry to append; the log gives it its id and hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLogEntry {
    /// When it was recorded (RFC 3339 by convention).
    pub recorded_at: String,
    /// What was decided, such as `check`.
    pub kind: String,
    /// The question, as JSON.
    pub request: String,
    /// The answer, as JSON.
    pub response: String,
    /// The SHA-256 of the rule set that answered, in hex.
    pub rule_set_hash: String,
}

/// The first entry whose chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The entry's id (for a missing entry, the id expected there).
    pub id: i64,
    /// What does not hold, in words.
    pub reason: String,
}

/// Where a store's rows are: the data directory's SQLite database, or
/// PostgreSQL.
pub(crate) enum Backend {
    Sqlite(Connection),
    #[cfg(feature = "postgres")]
    Postgres(Box<postgres::Client>),
}

impl Backend {
    /// `sqlite` or `postgres`, for `Debug`.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite(_) => "sqlite",
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Sets how long a write waits for another writer: SQLite's busy
    /// timeout, PostgreSQL's `lock_timeout`. `path` names the store in
    /// errors.
    pub(crate) fn set_busy_timeout(
        &mut self,
        path: &Path,
        timeout: Duration,
    ) -> Result<(), StoreError> {
        match self {
            Backend::Sqlite(conn) => conn
                .busy_timeout(timeout)
                .map_err(|e| sqlite_error(path, timeout, e)),
            #[cfg(feature = "postgres")]
            Backend::Postgres(client) => client
                .batch_execute(&format!("SET lock_timeout = {}", timeout.as_millis()))
                .map_err(|e| postgres_error(path, e)),
        }
    }
}

/// A row of `decisions` from either backend: `id` then the seven text
/// columns, in the order of [`SELECT`]. Reading a column fails, rather than
/// panics, on a value of another type.
trait LogRow {
    fn int(&self, i: usize) -> Result<i64, Cause>;
    /// An integer that may be NULL.
    fn opt_int(&self, i: usize) -> Result<Option<i64>, Cause>;
    fn text(&self, i: usize) -> Result<String, Cause>;
}

impl LogRow for rusqlite::Row<'_> {
    fn int(&self, i: usize) -> Result<i64, Cause> {
        self.get(i).map_err(Cause::from)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, Cause> {
        self.get(i).map_err(Cause::from)
    }
    fn text(&self, i: usize) -> Result<String, Cause> {
        self.get(i).map_err(Cause::from)
    }
}

#[cfg(feature = "postgres")]
impl LogRow for postgres::Row {
    fn int(&self, i: usize) -> Result<i64, Cause> {
        self.try_get(i).map_err(Cause::from)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, Cause> {
        self.try_get(i).map_err(Cause::from)
    }
    fn text(&self, i: usize) -> Result<String, Cause> {
        self.try_get(i).map_err(Cause::from)
    }
}

/// The request of a row of [`SELECT`]: column 3, with its shared part put
/// back when it has one. `Err` when the part or its offset is missing, of
/// the wrong type, or out of range: the row or the part was edited.
fn request_of(r: &impl LogRow) -> Result<String, Cause> {
    let stored = r.text(3)?;
    if r.opt_int(12)?.is_none() {
        // No shared part: the request is as stored.
        return Ok(stored);
    }
    let (at, part) = (r.int(10)?, r.text(11)?);
    compact::join(&stored, &part, at)
        .ok_or_else(|| format!("request part offset {at} is outside its request").into())
}

/// An entry from a row; a value of the wrong type means the log was edited
/// outside chipexport.
fn read_entry(r: &impl LogRow, path: &Path) -> Result<LogEntry, StoreError> {
    let corrupt = |source: Cause| StoreError::Corrupt {
        path: path.display().to_string(),
        source,
    };
    let text = |i: usize| r.text(i).map_err(corrupt);
    Ok(LogEntry {
        id: r.int(0).map_err(corrupt)?,
        recorded_at: text(1)?,
        kind: text(2)?,
        request: request_of(r).map_err(corrupt)?,
        response: text(4)?,
        rule_set_hash: text(5)?,
        prev_hash: text(6)?,
        hash: text(7)?,
    })
}

/// The `(id, hash)` of a row of `SELECT id, hash`: the last entry.
fn read_head(r: &impl LogRow, path: &Path) -> Result<(i64, String), StoreError> {
    let corrupt = |source: Cause| StoreError::Corrupt {
        path: path.display().to_string(),
        source,
    };
    Ok((r.int(0).map_err(corrupt)?, r.text(1).map_err(corrupt)?))
}

/// The id and text columns of a row for [`Checker::next`]. A text column of
/// another type reads as a value no hash matches: a tampered type is itself
/// a break.
fn read_chained(r: &impl LogRow, path: &Path) -> Result<(i64, [String; 7]), StoreError> {
    let id = r.int(0).map_err(|source| StoreError::Corrupt {
        path: path.display().to_string(),
        source,
    })?;
    let text = |i: usize| r.text(i).unwrap_or_else(|_| "\u{0}not text".to_string());
    Ok((
        id,
        [
            text(1),
            text(2),
            request_of(r).unwrap_or_else(|_| "\u{0}not text".to_string()),
            text(4),
            text(5),
            text(6),
            text(7),
        ],
    ))
}

/// A table of bodies stored once, keyed by SHA-256: `responses` or
/// `request_parts`.
#[derive(Clone, Copy)]
struct Bodies {
    find: &'static str,
    insert: &'static str,
    #[cfg(feature = "postgres")]
    pg_insert: &'static str,
    #[cfg(feature = "postgres")]
    pg_find: &'static str,
}

const RESPONSES: Bodies = Bodies {
    find: "SELECT id FROM responses WHERE sha256 = ?1",
    insert: "INSERT INTO responses (sha256, body) VALUES (?1, ?2)",
    #[cfg(feature = "postgres")]
    pg_insert: "INSERT INTO responses (sha256, body) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING RETURNING id",
    #[cfg(feature = "postgres")]
    pg_find: "SELECT id FROM responses WHERE sha256 = $1",
};

const REQUEST_PARTS: Bodies = Bodies {
    find: "SELECT id FROM request_parts WHERE sha256 = ?1",
    insert: "INSERT INTO request_parts (sha256, body) VALUES (?1, ?2)",
    #[cfg(feature = "postgres")]
    pg_insert: "INSERT INTO request_parts (sha256, body) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING RETURNING id",
    #[cfg(feature = "postgres")]
    pg_find: "SELECT id FROM request_parts WHERE sha256 = $1",
};

/// Bodies known to be stored (committed) in one table, with their ids: at
/// most [`KNOWN_BODIES`], so that appending a body seen before neither
/// hashes it again nor looks it up.
#[derive(Default)]
struct Known(HashMap<String, i64>);

impl Known {
    /// Remembers bodies that a committed transaction found or stored.
    fn remember(&mut self, fresh: HashMap<String, i64>) {
        for (body, id) in fresh {
            if self.0.len() >= KNOWN_BODIES {
                self.0.clear();
            }
            self.0.insert(body, id);
        }
    }
}

/// The id of `body` in `table`: known, or first seen by this transaction
/// (`fresh`), or else looked up (`lookup`, which stores it if it is not
/// there yet) and added to `fresh`.
fn body_id<E>(
    known: &Known,
    fresh: &mut HashMap<String, i64>,
    body: &str,
    lookup: impl FnOnce(&str, &str) -> Result<i64, E>,
) -> Result<i64, E> {
    if let Some(&id) = known.0.get(body).or(fresh.get(body)) {
        return Ok(id);
    }
    let id = lookup(&sha256_hex(body.as_bytes()), body)?;
    fresh.insert(body.to_string(), id);
    Ok(id)
}

/// The id in `table` of `body` (whose SHA-256 is `sha`), stored now if it
/// is not there yet.
fn sqlite_body_id(
    tx: &rusqlite::Transaction<'_>,
    table: Bodies,
    sha: &str,
    body: &str,
) -> rusqlite::Result<i64> {
    let found = tx
        .prepare_cached(table.find)?
        .query_row([sha], |r| r.get(0))
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    tx.prepare_cached(table.insert)?
        .execute(params![sha, body])?;
    Ok(tx.last_insert_rowid())
}

/// The id in `table` of `body` (whose SHA-256 is `sha`), stored now if it
/// is not there yet.
#[cfg(feature = "postgres")]
fn postgres_body_id(
    tx: &mut postgres::Transaction<'_>,
    table: Bodies,
    sha: &str,
    body: &str,
) -> Result<i64, postgres::Error> {
    match tx.query_opt(table.pg_insert, &[&sha, &body])? {
        Some(r) => r.try_get(0),
        None => tx.query_one(table.pg_find, &[&sha])?.try_get(0),
    }
}

/// A byte offset as stored (a request is far shorter than `i64::MAX`).
fn offset(at: usize) -> i64 {
    i64::try_from(at).unwrap_or(i64::MAX)
}

/// A break found by [`Checker::next`], said more precisely when the entry's
/// content does not match because a body it refers to (its response in
/// `responses`, its request's part in `request_parts`, each shared by
/// every entry that has it) was deleted or edited: the body no longer
/// matches its SHA-256. `r` is the row of [`SELECT`], `row` as
/// [`read_chained`] read it.
fn stored_body_damage(mut b: Broken, r: &impl LogRow, row: &[String; 7]) -> Broken {
    if b.reason != EDITED {
        return b;
    }
    // (what, id column, stored SHA-256 column, the body as read); the id
    // is NULL for a row without one (schema 1, or a request without part).
    let part = r.text(11).unwrap_or_default();
    for (what, id, sha, body) in [
        ("response", 8, 9, row[3].as_str()),
        ("request part", 12, 13, part.as_str()),
    ] {
        let Ok(Some(id)) = r.opt_int(id) else {
            continue;
        };
        match r.text(sha) {
            Err(_) => {
                b.reason = format!("its {what} (stored once, as {what} {id}) is missing");
                return b;
            }
            Ok(sha) if sha256_hex(body.as_bytes()) != sha => {
                b.reason = format!(
                    "its {what} (stored once, as {what} {id}, for every entry that has it) was edited: it does not match its SHA-256"
                );
                return b;
            }
            Ok(_) => {}
        }
    }
    b
}

/// The log in a data directory (`DIR/decisions.sqlite`) or, with the
/// `postgres` feature, in a PostgreSQL database.
pub struct DecisionLog {
    backend: Backend,
    /// Where the log is: the SQLite file, or the database URL without its
    /// password.
    pub path: PathBuf,
    busy_timeout: Duration,
    /// Responses known to be in `responses`.
    known_responses: Known,
    /// Request parts known to be in `request_parts`.
    known_parts: Known,
    /// A schema 1 log opened read-only: not migrated (it cannot be), read
    /// with [`SELECT_V1`], and it takes no entry.
    legacy: bool,
}

impl fmt::Debug for DecisionLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecisionLog")
            .field("backend", &self.backend.name())
            .field("path", &self.path)
            .field("busy_timeout", &self.busy_timeout)
            .finish()
    }
}

/// A URL with its password, if any, replaced by `***`.
fn redact(url: &str) -> String {
    match url.split_once('@') {
        Some((creds, rest)) => match creds.rsplit_once(':') {
            Some((user, _)) if user.contains("//") && user.matches(':').count() == 1 => {
                format!("{user}:***@{rest}")
            }
            _ => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Opens (creating it and its directory as needed) the data directory's
/// database, `DIR/decisions.sqlite`, which holds the decision log, the
/// licence book, the jobs and the fleet: WAL journal, `synchronous = FULL`
/// (an acknowledged write survives a crash), and a busy timeout of
/// [`DEFAULT_BUSY_TIMEOUT`]. Each store then creates its own tables.
pub(crate) fn open_database(dir: &Path) -> Result<(Connection, PathBuf), StoreError> {
    std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
        path: dir.display().to_string(),
        source,
    })?;
    let path = dir.join("decisions.sqlite");
    let err = |e| sqlite_error(&path, DEFAULT_BUSY_TIMEOUT, e);
    let conn = Connection::open(&path).map_err(err)?;
    conn.busy_timeout(DEFAULT_BUSY_TIMEOUT).map_err(err)?;
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
        .map_err(err)?;
    Ok((conn, path))
}

/// Connects to a PostgreSQL database for the decision log or the licence
/// book: parses the URL (an error of input, shown without its password),
/// connects, and sets `lock_timeout` to [`DEFAULT_BUSY_TIMEOUT`]. Returns
/// the client and the URL without its password. Each store then creates
/// its own tables.
#[cfg(feature = "postgres")]
pub(crate) fn connect_postgres(url: &str) -> Result<(postgres::Client, PathBuf), StoreError> {
    let shown = PathBuf::from(redact(url));
    let config: postgres::Config = url.parse().map_err(|e: postgres::Error| StoreError::Url {
        url: redact(url),
        source: e.into(),
    })?;
    let err = |e| postgres_error(&shown, e);
    let mut client = config.connect(postgres::NoTls).map_err(err)?;
    client
        .batch_execute(&format!(
            "SET lock_timeout = {}",
            DEFAULT_BUSY_TIMEOUT.as_millis()
        ))
        .map_err(err)?;
    Ok((client, shown))
}

/// True when a location is a PostgreSQL URL rather than a data directory.
fn is_postgres_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

impl DecisionLog {
    /// Opens (creating and migrating as needed) the log in `dir`, with a
    /// busy timeout of [`DEFAULT_BUSY_TIMEOUT`].
    ///
    /// A schema 1 log that this user may only read is read as it is, not
    /// migrated: it lists, shows and verifies, and takes no entry.
    pub fn open(dir: &Path) -> Result<DecisionLog, StoreError> {
        let (conn, path) = open_database(dir)?;
        DecisionLog::of_sqlite(conn, path)
    }

    /// The log in the SQLite database `conn` (at `path`), created or
    /// migrated as needed.
    fn of_sqlite(mut conn: Connection, path: PathBuf) -> Result<DecisionLog, StoreError> {
        let waited = DEFAULT_BUSY_TIMEOUT;
        let err = |e| sqlite_error(&path, waited, e);
        let too_new = |found| StoreError::TooNew {
            path: path.display().to_string(),
            found,
        };
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
        if version > SCHEMA_VERSION {
            return Err(too_new(version));
        }
        let legacy = version == 1 && conn.is_readonly(rusqlite::MAIN_DB).map_err(err)?;
        if version < SCHEMA_VERSION && !legacy {
            // Under the write lock, so that two processes opening the same
            // old log migrate it once.
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(err)?;
            let version: i64 = tx
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(err)?;
            if version > SCHEMA_VERSION {
                return Err(too_new(version));
            }
            if version < 1 {
                tx.execute_batch(SQLITE_V1).map_err(err)?;
            }
            if version < 2 {
                tx.execute_batch(SQLITE_V2).map_err(err)?;
            }
            tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))
                .map_err(err)?;
            tx.commit().map_err(err)?;
        }
        Ok(DecisionLog {
            backend: Backend::Sqlite(conn),
            path,
            busy_timeout: waited,
            known_responses: Known::default(),
            known_parts: Known::default(),
            legacy,
        })
    }

    /// Opens the log at a location: a `postgres://` or `postgresql://` URL
    /// (needs the `postgres` feature), or else a data directory.
    pub fn open_location(location: &str) -> Result<DecisionLog, StoreError> {
        if is_postgres_url(location) {
            #[cfg(feature = "postgres")]
            return DecisionLog::connect(location);
            #[cfg(not(feature = "postgres"))]
            return Err(StoreError::Unsupported {
                url: redact(location),
            });
        }
        DecisionLog::open(Path::new(location))
    }

    /// Connects to the log in a PostgreSQL database, creating and migrating
    /// its table as needed. An append waits at most [`DEFAULT_BUSY_TIMEOUT`]
    /// for another appender's lock (PostgreSQL's `lock_timeout`).
    #[cfg(feature = "postgres")]
    pub fn connect(url: &str) -> Result<DecisionLog, StoreError> {
        let (mut client, shown) = connect_postgres(url)?;
        let err = |e| postgres_error(&shown, e);
        let waited = DEFAULT_BUSY_TIMEOUT;
        client
            .batch_execute(
                "CREATE TABLE IF NOT EXISTS chipexport_schema (version BIGINT NOT NULL);",
            )
            .map_err(err)?;
        let version: Option<i64> = match client
            .query_opt("SELECT max(version) FROM chipexport_schema", &[])
            .map_err(err)?
        {
            Some(r) => r.try_get(0).map_err(|source| StoreError::Corrupt {
                path: shown.display().to_string(),
                source: source.into(),
            })?,
            None => None,
        };
        let version = version.unwrap_or(0);
        let too_new = |found| StoreError::TooNew {
            path: shown.display().to_string(),
            found,
        };
        if version > SCHEMA_VERSION {
            return Err(too_new(version));
        }
        if version < SCHEMA_VERSION {
            // Under a lock, so that two processes migrate the log once.
            let mut tx = client.transaction().map_err(err)?;
            tx.batch_execute("LOCK TABLE chipexport_schema IN EXCLUSIVE MODE")
                .map_err(|e| postgres_lock_error(&shown, waited, e))?;
            let version: i64 = tx
                .query_one(
                    "SELECT coalesce(max(version), 0) FROM chipexport_schema",
                    &[],
                )
                .map_err(err)?
                .try_get(0)
                .map_err(|source| StoreError::Corrupt {
                    path: shown.display().to_string(),
                    source: source.into(),
                })?;
            if version > SCHEMA_VERSION {
                return Err(too_new(version));
            }
            if version < 1 {
                tx.batch_execute(POSTGRES_V1).map_err(err)?;
            }
            if version < 2 {
                tx.batch_execute(POSTGRES_V2).map_err(err)?;
            }
            tx.execute(
                "INSERT INTO chipexport_schema (version) VALUES ($1)",
                &[&SCHEMA_VERSION],
            )
            .map_err(err)?;
            tx.commit().map_err(err)?;
        }
        Ok(DecisionLog {
            backend: Backend::Postgres(Box::new(client)),
            path: shown,
            busy_timeout: waited,
            known_responses: Known::default(),
            known_parts: Known::default(),
            legacy: false,
        })
    }

    /// How long an append waits for another process that holds the log
    /// before it fails with [`StoreError::Busy`]; [`DEFAULT_BUSY_TIMEOUT`]
    /// unless changed.
    pub fn busy_timeout(&self) -> Duration {
        self.busy_timeout
    }

    /// Sets how long an append waits for another process that holds the
    /// log (SQLite's busy timeout; PostgreSQL's `lock_timeout`).
    pub fn set_busy_timeout(&mut self, timeout: Duration) -> Result<(), StoreError> {
        self.backend.set_busy_timeout(&self.path, timeout)?;
        self.busy_timeout = timeout;
        Ok(())
    }

    /// Appends an entry; returns it once it is durable.
    pub fn append(
        &mut self,
        recorded_at: &str,
        kind: &str,
        request: &str,
        response: &str,
        rule_set_hash: &str,
    ) -> Result<LogEntry, StoreError> {
        let new = NewLogEntry {
            recorded_at: recorded_at.into(),
            kind: kind.into(),
            request: request.into(),
            response: response.into(),
            rule_set_hash: rule_set_hash.into(),
        };
        let mut out = self.append_all(vec![new])?;
        out.pop().ok_or_else(|| StoreError::Unexpected {
            path: self.path.display().to_string(),
            source: "an append of one entry returned none".into(),
        })
    }

    /// Appends entries in order in one transaction (group commit: one
    /// durable write for all); returns them once they are durable. Each
    /// response, and each request's shared part, is stored once: an entry
    /// whose response or part is already stored refers to it.
    pub fn append_all(&mut self, entries: Vec<NewLogEntry>) -> Result<Vec<LogEntry>, StoreError> {
        if self.legacy {
            return Err(StoreError::Denied {
                path: self.path.display().to_string(),
                source: "a schema 1 log opened read-only takes no entry; \
                         open it where it can be written, to migrate it"
                    .into(),
            });
        }
        let (path, waited) = (&self.path, self.busy_timeout);
        let (known_responses, known_parts) = (&mut self.known_responses, &mut self.known_parts);
        // Bodies first looked up or stored by this transaction: known once
        // it commits.
        let (mut fresh_responses, mut fresh_parts) = (HashMap::new(), HashMap::new());
        let out = match &mut self.backend {
            Backend::Sqlite(conn) => {
                let err = |e| sqlite_error(path, waited, e);
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(err)?;
                let last = {
                    let mut stmt = tx.prepare_cached(HEAD).map_err(err)?;
                    let mut rows = stmt.query([]).map_err(err)?;
                    match rows.next().map_err(err)? {
                        Some(r) => Some(read_head(r, path)?),
                        None => None,
                    }
                };
                let out = chain(last, entries);
                {
                    let mut ins = tx.prepare_cached(
                        "INSERT INTO decisions (id, recorded_at, kind, request, response, rule_set_hash, prev_hash, hash, response_id, request_part_id, request_part_at) VALUES (?1, ?2, ?3, ?4, '', ?5, ?6, ?7, ?8, ?9, ?10)",
                    ).map_err(err)?;
                    for e in &out {
                        let response_id = body_id(
                            known_responses,
                            &mut fresh_responses,
                            &e.response,
                            |sha, b| sqlite_body_id(&tx, RESPONSES, sha, b),
                        )
                        .map_err(err)?;
                        let (request, part_id, part_at) = match compact::split(&e.request) {
                            Some((rest, part, at)) => {
                                let id = body_id(known_parts, &mut fresh_parts, part, |sha, b| {
                                    sqlite_body_id(&tx, REQUEST_PARTS, sha, b)
                                })
                                .map_err(err)?;
                                (std::borrow::Cow::Owned(rest), Some(id), Some(offset(at)))
                            }
                            None => (std::borrow::Cow::Borrowed(e.request.as_str()), None, None),
                        };
                        ins.execute(params![
                            e.id,
                            e.recorded_at,
                            e.kind,
                            request,
                            e.rule_set_hash,
                            e.prev_hash,
                            e.hash,
                            response_id,
                            part_id,
                            part_at
                        ])
                        .map_err(err)?;
                    }
                }
                tx.commit().map_err(err)?;
                out
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(client) => {
                let err = |e| postgres_error(path, e);
                let mut tx = client.transaction().map_err(err)?;
                // One appender at a time, across every connection.
                tx.batch_execute("LOCK TABLE decisions IN SHARE ROW EXCLUSIVE MODE")
                    .map_err(|e| postgres_lock_error(path, waited, e))?;
                let last = tx
                    .query_opt(HEAD, &[])
                    .map_err(err)?
                    .map(|r| read_head(&r, path))
                    .transpose()?;
                let out = chain(last, entries);
                let ins = tx.prepare(
                    "INSERT INTO decisions (id, recorded_at, kind, request, response, rule_set_hash, prev_hash, hash, response_id, request_part_id, request_part_at) VALUES ($1, $2, $3, $4, '', $5, $6, $7, $8, $9, $10)",
                ).map_err(err)?;
                for e in &out {
                    let response_id = body_id(
                        known_responses,
                        &mut fresh_responses,
                        &e.response,
                        |sha, b| postgres_body_id(&mut tx, RESPONSES, sha, b),
                    )
                    .map_err(err)?;
                    let (request, part_id, part_at) = match compact::split(&e.request) {
                        Some((rest, part, at)) => {
                            let id = body_id(known_parts, &mut fresh_parts, part, |sha, b| {
                                postgres_body_id(&mut tx, REQUEST_PARTS, sha, b)
                            })
                            .map_err(err)?;
                            (rest, Some(id), Some(offset(at)))
                        }
                        None => (e.request.clone(), None, None),
                    };
                    tx.execute(
                        &ins,
                        &[
                            &e.id,
                            &e.recorded_at,
                            &e.kind,
                            &request,
                            &e.rule_set_hash,
                            &e.prev_hash,
                            &e.hash,
                            &response_id,
                            &part_id,
                            &part_at,
                        ],
                    )
                    .map_err(err)?;
                }
                tx.commit().map_err(err)?;
                out
            }
        };
        known_responses.remember(fresh_responses);
        known_parts.remember(fresh_parts);
        Ok(out)
    }

    /// How its rows are read: [`SELECT`], or [`SELECT_V1`] for a legacy log.
    fn select(&self) -> &'static str {
        if self.legacy { SELECT_V1 } else { SELECT }
    }

    /// The entry with this id; `None` when there is none.
    pub fn get(&mut self, id: i64) -> Result<Option<LogEntry>, StoreError> {
        let (path, waited, select) = (&self.path, self.busy_timeout, self.select());
        match &mut self.backend {
            Backend::Sqlite(conn) => {
                let err = |e| sqlite_error(path, waited, e);
                let mut stmt = conn
                    .prepare_cached(&format!("{select} WHERE d.id = ?1"))
                    .map_err(err)?;
                let mut rows = stmt.query([id]).map_err(err)?;
                match rows.next().map_err(err)? {
                    Some(r) => read_entry(r, path).map(Some),
                    None => Ok(None),
                }
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(client) => client
                .query_opt(&format!("{select} WHERE d.id = $1"), &[&id])
                .map_err(|e| postgres_error(path, e))?
                .map(|r| read_entry(&r, path))
                .transpose(),
        }
    }

    /// Checks the whole chain; `Ok(n)` is the number of entries.
    pub fn verify(&mut self) -> Result<Result<u64, Broken>, StoreError> {
        let mut check = Checker::default();
        let (path, waited, select) = (&self.path, self.busy_timeout, self.select());
        match &mut self.backend {
            Backend::Sqlite(conn) => {
                let err = |e| sqlite_error(path, waited, e);
                let mut stmt = conn
                    .prepare(&format!("{select} ORDER BY d.id"))
                    .map_err(err)?;
                let mut rows = stmt.query([]).map_err(err)?;
                while let Some(r) = rows.next().map_err(err)? {
                    let (id, row) = read_chained(r, path)?;
                    if let Some(b) = check.next(id, &row) {
                        return Ok(Err(stored_body_damage(b, r, &row)));
                    }
                }
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(client) => {
                use postgres::fallible_iterator::FallibleIterator;
                let err = |e| postgres_error(path, e);
                let mut rows = client
                    .query_raw(
                        &format!("{select} ORDER BY d.id"),
                        std::iter::empty::<i64>(),
                    )
                    .map_err(err)?;
                while let Some(r) = rows.next().map_err(err)? {
                    let (id, row) = read_chained(&r, path)?;
                    if let Some(b) = check.next(id, &row) {
                        return Ok(Err(stored_body_damage(b, &r, &row)));
                    }
                }
            }
        }
        Ok(Ok(check.n))
    }

    /// The number of entries.
    pub fn len(&mut self) -> Result<i64, StoreError> {
        let (path, waited) = (&self.path, self.busy_timeout);
        match &mut self.backend {
            Backend::Sqlite(conn) => conn
                .query_row("SELECT COUNT(*) FROM decisions", [], |r| r.get(0))
                .map_err(|e| sqlite_error(path, waited, e)),
            #[cfg(feature = "postgres")]
            Backend::Postgres(client) => client
                .query_one("SELECT COUNT(*) FROM decisions", &[])
                .map_err(|e| postgres_error(path, e))?
                .try_get(0)
                .map_err(|e| postgres_error(path, e)),
        }
    }

    /// True when the log has no entry.
    pub fn is_empty(&mut self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }
}

#[cfg(test)]
mod tests;

/// The same checks on PostgreSQL. Needs a server: set
/// `CHIPEXPORT_TEST_DATABASE_URL` to a server URL without a database name
/// (e.g. `postgresql://postgres@127.0.0.1:54329`); `scripts/with-postgres`
/// starts a throwaway server and sets it. Each test makes its own database.
#[cfg(all(test, feature = "postgres"))]
mod pg_tests;

/// The licence book on PostgreSQL, and the same events hashed alike on
/// SQLite and PostgreSQL; the server as for [`pg_tests`].
#[cfg(all(test, feature = "postgres"))]
mod pg_licence_tests;
