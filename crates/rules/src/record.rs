//! The outcome record: what the hash-chained decision log keeps of an
//! answer, and what `audit replay` compares with today's answer.

use serde::{Deserialize, Serialize};

use crate::engine::{Decision, RuleSetRef};
use crate::provision::{ProvisionKind, Terms};
use crate::status::LicenseStatus;
use crate::vocabulary::ReviewPolicy;

/// A measure as the record keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasureRecord {
    /// The jurisdiction of the instrument.
    pub jurisdiction: String,
    /// The kind of measure.
    pub kind: ProvisionKind,
    /// The id of the rule that set it.
    pub rule: String,
}

/// The outcome of a decision without its explanation, as the decision log
/// keeps it.
///
/// Versions: 1 is the record written before the `version` field existed
/// (a record without it reads as version 1; the oldest entries hold a
/// whole serialised [`Decision`], whose extra fields are ignored); 2 adds
/// `version` and nothing else; 3 adds `status`, and `license_required`
/// may be `null` (undetermined). An older record's status is derived from
/// its `license_required`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "RawRecord")]
pub struct OutcomeRecord {
    /// The version of the record's shape (see the type's documentation).
    pub version: u32,
    /// Whether a US licence is required, in four states.
    pub status: LicenseStatus,
    /// Whether a US licence is required (`None`: undetermined or outside
    /// coverage).
    pub license_required: Option<bool>,
    /// The classification.
    pub eccn: String,
    /// The review policy, if one is published.
    pub review_policy: Option<ReviewPolicy>,
    /// The licence exceptions available.
    pub license_exceptions: Vec<String>,
    /// The conditions' terms.
    pub conditions: Vec<Terms>,
    /// The measures.
    pub measures: Vec<MeasureRecord>,
    /// The ids of the rules that fired.
    pub rules_fired: Vec<String>,
    /// The one-line verdict.
    pub verdict: String,
    /// The rule set that answered.
    pub rule_set: RuleSetRef,
}

/// A rule named in a stored [`Decision`]'s `reasons`.
#[derive(Deserialize)]
struct RawReason {
    rule: String,
}

/// What a stored record may hold: a record (with or without `version`) or
/// a whole decision (with `reasons` instead of `rules_fired`).
#[derive(Deserialize)]
struct RawRecord {
    #[serde(default)]
    version: Option<u32>,
    #[serde(default)]
    status: Option<LicenseStatus>,
    license_required: Option<bool>,
    eccn: String,
    #[serde(default)]
    review_policy: Option<ReviewPolicy>,
    #[serde(default)]
    license_exceptions: Vec<String>,
    #[serde(default)]
    conditions: Vec<Terms>,
    #[serde(default)]
    measures: Vec<MeasureRecord>,
    #[serde(default)]
    rules_fired: Option<Vec<String>>,
    #[serde(default)]
    reasons: Vec<RawReason>,
    #[serde(default)]
    verdict: String,
    rule_set: RuleSetRef,
}

impl From<RawRecord> for OutcomeRecord {
    fn from(r: RawRecord) -> OutcomeRecord {
        OutcomeRecord {
            version: r.version.unwrap_or(1),
            status: r
                .status
                .unwrap_or_else(|| LicenseStatus::of(r.license_required)),
            license_required: r.license_required,
            eccn: r.eccn,
            review_policy: r.review_policy,
            license_exceptions: r.license_exceptions,
            conditions: r.conditions,
            measures: r.measures,
            rules_fired: r
                .rules_fired
                .unwrap_or_else(|| r.reasons.into_iter().map(|x| x.rule).collect()),
            verdict: r.verdict,
            rule_set: r.rule_set,
        }
    }
}

/// A field whose value differs between a recorded outcome and today's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldDifference {
    /// The field's name (`review_policy`).
    pub field: &'static str,
    /// The recorded value.
    pub then: serde_json::Value,
    /// Today's value.
    pub now: serde_json::Value,
}

impl OutcomeRecord {
    /// The version [`OutcomeRecord::of`] writes.
    pub const VERSION: u32 = 3;

    /// The fields [`OutcomeRecord::differences`] compares.
    pub const COMPARED: [&'static str; 8] = [
        "status",
        "license_required",
        "eccn",
        "review_policy",
        "license_exceptions",
        "conditions",
        "measures",
        "verdict",
    ];

    /// The record of a decision.
    pub fn of(d: &Decision) -> OutcomeRecord {
        OutcomeRecord {
            version: OutcomeRecord::VERSION,
            status: d.status,
            license_required: d.license_required,
            eccn: d.eccn.clone(),
            review_policy: d.review_policy,
            license_exceptions: d.license_exceptions.clone(),
            conditions: d.conditions.iter().map(|c| c.terms.clone()).collect(),
            measures: d
                .measures
                .iter()
                .map(|m| MeasureRecord {
                    jurisdiction: m.jurisdiction.clone(),
                    kind: m.terms.kind.clone(),
                    rule: m.rule.clone(),
                })
                .collect(),
            rules_fired: d.rules_fired().into_iter().map(String::from).collect(),
            verdict: d.verdict.clone(),
            rule_set: d.rule_set.clone(),
        }
    }

