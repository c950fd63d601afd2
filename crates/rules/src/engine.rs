//! Decisions: which rules apply to a question on a date, and what follows.

use chipexport_domain::{Confidence, Country, Date, Metrics, fmt_num};
use serde::Serialize;

use crate::expr::{self, Atom, CmpOp, Expr, Lit};
use crate::facts::{Fact, Facts, ItemFacts};
use crate::pack::{Outcome, Rule, Slot};
use crate::ruleset::{Mode, RuleSet};

/// A question: this item, to this destination, for this buyer, on this date.
#[derive(Debug, Clone, Serialize)]
pub struct Question {
    pub item: ItemFacts,
    pub destination: Country,
    pub end_user_hq: Country,
    pub exported_from: Country,
    pub on: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buyer_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exporter_role: Option<String>,
    pub mode: Mode,
    /// Proposed instruments (bills) to apply as if in force.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub with_packs: Vec<String>,
}

/// Why a rule fired: the rule, its citation and the evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    pub rule: String,
    pub slot: Slot,
    pub instrument: String,
    pub citation: String,
    pub paragraph: String,
    pub text: String,
    pub evidence: Vec<String>,
    pub confidence: Confidence,
}

/// A rule that applied but was displaced by an exception.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Displaced {
    pub rule: String,
    pub by: String,
}

/// A rule whose predicate is unknown because facts are missing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Undetermined {
    pub rule: String,
    pub slot: Slot,
    pub missing: Vec<String>,
    pub text: String,
    /// What the rule would set if it applied.
    pub would: Outcome,
}

/// A licence exception that could authorise the export instead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExceptionDetail {
    pub exception: String,
    pub obligations: Vec<String>,
    pub rule: String,
}

/// A condition, measure or notice, with where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    #[serde(flatten)]
    pub fields: serde_json::Map<String, serde_json::Value>,
    pub jurisdiction: String,
    pub authority: String,
    pub legal_form: String,
    pub confidence: Confidence,
    pub citation: String,
    pub rule: String,
    pub instrument: String,
}

impl Item {
    pub fn kind(&self) -> &str {
        self.fields
            .get("kind")
            .and_then(|v| v.as_str())
            .unwrap_or("")
    }
    pub fn str_field(&self, k: &str) -> Option<&str> {
        self.fields.get(k).and_then(|v| v.as_str())
    }
}

/// A threshold near the item's value: what would change the answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NearestLine {
    pub fact: String,
    pub value: f64,
    pub threshold: f64,
    pub test: String,
    pub holds: bool,
    /// `threshold - value`.
    pub gap: f64,
    pub rule: String,
    pub paragraph: String,
    pub text: String,
}

/// Something the reader must know about how sure the answer is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flag {
    pub kind: String,
    pub text: String,
}

/// The rule set an answer used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleSetRef {
    pub id: String,
    pub hash: String,
}

/// The full answer to a question.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    pub question: Question,
    pub license_required: bool,
    pub eccn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eccn_note: Option<String>,
    pub license_exceptions: Vec<String>,
    pub exception_details: Vec<ExceptionDetail>,
    pub review_policy: Option<String>,
    pub conditions: Vec<Item>,
    pub measures: Vec<Item>,
    /// Measures that may apply, with the facts that would decide them.
    pub possible_measures: Vec<Undetermined>,
    pub notices: Vec<Item>,
    pub verdict: String,
    pub reasons: Vec<Reason>,
    pub displaced: Vec<Displaced>,
    pub undetermined: Vec<Undetermined>,
    pub nearest_lines: Vec<NearestLine>,
    pub not_enforced: Vec<Flag>,
    pub flags: Vec<Flag>,
    pub instruments: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Metrics>,
    pub rule_set: RuleSetRef,
}

impl Decision {
    /// The ids of the rules that fired.
    pub fn rules_fired(&self) -> Vec<&str> {
        self.reasons.iter().map(|r| r.rule.as_str()).collect()
    }
}

/// The default classification when no classification rule applies.
pub const NOT_3A090: &str = "not 3A090";

