//! The verifier: signatures, freshness, nonce reuse, then the disks, their
//! intersection, the countries it may be in, and an outcome with its
//! explanation.

use std::collections::{BTreeMap, BTreeSet};

use ed25519_dalek::VerifyingKey;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::geo::{Disk, LatLon};
use crate::record::Measurement;
use crate::region::{Region, radius_km};

/// The speed of light in vacuum, km per ms: nothing carries a signal
/// faster, so a disk at this speed holds against any link.
pub const VACUUM_KM_PER_MS: f64 = 299.792;

/// The speed of light in optical fibre, km per ms (refractive index about
/// 1.5). A disk at this speed is tighter, but assumes that the answer
/// travelled over fibre: an assumption, labelled as such.
pub const FIBRE_KM_PER_MS: f64 = 200.0;

/// How far a landmark's recorded position may be from its registered one
/// before the record is refused, km.
pub const LANDMARK_TOLERANCE_KM: f64 = 1.0;

/// The speed bound the disks are drawn with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// The speed of light in vacuum: physics, no assumption.
    #[default]
    Vacuum,
    /// The speed of light in fibre: assumes the answer went over fibre.
    Fibre,
}

impl Bound {
    /// The speed, km per ms.
    pub fn speed_km_per_ms(self) -> f64 {
        match self {
            Bound::Vacuum => VACUUM_KM_PER_MS,
            Bound::Fibre => FIBRE_KM_PER_MS,
        }
    }
}

/// A place: a licensed site or a landmark's city.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Site {
    /// Its name.
    pub name: String,
    /// Its position.
    pub position: LatLon,
    /// Its country (ISO alpha-2).
    pub country: String,
}

/// A registered landmark: a server that sends challenges and times the
/// answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Landmark {
    /// Its id, as records name it.
    pub id: String,
    /// Where it is.
    pub site: Site,
}

/// A chip of the fleet: its serial, licence, licensed site and device key.
#[derive(Debug, Clone, PartialEq)]
pub struct Chip {
    /// The serial number.
    pub serial: String,
    /// The licence it was exported under.
    pub licence: String,
    /// Where the licence says it is.
    pub site: Site,
    /// Its registered Ed25519 device key.
    pub key: VerifyingKey,
}

/// How to verify.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The time of the verification.
    pub at: Timestamp,
    /// The oldest a record may be (from its `received` to `at`), seconds.
    pub max_age_s: u64,
    /// The bound the outcome is decided with.
    pub bound: Bound,
    /// Points per side of the grid sampling the region's interior.
    pub grid: usize,
    /// With the vacuum bound, also place the chip under the fibre
    /// assumption (reported, never decisive).
    pub fibre_too: bool,
}

/// What a verification found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The whole feasible region lies in the licensed site's country.
    VerifiedIn,
    /// The region crosses a border: the chip may be in any of the named
    /// countries.
    Ambiguous,
    /// No point satisfies every disk, the licensed site lies outside the
    /// region, a nonce was replayed, or a landmark is not what the registry
    /// says: tampering, a relay, or a diverted chip.
    Inconsistent,
    /// A record is older than the freshness window.
    Stale,
    /// A signature does not verify with the chip's registered key.
    BadSignature,
}

impl Outcome {
    /// Its name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::VerifiedIn => "verified_in",
            Outcome::Ambiguous => "ambiguous",
            Outcome::Inconsistent => "inconsistent",
            Outcome::Stale => "stale",
            Outcome::BadSignature => "bad_signature",
        }
    }
}

/// A problem with one record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// What kind: `bad_signature`, `replayed_nonce`, `unknown_landmark`,
    /// `landmark_moved`, `from_the_future`, `stale`, `rtt_below_minimum`.
    pub code: &'static str,
    /// The record's line in the batch.
    pub line: usize,
    /// The field at fault.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

