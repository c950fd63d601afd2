//! `POST /api/v1/check` (the answer, logged), `GET /api/v1/check` (the
//! same answer, not logged) and `POST /api/v1/timeline`.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chipexport::CheckRequest;
use chipexport::licences::CheckWithLicence;
use chipexport::timeline::TimelineRequest;
use chipexport_store::NewLogEntry;

use super::json;
use crate::AppState;
use crate::answers::{Answer, Answers};
use crate::error::{ApiError, body, query};

/// `POST /api/v1/check`: the CLI's check options as JSON, plus the
/// optional `reviewer`, `order_ref` and `note` kept in the log; the answer
/// of `check --format json`. The decision is logged before the reply; its
/// id is in `X-Decision-Id`. A question without parties or owners is
/// decided once per breakpoint interval and its answer kept
/// ([`crate::answers`]). With `licences` (and optionally `serial`), the
/// answer adds what the service's licence book and fleet say of it, as
/// `check --data DIR` does: `licence`, `licence_reasons` and
/// `location_verification`.
pub async fn check(
    State(s): State<Arc<AppState>>,
    req: Result<Json<CheckRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let req = body(req)?;
    let today = s.clock.today();
    if req.licences {
        let (answer, entry) = with_licences(&s, req, today).await?;
        let logged = s.log.append(entry).await?;
        return Ok(decision_id(answer, logged.id));
    }
    let rules = s.app.rules();
    let key = Answers::key(&req, today, rules);
    let kept = key.as_ref().and_then(|(k, on)| {
        let kept = s.answers.get(k)?;
        let body = kept.body_on(*on)?;
        Some((kept, body, *on))
    });
    let (answer, body, on) = match kept {
        Some(a) => a,
        None => {
            let a = Arc::new(
                Answer::of(s.app.check(&req, today)?, rules)
                    .map_err(|e| ApiError::bug(format!("cannot serialise the answer: {e}")))?,
            );
            let on = a.decided();
            let body = a
                .body_on(on)
                .ok_or_else(|| ApiError::bug("an answer has no JSON on its own date"))?;
            if let Some((k, _)) = key {
                s.answers.put(k, Arc::clone(&a));
            }
            (a, body, on)
        }
    };
    // The log keeps the outcome record (as `check --log` does); the caller
    // gets the whole answer, serialised once per question and interval.
    let entry = answer.entry(&s.app, on, &req.annotation)?;
    let resp = (
        [(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response();
    let logged = s.log.append(entry).await?;
    Ok(decision_id(resp, logged.id))
}

/// `resp` with the id of the decision logged in `X-Decision-Id`.
fn decision_id(mut resp: Response, id: i64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&id.to_string()) {
        resp.headers_mut().insert("x-decision-id", v);
    }
    resp
}

/// Decides `req` (`today` for a request without a date) and matches it to
/// the service's licence book and fleet
/// ([`chipexport::App::licence_match`]), off the async threads: the answer
/// as `check --data DIR --format json` prints it, and the decision's log
/// entry.
async fn with_licences(
    s: &Arc<AppState>,
    req: CheckRequest,
    today: chipexport::Date,
) -> Result<(Response, NewLogEntry), ApiError> {
    let s = Arc::clone(s);
    tokio::task::spawn_blocking(move || -> Result<(Response, NewLogEntry), ApiError> {
        let c = s.app.check(&req, today)?;
        let entry = chipexport::audit::check_entry(&s.app, &c, &req.annotation)?;
        let matched = s.app.licence_match(
            &s.data,
            &s.log_location,
            &c,
            &req.ask,
            req.serial.as_deref(),
        )?;
        let answer = json(&CheckWithLicence {
            answer: c.answer(),
            matched,
        })?;
        Ok((answer, entry))
    })
    .await
    .map_err(|e| ApiError::bug(e.to_string()))?
}

/// Fields of the check body that a GET cannot take: they are kept in the
/// log, and a GET does not log.
const LOGGED_ONLY: &[&str] = &["reviewer", "order_ref", "note"];

/// The check body from query parameters: `spec` is JSON text,
/// `subject_to_ear`, `as_written`, `context` and `licences` are `true` or
/// `false`, `with_packs` may repeat or be comma-separated.
fn check_body(pairs: Vec<(String, String)>) -> Result<serde_json::Value, ApiError> {
    let bad = |field: &str, message: String, help: &str| {
        ApiError::new(StatusCode::BAD_REQUEST, message, help).field(field)
    };
    let mut o = serde_json::Map::new();
    let mut packs = Vec::new();
    for (k, v) in pairs {
        let value = match k.as_str() {
            f if LOGGED_ONLY.contains(&f) => {
                return Err(bad(
                    f,
                    format!("`{f}` is recorded in the decision log, and a GET does not log"),
                    "POST /api/v1/check records the decision with its reviewer, order_ref and note",
                ));
            }
            "with_packs" | "with_pack" => {
                packs.extend(v.split(',').filter(|p| !p.is_empty()).map(String::from));
                continue;
            }
            "spec" => serde_json::from_str(&v).map_err(|e| {
                bad(
                    "spec",
                    format!("`spec` is not JSON: {e}"),
                    "give the spec as JSON text",
                )
            })?,
            "subject_to_ear" | "as_written" | "context" | "licences" => match v.as_str() {
                "true" => true.into(),
                "false" => false.into(),
                _ => {
                    return Err(bad(
                        &k,
                        format!("`{k}` must be true or false, not `{v}`"),
                        "e.g. ?as_written=true",
                    ));
                }
            },
            _ => v.into(),
        };
        o.insert(k, value);
    }
    if !packs.is_empty() {
        o.insert("with_packs".into(), packs.into());
    }
    Ok(serde_json::Value::Object(o))
}

/// `GET /api/v1/check?chip=H20&to=CN&on=DATE`: the check options as query
/// parameters; exactly the answer of `POST /api/v1/check`, not logged (a
/// GET never writes).
pub async fn check_get(
    State(s): State<Arc<AppState>>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let pairs = query(q, "?chip=H20&to=CN&on=2025-05-01")?;
    let req: CheckRequest = serde_json::from_value(check_body(pairs)?).map_err(|e| {
        let text = e.to_string();
        let field = crate::error::field_of(&text);
        let mut err = ApiError::new(
            StatusCode::BAD_REQUEST,
            text,
            "give the documented parameters (see GET /api/v1/openapi.json)",
        );
        if let Some(f) = field {
            err = err.field(&f);
        }
        err
    })?;
    if req.licences {
        return Ok(with_licences(&s, req, s.clock.today()).await?.0);
    }
    json(&s.app.check(&req, s.clock.today())?.answer())
}

/// `POST /api/v1/timeline`: the check options (without `on`) plus `since`.
pub async fn timeline(
    State(s): State<Arc<AppState>>,
    req: Result<Json<TimelineRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    json(&s.app.timeline(&body(req)?)?)
}
