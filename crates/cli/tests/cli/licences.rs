//! Export licences end to end (a module of the `cli` test binary): a ledger
//! screened with drawdown (unit 10,001 refused, an order under an expired
//! licence refused), the report's totals against the drawdowns, a bad
//! licence file located to its line and key. Time is frozen with
//! CHIPEXPORT_TODAY.
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{json, run};

/// The licence book in PostgreSQL.
#[cfg(feature = "postgres")]
#[path = "licences/postgres.rs"]
mod postgres;

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("chipexport-lic-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn example(name: &str) -> String {
    format!(
        "{}/../../data/licences/examples/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Records the three example licences; `db` is added to every command
/// (`--database-url URL`, or nothing).
fn add_examples(data: &Path, db: &[&str]) {
    for f in [
        "h20-alibaba-cloud.toml",
        "h20-tencent-2025.toml",
        "h200-bytedance.json",
    ] {
        let o = run(&with(
            &[
                "licences",
                "add",
                &example(f),
                "--data",
                data.to_str().unwrap(),
            ],
            db,
        ));
        assert_eq!(o.code, 0, "{f}: {}", o.stderr);
    }
}

/// `args` followed by `more`.
fn with<'a>(args: &[&'a str], more: &[&'a str]) -> Vec<&'a str> {
    args.iter().chain(more).copied().collect()
}

/// `check` of `chip` to `to` on `on`, matched against the licences of
/// `data`, then `more`.
fn check_args<'a>(
    chip: &'a str,
    to: &'a str,
    on: &'a str,
    data: &'a str,
    more: &[&'a str],
) -> Vec<&'a str> {
    let args = [
        "check", "--chip", chip, "--to", to, "--on", on, "--data", data,
    ];
    with(&args, more)
}

/// The end user of the example H200 licence, as its book names it.
const VOLCANO: &str = "Beijing Volcano Engine Technology Co., Ltd.";

/// The orders, out of date order on purpose: screening takes them by ship
/// date. Alibaba's licence has 10,000 units; Tencent's expired on 31 Dec
/// 2025.
const LEDGER: &str = "\
order_id,chip,destination,ship_date,quantity,unit_price,currency,end_user,consignee
A-3,H20,CN,2025-11-03,1,12000,USD,Alibaba Cloud Co. Ltd,Alibaba Cloud Co. Ltd
A-1,H20,CN,2025-09-01,6000,12000,USD,Alibaba Cloud Co. Ltd,Alibaba Cloud Co. Ltd
A-2,H20,CN,2025-10-01,4000,12000,USD,ALIBABA CLOUD LIMITED,Alibaba Cloud Co. Ltd
T-1,H20,CN,2025-09-15,100,12000,USD,\"Tencent Cloud Computing (Beijing) Co., Ltd.\",
T-2,H20,CN,2026-01-15,100,12000,USD,\"Tencent Cloud Computing (Beijing) Co., Ltd.\",
X-1,H20,CN,2025-09-20,50,12000,USD,Some Other Cloud Co,
N-1,H100,CN,2025-09-20,8,30000,USD,Alibaba Cloud Co. Ltd,Alibaba Cloud Co. Ltd
J-1,H20,JP,2025-09-20,10,12000,USD,Sakura Internet,
";

fn screened(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let cols = [
        "order_id",
        "ship_date",
        "quantity",
        "licence",
        "licence_status",
        "licence_remaining_units",
        "licence_remaining_value",
        "licence_reason",
    ];
    let idx: Vec<usize> = cols
        .iter()
        .map(|c| header.iter().position(|h| h == c).unwrap())
        .collect();
    let mut rows = vec![cols.iter().map(|c| (*c).to_string()).collect()];
    for rec in r.records() {
        let rec = rec.unwrap();
        rows.push(
            idx.iter()
                .map(|i| rec.get(*i).unwrap_or("").to_string())
                .collect(),
        );
    }
    rows
}

/// What a drawdown run gives: the screened table, the report as JSON and
/// as CSV.
struct Drawn {
    table: Vec<String>,
    report: Value,
    csv: String,
}

/// `screen LEDGER --out OUT --licences DATA --no-parties`, with `db` added.
/// The test ledgers' orders of 2025 predate the screening list in use (31
/// Jul 2026), so their parties cannot be screened with it; these tests are
/// about the drawdown (which matches the names to the licences).
fn draw(ledger: &Path, out: &Path, data: &str, db: &[&str]) -> super::Out {
    run(&with(
        &[
            "screen",
            ledger.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--licences",
            data,
            "--no-parties",
        ],
        db,
    ))
}

/// Records the examples in `data`, screens [`LEDGER`] (written to `d`) with
/// drawdown against them, and reports; `db` is added to every command.
fn screen_and_report(d: &Path, data: &Path, db: &[&str]) -> Drawn {
    add_examples(data, db);
    let ledger = d.join("orders.csv");
    std::fs::write(&ledger, LEDGER).unwrap();
    let out = d.join("screened.csv");
    let o = draw(&ledger, &out, data.to_str().unwrap(), db);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let d_arg = data.to_str().unwrap();
    let csv = run(&with(
        &["licences", "report", "--format", "csv", "--data", d_arg],
        db,
    ));
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    Drawn {
        table: screened(&out).iter().map(|r| r.join(" | ")).collect(),
        report: json(&with(&["licences", "report", "--data", d_arg], db)),
        csv: csv.stdout,
    }
}

#[test]
fn a_ledger_is_drawn_down_in_date_order() {
    let d = tempdir("ledger");
    let data = d.join("data");
    let drawn = screen_and_report(&d, &data, &[]);
    insta::assert_snapshot!("licences_screened_ledger", drawn.table.join("\n"));
    let ledger = d.join("orders.csv");
    let out = d.join("screened.csv");
    // Unit 10,001 (A-3, after drew 10,000) is refused, and so
    // is T-2 under the licence that expired.
    let status = |id: &str| {
        screened(&out)
            .into_iter()
            .find(|r| r[0] == id)
            .map(|r| r[4].clone())
            .unwrap()
    };
    assert_eq!(status("A-3"), "exhausted");
    assert_eq!(status("T-2"), "expired");
    assert_eq!(status("A-2"), "covered");

    // The report's totals are the sums of the recorded drawdowns.
    let d_arg = data.to_str().unwrap();
    let report = &drawn.report;
    let mut units = 0u64;
    let mut value = 0f64;
    for n in ["D1234567", "D7654321", "D2000001"] {
        let shown = json(&["licences", "show", n, "--data", d_arg]);
        for dd in shown["drawdowns"].as_array().unwrap() {
            units += dd["units"].as_u64().unwrap();
            value += dd["value"].as_str().unwrap().parse::<f64>().unwrap();
        }
    }
    assert_eq!(report["totals"]["units"].as_u64(), Some(units));
    assert_eq!(units, 10_100);
    let reported: f64 = report["totals"]["value"].as_str().unwrap().parse().unwrap();
    assert!((reported - value).abs() < 1e-6, "{reported} != {value}");
    // 15% of the H20 revenue drawn: 10,100 units at 12,000.
    assert_eq!(report["totals"]["revenue_share"], "18180000");
    // The CSV report: a row per licence and month, a total per licence, and
    // the `all` row with the same totals.
    insta::assert_snapshot!("licences_report_csv", drawn.csv);
    let all = drawn.csv.lines().last().unwrap().to_string();
    assert_eq!(all, "all,total,10100,121200000,18180000,0");
    // Screening again draws nothing more from the exhausted licence.
    let o = draw(&ledger, &out, d_arg, &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(status("A-1"), "exhausted");
    // A drawdown edited outside chipexport breaks the chain: the book is
    // refused, for reading and for drawing.
    let db = rusqlite::Connection::open(data.join("decisions.sqlite")).unwrap();
    db.execute_batch(
        "DROP TRIGGER licence_events_no_update;
         UPDATE licence_events SET body = replace(body, '\"units\":6000', '\"units\":600') WHERE id = 4;",
    )
    .unwrap();
    let o = run(&["licences", "report", "--data", d_arg]);
    assert_eq!(o.code, 5, "{}", o.stderr);
    assert!(o.stderr.contains("is broken at event 4"), "{}", o.stderr);
    let o = run(&[
        "screen",
        ledger.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--licences",
        d_arg,
    ]);
    assert_eq!(o.code, 5, "{}", o.stderr);
}

/// The licence columns do not depend on where the orders sit in the
/// ledger: [`LEDGER`]'s orders spread over three batches of the drawdown's
/// reads (8,192 rows each), at their edges, among orders that need no
/// licence, get the columns they get alone; the others get none.
#[test]
fn orders_spread_over_batches_are_drawn_down_as_alone() {
    let d = tempdir("spread");
    let alone = screen_and_report(&d, &d.join("alone"), &[]).table;
    let mut orders = LEDGER.lines();
    let header = orders.next().unwrap();
    let at = [0, 8191, 8192, 8193, 16383, 16384, 19998, 19999];
    let mut orders = orders.collect::<Vec<_>>().into_iter();
    let mut text = format!("{header}\n");
    for row in 0..20_000 {
        match at.contains(&row).then(|| orders.next()).flatten() {
            Some(o) => text.push_str(o),
            None => text.push_str(&format!(
                "F-{row},H100,JP,2025-09-20,1,30000,USD,Sakura Internet,"
            )),
        }
        text.push('\n');
    }
    let ledger = d.join("spread.csv");
    std::fs::write(&ledger, text).unwrap();
    let data = d.join("spread-data");
    add_examples(&data, &[]);
    let out = d.join("spread-screened.csv");
    let o = draw(&ledger, &out, data.to_str().unwrap(), &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let table = screened(&out);
    assert_eq!(table.len(), 20_001);
    let mut spread: Vec<String> = Vec::new();
    for (row, r) in table.iter().enumerate().skip(1) {
        if at.contains(&(row - 1)) {
            spread.push(r.join(" | "));
        } else {
            // Order, date, quantity, then five empty licence columns.
            assert!(r[3..].iter().all(String::is_empty), "row {row}: {r:?}");
        }
    }
    spread.insert(0, table[0].join(" | "));
    assert_eq!(spread, alone);
}

#[test]
fn check_with_a_data_directory_names_the_licence_or_why_none() {
    let d = tempdir("check");
    let data = d.join("data");
    add_examples(&data, &[]);
    let d_arg = data.to_str().unwrap();
    let args = check_args("H20", "CN", "2026-08-15", d_arg, &[]);
    let v = json(&args);
    assert_eq!(v["licence"], Value::Null);
    let reasons: Vec<&str> = v["licence_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("D1234567 (party_mismatch)")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("D7654321 (party_mismatch)")),
        "{reasons:?}"
    );
    let mut named = args.clone();
    named.extend([
        "--end-user",
        "Alibaba Cloud Co., Ltd.",
        "--consignee",
        "Alibaba Cloud Co., Ltd.",
    ]);
    let v = json(&named);
    assert_eq!(v["licence"]["number"], "D1234567");
    assert_eq!(v["licence"]["remaining_units"], 10_000);
    assert_eq!(v["licence"]["expires"], "2029-08-14");
    // A chip that needs no licence matches none.
    let v = json(&check_args("H20", "JP", "2026-08-15", d_arg, &[]));
    assert_eq!(v["licence"], Value::Null);
}

#[test]
fn a_bad_licence_file_is_rejected_with_its_line_and_key() {
    let d = tempdir("bad");
    let text = std::fs::read_to_string(example("h20-alibaba-cloud.toml"))
        .unwrap()
        .replace("quantity = 10000", "quantity = \"10,000\"");
    let bad = d.join("bad-licence.toml");
    std::fs::write(&bad, text).unwrap();
    let o = run(&[
        "licences",
        "add",
        bad.to_str().unwrap(),
        "--data",
        d.join("data").to_str().unwrap(),
        "--error-format",
        "json",
    ]);
    assert_eq!(o.code, 1);
    let mut v: Value = serde_json::from_str(&o.stderr).unwrap();
    v["errors"][0]["file"] = "bad-licence.toml".into();
    insta::assert_json_snapshot!("licences_bad_file", v);
    // Nothing was recorded.
    let list = json(&[
        "licences",
        "list",
        "--data",
        d.join("data").to_str().unwrap(),
    ]);
    assert_eq!(list, Value::Array(vec![]));
}

#[test]
fn a_rule_change_lists_the_licences_it_affects() {
    let d = tempdir("affected");
    let data = d.join("data");
    // An H20 licence with no revenue share, to China and Russia.
    let text = "number = \"D0000042\"\nauthority = \"BIS\"\nholder = \"NVIDIA Corporation\"\n\
        issued = 2025-04-20\nvalid_from = 2025-04-20\nvalid_to = 2029-04-19\n\
        destinations = [\"CN\", \"RU\"]\n\n[[lines]]\nitems = [\"nvidia-h20-hgx-96gb\"]\n\
        quantity = 1000\nvalue = 12000000\n";
    let f = d.join("no-share.toml");
    std::fs::write(&f, text).unwrap();
    let d_arg = data.to_str().unwrap();
    assert_eq!(
        run(&["licences", "add", f.to_str().unwrap(), "--data", d_arg]).code,
        0
    );
    let kinds = |before: &str, after: &str| -> Vec<String> {
        let v = json(&[
            "licences", "affected", "--before", before, "--after", after, "--data", d_arg,
        ]);
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{} {}",
                    f["destination"].as_str().unwrap(),
                    f["kind"].as_str().unwrap()
                )
            })
            .collect()
    };
    // The April 2025 letters made the licence necessary; from Aug 2025 the
    // rules attach a 15% revenue share the licence does not carry.
    assert_eq!(
        kinds("2025-04-01", "2025-09-01"),
        vec!["CN newly_required", "CN condition"]
    );
    // The Russia regime of 2022: applications meet a policy of denial.
    assert_eq!(kinds("2022-01-01", "2022-05-01"), vec!["RU policy"]);
    assert_eq!(kinds("2025-09-01", "2025-09-02"), Vec::<String>::new());
}

