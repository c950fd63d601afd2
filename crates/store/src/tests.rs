//! The SQLite log: chain, durability and error faults.
use super::*;
use chipexport_domain::Fault;

#[test]
fn chain_detects_edits_and_deletions() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let mut log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
    for i in 0..5 {
        log.append(
            "2026-11-29T00:00:00Z",
            "check",
            &format!("{{\"q\":{i}}}"),
            "{\"license_required\":true}",
            "abc",
        )
        .unwrap_or_else(|e| unreachable!("{e}"));
    }
    assert_eq!(log.verify().ok(), Some(Ok(5)));
    // The log refuses edits through SQL...
    let conn = sqlite(&log);
    assert!(
        conn.execute("UPDATE decisions SET response = 'x' WHERE id = 3", [])
            .is_err()
    );
    assert!(
        conn.execute("DELETE FROM decisions WHERE id = 3", [])
            .is_err()
    );
    // ...and finds them when the triggers are bypassed: entry 3 given
    // another answer, inline as schema 1 kept it.
    conn.execute_batch("DROP TRIGGER decisions_no_update; UPDATE decisions SET response_id = NULL, response = '{\"license_required\":false}' WHERE id = 3;").unwrap_or_else(|e| unreachable!("{e}"));
    let broken = log.verify().ok().and_then(Result::err).map(|b| b.id);
    assert_eq!(broken, Some(3));
}

#[test]
fn reopening_keeps_the_chain() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    {
        let mut log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
        log.append("t", "check", "{}", "{}", "h")
            .unwrap_or_else(|e| unreachable!("{e}"));
    }
    let mut log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
    let e = log
        .append("t", "check", "{}", "{}", "h")
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(e.id, 2);
    assert_eq!(log.verify().ok(), Some(Ok(2)));
}

fn sqlite(log: &DecisionLog) -> &Connection {
    #[allow(irrefutable_let_patterns)]
    let Backend::Sqlite(conn) = &log.backend else {
        unreachable!("opened from a directory")
    };
    conn
}

#[test]
fn a_log_locked_by_another_connection_is_the_environment_naming_the_path() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let mut log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(log.busy_timeout(), DEFAULT_BUSY_TIMEOUT);
    log.set_busy_timeout(Duration::from_millis(50))
        .unwrap_or_else(|e| unreachable!("{e}"));
    let other = Connection::open(dir.path().join("decisions.sqlite"))
        .unwrap_or_else(|e| unreachable!("{e}"));
    other
        .execute_batch("BEGIN EXCLUSIVE")
        .unwrap_or_else(|e| unreachable!("{e}"));
    let Err(e) = log.append("t", "check", "{}", "{}", "h") else {
        unreachable!("the append waits for the lock, then fails")
    };
    assert!(matches!(e, StoreError::Busy { .. }), "{e:?}");
    assert_eq!(e.fault(), Fault::Environment);
    let path = dir.path().join("decisions.sqlite").display().to_string();
    assert!(e.to_string().contains(&format!("`{path}`")), "{e}");
    assert!(e.help().contains("wait, or stop it"), "{}", e.help());
    assert!(e.help().contains("50 ms"), "{}", e.help());
    let d: &dyn miette::Diagnostic = &e;
    assert_eq!(
        d.help().map(|h| h.to_string()),
        Some(e.help()),
        "the diagnostic's help"
    );
    assert!(
        std::error::Error::source(&e).is_some(),
        "the SQLite error is kept as the cause"
    );
    // Once the other connection lets go, the append goes through.
    other
        .execute_batch("ROLLBACK")
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert!(log.append("t", "check", "{}", "{}", "h").is_ok());
}

