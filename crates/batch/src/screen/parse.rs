//! Reading a ledger's rows: the positions of its columns (which it must
//! have, and which screening adds), and each row's question (chip,
//! destination, headquarters, exporting country, buyer type, date), the
//! order's date for its parties, its party names and its value, or the
//! error naming the column. Every distinct cell is parsed once per parser;
//! a [`RowParser`] parses on another thread than the screener's.

use std::collections::HashMap;
use std::str::FromStr;

use arrow::array::{Array, ArrayRef, DictionaryArray, Int32Array, RecordBatch, StringArray};
use arrow::datatypes::Int32Type;
use arrow::datatypes::Schema;
use chipexport_catalog::Catalog;
use chipexport_domain::{Country, Date};
use chipexport_rules::RuleSet;
use rust_decimal::Decimal;

use super::memo::bucket;
use super::{ADDED, Map, OPTIONAL, READ_COLUMNS, REQUIRED, Screener, parties};
use crate::BatchError;

/// A row's question parsed: chip (its index in the catalog), destination,
/// headquarters, exporting country, buyer type (0: none), date, and the
/// breakpoint interval that holds the date (see `memo::bucket`).
pub(super) type ParsedQuestion = (u16, Country, Country, Country, u8, Date, u16);

/// A row parsed: its question or the question's error, the order's date
/// for its parties, and its value or the value's error.
pub(super) struct ParsedRow {
    pub(super) question: Result<ParsedQuestion, String>,
    pub(super) on: Option<Date>,
    /// The ids its parser gave its names (customer, end user, consignee).
    pub(super) names: [Option<u32>; 3],
    /// Which parser (0 or 1: the screener's; 2: a [`super::RowParser`]).
    pub(super) parser: u8,
    pub(super) value: Option<Decimal>,
    pub(super) money_error: Option<String>,
}

/// A text column of a batch: plain text, or a dictionary of text (as
/// `io::open_with` reads a dictionary-encoded Parquet column), whose
/// distinct values are parsed once each.
#[derive(Clone, Copy)]
pub(super) enum Text<'b> {
    Plain(&'b StringArray),
    /// The keys, and the values they index.
    Dictionary(&'b Int32Array, &'b StringArray),
}

impl<'b> Text<'b> {
    /// The column as text, if it is plain text or a dictionary of it.
    pub(super) fn of(a: &'b ArrayRef) -> Option<Text<'b>> {
        if let Some(s) = a.as_any().downcast_ref::<StringArray>() {
            return Some(Text::Plain(s));
        }
        let d = a.as_any().downcast_ref::<DictionaryArray<Int32Type>>()?;
        let values = d.values().as_any().downcast_ref::<StringArray>()?;
        Some(Text::Dictionary(d.keys(), values))
    }
}

/// One column's cells made into values: a plain column's cell by cell, a
/// dictionary's value by value, each the first time a row holds it.
struct Cells<'b, T> {
    text: Option<Text<'b>>,
    /// A dictionary's values made so far, by key.
    by_key: Vec<Option<T>>,
    /// The value of a null cell of a dictionary, or of every cell of an
    /// absent column, once made.
    null: Option<T>,
}

impl<'b, T: Clone> Cells<'b, T> {
    fn new(text: Option<Text<'b>>) -> Self {
        let by_key = match text {
            Some(Text::Dictionary(_, values)) => vec![None; values.len()],
            _ => Vec::new(),
        };
        Cells {
            text,
            by_key,
            null: None,
        }
    }

    /// Row `i`'s value: `make` of its text (`None`: null or no column).
    fn at(&mut self, i: usize, make: impl FnOnce(Option<&str>) -> T) -> T {
        match self.text {
            Some(Text::Plain(a)) => make(a.is_valid(i).then(|| a.value(i))),
            Some(Text::Dictionary(keys, values)) if keys.is_valid(i) => {
                let k = usize::try_from(keys.value(i)).unwrap_or(usize::MAX);
                match self.by_key.get_mut(k) {
                    Some(Some(v)) => v.clone(),
                    Some(slot) => slot
                        .insert(make(values.is_valid(k).then(|| values.value(k))))
                        .clone(),
                    // A key past the dictionary (which the reader refuses).
                    None => make(None),
                }
            }
            _ => self.null.get_or_insert_with(|| make(None)).clone(),
        }
    }
}

