//! `check`: may this chip go to this destination and buyer on this date?

use chipexport_domain::Date;
use chipexport_rules::{Decision, RuleSet};

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

    /// The same decision asked on `on` instead, without deciding again:
    /// the question's date, and the knowledge date when the request gave
    /// none, become `on`, and nothing else changes.
    ///
    /// Only valid when the explanation does not quote the date
    /// ([`Checked::quotes_the_date`], which the caller tests once per
    /// decision), when `on` is in the same breakpoint interval
    /// ([`RuleSet::interval_of`]) as the date decided, and for a question
    /// that names no party or owner (screening reads the log's reviews,
    /// which change at any time). Then the decision is exactly the one
    /// decided anew, which the tests check on every interval.
    #[must_use]
    pub fn redated(&self, on: Date) -> Checked {
        let mut c = self.clone();
        c.redate(on);
        c
    }

    /// [`Checked::redated`] in place.
    pub fn redate(&mut self, on: Date) {
        let q = &mut self.resolved.question;
        q.on = on;
        self.decision.question.on = on;
        if q.known_as_of.is_none() {
            self.decision.known_as_of = on;
        }
    }

    /// How many times [`Checked::answer`]'s JSON holds the date that
    /// [`Checked::redate`] sets: the question's date, and the knowledge
    /// date when the request gave none.
    #[must_use]
    pub fn dates_in_answer(&self) -> usize {
        1 + usize::from(self.resolved.question.known_as_of.is_none())
    }

    /// True when the explanation quotes the question's date: a rule it
    /// names (fired, displaced or undetermined) reads the date itself.
    pub fn quotes_the_date(&self, rs: &RuleSet) -> bool {
        let d = &self.decision;
        d.reasons
            .iter()
            .map(|r| &r.rule)
            .chain(d.displaced.iter().flat_map(|x| [&x.rule, &x.by]))
            .chain(d.undetermined.iter().map(|u| &u.rule))
            .chain(d.possible_measures.iter().map(|u| &u.rule))
            .any(|id| rs.reads_the_date(id))
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

#[cfg(test)]
mod tests {
    use chipexport_domain::Date;

    use crate::App;
    use crate::question::{Ask, CheckRequest};

    fn json(c: &super::Checked) -> String {
        serde_json::to_string(&c.answer()).unwrap_or_else(|e| unreachable!("{e}"))
    }

    /// A decision redated within its breakpoint interval is the decision
    /// decided anew on that date, field for field and in the log's record:
    /// on every interval (its first, a middle and its last day), for every
    /// fifth catalog chip against six destinations in turn, enforced and as
    /// written, with and without a knowledge date and the context notes.
    #[test]
    fn a_decision_redated_within_its_interval_is_decided_anew() {
        let app = App::embedded().unwrap_or_else(|e| unreachable!("{e}"));
        let rs = app.rules();
        let mut starts = vec![Date::constant(2018, 1, 1)];
        starts.extend(rs.breakpoints().iter().copied());
        let ends: Vec<Date> = rs
            .breakpoints()
            .iter()
            .filter_map(|b| b.yesterday().ok())
            .chain(std::iter::once(Date::constant(2030, 12, 31)))
            .collect();
        let chips: Vec<String> = app
            .catalog()
            .entries
            .iter()
            .step_by(5)
            .map(|e| e.id.clone())
            .collect();
        let dests = ["CN", "SG", "AE", "RU", "MY", "DE"];
        let (mut compared, mut quoted) = (0, 0);
        for (k, (start, end)) in starts.iter().zip(&ends).enumerate() {
            if end < start || *end < Date::constant(2018, 1, 1) {
                continue;
            }
            let days = start
                .until(*end)
                .unwrap_or_else(|e| unreachable!("{e}"))
                .get_days();
            let middle = start
                .checked_add(jiff::Span::new().days(days / 2))
                .unwrap_or_else(|e| unreachable!("{e}"));
            for (n, chip) in chips.iter().enumerate() {
                let mut ask = Ask::to(dests[(k + n) % dests.len()]);
                ask.as_written = (k + n) % 3 == 0;
                if (k + n) % 4 == 1 {
                    ask.known_as_of = Some("2024-01-01".into());
                }
                let context = (k + n) % 5 == 2;
                let req = |on: Date| CheckRequest {
                    context,
                    ..CheckRequest::chip(
                        chip.clone(),
                        Ask {
                            on: Some(on.to_string()),
                            ..ask.clone()
                        },
                    )
                };
                let today = Date::constant(2026, 11, 30);
                let first = app
                    .check(&req(*start), today)
                    .unwrap_or_else(|e| unreachable!("{e}"));
                for d in [middle, *end] {
                    let anew = app
                        .check(&req(d), today)
                        .unwrap_or_else(|e| unreachable!("{e}"));
                    if first.quotes_the_date(rs) {
                        quoted += 1;
                        continue;
                    }
                    let redated = first.redated(d);
                    assert_eq!(json(&redated), json(&anew), "{chip} on {d}, from {start}");
                    assert_eq!(
                        redated.decision.outcome_record().to_json(),
                        anew.decision.outcome_record().to_json()
                    );
                    assert_eq!(
                        format!("{:?}", redated.resolved.question),
                        format!("{:?}", anew.resolved.question)
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 1000 && quoted > 0, "{compared} {quoted}");
    }
}
