//! A verdict drawn as SVG: the countries around it (from the bundled
//! offline boundaries, rasterised; no tile server), each landmark's disk,
//! the feasible region, the licensed site and the landmarks.

use std::fmt::Write;

use chipexport_locate::countries::country_at;
use chipexport_locate::{Disk, LatLon, Verdict};

/// Width of the drawing, px.
const WIDTH: f64 = 720.0;
/// Raster columns of the country layer.
const COLS: usize = 144;

/// The drawing's window. Longitudes are unwrapped around `center` (the
/// first point's), so a region across the 180th meridian (Fiji, say) is
/// drawn as one piece rather than across the whole world.
struct View {
    center: f64,
    lat0: f64,
    lat1: f64,
    lon0: f64,
    lon1: f64,
    height: f64,
}

/// A longitude brought into [-180, 180).
fn wrap(lon: f64) -> f64 {
    (lon + 180.0).rem_euclid(360.0) - 180.0
}

impl View {
    fn around(points: &[LatLon]) -> View {
        let center = points.first().map_or(0.0, |p| wrap(p.lon));
        let unwrap = |lon: f64| center + wrap(lon - center);
        let (mut lat0, mut lat1, mut lon0, mut lon1) = (90.0f64, -90.0f64, 180.0f64, -180.0f64);
        for p in points {
            lat0 = lat0.min(p.lat);
            lat1 = lat1.max(p.lat);
            lon0 = lon0.min(unwrap(p.lon));
            lon1 = lon1.max(unwrap(p.lon));
        }
        if lat0 > lat1 {
            (lat0, lat1, lon0, lon1) = (-60.0, 75.0, center - 180.0, center + 180.0);
        }
        let pad_lat = ((lat1 - lat0) * 0.15).max(0.15);
        let pad_lon = ((lon1 - lon0) * 0.15).max(0.15);
        let (lat0, lat1) = ((lat0 - pad_lat).max(-85.0), (lat1 + pad_lat).min(85.0));
        let (lon0, lon1) = (
            (lon0 - pad_lon).max(center - 180.0),
            (lon1 + pad_lon).min(center + 180.0),
        );
        let k = ((lat0 + lat1) / 2.0).to_radians().cos().max(0.2);
        let height = (WIDTH * (lat1 - lat0) / ((lon1 - lon0) * k)).clamp(200.0, 720.0);
        View {
            center,
            lat0,
            lat1,
            lon0,
            lon1,
            height,
        }
    }

    fn xy(&self, p: &LatLon) -> (f64, f64) {
        (
            (self.center + wrap(p.lon - self.center) - self.lon0) / (self.lon1 - self.lon0) * WIDTH,
            (self.lat1 - p.lat) / (self.lat1 - self.lat0) * self.height,
        )
    }
}

fn fill(country: &str, site: &str) -> String {
    if country == site {
        return "#cfe6c8".into();
    }
    let h = country
        .bytes()
        .fold(7u32, |a, b| a.wrapping_mul(31).wrapping_add(u32::from(b)));
    let shades = [
        "#e6e1d3", "#dcd7e6", "#e6d9d3", "#d6e0e6", "#e3e3e3", "#e6e6cf",
    ];
    shades
        .get(h as usize % shades.len())
        .copied()
        .unwrap_or("#e3e3e3")
        .into()
}

