//! `POST /api/v1/compare` and `POST /api/v1/headroom`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::response::Response;
use chipexport::compare::CompareRequest;
use chipexport::headroom::HeadroomRequest;

use super::json;
use crate::AppState;
use crate::error::{ApiError, body};

/// `POST /api/v1/compare`: several chips, one destination and date, as
/// `chipexport compare --format json` answers.
pub async fn compare(
    State(s): State<Arc<AppState>>,
    req: Result<Json<CompareRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    json(&s.app.compare(&body(req)?, s.clock.today())?)
}

/// `POST /api/v1/headroom`: the limits that keep a target outcome, as
/// `chipexport headroom --format json` answers.
pub async fn headroom(
    State(s): State<Arc<AppState>>,
    req: Result<Json<HeadroomRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let req = body(req)?;
    let state = s.clone();
    tokio::task::spawn_blocking(move || state.app.headroom(&req, state.clock.today()))
        .await
        .map_err(|e| ApiError::bug(e.to_string()))?
        .map_err(ApiError::from)
        .and_then(|r| json(&r))
}
