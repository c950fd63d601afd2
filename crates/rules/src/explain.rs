//! Plain-language explanations of decisions: the one-line verdict and the
//! memo a compliance officer can paste into a file.

use std::fmt::Write as _;

use chipexport_domain::{Country, fmt_num};

use crate::engine::{Decision, Interval};
use crate::pack::Outcome;
use crate::provision::Provision;
use crate::status::LicenseStatus;
use crate::vocabulary::{ReviewPolicy, SaleEffect, Vocabulary};

fn policy_phrase(p: Option<ReviewPolicy>) -> &'static str {
    p.map_or("no published review policy", ReviewPolicy::describe)
}

fn country_name(code: &str) -> String {
    Country::parse(code).map_or(code.to_string(), |c| c.name().to_string())
}

/// ` (depends on tpp, performance_density)`, or nothing when the
/// undetermined rules name no fact of the question.
fn depends_on(d: &Decision) -> String {
    if d.deciding_facts.is_empty() {
        String::new()
    } else {
        format!(" (depends on {})", d.deciding_facts.join(", "))
    }
}

/// `Russia sanctions (15 CFR 746.8) is not encoded`, for an answer outside
/// coverage.
fn gap_phrase(d: &Decision) -> String {
    d.coverage_gap.as_ref().map_or_else(
        || "the encoded rules do not cover this question".to_string(),
        |g| format!("{}: not encoded", g.regime),
    )
}

/// The one line a manager reads: [`verdict_parts`] joined by `"; "`.
pub fn verdict(d: &Decision, vocab: &Vocabulary) -> String {
    verdict_parts(d, vocab).join("; ")
}

/// The headline's warning when the US answer rests on a rule whose
/// encoding is not confirmed: the weakest of the rules that decided the
/// classification, the licence requirement, an exception or the review
/// policy (a rule's confidence is its own or its pack's, whichever is
/// weaker).
fn weakest_deciding_rule(d: &Decision) -> Option<String> {
    use crate::pack::Slot;
    let deciding = [
        Slot::Classification,
        Slot::LicenseRequirement,
        Slot::LicenseException,
        Slot::ReviewPolicy,
    ];
    let weakest = d
        .reasons
        .iter()
        .filter(|r| deciding.contains(&r.slot))
        .map(|r| r.confidence)
        .max()?;
    if weakest == chipexport_domain::Confidence::Confirmed {
        return None;
    }
    let rules: Vec<&str> = d
        .reasons
        .iter()
        .filter(|r| deciding.contains(&r.slot) && r.confidence == weakest)
        .map(|r| r.rule.as_str())
        .collect();
    Some(format!(
        " (rests on {} encoding: {})",
        weakest.as_str().to_uppercase(),
        rules.join(", ")
    ))
}

