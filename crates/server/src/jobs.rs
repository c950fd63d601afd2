//! Ledger jobs: an uploaded order book is screened in the background with
//! the same `chipexport_batch::screen` as the CLI; the caller polls the job,
//! downloads the screened file, and asks for the impact of a rule change.
//!
//! Files live under `DATA/jobs/ID/`: the upload as sent and the screened
//! output in the same format. Uploading needs the service's token. A
//! finished run is recorded in the decision log (kind `screen`), and the
//! job names its entry (`decision_id`).
//!
//! Jobs are durable ([`crate::durable`]): an upload is acknowledged once it
//! and the job's record are on disk; a finished job is served from its
//! record after a restart; a job running when the service stopped is
//! `interrupted`. Only running jobs are held in memory.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use chipexport::clock::now_rfc3339;

use crate::AppState;
use crate::durable::JobBook;
use crate::error::ApiError;
use crate::token::{constant_time_eq, random_hex};

/// What a job is doing.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum JobState {
    /// Screening.
    Running,
    /// Screened.
    Done {
        /// The screening summary (counts by outcome and error).
        summary: serde_json::Value,
        /// The decision log's entry for the run (kind `screen`).
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

/// A screening job.
pub struct Job {
    /// 128 random bits as hex: the capability to read the job.
    pub id: String,
    /// The uploaded file's name (sanitised).
    pub name: String,
    /// `DATA/jobs/ID/`.
    pub dir: PathBuf,
    /// Rows screened so far.
    pub rows_done: AtomicU64,
    /// What the job is doing.
    pub state: Mutex<JobState>,
}

impl Job {
    pub(crate) fn input(&self) -> PathBuf {
        self.dir.join(format!("input.{}", ext(&self.name)))
    }

    pub(crate) fn output(&self) -> PathBuf {
        self.dir.join(format!("screened.{}", ext(&self.name)))
    }

    fn view(&self) -> serde_json::Value {
        let state = self
            .state
            .lock()
            .map(|s| s.clone())
            .unwrap_or(JobState::Failed {
                error: "the job's state is unavailable".into(),
                help: "upload the ledger again".into(),
            });
        let mut v = serde_json::json!({
            "id": self.id,
            "name": self.name,
            "rows_done": self.rows_done.load(Ordering::Relaxed),
        });
        if let (Some(o), Ok(serde_json::Value::Object(s))) =
            (v.as_object_mut(), serde_json::to_value(&state))
        {
            o.extend(s);
        }
        v
    }
}

/// The running jobs, and the records of every job.
#[derive(Default)]
pub struct Jobs {
    pub(crate) jobs: Mutex<HashMap<String, Arc<Job>>>,
    /// The records; `None` keeps jobs in memory only (for tests).
    pub(crate) book: Option<Arc<JobBook>>,
}

fn ext(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

/// Checks `Authorization: Bearer TOKEN` against the service's token.
pub fn authorize(s: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match given {
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "this endpoint writes and needs the service's token",
            "send `Authorization: Bearer TOKEN`; the token is printed when `chipexport serve` starts, and kept in DATA/token",
        )),
        Some(t) if constant_time_eq(t.as_bytes(), s.token.as_bytes()) => Ok(()),
        Some(_) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "the token is not this service's token",
            "use the token printed when `chipexport serve` started (DATA/token)",
        )),
    }
}

/// The query of an upload.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    name: String,
}

/// The uploaded file's name, sanitised, with a ledger extension.
fn file_name(given: &str) -> Result<String, ApiError> {
    let name: String = given
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    if matches!(
        ext(&name).as_str(),
        "csv" | "parquet" | "pq" | "jsonl" | "ndjson" | "json"
    ) {
        Ok(name)
    } else {
        Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("cannot tell the format of `{given}` from its extension"),
            "name the file .csv, .parquet or .jsonl",
        )
        .field("name"))
    }
}

/// Screens a job's upload, records the run in the decision log, and
/// records how the job ended.
fn run(state: &AppState, j: &Job, rt: &tokio::runtime::Handle) {
    let req = chipexport::ledger::ScreenRequest {
        ledger: j.input(),
        out: j.output(),
        on: None,
        mode: chipexport::Mode::Enforced,
        with_packs: Vec::new(),
        parties: true,
    };
    let r = state
        .app
        .screen(&req, &mut |n| j.rows_done.store(n, Ordering::Relaxed))
        .and_then(|report| Ok((crate::durable::record(state, j, &req, &report, rt)?, report)));
    let next = match r {
        Ok((decision_id, report)) => JobState::Done {
            summary: serde_json::to_value(&report.summary).unwrap_or_default(),
            decision_id,
        },
        Err(e) => JobState::Failed {
            // The error names the stored file; the user knows it by the
            // name they uploaded.
            error: e
                .message()
                .replace(&j.input().display().to_string(), &j.name),
            help: e.help().to_string(),
        },
    };
    // The job shows its end only once the end is recorded; if it cannot
    // be, the job shows that (and a restart finds it interrupted).
    let next = match state.jobs.book() {
        None => next,
        Some(book) => {
            let rows = j.rows_done.load(Ordering::Relaxed);
            match book.finish(&j.id, &crate::durable::status(&next), rows, &now_rfc3339()) {
                Ok(_) => next,
                Err(e) => JobState::Failed {
                    error: format!(
                        "the job ended but its record cannot be written: {}",
                        e.message()
                    ),
                    help: e.help().to_string(),
                },
            }
        }
    };
    if let Ok(mut st) = j.state.lock() {
        *st = next;
    }
    // Recorded: the record answers from now on, and memory is freed.
    if state.jobs.book().is_some()
        && let Ok(mut m) = state.jobs.jobs.lock()
    {
        m.remove(&j.id);
    }
}

