//! The screening memo: questions keyed by breakpoint interval and country
//! class, determined once (with the interval's plan for the chip), and their
//! answers shared by every question whose determination is the same.
//!
//! The buyer type is part of a question only when the plan of its chip in
//! its interval reads it; otherwise only whether one is given is (see
//! [`ItemPlan`]).

use std::str::FromStr;

use chipexport_domain::{Country, Date};
use chipexport_rules::classes::{CountryClasses, Role, Signature};
use chipexport_rules::engine::{Determination, Plan};
use chipexport_rules::facts::Fact;
use chipexport_rules::{ItemFacts, Provision, Question, RuleSet};
use rust_decimal::Decimal;

use super::parse::ParsedQuestion;
use super::{Map, Screener, SharedAnswer};

mod keys;
pub(super) use keys::{Keys, Packed};

/// A question as the memo keys it: chip, the classes of the destination,
/// headquarters and exporting country, buyer type, breakpoint interval,
/// party facts.
pub(super) type QuestionKey = (u16, Class, Class, Class, u8, u16, u32);

/// A row's question as the memo keys it, and the countries and date that
/// determine it when it is new.
#[derive(Clone, Copy)]
pub(super) struct Asked {
    pub(super) key: QuestionKey,
    countries: (Country, Country, Country),
    date: Date,
}

/// A country's class in one role and interval: its signature's number
/// (see [`IntervalClasses`]), or [`EXACT`] and the country's index.
pub(super) type Class = u32;

/// The bit of a class that stands for one country alone.
const EXACT: Class = 1 << 31;

/// A question to determine: its key, and the countries and date of the
/// first row that asked it (every date of the interval, and every country
/// of the classes, give the same answer).
pub(super) struct Miss {
    key: QuestionKey,
    countries: (Country, Country, Country),
    date: Date,
}

/// The country classes of one breakpoint interval, with each country's
/// class per role once asked for.
pub(super) struct IntervalClasses {
    plan: Plan,
    classes: CountryClasses,
    /// By [`Country::index`], the classes as destination, headquarters and
    /// exporting country; [`UNSET`] until asked for.
    table: Vec<[Class; 3]>,
    /// Per role, the signatures met so far: a class is the number of its
    /// signature.
    numbers: [Map<Signature, Class>; 3],
}

/// A class not computed yet.
const UNSET: Class = Class::MAX;

/// The class of one country alone.
fn exact(c: Country) -> Class {
    EXACT | Class::try_from(c.index()).unwrap_or(0)
}

impl IntervalClasses {
    fn class(&mut self, rs: &RuleSet, role: Role, c: Country) -> Class {
        let slot = self
            .table
            .get_mut(c.index())
            .and_then(|t| t.get_mut(role.index()));
        match slot {
            Some(class) if *class != UNSET => *class,
            Some(class) => {
                let sig = self.classes.signature(rs, role, c);
                *class = match self.numbers.get_mut(role.index()) {
                    Some(numbers) => {
                        let next = Class::try_from(numbers.len()).unwrap_or(EXACT);
                        *numbers.entry(sig).or_insert(next)
                    }
                    None => exact(c),
                };
                *class
            }
            None => exact(c),
        }
    }
}

/// The plan of one chip in one breakpoint interval: the interval's plan
/// without the rules that cannot fire for the chip (see
/// `chipexport_rules::partial`).
pub(super) struct ItemPlan {
    /// The plan, which determines the chip's questions in the interval.
    pub(super) plan: Plan,
    /// Whether a rule of the plan reads the buyer type. When none does,
    /// the buyer type changes no determination; whether one is given still
    /// tells questions apart, as answers are shared only by questions with
    /// the same facts not given.
    reads_buyer: bool,
}

impl ItemPlan {
    /// `reads_buyer`: per rule of the rule set, whether its predicate reads
    /// the buyer type.
    fn new(plan: Plan, reads_buyer: &[bool]) -> ItemPlan {
        ItemPlan {
            reads_buyer: plan
                .by_slot
                .iter()
                .flatten()
                .any(|&(ri, _)| reads_buyer.get(ri).copied().unwrap_or(true)),
            plan,
        }
    }
}

