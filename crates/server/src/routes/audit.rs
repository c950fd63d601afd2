//! The decision log, read-only: `GET /api/v1/audit` (the entries),
//! `GET /api/v1/audit/{id}` (one in full), `GET /api/v1/audit/verify` and
//! `GET /api/v1/audit/{id}/replay`. Reading never writes.

use std::sync::Arc;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chipexport::trail::ListRequest;
use serde::Deserialize;

use super::json;
use crate::AppState;
use crate::error::{ApiError, query};

/// Runs blocking log work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> chipexport::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    Ok(tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::bug(e.to_string()))??)
}

/// An entry's id from the path, or a 400 naming it.
fn id(p: Result<Path<i64>, PathRejection>) -> Result<i64, ApiError> {
    p.map(|Path(id)| id).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            e.body_text(),
            "an entry's id is a number: GET /api/v1/audit lists them",
        )
        .field("id")
    })
}

/// `GET /api/v1/audit/verify`: the hash chain's state, as `audit verify
/// --format json` answers.
pub async fn verify(State(s): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let at = s.log_location.clone();
    json(&blocking(move || chipexport::audit::verify(&at)).await?)
}

/// `GET /api/v1/audit?kind=&from=&to=&limit=`: the entries in short, as
/// `audit list --format json` answers.
pub async fn list(
    State(s): State<Arc<AppState>>,
    q: Result<Query<ListRequest>, QueryRejection>,
) -> Result<Response, ApiError> {
    let req = query(q, "?kind=check&from=2026-01-01&limit=20")?;
    let at = s.log_location.clone();
    json(&blocking(move || chipexport::trail::list(&at, &req)).await?)
}

/// `GET /api/v1/audit/{id}`: one entry in full, as `audit show ID --format
/// json` answers.
pub async fn show(
    State(s): State<Arc<AppState>>,
    p: Result<Path<i64>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = id(p)?;
    let at = s.log_location.clone();
    json(&blocking(move || chipexport::trail::show(&at, id)).await?)
}

/// The query of a replay.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayQuery {
    /// Replay even when the hash chain is broken (the report warns).
    #[serde(default)]
    allow_broken: bool,
}

/// `GET /api/v1/audit/{id}/replay?allow_broken=`: a logged decision
/// re-decided with the service's rules (and the extra packs it recorded),
/// as `audit replay ID --format json` answers. A broken chain is refused
/// unless `allow_broken=true`.
pub async fn replay(
    State(s): State<Arc<AppState>>,
    p: Result<Path<i64>, PathRejection>,
    q: Result<Query<ReplayQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let id = id(p)?;
    let allow = query(q, "?allow_broken=true")?.allow_broken;
    let state = s.clone();
    json(&blocking(move || state.app.replay(&state.log_location, id, allow)).await?)
}
