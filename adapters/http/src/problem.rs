//! The one error shape of the API: `{ code, message, request_id, details? }`, localized at the edge.
//!
//! Handlers return [`ApiError`], built from any domain or application error implementing
//! [`domain::Coded`]. It carries the code and parameters, not the text: the edge renders the message in the
//! request's locale and adds the request id, so every error body looks the same, including poem's own
//! (404, 405, bad JSON).

use domain::{Coded, ErrorKind};
use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::ToJSON;
use poem_openapi::{ApiResponse, Object};
use serde_json::{Map, Value};

/// The JSON body of every error response.
#[derive(Clone, Debug, Object)]
#[oai(example)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `user.not_found`; see the error codes table in docs/api.md.
    pub code: String,
    /// Human-readable message in the request's language (zh-CN by default, en with `Accept-Language: en`).
    pub message: String,
    /// Id of the request, also in the `X-Request-Id` header and the server logs.
    pub request_id: String,
    /// Structured facts about the error, e.g. `{ "field": "username", "min": "3" }`.
    #[oai(skip_serializing_if_is_none)]
    pub details: Option<Value>,
}

impl poem_openapi::types::Example for ErrorBody {
    fn example() -> Self {
        ErrorBody {
            code: "validation.too_short".into(),
            message: "用户名至少需要 3 个字符。".into(),
            request_id: "0192f1c8-7a1e-7cc3-a7f0-2f5e3b1c9d10".into(),
            details: Some(serde_json::json!({ "field": "username", "min": "3" })),
        }
    }
}

/// An error on its way to becoming an [`ErrorBody`].
#[derive(Debug, thiserror::Error)]
#[error("{code} ({status})")]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code, also the message key.
    pub code: &'static str,
    /// Message parameters, also returned as `details`.
    pub params: Vec<(&'static str, String)>,
    /// Structured details merged into `details` (e.g. readiness checks).
    pub extra: Option<Map<String, Value>>,
    /// Seconds for the `Retry-After` header (429, 503).
    pub retry_after: Option<u64>,
    /// The cause chain, logged once by the edge for 5xx errors and never shown to clients.
    pub cause: Option<String>,
}

/// `Retry-After` seconds on a 503 that did not choose its own: long enough for a backend's reconnect
/// attempt (Redis retries at most every 2 s, the SQL pool on its next checkout), short enough that a
/// client resumes soon after the outage ends.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;

/// `Retry-After` seconds on a 429 whose limiter did not say (none of ours do so today): the document
/// promises the header on every 429.
pub const RATE_LIMITED_RETRY_AFTER_SECS: u64 = 1;

/// The HTTP status for a kind of error.
pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Invalid => StatusCode::BAD_REQUEST,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

impl<E: Coded> From<E> for ApiError {
    fn from(err: E) -> Self {
        let kind = err.kind();
        let cause = matches!(kind, ErrorKind::Internal | ErrorKind::Unavailable).then(|| chain(&err));
        Self {
            status: status_of(kind),
            code: err.code(),
            params: err.params(),
            extra: None,
            retry_after: err.retry_after_secs(),
            cause,
        }
    }
}

impl ApiError {
    /// An error with an explicit status and code (edge errors that have no domain type).
    pub fn new(status: StatusCode, code: &'static str) -> Self {
        Self { status, code, params: Vec::new(), extra: None, retry_after: None, cause: None }
    }

    /// Adds a message parameter.
    pub fn with_param(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.params.push((name, value.into()));
        self
    }

    /// Adds structured details.
    pub fn with_extra(mut self, key: &str, value: Value) -> Self {
        self.extra.get_or_insert_with(Map::new).insert(key.to_owned(), value);
        self
    }

    /// Sets `Retry-After`.
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs.max(1));
        self
    }

    /// Records the cause for the logs.
    pub fn with_cause(mut self, cause: impl Into<String>) -> Self {
        self.cause = Some(cause.into());
        self
    }

    /// The `details` object: parameters plus extras, or `None` when both are empty.
    pub fn details(&self) -> Option<Value> {
        let mut map = self.extra.clone().unwrap_or_default();
        for (name, value) in &self.params {
            map.insert((*name).to_owned(), Value::String(value.clone()));
        }
        (!map.is_empty()).then_some(Value::Object(map))
    }

    /// Renders the final response in `locale` for request `request_id`.
    pub fn render(&self, locale: domain::locale::Locale, request_id: &str) -> Response {
        let body = ErrorBody {
            code: self.code.to_owned(),
            message: adapter_i18n::message(locale, self.code, &self.params),
            request_id: request_id.to_owned(),
            details: self.details(),
        };
        let mut resp = Response::builder()
            .status(self.status)
            .content_type("application/json; charset=utf-8")
            .body(body.to_json_string());
        // Every 503 and 429 says when to come back, so clients and load balancers back off instead of
        // hammering a backend that is reconnecting or a limit that is spent (the document promises it).
        let retry_after = self.retry_after.or(match self.status {
            StatusCode::SERVICE_UNAVAILABLE => Some(UNAVAILABLE_RETRY_AFTER_SECS),
            StatusCode::TOO_MANY_REQUESTS => Some(RATE_LIMITED_RETRY_AFTER_SECS),
            _ => None,
        });
        if let Some(secs) = retry_after {
            resp.headers_mut().insert("retry-after", secs.into());
        }
        resp.headers_mut().insert("content-language", poem::http::HeaderValue::from_static(locale.as_str()));
        resp
    }
}

