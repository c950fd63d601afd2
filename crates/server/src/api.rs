//! Read endpoints beyond `check` and `timeline`: catalog search, metrics of
//! a posted spec, compare, the chart's classification map, and the OpenAPI
//! document.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chipexport_domain::Country;
use chipexport_rules::chart::Assumptions;
use chipexport_rules::request::CheckRequest;
use serde::Deserialize;

use crate::{ApiError, AppState, body};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChipsQuery {
    #[serde(default)]
    q: Option<String>,
}

/// `GET /api/v1/chips[?q=TEXT]`: the catalog, or the entries whose id,
/// model, vendor or an alias contains the text (case-insensitive).
pub async fn chips(
    State(s): State<Arc<AppState>>,
    q: Result<Query<ChipsQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(q) =
        q.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.body_text(), "e.g. ?q=h20"))?;
    let needle = q.q.unwrap_or_default().to_lowercase();
    let list: Vec<serde_json::Value> = s
        .catalog
        .entries
        .iter()
        .filter(|e| {
            needle.is_empty()
                || e.id.to_lowercase().contains(&needle)
                || e.spec.name.to_lowercase().contains(&needle)
                || e.spec
                    .vendor
                    .as_deref()
                    .is_some_and(|v| v.to_lowercase().contains(&needle))
                || e.spec
                    .aliases
                    .iter()
                    .any(|a| a.to_lowercase().contains(&needle))
        })
        .map(|e| {
            serde_json::json!({
                "id": e.id, "vendor": e.spec.vendor, "model": e.spec.name, "variant": e.spec.variant,
                "aliases": e.spec.aliases,
                "tpp": e.metrics.tpp, "performance_density": e.metrics.performance_density,
                "memory_bandwidth_gbps": e.metrics.memory_bandwidth_gbps, "interconnect_gbps": e.metrics.interconnect_gbps,
                "datacenter": e.spec.datacenter, "origin_country": e.spec.origin_country,
                "has_figures": e.has_figures(),
            })
        })
        .collect();
    Ok(Json(serde_json::Value::Array(list)))
}

/// `POST /api/v1/metrics`: the metrics of a posted spec, with derivation.
pub async fn metrics(
    State(s): State<Arc<AppState>>,
    req: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let spec = body(req)?;
    let r = CheckRequest {
        spec: Some(spec),
        ..CheckRequest::default()
    };
    let (spec, name) = r.item(&s.catalog).map_err(ApiError::from)?;
    let m = chipexport_domain::Metrics::of(&spec);
    Ok(Json(serde_json::json!({ "name": name, "metrics": m })))
}

/// The body of `POST /api/v1/compare`: `check`'s options with several chips.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareRequest {
    #[serde(default)]
    chips: Vec<String>,
    to: String,
    #[serde(default)]
    on: Option<String>,
    #[serde(default)]
    end_user_hq: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    buyer_type: Option<String>,
    /// Add the catalog's chips designed in the destination country.
    #[serde(default)]
    domestic: bool,
}

