//! Predicates compiled for the engine's inner loop.
//!
//! [`crate::expr::eval`] walks a predicate's tree and returns a value at
//! every node. The engine evaluates every rule of a plan for every
//! question, so the rules' predicates are compiled once, when the packs
//! load, into a flatter form: AND and OR chains become lists, and the
//! common tests (a country in a set, a number against a threshold, a text
//! or a boolean fact against a literal, a date against a literal) become
//! single nodes that read the fact directly. Anything else is evaluated by
//! `expr::eval`, so the compiled form gives the same three-valued result
//! for every predicate (a differential test checks it on every embedded
//! rule).

use chipexport_domain::{Date, Group};

use crate::expr::{CmpOp, Expr, Lit};
use crate::facts::{Fact, Facts, Value};
use crate::guard::CountrySet;

/// A compiled predicate.
#[derive(Debug, Clone, PartialEq)]
pub enum Compiled {
    /// Every part holds (three-valued: false if one is false, else unknown
    /// if one is unknown).
    All(Vec<Compiled>),
    /// Some part holds (true if one is true, else unknown if one is
    /// unknown).
    Any(Vec<Compiled>),
    /// The negation.
    Not(Box<Compiled>),
    /// A country fact (never unknown) is in the set.
    Country(Fact, Box<CountrySet>),
    /// `in_group(fact, group)`.
    Group(Fact, Group),
    /// A boolean fact, as it is.
    Bool(Fact),
    /// A boolean fact is (`true`) or is not (`false`) the literal.
    BoolIs(Fact, bool, bool),
    /// A number fact compared with a number.
    Num(Fact, CmpOp, f64),
    /// A text fact is (`true`) or is not (`false`) one of the texts.
    Text(Fact, Vec<String>, bool),
    /// The question's date compared with a date.
    Date(CmpOp, Date),
    /// `fact IS NULL` (`true`) or `IS NOT NULL` (`false`).
    IsNull(Fact, bool),
    /// Anything else, evaluated as written.
    Expr(Box<Expr>),
}

impl Compiled {
    /// Compiles a type-checked predicate.
    pub fn of(e: &Expr) -> Compiled {
        match e {
            Expr::And(..) => {
                let mut parts = Vec::new();
                flatten(e, true, &mut parts);
                Compiled::All(parts.into_iter().map(Compiled::of).collect())
            }
            Expr::Or(..) => {
                let mut parts = Vec::new();
                flatten(e, false, &mut parts);
                Compiled::Any(parts.into_iter().map(Compiled::of).collect())
            }
            Expr::Not(x) => Compiled::Not(Box::new(Compiled::of(x))),
            Expr::InGroup(f, g) => Compiled::Group(*f, *g),
            Expr::Fact(f) if f.ty() == crate::facts::Ty::Bool => Compiled::Bool(*f),
            Expr::IsNull { expr, negated } => match expr.as_ref() {
                Expr::Fact(f) => Compiled::IsNull(*f, !*negated),
                _ => generic(e),
            },
            Expr::Cmp(op, a, b) => {
                let (f, op, lit) = match (a.as_ref(), b.as_ref()) {
                    (Expr::Fact(f), Expr::Lit(l)) => (*f, *op, l),
                    (Expr::Lit(l), Expr::Fact(f)) => (*f, op.flip(), l),
                    _ => return generic(e),
                };
                let eq = match op {
                    CmpOp::Eq => Some(true),
                    CmpOp::Ne => Some(false),
                    _ => None,
                };
                match (lit, eq) {
                    (Lit::Country(c), Some(eq)) if is_country(f) => {
                        country(f, std::iter::once(*c), !eq)
                    }
                    (Lit::Text(t), Some(eq)) => Compiled::Text(f, vec![t.clone()], eq),
                    (Lit::Bool(b), Some(eq)) => Compiled::BoolIs(f, *b, eq),
                    (Lit::Num(n), _) => Compiled::Num(f, op, *n),
                    (Lit::Date(d), _) if f == Fact::OnDate => Compiled::Date(op, *d),
                    _ => generic(e),
                }
            }
            Expr::In {
                expr,
                list,
                negated,
            } => {
                let Expr::Fact(f) = expr.as_ref() else {
                    return generic(e);
                };
                let countries = crate::guard::countries(list);
                let texts: Option<Vec<String>> = list
                    .iter()
                    .map(|l| match l {
                        Lit::Text(t) => Some(t.clone()),
                        _ => None,
                    })
                    .collect();
                match (countries, texts) {
                    (Some(cs), _) if is_country(*f) => country(*f, cs, *negated),
                    (_, Some(ts)) => Compiled::Text(*f, ts, !*negated),
                    _ => generic(e),
                }
            }
            _ => generic(e),
        }
    }

