//! Which licence covers an order, which one applies, and why each of the
//! others does not.
//!
//! Each licence line is tried in this order, and the first test that fails
//! is the reason it does not apply:
//!
//! 1. the item (catalog id, model, spec constraints) and the ECCN;
//! 2. the destination;
//! 3. the parties: a consignee or end user the licence names must be the
//!    order's, compared by name after normalisation (see [`same_party`]);
//! 4. the date: from `valid_from` to `valid_to`, both included (15 CFR
//!    750.7: a licence is valid until the expiration date it shows; BIS
//!    licences are generally valid for four years);
//! 5. the quantity: units already drawn plus the order's may not exceed the
//!    licensed quantity, and once the full quantity has shipped no further
//!    shipment may be made (15 CFR 750.11(a)(1)); a line counted in
//!    "Number" has no tolerance on the number of units (750.11(b)(2));
//! 6. the value: value drawn plus the order's may not exceed the licensed
//!    value by more than the shipping tolerance, 25% for a line counted in
//!    "Number" (750.11(b)(2)) and none for a line counted in "$ value"
//!    (750.11(b)(1));
//! 7. the volume cap, when the licence has one ([`crate::cap`]): the units
//!    of the order's model shipped under the licence in each period for
//!    which the holder recorded its US shipments of that model, plus the
//!    order's, may not exceed the cap's percentage of those shipments. A
//!    cap without a recorded period for the order's date cannot be
//!    checked: the line still covers the order, and says so.
//!
//! When no line covers the order, its status is the furthest any line got
//! (so an order for a licence's own end user after that licence expired is
//! `expired`, not the `party_mismatch` of another buyer's licence).
//! Orders are never split: an order that does not fit whole is refused.
//! Among the lines that cover an order, the one of the licence that
//! expires first applies (ties: the lower licence number, then the first
//! line), so that no licence lapses unused while another is drawn.

use chipexport_domain::{Country, Date};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::model::{Bound, Licence, Line, Metric, Unit, UsShipments};

/// What an order is about, for matching against licence lines.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemFacts {
    /// The catalog id, when the item is a catalog entry.
    pub catalog_id: Option<String>,
    /// The model name (`H20`).
    pub model: String,
    /// TPP, when known.
    pub tpp: Option<f64>,
    /// Performance density, when known.
    pub performance_density: Option<f64>,
    /// Memory bandwidth, GB/s, when known.
    pub memory_bandwidth_gbps: Option<f64>,
    /// Interconnect bandwidth, GB/s, when known.
    pub interconnect_gbps: Option<f64>,
}

impl ItemFacts {
    fn metric(&self, m: Metric) -> Option<f64> {
        match m {
            Metric::Tpp => self.tpp,
            Metric::PerformanceDensity => self.performance_density,
            Metric::MemoryBandwidthGbps => self.memory_bandwidth_gbps,
            Metric::InterconnectGbps => self.interconnect_gbps,
        }
    }
}

/// An order (or a check) to match.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Order {
    /// The order's reference.
    pub id: String,
    /// The ship date.
    pub date: Date,
    /// The item.
    pub item: ItemFacts,
    /// Its ECCN as the rules classify it; `None` when unknown.
    pub eccn: Option<String>,
    /// The country of ultimate destination.
    pub destination: Country,
    /// The consignee named on the order.
    pub consignee: Option<String>,
    /// The end user named on the order.
    pub end_user: Option<String>,
    /// Units ordered.
    pub units: u64,
    /// The order's value in US dollars.
    pub value: Decimal,
}

/// What the licences have drawn so far, as matching reads it: every figure
/// is a sum of drawdowns (see [`crate::account::Drawdowns`]).
pub trait History {
    /// What a licence line has drawn.
    fn drawn(&self, licence: &str, line: usize) -> Drawn;
    /// Units of `model` drawn under a licence (every line) with ship dates
    /// from `from` to `to`, both included.
    fn shipped(&self, licence: &str, model: &str, from: Date, to: Date) -> u64;
}

/// What has been drawn from a licence line so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Drawn {
    /// Units drawn.
    pub units: u64,
    /// Value drawn, US dollars.
    pub value: Decimal,
}

