//! Which countries a plan cannot tell apart.
//!
//! A plan's predicates read a country fact (the destination, the end user's
//! headquarters, the exporting country) in few ways, each an *atom*: its
//! membership of a country group, whether it is the country a predicate
//! names, or whether it is in a list of countries a predicate names. Two
//! countries for which every atom of the plan is alike, and that the
//! engine's other country tests (the Commerce Country Chart, the coverage
//! gaps, "exported from the US") treat alike, get the same determination
//! for every question that differs only in that country: they have the
//! same [`Signature`]. Batch screening keys its memo on signatures instead
//! of countries, and so determines far fewer questions. The fewer rules a
//! plan holds, the coarser its classes: the plan of one item (see
//! [`crate::partial`]) often cannot tell most destinations apart.
//!
//! The classes are sound by construction: a fact read in any other way (an
//! ordering, a comparison with another fact), or by more atoms than a
//! signature holds, makes every country its own class. Property tests
//! check that countries of one class get equal determinations, for every
//! plan of the embedded rules and for the plans of single items.

use chipexport_domain::{Country, Date, Group};

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

/// One way a predicate reads a country fact.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Atom {
    /// Membership of the group `Group::ALL[i]`.
    Group(u8),
    /// Being one of these countries (sorted): `= 'CN'` or `IN ('CN', 'HK')`.
    In(Vec<Country>),
}

/// How many atoms a [`Signature`] holds.
const MAX_ATOMS: usize = 128;

/// How a plan reads one country fact.
#[derive(Debug, Clone, Default, PartialEq)]
struct Reads {
    /// Read in a way classes do not cover: every country is its own class.
    exact: bool,
    /// Its atoms (sorted, distinct).
    atoms: Vec<Atom>,
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

/// What a plan sees of a country in one role: countries of equal
/// signatures get equal determinations (see the module's documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature {
    /// Bit i: whether atom i of the role holds for the country.
    atoms: u128,
    /// The engine's other country tests: the coverage gap (destination),
    /// being the US (exporting country).
    other: u32,
    /// The country itself, when the plan tells every country apart.
    exact: Option<Country>,
}