    /// The record as JSON text, as the log stores it.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a stored record (any version, or a whole stored decision).
    pub fn from_json(text: &str) -> Result<OutcomeRecord, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The fields of [`OutcomeRecord::COMPARED`] whose values differ
    /// between this (recorded) outcome and `now`, in that order.
    pub fn differences(&self, now: &OutcomeRecord) -> Vec<FieldDifference> {
        let value = |r: &OutcomeRecord, field: &str| -> serde_json::Value {
            let v = match field {
                "status" => serde_json::to_value(r.status),
                "license_required" => serde_json::to_value(r.license_required),
                "eccn" => serde_json::to_value(&r.eccn),
                "review_policy" => serde_json::to_value(r.review_policy),
                "license_exceptions" => serde_json::to_value(&r.license_exceptions),
                "conditions" => serde_json::to_value(&r.conditions),
                "measures" => serde_json::to_value(&r.measures),
                _ => serde_json::to_value(&r.verdict),
            };
            v.unwrap_or(serde_json::Value::Null)
        };
        OutcomeRecord::COMPARED
            .into_iter()
            .filter_map(|field| {
                let (then, now) = (value(self, field), value(now, field));
                (then != now).then_some(FieldDifference { field, then, now })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    const OLD: &str = r#"{"license_required":true,"eccn":"3A090.a","review_policy":"presumption_of_denial","license_exceptions":[],"conditions":[{"basis":"b","kind":"revenue_share","payee":"US","percent":15}],"measures":[{"jurisdiction":"CN","kind":"purchase_discouraged","rule":"cn-x#a"}],"rules_fired":["us-x#a","cn-x#a"],"verdict":"US: licence required","rule_set":{"id":"chipexport-0.1.0-abc","hash":"abc"}}"#;

    #[test]
    fn a_record_without_version_reads_as_version_1() {
        let r = OutcomeRecord::from_json(OLD).unwrap();
        assert_eq!(r.version, 1);
        assert_eq!(r.review_policy, Some(ReviewPolicy::PresumptionOfDenial));
        assert_eq!(r.conditions[0].percent, Some(15.0));
        assert_eq!(r.measures[0].kind, "purchase_discouraged");
        assert_eq!(r.rules_fired, ["us-x#a", "cn-x#a"]);
    }

    #[test]
    fn a_whole_stored_decision_reads_as_a_record() {
        let old = r#"{"question":{"x":1},"license_required":false,"eccn":"not 3A090","review_policy":null,"license_exceptions":[],"exception_details":[],"conditions":[],"measures":[{"kind":"security_review","effect":"e","direction":"import_into","binds":["all"],"jurisdiction":"CN","authority":"CAC","legal_form":"summons","confidence":"reported","citation":"c","rule":"cn-y#b","instrument":"i"}],"verdict":"v","reasons":[{"rule":"cn-y#b","slot":"measure"}],"rule_set":{"id":"i","hash":"h"}}"#;
        let r = OutcomeRecord::from_json(old).unwrap();
        assert_eq!(r.version, 1);
        assert_eq!(r.rules_fired, ["cn-y#b"]);
        assert_eq!(r.measures[0].jurisdiction, "CN");
    }

    #[test]
    fn a_record_round_trips_with_its_version() {
        let mut r = OutcomeRecord::from_json(OLD).unwrap();
        r.version = OutcomeRecord::VERSION;
        let text = r.to_json();
        assert!(text.contains(r#""percent":15}"#), "{text}");
        assert!(
            text.starts_with(r#"{"version":3,"status":"required","#),
            "{text}"
        );
        assert_eq!(OutcomeRecord::from_json(&text).unwrap(), r);
    }

    #[test]
    fn an_undetermined_record_keeps_null_and_its_status() {
        let text = OLD.replacen(
            r#"{"license_required":true,"#,
            r#"{"version":3,"status":"undetermined","license_required":null,"#,
            1,
        );
        let r = OutcomeRecord::from_json(&text).unwrap();
        assert_eq!(r.status, LicenseStatus::Undetermined);
        assert_eq!(r.license_required, None);
        // A version 1 record's status follows its licence requirement.
        assert_eq!(
            OutcomeRecord::from_json(OLD).unwrap().status,
            LicenseStatus::Required
        );
    }

    #[test]
    fn differences_are_found_field_by_field() {
        let then = OutcomeRecord::from_json(OLD).unwrap();
        let mut now = then.clone();
        now.version = OutcomeRecord::VERSION;
        now.rule_set.hash = "def".into();
        assert!(
            then.differences(&now).is_empty(),
            "version and rule set do not count"
        );
        now.review_policy = Some(ReviewPolicy::CaseByCase);
        now.conditions[0].percent = Some(25.0);
        let d = then.differences(&now);
        let fields: Vec<&str> = d.iter().map(|x| x.field).collect();
        assert_eq!(fields, ["review_policy", "conditions"]);
        assert_eq!(d[0].then, serde_json::json!("presumption_of_denial"));
        assert_eq!(d[0].now, serde_json::json!("case_by_case"));
    }
}
