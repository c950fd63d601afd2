//! Synthetic order ledgers for tests and benchmarks. Deterministic for a
//! seed; prices and quantities are made up (they are test data, not facts).

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};
use chipexport_catalog::Catalog;
use chipexport_domain::Fault;

use crate::BatchError;
use crate::io::LedgerWriter;

/// What kind of order book to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Catalog chips with figures to a mix of destinations, 2022 to 2026.
    Mixed,
    /// H20-heavy orders to China in 2025 (for rule-change impact).
    H20China,
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> Option<&'a T> {
        let n = u64::try_from(v.len()).ok()?;
        if n == 0 {
            return None;
        }
        v.get(usize::try_from(self.next() % n).ok()?)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const DESTINATIONS: &[&str] = &[
    "CN", "CN", "CN", "HK", "MO", "SG", "MY", "AE", "SA", "IN", "DE", "JP", "US", "VN", "RU", "TW",
];
const HQS: &[&str] = &["", "", "", "CN", "US", "SG"];
const BUYERS: &[&str] = &[
    "",
    "",
    "commercial",
    "large_tech",
    "state_funded_datacenter",
    "university",
];
const CUSTOMERS: &[&str] = &[
    "Acme Cloud",
    "Bright Compute",
    "Cobalt Labs",
    "Delta AI",
    "Eastern Data",
    "Far Horizon",
    "Granite Systems",
    "Harbor Tech",
];

/// One order in 50 names a real buyer in `customer` (the others name one
/// of [`CUSTOMERS`], made up and on no list): three on the Entity List
/// (Huawei, Inspur, Biren), and one that only possibly matches an entry (a
/// reviewer must clear or confirm it).
const LISTED_BUYERS: &[&str] = &[
    "Huawei Technologies Co., Ltd.",
    "Inspur Group Co., Ltd.",
    "Beijing Biren Technology Development Co., Ltd.",
    "Moore Threads Technology Co., Ltd.",
];
/// Consignees (freight forwarders), named in one order in five.
const CONSIGNEES: &[&str] = &["Pacific Freight Forwarding Ltd", "Nordic Logistics AB"];

/// The party columns of an order, from their own random stream (so the
/// other columns are those of earlier versions for the same seed).
fn parties(rng: &mut Rng) -> [String; 2] {
    let customer = if rng.below(50) == 0 {
        rng.pick(LISTED_BUYERS)
    } else {
        rng.pick(CUSTOMERS)
    };
    let consignee = if rng.below(5) == 0 {
        rng.pick(CONSIGNEES).copied().unwrap_or("")
    } else {
        ""
    };
    [
        customer.copied().unwrap_or("").to_string(),
        consignee.to_string(),
    ]
}

/// The columns written, in order: every column of the ledger contract
/// (`docs/ledgers.md`), in the order of the values below.
const COLUMNS: &[&str] = &[
    "order_id",
    "chip",
    "quantity",
    "unit_price",
    "currency",
    "destination",
    "end_user",
    "ship_date",
    "end_user_hq",
    "exported_from",
    "buyer_type",
    "customer",
    "consignee",
];

