//! `chipexport locate`: where is the chip. Register a fleet (landmarks and
//! chips), verify a batch of signed delay measurements, look up the latest
//! verification of a chip or licence, and run the fleet simulator.

use std::path::PathBuf;

use chipexport::locate::{
    LocationStatus, RegisterReport, SimReport, SimulateRequest, StatusRequest, VerifyReport,
    VerifyRequest,
};
use chipexport::{Error, Result};
use chipexport_locate::Bound;
use chipexport_locate::sim::Density;

use super::{Ctx, Output, render};
use crate::args::LogArgs;

/// The `locate` subcommands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Register landmarks and chips (serial, licence, licensed site,
    /// public key) from a fleet file (TOML) in the data directory. The file
    /// is checked whole first; a chip keeps its first record.
    Register {
        /// The fleet file.
        file: PathBuf,
        /// The data directory.
        #[arg(long, value_name = "DIR", default_value = "chipexport-data")]
        data: PathBuf,
    },
    /// Verify a batch of measurements (JSON Lines: one signed challenge
    /// and answer a line). Each chip gets verified_in, ambiguous,
    /// inconsistent, stale or bad_signature, with an explanation; the
    /// verdict is recorded in the decision log (kind `locate`) and its
    /// nonces are kept, so a replay is refused.
    Verify {
        /// The batch.
        file: PathBuf,
        #[command(flatten)]
        log: LogArgs,
        /// The verification time, RFC 3339 [default: now].
        #[arg(long)]
        at: Option<String>,
        /// The freshness window, seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = chipexport::locate::DEFAULT_MAX_AGE_S)]
        max_age: u64,
        /// Decide with the speed of light in fibre (an assumption) instead
        /// of in vacuum.
        #[arg(long)]
        assume_fibre: bool,
        /// Also draw the first chip's feasible region to this SVG file.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
    },
    /// The latest verification of a chip or a licence within a period, and
    /// whether it meets a location-verification condition.
    Status {
        /// A chip's serial.
        #[arg(long, conflicts_with = "licence", required_unless_present = "licence")]
        serial: Option<String>,
        /// A licence number.
        #[arg(long)]
        licence: Option<String>,
        /// The period's start (a date or an RFC 3339 time).
        #[arg(long)]
        from: String,
        /// The period's end (a date, through its end, or a time).
        #[arg(long)]
        to: String,
        /// The data directory.
        #[arg(long, value_name = "DIR", default_value = "chipexport-data")]
        data: PathBuf,
    },
    /// Simulate a fleet (chips at licensed sites in SG, MY, AE, IN; some
    /// diverted to Shenzhen, Beijing, Shanghai by adversaries that answer
    /// directly, add delay, relay or replay) and report the detection and
    /// false-alarm rates by landmark density and jitter. Deterministic for a
    /// seed.
    Simulate {
        /// The seed.
        #[arg(long, default_value_t = 15)]
        seed: u64,
        /// Chips per density and jitter.
        #[arg(long, default_value_t = 2000)]
        chips: usize,
        /// Share of chips diverted.
        #[arg(long, default_value_t = 0.2)]
        diverted: f64,
        /// Landmarks challenging each chip (the nearest to its site).
        #[arg(long, default_value_t = 3)]
        landmarks: usize,
        /// Jitter means, ms, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "0.02,0.2,1,5")]
        jitter: Vec<f64>,
        /// Landmark densities, comma-separated [default: all].
        #[arg(long, value_delimiter = ',', value_parser = density)]
        density: Vec<Density>,
    },
}

fn density(s: &str) -> std::result::Result<Density, String> {
    Density::ALL
        .into_iter()
        .find(|d| d.as_str() == s)
        .ok_or_else(|| "one of sparse, medium, dense, metro".to_string())
}

