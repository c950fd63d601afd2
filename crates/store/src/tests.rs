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
    // ...and finds them when the triggers are bypassed.
    conn.execute_batch("DROP TRIGGER decisions_no_update; UPDATE decisions SET response = '{\"license_required\":false}' WHERE id = 3;").unwrap_or_else(|e| unreachable!("{e}"));
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
