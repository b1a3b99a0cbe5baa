//! Contract of `domain::chat::GroupStore`.

use chrono::{DateTime, TimeZone, Utc};
use domain::InfraError;
use domain::chat::{Group, GroupId, GroupMember, GroupName, GroupStore, GroupStoreError, MemberRole};
use domain::ids::UserId;

fn at_us(secs: i64, micros: u32) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, micros * 1_000).unwrap()
}

/// A group named `name` owned by a new user, created at `at_us(0, 1)`, with the owner's membership.
pub fn new_group(name: &str) -> (Group, GroupMember) {
    let owner = UserId::new();
    let group = Group {
        id: GroupId::new(),
        name: GroupName::parse(name).unwrap_or_else(|e| panic!("fixture group name {name:?}: {e}")),
        owner,
        created_at: at_us(0, 1),
        updated_at: at_us(0, 1),
    };
    let membership = GroupMember { group: group.id, user: owner, role: MemberRole::Owner, joined_at: at_us(0, 1) };
    (group, membership)
}

fn member(group: GroupId, secs: i64) -> GroupMember {
    GroupMember { group, user: UserId::new(), role: MemberRole::Member, joined_at: at_us(secs, 500) }
}

async fn create(store: &dyn GroupStore, name: &str) -> (Group, GroupMember) {
    let (group, owner) = new_group(name);
    store.create(&group, &owner).await.unwrap_or_else(|e| panic!("create {name}: {e:?}"));
    (group, owner)
}

async fn add(store: &dyn GroupStore, m: &GroupMember, limit: u32) {
    store.add_member(m, limit).await.unwrap_or_else(|e| panic!("add_member: {e:?}"));
}

fn users(members: &[GroupMember]) -> Vec<UserId> {
    members.iter().map(|m| m.user).collect()
}

/// `create` stores the group and its owner's membership: both read back exactly.
pub async fn create_then_read_round_trips(store: &dyn GroupStore) {
    let (group, owner) = create(store, "交易所 讨论组 \"1\"").await;
    assert_eq!(store.get(group.id).await.expect("get"), Some(group.clone()));
    assert_eq!(store.member(group.id, owner.user).await.expect("member"), Some(owner.clone()));
    assert_eq!(store.members(group.id).await.expect("members"), vec![owner.clone()]);
    assert_eq!(store.groups_of(owner.user).await.expect("groups_of"), vec![group]);
    assert_eq!(store.get(GroupId::new()).await.expect("get unknown"), None);
    assert_eq!(store.member(GroupId::new(), owner.user).await.expect("member of unknown group"), None);
}

/// `rename` changes the name and `updated_at` only and returns the group; `NotFound` for no group.
pub async fn rename_updates_name_and_time(store: &dyn GroupStore) {
    let (group, _) = create(store, "old").await;
    let name = GroupName::parse("新名字").expect("name");
    let renamed = store.rename(group.id, &name, at_us(9, 9)).await.expect("rename");
    let expected = Group { name, updated_at: at_us(9, 9), ..group.clone() };
    assert_eq!(renamed, expected);
    assert_eq!(store.get(group.id).await.expect("get"), Some(expected));
    let missing = store.rename(GroupId::new(), &GroupName::parse("x").unwrap(), at_us(9, 9)).await;
    assert!(matches!(missing, Err(GroupStoreError::NotFound)), "{missing:?}");
}

/// `add_member` adds; `AlreadyMember` for a member (the owner included); `NotFound` for no group.
pub async fn add_member_refuses_members_and_unknown_groups(store: &dyn GroupStore) {
    let (group, owner) = create(store, "g").await;
    let m = member(group.id, 1);
    add(store, &m, 10).await;
    assert_eq!(store.member(group.id, m.user).await.expect("member"), Some(m.clone()));
    let again = store.add_member(&GroupMember { joined_at: at_us(5, 0), ..m.clone() }, 10).await;
    assert!(matches!(again, Err(GroupStoreError::AlreadyMember)), "{again:?}");
    assert_eq!(store.member(group.id, m.user).await.expect("member"), Some(m), "unchanged");
    let owner_again = store.add_member(&GroupMember { role: MemberRole::Member, ..owner }, 10).await;
    assert!(matches!(owner_again, Err(GroupStoreError::AlreadyMember)), "{owner_again:?}");
    let nowhere = store.add_member(&member(GroupId::new(), 1), 10).await;
    assert!(matches!(nowhere, Err(GroupStoreError::NotFound)), "{nowhere:?}");
}