    /// The predicate's value: `None` is unknown. The same as
    /// [`crate::expr::eval_bool`] of the predicate compiled.
    pub fn eval(&self, facts: &Facts<'_>) -> Option<bool> {
        match self {
            // AND: a false part decides; OR: a true part decides.
            Compiled::All(parts) => chain(parts, facts, false),
            Compiled::Any(parts) => chain(parts, facts, true),
            Compiled::Not(x) => x.eval(facts).map(|b| !b),
            Compiled::Country(f, set) => {
                let c = match f {
                    Fact::Destination => facts.destination,
                    Fact::EndUserHq => facts.end_user_hq,
                    _ => facts.exported_from,
                };
                Some(set.contains(c))
            }
            Compiled::Group(f, g) => facts.in_group(*f, *g),
            Compiled::Bool(f) => match facts.get(*f) {
                Value::Bool(b) => Some(b),
                _ => None,
            },
            Compiled::BoolIs(f, b, eq) => match facts.get(*f) {
                Value::Bool(v) => Some((v == *b) == *eq),
                _ => None,
            },
            Compiled::Num(f, op, n) => match facts.get(*f) {
                Value::Num(v) => v.partial_cmp(n).map(|o| op.holds(o)),
                _ => None,
            },
            Compiled::Text(f, texts, eq) => match facts.get(*f) {
                Value::Text(v) => Some(texts.iter().any(|t| t == v) == *eq),
                _ => None,
            },
            Compiled::Date(op, d) => Some(op.holds(facts.date.cmp(d))),
            Compiled::IsNull(f, null) => Some((facts.get(*f) == Value::Null) == *null),
            Compiled::Expr(e) => crate::expr::eval_bool(e, facts),
        }
    }
}

/// A chain of ANDs (`decisive` false) or ORs (`decisive` true), three-valued:
/// a part of the decisive value decides; else unknown if a part is unknown.
fn chain(parts: &[Compiled], facts: &Facts<'_>, decisive: bool) -> Option<bool> {
    let mut unknown = false;
    for p in parts {
        match p.eval(facts) {
            Some(v) if v == decisive => return Some(decisive),
            None => unknown = true,
            Some(_) => {}
        }
    }
    (!unknown).then_some(!decisive)
}

fn is_country(f: Fact) -> bool {
    matches!(f, Fact::Destination | Fact::EndUserHq | Fact::ExportedFrom)
}

fn country(
    f: Fact,
    countries: impl IntoIterator<Item = chipexport_domain::Country>,
    negated: bool,
) -> Compiled {
    let set = CountrySet::of(countries);
    Compiled::Country(f, Box::new(if negated { set.complement() } else { set }))
}

fn generic(e: &Expr) -> Compiled {
    Compiled::Expr(Box::new(e.clone()))
}

/// The operands of a chain of ANDs (`and`) or ORs, in order.
fn flatten<'e>(e: &'e Expr, and: bool, out: &mut Vec<&'e Expr>) {
    match (e, and) {
        (Expr::And(a, b), true) | (Expr::Or(a, b), false) => {
            flatten(a, and, out);
            flatten(b, and, out);
        }
        _ => out.push(e),
    }
}

#[cfg(test)]
mod tests {
    use chipexport_domain::Country;
    use proptest::prelude::*;

    use super::*;
    use crate::facts::{ItemFacts, PartyFacts};

    fn c(s: &str) -> Country {
        Country::parse(s).expect("country")
    }