#[test]
fn a_data_path_that_is_a_file_is_the_environment() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap_or_else(|e| unreachable!("{e}"));
    for data in [file.clone(), file.join("below")] {
        let Err(e) = DecisionLog::open(&data) else {
            unreachable!("a file is not a data directory")
        };
        assert!(matches!(e, StoreError::Dir { .. }), "{e:?}");
        assert_eq!(e.fault(), Fault::Environment);
        assert!(e.to_string().contains(&data.display().to_string()), "{e}");
        assert!(e.help().contains("is a file"), "{}", e.help());
    }
}

#[test]
fn a_full_disk_is_the_environment() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let mut log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
    // A page limit makes SQLite report a full database (SQLITE_FULL),
    // as a full disk does.
    let pages: i64 = sqlite(&log)
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap_or_else(|e| unreachable!("{e}"));
    sqlite(&log)
        .execute_batch(&format!("PRAGMA max_page_count = {pages}"))
        .unwrap_or_else(|e| unreachable!("{e}"));
    let big = "x".repeat(1 << 20);
    let Err(e) = log.append("t", "check", &big, "{}", "h") else {
        unreachable!("the log cannot grow")
    };
    assert!(matches!(e, StoreError::Full { .. }), "{e:?}");
    assert_eq!(e.fault(), Fault::Environment);
    assert!(e.help().starts_with("free space on"), "{}", e.help());
}

#[test]
fn a_damaged_log_is_the_environment_with_a_restore_hint() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    std::fs::write(
        dir.path().join("decisions.sqlite"),
        "this is not a SQLite database, and it is long enough to tell".repeat(100),
    )
    .unwrap_or_else(|e| unreachable!("{e}"));
    let Err(e) = DecisionLog::open(dir.path()) else {
        unreachable!("not a database")
    };
    assert!(matches!(e, StoreError::Corrupt { .. }), "{e:?}");
    assert_eq!(e.fault(), Fault::Environment);
    assert!(e.help().contains("backup"), "{}", e.help());
}

#[test]
fn a_value_of_the_wrong_type_is_damage_not_a_panic() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let mut log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
    log.append("t", "check", "{}", "{}", "h")
        .unwrap_or_else(|e| unreachable!("{e}"));
    sqlite(&log)
        .execute_batch(
            "DROP TRIGGER decisions_no_update; UPDATE decisions SET request = x'00ff' WHERE id = 1;",
        )
        .unwrap_or_else(|e| unreachable!("{e}"));
    let got = log.get(1);
    assert!(matches!(got, Err(StoreError::Corrupt { .. })), "{got:?}");
    assert_eq!(
        log.verify().ok().and_then(Result::err).map(|b| b.id),
        Some(1)
    );
}

#[test]
fn a_newer_schema_says_upgrade() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    {
        let log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
        sqlite(&log)
            .execute_batch("PRAGMA user_version = 99")
            .unwrap_or_else(|e| unreachable!("{e}"));
    }
    let Err(e) = DecisionLog::open(dir.path()) else {
        unreachable!("too new")
    };
    assert!(matches!(e, StoreError::TooNew { found: 99, .. }), "{e:?}");
    assert_eq!(e.fault(), Fault::Environment);
    assert!(e.help().contains("upgrade chipexport"), "{}", e.help());
}

#[cfg(not(feature = "postgres"))]
#[test]
fn a_postgres_url_without_postgres_support_says_so() {
    let Err(e) = DecisionLog::open_location("postgresql://u:secret@db/x") else {
        unreachable!("no PostgreSQL in this build")
    };
    assert!(matches!(e, StoreError::Unsupported { .. }), "{e:?}");
    assert!(!e.to_string().contains("secret"), "{e}");
    assert_eq!(e.fault(), Fault::Environment);
}

fn count(log: &DecisionLog, sql: &str) -> i64 {
    sqlite(log)
        .query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| unreachable!("{e}"))
}

