//! The predicate language: SQL expression syntax, parsed by `sqlparser` into
//! a small typed AST, checked against the fact schema, and evaluated with
//! SQL's three-valued logic.

use std::ops::Range;

use chipexport_domain::{Country, Date, Group, diag::did_you_mean};
use serde::Serialize;
use sqlparser::ast::{self as sql, Spanned};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

use crate::facts::{Fact, Facts, Ty, Value};
use crate::vocabulary::Vocabulary;

/// A literal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Lit {
    /// `TRUE` or `FALSE`.
    Bool(bool),
    /// A number.
    Num(f64),
    /// A text in quotes.
    Text(String),
    /// A country code (a text compared with a country fact).
    Country(Country),
    /// A date (`DATE '2025-01-15'`, or a text compared with a date).
    Date(Date),
}

impl Lit {
    /// The literal as an evaluation value.
    pub fn value(&self) -> Value<'_> {
        match self {
            Lit::Bool(b) => Value::Bool(*b),
            Lit::Num(n) => Value::Num(*n),
            Lit::Text(t) => Value::Text(t),
            Lit::Country(c) => Value::Country(*c),
            Lit::Date(d) => Value::Date(*d),
        }
    }

    /// The literal's type.
    pub fn ty(&self) -> Ty {
        match self {
            Lit::Bool(_) => Ty::Bool,
            Lit::Num(_) => Ty::Num,
            Lit::Text(_) => Ty::Text,
            Lit::Country(_) => Ty::Country,
            Lit::Date(_) => Ty::Date,
        }
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// The operator as SQL writes it.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "<>",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// The operator with its operands swapped: `a < b` is `b > a`.
    pub fn flip(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            o => o,
        }
    }

    /// The negation: `NOT (a < b)` is `a >= b` (for known values).
    pub fn negate(self) -> CmpOp {
        match self {
            CmpOp::Eq => CmpOp::Ne,
            CmpOp::Ne => CmpOp::Eq,
            CmpOp::Lt => CmpOp::Ge,
            CmpOp::Le => CmpOp::Gt,
            CmpOp::Gt => CmpOp::Le,
            CmpOp::Ge => CmpOp::Lt,
        }
    }

    pub(crate) fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CmpOp::Eq => ord == Equal,
            CmpOp::Ne => ord != Equal,
            CmpOp::Lt => ord == Less,
            CmpOp::Le => ord != Greater,
            CmpOp::Gt => ord == Greater,
            CmpOp::Ge => ord != Less,
        }
    }
}

/// An arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/` (division by zero is unknown)
    Div,
}

/// A typed predicate or value expression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Expr {
    /// A literal.
    Lit(Lit),
    /// A fact of the question.
    Fact(Fact),
    /// `in_group(fact, 'group')`: membership of a country fact on the date.
    InGroup(Fact, Group),
    /// `NOT x`
    Not(Box<Expr>),
    /// `a AND b`
    And(Box<Expr>, Box<Expr>),
    /// `a OR b`
    Or(Box<Expr>, Box<Expr>),
    /// `a op b`
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    /// `x [NOT] IN (literals)`
    In {
        /// The value tested.
        expr: Box<Expr>,
        /// The literals.
        list: Vec<Lit>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `x IS [NOT] NULL`
    IsNull {
        /// The value tested.
        expr: Box<Expr>,
        /// `IS NOT NULL`.
        negated: bool,
    },
    /// `a op b` on numbers.
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    /// `-x`
    Neg(Box<Expr>),
}

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

/// Evaluates with SQL's three-valued logic: `None` is unknown.
pub fn eval_bool(e: &Expr, facts: &Facts<'_>) -> Option<bool> {
    match eval(e, facts) {
        Value::Bool(b) => Some(b),
        _ => None,
    }
}

