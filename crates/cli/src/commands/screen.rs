//! `chipexport screen`: every order of a ledger decided as `check` decides
//! it; or the exported decision query on DataFusion or Ballista.

use std::fmt::Write as _;
use std::path::PathBuf;

use chipexport::Result;
use chipexport::audit::LogLocation;
use chipexport::ledger::{ScreenReport, ScreenRequest};

use super::{Ctx, Output, render};
use crate::args::RulesArgs;

/// The options of `screen`.
#[derive(clap::Args)]
pub struct Args {
    /// The ledger to screen (.csv, .parquet or .jsonl).
    pub ledger: PathBuf,
    /// Where to write the screened ledger (.csv, .parquet or .jsonl).
    #[arg(long)]
    pub out: PathBuf,
    /// Evaluate every order on this date instead of its ship_date.
    #[arg(long)]
    pub on: Option<String>,
    #[command(flatten)]
    pub rules: RulesArgs,
    /// native: chipexport's own screening, every column. datafusion: the
    /// exported decision query (`rules sql`) on Apache DataFusion, writing
    /// its columns. ballista: that query on a Ballista cluster (--scheduler).
    /// The last two need a build with `--features datafusion` or `ballista`.
    #[arg(long, value_enum, default_value_t = Engine::Native)]
    pub engine: Engine,
    /// With --engine ballista: the cluster's scheduler, df://HOST:PORT. The
    /// ledger must be readable at the same path by every executor.
    #[arg(
        long,
        value_name = "df://HOST:PORT",
        required_if_eq("engine", "ballista")
    )]
    pub scheduler: Option<String>,
    /// With --engine datafusion or ballista: compare every order with this
    /// output of a native `screen` run; exit 1 if any differs.
    #[arg(long, value_name = "SCREENED")]
    pub compare_with: Option<PathBuf>,
    /// Record the run (the ledger's name and sha256, the output's sha256,
    /// the rule set and the summary) in the decision log of this data
    /// directory (native engine only).
    #[arg(long, value_name = "DIR", conflicts_with = "compare_with")]
    pub log: Option<PathBuf>,
    /// Decide without the parties: the names in `customer`, `end_user` and
    /// `consignee` are not screened (the party columns stay empty), as the
    /// exported query (`rules sql`, --engine datafusion) decides.
    #[arg(long)]
    pub no_parties: bool,
    /// Screen the parties with the list imported into this data directory
    /// and the reviewers' decisions in its log [default: the --log
    /// directory, else the embedded list without decisions].
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Draw the orders that need a licence down against the licences of
    /// this data directory, in ship-date order, recording each drawdown;
    /// adds the columns licence, licence_status, licence_remaining_units,
    /// licence_remaining_value and licence_reason (native engine only).
    #[arg(long, value_name = "DIR", conflicts_with = "compare_with")]
    pub licences: Option<PathBuf>,
    /// With --licences: the licence book is in PostgreSQL at this URL
    /// instead of the directory (needs a build with `--features
    /// postgres`). The decision log of --log stays in its directory.
    #[arg(long, env = "CHIPEXPORT_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
}

/// The engine that screens.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// chipexport's own screening.
    Native,
    /// The exported query on Apache DataFusion.
    Datafusion,
    /// The exported query on a Ballista cluster.
    Ballista,
}

/// Runs `screen`.
pub fn run(a: &Args, ctx: &Ctx) -> Result<Output> {
    if a.engine != Engine::Native || a.compare_with.is_some() {
        if a.log.is_some() || a.licences.is_some() {
            return Err(chipexport::Error::input(
                "--log and --licences work with native screening only",
                "drop --log, or screen with --engine native",
            )
            .with_field(if a.log.is_some() { "log" } else { "licences" }));
        }
        return super::engine::run(a, ctx);
    }
    let mut app = a.rules.app()?;
    if let Some(dir) = a.data.as_ref().or(a.log.as_ref()) {
        app = app.with_screening_data(dir);
    }
    let req = ScreenRequest {
        ledger: a.ledger.clone(),
        out: a.out.clone(),
        on: a
            .on
            .as_deref()
            .map(|d| chipexport::question::date("on", d))
            .transpose()?,
        mode: a.rules.mode(),
        with_packs: a.rules.with_packs.clone(),
        parties: !a.no_parties,
    };
    let bar = crate::progress::bar();
    let r = app.screen(&req, &mut |n| bar.set_position(n))?;
    bar.finish_and_clear();
    if let Some(dir) = &a.licences {
        let at = LogLocation::dir(dir).with_database_url(a.database_url.clone());
        let d = app.licence_screen(&at, &a.ledger, &a.out, &chipexport::clock::now_rfc3339())?;
        eprintln!(
            "{}",
            super::licences::drawn_text(&d, &at.describe_licences())
        );
    }
    if let Some(dir) = &a.log {
        let name = a.ledger.file_name().map_or_else(
            || a.ledger.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let entry = chipexport::audit::screen_entry(&app, &req, &name, &r)?;
        let id = chipexport::audit::record(&LogLocation::dir(dir), vec![entry])?;
        eprintln!("recorded as decision {id} in {}", dir.display());
    }
    render(ctx, &r, table)
}

fn table(r: &ScreenReport) -> String {
    let s = &r.summary;
    let mut o = format!(
        "screened {} rows into {} in {:.2} s ({:.0} rows/s)\n",
        s.rows,
        r.out.display(),
        r.seconds,
        s.rows as f64 / r.seconds.max(1e-9)
    );
    let _ = writeln!(o, "  licence required: {}", s.license_required);
    let _ = writeln!(o, "  no licence required: {}", s.not_required);
    let _ = writeln!(o, "  cannot decide (facts missing): {}", s.undetermined);
    if s.outside_coverage > 0 {
        let _ = writeln!(o, "  outside coverage: {}", s.outside_coverage);
    }
    let _ = writeln!(o, "  presumption of denial: {}", s.presumption_of_denial);
    let _ = writeln!(o, "  with a revenue share: {}", s.with_revenue_share);
    let _ = writeln!(o, "  rows with an error: {}", s.rows_with_error);
    for (k, v) in &s.errors {
        let _ = writeln!(o, "    {k}: {v}");
    }
    if let Some(p) = &s.parties {
        let _ = writeln!(
            o,
            "  parties screened in {} orders ({} distinct names, list of {}): {} with a listed party, {} with a possible match to review",
            p.orders_screened,
            p.distinct_names,
            p.list_date.map_or_else(String::new, |d| d.to_string()),
            p.with_listed_party,
            p.with_possible_match
        );
        if let Some(w) = &p.warning {
            let _ = writeln!(o, "  warning: {w}");
        }
    }
    let _ = writeln!(
        o,
        "  distinct questions: {}, distinct answers: {}\n  rule set sha256 {}",
        s.distinct_questions, s.distinct_answers, s.rule_set_hash
    );
    o
}
