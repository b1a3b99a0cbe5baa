//! `GET /ws`: the upgrade. Takes the token from `Sec-WebSocket-Protocol` (`access_token.<token>`) when
//! offered, picks the locale for error messages, applies the frame limit, and hands the socket to a
//! connection task. The token is never logged.

use crate::connection;
use crate::gateway::Gateway;
use domain::locale::Locale;
use poem::http::StatusCode;
use poem::web::Data;
use poem::web::websocket::{WebSocket, WebSocketConfig};
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, handler};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// The subprotocol the server speaks.
pub const SUBPROTOCOL: &str = "exchange.v1";
/// Bytes tungstenite reads from the socket at a time (it grows for a larger frame, up to `max_frame_bytes`).
const READ_BUFFER: usize = 4 * 1024;
/// Bytes of frames buffered before tungstenite writes them without a flush (the writer flushes each batch).
const WRITE_BUFFER: usize = 16 * 1024;
/// Prefix of the subprotocol entry carrying the token.
const TOKEN_PREFIX: &str = "access_token.";

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// The token offered in `Sec-WebSocket-Protocol`, if any.
fn header_token(req: &Request) -> Option<String> {
    let value = req.headers().get("sec-websocket-protocol")?.to_str().ok()?;
    value.split(',').map(str::trim).find_map(|p| p.strip_prefix(TOKEN_PREFIX)).map(str::to_owned)
}

/// A refused upgrade in the API's error shape (`code`, localized `message`, `request_id`).
fn refuse(status: StatusCode, code: &str, locale: Locale, req: &Request) -> Response {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 128)
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let body = json!({"code": code, "message": adapter_i18n::message(locale, code, &[]), "request_id": request_id});
    Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8")
        .header("content-language", locale.as_str())
        .header("x-request-id", request_id)
        .body(body.to_string())
}

#[handler]
async fn upgrade(req: &Request, ws: Option<WebSocket>, Data(gateway): Data<&Arc<Gateway>>) -> Response {
    let lang = req.params::<LangQuery>().ok().and_then(|q| q.lang);
    let accept = req.headers().get("accept-language").and_then(|v| v.to_str().ok());
    let locale = adapter_i18n::negotiate(lang.as_deref(), accept, gateway.default_locale().await);
    let Some(ws) = ws else {
        return refuse(StatusCode::UPGRADE_REQUIRED, "ws.upgrade_required", locale, req);
    };
    if gateway.shutdown.is_cancelled() {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "ws.shutting_down", locale, req);
    }
    let token = header_token(req);
    let max = gateway.options.max_frame_bytes;
    // tungstenite's defaults (128 KiB read buffer allocated up front, 128 KiB write buffer) cost an idle
    // socket ~137 KiB; reads here are small frames, and the writer flushes whole batches itself.
    let config = WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(Some(max))
        .max_frame_size(Some(max));
    let gateway = gateway.clone();
    ws.protocols([SUBPROTOCOL])
        .config(config)
        .on_upgrade(move |socket| connection::run(socket, gateway, token, locale))
        .into_response()
}

/// The endpoint to mount at `server.ws_path`.
pub fn endpoint(gateway: Arc<Gateway>) -> impl Endpoint {
    poem::get(upgrade).data(gateway)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_protocols(value: &str) -> Request {
        Request::builder().header("sec-websocket-protocol", value).finish()
    }

    #[test]
    fn the_token_is_read_from_its_own_subprotocol_entry_only() {
        let req = with_protocols("exchange.v1, access_token.v4.public.abc-_.def");
        assert_eq!(header_token(&req).as_deref(), Some("v4.public.abc-_.def"));
        assert_eq!(header_token(&with_protocols("exchange.v1")), None);
        assert_eq!(header_token(&with_protocols("v4.public.abc")), None, "a bare token is not taken");
        assert_eq!(header_token(&Request::builder().finish()), None);
    }

    #[test]
    fn refusals_use_the_api_error_shape() {
        let req = Request::builder().header("x-request-id", "req-1").finish();
        let resp = refuse(StatusCode::UPGRADE_REQUIRED, "ws.upgrade_required", Locale::En, &req);
        assert_eq!(resp.status(), StatusCode::UPGRADE_REQUIRED);
        assert_eq!(resp.headers().get("x-request-id").and_then(|v| v.to_str().ok()), Some("req-1"));
        assert_eq!(resp.headers().get("content-language").and_then(|v| v.to_str().ok()), Some("en"));
    }
}
