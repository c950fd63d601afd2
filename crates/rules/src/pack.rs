//! Rule packs: one legal instrument as data (see `docs/rule-packs.md`).

use chipexport_domain::{ChipSpec, Confidence, DataError, Date, SourceFile, spec::toml_error};
use serde::{Deserialize, Serialize};

use crate::expr::{Expr, parse_predicate_with};
use crate::provision::{ProvisionKind, Terms};
use crate::vocabulary::{ReviewPolicy, Vocabulary};

mod outcome;
use outcome::outcome;

/// The kind of instrument, from the strongest legal form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An interim final rule.
    InterimFinalRule,
    /// A final rule.
    FinalRule,
    /// An "is informed" letter to named companies.
    IsInformedLetter,
    /// Official guidance.
    Guidance,
    /// How licences are granted in practice.
    LicencePractice,
    /// A bill before a legislature.
    Bill,
    /// A law.
    Law,
    /// A regulation.
    Regulation,
    /// A ministerial announcement.
    MinisterialAnnouncement,
    /// A ministerial order.
    MinisterialOrder,
    /// An administrative decision.
    AdministrativeDecision,
    /// A directive.
    Directive,
    /// Informal (reported, unpublished) guidance.
    InformalGuidance,
    /// A summons of companies by a regulator.
    Summons,
    /// An administrative investigation.
    AdministrativeInvestigation,
    /// An enforcement action.
    EnforcementAction,
    /// A court case.
    CourtCase,
    /// What a company did or announced.
    CompanyAction,
    /// A fact about the market.
    MarketFact,
}

impl Kind {
    /// Whether packs of this kind are context (market facts, a company's
    /// own actions) rather than law: their notes are kept apart from the
    /// answer's measures and notices, shown only on request, and never
    /// called "in force".
    pub fn is_context(self) -> bool {
        matches!(self, Kind::MarketFact | Kind::CompanyAction)
    }

    /// The name as packs write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::InterimFinalRule => "interim_final_rule",
            Kind::FinalRule => "final_rule",
            Kind::IsInformedLetter => "is_informed_letter",
            Kind::Guidance => "guidance",
            Kind::LicencePractice => "licence_practice",
            Kind::Bill => "bill",
            Kind::Law => "law",
            Kind::Regulation => "regulation",
            Kind::MinisterialAnnouncement => "ministerial_announcement",
            Kind::MinisterialOrder => "ministerial_order",
            Kind::AdministrativeDecision => "administrative_decision",
            Kind::Directive => "directive",
            Kind::InformalGuidance => "informal_guidance",
            Kind::Summons => "summons",
            Kind::AdministrativeInvestigation => "administrative_investigation",
            Kind::EnforcementAction => "enforcement_action",
            Kind::CourtCase => "court_case",
            Kind::CompanyAction => "company_action",
            Kind::MarketFact => "market_fact",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// Whether an instrument is in force or only proposed.
pub enum Status {
    /// In force (from its effective date).
    InForce,
    /// Proposed (a bill): applied only when chosen.
    Proposed,
}

/// Where an instrument is published.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Citation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The Federal Register citation (`88 FR 73458`).
    pub federal_register: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The FR document number.
    pub fr_document: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The Regulation Identifier Number.
    pub rin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The docket number.
    pub docket: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// The CFR sections amended or cited.
    pub cfr: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// Where the text is published.
    pub urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// A note for maintainers.
    pub note: Option<String>,
}

impl Citation {
    /// A short citation: the FR page, or else the document number, or the
    /// first URL.
    pub fn short(&self) -> String {
        if let Some(fr) = &self.federal_register {
            match &self.fr_document {
                Some(d) => format!("{fr} (FR Doc. {d})"),
                None => fr.clone(),
            }
        } else if let Some(d) = &self.fr_document {
            format!("FR Doc. {d}")
        } else if let Some(u) = self.urls.first() {
            u.clone()
        } else {
            "no published text".to_string()
        }
    }
}

