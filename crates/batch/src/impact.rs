//! The impact of a rule change on an order book: which orders change
//! outcome between two scenarios, and the units and value affected, by chip,
//! destination and customer.

use std::collections::BTreeMap;
use std::path::Path;

use arrow::array::{Array, StringArray};
use chipexport_catalog::Catalog;
use chipexport_rules::RuleSet;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::screen::{Answer, Columns, Scenario, Screener};
use crate::{BatchError, io};

/// Totals of one group of orders.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    pub orders: u64,
    pub orders_changed: u64,
    pub units: i64,
    pub value: Decimal,
    pub newly_license_required_units: i64,
    pub newly_license_required_value: Decimal,
    pub newly_presumption_of_denial_units: i64,
    pub newly_presumption_of_denial_value: Decimal,
    /// Revenue share owed after the change minus before it.
    pub new_revenue_share_owed: Decimal,
    pub freed_units: i64,
    pub freed_value: Decimal,
}

/// One changed order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub order_id: String,
    pub chip: String,
    pub destination: String,
    pub end_user: String,
    pub units: i64,
    pub value: Decimal,
    pub before: String,
    pub after: String,
}

/// The impact report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub before: String,
    pub after: String,
    pub rows: u64,
    pub rows_with_error: u64,
    pub total: Totals,
    pub by_chip: BTreeMap<String, Totals>,
    pub by_destination: BTreeMap<String, Totals>,
    pub by_customer: BTreeMap<String, Totals>,
    /// Changed orders, in ledger order (at most `max_changes`).
    pub changes: Vec<Change>,
    pub changes_omitted: u64,
    pub rule_set_hash_before: String,
    pub rule_set_hash_after: String,
}

fn status(a: &Answer) -> String {
    match (&a.error, a.license_required) {
        (Some(e), _) => format!("error: {e}"),
        (None, Some(true)) => {
            let mut s = format!(
                "licence required ({})",
                a.review_policy
                    .as_deref()
                    .unwrap_or("no published review policy")
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
            && x.review_policy.as_deref() == Some("presumption_of_denial")
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
    pub label: String,
    pub rs: &'a RuleSet,
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
    let cols = Columns::of(&reader.schema, ledger)?;
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
        rule_set_hash_before: before.rs.hash.clone(),
        rule_set_hash_after: after.rs.hash.clone(),
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
