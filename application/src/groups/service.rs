//! The group use cases over the group, user and message stores.

use super::GroupError;
use super::notice::{GroupEvent, Notices};
use crate::chat::ChatService;
use crate::settings::SettingsService;
use domain::chat::{ConversationId, Group, GroupId, GroupMember, GroupName, GroupStore, MemberRole, MessageStore};
use domain::clock::Clock;
use domain::ids::UserId;
use domain::page::{Page, PageRequest};
use domain::user::UserRepository;
use domain::{ValidationError, Violation};
use std::collections::BTreeSet;
use std::sync::Arc;

/// The roles a member can be added with; `owner` only comes with a role change (ownership transfer).
pub const ADDABLE_ROLES: [MemberRole; 2] = [MemberRole::Member, MemberRole::Admin];

/// What a client asks for when creating a group.
#[derive(Clone, Debug, Default)]
pub struct NewGroup {
    /// Display name (1-64 characters after trimming).
    pub name: String,
    /// Other users to add as members at once; the creator is added as owner anyway.
    pub members: Vec<UserId>,
}

/// A group as one of its members sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupView {
    /// The group.
    pub group: Group,
    /// The caller's role in it.
    pub my_role: MemberRole,
    /// How many members it has now.
    pub member_count: u32,
    /// The member limit that applies to it now (the `chat.group_member_limit` setting).
    pub member_limit: u32,
}

/// Creating, renaming and deleting groups and managing their members.
pub struct GroupService {
    groups: Arc<dyn GroupStore>,
    users: Arc<dyn UserRepository>,
    messages: Arc<dyn MessageStore>,
    notices: Notices,
    settings: Arc<SettingsService>,
    clock: Arc<dyn Clock>,
}

impl GroupService {
    /// Wires the service to its ports; the member limit is read from `settings` on every add. `chat` stores
    /// and delivers the system messages (created, renamed, joined, left) of the group's conversation.
    pub fn new(
        groups: Arc<dyn GroupStore>,
        users: Arc<dyn UserRepository>,
        messages: Arc<dyn MessageStore>,
        chat: Arc<ChatService>,
        settings: Arc<SettingsService>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let notices = Notices::new(chat, users.clone());
        Self { groups, users, messages, notices, settings, clock }
    }

    /// Writes a system message about `event` in the deployment's default language.
    async fn notify(&self, group: GroupId, event: GroupEvent) {
        let locale = match self.settings.current().await {
            Ok(settings) => settings.default_locale(),
            Err(_) => domain::locale::Locale::default(),
        };
        self.notices.post(group, event, locale).await;
    }

    async fn member_limit(&self) -> Result<u32, GroupError> {
        Ok(self.settings.current().await?.group_member_limit())
    }

    async fn group(&self, id: GroupId) -> Result<Group, GroupError> {
        self.groups.get(id).await?.ok_or(GroupError::NotFound)
    }

    /// The caller's membership; `NotFound` when the group does not exist, `MembersOnly` when they are not in it.
    async fn membership(&self, id: GroupId, caller: UserId) -> Result<(Group, GroupMember), GroupError> {
        let group = self.group(id).await?;
        let member = self.groups.member(id, caller).await?.ok_or(GroupError::MembersOnly)?;
        Ok((group, member))
    }

    async fn existing_user(&self, id: UserId) -> Result<(), GroupError> {
        self.users.by_id(id).await?.map(drop).ok_or(GroupError::UserNotFound)
    }

    async fn view(&self, group: Group, my_role: MemberRole) -> Result<GroupView, GroupError> {
        let member_count = u32::try_from(self.groups.members(group.id).await?.len()).unwrap_or(u32::MAX);
        Ok(GroupView { group, my_role, member_count, member_limit: self.member_limit().await? })
    }

    /// Creates a group owned by the caller, with `input.members` added as regular members. Every member must
    /// exist and the total must fit the member limit; both are checked before anything is written.
    #[tracing::instrument(skip(self, input), fields(caller = %caller))]
    pub async fn create(&self, caller: UserId, input: NewGroup) -> Result<GroupView, GroupError> {
        let name = GroupName::parse(&input.name)?;
        let others: BTreeSet<UserId> = input.members.into_iter().filter(|u| *u != caller).collect();
        let limit = self.member_limit().await?;
        if others.len() + 1 > limit as usize {
            return Err(domain::chat::GroupStoreError::Full { limit }.into());
        }
        for user in &others {
            self.existing_user(*user).await?;
        }
        let now = self.clock.now();
        let group = Group { id: GroupId::new(), name, owner: caller, created_at: now, updated_at: now };
        let owner = GroupMember { group: group.id, user: caller, role: MemberRole::Owner, joined_at: now };
        self.groups.create(&group, &owner).await?;
        for user in others {
            let member = GroupMember { group: group.id, user, role: MemberRole::Member, joined_at: now };
            self.groups.add_member(&member, limit).await?;
        }
        self.notify(group.id, GroupEvent::Created { actor: caller, name: group.name.as_str().to_owned() }).await;
        self.view(group, MemberRole::Owner).await
    }

    /// One group, for its members.
    pub async fn get(&self, caller: UserId, id: GroupId) -> Result<GroupView, GroupError> {
        let (group, me) = self.membership(id, caller).await?;
        self.view(group, me.role).await
    }

