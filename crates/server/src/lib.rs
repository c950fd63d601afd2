//! The HTTP service: the CLI's answers as JSON under `/api/v1`, over the
//! same library, with every decision recorded in the decision log.
//!
//! `POST /api/v1/check` takes the CLI's options as JSON
//! ([`chipexport_rules::request::CheckRequest`]) and returns exactly what
//! `chipexport check --format json` prints; the log entry's id is in the
//! `X-Decision-Id` header. Malformed JSON, wrong types and unknown fields
//! get a 4xx with a message naming the field; bodies are limited to 1 MiB
//! and requests to 10 seconds.
//!
//! The same binary serves the browser UI ([`web`]) and runs ledger jobs
//! ([`jobs`]); endpoints that write (uploads) need the service's token.

pub mod api;
pub mod jobs;
pub mod web;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chipexport_catalog::Catalog;
use chipexport_domain::Date;
use chipexport_rules::RuleSet;
use chipexport_rules::request::CheckRequest;
use chipexport_store::{DecisionLog, NewEntry};

/// What every handler shares.
pub struct AppState {
    pub rules: RuleSet,
    pub catalog: Catalog,
    pub log: LogWriter,
    /// "Today" for questions without a date (UTC, or frozen for tests).
    pub today: fn() -> Date,
    /// The data directory (decision log, token, jobs).
    pub data: std::path::PathBuf,
    /// The bearer token that write endpoints require.
    pub token: String,
    /// Ledger jobs of this run.
    pub jobs: jobs::Jobs,
    /// The largest upload accepted, in bytes.
    pub upload_limit: usize,
}

/// `n` random bytes as hex, from the operating system.
pub fn random_hex(n: usize) -> std::io::Result<String> {
    use std::io::Read;
    let mut b = vec![0u8; n];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut b)?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// The token from `CHIPEXPORT_TOKEN`, else `DATA/token`, else a new random
/// one written to `DATA/token` (readable by the owner only).
pub fn load_or_create_token(data: &std::path::Path) -> std::io::Result<String> {
    if let Ok(t) = std::env::var("CHIPEXPORT_TOKEN")
        && !t.trim().is_empty()
    {
        return Ok(t.trim().to_string());
    }
    let path = data.join("token");
    match std::fs::read_to_string(&path) {
        Ok(t) if !t.trim().is_empty() => return Ok(t.trim().to_string()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    std::fs::create_dir_all(data)?;
    let t = random_hex(24)?;
    std::fs::write(&path, format!("{t}\n"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(t)
}

pub(crate) fn internal(e: impl Into<String>) -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        e,
        "this is a bug in chipexport; please report it",
    )
}

type Ack = tokio::sync::oneshot::Sender<Result<chipexport_store::Entry, String>>;

/// The decision log's writer: one thread owns the log and commits every
/// entry waiting at the time in one transaction (group commit), then
/// acknowledges each. A request is answered only after its entry is durable.
pub struct LogWriter {
    tx: Mutex<std::sync::mpsc::Sender<(NewEntry, Ack)>>,
}

impl LogWriter {
    pub fn start(mut log: DecisionLog) -> LogWriter {
        let (tx, rx) = std::sync::mpsc::channel::<(NewEntry, Ack)>();
        std::thread::spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut batch = vec![first];
                while batch.len() < 1024 {
                    match rx.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                let (entries, acks): (Vec<NewEntry>, Vec<Ack>) = batch.into_iter().unzip();
                match log.append_all(entries) {
                    Ok(done) => {
                        for (entry, ack) in done.into_iter().zip(acks) {
                            let _ = ack.send(Ok(entry));
                        }
                    }
                    Err(e) => {
                        for ack in acks {
                            let _ = ack.send(Err(e.to_string()));
                        }
                    }
                }
            }
        });
        LogWriter { tx: Mutex::new(tx) }
    }

    /// Appends an entry and waits until it is durable.
    pub async fn append(&self, entry: NewEntry) -> Result<chipexport_store::Entry, String> {
        let (ack, done) = tokio::sync::oneshot::channel();
        self.tx
            .lock()
            .map_err(|_| "the decision log is unavailable".to_string())?
            .send((entry, ack))
            .map_err(|_| "the decision log writer stopped".to_string())?;
        done.await
            .map_err(|_| "the decision log writer stopped".to_string())?
    }
}

