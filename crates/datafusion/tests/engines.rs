//! The exported decision query, run unchanged on DataFusion (and, with the
//! `ballista` feature, on a Ballista cluster of a scheduler and two
//! executors on loopback), gives the same answer as the native `screen` on
//! every order of generated ledgers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use chipexport_batch::generate::{Profile, generate};
use chipexport_batch::{Scenario, Summary, screen};
use chipexport_catalog::Catalog;
use chipexport_datafusion::{
    Agreement, OrderAnswer, answers_from_query, compare, compare_files, decision_sql,
    local_context, read_query_output, read_screened, register_ledger, run_collect, run_to_file,
};
use chipexport_rules::{Mode, RuleSet};

struct Ledger {
    _dir: tempfile::TempDir,
    path: PathBuf,
    dir: PathBuf,
    screened: PathBuf,
    native: Vec<OrderAnswer>,
    summary: Summary,
}

/// Generates a ledger and screens it natively.
fn ledger(
    rs: &RuleSet,
    cat: &Catalog,
    rows: u64,
    seed: u64,
    ext: &str,
    scenario: Scenario,
) -> Ledger {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("ledger.{ext}"));
    let screened = dir.path().join(format!("screened.{ext}"));
    generate(cat, Profile::Mixed, rows, seed, &path).unwrap();
    let summary = screen(rs, cat, scenario, &path, &screened, &mut |_| {}).unwrap();
    assert_eq!(summary.rows, rows);
    assert_eq!(summary.rows_with_error, 0, "generated orders are all valid");
    let native = read_screened(&screened).unwrap();
    assert_eq!(native.len() as u64, rows);
    Ledger {
        dir: dir.path().to_path_buf(),
        _dir: dir,
        path,
        screened,
        native,
        summary,
    }
}

