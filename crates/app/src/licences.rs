//! Export licences: recording them, matching orders and checks to them,
//! drawing them down, and accounting for them (see `docs/licences.md`).
//!
//! Licences and drawdowns live in the licence book beside the decision log
//! ([`chipexport_store::LicenceBook`]: append-only, hash-chained, in the
//! data directory's SQLite file, or in PostgreSQL when a
//! [`LogLocation`] names a database URL). A balance is always the sum of
//! the drawdowns read in the same transaction that appends a new one, so
//! concurrent drawdowns never overdraw, on either backend.

mod check;
pub use check::{CheckWithLicence, LicenceMatch};
pub mod changes;

use std::path::{Path, PathBuf};

use chipexport_domain::{Country, Date, SourceFile};
use chipexport_licences::{
    Account, Applied, Drawdown, Drawdowns, ItemFacts, Licence, Order, Owed, Status, Tried,
    UsShipments,
};
use chipexport_store::{LicenceBook, LicenceEvent, NewLicenceEvent};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::App;
use crate::audit::LogLocation;
use crate::error::{Error, Result};
use crate::question::Ask;

/// The kind of a licence event in the book.
const LICENCE: &str = "licence";
/// The kind of a drawdown event.
const DRAWDOWN: &str = "drawdown";
/// The kind of an event recording the holder's US shipments of a model
/// over a period (its licence number is empty: it is about no one
/// licence).
const US_SHIPMENTS: &str = "us_shipments";

/// A licence and its drawdowns as recorded.
#[derive(Debug, Clone, Default)]
pub struct Book {
    /// The licences, in the order recorded.
    pub licences: Vec<Licence>,
    /// Every drawdown, in the order recorded, with its event id.
    pub drawdowns: Vec<(i64, String, Drawdown)>,
    /// The holder's US shipments, in the order recorded, with their event
    /// ids and times (a later record of a model and period corrects an
    /// earlier one).
    pub us_shipments: Vec<(i64, String, UsShipments)>,
}

impl Book {
    fn of(events: &[LicenceEvent], path: &Path) -> Result<Book> {
        let mut b = Book::default();
        for e in events {
            let damaged = |err: serde_json::Error| {
                Error::environment(
                    format!(
                        "the licence book `{}` is damaged: event {} does not read as a {}: {err}",
                        path.display(),
                        e.id,
                        e.kind
                    ),
                    "restore the licence book (the data directory or the database) from a backup; `licences list` verifies the chain",
                )
            };
            match e.kind.as_str() {
                LICENCE => b
                    .licences
                    .push(serde_json::from_str(&e.body).map_err(damaged)?),
                DRAWDOWN => b.drawdowns.push((
                    e.id,
                    e.recorded_at.clone(),
                    serde_json::from_str(&e.body).map_err(damaged)?,
                )),
                US_SHIPMENTS => b.us_shipments.push((
                    e.id,
                    e.recorded_at.clone(),
                    serde_json::from_str(&e.body).map_err(damaged)?,
                )),
                _ => {}
            }
        }
        Ok(b)
    }

    fn draws(&self) -> Vec<Drawdown> {
        self.drawdowns.iter().map(|(_, _, d)| d.clone()).collect()
    }

    /// The US shipments recorded, in the order recorded.
    fn us(&self) -> Vec<UsShipments> {
        self.us_shipments
            .iter()
            .map(|(_, _, u)| u.clone())
            .collect()
    }

    /// Every US-shipments record, with the records it corrects and that
    /// correct it.
    fn us_records(&self) -> Vec<UsShipmentsRecord> {
        let same = |a: &UsShipments, b: &UsShipments| {
            chipexport_licences::same_model(&a.model, &b.model) && a.from == b.from && a.to == b.to
        };
        self.us_shipments
            .iter()
            .enumerate()
            .map(|(i, (event, at, u))| {
                let before = self.us_shipments.get(..i).unwrap_or(&[]);
                let after = self.us_shipments.get(i + 1..).unwrap_or(&[]);
                UsShipmentsRecord {
                    event: *event,
                    recorded_at: at.clone(),
                    shipments: u.clone(),
                    corrects: before
                        .iter()
                        .rev()
                        .find(|(_, _, x)| same(x, u))
                        .map(|x| x.0),
                    corrected_by: after.iter().find(|(_, _, x)| same(x, u)).map(|x| x.0),
                }
            })
            .collect()
    }

