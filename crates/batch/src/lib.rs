//! Order ledgers: screening every row with the semantics of `check`, and
//! the impact of a rule change on an order book.
//!
//! The core crates stay free of this crate; it adds Arrow and Parquet for
//! reading and writing ledgers. See [`screen`](mod@screen) for how millions of rows are
//! answered with the same `determine` that `check` uses.

#![warn(missing_docs)]

pub mod drawdown;
pub mod generate;
pub mod impact;
pub mod io;
pub mod screen;

use std::path::Path;
use std::sync::Arc;

use chipexport_catalog::Catalog;
use chipexport_domain::Fault;
use chipexport_rules::RuleSet;

pub use screen::{PartyOutcome, PartyScreen, PartySummary, Scenario, Screener, Summary};

/// The cause of a [`BatchError`]: the reader's, writer's or system's error.
pub type Cause = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// An error in a ledger or its processing, naming the file and what to do.
///
/// The message does not repeat the cause: the cause is the error's
/// [`source`](std::error::Error::source) (and [`BatchError::cause`]).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct BatchError {
    /// The file concerned, as given.
    pub file: String,
    /// What went wrong, naming the file.
    pub message: String,
    /// What to do about it.
    pub help: String,
    fault: Fault,
    #[source]
    cause: Option<Cause>,
}

impl BatchError {
    /// An error in the user's ledger (or arguments): [`Fault::Input`].
    pub fn input(file: &Path, message: impl Into<String>, help: &str) -> BatchError {
        BatchError::new(Fault::Input, file, message, help)
    }

    /// An error of the given fault.
    pub fn new(
        fault: Fault,
        file: &Path,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> BatchError {
        BatchError {
            file: file.display().to_string(),
            message: message.into(),
            help: help.into(),
            fault,
            cause: None,
        }
    }

    /// The same error, caused by `cause`.
    pub fn caused_by(
        mut self,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> BatchError {
        self.cause = Some(Arc::new(cause));
        self
    }

    /// The same error, caused by `cause` (shared).
    pub fn with_cause(mut self, cause: Option<Cause>) -> BatchError {
        self.cause = cause;
        self
    }

    /// Who is at fault: the ledger ([`Fault::Input`]), the machine (a full
    /// disk, a folder that cannot be written: [`Fault::Environment`]), or
    /// chipexport ([`Fault::Bug`]).
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

impl miette::Diagnostic for BatchError {
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.help))
    }
}

/// The kind of the first I/O error in an error's chain of causes.
pub(crate) fn io_kind(e: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        cause = c.source();
    }
    None
}

/// Rows per batch that `screen` reads, screens and writes. Each batch
/// costs some work whatever its size (the answers' columns gathered again,
/// their texts interned by the Parquet writer, two threads started): on the
/// 1M mixed ledger, batches of 131,072 rows took 0.955 s (median of 6)
/// against 0.995 s for 65,536, and 262,144 rows 0.92 s, with a peak of
/// 274, 225 and 306 MiB. On 100M rows the time is even, and the peak
/// 715-729 MiB against 474 MiB.
const BATCH_ROWS: usize = 131_072;

/// Screens `input` into `output`; every input row yields exactly one output
/// row, in input order. Three threads overlap the work: one reads and
/// decodes batches and parses their rows, one screens them (determining new
/// questions on two threads, see [`Screener`]), one gathers the output
/// columns, encodes and writes them. `progress` is
/// called with the rows done so far.
pub fn screen(
    rs: &RuleSet,
    cat: &Catalog,
    scenario: Scenario,
    input: &Path,
    output: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<Summary, BatchError> {
    let parties = scenario.parties.clone();
    let reader = io::open(input, BATCH_ROWS)?;
    let cols = screen::Columns::of(&reader.schema, input)?;
    let out_schema = screen::output_schema(&reader.schema);
    let mut writer = io::LedgerWriter::create(output, out_schema.clone())?;
    // Parquet to Parquet: the input's columns are copied, not encoded
    // again, and those that screening does not read are not even decoded.
    let copied = writer.copy_columns_from(input)?;
    let unread: Vec<String> = copied
        .iter()
        .filter(|c| !screen::reads(c, scenario.parties.is_some()))
        .cloned()
        .collect();
    let copied: Vec<bool> = reader
        .schema
        .fields()
        .iter()
        .map(|f| copied.contains(f.name()))
        .collect();
    // The question's and the value's columns are read as dictionaries
    // where a Parquet file keeps them as such: each distinct value is
    // parsed once.
    let reader = io::open_with(input, BATCH_ROWS, &unread, &screen::READ_COLUMNS)?;
    let mut worker = Screener::new(rs, cat, scenario);
    let mut summary = Summary {
        rule_set_hash: rs.hash().to_string(),
        parties: parties.as_ref().map(|p| screen::PartySummary {
            list_date: Some(p.list_date()),
            ..screen::PartySummary::default()
        }),
        ..Summary::default()
    };
    let bug = |e: arrow::error::ArrowError| {
        BatchError::new(
            Fault::Bug,
            input,
            format!("cannot screen a batch of `{}`", input.display()),
            "this is a bug in chipexport; please report it",
        )
        .caused_by(e)
    };
    let panicked = || {
        bug(arrow::error::ArrowError::ComputeError(
            "a screening thread panicked".into(),
        ))
    };
    std::thread::scope(|sc| -> Result<(), BatchError> {
        // Two batches read ahead, and their rows parsed: enough to keep
        // every thread busy.
        let (batches, read) = std::sync::mpsc::sync_channel(2);
        let mut parser = worker.row_parser();
        let cols = &cols;
        sc.spawn(move || {
            for b in reader {
                let parsed = b.map(|b| {
                    let rows = parser.parse(cols, &b);
                    (b, rows)
                });
                if batches.send(parsed).is_err() {
                    break;
                }
            }
        });
        // One screened batch waiting: its output gathered is large.
        let (screened, to_write) = std::sync::mpsc::sync_channel::<screen::Screened>(1);
        let w = &mut writer;
        let schema = &out_schema;
        let copied = &copied;
        let written = sc.spawn(move || -> Result<(), BatchError> {
            for s in to_write {
                w.write(&s.batch_copying(schema, copied).map_err(bug)?)?;
            }
            Ok(())
        });
        let screening = (|| -> Result<(), BatchError> {
            for parsed in read {
                let (b, rows) = parsed?;
                let out = worker
                    .screened_parsed(&b, rows, &mut summary)
                    .map_err(bug)?;
                if screened.send(out).is_err() {
                    // The writer stopped: its error is returned below.
                    break;
                }
                progress(summary.rows);
            }
            Ok(())
        })();
        drop(screened);
        let written = written.join().map_err(|_| panicked())?;
        screening.and(written)
    })?;
    writer.finish()?;
    if let (Some(a), Some(p)) = (&mut summary.parties, &parties) {
        a.finish(p.names_screened());
    }
    summary.distinct_questions = worker.distinct_questions();
    summary.distinct_answers = worker.answers.len();
    Ok(summary)
}
