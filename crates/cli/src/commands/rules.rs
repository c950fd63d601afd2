//! `chipexport rules`: the packs, their test cases, the SQL export and the
//! reference page.

use std::fmt::Write as _;
use std::path::PathBuf;

use chipexport::Result;
use chipexport::question::date;
use chipexport::rules::{CoverageReport, RulesList, RulesTestReport};
use chipexport_rules::pack::{Pack, Status};
use chipexport_rules::sql::Dialect;

use super::{Ctx, Output, render};
use crate::args::choice;
use crate::cli::OutFormat;

/// The `rules` subcommands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// The packs, or those in force on a date.
    List {
        /// Only packs in force on this date.
        #[arg(long)]
        on: Option<String>,
    },
    /// One pack with its rules and citations.
    Show {
        /// Pack id (see `rules list`).
        id: String,
    },
    /// The rules reference page in Markdown (docs/rules-reference.md).
    Doc,
    /// What the packs encode, per jurisdiction and regime, from when; and
    /// the gaps where an answer is `outside_coverage`.
    Coverage,
    /// The whole decision as one SQL query over a table `ledger`, for a SQL
    /// engine of your own (the same answers as `screen`).
    Sql {
        /// SQL dialect.
        #[arg(long, default_value = "ansi", value_parser = choice::<Dialect>())]
        dialect: Dialect,
        /// Apply instruments as printed, even those not enforced.
        #[arg(long)]
        as_written: bool,
        /// Also apply a proposed instrument (a bill) by pack id.
        #[arg(long = "with-pack", value_name = "PACK_ID")]
        with_packs: Vec<String>,
    },
    /// Run every pack's own test cases.
    Test {
        /// Only this pack.
        #[arg(long)]
        pack: Option<String>,
        /// Also load these pack files.
        #[arg(long = "rules", value_name = "FILE")]
        rule_files: Vec<PathBuf>,
    },
}

/// Runs a `rules` subcommand.
pub fn run(c: &Command, ctx: &Ctx) -> Result<Output> {
    match c {
        Command::List { on } => {
            let app = chipexport::App::embedded()?;
            let on = on.as_deref().map(|d| date("on", d)).transpose()?;
            render(ctx, &app.rules_list(on), list)
        }
        Command::Show { id } => {
            let app = chipexport::App::embedded()?;
            render(ctx, app.pack(id)?, show)
        }
        Command::Doc => Ok(Output::text(chipexport::App::embedded()?.rules_doc())),
        Command::Coverage => render(
            ctx,
            &chipexport::App::embedded()?.rules_coverage()?,
            coverage,
        ),
        Command::Sql {
            dialect,
            as_written,
            with_packs,
        } => {
            let app = chipexport::App::embedded()?;
            let mode = if *as_written {
                chipexport::Mode::AsWritten
            } else {
                chipexport::Mode::Enforced
            };
            let export = app.rules_sql(*dialect, mode, with_packs)?;
            match ctx.format {
                OutFormat::Json => render(ctx, &export, |_| String::new()),
                OutFormat::Table => Ok(Output::text(export.text())),
            }
        }
        Command::Test { pack, rule_files } => {
            let app = chipexport::App::with_rule_files(rule_files)?;
            let r = app.rules_test(pack.as_deref())?;
            let code = if r.all_passed() { 0 } else { 1 };
            Ok(render(ctx, &r, test_table)?.with_code(code))
        }
    }
}

fn coverage(c: &CoverageReport) -> String {
    let mut o = String::from("ENCODED\n");
    for r in &c.regimes {
        let _ = writeln!(o, "  {:<3} from {}  {}", r.jurisdiction, r.from, r.name);
        for e in &r.encodes {
            let _ = writeln!(o, "        + {e}");
        }
        for e in &r.not_encoded {
            let _ = writeln!(o, "        - not encoded: {e}");
        }
    }
    o.push_str(
        "\nGAPS (answers here are `outside_coverage`, unless a licence is already required)\n",
    );
    for g in &c.gaps {
        let to: Vec<&str> = g.destinations.iter().map(|d| d.as_str()).collect();
        let from = g
            .from
            .map_or("any date".to_string(), |f| format!("from {f}"));
        let _ = writeln!(
            o,
            "  {:<3} {}  to {} ({from})",
            g.jurisdiction,
            g.regime,
            to.join(", ")
        );
        let _ = writeln!(o, "        {}", g.missing);
    }
    let _ = writeln!(
        o,
        "\nrule set {} (sha256 {})",
        c.rule_set.id, c.rule_set.hash
    );
    o
}

