//! What makes ledger jobs outlive the service: uploads written to disk
//! (file and folder fsynced) before they are acknowledged, each job's record
//! in the data directory's database ([`chipexport_store::JobStore`]), and
//! the recovery at start.
//!
//! At start, jobs that were running when the service stopped are marked
//! `interrupted` (not resumed: a ledger that brought the service down would
//! bring it down again at every start, and a job resumed unasked would
//! spend the machine on work its user may have given up on); their partial
//! output is removed. A job folder without a record is an upload that was
//! never acknowledged, and is removed too.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use axum::body::Bytes;
use axum::http::StatusCode;
use chipexport::clock::now_rfc3339;
use chipexport_store::{JobRecord, JobStatus, JobStore, StoreError};

use crate::AppState;
use crate::error::ApiError;
use crate::jobs::{Job, JobState, Jobs};

/// The message of a job that was running when the service stopped.
pub const INTERRUPTED: &str =
    "the service stopped while this job was running; nothing of it was kept but the upload";
/// What to do about an interrupted job.
pub const INTERRUPTED_HELP: &str = "upload the ledger again (it is screened from the start)";

/// Writes `bytes` to `path` so that, when this returns, the file and its
/// name are on disk: a temporary file, fsynced, renamed into place, and the
/// folder fsynced. On error nothing is left at `path` or beside it.
pub fn write_durably(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.partial"));
    let written = std::fs::File::create(&tmp)
        .and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, path))
        .and_then(|()| chipexport_batch::io::sync_dir(path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
        let _ = std::fs::remove_file(path);
    }
    written
}

/// Creates `dir` (a job's folder) and makes its name durable in its parent
/// (and the parent's in the data directory).
pub fn create_dir_durably(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    chipexport_batch::io::sync_dir(dir)?;
    if let Some(parent) = dir.parent() {
        chipexport_batch::io::sync_dir(parent)?;
    }
    Ok(())
}

/// The jobs' records, shared by the handlers and the workers.
pub struct JobBook {
    store: Mutex<JobStore>,
    /// The data directory.
    pub data: PathBuf,
}

/// What recovery found at start.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// Jobs that were running, now marked interrupted.
    pub interrupted: Vec<String>,
    /// Job folders without a record (uploads never acknowledged), removed.
    pub removed: Vec<String>,
}

fn poisoned() -> chipexport::Error {
    chipexport::Error::bug("the jobs' records are unavailable after a failed write")
}

impl JobBook {
    /// Opens the records in `data` and recovers: running jobs are marked
    /// interrupted (their partial output removed), and unrecorded job
    /// folders removed.
    pub fn open(data: &Path, now: &str) -> Result<(JobBook, Recovery), chipexport::Error> {
        let mut store = JobStore::open(data)?;
        let interrupted = store.interrupt_running(INTERRUPTED, INTERRUPTED_HELP, now)?;
        for j in &interrupted {
            let _ = std::fs::remove_file(data.join(&j.output));
        }
        let mut recovery = Recovery {
            interrupted: interrupted.into_iter().map(|j| j.id).collect(),
            removed: Vec::new(),
        };
        let known: std::collections::HashSet<String> = store.ids()?.into_iter().collect();
        if let Ok(dirs) = std::fs::read_dir(data.join("jobs")) {
            for d in dirs.flatten() {
                let id = d.file_name().to_string_lossy().to_string();
                if known.contains(&id) {
                    remove_partials(&d.path());
                } else if d.path().is_dir() && std::fs::remove_dir_all(d.path()).is_ok() {
                    recovery.removed.push(id);
                }
            }
        }
        recovery.removed.sort();
        Ok((
            JobBook {
                store: Mutex::new(store),
                data: data.to_path_buf(),
            },
            recovery,
        ))
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut JobStore) -> Result<T, StoreError>,
    ) -> Result<T, chipexport::Error> {
        let mut s = self.store.lock().map_err(|_| poisoned())?;
        Ok(f(&mut s)?)
    }

    /// Records a new running job; returns once the record is durable.
    pub fn insert(&self, job: &JobRecord) -> Result<(), chipexport::Error> {
        self.with(|s| s.insert(job))
    }

    /// Records how a job ended; returns once the record is durable.
    pub fn finish(
        &self,
        id: &str,
        status: &JobStatus,
        rows: u64,
        at: &str,
    ) -> Result<bool, chipexport::Error> {
        self.with(|s| s.finish(id, status, rows, at))
    }

    /// A job's record.
    pub fn get(&self, id: &str) -> Result<Option<JobRecord>, chipexport::Error> {
        self.with(|s| s.get(id))
    }

    /// Sets how long a write waits for another process's lock.
    pub fn set_busy_timeout(&self, t: std::time::Duration) -> Result<(), chipexport::Error> {
        self.with(|s| s.set_busy_timeout(t))
    }
}

