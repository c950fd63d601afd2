//! Tests of the pack format: parsing, located errors, test cases.
use super::*;

fn vocab() -> Vocabulary {
    Vocabulary::embedded().unwrap_or_else(|e| panic!("{e:?}"))
}

const PACK: &str = r#"[pack]
id = "us-test"
title = "t"
short = "t"
jurisdiction = "US"
authority = "BIS"
kind = "final_rule"
published = 2023-10-25
effective = 2023-11-17
status = "in_force"
confidence = "confirmed"
summary = "s"

[[rule]]
id = "a"
decides = "classification"
when = "tpp >= 4800 AND performance_densty > 1"
then = { eccn = "3A090.a" }
paragraph = "p"
text = "t"
confidence = "confirmed"
"#;

#[test]
fn predicate_errors_point_into_the_file() {
    let errs = Pack::parse(&SourceFile::new("p.toml", PACK), &vocab())
        .err()
        .unwrap_or_default();
    let e = errs.first().map(|e| (e.message.clone(), e.line, e.column));
    assert_eq!(
        e,
        Some((
            "unknown fact `performance_densty`".into(),
            Some(17),
            Some(25)
        ))
    );
}

#[test]
fn malformed_status_and_dates_are_located() {
    let bad_status = PACK.replace("status = \"in_force\"", "status = \"maybe\"");
    let errs = Pack::parse(&SourceFile::new("p.toml", bad_status), &vocab())
        .err()
        .unwrap_or_default();
    let e = errs.first().map(|e| (e.line, e.message.contains("maybe")));
    assert_eq!(e, Some((Some(10), true)), "{errs:?}");
    let bad_date = PACK.replace("effective = 2023-11-17", "effective = 2023-13-17");
    let errs = Pack::parse(&SourceFile::new("p.toml", bad_date), &vocab())
        .err()
        .unwrap_or_default();
    assert_eq!(errs.first().and_then(|e| e.line), Some(9), "{errs:?}");
    let until_before = PACK.replace(
        "status = \"in_force\"",
        "until = 2020-01-01\nstatus = \"in_force\"",
    );
    let errs = Pack::parse(&SourceFile::new("p.toml", until_before), &vocab())
        .err()
        .unwrap_or_default();
    assert!(
        errs.iter()
            .any(|e| e.message.contains("is not after `effective`")),
        "{errs:?}"
    );
}

#[test]
fn conditions_need_their_numbers() {
    let text = PACK
        .replace("AND performance_densty > 1", "")
        .replace("decides = \"classification\"", "decides = \"condition\"")
        .replace("{ eccn = \"3A090.a\" }", "{ kind = \"revenue_share\" }");
    let errs = Pack::parse(&SourceFile::new("p.toml", text), &vocab())
        .err()
        .unwrap_or_default();
    assert!(
        errs.iter().any(|e| e.message.contains("numeric `percent`")),
        "{errs:?}"
    );
}

#[test]
fn an_unknown_kind_is_located_with_a_suggestion() {
    let text = PACK
        .replace("AND performance_densty > 1", "")
        .replace("decides = \"classification\"", "decides = \"measure\"")
        .replace(
            "{ eccn = \"3A090.a\" }",
            "{ kind = \"purchase_prohibitted\", effect = \"e\", direction = \"import_into\", binds = [\"all\"] }",
        );
    let errs = Pack::parse(&SourceFile::new("p.toml", text), &vocab())
        .err()
        .unwrap_or_default();
    let e = errs
        .first()
        .map(|e| (e.message.clone(), e.help.clone(), e.line));
    let (message, help, line) = e.unwrap_or_default();
    assert!(
        message.contains("`purchase_prohibitted` is not a measure kind"),
        "{message}"
    );
    assert!(
        help.unwrap_or_default()
            .contains("did you mean `purchase_prohibited`?"),
    );
    assert_eq!(line, Some(18));
}

