//! Reading a predicate: SQL expression syntax parsed by `sqlparser`, then
//! checked against the fact schema (each fact's type, each function's
//! arguments, closed vocabularies) into an [`Expr`].

use std::ops::Range;

use chipexport_domain::{Country, Group, diag::did_you_mean};
use sqlparser::ast::{self as sql, Spanned};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

use super::{ArithOp, CmpOp, Expr, Lit};
use crate::facts::{Fact, Ty};
use crate::vocabulary::Vocabulary;

/// An error in a predicate, located by byte range within the predicate text.
#[derive(Debug, Clone, PartialEq)]
pub struct PredicateError {
    /// What is wrong.
    pub message: String,
    /// Where, in bytes of the predicate text.
    pub range: Option<Range<usize>>,
    /// How to fix it.
    pub help: Option<String>,
}

impl PredicateError {
    fn new(
        message: impl Into<String>,
        range: Option<Range<usize>>,
        help: Option<String>,
    ) -> PredicateError {
        PredicateError {
            message: message.into(),
            range,
            help,
        }
    }
}

/// Converts a sqlparser span (1-based lines and columns) to a byte range of
/// `text`.
fn byte_range(text: &str, span: sqlparser::tokenizer::Span) -> Option<Range<usize>> {
    if span.start.line == 0 {
        return None;
    }
    let to_offset = |line: u64, col: u64| -> usize {
        let mut offset = 0usize;
        for (i, l) in text.split_inclusive('\n').enumerate() {
            if (i as u64) + 1 == line {
                let chars: usize = l
                    .chars()
                    .take(col.saturating_sub(1) as usize)
                    .map(char::len_utf8)
                    .sum();
                return offset + chars;
            }
            offset += l.len();
        }
        text.len()
    };
    let start = to_offset(span.start.line, span.start.column);
    let end = to_offset(span.end.line, span.end.column).max(start);
    Some(start..end)
}

/// Parses and type-checks a predicate against the shipped vocabulary. The
/// result has type boolean.
pub fn parse_predicate(text: &str) -> Result<Expr, PredicateError> {
    parse_predicate_with(text, Vocabulary::shared())
}

/// Parses and type-checks a predicate; text literals compared with a fact
/// that has a closed vocabulary (buyer type, exporter role, review policy)
/// are checked against `vocab` when given. The result has type boolean.
pub fn parse_predicate_with(
    text: &str,
    vocab: Option<&Vocabulary>,
) -> Result<Expr, PredicateError> {
    let dialect = GenericDialect {};
    let mut parser = Parser::new(&dialect)
        .try_with_sql(text)
        .map_err(|e| PredicateError::new(format!("cannot read the predicate: {e}"), None, None))?;
    let ast = parser.parse_expr().map_err(|e| {
        PredicateError::new(
            format!("cannot parse the predicate: {e}"),
            None,
            Some("predicates use SQL expression syntax, e.g. `tpp >= 4800 AND in_group(destination, 'D:5')`".into()),
        )
    })?;
    let next = parser.peek_token();
    if next.token != Token::EOF {
        return Err(PredicateError::new(
            format!("unexpected `{}` after the end of the predicate", next.token),
            byte_range(text, next.span),
            Some("join conditions with AND / OR".into()),
        ));
    }
    let checker = Checker { text, vocab };
    let (e, ty) = checker.expr(&ast)?;
    if ty != Ty::Bool {
        return Err(PredicateError::new(
            format!(
                "a predicate must be true or false, but this is a {}",
                ty.name()
            ),
            byte_range(text, ast.span()),
            Some("compare it with something, e.g. `tpp >= 4800`".into()),
        ));
    }
    Ok(e)
}

struct Checker<'t> {
    text: &'t str,
    vocab: Option<&'t Vocabulary>,
}