impl RuleSet {
    /// Decides a question. Pure: the same question and rule set always give
    /// the same answer; no clock is read.
    pub fn decide(&self, q: &Question) -> Decision {
        let mut facts = Facts::new(
            &q.item,
            &self.groups,
            q.destination,
            q.end_user_hq,
            q.exported_from,
            q.on,
            q.buyer_type.as_deref(),
            q.exporter_role.as_deref(),
        );
        let mut reasons = Vec::new();
        let mut displaced = Vec::new();
        let mut undetermined = Vec::new();
        let mut possible_measures = Vec::new();
        let mut fired_outcomes: Vec<Vec<(usize, &Outcome)>> = Vec::new();
        let mut not_enforced = Vec::new();
        let mut eccn: &str = NOT_3A090;
        let mut eccn_note = None;
        let mut license_required = false;
        let mut review_policy: Option<&str> = None;

        for (si, slot) in Slot::ORDER.into_iter().enumerate() {
            let candidates = self.by_slot.get(si).map(Vec::as_slice).unwrap_or(&[]);
            let mut fired: Vec<usize> = Vec::new();
            let mut unknown: Vec<usize> = Vec::new();
            for &ri in candidates {
                let Some(r) = self.rules.get(ri) else {
                    continue;
                };
                if !self.in_force(r, q.on, q.mode, &q.with_packs) {
                    if q.mode == Mode::Enforced
                        && self.in_force(r, q.on, Mode::AsWritten, &q.with_packs)
                    {
                        if expr::eval_bool(&r.predicate, &facts) == Some(true) {
                            let pack = self.pack_of(r);
                            let why = pack
                                .and_then(|p| p.enforcement_on(q.on))
                                .map_or(String::new(), |e| e.citation.clone());
                            not_enforced.push(Flag {
                                kind: "not_enforced".into(),
                                text: format!(
                                    "{} ({}) would apply as written but is not enforced: {why}",
                                    r.id, r.paragraph
                                ),
                            });
                        }
                    }
                    continue;
                }
                match expr::eval_bool(&r.predicate, &facts) {
                    Some(true) => fired.push(ri),
                    Some(false) => {}
                    None => unknown.push(ri),
                }
            }
            // Exceptions displace the rules they override.
            let winners: Vec<usize> = fired
                .iter()
                .copied()
                .filter(|&ri| {
                    let by = fired
                        .iter()
                        .copied()
                        .find(|&o| self.overrides.get(o).is_some_and(|v| v.contains(&ri)));
                    if let (Some(by), Some(r)) = (by, self.rules.get(ri)) {
                        displaced.push(Displaced {
                            rule: r.id.clone(),
                            by: self.rules.get(by).map_or(String::new(), |b| b.id.clone()),
                        });
                        false
                    } else {
                        true
                    }
                })
                .collect();
            for &ri in &unknown {
                let Some(r) = self.rules.get(ri) else {
                    continue;
                };
                // An unknown rule overridden by a winner cannot matter.
                if winners
                    .iter()
                    .any(|&w| self.overrides.get(w).is_some_and(|v| v.contains(&ri)))
                {
                    continue;
                }
                let mut fs = Vec::new();
                expr::facts_of(&r.predicate, &mut fs);
                let missing = fs
                    .into_iter()
                    .filter(|f| facts.get(*f) == crate::facts::Value::Null)
                    .map(|f| f.name().to_string())
                    .collect();
                let u = Undetermined {
                    rule: r.id.clone(),
                    slot,
                    missing,
                    text: r.text.clone(),
                    would: r.then.clone(),
                };
                if slot == Slot::Measure {
                    possible_measures.push(u);
                } else {
                    undetermined.push(u);
                }
            }
            for &ri in &winners {
                if let Some(r) = self.rules.get(ri) {
                    reasons.push(self.reason(r, &facts));
                }
            }
            let outs: Vec<(usize, &Outcome)> = winners
                .iter()
                .filter_map(|&ri| self.rules.get(ri).map(|r| (ri, &r.then)))
                .collect();
            match slot {
                Slot::Classification => {
                    if let Some((_, Outcome::Classification { eccn: e, note })) = outs.first() {
                        eccn = e.as_str();
                        eccn_note = note.clone();
                    }
                }
                Slot::LicenseRequirement => {
                    if let Some((_, Outcome::License { required })) = outs.first() {
                        license_required = *required;
                    }
                }
                Slot::ReviewPolicy => {
                    if let Some((_, Outcome::Review { policy })) = outs.first() {
                        review_policy = Some(policy.as_str());
                    }
                }
                _ => {}
            }
            fired_outcomes.push(outs);
            // Later slots read the results decided so far.
            match slot {
                Slot::Classification => facts.eccn = Some(eccn),
                Slot::LicenseRequirement => facts.license_required = Some(license_required),
                Slot::ReviewPolicy => facts.review_policy = review_policy,
                _ => {}
            }
        }

        let item_of = |ri: usize, o: &Outcome| -> Option<Item> {
            let r = self.rules.get(ri)?;
            let p = self.pack_of(r)?;
            let Outcome::Object(m) = o else { return None };
            Some(Item {
                fields: m.clone(),
                jurisdiction: p.meta.jurisdiction.clone(),
                authority: p.meta.authority.clone(),
                legal_form: p.meta.kind.as_str().to_string(),
                confidence: r.confidence.max(p.meta.confidence),
                citation: cite(p, r),
                rule: r.id.clone(),
                instrument: p.meta.short.clone(),
            })
        };
        let slot_items = |s: Slot| -> Vec<Item> {
            let pos = Slot::ORDER.iter().position(|x| *x == s).unwrap_or(0);
            fired_outcomes
                .get(pos)
                .map(|v| v.iter().filter_map(|(ri, o)| item_of(*ri, o)).collect())
                .unwrap_or_default()
        };
        let exc_pos = Slot::ORDER
            .iter()
            .position(|x| *x == Slot::LicenseException)
            .unwrap_or(0);
        let mut exception_details = Vec::new();
        if license_required {
            for (ri, o) in fired_outcomes
                .get(exc_pos)
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                if let (
                    Outcome::Exception {
                        exception,
                        obligations,
                    },
                    Some(r),
                ) = (o, self.rules.get(*ri))
                {
                    exception_details.push(ExceptionDetail {
                        exception: exception.clone(),
                        obligations: obligations.clone(),
                        rule: r.id.clone(),
                    });
                }
            }
        }
        let mut license_exceptions: Vec<String> = exception_details
            .iter()
            .map(|e| e.exception.clone())
            .collect();
        license_exceptions.dedup();
        let conditions = slot_items(Slot::Condition);
        let measures = slot_items(Slot::Measure);
        let notices = slot_items(Slot::Notice);

