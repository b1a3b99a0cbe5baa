//! Live delivery as docs/ws-protocol.md promises it (issue 13), through the real binary: clients that
//! follow the documented recipe ([`exchange_testkit::ws::recipe::RecipeClient`]) against several instances
//! while instances and Redis fail, and one test per failure issue 13 found. A test binary of its own, so it
//! can be run alone: `cargo nextest run -p e2e --test conformance`.
//!
//! * `suite`: 3 instances, a 200-member group with 20 senders, 100 direct pairs, random reconnects, a SIGKILL
//!   and a Redis restart; every client ends up holding every acked message once, in order, and never saw
//!   a conversation's seqs out of order on a connection.
//! * `slow_link`: a large sync on a slow link in a busy group ends in `synced`, not 1013.
//! * `takeover`: a dead holder's seq reservation delays the next send by at most the lease.
//! * `retry_publish`: a stored message its sender never published reaches live recipients on retry.
//! * `closes`: a revoked session's busy sockets all see 4003; every close code is counted.
//! * `draining`: during shutdown an upgrade gets 503 `ws.shutting_down` before the listener closes.

mod closes;
mod draining;
mod retry_publish;
mod slow_link;
mod suite;
mod takeover;

use chrono::Utc;
use domain::chat::{Group, GroupId, GroupMember, GroupName, GroupStore, MemberRole};
use domain::ids::UserId;
use e2e::{Api, ServerBuilder};
use futures::{StreamExt, stream};
use std::collections::BTreeMap;

/// Password of every account the tests make.
pub const PASSWORD: &str = "correct-horse-battery-staple";

/// Settings every server of these tests gets: the cheapest password hashing the config allows (hundreds of
/// sign-ins, again after a Redis restart, on a debug build) and info logs (debug logs of hundreds of
/// sockets cost more CPU than the test).
pub fn builder() -> ServerBuilder {
    ServerBuilder::new().env("EXCHANGE__AUTH__ARGON2_MEMORY_KIB", "1024").env("EXCHANGE__LOG__LEVEL", "info")
}

/// Registers `count` accounts `<prefix>_<i>`, a few at a time; returns (username, user id) in order.
pub async fn register(api: &Api, prefix: &str, count: usize) -> Vec<(String, String)> {
    stream::iter((0..count).map(|i| {
        let api = api.clone();
        let name = format!("{prefix}_{i}");
        async move {
            let body = api.register(&name, &format!("{name}@example.com"), PASSWORD).await;
            let id = body["id"].as_str().unwrap_or_else(|| panic!("no id for {name}: {body}")).to_owned();
            (name, id)
        }
    }))
    .buffered(8)
    .collect()
    .await
}

/// Creates a group owned by `members[0]` with every one of `members` in it, straight in the SQL store (no
/// group notices, so every seq of the conversation is a message a test sent); returns its id.
pub async fn seed_group(groups: &dyn GroupStore, members: &[String]) -> String {
    let now = Utc::now();
    let uid = |s: &str| UserId(s.parse().expect("user id"));
    let gid = GroupId::new();
    let owner = uid(&members[0]);
    let group = Group {
        id: gid,
        name: GroupName::parse("conformance").expect("name"),
        owner,
        created_at: now,
        updated_at: now,
    };
    groups
        .create(&group, &GroupMember { group: gid, user: owner, role: MemberRole::Owner, joined_at: now })
        .await
        .expect("create group");
    for m in &members[1..] {
        let member = GroupMember { group: gid, user: uid(m), role: MemberRole::Member, joined_at: now };
        groups.add_member(&member, members.len() as u32 + 1).await.expect("add member");
    }
    gid.to_string()
}

/// `ws_closed_total` by code label, from a server's `/metrics`.
pub async fn closes_counted(base: &str) -> BTreeMap<String, u64> {
    let text = reqwest::get(format!("{base}/metrics")).await.expect("metrics").text().await.expect("metrics body");
    text.lines()
        .filter_map(|l| l.strip_prefix("ws_closed_total{code=\""))
        .filter_map(|rest| {
            let (code, value) = rest.split_once("\"} ")?;
            Some((code.to_owned(), value.trim().parse::<f64>().ok()? as u64))
        })
        .collect()
}
