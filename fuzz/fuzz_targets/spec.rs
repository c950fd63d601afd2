//! The spec parser never panics, on TOML or JSON: it returns a spec or
//! located errors.
#![no_main]
use chipexport_domain::{ChipSpec, Metrics, SourceFile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    for name in ["fuzz.toml", "fuzz.json"] {
        if let Ok(spec) = ChipSpec::parse(&SourceFile::new(name, data)) {
            let _ = Metrics::of(&spec);
        }
    }
});
