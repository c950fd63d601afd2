//! Drawdown cost per order: matching one order against the licences held
//! (10 licences of 2 lines each, several for the same item, destination
//! and parties) with running balances, as `screen --licences` does for
//! every order that needs a licence; and an account of a licence with
//! 10,000 drawdowns.

#![allow(clippy::expect_used, clippy::indexing_slicing)]

use std::collections::HashMap;

use chipexport_domain::{Country, Date, SourceFile};
use chipexport_licences::{Drawdown, Drawn, History, ItemFacts, Licence, Matcher, Order, account};
use criterion::{Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;

const H20: &str = include_str!("../../../data/licences/examples/h20-alibaba-cloud.toml");

fn licences() -> Vec<Licence> {
    (0..10)
        .map(|i| {
            let text = H20
                .replace("D1234567", &format!("D{i:07}"))
                .replace("valid_to = 2029-08-14", &format!("valid_to = 2029-08-{:02}", 10 + i))
                .replace(
                    "[[conditions]]\nkind = \"revenue_share\"",
                    "[[lines]]\nmodels = [\"H200\"]\nquantity = 100\nvalue = 1000000\n\n[[conditions]]\nkind = \"revenue_share\"",
                );
            chipexport_licences::parse(&SourceFile::new("bench.toml", text), &|_| true)
                .expect("parses")
        })
        .collect()
}

fn order(i: u64) -> Order {
    Order {
        id: format!("o{i}"),
        date: chipexport_domain::parse_date("2026-03-01").expect("date"),
        item: ItemFacts {
            catalog_id: Some("nvidia-h20-hgx-96gb".into()),
            model: "H20".into(),
            tpp: Some(2368.0),
            performance_density: Some(2.9),
            memory_bandwidth_gbps: Some(4000.0),
            interconnect_gbps: Some(900.0),
        },
        eccn: None,
        destination: Country::parse("CN").expect("CN"),
        consignee: Some("Alibaba Cloud Co. Ltd".into()),
        end_user: Some("ALIBABA CLOUD LIMITED".into()),
        units: 1,
        value: Decimal::from(12_000),
    }
}

/// Running balances per licence line, as `screen --licences` keeps them
/// (the licences have no volume cap, so nothing asks what shipped).
struct Balances(HashMap<(String, usize), Drawn>);

impl History for Balances {
    fn drawn(&self, licence: &str, line: usize) -> Drawn {
        self.0
            .get(&(licence.to_string(), line))
            .copied()
            .unwrap_or_default()
    }
    fn shipped(&self, _: &str, _: &str, _: Date, _: Date) -> u64 {
        0
    }
}

fn bench(c: &mut Criterion) {
    let ls = licences();
    let matcher = Matcher::new(&ls, &[]);
    c.bench_function(
        "drawdown: one order against 10 licences, running balances",
        |b| {
            let mut balances = Balances(HashMap::new());
            let mut i = 0u64;
            b.iter(|| {
                i += 1;
                let o = order(i);
                let m = matcher.determine(&balances, &o);
                if let Some(a) = &m.applied {
                    let e = balances.0.entry((a.number.clone(), a.line)).or_default();
                    e.units += o.units;
                    e.value += o.value;
                }
                std::hint::black_box(m)
            });
        },
    );
    let draws: Vec<Drawdown> = (0..10_000u64)
        .map(|i| Drawdown {
            licence: "D0000000".into(),
            line: 0,
            order: format!("o{i}"),
            date: chipexport_domain::parse_date(&format!("2026-{:02}-01", 1 + i % 12))
                .expect("date"),
            units: 1,
            value: Decimal::from(12_000),
            customs_value: None,
            model: None,
        })
        .collect();
    let today = chipexport_domain::parse_date("2026-11-29").expect("date");
    c.bench_function("account: a licence with 10,000 drawdowns", |b| {
        b.iter(|| std::hint::black_box(account(&ls[0], &draws, today)));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
