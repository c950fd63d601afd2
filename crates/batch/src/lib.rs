//! Order ledgers: screening every row with the semantics of `check`, and
//! the impact of a rule change on an order book.
//!
//! The core crates stay free of this crate; it adds Arrow and Parquet for
//! reading and writing ledgers. See [`screen`] for how millions of rows are
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

/// Screens `input` into `output`; every input row yields exactly one output
/// row, in input order. Two workers, each with its own memo of questions,
/// take alternate batches. `progress` is called with the rows done so far.
pub fn screen(
    rs: &RuleSet,
    cat: &Catalog,
    scenario: Scenario,
    input: &Path,
    output: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<Summary, BatchError> {
    let parties = scenario.parties.clone();
    let mut reader = io::open(input, 65_536)?;
    let cols = screen::Columns::of(&reader.schema, input)?;
    let out_schema = screen::output_schema(&reader.schema);
    let mut writer = io::LedgerWriter::create(output, out_schema.clone())?;
    let mut workers = [
        Screener::new(rs, cat, scenario.clone()),
        Screener::new(rs, cat, scenario),
    ];
    let party_summary = parties.as_ref().map(|p| screen::PartySummary {
        list_date: Some(p.list_date()),
        ..screen::PartySummary::default()
    });
    let mut sums = [
        Summary {
            rule_set_hash: rs.hash().to_string(),
            parties: party_summary.clone(),
            ..Summary::default()
        },
        Summary {
            parties: party_summary,
            ..Summary::default()
        },
    ];
    let bug = |e: arrow::error::ArrowError| {
        BatchError::new(
            Fault::Bug,
            input,
            format!("cannot screen a batch of `{}`", input.display()),
            "this is a bug in chipexport; please report it",
        )
        .caused_by(e)
    };
    loop {
        let Some(first) = reader.next().transpose()? else {
            break;
        };
        let second = reader.next().transpose()?;
        let [w0, w1] = &mut workers;
        let [s0, s1] = &mut sums;
        let (o0, o1) = std::thread::scope(|sc| {
            let h = second
                .as_ref()
                .map(|b| sc.spawn(|| w1.output(&cols, b, &out_schema, s1)));
            let o0 = w0.output(&cols, &first, &out_schema, s0);
            (o0, h.map(|h| h.join()))
        });
        writer.write(&o0.map_err(bug)?)?;
        match o1 {
            Some(Ok(o1)) => writer.write(&o1.map_err(bug)?)?,
            Some(Err(_)) => {
                return Err(bug(arrow::error::ArrowError::ComputeError(
                    "a screening worker panicked".into(),
                )));
            }
            None => {}
        }
        progress(sums[0].rows + sums[1].rows);
    }
    writer.finish()?;
    let [mut summary, other] = sums;
    summary.rows += other.rows;
    summary.rows_with_error += other.rows_with_error;
    summary.license_required += other.license_required;
    summary.not_required += other.not_required;
    summary.undetermined += other.undetermined;
    summary.outside_coverage += other.outside_coverage;
    summary.presumption_of_denial += other.presumption_of_denial;
    summary.with_revenue_share += other.with_revenue_share;
    for (k, v) in other.errors {
        *summary.errors.entry(k).or_default() += v;
    }
    if let (Some(a), Some(b), Some(p)) = (&mut summary.parties, &other.parties, &parties) {
        a.add(b);
        a.finish(p.names_screened());
    }
    // Questions determined by each worker (a question seen by both counts twice).
    summary.distinct_questions = workers.iter().map(Screener::distinct_questions).sum();
    summary.distinct_answers = workers.iter().map(|w| w.answers.len()).max().unwrap_or(0);
    Ok(summary)
}
