//! `screen --engine datafusion|ballista`: the exported decision query on
//! Apache DataFusion, here or on a Ballista cluster. DataFusion is a long
//! build, so it stays in this leaf crate behind a feature.

use chipexport::Result;

use super::screen::{Args, Engine};
use super::{Ctx, Output};

/// A usage error (exit 2) for a flag combination clap cannot express.
fn usage_error(message: String) -> ! {
    use clap::CommandFactory;
    crate::cli::Cli::command()
        .error(clap::error::ErrorKind::ArgumentConflict, message)
        .exit()
}

/// Runs `screen` on another engine.
pub fn run(a: &Args, ctx: &Ctx) -> Result<Output> {
    let name = match a.engine {
        Engine::Native => usage_error(
            "--compare-with checks another engine against `screen`: add --engine datafusion or --engine ballista".into(),
        ),
        Engine::Datafusion => "datafusion",
        Engine::Ballista => "ballista",
    };
    if a.on.is_some() {
        usage_error(format!(
            "--on cannot be used with --engine {name}: the exported query decides each order on its ship_date; use --engine native"
        ));
    }
    if a.scheduler.is_some() && a.engine != Engine::Ballista {
        usage_error("--scheduler is for --engine ballista".into());
    }
    without_parties(a, name)?;
    if (a.engine == Engine::Datafusion && !cfg!(feature = "datafusion"))
        || (a.engine == Engine::Ballista && !cfg!(feature = "ballista"))
    {
        usage_error(format!(
            "this chipexport was built without the `{name}` engine; build it with `cargo build --release -p chipexport-cli --features {name}`"
        ));
    }
    #[cfg(feature = "datafusion")]
    {
        datafusion::run(a, ctx, name)
    }
    #[cfg(not(feature = "datafusion"))]
    {
        let _ = ctx;
        Err(chipexport::Error::bug(format!(
            "the `{name}` engine is not built in"
        )))
    }
}

/// The exported query decides without the parties: a ledger that names
/// parties is refused unless --no-parties says so, and it is compared only
/// with a native run that did not screen them either.
fn without_parties(a: &Args, name: &str) -> Result<()> {
    let cols = chipexport::ledger::name_columns(&a.ledger)?;
    if !a.no_parties && !cols.is_empty() {
        return Err(chipexport::Error::input(
            format!(
                "`{}` names parties ({}), which the exported query on {name} does not screen",
                a.ledger.display(),
                cols.join(", ")
            ),
            "screen the parties with --engine native, or add --no-parties to decide without them (as `screen --no-parties` does)",
        )
        .with_field("no_parties"));
    }
    if let Some(s) = &a.compare_with
        && chipexport::ledger::screened_with_parties(s)?
    {
        return Err(chipexport::Error::input(
            format!(
                "`{}` was screened with its parties; {name} decides without them, so the two would differ on every listed party",
                s.display()
            ),
            "compare with the output of `chipexport screen --no-parties`",
        )
        .with_field("compare_with"));
    }
    Ok(())
}

#[cfg(feature = "datafusion")]
mod datafusion {
    use std::fmt::Write as _;
    use std::path::PathBuf;

    use chipexport::{Error, Result};
    use chipexport_datafusion as df;
    use serde::Serialize;

    use super::super::screen::{Args, Engine};
    use super::super::{Ctx, Output, render};

    /// An engine run, with its agreement with a native `screen` output.
    #[derive(Serialize)]
    struct EngineReport {
        engine: &'static str,
        summary: df::RunSummary,
        seconds: f64,
        out: PathBuf,
        rule_set_hash: String,
        agreement: Option<AgreementReport>,
    }

    #[derive(Serialize)]
    struct AgreementReport {
        with: PathBuf,
        agreeing: u64,
        differing: u64,
        engine_rows: u64,
        screen_rows: u64,
        first_differences: Vec<String>,
        #[serde(skip)]
        text: String,
    }

    fn engine_error(e: df::Error) -> Error {
        let (message, help) = (e.message().to_string(), e.help().to_string());
        Error::new(e.fault(), message, help).with_source(e)
    }

    pub fn run(a: &Args, ctx: &Ctx, name: &'static str) -> Result<Output> {
        let app = a.rules.app()?;
        let sql = df::decision_sql(
            app.rules(),
            app.catalog(),
            a.rules.mode(),
            &a.rules.with_packs,
        );
        // Planning and shipping the query's plan recurse deeply: large stacks.
        let rt = super::super::runtime(Some(64 << 20))?;
        let started = std::time::Instant::now();
        let summary = rt
            .block_on(async {
                let ctx = match a.engine {
                    #[cfg(feature = "ballista")]
                    Engine::Ballista => {
                        df::cluster::ballista_context(a.scheduler.as_deref().unwrap_or_default())
                            .await?
                    }
                    _ => df::local_context(),
                };
                df::register_ledger(&ctx, &a.ledger).await?;
                df::run_to_file(&ctx, &sql, &a.out).await
            })
            .map_err(engine_error)?;
        let seconds = started.elapsed().as_secs_f64();
        let agreement = match &a.compare_with {
            Some(screened) => {
                let ag = df::compare_files(&a.out, screened).map_err(engine_error)?;
                if !ag.all_agree() {
                    return Err(Error::input(
                        format!(
                            "{name} and `screen` ({}) differ on {} orders",
                            screened.display(),
                            ag.differing
                        ),
                        ag.to_string(),
                    ));
                }
                Some(AgreementReport {
                    with: screened.clone(),
                    agreeing: ag.agreeing,
                    differing: ag.differing,
                    engine_rows: ag.engine_rows,
                    screen_rows: ag.native_rows,
                    first_differences: ag
                        .first_differences
                        .iter()
                        .map(ToString::to_string)
                        .collect(),
                    text: ag.to_string(),
                })
            }
            None => None,
        };
        let r = EngineReport {
            engine: name,
            summary,
            seconds,
            out: a.out.clone(),
            rule_set_hash: app.rules().hash().to_string(),
            agreement,
        };
        render(ctx, &r, table)
    }

    fn table(r: &EngineReport) -> String {
        let mut o = format!(
            "decided {} rows on {} into {} in {:.2} s ({:.0} rows/s)\n",
            r.summary.rows,
            r.engine,
            r.out.display(),
            r.seconds,
            r.summary.rows as f64 / r.seconds.max(1e-9),
        );
        let _ = writeln!(o, "  licence required: {}", r.summary.license_required);
        let _ = writeln!(o, "  cannot decide: {}", r.summary.undetermined);
        let _ = writeln!(
            o,
            "  presumption of denial: {}",
            r.summary.presumption_of_denial
        );
        let _ = writeln!(o, "  rule set sha256 {}", r.rule_set_hash);
        if let Some(ag) = &r.agreement {
            let _ = writeln!(o, "  against `{}`: {}", ag.with.display(), ag.text);
        }
        o
    }
}
