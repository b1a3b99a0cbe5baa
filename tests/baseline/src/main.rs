//! `hello-poem [port]`: GET /ping -> "pong" on poem with nothing else (no middleware, no logging), on the
//! same runtime flavour as exchange, so the ratio in docs/benchmarks.md shows what our edge costs.

use poem::{Route, Server, get, handler, listener::TcpListener};

#[handler]
fn ping() -> &'static str {
    "pong"
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::args().nth(1).unwrap_or_else(|| "18090".into());
    Server::new(TcpListener::bind(format!("127.0.0.1:{port}"))).run(Route::new().at("/ping", get(ping))).await
}
