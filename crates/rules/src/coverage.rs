//! Coverage as data: what the packs encode, per jurisdiction and regime,
//! from when, and the gaps where an answer would be silent about a regime
//! that applies (`data/coverage.toml`).
//!
//! A question outside coverage is answered `outside_coverage`, never "no
//! licence required"; an unencoded regime can only add requirements, so an
//! answer that already requires a licence keeps it and is flagged.

use chipexport_domain::{Country, DataError, Date, SourceFile, spec::toml_error};
use serde::{Deserialize, Serialize};

/// The coverage shipped with chipexport.
pub const EMBEDDED: &str = include_str!("../../../data/coverage.toml");
/// The name of the shipped coverage file, for diagnostics.
pub const EMBEDDED_NAME: &str = "data/coverage.toml";

/// One encoded regime of one jurisdiction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Regime {
    /// The jurisdiction (`US`, `CN`).
    pub jurisdiction: String,
    /// The regime in words.
    pub name: String,
    /// The first day the encoded instruments cover.
    #[serde(deserialize_with = "chipexport_domain::serde_date::date")]
    pub from: Date,
    /// What is encoded.
    pub encodes: Vec<String>,
    /// What is known to be left out.
    #[serde(default)]
    pub not_encoded: Vec<String>,
    /// The destinations the regime governs (ISO codes); empty: every
    /// destination. Only a regime for every destination sets where the
    /// US coverage starts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub destinations: Vec<Country>,
}

/// A regime that applies to some destinations and is not encoded: a
/// question there is outside coverage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gap {
    /// The jurisdiction whose regime is missing.
    pub jurisdiction: String,
    /// The regime in words.
    pub regime: String,
    /// The destinations it applies to (ISO codes).
    pub destinations: Vec<Country>,
    /// The first day it applies (`None`: every date).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "chipexport_domain::serde_date::opt_date"
    )]
    pub from: Option<Date>,
    /// What is missing, in words.
    pub missing: String,
}

impl Gap {
    /// Whether the gap holds for a destination on a date.
    pub fn holds(&self, destination: Country, on: Date) -> bool {
        self.destinations.contains(&destination) && self.from.is_none_or(|f| on >= f)
    }
}

/// What is encoded and what is not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    /// The encoded regimes.
    #[serde(rename = "regime")]
    pub regimes: Vec<Regime>,
    /// The known gaps.
    #[serde(default, rename = "gap")]
    pub gaps: Vec<Gap>,
    #[serde(skip)]
    text: String,
    /// [`Coverage::us_from`], computed once when the file is parsed (it is
    /// read for every question).
    #[serde(skip)]
    us_from: Option<Date>,
}

/// Why a question is outside coverage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outside {
    /// The jurisdiction whose rules do not cover the question.
    pub jurisdiction: String,
    /// The regime in words.
    pub regime: String,
    /// What is missing.
    pub missing: String,
}

impl Coverage {
    /// The coverage shipped with chipexport.
    pub fn embedded() -> Result<Coverage, Box<DataError>> {
        Coverage::parse(&SourceFile::new(EMBEDDED_NAME, EMBEDDED))
    }

    /// Parses a coverage file; problems are located (file, line, key).
    pub fn parse(file: &SourceFile) -> Result<Coverage, Box<DataError>> {
        let mut c: Coverage =
            toml::from_str(&file.text).map_err(|e| Box::new(toml_error(file, &e).in_rules()))?;
        if !c
            .regimes
            .iter()
            .any(|r| r.jurisdiction == "US" && r.destinations.is_empty())
        {
            return Err(Box::new(
                file.error_at(
                    &["regime"],
                    "no US regime for every destination is listed",
                    None,
                )
                .in_rules(),
            ));
        }
        c.text = file.text.clone();
        c.us_from = c
            .regimes
            .iter()
            .filter(|r| r.jurisdiction == "US" && r.destinations.is_empty())
            .map(|r| r.from)
            .min();
        Ok(c)
    }

