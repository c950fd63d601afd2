//! Fuzzes the ownership-file reader (CSV and TOML): any input gives owners
//! whose names are present and whose shares add up to 100 at most, or an
//! error naming a line and a field; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for name in ["owners.csv", "owners.toml"] {
        match chipexport_parties::owners::parse(name, data) {
            Ok(owners) => {
                let total: f64 = owners.iter().filter_map(|o| o.percent).sum();
                assert!(total <= 100.0 + 1e-6);
                assert!(owners.iter().all(|o| !o.name.trim().is_empty()));
            }
            Err(e) => assert!(e.line.is_some() && e.field.is_some()),
        }
    }
});
