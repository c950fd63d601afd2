//! Ledger jobs' records, in the data directory's database
//! (`DIR/decisions.sqlite`, table `jobs`), so that a job outlives the
//! service that ran it.
//!
//! Unlike the decision log, a job's record changes: it is inserted
//! `running` once its upload is on disk, and updated once when the job ends
//! (`done`, `failed`, or `interrupted` when the service stopped while it
//! ran). Writes are durable when they return (WAL, `synchronous = FULL`).
//! The records stay in SQLite beside the job's files (`DIR/jobs/ID/`) even
//! when the decision log is in PostgreSQL: a record is only useful with its
//! files.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::sqlite_error;
use crate::{DEFAULT_BUSY_TIMEOUT, StoreError};

/// How a job stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobStatus {
    /// Screening.
    Running,
    /// Screened.
    Done {
        /// The screening summary, as JSON.
        summary: String,
        /// The decision log's entry for the run.
        decision_id: i64,
    },
    /// Stopped by an error.
    Failed {
        /// What went wrong.
        error: String,
        /// What to do about it.
        help: String,
    },
    /// The service stopped while the job ran.
    Interrupted {
        /// What happened.
        error: String,
        /// What to do about it.
        help: String,
    },
}

impl JobStatus {
    /// The state's name: `running`, `done`, `failed` or `interrupted`.
    pub fn name(&self) -> &'static str {
        match self {
            JobStatus::Running => "running",
            JobStatus::Done { .. } => "done",
            JobStatus::Failed { .. } => "failed",
            JobStatus::Interrupted { .. } => "interrupted",
        }
    }
}

/// A job's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    /// The job's id (its capability: 128 random bits as hex).
    pub id: String,
    /// The uploaded file's name.
    pub name: String,
    /// The upload, relative to the data directory.
    pub input: String,
    /// The SHA-256 of the upload, in hex.
    pub input_sha256: String,
    /// The screened file, relative to the data directory.
    pub output: String,
    /// When the upload was acknowledged (RFC 3339).
    pub created_at: String,
    /// When the job ended (RFC 3339), if it has.
    pub finished_at: Option<String>,
    /// Rows screened (when it ended).
    pub rows_done: u64,
    /// How it stands.
    pub status: JobStatus,
}

/// The jobs' records in a data directory.
pub struct JobStore {
    conn: Connection,
    /// The database file.
    pub path: PathBuf,
    busy_timeout: Duration,
}

impl std::fmt::Debug for JobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobStore")
            .field("path", &self.path)
            .field("busy_timeout", &self.busy_timeout)
            .finish()
    }
}

const COLUMNS: &str = "id, name, input, input_sha256, output, created_at, finished_at, rows_done, state, summary, decision_id, error, help";

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<JobRecord> {
    let state: String = r.get(8)?;
    let text = |i: usize| -> rusqlite::Result<String> {
        Ok(r.get::<_, Option<String>>(i)?.unwrap_or_default())
    };
    let status = match state.as_str() {
        "running" => JobStatus::Running,
        "done" => JobStatus::Done {
            summary: text(9)?,
            decision_id: r.get::<_, Option<i64>>(10)?.unwrap_or(0),
        },
        "failed" => JobStatus::Failed {
            error: text(11)?,
            help: text(12)?,
        },
        _ => JobStatus::Interrupted {
            error: text(11)?,
            help: text(12)?,
        },
    };
    Ok(JobRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        input: r.get(2)?,
        input_sha256: r.get(3)?,
        output: r.get(4)?,
        created_at: r.get(5)?,
        finished_at: r.get(6)?,
        rows_done: u64::try_from(r.get::<_, i64>(7)?).unwrap_or(0),
        status,
    })
}

