//! Screening agrees with `check`, row for row; impact reports what a rule
//! change costs; bad ledgers get clear errors and leave no output behind.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use arrow::array::{Array, BooleanArray, RecordBatch, StringArray};
use chipexport_batch::generate::{Profile, generate};
use chipexport_batch::impact::{Side, impact};
use chipexport_batch::{Scenario, screen};
use chipexport_catalog::Catalog;
use chipexport_domain::{Country, Date, Fault};
use chipexport_rules::{ItemFacts, Mode, Question, RuleSet};
use rust_decimal::Decimal;

/// One side of an impact comparison: every order on date `d`.
fn on<'a>(rs: &'a RuleSet, d: &str) -> Side<'a> {
    Side {
        label: d.to_string(),
        rs,
        scenario: Scenario {
            on: Some(d.parse().unwrap()),
            ..Scenario::default()
        },
    }
}

fn read_all(path: &Path) -> Vec<RecordBatch> {
    let f = std::fs::File::open(path).unwrap();
    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap()
        .map(|b| b.unwrap())
        .collect()
}

fn col<'a>(b: &'a RecordBatch, name: &str) -> &'a StringArray {
    b.column(b.schema().index_of(name).unwrap())
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap()
}

fn opt(a: &StringArray, i: usize) -> Option<&str> {
    a.is_valid(i).then(|| a.value(i))
}

#[test]
fn screen_agrees_with_check_field_by_field() {
    let rs = RuleSet::embedded().unwrap();
    let cat = Catalog::embedded().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("ledger.csv");
    let output = dir.path().join("screened.parquet");
    generate(&cat, Profile::Mixed, 30_000, 7, &input).unwrap();
    let summary = screen(&rs, &cat, Scenario::default(), &input, &output, &mut |_| {}).unwrap();
    assert_eq!(summary.rows, 30_000);
    assert_eq!(summary.rows_with_error, 0);

    let batches = read_all(&output);
    assert_eq!(
        batches.iter().map(RecordBatch::num_rows).sum::<usize>(),
        30_000,
        "one output row per input row"
    );
    let mut checked = 0;
    let mut global = 0usize;
    for b in &batches {
        let lic = b
            .column(b.schema().index_of("license_required").unwrap())
            .as_any()
            .downcast_ref::<BooleanArray>()
            .unwrap();
        for i in 0..b.num_rows() {
            global += 1;
            if !(global - 1).is_multiple_of(3) || checked == 10_000 {
                continue;
            }
            let e = cat.lookup(col(b, "chip").value(i)).unwrap();
            let dest = Country::parse(col(b, "destination").value(i)).unwrap();
            let q = Question {
                item: ItemFacts::from_spec(&e.spec, &e.metrics),
                destination: dest,
                end_user_hq: opt(col(b, "end_user_hq"), i)
                    .map_or(dest, |h| Country::parse(h).unwrap()),
                exported_from: opt(col(b, "exported_from"), i)
                    .map_or(Country::us(), |h| Country::parse(h).unwrap()),
                on: col(b, "ship_date").value(i).parse::<Date>().unwrap(),
                buyer_type: opt(col(b, "buyer_type"), i).map(String::from),
                exporter_role: None,
                subject_to_ear: None,
                mode: Mode::Enforced,
                with_packs: Vec::new(),
                parties: Default::default(),
                known_as_of: None,
                min_confidence: None,
            };
            let d = rs.decide(&q);
            let row = col(b, "order_id").value(i);
            assert_eq!(col(b, "eccn").value(i), d.eccn, "{row}");
            assert_eq!(
                lic.is_valid(i).then(|| lic.value(i)),
                d.license_required,
                "{row}"
            );
            assert_eq!(col(b, "status").value(i), d.status.as_str(), "{row}");
            assert_eq!(
                opt(col(b, "review_policy"), i),
                d.review_policy.map(chipexport_rules::ReviewPolicy::as_str),
                "{row}"
            );
            assert_eq!(
                col(b, "license_exceptions").value(i),
                serde_json::to_string(&d.license_exceptions).unwrap(),
                "{row}"
            );
            assert_eq!(
                col(b, "rules_fired").value(i),
                serde_json::to_string(&d.rules_fired()).unwrap(),
                "{row}"
            );
            assert_eq!(col(b, "verdict").value(i), d.verdict, "{row}");
            let conds: Vec<_> = d.conditions.iter().map(|c| &c.terms).collect();
            assert_eq!(
                col(b, "conditions").value(i),
                serde_json::to_string(&conds).unwrap(),
                "{row}"
            );
            assert_eq!(col(b, "rule_set_hash").value(i), rs.hash(), "{row}");
            checked += 1;
        }
    }
    assert_eq!(checked, 10_000);
}

