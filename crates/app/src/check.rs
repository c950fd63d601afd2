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
    /// The parties named, screened (empty when none was).
    pub parties: Vec<crate::parties::PartyScreening>,
    /// The owners given, screened, for the affiliates rule.
    pub owners: Vec<crate::parties::OwnerScreening>,
}

/// The answer to a check as the CLI prints it with `--format json` and the
/// API returns it: the decision, and how a catalog name was resolved when
/// it was not exact.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckAnswer<'a> {
    /// The decision.
    #[serde(flatten)]
    pub decision: &'a Decision,
    /// How the chip's name was taken, when it was not an exact catalog
    /// name (a documented default variant, or a normalised match).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<&'a str>,
    /// The parties named, each screened: the role, the name, the verdict
    /// and the matches that decided the party facts.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub parties: &'a [crate::parties::PartyScreening],
    /// The owners given, each screened, with its share.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub owners: &'a [crate::parties::OwnerScreening],
}

impl Checked {
    /// The answer without its context notes (market facts, companies' own
    /// actions): what is shown unless they are asked for.
    #[must_use]
    pub fn without_context(mut self) -> Checked {
        self.decision.context.clear();
        self
    }

    /// The answer to show.
    pub fn answer(&self) -> CheckAnswer<'_> {
        CheckAnswer {
            decision: &self.decision,
            resolution: self.resolved.item.resolution.as_deref(),
            parties: &self.parties,
            owners: &self.owners,
        }
    }
}

impl App {
    /// Decides a check request; `today` is used when the request has no
    /// date. The answer carries the item's metrics.
    pub fn check(&self, req: &CheckRequest, today: Date) -> Result<Checked> {
        let item = req.item.resolve(self.catalog())?;
        let c = self.check_of(item, &req.ask, today)?;
        Ok(if req.context { c } else { c.without_context() })
    }

    /// Decides the question about a resolved item.
    pub fn check_of(&self, item: Item, ask: &Ask, today: Date) -> Result<Checked> {
        let question =
            ask.without_parties()
                .question(&item.spec, &item.metrics, self.rules(), today)?;
        let (parties, mut facts) = self.screen_parties(&ask.parties(), question.on)?;
        let owners = self.screen_owners(&ask.owners, question.on, &mut facts)?;
        let question = question.parties(facts);
        let mut decision = self.rules().decide(&question);
        decision.metrics = Some(item.metrics.clone());
        Ok(Checked {
            resolved: Resolved { item, question },
            decision,
            parties,
            owners,
        })
    }
}