/// The parts of the verdict: the US layer (`US: ...`), each other
/// jurisdiction's measures (`China: ...`), the measures that may apply, and
/// the net effect (`net: ...`). Callers that show the parts on lines of
/// their own use these instead of splitting the verdict.
pub fn verdict_parts(d: &Decision, vocab: &Vocabulary) -> Vec<String> {
    let required = d.license_required == Some(true);
    let mut us = if required {
        let mut s = format!(
            "licence required ({}), {}",
            d.eccn,
            policy_phrase(d.review_policy)
        );
        if !d.license_exceptions.is_empty() {
            s.push_str(&format!(
                ", or licence exception {}",
                d.license_exceptions.join("/")
            ));
        }
        s
    } else if d.status == LicenseStatus::Undetermined {
        format!("cannot decide{}", depends_on(d))
    } else if d.status == LicenseStatus::OutsideCoverage {
        format!("outside coverage ({})", gap_phrase(d))
    } else {
        "no licence required".to_string()
    };
    let certs = d
        .conditions
        .iter()
        .filter(|c| {
            vocab
                .condition_kind(c.kind().as_str())
                .is_some_and(|k| k.certification)
        })
        .count();
    for c in &d.conditions {
        if let Some(p) = c.terms.percent {
            // "15% revenue share", "25% import duty": the kind says what is paid.
            us.push_str(&format!(", {}% {}", fmt_num(p), c.kind().phrase()));
        }
    }
    if certs > 0 {
        us.push_str(&format!(
            ", {certs} certification{}",
            if certs == 1 { "" } else { "s" }
        ));
    }
    if let Some(doubt) = weakest_deciding_rule(d) {
        us.push_str(&doubt);
    }
    let mut parts = vec![format!("US: {us}")];
    let mut by_j: Vec<(String, Vec<&Provision>)> = Vec::new();
    for m in &d.measures {
        match by_j.iter_mut().find(|(j, _)| *j == m.jurisdiction) {
            Some((_, v)) => v.push(m),
            None => by_j.push((m.jurisdiction.clone(), vec![m])),
        }
    }
    for (j, ms) in &by_j {
        let mut kinds: Vec<String> = Vec::new();
        for m in ms {
            let k = format!(
                "{} ({}, {})",
                m.kind().phrase(),
                m.legal_form.replace('_', " "),
                m.confidence
            );
            if !kinds.contains(&k) {
                kinds.push(k);
            }
        }
        parts.push(format!("{}: {}", country_name(j), kinds.join(", ")));
    }
    if !d.possible_measures.is_empty() {
        parts.push(format!(
            "{} more measure(s) may apply depending on the buyer",
            d.possible_measures.len()
        ));
    }
    let sale = |effect: SaleEffect| {
        d.measures.iter().any(|m| {
            vocab
                .measure_kind(m.kind().as_str())
                .is_some_and(|k| k.sale == Some(effect))
        })
    };
    let blocking = sale(SaleEffect::Blocked);
    let deterring = sale(SaleEffect::Deterred);
    let net = if blocking {
        "blocked by the destination's measures"
    } else if required
        && d.review_policy.is_some_and(|p| !p.is_reviewable())
        && d.license_exceptions.is_empty()
    {
        "export unlikely to be authorised"
    } else if required && deterring {
        "sale unlikely: a US licence is needed and the destination discourages the purchase"
    } else if required && !d.license_exceptions.is_empty() {
        "possible under a licence exception, with its obligations"
    } else if required {
        "possible only with a US licence"
    } else if d.status == LicenseStatus::Undetermined {
        "cannot decide whether a US licence is needed until the facts above are known"
    } else if d.status == LicenseStatus::OutsideCoverage {
        "no answer: outside what chipexport encodes"
    } else if deterring {
        "no US licence needed, but sale unlikely: the destination discourages or restricts the purchase"
    } else {
        "may ship without a US licence"
    };
    parts.push(format!("net: {net}"));
    parts
}

/// Writes `text` wrapped at 92 columns: the first line after `first`, the
/// others indented to align with it.
fn wrap(out: &mut String, first: &str, text: &str) {
    let width = 92usize;
    let cont = " ".repeat(first.chars().count());
    let mut indent = first.to_string();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent.chars().count() + line.len() + 1 + word.len() > width {
            let _ = writeln!(out, "{indent}{line}");
            line.clear();
            indent.clone_from(&cont);
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{indent}{line}");
    }
}

fn obj_text(i: &Provision) -> String {
    let t = &i.terms;
    let mut s = t.kind.phrase();
    if let Some(p) = t.percent {
        s.push_str(&format!(" {}%", fmt_num(p)));
    }
    if let Some(p) = t.max_percent {
        s.push_str(&format!(" (at most {}%)", fmt_num(p)));
    }
    if let Some(words) = t.description() {
        s.push_str(": ");
        s.push_str(words);
    }
    s
}

fn would_text(o: &Outcome) -> String {
    match o {
        Outcome::Classification { eccn, .. } => format!("classify as {eccn}"),
        Outcome::License { required: true } => "require a licence".into(),
        Outcome::License { required: false } => "lift the licence requirement".into(),
        Outcome::Exception { exception, .. } => {
            format!("make licence exception {exception} available")
        }
        Outcome::Review { policy } => {
            format!("set the review policy to {}", policy.describe())
        }
        Outcome::Provision(t) => format!("add {}", t.kind.phrase()),
    }
}

