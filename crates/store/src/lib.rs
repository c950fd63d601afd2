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

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The schema version this code writes; older logs are migrated on open.
pub const SCHEMA_VERSION: i64 = 1;

/// A log error, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the decision log in `{path}`: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("cannot create the data directory `{path}`: {source}")]
    Dir {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the decision log is newer (schema {found}) than this chipexport understands ({SCHEMA_VERSION})"
    )]
    TooNew { found: i64 },
    #[error("decision log error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[cfg(feature = "postgres")]
    #[error("decision log error (PostgreSQL): {0}")]
    Postgres(#[from] postgres::Error),
    #[error("`{0}` is not a PostgreSQL URL this build can use")]
    Url(String),
}

/// One recorded decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    pub recorded_at: String,
    pub kind: String,
    pub request: String,
    pub response: String,
    pub rule_set_hash: String,
    pub prev_hash: String,
    pub hash: String,
}

/// An entry to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub recorded_at: String,
    pub kind: String,
    pub request: String,
    pub response: String,
    pub rule_set_hash: String,
}

/// The first entry whose chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub id: i64,
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
fn chain(last: Option<(i64, String)>, entries: Vec<NewEntry>) -> Vec<Entry> {
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
        out.push(Entry {
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

/// The log in a data directory (`DIR/decisions.sqlite`) or, with the
/// `postgres` feature, in a PostgreSQL database.
pub struct DecisionLog {
    backend: Backend,
    /// Where the log is: the SQLite file, or the database URL without its
    /// password.
    pub path: PathBuf,
}

const SELECT: &str = "SELECT id, recorded_at, kind, request, response, rule_set_hash, prev_hash, hash FROM decisions";

impl DecisionLog {
    /// Opens (creating and migrating as needed) the log in `dir`.
    pub fn open(dir: &Path) -> Result<DecisionLog, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
            path: dir.display().to_string(),
            source,
        })?;
        let path = dir.join("decisions.sqlite");
        let conn = Connection::open(&path).map_err(|source| StoreError::Open {
            path: path.display().to_string(),
            source,
        })?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;",
        )?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew { found: version });
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
            )?;
        }
        Ok(DecisionLog {
            backend: Backend::Sqlite(conn),
            path,
        })
    }

    /// Opens the log at a location: a `postgres://` or `postgresql://` URL
    /// (needs the `postgres` feature), or else a data directory.
    pub fn open_location(location: &str) -> Result<DecisionLog, StoreError> {
        if location.starts_with("postgres://") || location.starts_with("postgresql://") {
            #[cfg(feature = "postgres")]
            return DecisionLog::connect(location);
            #[cfg(not(feature = "postgres"))]
            return Err(StoreError::Url(location.to_string()));
        }
        DecisionLog::open(Path::new(location))
    }

    /// Connects to the log in a PostgreSQL database, creating and migrating
    /// its table as needed.
    #[cfg(feature = "postgres")]
    pub fn connect(url: &str) -> Result<DecisionLog, StoreError> {
        let mut client = postgres::Client::connect(url, postgres::NoTls)?;
        client.batch_execute(
            "CREATE TABLE IF NOT EXISTS chipexport_schema (version BIGINT NOT NULL);",
        )?;
        let version: Option<i64> = client
            .query_opt("SELECT max(version) FROM chipexport_schema", &[])?
            .and_then(|r| r.get(0));
        let version = version.unwrap_or(0);
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew { found: version });
        }
        if version < 1 {
            client.batch_execute(
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
            )?;
        }
        let shown = match url.split_once('@') {
            Some((creds, rest)) => match creds.rsplit_once(':') {
                Some((user, _)) if user.contains("//") && user.matches(':').count() == 1 => {
                    format!("{user}:***@{rest}")
                }
                _ => url.to_string(),
            },
            None => url.to_string(),
        };
        Ok(DecisionLog {
            backend: Backend::Postgres(Box::new(client)),
            path: PathBuf::from(shown),
        })
    }

    /// Appends an entry; returns it once it is durable.
    pub fn append(
        &mut self,
        recorded_at: &str,
        kind: &str,
        request: &str,
        response: &str,
        rule_set_hash: &str,
    ) -> Result<Entry, StoreError> {
        let new = NewEntry {
            recorded_at: recorded_at.into(),
            kind: kind.into(),
            request: request.into(),
            response: response.into(),
            rule_set_hash: rule_set_hash.into(),
        };
        let mut out = self.append_all(vec![new])?;
        out.pop()
            .ok_or(StoreError::Sql(rusqlite::Error::QueryReturnedNoRows))
    }

    /// Appends entries in order in one transaction (group commit: one
    /// durable write for all); returns them once they are durable.
    pub fn append_all(&mut self, entries: Vec<NewEntry>) -> Result<Vec<Entry>, StoreError> {
        match &mut self.backend {
            Backend::Sqlite(conn) => {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let last: Option<(i64, String)> = tx
                    .query_row(
                        "SELECT id, hash FROM decisions ORDER BY id DESC LIMIT 1",
                        [],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                let out = chain(last, entries);
                {
                    let mut ins = tx.prepare_cached(
                        "INSERT INTO decisions (id, recorded_at, kind, request, response, rule_set_hash, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    )?;
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
                        ])?;
                    }
                }
                tx.commit()?;
                Ok(out)
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(client) => {
                let mut tx = client.transaction()?;
                // One appender at a time, across every connection.
                tx.batch_execute("LOCK TABLE decisions IN SHARE ROW EXCLUSIVE MODE")?;
                let last: Option<(i64, String)> = tx
                    .query_opt(
                        "SELECT id, hash FROM decisions ORDER BY id DESC LIMIT 1",
                        &[],
                    )?
                    .map(|r| (r.get(0), r.get(1)));
                let out = chain(last, entries);
                let ins = tx.prepare(
                    "INSERT INTO decisions (id, recorded_at, kind, request, response, rule_set_hash, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )?;
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
                    )?;
                }
                tx.commit()?;
                Ok(out)
            }
        }
    }

    pub fn get(&mut self, id: i64) -> Result<Option<Entry>, StoreError> {
        match &mut self.backend {
            Backend::Sqlite(conn) => Ok(conn
                .query_row(&format!("{SELECT} WHERE id = ?1"), [id], |r| {
                    Ok(Entry {
                        id: r.get(0)?,
                        recorded_at: r.get(1)?,
                        kind: r.get(2)?,
                        request: r.get(3)?,
                        response: r.get(4)?,
                        rule_set_hash: r.get(5)?,
                        prev_hash: r.get(6)?,
                        hash: r.get(7)?,
                    })
                })
                .optional()?),
            #[cfg(feature = "postgres")]
            Backend::Postgres(client) => Ok(client
                .query_opt(&format!("{SELECT} WHERE id = $1"), &[&id])?
                .map(|r| Entry {
                    id: r.get(0),
                    recorded_at: r.get(1),
                    kind: r.get(2),
                    request: r.get(3),
                    response: r.get(4),
                    rule_set_hash: r.get(5),
                    prev_hash: r.get(6),
                    hash: r.get(7),
                })),
        }
    }

    /// Checks the whole chain; `Ok(n)` is the number of entries.
    pub fn verify(&mut self) -> Result<Result<u64, Broken>, StoreError> {
        let mut check = Checker::default();
        match &mut self.backend {
            Backend::Sqlite(conn) => {
                let mut stmt = conn.prepare(&format!("{SELECT} ORDER BY id"))?;
                let mut rows = stmt.query([])?;
                while let Some(r) = rows.next()? {
                    // Any column read as text; a tampered type is itself a break.
                    let text = |i: usize| -> String {
                        r.get::<_, String>(i)
                            .unwrap_or_else(|_| "\u{0}not text".to_string())
                    };
                    let row = [
                        text(1),
                        text(2),
                        text(3),
                        text(4),
                        text(5),
                        text(6),
                        text(7),
                    ];
                    if let Some(b) = check.next(r.get(0)?, row) {
                        return Ok(Err(b));
                    }
                }
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(client) => {
                let mut rows = client
                    .query_raw(&format!("{SELECT} ORDER BY id"), std::iter::empty::<i64>())?;
                use postgres::fallible_iterator::FallibleIterator;
                while let Some(r) = rows.next()? {
                    let text = |i: usize| -> String { r.get(i) };
                    let row = [
                        text(1),
                        text(2),
                        text(3),
                        text(4),
                        text(5),
                        text(6),
                        text(7),
                    ];
                    if let Some(b) = check.next(r.get(0), row) {
                        return Ok(Err(b));
                    }
                }
            }
        }
        Ok(Ok(check.n))
    }

    pub fn len(&mut self) -> Result<i64, StoreError> {
        match &mut self.backend {
            Backend::Sqlite(conn) => {
                Ok(conn.query_row("SELECT COUNT(*) FROM decisions", [], |r| r.get(0))?)
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(client) => Ok(client
                .query_one("SELECT COUNT(*) FROM decisions", &[])?
                .get(0)),
        }
    }

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
        #[allow(irrefutable_let_patterns)]
        let Backend::Sqlite(conn) = &log.backend else {
            unreachable!("opened from a directory")
        };
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
}

/// The same checks on PostgreSQL. Needs a server: set
/// `CHIPEXPORT_TEST_DATABASE_URL` to a server URL without a database name
/// (e.g. `postgresql://postgres@127.0.0.1:54329`); `scripts/test` starts a
/// throwaway server and sets it. Each test makes its own database.
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
        let more: Vec<NewEntry> = (0..3)
            .map(|i| NewEntry {
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
            Err(StoreError::TooNew { found: 99 })
        ));
    }
}
