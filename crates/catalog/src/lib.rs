//! The chip catalog: every entry of `data/catalog/`, embedded, with lookup
//! by id or by model name.

#![warn(missing_docs)]

use chipexport_domain::{ChipSpec, DataError, Fault, Metrics, SourceFile, names};
use serde::Serialize;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_catalog.rs"));
}

/// One catalog entry with its metrics.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The catalog id, such as `nvidia-h20-hgx-96gb` (the file's stem).
    pub id: String,
    /// The file it was read from, such as `data/catalog/nvidia-h20-hgx-96gb.toml`.
    pub file: String,
    /// The chip's spec.
    pub spec: ChipSpec,
    /// The control metrics derived from the spec.
    pub metrics: Metrics,
}

impl Entry {
    /// True when the entry has at least one throughput figure.
    pub fn has_figures(&self) -> bool {
        !self.spec.throughput.is_empty() || !self.spec.throughput_sparse.is_empty()
    }
}

/// Why a lookup failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// No entry has that id or name.
    #[error("no chip `{query}` in the catalog")]
    NotFound {
        /// The name as given.
        query: String,
        /// Names or ids it may be a typo of, nearest first (edit distance,
        /// look-alikes such as `O`/`0` counting half), then names that
        /// contain it; at most 8.
        suggestions: Vec<String>,
    },
    /// The name fits several entries (variants of one model, say) and none
    /// of them is the documented default for it.
    #[error("`{query}` matches {} catalog entries", candidates.len())]
    Ambiguous {
        /// The name as given.
        query: String,
        /// The entries it fits, as `id (variant)`, sorted by id.
        candidates: Vec<String>,
    },
}

impl LookupError {
    /// Who is at fault: the input that named the chip ([`Fault::Input`]).
    pub fn fault(&self) -> Fault {
        Fault::Input
    }

    /// What to do: the close names, the candidates, or how to list entries.
    pub fn help(&self) -> String {
        match self {
            LookupError::NotFound { suggestions, .. } if suggestions.len() == 1 => {
                format!("did you mean {}? `chipexport chips list` shows every entry", suggestions.join(""))
            }
            LookupError::NotFound { suggestions, .. } if !suggestions.is_empty() => {
                format!("did you mean one of: {}? `chipexport chips list` shows every entry", suggestions.join(", "))
            }
            LookupError::NotFound { .. } => "`chipexport chips list` shows every entry; give a catalog id or a model name such as H20 or RTX 4090, or describe the chip in a spec file with --spec".into(),
            LookupError::Ambiguous { candidates, .. } => format!("the outcome can differ between variants: name one by its id: {}", candidates.join(", ")),
        }
    }
}

impl miette::Diagnostic for LookupError {
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(LookupError::help(self)))
    }
}

/// The catalog.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// Every entry, sorted by id.
    pub entries: Vec<Entry>,
    /// Each entry's names compacted ([`norm`]), in the order of `entries`:
    /// computed once at load, so a lookup folds only the query.
    keys: Vec<Keys>,
}

/// An entry's names as a lookup compares them: compacted.
#[derive(Debug, Clone)]
struct Keys {
    id: String,
    /// The aliases, each with its compacted form.
    aliases: Vec<(String, String)>,
    name: String,
    /// `vendor model` for each of the vendor's forms, with its compacted
    /// form.
    vendor_models: Vec<(String, String)>,
    vendor: Option<String>,
}

impl Keys {
    fn of(e: &Entry) -> Keys {
        let pair = |n: String| {
            let k = norm(&n);
            (n, k)
        };
        Keys {
            id: norm(&e.id),
            aliases: e.spec.aliases.iter().cloned().map(pair).collect(),
            name: norm(&e.spec.name),
            vendor_models: e
                .spec
                .vendor
                .as_deref()
                .map(|v| {
                    vendor_forms(v)
                        .into_iter()
                        .map(|v| pair(format!("{v} {}", e.spec.name)))
                        .collect()
                })
                .unwrap_or_default(),
            vendor: e.spec.vendor.as_deref().map(norm),
        }
    }
}

