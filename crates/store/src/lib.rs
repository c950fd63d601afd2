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

/// The log in a data directory (`DIR/decisions.sqlite`).
pub struct DecisionLog {
    conn: Connection,
    pub path: PathBuf,
}

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
        Ok(DecisionLog { conn, path })
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
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let last: Option<(i64, String)> = tx
            .query_row(
                "SELECT id, hash FROM decisions ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (mut id, mut prev) = match last {
            Some((id, hash)) => (id + 1, hash),
            None => (1, GENESIS.to_string()),
        };
        let mut out = Vec::with_capacity(entries.len());
        {
            let mut ins = tx.prepare_cached(
                "INSERT INTO decisions (id, recorded_at, kind, request, response, rule_set_hash, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
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
                ins.execute(params![
                    id,
                    e.recorded_at,
                    e.kind,
                    e.request,
                    e.response,
                    e.rule_set_hash,
                    prev,
                    hash
                ])?;
                out.push(Entry {
                    id,
                    recorded_at: e.recorded_at,
                    kind: e.kind,
                    request: e.request,
                    response: e.response,
                    rule_set_hash: e.rule_set_hash,
                    prev_hash: prev,
                    hash: hash.clone(),
                });
                prev = hash;
                id += 1;
            }
        }
        tx.commit()?;
        Ok(out)
    }

    pub fn get(&self, id: i64) -> Result<Option<Entry>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT id, recorded_at, kind, request, response, rule_set_hash, prev_hash, hash FROM decisions WHERE id = ?1", [id], |r| {
                Ok(Entry { id: r.get(0)?, recorded_at: r.get(1)?, kind: r.get(2)?, request: r.get(3)?, response: r.get(4)?, rule_set_hash: r.get(5)?, prev_hash: r.get(6)?, hash: r.get(7)? })
            })
            .optional()?)
    }

    /// Checks the whole chain; `Ok(n)` is the number of entries.
    pub fn verify(&self) -> Result<Result<u64, Broken>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT id, recorded_at, kind, request, response, rule_set_hash, prev_hash, hash FROM decisions ORDER BY id")?;
        let mut rows = stmt.query([])?;
        let mut prev = GENESIS.to_string();
        let mut expect_id = 1i64;
        let mut n = 0u64;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            // Any column read as text; a tampered type is itself a break.
            let text = |i: usize| -> String {
                r.get::<_, String>(i)
                    .unwrap_or_else(|_| "\u{0}not text".to_string())
            };
            let (at, kind, req, resp, rsh, prev_hash, hash) = (
                text(1),
                text(2),
                text(3),
                text(4),
                text(5),
                text(6),
                text(7),
            );
            if id != expect_id {
                return Ok(Err(Broken {
                    id: expect_id,
                    reason: format!("entry {expect_id} is missing (the next entry is {id})"),
                }));
            }
            if prev_hash != prev {
                return Ok(Err(Broken {
                    id,
                    reason: "its previous-hash does not match the entry before it".into(),
                }));
            }
            if entry_hash(&prev_hash, id, &at, &kind, &req, &resp, &rsh) != hash {
                return Ok(Err(Broken {
                    id,
                    reason: "its content does not match its hash (it was edited)".into(),
                }));
            }
            prev = hash;
            expect_id += 1;
            n += 1;
        }
        Ok(Ok(n))
    }

    pub fn len(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM decisions", [], |r| r.get(0))?)
    }

    pub fn is_empty(&self) -> Result<bool, StoreError> {
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
        assert!(
            log.conn
                .execute("UPDATE decisions SET response = 'x' WHERE id = 3", [])
                .is_err()
        );
        assert!(
            log.conn
                .execute("DELETE FROM decisions WHERE id = 3", [])
                .is_err()
        );
        // ...and finds them when the triggers are bypassed.
        log.conn.execute_batch("DROP TRIGGER decisions_no_update; UPDATE decisions SET response = '{\"license_required\":false}' WHERE id = 3;").unwrap_or_else(|e| unreachable!("{e}"));
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
