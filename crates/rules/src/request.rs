//! A question as callers send it (the HTTP API's JSON body, the CLI's
//! flags), resolved against the catalog and the rule set into a
//! [`Question`]. One place, so that every front end asks the same question.

use chipexport_catalog::Catalog;
use chipexport_domain::{ChipSpec, Country, Date, Metrics, SourceFile};
use serde::{Deserialize, Serialize};

use crate::engine::Question;

use crate::ruleset::{Mode, RuleSet};

/// The options of `check`, as JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// A catalog id or model name; or give `spec`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chip: Option<String>,
    /// A chip spec in the JSON form of docs/spec-format.md.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<serde_json::Value>,
    /// The destination country.
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The end user's headquarters (default: the destination).
    pub end_user_hq: Option<String>,
    /// The exporting country (default US).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// YYYY-MM-DD (default today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The buyer type (a word of the vocabulary).
    pub buyer_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The exporter role (a word of the vocabulary).
    pub exporter_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Whether the item is subject to the EAR when the facts do not say.
    pub subject_to_ear: Option<bool>,
    #[serde(default)]
    /// Apply the rules as written instead of as enforced.
    pub as_written: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// Bills to apply as if in force.
    pub with_packs: Vec<String>,
}

/// Why a request cannot be answered, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct RequestError {
    /// The field at fault.
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

fn err(field: &str, message: impl Into<String>, help: impl Into<String>) -> RequestError {
    RequestError {
        field: field.into(),
        message: message.into(),
        help: help.into(),
    }
}

/// A resolved request: the question, and the item it is about.
pub struct Resolved {
    /// The question.
    pub question: Question,
    /// The item.
    pub spec: ChipSpec,
    /// The item's metrics.
    pub metrics: Metrics,
    /// "NVIDIA H20 (HGX 96GB) [nvidia-h20-hgx-96gb]".
    pub name: String,
}

impl CheckRequest {
    /// Resolves the request; `today` is used when `on` is absent.
    pub fn resolve(
        &self,
        rs: &RuleSet,
        cat: &Catalog,
        today: Date,
    ) -> Result<Resolved, RequestError> {
        let (spec, name) = self.item(cat)?;
        let (question, metrics) = self.question_for(&spec, rs, today)?;
        Ok(Resolved {
            question,
            spec,
            metrics,
            name,
        })
    }

    /// The item: a catalog entry or the inline spec, with a display name.
    pub fn item(&self, cat: &Catalog) -> Result<(ChipSpec, String), RequestError> {
        Ok(match (&self.chip, &self.spec) {
            (Some(_), Some(_)) => {
                return Err(err(
                    "chip",
                    "give `chip` or `spec`, not both",
                    "a catalog chip, or a spec of your own",
                ));
            }
            (None, None) => {
                return Err(err(
                    "chip",
                    "give `chip` or `spec`",
                    "e.g. \"chip\": \"H20\"",
                ));
            }
            (Some(c), None) => {
                let e = cat
                    .lookup(c)
                    .map_err(|e| err("chip", e.to_string(), e.help()))?;
                (
                    e.spec.clone(),
                    format!("{} [{}]", e.spec.display_name(), e.id),
                )
            }
            (None, Some(v)) => {
                let text = serde_json::to_string_pretty(v)
                    .map_err(|e| err("spec", e.to_string(), "send the spec as a JSON object"))?;
                let s = ChipSpec::parse(&SourceFile::new("spec.json", text)).map_err(|es| {
                    let first = es.into_iter().next();
                    err(
                        &format!(
                            "spec{}",
                            first
                                .as_ref()
                                .and_then(|e| e.key.clone())
                                .map_or(String::new(), |k| format!(".{k}"))
                        ),
                        first
                            .as_ref()
                            .map_or("invalid spec".to_string(), |e| e.message.clone()),
                        first
                            .and_then(|e| e.help)
                            .unwrap_or_else(|| "see docs/spec-format.md".into()),
                    )
                })?;
                let name = format!("{} [spec]", s.display_name());
                (s, name)
            }
        })
    }

    /// The question about a given item (its `chip` and `spec` are ignored).
    pub fn question_for(
        &self,
        spec: &ChipSpec,
        rs: &RuleSet,
        today: Date,
    ) -> Result<(Question, Metrics), RequestError> {
        let country = |field: &str, v: &str| {
            Country::parse(v).map_err(|e| err(field, e.to_string(), e.help()))
        };
        let destination = country("to", &self.to)?;
        let on = match &self.on {
            Some(d) => chipexport_domain::parse_date(d)
                .map_err(|m| err("on", m, "write dates as YYYY-MM-DD"))?,
            None => today,
        };
        let metrics = Metrics::of(spec);
        let mut question = Question::new(spec, &metrics, destination, on)
            .buyer_type(self.buyer_type.clone())
            .exporter_role(self.exporter_role.clone())
            .subject_to_ear(self.subject_to_ear)
            .with_packs(self.with_packs.clone());
        if let Some(c) = &self.end_user_hq {
            question = question.end_user_hq(country("end_user_hq", c)?);
        }
        if let Some(c) = &self.from {
            question = question.exported_from(country("from", c)?);
        }
        if self.as_written {
            question = question.mode(Mode::AsWritten);
        }
        rs.validate(&question)
            .map_err(|e| err(&e.field, e.message, e.help))?;
        Ok((question, metrics))
    }
}
