//! Order ledgers: screening every order with the semantics of `check`, the
//! impact of a rule change on an order book, and synthetic ledgers.

use std::path::{Path, PathBuf};

use chipexport_batch::generate::Profile;
use chipexport_batch::impact::{Report, Side};
use chipexport_batch::{Scenario, Summary};
use chipexport_domain::Date;
use chipexport_rules::Mode;
use serde::Serialize;

use crate::App;
use crate::error::{Error, Result};

/// The options of `screen`.
#[derive(Debug, Clone)]
pub struct ScreenRequest {
    /// The ledger (.csv, .parquet or .jsonl).
    pub ledger: PathBuf,
    /// Where to write the screened ledger.
    pub out: PathBuf,
    /// Decide every order on this date instead of its ship date.
    pub on: Option<Date>,
    /// Enforced or as written.
    pub mode: Mode,
    /// Bills to apply as if in force.
    pub with_packs: Vec<String>,
    /// Screen the parties named in `customer`, `end_user` and `consignee`
    /// (the default); `false` decides without them, as the exported SQL
    /// does.
    pub parties: bool,
}

/// What a screening run did.
#[derive(Debug, Clone, Serialize)]
pub struct ScreenReport {
    /// Counts by outcome and by error.
    pub summary: Summary,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// The file written.
    pub out: PathBuf,
}

/// One side of an impact comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum ImpactSide {
    /// Every order on this date with the rules in force then, and these
    /// bills applied as if in force.
    On {
        /// The date.
        date: Date,
        /// Bills (pack ids) applied as if in force.
        with_packs: Vec<String>,
    },
    /// The rules with this pack file added (a hypothetical instrument); the
    /// date is the other side's, or each order's ship date.
    Pack(PathBuf),
}

impl ImpactSide {
    /// A date (`YYYY-MM-DD`) or the path of a pack file.
    pub fn parse(field: &str, v: &str) -> Result<ImpactSide> {
        if let Ok(date) = chipexport_domain::parse_date(v) {
            return Ok(ImpactSide::On {
                date,
                with_packs: Vec::new(),
            });
        }
        let p = PathBuf::from(v);
        if !p.exists() {
            return Err(Error::input(
                format!("`{v}` is neither a date (YYYY-MM-DD) nor a rule pack file"),
                "give a date such as 2025-05-01, or the path of a pack file",
            )
            .with_field(field));
        }
        Ok(ImpactSide::Pack(p))
    }
}

/// The options of `impact`.
#[derive(Debug, Clone)]
pub struct ImpactRequest {
    /// The ledger.
    pub ledger: PathBuf,
    /// The scenario before.
    pub before: ImpactSide,
    /// The scenario after.
    pub after: ImpactSide,
    /// How many changed orders to list (the totals count them all).
    pub max_changes: usize,
}

/// A side resolved: its rule set (owned when a pack file adds to it), the
/// scenario and its label.
struct Resolved {
    app: Option<App>,
    scenario: Scenario,
    label: String,
}

fn resolve(app: &App, side: &ImpactSide) -> Result<Resolved> {
    Ok(match side {
        ImpactSide::On { date, with_packs } => {
            for p in with_packs {
                app.pack(p).map_err(|e| e.with_field("with_packs"))?;
            }
            Resolved {
                app: None,
                scenario: Scenario {
                    on: Some(*date),
                    with_packs: with_packs.clone(),
                    ..Scenario::default()
                },
                label: match with_packs.as_slice() {
                    [] => format!("rules in force on {date}"),
                    ps => format!("rules in force on {date} with {}", ps.join(", ")),
                },
            }
        }
        ImpactSide::Pack(path) => {
            let with = App::with_rule_files(std::slice::from_ref(path))?;
            let id = with
                .extra_packs()
                .first()
                .map(|p| chipexport_domain::SourceFile::new(p.file.clone(), p.text.clone()))
                .map(|f| {
                    chipexport_rules::pack::Pack::parse(&f, with.rules().vocabulary())
                        .map(|p| p.meta.id)
                })
                .transpose()
                .map_err(Error::located)?
                .unwrap_or_default();
            Resolved {
                app: Some(with),
                scenario: Scenario {
                    with_packs: vec![id.clone()],
                    ..Scenario::default()
                },
                label: format!("rules with {id}"),
            }
        }
    })
}

