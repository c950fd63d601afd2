//! The HTTP service over a real socket: the same JSON as the CLI, clear 4xx
//! errors for bad requests, and every decision in the log.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

struct Server {
    child: Child,
    addr: String,
    data: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

fn start(name: &str) -> Server {
    start_with(name, &[])
}

/// A server on a free port with a fresh data directory and extra options.
fn start_with(name: &str, extra: &[&str]) -> Server {
    let data = std::env::temp_dir().join(format!("chipexport-api-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let mut child = Command::new(env!("CARGO_BIN_EXE_chipexport"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--data",
            data.to_str().unwrap(),
        ])
        .args(extra)
        .env("CHIPEXPORT_TODAY", "2026-11-29")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    err.read_line(&mut line).unwrap();
    // Keep draining the server's standard error.
    std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    Server { child, addr, data }
}

/// One HTTP/1.1 request; returns (status, headers, body).
fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, rest) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    // Bodies may be chunked.
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = String::new();
        let mut rest = rest;
        while let Some((size, after)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            out.push_str(&after[..n]);
            rest = &after[n + 2..];
        }
        out
    } else {
        rest.to_string()
    };
    (status, head.to_string(), body)
}

#[test]
fn check_over_http_returns_the_cli_json() {
    let srv = start("same");
    let (status, head, body) = http(
        &srv.addr,
        "POST",
        "/api/v1/check",
        r#"{"chip": "H20", "to": "CN", "on": "2025-09-01"}"#,
    );
    assert_eq!(status, 200, "{body}");
    assert!(
        head.to_ascii_lowercase().contains("x-decision-id: 1"),
        "{head}"
    );
    let api: Value = serde_json::from_str(&body).unwrap();
    let cli = Command::new(env!("CARGO_BIN_EXE_chipexport"))
        .args([
            "check",
            "--chip",
            "H20",
            "--to",
            "CN",
            "--on",
            "2025-09-01",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let cli: Value = serde_json::from_slice(&cli.stdout).unwrap();
    assert_eq!(api, cli, "the API and the CLI give the same JSON");

    // A spec of one's own, inline.
    let (status, _, body) = http(
        &srv.addr,
        "POST",
        "/api/v1/check",
        r#"{"spec": {"name": "X", "datacenter": true, "die_area_mm2": 814, "throughput": {"fp8": 296}}, "to": "CN", "on": "2024-06-01"}"#,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["license_required"],
        false
    );

    let verify = Command::new(env!("CARGO_BIN_EXE_chipexport"))
        .args(["audit", "verify", "--data", srv.data.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&verify.stdout).trim(),
        "2 decisions; the hash chain is intact"
    );
}

#[test]
fn bad_requests_get_clear_4xx_errors() {
    let srv = start("bad");
    let cases = [
        ("{not json", 400, "JSON"),
        (
            r#"{"chip": "H20", "to": "CN", "colour": "red"}"#,
            400,
            "colour",
        ),
        (r#"{"chip": 20, "to": "CN"}"#, 400, "chip"),
        (
            r#"{"chip": "H20", "to": "XX"}"#,
            422,
            "unknown country code `XX`",
        ),
        (
            r#"{"chip": "H20", "to": "CN", "on": "2025-02-30"}"#,
            422,
            "not a valid date",
        ),
        (r#"{"chip": "nope", "to": "CN"}"#, 422, "no chip `nope`"),
        (
            r#"{"spec": {"name": "X", "die_area_mm": 1}, "to": "CN"}"#,
            422,
            "die_area_mm",
        ),
    ];
    for (body, want, needle) in cases {
        let (status, _, resp) = http(&srv.addr, "POST", "/api/v1/check", body);
        assert_eq!(status, want, "{body}: {resp}");
        let v: Value = serde_json::from_str(&resp).unwrap_or_else(|_| panic!("not JSON: {resp}"));
        assert!(
            v["error"]["message"].as_str().unwrap().contains(needle),
            "{body}: {resp}"
        );
    }
    let big = format!(
        r#"{{"chip": "H20", "to": "CN", "pad": "{}"}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    assert_eq!(http(&srv.addr, "POST", "/api/v1/check", &big).0, 413);
    let (status, _, resp) = http(&srv.addr, "GET", "/api/v1/nowhere", "");
    assert_eq!(status, 404, "{resp}");
}

#[test]
fn read_endpoints() {
    let srv = start("read");
    let (status, _, body) = http(&srv.addr, "GET", "/api/v1/chips", "");
    assert_eq!(status, 200);
    assert!(
        serde_json::from_str::<Value>(&body)
            .unwrap()
            .as_array()
            .unwrap()
            .len()
            >= 50
    );
    let (status, _, body) = http(
        &srv.addr,
        "GET",
        "/api/v1/rules/us-2026-01-15-license-review",
        "",
    );
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = http(
        &srv.addr,
        "POST",
        "/api/v1/timeline",
        r#"{"chip": "H20", "to": "CN"}"#,
    );
    assert_eq!(status, 200, "{body}");
    assert!(
        serde_json::from_str::<Value>(&body).unwrap()["intervals"]
            .as_array()
            .unwrap()
            .len()
            > 5
    );
}

/// One HTTP/1.1 request with extra headers and a binary body.
fn http_raw(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let rest = &raw[split + 4..];
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = Vec::new();
        let mut rest = rest;
        loop {
            let nl = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let n = usize::from_str_radix(std::str::from_utf8(&rest[..nl]).unwrap().trim(), 16)
                .unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&rest[nl + 2..nl + 2 + n]);
            rest = &rest[nl + 2 + n + 2..];
        }
        out
    } else {
        rest.to_vec()
    };
    (status, head, body)
}

#[test]
fn the_openapi_document_describes_exactly_the_routes_served() {
    let srv = start("openapi");
    let (status, _, body) = http(&srv.addr, "GET", "/api/v1/openapi.json", "");
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            documented.push((method.clone(), path.clone()));
        }
    }
    documented.sort();
    let mut served: Vec<(String, String)> = chipexport_server::API_ROUTES
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    served.sort();
    assert_eq!(documented, served);
    // And every one of them is routed (not the catch-all 404).
    for (method, path) in &served {
        let path = path.replace("{id}", "H20");
        let (_, _, body) = http(&srv.addr, &method.to_uppercase(), &path, "{}");
        assert!(
            !body.contains("no such endpoint"),
            "{method} {path} is not routed: {body}"
        );
    }
}

#[test]
fn chart_compare_metrics_and_search() {
    let srv = start("chart");
    let (status, _, body) = http(&srv.addr, "GET", "/api/v1/chart?to=CN&on=2025-05-01", "");
    assert_eq!(status, 200, "{body}");
    let chart: Value = serde_json::from_str(&body).unwrap();
    let h20 = chart["chips"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "nvidia-h20-hgx-96gb")
        .unwrap();
    assert_eq!(
        h20["license_required"], true,
        "named in the April 2025 letters"
    );
    assert!(
        chart["breakpoints"]
            .as_array()
            .unwrap()
            .contains(&Value::from("2025-04-09"))
    );
    // A year earlier the H20 was free, and the 3A090 thresholds cut the plane.
    let (_, _, body) = http(&srv.addr, "GET", "/api/v1/chart?to=CN&on=2024-06-01", "");
    let chart: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        chart["x_breaks"],
        serde_json::json!([1600.0, 2400.0, 4800.0])
    );
    let (status, _, body) = http(&srv.addr, "GET", "/api/v1/chart?to=ZZ", "");
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("\"field\":\"to\""), "{body}");

    let (status, _, body) = http(
        &srv.addr,
        "POST",
        "/api/v1/compare",
        r#"{"chips": ["H20", "H100"], "to": "CN", "on": "2024-06-01"}"#,
    );
    assert_eq!(status, 200, "{body}");
    let rows = serde_json::from_str::<Value>(&body).unwrap()["chips"].clone();
    let by_chip = |part: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["chip"].as_str().unwrap().contains(part))
            .unwrap()
            .clone()
    };
    assert_eq!(by_chip("h20")["license_required"], false);
    assert_eq!(by_chip("h100")["license_required"], true);

    let (status, _, body) = http(
        &srv.addr,
        "POST",
        "/api/v1/metrics",
        r#"{"name": "X", "die_area_mm2": 814, "throughput": {"fp16": 148}}"#,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["metrics"]["tpp"],
        2368.0
    );
    let (status, _, body) = http(
        &srv.addr,
        "POST",
        "/api/v1/metrics",
        r#"{"name": "X", "die_area_mm": 814}"#,
    );
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("die_area_mm2"), "names the right key: {body}");

    let (_, _, body) = http(&srv.addr, "GET", "/api/v1/chips?q=ascend", "");
    let found: Value = serde_json::from_str(&body).unwrap();
    assert!(!found.as_array().unwrap().is_empty());
    assert!(
        found
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["vendor"] == "Huawei (HiSilicon)")
    );
}

