//! The screened ledger's columns: the input's, then the added ones, with
//! the order's value and the revenue share it owes.
//!
//! The answer's text columns are dictionary arrays: each row holds its
//! answer's id, and the dictionary the text of every answer so far. A
//! million rows share a few thousand answers, so no row's text is copied.
//! (The file written holds plain text columns: see `io::LedgerWriter`.)

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanArray, Decimal128Builder, DictionaryArray, RecordBatch, StringArray,
    UInt32Array,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, UInt32Type};
use chipexport_rules::{LicenseStatus, ReviewPolicy};
use rust_decimal::Decimal;

use super::{ADDED, SharedAnswer};

/// The columns of every answer so far, to gather rows from.
#[derive(Debug, Default)]
pub(super) struct AnswerColumns {
    /// How many answers they hold.
    pub(super) answers: usize,
    /// `status` to `rules_fired`, by answer.
    text: Vec<ArrayRef>,
    license_required: Option<ArrayRef>,
    share: Vec<Option<Decimal>>,
    /// The rule set's hash, the one value of `rule_set_hash`.
    hash: Option<ArrayRef>,
}

impl AnswerColumns {
    pub(super) fn of(a: &[SharedAnswer], hash: &str) -> AnswerColumns {
        let text = |vals: Vec<Option<&str>>| -> ArrayRef { Arc::new(StringArray::from(vals)) };
        AnswerColumns {
            answers: a.len(),
            text: vec![
                text(
                    a.iter()
                        .map(|x| x.status.map(LicenseStatus::as_str))
                        .collect(),
                ),
                text(a.iter().map(|x| x.eccn.as_deref()).collect()),
                text(a.iter().map(|x| x.license_exceptions.as_deref()).collect()),
                text(
                    a.iter()
                        .map(|x| x.review_policy.map(ReviewPolicy::as_str))
                        .collect(),
                ),
                text(a.iter().map(|x| x.conditions.as_deref()).collect()),
                text(a.iter().map(|x| x.measures.as_deref()).collect()),
                text(a.iter().map(|x| x.verdict.as_deref()).collect()),
                text(a.iter().map(|x| x.rules_fired.as_deref()).collect()),
            ],
            license_required: Some(Arc::new(BooleanArray::from(
                a.iter().map(|x| x.license_required).collect::<Vec<_>>(),
            ))),
            share: a.iter().map(|x| x.revenue_share_percent).collect(),
            hash: Some(Arc::new(StringArray::from(vec![hash]))),
        }
    }
}

/// A batch screened: its answer ids, values and errors, and the columns to
/// gather its answers from.
#[derive(Debug)]
pub struct Screened {
    pub(super) input: RecordBatch,
    pub(super) ids: Vec<u32>,
    pub(super) values: Vec<Option<Decimal>>,
    pub(super) errors: Vec<Option<String>>,
    pub(super) parties: [ArrayRef; 2],
    pub(super) answers: Arc<AnswerColumns>,
}

impl Screened {
    /// The output batch: the input columns and the added ones, gathered.
    /// An input column read as a dictionary of text is written as text.
    pub fn batch(self, out_schema: &SchemaRef) -> Result<RecordBatch, arrow::error::ArrowError> {
        self.batch_copying(out_schema, &[])
    }

    /// As [`Screened::batch`], for a writer that copies the input columns
    /// marked in `copied` (by position; see
    /// `io::LedgerWriter::copy_columns_from`) and does not read their
    /// values: those read as dictionaries are nulls of the output's type
    /// instead of being made text.
    pub fn batch_copying(
        self,
        out_schema: &SchemaRef,
        copied: &[bool],
    ) -> Result<RecordBatch, arrow::error::ArrowError> {
        let n = self.ids.len();
        let idx = UInt32Array::from(self.ids);
        let take = |a: &ArrayRef| arrow::compute::take(a, &idx, None);
        let missing = || arrow::error::ArrowError::ComputeError("no answer columns".into());
        let text = |i: usize| -> Result<ArrayRef, arrow::error::ArrowError> {
            dictionary(&idx, self.answers.text.get(i).ok_or_else(missing)?)
        };
        let mut out: Vec<ArrayRef> = Vec::with_capacity(out_schema.fields().len());
        for (i, (c, f)) in self
            .input
            .columns()
            .iter()
            .zip(out_schema.fields())
            .enumerate()
        {
            out.push(if c.data_type() == f.data_type() {
                c.clone()
            } else if copied.get(i).copied().unwrap_or(false) {
                arrow::array::new_null_array(f.data_type(), n)
            } else {
                arrow::compute::cast(c, f.data_type())?
            });
        }
        out.push(text(0)?);
        out.push(text(1)?);
        out.push(take(
            self.answers.license_required.as_ref().ok_or_else(missing)?,
        )?);
        for i in 2..8 {
            out.push(text(i)?);
        }
        let mut value_b = Decimal128Builder::with_capacity(n).with_precision_and_scale(38, 4)?;
        let mut owed_b = Decimal128Builder::with_capacity(n).with_precision_and_scale(38, 4)?;
        for (row, value) in self.values.iter().enumerate() {
            value_b.append_option(value.map(to_scaled));
            let share = idx
                .values()
                .get(row)
                .and_then(|&id| self.answers.share.get(id as usize))
                .copied()
                .flatten();
            let owed = match (value, share) {
                (Some(v), Some(p)) => v
                    .checked_mul(p)
                    .and_then(|x| x.checked_div(Decimal::from(100))),
                _ => None,
            };
            owed_b.append_option(owed.map(to_scaled));
        }
        out.push(Arc::new(value_b.finish()));
        out.push(Arc::new(owed_b.finish()));
        out.push(dictionary(
            &UInt32Array::from(vec![0; n]),
            self.answers.hash.as_ref().ok_or_else(missing)?,
        )?);
        out.extend(self.parties);
        out.push(Arc::new(StringArray::from(self.errors)));
        RecordBatch::try_new(out_schema.clone(), out)
    }
}

