//! chipexport's application layer: every use case is one function that
//! takes a typed request and returns a typed, documented response. The CLI
//! (`chipexport-cli`) and the HTTP service (`chipexport-server`) are
//! adapters over it: they parse, call and render; they decide nothing and
//! build no JSON by hand, so the CLI's `--format json` and the API answer
//! the same question with the same document.
//!
//! * [`App`]: the rule set and the catalog a process answers with;
//! * [`question`]: the question as callers send it, resolved once;
//! * [`check`], [`timeline`], [`compare`], [`headroom`], [`chart`]: the
//!   decision and its views;
//! * [`chips`]: the catalog and the metrics of a design;
//! * [`rules`]: the packs, their test cases, the SQL export;
//! * [`ledger`]: screening an order book and the impact of a rule change;
//! * [`parties`]: restricted-party screening, and the parties of a check;
//!   [`reviews`]: reviewers' decisions on its matches;
//! * [`locate`]: where is the chip: signed delay measurements verified
//!   against the fleet record, and the latest verification in a period;
//! * [`licences`]: export licences recorded, matched, drawn down and
//!   accounted for, and the licences a rule change affects;
//! * [`audit`]: the decision log (entries, listing and export,
//!   verification, replay); [`logged`]: what an entry records; [`trail`]:
//!   the entries listed, shown and exported;
//! * [`error`]: the one error model ([`Error`], whose [`Fault`] decides the
//!   exit code and the HTTP status);
//! * [`clock`]: "today", read once.
#![warn(missing_docs)]

pub mod audit;
pub mod chart;
pub mod check;
pub mod chips;
pub mod choice;
pub mod clock;
pub mod compare;
pub mod error;
pub mod headroom;
pub mod ledger;
pub mod licences;
pub mod locate;
pub mod logged;
pub mod parties;
pub mod question;
pub mod reviews;
pub mod rules;
pub mod timeline;
pub mod trail;
pub mod upcoming;

use std::path::{Path, PathBuf};

pub use chipexport_catalog::Catalog;
pub use chipexport_domain::{Country, Date, Fault};
pub use chipexport_rules::{Decision, Mode, Question, RuleSet};
pub use clock::Clock;
pub use error::{Error, ErrorReport, Result};
pub use question::{Ask, CheckRequest, ItemRef};

/// A rule-pack file loaded beside the embedded packs, kept with its text so
/// that a decision made with it can be replayed exactly.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExtraPack {
    /// The file name as given.
    pub file: String,
    /// Its whole text.
    pub text: String,
}

/// What a process answers with: the rule set (the embedded packs, plus any
/// extra pack files) and the chip catalog.
#[derive(Debug, Clone)]
pub struct App {
    rules: RuleSet,
    catalog: Catalog,
    extra: Vec<ExtraPack>,
    screener: std::sync::Arc<parties::Screener>,
}

impl App {
    /// The embedded rule packs and catalog.
    pub fn embedded() -> Result<App> {
        App::with_extra(Vec::new())
    }

    /// The embedded packs plus the pack files at `paths` (a user's own or
    /// hypothetical instruments); errors are located in the files.
    pub fn with_rule_files(paths: &[PathBuf]) -> Result<App> {
        let mut extra = Vec::new();
        for p in paths {
            let f = chipexport_domain::SourceFile::read(p)?;
            extra.push(ExtraPack {
                file: f.name,
                text: f.text,
            });
        }
        App::with_extra(extra)
    }

    /// The embedded packs plus packs given as text.
    pub fn with_extra(extra: Vec<ExtraPack>) -> Result<App> {
        let rules = if extra.is_empty() {
            RuleSet::embedded()?
        } else {
            RuleSet::with_extra(
                extra
                    .iter()
                    .map(|p| chipexport_domain::SourceFile::new(p.file.clone(), p.text.clone()))
                    .collect(),
            )?
        };
        let catalog = Catalog::embedded().map_err(Error::located)?;
        Ok(App {
            rules,
            catalog,
            extra,
            screener: std::sync::Arc::new(parties::Screener::new(None)),
        })
    }

    /// The rule set.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// The catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The extra pack files loaded beside the embedded packs.
    pub fn extra_packs(&self) -> &[ExtraPack] {
        &self.extra
    }
}

/// Writes `bytes` to `path` through a temporary file renamed into place, so
/// that an interrupted write leaves no partial file.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::environment(
                format!("cannot write `{}`: {e}", path.display()),
                "check the path, its permissions and the free disk space",
            )
            .with_source(e)
        })
}
