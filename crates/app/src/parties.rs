//! Restricted-party screening: a name against the screening list in use
//! (the embedded Consolidated Screening List of 31 Jul 2026, or a newer
//! list imported into a data directory), and the parties of a check
//! turned into the facts the rule packs read.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use chipexport_domain::{DataError, Date};
use chipexport_parties::{
    CONFIDENT, DEFAULT_THRESHOLD, Entry, Explanation, Index, ListCode, LoadError, MAX_NAME_CHARS,
    ScreeningList,
};
use chipexport_rules::facts::PartyFacts;
use serde::{Deserialize, Serialize};

use crate::App;
use crate::error::{Error, Result};

mod ledger;
pub use ledger::LedgerParties;

/// How many days a list may be older than the question's date before the
/// answer says so.
pub const STALE_DAYS: i64 = 7;

/// The file an imported list is kept in, under the data directory.
pub const IMPORTED: &str = "screening/list.json";

/// The screening list a process uses, indexed on first use (about half a
/// second for the full list).
pub struct Screener {
    file: Option<PathBuf>,
    cell: OnceLock<std::result::Result<Arc<Index>, String>>,
    /// The decision log whose reviewers' decisions screenings apply.
    reviews: Option<crate::audit::LogLocation>,
}

impl std::fmt::Debug for Screener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Screener")
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

impl Screener {
    /// The embedded list, or the list imported into `dir` when there is one.
    pub fn new(dir: Option<&Path>) -> Screener {
        Screener {
            file: dir.map(|d| d.join(IMPORTED)).filter(|p| p.exists()),
            cell: OnceLock::new(),
            reviews: dir.map(crate::audit::LogLocation::dir),
        }
    }

    /// The index, built on first use (or waited for, while another thread
    /// builds it: see [`Screener::index_in_background`]).
    pub fn index(&self) -> Result<Arc<Index>> {
        self.cell
            .get_or_init(|| self.load().map(|l| Arc::new(Index::build(l))))
            .clone()
            .map_err(load_failed)
    }

    /// Indexes the list on another thread, so that the caller can go on
    /// with other work until it needs the index ([`Building::wait`]). An
    /// imported list is read now, so that an error in it is returned now
    /// (and kept, as [`Screener::index`] keeps it); the embedded one, whose
    /// date is known and which loads (a test says so), is read there too.
    pub fn index_in_background(self: &Arc<Self>) -> Result<Building> {
        let building = |date, thread| Building {
            screener: Arc::clone(self),
            date,
            thread: std::sync::Mutex::new(thread),
        };
        if let Some(r) = self.cell.get() {
            let date = r.clone().map_err(load_failed)?.list().date;
            return Ok(building(date, None));
        }
        let (date, list) = match &self.file {
            None => (chipexport_parties::EMBEDDED_DATE, None),
            Some(_) => match self.load() {
                Ok(l) => (l.date, Some(l)),
                Err(m) => {
                    let _ = self.cell.set(Err(m.clone()));
                    return Err(load_failed(m));
                }
            },
        };
        let me = Arc::clone(self);
        let thread = std::thread::Builder::new()
            .name("screening-index".into())
            .spawn(move || {
                me.cell.get_or_init(|| {
                    let list = match list {
                        Some(l) => l,
                        None => me.load()?,
                    };
                    Ok(Arc::new(Index::build(list)))
                });
            })
            .ok();
        // Without a thread to spare, the index is built when it is needed.
        Ok(building(date, thread))
    }

    /// The list in use, read.
    fn load(&self) -> std::result::Result<ScreeningList, String> {
        match &self.file {
            Some(p) => read_imported(p),
            None => chipexport_parties::embedded().map_err(|e| e.to_string()),
        }
    }
}

/// The error of a list that cannot be loaded.
fn load_failed(m: String) -> Error {
    Error::environment(
        format!("cannot load the screening list: {m}"),
        "re-import the list with `chipexport parties import`",
    )
}

/// A list's index being built on another thread
/// ([`Screener::index_in_background`]).
pub struct Building {
    screener: Arc<Screener>,
    date: Date,
    thread: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl std::fmt::Debug for Building {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Building")
            .field("list_date", &self.date)
            .finish_non_exhaustive()
    }
}

