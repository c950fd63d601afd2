//! Where is the chip: location verification's use cases.
//!
//! * [`register`]: landmarks and chips (serial, licence, licensed site,
//!   public key) from a fleet file into a data directory;
//! * [`verify`]: a batch of signed delay measurements checked against the
//!   fleet record; each chip's verdict is recorded in the decision log
//!   (kind `locate`) and in the fleet's verifications, and its nonces are
//!   kept so that a replay is refused;
//! * [`status`]: the latest verification of a chip or a licence within a
//!   period, and whether it meets a location-verification condition;
//! * [`simulate`]: the fleet simulator's detection and false-alarm rates.
//!
//! The fleet file is TOML: `[[landmark]]` tables (`id`, `name`, `lat`,
//! `lon`, `country`) and `[[chip]]` tables (`serial`, `licence`, `site =
//! { name, lat, lon, country }`, `public_key` in hex).

pub mod conditions;
pub mod map;

use std::collections::BTreeMap;
use std::path::Path;

use chipexport_domain::{Country, DataError, SourceFile};
use chipexport_locate::sim::{Density, SimConfig, SimRow};
use chipexport_locate::{Bound, Chip, Landmark, LatLon, Measurement, Policy, Site, Verdict};
use chipexport_store::NewLogEntry;
use chipexport_store::fleet::{ChipRow, Fleet, LandmarkRow, Registered, Subject, VerificationRow};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::audit::LogLocation;
use crate::error::{Error, Result};

/// The default freshness window, seconds: every answer of a batch must be
/// at most this old when it is verified.
pub const DEFAULT_MAX_AGE_S: u64 = 3600;

