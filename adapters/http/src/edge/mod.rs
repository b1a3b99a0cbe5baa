//! The edge every request passes: context, body limit, timeout, error rendering, access log and metrics.
//!
//! It is one middleware so that the order is fixed and visible here: build the context, refuse oversized
//! bodies, run the handler under the timeout, turn any error into the localized body, stamp the request id,
//! then log and count the final response (once its body is sent, for a streamed one).

mod body_limit;
mod client_ip;
mod context;
mod observe;
mod params;
mod rate_limit;
mod render;
mod request_id;

pub use context::RequestContext;

use crate::problem::ApiError;
use crate::state::HttpState;
use poem::http::StatusCode;
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;

/// Per route pattern, the methods it allows (the `Allow` header of 405 answers) and its documented
/// parameters (to explain a refused one).
pub type AllowIndex = Arc<crate::spec::RouteIndex>;

/// The edge middleware; wrap the whole route tree with it.
pub struct Edge {
    state: HttpState,
    allow: AllowIndex,
    metrics: Arc<observe::EdgeMetrics>,
}

impl Edge {
    /// An edge using the state's options and settings, and `allow` for 405 answers.
    pub fn new(state: HttpState, allow: AllowIndex) -> Self {
        Self { state, allow, metrics: Arc::default() }
    }
}

impl<E: Endpoint> Middleware<E> for Edge {
    type Output = EdgeEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        EdgeEndpoint { inner, state: self.state.clone(), allow: self.allow.clone(), metrics: self.metrics.clone() }
    }
}

/// The endpoint produced by [`Edge`].
pub struct EdgeEndpoint<E> {
    inner: E,
    state: HttpState,
    allow: AllowIndex,
    metrics: Arc<observe::EdgeMetrics>,
}

impl<E: Endpoint> Endpoint for EdgeEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Self::Output> {
        let started = Instant::now();
        let ctx = Arc::new(context::build(&req, &self.state).await);
        req.extensions_mut().insert(ctx.clone());
        let method = req.method().clone();
        // A clone of the request's `Uri` shares its bytes; the path is read from it for the access line.
        let uri = req.uri().clone();
        // Only the id: method and path are in the access line, and every span field is formatted per layer.
        let span = tracing::info_span!("request", request_id = ctx.request_id.as_str());
        self.metrics.in_flight(1.0);

        let outcome = async {
            let req = body_limit::enforce(req, self.state.options.body_limit).await?;
            rate_limit::apply(&self.state, uri.path(), &ctx).await?;
            match tokio::time::timeout(self.state.options.request_timeout, self.inner.call(req)).await {
                Ok(result) => result.map(IntoResponse::into_response),
                Err(_) => {
                    Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "request.timeout").with_retry_after(1).into())
                }
            }
        }
        .instrument(span.clone())
        .await;

        let mut resp = match outcome {
            Ok(resp) => resp,
            Err(err) => span.in_scope(|| render::error_response(err, &ctx, &method, &self.allow)),
        };
        if let Ok(value) = poem::http::HeaderValue::from_str(&ctx.request_id) {
            resp.headers_mut().insert("x-request-id", value);
        }
        let resp = observe::finish(resp, ctx, method, uri, started, &self.metrics);
        self.metrics.in_flight(-1.0);
        Ok(resp)
    }
}
