//! What a call through the test kit's clients can end in besides success.

use serde::Deserialize;
use serde_json::Value;

/// An error answer of the API: the status and the documented body `{ code, message, request_id, details? }`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ApiFailure {
    /// HTTP status (filled from the response, not the body).
    #[serde(skip)]
    pub status: u16,
    /// Stable error code, e.g. `auth.invalid_credentials`.
    pub code: String,
    /// Localized message.
    pub message: String,
    /// Equals the `X-Request-Id` response header.
    pub request_id: String,
    /// Field and limit, when there is one.
    #[serde(default)]
    pub details: Option<Value>,
}

/// Why a client call did not return the expected value.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The API answered with an error body.
    #[error("{} {}: {}", .0.status, .0.code, .0.message)]
    Api(ApiFailure),
    /// The answer was not what the operation documents (wrong status or an undecodable body).
    #[error("unexpected answer {status}: {body}")]
    Unexpected {
        /// HTTP status.
        status: u16,
        /// The body as text.
        body: String,
    },
    /// The request could not be sent or the answer not read.
    #[error("transport: {0}")]
    Transport(#[from] reqwest::Error),
    /// The WebSocket failed.
    #[error("websocket: {0}")]
    WebSocket(#[from] tokio_tungstenite::tungstenite::Error),
    /// The server answered a WebSocket frame with an `error` frame.
    #[error("websocket error frame {code}: {message}")]
    Frame {
        /// Stable error code, e.g. `chat.not_member`.
        code: String,
        /// Localized message.
        message: String,
    },
    /// The WebSocket ended (the server closed it, or the connection dropped).
    #[error("websocket {0}")]
    Closed(crate::ws::Ended),
    /// Nothing the call waited for arrived within its bound.
    #[error("websocket: {0}")]
    Timeout(String),
    /// The server sent something the protocol does not allow here (not JSON, no `welcome`, ...).
    #[error("websocket protocol: {0}")]
    Protocol(String),
}

impl ClientError {
    /// The API failure, when the API answered with an error body.
    pub fn api(&self) -> Option<&ApiFailure> {
        match self {
            Self::Api(f) => Some(f),
            _ => None,
        }
    }

    /// The error code of an API error body or a WebSocket `error` frame, or "" for anything else:
    /// `assert_eq!(err.code(), "user.not_found")`.
    pub fn code(&self) -> &str {
        match self {
            Self::Api(f) => &f.code,
            Self::Frame { code, .. } => code,
            _ => "",
        }
    }

    /// Whether the socket is gone (closed, dropped, or failed): reconnect rather than retry on it.
    pub fn socket_gone(&self) -> bool {
        matches!(self, Self::Closed(_) | Self::WebSocket(_))
    }

    /// The HTTP status, or 0 when this is not an API error.
    pub fn status(&self) -> u16 {
        self.api().map(|f| f.status).unwrap_or(0)
    }
}
