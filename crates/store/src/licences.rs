//! The licence book: licences and their drawdowns, in the data directory's
//! database (`DIR/decisions.sqlite`, table `licence_events`), kept the way
//! the decision log is kept.
//!
//! * Append-only: triggers refuse UPDATE and DELETE. A licence is recorded
//!   once; a drawdown is never edited. A balance is the sum of a licence's
//!   drawdowns, computed when read, never a stored number.
//! * Hash-chained: each event's hash covers its content and the hash of the
//!   event before it; [`LicenceBook::verify`] names the first event whose
//!   chain does not hold.
//! * Atomic: [`LicenceBook::transact`] reads the events and appends new ones
//!   in one immediate transaction, so a decision made on the events read
//!   (is there enough left?) still holds when its drawdown is written, even
//!   with other processes or connections drawing at the same time.
//!
//! SQLite only: with the `postgres` feature the decision log may live in
//! PostgreSQL, but the licence book stays in the data directory.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior, params};
use sha2::{Digest, Sha256};

use crate::error::sqlite_error;
use crate::{Broken, DEFAULT_BUSY_TIMEOUT, GENESIS, StoreError};

/// One recorded event: a licence, or a drawdown against one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceEvent {
    /// Its position in the book, from 1, without gaps.
    pub id: i64,
    /// When it was recorded (RFC 3339 by convention).
    pub recorded_at: String,
    /// `licence` or `drawdown` (by convention; the book does not read it).
    pub kind: String,
    /// The licence number it is about.
    pub licence: String,
    /// The licence record or the drawdown, as JSON.
    pub body: String,
    /// The hash of the event before it ([`GENESIS`] for the first).
    pub prev_hash: String,
    /// The SHA-256, in hex, of its content and `prev_hash`.
    pub hash: String,
}

/// An event to append; the book gives it its id and hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLicenceEvent {
    /// When it was recorded.
    pub recorded_at: String,
    /// `licence` or `drawdown`.
    pub kind: String,
    /// The licence number.
    pub licence: String,
    /// The record, as JSON.
    pub body: String,
}