impl Building {
    /// The list's date, known before the index.
    pub fn list_date(&self) -> Date {
        self.date
    }

    /// The index, once built (waits for the thread building it).
    pub fn wait(&self) -> Result<Arc<Index>> {
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(t) = thread {
            // A panic there is a bug: the index is built here instead, and
            // panics again where it shows.
            let _ = t.join();
        }
        self.screener.index()
    }
}

fn read_imported(p: &Path) -> std::result::Result<ScreeningList, String> {
    let text = std::fs::read_to_string(p).map_err(|e| format!("`{}`: {e}", p.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("`{}`: {e}", p.display()))
}

/// A name to screen.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreenRequest {
    /// The party's name.
    pub name: String,
    /// Its country (ISO 3166 alpha-2), a qualifier of the score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The date of the question, `YYYY-MM-DD` (default: today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
    /// The least score reported (default 0.88).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
}

/// One entry a name matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartyMatch {
    /// The entry's id.
    pub entry_id: String,
    /// The list's code (EL, SDN, DPL, UVL, MEU, CMIC, …).
    pub list: ListCode,
    /// The list's name.
    pub list_name: String,
    /// The entry's name as published.
    pub name: String,
    /// The name or alias that matched.
    pub matched: String,
    /// The score, 0 to 1.
    pub score: f64,
    /// `match` at 0.97 or more; `possible` below: a reviewer must clear or
    /// confirm it before it counts either way; `cleared` or `confirmed`
    /// once a reviewer has (see `review`).
    pub status: &'static str,
    /// The entry's countries.
    pub countries: Vec<String>,
    /// The licence requirement as published.
    pub license_requirement: Option<String>,
    /// The review policy as published.
    pub license_policy: Option<String>,
    /// The foreign-direct-product footnote (1, 4, 5), when the entry has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fdp_footnote: Option<u8>,
    /// Federal Register notices.
    pub federal_register: Option<String>,
    /// Why it matched.
    pub explanation: Explanation,
    /// The reviewer's decision that cleared or confirmed it, when one
    /// applies (made on or before the question's date).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<crate::reviews::ReviewCitation>,
}

impl PartyMatch {
    /// Whether it counts as a hit: a `match`, or `confirmed` by a reviewer.
    pub fn is_hit(&self) -> bool {
        matches!(self.status, "match" | "confirmed")
    }

    /// Whether it is a possible match that no reviewer has decided.
    pub fn is_possible(&self) -> bool {
        self.status == "possible"
    }
}

/// A name screened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Screening {
    /// The name as given.
    pub query: String,
    /// The country given, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The date of the question.
    pub on: Date,
    /// The list's date.
    pub list_date: Date,
    /// The list's source.
    pub list_source: String,
    /// Said when the list is more than 7 days older than the question.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// The threshold used.
    pub threshold: f64,
    /// The matches, best first.
    pub matches: Vec<PartyMatch>,
}

impl Screening {
    /// `listed` (a match at the confident score), `clear` (nothing above
    /// the threshold), or `possible match: review needed`.
    pub fn verdict(&self) -> &'static str {
        verdict(&self.matches)
    }
}

/// `listed` (a hit), `possible match: review needed`, or `clear` (nothing
/// above the threshold, or every match cleared by a reviewer).
pub fn verdict(matches: &[PartyMatch]) -> &'static str {
    if matches.iter().any(PartyMatch::is_hit) {
        "listed"
    } else if matches.iter().any(PartyMatch::is_possible) {
        "possible match: review needed"
    } else {
        "clear"
    }
}

/// A list file's error, located (file, line, field).
pub fn load_error(e: LoadError) -> Error {
    located(
        &e.file,
        e.line,
        e.field,
        e.message,
        "fix the file, or export the list again; nothing was imported",
    )
}

/// An error in a file at a line and a field; the message names both (a
/// located error without a column shows only the file).
fn located(
    file: &str,
    line: Option<usize>,
    field: Option<String>,
    message: String,
    help: &str,
) -> Error {
    let at = match (line, &field) {
        (Some(l), Some(f)) => format!("line {l}, field `{f}`: "),
        (Some(l), None) => format!("line {l}: "),
        (None, Some(f)) => format!("field `{f}`: "),
        (None, None) => String::new(),
    };
    let mut d = DataError::without_source(
        file.to_string(),
        format!("{at}{message}"),
        Some(help.to_string()),
    );
    d.line = line;
    d.key = field;
    Error::located(vec![d])
}