/// Evaluates an expression to a value; unknown facts give `Value::Null`.
pub fn eval<'a>(e: &'a Expr, facts: &'a Facts<'a>) -> Value<'a> {
    match e {
        Expr::Lit(l) => l.value(),
        Expr::Fact(f) => facts.get(*f),
        Expr::InGroup(f, g) => facts.in_group(*f, *g).map_or(Value::Null, Value::Bool),
        Expr::Not(x) => match eval(x, facts) {
            Value::Bool(b) => Value::Bool(!b),
            _ => Value::Null,
        },
        // Three-valued AND and OR, short-circuited: a false (true) left
        // side decides whatever the right side is, so it is not evaluated
        // (evaluation is pure: the result is the same).
        Expr::And(a, b) => match eval_bool(a, facts) {
            Some(false) => Value::Bool(false),
            left => match (left, eval_bool(b, facts)) {
                (_, Some(false)) => Value::Bool(false),
                (Some(true), Some(true)) => Value::Bool(true),
                _ => Value::Null,
            },
        },
        Expr::Or(a, b) => match eval_bool(a, facts) {
            Some(true) => Value::Bool(true),
            left => match (left, eval_bool(b, facts)) {
                (_, Some(true)) => Value::Bool(true),
                (Some(false), Some(false)) => Value::Bool(false),
                _ => Value::Null,
            },
        },
        Expr::Cmp(op, a, b) => {
            compare(*op, eval(a, facts), eval(b, facts)).map_or(Value::Null, Value::Bool)
        }
        Expr::In {
            expr,
            list,
            negated,
        } => {
            let v = eval(expr, facts);
            if v == Value::Null {
                return Value::Null;
            }
            let found = list
                .iter()
                .any(|l| compare(CmpOp::Eq, v, l.value()) == Some(true));
            Value::Bool(found != *negated)
        }
        Expr::IsNull { expr, negated } => {
            Value::Bool((eval(expr, facts) == Value::Null) != *negated)
        }
        Expr::Arith(op, a, b) => match (eval(a, facts), eval(b, facts)) {
            (Value::Num(x), Value::Num(y)) => match op {
                ArithOp::Add => Value::Num(x + y),
                ArithOp::Sub => Value::Num(x - y),
                ArithOp::Mul => Value::Num(x * y),
                ArithOp::Div if y == 0.0 => Value::Null,
                ArithOp::Div => Value::Num(x / y),
            },
            _ => Value::Null,
        },
        Expr::Neg(x) => match eval(x, facts) {
            Value::Num(n) => Value::Num(-n),
            _ => Value::Null,
        },
    }
}

fn compare(op: CmpOp, a: Value<'_>, b: Value<'_>) -> Option<bool> {
    // Equality of texts without ordering them (the same answer, faster).
    if let (CmpOp::Eq | CmpOp::Ne, Value::Text(x), Value::Text(y)) = (op, a, b) {
        return Some((x == y) == (op == CmpOp::Eq));
    }
    let ord = match (a, b) {
        (Value::Num(x), Value::Num(y)) => x.partial_cmp(&y)?,
        (Value::Text(x), Value::Text(y)) => x.cmp(y),
        (Value::Country(x), Value::Country(y)) => x.cmp(&y),
        (Value::Date(x), Value::Date(y)) => x.cmp(&y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(&y),
        _ => return None,
    };
    Some(op.holds(ord))
}

/// The facts an expression reads.
pub fn facts_of(e: &Expr, out: &mut Vec<Fact>) {
    match e {
        Expr::Lit(_) => {}
        Expr::Fact(f) | Expr::InGroup(f, _) => {
            if !out.contains(f) {
                out.push(*f);
            }
        }
        Expr::Not(x) | Expr::Neg(x) | Expr::In { expr: x, .. } | Expr::IsNull { expr: x, .. } => {
            facts_of(x, out)
        }
        Expr::And(a, b) | Expr::Or(a, b) | Expr::Cmp(_, a, b) | Expr::Arith(_, a, b) => {
            facts_of(a, out);
            facts_of(b, out);
        }
    }
}

/// Renders an expression back to predicate text (canonical form).
pub fn render(e: &Expr) -> String {
    match e {
        Expr::Lit(l) => render_lit(l),
        Expr::Fact(f) => f.name().to_string(),
        Expr::InGroup(f, g) => format!("in_group({}, '{}')", f.name(), g),
        Expr::Not(x) => format!("NOT ({})", render(x)),
        Expr::And(a, b) => format!("({} AND {})", render(a), render(b)),
        Expr::Or(a, b) => format!("({} OR {})", render(a), render(b)),
        Expr::Cmp(op, a, b) => format!("{} {} {}", render(a), op.symbol(), render(b)),
        Expr::In {
            expr,
            list,
            negated,
        } => format!(
            "{} {}IN ({})",
            render(expr),
            if *negated { "NOT " } else { "" },
            list.iter().map(render_lit).collect::<Vec<_>>().join(", ")
        ),
        Expr::IsNull { expr, negated } => format!(
            "{} IS {}NULL",
            render(expr),
            if *negated { "NOT " } else { "" }
        ),
        Expr::Arith(op, a, b) => {
            let s = match op {
                ArithOp::Add => "+",
                ArithOp::Sub => "-",
                ArithOp::Mul => "*",
                ArithOp::Div => "/",
            };
            format!("({} {s} {})", render(a), render(b))
        }
        Expr::Neg(x) => format!("-({})", render(x)),
    }
}

/// A literal as predicate text that parses back to it.
pub fn render_lit(l: &Lit) -> String {
    match l {
        Lit::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        // Shortest text that parses back to the same number.
        Lit::Num(n) => format!("{n}"),
        Lit::Text(t) => format!("'{}'", t.replace('\'', "''")),
        Lit::Country(c) => format!("'{c}'"),
        Lit::Date(d) => format!("DATE '{d}'"),
    }
}

/// One comparison or membership test inside a predicate, with its value on
/// the facts of a question: the evidence shown in explanations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Atom {
    /// The test as the predicate writes it (`tpp >= 4800`).
    pub test: String,
    /// The facts' values (`tpp = 2368`).
    pub actual: String,
    /// Whether the test holds (`None`: unknown).
    pub holds: Option<bool>,
}

