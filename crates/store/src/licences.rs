//! The licence book: licences and their drawdowns, in the data directory's
//! database (`DIR/decisions.sqlite`, table `licence_events`) or, with the
//! `postgres` feature, in a PostgreSQL database (the same table), kept the
//! way the decision log is kept.
//!
//! * Append-only: triggers refuse UPDATE and DELETE (and, on PostgreSQL,
//!   TRUNCATE). A licence is recorded once (a unique index refuses a second
//!   `licence` event of the same number); a drawdown is never edited. A
//!   balance is the sum of a licence's drawdowns, computed when read, never
//!   a stored number.
//! * Hash-chained: each event's hash covers its content and the hash of the
//!   event before it; [`LicenceBook::verify`] names the first event whose
//!   chain does not hold. The hash is the same on both backends, so a book
//!   verifies alike wherever it is kept.
//! * Atomic: [`LicenceBook::transact`] reads the events and appends new ones
//!   in one transaction that excludes every other writer (SQLite: an
//!   immediate transaction; PostgreSQL: `LOCK TABLE licence_events IN SHARE
//!   ROW EXCLUSIVE MODE`, taken before the events are read), so a decision
//!   made on the events read (is there enough left?) still holds when its
//!   drawdown is written, even with other processes or connections drawing
//!   at the same time.
//!
//! The logic (read, decide, chain, append) is one code path, `append`; the
//! backends differ only in how they select and insert rows and how they
//! begin the transaction.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior, params};
use sha2::{Digest, Sha256};

use crate::error::sqlite_error;
#[cfg(feature = "postgres")]
use crate::error::{postgres_error, postgres_lock_error};
use crate::{Backend, Broken, Cause, DEFAULT_BUSY_TIMEOUT, GENESIS, LogRow, StoreError};

/// One recorded event: a licence, or a drawdown against one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceEvent {
    /// Its position in the book, from 1, without gaps.
    pub id: i64,
    /// When it was recorded (RFC 3339 by convention).
    pub recorded_at: String,
    /// `licence`, `drawdown` or `us_shipments` (by convention; the book
    /// reads it only to refuse a second `licence` event of one number).
    pub kind: String,
    /// The licence number it is about; empty for an event about no one
    /// licence (the holder's US shipments).
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
    chipexport_domain::hex(&h.finalize())
}

/// Links new events to the last one (`(id, hash)`), computing each hash.
fn chain(last: Option<(i64, String)>, new: Vec<NewLicenceEvent>) -> Vec<LicenceEvent> {
    let (mut id, mut prev) = last.map_or((1, GENESIS.to_string()), |(i, h)| (i + 1, h));
    let mut out = Vec::with_capacity(new.len());
    for e in new {
        let hash = event_hash(&prev, id, &e);
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
    out
}

const SELECT: &str =
    "SELECT id, recorded_at, kind, licence, body, prev_hash, hash FROM licence_events";
const HEAD: &str = "SELECT id, hash FROM licence_events ORDER BY id DESC LIMIT 1";

/// An event from a row of [`SELECT`]; a value of the wrong type means the
/// book was edited outside chipexport.
fn read_event(r: &impl LogRow, path: &Path) -> Result<LicenceEvent, StoreError> {
    let corrupt = |source: Cause| StoreError::Corrupt {
        path: path.display().to_string(),
        source,
    };
    let text = |i: usize| r.text(i).map_err(corrupt);
    Ok(LicenceEvent {
        id: r.int(0).map_err(corrupt)?,
        recorded_at: text(1)?,
        kind: text(2)?,
        licence: text(3)?,
        body: text(4)?,
        prev_hash: text(5)?,
        hash: text(6)?,
    })
}

/// What the book needs of its storage, inside a transaction or outside it
/// (to read): select the events, find the last one, insert one.
trait Rows {
    /// The events in id order; only those of `licence` when given.
    fn select(&mut self, licence: Option<&str>) -> Result<Vec<LicenceEvent>, StoreError>;
    /// The `(id, hash)` of the last event.
    fn head(&mut self) -> Result<Option<(i64, String)>, StoreError>;
    /// Inserts an event, as chained.
    fn insert(&mut self, e: &LicenceEvent) -> Result<(), StoreError>;
}

/// Reads the events (of one licence, or all), lets `f` decide, chains the
/// events it returns to the last one and inserts them: the whole logic of
/// [`LicenceBook::transact`], the same for every backend. The caller holds
/// the transaction that excludes other writers, and commits it.
fn append<T, E: From<StoreError>>(
    rows: &mut impl Rows,
    licence: Option<&str>,
    f: impl FnOnce(&[LicenceEvent]) -> Result<(Vec<NewLicenceEvent>, T), E>,
) -> Result<(Vec<LicenceEvent>, T), E> {
    let seen = rows.select(licence)?;
    let (new, value) = f(&seen)?;
    if new.is_empty() {
        return Ok((Vec::new(), value));
    }
    let out = chain(rows.head()?, new);
    for e in &out {
        rows.insert(e)?;
    }
    Ok((out, value))
}

/// The rows of a SQLite connection (or of a transaction on one).
struct SqliteRows<'a> {
    conn: &'a Connection,
    path: &'a Path,
    waited: Duration,
}

