//! The indexes the message store relies on: `(conversation, seq)` unique (also history paging, `max_seq` and
//! `latest`), `(conversation, client_id)` unique for documents that have a client id (a partial index, so
//! system messages without one never collide), and `created_at_us` for the daily count. Creating an index
//! that exists with the same definition is a no-op, so this runs at every start.

use super::document::{CLIENT_ID, CONVERSATION, CREATED_AT, SEQ};
use super::store::COLLECTION;
use mongodb::bson::{Document, doc};
use mongodb::options::IndexOptions;
use mongodb::{Database, IndexModel};

/// Name of the unique (conversation, seq) index; duplicate-key errors name it.
pub(crate) const SEQ_INDEX: &str = "uq_messages_conversation_seq";
/// Name of the partial unique (conversation, client_id) index.
pub(crate) const CLIENT_INDEX: &str = "uq_messages_conversation_client";
/// Name of the created_at index.
pub(crate) const CREATED_INDEX: &str = "idx_messages_created_at";

fn index(keys: Document, options: IndexOptions) -> IndexModel {
    IndexModel::builder().keys(keys).options(options).build()
}

/// Creates every index of the `messages` collection (and the collection) if missing.
pub(crate) async fn ensure_indexes(db: &Database) -> Result<(), mongodb::error::Error> {
    let models = [
        index(
            doc! { CONVERSATION: 1, SEQ: 1 },
            IndexOptions::builder().name(SEQ_INDEX.to_owned()).unique(true).build(),
        ),
        index(
            doc! { CONVERSATION: 1, CLIENT_ID: 1 },
            IndexOptions::builder()
                .name(CLIENT_INDEX.to_owned())
                .unique(true)
                .partial_filter_expression(doc! { CLIENT_ID: { "$exists": true } })
                .build(),
        ),
        index(doc! { CREATED_AT: 1 }, IndexOptions::builder().name(CREATED_INDEX.to_owned()).build()),
    ];
    db.collection::<Document>(COLLECTION).create_indexes(models).await?;
    Ok(())
}