/// One measurement as the verifier read it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reading {
    /// The record's line.
    pub line: usize,
    /// The landmark.
    pub landmark: String,
    /// Its position.
    pub position: LatLon,
    /// The round-trip time, ms.
    pub rtt_ms: f64,
    /// The disk's radius at the decisive bound, km.
    pub radius_km: f64,
    /// The landmark's distance to the licensed site, km.
    pub site_distance_km: f64,
    /// The least RTT a chip at the licensed site could answer in, at the
    /// speed of light in vacuum, ms.
    pub min_rtt_ms: f64,
}

/// The region and its countries under one bound.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Placement {
    /// The bound.
    pub bound: Bound,
    /// Its speed, km per ms.
    pub speed_km_per_ms: f64,
    /// Whether any point lies within every disk.
    pub region_empty: bool,
    /// Whether the licensed site lies within every disk.
    pub site_in_region: bool,
    /// The countries the region reaches (ISO alpha-2), sorted.
    pub countries: Vec<String>,
    /// Whether part of the region is at sea (outside every country).
    pub at_sea: bool,
    /// The greatest distance from the licensed site to the region, km.
    pub greatest_distance_km: Option<f64>,
    /// The region's outline.
    pub outline: Vec<LatLon>,
    /// The outcome this bound alone gives.
    pub outcome: Outcome,
}

/// The verdict for one chip.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// The chip's serial.
    pub chip: String,
    /// Its licence.
    pub licence: String,
    /// Its licensed site.
    pub site: Site,
    /// The outcome.
    pub outcome: Outcome,
    /// With `verified_in`, the country.
    pub country: Option<String>,
    /// The countries the chip may be in (empty unless the geometry was
    /// reached).
    pub countries: Vec<String>,
    /// The earliest challenge.
    pub measured_from: Timestamp,
    /// The latest answer.
    pub measured_to: Timestamp,
    /// The verification time.
    pub at: Timestamp,
    /// Every measurement, in batch order.
    pub readings: Vec<Reading>,
    /// Problems with records, in batch order.
    pub problems: Vec<Problem>,
    /// The region at the decisive bound (absent when a record problem
    /// decided first).
    pub placement: Option<Placement>,
    /// The same at the fibre bound, labelled as an assumption (when the
    /// decisive bound is vacuum).
    pub fibre_assumption: Option<Placement>,
    /// Why, in sentences.
    pub explanation: Vec<String>,
}

/// Nonces already used, by hex, with where they were first seen.
pub type SeenNonces = BTreeMap<String, String>;

