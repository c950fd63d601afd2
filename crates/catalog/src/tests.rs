//! Tests of the catalog: lookup, variants, selection.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]
use super::*;

#[test]
fn selection_names_each_chip_once_then_the_domestic_ones() {
    let cat = Catalog::embedded().unwrap();
    let cn = chipexport_domain::Country::parse("CN").unwrap();
    let names = ["H20".to_string(), "nvidia-h20-hgx-96gb".to_string()];
    let plain = cat.selection(&names, None).unwrap();
    assert_eq!(plain.len(), 1, "the same chip named twice counts once");
    let with = cat.selection(&names, Some(cn)).unwrap();
    assert_eq!(with[0].id, plain[0].id, "named chips come first");
    assert!(with.len() > 1);
    assert!(
        with[1..]
            .iter()
            .all(|e| e.spec.origin_country == Some(cn) && e.has_figures())
    );
    assert!(cat.selection(&["no such chip".to_string()], None).is_err());
}

fn lookup_err(cat: &Catalog, q: &str) -> LookupError {
    cat.lookup_explained(q).err().unwrap()
}

#[test]
fn typos_get_the_nearest_names() {
    let cat = Catalog::embedded().unwrap();
    for (q, first) in [
        ("H2O", "H20"),
        ("MI3O8X", "MI308X"),
        ("H1OO", "H100"),
        ("Gaudl 2", "Gaudi 2"),
    ] {
        match lookup_err(&cat, q) {
            LookupError::NotFound { suggestions, .. } => {
                assert_eq!(
                    suggestions.first().map(String::as_str),
                    Some(first),
                    "{q}: {suggestions:?}"
                )
            }
            e => unreachable!("{q}: {e:?}"),
        }
    }
    let e = lookup_err(&cat, "H2O");
    assert!(
        e.help().starts_with("did you mean one of: H20,"),
        "{}",
        e.help()
    );
    match lookup_err(&cat, "Ascend") {
        LookupError::NotFound { suggestions, .. } => {
            assert!(
                suggestions.contains(&"Ascend 910B".to_string()),
                "{suggestions:?}"
            )
        }
        e => unreachable!("{e:?}"),
    }
}

#[test]
fn says_how_a_name_matched() {
    let cat = Catalog::embedded().unwrap();
    let r = cat.lookup_explained("nvidia-h20-hgx-96gb").unwrap();
    assert_eq!(
        (r.matched_by, r.normalised, r.is_exact()),
        (MatchedBy::Id, false, true)
    );
    let r = cat.lookup_explained("NVIDIA H20 HGX 96GB").unwrap();
    assert_eq!((r.matched_by, r.normalised), (MatchedBy::Id, true));
    let r = cat.lookup_explained("rtx 4090").unwrap();
    assert_eq!(r.entry.id, "nvidia-geforce-rtx-4090-24gb");
    assert_eq!(
        (r.matched_by, r.normalised, r.is_exact()),
        (MatchedBy::Alias, false, true)
    );
    assert_eq!(r.note(), None);
    let r = cat.lookup_explained("RTX-4090").unwrap();
    assert_eq!(
        (r.matched_by, r.normalised, r.is_exact()),
        (MatchedBy::Alias, true, false)
    );
    assert_eq!(r.matched_name, "RTX 4090");
    let r = cat.lookup_explained("Intel (Habana) Gaudi 2").unwrap();
    assert_eq!(
        (r.entry.id.as_str(), r.matched_by),
        ("intel-gaudi-2-hl-225h-oam", MatchedBy::VendorModel)
    );
    let r = cat.lookup_explained("H 20").unwrap();
    assert_eq!(r.entry.id, "nvidia-h20-hgx-96gb");
    assert!(r.normalised && !r.is_exact());
    let note = r.note().unwrap_or_default();
    assert!(
        note.contains("default for `H20`") && note.contains("nvidia-h20-hgx-141gb-hbm3e"),
        "{note}"
    );
    // The old API still works.
    assert_eq!(
        cat.lookup("H20").map(|e| e.id.as_str()),
        Ok("nvidia-h20-hgx-96gb")
    );
}

