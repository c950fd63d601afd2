//! Guards: the countries a rule's predicate requires.
//!
//! Most rules apply to some destinations (or exporting countries, or end
//! users' headquarters) only: `destination = 'SY' AND ...`,
//! `exported_from = 'MY' AND ...`. A country fact is never unknown, so for
//! a country outside the set such a predicate is false, whatever else
//! holds. The engine tests the guard (a bit per country) before evaluating
//! the predicate, and skips the rules of other countries at the cost of
//! one bit test each; the determination is the same, since a skipped rule
//! is one whose predicate is false.

use chipexport_domain::Country;

use crate::classes::Role;
use crate::expr::{CmpOp, Expr, Lit};
use crate::facts::{Fact, Facts};

/// A set of countries: one bit per [`Country::index`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountrySet([u64; Country::INDEXES.div_ceil(64)]);

impl CountrySet {
    const NONE: CountrySet = CountrySet([0; Country::INDEXES.div_ceil(64)]);

    pub(crate) fn of(countries: impl IntoIterator<Item = Country>) -> CountrySet {
        let mut s = CountrySet::NONE;
        for c in countries {
            let i = c.index();
            if let Some(w) = s.0.get_mut(i / 64) {
                *w |= 1 << (i % 64);
            }
        }
        s
    }

    /// Whether `c` is in the set.
    pub fn contains(&self, c: Country) -> bool {
        let i = c.index();
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    pub(crate) fn complement(mut self) -> CountrySet {
        for w in &mut self.0 {
            *w = !*w;
        }
        self
    }

    fn and(mut self, other: &CountrySet) -> CountrySet {
        for (w, o) in self.0.iter_mut().zip(other.0) {
            *w &= o;
        }
        self
    }

    fn or(mut self, other: &CountrySet) -> CountrySet {
        for (w, o) in self.0.iter_mut().zip(other.0) {
            *w |= o;
        }
        self
    }
}

/// The countries of a list of literals, if every one is a country.
pub(crate) fn countries(list: &[Lit]) -> Option<Vec<Country>> {
    list.iter()
        .map(|l| match l {
            Lit::Country(c) => Some(*c),
            _ => None,
        })
        .collect()
}

/// The countries a predicate requires, per country fact (in [`Role::ALL`]
/// order): `None`, any country; `Some(set)`, a country outside the set
/// makes the predicate false.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Guard([Option<Box<CountrySet>>; 3]);

impl Guard {
    /// The guard of a predicate: sound, not complete (a predicate may be
    /// false for more countries than its guard says).
    pub fn of(e: &Expr) -> Guard {
        let role = |x: &Expr| match x {
            Expr::Fact(Fact::Destination) => Some(Role::Destination),
            Expr::Fact(Fact::EndUserHq) => Some(Role::EndUserHq),
            Expr::Fact(Fact::ExportedFrom) => Some(Role::ExportedFrom),
            _ => None,
        };
        let one = |r: Role, set: CountrySet| {
            let mut g = Guard::default();
            if let Some(s) = g.0.get_mut(r.index()) {
                *s = Some(Box::new(set));
            }
            g
        };
        match e {
            Expr::Cmp(op @ (CmpOp::Eq | CmpOp::Ne), a, b) => {
                let (fact, lit) = match (role(a), role(b)) {
                    (Some(r), None) => (r, b),
                    (None, Some(r)) => (r, a),
                    _ => return Guard::default(),
                };
                let Expr::Lit(Lit::Country(c)) = lit.as_ref() else {
                    return Guard::default();
                };
                let set = CountrySet::of([*c]);
                one(
                    fact,
                    if *op == CmpOp::Eq {
                        set
                    } else {
                        set.complement()
                    },
                )
            }
            Expr::In {
                expr,
                list,
                negated,
            } => {
                let Some(r) = role(expr) else {
                    return Guard::default();
                };
                let Some(countries) = countries(list) else {
                    return Guard::default();
                };
                let set = CountrySet::of(countries);
                one(r, if *negated { set.complement() } else { set })
            }
            // False when either side is false.
            Expr::And(a, b) => {
                let (ga, gb) = (Guard::of(a), Guard::of(b));
                let mut g = Guard::default();
                for ((s, x), y) in g.0.iter_mut().zip(ga.0).zip(gb.0) {
                    *s = match (x, y) {
                        (Some(x), Some(y)) => Some(Box::new(x.and(&y))),
                        (x, y) => x.or(y),
                    };
                }
                g
            }
            // False when both sides are.
            Expr::Or(a, b) => {
                let (ga, gb) = (Guard::of(a), Guard::of(b));
                let mut g = Guard::default();
                for ((s, x), y) in g.0.iter_mut().zip(ga.0).zip(gb.0) {
                    *s = match (x, y) {
                        (Some(x), Some(y)) => Some(Box::new(x.or(&y))),
                        _ => None,
                    };
                }
                g
            }
            _ => Guard::default(),
        }
    }