#[test]
fn an_unknown_review_policy_is_refused() {
    let text = PACK
        .replace("AND performance_densty > 1", "")
        .replace(
            "decides = \"classification\"",
            "decides = \"review_policy\"",
        )
        .replace("{ eccn = \"3A090.a\" }", "{ policy = \"case_by_cse\" }");
    let errs = Pack::parse(&SourceFile::new("p.toml", text), &vocab())
        .err()
        .unwrap_or_default();
    assert!(
        errs.iter()
            .any(|e| e.message.contains("unknown review policy")
                && e.help.as_deref().unwrap_or("").contains("`case_by_case`")),
        "{errs:?}"
    );
}

const OPEN: &str = r#"[pack]
id = "cn-test"
title = "t"
short = "t"
jurisdiction = "CN"
authority = "MOFCOM"
kind = "ministerial_announcement"
published = 2025-10-09
effective = 2025-12-01
status = "in_force"
confidence = "confirmed"
summary = "s"

[pack.open_end]
after = 2026-11-10
note = "whether the suspension was extended is not known"
settle = ["a MOFCOM announcement on the suspension after 10 Nov 2026"]
"#;

#[test]
fn an_open_end_is_parsed_and_answers_by_date() {
    let p =
        Pack::parse(&SourceFile::new("o.toml", OPEN), &vocab()).unwrap_or_else(|e| panic!("{e:?}"));
    let o = p.open_end().unwrap_or_else(|| panic!("no open end"));
    assert_eq!(o.after, Date::constant(2026, 11, 10));
    assert_eq!(o.settle.len(), 1);
    assert!(!p.is_open_on(Date::constant(2026, 11, 10)));
    assert!(p.is_open_on(Date::constant(2026, 11, 11)));
    let json = serde_json::to_value(&p.meta).unwrap_or_default();
    assert_eq!(json["open_end"]["after"], "2026-11-10");
}

#[test]
fn an_open_end_needs_a_settling_fact_and_a_date_in_force() {
    let empty = OPEN.replace(
        "settle = [\"a MOFCOM announcement on the suspension after 10 Nov 2026\"]",
        "settle = []",
    );
    let errs = Pack::parse(&SourceFile::new("o.toml", &empty), &vocab())
        .err()
        .unwrap_or_default();
    assert!(
        errs.iter().any(|e| e.message.contains("`settle`")),
        "{errs:?}"
    );
    let early = OPEN.replace("after = 2026-11-10", "after = 2025-01-01");
    let errs = Pack::parse(&SourceFile::new("o.toml", &early), &vocab())
        .err()
        .unwrap_or_default();
    assert!(
        errs.iter()
            .any(|e| e.message.contains("before `effective`")),
        "{errs:?}"
    );
    let unknown = OPEN.replace("note = \"whether", "notes = \"whether");
    assert!(Pack::parse(&SourceFile::new("o.toml", &unknown), &vocab()).is_err());
}

#[test]
fn a_pack_cited_only_from_weak_sources_cannot_claim_more_than_unconfirmed() {
    // The pack's own confidence line comes first in PACK; the rule's second.
    let with = |url: &str, confidence: &str| {
        PACK.replace("performance_densty", "performance_density")
            .replacen(
                "confidence = \"confirmed\"\nsummary = \"s\"\n",
                &format!(
                    "confidence = \"{confidence}\"\nsummary = \"s\"\n[pack.citation]\nurls = [\"{url}\"]\n"
                ),
                1,
            )
    };
    let errs = |text: String| {
        Pack::parse(&SourceFile::new("p.toml", text), &vocab())
            .err()
            .unwrap_or_default()
    };
    let weak = errs(with("https://some-blog.example/post", "confirmed"));
    assert!(
        weak.iter()
            .any(|e| e.message.contains("every cited source is weak")),
        "{weak:?}"
    );
    assert!(errs(with("https://some-blog.example/post", "unconfirmed")).is_empty());
    assert!(
        errs(with(
            "https://www.federalregister.gov/d/2023-23055",
            "confirmed"
        ))
        .is_empty()
    );
}
