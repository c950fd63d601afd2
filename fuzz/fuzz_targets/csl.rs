//! Fuzzes the Consolidated Screening List importers directly (the CSV of
//! 29 columns and the JSON), past the format detection of
//! `screening_list`: any input is imported whole or refused with a located
//! error, never a panic; an imported list indexes and answers a query.
#![no_main]

use chipexport_parties::load::{csl_csv, csl_json};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let date = chipexport_domain::parse_date("2026-07-31").expect("a date");
    for list in [csl_csv("csl.csv", text, date), csl_json("csl.json", text, Some(date))] {
        match list {
            Ok(mut list) if !list.entries.is_empty() => {
                list.assign_ids();
                let ix = chipexport_parties::Index::build(list);
                let _ = ix.search("Huawei Technologies Co Ltd", Some("CN"), 0.88);
            }
            Ok(_) => {}
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
});
