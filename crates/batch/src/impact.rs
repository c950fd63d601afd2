//! The impact of a rule change on an order book: which orders change
//! outcome between two scenarios, and the units and value affected, by chip,
//! destination and customer.

use std::collections::BTreeMap;
use std::path::Path;

use arrow::array::{Array, StringArray};
use chipexport_catalog::Catalog;
use chipexport_rules::{ReviewPolicy, RuleSet};
use rust_decimal::Decimal;
use serde::Serialize;

// Imported under its former name so that the lines using it, next to the
// `presumption_of_denial` comparison another change edits, stay untouched.
use crate::screen::{Columns, Scenario, Screener, SharedAnswer as Answer};
use crate::{BatchError, io};

/// Totals of one group of orders.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Orders counted (rows without an error).
    pub orders: u64,
    /// Orders whose outcome changed (licence, policy, exceptions, conditions,
    /// ECCN or measures).
    pub orders_changed: u64,
    /// Units ordered (the `quantity` column).
    pub units: i64,
    /// Order value: quantity times unit price, in the ledger's currency.
    pub value: Decimal,
    /// Units that need a licence after the change and did not before.
    pub newly_license_required_units: i64,
    /// Value of those units.
    pub newly_license_required_value: Decimal,
    /// Units newly under a presumption of denial.
    pub newly_presumption_of_denial_units: i64,
    /// Value of those units.
    pub newly_presumption_of_denial_value: Decimal,
    /// Revenue share owed after the change minus before it.
    pub new_revenue_share_owed: Decimal,
    /// Units that needed a licence before the change and do not after.
    pub freed_units: i64,
    /// Value of those units.
    pub freed_value: Decimal,
}

/// One changed order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The ledger's `order_id`.
    pub order_id: String,
    /// The ledger's `chip`, as written.
    pub chip: String,
    /// The ledger's `destination`, as written.
    pub destination: String,
    /// The ledger's `end_user`.
    pub end_user: String,
    /// Units ordered.
    pub units: i64,
    /// Order value: quantity times unit price, in the ledger's currency.
    pub value: Decimal,
    /// The outcome before the change, in words.
    pub before: String,
    /// The outcome after the change, in words.
    pub after: String,
}

/// The impact report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The label of the scenario before the change.
    pub before: String,
    /// The label of the scenario after the change.
    pub after: String,
    /// Rows read.
    pub rows: u64,
    /// Rows left out of the totals: a row error on either side, or no value.
    pub rows_with_error: u64,
    /// Totals over every counted order.
    pub total: Totals,
    /// Totals by the ledger's `chip`.
    pub by_chip: BTreeMap<String, Totals>,
    /// Totals by the ledger's `destination`.
    pub by_destination: BTreeMap<String, Totals>,
    /// Totals by the ledger's `end_user`.
    pub by_customer: BTreeMap<String, Totals>,
    /// Changed orders, in ledger order (at most `max_changes`).
    pub changes: Vec<Change>,
    /// Changed orders beyond `max_changes`, counted but not listed.
    pub changes_omitted: u64,
    /// The SHA-256 of the rule set before the change, in hex.
    pub rule_set_hash_before: String,
    /// The SHA-256 of the rule set after the change, in hex.
    pub rule_set_hash_after: String,
}

fn status(a: &Answer) -> String {
    match (&a.error, a.license_required) {
        (Some(e), _) => format!("error: {e}"),
        (None, Some(true)) => {
            let mut s = format!(
                "licence required ({})",
                a.review_policy
                    .map_or("no published review policy", ReviewPolicy::as_str)
            );
            if let Some(p) = a.revenue_share_percent {
                s.push_str(&format!(", {p}% revenue share"));
            }
            s
        }
        _ => "no licence required".to_string(),
    }
}

fn add(t: &mut Totals, units: i64, value: Decimal, a: &Answer, b: &Answer, changed: bool) {
    t.orders += 1;
    t.units += units;
    t.value += value;
    if changed {
        t.orders_changed += 1;
    }
    if a.license_required == Some(false) && b.license_required == Some(true) {
        t.newly_license_required_units += units;
        t.newly_license_required_value += value;
    }
    if a.license_required == Some(true) && b.license_required == Some(false) {
        t.freed_units += units;
        t.freed_value += value;
    }
    let pod = |x: &Answer| {
        x.license_required == Some(true)
            && x.review_policy == Some(ReviewPolicy::PresumptionOfDenial)
    };
    if !pod(a) && pod(b) {
        t.newly_presumption_of_denial_units += units;
        t.newly_presumption_of_denial_value += value;
    }
    let share = |x: &Answer| x.revenue_share_percent.unwrap_or_default();
    let delta = share(b) - share(a);
    if !delta.is_zero() {
        t.new_revenue_share_owed += value * delta / Decimal::from(100);
    }
}