#[test]
fn impact_of_the_april_2025_letters_and_the_august_revenue_share() {
    let rs = RuleSet::embedded().unwrap();
    let cat = Catalog::embedded().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("h20.parquet");
    generate(&cat, Profile::H20China, 5_000, 3, &input).unwrap();
    let side = |d: &str| on(&rs, d);

    let r = impact(
        &cat,
        side("2025-04-01"),
        side("2025-05-01"),
        &input,
        10,
        &mut |_| {},
    )
    .unwrap();
    let by = |id: &str| r.by_chip.get(id).cloned().unwrap_or_default();
    // Every H20 and MI308 order newly needs a licence; the L20 does not.
    for id in [
        "nvidia-h20-hgx-96gb",
        "nvidia-h20-hgx-141gb-hbm3e",
        "amd-instinct-mi308x-china-variant-192gb",
    ] {
        let t = by(id);
        assert!(t.orders > 0);
        assert_eq!(t.newly_license_required.value, t.value, "{id}");
    }
    assert_eq!(by("nvidia-l20-pcie-48gb").newly_license_required.orders, 0);
    let named: Decimal = [
        "nvidia-h20-hgx-96gb",
        "nvidia-h20-hgx-141gb-hbm3e",
        "amd-instinct-mi308x-china-variant-192gb",
    ]
    .iter()
    .map(|id| by(id).value.get("USD").copied().unwrap_or_default())
    .sum();
    assert_eq!(
        r.currencies,
        ["USD"],
        "the H20 profile is priced in dollars"
    );
    assert_eq!(r.total.newly_license_required.value["USD"], named);

    let r = impact(
        &cat,
        side("2025-07-01"),
        side("2025-09-01"),
        &input,
        10,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(r.total.newly_license_required.orders, 0);
    assert_eq!(
        r.total.new_revenue_share_owed["USD"],
        named * Decimal::from(15) / Decimal::from(100),
        "15% of the H20 and MI308 value"
    );
}

#[test]
fn bad_rows_are_kept_with_an_error_and_bad_files_are_refused() {
    let rs = RuleSet::embedded().unwrap();
    let cat = Catalog::embedded().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.csv");
    std::fs::write(
        &input,
        "order_id,chip,quantity,unit_price,currency,destination,end_user,ship_date,extra\n\
         1,H20,10,12000.50,USD,CN,A,2025-05-01,x\n\
         2,no-such-chip,10,1,USD,CN,A,2025-05-01,y\n\
         3,H20,10,1,USD,XX,A,2025-05-01,z\n\
         4,H20,ten,1,USD,CN,A,2025-13-01,w\n",
    )
    .unwrap();
    let out = dir.path().join("out.csv");
    let s = screen(&rs, &cat, Scenario::default(), &input, &out, &mut |_| {}).unwrap();
    assert_eq!((s.rows, s.rows_with_error), (4, 3));
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "every row comes out");
    assert!(
        lines[0].starts_with(
            "order_id,chip,quantity,unit_price,currency,destination,end_user,ship_date,extra,status,eccn"
        ),
        "extra columns pass through: {}",
        lines[0]
    );
    assert!(
        lines[1].contains("120005.0000"),
        "value is decimal: {}",
        lines[1]
    );
    assert!(lines[2].contains("no chip `no-such-chip`"), "{}", lines[2]);
    assert!(
        lines[3].contains("unknown country code `XX`"),
        "{}",
        lines[3]
    );
    assert!(
        lines[4].contains("ship_date") && lines[4].contains("quantity"),
        "{}",
        lines[4]
    );

    // A missing required column, an empty file, a file that is not what its
    // extension says: errors, and no output file.
    let cases = [
        (
            "nocol.csv",
            "order_id,chip\n1,H20\n".as_bytes(),
            "required column",
        ),
        ("empty.csv", b"".as_slice(), "is empty"),
        (
            "fake.parquet",
            b"order_id,chip\n1,H20\n".as_slice(),
            "not a readable Parquet file",
        ),
    ];
    for (name, bytes, needle) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let o = dir.path().join(format!("{name}.out.parquet"));
        let e = screen(&rs, &cat, Scenario::default(), &p, &o, &mut |_| {}).unwrap_err();
        assert!(e.message.contains(needle), "{name}: {}", e.message);
        assert_eq!(e.fault(), Fault::Input, "{name}: the ledger is at fault");
        assert!(!o.exists(), "{name}: no output left behind");
    }
    // A truncated Parquet file.
    let good = dir.path().join("good.parquet");
    generate(&cat, Profile::Mixed, 1000, 1, &good).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let cut = dir.path().join("cut.parquet");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let o = dir.path().join("cut.out.csv");
    let e = screen(&rs, &cat, Scenario::default(), &cut, &o, &mut |_| {}).unwrap_err();
    assert!(e.message.contains("Parquet"), "{}", e.message);
    assert_eq!(e.fault(), Fault::Input);
    assert!(
        std::error::Error::source(&e).is_some(),
        "the Parquet reader's error is kept as the cause"
    );
    assert!(!o.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".partial-"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary files left behind");
}

