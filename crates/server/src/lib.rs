//! The HTTP service: the application layer's answers as JSON under
//! `/api/v1`, with every decision recorded in the decision log, and the
//! browser UI.
//!
//! Handlers ([`routes`]) parse, call [`chipexport`] and return its typed
//! answer: `POST /api/v1/check` returns exactly what `chipexport check
//! --format json` prints, and so on for every command with an API
//! counterpart (a parity test holds them equal). Malformed JSON, wrong
//! types and unknown fields get a 4xx naming the field; errors of the
//! application layer get the status their fault decides. Bodies are
//! limited to 1 MiB and requests to 10 seconds.
//!
//! The same binary serves the browser UI ([`web`]) and runs ledger jobs
//! ([`jobs`]); endpoints that write (uploads) need the service's token.
#![warn(missing_docs, clippy::too_many_lines)]

pub mod answers;
pub mod durable;
pub mod error;
pub mod jobs;
pub mod log;
pub mod routes;
pub mod token;
pub mod web;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use chipexport::audit::LogLocation;
use chipexport::{App, Clock};

pub use error::ApiError;
pub use log::LogWriter;
pub use token::load_or_create_token;

/// What every handler shares.
pub struct AppState {
    /// The rules and the catalog.
    pub app: App,
    /// "Today" for questions without a date.
    pub clock: Clock,
    /// The decision log's writer.
    pub log: LogWriter,
    /// Where the decision log is (for the read-only audit routes), and the
    /// licence book beside it (for the licence routes).
    pub log_location: LogLocation,
    /// The data directory (decision log, licence book, token, jobs; the log
    /// and the book are in PostgreSQL instead when `log_location` names a
    /// database URL).
    pub data: std::path::PathBuf,
    /// The bearer token that write endpoints require.
    pub token: String,
    /// Ledger jobs of this run.
    pub jobs: jobs::Jobs,
    /// The largest upload accepted, in bytes.
    pub upload_limit: usize,
    /// Answers to item questions, kept (see [`answers`]).
    pub answers: answers::Answers,
}

/// Every API route: (method, path, what it does), as the OpenAPI document
/// lists them (pages and assets excluded).
pub const API_ROUTES: &[(&str, &str, &str)] = &[
    ("get", "/api/v1", "this list"),
    (
        "get",
        "/api/v1/openapi.json",
        "the OpenAPI 3.1 document of this API",
    ),
    ("get", "/api/v1/chips", "the catalog (?q= searches)"),
    (
        "get",
        "/api/v1/chips/{id}",
        "one entry with metrics and sources",
    ),
    (
        "post",
        "/api/v1/metrics",
        "the metrics of a posted spec, with derivation",
    ),
    (
        "post",
        "/api/v1/check",
        "chip or spec, to, end_user_hq, from, on, buyer_type, exporter_role, subject_to_ear, as_written, with_packs, buyer, end_user, consignee (each with an optional _country), owners, and reviewer, order_ref, note for the log: the answer, logged",
    ),
    (
        "get",
        "/api/v1/check",
        "the check options as query parameters: the same answer, not logged",
    ),
    (
        "post",
        "/api/v1/timeline",
        "the check options (without on) plus since",
    ),
    (
        "post",
        "/api/v1/compare",
        "chips, domestic and the check options: several chips side by side",
    ),
    (
        "post",
        "/api/v1/headroom",
        "the check options plus target and vary: how much performance fits under the lines",
    ),
    (
        "get",
        "/api/v1/chart",
        "?on=&to=: the TPP x performance-density map and every chip's outcome",
    ),
    (
        "get",
        "/api/v1/rules",
        "the packs (?on= those in force on a date)",
    ),
    (
        "get",
        "/api/v1/rules/{id}",
        "one pack with its rules and citations",
    ),
    (
        "post",
        "/api/v1/parties/screen",
        "name, country, on, threshold: a name against the restricted-party lists, with scores and explanations",
    ),
    (
        "post",
        "/api/v1/parties/review",
        "action, target, name, reason, reviewer: clear or confirm a match (needs the token); logged",
    ),
    (
        "get",
        "/api/v1/upcoming",
        "?days=&chip=&to=: the rule changes ahead and the answers they would change",
    ),
    (
        "get",
        "/api/v1/audit",
        "?kind=&from=&to=&limit=: the decision log's entries in short",
    ),
    ("get", "/api/v1/audit/{id}", "one logged decision in full"),
    (
        "get",
        "/api/v1/audit/verify",
        "the decision log's hash chain",
    ),
    (
        "get",
        "/api/v1/audit/{id}/replay",
        "?allow_broken=: a logged decision re-decided with today's rules (and the packs it recorded)",
    ),
    (
        "post",
        "/api/v1/screen",
        "?name=FILE: upload a ledger (needs the token); returns a job",
    ),
    ("get", "/api/v1/jobs/{id}", "a job's state and progress"),
    (
        "post",
        "/api/v1/locate",
        "?map=: batch (JSON Lines of signed delay measurements), name, at, max_age_s, bound (needs the token): each chip's location verdict, logged",
    ),
    (
        "get",
        "/api/v1/locate/status",
        "?serial=|licence=&from=&to=: the latest location verification within a period",
    ),
    (
        "get",
        "/api/v1/licences",
        "the export licences recorded, with use and alerts",
    ),
    (
        "post",
        "/api/v1/licences",
        "?format=json|toml: record the licence file in the body (needs the token)",
    ),
    (
        "get",
        "/api/v1/licences/report",
        "every licence's account: drawn, owed per month, alerts",
    ),
    (
        "get",
        "/api/v1/licences/affected",
        "?before=&after=: the licences a change of rules between two dates affects",
    ),
    (
        "get",
        "/api/v1/licences/{number}",
        "one licence with its account and drawdowns",
    ),
    (
        "post",
        "/api/v1/licences/drawdown",
        "order, chip, to, on, units, value, consignee, end_user, customs_value: draw an order down, atomically (needs the token)",
    ),
    ("get", "/api/v1/jobs/{id}/result", "the screened ledger"),
    (
        "get",
        "/api/v1/jobs/{id}/impact",
        "?before=&after=: the impact of a rule change on the job's ledger",
    ),
];

