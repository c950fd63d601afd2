//! Fuzzes the location-measurement batch parser: any input is parsed whole
//! or refused with an error whose line exists and whose span lies in the
//! input, never a panic; a parsed record round-trips through its JSON line,
//! and verifying it against a key never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match chipexport_locate::parse_batch(text) {
        Ok(records) => {
            let key = chipexport_locate::key_from_seed("fuzz").verifying_key();
            for m in &records {
                let back = chipexport_locate::parse_batch(&m.to_json_line());
                assert!(back.is_ok(), "a parsed record must parse again");
                let _ = m.signature_valid(&key);
                let _ = m.rtt_ms();
            }
        }
        Err(e) => {
            assert!(e.line >= 1 && e.line <= text.split('\n').count());
            assert!(text.get(e.span.clone()).is_some() || e.span.end <= text.len());
        }
    }
});
