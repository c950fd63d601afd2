//! The licence routes in-process: recording a licence (token, located
//! errors), concurrent drawdowns that never overdraw, the report's totals;
//! a check matched to the licence book.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::service;

const LICENCE: &str = include_str!("../../../../data/licences/examples/h20-alibaba-cloud.toml");

async fn call(
    r: &Router,
    method: &str,
    uri: &str,
    body: Option<String>,
    token: bool,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if token {
        req = req.header("authorization", "Bearer test-token");
    }
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    let resp = r
        .clone()
        .oneshot(req.body(body.map_or_else(Body::empty, Body::from)).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn order(i: usize, units: u64) -> String {
    json!({
        "order": format!("o-{i:03}"),
        "chip": "H20",
        "to": "CN",
        "on": "2026-03-01",
        "units": units,
        "value": (units * 12_000).to_string(),
        "consignee": "Alibaba Cloud Co., Ltd.",
        "end_user": "ALIBABA CLOUD LIMITED",
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_drawdowns_never_overdraw() {
    let s = service("concurrent");
    let (st, v) = call(
        &s.router,
        "POST",
        "/api/v1/licences?format=toml",
        Some(LICENCE.into()),
        true,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["number"], "D1234567");
    // 30 orders of 400 units at once against 10,000 units: exactly 25 fit.
    let mut tasks = Vec::new();
    for i in 0..30 {
        let r = s.router.clone();
        tasks.push(tokio::spawn(async move {
            call(
                &r,
                "POST",
                "/api/v1/licences/drawdown",
                Some(order(i, 400)),
                true,
            )
            .await
        }));
    }
    let mut covered = 0;
    let mut exhausted = 0;
    for t in tasks {
        let (st, v) = t.await.unwrap();
        assert_eq!(st, StatusCode::OK, "{v}");
        match v["licence_status"].as_str() {
            Some("covered") => covered += 1,
            Some("exhausted") => exhausted += 1,
            other => panic!("unexpected status {other:?}: {v}"),
        }
    }
    assert_eq!((covered, exhausted), (25, 5));
    let (_, shown) = call(&s.router, "GET", "/api/v1/licences/D1234567", None, false).await;
    assert_eq!(shown["account"]["lines"][0]["drawn_units"], 10_000);
    assert_eq!(shown["account"]["lines"][0]["remaining_units"], 0);
    assert_eq!(shown["drawdowns"].as_array().map(Vec::len), Some(25));
    // The report's totals are the sum of the drawdowns.
    let (_, report) = call(&s.router, "GET", "/api/v1/licences/report", None, false).await;
    let sum: u64 = shown["drawdowns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["units"].as_u64().unwrap())
        .sum();
    assert_eq!(report["totals"]["units"].as_u64(), Some(sum));
    assert_eq!(report["totals"]["revenue_share"], "18000000");
}

#[tokio::test]
async fn writing_needs_the_token_and_bad_files_are_located() {
    let s = service("token");
    let (st, _) = call(
        &s.router,
        "POST",
        "/api/v1/licences?format=toml",
        Some(LICENCE.into()),
        false,
    )
    .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _) = call(
        &s.router,
        "POST",
        "/api/v1/licences/drawdown",
        Some(order(1, 1)),
        false,
    )
    .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let bad = LICENCE.replace("quantity = 10000", "quantty = 10000");
    let (st, v) = call(
        &s.router,
        "POST",
        "/api/v1/licences?format=toml",
        Some(bad),
        true,
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "lines.0.quantty");
    let msg = v["error"]["message"].as_str().unwrap_or("");
    assert!(
        msg.starts_with("request.toml:25:1: unknown field `quantty`"),
        "{msg}"
    );
    let (st, _) = call(&s.router, "GET", "/api/v1/licences/D999", None, false).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, list) = call(&s.router, "GET", "/api/v1/licences", None, false).await;
    assert_eq!((st, list), (StatusCode::OK, json!([])));
}

/// The drawdown endpoint applies the volume cap of the H200 licence: 1,000
/// H200s shipped to US customers in March allow 500 under it in March.
#[tokio::test]
async fn the_drawdown_endpoint_applies_the_volume_cap() {
    let s = service("cap");
    let licence = include_str!("../../../../data/licences/examples/h200-bytedance.json");
    let (st, v) = call(
        &s.router,
        "POST",
        "/api/v1/licences",
        Some(licence.into()),
        true,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let at = chipexport::audit::LogLocation::dir(&s.data);
    let req = chipexport::licences::UsShipmentsRequest {
        model: "H200".into(),
        from: "2026-03-01".into(),
        to: "2026-03-31".into(),
        units: 1_000,
    };
    let rec = chipexport::App::embedded()
        .unwrap()
        .licence_us_shipments(&at, &req, "2026-11-29T00:00:00Z")
        .unwrap();
    assert_eq!((rec.event, rec.corrects), (2, None));
    let h200 = |id: &str, on: &str, units: u64| {
        json!({
            "order": id,
            "chip": "H200",
            "to": "CN",
            "on": on,
            "units": units,
            "value": (units * 30_000).to_string(),
            "end_user": "Beijing Volcano Engine Technology Co., Ltd.",
        })
        .to_string()
    };
    let draw = |body: String| {
        call(
            &s.router,
            "POST",
            "/api/v1/licences/drawdown",
            Some(body),
            true,
        )
    };
    let (st, v) = draw(h200("V-1", "2026-03-05", 300)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["licence_status"], "covered", "{v}");
    assert_eq!(v["licence"].get("unchecked"), None, "{v}");
    let (_, v) = draw(h200("V-2", "2026-03-20", 201)).await;
    assert_eq!(v["licence_status"], "over_volume_cap", "{v}");
    assert_eq!(v["event"], Value::Null);
    let reason = v["tried"][0]["reason"].as_str().unwrap_or("");
    assert!(
        reason.starts_with("300 units of H200 shipped under the licence from 2026-03-01 to 2026-03-31, plus the 201 ordered, would be 501"),
        "{reason}"
    );
    let (_, v) = draw(h200("V-2", "2026-03-20", 200)).await;
    assert_eq!(v["licence_status"], "covered", "{v}");
    // April has no record: drawn, and said to be unchecked.
    let (_, v) = draw(h200("V-4", "2026-04-10", 10)).await;
    assert_eq!(v["licence_status"], "covered", "{v}");
    let unchecked = v["licence"]["unchecked"][0].as_str().unwrap_or("");
    assert!(
        unchecked.contains("cannot be checked: no shipments of H200 to US customers are recorded for a period including 2026-04-10"),
        "{v}"
    );
}

/// The answer to a request that must succeed.
async fn ok(r: &Router, method: &str, uri: &str, body: Option<String>, token: bool) -> Value {
    let (st, v) = call(r, method, uri, body, token).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v
}

/// `POST /api/v1/check` with `licences` answers as `check --data DIR` does:
/// the check's answer, then the licence of the service's book that covers
/// the question, or why none does. `GET` gives the same answer, and such an
/// answer is never kept: recording a licence changes the next one.
#[tokio::test]
async fn a_check_with_licences_names_the_licence_that_covers_it() {
    let s = service("check-licences");
    let r = &s.router;
    let question = json!({
        "chip": "H20",
        "to": "CN",
        "on": "2026-09-01",
        "consignee": "Alibaba Cloud Co., Ltd.",
        "end_user": "ALIBABA CLOUD LIMITED",
    });
    let mut asked = question.clone();
    asked["licences"] = json!(true);
    let asked = Some(asked.to_string());

    let none = ok(r, "POST", "/api/v1/check", asked.clone(), false).await;
    assert_eq!(none["licence"], Value::Null);
    let reasons = none["licence_reasons"].as_array().unwrap();
    assert!(
        reasons
            .iter()
            .any(|w| w.as_str().unwrap().starts_with("no licence is recorded")),
        "{none}"
    );

    ok(
        r,
        "POST",
        "/api/v1/licences?format=toml",
        Some(LICENCE.into()),
        true,
    )
    .await;
    let covered = ok(r, "POST", "/api/v1/check", asked, false).await;
    assert_eq!(covered["licence"]["number"], "D1234567", "{covered}");
    assert_eq!(covered["license_required"], true);

    // The answer's own fields are the plain check's.
    let plain = ok(
        r,
        "POST",
        "/api/v1/check",
        Some(question.to_string()),
        false,
    )
    .await;
    let mut answer = covered.as_object().unwrap().clone();
    for k in ["licence", "licence_reasons", "location_verification"] {
        assert!(plain.get(k).is_none(), "{k}");
        answer.remove(k);
    }
    assert_eq!(Value::Object(answer), plain);

    let get = "/api/v1/check?chip=H20&to=CN&on=2026-09-01\
        &consignee=Alibaba%20Cloud%20Co.%2C%20Ltd.&end_user=ALIBABA%20CLOUD%20LIMITED\
        &licences=true";
    assert_eq!(ok(r, "GET", get, None, false).await, covered);
}
