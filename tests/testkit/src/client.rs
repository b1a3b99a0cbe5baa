//! The typed HTTP client: one method per API operation, returning the documented shape or a
//! [`ClientError`] carrying the API's error body.

use crate::error::{ApiFailure, ClientError};
use crate::models::{AuditPage, Role, Setting, Stats, Status, TokenPair, User, UserPage};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

/// A client for one server, optionally signed in (bearer token) and in one language. Cheap to clone.
#[derive(Clone, Debug)]
pub struct ApiClient {
    base: String,
    http: reqwest::Client,
    token: Option<String>,
    lang: Option<String>,
    forwarded_for: Option<String>,
}

/// Any answer, for what the typed methods do not cover (or to look at headers).
#[derive(Debug)]
pub struct RawReply {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body as JSON (Null when empty or not JSON).
    pub body: Value,
    /// The body as text.
    pub text: String,
}

impl ApiClient {
    /// An anonymous client for `base` (`http://127.0.0.1:<port>`).
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
            token: None,
            lang: None,
            forwarded_for: None,
        }
    }

    /// The same client sending `Authorization: Bearer <token>`.
    pub fn with_token(&self, token: &str) -> Self {
        Self { token: Some(token.to_owned()), ..self.clone() }
    }

    /// The same client asking for messages in `lang` (`en` or `zh-CN`) via `Accept-Language`.
    pub fn lang(&self, lang: &str) -> Self {
        Self { lang: Some(lang.to_owned()), ..self.clone() }
    }

    /// The same client claiming to come from `ip` through a proxy (`X-Forwarded-For`); the server believes
    /// it when `server.trusted_proxies` lists 127.0.0.1 (per-IP rate limits, audit IPs).
    pub fn from_ip(&self, ip: &str) -> Self {
        Self { forwarded_for: Some(ip.to_owned()), ..self.clone() }
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The bearer token in use, if any.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Sends any request; `body` None sends none. Never fails on a status, only on transport.
    pub async fn raw(&self, method: &str, path: &str, body: Option<Value>) -> Result<RawReply, ClientError> {
        let method = Method::from_bytes(method.as_bytes())
            .map_err(|_| ClientError::Unexpected { status: 0, body: format!("bad method {method}") })?;
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        if let Some(lang) = &self.lang {
            req = req.header("accept-language", lang);
        }
        if let Some(ip) = &self.forwarded_for {
            req = req.header("x-forwarded-for", ip);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await?;
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok(RawReply { status, headers, body, text })
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        expect: u16,
    ) -> Result<T, ClientError> {
        let reply = self.expect(method, path, body, expect).await?;
        serde_json::from_str(&reply.text)
            .map_err(|_| ClientError::Unexpected { status: reply.status, body: reply.text })
    }

    async fn expect(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        expect: u16,
    ) -> Result<RawReply, ClientError> {
        let reply = self.raw(method, path, body).await?;
        if reply.status == expect {
            return Ok(reply);
        }
        match serde_json::from_str::<ApiFailure>(&reply.text) {
            Ok(mut failure) if reply.status >= 400 => {
                failure.status = reply.status;
                Err(ClientError::Api(failure))
            }
            _ => Err(ClientError::Unexpected { status: reply.status, body: reply.text }),
        }
    }

    // --- auth ---------------------------------------------------------------------------------------

    /// `POST /api/v1/auth/register` (201).
    pub async fn register(&self, username: &str, email: &str, password: &str) -> Result<User, ClientError> {
        let body = json!({"username": username, "email": email, "password": password});
        self.call("POST", "/api/v1/auth/register", Some(body), 201).await
    }

    /// `POST /api/v1/auth/login` (200); `login` is the username or the e-mail.
    pub async fn login(&self, login: &str, password: &str) -> Result<TokenPair, ClientError> {
        self.call("POST", "/api/v1/auth/login", Some(json!({"username": login, "password": password})), 200).await
    }

    /// `POST /api/v1/auth/refresh` (200): a new pair; `refresh_token` is spent.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair, ClientError> {
        self.call("POST", "/api/v1/auth/refresh", Some(json!({"refresh_token": refresh_token})), 200).await
    }

    /// `POST /api/v1/auth/logout` (204): revokes this client's session.
    pub async fn logout(&self) -> Result<(), ClientError> {
        self.expect("POST", "/api/v1/auth/logout", Some(json!({})), 204).await.map(drop)
    }

    // --- the signed-in user ---------------------------------------------------------------------------

    /// `GET /api/v1/users/me`.
    pub async fn me(&self) -> Result<User, ClientError> {
        self.call("GET", "/api/v1/users/me", None, 200).await
    }

    /// `PATCH /api/v1/users/me`: the fields given change.
    pub async fn update_me(&self, email: Option<&str>, locale: Option<&str>) -> Result<User, ClientError> {
        let mut body = Map::new();
        if let Some(email) = email {
            body.insert("email".into(), email.into());
        }
        if let Some(locale) = locale {
            body.insert("locale".into(), locale.into());
        }
        self.call("PATCH", "/api/v1/users/me", Some(Value::Object(body)), 200).await
    }

    /// `PUT /api/v1/users/me/password` (204): every other session of the user ends.
    pub async fn change_password(&self, current: &str, new: &str) -> Result<(), ClientError> {
        let body = json!({"current_password": current, "new_password": new});
        self.expect("PUT", "/api/v1/users/me/password", Some(body), 204).await.map(drop)
    }

    // --- admin: users -------------------------------------------------------------------------------------

    /// `GET /api/v1/admin/users?<query>`, e.g. `&[("search", "ali"), ("size", "5")]`.
    pub async fn list_users(&self, query: &[(&str, &str)]) -> Result<UserPage, ClientError> {
        self.call("GET", &with_query("/api/v1/admin/users", query), None, 200).await
    }

    /// `GET /api/v1/admin/users/{id}`.
    pub async fn get_user(&self, id: &str) -> Result<User, ClientError> {
        self.call("GET", &format!("/api/v1/admin/users/{id}"), None, 200).await
    }

    /// `POST /api/v1/admin/users` (201); `role` None means `user`.
    pub async fn create_user(
        &self,
        username: &str,
        email: &str,
        password: &str,
        role: Option<Role>,
    ) -> Result<User, ClientError> {
        let mut body = json!({"username": username, "email": email, "password": password});
        if let Some(role) = role {
            body["role"] = serde_json::to_value(role).unwrap_or(Value::Null);
        }
        self.call("POST", "/api/v1/admin/users", Some(body), 201).await
    }

    /// `PUT /api/v1/admin/users/{id}/role`.
    pub async fn set_role(&self, id: &str, role: Role) -> Result<User, ClientError> {
        self.call("PUT", &format!("/api/v1/admin/users/{id}/role"), Some(json!({"role": role})), 200).await
    }

    /// `PUT /api/v1/admin/users/{id}/status`.
    pub async fn set_status(&self, id: &str, status: Status) -> Result<User, ClientError> {
        self.call("PUT", &format!("/api/v1/admin/users/{id}/status"), Some(json!({"status": status})), 200).await
    }

    /// `PUT /api/v1/admin/users/{id}/password`: the user is signed out everywhere.
    pub async fn reset_password(&self, id: &str, password: &str) -> Result<User, ClientError> {
        let body = json!({"password": password});
        self.call("PUT", &format!("/api/v1/admin/users/{id}/password"), Some(body), 200).await
    }

    /// `DELETE /api/v1/admin/users/{id}`: a soft delete.
    pub async fn delete_user(&self, id: &str) -> Result<User, ClientError> {
        self.call("DELETE", &format!("/api/v1/admin/users/{id}"), None, 200).await
    }

    /// `POST /api/v1/admin/users/{id}/restore`.
    pub async fn restore_user(&self, id: &str) -> Result<User, ClientError> {
        self.call("POST", &format!("/api/v1/admin/users/{id}/restore"), None, 200).await
    }

    // --- admin: settings, audit, statistics -----------------------------------------------------------------

    /// `GET /api/v1/admin/settings`.
    pub async fn settings(&self) -> Result<Vec<Setting>, ClientError> {
        self.call("GET", "/api/v1/admin/settings", None, 200).await
    }

    /// `PATCH /api/v1/admin/settings` with `values` (`{"auth.registration_open": false}`), all or nothing.
    pub async fn update_settings(&self, values: Value) -> Result<Vec<Setting>, ClientError> {
        self.call("PATCH", "/api/v1/admin/settings", Some(json!({"values": values})), 200).await
    }

    /// `DELETE /api/v1/admin/settings/{key}`: back to the default.
    pub async fn reset_setting(&self, key: &str) -> Result<Vec<Setting>, ClientError> {
        self.call("DELETE", &format!("/api/v1/admin/settings/{key}"), None, 200).await
    }

    /// `GET /api/v1/admin/audit?<query>`.
    pub async fn audit(&self, query: &[(&str, &str)]) -> Result<AuditPage, ClientError> {
        self.call("GET", &with_query("/api/v1/admin/audit", query), None, 200).await
    }

    /// `GET /api/v1/admin/stats`.
    pub async fn stats(&self) -> Result<Stats, ClientError> {
        self.call("GET", "/api/v1/admin/stats", None, 200).await
    }

    // --- operations -----------------------------------------------------------------------------------------

    /// `GET /ping`: `pong`.
    pub async fn ping(&self) -> Result<String, ClientError> {
        Ok(self.expect("GET", "/ping", None, 200).await?.text)
    }

    /// `GET /openapi.json`.
    pub async fn openapi(&self) -> Result<Value, ClientError> {
        self.call("GET", "/openapi.json", None, 200).await
    }
}

/// `path?k=v&...`, percent-encoding the values.
fn with_query(path: &str, query: &[(&str, &str)]) -> String {
    if query.is_empty() {
        return path.to_owned();
    }
    let pairs: Vec<String> = query.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
    format!("{path}?{}", pairs.join("&"))
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_percent_encoded() {
        assert_eq!(with_query("/x", &[]), "/x");
        assert_eq!(with_query("/x", &[("search", "a b&c"), ("size", "5")]), "/x?search=a%20b%26c&size=5");
    }
}