/// Entries 1 to `n`, entry `i` answering `responses[i % len]`.
fn append_answers(log: &mut DecisionLog, n: usize, responses: &[&str]) -> Vec<LogEntry> {
    let entries = (0..n)
        .map(|i| NewLogEntry {
            recorded_at: format!("2026-11-30T00:00:{i:02}Z"),
            kind: "check".into(),
            request: format!("{{\"q\":{i}}}"),
            response: responses[i % responses.len()].to_string(),
            rule_set_hash: "abc".into(),
        })
        .collect();
    log.append_all(entries)
        .unwrap_or_else(|e| unreachable!("{e}"))
}

#[test]
fn each_distinct_response_is_stored_once() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let (a, b) = (
        "{\"license_required\":true}",
        "{\"license_required\":false}",
    );
    let mut log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
    let done = append_answers(&mut log, 5, &[a, b]);
    log.append("t", "check", "{}", a, "abc")
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(count(&log, "SELECT COUNT(*) FROM responses"), 2);
    assert_eq!(
        count(
            &log,
            "SELECT COUNT(*) FROM decisions WHERE response = '' AND response_id IS NOT NULL"
        ),
        6
    );
    // Every read joins the body back: the entries are as appended.
    for e in &done {
        assert_eq!(log.get(e.id).ok().flatten().as_ref(), Some(e));
    }
    let listed = log
        .entries(&EntryFilter::default())
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(listed.get(..5), Some(done.as_slice()));
    assert_eq!(listed.get(5).map(|e| e.response.as_str()), Some(a));
    assert_eq!(log.verify().ok(), Some(Ok(6)));
    // Reopened (nothing remembered), a known response is found, not stored
    // again; a new one is stored.
    drop(log);
    let mut log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
    log.append("t", "check", "{}", b, "abc")
        .unwrap_or_else(|e| unreachable!("{e}"));
    log.append("t", "check", "{}", "{}", "abc")
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(count(&log, "SELECT COUNT(*) FROM responses"), 3);
    assert_eq!(log.verify().ok(), Some(Ok(8)));
    // The bodies are keyed by their SHA-256.
    let sha: String = sqlite(&log)
        .query_row("SELECT sha256 FROM responses WHERE body = ?1", [a], |r| {
            r.get(0)
        })
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(sha, sha256_hex(a.as_bytes()));
}

#[test]
fn a_stored_response_is_append_only_and_an_edit_breaks_its_first_entry() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let (a, b) = (
        "{\"license_required\":true}",
        "{\"license_required\":false}",
    );
    let mut log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
    // Entry 1 answers a, entries 2 to 5 answer b.
    log.append("t", "check", "{}", a, "abc")
        .unwrap_or_else(|e| unreachable!("{e}"));
    append_answers(&mut log, 4, &[b]);
    assert_eq!(log.verify().ok(), Some(Ok(5)));
    let conn = sqlite(&log);
    assert!(conn.execute("UPDATE responses SET body = 'x'", []).is_err());
    assert!(conn.execute("DELETE FROM responses", []).is_err());
    conn.execute_batch(
        "DROP TRIGGER responses_no_update;
         UPDATE responses SET body = replace(body, 'false', 'true ') WHERE body LIKE '%false%';",
    )
    .unwrap_or_else(|e| unreachable!("{e}"));
    let broken = log.verify().ok().and_then(Result::err);
    assert_eq!(broken.as_ref().map(|b| b.id), Some(2), "{broken:?}");
    let reason = broken.map(|b| b.reason).unwrap_or_default();
    assert!(
        reason.contains("response") && reason.contains("edited"),
        "{reason}"
    );
    // A deleted body (the trigger and the foreign key are there to refuse
    // it): the entries that used it cannot be read, and verify names the
    // first.
    assert!(
        sqlite(&log)
            .execute_batch("DROP TRIGGER responses_no_delete; DELETE FROM responses WHERE id = 2;")
            .is_err(),
        "a body in use is a foreign key"
    );
    sqlite(&log)
        .execute_batch("PRAGMA foreign_keys = OFF; DELETE FROM responses WHERE id = 2;")
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert!(matches!(log.get(3), Err(StoreError::Corrupt { .. })));
    let broken = log.verify().ok().and_then(Result::err);
    assert_eq!(broken.as_ref().map(|b| b.id), Some(2), "{broken:?}");
    assert!(
        broken.is_some_and(|b| b.reason.contains("is missing")),
        "the reason names the missing response"
    );
}