/// Per rule of `rs`, whether its predicate reads the buyer type.
pub(super) fn rules_reading_the_buyer(rs: &RuleSet) -> Vec<bool> {
    rs.rules()
        .iter()
        .map(|r| {
            let mut read = Vec::new();
            chipexport_rules::expr::facts_of(&r.predicate, &mut read);
            read.contains(&Fact::BuyerType)
        })
        .collect()
}

/// The bit of an answer id that marks it pending: the rest is the index
/// of the question in [`Screener::misses`]. Once the batch's questions are
/// determined, the memo holds their answer ids instead, so that a row whose
/// question was asked in an earlier batch needs one look-up only.
pub(super) const PENDING: u32 = 1 << 31;

/// Fewer new questions than this are determined on the calling thread.
pub(super) const PARALLEL_MIN: usize = 512;

/// Fewer new answers than this are explained on the calling thread (an
/// explanation takes some 30 µs).
const EXPLAIN_PARALLEL_MIN: usize = 64;

/// In `Screener::items_read_buyer`: the plan is not made yet.
const NO_PLAN: u8 = u8::MAX;

/// The index of (`interval`, `chip`) in [`Screener::items`], for a catalog
/// of `chips` entries: by interval, then chip.
fn item_slot(chips: usize, interval: u16, chip: u16) -> usize {
    usize::from(interval) * chips + usize::from(chip)
}

pub(super) fn bucket(breakpoints: &[Date], d: Date) -> u16 {
    u16::try_from(breakpoints.partition_point(|b| *b <= d)).unwrap_or(u16::MAX)
}

