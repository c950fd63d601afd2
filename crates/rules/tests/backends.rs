#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]
//! One semantics, two backends: for random predicates and random facts
//! (missing values included), the scalar evaluator and the SQL lowering run
//! by a real SQL engine (SQLite) give the same three-valued answer.

use chipexport_domain::{Country, CountryGroups, Date};
use chipexport_rules::expr::{eval_bool, parse_predicate};
use chipexport_rules::facts::{Facts, ItemFacts};
use chipexport_rules::sql::{Dialect, Lowering};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const NUM_FACTS: &[&str] = &[
    "tpp",
    "performance_density",
    "memory_bandwidth_gbps",
    "interconnect_gbps",
    "die_area_mm2",
];
const NUM_LITS: &[&str] = &["0", "1.6", "2400", "4800", "5.92", "3.2"];
const OPS: &[&str] = &["=", "<>", "<", "<=", ">", ">="];
const COUNTRIES: &[&str] = &["CN", "HK", "MO", "SG", "NI", "KH", "AE", "US", "CY", "IL"];
const DATES: &[&str] = &[
    "2022-10-07",
    "2024-03-14",
    "2024-03-15",
    "2026-02-02",
    "2026-02-03",
    "2026-07-10",
];
const GROUPS: &[&str] = &["A:5", "A:6", "D:1", "D:3", "D:4", "D:5"];

fn pick(v: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    proptest::sample::select(v)
}

fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        (pick(NUM_FACTS), pick(OPS), pick(NUM_LITS)).prop_map(|(f, o, l)| format!("{f} {o} {l}")),
        (pick(NUM_FACTS), pick(NUM_FACTS), pick(OPS), pick(NUM_LITS))
            .prop_map(|(a, b, o, l)| format!("{a} + {b} {o} {l}")),
        (pick(NUM_FACTS), pick(NUM_FACTS), pick(OPS), pick(NUM_LITS))
            .prop_map(|(a, b, o, l)| format!("{a} / {b} {o} {l}")),
        (pick(NUM_FACTS), pick(NUM_LITS), pick(NUM_LITS))
            .prop_map(|(f, a, b)| format!("{f} BETWEEN {a} AND {b}")),
        Just("datacenter".to_string()),
        Just("datacenter = FALSE".to_string()),
        Just("non_planar = TRUE".to_string()),
        (pick(COUNTRIES), pick(COUNTRIES))
            .prop_map(|(a, b)| format!("destination IN ('{a}', '{b}')")),
        pick(COUNTRIES).prop_map(|a| format!("end_user_hq = '{a}'")),
        pick(COUNTRIES).prop_map(|a| format!("origin_country NOT IN ('{a}')")),
        pick(GROUPS).prop_map(|g| format!("in_group(destination, '{g}')")),
        pick(GROUPS).prop_map(|g| format!("in_group(end_user_hq, '{g}')")),
        pick(GROUPS).prop_map(|g| format!("in_group(origin_country, '{g}')")),
        Just("buyer_type = 'military'".to_string()),
        Just("model IN ('H20', 'H200')".to_string()),
        pick(NUM_FACTS).prop_map(|f| format!("{f} IS NULL")),
        Just("datacenter IS NOT NULL".to_string()),
        pick(DATES).prop_map(|d| format!("date >= DATE '{d}'")),
    ]
}

fn predicate() -> impl Strategy<Value = String> {
    atom().prop_recursive(3, 16, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) AND ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) OR ({b})")),
            inner.prop_map(|a| format!("NOT ({a})")),
        ]
    })
}

#[derive(Debug, Clone)]
struct Row {
    item: ItemFacts,
    destination: &'static str,
    end_user_hq: &'static str,
    date: &'static str,
    buyer_type: Option<&'static str>,
}

fn row() -> impl Strategy<Value = Row> {
    let num = || {
        proptest::option::of(proptest::sample::select(vec![
            0.0, 1.6, 2400.0, 4800.0, 5000.0, 3.2, 5.92,
        ]))
    };
    (
        (num(), num(), num(), num(), num()),
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<bool>()),
        proptest::option::of(pick(COUNTRIES)),
        proptest::option::of(pick(&["H20", "H200", "A100"])),
        (
            pick(COUNTRIES),
            pick(COUNTRIES),
            pick(DATES),
            proptest::option::of(pick(&["military", "commercial"])),
        ),
    )
        .prop_map(
            |((tpp, pd, mem, ic, area), dc, np, origin, model, (dest, hq, date, buyer))| Row {
                item: ItemFacts {
                    tpp,
                    performance_density: pd,
                    memory_bandwidth_gbps: mem,
                    interconnect_gbps: ic,
                    die_area_mm2: area,
                    datacenter: dc,
                    non_planar: np,
                    origin_country: origin.and_then(|c| Country::parse(c).ok()),
                    eccn_claimed: None,
                    model: model.map(String::from),
                    ..ItemFacts::default()
                },
                destination: dest,
                end_user_hq: hq,
                date,
                buyer_type: buyer,
            },
        )
}

#[test]
fn scalar_and_sql_agree() {
    let groups = CountryGroups::embedded().unwrap_or_else(|e| panic!("{e:?}"));
    let conn = rusqlite::Connection::open_in_memory().unwrap_or_else(|e| panic!("{e}"));
    conn.execute_batch(
        "CREATE TABLE t (tpp REAL, performance_density REAL, memory_bandwidth_gbps REAL, interconnect_gbps REAL, die_area_mm2 REAL,
         datacenter INTEGER, non_planar INTEGER, origin_country TEXT, model TEXT, destination TEXT, end_user_hq TEXT, date TEXT, buyer_type TEXT)",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let lowering = Lowering {
        dialect: Dialect::Sqlite,
        groups: &groups,
    };
    let mut runner = TestRunner::new(Config {
        cases: 2000,
        ..Config::default()
    });
    let result = runner.run(&(predicate(), row()), |(text, r)| {
        let e =
            parse_predicate(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e:?}")))?;
        let c = |s: &str| Country::parse(s).unwrap_or_else(|_| Country::us());
        let date: Date = r
            .date
            .parse()
            .unwrap_or_else(|_| Date::constant(2024, 1, 1));
        let facts = Facts::new(
            &r.item,
            &groups,
            c(r.destination),
            c(r.end_user_hq),
            Country::us(),
            date,
            r.buyer_type,
            None,
        );
        let scalar = eval_bool(&e, &facts);

        conn.execute("DELETE FROM t", [])
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        conn.execute(
            "INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            rusqlite::params![
                r.item.tpp,
                r.item.performance_density,
                r.item.memory_bandwidth_gbps,
                r.item.interconnect_gbps,
                r.item.die_area_mm2,
                r.item.datacenter,
                r.item.non_planar,
                r.item.origin_country.map(|c| c.to_string()),
                r.item.model,
                r.destination,
                r.end_user_hq,
                r.date,
                r.buyer_type,
            ],
        )
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let sql = lowering.expr(&e);
        let q = format!(
            "SELECT CASE WHEN ({sql}) IS NULL THEN -1 WHEN ({sql}) THEN 1 ELSE 0 END FROM t"
        );
        let got: i64 = conn
            .query_row(&q, [], |row| row.get(0))
            .map_err(|e| TestCaseError::fail(format!("{e}: {q}")))?;
        let want = match scalar {
            None => -1,
            Some(true) => 1,
            Some(false) => 0,
        };
        prop_assert_eq!(got, want, "predicate {} on {:?}\nSQL: {}", text, r, sql);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
