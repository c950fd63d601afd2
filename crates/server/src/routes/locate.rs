//! Where is the chip: `POST /api/v1/locate` verifies a batch of signed
//! delay measurements against the fleet record in the data directory (it
//! writes, so it needs the service's token, as ledger uploads do) and
//! returns what `chipexport locate verify --format json` prints;
//! `?map=true` adds each verdict's map as SVG. `GET /api/v1/locate/status`
//! gives the latest verification of a chip or licence within a period.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chipexport::locate::{StatusRequest, VerifyRequest};
use serde::{Deserialize, Serialize};

use super::json;
use crate::AppState;
use crate::error::{ApiError, body, query};

/// The query of a verification.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyQuery {
    /// Add each verdict's map as SVG.
    #[serde(default)]
    map: bool,
}

/// A verification with its maps (`?map=true`).
#[derive(Serialize)]
struct WithMaps {
    #[serde(flatten)]
    report: chipexport::locate::VerifyReport,
    maps: Vec<String>,
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> chipexport::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    Ok(tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::bug(e.to_string()))??)
}

/// `POST /api/v1/locate[?map=true]`: a batch (`batch`, the JSON Lines text;
/// `name`, `at`, `max_age_s`, `bound`) verified and logged.
pub async fn verify(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    q: Result<Query<VerifyQuery>, QueryRejection>,
    req: Result<Json<VerifyRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    crate::jobs::authorize(&s, &headers)?;
    let map = query(q, "?map=true")?.map;
    let req = body(req)?;
    let (data, log) = (s.data.clone(), s.log_location.clone());
    let report =
        blocking(move || chipexport::locate::verify(&data, &log, &req, jiff::Timestamp::now()))
            .await?;
    if !map {
        return json(&report);
    }
    let maps = report
        .verdicts
        .iter()
        .map(|v| chipexport::locate::map::svg(&v.verdict))
        .collect();
    json(&WithMaps { report, maps })
}

/// `GET /api/v1/locate/status?serial=|licence=&from=&to=`: the latest
/// verification within the period and whether it meets a
/// location-verification condition, as `locate status --format json`.
pub async fn status(
    State(s): State<Arc<AppState>>,
    q: Result<Query<StatusRequest>, QueryRejection>,
) -> Result<Response, ApiError> {
    let req = query(q, "?licence=D1234567&from=2026-01-01&to=2026-12-31")?;
    let data = s.data.clone();
    json(&blocking(move || chipexport::locate::status(&data, &req)).await?)
}
