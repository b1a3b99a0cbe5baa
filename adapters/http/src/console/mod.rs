//! The admin console page at `/admin`: plain HTML, CSS and JavaScript modules compiled into the binary, so
//! the page works with no network but this server (no CDN, no fonts to fetch). Every response carries a
//! strict Content-Security-Policy: scripts, styles and connections only from this origin, no inline code,
//! no framing. The page only calls the JSON API under `/api/v1`; it holds no logic the API does not check.

use poem::http::StatusCode;
use poem::web::Path;
use poem::{Endpoint, EndpointExt, Response, Route, handler};

/// The policy every console response carries.
pub(crate) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
     connect-src 'self'; font-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'";

/// The embedded files: name, content type, body.
const ASSETS: &[(&str, &str, &str)] = &[
    ("app.js", JS, include_str!("assets/app.js")),
    ("api.js", JS, include_str!("assets/api.js")),
    ("audit.js", JS, include_str!("assets/audit.js")),
    ("charts.js", JS, include_str!("assets/charts.js")),
    ("dashboard.js", JS, include_str!("assets/dashboard.js")),
    ("dom.js", JS, include_str!("assets/dom.js")),
    ("hints.js", JS, include_str!("assets/hints.js")),
    ("i18n.js", JS, include_str!("assets/i18n.js")),
    ("push.js", JS, include_str!("assets/push.js")),
    ("settings.js", JS, include_str!("assets/settings.js")),
    ("users.js", JS, include_str!("assets/users.js")),
    ("style.css", "text/css; charset=utf-8", include_str!("assets/style.css")),
    ("icon.svg", "image/svg+xml", include_str!("assets/icon.svg")),
];
const JS: &str = "text/javascript; charset=utf-8";
const INDEX: &str = include_str!("assets/index.html");

fn respond(body: &'static str, content_type: &'static str) -> Response {
    Response::builder()
        .content_type(content_type)
        .header("cache-control", "no-cache")
        .header("content-security-policy", CSP)
        .header("x-content-type-options", "nosniff")
        .header("x-frame-options", "DENY")
        .header("referrer-policy", "no-referrer")
        .body(body)
}

/// `GET /admin`: the page.
#[handler]
fn index() -> Response {
    respond(INDEX, "text/html; charset=utf-8")
}

/// `GET /admin/assets/:file`: one embedded asset, or 404.
#[handler]
fn asset(Path(file): Path<String>) -> poem::Result<Response> {
    ASSETS
        .iter()
        .find(|(name, _, _)| *name == file)
        .map(|(_, content_type, body)| respond(body, content_type))
        .ok_or_else(|| poem::Error::from_status(StatusCode::NOT_FOUND))
}

/// The console's routes, to nest at `/admin`.
pub(crate) fn endpoint() -> impl Endpoint<Output = Response> {
    Route::new()
        .at("/", poem::get(index))
        .at("/index.html", poem::get(index))
        .at("/assets/:file", poem::get(asset))
        .map_to_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use poem::Request;

    async fn get(path: &str) -> Response {
        match endpoint().call(Request::builder().uri(path.parse().expect("uri")).finish()).await {
            Ok(resp) => resp,
            Err(err) => err.into_response(),
        }
    }

    #[tokio::test]
    async fn the_page_and_every_asset_are_served_with_the_policy() {
        let page = get("/").await;
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(page.headers().get("content-security-policy").and_then(|v| v.to_str().ok()), Some(CSP));
        let html = page.into_body().into_string().await.expect("body");
        assert!(html.contains("/admin/assets/app.js"), "the page loads its script from this server");
        for (name, content_type, _) in ASSETS {
            let resp = get(&format!("/assets/{name}")).await;
            assert_eq!(resp.status(), StatusCode::OK, "{name}");
            assert_eq!(resp.content_type(), Some(*content_type), "{name}");
            assert_eq!(resp.headers().get("x-content-type-options").and_then(|v| v.to_str().ok()), Some("nosniff"));
        }
        assert_eq!(get("/assets/nope.js").await.status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn nothing_is_fetched_from_elsewhere_and_nothing_runs_inline() {
        let every = ASSETS.iter().map(|(_, _, body)| *body).chain([INDEX]);
        for body in every {
            assert!(!body.contains("http://") || body.contains("http://www.w3.org/2000/svg"), "no remote URL");
            assert!(!body.contains("https://"), "no remote URL");
            assert!(!body.contains("innerHTML") && !body.contains("eval("), "no HTML strings or eval");
        }
        assert!(!INDEX.contains("<script>") && !INDEX.contains("style="), "no inline script or style");
        // Every module the page imports is served.
        for (name, _, body) in ASSETS {
            for import in body.split("from \"./").skip(1) {
                let target = import.split('"').next().unwrap_or_default();
                assert!(ASSETS.iter().any(|(n, _, _)| *n == target), "{name} imports {target}, which is not served");
            }
        }
    }
}
