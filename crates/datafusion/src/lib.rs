//! Runs chipexport's exported decision query (`chipexport rules sql`, the
//! ANSI dialect) on Apache DataFusion, unchanged: locally, or on a Ballista
//! cluster with the `ballista` feature.
//!
//! The ledger file (CSV or Parquet, chosen by its extension) is registered as
//! the table `ledger`, the query runs, and its rows stream into a CSV or
//! Parquet file. [`compare`] checks, order by order, that the engine's
//! answers equal the native `chipexport_batch::screen` output on the fields
//! the query gives: eccn, licence required, review policy, licence
//! exceptions, the kinds of conditions and measures, and the rules fired.
//!
//! Arrow comes from DataFusion's re-export; it is the same arrow 59 that
//! `chipexport-batch` uses, so batches pass between the two unchanged.

#![warn(missing_docs)]

#[cfg(feature = "ballista")]
pub mod cluster;

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chipexport_batch::io::{LedgerFormat, LedgerWriter};
use chipexport_batch::{BatchError, Cause};
use chipexport_catalog::Catalog;
use chipexport_domain::Fault;
use chipexport_rules::LicenseStatus;
use chipexport_rules::sql::{Dialect, decision_query};
use chipexport_rules::{Mode, ReviewPolicy, RuleSet};
use datafusion::arrow::array::{Array, ArrayRef, BooleanArray, RecordBatch, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::prelude::{CsvReadOptions, ParquetReadOptions, SessionConfig, SessionContext};
use futures::StreamExt;

/// The table name the exported query reads.
pub const LEDGER_TABLE: &str = "ledger";

/// What went wrong, with the file or address concerned, who is at fault
/// ([`Error::fault`]) and what to do.
///
/// The message does not repeat the cause: the cause (DataFusion's,
/// Ballista's or the system's error) is the error's
/// [`source`](std::error::Error::source).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    /// What went wrong, naming the file or address.
    pub message: String,
    /// What to do about it.
    pub help: String,
    fault: Fault,
    #[source]
    cause: Option<Cause>,
}

impl Error {
    fn new(fault: Fault, message: impl Into<String>, help: impl Into<String>) -> Error {
        Error {
            message: message.into(),
            help: help.into(),
            fault,
            cause: None,
        }
    }

    fn caused_by(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Error {
        self.cause = Some(Arc::new(cause));
        self
    }

    /// Who is at fault: the ledger or the arguments ([`Fault::Input`]), the
    /// machine or the cluster ([`Fault::Environment`]), or chipexport
    /// ([`Fault::Bug`]).
    pub fn fault(&self) -> Fault {
        self.fault
    }

    /// What went wrong: the `message` field.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// What to do about it: the `help` field.
    pub fn help(&self) -> &str {
        &self.help
    }

    /// The lower-level error that caused it, if any.
    pub fn cause(&self) -> Option<&Cause> {
        self.cause.as_ref()
    }
}

impl miette::Diagnostic for Error {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.help))
    }
}

impl From<BatchError> for Error {
    /// The same message, help, fault and cause.
    fn from(e: BatchError) -> Error {
        Error {
            fault: e.fault(),
            cause: e.cause().cloned(),
            message: e.message,
            help: e.help,
        }
    }
}

/// True when an I/O error is among the causes of `e`.
fn io_in_chain(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if c.is::<std::io::Error>() {
            return true;
        }
        cause = c.source();
    }
    false
}

/// The exported decision query, in the dialect DataFusion runs.
pub fn decision_sql(rs: &RuleSet, cat: &Catalog, mode: Mode, with_packs: &[String]) -> String {
    decision_query(rs, cat, Dialect::Ansi, mode, with_packs)
}

/// A DataFusion session on this machine, using every core.
pub fn local_context() -> SessionContext {
    SessionContext::new_with_config(SessionConfig::new().with_information_schema(false))
}

fn absolute(path: &Path) -> Result<PathBuf, Error> {
    std::fs::canonicalize(path).map_err(|e| {
        let (fault, help) = match e.kind() {
            std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory => {
                (Fault::Input, "check the path".to_string())
            }
            _ => (
                Fault::Environment,
                format!("check that this user can read `{}`", path.display()),
            ),
        };
        Error::new(fault, format!("cannot open `{}`", path.display()), help).caused_by(e)
    })
}

