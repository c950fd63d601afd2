//! Drawdowns and accounting: a balance is the sum of a line's drawdowns;
//! what a licence's conditions owe is computed drawdown by drawdown, per
//! licence and per calendar month; alerts at 80, 90 and 100% use and at
//! 90, 60 and 30 days before expiry.

use chipexport_domain::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::matching::{Drawn, History, same_model};
use crate::model::{Condition, Licence, Unit};

/// One drawdown: an order shipped under a licence line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drawdown {
    /// The licence number.
    pub licence: String,
    /// The line (from 0).
    pub line: usize,
    /// The order's reference.
    pub order: String,
    /// The ship date.
    #[serde(deserialize_with = "chipexport_domain::serde_date::date")]
    pub date: Date,
    /// Units shipped.
    pub units: u64,
    /// The sale value, US dollars.
    pub value: Decimal,
    /// The customs value on import, when an import duty applies and it
    /// differs from the sale value; `None` uses the sale value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customs_value: Option<Decimal>,
    /// The model shipped (`H200`), for a volume cap; `None` in drawdowns
    /// recorded before chipexport kept it, which a volume cap counts as
    /// the model of every order (the cautious reading).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// What a line has drawn: the sum of its drawdowns.
pub fn drawn(draws: &[Drawdown], number: &str, line: usize) -> Drawn {
    draws
        .iter()
        .filter(|d| d.licence == number && d.line == line)
        .fold(Drawn::default(), |acc, d| Drawn {
            units: acc.units + d.units,
            value: acc.value + d.value,
        })
}

/// Units of `model` drawn under licence `number` (every line) with ship
/// dates from `from` to `to`, both included: the sum of those drawdowns. A
/// drawdown without a model counts (see [`Drawdown::model`]).
pub fn shipped(draws: &[Drawdown], number: &str, model: &str, from: Date, to: Date) -> u64 {
    draws
        .iter()
        .filter(|d| d.licence == number && from <= d.date && d.date <= to)
        .filter(|d| d.model.as_deref().is_none_or(|m| same_model(m, model)))
        .map(|d| d.units)
        .sum()
}

/// Recorded drawdowns as the [`History`] matching reads: every figure is a
/// sum over them.
#[derive(Debug, Clone, Copy)]
pub struct Drawdowns<'a>(pub &'a [Drawdown]);

impl History for Drawdowns<'_> {
    fn drawn(&self, licence: &str, line: usize) -> Drawn {
        drawn(self.0, licence, line)
    }

    fn shipped(&self, licence: &str, model: &str, from: Date, to: Date) -> u64 {
        shipped(self.0, licence, model, from, to)
    }
}

/// What a set of drawdowns owes under a licence's conditions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Owed {
    /// Units shipped.
    pub units: u64,
    /// Sale value shipped.
    pub value: Decimal,
    /// Revenue share owed: the sale value times each revenue-share percent.
    pub revenue_share: Decimal,
    /// Import duty owed: the customs value (the sale value when none was
    /// given) times each import-duty percent.
    pub duty: Decimal,
}

impl Owed {
    fn add(&mut self, l: &Licence, d: &Drawdown) {
        self.units += d.units;
        self.value += d.value;
        for c in &l.conditions {
            match c {
                Condition::RevenueShare { percent, .. } => {
                    self.revenue_share += d.value * *percent / Decimal::ONE_HUNDRED;
                }
                Condition::ImportDuty { percent, .. } => {
                    self.duty +=
                        d.customs_value.unwrap_or(d.value) * *percent / Decimal::ONE_HUNDRED;
                }
                _ => {}
            }
        }
    }
}

/// A line's use.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineUse {
    /// The line (from 0).
    pub line: usize,
    /// Units licensed (`None`: licensed by value).
    pub quantity: Option<u64>,
    /// Value licensed.
    pub value: Decimal,
    /// The most value that may ship with the 750.11 tolerance.
    pub value_ceiling: Decimal,
    /// Units drawn.
    pub drawn_units: u64,
    /// Value drawn.
    pub drawn_value: Decimal,
    /// Units left.
    pub remaining_units: Option<u64>,
    /// Value left before the tolerance.
    pub remaining_value: Decimal,
    /// Percent used: of the quantity, or of the value for a line licensed
    /// by value.
    pub used_percent: Decimal,
}