#[test]
fn format_csv_is_for_the_report_only_and_refused_before_anything_is_recorded() {
    let d = tempdir("csv");
    let d_arg = d.join("data");
    let d_arg = d_arg.to_str().unwrap();
    let f = example("h20-alibaba-cloud.toml");
    for args in [
        vec!["licences", "add", &f, "--data", d_arg],
        vec!["licences", "list", "--data", d_arg],
        vec!["metrics", "--chip", "H20"],
    ] {
        let o = run(&with(&args, &["--format", "csv"]));
        assert_eq!(o.code, 1, "{args:?}: {}", o.stderr);
        assert!(
            o.stderr
                .contains("--format csv is for `licences report` only"),
            "{}",
            o.stderr
        );
    }
    assert_eq!(
        json(&["licences", "list", "--data", d_arg]),
        Value::Array(vec![])
    );
    // An empty book reports the `all` row alone.
    let o = run(&["licences", "report", "--format", "csv", "--data", d_arg]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        o.stdout,
        "licence,period,units,value,revenue_share_owed,duty_owed\nall,total,0,0,0,0\n"
    );
    // `--csv` is gone: `--format csv` says it.
    assert_eq!(
        run(&["licences", "report", "--csv", "--data", d_arg]).code,
        2
    );
}

/// H200 orders under the ByteDance licence (a 50% volume cap), out of date
/// order on purpose.
const H200_LEDGER: &str = "\
order_id,chip,destination,ship_date,quantity,unit_price,currency,end_user
V-4,H200,CN,2026-04-10,100,30000,USD,Beijing Volcano Engine Technology Co. Ltd
V-1,H200,CN,2026-03-05,300,30000,USD,Beijing Volcano Engine Technology Co. Ltd
V-3,H200,CN,2026-03-25,1,30000,USD,Beijing Volcano Engine Technology Co. Ltd
V-2,H200,CN,2026-03-20,200,30000,USD,Beijing Volcano Engine Technology Co. Ltd
";