#[test]
fn a_ledger_upload_needs_the_token_then_screens_downloads_and_reports_impact() {
    let srv = start("ledger");
    let dir = srv.data.join("in");
    std::fs::create_dir_all(&dir).unwrap();
    let ledger = dir.join("orders.csv");
    let made = Command::new(env!("CARGO_BIN_EXE_chipexport"))
        .args([
            "ledger", "generate", "--rows", "3000", "--seed", "7", "--out",
        ])
        .arg(&ledger)
        .output()
        .unwrap();
    assert!(made.status.success());
    let bytes = std::fs::read(&ledger).unwrap();
    let token = std::fs::read_to_string(srv.data.join("token")).unwrap();
    let token = token.trim();

    let (status, _, body) = http_raw(
        &srv.addr,
        "POST",
        "/api/v1/screen?name=orders.csv",
        &[],
        &bytes,
    );
    assert_eq!(status, 401, "{}", String::from_utf8_lossy(&body));
    let (status, _, _) = http_raw(
        &srv.addr,
        "POST",
        "/api/v1/screen?name=orders.csv",
        &[("Authorization", "Bearer not-the-token")],
        &bytes,
    );
    assert_eq!(status, 403);
    let auth = format!("Bearer {token}");
    let (status, _, body) = http_raw(
        &srv.addr,
        "POST",
        "/api/v1/screen?name=orders.txt",
        &[("Authorization", &auth)],
        &bytes,
    );
    assert_eq!(status, 422, "{}", String::from_utf8_lossy(&body));

    let (status, _, body) = http_raw(
        &srv.addr,
        "POST",
        "/api/v1/screen?name=orders.csv",
        &[("Authorization", &auth)],
        &bytes,
    );
    assert_eq!(status, 202, "{}", String::from_utf8_lossy(&body));
    let job: Value = serde_json::from_slice(&body).unwrap();
    let id = job["id"].as_str().unwrap().to_string();
    let mut state = Value::Null;
    for _ in 0..600 {
        let (_, _, body) = http(&srv.addr, "GET", &format!("/api/v1/jobs/{id}"), "");
        state = serde_json::from_str(&body).unwrap();
        if state["state"] != "running" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(state["state"], "done", "{state}");
    assert_eq!(state["summary"]["rows"], 3000);
    // The finished job is in the decision log, with the upload's name and
    // hashes, and cannot be replayed.
    let decision = state["decision_id"].as_i64().unwrap();
    let (status, _, body) = http(&srv.addr, "GET", &format!("/api/v1/audit/{decision}"), "");
    assert_eq!(status, 200, "{body}");
    let entry: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(entry["kind"], "screen");
    assert_eq!(entry["screen"]["input"], "orders.csv");
    assert_eq!(entry["screen"]["rows"], 3000);
    assert_eq!(entry["rule_set_hash"], state["summary"]["rule_set_hash"]);
    let sha = Command::new("sha256sum").arg(&ledger).output().unwrap();
    let sha = String::from_utf8(sha.stdout).unwrap();
    assert_eq!(
        entry["screen"]["input_sha256"],
        sha.split_whitespace().next().unwrap()
    );
    let (status, _, body) = http(
        &srv.addr,
        "GET",
        &format!("/api/v1/audit/{decision}/replay"),
        "",
    );
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("cannot be replayed"), "{body}");

    let (status, head, body) = http_raw(
        &srv.addr,
        "GET",
        &format!("/api/v1/jobs/{id}/result"),
        &[],
        b"",
    );
    assert_eq!(status, 200);
    assert!(head.contains("screened-orders.csv"), "{head}");
    let text = String::from_utf8(body).unwrap();
    assert_eq!(text.lines().count(), 3001, "a header and one row per order");
    assert!(text.lines().next().unwrap().contains("license_required"));

    let (status, _, body) = http(
        &srv.addr,
        "GET",
        &format!("/api/v1/jobs/{id}/impact?before=2025-04-01&after=2025-05-01&max_changes=20"),
        "",
    );
    assert_eq!(status, 200, "{body}");
    let report: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["rows"], 3000);
    // The same figures as the CLI on the same file.
    let cli = Command::new(env!("CARGO_BIN_EXE_chipexport"))
        .args([
            "impact",
            "--before",
            "2025-04-01",
            "--after",
            "2025-05-01",
            "--format",
            "json",
        ])
        .arg(&ledger)
        .output()
        .unwrap();
    let cli: Value = serde_json::from_slice(&cli.stdout).unwrap();
    // The whole report is the CLI's (which lists 20 changed orders).
    assert_eq!(report, cli);
    assert_ne!(report["total"]["newly_license_required_value"], "0");

    let (status, _, _) = http(&srv.addr, "GET", "/api/v1/jobs/nope", "");
    assert_eq!(status, 404);
}

