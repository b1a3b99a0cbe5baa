//! Converting between the domain's groups and memberships and their rows, parsing back through the domain's
//! value types so a row edited behind our back surfaces as an error.

use super::{group_entity, member_entity};
use crate::error::CorruptRow;
use crate::time::to_micros;
use domain::chat::{Group, GroupId, GroupMember, GroupName, MemberRole};
use domain::ids::UserId;
use sea_orm::ActiveValue::Set;

pub(super) fn group_to_active(group: &Group) -> group_entity::ActiveModel {
    group_entity::ActiveModel {
        id: Set(group.id.0),
        name: Set(group.name.as_str().to_owned()),
        owner: Set(group.owner.as_uuid()),
        created_at: Set(to_micros(group.created_at)),
        updated_at: Set(to_micros(group.updated_at)),
    }
}

pub(super) fn member_to_active(member: &GroupMember) -> member_entity::ActiveModel {
    member_entity::ActiveModel {
        group_id: Set(member.group.0),
        user_id: Set(member.user.as_uuid()),
        role: Set(member.role.as_str().to_owned()),
        joined_at: Set(to_micros(member.joined_at)),
    }
}

pub(super) fn to_group(row: group_entity::Model) -> Result<Group, CorruptRow> {
    let name = GroupName::parse(&row.name).map_err(|e| CorruptRow {
        table: "groups",
        id: row.id.to_string(),
        reason: e.to_string(),
    })?;
    Ok(Group {
        id: GroupId(row.id),
        name,
        owner: UserId(row.owner),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

pub(super) fn to_member(row: member_entity::Model) -> Result<GroupMember, CorruptRow> {
    let role = row.role.parse::<MemberRole>().map_err(|e| CorruptRow {
        table: "group_members",
        id: format!("{}/{}", row.group_id, row.user_id),
        reason: e.to_string(),
    })?;
    Ok(GroupMember { group: GroupId(row.group_id), user: UserId(row.user_id), role, joined_at: row.joined_at })
}
