//! A rule set: every pack loaded, cross-checked and hashed.

use std::collections::HashMap;

use chipexport_domain::{CountryGroups, DataError, Date, SourceFile};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::pack::{Pack, Rule, Slot, Status};
use crate::sat;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_packs.rs"));
}

/// The rule packs shipped with chipexport: `(file name, text)`.
pub fn embedded_packs() -> &'static [(&'static str, &'static str)] {
    embedded::PACKS
}

/// Plans per (breakpoint interval, mode), shared by clones of a rule set.
type PlanCache =
    std::sync::Arc<std::sync::Mutex<HashMap<(usize, Mode), std::sync::Arc<crate::engine::Plan>>>>;

/// How to treat instruments that are printed but not enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// What the government enforces (the default).
    #[default]
    Enforced,
    /// What the printed text says.
    AsWritten,
}

/// Errors found while loading rule packs. Each names file, line and key.
#[derive(Debug)]
pub struct LoadErrors(pub Vec<DataError>);

/// All packs in force or available, with indexes for fast decisions.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub packs: Vec<Pack>,
    pub rules: Vec<Rule>,
    pub groups: CountryGroups,
    /// Rule indexes per slot, in `Slot::ORDER`.
    pub by_slot: Vec<Vec<usize>>,
    /// For each rule, the rules it overrides.
    pub overrides: Vec<Vec<usize>>,
    pub index: HashMap<String, usize>,
    pub pack_index: HashMap<String, usize>,
    /// SHA-256 of every pack's text and of the country-group data.
    pub hash: String,
    pub id: String,
    /// Sorted breakpoints (see [`RuleSet::breakpoints`]).
    pub breaks: Vec<Date>,
    /// Plans per (breakpoint interval, mode), shared by clones.
    plans: PlanCache,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl RuleSet {
    /// The packs and country groups shipped with chipexport.
    pub fn embedded() -> Result<RuleSet, LoadErrors> {
        let groups = CountryGroups::embedded().map_err(|e| LoadErrors(vec![*e]))?;
        let files: Vec<SourceFile> = embedded_packs()
            .iter()
            .map(|(n, t)| SourceFile::new(*n, *t))
            .collect();
        RuleSet::load(files, groups, chipexport_domain::groups::EMBEDDED)
    }

    /// The embedded packs plus extra pack files (a user's own or
    /// hypothetical instruments).
    pub fn with_extra(extra: Vec<SourceFile>) -> Result<RuleSet, LoadErrors> {
        let groups = CountryGroups::embedded().map_err(|e| LoadErrors(vec![*e]))?;
        let mut files: Vec<SourceFile> = embedded_packs()
            .iter()
            .map(|(n, t)| SourceFile::new(*n, *t))
            .collect();
        files.extend(extra);
        RuleSet::load(files, groups, chipexport_domain::groups::EMBEDDED)
    }

    /// Loads packs, checks references and proves that no two rules of a
    /// single-valued slot can disagree without a priority between them.
    pub fn load(
        files: Vec<SourceFile>,
        groups: CountryGroups,
        groups_text: &str,
    ) -> Result<RuleSet, LoadErrors> {
        let mut errors = Vec::new();
        let mut packs: Vec<Pack> = Vec::new();
        for f in &files {
            match Pack::parse(f) {
                Ok(p) => {
                    if let Some(other) = packs.iter().find(|o| o.meta.id == p.meta.id) {
                        errors.push(
                            f.error_at(
                                &["pack", "id"],
                                format!("pack id `{}` is also used by {}", p.meta.id, other.file),
                                None,
                            )
                            .in_rules(),
                        );
                    } else {
                        packs.push(p);
                    }
                }
                Err(es) => errors.extend(es),
            }
        }
        packs.sort_by(|a, b| (a.meta.effective, &a.meta.id).cmp(&(b.meta.effective, &b.meta.id)));
        let rules: Vec<Rule> = packs
            .iter()
            .enumerate()
            .flat_map(|(pi, p)| {
                p.rules.iter().cloned().map(move |mut r| {
                    r.pack_idx = pi;
                    crate::engine::numeric_atoms(&r.predicate, &mut r.thresholds);
                    r
                })
            })
            .collect();
        let index: HashMap<String, usize> = rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        let pack_index: HashMap<String, usize> = packs
            .iter()
            .enumerate()
            .map(|(i, p)| (p.meta.id.clone(), i))
            .collect();
        let file_of = |r: &Rule| -> Option<SourceFile> {
            packs
                .iter()
                .find(|p| p.meta.id == r.pack)
                .map(|p| SourceFile::new(p.file.clone(), p.source.clone()))
        };
        let rule_pos = |r: &Rule| -> Vec<String> {
            let pack = packs.iter().find(|p| p.meta.id == r.pack);
            let i = pack
                .and_then(|p| p.rules.iter().position(|x| x.id == r.id))
                .unwrap_or(0);
            vec!["rule".to_string(), i.to_string()]
        };

        let mut overrides = vec![Vec::new(); rules.len()];
        for (i, r) in rules.iter().enumerate() {
            for o in &r.overrides {
                match index.get(o) {
                    Some(&j) if rules.get(j).is_some_and(|t| t.slot == r.slot) => {
                        if let Some(v) = overrides.get_mut(i) {
                            v.push(j);
                        }
                    }
                    found => {
                        if let Some(f) = file_of(r) {
                            let mut path = rule_pos(r);
                            path.push("overrides".into());
                            let p: Vec<&str> = path.iter().map(String::as_str).collect();
                            let msg = if found.is_some() {
                                format!(
                                    "rule `{}` overrides `{o}`, which decides another slot",
                                    r.id
                                )
                            } else {
                                format!("rule `{}` overrides `{o}`, which does not exist", r.id)
                            };
                            let help = chipexport_domain::diag::did_you_mean(
                                o,
                                index.keys().map(String::as_str),
                            )
                            .map(|s| format!("did you mean `{s}`?"));
                            errors.push(f.error_at(&p, msg, help).in_rules());
                        }
                    }
                }
            }
            if let Some(e) = &r.ended_by
                && !pack_index.contains_key(e)
                && let Some(f) = file_of(r)
            {
                let mut path = rule_pos(r);
                path.push("ended_by".into());
                let p: Vec<&str> = path.iter().map(String::as_str).collect();
                errors.push(
                    f.error_at(
                        &p,
                        format!("rule `{}` is ended by `{e}`, which is not a pack", r.id),
                        None,
                    )
                    .in_rules(),
                );
            }
        }

        // The conflict check.
        let end = |r: &Rule| -> Option<Date> {
            let pack_until = packs
                .iter()
                .find(|p| p.meta.id == r.pack)
                .and_then(|p| p.meta.until);
            match (r.until, pack_until) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        };
        let overlaps_in_time = |a: &Rule, b: &Rule| -> bool {
            let (ea, eb) = (end(a), end(b));
            ea.is_none_or(|e| b.from < e) && eb.is_none_or(|e| a.from < e)
        };
        let is_bill = |r: &Rule| {
            packs
                .iter()
                .any(|p| p.meta.id == r.pack && p.meta.status == Status::Proposed)
        };
        for slot in Slot::ORDER.into_iter().filter(|s| s.single()) {
            let in_slot: Vec<usize> = (0..rules.len())
                .filter(|&i| rules.get(i).is_some_and(|r| r.slot == slot))
                .collect();
            for (n, &i) in in_slot.iter().enumerate() {
                for &j in in_slot.iter().skip(n + 1) {
                    let (Some(a), Some(b)) = (rules.get(i), rules.get(j)) else {
                        continue;
                    };
                    if a.then == b.then || !overlaps_in_time(a, b) {
                        continue;
                    }
                    // Two bills from different packs are alternatives, never chosen together.
                    if is_bill(a) && is_bill(b) && a.pack != b.pack {
                        continue;
                    }
                    let prio = overrides.get(i).is_some_and(|v| v.contains(&j))
                        || overrides.get(j).is_some_and(|v| v.contains(&i));
                    if prio {
                        continue;
                    }
                    if let Some(witness) =
                        sat::overlap_with(&a.predicate, &b.predicate, Some(&groups))
                        && let Some(f) = file_of(b)
                    {
                        let mut path = rule_pos(b);
                        path.push("when".into());
                        let p: Vec<&str> = path.iter().map(String::as_str).collect();
                        errors.push(
                                f.error_at(
                                    &p,
                                    format!("rules `{}` and `{}` can both apply and disagree on {}", a.id, b.id, slot.as_str()),
                                    Some(format!(
                                        "both apply when {witness}; make one an exception to the other with `overrides = [\"{}\"]`, or narrow a predicate",
                                        a.id
                                    )),
                                )
                                .in_rules(),
                            );
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(LoadErrors(errors));
        }

        let mut by_slot = vec![Vec::new(); Slot::ORDER.len()];
        for (i, r) in rules.iter().enumerate() {
            if let Some(pos) = Slot::ORDER.iter().position(|s| *s == r.slot)
                && let Some(v) = by_slot.get_mut(pos)
            {
                v.push(i);
            }
        }
        let mut sorted: Vec<&SourceFile> = files.iter().collect();
        sorted.sort_by(|a, b| a.name.cmp(&b.name));
        let mut h = Sha256::new();
        for f in sorted {
            h.update(f.name.as_bytes());
            h.update([0]);
            h.update(f.text.as_bytes());
            h.update([0]);
        }
        h.update(groups_text.as_bytes());
        let hash = hex(&h.finalize());
        let id = format!(
            "chipexport-{}-{}",
            env!("CARGO_PKG_VERSION"),
            hash.get(..12).unwrap_or("")
        );
        let mut rs = RuleSet {
            packs,
            rules,
            groups,
            by_slot,
            overrides,
            index,
            pack_index,
            hash,
            id,
            breaks: Vec::new(),
            plans: Default::default(),
        };
        rs.breaks = rs.breakpoints();
        Ok(rs)
    }

    /// The plan for a date, from the cache when no bill is chosen.
    pub fn cached_plan(
        &self,
        on: Date,
        mode: Mode,
        chosen: &[String],
    ) -> std::sync::Arc<crate::engine::Plan> {
        if !chosen.is_empty() {
            return std::sync::Arc::new(self.plan(on, mode, chosen));
        }
        let key = (self.breaks.partition_point(|b| *b <= on), mode);
        if let Some(p) = self
            .plans
            .lock()
            .ok()
            .and_then(|cache| cache.get(&key).cloned())
        {
            return p;
        }
        let plan = std::sync::Arc::new(self.plan(on, mode, chosen));
        if let Ok(mut cache) = self.plans.lock() {
            cache.insert(key, plan.clone());
        }
        plan
    }

    /// Every pack, sorted by effective date then id.
    pub fn packs(&self) -> &[Pack] {
        &self.packs
    }

    /// Every rule of every pack.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The dated country groups the rules read.
    pub fn groups(&self) -> &CountryGroups {
        &self.groups
    }

    /// SHA-256 of every pack's text and of the reference data.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The rule set's short id (date of its newest pack and a hash prefix).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The rule set an answer used: its id and hash.
    pub fn reference(&self) -> crate::engine::RuleSetRef {
        crate::engine::RuleSetRef {
            id: self.id.clone(),
            hash: self.hash.clone(),
        }
    }

    /// A pack by id.
    pub fn pack(&self, id: &str) -> Option<&Pack> {
        self.pack_index.get(id).and_then(|&i| self.packs.get(i))
    }

    pub fn pack_of(&self, r: &Rule) -> Option<&Pack> {
        self.pack(&r.pack)
    }

    /// Whether a rule applies on a date in a mode, with the chosen bills.
    pub fn in_force(&self, r: &Rule, date: Date, mode: Mode, chosen: &[String]) -> bool {
        let Some(p) = self.pack_of(r) else {
            return false;
        };
        if p.meta.status == Status::Proposed && !chosen.iter().any(|c| c == &p.meta.id) {
            return false;
        }
        let start = r.from.max(p.meta.effective);
        let open = date >= start
            && r.until.is_none_or(|u| date < u)
            && p.meta.until.is_none_or(|u| date < u);
        open && (mode == Mode::AsWritten || p.enforced_on(date))
    }

    /// Packs in force on a date (enforced or not), for `rules list --on`.
    pub fn packs_on(&self, date: Date, chosen: &[String]) -> Vec<&Pack> {
        self.packs
            .iter()
            .filter(|p| {
                (p.meta.status == Status::InForce || chosen.contains(&p.meta.id))
                    && p.meta.effective <= date
                    && p.meta.until.is_none_or(|u| date < u)
            })
            .collect()
    }

    /// Every date on which some answer may change: pack and rule starts and
    /// ends, enforcement changes, country-group changes, and the date
    /// literals of predicates. Between two consecutive breakpoints every
    /// answer is constant, which timelines and batch screening rely on.
    pub fn breakpoints(&self) -> Vec<Date> {
        let mut v: Vec<Date> = Vec::new();
        for p in &self.packs {
            v.push(p.meta.effective);
            v.extend(p.meta.until);
            for e in &p.meta.enforcement {
                v.push(e.from);
                v.extend(e.until);
            }
        }
        for r in &self.rules {
            v.push(r.from);
            v.extend(r.until);
            // A predicate that compares the date itself changes its answer at
            // the literal (or the day after, for <= and >).
            let mut lits = Vec::new();
            date_literals(&r.predicate, &mut lits);
            for d in lits {
                v.push(d);
                v.extend(d.tomorrow().ok());
            }
        }
        v.extend(self.groups.change_dates());
        v.sort();
        v.dedup();
        v
    }
}

fn date_literals(e: &crate::expr::Expr, out: &mut Vec<Date>) {
    use crate::expr::{Expr, Lit};
    match e {
        Expr::Lit(Lit::Date(d)) => out.push(*d),
        Expr::In { list, .. } => out.extend(
            list.iter()
                .filter_map(|l| if let Lit::Date(d) = l { Some(*d) } else { None }),
        ),
        Expr::Not(x) | Expr::Neg(x) | Expr::IsNull { expr: x, .. } => date_literals(x, out),
        Expr::And(a, b) | Expr::Or(a, b) | Expr::Cmp(_, a, b) | Expr::Arith(_, a, b) => {
            date_literals(a, out);
            date_literals(b, out);
        }
        _ => {}
    }
}

impl std::fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for e in &self.0 {
            writeln!(f, "{}: {}", e.location(), e.message)?;
        }
        Ok(())
    }
}