/// Registers a CSV or Parquet ledger (by extension) as the table `ledger`.
///
/// CSV columns are read as text, as `screen` reads them, so that a value
/// such as `2025-01-01` or `42` is never re-typed by schema inference.
/// Parquet columns keep their types (the query casts `ship_date`).
pub async fn register_ledger(ctx: &SessionContext, path: &Path) -> Result<(), Error> {
    let format = LedgerFormat::of(path)?;
    let abs = absolute(path)?;
    let url = abs.to_string_lossy().to_string();
    let ext = abs
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let refused = |e: datafusion::error::DataFusionError| {
        let (fault, help) = if io_in_chain(&e) {
            (
                Fault::Environment,
                format!("check that this user can read `{}`", path.display()),
            )
        } else {
            (
                Fault::Input,
                "check that the file is complete and of the format its extension says".to_string(),
            )
        };
        Error::new(
            fault,
            format!("DataFusion cannot read `{}`", path.display()),
            help,
        )
        .caused_by(e)
    };
    match format {
        LedgerFormat::Csv => {
            // The header, as `screen` reads it: every column nullable text.
            let schema = chipexport_batch::io::open(path, 1)?.schema;
            ctx.register_csv(
                LEDGER_TABLE,
                &url,
                CsvReadOptions::new()
                    .has_header(true)
                    .schema(&schema)
                    .file_extension(&ext),
            )
            .await
            .map_err(refused)
        }
        LedgerFormat::Parquet => ctx
            .register_parquet(
                LEDGER_TABLE,
                &url,
                ParquetReadOptions::default().file_extension(&ext),
            )
            .await
            .map_err(refused),
        LedgerFormat::JsonLines => Err(Error::new(
            Fault::Input,
            format!(
                "`{}` is JSON Lines; the DataFusion engine reads CSV and Parquet ledgers",
                path.display()
            ),
            "convert it first, e.g. `chipexport screen` with the native engine, or save it as .parquet",
        )),
    }
}

/// What a run of the decision query produced.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RunSummary {
    /// Rows written (one per ledger row).
    pub rows: u64,
    /// Rows whose answer requires a licence.
    pub license_required: u64,
    /// Rows whose licence requirement is undetermined.
    pub undetermined: u64,
    /// Rows whose licence application would meet a presumption of denial.
    pub presumption_of_denial: u64,
}

/// The decision query failed: the ledger's fault when it lacks a column or
/// holds values of the wrong type, the machine's or the cluster's when a
/// resource, a file or a connection failed, else a bug.
fn query_failed(e: datafusion::error::DataFusionError) -> Error {
    use datafusion::common::SchemaError;
    use datafusion::error::DataFusionError as D;
    const COLUMNS: &str = "the ledger needs the columns order_id, chip, destination, end_user_hq, exported_from, buyer_type and ship_date (see docs/ledgers.md)";
    const CLUSTER: &str = "on Ballista, the scheduler must be running at that address and every executor must read the ledger at the same path";
    let root = e.find_root();
    let (fault, message) = match root {
        D::SchemaError(s, _) => match s.as_ref() {
            SchemaError::FieldNotFound { field, .. } => (
                Fault::Input,
                format!(
                    "the engine could not run the decision query: the ledger has no column `{}`",
                    field.name()
                ),
            ),
            _ => (
                Fault::Input,
                "the engine could not run the decision query: the ledger's columns are ambiguous"
                    .to_string(),
            ),
        },
        _ if io_in_chain(&e) => (
            Fault::Environment,
            "the engine could not run the decision query: a file or connection failed".to_string(),
        ),
        D::ResourcesExhausted(_) => (
            Fault::Environment,
            "the engine ran out of memory or disk running the decision query".to_string(),
        ),
        D::IoError(_) | D::ObjectStore(_) | D::Execution(_) | D::External(_) => (
            Fault::Environment,
            "the engine could not run the decision query".to_string(),
        ),
        D::Plan(_) | D::ArrowError(..) | D::ParquetError(_) => (
            Fault::Input,
            "the engine could not run the decision query on this ledger".to_string(),
        ),
        _ => (
            Fault::Bug,
            "the engine could not run the decision query".to_string(),
        ),
    };
    let help = match fault {
        Fault::Input => format!("{COLUMNS}, holding text or plain values"),
        Fault::Environment => format!("check the free memory and disk space; {CLUSTER}"),
        Fault::Rules | Fault::Bug => format!(
            "this is probably a bug in chipexport; please report it. Also: {COLUMNS}; {CLUSTER}"
        ),
    };
    Error::new(fault, message, help).caused_by(e)
}