/// Today in UTC, or `CHIPEXPORT_TODAY` when set (for reproducible runs).
pub fn today() -> Date {
    std::env::var("CHIPEXPORT_TODAY")
        .ok()
        .and_then(|t| chipexport_domain::parse_date(&t).ok())
        .unwrap_or_else(|| {
            jiff::tz::TimeZone::UTC
                .to_datetime(jiff::Timestamp::now())
                .date()
        })
}

/// An error response: `{"error": {"message", "help", "field"}}`.
pub struct ApiError {
    status: StatusCode,
    message: String,
    help: String,
    field: Option<String>,
}

impl ApiError {
    pub(crate) fn field(mut self, f: &str) -> ApiError {
        self.field = Some(f.to_string());
        self
    }

    pub(crate) fn new(
        status: StatusCode,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            help: help.into(),
            field: None,
        }
    }
}

/// A request that parses but cannot be answered: 422, naming the field.
impl From<chipexport_rules::request::RequestError> for ApiError {
    fn from(e: chipexport_rules::request::RequestError) -> ApiError {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: e.message,
            help: e.help,
            field: Some(e.field),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": { "message": self.message, "help": self.help, "field": self.field } });
        (self.status, Json(body)).into_response()
    }
}

pub(crate) fn body<T>(r: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    r.map(|Json(v)| v).map_err(|e| {
        let status = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            StatusCode::PAYLOAD_TOO_LARGE
        } else {
            StatusCode::BAD_REQUEST
        };
        ApiError::new(
            status,
            e.body_text(),
            "send a JSON object with the documented fields (see GET /api/v1)",
        )
    })
}

async fn index() -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "service": "chipexport",
        "version": env!("CARGO_PKG_VERSION"),
        "endpoints": {
            "GET /api/v1/openapi.json": "the OpenAPI 3.1 document of this API",
            "GET /api/v1/chips": "the catalog (?q= searches)",
            "POST /api/v1/metrics": "the metrics of a posted spec, with derivation",
            "POST /api/v1/compare": "chips, to, on, end_user_hq, domestic: several chips side by side",
            "GET /api/v1/chart": "?on=&to=: the TPP x performance-density map and every chip's outcome",
            "POST /api/v1/screen": "?name=FILE: upload a ledger (needs the token); returns a job",
            "GET /api/v1/jobs/{id}": "a job's state and progress",
            "GET /api/v1/jobs/{id}/result": "the screened ledger",
            "GET /api/v1/jobs/{id}/impact": "?before=&after=: the impact of a rule change on the job's ledger",
            "GET /api/v1/chips/{id}": "one entry with metrics and sources",
            "POST /api/v1/check": "the CLI's check options as JSON: chip or spec, to, end_user_hq, from, on, buyer_type, exporter_role, subject_to_ear, as_written, with_packs",
            "POST /api/v1/timeline": "the same options (without on) plus since",
            "GET /api/v1/rules": "the packs",
            "GET /api/v1/rules/{id}": "one pack with its rules and citations",
        }
    }))
}

async fn chip(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let e = s
        .catalog
        .lookup(&id)
        .map_err(|e| ApiError::new(StatusCode::NOT_FOUND, e.to_string(), e.help()))?;
    Ok(Json(
        serde_json::json!({ "id": e.id, "spec": e.spec, "metrics": e.metrics }),
    ))
}

async fn check(
    State(s): State<Arc<AppState>>,
    req: Result<Json<CheckRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let req = body(req)?;
    let r = req
        .resolve(&s.rules, &s.catalog, (s.today)())
        .map_err(ApiError::from)?;
    let mut d = s.rules.decide(&r.question);
    d.metrics = Some(r.metrics);
    let internal = |e: String| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            e,
            "this is a bug in chipexport; please report it",
        )
    };
    let request = serde_json::to_string(&r.question).map_err(|e| internal(e.to_string()))?;
    // The log keeps the outcome record (as `check --log` does); the caller
    // gets the whole answer, serialised once.
    let record = d.outcome_record().to_string();
    let response = serde_json::to_vec(&d).map_err(|e| internal(e.to_string()))?;
    let entry = s
        .log
        .append(NewEntry {
            recorded_at: jiff::Timestamp::now().to_string(),
            kind: "check".into(),
            request,
            response: record,
            rule_set_hash: d.rule_set.hash.clone(),
        })
        .await
        .map_err(internal)?;
    let mut resp = (
        [(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        response,
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&entry.id.to_string()) {
        resp.headers_mut().insert("x-decision-id", v);
    }
    Ok(resp)
}

async fn timeline(
    State(s): State<Arc<AppState>>,
    req: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let mut v = body(req)?;
    // `since` is timeline's own option; the rest is a check request.
    let since = match v.as_object_mut().and_then(|o| o.remove("since")) {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(_) => {
            return Err(ApiError {
                field: Some("since".into()),
                ..ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "`since` must be a date string",
                    "YYYY-MM-DD",
                )
            });
        }
        None => None,
    };
    let check: CheckRequest = serde_json::from_value(v).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            e.to_string(),
            "send the check options as JSON",
        )
    })?;
    let since = match since {
        Some(d) => chipexport_domain::parse_date(&d).map_err(|m| ApiError {
            field: Some("since".into()),
            ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m, "YYYY-MM-DD")
        })?,
        None => Date::constant(2022, 1, 1),
    };
    let r = check
        .resolve(&s.rules, &s.catalog, since)
        .map_err(ApiError::from)?;
    let iv = s.rules.timeline(&r.question, since, Some(&r.metrics));
    Ok(Json(
        serde_json::json!({ "chip": r.spec.id, "name": r.spec.display_name(), "destination": r.question.destination, "intervals": iv }),
    ))
}

