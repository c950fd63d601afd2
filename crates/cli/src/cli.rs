//! The command line: global options and the commands, each defined in its
//! own module under `commands/`.

use clap::{Parser, Subcommand, ValueEnum};

use crate::commands;

const AFTER_HELP: &str = "\
EXIT CODES:
    0   answered
    1   bad input (a spec, a flag value, an unknown chip or country)
    2   usage error (unknown flag or missing argument)
    3   invalid rule packs or reference data
    4   internal error (a bug in chipexport: please report it)
    5   the environment (a locked or full database, an unreadable data
        directory, a database server that is down)
   10   with `check --exit-code`: answered, and a US licence is required
   11   with `check --exit-code`: cannot decide (facts are missing)
   12   with `check --exit-code`: outside what the rules encode

ERRORS:
    --error-format json prints {\"errors\": [...]} on standard error, each
    with its message, help, fault (input, rules, environment, bug) and,
    where known, its field, file, line, column and key.

DATES:
    Every answer is for a date. `--on` defaults to today (UTC); set
    CHIPEXPORT_TODAY=YYYY-MM-DD to freeze \"today\" for reproducible runs.

EXAMPLES:
    chipexport metrics --chip H20
    chipexport check --chip H20 --to CN --on 2025-05-01
    chipexport check --spec my-design.toml --to SG --end-user-hq CN
    chipexport timeline --chip H20 --to CN
    chipexport rules list --on 2024-06-01
    chipexport rules test";

/// chipexport: may this AI accelerator go to this buyer, in this country, on
/// this date? Answers with legal citations, from export-control rules kept as
/// dated, cited data.
#[derive(Parser)]
#[command(name = "chipexport", version, about, long_about = None, after_help = AFTER_HELP)]
pub struct Cli {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    /// How errors are printed on standard error.
    #[arg(long, global = true, value_enum, default_value_t = ErrorFormat::Human)]
    pub error_format: ErrorFormat,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The output format asked for with `--format`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Text for people.
    Table,
    /// The JSON document the API returns for the same request.
    Json,
    /// CSV, for an answer that is a table: `licences report` only.
    Csv,
}

/// The format a command renders its answer in (`--format csv` reaches only
/// the command that writes CSV, as [`crate::commands::Ctx::csv`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum OutFormat {
    /// Text for people.
    Table,
    /// The JSON document the API returns for the same request.
    Json,
}

/// Error format.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ErrorFormat {
    /// Text for people, with the source line of a located error.
    Human,
    /// `{"errors": [...]}`.
    Json,
}

/// The commands.
#[derive(Subcommand)]
pub enum Command {
    /// Control metrics of a chip (TPP, performance density, bandwidths),
    /// with the arithmetic and the source of every input.
    Metrics(commands::metrics::Args),
    /// The chip catalog.
    #[command(subcommand)]
    Chips(commands::chips::Command),
    /// May this chip go to this destination and buyer on this date?
    Check(commands::check::Args),
    /// How the answer changes over time: intervals with the instrument that
    /// opened each.
    Timeline(commands::timeline::Args),
    /// How much performance fits under the lines: for each knob, the limit
    /// that keeps a target outcome, the margin, and the rule that binds.
    Headroom(commands::headroom::Args),
    /// Chips side by side for one destination and date: metrics, US status,
    /// the destination's measures, and the verdict.
    Compare(commands::compare::Args),
    /// The TPP x performance-density plane decided region by region for a
    /// destination and date, with every catalog chip's outcome (the web
    /// UI's chart, as data).
    Chart(commands::chart::Args),
    /// The rule changes in the next days (instruments taking effect or
    /// ending, enforcement and country-group changes), with the answers
    /// they would change for a chip or a ledger of open orders.
    Upcoming(commands::upcoming::Args),
    /// The rule packs: list, show, test, the SQL export, the reference.
    #[command(subcommand)]
    Rules(commands::rules::Command),
    /// Screen an order ledger (CSV, Parquet or JSON Lines): every row gets
    /// the answer `check` gives, plus an `error` column when it cannot be
    /// decided.
    Screen(commands::screen::Args),
    /// The impact of a rule change on a ledger: orders that change outcome,
    /// and units and value newly needing a licence, newly facing a
    /// presumption of denial, newly owing a revenue share, or freed.
    Impact(commands::impact::Args),
    /// Order ledgers: generate synthetic ones for tests and benchmarks.
    #[command(subcommand)]
    Ledger(commands::ledger::Command),
    /// Restricted-party screening: a name against the Consolidated
    /// Screening List (screen), or a newer list into a data directory
    /// (import). `check --buyer/--end-user/--consignee` screens the
    /// parties of a question.
    #[command(subcommand)]
    Parties(commands::parties::Command),
    /// Where is the chip: verify signed delay measurements against the
    /// fleet record (landmarks; chips with licence, site and key), look up
    /// the latest verification, simulate a fleet.
    #[command(subcommand)]
    Locate(commands::locate::Command),
    /// Export licences: record them (add), list and show them with their
    /// balances, report what they owe, and list those a rule change
    /// affects. `check --data DIR` matches a question to them; `screen
    /// --licences DIR` draws a ledger down against them.
    #[command(subcommand)]
    Licences(commands::licences::Command),
    /// The decision log: verify its hash chain, replay an entry.
    #[command(subcommand)]
    Audit(commands::audit::Command),
    /// Serve the web UI (chart, chip, check, rules and ledger pages) and the
    /// JSON API (under /api/v1, described at /api/v1/openapi.json), recording
    /// every decision in the data directory's decision log.
    ///
    /// Reading is open; uploading a ledger needs the service's token: the
    /// value of CHIPEXPORT_TOKEN, else DATA/token, else a new random token
    /// written there. The address printed at start carries it.
    Serve(commands::serve::Args),
}
