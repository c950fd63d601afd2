//! Reading and writing ledgers: CSV, Parquet and JSON Lines, chosen by file
//! extension. Every column is read as text so that a bad value becomes a
//! row error, never a lost row; outputs are written to a temporary file and
//! renamed into place, so an interrupted run leaves no partial output.

use std::fs::File;
use std::io::{BufRead, BufReader, Seek};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::BatchError;

/// A ledger file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerFormat {
    Csv,
    Parquet,
    JsonLines,
}

impl LedgerFormat {
    pub fn of(path: &Path) -> Result<LedgerFormat, BatchError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Ok(LedgerFormat::Csv),
            "parquet" | "pq" => Ok(LedgerFormat::Parquet),
            "jsonl" | "ndjson" | "json" => Ok(LedgerFormat::JsonLines),
            _ => Err(BatchError::input(
                path,
                format!(
                    "cannot tell the format of `{}` from its extension",
                    path.display()
                ),
                "use .csv, .parquet or .jsonl",
            )),
        }
    }
}

/// Batches of a ledger, every column as nullable text.
pub struct LedgerReader {
    pub schema: SchemaRef,
    inner: Box<dyn Iterator<Item = Result<RecordBatch, arrow::error::ArrowError>>>,
    path: PathBuf,
}

impl Iterator for LedgerReader {
    type Item = Result<RecordBatch, BatchError>;

    fn next(&mut self) -> Option<Self::Item> {
        let path = self.path.clone();
        self.inner.next().map(|r| {
            let b = r.map_err(|e| {
                BatchError::input(
                    &path,
                    format!("cannot read `{}`: {e}", path.display()),
                    "check that the file is complete and of the format its extension says",
                )
            })?;
            as_text(&b).map_err(|e| {
                BatchError::input(
                    &path,
                    format!(
                        "cannot convert a column of `{}` to text: {e}",
                        path.display()
                    ),
                    "columns must hold plain values",
                )
            })
        })
    }
}

