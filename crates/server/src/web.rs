//! The browser UI: pages and assets from `crates/server/web/`, embedded in
//! release builds (read from disk in debug builds, so the pages can be edited
//! without recompiling). Every page fetches its data from `/api/v1`; nothing
//! here decides anything.
//!
//! Every page is one layout, `web/layout.html` (head, header with the nav,
//! footer), around the page's own body, `web/pages/<name>.html` (what goes
//! inside `<main>`). The layout has slots written `{{name}}`: `title`, the
//! page's title; `script`, its module under `/assets/`; `main`, its body; and
//! `current:<section>`, which marks the nav item of the page's section with
//! `aria-current="page"`. A slot the layout does not know is an error (a
//! test renders every page), so a typo cannot reach a browser silently.

use std::borrow::Cow;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::RustEmbed)]
#[folder = "web/"]
struct Assets;

/// The one Content-Security-Policy of every page and asset: nothing from
/// elsewhere, no inline script.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

const LAYOUT: &str = "layout.html";

/// The nav sections of the layout, in the order of its nav.
const SECTIONS: [&str; 6] = ["chart", "check", "parties", "rules", "ledger", "locate"];

/// One page: its body under `web/`, its title (plain text), its script under
/// `/assets/`, and the nav section it belongs to.
struct Page {
    body: &'static str,
    title: &'static str,
    script: &'static str,
    section: &'static str,
}

const CHART: Page = Page {
    body: "pages/chart.html",
    title: "Chart",
    script: "chart.js",
    section: "chart",
};
/// A chip is reached from the chart; its script sets the title to the chip's
/// name once it has loaded.
const CHIP: Page = Page {
    body: "pages/chip.html",
    title: "Chip",
    script: "chip.js",
    section: "chart",
};
const CHECK: Page = Page {
    body: "pages/check.html",
    title: "Check",
    script: "check.js",
    section: "check",
};
/// The rule-pack list and one pack share a page; its script reads the path.
const RULES: Page = Page {
    body: "pages/rules.html",
    title: "Rules",
    script: "rules.js",
    section: "rules",
};
const PARTIES: Page = Page {
    body: "pages/parties.html",
    title: "Parties",
    script: "parties.js",
    section: "parties",
};
const LEDGER: Page = Page {
    body: "pages/ledger.html",
    title: "Ledger",
    script: "ledger.js",
    section: "ledger",
};

const LOCATE: Page = Page {
    body: "pages/locate.html",
    title: "Locate",
    script: "locate.js",
    section: "locate",
};

/// One licence (`/licences/{number}`): its usage bar, drawdowns over time
/// and expiry; reached from the ledger section.
const LICENCE: Page = Page {
    body: "pages/licence.html",
    title: "Licence",
    script: "licence.js",
    section: "ledger",
};

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// A 200 with the headers every page and asset carries. Pages always
/// revalidate; assets may be cached briefly (they change only with a new
/// binary).
fn ok(body: Vec<u8>, content_type: &'static str, cache: bool) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if cache {
            "public, max-age=300"
        } else {
            "no-cache"
        }),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    r
}

fn text_response(status: StatusCode, message: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

/// An embedded file as UTF-8 text (the layout and the page bodies).
fn text(path: &str) -> Result<String, String> {
    let f = Assets::get(path).ok_or_else(|| format!("{path} is not among the web files"))?;
    String::from_utf8(f.data.into_owned()).map_err(|_| format!("{path} is not UTF-8"))
}

/// Fills every `{{slot}}` of `template` in one pass: what a slot inserts is
/// not scanned again, so a page body may contain `{{` freely.
fn fill<'a>(template: &str, slot: impl Fn(&str) -> Option<Cow<'a, str>>) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some((before, after)) = rest.split_once("{{") {
        out.push_str(before);
        let (name, after) = after
            .split_once("}}")
            .ok_or_else(|| format!("{LAYOUT}: a {{{{ without }}}}"))?;
        let value =
            slot(name.trim()).ok_or_else(|| format!("{LAYOUT}: no such slot {{{{{name}}}}}"))?;
        out.push_str(&value);
        rest = after;
    }
    out.push_str(rest);
    Ok(out)
}

/// The page's body in the layout.
fn render(page: &Page) -> Result<String, String> {
    let layout = text(LAYOUT)?;
    let main = text(page.body)?;
    fill(&layout, |name| match name {
        "title" => Some(Cow::Borrowed(page.title)),
        "script" => Some(Cow::Borrowed(page.script)),
        "main" => Some(Cow::Borrowed(main.as_str())),
        _ => {
            let section = name.strip_prefix("current:")?;
            SECTIONS
                .contains(&section)
                .then_some(Cow::Borrowed(if section == page.section {
                    " aria-current=\"page\""
                } else {
                    ""
                }))
        }
    })
}

fn page(page: &Page) -> Response {
    match render(page) {
        Ok(html) => ok(html.into_bytes(), "text/html; charset=utf-8", false),
        // Only a broken build gets here: a test renders every page.
        Err(e) => text_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the page could not be built: {e}"),
        ),
    }
}

/// The chart page (`/`).
pub async fn chart_page() -> Response {
    page(&CHART)
}

/// A chip page (`/chips/{id}`).
pub async fn chip_page(Path(_id): Path<String>) -> Response {
    page(&CHIP)
}

/// The check page (`/check`).
pub async fn check_page() -> Response {
    page(&CHECK)
}

/// The rules page (`/rules`).
pub async fn rules_page() -> Response {
    page(&RULES)
}

/// A pack page (`/rules/{id}`).
pub async fn rule_page(Path(_id): Path<String>) -> Response {
    page(&RULES)
}

/// The parties page (`/parties`).
pub async fn parties_page() -> Response {
    page(&PARTIES)
}

/// The ledger page (`/ledger`).
pub async fn ledger_page() -> Response {
    page(&LEDGER)
}

/// The location-verification page (`/locate`).
pub async fn locate_page() -> Response {
    page(&LOCATE)
}

/// A licence page (`/licences/{number}`).
pub async fn licence_page(Path(_number): Path<String>) -> Response {
    page(&LICENCE)
}

/// A static file under `/assets/`. The layout and the page bodies (every
/// `.html`) are not assets: they are served only as whole pages.
pub async fn asset(Path(path): Path<String>) -> Response {
    let not_found = || text_response(StatusCode::NOT_FOUND, format!("no such asset: {path}"));
    if path.ends_with(".html") || path.split('/').any(|s| s == "..") {
        return not_found();
    }
    match Assets::get(&path) {
        Some(f) => ok(f.data.into_owned(), content_type(&path), true),
        None => not_found(),
    }
}

/// The names of the embedded files (for tests and diagnostics).
pub fn files() -> Vec<String> {
    Assets::iter().map(|f| f.to_string()).collect()
}

#[cfg(test)]
mod tests;
