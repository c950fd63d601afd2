//! The `chipexport` command.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use chipexport_catalog::{Catalog, Entry};
use chipexport_domain::{ChipSpec, Country, DataError, Date, Metrics, SourceFile, fmt_num};
use chipexport_rules::facts::{BUYER_TYPES, EXPORTER_ROLES};
use chipexport_rules::{Mode, Question, RuleSet, explain};
use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
EXIT CODES:
    0   answered
    1   bad input (a spec, a flag value, an unknown chip or country)
    2   usage error (unknown flag or missing argument)
    3   invalid rule packs or reference data
    4   internal error (a bug in chipexport: please report it)
   10   with `check --exit-code`: answered, and a US licence is required

DATES:
    Every answer is for a date. `--on` defaults to today (UTC); set
    CHIPEXPORT_TODAY=YYYY-MM-DD to freeze \"today\" for reproducible runs.

EXAMPLES:
    chipexport metrics --chip H20
    chipexport check --chip H20 --to CN --on 2025-05-01
    chipexport check --spec my-design.toml --to SG --end-user-hq CN
    chipexport timeline --chip H20 --to CN
    chipexport rules list --on 2024-06-01
    chipexport rules test";

/// chipexport: may this AI accelerator go to this buyer, in this country, on
/// this date? Answers with legal citations, from export-control rules kept as
/// dated, cited data.
#[derive(Parser)]
#[command(name = "chipexport", version, about, long_about = None, after_help = AFTER_HELP)]
struct Cli {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = OutFormat::Table)]
    format: OutFormat,
    /// How errors are printed on standard error.
    #[arg(long, global = true, value_enum, default_value_t = ErrorFormat::Human)]
    error_format: ErrorFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutFormat {
    Table,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ErrorFormat {
    Human,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Control metrics of a chip (TPP, performance density, bandwidths),
    /// with the arithmetic and the source of every input.
    Metrics(ItemArgs),
    /// The chip catalog.
    #[command(subcommand)]
    Chips(ChipsCmd),
    /// May this chip go to this destination and buyer on this date?
    Check(CheckArgs),
    /// How the answer changes over time: intervals with the instrument that
    /// opened each.
    Timeline(TimelineArgs),
    /// How much performance fits under the lines: for each knob, the limit
    /// that keeps a target outcome, the margin, and the rule that binds.
    Headroom(HeadroomArgs),
    /// Chips side by side for one destination and date: metrics, US status,
    /// the destination's measures, and the verdict.
    Compare(CompareArgs),
    /// The rule packs: list, show, test.
    #[command(subcommand)]
    Rules(RulesCmd),
    /// Screen an order ledger (CSV, Parquet or JSON Lines): every row gets
    /// the answer `check` gives, plus an `error` column when it cannot be
    /// decided.
    Screen(ScreenArgs),
    /// The impact of a rule change on a ledger: orders that change outcome,
    /// and units and value newly needing a licence, newly facing a
    /// presumption of denial, newly owing a revenue share, or freed.
    Impact(ImpactArgs),
    /// Order ledgers: generate synthetic ones for tests and benchmarks.
    #[command(subcommand)]
    Ledger(LedgerCmd),
    /// The decision log: verify its hash chain, replay an entry.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Serve the web UI (chart, chip, check, rules and ledger pages) and the
    /// JSON API (under /api/v1, described at /api/v1/openapi.json), recording
    /// every decision in the data directory's decision log.
    ///
    /// Reading is open; uploading a ledger needs the service's token: the
    /// value of CHIPEXPORT_TOKEN, else DATA/token, else a new random token
    /// written there. The address printed at start carries it.
    Serve {
        /// Address to listen on (loopback by default).
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// The data directory (created on first run).
        #[arg(long, default_value = "chipexport-data")]
        data: PathBuf,
        /// Largest ledger upload accepted, in MiB.
        #[arg(long, default_value_t = 256)]
        max_upload_mib: usize,
        /// Keep the decision log in PostgreSQL at this URL instead of the
        /// data directory (needs a build with `--features postgres`).
        #[arg(long, env = "CHIPEXPORT_DATABASE_URL", value_name = "URL")]
        database_url: Option<String>,
    },
}

#[derive(Args, Clone)]
#[group(required = true, multiple = false)]
struct ItemArgs {
    /// A catalog id or model name (e.g. H20, A800, "RTX 4090", MI308X).
    #[arg(long)]
    chip: Option<String>,
    /// A spec file (TOML or JSON; see docs/spec-format.md).
    #[arg(long)]
    spec: Option<PathBuf>,
}

#[derive(Subcommand)]
enum ChipsCmd {
    /// Every catalog entry with its metrics.
    List,
    /// One entry: spec, metrics with derivation, sources.
    Show {
        /// Catalog id or model name.
        id: String,
    },
}

#[derive(Args, Clone)]
struct QuestionArgs {
    /// Destination country (ISO 3166 alpha-2, e.g. CN, SG, MO).
    #[arg(long)]
    to: String,
    /// Headquarters of the end user or its ultimate parent [default: the destination].
    #[arg(long)]
    end_user_hq: Option<String>,
    /// Exporting country.
    #[arg(long, default_value = "US")]
    from: String,
    /// Kind of buyer, when measures depend on it.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(BUYER_TYPES))]
    buyer_type: Option<String>,
    /// Role of the exporter, when rules depend on it.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(EXPORTER_ROLES))]
    exporter_role: Option<String>,
    /// Whether the item is subject to the US EAR, when that does not follow
    /// from the facts (it does for exports from the US and US-designed
    /// items). Foreign-made items can be, e.g. under the foreign direct
    /// product rules.
    #[arg(long, value_name = "true|false")]
    subject_to_ear: Option<bool>,
    /// Apply what is enforced (the default).
    #[arg(long, conflicts_with = "as_written")]
    enforced: bool,
    #[command(flatten)]
    rules: RulesArgs,
}

/// Which rules apply: enforcement mode, bills, extra pack files.
#[derive(Args, Clone)]
struct RulesArgs {
    /// Apply instruments as printed, even those not enforced.
    #[arg(long)]
    as_written: bool,
    /// Also apply a proposed instrument (a bill) by pack id, as if in force.
    #[arg(long = "with-pack", value_name = "PACK_ID")]
    with_packs: Vec<String>,
    /// Load an extra rule pack file (a hypothetical or your own instrument).
    #[arg(long = "rules", value_name = "FILE")]
    rule_files: Vec<PathBuf>,
}

#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    item: ItemArgs,
    #[command(flatten)]
    q: QuestionArgs,
    /// Date of the question, YYYY-MM-DD [default: today].
    #[arg(long)]
    on: Option<String>,
    /// Exit with 10 when a US licence is required.
    #[arg(long)]
    exit_code: bool,
    /// Record the decision in the decision log of this data directory.
    #[arg(long, value_name = "DIR")]
    log: Option<PathBuf>,
}

#[derive(Args)]
struct TimelineArgs {
    #[command(flatten)]
    item: ItemArgs,
    #[command(flatten)]
    q: QuestionArgs,
    /// First date of the timeline.
    #[arg(long, default_value = "2022-01-01")]
    since: String,
}

#[derive(Args)]
struct CompareArgs {
    /// Catalog ids or model names.
    chips: Vec<String>,
    /// Also compare every catalog chip designed in the destination country
    /// (domestic supply, which needs no export).
    #[arg(long)]
    domestic: bool,
    #[command(flatten)]
    q: QuestionArgs,
    /// Date of the question, YYYY-MM-DD [default: today].
    #[arg(long)]
    on: Option<String>,
}

