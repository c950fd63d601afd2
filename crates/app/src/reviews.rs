//! Reviewers' decisions on screening matches: a possible match cleared (it
//! is not the party) or confirmed (it is), with a reason, recorded in the
//! hash-chained decision log as entries of kind `party_review`. Later
//! screenings that read the same log apply the latest decision made on or
//! before the question's date, and cite it (the log entry, the reviewer,
//! the reason, the date).

use chipexport_domain::Date;
use chipexport_store::{EntryFilter, NewLogEntry};
use serde::{Deserialize, Serialize};

use crate::App;
use crate::audit::LogLocation;
use crate::error::{Error, Result};
use crate::parties::PartyMatch;

/// The log entries' kind.
pub const KIND: &str = "party_review";

/// The longest reason or reviewer name accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 2_000;

/// What a reviewer decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The match is not the party: it no longer counts.
    Clear,
    /// The match is the party: it counts as a hit, whatever its score.
    Confirm,
}

impl Action {
    /// `clear` or `confirm`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Clear => "clear",
            Action::Confirm => "confirm",
        }
    }
}

/// A reviewer's decision, as the CLI and the API send it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// `clear` or `confirm`.
    pub action: Action,
    /// An entry id of the list in use (e.g. `EL-5c0f1d2a9b`), or a party's
    /// name: then every match of that name is decided.
    pub target: String,
    /// With an entry id: the party's name the decision is for (without
    /// it, the decision holds for the entry whatever name matched it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Why.
    pub reason: String,
    /// Who decided.
    pub reviewer: String,
}

/// A decision as the log keeps it (the entry's request).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedReview {
    /// The record's version.
    pub version: u32,
    /// `clear` or `confirm`.
    pub action: Action,
    /// The entry decided, when one was named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_id: Option<String>,
    /// The party's name as given, when one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// That name normalised (how later screenings find it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_key: Option<String>,
    /// Why.
    pub reason: String,
    /// Who decided.
    pub reviewer: String,
    /// The date of the decision: it applies to questions on or after it.
    pub decided_on: Date,
    /// The list the entry was read from, by date.
    pub list_date: Date,
}

/// A decision cited by a screening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewCitation {
    /// The decision log entry.
    pub log_id: i64,
    /// `clear` or `confirm`.
    pub action: Action,
    /// Who decided.
    pub reviewer: String,
    /// Why.
    pub reason: String,
    /// When.
    pub decided_on: Date,
}

/// A decision recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewRecorded {
    /// The decision log entry.
    pub log_id: i64,
    /// What was recorded.
    pub review: LoggedReview,
    /// The entry decided, as the list publishes it, when one was named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_name: Option<String>,
    /// Its list's code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_list: Option<String>,
}

/// The decisions of a log, in log order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reviews {
    items: Vec<(i64, LoggedReview)>,
}

fn key(name: &str) -> String {
    chipexport_parties::normalize::normalize(name)
}

impl Reviews {
    /// The `party_review` entries of the log at `at`; an absent SQLite log
    /// is no decisions (and is not created).
    pub fn load(at: &LogLocation) -> Result<Reviews> {
        if at.database_url.is_none() && !at.data.join("decisions.sqlite").exists() {
            return Ok(Reviews::default());
        }
        let mut log = at.open()?;
        let entries = log.entries(&EntryFilter {
            kind: Some(KIND.into()),
            ..EntryFilter::default()
        })?;
        let mut items = Vec::with_capacity(entries.len());
        for e in entries {
            let r: LoggedReview = serde_json::from_str(&e.request).map_err(|err| {
                Error::environment(
                    format!(
                        "decision {} in {} is a `{KIND}` entry that cannot be read: {err}",
                        e.id,
                        at.describe()
                    ),
                    "run `chipexport audit verify` on the log",
                )
            })?;
            items.push((e.id, r));
        }
        Ok(Reviews { items })
    }

