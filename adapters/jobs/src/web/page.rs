//! The page and its assets, compiled into the binary so the page works with no network at all.

use poem::http::StatusCode;
use poem::web::Path;
use poem::{IntoResponse, Response, handler};

const INDEX: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const STYLE_CSS: &str = include_str!("assets/style.css");

fn respond(body: &'static str, content_type: &'static str) -> Response {
    Response::builder()
        .content_type(content_type)
        .header("cache-control", "no-cache")
        .header("x-content-type-options", "nosniff")
        .body(body)
}

/// `GET /`: the page.
#[handler]
pub(super) fn index() -> Response {
    respond(INDEX, "text/html; charset=utf-8")
}

/// `GET /assets/:file`: its script and style sheet.
#[handler]
pub(super) fn asset(Path(file): Path<String>) -> poem::Result<Response> {
    match file.as_str() {
        "app.js" => Ok(respond(APP_JS, "text/javascript; charset=utf-8")),
        "style.css" => Ok(respond(STYLE_CSS, "text/css; charset=utf-8")),
        _ => Err(poem::Error::from_status(StatusCode::NOT_FOUND)),
    }
    .map(IntoResponse::into_response)
}
