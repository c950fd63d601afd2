//! The question as callers send it: the CLI's flags and the API's JSON
//! bodies are the same typed requests, resolved here, once, against the
//! catalog and the rule set into the engine's [`Question`].
//!
//! Requests that add options to the question ([`CheckRequest`],
//! [`crate::timeline::TimelineRequest`], [`crate::compare::CompareRequest`],
//! [`crate::headroom::HeadroomRequest`]) are flat JSON objects: their own
//! fields beside the question's ([`Ask`]). Unknown fields are refused, by
//! name.

use chipexport_catalog::Catalog;
use chipexport_domain::{ChipSpec, Country, Date, Metrics, SourceFile};
use chipexport_rules::{Mode, Question, RuleSet};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The question's options: destination, parties, date and rule choices.
/// Everything but the item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ask {
    /// Destination country: ISO 3166 alpha-2, e.g. `CN`.
    pub to: String,
    /// Headquarters of the end user or its ultimate parent (default: the
    /// destination).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_user_hq: Option<String>,
    /// The exporting country (default `US`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The date of the question, `YYYY-MM-DD` (default: today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
    /// The kind of buyer, when measures depend on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_type: Option<String>,
    /// The exporter's role, when rules depend on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exporter_role: Option<String>,
    /// Whether the item is subject to the US EAR, when that does not follow
    /// from the facts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_to_ear: Option<bool>,
    /// Apply instruments as printed, even those not enforced.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub as_written: bool,
    /// Proposed instruments (bills) to apply as if in force, by pack id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub with_packs: Vec<String>,
    /// Hindsight: answer with the rules and facts public on this date
    /// (`YYYY-MM-DD`) instead of on the question's date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_as_of: Option<String>,
    /// Only rules encoded at least this surely (`confirmed`, `secondary`,
    /// `estimate`, `unconfirmed`) decide; weaker ones leave the answer
    /// undetermined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_confidence: Option<chipexport_domain::Confidence>,
    /// The buyer (purchaser), screened against the restricted-party lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer: Option<String>,
    /// The buyer's country (ISO 3166 alpha-2), a qualifier of its screening.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_country: Option<String>,
    /// The end user, screened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_user: Option<String>,
    /// The end user's country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_user_country: Option<String>,
    /// The intermediate or ultimate consignee, screened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consignee: Option<String>,
    /// The consignee's country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consignee_country: Option<String>,
    /// Owners of the buyer or end user, `NAME=PERCENT` (or `NAME` when the
    /// share is unknown), for the affiliates (50%) rule: each is screened,
    /// and the shares of listed owners are added up.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owners: Vec<String>,
}

/// The item asked about: a catalog chip, or a spec of one's own.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemRef {
    /// A catalog id or model name, e.g. `H20`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chip: Option<String>,
    /// A chip spec in the JSON form of docs/spec-format.md.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<serde_json::Value>,
}

/// An item resolved: its spec, metrics and display name.
#[derive(Debug, Clone)]
pub struct Item {
    /// The spec.
    pub spec: ChipSpec,
    /// Its metrics, with derivation.
    pub metrics: Metrics,
    /// "NVIDIA H20 (HGX 96GB) [nvidia-h20-hgx-96gb]", or "… [spec FILE]".
    pub name: String,
    /// How a name that was not an exact catalog name was taken (a
    /// documented default variant, or a match after normalising spaces and
    /// punctuation); `None` for an exact name or a spec.
    pub resolution: Option<String>,
}

impl Item {
    /// A catalog entry as the item.
    pub fn of_entry(e: &chipexport_catalog::Entry) -> Item {
        Item {
            spec: e.spec.clone(),
            metrics: e.metrics.clone(),
            name: format!("{} [{}]", e.spec.display_name(), e.id),
            resolution: None,
        }
    }

    /// The catalog entry a name resolves to, saying how when the name was
    /// not exact.
    pub fn lookup(cat: &Catalog, name: &str) -> Result<Item> {
        let r = cat.lookup_explained(name)?;
        Ok(Item {
            resolution: r.note(),
            ..Item::of_entry(r.entry)
        })
    }

    /// A spec file's chip as the item; errors are located in the file.
    pub fn of_file(path: &std::path::Path) -> Result<Item> {
        let f = SourceFile::read(path)?;
        let spec = ChipSpec::parse(&f).map_err(Error::located)?;
        let name = format!("{} [spec {}]", spec.display_name(), path.display());
        Ok(Item {
            metrics: Metrics::of(&spec),
            spec,
            name,
            resolution: None,
        })
    }
}

