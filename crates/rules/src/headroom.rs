//! Design headroom: how far each knob of a design can move before the
//! answer for a market changes.
//!
//! The outcome, as a function of one knob with the others fixed, is
//! piecewise constant: it can only change where some rule's threshold is
//! crossed. Each knob maps the numeric thresholds of the rules in force into
//! its own axis (a TPP threshold `t` is `t` on the throughput axis; a
//! density threshold `p` is `p x area` on the throughput axis and `TPP / p`
//! on the die-area axis; a memory-plus-interconnect threshold `s` is
//! `s - interconnect` on the memory axis). The outcome is evaluated at each
//! breakpoint and between them, so boundaries are exact. A geometric grid is
//! sampled as well, as a search fallback for predicates that are not simple
//! thresholds; a boundary found only on the grid is marked inexact.

use chipexport_domain::{ChipSpec, Date, Metrics, Precision};
use serde::Serialize;

use crate::engine::{Determination, Question};
use crate::facts::{Fact, ItemFacts};
use crate::ruleset::RuleSet;

/// The outcome to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// No US licence required.
    NoLicense,
    /// No licence, or a licence reviewed case by case or with a presumption
    /// of approval (not a presumption of denial).
    CaseByCase,
    /// Any path to authorisation: no licence, a licence exception, or a
    /// review policy other than presumption of denial.
    AnyLicensePath,
}

impl Target {
    /// Every target.
    pub const ALL: [Target; 3] = [
        Target::NoLicense,
        Target::CaseByCase,
        Target::AnyLicensePath,
    ];

    /// The target of its name (`no_license`, `case_by_case`,
    /// `any_license_path`: the serde names).
    pub fn parse(s: &str) -> Option<Target> {
        use serde::Deserialize as _;
        let de = serde::de::value::StrDeserializer::<serde::de::value::Error>::new(s);
        Target::deserialize(de).ok()
    }

    fn holds(self, rs: &RuleSet, d: &Determination<'_>) -> bool {
        let reviewable = d
            .review_policy
            .is_some_and(crate::vocabulary::ReviewPolicy::is_reviewable);
        // An undetermined requirement is not a design that fits.
        let free = d.license_required == Some(false);
        match self {
            Target::NoLicense => free,
            Target::CaseByCase => free || reviewable,
            Target::AnyLicensePath => {
                let exception = d
                    .fired
                    .iter()
                    .filter_map(|&ri| rs.rules.get(ri))
                    .any(|r| r.slot == crate::pack::Slot::LicenseException);
                free || reviewable || exception
            }
        }
    }
}

/// A design knob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Knob {
    /// All throughput figures scaled together; measured as TPP.
    Throughput,
    /// The applicable die area, mm² (smaller raises density).
    DieArea,
    /// DRAM bandwidth, GB/s.
    MemoryBandwidth,
    /// Aggregate bidirectional interconnect, GB/s.
    Interconnect,
}

impl Knob {
    /// Every knob.
    pub const ALL: [Knob; 4] = [
        Knob::Throughput,
        Knob::DieArea,
        Knob::MemoryBandwidth,
        Knob::Interconnect,
    ];

    /// The knob of its name (see [`Knob::name`]).
    pub fn parse(s: &str) -> Option<Knob> {
        match s {
            "throughput" | "tpp" => Some(Knob::Throughput),
            "die_area" => Some(Knob::DieArea),
            "memory_bandwidth" => Some(Knob::MemoryBandwidth),
            "interconnect" => Some(Knob::Interconnect),
            _ => None,
        }
    }

    /// The knob's name (`throughput`, `die_area`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Knob::Throughput => "throughput (TPP)",
            Knob::DieArea => "die area (mm²)",
            Knob::MemoryBandwidth => "memory bandwidth (GB/s)",
            Knob::Interconnect => "interconnect (GB/s)",
        }
    }

    /// More of the knob means more capability, except for die area.
    fn higher_is_more(self) -> bool {
        self != Knob::DieArea
    }
}

