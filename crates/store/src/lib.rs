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
//!
//! The log lives in SQLite in a data directory by default
//! ([`DecisionLog::open`]); with the `postgres` feature it can live in a
//! PostgreSQL database instead ([`DecisionLog::connect`]), with the same
//! chain, the same triggers and the same checks.

#![warn(missing_docs)]

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chipexport_domain::Fault;
use rusqlite::{Connection, TransactionBehavior, params};
use sha2::{Digest, Sha256};

mod query;
pub use query::{EntryFilter, sha256_file, sha256_hex};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The schema version this code writes; older logs are migrated on open.
pub const SCHEMA_VERSION: i64 = 1;

/// How long an append waits for another process that holds the log (a
/// SQLite write lock, or PostgreSQL's table lock) before it gives up with
/// [`StoreError::Busy`]. Change it with [`DecisionLog::set_busy_timeout`].
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The cause of a [`StoreError`]: the SQLite, PostgreSQL or I/O error.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A log error, with its fault ([`StoreError::fault`]) and what to do about
/// it (its `miette` help). `path` is where the log is: the SQLite file, the
/// data directory, or the database URL without its password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another process holds the log's write lock, longer than the busy
    /// timeout.
    #[error("the decision log `{path}` is locked by another process")]
    Busy {
        /// The log.
        path: String,
        /// How long the append waited; `None` when it did not wait.
        waited: Option<Duration>,
        /// The database's error.
        source: Cause,
    },
    /// The disk (or the database server's disk) is full.
    #[error("the disk holding the decision log `{path}` is full")]
    Full {
        /// The log.
        path: String,
        /// The database's or the system's error.
        source: Cause,
    },
    /// The log is read-only, or this user may not write it.
    #[error("the decision log `{path}` is read-only or not permitted to this user")]
    Denied {
        /// The log.
        path: String,
        /// The database's error.
        source: Cause,
    },
    /// The data directory cannot be created.
    #[error("cannot create the data directory `{path}`")]
    Dir {
        /// The data directory.
        path: String,
        /// The system's error.
        source: std::io::Error,
    },
    /// The log's file cannot be opened.
    #[error("cannot open the decision log `{path}`")]
    Open {
        /// The log's file.
        path: String,
        /// The database's error.
        source: Cause,
    },
    /// The log is damaged, or is not a decision log.
    #[error("the decision log `{path}` is damaged or is not a decision log")]
    Corrupt {
        /// The log.
        path: String,
        /// The database's error.
        source: Cause,
    },
    /// The disk failed while reading or writing the log.
    #[error("a disk error on the decision log `{path}`")]
    Io {
        /// The log.
        path: String,
        /// The database's error.
        source: Cause,
    },
    /// The database server cannot be reached or refuses this user.
    #[error("cannot reach the decision log database `{path}`")]
    Unavailable {
        /// The database URL without its password.
        path: String,
        /// The client's error.
        source: Cause,
    },
    /// The log was written by a newer chipexport.
    #[error(
        "the decision log `{path}` has schema {found}, newer than this chipexport reads ({SCHEMA_VERSION})"
    )]
    TooNew {
        /// The log.
        path: String,
        /// The schema version found in the log.
        found: i64,
    },
    /// A `postgres://` location that is not a valid connection URL.
    #[error("`{url}` is not a valid PostgreSQL URL")]
    Url {
        /// The URL as given, without its password.
        url: String,
        /// Why it cannot be parsed.
        source: Cause,
    },
    /// A `postgres://` location, and this build has no PostgreSQL support.
    #[error("`{url}` is a PostgreSQL URL, and this chipexport was built without PostgreSQL")]
    Unsupported {
        /// The URL as given, without its password.
        url: String,
    },
    /// Any other database error: a bug in chipexport.
    #[error("unexpected error from the decision log `{path}`")]
    Unexpected {
        /// The log.
        path: String,
        /// The database's error.
        source: Cause,
    },
}

impl StoreError {
    /// Who is at fault: [`Fault::Input`] for a bad URL, [`Fault::Bug`] for
    /// [`StoreError::Unexpected`], [`Fault::Environment`] for the rest (a
    /// locked, full, read-only, damaged or unreachable log, or a log of a
    /// newer chipexport).
    pub fn fault(&self) -> Fault {
        match self {
            StoreError::Url { .. } => Fault::Input,
            StoreError::Unexpected { .. } => Fault::Bug,
            StoreError::Busy { .. }
            | StoreError::Full { .. }
            | StoreError::Denied { .. }
            | StoreError::Dir { .. }
            | StoreError::Open { .. }
            | StoreError::Corrupt { .. }
            | StoreError::Io { .. }
            | StoreError::Unavailable { .. }
            | StoreError::TooNew { .. }
            | StoreError::Unsupported { .. } => Fault::Environment,
        }
    }

