//! The auditor's trail end to end (a module of the `cli` test binary): decisions recorded with their rule
//! packs and notes, listed, shown, exported, replayed exactly, and refused
//! on a broken chain. Time is frozen with CHIPEXPORT_TODAY.
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::{json, run};

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("chipexport-trail-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A hypothetical instrument: a licence for the H20 to Singapore.
const PACK: &str = r#"[pack]
id = "us-2026-01-01-test-h20-sg"
title = "Test: a licence for the H20 to Singapore"
short = "test H20 SG"
jurisdiction = "US"
authority = "BIS"
kind = "interim_final_rule"
published = 2025-01-01
effective = 2025-01-01
status = "in_force"
confidence = "confirmed"
summary = "A hypothetical instrument for the audit tests."
scope = "subject_to_ear"

[pack.citation]
urls = ["https://www.federalregister.gov/test-h20-sg"]
note = "Made up for tests."

[[rule]]
id = "h20-sg"
decides = "license_requirement"
when = "model IN ('H20') AND destination = 'SG'"
then = { required = true }
paragraph = "test"
text = "A licence is required to export the H20 to Singapore."
confidence = "confirmed"
"#;

fn pack_file(dir: &Path) -> PathBuf {
    let p = dir.join("h20-sg.toml");
    std::fs::write(&p, PACK).unwrap();
    p
}

const H20_SG: &[&str] = &["check", "--chip", "H20", "--to", "SG", "--on", "2025-09-01"];

#[test]
fn a_decision_made_with_an_extra_pack_replays_with_no_difference() {
    let dir = tempdir("pack");
    let (d, pack) = (dir.to_str().unwrap(), pack_file(&dir));
    let pack = pack.to_str().unwrap();
    // The pack changes the answer, so a replay without it would differ.
    let without = json(H20_SG);
    let with = json(&[H20_SG, &["--rules", pack]].concat());
    assert_eq!(without["license_required"], false);
    assert_eq!(with["license_required"], true);

    let o = run(&[H20_SG, &["--rules", pack, "--log", d]].concat());
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stderr.contains("recorded as decision 1"), "{}", o.stderr);
    let r = json(&["audit", "replay", "1", "--data", d]);
    assert_eq!(r["same"], true, "{r:#}");
    assert_eq!(r["differences"], serde_json::json!([]));
    assert_eq!(r["rule_set_then"], r["rule_set_now"]);
    assert!(
        r["extra_packs"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with("h20-sg.toml"),
        "{r:#}"
    );
    assert_eq!(r["question"]["destination"], "SG");
    assert_eq!(r["question"]["on"], "2025-09-01");
    let text = run(&["audit", "replay", "1", "--data", d]);
    assert!(
        text.stdout.contains("the same answer today"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("to SG"), "{}", text.stdout);
    assert!(
        text.stdout.contains("h20-sg.toml (sha256 "),
        "{}",
        text.stdout
    );
    let shown = json(&["audit", "show", "1", "--data", d]);
    assert_eq!(shown["version"], 2);
    assert_eq!(shown["outcome"]["license_required"], true);
    assert_eq!(
        shown["extra_packs"][0]["sha256"].as_str().unwrap().len(),
        64
    );
}

#[test]
fn a_version_1_entry_still_lists_shows_verifies_and_replays() {
    use chipexport::{Ask, CheckRequest, Date};
    let dir = tempdir("v1");
    let d = dir.to_str().unwrap();
    let app = chipexport::App::embedded().unwrap();
    let ask = Ask {
        to: "CN".into(),
        on: Some("2025-05-01".into()),
        ..Ask::default()
    };
    let c = app
        .check(
            &CheckRequest::chip("H20", ask),
            Date::constant(2026, 11, 29),
        )
        .unwrap();
    // What the first logs held: the bare question.
    let mut e = chipexport::audit::check_entry(&app, &c, &Default::default()).unwrap();
    e.request = serde_json::to_string(&c.resolved.question).unwrap();
    assert!(!e.request.contains("\"version\""));
    chipexport::audit::record(&chipexport::audit::LogLocation::dir(&dir), vec![e]).unwrap();

    assert_eq!(json(&["audit", "verify", "--data", d])["intact"], true);
    let r = json(&["audit", "replay", "1", "--data", d]);
    assert_eq!(r["same"], true, "{r:#}");
    assert_eq!(r["question"]["chip"], "nvidia-h20-hgx-96gb");
    let shown = json(&["audit", "show", "1", "--data", d]);
    assert_eq!(shown["version"], 1);
    assert_eq!(shown["question"]["destination"], "CN");
    let listed = json(&["audit", "list", "--data", d]);
    assert_eq!(listed["entries"][0]["outcome"]["license_required"], true);
}

#[test]
fn notes_are_logged_and_shown_and_do_not_change_the_answer() {
    let dir = tempdir("notes");
    let d = dir.to_str().unwrap();
    let plain = json(H20_SG);
    let noted = json(
        &[
            H20_SG,
            &[
                "--log",
                d,
                "--reviewer",
                "Ana Lima",
                "--order-ref",
                "PO-17",
                "--note",
                "Q3, second batch",
            ],
        ]
        .concat(),
    );
    assert_eq!(plain, noted);
    let shown = json(&["audit", "show", "1", "--data", d]);
    assert_eq!(shown["reviewer"], "Ana Lima");
    assert_eq!(shown["order_ref"], "PO-17");
    assert_eq!(shown["note"], "Q3, second batch");
    let text = run(&["audit", "show", "1", "--data", d]).stdout;
    for needle in ["Ana Lima", "PO-17", "Q3, second batch", "h20", "SG"] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    // The notes need a log to go to.
    let o = run(&[H20_SG, &["--reviewer", "x"]].concat());
    assert_eq!(o.code, 2, "{}", o.stderr);
}

#[test]
fn list_filters_and_export_writes_json_and_csv() {
    let dir = tempdir("list");
    let d = dir.to_str().unwrap();
    for to in ["CN", "SG", "DE"] {
        let o = run(&[
            "check",
            "--chip",
            "H20",
            "--to",
            to,
            "--on",
            "2025-09-01",
            "--log",
            d,
        ]);
        assert_eq!(o.code, 0, "{}", o.stderr);
    }
    let all = json(&["audit", "list", "--data", d]);
    let ids: Vec<i64> = all["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2, 3]);
    let e = &all["entries"][0];
    assert_eq!(e["kind"], "check");
    assert_eq!(e["question"]["destination"], "CN");
    assert_eq!(e["outcome"]["license_required"], true);
    assert_eq!(e["hash"].as_str().unwrap().len(), 64);
    assert_eq!(e["rule_set_hash"].as_str().unwrap().len(), 64);
    let last = json(&["audit", "list", "--data", d, "--limit", "1"]);
    assert_eq!(last["entries"][0]["id"], 3);
    let today = chipexport::clock::now_rfc3339()[..10].to_string();
    let none = json(&["audit", "list", "--data", d, "--to", "2000-01-01"]);
    assert_eq!(none["entries"], serde_json::json!([]));
    let some = json(&[
        "audit", "list", "--data", d, "--from", &today, "--to", &today,
    ]);
    assert_eq!(some["entries"].as_array().unwrap().len(), 3);
    let screens = json(&["audit", "list", "--data", d, "--kind", "screen"]);
    assert_eq!(screens["entries"], serde_json::json!([]));
    let bad = run(&["audit", "list", "--data", d, "--from", "2026-13-01"]);
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    let table = run(&["audit", "list", "--data", d]).stdout;
    assert!(table.contains("licence required"), "{table}");
    assert!(table.contains("H20") || table.contains("h20"), "{table}");

    let out = dir.join("trail.json");
    let r = json(&[
        "audit",
        "export",
        "--data",
        d,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        (r["entries"].as_u64(), r["format"].as_str()),
        (Some(3), Some("json"))
    );
    let doc: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(doc["entries"].as_array().unwrap().len(), 3);
    assert_eq!(doc["entries"][1]["prev_hash"], doc["entries"][0]["hash"]);
    let csv = dir.join("trail.csv");
    let o = run(&[
        "audit",
        "export",
        "--data",
        d,
        "--kind",
        "check",
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(
        text.lines().count(),
        4,
        "a header and a row per entry: {text}"
    );
    assert!(
        text.starts_with("id,recorded_at,kind,chip,destination"),
        "{text}"
    );
    assert!(
        !dir.join("trail.partial").exists(),
        "the temporary file is renamed"
    );
    let o = run(&[
        "audit",
        "export",
        "--data",
        d,
        "--out",
        dir.join("t.txt").to_str().unwrap(),
    ]);
    assert_eq!(o.code, 1);
    assert!(
        o.stderr.contains(".json") && o.stderr.contains(".csv"),
        "{}",
        o.stderr
    );
}

#[test]
fn replay_refuses_a_broken_chain_unless_allowed_and_stays_json() {
    let dir = tempdir("broken");
    let d = dir.to_str().unwrap();
    for to in ["CN", "SG"] {
        let o = run(&[
            "check",
            "--chip",
            "H20",
            "--to",
            to,
            "--on",
            "2025-09-01",
            "--log",
            d,
        ]);
        assert_eq!(o.code, 0, "{}", o.stderr);
    }
    let conn = rusqlite::Connection::open(dir.join("decisions.sqlite")).unwrap();
    conn.execute_batch(
        "DROP TRIGGER decisions_no_update; UPDATE decisions SET recorded_at = '2020-01-01T00:00:00Z' WHERE id = 2;",
    )
    .unwrap();
    drop(conn);
    let o = run(&["audit", "replay", "1", "--data", d]);
    assert_eq!(o.code, 1, "{}", o.stdout);
    assert!(o.stderr.contains("broken at entry 2"), "{}", o.stderr);
    assert!(o.stderr.contains("--allow-broken"), "{}", o.stderr);
    let o = run(&["audit", "replay", "1", "--data", d, "--format", "json"]);
    assert_eq!(o.code, 1);
    let v: Value = serde_json::from_str(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", o.stdout));
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("broken at entry 2")
    );
    let r = json(&["audit", "replay", "1", "--data", d, "--allow-broken"]);
    assert_eq!(r["same"], true);
    assert!(
        r["warning"].as_str().unwrap().contains("broken at entry 2"),
        "{r}"
    );
    let text = run(&["audit", "replay", "1", "--data", d, "--allow-broken"]).stdout;
    assert!(
        text.starts_with("warning: the decision log is broken"),
        "{text}"
    );
    // verify --format json stays a report with exit code 1.
    let o = run(&["audit", "verify", "--data", d, "--format", "json"]);
    assert_eq!(o.code, 1);
    assert_eq!(
        serde_json::from_str::<Value>(&o.stdout).unwrap()["intact"],
        false
    );
}

#[test]
fn a_logged_screening_run_is_listed_and_says_it_cannot_be_replayed() {
    let dir = tempdir("screen");
    let d = dir.to_str().unwrap();
    let ledger = dir.join("orders.csv");
    let out = dir.join("screened.csv");
    let o = run(&[
        "ledger",
        "generate",
        "--rows",
        "200",
        "--seed",
        "3",
        "--out",
        ledger.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o = run(&[
        "screen",
        ledger.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--log",
        d,
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let l = json(&["audit", "list", "--data", d, "--kind", "screen"]);
    let e = &l["entries"][0];
    assert_eq!(e["kind"], "screen");
    assert_eq!(e["screen"]["input"], "orders.csv");
    assert_eq!(e["screen"]["rows"], 200);
    let sha = |p: &Path| {
        let o = Command::new("sha256sum").arg(p).output().unwrap();
        let text = String::from_utf8(o.stdout).unwrap();
        Value::from(text.split_whitespace().next().unwrap())
    };
    assert_eq!(e["screen"]["input_sha256"], sha(&ledger));
    assert_eq!(e["screen"]["output_sha256"], sha(&out));
    let o = run(&["audit", "replay", "1", "--data", d]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("cannot be replayed"), "{}", o.stderr);
    assert!(o.stderr.contains("not kept"), "{}", o.stderr);
    let o = run(&["audit", "replay", "1", "--data", d, "--format", "json"]);
    assert_eq!(o.code, 1);
    assert!(o.stdout.contains("cannot be replayed"), "{}", o.stdout);
}