    static LOADED: std::sync::LazyLock<(crate::RuleSet, chipexport_catalog::Catalog)> =
        std::sync::LazyLock::new(|| {
            (
                crate::RuleSet::embedded().expect("rules load"),
                chipexport_catalog::Catalog::embedded().expect("catalog loads"),
            )
        });

    #[test]
    fn common_tests_compile_to_their_own_nodes() {
        let p = |t: &str| Compiled::of(&crate::expr::parse_predicate(t).expect("predicate"));
        let Compiled::All(parts) = p(
            "license_required AND destination IN ('CN', 'HK') AND tpp >= 4800 AND date < DATE '2025-01-01'",
        ) else {
            panic!("an AND chain is a list");
        };
        assert!(matches!(parts[0], Compiled::Bool(Fact::LicenseRequired)));
        assert!(matches!(parts[1], Compiled::Country(Fact::Destination, _)));
        assert!(matches!(parts[2], Compiled::Num(Fact::Tpp, CmpOp::Ge, _)));
        assert!(matches!(parts[3], Compiled::Date(CmpOp::Lt, _)));
        assert!(matches!(
            p("eccn = 'not 3A090'"),
            Compiled::Text(Fact::Eccn, _, true)
        ));
        assert!(matches!(
            p("datacenter = TRUE"),
            Compiled::BoolIs(Fact::Datacenter, true, true)
        ));
        assert!(matches!(p("tpp * 2 > 100"), Compiled::Expr(_)));
    }

    proptest! {
        /// Every embedded rule, on questions drawn from a spread of items,
        /// countries, dates, buyers, parties and earlier slots' results:
        /// the compiled predicate's value is `expr::eval_bool`'s.
        #[test]
        fn compiled_predicates_agree_with_eval(
            item in 0usize..1000,
            d in 0usize..10, h in 0usize..10, f in 0usize..10,
            date in 0usize..1000,
            buyer in 0usize..6,
            eccn in 0usize..4,
            required in 0usize..3,
            policy in 0usize..4,
            party in proptest::collection::vec(0usize..3, 6),
            owner_share in proptest::option::of(0.0f64..100.0),
        ) {
            let (rs, cat) = &*LOADED;
            let e = &cat.entries[item % cat.entries.len()];
            let mut item = ItemFacts::from_spec(&e.spec, &e.metrics);
            if buyer == 5 {
                item.eccn_claimed = Some("3A090.a".into());
            }
            let countries = ["CN", "HK", "MO", "SY", "RU", "AE", "MY", "TW", "US", "SG"];
            let dates = rs.breakpoints();
            let on = dates[date % dates.len()];
            let buyers = rs.vocabulary().buyer_type_names().to_vec();
            let b = buyers.get(buyer).map(String::as_str);
            let flag = |i: usize| match party[i] { 0 => None, 1 => Some(false), _ => Some(true) };
            let parties = PartyFacts {
                screened: party[0] > 0,
                entity_list: flag(0),
                fdp_footnote: flag(1).map(|x| if x { 4.0 } else { 0.0 }),
                entity_policy: flag(2).map(|_| "presumption_of_denial".into()),
                meu: flag(3),
                uvl: flag(4),
                dpl: flag(5),
                sdn: flag(1),
                listed_owner_share: owner_share,
                tw_shtc: flag(2),
                cn_uel: flag(3),
            };
            let mut facts = Facts::new(
                &item, &rs.groups, c(countries[d]), c(countries[h]), c(countries[f]),
                on, b, None,
            );
            facts.parties = &parties;
            facts.eccn = ["3A090.a", "3A090.b", "not 3A090"].get(eccn).copied();
            facts.license_required = [Some(true), Some(false)].get(required).copied().flatten();
            facts.review_policy = ["presumption_of_denial", "case_by_case", "presumption_of_approval"]
                .get(policy)
                .copied();
            for (r, compiled) in rs.rules().iter().zip(&rs.compiled) {
                prop_assert_eq!(
                    compiled.eval(&facts),
                    crate::expr::eval_bool(&r.predicate, &facts),
                    "{}", r.id
                );
            }
        }
    }
}
