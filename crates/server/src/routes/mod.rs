//! The API's routes, one module per group. Each handler parses the request,
//! calls the application layer and returns its typed answer as JSON: the
//! same document `chipexport … --format json` prints.

pub mod audit;
pub mod chart;
pub mod check;
pub mod chips;
pub mod compare;
pub mod licences;
pub mod locate;
pub mod parties;
pub mod rules;
pub mod upcoming;

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::ApiError;

/// `GET /api/v1`: the service and its endpoints.
pub async fn index() -> Json<serde_json::Value> {
    let endpoints: serde_json::Map<String, serde_json::Value> = crate::API_ROUTES
        .iter()
        .map(|(m, p, what)| (format!("{} {p}", m.to_uppercase()), (*what).into()))
        .collect();
    Json(serde_json::json!({
        "service": "chipexport",
        "version": env!("CARGO_PKG_VERSION"),
        "endpoints": endpoints,
    }))
}

/// The OpenAPI 3.1 document, written by hand next to the routes it
/// describes; a test keeps the two in step.
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// `GET /api/v1/openapi.json`.
pub async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
        .into_response()
}

/// Any other path: 404.
pub async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint", "GET /api/v1 lists the endpoints")
}

/// A typed answer as a JSON response, serialised once.
pub fn json<T: Serialize>(value: &T) -> Result<Response, ApiError> {
    let bytes = serde_json::to_vec(value)
        .map_err(|e| ApiError::bug(format!("cannot serialise the answer: {e}")))?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        bytes,
    )
        .into_response())
}
