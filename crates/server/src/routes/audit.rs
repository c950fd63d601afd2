//! The decision log, read-only: `GET /api/v1/audit/verify` and
//! `GET /api/v1/audit/{id}/replay`. Reading never writes.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::Response;

use super::json;
use crate::AppState;
use crate::error::ApiError;

/// `GET /api/v1/audit/verify`: the hash chain's state, as `audit verify
/// --format json` answers.
pub async fn verify(State(s): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let at = s.log_location.clone();
    let r = tokio::task::spawn_blocking(move || chipexport::audit::verify(&at))
        .await
        .map_err(|e| ApiError::bug(e.to_string()))??;
    json(&r)
}

/// `GET /api/v1/audit/{id}/replay`: a logged decision re-decided with the
/// service's rules, as `audit replay ID --format json` answers.
pub async fn replay(
    State(s): State<Arc<AppState>>,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let state = s.clone();
    let r = tokio::task::spawn_blocking(move || state.app.replay(&state.log_location, id))
        .await
        .map_err(|e| ApiError::bug(e.to_string()))??;
    json(&r)
}
