//! Sends requests for a few paths to one endpoint and everything else to another, without the URI rewrite
//! a `Route::nest("/", ..)` makes on every request (a fresh `PathAndQuery`, a `PathPrefix` in the
//! extensions): on `GET /ping` the two nests of the route tree cost about a tenth of the edge.

use poem::{Endpoint, IntoResponse, Request, Response, Result};

/// Which requests [`Split`] sends to its `some` side.
#[derive(Clone, Debug)]
pub enum Paths {
    /// Exactly this path (the WebSocket endpoint).
    Exactly(String),
    /// Each of these paths, and everything under them (`/docs` and `/docs/...`).
    Under(Vec<&'static str>),
}

impl Paths {
    fn matches(&self, path: &str) -> bool {
        match self {
            Self::Exactly(exact) => path == exact,
            Self::Under(prefixes) => prefixes
                .iter()
                .any(|p| path.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))),
        }
    }
}

/// Requests whose path matches go to `some`, the rest to `rest`; both see the request unchanged.
pub struct Split<A, B> {
    paths: Paths,
    some: A,
    rest: B,
}

impl<A, B> Split<A, B> {
    /// `some` takes the requests `paths` matches; `rest` takes the others.
    pub fn new(paths: Paths, some: A, rest: B) -> Self {
        Self { paths, some, rest }
    }
}

impl<A: Endpoint, B: Endpoint> Endpoint for Split<A, B> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        if self.paths.matches(req.uri().path()) {
            self.some.call(req).await.map(IntoResponse::into_response)
        } else {
            self.rest.call(req).await.map(IntoResponse::into_response)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Paths;

    #[test]
    fn prefixes_match_themselves_and_below_only() {
        let under = Paths::Under(vec!["/docs", "/admin"]);
        for yes in ["/docs", "/docs/", "/docs/index.html", "/admin", "/admin/assets/app.js"] {
            assert!(under.matches(yes), "{yes}");
        }
        for no in ["/", "/docsx", "/api/v1/docs", "/ping", "/administrator"] {
            assert!(!under.matches(no), "{no}");
        }
        let exact = Paths::Exactly("/ws".into());
        assert!(exact.matches("/ws"));
        assert!(!exact.matches("/ws/") && !exact.matches("/wsx") && !exact.matches("/"));
    }
}
