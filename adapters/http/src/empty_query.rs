//! Drops query parameters with empty values (`?role=&search=`) before the API parses them, so that an
//! HTML form's blank optional field means "no filter" instead of a 400 about an unparsable empty value.
//! Parameters that are required still fail, as "missing", in their handler.

use poem::http::Uri;
use poem::http::uri::PathAndQuery;
use poem::{Endpoint, EndpointExt, Request, Result};

/// The query string without `name=` and bare `name` pairs; `None` when nothing was dropped.
fn strip(query: &str) -> Option<String> {
    let kept: Vec<&str> =
        query.split('&').filter(|pair| pair.split_once('=').is_some_and(|(_, value)| !value.is_empty())).collect();
    let total = query.split('&').count();
    (kept.len() != total).then(|| kept.join("&"))
}

fn rewrite(uri: &Uri, query: &str) -> Option<Uri> {
    let path = uri.path();
    let pq = if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(PathAndQuery::try_from(pq).ok()?);
    Uri::from_parts(parts).ok()
}

/// Wraps `inner` so it never sees empty-valued query parameters (every API port of the platform uses it).
pub fn drop_empty_params<E: Endpoint>(inner: E) -> impl Endpoint<Output = E::Output> {
    inner.before(|mut req: Request| async move {
        if let Some(stripped) = req.uri().query().and_then(strip)
            && let Some(uri) = rewrite(req.uri(), &stripped)
        {
            *req.uri_mut() = uri;
        }
        Result::Ok(req)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_are_dropped_and_the_rest_kept_in_order() {
        assert_eq!(strip("role=&search=bob&status=&page=2").as_deref(), Some("search=bob&page=2"));
        assert_eq!(strip("lang").as_deref(), Some(""));
        assert_eq!(strip("search=a%3Db&size=5"), None, "nothing to drop");
        let uri: Uri = "/api/v1/admin/users?role=&size=5".parse().expect("uri");
        assert_eq!(rewrite(&uri, "size=5").expect("rewritten").to_string(), "/api/v1/admin/users?size=5");
        assert_eq!(rewrite(&uri, "").expect("rewritten").to_string(), "/api/v1/admin/users");
    }
}
