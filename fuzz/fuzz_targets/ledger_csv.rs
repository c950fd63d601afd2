//! Fuzzes the CSV ledger reader: rows after the ledger's header, screened
//! end to end (see ledger_common.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "ledger_common.rs"]
mod common;

const HEADER: &[u8] = b"order_id,chip,quantity,unit_price,currency,destination,end_user,ship_date,end_user_hq,exported_from,buyer_type\n";

fuzz_target!(|data: &[u8]| {
    // Odd first byte: the rows after the real header; even: the whole file
    // (a header of the fuzzer's own).
    match data.split_first() {
        Some((b, rest)) if b % 2 == 1 => common::screen("csv", &[HEADER, rest].concat()),
        Some((_, rest)) if !rest.is_empty() => common::screen("csv", rest),
        _ => {}
    }
});
