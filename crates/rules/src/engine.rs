//! Decisions: which rules apply to a question on a date, and what follows
//! (the explanation is built in `decision.rs`, timelines in [`crate::timeline`]).

use chipexport_domain::{ChipSpec, Confidence, Country, Date, Metrics};
use serde::Serialize;

use crate::expr::{CmpOp, Expr, Lit};
use crate::facts::{Fact, Facts, ItemFacts};
use crate::pack::{Outcome, Rule, Slot};
use crate::provision::Provision;
use crate::ruleset::{Mode, RuleSet};
use crate::status::{LicenseStatus, UNDETERMINED_ECCN};
use crate::vocabulary::ReviewPolicy;

/// A question: this item, to this destination, for this buyer, on this date.
///
/// Build one with [`Question::new`] and its builder methods, and check it
/// against a rule set with [`RuleSet::validate`].
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Question {
    /// The facts about the item.
    pub item: ItemFacts,
    /// The country of destination.
    pub destination: Country,
    /// The headquarters of the end user or its ultimate parent.
    pub end_user_hq: Country,
    /// The country the item is exported from.
    pub exported_from: Country,
    /// The date of the question.
    #[serde(deserialize_with = "chipexport_domain::serde_date::date")]
    pub on: Date,
    /// The kind of buyer, a word of the vocabulary (`None`: not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_type: Option<String>,
    /// The role of the exporter, a word of the vocabulary (`None`: not
    /// given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exporter_role: Option<String>,
    /// Whether the item is subject to the EAR when that does not follow from
    /// the facts (US export or US design); `None` is unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_to_ear: Option<bool>,
    /// Whether to apply what is enforced or what is written.
    pub mode: Mode,
    /// Proposed instruments (bills) to apply as if in force.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub with_packs: Vec<String>,
    /// What screening the parties found (none named by default).
    #[serde(default, skip_serializing_if = "crate::facts::PartyFacts::is_empty")]
    pub parties: crate::facts::PartyFacts,
    /// Hindsight: answer with what was public on this date instead of on
    /// `on` (`None`: what was public on `on`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_as_of: Option<Date>,
    /// Only rules encoded at least this surely decide; a weaker rule that
    /// would fire is undetermined instead (`None`: every rule decides).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_confidence: Option<Confidence>,
}

impl Question {
    /// The question about an item to a destination on a date, with the
    /// defaults: the end user is headquartered in the destination, the
    /// item is exported from the US, no buyer type or exporter role, the
    /// enforced rules, no bills.
    pub fn new(spec: &ChipSpec, metrics: &Metrics, destination: Country, on: Date) -> Question {
        Question::about(ItemFacts::from_spec(spec, metrics), destination, on)
    }

    /// [`Question::new`] with the item's facts already taken.
    pub fn about(item: ItemFacts, destination: Country, on: Date) -> Question {
        Question {
            item,
            destination,
            end_user_hq: destination,
            exported_from: Country::us(),
            on,
            buyer_type: None,
            exporter_role: None,
            subject_to_ear: None,
            mode: Mode::Enforced,
            with_packs: Vec::new(),
            parties: crate::facts::PartyFacts::default(),
            known_as_of: None,
            min_confidence: None,
        }
    }

    /// Answers with what was public on `k` (hindsight when later than the
    /// question's date).
    #[must_use]
    pub fn known_as_of(mut self, k: Option<Date>) -> Question {
        self.known_as_of = k;
        self
    }

    /// Lets only rules encoded at least this surely decide (`confirmed`:
    /// secondary and unconfirmed encodings leave the answer undetermined).
    #[must_use]
    pub fn min_confidence(mut self, c: Option<Confidence>) -> Question {
        self.min_confidence = c;
        self
    }

    /// The date whose public knowledge the answer uses: `known_as_of`, or
    /// the question's date.
    pub fn knowledge_date(&self) -> Date {
        self.known_as_of.unwrap_or(self.on)
    }

