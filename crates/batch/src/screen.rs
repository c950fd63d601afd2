//! Screening a ledger: every row gets the answer `check` gives for the same
//! question, computed once per distinct question.
//!
//! An answer depends on the row only through (chip, destination,
//! headquarters, exporting country, buyer type) and the interval between two
//! consecutive rule-set breakpoints that holds the ship date: between
//! breakpoints every answer is constant. Within an interval, it depends on
//! each country only through its class (the groups it belongs to and the
//! countries the rules name: see `chipexport_rules::classes`). So a ledger
//! of millions of rows asks few distinct questions. Each is determined once,
//! by the same `RuleSet::determine` as `check`, and answers are shared by all
//! the questions whose determination is the same.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use chipexport_catalog::Catalog;
use chipexport_domain::{Country, Date};
use chipexport_rules::{LicenseStatus, Mode, Question, ReviewPolicy, RuleSet};
use rust_decimal::Decimal;
use serde::Serialize;

mod memo;
mod output;
mod parse;
use memo::{IntervalClasses, ItemPlan, Miss, PARALLEL_MIN, Packed, settle};
use output::AnswerColumns;
pub use output::{Screened, output_schema};
mod parties;
pub use parse::{Columns, ParsedBatch, RowParser};
use parse::{ParsedRow, Parser, row_columns};
pub use parties::{
    FakeParties, NAME_COLUMNS, PartyOutcome, PartyScreen, PartySummary, STALE_DAYS, SharedParties,
    screened_with_parties,
};

/// Ledger columns every screened ledger needs: the question's.
pub const REQUIRED: &[&str] = &["order_id", "chip", "destination", "ship_date"];
/// Ledger columns that may be absent; an absent column is null in every row.
/// `quantity` and `unit_price` give the `value` when present.
pub const OPTIONAL: &[&str] = &[
    "end_user_hq",
    "exported_from",
    "buyer_type",
    "quantity",
    "unit_price",
    "currency",
    "end_user",
    "customer",
    "consignee",
];
/// The columns whose values screening reads in every row: the question's
/// (chip, destination, headquarters, exporting country, buyer type, ship
/// date) and the value's (quantity, unit price), in the order
/// `row_columns` takes them. Screening reads them as dictionaries of text
/// where a Parquet ledger keeps them as such (see `io::open_with`), so that
/// each distinct value is parsed once.
pub(crate) const READ_COLUMNS: [&str; 8] = [
    "chip",
    "destination",
    "end_user_hq",
    "exported_from",
    "buyer_type",
    "ship_date",
    "quantity",
    "unit_price",
];

/// Whether screening reads the values of a ledger's column `name`: the
/// question's and the value's columns, and the names when the parties are
/// screened.
pub fn reads(name: &str, parties: bool) -> bool {
    READ_COLUMNS.contains(&name) || parties && NAME_COLUMNS.contains(&name)
}

/// The columns an order's value needs, which `impact` requires.
pub const VALUE_COLUMNS: &[&str] = &["quantity", "unit_price"];
/// Columns `screen` adds.
pub const ADDED: &[&str] = &[
    "status",
    "eccn",
    "license_required",
    "license_exceptions",
    "review_policy",
    "conditions",
    "measures",
    "verdict",
    "rules_fired",
    "value",
    "revenue_share_owed",
    "rule_set_hash",
    "party_lists",
    "party_matches",
    "error",
];

/// The answer shared by every row that asks the same question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharedAnswer {
    /// Whether a licence is required, in four states (`status` column);
    /// `None` on an error.
    pub status: Option<LicenseStatus>,
    /// The export control classification (`eccn` column; `undetermined`
    /// when a classification rule that would change it is); `None` on an
    /// error.
    pub eccn: Option<String>,
    /// Whether a licence is required; `None` on an error, or when the
    /// status is undetermined or outside coverage.
    pub license_required: Option<bool>,
    /// Licence exceptions available, as a JSON array of rule ids.
    pub license_exceptions: Option<String>,
    /// The licensing policy for an application; `None` when none applies.
    pub review_policy: Option<ReviewPolicy>,
    /// Conditions attached, as a JSON array of their fields.
    pub conditions: Option<String>,
    /// Measures that apply, as a JSON array of objects (jurisdiction, kind,
    /// legal form, confidence, rule).
    pub measures: Option<String>,
    /// The answer in words, as `check` gives it.
    pub verdict: Option<String>,
    /// Ids of the rules that fired, as a JSON array.
    pub rules_fired: Option<String>,
    /// The revenue share, in percent, that the answer's conditions owe.
    pub revenue_share_percent: Option<Decimal>,
    /// Why the row has no answer (`column: reason`); `None` when it has one.
    pub error: Option<String>,
}

