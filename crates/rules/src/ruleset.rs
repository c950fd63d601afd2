//! A rule set: every pack loaded, cross-checked and hashed.

use std::borrow::Cow;
use std::collections::HashMap;

use chipexport_domain::{CountryGroups, DataError, Date, Metrics, SourceFile, hex};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::coverage::Coverage;
use crate::engine::{self, Decision, Determination, Interval, Plan, Question, QuestionError};
use crate::pack::{Pack, Rule, Slot, Status};
use crate::vocabulary::Vocabulary;
use crate::{expr, sat};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_packs.rs"));
}

/// The rule packs shipped with chipexport: `(file name, text)`.
pub fn embedded_packs() -> &'static [(&'static str, &'static str)] {
    embedded::PACKS
}

/// How to treat instruments that are printed but not enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// What the government enforces (the default).
    #[default]
    Enforced,
    /// What the printed text says.
    AsWritten,
}

/// Errors found while loading rule packs. Each names file, line and key.
#[derive(Debug)]
pub struct LoadErrors(pub Vec<DataError>);

/// All packs in force or available, with indexes for fast decisions.
///
/// Every `impl RuleSet` of the crate is in this module; the work is done by
/// the modules named in each method's documentation.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub(crate) packs: Vec<Pack>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) groups: CountryGroups,
    pub(crate) vocabulary: Vocabulary,
    /// What the packs encode and the known gaps (`None`: no coverage file
    /// was given, and no question is outside coverage).
    pub(crate) coverage: Option<Coverage>,
    /// Rule indexes per slot, in `Slot::ORDER`.
    pub(crate) by_slot: Vec<Vec<usize>>,
    /// For each rule, the rules it overrides.
    pub(crate) overrides: Vec<Vec<usize>>,
    /// For each rule, the countries its predicate requires (apart from the
    /// rules, whose structs are large: the engine tests every guard of a
    /// plan).
    pub(crate) guards: Vec<crate::guard::Guard>,
    /// For each rule, its predicate compiled (see [`crate::compiled`]).
    pub(crate) compiled: Vec<crate::compiled::Compiled>,
    /// For each rule, the texts explanations print that do not depend on
    /// the question (see [`crate::texts`]).
    pub(crate) texts: Vec<crate::texts::RuleTexts>,
    pub(crate) index: HashMap<String, usize>,
    pub(crate) pack_index: HashMap<String, usize>,
    /// SHA-256 of every pack's text, of the vocabulary and of the
    /// country-group data.
    pub(crate) hash: String,
    pub(crate) id: String,
    /// Sorted breakpoints (see [`RuleSet::breakpoints`]).
    pub(crate) breaks: Vec<Date>,
    /// The plan of every breakpoint interval without bills, per mode:
    /// `plans[interval * 2 + mode]`, built when the packs load.
    plans: Vec<Plan>,
}

/// The index of a mode in [`RuleSet::plans`].
fn mode_index(mode: Mode) -> usize {
    match mode {
        Mode::Enforced => 0,
        Mode::AsWritten => 1,
    }
}

impl RuleSet {
    /// The packs, vocabulary and country groups shipped with chipexport.
    pub fn embedded() -> Result<RuleSet, LoadErrors> {
        RuleSet::with_extra(Vec::new())
    }

    /// The embedded packs plus extra pack files (a user's own or
    /// hypothetical instruments).
    pub fn with_extra(extra: Vec<SourceFile>) -> Result<RuleSet, LoadErrors> {
        let groups = CountryGroups::embedded().map_err(|e| LoadErrors(vec![*e]))?;
        let vocabulary = Vocabulary::embedded().map_err(|e| LoadErrors(vec![*e]))?;
        let mut files: Vec<SourceFile> = embedded_packs()
            .iter()
            .map(|(n, t)| SourceFile::new(*n, *t))
            .collect();
        files.extend(extra);
        let coverage = Coverage::embedded().map_err(|e| LoadErrors(vec![*e]))?;
        let mut rs = RuleSet::load(
            files,
            vocabulary,
            groups,
            chipexport_domain::groups::EMBEDDED,
        )?;
        rs.set_coverage(coverage);
        Ok(rs)
    }

