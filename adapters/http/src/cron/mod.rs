//! The cron web page on its own port (`cron.web_port`, 8081): the page itself (embedded, works offline), its
//! JSON API (poem-openapi, spec at `/openapi.json`, docs at `/docs`) over the operator's use cases
//! (`application::scheduler`), the platform's login operations and ops endpoints, all behind the same edge
//! as the main API, so errors, request ids, locales and access logs look the same.

mod api;
mod page;

pub use api::CronApi;

use crate::api::{AuthApi, OpsApi};
use crate::edge::Edge;
use crate::spec;
use crate::{HttpState, drop_empty_params};
use application::scheduler::CronConsole;
use poem::{Endpoint, EndpointExt, IntoEndpoint, Route};
use poem_openapi::OpenApiService;
use std::sync::Arc;

/// The operation groups served on the cron port.
pub type CronApis = (AuthApi, CronApi, OpsApi);

/// The OpenAPI service of the cron port.
pub fn service(state: HttpState, console: Arc<CronConsole>) -> OpenApiService<CronApis, ()> {
    let apis = (AuthApi::new(state.clone()), CronApi::new(console), OpsApi::new(state));
    OpenApiService::new(apis, "exchange cron API", env!("CARGO_PKG_VERSION"))
        .description(include_str!("description.md"))
        .server("/")
}

/// The whole cron web application.
pub fn app(state: HttpState, console: Arc<CronConsole>) -> impl Endpoint {
    let api = service(state.clone(), console);
    let document = spec::finish(&api.spec());
    let allow = Arc::new(spec::RouteIndex::of::<CronApis>());
    let docs = api.swagger_ui();
    let served = poem::endpoint::make_sync(move |_| {
        poem::Response::builder().content_type("application/json; charset=utf-8").body(document.clone())
    });
    Route::new()
        .at("/assets/:file", page::asset)
        .at("/openapi.json", poem::get(served))
        .nest("/docs", docs)
        .nest("/", page::IndexOr(drop_empty_params(api.into_endpoint())))
        .data(state.clone())
        .with(Edge::new(state, allow))
}

/// The cron port's OpenAPI document as JSON, as served (request bodies closed like the main API's).
pub fn openapi_spec(state: HttpState, console: Arc<CronConsole>) -> String {
    spec::finish(&service(state, console).spec())
}