        let mut flags = Vec::new();
        for r in &reasons {
            if r.confidence == Confidence::Unconfirmed {
                flags.push(Flag {
                    kind: "unconfirmed_rule".into(),
                    text: format!(
                        "relies on {} ({}), whose encoding is UNCONFIRMED",
                        r.rule, r.paragraph
                    ),
                });
            }
        }
        for g in chipexport_domain::Group::ALL {
            for (fact, c) in [
                ("destination", q.destination),
                ("end_user_hq", q.end_user_hq),
            ] {
                if let Some(d) = self.groups.doubt(g, c, q.on) {
                    let text = format!(
                        "{fact} {c}: membership of {g} is {}: {}",
                        d.confidence, d.note
                    );
                    if !flags.iter().any(|f: &Flag| f.text == text) {
                        flags.push(Flag {
                            kind: "country_group_doubt".into(),
                            text,
                        });
                    }
                }
            }
        }
        if !undetermined.is_empty() {
            flags.push(Flag {
                kind: "incomplete".into(),
                text:
                    "some rules could not be decided because facts are missing; see `undetermined`"
                        .into(),
            });
        }

        let instruments: Vec<String> = self
            .packs
            .iter()
            .filter(|p| {
                p.rules
                    .iter()
                    .any(|r| self.in_force(r, q.on, q.mode, &q.with_packs))
            })
            .map(|p| p.meta.id.clone())
            .collect();
        let nearest_lines = self.nearest_lines(q, &facts);
        let mut d = Decision {
            question: q.clone(),
            license_required,
            eccn: eccn.to_string(),
            eccn_note,
            license_exceptions,
            exception_details,
            review_policy: review_policy.map(String::from),
            conditions,
            measures,
            possible_measures,
            notices,
            verdict: String::new(),
            reasons,
            displaced,
            undetermined,
            nearest_lines,
            not_enforced,
            flags,
            instruments,
            metrics: None,
            rule_set: RuleSetRef {
                id: self.id.clone(),
                hash: self.hash.clone(),
            },
        };
        d.verdict = crate::explain::verdict(&d);
        d
    }

    fn reason(&self, r: &Rule, facts: &Facts<'_>) -> Reason {
        let mut atoms: Vec<Atom> = Vec::new();
        expr::atoms(&r.predicate, facts, &mut atoms);
        let evidence = atoms
            .into_iter()
            .filter(|a| a.holds == Some(true))
            .map(|a| format!("{} ({})", a.test, a.actual))
            .collect();
        let p = self.pack_of(r);
        Reason {
            rule: r.id.clone(),
            slot: r.slot,
            instrument: p.map_or(String::new(), |p| p.meta.short.clone()),
            citation: p.map_or(String::new(), |p| cite(p, r)),
            paragraph: r.paragraph.clone(),
            text: r.text.clone(),
            evidence,
            confidence: p.map_or(r.confidence, |p| r.confidence.max(p.meta.confidence)),
        }
    }

    /// Numeric thresholds on the item's metrics in the rules in force, with
    /// the distance from the item's values: what would change the answer.
    fn nearest_lines(&self, q: &Question, facts: &Facts<'_>) -> Vec<NearestLine> {
        let mut out: Vec<NearestLine> = Vec::new();
        for r in &self.rules {
            if !matches!(
                r.slot,
                Slot::Classification | Slot::LicenseRequirement | Slot::ReviewPolicy
            ) || !self.in_force(r, q.on, q.mode, &q.with_packs)
            {
                continue;
            }
            let mut cmps = Vec::new();
            numeric_atoms(&r.predicate, &mut cmps);
            for (fact, op, threshold) in cmps {
                let crate::facts::Value::Num(value) = facts.get(fact) else {
                    continue;
                };
                let test = format!("{} {} {}", fact.name(), op.symbol(), fmt_num(threshold));
                if out.iter().any(|n| n.test == test) {
                    continue;
                }
                let holds = match op {
                    CmpOp::Ge => value >= threshold,
                    CmpOp::Gt => value > threshold,
                    CmpOp::Le => value <= threshold,
                    CmpOp::Lt => value < threshold,
                    CmpOp::Eq => value == threshold,
                    CmpOp::Ne => value != threshold,
                };
                let gap = threshold - value;
                let label = metric_label(fact);
                let side = if gap > 0.0 {
                    "under"
                } else if gap < 0.0 {
                    "over"
                } else {
                    "exactly at"
                };
                let text = if gap == 0.0 {
                    format!(
                        "{label} {} is exactly at {}'s {}",
                        fmt_num(value),
                        r.paragraph,
                        fmt_num(threshold)
                    )
                } else {
                    format!(
                        "{label} {} is {} {side} {}'s {}",
                        fmt_num(value),
                        fmt_num(gap.abs()),
                        r.paragraph,
                        fmt_num(threshold)
                    )
                };
                out.push(NearestLine {
                    fact: fact.name().into(),
                    value,
                    threshold,
                    test,
                    holds,
                    gap,
                    rule: r.id.clone(),
                    paragraph: r.paragraph.clone(),
                    text,
                });
            }
        }
        out.sort_by(|a, b| {
            let ra = (a.gap / a.threshold.abs().max(1e-9)).abs();
            let rb = (b.gap / b.threshold.abs().max(1e-9)).abs();
            ra.total_cmp(&rb)
        });
        out
    }
}