/// What [`register`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RegisterReport {
    /// The fleet file.
    pub file: String,
    /// Landmarks added or moved.
    pub landmarks_changed: usize,
    /// Landmarks already registered as given.
    pub landmarks_unchanged: usize,
    /// Chips added.
    pub chips_added: usize,
    /// Chips already registered as given.
    pub chips_unchanged: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FleetFile {
    #[serde(default)]
    landmark: Vec<LandmarkEntry>,
    #[serde(default)]
    chip: Vec<ChipEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LandmarkEntry {
    id: String,
    name: String,
    lat: f64,
    lon: f64,
    country: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteEntry {
    name: String,
    lat: f64,
    lon: f64,
    country: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChipEntry {
    serial: String,
    licence: String,
    site: SiteEntry,
    public_key: String,
}

/// Checks a position and a country of a fleet file, located at `path`.
fn place_ok(f: &SourceFile, path: &[&str], lat: f64, lon: f64, country: &str) -> Result<String> {
    let at = |k: &str, msg: String, help: &str| {
        let mut p = path.to_vec();
        p.push(k);
        Error::located(vec![f.error_at(&p, msg, Some(help.to_string()))])
    };
    if LatLon::new(lat, lon).is_none() {
        return Err(at(
            "lat",
            format!("impossible position {lat}, {lon}"),
            "a latitude is between -90 and 90 degrees, a longitude between -180 and 180",
        ));
    }
    Country::parse(country)
        .map(|c| c.as_str().to_string())
        .map_err(|e| {
            at(
                "country",
                e.to_string(),
                "use an ISO 3166-1 alpha-2 code such as SG",
            )
        })
}

/// Registers the landmarks and chips of a fleet file in `data`. The file is
/// checked whole first; an error names its line and key, and nothing is
/// registered. A chip already registered with another record is an error.
pub fn register(data: &Path, file: &Path) -> Result<RegisterReport> {
    let f = SourceFile::read(file)?;
    let parsed: FleetFile = toml::from_str(&f.text).map_err(|e| {
        Error::located(vec![DataError::new(
            &f,
            e.span(),
            None,
            e.message().to_string(),
            Some("see docs/location-verification.md for the fleet file".into()),
        )])
    })?;
    let mut landmarks = Vec::new();
    for (i, l) in parsed.landmark.iter().enumerate() {
        let idx = i.to_string();
        let country = place_ok(&f, &["landmark", &idx], l.lat, l.lon, &l.country)?;
        landmarks.push(LandmarkRow {
            id: l.id.clone(),
            name: l.name.clone(),
            lat: l.lat,
            lon: l.lon,
            country,
        });
    }
    let mut chips = Vec::new();
    for (i, c) in parsed.chip.iter().enumerate() {
        let idx = i.to_string();
        let s = &c.site;
        let country = place_ok(&f, &["chip", &idx, "site"], s.lat, s.lon, &s.country)?;
        if chipexport_locate::verifying_key(&c.public_key).is_none() {
            return Err(Error::located(vec![f.error_at(
                &["chip", &idx, "public_key"],
                format!("chip `{}`: the public key is not an Ed25519 key", c.serial),
                Some("give the 32-byte key as 64 hex digits".into()),
            )]));
        }
        chips.push(ChipRow {
            serial: c.serial.clone(),
            licence: c.licence.clone(),
            site_name: s.name.clone(),
            site_lat: s.lat,
            site_lon: s.lon,
            site_country: country,
            public_key: c.public_key.to_ascii_lowercase(),
        });
    }
    let mut fleet = Fleet::open(data)?;
    let mut r = RegisterReport {
        file: f.name.clone(),
        ..RegisterReport::default()
    };
    for c in &chips {
        if let Some(old) = fleet.chip(&c.serial)?
            && &old != c
        {
            return Err(Error::input(
                format!("chip `{}` is already registered with another licence, site or key", c.serial),
                "a registered chip keeps its record: a new licence needs a new registration record, not an edit",
            )
            .with_field("chip"));
        }
    }
    for l in &landmarks {
        if fleet.put_landmark(l)? {
            r.landmarks_changed += 1;
        } else {
            r.landmarks_unchanged += 1;
        }
    }
    for c in &chips {
        match fleet.put_chip(c)? {
            Registered::Added => r.chips_added += 1,
            _ => r.chips_unchanged += 1,
        }
    }
    Ok(r)
}

/// A batch to verify.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The batch: JSON Lines, one measurement record a line.
    pub batch: String,
    /// Its name, for errors and the log (default `batch.jsonl`).
    #[serde(default)]
    pub name: Option<String>,
    /// The verification time, RFC 3339 (default: now).
    #[serde(default)]
    pub at: Option<String>,
    /// The freshness window, seconds (default 3600).
    #[serde(default)]
    pub max_age_s: Option<u64>,
    /// The decisive bound: `vacuum` (default) or `fibre` (an assumption).
    #[serde(default)]
    pub bound: Option<Bound>,
}

/// One chip's verdict, as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct ChipVerification {
    /// The verdict.
    #[serde(flatten)]
    pub verdict: Verdict,
    /// The decision-log entry that records it.
    pub logged: i64,
}

/// The verdicts of a batch, one per chip, in order of first appearance.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// The batch's name.
    pub batch: String,
    /// Its SHA-256.
    pub batch_sha256: String,
    /// The verdicts.
    pub verdicts: Vec<ChipVerification>,
}

/// What a `locate` log entry's request holds.
#[derive(Serialize)]
struct LoggedLocate<'a> {
    version: u32,
    batch: &'a str,
    batch_sha256: &'a str,
    records: Vec<String>,
}

fn batch_error(f: &SourceFile, e: &chipexport_locate::BatchError) -> Error {
    Error::located(vec![DataError::new(
        f,
        Some(e.span.clone()),
        e.field.clone(),
        format!("line {}: {}", e.line, e.message),
        Some(e.help.clone()),
    )])
}

fn site_of(c: &ChipRow) -> Site {
    Site {
        name: c.site_name.clone(),
        position: LatLon {
            lat: c.site_lat,
            lon: c.site_lon,
        },
        country: c.site_country.clone(),
    }
}

fn micros(t: Timestamp) -> String {
    format!("{t:.6}")
}