/// The memo for one decision.
pub fn memo(d: &Decision, item_name: &str) -> String {
    let q = &d.question;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{item_name} to {} ({}) on {}",
        country_name(q.destination.as_str()),
        q.destination,
        q.on
    );
    let _ = writeln!(
        o,
        "end user headquartered in {}; exported from {}{}{}; {} rules",
        q.end_user_hq,
        q.exported_from,
        q.buyer_type
            .as_ref()
            .map_or(String::new(), |b| format!("; buyer type {b}")),
        q.exporter_role
            .as_ref()
            .map_or(String::new(), |b| format!("; exporter role {b}")),
        match q.mode {
            crate::ruleset::Mode::Enforced => "enforced",
            crate::ruleset::Mode::AsWritten => "as-written",
        }
    );
    if let Some(m) = q.min_confidence {
        let _ = writeln!(
            o,
            "only rules encoded {m} or better decide; weaker ones leave the answer undetermined"
        );
    }
    if d.known_as_of != q.on {
        let _ = writeln!(
            o,
            "with hindsight: rules and facts as public on {}, not on {}",
            d.known_as_of, q.on
        );
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "ANSWER");
    let _ = writeln!(
        o,
        "  US licence required:  {}",
        match d.status {
            LicenseStatus::Required => "yes".to_string(),
            LicenseStatus::NotRequired => "no".to_string(),
            LicenseStatus::Undetermined => format!("cannot decide{}", depends_on(d)),
            LicenseStatus::OutsideCoverage => format!("outside coverage ({})", gap_phrase(d)),
        }
    );
    let _ = writeln!(
        o,
        "  Classification:       {}{}",
        d.eccn,
        d.eccn_note
            .as_ref()
            .map_or(String::new(), |n| format!(" ({n})"))
    );
    if d.license_required == Some(true) {
        let _ = writeln!(
            o,
            "  Review policy:        {}",
            policy_phrase(d.review_policy)
        );
        if d.exception_details.is_empty() {
            let _ = writeln!(o, "  Licence exceptions:   none available");
        }
        for e in &d.exception_details {
            let _ = writeln!(o, "  Licence exception:    {} ({})", e.exception, e.rule);
            for ob in &e.obligations {
                wrap(&mut o, "                          - ", ob);
            }
        }
    }
    for c in &d.conditions {
        wrap(
            &mut o,
            "  Condition:            ",
            &format!("{} [{}]", obj_text(c), c.rule),
        );
    }
    for m in &d.measures {
        wrap(
            &mut o,
            "  Measure:              ",
            &format!(
                "{}: {} ({}, {}; {})",
                country_name(&m.jurisdiction),
                obj_text(m),
                m.legal_form.replace('_', " "),
                m.confidence,
                m.instrument
            ),
        );
    }
    for m in &d.possible_measures {
        wrap(
            &mut o,
            "  May apply:            ",
            &format!(
                "{} would {} if {} were known [{}]",
                m.text,
                would_text(&m.would),
                m.missing.join(", "),
                m.rule
            ),
        );
    }
    for n in &d.notices {
        wrap(
            &mut o,
            "  Notice:               ",
            &format!("{} [{}]", obj_text(n), n.rule),
        );
    }
    for n in &d.context {
        wrap(
            &mut o,
            "  Context (not law):    ",
            &format!("{} [{}]", obj_text(n), n.rule),
        );
    }
    let _ = writeln!(o);
    wrap(&mut o, "VERDICT  ", &d.verdict);
    let _ = writeln!(o);
    let _ = writeln!(o, "WHY");
    if d.reasons.is_empty() {
        let _ = writeln!(
            o,
            "  No rule in force on {} applies to this item and destination.",
            q.on
        );
        if d.instruments.is_empty() {
            let _ = writeln!(
                o,
                "  No encoded instrument is in force on that date (the first, the Oct 2022 rule, took effect on 2022-10-07)."
            );
        }
    }
    for (i, r) in d.reasons.iter().enumerate() {
        let _ = writeln!(o, "  {}. {} - {}", i + 1, r.paragraph, r.instrument);
        wrap(&mut o, "     ", &r.text);
        for e in &r.evidence {
            wrap(&mut o, "     because ", e);
        }
        let _ = writeln!(
            o,
            "     cite: {} [{}; {}]",
            r.citation, r.rule, r.confidence
        );
    }
    if !d.displaced.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "DISPLACED BY EXCEPTIONS");
        for x in &d.displaced {
            let _ = writeln!(o, "  {} gives way to {}", x.rule, x.by);
        }
    }
    if !d.undetermined.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "NOT DECIDED (missing facts)");
        for u in &d.undetermined {
            wrap(
                &mut o,
                "  - ",
                &format!(
                    "{} would {} if it applies; it depends on {} [{}]",
                    u.text,
                    would_text(&u.would),
                    u.missing.join(", "),
                    u.rule
                ),
            );
        }
    }
    if !d.nearest_lines.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "WHAT WOULD CHANGE THE ANSWER (nearest lines)");
        for n in d.nearest_lines.iter().take(5) {
            let _ = writeln!(o, "  - {} [{}]", n.text, n.test);
        }
    }
    if !d.not_enforced.is_empty() || !d.flags.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "FLAGS");
        for f in d.not_enforced.iter().chain(d.flags.iter()) {
            wrap(&mut o, "  ! ", &f.text);
        }
    }
    if let Some(m) = &d.metrics {
        let _ = writeln!(o);
        let _ = writeln!(o, "METRICS");
        let _ = writeln!(o, "  {}", m.derivation.tpp);
        let _ = writeln!(o, "  {}", m.derivation.performance_density);
        let _ = writeln!(
            o,
            "  memory {} GB/s, interconnect {} GB/s",
            m.memory_bandwidth_gbps.map_or("unknown".into(), fmt_num),
            m.interconnect_gbps.map_or("unknown".into(), fmt_num)
        );
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "rule set {} (sha256 {})", d.rule_set.id, d.rule_set.hash);
    o
}