impl Rows for SqliteRows<'_> {
    fn select(&mut self, licence: Option<&str>) -> Result<Vec<LicenceEvent>, StoreError> {
        let err = |e| sqlite_error(self.path, self.waited, e);
        let (sql, params): (String, Vec<&str>) = match licence {
            Some(l) => (format!("{SELECT} WHERE licence = ?1 ORDER BY id"), vec![l]),
            None => (format!("{SELECT} ORDER BY id"), Vec::new()),
        };
        let mut stmt = self.conn.prepare_cached(&sql).map_err(err)?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params))
            .map_err(err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(err)? {
            out.push(read_event(r, self.path)?);
        }
        Ok(out)
    }

    fn head(&mut self) -> Result<Option<(i64, String)>, StoreError> {
        let err = |e| sqlite_error(self.path, self.waited, e);
        let mut stmt = self.conn.prepare_cached(HEAD).map_err(err)?;
        let mut rows = stmt.query([]).map_err(err)?;
        match rows.next().map_err(err)? {
            Some(r) => Ok(Some(crate::read_head(r, self.path)?)),
            None => Ok(None),
        }
    }

    fn insert(&mut self, e: &LicenceEvent) -> Result<(), StoreError> {
        let err = |x| sqlite_error(self.path, self.waited, x);
        self.conn
            .prepare_cached(
                "INSERT INTO licence_events (id, recorded_at, kind, licence, body, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(err)?
            .execute(params![
                e.id,
                e.recorded_at,
                e.kind,
                e.licence,
                e.body,
                e.prev_hash,
                e.hash
            ])
            .map_err(err)?;
        Ok(())
    }
}

/// The rows of a PostgreSQL client (or of a transaction on one).
#[cfg(feature = "postgres")]
struct PostgresRows<'a, C> {
    client: &'a mut C,
    path: &'a Path,
}

#[cfg(feature = "postgres")]
impl<C: postgres::GenericClient> Rows for PostgresRows<'_, C> {
    fn select(&mut self, licence: Option<&str>) -> Result<Vec<LicenceEvent>, StoreError> {
        let err = |e| postgres_error(self.path, e);
        let rows = match licence {
            Some(l) => self
                .client
                .query(&format!("{SELECT} WHERE licence = $1 ORDER BY id"), &[&l]),
            None => self.client.query(&format!("{SELECT} ORDER BY id"), &[]),
        }
        .map_err(err)?;
        rows.iter().map(|r| read_event(r, self.path)).collect()
    }

    fn head(&mut self) -> Result<Option<(i64, String)>, StoreError> {
        self.client
            .query_opt(HEAD, &[])
            .map_err(|e| postgres_error(self.path, e))?
            .map(|r| crate::read_head(&r, self.path))
            .transpose()
    }

    fn insert(&mut self, e: &LicenceEvent) -> Result<(), StoreError> {
        self.client
            .execute(
                "INSERT INTO licence_events (id, recorded_at, kind, licence, body, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &e.id,
                    &e.recorded_at,
                    &e.kind,
                    &e.licence,
                    &e.body,
                    &e.prev_hash,
                    &e.hash,
                ],
            )
            .map_err(|x| postgres_error(self.path, x))?;
        Ok(())
    }
}

/// The licence book of a data directory or, with the `postgres` feature,
/// of a PostgreSQL database.
pub struct LicenceBook {
    backend: Backend,
    /// Where the book is: the SQLite file, or the database URL without its
    /// password.
    pub path: PathBuf,
    busy_timeout: Duration,
}

impl fmt::Debug for LicenceBook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LicenceBook")
            .field("backend", &self.backend.name())
            .field("path", &self.path)
            .field("busy_timeout", &self.busy_timeout)
            .finish()
    }
}

