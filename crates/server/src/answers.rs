//! Answers to item questions, kept: a check that names no party and no
//! owner is a function of the rules and the catalog (fixed for the life of
//! the service), the request and its date. Answers change only at the rule
//! set's breakpoints, so the service decides such a question once per
//! breakpoint interval and keeps the decision with its JSON. The same
//! question on the same date is answered with the kept JSON; on another
//! date of the interval, with the kept decision redated
//! ([`chipexport::check::Checked::redated`]), unless its explanation quotes
//! the date, when it is decided anew. Every answer is logged as any other.
//!
//! Checks that name parties or owners are never kept: screening uses the
//! reviewers' decisions in the log, which change while the service runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use chipexport::check::Checked;
use chipexport::{CheckRequest, Date, RuleSet};

/// How many answers are kept; past it, each new answer takes the place of
/// an arbitrary kept one.
pub const CAPACITY: usize = 4096;

/// A decided question: the decision (for the log entry), the answer's
/// JSON (the reply's body), and whether its explanation quotes the date.
#[derive(Debug)]
pub struct Answer {
    /// The decision.
    pub checked: Checked,
    /// `checked.answer()` as JSON.
    pub body: Bytes,
    /// `checked.quotes_the_date(..)`, tested once: such a decision is not
    /// redated.
    pub quotes_the_date: bool,
}

impl Answer {
    /// The answer to `checked`, its JSON made.
    pub fn of(checked: Checked, rs: &RuleSet) -> Result<Answer, serde_json::Error> {
        let quotes = checked.quotes_the_date(rs);
        Answer::with(checked, quotes)
    }

    fn with(checked: Checked, quotes_the_date: bool) -> Result<Answer, serde_json::Error> {
        let body = serde_json::to_vec(&checked.answer())?;
        Ok(Answer {
            checked,
            body: body.into(),
            quotes_the_date,
        })
    }
}

/// The answers kept, by question.
#[derive(Debug)]
pub struct Answers {
    map: Mutex<HashMap<String, Arc<Answer>>>,
    capacity: usize,
}

impl Default for Answers {
    fn default() -> Answers {
        Answers::new(CAPACITY)
    }
}