    /// Sets what screening the parties found.
    #[must_use]
    pub fn parties(mut self, p: crate::facts::PartyFacts) -> Question {
        self.parties = p;
        self
    }

    /// Sets the end user's headquarters (default: the destination).
    #[must_use]
    pub fn end_user_hq(mut self, c: Country) -> Question {
        self.end_user_hq = c;
        self
    }

    /// Sets the exporting country (default: the US).
    #[must_use]
    pub fn exported_from(mut self, c: Country) -> Question {
        self.exported_from = c;
        self
    }

    /// Sets the buyer type (see [`RuleSet::validate`]).
    #[must_use]
    pub fn buyer_type(mut self, b: Option<String>) -> Question {
        self.buyer_type = b;
        self
    }

    /// Sets the exporter role (see [`RuleSet::validate`]).
    #[must_use]
    pub fn exporter_role(mut self, r: Option<String>) -> Question {
        self.exporter_role = r;
        self
    }

    /// Says whether the item is subject to the EAR when the facts do not.
    #[must_use]
    pub fn subject_to_ear(mut self, s: Option<bool>) -> Question {
        self.subject_to_ear = s;
        self
    }

    /// Sets the mode (default: enforced).
    #[must_use]
    pub fn mode(mut self, m: Mode) -> Question {
        self.mode = m;
        self
    }

    /// Applies proposed instruments (bills) as if in force.
    #[must_use]
    pub fn with_packs(mut self, p: Vec<String>) -> Question {
        self.with_packs = p;
        self
    }
}

/// Why a question cannot be asked of a rule set, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct QuestionError {
    /// The field at fault (`buyer_type`, `exporter_role`, `with_packs`).
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it (the closest word, the accepted words).
    pub help: String,
}

/// Checks a question's words against a rule set (see
/// [`RuleSet::validate`]).
pub(crate) fn validate(rs: &RuleSet, q: &Question) -> Result<(), QuestionError> {
    let vocab = rs.vocabulary();
    let err = |field: &str, (message, help): (String, String)| QuestionError {
        field: field.into(),
        message,
        help,
    };
    if let Some(b) = &q.buyer_type {
        crate::vocabulary::Vocabulary::check(
            "a buyer type",
            b,
            vocab.buyer_type_names().iter().map(String::as_str),
        )
        .map_err(|e| err("buyer_type", e))?;
    }
    if let Some(r) = &q.exporter_role {
        crate::vocabulary::Vocabulary::check(
            "an exporter role",
            r,
            vocab.exporter_role_names().iter().map(String::as_str),
        )
        .map_err(|e| err("exporter_role", e))?;
    }
    for p in &q.with_packs {
        if rs.pack(p).is_none() {
            let help = chipexport_domain::diag::did_you_mean(
                p,
                rs.packs().iter().map(|x| x.meta.id.as_str()),
            )
            .map_or(String::new(), |m| format!("did you mean `{m}`? "));
            return Err(QuestionError {
                field: "with_packs".into(),
                message: format!("no pack `{p}`"),
                help: format!(
                    "{help}`chipexport rules list` shows the pack ids; bills have kind `bill`"
                ),
            });
        }
    }
    Ok(())
}

/// Why a rule fired: the rule, its citation and the evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// The rule's id (`pack#rule`).
    pub rule: String,
    /// What the rule decides.
    pub slot: Slot,
    /// The instrument's short name.
    pub instrument: String,
    /// The instrument's citation and the rule's paragraph.
    pub citation: String,
    /// The paragraph of the instrument the rule encodes.
    pub paragraph: String,
    /// What the rule says, in words.
    pub text: String,
    /// The tests of the predicate that hold, with the values that made
    /// them hold.
    pub evidence: Vec<String>,
    /// How sure the encoding is (the weaker of rule and instrument).
    pub confidence: Confidence,
}

