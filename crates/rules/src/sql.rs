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
use crate::status::LicenseStatus;

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
    /// The SQL dialect.
    pub dialect: Dialect,
    /// The country groups `in_group` reads.
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
            // Ledgers carry no parties: not screened, nothing known.
            Expr::Fact(Fact::PartiesScreened) => "FALSE".to_string(),
            Expr::Fact(f) if f.is_party() => "NULL".to_string(),
            // Ledgers carry no claimed classification either.
            Expr::Fact(Fact::EccnClaimed | Fact::ChartLicence) => "NULL".to_string(),
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

/// The whole decision as one SQL query over a table `ledger` with the ledger
/// columns (`order_id`, `chip`, `destination`, `end_user_hq`,
/// `exported_from`, `buyer_type`, `ship_date`), giving per order:
/// `status` (`required`, `not_required` or `undetermined`), `eccn`
/// (`undetermined` when a classification rule that would change it is),
/// `license_required` (NULL when undetermined), `review_policy`,
/// `license_exceptions`, `conditions`, `measures`, `rules_fired` (ids
/// joined by `;`) and `error`: a row whose destination or headquarters is
/// not an ISO code, or whose ship date is not a YYYY-MM-DD day, has an
/// error and no decision (as `screen` gives it).
///
/// It follows `RuleSet::determine` step by step: the catalog as a `chips`
/// table, facts as columns, then one stage per slot in slot order. A rule
/// fires when it is in force on the row's date (its window, its pack's
/// window, enforcement in the chosen mode) and its predicate is true; a
/// winner is a fired rule that no fired rule of its slot overrides. `chip`
/// must be a catalog id or an exact alias (the SQL does not do the CLI's
/// forgiving name lookup).
pub fn decision_query(
    rs: &crate::ruleset::RuleSet,
    catalog: &chipexport_catalog::Catalog,
    dialect: Dialect,
    mode: crate::ruleset::Mode,
    chosen: &[String],
) -> String {
    use crate::pack::{Outcome, Slot, Status};
    use crate::ruleset::Mode;
    let low = Lowering {
        dialect,
        groups: &rs.groups,
    };
    let q = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let num = |v: Option<f64>| v.map_or("NULL".to_string(), |x| low.lit(&Lit::Num(x)));
    let boolean = |v: Option<bool>| v.map_or("NULL".to_string(), |b| low.lit(&Lit::Bool(b)));
    let date = |d: chipexport_domain::Date| low.date_lit(d);
    let mut sql = String::new();

    // The catalog, keyed by id and by every alias that names one entry.
    let mut names: Vec<(String, usize)> = Vec::new();
    for (i, e) in catalog.entries.iter().enumerate() {
        names.push((e.id.clone(), i));
        for a in &e.spec.aliases {
            if catalog
                .entries
                .iter()
                .filter(|x| x.spec.aliases.contains(a))
                .count()
                == 1
                && !names.iter().any(|(n, _)| n == a)
            {
                names.push((a.clone(), i));
            }
        }
    }
    sql.push_str("WITH chips(chip_key, chip, model, vendor, tpp, performance_density, die_area_mm2, memory_bandwidth_gbps, interconnect_gbps, memory_plus_interconnect_gbps, transistors_billion, datacenter, non_planar, origin_country) AS (VALUES\n");
    let rows: Vec<String> = names
        .iter()
        .filter_map(|(n, i)| catalog.entries.get(*i).map(|e| (n, e)))
        .map(|(n, e)| {
            let m = &e.metrics;
            format!(
                "  ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
                q(n),
                q(&e.id),
                q(&e.spec.name),
                e.spec.vendor.as_deref().map_or("NULL".into(), q),
                num(m.tpp),
                num(m.performance_density),
                num(m.die_area_mm2),
                num(m.memory_bandwidth_gbps),
                num(m.interconnect_gbps),
                num(m.memory_plus_interconnect_gbps),
                num(e.spec.transistors_billion),
                boolean(e.spec.datacenter),
                boolean(Some(e.spec.non_planar)),
                e.spec
                    .origin_country
                    .map_or("NULL".into(), |c| q(c.as_str()))
            )
        })
        .collect();
    sql.push_str(&rows.join(",\n"));
    sql.push_str("\n),\n");

    // Facts, named as the predicates name them.
    // A ship date that is not YYYY-MM-DD, or not a day of the calendar, is
    // NULL here and an input error below (as `screen` refuses it).
    let date_expr = match dialect {
        Dialect::Ansi => {
            "TRY_CAST(CASE WHEN l.ship_date LIKE '____-__-__' THEN l.ship_date END AS DATE)"
                .to_string()
        }
        Dialect::Sqlite => "CASE WHEN l.ship_date LIKE '____-__-__' AND date(l.ship_date) = l.ship_date THEN l.ship_date END".to_string(),
    };
    let codes: Vec<String> = chipexport_domain::Country::all()
        .map(|c| q(c.as_str()))
        .collect();
    let codes = codes.join(", ");
    let input_error = format!(
        "CASE WHEN l.destination IS NULL OR l.destination NOT IN ({codes}) \
         THEN 'destination: `' || COALESCE(l.destination, '') || '` is not an ISO 3166 alpha-2 code' \
         WHEN NULLIF(l.end_user_hq, '') IS NOT NULL AND l.end_user_hq NOT IN ({codes}) \
         THEN 'end_user_hq: `' || l.end_user_hq || '` is not an ISO 3166 alpha-2 code' \
         WHEN ({date_expr}) IS NULL \
         THEN 'ship_date: `' || COALESCE(l.ship_date, '') || '` is not a date (YYYY-MM-DD)' END"
    );
    sql.push_str(&format!(
        "facts AS (SELECT l.order_id AS order_id, c.chip AS chip, c.model AS model, c.vendor AS vendor, c.tpp AS tpp, c.performance_density AS performance_density, \
         c.die_area_mm2 AS die_area_mm2, c.memory_bandwidth_gbps AS memory_bandwidth_gbps, c.interconnect_gbps AS interconnect_gbps, \
         c.memory_plus_interconnect_gbps AS memory_plus_interconnect_gbps, c.transistors_billion AS transistors_billion, c.datacenter AS datacenter, \
         c.non_planar AS non_planar, c.origin_country AS origin_country, l.destination AS destination, \
         COALESCE(NULLIF(l.end_user_hq, ''), l.destination) AS end_user_hq, COALESCE(NULLIF(l.exported_from, ''), 'US') AS exported_from, \
         {date_expr} AS \"date\", NULLIF(l.buyer_type, '') AS buyer_type, CAST(NULL AS VARCHAR) AS exporter_role, \
         CASE WHEN COALESCE(NULLIF(l.exported_from, ''), 'US') = 'US' OR c.origin_country = 'US' THEN {} ELSE NULL END AS subject_to_ear, \
         CAST('' AS VARCHAR) AS rules_fired, {input_error} AS input_error \
         FROM ledger l JOIN chips c ON c.chip_key = l.chip),\n",
        low.lit(&Lit::Bool(true))
    ));

    // When a rule is in force, on the row's date.
    let in_force = |r: &crate::pack::Rule| -> Option<String> {
        let p = rs.pack_of(r)?;
        if p.meta.status == Status::Proposed && !chosen.contains(&p.meta.id) {
            return None;
        }
        let d = "\"date\"";
        // A rule counts from the day it applies and is public (as in
        // `RuleSet::in_force`: an answer uses what was known on its date).
        let mut c = vec![format!("{d} >= {}", date(r.from.max(r.known)))];
        if let Some(u) = r.until {
            c.push(format!("{d} < {}", date(u)));
        }
        if let Some(u) = p.meta.until {
            c.push(format!("{d} < {}", date(u)));
        }
        if mode == Mode::Enforced && !p.meta.enforcement.is_empty() {
            // The last entry covering the date decides, as in Pack::enforcement_on.
            let mut case = String::from("(CASE");
            for e in p.meta.enforcement.iter().rev() {
                let mut w = format!("{d} >= {}", date(e.from));
                if let Some(u) = e.until {
                    w.push_str(&format!(" AND {d} < {}", date(u)));
                }
                case.push_str(&format!(
                    " WHEN {w} THEN {}",
                    low.lit(&Lit::Bool(e.enforced))
                ));
            }
            case.push_str(&format!(" ELSE {} END)", low.lit(&Lit::Bool(true))));
            c.push(case);
        }
        Some(c.join(" AND "))
    };

    // Slots are decided in groups, two stages per group: `gN_fired`,
    // whether each rule fires, then `gN_decided`, the winners and each
    // slot's result (`rules_fired` grows in slot order). A group ends before
    // a slot whose predicates read a result (eccn, license_required,
    // review_policy) decided in the same group. Few stages keep the plan
    // shallow: Ballista ships plans as protobuf, whose decoder refuses
    // deeply nested messages.
    let mut prev = "facts".to_string();
    let mut cols: Vec<&str> = Vec::new();
    for (gi, group) in slot_groups(rs).into_iter().enumerate() {
        let mut fired = Vec::new();
        let mut fired_lists: Vec<String> = Vec::new();
        let mut outs: Vec<String> = Vec::new();
        // Per three-state result column, its `oN` flags and rule values.
        let mut open: Vec<(&'static str, Vec<(String, String)>)> = Vec::new();
        for &(si, slot) in &group {
            let idx: Vec<usize> = rs.by_slot.get(si).cloned().unwrap_or_default();
            // Rules whose result can be undetermined get a `uN` column too:
            // in force, and the predicate is unknown.
            let three_state = matches!(slot, Slot::Classification | Slot::LicenseRequirement);
            for &ri in &idx {
                let Some(r) = rs.rules.get(ri) else { continue };
                // Past its instrument's open end, a rule that would apply is
                // unknown (as in `determine`); notices still inform.
                let open_end = rs
                    .pack_of(r)
                    .filter(|_| slot != Slot::Notice)
                    .and_then(|p| p.open_end())
                    .map(|o| format!("\"date\" > {}", low.date_lit(o.after)));
                let expr = match in_force(r) {
                    Some(w) => {
                        let applies = format!("({w}) AND {}", low.expr(&r.predicate));
                        let f = format!("COALESCE({applies}, {})", low.lit(&Lit::Bool(false)));
                        if three_state {
                            let open = open_end
                                .as_ref()
                                .map_or(String::new(), |o| format!(" OR ({f} AND {o})"));
                            fired.push(format!("((({applies}) IS NULL){open}) AS u{ri}"));
                        }
                        match &open_end {
                            Some(o) => format!("({f} AND NOT ({o}))"),
                            None => f,
                        }
                    }
                    None => {
                        if three_state {
                            fired.push(format!("{} AS u{ri}", low.lit(&Lit::Bool(false))));
                        }
                        low.lit(&Lit::Bool(false))
                    }
                };
                fired.push(format!("{expr} AS f{ri}"));
            }
            // Winners and the slot's result.
            let winner = |ri: usize| -> String {
                let by: Vec<String> = idx
                    .iter()
                    .filter(|&&o| rs.overrides.get(o).is_some_and(|v| v.contains(&ri)))
                    .map(|o| format!("f{o}"))
                    .collect();
                if by.is_empty() {
                    format!("f{ri}")
                } else {
                    format!("(f{ri} AND NOT ({}))", by.join(" OR "))
                }
            };
            fired_lists.extend(idx.iter().filter_map(|&ri| {
                rs.rules.get(ri).map(|r| {
                    format!(
                        "CASE WHEN {} THEN {} ELSE '' END",
                        winner(ri),
                        q(&format!("{};", r.id))
                    )
                })
            }));
            let first_value =
                |value: &dyn Fn(&Outcome) -> Option<String>, default: &str| -> String {
                    let mut case = String::from("CASE");
                    for &ri in &idx {
                        if let Some(v) = rs.rules.get(ri).and_then(|r| value(&r.then)) {
                            case.push_str(&format!(" WHEN {} THEN {v}", winner(ri)));
                        }
                    }
                    if case == "CASE" {
                        default.to_string()
                    } else {
                        format!("{case} ELSE {default} END")
                    }
                };
            let list = |value: &dyn Fn(&Outcome) -> Option<String>| -> String {
                let parts: Vec<String> = idx
                    .iter()
                    .filter_map(|&ri| {
                        rs.rules.get(ri).and_then(|r| value(&r.then)).map(|v| {
                            format!(
                                "CASE WHEN {} THEN {} ELSE '' END",
                                winner(ri),
                                q(&format!("{v};"))
                            )
                        })
                    })
                    .collect();
                if parts.is_empty() {
                    "''".to_string()
                } else {
                    parts.join(" || ")
                }
            };
            // A result is undetermined (NULL) when a rule in force whose
            // predicate is unknown, not displaced by a winner, would set
            // another value (as in `determine`). This stage flags each such
            // rule (`oN`); the next stage compares its value with the
            // result, so that the result's expression is written once.
            let mut three_state = |value: &dyn Fn(&Outcome) -> Option<String>,
                                   default: &str,
                                   column: &'static str| {
                let mut flags = Vec::new();
                for &ri in &idx {
                    let Some(v) = rs.rules.get(ri).and_then(|r| value(&r.then)) else {
                        continue;
                    };
                    let mut c = vec![format!("u{ri}")];
                    c.extend(
                        idx.iter()
                            .filter(|&&o| rs.overrides.get(o).is_some_and(|x| x.contains(&ri)))
                            .map(|&o| format!("NOT {}", winner(o))),
                    );
                    outs.push(format!("({}) AS o{ri}", c.join(" AND ")));
                    flags.push((format!("o{ri}"), v));
                }
                if !flags.is_empty() {
                    open.push((column, flags));
                }
                first_value(value, default)
            };
            match slot {
                Slot::Classification => {
                    let result = three_state(
                        &|o| {
                            if let Outcome::Classification { eccn, .. } = o {
                                Some(q(eccn))
                            } else {
                                None
                            }
                        },
                        &q(rs.vocabulary().default_classification()),
                        "eccn",
                    );
                    outs.push(format!("{result} AS eccn"));
                }
                Slot::LicenseRequirement => {
                    let result = three_state(
                        &|o| {
                            if let Outcome::License { required } = o {
                                Some(low.lit(&Lit::Bool(*required)))
                            } else {
                                None
                            }
                        },
                        &low.lit(&Lit::Bool(false)),
                        "license_required",
                    );
                    outs.push(format!("{result} AS license_required"));
                }
                Slot::LicenseException => outs.push(format!(
                    "{} AS license_exceptions",
                    list(&|o| if let Outcome::Exception { exception, .. } = o {
                        Some(exception.clone())
                    } else {
                        None
                    })
                )),
                Slot::ReviewPolicy => outs.push(format!(
                    "{} AS review_policy",
                    first_value(
                        &|o| if let Outcome::Review { policy } = o {
                            Some(q(policy.as_str()))
                        } else {
                            None
                        },
                        "CAST(NULL AS VARCHAR)"
                    )
                )),
                Slot::Condition => outs.push(format!(
                    "{} AS conditions",
                    list(&|o| o.kind().map(|k| k.as_str().to_string()))
                )),
                Slot::Measure => outs.push(format!(
                    "{} AS measures",
                    list(&|o| o.kind().map(|k| k.as_str().to_string()))
                )),
                Slot::Notice => {}
            }
        }
        let fa = format!("g{gi}_fired");
        if fired.is_empty() {
            sql.push_str(&format!("{fa} AS (SELECT * FROM {prev}),\n"));
        } else {
            sql.push_str(&format!(
                "{fa} AS (SELECT *, {} FROM {prev}),\n",
                fired.join(", ")
            ));
        }
        // Keep the facts and earlier results, drop the f columns.
        let keep: Vec<String> = FACT_COLUMNS
            .iter()
            .chain(cols.iter())
            .map(|c| format!("\"{c}\""))
            .collect();
        let rules_fired = if fired_lists.is_empty() {
            "rules_fired".to_string()
        } else {
            format!("rules_fired || {} AS rules_fired", fired_lists.join(" || "))
        };
        let sb = format!("g{gi}_decided");
        sql.push_str(&format!(
            "{sb} AS (SELECT {}, {}{} FROM {fa}),\n",
            keep.join(", "),
            rules_fired,
            outs.iter().map(|o| format!(", {o}")).collect::<String>()
        ));
        cols.extend(group.iter().filter_map(|(_, slot)| result_column(*slot)));
        prev = sb;
        // Undetermined results become NULL, for later slots and the output.
        if !open.is_empty() {
            let keep: Vec<String> = FACT_COLUMNS
                .iter()
                .chain(cols.iter())
                .chain(std::iter::once(&"rules_fired"))
                .map(|c| match open.iter().find(|(col, _)| col == c) {
                    Some((col, flags)) => {
                        // One comparison per distinct value, so that the
                        // result column is referenced few times.
                        let mut by_value: Vec<(&str, Vec<&str>)> = Vec::new();
                        for (o, v) in flags {
                            match by_value.iter_mut().find(|(x, _)| x == v) {
                                Some((_, os)) => os.push(o),
                                None => by_value.push((v, vec![o])),
                            }
                        }
                        let any: Vec<String> = by_value
                            .iter()
                            .map(|(v, os)| format!("(({}) AND {v} <> \"{col}\")", os.join(" OR ")))
                            .collect();
                        format!(
                            "CASE WHEN {} THEN NULL ELSE \"{col}\" END AS \"{col}\"",
                            any.join(" OR ")
                        )
                    }
                    None => format!("\"{c}\""),
                })
                .collect();
            let so = format!("g{gi}_open");
            // SQLite would otherwise inline the stage into every reference
            // to the result, and the query grows with each later stage.
            let materialized = match dialect {
                Dialect::Sqlite => "MATERIALIZED ",
                Dialect::Ansi => "",
            };
            sql.push_str(&format!(
                "{so} AS {materialized}(SELECT {} FROM {prev}),\n",
                keep.join(", ")
            ));
            prev = so;
        }
    }
    // Licence exceptions only matter when a licence is required (as in decide).
    let sql = sql.trim_end().trim_end_matches(',').to_string();
    format!(
        "{sql}\nSELECT order_id, chip, CASE WHEN input_error IS NOT NULL THEN NULL WHEN license_required THEN {required} WHEN {outside} THEN {outside_coverage} WHEN license_required IS NULL THEN {undetermined} ELSE {not_required} END AS status, CASE WHEN input_error IS NULL THEN COALESCE(eccn, {undetermined_eccn}) END AS eccn, CASE WHEN input_error IS NOT NULL OR ({outside} AND license_required IS NOT TRUE) THEN NULL ELSE license_required END AS license_required, CASE WHEN input_error IS NULL AND license_required THEN license_exceptions ELSE '' END AS license_exceptions, CASE WHEN input_error IS NULL THEN review_policy END AS review_policy, CASE WHEN input_error IS NULL THEN conditions ELSE '' END AS conditions, CASE WHEN input_error IS NULL THEN measures ELSE '' END AS measures, CASE WHEN input_error IS NULL THEN rules_fired ELSE '' END AS rules_fired, input_error AS error FROM {prev}",
        outside = coverage_sql(rs, &low),
        outside_coverage = q(LicenseStatus::OutsideCoverage.as_str()),
        undetermined = q(LicenseStatus::Undetermined.as_str()),
        required = q(LicenseStatus::Required.as_str()),
        not_required = q(LicenseStatus::NotRequired.as_str()),
        undetermined_eccn = q(crate::status::UNDETERMINED_ECCN),
    )
}

