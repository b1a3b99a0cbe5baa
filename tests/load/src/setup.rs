//! Accounts and groups for a run, made through the public REST API like any client would.

use anyhow::{Context, bail};
use futures::{StreamExt, stream};
use serde_json::{Value, json};

/// Password of every load account (passes the registration policy).
const PASSWORD: &str = "load-test-horse-battery-staple";
/// Registrations and logins in flight at once (password hashing is the server's bottleneck).
const PARALLEL: usize = 16;

/// A signed-in load account.
#[derive(Clone, Debug)]
pub struct Account {
    /// User id.
    pub id: String,
    /// Access token for the WebSocket.
    pub token: String,
}

/// The REST side of the server.
#[derive(Clone)]
pub struct Rest {
    base: String,
    http: reqwest::Client,
}

/// The username of account `i` of run `run`: unique per run so reruns against one database never collide.
pub fn username(run: &str, i: usize) -> String {
    format!("ld{run}_{i}")
}

impl Rest {
    /// A client for `base` (`http://127.0.0.1:8080`).
    pub fn new(base: &str) -> Self {
        Self { base: base.trim_end_matches('/').to_owned(), http: reqwest::Client::new() }
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> anyhow::Result<(u16, Value)> {
        let mut req = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let resp = req.send().await.with_context(|| format!("POST {path}"))?;
        let status = resp.status().as_u16();
        Ok((status, resp.json().await.unwrap_or(Value::Null)))
    }

    async fn account(&self, name: String) -> anyhow::Result<Account> {
        let email = format!("{name}@example.com");
        let (status, user) = self
            .post("/api/v1/auth/register", None, json!({"username": name, "email": email, "password": PASSWORD}))
            .await?;
        if status != 201 {
            bail!("register {name}: {status} {user}");
        }
        let (status, tokens) =
            self.post("/api/v1/auth/login", None, json!({"username": name, "password": PASSWORD})).await?;
        if status != 200 {
            bail!("login {name}: {status} {tokens}");
        }
        Ok(Account {
            id: user["id"].as_str().context("user id")?.to_owned(),
            token: tokens["access_token"].as_str().context("access token")?.to_owned(),
        })
    }

    /// Registers and signs in `count` accounts of run `run`, a few at a time.
    pub async fn accounts(&self, run: &str, count: usize) -> anyhow::Result<Vec<Account>> {
        let results: Vec<anyhow::Result<Account>> =
            stream::iter((0..count).map(|i| self.account(username(run, i)))).buffered(PARALLEL).collect().await;
        results.into_iter().collect()
    }

    /// Creates a group owned by `owner` with every other account as a member; returns the group id.
    pub async fn group(&self, owner: &Account, members: &[Account]) -> anyhow::Result<String> {
        let ids: Vec<&str> = members.iter().filter(|m| m.id != owner.id).map(|m| m.id.as_str()).collect();
        let (status, group) =
            self.post("/api/v1/groups", Some(&owner.token), json!({"name": "load", "members": ids})).await?;
        if status != 201 {
            bail!("create group: {status} {group}");
        }
        Ok(group["id"].as_str().context("group id")?.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_valid_and_unique_per_run() {
        let name = username("a1b2c3", 9999);
        assert_eq!(name, "lda1b2c3_9999");
        assert!(name.len() <= 32 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        assert_ne!(username("a", 1), username("b", 1));
    }
}
