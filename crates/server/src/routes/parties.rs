//! `POST /api/v1/parties/screen`: a name against the restricted-party
//! lists, as `chipexport parties screen --format json` answers; `POST
//! /api/v1/parties/review`: a reviewer's decision on a match, logged.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::response::Response;
use chipexport::parties::ScreenRequest;
use chipexport::reviews::{ReviewRecorded, ReviewRequest};

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

/// `POST /api/v1/parties/review` (needs the token): `{"action": "clear" |
/// "confirm", "target", "name"?, "reason", "reviewer"}`; the decision is
/// recorded in the decision log (kind `party_review`) before the reply,
/// which is what `chipexport parties clear|confirm --format json` prints.
/// Later screenings by this service apply it.
pub async fn review(
    State(s): State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
    req: Result<Json<ReviewRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    crate::jobs::authorize(&s, &headers)?;
    let req = body(req)?;
    let state = s.clone();
    let (entry, about) =
        tokio::task::spawn_blocking(move || state.app.review_entry(&req, state.clock.today()))
            .await
            .map_err(|e| ApiError::bug(e.to_string()))??;
    let review = serde_json::from_str(&entry.request)
        .map_err(|e| ApiError::bug(format!("cannot read back a review: {e}")))?;
    let logged = s.log.append(entry).await?;
    json(&ReviewRecorded::of(logged.id, review, about))
}
