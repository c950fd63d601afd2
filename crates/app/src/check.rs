//! `check`: may this chip go to this destination and buyer on this date?

use chipexport_domain::Date;
use chipexport_rules::Decision;

use crate::App;
use crate::error::Result;
use crate::question::{Ask, CheckRequest, Item, Resolved};

/// A decision with the question and item it answered.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The resolved question and item.
    pub resolved: Resolved,
    /// The full answer, with its explanation and the item's metrics.
    pub decision: Decision,
}

impl App {
    /// Decides a check request; `today` is used when the request has no
    /// date. The answer carries the item's metrics.
    pub fn check(&self, req: &CheckRequest, today: Date) -> Result<Checked> {
        let item = req.item.resolve(self.catalog())?;
        self.check_of(item, &req.ask, today)
    }

    /// Decides the question about a resolved item.
    pub fn check_of(&self, item: Item, ask: &Ask, today: Date) -> Result<Checked> {
        let question = ask.question(&item.spec, &item.metrics, self.rules(), today)?;
        let mut decision = self.rules().decide(&question);
        decision.metrics = Some(item.metrics.clone());
        Ok(Checked {
            resolved: Resolved { item, question },
            decision,
        })
    }
}