#[test]
fn a_response_stored_by_a_failed_append_is_not_remembered() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let mut log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
    log.append("t", "check", "{}", "{}", "h")
        .unwrap_or_else(|e| unreachable!("{e}"));
    let pages = count(&log, "PRAGMA page_count");
    sqlite(&log)
        .execute_batch(&format!("PRAGMA max_page_count = {pages}"))
        .unwrap_or_else(|e| unreachable!("{e}"));
    // The response is stored, then the entry does not fit: all is rolled
    // back, the response with it.
    let big = "x".repeat(1 << 20);
    let fresh = "{\"fresh\":true}";
    assert!(log.append("t", "check", &big, fresh, "h").is_err());
    assert_eq!(count(&log, "SELECT COUNT(*) FROM responses"), 1);
    sqlite(&log)
        .execute_batch("PRAGMA max_page_count = 1000000")
        .unwrap_or_else(|e| unreachable!("{e}"));
    let e = log
        .append("t", "check", "{}", fresh, "h")
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(
        log.get(e.id).ok().flatten().map(|e| e.response),
        Some(fresh.into())
    );
    assert_eq!(log.verify().ok(), Some(Ok(2)));
}

/// Schema 1 exactly as chipexport wrote it before schema 2, for logs made
/// by the old code.
const V1_SQL: &str = "BEGIN;
     CREATE TABLE IF NOT EXISTS decisions (
         id INTEGER PRIMARY KEY,
         recorded_at TEXT NOT NULL,
         kind TEXT NOT NULL,
         request TEXT NOT NULL,
         response TEXT NOT NULL,
         rule_set_hash TEXT NOT NULL,
         prev_hash TEXT NOT NULL,
         hash TEXT NOT NULL
     );
     CREATE TRIGGER IF NOT EXISTS decisions_no_update BEFORE UPDATE ON decisions
         BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;
     CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON decisions
         BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;
     PRAGMA user_version = 1;
     COMMIT;";

/// A schema 1 log in `dir`, made with the schema 1 SQL and its inserts:
/// three entries, the first two with the same (inline) response.
fn v1_log(dir: &Path) -> Vec<LogEntry> {
    let conn =
        Connection::open(dir.join("decisions.sqlite")).unwrap_or_else(|e| unreachable!("{e}"));
    conn.execute_batch("PRAGMA journal_mode = WAL;")
        .unwrap_or_else(|e| unreachable!("{e}"));
    conn.execute_batch(V1_SQL)
        .unwrap_or_else(|e| unreachable!("{e}"));
    let new = |i: usize, response: &str| NewLogEntry {
        recorded_at: format!("2026-11-2{i}T00:00:00Z"),
        kind: "check".into(),
        request: format!("{{\"old\":{i}}}"),
        response: response.into(),
        rule_set_hash: "abc".into(),
    };
    let old = chain(
        None,
        vec![
            new(1, "{\"same\":1}"),
            new(2, "{\"same\":1}"),
            new(3, "{\"other\":2}"),
        ],
    );
    for e in &old {
        conn.execute(
            "INSERT INTO decisions (id, recorded_at, kind, request, response, rule_set_hash, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![e.id, e.recorded_at, e.kind, e.request, e.response, e.rule_set_hash, e.prev_hash, e.hash],
        )
        .unwrap_or_else(|e| unreachable!("{e}"));
    }
    old
}