/// Removes the temporary files a write cut short left in a job's folder.
fn remove_partials(dir: &Path) {
    if let Ok(files) = std::fs::read_dir(dir) {
        for f in files.flatten() {
            if f.file_name().to_string_lossy().contains(".partial") {
                let _ = std::fs::remove_file(f.path());
            }
        }
    }
}

impl Jobs {
    /// The jobs of the data directory `data`, recovered (see
    /// [`JobBook::open`]).
    pub fn open(data: &std::path::Path) -> Result<(Jobs, Recovery), chipexport::Error> {
        let (book, recovery) = JobBook::open(data, &now_rfc3339())?;
        let jobs = Jobs {
            jobs: Mutex::default(),
            book: Some(Arc::new(book)),
        };
        Ok((jobs, recovery))
    }

    /// The records, if jobs are durable.
    pub fn book(&self) -> Option<&JobBook> {
        self.book.as_deref()
    }
}

/// Records a finished screening in the decision log (kind `screen`: the
/// upload's name and sha256, the output's sha256, the rule set, the
/// summary); returns the entry's id.
pub(crate) fn record(
    state: &AppState,
    j: &Job,
    req: &chipexport::ledger::ScreenRequest,
    report: &chipexport::ledger::ScreenReport,
    rt: &tokio::runtime::Handle,
) -> Result<i64, chipexport::Error> {
    let entry = chipexport::audit::screen_entry(&state.app, req, &j.name, report)?;
    Ok(rt.block_on(state.log.append(entry))?.id)
}

/// A job's state as recorded.
pub fn status(s: &JobState) -> JobStatus {
    match s.clone() {
        JobState::Running => JobStatus::Running,
        JobState::Done {
            summary,
            decision_id,
        } => JobStatus::Done {
            summary: summary.to_string(),
            decision_id,
        },
        JobState::Failed { error, help } => JobStatus::Failed { error, help },
        JobState::Interrupted { error, help } => JobStatus::Interrupted { error, help },
    }
}

/// The state of a record.
pub fn state_of(s: JobStatus) -> JobState {
    match s {
        JobStatus::Running => JobState::Running,
        JobStatus::Done {
            summary,
            decision_id,
        } => JobState::Done {
            summary: serde_json::from_str(&summary).unwrap_or_default(),
            decision_id,
        },
        JobStatus::Failed { error, help } => JobState::Failed { error, help },
        JobStatus::Interrupted { error, help } => JobState::Interrupted { error, help },
    }
}

/// A job from its record.
fn job_of(s: &AppState, r: JobRecord) -> Job {
    Job {
        dir: s.data.join("jobs").join(&r.id),
        id: r.id,
        name: r.name,
        rows_done: AtomicU64::new(r.rows_done),
        state: Mutex::new(state_of(r.status)),
    }
}

/// Writes the upload and the job's record, both durably, then calls
/// `start`; on error, removes what was written. All of it runs to the end
/// even if the client goes away meanwhile: a recorded job always runs.
pub(crate) async fn store_upload(
    s: &Arc<AppState>,
    job: &Arc<Job>,
    body: Bytes,
    start: impl FnOnce() + Send + 'static,
) -> Result<(), ApiError> {
    let (state, j) = (s.clone(), job.clone());
    let stored = tokio::task::spawn_blocking(move || {
        let stored = store(&state, &j, &body);
        match &stored {
            Ok(()) => start(),
            Err(_) => {
                let _ = std::fs::remove_dir_all(&j.dir);
            }
        }
        stored
    })
    .await
    .map_err(|e| ApiError::bug(e.to_string()))?;
    Ok(stored?)
}

