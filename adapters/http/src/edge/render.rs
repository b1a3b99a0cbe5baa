//! Turns any error that reaches the edge into the localized error body, and logs 5xx causes once.

use super::{AllowIndex, RequestContext};
use crate::problem::ApiError;
use crate::spec::ParamSpec;
use poem::http::Method;
use poem::http::StatusCode;
use poem::{PathPattern, Response};
use poem_openapi::error::{
    AuthorizationError, ContentTypeError, ParseMultipartError, ParseParamError, ParsePathError,
    ParseRequestPayloadError,
};

/// The response for `err`, in the request's locale; a 405 names the allowed methods (RFC 9110).
pub(super) fn error_response(err: poem::Error, ctx: &RequestContext, method: &Method, allow: &AllowIndex) -> Response {
    let pattern = err.data::<PathPattern>().map(|p| p.0.clone());
    let param = |location: &str, name: &str| {
        pattern.as_deref().and_then(|p| allow.param(p, method.as_str(), location, name)).cloned()
    };
    let api = classify(err, param);
    if api.status.is_server_error() {
        tracing::error!(
            code = api.code,
            status = api.status.as_u16(),
            cause = api.cause.as_deref().unwrap_or(""),
            "request failed"
        );
    }
    let mut resp = api.render(ctx.locale, &ctx.request_id);
    if api.status == StatusCode::METHOD_NOT_ALLOWED
        && let Some(methods) = pattern.as_deref().and_then(|p| allow.allowed(p))
        && let Ok(value) = poem::http::HeaderValue::from_str(methods)
    {
        resp.headers_mut().insert("allow", value);
    }
    // The route survives the error, so metrics and the access log count a real route's errors under it.
    if let Some(p) = pattern.filter(|p| !p.is_empty()) {
        resp.set_data(PathPattern(p));
    }
    resp
}

fn invalid_body(reason: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "request.invalid_body").with_param("reason", reason)
}

/// Maps our own errors through unchanged and gives poem's and poem-openapi's their code; `param` finds a
/// refused parameter's documented spec by location and poem's name for it.
fn classify(err: poem::Error, param: impl Fn(&str, &str) -> Option<ParamSpec>) -> ApiError {
    let err = match err.downcast::<ApiError>() {
        Ok(api) => return api,
        Err(other) => other,
    };
    if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
        return invalid_body(e.reason.clone());
    }
    if let Some(e) = err.downcast_ref::<ParseParamError>() {
        return super::params::refused(e.name, &e.reason, param("query", e.name).as_ref());
    }
    if let Some(e) = err.downcast_ref::<ParsePathError>() {
        return super::params::refused(e.name, &e.reason, param("path", e.name).as_ref());
    }
    if let Some(e) = err.downcast_ref::<ParseMultipartError>() {
        return invalid_body(e.reason.clone());
    }
    if err.is::<ContentTypeError>() {
        return ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "http.unsupported_media_type");
    }
    if err.is::<AuthorizationError>() {
        return ApiError::new(StatusCode::UNAUTHORIZED, "auth.token_missing");
    }
    let status = err.status();
    let code = match status {
        StatusCode::NOT_FOUND => "http.not_found",
        StatusCode::METHOD_NOT_ALLOWED => "http.method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "http.payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "http.unsupported_media_type",
        StatusCode::LENGTH_REQUIRED => "http.length_required",
        s if s.is_client_error() => return invalid_body(err.to_string()),
        StatusCode::SERVICE_UNAVAILABLE => "backend.unavailable",
        _ => "internal",
    };
    let mut api = ApiError::new(status, code);
    if status.is_server_error() {
        api = api.with_cause(err.to_string());
        if code == "backend.unavailable" {
            api = api.with_param("backend", "server");
        }
    }
    api
}

#[cfg(test)]
mod tests {
    use super::classify;

    fn classify_(err: poem::Error) -> super::ApiError {
        classify(err, |_, _| None)
    }
    use poem::error::{MethodNotAllowedError, NotFoundError};
    use poem::http::StatusCode;

    #[test]
    fn poem_errors_get_our_codes() {
        assert_eq!(classify_(NotFoundError.into()).code, "http.not_found");
        assert_eq!(classify_(MethodNotAllowedError.into()).status, StatusCode::METHOD_NOT_ALLOWED);
        let payload = poem_openapi::error::ParseRequestPayloadError { reason: "expected value".into() };
        let api = classify_(payload.into());
        assert_eq!((api.status, api.code), (StatusCode::BAD_REQUEST, "request.invalid_body"));
    }
}