/// The service's routes.
pub fn router(state: Arc<AppState>) -> Router {
    let upload_limit = state.upload_limit;
    let api = Router::new()
        .route("/api/v1", get(routes::index))
        .route("/api/v1/openapi.json", get(routes::openapi))
        .route("/api/v1/chips", get(routes::chips::list))
        .route("/api/v1/chips/{id}", get(routes::chips::one))
        .route("/api/v1/metrics", post(routes::chips::metrics))
        .route(
            "/api/v1/check",
            post(routes::check::check).get(routes::check::check_get),
        )
        .route("/api/v1/timeline", post(routes::check::timeline))
        .route("/api/v1/compare", post(routes::compare::compare))
        .route("/api/v1/headroom", post(routes::compare::headroom))
        .route("/api/v1/chart", get(routes::chart::chart))
        .route("/api/v1/rules", get(routes::rules::list))
        .route("/api/v1/rules/{id}", get(routes::rules::one))
        .route("/api/v1/parties/screen", post(routes::parties::screen))
        .route("/api/v1/parties/review", post(routes::parties::review))
        .route("/api/v1/upcoming", get(routes::upcoming::upcoming))
        .route("/api/v1/audit", get(routes::audit::list))
        .route("/api/v1/audit/verify", get(routes::audit::verify))
        .route("/api/v1/audit/{id}", get(routes::audit::show))
        .route("/api/v1/audit/{id}/replay", get(routes::audit::replay))
        .route(
            "/api/v1/screen",
            post(jobs::upload).layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        )
        .route("/api/v1/jobs/{id}", get(jobs::status))
        .route("/api/v1/locate", post(routes::locate::verify))
        .route("/api/v1/locate/status", get(routes::locate::status))
        .route("/api/v1/jobs/{id}/result", get(jobs::result))
        .route("/api/v1/jobs/{id}/impact", get(jobs::impact))
        .route(
            "/api/v1/licences",
            get(routes::licences::list).post(routes::licences::add),
        )
        .route("/api/v1/licences/report", get(routes::licences::report))
        .route("/api/v1/licences/affected", get(routes::licences::affected))
        .route(
            "/api/v1/licences/drawdown",
            post(routes::licences::drawdown),
        )
        .route("/api/v1/licences/{number}", get(routes::licences::show))
        .route("/api/v1/{*rest}", axum::routing::any(routes::not_found));
    api.route("/", get(web::chart_page))
        .route("/chips/{id}", get(web::chip_page))
        .route("/check", get(web::check_page))
        .route("/rules", get(web::rules_page))
        .route("/rules/{id}", get(web::rule_page))
        .route("/ledger", get(web::ledger_page))
        .route("/parties", get(web::parties_page))
        .route("/locate", get(web::locate_page))
        .route("/licences/{number}", get(web::licence_page))
        .route("/assets/{*path}", get(web::asset))
        .fallback(routes::not_found)
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