/// When a row is outside coverage, as `engine::outside_coverage` decides
/// it: the item is or may be subject to the EAR, and the date is before
/// the first US regime or the destination and date fall in a gap.
fn coverage_sql(rs: &crate::ruleset::RuleSet, low: &Lowering<'_>) -> String {
    let Some(c) = rs.coverage() else {
        return low.lit(&Lit::Bool(false));
    };
    let d = "\"date\"";
    let mut any = Vec::new();
    if let Some(from) = c.us_from() {
        any.push(format!("{d} < {}", low.date_lit(from)));
    }
    for g in c.gaps.iter().filter(|g| g.jurisdiction == "US") {
        let list: Vec<String> = g
            .destinations
            .iter()
            .map(|x| format!("'{}'", x.as_str()))
            .collect();
        let mut t = format!("destination IN ({})", list.join(", "));
        if let Some(from) = g.from {
            t.push_str(&format!(" AND {d} >= {}", low.date_lit(from)));
        }
        any.push(format!("({t})"));
    }
    if any.is_empty() {
        return low.lit(&Lit::Bool(false));
    }
    format!("(subject_to_ear IS NOT FALSE AND ({}))", any.join(" OR "))
}

/// The column holding a slot's result, for the slots that have one.
fn result_column(slot: crate::pack::Slot) -> Option<&'static str> {
    use crate::pack::Slot;
    match slot {
        Slot::Classification => Some("eccn"),
        Slot::LicenseRequirement => Some("license_required"),
        Slot::LicenseException => Some("license_exceptions"),
        Slot::ReviewPolicy => Some("review_policy"),
        Slot::Condition => Some("conditions"),
        Slot::Measure => Some("measures"),
        Slot::Notice => None,
    }
}

