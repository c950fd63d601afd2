//! `chipexport headroom`: how much performance fits under the lines.

use std::fmt::Write as _;

use chipexport::Result;
use chipexport::choice::Choice;
use chipexport::headroom::HeadroomReport;
use chipexport_domain::fmt_num;
use chipexport_rules::headroom::{Knob, Target};

use super::{Ctx, Output, render};
use crate::args::{DatedQuestionArgs, choice};

/// The options of `headroom`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    question: DatedQuestionArgs,
    /// The outcome to keep.
    #[arg(long, default_value = "no_license", value_parser = choice::<Target>())]
    target: Target,
    /// Knobs to vary, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "throughput,die_area,memory_bandwidth,interconnect",
        value_parser = choice::<Knob>()
    )]
    vary: Vec<Knob>,
}

/// Runs `headroom`.
pub fn run(a: &Args, ctx: &Ctx) -> Result<Output> {
    let app = a.question.q.rules.app()?;
    let item = a.question.item.resolve(&app)?;
    let ask = a.question.ask();
    let r = app.headroom_of(&item, &ask, a.target, &a.vary, ctx.clock.today())?;
    render(ctx, &r, |r| table(r, &item.name, a.target))
}

fn table(r: &HeadroomReport, name: &str, target: Target) -> String {
    let h = &r.headroom;
    let mut o = format!(
        "{name} to {} ({}) on {}: target {}\n",
        r.destination.name(),
        r.destination,
        r.on,
        target.name()
    );
    let holds = if h.holds_now {
        "holds"
    } else {
        "does not hold"
    };
    let _ = writeln!(o, "the target {holds} for the design as it is\n");
    for k in &h.knobs {
        let _ = writeln!(o, "  {}", k.text);
        if !k.binding_rules.is_empty() {
            let _ = writeln!(o, "      binds: {}", k.binding_rules.join(", "));
        }
        if k.limit.is_some() && !k.exact {
            o.push_str("      (found by search, not at a rule threshold)\n");
        }
    }
    if !h.frontier.is_empty() {
        o.push_str("\nFRONTIER (largest TPP that keeps the target, by die area)\n");
        for f in &h.frontier {
            let tpp = match f.max_tpp {
                Some(t) => format!("{} {}", if f.inclusive { "<=" } else { "<" }, fmt_num(t)),
                None if f.reachable => "unbounded".to_string(),
                None => "unreachable with the other knobs as they are".to_string(),
            };
            let _ = writeln!(o, "  {:>8} mm²   TPP {tpp}", fmt_num(f.die_area_mm2));
        }
    }
    if let Some(j) = &h.joint {
        let _ = writeln!(o, "\nNO SINGLE KNOB REACHES THE TARGET; {}", j.text);
    }
    o
}
