//! How many messages per second one conversation can take through the full ordered-send path:
//! `reserve` (Redis) -> `insert` (MariaDB) -> `commit` (Redis), with 1 and with 8 concurrent senders.
//!
//! ```sh
//! cargo run -p adapter-redis --example seq_throughput            # 2000 messages per run
//! cargo run -p adapter-redis --example seq_throughput -- 5000    # or as many as given
//! ```
//! Uses the test servers (`EXCHANGE_TEST_REDIS_URL`, `EXCHANGE_TEST_MYSQL_URL`, defaults on 127.0.0.1), a
//! fresh key prefix and a fresh database, both removed afterwards.

use adapter_redis::testing::TestRedis;
use adapter_sql::testing::TestDatabase;
use chrono::Utc;
use domain::chat::{
    ClientMsgId, ConversationId, GroupId, Message, MessageBody, MessageId, MessageKind, MessageStore, SequenceAllocator,
};
use domain::ids::UserId;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

async fn run(seqs: &dyn SequenceAllocator, store: &dyn MessageStore, senders: u64, total: u64) -> f64 {
    let conversation = ConversationId::Group(GroupId::new());
    let left = AtomicU64::new(total);
    let started = Instant::now();
    let sender = |_| async {
        while left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
            let r =
                seqs.reserve(&conversation, Duration::from_secs(5), Duration::from_secs(30)).await.expect("reserve");
            let message = Message {
                id: MessageId::new(),
                conversation,
                sender: Some(UserId::new()),
                client_id: Some(ClientMsgId::parse(&uuid::Uuid::now_v7().simple().to_string()).expect("client id")),
                seq: r.seq,
                kind: MessageKind::Text,
                body: MessageBody::Text("hello".into()),
                created_at: Utc::now(),
                edited_at: None,
                recalled_at: None,
            };
            store.insert(&message).await.expect("insert");
            seqs.commit(&r).await.expect("commit");
        }
    };
    futures::future::join_all((0..senders).map(sender)).await;
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(store.max_seq(&conversation).await.expect("max_seq"), total, "no gaps, no duplicates");
    total as f64 / elapsed
}

/// The allocator alone (reserve + commit, no store), for comparison.
async fn run_allocator_only(seqs: &dyn SequenceAllocator, total: u64) -> f64 {
    let conversation = ConversationId::Group(GroupId::new());
    let started = Instant::now();
    for _ in 0..total {
        let r = seqs.reserve(&conversation, Duration::from_secs(5), Duration::from_secs(30)).await.expect("reserve");
        seqs.commit(&r).await.expect("commit");
    }
    total as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let total: u64 = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(2000);
    let redis = TestRedis::start().await;
    let db = TestDatabase::mysql().await.expect("a MariaDB test database");
    let (seqs, store) = (redis.backend().sequence_allocator(), db.db().message_store());
    let rate = run_allocator_only(&seqs, total).await;
    println!("allocator only, 1 sender, {total} seqs: {rate:.0} reserve+commit/s");
    for senders in [1, 8] {
        let rate = run(&seqs, &store, senders, total).await;
        println!("{senders} sender(s), {total} messages on one conversation: {rate:.0} reserve+insert+commit/s");
    }
}