#[test]
fn every_format_round_trips() {
    let rs = RuleSet::embedded().unwrap();
    let cat = Catalog::embedded().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for ext in ["csv", "parquet", "jsonl"] {
        let input = dir.path().join(format!("l.{ext}"));
        generate(&cat, Profile::Mixed, 2_000, 5, &input).unwrap();
        for out_ext in ["csv", "parquet", "jsonl"] {
            let out = dir.path().join(format!("o-{ext}.{out_ext}"));
            let s = screen(&rs, &cat, Scenario::default(), &input, &out, &mut |_| {}).unwrap();
            assert_eq!(
                (s.rows, s.rows_with_error),
                (2_000, 0),
                "{ext} -> {out_ext}"
            );
            assert!(out.exists());
        }
    }
}

#[test]
fn an_output_that_cannot_be_written_says_whose_fault_it_is() {
    let rs = RuleSet::embedded().unwrap();
    let cat = Catalog::embedded().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("l.csv");
    generate(&cat, Profile::Mixed, 10, 1, &input).unwrap();
    // A folder that does not exist: the user's path.
    let missing = dir.path().join("no-such-folder").join("out.csv");
    let e = screen(
        &rs,
        &cat,
        Scenario::default(),
        &input,
        &missing,
        &mut |_| {},
    )
    .unwrap_err();
    assert_eq!(e.fault(), Fault::Input, "{e}: {}", e.help);
    assert!(e.help.contains("does not exist"), "{}", e.help);
    // A "folder" that is a file: the machine refuses, whoever chose it.
    let file_as_folder = input.join("out.csv");
    let e = screen(
        &rs,
        &cat,
        Scenario::default(),
        &input,
        &file_as_folder,
        &mut |_| {},
    )
    .unwrap_err();
    assert_eq!(e.fault(), Fault::Environment, "{e}: {}", e.help);
    assert!(e.message.contains("cannot write"), "{}", e.message);
    let cause = std::error::Error::source(&e).map(ToString::to_string);
    assert!(cause.is_some(), "the system's error is kept as the cause");
    assert!(
        !e.message.contains(&cause.unwrap_or_default()),
        "the message does not repeat the cause"
    );
}

#[test]
fn a_licence_only_ledger_needs_no_money_columns() {
    let rs = RuleSet::embedded().unwrap();
    let cat = Catalog::embedded().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("lic.csv");
    std::fs::write(
        &input,
        "order_id,chip,destination,ship_date\n\
         1,H20,CN,2025-05-01\n\
         2,nvidia-l20-pcie-48gb,CN,2025-05-01\n",
    )
    .unwrap();
    let out = dir.path().join("out.csv");
    let s = screen(&rs, &cat, Scenario::default(), &input, &out, &mut |_| {}).unwrap();
    assert_eq!((s.rows, s.rows_with_error, s.license_required), (2, 0, 1));
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.lines().count(), 3, "every row comes out: {text}");
    // impact needs the value columns and says so.
    let side = |d: &str| on(&rs, d);
    let e = impact(
        &cat,
        side("2025-04-01"),
        side("2025-05-01"),
        &input,
        10,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        e.message
            .contains("lacks the required columns `quantity`, `unit_price`"),
        "{}",
        e.message
    );
    assert_eq!(e.fault(), Fault::Input);
}

#[test]
fn a_negative_quantity_is_named_and_the_row_is_left_out_of_the_counts() {
    let rs = RuleSet::embedded().unwrap();
    let cat = Catalog::embedded().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("neg.csv");
    std::fs::write(
        &input,
        "order_id,chip,quantity,unit_price,destination,ship_date\n\
         1,H20,10,100,CN,2025-05-01\n\
         2,H20,-5,100,CN,2025-05-01\n\
         3,H20,,,CN,2025-05-01\n",
    )
    .unwrap();
    let out = dir.path().join("out.csv");
    let s = screen(&rs, &cat, Scenario::default(), &input, &out, &mut |_| {}).unwrap();
    assert_eq!(
        (s.rows, s.rows_with_error, s.license_required),
        (3, 1, 2),
        "the row with -5 is an error, not a licence-required order: {s:?}"
    );
    assert_eq!(s.errors.get("quantity"), Some(&1));
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[2].contains("quantity: `-5` is a negative quantity"),
        "{}",
        lines[2]
    );
    assert!(
        !lines[3].contains("quantity:"),
        "an empty cell is no value: {}",
        lines[3]
    );
}