/// The book's table, index and triggers in PostgreSQL, created in one
/// transaction.
#[cfg(feature = "postgres")]
const POSTGRES_SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS licence_events (
        id BIGINT PRIMARY KEY,
        recorded_at TEXT NOT NULL,
        kind TEXT NOT NULL,
        licence TEXT NOT NULL,
        body TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS licence_events_by_licence ON licence_events (licence, id);
    CREATE UNIQUE INDEX IF NOT EXISTS licence_events_one_licence ON licence_events (licence)
        WHERE kind = 'licence';
    CREATE OR REPLACE FUNCTION chipexport_licence_book_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the licence book is append-only'; END $$;
    CREATE OR REPLACE TRIGGER licence_events_no_update BEFORE UPDATE OR DELETE ON licence_events
        FOR EACH ROW EXECUTE FUNCTION chipexport_licence_book_append_only();
    CREATE OR REPLACE TRIGGER licence_events_no_truncate BEFORE TRUNCATE ON licence_events
        FOR EACH STATEMENT EXECUTE FUNCTION chipexport_licence_book_append_only();";

/// The key of the transaction-level advisory lock that serialises the
/// creation of the book's table by concurrent first connections
/// (`chiplicb` in ASCII).
#[cfg(feature = "postgres")]
const POSTGRES_SCHEMA_LOCK: i64 = 0x6368_6970_6c69_6362;

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
             CREATE UNIQUE INDEX IF NOT EXISTS licence_events_one_licence ON licence_events (licence)
                 WHERE kind = 'licence';
             CREATE TRIGGER IF NOT EXISTS licence_events_no_update BEFORE UPDATE ON licence_events
                 BEGIN SELECT RAISE(ABORT, 'the licence book is append-only'); END;
             CREATE TRIGGER IF NOT EXISTS licence_events_no_delete BEFORE DELETE ON licence_events
                 BEGIN SELECT RAISE(ABORT, 'the licence book is append-only'); END;
             COMMIT;",
        )
        .map_err(err)?;
        Ok(LicenceBook {
            backend: Backend::Sqlite(conn),
            path,
            busy_timeout: waited,
        })
    }

    /// Opens the book at a location: a `postgres://` or `postgresql://` URL
    /// (needs the `postgres` feature), or else a data directory.
    pub fn open_location(location: &str) -> Result<LicenceBook, StoreError> {
        if crate::is_postgres_url(location) {
            #[cfg(feature = "postgres")]
            return LicenceBook::connect(location);
            #[cfg(not(feature = "postgres"))]
            return Err(StoreError::Unsupported {
                url: crate::redact(location),
            });
        }
        LicenceBook::open(Path::new(location))
    }

    /// Connects to the book in a PostgreSQL database, creating its table,
    /// indexes and triggers on first use. A transaction waits at most
    /// [`DEFAULT_BUSY_TIMEOUT`] for another writer's lock (PostgreSQL's
    /// `lock_timeout`).
    #[cfg(feature = "postgres")]
    pub fn connect(url: &str) -> Result<LicenceBook, StoreError> {
        let (mut client, shown) = crate::connect_postgres(url)?;
        let err = |e| postgres_error(&shown, e);
        let exists = |c: &mut postgres::Client| -> Result<bool, StoreError> {
            c.query_one("SELECT to_regclass('licence_events') IS NOT NULL", &[])
                .map_err(err)?
                .try_get(0)
                .map_err(err)
        };
        if !exists(&mut client)? {
            let mut tx = client.transaction().map_err(err)?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&POSTGRES_SCHEMA_LOCK])
                .map_err(err)?;
            tx.batch_execute(POSTGRES_SCHEMA).map_err(err)?;
            tx.commit().map_err(err)?;
        }
        Ok(LicenceBook {
            backend: Backend::Postgres(Box::new(client)),
            path: shown,
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
        })
    }

    /// How long a transaction waits for another writer before it fails
    /// with [`StoreError::Busy`]; [`DEFAULT_BUSY_TIMEOUT`] unless changed.
    pub fn busy_timeout(&self) -> Duration {
        self.busy_timeout
    }

    /// Sets how long a transaction waits for another writer (SQLite's busy
    /// timeout; PostgreSQL's `lock_timeout`).
    pub fn set_busy_timeout(&mut self, timeout: Duration) -> Result<(), StoreError> {
        self.backend.set_busy_timeout(&self.path, timeout)?;
        self.busy_timeout = timeout;
        Ok(())
    }

    /// The events, in order; only those of one licence when `licence` is
    /// given.
    pub fn events(&mut self, licence: Option<&str>) -> Result<Vec<LicenceEvent>, StoreError> {
        let (path, waited) = (self.path.as_path(), self.busy_timeout);
        match &mut self.backend {
            Backend::Sqlite(conn) => SqliteRows { conn, path, waited }.select(licence),
            #[cfg(feature = "postgres")]
            Backend::Postgres(client) => PostgresRows {
                client: client.as_mut(),
                path,
            }
            .select(licence),
        }
    }

    /// Reads the events (of one licence, or all) and appends the events `f`
    /// returns, in one transaction that excludes every other writer: no
    /// other writer can append between the read and the write. `f` may
    /// refuse (its error is returned, nothing is written) or return no
    /// event. Returns the events appended and `f`'s value.
    pub fn transact<T, E: From<StoreError>>(
        &mut self,
        licence: Option<&str>,
        f: impl FnOnce(&[LicenceEvent]) -> Result<(Vec<NewLicenceEvent>, T), E>,
    ) -> Result<(Vec<LicenceEvent>, T), E> {
        let (path, waited) = (self.path.as_path(), self.busy_timeout);
        match &mut self.backend {
            Backend::Sqlite(conn) => {
                let err = |e| sqlite_error(path, waited, e);
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(err)?;
                let done = append(
                    &mut SqliteRows {
                        conn: &tx,
                        path,
                        waited,
                    },
                    licence,
                    f,
                )?;
                tx.commit().map_err(err)?;
                Ok(done)
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(client) => {
                let err = |e| postgres_error(path, e);
                // READ COMMITTED whatever the server's default: each
                // statement after the lock sees every event committed
                // before it was granted.
                let mut tx = client
                    .build_transaction()
                    .isolation_level(postgres::IsolationLevel::ReadCommitted)
                    .start()
                    .map_err(err)?;
                // One writer at a time, across every connection; readers
                // are not blocked. Taken before the events are read.
                tx.batch_execute("LOCK TABLE licence_events IN SHARE ROW EXCLUSIVE MODE")
                    .map_err(|e| postgres_lock_error(path, waited, e))?;
                let done = append(
                    &mut PostgresRows {
                        client: &mut tx,
                        path,
                    },
                    licence,
                    f,
                )?;
                tx.commit().map_err(err)?;
                Ok(done)
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Another connection to the book's file, as a tool outside chipexport.
    fn raw(b: &LicenceBook) -> Connection {
        Connection::open(&b.path).unwrap_or_else(|e| unreachable!("{e}"))
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
        let db = raw(&b);
        assert!(
            db.execute("UPDATE licence_events SET body = '{}' WHERE id = 2", [])
                .is_err()
        );
        assert!(
            db.execute("DELETE FROM licence_events WHERE id = 2", [])
                .is_err()
        );
        let bypass = "DROP TRIGGER licence_events_no_update; UPDATE licence_events SET body = '{\"units\":500}' WHERE id = 2;";
        assert!(db.execute_batch(bypass).is_ok());
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

    #[test]
    fn a_licence_number_is_recorded_once_and_a_failed_append_writes_nothing() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
        let mut b = book(dir.path());
        let add = |b: &mut LicenceBook, events: Vec<NewLicenceEvent>| {
            b.transact::<(), StoreError>(None, |_| Ok((events, ())))
                .map(|(e, ())| e.len())
        };
        assert_eq!(add(&mut b, vec![ev("licence", "D1", "{}")]).ok(), Some(1));
        // Drawdowns of one licence are many; a second licence event of the
        // same number is refused, with the drawdown appended beside it.
        let twice = vec![ev("drawdown", "D1", "1"), ev("licence", "D1", "{}")];
        assert!(add(&mut b, twice).is_err());
        assert_eq!(b.events(None).map(|e| e.len()).ok(), Some(1));
        assert_eq!(add(&mut b, vec![ev("licence", "D2", "{}")]).ok(), Some(1));
        assert_eq!(b.verify().ok(), Some(Ok(2)));
    }

    /// The hash of a known event, pinned: a change of the hash would break
    /// every book already recorded (and the agreement of SQLite and
    /// PostgreSQL books, which share it). Computed independently: SHA-256
    /// over each field prefixed by its length as a little-endian u64.
    #[test]
    fn the_event_hash_is_stable() {
        let e = chain(None, vec![ev("licence", "D1", "{}")]);
        assert_eq!(
            e.first()
                .map(|e| (e.id, e.prev_hash.as_str(), e.hash.as_str())),
            Some((
                1,
                GENESIS,
                "181e9433f48b20eafd05bb81720dac1369f1a20b2efd668b5dbd3044c0a8005a"
            ))
        );
    }
}
