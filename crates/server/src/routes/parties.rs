//! `POST /api/v1/parties/screen`: a name against the restricted-party
//! lists, as `chipexport parties screen --format json` answers.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::response::Response;
use chipexport::parties::ScreenRequest;

use super::json;
use crate::AppState;
use crate::error::{ApiError, body};

/// `POST /api/v1/parties/screen`: `{"name", "country"?, "on"?,
/// "threshold"?}`; the first call of a process builds the index (about
/// half a second), so it runs off the async workers.
pub async fn screen(
    State(s): State<Arc<AppState>>,
    req: Result<Json<ScreenRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let req = body(req)?;
    let state = s.clone();
    tokio::task::spawn_blocking(move || state.app.screen_party(&req, state.clock.today()))
        .await
        .map_err(|e| ApiError::bug(e.to_string()))?
        .map_err(ApiError::from)
        .and_then(|r| json(&r))
}
