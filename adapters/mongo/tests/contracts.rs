//! The message store contract against the MongoDB-compatible server named by `MONGODB_URI`, one fresh
//! database per test. Built without `MONGODB_URI`, every test here is marked ignored ("skipped" in the test
//! runner's report, by name with `--status-level skip`), never a silent pass; see `build.rs`.

use adapter_mongo::testing::TestMongo;

adapter_contracts::messages_suite!(
    attrs [#[cfg_attr(mongodb_uri_unset, ignore = "MONGODB_URI not set")]]
    async {
        let mongo = TestMongo::start().await;
        mongo.scoped(mongo.backend().message_store())
    }
);