/// The atomic tests of a predicate with the facts' values.
pub fn atoms(e: &Expr, facts: &Facts<'_>, out: &mut Vec<Atom>) {
    each_atom(e, &mut |a| {
        out.push(Atom {
            test: render(a),
            actual: actual(a, facts),
            holds: eval_bool(a, facts),
        });
    });
}

/// The atomic tests of a predicate that hold on the facts, each as
/// `test (actual)`: what [`atoms`] gives, filtered to those that hold,
/// without rendering the others. `tests` are the predicate's
/// [`atom_tests`], rendered once; when they do not fit the predicate, each
/// test is rendered here.
pub fn holding_atoms(e: &Expr, tests: &[String], facts: &Facts<'_>, out: &mut Vec<String>) {
    let mut n = 0;
    each_atom(e, &mut |_| n += 1);
    let fits = n == tests.len();
    let mut i = 0;
    // One list of facts for every atom, and each piece of evidence written
    // into one string (the text [`actual`] gives, without its
    // intermediate strings).
    let mut fs = Vec::new();
    each_atom(e, &mut |a| {
        if eval_bool(a, facts) == Some(true) {
            let mut s = match tests.get(i).filter(|_| fits) {
                Some(t) => {
                    let mut s = String::with_capacity(t.len() + 32);
                    s.push_str(t);
                    s
                }
                None => render(a),
            };
            s.push_str(" (");
            fs.clear();
            facts_of(a, &mut fs);
            write_actual(&mut s, a, &fs, facts);
            s.push(')');
            out.push(s);
        }
        i += 1;
    });
}

/// The atomic tests of a predicate rendered, in the order [`atoms`] lists
/// them.
pub fn atom_tests(e: &Expr) -> Vec<String> {
    let mut out = Vec::new();
    each_atom(e, &mut |a| out.push(render(a)));
    out
}

/// Calls `f` on each atomic test of `e` (below `AND`, `OR` and `NOT`), in
/// order.
fn each_atom<'e>(e: &'e Expr, f: &mut impl FnMut(&'e Expr)) {
    match e {
        Expr::And(a, b) | Expr::Or(a, b) => {
            each_atom(a, f);
            each_atom(b, f);
        }
        Expr::Not(x) => each_atom(x, f),
        _ => f(e),
    }
}

/// [`actual`] written into `out`: the values of `fs`, the facts the
/// atomic test `e` reads (as [`facts_of`] lists them).
fn write_actual(out: &mut String, e: &Expr, fs: &[Fact], facts: &Facts<'_>) {
    for (k, f) in fs.iter().enumerate() {
        if k > 0 {
            out.push_str(", ");
        }
        out.push_str(f.name());
        out.push_str(" = ");
        push_value(out, facts.get(*f));
        if let Expr::InGroup(_, g) = e {
            out.push_str(if facts.in_group(*f, *g) == Some(true) {
                " (in "
            } else {
                " (not in "
            });
            out.push_str(g.as_str());
            out.push(')');
        }
    }
}