/// A rule that applied but was displaced by an exception.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Displaced {
    /// The displaced rule's id.
    pub rule: String,
    /// The id of the rule that displaced it.
    pub by: String,
}

/// A rule whose predicate is unknown because facts are missing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Undetermined {
    /// The rule's id.
    pub rule: String,
    /// What the rule decides.
    pub slot: Slot,
    /// The names of the facts that would decide it.
    pub missing: Vec<String>,
    /// What the rule says, in words.
    pub text: String,
    /// What the rule would set if it applied.
    pub would: Outcome,
}

/// A licence exception that could authorise the export instead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExceptionDetail {
    /// The exception's name (`ACA`, `NAC`).
    pub exception: String,
    /// What the exporter must do to use it.
    pub obligations: Vec<String>,
    /// The id of the rule that makes it available.
    pub rule: String,
}

/// A threshold near the item's value: what would change the answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NearestLine {
    /// The fact compared (`tpp`).
    pub fact: String,
    /// The item's value of the fact.
    pub value: f64,
    /// The threshold of the rule.
    pub threshold: f64,
    /// The test as the predicate writes it (`tpp >= 4800`).
    pub test: String,
    /// Whether the item passes the test.
    pub holds: bool,
    /// `threshold - value`.
    pub gap: f64,
    /// The id of the rule with the threshold.
    pub rule: String,
    /// The rule's paragraph.
    pub paragraph: String,
    /// The distance in words.
    pub text: String,
}

/// Something the reader must know about how sure the answer is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flag {
    /// What kind of doubt (`not_enforced`, `unconfirmed_rule`,
    /// `unconfirmed_enforcement`, `country_group_doubt`, `incomplete`).
    pub kind: String,
    /// The doubt in words.
    pub text: String,
}

/// The rule set an answer used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct RuleSetRef {
    /// The rule set's id.
    pub id: String,
    /// The rule set's SHA-256.
    pub hash: String,
}

/// The full answer to a question.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    /// The question answered.
    pub question: Question,
    /// The date whose public knowledge the answer uses: the question's date,
    /// or a later one when hindsight was asked for (`known_as_of`).
    pub known_as_of: Date,
    /// Whether a US licence is required, in four states.
    pub status: LicenseStatus,
    /// Whether a US licence is required: `null` unless `status` is
    /// `required` or `not_required`.
    pub license_required: Option<bool>,
    /// The classification (the vocabulary's default when no rule
    /// classifies the item; [`UNDETERMINED_ECCN`] when a classification
    /// rule that would change it is undetermined).
    pub eccn: String,
    /// The facts that would settle an undetermined classification or
    /// licence requirement (`tpp`), when the status is `undetermined`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deciding_facts: Vec<String>,
    /// The regime that applies and is not encoded, when the question is
    /// outside coverage (with status `outside_coverage`, or `required` when
    /// the encoded rules already require a licence).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage_gap: Option<crate::coverage::Outside>,
    /// A note on the classification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eccn_note: Option<String>,
    /// The licence exceptions available (when a licence is required).
    pub license_exceptions: Vec<String>,
    /// The licence exceptions with their obligations.
    pub exception_details: Vec<ExceptionDetail>,
    /// How a licence application is reviewed, if a policy is published.
    pub review_policy: Option<ReviewPolicy>,
    /// Conditions attached to the answer.
    pub conditions: Vec<Provision>,
    /// Measures of any jurisdiction that apply.
    pub measures: Vec<Provision>,
    /// Measures that may apply, with the facts that would decide them.
    pub possible_measures: Vec<Undetermined>,
    /// Notices for the reader (from legal instruments).
    pub notices: Vec<Provision>,
    /// Context: notes from market facts and companies' own actions, which
    /// are not law. Kept apart from measures and notices; callers show them
    /// on request (`check --context`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<Provision>,
    /// The ids of every rule that fired, context notes included, in the
    /// determination's order (see [`Decision::rules_fired`]).
    #[serde(skip)]
    pub fired: Vec<String>,
    /// The one-line verdict: [`Decision::verdict_parts`] joined by `"; "`.
    pub verdict: String,
    /// The parts of the verdict: the US layer (`US: ...`), each other
    /// jurisdiction, measures that may apply, and the net effect
    /// (`net: ...`). Not serialised (the JSON keeps `verdict`).
    #[serde(skip)]
    pub verdict_parts: Vec<String>,
    /// The rules that fired, with their evidence.
    pub reasons: Vec<Reason>,
    /// Rules displaced by exceptions.
    pub displaced: Vec<Displaced>,
    /// Rules that could not be decided for lack of facts.
    pub undetermined: Vec<Undetermined>,
    /// The thresholds nearest the item's values.
    pub nearest_lines: Vec<NearestLine>,
    /// Rules that would apply as written but are not enforced.
    pub not_enforced: Vec<Flag>,
    /// Doubts about the answer.
    pub flags: Vec<Flag>,
    /// The ids of the instruments in force on the date.
    pub instruments: Vec<String>,
    /// The item's metrics, when the caller adds them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Metrics>,
    /// The rule set that answered.
    pub rule_set: RuleSetRef,
}