/// Parses a time: RFC 3339, or a date (its start, UTC).
pub fn parse_time(s: &str, field: &str) -> Result<Timestamp> {
    s.parse::<Timestamp>()
        .or_else(|_| {
            s.parse::<jiff::civil::Date>()
                .and_then(|d| format!("{d}T00:00:00Z").parse::<Timestamp>())
        })
        .map_err(|e| {
            Error::input(
                format!("`{s}` is not a time: {e}"),
                "give an RFC 3339 time such as 2026-11-29T10:05:00Z, or a date",
            )
            .with_field(field)
        })
}

/// Verifies a batch against the fleet record in `data`, records each
/// chip's verdict in the decision log at `log` and in the fleet's
/// verifications, and keeps the nonces. `now` is the verification time
/// unless the request gives one.
pub fn verify(
    data: &Path,
    log: &LogLocation,
    req: &VerifyRequest,
    now: Timestamp,
) -> Result<VerifyReport> {
    let f = SourceFile::new(
        req.name.clone().unwrap_or_else(|| "batch.jsonl".into()),
        req.batch.clone(),
    );
    let records = chipexport_locate::parse_batch(&f.text).map_err(|e| batch_error(&f, &e))?;
    if records.is_empty() {
        return Err(Error::input(
            format!("`{}` has no measurement", f.name),
            "give one JSON record a line",
        )
        .with_field("batch"));
    }
    let at = match &req.at {
        Some(s) => parse_time(s, "at")?,
        None => now,
    };
    let policy = Policy {
        at,
        max_age_s: req.max_age_s.unwrap_or(DEFAULT_MAX_AGE_S),
        bound: req.bound.unwrap_or_default(),
        grid: 41,
        fibre_too: true,
    };
    let mut fleet = Fleet::open(data)?;
    let mut groups: Vec<(ChipRow, Vec<&Measurement>)> = Vec::new();
    for m in &records {
        if let Some(g) = groups.iter_mut().find(|(c, _)| c.serial == m.chip) {
            g.1.push(m);
            continue;
        }
        let Some(c) = fleet.chip(&m.chip)? else {
            let e = f.error_at(
                &["chip"],
                format!("line {}: chip `{}` is not registered", m.line, m.chip),
                Some("register it first: chipexport locate register FLEET.toml".into()),
            );
            return Err(Error::located(vec![e]));
        };
        groups.push((c, vec![m]));
    }
    let mut landmarks: BTreeMap<String, Option<Landmark>> = BTreeMap::new();
    for m in &records {
        if !landmarks.contains_key(&m.landmark.id) {
            let l = fleet.landmark(&m.landmark.id)?.map(|l| Landmark {
                id: l.id,
                site: Site {
                    name: l.name,
                    position: LatLon {
                        lat: l.lat,
                        lon: l.lon,
                    },
                    country: l.country,
                },
            });
            landmarks.insert(m.landmark.id.clone(), l);
        }
    }
    let nonces: Vec<String> = records.iter().map(Measurement::nonce_hex).collect();
    let seen: chipexport_locate::SeenNonces = fleet.used_nonces(&nonces)?.into_iter().collect();
    let lookup = |id: &str| landmarks.get(id).cloned().flatten();
    let sha = chipexport_store::sha256_hex(f.text.as_bytes());
    let mut verdicts = Vec::new();
    let mut entries = Vec::new();
    for (row, ms) in &groups {
        let key = chipexport_locate::verifying_key(&row.public_key).ok_or_else(|| {
            Error::environment(
                format!(
                    "chip `{}` has a damaged key in the fleet record",
                    row.serial
                ),
                "register the chip again in a new data directory",
            )
        })?;
        let chip = Chip {
            serial: row.serial.clone(),
            licence: row.licence.clone(),
            site: site_of(row),
            key,
        };
        let v = chipexport_locate::verify(&chip, ms, &lookup, &seen, &policy);
        let logged = LoggedLocate {
            version: 1,
            batch: &f.name,
            batch_sha256: &sha,
            records: ms.iter().map(|m| m.to_json_line()).collect(),
        };
        // The log's `rule_set_hash` holds what this verdict was decided
        // with: the chip's fleet record and the landmarks it used.
        let mut used: Vec<&Landmark> = ms
            .iter()
            .filter_map(|m| landmarks.get(&m.landmark.id))
            .flatten()
            .collect();
        used.sort_by(|a, b| a.id.cmp(&b.id));
        used.dedup_by(|a, b| a.id == b.id);
        let basis = serde_json::json!({
            "chip": [&row.serial, &row.licence, &row.site_name, row.site_lat, row.site_lon, &row.site_country, &row.public_key],
            "landmarks": used,
        });
        let fleet_hash = chipexport_store::sha256_hex(basis.to_string().as_bytes());
        entries.push(NewLogEntry {
            recorded_at: crate::clock::now_rfc3339(),
            kind: "locate".into(),
            request: serde_json::to_string(&logged).map_err(|e| Error::bug(e.to_string()))?,
            response: serde_json::to_string(&v).map_err(|e| Error::bug(e.to_string()))?,
            rule_set_hash: fleet_hash,
        });
        verdicts.push(v);
    }
    let logged = log.open()?.append_all(entries)?;
    let mut out = Vec::new();
    for ((v, (_, ms)), e) in verdicts.into_iter().zip(&groups).zip(&logged) {
        let row = VerificationRow {
            id: 0,
            serial: v.chip.clone(),
            licence: v.licence.clone(),
            measured_from: micros(v.measured_from),
            measured_to: micros(v.measured_to),
            verified_at: micros(v.at),
            outcome: v.outcome.as_str().into(),
            countries: v.countries.join(","),
            greatest_distance_km: v.placement.as_ref().and_then(|p| p.greatest_distance_km),
            log_id: e.id,
        };
        let used: Vec<(String, String)> = ms
            .iter()
            .map(|m| (m.nonce_hex(), m.landmark.id.clone()))
            .collect();
        fleet.record(&row, &used)?;
        out.push(ChipVerification {
            verdict: v,
            logged: e.id,
        });
    }
    Ok(VerifyReport {
        batch: f.name,
        batch_sha256: sha,
        verdicts: out,
    })
}

