//! `chipexport licences`: record export licences in a data directory, list
//! and show them with their balances, report what they owe, and list those
//! a rule change affects.

use std::fmt::Write as _;
use std::path::PathBuf;

use chipexport::licences::changes::Affected;
use chipexport::licences::{Report, Shown, Summary, UsShipmentsRecord, UsShipmentsRequest};
use chipexport::{Error, Result};

use super::{Ctx, Output, render};
use crate::args::LogArgs;

/// The `licences` subcommands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Record a licence file (TOML, or JSON for .json); it is checked first,
    /// and a licence number is recorded once.
    Add {
        /// The licence file.
        file: PathBuf,
        #[command(flatten)]
        data: LogArgs,
    },
    /// The licences, with use and alerts.
    List {
        #[command(flatten)]
        data: LogArgs,
    },
    /// One licence: its terms, lines, balance, drawdowns, what it owes.
    Show {
        /// The licence number.
        number: String,
        #[command(flatten)]
        data: LogArgs,
    },
    /// Every licence's account: units and value drawn, revenue share and
    /// duty owed, per licence and per month, and alerts (80/90/100% use;
    /// 90/60/30 days before expiry). `--format json` for JSON; `--format
    /// csv` for CSV (one row per licence and month, a total row per
    /// licence, an `all` row; no alerts).
    Report {
        #[command(flatten)]
        data: LogArgs,
    },
    /// The holder's shipments of a model to US customers over a period, the
    /// base of a volume cap: with --model, --from, --to and --units, record
    /// them (a later record of the same model and period corrects an
    /// earlier one); without, list the records.
    UsShipments {
        /// The model, as the catalog names it (e.g. H200).
        #[arg(long, requires_all = ["from", "to", "units"])]
        model: Option<String>,
        /// The period's first day (YYYY-MM-DD).
        #[arg(long, requires_all = ["model", "to", "units"])]
        from: Option<String>,
        /// The period's last day, included (YYYY-MM-DD).
        #[arg(long, requires_all = ["model", "from", "units"])]
        to: Option<String>,
        /// Units of the model shipped to US customers in the period.
        #[arg(long, requires_all = ["model", "from", "to"])]
        units: Option<u64>,
        #[command(flatten)]
        data: LogArgs,
    },
    /// The licences a change of rules between two dates affects: items no
    /// longer needing a licence, and terms that conflict with the new rules.
    Affected {
        /// The date before (YYYY-MM-DD).
        #[arg(long)]
        before: String,
        /// The date after (YYYY-MM-DD).
        #[arg(long)]
        after: String,
        #[command(flatten)]
        data: LogArgs,
    },
}

/// Runs a `licences` subcommand.
pub fn run(c: &Command, ctx: &Ctx) -> Result<Output> {
    let today = ctx.clock.today();
    match c {
        Command::Add { file, data } => {
            let app = chipexport::App::embedded()?;
            let f = chipexport_domain::SourceFile::read(file)?;
            let a = app.licence_add(&data.location(), &f, &chipexport::clock::now_rfc3339())?;
            render(ctx, &a, |a| {
                format!(
                    "recorded licence {} as event {} in {}",
                    a.number,
                    a.event,
                    a.book.display()
                )
            })
        }
        Command::List { data } => render(
            ctx,
            &chipexport::licences::list(&data.location(), today)?,
            list,
        ),
        Command::Show { number, data } => render(
            ctx,
            &chipexport::licences::show(&data.location(), number, today)?,
            show,
        ),
        Command::Report { data } => {
            let r = chipexport::licences::report(&data.location(), today)?;
            if ctx.csv {
                return Ok(Output::text(chipexport::licences::report_csv(&r)?));
            }
            render(ctx, &r, report)
        }
        Command::UsShipments {
            model,
            from,
            to,
            units,
            data,
        } => {
            let req = match (model, from, to, units) {
                (Some(model), Some(from), Some(to), Some(units)) => Some(UsShipmentsRequest {
                    model: model.clone(),
                    from: from.clone(),
                    to: to.clone(),
                    units: *units,
                }),
                _ => None,
            };
            record_us_shipments(req.as_ref(), data, ctx)
        }
        Command::Affected {
            before,
            after,
            data,
        } => {
            let app = chipexport::App::embedded()?;
            let before = chipexport::question::date("before", before)?;
            let after = chipexport::question::date("after", after)?;
            if after < before {
                return Err(Error::input(
                    "--after is before --before",
                    "give the earlier date as --before",
                )
                .with_field("after"));
            }
            render(
                ctx,
                &app.licences_affected(&data.location(), before, after)?,
                affected,
            )
        }
    }
}

fn list(ls: &Vec<Summary>) -> String {
    if ls.is_empty() {
        return "no licence is recorded (chipexport licences add FILE)\n".into();
    }
    let mut o = String::new();
    for l in ls {
        let dest: Vec<&str> = l.destinations.iter().map(|c| c.as_str()).collect();
        let _ = writeln!(
            o,
            "{:<14} {:<5} {:<28} to {:<9} {} .. {}  {:>6}% used",
            l.number,
            l.authority,
            l.holder,
            dest.join(","),
            l.valid_from,
            l.expires,
            l.used_percent
        );
        for a in &l.alerts {
            let _ = writeln!(o, "    alert: {a}");
        }
    }
    o
}

