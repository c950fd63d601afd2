//! The classification map behind the UI's chart: where a datacenter chip
//! with a given TPP and performance density lands, for one destination on
//! one date.
//!
//! The map is not drawn from hard-coded lines. Its axes are cut at every
//! TPP and performance-density threshold that a rule in force compares
//! against, which partitions the plane into cells inside which no such
//! comparison changes value; each cell is then decided by the engine at
//! its (geometric) midpoint. So the regions are exact for predicates over
//! these two metrics, and the other facts a rule reads are the stated
//! [`Assumptions`].

use chipexport_domain::{Country, Date};
use serde::Serialize;

use crate::engine::Question;
use crate::facts::{Fact, ItemFacts};
use crate::ruleset::{Mode, RuleSet};

/// Facts held fixed for the background regions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assumptions {
    /// The model and vendor names: a hypothetical design, so rules that
    /// name parts (the H20 letters) do not fire and rules about other
    /// parts' equivalents are decided on the figures.
    pub model: String,
    /// The vendor name (see `model`).
    pub vendor: String,
    /// Whether the design is for datacenters.
    pub datacenter: bool,
    /// DRAM bandwidth, GB/s.
    pub memory_bandwidth_gbps: Option<f64>,
    /// Aggregate bidirectional interconnect, GB/s.
    pub interconnect_gbps: Option<f64>,
    /// The end user's headquarters.
    pub end_user_hq: Country,
    /// The exporting country.
    pub exported_from: Country,
    /// The designer's headquarters country.
    pub origin_country: Country,
}

impl Assumptions {
    /// The question about a hypothetical datacenter design with TPP `x`
    /// and performance density `y`, the other facts as assumed.
    pub fn question(&self, destination: Country, on: Date, x: f64, y: f64) -> Question {
        Question {
            item: ItemFacts {
                model: Some(self.model.clone()),
                vendor: Some(self.vendor.clone()),
                tpp: Some(x),
                performance_density: Some(y),
                die_area_mm2: Some(x / y),
                memory_bandwidth_gbps: self.memory_bandwidth_gbps,
                interconnect_gbps: self.interconnect_gbps,
                memory_plus_interconnect_gbps: self
                    .memory_bandwidth_gbps
                    .zip(self.interconnect_gbps)
                    .map(|(m, i)| m + i),
                datacenter: Some(self.datacenter),
                non_planar: Some(true),
                origin_country: Some(self.origin_country),
                ..ItemFacts::default()
            },
            destination,
            end_user_hq: self.end_user_hq,
            exported_from: self.exported_from,
            on,
            buyer_type: None,
            exporter_role: None,
            subject_to_ear: None,
            mode: Mode::Enforced,
            with_packs: Vec::new(),
            parties: crate::facts::PartyFacts::default(),
            known_as_of: None,
            min_confidence: None,
        }
    }
}

/// One cell of the partition and its outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    /// The lower TPP edge.
    pub x0: f64,
    /// The upper TPP edge.
    pub x1: f64,
    /// The lower performance-density edge.
    pub y0: f64,
    /// The upper performance-density edge.
    pub y1: f64,
    /// The classification in the cell (`undetermined` when a
    /// classification rule reads a fact the map does not fix).
    pub eccn: String,
    /// Whether a US licence is required in the cell.
    pub status: crate::status::LicenseStatus,
    /// Whether a US licence is required in the cell: `None` when
    /// undetermined.
    pub license_required: Option<bool>,
    /// The review policy in the cell.
    pub review_policy: Option<crate::vocabulary::ReviewPolicy>,
    /// The rules that fired, by id.
    pub rules: Vec<String>,
    /// Rules that could matter but whose facts are unknown.
    pub undetermined: Vec<String>,
}

/// The partition of `[x_range] × [y_range]` for one question template.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Map {
    /// The date of the map.
    pub on: String,
    /// The destination.
    pub destination: Country,
    /// The facts held fixed.
    pub assumptions: Assumptions,
    /// The TPP axis.
    pub x_range: [f64; 2],
    /// The performance-density axis.
    pub y_range: [f64; 2],
    /// The TPP and performance-density thresholds of the rules in force.
    pub x_breaks: Vec<f64>,
    /// The performance-density thresholds of the rules in force.
    pub y_breaks: Vec<f64>,
    /// The cells, column by column.
    pub cells: Vec<Cell>,
}

/// The model and vendor name of the chart's hypothetical designs.
pub const HYPOTHETICAL: &str = "hypothetical design";

/// The TPP axis and the performance-density axis of the chart.
pub const X_RANGE: [f64; 2] = [100.0, 100_000.0];
/// The performance-density axis of the chart.
pub const Y_RANGE: [f64; 2] = [0.1, 100.0];

