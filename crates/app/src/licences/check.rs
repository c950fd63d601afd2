//! A checked question matched to the licence book: the licence that
//! covers it, or why none does, and its location-verification conditions
//! judged with the fleet (`check --data`, and the service's check with
//! `licences`).

use std::path::Path;

use chipexport_licences::{Order, Tried};
use rust_decimal::Decimal;
use serde::Serialize;

use super::{Drawdowns, LicenceTerms, facts_of, read, reasons};
use crate::App;
use crate::audit::LogLocation;
use crate::check::Checked;
use crate::error::Result;
use crate::question::Ask;

/// A check's answer with the licence that covers it.
#[derive(Debug, Clone, Serialize)]
pub struct CheckWithLicence<'a> {
    /// The check's answer.
    #[serde(flatten)]
    pub answer: crate::check::CheckAnswer<'a>,
    /// What the licence book and the fleet say of it.
    #[serde(flatten)]
    pub matched: LicenceMatch,
}

/// What the licence book and the fleet say of a checked question
/// ([`App::licence_match`]).
#[derive(Debug, Clone, Serialize)]
pub struct LicenceMatch {
    /// The licence that covers the question; `None` when none does.
    pub licence: Option<LicenceTerms>,
    /// Why no licence covers it, or why each other licence does not.
    pub licence_reasons: Vec<String>,
    /// The location-verification conditions of the decision and of the
    /// licence, each met or not by the fleet's verifications
    /// ([`crate::locate::conditions::for_check`]); left out when there are
    /// none.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub location_verification: Vec<crate::locate::conditions::ConditionStatus>,
}

impl App {
    /// What the licence book at `book` and the fleet of `data` say of a
    /// checked question: the licence that covers it ([`App::licence_for_check`]),
    /// and the location-verification conditions of the decision and of that
    /// licence, judged on the latest verification of `serial` (or, without
    /// one, of any chip of the licence). `check --data` and the service's
    /// `POST /api/v1/check` with `licences` answer with it.
    pub fn licence_match(
        &self,
        data: &Path,
        book: &LogLocation,
        c: &Checked,
        ask: &Ask,
        serial: Option<&str>,
    ) -> Result<LicenceMatch> {
        let (licence, licence_reasons) = self.licence_for_check(book, c, ask)?;
        let number = licence.as_ref().map(|t| t.number.as_str());
        let location_verification =
            crate::locate::conditions::for_check(data, book, c, number, serial)?;
        Ok(LicenceMatch {
            licence,
            licence_reasons,
            location_verification,
        })
    }

    /// The licence of the book at `at` that covers a checked question (no
    /// units drawn: does any licence still cover it?), or why none does.
    pub fn licence_for_check(
        &self,
        at: &LogLocation,
        c: &Checked,
        ask: &Ask,
    ) -> Result<(Option<LicenceTerms>, Vec<String>)> {
        if c.decision.license_required != Some(true) {
            return Ok((
                None,
                vec!["no licence is required, so none is matched".into()],
            ));
        }
        let b = read(at)?;
        let draws = b.draws();
        let q = &c.resolved.question;
        let order = Order {
            id: "check".into(),
            date: q.on,
            item: facts_of(&c.resolved.item.spec, &c.resolved.item.metrics),
            eccn: Some(c.decision.eccn.clone()).filter(|e| e != "undetermined"),
            destination: q.destination,
            consignee: ask.consignee.clone(),
            end_user: ask.end_user.clone(),
            units: 0,
            value: Decimal::ZERO,
        };
        let m = chipexport_licences::determine(&b.licences, &b.us(), &Drawdowns(&draws), &order);
        let others: Vec<Tried> = m
            .tried
            .iter()
            .skip(usize::from(m.applied.is_some()))
            .cloned()
            .collect();
        let mut why = reasons(&others);
        if b.licences.is_empty() {
            why.push(format!(
                "no licence is recorded in `{}`",
                at.describe_licences()
            ));
        }
        Ok((
            m.applied.map(|a| LicenceTerms {
                number: a.number,
                remaining_units: a.remaining_units,
                remaining_value: a.remaining_value,
                expires: a.expires,
                conditions: a.conditions,
                unchecked: a.unchecked,
            }),
            why,
        ))
    }
}
