//! `chipexport compare`: chips side by side for one destination and date.

use std::fmt::Write as _;

use chipexport::Result;
use chipexport::compare::{CompareReport, CompareRequest};

use super::{Ctx, Output, render};
use crate::args::QuestionArgs;
use crate::text::{density, opt, with_unit};

/// The options of `compare`.
#[derive(clap::Args)]
pub struct Args {
    /// Catalog ids or model names.
    chips: Vec<String>,
    /// Also compare every catalog chip designed in the destination country
    /// (domestic supply, which needs no export).
    #[arg(long)]
    domestic: bool,
    #[command(flatten)]
    q: QuestionArgs,
    /// Date of the question, YYYY-MM-DD [default: today].
    #[arg(long)]
    on: Option<String>,
}

/// Runs `compare`.
pub fn run(a: &Args, ctx: &Ctx) -> Result<Output> {
    let app = a.q.rules.app()?;
    let req = CompareRequest {
        chips: a.chips.clone(),
        domestic: a.domestic,
        ask: a.q.ask(a.on.as_deref()),
    };
    render(ctx, &app.compare(&req, ctx.clock.today())?, table)
}

fn table(r: &CompareReport) -> String {
    let mut o = format!(
        "Chips for a buyer in {} ({}) on {}, best TPP first\n\n",
        r.destination.name(),
        r.destination,
        r.on
    );
    for c in &r.chips {
        let _ = writeln!(o, "{} [{}]", c.name, c.chip);
        let _ = writeln!(
            o,
            "  TPP {}  PD {}  memory {}  interconnect {}{}",
            opt(c.tpp),
            density(c.performance_density),
            with_unit(c.memory_bandwidth_gbps, "GB/s"),
            with_unit(c.interconnect_gbps, "GB/s"),
            if c.domestic {
                "  (domestic supply)"
            } else {
                ""
            }
        );
        for part in &c.verdict_parts {
            let _ = writeln!(o, "  {part}");
        }
        o.push('\n');
    }
    let _ = writeln!(o, "rule set {} (sha256 {})", r.rule_set.id, r.rule_set.hash);
    o
}
