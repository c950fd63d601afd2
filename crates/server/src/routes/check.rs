//! `POST /api/v1/check` and `POST /api/v1/timeline`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::HeaderValue;
use axum::response::Response;
use chipexport::CheckRequest;
use chipexport::timeline::TimelineRequest;

use super::json;
use crate::AppState;
use crate::error::{ApiError, body};

/// `POST /api/v1/check`: the CLI's check options as JSON; the answer of
/// `check --format json`. The decision is logged before the reply; its id
/// is in `X-Decision-Id`.
pub async fn check(
    State(s): State<Arc<AppState>>,
    req: Result<Json<CheckRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let req = body(req)?;
    let c = s.app.check(&req, s.clock.today())?;
    // The log keeps the outcome record (as `check --log` does); the caller
    // gets the whole answer, serialised once.
    let entry = chipexport::audit::check_entry(&c.resolved.question, &c.decision)?;
    let mut resp = json(&c.decision)?;
    let logged = s.log.append(entry).await?;
    if let Ok(v) = HeaderValue::from_str(&logged.id.to_string()) {
        resp.headers_mut().insert("x-decision-id", v);
    }
    Ok(resp)
}

/// `POST /api/v1/timeline`: the check options (without `on`) plus `since`.
pub async fn timeline(
    State(s): State<Arc<AppState>>,
    req: Result<Json<TimelineRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    json(&s.app.timeline(&body(req)?)?)
}
