//! SIGTERM: stop accepting, let the in-flight request finish, exit 0.

use e2e::ServerBuilder;
use nix::sys::signal::Signal;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn sigterm_during_a_slow_request_lets_it_finish_then_exits_zero() {
    let mut server = ServerBuilder::new().spawn().await;
    let body = br#"{"username":"nobody_here","password":"not-the-password-123"}"#;
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).await.unwrap();
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..10]).await.unwrap();
    // Headers are in: the request is in flight while the client trickles its body.
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.signal(Signal::SIGTERM);
    tokio::time::sleep(Duration::from_millis(500)).await;

    // New connections are refused once shutdown began.
    assert!(TcpStream::connect(("127.0.0.1", server.port)).await.is_err(), "still accepting after SIGTERM");

    stream.write_all(&body[10..]).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 401"), "the in-flight request got its answer: {response}");
    assert!(response.contains("auth.invalid_credentials"), "{response}");

    let status = server.wait_exit(Duration::from_secs(15)).await;
    assert_eq!(status.code(), Some(0), "{}", server.output());
}
