//! The impact of a rule change on an order book: which orders change
//! outcome between two scenarios, and the units and value affected, by
//! chip (the catalog id, however the ledger spells it), destination (the
//! ISO code) and customer.
//!
//! Money is never added across currencies: every amount is kept per
//! currency, as the ledger's `currency` column gives it.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use arrow::array::{Array, StringArray};
use chipexport_catalog::Catalog;
use chipexport_domain::Country;
use chipexport_rules::{LicenseStatus, ReviewPolicy, RuleSet};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::screen::{Columns, Scenario, Screener, SharedAnswer as Answer};
use crate::{BatchError, io};

/// The currency key of orders whose ledger gives no `currency`.
pub const NO_CURRENCY: &str = "unspecified";

/// Amounts by currency (the ledger's `currency` code), never summed across
/// currencies.
pub type Money = BTreeMap<String, Decimal>;

fn add_money(m: &mut Money, currency: &str, v: Decimal) {
    if !v.is_zero() || m.contains_key(currency) {
        *m.entry(currency.to_string()).or_default() += v;
    }
}

/// Orders in one kind of change: how many, their units and their value.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Bucket {
    /// Orders.
    pub orders: u64,
    /// Units ordered (the `quantity` column).
    pub units: i64,
    /// Their value (quantity times unit price), by currency.
    pub value: Money,
}

impl Bucket {
    fn add(&mut self, units: i64, currency: &str, value: Decimal) {
        self.orders += 1;
        self.units += units;
        *self.value.entry(currency.to_string()).or_default() += value;
    }
}

/// Totals of one group of orders.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Orders counted (rows without an error).
    pub orders: u64,
    /// Orders whose outcome changed (status, licence, policy, exceptions,
    /// conditions, classification or measures).
    pub orders_changed: u64,
    /// Units ordered (the `quantity` column).
    pub units: i64,
    /// Order value, by currency.
    pub value: Money,
    /// To licence required, from any other state (no licence needed,
    /// undetermined or outside coverage).
    pub newly_license_required: Bucket,
    /// From licence required to no licence needed.
    pub freed: Bucket,
    /// From a determined answer (either way) to undetermined: the change
    /// reads a fact the ledger does not give.
    pub newly_undetermined: Bucket,
    /// From undetermined to a determined answer.
    pub newly_determined: Bucket,
    /// Newly under a presumption of denial.
    pub newly_presumption_of_denial: Bucket,
    /// A licence is required on both sides, under a different review
    /// policy.
    pub review_policy_changed: Bucket,
    /// The measures that apply (of any jurisdiction, the destination's
    /// included) differ.
    pub measures_changed: Bucket,
    /// Revenue share owed after the change minus before it, by currency.
    pub new_revenue_share_owed: Money,
}

/// One changed order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The ledger's `order_id`.
    pub order_id: String,
    /// The catalog id of the ledger's `chip`.
    pub chip: String,
    /// The destination's ISO code.
    pub destination: String,
    /// The ledger's `end_user`.
    pub end_user: String,
    /// Units ordered.
    pub units: i64,
    /// Order value: quantity times unit price.
    pub value: Decimal,
    /// The value's currency ([`NO_CURRENCY`] when the ledger gives none).
    pub currency: String,
    /// The status before the change.
    pub status_before: LicenseStatus,
    /// The status after the change.
    pub status_after: LicenseStatus,
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
    /// The currencies of the counted orders.
    pub currencies: Vec<String>,
    /// Totals over every counted order.
    pub total: Totals,
    /// Totals by catalog chip id.
    pub by_chip: BTreeMap<String, Totals>,
    /// Totals by destination (ISO code).
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