fn metric_label(f: Fact) -> &'static str {
    match f {
        Fact::Tpp => "TPP",
        Fact::PerformanceDensity => "PD",
        Fact::MemoryBandwidth => "memory bandwidth",
        Fact::Interconnect => "interconnect",
        Fact::MemoryPlusInterconnect => "memory + interconnect",
        Fact::DieArea => "die area",
        _ => f.name(),
    }
}

fn numeric_atoms(e: &Expr, out: &mut Vec<(Fact, CmpOp, f64)>) {
    match e {
        Expr::And(a, b) | Expr::Or(a, b) => {
            numeric_atoms(a, out);
            numeric_atoms(b, out);
        }
        Expr::Not(x) => numeric_atoms(x, out),
        Expr::Cmp(op, a, b) => match (a.as_ref(), b.as_ref()) {
            (Expr::Fact(f), Expr::Lit(Lit::Num(v))) => out.push((*f, *op, *v)),
            (Expr::Lit(Lit::Num(v)), Expr::Fact(f)) => out.push((*f, op.flip(), *v)),
            _ => {}
        },
        _ => {}
    }
}

/// A citation of a rule: instrument citation plus paragraph.
pub fn cite(p: &crate::pack::Pack, r: &Rule) -> String {
    format!("{}; {}", p.meta.citation.short(), r.paragraph)
}

