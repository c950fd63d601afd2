//! Fuzzes the FollowTheMoney (OpenSanctions) importer directly: any lines
//! are imported whole or refused with a located error, never a panic; an
//! imported list indexes and answers a query.
#![no_main]

use chipexport_parties::load::ftm_jsonl;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let date = chipexport_domain::parse_date("2026-07-31").expect("a date");
    match ftm_jsonl("entities.ftm.json", text, date) {
        Ok(mut list) if !list.entries.is_empty() => {
            list.assign_ids();
            let ix = chipexport_parties::Index::build(list);
            let _ = ix.search("Huawei Technologies Co Ltd", Some("CN"), 0.88);
        }
        Ok(_) => {}
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