/// `POST /api/v1/compare`: several chips, one destination and date, as
/// `chipexport compare` answers it. A chip designed in the destination
/// country is domestic supply, not an export from the US.
pub async fn compare(
    State(s): State<Arc<AppState>>,
    req: Result<Json<CompareRequest>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let c = body(req)?;
    let destination = Country::parse(&c.to).map_err(|e| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string(), e.help()).field("to")
    })?;
    let entries = s
        .catalog
        .selection(&c.chips, c.domestic.then_some(destination))
        .map_err(|e| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string(), e.help()).field("chips")
        })?;
    if entries.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "name at least one chip to compare",
            "e.g. {\"chips\": [\"H20\", \"Ascend 910B\"], \"to\": \"CN\"}, or \"domestic\": true",
        )
        .field("chips"));
    }
    let today = (s.today)();
    let mut rows = Vec::new();
    let mut on = None;
    for e in entries {
        let domestic = e.spec.origin_country == Some(destination);
        let r = CheckRequest {
            chip: Some(e.id.clone()),
            to: c.to.clone(),
            on: c.on.clone(),
            end_user_hq: c.end_user_hq.clone(),
            from: if domestic {
                Some(destination.to_string())
            } else {
                c.from.clone()
            },
            buyer_type: c.buyer_type.clone(),
            ..CheckRequest::default()
        }
        .resolve(&s.rules, &s.catalog, today)
        .map_err(ApiError::from)?;
        on = Some(r.question.on);
        let d = s.rules.decide(&r.question);
        rows.push(serde_json::json!({
            "chip": e.id, "name": e.spec.display_name(), "domestic": domestic,
            "eccn": d.eccn, "license_required": d.license_required, "review_policy": d.review_policy,
            "verdict": d.verdict, "tpp": r.metrics.tpp, "performance_density": r.metrics.performance_density,
        }));
    }
    Ok(Json(serde_json::json!({
        "on": on.map(|d| d.to_string()),
        "destination": destination,
        "rule_set": { "id": s.rules.id, "hash": s.rules.hash },
        "rows": rows,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChartQuery {
    #[serde(default)]
    on: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    end_user_hq: Option<String>,
    #[serde(default)]
    memory_bandwidth_gbps: Option<f64>,
    #[serde(default)]
    interconnect_gbps: Option<f64>,
}

/// `GET /api/v1/chart?on=DATE&to=CC`: the classification map of the TPP ×
/// performance-density plane (see `chipexport_rules::chart`), every catalog
/// chip with figures and its outcome, and the dates the rules change.
pub async fn chart(
    State(s): State<Arc<AppState>>,
    q: Result<Query<ChartQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            e.body_text(),
            "e.g. ?on=2025-05-01&to=CN",
        )
    })?;
    let country = |field: &str, v: &str| {
        Country::parse(v).map_err(|e| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string(), e.help()).field(field)
        })
    };
    let to = q.to.unwrap_or_else(|| "CN".into());
    let destination = country("to", &to)?;
    let end_user_hq = match &q.end_user_hq {
        Some(h) => country("end_user_hq", h)?,
        None => destination,
    };
    let on = match &q.on {
        Some(d) => chipexport_domain::parse_date(d).map_err(|m| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                m,
                "write dates as YYYY-MM-DD",
            )
            .field("on")
        })?,
        None => (s.today)(),
    };
    for (field, v) in [
        ("memory_bandwidth_gbps", q.memory_bandwidth_gbps),
        ("interconnect_gbps", q.interconnect_gbps),
    ] {
        if v.is_some_and(|x| !x.is_finite() || x < 0.0) {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("`{field}` must be a non-negative number"),
                "in GB/s",
            )
            .field(field));
        }
    }
    let a = Assumptions {
        model: chipexport_rules::chart::HYPOTHETICAL.into(),
        vendor: chipexport_rules::chart::HYPOTHETICAL.into(),
        datacenter: true,
        memory_bandwidth_gbps: Some(q.memory_bandwidth_gbps.unwrap_or(4000.0)),
        interconnect_gbps: Some(q.interconnect_gbps.unwrap_or(900.0)),
        end_user_hq,
        exported_from: Country::us(),
        origin_country: Country::us(),
    };
    let map = s.rules.region_map(destination, on, &a);
    let mut chips = Vec::new();
    let mut not_shown = 0usize;
    for e in &s.catalog.entries {
        if e.metrics.tpp.is_none() || e.metrics.performance_density.is_none() {
            not_shown += 1;
            continue;
        }
        let domestic = e.spec.origin_country == Some(destination);
        let r = CheckRequest {
            chip: Some(e.id.clone()),
            to: to.clone(),
            on: Some(on.to_string()),
            end_user_hq: Some(end_user_hq.to_string()),
            from: domestic.then(|| destination.to_string()),
            ..CheckRequest::default()
        }
        .resolve(&s.rules, &s.catalog, on)
        .map_err(ApiError::from)?;
        let d = s.rules.determine(&r.question);
        chips.push(serde_json::json!({
            "id": e.id, "model": e.spec.name, "vendor": e.spec.vendor, "variant": e.spec.variant,
            "tpp": e.metrics.tpp, "performance_density": e.metrics.performance_density,
            "datacenter": e.spec.datacenter, "domestic": domestic,
            "eccn": d.eccn, "license_required": d.license_required, "review_policy": d.review_policy,
        }));
    }
    let breakpoints: Vec<String> = s
        .rules
        .breakpoints()
        .into_iter()
        .map(|d| d.to_string())
        .collect();
    let mut v = serde_json::to_value(&map).map_err(|e| crate::internal(e.to_string()))?;
    if let Some(o) = v.as_object_mut() {
        o.insert("breakpoints".into(), breakpoints.into());
        o.insert("chips".into(), chips.into());
        o.insert("not_shown".into(), not_shown.into());
        o.insert(
            "rule_set".into(),
            serde_json::json!({ "id": s.rules.id, "hash": s.rules.hash }),
        );
    }
    Ok(Json(v).into_response())
}

/// The OpenAPI 3.1 document, written by hand next to the routes it
/// describes; a test keeps the two in step.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// `GET /api/v1/openapi.json`.
pub async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
        .into_response()
}
