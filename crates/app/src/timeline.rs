//! `timeline`: how the answer changes over time, interval by interval.

use chipexport_domain::{Country, Date};
use chipexport_rules::Interval;
use serde::{Deserialize, Serialize};

use crate::App;
use crate::error::Result;
use crate::question::{Ask, Item, ItemRef, Split, date};

/// The first date of a timeline when none is given.
pub const DEFAULT_SINCE: Date = Date::constant(2022, 1, 1);

/// The options of `timeline`: the item, the question (its `on` is not
/// used), and the first date.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TimelineRequest {
    /// The item.
    #[serde(flatten)]
    pub item: ItemRef,
    /// The first date, `YYYY-MM-DD` (default 2022-01-01).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// The question.
    #[serde(flatten)]
    pub ask: Ask,
}

impl<'de> Deserialize<'de> for TimelineRequest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let mut s = Split::of(
            serde_json::Value::deserialize(d)?,
            &["chip", "spec", "since"],
        )?;
        Ok(TimelineRequest {
            item: s.item()?,
            since: s.take("since")?,
            ask: s.ask.clone(),
        })
    }
}

/// The answer over time.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineReport {
    /// The catalog id (or the spec's id).
    pub chip: Option<String>,
    /// The display name.
    pub name: String,
    /// The destination.
    pub destination: Country,
    /// Intervals in date order, each with the instruments that opened it
    /// and its decision.
    pub intervals: Vec<Interval>,
}

impl App {
    /// The timeline of a question from `since` to the last breakpoint.
    pub fn timeline(&self, req: &TimelineRequest) -> Result<TimelineReport> {
        let since = req
            .since
            .as_deref()
            .map_or(Ok(DEFAULT_SINCE), |s| date("since", s))?;
        let item = req.item.resolve(self.catalog())?;
        self.timeline_of(&item, &req.ask, since)
    }

    /// The timeline of a resolved item (the question's `on` is not used).
    pub fn timeline_of(&self, item: &Item, ask: &Ask, since: Date) -> Result<TimelineReport> {
        let q = ask.question(&item.spec, &item.metrics, self.rules(), since)?;
        let intervals = self.rules().timeline(&q, since, Some(&item.metrics));
        Ok(TimelineReport {
            chip: item.spec.id.clone(),
            name: item.spec.display_name(),
            destination: q.destination,
            intervals,
        })
    }
}
