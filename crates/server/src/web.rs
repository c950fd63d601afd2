//! The browser UI: static pages and assets from `crates/server/web/`,
//! embedded in release builds (read from disk in debug builds, so the pages
//! can be edited without recompiling). Every page fetches its data from
//! `/api/v1`; nothing here decides anything.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::RustEmbed)]
#[folder = "web/"]
struct Assets;

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

fn file(path: &str, cache: bool) -> Response {
    match Assets::get(path) {
        Some(f) => {
            let mut r = (StatusCode::OK, f.data.into_owned()).into_response();
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(path)),
            );
            // Pages always revalidate; assets may be cached briefly (they
            // change only with a new binary).
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
                HeaderValue::from_static(
                    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
                ),
            );
            r
        }
        None => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("no such file: {path}"),
        )
            .into_response(),
    }
}

/// The chart page (`/`).
pub async fn chart_page() -> Response {
    file("index.html", false)
}

/// A chip page (`/chips/{id}`).
pub async fn chip_page(Path(_id): Path<String>) -> Response {
    file("chip.html", false)
}

/// The check page (`/check`).
pub async fn check_page() -> Response {
    file("check.html", false)
}

/// The rules page (`/rules`).
pub async fn rules_page() -> Response {
    file("rules.html", false)
}

/// A pack page (`/rules/{id}`).
pub async fn rule_page(Path(_id): Path<String>) -> Response {
    file("rules.html", false)
}

/// The ledger page (`/ledger`).
pub async fn ledger_page() -> Response {
    file("ledger.html", false)
}

/// A static asset (`/assets/{path}`).
pub async fn asset(Path(path): Path<String>) -> Response {
    if path.ends_with(".html") || path.split('/').any(|s| s == "..") {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    }
    file(&path, true)
}

/// The names of the embedded files (for tests and diagnostics).
pub fn files() -> Vec<String> {
    Assets::iter().map(|f| f.to_string()).collect()
}
