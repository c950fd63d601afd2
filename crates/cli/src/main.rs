//! The `chipexport` command: parses the command line, runs the command
//! through the application layer, prints the answer, and maps errors to
//! exit codes by fault (see `chipexport --help`).
#![warn(clippy::too_many_lines)]

mod args;
mod cli;
mod commands;
mod progress;
mod text;

use std::io::Write as _;
use std::process::ExitCode;

use chipexport::{Clock, Error};
use clap::Parser;

use crate::cli::{Cli, ErrorFormat};

/// mimalloc instead of the system allocator: explanations, answers and
/// ledgers allocate many small strings, and glibc's malloc was a fifth of
/// the service's CPU time (see bench/RESULTS.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn report(e: &Error, fmt: ErrorFormat) {
    let mut err = std::io::stderr().lock();
    if fmt == ErrorFormat::Json {
        let _ = writeln!(
            err,
            "{}",
            serde_json::to_string(&e.report()).unwrap_or_default()
        );
        return;
    }
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
    if e.located_errors().is_empty() {
        let _ = write!(err, "error: {}", e.message());
        if !e.help().is_empty() {
            let _ = write!(err, "\n  help: {}", e.help());
        }
        let mut cause = std::error::Error::source(e);
        while let Some(c) = cause {
            let _ = write!(err, "\n  caused by: {c}");
            cause = c.source();
        }
        let _ = writeln!(err);
        if e.fault() == chipexport::Fault::Bug {
            let _ = writeln!(err, "  this is a bug in chipexport; please report it");
        }
        return;
    }
    for d in e.located_errors() {
        let mut s = String::new();
        if handler.render_report(&mut s, d).is_ok() {
            let _ = writeln!(err, "{}: {s}", d.location());
        } else {
            let _ = writeln!(err, "error: {}: {}", d.location(), d.message);
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let run = Clock::from_env()
        .and_then(|clock| commands::Ctx::new(&cli.command, cli.format, clock))
        .and_then(|ctx| commands::run(&cli.command, &ctx));
    match run {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(out.text.as_bytes());
            if !out.text.ends_with('\n') {
                let _ = stdout.write_all(b"\n");
            }
            ExitCode::from(out.code)
        }
        Err(e) => {
            report(&e, cli.error_format);
            ExitCode::from(e.fault().exit_code())
        }
    }
}
