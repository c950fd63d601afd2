//! The PostgreSQL log, against a throwaway server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use super::*;
use chipexport_domain::Fault;

/// A new, empty database on the test server, named after the test and this
/// process; returns its URL.
pub(crate) fn fresh(name: &str) -> String {
    let base = std::env::var("CHIPEXPORT_TEST_DATABASE_URL").expect(
        "set CHIPEXPORT_TEST_DATABASE_URL to a PostgreSQL server URL (scripts/test starts one)",
    );
    let base = base.trim_end_matches('/');
    let db = format!("chipexport_test_{name}_{}", std::process::id());
    let mut admin = postgres::Client::connect(&format!("{base}/postgres"), postgres::NoTls)
        .expect("connect to the test server");
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {db}"))
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .unwrap();
    format!("{base}/{db}")
}

#[test]
fn postgres_chain_refuses_edits_and_detects_bypassed_ones() {
    let url = fresh("chain");
    let mut log = DecisionLog::open_location(&url).unwrap();
    for i in 0..5 {
        log.append(
            "2026-11-29T00:00:00Z",
            "check",
            &format!("{{\"q\":{i}}}"),
            "{\"license_required\":true}",
            "abc",
        )
        .unwrap();
    }
    // A group commit continues the chain.
    let more: Vec<NewLogEntry> = (0..3)
        .map(|i| NewLogEntry {
            recorded_at: "t".into(),
            kind: "check".into(),
            request: format!("{{\"g\":{i}}}"),
            response: "{}".into(),
            rule_set_hash: "abc".into(),
        })
        .collect();
    let done = log.append_all(more).unwrap();
    assert_eq!(done.iter().map(|e| e.id).collect::<Vec<_>>(), [6, 7, 8]);
    assert_eq!(log.verify().unwrap(), Ok(8));
    assert_eq!(log.get(3).unwrap().unwrap().request, "{\"q\":2}");

    let mut raw = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    assert!(
        raw.execute("UPDATE decisions SET response = 'x' WHERE id = 3", &[])
            .is_err()
    );
    assert!(
        raw.execute("DELETE FROM decisions WHERE id = 3", &[])
            .is_err()
    );
    assert!(raw.batch_execute("TRUNCATE decisions").is_err());
    raw.batch_execute(
        "ALTER TABLE decisions DISABLE TRIGGER USER;
         UPDATE decisions SET response_id = NULL, response = '{\"license_required\":false}' WHERE id = 3;",
    )
    .unwrap();
    let broken = log.verify().unwrap().err().map(|b| b.id);
    assert_eq!(broken, Some(3));
}

#[test]
fn postgres_reconnecting_keeps_the_chain_and_the_schema_version() {
    let url = fresh("reopen");
    {
        let mut log = DecisionLog::connect(&url).unwrap();
        log.append("t", "check", "{}", "{}", "h").unwrap();
    }
    let mut log = DecisionLog::connect(&url).unwrap();
    let e = log.append("t", "check", "{}", "{}", "h").unwrap();
    assert_eq!(e.id, 2);
    assert_eq!(log.verify().unwrap(), Ok(2));
    assert_eq!(log.len().unwrap(), 2);
    // A log written by a newer chipexport is refused, not misread.
    let mut raw = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    raw.batch_execute("INSERT INTO chipexport_schema (version) VALUES (99)")
        .unwrap();
    assert!(matches!(
        DecisionLog::connect(&url),
        Err(StoreError::TooNew { found: 99, .. })
    ));
}

#[test]
fn postgres_a_bad_url_is_input_and_a_down_server_the_environment() {
    let e = DecisionLog::connect("postgresql://u:secret@localhost:notaport/db").unwrap_err();
    assert!(matches!(e, StoreError::Url { .. }), "{e:?}");
    assert_eq!(e.fault(), Fault::Input);
    assert!(!e.to_string().contains("secret"), "{e}");
    // Nothing listens on port 1.
    let e = DecisionLog::connect("postgresql://u:secret@127.0.0.1:1/db").unwrap_err();
    assert!(matches!(e, StoreError::Unavailable { .. }), "{e:?}");
    assert_eq!(e.fault(), Fault::Environment);
    assert!(e.to_string().contains("u:***@127.0.0.1:1/db"), "{e}");
}

#[test]
fn postgres_a_locked_log_is_busy() {
    let url = fresh("busy");
    let mut log = DecisionLog::connect(&url).unwrap();
    log.set_busy_timeout(Duration::from_millis(100)).unwrap();
    let mut raw = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let mut tx = raw.transaction().unwrap();
    tx.batch_execute("LOCK TABLE decisions IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let e = log.append("t", "check", "{}", "{}", "h").unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::Busy {
                waited: Some(_),
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.fault(), Fault::Environment);
    assert!(e.help().contains("100 ms"), "{}", e.help());
    tx.rollback().unwrap();
    assert!(log.append("t", "check", "{}", "{}", "h").is_ok());
}

