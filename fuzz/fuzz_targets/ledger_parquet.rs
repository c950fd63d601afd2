//! Fuzzes the Parquet ledger reader two ways: the bytes as a Parquet file
//! (seeded with real ones, so mutations reach the footer, the metadata and
//! the pages), and a well-formed Parquet file built from fuzzed columns of
//! fuzzed types (so the cast of every column to text is exercised). Both
//! are screened end to end (see ledger_common.rs).
#![no_main]

use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use libfuzzer_sys::fuzz_target;

#[path = "ledger_common.rs"]
mod common;

const COLUMNS: [&str; 11] = [
    "order_id", "chip", "quantity", "unit_price", "currency", "destination", "end_user",
    "ship_date", "end_user_hq", "exported_from", "buyer_type",
];

/// A Parquet file of the ledger's columns: each column's type is chosen by
/// a byte, and its cells are the fuzzed fields (split at 0xFF) read as that
/// type.
fn built(data: &[u8]) -> Option<Vec<u8>> {
    let (types, rest) = data.split_at_checked(COLUMNS.len())?;
    let fields: Vec<&[u8]> = rest.split(|b| *b == 0xFF).collect();
    let rows = (fields.len() / COLUMNS.len()).max(1);
    let cell = |c: usize, r: usize| fields.get(r * COLUMNS.len() + c).copied().unwrap_or(b"");
    let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();
    let mut schema = Vec::new();
    let mut cols: Vec<ArrayRef> = Vec::new();
    for (c, (name, t)) in COLUMNS.iter().zip(types).enumerate() {
        let vals = (0..rows).map(|r| cell(c, r));
        let (dt, col): (DataType, ArrayRef) = match t % 6 {
            0 => (DataType::Utf8, Arc::new(StringArray::from_iter(vals.map(|v| Some(text(v)))))),
            1 => (DataType::Int64, Arc::new(Int64Array::from_iter(vals.map(|v| text(v).trim().parse().ok())))),
            2 => (DataType::Float64, Arc::new(Float64Array::from_iter(vals.map(|v| text(v).trim().parse().ok())))),
            3 => (DataType::Date32, Arc::new(Date32Array::from_iter(vals.map(|v| text(v).trim().parse().ok())))),
            4 => (DataType::Boolean, Arc::new(BooleanArray::from_iter(vals.map(|v| v.first().map(|b| b % 2 == 0))))),
            // A column left out.
            _ => continue,
        };
        schema.push(Field::new(*name, dt, true));
        cols.push(col);
    }
    let batch = RecordBatch::try_new(Arc::new(Schema::new(schema)), cols).ok()?;
    let mut out = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut out, batch.schema(), None).ok()?;
    w.write(&batch).ok()?;
    w.close().ok()?;
    Some(out)
}

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((b, rest)) if b % 2 == 1 => {
            if let Some(file) = built(rest) {
                common::screen("parquet", &file);
            }
        }
        Some((_, rest)) if !rest.is_empty() => common::screen("parquet", rest),
        _ => {}
    }
});