fn path(view: &View, pts: &[LatLon], close: bool) -> String {
    let mut d = String::new();
    for (i, p) in pts.iter().enumerate() {
        let (x, y) = view.xy(p);
        let _ = write!(d, "{}{x:.1},{y:.1} ", if i == 0 { "M" } else { "L" });
    }
    if close {
        d.push('Z');
    }
    d
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The verdict as an SVG document.
pub fn svg(v: &Verdict) -> String {
    let outline: Vec<LatLon> = v
        .placement
        .as_ref()
        .map(|p| p.outline.clone())
        .unwrap_or_default();
    let mut focus: Vec<LatLon> = outline.clone();
    focus.push(v.site.position);
    focus.extend(v.readings.iter().map(|r| r.position));
    let view = View::around(&focus);
    let rows = ((COLS as f64) * view.height / WIDTH).round().max(1.0) as usize;
    let (cw, ch) = (WIDTH / COLS as f64, view.height / rows as f64);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {h:.0}\" width=\"{WIDTH}\" height=\"{h:.0}\" role=\"img\" aria-label=\"feasible region of chip {chip}\"><rect width=\"100%\" height=\"100%\" fill=\"#f3f7fa\"/><g class=\"land\">",
        h = view.height,
        chip = esc(&v.chip)
    );
    for r in 0..rows {
        let lat = view.lat1 - (r as f64 + 0.5) / rows as f64 * (view.lat1 - view.lat0);
        let mut run: Option<(usize, String)> = None;
        for c in 0..=COLS {
            let here = (c < COLS)
                .then(|| {
                    country_at(&LatLon {
                        lat,
                        lon: wrap(
                            view.lon0 + (c as f64 + 0.5) / COLS as f64 * (view.lon1 - view.lon0),
                        ),
                    })
                })
                .flatten();
            if run.as_ref().map(|(_, k)| Some(k)) != Some(here.as_ref()) {
                if let Some((start, k)) = run.take() {
                    let _ = write!(
                        s,
                        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{k}</title></rect>",
                        start as f64 * cw,
                        r as f64 * ch,
                        (c - start) as f64 * cw + 0.3,
                        ch + 0.3,
                        fill(&k, &v.site.country)
                    );
                }
                run = here.map(|k| (c, k));
            }
        }
    }
    s.push_str("</g><g class=\"disks\" fill=\"none\" stroke=\"#3b6ea8\" stroke-width=\"1\" stroke-dasharray=\"4 3\">");
    for r in &v.readings {
        let d = Disk::new(r.position, r.radius_km);
        let pts: Vec<LatLon> = d.edge(120).collect();
        let _ = write!(
            s,
            "<path d=\"{}\"><title>{} within {:.1} km</title></path>",
            path(&view, &pts, true),
            esc(&r.landmark),
            r.radius_km
        );
    }
    s.push_str("</g>");
    if outline.len() > 2 {
        let _ = write!(
            s,
            "<path class=\"region\" d=\"{}\" fill=\"#d9480f\" fill-opacity=\"0.35\" stroke=\"#d9480f\" stroke-width=\"1.5\"><title>feasible region</title></path>",
            path(&view, &outline, true)
        );
    }
    for r in &v.readings {
        let (x, y) = view.xy(&r.position);
        let _ = write!(
            s,
            "<path class=\"landmark\" d=\"M{x:.1},{:.1} l5,9 l-10,0 Z\" fill=\"#3b6ea8\"><title>landmark {} ({:.3} ms)</title></path><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#1d3b5c\">{}</text>",
            y - 6.0,
            esc(&r.landmark),
            r.rtt_ms,
            x + 6.0,
            y + 3.0,
            esc(&r.landmark)
        );
    }
    let (x, y) = view.xy(&v.site.position);
    let _ = write!(
        s,
        "<circle class=\"site\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"#111\"><title>licensed site: {}</title></circle>",
        esc(&v.site.name)
    );
    let _ = write!(
        s,
        "<text x=\"8\" y=\"18\" font-size=\"13\" font-family=\"sans-serif\" fill=\"#111\">{} — {}{}</text></svg>",
        esc(&v.chip),
        v.outcome.as_str(),
        match v.countries.len() {
            0 => String::new(),
            n if n > 8 => format!(
                " ({}, … {n} countries)",
                v.countries.get(..8).unwrap_or_default().join(", ")
            ),
            _ => format!(" ({})", v.countries.join(", ")),
        }
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_across_the_180th_meridian_is_narrow_and_holds_its_points() {
        // Suva (Fiji) and a landmark just east of the meridian.
        let pts = [
            LatLon {
                lat: -18.14,
                lon: 178.44,
            },
            LatLon {
                lat: -16.5,
                lon: -179.9,
            },
        ];
        let v = View::around(&pts);
        assert!(v.lon1 - v.lon0 < 5.0, "{} .. {}", v.lon0, v.lon1);
        for p in &pts {
            let (x, y) = v.xy(p);
            assert!(
                (0.0..=WIDTH).contains(&x) && (0.0..=v.height).contains(&y),
                "{x}, {y}"
            );
        }
        assert!(
            v.xy(&pts[1]).0 > v.xy(&pts[0]).0,
            "east of the meridian is drawn east"
        );
        // Singapore's window is unchanged by the unwrapping.
        let sg = View::around(&[LatLon {
            lat: 1.335,
            lon: 103.888,
        }]);
        assert!(sg.lon0 < 103.888 && 103.888 < sg.lon1);
        assert_eq!(wrap(180.0), -180.0);
        assert_eq!(wrap(-190.0), 170.0);
    }
}