#[test]
fn the_pages_are_served_from_the_binary() {
    let srv = start("pages");
    for page in [
        "/",
        "/chips/H20",
        "/check?chip=H20&to=CN",
        "/rules",
        "/rules/x",
        "/ledger",
    ] {
        let (status, head, body) = http(&srv.addr, "GET", page, "");
        assert_eq!(status, 200, "{page}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: text/html"),
            "{page}: {head}"
        );
        assert!(body.contains("<html"), "{page}");
    }
    let (status, head, _) = http(&srv.addr, "GET", "/assets/app.css", "");
    assert_eq!(status, 200);
    assert!(head.contains("text/css"));
    let (status, _, _) = http(&srv.addr, "GET", "/assets/../Cargo.toml", "");
    assert_eq!(status, 404);
}

/// A new, empty database on the test server (scripts/test starts one and
/// sets CHIPEXPORT_TEST_DATABASE_URL); returns its URL.
#[cfg(feature = "postgres")]
fn fresh_database(name: &str) -> String {
    let base = std::env::var("CHIPEXPORT_TEST_DATABASE_URL")
        .expect("set CHIPEXPORT_TEST_DATABASE_URL (scripts/test starts a server)");
    let base = base.trim_end_matches('/');
    let db = format!("chipexport_cli_{name}{}", std::process::id());
    for sql in [
        format!("DROP DATABASE IF EXISTS {db}"),
        format!("CREATE DATABASE {db}"),
    ] {
        let o = Command::new("psql")
            .args([&format!("{base}/postgres"), "-qc", &sql])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    format!("{base}/{db}")
}

/// With `--features postgres` and a server (scripts/test starts one): the
/// service keeps its log in PostgreSQL, and `audit` reads it there.
#[cfg(feature = "postgres")]
#[test]
fn the_decision_log_can_live_in_postgresql() {
    let url = fresh_database("");
    let srv = start_with("postgres", &["--database-url", &url]);
    let addr = srv.addr.clone();
    for to in ["CN", "SG"] {
        let (status, head, _) = http(
            &addr,
            "POST",
            "/api/v1/check",
            &format!(r#"{{"chip": "H20", "to": "{to}", "on": "2025-09-01"}}"#),
        );
        assert_eq!(status, 200);
        assert!(head.to_ascii_lowercase().contains("x-decision-id"));
    }
    drop(srv);
    let verify = Command::new(env!("CARGO_BIN_EXE_chipexport"))
        .args(["audit", "verify", "--database-url", &url])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&verify.stdout).trim(),
        "2 decisions; the hash chain is intact"
    );
    let replay = Command::new(env!("CARGO_BIN_EXE_chipexport"))
        .args(["audit", "replay", "1", "--database-url", &url])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&replay.stdout).contains("the same answer today"));
}