    /// Sets what the packs encode and the known gaps; the coverage file's
    /// text is folded into the rule set's hash (it changes answers).
    pub fn set_coverage(&mut self, coverage: Coverage) {
        let mut h = Sha256::new();
        h.update(self.hash.as_bytes());
        h.update([0]);
        h.update(coverage.source_text().as_bytes());
        self.hash = hex(&h.finalize());
        self.id = format!(
            "chipexport-{}-{}",
            env!("CARGO_PKG_VERSION"),
            self.hash.get(..12).unwrap_or("")
        );
        self.coverage = Some(coverage);
        // A gap's first day changes answers too.
        self.set_breakpoints();
    }

    /// What the packs encode and the known gaps, if a coverage file was
    /// given.
    pub fn coverage(&self) -> Option<&Coverage> {
        self.coverage.as_ref()
    }

    /// Loads packs against a vocabulary, checks references, proves that no
    /// two rules of a single-valued slot can disagree without a priority
    /// between them, and plans every breakpoint interval.
    pub fn load(
        files: Vec<SourceFile>,
        vocabulary: Vocabulary,
        groups: CountryGroups,
        groups_text: &str,
    ) -> Result<RuleSet, LoadErrors> {
        let mut errors = Vec::new();
        let mut packs: Vec<Pack> = Vec::new();
        for f in &files {
            match Pack::parse(f, &vocabulary) {
                Ok(p) => {
                    if let Some(other) = packs.iter().find(|o| o.meta.id == p.meta.id) {
                        errors.push(
                            f.error_at(
                                &["pack", "id"],
                                format!("pack id `{}` is also used by {}", p.meta.id, other.file),
                                None,
                            )
                            .in_rules(),
                        );
                    } else {
                        packs.push(p);
                    }
                }
                Err(es) => errors.extend(es),
            }
        }
        packs.sort_by(|a, b| (a.meta.effective, &a.meta.id).cmp(&(b.meta.effective, &b.meta.id)));
        let rules: Vec<Rule> = packs
            .iter()
            .enumerate()
            .flat_map(|(pi, p)| {
                p.rules.iter().cloned().map(move |mut r| {
                    r.pack_idx = pi;
                    engine::numeric_atoms(&r.predicate, &mut r.thresholds);
                    r.atom_tests = expr::atom_tests(&r.predicate);
                    r
                })
            })
            .collect();
        let index: HashMap<String, usize> = rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        let pack_index: HashMap<String, usize> = packs
            .iter()
            .enumerate()
            .map(|(i, p)| (p.meta.id.clone(), i))
            .collect();
        let file_of = |r: &Rule| -> Option<SourceFile> {
            packs
                .iter()
                .find(|p| p.meta.id == r.pack)
                .map(|p| SourceFile::new(p.file.clone(), p.source.clone()))
        };
        let rule_pos = |r: &Rule| -> Vec<String> {
            let pack = packs.iter().find(|p| p.meta.id == r.pack);
            let i = pack
                .and_then(|p| p.rules.iter().position(|x| x.id == r.id))
                .unwrap_or(0);
            vec!["rule".to_string(), i.to_string()]
        };

        let mut overrides = vec![Vec::new(); rules.len()];
        for (i, r) in rules.iter().enumerate() {
            for o in &r.overrides {
                match index.get(o) {
                    Some(&j) if rules.get(j).is_some_and(|t| t.slot == r.slot) => {
                        if let Some(v) = overrides.get_mut(i) {
                            v.push(j);
                        }
                    }
                    found => {
                        if let Some(f) = file_of(r) {
                            let mut path = rule_pos(r);
                            path.push("overrides".into());
                            let p: Vec<&str> = path.iter().map(String::as_str).collect();
                            let msg = if found.is_some() {
                                format!(
                                    "rule `{}` overrides `{o}`, which decides another slot",
                                    r.id
                                )
                            } else {
                                format!("rule `{}` overrides `{o}`, which does not exist", r.id)
                            };
                            let help = chipexport_domain::diag::did_you_mean(
                                o,
                                index.keys().map(String::as_str),
                            )
                            .map(|s| format!("did you mean `{s}`?"));
                            errors.push(f.error_at(&p, msg, help).in_rules());
                        }
                    }
                }
            }
            if let Some(e) = &r.ended_by
                && !pack_index.contains_key(e)
                && let Some(f) = file_of(r)
            {
                let mut path = rule_pos(r);
                path.push("ended_by".into());
                let p: Vec<&str> = path.iter().map(String::as_str).collect();
                errors.push(
                    f.error_at(
                        &p,
                        format!("rule `{}` is ended by `{e}`, which is not a pack", r.id),
                        None,
                    )
                    .in_rules(),
                );
            }
        }

        // The conflict check.
        let end = |r: &Rule| -> Option<Date> {
            let pack_until = packs
                .iter()
                .find(|p| p.meta.id == r.pack)
                .and_then(|p| p.meta.until);
            match (r.until, pack_until) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        };
        let overlaps_in_time = |a: &Rule, b: &Rule| -> bool {
            let (ea, eb) = (end(a), end(b));
            ea.is_none_or(|e| b.from < e) && eb.is_none_or(|e| a.from < e)
        };
        let is_bill = |r: &Rule| {
            packs
                .iter()
                .any(|p| p.meta.id == r.pack && p.meta.status == Status::Proposed)
        };
        for slot in Slot::ORDER.into_iter().filter(|s| s.single()) {
            let in_slot: Vec<usize> = (0..rules.len())
                .filter(|&i| rules.get(i).is_some_and(|r| r.slot == slot))
                .collect();
            for (n, &i) in in_slot.iter().enumerate() {
                for &j in in_slot.iter().skip(n + 1) {
                    let (Some(a), Some(b)) = (rules.get(i), rules.get(j)) else {
                        continue;
                    };
                    if a.then == b.then || !overlaps_in_time(a, b) {
                        continue;
                    }
                    // Two bills from different packs are alternatives, never chosen together.
                    if is_bill(a) && is_bill(b) && a.pack != b.pack {
                        continue;
                    }
                    let prio = overrides.get(i).is_some_and(|v| v.contains(&j))
                        || overrides.get(j).is_some_and(|v| v.contains(&i));
                    if prio {
                        continue;
                    }
                    if let Some(witness) =
                        sat::overlap_with(&a.predicate, &b.predicate, Some(&groups))
                        && let Some(f) = file_of(b)
                    {
                        let mut path = rule_pos(b);
                        path.push("when".into());
                        let p: Vec<&str> = path.iter().map(String::as_str).collect();
                        errors.push(
                                f.error_at(
                                    &p,
                                    format!("rules `{}` and `{}` can both apply and disagree on {}", a.id, b.id, slot.as_str()),
                                    Some(format!(
                                        "both apply when {witness}; make one an exception to the other with `overrides = [\"{}\"]`, or narrow a predicate",
                                        a.id
                                    )),
                                )
                                .in_rules(),
                            );
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(LoadErrors(errors));
        }

        let mut by_slot = vec![Vec::new(); Slot::ORDER.len()];
        for (i, r) in rules.iter().enumerate() {
            if let Some(pos) = Slot::ORDER.iter().position(|s| *s == r.slot)
                && let Some(v) = by_slot.get_mut(pos)
            {
                v.push(i);
            }
        }
        let mut sorted: Vec<&SourceFile> = files.iter().collect();
        sorted.sort_by(|a, b| a.name.cmp(&b.name));
        let mut h = Sha256::new();
        for f in sorted {
            h.update(f.name.as_bytes());
            h.update([0]);
            h.update(f.text.as_bytes());
            h.update([0]);
        }
        h.update(vocabulary.source_name().as_bytes());
        h.update([0]);
        h.update(vocabulary.source_text().as_bytes());
        h.update([0]);
        h.update(groups_text.as_bytes());
        // The chart and CCL data decide `chart_licence`: they are rules too.
        h.update([0]);
        h.update(crate::country_chart::CHART_JSON.as_bytes());
        h.update([0]);
        h.update(crate::country_chart::CCL_TOML.as_bytes());
        let hash = hex(&h.finalize());
        let id = format!(
            "chipexport-{}-{}",
            env!("CARGO_PKG_VERSION"),
            hash.get(..12).unwrap_or("")
        );
        let guards = rules
            .iter()
            .map(|r| crate::guard::Guard::of(&r.predicate))
            .collect();
        let compiled = rules
            .iter()
            .map(|r| crate::compiled::Compiled::of(&r.predicate))
            .collect();
        let texts = rules
            .iter()
            .map(|r| crate::texts::RuleTexts::of(packs.get(r.pack_idx), r))
            .collect();
        let mut rs = RuleSet {
            packs,
            rules,
            groups,
            vocabulary,
            coverage: None,
            by_slot,
            overrides,
            guards,
            compiled,
            texts,
            index,
            pack_index,
            hash,
            id,
            breaks: Vec::new(),
            plans: Vec::new(),
        };
        rs.set_breakpoints();
        Ok(rs)
    }

    /// Computes the breakpoints, and one plan per interval and mode:
    /// interval 0 is before the first breakpoint, interval k starts at
    /// breakpoint k - 1.
    fn set_breakpoints(&mut self) {
        self.breaks = self.compute_breakpoints();
        let starts: Vec<Date> = std::iter::once(Date::MIN)
            .chain(self.breaks.iter().copied())
            .collect();
        let mut plans = Vec::with_capacity(starts.len() * 2);
        for &start in &starts {
            for mode in [Mode::Enforced, Mode::AsWritten] {
                plans.push(engine::plan(self, start, mode, &[]));
            }
        }
        self.plans = plans;
    }

    /// The plan for a date: built when the packs loaded when no bill is
    /// chosen, else made now.
    pub fn plan_for(&self, on: Date, mode: Mode, chosen: &[String]) -> Cow<'_, Plan> {
        if chosen.is_empty() {
            let interval = self.interval_of(on);
            if let Some(p) = self.plans.get(interval * 2 + mode_index(mode)) {
                return Cow::Borrowed(p);
            }
        }
        Cow::Owned(engine::plan(self, on, mode, chosen))
    }

    /// The rules to evaluate on a date, per slot: `(rule, in_force)`, where
    /// `in_force` is false for a rule that applies as written but is not
    /// enforced (listed only in enforced mode, to report it). A plan holds
    /// for every date between two consecutive breakpoints; prefer
    /// [`RuleSet::plan_for`], which reuses the plans built at load.
    pub fn plan(&self, on: Date, mode: Mode, chosen: &[String]) -> Plan {
        engine::plan(self, on, mode, chosen)
    }

    /// Determines the outcome of a question (see [`crate::engine`]). Pure:
    /// no clock is read, and no lock is taken.
    pub fn determine(&self, q: &Question) -> Determination<'_> {
        engine::determine(self, q)
    }

    /// Determines a question with a plan made for its date.
    pub fn determine_with(&self, q: &Question, plan: &Plan) -> Determination<'_> {
        engine::determine_with(self, q, plan)
    }

