//! The parties of a ledger's orders (issue 13, item 5), with a fake party
//! screen: the party facts reach the decision columns, each distinct name
//! is screened once, orders before the list's date and over-long names are
//! row errors with their answer kept, and without a party screen nothing
//! changes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use arrow::array::{Array, BooleanArray, RecordBatch, StringArray};
use chipexport_batch::screen::FakeParties;
use chipexport_batch::{Scenario, screen};
use chipexport_catalog::Catalog;
use chipexport_rules::RuleSet;

fn read(path: &std::path::Path) -> RecordBatch {
    let f = std::fs::File::open(path).unwrap();
    let batches: Vec<RecordBatch> =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
            .unwrap()
            .build()
            .unwrap()
            .map(|b| b.unwrap())
            .collect();
    arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap()
}

fn text(b: &RecordBatch, name: &str, i: usize) -> Option<String> {
    let a = b
        .column(b.schema().index_of(name).unwrap())
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap();
    a.is_valid(i).then(|| a.value(i).to_string())
}

fn licence(b: &RecordBatch, i: usize) -> Option<bool> {
    let a = b
        .column(b.schema().index_of("license_required").unwrap())
        .as_any()
        .downcast_ref::<BooleanArray>()
        .unwrap();
    a.is_valid(i).then(|| a.value(i))
}

#[test]
fn party_facts_decide_each_order_and_each_name_is_screened_once() {
    let rs = RuleSet::embedded().unwrap();
    let cat = Catalog::embedded().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("l.csv");
    let long = "x".repeat(400);
    std::fs::write(
        &input,
        format!(
            "order_id,chip,destination,ship_date,customer,consignee\n\
             1,nvidia-h20-hgx-96gb,DE,2026-08-05,LISTED Corp,\n\
             2,nvidia-h20-hgx-96gb,DE,2026-08-05,MAYBE Ltd,\n\
             3,nvidia-h20-hgx-96gb,DE,2026-08-05,Plain GmbH,\n\
             4,nvidia-h20-hgx-96gb,DE,2026-08-05,,\n\
             5,nvidia-h20-hgx-96gb,DE,2025-01-01,LISTED Corp,\n\
             6,nvidia-h20-hgx-96gb,DE,2026-08-05,{long},\n\
             7,nvidia-h20-hgx-96gb,DE,2026-09-01,Plain GmbH,LISTED Corp\n\
             8,nvidia-h20-hgx-96gb,DE,2026-09-01,LISTED Corp,\n"
        ),
    )
    .unwrap();
    let fake = Arc::new(FakeParties::default());
    let scenario = Scenario {
        parties: Some(fake.clone()),
        ..Scenario::default()
    };
    let out = dir.path().join("with.parquet");
    let s = screen(&rs, &cat, scenario, &input, &out, &mut |_| {}).unwrap();
    let b = read(&out);
    let lists: Vec<Option<String>> = (0..8).map(|i| text(&b, "party_lists", i)).collect();
    assert_eq!(
        lists,
        vec![
            Some("[\"EL\"]".into()),
            Some("[]".into()),
            Some("[]".into()),
            None,
            None,
            None,
            Some("[\"EL\"]".into()),
            Some("[\"EL\"]".into()),
        ]
    );
    // Listed: a licence; possible: cannot decide; clear: as without parties.
    assert_eq!(licence(&b, 0), Some(true));
    assert_eq!(text(&b, "status", 0).as_deref(), Some("required"));
    assert!(text(&b, "rules_fired", 0).unwrap().contains("entity-list"));
    assert_eq!(text(&b, "status", 1).as_deref(), Some("undetermined"));
    assert_eq!(licence(&b, 2), licence(&b, 3));
    assert_eq!(licence(&b, 6), Some(true), "a listed consignee counts");
    let err = |i| text(&b, "error", i).unwrap_or_default();
    assert!(err(4).starts_with("parties: the screening list in use is dated 2026-07-31"));
    assert!(text(&b, "eccn", 4).is_some(), "the answer is kept");
    assert!(
        err(5).starts_with("customer: the name is longer"),
        "{}",
        err(5)
    );
    assert_eq!(s.rows_with_error, 2);
    assert_eq!(s.errors.get("parties"), Some(&1));
    let p = s.parties.unwrap();
    assert_eq!(p.orders_screened, 5);
    assert_eq!(p.with_listed_party, 3);
    assert_eq!(p.with_possible_match, 1);
    assert_eq!(p.after_list_by_more_than_7_days, 2);
    assert!(p.warning.unwrap().contains("2 orders"));
    // LISTED Corp, MAYBE Ltd, Plain GmbH: once each.
    assert_eq!(p.distinct_names, 3);

    // Without a party screen: the same answers as before parties existed.
    let plain = dir.path().join("without.parquet");
    let s = screen(&rs, &cat, Scenario::default(), &input, &plain, &mut |_| {}).unwrap();
    assert!(s.parties.is_none());
    assert_eq!(s.rows_with_error, 0);
    let b2 = read(&plain);
    for i in 0..8 {
        assert_eq!(text(&b2, "party_lists", i), None);
        assert_eq!(text(&b2, "party_matches", i), None);
        assert_eq!(licence(&b2, i), licence(&b, 2), "row {i}");
    }
}