impl Decision {
    /// The outcome as the decision log keeps it: what was decided and on
    /// which rules, without the explanation text (which `audit replay`
    /// regenerates from the logged question).
    pub fn outcome_record(&self) -> crate::record::OutcomeRecord {
        crate::record::OutcomeRecord::of(self)
    }

    /// The ids of the rules that fired.
    /// Context notes count: they fired, though they are not reasons. The
    /// order is the determination's (slot by slot, as `rules sql` lists
    /// them).
    pub fn rules_fired(&self) -> Vec<&str> {
        self.fired.iter().map(String::as_str).collect()
    }
}

/// The rules to evaluate on one date, per slot (see [`RuleSet::plan`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Per slot in [`Slot::ORDER`], `(rule index, in force)`: a rule not
    /// in force applies as written but is not enforced.
    pub by_slot: Vec<Vec<(usize, bool)>>,
    /// Rules of instruments past their open end on the plan's dates
    /// (sorted): whether they still apply is unknown, so a rule that would
    /// fire is undetermined instead.
    pub open_ended: Vec<usize>,
}

/// The outcome of a question without its explanation: which rules fired,
/// slot by slot, and the values they set. Cheap to compute; `decide` builds
/// the explanation on top of it, and batch screening can use it alone.
#[derive(Debug, Clone, PartialEq)]
pub struct Determination<'r> {
    /// The classification; `None` when a classification rule that would
    /// change it is undetermined.
    pub eccn: Option<&'r str>,
    /// A note on the classification.
    pub eccn_note: Option<&'r str>,
    /// Whether a US licence is required; `None` when a rule that would
    /// change the answer is undetermined (directly, or because the
    /// classification it reads is).
    pub license_required: Option<bool>,
    /// The review policy, if one is published.
    pub review_policy: Option<ReviewPolicy>,
    /// Rules that fired and were not displaced, in slot order.
    pub fired: Vec<usize>,
    /// `(displaced, by)` pairs.
    pub displaced: Vec<(usize, usize)>,
    /// Rules whose predicate is unknown and that could still matter.
    pub unknown: Vec<usize>,
    /// Rules that would fire as written but are not enforced on the date.
    pub not_enforced: Vec<usize>,
    /// The question is outside coverage (a regime that applies is not
    /// encoded) and the encoded rules do not require a licence: the
    /// requirement is unknown (`license_required` is `None`). The number
    /// is the reason (see [`crate::coverage::Coverage::outside_at`]).
    pub outside_coverage: Option<usize>,
}

pub(crate) fn facts<'a>(rs: &RuleSet, q: &'a Question) -> Facts<'a> {
    let f = Facts::new(
        &q.item,
        &rs.groups,
        q.destination,
        q.end_user_hq,
        q.exported_from,
        q.on,
        q.buyer_type.as_deref(),
        q.exporter_role.as_deref(),
    );
    question_facts(f, q)
}