/// An order's licence status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// No licence covers the item, the destination, or the date's start.
    NoLicence,
    /// A licence covers item and destination but names other parties.
    PartyMismatch,
    /// A licence covers item, destination and parties but has expired on
    /// the date.
    Expired,
    /// The licence's quantity (or, for a line licensed by value, its value)
    /// would be exceeded.
    Exhausted,
    /// The value would exceed the licence's value plus the 750.11 tolerance.
    OverTolerance,
    /// The units of the model shipped under the licence in a recorded
    /// period would exceed the licence's volume cap.
    OverVolumeCap,
    /// A licence covers it, with enough left.
    Covered,
}

impl Status {
    /// The status as written in ledgers (`no_licence`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::NoLicence => "no_licence",
            Status::Expired => "expired",
            Status::PartyMismatch => "party_mismatch",
            Status::Exhausted => "exhausted",
            Status::OverTolerance => "over_tolerance",
            Status::OverVolumeCap => "over_volume_cap",
            Status::Covered => "covered",
        }
    }
}

/// One licence line tried against an order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tried {
    /// The licence number.
    pub number: String,
    /// The line (from 0); `None` when no line's item matched.
    pub line: Option<usize>,
    /// How far it got.
    pub status: Status,
    /// Why it does or does not apply, in words.
    pub reason: String,
}

/// The licence line that applies, and what is left after the order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Applied {
    /// The licence number.
    pub number: String,
    /// The line (from 0).
    pub line: usize,
    /// Units left on the line after this order (`None` for a line licensed
    /// by value only).
    pub remaining_units: Option<u64>,
    /// Value left after this order, before the shipping tolerance.
    pub remaining_value: Decimal,
    /// The last day the licence may be used.
    pub expires: Date,
    /// The licence's conditions, in words.
    pub conditions: Vec<String>,
    /// Conditions that could not be checked for this order, and why (a
    /// volume cap without US shipments recorded for the order's date).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unchecked: Vec<String>,
}

/// The outcome of matching an order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    /// The order's status: `covered`, or the furthest any licence got.
    pub status: Status,
    /// The line that applies, when one does.
    pub applied: Option<Applied>,
    /// Every licence tried, the applied one first, each with its reason.
    pub tried: Vec<Tried>,
}

/// Two party names are the same party when their distinctive words agree
/// after the screening matcher's normalisation (NFKC, transliteration,
/// case, punctuation; legal forms such as "Co., Ltd." and "Limited"
/// dropped): `Alibaba Cloud Co., Ltd.` is `ALIBABA CLOUD LIMITED`. This is
/// an exact match of normal forms, not the fuzzy score of screening: a
/// licence names a party exactly, and a near miss is a mismatch to review.
pub fn same_party(a: &str, b: &str) -> bool {
    let (x, y) = (party_key(a), party_key(b));
    !x.is_empty() && x == y
}

/// A party name's normal form for [`same_party`].
fn party_key(name: &str) -> String {
    use chipexport_parties::normalize::{compact, tokens};
    compact(&tokens(name))
}

/// The normal forms of a consignee and an end user.
type Keys = [Option<String>; 2];

fn keys(consignee: Option<&String>, end_user: Option<&String>) -> Keys {
    [
        consignee.map(|n| party_key(n)),
        end_user.map(|n| party_key(n)),
    ]
}

/// Whether two model names are the same model, ignoring case, spaces and
/// punctuation (`H200` is `h-200`).
pub fn same_model(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    norm(a) == norm(b)
}

/// Whether a line's items cover the item; `Err` says why not.
pub fn item_matches(line: &Line, item: &ItemFacts) -> Result<(), String> {
    let listed = line.items.is_empty() && line.models.is_empty()
        || item
            .catalog_id
            .as_ref()
            .is_some_and(|id| line.items.iter().any(|i| i == id))
        || line.models.iter().any(|m| same_model(m, &item.model));
    if !listed {
        return Err(format!(
            "the item ({}) is not on the line",
            item.catalog_id.as_deref().unwrap_or(&item.model)
        ));
    }
    for s in &line.spec {
        let Ok(b) = Bound::parse(s) else {
            return Err(format!("the line's constraint `{s}` does not parse"));
        };
        if !b.holds(item.metric(b.metric)) {
            return Err(format!("the item does not meet the line's `{s}`"));
        }
    }
    Ok(())
}