/// A dated change of enforcement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enforcement {
    #[serde(deserialize_with = "chipexport_domain::serde_date::date")]
    /// The first day it applies.
    pub from: Date,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "chipexport_domain::serde_date::opt_date"
    )]
    /// The day it stops applying (`None`: open-ended).
    pub until: Option<Date>,
    /// Whether the instrument is enforced in the period.
    pub enforced: bool,
    /// Where the change of enforcement is announced.
    pub citation: String,
    /// How sure the encoding is.
    pub confidence: Confidence,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// A note for maintainers.
    pub note: Option<String>,
}

impl Enforcement {
    /// "from 2025-05-13: not enforced" (with the end date when there is one).
    pub fn describe(&self) -> String {
        format!(
            "from {}{}: {}",
            self.from,
            self.until.map_or(String::new(), |u| format!(" until {u}")),
            if self.enforced {
                "enforced"
            } else {
                "not enforced"
            }
        )
    }
}

/// An open end: after a date, what became of the instrument is not known
/// (`[pack.open_end]`). Nothing is assumed about it: after `after`, the
/// answer says the status is unknown and names the facts in `settle`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenEnd {
    #[serde(deserialize_with = "chipexport_domain::serde_date::date")]
    /// The last day the instrument's state is known; from the next day it
    /// is unknown.
    pub after: Date,
    /// What is not known, in words.
    pub note: String,
    /// Facts or events that would settle it (at least one).
    pub settle: Vec<String>,
}

/// The instrument's metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackMeta {
    /// The id (lowercase-hyphenated).
    pub id: String,
    /// The full title.
    pub title: String,
    /// A short name.
    pub short: String,
    /// The jurisdiction (`US`, `CN`).
    pub jurisdiction: String,
    /// The issuing authority (`BIS`).
    pub authority: String,
    /// The legal form.
    pub kind: Kind,
    #[serde(deserialize_with = "chipexport_domain::serde_date::date")]
    /// The publication date.
    pub published: Date,
    #[serde(deserialize_with = "chipexport_domain::serde_date::date")]
    /// The effective date.
    pub effective: Date,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "chipexport_domain::serde_date::opt_date"
    )]
    /// The day it stops applying (`None`: open-ended).
    pub until: Option<Date>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "chipexport_domain::serde_date::opt_date"
    )]
    /// The day it became public, when that is not the publication date
    /// (a rule released before its Federal Register printing).
    pub known: Option<Date>,
    /// In force or proposed.
    pub status: Status,
    /// How sure the encoding is.
    pub confidence: Confidence,
    /// What the instrument does, in a few lines.
    pub summary: String,
    /// A predicate ANDed into every rule of the pack: what the instrument
    /// governs at all (e.g. US export rules need an export:
    /// `exported_from <> destination`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default)]
    /// Where it is published.
    pub citation: Citation,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// Dated changes of enforcement.
    pub enforcement: Vec<Enforcement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// After a date, the instrument's state is unknown (see [`OpenEnd`]).
    pub open_end: Option<OpenEnd>,
}

/// What a rule decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    /// The ECCN (single-valued).
    Classification,
    /// Whether a licence is required (single-valued).
    LicenseRequirement,
    /// Licence exceptions available.
    LicenseException,
    /// The licence review policy (single-valued).
    ReviewPolicy,
    /// Conditions attached to an authorisation.
    Condition,
    /// Measures of any jurisdiction.
    Measure,
    /// Notices for the reader.
    Notice,
}

impl Slot {
    /// The order in which slots are decided.
    pub const ORDER: [Slot; 7] = [
        Slot::Classification,
        Slot::LicenseRequirement,
        Slot::LicenseException,
        Slot::ReviewPolicy,
        Slot::Condition,
        Slot::Measure,
        Slot::Notice,
    ];

    /// Single-valued slots take one value; the others collect every value.
    pub fn single(self) -> bool {
        matches!(
            self,
            Slot::Classification | Slot::LicenseRequirement | Slot::ReviewPolicy
        )
    }