/// The limit counts every member, the owner included: `Full { limit }` once it is reached, and a member
/// leaving makes room again.
pub async fn add_member_refuses_when_full(store: &dyn GroupStore) {
    let (group, _) = create(store, "small").await;
    let (a, b) = (member(group.id, 1), member(group.id, 2));
    add(store, &a, 3).await;
    add(store, &b, 3).await;
    let c = member(group.id, 3);
    let full = store.add_member(&c, 3).await;
    assert!(matches!(full, Err(GroupStoreError::Full { limit: 3 })), "{full:?}");
    assert_eq!(store.members(group.id).await.expect("members").len(), 3);
    assert_eq!(store.member(group.id, c.user).await.expect("member"), None);
    store.remove_member(group.id, a.user).await.expect("remove");
    add(store, &c, 3).await;
    let over = store.add_member(&member(group.id, 4), 2).await;
    assert!(matches!(over, Err(GroupStoreError::Full { limit: 2 })), "a lower limit than the size is full too");
}

/// Concurrent adds never exceed the limit: exactly `limit - 1` of 16 newcomers get in, the rest `Full`.
/// Concurrent adds of one user: exactly one succeeds, the rest `AlreadyMember`.
pub async fn concurrent_adds_never_exceed_the_limit(store: &dyn GroupStore) {
    let (group, _) = create(store, "crowded").await;
    let newcomers: Vec<GroupMember> = (0..16).map(|i| member(group.id, i)).collect();
    let results = futures::future::join_all(newcomers.iter().map(|m| store.add_member(m, 5))).await;
    let added = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(added, 4, "{results:?}");
    assert!(results.iter().all(|r| matches!(r, Ok(()) | Err(GroupStoreError::Full { limit: 5 }))), "{results:?}");
    assert_eq!(store.members(group.id).await.expect("members").len(), 5);

    let (group, _) = create(store, "same user").await;
    let one = member(group.id, 1);
    let results = futures::future::join_all((0..8).map(|_| store.add_member(&one, 100))).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(results.iter().all(|r| matches!(r, Ok(()) | Err(GroupStoreError::AlreadyMember))), "{results:?}");
    assert_eq!(store.members(group.id).await.expect("members").len(), 2);
}

/// `remove_member` removes; `NotMember` for a stranger; `NotFound` for no group.
pub async fn remove_member_reports_strangers_and_unknown_groups(store: &dyn GroupStore) {
    let (group, owner) = create(store, "g").await;
    let m = member(group.id, 1);
    add(store, &m, 10).await;
    store.remove_member(group.id, m.user).await.expect("remove");
    assert_eq!(store.member(group.id, m.user).await.expect("member"), None);
    assert!(store.groups_of(m.user).await.expect("groups_of").is_empty());
    let again = store.remove_member(group.id, m.user).await;
    assert!(matches!(again, Err(GroupStoreError::NotMember)), "{again:?}");
    let nowhere = store.remove_member(GroupId::new(), owner.user).await;
    assert!(matches!(nowhere, Err(GroupStoreError::NotFound)), "{nowhere:?}");
    assert_eq!(users(&store.members(group.id).await.expect("members")), [owner.user]);
}

/// `set_role` changes a member's role; giving ownership away makes the old owner an admin and the group's
/// owner the new one, in one call. `NotMember` for a stranger, `NotFound` for no group.
pub async fn set_role_and_ownership_transfer(store: &dyn GroupStore) {
    let (group, owner) = create(store, "g").await;
    let m = member(group.id, 1);
    add(store, &m, 10).await;
    store.set_role(group.id, m.user, MemberRole::Admin).await.expect("set admin");
    assert_eq!(store.member(group.id, m.user).await.expect("member").map(|x| x.role), Some(MemberRole::Admin));

    store.set_role(group.id, m.user, MemberRole::Owner).await.expect("transfer");
    let members = store.members(group.id).await.expect("members");
    assert_eq!(users(&members), [m.user, owner.user], "the new owner is listed first");
    assert_eq!(members[0].role, MemberRole::Owner);
    assert_eq!(members[1].role, MemberRole::Admin, "the old owner becomes an admin");
    assert_eq!(members[1].joined_at, owner.joined_at, "join times are kept");
    assert_eq!(store.get(group.id).await.expect("get").map(|g| g.owner), Some(m.user));
    assert_eq!(members.iter().filter(|x| x.role == MemberRole::Owner).count(), 1);

    let stranger = store.set_role(group.id, UserId::new(), MemberRole::Admin).await;
    assert!(matches!(stranger, Err(GroupStoreError::NotMember)), "{stranger:?}");
    let nowhere = store.set_role(GroupId::new(), m.user, MemberRole::Admin).await;
    assert!(matches!(nowhere, Err(GroupStoreError::NotFound)), "{nowhere:?}");
}

