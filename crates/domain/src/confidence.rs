//! How sure we are of a fact.

use serde::{Deserialize, Serialize};

/// The confidence of a fact, from best to worst.
///
/// The reference material uses two vocabularies (`CONFIRMED / SECONDARY /
/// UNCONFIRMED` for US rules, `official / reported / UNCONFIRMED` for other
/// measures); both are accepted and map onto these levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Read in a primary source or an authoritative quote of it.
    #[serde(alias = "official", alias = "CONFIRMED")]
    Confirmed,
    /// Found only in secondary write-ups or press reports.
    #[serde(alias = "reported", alias = "SECONDARY")]
    Secondary,
    /// A figure derived by estimation (e.g. a die area from a die shot).
    Estimate,
    /// Needs checking: single weak source, conflicting reports, inference.
    #[serde(alias = "UNCONFIRMED")]
    Unconfirmed,
}

impl Confidence {
    /// The name used in data files and reports, such as `confirmed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Confirmed => "confirmed",
            Confidence::Secondary => "secondary",
            Confidence::Estimate => "estimate",
            Confidence::Unconfirmed => "unconfirmed",
        }
    }

    /// True when an answer that relies on this fact must say so.
    pub fn needs_flag(self) -> bool {
        matches!(self, Confidence::Estimate | Confidence::Unconfirmed)
    }
}

impl std::fmt::Display for Confidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
