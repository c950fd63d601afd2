//! `GET /api/v1/rules` and `GET /api/v1/rules/{id}`.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::json;
use crate::AppState;
use crate::error::{ApiError, query};

/// The query of `GET /api/v1/rules`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesQuery {
    /// Only packs in force on this date.
    #[serde(default)]
    on: Option<String>,
}

/// `GET /api/v1/rules[?on=DATE]`: the packs, as `rules list` answers.
pub async fn list(
    State(s): State<Arc<AppState>>,
    q: Result<Query<RulesQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q, "?on=2025-09-01")?;
    let on =
        q.on.as_deref()
            .map(|d| chipexport::question::date("on", d))
            .transpose()?;
    json(&s.app.rules_list(on))
}

/// `GET /api/v1/rules/{id}`: one pack with its rules and citations.
pub async fn one(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let p = s
        .app
        .pack(&id)
        .map_err(|e| ApiError::not_found(e.message(), e.help()))?;
    json(p)
}
