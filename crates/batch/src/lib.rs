//! Order ledgers: screening every row with the semantics of `check`, and
//! the impact of a rule change on an order book.
//!
//! The core crates stay free of this crate; it adds Arrow and Parquet for
//! reading and writing ledgers. See [`screen`] for how millions of rows are
//! answered with the same `determine` that `check` uses.

pub mod generate;
pub mod impact;
pub mod io;
pub mod screen;

use std::path::Path;

use chipexport_catalog::Catalog;
use chipexport_rules::RuleSet;

pub use screen::{Scenario, Screener, Summary};

/// An error in a ledger or its processing, naming the file and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct BatchError {
    pub file: String,
    pub message: String,
    pub help: String,
}

impl BatchError {
    pub fn input(file: &Path, message: impl Into<String>, help: &str) -> BatchError {
        BatchError {
            file: file.display().to_string(),
            message: message.into(),
            help: help.to_string(),
        }
    }
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
    let mut reader = io::open(input, 65_536)?;
    let cols = screen::Columns::of(&reader.schema, input)?;
    let out_schema = screen::output_schema(&reader.schema);
    let mut writer = io::LedgerWriter::create(output, out_schema.clone())?;
    let mut workers = [
        Screener::new(rs, cat, scenario.clone()),
        Screener::new(rs, cat, scenario),
    ];
    let mut sums = [
        Summary {
            rule_set_hash: rs.hash().to_string(),
            ..Summary::default()
        },
        Summary::default(),
    ];
    let bug = |e: arrow::error::ArrowError| {
        BatchError::input(
            input,
            format!("cannot screen a batch of `{}`: {e}", input.display()),
            "this is a bug in chipexport; please report it",
        )
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
    summary.presumption_of_denial += other.presumption_of_denial;
    summary.with_revenue_share += other.with_revenue_share;
    for (k, v) in other.errors {
        *summary.errors.entry(k).or_default() += v;
    }
    // Questions determined by each worker (a question seen by both counts twice).
    summary.distinct_questions = workers.iter().map(Screener::distinct_questions).sum();
    summary.distinct_answers = workers.iter().map(|w| w.answers.len()).max().unwrap_or(0);
    Ok(summary)
}
