//! The index and the matcher. Every name an entry can be matched on is
//! tokenised once; candidates come from an inverted index of tokens and,
//! for misspelt words, from character trigrams of the vocabulary; each
//! candidate is scored by aligning the query's tokens with the name's
//! (Jaro-Winkler per token, best pairs first), weighted by how rare each
//! word is in the list; the country is a qualifier. Every match says which
//! name it matched, which tokens met, and the score.

use std::collections::HashMap;

use serde::Serialize;

use crate::Map;

use crate::model::{Entry, NameKind, ScreeningList};
use crate::normalize::{Token, compact, tokens};

/// The default threshold: matches scoring at least this are reported.
/// Chosen on the labelled evaluation set (`tests/evaluation.rs`,
/// `bench/parties.md`): below it, near misses (a listed name with one of
/// its distinctive words changed) begin to outnumber true variants.
pub const DEFAULT_THRESHOLD: f64 = 0.88;

/// At or above this score a match is a hit; between the threshold and
/// this, a possible match that a reviewer must clear or confirm.
pub const CONFIDENT: f64 = 0.97;

/// The longest name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 300;

/// Two words are "the same word" at this Jaro-Winkler similarity or more
/// (words of [`FUZZY_LEN`] letters or more; shorter ones must be equal).
const TOKEN_SIM: f64 = 0.84;

/// The shortest word a typo is allowed in. (6 removed some false hits,
/// "Canon" for "Cancon", but lost 2 points of recall on typos.)
const FUZZY_LEN: usize = 4;

/// The weight of a legal-form token (a distinctive word weighs 1 to ~10).
const LEGAL_WEIGHT: f64 = 0.3;

/// What the country qualifier takes from a score when the query's
/// country is not among the entry's.
const COUNTRY_PENALTY: f64 = 0.05;

/// Per-thread buffers reused across queries (sized to the largest index
/// seen): trigram counts per word, and per name the coverage bound.
#[derive(Default)]
struct Scratch {
    counts: Vec<u16>,
    touched: Vec<u32>,
    acc: Vec<f64>,
    best: Vec<f64>,
    stamp: Vec<u32>,
    round: Vec<u32>,
    hit: Vec<u32>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

struct IndexedName {
    entry: u32,
    kind: NameKind,
    text: String,
    tokens: Vec<u32>,
}

/// The list, indexed for matching.
pub struct Index {
    list: ScreeningList,
    names: Vec<IndexedName>,
    vocab: Map<String, u32>,
    words: Vec<String>,
    legal: Vec<bool>,
    weights: Vec<f64>,
    postings: Vec<Vec<u32>>,
    trigrams: Trigrams,
    compact: Map<String, Vec<u32>>,
    max_weight: f64,
}

/// Two tokens that met in a match.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenPair {
    /// The query's token (normalised).
    pub query: String,
    /// The name's token (normalised).
    pub name: String,
    /// Their similarity (1 for equal words).
    pub similarity: f64,
}

/// Why a name matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The name of the entry that matched, as published.
    pub matched_name: String,
    /// What that name is (the name, a short name, an alternative name).
    pub name_kind: NameKind,
    /// The tokens that met.
    pub tokens: Vec<TokenPair>,
    /// The query's tokens that met nothing.
    pub unmatched_query: Vec<String>,
    /// The name's tokens that met nothing.
    pub unmatched_name: Vec<String>,
    /// Share of the query's weight matched (0 to 1).
    pub query_coverage: f64,
    /// Share of the name's weight matched (0 to 1).
    pub name_coverage: f64,
    /// The country qualifier's effect, when a country was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Further notes: subsidiaries covered, the listed parent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// All of it in one sentence.
    pub summary: String,
}

/// One entry matched by a query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// The entry's position in the list.
    #[serde(skip)]
    pub entry: usize,
    /// The score, 0 to 1.
    pub score: f64,
    /// The name it matched, as published.
    pub matched: String,
    /// Why.
    pub explanation: Explanation,
}