async fn rules(State(s): State<Arc<AppState>>) -> Json<serde_json::Value> {
    let packs: Vec<_> = s.rules.packs.iter().map(|p| serde_json::json!({ "id": p.meta.id, "meta": p.meta, "rules": p.rules.len(), "tests": p.tests.len() })).collect();
    Json(
        serde_json::json!({ "rule_set": { "id": s.rules.id, "hash": s.rules.hash }, "packs": packs }),
    )
}

async fn rule_pack(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let p = s.rules.pack(&id).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no pack `{id}`"),
            "GET /api/v1/rules lists the packs",
        )
    })?;
    serde_json::to_value(p).map(Json).map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            e.to_string(),
            "this is a bug in chipexport",
        )
    })
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no such endpoint",
        "GET /api/v1 lists the endpoints",
    )
}

/// Every route: (method, path), as the OpenAPI document lists them (pages
/// and assets excluded).
pub const API_ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1"),
    ("get", "/api/v1/openapi.json"),
    ("get", "/api/v1/chips"),
    ("get", "/api/v1/chips/{id}"),
    ("post", "/api/v1/metrics"),
    ("post", "/api/v1/check"),
    ("post", "/api/v1/timeline"),
    ("post", "/api/v1/compare"),
    ("get", "/api/v1/chart"),
    ("get", "/api/v1/rules"),
    ("get", "/api/v1/rules/{id}"),
    ("post", "/api/v1/screen"),
    ("get", "/api/v1/jobs/{id}"),
    ("get", "/api/v1/jobs/{id}/result"),
    ("get", "/api/v1/jobs/{id}/impact"),
];

/// The service's routes.
pub fn router(state: Arc<AppState>) -> Router {
    let upload_limit = state.upload_limit;
    Router::new()
        .route("/api/v1", get(index))
        .route("/api/v1/openapi.json", get(api::openapi))
        .route("/api/v1/chips", get(api::chips))
        .route("/api/v1/chips/{id}", get(chip))
        .route("/api/v1/metrics", post(api::metrics))
        .route("/api/v1/check", post(check))
        .route("/api/v1/timeline", post(timeline))
        .route("/api/v1/compare", post(api::compare))
        .route("/api/v1/chart", get(api::chart))
        .route("/api/v1/rules", get(rules))
        .route("/api/v1/rules/{id}", get(rule_pack))
        .route(
            "/api/v1/screen",
            post(jobs::upload).layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        )
        .route("/api/v1/jobs/{id}", get(jobs::status))
        .route("/api/v1/jobs/{id}/result", get(jobs::result))
        .route("/api/v1/jobs/{id}/impact", get(jobs::impact))
        .route("/api/v1/{*rest}", axum::routing::any(not_found))
        .route("/", get(web::chart_page))
        .route("/chips/{id}", get(web::chip_page))
        .route("/check", get(web::check_page))
        .route("/rules", get(web::rules_page))
        .route("/rules/{id}", get(web::rule_page))
        .route("/ledger", get(web::ledger_page))
        .route("/assets/{*path}", get(web::asset))
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(1024 * 1024))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(10),
        ))
        .with_state(state)
}

/// Serves until Ctrl-C; `on_ready` gets the bound address.
pub async fn serve(
    addr: &str,
    state: Arc<AppState>,
    on_ready: impl FnOnce(std::net::SocketAddr),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    on_ready(listener.local_addr()?);
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
