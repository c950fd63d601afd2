//! Can two predicates both be true? A small, sound decision procedure for
//! the conflict check done when packs load.
//!
//! Predicates are put in disjunctive normal form over atoms. Thresholds on
//! numbers, sets of text and countries, booleans, group memberships and
//! null tests are understood exactly. Any other atom is taken as satisfiable
//! either way, so a conflict is never missed: at worst a rule author is
//! asked for an `overrides` that was not strictly needed.

use std::collections::{BTreeMap, BTreeSet};

use chipexport_domain::{Country, CountryGroups, Group};

use crate::expr::{CmpOp, Expr, Lit, render, render_lit};
use crate::facts::Fact;

/// An atom of a DNF conjunction, after negations are pushed inward.
#[derive(Debug, Clone, PartialEq)]
pub enum Atom {
    /// `fact op value` on a number.
    Num {
        /// The fact.
        fact: Fact,
        /// The comparison.
        op: CmpOp,
        /// The number.
        value: f64,
    },
    /// `fact [NOT] IN (values)` (equality is a one-value set).
    Set {
        /// The fact.
        fact: Fact,
        /// The values, rendered.
        values: Vec<String>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `[NOT] in_group(fact, group)`.
    Group {
        /// The fact.
        fact: Fact,
        /// The group.
        group: Group,
        /// False for `NOT in_group`.
        positive: bool,
    },
    /// `fact IS [NOT] NULL`.
    Null {
        /// The fact.
        fact: Fact,
        /// `IS NULL` (false: `IS NOT NULL`).
        is_null: bool,
    },
    /// Never true.
    False,
    /// Anything else, rendered: assumed satisfiable.
    Opaque(String),
}

/// Disjunctive normal form: a disjunction of conjunctions.
pub type Dnf = Vec<Vec<Atom>>;

const MAX_TERMS: usize = 512;

/// The DNF of "`e` is true". `None` when it would be too large.
pub fn dnf(e: &Expr) -> Option<Dnf> {
    to_dnf(e, false)
}

fn lit_key(l: &Lit) -> String {
    match l {
        Lit::Text(t) => t.clone(),
        other => render_lit(other),
    }
}

fn atom_of(e: &Expr, neg: bool) -> Atom {
    match e {
        Expr::Cmp(op, a, b) => {
            let (fact, op, lit) = match (a.as_ref(), b.as_ref()) {
                (Expr::Fact(f), Expr::Lit(l)) => (*f, *op, l),
                (Expr::Lit(l), Expr::Fact(f)) => (*f, op.flip(), l),
                _ => return Atom::Opaque(render(e)),
            };
            let op = if neg { op.negate() } else { op };
            match lit {
                Lit::Num(v) => Atom::Num {
                    fact,
                    op,
                    value: *v,
                },
                l if matches!(op, CmpOp::Eq | CmpOp::Ne) => Atom::Set {
                    fact,
                    values: vec![lit_key(l)],
                    negated: op == CmpOp::Ne,
                },
                _ => Atom::Opaque(render(e)),
            }
        }
        Expr::In {
            expr,
            list,
            negated,
        } => match expr.as_ref() {
            Expr::Fact(f) => Atom::Set {
                fact: *f,
                values: list.iter().map(lit_key).collect(),
                negated: *negated != neg,
            },
            _ => Atom::Opaque(render(e)),
        },
        Expr::InGroup(f, g) => Atom::Group {
            fact: *f,
            group: *g,
            positive: !neg,
        },
        Expr::IsNull { expr, negated } => match expr.as_ref() {
            Expr::Fact(f) => Atom::Null {
                fact: *f,
                is_null: *negated == neg,
            },
            _ => Atom::Opaque(render(e)),
        },
        Expr::Fact(f) => Atom::Set {
            fact: *f,
            values: vec!["TRUE".into()],
            negated: neg,
        },
        Expr::Lit(Lit::Bool(b)) => {
            if *b != neg {
                Atom::Opaque("TRUE".into())
            } else {
                Atom::False
            }
        }
        other => Atom::Opaque(render(other)),
    }
}

fn to_dnf(e: &Expr, neg: bool) -> Option<Dnf> {
    match (e, neg) {
        (Expr::Not(x), n) => to_dnf(x, !n),
        (Expr::And(a, b), false) | (Expr::Or(a, b), true) => {
            let (l, r) = (to_dnf(a, neg)?, to_dnf(b, neg)?);
            if l.len() * r.len() > MAX_TERMS {
                return None;
            }
            let mut out = Vec::with_capacity(l.len() * r.len());
            for x in &l {
                for y in &r {
                    let mut c = x.clone();
                    c.extend(y.iter().cloned());
                    out.push(c);
                }
            }
            Some(out)
        }
        (Expr::Or(a, b), false) | (Expr::And(a, b), true) => {
            let mut l = to_dnf(a, neg)?;
            l.extend(to_dnf(b, neg)?);
            (l.len() <= MAX_TERMS).then_some(l)
        }
        _ => Some(vec![vec![atom_of(e, neg)]]),
    }
}

#[derive(Default)]
struct Interval {
    lo: Option<(f64, bool)>,
    hi: Option<(f64, bool)>,
}

impl Interval {
    fn add(&mut self, op: CmpOp, v: f64) {
        let tighter_lo = |cur: Option<(f64, bool)>, new: (f64, bool)| match cur {
            Some((c, ci)) if c > new.0 || (c == new.0 && !ci) => Some((c, ci)),
            _ => Some(new),
        };
        let tighter_hi = |cur: Option<(f64, bool)>, new: (f64, bool)| match cur {
            Some((c, ci)) if c < new.0 || (c == new.0 && !ci) => Some((c, ci)),
            _ => Some(new),
        };
        match op {
            CmpOp::Ge => self.lo = tighter_lo(self.lo, (v, true)),
            CmpOp::Gt => self.lo = tighter_lo(self.lo, (v, false)),
            CmpOp::Le => self.hi = tighter_hi(self.hi, (v, true)),
            CmpOp::Lt => self.hi = tighter_hi(self.hi, (v, false)),
            CmpOp::Eq => {
                self.lo = tighter_lo(self.lo, (v, true));
                self.hi = tighter_hi(self.hi, (v, true));
            }
            CmpOp::Ne => {}
        }
    }

