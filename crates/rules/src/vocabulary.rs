//! The words rules and questions may use: the closed review policies, and
//! the open vocabularies (buyer types, exporter roles, and the kinds of
//! conditions, measures and notices) kept as data in
//! `data/vocabulary.toml`, loaded with the rule packs and covered by the
//! rule set's hash.

use chipexport_domain::{DataError, SourceFile, diag::did_you_mean, spec::toml_error};
use serde::{Deserialize, Serialize};

use crate::facts::Fact;

/// The vocabulary shipped with chipexport.
pub const EMBEDDED: &str = include_str!("../../../data/vocabulary.toml");
/// The name of the shipped vocabulary file, for diagnostics.
pub const EMBEDDED_NAME: &str = "data/vocabulary.toml";

/// How a licence application is reviewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewPolicy {
    /// Licences are denied as a rule (embargoes and sanctions, e.g. 15 CFR
    /// 746.8(b) for Russia and Belarus): stricter than a presumption.
    PolicyOfDenial,
    /// Licences are presumed to be denied.
    PresumptionOfDenial,
    /// Each application is reviewed on its merits.
    CaseByCase,
    /// Licences are presumed to be approved.
    PresumptionOfApproval,
}

impl ReviewPolicy {
    /// Every policy, strictest first.
    pub const ALL: [ReviewPolicy; 4] = [
        ReviewPolicy::PolicyOfDenial,
        ReviewPolicy::PresumptionOfDenial,
        ReviewPolicy::CaseByCase,
        ReviewPolicy::PresumptionOfApproval,
    ];

    /// The name used in packs, predicates, JSON and SQL
    /// (`presumption_of_denial`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewPolicy::PolicyOfDenial => "policy_of_denial",
            ReviewPolicy::PresumptionOfDenial => "presumption_of_denial",
            ReviewPolicy::CaseByCase => "case_by_case",
            ReviewPolicy::PresumptionOfApproval => "presumption_of_approval",
        }
    }

    /// The policy in words ("presumption of denial").
    pub fn describe(self) -> &'static str {
        match self {
            ReviewPolicy::PolicyOfDenial => "policy of denial",
            ReviewPolicy::PresumptionOfDenial => "presumption of denial",
            ReviewPolicy::CaseByCase => "case-by-case review",
            ReviewPolicy::PresumptionOfApproval => "presumption of approval",
        }
    }

    /// The policy of a name (see [`ReviewPolicy::as_str`]).
    pub fn parse(s: &str) -> Option<ReviewPolicy> {
        ReviewPolicy::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The names of every policy, in [`ReviewPolicy::ALL`] order.
    pub fn names() -> [&'static str; 4] {
        ReviewPolicy::ALL.map(ReviewPolicy::as_str)
    }

    /// Whether a licence reviewed under this policy may be granted in the
    /// ordinary course (case by case, or presumed approved).
    pub fn is_reviewable(self) -> bool {
        !matches!(
            self,
            ReviewPolicy::PolicyOfDenial | ReviewPolicy::PresumptionOfDenial
        )
    }
}

impl std::fmt::Display for ReviewPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ReviewPolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<ReviewPolicy, String> {
        ReviewPolicy::parse(s).ok_or_else(|| {
            format!(
                "unknown review policy `{s}`; one of: {}",
                ReviewPolicy::names().join(", ")
            )
        })
    }
}

/// What a measure does to a sale, as the verdict's net effect reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SaleEffect {
    /// The measure stops the sale (an import or purchase ban).
    Blocked,
    /// The measure discourages or restricts the sale.
    Deterred,
}

/// One word of an open vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    /// The word as packs and users write it (`large_tech`).
    pub name: String,
    /// One line saying what it means.
    pub description: String,
}

/// A kind of condition, with the fields its `then` table must give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionKind {
    /// The kind as packs write it (`revenue_share`).
    pub name: String,
    /// One line saying what it means.
    pub description: String,
    /// Fields of `then` a condition of this kind must give (see
    /// [`crate::provision::Terms::FIELDS`]).
    #[serde(default)]
    pub requires: Vec<String>,
    /// Whether the verdict counts it among the certifications.
    #[serde(default)]
    pub certification: bool,
}

