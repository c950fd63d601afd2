//! The fleet record for location verification, in the data directory's
//! SQLite database (`DIR/decisions.sqlite`, beside the decision log, in
//! tables of its own):
//!
//! * landmarks: id, name, position, country;
//! * chips by serial: licence, licensed site, registered public key;
//! * nonces already used (a nonce answers once: a replay is refused);
//! * verifications: the outcome of each, with the decision-log entry that
//!   records it in full, so that the latest verification of a chip or a
//!   licence within a period can be found.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::error::sqlite_error;
use crate::{DEFAULT_BUSY_TIMEOUT, StoreError};

/// A registered landmark.
#[derive(Debug, Clone, PartialEq)]
pub struct LandmarkRow {
    /// Its id, as measurement records name it.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Its country (ISO alpha-2).
    pub country: String,
}

/// A registered chip.
#[derive(Debug, Clone, PartialEq)]
pub struct ChipRow {
    /// Its serial number.
    pub serial: String,
    /// The licence it was exported under.
    pub licence: String,
    /// The licensed site's name.
    pub site_name: String,
    /// The licensed site's latitude.
    pub site_lat: f64,
    /// The licensed site's longitude.
    pub site_lon: f64,
    /// The licensed site's country (ISO alpha-2).
    pub site_country: String,
    /// The chip's Ed25519 public key, hex.
    pub public_key: String,
}

/// What registering a chip did.
#[derive(Debug, Clone, PartialEq)]
pub enum Registered {
    /// A new chip.
    Added,
    /// The same record was already there.
    Unchanged,
    /// Another record has this serial: nothing was changed.
    Conflict(Box<ChipRow>),
}

/// A recorded verification.
#[derive(Debug, Clone, PartialEq)]
pub struct VerificationRow {
    /// Its id (from 1; 0 before it is recorded).
    pub id: i64,
    /// The chip's serial.
    pub serial: String,
    /// Its licence.
    pub licence: String,
    /// The earliest challenge (RFC 3339 UTC, six decimals).
    pub measured_from: String,
    /// The latest answer (RFC 3339 UTC, six decimals).
    pub measured_to: String,
    /// When it was verified (RFC 3339).
    pub verified_at: String,
    /// The outcome (`verified_in`, `ambiguous`, `inconsistent`, `stale`,
    /// `bad_signature`).
    pub outcome: String,
    /// The countries the chip may be in, comma-separated.
    pub countries: String,
    /// The greatest distance from the licensed site, km.
    pub greatest_distance_km: Option<f64>,
    /// The decision-log entry that records it in full.
    pub log_id: i64,
}

