//! The one membership rule every chat path shares (WebSocket sends and sync, REST history and read marks):
//! a direct conversation belongs to its two participants, a group conversation to the group's members.
//! It must never decide on anything but stored membership, so REST and WebSocket cannot disagree.

use domain::InfraError;
use domain::chat::{ConversationId, GroupStore, GroupStoreError};
use domain::ids::UserId;

/// Whether `user` may read and write `conversation`. A group that does not exist (or was deleted) admits
/// nobody; only a backend failure is an error, so callers answer 503 rather than 403 when they cannot know.
pub async fn can_access(
    groups: &dyn GroupStore,
    user: UserId,
    conversation: &ConversationId,
) -> Result<bool, InfraError> {
    match conversation {
        ConversationId::Direct(..) => Ok(conversation.is_direct_participant(user)),
        ConversationId::Group(group) => match groups.member(*group, user).await {
            Ok(member) => Ok(member.is_some()),
            Err(GroupStoreError::Infra(err)) => Err(err),
            Err(GroupStoreError::NotFound | GroupStoreError::NotMember) => Ok(false),
            Err(GroupStoreError::AlreadyMember | GroupStoreError::Full { .. }) => Ok(false),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use adapter_memory::MemoryGroupStore;
    use chrono::Utc;
    use domain::chat::{Group, GroupId, GroupMember, GroupName, MemberRole};

    async fn group_with(store: &MemoryGroupStore, owner: UserId) -> GroupId {
        let now = Utc::now();
        let id = GroupId::new();
        let group = Group { id, name: GroupName::parse("team").unwrap(), owner, created_at: now, updated_at: now };
        let member = GroupMember { group: id, user: owner, role: MemberRole::Owner, joined_at: now };
        store.create(&group, &member).await.unwrap();
        id
    }

    #[tokio::test]
    async fn direct_conversations_admit_exactly_their_two_participants() {
        let groups = MemoryGroupStore::default();
        let (a, b, c) = (UserId::new(), UserId::new(), UserId::new());
        let conv = ConversationId::direct(a, b);
        assert!(can_access(&groups, a, &conv).await.unwrap());
        assert!(can_access(&groups, b, &conv).await.unwrap());
        assert!(!can_access(&groups, c, &conv).await.unwrap());
    }

    #[tokio::test]
    async fn group_conversations_admit_members_only_and_nobody_once_deleted() {
        let groups = MemoryGroupStore::default();
        let (owner, outsider) = (UserId::new(), UserId::new());
        let id = group_with(&groups, owner).await;
        let conv = ConversationId::Group(id);
        assert!(can_access(&groups, owner, &conv).await.unwrap());
        assert!(!can_access(&groups, outsider, &conv).await.unwrap());
        groups.delete(id).await.unwrap();
        assert!(!can_access(&groups, owner, &conv).await.unwrap());
        assert!(!can_access(&groups, owner, &ConversationId::Group(GroupId::new())).await.unwrap());
    }
}