#[derive(Args)]
struct HeadroomArgs {
    #[command(flatten)]
    item: ItemArgs,
    #[command(flatten)]
    q: QuestionArgs,
    /// Date of the question, YYYY-MM-DD [default: today].
    #[arg(long)]
    on: Option<String>,
    /// The outcome to keep.
    #[arg(long, default_value = "no_license", value_parser = ["no_license", "case_by_case", "any_license_path"])]
    target: String,
    /// Knobs to vary, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "throughput,die_area,memory_bandwidth,interconnect", value_parser = ["throughput", "die_area", "memory_bandwidth", "interconnect"])]
    vary: Vec<String>,
}

#[derive(Args)]
struct ScreenArgs {
    /// The ledger to screen (.csv, .parquet or .jsonl).
    ledger: PathBuf,
    /// Where to write the screened ledger (.csv, .parquet or .jsonl).
    #[arg(long)]
    out: PathBuf,
    /// Evaluate every order on this date instead of its ship_date.
    #[arg(long)]
    on: Option<String>,
    #[command(flatten)]
    rules: RulesArgs,
    /// native: chipexport's own screening, every column. datafusion: the
    /// exported decision query (`rules sql`) on Apache DataFusion, writing
    /// its columns. ballista: that query on a Ballista cluster (--scheduler).
    /// The last two need a build with `--features datafusion` or `ballista`.
    #[arg(long, value_enum, default_value_t = ScreenEngine::Native)]
    engine: ScreenEngine,
    /// With --engine ballista: the cluster's scheduler, df://HOST:PORT. The
    /// ledger must be readable at the same path by every executor.
    #[arg(
        long,
        value_name = "df://HOST:PORT",
        required_if_eq("engine", "ballista")
    )]
    scheduler: Option<String>,
    /// With --engine datafusion or ballista: compare every order with this
    /// output of a native `screen` run; exit 1 if any differs.
    #[arg(long, value_name = "SCREENED")]
    compare_with: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ScreenEngine {
    Native,
    Datafusion,
    Ballista,
}

#[derive(Args)]
struct ImpactArgs {
    /// The ledger (.csv, .parquet or .jsonl).
    ledger: PathBuf,
    /// The scenario before: a date (every order on that date, current
    /// rules), or a rule pack file to add to the rules.
    #[arg(long)]
    before: String,
    /// The scenario after: a date, or a rule pack file (e.g. a bill's
    /// thresholds) to add to the rules.
    #[arg(long)]
    after: String,
    /// Also write the changed orders to this CSV file.
    #[arg(long)]
    changes_csv: Option<PathBuf>,
    /// Also write a one-page HTML report with a chart to this file.
    #[arg(long)]
    html: Option<PathBuf>,
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Check the hash chain of the decision log; names the first broken entry.
    Verify {
        /// The data directory.
        #[arg(long, default_value = "chipexport-data")]
        data: PathBuf,
        /// Keep the decision log in PostgreSQL at this URL instead of the
        /// data directory (needs a build with `--features postgres`).
        #[arg(long, env = "CHIPEXPORT_DATABASE_URL", value_name = "URL")]
        database_url: Option<String>,
    },
    /// Re-decide a logged question with today's rules and show any difference.
    Replay {
        /// The entry's id.
        id: i64,
        /// The data directory.
        #[arg(long, default_value = "chipexport-data")]
        data: PathBuf,
        /// Keep the decision log in PostgreSQL at this URL instead of the
        /// data directory (needs a build with `--features postgres`).
        #[arg(long, env = "CHIPEXPORT_DATABASE_URL", value_name = "URL")]
        database_url: Option<String>,
    },
    /// Append synthetic entries, printing each id once it is durable (for
    /// crash tests).
    #[command(hide = true)]
    Stress {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        count: u64,
    },
}

#[derive(Subcommand)]
enum LedgerCmd {
    /// Write a synthetic ledger (made-up orders; deterministic per seed).
    Generate {
        /// Number of rows.
        #[arg(long)]
        rows: u64,
        /// Output file (.csv, .parquet or .jsonl).
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// mixed: catalog chips to many destinations, 2022-2026; h20-china:
        /// H20-heavy orders to China in 2025.
        #[arg(long, default_value = "mixed", value_parser = ["mixed", "h20-china"])]
        profile: String,
    },
}

#[derive(Subcommand)]
enum RulesCmd {
    /// The packs, or those in force on a date.
    List {
        /// Only packs in force on this date.
        #[arg(long)]
        on: Option<String>,
    },
    /// One pack with its rules and citations.
    Show {
        /// Pack id (see `rules list`).
        id: String,
    },
    /// The rules reference page in Markdown (docs/rules-reference.md).
    Doc,
    /// The whole decision as one SQL query over a table `ledger`, for a SQL
    /// engine of your own (the same answers as `screen`).
    Sql {
        /// SQL dialect: ansi (DataFusion, DuckDB) or sqlite.
        #[arg(long, default_value = "ansi", value_parser = ["ansi", "sqlite"])]
        dialect: String,
        /// Apply instruments as printed, even those not enforced.
        #[arg(long)]
        as_written: bool,
        /// Also apply a proposed instrument (a bill) by pack id.
        #[arg(long = "with-pack", value_name = "PACK_ID")]
        with_packs: Vec<String>,
    },
    /// Run every pack's own test cases.
    Test {
        /// Only this pack.
        #[arg(long)]
        pack: Option<String>,
        /// Also load these pack files.
        #[arg(long = "rules", value_name = "FILE")]
        rule_files: Vec<PathBuf>,
    },
}

/// Errors, by who is at fault; each maps to an exit code.
enum Failure {
    Input(Vec<DataError>),
    Message { message: String, help: String },
    Rules(Vec<DataError>),
    Internal(String),
}

impl Failure {
    fn msg(message: impl Into<String>, help: impl Into<String>) -> Failure {
        Failure::Message {
            message: message.into(),
            help: help.into(),
        }
    }
}

fn today() -> Result<Date, Failure> {
    if let Ok(t) = std::env::var("CHIPEXPORT_TODAY") {
        return chipexport_domain::parse_date(&t).map_err(|m| {
            Failure::msg(
                format!("CHIPEXPORT_TODAY: {m}"),
                "set it to a date such as 2026-11-29, or unset it",
            )
        });
    }
    Ok(jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date())
}

fn date_arg(flag: &str, s: &str) -> Result<Date, Failure> {
    chipexport_domain::parse_date(s).map_err(|m| {
        Failure::msg(
            format!("--{flag}: {m}"),
            "write dates as YYYY-MM-DD, e.g. 2025-05-01",
        )
    })
}

fn country_arg(flag: &str, s: &str) -> Result<Country, Failure> {
    Country::parse(s).map_err(|e| Failure::msg(format!("--{flag}: {e}"), e.help()))
}

fn catalog() -> Result<Catalog, Failure> {
    Catalog::embedded().map_err(Failure::Rules)
}

fn ruleset(extra: &[PathBuf]) -> Result<RuleSet, Failure> {
    let mut files = Vec::new();
    for p in extra {
        files.push(SourceFile::read(p).map_err(|e| Failure::Input(vec![*e]))?);
    }
    if files.is_empty() {
        RuleSet::embedded()
    } else {
        RuleSet::with_extra(files)
    }
    .map_err(|e| Failure::Rules(e.0))
}