/// The classification map on `on` for `destination` under `a`.
pub(crate) fn region_map(rs: &RuleSet, destination: Country, on: Date, a: &Assumptions) -> Map {
    let mode = Mode::Enforced;
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for r in rs.rules.iter().filter(|r| rs.in_force(r, on, mode, &[])) {
        for &(fact, _, t) in &r.thresholds {
            match fact {
                Fact::Tpp if t > X_RANGE[0] && t < X_RANGE[1] => xs.push(t),
                Fact::PerformanceDensity if t > Y_RANGE[0] && t < Y_RANGE[1] => ys.push(t),
                _ => {}
            }
        }
    }
    let cuts = |mut v: Vec<f64>, range: [f64; 2]| -> (Vec<f64>, Vec<f64>) {
        v.sort_by(f64::total_cmp);
        v.dedup();
        let mut edges = vec![range[0]];
        edges.extend(v.iter().copied());
        edges.push(range[1]);
        (v, edges)
    };
    let (x_breaks, xe) = cuts(xs, X_RANGE);
    let (y_breaks, ye) = cuts(ys, Y_RANGE);
    let mut cells = Vec::new();
    for xw in xe.windows(2) {
        for yw in ye.windows(2) {
            let (&[x0, x1], &[y0, y1]) = (xw, yw) else {
                continue;
            };
            let q = a.question(destination, on, (x0 * x1).sqrt(), (y0 * y1).sqrt());
            let d = rs.determine(&q);
            let ids = |v: &[usize]| -> Vec<String> {
                v.iter()
                    .filter_map(|&i| rs.rules.get(i).map(|r| r.id.clone()))
                    .collect()
            };
            cells.push(Cell {
                x0,
                x1,
                y0,
                y1,
                eccn: d.eccn_text().to_string(),
                status: d.status(),
                license_required: d.license_required,
                review_policy: d.review_policy,
                rules: ids(&d.fired),
                undetermined: ids(&d.unknown),
            });
        }
    }
    Map {
        on: on.to_string(),
        destination,
        assumptions: a.clone(),
        x_range: X_RANGE,
        y_range: Y_RANGE,
        x_breaks,
        y_breaks,
        cells,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    fn assumptions(hq: &str) -> Assumptions {
        Assumptions {
            model: HYPOTHETICAL.into(),
            vendor: HYPOTHETICAL.into(),
            datacenter: true,
            memory_bandwidth_gbps: Some(4000.0),
            interconnect_gbps: Some(900.0),
            end_user_hq: Country::parse(hq).unwrap(),
            exported_from: Country::parse("US").unwrap(),
            origin_country: Country::parse("US").unwrap(),
        }
    }

    fn cell_at(m: &Map, x: f64, y: f64) -> &Cell {
        m.cells
            .iter()
            .find(|c| c.x0 <= x && x < c.x1 && c.y0 <= y && y < c.y1)
            .unwrap()
    }

    #[test]
    fn oct_2023_map_cuts_at_the_3a090_thresholds() {
        let rs = RuleSet::embedded().unwrap();
        let cn = Country::parse("CN").unwrap();
        let m = rs.region_map(cn, Date::constant(2024, 6, 1), &assumptions("CN"));
        for t in [1600.0, 2400.0, 4800.0] {
            assert!(m.x_breaks.contains(&t), "{t} missing from {:?}", m.x_breaks);
        }
        for t in [1.6, 3.2, 5.92] {
            assert!(m.y_breaks.contains(&t), "{t} missing from {:?}", m.y_breaks);
        }
        // The cells tile the plane.
        let area: f64 = m
            .cells
            .iter()
            .map(|c| (c.x1 / c.x0).ln() * (c.y1 / c.y0).ln())
            .sum();
        let whole = (X_RANGE[1] / X_RANGE[0]).ln() * (Y_RANGE[1] / Y_RANGE[0]).ln();
        assert!((area - whole).abs() < 1e-9);
        // H100-like: 3A090.a; H20-like: free on this date; a TPP 3000 PD 2
        // chip: 3A090.b.
        assert_eq!(cell_at(&m, 15_800.0, 19.5).eccn, "3A090.a");
        assert_eq!(cell_at(&m, 15_800.0, 19.5).license_required, Some(true));
        assert_eq!(cell_at(&m, 2368.0, 2.9).license_required, Some(false));
        assert_eq!(cell_at(&m, 3000.0, 2.0).eccn, "3A090.b");
    }

    #[test]
    fn the_april_2025_equivalents_line_is_decided_on_the_figures() {
        // With H20-like bandwidths assumed, a design under every 3A090 line
        // needs a licence for China from the April 2025 letters on; nothing
        // is left undetermined for want of a model name.
        let rs = RuleSet::embedded().unwrap();
        let cn = Country::parse("CN").unwrap();
        let m = rs.region_map(cn, Date::constant(2025, 5, 1), &assumptions("CN"));
        let c = cell_at(&m, 1000.0, 1.0);
        assert_eq!(c.eccn, "not 3A090");
        assert_eq!(c.license_required, Some(true), "{c:?}");
        assert!(c.rules.iter().any(|r| r.ends_with("#equivalents")), "{c:?}");
        assert!(
            m.cells
                .iter()
                .all(|c| !c.undetermined.iter().any(|r| r.contains("h20-mi308"))),
            "no cell waits on a model name"
        );
    }

    #[test]
    fn the_map_agrees_with_determine_on_catalog_like_points() {
        // Every cell's outcome is what `determine` says for a point inside
        // it that is not its midpoint.
        let rs = RuleSet::embedded().unwrap();
        let cn = Country::parse("CN").unwrap();
        let a = assumptions("CN");
        for on in [Date::constant(2023, 1, 1), Date::constant(2026, 2, 1)] {
            let m = rs.region_map(cn, on, &a);
            for c in &m.cells {
                let (x, y) = (c.x0 * 1.0001, c.y1 / 1.0001);
                let q = a.question(cn, on, x, y);
                let d = rs.determine(&q);
                assert_eq!(d.eccn_text(), c.eccn, "{on} at ({x}, {y})");
                assert_eq!(d.license_required, c.license_required, "{on} at ({x}, {y})");
            }
        }
    }
}