/// The rows `keys` of `values`, as a dictionary array; a row whose value is
/// null is null.
fn dictionary(keys: &UInt32Array, values: &ArrayRef) -> Result<ArrayRef, arrow::error::ArrowError> {
    let keys = match values.logical_nulls() {
        Some(nulls) => keys
            .iter()
            .map(|k| k.filter(|&k| nulls.is_valid(k as usize)))
            .collect(),
        None => keys.clone(),
    };
    Ok(Arc::new(DictionaryArray::<UInt32Type>::try_new(
        keys,
        values.clone(),
    )?))
}

/// The type of the added text columns: see the module's documentation.
pub(super) fn text_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::UInt32), Box::new(DataType::Utf8))
}

/// A decimal at scale 4 as the integer an Arrow Decimal128(38, 4) stores.
fn to_scaled(d: Decimal) -> i128 {
    // Most values (a price times a quantity) have 4 decimals or fewer:
    // their mantissa is scaled up, without rounding (a mantissa is below
    // 2^96, so times 10^4 it fits in an i128).
    match 4u32.checked_sub(d.scale()) {
        Some(up) => d.mantissa() * 10i128.pow(up),
        None => rounded(d),
    }
}

/// [`to_scaled`] by rounding to 4 decimals, for any decimal.
fn rounded(d: Decimal) -> i128 {
    let mut x = d.round_dp(4);
    x.rescale(4);
    x.mantissa()
}

/// The output schema: the input's, then the added columns.
pub fn output_schema(input: &Schema) -> SchemaRef {
    let mut fields: Vec<Field> = input.fields().iter().map(|f| f.as_ref().clone()).collect();
    for a in ADDED {
        let ty = match *a {
            "license_required" => DataType::Boolean,
            "value" | "revenue_share_owed" => DataType::Decimal128(38, 4),
            // Per row, not per answer.
            "party_lists" | "party_matches" | "error" => DataType::Utf8,
            _ => text_type(),
        };
        fields.push(Field::new(*a, ty, true));
    }
    Arc::new(Schema::new(fields))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rust_decimal::Decimal;
    use rust_decimal::prelude::ToPrimitive;

    use super::to_scaled;

    proptest! {
        /// Any decimal is kept rounded to 4 decimals: the integer part and
        /// the 4 decimals of what Arrow stores are those of the decimal
        /// rounded.
        #[test]
        fn any_decimal_is_kept_to_4_decimals(lo: u32, mid: u32, hi: u32, negative: bool, scale in 0u32..=28) {
            let d = Decimal::from_parts(lo, mid, hi, negative, scale);
            let r = d.round_dp(4);
            let s = to_scaled(d);
            prop_assert_eq!(Some(s / 10_000), r.trunc().to_i128());
            prop_assert_eq!(Decimal::from_i128_with_scale(s % 10_000, 4), r.fract());
        }
    }

    #[test]
    fn values_are_kept_to_4_decimals() {
        let d = |s: &str| s.parse::<Decimal>().unwrap_or_default();
        assert_eq!(to_scaled(d("12.5")), 125_000);
        assert_eq!(to_scaled(d("-0.00006")), -1);
        assert_eq!(to_scaled(d("1.23456")), 12_346);
        // Regression: a value of more than 24 digits before the point was
        // rescaled to fewer than 4 decimals, and Arrow read it 100 times
        // too small.
        let big = d("79228162514264337593543950");
        assert_eq!(to_scaled(big), 792_281_625_142_643_375_935_439_500_000);
    }
}