/// The text columns a row's question and value are read from.
pub(super) struct RowColumns<'b> {
    pub(super) chip: Option<Text<'b>>,
    pub(super) dest: Option<Text<'b>>,
    pub(super) hq: Option<Text<'b>>,
    pub(super) from: Option<Text<'b>>,
    pub(super) buyer: Option<Text<'b>>,
    pub(super) date: Option<Text<'b>>,
    pub(super) qty: Option<Text<'b>>,
    pub(super) price: Option<Text<'b>>,
    pub(super) names: [Option<&'b StringArray>; 3],
}

/// Parses rows, remembering every distinct cell it parsed.
#[derive(Debug, Default)]
pub(super) struct Parser {
    chips: Map<String, Result<u16, String>>,
    countries: Map<String, Result<Country, String>>,
    dates: Map<String, Result<Date, String>>,
    /// Party names, numbered in the order met.
    names: Map<String, u32>,
    name_list: Vec<String>,
}

impl Parser {
    /// The number of a party name.
    pub(super) fn name_id(&mut self, s: &str) -> Option<u32> {
        if let Some(&id) = self.names.get(s) {
            return Some(id);
        }
        let id = u32::try_from(self.name_list.len()).ok()?;
        self.names.insert(s.to_string(), id);
        self.name_list.push(s.to_string());
        Some(id)
    }

    /// The party names numbered `from` on.
    pub(super) fn names_from(&self, from: usize) -> Vec<String> {
        self.name_list.get(from..).unwrap_or(&[]).to_vec()
    }

    /// The party name numbered `id`.
    pub(super) fn name(&self, id: usize) -> Option<&str> {
        self.name_list.get(id).map(String::as_str)
    }

    fn chip(&mut self, cat: &Catalog, s: &str) -> Result<u16, String> {
        if let Some(r) = self.chips.get(s) {
            return r.clone();
        }
        let r = match cat.lookup(s) {
            Ok(e) => cat
                .entries
                .iter()
                .position(|x| x.id == e.id)
                .and_then(|i| u16::try_from(i).ok())
                .ok_or_else(|| "catalog too large".to_string()),
            Err(e) => Err(format!("chip: {e}; {}", e.help())),
        };
        self.chips.insert(s.to_string(), r.clone());
        r
    }

    fn country(&mut self, col: &str, s: &str) -> Result<Country, String> {
        let r = match self.countries.get(s) {
            Some(Ok(c)) => return Ok(*c),
            Some(r) => r.clone(),
            None => {
                let r = Country::parse(s).map_err(|e| format!("{e}; {}", e.help()));
                self.countries.insert(s.to_string(), r.clone());
                r
            }
        };
        r.map_err(|e| format!("{col}: {e}"))
    }

    fn date(&mut self, s: &str) -> Result<Date, String> {
        if let Some(r) = self.dates.get(s) {
            return r.clone();
        }
        let r = chipexport_domain::parse_date(s).map_err(|m| format!("ship_date: {m}"));
        self.dates.insert(s.to_string(), r.clone());
        r
    }

