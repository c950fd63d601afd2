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
/// row. `progress` is called with the number of rows done so far.
pub fn screen(
    rs: &RuleSet,
    cat: &Catalog,
    scenario: Scenario,
    input: &Path,
    output: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<Summary, BatchError> {
    let reader = io::open(input, 65_536)?;
    let cols = screen::Columns::of(&reader.schema, input)?;
    let out_schema = screen::output_schema(&reader.schema);
    let mut writer = io::LedgerWriter::create(output, out_schema.clone())?;
    let mut screener = Screener::new(rs, cat, scenario);
    let mut summary = Summary {
        rule_set_hash: rs.hash.clone(),
        ..Summary::default()
    };
    for batch in reader {
        let batch = batch?;
        let out = screener
            .output(&cols, &batch, &out_schema, &mut summary)
            .map_err(|e| {
                BatchError::input(
                    input,
                    format!("cannot screen a batch of `{}`: {e}", input.display()),
                    "this is a bug in chipexport; please report it",
                )
            })?;
        writer.write(&out)?;
        progress(summary.rows);
    }
    writer.finish()?;
    summary.distinct_questions = screener.distinct_questions();
    summary.distinct_answers = screener.answers.len();
    Ok(summary)
}