impl Index {
    /// Indexes a list.
    pub fn build(list: ScreeningList) -> Index {
        let mut ix = Index {
            list,
            names: Vec::new(),
            vocab: Map::default(),
            words: Vec::new(),
            legal: Vec::new(),
            weights: Vec::new(),
            postings: Vec::new(),
            trigrams: Trigrams::default(),
            compact: Map::default(),
            max_weight: 1.0,
        };
        for (ei, kind, text, toks) in named_tokens(&ix.list.entries) {
            let ni = u32::try_from(ix.names.len()).unwrap_or(u32::MAX);
            let c = compact(&toks);
            if c.len() >= 4 {
                ix.compact.entry(c).or_default().push(ni);
            }
            let mut ids = Vec::with_capacity(toks.len());
            for t in toks {
                let id = ix.intern(t);
                if let Some(p) = ix.postings.get_mut(id as usize)
                    && p.last() != Some(&ni)
                {
                    p.push(ni);
                }
                ids.push(id);
            }
            ix.names.push(IndexedName {
                entry: u32::try_from(ei).unwrap_or(u32::MAX),
                kind,
                text,
                tokens: ids,
            });
        }
        // Inverse document frequency over names: rare words weigh more.
        let n = ix.names.len().max(1) as f64;
        ix.weights = ix
            .postings
            .iter()
            .zip(&ix.legal)
            .map(|(p, legal)| {
                if *legal {
                    LEGAL_WEIGHT
                } else {
                    (n / (p.len() as f64 + 1.0)).ln().max(1.0)
                }
            })
            .collect();
        ix.max_weight = ix.weights.iter().copied().fold(1.0, f64::max);
        ix.trigrams = Trigrams::of(
            ix.words
                .iter()
                .zip(&ix.legal)
                .map(|(w, legal)| (!*legal && w.len() >= 4).then_some(w.as_str())),
        );
        ix
    }

    fn intern(&mut self, t: Token) -> u32 {
        if let Some(id) = self.vocab.get(&t.text) {
            return *id;
        }
        let id = u32::try_from(self.words.len()).unwrap_or(u32::MAX);
        self.words.push(t.text.clone());
        self.vocab.insert(t.text, id);
        self.legal.push(t.legal);
        self.postings.push(Vec::new());
        id
    }

    /// The list.
    pub fn list(&self) -> &ScreeningList {
        &self.list
    }

    /// The entry at a position.
    pub fn entry(&self, i: usize) -> Option<&Entry> {
        self.list.entries.get(i)
    }

    /// The number of names indexed (names, short names and aliases).
    pub fn names(&self) -> usize {
        self.names.len()
    }

    fn weight(&self, id: u32) -> f64 {
        self.weights.get(id as usize).copied().unwrap_or(1.0)
    }

    fn word(&self, id: u32) -> &str {
        self.words.get(id as usize).map_or("", String::as_str)
    }

    /// Vocabulary words like `w`, with their similarity: `w` itself, and
    /// words of 4 letters or more within [`TOKEN_SIM`].
    fn expand(&self, w: &str) -> Vec<(u32, f64)> {
        let mut out = Vec::new();
        if let Some(id) = self.vocab.get(w) {
            out.push((*id, 1.0));
        }
        if w.len() < FUZZY_LEN {
            return out;
        }
        let need = u16::try_from((trigrams(w).count() / 3).max(1)).unwrap_or(u16::MAX);
        SCRATCH.with(|sc| {
            let mut sc = sc.borrow_mut();
            let sc = &mut *sc;
            sc.counts.resize(self.words.len(), 0);
            sc.touched.clear();
            for g in trigrams(w) {
                for id in self.trigrams.words(g) {
                    if let Some(c) = sc.counts.get_mut(*id as usize) {
                        if *c == 0 {
                            sc.touched.push(*id);
                        }
                        *c = c.saturating_add(1);
                    }
                }
            }
            for &id in &sc.touched {
                let c = sc.counts.get_mut(id as usize).map_or(0, std::mem::take);
                if c < need || out.first().is_some_and(|(e, _)| *e == id) {
                    continue;
                }
                let v = self.word(id);
                if v.len().abs_diff(w.len()) > 2 || v.len() < FUZZY_LEN {
                    continue;
                }
                let s = similarity(w, v);
                if s >= TOKEN_SIM {
                    out.push((id, s));
                }
            }
        });
        out
    }

