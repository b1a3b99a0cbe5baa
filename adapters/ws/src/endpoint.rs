//! `GET /ws`: the upgrade. Takes the token from `Sec-WebSocket-Protocol` (`access_token.<token>`) when
//! offered, picks the locale for error messages, applies the frame limit, and hands the socket to a
//! connection task. The token is never logged.

use crate::connection;
use crate::gateway::Gateway;
use poem::http::StatusCode;
use poem::web::websocket::{WebSocket, WebSocketConfig};
use poem::web::{Data, Query};
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, handler};
use serde::Deserialize;
use std::sync::Arc;

/// The subprotocol the server speaks.
pub const SUBPROTOCOL: &str = "exchange.v1";
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

#[handler]
async fn upgrade(
    req: &Request,
    ws: Option<WebSocket>,
    Query(query): Query<LangQuery>,
    Data(gateway): Data<&Arc<Gateway>>,
) -> Response {
    let Some(ws) = ws else {
        return Response::builder().status(StatusCode::BAD_REQUEST).body("expected a WebSocket upgrade");
    };
    if gateway.shutdown.is_cancelled() {
        return Response::builder().status(StatusCode::SERVICE_UNAVAILABLE).body("shutting down");
    }
    let token = header_token(req);
    let accept = req.headers().get("accept-language").and_then(|v| v.to_str().ok());
    let locale = adapter_i18n::negotiate(query.lang.as_deref(), accept, gateway.default_locale().await);
    let max = gateway.options.max_frame_bytes;
    let config = WebSocketConfig::default().max_message_size(Some(max)).max_frame_size(Some(max));
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
