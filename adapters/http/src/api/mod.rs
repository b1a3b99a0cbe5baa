//! The operations of the public API, grouped by tag; each group is a small poem-openapi struct.

mod ops;

pub use ops::OpsApi;

use crate::state::HttpState;
use poem_openapi::{OpenApiService, Tags};

/// Tags group operations in the docs.
#[derive(Tags)]
pub enum ApiTags {
    /// Liveness, readiness and metrics, for load balancers and monitoring.
    Ops,
}

/// Every operation group, in the order the docs show them.
pub type Apis = OpsApi;

/// The OpenAPI service over every operation group.
pub fn service(state: HttpState) -> OpenApiService<Apis, ()> {
    OpenApiService::new(OpsApi::new(state), "exchange API", env!("CARGO_PKG_VERSION"))
        .description(include_str!("description.md"))
        .server("/")
}
