//! Where is the chip, end to end (a module of the `cli` test binary): the
//! shipped example fleet registered, a chip in Singapore verified in SG,
//! the same chip relayed from Shenzhen not verified, a replayed batch and
//! an impossible round trip refused, a malformed record located, and the
//! simulator's table, deterministic for a seed.
use super::run;

const EX: &str = "../../data/locate/examples";

/// A fresh data directory named after `name` with the example fleet
/// registered.
fn registered(name: &str) -> String {
    let data =
        std::env::temp_dir().join(format!("chipexport-locate-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let data = data.to_str().unwrap().to_string();
    let reg = run(&[
        "locate",
        "register",
        &format!("{EX}/fleet.toml"),
        "--data",
        &data,
    ]);
    assert_eq!(reg.code, 0, "{}", reg.stderr);
    data
}

#[test]
fn locate_verify_the_shipped_examples() {
    let data = registered("cli");
    let verify = |name: &str| {
        let o = run(&[
            "locate",
            "verify",
            &format!("{EX}/{name}"),
            "--data",
            &data,
            "--at",
            "2026-11-29T10:05:00Z",
        ]);
        assert_eq!(o.code, 0, "{name}: {}", o.stderr);
        o.stdout
    };
    let sg = verify("sg-verified.jsonl");
    assert!(sg.starts_with("chip SN-SG-0001 (licence D1234567, licensed site Singapore, Tai Seng, SG): verified_in SG"), "{sg}");
    insta::assert_snapshot!("locate_sg_verified", sg);
    let sz = verify("sz-relay.jsonl");
    assert!(sz.contains("): ambiguous (") && sz.contains("CN"), "{sz}");
    insta::assert_snapshot!("locate_sz_relay", sz);
    let replay = verify("replay.jsonl");
    assert!(
        replay.contains("): inconsistent\n") && replay.matches("was already used").count() == 3,
        "{replay}"
    );
    insta::assert_snapshot!("locate_replay", replay);
    let fast = verify("rtt-below-minimum.jsonl");
    assert!(fast.contains("below the 17.264 ms light needs"), "{fast}");
    let bad = run(&[
        "locate",
        "verify",
        &format!("{EX}/bad-position.jsonl"),
        "--data",
        &data,
        "--error-format",
        "json",
    ]);
    assert_eq!(bad.code, 1);
    let e: serde_json::Value = serde_json::from_str(&bad.stderr).unwrap();
    assert_eq!(e["errors"][0]["line"], 1);
    assert_eq!(e["errors"][0]["key"], "landmark.lat");
    let status = run(&[
        "locate",
        "status",
        "--serial",
        "SN-SG-0001",
        "--from",
        "2026-11-29",
        "--to",
        "2026-11-29",
        "--data",
        &data,
    ]);
    assert!(status.stdout.contains("not met"), "{}", status.stdout);
    let audit = run(&["audit", "verify", "--data", &data]);
    assert_eq!(audit.code, 0, "{}", audit.stdout);
    // The trail says what each verdict was.
    let list = run(&["audit", "list", "--data", &data]);
    assert!(
        list.stdout.contains("chip SN-SG-0001: verified_in (SG)"),
        "{}",
        list.stdout
    );
    assert!(
        list.stdout.contains("chip SN-SG-0001: inconsistent"),
        "{}",
        list.stdout
    );
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn locate_simulate_is_deterministic() {
    let args = [
        "locate",
        "simulate",
        "--chips",
        "64",
        "--jitter",
        "0.02",
        "--density",
        "sparse,metro",
    ];
    let a = run(&args);
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(a.stdout, run(&args).stdout);
    insta::assert_snapshot!("locate_simulate", a.stdout);
}

/// `check --data DIR --serial SN`: the Chip Security Act's condition (the
/// bill chosen with --with-pack) is judged on the chip's latest
/// verification up to the question's date.
#[test]
fn check_judges_the_location_condition_on_the_named_chip() {
    let data = registered("check");
    let check = |format: &str| {
        let o = run(&[
            "check",
            "--chip",
            "H100",
            "--to",
            "SG",
            "--on",
            "2026-11-29",
            "--with-pack",
            "us-2025-05-15-chip-security-act",
            "--data",
            &data,
            "--serial",
            "SN-SG-0001",
            "--format",
            format,
        ]);
        assert_eq!(o.code, 0, "{}", o.stderr);
        o.stdout.replace(&data, "DATA")
    };
    let section = |t: String| t[t.find("LOCATION VERIFICATION").unwrap()..].to_string();
    let before = section(check("table"));
    assert!(before.contains("NOT MET"), "{before}");
    let verified = run(&[
        "locate",
        "verify",
        &format!("{EX}/sg-verified.jsonl"),
        "--data",
        &data,
        "--at",
        "2026-11-29T10:05:00Z",
    ]);
    assert_eq!(verified.code, 0, "{}", verified.stderr);
    let after = section(check("table"));
    assert!(after.contains(": met ("), "{after}");
    insta::assert_snapshot!("check_location_not_met", before);
    insta::assert_snapshot!("check_location_met", after);
    let j: serde_json::Value = serde_json::from_str(&check("json")).unwrap();
    let lv = &j["location_verification"][0];
    assert_eq!(lv["met"], true);
    assert_eq!(
        lv["rule"],
        "us-2025-05-15-chip-security-act#location-verification"
    );
    assert_eq!(lv["status"]["latest"]["countries"][0], "SG");
    // --serial needs a data directory.
    let alone = run(&[
        "check",
        "--chip",
        "H100",
        "--to",
        "SG",
        "--serial",
        "SN-SG-0001",
    ]);
    assert_eq!(alone.code, 2, "{}", alone.stderr);
    let _ = std::fs::remove_dir_all(&data);
}