impl Screener<'_> {
    /// The answer id for one row's question, with the party facts of
    /// interned id `parties` (0: no party); a question not seen before is
    /// pending (see [`Screener::resolve`]).
    pub(super) fn lookup(&mut self, parsed: ParsedQuestion, parties: u32) -> u32 {
        match self.asked(parsed, parties) {
            Some(asked) => self.ask(&asked, Packed::of(asked.key)),
            None => u32::MAX,
        }
    }

    /// A row's question as the memo keys it, with the party facts of
    /// interned id `parties` (0: no party).
    pub(super) fn asked(&mut self, parsed: ParsedQuestion, parties: u32) -> Option<Asked> {
        let (chip, dest, hq, from, buyer, date, interval) = parsed;
        let (rs, mode) = (self.rs, self.scenario.mode);
        let i = usize::from(interval);
        if self.classes.len() <= i {
            self.classes.resize_with(i + 1, || None);
        }
        let slot = self.classes.get_mut(i)?;
        let t = slot.get_or_insert_with(|| {
            let plan = rs.plan(date, mode, &self.scenario.with_packs);
            IntervalClasses {
                classes: rs.country_classes(&plan, date),
                plan,
                table: vec![[UNSET; 3]; Country::INDEXES],
                numbers: Default::default(),
            }
        });
        let exact_dest = t.classes.reads_chart()
            && self.claims_eccn.get(usize::from(chip)).copied() == Some(true);
        // The chip's plan in the interval, made when a row first asks.
        let slot = item_slot(self.cat.entries.len(), interval, chip);
        if self.items.len() <= slot {
            self.items.resize_with(slot + 1, || None);
            self.items_read_buyer.resize(slot + 1, NO_PLAN);
        }
        let reads_buyer = match self.items_read_buyer.get(slot) {
            Some(&read) if read != NO_PLAN => read == 1,
            _ => match (
                self.items.get_mut(slot),
                self.cat.entries.get(usize::from(chip)),
            ) {
                (Some(item), Some(entry)) => {
                    let reading = &self.reads_buyer;
                    let read = item
                        .get_or_insert_with(|| {
                            let facts = ItemFacts::from_spec(&entry.spec, &entry.metrics);
                            ItemPlan::new(rs.item_plan(&t.plan, &facts, date, None), reading)
                        })
                        .reads_buyer;
                    if let Some(r) = self.items_read_buyer.get_mut(slot) {
                        *r = u8::from(read);
                    }
                    read
                }
                // A chip not in the catalog: its question is an error.
                _ => true,
            },
        };
        let key = (
            chip,
            if exact_dest {
                exact(dest)
            } else {
                t.class(rs, Role::Destination, dest)
            },
            t.class(rs, Role::EndUserHq, hq),
            t.class(rs, Role::ExportedFrom, from),
            // 0 is no buyer type, 1 the vocabulary's first.
            if reads_buyer {
                buyer
            } else {
                u8::from(buyer != 0)
            },
            interval,
            parties,
        );
        Some(Asked {
            key,
            countries: (dest, hq, from),
            date,
        })
    }

    /// The answer id of a question whose key packed is `packed`, if it was
    /// asked before (pending when in the batch being screened).
    pub(super) fn known(&self, packed: Packed) -> Option<u32> {
        self.keys.get(packed)
    }

    /// The answer id of a question (packed: `packed`): pending when not
    /// asked before.
    pub(super) fn ask(&mut self, asked: &Asked, packed: Packed) -> u32 {
        if let Some(id) = self.keys.get(packed) {
            return id;
        }
        let id = PENDING | u32::try_from(self.misses.len()).unwrap_or(0);
        self.keys.insert(packed, id);
        self.misses.push(Miss {
            key: asked.key,
            countries: asked.countries,
            date: asked.date,
        });
        id
    }

    /// The group membership bitmask of `c` in `interval` (of `date`).
    fn mask(&mut self, c: Country, interval: u16, date: Date) -> u8 {
        let rs = self.rs;
        *self
            .masks
            .entry((c, interval))
            .or_insert_with(|| rs.group_mask(c, date))
    }

    /// Determines the pending questions and gives each its answer; returns
    /// the answer id of each, by its index in the misses.
    pub(super) fn resolve(&mut self) -> Vec<u32> {
        let misses = std::mem::take(&mut self.misses);
        let mut ids = vec![u32::MAX; misses.len()];
        // What each determination reads besides the rule set, made once.
        let mut prepared: Vec<(usize, [u8; 4], usize)> = Vec::with_capacity(misses.len());
        for (mi, m) in misses.iter().enumerate() {
            let (chip, _, _, _, buyer, interval, parties) = m.key;
            let (dest, hq, from) = m.countries;
            let Some(entry) = self.cat.entries.get(usize::from(chip)) else {
                if let Some(slot) = ids.get_mut(mi) {
                    *slot = self.error_answer("chip: not in the catalog".into());
                }
                continue;
            };
            let masks = [
                self.mask(dest, interval, m.date),
                self.mask(hq, interval, m.date),
                self.mask(from, interval, m.date),
                match entry.spec.origin_country {
                    Some(c) => self.mask(c, interval, m.date),
                    None => 0,
                },
            ];
            let template = (chip, buyer, parties);
            if !self.templates.contains_key(&template) {
                let q = Question {
                    item: ItemFacts::from_spec(&entry.spec, &entry.metrics),
                    destination: dest,
                    end_user_hq: hq,
                    exported_from: from,
                    on: m.date,
                    buyer_type: usize::from(buyer)
                        .checked_sub(1)
                        .and_then(|i| self.rs.vocabulary().buyer_type_names().get(i))
                        .cloned(),
                    exporter_role: None,
                    subject_to_ear: None,
                    mode: self.scenario.mode,
                    with_packs: self.scenario.with_packs.clone(),
                    parties: self.party.facts(parties),
                    known_as_of: None,
                    min_confidence: None,
                };
                self.templates.insert(template, q);
            }
            // Questions whose determinations agree, and whose unknown facts
            // are the same (the explanation names them), share one answer.
            let unknown_key = (chip, dest, from, buyer, parties);
            let unknown = match self.unknown.get(&unknown_key) {
                Some(&u) => u,
                None => {
                    let Some(q) = self.templates.get(&template) else {
                        continue;
                    };
                    let mut facts = chipexport_rules::facts::Facts::new_masked(
                        &q.item,
                        dest,
                        hq,
                        from,
                        m.date,
                        q.buyer_type.as_deref(),
                        None,
                        masks,
                    );
                    facts.parties = &q.parties;
                    let u = Fact::ALL
                        .iter()
                        .enumerate()
                        .filter(|(_, f)| facts.get(**f) == chipexport_rules::facts::Value::Null)
                        .fold(0usize, |m, (i, _)| m | (1 << i));
                    self.unknown.insert(unknown_key, u);
                    u
                }
            };
            prepared.push((mi, masks, unknown));
        }
        // Grouped by question template, so that each thread fills in few.
        prepared.sort_by_key(|(mi, ..)| misses.get(*mi).map(|m| (m.key.0, m.key.4, m.key.6)));
        let (rs, templates, items) = (self.rs, &self.templates, &self.items);
        let chips = self.cat.entries.len();
        // Each half's signatures in one vector: `(miss, start, end)` of
        // each in it.
        type Sigs = (Vec<(usize, usize, usize)>, Vec<usize>);
        let determine = |part: &[(usize, [u8; 4], usize)]| -> Sigs {
            let mut out = Vec::with_capacity(part.len());
            let mut flat = Vec::with_capacity(part.len() * 8);
            let mut q: Option<((u16, u8, u32), Question)> = None;
            for &(mi, masks, unknown) in part {
                let Some(m) = misses.get(mi) else { continue };
                let (chip, _, _, _, buyer, interval, parties) = m.key;
                let (dest, hq, from) = m.countries;
                let template = (chip, buyer, parties);
                if q.as_ref().is_none_or(|(t, _)| *t != template) {
                    q = templates.get(&template).map(|t| (template, t.clone()));
                }
                let plan = items
                    .get(item_slot(chips, interval, chip))
                    .and_then(Option::as_ref)
                    .map(|i| &i.plan);
                let (Some((_, q)), Some(plan)) = (q.as_mut(), plan) else {
                    continue;
                };
                q.destination = dest;
                q.end_user_hq = hq;
                q.exported_from = from;
                q.on = m.date;
                let det: Determination<'_> = rs.determine_masked(q, plan, masks);
                let start = flat.len();
                flat.extend_from_slice(&det.fired);
                flat.push(usize::MAX);
                flat.extend_from_slice(&det.unknown);
                flat.push(usize::MAX);
                flat.push(match det.license_required {
                    Some(required) => usize::from(required),
                    None => det.outside_coverage.map_or(2, |at| 3 + at),
                });
                flat.push(unknown);
                out.push((mi, start, flat.len()));
            }
            (out, flat)
        };
        let halves: [Sigs; 2] = if prepared.len() < PARALLEL_MIN {
            [determine(&prepared), Default::default()]
        } else {
            let (a, b) = prepared.split_at(prepared.len() / 2);
            std::thread::scope(|sc| {
                let h = sc.spawn(|| determine(b));
                let first = determine(a);
                match h.join() {
                    Ok(second) => [first, second],
                    // A panic in the other half: its questions again here,
                    // so that the panic shows.
                    Err(_) => [first, determine(b)],
                }
            })
        };
        // Each miss's signature, by its index: answers are numbered in the
        // order the rows asked.
        let mut sig_of: Vec<Option<&[usize]>> = vec![None; misses.len()];
        for (spans, flat) in &halves {
            for &(mi, start, end) in spans {
                if let Some(slot) = sig_of.get_mut(mi) {
                    *slot = flat.get(start..end);
                }
            }
        }
        // The signatures met first in this batch, each with the first miss
        // that has it, explained on two threads when there are many.
        let mut fresh: Vec<(usize, &[usize])> = Vec::new();
        let mut fresh_index: Map<&[usize], usize> = Map::default();
        let mut fresh_of: Vec<Option<usize>> = vec![None; misses.len()];
        for (mi, sig) in sig_of.iter().enumerate() {
            let Some(sig) = *sig else { continue };
            if let Some(&id) = self.by_signature.get(sig) {
                if let Some(slot) = ids.get_mut(mi) {
                    *slot = id;
                }
                continue;
            }
            let next = fresh.len();
            let f = *fresh_index.entry(sig).or_insert(next);
            if f == next {
                fresh.push((mi, sig));
            }
            if let Some(slot) = fresh_of.get_mut(mi) {
                *slot = Some(f);
            }
        }
        let (rs, templates) = (self.rs, &self.templates);
        let explain = |part: &[(usize, &[usize])]| -> Vec<Option<SharedAnswer>> {
            part.iter()
                .map(|&(mi, _)| misses.get(mi).and_then(|m| answer_of(rs, templates, m)))
                .collect()
        };
        let explained: Vec<Option<SharedAnswer>> = if fresh.len() < EXPLAIN_PARALLEL_MIN {
            explain(&fresh)
        } else {
            let (a, b) = fresh.split_at(fresh.len() / 2);
            std::thread::scope(|sc| {
                let h = sc.spawn(|| explain(b));
                let mut first = explain(a);
                // A panic in the other half: its questions again here, so
                // that the panic shows.
                first.extend(h.join().unwrap_or_else(|_| explain(b)));
                first
            })
        };
        let mut fresh_ids = Vec::with_capacity(fresh.len());
        for ((_, sig), answer) in fresh.iter().zip(explained) {
            let id = match answer {
                Some(answer) => {
                    let id = u32::try_from(self.answers.len()).unwrap_or(u32::MAX);
                    self.answers.push(answer);
                    id
                }
                None => self.error_answer("chip: not in the catalog".into()),
            };
            self.by_signature.insert(sig.to_vec(), id);
            fresh_ids.push(id);
        }
        for (slot, f) in ids.iter_mut().zip(&fresh_of) {
            if let Some(&id) = f.and_then(|f| fresh_ids.get(f)) {
                *slot = id;
            }
        }
        for (m, &id) in misses.iter().zip(&ids) {
            if let Some(slot) = self.keys.get_mut(Packed::of(m.key)) {
                *slot = id;
            }
        }
        ids
    }
}