    /// The name as packs write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Slot::Classification => "classification",
            Slot::LicenseRequirement => "license_requirement",
            Slot::LicenseException => "license_exception",
            Slot::ReviewPolicy => "review_policy",
            Slot::Condition => "condition",
            Slot::Measure => "measure",
            Slot::Notice => "notice",
        }
    }
}

/// The outcome a rule sets when it fires.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Outcome {
    /// The ECCN.
    Classification {
        /// The ECCN (`3A090.a`).
        eccn: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        /// A note on the classification.
        note: Option<String>,
    },
    /// The licence requirement.
    License {
        /// Whether a licence is required.
        required: bool,
    },
    /// A licence exception.
    Exception {
        /// Its name.
        exception: String,
        /// What its user must do.
        obligations: Vec<String>,
    },
    /// The review policy.
    Review {
        /// The policy.
        policy: ReviewPolicy,
    },
    /// Conditions, measures and notices.
    Provision(Box<Terms>),
}

impl Outcome {
    /// The kind of a condition, measure or notice.
    pub fn kind(&self) -> Option<&ProvisionKind> {
        match self {
            Outcome::Provision(t) => Some(&t.kind),
            _ => None,
        }
    }
}

/// A compiled rule.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    /// `pack-id#rule-id`.
    pub id: String,
    /// The id within the pack.
    pub local_id: String,
    /// The pack's id.
    pub pack: String,
    /// What the rule decides.
    pub slot: Slot,
    /// The predicate as written.
    pub when: String,
    #[serde(skip)]
    /// The predicate, type-checked (with the pack's scope).
    pub predicate: Expr,
    /// What the rule sets when it fires.
    pub then: Outcome,
    /// The paragraph of the instrument it encodes.
    pub paragraph: String,
    /// What the rule says, in words.
    pub text: String,
    /// How sure the encoding is.
    pub confidence: Confidence,
    /// The rules it makes exceptions to (`pack#rule`).
    pub overrides: Vec<String>,
    #[serde(deserialize_with = "chipexport_domain::serde_date::date")]
    /// The first day it applies.
    pub from: Date,
    /// The day it stops applying (`None`: open-ended).
    pub until: Option<Date>,
    /// The day what the rule states became public (its own `known`, else
    /// its pack's, else the pack's publication date). An answer for a date
    /// uses only rules known by then (see `RuleSet::in_force_known`).
    pub known: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The pack that ended the rule.
    pub ended_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// A note for maintainers.
    pub note: Option<String>,
    /// Index of the pack in its rule set (set when the rule set loads).
    #[serde(skip)]
    pub pack_idx: usize,
    /// The numeric thresholds of the predicate, for "what would change the
    /// answer".
    #[serde(skip)]
    pub thresholds: Vec<(crate::facts::Fact, crate::expr::CmpOp, f64)>,
    /// The predicate's atomic tests rendered, in order (set when the rule
    /// set loads): the evidence's text, rendered once rather than on every
    /// explanation.
    #[serde(skip)]
    pub atom_tests: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    decides: Slot,
    when: String,
    then: toml::Table,
    paragraph: String,
    text: String,
    confidence: Confidence,
    #[serde(default)]
    overrides: Vec<String>,
    #[serde(default, deserialize_with = "chipexport_domain::serde_date::opt_date")]
    from: Option<Date>,
    #[serde(default, deserialize_with = "chipexport_domain::serde_date::opt_date")]
    until: Option<Date>,
    #[serde(default, deserialize_with = "chipexport_domain::serde_date::opt_date")]
    known: Option<Date>,
    #[serde(default)]
    ended_by: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