/// A design as the knobs see it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Design {
    /// Total processing performance.
    pub tpp: f64,
    /// Applicable die area, mm².
    pub die_area_mm2: Option<f64>,
    /// DRAM bandwidth, GB/s.
    pub memory_bandwidth_gbps: Option<f64>,
    /// Aggregate bidirectional interconnect, GB/s.
    pub interconnect_gbps: Option<f64>,
}

impl Design {
    fn get(&self, k: Knob) -> Option<f64> {
        match k {
            Knob::Throughput => Some(self.tpp),
            Knob::DieArea => self.die_area_mm2,
            Knob::MemoryBandwidth => self.memory_bandwidth_gbps,
            Knob::Interconnect => self.interconnect_gbps,
        }
    }

    fn with(mut self, k: Knob, v: f64) -> Design {
        match k {
            Knob::Throughput => self.tpp = v,
            Knob::DieArea => self.die_area_mm2 = Some(v),
            Knob::MemoryBandwidth => self.memory_bandwidth_gbps = Some(v),
            Knob::Interconnect => self.interconnect_gbps = Some(v),
        }
        self
    }
}

/// How far one knob can go.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KnobLimit {
    /// The knob.
    pub knob: Knob,
    /// The design's current value of the knob.
    pub current: Option<f64>,
    /// The limit: the largest value (smallest for die area) that keeps the
    /// target; `None` when the knob is unbounded or cannot reach it.
    pub limit: Option<f64>,
    /// Whether the limit itself keeps the target (`<=`) or only values
    /// strictly inside it do (`<`).
    pub inclusive: bool,
    /// `limit - current`: headroom when the target holds now, the reduction
    /// needed when it does not.
    pub margin: Option<f64>,
    /// The target holds at the current design.
    pub holds_now: bool,
    /// No value of this knob alone reaches the target.
    pub unreachable: bool,
    /// The limit is a rule threshold (false: found by the search grid).
    pub exact: bool,
    /// Rules whose firing changes across the limit.
    pub binding_rules: Vec<String>,
    /// The answer in words.
    pub text: String,
}

impl KnobLimit {
    /// A knob without a limit: unknown, unbounded, or unable to reach the target.
    fn without_limit(
        knob: Knob,
        current: Option<f64>,
        holds_now: bool,
        unreachable: bool,
        text: String,
    ) -> KnobLimit {
        KnobLimit {
            knob,
            current,
            limit: None,
            inclusive: false,
            margin: None,
            holds_now,
            unreachable,
            exact: !unreachable && current.is_some(),
            binding_rules: Vec::new(),
            text,
        }
    }
}

/// One point of a two-knob frontier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrontierPoint {
    /// The die area of the point, mm².
    pub die_area_mm2: f64,
    /// The largest TPP that keeps the target at this die area.
    pub max_tpp: Option<f64>,
    /// Whether `max_tpp` itself keeps the target.
    pub inclusive: bool,
    /// False when no TPP keeps the target at this area (others fixed).
    pub reachable: bool,
}

/// A knob at a value: `(knob, boundary, inclusive)`.
pub type KnobValue = (Knob, f64, bool);

/// Joint reductions when no single knob reaches the target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JointReduction {
    /// The knobs moved together, with their values.
    pub knobs: Vec<KnobValue>,
    /// The answer in words.
    pub text: String,
}

/// The full headroom answer.
#[derive(Debug, Clone, Serialize)]
pub struct Headroom {
    /// The outcome to keep.
    pub target: Target,
    /// The date of the question.
    pub on: Date,
    /// The design as it is.
    pub design: Design,
    /// Whether the target holds at the design as it is.
    pub holds_now: bool,
    /// How far each knob can go alone.
    pub knobs: Vec<KnobLimit>,
    /// The TPP-by-die-area frontier.
    pub frontier: Vec<FrontierPoint>,
    /// Joint reductions, when no knob alone reaches the target.
    pub joint: Option<JointReduction>,
}