/// Refuses an empty or over-long name, naming the field.
pub(crate) fn check_name(field: &str, name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::input(
            format!("`{field}` is empty"),
            "give the party's name, e.g. \"Huawei Technologies Co., Ltd.\"",
        )
        .with_field(field));
    }
    let n = name.chars().count();
    if n > MAX_NAME_CHARS {
        return Err(Error::input(
            format!("`{field}` is {n} characters long, more than {MAX_NAME_CHARS}"),
            "give one party's name, not a list or an address",
        )
        .with_field(field));
    }
    Ok(())
}

/// Groups on Taiwan's SHTC Entity List that its pack names (10 Jun 2025),
/// found through their US Entity List entries.
const TW_SHTC_NAMED: &[&str] = &["huawei", "semiconductor manufacturing international"];

/// Entities on China's Unreliable Entity List that its pack names (9 Oct
/// 2025), by normalised name.
const CN_UEL_NAMED: &[&str] = &["techinsights", "tech insights", "strategy analytics"];

const FACT_LISTS: [ListCode; 5] = [
    ListCode::EntityList,
    ListCode::Meu,
    ListCode::Uvl,
    ListCode::Dpl,
    ListCode::Sdn,
];

impl App {
    /// The screening list in use (indexed on first use).
    pub fn screening_index(&self) -> Result<Arc<Index>> {
        self.screener.index()
    }

    /// Uses the list imported into `dir`, when there is one, and the
    /// reviewers' decisions in the decision log there.
    #[must_use]
    pub fn with_screening_data(mut self, dir: &Path) -> App {
        self.screener = Arc::new(Screener::new(Some(dir)));
        self
    }

    /// Reads the reviewers' decisions from the log at `at` (e.g. a
    /// PostgreSQL log) instead.
    #[must_use]
    pub fn with_review_log(mut self, at: crate::audit::LogLocation) -> App {
        let file = self.screener.file.clone();
        self.screener = Arc::new(Screener {
            file,
            cell: OnceLock::new(),
            reviews: Some(at),
        });
        self
    }

    /// The reviewers' decisions screenings apply (none without a log).
    pub fn party_reviews(&self) -> Result<crate::reviews::Reviews> {
        self.screener
            .reviews
            .as_ref()
            .map_or_else(|| Ok(Default::default()), crate::reviews::Reviews::load)
    }

    /// Screens a name; `today` is used when the request has no date.
    /// Reviewers' decisions in the log in use apply.
    pub fn screen_party(&self, req: &ScreenRequest, today: Date) -> Result<Screening> {
        self.screen_party_with(req, today, &self.party_reviews()?)
    }

    /// Screens a name, applying `reviews`.
    pub fn screen_party_with(
        &self,
        req: &ScreenRequest,
        today: Date,
        reviews: &crate::reviews::Reviews,
    ) -> Result<Screening> {
        check_name("name", &req.name)?;
        let on = req
            .on
            .as_deref()
            .map_or(Ok(today), |d| crate::question::date("on", d))?;
        let country = req
            .country
            .as_deref()
            .map(|c| crate::question::country("country", c))
            .transpose()?;
        let threshold = req.threshold.unwrap_or(DEFAULT_THRESHOLD);
        if !(0.5..=1.0).contains(&threshold) {
            return Err(Error::input(
                format!("threshold {threshold} is outside 0.5 to 1"),
                "the default, 0.88, was chosen on the evaluation set",
            )
            .with_field("threshold"));
        }
        let ix = self.screening_index()?;
        let list = ix.list();
        if list.date > on {
            return Err(Error::input(
                format!(
                    "the screening list is dated {}, after the question's date {on}: it cannot say who was listed then",
                    list.date
                ),
                "ask on or after the list's date, or import the list of that time with `chipexport parties import`",
            )
            .with_field("on"));
        }
        let age = i64::from((on - list.date).get_days());
        let warning = (age > STALE_DAYS).then(|| {
            format!(
                "the screening list is {age} days older than the question ({} against {on}): import a newer list with `chipexport parties import`",
                list.date
            )
        });
        let cc = country.map(|c| c.as_str().to_string());
        let mut matches = matches_of(&ix, &req.name, cc.as_deref(), threshold);
        reviews.apply(&req.name, &mut matches, on);
        Ok(Screening {
            query: req.name.clone(),
            country: cc,
            on,
            list_date: list.date,
            list_source: list.source.clone(),
            warning,
            threshold,
            matches,
        })
    }
}

