//! Group operations under `/api/v1/groups`. Who may do what is decided by `application::groups`.

use super::models::{
    AddMemberRequest, CreateGroupRequest, GroupDto, GroupListDto, GroupSummaryDto, MemberDto, MemberPageDto,
    RenameGroupRequest, SetRoleRequest,
};
use crate::api::ApiTags;
use crate::api::admin::{PageParam, SizeParam, page_request};
use crate::api::json_body::JsonBody;
use crate::api::security::BearerAuth;
use crate::problem::ApiError;
use crate::state::HttpState;
use application::groups::NewGroup;
use domain::chat::GroupId;
use domain::ids::UserId;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

/// Group operations.
pub struct GroupsApi {
    state: HttpState,
}

impl GroupsApi {
    /// Group operations over the application state.
    pub fn new(state: HttpState) -> Self {
        Self { state }
    }
}

#[derive(ApiResponse)]
enum GroupCreated {
    /// The group was created; the caller is its owner.
    #[oai(status = 201)]
    Created(Json<GroupDto>),
}

#[derive(ApiResponse)]
enum MemberAdded {
    /// The user is now a member.
    #[oai(status = 201)]
    Created(Json<MemberDto>),
}

#[derive(ApiResponse)]
enum Done {
    /// Done; nothing to return.
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(prefix_path = "/api/v1/groups", tag = "ApiTags::Chat")]
impl GroupsApi {
    /// Creates a group owned by the caller, optionally with initial members. 409 `group.full` when the
    /// members would not fit the member limit (setting `chat.group_member_limit`).
    #[oai(path = "/", method = "post", operation_id = "create_group")]
    async fn create(&self, auth: BearerAuth, body: JsonBody<CreateGroupRequest>) -> Result<GroupCreated, ApiError> {
        let input = NewGroup {
            name: body.0.name.into_inner(),
            members: body.0.members.unwrap_or_default().into_iter().map(UserId).collect(),
        };
        let view = self.state.groups.create(auth.0.user_id, input).await?;
        Ok(GroupCreated::Created(Json(GroupDto::from(&view))))
    }

    /// The groups the caller belongs to, most recently created first (not paginated).
    #[oai(path = "/", method = "get", operation_id = "list_my_groups")]
    async fn mine(&self, auth: BearerAuth) -> Result<Json<GroupListDto>, ApiError> {
        let groups = self.state.groups.my_groups(auth.0.user_id).await?;
        Ok(Json(GroupListDto { items: groups.iter().map(GroupSummaryDto::from).collect() }))
    }

    /// One group; members only (403 `group.members_only`).
    #[oai(path = "/:id", method = "get", operation_id = "get_group")]
    async fn get(&self, auth: BearerAuth, id: Path<Uuid>) -> Result<Json<GroupDto>, ApiError> {
        let view = self.state.groups.get(auth.0.user_id, GroupId(id.0)).await?;
        Ok(Json(GroupDto::from(&view)))
    }

    /// Renames a group; owner only (403 `group.owner_only`).
    #[oai(path = "/:id", method = "patch", operation_id = "rename_group")]
    async fn rename(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: JsonBody<RenameGroupRequest>,
    ) -> Result<Json<GroupDto>, ApiError> {
        let view = self.state.groups.rename(auth.0.user_id, GroupId(id.0), body.0.name.as_str()).await?;
        Ok(Json(GroupDto::from(&view)))
    }

    /// Deletes a group with its memberships and every message in its conversation; owner only.
    #[oai(path = "/:id", method = "delete", operation_id = "delete_group")]
    async fn delete(&self, auth: BearerAuth, id: Path<Uuid>) -> Result<Done, ApiError> {
        self.state.groups.delete(auth.0.user_id, GroupId(id.0)).await?;
        Ok(Done::NoContent)
    }

    /// A page of the group's members, owner first then by join time; members only. page/size pagination
    /// (size 1-100, default 20).
    #[oai(path = "/:id/members", method = "get", operation_id = "list_group_members")]
    async fn members(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        /// Page number, from 1.
        page: Query<Option<PageParam>>,
        /// Page size, 1 to 100 (default 20).
        size: Query<Option<SizeParam>>,
    ) -> Result<Json<MemberPageDto>, ApiError> {
        let request = page_request(page.0, size.0)?;
        let found = self.state.groups.members(auth.0.user_id, GroupId(id.0), request).await?;
        Ok(Json(MemberPageDto {
            items: found.items.iter().map(MemberDto::from).collect(),
            total: found.total,
            page: found.page,
            size: found.size,
        }))
    }

    /// Adds a user; the owner or an admin only (403 `group.admins_only`), `admin` role by the owner only.
    /// 409 `group.full` at the member limit, 409 `group.already_member`, 404 `user.not_found`.
    #[oai(path = "/:id/members", method = "post", operation_id = "add_group_member")]
    async fn add_member(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: JsonBody<AddMemberRequest>,
    ) -> Result<MemberAdded, ApiError> {
        let role = body.0.role.map(|r| r.0.into());
        let member = self.state.groups.add_member(auth.0.user_id, GroupId(id.0), UserId(body.0.user_id), role).await?;
        Ok(MemberAdded::Created(Json(MemberDto::from(&member))))
    }

    /// Changes a member's role; owner only. `owner` transfers ownership (the caller becomes an admin).
    #[oai(path = "/:id/members/:user_id", method = "patch", operation_id = "set_group_member_role")]
    async fn set_role(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        user_id: Path<Uuid>,
        body: JsonBody<SetRoleRequest>,
    ) -> Result<Json<MemberDto>, ApiError> {
        let member =
            self.state.groups.set_role(auth.0.user_id, GroupId(id.0), UserId(user_id.0), body.0.role.into()).await?;
        Ok(Json(MemberDto::from(&member)))
    }

    /// Removes a member: the owner removes anyone else, an admin regular members only (403
    /// `group.cannot_remove`). Removing yourself is leaving.
    #[oai(path = "/:id/members/:user_id", method = "delete", operation_id = "remove_group_member")]
    async fn remove_member(&self, auth: BearerAuth, id: Path<Uuid>, user_id: Path<Uuid>) -> Result<Done, ApiError> {
        self.state.groups.remove_member(auth.0.user_id, GroupId(id.0), UserId(user_id.0)).await?;
        Ok(Done::NoContent)
    }

    /// Leaves a group. The owner must first transfer ownership or delete the group (409
    /// `group.owner_must_transfer`).
    #[oai(path = "/:id/leave", method = "post", operation_id = "leave_group")]
    async fn leave(&self, auth: BearerAuth, id: Path<Uuid>) -> Result<Done, ApiError> {
        self.state.groups.leave(auth.0.user_id, GroupId(id.0)).await?;
        Ok(Done::NoContent)
    }
}
