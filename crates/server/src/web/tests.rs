//! The layout step and the page and asset handlers.
use super::*;

async fn body(r: Response) -> String {
    let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
        .await
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn header(r: &Response, name: header::HeaderName) -> &str {
    r.headers().get(name).unwrap().to_str().unwrap()
}

/// Every route's page: (what it is, the response, its title, script and
/// nav section).
async fn pages() -> Vec<(
    &'static str,
    Response,
    &'static str,
    &'static str,
    &'static str,
)> {
    vec![
        ("/", chart_page().await, "Chart", "chart.js", "chart"),
        (
            "/chips/{id}",
            chip_page(Path("H20".into())).await,
            "Chip",
            "chip.js",
            "chart",
        ),
        ("/check", check_page().await, "Check", "check.js", "check"),
        ("/rules", rules_page().await, "Rules", "rules.js", "rules"),
        (
            "/rules/{id}",
            rule_page(Path("x".into())).await,
            "Rules",
            "rules.js",
            "rules",
        ),
        (
            "/parties",
            parties_page().await,
            "Parties",
            "parties.js",
            "parties",
        ),
        (
            "/ledger",
            ledger_page().await,
            "Ledger",
            "ledger.js",
            "ledger",
        ),
        (
            "/licences/{number}",
            licence_page(Path("D1234567".into())).await,
            "Licence",
            "licence.js",
            "ledger",
        ),
    ]
}

#[tokio::test]
async fn every_page_is_its_body_in_the_layout() {
    for (route, r, title, script, section) in pages().await {
        assert_eq!(r.status(), StatusCode::OK, "{route}");
        assert_eq!(
            header(&r, header::CONTENT_TYPE),
            "text/html; charset=utf-8",
            "{route}"
        );
        assert_eq!(header(&r, header::CACHE_CONTROL), "no-cache", "{route}");
        assert_eq!(header(&r, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert_eq!(header(&r, header::CONTENT_SECURITY_POLICY), CSP);
        let html = body(r).await;
        assert!(html.starts_with("<!doctype html>"), "{route}");
        assert!(!html.contains("{{"), "{route}: an unfilled slot");
        for one in [
            "<html", "<head>", "<nav", "</nav>", "<main", "</main>", "<footer", "</html>",
        ] {
            assert_eq!(html.matches(one).count(), 1, "{route}: {one}");
        }
        assert!(
            html.contains(&format!("<title>{title} · chipexport</title>")),
            "{route}"
        );
        assert_eq!(html.matches("<script ").count(), 1, "{route}: one script");
        assert!(
            html.contains(&format!(
                "<script type=\"module\" src=\"/assets/{script}\"></script>"
            )),
            "{route}"
        );
        assert_eq!(html.matches("aria-current=\"page\"").count(), 1, "{route}");
        assert!(
            html.contains(&format!("data-nav=\"{section}\" aria-current=\"page\"")),
            "{route}"
        );
        // the body is inside <main>, and the scripts find their elements
        let main = html
            .split_once("<main id=\"main\" tabindex=\"-1\">")
            .and_then(|(_, m)| m.split_once("</main>"))
            .map(|(m, _)| m)
            .unwrap();
        assert!(main.contains("id=\""), "{route}: an empty body");
    }
}

#[test]
fn each_page_body_has_its_own_elements() {
    for (p, id) in [
        (&CHART, "id=\"chart\""),
        (&CHIP, "id=\"compare-form\""),
        (&CHECK, "id=\"check-form\""),
        (&RULES, "id=\"rules-root\""),
        (&LEDGER, "id=\"upload-form\""),
        (&LICENCE, "id=\"draws\""),
    ] {
        let html = render(p).unwrap();
        assert!(html.contains(id), "{}: {id}", p.body);
    }
}

#[test]
fn a_slot_the_layout_does_not_know_is_an_error() {
    let slot = |name: &str| (name == "a").then_some(Cow::Borrowed("A"));
    assert_eq!(fill("x{{a}}y{{ a }}z", slot).unwrap(), "xAyAz");
    assert!(fill("x{{b}}", slot).unwrap_err().contains("{{b}}"));
    assert!(fill("x{{a", slot).is_err());
    // what a slot inserts is not filled again
    let braces = |_: &str| Some(Cow::Borrowed("{{a}}"));
    assert_eq!(fill("{{main}}", braces).unwrap(), "{{a}}");
}

#[test]
fn the_layout_has_every_slot_and_every_section() {
    let layout = text(LAYOUT).unwrap();
    for slot in ["{{title}}", "{{script}}", "{{main}}"] {
        assert_eq!(layout.matches(slot).count(), 1, "{slot}");
    }
    for s in SECTIONS {
        assert_eq!(
            layout.matches(&format!("{{{{current:{s}}}}}")).count(),
            1,
            "{s}"
        );
    }
}

#[tokio::test]
async fn assets_are_served_and_cached_briefly() {
    let r = asset(Path("app.css".into())).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, header::CONTENT_TYPE), "text/css; charset=utf-8");
    assert_eq!(header(&r, header::CACHE_CONTROL), "public, max-age=300");
    assert_eq!(header(&r, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(header(&r, header::CONTENT_SECURITY_POLICY), CSP);
    let r = asset(Path("chip.js".into())).await;
    assert_eq!(
        header(&r, header::CONTENT_TYPE),
        "text/javascript; charset=utf-8"
    );
}

#[tokio::test]
async fn unknown_assets_the_layout_and_page_bodies_are_404() {
    for path in [
        "nope.js",
        "layout.html",
        "pages/chart.html",
        "../Cargo.toml",
        "pages/../app.css",
    ] {
        let r = asset(Path(path.into())).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            header(&r, header::CONTENT_TYPE),
            "text/plain; charset=utf-8"
        );
    }
}

#[test]
fn every_page_script_is_embedded() {
    let files = files();
    for p in [&CHART, &CHIP, &CHECK, &RULES, &LEDGER, &LICENCE] {
        assert!(files.iter().any(|f| f == p.script), "{}", p.script);
        assert!(files.iter().any(|f| f == p.body), "{}", p.body);
    }
}