impl App {
    /// Screens a ledger into a new file; every input row yields one output
    /// row. `progress` gets the rows done so far.
    pub fn screen(
        &self,
        req: &ScreenRequest,
        progress: &mut dyn FnMut(u64),
    ) -> Result<ScreenReport> {
        for p in &req.with_packs {
            self.pack(p).map_err(|e| e.with_field("with_packs"))?;
        }
        let started = std::time::Instant::now();
        let summary = chipexport_batch::screen(
            self.rules(),
            self.catalog(),
            Scenario {
                mode: req.mode,
                with_packs: req.with_packs.clone(),
                on: req.on,
                parties: self.ledger_parties(req)?,
            },
            &req.ledger,
            &req.out,
            progress,
        )?;
        Ok(ScreenReport {
            summary,
            seconds: started.elapsed().as_secs_f64(),
            out: req.out.clone(),
        })
    }

    /// The party screen for a ledger that names parties, unless the
    /// request says not to screen them.
    fn ledger_parties(
        &self,
        req: &ScreenRequest,
    ) -> Result<Option<chipexport_batch::screen::SharedParties>> {
        if !req.parties || name_columns(&req.ledger)?.is_empty() {
            return Ok(None);
        }
        // The list is indexed on another thread while the ledger's first
        // rows are read (an imported list is read first: an error in it
        // stops the run here).
        let index = self.screener.index_in_background()?;
        let p = crate::parties::LedgerParties::building(index, self.party_reviews()?);
        Ok(Some(std::sync::Arc::new(p)))
    }

    /// The impact of the `after` scenario against `before` on a ledger.
    pub fn impact(&self, req: &ImpactRequest, progress: &mut dyn FnMut(u64)) -> Result<Report> {
        let mut a = resolve(self, &req.before)?;
        let mut b = resolve(self, &req.after)?;
        // A date on one side applies to a side given as a pack file.
        if a.scenario.on.is_none() {
            a.scenario.on = b.scenario.on;
        }
        if b.scenario.on.is_none() {
            b.scenario.on = a.scenario.on;
        }
        let report = chipexport_batch::impact::impact(
            self.catalog(),
            Side {
                label: a.label,
                rs: a.app.as_ref().unwrap_or(self).rules(),
                scenario: a.scenario,
            },
            Side {
                label: b.label,
                rs: b.app.as_ref().unwrap_or(self).rules(),
                scenario: b.scenario,
            },
            &req.ledger,
            req.max_changes,
            progress,
        )?;
        Ok(report)
    }

    /// Writes a synthetic ledger (made-up orders; deterministic per seed).
    pub fn generate(&self, profile: Profile, rows: u64, seed: u64, out: &Path) -> Result<()> {
        Ok(chipexport_batch::generate::generate(
            self.catalog(),
            profile,
            rows,
            seed,
            out,
        )?)
    }
}

/// The party name columns a ledger has (`customer`, `end_user`,
/// `consignee`).
pub fn name_columns(ledger: &Path) -> Result<Vec<&'static str>> {
    let r = chipexport_batch::io::open(ledger, 1)?;
    Ok(chipexport_batch::screen::NAME_COLUMNS
        .into_iter()
        .filter(|c| r.schema.index_of(c).is_ok())
        .collect())
}

/// Whether a screened file was screened with its parties (a `party_lists`
/// cell that is not null): the exported query, which decides without
/// them, can only be compared with a run of `screen --no-parties`.
pub fn screened_with_parties(screened: &Path) -> Result<bool> {
    Ok(chipexport_batch::screen::screened_with_parties(screened)?)
}

/// Writes an impact report's changed orders as CSV.
pub fn write_changes_csv(r: &Report, path: &Path) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for c in &r.changes {
        w.serialize(c)
            .map_err(|e| Error::bug(format!("cannot write a changed order as CSV: {e}")))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::bug(format!("cannot finish the CSV of changed orders: {e}")))?;
    crate::write_file(path, &bytes)
}

/// Writes an impact report as a one-page HTML report with a chart.
pub fn write_html(r: &Report, path: &Path) -> Result<()> {
    crate::write_file(path, chipexport_batch::impact::html(r).as_bytes())
}