    /// The file's text, hashed into the rule set's hash.
    pub fn source_text(&self) -> &str {
        &self.text
    }

    /// The first day the US rules cover every destination (regimes for
    /// some destinations only, such as an embargo, do not count).
    pub fn us_from(&self) -> Option<Date> {
        self.us_from
    }

    /// Why a US licence question for this destination on this date is
    /// outside coverage, if it is: a date before the first US regime, or a
    /// gap.
    pub fn outside(&self, destination: Country, on: Date) -> Option<Outside> {
        self.outside_at(destination, on)
            .and_then(|i| self.reason(i))
    }

    /// Which reason puts a question outside coverage: 0 for a date before
    /// the first US regime, `k + 1` for gap `k`. Cheap; [`Coverage::reason`]
    /// gives the words.
    pub fn outside_at(&self, destination: Country, on: Date) -> Option<usize> {
        if self.us_from().is_some_and(|f| on < f) {
            return Some(0);
        }
        self.gaps
            .iter()
            .position(|g| g.jurisdiction == "US" && g.holds(destination, on))
            .map(|k| k + 1)
    }

    /// The dates on which [`Coverage::outside_at`] may change: the first
    /// day of the encoded US rules and of each gap.
    pub fn change_dates(&self) -> impl Iterator<Item = Date> + '_ {
        self.us_from
            .into_iter()
            .chain(self.gaps.iter().filter_map(|g| g.from))
    }

    /// The reason numbered by [`Coverage::outside_at`].
    pub fn reason(&self, at: usize) -> Option<Outside> {
        if at == 0 {
            let from = self.us_from()?;
            return Some(Outside {
                jurisdiction: "US".into(),
                regime: format!("US export controls before {from}"),
                missing: format!(
                    "the encoded US rules start on {from}; what applied before is not encoded"
                ),
            });
        }
        self.gaps.get(at - 1).map(|g| Outside {
            jurisdiction: g.jurisdiction.clone(),
            regime: g.regime.clone(),
            missing: g.missing.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn the_shipped_coverage_parses_and_names_its_gaps() {
        let c = Coverage::embedded().unwrap();
        let cn = Country::parse("CN").unwrap();
        assert!(c.outside(cn, d("2025-01-01")).is_none());
        let before = c.outside(cn, d("2021-01-01")).unwrap();
        assert!(before.missing.contains("start on"), "{before:?}");
        for gap in &c.gaps {
            let on = gap.from.unwrap_or(d("2025-01-01"));
            for dest in &gap.destinations {
                assert!(c.outside(*dest, on).is_some(), "{dest} on {on}");
            }
        }
    }

    #[test]
    fn a_dated_gap_starts_on_its_date() {
        let c = Coverage::parse(&SourceFile::new(
            "c.toml",
            "[[regime]]\njurisdiction = \"US\"\nname = \"x\"\nfrom = 2020-01-01\nencodes = []\n\
             [[gap]]\njurisdiction = \"US\"\nregime = \"r\"\ndestinations = [\"RU\"]\nfrom = 2022-02-24\nmissing = \"m\"\n",
        ))
        .unwrap();
        let ru = Country::parse("RU").unwrap();
        assert!(c.outside(ru, d("2022-02-23")).is_none());
        assert_eq!(c.outside(ru, d("2022-02-24")).unwrap().missing, "m");
    }

    #[test]
    fn a_file_without_a_us_regime_or_with_an_unknown_key_is_refused() {
        let e = Coverage::parse(&SourceFile::new("c.toml", "regime = []\n")).unwrap_err();
        assert!(e.to_string().contains("no US regime"), "{e}");
        let e = Coverage::parse(&SourceFile::new(
            "c.toml",
            "[[regime]]\njurisdiction = \"US\"\nname = \"x\"\nfrom = 2020-01-01\nencodes = []\nextra = 1\n",
        ))
        .unwrap_err();
        assert!(e.to_string().contains("extra"), "{e}");
    }
}
