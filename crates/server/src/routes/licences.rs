//! Export licences in the service's licence book (the data directory's
//! database, or PostgreSQL with `serve --database-url`): `GET /api/v1/licences`
//! (the list), `GET /api/v1/licences/report`, `GET
//! /api/v1/licences/{number}` (one in full), `POST /api/v1/licences` (record
//! a licence file; needs the token) and `POST /api/v1/licences/drawdown`
//! (draw an order down; needs the token).
//!
//! A drawdown is atomic: the balance is read and the drawdown written in one
//! transaction of the licence book that excludes every other writer (an
//! immediate transaction in SQLite, a table lock in PostgreSQL), so
//! concurrent requests never overdraw a licence.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chipexport::licences::DrawdownRequest;
use serde::Deserialize;

use super::json;
use crate::AppState;
use crate::error::{ApiError, body, query};
use crate::jobs::authorize;

/// Runs blocking book work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> chipexport::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    Ok(tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::bug(e.to_string()))??)
}

/// `GET /api/v1/licences`: the licences with use and alerts, as `licences
/// list --format json` answers.
pub async fn list(State(s): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let (at, today) = (s.log_location.clone(), s.clock.today());
    json(&blocking(move || chipexport::licences::list(&at, today)).await?)
}

/// `GET /api/v1/licences/report`: every licence's account, as `licences
/// report --format json` answers.
pub async fn report(State(s): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let (at, today) = (s.log_location.clone(), s.clock.today());
    json(&blocking(move || chipexport::licences::report(&at, today)).await?)
}

/// The query of `GET /api/v1/licences/affected`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AffectedQuery {
    /// The date before, `YYYY-MM-DD`.
    before: String,
    /// The date after, `YYYY-MM-DD`.
    after: String,
}

/// `GET /api/v1/licences/affected?before=&after=`: the licences a change of
/// rules between two dates affects, as `licences affected --format json`
/// answers.
pub async fn affected(
    State(s): State<Arc<AppState>>,
    q: Result<Query<AffectedQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q, "?before=2025-04-01&after=2025-09-01")?;
    let state = s.clone();
    json(
        &blocking(move || {
            let before = chipexport::question::date("before", &q.before)?;
            let after = chipexport::question::date("after", &q.after)?;
            state
                .app
                .licences_affected(&state.log_location, before, after)
        })
        .await?,
    )
}

/// `GET /api/v1/licences/{number}`: one licence with its account and
/// drawdowns, as `licences show NUMBER --format json` answers.
pub async fn show(
    State(s): State<Arc<AppState>>,
    p: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let number = p.map(|Path(n)| n).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            e.body_text(),
            "GET /api/v1/licences lists the licence numbers",
        )
        .field("number")
    })?;
    let (at, today) = (s.log_location.clone(), s.clock.today());
    let shown = blocking(
        move || match chipexport::licences::show(&at, &number, today) {
            Ok(shown) => Ok(Ok(shown)),
            Err(e) if e.field() == Some("number") => Ok(Err(e.message().to_string())),
            Err(e) => Err(e),
        },
    )
    .await?;
    match shown {
        Ok(shown) => json(&shown),
        Err(message) => Err(ApiError::not_found(
            message,
            "GET /api/v1/licences lists the licence numbers",
        )),
    }
}

/// A located error with its place in the message and its key as the field,
/// since an error response has no separate location.
fn with_location(e: chipexport::Error) -> chipexport::Error {
    match e.located_errors().first() {
        Some(d) => {
            let message = match &d.key {
                Some(k) => format!("{}: {} (key `{k}`)", d.location(), d.message),
                None => format!("{}: {}", d.location(), d.message),
            };
            let err = chipexport::Error::input(message, d.help.clone().unwrap_or_default());
            match &d.key {
                Some(k) => err.with_field(k.clone()),
                None => err,
            }
        }
        None => e,
    }
}

/// The query of `POST /api/v1/licences`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddQuery {
    /// `json` (default) or `toml`: the body's format.
    #[serde(default)]
    format: Option<String>,
}

/// `POST /api/v1/licences?format=json|toml`: records the licence file in
/// the body (needs the token). Errors name the line and key, as `licences
/// add FILE` does.
pub async fn add(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    q: Result<Query<AddQuery>, QueryRejection>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    authorize(&s, &headers)?;
    let name = match query(q, "?format=toml")?.format.as_deref() {
        None | Some("json") => "request.json",
        Some("toml") => "request.toml",
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("`{other}` is not a licence file format"),
                "format is json (the default) or toml",
            )
            .field("format"));
        }
    };
    let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "the body is not UTF-8 text",
            "send the licence file as UTF-8",
        )
    })?;
    let file = chipexport_domain::SourceFile::new(name, text);
    let state = s.clone();
    let added = blocking(move || {
        state
            .app
            .licence_add(
                &state.log_location,
                &file,
                &chipexport::clock::now_rfc3339(),
            )
            .map_err(with_location)
    })
    .await?;
    json(&added)
}

/// `POST /api/v1/licences/drawdown`: draws an order down against the
/// licences (needs the token); the answer says `covered` and what is left,
/// or why no licence covers it (nothing is drawn then).
pub async fn drawdown(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    req: Result<Json<DrawdownRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    authorize(&s, &headers)?;
    let req = body(req)?;
    let state = s.clone();
    json(
        &blocking(move || {
            state
                .app
                .licence_drawdown(&state.log_location, &req, &chipexport::clock::now_rfc3339())
        })
        .await?,
    )
}
