//! Error responses: `{"error": {"message", "help", "field", "fault"}}` with
//! the status the fault decides (see [`chipexport::Fault::http_status`]),
//! or the status of a malformed request (400, 401, 403, 404, 409, 413).

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chipexport::Fault;
use serde::Serialize;

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
}

/// The body of an error response.
#[derive(Debug, Serialize)]
struct ErrorBody {
    message: String,
    help: String,
    field: Option<String>,
    fault: Fault,
}

impl ApiError {
    /// An error with an explicit status; the fault is the caller's input.
    pub fn new(
        status: StatusCode,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            body: ErrorBody {
                message: message.into(),
                help: help.into(),
                field: None,
                fault: if status.is_server_error() {
                    Fault::Bug
                } else {
                    Fault::Input
                },
            },
        }
    }

    /// Names the request field.
    #[must_use]
    pub fn field(mut self, f: &str) -> ApiError {
        self.body.field = Some(f.to_string());
        self
    }

    /// A bug in chipexport (500).
    pub fn bug(message: impl Into<String>) -> ApiError {
        ApiError::from(chipexport::Error::bug(message))
    }

    /// A 404.
    pub fn not_found(message: impl Into<String>, help: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message, help)
    }
}

impl From<chipexport::Error> for ApiError {
    fn from(e: chipexport::Error) -> ApiError {
        let status = StatusCode::from_u16(e.fault().http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        ApiError {
            status,
            body: ErrorBody {
                message: e.message().to_string(),
                help: e.help().to_string(),
                field: e.field().map(str::to_string),
                fault: e.fault(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(serde_json::json!({ "error": self.body }))).into_response()
    }
}

/// The field a serde error names, if any: the first word in backticks
/// (serde writes "unknown field `x`", "missing field `x`", and our
/// requests "`x`: …").
pub(crate) fn field_of(text: &str) -> Option<String> {
    let (_, rest) = text.split_once('`')?;
    rest.split_once('`').map(|(f, _)| f.to_string())
}

/// A JSON body, or a 400 (413 when too large) naming the field at fault.
pub fn body<T>(r: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    r.map(|Json(v)| v).map_err(|e| {
        let status = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            StatusCode::PAYLOAD_TOO_LARGE
        } else {
            StatusCode::BAD_REQUEST
        };
        let text = e.body_text();
        let mut err = ApiError::new(
            status,
            text.clone(),
            "send a JSON object with the documented fields (see GET /api/v1/openapi.json)",
        );
        err.body.field = field_of(&text);
        err
    })
}

/// Query parameters, or a 400 naming the parameter at fault.
pub fn query<T>(
    r: Result<axum::extract::Query<T>, QueryRejection>,
    example: &str,
) -> Result<T, ApiError> {
    r.map(|axum::extract::Query(v)| v).map_err(|e| {
        let text = e.body_text();
        let mut err = ApiError::new(
            StatusCode::BAD_REQUEST,
            text.clone(),
            format!("e.g. {example}"),
        );
        err.body.field = field_of(&text);
        err
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_name_their_field() {
        assert_eq!(
            field_of(
                "Failed to deserialize the JSON body into the target type: unknown field `colour`, expected one of `to`"
            ),
            Some("colour".to_string())
        );
        assert_eq!(
            field_of("missing field `to` at line 1 column 2"),
            Some("to".to_string())
        );
        assert_eq!(field_of("expected a JSON object"), None);
    }
}