    /// What to do about it.
    pub fn help(&self) -> String {
        match self {
            StoreError::Busy {
                path,
                waited: Some(w),
                ..
            } => format!(
                "another chipexport or tool holds `{path}`; wait, or stop it (chipexport waited {} ms for it)",
                w.as_millis()
            ),
            StoreError::Busy { path, .. } => {
                format!("another chipexport or tool holds `{path}`; wait, or stop it")
            }
            StoreError::Full { path, .. } => format!("free space on the disk holding `{path}`"),
            StoreError::Denied { path, .. } => format!(
                "make `{path}` and its folder writable by this user, or use another data directory"
            ),
            StoreError::Dir { path, source } => match source.kind() {
                std::io::ErrorKind::StorageFull => {
                    format!("free space on the disk that would hold `{path}`")
                }
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
                    format!(
                        "make the folder above `{path}` writable by this user, or use another data directory"
                    )
                }
                std::io::ErrorKind::AlreadyExists | std::io::ErrorKind::NotADirectory => format!(
                    "`{path}` or a folder above it is a file, not a directory: use another data directory"
                ),
                _ => format!(
                    "check that this user can create `{path}`, or use another data directory"
                ),
            },
            StoreError::Open { path, .. } => format!(
                "check that `{path}` is a file this user can read and write, in a folder it can write"
            ),
            StoreError::Corrupt { path, .. } => format!(
                "restore `{path}` from a backup (`chipexport audit verify` checks the copy); keep the damaged file for investigation"
            ),
            StoreError::Io { path, .. } => format!(
                "check the disk holding `{path}` (the system log names the failure); restore from a backup if the disk is failing"
            ),
            StoreError::Unavailable { path, .. } => format!(
                "check that the PostgreSQL server of `{path}` is up, that the database exists, and the user and password in the URL"
            ),
            StoreError::TooNew { found, .. } => format!(
                "upgrade chipexport to a version that reads schema {found}, or use another data directory"
            ),
            StoreError::Url { .. } => {
                "write it as postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE".to_string()
            }
            StoreError::Unsupported { .. } => {
                "build chipexport with `--features postgres`, or give a data directory instead"
                    .to_string()
            }
            StoreError::Unexpected { .. } => {
                "this is a bug in chipexport; please report it with this message".to_string()
            }
        }
    }

    /// A stable code per kind, such as `chipexport::store::busy`.
    fn code(&self) -> &'static str {
        match self {
            StoreError::Busy { .. } => "chipexport::store::busy",
            StoreError::Full { .. } => "chipexport::store::full",
            StoreError::Denied { .. } => "chipexport::store::denied",
            StoreError::Dir { .. } => "chipexport::store::dir",
            StoreError::Open { .. } => "chipexport::store::open",
            StoreError::Corrupt { .. } => "chipexport::store::corrupt",
            StoreError::Io { .. } => "chipexport::store::io",
            StoreError::Unavailable { .. } => "chipexport::store::unavailable",
            StoreError::TooNew { .. } => "chipexport::store::too_new",
            StoreError::Url { .. } => "chipexport::store::url",
            StoreError::Unsupported { .. } => "chipexport::store::unsupported",
            StoreError::Unexpected { .. } => "chipexport::store::unexpected",
        }
    }
}

impl miette::Diagnostic for StoreError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(StoreError::code(self)))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(StoreError::help(self)))
    }
}

/// Classifies a SQLite error on the log at `path`.
fn sqlite_error(path: &Path, waited: Duration, e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode as C;
    let path = path.display().to_string();
    match e.sqlite_error_code() {
        Some(C::DatabaseBusy | C::DatabaseLocked) => StoreError::Busy {
            path,
            waited: Some(waited),
            source: e.into(),
        },
        Some(C::DiskFull) => StoreError::Full {
            path,
            source: e.into(),
        },
        Some(C::ReadOnly | C::PermissionDenied) => StoreError::Denied {
            path,
            source: e.into(),
        },
        Some(C::CannotOpen) => StoreError::Open {
            path,
            source: e.into(),
        },
        Some(C::DatabaseCorrupt | C::NotADatabase) => StoreError::Corrupt {
            path,
            source: e.into(),
        },
        Some(C::SystemIoFailure) => StoreError::Io {
            path,
            source: e.into(),
        },
        // A value of the wrong type in a column the schema declares TEXT or
        // INTEGER: the file was edited outside chipexport.
        _ if matches!(
            e,
            rusqlite::Error::InvalidColumnType(..)
                | rusqlite::Error::FromSqlConversionFailure(..)
                | rusqlite::Error::IntegralValueOutOfRange(..)
        ) =>
        {
            StoreError::Corrupt {
                path,
                source: e.into(),
            }
        }
        _ => StoreError::Unexpected {
            path,
            source: e.into(),
        },
    }
}

