//! Every API route in-process (`Router` + `oneshot`, no socket): status and
//! JSON body, snapshotted. Hashes are masked so that a new pack does not
//! change every snapshot; time is frozen at 2026-11-29.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chipexport::audit::LogLocation;
use chipexport::{App, Clock, Date};
use chipexport_server::{AppState, LogWriter, router};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

#[path = "routes/licences.rs"]
mod licences;

struct Service {
    router: Router,
    data: std::path::PathBuf,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

fn service(name: &str) -> Service {
    let data =
        std::env::temp_dir().join(format!("chipexport-routes-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let at = LogLocation::dir(&data);
    let state = Arc::new(AppState {
        app: App::embedded().unwrap(),
        clock: Clock::Fixed(Date::constant(2026, 11, 29)),
        log: LogWriter::start(at.open().unwrap()),
        log_location: at,
        data: data.clone(),
        token: "test-token".into(),
        jobs: chipexport_server::jobs::Jobs::default(),
        upload_limit: 1 << 20,
        answers: chipexport_server::answers::Answers::default(),
    });
    Service {
        router: router(state),
        data,
    }
}

/// Masks hashes (they change with every pack) and log timestamps.
fn mask(v: &mut Value) {
    match v {
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                if matches!(
                    k.as_str(),
                    "hash" | "prev_hash" | "rule_set_hash" | "rule_set_then" | "rule_set_now"
                ) && x.is_string()
                {
                    *x = Value::String("[sha256]".into());
                } else if k == "id" && x.as_str().is_some_and(|v| v.starts_with("chipexport-")) {
                    // A rule set's id ends in a prefix of its hash.
                    *x = Value::String("[rule set]".into());
                } else if k == "recorded_at" {
                    *x = Value::String("[time]".into());
                } else {
                    mask(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(mask),
        _ => {}
    }
}

async fn call(s: &Service, method: &str, path: &str, body: &str) -> (StatusCode, Value) {
    let (status, _, v) = call_with_headers(s, method, path, body).await;
    (status, v)
}

/// A call that also returns the response's headers.
async fn call_with_headers(
    s: &Service,
    method: &str,
    path: &str,
    body: &str,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let resp = s.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    // The data directory's name carries the process id.
    let text = String::from_utf8_lossy(&bytes).replace(&s.data.display().to_string(), "[data]");
    let mut v: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"));
    mask(&mut v);
    (status, headers, v)
}

/// The first `n` items of the array at `key`, and how many there were.
fn head(v: &Value, key: &str, n: usize) -> Value {
    let a = v[key].as_array().unwrap();
    serde_json::json!({ "count": a.len(), "first": a.iter().take(n).collect::<Vec<_>>() })
}

#[tokio::test]
async fn check_and_its_views() {
    let s = service("check");
    let (st, v) = call(
        &s,
        "POST",
        "/api/v1/check",
        r#"{"chip": "H20", "to": "CN", "on": "2025-09-01"}"#,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    insta::assert_json_snapshot!("check_h20_cn_2025-09-01", v);
    let (st, v) = call(
        &s,
        "POST",
        "/api/v1/timeline",
        r#"{"chip": "H20", "to": "CN", "since": "2025-01-01"}"#,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let periods: Vec<Value> = v["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| serde_json::json!([i["from"], i["to"], i["opened_by"], i["decision"]["verdict"]]))
        .collect();
    insta::assert_json_snapshot!("timeline_h20_cn", periods);
    let (st, v) = call(
        &s,
        "POST",
        "/api/v1/compare",
        r#"{"chips": ["H20", "H100"], "to": "CN", "on": "2024-06-01"}"#,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    insta::assert_json_snapshot!("compare_h20_h100_cn", v);
    let (st, v) = call(
        &s,
        "POST",
        "/api/v1/headroom",
        r#"{"chip": "H100", "to": "CN", "on": "2024-01-01"}"#,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    insta::assert_json_snapshot!("headroom_h100_cn", v);
    let (st, v) = call(&s, "GET", "/api/v1/chart?to=CN&on=2025-05-01", "").await;
    assert_eq!(st, StatusCode::OK);
    insta::assert_json_snapshot!(
        "chart_cn_2025-05-01",
        serde_json::json!({ "x_breaks": v["x_breaks"], "y_breaks": v["y_breaks"], "cells": v["cells"], "chips": head(&v, "chips", 3) })
    );
}

#[tokio::test]
async fn catalog_and_rules() {
    let s = service("catalog");
    let (st, v) = call(&s, "GET", "/api/v1/chips?q=h20", "").await;
    assert_eq!(st, StatusCode::OK);
    insta::assert_json_snapshot!("chips_q_h20", v);
    let (st, v) = call(&s, "GET", "/api/v1/chips/A800", "").await;
    assert_eq!(st, StatusCode::OK);
    insta::assert_json_snapshot!("chip_a800", v);
    let (st, v) = call(
        &s,
        "POST",
        "/api/v1/metrics",
        r#"{"name": "X", "die_area_mm2": 814, "throughput": {"fp16": 148}}"#,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    insta::assert_json_snapshot!("metrics_posted_spec", v);
    let (st, v) = call(&s, "GET", "/api/v1/rules?on=2025-09-01", "").await;
    assert_eq!(st, StatusCode::OK);
    let ids: Vec<&Value> = v["packs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["id"])
        .collect();
    insta::assert_json_snapshot!("rules_in_force_2025-09-01", ids);
    let (st, v) = call(
        &s,
        "GET",
        "/api/v1/rules/us-2025-04-09-h20-mi308-letters",
        "",
    )
    .await;
    insta::assert_json_snapshot!("rule_pack_h20_letters", (st.as_u16(), v));
    let (st, v) = call(&s, "GET", "/api/v1", "").await;
    assert_eq!(st, StatusCode::OK);
    insta::assert_json_snapshot!("index", v);
}

#[tokio::test]
async fn the_audit_routes_read_what_check_wrote() {
    let s = service("audit");
    let (st, _) = call(
        &s,
        "POST",
        "/api/v1/check",
        r#"{"chip": "H20", "to": "CN", "on": "2025-05-01"}"#,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let (st, v) = call(&s, "GET", "/api/v1/audit/verify", "").await;
    assert_eq!(st, StatusCode::OK);
    insta::assert_json_snapshot!("audit_verify", v);
    let (st, v) = call(&s, "GET", "/api/v1/audit/1/replay", "").await;
    assert_eq!(st, StatusCode::OK);
    insta::assert_json_snapshot!("audit_replay_1", v);
    let (st, v) = call(&s, "GET", "/api/v1/audit/9/replay", "").await;
    insta::assert_json_snapshot!("audit_replay_missing", (st.as_u16(), v));
}

#[tokio::test]
async fn the_trail_lists_and_shows_entries_with_their_notes() {
    let s = service("trail");
    let plain = r#"{"chip": "H20", "to": "CN", "on": "2025-05-01"}"#;
    let noted = r#"{"chip": "H20", "to": "CN", "on": "2025-05-01", "reviewer": "ana", "order_ref": "PO-17", "note": "first batch"}"#;
    let (st, h1, a) = call_with_headers(&s, "POST", "/api/v1/check", plain).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(h1["x-decision-id"], "1");
    let (st, h2, b) = call_with_headers(&s, "POST", "/api/v1/check", noted).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(h2["x-decision-id"], "2");
    assert_eq!(a, b, "the notes do not change the answer");
    let (st, v) = call(&s, "GET", "/api/v1/audit", "").await;
    assert_eq!(st, StatusCode::OK);
    insta::assert_json_snapshot!("audit_list", v);
    let (st, v) = call(&s, "GET", "/api/v1/audit?kind=check&limit=1", "").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["entries"].as_array().unwrap().len(), 1);
    assert_eq!(v["entries"][0]["id"], 2);
    let (_, v) = call(&s, "GET", "/api/v1/audit?kind=screen", "").await;
    assert_eq!(v["entries"], serde_json::json!([]));
    let (_, v) = call(&s, "GET", "/api/v1/audit?to=2000-01-01", "").await;
    assert_eq!(v["entries"], serde_json::json!([]));
    let (st, v) = call(&s, "GET", "/api/v1/audit/2", "").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["request"]["destination"], "CN");
    insta::assert_json_snapshot!(
        "audit_show_2",
        serde_json::json!({
            "short": v.as_object().unwrap().iter().filter(|(k, _)| !matches!(k.as_str(), "request" | "response")).map(|(k, v)| (k.clone(), v.clone())).collect::<serde_json::Map<_, _>>(),
            "response_keys": v["response"].as_object().unwrap().keys().collect::<Vec<_>>(),
        })
    );
    let (st, v) = call(&s, "GET", "/api/v1/audit/2/replay", "").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["same"], true);
    assert_eq!(v["question"]["destination"], "CN");
    for (name, path) in [
        ("show_missing", "/api/v1/audit/9"),
        ("show_not_a_number", "/api/v1/audit/x"),
        ("list_bad_date", "/api/v1/audit?from=2026-13-01"),
        ("list_unknown_parameter", "/api/v1/audit?colour=red"),
    ] {
        let (st, v) = call(&s, "GET", path, "").await;
        insta::assert_json_snapshot!(format!("audit_{name}"), (st.as_u16(), v));
    }
}

#[tokio::test]
async fn a_get_check_answers_as_post_and_logs_nothing() {
    let s = service("getcheck");
    let (st, _, posted) = call_with_headers(
        &s,
        "POST",
        "/api/v1/check",
        r#"{"chip": "H20", "to": "CN", "on": "2025-09-01", "with_packs": []}"#,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let (st, headers, got) =
        call_with_headers(&s, "GET", "/api/v1/check?chip=H20&to=CN&on=2025-09-01", "").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(got, posted);
    assert!(headers.get("x-decision-id").is_none());
    let spec = r#"{"name":"X","datacenter":true,"die_area_mm2":814,"throughput":{"fp8":296}}"#;
    let path = format!(
        "/api/v1/check?spec={}&to=CN&on=2024-06-01&as_written=true",
        spec.replace('{', "%7B")
            .replace('}', "%7D")
            .replace('"', "%22")
            .replace(':', "%3A")
            .replace(',', "%2C")
    );
    let (st, v) = call(&s, "GET", &path, "").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["license_required"], false);
    let (_, v) = call(&s, "GET", "/api/v1/audit/verify", "").await;
    assert_eq!(v["entries"], 1, "only the POST was logged");
    for (name, path) in [
        ("reviewer", "/api/v1/check?chip=H20&to=CN&reviewer=ana"),
        ("unknown", "/api/v1/check?chip=H20&to=CN&colour=red"),
        ("bad_bool", "/api/v1/check?chip=H20&to=CN&as_written=yes"),
        ("bad_spec", "/api/v1/check?spec=nope&to=CN"),
        ("bad_country", "/api/v1/check?chip=H20&to=XX"),
    ] {
        let (st, v) = call(&s, "GET", path, "").await;
        insta::assert_json_snapshot!(format!("get_check_{name}"), (st.as_u16(), v));
    }
}

/// A question asked again is answered from the kept answer: the same body
/// as when it was decided, each ask logged with its own annotation, and
/// the replay of each log entry agrees.
#[tokio::test]
async fn a_repeated_question_gets_the_kept_answer_and_is_logged_each_time() {
    let s = service("kept");
    let ask = |reviewer: &str| {
        format!(r#"{{"chip": "H20", "to": "CN", "on": "2025-09-01", "reviewer": "{reviewer}"}}"#)
    };
    let (st, h1, first) = call_with_headers(&s, "POST", "/api/v1/check", &ask("ana")).await;
    assert_eq!(st, StatusCode::OK);
    let (st, h2, again) = call_with_headers(&s, "POST", "/api/v1/check", &ask("bo")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(first, again);
    let id = |h: &axum::http::HeaderMap| h["x-decision-id"].to_str().unwrap().to_string();
    assert_ne!(id(&h1), id(&h2));
    // A fresh service decides it anew, to the same answer.
    let fresh = service("kept-fresh");
    let (_, anew) = call(&fresh, "POST", "/api/v1/check", &ask("cy")).await;
    assert_eq!(first, anew);
    for (h, reviewer) in [(&h1, "ana"), (&h2, "bo")] {
        let (st, e) = call(&s, "GET", &format!("/api/v1/audit/{}", id(h)), "").await;
        assert_eq!(st, StatusCode::OK, "{e}");
        assert!(
            e.to_string()
                .contains(&format!(r#""reviewer":"{reviewer}""#)),
            "{e}"
        );
        let (st, r) = call(&s, "GET", &format!("/api/v1/audit/{}/replay", id(h)), "").await;
        assert_eq!(st, StatusCode::OK, "{r}");
        assert_eq!(r["same"], true, "{r}");
    }
}

#[tokio::test]
async fn bad_requests_name_their_field() {
    let s = service("errors");
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "unknown_field",
            "POST",
            "/api/v1/check",
            r#"{"chip": "H20", "to": "CN", "colour": "red"}"#,
        ),
        (
            "bad_country",
            "POST",
            "/api/v1/check",
            r#"{"chip": "H20", "to": "XX"}"#,
        ),
        (
            "bad_date",
            "POST",
            "/api/v1/check",
            r#"{"chip": "H20", "to": "CN", "on": "2025/09/01"}"#,
        ),
        (
            "unknown_chip",
            "POST",
            "/api/v1/check",
            r#"{"chip": "H2O", "to": "CN"}"#,
        ),
        (
            "bad_target",
            "POST",
            "/api/v1/headroom",
            r#"{"chip": "H100", "to": "CN", "target": "free"}"#,
        ),
        (
            "compare_unknown_field",
            "POST",
            "/api/v1/compare",
            r#"{"chips": ["H20"], "to": "CN", "colour": 1}"#,
        ),
        (
            "serial_without_licences",
            "POST",
            "/api/v1/check",
            r#"{"chip": "H20", "to": "CN", "serial": "SN-1"}"#,
        ),
        ("no_pack", "GET", "/api/v1/rules/no-such-pack", ""),
        ("no_route", "GET", "/api/v1/nothing", ""),
        (
            "upload_without_token",
            "POST",
            "/api/v1/screen?name=a.csv",
            "x",
        ),
    ];
    for (name, method, path, body) in cases {
        let (st, v) = call(&s, method, path, body).await;
        insta::assert_json_snapshot!(format!("error_{name}"), (st.as_u16(), v));
    }
}

/// The OpenAPI document gives `GET /api/v1/check` a query parameter for
/// every field of the POST body that a query can carry (all but those kept
/// in the log, which a GET refuses, and `owners`, a list of objects), and
/// none that the body lacks; and a GET with each of them is answered.
#[tokio::test]
async fn the_get_check_parameters_are_the_post_body_fields() {
    let doc: Value = serde_json::from_str(chipexport_server::routes::OPENAPI).unwrap();
    let body = doc["components"]["schemas"]["CheckRequest"]["properties"]
        .as_object()
        .unwrap();
    let params: Vec<&str> = doc["paths"]["/api/v1/check"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    let not_in_a_query = ["reviewer", "order_ref", "note", "owners"];
    let mut expected: Vec<&str> = body
        .keys()
        .map(String::as_str)
        .filter(|k| !not_in_a_query.contains(k))
        .collect();
    expected.sort_unstable();
    let mut got = params.clone();
    got.sort_unstable();
    assert_eq!(got, expected);

    let s = service("get-parameters");
    let path = "/api/v1/check?chip=H20&to=CN&on=2026-09-01&known_as_of=2026-09-01\
        &min_confidence=secondary&buyer=Acme&buyer_country=CN&end_user=Acme&end_user_country=CN\
        &consignee=Acme&consignee_country=CN&context=false&licences=false&as_written=false\
        &subject_to_ear=true&with_packs=&from=US&end_user_hq=CN&buyer_type=commercial\
        &exporter_role=designer";
    let (st, v) = call(&s, "GET", path, "").await;
    assert_eq!(st, StatusCode::OK, "{v}");
}