    fn empty(&self) -> bool {
        match (self.lo, self.hi) {
            (Some((l, li)), Some((h, hi))) => l > h || (l == h && !(li && hi)),
            _ => false,
        }
    }

    fn describe(&self, fact: Fact) -> String {
        match (self.lo, self.hi) {
            (Some((l, li)), Some((h, hi))) if l == h && li && hi => {
                format!("{} = {}", fact.name(), chipexport_domain::fmt_num(l))
            }
            (lo, hi) => {
                let mut parts = Vec::new();
                if let Some((l, i)) = lo {
                    parts.push(format!(
                        "{} {} {}",
                        fact.name(),
                        if i { ">=" } else { ">" },
                        chipexport_domain::fmt_num(l)
                    ));
                }
                if let Some((h, i)) = hi {
                    parts.push(format!(
                        "{} {} {}",
                        fact.name(),
                        if i { "<=" } else { "<" },
                        chipexport_domain::fmt_num(h)
                    ));
                }
                parts.join(" and ")
            }
        }
    }
}

/// Whether a conjunction of atoms can be true; when it can, a description of
/// the facts that make it so (a witness for error messages).
pub fn satisfiable(conj: &[Atom]) -> Option<String> {
    satisfiable_with(conj, None)
}

/// Whether a country can be in (or out of) a group on some date.
fn can_be(groups: &CountryGroups, c: Country, g: Group, member: bool) -> bool {
    let source = groups.derived.get(&c).map_or(c, |d| d.same_as);
    let spans = groups.spans(g, source);
    if member {
        !spans.is_empty()
    } else {
        !spans
            .iter()
            .any(|(from, until)| from.is_none() && until.is_none())
    }
}

/// As [`satisfiable`], also using the dated group memberships: a country fact
/// limited to known codes can be in a group only if one of those countries
/// is in it on some date (and likewise out of it). Each group test is
/// checked on its own date, which can only over-approximate: no conflict is
/// missed.
pub fn satisfiable_with(conj: &[Atom], data: Option<&CountryGroups>) -> Option<String> {
    let mut nums: BTreeMap<Fact, Interval> = BTreeMap::new();
    let mut allowed: BTreeMap<Fact, BTreeSet<String>> = BTreeMap::new();
    let mut excluded: BTreeMap<Fact, BTreeSet<String>> = BTreeMap::new();
    let mut groups: BTreeMap<(Fact, Group), bool> = BTreeMap::new();
    let mut nulls: BTreeMap<Fact, bool> = BTreeMap::new();
    let mut valued: BTreeSet<Fact> = BTreeSet::new();
    let mut opaque = Vec::new();
    for a in conj {
        match a {
            Atom::False => return None,
            Atom::Num { fact, op, value } => {
                nums.entry(*fact).or_default().add(*op, *value);
                valued.insert(*fact);
            }
            Atom::Set {
                fact,
                values,
                negated: false,
            } => {
                let set: BTreeSet<String> = values.iter().cloned().collect();
                let e = allowed.entry(*fact).or_insert_with(|| set.clone());
                *e = e.intersection(&set).cloned().collect();
                valued.insert(*fact);
            }
            Atom::Set {
                fact,
                values,
                negated: true,
            } => {
                excluded
                    .entry(*fact)
                    .or_default()
                    .extend(values.iter().cloned());
                valued.insert(*fact);
            }
            Atom::Group {
                fact,
                group,
                positive,
            } => {
                if groups
                    .insert((*fact, *group), *positive)
                    .is_some_and(|p| p != *positive)
                {
                    return None;
                }
                valued.insert(*fact);
            }
            Atom::Null { fact, is_null } => {
                if nulls.insert(*fact, *is_null).is_some_and(|p| p != *is_null) {
                    return None;
                }
            }
            Atom::Opaque(s) => opaque.push(s.clone()),
        }
    }
    if nums.values().any(Interval::empty) {
        return None;
    }
    for (f, set) in &allowed {
        let ex = excluded.get(f).cloned().unwrap_or_default();
        if set.iter().all(|v| ex.contains(v)) {
            return None;
        }
    }
    if nulls
        .iter()
        .any(|(f, is_null)| *is_null && valued.contains(f))
    {
        return None;
    }
    if let Some(data) = data {
        let atoms = groups_atoms(conj);
        for (f, set) in &allowed {
            let ex = excluded.get(f).cloned().unwrap_or_default();
            let left: Vec<&String> = set.iter().filter(|v| !ex.contains(*v)).collect();
            let countries: Vec<Country> = left
                .iter()
                .filter_map(|v| Country::parse(v.trim_matches('\'')).ok())
                .collect();
            if countries.len() != left.len() {
                continue; // not all values are countries: no knowledge to use
            }
            let tests = groups_of_fact(&atoms, *f);
            if !tests.is_empty()
                && !countries.iter().any(|c| {
                    tests
                        .iter()
                        .all(|(g, member)| can_be(data, *c, *g, *member))
                })
            {
                return None;
            }
        }
    }
    let mut w: Vec<String> = nums.iter().map(|(f, i)| i.describe(*f)).collect();
    for (f, set) in &allowed {
        let ex = excluded.get(f).cloned().unwrap_or_default();
        let v: Vec<&String> = set.iter().filter(|v| !ex.contains(*v)).collect();
        w.push(format!(
            "{} = {}",
            f.name(),
            v.first().map_or("?", |s| s.as_str())
        ));
    }
    for ((f, g), p) in &groups {
        w.push(format!(
            "{} {}in {g}",
            f.name(),
            if *p { "" } else { "not " }
        ));
    }
    w.extend(opaque.into_iter().map(|o| format!("({o})")));
    Some(if w.is_empty() {
        "any facts".to_string()
    } else {
        w.join(", ")
    })
}

fn groups_atoms(conj: &[Atom]) -> Vec<(Fact, Group, bool)> {
    conj.iter()
        .filter_map(|a| match a {
            Atom::Group {
                fact,
                group,
                positive,
            } => Some((*fact, *group, *positive)),
            _ => None,
        })
        .collect()
}

fn groups_of_fact(atoms: &[(Fact, Group, bool)], f: Fact) -> Vec<(Group, bool)> {
    atoms
        .iter()
        .filter(|(x, _, _)| *x == f)
        .map(|(_, g, p)| (*g, *p))
        .collect()
}

/// A witness that both predicates can be true, or `None` if they cannot.
pub fn overlap(a: &Expr, b: &Expr) -> Option<String> {
    overlap_with(a, b, None)
}

/// As [`overlap`], using the dated group memberships (see
/// [`satisfiable_with`]).
pub fn overlap_with(a: &Expr, b: &Expr, groups: Option<&CountryGroups>) -> Option<String> {
    let (Some(da), Some(db)) = (dnf(a), dnf(b)) else {
        return Some("(predicates too large to compare)".to_string());
    };
    for x in &da {
        for y in &db {
            let mut c = x.clone();
            c.extend(y.iter().cloned());
            if let Some(w) = satisfiable_with(&c, groups) {
                return Some(w);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::parse_predicate;

    fn p(s: &str) -> Expr {
        parse_predicate(s).unwrap_or_else(|e| unreachable!("{e:?}"))
    }

    #[test]
    fn thresholds_are_exact() {
        assert!(overlap(&p("tpp >= 4800"), &p("tpp < 4800")).is_none());
        assert!(overlap(&p("tpp >= 4800"), &p("tpp <= 4800")).is_some());
        assert!(
            overlap(
                &p("tpp >= 1600 AND performance_density >= 5.92"),
                &p("performance_density >= 3.2 AND performance_density < 5.92")
            )
            .is_none()
        );
        assert!(
            overlap(
                &p("tpp >= 4800"),
                &p("tpp >= 1600 AND performance_density >= 3.2 AND performance_density < 5.92")
            )
            .is_some()
        );
    }

    #[test]
    fn sets_groups_and_negation() {
        assert!(
            overlap(
                &p("eccn IN ('3A090.a', '3A090.b')"),
                &p("eccn = 'not 3A090'")
            )
            .is_none()
        );
        assert!(
            overlap(
                &p("in_group(destination, 'D:5') OR destination = 'MO'"),
                &p("NOT (in_group(destination, 'D:5') OR destination = 'MO')")
            )
            .is_none()
        );
        assert!(overlap(&p("datacenter"), &p("datacenter = FALSE")).is_none());
        assert!(overlap(&p("tpp IS NULL"), &p("tpp > 1")).is_none());
        assert!(overlap(&p("destination NOT IN ('CN')"), &p("destination = 'CN'")).is_none());
    }

    #[test]
    fn fixed_group_memberships_are_known() {
        let g = CountryGroups::embedded().unwrap_or_else(|e| unreachable!("{e:?}"));
        // China is in D:5 on every date; Hong Kong takes China's groups; Macau never is.
        assert!(
            overlap_with(
                &p("destination = 'CN'"),
                &p("NOT in_group(destination, 'D:5')"),
                Some(&g)
            )
            .is_none()
        );
        assert!(
            overlap_with(
                &p("destination IN ('CN', 'HK')"),
                &p("NOT in_group(destination, 'D:5')"),
                Some(&g)
            )
            .is_none()
        );
        assert!(
            overlap_with(
                &p("destination = 'MO'"),
                &p("in_group(destination, 'D:5')"),
                Some(&g)
            )
            .is_none()
        );
        // Cambodia left D:5 in 2026, so both can hold on some date.
        assert!(
            overlap_with(
                &p("destination = 'KH'"),
                &p("NOT in_group(destination, 'D:5')"),
                Some(&g)
            )
            .is_some()
        );
        assert!(
            overlap_with(
                &p("destination = 'KH'"),
                &p("in_group(destination, 'D:5')"),
                Some(&g)
            )
            .is_some()
        );
        // Without the data, nothing is assumed.
        assert!(
            overlap(
                &p("destination = 'CN'"),
                &p("NOT in_group(destination, 'D:5')")
            )
            .is_some()
        );
    }

    #[test]
    fn unknown_shapes_are_assumed_possible() {
        assert!(overlap(&p("tpp / die_area_mm2 > 5"), &p("tpp < 1")).is_some());
    }
}