fn store(state: &AppState, j: &Job, body: &[u8]) -> Result<(), chipexport::Error> {
    let rel = |p: PathBuf| {
        p.strip_prefix(&state.data)
            .unwrap_or(&p)
            .display()
            .to_string()
    };
    create_dir_durably(&j.dir)
        .and_then(|()| write_durably(&j.input(), body))
        .map_err(|e| {
            chipexport::Error::environment(
                format!("cannot store the upload: {e}"),
                "check the free space in the data directory",
            )
            .with_source(e)
        })?;
    if let Some(book) = state.jobs.book() {
        book.insert(&JobRecord {
            id: j.id.clone(),
            name: j.name.clone(),
            input: rel(j.input()),
            input_sha256: chipexport_store::sha256_hex(body),
            output: rel(j.output()),
            created_at: now_rfc3339(),
            finished_at: None,
            rows_done: 0,
            status: JobStatus::Running,
        })?;
    }
    Ok(())
}

/// A running job, or a recorded one (read off the async runtime: the
/// database may make it wait).
pub(crate) async fn find(s: &Arc<AppState>, id: &str) -> Result<Arc<Job>, ApiError> {
    let running = s.jobs.jobs.lock().ok().and_then(|m| m.get(id).cloned());
    if let Some(j) = running {
        return Ok(j);
    }
    let (state, key) = (s.clone(), id.to_string());
    let recorded = tokio::task::spawn_blocking(move || match state.jobs.book() {
        Some(book) => book
            .get(&key)
            .map(|r| r.map(|r| Arc::new(job_of(&state, r)))),
        None => Ok(None),
    })
    .await
    .map_err(|e| ApiError::bug(e.to_string()))??;
    recorded.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no job `{id}`"),
            "check the id in the job's address; upload the ledger again if it is lost",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str) -> JobRecord {
        JobRecord {
            id: id.into(),
            name: "o.csv".into(),
            input: format!("jobs/{id}/input.csv"),
            input_sha256: String::new(),
            output: format!("jobs/{id}/screened.csv"),
            created_at: "t".into(),
            finished_at: None,
            rows_done: 0,
            status: JobStatus::Running,
        }
    }

    #[test]
    fn a_restart_interrupts_running_jobs_and_removes_what_was_never_acknowledged() {
        let data = std::env::temp_dir().join(format!("chipexport-durable-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        let (book, _) = JobBook::open(&data, "t0").unwrap();
        for id in ["run", "fin"] {
            create_dir_durably(&data.join("jobs").join(id)).unwrap();
            write_durably(&data.join("jobs").join(id).join("input.csv"), b"a\n1\n").unwrap();
            book.insert(&record(id)).unwrap();
        }
        let done = JobStatus::Done {
            summary: "{}".into(),
            decision_id: 1,
        };
        write_durably(&data.join("jobs/fin/screened.csv"), b"a,b\n").unwrap();
        book.finish("fin", &done, 1, "t1").unwrap();
        // A half-written output of the running job, and a folder whose
        // upload was never recorded.
        std::fs::write(data.join("jobs/run/.screened.csv.partial-9"), b"a,").unwrap();
        std::fs::create_dir_all(data.join("jobs/orphan")).unwrap();
        drop(book);

        let (book, rec) = JobBook::open(&data, "t2").unwrap();
        assert_eq!(rec.interrupted, ["run"]);
        assert_eq!(rec.removed, ["orphan"]);
        assert!(!data.join("jobs/orphan").exists());
        assert!(!data.join("jobs/run/.screened.csv.partial-9").exists());
        assert!(
            data.join("jobs/run/input.csv").exists(),
            "the upload is kept"
        );
        let run = book.get("run").unwrap().unwrap();
        assert!(matches!(run.status, JobStatus::Interrupted { .. }));
        assert_eq!(book.get("fin").unwrap().unwrap().status, done);
        assert_eq!(
            std::fs::read(data.join("jobs/fin/screened.csv")).unwrap(),
            b"a,b\n"
        );
        let _ = std::fs::remove_dir_all(&data);
    }
}