impl Checker<'_> {
    fn err<T>(
        &self,
        node: &sql::Expr,
        message: impl Into<String>,
        help: Option<String>,
    ) -> Result<T, PredicateError> {
        Err(PredicateError::new(
            message,
            byte_range(self.text, node.span()),
            help,
        ))
    }

    fn expr(&self, e: &sql::Expr) -> Result<(Expr, Ty), PredicateError> {
        match e {
            sql::Expr::Nested(inner) => self.expr(inner),
            sql::Expr::Identifier(id) => self.fact(e, &id.value),
            sql::Expr::CompoundIdentifier(ids) => {
                let name: Vec<&str> = ids.iter().map(|i| i.value.as_str()).collect();
                self.fact(e, &name.join("."))
            }
            sql::Expr::Value(v) => self.value(e, &v.value),
            sql::Expr::TypedString(ts) => {
                let s = match &ts.value.value {
                    sql::Value::SingleQuotedString(s) => s.clone(),
                    other => other.to_string(),
                };
                if !matches!(ts.data_type, sql::DataType::Date) {
                    return self.err(
                        e,
                        format!("typed literal `{}` is not supported", ts.data_type),
                        Some("only DATE 'YYYY-MM-DD' literals are supported".into()),
                    );
                }
                match chipexport_domain::parse_date(&s) {
                    Ok(d) => Ok((Expr::Lit(Lit::Date(d)), Ty::Date)),
                    Err(m) => self.err(e, m, None),
                }
            }
            sql::Expr::UnaryOp { op, expr } => {
                let (inner, ty) = self.expr(expr)?;
                match op {
                    sql::UnaryOperator::Not => {
                        self.want(expr, ty, Ty::Bool, "NOT")?;
                        Ok((Expr::Not(Box::new(inner)), Ty::Bool))
                    }
                    sql::UnaryOperator::Minus => {
                        self.want(expr, ty, Ty::Num, "unary minus")?;
                        Ok((Expr::Neg(Box::new(inner)), Ty::Num))
                    }
                    sql::UnaryOperator::Plus => {
                        self.want(expr, ty, Ty::Num, "unary plus")?;
                        Ok((inner, Ty::Num))
                    }
                    other => self.err(e, format!("operator `{other}` is not supported"), None),
                }
            }
            sql::Expr::BinaryOp { left, op, right } => self.binary(e, left, op, right),
            sql::Expr::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let (x, tx) = self.expr(expr)?;
                let lo = self.operand_as(low, tx)?;
                let hi = self.operand_as(high, tx)?;
                if !matches!(tx, Ty::Num | Ty::Date) {
                    return self.err(
                        e,
                        format!("BETWEEN needs numbers or dates, not a {}", tx.name()),
                        None,
                    );
                }
                let both = Expr::And(
                    Box::new(Expr::Cmp(CmpOp::Ge, Box::new(x.clone()), Box::new(lo))),
                    Box::new(Expr::Cmp(CmpOp::Le, Box::new(x), Box::new(hi))),
                );
                Ok((
                    if *negated {
                        Expr::Not(Box::new(both))
                    } else {
                        both
                    },
                    Ty::Bool,
                ))
            }
            sql::Expr::InList {
                expr,
                list,
                negated,
            } => {
                let (x, tx) = self.expr(expr)?;
                let mut lits = Vec::with_capacity(list.len());
                for item in list {
                    match self.operand_as(item, tx)? {
                        Expr::Lit(l) => lits.push(l),
                        _ => {
                            return self.err(
                                item,
                                "IN lists take literals only",
                                Some("write the values themselves, e.g. IN ('CN', 'MO')".into()),
                            );
                        }
                    }
                }
                Ok((
                    Expr::In {
                        expr: Box::new(x),
                        list: lits,
                        negated: *negated,
                    },
                    Ty::Bool,
                ))
            }
            sql::Expr::IsNull(inner) | sql::Expr::IsNotNull(inner) => {
                let (x, _) = self.expr(inner)?;
                Ok((
                    Expr::IsNull {
                        expr: Box::new(x),
                        negated: matches!(e, sql::Expr::IsNotNull(_)),
                    },
                    Ty::Bool,
                ))
            }
            sql::Expr::Function(f) => self.function(e, f),
            other => self.err(
                other,
                format!("`{other}` is not supported in predicates"),
                Some("see docs/rule-packs.md for the operators and functions".into()),
            ),
        }
    }

    fn fact(&self, node: &sql::Expr, name: &str) -> Result<(Expr, Ty), PredicateError> {
        match Fact::parse(name) {
            Some(f) => Ok((Expr::Fact(f), f.ty())),
            None if name.eq_ignore_ascii_case("true") || name.eq_ignore_ascii_case("false") => {
                Ok((
                    Expr::Lit(Lit::Bool(name.eq_ignore_ascii_case("true"))),
                    Ty::Bool,
                ))
            }
            None => {
                let help = match did_you_mean(name, Fact::ALL.iter().map(|f| f.name())) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "known facts: {}",
                        Fact::ALL
                            .iter()
                            .map(|f| f.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                self.err(node, format!("unknown fact `{name}`"), Some(help))
            }
        }
    }

    fn value(&self, node: &sql::Expr, v: &sql::Value) -> Result<(Expr, Ty), PredicateError> {
        match v {
            sql::Value::Number(n, _) => match n.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok((Expr::Lit(Lit::Num(x)), Ty::Num)),
                _ => self.err(node, format!("`{n}` is not a finite number"), None),
            },
            sql::Value::SingleQuotedString(s) => Ok((Expr::Lit(Lit::Text(s.clone())), Ty::Text)),
            sql::Value::Boolean(b) => Ok((Expr::Lit(Lit::Bool(*b)), Ty::Bool)),
            sql::Value::Null => self.err(
                node,
                "NULL is not a value here",
                Some("test for a missing fact with `IS NULL` / `IS NOT NULL`".into()),
            ),
            sql::Value::DoubleQuotedString(s) => self.err(
                node,
                format!("\"{s}\" is a quoted name, not text"),
                Some(format!("write text in single quotes: '{s}'")),
            ),
            other => self.err(node, format!("literal `{other}` is not supported"), None),
        }
    }

    fn want(&self, node: &sql::Expr, got: Ty, want: Ty, what: &str) -> Result<(), PredicateError> {
        if got == want {
            Ok(())
        } else {
            self.err(
                node,
                format!(
                    "{what} needs a {}, but this is a {}",
                    want.name(),
                    got.name()
                ),
                None,
            )
        }
    }

    /// Checks an operand against the type of the other side, converting text
    /// literals to countries or checking them against a vocabulary.
    fn operand_as(&self, node: &sql::Expr, want: Ty) -> Result<Expr, PredicateError> {
        let (x, t) = self.expr(node)?;
        self.coerce(node, x, t, want, None)
    }

    fn coerce(
        &self,
        node: &sql::Expr,
        x: Expr,
        t: Ty,
        want: Ty,
        vocab_of: Option<Fact>,
    ) -> Result<Expr, PredicateError> {
        match (&x, t, want) {
            (_, a, b) if a == b => {
                if let (Expr::Lit(Lit::Text(s)), Some(f)) = (&x, vocab_of)
                    && let Some(v) = self.vocab.and_then(|v| v.values_of(f))
                    && !v.contains(&s.as_str())
                {
                    let help = match did_you_mean(s, v.iter().copied()) {
                        Some(m) => {
                            format!("did you mean '{m}'? `{}` takes: {}", f.name(), v.join(", "))
                        }
                        None => format!("`{}` takes: {}", f.name(), v.join(", ")),
                    };
                    return self.err(
                        node,
                        format!("'{s}' is not a value of `{}`", f.name()),
                        Some(help),
                    );
                }
                Ok(x)
            }
            (Expr::Lit(Lit::Text(s)), Ty::Text, Ty::Country) => match Country::parse(s) {
                Ok(c) if s.len() == 2 => Ok(Expr::Lit(Lit::Country(c))),
                Ok(c) => self.err(
                    node,
                    format!("write the country as its code '{c}', not '{s}'"),
                    None,
                ),
                Err(e) => self.err(node, e.to_string(), Some(e.help())),
            },
            (Expr::Lit(Lit::Text(s)), Ty::Text, Ty::Date) => match chipexport_domain::parse_date(s)
            {
                Ok(d) => Ok(Expr::Lit(Lit::Date(d))),
                Err(m) => self.err(node, m, None),
            },
            _ => self.err(
                node,
                format!(
                    "type mismatch: a {} compared with a {}",
                    t.name(),
                    want.name()
                ),
                Some(
                    "compare numbers with numbers, countries with country codes, text with text"
                        .into(),
                ),
            ),
        }
    }

    fn binary(
        &self,
        node: &sql::Expr,
        left: &sql::Expr,
        op: &sql::BinaryOperator,
        right: &sql::Expr,
    ) -> Result<(Expr, Ty), PredicateError> {
        use sql::BinaryOperator as B;
        match op {
            B::And | B::Or => {
                let (l, tl) = self.expr(left)?;
                self.want(
                    left,
                    tl,
                    Ty::Bool,
                    if matches!(op, B::And) { "AND" } else { "OR" },
                )?;
                let (r, tr) = self.expr(right)?;
                self.want(
                    right,
                    tr,
                    Ty::Bool,
                    if matches!(op, B::And) { "AND" } else { "OR" },
                )?;
                let e = if matches!(op, B::And) {
                    Expr::And(Box::new(l), Box::new(r))
                } else {
                    Expr::Or(Box::new(l), Box::new(r))
                };
                Ok((e, Ty::Bool))
            }
            B::Plus | B::Minus | B::Multiply | B::Divide => {
                let (l, tl) = self.expr(left)?;
                self.want(left, tl, Ty::Num, "arithmetic")?;
                let (r, tr) = self.expr(right)?;
                self.want(right, tr, Ty::Num, "arithmetic")?;
                let aop = match op {
                    B::Plus => ArithOp::Add,
                    B::Minus => ArithOp::Sub,
                    B::Multiply => ArithOp::Mul,
                    _ => ArithOp::Div,
                };
                Ok((Expr::Arith(aop, Box::new(l), Box::new(r)), Ty::Num))
            }
            B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq => {
                let cop = match op {
                    B::Eq => CmpOp::Eq,
                    B::NotEq => CmpOp::Ne,
                    B::Lt => CmpOp::Lt,
                    B::LtEq => CmpOp::Le,
                    B::Gt => CmpOp::Gt,
                    _ => CmpOp::Ge,
                };
                let (l, tl) = self.expr(left)?;
                let (r, tr) = self.expr(right)?;
                // Literals take the type of the fact on the other side.
                let (l, r, ty) = match (&l, &r) {
                    (Expr::Lit(_), Expr::Lit(_)) => {
                        return self.err(
                            node,
                            "this compares two constants",
                            Some("one side should be a fact".into()),
                        );
                    }
                    (Expr::Lit(_), _) => {
                        let vf = if let Expr::Fact(f) = &r {
                            Some(*f)
                        } else {
                            None
                        };
                        (self.coerce(left, l, tl, tr, vf)?, r, tr)
                    }
                    _ => {
                        let vf = if let Expr::Fact(f) = &l {
                            Some(*f)
                        } else {
                            None
                        };
                        let r = self.coerce(right, r, tr, tl, vf)?;
                        (l, r, tl)
                    }
                };
                if !matches!(cop, CmpOp::Eq | CmpOp::Ne) && !matches!(ty, Ty::Num | Ty::Date) {
                    return self.err(
                        node,
                        format!(
                            "`{}` orders numbers and dates, not a {}",
                            cop.symbol(),
                            ty.name()
                        ),
                        Some("use = or <> (or IN) for text, countries and booleans".into()),
                    );
                }
                Ok((Expr::Cmp(cop, Box::new(l), Box::new(r)), Ty::Bool))
            }
            other => self.err(node, format!("operator `{other}` is not supported"), None),
        }
    }

    fn function(&self, node: &sql::Expr, f: &sql::Function) -> Result<(Expr, Ty), PredicateError> {
        let name = f.name.to_string().to_ascii_lowercase();
        if name != "in_group" {
            return self.err(
                node,
                format!("unknown function `{name}`"),
                Some("the only function is in_group(country_fact, 'D:5')".into()),
            );
        }
        let args: Vec<&sql::Expr> = match &f.args {
            sql::FunctionArguments::List(l) => l
                .args
                .iter()
                .filter_map(|a| match a {
                    sql::FunctionArg::Unnamed(sql::FunctionArgExpr::Expr(e)) => Some(e),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let [country, group] = args.as_slice() else {
            return self.err(
                node,
                "in_group takes two arguments",
                Some("write in_group(destination, 'D:5')".into()),
            );
        };
        let (c, tc) = self.expr(country)?;
        let fact = match c {
            Expr::Fact(fact) if tc == Ty::Country => fact,
            _ => {
                return self.err(
                    country,
                    "in_group's first argument must be a country fact",
                    Some("destination, end_user_hq, exported_from or origin_country".into()),
                );
            }
        };
        let g = match group {
            sql::Expr::Value(v) => match &v.value {
                sql::Value::SingleQuotedString(s) => Group::parse(s),
                _ => None,
            },
            _ => None,
        };
        match g {
            Some(g) => Ok((Expr::InGroup(fact, g), Ty::Bool)),
            None => self.err(
                group,
                "in_group's second argument must be a country group",
                Some("one of 'A:5', 'A:6', 'D:1', 'D:3', 'D:4', 'D:5'".into()),
            ),
        }
    }
}
