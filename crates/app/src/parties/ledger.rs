//! The parties of a ledger's orders: the application layer's
//! [`PartyScreen`] for `screen`. Each distinct name is screened once (the
//! memo is shared by the screening workers); reviewers' decisions apply as
//! of each order's date.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chipexport_batch::{PartyOutcome, PartyScreen};
use chipexport_domain::Date;
use chipexport_parties::{DEFAULT_THRESHOLD, Index, MAX_NAME_CHARS};
use serde::Serialize;

use super::{PartyMatch, facts_of, matches_of, verdict};
use crate::reviews::{ReviewCitation, Reviews};

/// The list, the matcher and the reviewers' decisions a ledger is screened
/// with.
pub struct LedgerParties {
    ix: Arc<Index>,
    reviews: Reviews,
    names: Mutex<HashMap<String, Arc<Vec<PartyMatch>>>>,
}

impl std::fmt::Debug for LedgerParties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LedgerParties")
            .field("list_date", &self.ix.list().date)
            .field("reviews", &self.reviews.len())
            .finish_non_exhaustive()
    }
}

/// One match in a `party_matches` cell: enough to act on; `parties screen
/// NAME` gives the explanation.
#[derive(Serialize)]
struct CellMatch<'a> {
    entry_id: &'a str,
    list: &'a str,
    name: &'a str,
    score: f64,
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    license_policy: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    review: Option<&'a ReviewCitation>,
}

/// One party in a `party_matches` cell.
#[derive(Serialize)]
struct CellParty<'a> {
    role: &'a str,
    name: &'a str,
    verdict: &'a str,
    matches: Vec<CellMatch<'a>>,
}

impl LedgerParties {
    /// Screens with `ix` and `reviews`.
    pub fn new(ix: Arc<Index>, reviews: Reviews) -> LedgerParties {
        LedgerParties {
            ix,
            reviews,
            names: Mutex::new(HashMap::new()),
        }
    }

    /// The matches of `name` before reviewers' decisions, screened once.
    fn matches(&self, name: &str) -> Arc<Vec<PartyMatch>> {
        if let Some(m) = self.names.lock().ok().and_then(|n| n.get(name).cloned()) {
            return m;
        }
        let m = Arc::new(matches_of(&self.ix, name, None, DEFAULT_THRESHOLD));
        if let Ok(mut n) = self.names.lock() {
            n.insert(name.to_string(), m.clone());
        }
        m
    }
}

impl PartyScreen for LedgerParties {
    fn list_date(&self) -> Date {
        self.ix.list().date
    }

    fn review_dates(&self, name: &str) -> Vec<Date> {
        self.reviews.dates_for(name)
    }

    fn screen(&self, parties: &[(&'static str, &str)], on: Date) -> Result<PartyOutcome, String> {
        let mut screened: Vec<(&'static str, &str, Vec<PartyMatch>)> = Vec::new();
        for (col, name) in parties {
            let n = name.chars().count();
            if n > MAX_NAME_CHARS {
                return Err(format!(
                    "{col}: the name is {n} characters long, more than {MAX_NAME_CHARS}: give one party's name, not a list or an address"
                ));
            }
            let mut m = self.matches(name).as_ref().clone();
            self.reviews.apply(name, &mut m, on);
            screened.push((col, name, m));
        }
        let pairs: Vec<(&str, &[PartyMatch])> = screened
            .iter()
            .map(|(_, n, m)| (*n, m.as_slice()))
            .collect();
        let facts = facts_of(&self.ix, &pairs);
        let mut lists: Vec<&str> = screened
            .iter()
            .flat_map(|(_, _, ms)| ms.iter().filter(|m| m.is_hit()).map(|m| m.list.code()))
            .collect();
        lists.sort_unstable();
        lists.dedup();
        // Parties that match nothing are left out: their names are in the
        // row already, and most orders name only such parties.
        let cells: Vec<CellParty<'_>> = screened
            .iter()
            .filter(|(_, _, ms)| !ms.is_empty())
            .map(|(col, name, ms)| CellParty {
                role: col,
                name,
                verdict: verdict(ms),
                matches: ms
                    .iter()
                    .map(|m| CellMatch {
                        entry_id: &m.entry_id,
                        list: m.list.code(),
                        name: &m.name,
                        score: (m.score * 1000.0).round() / 1000.0,
                        status: m.status,
                        license_policy: m.license_policy.as_deref(),
                        review: m.review.as_ref(),
                    })
                    .collect(),
            })
            .collect();
        Ok(PartyOutcome {
            listed: !lists.is_empty(),
            possible: screened
                .iter()
                .any(|(_, _, ms)| ms.iter().any(PartyMatch::is_possible)),
            facts,
            lists: to_json(&lists),
            matches: to_json(&cells),
        })
    }

    fn names_screened(&self) -> usize {
        self.names.lock().map_or(0, |n| n.len())
    }
}

/// Plain data as JSON (its serialisation cannot fail; if it did, the cell
/// says so rather than being lost).
fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
