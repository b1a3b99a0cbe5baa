//! The access log line and the request metrics, written once the final response is known.

use super::RequestContext;
use poem::PathPattern;
use poem::Response;
use poem::http::Method;
use std::time::Instant;

/// Moves the in-flight gauge.
pub(super) fn in_flight(delta: f64) {
    metrics::gauge!("http_requests_in_flight").increment(delta);
}

/// Logs and counts the response; returns it unchanged (its body buffered to learn its size).
pub(super) async fn finish(
    mut resp: Response,
    ctx: &RequestContext,
    method: &Method,
    path: &str,
    started: Instant,
) -> Response {
    // The route template, not the raw path, keeps metric cardinality bounded.
    let route = resp.data::<PathPattern>().map(|p| p.0.to_string()).unwrap_or_else(|| "unmatched".into());
    let bytes = if resp.status() == poem::http::StatusCode::SWITCHING_PROTOCOLS {
        0
    } else {
        match resp.take_body().into_bytes().await {
            Ok(body) => {
                let len = body.len();
                resp.set_body(body);
                len
            }
            Err(_) => 0,
        }
    };
    let latency = started.elapsed();
    let status = resp.status().as_u16();
    let user_id = ctx.user_id.get().map(ToString::to_string).unwrap_or_default();
    let client_ip = ctx.client_ip.map(|ip| ip.to_string()).unwrap_or_default();
    tracing::info!(
        target: "access",
        request_id = %ctx.request_id,
        method = %method,
        path,
        route = %route,
        status,
        latency_ms = latency.as_secs_f64() * 1000.0,
        bytes,
        client_ip = %client_ip,
        user_id = %user_id,
        "request"
    );
    let labels = [("method", method.to_string()), ("route", route), ("status", status.to_string())];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels[..2]).record(latency.as_secs_f64());
    resp
}
