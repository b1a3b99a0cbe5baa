//! Live delivery as docs/ws-protocol.md promises it (issue 13), through the real binary: clients that
//! follow the documented recipe ([`exchange_testkit::ws::recipe::RecipeClient`]) against several instances
//! while instances and Redis fail, and one test per failure issue 13 found. A test binary of its own, so it
//! can be run alone: `cargo nextest run -p e2e --test conformance`.
//!
//! * `suite`: 3 instances, a 200-member group with 20 senders, 100 direct pairs, random reconnects, a SIGKILL
//!   and a Redis restart; every client ends up holding every acked message once, in order, and never saw
//!   a conversation's seqs out of order on a connection.

mod suite;

use chrono::Utc;
use domain::chat::{Group, GroupId, GroupMember, GroupName, GroupStore, MemberRole};
use domain::ids::UserId;
use e2e::{Api, ServerBuilder};
use futures::{StreamExt, stream};

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