/// Whether a classification reads as an ECCN (`3A090.a`, `5A992`,
/// `EAR99`), rather than a description such as `not 3A090` or
/// `undetermined`, which cannot be compared with a licence line's.
pub fn is_eccn(s: &str) -> bool {
    let s = s.trim();
    s.eq_ignore_ascii_case("EAR99")
        || (s.len() >= 5
            && s.chars().next().is_some_and(|c| c.is_ascii_digit())
            && s.chars().nth(1).is_some_and(|c| c.is_ascii_alphabetic()))
}

fn eccn_matches(line: &Line, eccn: Option<&str>) -> bool {
    match eccn {
        None => true,
        Some(e) if !is_eccn(e) => true,
        Some(e) if line.eccn.is_empty() => !e.is_empty(),
        Some(e) => line.eccn.iter().any(|l| {
            let (l, e) = (l.to_ascii_uppercase(), e.to_ascii_uppercase());
            e == l || e.starts_with(&format!("{l}.")) || l.starts_with(&format!("{e}."))
        }),
    }
}

/// The most value a line allows, with the 750.11 tolerance.
pub fn value_ceiling(line: &Line) -> Decimal {
    match line.unit {
        // 750.11(b)(2): up to 25% over the licensed value.
        Unit::Number => line.value + line.value / Decimal::from(4),
        // 750.11(b)(1): no tolerance.
        Unit::DollarValue => line.value,
    }
}

/// One line against an order, with what it has drawn and, for a volume
/// cap, the US shipments recorded and the licence's history.
fn try_line(
    (l, lk): (&Licence, &Keys),
    i: usize,
    line: &Line,
    (o, ok): (&Order, &Keys),
    (us, history): (&[&UsShipments], &dyn History),
) -> Tried {
    let drawn = history.drawn(&l.number, i);
    let t = |status, reason: String| Tried {
        number: l.number.clone(),
        line: Some(i),
        status,
        reason,
    };
    if !l.destinations.contains(&o.destination) {
        return t(
            Status::NoLicence,
            format!("the destination {} is not on the licence", o.destination),
        );
    }
    let named = [&l.parties.consignee, &l.parties.end_user];
    let given = [&o.consignee, &o.end_user];
    for (k, role) in ["consignee", "end user"].into_iter().enumerate() {
        let (Some(Some(named)), Some(given)) = (named.get(k), given.get(k)) else {
            continue;
        };
        let (lkey, okey) = (lk.get(k).cloned().flatten(), ok.get(k).cloned().flatten());
        match given {
            Some(_) if lkey.is_some_and(|x| !x.is_empty() && Some(&x) == okey.as_ref()) => {}
            Some(g) => {
                return t(
                    Status::PartyMismatch,
                    format!("the licence's {role} is {named}, the order's is {g}"),
                );
            }
            None => {
                return t(
                    Status::PartyMismatch,
                    format!("the licence names the {role} {named}; the order names none"),
                );
            }
        }
    }
    if o.date < l.valid_from {
        return t(
            Status::NoLicence,
            format!(
                "not valid until {} (the order ships {})",
                l.valid_from, o.date
            ),
        );
    }
    if o.date > l.valid_to {
        return t(
            Status::Expired,
            format!("expired on {} (the order ships {})", l.valid_to, o.date),
        );
    }
    if let Some(q) = line.quantity {
        if drawn.units >= q {
            return t(
                Status::Exhausted,
                format!(
                    "the full quantity ({q}) has shipped; no further shipment may be made (15 CFR 750.11(a)(1))"
                ),
            );
        }
        if drawn.units.saturating_add(o.units) > q {
            return t(
                Status::Exhausted,
                format!(
                    "{} units ordered, {} left of {q}; no tolerance on the number of units (15 CFR 750.11(b)(2))",
                    o.units,
                    q - drawn.units
                ),
            );
        }
    }
    let ceiling = value_ceiling(line);
    if drawn.value + o.value > ceiling {
        return match line.unit {
            Unit::Number => t(
                Status::OverTolerance,
                format!(
                    "the value drawn would be {}, over the licensed {} plus the 25% tolerance ({ceiling}) (15 CFR 750.11(b)(2))",
                    drawn.value + o.value,
                    line.value
                ),
            ),
            Unit::DollarValue => t(
                Status::Exhausted,
                format!(
                    "the value drawn would be {}, over the licensed {}; no tolerance for a line licensed by value (15 CFR 750.11(b)(1))",
                    drawn.value + o.value,
                    line.value
                ),
            ),
        };
    }
    let cap = crate::cap::check(l, o, us, history);
    if let Some(over) = cap.over {
        return t(Status::OverVolumeCap, over);
    }
    let mut reason = String::from("covers the order");
    for u in &cap.unchecked {
        reason.push_str("; ");
        reason.push_str(u);
    }
    t(Status::Covered, reason)
}

