//! The one error model: every error a use case returns says who is at fault
//! ([`Fault`]), which decides the CLI's exit code and the service's HTTP
//! status, and how to fix it. Errors located in a file (a spec, a rule pack)
//! keep their file, line, column and key; other causes are kept as sources,
//! never flattened into the message.

use chipexport_domain::{DataError, Fault};
use serde::Serialize;

/// The boxed cause of an error.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error of a use case.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    fault: Fault,
    message: String,
    help: String,
    field: Option<String>,
    located: Vec<DataError>,
    #[source]
    source: Option<Cause>,
}

impl Error {
    /// An error of the given fault.
    pub fn new(fault: Fault, message: impl Into<String>, help: impl Into<String>) -> Error {
        Error {
            fault,
            message: message.into(),
            help: help.into(),
            field: None,
            located: Vec::new(),
            source: None,
        }
    }

    /// The user's input is wrong: a flag, a field, a file they gave.
    pub fn input(message: impl Into<String>, help: impl Into<String>) -> Error {
        Error::new(Fault::Input, message, help)
    }

    /// The environment stops the work: a locked or full database, a
    /// directory that cannot be written, a server that is down.
    pub fn environment(message: impl Into<String>, help: impl Into<String>) -> Error {
        Error::new(Fault::Environment, message, help)
    }

    /// A bug in chipexport.
    pub fn bug(message: impl Into<String>) -> Error {
        Error::new(
            Fault::Bug,
            message,
            "this is a bug in chipexport; please report it with the command that caused it",
        )
    }

    /// Errors located in data files, of the fault each names (input for a
    /// user's spec, rules for a rule pack or reference data).
    pub fn located(errors: Vec<DataError>) -> Error {
        let fault = if errors.iter().any(|e| e.fault == Fault::Rules) {
            Fault::Rules
        } else {
            Fault::Input
        };
        let message = match errors.as_slice() {
            [one] => one.message.clone(),
            many => format!("{} errors in data files", many.len()),
        };
        let help = errors
            .first()
            .and_then(|e| e.help.clone())
            .unwrap_or_default();
        Error {
            located: errors,
            ..Error::new(fault, message, help)
        }
    }

    /// Names the request field (or command-line option, in its JSON
    /// spelling) the error is about.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Error {
        self.field = Some(field.into());
        self
    }

    /// Keeps the cause.
    #[must_use]
    pub fn with_source(mut self, source: impl Into<Cause>) -> Error {
        self.source = Some(source.into());
        self
    }

    /// A copy for a second receiver: the same fault, message, help and
    /// field; the cause becomes text.
    pub fn detached(&self) -> Error {
        let mut e = Error::new(self.fault, self.message.clone(), self.help.clone());
        e.field = self.field.clone();
        if let Some(s) = &self.source {
            e.source = Some(s.to_string().into());
        }
        e
    }

    /// Who is at fault.
    pub fn fault(&self) -> Fault {
        self.fault
    }

    /// What went wrong (lowercase, no final period).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// What to do about it.
    pub fn help(&self) -> &str {
        &self.help
    }

    /// The request field the error is about, if any.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// The located errors, when the error is in data files.
    pub fn located_errors(&self) -> &[DataError] {
        &self.located
    }

    /// The machine-readable report: one entry per located error, or one
    /// for the error itself, each with its fault and, where known, the
    /// field, file, line, column and key. The cause chain is kept in
    /// `causes`.
    pub fn report(&self) -> ErrorReport {
        let causes = {
            let mut out = Vec::new();
            let mut next = std::error::Error::source(self);
            while let Some(c) = next {
                out.push(c.to_string());
                next = c.source();
            }
            out
        };
        let errors = if self.located.is_empty() {
            vec![ErrorEntry {
                message: self.message.clone(),
                help: self.help.clone(),
                fault: self.fault,
                field: self.field.clone(),
                file: None,
                line: None,
                column: None,
                key: None,
                causes,
            }]
        } else {
            self.located
                .iter()
                .map(|e| ErrorEntry {
                    message: e.message.clone(),
                    help: e.help.clone().unwrap_or_default(),
                    fault: e.fault,
                    field: self.field.clone(),
                    file: Some(e.file.clone()),
                    line: e.line,
                    column: e.column,
                    key: e.key.clone(),
                    causes: Vec::new(),
                })
                .collect()
        };
        ErrorReport { errors }
    }
}

impl miette::Diagnostic for Error {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.fault.as_str()))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        (!self.help.is_empty()).then(|| Box::new(&self.help) as Box<dyn std::fmt::Display>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        (!self.located.is_empty()).then(|| {
            Box::new(self.located.iter().map(|e| e as &dyn miette::Diagnostic))
                as Box<dyn Iterator<Item = &'a dyn miette::Diagnostic>>
        })
    }
}

/// Errors as JSON: `{"errors": [...]}`, the form of `--error-format json`
/// and of every error response of the service.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorReport {
    /// One entry per error.
    pub errors: Vec<ErrorEntry>,
}

/// One error, for machines.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorEntry {
    /// What went wrong.
    pub message: String,
    /// What to do about it.
    pub help: String,
    /// Who is at fault: `input`, `rules`, `environment` or `bug`.
    pub fault: Fault,
    /// The request field or option, in its JSON spelling.
    pub field: Option<String>,
    /// The data file, for an error located in one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// 1-based line in the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column in the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// The key path in the file, e.g. `throughput.fp8`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The chain of causes, outermost first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<String>,
}

/// The result of a use case.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<chipexport_catalog::LookupError> for Error {
    fn from(e: chipexport_catalog::LookupError) -> Error {
        Error::input(e.to_string(), e.help()).with_field("chip")
    }
}

impl From<chipexport_rules::LoadErrors> for Error {
    fn from(e: chipexport_rules::LoadErrors) -> Error {
        Error::located(e.0)
    }
}

impl From<Box<DataError>> for Error {
    fn from(e: Box<DataError>) -> Error {
        Error::located(vec![*e])
    }
}

impl From<chipexport_store::StoreError> for Error {
    fn from(e: chipexport_store::StoreError) -> Error {
        let (message, help) = (e.to_string(), e.help());
        Error::new(e.fault(), message, help).with_source(e)
    }
}

impl From<chipexport_batch::BatchError> for Error {
    fn from(e: chipexport_batch::BatchError) -> Error {
        let (message, help) = (e.message().to_string(), e.help().to_string());
        Error::new(e.fault(), message, help).with_source(e)
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn an_input_error_reports_its_field_and_fault() {
        let e = Error::input("`XX` is not a country", "use ISO codes").with_field("to");
        let r = e.report();
        assert_eq!(r.errors.len(), 1);
        assert_eq!(r.errors.first().map(|x| x.fault), Some(Fault::Input));
        assert_eq!(
            r.errors.first().and_then(|x| x.field.as_deref()),
            Some("to")
        );
        assert_eq!(e.fault().exit_code(), 1);
        assert_eq!(e.fault().http_status(), 422);
    }

    #[test]
    fn the_cause_is_kept() {
        let io = std::io::Error::other("disk full");
        let e = Error::environment("cannot write `out.csv`", "free some space").with_source(io);
        assert_eq!(e.report().errors[0].causes, vec!["disk full".to_string()]);
        assert_eq!(e.fault().exit_code(), 5);
    }
}
