//! The licence book in PostgreSQL (a module of the licence tests, built
//! with the `postgres` feature): the same answers as in a data directory.

use super::{VOLCANO, check_args, example, json, run, screen_and_report, tempdir, with};

/// A new, empty database on the test server (scripts/with-postgres starts
/// one and sets CHIPEXPORT_TEST_DATABASE_URL); returns its URL.
fn fresh_database(name: &str) -> String {
    let base = std::env::var("CHIPEXPORT_TEST_DATABASE_URL")
        .expect("set CHIPEXPORT_TEST_DATABASE_URL (scripts/test starts a server)");
    let base = base.trim_end_matches('/');
    let db = format!("chipexport_cli_{name}_{}", std::process::id());
    psql(
        &format!("{base}/postgres"),
        &format!("DROP DATABASE IF EXISTS {db}"),
    );
    psql(
        &format!("{base}/postgres"),
        &format!("CREATE DATABASE {db}"),
    );
    format!("{base}/{db}")
}

/// Runs SQL with `psql` against `url`, as a tool outside chipexport would.
fn psql(url: &str, sql: &str) {
    let o = std::process::Command::new("psql")
        .args([url, "-qc", sql])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// With `--database-url`, the licence commands, `screen --licences` and
/// `check --data` keep the book in PostgreSQL, and answer exactly as with
/// the book in a data directory.
#[test]
fn the_licence_book_can_live_in_postgresql() {
    let url = fresh_database("licences");
    let db = ["--database-url", url.as_str()];
    let pg = tempdir("pg");
    let pg_data = pg.join("data");
    let on_pg = screen_and_report(&pg, &pg_data, &db);
    // Nothing went to the data directory.
    assert!(!pg_data.exists());
    let sq = tempdir("pg-sqlite");
    let sq_data = sq.join("data");
    let on_sqlite = screen_and_report(&sq, &sq_data, &[]);
    assert_eq!(on_pg.table, on_sqlite.table);
    assert_eq!(on_pg.report, on_sqlite.report);
    assert_eq!(on_pg.csv, on_sqlite.csv);
    assert_eq!(on_pg.report["totals"]["units"], 10_100);

    // A licence number is recorded once.
    let pg_arg = pg_data.to_str().unwrap();
    let f = example("h20-alibaba-cloud.toml");
    let o = run(&with(&["licences", "add", &f, "--data", pg_arg], &db));
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stderr.contains("is already recorded"), "{}", o.stderr);

    // `check --data` matches against the same book.
    let check = |data: &str, more: &[&str]| {
        let v = json(&with(
            &check_args("H200", "CN", "2026-09-01", data, &["--end-user", VOLCANO]),
            more,
        ));
        (v["licence"].clone(), v["licence_reasons"].clone())
    };
    let (licence, reasons) = check(pg_arg, &db);
    assert_eq!(
        (licence.clone(), reasons.clone()),
        check(sq_data.to_str().unwrap(), &[])
    );
    assert_eq!(licence["number"], "D2000001", "{reasons}");
    assert_eq!(licence["remaining_units"], 2000);

    // US shipments are recorded in the same book.
    let o = run(&with(
        &[
            "licences",
            "us-shipments",
            "--model",
            "H200",
            "--from",
            "2026-08-01",
            "--to",
            "2026-08-31",
            "--units",
            "10",
            "--data",
            pg_arg,
        ],
        &db,
    ));
    assert_eq!(o.code, 0, "{}", o.stderr);
    let list = json(&with(&["licences", "us-shipments", "--data", pg_arg], &db));
    assert_eq!(list[0]["model"], "H200");
    assert!(!pg_data.exists());

    // A drawdown edited outside chipexport breaks the chain: the book is
    // refused.
    psql(
        &url,
        "ALTER TABLE licence_events DISABLE TRIGGER USER; \
         UPDATE licence_events SET body = replace(body, '\"units\":6000', '\"units\":600') WHERE id = 4;",
    );
    let o = run(&with(&["licences", "report", "--data", pg_arg], &db));
    assert_eq!(o.code, 5, "{}", o.stderr);
    assert!(o.stderr.contains("is broken at event 4"), "{}", o.stderr);
}