/// Matches an order against licences, with the holder's US shipments as
/// recorded (in the order recorded: see [`crate::cap::current`]) and what
/// the licences have drawn. To match many orders, prepare the licences
/// once with [`Matcher`].
pub fn determine(
    licences: &[Licence],
    us: &[UsShipments],
    history: &dyn History,
    o: &Order,
) -> Match {
    Matcher::new(licences, us).determine(history, o)
}

/// Licences prepared for matching many orders: each licence's party names
/// normalised once, and the US shipments in force for volume caps.
#[derive(Debug, Clone)]
pub struct Matcher<'a> {
    licences: &'a [Licence],
    us: Vec<&'a UsShipments>,
    keys: Vec<Keys>,
    /// Orders' party names already normalised (ledgers repeat their
    /// buyers); emptied when it reaches [`Matcher::CACHE`] names.
    seen: std::cell::RefCell<std::collections::HashMap<String, String>>,
}

impl<'a> Matcher<'a> {
    /// Prepares `licences`, with the holder's US shipments as recorded (in
    /// the order recorded; a later record of a model and period corrects
    /// an earlier one).
    pub fn new(licences: &'a [Licence], us: &'a [UsShipments]) -> Matcher<'a> {
        Matcher {
            licences,
            us: crate::cap::current(us),
            keys: licences
                .iter()
                .map(|l| keys(l.parties.consignee.as_ref(), l.parties.end_user.as_ref()))
                .collect(),
            seen: std::cell::RefCell::default(),
        }
    }

    /// The most order party names kept normalised.
    pub const CACHE: usize = 65_536;

    fn key(&self, name: Option<&String>) -> Option<String> {
        let name = name?;
        let mut seen = self.seen.borrow_mut();
        if let Some(k) = seen.get(name) {
            return Some(k.clone());
        }
        if seen.len() >= Matcher::CACHE {
            seen.clear();
        }
        let k = party_key(name);
        seen.insert(name.clone(), k.clone());
        Some(k)
    }

    /// Matches an order, as [`determine`].
    pub fn determine(&self, history: &dyn History, o: &Order) -> Match {
        let ok = [
            self.key(o.consignee.as_ref()),
            self.key(o.end_user.as_ref()),
        ];
        let none: Keys = [None, None];
        let licences = self.licences;
        let mut tried: Vec<(Tried, Option<&Licence>)> = Vec::new();
        for (li, l) in licences.iter().enumerate() {
            let lk = self.keys.get(li).unwrap_or(&none);
            let mut item_reason = None;
            let mut best: Option<Tried> = None;
            for (i, line) in l.lines.iter().enumerate() {
                if let Err(r) = item_matches(line, &o.item) {
                    item_reason.get_or_insert(r);
                    continue;
                }
                if !eccn_matches(line, o.eccn.as_deref()) {
                    item_reason.get_or_insert(format!(
                        "the item's ECCN {} is not the line's ({})",
                        o.eccn.as_deref().unwrap_or("?"),
                        line.eccn.join(", ")
                    ));
                    continue;
                }
                let t = try_line((l, lk), i, line, (o, &ok), (&self.us, history));
                if best.as_ref().is_none_or(|b| t.status > b.status) {
                    best = Some(t);
                }
            }
            tried.push((
                best.unwrap_or_else(|| Tried {
                    number: l.number.clone(),
                    line: None,
                    status: Status::NoLicence,
                    reason: item_reason.unwrap_or_else(|| "the licence has no line".into()),
                }),
                Some(l),
            ));
        }
        // Covered first, the earliest expiry first; then the furthest status.
        tried.sort_by(|(a, la), (b, lb)| {
            b.status
                .cmp(&a.status)
                .then_with(|| la.map(|l| l.valid_to).cmp(&lb.map(|l| l.valid_to)))
                .then_with(|| a.number.cmp(&b.number))
        });
        let applied = tried.first().and_then(|(t, l)| {
            let (l, i) = (l.as_ref()?, t.line?);
            if t.status != Status::Covered {
                return None;
            }
            let line = l.lines.get(i)?;
            let d = history.drawn(&l.number, i);
            Some(Applied {
                number: l.number.clone(),
                line: i,
                remaining_units: line.quantity.map(|q| q.saturating_sub(d.units + o.units)),
                remaining_value: line.value - d.value - o.value,
                expires: l.valid_to,
                conditions: l.conditions.iter().map(|c| c.describe()).collect(),
                unchecked: crate::cap::check(l, o, &self.us, history).unchecked,
            })
        });
        let status = tried.first().map_or(Status::NoLicence, |(t, _)| t.status);
        Match {
            status,
            applied,
            tried: tried.into_iter().map(|(t, _)| t).collect(),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{Condition, Parties};

    /// A history in which every line has drawn the same, and no volume cap
    /// has shipped anything.
    pub(crate) struct Fixed(pub(crate) Drawn);

    impl History for Fixed {
        fn drawn(&self, _: &str, _: usize) -> Drawn {
            self.0
        }
        fn shipped(&self, _: &str, _: &str, _: Date, _: Date) -> u64 {
            0
        }
    }

    fn date(s: &str) -> Date {
        chipexport_domain::parse_date(s).unwrap_or_default()
    }

    fn cn() -> Country {
        Country::parse("CN").unwrap_or_else(|_| Country::us())
    }

    pub(crate) fn h20_licence(number: &str, valid_to: &str) -> Licence {
        Licence {
            number: number.into(),
            authority: "BIS".into(),
            holder: "NVIDIA Corporation".into(),
            issued: date("2025-08-12"),
            valid_from: date("2025-08-15"),
            valid_to: date(valid_to),
            destinations: vec![cn()],
            parties: Parties {
                consignee: None,
                end_user: Some("Alibaba Cloud Co., Ltd.".into()),
            },
            lines: vec![Line {
                items: vec![],
                models: vec!["H20".into()],
                spec: vec!["tpp < 4800".into()],
                eccn: vec!["3A991".into()],
                unit: Unit::Number,
                quantity: Some(10_000),
                value: Decimal::from(120_000_000),
            }],
            conditions: vec![Condition::RevenueShare {
                percent: Decimal::from(15),
                payee: None,
            }],
            provisos: vec![],
        }
    }

    pub(crate) fn order(units: u64, value: i64, on: &str, end_user: &str) -> Order {
        Order {
            id: "o1".into(),
            date: date(on),
            item: ItemFacts {
                catalog_id: Some("nvidia-h20-hgx-96gb".into()),
                model: "H20".into(),
                tpp: Some(2368.0),
                performance_density: Some(2.9),
                memory_bandwidth_gbps: Some(4000.0),
                interconnect_gbps: Some(900.0),
            },
            eccn: Some("3A991.p".into()),
            destination: cn(),
            consignee: None,
            end_user: Some(end_user.into()),
            units,
            value: Decimal::from(value),
        }
    }

    fn run(units: u64, value: i64, on: &str, drawn: Drawn) -> Match {
        let ls = [h20_licence("D1", "2029-08-14")];
        determine(
            &ls,
            &[],
            &Fixed(drawn),
            &order(units, value, on, "ALIBABA CLOUD LIMITED"),
        )
    }

    #[test]
    fn unit_10001_is_refused_and_unit_10000_is_not() {
        let d = Drawn {
            units: 9_999,
            value: Decimal::from(119_988_000),
        };
        let m = run(1, 12_000, "2026-01-01", d);
        assert_eq!(m.status, Status::Covered);
        assert_eq!(m.applied.as_ref().and_then(|a| a.remaining_units), Some(0));
        let d = Drawn {
            units: 10_000,
            value: Decimal::from(120_000_000),
        };
        let m = run(1, 12_000, "2026-01-01", d);
        assert_eq!(m.status, Status::Exhausted);
        assert!(m.applied.is_none());
    }

    #[test]
    fn the_value_may_exceed_by_25_percent_and_no_more() {
        // 25% over 120,000,000 is 150,000,000.
        let m = run(10, 150_000_000, "2026-01-01", Drawn::default());
        assert_eq!(m.status, Status::Covered);
        let m = run(10, 150_000_001, "2026-01-01", Drawn::default());
        assert_eq!(m.status, Status::OverTolerance);
    }

    #[test]
    fn expiry_parties_and_destination_are_checked() {
        assert_eq!(
            run(1, 1, "2029-08-14", Drawn::default()).status,
            Status::Covered
        );
        assert_eq!(
            run(1, 1, "2029-08-15", Drawn::default()).status,
            Status::Expired
        );
        assert_eq!(
            run(1, 1, "2025-08-14", Drawn::default()).status,
            Status::NoLicence
        );
        let ls = [h20_licence("D1", "2029-08-14")];
        let m = determine(
            &ls,
            &[],
            &Fixed(Drawn::default()),
            &order(1, 1, "2026-01-01", "Tencent"),
        );
        assert_eq!(m.status, Status::PartyMismatch);
        let mut o = order(1, 1, "2026-01-01", "Alibaba Cloud");
        o.destination = Country::parse("SG").unwrap_or_else(|_| Country::us());
        assert_eq!(
            determine(&ls, &[], &Fixed(Drawn::default()), &o).status,
            Status::NoLicence
        );
    }

    #[test]
    fn the_licence_expiring_first_applies_and_the_others_say_why_not() {
        let ls = [
            h20_licence("D2", "2029-08-14"),
            h20_licence("D1", "2027-01-01"),
            h20_licence("D3", "2025-12-31"),
        ];
        let m = determine(
            &ls,
            &[],
            &Fixed(Drawn::default()),
            &order(5, 60_000, "2026-03-01", "Alibaba Cloud Co Ltd"),
        );
        assert_eq!(m.applied.as_ref().map(|a| a.number.as_str()), Some("D1"));
        let statuses: Vec<(&str, Status)> = m
            .tried
            .iter()
            .map(|t| (t.number.as_str(), t.status))
            .collect();
        assert_eq!(
            statuses,
            vec![
                ("D1", Status::Covered),
                ("D2", Status::Covered),
                ("D3", Status::Expired)
            ]
        );
    }

    #[test]
    fn another_item_is_not_covered() {
        let ls = [h20_licence("D1", "2029-08-14")];
        let mut o = order(1, 1, "2026-01-01", "Alibaba Cloud");
        o.item.model = "H100".into();
        o.item.catalog_id = Some("nvidia-h100-sxm5-80gb".into());
        let m = determine(&ls, &[], &Fixed(Drawn::default()), &o);
        assert_eq!(m.status, Status::NoLicence);
        assert!(
            m.tried
                .first()
                .is_some_and(|t| t.reason.contains("not on the line"))
        );
    }

    #[test]
    fn parties_match_after_normalisation_only() {
        assert!(same_party(
            "Alibaba Cloud Co., Ltd.",
            "ALIBABA CLOUD LIMITED"
        ));
        assert!(!same_party("Alibaba Cloud", "Alibaba Group"));
        assert!(!same_party("", ""));
    }
}
