//! Refuses request bodies over the configured limit with 413, declared (`Content-Length`) or streamed.

use crate::problem::ApiError;
use poem::http::StatusCode;
use poem::{Body, Request};

fn too_large(limit: usize) -> poem::Error {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "http.payload_too_large").with_param("max", limit.to_string()).into()
}

/// Passes the request on if its body fits in `limit` bytes. Bodies without a `Content-Length` are read
/// (at most `limit + 1` bytes) and put back, so chunked uploads cannot get around the limit.
pub(super) async fn enforce(mut req: Request, limit: usize) -> poem::Result<Request> {
    let declared = req.headers().get("content-length").and_then(|v| v.to_str().ok()).map(str::parse::<u64>);
    match declared {
        Some(Ok(len)) if len > limit as u64 => Err(too_large(limit)),
        Some(Ok(_)) => Ok(req),
        Some(Err(_)) => Err(ApiError::new(StatusCode::BAD_REQUEST, "request.invalid_body")
            .with_param("reason", "Content-Length is not a number")
            .into()),
        None if req.headers().contains_key("transfer-encoding") => {
            use futures::StreamExt;
            let mut stream = Box::pin(req.take_body().into_bytes_stream());
            let mut buf = Vec::new();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| {
                    ApiError::new(StatusCode::BAD_REQUEST, "request.invalid_body").with_param("reason", e.to_string())
                })?;
                if buf.len() + chunk.len() > limit {
                    return Err(too_large(limit));
                }
                buf.extend_from_slice(&chunk);
            }
            req.set_body(Body::from_vec(buf));
            Ok(req)
        }
        None => Ok(req),
    }
}
