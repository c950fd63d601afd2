//! Parties in ledgers and reviewers' decisions end to end (a module of the
//! `cli` test binary, issue 13 items 5 and 6). Time is frozen with
//! CHIPEXPORT_TODAY (2026-11-29).
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{json, run};

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("chipexport-parties-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn generate(dir: &Path, rows: &str) -> String {
    let l = dir.join("orders.csv");
    let o = run(&[
        "ledger",
        "generate",
        "--rows",
        rows,
        "--seed",
        "5",
        "--out",
        l.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    l.to_str().unwrap().to_string()
}

/// The rows of a screened JSON Lines file.
fn rows(p: &Path) -> Vec<Value> {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn screen(ledger: &str, out: &Path, extra: &[&str]) -> Value {
    let mut a = vec!["screen", ledger, "--out", out.to_str().unwrap()];
    a.extend(extra);
    json(&a)
}

const HUAWEI: &str = "Huawei Technologies Co., Ltd.";
const MOORE: &str = "Moore Threads Technology Co., Ltd.";

#[test]
fn a_ledger_is_screened_by_name_and_decided_with_its_parties() {
    let dir = tempdir("ledger");
    let ledger = generate(&dir, "3000");
    let out = dir.join("with.jsonl");
    let r = screen(&ledger, &out, &["--on", "2026-08-05"]);
    let p = &r["summary"]["parties"];
    assert_eq!(p["list_date"], "2026-07-31");
    assert_eq!(p["orders_screened"], 3000);
    // 8 made-up customers (the end users are the same 8), 4 real buyers,
    // 2 consignees: one screening each.
    assert_eq!(p["distinct_names"], 14, "{p}");
    assert!(p["with_listed_party"].as_u64().unwrap() > 20, "{p}");
    assert!(p["with_possible_match"].as_u64().unwrap() > 5, "{p}");
    assert_eq!(r["summary"]["rows_with_error"], 0);
    let with = rows(&out);
    let without_out = dir.join("without.jsonl");
    let r = screen(
        &ledger,
        &without_out,
        &["--on", "2026-08-05", "--no-parties"],
    );
    assert!(r["summary"].get("parties").is_none());
    let without = rows(&without_out);
    let (mut huawei, mut moore, mut clear) = (0, 0, 0);
    for (w, wo) in with.iter().zip(&without) {
        assert_eq!(w["order_id"], wo["order_id"]);
        assert!(wo["party_lists"].is_null() && wo["party_matches"].is_null());
        let lists: Value = serde_json::from_str(w["party_lists"].as_str().unwrap()).unwrap();
        let matches: Value = serde_json::from_str(w["party_matches"].as_str().unwrap()).unwrap();
        let fired = w["rules_fired"].as_str().unwrap();
        match w["customer"].as_str().unwrap() {
            HUAWEI => {
                huawei += 1;
                assert!(lists.as_array().unwrap().contains(&"EL".into()), "{lists}");
                assert_eq!(w["license_required"], true, "{w}");
                assert_eq!(w["status"], "required");
                // The entry's presumption of denial, or a stricter policy.
                assert!(
                    ["presumption_of_denial", "policy_of_denial"]
                        .contains(&w["review_policy"].as_str().unwrap()),
                    "{w}"
                );
                assert!(fired.contains("us-2008-08-21-entity-list#entity-list"));
                assert!(!wo["rules_fired"].as_str().unwrap().contains("entity-list"));
                assert_eq!(matches[0]["role"], "customer");
                assert_eq!(matches[0]["verdict"], "listed");
            }
            MOORE => {
                moore += 1;
                assert_eq!(matches[0]["verdict"], "possible match: review needed");
                assert_eq!(matches[0]["matches"][0]["status"], "possible");
            }
            _ if matches
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["verdict"] == "clear") =>
            {
                clear += 1;
                assert_eq!(lists, serde_json::json!([]));
                // Clear parties change nothing but the party columns.
                for k in ["status", "license_required", "review_policy", "rules_fired"] {
                    assert_eq!(w[k], wo[k], "{k} of {}", w["order_id"]);
                }
            }
            _ => {}
        }
    }
    assert!(
        huawei > 3 && moore > 3 && clear > 1000,
        "{huawei} {moore} {clear}"
    );
}

#[test]
fn orders_dated_before_the_list_are_row_errors_with_their_answer_kept() {
    let dir = tempdir("before");
    let ledger = generate(&dir, "400");
    let out = dir.join("s.jsonl");
    let r = screen(&ledger, &out, &[]);
    let s = &r["summary"];
    let before = s["errors"]["parties"].as_u64().unwrap();
    assert!(before > 300, "{s}");
    assert_eq!(s["rows_with_error"], before);
    assert!(
        s["parties"]["warning"]
            .as_str()
            .unwrap()
            .contains("more than 7 days after the screening list (2026-07-31)"),
        "{s}"
    );
    let row = rows(&out)
        .into_iter()
        .find(|r| {
            r["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("parties:"))
        })
        .unwrap();
    assert!(row["ship_date"].as_str().unwrap() < "2026-07-31");
    assert!(row["party_lists"].is_null());
    assert!(
        row["eccn"].is_string(),
        "the answer without parties is kept"
    );
    assert!(
        row["error"].as_str().unwrap().contains("--no-parties"),
        "{row}"
    );
}

#[test]
fn the_exported_query_refuses_a_ledger_that_names_parties() {
    let dir = tempdir("engine");
    let ledger = generate(&dir, "10");
    let out = dir.join("d.csv");
    let o = run(&[
        "screen",
        "--engine",
        "datafusion",
        &ledger,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(
        o.stderr.contains("customer, end_user, consignee"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("--no-parties"), "{}", o.stderr);
    let sql = run(&["rules", "sql"]);
    assert!(sql.stdout.contains("decides WITHOUT the parties"));
}

#[test]
fn a_cleared_match_is_cited_in_the_ledger_from_its_date_on() {
    let dir = tempdir("review");
    let d = dir.join("data");
    let d = d.to_str().unwrap();
    let ledger = generate(&dir, "2000");
    let s = json(&["parties", "screen", MOORE, "--on", "2026-11-29"]);
    let entry = s["matches"][0]["entry_id"].as_str().unwrap().to_string();
    let r = json(&[
        "parties",
        "clear",
        &entry,
        "--name",
        MOORE,
        "--reason",
        "a reseller in Shenzhen, not the listed firm",
        "--reviewer",
        "ana",
        "--data",
        d,
    ]);
    assert_eq!(r["log_id"], 1);
    assert_eq!(r["review"]["decided_on"], "2026-11-29");
    insta::assert_json_snapshot!("party_review_recorded", r);
    // The trail says what was decided.
    let list = run(&["audit", "list", "--data", d]);
    assert!(
        list.stdout.contains(&format!("clear {MOORE} ~ {entry} (")),
        "{}",
        list.stdout
    );
    // The next screening of the name cites the decision.
    let o = run(&[
        "parties",
        "screen",
        MOORE,
        "--on",
        "2026-11-29",
        "--data",
        d,
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    insta::assert_snapshot!("party_screen_citing_a_review", o.stdout);
    let out = dir.join("after.jsonl");
    screen(&ledger, &out, &["--on", "2026-11-29", "--data", d]);
    let moore: Vec<Value> = rows(&out)
        .into_iter()
        .filter(|r| r["customer"] == MOORE)
        .collect();
    assert!(!moore.is_empty());
    for r in &moore {
        let m: Value = serde_json::from_str(r["party_matches"].as_str().unwrap()).unwrap();
        assert_eq!(m[0]["verdict"], "clear", "{m}");
        let first = &m[0]["matches"][0];
        assert_eq!(first["status"], "cleared");
        assert_eq!(first["review"]["log_id"], 1);
        assert_eq!(first["review"]["reviewer"], "ana");
    }
    // Before the decision's date, the match is still to be reviewed.
    let out = dir.join("before.jsonl");
    screen(&ledger, &out, &["--on", "2026-08-05", "--data", d]);
    let m = rows(&out)
        .into_iter()
        .find(|r| r["customer"] == MOORE)
        .map(|r| r["party_matches"].as_str().unwrap().to_string())
        .unwrap();
    assert!(m.contains("possible match: review needed"), "{m}");
}

#[test]
fn review_decisions_are_refused_without_a_reason_or_with_an_unknown_entry() {
    let dir = tempdir("bad-review");
    let d = dir.to_str().unwrap();
    let o = run(&[
        "parties",
        "clear",
        "Acme",
        "--reason",
        " ",
        "--reviewer",
        "ana",
        "--data",
        d,
    ]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("`reason` is empty"), "{}", o.stderr);
    let o = run(&[
        "parties",
        "confirm",
        "EL-0000000000",
        "--reason",
        "r",
        "--reviewer",
        "ana",
        "--data",
        d,
    ]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("not an entry id"), "{}", o.stderr);
}

#[test]
fn snapshot_a_screened_ledger_summary_with_parties() {
    let dir = tempdir("snap");
    let ledger = generate(&dir, "2000");
    let out = dir.join("s.csv");
    let o = run(&[
        "screen",
        &ledger,
        "--out",
        out.to_str().unwrap(),
        "--on",
        "2026-08-05",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    // The first line has the path and the time taken; the hash changes
    // with every pack edit.
    let text: Vec<&str> = o
        .stdout
        .lines()
        .skip(1)
        .filter(|l| !l.contains("rule set sha256"))
        .collect();
    insta::assert_snapshot!(text.join("\n"));
}

#[test]
fn an_ownership_file_is_read_or_refused_at_its_line_and_field() {
    let dir = tempdir("owners");
    let toml = dir.join("owners.toml");
    std::fs::write(
        &toml,
        "[[owner]]\nname = \"Huawei Investment & Holding Co., Ltd.\"\npercent = 60\n",
    )
    .unwrap();
    let args = |f: &Path| {
        vec![
            "check".to_string(),
            "--chip".into(),
            "H20".into(),
            "--to".into(),
            "CN".into(),
            "--on".into(),
            "2026-12-01".into(),
            "--buyer".into(),
            "Acme Widgets Inc".into(),
            "--owners".into(),
            f.to_str().unwrap().into(),
        ]
    };
    let a = args(&toml);
    let v = json(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(v["owners"][0]["share"], 60.0);
    assert_eq!(v["owners"][0]["verdict"], "listed");
    let csv = dir.join("owners.csv");
    std::fs::write(
        &csv,
        "name,percent\n\"Huawei Investment & Holding Co., Ltd.\",60\nAcme Holdings,abc\n",
    )
    .unwrap();
    let a = args(&csv);
    let o = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("line 3, field `percent`: `abc` is not a number"),
        "{}",
        o.stderr
    );
}

#[test]
fn a_malformed_list_is_refused_at_its_line_and_field_and_nothing_is_imported() {
    let dir = tempdir("import");
    let bad = dir.join("csl-2026-08-01.csv");
    std::fs::write(&bad, "name,source\nFoo Ltd,Entity List (EL)\n").unwrap();
    let data = dir.join("data");
    let o = run(&[
        "parties",
        "import",
        bad.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stderr.contains("line 1, field `"), "{}", o.stderr);
    assert!(o.stderr.contains("nothing was imported"), "{}", o.stderr);
    assert!(!data.join("screening/list.json").exists());
}