/// Verifies one chip's records. `landmark` looks a landmark up by id;
/// `seen` holds nonces used by earlier verifications.
pub fn verify(
    chip: &Chip,
    records: &[&Measurement],
    landmark: &dyn Fn(&str) -> Option<Landmark>,
    seen: &SeenNonces,
    policy: &Policy,
) -> Verdict {
    let problems = record_problems(chip, records, landmark, seen, policy);
    let readings: Vec<Reading> = records
        .iter()
        .map(|m| reading(m, &chip.site, policy.bound.speed_km_per_ms()))
        .collect();
    let measured_from = records.iter().map(|m| m.sent).min().unwrap_or(policy.at);
    let measured_to = records
        .iter()
        .map(|m| m.received)
        .max()
        .unwrap_or(policy.at);
    let mut v = Verdict {
        chip: chip.serial.clone(),
        licence: chip.licence.clone(),
        site: chip.site.clone(),
        outcome: Outcome::Inconsistent,
        country: None,
        countries: Vec::new(),
        measured_from,
        measured_to,
        at: policy.at,
        readings,
        problems,
        placement: None,
        fibre_assumption: None,
        explanation: Vec::new(),
    };
    let has = |code: &str| v.problems.iter().any(|p| p.code == code);
    let decided = if records.is_empty() {
        Some((
            Outcome::Inconsistent,
            "no measurement of this chip was given".to_string(),
        ))
    } else if has("bad_signature") {
        Some((Outcome::BadSignature, "a signature does not verify with the chip's registered key: the answer did not come from this chip's key".into()))
    } else if has("replayed_nonce") {
        Some((
            Outcome::Inconsistent,
            "a nonce was used before: a replayed answer proves nothing about where the chip is now"
                .into(),
        ))
    } else if has("unknown_landmark") || has("landmark_moved") || has("from_the_future") {
        Some((
            Outcome::Inconsistent,
            "a record does not agree with the landmark registry or the verification time".into(),
        ))
    } else if has("stale") {
        Some((
            Outcome::Stale,
            format!(
                "a record is older than the freshness window of {} s",
                policy.max_age_s
            ),
        ))
    } else {
        None
    };
    if let Some((outcome, why)) = decided {
        v.outcome = outcome;
        v.explanation.push(why);
        v.explanation.extend(
            v.problems
                .iter()
                .map(|p| format!("line {}: {}", p.line, p.message)),
        );
        return v;
    }
    let placement = place(records, &chip.site, policy.bound, policy.grid);
    v.outcome = placement.outcome;
    v.countries.clone_from(&placement.countries);
    if placement.outcome == Outcome::VerifiedIn {
        v.country = Some(chip.site.country.clone());
    }
    v.explanation = explain(&v, &placement);
    if policy.bound == Bound::Vacuum && policy.fibre_too {
        let fibre = place(records, &chip.site, Bound::Fibre, policy.grid);
        v.explanation.push(format!(
            "assuming fibre ({} km/ms), which a faster link would defeat: {}{}",
            FIBRE_KM_PER_MS,
            fibre.outcome.as_str(),
            match fibre.outcome {
                Outcome::VerifiedIn | Outcome::Ambiguous =>
                    format!(" ({})", fibre.countries.join(", ")),
                _ => String::new(),
            }
        ));
        v.fibre_assumption = Some(fibre);
    }
    v.placement = Some(placement);
    v
}

fn reading(m: &Measurement, site: &Site, speed: f64) -> Reading {
    let d = m.landmark.position.distance_km(&site.position);
    Reading {
        line: m.line,
        landmark: m.landmark.id.clone(),
        position: m.landmark.position,
        rtt_ms: m.rtt_ms(),
        radius_km: radius_km(m.rtt_ms(), speed),
        site_distance_km: d,
        min_rtt_ms: 2.0 * d / VACUUM_KM_PER_MS,
    }
}

fn record_problems(
    chip: &Chip,
    records: &[&Measurement],
    landmark: &dyn Fn(&str) -> Option<Landmark>,
    seen: &SeenNonces,
    policy: &Policy,
) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut used: BTreeMap<String, usize> = BTreeMap::new();
    for m in records {
        let mut push = |code, field, message| {
            out.push(Problem {
                code,
                line: m.line,
                field,
                message,
            })
        };
        if !m.signature_valid(&chip.key) {
            push(
                "bad_signature",
                "signature",
                format!(
                    "the signature for landmark `{}` does not verify with chip `{}`'s registered key",
                    m.landmark.id, chip.serial
                ),
            );
        }
        let nonce = m.nonce_hex();
        if let Some(first) = seen.get(&nonce) {
            push(
                "replayed_nonce",
                "nonce",
                format!("nonce {}… was already used ({first})", short(&nonce)),
            );
        } else if let Some(first) = used.get(&nonce) {
            push(
                "replayed_nonce",
                "nonce",
                format!("nonce {}… was already used on line {first}", short(&nonce)),
            );
        } else {
            used.insert(nonce, m.line);
        }
        match landmark(&m.landmark.id) {
            None => push(
                "unknown_landmark",
                "landmark.id",
                format!("landmark `{}` is not in the registry", m.landmark.id),
            ),
            Some(l) => {
                let off = l.site.position.distance_km(&m.landmark.position);
                if off > LANDMARK_TOLERANCE_KM {
                    push(
                        "landmark_moved",
                        "landmark",
                        format!(
                            "landmark `{}` is recorded {off:.1} km from its registered position",
                            m.landmark.id
                        ),
                    );
                }
            }
        }
        let age_ns = policy.at.as_nanosecond() - m.received.as_nanosecond();
        if age_ns < -1_000_000_000 {
            push(
                "from_the_future",
                "received",
                format!(
                    "the answer is dated {}, after the verification time {}",
                    m.received, policy.at
                ),
            );
        } else if age_ns > i128::from(policy.max_age_s) * 1_000_000_000 {
            push(
                "stale",
                "received",
                format!(
                    "the answer is {:.0} s old, more than the window of {} s",
                    age_ns as f64 / 1e9,
                    policy.max_age_s
                ),
            );
        }
        let d = m.landmark.position.distance_km(&chip.site.position);
        let min = 2.0 * d / VACUUM_KM_PER_MS;
        if m.rtt_ms() < min {
            push(
                "rtt_below_minimum",
                "received",
                format!(
                    "the round trip to `{}` took {:.3} ms, below the {min:.3} ms light needs to reach the licensed site {d:.0} km away and back: the chip is not at its site",
                    m.landmark.id,
                    m.rtt_ms()
                ),
            );
        }
    }
    out
}