/// The spec of the item asked about, and its display name.
fn item(args: &ItemArgs, cat: &Catalog) -> Result<(ChipSpec, String), Failure> {
    match (&args.chip, &args.spec) {
        (Some(c), _) => {
            let e = cat
                .lookup(c)
                .map_err(|e| Failure::msg(e.to_string(), e.help()))?;
            Ok((
                e.spec.clone(),
                format!("{} [{}]", e.spec.display_name(), e.id),
            ))
        }
        (None, Some(p)) => {
            let f = SourceFile::read(p).map_err(|e| Failure::Input(vec![*e]))?;
            let s = ChipSpec::parse(&f).map_err(Failure::Input)?;
            let name = format!("{} [spec {}]", s.display_name(), p.display());
            Ok((s, name))
        }
        (None, None) => Err(Failure::msg("give --chip or --spec", "e.g. --chip H20")),
    }
}

fn question(
    q: &QuestionArgs,
    spec: &ChipSpec,
    on: Date,
    rs: &RuleSet,
) -> Result<Question, Failure> {
    let req = chipexport_rules::request::CheckRequest {
        to: q.to.clone(),
        end_user_hq: q.end_user_hq.clone(),
        from: Some(q.from.clone()),
        on: Some(on.to_string()),
        buyer_type: q.buyer_type.clone(),
        exporter_role: q.exporter_role.clone(),
        subject_to_ear: q.subject_to_ear,
        as_written: q.rules.as_written,
        with_packs: q.rules.with_packs.clone(),
        ..Default::default()
    };
    req.question_for(spec, rs, on)
        .map(|(question, _)| question)
        .map_err(|e| {
            Failure::msg(
                format!("--{}: {}", e.field.replace('_', "-"), e.message),
                e.help,
            )
        })
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, Failure> {
    serde_json::to_string_pretty(v).map_err(|e| Failure::Internal(e.to_string()))
}

fn opt(v: Option<f64>) -> String {
    v.map_or("unknown".to_string(), fmt_num)
}

/// A figure with its unit, or "unknown" alone.
fn with_unit(v: Option<f64>, unit: &str) -> String {
    v.map_or("unknown".to_string(), |x| format!("{} {unit}", fmt_num(x)))
}

fn metrics_json(spec: &ChipSpec, m: &Metrics) -> serde_json::Value {
    serde_json::json!({
        "chip": spec.id,
        "name": spec.display_name(),
        "tpp": m.tpp,
        "tpp_precision": m.tpp_precision,
        "performance_density": m.performance_density,
        "die_area_mm2": m.die_area_mm2,
        "memory_bandwidth_gbps": m.memory_bandwidth_gbps,
        "interconnect_gbps": m.interconnect_gbps,
        "memory_plus_interconnect_gbps": m.memory_plus_interconnect_gbps,
        "datacenter": spec.datacenter,
        "derivation": m.derivation,
        "confidence": spec.confidence,
        "sources": spec.sources,
    })
}

fn metrics_table(spec: &ChipSpec, name: &str, m: &Metrics) -> String {
    let mut o = format!("{name}\n\n");
    o.push_str(&format!(
        "  TPP                     {}{}\n",
        opt(m.tpp),
        m.tpp_precision
            .map_or(String::new(), |p| format!("  (set by {})", p.as_str()))
    ));
    o.push_str(&format!(
        "  performance density     {}\n",
        m.performance_density
            .map_or("unknown".into(), |p| format!("{p:.2}"))
    ));
    o.push_str(&format!(
        "  die area (applicable)   {} mm²\n",
        opt(m.die_area_mm2)
    ));
    o.push_str(&format!(
        "  memory bandwidth        {} GB/s\n",
        opt(m.memory_bandwidth_gbps)
    ));
    o.push_str(&format!(
        "  interconnect            {} GB/s\n",
        opt(m.interconnect_gbps)
    ));
    o.push_str(&format!(
        "  memory + interconnect   {} GB/s\n",
        opt(m.memory_plus_interconnect_gbps)
    ));
    o.push_str(&format!(
        "  datacenter              {}\n",
        spec.datacenter.map_or("unknown".into(), |b| if b {
            "yes".to_string()
        } else {
            "no".to_string()
        })
    ));
    o.push_str("\nDERIVATION\n");
    o.push_str(&format!(
        "  {}\n  {}\n  memory + interconnect: {}\n",
        m.derivation.tpp, m.derivation.performance_density, m.derivation.memory_plus_interconnect
    ));
    for n in &m.derivation.notes {
        o.push_str(&format!("  note: {n}\n"));
    }
    for u in &m.derivation.unknown {
        o.push_str(&format!("  unknown: {u}\n"));
    }
    if !spec.confidence.is_empty() {
        o.push_str("\nCONFIDENCE\n");
        for (k, v) in &spec.confidence {
            o.push_str(&format!("  {k}: {v}\n"));
        }
    }
    if !spec.sources.is_empty() {
        o.push_str("\nSOURCES\n");
        for s in &spec.sources {
            let covers = if s.covers.is_empty() {
                String::new()
            } else {
                format!(" [{}]", s.covers.join(", "))
            };
            o.push_str(&format!(
                "  - {}{covers}{}\n",
                s.url.as_deref().unwrap_or("(no URL)"),
                s.note.as_ref().map_or(String::new(), |n| format!(": {n}"))
            ));
        }
    }
    o
}

fn chips_table(cat: &Catalog) -> String {
    let rows: Vec<[String; 8]> = cat
        .entries
        .iter()
        .map(|e: &Entry| {
            [
                e.id.clone(),
                e.spec.vendor.clone().unwrap_or_default(),
                e.spec.name.clone(),
                e.spec.variant.clone().unwrap_or_default(),
                opt(e.metrics.tpp),
                e.metrics
                    .performance_density
                    .map_or("unknown".into(), |p| format!("{p:.2}")),
                opt(e.metrics.memory_bandwidth_gbps),
                opt(e.metrics.interconnect_gbps),
            ]
        })
        .collect();
    let head = [
        "id",
        "vendor",
        "model",
        "variant",
        "TPP",
        "PD",
        "mem GB/s",
        "link GB/s",
    ];
    let mut w = head.map(str::len);
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(x) = w.get_mut(i) {
                *x = (*x).max(c.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| -> String {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{:<width$}", c, width = w.get(i).copied().unwrap_or(0)))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
            + "\n"
    };
    let mut o = line(head.to_vec());
    for r in &rows {
        o.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    let unknown = cat
        .entries
        .iter()
        .filter(|e| e.metrics.tpp.is_none())
        .count();
    o.push_str(&format!(
        "\n{} entries; {} without a published compute figure (TPP unknown)\n",
        cat.entries.len(),
        unknown
    ));
    o
}

fn run(cli: &Cli) -> Result<(String, u8), Failure> {
    let fmt = cli.format;
    match &cli.command {
        Command::Metrics(a) => {
            let cat = catalog()?;
            let (spec, name) = item(a, &cat)?;
            let m = Metrics::of(&spec);
            Ok((
                if fmt == OutFormat::Json {
                    json(&metrics_json(&spec, &m))?
                } else {
                    metrics_table(&spec, &name, &m)
                },
                0,
            ))
        }
        Command::Chips(ChipsCmd::List) => {
            let cat = catalog()?;
            if fmt == OutFormat::Json {
                let v: Vec<serde_json::Value> = cat
                    .entries
                    .iter()
                    .map(|e| {
                        let mut j = metrics_json(&e.spec, &e.metrics);
                        if let Some(o) = j.as_object_mut() {
                            o.insert("id".into(), e.id.clone().into());
                            o.insert("vendor".into(), e.spec.vendor.clone().into());
                            o.insert("model".into(), e.spec.name.clone().into());
                            o.insert("variant".into(), e.spec.variant.clone().into());
                            o.insert("has_figures".into(), e.has_figures().into());
                            o.remove("derivation");
                        }
                        j
                    })
                    .collect();
                Ok((json(&v)?, 0))
            } else {
                Ok((chips_table(&cat), 0))
            }
        }
        Command::Chips(ChipsCmd::Show { id }) => {
            let cat = catalog()?;
            let e = cat
                .lookup(id)
                .map_err(|e| Failure::msg(e.to_string(), e.help()))?;
            if fmt == OutFormat::Json {
                Ok((
                    json(
                        &serde_json::json!({ "id": e.id, "spec": e.spec, "metrics": metrics_json(&e.spec, &e.metrics) }),
                    )?,
                    0,
                ))
            } else {
                let mut o = metrics_table(
                    &e.spec,
                    &format!("{} [{}]", e.spec.display_name(), e.id),
                    &e.metrics,
                );
                if let Some(n) = &e.spec.notes {
                    o.push_str(&format!("\nNOTES\n  {n}\n"));
                }
                Ok((o, 0))
            }
        }
        Command::Check(a) => {
            let cat = catalog()?;
            let rs = ruleset(&a.q.rules.rule_files)?;
            let (spec, name) = item(&a.item, &cat)?;
            let m = Metrics::of(&spec);
            let on = match &a.on {
                Some(s) => date_arg("on", s)?,
                None => today()?,
            };
            let q = question(&a.q, &spec, on, &rs)?;
            let mut d = rs.decide(&q);
            d.metrics = Some(m);
            let code = if a.exit_code && d.license_required {
                10
            } else {
                0
            };
            if let Some(dir) = &a.log {
                let entry = log_decision(dir, &q, &d)?;
                eprintln!("recorded as decision {} in {}", entry.id, dir.display());
            }
            Ok((
                if fmt == OutFormat::Json {
                    json(&d)?
                } else {
                    explain::memo(&d, &name)
                },
                code,
            ))
        }
        Command::Timeline(a) => {
            let cat = catalog()?;
            let rs = ruleset(&a.q.rules.rule_files)?;
            let (spec, name) = item(&a.item, &cat)?;
            let m = Metrics::of(&spec);
            let since = date_arg("since", &a.since)?;
            let q = question(&a.q, &spec, since, &rs)?;
            let iv = rs.timeline(&q, since, Some(&m));
            if fmt == OutFormat::Json {
                Ok((
                    json(
                        &serde_json::json!({ "chip": spec.id, "name": spec.display_name(), "destination": q.destination, "intervals": iv }),
                    )?,
                    0,
                ))
            } else {
                Ok((
                    explain::timeline_memo(&iv, &name, q.destination.as_str()),
                    0,
                ))
            }
        }
        Command::Screen(a) if a.engine != ScreenEngine::Native || a.compare_with.is_some() => {
            screen_on_engine(a, fmt)
        }
        Command::Screen(a) => {
            let cat = catalog()?;
            let rs = ruleset(&a.rules.rule_files)?;
            let on = a.on.as_deref().map(|s| date_arg("on", s)).transpose()?;
            let scenario = chipexport_batch::Scenario {
                mode: if a.rules.as_written {
                    Mode::AsWritten
                } else {
                    Mode::Enforced
                },
                with_packs: a.rules.with_packs.clone(),
                on,
            };
            let bar = progress_bar();
            let started = std::time::Instant::now();
            let s = chipexport_batch::screen(&rs, &cat, scenario, &a.ledger, &a.out, &mut |n| {
                bar.set_position(n)
            })
            .map_err(batch_failure)?;
            bar.finish_and_clear();
            let secs = started.elapsed().as_secs_f64();
            if fmt == OutFormat::Json {
                return Ok((
                    json(&serde_json::json!({ "summary": s, "seconds": secs, "out": a.out }))?,
                    0,
                ));
            }
            let mut o = format!(
                "screened {} rows into {} in {:.2} s ({:.0} rows/s)\n  licence required: {}\n  presumption of denial: {}\n  with a revenue share: {}\n  rows with an error: {}\n",
                s.rows,
                a.out.display(),
                secs,
                s.rows as f64 / secs.max(1e-9),
                s.license_required,
                s.presumption_of_denial,
                s.with_revenue_share,
                s.rows_with_error
            );
            for (k, v) in &s.errors {
                o.push_str(&format!("    {k}: {v}\n"));
            }
            o.push_str(&format!(
                "  distinct questions: {}, distinct answers: {}\n  rule set sha256 {}\n",
                s.distinct_questions, s.distinct_answers, s.rule_set_hash
            ));
            Ok((o, 0))
        }
        Command::Impact(a) => {
            let cat = catalog()?;
            let side = |v: &str| -> Result<(RuleSet, chipexport_batch::Scenario, String), Failure> {
                if let Ok(d) = chipexport_domain::parse_date(v) {
                    return Ok((
                        ruleset(&[])?,
                        chipexport_batch::Scenario {
                            on: Some(d),
                            ..Default::default()
                        },
                        format!("rules in force on {d}"),
                    ));
                }
                let p = PathBuf::from(v);
                if !p.exists() {
                    return Err(Failure::msg(
                        format!("`{v}` is neither a date (YYYY-MM-DD) nor a rule pack file"),
                        "give a date such as 2025-05-01, or the path of a pack file",
                    ));
                }
                let rs = ruleset(std::slice::from_ref(&p))?;
                let f = SourceFile::read(&p).map_err(|e| Failure::Input(vec![*e]))?;
                let id = chipexport_rules::pack::Pack::parse(&f)
                    .map_err(Failure::Rules)?
                    .meta
                    .id;
                Ok((
                    rs,
                    chipexport_batch::Scenario {
                        with_packs: vec![id.clone()],
                        ..Default::default()
                    },
                    format!("rules with {id}"),
                ))
            };
            let (rs_a, mut sc_a, la) = side(&a.before)?;
            let (rs_b, mut sc_b, lb) = side(&a.after)?;
            // A date on one side applies to the side given as packs.
            if sc_a.on.is_none() {
                sc_a.on = sc_b.on;
            }
            if sc_b.on.is_none() {
                sc_b.on = sc_a.on;
            }
            let bar = progress_bar();
            let r = chipexport_batch::impact::impact(
                &cat,
                chipexport_batch::impact::Side {
                    label: la,
                    rs: &rs_a,
                    scenario: sc_a,
                },
                chipexport_batch::impact::Side {
                    label: lb,
                    rs: &rs_b,
                    scenario: sc_b,
                },
                &a.ledger,
                if a.changes_csv.is_some() {
                    usize::MAX
                } else {
                    20
                },
                &mut |n| bar.set_position(n),
            )
            .map_err(batch_failure)?;
            bar.finish_and_clear();
            if let Some(path) = &a.changes_csv {
                let mut w = csv::Writer::from_path(path).map_err(|e| {
                    Failure::msg(
                        format!("cannot write `{}`: {e}", path.display()),
                        "check the path",
                    )
                })?;
                for c in &r.changes {
                    w.serialize(c).map_err(|e| {
                        Failure::msg(
                            format!("cannot write `{}`: {e}", path.display()),
                            "check the free disk space",
                        )
                    })?;
                }
                w.flush().map_err(|e| {
                    Failure::msg(
                        format!("cannot write `{}`: {e}", path.display()),
                        "check the free disk space",
                    )
                })?;
            }
            if let Some(path) = &a.html {
                let tmp = path.with_extension("html.partial");
                std::fs::write(&tmp, chipexport_batch::impact::html(&r))
                    .and_then(|()| std::fs::rename(&tmp, path))
                    .map_err(|e| {
                        Failure::msg(
                            format!("cannot write `{}`: {e}", path.display()),
                            "check the path",
                        )
                    })?;
            }
            if fmt == OutFormat::Json {
                return Ok((json(&r)?, 0));
            }
            Ok((impact_table(&r), 0))
        }
        Command::Serve {
            addr,
            data,
            max_upload_mib,
            database_url,
        } => {
            let log = open_log_at(data, database_url.as_deref())?;
            let token = chipexport_server::load_or_create_token(data).map_err(|e| {
                Failure::msg(
                    format!(
                        "cannot read or create the token in `{}`: {e}",
                        data.display()
                    ),
                    "check the --data directory, or set CHIPEXPORT_TOKEN",
                )
            })?;
            let state = std::sync::Arc::new(chipexport_server::AppState {
                rules: ruleset(&[])?,
                catalog: catalog()?,
                log: chipexport_server::LogWriter::start(log),
                today: chipexport_server::today,
                data: data.clone(),
                token: token.clone(),
                jobs: Default::default(),
                upload_limit: max_upload_mib.saturating_mul(1024 * 1024),
            });
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| Failure::Internal(e.to_string()))?;
            let data_dir = data.display().to_string();
            rt.block_on(chipexport_server::serve(addr, state, |a| {
                // Standard error may be closed by whoever started us: never
                // fail (or panic) over it.
                let _ = writeln!(
                    std::io::stderr(),
                    "chipexport {} serving http://{a}/?token={token}\n  open that address in a browser; the API is at http://{a}/api/v1 (described at /api/v1/openapi.json)\n  decision log in {data_dir}; uploads need the token above (kept in {data_dir}/token); Ctrl-C stops",
                    env!("CARGO_PKG_VERSION")
                );
            }))
            .map_err(|e| Failure::msg(format!("cannot serve on `{addr}`: {e}"), "is the address free? try another with --addr"))?;
            Ok((String::new(), 0))
        }
        Command::Audit(AuditCmd::Verify { data, database_url }) => {
            let mut log = open_log_at(data, database_url.as_deref())?;
            match log.verify().map_err(|e| Failure::Internal(e.to_string()))? {
                Ok(n) => Ok((
                    if fmt == OutFormat::Json {
                        json(&serde_json::json!({ "entries": n, "intact": true }))?
                    } else {
                        format!("{n} decisions; the hash chain is intact")
                    },
                    0,
                )),
                Err(b) => Err(Failure::msg(
                    format!("the decision log is broken at entry {}: {}", b.id, b.reason),
                    "the log was edited outside chipexport; keep this copy as evidence and restore from a backup",
                )),
            }
        }
        Command::Audit(AuditCmd::Replay {
            id,
            data,
            database_url,
        }) => {
            let mut log = open_log_at(data, database_url.as_deref())?;
            let e = log
                .get(*id)
                .map_err(|e| Failure::Internal(e.to_string()))?
                .ok_or_else(|| {
                    Failure::msg(
                        format!("no decision {id} in {}", data.display()),
                        "`chipexport audit verify` counts the entries",
                    )
                })?;
            let q: Question = serde_json::from_str(&e.request).map_err(|err| {
                Failure::msg(
                    format!("decision {id}: its question cannot be read: {err}"),
                    "the entry may come from a newer chipexport",
                )
            })?;
            let then: serde_json::Value = serde_json::from_str(&e.response).map_err(|err| {
                Failure::msg(
                    format!("decision {id}: its answer cannot be read: {err}"),
                    "the entry may come from a newer chipexport",
                )
            })?;
            let rs = ruleset(&[])?;
            let decision = rs.decide(&q);
            // Entries hold the compact outcome record; entries from older
            // services hold the full answer. A field is the same if it
            // equals either form of today's answer.
            let record = decision.outcome_record();
            let now = serde_json::to_value(&decision)
                .map_err(|err| Failure::Internal(err.to_string()))?;
            let mut diffs = Vec::new();
            for k in [
                "license_required",
                "eccn",
                "review_policy",
                "license_exceptions",
                "conditions",
                "measures",
                "verdict",
            ] {
                if then.get(k) != now.get(k) && then.get(k) != record.get(k) {
                    diffs.push(
                        serde_json::json!({ "field": k, "then": then.get(k), "now": now.get(k) }),
                    );
                }
            }
            if fmt == OutFormat::Json {
                return Ok((
                    json(
                        &serde_json::json!({ "id": id, "recorded_at": e.recorded_at, "rule_set_then": e.rule_set_hash, "rule_set_now": rs.hash, "same": diffs.is_empty(), "differences": diffs }),
                    )?,
                    0,
                ));
            }
            let mut o = format!(
                "decision {id}, recorded {} with rule set {}\nreplayed with rule set {}\n",
                e.recorded_at, e.rule_set_hash, rs.hash
            );
            if diffs.is_empty() {
                o.push_str("the same answer today\n");
            }
            for d in &diffs {
                o.push_str(&format!(
                    "  {}: then {} / now {}\n",
                    d["field"].as_str().unwrap_or(""),
                    d["then"],
                    d["now"]
                ));
            }
            Ok((o, 0))
        }
        Command::Audit(AuditCmd::Stress { data, count }) => {
            let mut log = open_log(data)?;
            let mut out = std::io::stdout().lock();
            for i in 0..*count {
                let e = log
                    .append(
                        &now_rfc3339(),
                        "stress",
                        &format!("{{\"n\":{i}}}"),
                        "{}",
                        "stress",
                    )
                    .map_err(|e| Failure::Internal(e.to_string()))?;
                let _ = writeln!(out, "{}", e.id);
                let _ = out.flush();
            }
            Ok((String::new(), 0))
        }
        Command::Ledger(LedgerCmd::Generate {
            rows,
            out,
            seed,
            profile,
        }) => {
            let cat = catalog()?;
            let p = if profile == "h20-china" {
                chipexport_batch::generate::Profile::H20China
            } else {
                chipexport_batch::generate::Profile::Mixed
            };
            chipexport_batch::generate::generate(&cat, p, *rows, *seed, out)
                .map_err(batch_failure)?;
            Ok((
                format!("wrote {rows} synthetic orders to {}", out.display()),
                0,
            ))
        }
        Command::Headroom(a) => {
            use chipexport_rules::headroom::{Knob, Probe, Target};
            let cat = catalog()?;
            let rs = ruleset(&a.q.rules.rule_files)?;
            let (spec, name) = item(&a.item, &cat)?;
            let on = match &a.on {
                Some(s) => date_arg("on", s)?,
                None => today()?,
            };
            let q = question(&a.q, &spec, on, &rs)?;
            let target = Target::parse(&a.target).ok_or_else(|| {
                Failure::msg(
                    format!("unknown target `{}`", a.target),
                    "no_license, case_by_case or any_license_path",
                )
            })?;
            let knobs: Vec<Knob> = a.vary.iter().filter_map(|k| Knob::parse(k)).collect();
            let h = Probe {
                rs: &rs,
                spec: &spec,
                question: &q,
                target,
            }
            .analyse(&knobs);
            if fmt == OutFormat::Json {
                return Ok((
                    json(
                        &serde_json::json!({ "chip": spec.id, "name": spec.display_name(), "destination": q.destination, "rule_set": { "id": rs.id, "hash": rs.hash }, "headroom": h }),
                    )?,
                    0,
                ));
            }
            let mut o = format!(
                "{name} to {} ({}) on {on}: target {}\n",
                q.destination.name(),
                q.destination,
                a.target
            );
            o.push_str(&format!(
                "the target {} for the design as it is\n\n",
                if h.holds_now {
                    "holds"
                } else {
                    "does not hold"
                }
            ));
            for k in &h.knobs {
                o.push_str(&format!("  {}\n", k.text));
                if !k.binding_rules.is_empty() {
                    o.push_str(&format!("      binds: {}\n", k.binding_rules.join(", ")));
                }
                if k.limit.is_some() && !k.exact {
                    o.push_str("      (found by search, not at a rule threshold)\n");
                }
            }
            if !h.frontier.is_empty() {
                o.push_str("\nFRONTIER (largest TPP that keeps the target, by die area)\n");
                for f in &h.frontier {
                    let tpp = f.max_tpp.map_or(
                        if f.reachable {
                            "unbounded".to_string()
                        } else {
                            "unreachable with the other knobs as they are".to_string()
                        },
                        |t| format!("{} {}", if f.inclusive { "<=" } else { "<" }, fmt_num(t)),
                    );
                    o.push_str(&format!(
                        "  {:>8} mm²   TPP {tpp}\n",
                        fmt_num(f.die_area_mm2)
                    ));
                }
            }
            if let Some(j) = &h.joint {
                o.push_str(&format!(
                    "\nNO SINGLE KNOB REACHES THE TARGET; {}\n",
                    j.text
                ));
            }
            Ok((o, 0))
        }
        Command::Compare(a) => {
            let cat = catalog()?;
            let rs = ruleset(&a.q.rules.rule_files)?;
            let on = match &a.on {
                Some(s) => date_arg("on", s)?,
                None => today()?,
            };
            let destination = country_arg("to", &a.q.to)?;
            let entries = cat
                .selection(&a.chips, a.domestic.then_some(destination))
                .map_err(|e| Failure::msg(e.to_string(), e.help()))?;
            if entries.is_empty() {
                return Err(Failure::msg(
                    "name at least one chip to compare",
                    "e.g. `chipexport compare --to CN H20 \"Ascend 910B\"`, or add --domestic",
                ));
            }
            let mut rows = Vec::new();
            for e in entries {
                let mut qa = a.q.clone();
                // A chip designed in the destination country is domestic
                // supply: it is not exported from the US.
                let domestic = e.spec.origin_country == Some(destination);
                if domestic {
                    qa.from = destination.to_string();
                }
                let q = question(&qa, &e.spec, on, &rs)?;
                let d = rs.decide(&q);
                rows.push((e, domestic, d));
            }
            rows.sort_by(|a, b| {
                b.0.metrics
                    .tpp
                    .unwrap_or(-1.0)
                    .total_cmp(&a.0.metrics.tpp.unwrap_or(-1.0))
            });
            if fmt == OutFormat::Json {
                let v: Vec<_> = rows
                    .iter()
                    .map(|(e, domestic, d)| {
                        serde_json::json!({
                            "id": e.id, "name": e.spec.display_name(), "domestic": domestic,
                            "exported_from": d.question.exported_from,
                            "tpp": e.metrics.tpp, "performance_density": e.metrics.performance_density,
                            "memory_bandwidth_gbps": e.metrics.memory_bandwidth_gbps, "interconnect_gbps": e.metrics.interconnect_gbps,
                            "license_required": d.license_required, "eccn": d.eccn, "review_policy": d.review_policy,
                            "license_exceptions": d.license_exceptions, "conditions": d.conditions, "measures": d.measures,
                            "possible_measures": d.possible_measures.iter().map(|p| &p.rule).collect::<Vec<_>>(),
                            "verdict": d.verdict,
                        })
                    })
                    .collect();
                return Ok((
                    json(
                        &serde_json::json!({ "to": destination, "on": on, "rule_set": { "id": rs.id, "hash": rs.hash }, "chips": v }),
                    )?,
                    0,
                ));
            }
            let mut o = format!(
                "Chips for a buyer in {} ({destination}) on {on}, best TPP first\n\n",
                destination.name()
            );
            for (e, domestic, d) in &rows {
                o.push_str(&format!("{} [{}]\n", e.spec.display_name(), e.id));
                o.push_str(&format!(
                    "  TPP {}  PD {}  memory {}  interconnect {}{}\n",
                    opt(e.metrics.tpp),
                    e.metrics
                        .performance_density
                        .map_or("unknown".into(), |p| format!("{p:.2}")),
                    with_unit(e.metrics.memory_bandwidth_gbps, "GB/s"),
                    with_unit(e.metrics.interconnect_gbps, "GB/s"),
                    if *domestic { "  (domestic supply)" } else { "" }
                ));
                for part in d.verdict.split("; ") {
                    o.push_str(&format!("  {part}\n"));
                }
                o.push('\n');
            }
            o.push_str(&format!("rule set {} (sha256 {})\n", rs.id, rs.hash));
            Ok((o, 0))
        }
        Command::Rules(RulesCmd::List { on }) => {
            let rs = ruleset(&[])?;
            let packs: Vec<&chipexport_rules::pack::Pack> = match on {
                Some(s) => rs.packs_on(date_arg("on", s)?, &[]),
                None => rs.packs.iter().collect(),
            };
            if fmt == OutFormat::Json {
                let v: Vec<_> = packs.iter().map(|p| serde_json::json!({ "id": p.meta.id, "meta": p.meta, "rules": p.rules.len(), "tests": p.tests.len(), "file": p.file })).collect();
                Ok((
                    json(
                        &serde_json::json!({ "rule_set": { "id": rs.id, "hash": rs.hash }, "packs": v }),
                    )?,
                    0,
                ))
            } else {
                let mut o = String::new();
                for p in &packs {
                    let until = p
                        .meta
                        .until
                        .map_or(String::new(), |u| format!(" until {u}"));
                    let enf = if p.meta.enforcement.iter().any(|e| !e.enforced) {
                        " [not enforced from a date: see show]"
                    } else {
                        ""
                    };
                    o.push_str(&format!(
                        "{}  {:<44} {} {}{until}{enf}\n    {} ({}, {}; {})\n",
                        p.meta.effective,
                        p.meta.id,
                        p.meta.kind.as_str(),
                        p.meta.confidence,
                        p.meta.short,
                        p.meta.authority,
                        p.meta.citation.short(),
                        if p.meta.status == chipexport_rules::pack::Status::Proposed {
                            "proposed, not in force"
                        } else {
                            "in force"
                        }
                    ));
                }
                o.push_str(&format!(
                    "\n{} packs; rule set {} (sha256 {})\n",
                    packs.len(),
                    rs.id,
                    rs.hash
                ));
                Ok((o, 0))
            }
        }
        Command::Rules(RulesCmd::Sql {
            dialect,
            as_written,
            with_packs,
        }) => {
            let rs = ruleset(&[])?;
            let cat = catalog()?;
            let d = if dialect == "sqlite" {
                chipexport_rules::sql::Dialect::Sqlite
            } else {
                chipexport_rules::sql::Dialect::Ansi
            };
            let mode = if *as_written {
                Mode::AsWritten
            } else {
                Mode::Enforced
            };
            let q = chipexport_rules::sql::decision_query(&rs, &cat, d, mode, with_packs);
            Ok((
                format!(
                    "-- chipexport decision query, rule set {} (sha256 {})\n-- columns needed in `ledger`: order_id, chip (catalog id or exact alias), destination, end_user_hq, exported_from, buyer_type, ship_date\n{q};",
                    rs.id, rs.hash
                ),
                0,
            ))
        }
        Command::Rules(RulesCmd::Doc) => {
            let rs = ruleset(&[])?;
            Ok((explain::reference_markdown(&rs), 0))
        }
        Command::Rules(RulesCmd::Show { id }) => {
            let rs = ruleset(&[])?;
            let p = rs.pack(id).ok_or_else(|| {
                let near = chipexport_domain::diag::did_you_mean(
                    id,
                    rs.packs.iter().map(|p| p.meta.id.as_str()),
                );
                Failure::msg(
                    format!("no pack `{id}`"),
                    near.map_or(
                        "`chipexport rules list` shows the pack ids".to_string(),
                        |n| format!("did you mean `{n}`?"),
                    ),
                )
            })?;
            if fmt == OutFormat::Json {
                return Ok((json(p)?, 0));
            }
            let mut o = format!("{}\n{}\n\n", p.meta.id, p.meta.title);
            o.push_str(&format!("  kind:       {} ({})\n  authority:  {}, {}\n  published:  {}\n  effective:  {}{}\n  confidence: {}\n  citation:   {}\n", p.meta.kind.as_str(), if p.meta.status == chipexport_rules::pack::Status::Proposed { "proposed" } else { "in force" }, p.meta.authority, p.meta.jurisdiction, p.meta.published, p.meta.effective, p.meta.until.map_or(String::new(), |u| format!(" until {u}")), p.meta.confidence, p.meta.citation.short()));
            for c in &p.meta.citation.cfr {
                o.push_str(&format!("              {c}\n"));
            }
            for u in &p.meta.citation.urls {
                o.push_str(&format!("              {u}\n"));
            }
            for e in &p.meta.enforcement {
                o.push_str(&format!(
                    "  enforcement {} ({})
",
                    e.describe(),
                    e.citation
                ));
            }
            o.push_str(&format!("\n  {}\n\nRULES\n", p.meta.summary));
            for r in &p.rules {
                o.push_str(&format!(
                    "  {} [{}; {}]\n    when {}\n    then {}\n    {} ({}{})\n",
                    r.local_id,
                    r.slot.as_str(),
                    r.confidence,
                    chipexport_rules::expr::render(&r.predicate),
                    serde_json::to_string(&r.then).unwrap_or_default(),
                    r.paragraph,
                    r.text,
                    r.until.map_or(String::new(), |u| format!("; until {u}"))
                ));
                if !r.overrides.is_empty() {
                    o.push_str(&format!("    exception to: {}\n", r.overrides.join(", ")));
                }
            }
            o.push_str(&format!(
                "\n{} test cases (chipexport rules test --pack {})\n",
                p.tests.len(),
                p.meta.id
            ));
            Ok((o, 0))
        }
        Command::Rules(RulesCmd::Test { pack, rule_files }) => {
            let cat = catalog()?;
            let rs = ruleset(rule_files)?;
            if let Some(p) = pack
                && rs.pack(p).is_none()
            {
                return Err(Failure::msg(
                    format!("no pack `{p}`"),
                    "`chipexport rules list` shows the pack ids",
                ));
            }
            let results = chipexport_rules::conformance::run(&rs, &cat, pack.as_deref());
            let failed = results.iter().filter(|r| !r.passed()).count();
            let untested: Vec<&str> = rs
                .packs
                .iter()
                .filter(|p| p.tests.is_empty() && pack.as_ref().is_none_or(|x| *x == p.meta.id))
                .map(|p| p.meta.id.as_str())
                .collect();
            let out = if fmt == OutFormat::Json {
                json(
                    &serde_json::json!({ "passed": results.len() - failed, "failed": failed, "untested_packs": untested, "cases": results }),
                )?
            } else {
                let mut o = String::new();
                for r in &results {
                    let loc = format!(
                        "{}:{}",
                        r.file,
                        r.line.map_or(String::new(), |l| l.to_string())
                    );
                    if r.passed() {
                        o.push_str(&format!("ok    {}  {}\n", r.pack, r.name));
                    } else {
                        o.push_str(&format!("FAIL  {}  {}  ({loc})\n", r.pack, r.name));
                        for f in &r.failures {
                            o.push_str(&format!("        {f}\n"));
                        }
                    }
                }
                for u in &untested {
                    o.push_str(&format!("FAIL  {u}  has no test cases\n"));
                }
                o.push_str(&format!(
                    "\n{} passed, {} failed\n",
                    results.len() - failed,
                    failed + untested.len()
                ));
                o
            };
            Ok((out, if failed + untested.len() > 0 { 1 } else { 0 }))
        }
    }
}

fn now_rfc3339() -> String {
    jiff::Timestamp::now().to_string()
}

fn open_log(dir: &std::path::Path) -> Result<chipexport_store::DecisionLog, Failure> {
    chipexport_store::DecisionLog::open(dir)
        .map_err(|e| Failure::msg(e.to_string(), "check the --data directory"))
}

/// The log in PostgreSQL when a URL is given, else in the data directory.
fn open_log_at(
    dir: &std::path::Path,
    url: Option<&str>,
) -> Result<chipexport_store::DecisionLog, Failure> {
    match url {
        None => open_log(dir),
        Some(u) => chipexport_store::DecisionLog::open_location(u).map_err(|e| {
            Failure::msg(
                e.to_string(),
                if cfg!(feature = "postgres") {
                    "check the URL (postgresql://USER@HOST:PORT/DATABASE) and that the server is up"
                } else {
                    "this chipexport was built without PostgreSQL: cargo build --release -p chipexport-cli --features postgres"
                },
            )
        }),
    }
}

/// Records a decision: the question (with the item facts used) and its
/// outcome record (see `Decision::outcome_record`).
fn log_decision(
    dir: &std::path::Path,
    q: &Question,
    d: &chipexport_rules::Decision,
) -> Result<chipexport_store::Entry, Failure> {
    let mut log = open_log(dir)?;
    let request = serde_json::to_string(q).map_err(|e| Failure::Internal(e.to_string()))?;
    let response = d.outcome_record().to_string();
    log.append(
        &now_rfc3339(),
        "check",
        &request,
        &response,
        &d.rule_set.hash,
    )
    .map_err(|e| Failure::Internal(e.to_string()))
}

fn batch_failure(e: chipexport_batch::BatchError) -> Failure {
    Failure::msg(e.message, e.help)
}

/// A usage error (exit 2) for a flag combination clap cannot express.
fn usage_error(message: String) -> ! {
    use clap::CommandFactory;
    Cli::command()
        .error(clap::error::ErrorKind::ArgumentConflict, message)
        .exit()
}

/// `screen --engine datafusion|ballista`: the exported decision query on
/// DataFusion, here or on a Ballista cluster.
fn screen_on_engine(a: &ScreenArgs, fmt: OutFormat) -> Result<(String, u8), Failure> {
    let name = match a.engine {
        ScreenEngine::Native => usage_error(
            "--compare-with checks another engine against `screen`: add --engine datafusion or --engine ballista".into(),
        ),
        ScreenEngine::Datafusion => "datafusion",
        ScreenEngine::Ballista => "ballista",
    };
    if a.on.is_some() {
        usage_error(format!(
            "--on cannot be used with --engine {name}: the exported query decides each order on its ship_date; use --engine native"
        ));
    }
    if a.scheduler.is_some() && a.engine != ScreenEngine::Ballista {
        usage_error("--scheduler is for --engine ballista".into());
    }
    if (a.engine == ScreenEngine::Datafusion && !cfg!(feature = "datafusion"))
        || (a.engine == ScreenEngine::Ballista && !cfg!(feature = "ballista"))
    {
        usage_error(format!(
            "this chipexport was built without the `{name}` engine; build it with `cargo build --release -p chipexport-cli --features {name}`"
        ));
    }
    #[cfg(feature = "datafusion")]
    {
        screen_with_datafusion(a, fmt, name)
    }
    #[cfg(not(feature = "datafusion"))]
    {
        let _ = fmt;
        Err(Failure::Internal(format!(
            "the `{name}` engine is not built in"
        )))
    }
}

#[cfg(feature = "datafusion")]
fn screen_with_datafusion(
    a: &ScreenArgs,
    fmt: OutFormat,
    name: &str,
) -> Result<(String, u8), Failure> {
    use chipexport_datafusion as df;
    let cat = catalog()?;
    let rs = ruleset(&a.rules.rule_files)?;
    let mode = if a.rules.as_written {
        Mode::AsWritten
    } else {
        Mode::Enforced
    };
    let sql = df::decision_sql(&rs, &cat, mode, &a.rules.with_packs);
    let failed = |e: df::Error| Failure::msg(e.message, e.help);
    // Planning and shipping the query's plan recurse deeply: large stacks.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .thread_stack_size(64 << 20)
        .enable_all()
        .build()
        .map_err(|e| Failure::Internal(e.to_string()))?;
    let started = std::time::Instant::now();
    let run = rt
        .block_on(async {
            let ctx = match a.engine {
                #[cfg(feature = "ballista")]
                ScreenEngine::Ballista => {
                    df::cluster::ballista_context(a.scheduler.as_deref().unwrap_or_default())
                        .await?
                }
                _ => df::local_context(),
            };
            df::register_ledger(&ctx, &a.ledger).await?;
            df::run_to_file(&ctx, &sql, &a.out).await
        })
        .map_err(failed)?;
    let secs = started.elapsed().as_secs_f64();
    let agreement = match &a.compare_with {
        Some(screened) => Some((
            screened,
            df::compare_files(&a.out, screened).map_err(failed)?,
        )),
        None => None,
    };
    let o = if fmt == OutFormat::Json {
        json(&serde_json::json!({
            "engine": name,
            "summary": run,
            "seconds": secs,
            "out": a.out,
            "rule_set_hash": rs.hash,
            "agreement": agreement.as_ref().map(|(f, ag)| serde_json::json!({
                "with": f,
                "agreeing": ag.agreeing,
                "differing": ag.differing,
                "engine_rows": ag.engine_rows,
                "screen_rows": ag.native_rows,
                "first_differences": ag.first_differences.iter().map(ToString::to_string).collect::<Vec<_>>(),
            })),
        }))?
    } else {
        let mut o = format!(
            "decided {} rows on {name} into {} in {:.2} s ({:.0} rows/s)\n  licence required: {}\n  presumption of denial: {}\n  rule set sha256 {}\n",
            run.rows,
            a.out.display(),
            secs,
            run.rows as f64 / secs.max(1e-9),
            run.license_required,
            run.presumption_of_denial,
            rs.hash
        );
        if let Some((f, ag)) = &agreement {
            o.push_str(&format!("  against `{}`: {ag}\n", f.display()));
        }
        o
    };
    if let Some((f, ag)) = &agreement
        && !ag.all_agree()
    {
        return Err(Failure::msg(
            format!(
                "{name} and `screen` ({}) differ on {} orders",
                f.display(),
                ag.differing
            ),
            ag.to_string(),
        ));
    }
    Ok((o, 0))
}

/// A progress bar on a terminal; hidden when stderr is not one.
fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos} rows {per_sec} {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

fn money(d: rust_decimal::Decimal) -> String {
    let r = d.round_dp(2);
    let s = format!("{r:.2}");
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let neg = int.starts_with('-');
    let digits: Vec<char> = int.trim_start_matches('-').chars().collect();
    let mut out = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(*c);
    }
    format!("{}{out}.{frac}", if neg { "-" } else { "" })
}

fn impact_table(r: &chipexport_batch::impact::Report) -> String {
    use chipexport_batch::impact::Totals;
    let mut o = format!(
        "impact on {} orders: before = {}, after = {}\n",
        r.rows, r.before, r.after
    );
    if r.rows_with_error > 0 {
        o.push_str(&format!(
            "({} rows with an error are left out of the totals; `screen` names them)\n",
            r.rows_with_error
        ));
    }
    let t = &r.total;
    o.push_str(&format!(
        "\n  orders changing outcome:          {}\n  newly needing a licence:          {} units, value {}\n  newly under presumption of denial: {} units, value {}\n  new revenue share owed:           {}\n  freed (licence no longer needed): {} units, value {}\n",
        t.orders_changed,
        t.newly_license_required_units,
        money(t.newly_license_required_value),
        t.newly_presumption_of_denial_units,
        money(t.newly_presumption_of_denial_value),
        money(t.new_revenue_share_owed),
        t.freed_units,
        money(t.freed_value)
    ));
    let section = |o: &mut String, title: &str, m: &std::collections::BTreeMap<String, Totals>| {
        let mut rows: Vec<(&String, &Totals)> =
            m.iter().filter(|(_, t)| t.orders_changed > 0).collect();
        rows.sort_by(|a, b| {
            b.1.newly_license_required_value
                .cmp(&a.1.newly_license_required_value)
                .then(b.1.new_revenue_share_owed.cmp(&a.1.new_revenue_share_owed))
        });
        if rows.is_empty() {
            return;
        }
        o.push_str(&format!("\nBY {title}\n"));
        for (k, t) in rows.iter().take(15) {
            o.push_str(&format!(
                "  {k:<40} changed {:>7}  newly licence {}  new revenue share {}  freed {}\n",
                t.orders_changed,
                money(t.newly_license_required_value),
                money(t.new_revenue_share_owed),
                money(t.freed_value)
            ));
        }
    };
    section(&mut o, "CHIP", &r.by_chip);
    section(&mut o, "DESTINATION", &r.by_destination);
    section(&mut o, "CUSTOMER", &r.by_customer);
    if !r.changes.is_empty() {
        o.push_str("\nFIRST CHANGED ORDERS\n");
        for c in &r.changes {
            o.push_str(&format!(
                "  {} {} to {} ({}): {} -> {}\n",
                c.order_id, c.chip, c.destination, c.end_user, c.before, c.after
            ));
        }
        if r.changes_omitted > 0 {
            o.push_str(&format!(
                "  ... and {} more (--changes-csv FILE writes them all)\n",
                r.changes_omitted
            ));
        }
    }
    o
}

fn report(errors: &[DataError], fmt: ErrorFormat) {
    let mut err = std::io::stderr().lock();
    if fmt == ErrorFormat::Json {
        let _ = writeln!(err, "{}", serde_json::json!({ "errors": errors }));
        return;
    }
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
    for e in errors {
        let mut s = String::new();
        if handler.render_report(&mut s, e).is_ok() {
            let _ = writeln!(err, "{}: {s}", e.location());
        } else {
            let _ = writeln!(err, "error: {}: {}", e.location(), e.message);
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok((out, code)) => {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(out.as_bytes());
            if !out.ends_with('\n') {
                let _ = stdout.write_all(b"\n");
            }
            ExitCode::from(code)
        }
        Err(Failure::Input(es)) => {
            report(&es, cli.error_format);
            ExitCode::from(1)
        }
        Err(Failure::Rules(es)) => {
            report(&es, cli.error_format);
            ExitCode::from(3)
        }
        Err(Failure::Message { message, help }) => {
            if cli.error_format == ErrorFormat::Json {
                eprintln!(
                    "{}",
                    serde_json::json!({ "errors": [{ "message": message, "help": help, "fault": "input" }] })
                );
            } else {
                eprintln!("error: {message}\n  help: {help}");
            }
            ExitCode::from(1)
        }
        Err(Failure::Internal(m)) => {
            eprintln!("internal error: {m}\n  this is a bug in chipexport; please report it");
            ExitCode::from(4)
        }
    }
}
