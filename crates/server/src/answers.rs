//! Answers to item questions, kept: a check that names no party and no
//! owner is a function of the rules and the catalog (fixed for the life of
//! the service), the request and its date. Answers change only at the rule
//! set's breakpoints, so the service decides such a question once per
//! breakpoint interval and keeps the answer's JSON with a gap wherever the
//! question's date goes. On any date of the interval, the answer is that
//! JSON with the date filled in: byte for byte the kept decision redated
//! ([`chipexport::check::Checked::redated`]) and serialised, which the
//! tests check on every interval, with nothing redated or serialised. An
//! answer whose explanation quotes the date is kept for its own date only;
//! on another, it is decided anew. Every answer is logged as any other.
//!
//! Checks that name parties or owners are never kept: screening uses the
//! reviewers' decisions in the log, which change while the service runs.
//! Nor are checks that ask for the licences: the licence book and the
//! fleet change too.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use chipexport::check::Checked;
use chipexport::logged::Annotation;
use chipexport::{App, CheckRequest, Date, Question, RuleSet};
use chipexport_store::NewLogEntry;

/// How many answers are kept; past it, each new answer takes the place of
/// an arbitrary kept one.
pub const CAPACITY: usize = 4096;

/// The date an answer is serialised on to find where its date goes: one
/// no question asks about, whose text no rule, chip or citation holds.
const GAP: Date = Date::constant(-9999, 1, 1);

/// A decided question: its answer's JSON, and what the log keeps of it.
#[derive(Debug)]
pub struct Answer {
    /// The question as decided (the log's request), on `decided`.
    question: Question,
    /// The answer's JSON, in pieces between which the question's date
    /// goes; one piece (the JSON on `decided`) when the explanation quotes
    /// the date.
    pieces: Vec<Bytes>,
    /// The outcome record's JSON (the log's response) and the rule set's
    /// hash: the same on every date of the interval.
    response: String,
    rule_set_hash: String,
}

impl Answer {
    /// The answer to `checked`, its JSON made once for every date of its
    /// interval when its explanation does not quote the date.
    pub fn of(mut checked: Checked, rs: &RuleSet) -> Result<Answer, serde_json::Error> {
        let question = checked.resolved.question.clone();
        let response = checked.decision.outcome_record().to_json();
        let rule_set_hash = checked.decision.rule_set.hash.clone();
        let json = |c: &Checked| serde_json::to_vec(&c.answer()).map(Bytes::from);
        let mut pieces = None;
        if question.on != GAP && !checked.quotes_the_date(rs) {
            checked.redate(GAP);
            let gapped = json(&checked)?;
            let split = split_at(&gapped, GAP.to_string().as_bytes());
            // The gap is where the redated fields are, and nowhere else.
            if split.len() == checked.dates_in_answer() + 1 {
                pieces = Some(split);
            } else {
                checked.redate(question.on);
            }
        }
        let pieces = match pieces {
            Some(p) => p,
            None => vec![json(&checked)?],
        };
        Ok(Answer {
            question,
            pieces,
            response,
            rule_set_hash,
        })
    }

    /// The date the answer was decided on.
    #[must_use]
    pub fn decided(&self) -> Date {
        self.question.on
    }

    /// The answer's JSON on `on`, a date of the interval it was decided
    /// in; `None` when its explanation quotes the date and `on` is not
    /// the date decided (the question must be decided anew).
    #[must_use]
    pub fn body_on(&self, on: Date) -> Option<Bytes> {
        match self.pieces.as_slice() {
            [whole] => (on == self.decided()).then(|| whole.clone()),
            pieces => {
                let date = on.to_string();
                let gaps = pieces.len().saturating_sub(1);
                let len = pieces.iter().map(Bytes::len).sum::<usize>() + date.len() * gaps;
                let mut body = Vec::with_capacity(len);
                for (i, piece) in pieces.iter().enumerate() {
                    if i > 0 {
                        body.extend_from_slice(date.as_bytes());
                    }
                    body.extend_from_slice(piece);
                }
                Some(body.into())
            }
        }
    }

    /// The log entry of the answer given on `on`: what
    /// [`chipexport::audit::check_entry`] records for the decision
    /// redated to `on`.
    pub fn entry(
        &self,
        app: &App,
        on: Date,
        annotation: &Annotation,
    ) -> Result<NewLogEntry, chipexport::Error> {
        let mut question = self.question.clone();
        question.on = on;
        chipexport::audit::check_entry_of(
            app,
            question,
            self.response.clone(),
            self.rule_set_hash.clone(),
            annotation,
        )
    }
}