#[test]
fn a_schema_1_log_is_migrated_verifies_and_takes_new_entries() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let old = v1_log(dir.path());
    let mut log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(count(&log, "PRAGMA user_version"), 2);
    assert_eq!(log.verify().ok(), Some(Ok(3)));
    for e in &old {
        assert_eq!(log.get(e.id).ok().flatten().as_ref(), Some(e));
    }
    // New entries continue the chain, their responses stored once (the old
    // rows keep theirs inline, and stay as they were).
    let more = append_answers(&mut log, 3, &["{\"same\":1}"]);
    assert_eq!(
        more.first().map(|e| (e.id, e.prev_hash.clone())),
        old.last().map(|e| (4, e.hash.clone()))
    );
    assert_eq!(count(&log, "SELECT COUNT(*) FROM responses"), 1);
    assert_eq!(
        count(
            &log,
            "SELECT COUNT(*) FROM decisions WHERE response_id IS NULL AND response <> ''"
        ),
        3
    );
    assert_eq!(log.verify().ok(), Some(Ok(6)));
    let all = log
        .entries(&EntryFilter::default())
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(
        all.iter().map(|e| e.response.as_str()).collect::<Vec<_>>(),
        [
            "{\"same\":1}",
            "{\"same\":1}",
            "{\"other\":2}",
            "{\"same\":1}",
            "{\"same\":1}",
            "{\"same\":1}"
        ]
    );
    // Reopened: already version 2, nothing to migrate.
    drop(log);
    let mut log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(log.verify().ok(), Some(Ok(6)));
    // An old row's inline response edited is still found.
    sqlite(&log)
        .execute_batch("DROP TRIGGER decisions_no_update; UPDATE decisions SET response = '{\"other\":3}' WHERE id = 3;")
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(
        log.verify()
            .ok()
            .and_then(Result::err)
            .map(|b| (b.id, b.reason)),
        Some((3, EDITED.to_string()))
    );
}

#[test]
fn an_empty_log_is_created_at_schema_2() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(count(&log, "PRAGMA user_version"), SCHEMA_VERSION);
    assert_eq!(SCHEMA_VERSION, 2);
    for table in ["responses", "request_parts"] {
        let sql = format!(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = '{table}'"
        );
        assert_eq!(count(&log, &sql), 2, "{table}");
    }
}

/// A `check` request as the service logs it: the item's facts (the part
/// stored once) and the question around them.
fn check_request(chip: &str, on: &str) -> String {
    format!(
        r#"{{"version":2,"question":{{"item":{{"chip":"{chip}","model":"H20","vendor":"NVIDIA – 英伟达","tpp":2368.0,"datacenter":true}},"destination":"CN","on":"{on}","mode":"enforced"}}}}"#
    )
}

#[test]
fn a_request_shared_part_is_stored_once_and_given_back_exactly() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let mut log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
    let mut done = Vec::new();
    for (chip, on) in [
        ("nvidia-h20", "2025-09-01"),
        ("nvidia-h20", "2025-09-02"),
        ("nvidia-h100", "2025-09-01"),
        ("nvidia-h20", "2025-09-03"),
    ] {
        let e = log
            .append("t", "check", &check_request(chip, on), "{}", "abc")
            .unwrap_or_else(|e| unreachable!("{e}"));
        done.push(e);
    }
    // A request without a part long enough is stored whole.
    done.push(
        log.append("t", "check", "{\"q\":1}", "{}", "abc")
            .unwrap_or_else(|e| unreachable!("{e}")),
    );
    assert_eq!(count(&log, "SELECT COUNT(*) FROM request_parts"), 2);
    assert_eq!(
        count(
            &log,
            "SELECT COUNT(*) FROM decisions WHERE request_part_id IS NULL"
        ),
        1
    );
    // The row holds the request without the part: the date, not the chip.
    let stored: String = sqlite(&log)
        .query_row("SELECT request FROM decisions WHERE id = 2", [], |r| {
            r.get(0)
        })
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert!(
        stored.contains("2025-09-02") && !stored.contains("nvidia-h20"),
        "{stored}"
    );
    for e in &done {
        assert_eq!(log.get(e.id).ok().flatten().as_ref(), Some(e));
    }
    assert_eq!(
        log.entries(&EntryFilter::default()).ok(),
        Some(done.clone())
    );
    assert_eq!(log.verify().ok(), Some(Ok(5)));
    // Reopened, nothing remembered: the stored part is found again.
    drop(log);
    let mut log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
    log.append(
        "t",
        "check",
        &check_request("nvidia-h100", "2026-01-01"),
        "{}",
        "abc",
    )
    .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(count(&log, "SELECT COUNT(*) FROM request_parts"), 2);
    assert_eq!(log.verify().ok(), Some(Ok(6)));
}

