//! One module per command: its options, and a `run` that calls the
//! application layer and renders the typed answer as text or as the JSON
//! the API returns.

pub mod audit;
pub mod brief;
pub mod chart;
pub mod check;
pub mod chips;
pub mod compare;
pub mod engine;
pub mod headroom;
pub mod impact;
pub mod ledger;
pub mod licences;
pub mod locate;
pub mod metrics;
pub mod parties;
pub mod rules;
pub mod screen;
pub mod serve;
pub mod timeline;
pub mod upcoming;

use chipexport::{Clock, Error, Result};
use serde::Serialize;

use crate::cli::{Command, FormatArg, OutFormat};

/// What every command gets.
pub struct Ctx {
    /// The output format (`Table` with `--format csv`).
    pub format: OutFormat,
    /// `--format csv`, which only the commands that write CSV (`licences
    /// report`) are given: [`Ctx::new`] refuses it for any other.
    pub csv: bool,
    /// Where "today" comes from.
    pub clock: Clock,
}

impl Ctx {
    /// The context of `command` with the `--format` asked for; `--format
    /// csv` for a command that writes no CSV is refused here, before the
    /// command runs (and records anything).
    pub fn new(command: &Command, format: FormatArg, clock: Clock) -> Result<Ctx> {
        let writes_csv = matches!(command, Command::Licences(licences::Command::Report { .. }));
        let (format, csv) = match format {
            FormatArg::Table => (OutFormat::Table, false),
            FormatArg::Json => (OutFormat::Json, false),
            FormatArg::Csv if writes_csv => (OutFormat::Table, true),
            FormatArg::Csv => {
                return Err(Error::input(
                    "--format csv is for `licences report` only",
                    "give this command --format table or --format json",
                )
                .with_field("format"));
            }
        };
        Ok(Ctx { format, csv, clock })
    }
}

/// What a command prints on standard output, and its exit code.
pub struct Output {
    /// The text (a trailing newline is added if missing).
    pub text: String,
    /// The exit code.
    pub code: u8,
}

impl Output {
    /// Text with exit code 0.
    pub fn text(text: impl Into<String>) -> Output {
        Output {
            text: text.into(),
            code: 0,
        }
    }

    /// The same output with another exit code.
    #[must_use]
    pub fn with_code(mut self, code: u8) -> Output {
        self.code = code;
        self
    }
}

/// Renders a typed answer: its JSON, or the text `table` makes of it.
pub fn render<T: Serialize>(
    ctx: &Ctx,
    value: &T,
    table: impl FnOnce(&T) -> String,
) -> Result<Output> {
    Ok(Output::text(match ctx.format {
        OutFormat::Json => json(value)?,
        OutFormat::Table => table(value),
    }))
}

/// Pretty JSON.
pub fn json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string_pretty(value)
        .map_err(|e| Error::bug(format!("cannot serialise the answer: {e}")))
}

/// A multi-threaded async runtime; `stack` sets the worker threads' stack
/// size in bytes.
pub fn runtime(stack: Option<usize>) -> Result<tokio::runtime::Runtime> {
    let mut b = tokio::runtime::Builder::new_multi_thread();
    if let Some(s) = stack {
        b.thread_stack_size(s);
    }
    b.enable_all().build().map_err(|e| {
        Error::environment(
            format!("cannot start the async runtime: {e}"),
            "check the process limits",
        )
        .with_source(e)
    })
}

/// Runs a command.
pub fn run(command: &Command, ctx: &Ctx) -> Result<Output> {
    match command {
        Command::Metrics(a) => metrics::run(a, ctx),
        Command::Chips(c) => chips::run(c, ctx),
        Command::Check(a) => check::run(a, ctx),
        Command::Timeline(a) => timeline::run(a, ctx),
        Command::Headroom(a) => headroom::run(a, ctx),
        Command::Compare(a) => compare::run(a, ctx),
        Command::Chart(a) => chart::run(a, ctx),
        Command::Rules(c) => rules::run(c, ctx),
        Command::Screen(a) => screen::run(a, ctx),
        Command::Impact(a) => impact::run(a, ctx),
        Command::Ledger(c) => ledger::run(c, ctx),
        Command::Audit(c) => audit::run(c, ctx),
        Command::Serve(a) => serve::run(a, ctx),
        Command::Upcoming(a) => upcoming::run(a, ctx),
        Command::Parties(c) => parties::run(c, ctx),
        Command::Locate(c) => locate::run(c, ctx),
        Command::Licences(c) => licences::run(c, ctx),
    }
}
