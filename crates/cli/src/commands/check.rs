//! `chipexport check`: may this chip go to this destination and buyer on
//! this date?

use std::path::PathBuf;

use chipexport::Result;
use chipexport::audit::LogLocation;
use chipexport::locate::conditions::ConditionStatus;
use chipexport::logged::Annotation;
use chipexport_rules::{LicenseStatus, explain};

use super::{Ctx, Output, json};
use crate::args::DatedQuestionArgs;
use crate::cli::OutFormat;

/// The exit code of `check --exit-code` when a US licence is required.
pub const EXIT_LICENCE_REQUIRED: u8 = 10;
/// `check --exit-code`: answered, and whether a licence is required cannot
/// be decided from the facts given.
pub const EXIT_UNDETERMINED: u8 = 11;
/// `check --exit-code`: the question is outside what the rules encode.
pub const EXIT_OUTSIDE_COVERAGE: u8 = 12;

/// The options of `check`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    question: DatedQuestionArgs,
    /// The legal answer on one screen: the headline, the rules that decided
    /// it, the conditions and the measures (no context notes).
    #[arg(long)]
    brief: bool,
    /// Also show the context notes (market facts, companies' own actions),
    /// which are not law.
    #[arg(long, conflicts_with = "brief")]
    context: bool,
    /// Exit with 10 when a US licence is required.
    #[arg(long)]
    exit_code: bool,
    /// Record the decision in the decision log of this data directory; the
    /// parties are then screened with the list imported there and the
    /// reviewers' decisions in that log.
    #[arg(long, value_name = "DIR")]
    log: Option<PathBuf>,
    /// With --log: who reviewed the decision, kept in the log entry.
    #[arg(long, requires = "log")]
    reviewer: Option<String>,
    /// With --log: the order (or case) the decision is for.
    #[arg(long, requires = "log")]
    order_ref: Option<String>,
    /// With --log: a note kept with the decision.
    #[arg(long, requires = "log")]
    note: Option<String>,
    /// The owners of the buyer or end user from a file (CSV `name,percent`
    /// or TOML `[[owner]]` tables), beside any --owner.
    #[arg(long = "owners", value_name = "FILE")]
    owners_file: Option<PathBuf>,
    /// Match the question to the licences recorded in this data directory:
    /// the answer adds `licence` (the one that covers it, with what is
    /// left) or `licence: null` with `licence_reasons`.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// With --data: the licence book is in PostgreSQL at this URL instead
    /// of the directory (needs a build with `--features postgres`). The
    /// decision log of --log stays in its directory.
    #[arg(long, env = "CHIPEXPORT_DATABASE_URL", value_name = "URL")]
    database_url: Option<String>,
    /// With --data: the chip's serial, registered in that directory's
    /// fleet (`locate register`). Location-verification conditions (the
    /// Chip Security Act's, when the bill is chosen, and the covering
    /// licence's) are then judged on this chip's latest verification within
    /// the licence's period; without it, on any chip of the licence.
    #[arg(long, requires = "data", value_name = "SERIAL")]
    serial: Option<String>,
}

/// Runs `check`.
pub fn run(a: &Args, ctx: &Ctx) -> Result<Output> {
    let mut app = a.question.q.rules.app()?;
    if let Some(dir) = &a.log {
        // The list imported there, and its reviewers' decisions.
        app = app.with_screening_data(dir);
    }
    let item = a.question.item.resolve(&app)?;
    let name = item.name.clone();
    let mut ask = a.question.ask();
    if let Some(f) = &a.owners_file {
        ask.owners.extend(chipexport::parties::owners_file(f)?);
    }
    let c = app.check_of(item, &ask, ctx.clock.today())?;
    let c = if a.context { c } else { c.without_context() };
    let d = &c.decision;
    if let Some(dir) = &a.log {
        let notes = Annotation {
            reviewer: a.reviewer.clone(),
            order_ref: a.order_ref.clone(),
            note: a.note.clone(),
        };
        let id = chipexport::audit::record_check(dir, &app, &c, &notes)?;
        eprintln!("recorded as decision {id} in {}", dir.display());
    }
    let matched = match &a.data {
        Some(dir) => {
            let at = LogLocation::dir(dir).with_database_url(a.database_url.clone());
            let ask = a.question.ask();
            Some(app.licence_match(dir, &at, &c, &ask, a.serial.as_deref())?)
        }
        None => None,
    };
    let text = match (ctx.format, matched) {
        (OutFormat::Json, Some(matched)) => json(&chipexport::licences::CheckWithLicence {
            answer: c.answer(),
            matched,
        })?,
        (OutFormat::Table, Some(m)) => {
            let mut t = format!("{}\n{}", table(a, d, &name, &app), licence_text(&m));
            if !m.location_verification.is_empty() {
                t.push_str(&location_text(&m.location_verification));
            }
            t
        }
        (format, None) => match format {
            OutFormat::Json => json(&c.answer())?,
            OutFormat::Table => table(a, d, &name, &app),
        },
    };
    let text = match ctx.format {
        OutFormat::Table if !c.parties.is_empty() => format!("{text}\n{}", parties(&c.parties)),
        _ => text,
    };
    let code = match d.status {
        _ if !a.exit_code => 0,
        LicenseStatus::Required => EXIT_LICENCE_REQUIRED,
        LicenseStatus::NotRequired => 0,
        LicenseStatus::Undetermined => EXIT_UNDETERMINED,
        LicenseStatus::OutsideCoverage => EXIT_OUTSIDE_COVERAGE,
    };
    Ok(Output::text(text).with_code(code))
}

