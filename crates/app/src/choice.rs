//! Enumerated options as data: every option with a fixed set of values
//! (a headroom target, a knob, an SQL dialect, a ledger profile) is a
//! [`Choice`], so the CLI offers exactly these values (an unknown one is an
//! error, never dropped) and the API reads them with the same names.

use chipexport_batch::generate::Profile;
use chipexport_rules::Mode;
use chipexport_rules::headroom::{Knob, Target};
use chipexport_rules::sql::Dialect;

use crate::error::{Error, Result};

/// An option with a fixed set of values, each with a name and a help line.
pub trait Choice: Copy + Send + Sync + 'static {
    /// Every value with its name and help, in the order offered.
    const VALUES: &'static [(Self, &'static str, &'static str)];

    /// The value's name.
    fn name(self) -> &'static str
    where
        Self: PartialEq,
    {
        Self::VALUES
            .iter()
            .find(|(v, _, _)| *v == self)
            .map_or("", |(_, n, _)| n)
    }

    /// The value named `s`, or an error naming `field` and listing the
    /// values.
    fn parse(field: &str, s: &str) -> Result<Self> {
        Self::VALUES
            .iter()
            .find(|(_, n, _)| *n == s)
            .map(|(v, _, _)| *v)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::VALUES.iter().map(|(_, n, _)| *n).collect();
                Error::input(
                    format!("`{s}` is not a value of `{field}`"),
                    format!("one of: {}", names.join(", ")),
                )
                .with_field(field)
            })
    }
}

impl Choice for Target {
    const VALUES: &'static [(Self, &'static str, &'static str)] = &[
        (Target::NoLicense, "no_license", "no US licence required"),
        (
            Target::CaseByCase,
            "case_by_case",
            "no licence, or a licence reviewed case by case or with a presumption of approval",
        ),
        (
            Target::AnyLicensePath,
            "any_license_path",
            "no licence, a licence exception, or a review policy other than presumption of denial",
        ),
    ];
}

impl Choice for Knob {
    const VALUES: &'static [(Self, &'static str, &'static str)] = &[
        (
            Knob::Throughput,
            "throughput",
            "all throughput figures scaled together (TPP)",
        ),
        (Knob::DieArea, "die_area", "the applicable die area, mm²"),
        (
            Knob::MemoryBandwidth,
            "memory_bandwidth",
            "memory bandwidth, GB/s",
        ),
        (
            Knob::Interconnect,
            "interconnect",
            "interconnect bandwidth, GB/s",
        ),
    ];
}

impl Choice for Dialect {
    const VALUES: &'static [(Self, &'static str, &'static str)] = &[
        (
            Dialect::Ansi,
            "ansi",
            "ANSI-style SQL (Apache DataFusion, DuckDB)",
        ),
        (
            Dialect::Sqlite,
            "sqlite",
            "SQLite (dates as text, booleans as 0/1)",
        ),
    ];
}

impl Choice for Profile {
    const VALUES: &'static [(Self, &'static str, &'static str)] = &[
        (
            Profile::Mixed,
            "mixed",
            "catalog chips to many destinations, 2022 to 2026",
        ),
        (
            Profile::H20China,
            "h20-china",
            "H20-heavy orders to China in 2025",
        ),
    ];
}

impl Choice for Mode {
    const VALUES: &'static [(Self, &'static str, &'static str)] = &[
        (Mode::Enforced, "enforced", "what the government enforces"),
        (Mode::AsWritten, "as_written", "what the printed text says"),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_round_trip<T: Choice + PartialEq + std::fmt::Debug>() {
        for (v, n, _) in T::VALUES {
            assert_eq!(v.name(), *n);
            assert_eq!(T::parse("x", n).ok(), Some(*v));
        }
        assert!(T::parse("x", "no-such-value").is_err());
    }

    #[test]
    fn every_choice_parses_its_own_names_and_refuses_others() {
        names_round_trip::<Target>();
        names_round_trip::<Knob>();
        names_round_trip::<Dialect>();
        names_round_trip::<Profile>();
        names_round_trip::<Mode>();
    }
}
