//! The hash chain: each entry's hash covers its content and the hash of
//! the entry before it, so that an edited, reordered or deleted entry
//! breaks the chain at the first one changed.

use crate::{Broken, GENESIS, LogEntry, NewLogEntry};
use sha2::{Digest, Sha256};

pub(crate) fn entry_hash(
    prev: &str,
    id: i64,
    recorded_at: &str,
    kind: &str,
    request: &str,
    response: &str,
    rule_set_hash: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &id.to_string(),
        recorded_at,
        kind,
        request,
        response,
        rule_set_hash,
    ] {
        h.update(u64::try_from(part.len()).unwrap_or(0).to_le_bytes());
        h.update(part.as_bytes());
    }
    chipexport_domain::hex(&h.finalize())
}

/// Links new entries to the last one (`(id, hash)`), computing each hash.
pub(crate) fn chain(last: Option<(i64, String)>, entries: Vec<NewLogEntry>) -> Vec<LogEntry> {
    let (mut id, mut prev) = match last {
        Some((id, hash)) => (id + 1, hash),
        None => (1, GENESIS.to_string()),
    };
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let hash = entry_hash(
            &prev,
            id,
            &e.recorded_at,
            &e.kind,
            &e.request,
            &e.response,
            &e.rule_set_hash,
        );
        out.push(LogEntry {
            id,
            recorded_at: e.recorded_at,
            kind: e.kind,
            request: e.request,
            response: e.response,
            rule_set_hash: e.rule_set_hash,
            prev_hash: std::mem::replace(&mut prev, hash.clone()),
            hash,
        });
        id += 1;
    }
    out
}

/// Why an entry breaks the chain when its content does not match its hash.
pub(crate) const EDITED: &str = "its content does not match its hash (it was edited)";

/// Walks the chain in id order and finds the first break.
pub(crate) struct Checker {
    prev: String,
    expect_id: i64,
    /// Entries checked so far, each in order.
    pub(crate) n: u64,
}

impl Default for Checker {
    fn default() -> Checker {
        Checker {
            prev: GENESIS.to_string(),
            expect_id: 1,
            n: 0,
        }
    }
}

impl Checker {
    /// `row`: recorded_at, kind, request, response, rule_set_hash,
    /// prev_hash, hash.
    pub(crate) fn next(&mut self, id: i64, row: &[String; 7]) -> Option<Broken> {
        let [at, kind, req, resp, rsh, prev_hash, hash] = row;
        if id != self.expect_id {
            return Some(Broken {
                id: self.expect_id,
                reason: format!(
                    "entry {} is missing (the next entry is {id})",
                    self.expect_id
                ),
            });
        }
        if *prev_hash != self.prev {
            return Some(Broken {
                id,
                reason: "its previous-hash does not match the entry before it".into(),
            });
        }
        if entry_hash(prev_hash, id, at, kind, req, resp, rsh) != *hash {
            return Some(Broken {
                id,
                reason: EDITED.into(),
            });
        }
        self.prev.clone_from(hash);
        self.expect_id += 1;
        self.n += 1;
        None
    }
}
