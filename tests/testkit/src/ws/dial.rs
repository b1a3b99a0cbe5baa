//! Opening a socket: which subprotocols and headers the upgrade offers, and the shape of the link (a small
//! receive buffer and a read rate, for a client on a slow connection).

use super::{DEFAULT_WAIT, WsClient};
use crate::error::ClientError;
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub(super) type Stream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How a socket is opened: `Dial::new(url).token(t).connect()`, or `.protocols(..).open()` to look at a
/// refused or unauthenticated upgrade.
#[derive(Clone, Debug)]
pub struct Dial {
    url: String,
    protocols: Vec<String>,
    headers: Vec<(String, String)>,
    recv_buffer: Option<u32>,
    read_rate: Option<u64>,
    wait: Duration,
}

impl Dial {
    /// An upgrade of `url` (`ws://host:port/ws`) offering no subprotocol yet.
    pub fn new(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            protocols: Vec::new(),
            headers: Vec::new(),
            recv_buffer: None,
            read_rate: None,
            wait: DEFAULT_WAIT,
        }
    }

    /// Offers `exchange.v1` and the access token in `Sec-WebSocket-Protocol` (the header way to
    /// authenticate).
    pub fn token(mut self, access_token: &str) -> Self {
        self.protocols = vec!["exchange.v1".into(), format!("access_token.{access_token}")];
        self
    }

    /// Offers exactly these subprotocols (comma-joined), e.g. `["exchange.v1"]` to authenticate by frame.
    pub fn protocols(mut self, protocols: &[&str]) -> Self {
        self.protocols = protocols.iter().map(|p| (*p).to_owned()).collect();
        self
    }

    /// Adds a request header to the upgrade.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the socket's kernel receive buffer (`SO_RCVBUF`, which also stops its auto-tuning), so a client
    /// that reads slowly pushes back on the server after that many bytes instead of megabytes.
    pub fn recv_buffer(mut self, bytes: u32) -> Self {
        self.recv_buffer = Some(bytes);
        self
    }

    /// Reads at most `bytes_per_sec` of frame text per second (a slow link): after each frame the client
    /// waits until the frames read so far fit the rate before reading the next.
    pub fn read_rate(mut self, bytes_per_sec: u64) -> Self {
        self.read_rate = Some(bytes_per_sec.max(1));
        self
    }

    /// How long each call of the client waits for the server ([`DEFAULT_WAIT`] unless set).
    pub fn wait(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    /// Performs the upgrade; the client is not authenticated yet unless the token went in the header (then
    /// `welcome` is the first frame: [`Dial::connect`] waits for it).
    pub async fn open(self) -> Result<WsClient, ClientError> {
        let mut request = self.url.as_str().into_client_request()?;
        if !self.protocols.is_empty() {
            let value = HeaderValue::from_str(&self.protocols.join(", "))
                .map_err(|_| ClientError::Protocol("the subprotocols are not a valid header value".into()))?;
            request.headers_mut().insert("sec-websocket-protocol", value);
        }
        for (name, value) in &self.headers {
            let name: HeaderName =
                name.parse().map_err(|_| ClientError::Protocol(format!("{name:?} is not a header name")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| ClientError::Protocol(format!("{value:?} is not a header value")))?;
            request.headers_mut().insert(name, value);
        }
        let (stream, response) = match self.recv_buffer {
            None => tokio_tungstenite::connect_async(request).await?,
            Some(bytes) => {
                let tcp = connect_tcp(request.uri(), bytes).await?;
                tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(tcp)).await?
            }
        };
        let chosen = response.headers().get("sec-websocket-protocol").and_then(|v| v.to_str().ok()).map(str::to_owned);
        Ok(WsClient::new(stream, chosen, self.wait, self.read_rate.map(Pace::new)))
    }

    /// Performs the upgrade and waits for `welcome` (the token must be in the header: [`Dial::token`]).
    pub async fn connect(self) -> Result<WsClient, ClientError> {
        let mut client = self.open().await?;
        client.await_welcome().await?;
        Ok(client)
    }
}

/// A plain TCP connection to the URL's host with a fixed receive buffer (set before connecting, so the
/// window the server sees is small from the start).
async fn connect_tcp(
    uri: &tokio_tungstenite::tungstenite::http::Uri,
    recv_buffer: u32,
) -> Result<TcpStream, ClientError> {
    if uri.scheme_str() != Some("ws") {
        return Err(ClientError::Protocol("a receive buffer can only be set on ws:// URLs".into()));
    }
    let host = uri.host().unwrap_or("127.0.0.1");
    let port = uri.port_u16().unwrap_or(80);
    let addr = tokio::net::lookup_host((host, port))
        .await
        .map_err(tokio_tungstenite::tungstenite::Error::Io)?
        .next()
        .ok_or_else(|| ClientError::Protocol(format!("{host} has no address")))?;
    let socket = if addr.is_ipv4() { TcpSocket::new_v4() } else { TcpSocket::new_v6() };
    let io = |e| ClientError::WebSocket(tokio_tungstenite::tungstenite::Error::Io(e));
    let socket = socket.map_err(io)?;
    socket.set_recv_buffer_size(recv_buffer).map_err(io)?;
    let stream = socket.connect(addr).await.map_err(io)?;
    stream.set_nodelay(true).map_err(io)?;
    Ok(stream)
}

/// A read rate: the next frame may be read once the bytes read so far fit `rate` per second. Idle time
/// earns no credit, so the client never reads faster than the rate, even after a pause.
#[derive(Debug)]
pub(super) struct Pace {
    rate: u64,
    next: Instant,
}

impl Pace {
    fn new(rate: u64) -> Self {
        Self { rate, next: Instant::now() }
    }

    /// Resolves when the next frame may be read.
    pub(super) async fn ready(&self) {
        tokio::time::sleep_until(self.next).await;
    }

    /// A frame of `bytes` was read.
    pub(super) fn consumed(&mut self, bytes: usize) {
        self.consumed_at(Instant::now(), bytes);
    }

    fn consumed_at(&mut self, now: Instant, bytes: usize) {
        let cost = Duration::from_secs_f64(bytes as f64 / self.rate as f64);
        self.next = self.next.max(now) + cost;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pace_spreads_reads_over_time_and_gives_no_credit_for_idling() {
        let mut pace = Pace::new(1000);
        let start = pace.next;
        pace.consumed_at(start, 500);
        pace.consumed_at(start, 250);
        assert_eq!(pace.next - start, Duration::from_millis(750), "back-to-back frames queue up");
        let later = start + Duration::from_secs(10);
        pace.consumed_at(later, 1000);
        assert_eq!(pace.next - later, Duration::from_secs(1), "ten idle seconds earned nothing");
    }
}
