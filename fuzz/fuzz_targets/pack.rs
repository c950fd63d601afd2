//! The rule-pack parser never panics: it returns a pack or located errors.
#![no_main]
use chipexport_domain::SourceFile;
use chipexport_rules::pack::Pack;
use chipexport_rules::vocabulary::Vocabulary;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    let vocab = Vocabulary::shared().expect("the embedded vocabulary loads");
    let _ = Pack::parse(&SourceFile::new("fuzz.toml", data), vocab);
});
