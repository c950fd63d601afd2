//! The historical China-market designs as headroom questions: the engine,
//! starting from the flagship part, finds the line the real China part was
//! built under. The real parts' figures (from the catalog) stand beside.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chipexport_catalog::Catalog;
use chipexport_domain::{Country, Date};
use chipexport_rules::headroom::{Design, Headroom, Knob, Probe, Target};
use chipexport_rules::{ItemFacts, Mode, Question, RuleSet};

fn question(cat: &Catalog, chip: &str, to: &str, on: &str) -> Question {
    let e = cat.lookup(chip).unwrap();
    let dest = Country::parse(to).unwrap();
    Question {
        item: ItemFacts::from_spec(&e.spec, &e.metrics),
        destination: dest,
        end_user_hq: dest,
        exported_from: Country::us(),
        on: on.parse::<Date>().unwrap(),
        buyer_type: None,
        exporter_role: None,
        subject_to_ear: None,
        mode: Mode::Enforced,
        with_packs: Vec::new(),
        parties: Default::default(),
        known_as_of: None,
        min_confidence: None,
    }
}

fn analyse(chip: &str, to: &str, on: &str, target: Target, knobs: &[Knob]) -> Headroom {
    let rs = RuleSet::embedded().unwrap();
    let cat = Catalog::embedded().unwrap();
    let q = question(&cat, chip, to, on);
    let spec = &cat.lookup(chip).unwrap().spec;
    Probe {
        rs: &rs,
        spec,
        question: &q,
        target,
    }
    .analyse(knobs)
}

fn metric(chip: &str, f: impl Fn(&chipexport_domain::Metrics) -> Option<f64>) -> f64 {
    f(&Catalog::embedded().unwrap().lookup(chip).unwrap().metrics).unwrap()
}

#[test]
fn a100_for_china_in_2023_cut_the_interconnect_the_a800_answer() {
    let h = analyse(
        "A100",
        "CN",
        "2023-01-01",
        Target::NoLicense,
        &[Knob::Interconnect, Knob::Throughput],
    );
    assert!(!h.holds_now);
    let ic = &h.knobs[0];
    assert_eq!(
        (ic.limit, ic.inclusive, ic.exact),
        (Some(600.0), false, true),
        "{}",
        ic.text
    );
    assert!(
        ic.binding_rules
            .iter()
            .any(|r| r == "us-2022-10-13-ac-ifr#3a090-a-2022"),
        "{:?}",
        ic.binding_rules
    );
    // The real A800 kept the A100's compute and cut NVLink to 400 GB/s.
    let a800_ic = metric("A800", |m| m.interconnect_gbps);
    assert!(a800_ic < 600.0 && metric("A800", |m| m.tpp) == metric("A100", |m| m.tpp));
    // Keeping 600 GB/s instead would have meant TPP under 4800.
    assert_eq!(
        (h.knobs[1].limit, h.knobs[1].inclusive),
        (Some(4800.0), false)
    );
}

#[test]
fn h100_for_china_in_2024_finds_the_h20_ceiling_and_density_line() {
    let h = analyse(
        "H100",
        "CN",
        "2024-01-01",
        Target::NoLicense,
        &[Knob::Throughput],
    );
    let tpp = &h.knobs[0];
    assert_eq!(
        (tpp.limit, tpp.inclusive),
        (Some(2400.0), false),
        "{}",
        tpp.text
    );
    assert_eq!(
        tpp.binding_rules,
        vec!["us-2023-10-25-ac-s-ifr#3a090-b-1".to_string()]
    );
    // The real H20: TPP 2368, 32 under the line, on the same 814 mm² die.
    let h20 = metric("H20", |m| m.tpp);
    assert!(h20 < 2400.0 && 2400.0 - h20 == 32.0);
    // At the H20's TPP, the die may not shrink below TPP / 3.2 = 740 mm²
    // (3A090.b.2's density line); the H20's 814 mm² clears it.
    let rs = RuleSet::embedded().unwrap();
    let cat = Catalog::embedded().unwrap();
    let e = cat.lookup("H20").unwrap();
    let q = question(&cat, "H20", "CN", "2024-01-01");
    let probe = Probe {
        rs: &rs,
        spec: &e.spec,
        question: &q,
        target: Target::NoLicense,
    };
    let d = Design {
        tpp: h20,
        die_area_mm2: Some(814.0),
        memory_bandwidth_gbps: Some(4000.0),
        interconnect_gbps: Some(900.0),
    };
    let area = probe.knob(Knob::DieArea, &d);
    assert_eq!(
        (area.limit, area.inclusive),
        (Some(2368.0 / 3.2), false),
        "{}",
        area.text
    );
    assert!(
        area.binding_rules
            .iter()
            .any(|r| r == "us-2023-10-25-ac-s-ifr#3a090-b-2"),
        "{:?}",
        area.binding_rules
    );
}

#[test]
fn rtx_4090_for_china_finds_the_4800_line_of_the_4090_d() {
    let h = analyse(
        "RTX 4090",
        "CN",
        "2024-01-01",
        Target::NoLicense,
        &[Knob::Throughput],
    );
    let tpp = &h.knobs[0];
    assert_eq!(
        (tpp.limit, tpp.inclusive),
        (Some(4800.0), false),
        "{}",
        tpp.text
    );
    assert!(
        tpp.binding_rules.iter().any(|r| r.ends_with("#note-2")),
        "{:?}",
        tpp.binding_rules
    );
    let d = metric("RTX 4090 D", |m| m.tpp);
    assert!(d < 4800.0, "the real 4090 D sits under the line: {d}");
}

#[test]
fn b300_after_jan_2026_needs_two_cuts_for_case_by_case_which_the_b30a_misses() {
    let h = analyse("B300", "CN", "2026-02-01", Target::CaseByCase, &Knob::ALL);
    assert!(!h.holds_now);
    assert!(
        h.knobs.iter().all(|k| k.unreachable),
        "no single knob suffices"
    );
    let j = h.joint.expect("joint reductions, not an error");
    assert_eq!(j.knobs.len(), 2);
    assert!(
        j.knobs.contains(&(Knob::Throughput, 21000.0, false)),
        "{}",
        j.text
    );
    assert!(
        j.knobs.contains(&(Knob::MemoryBandwidth, 6500.0, false)),
        "{}",
        j.text
    );
    // The reported B30A (half a B300: TPP ~27,000, estimate) keeps memory
    // under 6,500 GB/s but not TPP under 21,000.
    assert!(
        metric("B30A", |m| m.tpp) > 21000.0 && metric("B30A", |m| m.memory_bandwidth_gbps) < 6500.0
    );
}

#[test]
fn b200_outside_every_path_gets_reductions_not_an_error() {
    let h = analyse("B200", "CN", "2026-03-01", Target::CaseByCase, &Knob::ALL);
    assert!(
        h.joint.is_some(),
        "{:?}",
        h.knobs.iter().map(|k| &k.text).collect::<Vec<_>>()
    );
}
