//! `chipexport timeline`: how the answer changes over time.

use chipexport::Result;
use chipexport::question::date;
use chipexport_rules::explain;

use super::{Ctx, Output, render};
use crate::args::{ItemArgs, QuestionArgs};

/// The options of `timeline`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    item: ItemArgs,
    #[command(flatten)]
    q: QuestionArgs,
    /// First date of the timeline.
    #[arg(long, default_value = "2022-01-01")]
    since: String,
}

/// Runs `timeline`.
pub fn run(a: &Args, ctx: &Ctx) -> Result<Output> {
    let app = a.q.rules.app()?;
    let item = a.item.resolve(&app)?;
    let since = date("since", &a.since)?;
    let r = app.timeline_of(&item, &a.q.ask(None), since)?;
    render(ctx, &r, |r| {
        explain::timeline_memo(&r.intervals, &item.name, r.destination.as_str())
    })
}