    /// A row's question, or its error (`column: reason`).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn question(
        &mut self,
        rs: &RuleSet,
        cat: &Catalog,
        on: Option<Date>,
        chip: Option<&str>,
        destination: Option<&str>,
        hq: Option<&str>,
        from: Option<&str>,
        buyer: Option<&str>,
        ship_date: Option<&str>,
    ) -> Result<ParsedQuestion, String> {
        let chip = self.chip_cell(cat, chip);
        let dest = self.destination_cell(destination);
        let hq = self.country_cell("end_user_hq", hq);
        let from = self.country_cell("exported_from", from);
        let buyer = buyer_cell(rs, buyer);
        let date = match on {
            Some(d) => Ok(d),
            None => self.date_cell(ship_date),
        };
        let dated = date.map(|d| (d, bucket(rs.breakpoints(), d)));
        question_of(chip, dest, hq, from, buyer, dated)
    }

    /// A `chip` cell: the chip's index in the catalog.
    fn chip_cell(&mut self, cat: &Catalog, s: Option<&str>) -> Result<u16, String> {
        let s = s.map(str::trim).filter(|s| !s.is_empty());
        self.chip(cat, s.ok_or("chip: missing")?)
    }

    /// A `destination` cell.
    fn destination_cell(&mut self, s: Option<&str>) -> Result<Country, String> {
        let s = s.filter(|s| !s.trim().is_empty());
        self.country("destination", s.ok_or("destination: missing")?)
    }

    /// A cell of the optional country column `col`: `None` when empty.
    fn country_cell(&mut self, col: &str, s: Option<&str>) -> Result<Option<Country>, String> {
        match s.filter(|s| !s.trim().is_empty()) {
            Some(c) => self.country(col, c).map(Some),
            None => Ok(None),
        }
    }

    /// A `ship_date` cell.
    fn date_cell(&mut self, s: Option<&str>) -> Result<Date, String> {
        let s = s.map(str::trim).filter(|s| !s.is_empty());
        self.date(s.ok_or("ship_date: missing")?)
    }

    /// Rows `range` of a batch parsed.
    pub(super) fn rows(
        &mut self,
        rs: &RuleSet,
        cat: &Catalog,
        on: Option<Date>,
        c: &RowColumns<'_>,
        range: std::ops::Range<usize>,
        parser: u8,
    ) -> Vec<ParsedRow> {
        let mut chips = Cells::new(c.chip);
        let mut dests = Cells::new(c.dest);
        let mut hqs = Cells::new(c.hq);
        let mut froms = Cells::new(c.from);
        let mut buyers = Cells::new(c.buyer);
        let mut dates = Cells::new(c.date);
        let mut qtys = Cells::new(c.qty);
        let mut prices = Cells::new(c.price);
        // Each distinct date's interval is found once.
        let breakpoints = rs.breakpoints();
        let on = on.map(|d| (d, bucket(breakpoints, d)));
        range
            .map(|i| {
                // The date is read for the parties even when the question
                // is asked on another date; without a valid one the row's
                // error names its date.
                let date = dates.at(i, |s| {
                    self.date_cell(s).map(|d| (d, bucket(breakpoints, d)))
                });
                let question = question_of(
                    chips.at(i, |s| self.chip_cell(cat, s)),
                    dests.at(i, |s| self.destination_cell(s)),
                    hqs.at(i, |s| self.country_cell("end_user_hq", s)),
                    froms.at(i, |s| self.country_cell("exported_from", s)),
                    buyers.at(i, |s| buyer_cell(rs, s)),
                    on.map_or_else(|| date.clone(), Ok),
                );
                let (value, money_error) =
                    value_of(qtys.at(i, quantity_cell), prices.at(i, price_cell));
                let names = c
                    .names
                    .map(|a| parties::cell(a, i).and_then(|n| self.name_id(n)));
                ParsedRow {
                    question,
                    on: on.or(date.ok()).map(|(d, _)| d),
                    names,
                    parser,
                    value,
                    money_error,
                }
            })
            .collect()
    }
}

/// A `buyer_type` cell: 0 when empty, else 1 + the buyer type's index in
/// the vocabulary.
fn buyer_cell(rs: &RuleSet, s: Option<&str>) -> Result<u8, String> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(0),
        Some(b) => match rs.vocabulary().buyer_type_index(b) {
            Some(i) => Ok(u8::try_from(i + 1).unwrap_or(0)),
            None => Err(format!(
                "buyer_type: `{b}` is not a buyer type ({})",
                rs.vocabulary().buyer_type_names().join(", ")
            )),
        },
    }
}

