//! Reliability of the service and the CLI under faults: restarts, SIGKILL,
//! a full disk and a database locked by another process. Each test shows
//! that nothing acknowledged is lost and nothing half-written is left.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_chipexport");

/// A fresh data directory, removed when dropped.
struct Data(PathBuf);

impl Data {
    fn new(name: &str) -> Data {
        let d = std::env::temp_dir().join(format!("chipexport-rel-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Data(d)
    }
}

impl Drop for Data {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `chipexport serve` on a free port over `data`.
struct Server {
    child: Child,
    addr: String,
    token: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(data: &Path) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--addr", "127.0.0.1:0", "--data"])
            .arg(data)
            .env("CHIPEXPORT_TODAY", "2026-11-29")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        let mut err = BufReader::new(child.stderr.take().unwrap());
        err.read_line(&mut line).unwrap();
        std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        let token = std::fs::read_to_string(data.join("token"))
            .unwrap()
            .trim()
            .to_string();
        Server { child, addr, token }
    }

    /// SIGKILL, and wait for the process to be gone.
    fn kill_9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn auth(&self) -> String {
        format!("Bearer {}", self.token)
    }
}

/// One HTTP/1.1 request; `None` when the connection fails or is cut.
fn try_http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Option<(u16, String, Vec<u8>)> {
    let mut s = TcpStream::connect(addr).ok()?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).ok()?;
    s.write_all(body).ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let rest = &raw[split + 4..];
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = Vec::new();
        let mut rest = rest;
        loop {
            let nl = rest.windows(2).position(|w| w == b"\r\n")?;
            let n =
                usize::from_str_radix(std::str::from_utf8(&rest[..nl]).ok()?.trim(), 16).ok()?;
            if n == 0 {
                break;
            }
            out.extend_from_slice(rest.get(nl + 2..nl + 2 + n)?);
            rest = rest.get(nl + 2 + n + 2..)?;
        }
        out
    } else {
        rest.to_vec()
    };
    Some((status, head, body))
}

fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Value) {
    let (status, _, body) = try_http(addr, method, path, headers, body).unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn ledger(dir: &Path, rows: u32, name: &str) -> Vec<u8> {
    let path = dir.join(name);
    let o = Command::new(BIN)
        .args([
            "ledger",
            "generate",
            "--rows",
            &rows.to_string(),
            "--seed",
            "7",
            "--out",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    bytes
}

fn upload(srv: &Server, name: &str, bytes: &[u8]) -> (u16, Value) {
    let auth = srv.auth();
    http(
        &srv.addr,
        "POST",
        &format!("/api/v1/screen?name={name}"),
        &[("Authorization", &auth)],
        bytes,
    )
}

fn job(srv: &Server, id: &str) -> Value {
    http(&srv.addr, "GET", &format!("/api/v1/jobs/{id}"), &[], b"").1
}

fn wait_done(srv: &Server, id: &str) -> Value {
    let start = Instant::now();
    loop {
        let j = job(srv, id);
        if j["state"] != "running" || start.elapsed() > Duration::from_secs(120) {
            return j;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The files of a job's folder, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|f| f.file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn verify(data: &Path) -> i64 {
    let o = Command::new(BIN)
        .args(["--format", "json", "audit", "verify", "--data"])
        .arg(data)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["entries"].as_i64().unwrap()
}

#[test]
fn jobs_survive_a_restart_and_a_job_killed_mid_run_is_interrupted() {
    let data = Data::new("restart");
    let small = ledger(&data.0, 3000, "small.csv");
    let big = ledger(&data.0, 300_000, "big.csv");
    let srv = Server::start(&data.0);
    let (status, first) = upload(&srv, "orders.csv", &small);
    assert_eq!(status, 202, "{first}");
    let first_id = first["id"].as_str().unwrap().to_string();
    let done = wait_done(&srv, &first_id);
    assert_eq!(done["state"], "done", "{done}");
    let (_, _, screened) = try_http(
        &srv.addr,
        "GET",
        &format!("/api/v1/jobs/{first_id}/result"),
        &[],
        b"",
    )
    .unwrap();
    // The upload is on disk when it is acknowledged; kill the service in the
    // middle of screening the second ledger.
    let (status, second) = upload(&srv, "big.csv", &big);
    assert_eq!(status, 202, "{second}");
    let second_id = second["id"].as_str().unwrap().to_string();
    let jobs = data.0.join("jobs");
    assert_eq!(
        std::fs::read(jobs.join(&second_id).join("input.csv")).unwrap(),
        big
    );
    let start = Instant::now();
    loop {
        let j = job(&srv, &second_id);
        assert_eq!(j["state"], "running", "the kill must come mid-run: {j}");
        if j["rows_done"].as_u64().unwrap() > 0 || start.elapsed() > Duration::from_secs(30) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    srv.kill_9();

    let srv = Server::start(&data.0);
    // The finished job is served again, the same as before.
    assert_eq!(job(&srv, &first_id), done);
    let (status, _, again) = try_http(
        &srv.addr,
        "GET",
        &format!("/api/v1/jobs/{first_id}/result"),
        &[],
        b"",
    )
    .unwrap();
    assert_eq!((status, again.len()), (200, screened.len()));
    assert_eq!(again, screened);
    let (status, report) = http(
        &srv.addr,
        "GET",
        &format!("/api/v1/jobs/{first_id}/impact?before=2025-04-01&after=2025-05-01"),
        &[],
        b"",
    );
    assert_eq!(
        (status, &report["rows"]),
        (200, &Value::from(3000)),
        "{report}"
    );
    // The killed job says so, keeps its upload and nothing half-written.
    let killed = job(&srv, &second_id);
    assert_eq!(killed["state"], "interrupted", "{killed}");
    assert!(
        killed["error"]
            .as_str()
            .unwrap()
            .contains("service stopped"),
        "{killed}"
    );
    assert_eq!(files(&jobs.join(&second_id)), ["input.csv"]);
    let (status, e) = http(
        &srv.addr,
        "GET",
        &format!("/api/v1/jobs/{second_id}/result"),
        &[],
        b"",
    );
    assert_eq!(status, 409, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("interrupted"),
        "{e}"
    );
    // One logged screening (the first job); the chain holds.
    drop(srv);
    assert_eq!(verify(&data.0), 1);
}

#[test]
fn kill_9_during_concurrent_log_appends_loses_no_acknowledged_decision() {
    let data = Data::new("appends");
    let srv = Server::start(&data.0);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let (addr, stop, count) = (srv.addr.clone(), stop.clone(), count.clone());
            std::thread::spawn(move || {
                let mut acked = Vec::new();
                let body = format!(
                    r#"{{"chip": "H20", "to": "CN", "on": "2025-09-01", "order_ref": "W{w}"}}"#
                );
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    match try_http(
                        &addr,
                        "POST",
                        "/api/v1/check",
                        &[("Content-Type", "application/json")],
                        body.as_bytes(),
                    ) {
                        Some((200, head, _)) => {
                            let id = head
                                .lines()
                                .find_map(|l| {
                                    l.to_ascii_lowercase()
                                        .strip_prefix("x-decision-id: ")
                                        .map(str::to_string)
                                })
                                .unwrap();
                            acked.push(id.trim().parse::<i64>().unwrap());
                            count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                        Some((status, _, body)) => {
                            panic!("{status}: {}", String::from_utf8_lossy(&body))
                        }
                        None => break,
                    }
                }
                acked
            })
        })
        .collect();
    // Let the appends run, then kill the service in the middle of them.
    let start = Instant::now();
    while count.load(std::sync::atomic::Ordering::Relaxed) < 50
        && start.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    srv.kill_9();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let acked: Vec<i64> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    assert!(acked.len() >= 50, "only {} acknowledged", acked.len());
    let entries = verify(&data.0);
    let max = *acked.iter().max().unwrap();
    assert!(
        entries >= max,
        "acknowledged decision {max}, but the log has {entries} entries"
    );
    // Every acknowledged id is there, with its request (the order reference):
    // the row's text with its shared part (the item's facts, stored once in
    // `request_parts`) put back at its byte offset.
    let conn = rusqlite::Connection::open(data.0.join("decisions.sqlite")).unwrap();
    for id in acked {
        let (rest, at, part): (String, Option<i64>, Option<String>) = conn
            .query_row(
                "SELECT d.request, d.request_part_at, p.body FROM decisions d LEFT JOIN request_parts p ON p.id = d.request_part_id WHERE d.id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        let req = match (at, part) {
            (Some(at), Some(part)) => {
                let (head, tail) = rest.split_at(usize::try_from(at).unwrap());
                format!("{head}{part}{tail}")
            }
            _ => rest,
        };
        assert!(req.contains("\"W"), "entry {id}: {req}");
        assert!(req.contains("\"item\":{\""), "entry {id}: {req}");
    }
}

// A licence drawdown killed mid-way belongs here (issue #14): acknowledged
// drawdowns survive, and no drawdown is half-recorded. It comes with the
// licence work.

#[test]
fn a_database_locked_by_another_process_gets_a_clear_error_and_no_half_state() {
    let data = Data::new("locked");
    let srv = Server::start(&data.0);
    let small = ledger(&data.0, 100, "small.csv");
    // Another process takes the database's write lock and keeps it.
    let mut holder = Command::new("python3")
        .args([
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); sys.stdin.read()",
        ])
        .arg(data.0.join("decisions.sqlite"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(holder.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "locked");

    let addr = srv.addr.clone();
    let check = std::thread::spawn(move || {
        http(
            &addr,
            "POST",
            "/api/v1/check",
            &[("Content-Type", "application/json")],
            br#"{"chip": "H20", "to": "CN", "on": "2025-09-01"}"#,
        )
    });
    let (status, e) = upload(&srv, "orders.csv", &small);
    assert_eq!(status, 503, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("locked by another process"),
        "{e}"
    );
    assert!(e["error"]["help"].as_str().unwrap().contains("wait"), "{e}");
    let (status, e) = check.join().unwrap();
    assert_eq!(status, 503, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("locked by another process"),
        "{e}"
    );
    // Nothing half-written: no job folder, no log entry.
    assert_eq!(files(&data.0.join("jobs")), Vec::<String>::new());

    drop(holder.stdin.take());
    holder.wait().unwrap();
    let (status, j) = upload(&srv, "orders.csv", &small);
    assert_eq!(status, 202, "{j}");
    let j = wait_done(&srv, j["id"].as_str().unwrap());
    assert_eq!(j["state"], "done", "{j}");
    drop(srv);
    assert_eq!(
        verify(&data.0),
        1,
        "only the screening after the lock is logged"
    );
}

/// Runs `script` (sh) in a private mount namespace with a tmpfs of `size`
/// at `mnt`; `None` when this machine cannot make one.
fn in_small_tmpfs(mnt: &Path, size: &str, script: &str) -> Option<std::process::Output> {
    std::fs::create_dir_all(mnt).unwrap();
    let probe = Command::new("unshare")
        .args(["-rm", "sh", "-c"])
        .arg(format!(
            "mount -t tmpfs -o size={size} tmpfs '{}'",
            mnt.display()
        ))
        .output();
    match probe {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            eprintln!(
                "skipped: cannot mount a small tmpfs in a user namespace here ({}); the full-disk test needs `unshare -rm` and tmpfs",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            return None;
        }
        Err(e) => {
            eprintln!("skipped: `unshare` is not available ({e}); the full-disk test needs it");
            return None;
        }
    }
    Some(
        Command::new("unshare")
            .args(["-rm", "sh", "-c"])
            .arg(format!(
                "mount -t tmpfs -o size={size} tmpfs '{}' && {script}",
                mnt.display()
            ))
            .output()
            .unwrap(),
    )
}

#[test]
fn a_full_disk_during_screen_is_a_clear_error_and_leaves_no_half_file() {
    let data = Data::new("full");
    let input = data.0.join("orders.csv");
    std::fs::write(&input, ledger(&data.0, 20_000, "gen.csv")).unwrap();
    let mnt = data.0.join("small");
    let log = data.0.join("log");
    // The screened file (several MB) cannot fit in 256 KiB.
    let script = format!(
        "'{BIN}' screen '{}' --out '{}/screened.csv' --log '{}'; echo \"exit=$?\"; ls -A '{}'",
        input.display(),
        mnt.display(),
        log.display(),
        mnt.display()
    );
    let Some(o) = in_small_tmpfs(&mnt, "256k", &script) else {
        return;
    };
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    // Exit 5: the machine's fault, and what to do.
    assert_eq!(out.lines().next(), Some("exit=5"), "{out}\n{err}");
    assert!(err.contains("free space on the disk"), "{err}");
    // Nothing is left on the full disk: no screened file, no temporary one.
    assert_eq!(out.lines().count(), 1, "files left behind: {out}");
    // A failed screening is not logged.
    assert!(!log.join("decisions.sqlite").exists() || verify(&log) == 0);
}

#[test]
fn a_full_disk_during_an_upload_is_a_clear_error_and_leaves_no_job() {
    let data = Data::new("fullup");
    let mnt = data.0.join("small");
    let big = ledger(&data.0, 20_000, "big.csv");
    let small = ledger(&data.0, 100, "small.csv");
    std::fs::write(data.0.join("big.csv"), &big).unwrap();
    std::fs::write(data.0.join("small.csv"), &small).unwrap();
    // The service's data directory on a 1 MiB tmpfs; the upload is 2 MB.
    // The service and its client (curl) run inside the namespace.
    let script = format!(
        r#"'{BIN}' serve --addr 127.0.0.1:0 --data '{mnt}' 2> '{d}/serve.err' & pid=$!
for i in $(seq 1 100); do grep -q http:// '{d}/serve.err' 2>/dev/null && break; sleep 0.1; done
addr=$(grep -o 'http://[^/]*' '{d}/serve.err' | head -1); tok=$(cat '{mnt}/token')
curl -s -w '\nstatus=%{{http_code}}\n' -H "Authorization: Bearer $tok" --data-binary @'{d}/big.csv' "$addr/api/v1/screen?name=big.csv"
echo "jobs=$(ls -A '{mnt}/jobs' 2>/dev/null | wc -l)"
curl -s -w '\nstatus=%{{http_code}}\n' -H "Authorization: Bearer $tok" --data-binary @'{d}/small.csv' "$addr/api/v1/screen?name=small.csv"
kill $pid"#,
        mnt = mnt.display(),
        d = data.0.display()
    );
    if Command::new("curl").arg("--version").output().is_err() {
        eprintln!("skipped: the full-disk upload test needs curl");
        return;
    }
    let Some(o) = in_small_tmpfs(&mnt, "1m", &script) else {
        return;
    };
    let out = String::from_utf8_lossy(&o.stdout);
    let mut parts = out.split("status=");
    let first = parts.next().unwrap();
    assert!(out.contains("status=503"), "{out}");
    assert!(first.contains("cannot store the upload"), "{out}");
    assert!(first.contains("free space"), "{out}");
    // Nothing half-written, and the service still takes what fits.
    assert!(out.contains("jobs=0"), "{out}");
    assert!(out.contains("status=202"), "{out}");
}