fn assert_agrees(a: &Agreement, rows: u64) {
    assert!(a.all_agree(), "{a}");
    assert_eq!(a.agreeing, rows, "{a}");
    assert_eq!(a.engine_rows, rows);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn datafusion_agrees_with_screen_on_a_parquet_ledger() {
    let rs = RuleSet::embedded().unwrap();
    let cat = Catalog::embedded().unwrap();
    let l = ledger(&rs, &cat, 20_000, 3, "parquet", Scenario::default());
    let ctx = local_context();
    register_ledger(&ctx, &l.path).await.unwrap();
    let out = l.dir.join("decided.parquet");
    let sql = decision_sql(&rs, &cat, Mode::Enforced, &[]);
    let run = run_to_file(&ctx, &sql, &out).await.unwrap();
    assert_eq!(run.rows, 20_000);
    assert_eq!(run.license_required, l.summary.license_required);
    assert_eq!(run.presumption_of_denial, l.summary.presumption_of_denial);
    assert!(run.license_required > 0 && run.license_required < run.rows);
    let a = compare(read_query_output(&out).unwrap(), &l.native);
    assert_agrees(&a, 20_000);
    assert_eq!(compare_files(&out, &l.screened).unwrap(), a);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn datafusion_agrees_with_screen_on_a_csv_ledger_as_written_with_a_bill() {
    let rs = RuleSet::embedded().unwrap();
    let cat = Catalog::embedded().unwrap();
    let bill = vec!["us-2025-12-04-safe-chips-act".to_string()];
    let scenario = Scenario {
        mode: Mode::AsWritten,
        with_packs: bill.clone(),
        on: None,
        // The exported query decides without the parties, as this does.
        parties: None,
    };
    let l = ledger(&rs, &cat, 6_000, 17, "csv", scenario);
    let ctx = local_context();
    register_ledger(&ctx, &l.path).await.unwrap();
    let out = l.dir.join("decided.csv");
    let sql = decision_sql(&rs, &cat, Mode::AsWritten, &bill);
    let run = run_to_file(&ctx, &sql, &out).await.unwrap();
    assert_eq!(run.rows, 6_000);
    assert_eq!(run.license_required, l.summary.license_required);
    let a = compare(read_query_output(&out).unwrap(), &l.native);
    assert_agrees(&a, 6_000);
    // The bill changes answers: the enforced rules without it differ somewhere.
    let ctx = local_context();
    register_ledger(&ctx, &l.path).await.unwrap();
    let plain = decision_sql(&rs, &cat, Mode::Enforced, &[]);
    let other = answers_from_query(&run_collect(&ctx, &plain).await.unwrap()).unwrap();
    let b = compare(other, &l.native);
    assert!(b.differing > 0, "the scenario should matter: {b}");
    // The file comparison finds the same differences, engine answers included.
    let plain_out = l.dir.join("plain.csv");
    run_to_file(&ctx, &plain, &plain_out).await.unwrap();
    let f = compare_files(&plain_out, &l.screened).unwrap();
    assert_eq!(
        (f.agreeing, f.differing, f.engine_rows, f.native_rows),
        (b.agreeing, b.differing, b.engine_rows, b.native_rows)
    );
    assert_eq!(f.first_differences, b.first_differences);
    assert!(f.first_differences.iter().all(|d| d.engine.is_some()));
}

#[test]
fn the_comparison_finds_changed_missing_and_extra_orders() {
    let answer = |id: &str, lic: bool| OrderAnswer {
        order_id: id.to_string(),
        status: Some(if lic { "required" } else { "not_required" }.into()),
        eccn: Some("3A090.a".into()),
        license_required: Some(lic),
        review_policy: None,
        license_exceptions: vec![],
        conditions: vec![],
        measures: vec!["revenue_share".into()],
        rules_fired: vec!["us-a".into(), "us-b".into()],
    };
    let native = vec![answer("1", true), answer("2", false), answer("3", true)];
    let same = compare(native.clone(), &native);
    assert!(same.all_agree(), "{same}");
    assert_eq!(same.agreeing, 3);

    let mut changed = native.clone();
    changed[1].rules_fired.reverse();
    changed.remove(2);
    changed.push(answer("4", false));
    changed.push(answer("1", true));
    let a = compare(changed, &native);
    assert!(!a.all_agree());
    assert_eq!(a.agreeing, 1);
    assert_eq!(a.differing, 4, "{a}");
    let ids: Vec<&str> = a
        .first_differences
        .iter()
        .map(|d| d.order_id.as_str())
        .collect();
    assert_eq!(ids, ["2", "3", "1", "4"]);
    assert!(a.first_differences[1].engine.is_none());
    assert!(a.first_differences[3].native.is_none());
    assert!(a.to_string().contains("order `2`"), "{a}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ledger_without_the_columns_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("orders.csv");
    std::fs::write(&p, "id,thing\n1,2\n").unwrap();
    let ctx = local_context();
    register_ledger(&ctx, &p).await.unwrap();
    let rs = RuleSet::embedded().unwrap();
    let cat = Catalog::embedded().unwrap();
    let e = run_collect(&ctx, &decision_sql(&rs, &cat, Mode::Enforced, &[]))
        .await
        .unwrap_err();
    assert!(e.message.contains("decision query"), "{e}");
    assert!(e.help.contains("order_id"), "{}", e.help);
    assert!(
        ["order_id", "chip", "destination", "ship_date"]
            .iter()
            .any(|c| e.message.contains(c)),
        "names a missing column: {e}"
    );
    let missing = register_ledger(&ctx, Path::new("/nonexistent/orders.parquet"))
        .await
        .unwrap_err();
    assert!(
        missing.message.contains("/nonexistent/orders.parquet"),
        "{missing}"
    );
}

#[cfg(feature = "ballista")]
#[test]
fn ballista_with_two_executors_agrees_with_datafusion_and_screen() {
    // The scheduler and executors run as tasks of this runtime. Planning and
    // (de)serialising the decision query's plan recurses deeply in a debug
    // build: the workers get large stacks.
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .thread_stack_size(64 << 20)
        .enable_all()
        .build()
        .unwrap()
        .block_on(ballista_cluster_agrees());
}

#[cfg(feature = "ballista")]
async fn ballista_cluster_agrees() {
    use chipexport_datafusion::cluster::{LocalCluster, ballista_context, parse_scheduler};

    let rs = RuleSet::embedded().unwrap();
    let cat = Catalog::embedded().unwrap();
    let l = ledger(&rs, &cat, 20_000, 5, "parquet", Scenario::default());
    let sql = decision_sql(&rs, &cat, Mode::Enforced, &[]);

    let local = local_context();
    register_ledger(&local, &l.path).await.unwrap();
    let mut here = answers_from_query(&run_collect(&local, &sql).await.unwrap()).unwrap();

    let cluster = LocalCluster::start(2, 2).await.unwrap();
    assert!(cluster.scheduler.ip().is_loopback(), "{:?}", cluster);
    let url = cluster.url();
    let (_, port) = parse_scheduler(&url).unwrap();
    assert_ne!(port, 0);
    let remote = ballista_context(&url).await.unwrap();
    register_ledger(&remote, &l.path).await.unwrap();
    let mut there = answers_from_query(&run_collect(&remote, &sql).await.unwrap()).unwrap();

    assert_eq!(there.len(), 20_000);
    assert_eq!(here.len(), there.len());
    here.sort_by(|a, b| a.order_id.cmp(&b.order_id));
    there.sort_by(|a, b| a.order_id.cmp(&b.order_id));
    for (h, t) in here.iter().zip(&there) {
        assert_eq!(h, t, "DataFusion and Ballista differ");
    }
    assert_agrees(&compare(there, &l.native), 20_000);
    assert_agrees(&compare(here, &l.native), 20_000);

    // Streaming into a file works through the cluster too.
    let out = l.dir.join("distributed.parquet");
    let run = run_to_file(&remote, &sql, &out).await.unwrap();
    assert_eq!(run.rows, 20_000);
    assert_agrees(
        &compare(read_query_output(&out).unwrap(), &l.native),
        20_000,
    );

    assert!(parse_scheduler("http://127.0.0.1:50050").is_err());
    assert!(parse_scheduler("df://127.0.0.1").is_err());
    assert!(parse_scheduler("df://[::1]:50050").is_ok());
}