/// A kind of measure, with what it does to a sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureKind {
    /// The kind as packs write it (`purchase_prohibited`).
    pub name: String,
    /// One line saying what it means.
    pub description: String,
    /// What the measure does to a sale, if the verdict should say so.
    #[serde(default)]
    pub sale: Option<SaleEffect>,
}

/// How much a cited source can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceGrade {
    /// The issuing authority or the law's official publication (the
    /// Federal Register, the eCFR, BIS, SEC filings, Congress).
    Primary,
    /// Law firms, trade-law publications, news agencies and established
    /// press.
    Secondary,
    /// Everything else (blogs, aggregators, unknown sites): it cannot make
    /// an encoding more than `unconfirmed`.
    Weak,
}

/// The hosts of each grade; a host not listed is weak.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceGrades {
    /// Hosts of primary sources (`federalregister.gov`); subdomains count.
    #[serde(default)]
    primary: Vec<String>,
    /// Hosts of secondary sources.
    #[serde(default)]
    secondary: Vec<String>,
}

impl SourceGrades {
    /// The grade of a URL, by its host (a subdomain counts as its domain).
    pub fn grade(&self, url: &str) -> SourceGrade {
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        let host = rest
            .split(['/', '?', '#'])
            .next()
            .unwrap_or("")
            .split(':')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let of = |list: &[String]| {
            list.iter()
                .any(|d| host == *d || host.ends_with(&format!(".{d}")))
        };
        if of(&self.primary) {
            SourceGrade::Primary
        } else if of(&self.secondary) {
            SourceGrade::Secondary
        } else {
            SourceGrade::Weak
        }
    }
}

/// The open vocabularies, as loaded from `data/vocabulary.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vocabulary {
    /// The classification when no classification rule applies
    /// (`not 3A090`).
    default_classification: String,
    #[serde(rename = "buyer_type")]
    buyer_types: Vec<Term>,
    #[serde(rename = "exporter_role")]
    exporter_roles: Vec<Term>,
    #[serde(rename = "condition_kind")]
    condition_kinds: Vec<ConditionKind>,
    #[serde(rename = "measure_kind")]
    measure_kinds: Vec<MeasureKind>,
    #[serde(rename = "notice_kind")]
    notice_kinds: Vec<Term>,
    /// How much a cited source can carry (see [`SourceGrade`]).
    #[serde(default)]
    source_grades: SourceGrades,
    /// The file's name, for diagnostics.
    #[serde(skip)]
    source_name: String,
    /// The file's text, hashed into the rule set.
    #[serde(skip)]
    source_text: String,
    /// The names of every list, for slices of names.
    #[serde(skip)]
    names: Names,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Names {
    buyer_types: Vec<String>,
    exporter_roles: Vec<String>,
}

/// Buyers a measure's `binds` may name besides the buyer types.
pub const BINDS_EXTRA: &[&str] = &["all", "listed_entity"];

impl Vocabulary {
    /// The vocabulary shipped with chipexport.
    pub fn embedded() -> Result<Vocabulary, Box<DataError>> {
        Vocabulary::parse(&SourceFile::new(EMBEDDED_NAME, EMBEDDED))
    }

