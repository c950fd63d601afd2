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
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::basic::Encoding;
use parquet::file::metadata::ParquetMetaData;

use chipexport_domain::Fault;

use crate::{BatchError, Cause, io_kind};

mod parquet_sink;
use parquet_sink::ParquetSink;

/// A ledger file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerFormat {
    /// Comma-separated values with a header row (`.csv`).
    Csv,
    /// Apache Parquet (`.parquet`, `.pq`).
    Parquet,
    /// One JSON object per line (`.jsonl`, `.ndjson`, `.json`).
    JsonLines,
}

/// An error reading the ledger `path`: the ledger's fault, unless the
/// system failed to read it (a permission, a disk error).
fn unreadable(path: &Path, message: String, help: &str, cause: Cause) -> BatchError {
    use std::io::ErrorKind as K;
    let (fault, help) = match io_kind(&*cause) {
        None
        | Some(
            K::NotFound
            | K::InvalidData
            | K::InvalidInput
            | K::UnexpectedEof
            | K::IsADirectory
            | K::NotADirectory,
        ) => (Fault::Input, help.to_string()),
        Some(K::PermissionDenied) => (
            Fault::Environment,
            format!("make `{}` readable by this user", path.display()),
        ),
        Some(_) => (
            Fault::Environment,
            format!(
                "check the disk or share holding `{}`, then run again",
                path.display()
            ),
        ),
    };
    BatchError::new(fault, path, message, help).with_cause(Some(cause))
}

/// An error writing the output `path`: the machine's fault when the system
/// refused (a full disk, a folder that cannot be written), the user's when
/// the folder does not exist, else a bug (the writer refused a batch).
fn unwritable(
    path: &Path,
    message: String,
    cause: impl std::error::Error + Send + Sync + 'static,
) -> BatchError {
    use std::io::ErrorKind as K;
    let cause: Cause = Arc::new(cause);
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| ".".to_string(), |p| p.display().to_string());
    let (fault, help) = match io_kind(&*cause) {
        Some(K::StorageFull | K::QuotaExceeded) => (
            Fault::Environment,
            format!("free space on the disk holding `{folder}`, or write elsewhere"),
        ),
        Some(K::PermissionDenied | K::ReadOnlyFilesystem) => (
            Fault::Environment,
            format!("make `{folder}` writable by this user, or write elsewhere"),
        ),
        Some(K::NotFound) => (
            Fault::Input,
            format!("the folder `{folder}` does not exist: create it, or write elsewhere"),
        ),
        Some(_) => (
            Fault::Environment,
            format!("check the free space and the disk holding `{folder}`"),
        ),
        None => (
            Fault::Bug,
            "this is a bug in chipexport; please report it".to_string(),
        ),
    };
    BatchError::new(fault, path, message, help).with_cause(Some(cause))
}

impl LedgerFormat {
    /// The format a file's extension says; an unknown extension is an error.
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
    /// The ledger's columns, in file order, every one nullable text.
    pub schema: SchemaRef,
    inner: Box<dyn Iterator<Item = Result<RecordBatch, arrow::error::ArrowError>> + Send>,
    path: PathBuf,
    /// By position: whether the column is read as a dictionary of text
    /// (see [`open_with`]); every other column is plain text.
    dictionaries: Vec<bool>,
}

impl Iterator for LedgerReader {
    type Item = Result<RecordBatch, BatchError>;

