//! `GET /api/v1/chart`.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use chipexport::chart::ChartRequest;

use super::json;
use crate::AppState;
use crate::error::{ApiError, query};

/// `GET /api/v1/chart?on=DATE&to=CC`: the classification map of the TPP ×
/// performance-density plane, every catalog chip with figures and its
/// outcome, and the dates the rules change.
pub async fn chart(
    State(s): State<Arc<AppState>>,
    q: Result<Query<ChartRequest>, QueryRejection>,
) -> Result<Response, ApiError> {
    let req = query(q, "?on=2025-05-01&to=CN")?;
    json(&s.app.chart(&req, s.clock.today())?)
}