/// `POST /api/v1/screen?name=FILE`: the ledger file as the body.
pub async fn upload(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    q: Result<Query<UploadQuery>, axum::extract::rejection::QueryRejection>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    authorize(&s, &headers)?;
    let Query(q) = q.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            e.body_text(),
            "give the file's name with its extension: /api/v1/screen?name=orders.csv",
        )
        .field("name")
    })?;
    let body = body.map_err(|e| {
        ApiError::new(
            e.status(),
            e.body_text(),
            format!(
                "uploads are limited to {} MiB; screen larger ledgers with `chipexport screen`",
                s.upload_limit / (1024 * 1024)
            ),
        )
    })?;
    let name = file_name(&q.name)?;
    if body.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("`{name}` is empty"),
            "upload a ledger with a header and at least one order",
        ));
    }
    // A job's id is its capability: 128 random bits, so knowing one job
    // tells nothing about another (reading a job needs no token).
    let id =
        random_hex(16).map_err(|e| ApiError::bug(format!("no randomness for a job id: {e}")))?;
    let dir = s.data.join("jobs").join(&id);
    let job = Arc::new(Job {
        id: id.clone(),
        name,
        dir,
        rows_done: AtomicU64::new(0),
        state: Mutex::new(JobState::Running),
    });
    let (state, worker) = (s.clone(), job.clone());
    let rt = tokio::runtime::Handle::current();
    crate::durable::store_upload(&s, &job, body, move || {
        if let Ok(mut m) = state.jobs.jobs.lock() {
            m.insert(worker.id.clone(), worker.clone());
        }
        std::thread::spawn(move || run(&state, &worker, &rt));
    })
    .await?;
    let mut r = (StatusCode::ACCEPTED, Json(job.view())).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/jobs/{id}")) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

/// `GET /api/v1/jobs/{id}`.
pub async fn status(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(crate::durable::find(&s, &id).await?.view()))
}

fn done(job: &Job) -> Result<(), ApiError> {
    match job.state.lock().map(|s| s.clone()) {
        Ok(JobState::Done { .. }) => Ok(()),
        Ok(JobState::Running) => Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("job `{}` is still running", job.id),
            "poll GET /api/v1/jobs/{id} until its state is `done`",
        )),
        Ok(JobState::Interrupted { .. }) => Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "job `{}` was interrupted: the service stopped while it ran",
                job.id
            ),
            "upload the ledger again",
        )),
        _ => Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("job `{}` failed", job.id),
            "GET /api/v1/jobs/{id} says why; fix the ledger and upload it again",
        )),
    }
}

/// `GET /api/v1/jobs/{id}/result`: the screened file.
pub async fn result(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let job = crate::durable::find(&s, &id).await?;
    done(&job)?;
    let path = job.output();
    let bytes = tokio::task::spawn_blocking(move || std::fs::read(path))
        .await
        .map_err(|e| ApiError::bug(e.to_string()))?
        .map_err(|e| ApiError::bug(format!("cannot read the screened file: {e}")))?;
    let ct = match ext(&job.name).as_str() {
        "csv" => "text/csv; charset=utf-8",
        "parquet" | "pq" => "application/vnd.apache.parquet",
        _ => "application/x-ndjson",
    };
    let mut r = (StatusCode::OK, bytes).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"screened-{}\"", job.name))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

/// The query of a job's impact.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImpactQuery {
    before: String,
    after: String,
    /// A proposed instrument (a bill) applied on the after side.
    #[serde(default)]
    with_pack: Option<String>,
    #[serde(default)]
    max_changes: Option<usize>,
}

/// `GET /api/v1/jobs/{id}/impact?before=DATE&after=DATE`: the impact of the
/// rules on `after` against those on `before`, over the job's ledger, as
/// `chipexport impact --format json` reports it.
pub async fn impact(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    q: Result<Query<ImpactQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let q = crate::error::query(q, "?before=2025-04-01&after=2025-05-01")?;
    let job = crate::durable::find(&s, &id).await?;
    done(&job)?;
    let date = chipexport::question::date;
    let (before, after) = (date("before", &q.before)?, date("after", &q.after)?);
    let req = chipexport::ledger::ImpactRequest {
        ledger: job.input(),
        before: chipexport::ledger::ImpactSide::On {
            date: before,
            with_packs: Vec::new(),
        },
        after: chipexport::ledger::ImpactSide::On {
            date: after,
            with_packs: q.with_pack.into_iter().collect(),
        },
        max_changes: q.max_changes.unwrap_or(1000).min(100_000),
    };
    let state = s.clone();
    let report = tokio::task::spawn_blocking(move || state.app.impact(&req, &mut |_| {}))
        .await
        .map_err(|e| ApiError::bug(e.to_string()))??;
    crate::routes::json(&report)
}
