//! Tests of reading and writing ledgers: full disks, finished files,
//! skipped and dictionary columns.

use super::*;

fn batch(rows: usize) -> RecordBatch {
    let schema = text_schema(["note".to_string()]);
    let col: ArrayRef = Arc::new(arrow::array::StringArray::from(vec!["x".repeat(100); rows]));
    RecordBatch::try_new(schema, vec![col]).unwrap()
}

/// Regression: arrow's CSV writer hides the I/O error in text, and a
/// full disk during `screen` was reported as a bug in chipexport (exit
/// 4) instead of the machine's fault with "free space" (exit 5).
#[test]
fn a_full_disk_while_writing_csv_is_the_machines_fault_not_a_bug() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("skipped: no /dev/full on this machine");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let failed = Arc::default();
    let file = Tracked {
        file: full,
        failed: Arc::clone(&failed),
    };
    let mut w = LedgerWriter {
        sink: Some(Sink::Csv(Box::new(
            arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(file),
        ))),
        tmp: dir.path().join(".out.csv.partial"),
        target: dir.path().join("out.csv"),
        failed,
        schema: batch(1).schema(),
        written: false,
    };
    let e = w.write(&batch(1000)).unwrap_err();
    assert_eq!(e.fault(), Fault::Environment, "{e:?}");
    assert!(e.help().contains("free space"), "{}", e.help());
    drop(w);
    assert!(!dir.path().join("out.csv").exists());
}

#[test]
fn a_finished_ledger_is_in_place_and_no_temporary_file_is_left() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["out.csv", "out.parquet", "out.jsonl"] {
        let path = dir.path().join(name);
        let b = batch(10);
        let mut w = LedgerWriter::create(&path, b.schema()).unwrap();
        w.write(&b).unwrap();
        w.finish().unwrap();
        let rows: usize = open(&path, 100)
            .unwrap()
            .map(|b| b.unwrap().num_rows())
            .sum();
        assert_eq!(rows, 10, "{name}");
    }
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|f| f.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    left.sort();
    assert_eq!(left, ["out.csv", "out.jsonl", "out.parquet"]);
}

#[test]
fn a_ledger_of_a_header_and_no_orders_is_screened_to_a_file_with_its_header() {
    let dir = tempfile::tempdir().unwrap();
    let b = batch(0);
    for name in ["out.csv", "out.parquet"] {
        let path = dir.path().join(name);
        LedgerWriter::create(&path, b.schema())
            .unwrap()
            .finish()
            .unwrap();
        let r = open(&path, 100).unwrap();
        assert_eq!(r.schema.fields().len(), 1, "{name}");
        assert_eq!(r.map(|b| b.unwrap().num_rows()).sum::<usize>(), 0);
    }
}

/// Writes one batch of `cols` to a Parquet file at `path`.
fn write_parquet(
    path: &Path,
    schema: SchemaRef,
    cols: Vec<ArrayRef>,
    props: Option<parquet::file::properties::WriterProperties>,
) {
    let mut w =
        parquet::arrow::ArrowWriter::try_new(File::create(path).unwrap(), schema.clone(), props)
            .unwrap();
    w.write(&RecordBatch::try_new(schema, cols).unwrap())
        .unwrap();
    w.close().unwrap();
}

/// Skipped columns of a Parquet ledger read as nulls, in their places;
/// the others as written, whatever their type.
#[test]
fn skipped_parquet_columns_read_as_nulls_in_their_places() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.parquet");
    let schema = Arc::new(Schema::new(vec![
        Field::new("a", DataType::Utf8, true),
        Field::new("b", DataType::Utf8, true),
        Field::new("n", DataType::Int64, true),
    ]));
    let cols: Vec<ArrayRef> = vec![
        Arc::new(arrow::array::StringArray::from(vec![
            Some("x"),
            None,
            Some("z"),
        ])),
        Arc::new(arrow::array::StringArray::from(vec!["p", "q", "r"])),
        Arc::new(arrow::array::Int64Array::from(vec![1, 2, 3])),
    ];
    write_parquet(&path, schema, cols, None);
    let all: Vec<RecordBatch> = open(&path, 2).unwrap().map(Result::unwrap).collect();
    let skipped: Vec<RecordBatch> = open_skipping(&path, 2, &["b".to_string()])
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(all.len(), 2);
    assert_eq!(skipped.len(), 2);
    for (a, s) in all.iter().zip(&skipped) {
        assert_eq!(a.schema(), s.schema());
        assert_eq!(a.column(0), s.column(0));
        assert_eq!(a.column(2), s.column(2));
        assert_eq!(s.column(1).null_count(), s.num_rows());
    }
    assert_eq!(
        arrow::array::as_string_array(all[0].column(2)).value(1),
        "2"
    );
}

/// Text columns asked for as dictionaries are read as such where every
/// page of theirs is dictionary-encoded (in every row group), and as
/// plain text elsewhere; their values are those `open` reads.
#[test]
fn dictionary_encoded_columns_read_as_dictionaries_with_the_same_values() {
    use arrow::array::{Int64Array, StringArray};
    use parquet::file::properties::WriterProperties;
    use parquet::schema::types::ColumnPath;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.parquet");
    let schema = Arc::new(Schema::new(vec![
        Field::new("dict", DataType::Utf8, true),
        Field::new("plain", DataType::Utf8, true),
        Field::new("n", DataType::Int64, true),
        Field::new("other", DataType::Utf8, true),
    ]));
    // `plain` is written without a dictionary.
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(3))
        .set_column_dictionary_enabled(ColumnPath::from("plain"), false)
        .build();
    let text = |v: Vec<Option<&str>>| -> ArrayRef { Arc::new(StringArray::from(v)) };
    let cols: Vec<ArrayRef> = vec![
        text(vec![Some("CN"), None, Some(" CN"), Some(""), Some("CN")]),
        text(vec![Some("a"), Some("b"), None, Some("d"), Some("e")]),
        Arc::new(Int64Array::from(vec![1, 2, 3, 4, 5])),
        text(vec![Some("x"); 5]),
    ];
    write_parquet(&path, schema, cols, Some(props));

    let asked = ["dict", "plain", "n"];
    let read: Vec<RecordBatch> = open_with(&path, 2, &[], &asked)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let plain: Vec<RecordBatch> = open(&path, 2).unwrap().map(Result::unwrap).collect();
    assert_eq!(read.len(), plain.len());
    for (r, p) in read.iter().zip(&plain) {
        let types: Vec<DataType> = r.columns().iter().map(|c| c.data_type().clone()).collect();
        assert_eq!(
            types,
            [
                text_dictionary(),
                DataType::Utf8,
                DataType::Utf8,
                DataType::Utf8
            ]
        );
        let dict = arrow::compute::cast(r.column(0), &DataType::Utf8).unwrap();
        assert_eq!(&dict, p.column(0));
        assert_eq!(r.columns().get(1..), p.columns().get(1..));
    }
    // `open` reads every column as plain text.
    assert!(
        plain
            .iter()
            .all(|b| b.columns().iter().all(|c| c.data_type() == &DataType::Utf8))
    );
}