/// Whose verification to look up, and the period.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    /// A chip's serial.
    #[serde(default)]
    pub serial: Option<String>,
    /// A licence number (any of its chips).
    #[serde(default)]
    pub licence: Option<String>,
    /// The period's start: a date or an RFC 3339 time.
    pub from: String,
    /// The period's end: a date (through its end) or an RFC 3339 time.
    pub to: String,
}

/// The latest verification within a period, and whether it meets a
/// location-verification condition.
#[derive(Debug, Clone, Serialize)]
pub struct LocationStatus {
    /// The chip or licence looked up.
    pub subject: String,
    /// The period's start.
    pub from: Timestamp,
    /// The period's end.
    pub to: Timestamp,
    /// The latest verification whose measurements lie in the period.
    pub latest: Option<LatestVerification>,
    /// Met: the latest verification within the period is `verified_in`.
    pub met: bool,
    /// Why, in a sentence.
    pub reason: String,
}

/// A recorded verification, in short.
#[derive(Debug, Clone, Serialize)]
pub struct LatestVerification {
    /// The chip.
    pub serial: String,
    /// Its licence.
    pub licence: String,
    /// The outcome.
    pub outcome: String,
    /// The countries the chip may have been in.
    pub countries: Vec<String>,
    /// The earliest challenge.
    pub measured_from: String,
    /// The latest answer.
    pub measured_to: String,
    /// The greatest distance from the licensed site, km.
    pub greatest_distance_km: Option<f64>,
    /// The decision-log entry with the verdict in full.
    pub logged: i64,
}

