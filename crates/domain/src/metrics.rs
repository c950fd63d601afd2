//! Control metrics as the rules define them, each with its derivation.
//!
//! * TPP (total processing performance), Technical Note to 3A090 as
//!   rewritten by 88 FR 73458: 2 x MacTOPS x bit length, which is dense TOPS
//!   x bit length because vendors count one MAC as two operations; the
//!   maximum over the precisions the IC supports.
//! * PD (performance density): TPP / applicable die area, the area of the
//!   logic dies made on a non-planar (FinFET/GAA) process.
//! * Memory bandwidth, interconnect bandwidth and their sum, as given.
//!
//! A metric whose input is missing is `None` ("unknown") and the derivation
//! says which input is missing; nothing is guessed.

use serde::Serialize;

use crate::spec::{ChipSpec, Precision};

/// One precision's contribution to TPP.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TppTerm {
    /// The precision.
    pub precision: Precision,
    /// Dense TOPS or TFLOPS used.
    pub tops: f64,
    /// The bit length TPP multiplies by.
    pub bits: u32,
    /// `tops * bits`.
    pub value: f64,
    /// The dense figure was derived by halving a sparse one.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub halved_from_sparse: bool,
}

/// How every metric was obtained.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Derivation {
    /// Each precision's contribution; TPP is the largest `value`.
    pub tpp_terms: Vec<TppTerm>,
    /// How TPP was computed, in words.
    pub tpp: String,
    /// How performance density was computed, in words.
    pub performance_density: String,
    /// How memory plus interconnect bandwidth was computed, in words.
    pub memory_plus_interconnect: String,
    /// Metrics that could not be computed, with the reason.
    pub unknown: Vec<String>,
    /// Other remarks on the figures, in words.
    pub notes: Vec<String>,
}

/// The control metrics of a chip.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    /// Total processing performance (bits × dense TOPS, the largest over
    /// precisions); `None` when no throughput is known.
    pub tpp: Option<f64>,
    /// The precision that gives the TPP; `None` with it.
    pub tpp_precision: Option<Precision>,
    /// TPP per mm² of applicable die area; `None` when TPP or the die area is
    /// unknown.
    pub performance_density: Option<f64>,
    /// Applicable die area, in mm²; `None` when unknown, or when the logic dies
    /// are planar.
    pub die_area_mm2: Option<f64>,
    /// DRAM bandwidth, in GB/s; `None` when unknown.
    pub memory_bandwidth_gbps: Option<f64>,
    /// Aggregate bidirectional interconnect rate, in GB/s; `None` when unknown.
    pub interconnect_gbps: Option<f64>,
    /// Memory bandwidth plus interconnect rate, in GB/s; `None` when either is
    /// unknown.
    pub memory_plus_interconnect_gbps: Option<f64>,
    /// How each metric was obtained.
    pub derivation: Derivation,
}

/// Formats a figure without trailing zeros: 4992, 6.04, 0.5.
pub fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        // A whole number prints as the integer it is (faster than
        // formatting the float with a precision); -0 keeps its sign.
        if v == 0.0 && v.is_sign_negative() {
            return "-0".into();
        }
        #[allow(clippy::cast_possible_truncation)]
        let n = v as i64;
        n.to_string()
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