#[test]
fn a_chip_name_of_several_variants_is_a_row_error() {
    let rs = RuleSet::embedded().unwrap();
    let cat = Catalog::embedded().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("gaudi.csv");
    std::fs::write(
        &input,
        "order_id,chip,destination,ship_date\n\
         1,Gaudi 3,CN,2025-05-01\n\
         2,intel-gaudi-3-hl-328-oam-china,CN,2025-05-01\n\
         3,H2O,CN,2025-05-01\n",
    )
    .unwrap();
    let out = dir.path().join("out.csv");
    let s = screen(&rs, &cat, Scenario::default(), &input, &out, &mut |_| {}).unwrap();
    assert_eq!((s.rows, s.rows_with_error), (3, 2));
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[1].contains("matches 4 catalog entries"),
        "{}",
        lines[1]
    );
    assert!(lines[3].contains("no chip `H2O`"), "{}", lines[3]);
}

#[test]
fn screen_counts_every_state_and_leaves_an_undetermined_licence_empty() {
    let rs = RuleSet::embedded().unwrap();
    let cat = Catalog::embedded().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("states.csv");
    // MI308X has no published throughput: to the UAE in June 2024 the
    // 3A090 rules cannot be decided. Iraq is outside coverage (746.3 is not
    // encoded); the H100 to China needs a licence; the L20 does not.
    std::fs::write(
        &input,
        "order_id,chip,destination,ship_date\n\
         1,MI308X,AE,2024-06-01\n\
         2,L20,IQ,2024-06-01\n\
         3,H100 SXM5 80GB,CN,2024-06-01\n\
         4,L20,CN,2024-06-01\n",
    )
    .unwrap();
    let out = dir.path().join("out.parquet");
    let s = screen(&rs, &cat, Scenario::default(), &input, &out, &mut |_| {}).unwrap();
    assert_eq!(
        (
            s.license_required,
            s.not_required,
            s.undetermined,
            s.outside_coverage
        ),
        (1, 1, 1, 1),
        "{s:?}"
    );
    let b = &read_all(&out)[0];
    let status: Vec<&str> = (0..4).map(|i| col(b, "status").value(i)).collect();
    assert_eq!(
        status,
        [
            "undetermined",
            "outside_coverage",
            "required",
            "not_required"
        ]
    );
    assert_eq!(col(b, "eccn").value(0), "undetermined");
    let lic = b
        .column(b.schema().index_of("license_required").unwrap())
        .as_any()
        .downcast_ref::<BooleanArray>()
        .unwrap();
    assert!(lic.is_null(0) && lic.is_null(1), "no answer is not `false`");
    assert!(lic.value(2) && !lic.value(3));
}