impl ItemRef {
    /// The item: the catalog entry or the inline spec.
    pub fn resolve(&self, cat: &Catalog) -> Result<Item> {
        match (&self.chip, &self.spec) {
            (Some(_), Some(_)) => Err(Error::input(
                "give `chip` or `spec`, not both",
                "a catalog chip, or a spec of your own",
            )
            .with_field("chip")),
            (None, None) => Err(
                Error::input("give `chip` or `spec`", "e.g. \"chip\": \"H20\"").with_field("chip"),
            ),
            (Some(c), None) => Item::lookup(cat, c),
            (None, Some(v)) => {
                let text = serde_json::to_string_pretty(v).map_err(|e| {
                    Error::input(e.to_string(), "send the spec as a JSON object").with_field("spec")
                })?;
                let spec = ChipSpec::parse(&SourceFile::new("spec.json", text)).map_err(|es| {
                    let key = es
                        .first()
                        .and_then(|e| e.key.clone())
                        .map_or("spec".to_string(), |k| format!("spec.{k}"));
                    Error::located(es).with_field(key)
                })?;
                let name = format!("{} [spec]", spec.display_name());
                Ok(Item {
                    metrics: Metrics::of(&spec),
                    spec,
                    name,
                    resolution: None,
                })
            }
        }
    }
}

/// A country option, with the field named in the error.
pub fn country(field: &str, v: &str) -> Result<Country> {
    Country::parse(v).map_err(|e| Error::input(e.to_string(), e.help()).with_field(field))
}

/// A date option, with the field named in the error.
pub fn date(field: &str, v: &str) -> Result<Date> {
    chipexport_domain::parse_date(v).map_err(|m| {
        Error::input(m, "write dates as YYYY-MM-DD, e.g. 2025-05-01").with_field(field)
    })
}

impl Ask {
    /// A question to a destination, every other option at its default.
    pub fn to(destination: impl Into<String>) -> Ask {
        Ask {
            to: destination.into(),
            ..Ask::default()
        }
    }

    /// The parties named (buyer, end user, consignee), in that order.
    pub fn parties(&self) -> Vec<crate::parties::PartyRef> {
        use crate::parties::{PartyRef, Role};
        [
            (Role::Buyer, &self.buyer, &self.buyer_country),
            (Role::EndUser, &self.end_user, &self.end_user_country),
            (Role::Consignee, &self.consignee, &self.consignee_country),
        ]
        .into_iter()
        .filter_map(|(role, n, c)| {
            n.as_ref().map(|name| PartyRef {
                role,
                name: name.clone(),
                country: c.clone(),
            })
        })
        .collect()
    }

    /// The same question without its parties (which only `check` screens).
    #[must_use]
    pub fn without_parties(&self) -> Ask {
        Ask {
            buyer: None,
            buyer_country: None,
            end_user: None,
            end_user_country: None,
            consignee: None,
            consignee_country: None,
            owners: Vec::new(),
            ..self.clone()
        }
    }

    /// The date asked about, or `today`.
    pub fn date(&self, today: Date) -> Result<Date> {
        self.on.as_deref().map_or(Ok(today), |d| date("on", d))
    }

    /// The rule-set mode the options choose.
    pub fn mode(&self) -> Mode {
        if self.as_written {
            Mode::AsWritten
        } else {
            Mode::Enforced
        }
    }

    /// The question about `spec`; `today` is used when `on` is absent.
    pub fn question(
        &self,
        spec: &ChipSpec,
        metrics: &Metrics,
        rs: &RuleSet,
        today: Date,
    ) -> Result<Question> {
        if !self.owners.is_empty() && self.parties().is_empty() {
            return Err(Error::input(
                "`owners` are screened by `check` only",
                "ask `check` with the buyer and its owners",
            )
            .with_field("owners"));
        }
        if let Some(p) = self.parties().first() {
            return Err(Error::input(
                format!("`{}` is screened by `check` only", p.role),
                "ask `check` with the parties, or screen a name with `parties screen`",
            )
            .with_field(p.role.to_string()));
        }
        let destination = country("to", &self.to)?;
        let end_user_hq = match &self.end_user_hq {
            Some(c) => country("end_user_hq", c)?,
            None => destination,
        };
        let exported_from = match &self.from {
            Some(c) => country("from", c)?,
            None => Country::us(),
        };
        let on = self.date(today)?;
        let q = Question::new(spec, metrics, destination, on)
            .end_user_hq(end_user_hq)
            .exported_from(exported_from)
            .buyer_type(self.buyer_type.clone())
            .exporter_role(self.exporter_role.clone())
            .subject_to_ear(self.subject_to_ear)
            .mode(self.mode())
            .with_packs(self.with_packs.clone())
            .known_as_of(
                self.known_as_of
                    .as_deref()
                    .map(|k| date("known_as_of", k))
                    .transpose()?,
            )
            .min_confidence(self.min_confidence);
        rs.validate(&q)
            .map_err(|e| Error::input(e.message, e.help).with_field(e.field))?;
        Ok(q)
    }
}

