//! The feasible region: the points within every landmark's disk, found
//! exactly for emptiness and sampled for countries and distances.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::countries::country_at;
use crate::geo::{Disk, EARTH_RADIUS_KM, LatLon};

/// Slack for rounding when testing a point against a disk, km.
pub const SLACK_KM: f64 = 1e-3;

/// Points sampled on each disk's edge.
const EDGE_POINTS: usize = 180;

/// The intersection of disks, as samples.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Region {
    /// Whether any point lies within every disk.
    pub empty: bool,
    /// The region's outline: edge points in order around it.
    pub outline: Vec<LatLon>,
    /// Points inside (a grid over the smallest disk), for the countries.
    #[serde(skip)]
    pub interior: Vec<LatLon>,
}

impl Region {
    /// The region of `disks`; `grid` points per side sample the interior.
    pub fn of(disks: &[Disk], grid: usize) -> Region {
        let inside = |p: &LatLon| disks.iter().all(|d| d.contains(p, SLACK_KM));
        // Emptiness, exactly: a non-empty intersection of caps either has a
        // vertex where two edges cross, or is one whole cap, whose edge (or
        // centre, for a radius of 0) lies in all the others.
        let mut edge: Vec<LatLon> = Vec::new();
        for (i, a) in disks.iter().enumerate() {
            for b in disks.iter().skip(i + 1) {
                edge.extend(a.edge_crossings(b).into_iter().filter(|p| inside(p)));
            }
            edge.extend(a.edge(EDGE_POINTS).filter(|p| inside(p)));
            if a.radius_km < SLACK_KM && inside(&a.centre) {
                edge.push(a.centre);
            }
        }
        if edge.is_empty() {
            return Region {
                empty: true,
                outline: Vec::new(),
                interior: Vec::new(),
            };
        }
        let centre = centroid(&edge);
        edge.sort_by(|a, b| centre.bearing_to(a).total_cmp(&centre.bearing_to(b)));
        edge.dedup_by(|a, b| a.distance_km(b) < SLACK_KM);
        let interior = match disks
            .iter()
            .min_by(|a, b| a.radius_km.total_cmp(&b.radius_km))
        {
            Some(small) => grid_over(small, grid).filter(|p| inside(p)).collect(),
            None => Vec::new(),
        };
        Region {
            empty: false,
            outline: edge,
            interior,
        }
    }

    /// Every sampled point: the outline, then the interior.
    pub fn points(&self) -> impl Iterator<Item = &LatLon> {
        self.outline.iter().chain(&self.interior)
    }

    /// The countries the sampled points fall in, and whether any falls at
    /// sea.
    pub fn countries(&self) -> (BTreeSet<String>, bool) {
        let mut out = BTreeSet::new();
        let mut sea = false;
        for p in self.points() {
            match country_at(p) {
                Some(c) => {
                    out.insert(c);
                }
                None => sea = true,
            }
        }
        (out, sea)
    }

    /// The greatest distance from `site` to a point of the region, km: on
    /// its outline, where the farthest point of a region of caps lies.
    pub fn greatest_distance_km(&self, site: &LatLon) -> Option<f64> {
        self.points()
            .map(|p| site.distance_km(p))
            .max_by(f64::total_cmp)
    }
}

/// A `n`×`n` grid of points over the square around a disk (by distance and
/// bearing from its centre, so it works at any latitude).
fn grid_over(d: &Disk, n: usize) -> impl Iterator<Item = LatLon> + '_ {
    let n = n.max(2);
    let r = d.radius_km;
    let step = 2.0 * r / (n - 1) as f64;
    (0..n).flat_map(move |i| {
        (0..n).map(move |j| {
            let x = -r + i as f64 * step;
            let y = -r + j as f64 * step;
            let dist = (x * x + y * y).sqrt();
            let bearing = x.atan2(y).to_degrees();
            d.centre.destination(bearing, dist)
        })
    })
}

/// The point on the sphere at the mean of unit vectors.
fn centroid(points: &[LatLon]) -> LatLon {
    let (mut x, mut y, mut z) = (0.0, 0.0, 0.0);
    for p in points {
        let (la, lo) = (p.lat.to_radians(), p.lon.to_radians());
        x += la.cos() * lo.cos();
        y += la.cos() * lo.sin();
        z += la.sin();
    }
    let h = (x * x + y * y).sqrt();
    if h < 1e-12 && z.abs() < 1e-12 {
        return points
            .first()
            .copied()
            .unwrap_or(LatLon { lat: 0.0, lon: 0.0 });
    }
    LatLon {
        lat: z.atan2(h).to_degrees(),
        lon: y.atan2(x).to_degrees(),
    }
}

/// The radius a round trip proves: half the RTT at `speed_km_per_ms`.
pub fn radius_km(rtt_ms: f64, speed_km_per_ms: f64) -> f64 {
    (rtt_ms.max(0.0) / 2.0 * speed_km_per_ms).min(std::f64::consts::PI * EARTH_RADIUS_KM)
}