#[test]
fn an_edited_request_part_or_offset_breaks_the_first_entry_that_uses_it() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let mut log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
    for (chip, on) in [
        ("nvidia-h100", "2025-09-01"),
        ("nvidia-h20", "2025-09-01"),
        ("nvidia-h20", "2025-09-02"),
    ] {
        log.append("t", "check", &check_request(chip, on), "{}", "abc")
            .unwrap_or_else(|e| unreachable!("{e}"));
    }
    let conn = sqlite(&log);
    assert!(
        conn.execute("UPDATE request_parts SET body = 'x'", [])
            .is_err()
    );
    assert!(conn.execute("DELETE FROM request_parts", []).is_err());
    conn.execute_batch(
        "DROP TRIGGER request_parts_no_update;
         UPDATE request_parts SET body = replace(body, '2368.0', '2369.0') WHERE body LIKE '%nvidia-h20\"%';",
    )
    .unwrap_or_else(|e| unreachable!("{e}"));
    let broken = log.verify().ok().and_then(Result::err);
    assert_eq!(broken.as_ref().map(|b| b.id), Some(2), "{broken:?}");
    let reason = broken.map(|b| b.reason).unwrap_or_default();
    assert!(
        reason.contains("request part") && reason.contains("edited"),
        "{reason}"
    );
    // An offset moved: entry 1 reads otherwise (or not at all).
    sqlite(&log)
        .execute_batch(
            "DROP TRIGGER decisions_no_update;
             UPDATE decisions SET request_part_at = request_part_at + 1 WHERE id = 1;",
        )
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(
        log.verify().ok().and_then(Result::err).map(|b| b.id),
        Some(1)
    );
    sqlite(&log)
        .execute_batch("UPDATE decisions SET request_part_at = 100000 WHERE id = 1;")
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert!(matches!(log.get(1), Err(StoreError::Corrupt { .. })));
    assert_eq!(
        log.verify().ok().and_then(Result::err).map(|b| b.id),
        Some(1)
    );
}

/// A schema 1 log that may only be read is read as it is: not migrated, it
/// lists, shows and verifies, and refuses new entries with the reason.
#[test]
fn a_read_only_schema_1_log_is_read_without_migrating_it() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let old = v1_log(dir.path());
    let path = dir.path().join("decisions.sqlite");
    let conn = Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap_or_else(|e| unreachable!("{e}"));
    let mut log = DecisionLog::of_sqlite(conn, path).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(log.verify().ok(), Some(Ok(3)));
    for e in &old {
        assert_eq!(log.get(e.id).ok().flatten().as_ref(), Some(e));
    }
    let listed = log
        .entries(&EntryFilter::default())
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(listed, old);
    assert_eq!(count(&log, "PRAGMA user_version"), 1);
    let refused = log.append("2026-11-30T00:00:00Z", "check", "{}", "{}", "abc");
    assert!(
        matches!(&refused, Err(StoreError::Denied { .. })),
        "{refused:?}"
    );
    // Opened where it can be written, it is migrated.
    let mut log = DecisionLog::open(dir.path()).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(count(&log, "PRAGMA user_version"), 2);
    assert_eq!(log.verify().ok(), Some(Ok(3)));
}
