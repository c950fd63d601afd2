//! Fuzzes the HTTP API's JSON bodies through the application layer's typed
//! requests, as the routes take them: the bytes are deserialised into the
//! request of a POST route (chosen by the first byte) and, when they are
//! one, answered and the answer serialised. A body is answered or refused
//! with an input error, never a panic or a bug.
#![no_main]

use std::sync::OnceLock;

use chipexport::{App, Fault};
use libfuzzer_sys::fuzz_target;

fn app() -> &'static App {
    static APP: OnceLock<App> = OnceLock::new();
    APP.get_or_init(|| App::embedded().expect("the embedded rules load"))
}

/// A data directory for the routes that write (one per process).
fn scratch() -> std::path::PathBuf {
    static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("chipexport-fuzz-http-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("the scratch directory is made");
        d
    })
    .clone()
}

/// Serialises an answer, or checks that an error is not a bug.
fn answered<T: serde::Serialize>(r: chipexport::Result<T>) {
    match r {
        Ok(v) => {
            serde_json::to_vec(&v).expect("an answer serialises");
        }
        Err(e) => assert_ne!(e.fault(), Fault::Bug, "{}: {}", e.message(), e.help()),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((route, body)) = data.split_first() else {
        return;
    };
    let today = chipexport_domain::parse_date("2026-11-29").expect("a date");
    let app = app();
    match route % 9 {
        0 => {
            if let Ok(req) = serde_json::from_slice::<chipexport::CheckRequest>(body) {
                match app.check(&req, today) {
                    Ok(c) => answered(Ok(c.answer())),
                    Err(e) => answered::<()>(Err(e)),
                }
            }
        }
        1 => {
            if let Ok(req) = serde_json::from_slice::<chipexport::timeline::TimelineRequest>(body) {
                answered(app.timeline(&req));
            }
        }
        2 => {
            if let Ok(req) = serde_json::from_slice::<chipexport::compare::CompareRequest>(body) {
                answered(app.compare(&req, today));
            }
        }
        3 => {
            if let Ok(req) = serde_json::from_slice::<chipexport::headroom::HeadroomRequest>(body) {
                answered(app.headroom(&req, today));
            }
        }
        4 => {
            if let Ok(req) = serde_json::from_slice::<chipexport::parties::ScreenRequest>(body) {
                answered(app.screen_party(&req, today));
            }
        }
        5 => {
            // POST /api/v1/licences/drawdown, against an empty licence book.
            if let Ok(req) = serde_json::from_slice::<chipexport::licences::DrawdownRequest>(body) {
                answered(app.licence_drawdown(&scratch(), &req, "2026-11-29T00:00:00Z"));
            }
        }
        6 => {
            // POST /api/v1/parties/review: the entry it would record.
            if let Ok(req) = serde_json::from_slice::<chipexport::reviews::ReviewRequest>(body) {
                answered(app.review_entry(&req, today).map(|(e, _)| e.request));
            }
        }
        7 => {
            // POST /api/v1/locate, against an empty fleet record.
            if let Ok(req) = serde_json::from_slice::<chipexport::locate::VerifyRequest>(body) {
                let log = chipexport::audit::LogLocation {
                    data: scratch(),
                    database_url: None,
                };
                let now = "2026-11-29T10:05:00Z".parse().expect("a time");
                answered(chipexport::locate::verify(&scratch(), &log, &req, now));
            }
        }
        _ => {
            // POST /api/v1/metrics: `{"chip"}`, `{"spec"}` or a spec itself.
            if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
                let item = match serde_json::from_value::<chipexport::ItemRef>(v.clone()) {
                    Ok(i) if i.chip.is_some() || i.spec.is_some() => i,
                    _ => chipexport::ItemRef { chip: None, spec: Some(v) },
                };
                answered(app.metrics(&item));
            }
        }
    }
});