/// The slots in order, cut into groups that can be decided together: a
/// group ends before a slot whose predicates read a result decided in it.
fn slot_groups(rs: &crate::ruleset::RuleSet) -> Vec<Vec<(usize, crate::pack::Slot)>> {
    use crate::pack::Slot;
    let mut groups: Vec<Vec<(usize, Slot)>> = Vec::new();
    let mut current: Vec<(usize, Slot)> = Vec::new();
    for (si, slot) in Slot::ORDER.into_iter().enumerate() {
        let mut read = Vec::new();
        for r in rs
            .by_slot
            .get(si)
            .into_iter()
            .flatten()
            .filter_map(|&ri| rs.rules.get(ri))
        {
            crate::expr::facts_of(&r.predicate, &mut read);
        }
        let reads_current = current
            .iter()
            .any(|(_, s)| result_column(*s).is_some_and(|c| read.iter().any(|f| f.name() == c)));
        if reads_current {
            groups.push(std::mem::take(&mut current));
        }
        current.push((si, slot));
    }
    if !current.is_empty() {
        groups.push(current);
    }
    groups
}

/// The fact columns carried through every stage of [`decision_query`].
const FACT_COLUMNS: &[&str] = &[
    "order_id",
    "chip",
    "model",
    "vendor",
    "tpp",
    "performance_density",
    "die_area_mm2",
    "memory_bandwidth_gbps",
    "interconnect_gbps",
    "memory_plus_interconnect_gbps",
    "transistors_billion",
    "datacenter",
    "non_planar",
    "origin_country",
    "destination",
    "end_user_hq",
    "exported_from",
    "date",
    "buyer_type",
    "exporter_role",
    "subject_to_ear",
    "input_error",
];
