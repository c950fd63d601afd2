//! The catalog: `GET /api/v1/chips`, `GET /api/v1/chips/{id}`, and
//! `POST /api/v1/metrics`.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chipexport::ItemRef;
use serde::Deserialize;

use super::json;
use crate::AppState;
use crate::error::{ApiError, body, query};

/// The query of `GET /api/v1/chips`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChipsQuery {
    /// Text to search for in ids, models, vendors and aliases.
    #[serde(default)]
    q: Option<String>,
}

/// `GET /api/v1/chips[?q=TEXT]`: the catalog, or the matching entries.
pub async fn list(
    State(s): State<Arc<AppState>>,
    q: Result<Query<ChipsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q, "?q=h20")?;
    json(&s.app.chips(q.q.as_deref()))
}

/// `GET /api/v1/chips/{id}`: one entry with metrics and sources.
pub async fn one(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let d = s
        .app
        .chip(&id)
        .map_err(|e| ApiError::not_found(e.message(), e.help()))?;
    json(&d)
}

/// `POST /api/v1/metrics`: the metrics of a posted spec (or `{"chip"}`).
pub async fn metrics(
    State(s): State<Arc<AppState>>,
    req: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let v = body(req)?;
    // A body with `chip` or `spec` names the item; any other object is the
    // spec itself.
    let item = match serde_json::from_value::<ItemRef>(v.clone()) {
        Ok(i) if i.chip.is_some() || i.spec.is_some() => i,
        _ => ItemRef {
            chip: None,
            spec: Some(v),
        },
    };
    json(&s.app.metrics(&item)?)
}