    /// The entries matching `query` at `threshold` or more, best first
    /// (one hit per entry, on its best name). `country` (ISO alpha-2) is a
    /// qualifier: an entry whose countries do not include it loses
    /// `COUNTRY_PENALTY`.
    pub fn search(&self, query: &str, country: Option<&str>, threshold: f64) -> Vec<Hit> {
        let q = tokens(query);
        if q.iter().all(|t| t.legal) {
            return Vec::new();
        }
        // The query's tokens, each with its candidate words.
        let expansions: Vec<Vec<(u32, f64)>> = q
            .iter()
            .map(|t| {
                if t.legal {
                    Vec::new()
                } else {
                    self.expand(&t.text)
                }
            })
            .collect();
        let qweights: Vec<f64> = q
            .iter()
            .zip(&expansions)
            .map(|(t, ex)| {
                if t.legal {
                    LEGAL_WEIGHT
                } else {
                    // A word of the list weighs what it weighs there; an
                    // unknown word is as rare as the rarest.
                    ex.iter()
                        .max_by(|a, b| a.1.total_cmp(&b.1))
                        .map_or(self.max_weight, |(id, _)| self.weight(*id))
                }
            })
            .collect();
        let qtotal: f64 = qweights.iter().sum();
        // Upper bound of each candidate's query coverage.
        let legal_q: f64 = q.iter().filter(|t| t.legal).count() as f64 * LEGAL_WEIGHT;
        // score = (qcov + ncov) / 2 <= (qcov + 1) / 2: prune below that.
        let min_qcov = (2.0 * threshold - 1.0).max(0.0);
        let mut cands: Vec<u32> = SCRATCH.with(|sc| {
            let mut sc = sc.borrow_mut();
            let sc = &mut *sc;
            sc.acc.resize(self.names.len(), 0.0);
            sc.best.resize(self.names.len(), 0.0);
            sc.stamp.resize(self.names.len(), 0);
            sc.hit.clear();
            for (qi, ex) in expansions.iter().enumerate() {
                let w = qweights.get(qi).copied().unwrap_or(0.0);
                let mark = u32::try_from(qi + 1).unwrap_or(u32::MAX);
                sc.round.clear();
                for (id, sim) in ex {
                    for &ni in self.postings.get(*id as usize).into_iter().flatten() {
                        let i = ni as usize;
                        let (Some(st), Some(b)) = (sc.stamp.get_mut(i), sc.best.get_mut(i)) else {
                            continue;
                        };
                        if *st != mark {
                            *st = mark;
                            *b = *sim;
                            sc.round.push(ni);
                        } else if *sim > *b {
                            *b = *sim;
                        }
                    }
                }
                for &ni in &sc.round {
                    let i = ni as usize;
                    let b = sc.best.get(i).copied().unwrap_or(0.0);
                    if let Some(a) = sc.acc.get_mut(i) {
                        if *a == 0.0 {
                            sc.hit.push(ni);
                        }
                        *a += w * b;
                    }
                }
            }
            let mut out = Vec::new();
            for &ni in &sc.hit {
                let i = ni as usize;
                let a = sc.acc.get_mut(i).map_or(0.0, std::mem::take);
                if let Some(st) = sc.stamp.get_mut(i) {
                    *st = 0;
                }
                if (a + legal_q) / qtotal >= min_qcov - 1e-9 || self.covers_subsidiaries(ni) {
                    out.push(ni);
                }
            }
            // Names reached only in an earlier round keep a stale stamp:
            // clear every stamp this query set.
            for &ni in &sc.round {
                if let Some(st) = sc.stamp.get_mut(ni as usize) {
                    *st = 0;
                }
            }
            out
        });
        // The names whose distinctive words run together are the query's
        // (4 letters or more: no shorter one is kept).
        let same_letters = self
            .compact
            .get(&compact(&q))
            .map_or(&[][..], Vec::as_slice);
        cands.extend(same_letters.iter().copied());
        cands.sort_unstable();
        cands.dedup();
        let mut best: HashMap<u32, Hit> = HashMap::new();
        for ni in cands {
            let Some(h) = self.score(&q, &qweights, same_letters, ni, country, threshold) else {
                continue;
            };
            if h.score + 1e-9 < threshold {
                continue;
            }
            let e = u32::try_from(h.entry).unwrap_or(u32::MAX);
            match best.get(&e) {
                Some(b) if b.score >= h.score => {}
                _ => {
                    best.insert(e, h);
                }
            }
        }
        let mut hits: Vec<Hit> = best.into_values().collect();
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| self.rank(a).cmp(&self.rank(b)))
                .then_with(|| a.entry.cmp(&b.entry))
        });
        hits
    }

    fn rank(&self, h: &Hit) -> u8 {
        self.entry(h.entry).map_or(u8::MAX, |e| e.list.rank())
    }

    fn covers_subsidiaries(&self, ni: u32) -> bool {
        self.names
            .get(ni as usize)
            .and_then(|n| self.entry(n.entry as usize))
            .is_some_and(Entry::covers_subsidiaries)
    }

    /// Scores one name against the query, with the explanation.
    fn score(
        &self,
        q: &[Token],
        qw: &[f64],
        same_letters: &[u32],
        ni: u32,
        country: Option<&str>,
        threshold: f64,
    ) -> Option<Hit> {
        let name = self.names.get(ni as usize)?;
        let entry = self.entry(name.entry as usize)?;
        // Every pair's similarity, then best pairs first.
        let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
        for (i, t) in q.iter().enumerate() {
            for (j, id) in name.tokens.iter().enumerate() {
                let w = self.word(*id);
                let s = if t.text == w {
                    1.0
                } else if t.legal
                    || self.legal.get(*id as usize) == Some(&true)
                    || t.text.len() < FUZZY_LEN
                    || w.len() < FUZZY_LEN
                {
                    0.0
                } else {
                    let s = similarity(&t.text, w);
                    if s >= TOKEN_SIM { s } else { 0.0 }
                };
                if s > 0.0 {
                    pairs.push((s, i, j));
                }
            }
        }
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut qused = vec![false; q.len()];
        let mut nused = vec![false; name.tokens.len()];
        let mut met = Vec::new();
        let (mut qm, mut nm) = (0.0, 0.0);
        for (s, i, j) in pairs {
            if qused.get(i) == Some(&true) || nused.get(j) == Some(&true) {
                continue;
            }
            if let Some(u) = qused.get_mut(i) {
                *u = true;
            }
            if let Some(u) = nused.get_mut(j) {
                *u = true;
            }
            let id = name.tokens.get(j).copied().unwrap_or(0);
            qm += qw.get(i).copied().unwrap_or(0.0) * s;
            nm += self.weight(id) * s;
            met.push(TokenPair {
                query: q.get(i).map(|t| t.text.clone()).unwrap_or_default(),
                name: self.word(id).to_string(),
                similarity: round(s),
            });
        }
        let qtotal: f64 = qw.iter().sum();
        let ntotal: f64 = name.tokens.iter().map(|id| self.weight(*id)).sum();
        let qcov = if qtotal > 0.0 { qm / qtotal } else { 0.0 };
        let ncov = if ntotal > 0.0 { nm / ntotal } else { 0.0 };
        let mut score = (qcov + ncov) / 2.0;
        let mut notes = Vec::new();
        let split = q.iter().filter(|t| !t.legal).count()
            != name
                .tokens
                .iter()
                .filter(|id| self.legal.get(**id as usize) != Some(&true))
                .count();
        if split && same_letters.contains(&ni) && score < 0.98 {
            score = 0.98;
            notes.push("the same letters once spaces and legal forms are ignored".to_string());
        }
        if entry.covers_subsidiaries() {
            notes.push("the entry covers any successor, sub-unit or subsidiary".to_string());
            let distinctive = name
                .tokens
                .iter()
                .filter(|id| self.legal.get(**id as usize) != Some(&true))
                .count();
            if name.kind == NameKind::Name && distinctive >= 2 && ncov >= 0.95 && score < 0.9 {
                score = 0.9;
                notes.push(
                    "the query contains the listed name: a sub-unit or subsidiary may be covered"
                        .to_string(),
                );
            }
        }
        let mismatch = country.is_some_and(|c| {
            !entry.countries.is_empty()
                && !entry.countries.iter().any(|x| x.eq_ignore_ascii_case(c))
        });
        if mismatch {
            score -= COUNTRY_PENALTY;
        }
        if score + 1e-9 < threshold {
            return None;
        }
        if let Some(p) = entry.parent() {
            notes.push(format!("an affiliated entity of the listed {p}"));
        }
        let country_note = country.map(|c| {
            if entry.countries.is_empty() {
                format!("the entry gives no country; {c} not checked")
            } else if mismatch {
                format!(
                    "{c} is not among the entry's countries ({}): score lowered by {COUNTRY_PENALTY}",
                    entry.countries.join(", ")
                )
            } else {
                format!("{c} is among the entry's countries")
            }
        });
        let score = round(score.clamp(0.0, 1.0));
        let unmatched_query: Vec<String> = q
            .iter()
            .zip(&qused)
            .filter(|(_, u)| !**u)
            .map(|(t, _)| t.text.clone())
            .collect();
        let unmatched_name: Vec<String> = name
            .tokens
            .iter()
            .zip(&nused)
            .filter(|(_, u)| !**u)
            .map(|(id, _)| self.word(*id).to_string())
            .collect();
        let mut summary = format!(
            "matched the entry's {} \"{}\": {} of the query's words met ({:.0}% of its weight, {:.0}% of the name's)",
            name.kind.label(),
            name.text,
            met.len(),
            qcov * 100.0,
            ncov * 100.0
        );
        if !unmatched_name.is_empty() {
            summary.push_str(&format!("; not in the query: {}", unmatched_name.join(" ")));
        }
        if let Some(c) = &country_note {
            summary.push_str(&format!("; {c}"));
        }
        for n in &notes {
            summary.push_str(&format!("; {n}"));
        }
        Some(Hit {
            entry: name.entry as usize,
            score,
            matched: name.text.clone(),
            explanation: Explanation {
                matched_name: name.text.clone(),
                name_kind: name.kind,
                tokens: met,
                unmatched_query,
                unmatched_name,
                query_coverage: round(qcov),
                name_coverage: round(ncov),
                country: country_note,
                notes,
                summary,
            },
        })
    }
}

