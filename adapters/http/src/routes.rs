//! The route tree: the API, its spec at `/openapi.json`, interactive docs at `/docs`, the admin console page
//! at `/admin`, all behind the edge.

use crate::api;
use crate::console;
use crate::edge::Edge;
use crate::empty_query::drop_empty_params;
use crate::spec;
use crate::split::{Paths, Split};
use crate::state::HttpState;
use poem::{Endpoint, EndpointExt, IntoEndpoint, Route};
use std::sync::Arc;

/// What every application of this process serves alike: the finished document, the `Allow` index and the
/// docs page. Generating the document is the slowest part of building the app (tens of milliseconds in a
/// debug build, several times over), and it depends on the code only, never on the state; in-process tests
/// build many apps, so it is built once.
struct Static {
    document: String,
    allow: crate::edge::AllowIndex,
    docs: Arc<poem::endpoint::BoxEndpoint<'static>>,
}

fn shared(api: &poem_openapi::OpenApiService<api::Apis, ()>) -> &'static Static {
    static SHARED: std::sync::OnceLock<Static> = std::sync::OnceLock::new();
    SHARED.get_or_init(|| {
        let document = spec::finish(&api.spec());
        let allow = Arc::new(spec::RouteIndex::of::<api::Apis>());
        let docs = Arc::new(api.swagger_ui().map_to_response().boxed());
        Static { document, allow, docs }
    })
}

/// The whole HTTP application.
pub fn app(state: HttpState) -> impl Endpoint {
    let api = api::service(state.clone());
    let Static { document, allow, docs } = shared(&api);
    let (document, allow, docs) = (document.clone(), allow.clone(), docs.clone());
    let served = poem::endpoint::make_sync(move |_| {
        poem::Response::builder().content_type("application/json; charset=utf-8").body(document.clone())
    });
    // The document, the docs and the console page go through a `Route` of their own; everything else goes
    // straight to the API, without a nest rewriting every request's URI.
    let pages =
        Route::new().at("/openapi.json", poem::get(served)).nest("/docs", docs).nest("/admin", console::endpoint());
    Split::new(Paths::Under(vec!["/openapi.json", "/docs", "/admin"]), pages, drop_empty_params(api.into_endpoint()))
        .data(state.clone())
        .with(Edge::new(state, allow))
}

/// The OpenAPI 3 document as JSON, for `exchange openapi` and the docs.
pub fn openapi_spec(state: &HttpState) -> String {
    spec::finish(&api::service(state.clone()).spec())
}
