//! `chipexport serve`: the web UI and the JSON API.

use std::io::Write as _;

use chipexport::{Error, Result};

use super::{Ctx, Output};
use crate::args::LogArgs;

/// The options of `serve`.
#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on (loopback by default).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: String,
    #[command(flatten)]
    log: LogArgs,
    /// Largest ledger upload accepted, in MiB.
    #[arg(long, default_value_t = 256)]
    max_upload_mib: usize,
}

/// Runs `serve` until Ctrl-C.
pub fn run(a: &Args, ctx: &Ctx) -> Result<Output> {
    let data = &a.log.data;
    let log = a.log.location().open()?;
    let token = chipexport_server::load_or_create_token(data).map_err(|e| {
        Error::environment(
            format!(
                "cannot read or create the token in `{}`: {e}",
                data.display()
            ),
            "check the --data directory, or set CHIPEXPORT_TOKEN",
        )
        .with_source(e)
    })?;
    let (jobs, recovery) = chipexport_server::jobs::Jobs::open(data)?;
    let state = std::sync::Arc::new(chipexport_server::AppState {
        app: chipexport::App::embedded()?
            .with_screening_data(data)
            .with_review_log(a.log.location()),
        clock: ctx.clock,
        log: chipexport_server::LogWriter::start(log),
        log_location: a.log.location(),
        data: data.clone(),
        token: token.clone(),
        jobs,
        upload_limit: a.max_upload_mib.saturating_mul(1024 * 1024),
        answers: chipexport_server::answers::Answers::default(),
    });
    let rt = super::runtime(None)?;
    let data_dir = data.display().to_string();
    let addr = &a.addr;
    rt.block_on(chipexport_server::serve(addr, state, |bound| {
        // Standard error may be closed by whoever started us: never fail
        // (or panic) over it.
        let _ = writeln!(
            std::io::stderr(),
            "chipexport {} serving http://{bound}/?token={token}\n  open that address in a browser; the API is at http://{bound}/api/v1 (described at /api/v1/openapi.json)\n  decision log in {data_dir}; uploads need the token above (kept in {data_dir}/token); Ctrl-C stops",
            env!("CARGO_PKG_VERSION")
        );
        if !recovery.interrupted.is_empty() || !recovery.removed.is_empty() {
            let _ = writeln!(
                std::io::stderr(),
                "  jobs: {} interrupted by the last stop (marked so), {} unacknowledged uploads removed",
                recovery.interrupted.len(),
                recovery.removed.len()
            );
        }
    }))
    .map_err(|e| {
        Error::environment(format!("cannot serve on `{addr}`: {e}"), "is the address free? try another with --addr")
            .with_source(e)
    })?;
    Ok(Output::text(String::new()))
}