fn list(l: &RulesList) -> String {
    let mut o = String::new();
    for p in &l.packs {
        let m = &p.meta;
        let until = m.until.map_or(String::new(), |u| format!(" until {u}"));
        let enf = if m.enforcement.iter().any(|e| !e.enforced) {
            " [not enforced from a date: see show]"
        } else {
            ""
        };
        let open = m.open_end.as_ref().map_or(String::new(), |e| {
            format!(" [open end: status unknown after {}]", e.after)
        });
        let status = if m.kind.is_context() {
            "context note, not law"
        } else if m.status == Status::Proposed {
            "proposed, not in force"
        } else {
            "in force"
        };
        let _ = writeln!(
            o,
            "{}  {:<44} {} {}{until}{enf}{open}\n    {} ({}, {}; {status})",
            m.effective,
            m.id,
            m.kind.as_str(),
            m.confidence,
            m.short,
            m.authority,
            m.citation.short()
        );
    }
    let _ = writeln!(
        o,
        "\n{} packs; rule set {} (sha256 {})",
        l.packs.len(),
        l.rule_set.id,
        l.rule_set.hash
    );
    o
}

fn show(p: &Pack) -> String {
    let m = &p.meta;
    let mut o = format!("{}\n{}\n\n", m.id, m.title);
    let status = if m.kind.is_context() {
        "context note, not law"
    } else if m.status == Status::Proposed {
        "proposed"
    } else {
        "in force"
    };
    let until = m.until.map_or(String::new(), |u| format!(" until {u}"));
    let _ = writeln!(o, "  kind:       {} ({status})", m.kind.as_str());
    let _ = writeln!(o, "  authority:  {}, {}", m.authority, m.jurisdiction);
    let _ = writeln!(o, "  published:  {}", m.published);
    let _ = writeln!(o, "  effective:  {}{until}", m.effective);
    let _ = writeln!(o, "  confidence: {}", m.confidence);
    let _ = writeln!(o, "  citation:   {}", m.citation.short());
    for c in m.citation.cfr.iter().chain(&m.citation.urls) {
        let _ = writeln!(o, "              {c}");
    }
    for e in &m.enforcement {
        let _ = writeln!(o, "  enforcement {} ({})", e.describe(), e.citation);
    }
    if let Some(e) = &m.open_end {
        let _ = writeln!(
            o,
            "  open end:   status unknown after {}: {}",
            e.after, e.note
        );
        for f in &e.settle {
            let _ = writeln!(o, "              settled by: {f}");
        }
    }
    let _ = write!(o, "\n  {}\n\nRULES\n", m.summary);
    for r in &p.rules {
        let until = r.until.map_or(String::new(), |u| format!("; until {u}"));
        let _ = writeln!(
            o,
            "  {} [{}; {}]\n    when {}\n    then {}\n    {} ({}{until})",
            r.local_id,
            r.slot.as_str(),
            r.confidence,
            chipexport_rules::expr::render(&r.predicate),
            serde_json::to_string(&r.then).unwrap_or_default(),
            r.paragraph,
            r.text,
        );
        if !r.overrides.is_empty() {
            let _ = writeln!(o, "    exception to: {}", r.overrides.join(", "));
        }
    }
    let _ = writeln!(
        o,
        "\n{} test cases (chipexport rules test --pack {})",
        p.tests.len(),
        m.id
    );
    o
}

fn test_table(r: &RulesTestReport) -> String {
    let mut o = String::new();
    for c in &r.cases {
        if c.passed() {
            let _ = writeln!(o, "ok    {}  {}", c.pack, c.name);
        } else {
            let line = c.line.map_or(String::new(), |l| l.to_string());
            let _ = writeln!(o, "FAIL  {}  {}  ({}:{line})", c.pack, c.name, c.file);
            for f in &c.failures {
                let _ = writeln!(o, "        {f}");
            }
        }
    }
    for u in &r.untested_packs {
        let _ = writeln!(o, "FAIL  {u}  has no test cases");
    }
    let _ = writeln!(
        o,
        "\n{} passed, {} failed",
        r.passed,
        r.failed + r.untested_packs.len()
    );
    o
}