impl JobStore {
    /// Opens (creating as needed) the jobs' table in `DIR/decisions.sqlite`,
    /// waiting at most [`DEFAULT_BUSY_TIMEOUT`] for another process's lock.
    pub fn open(dir: &Path) -> Result<JobStore, StoreError> {
        let (conn, path) = crate::open_database(dir)?;
        let waited = DEFAULT_BUSY_TIMEOUT;
        let err = |e| sqlite_error(&path, waited, e);
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS jobs (
                 id TEXT PRIMARY KEY,
                 name TEXT NOT NULL,
                 input TEXT NOT NULL,
                 input_sha256 TEXT NOT NULL,
                 output TEXT NOT NULL,
                 created_at TEXT NOT NULL,
                 finished_at TEXT,
                 rows_done INTEGER NOT NULL DEFAULT 0,
                 state TEXT NOT NULL
                     CHECK (state IN ('running', 'done', 'failed', 'interrupted')),
                 summary TEXT,
                 decision_id INTEGER,
                 error TEXT,
                 help TEXT
             );",
        )
        .map_err(err)?;
        Ok(JobStore {
            conn,
            path,
            busy_timeout: waited,
        })
    }

    /// Sets how long a write waits for another process's lock before it
    /// fails with [`StoreError::Busy`].
    pub fn set_busy_timeout(&mut self, timeout: Duration) -> Result<(), StoreError> {
        self.conn
            .busy_timeout(timeout)
            .map_err(|e| sqlite_error(&self.path, timeout, e))?;
        self.busy_timeout = timeout;
        Ok(())
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |e| sqlite_error(&self.path, self.busy_timeout, e)
    }

    /// Records a new job (its status is recorded as given, normally
    /// running); returns once the record is durable.
    pub fn insert(&mut self, job: &JobRecord) -> Result<(), StoreError> {
        let (summary, decision_id, error, help) = columns(&job.status);
        self.conn
            .execute(
                &format!(
                    "INSERT INTO jobs ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
                ),
                params![
                    job.id,
                    job.name,
                    job.input,
                    job.input_sha256,
                    job.output,
                    job.created_at,
                    job.finished_at,
                    i64::try_from(job.rows_done).unwrap_or(i64::MAX),
                    job.status.name(),
                    summary,
                    decision_id,
                    error,
                    help
                ],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Records how a running job ended; returns once the record is durable.
    /// `false` when no running job has this id.
    pub fn finish(
        &mut self,
        id: &str,
        status: &JobStatus,
        rows_done: u64,
        finished_at: &str,
    ) -> Result<bool, StoreError> {
        let (summary, decision_id, error, help) = columns(status);
        let n = self
            .conn
            .execute(
                "UPDATE jobs SET state = ?2, summary = ?3, decision_id = ?4, error = ?5, help = ?6,
                     rows_done = ?7, finished_at = ?8
                 WHERE id = ?1 AND state = 'running'",
                params![
                    id,
                    status.name(),
                    summary,
                    decision_id,
                    error,
                    help,
                    i64::try_from(rows_done).unwrap_or(i64::MAX),
                    finished_at
                ],
            )
            .map_err(self.err())?;
        Ok(n == 1)
    }

    /// The job with this id; `None` when there is none.
    pub fn get(&mut self, id: &str) -> Result<Option<JobRecord>, StoreError> {
        let path = self.path.clone();
        let waited = self.busy_timeout;
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"),
                [id],
                read,
            )
            .optional()
            .map_err(|e| sqlite_error(&path, waited, e))
    }

    /// Every job's id, oldest first.
    pub fn ids(&mut self) -> Result<Vec<String>, StoreError> {
        let err = self.err();
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM jobs ORDER BY created_at, id")
            .map_err(&err)?;
        let ids = stmt
            .query_map([], |r| r.get(0))
            .map_err(&err)?
            .collect::<rusqlite::Result<Vec<String>>>()
            .map_err(&err)?;
        Ok(ids)
    }

    /// Marks every running job interrupted (the service stopped while they
    /// ran), in one transaction; returns them as they were.
    pub fn interrupt_running(
        &mut self,
        error: &str,
        help: &str,
        at: &str,
    ) -> Result<Vec<JobRecord>, StoreError> {
        let (path, waited) = (self.path.clone(), self.busy_timeout);
        let err = |e| sqlite_error(&path, waited, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let running = {
            let mut stmt = tx
                .prepare(&format!(
                    "SELECT {COLUMNS} FROM jobs WHERE state = 'running' ORDER BY created_at, id"
                ))
                .map_err(err)?;
            stmt.query_map([], read)
                .map_err(err)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(err)?
        };
        tx.execute(
            "UPDATE jobs SET state = 'interrupted', error = ?1, help = ?2, finished_at = ?3
             WHERE state = 'running'",
            params![error, help, at],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(running)
    }
}

/// The summary, decision id, error and help columns of a status.
fn columns(s: &JobStatus) -> (Option<&str>, Option<i64>, Option<&str>, Option<&str>) {
    match s {
        JobStatus::Running => (None, None, None, None),
        JobStatus::Done {
            summary,
            decision_id,
        } => (Some(summary), Some(*decision_id), None, None),
        JobStatus::Failed { error, help } | JobStatus::Interrupted { error, help } => {
            (None, None, Some(error), Some(help))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(id: &str) -> JobRecord {
        JobRecord {
            id: id.into(),
            name: "orders.csv".into(),
            input: format!("jobs/{id}/input.csv"),
            input_sha256: "ab".repeat(32),
            output: format!("jobs/{id}/screened.csv"),
            created_at: "2026-11-30T01:00:00Z".into(),
            finished_at: None,
            rows_done: 0,
            status: JobStatus::Running,
        }
    }

    #[test]
    fn a_job_survives_reopening_and_ends_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = JobStore::open(dir.path()).unwrap();
        s.insert(&job("a")).unwrap();
        s.insert(&job("b")).unwrap();
        let done = JobStatus::Done {
            summary: "{\"rows\":3}".into(),
            decision_id: 7,
        };
        assert!(s.finish("a", &done, 3, "2026-11-30T01:01:00Z").unwrap());
        // A job ends once: a second end is refused, and the first stays.
        let failed = JobStatus::Failed {
            error: "e".into(),
            help: "h".into(),
        };
        assert!(!s.finish("a", &failed, 3, "2026-11-30T01:02:00Z").unwrap());
        drop(s);
        let mut s = JobStore::open(dir.path()).unwrap();
        let a = s.get("a").unwrap().unwrap();
        assert_eq!((a.status, a.rows_done), (done, 3));
        assert_eq!(s.get("b").unwrap().unwrap().status, JobStatus::Running);
        assert_eq!(s.get("zzz").unwrap(), None);
        assert_eq!(s.ids().unwrap(), ["a", "b"]);
    }

    #[test]
    fn running_jobs_are_marked_interrupted_and_finished_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = JobStore::open(dir.path()).unwrap();
        s.insert(&job("a")).unwrap();
        s.insert(&job("b")).unwrap();
        let done = JobStatus::Done {
            summary: "{}".into(),
            decision_id: 1,
        };
        s.finish("b", &done, 1, "t").unwrap();
        let was = s.interrupt_running("stopped", "again", "t2").unwrap();
        assert_eq!(was.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(), ["a"]);
        let a = s.get("a").unwrap().unwrap();
        assert_eq!(
            a.status,
            JobStatus::Interrupted {
                error: "stopped".into(),
                help: "again".into()
            }
        );
        assert_eq!(a.finished_at.as_deref(), Some("t2"));
        assert_eq!(s.get("b").unwrap().unwrap().status, done);
    }

    #[test]
    fn the_jobs_table_sits_beside_the_decision_log() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = crate::DecisionLog::open(dir.path()).unwrap();
        let mut jobs = JobStore::open(dir.path()).unwrap();
        log.append("t", "check", "{}", "{}", "h").unwrap();
        jobs.insert(&job("a")).unwrap();
        assert_eq!(log.verify().unwrap(), Ok(1));
        drop(log);
        let mut log = crate::DecisionLog::open(dir.path()).unwrap();
        assert_eq!(log.len().unwrap(), 1);
    }

    #[test]
    fn a_record_while_another_process_holds_the_database_is_busy() {
        let dir = tempfile::tempdir().unwrap();
        let mut jobs = JobStore::open(dir.path()).unwrap();
        jobs.set_busy_timeout(Duration::from_millis(100)).unwrap();
        let other = Connection::open(dir.path().join("decisions.sqlite")).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let e = jobs.insert(&job("a")).unwrap_err();
        assert!(matches!(e, StoreError::Busy { .. }), "{e:?}");
        assert!(e.to_string().contains("locked by another process"), "{e}");
        other.execute_batch("ROLLBACK").unwrap();
        // Nothing half-written: the job was not recorded, and can be now.
        assert_eq!(jobs.get("a").unwrap(), None);
        jobs.insert(&job("a")).unwrap();
    }
}
