//! `chipexport chart`: the decided TPP × performance-density plane and
//! every catalog chip's outcome (the data behind the web UI's chart).

use std::fmt::Write as _;

use chipexport::Result;
use chipexport::chart::{ChartReport, ChartRequest};
use chipexport_domain::fmt_num;

use super::{Ctx, Output, render};

/// The options of `chart`.
#[derive(clap::Args)]
pub struct Args {
    /// Destination country.
    #[arg(long, default_value = "CN")]
    to: String,
    /// Headquarters of the end user [default: the destination].
    #[arg(long)]
    end_user_hq: Option<String>,
    /// Date, YYYY-MM-DD [default: today].
    #[arg(long)]
    on: Option<String>,
    /// The memory bandwidth the regions assume, GB/s.
    #[arg(long, default_value_t = chipexport::chart::DEFAULT_MEMORY_BANDWIDTH_GBPS)]
    memory_bandwidth_gbps: f64,
    /// The interconnect bandwidth the regions assume, GB/s.
    #[arg(long, default_value_t = chipexport::chart::DEFAULT_INTERCONNECT_GBPS)]
    interconnect_gbps: f64,
}

impl Args {
    /// The request these options make (the API's `GET /api/v1/chart`).
    pub fn request(&self) -> ChartRequest {
        ChartRequest {
            on: self.on.clone(),
            to: Some(self.to.clone()),
            end_user_hq: self.end_user_hq.clone(),
            memory_bandwidth_gbps: Some(self.memory_bandwidth_gbps),
            interconnect_gbps: Some(self.interconnect_gbps),
        }
    }
}

/// Runs `chart`.
pub fn run(a: &Args, ctx: &Ctx) -> Result<Output> {
    let app = chipexport::App::embedded()?;
    render(ctx, &app.chart(&a.request(), ctx.clock.today())?, table)
}

fn table(r: &ChartReport) -> String {
    let m = &r.map;
    let mut o = format!(
        "Regions for {} ({}) on {}\n\n",
        m.destination.name(),
        m.destination,
        m.on
    );
    for c in &m.cells {
        let outcome = match (&c.review_policy, c.license_required) {
            (_, None) => "cannot decide".to_string(),
            (_, Some(false)) => "no licence".to_string(),
            (Some(p), Some(true)) => format!("licence ({p})"),
            (None, Some(true)) => "licence".to_string(),
        };
        let _ = writeln!(
            o,
            "  TPP {:>6}..{:<6}  PD {:>5}..{:<5}  {}  {outcome}{}",
            fmt_num(c.x0),
            fmt_num(c.x1),
            fmt_num(c.y0),
            fmt_num(c.y1),
            c.eccn,
            if c.undetermined.is_empty() {
                ""
            } else {
                "  (undetermined rules)"
            }
        );
    }
    o.push_str("\nCHIPS\n");
    for c in &r.chips {
        let outcome = match c.license_required {
            Some(true) => "licence required",
            Some(false) => "no licence",
            None => "cannot decide",
        };
        let _ = writeln!(o, "  {:<34} {:<12} {outcome}", c.id, c.eccn);
    }
    let _ = writeln!(
        o,
        "\n{} chips shown, {} without figures; rule set {} (sha256 {})",
        r.chips.len(),
        r.not_shown,
        r.rule_set.id,
        r.rule_set.hash
    );
    o
}