impl Metrics {
    /// The metrics of a spec, with their derivation.
    pub fn of(spec: &ChipSpec) -> Metrics {
        let mut notes = Vec::new();
        let mut unknown = Vec::new();

        let mut terms = Vec::new();
        for p in Precision::ALL {
            let (tops, halved) = match (spec.throughput.get(p), spec.throughput_sparse.get(p)) {
                (Some(d), _) => (d, false),
                (None, Some(s)) => (s / 2.0, true),
                (None, None) => continue,
            };
            if halved {
                notes.push(format!(
                    "{} has only a sparse figure ({} TOPS); the rules count dense throughput, so {} TOPS (half) is used",
                    p.as_str(),
                    fmt_num(tops * 2.0),
                    fmt_num(tops)
                ));
            }
            terms.push(TppTerm {
                precision: p,
                tops,
                bits: p.bits(),
                value: tops * f64::from(p.bits()),
                halved_from_sparse: halved,
            });
        }
        // The maximum. On a tie a precision other than TF32 is named (TF32
        // is counted at 32 bits only to avoid understating TPP), then the
        // first in table order, so the choice is deterministic.
        let rank = |t: &TppTerm| (t.value, t.precision != Precision::Tf32);
        let best = terms.iter().fold(None::<&TppTerm>, |acc, t| match acc {
            Some(a) if rank(a) >= rank(t) => Some(a),
            _ => Some(t),
        });
        let (tpp, tpp_precision, tpp_text) = match best {
            Some(b) => {
                let others: Vec<String> = terms
                    .iter()
                    .filter(|t| t.precision != b.precision)
                    .map(|t| format!("{} {}", t.precision.as_str(), fmt_num(t.value)))
                    .collect();
                let mut text = format!(
                    "TPP = {} TOPS x {} bits = {} ({} is the highest",
                    fmt_num(b.tops),
                    b.bits,
                    fmt_num(b.value),
                    b.precision.as_str()
                );
                if others.is_empty() {
                    text.push_str(" and only precision given)");
                } else {
                    text.push_str(&format!("; others: {})", others.join(", ")));
                }
                if b.precision == Precision::Tf32 {
                    notes.push(format!(
                        "TPP is set by TF32 counted at 32 bits (conservative); at its 19 significant bits it would be {}",
                        fmt_num(b.tops * 19.0)
                    ));
                }
                (Some(b.value), Some(b.precision), text)
            }
            None => {
                unknown.push("tpp: no throughput figure is given".to_string());
                (
                    None,
                    None,
                    "TPP unknown: no throughput figure is given".to_string(),
                )
            }
        };

        let area = if spec.non_planar {
            spec.die_area_mm2
        } else {
            None
        };
        let (pd, pd_text) = match (tpp, area) {
            (Some(t), Some(a)) => (
                Some(t / a),
                format!(
                    "PD = TPP {} / {} mm² = {}",
                    fmt_num(t),
                    fmt_num(a),
                    fmt_num(t / a)
                ),
            ),
            (None, _) => {
                unknown.push("performance_density: TPP is unknown".into());
                (None, "PD unknown: TPP is unknown".to_string())
            }
            (Some(_), None) if !spec.non_planar => {
                unknown.push("performance_density: the logic dies are planar, so the applicable die area is zero and PD is not defined".into());
                (
                    None,
                    "PD not defined: no logic die on a non-planar process".to_string(),
                )
            }
            (Some(_), None) => {
                unknown.push("performance_density: no die area is given".into());
                (None, "PD unknown: no die area is given".to_string())
            }
        };

        let mem = spec.memory_bandwidth_gbps;
        let ic = spec.interconnect_gbps;
        if mem.is_none() {
            unknown.push("memory_bandwidth_gbps: not given".into());
        }
        if ic.is_none() {
            unknown.push("interconnect_gbps: not given".into());
        }
        let (sum, sum_text) = match (mem, ic) {
            (Some(m), Some(i)) => (
                Some(m + i),
                format!("{} + {} = {} GB/s", fmt_num(m), fmt_num(i), fmt_num(m + i)),
            ),
            _ => (
                None,
                "unknown: memory or interconnect bandwidth missing".to_string(),
            ),
        };

        Metrics {
            tpp,
            tpp_precision,
            performance_density: pd,
            die_area_mm2: area,
            memory_bandwidth_gbps: mem,
            interconnect_gbps: ic,
            memory_plus_interconnect_gbps: sum,
            derivation: Derivation {
                tpp_terms: terms,
                tpp: tpp_text,
                performance_density: pd_text,
                memory_plus_interconnect: sum_text,
                unknown,
                notes,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::SourceFile;
    use proptest::prelude::*;

    fn spec(text: &str) -> ChipSpec {
        ChipSpec::parse(&SourceFile::new("t.toml", text)).unwrap_or_else(|e| unreachable!("{e:?}"))
    }

    #[test]
    fn acceptance_figures() {
        let a100 = Metrics::of(&spec(
            "name='A100'\ndie_area_mm2=826\n[throughput]\nfp16=312\nint8=624\n",
        ));
        assert_eq!(a100.tpp, Some(4992.0));
        assert_eq!(
            a100.performance_density
                .map(|p| (p * 100.0).round() / 100.0),
            Some(6.04)
        );
        let h20 = Metrics::of(&spec(
            "name='H20'\ndie_area_mm2=814\n[throughput]\nfp8=296\nfp16=148\n",
        ));
        assert_eq!(h20.tpp, Some(2368.0));
        assert_eq!(
            h20.performance_density.map(|p| (p * 100.0).round() / 100.0),
            Some(2.91)
        );
        let rtx = Metrics::of(&spec("name='RTX 4090'\n[throughput]\nint8=660.6\n"));
        assert_eq!(rtx.tpp.map(f64::round), Some(5285.0));
        assert_eq!(rtx.performance_density, None);
    }

    #[test]
    fn sparse_only_figures_are_halved_and_said() {
        let m = Metrics::of(&spec("name='x'\n[throughput_sparse]\nfp4=2375\n"));
        assert_eq!(m.tpp, Some(2375.0 / 2.0 * 4.0));
        assert!(m.derivation.notes.iter().any(|n| n.contains("sparse")));
    }

    #[test]
    fn planar_chips_have_no_density() {
        let m = Metrics::of(&spec(
            "name='x'\nnon_planar=false\ndie_area_mm2=100\n[throughput]\nfp16=10\n",
        ));
        assert_eq!(m.performance_density, None);
        assert!(m.derivation.unknown.iter().any(|u| u.contains("planar")));
    }

    fn arb_spec() -> impl Strategy<Value = ChipSpec> {
        let fig = proptest::option::of(1.0f64..100_000.0);
        (
            proptest::collection::vec(fig, 11),
            proptest::option::of(10.0f64..5000.0),
        )
            .prop_map(|(figs, area)| {
                let mut s = spec("name='x'");
                for (p, v) in Precision::ALL.into_iter().zip(figs) {
                    s.throughput.set(p, v);
                }
                s.die_area_mm2 = area;
                s
            })
    }

    proptest! {
        #[test]
        fn tpp_never_falls_when_a_throughput_rises(s in arb_spec(), idx in 0usize..11, bump in 0.0f64..10_000.0) {
            let before = Metrics::of(&s).tpp;
            let mut t = s.clone();
            let p = Precision::ALL.get(idx).copied().unwrap_or(Precision::Fp8);
            t.throughput.set(p, Some(s.throughput.get(p).unwrap_or(0.0) + bump + 1.0));
            let after = Metrics::of(&t).tpp;
            prop_assert!(after.is_some());
            prop_assert!(after.unwrap_or(0.0) >= before.unwrap_or(0.0));
        }

        #[test]
        fn density_times_area_is_tpp(s in arb_spec()) {
            let m = Metrics::of(&s);
            if let (Some(pd), Some(a), Some(t)) = (m.performance_density, m.die_area_mm2, m.tpp) {
                prop_assert!((pd * a - t).abs() <= t * 1e-12);
            }
        }

        #[test]
        fn tpp_is_the_maximum_term(s in arb_spec()) {
            let m = Metrics::of(&s);
            let max = s.throughput.iter().map(|(p, v)| v * f64::from(p.bits())).fold(None, |a: Option<f64>, v| Some(a.map_or(v, |a| a.max(v))));
            prop_assert_eq!(m.tpp, max);
        }
    }
}
