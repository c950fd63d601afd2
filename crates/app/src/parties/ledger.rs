//! The parties of a ledger's orders: the application layer's
//! [`PartyScreen`] for `screen`. Each distinct name is screened once (the
//! memo is shared by the screening workers); reviewers' decisions apply as
//! of each order's date.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chipexport_batch::{PartyOutcome, PartyScreen};
use chipexport_domain::Date;
use chipexport_parties::{DEFAULT_THRESHOLD, Index, MAX_NAME_CHARS};
use serde::Serialize;

use super::{Building, PartyMatch, facts_of, matches_of, verdict};
use crate::reviews::{ReviewCitation, Reviews};

/// The list, the matcher and the reviewers' decisions a ledger is screened
/// with.
pub struct LedgerParties {
    index: Source,
    /// The index, once [`Source`] has given it (or why it could not).
    ix: OnceLock<Result<Arc<Index>, String>>,
    list_date: Date,
    reviews: Reviews,
    names: Mutex<HashMap<String, Arc<Vec<PartyMatch>>>>,
}

/// Where the index comes from.
enum Source {
    /// Built already.
    Ready(Arc<Index>),
    /// Being built on another thread, waited for when the first name is
    /// screened.
    Building(Building),
}

impl std::fmt::Debug for LedgerParties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LedgerParties")
            .field("list_date", &self.list_date)
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
            list_date: ix.list().date,
            index: Source::Ready(ix),
            ix: OnceLock::new(),
            reviews,
            names: Mutex::new(HashMap::new()),
        }
    }

    /// Screens with the index being built (waited for when the first name
    /// is screened) and `reviews`.
    pub fn building(index: Building, reviews: Reviews) -> LedgerParties {
        LedgerParties {
            list_date: index.list_date(),
            index: Source::Building(index),
            ix: OnceLock::new(),
            reviews,
            names: Mutex::new(HashMap::new()),
        }
    }

    /// The index (waiting for it while it is built).
    fn index(&self) -> Result<&Arc<Index>, String> {
        self.ix
            .get_or_init(|| match &self.index {
                Source::Ready(ix) => Ok(Arc::clone(ix)),
                Source::Building(b) => b.wait().map_err(|e| e.message().to_string()),
            })
            .as_ref()
            .map_err(|m| format!("parties: {m}"))
    }

    /// The matches of `name` before reviewers' decisions, screened once.
    fn matches(&self, ix: &Index, name: &str) -> Arc<Vec<PartyMatch>> {
        if let Some(m) = self.names.lock().ok().and_then(|n| n.get(name).cloned()) {
            return m;
        }
        let m = Arc::new(matches_of(ix, name, None, DEFAULT_THRESHOLD));
        if let Ok(mut n) = self.names.lock() {
            n.insert(name.to_string(), m.clone());
        }
        m
    }
}

impl PartyScreen for LedgerParties {
    fn list_date(&self) -> Date {
        self.list_date
    }

    fn review_dates(&self, name: &str) -> Vec<Date> {
        self.reviews.dates_for(name)
    }

    fn screen(&self, parties: &[(&'static str, &str)], on: Date) -> Result<PartyOutcome, String> {
        let ix = self.index()?;
        let mut screened: Vec<(&'static str, &str, Vec<PartyMatch>)> = Vec::new();
        for (col, name) in parties {
            let n = name.chars().count();
            if n > MAX_NAME_CHARS {
                return Err(format!(
                    "{col}: the name is {n} characters long, more than {MAX_NAME_CHARS}: give one party's name, not a list or an address"
                ));
            }
            let mut m = self.matches(ix, name).as_ref().clone();
            self.reviews.apply(name, &mut m, on);
            screened.push((col, name, m));
        }
        let pairs: Vec<(&str, &[PartyMatch])> = screened
            .iter()
            .map(|(_, n, m)| (*n, m.as_slice()))
            .collect();
        let facts = facts_of(ix, &pairs);
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::path::PathBuf;

    use chipexport_batch::generate::Profile;

    use crate::App;
    use crate::ledger::ScreenRequest;

    fn tempdir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "chipexport-ledger-parties-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn request(dir: &std::path::Path, app: &App) -> ScreenRequest {
        let ledger = dir.join("orders.csv");
        app.generate(Profile::Mixed, 300, 5, &ledger).unwrap();
        ScreenRequest {
            ledger,
            out: dir.join("out.jsonl"),
            on: Some(chipexport_domain::parse_date("2026-08-05").unwrap()),
            mode: Default::default(),
            with_packs: Vec::new(),
            parties: true,
        }
    }

    #[test]
    fn the_list_indexed_meanwhile_screens_as_the_list_indexed_first() {
        let dir = tempdir("meanwhile");
        let app = App::embedded().unwrap();
        let req = request(&dir, &app);
        let first = app.screen(&req, &mut |_| {}).unwrap();
        let before = std::fs::read_to_string(&req.out).unwrap();
        // The same App again: the index is built already.
        let again = app.screen(&req, &mut |_| {}).unwrap();
        assert_eq!(std::fs::read_to_string(&req.out).unwrap(), before);
        let p = first.summary.parties.clone().unwrap();
        assert_eq!(
            p.list_date.map(|d| d.to_string()),
            Some("2026-07-31".into())
        );
        assert_eq!(p.orders_screened, 300);
        assert!(p.with_listed_party > 0, "{p:?}");
        assert_eq!(first.summary.parties, again.summary.parties);
    }

    #[test]
    fn a_list_that_cannot_be_read_stops_the_run_before_any_output() {
        let dir = tempdir("bad-list");
        let data = dir.join("data");
        std::fs::create_dir_all(data.join("screening")).unwrap();
        std::fs::write(data.join(crate::parties::IMPORTED), "{\"date\": oops").unwrap();
        let app = App::embedded().unwrap().with_screening_data(&data);
        let req = request(&dir, &app);
        let e = app.screen(&req, &mut |_| {}).expect_err("screened");
        assert_eq!(e.fault(), chipexport_domain::Fault::Environment);
        assert!(
            e.message().starts_with("cannot load the screening list: `")
                && e.message().contains("list.json`"),
            "{}",
            e.message()
        );
        assert_eq!(
            e.help(),
            "re-import the list with `chipexport parties import`"
        );
        assert!(!req.out.exists());
        // Kept: asked again, the same error.
        let again = app.screening_index().err().expect("indexed");
        assert_eq!(again.message(), e.message());
    }
}