/// A name of an entry and its tokens: (entry, kind, name, tokens).
type Named = (usize, NameKind, String, Vec<Token>);

/// Entries at least this many are tokenised on more than one thread.
const PARALLEL_ENTRIES: usize = 4096;

/// Every name of `part` (entries from `first` on) with its tokens, names
/// without any left out.
fn tokenised(first: usize, part: &[Entry]) -> Vec<Named> {
    let mut out = Vec::with_capacity(part.len() * 2);
    for (i, e) in part.iter().enumerate() {
        for (kind, text) in e.match_names() {
            let toks = tokens(&text);
            if !toks.is_empty() {
                out.push((first + i, kind, text, toks));
            }
        }
    }
    out
}

/// Every name of `entries` with its tokens (names without any left out),
/// in order. Tokenising is most of the index's build and each name's is
/// its own: a long list is split among the cores (up to 4), the parts
/// joined in order.
fn named_tokens(entries: &[Entry]) -> Vec<Named> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    if threads < 2 || entries.len() < PARALLEL_ENTRIES {
        return tokenised(0, entries);
    }
    let size = entries.len().div_ceil(threads);
    std::thread::scope(|sc| {
        let mut parts = entries.chunks(size).enumerate();
        let (_, first) = parts.next().unwrap_or((0, &[]));
        let others: Vec<_> = parts
            .map(|(k, part)| {
                let spawned = std::thread::Builder::new()
                    .name("screening-index".into())
                    .spawn_scoped(sc, move || tokenised(k * size, part));
                (k, part, spawned.ok())
            })
            .collect();
        let mut out = tokenised(0, first);
        for (k, part, thread) in others {
            // Without a thread, or after a panic in it (which shows again
            // here), the part is tokenised on this one.
            match thread.map(|t| t.join()) {
                Some(Ok(named)) => out.extend(named),
                _ => out.extend(tokenised(k * size, part)),
            }
        }
        out
    })
}