    fn next(&mut self) -> Option<Self::Item> {
        let path = self.path.clone();
        self.inner.next().map(|r| {
            let b = r.map_err(|e| {
                unreadable(
                    &path,
                    format!("cannot read `{}`", path.display()),
                    "check that the file is complete and of the format its extension says",
                    Arc::new(e),
                )
            })?;
            as_text(&b, &self.dictionaries).map_err(|e| {
                BatchError::input(
                    &path,
                    format!("cannot convert a column of `{}` to text", path.display()),
                    "columns must hold plain values",
                )
                .caused_by(e)
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

/// The type of a column read as a dictionary of text (see [`open_with`]).
pub fn text_dictionary() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// Casts every column of a batch to text; a column marked in `dictionaries`
/// (by position) may stay a dictionary of text.
fn as_text(
    b: &RecordBatch,
    dictionaries: &[bool],
) -> Result<RecordBatch, arrow::error::ArrowError> {
    let keeps = |i: usize, t: &DataType| match t {
        DataType::Utf8 => true,
        DataType::Dictionary(k, v) => {
            dictionaries.get(i).copied().unwrap_or(false)
                && **k == DataType::Int32
                && **v == DataType::Utf8
        }
        _ => false,
    };
    let schema = b.schema();
    if schema
        .fields()
        .iter()
        .enumerate()
        .all(|(i, f)| keeps(i, f.data_type()))
    {
        return Ok(b.clone());
    }
    let mut fields = Vec::with_capacity(b.num_columns());
    let mut cols: Vec<ArrayRef> = Vec::with_capacity(b.num_columns());
    for (i, (f, c)) in schema.fields().iter().zip(b.columns()).enumerate() {
        if keeps(i, c.data_type()) {
            fields.push(f.as_ref().clone());
            cols.push(c.clone());
        } else {
            fields.push(Field::new(f.name(), DataType::Utf8, true));
            cols.push(arrow::compute::cast(c, &DataType::Utf8)?);
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)
}

/// Whether leaf `column` of every row group of a Parquet file is
/// dictionary-encoded in all its data pages, as the column chunks' page
/// encoding statistics say (a chunk without them is taken as not).
fn dictionary_encoded(meta: &ParquetMetaData, column: usize) -> bool {
    fn dictionary_only(mut encodings: impl Iterator<Item = Encoding>) -> bool {
        encodings.all(|e| matches!(e, Encoding::RLE_DICTIONARY | Encoding::PLAIN_DICTIONARY))
    }
    meta.row_groups().iter().all(|g| {
        let Some(c) = g.columns().get(column) else {
            return false;
        };
        if c.dictionary_page_offset().is_none() {
            return false;
        }
        if let Some(mask) = c.page_encoding_stats_mask() {
            dictionary_only(mask.encodings())
        } else if let Some(stats) = c.page_encoding_stats() {
            dictionary_only(stats.iter().filter_map(|s| {
                matches!(
                    s.page_type,
                    parquet::basic::PageType::DATA_PAGE | parquet::basic::PageType::DATA_PAGE_V2
                )
                .then_some(s.encoding)
            }))
        } else {
            false
        }
    })
}

/// Opens a ledger's file; an error names it.
fn open_file(path: &Path) -> Result<File, BatchError> {
    File::open(path).map_err(|e| {
        unreadable(
            path,
            format!("cannot open `{}`", path.display()),
            "check the path",
            Arc::new(e),
        )
    })
}

/// A batch of the columns read, with the skipped columns of `full` (by
/// position) added back, every value null.
fn with_nulls(
    b: &RecordBatch,
    full: &SchemaRef,
    skipped: &[bool],
) -> Result<RecordBatch, arrow::error::ArrowError> {
    let schema = b.schema();
    let mut read = schema
        .fields()
        .iter()
        .cloned()
        .zip(b.columns().iter().cloned());
    let mut fields = Vec::with_capacity(full.fields().len());
    let mut cols = Vec::with_capacity(full.fields().len());
    for (f, &skip) in full.fields().iter().zip(skipped) {
        if skip {
            fields.push(f.clone());
            cols.push(arrow::array::new_null_array(f.data_type(), b.num_rows()));
        } else {
            let (f, c) = read.next().ok_or_else(|| {
                arrow::error::ArrowError::SchemaError(format!("no column `{}` read", f.name()))
            })?;
            fields.push(f);
            cols.push(c);
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)
}

/// Opens a ledger, to read it in batches of `batch_size` rows.
pub fn open(path: &Path, batch_size: usize) -> Result<LedgerReader, BatchError> {
    open_skipping(path, batch_size, &[])
}

/// As [`open`], but the columns named in `skip` are not read from a Parquet
/// ledger: they are in every batch, with every value null. For columns
/// whose values nobody reads (see [`LedgerWriter::copy_columns_from`]).
pub fn open_skipping(
    path: &Path,
    batch_size: usize,
    skip: &[String],
) -> Result<LedgerReader, BatchError> {
    open_with(path, batch_size, skip, &[])
}

/// As [`open_skipping`]; in a Parquet ledger, the text columns named in
/// `dictionaries` whose every data page is dictionary-encoded are read as
/// dictionary arrays ([`text_dictionary`]): each distinct value once, and
/// per row its key. Every other column is plain text, as [`open`] reads it.
pub fn open_with(
    path: &Path,
    batch_size: usize,
    skip: &[String],
    dictionaries: &[&str],
) -> Result<LedgerReader, BatchError> {
    let fmt = LedgerFormat::of(path)?;
    let file = open_file(path)?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len == 0 {
        return Err(BatchError::input(
            path,
            format!("`{}` is empty", path.display()),
            "a ledger needs a header and at least the required columns",
        ));
    }
    let bad = |message: String, cause: Cause| {
        unreadable(
            path,
            message,
            "check that the file is complete and of the format its extension says",
            cause,
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
                    bad(
                        format!("cannot read the CSV header of `{}`", path.display()),
                        Arc::new(e),
                    )
                })?
                .clone();
            let schema = text_schema(headers.iter().map(|h| h.trim().to_string()));
            let mut f = file;
            f.rewind()
                .map_err(|e| bad(format!("cannot read `{}`", path.display()), Arc::new(e)))?;
            let r = arrow::csv::ReaderBuilder::new(schema.clone())
                .with_header(true)
                .with_batch_size(batch_size)
                .build(f)
                .map_err(|e| {
                    bad(
                        format!("cannot read `{}` as CSV", path.display()),
                        Arc::new(e),
                    )
                })?;
            Ok(LedgerReader {
                schema,
                inner: Box::new(r),
                path: path.to_path_buf(),
                dictionaries: Vec::new(),
            })
        }
        LedgerFormat::Parquet => {
            let not_parquet = |e: parquet::errors::ParquetError| {
                bad(
                    format!("`{}` is not a readable Parquet file", path.display()),
                    Arc::new(e),
                )
            };
            let meta =
                ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(not_parquet)?;
            let fields = meta.schema().fields().clone();
            let schema = text_schema(fields.iter().map(|f| f.name().clone()));
            let leaves = meta.parquet_schema().num_columns();
            // A flat schema (ledgers have no nested columns): field i is
            // leaf i. Text columns asked for as dictionaries stay ones
            // where every page of theirs is.
            let kept: Vec<bool> = fields
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    leaves == fields.len()
                        && f.data_type() == &DataType::Utf8
                        && dictionaries.contains(&f.name().as_str())
                        && dictionary_encoded(meta.metadata(), i)
                })
                .collect();
            let meta = if kept.contains(&true) {
                let hinted = Schema::new(
                    fields
                        .iter()
                        .zip(&kept)
                        .map(|(f, &k)| {
                            if k {
                                f.as_ref().clone().with_data_type(text_dictionary())
                            } else {
                                f.as_ref().clone()
                            }
                        })
                        .collect::<Vec<_>>(),
                );
                ArrowReaderMetadata::try_new(
                    meta.metadata().clone(),
                    ArrowReaderOptions::new().with_schema(Arc::new(hinted)),
                )
                .map_err(not_parquet)?
            } else {
                meta
            };
            let b = ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta);
            // A flat schema (ledgers have no nested columns): field i is
            // leaf i. Skipped fields are read as nulls.
            let skipped: Vec<bool> = schema
                .fields()
                .iter()
                .map(|f| skip.contains(f.name()))
                .collect();
            let projected = leaves == schema.fields().len() && skipped.contains(&true);
            let b = if projected {
                let keep = (0..leaves).filter(|&i| !skipped.get(i).copied().unwrap_or(false));
                let mask = parquet::arrow::ProjectionMask::leaves(b.parquet_schema(), keep);
                b.with_projection(mask)
            } else {
                b
            };
            let r = b
                .with_batch_size(batch_size)
                .build()
                .map_err(|e| bad(format!("cannot read `{}`", path.display()), Arc::new(e)))?;
            let full = schema.clone();
            let inner: Box<dyn Iterator<Item = _> + Send> = if projected {
                Box::new(r.map(move |b| with_nulls(&b?, &full, &skipped)))
            } else {
                Box::new(r)
            };
            Ok(LedgerReader {
                schema,
                inner,
                path: path.to_path_buf(),
                dictionaries: kept,
            })
        }
        LedgerFormat::JsonLines => {
            let mut br = BufReader::new(file);
            let (inferred, _) = arrow::json::reader::infer_json_schema(&mut br, Some(1000))
                .map_err(|e| {
                    bad(
                        format!("cannot read `{}` as JSON Lines", path.display()),
                        Arc::new(e),
                    )
                })?;
            let schema = text_schema(inferred.fields().iter().map(|f| f.name().clone()));
            let mut file = br.into_inner();
            file.rewind()
                .map_err(|e| bad(format!("cannot read `{}`", path.display()), Arc::new(e)))?;
            let r = arrow::json::ReaderBuilder::new(schema.clone())
                .with_coerce_primitive(true)
                .with_batch_size(batch_size)
                .build(BufReader::new(file))
                .map_err(|e| {
                    bad(
                        format!("cannot read `{}` as JSON Lines", path.display()),
                        Arc::new(e),
                    )
                })?;
            Ok(LedgerReader {
                schema,
                inner: Box::new(r),
                path: path.to_path_buf(),
                dictionaries: Vec::new(),
            })
        }
    }
}

enum Sink {
    Csv(Box<arrow::csv::Writer<Tracked>>),
    Parquet(Box<ParquetSink<Tracked>>),
    Json(arrow::json::LineDelimitedWriter<Tracked>),
}

/// The output file, keeping the kind of the last I/O error it returned:
/// arrow's CSV writer turns I/O errors into text, and the kind (a full
/// disk, a permission) decides whose fault the error is.
struct Tracked {
    file: File,
    failed: Arc<std::sync::Mutex<Option<std::io::ErrorKind>>>,
}

impl Tracked {
    fn keep<T>(&self, r: std::io::Result<T>) -> std::io::Result<T> {
        if let (Err(e), Ok(mut f)) = (&r, self.failed.lock()) {
            *f = Some(e.kind());
        }
        r
    }
}

impl std::io::Write for Tracked {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let r = self.file.write(buf);
        self.keep(r)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let r = self.file.flush();
        self.keep(r)
    }
}

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

/// A ledger being written: a temporary file renamed into place by
/// [`LedgerWriter::finish`]; dropped unfinished, it is removed.
pub struct LedgerWriter {
    sink: Option<Sink>,
    tmp: PathBuf,
    target: PathBuf,
    failed: Arc<std::sync::Mutex<Option<std::io::ErrorKind>>>,
    /// The schema, and whether a batch was written: a CSV of no rows still
    /// gets its header.
    schema: SchemaRef,
    written: bool,
}

impl LedgerWriter {
    /// Starts writing a ledger of `schema` to `path`, in the format its
    /// extension says.
    pub fn create(path: &Path, schema: SchemaRef) -> Result<LedgerWriter, BatchError> {
        let fmt = LedgerFormat::of(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let tmp = path.with_file_name(format!(".{name}.partial-{}", std::process::id()));
        let failed = Arc::default();
        let file = Tracked {
            file: File::create(&tmp)
                .map_err(|e| unwritable(path, format!("cannot write `{}`", path.display()), e))?,
            failed: Arc::clone(&failed),
        };
        let sink = match fmt {
            LedgerFormat::Csv => Sink::Csv(Box::new(
                arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .build(file),
            )),
            // Without the Arrow schema in the file, readers take each
            // column's type from the Parquet schema: a dictionary column of
            // text (see `screen::output`) reads back as text.
            LedgerFormat::Parquet => Sink::Parquet(Box::new(
                ParquetSink::try_new(file, schema.clone(), parquet_properties()).map_err(|e| {
                    unwritable(path, format!("cannot write `{}`", path.display()), e)
                })?,
            )),
            LedgerFormat::JsonLines => Sink::Json(arrow::json::LineDelimitedWriter::new(file)),
        };
        Ok(LedgerWriter {
            sink: Some(sink),
            tmp,
            target: path.to_path_buf(),
            failed,
            schema,
            written: false,
        })
    }

    /// Copies the columns of the Parquet ledger `input` as they are, when
    /// this writer writes Parquet and its first columns are `input`'s: the
    /// rows written must be `input`'s rows, in order, with more columns
    /// after them (as `screen` writes them). Their values in the batches
    /// written are then not read. Returns the names of the columns copied
    /// (none for other formats, or when the input cannot be copied from).
    pub fn copy_columns_from(&mut self, input: &Path) -> Result<Vec<String>, BatchError> {
        let target = self.target.clone();
        let Some(Sink::Parquet(w)) = self.sink.as_mut() else {
            return Ok(Vec::new());
        };
        if LedgerFormat::of(input).ok() != Some(LedgerFormat::Parquet) {
            return Ok(Vec::new());
        }
        let file = open_file(input)?;
        let copied = w
            .copy_columns_from(file)
            .map_err(|e| unwritable(&target, format!("cannot write `{}`", target.display()), e))?;
        Ok(copied
            .into_iter()
            .filter_map(|i| self.schema.fields().get(i).map(|f| f.name().clone()))
            .collect())
    }

    /// Writes a batch of the writer's schema.
    pub fn write(&mut self, b: &RecordBatch) -> Result<(), BatchError> {
        self.written = true;
        let target = &self.target;
        let message = || format!("cannot write `{}`", target.display());
        // The file's own I/O error, when the writer hid it in text.
        let io = |e: &dyn std::error::Error| {
            let kind = self.failed.lock().ok().and_then(|mut k| k.take());
            kind.map(|k| std::io::Error::new(k, e.to_string()))
        };
        match self.sink.as_mut() {
            Some(Sink::Csv(w)) => w.write(b).map_err(|e| match io(&e) {
                Some(io) => unwritable(target, message(), io),
                None => unwritable(target, message(), e),
            }),
            Some(Sink::Parquet(w)) => w.write(b).map_err(|e| match io(&e) {
                Some(io) => unwritable(target, message(), io),
                None => unwritable(target, message(), e),
            }),
            Some(Sink::Json(w)) => w.write(b).map_err(|e| match io(&e) {
                Some(io) => unwritable(target, message(), io),
                None => unwritable(target, message(), e),
            }),
            None => Err(BatchError::new(
                Fault::Bug,
                target,
                format!("cannot write `{}`: the writer is closed", target.display()),
                "this is a bug in chipexport; please report it",
            )),
        }
    }

    /// Flushes and renames the file into place.
    pub fn finish(mut self) -> Result<(), BatchError> {
        if !self.written && matches!(self.sink, Some(Sink::Csv(_))) {
            // Regression (found by fuzzing): a ledger of a header and no
            // orders was screened to an empty file, without a header, that
            // no reader opens.
            self.write(&RecordBatch::new_empty(self.schema.clone()))?;
        }
        let target = self.target.clone();
        let message = || format!("cannot finish `{}`", target.display());
        // Every byte is on disk (fsync) before the rename makes the file
        // visible, and the rename is on disk before `finish` returns: a
        // crash or power loss leaves either no output or the whole output.
        let fail = |e: BatchError| {
            let _ = std::fs::remove_file(&self.tmp);
            e
        };
        let err = |e| unwritable(&target, message(), e);
        match self.sink.take() {
            Some(Sink::Csv(w)) => (*w).into_inner().file.sync_all().map_err(err),
            Some(Sink::Parquet(mut w)) => match w.finish() {
                Ok(_) => w.inner().file.sync_all().map_err(err),
                Err(e) => Err(unwritable(&target, message(), e)),
            },
            Some(Sink::Json(mut w)) => match w.finish() {
                Ok(()) => w.into_inner().file.sync_all().map_err(err),
                Err(e) => Err(unwritable(&target, message(), e)),
            },
            None => Ok(()),
        }
        .and_then(|()| std::fs::rename(&self.tmp, &self.target).map_err(err))
        .map_err(fail)?;
        sync_dir(&self.target).map_err(|e| unwritable(&target, message(), e))
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

/// Makes a rename or a new file in `path`'s folder durable (fsync of the
/// folder). Does nothing where folders cannot be opened (not Unix).
pub fn sync_dir(path: &Path) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if cfg!(unix) {
        File::open(dir)?.sync_all()
    } else {
        Ok(())
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

#[cfg(test)]
mod tests;