/// The entries `name` matches at `threshold` or more, best first, before
/// any reviewer's decision.
pub(crate) fn matches_of(
    ix: &Index,
    name: &str,
    country: Option<&str>,
    threshold: f64,
) -> Vec<PartyMatch> {
    ix.search(name, country, threshold)
        .into_iter()
        .filter_map(|h| {
            let e: &Entry = ix.entry(h.entry)?;
            Some(PartyMatch {
                entry_id: e.id.clone(),
                list: e.list.clone(),
                list_name: e.source.clone(),
                name: e.name.clone(),
                matched: h.matched,
                score: h.score,
                status: if h.score >= CONFIDENT {
                    "match"
                } else {
                    "possible"
                },
                countries: e.countries.clone(),
                license_requirement: e.license_requirement.clone(),
                license_policy: e.license_policy.clone(),
                fdp_footnote: Some(e.fdp_footnote()).filter(|f| *f > 0),
                federal_register: e.federal_register.clone(),
                explanation: h.explanation,
                review: None,
            })
        })
        .collect()
}

impl App {
    /// The parties of a question screened, and the facts they give: a list
    /// is `true` when a party matches it at the confident score (or a
    /// reviewer confirmed the match), unknown when a party only possibly
    /// matches it, `false` otherwise.
    pub fn screen_parties(
        &self,
        parties: &[PartyRef],
        on: Date,
    ) -> Result<(Vec<PartyScreening>, PartyFacts)> {
        let mut out = Vec::new();
        if parties.is_empty() {
            return Ok((out, PartyFacts::default()));
        }
        let ix = self.screening_index()?;
        let reviews = self.party_reviews()?;
        for p in parties {
            let req = ScreenRequest {
                name: p.name.clone(),
                country: p.country.clone(),
                on: Some(on.to_string()),
                threshold: None,
            };
            let s = self.screen_party_with(&req, on, &reviews).map_err(|e| {
                let field = if e.field() == Some("country") {
                    format!("{}_country", p.role)
                } else {
                    p.role.to_string()
                };
                e.with_field(field)
            })?;
            out.push(PartyScreening {
                role: p.role,
                name: p.name.clone(),
                country: p.country.clone(),
                verdict: s.verdict(),
                warning: s.warning.clone(),
                matches: s.matches,
            });
        }
        let screened: Vec<(&str, &[PartyMatch])> = out
            .iter()
            .map(|p| (p.name.as_str(), p.matches.as_slice()))
            .collect();
        let facts = facts_of(&ix, &screened);
        Ok((out, facts))
    }
}

