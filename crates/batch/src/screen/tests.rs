//! Tests of the screener: which questions its memo tells apart (the buyer
//! type), and rows parsed on another thread.

use arrow::array::StringArray;
use arrow::datatypes::{DataType, Field, Schema};

use super::*;

/// The buyer type tells questions apart only where a rule of the chip's
/// plan reads it; elsewhere only whether it is given does (a fact not
/// given can leave an answer undetermined).
#[test]
fn the_buyer_type_tells_questions_apart_only_where_a_rule_reads_it() {
    let rs = RuleSet::embedded().expect("rules load");
    let cat = Catalog::embedded().expect("catalog loads");
    let mut s = Screener::new(&rs, &cat, Scenario::default());
    let h20 = Some("nvidia-h20-hgx-96gb");
    let mut ask = |buyer: Option<&str>, on: &str| {
        let id = s.answer(h20, Some("CN"), None, None, buyer, Some(on));
        (s.answers.get(id as usize).cloned(), s.distinct_questions())
    };
    // June 2023: no rule reads the buyer type.
    let (commercial, n) = ask(Some("commercial"), "2023-06-01");
    assert_eq!(n, 1);
    let (university, n) = ask(Some("university"), "2023-06-01");
    assert_eq!((&university, n), (&commercial, 1));
    let (_, n) = ask(None, "2023-06-01");
    assert_eq!(n, 2);
    // December 2025: China's measure on state-funded datacenters reads it.
    let (commercial, n) = ask(Some("commercial"), "2025-12-01");
    assert_eq!(n, 3);
    let (state_funded, n) = ask(Some("state_funded_datacenter"), "2025-12-01");
    assert_eq!(n, 4);
    let fired = |a: &Option<SharedAnswer>| a.as_ref().and_then(|a| a.rules_fired.clone());
    assert!(
        fired(&state_funded).is_some_and(|r| r.contains("foreign-ai-chips-state-funded-dc")),
        "{state_funded:?}"
    );
    assert_ne!(fired(&commercial), fired(&state_funded));
}

/// Rows parsed on another thread ([`Screener::row_parser`], batch after
/// batch) are screened as the screener's own parsing screens them:
/// names first met in later batches, repeated names, errors, parties.
#[test]
fn rows_parsed_on_another_thread_are_screened_alike() {
    use std::sync::Arc;

    use arrow::array::ArrayRef;

    let rs = RuleSet::embedded().expect("rules load");
    let cat = Catalog::embedded().expect("catalog loads");
    let names = [
        "order_id",
        "chip",
        "destination",
        "ship_date",
        "customer",
        "consignee",
        "quantity",
        "unit_price",
    ];
    let schema = Arc::new(Schema::new(
        names
            .iter()
            .map(|n| Field::new(*n, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let rows: Vec<[Option<&str>; 8]> = vec![
        [
            Some("1"),
            Some("nvidia-h20-hgx-96gb"),
            Some("DE"),
            Some("2026-08-05"),
            Some("LISTED Corp"),
            None,
            Some("2"),
            Some("10"),
        ],
        [
            Some("2"),
            Some("H100"),
            Some("CN"),
            Some("2024-01-02"),
            Some("Plain GmbH"),
            None,
            None,
            None,
        ],
        [
            Some("3"),
            Some("nvidia-h20-hgx-96gb"),
            Some("DE"),
            Some("2026-08-05"),
            Some("MAYBE Ltd"),
            Some("Plain GmbH"),
            Some("-1"),
            Some("5"),
        ],
        [
            Some("4"),
            Some("no such chip"),
            Some("DE"),
            Some("2026-08-05"),
            Some("Other AG"),
            None,
            None,
            None,
        ],
        [
            Some("5"),
            Some("H100"),
            Some("XX"),
            Some("2026-08-05"),
            Some("LISTED Corp"),
            Some("Third Ltd"),
            None,
            None,
        ],
        [
            Some("6"),
            Some("A800"),
            Some("SG"),
            Some("2023-11-20"),
            None,
            Some("Third Ltd"),
            Some("1"),
            Some("1.5"),
        ],
    ];
    // Three batches of two rows.
    let batches: Vec<RecordBatch> = rows
        .chunks(2)
        .map(|part| {
            let cols: Vec<ArrayRef> = (0..names.len())
                .map(|c| {
                    Arc::new(StringArray::from(
                        part.iter().map(|r| r[c]).collect::<Vec<_>>(),
                    )) as ArrayRef
                })
                .collect();
            RecordBatch::try_new(schema.clone(), cols).expect("batch")
        })
        .collect();
    let cols = Columns::of(&schema, std::path::Path::new("l.csv")).expect("columns");
    let out = output_schema(&schema);
    let scenario = || Scenario {
        parties: Some(Arc::new(FakeParties::default())),
        ..Scenario::default()
    };
    let (mut own, mut other) = (
        Screener::new(&rs, &cat, scenario()),
        Screener::new(&rs, &cat, scenario()),
    );
    let mut parser = other.row_parser();
    let (mut s1, mut s2) = (Summary::default(), Summary::default());
    for b in &batches {
        let a = own
            .screened(&cols, b, &mut s1)
            .expect("screened")
            .batch(&out)
            .expect("batch");
        let parsed = parser.parse(&cols, b);
        let c = other
            .screened_parsed(b, parsed, &mut s2)
            .expect("screened")
            .batch(&out)
            .expect("batch");
        assert_eq!(a, c);
    }
    assert_eq!(
        serde_json::to_value(&s1).expect("json"),
        serde_json::to_value(&s2).expect("json")
    );
    assert_eq!(s1.rows, 6);
    assert!(s1.rows_with_error >= 2, "{s1:?}");
}