#[test]
fn postgres_entries_filter_as_sqlite_does() {
    let url = fresh("entries");
    let mut log = DecisionLog::connect(&url).unwrap();
    for (at, kind) in [
        ("2026-11-27T10:00:00Z", "check"),
        ("2026-11-28T10:00:00Z", "screen"),
        ("2026-11-28T23:59:59Z", "check"),
        ("2026-11-29T00:00:00Z", "check"),
    ] {
        log.append(at, kind, "{}", "{}", "h").unwrap();
    }
    let ids = |log: &mut DecisionLog, f: EntryFilter| -> Vec<i64> {
        log.entries(&f).unwrap().iter().map(|e| e.id).collect()
    };
    assert_eq!(ids(&mut log, EntryFilter::default()), [1, 2, 3, 4]);
    let checks = EntryFilter {
        kind: Some("check".into()),
        ..EntryFilter::default()
    };
    assert_eq!(ids(&mut log, checks.clone()), [1, 3, 4]);
    let dates = EntryFilter {
        from: Some("2026-11-28".into()),
        to: Some("2026-11-28".into()),
        ..EntryFilter::default()
    };
    assert_eq!(ids(&mut log, dates), [2, 3]);
    let latest = EntryFilter {
        limit: Some(2),
        ..checks
    };
    assert_eq!(ids(&mut log, latest), [3, 4]);
    let e = log.entries(&EntryFilter::default()).unwrap();
    assert_eq!(e.first().unwrap(), &log.get(1).unwrap().unwrap());
}

#[test]
fn postgres_a_value_of_the_wrong_type_is_damage_not_a_panic() {
    let url = fresh("types");
    let mut log = DecisionLog::connect(&url).unwrap();
    log.append("t", "check", "{}", "{}", "h").unwrap();
    let mut raw = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    raw.batch_execute(
        "ALTER TABLE decisions ALTER COLUMN kind TYPE bytea USING convert_to(kind, 'UTF8')",
    )
    .unwrap();
    let got = log.get(1);
    assert!(matches!(got, Err(StoreError::Corrupt { .. })), "{got:?}");
    assert_eq!(log.verify().unwrap().err().map(|b| b.id), Some(1));
}

#[test]
fn postgres_each_distinct_response_is_stored_once() {
    let url = fresh("dedupe");
    let (a, b) = (
        "{\"license_required\":true}",
        "{\"license_required\":false}",
    );
    let mut log = DecisionLog::connect(&url).unwrap();
    let mut done = Vec::new();
    for r in [a, b, a, a, b] {
        done.push(log.append("t", "check", "{}", r, "abc").unwrap());
    }
    let mut raw = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let one =
        |raw: &mut postgres::Client, sql: &str| -> i64 { raw.query_one(sql, &[]).unwrap().get(0) };
    assert_eq!(one(&mut raw, "SELECT COUNT(*) FROM responses"), 2);
    assert_eq!(
        one(
            &mut raw,
            "SELECT COUNT(*) FROM decisions WHERE response = '' AND response_id IS NOT NULL"
        ),
        5
    );
    let sha: String = raw
        .query_one("SELECT sha256 FROM responses WHERE body = $1", &[&a])
        .unwrap()
        .get(0);
    assert_eq!(sha, sha256_hex(a.as_bytes()));
    for e in &done {
        assert_eq!(log.get(e.id).unwrap().as_ref(), Some(e));
    }
    assert_eq!(log.entries(&EntryFilter::default()).unwrap(), done);
    // Another connection (nothing remembered) finds the stored body.
    let mut other = DecisionLog::connect(&url).unwrap();
    other.append("t", "check", "{}", b, "abc").unwrap();
    assert_eq!(one(&mut raw, "SELECT COUNT(*) FROM responses"), 2);
    assert_eq!(log.verify().unwrap(), Ok(6));
}

#[test]
fn postgres_an_edited_stored_response_breaks_its_first_entry() {
    let url = fresh("body");
    let mut log = DecisionLog::connect(&url).unwrap();
    log.append("t", "check", "{}", "{\"a\":1}", "abc").unwrap();
    for _ in 0..3 {
        log.append("t", "check", "{}", "{\"b\":2}", "abc").unwrap();
    }
    assert_eq!(log.verify().unwrap(), Ok(4));
    let mut raw = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    assert!(raw.execute("UPDATE responses SET body = 'x'", &[]).is_err());
    assert!(raw.execute("DELETE FROM responses", &[]).is_err());
    assert!(raw.batch_execute("TRUNCATE responses").is_err());
    raw.batch_execute(
        "ALTER TABLE responses DISABLE TRIGGER USER;
         UPDATE responses SET body = '{\"b\":3}' WHERE body = '{\"b\":2}';",
    )
    .unwrap();
    let broken = log.verify().unwrap().err().unwrap();
    assert_eq!(broken.id, 2);
    assert!(
        broken.reason.contains("response") && broken.reason.contains("edited"),
        "{}",
        broken.reason
    );
}