/// One side of the comparison: a rule set and a scenario.
pub struct Side<'a> {
    /// The label shown in the report, such as `enforced` or a file name.
    pub label: String,
    /// The rule set.
    pub rs: &'a RuleSet,
    /// How to screen with it.
    pub scenario: Scenario,
}

/// Compares two scenarios over one ledger in a single pass.
pub fn impact(
    cat: &Catalog,
    before: Side<'_>,
    after: Side<'_>,
    ledger: &Path,
    max_changes: usize,
    progress: &mut dyn FnMut(u64),
) -> Result<Report, BatchError> {
    let reader = io::open(ledger, 65_536)?;
    let cols = Columns::needing(&reader.schema, ledger, crate::screen::VALUE_COLUMNS)?;
    let mut sa = Screener::new(before.rs, cat, before.scenario);
    let mut sb = Screener::new(after.rs, cat, after.scenario);
    let mut r = Report {
        before: before.label,
        after: after.label,
        rows: 0,
        rows_with_error: 0,
        total: Totals::default(),
        by_chip: BTreeMap::new(),
        by_destination: BTreeMap::new(),
        by_customer: BTreeMap::new(),
        changes: Vec::new(),
        changes_omitted: 0,
        rule_set_hash_before: before.rs.hash().to_string(),
        rule_set_hash_after: after.rs.hash().to_string(),
    };
    for batch in reader {
        let batch = batch?;
        let (ia, values, money_errors) = sa.rows(&cols, &batch);
        let (ib, _, _) = sb.rows(&cols, &batch);
        let col = |name: &str| {
            cols.idx
                .get(name)
                .and_then(|&i| batch.column(i).as_any().downcast_ref::<StringArray>())
        };
        let text = |a: Option<&StringArray>, i: usize| {
            a.filter(|a| a.is_valid(i))
                .map_or(String::new(), |a| a.value(i).to_string())
        };
        let (order, chip, dest, user, qty) = (
            col("order_id"),
            col("chip"),
            col("destination"),
            col("end_user"),
            col("quantity"),
        );
        for i in 0..batch.num_rows() {
            r.rows += 1;
            let (Some(a), Some(b)) = (
                ia.get(i).and_then(|&x| sa.answers.get(x as usize)),
                ib.get(i).and_then(|&x| sb.answers.get(x as usize)),
            ) else {
                continue;
            };
            let value = values.get(i).copied().flatten();
            if a.error.is_some()
                || b.error.is_some()
                || value.is_none()
                || money_errors.get(i).is_some_and(Option::is_some)
            {
                r.rows_with_error += 1;
                continue;
            }
            let value = value.unwrap_or_default();
            let units: i64 = text(qty, i).trim().parse().unwrap_or(0);
            let changed = a.license_required != b.license_required
                || a.review_policy != b.review_policy
                || a.license_exceptions != b.license_exceptions
                || a.conditions != b.conditions
                || a.eccn != b.eccn
                || a.measures != b.measures;
            add(&mut r.total, units, value, a, b, changed);
            add(
                r.by_chip.entry(text(chip, i)).or_default(),
                units,
                value,
                a,
                b,
                changed,
            );
            add(
                r.by_destination.entry(text(dest, i)).or_default(),
                units,
                value,
                a,
                b,
                changed,
            );
            add(
                r.by_customer.entry(text(user, i)).or_default(),
                units,
                value,
                a,
                b,
                changed,
            );
            if changed {
                if r.changes.len() < max_changes {
                    r.changes.push(Change {
                        order_id: text(order, i),
                        chip: text(chip, i),
                        destination: text(dest, i),
                        end_user: text(user, i),
                        units,
                        value,
                        before: status(a),
                        after: status(b),
                    });
                } else {
                    r.changes_omitted += 1;
                }
            }
        }
        progress(r.rows);
    }
    Ok(r)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn money(d: Decimal) -> String {
    let s = format!("{:.0}", d.round_dp(0));
    let (sign, digits) = s.strip_prefix('-').map_or(("", s.as_str()), |r| ("-", r));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

/// A one-page HTML report with a bar chart (inline SVG; no scripts, no
/// network), by chip: value newly needing a licence and new revenue share.
pub fn html(r: &Report) -> String {
    let mut chips: Vec<(&String, &Totals)> = r
        .by_chip
        .iter()
        .filter(|(_, t)| t.orders_changed > 0)
        .collect();
    chips.sort_by(|a, b| {
        (b.1.newly_license_required_value + b.1.new_revenue_share_owed + b.1.freed_value)
            .cmp(&(a.1.newly_license_required_value + a.1.new_revenue_share_owed + a.1.freed_value))
    });
    chips.truncate(12);
    let max = chips
        .iter()
        .map(|(_, t)| {
            t.newly_license_required_value
                .max(t.new_revenue_share_owed)
                .max(t.freed_value)
        })
        .max()
        .unwrap_or_default()
        .max(Decimal::ONE);
    let bar_w = 560.0;
    let mut svg = String::new();
    let row_h = 46;
    for (i, (name, t)) in chips.iter().enumerate() {
        let y = i * row_h + 10;
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{}\" class=\"label\">{}</text>",
            y + 12,
            esc(name)
        ));
        for (j, (v, class)) in [
            (t.newly_license_required_value, "lic"),
            (t.new_revenue_share_owed, "share"),
            (t.freed_value, "freed"),
        ]
        .iter()
        .enumerate()
        {
            let w = (*v / max).to_string().parse::<f64>().unwrap_or(0.0) * bar_w;
            let yy = y + 16 + j * 9;
            svg.push_str(&format!("<rect x=\"300\" y=\"{yy}\" width=\"{w:.1}\" height=\"8\" class=\"{class}\"><title>{}</title></rect>", money(*v)));
        }
    }
    let height = chips.len() * row_h + 20;
    let t = &r.total;
    let rows: String = r
        .changes
        .iter()
        .take(50)
        .map(|c| format!("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>", esc(&c.order_id), esc(&c.chip), esc(&c.destination), esc(&c.end_user), money(c.value), esc(&c.before), esc(&c.after)))
        .collect();
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>chipexport impact report</title>
<style>
body {{ font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 960px; color: #1a1a1a; padding: 0 1rem; }}
h1 {{ font-size: 1.4rem; }} table {{ border-collapse: collapse; width: 100%; font-size: 13px; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 4px 6px; text-align: left; }} .n {{ text-align: right; font-variant-numeric: tabular-nums; }}
.lic {{ fill: #b3261e; }} .share {{ fill: #7a5c00; }} .freed {{ fill: #1b6e3a; }} .label {{ font-size: 13px; }}
.key span {{ display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 14px; vertical-align: middle; }}
</style></head><body>
<h1>Impact of a rule change on {orders} orders</h1>
<p>Before: {before}. After: {after}.</p>
<table aria-label="Totals">
<tr><th>Orders changing outcome</th><td class="n">{changed}</td></tr>
<tr><th>Newly needing a licence</th><td class="n">{lic_u} units, {lic_v}</td></tr>
<tr><th>Newly under presumption of denial</th><td class="n">{pod_u} units, {pod_v}</td></tr>
<tr><th>New revenue share owed</th><td class="n">{share}</td></tr>
<tr><th>Freed (licence no longer needed)</th><td class="n">{freed_u} units, {freed_v}</td></tr>
<tr><th>Rows left out (errors)</th><td class="n">{errors}</td></tr>
</table>
<h2>By chip</h2>
<p>Chips whose outcome changed. A chip with no bar changed in another way, such as the measures that apply.</p>
<p class="key" aria-hidden="true"><span class="lic" style="background:#b3261e"></span>value newly needing a licence<span style="background:#7a5c00"></span>new revenue share owed<span style="background:#1b6e3a"></span>value freed</p>
<svg role="img" aria-label="Bar chart of value newly needing a licence, new revenue share owed and value freed, by chip" width="880" height="{height}" viewBox="0 0 880 {height}">{svg}</svg>
<h2>Changed orders (first {shown})</h2>
<table><tr><th>order</th><th>chip</th><th>to</th><th>customer</th><th class="n">value</th><th>before</th><th>after</th></tr>{rows}</table>
<p><small>Rule sets: before sha256 {hb}, after sha256 {ha}. Values in the ledger's currency; money is computed in decimal.</small></p>
</body></html>
"#,
        orders = r.rows,
        before = esc(&r.before),
        after = esc(&r.after),
        changed = t.orders_changed,
        lic_u = t.newly_license_required_units,
        lic_v = money(t.newly_license_required_value),
        pod_u = t.newly_presumption_of_denial_units,
        pod_v = money(t.newly_presumption_of_denial_value),
        share = money(t.new_revenue_share_owed),
        freed_u = t.freed_units,
        freed_v = money(t.freed_value),
        errors = r.rows_with_error,
        shown = r.changes.len().min(50),
        hb = r.rule_set_hash_before,
        ha = r.rule_set_hash_after,
    )
}
