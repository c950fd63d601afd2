//! Shared by the ledger targets: a ledger file made from fuzzed bytes is
//! screened end to end (reader, screener, writer) by the same code as
//! `chipexport screen`. It is screened whole or refused with an error,
//! never a panic; a screened file has exactly one row per order read.

use std::path::PathBuf;
use std::sync::OnceLock;

/// The embedded rules and catalog, loaded once per process.
pub fn app() -> &'static chipexport::App {
    static APP: OnceLock<chipexport::App> = OnceLock::new();
    APP.get_or_init(|| chipexport::App::embedded().expect("the embedded rules load"))
}

/// A scratch folder of this process, in memory where the machine has one.
fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let d = base.join(format!("chipexport-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("a scratch folder");
        d
    })
}

/// Screens `bytes` as a ledger with extension `ext`.
pub fn screen(ext: &str, bytes: &[u8]) {
    let input = scratch().join(format!("in.{ext}"));
    let out = scratch().join(format!("out.{ext}"));
    std::fs::write(&input, bytes).expect("the scratch file is written");
    let _ = std::fs::remove_file(&out);
    let req = chipexport::ledger::ScreenRequest {
        ledger: input,
        out: out.clone(),
        on: None,
        mode: chipexport::Mode::Enforced,
        with_packs: Vec::new(),
        // Screen the names in `customer`, `end_user` and `consignee` too.
        parties: true,
    };
    match app().screen(&req, &mut |_| {}) {
        Ok(report) => {
            assert!(out.exists(), "a screened ledger has its output");
            if report.summary.rows == 0 {
                // JSON Lines of no rows is an empty file, which no reader
                // opens; CSV keeps its header and Parquet its schema.
                return;
            }
            let rows: usize = chipexport_batch::io::open(&out, 4096)
                .expect("the screened file opens")
                .map(|b| b.expect("the screened file reads").num_rows())
                .sum();
            assert_eq!(rows as u64, report.summary.rows, "one output row per order");
        }
        Err(e) => {
            // Bad input is the input's fault and says so; never a bug.
            assert_ne!(e.fault(), chipexport::Fault::Bug, "{}: {}", e.message(), e.help());
            assert!(!out.exists(), "a refused ledger leaves no output");
        }
    }
}
