//! The volume cap ([`Condition::VolumeCap`]): the units of a model shipped
//! under a licence may not exceed a percentage of the holder's shipments of
//! that model to US customers.
//!
//! The licence does not say over which period; the holder records its US
//! shipments of a model per period ([`UsShipments`]), and the cap is checked
//! in every recorded period that contains the order's ship date: the units
//! of the order's model drawn under the licence (every line) with ship dates
//! in the period, plus the order's, may not exceed the percentage of the
//! period's US shipments. A later record of the same model and period
//! corrects an earlier one ([`current`]); records of overlapping periods
//! are all checked.
//!
//! With no record for a period containing the ship date, the cap cannot be
//! checked. The order is not refused for that (nothing shows it to be over
//! the cap), but it is never passed as if checked: the reason is returned
//! as [`CapCheck::unchecked`] and carried to the drawdown's answer, the
//! screened ledger's `licence_reason` and `check --data`.

use rust_decimal::Decimal;

use crate::matching::{History, Order, same_model};
use crate::model::{Condition, Licence, UsShipments};

/// What a licence's volume caps say of an order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapCheck {
    /// Why the order would take the licence over a cap, with the numbers;
    /// `None` when it stays within every cap checked.
    pub over: Option<String>,
    /// The caps that could not be checked for the order, and why.
    pub unchecked: Vec<String>,
}

/// The records in force, from records in the order recorded: for each
/// model (compared as [`same_model`] does) and period, the latest.
pub fn current(records: &[UsShipments]) -> Vec<&UsShipments> {
    let mut out: Vec<&UsShipments> = Vec::new();
    for r in records {
        match out
            .iter_mut()
            .find(|k| same_model(&k.model, &r.model) && k.from == r.from && k.to == r.to)
        {
            Some(k) => *k = r,
            None => out.push(r),
        }
    }
    out
}