impl Answers {
    /// An empty store keeping up to `capacity` answers (0: none).
    #[must_use]
    pub fn new(capacity: usize) -> Answers {
        Answers {
            map: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    /// The key of a request answered on `today`, and the date it asks
    /// about: the request without its annotation (reviewer, order reference
    /// and note are logged, and do not change the answer) and its date,
    /// with the breakpoint interval of that date. `None` for a request that
    /// names a party or an owner, whose answer is not kept, and for one
    /// whose date is not a date (deciding it reports the error).
    #[must_use]
    pub fn key(req: &CheckRequest, today: Date, rs: &RuleSet) -> Option<(String, Date)> {
        if !req.ask.parties().is_empty() || !req.ask.owners.is_empty() {
            return None;
        }
        let on = req.ask.date(today).ok()?;
        let mut bare = CheckRequest {
            annotation: chipexport::logged::Annotation::default(),
            ..req.clone()
        };
        bare.ask.on = None;
        let key = serde_json::to_string(&(bare, rs.interval_of(on))).ok()?;
        Some((key, on))
    }

    /// The answer to a question on `on` from the one kept for its
    /// interval: the kept answer itself when it was decided on `on`, else
    /// the kept decision redated; `None` when the kept decision's
    /// explanation quotes its date (the question must be decided anew).
    pub fn answer_on(kept: &Arc<Answer>, on: Date) -> Option<Arc<Answer>> {
        if kept.checked.resolved.question.on == on {
            return Some(Arc::clone(kept));
        }
        if kept.quotes_the_date {
            return None;
        }
        Answer::with(kept.checked.redated(on), false)
            .ok()
            .map(Arc::new)
    }

    /// The answer kept under `key`.
    pub fn get(&self, key: &str) -> Option<Arc<Answer>> {
        self.map.lock().ok()?.get(key).cloned()
    }

    /// Keeps `answer` under `key`. When the store is full, an arbitrary
    /// kept answer (the first in the map's order, which follows the keys'
    /// random hashes) makes room: of questions asked more often than the
    /// store holds, a fixed share stays kept, where emptying the store
    /// would keep half as many on average.
    pub fn put(&self, key: String, answer: Arc<Answer>) {
        if self.capacity == 0 {
            return;
        }
        let evicted = match self.map.lock() {
            Ok(mut m) => {
                let evicted = if m.len() >= self.capacity && !m.contains_key(&key) {
                    let first = m.keys().next().cloned();
                    first.and_then(|k| m.remove(&k))
                } else {
                    None
                };
                m.insert(key, answer);
                evicted
            }
            Err(_) => None,
        };
        // Dropped after the lock is released.
        drop(evicted);
    }

    /// How many answers are kept.
    pub fn len(&self) -> usize {
        self.map.lock().map_or(0, |m| m.len())
    }

    /// True when none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> RuleSet {
        RuleSet::embedded().unwrap_or_else(|e| unreachable!("{e}"))
    }

    fn req(json: &str) -> CheckRequest {
        serde_json::from_str(json).unwrap_or_else(|e| unreachable!("{e}"))
    }

    fn date(y: i16, m: i8, d: i8) -> Date {
        Date::constant(y, m, d)
    }

    #[test]
    fn the_key_ignores_the_annotation_and_the_day_within_an_interval() {
        let rs = rules();
        let today = date(2026, 11, 29);
        let key = |j: &str, today: Date| Answers::key(&req(j), today, &rs).map(|k| k.0);
        let a = key(r#"{"chip": "H20", "to": "CN"}"#, today);
        assert!(a.is_some());
        assert_eq!(
            a,
            key(
                r#"{"chip": "H20", "to": "CN", "reviewer": "ana", "order_ref": "PO-1", "note": "n"}"#,
                today
            )
        );
        assert_eq!(
            a,
            key(r#"{"chip": "H20", "to": "CN", "on": "2026-11-29"}"#, today)
        );
        assert_ne!(a, key(r#"{"chip": "H20", "to": "SG"}"#, today));
        assert_ne!(
            a,
            key(r#"{"chip": "H20", "to": "CN", "context": true}"#, today)
        );
        // Two days of one interval share a key; a breakpoint separates them.
        let b = rs.breakpoints()[rs.breakpoints().len() / 2];
        let (before, after) = (
            b.yesterday().unwrap_or_else(|e| unreachable!("{e}")),
            b.tomorrow().unwrap_or_else(|e| unreachable!("{e}")),
        );
        let on = |d: Date| {
            key(
                &format!(r#"{{"chip": "H20", "to": "CN", "on": "{d}"}}"#),
                today,
            )
        };
        if rs.interval_of(after) == rs.interval_of(b) {
            assert_eq!(on(b), on(after));
        }
        assert_ne!(on(before), on(b));
        assert_eq!(
            Answers::key(
                &req(r#"{"chip": "H20", "to": "CN", "on": "2026-02-30"}"#),
                today,
                &rs
            ),
            None
        );
    }

    #[test]
    fn a_full_store_makes_room_for_one_answer_at_a_time() {
        let app = chipexport::App::embedded().unwrap_or_else(|e| unreachable!("{e}"));
        let checked = app
            .check(
                &req(r#"{"chip": "H20", "to": "CN", "on": "2025-09-15"}"#),
                date(2026, 11, 29),
            )
            .unwrap_or_else(|e| unreachable!("{e}"));
        let answer =
            Arc::new(Answer::of(checked, app.rules()).unwrap_or_else(|e| unreachable!("{e}")));
        let store = Answers::new(3);
        for k in ["a", "b", "c"] {
            store.put(k.into(), Arc::clone(&answer));
        }
        // Replacing a kept key evicts nothing.
        store.put("a".into(), Arc::clone(&answer));
        assert_eq!(store.len(), 3);
        assert!(["a", "b", "c"].iter().all(|k| store.get(k).is_some()));
        store.put("d".into(), Arc::clone(&answer));
        assert_eq!(store.len(), 3);
        assert!(store.get("d").is_some());
        let kept = ["a", "b", "c"]
            .iter()
            .filter(|k| store.get(k).is_some())
            .count();
        assert_eq!(kept, 2);
        let none = Answers::new(0);
        none.put("a".into(), answer);
        assert!(none.is_empty());
    }

    #[test]
    fn questions_with_parties_or_owners_are_not_kept() {
        let (rs, today) = (rules(), date(2026, 11, 29));
        for j in [
            r#"{"chip": "H20", "to": "CN", "buyer": "Huawei Technologies Co., Ltd."}"#,
            r#"{"chip": "H20", "to": "CN", "end_user": "x"}"#,
            r#"{"chip": "H20", "to": "CN", "consignee": "x"}"#,
            r#"{"chip": "H20", "to": "CN", "owners": ["x=60"]}"#,
        ] {
            assert_eq!(Answers::key(&req(j), today, &rs), None, "{j}");
        }
    }

    #[test]
    fn an_answer_on_another_day_of_the_interval_is_the_answer_decided_anew() {
        let app = chipexport::App::embedded().unwrap_or_else(|e| unreachable!("{e}"));
        let rs = app.rules();
        let today = date(2026, 11, 29);
        let ask = |chip: &str, to: &str, on: Date| {
            req(&format!(
                r#"{{"chip": "{chip}", "to": "{to}", "on": "{on}"}}"#
            ))
        };
        let decide = |r: &CheckRequest| {
            Arc::new(
                Answer::of(
                    app.check(r, today).unwrap_or_else(|e| unreachable!("{e}")),
                    rs,
                )
                .unwrap_or_else(|e| unreachable!("{e}")),
            )
        };
        let (d1, d2) = (date(2025, 9, 15), date(2025, 9, 16));
        assert_eq!(rs.interval_of(d1), rs.interval_of(d2));
        let kept = decide(&ask("H20", "CN", d1));
        let same = Answers::answer_on(&kept, d1);
        assert!(same.is_some_and(|s| Arc::ptr_eq(&s, &kept)));
        let other = Answers::answer_on(&kept, d2).unwrap_or_else(|| unreachable!());
        assert_eq!(other.body, decide(&ask("H20", "CN", d2)).body);
        assert_eq!(other.checked.resolved.question.on, d2);
        // An explanation that quotes the date is not redated.
        let chip = "cambricon-mlu370-x8-pcie-48gb";
        let (r1, r2) = (date(2022, 6, 15), date(2022, 6, 16));
        assert_eq!(rs.interval_of(r1), rs.interval_of(r2));
        let quoting = decide(&ask(chip, "RU", r1));
        assert!(quoting.checked.quotes_the_date(rs) && quoting.quotes_the_date);
        assert!(Answers::answer_on(&quoting, r2).is_none());
    }
}