/// The facts of a question whose countries' group masks are given (see
/// [`Facts::new_masked`]).
pub(crate) fn facts_masked<'a>(q: &'a Question, masks: [u8; 4]) -> Facts<'a> {
    let f = Facts::new_masked(
        &q.item,
        q.destination,
        q.end_user_hq,
        q.exported_from,
        q.on,
        q.buyer_type.as_deref(),
        q.exporter_role.as_deref(),
        masks,
    );
    question_facts(f, q)
}

fn question_facts<'a>(mut f: Facts<'a>, q: &'a Question) -> Facts<'a> {
    if f.subject_to_ear.is_none() {
        f.subject_to_ear = q.subject_to_ear;
    }
    f.parties = &q.parties;
    f
}

impl Determination<'_> {
    /// Whether a licence is required, in four states.
    pub fn status(&self) -> LicenseStatus {
        if self.outside_coverage.is_some() {
            LicenseStatus::OutsideCoverage
        } else {
            LicenseStatus::of(self.license_required)
        }
    }

    /// The classification, or [`UNDETERMINED_ECCN`].
    pub fn eccn_text(&self) -> &str {
        self.eccn.unwrap_or(UNDETERMINED_ECCN)
    }
}

/// Determines the outcome of a question. Pure: no clock is read.
pub(crate) fn determine<'r>(rs: &'r RuleSet, q: &Question) -> Determination<'r> {
    determine_with(rs, q, &plan_of(rs, q))
}

/// The plan of a question: its date's, with what was public on its
/// knowledge date (the one built at load when that is the date itself).
pub(crate) fn plan_of<'r>(rs: &'r RuleSet, q: &Question) -> std::borrow::Cow<'r, Plan> {
    match q.known_as_of.filter(|k| *k != q.on) {
        Some(k) => std::borrow::Cow::Owned(plan_known(rs, q.on, k, q.mode, &q.with_packs)),
        None => rs.plan_for(q.on, q.mode, &q.with_packs),
    }
}

/// The rules to evaluate on a date, per slot: `(rule, in_force)`, where
/// `in_force` is false for a rule that applies as written but is not
/// enforced (listed only in enforced mode, to report it). A plan holds
/// for every date between two consecutive breakpoints.
pub(crate) fn plan(rs: &RuleSet, on: Date, mode: Mode, chosen: &[String]) -> Plan {
    plan_known(rs, on, on, mode, chosen)
}

/// [`plan`] with what was public on `known` (hindsight when later than
/// `on`).
pub(crate) fn plan_known(
    rs: &RuleSet,
    on: Date,
    known: Date,
    mode: Mode,
    chosen: &[String],
) -> Plan {
    let by_slot = rs
        .by_slot
        .iter()
        .map(|rules| {
            rules
                .iter()
                .filter_map(|&ri| {
                    let r = rs.rules.get(ri)?;
                    if rs.in_force_known(r, on, known, mode, chosen) {
                        Some((ri, true))
                    } else if mode == Mode::Enforced
                        && rs.in_force_known(r, on, known, Mode::AsWritten, chosen)
                    {
                        Some((ri, false))
                    } else {
                        None
                    }
                })
                .collect()
        })
        .collect();
    let mut open_ended: Vec<usize> = rs
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| rs.pack_of(r).is_some_and(|p| p.is_open_on(on)))
        .map(|(ri, _)| ri)
        .collect();
    open_ended.sort_unstable();
    Plan {
        by_slot,
        open_ended,
    }
}

/// Determines a question with a plan made for its date.
pub(crate) fn determine_with<'r>(rs: &'r RuleSet, q: &Question, plan: &Plan) -> Determination<'r> {
    determine_with_facts(rs, q, plan, facts(rs, q))
}