/// How a lookup found its entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// The catalog id.
    Id,
    /// One of the entry's aliases.
    Alias,
    /// The entry's model name.
    ModelName,
    /// The vendor followed by the model name.
    VendorModel,
}

impl MatchedBy {
    /// In words: `id`, `alias`, `model name`, `vendor and model name`.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchedBy::Id => "id",
            MatchedBy::Alias => "alias",
            MatchedBy::ModelName => "model name",
            MatchedBy::VendorModel => "vendor and model name",
        }
    }
}

/// A name that fits several entries, resolved to the one whose
/// `default_for` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DefaultChoice {
    /// The `default_for` name the query matched, as the catalog spells it.
    pub name: String,
    /// The other entries the name fits, as `id (variant)`, sorted by id.
    pub others: Vec<String>,
}

/// What a name resolved to, and how: callers report a resolution that is
/// not [exact](Resolution::is_exact).
#[derive(Debug, Clone, Serialize)]
pub struct Resolution<'a> {
    /// The entry found (serialised as its id).
    #[serde(rename = "id", serialize_with = "entry_id")]
    pub entry: &'a Entry,
    /// The name as given.
    pub query: String,
    /// Which of the entry's names matched.
    pub matched_by: MatchedBy,
    /// That name as the catalog spells it, such as `H20` or `NVIDIA H20`.
    pub matched_name: String,
    /// True when the query matched only once case, accents, spaces and
    /// punctuation were ignored (`h 20` for `H20`); case alone does not count.
    pub normalised: bool,
    /// The documented default chosen, when the name fits several entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<DefaultChoice>,
}

/// A resolution without a default: `normalised` when `given` and `name`
/// differ by more than case and accents.
fn resolved<'e>(entry: &'e Entry, given: &str, by: MatchedBy, name: &str) -> Resolution<'e> {
    Resolution {
        entry,
        query: given.to_string(),
        matched_by: by,
        matched_name: name.to_string(),
        normalised: names::fold(given) != names::fold(name.trim()),
        default: None,
    }
}

fn entry_id<S: serde::Serializer>(e: &&Entry, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&e.id)
}

impl Resolution<'_> {
    /// True when the query is an id, alias or name of exactly this entry,
    /// written as the catalog writes it (case aside).
    pub fn is_exact(&self) -> bool {
        !self.normalised && self.default.is_none()
    }

    /// For a resolution that is not exact, a sentence saying what the name
    /// was taken as; `None` for an exact one.
    pub fn note(&self) -> Option<String> {
        if self.is_exact() {
            return None;
        }
        let mut s = format!("`{}` was taken as {}", self.query, self.entry.id);
        if self.normalised {
            s.push_str(&format!(
                ": it matches the {} `{}` only when case, spaces and punctuation are ignored",
                self.matched_by.as_str(),
                self.matched_name
            ));
        }
        if let Some(d) = &self.default {
            s.push_str(&format!(
                "{} the catalog's default for `{}`; other variants: {}",
                if self.normalised { "; it is" } else { "," },
                d.name,
                d.others.join(", ")
            ));
        }
        Some(s)
    }
}

/// `id (variant)`, or `id (display name)` for an entry without a variant.
fn labelled(e: &Entry) -> String {
    format!(
        "{} ({})",
        e.id,
        e.spec
            .variant
            .clone()
            .unwrap_or_else(|| e.spec.display_name())
    )
}

/// The vendor's forms: as written, without its parenthetical, and the
/// parenthetical (`Intel (Habana)`: `Intel (Habana)`, `Intel`, `Habana`).
fn vendor_forms(vendor: &str) -> Vec<String> {
    let mut out = vec![vendor.to_string()];
    if let Some((outer, rest)) = vendor.split_once('(') {
        out.push(outer.trim().to_string());
        out.push(rest.trim_end_matches(')').trim().to_string());
    }
    out
}

fn norm(s: &str) -> String {
    names::compact(s)
}

