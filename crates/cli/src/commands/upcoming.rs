//! `chipexport upcoming`: the rule changes ahead, and what they would change.

use std::fmt::Write as _;
use std::path::PathBuf;

use chipexport::Result;
use chipexport::upcoming::{DEFAULT_DAYS, UpcomingReport, UpcomingRequest};

use super::{Ctx, Output, render};

/// The options of `upcoming`.
#[derive(clap::Args)]
pub struct Args {
    /// How many days ahead to look.
    #[arg(long, default_value_t = DEFAULT_DAYS)]
    days: u32,
    /// A chip whose answer each change may alter.
    #[arg(long)]
    chip: Option<String>,
    /// The destination asked about with --chip.
    #[arg(long, requires = "chip")]
    to: Option<String>,
    /// The buyer's headquarters with --chip.
    #[arg(long, requires = "chip")]
    end_user_hq: Option<String>,
    /// A ledger (open orders) whose outcomes each change may alter.
    #[arg(long)]
    ledger: Option<PathBuf>,
}

/// Runs `upcoming`.
pub fn run(a: &Args, ctx: &Ctx) -> Result<Output> {
    let app = chipexport::App::embedded()?;
    let req = UpcomingRequest {
        days: Some(a.days),
        chip: a.chip.clone(),
        to: a.to.clone(),
        end_user_hq: a.end_user_hq.clone(),
        ledger: a.ledger.clone(),
    };
    render(ctx, &app.upcoming(&req, ctx.clock.today())?, table)
}

fn table(r: &UpcomingReport) -> String {
    let mut o = format!("Rule changes from {} to {}\n", r.today, r.until);
    if r.dates.is_empty() {
        o.push_str("\nnone known: no instrument in the rule set takes effect, ends or changes enforcement in this window\n(a future instrument that is not yet in the rule set cannot be listed)\n");
    }
    for d in &r.dates {
        let _ = writeln!(o, "\n{}", d.date);
        for c in &d.changes {
            let _ = writeln!(o, "  {c}");
        }
        if let Some(c) = &d.chip {
            if c.changed {
                let _ = writeln!(
                    o,
                    "  the chip's answer changes:\n    before: {}\n    after:  {}",
                    c.before, c.after
                );
            } else {
                let _ = writeln!(o, "  the chip's answer stays: {}", c.after);
            }
        }
        if let Some(l) = &d.ledger {
            let _ = writeln!(
                o,
                "  the ledger: {} of {} orders change outcome; {} units newly need a licence",
                l.total.orders_changed, l.rows, l.total.newly_license_required.units
            );
        }
    }
    o
}