/// A value as its `Display` writes it, without formatting machinery for
/// the common kinds.
fn push_value(out: &mut String, v: Value<'_>) {
    use std::fmt::Write as _;
    match v {
        Value::Null => out.push_str("unknown"),
        Value::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        Value::Text(t) => {
            out.push('\'');
            out.push_str(t);
            out.push('\'');
        }
        Value::Country(c) => out.push_str(c.as_str()),
        Value::Num(_) | Value::Date(_) => {
            let _ = write!(out, "{v}");
        }
    }
}

/// The values of the facts an atomic test reads (`tpp = 2368`).
fn actual(e: &Expr, facts: &Facts<'_>) -> String {
    let mut fs = Vec::new();
    facts_of(e, &mut fs);
    fs.iter()
        .map(|f| match e {
            Expr::InGroup(_, g) => format!(
                "{} = {} ({}in {g})",
                f.name(),
                facts.get(*f),
                if facts.in_group(*f, *g) == Some(true) {
                    ""
                } else {
                    "not "
                }
            ),
            _ => format!("{} = {}", f.name(), facts.get(*f)),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_renders() {
        let e = parse_predicate(
            "tpp >= 4800 AND (in_group(destination, 'D:5') OR destination IN ('MO', 'hk'))",
        );
        let e = e.unwrap_or_else(|e| unreachable!("{e:?}"));
        assert_eq!(
            render(&e),
            "(tpp >= 4800 AND (in_group(destination, 'D:5') OR destination IN ('MO', 'HK')))"
        );
    }

    #[test]
    fn reports_unknown_facts_with_position_and_hint() {
        let err = parse_predicate("tpp >= 4800 AND performance_densty > 1").err();
        let err = err.unwrap_or_else(|| unreachable!());
        assert_eq!(err.message, "unknown fact `performance_densty`");
        assert_eq!(err.range, Some(16..34));
        assert_eq!(
            err.help.as_deref(),
            Some("did you mean `performance_density`?")
        );
    }

    proptest::proptest! {
        /// What the parser accepts renders to text that parses back to the
        /// same expression (the fuzz target checks the same on any input).
        #[test]
        fn render_round_trips(a in 0.0f64..100_000.0, b in 0.0f64..10.0, c in proptest::sample::select(vec!["CN", "MO", "SG"])) {
            let text = format!("(tpp >= {a} OR NOT performance_density < {b}) AND destination NOT IN ('{c}') AND tpp / die_area_mm2 BETWEEN -{b} AND {a} AND in_group(end_user_hq, 'D:5') AND datacenter IS NOT NULL AND date >= DATE '2025-01-13'");
            let e = parse_predicate(&text).map_err(|e| proptest::test_runner::TestCaseError::fail(format!("{e:?}")))?;
            proptest::prop_assert_eq!(parse_predicate(&render(&e)).ok(), Some(e));
        }
    }

    /// The evidence `holding_atoms` writes for `e`, and the atoms that
    /// hold as `atoms` reads them, in the same form.
    fn evidence_both_ways(e: &Expr, facts: &Facts<'_>) -> (Vec<String>, Vec<String>) {
        let mut all = Vec::new();
        atoms(e, facts, &mut all);
        let want = all
            .into_iter()
            .filter(|a| a.holds == Some(true))
            .map(|a| format!("{} ({})", a.test, a.actual))
            .collect();
        let mut got = Vec::new();
        holding_atoms(e, &atom_tests(e), facts, &mut got);
        (got, want)
    }

    #[test]
    fn holding_atoms_are_the_atoms_that_hold() {
        let e = parse_predicate(
            "tpp >= 4800 AND (in_group(destination, 'D:5') OR destination IN ('MO', 'SG')) AND NOT tpp < 1",
        )
        .unwrap_or_else(|e| unreachable!("{e:?}"));
        let groups =
            chipexport_domain::CountryGroups::embedded().unwrap_or_else(|e| unreachable!("{e:?}"));
        for (tpp, to) in [(4800.0, "CN"), (100.0, "SG"), (5000.0, "DE")] {
            let item = crate::facts::ItemFacts {
                tpp: Some(tpp),
                ..crate::facts::ItemFacts::default()
            };
            let dest =
                chipexport_domain::Country::parse(to).unwrap_or_else(|e| unreachable!("{e}"));
            let cn =
                chipexport_domain::Country::parse("CN").unwrap_or_else(|e| unreachable!("{e}"));
            let on =
                chipexport_domain::parse_date("2025-09-01").unwrap_or_else(|e| unreachable!("{e}"));
            let facts = Facts::new(
                &item,
                &groups,
                dest,
                cn,
                chipexport_domain::Country::us(),
                on,
                None,
                None,
            );
            let (got, want) = evidence_both_ways(&e, &facts);
            assert_eq!(got, want, "{tpp} {to}");
            let mut unrendered = Vec::new();
            holding_atoms(&e, &[], &facts, &mut unrendered);
            assert_eq!(unrendered, want, "{tpp} {to}");
            assert!(!got.is_empty());
        }
    }

    #[test]
    fn pushed_values_read_as_displayed() {
        let on =
            chipexport_domain::parse_date("2025-09-01").unwrap_or_else(|e| unreachable!("{e}"));
        for v in [
            Value::Null,
            Value::Bool(true),
            Value::Bool(false),
            Value::Num(2368.0),
            Value::Num(2.914),
            Value::Num(-0.0),
            Value::Text("H20"),
            Value::Text("it's"),
            Value::Country(Country::us()),
            Value::Date(on),
        ] {
            let mut s = String::from("x");
            push_value(&mut s, v);
            assert_eq!(s, format!("x{v}"));
        }
    }

    #[test]
    fn evidence_of_every_kind_reads_as_the_atoms() {
        // Numbers, texts, booleans, unknowns, dates, memberships that hold
        // and that do not, arithmetic and literal-only tests.
        let e = parse_predicate(
            "tpp >= 4800 AND NOT in_group(destination, 'D:5') AND model IN ('H20', 'H800') \
             AND datacenter AND die_area_mm2 IS NULL AND date >= DATE '2025-01-13' \
             AND tpp / performance_density > 1 AND NOT vendor = 'AMD' AND TRUE",
        )
        .unwrap_or_else(|e| unreachable!("{e:?}"));
        let groups =
            chipexport_domain::CountryGroups::embedded().unwrap_or_else(|e| unreachable!("{e:?}"));
        let item = crate::facts::ItemFacts {
            tpp: Some(15831.25),
            performance_density: Some(19.5),
            model: Some("H20".into()),
            vendor: Some("NVIDIA".into()),
            datacenter: Some(true),
            ..crate::facts::ItemFacts::default()
        };
        let on =
            chipexport_domain::parse_date("2025-09-01").unwrap_or_else(|e| unreachable!("{e}"));
        for to in ["CN", "SG", "DE"] {
            let dest =
                chipexport_domain::Country::parse(to).unwrap_or_else(|e| unreachable!("{e}"));
            let facts = Facts::new(
                &item,
                &groups,
                dest,
                dest,
                chipexport_domain::Country::us(),
                on,
                None,
                None,
            );
            let (got, want) = evidence_both_ways(&e, &facts);
            assert_eq!(got, want, "{to}");
            assert!(got.len() >= 7, "{to}: {got:?}");
        }
    }

    #[test]
    fn rejects_type_errors() {
        for (p, needle) in [
            ("tpp >= 'a'", "type mismatch"),
            ("destination = 'XX'", "unknown country"),
            ("destination > 'CN'", "orders numbers"),
            ("tpp", "true or false"),
            (
                "buyer_type = 'state_datacenter'",
                "not a value of `buyer_type`",
            ),
            ("in_group(destination, 'D:9')", "country group"),
            ("tpp = NULL", "NULL is not a value"),
            ("tpp >= 1 tpp", "unexpected"),
        ] {
            let err = parse_predicate(p)
                .err()
                .map(|e| e.message)
                .unwrap_or_default();
            assert!(err.contains(needle), "{p}: {err}");
        }
    }
}