/// Runs `sql` and streams its rows into `out` (.csv or .parquet), written
/// to a temporary file and renamed when complete. Text columns are written
/// as plain UTF-8 (DataFusion's view types are cast).
pub async fn run_to_file(ctx: &SessionContext, sql: &str, out: &Path) -> Result<RunSummary, Error> {
    if LedgerFormat::of(out)? == LedgerFormat::JsonLines {
        return Err(Error::new(
            Fault::Input,
            format!(
                "cannot write `{}`: the DataFusion engine writes .csv or .parquet",
                out.display()
            ),
            "choose an output name ending in .csv or .parquet",
        ));
    }
    let df = ctx.sql(sql).await.map_err(query_failed)?;
    let mut stream = df.execute_stream().await.map_err(query_failed)?;
    let schema = plain_schema(&stream.schema());
    let mut writer = LedgerWriter::create(out, schema.clone())?;
    let mut summary = RunSummary::default();
    while let Some(batch) = stream.next().await {
        let batch = plain(&batch.map_err(query_failed)?, &schema)?;
        summary.add(&batch)?;
        writer.write(&batch)?;
    }
    writer.finish()?;
    Ok(summary)
}

/// Runs `sql` and collects its rows, text columns as plain UTF-8.
pub async fn run_collect(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>, Error> {
    let df = ctx.sql(sql).await.map_err(query_failed)?;
    let batches = df.collect().await.map_err(query_failed)?;
    let Some(first) = batches.first() else {
        return Ok(batches);
    };
    let schema = plain_schema(&first.schema());
    batches.iter().map(|b| plain(b, &schema)).collect()
}

/// The schema with every string type as `Utf8`.
fn plain_schema(schema: &SchemaRef) -> SchemaRef {
    Arc::new(Schema::new(
        schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Utf8View | DataType::LargeUtf8 => {
                    Field::new(f.name(), DataType::Utf8, true)
                }
                _ => f.as_ref().clone().with_nullable(true),
            })
            .collect::<Vec<_>>(),
    ))
}

fn bug(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::new(
        Fault::Bug,
        "cannot convert a result batch",
        "this is a bug in chipexport; please report it",
    )
    .caused_by(e)
}

fn plain(b: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, Error> {
    let cols: Vec<ArrayRef> = b
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(c, f)| cast(c, f.data_type()))
        .collect::<Result<_, _>>()
        .map_err(bug)?;
    RecordBatch::try_new(schema.clone(), cols).map_err(bug)
}

/// How many rows of a text column hold `value` (0 when the column is absent).
fn count_text(b: &RecordBatch, column: &str, value: &str) -> Result<u64, Error> {
    let Some(c) = b.column_by_name(column) else {
        return Ok(0);
    };
    let c = cast(c, &DataType::Utf8).map_err(bug)?;
    let n = c
        .as_any()
        .downcast_ref::<StringArray>()
        .map_or(0, |a| a.iter().filter(|v| *v == Some(value)).count());
    u64::try_from(n).map_err(bug)
}

impl RunSummary {
    fn add(&mut self, b: &RecordBatch) -> Result<(), Error> {
        self.rows += u64::try_from(b.num_rows()).map_err(bug)?;
        if let Some(c) = b.column_by_name("license_required") {
            let c = cast(c, &DataType::Boolean).map_err(bug)?;
            if let Some(a) = c.as_any().downcast_ref::<BooleanArray>() {
                self.license_required += u64::try_from(a.true_count()).map_err(bug)?;
            }
        }
        self.undetermined += count_text(b, "status", LicenseStatus::Undetermined.as_str())?;
        self.presumption_of_denial += count_text(
            b,
            "review_policy",
            ReviewPolicy::PresumptionOfDenial.as_str(),
        )?;
        Ok(())
    }
}