fn short(hex: &str) -> &str {
    hex.get(..12).unwrap_or(hex)
}

/// The region of the records' disks at a bound, and the outcome it gives.
pub fn place(records: &[&Measurement], site: &Site, bound: Bound, grid: usize) -> Placement {
    let speed = bound.speed_km_per_ms();
    let disks: Vec<Disk> = records
        .iter()
        .map(|m| Disk::new(m.landmark.position, radius_km(m.rtt_ms(), speed)))
        .collect();
    let region = Region::of(&disks, grid);
    let site_in = disks
        .iter()
        .all(|d| d.contains(&site.position, crate::region::SLACK_KM));
    let (countries, at_sea) = if region.empty {
        (BTreeSet::new(), false)
    } else {
        region.countries()
    };
    let outcome = if region.empty || !site_in {
        Outcome::Inconsistent
    } else if countries.len() == 1 && countries.contains(&site.country) {
        Outcome::VerifiedIn
    } else {
        Outcome::Ambiguous
    };
    Placement {
        bound,
        speed_km_per_ms: speed,
        region_empty: region.empty,
        site_in_region: site_in,
        countries: countries.into_iter().collect(),
        at_sea,
        greatest_distance_km: region.greatest_distance_km(&site.position),
        outline: region.outline,
        outcome,
    }
}

fn explain(v: &Verdict, p: &Placement) -> Vec<String> {
    let mut out = vec![format!(
        "{} signed answer(s) verified with the registered key; nonces fresh; each answer bounds the chip to a disk of RTT/2 × {} km/ms around its landmark",
        v.readings.len(),
        p.speed_km_per_ms
    )];
    for r in &v.readings {
        out.push(format!(
            "landmark `{}`: RTT {:.3} ms, within {:.1} km (licensed site {:.1} km away)",
            r.landmark, r.rtt_ms, r.radius_km, r.site_distance_km
        ));
    }
    out.extend(
        v.problems
            .iter()
            .map(|p| format!("line {}: {}", p.line, p.message)),
    );
    out.push(match p.outcome {
        Outcome::VerifiedIn => format!(
            "every point of the feasible region is in {}; the farthest is {:.1} km from the licensed site",
            v.site.country,
            p.greatest_distance_km.unwrap_or(0.0)
        ),
        Outcome::Ambiguous => format!(
            "the feasible region crosses a border: the chip may be in {}{}, up to {:.0} km from the licensed site",
            if p.countries.is_empty() { "no country (only sea)".to_string() } else { p.countries.join(", ") },
            if p.at_sea { ", or at sea" } else { "" },
            p.greatest_distance_km.unwrap_or(0.0)
        ),
        _ if p.region_empty => "no point lies within every disk: the times were tampered with, or the records do not come from one place".into(),
        _ => format!(
            "the licensed site ({}) lies outside the feasible region: the chip answered faster than light allows from there; it is elsewhere (relayed or diverted){}",
            v.site.name,
            if p.countries.is_empty() { String::new() } else { format!(", within the region reaching {}", p.countries.join(", ")) }
        ),
    });
    out
}