/// A row's question from its cells, or the error of the first cell (in
/// the order of the arguments) that has one. An empty headquarters is the
/// destination, an empty exporting country the United States.
fn question_of(
    chip: Result<u16, String>,
    dest: Result<Country, String>,
    hq: Result<Option<Country>, String>,
    from: Result<Option<Country>, String>,
    buyer: Result<u8, String>,
    date: Result<(Date, u16), String>,
) -> Result<ParsedQuestion, String> {
    let (chip, dest) = (chip?, dest?);
    let hq = hq?.unwrap_or(dest);
    let from = from?.unwrap_or_else(Country::us);
    let (buyer, (date, interval)) = (buyer?, date?);
    Ok((chip, dest, hq, from, buyer, date, interval))
}

/// An order's value from its `quantity` and `unit_price` cells, or why there
/// is none. An absent column or an empty cell is no value and no error; a
/// cell that is not a whole number of units (or is negative), or a price
/// that is not a decimal number (or is negative), is an error.
#[cfg(test)]
pub(super) fn money(qty: Option<&str>, price: Option<&str>) -> (Option<Decimal>, Option<String>) {
    value_of(quantity_cell(qty), price_cell(price))
}

/// A `quantity` cell: `None` when absent or empty.
fn quantity_cell(q: Option<&str>) -> Option<Result<i64, String>> {
    let q = q.map(str::trim).filter(|q| !q.is_empty())?;
    Some(match i64::from_str(q) {
        Ok(n) if n < 0 => Err(format!(
            "quantity: `{q}` is a negative quantity; give the units ordered, 0 or more"
        )),
        Ok(n) => Ok(n),
        Err(_) if Decimal::from_str(q).is_ok_and(|d| d.is_sign_negative()) => Err(format!(
            "quantity: `{q}` is a negative quantity; give the units ordered, 0 or more"
        )),
        Err(_) => Err(format!("quantity: `{q}` is not a whole number of units")),
    })
}

/// A `unit_price` cell: `None` when absent or empty.
fn price_cell(p: Option<&str>) -> Option<Result<Decimal, String>> {
    let p = p.map(str::trim).filter(|p| !p.is_empty())?;
    Some(match Decimal::from_str(p) {
        Ok(d) if d.is_sign_negative() && !d.is_zero() => {
            Err(format!("unit_price: `{p}` is a negative price"))
        }
        Ok(d) => Ok(d),
        Err(_) => Err(format!("unit_price: `{p}` is not a decimal number")),
    })
}

/// An order's value from its quantity and price cells (see [`money`]).
fn value_of(
    q: Option<Result<i64, String>>,
    p: Option<Result<Decimal, String>>,
) -> (Option<Decimal>, Option<String>) {
    match (q, p) {
        (Some(Err(e)), Some(Err(f))) => (None, Some(format!("{e}; {f}"))),
        (Some(Err(e)), _) | (_, Some(Err(e))) => (None, Some(e)),
        (Some(Ok(q)), Some(Ok(p))) => match p.checked_mul(Decimal::from(q)) {
            Some(v) => (Some(v), None),
            None => (
                None,
                Some("value: quantity x unit_price overflows".to_string()),
            ),
        },
        _ => (None, None),
    }
}

/// Column positions of a ledger.
#[derive(Debug, Clone)]
pub struct Columns {
    /// Position of each required and optional column present in the ledger.
    pub idx: HashMap<&'static str, usize>,
}

impl Columns {
    /// The positions of the columns of `schema` for `screen`; a missing
    /// [`REQUIRED`] column, or a column that screening adds, is an error naming
    /// `file`.
    pub fn of(schema: &Schema, file: &std::path::Path) -> Result<Columns, BatchError> {
        Columns::needing(schema, file, &[])
    }

