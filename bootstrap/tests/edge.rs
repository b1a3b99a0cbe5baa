//! The edge over the real services (memory ports): a streamed body leaves as it is produced, and its access
//! line, written once the body is done, counts every byte sent.

use adapter_http::edge::Edge;
use bootstrap::in_process::InProcess;
use bootstrap::wiring::{Ports, Services};
use bytes::Bytes;
use futures::StreamExt;
use poem::{Body, Endpoint, EndpointExt, Request, Response};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};

/// Records the `bytes` field of every access event.
#[derive(Clone, Default)]
struct AccessBytes(Arc<Mutex<Vec<u64>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for AccessBytes {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        struct Bytes(Option<u64>);
        impl Visit for Bytes {
            fn record_u64(&mut self, field: &Field, value: u64) {
                if field.name() == "bytes" {
                    self.0 = Some(value);
                }
            }
            fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
        }
        if event.metadata().target() == "access" {
            let mut bytes = Bytes(None);
            event.record(&mut bytes);
            self.0.lock().unwrap().push(bytes.0.expect("access events carry bytes"));
        }
    }
}

#[tokio::test]
async fn a_streamed_body_is_not_buffered_and_its_access_line_counts_it_when_done() {
    let recorded = AccessBytes::default();
    let _log = tracing::subscriber::set_default(tracing_subscriber::registry().with(recorded.clone()));
    let mut builder = InProcess::new().expect("config");
    let config = builder.config_mut().clone();
    let services = Services::new(&config, Ports::in_memory(&config).expect("ports")).await.expect("services");
    let state = services.http_state(&config, None);

    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    let rx = Arc::new(Mutex::new(Some(rx)));
    let streaming = poem::endpoint::make(move |_req: Request| {
        let rx = rx.lock().unwrap().take().expect("called once");
        async move {
            let chunks = tokio_stream_from(rx);
            Response::builder().content_type("text/csv").body(Body::from_bytes_stream(chunks))
        }
    });
    let app = streaming.data(state.clone()).with(Edge::new(state, Arc::new(adapter_http::spec::RouteIndex::default())));

    let resp = tokio::time::timeout(Duration::from_secs(5), app.get_response(Request::builder().finish()))
        .await
        .expect("the edge answers before the body is complete (it does not buffer it)");
    assert!(recorded.0.lock().unwrap().is_empty(), "no access line before the body is done");
    let mut body = resp.into_body().into_bytes_stream();
    tx.send(Ok(Bytes::from_static(b"a,b\r\n"))).await.unwrap();
    let first = tokio::time::timeout(Duration::from_secs(5), body.next()).await.expect("first chunk streams");
    assert_eq!(first.unwrap().unwrap(), Bytes::from_static(b"a,b\r\n"));
    tx.send(Ok(Bytes::from_static(b"1,2\r\n3,4\r\n"))).await.unwrap();
    drop(tx);
    let rest: Vec<_> = body.collect().await;
    assert_eq!(rest.len(), 1);
    assert_eq!(*recorded.0.lock().unwrap(), [15], "the access line counts every byte, once");
}

/// The receiver as a stream (without pulling in tokio-stream).
fn tokio_stream_from(
    rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) })
}
