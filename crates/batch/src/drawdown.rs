//! Drawing a screened ledger down against licences (`screen --licences`):
//! the orders that need a licence are taken in ship-date order (file order
//! within a day), each is matched against the licences with what earlier
//! orders drew, and the one that fits draws it down.
//!
//! Columns added to the screened ledger:
//!
//! * `licence`: the licence number that covers the order;
//! * `licence_status`: `covered`, `no_licence`, `exhausted`, `expired`,
//!   `party_mismatch`, `over_tolerance` or `over_volume_cap`; null when the
//!   order needs no licence (or its answer is not a plain "required", or the
//!   row has an error);
//! * `licence_remaining_units`, `licence_remaining_value`: what is left on
//!   the licence line after the order;
//! * `licence_reason`: why, in words (the licence that came closest when
//!   none covers it); for a covered order under a volume cap that cannot be
//!   checked (no US shipments recorded for its date), that too.
//!
//! The drawdown uses each order's `ship_date` (even under `screen --on`),
//! its `quantity` and its `value` (US dollars: an order in another
//! `currency` is not drawn down and says so), `end_user` and, when the
//! ledger has one, `consignee`; an import duty is computed on
//! `customs_value` when the ledger has that column.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, RecordBatch, StringArray, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use chipexport_catalog::Catalog;
use chipexport_domain::{Country, Date};
use chipexport_licences::{
    Drawdown, Drawn, History, ItemFacts, Licence, Matcher, Order, Status, UsShipments, same_model,
};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::BatchError;
use crate::io::{LedgerWriter, open, open_skipping};

/// The columns `screen --licences` adds.
pub const LICENCE_COLUMNS: &[&str] = &[
    "licence",
    "licence_status",
    "licence_remaining_units",
    "licence_remaining_value",
    "licence_reason",
];

/// One row's licence columns; the licence number and the reason (which
/// many rows repeat) by their number in [`Plan::texts`].
#[derive(Debug, Clone, Default, PartialEq)]
struct RowLicence {
    licence: Option<u32>,
    status: Option<Status>,
    remaining_units: Option<u64>,
    remaining_value: Option<Decimal>,
    reason: Option<u32>,
}

/// Texts that many rows repeat, each kept once and numbered.
#[derive(Default)]
struct Texts {
    ids: HashMap<String, u32>,
    texts: Vec<String>,
}

impl Texts {
    /// The number of a text.
    fn id(&mut self, t: String) -> u32 {
        if let Some(&id) = self.ids.get(&t) {
            return id;
        }
        let id = u32::try_from(self.texts.len()).unwrap_or(u32::MAX);
        self.texts.push(t.clone());
        self.ids.insert(t, id);
        id
    }

    /// The text of a number.
    fn get(&self, id: Option<u32>) -> Option<&str> {
        id.and_then(|i| self.texts.get(usize::try_from(i).ok()?))
            .map(String::as_str)
    }
}

/// What the drawdown did, by status.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DrawSummary {
    /// Orders that needed a licence and were matched.
    pub matched: u64,
    /// Orders by licence status.
    pub by_status: std::collections::BTreeMap<String, u64>,
    /// Orders that needed a licence but could not be drawn down (another
    /// currency, a missing quantity or value), by reason.
    pub not_drawn: std::collections::BTreeMap<String, u64>,
    /// Orders drawn down although a volume cap of their licence could not
    /// be checked (no US shipments recorded for their date).
    pub cap_unchecked: u64,
    /// Units drawn in this run.
    pub units_drawn: u64,
    /// Value drawn in this run, US dollars.
    pub value_drawn: Decimal,
}

/// The drawdowns decided for a screened ledger, with each drawn row's
/// licence columns; written into the ledger by [`Plan::write`].
pub struct Plan {
    schema: SchemaRef,
    /// The licence columns of the rows that needed a licence, by row
    /// number (every other row's are null).
    rows: Vec<(usize, RowLicence)>,
    /// The texts `rows` number.
    texts: Texts,
    /// The new drawdowns, in the order decided.
    pub drawdowns: Vec<Drawdown>,
    /// What the drawdown did.
    pub summary: DrawSummary,
}

/// The columns of a screened ledger that the drawdown reads; the others
/// are not read (their values are copied when the ledger is written back).
const READ: &[&str] = &[
    "license_required",
    "error",
    "chip",
    "currency",
    "quantity",
    "value",
    "destination",
    "order_id",
    "ship_date",
    "eccn",
    "consignee",
    "end_user",
    "customs_value",
];

