//! `GroupStore` over SQL. Writes that check before they write (`add_member`, `set_role`) run in one
//! transaction that first locks the group row (`SELECT … FOR UPDATE` on MySQL; SQLite starts `IMMEDIATE`),
//! so concurrent adds to one group are serialized: the member count each sees is final, and the limit holds.
//! Lock conflicts are retried as whole transactions.

use super::row::{group_to_active, member_to_active, to_group, to_member};
use super::{group_entity as groups, member_entity as members};
use crate::error::{BACKEND, CorruptRow, Failure, classify};
use crate::retry::retrying;
use crate::time::to_micros;
use crate::transaction::{Attempt, begin_write, settle};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::InfraError;
use domain::chat::{Group, GroupId, GroupMember, GroupName, GroupStore, GroupStoreError, MemberRole};
use domain::ids::UserId;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};

/// Groups kept in the `groups` and `group_members` tables.
#[derive(Clone, Debug)]
pub struct SqlGroupStore {
    db: DatabaseConnection,
}

impl SqlGroupStore {
    /// Uses `db`, which must have been migrated.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn store_err(err: DbErr) -> GroupStoreError {
    match classify(&err) {
        Failure::Unavailable => InfraError::unavailable(BACKEND, err).into(),
        _ => InfraError::unexpected(BACKEND, err).into(),
    }
}

fn corrupt(err: CorruptRow) -> GroupStoreError {
    InfraError::unexpected(BACKEND, err).into()
}

fn settled<T>(outcome: Result<T, Attempt<GroupStoreError>>) -> Result<T, GroupStoreError> {
    outcome.map_err(|e| match e {
        Attempt::Db(e) => store_err(e),
        Attempt::Refused(e) => e,
    })
}

/// Locks the group row for the rest of the transaction; `NotFound` if there is none.
async fn lock_group(txn: &DatabaseTransaction, id: GroupId) -> Result<(), Attempt<GroupStoreError>> {
    let found = groups::Entity::find_by_id(id.0).select_only().column(groups::Column::Id).lock_exclusive();
    let found: Option<uuid::Uuid> = found.into_tuple().one(txn).await?;
    found.map(drop).ok_or(Attempt::Refused(GroupStoreError::NotFound))
}

async fn add_locked(
    txn: &DatabaseTransaction,
    member: &GroupMember,
    limit: u32,
) -> Result<(), Attempt<GroupStoreError>> {
    lock_group(txn, member.group).await?;
    if members::Entity::find_by_id((member.group.0, member.user.as_uuid())).one(txn).await?.is_some() {
        return Err(Attempt::Refused(GroupStoreError::AlreadyMember));
    }
    let count = members::Entity::find().filter(members::Column::GroupId.eq(member.group.0)).count(txn).await?;
    if count >= u64::from(limit) {
        return Err(Attempt::Refused(GroupStoreError::Full { limit }));
    }
    members::Entity::insert(member_to_active(member)).exec_without_returning(txn).await?;
    Ok(())
}

async fn set_role_locked(
    txn: &DatabaseTransaction,
    group: GroupId,
    user: UserId,
    role: MemberRole,
) -> Result<(), Attempt<GroupStoreError>> {
    lock_group(txn, group).await?;
    if members::Entity::find_by_id((group.0, user.as_uuid())).one(txn).await?.is_none() {
        return Err(Attempt::Refused(GroupStoreError::NotMember));
    }
    if role == MemberRole::Owner {
        members::Entity::update_many()
            .col_expr(members::Column::Role, Expr::value(MemberRole::Admin.as_str()))
            .filter(members::Column::GroupId.eq(group.0))
            .filter(members::Column::Role.eq(MemberRole::Owner.as_str()))
            .filter(members::Column::UserId.ne(user.as_uuid()))
            .exec(txn)
            .await?;
        groups::Entity::update_many()
            .col_expr(groups::Column::Owner, Expr::value(user.as_uuid()))
            .filter(groups::Column::Id.eq(group.0))
            .exec(txn)
            .await?;
    }
    members::Entity::update_many()
        .col_expr(members::Column::Role, Expr::value(role.as_str()))
        .filter(members::Column::GroupId.eq(group.0))
        .filter(members::Column::UserId.eq(user.as_uuid()))
        .exec(txn)
        .await?;
    Ok(())
}

impl SqlGroupStore {
    async fn create_once(&self, group: &Group, owner: &GroupMember) -> Result<(), Attempt<GroupStoreError>> {
        let owner = GroupMember { group: group.id, role: MemberRole::Owner, ..owner.clone() };
        let txn = begin_write(&self.db).await?;
        let outcome = async {
            groups::Entity::insert(group_to_active(group)).exec_without_returning(&txn).await?;
            members::Entity::insert(member_to_active(&owner)).exec_without_returning(&txn).await?;
            Ok(())
        }
        .await;
        settle(txn, outcome).await
    }

