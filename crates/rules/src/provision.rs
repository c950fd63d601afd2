//! Provisions: the conditions, measures and notices rules attach to an
//! answer, with typed terms instead of free-form tables.

use chipexport_domain::Confidence;
use serde::{Deserialize, Serialize};

/// The kind of a condition, measure or notice: a word of the vocabulary
/// (see [`crate::vocabulary::Vocabulary`]). Packs are checked against the
/// vocabulary when they load; a kind read back from a stored record is not.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProvisionKind(String);

impl ProvisionKind {
    /// A kind, unchecked.
    pub fn new(s: impl Into<String>) -> ProvisionKind {
        ProvisionKind(s.into())
    }

    /// The kind as packs write it (`purchase_prohibited`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The kind in words (`purchase prohibited`).
    pub fn phrase(&self) -> String {
        self.0.replace('_', " ")
    }
}

impl std::fmt::Display for ProvisionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for ProvisionKind {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for ProvisionKind {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// Which movement of the item a measure governs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Bringing the item into the jurisdiction.
    ImportInto,
    /// Sending the item out of the jurisdiction.
    ExportFrom,
    /// Passing through the jurisdiction.
    Transit,
    /// Using the item in the jurisdiction.
    UseIn,
}

impl Direction {
    /// Every direction.
    pub const ALL: [Direction; 4] = [
        Direction::ImportInto,
        Direction::ExportFrom,
        Direction::Transit,
        Direction::UseIn,
    ];

    /// The name used in packs and JSON (`import_into`).
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::ImportInto => "import_into",
            Direction::ExportFrom => "export_from",
            Direction::Transit => "transit",
            Direction::UseIn => "use_in",
        }
    }

    /// The direction of a name.
    pub fn parse(s: &str) -> Option<Direction> {
        Direction::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// Writes a whole number as an integer (`15`, not `15.0`), as the packs
/// write it.
fn number<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => {
            // A whole number below 2^53 converts exactly.
            s.serialize_i64(*x as i64)
        }
        Some(x) => s.serialize_f64(*x),
        None => s.serialize_none(),
    }
}

/// What a condition, measure or notice says: the `then` table of its rule.
/// Fields are in alphabetical order, as JSON has always shown them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Terms {
    /// Condition: the legal basis of a payment (`revenue_share`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
    /// Measure: the buyers it binds: `all`, `listed_entity` or buyer types.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub binds: Vec<String>,
    /// Measure: the movement it governs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    /// Measure: what it does, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    /// Condition: the id of a certification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The kind, from the vocabulary.
    pub kind: ProvisionKind,
    /// Condition: a cap, in percent (`volume_cap`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "number"
    )]
    pub max_percent: Option<f64>,
    /// Condition: who is paid (`revenue_share`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payee: Option<String>,
    /// Condition: a rate, in percent (`revenue_share`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "number"
    )]
    pub percent: Option<f64>,
    /// Condition or notice: the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl Terms {
    /// The keys a `then` table of a condition, measure or notice may hold.
    pub const FIELDS: &'static [&'static str] = &[
        "basis",
        "binds",
        "direction",
        "effect",
        "id",
        "kind",
        "max_percent",
        "payee",
        "percent",
        "text",
    ];

    /// Terms of a kind, with every other field empty.
    pub fn of_kind(kind: ProvisionKind) -> Terms {
        Terms {
            basis: None,
            binds: Vec::new(),
            direction: None,
            effect: None,
            id: None,
            kind,
            max_percent: None,
            payee: None,
            percent: None,
            text: None,
        }
    }

    /// The words that describe it: its text, or else its effect or basis.
    pub fn description(&self) -> Option<&str> {
        self.text
            .as_deref()
            .or(self.effect.as_deref())
            .or(self.basis.as_deref())
    }
}

/// A condition, measure or notice that applies, with where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provision {
    /// What it says.
    #[serde(flatten)]
    pub terms: Terms,
    /// The jurisdiction of the instrument (`US`, `CN`).
    pub jurisdiction: String,
    /// The authority that issued the instrument.
    pub authority: String,
    /// The instrument's legal form (`final_rule`, `informal_guidance`).
    pub legal_form: String,
    /// How sure the encoding is (the weaker of rule and instrument).
    pub confidence: Confidence,
    /// The instrument's citation and the rule's paragraph.
    pub citation: String,
    /// The id of the rule that set it.
    pub rule: String,
    /// The instrument's short name.
    pub instrument: String,
}

impl Provision {
    /// Its kind.
    pub fn kind(&self) -> &ProvisionKind {
        &self.terms.kind
    }
}
