//! `chipexport audit`: the decision log: its entries (list, show, export),
//! its hash chain, and replays.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use chipexport::audit::ReplayReport;
use chipexport::trail::{AuditEntry, AuditEntryDetail, AuditList, ExportRequest, ListRequest};
use chipexport::{Error, Result};

use super::{Ctx, Output, json, render};
use crate::args::LogArgs;
use crate::cli::OutFormat;

/// Which entries: by kind and by the date they were recorded.
#[derive(clap::Args)]
pub struct Filter {
    /// Only entries of this kind.
    #[arg(long, value_parser = ["check", "screen"])]
    kind: Option<String>,
    /// Only entries recorded on or after this date, YYYY-MM-DD (UTC).
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Only entries recorded on or before this date, YYYY-MM-DD (UTC).
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// At most this many entries, the latest [list: 100; export: all].
    #[arg(long)]
    limit: Option<u64>,
}

impl Filter {
    fn request(&self) -> ListRequest {
        ListRequest {
            kind: self.kind.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            limit: self.limit,
        }
    }
}

/// The `audit` subcommands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// List the logged decisions: id, time, kind, the question in short,
    /// the outcome, the rule set's and the entry's hashes.
    List {
        #[command(flatten)]
        filter: Filter,
        #[command(flatten)]
        log: LogArgs,
    },
    /// Show one logged decision in full, with its reviewer, order
    /// reference and note.
    Show {
        /// The entry's id.
        id: i64,
        #[command(flatten)]
        log: LogArgs,
    },
    /// Write the logged decisions to a file: .json (every entry in full)
    /// or .csv (one row per entry).
    Export {
        /// The file to write (.json or .csv).
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        filter: Filter,
        #[command(flatten)]
        log: LogArgs,
    },
    /// Check the hash chain of the decision log; names the first broken entry.
    Verify {
        #[command(flatten)]
        log: LogArgs,
    },
    /// Re-decide a logged question with today's rules (and the extra rule
    /// packs it was decided with) and show any difference. Refuses on a
    /// broken hash chain unless --allow-broken.
    Replay {
        /// The entry's id.
        id: i64,
        /// Replay even when the hash chain is broken (the report warns).
        #[arg(long)]
        allow_broken: bool,
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
        Command::List { filter, log } => render(
            ctx,
            &chipexport::trail::list(&log.location(), &filter.request())?,
            list_table,
        ),
        Command::Show { id, log } => render(
            ctx,
            &chipexport::trail::show(&log.location(), *id)?,
            show_table,
        ),
        Command::Export { out, filter, log } => {
            let req = ExportRequest {
                filter: filter.request(),
                out: out.clone(),
            };
            let r = chipexport::trail::export(&log.location(), &req)?;
            render(ctx, &r, |r| {
                format!(
                    "wrote {} entries to {} ({})",
                    r.entries,
                    r.out.display(),
                    r.format
                )
            })
        }
        Command::Verify { log } => verify(log, ctx),
        Command::Replay {
            id,
            allow_broken,
            log,
        } => {
            let app = chipexport::App::embedded()?;
            match (app.replay(&log.location(), *id, *allow_broken), ctx.format) {
                (Ok(r), _) => render(ctx, &r, replay_table),
                // JSON stays JSON on every path: a refusal is the error
                // report, with the exit code of its fault.
                (Err(e), OutFormat::Json) => {
                    Ok(Output::text(json(&e.report())?).with_code(e.fault().exit_code()))
                }
                (Err(e), OutFormat::Table) => Err(e),
            }
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

fn verify(log: &LogArgs, ctx: &Ctx) -> Result<Output> {
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

/// The first 12 characters of a hash.
fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// The question and outcome of an entry, in a few words.
fn summary(e: &AuditEntry) -> (String, String) {
    let question = match (&e.question, &e.screen) {
        (Some(q), _) => format!("{} to {} on {}", q.chip, q.destination, q.on),
        (None, Some(s)) => format!("ledger {}", s.input),
        (None, None) => e
            .about
            .clone()
            .or_else(|| e.unreadable.clone())
            .unwrap_or_default(),
    };
    let outcome = match (&e.outcome, &e.screen) {
        (Some(o), _) => {
            let licence = match o.license_required {
                Some(true) => "licence required",
                Some(false) => "no licence",
                None => "undetermined",
            };
            let mut s = format!("{licence}, {}", o.eccn.as_deref().unwrap_or("-"));
            if let (Some(true), Some(p)) = (o.license_required, &o.review_policy) {
                let _ = write!(s, ", {p}");
            }
            s
        }
        (None, Some(s)) => format!(
            "{} rows, {} need a licence",
            s.rows.unwrap_or_default(),
            s.license_required.unwrap_or_default()
        ),
        (None, None) => String::new(),
    };
    (question, outcome)
}

fn list_table(l: &AuditList) -> String {
    if l.entries.is_empty() {
        return "no decisions match".to_string();
    }
    let mut o = format!(
        "{:>5}  {:<20}  {:<6}  {:<40}  {:<48}  {:<12}  {}\n",
        "ID", "RECORDED (UTC)", "KIND", "QUESTION", "OUTCOME", "RULE SET", "HASH"
    );
    for e in &l.entries {
        let (q, out) = summary(e);
        // To the second: RFC 3339 without the fraction.
        let at = e
            .recorded_at
            .get(..19)
            .map_or_else(|| e.recorded_at.clone(), |s| format!("{s}Z"));
        let _ = writeln!(
            o,
            "{:>5}  {at:<20}  {:<6}  {q:<40}  {out:<48}  {:<12}  {}",
            e.id,
            e.kind,
            short(&e.rule_set_hash),
            short(&e.hash)
        );
    }
    o
}

fn show_table(d: &AuditEntryDetail) -> String {
    let e = &d.entry;
    let (q, out) = summary(e);
    let mut o = format!(
        "decision {} ({}), recorded {}\n",
        e.id, e.kind, e.recorded_at
    );
    let mut line = |k: &str, v: &str| {
        if !v.is_empty() {
            let _ = writeln!(o, "  {k:<14} {v}");
        }
    };
    line(
        if e.screen.is_some() {
            "input"
        } else {
            "question"
        },
        &q,
    );
    if let Some(qb) = &e.question {
        line("end user HQ", &qb.end_user_hq);
    }
    line("outcome", &out);
    if let Some(s) = &e.screen {
        line("input sha256", &s.input_sha256);
        line("output sha256", &s.output_sha256);
    }
    let ann = &e.annotation;
    line("reviewer", ann.reviewer.as_deref().unwrap_or_default());
    line("order ref", ann.order_ref.as_deref().unwrap_or_default());
    line("note", ann.note.as_deref().unwrap_or_default());
    for p in &d.extra_packs {
        line("extra pack", &format!("{} (sha256 {})", p.file, p.sha256));
    }
    line("rule set", &e.rule_set_hash);
    line("previous hash", &d.prev_hash);
    line("hash", &e.hash);
    o
}

fn replay_table(r: &ReplayReport) -> String {
    let q = &r.question;
    let mut o = String::new();
    if let Some(w) = &r.warning {
        let _ = writeln!(o, "warning: {w}");
    }
    let _ = write!(
        o,
        "decision {}, recorded {} with rule set {}\n  question: {} to {} (end user HQ {}) on {}\n",
        r.id, r.recorded_at, r.rule_set_then, q.chip, q.destination, q.end_user_hq, q.on
    );
    for p in &r.extra_packs {
        let _ = writeln!(o, "  with pack file {} (sha256 {})", p.file, p.sha256);
    }
    let _ = writeln!(o, "replayed with rule set {}", r.rule_set_now);
    if r.same {
        o.push_str("the same answer today\n");
    }
    for d in &r.differences {
        let _ = writeln!(o, "  {}: then {} / now {}", d.field, d.then, d.now);
    }
    o
}
