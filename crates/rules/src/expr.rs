//! The predicate language: SQL expression syntax, parsed by `sqlparser` into
//! a small typed AST, checked against the fact schema, and evaluated with
//! SQL's three-valued logic.

use chipexport_domain::{Country, Date, Group};
use serde::Serialize;

use crate::facts::{Fact, Facts, Ty, Value};

mod parse;
pub use parse::{PredicateError, parse_predicate, parse_predicate_with};

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
mod tests;
