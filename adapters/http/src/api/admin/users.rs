//! User management.

use super::{PageParam, SizeParam, page_request};
use crate::api::ApiTags;
use crate::api::fields::{EmailText, NewPasswordText, Text, UsernameText};
use crate::api::json_body::{JsonBody, present};
use crate::api::models::{EXAMPLE_PASSWORD, RoleDto, StatusDto, UserDto};
use crate::api::security::AdminAuth;
use crate::edge::RequestContext;
use crate::problem::ApiError;
use crate::state::HttpState;
use application::admin::NewUserInput;
use domain::ids::UserId;
use domain::page::SortDir;
use domain::user::{DeletedFilter, UserQuery, UserSort};
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use serde::Deserialize;
use uuid::Uuid;

/// Admin user operations.
pub struct AdminUsersApi {
    state: HttpState,
}

impl AdminUsersApi {
    /// User management over the application state.
    pub fn new(state: HttpState) -> Self {
        Self { state }
    }
}

/// How soft-deleted users take part in the list.
#[derive(Clone, Copy, Debug, Enum)]
#[oai(rename_all = "snake_case")]
enum DeletedParam {
    /// Not deleted only (default).
    Exclude,
    /// Deleted only.
    Only,
    /// Both.
    Include,
}

/// Sort column.
#[derive(Clone, Copy, Debug, Enum)]
#[oai(rename_all = "snake_case")]
enum SortParam {
    /// Creation time (default).
    CreatedAt,
    /// Username.
    Username,
    /// E-mail.
    Email,
    /// Last login.
    LastLogin,
}

/// Sort direction.
#[derive(Clone, Copy, Debug, Enum)]
#[oai(rename_all = "snake_case")]
enum OrderParam {
    /// Ascending.
    Asc,
    /// Descending (default).
    Desc,
}

/// A page of users.
#[derive(Object)]
#[oai(example)]
struct UserPageDto {
    /// Users on this page.
    items: Vec<UserDto>,
    /// Users matching the filters across all pages.
    total: u64,
    /// Page number (from 1).
    page: u32,
    /// Page size (at most 100).
    size: u32,
}

/// A new account created by an admin.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields, example)]
#[serde(deny_unknown_fields)]
struct CreateUserRequest {
    /// Username (registration rules).
    username: UsernameText,
    /// E-mail.
    email: EmailText,
    /// Initial password (registration rules).
    password: NewPasswordText,
    /// Role; `admin` and `super_admin` need a super admin. Default `user`.
    #[serde(default, deserialize_with = "present")]
    role: Option<RoleDto>,
}

/// A role change.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields, example)]
#[serde(deny_unknown_fields)]
struct RoleRequest {
    /// The new role.
    role: RoleDto,
}

/// A status change.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields, example)]
#[serde(deny_unknown_fields)]
struct StatusRequest {
    /// `disabled` signs the user out everywhere at once; `active` lets them sign in again.
    status: StatusDto,
}

/// A password reset.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields, example)]
#[serde(deny_unknown_fields)]
struct PasswordRequest {
    /// The new password (registration rules). The user is signed out everywhere.
    password: NewPasswordText,
}

impl Example for UserPageDto {
    fn example() -> Self {
        Self { items: vec![UserDto::example()], total: 1, page: 1, size: 20 }
    }
}

impl Example for CreateUserRequest {
    fn example() -> Self {
        Self {
            username: Text::example("bob_ops"),
            email: Text::example("bob@example.com"),
            password: Text::example(EXAMPLE_PASSWORD),
            role: Some(RoleDto::User),
        }
    }
}

impl Example for RoleRequest {
    fn example() -> Self {
        Self { role: RoleDto::Admin }
    }
}

impl Example for StatusRequest {
    fn example() -> Self {
        Self { status: StatusDto::Disabled }
    }
}

impl Example for PasswordRequest {
    fn example() -> Self {
        Self { password: Text::example(EXAMPLE_PASSWORD) }
    }
}

#[derive(ApiResponse)]
enum Created {
    /// The account was created.
    #[oai(status = 201)]
    Created(Json<UserDto>),
}

#[OpenApi(prefix_path = "/api/v1/admin/users", tag = "ApiTags::Admin")]
impl AdminUsersApi {
    /// Lists users with page/size pagination (size at most 100), a case-insensitive search on username and
    /// e-mail, filters and sort.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/", method = "get", operation_id = "admin_list_users")]
    async fn list(
        &self,
        auth: AdminAuth,
        /// Page number, from 1.
        page: Query<Option<PageParam>>,
        /// Page size, 1 to 100 (default 20).
        size: Query<Option<SizeParam>>,
        /// Substring of username or e-mail, matched literally.
        #[oai(validator(max_length = 100))]
        search: Query<Option<String>>,
        /// Only this role.
        role: Query<Option<RoleDto>>,
        /// Only this status.
        status: Query<Option<StatusDto>>,
        /// Soft-deleted users: `exclude` (default), `only` or `include`.
        deleted: Query<Option<DeletedParam>>,
        /// Sort column.
        sort: Query<Option<SortParam>>,
        /// Sort direction.
        order: Query<Option<OrderParam>>,
    ) -> Result<Json<UserPageDto>, ApiError> {
        let actor = auth.0;
        let query = UserQuery {
            search: search.0.filter(|s| !s.trim().is_empty()),
            role: role.0.map(Into::into),
            status: status.0.map(Into::into),
            deleted: match deleted.0 {
                None | Some(DeletedParam::Exclude) => DeletedFilter::Exclude,
                Some(DeletedParam::Only) => DeletedFilter::Only,
                Some(DeletedParam::Include) => DeletedFilter::Include,
            },
            sort: match sort.0 {
                None | Some(SortParam::CreatedAt) => UserSort::CreatedAt,
                Some(SortParam::Username) => UserSort::Username,
                Some(SortParam::Email) => UserSort::Email,
                Some(SortParam::LastLogin) => UserSort::LastLogin,
            },
            dir: match order.0 {
                Some(OrderParam::Asc) => SortDir::Asc,
                None | Some(OrderParam::Desc) => SortDir::Desc,
            },
            page: page_request(page.0, size.0)?,
        };
        let found = self.state.admin.list_users(&actor, &query).await?;
        Ok(Json(UserPageDto {
            items: found.items.iter().map(UserDto::from).collect(),
            total: found.total,
            page: found.page,
            size: found.size,
        }))
    }