impl Signature {
    /// The signature of one country alone.
    pub fn exact(c: Country) -> Signature {
        Signature {
            atoms: 0,
            other: 0,
            exact: Some(c),
        }
    }
}

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
            r.atoms.sort();
            r.atoms.dedup();
            if r.atoms.len() > MAX_ATOMS {
                r.exact = true;
            }
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

    /// The signature of `c` as the fact `role`.
    pub fn signature(&self, rs: &RuleSet, role: Role, c: Country) -> Signature {
        let Some(reads) = self.reads.get(role.index()) else {
            return Signature::exact(c);
        };
        if reads.exact {
            return Signature::exact(c);
        }
        let mask = if reads.atoms.iter().any(|a| matches!(a, Atom::Group(_))) {
            rs.group_mask(c, self.on)
        } else {
            0
        };
        let atoms = reads.atoms.iter().enumerate().fold(0u128, |bits, (i, a)| {
            let holds = match a {
                Atom::Group(g) => mask & (1 << g) != 0,
                Atom::In(set) => set.binary_search(&c).is_ok(),
            };
            bits | u128::from(holds) << i
        });
        // Other country tests of the engine, besides predicates.
        let other = match role {
            Role::Destination => rs
                .coverage()
                .and_then(|cov| cov.outside_at(c, self.on))
                .map_or(0, |at| u32::try_from(at + 1).unwrap_or(u32::MAX)),
            Role::ExportedFrom => u32::from(c == Country::us()),
            Role::EndUserHq => 0,
        };
        Signature {
            atoms,
            other,
            exact: None,
        }
    }
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
    let mut note = |role: Role, atom: Option<Atom>| {
        if let Some(r) = reads.get_mut(role.index()) {
            match atom {
                Some(a) => r.atoms.push(a),
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
        Expr::InGroup(f, g) => {
            if let Some(role) = Role::of(*f) {
                let bit = Group::ALL.iter().position(|x| x == g);
                note(
                    role,
                    bit.and_then(|b| u8::try_from(b).ok()).map(Atom::Group),
                );
            }
        }
        Expr::Lit(_) => {}
        Expr::Cmp(CmpOp::Eq | CmpOp::Ne, a, b)
            if role_of(a).is_some() && literal_country(b).is_some()
                || role_of(b).is_some() && literal_country(a).is_some() =>
        {
            let (fact, lit) = if role_of(a).is_some() { (a, b) } else { (b, a) };
            if let Some(role) = role_of(fact) {
                note(role, literal_country(lit).map(|c| Atom::In(vec![c])));
            }
        }
        Expr::In { expr, list, .. } if role_of(expr).is_some() => {
            if let Some(role) = role_of(expr) {
                let set: Option<Vec<Country>> = list
                    .iter()
                    .map(|l| match l {
                        Lit::Country(c) => Some(*c),
                        _ => None,
                    })
                    .collect();
                note(
                    role,
                    set.map(|mut s| {
                        s.sort();
                        s.dedup();
                        Atom::In(s)
                    }),
                );
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
    fn literals_lists_and_groups_are_atoms_other_reads_are_exact() {
        let c = |s: &str| Country::parse(s).expect("country");
        let (r, chart) = reads("destination IN ('HK', 'CN') AND exported_from = 'US'");
        let [d, h, f] = &r;
        // One list is one atom: its countries are alike to it.
        assert_eq!(d.atoms, vec![Atom::In(vec![c("CN"), c("HK")])]);
        assert_eq!(h, &Reads::default());
        assert_eq!(f.atoms, vec![Atom::In(vec![c("US")])]);
        assert!(!d.exact && !f.exact && !chart);
        let (r, _) = reads("destination = end_user_hq");
        assert!(r[0].exact && r[1].exact, "{r:?}");
        let (r, _) = reads("exported_from IS NULL OR exported_from <> destination");
        assert!(r[0].exact && !r[1].exact && r[2].exact, "{r:?}");
        let (r, chart) = reads("chart_licence AND in_group(end_user_hq, 'D:5')");
        assert!(chart && !r[1].exact, "{r:?}");
        assert_eq!(r[1].atoms, vec![Atom::Group(5)]);
        let (r, _) = reads("destination IN ('CN', 'HK') AND destination <> end_user_hq");
        assert!(r[0].exact && r[1].exact, "{r:?}");
    }

    /// The countries of one list share a signature; a country the list
    /// does not name has another, and so has a country read exactly.
    #[test]
    fn countries_alike_to_every_atom_share_a_signature() {
        let rs = RuleSet::embedded().expect("rules load");
        let c = |s: &str| Country::parse(s).expect("country");
        let (reads, chart) =
            reads("destination IN ('CN', 'HK', 'MO') OR in_group(end_user_hq, 'D:5')");
        let cc = CountryClasses {
            reads,
            chart,
            on: "2025-09-01".parse().expect("date"),
        };
        let sig = |role, s| cc.signature(&rs, role, c(s));
        assert_eq!(sig(Role::Destination, "CN"), sig(Role::Destination, "MO"));
        assert_ne!(sig(Role::Destination, "CN"), sig(Role::Destination, "SG"));
        // D:5 holds China, not Singapore or Malaysia.
        assert_ne!(sig(Role::EndUserHq, "CN"), sig(Role::EndUserHq, "SG"));
        assert_eq!(sig(Role::EndUserHq, "MY"), sig(Role::EndUserHq, "SG"));
        // The exporting country: not read, but "exported from the US" is
        // the engine's own test.
        assert_eq!(sig(Role::ExportedFrom, "CN"), sig(Role::ExportedFrom, "SG"));
        assert_ne!(sig(Role::ExportedFrom, "US"), sig(Role::ExportedFrom, "SG"));
        assert_eq!(Signature::exact(c("CN")), Signature::exact(c("CN")));
        assert_ne!(Signature::exact(c("CN")), sig(Role::Destination, "CN"));
    }

    /// Two countries of one class get equal determinations from `plan`
    /// (made for `on`), for each item, in each role, the other two roles
    /// the US or China. Returns (comparisons, classes, countries classed).
    fn compare_within_classes(
        rs: &RuleSet,
        plan: &Plan,
        on: Date,
        items: &[crate::ItemFacts],
    ) -> (usize, usize, usize) {
        let cc = rs.country_classes(plan, on);
        let backgrounds = [Country::us(), Country::parse("CN").expect("CN")];
        let (mut compared, mut classes, mut cases) = (0usize, 0usize, 0usize);
        for role in Role::ALL {
            // Per class, its first country and how many were compared
            // with it (up to 8).
            let mut first: std::collections::HashMap<Signature, (Country, usize)> =
                Default::default();
            for c in Country::all() {
                cases += 1;
                let class = cc.signature(rs, role, c);
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
                    let (da, db) = (rs.determine_with(&a, plan), rs.determine_with(&b, plan));
                    assert_eq!(da, db, "{role:?} {rep} and {c} on {on}, the others {bg}");
                    compared += 1;
                }
            }
            classes += first.len();
        }
        (compared, classes, cases)
    }

    /// Every plan of the embedded rules, every country in each role: two
    /// countries of one class get equal determinations.
    #[test]
    fn countries_of_one_class_get_equal_determinations() {
        let rs = RuleSet::embedded().expect("rules load");
        let cat = chipexport_catalog::Catalog::embedded().expect("catalog loads");
        let items: Vec<_> = ["H20", "H100", "A800"]
            .iter()
            .map(|id| cat.lookup(id).expect("catalog entry"))
            .map(|e| crate::ItemFacts::from_spec(&e.spec, &e.metrics))
            .collect();
        let dates = std::iter::once(Date::MIN).chain(rs.breakpoints().iter().copied());
        let (mut compared, mut classes, mut cases) = (0usize, 0usize, 0usize);
        for on in dates {
            let plan = rs.plan(on, crate::Mode::Enforced, &[]);
            let (n, k, c) = compare_within_classes(&rs, &plan, on, &items);
            (compared, classes, cases) = (compared + n, classes + k, cases + c);
        }
        assert!(compared > 5_000, "{compared}");
        // Far fewer classes than countries.
        assert!(classes * 4 < cases, "{classes} classes of {cases}");
    }

    /// The plan of one item (every fourth catalog chip, on every plan's
    /// dates, both modes): two countries of one of its classes get equal
    /// determinations for that item.
    #[test]
    fn countries_of_one_class_of_an_item_plan_get_equal_determinations() {
        let rs = RuleSet::embedded().expect("rules load");
        let cat = chipexport_catalog::Catalog::embedded().expect("catalog loads");
        let items: Vec<_> = cat
            .entries
            .iter()
            .step_by(4)
            .map(|e| crate::ItemFacts::from_spec(&e.spec, &e.metrics))
            .collect();
        let dates = std::iter::once(Date::MIN).chain(rs.breakpoints().iter().copied());
        let (mut compared, mut item_classes, mut whole_classes) = (0usize, 0usize, 0usize);
        for on in dates {
            for mode in [crate::Mode::Enforced, crate::Mode::AsWritten] {
                let plan = rs.plan(on, mode, &[]);
                let whole = rs.country_classes(&plan, on);
                for item in &items {
                    let ip = rs.item_plan(&plan, item, on, None);
                    let (n, k, _) =
                        compare_within_classes(&rs, &ip, on, std::slice::from_ref(item));
                    compared += n;
                    item_classes += k;
                    whole_classes += Role::ALL
                        .iter()
                        .map(|&role| {
                            Country::all()
                                .map(|c| whole.signature(&rs, role, c))
                                .collect::<std::collections::HashSet<_>>()
                                .len()
                        })
                        .sum::<usize>();
                }
            }
        }
        assert!(compared > 5_000, "{compared}");
        // Never finer than the whole plan's classes: its atoms are some of
        // the whole plan's.
        assert!(
            item_classes <= whole_classes,
            "{item_classes} classes of item plans, {whole_classes} of whole plans"
        );
    }
}
