//! `chipexport parties`: restricted-party screening (a name against the
//! Consolidated Screening List), and importing a newer list.

use std::path::PathBuf;

use chipexport::Result;
use chipexport::parties::{ImportReport, ScreenRequest, Screening};

use super::{Ctx, Output, render};
use crate::args::LogArgs;
use chipexport::reviews::{Action, ReviewRecorded, ReviewRequest};

/// The `parties` subcommands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Screen a name against the lists: every entry scoring at least the
    /// threshold, best first, with the name or alias it matched, the
    /// tokens that met and the score. A score of 0.97 or more is a match;
    /// below, a possible match that needs review.
    Screen {
        /// The party's name.
        name: String,
        /// Its country (ISO alpha-2): entries elsewhere score 0.05 less.
        #[arg(long)]
        country: Option<String>,
        /// Date of the question, YYYY-MM-DD [default: today]; the list must
        /// not be dated after it.
        #[arg(long)]
        on: Option<String>,
        /// The least score reported (0.5 to 1) [default: 0.88].
        #[arg(long)]
        threshold: Option<f64>,
        /// Use the list imported into this data directory, if there is one.
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
    },
    /// Import a full screening list (the CSL's CSV or JSON, or OpenSanctions
    /// FollowTheMoney JSON lines; gzipped or not) into a data directory. The
    /// file is checked whole first: an error names its line and field, and
    /// the list in use is left as it was.
    Import {
        /// The list file.
        file: PathBuf,
        /// The data directory.
        #[arg(long, value_name = "DIR", default_value = "chipexport-data")]
        data: PathBuf,
        /// The list's date, when neither the file nor its name carries one.
        #[arg(long, value_name = "YYYY-MM-DD")]
        list_date: Option<String>,
    },
    /// Clear a possible match: the entry is not the party. Recorded in the
    /// decision log; later screenings that read the log (parties screen
    /// --data, check --log, screen --data/--log) no longer count it, from
    /// today on, and cite the decision.
    Clear(ReviewArgs),
    /// Confirm a match: the entry is the party. Later screenings count it
    /// as a hit, whatever its score, and cite the decision.
    Confirm(ReviewArgs),
}

/// A reviewer's decision.
#[derive(clap::Args)]
pub struct ReviewArgs {
    /// An entry id from `parties screen` (e.g. EL-4550ece1b8), or a party's
    /// name: then every match of that name is decided.
    #[arg(value_name = "ENTRY_OR_NAME")]
    target: String,
    /// With an entry id: the party's name the decision is for [default:
    /// the entry, whatever name matched it].
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Why (kept in the log and cited by later screenings).
    #[arg(long)]
    reason: String,
    /// Who decided.
    #[arg(long)]
    reviewer: String,
    #[command(flatten)]
    log: LogArgs,
}

/// Runs a `parties` subcommand.
pub fn run(c: &Command, ctx: &Ctx) -> Result<Output> {
    match c {
        Command::Screen {
            name,
            country,
            on,
            threshold,
            data,
        } => {
            let mut app = chipexport::App::embedded()?;
            if let Some(d) = data {
                app = app.with_screening_data(d);
            }
            let req = ScreenRequest {
                name: name.clone(),
                country: country.clone(),
                on: on.clone(),
                threshold: *threshold,
            };
            let s = app.screen_party(&req, ctx.clock.today())?;
            render(ctx, &s, table)
        }
        Command::Import {
            file,
            data,
            list_date,
        } => {
            let date = list_date
                .as_deref()
                .map(|d| chipexport::question::date("list_date", d))
                .transpose()?;
            let r = chipexport::parties::import(file, data, date)?;
            render(ctx, &r, imported)
        }
        Command::Clear(a) => review(Action::Clear, a, ctx),
        Command::Confirm(a) => review(Action::Confirm, a, ctx),
    }
}

fn review(action: Action, a: &ReviewArgs, ctx: &Ctx) -> Result<Output> {
    let app = chipexport::App::embedded()?.with_screening_data(&a.log.data);
    let req = ReviewRequest {
        action,
        target: a.target.clone(),
        name: a.name.clone(),
        reason: a.reason.clone(),
        reviewer: a.reviewer.clone(),
    };
    let r = app.review(&req, &a.log.location(), ctx.clock.today())?;
    render(ctx, &r, reviewed)
}

fn reviewed(r: &ReviewRecorded) -> String {
    let v = &r.review;
    let what = match (&v.entry_id, &r.entry_name, &v.name) {
        (Some(id), Some(e), Some(n)) => format!("entry {id} ({e}) for the party `{n}`"),
        (Some(id), Some(e), None) => format!("entry {id} ({e}), for any name it matches"),
        (_, _, Some(n)) => format!("every match of `{n}`"),
        _ => "?".to_string(),
    };
    format!(
        "recorded as decision {}: {} {what}, by {} on {} ({})\n  applies to screenings of questions dated {} or later that read this log\n",
        r.log_id,
        match v.action {
            Action::Clear => "cleared",
            Action::Confirm => "confirmed",
        },
        v.reviewer,
        v.decided_on,
        v.reason,
        v.decided_on
    )
}

/// The screening as text.
pub fn table(s: &Screening) -> String {
    let mut o = format!(
        "{}{}: {} (list of {}, question of {}, threshold {})\n",
        s.query,
        s.country
            .as_deref()
            .map_or(String::new(), |c| format!(" [{c}]")),
        s.verdict(),
        s.list_date,
        s.on,
        s.threshold
    );
    if let Some(w) = &s.warning {
        o.push_str(&format!("warning: {w}\n"));
    }
    for m in &s.matches {
        o.push_str(&format!(
            "\n{:.3} {:<8} {} {} [{}] {}\n",
            m.score,
            m.status,
            m.list,
            m.name,
            m.countries.join(", "),
            m.entry_id
        ));
        o.push_str(&format!("      {}\n", m.explanation.summary));
        if let Some(r) = &m.license_requirement {
            o.push_str(&format!("      licence requirement: {r}\n"));
        }
        if let Some(p) = &m.license_policy {
            o.push_str(&format!("      policy: {p}\n"));
        }
        if let Some(f) = m.fdp_footnote {
            o.push_str(&format!("      foreign-direct-product footnote {f}\n"));
        }
        if let Some(fr) = &m.federal_register {
            o.push_str(&format!("      Federal Register: {fr}\n"));
        }
        if let Some(r) = &m.review {
            o.push_str(&format!(
                "      {} by {} on {} (decision {}): {}\n",
                m.status, r.reviewer, r.decided_on, r.log_id, r.reason
            ));
        }
    }
    o
}

fn imported(r: &ImportReport) -> String {
    let lists: Vec<String> = r.by_list.iter().map(|(l, n)| format!("{l} {n}")).collect();
    format!(
        "imported {} entries of the list of {} from {} into {}\n  {}\n",
        r.entries,
        r.list_date,
        r.file,
        r.written,
        lists.join(", ")
    )
}