    /// The shipped vocabulary, parsed once; `None` if it does not parse
    /// (which the rule set's load reports).
    pub fn shared() -> Option<&'static Vocabulary> {
        static SHARED: std::sync::OnceLock<Option<Vocabulary>> = std::sync::OnceLock::new();
        SHARED.get_or_init(|| Vocabulary::embedded().ok()).as_ref()
    }

    /// Parses a vocabulary file; problems are located (file, line, key).
    pub fn parse(file: &SourceFile) -> Result<Vocabulary, Box<DataError>> {
        let mut v: Vocabulary =
            toml::from_str(&file.text).map_err(|e| Box::new(toml_error(file, &e).in_rules()))?;
        let lists: [(&str, Vec<&str>); 5] = [
            (
                "buyer_type",
                v.buyer_types.iter().map(|t| t.name.as_str()).collect(),
            ),
            (
                "exporter_role",
                v.exporter_roles.iter().map(|t| t.name.as_str()).collect(),
            ),
            (
                "condition_kind",
                v.condition_kinds.iter().map(|t| t.name.as_str()).collect(),
            ),
            (
                "measure_kind",
                v.measure_kinds.iter().map(|t| t.name.as_str()).collect(),
            ),
            (
                "notice_kind",
                v.notice_kinds.iter().map(|t| t.name.as_str()).collect(),
            ),
        ];
        for (list, names) in &lists {
            for (i, n) in names.iter().enumerate() {
                let at = i.to_string();
                let path = [*list, at.as_str(), "name"];
                let well_formed = !n.is_empty()
                    && n.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                if !well_formed {
                    return Err(Box::new(
                        file.error_at(
                            &path,
                            format!("`{n}` is not a lowercase_snake_case word"),
                            None,
                        )
                        .in_rules(),
                    ));
                }
                if names.iter().take(i).any(|m| m == n) {
                    return Err(Box::new(
                        file.error_at(&path, format!("`{n}` is listed twice in `{list}`"), None)
                            .in_rules(),
                    ));
                }
            }
        }
        for (i, k) in v.condition_kinds.iter().enumerate() {
            for r in &k.requires {
                if !crate::provision::Terms::FIELDS.contains(&r.as_str()) || r == "kind" {
                    let at = i.to_string();
                    return Err(Box::new(
                        file.error_at(
                            &["condition_kind", at.as_str(), "requires"],
                            format!("`{r}` is not a field of a condition"),
                            Some(format!(
                                "fields: {}",
                                crate::provision::Terms::FIELDS.join(", ")
                            )),
                        )
                        .in_rules(),
                    ));
                }
            }
        }
        v.names = Names {
            buyer_types: v.buyer_types.iter().map(|t| t.name.clone()).collect(),
            exporter_roles: v.exporter_roles.iter().map(|t| t.name.clone()).collect(),
        };
        v.source_name.clone_from(&file.name);
        v.source_text.clone_from(&file.text);
        Ok(v)
    }

    /// The name of the file the vocabulary was read from.
    pub fn source_name(&self) -> &str {
        &self.source_name
    }

    /// The text of the file the vocabulary was read from (hashed into the
    /// rule set).
    pub fn source_text(&self) -> &str {
        &self.source_text
    }

    /// The grades of cited sources.
    pub fn source_grades(&self) -> &SourceGrades {
        &self.source_grades
    }

    /// The classification when no classification rule applies.
    pub fn default_classification(&self) -> &str {
        &self.default_classification
    }

    /// Buyer types a predicate and a user may name, in order.
    pub fn buyer_types(&self) -> &[Term] {
        &self.buyer_types
    }

    /// The names of the buyer types, in order.
    pub fn buyer_type_names(&self) -> &[String] {
        &self.names.buyer_types
    }

    /// Exporter roles a predicate and a user may name, in order.
    pub fn exporter_roles(&self) -> &[Term] {
        &self.exporter_roles
    }

    /// The names of the exporter roles, in order.
    pub fn exporter_role_names(&self) -> &[String] {
        &self.names.exporter_roles
    }

    /// Kinds of conditions.
    pub fn condition_kinds(&self) -> &[ConditionKind] {
        &self.condition_kinds
    }

    /// Kinds of measures.
    pub fn measure_kinds(&self) -> &[MeasureKind] {
        &self.measure_kinds
    }

    /// Kinds of notices.
    pub fn notice_kinds(&self) -> &[Term] {
        &self.notice_kinds
    }

    /// Whether `s` is a buyer type.
    pub fn is_buyer_type(&self, s: &str) -> bool {
        self.buyer_types.iter().any(|t| t.name == s)
    }

    /// Whether `s` is an exporter role.
    pub fn is_exporter_role(&self, s: &str) -> bool {
        self.exporter_roles.iter().any(|t| t.name == s)
    }

    /// Whether `s` is a kind of condition.
    pub fn is_condition_kind(&self, s: &str) -> bool {
        self.condition_kind(s).is_some()
    }

    /// Whether `s` is a kind of measure.
    pub fn is_measure_kind(&self, s: &str) -> bool {
        self.measure_kind(s).is_some()
    }

    /// Whether `s` is a kind of notice.
    pub fn is_notice_kind(&self, s: &str) -> bool {
        self.notice_kinds.iter().any(|t| t.name == s)
    }

    /// A kind of condition by name.
    pub fn condition_kind(&self, s: &str) -> Option<&ConditionKind> {
        self.condition_kinds.iter().find(|k| k.name == s)
    }

    /// A kind of measure by name.
    pub fn measure_kind(&self, s: &str) -> Option<&MeasureKind> {
        self.measure_kinds.iter().find(|k| k.name == s)
    }

    /// The position of a buyer type in [`Vocabulary::buyer_types`].
    pub fn buyer_type_index(&self, s: &str) -> Option<usize> {
        self.buyer_types.iter().position(|t| t.name == s)
    }

    /// The closed vocabulary of a text fact, if it has one: the values a
    /// predicate may compare it with.
    pub fn values_of(&self, f: Fact) -> Option<Vec<&str>> {
        match f {
            Fact::BuyerType => Some(self.buyer_types.iter().map(|t| t.name.as_str()).collect()),
            Fact::ExporterRole => Some(
                self.exporter_roles
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect(),
            ),
            Fact::ReviewPolicy => Some(ReviewPolicy::names().to_vec()),
            _ => None,
        }
    }

    /// Checks a word against a list: `Err((message, help))` naming the
    /// closest word when there is one.
    pub fn check<'a>(
        what: &str,
        word: &str,
        list: impl IntoIterator<Item = &'a str> + Clone,
    ) -> Result<(), (String, String)> {
        if list.clone().into_iter().any(|w| w == word) {
            return Ok(());
        }
        let all: Vec<&str> = list.clone().into_iter().collect();
        let help = match did_you_mean(word, list) {
            Some(m) => format!("did you mean `{m}`? one of: {}", all.join(", ")),
            None => format!("one of: {}", all.join(", ")),
        };
        Err((format!("`{word}` is not {what}"), help))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn the_shipped_vocabulary_loads() {
        let v = Vocabulary::embedded().expect("vocabulary");
        assert_eq!(v.default_classification(), "not 3A090");
        assert_eq!(v.buyer_type_index("commercial"), Some(0));
        assert!(v.is_measure_kind("purchase_prohibited"));
        assert!(v.is_exporter_role("osat"));
        assert!(!v.is_notice_kind("purchase_prohibited"));
    }

    #[test]
    fn review_policies_round_trip() {
        for p in ReviewPolicy::ALL {
            assert_eq!(ReviewPolicy::parse(p.as_str()), Some(p));
            assert_eq!(
                serde_json::to_string(&p).unwrap(),
                format!("\"{}\"", p.as_str())
            );
        }
        assert_eq!(
            ReviewPolicy::PresumptionOfDenial.describe(),
            "presumption of denial"
        );
    }

    #[test]
    fn a_duplicate_word_is_located() {
        let text = EMBEDDED.replace("name = \"university\"", "name = \"military\"");
        let e = Vocabulary::parse(&SourceFile::new("v.toml", text)).expect_err("duplicate");
        assert!(e.message.contains("listed twice"), "{}", e.message);
        assert!(e.line.is_some());
    }

    #[test]
    fn a_source_is_graded_by_its_host_and_an_unlisted_host_is_weak() {
        let v = Vocabulary::embedded().unwrap_or_else(|e| panic!("{e:?}"));
        let g = v.source_grades();
        assert_eq!(
            g.grade("https://www.federalregister.gov/documents/2023/10/25/x"),
            SourceGrade::Primary
        );
        assert_eq!(g.grade("https://www.reuters.com/x"), SourceGrade::Secondary);
        assert_eq!(g.grade("https://zerohedge.com/news/x"), SourceGrade::Weak);
        // A host that merely ends with a listed name is not that domain.
        assert_eq!(g.grade("https://notreuters.com/x"), SourceGrade::Weak);
    }
}