/// Determines a question with a plan made for its date and its facts.
pub(crate) fn determine_with_facts<'r: 'f, 'f>(
    rs: &'r RuleSet,
    q: &Question,
    plan: &Plan,
    mut facts: Facts<'f>,
) -> Determination<'r> {
    let mut d = Determination {
        eccn: Some(rs.vocabulary().default_classification()),
        eccn_note: None,
        license_required: Some(false),
        review_policy: None,
        fired: Vec::new(),
        displaced: Vec::new(),
        unknown: Vec::new(),
        not_enforced: Vec::new(),
        outside_coverage: None,
    };
    let mut fired: Vec<usize> = Vec::new();
    let mut unknown: Vec<usize> = Vec::new();
    for (si, slot) in Slot::ORDER.into_iter().enumerate() {
        fired.clear();
        unknown.clear();
        for &(ri, in_force) in plan.by_slot.get(si).map_or(&[][..], Vec::as_slice) {
            // A rule of other countries: its predicate is false.
            if rs.guards.get(ri).is_some_and(|g| !g.admits(&facts)) {
                continue;
            }
            let (Some(r), Some(compiled)) = (rs.rules.get(ri), rs.compiled.get(ri)) else {
                continue;
            };
            let value = compiled.eval(&facts);
            if !in_force {
                if value == Some(true) {
                    d.not_enforced.push(ri);
                }
                continue;
            }
            match value {
                // Past its instrument's open end, a rule that would apply
                // may have lapsed: never assume what happened next.
                Some(true)
                    if slot != Slot::Notice && plan.open_ended.binary_search(&ri).is_ok() =>
                {
                    unknown.push(ri)
                }
                // Too weakly encoded for the question's minimum confidence.
                Some(true) if slot != Slot::Notice && too_weak(rs, r, q.min_confidence) => {
                    unknown.push(ri)
                }
                Some(true) => fired.push(ri),
                Some(false) => {}
                None => unknown.push(ri),
            }
        }
        let overrides = |a: usize, b: usize| rs.overrides.get(a).is_some_and(|v| v.contains(&b));
        let first_winner = d.fired.len();
        for &ri in &fired {
            match fired.iter().copied().find(|&o| overrides(o, ri)) {
                Some(by) => d.displaced.push((ri, by)),
                None => d.fired.push(ri),
            }
        }
        let winners = d.fired.get(first_winner..).unwrap_or(&[]);
        let first_unknown = d.unknown.len();
        for &ri in &unknown {
            // Notices inform; an unknown one does not make the answer
            // incomplete. An unknown rule displaced by a winner cannot
            // matter.
            if slot != Slot::Notice && !winners.iter().any(|&w| overrides(w, ri)) {
                d.unknown.push(ri);
            }
        }
        let first = winners
            .first()
            .and_then(|&ri| rs.rules.get(ri))
            .map(|r| &r.then);
        match (slot, first) {
            (Slot::Classification, Some(Outcome::Classification { eccn, note })) => {
                d.eccn = Some(eccn);
                d.eccn_note = note.as_deref();
            }
            (Slot::LicenseRequirement, Some(Outcome::License { required })) => {
                d.license_required = Some(*required)
            }
            (Slot::ReviewPolicy, Some(Outcome::Review { policy })) => {
                d.review_policy = Some(*policy)
            }
            _ => {}
        }
        // A result is undetermined when a rule that could still matter
        // (unknown, not displaced by a winner) would set another value.
        let open = d.unknown.get(first_unknown..).unwrap_or(&[]);
        let would_differ = |value: &dyn Fn(&Outcome) -> bool| {
            open.iter()
                .filter_map(|&ri| rs.rules.get(ri))
                .any(|r| !value(&r.then))
        };
        match slot {
            Slot::Classification => {
                if let Some(eccn) = d.eccn
                    && would_differ(&|o| match o {
                        Outcome::Classification { eccn: e, .. } => e == eccn,
                        _ => true,
                    })
                {
                    d.eccn = None;
                    d.eccn_note = None;
                }
            }
            Slot::LicenseRequirement => {
                if let Some(required) = d.license_required
                    && would_differ(&|o| match o {
                        Outcome::License { required: r } => *r == required,
                        _ => true,
                    })
                {
                    d.license_required = None;
                }
            }
            _ => {}
        }
        // Later slots read the results decided so far; an undetermined
        // result is an unknown fact to them.
        match slot {
            Slot::Classification => facts.eccn = d.eccn,
            Slot::LicenseRequirement => facts.license_required = d.license_required,
            Slot::ReviewPolicy => facts.review_policy = d.review_policy.map(ReviewPolicy::as_str),
            _ => {}
        }
    }
    // An unencoded regime can only add requirements: outside coverage, an
    // answer that is not "required" is not an answer.
    if d.license_required != Some(true)
        && let Some(at) = outside_coverage_at(rs, q, &facts)
    {
        d.license_required = None;
        d.outside_coverage = Some(at);
    }
    d
}