/// Classifies a PostgreSQL error on the log at `path` (the URL without its
/// password) by its SQLSTATE, or by its cause when the server sent none.
#[cfg(feature = "postgres")]
fn postgres_error(path: &Path, e: postgres::Error) -> StoreError {
    let path = path.display().to_string();
    let state = e.code().map(|c| c.code().to_string()).unwrap_or_default();
    let class = state.get(..2).unwrap_or("");
    let io_cause = {
        let mut cause = std::error::Error::source(&e);
        let mut found = false;
        while let Some(c) = cause {
            found |= c.is::<std::io::Error>();
            cause = c.source();
        }
        found
    };
    // Errors without a SQLSTATE that are about reaching the server; the
    // client's kinds are private, its messages are stable.
    let unreachable = e.is_closed()
        || io_cause
        || matches!(
            e.to_string().as_str(),
            "authentication error"
                | "error connecting to server"
                | "timeout waiting for server"
                | "error performing TLS handshake"
        );
    let source: Cause = e.into();
    match (class, state.as_str()) {
        (_, "53100") => StoreError::Full { path, source },
        (_, "55P03" | "40P01" | "40001") => StoreError::Busy {
            path,
            waited: None,
            source,
        },
        (_, "42501" | "25006") => StoreError::Denied { path, source },
        (_, "XX001" | "XX002") => StoreError::Corrupt { path, source },
        ("58", _) => StoreError::Io { path, source },
        ("08" | "28" | "53" | "57", _) | (_, "3D000") => StoreError::Unavailable { path, source },
        _ if unreachable => StoreError::Unavailable { path, source },
        _ => StoreError::Unexpected { path, source },
    }
}

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

fn entry_hash(
    prev: &str,
    id: i64,
    recorded_at: &str,
    kind: &str,
    request: &str,
    response: &str,
    rule_set_hash: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &id.to_string(),
        recorded_at,
        kind,
        request,
        response,
        rule_set_hash,
    ] {
        h.update(u64::try_from(part.len()).unwrap_or(0).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Links new entries to the last one (`(id, hash)`), computing each hash.
fn chain(last: Option<(i64, String)>, entries: Vec<NewLogEntry>) -> Vec<LogEntry> {
    let (mut id, mut prev) = match last {
        Some((id, hash)) => (id + 1, hash),
        None => (1, GENESIS.to_string()),
    };
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let hash = entry_hash(
            &prev,
            id,
            &e.recorded_at,
            &e.kind,
            &e.request,
            &e.response,
            &e.rule_set_hash,
        );
        out.push(LogEntry {
            id,
            recorded_at: e.recorded_at,
            kind: e.kind,
            request: e.request,
            response: e.response,
            rule_set_hash: e.rule_set_hash,
            prev_hash: std::mem::replace(&mut prev, hash.clone()),
            hash,
        });
        id += 1;
    }
    out
}

/// Walks the chain in id order and finds the first break.
struct Checker {
    prev: String,
    expect_id: i64,
    n: u64,
}

impl Default for Checker {
    fn default() -> Checker {
        Checker {
            prev: GENESIS.to_string(),
            expect_id: 1,
            n: 0,
        }
    }
}

impl Checker {
    /// `row`: recorded_at, kind, request, response, rule_set_hash,
    /// prev_hash, hash.
    fn next(&mut self, id: i64, row: [String; 7]) -> Option<Broken> {
        let [at, kind, req, resp, rsh, prev_hash, hash] = row;
        if id != self.expect_id {
            return Some(Broken {
                id: self.expect_id,
                reason: format!(
                    "entry {} is missing (the next entry is {id})",
                    self.expect_id
                ),
            });
        }
        if prev_hash != self.prev {
            return Some(Broken {
                id,
                reason: "its previous-hash does not match the entry before it".into(),
            });
        }
        if entry_hash(&prev_hash, id, &at, &kind, &req, &resp, &rsh) != hash {
            return Some(Broken {
                id,
                reason: "its content does not match its hash (it was edited)".into(),
            });
        }
        self.prev = hash;
        self.expect_id += 1;
        self.n += 1;
        None
    }
}

enum Backend {
    Sqlite(Connection),
    #[cfg(feature = "postgres")]
    Postgres(Box<postgres::Client>),
}

/// A row of `decisions` from either backend: `id` then the seven text
/// columns, in the order of [`SELECT`]. Reading a column fails, rather than
/// panics, on a value of another type.
trait LogRow {
    fn int(&self, i: usize) -> Result<i64, Cause>;
    fn text(&self, i: usize) -> Result<String, Cause>;
}

impl LogRow for rusqlite::Row<'_> {
    fn int(&self, i: usize) -> Result<i64, Cause> {
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
    fn text(&self, i: usize) -> Result<String, Cause> {
        self.try_get(i).map_err(Cause::from)
    }
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
        request: text(3)?,
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
            text(3),
            text(4),
            text(5),
            text(6),
            text(7),
        ],
    ))
}

/// The log in a data directory (`DIR/decisions.sqlite`) or, with the
/// `postgres` feature, in a PostgreSQL database.
pub struct DecisionLog {
    backend: Backend,
    /// Where the log is: the SQLite file, or the database URL without its
    /// password.
    pub path: PathBuf,
    busy_timeout: Duration,
}

