//! `GET /api/v1/upcoming`.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use chipexport::upcoming::UpcomingRequest;

use super::json;
use crate::AppState;
use crate::error::{ApiError, query};

/// `GET /api/v1/upcoming?days=N[&chip=&to=&end_user_hq=]`: the rule
/// changes ahead, as `chipexport upcoming --format json` answers.
pub async fn upcoming(
    State(s): State<Arc<AppState>>,
    q: Result<Query<UpcomingRequest>, QueryRejection>,
) -> Result<Response, ApiError> {
    let req = query(q, "?days=90&chip=H20&to=CN")?;
    json(&s.app.upcoming(&req, s.clock.today())?)
}