/// The memo for a timeline: each interval with its verdict, what opened
/// it, and what began or ended relative to the interval before (the JSON
/// form has every interval's full decision).
pub fn timeline_memo(intervals: &[Interval], item_name: &str, destination: &str) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{item_name} to {} ({destination}): access over time",
        country_name(destination)
    );
    let _ = writeln!(o);
    // Everything that applies in an interval, by rule id, with a line each.
    let lines = |d: &Decision| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = d
            .reasons
            .iter()
            .filter(|r| {
                matches!(
                    r.slot,
                    crate::pack::Slot::Classification
                        | crate::pack::Slot::LicenseRequirement
                        | crate::pack::Slot::ReviewPolicy
                        | crate::pack::Slot::LicenseException
                )
            })
            .map(|r| {
                (
                    r.rule.clone(),
                    format!("{} ({}; {})", r.paragraph, r.instrument, r.citation),
                )
            })
            .collect();
        v.extend(d.conditions.iter().map(|c| {
            (
                c.rule.clone(),
                format!("condition: {} ({})", obj_text(c), c.citation),
            )
        }));
        v.extend(d.measures.iter().map(|m| {
            (
                m.rule.clone(),
                format!(
                    "{} measure: {} ({}, {}; {})",
                    country_name(&m.jurisdiction),
                    obj_text(m),
                    m.legal_form.replace('_', " "),
                    m.confidence,
                    m.citation
                ),
            )
        }));
        v.extend(d.notices.iter().map(|n| {
            (
                n.rule.clone(),
                format!("notice: {} ({})", obj_text(n), n.citation),
            )
        }));
        v.extend(d.context.iter().map(|n| {
            (
                n.rule.clone(),
                format!("context, not law: {} ({})", obj_text(n), n.citation),
            )
        }));
        v
    };
    let mut prev: Vec<(String, String)> = Vec::new();
    for iv in intervals {
        let to = iv
            .to
            .map_or("today and on".to_string(), |t| format!("until {t}"));
        let _ = writeln!(o, "{} {}", iv.from, to);
        wrap(&mut o, "  ", &iv.decision.verdict);
        for b in &iv.opened_by {
            wrap(&mut o, "  opened by: ", b);
        }
        let now = lines(&iv.decision);
        for (id, line) in &now {
            if !prev.iter().any(|(p, _)| p == id) {
                wrap(&mut o, "  + ", line);
            }
        }
        let ended: Vec<&str> = prev
            .iter()
            .filter(|(p, _)| !now.iter().any(|(n, _)| n == p))
            .map(|(p, _)| p.as_str())
            .collect();
        if !ended.is_empty() {
            wrap(&mut o, "  - no longer: ", &ended.join(", "));
        }
        if !iv.also_in_force.is_empty() {
            wrap(
                &mut o,
                "  also (answer unchanged): ",
                &iv.also_in_force.join("; "),
            );
        }
        let _ = writeln!(o);
        prev = now;
    }
    o
}

