//! Reading a ledger's rows: the positions of its columns (which it must
//! have, and which screening adds), and each row's question (chip,
//! destination, headquarters, exporting country, buyer type, date), the
//! order's date for its parties, its party names and its value, or the
//! error naming the column. Every distinct cell is parsed once per parser;
//! a [`RowParser`] parses on another thread than the screener's.

use std::collections::HashMap;
use std::str::FromStr;

use arrow::array::{Array, RecordBatch, StringArray};
use arrow::datatypes::Schema;
use chipexport_catalog::Catalog;
use chipexport_domain::{Country, Date};
use chipexport_rules::RuleSet;
use rust_decimal::Decimal;

use super::{ADDED, Map, OPTIONAL, READ_COLUMNS, REQUIRED, Screener, parties};
use crate::BatchError;

/// A row's question parsed: chip (its index in the catalog), destination,
/// headquarters, exporting country, buyer type (0: none), date.
pub(super) type ParsedQuestion = (u16, Country, Country, Country, u8, Date);

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

/// The text columns a row's question and value are read from.
pub(super) struct RowColumns<'b> {
    pub(super) chip: Option<&'b StringArray>,
    pub(super) dest: Option<&'b StringArray>,
    pub(super) hq: Option<&'b StringArray>,
    pub(super) from: Option<&'b StringArray>,
    pub(super) buyer: Option<&'b StringArray>,
    pub(super) date: Option<&'b StringArray>,
    pub(super) qty: Option<&'b StringArray>,
    pub(super) price: Option<&'b StringArray>,
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
        let chip = self.chip(
            cat,
            chip.filter(|s| !s.trim().is_empty())
                .ok_or("chip: missing")?
                .trim(),
        )?;
        let dest = self.country(
            "destination",
            destination
                .filter(|s| !s.trim().is_empty())
                .ok_or("destination: missing")?,
        )?;
        let hq = match hq.filter(|s| !s.trim().is_empty()) {
            Some(h) => self.country("end_user_hq", h)?,
            None => dest,
        };
        let from = match from.filter(|s| !s.trim().is_empty()) {
            Some(f) => self.country("exported_from", f)?,
            None => Country::us(),
        };
        let buyer = match buyer.map(str::trim).filter(|s| !s.is_empty()) {
            None => 0u8,
            Some(b) => match rs.vocabulary().buyer_type_index(b) {
                Some(i) => u8::try_from(i + 1).unwrap_or(0),
                None => {
                    return Err(format!(
                        "buyer_type: `{b}` is not a buyer type ({})",
                        rs.vocabulary().buyer_type_names().join(", ")
                    ));
                }
            },
        };
        let date = match on {
            Some(d) => d,
            None => self.date(
                ship_date
                    .filter(|s| !s.trim().is_empty())
                    .ok_or("ship_date: missing")?
                    .trim(),
            )?,
        };
        Ok((chip, dest, hq, from, buyer, date))
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
        fn v(a: Option<&StringArray>, i: usize) -> Option<&str> {
            a.filter(|a| a.is_valid(i)).map(|a| a.value(i))
        }
        range
            .map(|i| {
                let ship_date = v(c.date, i);
                let question = self.question(
                    rs,
                    cat,
                    on,
                    v(c.chip, i),
                    v(c.dest, i),
                    v(c.hq, i),
                    v(c.from, i),
                    v(c.buyer, i),
                    ship_date,
                );
                // The parties are screened on the order's date; without a
                // valid one the row's error names its date.
                let party_on = match (on, ship_date.map(str::trim)) {
                    (Some(d), _) => Some(d),
                    (None, Some(s)) if !s.is_empty() => self.date(s).ok(),
                    _ => None,
                };
                let (value, money_error) = money(v(c.qty, i), v(c.price, i));
                let names = c
                    .names
                    .map(|a| parties::cell(a, i).and_then(|n| self.name_id(n)));
                ParsedRow {
                    question,
                    on: party_on,
                    names,
                    parser,
                    value,
                    money_error,
                }
            })
            .collect()
    }
}

