//! Location-verification conditions (the Chip Security Act's, if the bill
//! is chosen, and licence conditions of kind `location_verification`) met,
//! or not, by the latest verification within a period.
//!
//! The rule engine attaches the condition to an answer; whether it is met
//! is a fact about a particular chip or licence over a period, which a
//! question about an item does not carry. So the check stays as it is, and
//! this joins its conditions with the fleet's verifications.

use std::path::Path;

use chipexport_rules::Provision;
use serde::Serialize;

use super::{LocationStatus, StatusRequest, status};
use crate::error::Result;

/// The condition kind this module answers for.
pub const LOCATION_VERIFICATION: &str = "location_verification";

/// One location-verification condition and whether it is met.
#[derive(Debug, Clone, Serialize)]
pub struct ConditionStatus {
    /// The rule that attached it (`pack#rule`).
    pub rule: String,
    /// The instrument's short name.
    pub instrument: String,
    /// The condition's text.
    pub text: Option<String>,
    /// Met: the latest verification within the period is `verified_in`.
    pub met: bool,
    /// The latest verification and why.
    pub status: LocationStatus,
}

/// The location-verification conditions among `conditions` (a decision's),
/// each met or not by the latest verification of the chip or licence of
/// `req` within its period. Conditions of other kinds are left out.
pub fn location_conditions(
    data: &Path,
    conditions: &[Provision],
    req: &StatusRequest,
) -> Result<Vec<ConditionStatus>> {
    let wanted: Vec<&Provision> = conditions
        .iter()
        .filter(|c| c.kind().as_str() == LOCATION_VERIFICATION)
        .collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let s = status(data, req)?;
    Ok(wanted
        .into_iter()
        .map(|c| ConditionStatus {
            rule: c.rule.clone(),
            instrument: c.instrument.clone(),
            text: c.terms.text.clone(),
            met: s.met,
            status: s.clone(),
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