#[test]
fn a_name_of_several_variants_is_an_ambiguity_unless_a_default_is_documented() {
    let cat = Catalog::embedded().unwrap();
    for (q, ids) in [
        (
            "Gaudi 3",
            &[
                "intel-gaudi-3-hl-325l-oam",
                "intel-gaudi-3-hl-328-oam-china",
                "intel-gaudi-3-hl-338-pcie",
                "intel-gaudi-3-hl-388-pcie-china",
            ][..],
        ),
        (
            "Intel Gaudi 3",
            &[
                "intel-gaudi-3-hl-325l-oam",
                "intel-gaudi-3-hl-328-oam-china",
                "intel-gaudi-3-hl-338-pcie",
                "intel-gaudi-3-hl-388-pcie-china",
            ][..],
        ),
        (
            "Gaudi 3 OAM",
            &[
                "intel-gaudi-3-hl-325l-oam",
                "intel-gaudi-3-hl-328-oam-china",
            ][..],
        ),
        (
            "Gaudi 3 PCIe",
            &[
                "intel-gaudi-3-hl-338-pcie",
                "intel-gaudi-3-hl-388-pcie-china",
            ][..],
        ),
        (
            "V100",
            &["nvidia-v100-pcie-16-32gb", "nvidia-v100-sxm2-16-32gb"][..],
        ),
        (
            "Tesla V100",
            &["nvidia-v100-pcie-16-32gb", "nvidia-v100-sxm2-16-32gb"][..],
        ),
        (
            "C500",
            &["metax-xiyun-c500-oam-64gb", "metax-xiyun-c500-pcie-64gb"][..],
        ),
        (
            "RTX PRO 6000",
            &[
                "nvidia-rtx-pro-6000-blackwell-max-q-workstation",
                "nvidia-rtx-pro-6000-blackwell-workstation-ed-server-ed",
            ][..],
        ),
        (
            "A100 40GB",
            &["nvidia-a100-pcie-40gb", "nvidia-a100-sxm4-40gb"][..],
        ),
    ] {
        match lookup_err(&cat, q) {
            LookupError::Ambiguous { candidates, .. } => {
                let got: Vec<&str> = candidates
                    .iter()
                    .filter_map(|c| c.split(' ').next())
                    .collect();
                assert_eq!(got, ids, "{q}");
            }
            e => unreachable!("{q}: {e:?}"),
        }
    }
    let e = lookup_err(&cat, "Gaudi 3");
    assert!(
        e.help()
            .contains("intel-gaudi-3-hl-328-oam-china (HL-328 OAM (China))"),
        "{}",
        e.help()
    );
    // Variant names stay unique.
    for (q, id) in [
        ("HL-328", "intel-gaudi-3-hl-328-oam-china"),
        ("Gaudi 3 HL-325L", "intel-gaudi-3-hl-325l-oam"),
        ("H20 141GB", "nvidia-h20-hgx-141gb-hbm3e"),
        ("H100 PCIe", "nvidia-h100-pcie-80gb"),
        (
            "RTX PRO 6000 Blackwell Workstation Edition",
            "nvidia-rtx-pro-6000-blackwell-workstation-ed-server-ed",
        ),
    ] {
        let r = cat.lookup_explained(q).unwrap();
        assert_eq!((r.entry.id.as_str(), r.is_exact()), (id, true), "{q}");
    }
    // Documented defaults resolve, and say so.
    for (q, id) in [
        ("H20", "nvidia-h20-hgx-96gb"),
        ("NVIDIA H100", "nvidia-h100-sxm5-80gb"),
        ("A100", "nvidia-a100-sxm4-80gb"),
        ("H200", "nvidia-h200-sxm-141gb"),
    ] {
        let r = cat.lookup_explained(q).unwrap();
        assert_eq!(r.entry.id, id, "{q}");
        assert!(r.default.is_some() && !r.is_exact(), "{q}");
    }
}

#[test]
fn no_name_in_the_catalog_resolves_silently_to_another_entry() {
    let cat = Catalog::embedded().unwrap();
    for e in &cat.entries {
        let r = cat.lookup_explained(&e.id).unwrap();
        assert!(r.entry.id == e.id && r.is_exact(), "{}", e.id);
        for n in std::iter::once(&e.spec.name).chain(&e.spec.aliases) {
            match cat.lookup_explained(n) {
                Ok(r) if r.entry.id == e.id => {}
                Ok(r) => {
                    let d = r.default.as_ref();
                    assert!(
                        d.is_some_and(|d| d
                            .others
                            .iter()
                            .any(|o| o.starts_with(&format!("{} ", e.id)))),
                        "`{n}` of {} resolves to {} without saying so",
                        e.id,
                        r.entry.id
                    );
                }
                Err(LookupError::Ambiguous { candidates, .. }) => {
                    assert!(
                        candidates
                            .iter()
                            .any(|c| c.starts_with(&format!("{} ", e.id))),
                        "{n}"
                    )
                }
                Err(err) => unreachable!("`{n}` of {}: {err}", e.id),
            }
        }
    }
}

fn load(files: &[(&str, &str)]) -> Result<Catalog, Vec<DataError>> {
    Catalog::load(files.iter().map(|(n, t)| SourceFile::new(*n, *t)).collect())
}

#[test]
fn defaults_must_be_names_of_their_entry_and_unique() {
    let a = "id = \"x-a\"\nname = \"X\"\nvariant = \"A\"\ndefault_for = [\"X\"]\n";
    let b = "id = \"x-b\"\nname = \"X\"\nvariant = \"B\"\ndefault_for = [\"X\"]\n";
    let c = "id = \"x-c\"\nname = \"X\"\ndefault_for = [\"Y\"]\n";
    let ok = load(&[
        ("x-a.toml", a),
        (
            "x-b.toml",
            b.replace("default_for = [\"X\"]\n", "").as_str(),
        ),
    ])
    .unwrap();
    let r = ok.lookup_explained("x").unwrap();
    assert_eq!(
        (r.entry.id.as_str(), r.matched_by),
        ("x-a", MatchedBy::ModelName)
    );
    assert_eq!(
        r.default.map(|d| d.others),
        Some(vec!["x-b (B)".to_string()])
    );
    let errs = load(&[("x-a.toml", a), ("x-b.toml", b)])
        .err()
        .unwrap_or_default();
    assert!(
        errs.iter()
            .any(|e| e.message.contains("already the default of `x-a`") && e.line == Some(4)),
        "{errs:?}"
    );
    let errs = load(&[("x-c.toml", c)]).err().unwrap_or_default();
    assert!(
        errs.iter()
            .any(|e| e.message.contains("not a name of this entry")),
        "{errs:?}"
    );
    let none = load(&[
        ("x-a.toml", &a.replace("default_for = [\"X\"]\n", "")),
        ("x-b.toml", &b.replace("default_for = [\"X\"]\n", "")),
    ])
    .unwrap();
    assert!(matches!(
        none.lookup_explained("X"),
        Err(LookupError::Ambiguous { .. })
    ));
}