    fn licence(&self, number: &str) -> Result<&Licence> {
        self.licences
            .iter()
            .find(|l| l.number == number)
            .ok_or_else(|| {
                Error::input(
                    format!("no licence numbered `{number}` is recorded"),
                    "`chipexport licences list` shows the licences recorded",
                )
                .with_field("number")
            })
    }
}

/// Refuses a book whose chain does not hold.
fn intact(events: &[LicenceEvent], path: &Path) -> Result<()> {
    chipexport_store::verify_events(events)
        .map(|_| ())
        .map_err(|b| {
            Error::environment(
                format!(
                    "the licence book `{}` is broken at event {}: {}",
                    path.display(),
                    b.id,
                    b.reason
                ),
                "the book was edited outside chipexport; restore it from a backup",
            )
        })
}

fn open(at: &LogLocation) -> Result<LicenceBook> {
    at.licence_book()
}

/// Reads the book at `at`, after checking its chain.
pub fn read(at: &LogLocation) -> Result<Book> {
    let mut book = open(at)?;
    let events = book.events(None)?;
    intact(&events, &book.path)?;
    Book::of(&events, &book.path)
}

/// A licence recorded.
#[derive(Debug, Clone, Serialize)]
pub struct Added {
    /// The licence number.
    pub number: String,
    /// The event id it was recorded as.
    pub event: i64,
    /// Where: the SQLite file, or the database URL without its password.
    pub book: PathBuf,
}

/// A licence in a list.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The licence number.
    pub number: String,
    /// The authority.
    pub authority: String,
    /// The holder.
    pub holder: String,
    /// Its destinations.
    pub destinations: Vec<Country>,
    /// First valid day.
    pub valid_from: Date,
    /// Last valid day.
    pub expires: Date,
    /// The most used line's use, in percent.
    pub used_percent: Decimal,
    /// Its alerts, in words.
    pub alerts: Vec<String>,
}

/// One licence in full.
#[derive(Debug, Clone, Serialize)]
pub struct Shown {
    /// The licence as recorded.
    pub licence: Licence,
    /// Its account on today's date.
    pub account: Account,
    /// Its drawdowns, in the order recorded.
    pub drawdowns: Vec<Drawn>,
}

/// A recorded drawdown.
#[derive(Debug, Clone, Serialize)]
pub struct Drawn {
    /// Its event id in the book.
    pub event: i64,
    /// When it was recorded.
    pub recorded_at: String,
    /// The drawdown.
    #[serde(flatten)]
    pub drawdown: Drawdown,
}

/// Every licence's account, and the sum of all.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The date the alerts are computed on.
    pub on: Date,
    /// Each licence's account.
    pub licences: Vec<Account>,
    /// All drawdowns of all licences together.
    pub totals: Owed,
}

/// A drawdown asked for (`POST /api/v1/licences/drawdown`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawdownRequest {
    /// The order's reference.
    pub order: String,
    /// The chip: a catalog id or name.
    pub chip: String,
    /// The destination (ISO 3166 alpha-2).
    pub to: String,
    /// The ship date, `YYYY-MM-DD`.
    pub on: String,
    /// Units shipped.
    pub units: u64,
    /// The sale value, US dollars.
    pub value: Decimal,
    /// The consignee, when the licence names one.
    #[serde(default)]
    pub consignee: Option<String>,
    /// The end user, when the licence names one.
    #[serde(default)]
    pub end_user: Option<String>,
    /// The customs value on import, for an import duty.
    #[serde(default)]
    pub customs_value: Option<Decimal>,
}

/// What a drawdown did.
#[derive(Debug, Clone, Serialize)]
pub struct DrawdownAnswer {
    /// The order.
    pub order: String,
    /// `covered` (drawn down) or why not.
    pub licence_status: Status,
    /// The licence line drawn, and what is left.
    pub licence: Option<Applied>,
    /// The event id of the drawdown; `None` when refused.
    pub event: Option<i64>,
    /// Every licence tried, with its reason.
    pub tried: Vec<Tried>,
}

/// The licence terms a check adds (`check --data DIR`).
#[derive(Debug, Clone, Serialize)]
pub struct LicenceTerms {
    /// The licence number.
    pub number: String,
    /// Units left on the line (`None`: licensed by value).
    pub remaining_units: Option<u64>,
    /// Value left on the line, US dollars, before the shipping tolerance.
    pub remaining_value: Decimal,
    /// Its last valid day.
    pub expires: Date,
    /// Its conditions, in words.
    pub conditions: Vec<String>,
    /// Conditions that could not be checked for the question, and why (a
    /// volume cap without US shipments recorded for its date).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unchecked: Vec<String>,
}

