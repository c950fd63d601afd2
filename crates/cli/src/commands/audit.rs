//! `chipexport audit`: the decision log's hash chain and replays.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use chipexport::audit::ReplayReport;
use chipexport::{Error, Result};

use super::{Ctx, Output, json, render};
use crate::args::LogArgs;
use crate::cli::OutFormat;

/// The `audit` subcommands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Check the hash chain of the decision log; names the first broken entry.
    Verify {
        #[command(flatten)]
        log: LogArgs,
    },
    /// Re-decide a logged question with today's rules and show any difference.
    Replay {
        /// The entry's id.
        id: i64,
        #[command(flatten)]
        log: LogArgs,
    },
    /// Append synthetic entries, printing each id once it is durable (for
    /// crash tests).
    #[command(hide = true)]
    Stress {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        count: u64,
    },
}

/// Runs an `audit` subcommand.
pub fn run(c: &Command, ctx: &Ctx) -> Result<Output> {
    match c {
        Command::Verify { log } => {
            let r = chipexport::audit::verify(&log.location())?;
            match (r.intact, ctx.format) {
                (true, OutFormat::Table) => Ok(Output::text(format!(
                    "{} decisions; the hash chain is intact",
                    r.entries
                ))),
                // JSON stays JSON on every path: a broken chain is a report
                // with `intact: false`, and exit code 1.
                (intact, OutFormat::Json) => {
                    Ok(Output::text(json(&r)?).with_code(if intact { 0 } else { 1 }))
                }
                (false, OutFormat::Table) => Err(Error::input(
                    format!(
                        "the decision log is broken at entry {}: {}",
                        r.first_broken.unwrap_or_default(),
                        r.reason.unwrap_or_default()
                    ),
                    "the log was edited outside chipexport; keep this copy as evidence and restore from a backup",
                )),
            }
        }
        Command::Replay { id, log } => {
            let app = chipexport::App::embedded()?;
            render(ctx, &app.replay(&log.location(), *id)?, replay_table)
        }
        Command::Stress { data, count } => {
            let mut out = std::io::stdout().lock();
            chipexport::audit::stress(data, *count, &mut |id| {
                let _ = writeln!(out, "{id}");
                let _ = out.flush();
            })?;
            Ok(Output::text(String::new()))
        }
    }
}

fn replay_table(r: &ReplayReport) -> String {
    let mut o = format!(
        "decision {}, recorded {} with rule set {}\nreplayed with rule set {}\n",
        r.id, r.recorded_at, r.rule_set_then, r.rule_set_now
    );
    if r.same {
        o.push_str("the same answer today\n");
    }
    for d in &r.differences {
        let _ = writeln!(o, "  {}: then {} / now {}", d.field, d.then, d.now);
    }
    o
}