impl SharedAnswer {
    fn error(msg: String) -> SharedAnswer {
        SharedAnswer {
            status: None,
            eccn: None,
            license_required: None,
            license_exceptions: None,
            review_policy: None,
            conditions: None,
            measures: None,
            verdict: None,
            rules_fired: None,
            revenue_share_percent: None,
            error: Some(msg),
        }
    }
}

/// How to screen.
#[derive(Debug, Clone, Default)]
pub struct Scenario {
    /// Enforced rules, or rules as written.
    pub mode: Mode,
    /// Proposed instruments to apply as if in force.
    pub with_packs: Vec<String>,
    /// Evaluate every row on this date instead of its ship date.
    pub on: Option<Date>,
    /// Screen the parties (`customer`, `end_user`, `consignee`) with this;
    /// `None`: the parties are not screened and the party columns are null.
    pub parties: Option<SharedParties>,
}

/// What a screening run saw.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Rows screened.
    pub rows: u64,
    /// Rows with an error (in their question or their money columns).
    pub rows_with_error: u64,
    /// Rows without an error whose answer requires a licence.
    pub license_required: u64,
    /// Rows without an error whose answer is that no licence is required.
    pub not_required: u64,
    /// Rows without an error whose licence requirement is undetermined
    /// (a rule that would change it reads a fact the row does not give).
    pub undetermined: u64,
    /// Rows without an error outside what the rules encode.
    pub outside_coverage: u64,
    /// Rows without an error whose licence application would meet a
    /// presumption of denial.
    pub presumption_of_denial: u64,
    /// Rows without an error whose answer owes a revenue share.
    pub with_revenue_share: u64,
    /// Distinct questions determined.
    pub distinct_questions: usize,
    /// Distinct answers.
    pub distinct_answers: usize,
    /// Rows with an error, by the column named first in the error.
    pub errors: BTreeMap<String, u64>,
    /// The SHA-256 of the rule set, in hex.
    pub rule_set_hash: String,
    /// What screening the parties found, when they were screened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parties: Option<PartySummary>,
}

/// Hash maps of the screening memo: keyed by short texts and small
/// tuples, looked up once or more per row.
pub(crate) type Map<K, V> = HashMap<K, V, ahash::RandomState>;

/// Screens rows, remembering every question and answer.
///
/// A batch is screened in three steps: each row's question is parsed and
/// looked up in the memo (questions not seen before are collected), the new
/// questions are determined (on two threads when there are many: a
/// determination reads only the rule set and the intervals' plans), and each
/// new determination gets its answer (shared with every question whose
/// determination is the same).
pub struct Screener<'a> {
    /// The rule set answering.
    pub rs: &'a RuleSet,
    cat: &'a Catalog,
    scenario: Scenario,
    /// The parsing caches of the two threads that parse a batch's rows.
    parsers: [Parser; 2],
    /// The answer id of each question asked (pending, with the bit
    /// `memo::PENDING`, until its batch's questions are determined), by its
    /// key packed (`memo::pack`).
    keys: memo::Keys,
    /// Per breakpoint interval (once a row asks about it): its plan, and
    /// the classes of the countries the plan cannot tell apart.
    classes: Vec<Option<IntervalClasses>>,
    /// By breakpoint interval times the catalog's length plus chip (once a
    /// row asks about them): the chip's plan in the interval.
    items: Vec<Option<ItemPlan>>,
    /// Whether each of `items` reads the buyer type (see [`ItemPlan`]), by
    /// the same index, in a table small enough for every row to read
    /// (`memo::NO_PLAN` until the plan is made).
    items_read_buyer: Vec<u8>,
    /// Per rule, whether its predicate reads the buyer type.
    reads_buyer: Vec<bool>,
    /// Per catalog entry: whether it claims an ECCN (then the Commerce
    /// Country Chart may tell every destination apart).
    claims_eccn: Vec<bool>,
    /// Group membership bitmask per country and breakpoint interval.
    masks: Map<(Country, u16), u8>,
    /// Per (chip, destination, exporting country, buyer type, party
    /// facts): the facts that are unknown before any slot is decided.
    unknown: Map<(u16, Country, Country, u8, u32), usize>,
    /// Per (chip, buyer type, party facts): a question to fill in.
    templates: Map<(u16, u8, u32), Question>,
    by_signature: Map<Vec<usize>, u32>,
    errors: Map<String, u32>,
    party: parties::PartyMemo,
    /// The party names of this screener's [`RowParser`], by its ids.
    external_names: Vec<String>,
    /// Questions met in the batch being screened and not yet determined.
    misses: Vec<Miss>,
    /// The answers' columns, to gather output rows from (remade when
    /// answers are added).
    gathered: Option<Arc<AnswerColumns>>,
    /// Every answer so far; [`Screener::answer`] returns indexes into it.
    pub answers: Vec<SharedAnswer>,
}

