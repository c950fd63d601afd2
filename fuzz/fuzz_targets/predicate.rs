//! The predicate parser never panics, and what it accepts renders to text
//! that parses back to the same expression.
#![no_main]
use chipexport_rules::expr::{parse_predicate, render};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    if let Ok(e) = parse_predicate(data) {
        let again = parse_predicate(&render(&e));
        assert_eq!(again.ok(), Some(e));
    }
});