    /// How many decisions there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The dates of the decisions that can concern `name` (for memoising
    /// a ledger's screenings: the answer for a name changes only at them).
    pub fn dates_for(&self, name: &str) -> Vec<Date> {
        let k = key(name);
        let mut v: Vec<Date> = self
            .items
            .iter()
            .filter(|(_, r)| r.name_key.as_ref().is_none_or(|n| *n == k))
            .map(|(_, r)| r.decided_on)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The latest decision on or before `on` about `entry_id` matched by
    /// `name`.
    fn find(&self, name_key: &str, entry_id: &str, on: Date) -> Option<(i64, &LoggedReview)> {
        self.items
            .iter()
            .rev()
            .find(|(_, r)| {
                r.decided_on <= on
                    && match (&r.entry_id, &r.name_key) {
                        (Some(e), None) => e == entry_id,
                        (Some(e), Some(n)) => e == entry_id && n == name_key,
                        (None, Some(n)) => n == name_key,
                        (None, None) => false,
                    }
            })
            .map(|(id, r)| (*id, r))
    }

    /// Applies the decisions to the matches of `name` on `on`: a cleared
    /// match gets status `cleared`, a confirmed one `confirmed`, each
    /// citing the decision.
    pub fn apply(&self, name: &str, matches: &mut [PartyMatch], on: Date) {
        if self.items.is_empty() {
            return;
        }
        let k = key(name);
        for m in matches {
            if let Some((id, r)) = self.find(&k, &m.entry_id, on) {
                m.status = match r.action {
                    Action::Clear => "cleared",
                    Action::Confirm => "confirmed",
                };
                m.review = Some(ReviewCitation {
                    log_id: id,
                    action: r.action,
                    reviewer: r.reviewer.clone(),
                    reason: r.reason.clone(),
                    decided_on: r.decided_on,
                });
            }
        }
    }
}

/// `EL-4550ece1b8`, `SDN-…-2`: the form of the ids the list gives.
fn looks_like_id(t: &str) -> bool {
    let mut parts = t.split('-');
    let code = parts.next().unwrap_or("");
    let hex = parts.find(|p| p.len() == 10);
    !code.is_empty()
        && code.chars().all(|c| c.is_ascii_uppercase())
        && hex.is_some_and(|h| h.chars().all(|c| c.is_ascii_hexdigit()))
        && !t.contains(' ')
}

fn text(field: &str, v: &str) -> Result<String> {
    let t = v.trim();
    if t.is_empty() {
        return Err(Error::input(
            format!("`{field}` is empty"),
            "a decision needs who made it and why",
        )
        .with_field(field));
    }
    if t.chars().count() > MAX_TEXT_CHARS {
        return Err(Error::input(
            format!("`{field}` is longer than {MAX_TEXT_CHARS} characters"),
            "keep it to a paragraph; put documents in your case file",
        )
        .with_field(field));
    }
    Ok(t.to_string())
}

impl App {
    /// Checks a reviewer's decision against the list in use and makes the
    /// log entry for it, decided on `today`.
    pub fn review_entry(
        &self,
        req: &ReviewRequest,
        today: Date,
    ) -> Result<(NewLogEntry, Option<(String, String)>)> {
        let reason = text("reason", &req.reason)?;
        let reviewer = text("reviewer", &req.reviewer)?;
        let target = req.target.trim();
        let ix = self.screening_index()?;
        let entry = ix.list().entries.iter().find(|e| e.id == target);
        let name = match (&entry, &req.name) {
            (_, Some(n)) => {
                crate::parties::check_name("name", n)?;
                Some(n.trim().to_string())
            }
            (Some(_), None) => None,
            (None, None) => {
                crate::parties::check_name("target", target)?;
                Some(target.to_string())
            }
        };
        if entry.is_none() && (req.name.is_some() || looks_like_id(target)) {
            return Err(Error::input(
                format!("`{target}` is not an entry id of the list in use"),
                "give an entry id from `parties screen` (e.g. EL-5c0f1d2a9b) with --name, or only the party's name",
            )
            .with_field("target"));
        }
        let logged = LoggedReview {
            version: 1,
            action: req.action,
            entry_id: entry.map(|e| e.id.clone()),
            name_key: name.as_deref().map(key),
            name,
            reason,
            reviewer,
            decided_on: today,
            list_date: ix.list().date,
        };
        let request = serde_json::to_string(&logged)
            .map_err(|e| Error::bug(format!("cannot record a review: {e}")))?;
        let about = entry.map(|e| (e.name.clone(), e.list.code().to_string()));
        let response = serde_json::json!({
            "entry_name": about.as_ref().map(|a| &a.0),
            "entry_list": about.as_ref().map(|a| &a.1),
        })
        .to_string();
        Ok((
            NewLogEntry {
                recorded_at: crate::clock::now_rfc3339(),
                kind: KIND.into(),
                request,
                response,
                rule_set_hash: self.rules().hash().to_string(),
            },
            about,
        ))
    }

    /// Records a reviewer's decision in the log at `at`.
    pub fn review(
        &self,
        req: &ReviewRequest,
        at: &LogLocation,
        today: Date,
    ) -> Result<ReviewRecorded> {
        let (entry, about) = self.review_entry(req, today)?;
        let review: LoggedReview = serde_json::from_str(&entry.request)
            .map_err(|e| Error::bug(format!("cannot read back a review: {e}")))?;
        let log_id = crate::audit::record(at, vec![entry])?;
        Ok(ReviewRecorded::of(log_id, review, about))
    }
}

impl ReviewRecorded {
    /// The answer for a decision recorded as log entry `log_id`.
    pub fn of(
        log_id: i64,
        review: LoggedReview,
        about: Option<(String, String)>,
    ) -> ReviewRecorded {
        let (entry_name, entry_list) = about.unzip();
        ReviewRecorded {
            log_id,
            review,
            entry_name,
            entry_list,
        }
    }
}