/// Writes `rows` synthetic orders to `out` (CSV, Parquet or JSON Lines).
pub fn generate(
    cat: &Catalog,
    profile: Profile,
    rows: u64,
    seed: u64,
    out: &Path,
) -> Result<(), BatchError> {
    let chips: Vec<&str> = match profile {
        Profile::Mixed => cat
            .entries
            .iter()
            .filter(|e| e.has_figures())
            .map(|e| e.id.as_str())
            .collect(),
        Profile::H20China => vec![
            "nvidia-h20-hgx-96gb",
            "nvidia-h20-hgx-96gb",
            "nvidia-h20-hgx-96gb",
            "nvidia-h20-hgx-141gb-hbm3e",
            "amd-instinct-mi308x-china-variant-192gb",
            "nvidia-l20-pcie-48gb",
        ],
    };
    let names: Vec<&str> = COLUMNS.to_vec();
    let schema = Arc::new(Schema::new(
        names
            .iter()
            .map(|n| Field::new(*n, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let mut w = LedgerWriter::create(out, schema.clone())?;
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut party_rng = Rng(seed.wrapping_mul(0xD1B5_4A32_D192_ED03) | 1);
    let (start, days) = match profile {
        Profile::Mixed => (chipexport_domain::Date::constant(2022, 6, 1), 1640),
        Profile::H20China => (chipexport_domain::Date::constant(2025, 1, 1), 365),
    };
    let mut done = 0u64;
    while done < rows {
        let n = (rows - done).min(65_536);
        let mut cols: Vec<StringBuilder> = names
            .iter()
            .map(|_| {
                StringBuilder::with_capacity(
                    usize::try_from(n).unwrap_or(0),
                    16 * usize::try_from(n).unwrap_or(0),
                )
            })
            .collect();
        for k in 0..n {
            let chip = rng.pick(&chips).copied().unwrap_or("nvidia-h20-hgx-96gb");
            let dest = match profile {
                Profile::Mixed => rng.pick(DESTINATIONS).copied().unwrap_or("CN"),
                Profile::H20China => "CN",
            };
            let day = i64::try_from(rng.below(days)).unwrap_or(0);
            let date = start
                .checked_add(jiff::Span::new().days(day))
                .unwrap_or(start);
            let [customer, consignee] = parties(&mut party_rng);
            let values = [
                format!("ORD-{:09}", done + k + 1),
                chip.to_string(),
                (1 + rng.below(512)).to_string(),
                format!("{}.{:02}", 8_000 + rng.below(30_000), rng.below(100)),
                "USD".to_string(),
                dest.to_string(),
                rng.pick(CUSTOMERS)
                    .copied()
                    .unwrap_or("Acme Cloud")
                    .to_string(),
                date.to_string(),
                rng.pick(HQS).copied().unwrap_or("").to_string(),
                if rng.below(10) == 0 {
                    "SG".to_string()
                } else {
                    String::new()
                },
                rng.pick(BUYERS).copied().unwrap_or("").to_string(),
                customer,
                consignee,
            ];
            for (b, v) in cols.iter_mut().zip(values) {
                if v.is_empty() {
                    b.append_null();
                } else {
                    b.append_value(v);
                }
            }
        }
        let arrays: Vec<ArrayRef> = cols
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef)
            .collect();
        let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| {
            BatchError::new(
                Fault::Bug,
                out,
                format!(
                    "cannot make a batch of synthetic orders for `{}`",
                    out.display()
                ),
                "this is a bug in chipexport; please report it",
            )
            .caused_by(e)
        })?;
        w.write(&batch)?;
        done += n;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use arrow::array::{Array, StringArray};

    #[test]
    fn writes_every_contract_column() {
        for c in crate::screen::REQUIRED
            .iter()
            .chain(crate::screen::OPTIONAL)
        {
            assert!(COLUMNS.contains(c), "{c}");
        }
    }

    #[test]
    fn every_chip_written_resolves_exactly() {
        let cat = Catalog::embedded().unwrap();
        let dir = tempfile::tempdir().unwrap();
        for (profile, name) in [
            (Profile::Mixed, "m.parquet"),
            (Profile::H20China, "h.parquet"),
        ] {
            let out = dir.path().join(name);
            generate(&cat, profile, 3_000, 11, &out).unwrap();
            for b in crate::io::open(&out, 1024).unwrap() {
                let b = b.unwrap();
                let i = b.schema().index_of("chip").unwrap();
                let chips = b.column(i).as_any().downcast_ref::<StringArray>().unwrap();
                for r in 0..chips.len() {
                    let res = cat.lookup_explained(chips.value(r)).unwrap();
                    assert!(res.is_exact(), "{}", chips.value(r));
                }
            }
        }
    }
}
