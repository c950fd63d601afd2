//! Location-verification conditions (the Chip Security Act's, if the bill
//! is chosen, and licence conditions of kind `location_verification`) met,
//! or not, by the latest verification within a period.
//!
//! The rule engine attaches the condition to an answer; whether it is met
//! is a fact about a particular chip or licence over a period, which a
//! question about an item does not carry. So the decision stays as it is,
//! and [`for_check`] joins its conditions, and those of the licence that
//! covers it, with the fleet's verifications:
//!
//! * the subject is the chip (`serial`) when one is named, else the
//!   licence (any of its chips);
//! * the period is the licence's: from its first valid day to the
//!   question's date, or its last valid day if earlier. Only verifications
//!   measured by the question's date count, so an answer "as of" a date
//!   never uses what was learnt later. Without a recorded licence the
//!   period is every verification up to the question's date, and the
//!   answer says so;
//! * a condition is met only by a `verified_in` verification: no
//!   verification, an older one, a chip registered under another licence
//!   or no subject at all leave it unmet, with the reason.

use std::path::Path;

use chipexport_licences::{Condition, Licence};
use chipexport_rules::Provision;
use chipexport_store::fleet::Fleet;
use serde::Serialize;

use super::{LocationStatus, StatusRequest, status};
use crate::audit::LogLocation;
use crate::check::Checked;
use crate::error::Result;

/// The condition kind this module answers for.
pub const LOCATION_VERIFICATION: &str = "location_verification";

/// One location-verification condition and whether it is met.
#[derive(Debug, Clone, Serialize)]
pub struct ConditionStatus {
    /// What attached it: the rule (`pack#rule`), or `licence NUMBER`.
    pub rule: String,
    /// The instrument's short name, or the licence's number and authority.
    pub instrument: String,
    /// The condition's text.
    pub text: Option<String>,
    /// Met: the latest verification within the period is `verified_in`.
    pub met: bool,
    /// Why, in a sentence.
    pub reason: String,
    /// The period looked up, and where it comes from; `None` when nothing
    /// could be looked up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// The latest verification and why; `None` when nothing could be
    /// looked up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<LocationStatus>,
}

/// A location-verification condition before it is judged.
struct Wanted {
    rule: String,
    instrument: String,
    text: Option<String>,
}

impl Wanted {
    fn judged(self, met: bool, reason: String, period: Option<String>) -> ConditionStatus {
        ConditionStatus {
            rule: self.rule,
            instrument: self.instrument,
            text: self.text,
            met,
            reason,
            period,
            status: None,
        }
    }
}

fn of_decision(conditions: &[Provision]) -> impl Iterator<Item = Wanted> + '_ {
    conditions
        .iter()
        .filter(|c| c.kind().as_str() == LOCATION_VERIFICATION)
        .map(|c| Wanted {
            rule: c.rule.clone(),
            instrument: c.instrument.clone(),
            text: c.terms.text.clone(),
        })
}

fn of_licence(l: &Licence) -> impl Iterator<Item = Wanted> + '_ {
    l.conditions.iter().filter_map(|c| match c {
        Condition::LocationVerification { text } => Some(Wanted {
            rule: format!("licence {}", l.number),
            instrument: format!("{} ({})", l.number, l.authority),
            text: Some(text.clone()),
        }),
        _ => None,
    })
}

/// The location-verification conditions among `conditions` (a decision's),
/// each met or not by the latest verification of the chip or licence of
/// `req` within its period. Conditions of other kinds are left out.
pub fn location_conditions(
    data: &Path,
    conditions: &[Provision],
    req: &StatusRequest,
) -> Result<Vec<ConditionStatus>> {
    let wanted: Vec<Wanted> = of_decision(conditions).collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let s = status(data, req)?;
    let period = format!("{} to {}", req.from, req.to);
    Ok(wanted
        .into_iter()
        .map(|w| ConditionStatus {
            status: Some(s.clone()),
            ..w.judged(s.met, s.reason.clone(), Some(period.clone()))
        })
        .collect())
}