/// The latest verification of a chip or a licence within `[from, to]`: the
/// fact a location-verification condition (the Chip Security Act's, or a
/// licence's) is met by, or not.
pub fn status(data: &Path, req: &StatusRequest) -> Result<LocationStatus> {
    let from = parse_time(&req.from, "from")?;
    let to = match req.to.parse::<jiff::civil::Date>() {
        Ok(d) => d
            .tomorrow()
            .and_then(|d| format!("{d}T00:00:00Z").parse::<Timestamp>())
            .map_err(|e| {
                Error::input(e.to_string(), "give a date or an RFC 3339 time").with_field("to")
            })?,
        Err(_) => parse_time(&req.to, "to")?,
    };
    let (subject, who) = match (&req.serial, &req.licence) {
        (Some(s), None) => (format!("chip {s}"), Subject::Serial(s)),
        (None, Some(l)) => (format!("licence {l}"), Subject::Licence(l)),
        _ => {
            return Err(Error::input(
                "give either a serial or a licence",
                "--serial SN-... or --licence D...",
            )
            .with_field("serial"));
        }
    };
    let fleet = Fleet::open(data)?;
    let latest = fleet.latest(who, &micros(from), &micros(to))?;
    let (met, reason) = match &latest {
        None => (
            false,
            format!("no verification of {subject} within the period"),
        ),
        Some(v) if v.outcome == "verified_in" => (
            true,
            format!("verified in {} ({})", v.countries, v.measured_to),
        ),
        Some(v) => (
            false,
            format!(
                "the latest verification within the period is {} ({})",
                v.outcome, v.measured_to
            ),
        ),
    };
    Ok(LocationStatus {
        subject,
        from,
        to,
        latest: latest.map(|v| LatestVerification {
            serial: v.serial,
            licence: v.licence,
            outcome: v.outcome,
            countries: v
                .countries
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            measured_from: v.measured_from,
            measured_to: v.measured_to,
            greatest_distance_km: v.greatest_distance_km,
            logged: v.log_id,
        }),
        met,
        reason,
    })
}

/// The simulator's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulateRequest {
    /// The seed.
    pub seed: u64,
    /// Chips per density and jitter.
    pub chips: usize,
    /// Share diverted (0 to 1).
    pub diverted_share: f64,
    /// Landmarks challenging each chip.
    pub landmarks_per_chip: usize,
    /// Jitter means, ms.
    pub jitters_ms: Vec<f64>,
    /// Densities (all when empty).
    #[serde(default)]
    pub densities: Vec<Density>,
}

/// The simulator's table.
#[derive(Debug, Clone, Serialize)]
pub struct SimReport {
    /// The settings.
    pub config: SimConfig,
    /// One row per density and jitter.
    pub rows: Vec<SimRow>,
}