fn event_hash(prev: &str, id: i64, e: &NewLicenceEvent) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &id.to_string(),
        &e.recorded_at,
        &e.kind,
        &e.licence,
        &e.body,
    ] {
        h.update(u64::try_from(part.len()).unwrap_or(0).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

const SELECT: &str =
    "SELECT id, recorded_at, kind, licence, body, prev_hash, hash FROM licence_events";

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<LicenceEvent> {
    Ok(LicenceEvent {
        id: r.get(0)?,
        recorded_at: r.get(1)?,
        kind: r.get(2)?,
        licence: r.get(3)?,
        body: r.get(4)?,
        prev_hash: r.get(5)?,
        hash: r.get(6)?,
    })
}

/// The licence book of a data directory.
#[derive(Debug)]
pub struct LicenceBook {
    conn: Connection,
    /// The SQLite file.
    pub path: PathBuf,
    busy_timeout: Duration,
}

impl LicenceBook {
    /// Opens (creating as needed) the book in `dir`'s database, with a busy
    /// timeout of [`DEFAULT_BUSY_TIMEOUT`].
    pub fn open(dir: &Path) -> Result<LicenceBook, StoreError> {
        let (conn, path) = crate::open_database(dir)?;
        let waited = DEFAULT_BUSY_TIMEOUT;
        let err = |e| sqlite_error(&path, waited, e);
        conn.execute_batch(
            "BEGIN IMMEDIATE;
             CREATE TABLE IF NOT EXISTS licence_events (
                 id INTEGER PRIMARY KEY,
                 recorded_at TEXT NOT NULL,
                 kind TEXT NOT NULL,
                 licence TEXT NOT NULL,
                 body TEXT NOT NULL,
                 prev_hash TEXT NOT NULL,
                 hash TEXT NOT NULL
             );
             CREATE INDEX IF NOT EXISTS licence_events_by_licence ON licence_events (licence, id);
             CREATE TRIGGER IF NOT EXISTS licence_events_no_update BEFORE UPDATE ON licence_events
                 BEGIN SELECT RAISE(ABORT, 'the licence book is append-only'); END;
             CREATE TRIGGER IF NOT EXISTS licence_events_no_delete BEFORE DELETE ON licence_events
                 BEGIN SELECT RAISE(ABORT, 'the licence book is append-only'); END;
             COMMIT;",
        )
        .map_err(err)?;
        Ok(LicenceBook {
            conn,
            path,
            busy_timeout: waited,
        })
    }

    /// Sets how long a transaction waits for another writer.
    pub fn set_busy_timeout(&mut self, timeout: Duration) -> Result<(), StoreError> {
        self.conn
            .busy_timeout(timeout)
            .map_err(|e| sqlite_error(&self.path, timeout, e))?;
        self.busy_timeout = timeout;
        Ok(())
    }

    /// The events, in order; only those of one licence when `licence` is
    /// given.
    pub fn events(&mut self, licence: Option<&str>) -> Result<Vec<LicenceEvent>, StoreError> {
        let (path, waited) = (&self.path, self.busy_timeout);
        let err = |e| sqlite_error(path, waited, e);
        select(&self.conn, licence).map_err(err)
    }

    /// Reads the events (of one licence, or all) and appends the events `f`
    /// returns, in one immediate transaction: no other writer can append
    /// between the read and the write. `f` may refuse (its error is
    /// returned, nothing is written) or return no event. Returns the events
    /// appended and `f`'s value.
    pub fn transact<T, E: From<StoreError>>(
        &mut self,
        licence: Option<&str>,
        f: impl FnOnce(&[LicenceEvent]) -> Result<(Vec<NewLicenceEvent>, T), E>,
    ) -> Result<(Vec<LicenceEvent>, T), E> {
        let (path, waited) = (self.path.clone(), self.busy_timeout);
        let err = |e| sqlite_error(&path, waited, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let seen = select(&tx, licence).map_err(err)?;
        let (new, value) = f(&seen)?;
        if new.is_empty() {
            return Ok((Vec::new(), value));
        }
        let last: Option<(i64, String)> = tx
            .query_row(
                "SELECT id, hash FROM licence_events ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })
            .map_err(err)?;
        let (mut id, mut prev) = last.map_or((1, GENESIS.to_string()), |(i, h)| (i + 1, h));
        let mut out = Vec::with_capacity(new.len());
        {
            let mut ins = tx
                .prepare_cached(
                    "INSERT INTO licence_events (id, recorded_at, kind, licence, body, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(err)?;
            for e in new {
                let hash = event_hash(&prev, id, &e);
                ins.execute(params![
                    id,
                    e.recorded_at,
                    e.kind,
                    e.licence,
                    e.body,
                    prev,
                    hash
                ])
                .map_err(err)?;
                out.push(LicenceEvent {
                    id,
                    recorded_at: e.recorded_at,
                    kind: e.kind,
                    licence: e.licence,
                    body: e.body,
                    prev_hash: std::mem::replace(&mut prev, hash.clone()),
                    hash,
                });
                id += 1;
            }
        }
        tx.commit().map_err(err)?;
        Ok((out, value))
    }

    /// Checks the whole chain; `Ok(n)` is the number of events.
    pub fn verify(&mut self) -> Result<Result<u64, Broken>, StoreError> {
        Ok(verify_events(&self.events(None)?))
    }
}

/// Checks a chain of events read in id order from the first (as
/// [`LicenceBook::transact`] hands them over when it reads them all):
/// `Ok(n)` is the number of events, `Err` the first that does not hold.
pub fn verify_events(events: &[LicenceEvent]) -> Result<u64, Broken> {
    let mut prev = GENESIS.to_string();
    let mut n = 0u64;
    for (expect, e) in (1i64..).zip(events) {
        if e.id != expect {
            return Err(Broken {
                id: expect,
                reason: format!("event {expect} is missing (the next event is {})", e.id),
            });
        }
        if e.prev_hash != prev {
            return Err(Broken {
                id: e.id,
                reason: "its previous-hash does not match the event before it".into(),
            });
        }
        let new = NewLicenceEvent {
            recorded_at: e.recorded_at.clone(),
            kind: e.kind.clone(),
            licence: e.licence.clone(),
            body: e.body.clone(),
        };
        if event_hash(&prev, e.id, &new) != e.hash {
            return Err(Broken {
                id: e.id,
                reason: "its content does not match its hash (it was edited)".into(),
            });
        }
        prev.clone_from(&e.hash);
        n += 1;
    }
    Ok(n)
}

fn select(conn: &Connection, licence: Option<&str>) -> rusqlite::Result<Vec<LicenceEvent>> {
    match licence {
        Some(l) => {
            let mut stmt =
                conn.prepare_cached(&format!("{SELECT} WHERE licence = ?1 ORDER BY id"))?;
            stmt.query_map([l], read)?.collect()
        }
        None => {
            let mut stmt = conn.prepare_cached(&format!("{SELECT} ORDER BY id"))?;
            stmt.query_map([], read)?.collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cause;

    fn ev(kind: &str, licence: &str, body: &str) -> NewLicenceEvent {
        NewLicenceEvent {
            recorded_at: "2026-11-30T00:00:00Z".into(),
            kind: kind.into(),
            licence: licence.into(),
            body: body.into(),
        }
    }

    fn book(dir: &Path) -> LicenceBook {
        LicenceBook::open(dir).unwrap_or_else(|e| unreachable!("{e}"))
    }

    #[test]
    fn events_chain_and_refuse_edits() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
        let mut b = book(dir.path());
        let r: Result<_, StoreError> = b.transact(None, |seen| {
            assert!(seen.is_empty());
            Ok((
                vec![
                    ev("licence", "D1", "{}"),
                    ev("drawdown", "D1", "{\"units\":5}"),
                ],
                (),
            ))
        });
        assert!(r.is_ok());
        let r: Result<_, StoreError> = b.transact(Some("D1"), |seen| {
            Ok((vec![ev("drawdown", "D1", "{\"units\":7}")], seen.len()))
        });
        assert_eq!(r.ok().map(|(e, n)| (e.len(), n)), Some((1, 2)));
        assert_eq!(b.verify().ok(), Some(Ok(3)));
        assert!(
            b.conn
                .execute("UPDATE licence_events SET body = '{}' WHERE id = 2", [])
                .is_err()
        );
        assert!(
            b.conn
                .execute("DELETE FROM licence_events WHERE id = 2", [])
                .is_err()
        );
        let bypass = "DROP TRIGGER licence_events_no_update; UPDATE licence_events SET body = '{\"units\":500}' WHERE id = 2;";
        assert!(b.conn.execute_batch(bypass).is_ok());
        assert_eq!(b.verify().ok().and_then(Result::err).map(|x| x.id), Some(2));
    }

    #[test]
    fn a_refusal_writes_nothing_and_the_decision_log_shares_the_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
        let mut b = book(dir.path());
        let r: Result<(Vec<LicenceEvent>, ()), StoreError> = b.transact(None, |_| {
            Err(StoreError::Unexpected {
                path: "x".into(),
                source: Cause::from("refused".to_string()),
            })
        });
        assert!(r.is_err());
        assert_eq!(b.events(None).map(|e| e.len()).ok(), Some(0));
        let mut log = crate::DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
        assert!(log.append("t", "check", "{}", "{}", "h").is_ok());
        assert_eq!(book(dir.path()).verify().ok(), Some(Ok(0)));
    }
}
