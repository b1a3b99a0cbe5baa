//! The access log line and the request metrics, written once the response's body is known or sent.
//!
//! A body whose size is known (every JSON, text and error answer) is logged at once. A streamed body (CSV
//! export, static files) is passed through a counting wrapper and logged when its last byte is handed to
//! the connection, or when the client goes away first, so streaming stays streaming. Metric handles are
//! looked up once per (method, route, status) and kept, instead of building label strings per request.

use super::RequestContext;
use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::combinators::BoxBody;
use metrics::{Counter, Gauge, Histogram};
use poem::http::{Method, StatusCode, Uri};
use poem::{Body, PathPattern, Response};
use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::Instant;

/// Route label of requests no route matched (keeps metric cardinality bounded).
const UNMATCHED: &str = "unmatched";

/// The edge's metric handles: the in-flight gauge and one counter and histogram per (method, route,
/// status). The handles come from the recorder installed when they are first used.
#[derive(Default)]
pub(super) struct EdgeMetrics {
    in_flight: OnceLock<Gauge>,
    by_route: RwLock<HashMap<RouteKey, Arc<RouteMetrics>>>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct RouteKey {
    method: Method,
    route: Arc<str>,
    status: u16,
}

struct RouteMetrics {
    requests: Counter,
    duration: Histogram,
}

impl EdgeMetrics {
    /// Moves the in-flight gauge.
    pub(super) fn in_flight(&self, delta: f64) {
        self.in_flight.get_or_init(|| metrics::gauge!("http_requests_in_flight")).increment(delta);
    }

    fn route(&self, key: &RouteKey) -> Arc<RouteMetrics> {
        if let Some(found) = self.by_route.read().unwrap_or_else(PoisonError::into_inner).get(key) {
            return found.clone();
        }
        let labels = [
            ("method", key.method.as_str().to_owned()),
            ("route", key.route.to_string()),
            ("status", key.status.to_string()),
        ];
        let made = Arc::new(RouteMetrics {
            requests: metrics::counter!("http_requests_total", &labels),
            duration: metrics::histogram!("http_request_duration_seconds", &labels[..2]),
        });
        self.by_route.write().unwrap_or_else(PoisonError::into_inner).entry(key.clone()).or_insert(made).clone()
    }
}

/// What the access line and the metrics say about one request, kept until its body is done.
struct Record {
    ctx: Arc<RequestContext>,
    method: Method,
    uri: Uri,
    route: Arc<str>,
    status: StatusCode,
    started: Instant,
    metrics: Arc<EdgeMetrics>,
}

impl Record {
    fn write(self, bytes: u64) {
        let latency = self.started.elapsed();
        let status = self.status.as_u16();
        let ctx = &*self.ctx;
        tracing::info!(
            target: "access",
            request_id = ctx.request_id.as_str(),
            method = self.method.as_str(),
            path = self.uri.path(),
            route = &*self.route,
            status,
            latency_ms = latency.as_secs_f64() * 1000.0,
            bytes,
            client_ip = tracing::field::display(OrEmpty(ctx.client_ip.as_ref())),
            user_id = tracing::field::display(OrEmpty(ctx.user_id.get())),
            "request"
        );
        let key = RouteKey { method: self.method, route: self.route, status };
        let handles = self.metrics.route(&key);
        handles.requests.increment(1);
        handles.duration.record(latency.as_secs_f64());
    }
}

/// Displays the value, or nothing when there is none (the access line's `client_ip` and `user_id`).
struct OrEmpty<'a, T>(Option<&'a T>);

impl<T: std::fmt::Display> std::fmt::Display for OrEmpty<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(value) => value.fmt(f),
            None => Ok(()),
        }
    }
}

/// Logs and counts the response: now if its size is known, else once its body has been sent.
pub(super) fn finish(
    mut resp: Response,
    ctx: Arc<RequestContext>,
    method: Method,
    uri: Uri,
    started: Instant,
    metrics: &Arc<EdgeMetrics>,
) -> Response {
    let route = match resp.data::<PathPattern>() {
        Some(pattern) => pattern.0.clone(),
        None => Arc::from(UNMATCHED),
    };
    let record = Record { ctx, method, uri, route, status: resp.status(), started, metrics: metrics.clone() };
    if resp.status() == StatusCode::SWITCHING_PROTOCOLS {
        record.write(0);
        return resp;
    }
    let body: BoxBody<Bytes, io::Error> = resp.take_body().into();
    match body.size_hint().exact() {
        Some(len) => {
            record.write(len);
            resp.set_body(Body::from(body));
        }
        None => resp.set_body(Body::from(BoxBody::new(Counted { inner: body, sent: 0, record: Some(record) }))),
    }
    resp
}

/// A streamed body that writes its request's access line when it ends (or is dropped unfinished).
struct Counted {
    inner: BoxBody<Bytes, io::Error>,
    sent: u64,
    record: Option<Record>,
}

impl Counted {
    fn done(&mut self) {
        if let Some(record) = self.record.take() {
            record.write(self.sent);
        }
    }
}

impl HttpBody for Counted {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    self.sent += data.len() as u64;
                }
            }
            Poll::Ready(None) | Poll::Ready(Some(Err(_))) => self.done(),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.done();
    }
}