/// An order's value from its `quantity` and `unit_price` cells, or why there
/// is none. An absent column or an empty cell is no value and no error; a
/// cell that is not a whole number of units (or is negative), or a price
/// that is not a decimal number (or is negative), is an error.
pub(super) fn money(qty: Option<&str>, price: Option<&str>) -> (Option<Decimal>, Option<String>) {
    fn cell(c: Option<&str>) -> Option<&str> {
        c.map(str::trim).filter(|c| !c.is_empty())
    }
    let q = cell(qty).map(|q| match i64::from_str(q) {
        Ok(n) if n < 0 => Err(format!(
            "quantity: `{q}` is a negative quantity; give the units ordered, 0 or more"
        )),
        Ok(n) => Ok(n),
        Err(_) if Decimal::from_str(q).is_ok_and(|d| d.is_sign_negative()) => Err(format!(
            "quantity: `{q}` is a negative quantity; give the units ordered, 0 or more"
        )),
        Err(_) => Err(format!("quantity: `{q}` is not a whole number of units")),
    });
    let p = cell(price).map(|p| match Decimal::from_str(p) {
        Ok(d) if d.is_sign_negative() && !d.is_zero() => {
            Err(format!("unit_price: `{p}` is a negative price"))
        }
        Ok(d) => Ok(d),
        Err(_) => Err(format!("unit_price: `{p}` is not a decimal number")),
    });
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
}

/// The columns a row's question, value and (when the parties are
/// screened) names are read from.
pub(super) fn row_columns<'b>(cols: &Columns, b: &'b RecordBatch, parties: bool) -> RowColumns<'b> {
    let [chip, dest, hq, from, buyer, date, qty, price] = READ_COLUMNS.map(|n| cols.text(b, n));
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
mod tests {
    use arrow::datatypes::{DataType, Field, Schema};

    use super::*;
    use crate::screen::VALUE_COLUMNS;

    fn value(q: Option<&str>, p: Option<&str>) -> (Option<String>, Option<String>) {
        let (v, e) = money(q, p);
        (v.map(|v| v.to_string()), e)
    }

    #[test]
    fn money_names_what_is_wrong() {
        assert_eq!(value(Some("3"), Some("2.50")), (Some("7.50".into()), None));
        assert_eq!(value(Some(" 0 "), Some("2")), (Some("0".into()), None));
        let neg = value(Some("-5"), Some("2")).1.unwrap_or_default();
        assert!(
            neg.starts_with("quantity: `-5` is a negative quantity"),
            "{neg}"
        );
        let neg = value(Some("-2.5"), Some("2")).1.unwrap_or_default();
        assert!(neg.contains("negative quantity"), "{neg}");
        assert_eq!(
            value(Some("2.5"), Some("2")).1.as_deref(),
            Some("quantity: `2.5` is not a whole number of units")
        );
        assert_eq!(
            value(Some("1"), Some("-3")).1.as_deref(),
            Some("unit_price: `-3` is a negative price")
        );
        assert_eq!(
            value(Some("x"), Some("y")).1.as_deref(),
            Some(
                "quantity: `x` is not a whole number of units; unit_price: `y` is not a decimal number"
            )
        );
    }

    #[test]
    fn absent_or_empty_value_cells_are_no_value_and_no_error() {
        assert_eq!(value(None, None), (None, None));
        assert_eq!(value(Some("3"), None), (None, None));
        assert_eq!(value(Some(""), Some(" ")), (None, None));
        // A bad cell is an error even when the other column is absent.
        assert!(value(Some("-1"), None).1.is_some());
    }

    #[test]
    fn screen_needs_only_the_question_columns() {
        let schema = |cols: &[&str]| {
            Schema::new(
                cols.iter()
                    .map(|c| Field::new(*c, DataType::Utf8, true))
                    .collect::<Vec<_>>(),
            )
        };
        let f = std::path::Path::new("l.csv");
        let minimal = schema(&["order_id", "chip", "destination", "ship_date"]);
        assert!(Columns::of(&minimal, f).is_ok());
        let e = Columns::needing(&minimal, f, VALUE_COLUMNS).err();
        let e = e.map(|e| e.message).unwrap_or_default();
        assert!(
            e.contains("required columns `quantity`, `unit_price`"),
            "{e}"
        );
        let e = Columns::of(&schema(&["order_id", "chip", "ship_date"]), f)
            .err()
            .map(|e| (e.message, e.help))
            .unwrap_or_default();
        assert!(
            e.0.contains("`destination`") && e.1.contains("docs/ledgers.md"),
            "{e:?}"
        );
    }
}