/// Checks an order against the volume caps of licence `l`, with the US
/// shipments in force (`us`, as [`current`] keeps them) and what the
/// licence has shipped (`history`).
pub fn check(l: &Licence, o: &Order, us: &[&UsShipments], history: &dyn History) -> CapCheck {
    let mut out = CapCheck::default();
    let model = &o.item.model;
    for c in &l.conditions {
        let Condition::VolumeCap {
            percent_of_us_shipments: percent,
        } = c
        else {
            continue;
        };
        let periods: Vec<&&UsShipments> = us
            .iter()
            .filter(|r| same_model(&r.model, model) && r.from <= o.date && o.date <= r.to)
            .collect();
        if periods.is_empty() {
            out.unchecked.push(format!(
                "the volume cap ({percent}% of shipments to US customers) cannot be checked: no shipments of {model} to US customers are recorded for a period including {} (chipexport licences us-shipments)",
                o.date
            ));
            continue;
        }
        for r in periods {
            let shipped = history.shipped(&l.number, model, r.from, r.to);
            let total = shipped.saturating_add(o.units);
            let allowed = Decimal::from(r.units) * *percent / Decimal::ONE_HUNDRED;
            if Decimal::from(total) > allowed && out.over.is_none() {
                out.over = Some(format!(
                    "{shipped} units of {model} shipped under the licence from {} to {}, plus the {} ordered, would be {total}: over the volume cap of {percent}% of the {} units shipped to US customers in that period ({})",
                    r.from,
                    r.to,
                    o.units,
                    r.units,
                    allowed.normalize()
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{Drawdown, Drawdowns};
    use crate::matching::tests::{Fixed, h20_licence};
    use crate::matching::{Drawn, Status, determine};
    use chipexport_domain::Date;

    fn date(s: &str) -> Date {
        chipexport_domain::parse_date(s).unwrap_or_default()
    }

    /// The H20 licence with a 50% volume cap (and room for 10,000 units).
    fn capped() -> Licence {
        let mut l = h20_licence("D1", "2029-08-14");
        l.conditions.push(Condition::VolumeCap {
            percent_of_us_shipments: Decimal::from(50),
        });
        l
    }

    fn us(model: &str, from: &str, to: &str, units: u64) -> UsShipments {
        UsShipments {
            model: model.into(),
            from: date(from),
            to: date(to),
            units,
        }
    }

    fn draw(on: &str, units: u64, model: Option<&str>) -> Drawdown {
        Drawdown {
            licence: "D1".into(),
            line: 0,
            order: format!("o-{on}"),
            date: date(on),
            units,
            value: Decimal::from(units * 12_000),
            customs_value: None,
            model: model.map(str::to_string),
        }
    }

    /// An order of `units` H20s to Alibaba Cloud in China on `on`, at
    /// 12,000 USD a unit.
    fn order(on: &str, units: u64) -> Order {
        let value = i64::try_from(units * 12_000).unwrap_or(i64::MAX);
        crate::matching::tests::order(units, value, on, "Alibaba Cloud Co., Ltd.")
    }

    #[test]
    fn the_cap_refuses_the_unit_over_half_of_the_us_shipments_of_the_period() {
        let ls = [capped()];
        let records = [us("H20", "2026-01-01", "2026-03-31", 1_001)];
        // 300 + 200 shipped in the quarter (and 400 in April, outside it).
        let draws = [
            draw("2026-01-10", 300, Some("H20")),
            draw("2026-03-31", 200, Some("h-20")),
            draw("2026-04-01", 400, Some("H20")),
        ];
        let h = Drawdowns(&draws);
        // 50% of 1,001 is 500.5: 500 fit, 501 do not.
        let m = determine(&ls, &records, &h, &order("2026-02-01", 0));
        assert_eq!(m.status, Status::Covered);
        assert!(m.applied.is_some_and(|a| a.unchecked.is_empty()));
        let m = determine(&ls, &records, &h, &order("2026-02-01", 1));
        assert_eq!(m.status, Status::OverVolumeCap);
        assert!(m.applied.is_none());
        assert_eq!(
            m.tried.first().map(|t| t.reason.as_str()),
            Some(
                "500 units of H20 shipped under the licence from 2026-01-01 to 2026-03-31, plus the 1 ordered, would be 501: over the volume cap of 50% of the 1001 units shipped to US customers in that period (500.5)"
            )
        );
        // A drawdown recorded without its model counts.
        let older = [draw("2026-01-10", 500, None)];
        let m = determine(&ls, &records, &Drawdowns(&older), &order("2026-02-01", 1));
        assert_eq!(m.status, Status::OverVolumeCap);
        // Another model's drawdowns do not.
        let other = [draw("2026-01-10", 500, Some("H200"))];
        let m = determine(&ls, &records, &Drawdowns(&other), &order("2026-02-01", 1));
        assert_eq!(m.status, Status::Covered);
    }

    #[test]
    fn without_a_record_for_the_date_the_cap_is_said_to_be_unchecked() {
        let ls = [capped()];
        let records = [
            us("H20", "2026-01-01", "2026-03-31", 1_000),
            us("H200", "2026-04-01", "2026-06-30", 1_000_000),
        ];
        let m = determine(
            &ls,
            &records,
            &Fixed(Drawn::default()),
            &order("2026-05-01", 9),
        );
        assert_eq!(m.status, Status::Covered);
        let a = m.applied.unwrap_or_else(|| unreachable!("covered"));
        assert_eq!(
            a.unchecked,
            vec![
                "the volume cap (50% of shipments to US customers) cannot be checked: no shipments of H20 to US customers are recorded for a period including 2026-05-01 (chipexport licences us-shipments)"
            ]
        );
        assert!(
            m.tried
                .first()
                .is_some_and(|t| t.reason.starts_with("covers the order; the volume cap"))
        );
        // A licence without a cap says nothing of it.
        let plain = [h20_licence("D1", "2029-08-14")];
        let m = determine(
            &plain,
            &[],
            &Fixed(Drawn::default()),
            &order("2026-05-01", 9),
        );
        assert!(m.applied.is_some_and(|a| a.unchecked.is_empty()));
    }

    #[test]
    fn a_later_record_of_a_period_corrects_it_and_overlapping_periods_all_apply() {
        let records = [
            us("H20", "2026-01-01", "2026-03-31", 100),
            us("H20", "2026-02-01", "2026-02-28", 10),
            us("h20", "2026-01-01", "2026-03-31", 2_000),
        ];
        let now = current(&records);
        assert_eq!(
            now.iter().map(|r| r.units).collect::<Vec<_>>(),
            vec![2_000, 10]
        );
        let ls = [capped()];
        // February's 10 US units allow 5 in February, whatever the quarter.
        let h = Fixed(Drawn::default());
        assert_eq!(
            determine(&ls, &records, &h, &order("2026-02-10", 6)).status,
            Status::OverVolumeCap
        );
        assert_eq!(
            determine(&ls, &records, &h, &order("2026-02-10", 5)).status,
            Status::Covered
        );
        // In March only the quarter applies: 1,000 allowed.
        assert_eq!(
            determine(&ls, &records, &h, &order("2026-03-10", 1_000)).status,
            Status::Covered
        );
    }
}
