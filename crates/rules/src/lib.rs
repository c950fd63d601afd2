//! Rules as dated, cited data, and the engine that applies them.
//!
//! * [`pack`]: one legal instrument as a TOML file, with its citation,
//!   dates, rules and test cases;
//! * [`expr`]: the predicate language (SQL expression syntax, typed,
//!   three-valued);
//! * [`ruleset`]: every pack loaded, cross-checked (conflicts are found when
//!   packs load, by [`sat`]) and hashed;
//! * [`engine`]: questions, plans and determinations, and decisions with
//!   their explanations;
//! * [`explain`]: verdicts and memos;
//! * [`timeline`]: what was controlled when: the intervals of one answer;
//! * [`sql`]: the same predicates lowered to SQL, for column-wise engines;
//! * [`classes`]: the countries a plan cannot tell apart (batch screening
//!   keys its memo on them);
//! * [`guard`]: the countries a rule's predicate requires, tested before
//!   the predicate;
//! * [`headroom`]: how far a design can go before the answer changes;
//! * [`compiled`]: predicates compiled for the engine's inner loop;
//! * [`conformance`]: every pack's own test cases;
//! * [`country_chart`]: the Commerce Country Chart and the CCL's reasons
//!   for control, as data (the fact `chart_licence`);
//! * [`coverage`]: what the packs encode, and the gaps where an answer
//!   is `outside_coverage`;
//! * [`vocabulary`]: review policies, and the open vocabularies (buyer
//!   types, exporter roles, kinds of conditions, measures and notices) kept
//!   as data;
//! * [`partial`]: plans made for one item, without the rules that cannot
//!   fire for it;
//! * [`provision`]: the conditions, measures and notices of an answer;
//! * [`record`]: the outcome record the decision log keeps;
//! * [`status`]: the four states of an answer (required, not required,
//!   undetermined, outside coverage).
//!
//! This crate never depends on a batch engine.
#![warn(missing_docs)]

pub mod chart;
pub mod classes;
pub mod compiled;
pub mod conformance;
pub mod country_chart;
pub mod coverage;
mod decision;
pub mod engine;
pub mod explain;
pub mod expr;
pub mod facts;
pub mod guard;
pub mod headroom;
mod lines;
pub mod pack;
pub mod partial;
pub mod provision;
pub mod record;
pub mod ruleset;
pub mod sat;
pub mod sql;
pub mod status;
mod texts;
pub mod timeline;
pub mod vocabulary;

pub use engine::{Decision, Determination, Interval, Question, QuestionError};
pub use facts::ItemFacts;
pub use provision::{Provision, ProvisionKind, Terms};
pub use record::{FieldDifference, OutcomeRecord};
pub use ruleset::{LoadErrors, Mode, RuleSet};
pub use status::LicenseStatus;
pub use vocabulary::{ReviewPolicy, Vocabulary};