/// The holder's shipments of a model to US customers over a period, to
/// record (`licences us-shipments`): the base of a volume cap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsShipmentsRequest {
    /// The model, as the catalog names it (`H200`; any case or spacing).
    pub model: String,
    /// The period's first day, `YYYY-MM-DD`.
    pub from: String,
    /// The period's last day, included, `YYYY-MM-DD`.
    pub to: String,
    /// Units of the model shipped to US customers in the period.
    pub units: u64,
}

/// A record of US shipments in the licence book.
#[derive(Debug, Clone, Serialize)]
pub struct UsShipmentsRecord {
    /// Its event id in the book.
    pub event: i64,
    /// When it was recorded.
    pub recorded_at: String,
    /// The model, the period and the units.
    #[serde(flatten)]
    pub shipments: UsShipments,
    /// The latest earlier record of the same model and period, which this
    /// one corrects.
    pub corrects: Option<i64>,
    /// The next record of the same model and period, which corrects this
    /// one; `None` for the record in force.
    pub corrected_by: Option<i64>,
}

fn facts_of(spec: &chipexport_domain::ChipSpec, m: &chipexport_domain::Metrics) -> ItemFacts {
    ItemFacts {
        catalog_id: spec.id.clone(),
        model: spec.name.clone(),
        tpp: m.tpp,
        performance_density: m.performance_density,
        memory_bandwidth_gbps: m.memory_bandwidth_gbps,
        interconnect_gbps: m.interconnect_gbps,
    }
}

fn reasons(tried: &[Tried]) -> Vec<String> {
    tried
        .iter()
        .map(|t| format!("{} ({}): {}", t.number, t.status.as_str(), t.reason))
        .collect()
}

impl App {
    /// Records a licence file in the licence book at `at`. The file is
    /// checked first (errors located to line and key); a number already
    /// recorded is refused (a licence is recorded once: the book is
    /// append-only).
    pub fn licence_add(&self, at: &LogLocation, file: &SourceFile, now: &str) -> Result<Added> {
        let cat = self.catalog();
        let l = chipexport_licences::parse(file, &|id| cat.get(id).is_some())
            .map_err(Error::located)?;
        let body = serde_json::to_string(&l)
            .map_err(|e| Error::bug(format!("cannot serialise a licence: {e}")))?;
        let mut book = open(at)?;
        let path = book.path.clone();
        let (events, ()) = book.transact(None, |seen| {
            intact(seen, &path)?;
            if seen
                .iter()
                .any(|e| e.kind == LICENCE && e.licence == l.number)
            {
                return Err(Error::input(
                    format!(
                        "licence `{}` is already recorded in `{}`",
                        l.number,
                        path.display()
                    ),
                    "the licence book is append-only: a licence is recorded once",
                )
                .with_field("number"));
            }
            Ok((
                vec![NewLicenceEvent {
                    recorded_at: now.to_string(),
                    kind: LICENCE.into(),
                    licence: l.number.clone(),
                    body,
                }],
                (),
            ))
        })?;
        Ok(Added {
            number: l.number.clone(),
            event: events.first().map_or(0, |e| e.id),
            book: path,
        })
    }

