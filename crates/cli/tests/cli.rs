//! The `chipexport` binary end to end: acceptance figures, diagnostics, and
//! snapshots of the memos a compliance officer reads. Time is frozen with
//! CHIPEXPORT_TODAY.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "cli/audit.rs"]
mod audit;
#[path = "cli/licences.rs"]
mod licences;
#[path = "cli/locate.rs"]
mod locate;
#[path = "cli/parties.rs"]
mod parties;

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Out {
    let o = Command::new(env!("CARGO_BIN_EXE_chipexport"))
        .args(args)
        .env("CHIPEXPORT_TODAY", "2026-11-29")
        .env("NO_COLOR", "1")
        .output()
        .expect("run chipexport");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn json(args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let o = run(&a);
    assert_eq!(o.code, 0, "{args:?}: {}", o.stderr);
    serde_json::from_str(&o.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}\n{}", o.stdout))
}

fn spec_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chipexport-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn round2(v: &Value) -> f64 {
    (v.as_f64().unwrap() * 100.0).round() / 100.0
}

#[test]
fn metrics_of_acceptance_specs() {
    let a100 = spec_file(
        "a100.toml",
        "name = \"A100\"\ndatacenter = true\ndie_area_mm2 = 826\n[throughput]\nfp16 = 312\nint8 = 624\n",
    );
    let j = json(&["metrics", "--spec", a100.to_str().unwrap()]);
    assert_eq!(j["metrics"]["tpp"], 4992.0);
    assert_eq!(round2(&j["metrics"]["performance_density"]), 6.04);
    let h20 = spec_file(
        "h20.toml",
        "name = \"H20\"\ndatacenter = true\ndie_area_mm2 = 814\n[throughput]\nfp8 = 296\nfp16 = 148\n",
    );
    let j = json(&["metrics", "--spec", h20.to_str().unwrap()]);
    assert_eq!(j["metrics"]["tpp"], 2368.0);
    assert_eq!(round2(&j["metrics"]["performance_density"]), 2.91);
    assert_eq!(j["metrics"]["tpp_precision"], "fp16");
    let rtx = spec_file(
        "rtx.toml",
        "name = \"RTX 4090\"\ndatacenter = false\n[throughput]\nint8 = 660.6\n",
    );
    let j = json(&["metrics", "--spec", rtx.to_str().unwrap()]);
    assert_eq!(j["metrics"]["tpp"].as_f64().unwrap().round(), 5285.0);
    assert_eq!(j["metrics"]["performance_density"], Value::Null);
}

#[test]
fn misspelt_key_is_named_with_its_line() {
    let p = spec_file(
        "bad.toml",
        "name = \"X\"\ndatacenter = true\ndie_area_mm = 814\n",
    );
    let o = run(&["metrics", "--spec", p.to_str().unwrap()]);
    assert_eq!(o.code, 1);
    assert!(
        o.stderr.contains("unknown key `die_area_mm`"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("bad.toml:3:1"), "{}", o.stderr);
    assert!(
        o.stderr.contains("did you mean `die_area_mm2`?"),
        "{}",
        o.stderr
    );
    let o = run(&[
        "--error-format",
        "json",
        "metrics",
        "--spec",
        p.to_str().unwrap(),
    ]);
    let e: Value = serde_json::from_str(&o.stderr).unwrap();
    assert_eq!(e["errors"][0]["line"], 3);
    assert_eq!(e["errors"][0]["key"], "die_area_mm");
}

#[test]
fn bad_inputs_get_clear_errors() {
    let missing = run(&["metrics", "--spec", "/nonexistent/spec.toml"]);
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("cannot read"), "{}", missing.stderr);
    let o = run(&["check", "--chip", "H20", "--to", "XX"]);
    assert_eq!(o.code, 1);
    assert!(
        o.stderr.contains("unknown country code `XX`"),
        "{}",
        o.stderr
    );
    let o = run(&["check", "--chip", "H20", "--to", "CN", "--on", "2025-13-01"]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("not a valid date"), "{}", o.stderr);
    let o = run(&["check", "--chip", "no-such-chip", "--to", "CN"]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("no chip `no-such-chip`"), "{}", o.stderr);
    let o = run(&[
        "check",
        "--chip",
        "H20",
        "--to",
        "CN",
        "--enforced",
        "--as-written",
    ]);
    assert_eq!(o.code, 2, "contradictory flags are a usage error");
    let big = spec_file("big.toml", "name = \"X\"\ndie_area_mm2 = 10000000\n");
    let o = run(&["metrics", "--spec", big.to_str().unwrap()]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("plausible maximum"), "{}", o.stderr);
}

#[test]
fn catalog_lists_at_least_fifty_sourced_entries() {
    let j = json(&["chips", "list"]);
    let list = j.as_array().unwrap();
    assert!(list.len() >= 50, "{} entries", list.len());
    for e in list {
        for k in [
            "id",
            "vendor",
            "model",
            "variant",
            "tpp",
            "performance_density",
        ] {
            assert!(e.get(k).is_some(), "{k} missing in {e}");
        }
        assert!(
            !e["sources"].as_array().unwrap().is_empty(),
            "no sources: {}",
            e["id"]
        );
    }
}

#[test]
fn h20_to_china_before_and_after_the_april_2025_letter() {
    let j = json(&["check", "--chip", "H20", "--to", "CN", "--on", "2025-05-01"]);
    assert_eq!(j["license_required"], true);
    let cites: Vec<String> = j["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap().to_string())
        .collect();
    assert!(
        cites.iter().any(|r| r.starts_with("us-2025-04-09")),
        "{cites:?}"
    );
    for k in [
        "eccn",
        "license_exceptions",
        "review_policy",
        "conditions",
        "measures",
        "reasons",
        "metrics",
        "flags",
        "rule_set",
    ] {
        assert!(j.get(k).is_some(), "{k} missing");
    }

    let j = json(&["check", "--chip", "H20", "--to", "CN", "--on", "2024-06-01"]);
    assert_eq!(j["license_required"], false);
    assert_eq!(j["eccn"], "not 3A090");
    let lines: Vec<&str> = j["nearest_lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert!(
        lines.iter().any(|l| l.starts_with("TPP 2368 is 32 under")),
        "{lines:?}"
    );
}

#[test]
fn a_date_before_the_first_rule_is_outside_coverage() {
    let j = json(&[
        "check",
        "--chip",
        "H100",
        "--to",
        "CN",
        "--on",
        "2000-01-01",
    ]);
    // Before the first encoded US instrument the answer is not "no licence".
    assert_eq!(j["status"], "outside_coverage");
    assert_eq!(j["license_required"], serde_json::Value::Null);
    assert!(
        j["coverage_gap"]["regime"]
            .as_str()
            .unwrap()
            .contains("before"),
        "{}",
        j["coverage_gap"]
    );
    // Only the long-standing part 746 embargoes are in force in 2021; none
    // of them governs China.
    let ids: Vec<&str> = j["instruments"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i.as_str())
        .collect();
    assert!(
        ids.iter().all(|i| [
            "us-1995-05-06-iran",
            "us-2004-05-14-syria",
            "us-2007-01-26-north-korea",
            "us-2015-07-22-cuba"
        ]
        .contains(i)),
        "{ids:?}"
    );
}

#[test]
fn rules_test_passes() {
    let o = run(&["rules", "test"]);
    assert_eq!(o.code, 0, "{}", o.stdout);
}

fn memo(args: &[&str]) -> String {
    let o = run(args);
    assert_eq!(o.code, 0, "{args:?}: {}", o.stderr);
    // The rule-set hash changes with every pack edit; keep it out of snapshots.
    o.stdout
        .lines()
        .filter(|l| !l.starts_with("rule set "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn snapshot_h20_to_china() {
    for on in ["2024-06-01", "2025-05-01", "2025-09-01"] {
        insta::assert_snapshot!(
            format!("check_h20_cn_{on}"),
            memo(&["check", "--chip", "H20", "--to", "CN", "--on", on])
        );
    }
}

#[test]
fn snapshot_a800_to_china() {
    for on in ["2023-06-01", "2023-12-01"] {
        insta::assert_snapshot!(
            format!("check_a800_cn_{on}"),
            memo(&["check", "--chip", "A800", "--to", "CN", "--on", on])
        );
    }
}

#[test]
fn snapshot_singapore_buyer_headquartered_in_china() {
    insta::assert_snapshot!(memo(&[
        "check",
        "--chip",
        "H100",
        "--to",
        "SG",
        "--end-user-hq",
        "CN",
        "--on",
        "2024-06-01"
    ]));
}

#[test]
fn snapshot_h20_timeline() {
    insta::assert_snapshot!(memo(&["timeline", "--chip", "H20", "--to", "CN"]));
}

#[test]
fn snapshot_h200_timeline() {
    insta::assert_snapshot!(memo(&[
        "timeline",
        "--chip",
        "H200",
        "--to",
        "CN",
        "--since",
        "2025-06-01"
    ]));
}

#[test]
fn h20_in_september_2025_has_revenue_share_and_china_measures() {
    let j = json(&["check", "--chip", "H20", "--to", "CN", "--on", "2025-09-01"]);
    assert_eq!(j["license_required"], true);
    let share = j["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "revenue_share")
        .expect("a revenue share");
    assert_eq!(share["percent"], 15);
    let measures = j["measures"].as_array().unwrap();
    let review = measures
        .iter()
        .find(|m| m["kind"] == "security_review")
        .expect("the CAC security review");
    for k in [
        "jurisdiction",
        "kind",
        "legal_form",
        "confidence",
        "effect",
        "citation",
    ] {
        assert!(
            review.get(k).is_some_and(|v| !v.is_null()),
            "{k} missing in {review}"
        );
    }
    assert_eq!(review["jurisdiction"], "CN");
}

#[test]
fn compare_puts_domestic_chips_beside_the_h20() {
    let j = json(&[
        "compare",
        "--to",
        "CN",
        "--on",
        "2025-09-01",
        "H20",
        "Ascend 910B",
    ]);
    let chips = j["chips"].as_array().unwrap();
    assert_eq!(chips.len(), 2);
    let ascend = chips
        .iter()
        .find(|c| c["chip"].as_str().unwrap().contains("910b"))
        .unwrap();
    assert_eq!(ascend["domestic"], true);
    assert_eq!(
        (&ascend["status"], &ascend["license_required"]),
        (&serde_json::json!("undetermined"), &serde_json::Value::Null),
        "undetermined, not required, for a domestic chip whose EAR status is unknown"
    );
    assert!(
        ascend["verdict"]
            .as_str()
            .unwrap()
            .contains("cannot decide (depends on subject_to_ear"),
        "{}",
        ascend["verdict"]
    );
}

#[test]
fn snapshot_headroom_h100_for_china() {
    insta::assert_snapshot!(memo(&[
        "headroom",
        "--chip",
        "H100",
        "--to",
        "CN",
        "--on",
        "2024-01-01"
    ]));
}

#[test]
fn headroom_json_names_knobs_limits_and_binding_rules() {
    let j = json(&[
        "headroom",
        "--chip",
        "A100",
        "--to",
        "CN",
        "--on",
        "2023-01-01",
        "--vary",
        "interconnect",
    ]);
    let k = &j["headroom"]["knobs"][0];
    assert_eq!(k["knob"], "interconnect");
    assert_eq!(k["limit"], 600.0);
    assert_eq!(k["inclusive"], false);
    assert!(
        k["binding_rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "us-2022-10-13-ac-ifr#3a090-a-2022")
    );
}

#[test]
fn snapshot_metrics_table() {
    insta::assert_snapshot!(memo(&["metrics", "--chip", "H20"]));
}

#[test]
fn rules_reference_page_is_up_to_date() {
    let o = run(&["rules", "doc"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/rules-reference.md");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == o.stdout,
        "docs/rules-reference.md is out of date: run `cargo run -p chipexport-cli -- rules doc > docs/rules-reference.md`"
    );
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "chipexport-{name}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn editing_one_byte_of_a_logged_decision_breaks_verify_and_names_it() {
    let dir = tempdir("audit");
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
    let ok = run(&["audit", "verify", "--data", d]);
    assert_eq!(
        (ok.code, ok.stdout.trim()),
        (0, "3 decisions; the hash chain is intact")
    );
    // Entry 1 (China) has conditions and measures: a regression test for a
    // replay that compared the logged record with the full answer.
    for id in ["1", "2"] {
        let same = run(&["audit", "replay", id, "--data", d]);
        assert!(
            same.stdout.contains("the same answer today"),
            "{}",
            same.stdout
        );
    }

    // Flip one byte of entry 2's stored answer (stored once, in `responses`;
    // entry 1 answers otherwise), bypassing the append-only trigger.
    let conn = rusqlite::Connection::open(dir.join("decisions.sqlite")).unwrap();
    conn.execute_batch("DROP TRIGGER responses_no_update")
        .unwrap();
    let (body_id, resp): (i64, String) = conn
        .query_row(
            "SELECT r.id, r.body FROM decisions d JOIN responses r ON r.id = d.response_id WHERE d.id = 2",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let first: i64 = conn
        .query_row("SELECT response_id FROM decisions WHERE id = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_ne!(first, body_id, "entries 1 and 2 answer differently");
    let edited = resp.replacen("\"eccn\":", "\"eccN\":", 1);
    assert_ne!(resp, edited);
    conn.execute(
        "UPDATE responses SET body = ?1 WHERE id = ?2",
        rusqlite::params![edited, body_id],
    )
    .unwrap();
    drop(conn);
    let bad = run(&["audit", "verify", "--data", d]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("broken at entry 2"), "{}", bad.stderr);
}

#[test]
fn kill_9_during_writes_loses_no_acknowledged_decision() {
    use std::io::BufRead;
    let dir = tempdir("crash");
    let mut child = Command::new(env!("CARGO_BIN_EXE_chipexport"))
        .args([
            "audit",
            "stress",
            "--data",
            dir.to_str().unwrap(),
            "--count",
            "1000000",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut acked = 0i64;
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    while acked < 200 {
        acked = lines.next().unwrap().unwrap().trim().parse().unwrap();
    }
    child.kill().unwrap(); // SIGKILL
    let _ = child.wait();
    let o = run(&[
        "--format",
        "json",
        "audit",
        "verify",
        "--data",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(
        v["entries"].as_i64().unwrap() >= acked,
        "acknowledged {acked}, found {}",
        v["entries"]
    );
}

#[test]
fn country_names_and_short_forms_are_read_and_ambiguity_is_refused() {
    for to in ["Russia", "UAE", "South Korea", "Türkiye", "czech republic"] {
        let o = run(&["check", "--chip", "H20", "--to", to, "--on", "2025-09-01"]);
        assert!(
            o.code == 0 || o.code == 10,
            "--to {to}: exit {}: {}",
            o.code,
            o.stderr
        );
    }
    let o = run(&["check", "--chip", "H20", "--to", "Korea"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(
        o.stderr.contains("names more than one country")
            && o.stderr.contains("KR (South Korea)")
            && o.stderr.contains("KP (North Korea)"),
        "{}",
        o.stderr
    );
    let o = run(&["check", "--chip", "H20", "--to", "Russa"]);
    assert_eq!(o.code, 1);
    assert!(
        o.stderr.contains("did you mean") && o.stderr.contains("RU (Russian Federation)"),
        "{}",
        o.stderr
    );
}

#[test]
fn chip_typos_get_a_suggestion_and_variant_names_are_not_guessed() {
    let o = run(&["check", "--chip", "H2O", "--to", "CN"]);
    assert_eq!(o.code, 1);
    assert!(
        o.stderr.contains("did you mean one of: H20"),
        "{}",
        o.stderr
    );
    let o = run(&["check", "--chip", "Gaudi 3", "--to", "CN"]);
    assert_eq!(o.code, 1, "{}", o.stdout);
    for id in [
        "intel-gaudi-3-hl-325l-oam",
        "intel-gaudi-3-hl-328-oam-china",
        "intel-gaudi-3-hl-338-pcie",
        "intel-gaudi-3-hl-388-pcie-china",
    ] {
        assert!(o.stderr.contains(id), "{id}: {}", o.stderr);
    }
    let o = run(&[
        "check",
        "--chip",
        "HL-328",
        "--to",
        "CN",
        "--on",
        "2025-09-01",
    ]);
    assert!(o.code == 0 || o.code == 10, "{}", o.stderr);
}

#[test]
fn a_ledger_without_money_columns_screens_and_a_negative_quantity_is_named() {
    let lic = spec_file(
        "licence-only.csv",
        "order_id,chip,destination,ship_date\n1,H20,CN,2025-05-01\n2,H20,China,2025-05-01\n",
    );
    let out = lic.with_file_name("licence-only.out.csv");
    let o = run(&[
        "screen",
        lic.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");

    let neg = spec_file(
        "negative.csv",
        "order_id,chip,quantity,unit_price,currency,destination,end_user,ship_date\n\
         1,H20,-5,100,USD,CN,A,2025-05-01\n",
    );
    let out = neg.with_file_name("negative.out.csv");
    let o = run(&[
        "screen",
        neg.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("quantity: `-5` is a negative quantity"),
        "exit {}: {}\n{text}",
        o.code,
        o.stderr
    );
}

/// Issue 18: the legal answer on one screen.
#[test]
fn a_brief_answer_fits_one_screen() {
    let text = memo(&[
        "check",
        "--chip",
        "H200",
        "--to",
        "CN",
        "--on",
        "2026-03-01",
        "--brief",
    ]);
    assert!(
        text.lines().count() <= 25,
        "{} lines:\n{text}",
        text.lines().count()
    );
    assert!(
        !text.contains("market"),
        "market notes are context, not law: {text}"
    );
    insta::assert_snapshot!("check_h200_cn_brief", text);
}

/// Issue 18: an answer resting on a rule whose encoding is not confirmed
/// says so in its headline, not only in a flag at the bottom.
#[test]
fn a_headline_resting_on_an_unconfirmed_rule_says_so() {
    let j = json(&[
        "check",
        "--chip",
        "RTX 5090 D",
        "--to",
        "CN",
        "--on",
        "2025-09-01",
    ]);
    let verdict = j["verdict"].as_str().unwrap();
    assert!(
        verdict.starts_with("US: licence required")
            && verdict.contains(
                "(rests on UNCONFIRMED encoding: us-2025-04-09-h20-mi308-letters#equivalents)"
            ),
        "{verdict}"
    );
    // A confirmed answer carries no such warning.
    let j = json(&[
        "check",
        "--chip",
        "H100",
        "--to",
        "CN",
        "--on",
        "2024-06-01",
    ]);
    assert!(
        !j["verdict"].as_str().unwrap().contains("rests on"),
        "{}",
        j["verdict"]
    );
}

#[test]
fn parties_screen_finds_the_huawei_entity_list_entries() {
    let v = json(&[
        "parties",
        "screen",
        "Huawei Technologies Co Ltd",
        "--on",
        "2026-08-05",
    ]);
    let m = v["matches"].as_array().unwrap();
    let el: Vec<&Value> = m
        .iter()
        .filter(|m| m["list"] == "EL" && m["status"] == "match")
        .collect();
    assert!(el.len() >= 2, "{m:#?}");
    assert!(el.iter().all(|m| m["fdp_footnote"] == 1));
    assert_eq!(v["list_date"], "2026-07-31");
    let first = &m[0];
    for k in [
        "entry_id",
        "list",
        "name",
        "matched",
        "score",
        "countries",
        "license_requirement",
        "license_policy",
        "federal_register",
        "explanation",
    ] {
        assert!(first.get(k).is_some(), "{k} missing");
    }
}

#[test]
fn snapshot_parties_screen_huawei_in_china() {
    insta::assert_snapshot!(memo(&[
        "parties",
        "screen",
        "Huawei Technologies Co Ltd",
        "--country",
        "CN",
        "--on",
        "2026-08-05",
        "--threshold",
        "0.97",
    ]));
}

#[test]
fn an_ordinary_company_and_a_bare_legal_form_match_nothing() {
    for name in ["Acme Widgets Inc", "Co., Ltd.", "Limited"] {
        let v = json(&["parties", "screen", name, "--on", "2026-08-05"]);
        assert_eq!(v["matches"], serde_json::json!([]), "{name}");
    }
    // A common word matches only entries that are that word (an SDN entry
    // is "TEKHNOLOGIYA, OOO"), not every name containing it.
    let v = json(&["parties", "screen", "Technology", "--on", "2026-08-05"]);
    assert!(v["matches"].as_array().unwrap().len() <= 2, "{v}");
}

#[test]
fn a_stale_list_is_said_and_a_later_list_is_refused() {
    let v = json(&["parties", "screen", "Acme Widgets Inc"]);
    assert!(v["warning"].as_str().unwrap().contains("days older"));
    let o = run(&["parties", "screen", "Huawei", "--on", "2025-05-01"]);
    assert_eq!(o.code, 1);
    assert!(
        o.stderr.contains("after the question's date"),
        "{}",
        o.stderr
    );
    let o = run(&["parties", "screen", " "]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("is empty"), "{}", o.stderr);
    let long = "x".repeat(301);
    let o = run(&["parties", "screen", &long]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("more than 300"), "{}", o.stderr);
}

#[test]
fn check_with_an_entity_list_buyer_needs_a_licence_under_its_policy() {
    let v = json(&[
        "check",
        "--chip",
        "H20",
        "--to",
        "CN",
        "--on",
        "2026-08-05",
        "--buyer",
        "Huawei Technologies Co Ltd",
        "--buyer-country",
        "CN",
    ]);
    assert_eq!(v["license_required"], true);
    assert_eq!(v["review_policy"], "presumption_of_denial");
    let fired: Vec<&str> = v["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert!(
        fired.contains(&"us-2008-08-21-entity-list#entity-list"),
        "{fired:?}"
    );
    assert_eq!(v["parties"][0]["role"], "buyer");
    assert_eq!(v["parties"][0]["verdict"], "listed");
    // An ordinary buyer: the parties are screened, and nothing changes.
    let clear = json(&[
        "check",
        "--chip",
        "H20",
        "--to",
        "CN",
        "--on",
        "2026-08-05",
        "--buyer",
        "Acme Widgets Inc",
    ]);
    let plain = json(&["check", "--chip", "H20", "--to", "CN", "--on", "2026-08-05"]);
    assert_eq!(clear["license_required"], plain["license_required"]);
    assert_eq!(clear["review_policy"], plain["review_policy"]);
    assert_eq!(clear["parties"][0]["verdict"], "clear");
}

#[test]
fn snapshot_check_h20_to_an_entity_list_buyer() {
    insta::assert_snapshot!(memo(&[
        "check",
        "--chip",
        "H20",
        "--to",
        "CN",
        "--on",
        "2026-08-05",
        "--buyer",
        "Huawei Technologies Co Ltd",
        "--buyer-country",
        "CN",
        "--brief",
    ]));
}

#[test]
fn a_malformed_list_is_located_and_nothing_is_imported() {
    let dir = tempdir("parties-import");
    let data = dir.to_str().unwrap();
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../parties/tests/data/csl-format-sample.csv"
    );
    let good = dir.join("csl-2026-08-01.csv");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(sample, &good).unwrap();
    let v = json(&["parties", "import", good.to_str().unwrap(), "--data", data]);
    assert_eq!(v["entries"], 6);
    assert_eq!(v["list_date"], "2026-08-01");
    let text = std::fs::read_to_string(sample).unwrap();
    let bad = dir.join("csl-2026-08-02.csv");
    std::fs::write(&bad, text.replacen("\"2020-12-23\"", "\"23/12/2020\"", 1)).unwrap();
    let o = run(&[
        "parties",
        "import",
        bad.to_str().unwrap(),
        "--data",
        data,
        "--error-format",
        "json",
    ]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let e: Value = serde_json::from_str(&o.stderr).unwrap();
    assert_eq!(e["errors"][0]["line"], 2, "{e}");
    assert_eq!(e["errors"][0]["key"], "start_date", "{e}");
    // The first list is still the one in use.
    let v = json(&[
        "parties",
        "screen",
        "CETC 13",
        "--data",
        data,
        "--on",
        "2026-08-05",
    ]);
    assert_eq!(v["list_date"], "2026-08-01");
    assert!(!v["matches"].as_array().unwrap().is_empty());
}

#[test]
fn the_affiliates_rule_reads_the_listed_owners_share() {
    let check = |owner: &str, on: &str| {
        let mut a = vec![
            "check",
            "--chip",
            "H20",
            "--to",
            "CN",
            "--on",
            on,
            "--buyer",
            "Acme Compute Ltd",
        ];
        a.extend(["--owner", owner]);
        json(&a)
    };
    let fired = |v: &Value, rule: &str| {
        v["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["rule"] == rule)
    };
    let rule = "us-2025-09-29-affiliates-rule#affiliate-licence";
    // In force (after the suspension, unconfirmed) at 60%, not at 30%.
    assert!(fired(
        &check("Huawei Technologies Co., Ltd.=60", "2026-11-20"),
        rule
    ));
    assert!(!fired(
        &check("Huawei Technologies Co., Ltd.=30", "2026-11-20"),
        rule
    ));
    // A listed owner of unknown share: Red Flag 29, the licence undetermined.
    let v = check("Huawei Technologies Co., Ltd.", "2026-11-20");
    assert!(fired(&v, "us-2025-09-29-affiliates-rule#red-flag-29"));
    // Suspended from 10 Nov 2025 to 9 Nov 2026.
    assert!(!fired(
        &check("Huawei Technologies Co., Ltd.=60", "2026-08-05"),
        rule
    ));
}

#[test]
fn a_minimum_confidence_turns_a_weakly_encoded_answer_into_cannot_decide() {
    // The April 2025 'equivalents' line is UNCONFIRMED: by default it decides
    // (see a_headline_resting_on_an_unconfirmed_rule_says_so); with a
    // minimum of `confirmed` it cannot.
    let ask = [
        "check",
        "--chip",
        "RTX 5090 D",
        "--to",
        "CN",
        "--on",
        "2025-09-01",
        "--min-confidence",
        "confirmed",
    ];
    let j = json(&ask);
    assert_eq!(j["status"], "undetermined", "{}", j["verdict"]);
    assert!(
        j["deciding_facts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f.as_str().unwrap().contains("a confirmed encoding of")),
        "{}",
        j["deciding_facts"]
    );
    assert_eq!(j["question"]["min_confidence"], "confirmed");
}
