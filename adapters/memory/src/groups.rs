//! Groups and memberships in maps. Every method checks and writes under one lock, so the member limit holds
//! under concurrent adds without further care; the lock is never held across an `.await`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::chat::{Group, GroupId, GroupMember, GroupName, GroupStore, GroupStoreError, MemberRole};
use domain::ids::UserId;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// Groups kept in process memory (one instance; nothing survives a restart).
#[derive(Debug, Default)]
pub struct MemoryGroupStore {
    state: Mutex<HashMap<GroupId, Entry>>,
}

#[derive(Debug)]
struct Entry {
    group: Group,
    members: HashMap<UserId, GroupMember>,
}

impl MemoryGroupStore {
    fn state(&self) -> MutexGuard<'_, HashMap<GroupId, Entry>> {
        crate::locked(&self.state)
    }
}

/// Owner first, then by join time (user id breaks ties, as the SQL adapter does).
pub(crate) fn member_order(a: &GroupMember, b: &GroupMember) -> std::cmp::Ordering {
    (a.role != MemberRole::Owner, a.joined_at, a.user).cmp(&(b.role != MemberRole::Owner, b.joined_at, b.user))
}

#[async_trait]
impl GroupStore for MemoryGroupStore {
    async fn create(&self, group: &Group, owner: &GroupMember) -> Result<(), GroupStoreError> {
        let owner = GroupMember { group: group.id, role: MemberRole::Owner, ..owner.clone() };
        let entry = Entry { group: group.clone(), members: HashMap::from([(owner.user, owner)]) };
        self.state().insert(group.id, entry);
        Ok(())
    }

    async fn get(&self, id: GroupId) -> Result<Option<Group>, GroupStoreError> {
        Ok(self.state().get(&id).map(|e| e.group.clone()))
    }

    async fn rename(&self, id: GroupId, name: &GroupName, at: DateTime<Utc>) -> Result<Group, GroupStoreError> {
        let mut state = self.state();
        let entry = state.get_mut(&id).ok_or(GroupStoreError::NotFound)?;
        entry.group.name = name.clone();
        entry.group.updated_at = at;
        Ok(entry.group.clone())
    }

    async fn delete(&self, id: GroupId) -> Result<(), GroupStoreError> {
        self.state().remove(&id).map(drop).ok_or(GroupStoreError::NotFound)
    }

    async fn add_member(&self, member: &GroupMember, limit: u32) -> Result<(), GroupStoreError> {
        let mut state = self.state();
        let entry = state.get_mut(&member.group).ok_or(GroupStoreError::NotFound)?;
        if entry.members.contains_key(&member.user) {
            return Err(GroupStoreError::AlreadyMember);
        }
        if entry.members.len() >= limit as usize {
            return Err(GroupStoreError::Full { limit });
        }
        entry.members.insert(member.user, member.clone());
        Ok(())
    }

    async fn remove_member(&self, group: GroupId, user: UserId) -> Result<(), GroupStoreError> {
        let mut state = self.state();
        let entry = state.get_mut(&group).ok_or(GroupStoreError::NotFound)?;
        entry.members.remove(&user).map(drop).ok_or(GroupStoreError::NotMember)
    }

    async fn set_role(&self, group: GroupId, user: UserId, role: MemberRole) -> Result<(), GroupStoreError> {
        let mut state = self.state();
        let entry = state.get_mut(&group).ok_or(GroupStoreError::NotFound)?;
        if !entry.members.contains_key(&user) {
            return Err(GroupStoreError::NotMember);
        }
        if role == MemberRole::Owner {
            for other in entry.members.values_mut().filter(|m| m.role == MemberRole::Owner && m.user != user) {
                other.role = MemberRole::Admin;
            }
            entry.group.owner = user;
        }
        if let Some(m) = entry.members.get_mut(&user) {
            m.role = role;
        }
        Ok(())
    }

    async fn member(&self, group: GroupId, user: UserId) -> Result<Option<GroupMember>, GroupStoreError> {
        Ok(self.state().get(&group).and_then(|e| e.members.get(&user).cloned()))
    }

    async fn members(&self, group: GroupId) -> Result<Vec<GroupMember>, GroupStoreError> {
        let mut members: Vec<GroupMember> =
            self.state().get(&group).map(|e| e.members.values().cloned().collect()).unwrap_or_default();
        members.sort_by(member_order);
        Ok(members)
    }

    async fn groups_of(&self, user: UserId) -> Result<Vec<Group>, GroupStoreError> {
        let state = self.state();
        Ok(state.values().filter(|e| e.members.contains_key(&user)).map(|e| e.group.clone()).collect())
    }
}