/// Whose verifications to look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject<'a> {
    /// A chip, by serial.
    Serial(&'a str),
    /// Every chip of a licence.
    Licence(&'a str),
}

/// The fleet tables of a data directory.
pub struct Fleet {
    conn: Connection,
    /// The database file.
    pub path: PathBuf,
}

impl std::fmt::Debug for Fleet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fleet").field("path", &self.path).finish()
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS fleet_landmarks (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL, country TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fleet_chips (
    serial TEXT PRIMARY KEY, licence TEXT NOT NULL, site_name TEXT NOT NULL,
    site_lat REAL NOT NULL, site_lon REAL NOT NULL, site_country TEXT NOT NULL, public_key TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS fleet_chips_licence ON fleet_chips (licence);
CREATE TABLE IF NOT EXISTS fleet_nonces (
    nonce TEXT PRIMARY KEY, serial TEXT NOT NULL, landmark TEXT NOT NULL, verification INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS fleet_verifications (
    id INTEGER PRIMARY KEY, serial TEXT NOT NULL, licence TEXT NOT NULL,
    measured_from TEXT NOT NULL, measured_to TEXT NOT NULL, verified_at TEXT NOT NULL,
    outcome TEXT NOT NULL, countries TEXT NOT NULL, greatest_distance_km REAL, log_id INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS fleet_verifications_serial ON fleet_verifications (serial, measured_to);
CREATE INDEX IF NOT EXISTS fleet_verifications_licence ON fleet_verifications (licence, measured_to);
CREATE TRIGGER IF NOT EXISTS fleet_nonces_no_update BEFORE UPDATE ON fleet_nonces
    BEGIN SELECT RAISE(ABORT, 'used nonces are append-only'); END;
CREATE TRIGGER IF NOT EXISTS fleet_nonces_no_delete BEFORE DELETE ON fleet_nonces
    BEGIN SELECT RAISE(ABORT, 'used nonces are append-only'); END;
CREATE TRIGGER IF NOT EXISTS fleet_verifications_no_update BEFORE UPDATE ON fleet_verifications
    BEGIN SELECT RAISE(ABORT, 'verifications are append-only'); END;
CREATE TRIGGER IF NOT EXISTS fleet_verifications_no_delete BEFORE DELETE ON fleet_verifications
    BEGIN SELECT RAISE(ABORT, 'verifications are append-only'); END;
";

fn verification(r: &rusqlite::Row<'_>) -> rusqlite::Result<VerificationRow> {
    Ok(VerificationRow {
        id: r.get(0)?,
        serial: r.get(1)?,
        licence: r.get(2)?,
        measured_from: r.get(3)?,
        measured_to: r.get(4)?,
        verified_at: r.get(5)?,
        outcome: r.get(6)?,
        countries: r.get(7)?,
        greatest_distance_km: r.get(8)?,
        log_id: r.get(9)?,
    })
}

impl Fleet {
    /// Opens (creating as needed) the fleet tables in `dir`.
    pub fn open(dir: &Path) -> Result<Fleet, StoreError> {
        let (conn, path) = crate::open_database(dir)?;
        let err = |e| sqlite_error(&path, DEFAULT_BUSY_TIMEOUT, e);
        conn.execute_batch(SCHEMA).map_err(err)?;
        Ok(Fleet { conn, path })
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |e| sqlite_error(&self.path, DEFAULT_BUSY_TIMEOUT, e)
    }

    /// Registers a landmark, or moves one already registered; true when
    /// something changed.
    pub fn put_landmark(&mut self, l: &LandmarkRow) -> Result<bool, StoreError> {
        if self.landmark(&l.id)?.as_ref() == Some(l) {
            return Ok(false);
        }
        self.conn
            .execute(
                "INSERT INTO fleet_landmarks (id, name, lat, lon, country) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET name = ?2, lat = ?3, lon = ?4, country = ?5",
                params![l.id, l.name, l.lat, l.lon, l.country],
            )
            .map_err(self.err())?;
        Ok(true)
    }

    /// A landmark by id.
    pub fn landmark(&self, id: &str) -> Result<Option<LandmarkRow>, StoreError> {
        self.conn
            .query_row(
                "SELECT id, name, lat, lon, country FROM fleet_landmarks WHERE id = ?1",
                [id],
                |r| {
                    Ok(LandmarkRow {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        lat: r.get(2)?,
                        lon: r.get(3)?,
                        country: r.get(4)?,
                    })
                },
            )
            .optional()
            .map_err(self.err())
    }

    /// Registers a chip. A chip already registered keeps its record: its
    /// key and site change only by a new licence, not here.
    pub fn put_chip(&mut self, c: &ChipRow) -> Result<Registered, StoreError> {
        if let Some(old) = self.chip(&c.serial)? {
            return Ok(if &old == c {
                Registered::Unchanged
            } else {
                Registered::Conflict(Box::new(old))
            });
        }
        self.conn
            .execute(
                "INSERT INTO fleet_chips (serial, licence, site_name, site_lat, site_lon, site_country, public_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![c.serial, c.licence, c.site_name, c.site_lat, c.site_lon, c.site_country, c.public_key],
            )
            .map_err(self.err())?;
        Ok(Registered::Added)
    }

    /// A chip by serial.
    pub fn chip(&self, serial: &str) -> Result<Option<ChipRow>, StoreError> {
        self.conn
            .query_row(
                "SELECT serial, licence, site_name, site_lat, site_lon, site_country, public_key FROM fleet_chips WHERE serial = ?1",
                [serial],
                |r| {
                    Ok(ChipRow {
                        serial: r.get(0)?,
                        licence: r.get(1)?,
                        site_name: r.get(2)?,
                        site_lat: r.get(3)?,
                        site_lon: r.get(4)?,
                        site_country: r.get(5)?,
                        public_key: r.get(6)?,
                    })
                },
            )
            .optional()
            .map_err(self.err())
    }

    /// Which of `nonces` (hex) were used before, each with where: `(nonce,
    /// "verification N of SERIAL")`.
    pub fn used_nonces(&self, nonces: &[String]) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT serial, verification FROM fleet_nonces WHERE nonce = ?1")
            .map_err(self.err())?;
        let mut out = Vec::new();
        for n in nonces {
            let hit: Option<(String, i64)> = stmt
                .query_row([n], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
                .map_err(self.err())?;
            if let Some((serial, v)) = hit {
                out.push((n.clone(), format!("in verification {v} of `{serial}`")));
            }
        }
        Ok(out)
    }

    /// Records a verification and the nonces it used, in one transaction;
    /// returns its id. A nonce already used is kept with its first use.
    pub fn record(
        &mut self,
        v: &VerificationRow,
        nonces: &[(String, String)],
    ) -> Result<i64, StoreError> {
        let (path, waited) = (&self.path, DEFAULT_BUSY_TIMEOUT);
        let err = |e| sqlite_error(path, waited, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        tx.execute(
            "INSERT INTO fleet_verifications (serial, licence, measured_from, measured_to, verified_at, outcome, countries, greatest_distance_km, log_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![v.serial, v.licence, v.measured_from, v.measured_to, v.verified_at, v.outcome, v.countries, v.greatest_distance_km, v.log_id],
        )
        .map_err(err)?;
        let id = tx.last_insert_rowid();
        for (nonce, landmark) in nonces {
            tx.execute(
                "INSERT OR IGNORE INTO fleet_nonces (nonce, serial, landmark, verification) VALUES (?1, ?2, ?3, ?4)",
                params![nonce, v.serial, landmark, id],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(id)
    }

    /// The latest verification (by its latest answer) of a chip or a
    /// licence whose measurements lie within `[from, to]`. Times are
    /// compared as text: store and give them in one fixed-width form, RFC
    /// 3339 UTC with six decimals (`2026-01-01T00:00:00.000000Z`).
    pub fn latest(
        &self,
        who: Subject<'_>,
        from: &str,
        to: &str,
    ) -> Result<Option<VerificationRow>, StoreError> {
        let (column, key) = match who {
            Subject::Serial(s) => ("serial", s),
            Subject::Licence(l) => ("licence", l),
        };
        self.conn
            .query_row(
                &format!(
                    "SELECT id, serial, licence, measured_from, measured_to, verified_at, outcome, countries, greatest_distance_km, log_id
                     FROM fleet_verifications WHERE {column} = ?1 AND measured_from >= ?2 AND measured_to <= ?3
                     ORDER BY measured_to DESC, id DESC LIMIT 1"
                ),
                params![key, from, to],
                verification,
            )
            .optional()
            .map_err(self.err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chip() -> ChipRow {
        ChipRow {
            serial: "SN-1".into(),
            licence: "D1".into(),
            site_name: "Tai Seng".into(),
            site_lat: 1.335,
            site_lon: 103.888,
            site_country: "SG".into(),
            public_key: "ab".repeat(32),
        }
    }

    fn row(to: &str, outcome: &str) -> VerificationRow {
        VerificationRow {
            id: 0,
            serial: "SN-1".into(),
            licence: "D1".into(),
            measured_from: to.into(),
            measured_to: to.into(),
            verified_at: to.into(),
            outcome: outcome.into(),
            countries: "SG".into(),
            greatest_distance_km: Some(4.2),
            log_id: 1,
        }
    }

    #[test]
    fn chips_landmarks_nonces_and_the_latest_verification() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().map_err(|source| StoreError::Dir {
            path: "tmp".into(),
            source,
        })?;
        let mut f = Fleet::open(dir.path())?;
        assert_eq!(f.put_chip(&chip())?, Registered::Added);
        assert_eq!(f.put_chip(&chip())?, Registered::Unchanged);
        let other = ChipRow {
            public_key: "cd".repeat(32),
            ..chip()
        };
        assert!(matches!(f.put_chip(&other)?, Registered::Conflict(_)));
        assert_eq!(f.chip("SN-1")?, Some(chip()));
        let l = LandmarkRow {
            id: "sin".into(),
            name: "S".into(),
            lat: 1.0,
            lon: 103.0,
            country: "SG".into(),
        };
        assert!(f.put_landmark(&l)?);
        assert!(!f.put_landmark(&l)?);
        assert_eq!(f.landmark("sin")?, Some(l));
        let a = f.record(
            &row("2026-03-01T00:00:00.000000Z", "verified_in"),
            &[("n1".into(), "sin".into())],
        )?;
        let b = f.record(
            &row("2026-06-01T00:00:00.000000Z", "ambiguous"),
            &[("n2".into(), "sin".into())],
        )?;
        assert_eq!((a, b), (1, 2));
        assert_eq!(
            f.used_nonces(&["n1".into(), "n9".into()])?,
            vec![("n1".to_string(), "in verification 1 of `SN-1`".to_string())]
        );
        let latest = |from: &str, to: &str| {
            f.latest(Subject::Licence("D1"), from, to)
                .map(|r| r.map(|r| r.outcome))
        };
        assert_eq!(
            latest("2026-01-01T00:00:00.000000Z", "2026-12-31T00:00:00.000000Z")?.as_deref(),
            Some("ambiguous")
        );
        assert_eq!(
            latest("2026-01-01T00:00:00.000000Z", "2026-04-01T00:00:00.000000Z")?.as_deref(),
            Some("verified_in")
        );
        assert_eq!(
            latest("2027-01-01T00:00:00.000000Z", "2027-04-01T00:00:00.000000Z")?,
            None
        );
        assert!(f.conn.execute("DELETE FROM fleet_nonces", []).is_err());
        Ok(())
    }
}