/// A test case carried by a pack.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestCase {
    /// The test's name.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// A catalog chip (or give `spec`).
    pub chip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// An inline spec (or give `chip`).
    pub spec: Option<toml::Table>,
    /// The destination.
    pub to: String,
    #[serde(deserialize_with = "chipexport_domain::serde_date::date")]
    /// The date.
    pub on: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The end user's headquarters (default: the destination).
    pub end_user_hq: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The exporting country (default: US).
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The buyer type.
    pub buyer_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The exporter role.
    pub exporter_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Whether the item is subject to the EAR.
    pub subject_to_ear: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// `enforced` (default) or `as_written`.
    pub mode: Option<String>,
    #[serde(default, skip_serializing_if = "crate::facts::PartyFacts::is_empty")]
    /// What screening the parties found (default: no party named).
    pub parties: crate::facts::PartyFacts,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "chipexport_domain::serde_date::opt_date"
    )]
    /// Hindsight: what was public on this date (default: the test's date).
    pub known_as_of: Option<Date>,
    /// What the decision must show.
    pub expect: Expect,
    /// Index in the pack's `[[test]]` array, for locating failures.
    #[serde(skip)]
    pub index: usize,
}

/// Expected outcomes; only the keys given are checked.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The ECCN.
    pub eccn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The licence requirement.
    pub license_required: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The answer's status (`required`, `not_required`, `undetermined`,
    /// `outside_coverage`).
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The licence exceptions (in any order).
    pub license_exceptions: Option<Vec<String>>,
    /// A policy, or `"none"` for no review policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Rules that must fire.
    pub rules_fired: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Rules that must not fire.
    pub rules_not_fired: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Kinds of condition that must apply.
    pub conditions: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Kinds of measure that must apply.
    pub measures: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Kinds of measure that must not apply.
    pub measures_absent: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Kinds of measure that must be reported as possible.
    pub measures_possible: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Kinds of notice that must apply.
    pub notices: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    pack: PackMeta,
    #[serde(default)]
    rule: Vec<RawRule>,
    #[serde(default)]
    test: Vec<TestCase>,
}

/// A loaded pack.
#[derive(Debug, Clone, Serialize)]
pub struct Pack {
    /// The instrument's metadata.
    pub meta: PackMeta,
    /// Its rules.
    pub rules: Vec<Rule>,
    /// Its test cases.
    pub tests: Vec<TestCase>,
    /// File name, for diagnostics.
    pub file: String,
    #[serde(skip)]
    /// The file's text, for diagnostics.
    pub source: String,
}

impl Pack {
    /// Whether the instrument is enforced on a date (true unless an
    /// enforcement entry says otherwise).
    pub fn enforced_on(&self, date: Date) -> bool {
        self.enforcement_on(date).is_none_or(|e| e.enforced)
    }

    /// The instrument's open end, if it has one: after `open_end.after` its
    /// state is unknown.
    pub fn open_end(&self) -> Option<&OpenEnd> {
        self.meta.open_end.as_ref()
    }

    /// Whether the instrument's state is unknown on a date: the date is past
    /// its open end (`date > open_end.after`).
    pub fn is_open_on(&self, date: Date) -> bool {
        self.meta.open_end.as_ref().is_some_and(|o| date > o.after)
    }

    /// The enforcement entry in force on a date, if any.
    pub fn enforcement_on(&self, date: Date) -> Option<&Enforcement> {
        self.meta
            .enforcement
            .iter()
            .rfind(|e| e.from <= date && e.until.is_none_or(|u| date < u))
    }