/// Two words' similarity: Jaro, without Winkler's bonus for a common
/// prefix, which made "technology" meet "technopole" and "technolab".
fn similarity(a: &str, b: &str) -> f64 {
    crate::sim::jaro(a, b)
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The bytes a normalised word is made of, with the padding space: a
/// trigram of them is a number below `ALPHABET³`.
const ALPHABET: usize = 37;

/// A byte's place in [`ALPHABET`] (`None` for a byte no normalised word
/// has).
fn letter(b: u8) -> Option<usize> {
    match b {
        b' ' => Some(0),
        b'0'..=b'9' => Some(1 + usize::from(b - b'0')),
        b'a'..=b'z' => Some(11 + usize::from(b - b'a')),
        _ => None,
    }
}

/// The trigrams of a word padded with one space on each side, as numbers
/// (`None` for one with a byte outside [`ALPHABET`], which no word of the
/// list has), in order and with repeats.
fn trigrams(w: &str) -> impl Iterator<Item = Option<usize>> + '_ {
    let b = w.as_bytes();
    let at = move |i: usize| match i.checked_sub(1) {
        None => Some(b' '),
        Some(j) if j == b.len() => Some(b' '),
        Some(j) => b.get(j).copied(),
    };
    (0..b.len()).map(move |i| {
        let (x, y, z) = (at(i)?, at(i + 1)?, at(i + 2)?);
        Some((letter(x)? * ALPHABET + letter(y)?) * ALPHABET + letter(z)?)
    })
}