/// The party facts of parties screened (`(name, matches)`, reviewers'
/// decisions applied): a list is `true` when a party's match on it is a
/// hit, unknown when one only possibly matches it, `false` otherwise; the
/// Entity List's footnote and policy from the hits.
pub(crate) fn facts_of(ix: &Index, parties: &[(&str, &[PartyMatch])]) -> PartyFacts {
    let mut facts = PartyFacts {
        screened: true,
        listed_owner_share: Some(0.0),
        ..PartyFacts::default()
    };
    let mut lists: [Option<bool>; 5] = [Some(false); 5];
    let mut footnote: Option<f64> = None;
    let mut policy: Option<&'static str> = None;
    for (name, matches) in parties {
        for (code, slot) in FACT_LISTS.iter().zip(lists.iter_mut()) {
            let on_list: Vec<&PartyMatch> = matches.iter().filter(|m| m.list == *code).collect();
            let hits: Vec<&&PartyMatch> = on_list.iter().filter(|m| m.is_hit()).collect();
            if !hits.is_empty() {
                *slot = Some(true);
            } else if on_list.iter().any(|m| m.is_possible()) && *slot == Some(false) {
                *slot = None;
            }
            if *code != ListCode::EntityList {
                continue;
            }
            for m in hits {
                let f = f64::from(m.fdp_footnote.unwrap_or(0));
                // 1 and 4 reach foreign-made items: keep the one found.
                if footnote.is_none_or(|x| x == 0.0 || (f > 0.0 && f < x)) {
                    footnote = Some(f);
                }
                let pol = ix
                    .list()
                    .entries
                    .iter()
                    .find(|e| e.id == m.entry_id)
                    .and_then(Entry::policy);
                if policy != Some("presumption_of_denial") && pol.is_some() {
                    policy = pol;
                }
            }
        }
        // Taiwan's SHTC list and China's UEL are not in the data: only the
        // entries their packs name are known (Huawei and SMIC with their
        // subsidiaries; TechInsights and Strategy Analytics).
        if matches.iter().any(|m| {
            m.list == ListCode::EntityList
                && m.is_hit()
                && TW_SHTC_NAMED
                    .iter()
                    .any(|k| m.name.to_ascii_lowercase().contains(k))
        }) {
            facts.tw_shtc = Some(true);
        }
        let norm = chipexport_parties::normalize::normalize(name);
        if CN_UEL_NAMED.iter().any(|k| norm.contains(k)) {
            facts.cn_uel = Some(true);
        }
    }
    let [el, meu, uvl, dpl, sdn] = lists;
    facts.entity_list = el;
    if el == Some(true) {
        facts.fdp_footnote = footnote;
        facts.entity_policy = policy.map(str::to_string);
    }
    facts.meu = meu;
    facts.uvl = uvl;
    facts.dpl = dpl;
    facts.sdn = sdn;
    facts
}

impl App {
    /// Screens the owners given (`NAME=PERCENT`, or `NAME` when the share
    /// is unknown) and sets the aggregate share of those matched with
    /// confidence to the Entity List or the MEU List; a listed owner of
    /// unknown share makes it unknown (Red Flag 29).
    pub fn screen_owners(
        &self,
        owners: &[String],
        on: Date,
        facts: &mut PartyFacts,
    ) -> Result<Vec<OwnerScreening>> {
        let mut out = Vec::new();
        let mut total = Some(0.0);
        let reviews = if owners.is_empty() {
            crate::reviews::Reviews::default()
        } else {
            self.party_reviews()?
        };
        for o in owners {
            let (name, share) = match o.rsplit_once('=') {
                Some((n, p)) => {
                    let p = p.trim().trim_end_matches('%');
                    let v: f64 = p.parse().ok().filter(|v| (0.0..=100.0).contains(v)).ok_or_else(|| {
                        Error::input(
                            format!("`{o}`: the share `{p}` is not a percentage from 0 to 100"),
                            "write owners as NAME=PERCENT, e.g. \"Huawei Investment & Holding Co., Ltd.=60\"",
                        )
                        .with_field("owners")
                    })?;
                    (n.trim().to_string(), Some(v))
                }
                None => (o.trim().to_string(), None),
            };
            let req = ScreenRequest {
                name: name.clone(),
                country: None,
                on: Some(on.to_string()),
                threshold: None,
            };
            let s = self
                .screen_party_with(&req, on, &reviews)
                .map_err(|e| e.with_field("owners"))?;
            let listed = s
                .matches
                .iter()
                .any(|m| m.is_hit() && matches!(m.list, ListCode::EntityList | ListCode::Meu));
            let possible = !listed
                && s.matches.iter().any(|m| {
                    m.is_possible() && matches!(m.list, ListCode::EntityList | ListCode::Meu)
                });
            // A listed owner adds its share; one of unknown share, or an
            // owner that only possibly matches, makes the total unknown.
            if listed {
                total = total.zip(share).map(|(t, v)| t + v);
            } else if possible {
                total = None;
            }
            out.push(OwnerScreening {
                name,
                share,
                verdict: s.verdict(),
                matches: s.matches,
            });
        }
        if !owners.is_empty() {
            facts.listed_owner_share = total;
        }
        Ok(out)
    }
}