/// `members` lists the owner first, then by join time; `groups_of` lists every group of a user.
pub async fn members_order_and_groups_of(store: &dyn GroupStore) {
    let (group, owner) = create(store, "ordered").await;
    let late = GroupMember { role: MemberRole::Admin, ..member(group.id, 30) };
    let early = member(group.id, 10);
    let middle = member(group.id, 20);
    for m in [&late, &early, &middle] {
        add(store, m, 10).await;
    }
    let listed = store.members(group.id).await.expect("members");
    assert_eq!(listed, vec![owner.clone(), early.clone(), middle, late]);

    let (other, _) = create(store, "other").await;
    add(store, &GroupMember { group: other.id, ..early.clone() }, 10).await;
    let (_, _) = create(store, "unrelated").await;
    let mut mine = store.groups_of(early.user).await.expect("groups_of");
    mine.sort_by_key(|g| g.id);
    let mut expected = vec![group, other];
    expected.sort_by_key(|g| g.id);
    assert_eq!(mine, expected);
    assert!(store.groups_of(UserId::new()).await.expect("groups_of nobody").is_empty());
}

/// `delete` removes the group and every membership; the next delete is `NotFound`.
pub async fn delete_removes_group_and_memberships(store: &dyn GroupStore) {
    let (group, owner) = create(store, "doomed").await;
    let m = member(group.id, 1);
    add(store, &m, 10).await;
    let (kept, _) = create(store, "kept").await;
    add(store, &GroupMember { group: kept.id, ..m.clone() }, 10).await;

    store.delete(group.id).await.expect("delete");
    assert_eq!(store.get(group.id).await.expect("get"), None);
    assert_eq!(store.member(group.id, m.user).await.expect("member"), None);
    match store.members(group.id).await {
        Ok(list) => assert!(list.is_empty(), "{list:?}"),
        Err(GroupStoreError::NotFound) => {}
        other => panic!("members of a deleted group: {other:?}"),
    }
    assert!(store.groups_of(owner.user).await.expect("groups_of").is_empty());
    assert_eq!(store.groups_of(m.user).await.expect("groups_of"), vec![kept]);
    let again = store.delete(group.id).await;
    assert!(matches!(again, Err(GroupStoreError::NotFound)), "{again:?}");
    let add_after = store.add_member(&member(group.id, 2), 10).await;
    assert!(matches!(add_after, Err(GroupStoreError::NotFound)), "{add_after:?}");
}

/// For adapters that can be cut off: with the backend gone, every method reports
/// `InfraError::Unavailable`. Not part of `groups_suite!`.
pub async fn every_method_is_unavailable(store: &dyn GroupStore) {
    fn check<T: std::fmt::Debug>(what: &str, r: Result<T, GroupStoreError>) {
        assert!(
            matches!(r, Err(GroupStoreError::Infra(InfraError::Unavailable { .. }))),
            "{what}: expected Infra(Unavailable), got {r:?}"
        );
    }
    let (group, owner) = new_group("x");
    let name = GroupName::parse("y").unwrap();
    check("create", store.create(&group, &owner).await);
    check("get", store.get(group.id).await);
    check("rename", store.rename(group.id, &name, at_us(0, 0)).await);
    check("delete", store.delete(group.id).await);
    check("add_member", store.add_member(&member(group.id, 1), 10).await);
    check("remove_member", store.remove_member(group.id, owner.user).await);
    check("set_role", store.set_role(group.id, owner.user, MemberRole::Admin).await);
    check("member", store.member(group.id, owner.user).await);
    check("members", store.members(group.id).await);
    check("groups_of", store.groups_of(owner.user).await);
}

/// Expands to one `#[tokio::test]` per check of the group store contract; `$make` builds a store (any
/// expression evaluating to a future of something that derefs to a `GroupStore`).
#[macro_export]
macro_rules! groups_suite {
    (@checks $make:expr; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $check() {
                let store = $make.await;
                $crate::groups::$check(&*store).await;
            }
        )*
    };
    ($make:expr) => {
        mod groups_contract {
            #[allow(unused_imports)]
            use super::*;

            $crate::groups_suite!(@checks $make;
                create_then_read_round_trips,
                rename_updates_name_and_time,
                add_member_refuses_members_and_unknown_groups,
                add_member_refuses_when_full,
                concurrent_adds_never_exceed_the_limit,
                remove_member_reports_strangers_and_unknown_groups,
                set_role_and_ownership_transfer,
                members_order_and_groups_of,
                delete_removes_group_and_memberships,
            );
        }
    };
}
