//! A rule's outcome (`then`): what each slot's rules decide, read from
//! the rule's TOML table and checked against the vocabulary.

use chipexport_domain::diag::did_you_mean;

use super::{Outcome, Slot};
use crate::provision::{Direction, ProvisionKind, Terms};
use crate::vocabulary::{BINDS_EXTRA, ReviewPolicy, Vocabulary};

/// Where an outcome is wrong: the key (if one), the message and a hint.
pub(super) type OutcomeError = (Option<String>, String, Option<String>);

/// The outcome of a rule that decides `slot`, from its `then` table.
pub(super) fn outcome(
    slot: Slot,
    t: &toml::Table,
    vocab: &Vocabulary,
) -> Result<Outcome, OutcomeError> {
    let text = |k: &str| -> Result<String, OutcomeError> {
        match t.get(k) {
            Some(toml::Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            Some(_) => Err((
                Some(k.into()),
                format!("`{k}` must be non-empty text"),
                None,
            )),
            None => Err((
                None,
                format!("`then` needs `{k}` for a {} rule", slot.as_str()),
                Some(format!("add `{k} = \"...\"` to `then`")),
            )),
        }
    };
    let only = |allowed: &[&str]| -> Result<(), OutcomeError> {
        for k in t.keys() {
            if !allowed.contains(&k.as_str()) {
                return Err((
                    Some(k.clone()),
                    format!("unknown key `{k}` in `then` of a {} rule", slot.as_str()),
                    Some(format!("allowed: {}", allowed.join(", "))),
                ));
            }
        }
        Ok(())
    };
    match slot {
        Slot::Classification => {
            only(&["eccn", "note"])?;
            Ok(Outcome::Classification {
                eccn: text("eccn")?,
                note: t.get("note").and_then(|v| v.as_str()).map(String::from),
            })
        }
        Slot::LicenseRequirement => {
            only(&["required"])?;
            match t.get("required") {
                Some(toml::Value::Boolean(b)) => Ok(Outcome::License { required: *b }),
                _ => Err((
                    Some("required".into()),
                    "`required` must be true or false".into(),
                    None,
                )),
            }
        }
        Slot::LicenseException => {
            only(&["exception", "obligations"])?;
            let obligations = match t.get("obligations") {
                None => Vec::new(),
                Some(toml::Value::Array(a)) => a
                    .iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect(),
                Some(_) => {
                    return Err((
                        Some("obligations".into()),
                        "`obligations` must be a list of text".into(),
                        None,
                    ));
                }
            };
            Ok(Outcome::Exception {
                exception: text("exception")?,
                obligations,
            })
        }
        Slot::ReviewPolicy => {
            only(&["policy"])?;
            let p = text("policy")?;
            let names = ReviewPolicy::names();
            let policy = ReviewPolicy::parse(&p).ok_or_else(|| {
                let help = match did_you_mean(&p, names) {
                    Some(m) => format!("did you mean `{m}`? one of: {}", names.join(", ")),
                    None => format!("one of: {}", names.join(", ")),
                };
                (
                    Some("policy".to_string()),
                    format!("unknown review policy `{p}`"),
                    Some(help),
                )
            })?;
            Ok(Outcome::Review { policy })
        }
        Slot::Condition | Slot::Measure | Slot::Notice => provision(slot, t, vocab),
    }
}

/// The terms of a condition, measure or notice, checked against the
/// vocabulary.
fn provision(slot: Slot, t: &toml::Table, vocab: &Vocabulary) -> Result<Outcome, OutcomeError> {
    let text = |k: &str| -> Result<Option<String>, OutcomeError> {
        match t.get(k) {
            Some(toml::Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
            Some(_) => Err((
                Some(k.into()),
                format!("`{k}` must be non-empty text"),
                None,
            )),
            None => Ok(None),
        }
    };
    let num = |k: &str| -> Result<Option<f64>, OutcomeError> {
        match t.get(k) {
            Some(toml::Value::Integer(i)) => Ok(Some(*i as f64)),
            Some(toml::Value::Float(f)) => Ok(Some(*f)),
            Some(_) => Err((
                Some(k.into()),
                format!("`{k}` must be a number"),
                Some(format!("write `{k} = <number>`")),
            )),
            None => Ok(None),
        }
    };
    let allowed: &[&str] = match slot {
        Slot::Measure => &["kind", "effect", "direction", "binds"],
        Slot::Notice => &["kind", "text"],
        _ => &[
            "kind",
            "text",
            "id",
            "percent",
            "max_percent",
            "payee",
            "basis",
        ],
    };
    for k in t.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err((
                Some(k.clone()),
                format!("unknown key `{k}` in `then` of a {} rule", slot.as_str()),
                Some(format!("allowed: {}", allowed.join(", "))),
            ));
        }
    }
    let Some(kind) = text("kind")? else {
        return Err((
            None,
            format!("`then` needs `kind` for a {} rule", slot.as_str()),
            Some("add `kind = \"...\"` to `then`".into()),
        ));
    };
    let known: Vec<&str> = match slot {
        Slot::Measure => vocab
            .measure_kinds()
            .iter()
            .map(|k| k.name.as_str())
            .collect(),
        Slot::Notice => vocab
            .notice_kinds()
            .iter()
            .map(|k| k.name.as_str())
            .collect(),
        _ => vocab
            .condition_kinds()
            .iter()
            .map(|k| k.name.as_str())
            .collect(),
    };
    Vocabulary::check(
        &format!("a {} kind (see {})", slot.as_str(), vocab.source_name()),
        &kind,
        known.iter().copied(),
    )
    .map_err(|(m, h)| (Some("kind".to_string()), m, Some(h)))?;
    let kind_name = kind.clone();
    let mut terms = Terms::of_kind(ProvisionKind::new(kind));
    let need = |k: &str, present: bool| -> Result<(), OutcomeError> {
        if present {
            Ok(())
        } else {
            Err((
                None,
                format!("a `{kind_name}` needs `{k}` in `then`"),
                Some(format!("add `{k} = ...` to `then`")),
            ))
        }
    };
    match slot {
        Slot::Measure => {
            let effect = text("effect")?;
            need("effect", effect.is_some())?;
            let direction = text("direction")?;
            need("direction", direction.is_some())?;
            let d = direction.unwrap_or_default();
            let Some(direction) = Direction::parse(&d) else {
                let names = Direction::ALL.map(Direction::as_str);
                let help = match did_you_mean(&d, names) {
                    Some(m) => format!("did you mean `{m}`? one of: {}", names.join(", ")),
                    None => format!("one of: {}", names.join(", ")),
                };
                return Err((
                    Some("direction".into()),
                    format!("unknown direction `{d}`"),
                    Some(help),
                ));
            };
            let binds = match t.get("binds") {
                Some(toml::Value::Array(a)) if !a.is_empty() => a,
                _ => {
                    return Err((
                        Some("binds".into()),
                        "a measure needs `binds`, a non-empty list of buyers".into(),
                        Some("e.g. binds = [\"all\"]".into()),
                    ));
                }
            };
            let buyers: Vec<&str> = BINDS_EXTRA
                .iter()
                .copied()
                .chain(vocab.buyer_types().iter().map(|b| b.name.as_str()))
                .collect();
            for v in binds {
                let b = v.as_str().unwrap_or("");
                Vocabulary::check("a buyer in `binds`", b, buyers.iter().copied())
                    .map_err(|(m, h)| (Some("binds".to_string()), m, Some(h)))?;
                terms.binds.push(b.to_string());
            }
            terms.effect = effect;
            terms.direction = Some(direction);
        }
        Slot::Notice => {
            terms.text = text("text")?;
            need("text", terms.text.is_some())?;
        }
        _ => {
            terms.text = text("text")?;
            terms.id = text("id")?;
            terms.payee = text("payee")?;
            terms.basis = text("basis")?;
            terms.percent = num("percent")?;
            terms.max_percent = num("max_percent")?;
            for (k, p) in [
                ("percent", terms.percent),
                ("max_percent", terms.max_percent),
            ] {
                if let Some(p) = p
                    && (!(0.0..=100.0).contains(&p) || p == 0.0)
                {
                    return Err((
                        Some(k.into()),
                        format!("`{k}` {p} is not a rate between 0 and 100"),
                        None,
                    ));
                }
            }
            let required = vocab
                .condition_kind(terms.kind.as_str())
                .map(|k| k.requires.clone())
                .unwrap_or_default();
            for k in &required {
                let present = match k.as_str() {
                    "text" => terms.text.is_some(),
                    "id" => terms.id.is_some(),
                    "payee" => terms.payee.is_some(),
                    "basis" => terms.basis.is_some(),
                    "percent" => terms.percent.is_some(),
                    "max_percent" => terms.max_percent.is_some(),
                    _ => true,
                };
                if !present {
                    let numeric = matches!(k.as_str(), "percent" | "max_percent");
                    return Err((
                        t.contains_key(k).then(|| k.clone()),
                        format!(
                            "a `{}` needs {} `{k}`",
                            terms.kind,
                            if numeric { "a numeric" } else { "a" }
                        ),
                        Some(if numeric {
                            format!("add `{k} = <number>`")
                        } else {
                            format!("add `{k} = \"...\"`")
                        }),
                    ));
                }
            }
        }
    }
    Ok(Outcome::Provision(Box::new(terms)))
}
