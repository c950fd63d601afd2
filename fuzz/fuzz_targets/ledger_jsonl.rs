//! Fuzzes the JSON Lines ledger reader: any lines, screened end to end (see
//! ledger_common.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "ledger_common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if !data.is_empty() {
        common::screen("jsonl", data);
    }
});
