//! Tests of reading rows: money cells, the columns a ledger needs, and
//! dictionary columns parsed as plain text is.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema};

use super::*;
use crate::screen::VALUE_COLUMNS;

fn value(q: Option<&str>, p: Option<&str>) -> (Option<String>, Option<String>) {
    let (v, e) = money(q, p);
    (v.map(|v| v.to_string()), e)
}

type Seen = (
    Result<ParsedQuestion, String>,
    Option<Date>,
    Option<Decimal>,
    Option<String>,
);

/// Rows parsed from `cols` (in `READ_COLUMNS`' order), on `on`.
fn parse(cols: &[ArrayRef], on: Option<Date>) -> Vec<Seen> {
    let rs = RuleSet::embedded().unwrap();
    let cat = Catalog::embedded().unwrap();
    let t = |i: usize| cols.get(i).and_then(Text::of);
    let c = RowColumns {
        chip: t(0),
        dest: t(1),
        hq: t(2),
        from: t(3),
        buyer: t(4),
        date: t(5),
        qty: t(6),
        price: t(7),
        names: [None; 3],
    };
    let n = cols.first().map_or(0, |c| c.len());
    Parser::default()
        .rows(&rs, &cat, on, &c, 0..n, 0)
        .into_iter()
        .map(|r| (r.question, r.on, r.value, r.money_error))
        .collect()
}

/// A column read as a dictionary (each distinct value parsed once)
/// gives every row what the same column as plain text gives: nulls,
/// empty and padded cells, bad values, and a null in the dictionary's
/// values.
#[test]
fn dictionary_columns_parse_as_plain_text_does() {
    let rows: [[Option<&str>; 8]; 7] = [
        [
            Some("H100"),
            Some("CN"),
            None,
            None,
            None,
            Some("2025-05-01"),
            Some("2"),
            Some("10.5"),
        ],
        [
            Some(" H100 "),
            Some("cn"),
            Some("US"),
            Some(""),
            Some("large_tech"),
            Some(" 2025-05-01"),
            Some("2"),
            Some("3"),
        ],
        [
            None,
            Some("CN"),
            None,
            None,
            None,
            Some("2025-05-01"),
            Some("x"),
            Some("1"),
        ],
        [
            Some("H100"),
            Some("XX"),
            None,
            None,
            None,
            Some("2025-05-01"),
            Some("-1"),
            Some("-2"),
        ],
        [
            Some("H100"),
            Some("DE"),
            Some("CN"),
            Some("SG"),
            Some("nobody"),
            Some("May"),
            None,
            Some("1"),
        ],
        [
            Some("no such chip"),
            None,
            None,
            None,
            Some(" "),
            None,
            Some("2"),
            Some("10.5"),
        ],
        [
            Some("H100"),
            Some("CN"),
            None,
            None,
            None,
            None,
            Some("2"),
            None,
        ],
    ];
    let plain: Vec<ArrayRef> = (0..8)
        .map(|c| {
            Arc::new(StringArray::from(
                rows.iter().map(|r| r[c]).collect::<Vec<_>>(),
            )) as ArrayRef
        })
        .collect();
    let dictionary: Vec<ArrayRef> = plain
        .iter()
        .map(|c| arrow::compute::cast(c, &crate::io::text_dictionary()).unwrap())
        .collect();
    for on in [None, chipexport_domain::parse_date("2026-01-20").ok()] {
        let expected = parse(&plain, on);
        assert_eq!(parse(&dictionary, on), expected, "on {on:?}");
        // Errors are kept, in their column's order.
        assert!(
            expected
                .iter()
                .any(|r| r.0.as_ref().is_err_and(|e| e.starts_with("chip:")))
        );
        assert!(
            expected
                .iter()
                .any(|r| r.3.as_ref().is_some_and(|e| e.starts_with("quantity:")))
        );
    }
    // A null among the dictionary's values reads as a null cell.
    let keys = Int32Array::from(vec![Some(0), Some(1), None]);
    let values = StringArray::from(vec![Some("CN"), None]);
    let d: ArrayRef =
        Arc::new(DictionaryArray::<Int32Type>::try_new(keys, Arc::new(values)).unwrap());
    let mut cells = Cells::new(Text::of(&d));
    let cell = |i| cells.at(i, |s| s.map(String::from));
    let read: Vec<Option<String>> = (0..3).map(cell).collect();
    assert_eq!(read, [Some("CN".to_string()), None, None]);
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
