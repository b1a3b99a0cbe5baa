//! What the MongoDB adapter promises beyond the port contract: the indexes exist (the partial one included),
//! the readiness probe, and `Unavailable` when no server answers. Tests needing a server are skipped, by
//! name, when built without `MONGODB_URI` (see `build.rs`); the closed-port test always runs.

use adapter_mongo::testing::TestMongo;
use adapter_mongo::{MongoOptions, connect, connect_lazy};
use domain::InfraError;
use domain::health::HealthProbe;
use futures::TryStreamExt;
use mongodb::bson::{Document, doc};
use std::time::{Duration, Instant};

/// A backend whose server is a closed port, failing within half a second.
async fn unreachable() -> adapter_mongo::MongoBackend {
    let mut options = MongoOptions::new("mongodb://127.0.0.1:1/?directConnection=true", "nowhere");
    options.server_selection_timeout = Duration::from_millis(500);
    options.connect_timeout = Duration::from_millis(500);
    connect_lazy(&options).await.expect("options are valid")
}

#[tokio::test]
async fn every_method_is_unavailable_without_a_server() {
    let backend = unreachable().await;
    let started = Instant::now();
    adapter_contracts::messages::every_method_is_unavailable(&backend.message_store()).await;
    assert!(started.elapsed() < Duration::from_secs(8), "took {:?}", started.elapsed());
    let probe = backend.health_probe();
    assert_eq!(probe.name(), "mongodb");
    let err = probe.check().await.expect_err("no server is not ready");
    assert!(matches!(err, InfraError::Unavailable { backend: "mongodb", .. }), "{err:?}");
}

#[tokio::test]
async fn connect_to_a_closed_port_fails_with_the_redacted_uri() {
    let mut options = MongoOptions::new("mongodb://app:s3cret@127.0.0.1:1/?directConnection=true", "x");
    options.server_selection_timeout = Duration::from_millis(300);
    let err = connect(&options).await.expect_err("nothing listens on port 1");
    let shown = err.to_string();
    assert!(shown.contains("127.0.0.1:1") && !shown.contains("s3cret"), "{shown}");
    let empty = MongoOptions::new("mongodb://127.0.0.1:1", " ");
    assert!(matches!(connect(&empty).await, Err(adapter_mongo::MongoError::Config(_))));
}

#[tokio::test]
#[cfg_attr(mongodb_uri_unset, ignore = "MONGODB_URI not set")]
async fn indexes_exist_and_client_ids_are_partially_unique() {
    let mongo = TestMongo::start().await;
    let indexes: Vec<Document> = mongo
        .backend()
        .database()
        .collection::<Document>("messages")
        .list_indexes()
        .await
        .expect("list indexes")
        .try_collect::<Vec<_>>()
        .await
        .expect("read indexes")
        .into_iter()
        .map(|m| {
            let mut d = doc! { "keys": m.keys };
            if let Some(o) = m.options {
                d.insert("name", o.name.unwrap_or_default());
                d.insert("unique", o.unique.unwrap_or(false));
                d.insert("partial", o.partial_filter_expression.unwrap_or_default());
            }
            d
        })
        .collect();
    // Found by their keys: not every MongoDB-compatible server keeps the names it was given.
    let find = |keys: Document| indexes.iter().find(|d| d.get_document("keys").ok() == Some(&keys)).cloned();
    let seq = find(doc! { "conversation": 1, "seq": 1 }).expect("seq index");
    assert_eq!(seq.get_bool("unique").ok(), Some(true), "{seq:?}");
    let client = find(doc! { "conversation": 1, "client_id": 1 }).expect("client id index");
    assert_eq!(client.get_bool("unique").ok(), Some(true), "{client:?}");
    // MongoDB and SecantusDB report the partial filter; nx-27017 does not list it (its unique index skips
    // absent fields anyway). Behaviour is the contract's `system_messages_never_collide_on_client_id`.
    let partial = client.get_document("partial").cloned().unwrap_or_default();
    assert!(partial.is_empty() || partial == doc! { "client_id": { "$exists": true } }, "{client:?}");
    assert!(find(doc! { "created_at_us": 1 }).is_some(), "{indexes:?}");
    // Connecting again (a restart) finds the indexes in place and changes nothing.
    connect(mongo.options()).await.expect("second connect");
}

#[tokio::test]
#[cfg_attr(mongodb_uri_unset, ignore = "MONGODB_URI not set")]
async fn health_probe_passes_on_a_live_server() {
    let mongo = TestMongo::start().await;
    let probe = mongo.backend().health_probe();
    assert_eq!(probe.name(), "mongodb");
    probe.check().await.expect("a live server is ready");
}