    /// As [`Columns::of`], also requiring the optional columns `also` (such
    /// as [`VALUE_COLUMNS`](super::VALUE_COLUMNS) for `impact`).
    pub fn needing(
        schema: &Schema,
        file: &std::path::Path,
        also: &[&'static str],
    ) -> Result<Columns, BatchError> {
        let mut idx = HashMap::new();
        let mut missing = Vec::new();
        let required = |n: &str| REQUIRED.contains(&n) || also.contains(&n);
        for name in REQUIRED.iter().chain(OPTIONAL) {
            match schema.index_of(name) {
                Ok(i) => {
                    idx.insert(*name, i);
                }
                Err(_) if required(name) => missing.push(*name),
                Err(_) => {}
            }
        }
        if !missing.is_empty() {
            let have: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            return Err(BatchError::input(
                file,
                format!(
                    "`{}` lacks the required column{} {}",
                    file.display(),
                    if missing.len() == 1 { "" } else { "s" },
                    missing
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                &format!(
                    "a ledger needs {}{}; it has {} (see docs/ledgers.md)",
                    REQUIRED.join(", "),
                    if also.is_empty() {
                        String::new()
                    } else {
                        format!(", and here {}", also.join(", "))
                    },
                    have.join(", ")
                ),
            ));
        }
        for a in ADDED {
            if schema.index_of(a).is_ok() {
                return Err(BatchError::input(
                    file,
                    format!(
                        "`{}` already has a column `{a}`, which screening adds",
                        file.display()
                    ),
                    "rename or drop it (is this an already screened file?)",
                ));
            }
        }
        Ok(Columns { idx })
    }

    pub(super) fn text<'b>(&self, b: &'b RecordBatch, name: &str) -> Option<&'b StringArray> {
        self.idx
            .get(name)
            .and_then(|&i| b.column(i).as_any().downcast_ref::<StringArray>())
    }

    /// Column `name` of a batch as text, plain or a dictionary.
    pub(super) fn cells<'b>(&self, b: &'b RecordBatch, name: &str) -> Option<Text<'b>> {
        self.idx.get(name).and_then(|&i| Text::of(b.column(i)))
    }
}

/// The columns a row's question, value and (when the parties are
/// screened) names are read from.
pub(super) fn row_columns<'b>(cols: &Columns, b: &'b RecordBatch, parties: bool) -> RowColumns<'b> {
    let [chip, dest, hq, from, buyer, date, qty, price] = READ_COLUMNS.map(|n| cols.cells(b, n));
    RowColumns {
        chip,
        dest,
        hq,
        from,
        buyer,
        date,
        qty,
        price,
        // Names are read only when the parties are screened.
        names: if parties {
            Screener::name_columns(cols, b)
        } else {
            [None; 3]
        },
    }
}

/// Parses a screener's rows on another thread than the screener's, so that
/// parsing the next batch overlaps screening this one (see
/// [`Screener::row_parser`]).
pub struct RowParser<'a> {
    rs: &'a RuleSet,
    cat: &'a Catalog,
    on: Option<Date>,
    parties: bool,
    parser: Parser,
    /// How many of its names the screener has.
    names_sent: usize,
}

/// A batch's rows parsed by a [`RowParser`], for
/// [`Screener::screened_parsed`].
pub struct ParsedBatch {
    pub(super) rows: Vec<ParsedRow>,
    /// The party names the parser met first in this batch, in the order
    /// it numbered them.
    pub(super) new_names: Vec<String>,
}

impl<'a> RowParser<'a> {
    /// A parser of rows screened by `rs` and `cat`, on `on` (instead of
    /// their ship dates) when given, with their names when `parties`.
    pub(super) fn new(rs: &'a RuleSet, cat: &'a Catalog, on: Option<Date>, parties: bool) -> Self {
        RowParser {
            rs,
            cat,
            on,
            parties,
            parser: Parser::default(),
            names_sent: 0,
        }
    }

    /// The rows of a batch, parsed.
    pub fn parse(&mut self, cols: &Columns, b: &RecordBatch) -> ParsedBatch {
        let c = row_columns(cols, b, self.parties);
        let rows = self.parser.rows(
            self.rs,
            self.cat,
            self.on,
            &c,
            0..b.num_rows(),
            parties::EXTERNAL_PARSER,
        );
        let new_names = self.parser.names_from(self.names_sent);
        self.names_sent += new_names.len();
        ParsedBatch { rows, new_names }
    }
}

#[cfg(test)]
mod tests;