    /// Renames a group; owner only.
    #[tracing::instrument(skip(self, name), fields(caller = %caller, group = %id))]
    pub async fn rename(&self, caller: UserId, id: GroupId, name: &str) -> Result<GroupView, GroupError> {
        let name = GroupName::parse(name)?;
        let (_, me) = self.membership(id, caller).await?;
        if me.role != MemberRole::Owner {
            return Err(GroupError::OwnerOnly);
        }
        let group = self.groups.rename(id, &name, self.clock.now()).await?;
        self.notify(id, GroupEvent::Renamed { actor: caller, name: group.name.as_str().to_owned() }).await;
        self.view(group, me.role).await
    }

    /// Deletes a group, its memberships and its messages; owner only. The group goes first, so no member can
    /// send into it any more, then its messages; if that second step fails the error is returned and the
    /// orphaned messages stay unreachable (nobody is a member of a deleted group).
    #[tracing::instrument(skip(self), fields(caller = %caller, group = %id))]
    pub async fn delete(&self, caller: UserId, id: GroupId) -> Result<u64, GroupError> {
        let (_, me) = self.membership(id, caller).await?;
        if me.role != MemberRole::Owner {
            return Err(GroupError::OwnerOnly);
        }
        self.groups.delete(id).await?;
        let removed = self.messages.delete_conversation(&ConversationId::Group(id)).await.map_err(|err| {
            tracing::error!(error = %err, group = %id, "group deleted but its messages were not");
            GroupError::from(err)
        })?;
        Ok(removed)
    }

    /// Adds a user to a group; the owner or an admin only. Only the owner may add someone directly as admin;
    /// nobody is added as owner (ownership is transferred with [`GroupService::set_role`]).
    #[tracing::instrument(skip(self), fields(caller = %caller, group = %id))]
    pub async fn add_member(
        &self,
        caller: UserId,
        id: GroupId,
        user: UserId,
        role: Option<MemberRole>,
    ) -> Result<GroupMember, GroupError> {
        let (_, me) = self.membership(id, caller).await?;
        if !me.role.can_manage_members() {
            return Err(GroupError::AdminsOnly);
        }
        let role = role.unwrap_or(MemberRole::Member);
        match role {
            MemberRole::Owner => {
                let allowed = ADDABLE_ROLES.iter().map(MemberRole::as_str).collect::<Vec<_>>().join(", ");
                return Err(ValidationError::new("role", Violation::NotOneOf { allowed }).into());
            }
            MemberRole::Admin if me.role != MemberRole::Owner => return Err(GroupError::OwnerOnly),
            _ => {}
        }
        self.existing_user(user).await?;
        let member = GroupMember { group: id, user, role, joined_at: self.clock.now() };
        self.groups.add_member(&member, self.member_limit().await?).await?;
        self.notify(id, GroupEvent::Added { actor: caller, user }).await;
        Ok(member)
    }

    /// Removes a member. Removing oneself is leaving; otherwise the owner may remove anyone but themselves and
    /// an admin only regular members.
    #[tracing::instrument(skip(self), fields(caller = %caller, group = %id))]
    pub async fn remove_member(&self, caller: UserId, id: GroupId, user: UserId) -> Result<(), GroupError> {
        if user == caller {
            return self.leave(caller, id).await;
        }
        let (_, me) = self.membership(id, caller).await?;
        if !me.role.can_manage_members() {
            return Err(GroupError::AdminsOnly);
        }
        let target = self.groups.member(id, user).await?.ok_or(domain::chat::GroupStoreError::NotMember)?;
        if target.role >= me.role {
            return Err(GroupError::CannotRemove);
        }
        self.groups.remove_member(id, user).await?;
        self.notify(id, GroupEvent::Removed { actor: caller, user }).await;
        Ok(())
    }

    /// Leaves a group. The owner must first make someone else owner, or delete the group.
    #[tracing::instrument(skip(self), fields(caller = %caller, group = %id))]
    pub async fn leave(&self, caller: UserId, id: GroupId) -> Result<(), GroupError> {
        let (_, me) = self.membership(id, caller).await?;
        if me.role == MemberRole::Owner {
            return Err(GroupError::OwnerMustTransfer);
        }
        self.groups.remove_member(id, caller).await?;
        self.notify(id, GroupEvent::Left { user: caller }).await;
        Ok(())
    }

    /// One page of a group's members (owner first, then by join time), for its members.
    pub async fn members(
        &self,
        caller: UserId,
        id: GroupId,
        page: PageRequest,
    ) -> Result<Page<GroupMember>, GroupError> {
        self.membership(id, caller).await?;
        let all = self.groups.members(id).await?;
        let total = all.len() as u64;
        let items = all
            .into_iter()
            .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
            .take(page.size() as usize)
            .collect();
        Ok(Page::new(items, total, page))
    }

    /// Changes a member's role; owner only. Giving another member the `owner` role transfers ownership (the
    /// previous owner becomes an admin). The owner cannot change their own role any other way.
    #[tracing::instrument(skip(self), fields(caller = %caller, group = %id))]
    pub async fn set_role(
        &self,
        caller: UserId,
        id: GroupId,
        user: UserId,
        role: MemberRole,
    ) -> Result<GroupMember, GroupError> {
        let (_, me) = self.membership(id, caller).await?;
        if me.role != MemberRole::Owner {
            return Err(GroupError::OwnerOnly);
        }
        if user == caller {
            return if role == MemberRole::Owner { Ok(me) } else { Err(GroupError::OwnerMustTransfer) };
        }
        self.groups.set_role(id, user, role).await?;
        self.groups.member(id, user).await?.ok_or_else(|| domain::chat::GroupStoreError::NotMember.into())
    }

    /// Every group the caller belongs to, most recently created first.
    pub async fn my_groups(&self, caller: UserId) -> Result<Vec<Group>, GroupError> {
        let mut groups = self.groups.groups_of(caller).await?;
        groups.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(groups)
    }
}