/// The answer of a question whose determination is new: `decide`'s
/// explanation, made into the answer's columns; `None` when its chip has no
/// question template (it is not in the catalog).
fn answer_of(
    rs: &RuleSet,
    templates: &Map<(u16, u8, u32), Question>,
    m: &Miss,
) -> Option<SharedAnswer> {
    let (chip, _, _, _, buyer, _, parties) = m.key;
    let (dest, hq, from) = m.countries;
    let mut q = templates.get(&(chip, buyer, parties))?.clone();
    q.destination = dest;
    q.end_user_hq = hq;
    q.exported_from = from;
    q.on = m.date;
    let d = rs.decide(&q);
    let kinds = |v: &[Provision]| {
        serde_json::to_string(&v.iter().map(|i| &i.terms).collect::<Vec<_>>()).unwrap_or_default()
    };
    // A `revenue_share` condition's `percent` is owed on the order's value;
    // other payments (an `import_duty` on the chip's customs value at entry
    // into the US) have another base, which the ledger does not hold.
    let share = d
        .conditions
        .iter()
        .filter(|c| c.terms.kind == "revenue_share")
        .filter_map(|c| c.terms.percent)
        .filter_map(|p| Decimal::from_str(&p.to_string()).ok())
        .max();
    let answer = SharedAnswer {
            status: Some(d.status),
            eccn: Some(d.eccn.clone()),
            license_required: d.license_required,
            license_exceptions: Some(serde_json::to_string(&d.license_exceptions).unwrap_or_default()),
            review_policy: d.review_policy,
            conditions: Some(kinds(&d.conditions)),
            measures: Some(serde_json::to_string(&d.measures.iter().map(|m| serde_json::json!({"jurisdiction": m.jurisdiction, "kind": m.kind(), "legal_form": m.legal_form, "confidence": m.confidence, "rule": m.rule})).collect::<Vec<_>>()).unwrap_or_default()),
            verdict: Some(d.verdict.clone()),
            rules_fired: Some(serde_json::to_string(&d.rules_fired()).unwrap_or_default()),
            revenue_share_percent: share,
            error: None,
        };
    Some(answer)
}

/// The answer id of a row: pending ids replaced by their question's.
pub(super) fn settle(id: u32, resolved: &[u32]) -> u32 {
    if id & PENDING == 0 {
        id
    } else {
        resolved
            .get((id & !PENDING) as usize)
            .copied()
            .unwrap_or(u32::MAX)
    }
}
