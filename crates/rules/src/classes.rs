//! Which countries a plan cannot tell apart.
//!
//! A plan's predicates read a country fact (the destination, the end user's
//! headquarters, the exporting country) in few ways: its membership of a
//! country group, or whether it is one of the countries a predicate names.
//! Two countries that belong to the same groups on the plan's dates, that
//! are named by the same literals, and that the engine's other country
//! tests (the Commerce Country Chart, the coverage gaps, "exported from
//! the US") treat alike, get the same determination for every question
//! that differs only in that country. Batch screening keys its memo on
//! these classes instead of the countries, and so determines far fewer
//! questions.
//!
//! The classes are sound by construction: a fact read in any other way (an
//! ordering, a comparison with another fact) makes every country its own
//! class. A property test checks that countries of one class get equal
//! determinations, for every plan of the embedded rules.

use chipexport_domain::{Country, Date};

use crate::RuleSet;
use crate::engine::Plan;
use crate::expr::{CmpOp, Expr, Lit};
use crate::facts::Fact;

/// The country facts of a question that classes cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The country of destination.
    Destination,
    /// The end user's headquarters.
    EndUserHq,
    /// The exporting country.
    ExportedFrom,
}

impl Role {
    /// Every role, in the order [`CountryClasses`] keeps them.
    pub const ALL: [Role; 3] = [Role::Destination, Role::EndUserHq, Role::ExportedFrom];

    fn of(f: Fact) -> Option<Role> {
        match f {
            Fact::Destination => Some(Role::Destination),
            Fact::EndUserHq => Some(Role::EndUserHq),
            Fact::ExportedFrom => Some(Role::ExportedFrom),
            _ => None,
        }
    }

    /// The role's position in [`Role::ALL`].
    pub fn index(self) -> usize {
        match self {
            Role::Destination => 0,
            Role::EndUserHq => 1,
            Role::ExportedFrom => 2,
        }
    }
}

/// How a plan reads one country fact.
#[derive(Debug, Clone, Default, PartialEq)]
struct Reads {
    /// Read in a way classes do not cover: every country is its own class.
    exact: bool,
    /// The countries its predicates compare it with (sorted).
    literals: Vec<Country>,
}

/// The classes of countries a plan cannot tell apart, per [`Role`]; made
/// by [`RuleSet::country_classes`].
#[derive(Debug, Clone, PartialEq)]
pub struct CountryClasses {
    reads: [Reads; 3],
    /// Whether any predicate reads `chart_licence`, which depends on the
    /// destination.
    chart: bool,
    /// A date of the plan's interval.
    on: Date,
}

/// The class of a country: equal classes, equal determinations. A class
/// that stands for one country only is the country's code with the top bit
/// set.
pub type Class = u32;

const EXACT: Class = 1 << 31;

impl CountryClasses {
    /// The classes of a plan made for `on` (any date of its interval).
    pub fn of(rs: &RuleSet, plan: &Plan, on: Date) -> CountryClasses {
        let mut reads: [Reads; 3] = Default::default();
        let mut chart = false;
        for &(ri, _) in plan.by_slot.iter().flatten() {
            if let Some(r) = rs.rules().get(ri) {
                walk(&r.predicate, &mut reads, &mut chart);
            }
        }
        for r in &mut reads {
            r.literals.sort();
            r.literals.dedup();
        }
        CountryClasses { reads, chart, on }
    }

    /// Whether a destination's class depends on the item too (the plan
    /// reads `chart_licence`, which looks up the item's claimed ECCN for
    /// the destination): then an item with a claimed ECCN needs the exact
    /// destination.
    pub fn reads_chart(&self) -> bool {
        self.chart
    }

    /// The class of `c` as the fact `role`.
    pub fn class(&self, rs: &RuleSet, role: Role, c: Country) -> Class {
        let Some(reads) = self.reads.get(role.index()) else {
            return exact(c);
        };
        if reads.exact {
            return exact(c);
        }
        let literal = reads
            .literals
            .binary_search(&c)
            .map_or(0, |i| u32::try_from(i + 1).unwrap_or(u32::MAX));
        // Other country tests of the engine, besides predicates.
        let other = match role {
            Role::Destination => rs
                .coverage()
                .and_then(|cov| cov.outside_at(c, self.on))
                .map_or(0, |at| u32::try_from(at + 1).unwrap_or(u32::MAX)),
            Role::ExportedFrom => u32::from(c == Country::us()),
            Role::EndUserHq => 0,
        };
        if literal > 0x7f || other > 0xff {
            return exact(c);
        }
        u32::from(rs.group_mask(c, self.on)) | literal << 8 | other << 16
    }
}

/// The class of one country alone.
pub fn exact(c: Country) -> Class {
    let [a, b] = c.as_str().as_bytes() else {
        return EXACT;
    };
    EXACT | u32::from(*a) << 8 | u32::from(*b)
}

fn literal_country(e: &Expr) -> Option<Country> {
    match e {
        Expr::Lit(Lit::Country(c)) => Some(*c),
        _ => None,
    }
}

fn role_of(e: &Expr) -> Option<Role> {
    match e {
        Expr::Fact(f) => Role::of(*f),
        _ => None,
    }
}

