//! The page and its assets, compiled into the binary so the page works with no network at all.

use poem::http::StatusCode;
use poem::web::Path;
use poem::{Endpoint, IntoResponse, Request, Response, handler};

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

/// Serves the page at `/` and hands every other path to the API it wraps (a route nested at `/` would
/// otherwise answer `/` itself).
pub(super) struct IndexOr<E>(pub(super) E);

impl<E: Endpoint> Endpoint for IndexOr<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        if req.uri().path() == "/" || req.uri().path() == "/index.html" {
            return Ok(respond(INDEX, "text/html; charset=utf-8"));
        }
        self.0.call(req).await.map(IntoResponse::into_response)
    }
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