impl fmt::Debug for DecisionLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let backend = match self.backend {
            Backend::Sqlite(_) => "sqlite",
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => "postgres",
        };
        f.debug_struct("DecisionLog")
            .field("backend", &backend)
            .field("path", &self.path)
            .field("busy_timeout", &self.busy_timeout)
            .finish()
    }
}

const SELECT: &str = "SELECT id, recorded_at, kind, request, response, rule_set_hash, prev_hash, hash FROM decisions";

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

impl DecisionLog {
    /// Opens (creating and migrating as needed) the log in `dir`, with a
    /// busy timeout of [`DEFAULT_BUSY_TIMEOUT`].
    pub fn open(dir: &Path) -> Result<DecisionLog, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
            path: dir.display().to_string(),
            source,
        })?;
        let path = dir.join("decisions.sqlite");
        let waited = DEFAULT_BUSY_TIMEOUT;
        let err = |e| sqlite_error(&path, waited, e);
        let conn = Connection::open(&path).map_err(err)?;
        conn.busy_timeout(waited).map_err(err)?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
            .map_err(err)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: path.display().to_string(),
                found: version,
            });
        }
        if version < 1 {
            conn.execute_batch(
                "BEGIN;
                 CREATE TABLE IF NOT EXISTS decisions (
                     id INTEGER PRIMARY KEY,
                     recorded_at TEXT NOT NULL,
                     kind TEXT NOT NULL,
                     request TEXT NOT NULL,
                     response TEXT NOT NULL,
                     rule_set_hash TEXT NOT NULL,
                     prev_hash TEXT NOT NULL,
                     hash TEXT NOT NULL
                 );
                 CREATE TRIGGER IF NOT EXISTS decisions_no_update BEFORE UPDATE ON decisions
                     BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;
                 CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON decisions
                     BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;
                 PRAGMA user_version = 1;
                 COMMIT;",
            )
            .map_err(err)?;
        }
        Ok(DecisionLog {
            backend: Backend::Sqlite(conn),
            path,
            busy_timeout: waited,
        })
    }

    /// Opens the log at a location: a `postgres://` or `postgresql://` URL
    /// (needs the `postgres` feature), or else a data directory.
    pub fn open_location(location: &str) -> Result<DecisionLog, StoreError> {
        if location.starts_with("postgres://") || location.starts_with("postgresql://") {
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
        let shown = PathBuf::from(redact(url));
        let config: postgres::Config =
            url.parse().map_err(|e: postgres::Error| StoreError::Url {
                url: redact(url),
                source: e.into(),
            })?;
        let err = |e| postgres_error(&shown, e);
        let mut client = config.connect(postgres::NoTls).map_err(err)?;
        let waited = DEFAULT_BUSY_TIMEOUT;
        client
            .batch_execute(&format!(
                "SET lock_timeout = {};
                 CREATE TABLE IF NOT EXISTS chipexport_schema (version BIGINT NOT NULL);",
                waited.as_millis()
            ))
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
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: shown.display().to_string(),
                found: version,
            });
        }
        if version < 1 {
            client
                .batch_execute(
                    "BEGIN;
                 CREATE TABLE IF NOT EXISTS decisions (
                     id BIGINT PRIMARY KEY,
                     recorded_at TEXT NOT NULL,
                     kind TEXT NOT NULL,
                     request TEXT NOT NULL,
                     response TEXT NOT NULL,
                     rule_set_hash TEXT NOT NULL,
                     prev_hash TEXT NOT NULL,
                     hash TEXT NOT NULL
                 );
                 CREATE OR REPLACE FUNCTION chipexport_append_only() RETURNS trigger
                     LANGUAGE plpgsql AS $$
                     BEGIN RAISE EXCEPTION 'the decision log is append-only'; END $$;
                 CREATE OR REPLACE TRIGGER decisions_no_update BEFORE UPDATE OR DELETE ON decisions
                     FOR EACH ROW EXECUTE FUNCTION chipexport_append_only();
                 CREATE OR REPLACE TRIGGER decisions_no_truncate BEFORE TRUNCATE ON decisions
                     FOR EACH STATEMENT EXECUTE FUNCTION chipexport_append_only();
                 INSERT INTO chipexport_schema (version) VALUES (1);
                 COMMIT;",
                )
                .map_err(err)?;
        }
        Ok(DecisionLog {
            backend: Backend::Postgres(Box::new(client)),
            path: shown,
            busy_timeout: waited,
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
        let path = &self.path;
        match &mut self.backend {
            Backend::Sqlite(conn) => conn
                .busy_timeout(timeout)
                .map_err(|e| sqlite_error(path, timeout, e))?,
            #[cfg(feature = "postgres")]
            Backend::Postgres(client) => client
                .batch_execute(&format!("SET lock_timeout = {}", timeout.as_millis()))
                .map_err(|e| postgres_error(path, e))?,
        }
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
    /// durable write for all); returns them once they are durable.
    pub fn append_all(&mut self, entries: Vec<NewLogEntry>) -> Result<Vec<LogEntry>, StoreError> {
        let (path, waited) = (&self.path, self.busy_timeout);
        match &mut self.backend {
            Backend::Sqlite(conn) => {
                let err = |e| sqlite_error(path, waited, e);
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(err)?;
                let last = {
                    let mut stmt = tx
                        .prepare_cached("SELECT id, hash FROM decisions ORDER BY id DESC LIMIT 1")
                        .map_err(err)?;
                    let mut rows = stmt.query([]).map_err(err)?;
                    match rows.next().map_err(err)? {
                        Some(r) => Some(read_head(r, path)?),
                        None => None,
                    }
                };
                let out = chain(last, entries);
                {
                    let mut ins = tx.prepare_cached(
                        "INSERT INTO decisions (id, recorded_at, kind, request, response, rule_set_hash, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    ).map_err(err)?;
                    for e in &out {
                        ins.execute(params![
                            e.id,
                            e.recorded_at,
                            e.kind,
                            e.request,
                            e.response,
                            e.rule_set_hash,
                            e.prev_hash,
                            e.hash
                        ])
                        .map_err(err)?;
                    }
                }
                tx.commit().map_err(err)?;
                Ok(out)
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(client) => {
                let err = |e| postgres_error(path, e);
                let mut tx = client.transaction().map_err(err)?;
                // One appender at a time, across every connection.
                tx.batch_execute("LOCK TABLE decisions IN SHARE ROW EXCLUSIVE MODE")
                    .map_err(|e| match postgres_error(path, e) {
                        StoreError::Busy { path, source, .. } => StoreError::Busy {
                            path,
                            waited: Some(waited),
                            source,
                        },
                        other => other,
                    })?;
                let last = tx
                    .query_opt(
                        "SELECT id, hash FROM decisions ORDER BY id DESC LIMIT 1",
                        &[],
                    )
                    .map_err(err)?
                    .map(|r| read_head(&r, path))
                    .transpose()?;
                let out = chain(last, entries);
                let ins = tx.prepare(
                    "INSERT INTO decisions (id, recorded_at, kind, request, response, rule_set_hash, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                ).map_err(err)?;
                for e in &out {
                    tx.execute(
                        &ins,
                        &[
                            &e.id,
                            &e.recorded_at,
                            &e.kind,
                            &e.request,
                            &e.response,
                            &e.rule_set_hash,
                            &e.prev_hash,
                            &e.hash,
                        ],
                    )
                    .map_err(err)?;
                }
                tx.commit().map_err(err)?;
                Ok(out)
            }
        }
    }

    /// The entry with this id; `None` when there is none.
    pub fn get(&mut self, id: i64) -> Result<Option<LogEntry>, StoreError> {
        let (path, waited) = (&self.path, self.busy_timeout);
        match &mut self.backend {
            Backend::Sqlite(conn) => {
                let err = |e| sqlite_error(path, waited, e);
                let mut stmt = conn
                    .prepare_cached(&format!("{SELECT} WHERE id = ?1"))
                    .map_err(err)?;
                let mut rows = stmt.query([id]).map_err(err)?;
                match rows.next().map_err(err)? {
                    Some(r) => read_entry(r, path).map(Some),
                    None => Ok(None),
                }
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(client) => client
                .query_opt(&format!("{SELECT} WHERE id = $1"), &[&id])
                .map_err(|e| postgres_error(path, e))?
                .map(|r| read_entry(&r, path))
                .transpose(),
        }
    }

    /// Checks the whole chain; `Ok(n)` is the number of entries.
    pub fn verify(&mut self) -> Result<Result<u64, Broken>, StoreError> {
        let mut check = Checker::default();
        let (path, waited) = (&self.path, self.busy_timeout);
        match &mut self.backend {
            Backend::Sqlite(conn) => {
                let err = |e| sqlite_error(path, waited, e);
                let mut stmt = conn
                    .prepare(&format!("{SELECT} ORDER BY id"))
                    .map_err(err)?;
                let mut rows = stmt.query([]).map_err(err)?;
                while let Some(r) = rows.next().map_err(err)? {
                    let (id, row) = read_chained(r, path)?;
                    if let Some(b) = check.next(id, row) {
                        return Ok(Err(b));
                    }
                }
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(client) => {
                use postgres::fallible_iterator::FallibleIterator;
                let err = |e| postgres_error(path, e);
                let mut rows = client
                    .query_raw(&format!("{SELECT} ORDER BY id"), std::iter::empty::<i64>())
                    .map_err(err)?;
                while let Some(r) = rows.next().map_err(err)? {
                    let (id, row) = read_chained(&r, path)?;
                    if let Some(b) = check.next(id, row) {
                        return Ok(Err(b));
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
mod tests {
    use super::*;

    #[test]
    fn chain_detects_edits_and_deletions() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
        let mut log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
        for i in 0..5 {
            log.append(
                "2026-11-29T00:00:00Z",
                "check",
                &format!("{{\"q\":{i}}}"),
                "{\"license_required\":true}",
                "abc",
            )
            .unwrap_or_else(|e| unreachable!("{e}"));
        }
        assert_eq!(log.verify().ok(), Some(Ok(5)));
        // The log refuses edits through SQL...
        let conn = sqlite(&log);
        assert!(
            conn.execute("UPDATE decisions SET response = 'x' WHERE id = 3", [])
                .is_err()
        );
        assert!(
            conn.execute("DELETE FROM decisions WHERE id = 3", [])
                .is_err()
        );
        // ...and finds them when the triggers are bypassed.
        conn.execute_batch("DROP TRIGGER decisions_no_update; UPDATE decisions SET response = '{\"license_required\":false}' WHERE id = 3;").unwrap_or_else(|e| unreachable!("{e}"));
        let broken = log.verify().ok().and_then(Result::err).map(|b| b.id);
        assert_eq!(broken, Some(3));
    }

    #[test]
    fn reopening_keeps_the_chain() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
        {
            let mut log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
            log.append("t", "check", "{}", "{}", "h")
                .unwrap_or_else(|e| unreachable!("{e}"));
        }
        let mut log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
        let e = log
            .append("t", "check", "{}", "{}", "h")
            .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(e.id, 2);
        assert_eq!(log.verify().ok(), Some(Ok(2)));
    }

    fn sqlite(log: &DecisionLog) -> &Connection {
        #[allow(irrefutable_let_patterns)]
        let Backend::Sqlite(conn) = &log.backend else {
            unreachable!("opened from a directory")
        };
        conn
    }

    #[test]
    fn a_log_locked_by_another_connection_is_the_environment_naming_the_path() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
        let mut log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(log.busy_timeout(), DEFAULT_BUSY_TIMEOUT);
        log.set_busy_timeout(Duration::from_millis(50))
            .unwrap_or_else(|e| unreachable!("{e}"));
        let other = Connection::open(dir.path().join("decisions.sqlite"))
            .unwrap_or_else(|e| unreachable!("{e}"));
        other
            .execute_batch("BEGIN EXCLUSIVE")
            .unwrap_or_else(|e| unreachable!("{e}"));
        let Err(e) = log.append("t", "check", "{}", "{}", "h") else {
            unreachable!("the append waits for the lock, then fails")
        };
        assert!(matches!(e, StoreError::Busy { .. }), "{e:?}");
        assert_eq!(e.fault(), Fault::Environment);
        let path = dir.path().join("decisions.sqlite").display().to_string();
        assert!(e.to_string().contains(&format!("`{path}`")), "{e}");
        assert!(e.help().contains("wait, or stop it"), "{}", e.help());
        assert!(e.help().contains("50 ms"), "{}", e.help());
        let d: &dyn miette::Diagnostic = &e;
        assert_eq!(
            d.help().map(|h| h.to_string()),
            Some(e.help()),
            "the diagnostic's help"
        );
        assert!(
            std::error::Error::source(&e).is_some(),
            "the SQLite error is kept as the cause"
        );
        // Once the other connection lets go, the append goes through.
        other
            .execute_batch("ROLLBACK")
            .unwrap_or_else(|e| unreachable!("{e}"));
        assert!(log.append("t", "check", "{}", "{}", "h").is_ok());
    }

    #[test]
    fn a_data_path_that_is_a_file_is_the_environment() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, "x").unwrap_or_else(|e| unreachable!("{e}"));
        for data in [file.clone(), file.join("below")] {
            let Err(e) = DecisionLog::open(&data) else {
                unreachable!("a file is not a data directory")
            };
            assert!(matches!(e, StoreError::Dir { .. }), "{e:?}");
            assert_eq!(e.fault(), Fault::Environment);
            assert!(e.to_string().contains(&data.display().to_string()), "{e}");
            assert!(e.help().contains("is a file"), "{}", e.help());
        }
    }

    #[test]
    fn a_full_disk_is_the_environment() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
        let mut log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
        // A page limit makes SQLite report a full database (SQLITE_FULL),
        // as a full disk does.
        let pages: i64 = sqlite(&log)
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .unwrap_or_else(|e| unreachable!("{e}"));
        sqlite(&log)
            .execute_batch(&format!("PRAGMA max_page_count = {pages}"))
            .unwrap_or_else(|e| unreachable!("{e}"));
        let big = "x".repeat(1 << 20);
        let Err(e) = log.append("t", "check", &big, "{}", "h") else {
            unreachable!("the log cannot grow")
        };
        assert!(matches!(e, StoreError::Full { .. }), "{e:?}");
        assert_eq!(e.fault(), Fault::Environment);
        assert!(e.help().starts_with("free space on"), "{}", e.help());
    }

    #[test]
    fn a_damaged_log_is_the_environment_with_a_restore_hint() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
        std::fs::write(
            dir.path().join("decisions.sqlite"),
            "this is not a SQLite database, and it is long enough to tell".repeat(100),
        )
        .unwrap_or_else(|e| unreachable!("{e}"));
        let Err(e) = DecisionLog::open(dir.path()) else {
            unreachable!("not a database")
        };
        assert!(matches!(e, StoreError::Corrupt { .. }), "{e:?}");
        assert_eq!(e.fault(), Fault::Environment);
        assert!(e.help().contains("backup"), "{}", e.help());
    }

    #[test]
    fn a_value_of_the_wrong_type_is_damage_not_a_panic() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
        let mut log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
        log.append("t", "check", "{}", "{}", "h")
            .unwrap_or_else(|e| unreachable!("{e}"));
        sqlite(&log)
            .execute_batch(
                "DROP TRIGGER decisions_no_update; UPDATE decisions SET request = x'00ff' WHERE id = 1;",
            )
            .unwrap_or_else(|e| unreachable!("{e}"));
        let got = log.get(1);
        assert!(matches!(got, Err(StoreError::Corrupt { .. })), "{got:?}");
        assert_eq!(
            log.verify().ok().and_then(Result::err).map(|b| b.id),
            Some(1)
        );
    }

    #[test]
    fn a_newer_schema_says_upgrade() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
        {
            let log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
            sqlite(&log)
                .execute_batch("PRAGMA user_version = 99")
                .unwrap_or_else(|e| unreachable!("{e}"));
        }
        let Err(e) = DecisionLog::open(dir.path()) else {
            unreachable!("too new")
        };
        assert!(matches!(e, StoreError::TooNew { found: 99, .. }), "{e:?}");
        assert_eq!(e.fault(), Fault::Environment);
        assert!(e.help().contains("upgrade chipexport"), "{}", e.help());
    }

    #[cfg(not(feature = "postgres"))]
    #[test]
    fn a_postgres_url_without_postgres_support_says_so() {
        let Err(e) = DecisionLog::open_location("postgresql://u:secret@db/x") else {
            unreachable!("no PostgreSQL in this build")
        };
        assert!(matches!(e, StoreError::Unsupported { .. }), "{e:?}");
        assert!(!e.to_string().contains("secret"), "{e}");
        assert_eq!(e.fault(), Fault::Environment);
    }
}

/// The same checks on PostgreSQL. Needs a server: set
/// `CHIPEXPORT_TEST_DATABASE_URL` to a server URL without a database name
/// (e.g. `postgresql://postgres@127.0.0.1:54329`); `scripts/with-postgres`
/// starts a throwaway server and sets it. Each test makes its own database.
#[cfg(all(test, feature = "postgres"))]
mod pg_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn fresh(name: &str) -> String {
        let base = std::env::var("CHIPEXPORT_TEST_DATABASE_URL").expect(
            "set CHIPEXPORT_TEST_DATABASE_URL to a PostgreSQL server URL (scripts/test starts one)",
        );
        let base = base.trim_end_matches('/');
        let db = format!("chipexport_test_{name}_{}", std::process::id());
        let mut admin = postgres::Client::connect(&format!("{base}/postgres"), postgres::NoTls)
            .expect("connect to the test server");
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {db}"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {db}"))
            .unwrap();
        format!("{base}/{db}")
    }

    #[test]
    fn postgres_chain_refuses_edits_and_detects_bypassed_ones() {
        let url = fresh("chain");
        let mut log = DecisionLog::open_location(&url).unwrap();
        for i in 0..5 {
            log.append(
                "2026-11-29T00:00:00Z",
                "check",
                &format!("{{\"q\":{i}}}"),
                "{\"license_required\":true}",
                "abc",
            )
            .unwrap();
        }
        // A group commit continues the chain.
        let more: Vec<NewLogEntry> = (0..3)
            .map(|i| NewLogEntry {
                recorded_at: "t".into(),
                kind: "check".into(),
                request: format!("{{\"g\":{i}}}"),
                response: "{}".into(),
                rule_set_hash: "abc".into(),
            })
            .collect();
        let done = log.append_all(more).unwrap();
        assert_eq!(done.iter().map(|e| e.id).collect::<Vec<_>>(), [6, 7, 8]);
        assert_eq!(log.verify().unwrap(), Ok(8));
        assert_eq!(log.get(3).unwrap().unwrap().request, "{\"q\":2}");

        let mut raw = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        assert!(
            raw.execute("UPDATE decisions SET response = 'x' WHERE id = 3", &[])
                .is_err()
        );
        assert!(
            raw.execute("DELETE FROM decisions WHERE id = 3", &[])
                .is_err()
        );
        assert!(raw.batch_execute("TRUNCATE decisions").is_err());
        raw.batch_execute(
            "ALTER TABLE decisions DISABLE TRIGGER USER;
             UPDATE decisions SET response = '{\"license_required\":false}' WHERE id = 3;",
        )
        .unwrap();
        let broken = log.verify().unwrap().err().map(|b| b.id);
        assert_eq!(broken, Some(3));
    }

    #[test]
    fn postgres_reconnecting_keeps_the_chain_and_the_schema_version() {
        let url = fresh("reopen");
        {
            let mut log = DecisionLog::connect(&url).unwrap();
            log.append("t", "check", "{}", "{}", "h").unwrap();
        }
        let mut log = DecisionLog::connect(&url).unwrap();
        let e = log.append("t", "check", "{}", "{}", "h").unwrap();
        assert_eq!(e.id, 2);
        assert_eq!(log.verify().unwrap(), Ok(2));
        assert_eq!(log.len().unwrap(), 2);
        // A log written by a newer chipexport is refused, not misread.
        let mut raw = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        raw.batch_execute("INSERT INTO chipexport_schema (version) VALUES (99)")
            .unwrap();
        assert!(matches!(
            DecisionLog::connect(&url),
            Err(StoreError::TooNew { found: 99, .. })
        ));
    }

    #[test]
    fn postgres_a_bad_url_is_input_and_a_down_server_the_environment() {
        let e = DecisionLog::connect("postgresql://u:secret@localhost:notaport/db").unwrap_err();
        assert!(matches!(e, StoreError::Url { .. }), "{e:?}");
        assert_eq!(e.fault(), Fault::Input);
        assert!(!e.to_string().contains("secret"), "{e}");
        // Nothing listens on port 1.
        let e = DecisionLog::connect("postgresql://u:secret@127.0.0.1:1/db").unwrap_err();
        assert!(matches!(e, StoreError::Unavailable { .. }), "{e:?}");
        assert_eq!(e.fault(), Fault::Environment);
        assert!(e.to_string().contains("u:***@127.0.0.1:1/db"), "{e}");
    }

    #[test]
    fn postgres_a_locked_log_is_busy() {
        let url = fresh("busy");
        let mut log = DecisionLog::connect(&url).unwrap();
        log.set_busy_timeout(Duration::from_millis(100)).unwrap();
        let mut raw = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let mut tx = raw.transaction().unwrap();
        tx.batch_execute("LOCK TABLE decisions IN ACCESS EXCLUSIVE MODE")
            .unwrap();
        let e = log.append("t", "check", "{}", "{}", "h").unwrap_err();
        assert!(
            matches!(
                e,
                StoreError::Busy {
                    waited: Some(_),
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(e.fault(), Fault::Environment);
        assert!(e.help().contains("100 ms"), "{}", e.help());
        tx.rollback().unwrap();
        assert!(log.append("t", "check", "{}", "{}", "h").is_ok());
    }

    #[test]
    fn postgres_entries_filter_as_sqlite_does() {
        let url = fresh("entries");
        let mut log = DecisionLog::connect(&url).unwrap();
        for (at, kind) in [
            ("2026-11-27T10:00:00Z", "check"),
            ("2026-11-28T10:00:00Z", "screen"),
            ("2026-11-28T23:59:59Z", "check"),
            ("2026-11-29T00:00:00Z", "check"),
        ] {
            log.append(at, kind, "{}", "{}", "h").unwrap();
        }
        let ids = |log: &mut DecisionLog, f: EntryFilter| -> Vec<i64> {
            log.entries(&f).unwrap().iter().map(|e| e.id).collect()
        };
        assert_eq!(ids(&mut log, EntryFilter::default()), [1, 2, 3, 4]);
        let checks = EntryFilter {
            kind: Some("check".into()),
            ..EntryFilter::default()
        };
        assert_eq!(ids(&mut log, checks.clone()), [1, 3, 4]);
        let dates = EntryFilter {
            from: Some("2026-11-28".into()),
            to: Some("2026-11-28".into()),
            ..EntryFilter::default()
        };
        assert_eq!(ids(&mut log, dates), [2, 3]);
        let latest = EntryFilter {
            limit: Some(2),
            ..checks
        };
        assert_eq!(ids(&mut log, latest), [3, 4]);
        let e = log.entries(&EntryFilter::default()).unwrap();
        assert_eq!(e.first().unwrap(), &log.get(1).unwrap().unwrap());
    }

    #[test]
    fn postgres_a_value_of_the_wrong_type_is_damage_not_a_panic() {
        let url = fresh("types");
        let mut log = DecisionLog::connect(&url).unwrap();
        log.append("t", "check", "{}", "{}", "h").unwrap();
        let mut raw = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        raw.batch_execute(
            "ALTER TABLE decisions ALTER COLUMN kind TYPE bytea USING convert_to(kind, 'UTF8')",
        )
        .unwrap();
        let got = log.get(1);
        assert!(matches!(got, Err(StoreError::Corrupt { .. })), "{got:?}");
        assert_eq!(log.verify().unwrap().err().map(|b| b.id), Some(1));
    }
}