    /// One user, including soft-deleted ones.
    #[oai(path = "/:id", method = "get", operation_id = "admin_get_user")]
    async fn get(&self, auth: AdminAuth, id: Path<Uuid>) -> Result<Json<UserDto>, ApiError> {
        let actor = auth.0;
        let user = self.state.admin.get_user(&actor, UserId(id.0)).await?;
        Ok(Json(UserDto::from(&user)))
    }

    /// Creates an account.
    #[oai(path = "/", method = "post", operation_id = "admin_create_user")]
    async fn create(
        &self,
        req: &Request,
        auth: AdminAuth,
        body: JsonBody<CreateUserRequest>,
    ) -> Result<Created, ApiError> {
        let actor = auth.0;
        let settings = self.state.settings.current().await?;
        let input = NewUserInput {
            username: body.0.username.into_inner(),
            email: body.0.email.into_inner(),
            password: body.0.password.into_inner(),
            role: body.0.role.map(Into::into).unwrap_or(domain::user::Role::User),
        };
        let user = self.state.admin.create_user(&actor, input, &settings, &RequestContext::of(req).meta()).await?;
        Ok(Created::Created(Json(UserDto::from(&user))))
    }

    /// Changes a role. Only a super admin grants or removes admin rights; the last super admin cannot be
    /// demoted (409 `user.last_super_admin`).
    #[oai(path = "/:id/role", method = "put", operation_id = "admin_set_role")]
    async fn set_role(
        &self,
        req: &Request,
        auth: AdminAuth,
        id: Path<Uuid>,
        body: JsonBody<RoleRequest>,
    ) -> Result<Json<UserDto>, ApiError> {
        let actor = auth.0;
        let meta = RequestContext::of(req).meta();
        let user = self.state.admin.set_role(&actor, UserId(id.0), body.0.role.into(), &meta).await?;
        Ok(Json(UserDto::from(&user)))
    }

    /// Disables (signing the user out everywhere) or re-enables an account.
    #[oai(path = "/:id/status", method = "put", operation_id = "admin_set_status")]
    async fn set_status(
        &self,
        req: &Request,
        auth: AdminAuth,
        id: Path<Uuid>,
        body: JsonBody<StatusRequest>,
    ) -> Result<Json<UserDto>, ApiError> {
        let actor = auth.0;
        let meta = RequestContext::of(req).meta();
        let user = self.state.admin.set_status(&actor, UserId(id.0), body.0.status.into(), &meta).await?;
        Ok(Json(UserDto::from(&user)))
    }

    /// Soft-deletes an account: hidden from ordinary queries, names kept reserved, signed out everywhere.
    #[oai(path = "/:id", method = "delete", operation_id = "admin_delete_user")]
    async fn delete(&self, req: &Request, auth: AdminAuth, id: Path<Uuid>) -> Result<Json<UserDto>, ApiError> {
        let actor = auth.0;
        let user = self.state.admin.delete(&actor, UserId(id.0), &RequestContext::of(req).meta()).await?;
        Ok(Json(UserDto::from(&user)))
    }

    /// Restores a soft-deleted account.
    #[oai(path = "/:id/restore", method = "post", operation_id = "admin_restore_user")]
    async fn restore(&self, req: &Request, auth: AdminAuth, id: Path<Uuid>) -> Result<Json<UserDto>, ApiError> {
        let actor = auth.0;
        let user = self.state.admin.restore(&actor, UserId(id.0), &RequestContext::of(req).meta()).await?;
        Ok(Json(UserDto::from(&user)))
    }

    /// Sets a new password and signs the user out everywhere.
    #[oai(path = "/:id/password", method = "put", operation_id = "admin_reset_password")]
    async fn reset_password(
        &self,
        req: &Request,
        auth: AdminAuth,
        id: Path<Uuid>,
        body: JsonBody<PasswordRequest>,
    ) -> Result<Json<UserDto>, ApiError> {
        let actor = auth.0;
        let meta = RequestContext::of(req).meta();
        let user = self.state.admin.reset_password(&actor, UserId(id.0), body.0.password.as_str(), &meta).await?;
        Ok(Json(UserDto::from(&user)))
    }
}