#[test]
fn postgres_a_schema_1_log_is_migrated_verifies_and_takes_new_entries() {
    let url = fresh("migrate");
    let mut raw = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    // Schema 1 exactly as chipexport wrote it before schema 2.
    raw.batch_execute(
        "CREATE TABLE IF NOT EXISTS chipexport_schema (version BIGINT NOT NULL);
         BEGIN;
         CREATE TABLE IF NOT EXISTS decisions (
             id BIGINT PRIMARY KEY,
             recorded_at TEXT NOT NULL,
             kind TEXT NOT NULL,
             request TEXT NOT NULL,
             response TEXT NOT NULL,
             rule_set_hash TEXT NOT NULL,
             prev_hash TEXT NOT NULL,
             hash TEXT NOT NULL
         );
         CREATE OR REPLACE FUNCTION chipexport_append_only() RETURNS trigger
             LANGUAGE plpgsql AS $$
             BEGIN RAISE EXCEPTION 'the decision log is append-only'; END $$;
         CREATE OR REPLACE TRIGGER decisions_no_update BEFORE UPDATE OR DELETE ON decisions
             FOR EACH ROW EXECUTE FUNCTION chipexport_append_only();
         CREATE OR REPLACE TRIGGER decisions_no_truncate BEFORE TRUNCATE ON decisions
             FOR EACH STATEMENT EXECUTE FUNCTION chipexport_append_only();
         INSERT INTO chipexport_schema (version) VALUES (1);
         COMMIT;",
    )
    .unwrap();
    let new = |i: i64, response: &str| NewLogEntry {
        recorded_at: format!("2026-11-2{i}T00:00:00Z"),
        kind: "check".into(),
        request: format!("{{\"old\":{i}}}"),
        response: response.into(),
        rule_set_hash: "abc".into(),
    };
    let old = chain(None, vec![new(1, "{\"same\":1}"), new(2, "{\"same\":1}")]);
    for e in &old {
        raw.execute(
            "INSERT INTO decisions (id, recorded_at, kind, request, response, rule_set_hash, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[&e.id, &e.recorded_at, &e.kind, &e.request, &e.response, &e.rule_set_hash, &e.prev_hash, &e.hash],
        )
        .unwrap();
    }
    let mut log = DecisionLog::connect(&url).unwrap();
    let version: i64 = raw
        .query_one("SELECT max(version) FROM chipexport_schema", &[])
        .unwrap()
        .get(0);
    assert_eq!(version, 2);
    assert_eq!(log.verify().unwrap(), Ok(2));
    assert_eq!(log.get(1).unwrap().as_ref(), old.first());
    let e = log
        .append("t", "check", "{}", "{\"same\":1}", "abc")
        .unwrap();
    assert_eq!((e.id, e.prev_hash.as_str()), (3, old[1].hash.as_str()));
    assert_eq!(log.verify().unwrap(), Ok(3));
    let inline: i64 = raw
        .query_one(
            "SELECT COUNT(*) FROM decisions WHERE response_id IS NULL",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(inline, 2);
    // Reconnecting: nothing to migrate again.
    drop(log);
    let mut log = DecisionLog::connect(&url).unwrap();
    assert_eq!(log.verify().unwrap(), Ok(3));
}

#[test]
fn postgres_a_request_shared_part_is_stored_once_and_an_edit_breaks_its_first_entry() {
    let url = fresh("parts");
    let mut log = DecisionLog::connect(&url).unwrap();
    let request = |chip: &str, on: &str| {
        format!(
            r#"{{"version":2,"question":{{"item":{{"chip":"{chip}","model":"H20","vendor":"NVIDIA – 英伟达","tpp":2368.0,"datacenter":true}},"destination":"CN","on":"{on}"}}}}"#
        )
    };
    let mut done = Vec::new();
    for (chip, on) in [
        ("h100", "2025-09-01"),
        ("h20", "2025-09-01"),
        ("h20", "2025-09-02"),
    ] {
        done.push(
            log.append("t", "check", &request(chip, on), "{}", "abc")
                .unwrap(),
        );
    }
    let mut raw = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let parts: i64 = raw
        .query_one("SELECT COUNT(*) FROM request_parts", &[])
        .unwrap()
        .get(0);
    assert_eq!(parts, 2);
    for e in &done {
        assert_eq!(log.get(e.id).unwrap().as_ref(), Some(e));
    }
    assert_eq!(log.entries(&EntryFilter::default()).unwrap(), done);
    assert_eq!(log.verify().unwrap(), Ok(3));
    assert!(
        raw.execute("UPDATE request_parts SET body = 'x'", &[])
            .is_err()
    );
    assert!(raw.batch_execute("TRUNCATE request_parts").is_err());
    raw.batch_execute(
        "ALTER TABLE request_parts DISABLE TRIGGER USER;
         UPDATE request_parts SET body = replace(body, '2368.0', '2369.0') WHERE body LIKE '%\"h20\"%';",
    )
    .unwrap();
    let broken = log.verify().unwrap().err().unwrap();
    assert_eq!(broken.id, 2);
    assert!(broken.reason.contains("request part"), "{}", broken.reason);
}