fn table(a: &Args, d: &chipexport::Decision, name: &str, app: &chipexport::App) -> String {
    if a.brief {
        super::brief::memo(d, name, app.rules().vocabulary())
    } else {
        explain::memo(d, name)
    }
}

/// The licence that covers the question, or why none does.
fn licence_text(m: &chipexport::licences::LicenceMatch) -> String {
    let mut o = String::from("LICENCE\n");
    match &m.licence {
        Some(l) => {
            o.push_str(&format!(
                "  {}: {} units and {} USD left, valid to {}\n",
                l.number,
                l.remaining_units.map_or("-".into(), |u| u.to_string()),
                l.remaining_value,
                l.expires
            ));
            for c in &l.conditions {
                o.push_str(&format!("  condition: {c}\n"));
            }
            for c in &l.unchecked {
                o.push_str(&format!("  not checked: {c}\n"));
            }
        }
        None => o.push_str("  none covers this question\n"),
    }
    for w in &m.licence_reasons {
        o.push_str(&format!("  {w}\n"));
    }
    o
}

/// The location-verification conditions, each met or not, with the
/// verification that decided it.
fn location_text(cs: &[ConditionStatus]) -> String {
    let mut o = String::from("LOCATION VERIFICATION\n");
    for c in cs {
        o.push_str(&format!(
            "  {}: {} ({})\n",
            c.rule,
            if c.met { "met" } else { "NOT MET" },
            c.instrument
        ));
        if let Some(t) = &c.text {
            o.push_str(&format!("    condition: {t}\n"));
        }
        if let Some(p) = &c.period {
            o.push_str(&format!("    period: {p}\n"));
        }
        o.push_str(&format!("    {}\n", c.reason));
        if let Some(v) = c.status.as_ref().and_then(|s| s.latest.as_ref()) {
            o.push_str(&format!(
                "    latest: chip {} (licence {}): {} ({}), decision {}\n",
                v.serial,
                v.licence,
                v.outcome,
                if v.countries.is_empty() {
                    "-".into()
                } else {
                    v.countries.join(", ")
                },
                v.logged
            ));
        }
    }
    o
}

/// The parties screened, one line each with its best matches.
fn parties(ps: &[chipexport::parties::PartyScreening]) -> String {
    let mut o = String::from("PARTIES (screened against the Consolidated Screening List)\n");
    for p in ps {
        o.push_str(&format!(
            "  {} {}{}: {}\n",
            p.role,
            p.name,
            p.country
                .as_deref()
                .map_or(String::new(), |c| format!(" [{c}]")),
            p.verdict
        ));
        for m in p.matches.iter().take(3) {
            let pol = m.license_policy.as_deref().unwrap_or("");
            o.push_str(&format!(
                "    {:.3} {} {} {} ({}){}\n",
                m.score,
                m.status,
                m.list,
                m.name,
                m.entry_id,
                if pol.is_empty() {
                    String::new()
                } else {
                    format!(": {pol}")
                }
            ));
            if let Some(r) = &m.review {
                o.push_str(&format!(
                    "      {} by {} on {} (decision {}): {}\n",
                    m.status, r.reviewer, r.decided_on, r.log_id, r.reason
                ));
            }
        }
        if p.matches.len() > 3 {
            o.push_str(&format!(
                "    and {} more (--format json)\n",
                p.matches.len() - 3
            ));
        }
        if let Some(w) = &p.warning {
            o.push_str(&format!("    warning: {w}\n"));
        }
    }
    o
}
