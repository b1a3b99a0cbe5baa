//! The route tree: the API, its spec at `/openapi.json`, interactive docs at `/docs`, the admin console page
//! at `/admin`, all behind the edge.

use crate::api;
use crate::console;
use crate::edge::Edge;
use crate::empty_query::drop_empty_params;
use crate::spec;
use crate::state::HttpState;
use poem::{Endpoint, EndpointExt, IntoEndpoint, Route};
use std::sync::Arc;

/// The whole HTTP application.
pub fn app(state: HttpState) -> impl Endpoint {
    let api = api::service(state.clone());
    let document = spec::finish(&api.spec());
    let allow = Arc::new(spec::allow_index(&document));
    let docs = api.swagger_ui();
    let served = poem::endpoint::make_sync(move |_| {
        poem::Response::builder().content_type("application/json; charset=utf-8").body(document.clone())
    });
    Route::new()
        .at("/openapi.json", poem::get(served))
        .nest("/docs", docs)
        .nest("/admin", console::endpoint())
        .nest("/", drop_empty_params(api.into_endpoint()))
        .data(state.clone())
        .with(Edge::new(state, allow))
}

/// The OpenAPI 3 document as JSON, for `exchange openapi` and the docs.
pub fn openapi_spec(state: &HttpState) -> String {
    spec::finish(&api::service(state.clone()).spec())
}