/// True when `token` is a word of `words`, or the start of one (`sxm` of
/// `sxm5`).
fn has_word(words: &[String], token: &str) -> bool {
    words.iter().any(|w| w.starts_with(token))
}

/// Whether the alias `alias` of `e` also denotes its sibling `s` (same vendor
/// and model name): its words beyond the model's and the vendor's are all
/// words of `s`'s variant or id (`Gaudi 3 OAM` fits every OAM Gaudi 3), or
/// none of them is a word of `e`'s own (`Tesla V100`, `Intel Gaudi 3`).
fn alias_fits(alias: &str, e: &Entry, s: &Entry) -> bool {
    let model = names::tokens(&e.spec.name);
    let vendor = names::tokens(e.spec.vendor.as_deref().unwrap_or(""));
    let extra: Vec<String> = names::tokens(alias)
        .into_iter()
        .filter(|t| !model.contains(t) && !vendor.contains(t))
        .collect();
    let words = |x: &Entry| {
        let mut w = names::tokens(x.spec.variant.as_deref().unwrap_or(""));
        w.extend(names::tokens(&x.id));
        w
    };
    let (own, sib) = (words(e), words(s));
    extra.iter().all(|t| has_word(&sib, t)) || extra.iter().all(|t| !has_word(&own, t))
}

impl Catalog {
    /// The catalog shipped with chipexport.
    pub fn embedded() -> Result<Catalog, Vec<DataError>> {
        Catalog::load(
            embedded::ENTRIES
                .iter()
                .map(|(n, t)| SourceFile::new(*n, *t))
                .collect(),
        )
    }

    /// A catalog of spec files; every problem found is an error of the
    /// files ([`Fault::Rules`]): an unreadable spec, a missing or repeated id,
    /// an id that differs from the file name.
    pub fn load(files: Vec<SourceFile>) -> Result<Catalog, Vec<DataError>> {
        let mut errors = Vec::new();
        let mut entries: Vec<Entry> = Vec::new();
        for f in files {
            match ChipSpec::parse(&f) {
                Ok(spec) => {
                    let Some(id) = spec.id.clone() else {
                        errors.push(
                            f.error_at(
                                &["name"],
                                "a catalog entry needs an `id`",
                                Some("add `id = \"vendor-model-variant\"`".into()),
                            )
                            .in_rules(),
                        );
                        continue;
                    };
                    let stem = f
                        .name
                        .rsplit('/')
                        .next()
                        .unwrap_or("")
                        .trim_end_matches(".toml")
                        .to_string();
                    if stem != id {
                        errors.push(
                            f.error_at(
                                &["id"],
                                format!("id `{id}` does not match the file name `{stem}.toml`"),
                                None,
                            )
                            .in_rules(),
                        );
                    }
                    if entries.iter().any(|e| e.id == id) {
                        errors.push(
                            f.error_at(&["id"], format!("id `{id}` is used twice"), None)
                                .in_rules(),
                        );
                    }
                    for (i, d) in spec.default_for.iter().enumerate() {
                        let key = i.to_string();
                        let path = ["default_for", key.as_str()];
                        let own = std::iter::once(&spec.name).chain(&spec.aliases);
                        if !own.clone().any(|n| norm(n) == norm(d)) {
                            errors.push(
                                f.error_at(
                                    &path,
                                    format!("`default_for` names `{d}`, which is not a name of this entry"),
                                    Some("list only the model name or aliases of this entry".into()),
                                )
                                .in_rules(),
                            );
                        }
                        if let Some(other) = entries
                            .iter()
                            .find(|x| x.spec.default_for.iter().any(|n| norm(n) == norm(d)))
                        {
                            errors.push(
                                f.error_at(
                                    &path,
                                    format!("`{d}` is already the default of `{}`", other.id),
                                    Some("a name can be the default of one entry only".into()),
                                )
                                .in_rules(),
                            );
                        }
                    }
                    let metrics = Metrics::of(&spec);
                    entries.push(Entry {
                        id,
                        file: f.name.clone(),
                        spec,
                        metrics,
                    });
                }
                Err(es) => errors.extend(es.into_iter().map(DataError::in_rules)),
            }
        }
        entries.sort_by(|a, b| a.id.cmp(&b.id));
        if errors.is_empty() {
            let keys = entries.iter().map(Keys::of).collect();
            Ok(Catalog { entries, keys })
        } else {
            Err(errors)
        }
    }