/// The location-verification conditions of a checked question, judged with
/// the fleet of `data` and the licence book at `book` (in `data`, or in
/// PostgreSQL): the decision's (the Chip
/// Security Act's, when the bill is chosen) and those of `licence`, the
/// licence that covers the question (from the licence match), each met or
/// not by the latest verification of `serial` (or, without one, of any
/// chip of the licence) within the licence's period up to the question's
/// date. Empty when neither carries such a condition.
pub fn for_check(
    data: &Path,
    book: &LogLocation,
    c: &Checked,
    licence: Option<&str>,
    serial: Option<&str>,
) -> Result<Vec<ConditionStatus>> {
    let on = c.resolved.question.on;
    let mut wanted: Vec<Wanted> = of_decision(&c.decision.conditions).collect();
    if wanted.is_empty() && licence.is_none() {
        // Neither the decision nor a covering licence carries a condition.
        return Ok(Vec::new());
    }
    let book = crate::licences::read(book)?;
    let find = |n: &str| book.licences.iter().find(|l| l.number == n);
    let covering = licence.and_then(find);
    if let Some(l) = covering {
        wanted.extend(of_licence(l));
    }
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let unmet = |wanted: Vec<Wanted>, reason: String| {
        wanted
            .into_iter()
            .map(|w| w.judged(false, reason.clone(), None))
            .collect()
    };
    // The fleet is kept in the data directory's database; without one there
    // is no verification to look up (and none is created by asking).
    if !data.join("decisions.sqlite").exists() {
        return Ok(unmet(
            wanted,
            format!(
                "no fleet is registered in `{}` (chipexport locate register), so no verification can meet it",
                data.display()
            ),
        ));
    }
    // The subject, and the licence whose period applies.
    let chip = match serial {
        Some(s) => match Fleet::open(data)?.chip(s)? {
            Some(chip) => Some(chip),
            None => {
                return Ok(unmet(
                    wanted,
                    format!(
                        "chip {s} is not registered in the fleet of `{}` (chipexport locate register)",
                        data.display()
                    ),
                ));
            }
        },
        None => None,
    };
    let number = match (&chip, licence) {
        (Some(chip), Some(n)) if chip.licence != n => {
            return Ok(unmet(
                wanted,
                format!(
                    "chip {} is registered under licence {}, not {n}, the licence that covers this question",
                    chip.serial, chip.licence
                ),
            ));
        }
        (Some(chip), _) => Some(chip.licence.as_str()),
        (None, Some(n)) => Some(n),
        (None, None) => {
            return Ok(unmet(
                wanted,
                "no chip or licence to look up: name the chip (--serial), or record the licence that covers the question".into(),
            ));
        }
    };
    let (from, to, period) = match number.and_then(find) {
        Some(l) if on < l.valid_from => {
            return Ok(unmet(
                wanted,
                format!(
                    "{on} is before licence {}'s first valid day, {}",
                    l.number, l.valid_from
                ),
            ));
        }
        Some(l) => {
            let to = on.min(l.valid_to);
            (
                l.valid_from.to_string(),
                to,
                format!(
                    "licence {}'s period, {} to {to}{}",
                    l.number,
                    l.valid_from,
                    if to < on {
                        " (its last valid day)"
                    } else {
                        " (the question's date)"
                    }
                ),
            )
        }
        None => (
            "0001-01-01".to_string(),
            on,
            format!(
                "up to {on} (the question's date); licence {} is not recorded in `{}`, so no licence period applies",
                number.unwrap_or("-"),
                data.display()
            ),
        ),
    };
    let req = StatusRequest {
        serial: serial.map(str::to_string),
        licence: if serial.is_some() {
            None
        } else {
            number.map(str::to_string)
        },
        from,
        to: to.to_string(),
    };
    let s = status(data, &req)?;
    Ok(wanted
        .into_iter()
        .map(|w| ConditionStatus {
            status: Some(s.clone()),
            ..w.judged(s.met, s.reason.clone(), Some(period.clone()))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::LogLocation;
    use crate::locate::{VerifyRequest, register, verify};

    #[test]
    fn the_chip_security_act_condition_is_met_by_a_verification_in_the_period() -> Result<()> {
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/locate/examples");
        let dir =
            std::env::temp_dir().join(format!("chipexport-locate-cond-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let app = crate::App::embedded()?;
        let req: crate::CheckRequest = serde_json::from_str(
            r#"{"chip": "H100", "to": "SG", "on": "2026-11-29", "with_packs": ["us-2025-05-15-chip-security-act"]}"#,
        )
        .map_err(|e| crate::Error::bug(e.to_string()))?;
        let checked = app.check(
            &req,
            chipexport_domain::parse_date("2026-11-29").map_err(crate::Error::bug)?,
        )?;
        let period = StatusRequest {
            serial: None,
            licence: Some("D1234567".into()),
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
        };
        register(&dir, &examples.join("fleet.toml"))?;
        let before = location_conditions(&dir, &checked.decision.conditions, &period)?;
        assert_eq!(before.len(), 1);
        assert!(
            before
                .iter()
                .all(|c| !c.met && c.rule.ends_with("#location-verification"))
        );
        let batch = std::fs::read_to_string(examples.join("sg-verified.jsonl"))
            .map_err(|e| crate::Error::bug(e.to_string()))?;
        let vr = VerifyRequest {
            batch,
            at: Some("2026-11-29T10:05:00Z".into()),
            ..VerifyRequest::default()
        };
        verify(
            &dir,
            &LogLocation::dir(&dir),
            &vr,
            jiff::Timestamp::UNIX_EPOCH,
        )?;
        let after = location_conditions(&dir, &checked.decision.conditions, &period)?;
        assert!(after.iter().all(|c| c.met), "{after:?}");
        let earlier = StatusRequest {
            from: "2026-01-01".into(),
            to: "2026-06-30".into(),
            ..period
        };
        assert!(
            location_conditions(&dir, &checked.decision.conditions, &earlier)?
                .iter()
                .all(|c| !c.met)
        );
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }
}

#[cfg(test)]
mod for_check_tests {
    use std::path::PathBuf;

    use super::*;
    use crate::audit::LogLocation;
    use crate::locate::{VerifyRequest, register, verify};
    use crate::{App, CheckRequest, Error};

    fn examples() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
    }

    /// A fresh data directory.
    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "chipexport-locate-check-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    fn check(app: &App, json: &str) -> Result<Checked> {
        let req: CheckRequest =
            serde_json::from_str(json).map_err(|e| Error::bug(e.to_string()))?;
        app.check(
            &req,
            chipexport_domain::parse_date("2026-11-29").map_err(Error::bug)?,
        )
    }

    /// Registers the example fleet, with its chip under `licence`.
    fn fleet(dir: &Path, licence: &str) -> Result<()> {
        let text = std::fs::read_to_string(examples().join("locate/examples/fleet.toml"))
            .map_err(|e| Error::bug(e.to_string()))?
            .replace(
                "licence = \"D1234567\"",
                &format!("licence = \"{licence}\""),
            );
        std::fs::create_dir_all(dir).map_err(|e| Error::bug(e.to_string()))?;
        let f = dir.join("fleet.toml");
        std::fs::write(&f, text).map_err(|e| Error::bug(e.to_string()))?;
        register(dir, &f)?;
        Ok(())
    }

    /// Verifies the example batch from Singapore (measured 2026-11-29
    /// 10:00 UTC).
    fn verify_sg(dir: &Path) -> Result<()> {
        let batch = std::fs::read_to_string(examples().join("locate/examples/sg-verified.jsonl"))
            .map_err(|e| Error::bug(e.to_string()))?;
        let vr = VerifyRequest {
            batch,
            at: Some("2026-11-29T10:05:00Z".into()),
            ..VerifyRequest::default()
        };
        verify(
            dir,
            &LogLocation::dir(dir),
            &vr,
            jiff::Timestamp::UNIX_EPOCH,
        )?;
        Ok(())
    }

    const CSA: &str = r#""with_packs": ["us-2025-05-15-chip-security-act"]"#;

    #[test]
    fn the_chip_security_act_condition_is_judged_on_the_named_chip_up_to_the_date() -> Result<()> {
        let d = dir("csa");
        let app = App::embedded()?;
        fleet(&d, "D1234567")?;
        let on = |date: &str| {
            check(
                &app,
                &format!(r#"{{"chip": "H100", "to": "SG", "on": "{date}", {CSA}}}"#),
            )
        };
        let c = on("2026-11-29")?;
        let before = for_check(&d, &LogLocation::dir(&d), &c, None, Some("SN-SG-0001"))?;
        assert_eq!(before.len(), 1);
        assert!(!before[0].met, "{before:?}");
        assert!(
            before[0]
                .reason
                .contains("no verification of chip SN-SG-0001")
        );
        verify_sg(&d)?;
        let after = for_check(&d, &LogLocation::dir(&d), &c, None, Some("SN-SG-0001"))?;
        assert!(after[0].met, "{after:?}");
        assert!(after[0].reason.starts_with("verified in SG"));
        // No licence is recorded: every verification up to the date counts,
        // and the answer says so.
        assert!(
            after[0]
                .period
                .as_deref()
                .is_some_and(|p| p.contains("no licence period applies")),
            "{after:?}"
        );
        // Asked as of the day before, the verification was not yet made.
        let earlier = for_check(
            &d,
            &LogLocation::dir(&d),
            &on("2026-11-28")?,
            None,
            Some("SN-SG-0001"),
        )?;
        assert!(!earlier[0].met, "{earlier:?}");
        // No subject: not met, and the reason says what to give.
        let nobody = for_check(&d, &LogLocation::dir(&d), &c, None, None)?;
        assert!(!nobody[0].met && nobody[0].reason.contains("--serial"));
        // An unregistered chip.
        let stranger = for_check(&d, &LogLocation::dir(&d), &c, None, Some("SN-XX-9999"))?;
        assert!(!stranger[0].met && stranger[0].reason.contains("not registered"));
        // Without the bill, no condition.
        let plain = check(&app, r#"{"chip": "H100", "to": "SG", "on": "2026-11-29"}"#)?;
        assert!(for_check(&d, &LogLocation::dir(&d), &plain, None, Some("SN-SG-0001"))?.is_empty());
        let _ = std::fs::remove_dir_all(&d);
        Ok(())
    }

    #[test]
    fn a_licence_condition_is_judged_on_its_chips_within_its_period() -> Result<()> {
        let d = dir("licence");
        let app = App::embedded()?;
        let nowhere = dir("licence-nowhere");
        let file = chipexport_domain::SourceFile::read(
            &examples().join("licences/examples/h200-bytedance.json"),
        )
        .map_err(|e| Error::located(vec![*e]))?;
        app.licence_add(&LogLocation::dir(&d), &file, "2026-11-29T00:00:00Z")?;
        let json = r#"{"chip": "H200", "to": "CN", "on": "2026-11-29", "end_user": "Beijing Volcano Engine Technology Co., Ltd."}"#;
        let c = check(&app, json)?;
        let req: CheckRequest =
            serde_json::from_str(json).map_err(|e| Error::bug(e.to_string()))?;
        let (terms, why) = app.licence_for_check(&LogLocation::dir(&d), &c, &req.ask)?;
        let number = terms.map(|t| t.number);
        assert_eq!(number.as_deref(), Some("D2000001"), "{why:?}");
        // Before any fleet is registered: not met, and nothing is created.
        let none = for_check(&nowhere, &LogLocation::dir(&d), &c, number.as_deref(), None)?;
        assert!(
            !none[0].met && none[0].reason.contains("no fleet is registered"),
            "{none:?}"
        );
        assert!(!nowhere.exists());
        fleet(&d, "D2000001")?;
        let before = for_check(&d, &LogLocation::dir(&d), &c, number.as_deref(), None)?;
        assert_eq!(before.len(), 1, "{before:?}");
        assert_eq!(before[0].rule, "licence D2000001");
        assert!(!before[0].met);
        verify_sg(&d)?;
        let after = for_check(&d, &LogLocation::dir(&d), &c, number.as_deref(), None)?;
        assert!(after[0].met, "{after:?}");
        assert_eq!(
            after[0].period.as_deref(),
            Some("licence D2000001's period, 2026-02-02 to 2026-11-29 (the question's date)")
        );
        // The chip is judged too, and must be under the covering licence.
        assert!(
            for_check(
                &d,
                &LogLocation::dir(&d),
                &c,
                number.as_deref(),
                Some("SN-SG-0001")
            )?[0]
                .met
        );
        let other = dir("licence-other");
        fleet(&other, "D1234567")?;
        app.licence_add(&LogLocation::dir(&other), &file, "2026-11-29T00:00:00Z")?;
        let wrong = for_check(
            &other,
            &LogLocation::dir(&other),
            &c,
            number.as_deref(),
            Some("SN-SG-0001"),
        )?;
        assert!(
            !wrong[0].met
                && wrong[0]
                    .reason
                    .contains("registered under licence D1234567, not D2000001"),
            "{wrong:?}"
        );
        let _ = std::fs::remove_dir_all(&d);
        let _ = std::fs::remove_dir_all(&other);
        Ok(())
    }
}