/// One order's answer on the fields both the query and `screen` give: what
/// [`compare`] compares.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrderAnswer {
    /// The ledger's `order_id`.
    pub order_id: String,
    /// The answer's status (`required`, `not_required`, `undetermined`);
    /// `None` when the row has none (an error row).
    pub status: Option<String>,
    /// The export control classification; `None` when the row has none (an
    /// error row).
    pub eccn: Option<String>,
    /// Whether a licence is required; `None` when undetermined or on an
    /// error row (an empty value reads as `None`).
    pub license_required: Option<bool>,
    /// The licensing policy for an application; `None` when none applies.
    pub review_policy: Option<String>,
    /// Licence exceptions available, as rule ids, in order.
    pub license_exceptions: Vec<String>,
    /// Condition kinds, in order.
    pub conditions: Vec<String>,
    /// Measure kinds, in order.
    pub measures: Vec<String>,
    /// Ids of the rules that fired, in order.
    pub rules_fired: Vec<String>,
}

impl fmt::Display for OrderAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "status {}, eccn {}, licence {}, policy {}, exceptions [{}], conditions [{}], measures [{}], rules [{}]",
            self.status.as_deref().unwrap_or("-"),
            self.eccn.as_deref().unwrap_or("-"),
            match self.license_required {
                Some(true) => "required",
                Some(false) => "not required",
                None => "-",
            },
            self.review_policy.as_deref().unwrap_or("-"),
            self.license_exceptions.join(", "),
            self.conditions.join(", "),
            self.measures.join(", "),
            self.rules_fired.join(", "),
        )
    }
}

/// Where a batch of answers comes from, which says how lists are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lists {
    /// The query's `a;b;` lists.
    Joined,
    /// `screen`'s JSON arrays (of ids, or of objects with a `kind`).
    Json,
}

struct Columns {
    order_id: StringArray,
    status: StringArray,
    eccn: StringArray,
    license_required: StringArray,
    review_policy: StringArray,
    license_exceptions: StringArray,
    conditions: StringArray,
    measures: StringArray,
    rules_fired: StringArray,
}

impl Columns {
    fn of(b: &RecordBatch, what: &str) -> Result<Columns, Error> {
        let col = |name: &str| -> Result<StringArray, Error> {
            let c = b.column_by_name(name).ok_or_else(|| {
                Error::new(
                    Fault::Input,
                    format!("{what} has no `{name}` column"),
                    "compare the output of `chipexport screen` with the output of the decision query",
                )
            })?;
            let c = cast(c, &DataType::Utf8).map_err(bug)?;
            c.as_any()
                .downcast_ref::<StringArray>()
                .cloned()
                .ok_or_else(|| {
                    Error::new(
                        Fault::Bug,
                        format!("the column `{name}` is not text after a cast"),
                        "this is a bug in chipexport; please report it",
                    )
                })
        };
        Ok(Columns {
            order_id: col("order_id")?,
            status: col("status")?,
            eccn: col("eccn")?,
            license_required: col("license_required")?,
            review_policy: col("review_policy")?,
            license_exceptions: col("license_exceptions")?,
            conditions: col("conditions")?,
            measures: col("measures")?,
            rules_fired: col("rules_fired")?,
        })
    }
}

fn text(a: &StringArray, i: usize) -> Option<String> {
    a.is_valid(i).then(|| a.value(i).to_string())
}