/// With `--features postgres`: the service keeps its licence book in
/// PostgreSQL too. A licence recorded over the API, then 30 drawdowns of
/// 400 units at once against its 10,000: exactly 25 are covered, and the
/// CLI reads the same book.
#[cfg(feature = "postgres")]
#[test]
fn the_service_keeps_its_licence_book_in_postgresql_and_never_overdraws() {
    let url = fresh_database("licences_");
    let srv = start_with("postgres-licences", &["--database-url", &url]);
    let token = std::fs::read_to_string(srv.data.join("token")).unwrap();
    let auth = format!("Bearer {}", token.trim());
    let licence = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/licences/examples/h20-alibaba-cloud.toml"
    ))
    .unwrap();
    let (status, _, body) = http_raw(
        &srv.addr,
        "POST",
        "/api/v1/licences?format=toml",
        &[("Authorization", &auth)],
        &licence,
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let threads: Vec<_> = (0..30)
        .map(|i| {
            let (addr, auth) = (srv.addr.clone(), auth.clone());
            std::thread::spawn(move || {
                let order = serde_json::json!({
                    "order": format!("o-{i:03}"),
                    "chip": "H20",
                    "to": "CN",
                    "on": "2026-03-01",
                    "units": 400,
                    "value": "4800000",
                    "consignee": "Alibaba Cloud Co., Ltd.",
                    "end_user": "ALIBABA CLOUD LIMITED",
                });
                let (status, _, body) = http_raw(
                    &addr,
                    "POST",
                    "/api/v1/licences/drawdown",
                    &[
                        ("Authorization", &auth),
                        ("Content-Type", "application/json"),
                    ],
                    order.to_string().as_bytes(),
                );
                assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
                let v: Value = serde_json::from_slice(&body).unwrap();
                v["licence_status"].as_str().unwrap().to_string()
            })
        })
        .collect();
    let statuses: Vec<String> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let count = |s: &str| statuses.iter().filter(|x| *x == s).count();
    assert_eq!(
        (count("covered"), count("exhausted")),
        (25, 5),
        "{statuses:?}"
    );
    let (_, _, shown) = http(&srv.addr, "GET", "/api/v1/licences/D1234567", "");
    let shown: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["account"]["lines"][0]["drawn_units"], 10_000);
    assert_eq!(shown["drawdowns"].as_array().map(Vec::len), Some(25));
    // The CLI reads the same book; the data directory's SQLite file (the
    // jobs) has no licence book.
    let report = cli_json(&["licences", "report", "--database-url", &url]);
    assert_eq!(report["totals"]["units"], 10_000);
    let db = rusqlite::Connection::open(srv.data.join("decisions.sqlite")).unwrap();
    let tables: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'licence_events'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 0);
}

