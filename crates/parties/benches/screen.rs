//! Screening speed: building the index from the shipped snapshot, and one
//! name against the full list. Besides criterion's means, prints the
//! percentiles of single queries over the evaluation set (p50, p99), the
//! figures `bench/parties.md` and the README report.

#![allow(clippy::expect_used, clippy::indexing_slicing)]

use std::time::Instant;

use chipexport_parties::{DEFAULT_THRESHOLD, Index, eval};
use criterion::{Criterion, criterion_group, criterion_main};

fn percentiles(c: &mut Criterion) {
    let t = Instant::now();
    let list = chipexport_parties::embedded().expect("snapshot");
    let load = t.elapsed();
    let t = Instant::now();
    let ix = Index::build(list.clone());
    let build = t.elapsed();
    println!(
        "load (gunzip + parse) {load:?}, index build {build:?}, {} names",
        ix.names()
    );
    let cases = eval::cases(&list, 400, 2);
    let mut times: Vec<f64> = Vec::with_capacity(cases.len() * 3);
    for _ in 0..3 {
        for q in &cases {
            let t = Instant::now();
            std::hint::black_box(ix.search(&q.query, Some("CN"), DEFAULT_THRESHOLD));
            times.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    times.sort_by(f64::total_cmp);
    let p = |x: f64| times[((times.len() as f64 - 1.0) * x) as usize];
    println!(
        "single name against the full list, {} queries: p50 {:.0} µs, p95 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
        times.len(),
        p(0.5),
        p(0.95),
        p(0.99),
        p(1.0)
    );
    c.bench_function("index build", |b| b.iter(|| Index::build(list.clone())));
    c.bench_function("screen Huawei Technologies Co Ltd", |b| {
        b.iter(|| ix.search("Huawei Technologies Co Ltd", Some("CN"), DEFAULT_THRESHOLD))
    });
    c.bench_function("screen an unlisted name", |b| {
        b.iter(|| {
            ix.search(
                "Shenzhen Bright Star Electronics Co Ltd",
                None,
                DEFAULT_THRESHOLD,
            )
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = percentiles
}
criterion_main!(benches);