fn joined(s: Option<&str>) -> Vec<String> {
    s.unwrap_or("")
        .split(';')
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

fn json_list(s: Option<&str>, kinds: bool, what: &str, id: &str) -> Result<Vec<String>, Error> {
    let s = s.unwrap_or("[]");
    let bad = |m: String| {
        Error::new(
            Fault::Input,
            format!("{what}, order `{id}`: {m}"),
            "is this the output of `chipexport screen`?",
        )
    };
    let v: Vec<serde_json::Value> = serde_json::from_str(s)
        .map_err(|e| bad(format!("`{s}` is not a JSON list")).caused_by(e))?;
    v.iter()
        .map(|x| {
            let x = if kinds { x.get("kind") } else { Some(x) };
            x.and_then(|k| k.as_str()).map(String::from).ok_or_else(|| {
                bad(format!(
                    "`{s}` is not a list of {}",
                    if kinds {
                        "objects with a kind"
                    } else {
                        "strings"
                    }
                ))
            })
        })
        .collect()
}

fn answers(batches: &[RecordBatch], lists: Lists, what: &str) -> Result<Vec<OrderAnswer>, Error> {
    let mut out = Vec::new();
    for b in batches {
        let c = Columns::of(b, what)?;
        for i in 0..b.num_rows() {
            let order_id = text(&c.order_id, i).unwrap_or_default();
            let lic = text(&c.license_required, i);
            let license_required = match lic.as_deref() {
                None | Some("") => None,
                Some("false") | Some("0") => Some(false),
                Some("true") | Some("1") => Some(true),
                Some(other) => {
                    return Err(Error::new(
                        Fault::Input,
                        format!(
                            "{what}, order `{order_id}`: license_required is `{other}`, not true or false"
                        ),
                        "is this the output of `chipexport screen` or of the decision query?",
                    ));
                }
            };
            let list = |a: &StringArray, kinds: bool| -> Result<Vec<String>, Error> {
                let s = text(a, i);
                match lists {
                    Lists::Joined => Ok(joined(s.as_deref())),
                    Lists::Json => json_list(s.as_deref(), kinds, what, &order_id),
                }
            };
            out.push(OrderAnswer {
                status: text(&c.status, i),
                eccn: text(&c.eccn, i),
                license_required,
                review_policy: text(&c.review_policy, i),
                license_exceptions: list(&c.license_exceptions, false)?,
                conditions: list(&c.conditions, true)?,
                measures: list(&c.measures, true)?,
                rules_fired: list(&c.rules_fired, false)?,
                order_id,
            });
        }
    }
    Ok(out)
}

/// Answers from the decision query's rows (lists joined with `;`).
pub fn answers_from_query(batches: &[RecordBatch]) -> Result<Vec<OrderAnswer>, Error> {
    answers(batches, Lists::Joined, "the decision query's result")
}

fn read_all(path: &Path) -> Result<Vec<RecordBatch>, Error> {
    chipexport_batch::io::open(path, 65_536)?
        .map(|b| b.map_err(Error::from))
        .collect()
}

/// Answers from a file written by [`run_to_file`].
pub fn read_query_output(path: &Path) -> Result<Vec<OrderAnswer>, Error> {
    answers(
        &read_all(path)?,
        Lists::Joined,
        &format!("`{}`", path.display()),
    )
}

/// Answers from a file written by the native `screen`.
pub fn read_screened(path: &Path) -> Result<Vec<OrderAnswer>, Error> {
    answers(
        &read_all(path)?,
        Lists::Json,
        &format!("`{}`", path.display()),
    )
}

/// One order on which the engine and `screen` differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The order, by its `order_id`.
    pub order_id: String,
    /// `None` when the engine has no row for the order.
    pub engine: Option<OrderAnswer>,
    /// `None` when `screen` has no row for the order (or the engine has it twice).
    pub native: Option<OrderAnswer>,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show =
            |a: &Option<OrderAnswer>| a.as_ref().map_or("no row".to_string(), |a| a.to_string());
        write!(
            f,
            "order `{}`: engine {}; screen {}",
            self.order_id,
            show(&self.engine),
            show(&self.native)
        )
    }
}

/// The result of comparing the engine's answers with `screen`'s.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Agreement {
    /// Rows in `screen`'s output.
    pub native_rows: u64,
    /// Rows in the engine's output.
    pub engine_rows: u64,
    /// Orders both answered the same.
    pub agreeing: u64,
    /// Orders answered differently, missing from the engine, or answered by
    /// the engine only (or twice).
    pub differing: u64,
    /// The first differences, in `screen`'s order (at most [`Agreement::KEPT`]).
    pub first_differences: Vec<Difference>,
}

impl Agreement {
    /// How many differences are kept for the report.
    pub const KEPT: usize = 10;

    /// Every order agrees and both sides have the same number of rows.
    pub fn all_agree(&self) -> bool {
        self.differing == 0 && self.native_rows == self.engine_rows
    }

    fn differ(&mut self, d: Difference) {
        self.differing += 1;
        if self.first_differences.len() < Agreement::KEPT {
            self.first_differences.push(d);
        }
    }
}

impl fmt::Display for Agreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} orders agree, {} differ ({} rows from the engine, {} from screen)",
            self.agreeing, self.differing, self.engine_rows, self.native_rows
        )?;
        for d in &self.first_differences {
            write!(f, "\n  {d}")?;
        }
        Ok(())
    }
}