/// The options of `check`: the item and the question.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CheckRequest {
    /// The item.
    #[serde(flatten)]
    pub item: ItemRef,
    /// The question.
    #[serde(flatten)]
    pub ask: Ask,
    /// Optional reviewer, order reference and note, kept in the decision
    /// log with the decision (they do not change it).
    #[serde(flatten)]
    pub annotation: crate::logged::Annotation,
    /// Also answer with the context notes (market facts, companies' own
    /// actions), which are not law. Off by default.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub context: bool,
    /// Also match the question to the licence book and judge the
    /// location-verification conditions with the fleet, as `check --data`
    /// does ([`crate::App::licence_match`]). Off by default.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub licences: bool,
    /// With `licences`: the chip's serial in the fleet, whose verifications
    /// judge the location-verification conditions (`check --serial`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
}

/// A question resolved: the item and the engine's question.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The item asked about.
    pub item: Item,
    /// The question.
    pub question: Question,
}

/// A flat JSON object split into a request's own fields and the question
/// ([`Ask`], which refuses unknown fields by name): serde's `flatten`
/// cannot refuse unknown fields, so requests that extend the question
/// deserialize through this.
pub(crate) struct Split {
    own: serde_json::Map<String, serde_json::Value>,
    /// The question.
    pub ask: Ask,
}

impl Split {
    /// Splits `value`, taking the keys `own` out before the rest is read as
    /// the question.
    pub fn of<E: serde::de::Error>(value: serde_json::Value, own: &[&str]) -> Result<Split, E> {
        let serde_json::Value::Object(mut rest) = value else {
            return Err(E::custom("expected a JSON object"));
        };
        let mut mine = serde_json::Map::new();
        for k in own {
            if let Some(v) = rest.remove(*k) {
                mine.insert((*k).to_string(), v);
            }
        }
        let ask = serde_json::from_value(serde_json::Value::Object(rest)).map_err(|e| {
            // Name the request's own fields among those expected, too.
            let own: Vec<String> = own.iter().map(|k| format!("`{k}`")).collect();
            E::custom(e.to_string().replace(
                "expected one of ",
                &format!("expected one of {}, ", own.join(", ")),
            ))
        })?;
        Ok(Split { own: mine, ask })
    }

    /// One of the request's own fields; absent or null is the default.
    pub fn take<T: DeserializeOwned + Default, E: serde::de::Error>(
        &mut self,
        key: &str,
    ) -> Result<T, E> {
        match self.own.remove(key) {
            None | Some(serde_json::Value::Null) => Ok(T::default()),
            Some(v) => serde_json::from_value(v).map_err(|e| E::custom(format!("`{key}`: {e}"))),
        }
    }

    /// The item fields, `chip` and `spec`.
    pub fn item<E: serde::de::Error>(&mut self) -> Result<ItemRef, E> {
        Ok(ItemRef {
            chip: self.take("chip")?,
            spec: self.take("spec")?,
        })
    }
}

impl<'de> Deserialize<'de> for CheckRequest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let mut s = Split::of(
            serde_json::Value::deserialize(d)?,
            &[
                "chip",
                "spec",
                "reviewer",
                "order_ref",
                "note",
                "context",
                "licences",
                "serial",
            ],
        )?;
        let licences: bool = s.take("licences")?;
        let serial: Option<String> = s.take("serial")?;
        if serial.is_some() && !licences {
            return Err(serde::de::Error::custom(
                "`serial` needs `licences: true`: a chip's verifications are judged \
                 against the licence that covers the question",
            ));
        }
        Ok(CheckRequest {
            item: s.item()?,
            context: s.take("context")?,
            licences,
            serial,
            annotation: crate::logged::Annotation {
                reviewer: s.take("reviewer")?,
                order_ref: s.take("order_ref")?,
                note: s.take("note")?,
            },
            ask: s.ask.clone(),
        })
    }
}

impl CheckRequest {
    /// A check of a catalog chip.
    pub fn chip(chip: impl Into<String>, ask: Ask) -> CheckRequest {
        CheckRequest {
            item: ItemRef {
                chip: Some(chip.into()),
                spec: None,
            },
            ask,
            annotation: crate::logged::Annotation::default(),
            context: false,
            licences: false,
            serial: None,
        }
    }

    /// Resolves the item and the question; `today` is used when `on` is
    /// absent.
    pub fn resolve(&self, rs: &RuleSet, cat: &Catalog, today: Date) -> Result<Resolved> {
        let item = self.item.resolve(cat)?;
        let question = self.ask.question(&item.spec, &item.metrics, rs, today)?;
        Ok(Resolved { item, question })
    }
}
