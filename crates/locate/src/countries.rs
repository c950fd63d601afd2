//! Which country a point is in: the offline boundaries of the
//! `country-boundaries` crate (derived from OpenStreetMap data, © OpenStreetMap
//! contributors, ODbL), read once.

use std::sync::OnceLock;

use country_boundaries::{BOUNDARIES_ODBL_360X180, CountryBoundaries};

use crate::geo::LatLon;

fn boundaries() -> Option<&'static CountryBoundaries> {
    static B: OnceLock<Option<CountryBoundaries>> = OnceLock::new();
    B.get_or_init(|| CountryBoundaries::from_reader(BOUNDARIES_ODBL_360X180).ok())
        .as_ref()
}

/// Whether the boundaries data could be read (it is compiled in; false only
/// if the bundled data were corrupt).
pub fn available() -> bool {
    boundaries().is_some()
}

/// The ISO 3166-1 alpha-2 code of the country at `p`; `None` at sea (or
/// outside every country the data knows).
pub fn country_at(p: &LatLon) -> Option<String> {
    let b = boundaries()?;
    let ll = country_boundaries::LatLon::new(p.lat, p.lon).ok()?;
    b.ids(ll)
        .into_iter()
        .find(|id| id.len() == 2 && id.bytes().all(|c| c.is_ascii_uppercase()))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cities_are_in_their_countries() {
        for (lat, lon, c) in [
            (1.2789, 103.8536, "SG"),
            (3.139, 101.6869, "MY"),
            (22.5431, 114.0579, "CN"),
            (25.2048, 55.2708, "AE"),
            (19.076, 72.8777, "IN"),
            (22.3193, 114.1694, "HK"),
        ] {
            assert_eq!(
                country_at(&LatLon { lat, lon }).as_deref(),
                Some(c),
                "{lat},{lon}"
            );
        }
        assert_eq!(
            country_at(&LatLon {
                lat: 30.0,
                lon: -40.0
            }),
            None
        );
    }
}
