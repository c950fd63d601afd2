//! `upcoming`: the changes the rule set knows of in the next days (packs
//! and rules taking effect or ending, enforcement changes, country-group
//! changes), and the answers each would change for a chip or a ledger.

use std::path::PathBuf;

use chipexport_batch::impact::Report;
use chipexport_domain::Date;
use serde::{Deserialize, Serialize};

use crate::App;
use crate::error::{Error, Result};
use crate::ledger::{ImpactRequest, ImpactSide};
use crate::question::{Ask, CheckRequest, ItemRef};

/// How far ahead `upcoming` looks when no horizon is given, in days.
pub const DEFAULT_DAYS: u32 = 90;

/// The options of `upcoming`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpcomingRequest {
    /// The horizon in days from today (default 90, at most 3,650).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    /// A chip whose answer to `to` each change may alter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chip: Option<String>,
    /// The destination asked about with `chip` (default `CN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The buyer's headquarters with `chip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_user_hq: Option<String>,
    /// A ledger whose orders each change may alter (CLI only).
    #[serde(skip)]
    pub ledger: Option<PathBuf>,
}

/// A chip's answer before and from a change.
#[derive(Debug, Clone, Serialize)]
pub struct AnswerChange {
    /// The verdict the day before.
    pub before: String,
    /// The verdict from the date.
    pub after: String,
    /// Whether they differ.
    pub changed: bool,
}

/// One date on which the rules change.
#[derive(Debug, Clone, Serialize)]
pub struct UpcomingChange {
    /// The date.
    pub date: Date,
    /// What changes: instruments and rules starting or ending, enforcement
    /// and country-group changes.
    pub changes: Vec<String>,
    /// The chip's answer before and from the date, when a chip was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chip: Option<AnswerChange>,
    /// The ledger's impact (orders on the day before against the date),
    /// when a ledger was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ledger: Option<Report>,
}

/// The changes ahead.
#[derive(Debug, Clone, Serialize)]
pub struct UpcomingReport {
    /// Today.
    pub today: Date,
    /// The last date looked at.
    pub until: Date,
    /// Each date with a change, in order.
    pub dates: Vec<UpcomingChange>,
}

impl App {
    /// The changes in the next `days` days.
    pub fn upcoming(&self, req: &UpcomingRequest, today: Date) -> Result<UpcomingReport> {
        let days = req.days.unwrap_or(DEFAULT_DAYS);
        if days > 3650 {
            return Err(Error::input(
                format!("`{days}` days is more than ten years"),
                "look ahead 3,650 days at most",
            )
            .with_field("days"));
        }
        let until = today
            .checked_add(jiff::Span::new().days(i64::from(days)))
            .map_err(|e| {
                Error::input(
                    format!("cannot add {days} days to {today}: {e}"),
                    "use a smaller --days",
                )
                .with_field("days")
            })?;
        let mut dates = Vec::new();
        for d in self
            .rules()
            .breakpoints()
            .iter()
            .copied()
            .filter(|d| *d > today && *d <= until)
        {
            let changes = self.rules().opened_on(d);
            if changes.is_empty() {
                continue;
            }
            let before = d
                .yesterday()
                .map_err(|e| Error::bug(format!("no day before {d}: {e}")))?;
            let chip = match &req.chip {
                Some(c) => Some(self.answer_change(c, req, before, d)?),
                None => None,
            };
            let ledger = match &req.ledger {
                Some(path) => Some(self.impact(
                    &ImpactRequest {
                        ledger: path.clone(),
                        before: ImpactSide::On {
                            date: before,
                            with_packs: Vec::new(),
                        },
                        after: ImpactSide::On {
                            date: d,
                            with_packs: Vec::new(),
                        },
                        max_changes: 20,
                    },
                    &mut |_| {},
                )?),
                None => None,
            };
            dates.push(UpcomingChange {
                date: d,
                changes,
                chip,
                ledger,
            });
        }
        Ok(UpcomingReport {
            today,
            until,
            dates,
        })
    }

    fn answer_change(
        &self,
        chip: &str,
        req: &UpcomingRequest,
        before: Date,
        on: Date,
    ) -> Result<AnswerChange> {
        let ask = |d: Date| CheckRequest {
            item: ItemRef {
                chip: Some(chip.to_string()),
                spec: None,
            },
            ask: Ask {
                end_user_hq: req.end_user_hq.clone(),
                on: Some(d.to_string()),
                ..Ask::to(req.to.clone().unwrap_or_else(|| "CN".into()))
            },
            ..CheckRequest::default()
        };
        let a = self.check(&ask(before), before)?.decision.verdict;
        let b = self.check(&ask(on), on)?.decision.verdict;
        Ok(AnswerChange {
            changed: a != b,
            before: a,
            after: b,
        })
    }
}