    async fn delete_once(&self, id: GroupId) -> Result<(), Attempt<GroupStoreError>> {
        let txn = begin_write(&self.db).await?;
        let outcome = async {
            members::Entity::delete_many().filter(members::Column::GroupId.eq(id.0)).exec(&txn).await?;
            let done = groups::Entity::delete_by_id(id.0).exec(&txn).await?;
            if done.rows_affected == 0 {
                return Err(Attempt::Refused(GroupStoreError::NotFound));
            }
            Ok(())
        }
        .await;
        settle(txn, outcome).await
    }

    async fn add_once(&self, member: &GroupMember, limit: u32) -> Result<(), Attempt<GroupStoreError>> {
        let txn = begin_write(&self.db).await?;
        let outcome = add_locked(&txn, member, limit).await;
        settle(txn, outcome).await
    }

    async fn set_role_once(
        &self,
        group: GroupId,
        user: UserId,
        role: MemberRole,
    ) -> Result<(), Attempt<GroupStoreError>> {
        let txn = begin_write(&self.db).await?;
        let outcome = set_role_locked(&txn, group, user, role).await;
        settle(txn, outcome).await
    }

    async fn exists(&self, id: GroupId) -> Result<bool, GroupStoreError> {
        let n = groups::Entity::find_by_id(id.0).count(&self.db).await.map_err(store_err)?;
        Ok(n > 0)
    }
}

#[async_trait]
impl GroupStore for SqlGroupStore {
    async fn create(&self, group: &Group, owner: &GroupMember) -> Result<(), GroupStoreError> {
        settled(retrying(|| self.create_once(group, owner)).await)
    }

    async fn get(&self, id: GroupId) -> Result<Option<Group>, GroupStoreError> {
        let row = groups::Entity::find_by_id(id.0).one(&self.db).await.map_err(store_err)?;
        row.map(to_group).transpose().map_err(corrupt)
    }

    async fn rename(&self, id: GroupId, name: &GroupName, at: DateTime<Utc>) -> Result<Group, GroupStoreError> {
        retrying(|| {
            groups::Entity::update_many()
                .col_expr(groups::Column::Name, Expr::value(name.as_str()))
                .col_expr(groups::Column::UpdatedAt, Expr::value(to_micros(at)))
                .filter(groups::Column::Id.eq(id.0))
                .exec(&self.db)
        })
        .await
        .map_err(store_err)?;
        self.get(id).await?.ok_or(GroupStoreError::NotFound)
    }

    async fn delete(&self, id: GroupId) -> Result<(), GroupStoreError> {
        settled(retrying(|| self.delete_once(id)).await)
    }

    async fn add_member(&self, member: &GroupMember, limit: u32) -> Result<(), GroupStoreError> {
        settled(retrying(|| self.add_once(member, limit)).await)
    }

    async fn remove_member(&self, group: GroupId, user: UserId) -> Result<(), GroupStoreError> {
        let done = retrying(|| {
            members::Entity::delete_many()
                .filter(members::Column::GroupId.eq(group.0))
                .filter(members::Column::UserId.eq(user.as_uuid()))
                .exec(&self.db)
        })
        .await
        .map_err(store_err)?;
        match done.rows_affected {
            0 if self.exists(group).await? => Err(GroupStoreError::NotMember),
            0 => Err(GroupStoreError::NotFound),
            _ => Ok(()),
        }
    }

    async fn set_role(&self, group: GroupId, user: UserId, role: MemberRole) -> Result<(), GroupStoreError> {
        settled(retrying(|| self.set_role_once(group, user, role)).await)
    }

    async fn member(&self, group: GroupId, user: UserId) -> Result<Option<GroupMember>, GroupStoreError> {
        let row = members::Entity::find_by_id((group.0, user.as_uuid())).one(&self.db).await.map_err(store_err)?;
        row.map(to_member).transpose().map_err(corrupt)
    }

    async fn members(&self, group: GroupId) -> Result<Vec<GroupMember>, GroupStoreError> {
        let rows = members::Entity::find()
            .filter(members::Column::GroupId.eq(group.0))
            .all(&self.db)
            .await
            .map_err(store_err)?;
        let mut list = rows.into_iter().map(to_member).collect::<Result<Vec<_>, _>>().map_err(corrupt)?;
        // Owner first, then by join time, then by user id: the same order every adapter gives.
        list.sort_by_key(|m| (m.role != MemberRole::Owner, m.joined_at, m.user));
        Ok(list)
    }

    async fn groups_of(&self, user: UserId) -> Result<Vec<Group>, GroupStoreError> {
        let ids: Vec<uuid::Uuid> = members::Entity::find()
            .select_only()
            .column(members::Column::GroupId)
            .filter(members::Column::UserId.eq(user.as_uuid()))
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(store_err)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows =
            groups::Entity::find().filter(groups::Column::Id.is_in(ids)).all(&self.db).await.map_err(store_err)?;
        rows.into_iter().map(to_group).collect::<Result<Vec<_>, _>>().map_err(corrupt)
    }
}