/// An owner given for the affiliates rule, screened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnerScreening {
    /// The owner's name.
    pub name: String,
    /// Its share in percent, when given.
    pub share: Option<f64>,
    /// `listed`, `clear`, or `possible match: review needed`.
    pub verdict: &'static str,
    /// The matches, best first.
    pub matches: Vec<PartyMatch>,
}

/// A party's role in the transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The purchaser.
    Buyer,
    /// The end user.
    EndUser,
    /// The intermediate or ultimate consignee.
    Consignee,
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Role::Buyer => "buyer",
            Role::EndUser => "end_user",
            Role::Consignee => "consignee",
        })
    }
}

/// A party named in a question.
#[derive(Debug, Clone, PartialEq)]
pub struct PartyRef {
    /// Its role.
    pub role: Role,
    /// Its name.
    pub name: String,
    /// Its country, if given.
    pub country: Option<String>,
}

/// A party of a check, screened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartyScreening {
    /// Its role.
    pub role: Role,
    /// The name as given.
    pub name: String,
    /// The country given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// `listed`, `clear`, or `possible match: review needed`.
    pub verdict: &'static str,
    /// Said when the list is more than 7 days older than the question.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// The matches, best first.
    pub matches: Vec<PartyMatch>,
}

/// Imports a list file (CSL CSV or JSON, or FtM JSON lines, optionally
/// gzipped) into `dir`: read and checked whole, then written through a
/// temporary file, so a bad file leaves the previous list in place.
pub fn import(file: &Path, dir: &Path, list_date: Option<Date>) -> Result<ImportReport> {
    let bytes = std::fs::read(file).map_err(|e| {
        Error::input(
            format!("cannot read `{}`: {e}", file.display()),
            "check the path",
        )
        .with_source(e)
    })?;
    let bytes = chipexport_parties::gunzip(&bytes).map_err(|e| {
        Error::input(
            format!("cannot decompress `{}`: {e}", file.display()),
            "give the file as published, or gzipped",
        )
    })?;
    let name = file.display().to_string();
    let list = chipexport_parties::load(&name, &bytes, list_date).map_err(load_error)?;
    let out = dir.join(IMPORTED);
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).map_err(|e| {
            Error::environment(
                format!("cannot create `{}`: {e}", parent.display()),
                "check the permissions",
            )
            .with_source(e)
        })?;
    }
    let json = serde_json::to_vec(&list)
        .map_err(|e| Error::bug(format!("cannot serialise the list: {e}")))?;
    crate::write_file(&out, &json)?;
    Ok(ImportReport {
        file: name,
        written: out.display().to_string(),
        list_date: list.date,
        entries: list.entries.len(),
        by_list: list.counts(),
    })
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportReport {
    /// The file read.
    pub file: String,
    /// Where the list was written.
    pub written: String,
    /// The list's date.
    pub list_date: Date,
    /// Entries imported.
    pub entries: usize,
    /// Entries per list code.
    pub by_list: Vec<(String, usize)>,
}

/// The owners in an ownership file (CSV `name,percent`, or TOML
/// `[[owner]]` tables), as `check`'s owners (`NAME=PERCENT`, or `NAME` when
/// the share is unknown). An error names the file, the line and the field.
pub fn owners_file(path: &Path) -> Result<Vec<String>> {
    let bytes = std::fs::read(path).map_err(|e| {
        Error::input(
            format!("cannot read `{}`: {e}", path.display()),
            "check the path",
        )
        .with_source(e)
        .with_field("owners_file")
    })?;
    let file = path.display().to_string();
    let located = |line: Option<usize>, key: Option<String>, message: String| {
        located(
            &file,
            line,
            key,
            message,
            "fix the file: a CSV needs the header `name,percent`; a TOML file [[owner]] tables with `name` and `percent` (0 to 100, left out when unknown)",
        )
    };
    let owners = chipexport_parties::owners::parse(&file, &bytes)
        .map_err(|e| located(e.line, e.field, e.message))?;
    owners
        .into_iter()
        .map(|o| match o.percent {
            Some(p) => Ok(format!("{}={p}", o.name.trim())),
            None if o.name.contains('=') => Err(located(
                Some(o.line),
                Some("percent".into()),
                format!("`{}`: a name with `=` needs its share", o.name),
            )),
            None => Ok(o.name.trim().to_string()),
        })
        .collect()
}