fn col<'a>(b: &'a RecordBatch, name: &str) -> Option<&'a StringArray> {
    b.schema()
        .index_of(name)
        .ok()
        .and_then(|i| b.column(i).as_any().downcast_ref::<StringArray>())
}

fn text(b: &RecordBatch, name: &str, i: usize) -> Option<String> {
    col(b, name)
        .filter(|c| c.is_valid(i))
        .map(|c| c.value(i).trim().to_string())
        .filter(|s| !s.is_empty())
}

/// One order that needs a licence, read from the screened ledger.
struct Pending {
    row: usize,
    date: Date,
    order: Result<Kept, String>,
    customs_value: Option<Decimal>,
}

/// An order as kept until its turn in ship-date order: its item and the
/// texts that many orders repeat (ECCN, consignee, end user) by number
/// (see [`Kept::order`]). Every order of a ledger that needs a licence is
/// kept at once, so each is kept small.
struct Kept {
    id: Box<str>,
    /// Its item's facts, shared by every order of the chip.
    item: Arc<ItemFacts>,
    eccn: Option<u32>,
    destination: Country,
    consignee: Option<u32>,
    end_user: Option<u32>,
    units: u64,
    value: Decimal,
}

/// The items and the repeated texts of the kept orders, each once.
#[derive(Default)]
struct Items {
    /// By chip as the ledger names it: its facts, or `None` when the
    /// catalog does not hold it.
    by_chip: HashMap<String, Option<Arc<ItemFacts>>>,
    texts: Texts,
}

impl Items {
    /// A chip's facts, if the catalog holds it.
    fn item(&mut self, cat: &Catalog, chip: &str) -> Option<Arc<ItemFacts>> {
        if let Some(i) = self.by_chip.get(chip) {
            return i.clone();
        }
        let i = cat.lookup(chip).ok().map(|e| {
            Arc::new(ItemFacts {
                catalog_id: Some(e.id.clone()),
                model: e.spec.name.clone(),
                tpp: e.metrics.tpp,
                performance_density: e.metrics.performance_density,
                memory_bandwidth_gbps: e.metrics.memory_bandwidth_gbps,
                interconnect_gbps: e.metrics.interconnect_gbps,
            })
        });
        self.by_chip.insert(chip.to_string(), i.clone());
        i
    }
}

impl Kept {
    /// The order, shipped on `date`.
    fn order(self, date: Date, texts: &Texts) -> Order {
        Order {
            item: Arc::unwrap_or_clone(self.item),
            eccn: texts.get(self.eccn).map(String::from),
            consignee: texts.get(self.consignee).map(String::from),
            end_user: texts.get(self.end_user).map(String::from),
            id: self.id.into(),
            date,
            destination: self.destination,
            units: self.units,
            value: self.value,
        }
    }
}

/// The ship date and order of row `i` of a screened batch, or why it
/// cannot be drawn down.
fn order_of(
    b: &RecordBatch,
    i: usize,
    cat: &Catalog,
    items: &mut Items,
) -> Result<(Date, Kept), String> {
    let need = |n: &str| {
        text(b, n, i).ok_or_else(|| format!("{n}: missing, needed to draw down a licence"))
    };
    if let Some(c) = text(b, "currency", i)
        && !c.eq_ignore_ascii_case("USD")
    {
        return Err(format!(
            "currency: {c}; licence values are in US dollars, convert the order first"
        ));
    }
    let units: u64 = need("quantity")?
        .parse()
        .map_err(|_| "quantity: not a whole number of units".to_string())?;
    let value = Decimal::from_str(&need("value")?)
        .map_err(|e| format!("value: {e}"))?
        .normalize();
    let destination =
        Country::parse(&need("destination")?).map_err(|e| format!("destination: {e}"))?;
    let id = need("order_id")?.into_boxed_str();
    let date = chipexport_domain::parse_date(&need("ship_date")?)
        .map_err(|e| format!("ship_date: {e}"))?;
    let item = text(b, "chip", i)
        .and_then(|c| items.item(cat, &c))
        .ok_or_else(|| "chip: not in the catalog".to_string())?;
    Ok((
        date,
        Kept {
            id,
            item,
            eccn: text(b, "eccn", i)
                .filter(|e| e != "undetermined")
                .map(|e| items.texts.id(e)),
            destination,
            consignee: text(b, "consignee", i).map(|c| items.texts.id(c)),
            end_user: text(b, "end_user", i).map(|e| items.texts.id(e)),
            units,
            value,
        },
    ))
}