#[test]
fn impact_groups_by_catalog_id_and_never_adds_currencies() {
    let rs = RuleSet::embedded().unwrap();
    let cat = Catalog::embedded().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("mixed.csv");
    // One chip spelt three ways, in two currencies; an MI308X order that
    // becomes undetermined when the Oct 2023 rules replace the 2022 ones.
    std::fs::write(
        &input,
        "order_id,chip,quantity,unit_price,currency,destination,end_user,ship_date\n\
         1,H20,10,100,USD,CN,A,2025-01-01\n\
         2,h20,5,100,usd,China,B,2025-01-01\n\
         3,nvidia-h20-hgx-96gb,2,50,EUR,CN,C,2025-01-01\n\
         4,MI308X,1,10,USD,AE,D,2025-01-01\n",
    )
    .unwrap();
    let side = |d: &str| on(&rs, d);
    let r = impact(
        &cat,
        side("2023-09-01"),
        side("2025-05-01"),
        &input,
        10,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(r.currencies, ["EUR", "USD"]);
    let h20 = &r.by_chip["nvidia-h20-hgx-96gb"];
    assert_eq!(
        h20.orders,
        3,
        "three spellings, one chip: {:?}",
        r.by_chip.keys()
    );
    assert_eq!(h20.newly_license_required.value["USD"], Decimal::from(1500));
    assert_eq!(h20.newly_license_required.value["EUR"], Decimal::from(100));
    assert_eq!(r.by_destination.keys().collect::<Vec<_>>(), ["AE", "CN"]);
    let mi = &r.by_chip["amd-instinct-mi308x-china-variant-192gb"];
    assert_eq!(mi.newly_undetermined.orders, 1, "{mi:?}");
    assert_eq!(r.total.newly_undetermined.value["USD"], Decimal::from(10));
}

/// Every row of a screened file, every column as text.
fn rows_as_text(path: &Path) -> Vec<Vec<Option<String>>> {
    let mut rows = Vec::new();
    for b in read_all(path) {
        let cols: Vec<StringArray> = b
            .columns()
            .iter()
            .map(|c| {
                let c = arrow::compute::cast(c, &arrow::datatypes::DataType::Utf8).unwrap();
                c.as_any().downcast_ref::<StringArray>().unwrap().clone()
            })
            .collect();
        for i in 0..b.num_rows() {
            rows.push(cols.iter().map(|c| opt(c, i).map(String::from)).collect());
        }
    }
    rows
}

/// A Parquet ledger screened into Parquet keeps its row groups, and its
/// columns are copied as they are (a column of another type than text is
/// written again, as text); the rows are those screening the same ledger
/// as CSV gives, and screened into CSV it is the same file.
#[test]
fn a_parquet_ledger_screened_into_parquet_keeps_its_columns_and_row_groups() {
    use std::sync::Arc;

    use arrow::datatypes::{DataType, Field, Schema};
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;

    let rs = RuleSet::embedded().unwrap();
    let cat = Catalog::embedded().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("l.csv");
    generate(&cat, Profile::Mixed, 5_000, 11, &csv).unwrap();
    let from_csv = dir.path().join("from-csv.parquet");
    screen(&rs, &cat, Scenario::default(), &csv, &from_csv, &mut |_| {}).unwrap();
    let expected = rows_as_text(&from_csv);
    assert_eq!(expected.len(), 5_000);
    let csv_to_csv = dir.path().join("from-csv.csv");
    screen(
        &rs,
        &cat,
        Scenario::default(),
        &csv,
        &csv_to_csv,
        &mut |_| {},
    )
    .unwrap();
    let expected_csv = std::fs::read_to_string(&csv_to_csv).unwrap();

    // The same ledger as Parquet, in row groups of 1,234 rows, with
    // `quantity` as text and then as integers.
    for quantity_as_int in [false, true] {
        let pq = dir.path().join(format!("l-{quantity_as_int}.parquet"));
        let reader = chipexport_batch::io::open(&csv, 700).unwrap();
        let mut fields: Vec<Field> = reader
            .schema
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        let q = fields.iter().position(|f| f.name() == "quantity").unwrap();
        if quantity_as_int {
            fields[q] = Field::new("quantity", DataType::Int64, true);
        }
        let schema = Arc::new(Schema::new(fields));
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(1_234))
            .build();
        let mut w = ArrowWriter::try_new(
            std::fs::File::create(&pq).unwrap(),
            schema.clone(),
            Some(props),
        )
        .unwrap();
        for b in reader {
            let mut cols = b.unwrap().columns().to_vec();
            cols[q] = arrow::compute::cast(&cols[q], schema.field(q).data_type()).unwrap();
            w.write(&RecordBatch::try_new(schema.clone(), cols).unwrap())
                .unwrap();
        }
        w.close().unwrap();

        let out = dir
            .path()
            .join(format!("from-parquet-{quantity_as_int}.parquet"));
        screen(&rs, &cat, Scenario::default(), &pq, &out, &mut |_| {}).unwrap();
        assert_eq!(
            rows_as_text(&out),
            expected,
            "quantity as integers: {quantity_as_int}"
        );
        let groups = |p: &Path| -> Vec<i64> {
            let f = std::fs::File::open(p).unwrap();
            let r = parquet::file::reader::SerializedFileReader::new(f).unwrap();
            use parquet::file::reader::FileReader;
            r.metadata()
                .row_groups()
                .iter()
                .map(|g| g.num_rows())
                .collect()
        };
        assert_eq!(groups(&out), vec![1_234, 1_234, 1_234, 1_234, 64]);
        assert_eq!(groups(&out), groups(&pq));
        // Into CSV, the columns read as dictionaries are written as text.
        let to_csv = dir
            .path()
            .join(format!("from-parquet-{quantity_as_int}.csv"));
        screen(&rs, &cat, Scenario::default(), &pq, &to_csv, &mut |_| {}).unwrap();
        assert_eq!(
            std::fs::read_to_string(&to_csv).unwrap(),
            expected_csv,
            "quantity as integers: {quantity_as_int}"
        );
    }
}