impl poem::error::ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        self.status
    }

    /// Only reached if the edge middleware is missing (handler unit tests): default locale, no request id.
    fn as_response(&self) -> Response {
        self.render(domain::locale::Locale::default(), "")
    }
}

/// The statuses any operation may answer with besides its success response; every one carries an
/// [`ErrorBody`].
const DOCUMENTED: &[(u16, &str)] = &[
    (400, "The input is malformed or breaks a rule; `details.field` names the field."),
    (
        401,
        "No valid access token (`auth.token_missing`, `auth.token_expired`, `auth.token_invalid`, `auth.session_revoked`...).",
    ),
    (403, "Authenticated, but the role does not allow this (`auth.forbidden`)."),
    (404, "Nothing at this address, or no such resource."),
    (409, "Conflicts with current state, e.g. a duplicate username."),
    (413, "The request body is larger than `server.body_limit`."),
    (415, "The body is not `application/json`."),
    (429, "Rate limited; retry after the `Retry-After` header's seconds."),
    (500, "A bug; quote the `request_id`."),
    (503, "A backend is down or the request timed out; retry after the `Retry-After` header's seconds."),
];

/// The statuses whose every answer carries `Retry-After` (see [`ApiError::render`]).
const WITH_RETRY_AFTER: &[u16] = &[429, 503];

/// The `Retry-After` header as the document declares it.
fn retry_after_header() -> MetaHeader {
    MetaHeader {
        name: "Retry-After".into(),
        description: Some("Seconds to wait before retrying.".into()),
        required: true,
        deprecated: false,
        schema: MetaSchemaRef::Inline(Box::new(poem_openapi::registry::MetaSchema {
            format: Some("int32"),
            minimum: Some(1.0),
            ..poem_openapi::registry::MetaSchema::new("integer")
        })),
    }
}

impl ApiResponse for ApiError {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: DOCUMENTED
                .iter()
                .map(|(status, description)| MetaResponse {
                    description,
                    status: Some(*status),
                    status_range: None,
                    content: vec![MetaMediaType {
                        content_type: "application/json; charset=utf-8",
                        schema: <ErrorBody as poem_openapi::types::Type>::schema_ref(),
                    }],
                    headers: if WITH_RETRY_AFTER.contains(status) { vec![retry_after_header()] } else { vec![] },
                })
                .collect(),
        }
    }

    fn register(registry: &mut Registry) {
        <ErrorBody as poem_openapi::types::Type>::register(registry);
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        poem::error::ResponseError::as_response(&self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::InfraError;
    use domain::locale::Locale;

    /// Regression: a backend outage answered 503 without `Retry-After`.
    #[test]
    fn an_unavailable_backend_answers_503_with_retry_after() {
        let err = ApiError::from(InfraError::unavailable("redis", std::io::Error::other("Failed to route command.")));
        let resp = err.render(Locale::default(), "r-1");
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(resp.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("5"));
    }

    #[test]
    fn every_429_says_when_to_retry_and_the_document_declares_it() {
        let resp = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited").render(Locale::default(), "");
        assert_eq!(resp.headers().get("retry-after").unwrap(), "1");
        let meta = <ApiError as ApiResponse>::meta();
        for response in &meta.responses {
            let declared = response.headers.iter().any(|h| h.name == "Retry-After" && h.required);
            assert_eq!(declared, matches!(response.status, Some(429 | 503)), "{:?}", response.status);
        }
    }

    #[test]
    fn an_explicit_retry_after_wins_and_other_statuses_get_none() {
        let err = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "request.timeout").with_retry_after(1);
        assert_eq!(err.render(Locale::default(), "").headers().get("retry-after").unwrap(), "1");
        let internal = ApiError::from(InfraError::unexpected("redis", std::io::Error::other("x")));
        let resp = internal.render(Locale::default(), "");
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(resp.headers().get("retry-after").is_none());
    }
}
