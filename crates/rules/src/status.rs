//! The four states of an answer to "is a US licence required?".
//!
//! An answer is never two-valued: a rule whose facts are unknown can leave
//! the requirement open, and a question outside what the packs encode has
//! no answer at all. Both are said, never turned into "no licence".

use serde::{Deserialize, Serialize};

/// The classification an answer reports when a classification rule that
/// could change it is undetermined.
pub const UNDETERMINED_ECCN: &str = "undetermined";

/// Whether a US licence is required, in four states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenseStatus {
    /// A licence is required.
    Required,
    /// No licence is required under the rules encoded.
    NotRequired,
    /// A rule that would change the answer could not be decided for lack
    /// of facts; the answer names them.
    Undetermined,
    /// The question lies outside what the packs encode (a date before a
    /// jurisdiction's first instrument, a regime not encoded).
    OutsideCoverage,
}

impl LicenseStatus {
    /// Every state, in the order reports list them.
    pub const ALL: [LicenseStatus; 4] = [
        LicenseStatus::Required,
        LicenseStatus::NotRequired,
        LicenseStatus::Undetermined,
        LicenseStatus::OutsideCoverage,
    ];

    /// The state of a determined or undetermined requirement.
    pub fn of(license_required: Option<bool>) -> LicenseStatus {
        match license_required {
            Some(true) => LicenseStatus::Required,
            Some(false) => LicenseStatus::NotRequired,
            None => LicenseStatus::Undetermined,
        }
    }

    /// The name used in JSON, CSV and SQL (`not_required`).
    pub fn as_str(self) -> &'static str {
        match self {
            LicenseStatus::Required => "required",
            LicenseStatus::NotRequired => "not_required",
            LicenseStatus::Undetermined => "undetermined",
            LicenseStatus::OutsideCoverage => "outside_coverage",
        }
    }

    /// Parses [`LicenseStatus::as_str`]'s names.
    pub fn parse(s: &str) -> Option<LicenseStatus> {
        LicenseStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Whether the licence requirement is known (required or not).
    pub fn is_determined(self) -> bool {
        matches!(self, LicenseStatus::Required | LicenseStatus::NotRequired)
    }
}

impl std::fmt::Display for LicenseStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for s in LicenseStatus::ALL {
            assert_eq!(LicenseStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).ok(),
                Some(serde_json::Value::String(s.as_str().into()))
            );
        }
        assert_eq!(LicenseStatus::parse("maybe"), None);
    }

    #[test]
    fn an_unknown_requirement_is_undetermined() {
        assert_eq!(LicenseStatus::of(None), LicenseStatus::Undetermined);
        assert_eq!(LicenseStatus::of(Some(true)), LicenseStatus::Required);
        assert!(!LicenseStatus::Undetermined.is_determined());
    }
}