/// The rules reference page (`docs/rules-reference.md`), generated from the
/// packs' own metadata so that it cannot drift from them.
pub fn reference_markdown(rs: &crate::ruleset::RuleSet) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Rules reference\n");
    let _ = writeln!(
        o,
        "Generated by `chipexport rules doc` from the rule packs in `data/rules/`; do not edit by hand."
    );
    let _ = writeln!(o, "Rule set `{}`.\n", rs.id());
    let _ = writeln!(
        o,
        "| effective | pack | kind | confidence | citation |\n|---|---|---|---|---|"
    );
    for p in rs.packs() {
        let status = if p.meta.status == crate::pack::Status::Proposed {
            " (proposed)"
        } else {
            ""
        };
        let _ = writeln!(
            o,
            "| {} | [`{}`](#{}) {}{status} | {} | {} | {} |",
            p.meta.effective,
            p.meta.id,
            p.meta.id,
            p.meta.short,
            p.meta.kind.as_str(),
            p.meta.confidence,
            p.meta.citation.short().replace('|', "\\|")
        );
    }
    for p in rs.packs() {
        let _ = writeln!(o, "\n## {}\n", p.meta.id);
        let _ = writeln!(o, "**{}**\n", p.meta.title);
        let _ = writeln!(o, "{}\n", p.meta.summary);
        let _ = writeln!(
            o,
            "- {} by {} ({}), published {}, effective {}{}; confidence {}",
            p.meta.kind.as_str().replace('_', " "),
            p.meta.authority,
            p.meta.jurisdiction,
            p.meta.published,
            p.meta.effective,
            p.meta
                .until
                .map_or(String::new(), |u| format!(", until {u}")),
            p.meta.confidence
        );
        if let Some(sc) = &p.meta.scope {
            let _ = writeln!(o, "- scope: `{sc}`");
        }
        let _ = writeln!(o, "- citation: {}", p.meta.citation.short());
        for c in &p.meta.citation.cfr {
            let _ = writeln!(o, "- CFR: {c}");
        }
        for u in &p.meta.citation.urls {
            let _ = writeln!(o, "- source: <{u}>");
        }
        for e in &p.meta.enforcement {
            let _ = writeln!(o, "- {} ({}; {})", e.describe(), e.citation, e.confidence);
        }
        let _ = writeln!(
            o,
            "\n| rule | decides | when | then | paragraph | confidence |\n|---|---|---|---|---|---|"
        );
        for r in &p.rules {
            let then = serde_json::to_string(&r.then)
                .unwrap_or_default()
                .replace('|', "\\|");
            let mut window = String::new();
            if r.from != p.meta.effective {
                window.push_str(&format!(" from {}", r.from));
            }
            if let Some(u) = r.until {
                window.push_str(&format!(" until {u}"));
            }
            let _ = writeln!(
                o,
                "| `{}`{} | {} | `{}` | `{}` | {} | {} |",
                r.local_id,
                window,
                r.slot.as_str(),
                r.when
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .replace('|', "\\|"),
                then,
                r.paragraph.replace('|', "\\|"),
                r.confidence
            );
        }
        let _ = writeln!(o, "\n{} test case(s).", p.tests.len());
    }
    o
}