    /// [`RuleSet::determine_with`] with the group membership bitmasks of
    /// the question's countries on its date given (destination, end
    /// user's headquarters, exporting country, item's origin country or 0;
    /// see [`RuleSet::group_mask`]): the same determination, without
    /// looking the groups up again.
    pub fn determine_masked(&self, q: &Question, plan: &Plan, masks: [u8; 4]) -> Determination<'_> {
        engine::determine_with_facts(self, q, plan, engine::facts_masked(q, masks))
    }

    /// The group membership bitmask of a country on a date, as
    /// [`RuleSet::determine_masked`] takes it.
    pub fn group_mask(&self, c: chipexport_domain::Country, on: Date) -> u8 {
        crate::facts::group_mask(&self.groups, c, on)
    }

    /// Decides a question and explains the decision. Pure: the same
    /// question and rule set always give the same answer.
    pub fn decide(&self, q: &Question) -> Decision {
        engine::decide(self, q)
    }

    /// The intervals over which the answer to a question stays the same,
    /// from `since` on.
    pub fn timeline(&self, q: &Question, since: Date, metrics: Option<&Metrics>) -> Vec<Interval> {
        engine::timeline(self, q, since, metrics)
    }

    /// What changes on a date: instruments starting, ending or changing
    /// enforcement, and country-group changes.
    pub fn opened_on(&self, d: Date) -> Vec<String> {
        engine::opened_on(self, d)
    }

    /// The classification map on `on` for `destination` under `a` (see
    /// [`crate::chart`]).
    pub fn region_map(
        &self,
        destination: chipexport_domain::Country,
        on: Date,
        a: &crate::chart::Assumptions,
    ) -> crate::chart::Map {
        crate::chart::region_map(self, destination, on, a)
    }

    /// Checks a question's words against the rule set: its buyer type and
    /// exporter role against the vocabulary (naming the closest word), and
    /// that its bills are packs.
    pub fn validate(&self, q: &Question) -> Result<(), QuestionError> {
        engine::validate(self, q)
    }

    /// The vocabulary the packs were checked against.
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    /// A rule by id (`pack#rule`).
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.index.get(id).and_then(|&i| self.rules.get(i))
    }

    /// The index of a rule in [`RuleSet::rules`], as determinations name
    /// rules.
    pub fn rule_index(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// Rule indexes per slot, in [`Slot::ORDER`].
    pub fn rules_by_slot(&self) -> &[Vec<usize>] {
        &self.by_slot
    }

    /// The indexes of the rules a rule overrides.
    pub fn overridden_by(&self, rule: usize) -> &[usize] {
        self.overrides.get(rule).map_or(&[], Vec::as_slice)
    }

    /// Every pack, sorted by effective date then id.
    pub fn packs(&self) -> &[Pack] {
        &self.packs
    }

    /// Every rule of every pack.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The dated country groups the rules read.
    pub fn groups(&self) -> &CountryGroups {
        &self.groups
    }

    /// SHA-256 of every pack's text and of the reference data.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The rule set's short id (date of its newest pack and a hash prefix).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The rule set an answer used: its id and hash.
    pub fn reference(&self) -> crate::engine::RuleSetRef {
        crate::engine::RuleSetRef {
            id: self.id.clone(),
            hash: self.hash.clone(),
        }
    }

    /// A pack by id.
    pub fn pack(&self, id: &str) -> Option<&Pack> {
        self.pack_index.get(id).and_then(|&i| self.packs.get(i))
    }

    /// The pack a rule belongs to.
    pub fn pack_of(&self, r: &Rule) -> Option<&Pack> {
        // The rule set's rules know their pack's index; a pack's own copy
        // of a rule does not.
        if self.rules.as_ptr_range().contains(&std::ptr::from_ref(r)) {
            return self.packs.get(r.pack_idx);
        }
        self.packs
            .get(r.pack_idx)
            .filter(|p| p.meta.id == r.pack)
            .or_else(|| self.pack(&r.pack))
    }

    /// Whether a rule applies on a date in a mode, with the chosen bills.
    pub fn in_force(&self, r: &Rule, date: Date, mode: Mode, chosen: &[String]) -> bool {
        self.in_force_known(r, date, date, mode, chosen)
    }

    /// Whether a rule applies on `date` as it was known on `known_as_of`:
    /// a rule whose content became public after `known_as_of` is not used
    /// (answers for a date use only what was public then, unless hindsight
    /// is asked for).
    pub fn in_force_known(
        &self,
        r: &Rule,
        date: Date,
        known_as_of: Date,
        mode: Mode,
        chosen: &[String],
    ) -> bool {
        if r.known > known_as_of {
            return false;
        }
        let Some(p) = self.pack_of(r) else {
            return false;
        };
        if p.meta.status == Status::Proposed && !chosen.iter().any(|c| c == &p.meta.id) {
            return false;
        }
        let start = r.from.max(p.meta.effective);
        let open = date >= start
            && r.until.is_none_or(|u| date < u)
            && p.meta.until.is_none_or(|u| date < u);
        open && (mode == Mode::AsWritten || p.enforced_on(date))
    }

    /// Packs in force on a date (enforced or not), for `rules list --on`.
    pub fn packs_on(&self, date: Date, chosen: &[String]) -> Vec<&Pack> {
        self.packs
            .iter()
            .filter(|p| {
                (p.meta.status == Status::InForce || chosen.contains(&p.meta.id))
                    && p.meta.effective <= date
                    && p.meta.until.is_none_or(|u| date < u)
            })
            .collect()
    }

    /// Every date on which some answer may change, sorted: pack and rule
    /// starts and ends, enforcement changes, country-group changes, and the
    /// date literals of predicates. Between two consecutive breakpoints
    /// every answer is constant, which timelines and batch screening rely
    /// on. Computed when the packs load.
    pub fn breakpoints(&self) -> &[Date] {
        &self.breaks
    }

    /// True when rule `id` reads the question's date itself (`date < DATE
    /// '...'`), so that its evidence quotes the date: of two dates in one
    /// breakpoint interval, the answers are the same but such evidence is
    /// not.
    pub fn reads_the_date(&self, id: &str) -> bool {
        self.rule(id).is_some_and(|r| {
            let mut facts = Vec::new();
            crate::expr::facts_of(&r.predicate, &mut facts);
            facts.contains(&crate::facts::Fact::OnDate)
        })
    }

    /// The breakpoint interval of a date: 0 before the first breakpoint, k
    /// from breakpoint k - 1 (inclusive) to breakpoint k. Every answer is
    /// the same for dates of one interval.
    pub fn interval_of(&self, date: Date) -> usize {
        self.breaks.partition_point(|b| *b <= date)
    }

    fn compute_breakpoints(&self) -> Vec<Date> {
        let mut v: Vec<Date> = Vec::new();
        for p in &self.packs {
            v.push(p.meta.effective);
            v.extend(p.meta.until);
            for e in &p.meta.enforcement {
                v.push(e.from);
                v.extend(e.until);
            }
            // From the day after an open end, the instrument's state is
            // unknown.
            v.extend(p.open_end().and_then(|o| o.after.tomorrow().ok()));
        }
        for r in &self.rules {
            v.push(r.from);
            v.push(r.known);
            v.extend(r.until);
            // A predicate that compares the date itself changes its answer at
            // the literal (or the day after, for <= and >).
            let mut lits = Vec::new();
            date_literals(&r.predicate, &mut lits);
            for d in lits {
                v.push(d);
                v.extend(d.tomorrow().ok());
            }
        }
        v.extend(self.groups.change_dates());
        if let Some(c) = &self.coverage {
            v.extend(c.change_dates());
        }
        v.sort();
        v.dedup();
        v
    }
}

fn date_literals(e: &crate::expr::Expr, out: &mut Vec<Date>) {
    use crate::expr::{Expr, Lit};
    match e {
        Expr::Lit(Lit::Date(d)) => out.push(*d),
        Expr::In { list, .. } => out.extend(
            list.iter()
                .filter_map(|l| if let Lit::Date(d) = l { Some(*d) } else { None }),
        ),
        Expr::Not(x) | Expr::Neg(x) | Expr::IsNull { expr: x, .. } => date_literals(x, out),
        Expr::And(a, b) | Expr::Or(a, b) | Expr::Cmp(_, a, b) | Expr::Arith(_, a, b) => {
            date_literals(a, out);
            date_literals(b, out);
        }
        _ => {}
    }
}

impl std::fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for e in &self.0 {
            writeln!(f, "{}: {}", e.location(), e.message)?;
        }
        Ok(())
    }
}