/// A rule's confidence: its own or its pack's, whichever is weaker.
pub(crate) fn rule_confidence(rs: &RuleSet, r: &Rule) -> Confidence {
    rs.pack_of(r)
        .map_or(r.confidence, |p| r.confidence.max(p.meta.confidence))
}

/// Whether a rule is encoded less surely than the question's minimum.
pub(crate) fn too_weak(rs: &RuleSet, r: &Rule, min: Option<Confidence>) -> bool {
    min.is_some_and(|m| rule_confidence(rs, r) > m)
}

/// Why a US licence question is outside coverage, if it is: the item is
/// (or may be) subject to the EAR, and the destination and date fall in a
/// gap or before the first encoded US instrument.
pub(crate) fn outside_coverage(
    rs: &RuleSet,
    q: &Question,
    facts: &Facts<'_>,
) -> Option<crate::coverage::Outside> {
    let at = outside_coverage_at(rs, q, facts)?;
    rs.coverage()?.reason(at)
}

/// [`outside_coverage`]'s reason number, without its words.
fn outside_coverage_at(rs: &RuleSet, q: &Question, facts: &Facts<'_>) -> Option<usize> {
    if facts.subject_to_ear == Some(false) {
        return None;
    }
    rs.coverage()?.outside_at(q.destination, q.on)
}

/// The `fact op number` comparisons of a predicate.
pub fn numeric_atoms(e: &Expr, out: &mut Vec<(Fact, CmpOp, f64)>) {
    match e {
        Expr::And(a, b) | Expr::Or(a, b) => {
            numeric_atoms(a, out);
            numeric_atoms(b, out);
        }
        Expr::Not(x) => numeric_atoms(x, out),
        Expr::Cmp(op, a, b) => match (a.as_ref(), b.as_ref()) {
            (Expr::Fact(f), Expr::Lit(Lit::Num(v))) => out.push((*f, *op, *v)),
            (Expr::Lit(Lit::Num(v)), Expr::Fact(f)) => out.push((*f, op.flip(), *v)),
            _ => {}
        },
        _ => {}
    }
}

/// A citation of a rule: instrument citation plus paragraph.
pub fn cite(p: &crate::pack::Pack, r: &Rule) -> String {
    format!("{}; {}", p.meta.citation.short(), r.paragraph)
}

pub(crate) use crate::decision::decide;
pub use crate::timeline::Interval;
pub(crate) use crate::timeline::{opened_on, timeline};

/// The question of a test: catalog entry `e` to `to` on `on`
/// (`YYYY-MM-DD`), every other fact at its default.
#[cfg(test)]
pub(crate) fn asked(e: &chipexport_catalog::Entry, to: &str, on: &str) -> Question {
    Question::new(
        &e.spec,
        &e.metrics,
        chipexport_domain::Country::parse(to).unwrap_or_else(|e| unreachable!("{e}")),
        on.parse().unwrap_or_else(|e| unreachable!("{e:?}")),
    )
}