/// The drawdowns so far, kept as running sums as orders are drawn: per
/// licence line (units and value), and per licence and ship date (units,
/// with the model) for volume caps. Every figure is still a sum of
/// drawdowns.
#[derive(Default)]
struct Running {
    lines: HashMap<(String, usize), Drawn>,
    days: HashMap<String, Days>,
}

/// One licence's drawdowns by ship date: each with its model (when known)
/// and units.
type Days = BTreeMap<Date, Vec<(Option<String>, u64)>>;

impl Running {
    fn add(&mut self, d: &Drawdown) {
        let b = self.lines.entry((d.licence.clone(), d.line)).or_default();
        b.units += d.units;
        b.value += d.value;
        self.days
            .entry(d.licence.clone())
            .or_default()
            .entry(d.date)
            .or_default()
            .push((d.model.clone(), d.units));
    }
}

impl History for Running {
    fn drawn(&self, licence: &str, line: usize) -> Drawn {
        self.lines
            .get(&(licence.to_string(), line))
            .copied()
            .unwrap_or_default()
    }

    // As `chipexport_licences::shipped`: a drawdown without a model counts.
    fn shipped(&self, licence: &str, model: &str, from: Date, to: Date) -> u64 {
        self.days.get(licence).map_or(0, |days| {
            days.range(from..=to)
                .flat_map(|(_, ds)| ds)
                .filter(|(m, _)| m.as_deref().is_none_or(|m| same_model(m, model)))
                .map(|(_, u)| u)
                .sum()
        })
    }
}

/// Reads the screened ledger at `out` (screened from a ledger whose columns
/// were `input`) and decides every drawdown against `licences`, starting
/// from the drawdowns `before`, with the holder's US shipments `us` (in the
/// order recorded) for volume caps.
pub fn plan(
    out: &Path,
    input: &Schema,
    cat: &Catalog,
    (licences, us): (&[Licence], &[UsShipments]),
    before: &[Drawdown],
) -> Result<Plan, BatchError> {
    let typed = crate::screen::output_schema(input);
    // Only the columns read, batch by batch: the orders that need a
    // licence are kept, not the ledger.
    let skip: Vec<String> = typed
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .filter(|n| !READ.contains(&n.as_str()))
        .collect();
    let mut items = Items::default();
    let mut pending = Vec::new();
    let mut row = 0usize;
    for b in open_skipping(out, 8192, &skip)? {
        let b = b?;
        for i in 0..b.num_rows() {
            let required = text(&b, "license_required", i).as_deref() == Some("true")
                && text(&b, "error", i).is_none();
            if required {
                let (date, order) = match order_of(&b, i, cat, &mut items) {
                    Ok((date, kept)) => (date, Ok(kept)),
                    Err(e) => (Date::default(), Err(e)),
                };
                let customs_value =
                    text(&b, "customs_value", i).and_then(|v| Decimal::from_str(&v).ok());
                pending.push(Pending {
                    row,
                    date,
                    order,
                    customs_value,
                });
            }
            row += 1;
        }
    }
    pending.sort_by_key(|p| (p.date, p.row));
    let mut rows: Vec<(usize, RowLicence)> = Vec::with_capacity(pending.len());
    // Running balances per licence line: one lookup per order, whatever
    // the number of drawdowns (a balance is still their sum).
    let mut running = Running::default();
    for d in before {
        running.add(d);
    }
    let matcher = Matcher::new(licences, us);
    let mut draws: Vec<Drawdown> = Vec::new();
    let mut summary = DrawSummary::default();
    for p in pending {
        rows.push((p.row, RowLicence::default()));
        let Some((_, slot)) = rows.last_mut() else {
            continue;
        };
        let o = match p.order.map(|k| k.order(p.date, &items.texts)) {
            Ok(o) => o,
            Err(reason) => {
                let key = reason.split(':').next().unwrap_or("").to_string();
                *summary.not_drawn.entry(key).or_default() += 1;
                slot.reason = Some(items.texts.id(reason));
                continue;
            }
        };
        let m = matcher.determine(&running, &o);
        summary.matched += 1;
        *summary
            .by_status
            .entry(m.status.as_str().to_string())
            .or_default() += 1;
        slot.status = Some(m.status);
        match (&m.applied, m.tried.first()) {
            (Some(a), _) => {
                slot.licence = Some(items.texts.id(a.number.clone()));
                slot.remaining_units = a.remaining_units;
                slot.remaining_value = Some(a.remaining_value);
                let mut reason = format!("covered by {} line {}", a.number, a.line);
                for u in &a.unchecked {
                    reason.push_str("; ");
                    reason.push_str(u);
                }
                slot.reason = Some(items.texts.id(reason));
                summary.units_drawn += o.units;
                summary.value_drawn += o.value;
                summary.cap_unchecked += u64::from(!a.unchecked.is_empty());
                let d = Drawdown {
                    licence: a.number.clone(),
                    line: a.line,
                    order: o.id.clone(),
                    date: o.date,
                    units: o.units,
                    value: o.value,
                    customs_value: p.customs_value,
                    model: Some(o.item.model.clone()),
                };
                running.add(&d);
                draws.push(d);
            }
            (None, Some(t)) => {
                slot.reason = Some(items.texts.id(format!("{}: {}", t.number, t.reason)));
            }
            (None, None) => slot.reason = Some(items.texts.id("no licence is recorded".into())),
        }
    }
    rows.sort_unstable_by_key(|(row, _)| *row);
    Ok(Plan {
        schema: typed,
        rows,
        texts: items.texts,
        drawdowns: draws,
        summary,
    })
}