    /// Parses a pack file; every problem is reported with its location.
    pub fn parse(file: &SourceFile, vocab: &Vocabulary) -> Result<Pack, Vec<DataError>> {
        let raw: RawPack =
            toml::from_str(&file.text).map_err(|e| vec![toml_error(file, &e).in_rules()])?;
        let mut errors = Vec::new();
        let meta = raw.pack;
        let err = |path: &[&str], msg: String, help: Option<String>| {
            file.error_at(path, msg, help).in_rules()
        };
        if !is_id(&meta.id) {
            errors.push(err(
                &["pack", "id"],
                format!("pack id `{}` is not a lowercase-hyphenated id", meta.id),
                None,
            ));
        }
        if let Some(u) = meta.until
            && u <= meta.effective
        {
            errors.push(err(
                &["pack", "until"],
                format!("`until` {u} is not after `effective` {}", meta.effective),
                None,
            ));
        }
        // A pack cited only from weak sources cannot claim more than
        // `unconfirmed`.
        if !meta.citation.urls.is_empty()
            && meta.confidence != Confidence::Unconfirmed
            && meta
                .citation
                .urls
                .iter()
                .all(|u| vocab.source_grades().grade(u) == crate::vocabulary::SourceGrade::Weak)
        {
            errors.push(err(
                &["pack", "confidence"],
                format!(
                    "`confidence` is `{}`, but every cited source is weak (not a primary or secondary source in data/vocabulary.toml)",
                    meta.confidence
                ),
                Some(
                    "cite a primary or secondary source, or set `confidence = \"unconfirmed\"`"
                        .into(),
                ),
            ));
        }
        if let Some(o) = &meta.open_end {
            if o.after < meta.effective {
                errors.push(err(
                    &["pack", "open_end", "after"],
                    format!(
                        "open end `after` {} is before `effective` {}",
                        o.after, meta.effective
                    ),
                    None,
                ));
            }
            if let Some(u) = meta.until
                && o.after >= u
            {
                errors.push(err(
                    &["pack", "open_end", "after"],
                    format!("open end `after` {} is not before `until` {u}", o.after),
                    Some("an instrument that has ended has no open end".into()),
                ));
            }
            if o.note.trim().is_empty() {
                errors.push(err(
                    &["pack", "open_end", "note"],
                    "open end `note` must say what is not known".into(),
                    None,
                ));
            }
            if o.settle.is_empty() || o.settle.iter().any(|x| x.trim().is_empty()) {
                errors.push(err(
                    &["pack", "open_end", "settle"],
                    "open end `settle` must name at least one fact or event, none empty".into(),
                    Some("e.g. settle = [\"a MOFCOM announcement extending or ending the suspension\"]".into()),
                ));
            }
        }
        let scope = match &meta.scope {
            None => None,
            Some(text) => match parse_predicate_with(text, Some(vocab)) {
                Ok(p) => Some(p),
                Err(pe) => {
                    let span = file.locate_value(&["pack", "scope"]).map(|v| {
                        let quote = predicate_start(&file.text, v.start);
                        match pe.range.clone() {
                            Some(r) => (quote + r.start)..(quote + r.end),
                            None => v,
                        }
                    });
                    errors.push(
                        DataError::new(file, span, Some("pack.scope".into()), pe.message, pe.help)
                            .in_rules(),
                    );
                    None
                }
            },
        };
        let mut rules = Vec::new();
        for (i, r) in raw.rule.into_iter().enumerate() {
            let idx = i.to_string();
            let at = |k: &'static str| -> Vec<&str> { vec!["rule", idx.as_str(), k] };
            if !is_id(&r.id) {
                errors.push(err(
                    &at("id"),
                    format!("rule id `{}` is not a lowercase-hyphenated id", r.id),
                    None,
                ));
            }
            if rules.iter().any(|x: &Rule| x.local_id == r.id) {
                errors.push(err(
                    &at("id"),
                    format!("rule id `{}` is used twice in this pack", r.id),
                    None,
                ));
            }
            let predicate = match parse_predicate_with(&r.when, Some(vocab)) {
                Ok(p) => Some(match &scope {
                    Some(sc) => Expr::And(Box::new(sc.clone()), Box::new(p)),
                    None => p,
                }),
                Err(pe) => {
                    let span = file.locate_value(&at("when")).map(|v| {
                        let quote = predicate_start(&file.text, v.start);
                        match pe.range.clone() {
                            Some(r) => (quote + r.start)..(quote + r.end),
                            None => v,
                        }
                    });
                    errors.push(
                        DataError::new(
                            file,
                            span,
                            Some(format!("rule.{}.when", r.id)),
                            pe.message,
                            pe.help,
                        )
                        .in_rules(),
                    );
                    None
                }
            };
            let then = match outcome(r.decides, &r.then, vocab) {
                Ok(o) => Some(o),
                Err((key, msg, help)) => {
                    let mut path = at("then");
                    if let Some(k) = key.as_deref() {
                        path.push(k);
                    }
                    errors.push(err(&path, format!("rule `{}`: {msg}", r.id), help));
                    None
                }
            };
            if r.until.is_some() != r.ended_by.is_some() {
                errors.push(err(
                    &at("until"),
                    format!("rule `{}`: `until` and `ended_by` go together", r.id),
                    Some("name the instrument that ended the rule in `ended_by`".into()),
                ));
            }
            let from = r.from.map_or(meta.effective, |f| f.max(meta.effective));
            if let Some(u) = r.until
                && u <= from
            {
                errors.push(err(
                    &at("until"),
                    format!("rule `{}`: `until` {u} is not after its start {from}", r.id),
                    None,
                ));
            }
            if let (Some(predicate), Some(then)) = (predicate, then) {
                let overrides = r
                    .overrides
                    .iter()
                    .map(|o| {
                        if o.contains('#') {
                            o.clone()
                        } else {
                            format!("{}#{o}", meta.id)
                        }
                    })
                    .collect();
                rules.push(Rule {
                    id: format!("{}#{}", meta.id, r.id),
                    local_id: r.id,
                    pack: meta.id.clone(),
                    slot: r.decides,
                    when: r.when,
                    predicate,
                    then,
                    paragraph: r.paragraph,
                    text: r.text,
                    confidence: r.confidence,
                    overrides,
                    from,
                    until: r.until,
                    known: r.known.or(meta.known).unwrap_or(meta.published),
                    ended_by: r.ended_by,
                    note: r.note,
                    pack_idx: 0,
                    thresholds: Vec::new(),
                    atom_tests: Vec::new(),
                });
            }
        }
        let mut tests = raw.test;
        for (i, t) in tests.iter_mut().enumerate() {
            t.index = i;
            if t.chip.is_some() == t.spec.is_some() {
                errors.push(err(
                    &["test", &i.to_string(), "name"],
                    format!("test `{}` needs exactly one of `chip` and `spec`", t.name),
                    None,
                ));
            }
            let checks = [
                (
                    "buyer_type",
                    "a buyer type",
                    &t.buyer_type,
                    vocab.buyer_type_names(),
                ),
                (
                    "exporter_role",
                    "an exporter role",
                    &t.exporter_role,
                    vocab.exporter_role_names(),
                ),
            ];
            for (key, what, value, names) in checks {
                if let Some(v) = value
                    && let Err((m, h)) =
                        Vocabulary::check(what, v, names.iter().map(String::as_str))
                {
                    errors.push(err(
                        &["test", &i.to_string(), key],
                        format!("test `{}`: {m}", t.name),
                        Some(h),
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(Pack {
                meta,
                rules,
                tests,
                file: file.name.clone(),
                source: file.text.clone(),
            })
        } else {
            Err(errors)
        }
    }

    /// Parses a test's inline spec.
    pub fn test_spec(&self, t: &TestCase) -> Result<Option<ChipSpec>, Box<DataError>> {
        match &t.spec {
            None => Ok(None),
            Some(table) => {
                let text = toml::to_string(table).unwrap_or_default();
                let f = SourceFile::new(format!("{} (test `{}` spec)", self.file, t.name), text);
                ChipSpec::parse(&f).map(Some).map_err(|e| {
                    Box::new(e.into_iter().next().unwrap_or_else(|| {
                        DataError::without_source(f.name.clone(), "invalid spec".into(), None)
                    }))
                })
            }
        }
    }
}

/// Offset of the first character of a string value whose quote starts at
/// `at`.
fn predicate_start(text: &str, at: usize) -> usize {
    let rest = text.get(at..).unwrap_or("");
    if rest.starts_with("\"\"\"") || rest.starts_with("'''") {
        let after = at + 3;
        if text.get(after..).is_some_and(|r| r.starts_with('\n')) {
            after + 1
        } else {
            after
        }
    } else {
        at + 1
    }
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests;