    /// Draws an order down against the licences of the book at `at`,
    /// atomically: the balance is read and the drawdown written in one
    /// transaction that excludes every other writer.
    pub fn licence_drawdown(
        &self,
        at: &LogLocation,
        req: &DrawdownRequest,
        now: &str,
    ) -> Result<DrawdownAnswer> {
        let ask = Ask {
            to: req.to.clone(),
            on: Some(req.on.clone()),
            ..Ask::default()
        };
        let item = crate::question::Item::lookup(self.catalog(), &req.chip)
            .map_err(|e| e.with_field("chip"))?;
        let checked = self.check_of(item, &ask, Date::default())?;
        let q = &checked.resolved.question;
        let order = Order {
            id: req.order.clone(),
            date: q.on,
            item: facts_of(&checked.resolved.item.spec, &checked.resolved.item.metrics),
            eccn: Some(checked.decision.eccn.clone()).filter(|e| e != "undetermined"),
            destination: q.destination,
            consignee: req.consignee.clone(),
            end_user: req.end_user.clone(),
            units: req.units,
            value: req.value,
        };
        let mut book = open(at)?;
        let path = book.path.clone();
        let (events, m) = book.transact(None, |events| {
            intact(events, &path)?;
            let b = Book::of(events, &path)?;
            let draws = b.draws();
            let m =
                chipexport_licences::determine(&b.licences, &b.us(), &Drawdowns(&draws), &order);
            let new = match &m.applied {
                Some(a) => vec![NewLicenceEvent {
                    recorded_at: now.to_string(),
                    kind: DRAWDOWN.into(),
                    licence: a.number.clone(),
                    body: serde_json::to_string(&Drawdown {
                        licence: a.number.clone(),
                        line: a.line,
                        order: order.id.clone(),
                        date: order.date,
                        units: order.units,
                        value: order.value,
                        customs_value: req.customs_value,
                        model: Some(order.item.model.clone()),
                    })
                    .map_err(|e| Error::bug(format!("cannot serialise a drawdown: {e}")))?,
                }],
                None => Vec::new(),
            };
            Ok::<_, Error>((new, m))
        })?;
        Ok(DrawdownAnswer {
            order: req.order.clone(),
            licence_status: m.status,
            licence: m.applied,
            event: events.first().map(|e| e.id),
            tried: m.tried,
        })
    }

    /// Draws the orders of a screened ledger (`out`, screened from
    /// `ledger`) down against the licences of the book at `at`, and adds the
    /// licence columns to it. Every drawdown is recorded in one transaction.
    pub fn licence_screen(
        &self,
        at: &LogLocation,
        ledger: &Path,
        out: &Path,
        now: &str,
    ) -> Result<chipexport_batch::drawdown::DrawSummary> {
        let input = chipexport_batch::io::open(ledger, 1)?.schema;
        let mut book = open(at)?;
        let path = book.path.clone();
        let cat = self.catalog();
        let (_, plan) = book.transact(None, |events| {
            intact(events, &path)?;
            let b = Book::of(events, &path)?;
            let plan = chipexport_batch::drawdown::plan(
                out,
                &input,
                cat,
                (&b.licences, &b.us()),
                &b.draws(),
            )?;
            let mut new = Vec::with_capacity(plan.drawdowns.len());
            for d in &plan.drawdowns {
                new.push(NewLicenceEvent {
                    recorded_at: now.to_string(),
                    kind: DRAWDOWN.into(),
                    licence: d.licence.clone(),
                    body: serde_json::to_string(d)
                        .map_err(|e| Error::bug(format!("cannot serialise a drawdown: {e}")))?,
                });
            }
            Ok::<_, Error>((new, plan))
        })?;
        let summary = plan.summary.clone();
        plan.write(out)?;
        Ok(summary)
    }
}

impl App {
    /// Records the holder's shipments of a model to US customers over a
    /// period in the licence book at `at`, for volume caps. The model must
    /// be a catalog model (kept as the catalog names it); a later record of
    /// the same model and period corrects an earlier one (both stay in the
    /// book).
    pub fn licence_us_shipments(
        &self,
        at: &LogLocation,
        req: &UsShipmentsRequest,
        now: &str,
    ) -> Result<UsShipmentsRecord> {
        let model = self
            .catalog()
            .entries
            .iter()
            .map(|e| &e.spec.name)
            .find(|n| chipexport_licences::same_model(n, &req.model))
            .ok_or_else(|| {
                Error::input(
                    format!("no catalog chip is the model `{}`", req.model),
                    "give a model as `chipexport chips list` names it, such as H200",
                )
                .with_field("model")
            })?
            .clone();
        let from = crate::question::date("from", &req.from)?;
        let to = crate::question::date("to", &req.to)?;
        if to < from {
            return Err(Error::input(
                format!("the period ends ({to}) before it starts ({from})"),
                "give the period's first day as --from and its last as --to",
            )
            .with_field("to"));
        }
        let shipments = UsShipments {
            model,
            from,
            to,
            units: req.units,
        };
        let body = serde_json::to_string(&shipments)
            .map_err(|e| Error::bug(format!("cannot serialise US shipments: {e}")))?;
        let mut book = open(at)?;
        let path = book.path.clone();
        let (events, corrects) = book.transact(None, |seen| {
            intact(seen, &path)?;
            let corrects = Book::of(seen, &path)?
                .us_records()
                .into_iter()
                .rev()
                .find(|r| {
                    let u = &r.shipments;
                    chipexport_licences::same_model(&u.model, &shipments.model)
                        && u.from == from
                        && u.to == to
                })
                .map(|r| r.event);
            Ok::<_, Error>((
                vec![NewLicenceEvent {
                    recorded_at: now.to_string(),
                    kind: US_SHIPMENTS.into(),
                    licence: String::new(),
                    body,
                }],
                corrects,
            ))
        })?;
        Ok(UsShipmentsRecord {
            event: events.first().map_or(0, |e| e.id),
            recorded_at: now.to_string(),
            shipments,
            corrects,
            corrected_by: None,
        })
    }
}

