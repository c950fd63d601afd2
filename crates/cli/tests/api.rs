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
        .env("CHIPEXPORT_TODAY", "2026-11-29")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
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