fn text_schema(fields: impl IntoIterator<Item = String>) -> SchemaRef {
    Arc::new(Schema::new(
        fields
            .into_iter()
            .map(|n| Field::new(n, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ))
}

/// Casts every column of a batch to text.
fn as_text(b: &RecordBatch) -> Result<RecordBatch, arrow::error::ArrowError> {
    if b.schema()
        .fields()
        .iter()
        .all(|f| f.data_type() == &DataType::Utf8)
    {
        return Ok(b.clone());
    }
    let schema = text_schema(b.schema().fields().iter().map(|f| f.name().clone()));
    let cols: Vec<ArrayRef> = b
        .columns()
        .iter()
        .map(|c| arrow::compute::cast(c, &DataType::Utf8))
        .collect::<Result<_, _>>()?;
    RecordBatch::try_new(schema, cols)
}

/// Opens a ledger.
pub fn open(path: &Path, batch_size: usize) -> Result<LedgerReader, BatchError> {
    let fmt = LedgerFormat::of(path)?;
    let file = File::open(path).map_err(|e| {
        BatchError::input(
            path,
            format!("cannot open `{}`: {e}", path.display()),
            "check the path",
        )
    })?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len == 0 {
        return Err(BatchError::input(
            path,
            format!("`{}` is empty", path.display()),
            "a ledger needs a header and at least the required columns",
        ));
    }
    let bad = |e: String| {
        BatchError::input(
            path,
            e,
            "check that the file is complete and of the format its extension says",
        )
    };
    match fmt {
        LedgerFormat::Csv => {
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(true)
                .from_reader(BufReader::new(&file));
            let headers = rdr
                .headers()
                .map_err(|e| {
                    bad(format!(
                        "cannot read the CSV header of `{}`: {e}",
                        path.display()
                    ))
                })?
                .clone();
            let schema = text_schema(headers.iter().map(|h| h.trim().to_string()));
            let mut f = file;
            f.rewind().map_err(|e| bad(e.to_string()))?;
            let r = arrow::csv::ReaderBuilder::new(schema.clone())
                .with_header(true)
                .with_batch_size(batch_size)
                .build(f)
                .map_err(|e| bad(format!("cannot read `{}` as CSV: {e}", path.display())))?;
            Ok(LedgerReader {
                schema,
                inner: Box::new(r),
                path: path.to_path_buf(),
            })
        }
        LedgerFormat::Parquet => {
            let b = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| {
                bad(format!(
                    "`{}` is not a readable Parquet file: {e}",
                    path.display()
                ))
            })?;
            let schema = text_schema(b.schema().fields().iter().map(|f| f.name().clone()));
            let r = b
                .with_batch_size(batch_size)
                .build()
                .map_err(|e| bad(format!("cannot read `{}`: {e}", path.display())))?;
            Ok(LedgerReader {
                schema,
                inner: Box::new(r),
                path: path.to_path_buf(),
            })
        }
        LedgerFormat::JsonLines => {
            let mut br = BufReader::new(file);
            let (inferred, _) = arrow::json::reader::infer_json_schema(&mut br, Some(1000))
                .map_err(|e| {
                    bad(format!(
                        "cannot read `{}` as JSON Lines: {e}",
                        path.display()
                    ))
                })?;
            let schema = text_schema(inferred.fields().iter().map(|f| f.name().clone()));
            let mut file = br.into_inner();
            file.rewind().map_err(|e| bad(e.to_string()))?;
            let r = arrow::json::ReaderBuilder::new(schema.clone())
                .with_coerce_primitive(true)
                .with_batch_size(batch_size)
                .build(BufReader::new(file))
                .map_err(|e| {
                    bad(format!(
                        "cannot read `{}` as JSON Lines: {e}",
                        path.display()
                    ))
                })?;
            Ok(LedgerReader {
                schema,
                inner: Box::new(r),
                path: path.to_path_buf(),
            })
        }
    }
}

enum Sink {
    Csv(Box<arrow::csv::Writer<File>>),
    Parquet(Box<ArrowWriter<File>>),
    Json(arrow::json::LineDelimitedWriter<File>),
}

/// A ledger being written: a temporary file renamed into place by
/// [`LedgerWriter::finish`]; dropped unfinished, it is removed.
/// Output columns of free text (explanations, lists) whose min/max
/// statistics no query can use: computing them compares every long string.
const NO_STATISTICS: &[&str] = &[
    "license_exceptions",
    "conditions",
    "measures",
    "verdict",
    "rules_fired",
    "rule_set_hash",
    "error",
];

fn parquet_properties() -> parquet::file::properties::WriterProperties {
    use parquet::file::properties::{EnabledStatistics, WriterProperties};
    use parquet::schema::types::ColumnPath;
    let mut b = WriterProperties::builder();
    for c in NO_STATISTICS {
        b = b.set_column_statistics_enabled(ColumnPath::from(*c), EnabledStatistics::None);
    }
    b.build()
}

pub struct LedgerWriter {
    sink: Option<Sink>,
    tmp: PathBuf,
    target: PathBuf,
}

impl LedgerWriter {
    pub fn create(path: &Path, schema: SchemaRef) -> Result<LedgerWriter, BatchError> {
        let fmt = LedgerFormat::of(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let tmp = path.with_file_name(format!(".{name}.partial-{}", std::process::id()));
        let io = |e: std::io::Error| {
            BatchError::input(
                path,
                format!("cannot write `{}`: {e}", path.display()),
                "check that the folder exists and is writable",
            )
        };
        let file = File::create(&tmp).map_err(io)?;
        let sink = match fmt {
            LedgerFormat::Csv => Sink::Csv(Box::new(
                arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .build(file),
            )),
            LedgerFormat::Parquet => Sink::Parquet(Box::new(
                ArrowWriter::try_new(file, schema, Some(parquet_properties())).map_err(|e| {
                    BatchError::input(
                        path,
                        format!("cannot write `{}`: {e}", path.display()),
                        "check the path",
                    )
                })?,
            )),
            LedgerFormat::JsonLines => Sink::Json(arrow::json::LineDelimitedWriter::new(file)),
        };
        Ok(LedgerWriter {
            sink: Some(sink),
            tmp,
            target: path.to_path_buf(),
        })
    }

    pub fn write(&mut self, b: &RecordBatch) -> Result<(), BatchError> {
        let target = self.target.clone();
        let err = |e: String| {
            BatchError::input(
                &target,
                format!("cannot write `{}`: {e}", target.display()),
                "check the free disk space",
            )
        };
        match self.sink.as_mut() {
            Some(Sink::Csv(w)) => w.write(b).map_err(|e| err(e.to_string())),
            Some(Sink::Parquet(w)) => w.write(b).map_err(|e| err(e.to_string())),
            Some(Sink::Json(w)) => w.write(b).map_err(|e| err(e.to_string())),
            None => Err(err("the writer is closed".into())),
        }
    }

    /// Flushes and renames the file into place.
    pub fn finish(mut self) -> Result<(), BatchError> {
        let target = self.target.clone();
        let err = |e: String| {
            BatchError::input(
                &target,
                format!("cannot finish `{}`: {e}", target.display()),
                "check the free disk space",
            )
        };
        match self.sink.take() {
            Some(Sink::Csv(w)) => drop((*w).into_inner()),
            Some(Sink::Parquet(w)) => {
                w.close().map_err(|e| err(e.to_string()))?;
            }
            Some(Sink::Json(mut w)) => {
                w.finish().map_err(|e| err(e.to_string()))?;
            }
            None => {}
        }
        std::fs::rename(&self.tmp, &self.target).map_err(|e| err(e.to_string()))
    }
}

impl Drop for LedgerWriter {
    fn drop(&mut self) {
        if self.sink.is_some() {
            self.sink = None;
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Reads the first line of a file, for error messages.
pub fn first_line(path: &Path) -> String {
    File::open(path)
        .ok()
        .and_then(|f| BufReader::new(f).lines().next())
        .and_then(Result::ok)
        .unwrap_or_default()
}