/// Every record of US shipments in the book at `at`, in the order
/// recorded, each with the records it corrects and that correct it.
pub fn us_shipments(at: &LogLocation) -> Result<Vec<UsShipmentsRecord>> {
    Ok(read(at)?.us_records())
}

/// The licences recorded at `at`, each with its use and alerts on `today`.
pub fn list(at: &LogLocation, today: Date) -> Result<Vec<Summary>> {
    let b = read(at)?;
    let draws = b.draws();
    Ok(b.licences
        .iter()
        .map(|l| {
            let a = chipexport_licences::account(l, &draws, today);
            Summary {
                number: l.number.clone(),
                authority: l.authority.clone(),
                holder: l.holder.clone(),
                destinations: l.destinations.clone(),
                valid_from: l.valid_from,
                expires: l.valid_to,
                used_percent: a
                    .lines
                    .iter()
                    .map(|u| u.used_percent)
                    .max()
                    .unwrap_or_default(),
                alerts: a.alerts.iter().map(|x| x.message.clone()).collect(),
            }
        })
        .collect())
}

/// One licence of the book at `at` with its account and drawdowns on
/// `today`.
pub fn show(at: &LogLocation, number: &str, today: Date) -> Result<Shown> {
    let b = read(at)?;
    let l = b.licence(number)?.clone();
    let account = chipexport_licences::account(&l, &b.draws(), today);
    let drawdowns = b
        .drawdowns
        .into_iter()
        .filter(|(_, _, d)| d.licence == number)
        .map(|(event, recorded_at, drawdown)| Drawn {
            event,
            recorded_at,
            drawdown,
        })
        .collect();
    Ok(Shown {
        licence: l,
        account,
        drawdowns,
    })
}

/// Every licence's account in the book at `at` on `today`, and the totals
/// of all drawdowns.
pub fn report(at: &LogLocation, today: Date) -> Result<Report> {
    let b = read(at)?;
    let draws = b.draws();
    let licences: Vec<Account> = b
        .licences
        .iter()
        .map(|l| chipexport_licences::account(l, &draws, today))
        .collect();
    let totals = licences.iter().fold(Owed::default(), |mut t, a| {
        t.units += a.totals.units;
        t.value += a.totals.value;
        t.revenue_share += a.totals.revenue_share;
        t.duty += a.totals.duty;
        t
    });
    Ok(Report {
        on: today,
        licences,
        totals,
    })
}

/// One row of the CSV report.
#[derive(Serialize)]
struct CsvRow<'a> {
    licence: &'a str,
    period: &'a str,
    units: u64,
    value: Decimal,
    revenue_share_owed: Decimal,
    duty_owed: Decimal,
}

/// The report as CSV: one row per licence and month, one `total` row per
/// licence, and an `all` row.
pub fn report_csv(r: &Report) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let bug = |e: csv::Error| Error::bug(format!("cannot write the report as CSV: {e}"));
    let row = |licence, period, o: &Owed| CsvRow {
        licence,
        period,
        units: o.units,
        value: o.value,
        revenue_share_owed: o.revenue_share,
        duty_owed: o.duty,
    };
    for a in &r.licences {
        for p in &a.periods {
            w.serialize(row(&a.number, &p.period, &p.owed))
                .map_err(bug)?;
        }
        w.serialize(row(&a.number, "total", &a.totals))
            .map_err(bug)?;
    }
    w.serialize(row("all", "total", &r.totals)).map_err(bug)?;
    let bytes = w
        .into_inner()
        .map_err(|e| Error::bug(format!("cannot finish the CSV report: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::bug(format!("the CSV report is not UTF-8: {e}")))
}
