//! `chipexport metrics`: TPP, performance density and bandwidths, with the
//! arithmetic and the sources.

use std::fmt::Write as _;

use chipexport::Result;
use chipexport::chips::MetricsReport;

use super::{Ctx, Output, render};
use crate::args::ItemArgs;
use crate::text::{density, opt};

/// The options of `metrics`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    item: ItemArgs,
}

/// Runs `metrics`.
pub fn run(a: &Args, ctx: &Ctx) -> Result<Output> {
    let app = chipexport::App::embedded()?;
    let item = a.item.resolve(&app)?;
    render(ctx, &MetricsReport::of(&item), |r| table(r, &item.name))
}

/// The metrics as text, under `name`.
pub fn table(r: &MetricsReport, name: &str) -> String {
    let m = &r.metrics;
    let mut o = format!("{name}\n\n");
    let precision = m
        .tpp_precision
        .map_or(String::new(), |p| format!("  (set by {})", p.as_str()));
    let _ = writeln!(o, "  TPP                     {}{precision}", opt(m.tpp));
    let _ = writeln!(
        o,
        "  performance density     {}",
        density(m.performance_density)
    );
    let _ = writeln!(o, "  die area (applicable)   {} mm²", opt(m.die_area_mm2));
    let _ = writeln!(
        o,
        "  memory bandwidth        {} GB/s",
        opt(m.memory_bandwidth_gbps)
    );
    let _ = writeln!(
        o,
        "  interconnect            {} GB/s",
        opt(m.interconnect_gbps)
    );
    let _ = writeln!(
        o,
        "  memory + interconnect   {} GB/s",
        opt(m.memory_plus_interconnect_gbps)
    );
    let dc = r
        .datacenter
        .map_or("unknown", |b| if b { "yes" } else { "no" });
    let _ = writeln!(o, "  datacenter              {dc}");
    let d = &m.derivation;
    let _ = write!(
        o,
        "\nDERIVATION\n  {}\n  {}\n  memory + interconnect: {}\n",
        d.tpp, d.performance_density, d.memory_plus_interconnect
    );
    for n in &d.notes {
        let _ = writeln!(o, "  note: {n}");
    }
    for u in &d.unknown {
        let _ = writeln!(o, "  unknown: {u}");
    }
    if !r.confidence.is_empty() {
        o.push_str("\nCONFIDENCE\n");
        for (k, v) in &r.confidence {
            let _ = writeln!(o, "  {k}: {v}");
        }
    }
    if !r.sources.is_empty() {
        o.push_str("\nSOURCES\n");
        for s in &r.sources {
            let covers = if s.covers.is_empty() {
                String::new()
            } else {
                format!(" [{}]", s.covers.join(", "))
            };
            let note = s.note.as_ref().map_or(String::new(), |n| format!(": {n}"));
            let _ = writeln!(
                o,
                "  - {}{covers}{note}",
                s.url.as_deref().unwrap_or("(no URL)")
            );
        }
    }
    o
}