fn outcome(a: &Answer) -> String {
    if let Some(e) = &a.error {
        return format!("error: {e}");
    }
    let mut s = match a.status {
        Some(LicenseStatus::Required) => format!(
            "licence required ({})",
            a.review_policy
                .map_or("no published review policy", ReviewPolicy::as_str)
        ),
        Some(LicenseStatus::Undetermined) => "cannot decide (facts missing)".to_string(),
        Some(LicenseStatus::OutsideCoverage) => "outside coverage".to_string(),
        Some(LicenseStatus::NotRequired) | None => "no licence required".to_string(),
    };
    if let Some(p) = a
        .revenue_share_percent
        .filter(|_| a.license_required == Some(true))
    {
        s.push_str(&format!(", {p}% revenue share"));
    }
    if let Some(m) = a.measures.as_deref().filter(|m| *m != "[]") {
        let kinds: Vec<String> = serde_json::from_str::<Vec<serde_json::Value>>(m)
            .unwrap_or_default()
            .iter()
            .filter_map(|x| {
                Some(format!(
                    "{} {}",
                    x.get("jurisdiction")?.as_str()?,
                    x.get("kind")?.as_str()?
                ))
            })
            .collect();
        if !kinds.is_empty() {
            s.push_str(&format!("; measures: {}", kinds.join(", ")));
        }
    }
    s
}

/// One order as [`add`] counts it.
struct Order<'a> {
    units: i64,
    currency: &'a str,
    value: Decimal,
    changed: bool,
}