impl Plan {
    /// Writes the screened ledger at `out` back with its types and the
    /// licence columns, batch by batch (through a temporary file that
    /// replaces it at the end).
    pub fn write(self, out: &Path) -> Result<(), BatchError> {
        let mut fields: Vec<Field> = self
            .schema
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        fields.push(Field::new("licence", DataType::Utf8, true));
        fields.push(Field::new("licence_status", DataType::Utf8, true));
        fields.push(Field::new(
            "licence_remaining_units",
            DataType::UInt64,
            true,
        ));
        fields.push(Field::new("licence_remaining_value", DataType::Utf8, true));
        fields.push(Field::new("licence_reason", DataType::Utf8, true));
        let schema = Arc::new(Schema::new(fields));
        let mut w = LedgerWriter::create(out, schema.clone())?;
        let mut at = 0usize;
        let bug = |e: arrow::error::ArrowError| {
            BatchError::new(
                chipexport_domain::Fault::Bug,
                out,
                format!("cannot add the licence columns to `{}`", out.display()),
                "this is a bug in chipexport; please report it",
            )
            .caused_by(e)
        };
        // The drawn rows, in row order: each batch takes those in its
        // range.
        let mut drawn = self.rows.into_iter().peekable();
        for b in open(out, 8192)? {
            let b = b?;
            let n = b.num_rows();
            let mut rows = vec![RowLicence::default(); n];
            while let Some((row, licence)) = drawn.next_if(|(row, _)| *row < at + n) {
                if let Some(slot) = row.checked_sub(at).and_then(|i| rows.get_mut(i)) {
                    *slot = licence;
                }
            }
            at += n;
            let mut cols: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
            for (c, f) in b.columns().iter().zip(self.schema.fields()) {
                cols.push(arrow::compute::cast(c, f.data_type()).map_err(bug)?);
            }
            let texts = &self.texts;
            cols.push(text_column(&rows, |r| texts.get(r.licence)));
            cols.push(text_column(&rows, |r| r.status.map(Status::as_str)));
            cols.push(Arc::new(
                rows.iter()
                    .map(|r| r.remaining_units)
                    .collect::<UInt64Array>(),
            ));
            cols.push(Arc::new(
                rows.iter()
                    .map(|r| r.remaining_value.map(|v| v.to_string()))
                    .collect::<StringArray>(),
            ));
            cols.push(text_column(&rows, |r| texts.get(r.reason)));
            w.write(&RecordBatch::try_new(schema.clone(), cols).map_err(bug)?)?;
        }
        w.finish()
    }
}

/// A text column of `rows`, each row's text as `f` reads it.
fn text_column<'t>(rows: &[RowLicence], f: impl Fn(&RowLicence) -> Option<&'t str>) -> ArrayRef {
    Arc::new(rows.iter().map(f).collect::<StringArray>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_kept_once_and_read_back_by_its_number() {
        let mut t = Texts::default();
        let a = t.id("D1234567: the item is not on the line".into());
        let b = t.id("no licence is recorded".into());
        assert_ne!(a, b);
        assert_eq!(t.id("D1234567: the item is not on the line".into()), a);
        assert_eq!(t.texts.len(), 2);
        assert_eq!(t.get(Some(b)), Some("no licence is recorded"));
        assert_eq!(t.get(None), None);
        assert_eq!(t.get(Some(7)), None);
    }
}
