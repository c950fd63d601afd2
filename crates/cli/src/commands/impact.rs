//! `chipexport impact`: what a rule change does to an order book.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use chipexport::Result;
use chipexport::ledger::{ImpactRequest, ImpactSide};
use chipexport_batch::impact::{Bucket, Money, Report, Totals};

use super::{Ctx, Output, render};
use crate::text::money;

/// How many changed orders the report lists unless --changes-csv asks for
/// them all.
const LISTED_CHANGES: usize = 20;

/// The options of `impact`.
#[derive(clap::Args)]
pub struct Args {
    /// The ledger (.csv, .parquet or .jsonl).
    ledger: PathBuf,
    /// The scenario before: a date (every order on that date, current
    /// rules), or a rule pack file to add to the rules.
    #[arg(long)]
    before: String,
    /// The scenario after: a date, or a rule pack file (e.g. a bill's
    /// thresholds) to add to the rules.
    #[arg(long)]
    after: String,
    /// Also write the changed orders to this CSV file.
    #[arg(long)]
    changes_csv: Option<PathBuf>,
    /// Also write a one-page HTML report with a chart to this file.
    #[arg(long)]
    html: Option<PathBuf>,
}

/// Runs `impact`.
pub fn run(a: &Args, ctx: &Ctx) -> Result<Output> {
    let app = chipexport::App::embedded()?;
    let req = ImpactRequest {
        ledger: a.ledger.clone(),
        before: ImpactSide::parse("before", &a.before)?,
        after: ImpactSide::parse("after", &a.after)?,
        max_changes: if a.changes_csv.is_some() {
            usize::MAX
        } else {
            LISTED_CHANGES
        },
    };
    let bar = crate::progress::bar();
    let r = app.impact(&req, &mut |n| bar.set_position(n))?;
    bar.finish_and_clear();
    if let Some(path) = &a.changes_csv {
        chipexport::ledger::write_changes_csv(&r, path)?;
    }
    if let Some(path) = &a.html {
        chipexport::ledger::write_html(&r, path)?;
    }
    render(ctx, &r, table)
}

fn table(r: &Report) -> String {
    let mut o = format!(
        "impact on {} orders: before = {}, after = {}\n",
        r.rows, r.before, r.after
    );
    if r.rows_with_error > 0 {
        let _ = writeln!(
            o,
            "({} rows with an error are left out of the totals; `screen` names them)",
            r.rows_with_error
        );
    }
    if r.currencies.len() > 1 {
        let _ = writeln!(
            o,
            "(amounts are per currency: {}; they are never added across currencies)",
            r.currencies.join(", ")
        );
    }
    let t = &r.total;
    let _ = writeln!(
        o,
        "\n  orders changing outcome:           {}",
        t.orders_changed
    );
    for (label, b) in [
        ("newly needing a licence", &t.newly_license_required),
        (
            "newly under presumption of denial",
            &t.newly_presumption_of_denial,
        ),
        ("review policy changed", &t.review_policy_changed),
        ("measures changed", &t.measures_changed),
        ("newly undetermined (facts missing)", &t.newly_undetermined),
        ("newly determined", &t.newly_determined),
        ("freed (licence no longer needed)", &t.freed),
    ] {
        let _ = writeln!(o, "  {:<34} {}", format!("{label}:"), bucket(b));
    }
    let _ = writeln!(
        o,
        "  {:<34} {}",
        "new revenue share owed:",
        amounts(&t.new_revenue_share_owed)
    );
    section(&mut o, "CHIP", &r.by_chip);
    section(&mut o, "DESTINATION", &r.by_destination);
    section(&mut o, "CUSTOMER", &r.by_customer);
    if !r.changes.is_empty() {
        o.push_str("\nFIRST CHANGED ORDERS\n");
        for c in &r.changes {
            let _ = writeln!(
                o,
                "  {} {} to {} ({}): {} -> {}",
                c.order_id, c.chip, c.destination, c.end_user, c.before, c.after
            );
        }
        if r.changes_omitted > 0 {
            let _ = writeln!(
                o,
                "  ... and {} more (--changes-csv FILE writes them all)",
                r.changes_omitted
            );
        }
    }
    o
}

fn bucket(b: &Bucket) -> String {
    format!(
        "{} orders, {} units, value {}",
        b.orders,
        b.units,
        amounts(&b.value)
    )
}

fn section(o: &mut String, title: &str, m: &BTreeMap<String, Totals>) {
    let mut rows: Vec<(&String, &Totals)> =
        m.iter().filter(|(_, t)| t.orders_changed > 0).collect();
    rows.sort_by(|a, b| {
        b.1.newly_license_required
            .orders
            .cmp(&a.1.newly_license_required.orders)
            .then(b.1.orders_changed.cmp(&a.1.orders_changed))
    });
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(o, "\nBY {title}");
    for (k, t) in rows.iter().take(15) {
        let _ = writeln!(
            o,
            "  {k:<40} changed {:>7}  newly licence {}  new revenue share {}  freed {}  newly undetermined {}",
            t.orders_changed,
            amounts(&t.newly_license_required.value),
            amounts(&t.new_revenue_share_owed),
            amounts(&t.freed.value),
            amounts(&t.newly_undetermined.value)
        );
    }
}

/// Amounts by currency, with two decimals: `USD 1,200.00; EUR 300.00`.
fn amounts(m: &Money) -> String {
    chipexport_batch::impact::money_text_with(m, money)
}