    /// The entry with exactly this id; `None` when there is none.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// The chips to compare: each named one (looked up as [`Catalog::lookup`]
    /// does) once, in order, then, with `domestic_to`, every entry with
    /// figures designed in that country.
    pub fn selection(
        &self,
        names: &[String],
        domestic_to: Option<chipexport_domain::Country>,
    ) -> Result<Vec<&Entry>, LookupError> {
        let mut out: Vec<&Entry> = Vec::new();
        let named = names.iter().map(|n| self.lookup(n));
        let domestic = self
            .entries
            .iter()
            .filter(|e| {
                domestic_to.is_some() && e.spec.origin_country == domestic_to && e.has_figures()
            })
            .map(Ok);
        for e in named.chain(domestic) {
            let e = e?;
            if !out.iter().any(|x| x.id == e.id) {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// Finds an entry by id, alias, model name, or vendor plus model name,
    /// ignoring case, accents, spaces and punctuation (as
    /// [`Catalog::lookup_explained`], without saying how).
    pub fn lookup(&self, query: &str) -> Result<&Entry, LookupError> {
        self.lookup_explained(query).map(|r| r.entry)
    }

    /// Finds an entry as [`Catalog::lookup`] does, and says how it matched.
    ///
    /// An exact id wins. Otherwise every entry is found whose alias, model
    /// name, or vendor plus model name is the query (ignoring case, accents,
    /// spaces and punctuation), with the sibling variants (same vendor and
    /// model name) that the matched name also denotes (see
    /// `docs/spec-format.md`, "Names in the catalog"). One entry is the
    /// answer; several are an [`LookupError::Ambiguous`] listing them, unless
    /// exactly one lists the query in its `default_for`, which is then the
    /// answer with [`Resolution::default`] set. Nothing is resolved by
    /// similarity: a name that matches nothing is [`LookupError::NotFound`]
    /// with the nearest names.
    pub fn lookup_explained(&self, query: &str) -> Result<Resolution<'_>, LookupError> {
        let given = query.trim();
        let q = norm(given);
        let resolution = |entry, by, name: &str| resolved(entry, given, by, name);
        if let Some(e) = self.entries.iter().find(|e| e.id == given) {
            return Ok(resolution(e, MatchedBy::Id, &e.id));
        }
        if q.is_empty() {
            return Err(self.not_found(given));
        }
        if let Some((e, _)) = self.keyed().find(|(_, k)| k.id == q) {
            return Ok(resolution(e, MatchedBy::Id, &e.id));
        }
        let hits: Vec<(usize, MatchedBy, String)> = self
            .keyed()
            .enumerate()
            .filter_map(|(i, (e, k))| Catalog::name_match(e, k, &q).map(|(by, n)| (i, by, n)))
            .collect();
        let mut fits: Vec<&Entry> = hits
            .iter()
            .filter_map(|(i, _, _)| self.entries.get(*i))
            .collect();
        for (i, by, name) in &hits {
            let Some(e) = self.entries.get(*i) else {
                continue;
            };
            for s in self.siblings(*i) {
                let fits_s = *by != MatchedBy::Alias || alias_fits(name, e, s);
                if fits_s && !fits.iter().any(|x| x.id == s.id) {
                    fits.push(s);
                }
            }
        }
        fits.sort_by(|a, b| a.id.cmp(&b.id));
        let hit_of = |e: &Entry| {
            hits.iter()
                .find(|(h, _, _)| self.entries.get(*h).is_some_and(|h| h.id == e.id))
                .map_or((MatchedBy::Alias, e.spec.name.clone()), |(_, by, n)| {
                    (*by, n.clone())
                })
        };
        match fits.as_slice() {
            [] => Err(self.not_found(given)),
            [one] => {
                let (by, name) = hit_of(one);
                Ok(resolution(one, by, &name))
            }
            many => {
                let defaults: Vec<(&Entry, &String)> = many
                    .iter()
                    .filter_map(|e| {
                        e.spec
                            .default_for
                            .iter()
                            .find(|n| norm(n) == q)
                            .map(|n| (*e, n))
                    })
                    .collect();
                match defaults.as_slice() {
                    [(d, name)] => {
                        let (by, matched) = hit_of(d);
                        let mut r = resolution(d, by, &matched);
                        r.default = Some(DefaultChoice {
                            name: (*name).clone(),
                            others: many
                                .iter()
                                .filter(|e| e.id != d.id)
                                .map(|e| labelled(e))
                                .collect(),
                        });
                        Ok(r)
                    }
                    _ => Err(LookupError::Ambiguous {
                        query: given.to_string(),
                        candidates: many.iter().map(|e| labelled(e)).collect(),
                    }),
                }
            }
        }
    }

    /// Each entry with its compacted names.
    fn keyed(&self) -> impl Iterator<Item = (&Entry, &Keys)> {
        self.entries.iter().zip(&self.keys)
    }

    /// How entry `e`, of keys `k`, has the name `q` (compacted): an alias,
    /// the model name, or vendor plus model name, in that order, with the
    /// catalog's spelling.
    fn name_match(e: &Entry, k: &Keys, q: &str) -> Option<(MatchedBy, String)> {
        if let Some((a, _)) = k.aliases.iter().find(|(_, n)| n == q) {
            return Some((MatchedBy::Alias, a.clone()));
        }
        if k.name == q {
            return Some((MatchedBy::ModelName, e.spec.name.clone()));
        }
        k.vendor_models
            .iter()
            .find(|(_, n)| n == q)
            .map(|(n, _)| (MatchedBy::VendorModel, n.clone()))
    }

    /// The other entries of entry `i`'s model: the same vendor and model
    /// name.
    fn siblings(&self, i: usize) -> impl Iterator<Item = &Entry> + '_ {
        let own = self.keys.get(i);
        self.keyed()
            .enumerate()
            .filter(move |(j, (_, k))| {
                *j != i && own.is_some_and(|o| o.name == k.name && o.vendor == k.vendor)
            })
            .map(|(_, (s, _))| s)
    }

    /// The error for a name that matches nothing, with the nearest names:
    /// by edit distance over ids, aliases and model names, then names that
    /// contain the query.
    fn not_found(&self, given: &str) -> LookupError {
        let q = norm(given);
        let names_of = |e: &'_ Entry| -> Vec<String> {
            std::iter::once(e.spec.name.clone())
                .chain(e.spec.aliases.iter().cloned())
                .chain(std::iter::once(e.id.clone()))
                .collect()
        };
        // Each entry's nearest name, if near enough; nearest first.
        let mut near: Vec<(usize, usize, String)> = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            let all = names_of(e);
            if let Some(n) = names::nearest(given, all.iter().map(String::as_str), 1).first() {
                near.push((names::distance(&q, &norm(n)), i, (*n).to_string()));
            }
        }
        near.sort_by_key(|(d, i, _)| (*d, *i));
        let mut suggestions: Vec<String> = Vec::new();
        let add = |n: String, out: &mut Vec<String>| {
            if out.len() < 8 && !out.iter().any(|s| norm(s) == norm(&n)) {
                out.push(n);
            }
        };
        for (_, _, n) in near {
            add(n, &mut suggestions);
        }
        // Then entries with a name that contains the query: their shortest
        // such name.
        if q.chars().count() >= 3 {
            for e in &self.entries {
                let mut all: Vec<String> = names_of(e)
                    .into_iter()
                    .filter(|n| norm(n).contains(&q))
                    .collect();
                all.sort_by_key(|n| n.len());
                if let Some(n) = all.into_iter().next() {
                    add(n, &mut suggestions);
                }
            }
        }
        LookupError::NotFound {
            query: given.to_string(),
            suggestions,
        }
    }
}

#[cfg(test)]
mod tests;