/// One calendar month of a licence's drawdowns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    /// `YYYY-MM`.
    pub period: String,
    /// What the month's drawdowns shipped and owe.
    #[serde(flatten)]
    pub owed: Owed,
}

/// An alert on a licence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// `usage` or `expiry`.
    pub kind: &'static str,
    /// The threshold crossed: 80, 90 or 100 (percent used), or 90, 60, 30
    /// or 0 (days before expiry; 0: expired).
    pub threshold: u32,
    /// In words.
    pub message: String,
}

/// A licence's account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Account {
    /// The licence number.
    pub number: String,
    /// The holder.
    pub holder: String,
    /// The last valid day.
    pub expires: Date,
    /// Days from today to expiry (negative: expired).
    pub days_to_expiry: i64,
    /// Each line's use.
    pub lines: Vec<LineUse>,
    /// All drawdowns together.
    pub totals: Owed,
    /// By calendar month of the ship date, in order.
    pub periods: Vec<Period>,
    /// Alerts raised.
    pub alerts: Vec<Alert>,
    /// The conditions, in words.
    pub conditions: Vec<String>,
    /// Conditions the account does not check, with where they are checked
    /// or why they are not.
    pub unchecked: Vec<String>,
}

fn percent_of(part: Decimal, whole: Decimal) -> Decimal {
    if whole.is_zero() {
        Decimal::ZERO
    } else {
        (part * Decimal::ONE_HUNDRED / whole).round_dp(2)
    }
}

