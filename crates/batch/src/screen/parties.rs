//! The parties of an order: the names in `customer`, `end_user` and
//! `consignee`, screened by the application layer ([`PartyScreen`]) and
//! turned into the party facts the rules read.
//!
//! Screening is memoised twice: one lookup per distinct name (the
//! application layer screens each name once), and one combination of facts
//! per distinct set of names and reviewers' decisions in force. A ledger of
//! millions of rows with a few thousand customers costs a few thousand
//! screenings.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, StringArray, UInt32Array};
use chipexport_domain::Date;
use chipexport_rules::facts::PartyFacts;
use serde::Serialize;

use super::{Columns, Screener, Summary};

/// The name columns screened, in the order their parties are reported:
/// the customer (the purchaser), the end user, the consignee.
pub const NAME_COLUMNS: [&str; 3] = ["customer", "end_user", "consignee"];

/// How many days a list may be older than an order before the summary says
/// so.
pub const STALE_DAYS: i64 = 7;

/// Screens the parties of orders; implemented by the application layer,
/// which owns the list, the matcher and the reviewers' decisions.
pub trait PartyScreen: Send + Sync + std::fmt::Debug {
    /// The date of the list in use: orders dated before it cannot be
    /// screened with it.
    fn list_date(&self) -> Date;
    /// The dates of the reviewers' decisions that can concern `name`: its
    /// screening changes only at them.
    fn review_dates(&self, name: &str) -> Vec<Date>;
    /// Screens the parties of an order (`(column, name)`, names trimmed and
    /// not empty) on `on`; an error is the row's (`column: reason`).
    fn screen(&self, parties: &[(&'static str, &str)], on: Date) -> Result<PartyOutcome, String>;
    /// How many distinct names have been screened so far.
    fn names_screened(&self) -> usize;
}

/// What screening an order's parties found.
#[derive(Debug, Clone, PartialEq)]
pub struct PartyOutcome {
    /// The facts the rules read.
    pub facts: PartyFacts,
    /// The `party_lists` cell: a JSON array of the list codes a party is on
    /// (a confident match, or one a reviewer confirmed).
    pub lists: String,
    /// The `party_matches` cell: a JSON array, per party with a match
    /// (parties that match nothing are left out), of its role, name,
    /// verdict and matches (with scores and reviewers' decisions).
    pub matches: String,
    /// A party is listed.
    pub listed: bool,
    /// A party possibly matches, and no reviewer has decided.
    pub possible: bool,
}

/// What screening the parties of a ledger found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PartySummary {
    /// The date of the list used.
    pub list_date: Option<Date>,
    /// Orders whose parties were screened (without an error).
    pub orders_screened: u64,
    /// Of those, orders with a listed party.
    pub with_listed_party: u64,
    /// Of those, orders with a possible match that needs review.
    pub with_possible_match: u64,
    /// Orders dated more than 7 days after the list.
    pub after_list_by_more_than_7_days: u64,
    /// Distinct names screened.
    pub distinct_names: usize,
    /// Said when orders are dated more than 7 days after the list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

impl PartySummary {
    /// Adds another worker's counts.
    pub fn add(&mut self, o: &PartySummary) {
        self.orders_screened += o.orders_screened;
        self.with_listed_party += o.with_listed_party;
        self.with_possible_match += o.with_possible_match;
        self.after_list_by_more_than_7_days += o.after_list_by_more_than_7_days;
    }

    /// Sets the warning from the counts.
    pub fn finish(&mut self, names: usize) {
        self.distinct_names = names;
        if let (Some(d), n @ 1..) = (self.list_date, self.after_list_by_more_than_7_days) {
            self.warning = Some(format!(
                "{n} orders are dated more than {STALE_DAYS} days after the screening list ({d}): import a newer list with `chipexport parties import`"
            ));
        }
    }
}

/// No party screened in this row.
const NONE: u32 = u32::MAX;

/// The parser number of rows parsed by a [`super::RowParser`] (the
/// screener's own parsers are 0 and 1).
pub(super) const EXTERNAL_PARSER: u8 = 2;

/// The memo of one worker.
#[derive(Debug, Default)]
pub(super) struct PartyMemo {
    /// Per distinct name: its id and the dates its screening changes.
    names: super::Map<String, (u32, Vec<Date>)>,
    /// Per id: the name and the dates its screening changes.
    name_of: Vec<(String, Vec<Date>)>,
    /// Per parsing thread: the memo's id of each name it parsed.
    local: [Vec<Option<u32>>; 3],
    /// Per (names, decisions in force): the outcome.
    combos: super::Map<([u32; 3], [u16; 3]), u32>,
    /// Per order date: whether it is more than [`STALE_DAYS`] after the
    /// list.
    stale_on: super::Map<Date, bool>,
    /// The last order date met, and whether it is stale (with `--on`,
    /// every row's date).
    last_on: Option<(Date, bool)>,
    /// The list's date, asked once.
    list_date: Option<Date>,
    outcomes: Vec<Result<PartyOutcome, String>>,
    /// The facts of each outcome, interned: `facts[0]` is no party.
    facts: Vec<PartyFacts>,
    outcome_facts: Vec<u32>,
    before_list: Option<u32>,
    /// The outcome of each row of the batch being screened.
    pub(super) rows: Vec<u32>,
    stale: u64,
}

impl PartyMemo {
    /// The facts of interned id `id`.
    pub(super) fn facts(&self, id: u32) -> PartyFacts {
        self.facts.get(id as usize).cloned().unwrap_or_default()
    }

    fn intern(&mut self, r: Result<PartyOutcome, String>) -> u32 {
        let fid = match &r {
            Ok(o) => match self.facts.iter().position(|f| *f == o.facts) {
                Some(i) => i,
                None => {
                    if self.facts.is_empty() {
                        self.facts.push(PartyFacts::default());
                    }
                    self.facts.push(o.facts.clone());
                    self.facts.len() - 1
                }
            },
            Err(_) => 0,
        };
        self.outcomes.push(r);
        self.outcome_facts.push(u32::try_from(fid).unwrap_or(0));
        u32::try_from(self.outcomes.len() - 1).unwrap_or(NONE)
    }

    fn outcome(&self, row: usize) -> Option<&Result<PartyOutcome, String>> {
        let id = *self.rows.get(row)?;
        self.outcomes.get(id as usize)
    }

    /// The party error of row `row`, if any.
    pub(super) fn error(&self, row: usize) -> Option<&str> {
        match self.outcome(row) {
            Some(Err(e)) => Some(e),
            _ => None,
        }
    }

    /// The interned facts id of outcome `id` (0 for none).
    pub(super) fn facts_id(&self, id: u32) -> u32 {
        self.outcome_facts.get(id as usize).copied().unwrap_or(0)
    }

    /// Counts row `row` (which has no error) in the summary.
    pub(super) fn count(&self, row: usize, s: &mut Summary) {
        let (Some(p), Some(Ok(o))) = (s.parties.as_mut(), self.outcome(row)) else {
            return;
        };
        p.orders_screened += 1;
        p.with_listed_party += u64::from(o.listed);
        p.with_possible_match += u64::from(o.possible && !o.listed);
    }

    /// The `party_lists` and `party_matches` columns of the batch; moves
    /// the stale count into the summary.
    pub(super) fn columns(
        &mut self,
        s: &mut Summary,
    ) -> Result<[ArrayRef; 2], arrow::error::ArrowError> {
        if let Some(p) = s.parties.as_mut() {
            p.after_list_by_more_than_7_days += std::mem::take(&mut self.stale);
        }
        let n = u32::try_from(self.outcomes.len()).unwrap_or(NONE);
        let idx = UInt32Array::from(
            self.rows
                .iter()
                .map(|&r| if r == NONE { n } else { r })
                .collect::<Vec<_>>(),
        );
        let col = |f: fn(&PartyOutcome) -> &str| {
            let vals: Vec<Option<&str>> = self
                .outcomes
                .iter()
                .map(|o| o.as_ref().ok().map(f))
                .chain([None])
                .collect();
            arrow::compute::take(&StringArray::from(vals), &idx, None)
        };
        Ok([col(|o| &o.lists)?, col(|o| &o.matches)?])
    }
}

/// A name cell: trimmed, and `None` when absent or empty.
pub(super) fn cell(a: Option<&StringArray>, i: usize) -> Option<&str> {
    a.filter(|a| a.is_valid(i))
        .map(|a| a.value(i).trim())
        .filter(|s| !s.is_empty())
}

impl Screener<'_> {
    /// The name columns of a batch.
    pub(super) fn name_columns<'b>(
        cols: &Columns,
        b: &'b arrow::array::RecordBatch,
    ) -> [Option<&'b StringArray>; 3] {
        NAME_COLUMNS.map(|n| cols.text(b, n))
    }

    /// The memo's ids of a row's names, given as the ids parser `parser`
    /// gave them (see [`super::Parser`]); a name not met before is added.
    pub(super) fn name_ids(&mut self, parser: usize, local: [Option<u32>; 3]) -> [Option<u32>; 3] {
        // Borrowed, not cloned: this runs for every row.
        let Some(ps) = self.scenario.parties.as_deref() else {
            return [None; 3];
        };
        let (memo, parsers, external) = (&mut self.party, &self.parsers, &self.external_names);
        local.map(|l| {
            let l = l? as usize;
            let known = memo.local.get(parser).and_then(|m| m.get(l)).copied();
            if let Some(Some(id)) = known {
                return Some(id);
            }
            let name = if parser == usize::from(EXTERNAL_PARSER) {
                external.get(l)?.as_str()
            } else {
                parsers.get(parser)?.name(l)?
            };
            let id = match memo.names.get(name) {
                Some(&(id, _)) => id,
                None => {
                    let id = u32::try_from(memo.name_of.len()).unwrap_or(NONE);
                    let dates = ps.review_dates(name);
                    memo.names.insert(name.to_string(), (id, dates.clone()));
                    memo.name_of.push((name.to_string(), dates));
                    id
                }
            };
            if let Some(m) = memo.local.get_mut(parser) {
                if m.len() <= l {
                    m.resize(l + 1, None);
                }
                if let Some(slot) = m.get_mut(l) {
                    *slot = Some(id);
                }
            }
            Some(id)
        })
    }

    /// Screens the parties of a row (its names' ids, see
    /// [`Screener::name_ids`]; once per distinct names and decisions) and
    /// records its outcome; returns the interned facts id the question's
    /// key takes (0: no party).
    pub(super) fn party_row(&mut self, names: [Option<u32>; 3], on: Option<Date>) -> u32 {
        let id = self.party_outcome(names, on);
        self.party.rows.push(id);
        if id == NONE {
            0
        } else {
            self.party.facts_id(id)
        }
    }

    /// `on`: the order's date (`--on`, or its ship date when that is
    /// given and valid; otherwise the row's error names its date and its
    /// parties wait).
    fn party_outcome(&mut self, names: [Option<u32>; 3], on: Option<Date>) -> u32 {
        // Borrowed, not cloned: this runs for every row.
        let Some(ps) = self.scenario.parties.as_deref() else {
            return NONE;
        };
        if names.iter().all(Option::is_none) {
            return NONE;
        }
        let Some(on) = on else {
            return NONE;
        };
        let memo = &mut self.party;
        let list_date = *memo.list_date.get_or_insert_with(|| ps.list_date());
        if on < list_date {
            return memo.before_list(list_date);
        }
        let stale = match memo.last_on {
            Some((d, s)) if d == on => s,
            _ => {
                let s = match memo.stale_on.get(&on) {
                    Some(&s) => s,
                    None => {
                        let s = i64::from((on - list_date).get_days()) > STALE_DAYS;
                        memo.stale_on.insert(on, s);
                        s
                    }
                };
                memo.last_on = Some((on, s));
                s
            }
        };
        if stale {
            memo.stale += 1;
        }
        let mut ids = [NONE; 3];
        let mut epochs = [0u16; 3];
        for (k, n) in names.iter().enumerate() {
            let Some(id) = n else { continue };
            let Some((_, dates)) = memo.name_of.get(*id as usize) else {
                continue;
            };
            if let (Some(slot), Some(e)) = (ids.get_mut(k), epochs.get_mut(k)) {
                *slot = *id;
                *e = u16::try_from(dates.partition_point(|d| *d <= on)).unwrap_or(u16::MAX);
            }
        }
        if let Some(&id) = memo.combos.get(&(ids, epochs)) {
            return id;
        }
        let name_of = &memo.name_of;
        let parties: Vec<(&'static str, &str)> = NAME_COLUMNS
            .iter()
            .zip(names)
            .filter_map(|(c, n)| {
                let (name, _) = name_of.get(n? as usize)?;
                Some((*c, name.as_str()))
            })
            .collect();
        let r = ps.screen(&parties, on);
        let id = memo.intern(r);
        memo.combos.insert((ids, epochs), id);
        id
    }
}

impl PartyMemo {
    /// The outcome of an order dated before the list.
    fn before_list(&mut self, list_date: Date) -> u32 {
        if let Some(id) = self.before_list {
            return id;
        }
        let id = self.intern(Err(format!(
            "parties: the screening list in use is dated {list_date}, after this order's date, so it cannot say who was listed then; screen with --on {list_date} or later, import the list of that time (`chipexport parties import`), or screen with --no-parties"
        )));
        self.before_list = Some(id);
        id
    }
}

/// Whether a screened file was screened with its parties: a `party_lists`
/// cell that is not null.
pub fn screened_with_parties(screened: &std::path::Path) -> Result<bool, crate::BatchError> {
    let r = crate::io::open(screened, 65_536)?;
    let Ok(i) = r.schema.index_of("party_lists") else {
        return Ok(false);
    };
    for b in r {
        let b = b?;
        if b.column(i).null_count() < b.num_rows() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A party screen for tests: names containing `LISTED` are on the Entity
/// List (policy of denial, footnote 1); names containing `MAYBE` possibly
/// match it; others are clear.
#[derive(Debug, Default)]
pub struct FakeParties {
    /// The list's date.
    pub list_date: Option<Date>,
    /// Names screened.
    pub screened: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl PartyScreen for FakeParties {
    fn list_date(&self) -> Date {
        self.list_date.unwrap_or(Date::constant(2026, 7, 31))
    }
    fn review_dates(&self, _: &str) -> Vec<Date> {
        Vec::new()
    }
    fn screen(&self, parties: &[(&'static str, &str)], _on: Date) -> Result<PartyOutcome, String> {
        let mut facts = PartyFacts {
            screened: true,
            entity_list: Some(false),
            meu: Some(false),
            uvl: Some(false),
            dpl: Some(false),
            sdn: Some(false),
            listed_owner_share: Some(0.0),
            ..PartyFacts::default()
        };
        let mut listed = false;
        let mut possible = false;
        for (col, n) in parties {
            if n.len() > 300 {
                return Err(format!("{col}: the name is longer than 300 characters"));
            }
            if let Ok(mut s) = self.screened.lock() {
                s.insert((*n).to_string());
            }
            listed |= n.contains("LISTED");
            possible |= n.contains("MAYBE");
        }
        if listed {
            facts.entity_list = Some(true);
            facts.fdp_footnote = Some(1.0);
            facts.entity_policy = Some("presumption_of_denial".into());
        } else if possible {
            facts.entity_list = None;
        }
        Ok(PartyOutcome {
            facts,
            lists: if listed { "[\"EL\"]" } else { "[]" }.into(),
            matches: "[]".into(),
            listed,
            possible,
        })
    }
    fn names_screened(&self) -> usize {
        self.screened.lock().map_or(0, |s| s.len())
    }
}

/// A shared party screen, as a [`super::Scenario`] holds it.
pub type SharedParties = Arc<dyn PartyScreen>;