impl<'a> Screener<'a> {
    /// A screener for `rs` and `cat`, answering as `scenario` says.
    pub fn new(rs: &'a RuleSet, cat: &'a Catalog, scenario: Scenario) -> Screener<'a> {
        Screener {
            rs,
            cat,
            scenario,
            parsers: [Parser::default(), Parser::default()],
            keys: memo::Keys::default(),
            classes: Vec::new(),
            items: Vec::new(),
            items_read_buyer: Vec::new(),
            reads_buyer: memo::rules_reading_the_buyer(rs),
            claims_eccn: cat
                .entries
                .iter()
                .map(|e| e.spec.eccn_claimed.is_some())
                .collect(),
            masks: Map::default(),
            unknown: Map::default(),
            templates: Map::default(),
            by_signature: Map::default(),
            errors: Map::default(),
            party: parties::PartyMemo::default(),
            external_names: Vec::new(),
            misses: Vec::new(),
            gathered: None,
            answers: Vec::new(),
        }
    }

    /// How many distinct questions it has determined.
    pub fn distinct_questions(&self) -> usize {
        self.keys.len()
    }

    fn error_answer(&mut self, msg: String) -> u32 {
        if let Some(&id) = self.errors.get(&msg) {
            return id;
        }
        let id = u32::try_from(self.answers.len()).unwrap_or(u32::MAX);
        self.answers.push(SharedAnswer::error(msg.clone()));
        self.errors.insert(msg, id);
        id
    }

    /// The answer id for one row's question, without parties.
    #[allow(clippy::too_many_arguments)]
    pub fn answer(
        &mut self,
        chip: Option<&str>,
        destination: Option<&str>,
        hq: Option<&str>,
        from: Option<&str>,
        buyer: Option<&str>,
        ship_date: Option<&str>,
    ) -> u32 {
        let (rs, cat, on) = (self.rs, self.cat, self.scenario.on);
        let [parser, _] = &mut self.parsers;
        let id = match parser.question(rs, cat, on, chip, destination, hq, from, buyer, ship_date) {
            Ok(q) => self.lookup(q, 0),
            Err(m) => self.error_answer(m),
        };
        let resolved = self.resolve();
        settle(id, &resolved)
    }

    /// Answer ids and money for every row of a batch.
    pub fn rows(
        &mut self,
        cols: &Columns,
        b: &RecordBatch,
    ) -> (Vec<u32>, Vec<Option<Decimal>>, Vec<Option<String>>) {
        let c = row_columns(cols, b, self.scenario.parties.is_some());
        // The rows parsed on two threads (each with its own caches), then
        // looked up in the memo in order.
        let n = b.num_rows();
        let (rs, cat, on) = (self.rs, self.cat, self.scenario.on);
        let [p0, p1] = &mut self.parsers;
        // The halves are read in turn rather than joined into one vector:
        // no copy of every parsed row.
        let (first, second): (Vec<ParsedRow>, Vec<ParsedRow>) = if n < PARALLEL_MIN * 8 {
            (p0.rows(rs, cat, on, &c, 0..n, 0), Vec::new())
        } else {
            std::thread::scope(|sc| {
                let h = sc.spawn(|| p1.rows(rs, cat, on, &c, n / 2..n, 1));
                let first = p0.rows(rs, cat, on, &c, 0..n / 2, 0);
                match h.join() {
                    Ok(second) => (first, second),
                    // A panic in the other half: its rows again here, so
                    // that the panic shows.
                    Err(_) => (first, p0.rows(rs, cat, on, &c, n / 2..n, 0)),
                }
            })
        };
        self.rows_parsed(first.into_iter().chain(second), n)
    }

    /// Answer ids and money for rows parsed already.
    fn rows_parsed(
        &mut self,
        parsed: impl Iterator<Item = ParsedRow>,
        n: usize,
    ) -> (Vec<u32>, Vec<Option<Decimal>>, Vec<Option<String>>) {
        let mut asked = Vec::with_capacity(n);
        let mut values = Vec::with_capacity(n);
        let mut money_errors = Vec::with_capacity(n);
        self.party.rows.clear();
        for row in parsed {
            let names = self.name_ids(usize::from(row.parser), row.names);
            let parties = self.party_row(names, row.on);
            asked.push(match row.question {
                Ok(q) => self.asked(q, parties).ok_or(u32::MAX),
                Err(m) => Err(self.error_answer(m)),
            });
            values.push(row.value);
            money_errors.push(row.money_error);
        }
        // Every row's question looked up in one pass: each look-up is a
        // random read in a large map, and in a loop of nothing else they
        // overlap. The questions not found are then asked in row order
        // (the first row of a new question makes it pending, the next find
        // it so).
        // Each key is packed once: a question not found keeps its packed
        // key for `ask`.
        let found: Vec<Result<u32, Packed>> = asked
            .iter()
            .map(|a| match a {
                Ok(a) => {
                    let packed = Packed::of(a.key);
                    self.known(packed).ok_or(packed)
                }
                Err(id) => Ok(*id),
            })
            .collect();
        let mut ids = Vec::with_capacity(n);
        for (found, a) in found.into_iter().zip(&asked) {
            ids.push(match (found, a) {
                (Ok(id), _) => id,
                (Err(packed), Ok(a)) => self.ask(a, packed),
                // Not reached: a row without a question is found (its id
                // is its error's answer).
                (Err(_), Err(id)) => *id,
            });
        }
        let resolved = self.resolve();
        for id in &mut ids {
            *id = settle(*id, &resolved);
        }
        (ids, values, money_errors)
    }

    /// A parser of this screener's rows for another thread: see
    /// [`Screener::screened_parsed`].
    pub fn row_parser(&self) -> RowParser<'a> {
        RowParser::new(
            self.rs,
            self.cat,
            self.scenario.on,
            self.scenario.parties.is_some(),
        )
    }

    /// The output batch: the input columns and the added ones.
    pub fn output(
        &mut self,
        cols: &Columns,
        b: &RecordBatch,
        out_schema: &SchemaRef,
        summary: &mut Summary,
    ) -> Result<RecordBatch, arrow::error::ArrowError> {
        self.screened(cols, b, summary)?.batch(out_schema)
    }

    /// A batch screened, its output columns still to gather (see
    /// [`Screened::batch`], which another thread can do); counts its rows
    /// in the summary.
    pub fn screened(
        &mut self,
        cols: &Columns,
        b: &RecordBatch,
        summary: &mut Summary,
    ) -> Result<Screened, arrow::error::ArrowError> {
        let rows = self.rows(cols, b);
        self.screened_rows(b, rows, summary)
    }

    /// [`Screener::screened`] of a batch whose rows another thread parsed
    /// (with [`Screener::row_parser`], batch after batch, in order).
    pub fn screened_parsed(
        &mut self,
        b: &RecordBatch,
        parsed: ParsedBatch,
        summary: &mut Summary,
    ) -> Result<Screened, arrow::error::ArrowError> {
        self.external_names.extend(parsed.new_names);
        let rows = self.rows_parsed(parsed.rows.into_iter(), b.num_rows());
        self.screened_rows(b, rows, summary)
    }

    fn screened_rows(
        &mut self,
        b: &RecordBatch,
        (ids, values, money_errors): (Vec<u32>, Vec<Option<Decimal>>, Vec<Option<String>>),
        summary: &mut Summary,
    ) -> Result<Screened, arrow::error::ArrowError> {
        if self
            .gathered
            .as_ref()
            .is_none_or(|g| g.answers != self.answers.len())
        {
            self.gathered = Some(Arc::new(AnswerColumns::of(&self.answers, self.rs.hash())));
        }
        let a = &self.answers;
        let mut errors: Vec<Option<String>> = Vec::with_capacity(ids.len());
        for (row, &id) in ids.iter().enumerate() {
            let ans = a.get(id as usize);
            let err = match (
                ans.and_then(|x| x.error.clone()),
                money_errors.get(row).cloned().flatten(),
            ) {
                (Some(e), Some(m)) => Some(format!("{e}; {m}")),
                (e, m) => e.or(m),
            };
            let err = match (err, self.party.error(row)) {
                (Some(e), Some(p)) => Some(format!("{e}; {p}")),
                (e, p) => e.or_else(|| p.map(String::from)),
            };
            summary.rows += 1;
            if let Some(e) = &err {
                summary.rows_with_error += 1;
                let k = e.split(':').next().unwrap_or(e).to_string();
                *summary.errors.entry(k).or_default() += 1;
                // A row with an error is counted only as an error.
                errors.push(err);
                continue;
            }
            match ans.and_then(|x| x.status) {
                Some(LicenseStatus::Required) => summary.license_required += 1,
                Some(LicenseStatus::NotRequired) => summary.not_required += 1,
                Some(LicenseStatus::Undetermined) => summary.undetermined += 1,
                Some(LicenseStatus::OutsideCoverage) => summary.outside_coverage += 1,
                None => {}
            }
            if ans.and_then(|x| x.review_policy) == Some(ReviewPolicy::PresumptionOfDenial) {
                summary.presumption_of_denial += 1;
            }
            if ans.and_then(|x| x.revenue_share_percent).is_some() {
                summary.with_revenue_share += 1;
            }
            self.party.count(row, summary);
            errors.push(err);
        }
        let parties = self.party.columns(summary)?;
        Ok(Screened {
            input: b.clone(),
            ids,
            values,
            errors,
            parties,
            answers: self.gathered.clone().unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests;