/// The account of a licence from its drawdowns (others are ignored), on
/// `today`.
pub fn account(l: &Licence, draws: &[Drawdown], today: Date) -> Account {
    let mine: Vec<&Drawdown> = draws.iter().filter(|d| d.licence == l.number).collect();
    let lines: Vec<LineUse> = l
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let d = mine
                .iter()
                .filter(|d| d.line == i)
                .fold(Drawn::default(), |a, d| Drawn {
                    units: a.units + d.units,
                    value: a.value + d.value,
                });
            let used = match (line.unit, line.quantity) {
                (Unit::Number, Some(q)) => percent_of(Decimal::from(d.units), Decimal::from(q)),
                _ => percent_of(d.value, line.value),
            };
            LineUse {
                line: i,
                quantity: line.quantity,
                value: line.value,
                value_ceiling: crate::matching::value_ceiling(line),
                drawn_units: d.units,
                drawn_value: d.value,
                remaining_units: line.quantity.map(|q| q.saturating_sub(d.units)),
                remaining_value: line.value - d.value,
                used_percent: used,
            }
        })
        .collect();
    let mut totals = Owed::default();
    let mut periods: Vec<Period> = Vec::new();
    let mut sorted = mine.clone();
    sorted.sort_by_key(|d| d.date);
    for d in sorted {
        totals.add(l, d);
        let key = format!("{:04}-{:02}", d.date.year(), d.date.month());
        match periods.last_mut() {
            Some(p) if p.period == key => p.owed.add(l, d),
            _ => {
                let mut owed = Owed::default();
                owed.add(l, d);
                periods.push(Period { period: key, owed });
            }
        }
    }
    let days = (l.valid_to - today).get_days().into();
    let mut alerts = Vec::new();
    let max_used = lines
        .iter()
        .map(|u| u.used_percent)
        .max()
        .unwrap_or_default();
    if let Some(t) = [100u32, 90, 80]
        .into_iter()
        .find(|t| max_used >= Decimal::from(*t))
    {
        alerts.push(Alert {
            kind: "usage",
            threshold: t,
            message: format!("{max_used}% used (alert at {t}%)"),
        });
    }
    let days_i: i64 = days;
    if days_i < 0 {
        alerts.push(Alert {
            kind: "expiry",
            threshold: 0,
            message: format!("expired on {}", l.valid_to),
        });
    } else if let Some(t) = [30u32, 60, 90]
        .into_iter()
        .find(|t| days_i <= i64::from(*t))
    {
        alerts.push(Alert {
            kind: "expiry",
            threshold: t,
            message: format!("expires on {} in {days_i} days (alert at {t})", l.valid_to),
        });
    }
    let unchecked = l
        .conditions
        .iter()
        .filter(|c| matches!(c, Condition::VolumeCap { .. }))
        .map(|c| {
            format!(
                "{}: not in this account; each drawdown checks it against the holder's US shipments recorded for its period (licences us-shipments), and says so when none is recorded",
                c.describe()
            )
        })
        .collect();
    Account {
        number: l.number.clone(),
        holder: l.holder.clone(),
        expires: l.valid_to,
        days_to_expiry: days_i,
        lines,
        totals,
        periods,
        alerts,
        conditions: l.conditions.iter().map(Condition::describe).collect(),
        unchecked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::tests::h20_licence;
    use proptest::prelude::*;

    fn date(s: &str) -> Date {
        chipexport_domain::parse_date(s).unwrap_or_default()
    }

    fn draw(on: &str, units: u64, value: i64) -> Drawdown {
        Drawdown {
            licence: "D1".into(),
            line: 0,
            order: format!("o-{on}"),
            date: date(on),
            units,
            value: Decimal::from(value),
            customs_value: None,
            model: None,
        }
    }

    #[test]
    fn fifteen_percent_of_h20_revenue_per_month() {
        let l = h20_licence("D1", "2029-08-14");
        let draws = [
            draw("2025-09-02", 1000, 12_000_000),
            draw("2025-09-20", 500, 6_000_000),
            draw("2025-10-01", 7000, 84_000_000),
        ];
        let a = account(&l, &draws, date("2025-10-02"));
        assert_eq!(a.totals.revenue_share, Decimal::from(15_300_000));
        let months: Vec<(&str, Decimal)> = a
            .periods
            .iter()
            .map(|p| (p.period.as_str(), p.owed.revenue_share))
            .collect();
        assert_eq!(
            months,
            vec![
                ("2025-09", Decimal::from(2_700_000)),
                ("2025-10", Decimal::from(12_600_000))
            ]
        );
        assert_eq!(a.lines.first().and_then(|u| u.remaining_units), Some(1500));
        assert_eq!(
            a.alerts,
            vec![Alert {
                kind: "usage",
                threshold: 80,
                message: "85% used (alert at 80%)".into()
            }]
        );
    }

    #[test]
    fn expiry_alerts_at_90_60_30_days() {
        let l = h20_licence("D1", "2029-08-14");
        let at = |d: &str| {
            account(&l, &[], date(d))
                .alerts
                .iter()
                .map(|a| a.threshold)
                .collect::<Vec<_>>()
        };
        assert_eq!(at("2029-05-01"), Vec::<u32>::new());
        assert_eq!(at("2029-05-16"), vec![90]);
        assert_eq!(at("2029-06-20"), vec![60]);
        assert_eq!(at("2029-07-20"), vec![30]);
        assert_eq!(at("2029-08-15"), vec![0]);
    }

    proptest! {
        /// The account's totals are the sums of its drawdowns, and its
        /// periods add up to its totals.
        #[test]
        fn totals_are_the_sum_of_drawdowns(rows in proptest::collection::vec((0u64..500, 0i64..10_000_000, 1u8..28, 1u8..13), 0..40)) {
            let l = h20_licence("D1", "2029-08-14");
            let draws: Vec<Drawdown> = rows.iter().map(|(u, v, d, m)| draw(&format!("2026-{m:02}-{d:02}"), *u, *v)).collect();
            let a = account(&l, &draws, date("2026-01-01"));
            let units: u64 = draws.iter().map(|d| d.units).sum();
            let value: Decimal = draws.iter().map(|d| d.value).sum();
            prop_assert_eq!(a.totals.units, units);
            prop_assert_eq!(a.totals.value, value);
            prop_assert_eq!(a.totals.revenue_share, value * Decimal::from(15) / Decimal::ONE_HUNDRED);
            let pu: u64 = a.periods.iter().map(|p| p.owed.units).sum();
            let pv: Decimal = a.periods.iter().map(|p| p.owed.revenue_share).sum();
            prop_assert_eq!(pu, units);
            prop_assert_eq!(pv, a.totals.revenue_share);
        }
    }
}
