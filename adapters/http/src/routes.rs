//! The route tree: the API, its spec at `/openapi.json`, interactive docs at `/docs`, all behind the edge.

use crate::api;
use crate::edge::Edge;
use crate::state::HttpState;
use poem::{Endpoint, EndpointExt, Route};

/// The whole HTTP application.
pub fn app(state: HttpState) -> impl Endpoint {
    let api = api::service(state.clone());
    let spec = api.spec_endpoint();
    let docs = api.swagger_ui();
    Route::new().at("/openapi.json", spec).nest("/docs", docs).nest("/", api).data(state.clone()).with(Edge::new(state))
}

/// The OpenAPI 3 document as JSON, for `exchange openapi` and the docs.
pub fn openapi_spec(state: &HttpState) -> String {
    api::service(state.clone()).spec()
}
