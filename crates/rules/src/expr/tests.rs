use super::*;

#[test]
fn parses_and_renders() {
    let e = parse_predicate(
        "tpp >= 4800 AND (in_group(destination, 'D:5') OR destination IN ('MO', 'hk'))",
    );
    let e = e.unwrap_or_else(|e| unreachable!("{e:?}"));
    assert_eq!(
        render(&e),
        "(tpp >= 4800 AND (in_group(destination, 'D:5') OR destination IN ('MO', 'HK')))"
    );
}

#[test]
fn reports_unknown_facts_with_position_and_hint() {
    let err = parse_predicate("tpp >= 4800 AND performance_densty > 1").err();
    let err = err.unwrap_or_else(|| unreachable!());
    assert_eq!(err.message, "unknown fact `performance_densty`");
    assert_eq!(err.range, Some(16..34));
    assert_eq!(
        err.help.as_deref(),
        Some("did you mean `performance_density`?")
    );
}

proptest::proptest! {
    /// What the parser accepts renders to text that parses back to the
    /// same expression (the fuzz target checks the same on any input).
    #[test]
    fn render_round_trips(a in 0.0f64..100_000.0, b in 0.0f64..10.0, c in proptest::sample::select(vec!["CN", "MO", "SG"])) {
        let text = format!("(tpp >= {a} OR NOT performance_density < {b}) AND destination NOT IN ('{c}') AND tpp / die_area_mm2 BETWEEN -{b} AND {a} AND in_group(end_user_hq, 'D:5') AND datacenter IS NOT NULL AND date >= DATE '2025-01-13'");
        let e = parse_predicate(&text).map_err(|e| proptest::test_runner::TestCaseError::fail(format!("{e:?}")))?;
        proptest::prop_assert_eq!(parse_predicate(&render(&e)).ok(), Some(e));
    }
}

/// The evidence `holding_atoms` writes for `e`, and the atoms that
/// hold as `atoms` reads them, in the same form.
fn evidence_both_ways(e: &Expr, facts: &Facts<'_>) -> (Vec<String>, Vec<String>) {
    let mut all = Vec::new();
    atoms(e, facts, &mut all);
    let want = all
        .into_iter()
        .filter(|a| a.holds == Some(true))
        .map(|a| format!("{} ({})", a.test, a.actual))
        .collect();
    let mut got = Vec::new();
    holding_atoms(e, &atom_tests(e), facts, &mut got);
    (got, want)
}

#[test]
fn holding_atoms_are_the_atoms_that_hold() {
    let e = parse_predicate(
        "tpp >= 4800 AND (in_group(destination, 'D:5') OR destination IN ('MO', 'SG')) AND NOT tpp < 1",
    )
    .unwrap_or_else(|e| unreachable!("{e:?}"));
    let groups =
        chipexport_domain::CountryGroups::embedded().unwrap_or_else(|e| unreachable!("{e:?}"));
    for (tpp, to) in [(4800.0, "CN"), (100.0, "SG"), (5000.0, "DE")] {
        let item = crate::facts::ItemFacts {
            tpp: Some(tpp),
            ..crate::facts::ItemFacts::default()
        };
        let dest = chipexport_domain::Country::parse(to).unwrap_or_else(|e| unreachable!("{e}"));
        let cn = chipexport_domain::Country::parse("CN").unwrap_or_else(|e| unreachable!("{e}"));
        let on =
            chipexport_domain::parse_date("2025-09-01").unwrap_or_else(|e| unreachable!("{e}"));
        let facts = Facts::new(
            &item,
            &groups,
            dest,
            cn,
            chipexport_domain::Country::us(),
            on,
            None,
            None,
        );
        let (got, want) = evidence_both_ways(&e, &facts);
        assert_eq!(got, want, "{tpp} {to}");
        let mut unrendered = Vec::new();
        holding_atoms(&e, &[], &facts, &mut unrendered);
        assert_eq!(unrendered, want, "{tpp} {to}");
        assert!(!got.is_empty());
    }
}

#[test]
fn pushed_values_read_as_displayed() {
    let on = chipexport_domain::parse_date("2025-09-01").unwrap_or_else(|e| unreachable!("{e}"));
    for v in [
        Value::Null,
        Value::Bool(true),
        Value::Bool(false),
        Value::Num(2368.0),
        Value::Num(2.914),
        Value::Num(-0.0),
        Value::Text("H20"),
        Value::Text("it's"),
        Value::Country(Country::us()),
        Value::Date(on),
    ] {
        let mut s = String::from("x");
        push_value(&mut s, v);
        assert_eq!(s, format!("x{v}"));
    }
}

#[test]
fn evidence_of_every_kind_reads_as_the_atoms() {
    // Numbers, texts, booleans, unknowns, dates, memberships that hold
    // and that do not, arithmetic and literal-only tests.
    let e = parse_predicate(
        "tpp >= 4800 AND NOT in_group(destination, 'D:5') AND model IN ('H20', 'H800') \
         AND datacenter AND die_area_mm2 IS NULL AND date >= DATE '2025-01-13' \
         AND tpp / performance_density > 1 AND NOT vendor = 'AMD' AND TRUE",
    )
    .unwrap_or_else(|e| unreachable!("{e:?}"));
    let groups =
        chipexport_domain::CountryGroups::embedded().unwrap_or_else(|e| unreachable!("{e:?}"));
    let item = crate::facts::ItemFacts {
        tpp: Some(15831.25),
        performance_density: Some(19.5),
        model: Some("H20".into()),
        vendor: Some("NVIDIA".into()),
        datacenter: Some(true),
        ..crate::facts::ItemFacts::default()
    };
    let on = chipexport_domain::parse_date("2025-09-01").unwrap_or_else(|e| unreachable!("{e}"));
    for to in ["CN", "SG", "DE"] {
        let dest = chipexport_domain::Country::parse(to).unwrap_or_else(|e| unreachable!("{e}"));
        let facts = Facts::new(
            &item,
            &groups,
            dest,
            dest,
            chipexport_domain::Country::us(),
            on,
            None,
            None,
        );
        let (got, want) = evidence_both_ways(&e, &facts);
        assert_eq!(got, want, "{to}");
        assert!(got.len() >= 7, "{to}: {got:?}");
    }
}

#[test]
fn rejects_type_errors() {
    for (p, needle) in [
        ("tpp >= 'a'", "type mismatch"),
        ("destination = 'XX'", "unknown country"),
        ("destination > 'CN'", "orders numbers"),
        ("tpp", "true or false"),
        (
            "buyer_type = 'state_datacenter'",
            "not a value of `buyer_type`",
        ),
        ("in_group(destination, 'D:9')", "country group"),
        ("tpp = NULL", "NULL is not a value"),
        ("tpp >= 1 tpp", "unexpected"),
    ] {
        let err = parse_predicate(p)
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(err.contains(needle), "{p}: {err}");
    }
}