/// Runs the CLI with `--format json` and frozen time.
fn cli_json(args: &[&str]) -> Value {
    let o = Command::new(env!("CARGO_BIN_EXE_chipexport"))
        .args(args)
        .args(["--format", "json"])
        .env("CHIPEXPORT_TODAY", "2026-11-29")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

/// Every command with `--format json` and an API counterpart gives the same
/// document both ways, from one table of cases. (Commands without one work
/// on files: `screen` and `ledger generate` write them, `rules test` and
/// `rules sql` read packs; `impact` is compared with the job's impact in
/// the upload test.)
#[test]
fn the_cli_and_the_api_answer_every_request_alike() {
    let srv = start("parity");
    let data = srv.data.to_str().unwrap().to_string();
    // (CLI arguments, method, path, body)
    let cases: &[(&[&str], &str, &str, &str)] = &[
        (
            &["metrics", "--chip", "H20"],
            "POST",
            "/api/v1/metrics",
            r#"{"chip": "H20"}"#,
        ),
        (&["chips", "list"], "GET", "/api/v1/chips", ""),
        (
            &["chips", "list", "--search", "h20"],
            "GET",
            "/api/v1/chips?q=h20",
            "",
        ),
        (&["chips", "show", "H20"], "GET", "/api/v1/chips/H20", ""),
        (
            &["check", "--chip", "H20", "--to", "CN", "--on", "2025-09-01"],
            "POST",
            "/api/v1/check",
            r#"{"chip": "H20", "to": "CN", "on": "2025-09-01"}"#,
        ),
        (
            &["check", "--chip", "H20", "--to", "CN", "--on", "2025-09-01"],
            "GET",
            "/api/v1/check?chip=H20&to=CN&on=2025-09-01",
            "",
        ),
        (
            &[
                "check",
                "--chip",
                "H100",
                "--to",
                "SG",
                "--end-user-hq",
                "CN",
                "--on",
                "2024-06-01",
                "--as-written",
            ],
            "POST",
            "/api/v1/check",
            r#"{"chip": "H100", "to": "SG", "end_user_hq": "CN", "on": "2024-06-01", "as_written": true}"#,
        ),
        (
            &["timeline", "--chip", "H200", "--to", "CN"],
            "POST",
            "/api/v1/timeline",
            r#"{"chip": "H200", "to": "CN"}"#,
        ),
        (
            &[
                "compare",
                "--to",
                "CN",
                "--on",
                "2025-09-01",
                "H20",
                "--domestic",
                "--buyer-type",
                "commercial",
            ],
            "POST",
            "/api/v1/compare",
            r#"{"chips": ["H20"], "domestic": true, "to": "CN", "on": "2025-09-01", "buyer_type": "commercial"}"#,
        ),
        (
            &[
                "headroom",
                "--chip",
                "H100",
                "--to",
                "CN",
                "--on",
                "2024-01-01",
            ],
            "POST",
            "/api/v1/headroom",
            r#"{"chip": "H100", "to": "CN", "on": "2024-01-01"}"#,
        ),
        (
            &[
                "headroom",
                "--chip",
                "B300",
                "--to",
                "CN",
                "--on",
                "2026-02-01",
                "--target",
                "case_by_case",
                "--vary",
                "throughput,die_area",
            ],
            "POST",
            "/api/v1/headroom",
            r#"{"chip": "B300", "to": "CN", "on": "2026-02-01", "target": "case_by_case", "vary": ["throughput", "die_area"]}"#,
        ),
        (
            &["chart", "--to", "CN", "--on", "2025-05-01"],
            "GET",
            "/api/v1/chart?to=CN&on=2025-05-01",
            "",
        ),
        (&["chart"], "GET", "/api/v1/chart", ""),
        (&["rules", "list"], "GET", "/api/v1/rules", ""),
        (
            &["upcoming", "--days", "90"],
            "GET",
            "/api/v1/upcoming?days=90",
            "",
        ),
        (
            &["upcoming", "--days", "3650", "--chip", "H20", "--to", "CN"],
            "GET",
            "/api/v1/upcoming?days=3650&chip=H20&to=CN",
            "",
        ),
        (
            &["rules", "list", "--on", "2025-09-01"],
            "GET",
            "/api/v1/rules?on=2025-09-01",
            "",
        ),
        (
            &["rules", "show", "us-2026-01-15-license-review"],
            "GET",
            "/api/v1/rules/us-2026-01-15-license-review",
            "",
        ),
        (
            &[
                "parties",
                "screen",
                "Huawei Technologies Co Ltd",
                "--country",
                "CN",
            ],
            "POST",
            "/api/v1/parties/screen",
            r#"{"name": "Huawei Technologies Co Ltd", "country": "CN"}"#,
        ),
        (
            &[
                "check",
                "--chip",
                "H20",
                "--to",
                "CN",
                "--on",
                "2026-08-05",
                "--buyer",
                "Sugon Information Industry Co Ltd",
                "--buyer-country",
                "CN",
            ],
            "POST",
            "/api/v1/check",
            r#"{"chip": "H20", "to": "CN", "on": "2026-08-05", "buyer": "Sugon Information Industry Co Ltd", "buyer_country": "CN"}"#,
        ),
    ];
    // Location status: no verification in this data directory yet.
    let status_args = [
        "locate",
        "status",
        "--licence",
        "D1234567",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--data",
        &data,
    ];
    let status_case = (
        &status_args[..],
        "GET",
        "/api/v1/locate/status?licence=D1234567&from=2026-11-01&to=2026-11-30",
        "",
    );
    let notes_log = srv.data.join("cli-log");
    let notes_log = notes_log.to_str().unwrap();
    let noted: &[&str] = &[
        "check",
        "--chip",
        "H20",
        "--to",
        "SG",
        "--end-user-hq",
        "CN",
        "--on",
        "2025-09-01",
        "--log",
        notes_log,
        "--reviewer",
        "ana",
        "--order-ref",
        "PO-17",
        "--note",
        "n",
    ];
    let noted_case = (
        noted,
        "POST",
        "/api/v1/check",
        r#"{"chip": "H20", "to": "SG", "end_user_hq": "CN", "on": "2025-09-01", "reviewer": "ana", "order_ref": "PO-17", "note": "n"}"#,
    );
    for (args, method, path, body) in cases.iter().chain([&noted_case, &status_case]) {
        let (status, _, text) = http(&srv.addr, method, path, body);
        assert_eq!(status, 200, "{method} {path}: {text}");
        let api: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(api, cli_json(args), "{args:?} and {method} {path} differ");
    }
    // The decision log, read after the checks above were logged.
    let log_cases: &[(&[&str], &str)] = &[
        (
            &["audit", "verify", "--data", &data],
            "/api/v1/audit/verify",
        ),
        (
            &["audit", "replay", "1", "--data", &data],
            "/api/v1/audit/1/replay",
        ),
        (&["audit", "list", "--data", &data], "/api/v1/audit"),
        (
            &[
                "audit", "list", "--kind", "check", "--limit", "2", "--data", &data,
            ],
            "/api/v1/audit?kind=check&limit=2",
        ),
        (&["audit", "show", "3", "--data", &data], "/api/v1/audit/3"),
    ];
    for (args, path) in log_cases {
        let (status, _, text) = http(&srv.addr, "GET", path, "");
        assert_eq!(status, 200, "{path}: {text}");
        let api: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(api, cli_json(args), "{args:?} and GET {path} differ");
    }
    // Licences: one recorded by the CLI in the service's data directory
    // while the service runs, then read both ways.
    let licence = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/licences/examples/h20-alibaba-cloud.toml"
    );
    cli_json(&["licences", "add", licence, "--data", &data]);
    let licence_cases: &[(&[&str], &str)] = &[
        (&["licences", "list", "--data", &data], "/api/v1/licences"),
        (
            &["licences", "show", "D1234567", "--data", &data],
            "/api/v1/licences/D1234567",
        ),
        (
            &["licences", "report", "--data", &data],
            "/api/v1/licences/report",
        ),
        (
            &[
                "licences",
                "affected",
                "--before",
                "2025-04-01",
                "--after",
                "2025-09-01",
                "--data",
                &data,
            ],
            "/api/v1/licences/affected?before=2025-04-01&after=2025-09-01",
        ),
        // A check matched to the book (the CLI's `--data`, the API's
        // `licences`): the licence that covers it, or why none does.
        (
            &[
                "check",
                "--chip",
                "H20",
                "--to",
                "CN",
                "--on",
                "2026-09-01",
                "--consignee",
                "Alibaba Cloud Co., Ltd.",
                "--end-user",
                "ALIBABA CLOUD LIMITED",
                "--data",
                &data,
            ],
            "/api/v1/check?chip=H20&to=CN&on=2026-09-01&consignee=Alibaba%20Cloud%20Co.%2C%20Ltd.\
             &end_user=ALIBABA%20CLOUD%20LIMITED&licences=true",
        ),
    ];
    for (args, path) in licence_cases {
        let (status, _, text) = http(&srv.addr, "GET", path, "");
        assert_eq!(status, 200, "{path}: {text}");
        let api: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(api, cli_json(args), "{args:?} and GET {path} differ");
    }
}

