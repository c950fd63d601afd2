//! The conformance corpus: every pack's own `[[test]]` cases, run through
//! the same `decide` as `check`.

use chipexport_catalog::Catalog;
use chipexport_domain::{Country, Metrics};
use serde::Serialize;

use crate::engine::{Decision, Question};
use crate::pack::{Pack, TestCase};
use crate::provision::Provision;
use crate::ruleset::{Mode, RuleSet};
use crate::vocabulary::ReviewPolicy;

/// The result of one test case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    /// The pack's id.
    pub pack: String,
    /// The pack's file.
    pub file: String,
    /// The test's name.
    pub name: String,
    /// The line of the test's name in the file.
    pub line: Option<usize>,
    /// What did not match (empty when the test passed).
    pub failures: Vec<String>,
}

impl CaseResult {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Builds the question a test case asks, or says why it cannot.
pub fn question_of(
    rs: &RuleSet,
    catalog: &Catalog,
    pack: &Pack,
    t: &TestCase,
) -> Result<(Question, Metrics), String> {
    let spec = match (&t.chip, pack.test_spec(t)) {
        (_, Err(e)) => return Err(format!("inline spec: {}", e.message)),
        (_, Ok(Some(s))) => s,
        (Some(id), Ok(None)) => catalog
            .lookup(id)
            .map_err(|e| format!("{e}: {}", e.help()))?
            .spec
            .clone(),
        (None, Ok(None)) => return Err("no chip or spec".into()),
    };
    let metrics = Metrics::of(&spec);
    let country = |s: &str| Country::parse(s).map_err(|e| format!("{e}: {}", e.help()));
    let destination = country(&t.to)?;
    let end_user_hq = t
        .end_user_hq
        .as_deref()
        .map(country)
        .transpose()?
        .unwrap_or(destination);
    let exported_from = t
        .from
        .as_deref()
        .map(country)
        .transpose()?
        .unwrap_or(Country::us());
    let mode = match t.mode.as_deref() {
        None | Some("enforced") => Mode::Enforced,
        Some("as_written") => Mode::AsWritten,
        Some(m) => return Err(format!("unknown mode `{m}`: use enforced or as_written")),
    };
    let with_packs = if pack.meta.status == crate::pack::Status::Proposed {
        vec![pack.meta.id.clone()]
    } else {
        Vec::new()
    };
    let q = Question::new(&spec, &metrics, destination, t.on)
        .end_user_hq(end_user_hq)
        .exported_from(exported_from)
        .buyer_type(t.buyer_type.clone())
        .exporter_role(t.exporter_role.clone())
        .parties(t.parties.clone())
        .subject_to_ear(t.subject_to_ear)
        .mode(mode)
        .with_packs(with_packs)
        .known_as_of(t.known_as_of);
    rs.validate(&q).map_err(|e| format!("{e}: {}", e.help))?;
    Ok((q, metrics))
}

/// Compares a decision with a test's expectations.
pub fn compare(d: &Decision, t: &TestCase) -> Vec<String> {
    let e = &t.expect;
    let mut f = Vec::new();
    if let Some(x) = &e.eccn
        && *x != d.eccn
    {
        f.push(format!("eccn: expected `{x}`, got `{}`", d.eccn));
    }
    if let Some(x) = e.license_required
        && Some(x) != d.license_required
    {
        f.push(format!(
            "license_required: expected {x}, got {} ({})",
            d.license_required
                .map_or("null".to_string(), |b| b.to_string()),
            d.status
        ));
    }
    if let Some(x) = &e.status
        && *x != d.status.as_str()
    {
        f.push(format!("status: expected `{x}`, got `{}`", d.status));
    }
    if let Some(x) = &e.license_exceptions {
        let mut a = x.clone();
        a.sort();
        let mut b = d.license_exceptions.clone();
        b.sort();
        if a != b {
            f.push(format!("license_exceptions: expected {a:?}, got {b:?}"));
        }
    }
    if let Some(x) = &e.review_policy {
        let got = d.review_policy.map_or("none", ReviewPolicy::as_str);
        if x != got {
            f.push(format!("review_policy: expected `{x}`, got `{got}`"));
        }
    }
    let fired = d.rules_fired();
    for r in e.rules_fired.iter().flatten() {
        if !fired.iter().any(|x| x == r) {
            f.push(format!(
                "rule `{r}` did not fire (fired: {})",
                fired.join(", ")
            ));
        }
    }
    for r in e.rules_not_fired.iter().flatten() {
        if fired.iter().any(|x| x == r) {
            f.push(format!("rule `{r}` fired but should not"));
        }
    }
    let kinds = |v: &[Provision]| {
        v.iter()
            .map(|i| i.kind().as_str().to_string())
            .collect::<Vec<_>>()
    };
    for (label, want, got) in [
        ("condition", &e.conditions, kinds(&d.conditions)),
        ("measure", &e.measures, kinds(&d.measures)),
        // A pack's expected notices include its context notes.
        (
            "notice",
            &e.notices,
            [kinds(&d.notices), kinds(&d.context)].concat(),
        ),
    ] {
        for k in want.iter().flatten() {
            if !got.contains(k) {
                f.push(format!(
                    "{label} `{k}` is missing (got: {})",
                    got.join(", ")
                ));
            }
        }
    }
    let got = kinds(&d.measures);
    for k in e.measures_absent.iter().flatten() {
        if got.contains(k) {
            f.push(format!("measure `{k}` applies but should not"));
        }
    }
    let possible: Vec<String> = d
        .possible_measures
        .iter()
        .filter_map(|u| u.would.kind().map(|k| k.as_str().to_string()))
        .collect();
    for k in e.measures_possible.iter().flatten() {
        if !possible.contains(k) {
            f.push(format!(
                "measure `{k}` should be reported as possible (got: {})",
                possible.join(", ")
            ));
        }
    }
    f
}

/// Runs every test case of every pack (or of the packs named).
pub fn run(rs: &RuleSet, catalog: &Catalog, only: Option<&str>) -> Vec<CaseResult> {
    let mut out = Vec::new();
    for p in rs
        .packs()
        .iter()
        .filter(|p| only.is_none_or(|o| p.meta.id == o))
    {
        for t in &p.tests {
            let line = chipexport_domain::SourceFile::new(p.file.clone(), p.source.clone())
                .locate(&["test", &t.index.to_string(), "name"])
                .map(|r| chipexport_domain::diag::line_col(&p.source, r.start).0);
            let failures = match question_of(rs, catalog, p, t) {
                Ok((q, _)) => compare(&rs.decide(&q), t),
                Err(e) => vec![e],
            };
            out.push(CaseResult {
                pack: p.meta.id.clone(),
                file: p.file.clone(),
                name: t.name.clone(),
                line,
                failures,
            });
        }
    }
    out
}