fn show(s: &Shown) -> String {
    let l = &s.licence;
    let a = &s.account;
    let mut o = format!(
        "LICENCE {} ({}), held by {}\n  valid {} .. {} ({} days left)\n",
        l.number, l.authority, l.holder, l.valid_from, l.valid_to, a.days_to_expiry
    );
    let dest: Vec<&str> = l.destinations.iter().map(|c| c.as_str()).collect();
    let _ = writeln!(o, "  destinations: {}", dest.join(", "));
    for (role, p) in [
        ("consignee", &l.parties.consignee),
        ("end user", &l.parties.end_user),
    ] {
        if let Some(p) = p {
            let _ = writeln!(o, "  {role}: {p}");
        }
    }
    for (u, line) in a.lines.iter().zip(&l.lines) {
        let what: Vec<String> = line
            .items
            .iter()
            .chain(&line.models)
            .chain(&line.spec)
            .cloned()
            .collect();
        let _ = writeln!(
            o,
            "  line {}: {}{}\n    units {} of {} (left {}), value {} of {} (ceiling with tolerance {}), {}% used",
            u.line,
            what.join(", "),
            if line.eccn.is_empty() {
                String::new()
            } else {
                format!(" [{}]", line.eccn.join(", "))
            },
            u.drawn_units,
            u.quantity.map_or("-".into(), |q| q.to_string()),
            u.remaining_units.map_or("-".into(), |q| q.to_string()),
            u.drawn_value,
            u.value,
            u.value_ceiling,
            u.used_percent
        );
    }
    for c in &a.conditions {
        let _ = writeln!(o, "  condition: {c}");
    }
    for c in &a.unchecked {
        let _ = writeln!(o, "  not checked: {c}");
    }
    for p in &l.provisos {
        let _ = writeln!(o, "  proviso: {p}");
    }
    let _ = writeln!(
        o,
        "  owed: revenue share {}, duty {}",
        a.totals.revenue_share, a.totals.duty
    );
    for al in &a.alerts {
        let _ = writeln!(o, "  alert: {}", al.message);
    }
    let _ = writeln!(o, "  drawdowns: {}", s.drawdowns.len());
    for d in &s.drawdowns {
        let _ = writeln!(
            o,
            "    #{} {} {} line {}: {} units, {} USD",
            d.event,
            d.drawdown.date,
            d.drawdown.order,
            d.drawdown.line,
            d.drawdown.units,
            d.drawdown.value
        );
    }
    o
}

fn report(r: &Report) -> String {
    let mut o = format!("LICENCE REPORT on {}\n", r.on);
    let _ = writeln!(
        o,
        "{:<14} {:<8} {:>9} {:>18} {:>18} {:>18}",
        "licence", "period", "units", "value", "revenue share", "duty"
    );
    let mut line = |n: &str, p: &str, t: &chipexport_licences::Owed| {
        let _ = writeln!(
            o,
            "{n:<14} {p:<8} {:>9} {:>18} {:>18} {:>18}",
            t.units, t.value, t.revenue_share, t.duty
        );
    };
    for a in &r.licences {
        for p in &a.periods {
            line(&a.number, &p.period, &p.owed);
        }
        line(&a.number, "total", &a.totals);
    }
    line("all", "total", &r.totals);
    for a in &r.licences {
        for al in &a.alerts {
            let _ = writeln!(o, "alert {}: {}", a.number, al.message);
        }
    }
    o
}

/// Records US shipments (`req`), or lists the records.
fn record_us_shipments(
    req: Option<&UsShipmentsRequest>,
    data: &LogArgs,
    ctx: &Ctx,
) -> Result<Output> {
    let Some(req) = req else {
        let rs = chipexport::licences::us_shipments(&data.location())?;
        return render(ctx, &rs, |rs| us_shipments(rs));
    };
    let app = chipexport::App::embedded()?;
    let r = app.licence_us_shipments(&data.location(), req, &chipexport::clock::now_rfc3339())?;
    render(ctx, &r, |r| us_shipments(std::slice::from_ref(r)))
}

fn us_shipments(rs: &[UsShipmentsRecord]) -> String {
    if rs.is_empty() {
        return "no US shipments are recorded (chipexport licences us-shipments --model M --from D --to D --units N)\n".into();
    }
    let mut o = String::new();
    for r in rs {
        let u = &r.shipments;
        let _ = write!(
            o,
            "#{} {} {} .. {}: {} units shipped to US customers",
            r.event, u.model, u.from, u.to, u.units
        );
        if let Some(c) = r.corrects {
            let _ = write!(o, " (corrects #{c})");
        }
        if let Some(c) = r.corrected_by {
            let _ = write!(o, " (corrected by #{c})");
        }
        o.push('\n');
    }
    o
}

fn affected(r: &Affected) -> String {
    let mut o = format!(
        "LICENCES AFFECTED by the rule changes from {} to {} ({} licences examined)\n",
        r.before, r.after, r.licences
    );
    if r.findings.is_empty() {
        o.push_str("  none\n");
    }
    for f in &r.findings {
        let _ = writeln!(
            o,
            "  {} line {} {} to {}: {}: {}",
            f.licence, f.line, f.item, f.destination, f.kind, f.detail
        );
    }
    o
}

/// What `screen --licences` drew down from the book `book` (its data
/// directory, or the PostgreSQL book), in a few lines (on standard error,
/// beside the screening summary).
pub fn drawn_text(d: &chipexport_batch::drawdown::DrawSummary, book: &str) -> String {
    let mut o = format!(
        "licences ({book}): {} orders needing a licence matched; {} units, {} USD drawn",
        d.matched, d.units_drawn, d.value_drawn
    );
    for (k, v) in &d.by_status {
        let _ = write!(o, "\n  {k}: {v}");
    }
    for (k, v) in &d.not_drawn {
        let _ = write!(o, "\n  not drawn ({k}): {v}");
    }
    if d.cap_unchecked > 0 {
        let _ = write!(
            o,
            "\n  drawn without checking a volume cap (no US shipments recorded for their date; see licence_reason): {}",
            d.cap_unchecked
        );
    }
    o
}