/// Issue 13, reviewers' decisions: the API records a decision only with
/// the token, answers as `parties clear|confirm --format json` does (but
/// for the log id), and later screenings of the service apply it and cite
/// it, not before its date. (Not a parity-table row: the route writes.)
#[test]
fn a_reviewer_confirms_a_possible_match_through_the_api_and_screenings_cite_it() {
    let srv = start("review");
    let token = std::fs::read_to_string(srv.data.join("token")).unwrap();
    let auth = format!("Bearer {}", token.trim());
    let name = "Moore Threads Technology Co., Ltd.";
    let screen = |on: &str| {
        let body = format!(r#"{{"name": "{name}", "on": "{on}"}}"#);
        let (status, _, text) = http(&srv.addr, "POST", "/api/v1/parties/screen", &body);
        assert_eq!(status, 200, "{text}");
        serde_json::from_str::<Value>(&text).unwrap()
    };
    let before = screen("2026-11-29");
    let m = &before["matches"][0];
    assert_eq!(m["status"], "possible", "{before}");
    let entry = m["entry_id"].as_str().unwrap().to_string();
    let body = format!(
        r#"{{"action": "confirm", "target": "{entry}", "name": "{name}", "reason": "same address", "reviewer": "ana"}}"#
    );
    let (status, _, _) = http(&srv.addr, "POST", "/api/v1/parties/review", &body);
    assert_eq!(status, 401);
    let (status, _, text) = http_raw(
        &srv.addr,
        "POST",
        "/api/v1/parties/review",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&text));
    let api: Value = serde_json::from_slice(&text).unwrap();
    let cli_log = srv.data.join("cli-review");
    let mut cli = cli_json(&[
        "parties",
        "confirm",
        &entry,
        "--name",
        name,
        "--reason",
        "same address",
        "--reviewer",
        "ana",
        "--data",
        cli_log.to_str().unwrap(),
    ]);
    assert_eq!(cli["log_id"], 1);
    cli["log_id"] = api["log_id"].clone();
    assert_eq!(api, cli);
    assert_eq!(api["review"]["decided_on"], "2026-11-29");
    // Applied from its date on, and cited.
    let after = screen("2026-11-29");
    let m = &after["matches"][0];
    assert_eq!(m["status"], "confirmed", "{after}");
    assert_eq!(m["review"]["log_id"], api["log_id"]);
    assert_eq!(m["review"]["reviewer"], "ana");
    assert_eq!(m["review"]["reason"], "same address");
    // A question dated before the decision is not decided by it.
    let earlier = screen("2026-08-05");
    assert_eq!(earlier["matches"][0]["status"], "possible", "{earlier}");
    assert!(earlier["matches"][0].get("review").is_none());
    // The decision is in the hash-chained log.
    let (_, _, text) = http(&srv.addr, "GET", "/api/v1/audit?kind=party_review", "");
    let list: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(list["entries"].as_array().map(Vec::len), Some(1), "{list}");
    let (_, _, text) = http(&srv.addr, "GET", "/api/v1/audit/verify", "");
    assert!(text.contains("\"intact\":true"), "{text}");
}