/// A question about a design, with the spec it came from.
pub struct Probe<'a> {
    /// The rule set.
    pub rs: &'a RuleSet,
    /// The spec of the design.
    pub spec: &'a ChipSpec,
    /// The question asked of the design.
    pub question: &'a Question,
    /// The outcome to keep.
    pub target: Target,
}

fn scaled_spec(spec: &ChipSpec, tpp0: f64, d: &Design) -> ChipSpec {
    let mut s = spec.clone();
    let f = if tpp0 > 0.0 { d.tpp / tpp0 } else { 1.0 };
    for p in Precision::ALL {
        s.throughput.set(p, spec.throughput.get(p).map(|v| v * f));
        s.throughput_sparse
            .set(p, spec.throughput_sparse.get(p).map(|v| v * f));
    }
    s.die_area_mm2 = d.die_area_mm2;
    s.memory_bandwidth_gbps = d.memory_bandwidth_gbps;
    s.interconnect_gbps = d.interconnect_gbps;
    s
}

impl Probe<'_> {
    fn tpp0(&self) -> f64 {
        Metrics::of(self.spec).tpp.unwrap_or(0.0)
    }

    fn determine(&self, d: &Design) -> (bool, Vec<usize>) {
        let s = scaled_spec(self.spec, self.tpp0(), d);
        let m = Metrics::of(&s);
        let mut q = self.question.clone();
        q.item = ItemFacts::from_spec(&s, &m);
        let det = self.rs.determine(&q);
        (self.target.holds(self.rs, &det), det.fired.clone())
    }

    /// Breakpoints of a knob's axis, from the thresholds of the rules in
    /// force, for the design's other values.
    fn breakpoints(&self, k: Knob, d: &Design) -> Vec<f64> {
        let q = self.question;
        let mut out = Vec::new();
        for r in self.rs.rules.iter().filter(|r| {
            self.rs
                .in_force_known(r, q.on, q.knowledge_date(), q.mode, &q.with_packs)
        }) {
            for &(fact, _, t) in &r.thresholds {
                let x = match (k, fact) {
                    (Knob::Throughput, Fact::Tpp) => Some(t),
                    (Knob::Throughput, Fact::PerformanceDensity) => d.die_area_mm2.map(|a| t * a),
                    (Knob::DieArea, Fact::PerformanceDensity) if t > 0.0 => Some(d.tpp / t),
                    (Knob::DieArea, Fact::DieArea) => Some(t),
                    (Knob::MemoryBandwidth, Fact::MemoryBandwidth)
                    | (Knob::Interconnect, Fact::Interconnect) => Some(t),
                    (Knob::MemoryBandwidth, Fact::MemoryPlusInterconnect) => {
                        d.interconnect_gbps.map(|i| t - i)
                    }
                    (Knob::Interconnect, Fact::MemoryPlusInterconnect) => {
                        d.memory_bandwidth_gbps.map(|m| t - m)
                    }
                    _ => None,
                };
                if let Some(x) = x.filter(|x| x.is_finite() && *x > 0.0) {
                    out.push(x);
                }
            }
        }
        out.sort_by(f64::total_cmp);
        out.dedup();
        out
    }

    /// Evaluates a knob along its axis and finds the limit.
    pub fn knob(&self, k: Knob, d: &Design) -> KnobLimit {
        let Some(cur) = d.get(k).filter(|v| *v > 0.0) else {
            let text = format!(
                "{}: unknown for this design; give it in the spec to analyse it",
                k.name()
            );
            return KnobLimit::without_limit(k, None, false, false, text);
        };
        let exact_pts = self.breakpoints(k, d);
        // Points to evaluate: every breakpoint, points just either side, a
        // geometric grid, and the current value. `dir` orients the axis so
        // that "more capability" is increasing.
        let dir = if k.higher_is_more() { 1.0 } else { -1.0 };
        let mut pts: Vec<(f64, bool)> = Vec::new();
        for &b in &exact_pts {
            let eps = (b.abs() * 1e-9).max(1e-9);
            pts.push((b, true));
            pts.push((b - eps, false));
            pts.push((b + eps, false));
        }
        let mut g = cur / 64.0;
        while g < cur * 64.0 {
            pts.push((g, false));
            g *= 1.05;
        }
        pts.push((cur, false));
        pts.retain(|(x, _)| *x > 0.0);
        pts.sort_by(|a, b| (dir * a.0).total_cmp(&(dir * b.0)));
        pts.dedup_by(|a, b| a.0 == b.0);
        let evals: Vec<(f64, bool, bool, Vec<usize>)> = pts
            .iter()
            .map(|&(x, exact)| {
                let (ok, fired) = self.determine(&d.with(k, x));
                (x, exact, ok, fired)
            })
            .collect();
        let here = evals.iter().position(|e| e.0 == cur).unwrap_or(0);
        let holds_now = evals.get(here).is_some_and(|e| e.2);
        // Walk towards more capability while the target holds, or towards
        // less until it first holds.
        let (idx_in, idx_out) = if holds_now {
            let mut i = here;
            while evals.get(i + 1).is_some_and(|e| e.2) {
                i += 1;
            }
            (Some(i), evals.get(i + 1).map(|_| i + 1))
        } else {
            let mut i = here;
            let mut found = None;
            while i > 0 {
                i -= 1;
                if evals.get(i).is_some_and(|e| e.2) {
                    found = Some(i);
                    break;
                }
            }
            (found, found.map(|f| f + 1))
        };
        let name = k.name();
        let fmt = chipexport_domain::fmt_num;
        let Some(i_in) = idx_in else {
            return KnobLimit::without_limit(
                k,
                Some(cur),
                holds_now,
                true,
                format!("{name}: no value of this knob alone reaches the target (others fixed)"),
            );
        };
        let Some(i_out) = idx_out.filter(|&o| o < evals.len()) else {
            return KnobLimit::without_limit(
                k,
                Some(cur),
                holds_now,
                false,
                format!("{name}: no rule in force limits it for this target"),
            );
        };
        let (Some(inside), Some(outside)) = (evals.get(i_in), evals.get(i_out)) else {
            return KnobLimit::without_limit(
                k,
                Some(cur),
                holds_now,
                true,
                format!("{}: no boundary found", k.name()),
            );
        };
        // The boundary: an exact breakpoint between or at the two points.
        let (limit, inclusive, exact) = if inside.1 {
            (inside.0, true, true)
        } else if outside.1 {
            (outside.0, false, true)
        } else {
            match exact_pts
                .iter()
                .find(|b| (dir * **b) > dir * inside.0 && (dir * **b) <= dir * outside.0)
            {
                Some(b) => (*b, false, true),
                None => (inside.0, true, false),
            }
        };
        // The binding rules: those whose firing changes across the limit, in
        // the first slot where anything changes (a classification change
        // explains the licence change that follows from it).
        let changed: Vec<&crate::pack::Rule> = outside
            .3
            .iter()
            .filter(|ri| !inside.3.contains(ri))
            .chain(inside.3.iter().filter(|ri| !outside.3.contains(ri)))
            .filter_map(|&ri| self.rs.rules.get(ri))
            .collect();
        let first_slot = crate::pack::Slot::ORDER
            .into_iter()
            .find(|s| changed.iter().any(|r| r.slot == *s));
        let binding: Vec<String> = changed
            .iter()
            .filter(|r| Some(r.slot) == first_slot)
            .map(|r| r.id.clone())
            .collect();
        let margin = limit - cur;
        let op = match (k.higher_is_more(), inclusive) {
            (true, true) => "<=",
            (true, false) => "<",
            (false, true) => ">=",
            (false, false) => ">",
        };
        let text = if holds_now {
            format!(
                "{name}: keep it {op} {}; now {}, so {} of headroom",
                fmt(limit),
                fmt(cur),
                fmt(margin.abs())
            )
        } else {
            format!("{name}: must be {op} {}; now {}", fmt(limit), fmt(cur))
        };
        KnobLimit {
            knob: k,
            current: Some(cur),
            limit: Some(limit),
            inclusive,
            margin: Some(margin),
            holds_now,
            unreachable: false,
            exact,
            binding_rules: binding,
            text,
        }
    }

    /// The headroom of a design for each knob, a TPP-by-die-area frontier,
    /// and joint reductions when no single knob suffices.
    pub fn analyse(&self, knobs: &[Knob]) -> Headroom {
        let m = Metrics::of(self.spec);
        let design = Design {
            tpp: m.tpp.unwrap_or(0.0),
            die_area_mm2: m.die_area_mm2,
            memory_bandwidth_gbps: m.memory_bandwidth_gbps,
            interconnect_gbps: m.interconnect_gbps,
        };
        let holds_now = self.determine(&design).0;
        let limits: Vec<KnobLimit> = knobs.iter().map(|k| self.knob(*k, &design)).collect();

        let mut frontier = Vec::new();
        if let Some(a0) = design.die_area_mm2 {
            let mut areas: Vec<f64> = [0.5, 0.75, 1.0, 1.5, 2.0].iter().map(|f| a0 * f).collect();
            areas.sort_by(f64::total_cmp);
            for a in areas {
                let d = design.with(Knob::DieArea, a);
                let l = self.knob(Knob::Throughput, &d);
                frontier.push(FrontierPoint {
                    die_area_mm2: a,
                    max_tpp: l.limit.filter(|_| !l.unreachable),
                    inclusive: l.inclusive,
                    reachable: !l.unreachable,
                });
            }
        }

        let joint = if holds_now || limits.iter().any(|l| !l.unreachable && l.limit.is_some()) {
            None
        } else {
            self.joint(&design, knobs)
        };
        Headroom {
            target: self.target,
            on: self.question.on,
            design,
            holds_now,
            knobs: limits,
            frontier,
            joint,
        }
    }

    /// Tries pairs of knobs, each at one of its breakpoints below the
    /// current value, and keeps the pair that reaches the target with the
    /// smallest largest relative cut.
    fn joint(&self, d: &Design, knobs: &[Knob]) -> Option<JointReduction> {
        let mut best: Option<(f64, Vec<KnobValue>)> = None;
        // (boundary, inclusive, value evaluated): at a breakpoint, or just
        // on the less capable side of it.
        let cands = |k: Knob| -> Vec<(f64, bool, f64)> {
            let Some(cur) = d.get(k) else {
                return Vec::new();
            };
            let dir = if k.higher_is_more() { 1.0 } else { -1.0 };
            let mut v = Vec::new();
            for b in self.breakpoints(k, d) {
                if dir * b <= dir * cur {
                    v.push((b, true, b));
                    v.push((b, false, b - dir * (b.abs() * 1e-9).max(1e-9)));
                }
            }
            v
        };
        for (i, &k1) in knobs.iter().enumerate() {
            for &k2 in knobs.iter().skip(i + 1) {
                for &(x1, inc1, e1) in &cands(k1) {
                    for &(x2, inc2, e2) in &cands(k2) {
                        let dd = d.with(k1, e1).with(k2, e2);
                        if !self.determine(&dd).0 {
                            continue;
                        }
                        let cut = |k: Knob, x: f64| d.get(k).map_or(0.0, |c| ((c - x) / c).abs());
                        let score = cut(k1, x1).max(cut(k2, x2));
                        if best.as_ref().is_none_or(|(s, _)| score < *s) {
                            best = Some((score, vec![(k1, x1, inc1), (k2, x2, inc2)]));
                        }
                    }
                }
            }
        }
        best.map(|(_, ks)| {
            let parts: Vec<String> = ks
                .iter()
                .map(|(k, x, inc)| {
                    let op = match (k.higher_is_more(), inc) {
                        (true, true) => "<=",
                        (true, false) => "<",
                        (false, true) => ">=",
                        (false, false) => ">",
                    };
                    format!("{} {op} {}", k.name(), chipexport_domain::fmt_num(*x))
                })
                .collect();
            JointReduction {
                knobs: ks,
                text: format!("together: {}", parts.join(" and ")),
            }
        })
    }
}
