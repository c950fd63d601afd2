//! Fuzzes the screening-list loaders (compact JSON, CSL CSV and JSON,
//! FollowTheMoney lines): any input is loaded whole or refused with a
//! located error, never a panic; a loaded list indexes and answers a query.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for name in ["list-2026-07-31.csv", "list-2026-07-31.json", "list-2026-07-31.jsonl"] {
        if let Ok(list) = chipexport_parties::load(name, data, None) {
            let ix = chipexport_parties::Index::build(list);
            let _ = ix.search("Huawei Technologies Co Ltd", Some("CN"), 0.88);
        }
    }
});