/// The volume cap: 1,000 H200s shipped to US customers in March allow 500
/// under the licence in March; unit 501 is refused with the numbers, and an
/// April order (no US shipments recorded for April) is drawn with a note
/// that the cap could not be checked. A later record of a period corrects
/// it.
#[test]
fn the_volume_cap_refuses_what_exceeds_it_and_says_when_it_cannot_be_checked() {
    let d = tempdir("cap");
    let data = d.join("data");
    let d_arg = data.to_str().unwrap();
    add_examples(&data, &[]);
    let record = |model: &str, from: &str, to: &str, units: &str| {
        run(&[
            "licences",
            "us-shipments",
            "--model",
            model,
            "--from",
            from,
            "--to",
            to,
            "--units",
            units,
            "--data",
            d_arg,
        ])
    };
    let o = record("H200", "2026-03-01", "2026-03-31", "1000");
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        o.stdout,
        "#4 H200 2026-03-01 .. 2026-03-31: 1000 units shipped to US customers\n"
    );
    // An unknown model, a period backwards and a partial record are refused.
    let o = record("H2000", "2026-03-01", "2026-03-31", "1000");
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(
        o.stderr.contains("no catalog chip is the model `H2000`"),
        "{}",
        o.stderr
    );
    assert_eq!(record("H200", "2026-03-31", "2026-03-01", "1").code, 1);
    assert_eq!(
        run(&[
            "licences",
            "us-shipments",
            "--model",
            "H200",
            "--data",
            d_arg
        ])
        .code,
        2
    );

    let ledger = d.join("h200.csv");
    std::fs::write(&ledger, H200_LEDGER).unwrap();
    let out = d.join("screened.csv");
    let o = draw(&ledger, &out, d_arg, &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stderr.contains("over_volume_cap: 1")
            && o.stderr.contains("drawn without checking a volume cap")
            && o.stderr.contains("see licence_reason): 1"),
        "{}",
        o.stderr
    );
    let rows = screened(&out);
    let row = |id: &str| rows.iter().find(|r| r[0] == id).unwrap().clone();
    assert_eq!(row("V-1")[4], "covered");
    assert_eq!(row("V-2")[4], "covered");
    assert_eq!(row("V-3")[4], "over_volume_cap");
    assert_eq!(
        row("V-3")[7],
        "D2000001: 500 units of H200 shipped under the licence from 2026-03-01 to 2026-03-31, plus the 1 ordered, would be 501: over the volume cap of 50% of the 1000 units shipped to US customers in that period (500)"
    );
    assert_eq!(row("V-4")[4], "covered");
    assert_eq!(
        row("V-4")[7],
        "covered by D2000001 line 0; the volume cap (50% of shipments to US customers) cannot be checked: no shipments of H200 to US customers are recorded for a period including 2026-04-10 (chipexport licences us-shipments)"
    );
    // The drawdowns keep their model.
    let shown = json(&["licences", "show", "D2000001", "--data", d_arg]);
    let models: Vec<&str> = shown["drawdowns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["model"].as_str().unwrap())
        .collect();
    assert_eq!(models, ["H200", "H200", "H200"]);
    assert_eq!(
        shown["account"]["unchecked"][0],
        "volume cap 50% of shipments to US customers: not in this account; each drawdown checks it against the holder's US shipments recorded for its period (licences us-shipments), and says so when none is recorded"
    );

    // A later record of March corrects the first; both are kept.
    let o = record("h200", "2026-03-01", "2026-03-31", "2000");
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("(corrects #4)"), "{}", o.stdout);
    let list = json(&["licences", "us-shipments", "--data", d_arg]);
    let list: Vec<(i64, u64, Value, Value)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["event"].as_i64().unwrap(),
                r["units"].as_u64().unwrap(),
                r["corrects"].clone(),
                r["corrected_by"].clone(),
            )
        })
        .collect();
    assert_eq!(
        list,
        [
            (4, 1000, Value::Null, Value::from(8)),
            (8, 2000, Value::from(4), Value::Null)
        ]
    );

    // `check --data` says the cap cannot be checked on a date without a
    // record, and not once August is recorded.
    let check = || {
        json(&check_args(
            "H200",
            "CN",
            "2026-08-10",
            d_arg,
            &["--end-user", VOLCANO],
        ))
    };
    let v = check();
    assert_eq!(v["licence"]["number"], "D2000001");
    assert_eq!(
        v["licence"]["unchecked"][0],
        "the volume cap (50% of shipments to US customers) cannot be checked: no shipments of H200 to US customers are recorded for a period including 2026-08-10 (chipexport licences us-shipments)"
    );
    assert_eq!(record("H200", "2026-08-01", "2026-08-31", "10").code, 0);
    let v = check();
    assert_eq!(v["licence"]["number"], "D2000001");
    assert_eq!(v["licence"].get("unchecked"), None);
}