fn add(t: &mut Totals, o: &Order<'_>, a: &Answer, b: &Answer) {
    let (units, cur, value) = (o.units, o.currency, o.value);
    t.orders += 1;
    t.units += units;
    add_money(&mut t.value, cur, value);
    if o.changed {
        t.orders_changed += 1;
    }
    let (sa, sb) = (a.status, b.status);
    let undetermined = Some(LicenseStatus::Undetermined);
    let required = Some(LicenseStatus::Required);
    if sa != required && sb == required {
        t.newly_license_required.add(units, cur, value);
    }
    if sa == required && sb == Some(LicenseStatus::NotRequired) {
        t.freed.add(units, cur, value);
    }
    if sa != undetermined && sb == undetermined {
        t.newly_undetermined.add(units, cur, value);
    }
    if sa == undetermined && sb.is_some_and(LicenseStatus::is_determined) {
        t.newly_determined.add(units, cur, value);
    }
    let pod = |x: &Answer| {
        x.license_required == Some(true)
            && x.review_policy == Some(ReviewPolicy::PresumptionOfDenial)
    };
    if !pod(a) && pod(b) {
        t.newly_presumption_of_denial.add(units, cur, value);
    }
    if a.license_required == Some(true)
        && b.license_required == Some(true)
        && a.review_policy != b.review_policy
    {
        t.review_policy_changed.add(units, cur, value);
    }
    if a.measures != b.measures {
        t.measures_changed.add(units, cur, value);
    }
    let share = |x: &Answer| x.revenue_share_percent.unwrap_or_default();
    let delta = share(b) - share(a);
    if !delta.is_zero() {
        add_money(
            &mut t.new_revenue_share_owed,
            cur,
            value * delta / Decimal::from(100),
        );
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

/// The canonical keys of a ledger's spellings: catalog ids for chips, ISO
/// codes for countries (rows that resolve to neither are error rows, which
/// are not counted).
#[derive(Default)]
struct Keys {
    chips: HashMap<String, String>,
    countries: HashMap<String, String>,
}

impl Keys {
    fn chip(&mut self, cat: &Catalog, s: &str) -> String {
        if let Some(k) = self.chips.get(s) {
            return k.clone();
        }
        let k = cat
            .lookup(s)
            .map_or_else(|_| s.to_string(), |e| e.id.clone());
        self.chips.insert(s.to_string(), k.clone());
        k
    }

    fn country(&mut self, s: &str) -> String {
        if let Some(k) = self.countries.get(s) {
            return k.clone();
        }
        let k = Country::parse(s).map_or_else(|_| s.to_string(), |c| c.to_string());
        self.countries.insert(s.to_string(), k.clone());
        k
    }
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
    let mut keys = Keys::default();
    let mut r = Report {
        before: before.label,
        after: after.label,
        rows: 0,
        rows_with_error: 0,
        currencies: Vec::new(),
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
        let (order, chip, dest, user, qty, currency) = (
            col("order_id"),
            col("chip"),
            col("destination"),
            col("end_user"),
            col("quantity"),
            col("currency"),
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
            let cur = text(currency, i).trim().to_uppercase();
            let cur = if cur.is_empty() {
                NO_CURRENCY.to_string()
            } else {
                cur
            };
            if !r.currencies.contains(&cur) {
                r.currencies.push(cur.clone());
            }
            let changed = a.status != b.status
                || a.license_required != b.license_required
                || a.review_policy != b.review_policy
                || a.license_exceptions != b.license_exceptions
                || a.conditions != b.conditions
                || a.eccn != b.eccn
                || a.measures != b.measures;
            let o = Order {
                units: text(qty, i).trim().parse().unwrap_or(0),
                currency: &cur,
                value: value.unwrap_or_default(),
                changed,
            };
            let (chip_id, dest_code) =
                (keys.chip(cat, &text(chip, i)), keys.country(&text(dest, i)));
            add(&mut r.total, &o, a, b);
            add(r.by_chip.entry(chip_id.clone()).or_default(), &o, a, b);
            add(
                r.by_destination.entry(dest_code.clone()).or_default(),
                &o,
                a,
                b,
            );
            add(r.by_customer.entry(text(user, i)).or_default(), &o, a, b);
            if changed {
                if r.changes.len() < max_changes {
                    r.changes.push(Change {
                        order_id: text(order, i),
                        chip: chip_id,
                        destination: dest_code,
                        end_user: text(user, i),
                        units: o.units,
                        value: o.value,
                        currency: cur.clone(),
                        status_before: a.status.unwrap_or(LicenseStatus::NotRequired),
                        status_after: b.status.unwrap_or(LicenseStatus::NotRequired),
                        before: outcome(a),
                        after: outcome(b),
                    });
                } else {
                    r.changes_omitted += 1;
                }
            }
        }
        progress(r.rows);
    }
    r.currencies.sort();
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

/// Amounts by currency in words: `USD 1,200; EUR 300`, or `0`.
pub fn money_text(m: &Money) -> String {
    money_text_with(m, money)
}

/// [`money_text`] with another way of writing one amount (decimals, say).
pub fn money_text_with(m: &Money, amount: impl Fn(Decimal) -> String) -> String {
    let parts: Vec<String> = m
        .iter()
        .filter(|(_, v)| !v.is_zero())
        .map(|(c, v)| format!("{c} {}", amount(*v)))
        .collect();
    if parts.is_empty() {
        "0".to_string()
    } else {
        parts.join("; ")
    }
}

/// A one-page HTML report with a bar chart (inline SVG; no scripts, no
/// network), by chip and currency: value newly needing a licence, new
/// revenue share, value freed and value newly undetermined.
pub fn html(r: &Report) -> String {
    let zero = Decimal::ZERO;
    let at = |m: &Money, c: &str| m.get(c).copied().unwrap_or(zero);
    let mut bars: Vec<(String, [Decimal; 4])> = Vec::new();
    for (chip, t) in r.by_chip.iter().filter(|(_, t)| t.orders_changed > 0) {
        for c in &r.currencies {
            let v = [
                at(&t.newly_license_required.value, c),
                at(&t.new_revenue_share_owed, c),
                at(&t.freed.value, c),
                at(&t.newly_undetermined.value, c),
            ];
            if v.iter().any(|x| !x.is_zero()) {
                bars.push((format!("{chip} ({c})"), v));
            }
        }
    }
    let sum = |v: &[Decimal; 4]| v.iter().map(Decimal::abs).sum::<Decimal>();
    bars.sort_by_key(|b| std::cmp::Reverse(sum(&b.1)));
    bars.truncate(12);
    let max = bars
        .iter()
        .flat_map(|(_, v)| v.iter().map(Decimal::abs))
        .max()
        .unwrap_or_default()
        .max(Decimal::ONE);
    let bar_w = 560.0;
    let mut svg = String::new();
    let row_h = 52;
    for (i, (name, v)) in bars.iter().enumerate() {
        let y = i * row_h + 10;
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{}\" class=\"label\">{}</text>",
            y + 12,
            esc(name)
        ));
        for (j, (v, class)) in v.iter().zip(["lic", "share", "freed", "undet"]).enumerate() {
            let w = (v.abs() / max).to_string().parse::<f64>().unwrap_or(0.0) * bar_w;
            let yy = y + 16 + j * 9;
            svg.push_str(&format!("<rect x=\"300\" y=\"{yy}\" width=\"{w:.1}\" height=\"8\" class=\"{class}\"><title>{}</title></rect>", money(*v)));
        }
    }
    let height = bars.len() * row_h + 20;
    let t = &r.total;
    let bucket = |b: &Bucket| {
        format!(
            "{} orders, {} units, {}",
            b.orders,
            b.units,
            esc(&money_text(&b.value))
        )
    };
    let rows: String = r
        .changes
        .iter()
        .take(50)
        .map(|c| format!("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{} {}</td><td>{}</td><td>{}</td></tr>", esc(&c.order_id), esc(&c.chip), esc(&c.destination), esc(&c.end_user), esc(&c.currency), money(c.value), esc(&c.before), esc(&c.after)))
        .collect();
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>chipexport impact report</title>
<style>
body {{ font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 960px; color: #1a1a1a; padding: 0 1rem; }}
h1 {{ font-size: 1.4rem; }} table {{ border-collapse: collapse; width: 100%; font-size: 13px; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 4px 6px; text-align: left; }} .n {{ text-align: right; font-variant-numeric: tabular-nums; }}
.lic {{ fill: #b3261e; }} .share {{ fill: #7a5c00; }} .freed {{ fill: #1b6e3a; }} .undet {{ fill: #5b5b8f; }} .label {{ font-size: 13px; }}
.key span {{ display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 14px; vertical-align: middle; }}
</style></head><body>
<h1>Impact of a rule change on {orders} orders</h1>
<p>Before: {before}. After: {after}. Amounts are per currency ({currencies}); they are never added across currencies.</p>
<table aria-label="Totals">
<tr><th>Orders changing outcome</th><td class="n">{changed}</td></tr>
<tr><th>Newly needing a licence</th><td class="n">{lic}</td></tr>
<tr><th>Newly under presumption of denial</th><td class="n">{pod}</td></tr>
<tr><th>Review policy changed</th><td class="n">{policy}</td></tr>
<tr><th>Measures changed (any jurisdiction)</th><td class="n">{measures}</td></tr>
<tr><th>Newly undetermined (facts missing)</th><td class="n">{undet}</td></tr>
<tr><th>Newly determined</th><td class="n">{det}</td></tr>
<tr><th>New revenue share owed</th><td class="n">{share}</td></tr>
<tr><th>Freed (licence no longer needed)</th><td class="n">{freed}</td></tr>
<tr><th>Rows left out (errors)</th><td class="n">{errors}</td></tr>
</table>
<h2>By chip</h2>
<p>Chips whose outcome changed, one bar group per chip and currency. A chip with no bar changed in another way, such as the measures that apply.</p>
<p class="key" aria-hidden="true"><span class="lic" style="background:#b3261e"></span>value newly needing a licence<span style="background:#7a5c00"></span>new revenue share owed<span style="background:#1b6e3a"></span>value freed<span style="background:#5b5b8f"></span>value newly undetermined</p>
<svg role="img" aria-label="Bar chart of value newly needing a licence, new revenue share owed, value freed and value newly undetermined, by chip and currency" width="880" height="{height}" viewBox="0 0 880 {height}">{svg}</svg>
<h2>Changed orders (first {shown})</h2>
<table><tr><th>order</th><th>chip</th><th>to</th><th>customer</th><th class="n">value</th><th>before</th><th>after</th></tr>{rows}</table>
<p><small>Rule sets: before sha256 {hb}, after sha256 {ha}. Money is computed in decimal.</small></p>
</body></html>
"#,
        orders = r.rows,
        before = esc(&r.before),
        after = esc(&r.after),
        currencies = esc(&r.currencies.join(", ")),
        changed = t.orders_changed,
        lic = bucket(&t.newly_license_required),
        pod = bucket(&t.newly_presumption_of_denial),
        policy = bucket(&t.review_policy_changed),
        measures = bucket(&t.measures_changed),
        undet = bucket(&t.newly_undetermined),
        det = bucket(&t.newly_determined),
        share = esc(&money_text(&t.new_revenue_share_owed)),
        freed = bucket(&t.freed),
        errors = r.rows_with_error,
        shown = r.changes.len().min(50),
        hb = r.rule_set_hash_before,
        ha = r.rule_set_hash_after,
    )
}
