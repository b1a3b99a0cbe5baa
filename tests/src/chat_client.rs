//! Chat participants for tests that chat through real servers: an account, signing in, and a socket of the
//! test kit's fallible client ([`WsClient`]), which keeps frames not asked for yet in order, so a test can
//! wait for one kind of frame without losing the others.

pub use exchange_testkit::WsClient;
pub use exchange_testkit::ws::direct;

use serde_json::json;
use std::time::Duration;

/// How long any single expected frame may take on a loaded machine.
pub const FRAME_LIMIT: Duration = Duration::from_secs(30);

/// A chat participant: an account, how to sign in, and which server its socket goes to.
#[derive(Clone, Debug)]
pub struct ChatUser {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
    /// User id (from `/users/me`).
    pub id: String,
}

impl ChatUser {
    /// Registers `username` through `api` and reads its id.
    pub async fn register(api: &crate::Api, username: &str, password: &str) -> Self {
        api.register(username, &format!("{username}@example.com"), password).await;
        let tokens = api.login(username, password).await;
        let me = api.get("/api/v1/users/me", Some(&tokens.access)).await;
        let id = me.body["id"].as_str().unwrap_or_else(|| panic!("no id in {:?}", me.body)).to_owned();
        Self { username: username.to_owned(), password: password.to_owned(), id }
    }

    /// Signs in on `base` and opens a socket there; `Err` says why not (server or backend down...).
    pub async fn connect(&self, base: &str) -> Result<WsClient, String> {
        let r = crate::Api::new(base)
            .post("/api/v1/auth/login", None, json!({"username": self.username, "password": self.password}))
            .await;
        if r.status != 200 {
            return Err(format!("login {}: {} {}", self.username, r.status, r.body));
        }
        let token = r.body["access_token"].as_str().unwrap_or_default();
        let url = exchange_testkit::ws_url(base, "/ws");
        exchange_testkit::Dial::new(&url).token(token).wait(FRAME_LIMIT).connect().await.map_err(|e| e.to_string())
    }
}