/// Runs a `locate` subcommand.
pub fn run(c: &Command, ctx: &Ctx) -> Result<Output> {
    match c {
        Command::Register { file, data } => render(
            ctx,
            &chipexport::locate::register(data, file)?,
            register_table,
        ),
        Command::Verify {
            file,
            log,
            at,
            max_age,
            assume_fibre,
            svg,
        } => {
            let text = std::fs::read_to_string(file).map_err(|e| {
                Error::input(
                    format!("cannot read `{}`: {e}", file.display()),
                    "check the path",
                )
                .with_source(e)
            })?;
            let req = VerifyRequest {
                batch: text,
                name: Some(file.display().to_string()),
                at: at.clone(),
                max_age_s: Some(*max_age),
                bound: Some(if *assume_fibre {
                    Bound::Fibre
                } else {
                    Bound::Vacuum
                }),
            };
            let r = chipexport::locate::verify(
                &log.data,
                &log.location(),
                &req,
                jiff::Timestamp::now(),
            )?;
            if let (Some(path), Some(v)) = (svg, r.verdicts.first()) {
                chipexport::write_file(path, chipexport::locate::map::svg(&v.verdict).as_bytes())?;
            }
            render(ctx, &r, verify_table)
        }
        Command::Status {
            serial,
            licence,
            from,
            to,
            data,
        } => {
            let req = StatusRequest {
                serial: serial.clone(),
                licence: licence.clone(),
                from: from.clone(),
                to: to.clone(),
            };
            render(ctx, &chipexport::locate::status(data, &req)?, status_table)
        }
        Command::Simulate {
            seed,
            chips,
            diverted,
            landmarks,
            jitter,
            density,
        } => {
            let req = SimulateRequest {
                seed: *seed,
                chips: *chips,
                diverted_share: *diverted,
                landmarks_per_chip: *landmarks,
                jitters_ms: jitter.clone(),
                densities: density.clone(),
            };
            render(ctx, &chipexport::locate::simulate(&req)?, sim_table)
        }
    }
}

fn register_table(r: &RegisterReport) -> String {
    format!(
        "{}: {} landmark(s) added or moved, {} unchanged; {} chip(s) added, {} unchanged",
        r.file, r.landmarks_changed, r.landmarks_unchanged, r.chips_added, r.chips_unchanged
    )
}

/// The verdicts as text.
pub fn verify_table(r: &VerifyReport) -> String {
    let mut s = String::new();
    for c in &r.verdicts {
        let v = &c.verdict;
        s += &format!(
            "chip {} (licence {}, licensed site {}, {}): {}{}\n",
            v.chip,
            v.licence,
            v.site.name,
            v.site.country,
            v.outcome.as_str(),
            match (&v.country, v.countries.is_empty()) {
                (Some(c), _) => format!(" {c}"),
                (None, false) => format!(" ({})", v.countries.join(", ")),
                (None, true) => String::new(),
            }
        );
        for line in &v.explanation {
            s += &format!("  - {line}\n");
        }
        s += &format!("  logged as decision {}\n", c.logged);
    }
    s
}

fn status_table(s: &LocationStatus) -> String {
    format!(
        "{} from {} to {}: {} — {}",
        s.subject,
        s.from,
        s.to,
        if s.met { "met" } else { "not met" },
        s.reason
    )
}

/// The simulator's table, as Markdown.
pub fn sim_table(r: &SimReport) -> String {
    let c = &r.config;
    let mut s = format!(
        "seed {}, {} chips per row ({:.0}% diverted), {} landmarks per chip, vacuum bound\n\n| density | landmarks | jitter ms | honest | false alarms | false-alarm rate | diverted | detected | detection rate | false-alarm rate, fibre assumed | detection rate, fibre assumed | extracted key: detected |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        c.seed,
        c.chips,
        c.diverted_share * 100.0,
        c.landmarks_per_chip
    );
    for row in &r.rows {
        s += &format!(
            "| {} | {} | {} | {} | {} | {:.1}% | {} | {} | {:.1}% | {:.1}% | {:.1}% | {}/{} |\n",
            row.density.as_str(),
            row.landmarks,
            row.jitter_ms,
            row.honest,
            row.false_alarms,
            row.false_alarm_rate * 100.0,
            row.diverted,
            row.detected,
            row.detection_rate * 100.0,
            pct(row.false_alarms_fibre, row.honest),
            pct(row.detected_fibre, row.diverted),
            row.extracted_key.1,
            row.extracted_key.0
        );
    }
    s
}

fn pct(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 * 100.0 / b as f64
    }
}