/// `bytes` split at every occurrence of `gap` (one piece when there is
/// none).
fn split_at(bytes: &Bytes, gap: &[u8]) -> Vec<Bytes> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for at in memchr::memmem::find_iter(bytes, gap) {
        pieces.push(bytes.slice(start..at));
        start = at + gap.len();
    }
    pieces.push(bytes.slice(start..));
    pieces
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
    /// names a party or an owner, or asks for the licences, whose answer is
    /// not kept, and for one whose date is not a date (deciding it reports
    /// the error).
    #[must_use]
    pub fn key(req: &CheckRequest, today: Date, rs: &RuleSet) -> Option<(String, Date)> {
        if !req.ask.parties().is_empty() || !req.ask.owners.is_empty() || req.licences {
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

    /// The kept answer's JSON and log entry on another day of its
    /// interval are those of the question decided anew on that day: on
    /// every interval (its first, a middle and its last day), for chips
    /// and destinations in turn, with and without a knowledge date and the
    /// context notes. An answer whose explanation quotes the date is
    /// given on its own date only.
    #[test]
    fn an_answer_on_another_day_of_the_interval_is_the_answer_decided_anew() {
        let app = chipexport::App::embedded().unwrap_or_else(|e| unreachable!("{e}"));
        let rs = app.rules();
        let today = date(2026, 11, 29);
        let chips = ["H20", "H100", "A800", "MI300X", "Ascend 910B", "RTX 4090"];
        let dests = ["CN", "SG", "AE", "RU", "MY", "DE", "IR"];
        let mut starts = rs.breakpoints().to_vec();
        starts.push(date(2031, 1, 1));
        let (mut compared, mut gapped, mut quoted) = (0, 0, 0);
        for (k, pair) in starts.windows(2).enumerate() {
            let (start, end) = match pair {
                [s, next] => (*s, next.yesterday().unwrap_or_else(|e| unreachable!("{e}"))),
                _ => unreachable!(),
            };
            let middle = start
                .checked_add(
                    jiff::Span::new().days(start.until(end).map_or(0, |s| s.get_days()) / 2),
                )
                .unwrap_or_else(|e| unreachable!("{e}"));
            let (chip, to) = (chips[k % chips.len()], dests[k % dests.len()]);
            let extra = match k % 3 {
                0 => "",
                1 => r#", "known_as_of": "2024-01-01""#,
                _ => r#", "context": true"#,
            };
            let ask = |on: Date| {
                req(&format!(
                    r#"{{"chip": "{chip}", "to": "{to}", "on": "{on}"{extra}, "note": "n"}}"#
                ))
            };
            let check = |on: Date| {
                app.check(&ask(on), today)
                    .unwrap_or_else(|e| unreachable!("{e}"))
            };
            let first = check(start);
            let quotes = first.quotes_the_date(rs);
            let kept = Answer::of(first.clone(), rs).unwrap_or_else(|e| unreachable!("{e}"));
            gapped += usize::from(kept.pieces.len() > 1);
            for d in [start, middle, end] {
                let anew = check(d);
                let body = kept.body_on(d);
                if quotes && d != start {
                    assert!(body.is_none(), "{chip} to {to} on {d}");
                    quoted += 1;
                    continue;
                }
                let json =
                    serde_json::to_string(&anew.answer()).unwrap_or_else(|e| unreachable!("{e}"));
                let body = body.map(|b| String::from_utf8_lossy(&b).into_owned());
                assert_eq!(body, Some(json), "{chip} to {to} on {d}, from {start}");
                let annotation = ask(d).annotation;
                let entry = kept
                    .entry(&app, d, &annotation)
                    .unwrap_or_else(|e| unreachable!("{e}"));
                let expected = chipexport::audit::check_entry(&app, &anew, &annotation)
                    .unwrap_or_else(|e| unreachable!("{e}"));
                assert_eq!(
                    (
                        &entry.kind,
                        &entry.request,
                        &entry.response,
                        &entry.rule_set_hash
                    ),
                    (
                        &expected.kind,
                        &expected.request,
                        &expected.response,
                        &expected.rule_set_hash
                    ),
                    "{chip} to {to} on {d}"
                );
                compared += 1;
            }
        }
        assert!(
            compared > 250 && gapped > 70 && quoted > 0,
            "{compared} {gapped} {quoted}"
        );
    }

    #[test]
    fn a_json_is_split_at_every_gap() {
        let split = |s: &'static str| -> Vec<Vec<u8>> {
            split_at(&Bytes::from_static(s.as_bytes()), b"-009999-01-01")
                .iter()
                .map(|b| b.to_vec())
                .collect()
        };
        assert_eq!(split("{}"), vec![b"{}".to_vec()]);
        assert_eq!(
            split(r#"{"on":"-009999-01-01","k":"-009999-01-01"}"#),
            vec![
                br#"{"on":""#.to_vec(),
                br#"","k":""#.to_vec(),
                br#""}"#.to_vec()
            ]
        );
        assert_eq!(split("-009999-01-01"), vec![Vec::<u8>::new(), Vec::new()]);
        assert_eq!(split("-009999-01-0"), vec![b"-009999-01-0".to_vec()]);
    }
}