/// One interval of a timeline: the answer stays the same from `from` to
/// `to` (exclusive; `None` is open-ended).
#[derive(Debug, Clone, Serialize)]
pub struct Interval {
    pub from: Date,
    pub to: Option<Date>,
    /// Instruments whose start, end or change of enforcement opened the
    /// interval, and country-group changes.
    pub opened_by: Vec<String>,
    /// Instruments that came into force within the interval without
    /// changing the answer.
    pub also_in_force: Vec<String>,
    #[serde(flatten)]
    pub decision: Decision,
}

impl RuleSet {
    /// The intervals over which the answer to a question stays the same,
    /// from `since` on.
    pub fn timeline(&self, q: &Question, since: Date, metrics: Option<&Metrics>) -> Vec<Interval> {
        let mut points: Vec<Date> = vec![since];
        points.extend(self.breakpoints().into_iter().filter(|d| *d > since));
        let mut out: Vec<Interval> = Vec::new();
        for d in points {
            let mut qq = q.clone();
            qq.on = d;
            let mut dec = self.decide(&qq);
            dec.metrics = metrics.cloned();
            let opened_by = self.opened_on(d);
            match out.last_mut() {
                Some(last) if signature(&last.decision) == signature(&dec) => {
                    for o in opened_by {
                        if !last.also_in_force.contains(&o) {
                            last.also_in_force.push(o);
                        }
                    }
                }
                _ => {
                    if let Some(last) = out.last_mut() {
                        last.to = Some(d);
                    }
                    out.push(Interval {
                        from: d,
                        to: None,
                        opened_by,
                        also_in_force: Vec::new(),
                        decision: dec,
                    });
                }
            }
        }
        out
    }

    /// What changes on a date: instruments starting, ending or changing
    /// enforcement, and country-group changes.
    pub fn opened_on(&self, d: Date) -> Vec<String> {
        let mut v = Vec::new();
        for p in &self.packs {
            if p.meta.effective == d {
                v.push(format!("{} ({}) takes effect", p.meta.short, p.meta.id));
            }
            for r in p
                .rules
                .iter()
                .filter(|r| r.from == d && r.from != p.meta.effective)
            {
                v.push(format!(
                    "{}: {} applies from this date ({})",
                    p.meta.short, r.paragraph, r.id
                ));
            }
            for r in p.rules.iter().filter(|r| r.until == Some(d)) {
                v.push(format!("{}: {} ends ({})", p.meta.short, r.paragraph, r.id));
            }
            if p.meta.until == Some(d) {
                v.push(format!("{} ({}) ends", p.meta.short, p.meta.id));
            }
            for e in &p.meta.enforcement {
                if e.from == d {
                    v.push(format!(
                        "{}: {} ({})",
                        p.meta.short,
                        if e.enforced {
                            "enforced again"
                        } else {
                            "not enforced"
                        },
                        e.citation
                    ));
                }
                if e.until == Some(d) {
                    v.push(format!(
                        "{}: end of {} ({})",
                        p.meta.short,
                        if e.enforced {
                            "enforcement"
                        } else {
                            "suspension"
                        },
                        e.citation
                    ));
                }
            }
        }
        for c in self.groups.changes.iter().filter(|c| c.effective == d) {
            let add: Vec<String> = c.add.iter().map(|x| x.to_string()).collect();
            let rem: Vec<String> = c.remove.iter().map(|x| x.to_string()).collect();
            let mut s = format!("Country Group {}:", c.group);
            if !add.is_empty() {
                s.push_str(&format!(" adds {}", add.join(", ")));
            }
            if !rem.is_empty() {
                s.push_str(&format!(" removes {}", rem.join(", ")));
            }
            s.push_str(&format!(" ({})", c.citation));
            v.push(s);
        }
        v
    }
}

/// What must stay equal for two dates to share an interval.
fn signature(d: &Decision) -> String {
    let items = |v: &[Item]| {
        v.iter()
            .map(|i| format!("{}:{}", i.rule, serde_json::Value::Object(i.fields.clone())))
            .collect::<Vec<_>>()
            .join("|")
    };
    format!(
        "{}|{}|{:?}|{:?}|{}|{}|{}|{:?}",
        d.license_required,
        d.eccn,
        d.license_exceptions,
        d.review_policy,
        items(&d.conditions),
        items(&d.measures),
        items(&d.notices),
        d.possible_measures
            .iter()
            .map(|p| p.rule.as_str())
            .collect::<Vec<_>>()
    )
}
