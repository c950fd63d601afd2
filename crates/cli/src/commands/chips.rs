//! `chipexport chips`: the catalog.

use chipexport::Result;
use chipexport::chips::{ChipSummary, MetricsReport};
use chipexport::question::Item;

use super::{Ctx, Output, render};
use crate::text::{columns, density, opt};

/// The `chips` subcommands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Every catalog entry with its metrics (or those matching --search).
    List {
        /// Only entries whose id, model, vendor or an alias contains this
        /// text (case-insensitive).
        #[arg(long)]
        search: Option<String>,
    },
    /// One entry: spec, metrics with derivation, sources.
    Show {
        /// Catalog id or model name.
        id: String,
    },
}

/// Runs a `chips` subcommand.
pub fn run(c: &Command, ctx: &Ctx) -> Result<Output> {
    let app = chipexport::App::embedded()?;
    match c {
        Command::List { search } => render(ctx, &app.chips(search.as_deref()), |l| list(l)),
        Command::Show { id } => {
            let d = app.chip(id)?;
            render(ctx, &d, |d| {
                let e = app.catalog().get(&d.id);
                let item = e.map(Item::of_entry);
                let mut o = item.as_ref().map_or(String::new(), |i| {
                    super::metrics::table(&MetricsReport::of(i), &i.name)
                });
                if let Some(n) = &d.spec.notes {
                    o.push_str(&format!("\nNOTES\n  {n}\n"));
                }
                o
            })
        }
    }
}

fn list(chips: &[ChipSummary]) -> String {
    let rows: Vec<[String; 8]> = chips
        .iter()
        .map(|c| {
            [
                c.id.clone(),
                c.vendor.clone().unwrap_or_default(),
                c.model.clone(),
                c.variant.clone().unwrap_or_default(),
                opt(c.tpp),
                density(c.performance_density),
                opt(c.memory_bandwidth_gbps),
                opt(c.interconnect_gbps),
            ]
        })
        .collect();
    let mut o = columns(
        [
            "id",
            "vendor",
            "model",
            "variant",
            "TPP",
            "PD",
            "mem GB/s",
            "link GB/s",
        ],
        &rows,
    );
    let unknown = chips.iter().filter(|c| c.tpp.is_none()).count();
    o.push_str(&format!(
        "\n{} entries; {unknown} without a published compute figure (TPP unknown)\n",
        chips.len()
    ));
    o
}
