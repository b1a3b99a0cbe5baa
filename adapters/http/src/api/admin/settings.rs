//! Typed system settings.

use crate::api::ApiTags;
use crate::api::fields::{SettingKeyParam, SettingValues};
use crate::api::json_body::JsonBody;
use crate::api::security::AdminAuth;
use crate::edge::RequestContext;
use crate::problem::ApiError;
use crate::state::HttpState;
use application::settings::SettingView;
use chrono::{DateTime, Utc};
use domain::settings::SettingType;
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{Object, OpenApi};
use serde::Deserialize;
use serde_json::Value;

/// Settings operations.
pub struct AdminSettingsApi {
    state: HttpState,
}

impl AdminSettingsApi {
    /// Settings operations over the application state.
    pub fn new(state: HttpState) -> Self {
        Self { state }
    }
}

/// One setting with what a form needs to edit it.
#[derive(Object)]
#[oai(example)]
struct SettingDto {
    /// Dotted key, e.g. `site.name`.
    key: String,
    /// Current value.
    value: Value,
    /// Value after a reset.
    default: Value,
    /// `bool`, `integer`, `text` or `locale`.
    r#type: String,
    /// Smallest allowed integer, or shortest text length.
    #[oai(skip_serializing_if_is_none)]
    min: Option<i64>,
    /// Largest allowed integer, or longest text length.
    #[oai(skip_serializing_if_is_none)]
    max: Option<i64>,
    /// Allowed values, for `locale`.
    #[oai(skip_serializing_if_is_none)]
    options: Option<Vec<String>>,
    /// Last operator change; absent for defaults.
    #[oai(skip_serializing_if_is_none)]
    updated_at: Option<DateTime<Utc>>,
    /// Who made it.
    #[oai(skip_serializing_if_is_none)]
    updated_by: Option<String>,
}

impl From<SettingView> for SettingDto {
    fn from(v: SettingView) -> Self {
        let (kind, min, max, options) = match v.setting_type {
            SettingType::Bool => ("bool", None, None, None),
            SettingType::Integer { min, max } => ("integer", Some(min), Some(max), None),
            SettingType::Text { min, max } => ("text", Some(min as i64), Some(max as i64), None),
            SettingType::Locale => (
                "locale",
                None,
                None,
                Some(domain::locale::Locale::ALL.iter().map(|l| l.as_str().to_owned()).collect()),
            ),
        };
        Self {
            key: v.key.as_str().to_owned(),
            value: v.value.to_json(),
            default: v.default.to_json(),
            r#type: kind.to_owned(),
            min,
            max,
            options,
            updated_at: v.updated_at,
            updated_by: v.updated_by.map(|u| u.to_string()),
        }
    }
}

/// New values, keyed by setting.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields, example)]
#[serde(deny_unknown_fields)]
struct UpdateSettingsRequest {
    /// e.g. `{ "site.name": "交易所", "auth.registration_open": false }`. Every value is checked first;
    /// if one is refused, none is written.
    values: SettingValues,
}

impl Example for SettingDto {
    fn example() -> Self {
        Self {
            key: "site.name".into(),
            value: Value::String("交易所".into()),
            default: Value::String("Exchange".into()),
            r#type: "text".into(),
            min: Some(1),
            max: Some(64),
            options: None,
            updated_at: Some(crate::api::models::example_time()),
            updated_by: Some(crate::api::models::EXAMPLE_USER_ID.into()),
        }
    }
}

impl Example for UpdateSettingsRequest {
    fn example() -> Self {
        let values = [("site.name", Value::String("交易所".into())), ("auth.registration_open", Value::Bool(true))];
        Self { values: SettingValues(values.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()) }
    }
}

#[OpenApi(prefix_path = "/api/v1/admin/settings", tag = "ApiTags::Admin")]
impl AdminSettingsApi {
    /// Every setting with its value, default, type and bounds.
    #[oai(path = "/", method = "get", operation_id = "admin_list_settings")]
    async fn list(&self, auth: AdminAuth) -> Result<Json<Vec<SettingDto>>, ApiError> {
        let actor = auth.0;
        let views = self.state.settings.list(&actor).await?;
        Ok(Json(views.into_iter().map(SettingDto::from).collect()))
    }

    /// Changes one or more settings, all or nothing; every instance sees the change at once.
    #[oai(path = "/", method = "patch", operation_id = "admin_update_settings")]
    async fn update(
        &self,
        req: &Request,
        auth: AdminAuth,
        body: JsonBody<UpdateSettingsRequest>,
    ) -> Result<Json<Vec<SettingDto>>, ApiError> {
        let actor = auth.0;
        self.state.settings.update(&actor, &body.0.values.0, &RequestContext::of(req).meta()).await?;
        let views = self.state.settings.list(&actor).await?;
        Ok(Json(views.into_iter().map(SettingDto::from).collect()))
    }

    /// Resets one setting to its default.
    #[oai(path = "/:key", method = "delete", operation_id = "admin_reset_setting")]
    async fn reset(
        &self,
        req: &Request,
        auth: AdminAuth,
        /// The setting's dotted key.
        key: Path<SettingKeyParam>,
    ) -> Result<Json<Vec<SettingDto>>, ApiError> {
        let actor = auth.0;
        self.state.settings.reset(&actor, key.0.0.as_str(), &RequestContext::of(req).meta()).await?;
        let views = self.state.settings.list(&actor).await?;
        Ok(Json(views.into_iter().map(SettingDto::from).collect()))
    }
}
