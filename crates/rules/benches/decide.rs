//! Benchmarks: one determination in-process (outcome only, and with its
//! full explanation), a timeline, and loading every pack, with the
//! allocator of the `chipexport` binary (mimalloc). Run with `cargo bench -p chipexport-rules`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chipexport_catalog::Catalog;
use chipexport_domain::{Country, Date};
use chipexport_rules::{ItemFacts, Mode, Question, RuleSet};
use criterion::{Criterion, criterion_group, criterion_main};

/// The allocator the `chipexport` binary ships with, so that the figures
/// are the binary's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn question(cat: &Catalog, chip: &str, to: &str, on: &str) -> Question {
    let e = cat.lookup(chip).expect("catalog entry");
    let dest = Country::parse(to).expect("country");
    Question {
        item: ItemFacts::from_spec(&e.spec, &e.metrics),
        destination: dest,
        end_user_hq: dest,
        exported_from: Country::us(),
        on: on.parse::<Date>().expect("date"),
        buyer_type: None,
        exporter_role: None,
        subject_to_ear: None,
        mode: Mode::Enforced,
        with_packs: Vec::new(),
        parties: Default::default(),
        known_as_of: None,
        min_confidence: None,
    }
}

fn bench(c: &mut Criterion) {
    let rs = RuleSet::embedded().expect("rules load");
    let cat = Catalog::embedded().expect("catalog loads");
    let h20 = question(&cat, "H20", "CN", "2025-09-01");
    let h100 = question(&cat, "H100", "SG", "2024-06-01");
    c.bench_function("determine/h20-cn-2025-09-01", |b| {
        b.iter(|| std::hint::black_box(rs.determine(std::hint::black_box(&h20))))
    });
    c.bench_function("determine/h100-sg-2024-06-01", |b| {
        b.iter(|| std::hint::black_box(rs.determine(std::hint::black_box(&h100))))
    });
    let plan = rs.plan(h20.on, h20.mode, &h20.with_packs);
    c.bench_function("determine_with_plan/h20-cn-2025-09-01", |b| {
        b.iter(|| std::hint::black_box(rs.determine_with(std::hint::black_box(&h20), &plan)))
    });
    // The plan batch screening caches per interval and item (see
    // `chipexport_rules::partial`).
    for (name, q) in [("h20-cn-2025-09-01", &h20), ("h100-sg-2024-06-01", &h100)] {
        let plan = rs.plan(q.on, q.mode, &q.with_packs);
        let item_plan = rs.item_plan(&plan, &q.item, q.on, None);
        c.bench_function(&format!("determine_with_item_plan/{name}"), |b| {
            b.iter(|| std::hint::black_box(rs.determine_with(std::hint::black_box(q), &item_plan)))
        });
    }
    c.bench_function("decide/h20-cn-2025-09-01", |b| {
        b.iter(|| std::hint::black_box(rs.decide(std::hint::black_box(&h20))))
    });
    c.bench_function("decide/h100-sg-2024-06-01", |b| {
        b.iter(|| std::hint::black_box(rs.decide(std::hint::black_box(&h100))))
    });
    c.bench_function("timeline/h20-cn", |b| {
        b.iter(|| std::hint::black_box(rs.timeline(&h20, Date::constant(2022, 1, 1), None)))
    });
    c.bench_function("load/all-packs", |b| {
        b.iter(|| std::hint::black_box(RuleSet::embedded().expect("rules load")))
    });
    c.bench_function("load/catalog", |b| {
        b.iter(|| std::hint::black_box(Catalog::embedded().expect("catalog loads")))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
