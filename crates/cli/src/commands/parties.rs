//! `chipexport parties`: restricted-party screening (a name against the
//! Consolidated Screening List), and importing a newer list.

use std::path::PathBuf;

use chipexport::Result;
use chipexport::parties::{ImportReport, ScreenRequest, Screening};

use super::{Ctx, Output, render};

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
    }
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