/// The vocabulary's words by trigram: per trigram, the ids of the words
/// that have it (once per occurrence, in id order), all in one array.
#[derive(Default)]
struct Trigrams {
    /// Where each trigram's ids start in `ids` (`ALPHABET³ + 1` of them).
    start: Vec<u32>,
    ids: Vec<u32>,
}

impl Trigrams {
    /// The trigrams of the words given (`None`: a word left out).
    fn of<'w>(words: impl Iterator<Item = Option<&'w str>> + Clone) -> Trigrams {
        let n = ALPHABET * ALPHABET * ALPHABET;
        let mut count = vec![0u32; n + 1];
        for w in words.clone().flatten() {
            for g in trigrams(w).flatten() {
                if let Some(c) = count.get_mut(g + 1) {
                    *c += 1;
                }
            }
        }
        let mut total = 0u32;
        for c in &mut count {
            total += *c;
            *c = total;
        }
        let mut next = count.clone();
        let mut ids = vec![0u32; total as usize];
        for (id, w) in words.enumerate() {
            let Some(w) = w else { continue };
            let id = u32::try_from(id).unwrap_or(u32::MAX);
            for g in trigrams(w).flatten() {
                if let Some(at) = next.get_mut(g) {
                    if let Some(slot) = ids.get_mut(*at as usize) {
                        *slot = id;
                    }
                    *at += 1;
                }
            }
        }
        Trigrams { start: count, ids }
    }

    /// The ids of the words with trigram `g`.
    fn words(&self, g: Option<usize>) -> &[u32] {
        let range =
            g.and_then(|g| Some(*self.start.get(g)? as usize..*self.start.get(g + 1)? as usize));
        range.and_then(|r| self.ids.get(r)).unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ListCode;

    fn entry(name: &str, alts: &[&str], countries: &[&str]) -> Entry {
        Entry {
            id: String::new(),
            list: ListCode::EntityList,
            source: "Entity List (EL) - Bureau of Industry and Security".into(),
            name: name.into(),
            alt_names: alts.iter().map(|s| s.to_string()).collect(),
            kind: None,
            countries: countries.iter().map(|s| s.to_string()).collect(),
            entity_number: None,
            license_requirement: None,
            license_policy: None,
            programs: vec![],
            federal_register: None,
            start_date: None,
        }
    }

    fn index() -> Index {
        let mut entries = vec![
            entry(
                "Huawei Technologies Co., Ltd. (Huawei)",
                &["Shenzhen Huawei Technologies"],
                &["CN"],
            ),
            entry("Huawei Technologies Canada Co., Ltd.", &[], &["CA"]),
            entry(
                "Sugon Information Industry Co., Ltd.",
                &["Dawning Information Industry"],
                &["CN"],
            ),
            entry(
                "Wisdom Import and Export (Shanghai) Co., Ltd. and any successor, sub-unit, or subsidiary thereof",
                &[],
                &["CN"],
            ),
        ];
        for i in 0..200 {
            entries.push(entry(&format!("Filler{i} Trading Co., Ltd."), &[], &["AE"]));
            entries.push(entry(&format!("Alpha{i} Technology Group"), &[], &["CN"]));
        }
        let mut l = ScreeningList {
            date: jiff::civil::date(2026, 7, 31),
            source: "test".into(),
            entries,
        };
        l.assign_ids();
        Index::build(l)
    }

    fn best(ix: &Index, q: &str, c: Option<&str>) -> Option<(String, f64)> {
        ix.search(q, c, DEFAULT_THRESHOLD).first().map(|h| {
            (
                ix.entry(h.entry)
                    .map(|e| e.name.clone())
                    .unwrap_or_default(),
                h.score,
            )
        })
    }

    #[test]
    fn a_long_list_is_tokenised_in_parts_as_in_one() {
        let list = crate::embedded().unwrap();
        let entries = &list.entries;
        assert!(entries.len() >= PARALLEL_ENTRIES);
        assert_eq!(named_tokens(entries), tokenised(0, entries));
    }

    #[test]
    fn variants_match() {
        let ix = index();
        for q in [
            "Huawei Technologies Co Ltd",
            "HUAWEI TECHNOLOGIES COMPANY LIMITED",
            "Technologies Huawei Co.",
            "Huawei Technolgies Co., Ltd.",
            "Hua Wei Technologies",
            "Shenzhen Huawei Technologies",
        ] {
            let b = best(&ix, q, None);
            assert_eq!(
                b.as_ref().map(|b| b.0.as_str()),
                Some("Huawei Technologies Co., Ltd. (Huawei)"),
                "{q}: {b:?}"
            );
        }
        assert_eq!(
            best(&ix, "Dawning Information Industry Co", Some("CN")).map(|b| b.0),
            Some("Sugon Information Industry Co., Ltd.".into())
        );
    }

    #[test]
    fn legal_forms_and_common_words_alone_match_nothing() {
        let ix = index();
        for q in [
            "Co., Ltd.",
            "Limited",
            "Technology",
            "Trading Co Ltd",
            "Technology Group",
        ] {
            assert!(ix.search(q, None, DEFAULT_THRESHOLD).is_empty(), "{q}");
        }
    }

    #[test]
    fn ordinary_names_match_nothing() {
        let ix = index();
        for q in [
            "Acme Widgets Inc",
            "Shenzhen Bright Future Electronics Co Ltd",
            "Hewlett Packard",
        ] {
            assert!(ix.search(q, None, DEFAULT_THRESHOLD).is_empty(), "{q}");
        }
    }

    #[test]
    fn country_is_a_qualifier() {
        let ix = index();
        let cn = best(&ix, "Huawei Technologies Co Ltd", Some("CN")).map(|b| b.1);
        let us = best(&ix, "Huawei Technologies Co Ltd", Some("US")).map(|b| b.1);
        assert_eq!(cn, Some(1.0));
        assert_eq!(us, Some(0.95));
    }

    #[test]
    fn a_subsidiary_of_an_entry_that_covers_them_is_possible() {
        let ix = index();
        let hits = ix.search(
            "Wisdom Import and Export (Shanghai) Co Ltd Shenzhen Branch",
            None,
            DEFAULT_THRESHOLD,
        );
        let h = hits.first().unwrap();
        assert!(h.score >= 0.9 && h.score < CONFIDENT, "{}", h.score);
        assert!(h.explanation.summary.contains("subsidiary"));
    }

    #[test]
    fn explanations_name_the_tokens() {
        let ix = index();
        let hits = ix.search("Huawei Technolgies", None, 0.5);
        let h = hits.first().unwrap();
        assert!(
            h.explanation.tokens.iter().any(|t| t.query == "technolgies"
                && t.name == "technologies"
                && t.similarity < 1.0)
        );
        assert!(h.explanation.unmatched_name.contains(&"~co".to_string()));
    }
}
