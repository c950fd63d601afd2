//! The column-wise backend: predicates lowered to SQL expression text over a
//! table with one column per fact.
//!
//! SQL engines use the same three-valued logic as the scalar evaluator, so
//! the lowering is direct. Two details keep the semantics equal: division
//! guards against zero with `NULLIF` (the scalar evaluator gives unknown),
//! and `in_group` becomes a test on the country column and the `date` column
//! built from the dated membership intervals, so one expression serves
//! every row whatever its date.

use chipexport_domain::{CountryGroups, Group};

use crate::expr::{ArithOp, Expr, Lit, render_lit};
use crate::facts::Fact;

/// The SQL dialect to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// ANSI-style (Apache DataFusion, DuckDB): `DATE 'YYYY-MM-DD'`.
    Ansi,
    /// SQLite: dates as ISO text, booleans as 0/1.
    Sqlite,
}

/// Lowers expressions for a dialect and a set of country groups.
pub struct Lowering<'g> {
    pub dialect: Dialect,
    pub groups: &'g CountryGroups,
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

impl Lowering<'_> {
    fn lit(&self, l: &Lit) -> String {
        match (self.dialect, l) {
            (Dialect::Sqlite, Lit::Date(d)) => format!("'{d}'"),
            (Dialect::Sqlite, Lit::Bool(b)) => if *b { "1" } else { "0" }.to_string(),
            (_, Lit::Num(n)) => {
                // Always a float literal, so that integer division never happens.
                let s = format!("{n:?}");
                if s.contains('.') || s.contains('e') {
                    s
                } else {
                    format!("{s}.0")
                }
            }
            _ => render_lit(l),
        }
    }

    fn date_lit(&self, d: chipexport_domain::Date) -> String {
        self.lit(&Lit::Date(d))
    }

    /// `country_col IN group` on the row's date, from the dated intervals.
    fn in_group(&self, f: Fact, g: Group) -> String {
        let col = quote_ident(f.name());
        let date = quote_ident(Fact::OnDate.name());
        let mut always: Vec<String> = Vec::new();
        let mut dated: Vec<String> = Vec::new();
        let mut intervals = self.groups.intervals(g);
        // Derived destinations (Hong Kong) take their source's intervals.
        for (derived, d) in &self.groups.derived {
            let extra: Vec<_> = intervals
                .iter()
                .filter(|(c, _, _)| *c == d.same_as)
                .map(|(_, from, until)| {
                    (
                        *derived,
                        Some(from.map_or(d.since, |f| f.max(d.since))),
                        *until,
                    )
                })
                .collect();
            intervals.extend(extra);
        }
        for (c, from, until) in intervals {
            match (from, until) {
                (None, None) => always.push(format!("'{c}'")),
                (from, until) => {
                    let mut conds = vec![format!("{col} = '{c}'")];
                    if let Some(f) = from {
                        conds.push(format!("{date} >= {}", self.date_lit(f)));
                    }
                    if let Some(u) = until {
                        conds.push(format!("{date} < {}", self.date_lit(u)));
                    }
                    dated.push(format!("({})", conds.join(" AND ")));
                }
            }
        }
        let mut parts = Vec::new();
        if !always.is_empty() {
            always.sort();
            parts.push(format!("{col} IN ({})", always.join(", ")));
        }
        parts.extend(dated);
        if parts.is_empty() {
            // Never a member; still unknown when the country is unknown.
            format!("({col} IS NULL AND NULL) OR FALSE")
        } else {
            // A NULL country gives NULL through `IN` and `=`, as in the
            // scalar evaluator.
            format!("({})", parts.join(" OR "))
        }
    }

    /// SQL text for an expression.
    pub fn expr(&self, e: &Expr) -> String {
        match e {
            Expr::Lit(l) => self.lit(l),
            Expr::Fact(f) => quote_ident(f.name()),
            Expr::InGroup(f, g) => self.in_group(*f, *g),
            Expr::Not(x) => format!("(NOT {})", self.expr(x)),
            Expr::And(a, b) => format!("({} AND {})", self.expr(a), self.expr(b)),
            Expr::Or(a, b) => format!("({} OR {})", self.expr(a), self.expr(b)),
            Expr::Cmp(op, a, b) => format!("({} {} {})", self.expr(a), op.symbol(), self.expr(b)),
            Expr::In {
                expr,
                list,
                negated,
            } => format!(
                "({} {}IN ({}))",
                self.expr(expr),
                if *negated { "NOT " } else { "" },
                list.iter()
                    .map(|l| self.lit(l))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Expr::IsNull { expr, negated } => format!(
                "({} IS {}NULL)",
                self.expr(expr),
                if *negated { "NOT " } else { "" }
            ),
            Expr::Arith(op, a, b) => match op {
                ArithOp::Add => format!("({} + {})", self.expr(a), self.expr(b)),
                ArithOp::Sub => format!("({} - {})", self.expr(a), self.expr(b)),
                ArithOp::Mul => format!("({} * {})", self.expr(a), self.expr(b)),
                ArithOp::Div => format!("({} / NULLIF({}, 0.0))", self.expr(a), self.expr(b)),
            },
            Expr::Neg(x) => format!("(- {})", self.expr(x)),
        }
    }
}
