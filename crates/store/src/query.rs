//! Reading the log by filter: the auditor's list and export.

use super::{Backend, DecisionLog, LogEntry, StoreError, read_entry, sqlite_error};

/// Which entries [`DecisionLog::entries`] returns. Dates are compared with
/// the first ten characters of `recorded_at` (its `YYYY-MM-DD`), on both
/// backends alike.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryFilter {
    /// Only entries of this kind (`check`, `screen`, ...).
    pub kind: Option<String>,
    /// Only entries recorded on or after this date (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Only entries recorded on or before this date (`YYYY-MM-DD`).
    pub to: Option<String>,
    /// At most this many: the latest that match.
    pub limit: Option<u64>,
}

const SQLITE_WHERE: &str = " WHERE (?1 IS NULL OR d.kind = ?1) AND (?2 IS NULL OR substr(d.recorded_at, 1, 10) >= ?2) AND (?3 IS NULL OR substr(d.recorded_at, 1, 10) <= ?3) ORDER BY d.id DESC LIMIT ?4";

#[cfg(feature = "postgres")]
const POSTGRES_WHERE: &str = " WHERE ($1::text IS NULL OR d.kind = $1::text) AND ($2::text IS NULL OR substr(d.recorded_at, 1, 10) >= $2::text) AND ($3::text IS NULL OR substr(d.recorded_at, 1, 10) <= $3::text) ORDER BY d.id DESC LIMIT $4::bigint";

impl DecisionLog {
    /// The entries that match `filter`, in id order (with a limit, the
    /// latest `limit` of them, still in id order).
    pub fn entries(&mut self, filter: &EntryFilter) -> Result<Vec<LogEntry>, StoreError> {
        let (path, waited, select) = (&self.path, self.busy_timeout, self.select());
        let limit = filter.limit.map(|n| i64::try_from(n).unwrap_or(i64::MAX));
        let mut out = match &mut self.backend {
            Backend::Sqlite(conn) => {
                let err = |e| sqlite_error(path, waited, e);
                let mut stmt = conn
                    .prepare_cached(&format!("{select}{SQLITE_WHERE}"))
                    .map_err(err)?;
                // SQLite reads a negative limit as none.
                let mut rows = stmt
                    .query(rusqlite::params![
                        filter.kind,
                        filter.from,
                        filter.to,
                        limit.unwrap_or(-1)
                    ])
                    .map_err(err)?;
                let mut out = Vec::new();
                while let Some(r) = rows.next().map_err(err)? {
                    out.push(read_entry(r, path)?);
                }
                out
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(client) => {
                // PostgreSQL reads a null limit as none.
                let rows = client
                    .query(
                        &format!("{select}{POSTGRES_WHERE}"),
                        &[&filter.kind, &filter.from, &filter.to, &limit],
                    )
                    .map_err(|e| super::postgres_error(path, e))?;
                rows.iter()
                    .map(|r| read_entry(r, path))
                    .collect::<Result<Vec<_>, _>>()?
            }
        };
        out.reverse();
        Ok(out)
    }
}

/// The SHA-256 of `bytes`, in lowercase hex (the form of every hash in the
/// log).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    chipexport_domain::hex(&Sha256::digest(bytes))
}

/// The SHA-256 of a file's bytes, in lowercase hex, read in blocks.
pub fn sha256_file(path: &std::path::Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read as _;
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(buf.get(..n).unwrap_or_default());
    }
    Ok(chipexport_domain::hex(&h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_with(dir: &std::path::Path) -> DecisionLog {
        let mut log = DecisionLog::open(dir).unwrap_or_else(|e| unreachable!("{e}"));
        for (at, kind) in [
            ("2026-11-27T10:00:00Z", "check"),
            ("2026-11-28T10:00:00Z", "screen"),
            ("2026-11-28T23:59:59Z", "check"),
            ("2026-11-29T00:00:00Z", "check"),
        ] {
            log.append(at, kind, "{}", "{}", "h")
                .unwrap_or_else(|e| unreachable!("{e}"));
        }
        log
    }

    fn ids(log: &mut DecisionLog, f: &EntryFilter) -> Vec<i64> {
        log.entries(f)
            .unwrap_or_else(|e| unreachable!("{e}"))
            .iter()
            .map(|e| e.id)
            .collect()
    }

    #[test]
    fn entries_filter_by_kind_dates_and_limit() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
        let mut log = log_with(dir.path());
        assert_eq!(ids(&mut log, &EntryFilter::default()), [1, 2, 3, 4]);
        let kind = |k: &str| EntryFilter {
            kind: Some(k.into()),
            ..EntryFilter::default()
        };
        assert_eq!(ids(&mut log, &kind("check")), [1, 3, 4]);
        assert_eq!(ids(&mut log, &kind("screen")), [2]);
        assert!(ids(&mut log, &kind("nothing")).is_empty());
        let dates = EntryFilter {
            from: Some("2026-11-28".into()),
            to: Some("2026-11-28".into()),
            ..EntryFilter::default()
        };
        assert_eq!(ids(&mut log, &dates), [2, 3]);
        let latest = EntryFilter {
            kind: Some("check".into()),
            limit: Some(2),
            ..EntryFilter::default()
        };
        assert_eq!(ids(&mut log, &latest), [3, 4]);
        let none = EntryFilter {
            limit: Some(0),
            ..EntryFilter::default()
        };
        assert!(ids(&mut log, &none).is_empty());
    }

    #[test]
    fn sha256_hex_is_the_standard_digest() {
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(sha256_hex(b"abc"), abc);
        let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
        let f = dir.path().join("abc");
        std::fs::write(&f, "abc").unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(sha256_file(&f).ok().as_deref(), Some(abc));
    }
}
