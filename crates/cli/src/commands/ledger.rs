//! `chipexport ledger`: synthetic order books.

use std::path::PathBuf;

use chipexport::Result;
use chipexport_batch::generate::Profile;

use super::{Ctx, Output};
use crate::args::choice;

/// The `ledger` subcommands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Write a synthetic ledger (made-up orders; deterministic per seed).
    Generate {
        /// Number of rows.
        #[arg(long)]
        rows: u64,
        /// Output file (.csv, .parquet or .jsonl).
        #[arg(long)]
        out: PathBuf,
        /// The random seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The kind of order book.
        #[arg(long, default_value = "mixed", value_parser = choice::<Profile>())]
        profile: Profile,
    },
}

/// Runs a `ledger` subcommand.
pub fn run(c: &Command, _ctx: &Ctx) -> Result<Output> {
    match c {
        Command::Generate {
            rows,
            out,
            seed,
            profile,
        } => {
            chipexport::App::embedded()?.generate(*profile, *rows, *seed, out)?;
            Ok(Output::text(format!(
                "wrote {rows} synthetic orders to {}",
                out.display()
            )))
        }
    }
}