    /// Whether the question's countries may make the predicate true (or
    /// unknown); `false`: the predicate is false.
    #[inline]
    pub fn admits(&self, facts: &Facts<'_>) -> bool {
        let [d, h, f] = &self.0;
        d.as_ref().is_none_or(|s| s.contains(facts.destination))
            && h.as_ref().is_none_or(|s| s.contains(facts.end_user_hq))
            && f.as_ref().is_none_or(|s| s.contains(facts.exported_from))
    }

    /// Whether the guard admits every question.
    pub fn is_open(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::expr::parse_predicate;
    use crate::facts::ItemFacts;

    fn guard(text: &str) -> Guard {
        Guard::of(&parse_predicate(text).unwrap_or_else(|e| panic!("{text}: {e:?}")))
    }

    fn c(s: &str) -> Country {
        Country::parse(s).expect("country")
    }

    #[test]
    fn guards_follow_and_or_in_and_not_in() {
        let g = guard("license_required AND destination = 'SY' AND date >= DATE '2025-09-02'");
        let set = g.0[0].as_ref().expect("a destination guard");
        assert!(set.contains(c("SY")) && !set.contains(c("CN")));
        assert!(g.0[1].is_none() && g.0[2].is_none());
        let g = guard("destination = 'RU' OR (destination = 'BY' AND date >= DATE '2022-03-02')");
        let set = g.0[0].as_ref().expect("a destination guard");
        assert!(set.contains(c("RU")) && set.contains(c("BY")) && !set.contains(c("UA")));
        // One side without a guard: none.
        assert!(guard("destination = 'RU' OR party_sdn").is_open());
        let g = guard("exported_from <> 'CN' AND destination NOT IN ('US', 'CA')");
        assert!(!g.0[2].as_ref().expect("from").contains(c("CN")));
        assert!(g.0[2].as_ref().expect("from").contains(c("US")));
        assert!(!g.0[0].as_ref().expect("dest").contains(c("CA")));
        // Groups depend on the date: no guard.
        assert!(guard("in_group(destination, 'D:5')").is_open());
        assert!(guard("NOT (destination = 'CN')").is_open());
    }

    /// Every rule of the embedded packs, every combination of a spread of
    /// countries: where the guard rejects, the predicate is false.
    #[test]
    fn every_embedded_rule_is_false_where_its_guard_rejects() {
        let rs = crate::RuleSet::embedded().expect("rules load");
        let cat = chipexport_catalog::Catalog::embedded().expect("catalog loads");
        let e = cat.lookup("H100").expect("H100");
        let item = ItemFacts::from_spec(&e.spec, &e.metrics);
        let spread: Vec<Country> = [
            "CN", "HK", "MO", "SY", "IR", "CU", "RU", "BY", "AE", "MY", "TW", "US",
        ]
        .iter()
        .map(|s| c(s))
        .collect();
        let on: chipexport_domain::Date = "2026-01-20".parse().expect("date");
        let (mut rejected, mut guarded) = (0usize, 0usize);
        for (r, guard) in rs.rules().iter().zip(&rs.guards) {
            if guard.is_open() {
                continue;
            }
            guarded += 1;
            for &d in &spread {
                for &h in &spread {
                    for &f in &spread {
                        let facts = Facts::new(&item, &rs.groups, d, h, f, on, None, None);
                        if !guard.admits(&facts) {
                            rejected += 1;
                            let got = crate::expr::eval_bool(&r.predicate, &facts);
                            assert_eq!(got, Some(false), "{} for {d}, {h}, {f}", r.id);
                        }
                    }
                }
            }
        }
        assert!(guarded > 60 && rejected > 50_000, "{guarded} {rejected}");
    }

    const PREDICATES: &[&str] = &[
        "destination = 'SY' AND tpp > 100",
        "destination IN ('CN', 'HK', 'MO') AND exported_from = 'US'",
        "destination = 'RU' OR (destination = 'BY' AND end_user_hq <> 'BY')",
        "exported_from NOT IN ('CN', 'US') OR (end_user_hq = 'MO' AND destination <> 'US')",
        "(destination = 'CN' OR destination = 'AE') AND (exported_from = 'US' OR exported_from = 'TW')",
        "license_required AND destination IN ('CN', 'SY') AND NOT end_user_hq = 'CN'",
    ];

    proptest! {
        /// Whenever the guard rejects a question, the predicate is false.
        #[test]
        fn a_rejected_question_is_false(
            p in 0..PREDICATES.len(),
            d in 0usize..6, h in 0usize..6, f in 0usize..6,
        ) {
            let countries = ["CN", "SY", "US", "BY", "MO", "AE"];
            let text = PREDICATES[p];
            let e = parse_predicate(text).expect("predicate");
            let item = ItemFacts { tpp: Some(200.0), ..Default::default() };
            let date = chipexport_domain::Date::MIN;
            let facts = Facts::new_masked(
                &item, c(countries[d]), c(countries[h]), c(countries[f]),
                date, None, None, [0; 4],
            );
            if !Guard::of(&e).admits(&facts) {
                prop_assert_eq!(crate::expr::eval_bool(&e, &facts), Some(false), "{}", text);
            }
        }
    }
}