/// Records how `e` reads the country facts.
fn walk(e: &Expr, reads: &mut [Reads; 3], chart: &mut bool) {
    let mut note = |role: Role, c: Option<Country>| {
        if let Some(r) = reads.get_mut(role.index()) {
            match c {
                Some(c) => r.literals.push(c),
                None => r.exact = true,
            }
        }
    };
    match e {
        Expr::Fact(f) => {
            if *f == Fact::ChartLicence {
                *chart = true;
            }
            if let Some(role) = Role::of(*f) {
                note(role, None);
            }
        }
        // Group membership is in the class (the group mask).
        Expr::InGroup(..) | Expr::Lit(_) => {}
        Expr::Cmp(CmpOp::Eq | CmpOp::Ne, a, b)
            if role_of(a).is_some() && literal_country(b).is_some()
                || role_of(b).is_some() && literal_country(a).is_some() =>
        {
            let (fact, lit) = if role_of(a).is_some() { (a, b) } else { (b, a) };
            if let Some(role) = role_of(fact) {
                note(role, literal_country(lit));
            }
        }
        Expr::In { expr, list, .. } if role_of(expr).is_some() => {
            if let Some(role) = role_of(expr) {
                for l in list {
                    match l {
                        Lit::Country(c) => note(role, Some(*c)),
                        _ => note(role, None),
                    }
                }
            }
        }
        // A country fact is never unknown: `IS NULL` reads nothing of it.
        Expr::IsNull { expr, .. } if role_of(expr).is_some() => {}
        Expr::Not(x) | Expr::Neg(x) | Expr::IsNull { expr: x, .. } | Expr::In { expr: x, .. } => {
            walk(x, reads, chart)
        }
        Expr::And(a, b) | Expr::Or(a, b) | Expr::Cmp(_, a, b) | Expr::Arith(_, a, b) => {
            walk(a, reads, chart);
            walk(b, reads, chart);
        }
    }
}

impl RuleSet {
    /// The classes of countries that `plan` (made for `on`) cannot tell
    /// apart: see [`crate::classes`].
    pub fn country_classes(&self, plan: &Plan, on: Date) -> CountryClasses {
        CountryClasses::of(self, plan, on)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Question;
    use crate::expr::parse_predicate;

    fn reads(text: &str) -> ([Reads; 3], bool) {
        let mut r: [Reads; 3] = Default::default();
        let mut chart = false;
        let e = parse_predicate(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        walk(&e, &mut r, &mut chart);
        (r, chart)
    }

    #[test]
    fn literals_and_groups_are_classes_other_reads_are_exact() {
        let (r, chart) = reads("destination IN ('CN', 'HK') AND exported_from = 'US'");
        let [d, h, f] = &r;
        assert!(!d.exact && d.literals.len() == 2, "{d:?}");
        assert_eq!(h, &Reads::default());
        assert!(!f.exact && f.literals.len() == 1, "{f:?}");
        assert!(!chart);
        let (r, _) = reads("destination = end_user_hq");
        assert!(r[0].exact && r[1].exact, "{r:?}");
        let (r, _) = reads("exported_from IS NULL OR exported_from <> destination");
        assert!(r[0].exact && !r[1].exact && r[2].exact, "{r:?}");
        let (r, chart) = reads("chart_licence AND in_group(end_user_hq, 'D:5')");
        assert!(chart && !r[1].exact && r[1].literals.is_empty(), "{r:?}");
    }

    /// Every plan of the embedded rules, every country in each role (the
    /// other two roles the US, or China): two countries of one class give
    /// equal determinations.
    #[test]
    fn countries_of_one_class_get_equal_determinations() {
        let rs = RuleSet::embedded().expect("rules load");
        let cat = chipexport_catalog::Catalog::embedded().expect("catalog loads");
        let items: Vec<_> = ["H20", "H100", "A800"]
            .iter()
            .map(|id| cat.lookup(id).expect("catalog entry"))
            .map(|e| crate::ItemFacts::from_spec(&e.spec, &e.metrics))
            .collect();
        let countries: Vec<Country> = Country::all().collect();
        let backgrounds = [Country::us(), Country::parse("CN").expect("CN")];
        let dates = std::iter::once(Date::MIN).chain(rs.breakpoints().iter().copied());
        let (mut compared, mut classes, mut cases) = (0usize, 0usize, 0usize);
        for on in dates {
            let plan = rs.plan(on, crate::Mode::Enforced, &[]);
            let cc = rs.country_classes(&plan, on);
            for role in Role::ALL {
                // Per class, its first country and how many were compared
                // with it (up to 8).
                let mut first: std::collections::HashMap<Class, (Country, usize)> =
                    Default::default();
                for &c in &countries {
                    cases += 1;
                    let class = cc.class(&rs, role, c);
                    let Some((rep, n)) = first.get_mut(&class) else {
                        first.insert(class, (c, 0));
                        continue;
                    };
                    if *n == 8 {
                        continue;
                    }
                    *n += 1;
                    let rep = *rep;
                    for (item, bg) in items.iter().flat_map(|i| backgrounds.map(|b| (i, b))) {
                        let q = |c: Country| {
                            let mut q = Question::about(item.clone(), bg, on);
                            q.end_user_hq = bg;
                            q.exported_from = bg;
                            match role {
                                Role::Destination => q.destination = c,
                                Role::EndUserHq => q.end_user_hq = c,
                                Role::ExportedFrom => q.exported_from = c,
                            }
                            q
                        };
                        let (a, b) = (q(rep), q(c));
                        let (da, db) = (rs.determine_with(&a, &plan), rs.determine_with(&b, &plan));
                        assert_eq!(da, db, "{role:?} {rep} and {c} on {on}, the others {bg}");
                        compared += 1;
                    }
                }
                classes += first.len();
            }
        }
        assert!(compared > 5_000, "{compared}");
        // Far fewer classes than countries.
        assert!(classes * 4 < cases, "{classes} classes of {cases}");
    }
}
