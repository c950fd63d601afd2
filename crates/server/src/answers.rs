//! Answers to item questions, kept: a check that names no party and no
//! owner is a function of the rules and the catalog (fixed for the life of
//! the service), the request and the date it defaults to. So the service
//! decides each such question once and keeps the decision with its JSON;
//! a repeated question is answered from here and logged as any other.
//!
//! Checks that name parties or owners are never kept: screening uses the
//! reviewers' decisions in the log, which change while the service runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use chipexport::check::Checked;
use chipexport::{CheckRequest, Date};

/// How many answers are kept before the store is emptied and starts again.
pub const CAPACITY: usize = 4096;

/// A decided question: the decision (for the log entry) and the answer's
/// JSON (the reply's body).
#[derive(Debug)]
pub struct Answer {
    /// The decision.
    pub checked: Checked,
    /// `checked.answer()` as JSON.
    pub body: Bytes,
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

    /// The key of a request answered on `today`: the request without its
    /// annotation (reviewer, order reference and note are logged, and do
    /// not change the answer) and the date; `None` for a request that
    /// names a party or an owner, whose answer is not kept.
    #[must_use]
    pub fn key(req: &CheckRequest, today: Date) -> Option<String> {
        if !req.ask.parties().is_empty() || !req.ask.owners.is_empty() {
            return None;
        }
        let bare = CheckRequest {
            annotation: chipexport::logged::Annotation::default(),
            ..req.clone()
        };
        serde_json::to_string(&(bare, today.to_string())).ok()
    }

    /// The answer kept under `key`.
    pub fn get(&self, key: &str) -> Option<Arc<Answer>> {
        self.map.lock().ok()?.get(key).cloned()
    }

    /// Keeps `answer` under `key`. When the store is full it is emptied
    /// first: the questions asked most are soon back.
    pub fn put(&self, key: String, answer: Arc<Answer>) {
        if self.capacity == 0 {
            return;
        }
        if let Ok(mut m) = self.map.lock() {
            if m.len() >= self.capacity {
                m.clear();
            }
            m.insert(key, answer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(json: &str) -> CheckRequest {
        serde_json::from_str(json).unwrap_or_else(|e| unreachable!("{e}"))
    }

    #[test]
    fn the_key_ignores_the_annotation_and_not_the_question_or_the_date() {
        let today = Date::constant(2026, 11, 29);
        let a = Answers::key(&req(r#"{"chip": "H20", "to": "CN"}"#), today);
        let noted = Answers::key(
            &req(
                r#"{"chip": "H20", "to": "CN", "reviewer": "ana", "order_ref": "PO-1", "note": "n"}"#,
            ),
            today,
        );
        assert!(a.is_some());
        assert_eq!(a, noted);
        assert_ne!(
            a,
            Answers::key(&req(r#"{"chip": "H20", "to": "SG"}"#), today)
        );
        assert_ne!(
            a,
            Answers::key(
                &req(r#"{"chip": "H20", "to": "CN"}"#),
                Date::constant(2026, 11, 30)
            )
        );
        assert_ne!(
            a,
            Answers::key(
                &req(r#"{"chip": "H20", "to": "CN", "context": true}"#),
                today
            )
        );
    }

    #[test]
    fn questions_with_parties_or_owners_are_not_kept() {
        let today = Date::constant(2026, 11, 29);
        for j in [
            r#"{"chip": "H20", "to": "CN", "buyer": "Huawei Technologies Co., Ltd."}"#,
            r#"{"chip": "H20", "to": "CN", "end_user": "x"}"#,
            r#"{"chip": "H20", "to": "CN", "consignee": "x"}"#,
            r#"{"chip": "H20", "to": "CN", "owners": ["x=60"]}"#,
        ] {
            assert_eq!(Answers::key(&req(j), today), None, "{j}");
        }
    }
}
