//! The chip catalog: every entry of `data/catalog/`, embedded, with lookup
//! by id or by model name.

#![warn(missing_docs)]

use chipexport_domain::{ChipSpec, DataError, Fault, Metrics, SourceFile};
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
        /// Ids of entries whose id or name contains it (at most 8).
        suggestions: Vec<String>,
    },
    /// Several entries have that name.
    #[error("`{query}` matches {} catalog entries", candidates.len())]
    Ambiguous {
        /// The name as given.
        query: String,
        /// The entries it matches, as `id (display name)`.
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
            LookupError::NotFound { suggestions, .. } if !suggestions.is_empty() => {
                format!("did you mean one of: {}? `chipexport chips list` shows every entry", suggestions.join(", "))
            }
            LookupError::NotFound { .. } => "`chipexport chips list` shows every entry; give a catalog id or a model name such as H20 or RTX 4090, or describe the chip in a spec file with --spec".into(),
            LookupError::Ambiguous { candidates, .. } => format!("name one of: {}", candidates.join(", ")),
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
}

fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
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
            Ok(Catalog { entries })
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

    /// Finds an entry by id, alias or model name, case-insensitively and
    /// ignoring spaces and punctuation. Tiers, in order: id, alias, model
    /// name, vendor plus model. The first tier with matches decides: one
    /// match is the answer, several are an ambiguity listing them.
    pub fn lookup(&self, query: &str) -> Result<&Entry, LookupError> {
        let q = norm(query);
        if let Some(e) = self
            .entries
            .iter()
            .find(|e| e.id == query.trim() || norm(&e.id) == q)
        {
            return Ok(e);
        }
        let tiers: [&dyn Fn(&Entry) -> bool; 3] = [
            &|e: &Entry| e.spec.aliases.iter().any(|a| norm(a) == q),
            &|e: &Entry| norm(&e.spec.name) == q,
            &|e: &Entry| {
                e.spec
                    .vendor
                    .as_ref()
                    .is_some_and(|v| norm(&format!("{v}{}", e.spec.name)) == q)
            },
        ];
        for t in tiers {
            let hits: Vec<&Entry> = self.entries.iter().filter(|e| t(e)).collect();
            match hits.as_slice() {
                [] => continue,
                [one] => return Ok(one),
                many => {
                    return Err(LookupError::Ambiguous {
                        query: query.to_string(),
                        candidates: many
                            .iter()
                            .map(|e| format!("{} ({})", e.id, e.spec.display_name()))
                            .collect(),
                    });
                }
            }
        }
        let mut suggestions: Vec<String> = self
            .entries
            .iter()
            .filter(|e| {
                !q.is_empty() && (norm(&e.spec.name).contains(&q) || norm(&e.id).contains(&q))
            })
            .map(|e| e.id.clone())
            .collect();
        suggestions.truncate(8);
        Err(LookupError::NotFound {
            query: query.to_string(),
            suggestions,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn selection_names_each_chip_once_then_the_domestic_ones() {
        let cat = Catalog::embedded().unwrap();
        let cn = chipexport_domain::Country::parse("CN").unwrap();
        let names = ["H20".to_string(), "nvidia-h20-hgx-96gb".to_string()];
        let plain = cat.selection(&names, None).unwrap();
        assert_eq!(plain.len(), 1, "the same chip named twice counts once");
        let with = cat.selection(&names, Some(cn)).unwrap();
        assert_eq!(with[0].id, plain[0].id, "named chips come first");
        assert!(with.len() > 1);
        assert!(
            with[1..]
                .iter()
                .all(|e| e.spec.origin_country == Some(cn) && e.has_figures())
        );
        assert!(cat.selection(&["no such chip".to_string()], None).is_err());
    }
}