/// Runs the fleet simulator.
pub fn simulate(req: &SimulateRequest) -> Result<SimReport> {
    if !(0.0..=1.0).contains(&req.diverted_share) {
        return Err(Error::input(
            format!(
                "the diverted share {} is not between 0 and 1",
                req.diverted_share
            ),
            "give a share such as 0.1",
        )
        .with_field("diverted_share"));
    }
    if req.landmarks_per_chip == 0 || req.chips == 0 || req.chips > 1_000_000 {
        return Err(Error::input(
            "give at least one chip (at most 1,000,000) and one landmark per chip",
            "e.g. --chips 2000 --landmarks 3",
        )
        .with_field("chips"));
    }
    if req.jitters_ms.iter().any(|j| !j.is_finite() || *j < 0.0) {
        return Err(Error::input(
            "a jitter must be a number of ms, 0 or more",
            "e.g. --jitter 0.05,0.5,2",
        )
        .with_field("jitters_ms"));
    }
    let config = SimConfig {
        seed: req.seed,
        chips: req.chips,
        diverted_share: req.diverted_share,
        landmarks_per_chip: req.landmarks_per_chip,
        densities: if req.densities.is_empty() {
            Density::ALL.to_vec()
        } else {
            req.densities.clone()
        },
        jitters_ms: req.jitters_ms.clone(),
        grid: 15,
    };
    let rows = chipexport_locate::sim::run(&config);
    Ok(SimReport { config, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> std::path::PathBuf {
        let d =
            std::env::temp_dir().join(format!("chipexport-locate-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let _ = std::fs::create_dir_all(&d);
        d
    }

    const CHIP: &str = "[[chip]]\nserial = \"SN-1\"\nlicence = \"D1\"\nsite = { name = \"S\", lat = 1.335, lon = 103.888, country = \"SG\" }\npublic_key = \"KEY\"\n";

    fn fleet(dir: &Path, text: &str) -> Result<RegisterReport> {
        let f = dir.join("fleet.toml");
        std::fs::write(&f, text).map_err(|e| Error::bug(e.to_string()))?;
        register(&dir.join("data"), &f)
    }

    #[test]
    fn a_bad_fleet_file_is_refused_with_its_line_and_key() -> Result<()> {
        let dir = tmp("fleet");
        let key = chipexport_locate::record::hex(
            chipexport_locate::key_from_seed("SN-1")
                .verifying_key()
                .as_bytes(),
        );
        let good = CHIP.replace("KEY", &key);
        assert_eq!(fleet(&dir, &good)?.chips_added, 1);
        assert_eq!(fleet(&dir, &good)?.chips_unchanged, 1);
        let cases = [
            (
                good.replace("lat = 1.335", "lat = 99.0"),
                "chip.0.site.lat",
                4,
                "impossible position",
            ),
            (
                good.replace("country = \"SG\"", "country = \"Atlantis\""),
                "chip.0.site.country",
                4,
                "Atlantis",
            ),
            (
                CHIP.replace("KEY", "abcd"),
                "chip.0.public_key",
                5,
                "not an Ed25519 key",
            ),
        ];
        for (text, key, line, msg) in cases {
            let e = fleet(&dir, &text).err();
            let located = e.as_ref().and_then(|e| e.located_errors().first());
            assert_eq!(located.and_then(|l| l.key.as_deref()), Some(key), "{e:?}");
            assert_eq!(located.and_then(|l| l.line), Some(line), "{e:?}");
            assert!(
                e.as_ref().is_some_and(|e| e.message().contains(msg)),
                "{e:?}"
            );
        }
        let unknown = fleet(&dir, &format!("{good}colour = \"red\"\n")).err();
        assert!(unknown.is_some_and(|e| e.message().contains("colour")));
        let moved = good.replace("D1", "D2");
        let e = fleet(&dir, &moved).err();
        assert!(e.is_some_and(|e| e.message().contains("already registered")));
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }

    #[test]
    fn a_batch_for_an_unregistered_chip_or_without_records_is_an_input_error() -> Result<()> {
        let dir = tmp("unregistered");
        let empty = VerifyRequest {
            batch: "\n\n".into(),
            ..VerifyRequest::default()
        };
        let e = verify(&dir, &LogLocation::dir(&dir), &empty, Timestamp::UNIX_EPOCH).err();
        assert!(e.is_some_and(|e| e.message().contains("no measurement")));
        let mut m = chipexport_locate::sim::measure(
            &chipexport_locate::sim::chip(
                1,
                &Site {
                    name: "S".into(),
                    position: LatLon {
                        lat: 1.3,
                        lon: 103.8,
                    },
                    country: "SG".into(),
                },
            ),
            &Landmark {
                id: "l".into(),
                site: Site {
                    name: "L".into(),
                    position: LatLon {
                        lat: 1.31,
                        lon: 103.81,
                    },
                    country: "SG".into(),
                },
            },
            &LatLon {
                lat: 1.3,
                lon: 103.8,
            },
            Timestamp::UNIX_EPOCH,
            &chipexport_locate::sim::Network::with_jitter(0.0),
            0.0,
            &mut chipexport_locate::sim::Rng::new(1),
        );
        m.line = 1;
        let req = VerifyRequest {
            batch: m.to_json_line(),
            ..VerifyRequest::default()
        };
        let e = verify(&dir, &LogLocation::dir(&dir), &req, Timestamp::UNIX_EPOCH).err();
        assert!(
            e.as_ref()
                .is_some_and(|e| e.message().contains("`SIM-00001` is not registered")),
            "{e:?}"
        );
        assert_eq!(e.map(|e| e.fault()), Some(chipexport_domain::Fault::Input));
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }
}