/// Compares, order by order (matched by `order_id`), the engine's answers
/// with `screen`'s.
pub fn compare(engine: Vec<OrderAnswer>, native: &[OrderAnswer]) -> Agreement {
    let mut a = Agreement {
        native_rows: u64::try_from(native.len()).unwrap_or(u64::MAX),
        engine_rows: u64::try_from(engine.len()).unwrap_or(u64::MAX),
        ..Agreement::default()
    };
    let mut by_id: HashMap<String, OrderAnswer> = HashMap::with_capacity(engine.len());
    let mut twice = Vec::new();
    for e in engine {
        if by_id.contains_key(&e.order_id) {
            twice.push(e);
        } else {
            by_id.insert(e.order_id.clone(), e);
        }
    }
    for n in native {
        match by_id.remove(&n.order_id) {
            Some(e) if e == *n => a.agreeing += 1,
            engine => a.differ(Difference {
                order_id: n.order_id.clone(),
                engine,
                native: Some(n.clone()),
            }),
        }
    }
    let mut extra: Vec<OrderAnswer> = by_id.into_values().chain(twice).collect();
    extra.sort_by(|x, y| x.order_id.cmp(&y.order_id));
    for e in extra {
        a.differ(Difference {
            order_id: e.order_id.clone(),
            engine: Some(e),
            native: None,
        });
    }
    a
}

fn digest(a: &OrderAnswer) -> u64 {
    let mut h = DefaultHasher::new();
    a.hash(&mut h);
    h.finish()
}

/// Calls `each` with every answer of a file, batch by batch.
fn each_answer(
    path: &Path,
    lists: Lists,
    each: &mut dyn FnMut(OrderAnswer) -> Result<(), Error>,
) -> Result<(), Error> {
    let what = format!("`{}`", path.display());
    for b in chipexport_batch::io::open(path, 65_536)? {
        for a in answers(&[b?], lists, &what)? {
            each(a)?;
        }
    }
    Ok(())
}

/// Compares, order by order, a file written by [`run_to_file`] with a file
/// written by the native `screen`, as [`compare`] does, in bounded memory:
/// the engine's answers are kept as one digest per order, and a second pass
/// fetches the engine's answers for the differences it reports.
pub fn compare_files(engine_out: &Path, screened: &Path) -> Result<Agreement, Error> {
    let mut by_id: HashMap<String, u64> = HashMap::new();
    let mut twice: Vec<String> = Vec::new();
    let mut engine_rows = 0u64;
    each_answer(engine_out, Lists::Joined, &mut |a| {
        engine_rows += 1;
        let d = digest(&a);
        match by_id.entry(a.order_id) {
            Entry::Occupied(e) => twice.push(e.key().clone()),
            Entry::Vacant(e) => {
                e.insert(d);
            }
        }
        Ok(())
    })?;
    let mut ag = Agreement {
        engine_rows,
        ..Agreement::default()
    };
    // Kept differences whose engine answer is still to be fetched.
    let mut fetch: HashSet<String> = HashSet::new();
    each_answer(screened, Lists::Json, &mut |n| {
        ag.native_rows += 1;
        match by_id.remove(&n.order_id) {
            Some(d) if d == digest(&n) => ag.agreeing += 1,
            found => {
                if found.is_some() && ag.first_differences.len() < Agreement::KEPT {
                    fetch.insert(n.order_id.clone());
                }
                ag.differ(Difference {
                    order_id: n.order_id.clone(),
                    engine: None,
                    native: Some(n),
                });
            }
        }
        Ok(())
    })?;
    let mut extra: Vec<String> = by_id.into_keys().chain(twice).collect();
    extra.sort();
    for id in extra {
        if ag.first_differences.len() < Agreement::KEPT {
            fetch.insert(id.clone());
        }
        ag.differ(Difference {
            order_id: id,
            engine: None,
            native: None,
        });
    }
    if !fetch.is_empty() {
        let mut found: HashMap<String, OrderAnswer> = HashMap::new();
        each_answer(engine_out, Lists::Joined, &mut |a| {
            if fetch.contains(&a.order_id) {
                found.entry(a.order_id.clone()).or_insert(a);
            }
            Ok(())
        })?;
        for d in &mut ag.first_differences {
            if fetch.contains(&d.order_id) {
                d.engine = found.get(&d.order_id).cloned();
            }
        }
    }
    Ok(ag)
}
