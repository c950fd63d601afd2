//! `check --brief`: the legal answer on one screen. The headline, the rules
//! that decided the US answer with their paragraphs, the licence's
//! conditions, and the destination's measures; context (market notes,
//! notices) and the full explanation are left to the full memo.

use std::fmt::Write as _;

use chipexport_rules::pack::Slot;
use chipexport_rules::{Decision, Vocabulary};

/// Cuts a line to `n` characters, with an ellipsis.
fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!(
            "{}…",
            s.chars().take(n.saturating_sub(1)).collect::<String>()
        )
    }
}

/// The brief memo of a decision about `name`.
pub fn memo(d: &Decision, name: &str, vocab: &Vocabulary) -> String {
    let q = &d.question;
    let mut o = format!(
        "{name} to {} ({}) on {}\n\n",
        q.destination.name(),
        q.destination,
        q.on
    );
    for part in &d.verdict_parts {
        let _ = writeln!(o, "{}", cut(part, 100));
    }
    o.push_str("\nWHY (US)\n");
    let deciding = [
        Slot::Classification,
        Slot::LicenseRequirement,
        Slot::LicenseException,
        Slot::ReviewPolicy,
    ];
    let mut seen: Vec<&str> = Vec::new();
    for r in d.reasons.iter().filter(|r| deciding.contains(&r.slot)) {
        if seen.contains(&r.paragraph.as_str()) {
            continue;
        }
        seen.push(&r.paragraph);
        let _ = writeln!(o, "  {:<20} {}", r.slot.as_str(), cut(&r.paragraph, 78));
    }
    if seen.is_empty() {
        o.push_str("  no US rule applies\n");
    }
    conditions(&mut o, d, vocab);
    if !d.measures.is_empty() {
        o.push_str("MEASURES\n");
        for m in &d.measures {
            let line = format!(
                "{} {} ({}, {})",
                m.jurisdiction,
                m.kind().phrase(),
                m.legal_form.replace('_', " "),
                m.confidence
            );
            let _ = writeln!(o, "  {}", cut(&line, 96));
        }
    }
    if !d.flags.is_empty() || !d.undetermined.is_empty() {
        let _ = writeln!(
            o,
            "\n{} doubts and {} undetermined rules: the full memo (without --brief) lists them",
            d.flags.len(),
            d.undetermined.len()
        );
    }
    let _ = writeln!(
        o,
        "rule set {} (sha256 {})",
        d.rule_set.id,
        cut(&d.rule_set.hash, 16)
    );
    o
}

/// The licence's conditions, certifications counted as the headline counts
/// them.
fn conditions(o: &mut String, d: &Decision, vocab: &Vocabulary) {
    if !d.conditions.is_empty() {
        o.push_str("CONDITIONS\n");
        let mut certifications = 0;
        for c in &d.conditions {
            // Certifications are counted as the headline counts them.
            if vocab
                .condition_kind(c.kind().as_str())
                .is_some_and(|k| k.certification)
            {
                certifications += 1;
                continue;
            }
            let what = match (c.terms.percent, c.terms.description()) {
                (Some(p), _) => format!("{} {}%", c.kind().phrase(), chipexport_domain::fmt_num(p)),
                (None, Some(t)) => t.to_string(),
                (None, None) => c.kind().phrase(),
            };
            let _ = writeln!(o, "  {}", cut(&what, 96));
        }
        if certifications > 0 {
            let _ = writeln!(
                o,
                "  {certifications} certifications by the exporter (see the full memo)"
            );
        }
    }
}