/// `POST /api/v1/locate` needs the token, answers as `locate verify`, and
/// refuses a replayed batch; `locate status` then finds the verification.
#[test]
fn the_locate_route_verifies_as_the_cli_and_refuses_a_replay() {
    let srv = start("locate");
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/locate/examples");
    let data = srv.data.to_str().unwrap().to_string();
    let cli_data = srv.data.join("cli");
    let cli_data = cli_data.to_str().unwrap();
    let fleet = format!("{examples}/fleet.toml");
    let batch_file = format!("{examples}/sg-verified.jsonl");
    for d in [data.as_str(), cli_data] {
        cli_json(&["locate", "register", &fleet, "--data", d]);
    }
    let batch = std::fs::read_to_string(&batch_file).unwrap();
    let body =
        serde_json::json!({"batch": batch, "name": batch_file, "at": "2026-11-29T10:05:00Z"})
            .to_string();
    let (status, _, _) = http(&srv.addr, "POST", "/api/v1/locate", &body);
    assert_eq!(status, 401);
    let token = std::fs::read_to_string(srv.data.join("token")).unwrap();
    let auth = format!("Bearer {}", token.trim());
    let post = |path: &str| {
        let headers = [
            ("Authorization", auth.as_str()),
            ("Content-Type", "application/json"),
        ];
        let (status, _, out) = http_raw(&srv.addr, "POST", path, &headers, body.as_bytes());
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&out));
        serde_json::from_slice::<Value>(&out).unwrap()
    };
    let mut api = post("/api/v1/locate");
    let mut cli = cli_json(&[
        "locate",
        "verify",
        &batch_file,
        "--data",
        cli_data,
        "--at",
        "2026-11-29T10:05:00Z",
    ]);
    assert_eq!(api["verdicts"][0]["outcome"], "verified_in");
    assert_eq!(api["verdicts"][0]["country"], "SG");
    for v in [&mut api, &mut cli] {
        v["verdicts"][0].as_object_mut().unwrap().remove("logged");
    }
    assert_eq!(api, cli);
    let again = post("/api/v1/locate?map=true");
    assert_eq!(again["verdicts"][0]["outcome"], "inconsistent");
    assert_eq!(
        again["verdicts"][0]["problems"][0]["code"],
        "replayed_nonce"
    );
    assert!(again["maps"][0].as_str().unwrap().starts_with("<svg"));
    let path = "/api/v1/locate/status?serial=SN-SG-0001&from=2026-11-29&to=2026-11-29";
    let (status, _, text) = http(&srv.addr, "GET", path, "");
    assert_eq!(status, 200, "{text}");
    let status: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(status["met"], false, "the replay is the latest: {status}");
    let args = [
        "locate",
        "status",
        "--serial",
        "SN-SG-0001",
        "--from",
        "2026-11-29",
        "--to",
        "2026-11-29",
        "--data",
        &data,
    ];
    assert_eq!(status, cli_json(&args));
}
