//! Great-circle geometry on a spherical Earth: distances, points at a
//! bearing and distance, and the disks (spherical caps) a delay proves.

use serde::{Deserialize, Serialize};

/// The Earth's mean radius, km (IUGG).
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Half the Earth's circumference, km: no two points are farther apart.
pub const MAX_DISTANCE_KM: f64 = std::f64::consts::PI * EARTH_RADIUS_KM;

/// A position in degrees (WGS 84 latitude and longitude, on a sphere).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatLon {
    /// Latitude, degrees north (-90 to 90).
    pub lat: f64,
    /// Longitude, degrees east (-180 to 180).
    pub lon: f64,
}

impl LatLon {
    /// A position; `None` unless both numbers are finite and in range.
    pub fn new(lat: f64, lon: f64) -> Option<LatLon> {
        let p = LatLon { lat, lon };
        p.is_valid().then_some(p)
    }

    /// Whether the latitude is in -90..=90 and the longitude in
    /// -180..=180, both finite.
    pub fn is_valid(&self) -> bool {
        self.lat.is_finite()
            && self.lon.is_finite()
            && (-90.0..=90.0).contains(&self.lat)
            && (-180.0..=180.0).contains(&self.lon)
    }

    /// The great-circle distance to `other`, km (haversine).
    pub fn distance_km(&self, other: &LatLon) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
    }

    /// The point `distance_km` away along the initial bearing
    /// `bearing_deg` (clockwise from north).
    pub fn destination(&self, bearing_deg: f64, distance_km: f64) -> LatLon {
        let d = distance_km / EARTH_RADIUS_KM;
        let b = bearing_deg.to_radians();
        let (p1, l1) = (self.lat.to_radians(), self.lon.to_radians());
        let p2 = (p1.sin() * d.cos() + p1.cos() * d.sin() * b.cos())
            .clamp(-1.0, 1.0)
            .asin();
        let l2 = l1 + (b.sin() * d.sin() * p1.cos()).atan2(d.cos() - p1.sin() * p2.sin());
        LatLon {
            lat: p2.to_degrees().clamp(-90.0, 90.0),
            lon: wrap_lon(l2.to_degrees()),
        }
    }

    /// The initial bearing to `other`, degrees clockwise from north.
    pub fn bearing_to(&self, other: &LatLon) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dl = (other.lon - self.lon).to_radians();
        let y = dl.sin() * p2.cos();
        let x = p1.cos() * p2.sin() - p1.sin() * p2.cos() * dl.cos();
        y.atan2(x).to_degrees().rem_euclid(360.0)
    }
}

/// A longitude brought into -180..=180.
pub fn wrap_lon(lon: f64) -> f64 {
    let w = (lon + 180.0).rem_euclid(360.0) - 180.0;
    if w == -180.0 && lon > 0.0 { 180.0 } else { w }
}

/// The set of points within `radius_km` of `centre` (a spherical cap): where
/// a signer can be, given a round trip to a landmark at `centre`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Disk {
    /// The landmark's position.
    pub centre: LatLon,
    /// The greatest distance from it, km (at most [`MAX_DISTANCE_KM`]).
    pub radius_km: f64,
}

impl Disk {
    /// A disk; the radius is clamped to 0..=[`MAX_DISTANCE_KM`].
    pub fn new(centre: LatLon, radius_km: f64) -> Disk {
        Disk {
            centre,
            radius_km: radius_km.clamp(0.0, MAX_DISTANCE_KM),
        }
    }

    /// Whether `p` lies within the disk, allowing `slack_km` for rounding.
    pub fn contains(&self, p: &LatLon, slack_km: f64) -> bool {
        self.centre.distance_km(p) <= self.radius_km + slack_km
    }

    /// `n` points on the disk's edge, at equal bearings.
    pub fn edge(&self, n: usize) -> impl Iterator<Item = LatLon> + '_ {
        let step = 360.0 / n.max(1) as f64;
        (0..n).map(move |i| self.centre.destination(i as f64 * step, self.radius_km))
    }

    /// The points where this disk's edge crosses `other`'s (none, or two;
    /// one twice when they touch).
    pub fn edge_crossings(&self, other: &Disk) -> Vec<LatLon> {
        let d = self.centre.distance_km(&other.centre);
        if d < 1e-9 {
            return Vec::new();
        }
        let (r1, r2, big_r) = (
            self.radius_km / EARTH_RADIUS_KM,
            other.radius_km / EARTH_RADIUS_KM,
            d / EARTH_RADIUS_KM,
        );
        // Spherical law of cosines: the angle at this centre between the
        // line of centres and the crossing point.
        let cos_a = (r2.cos() - r1.cos() * big_r.cos()) / (r1.sin() * big_r.sin());
        if !cos_a.is_finite() || !(-1.0..=1.0).contains(&cos_a) {
            return Vec::new();
        }
        let a = cos_a.acos().to_degrees();
        let b = self.centre.bearing_to(&other.centre);
        vec![
            self.centre.destination(b + a, self.radius_km),
            self.centre.destination(b - a, self.radius_km),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(lat: f64, lon: f64) -> LatLon {
        LatLon { lat, lon }
    }

    #[test]
    fn singapore_to_shenzhen_is_about_2600_km() {
        let d = p(1.29, 103.85).distance_km(&p(22.54, 114.06));
        assert!((2550.0..2650.0).contains(&d), "{d}");
    }

    #[test]
    fn destination_inverts_distance_and_bearing() {
        let a = p(1.3, 103.8);
        let b = a.destination(37.0, 1234.0);
        assert!((a.distance_km(&b) - 1234.0).abs() < 1e-6);
        assert!((a.bearing_to(&b) - 37.0).abs() < 1e-6);
    }

    #[test]
    fn crossings_lie_on_both_edges() {
        let d1 = Disk::new(p(1.3, 103.8), 30.0);
        let d2 = Disk::new(p(1.35, 104.0), 20.0);
        let xs = d1.edge_crossings(&d2);
        assert_eq!(xs.len(), 2);
        for x in xs {
            assert!((d1.centre.distance_km(&x) - 30.0).abs() < 1e-6);
            assert!((d2.centre.distance_km(&x) - 20.0).abs() < 1e-6);
        }
        let far = Disk::new(p(40.0, 0.0), 10.0);
        assert!(d1.edge_crossings(&far).is_empty());
    }

    #[test]
    fn impossible_positions_are_refused() {
        assert!(LatLon::new(91.0, 0.0).is_none());
        assert!(LatLon::new(0.0, 180.5).is_none());
        assert!(LatLon::new(f64::NAN, 0.0).is_none());
        assert!(LatLon::new(-90.0, -180.0).is_some());
        assert_eq!(wrap_lon(190.0), -170.0);
        assert_eq!(wrap_lon(-190.0), 170.0);
    }
}
