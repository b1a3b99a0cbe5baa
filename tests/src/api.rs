//! A small HTTP client for the API, returning status and JSON so tests read like the API guide.

use serde_json::{Value, json};

/// An answer: status, JSON body (Null when empty), and headers.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Parsed body.
    pub body: Value,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    /// The `code` of an error body.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

/// Client for one server, optionally in one language and from one forwarded client IP.
#[derive(Clone)]
pub struct Api {
    base: String,
    http: reqwest::Client,
    lang: Option<String>,
    forwarded_for: Option<String>,
}

impl Api {
    /// A client for `base` (`http://127.0.0.1:<port>`).
    pub fn new(base: &str) -> Self {
        Self { base: base.to_owned(), http: reqwest::Client::new(), lang: None, forwarded_for: None }
    }

    /// Same client, asking for messages in `lang` via `Accept-Language`.
    pub fn lang(&self, lang: &str) -> Self {
        Self { lang: Some(lang.to_owned()), ..self.clone() }
    }

    /// Same client, claiming to come from `ip` through a trusted proxy (`X-Forwarded-For`).
    pub fn from_ip(&self, ip: &str) -> Self {
        Self { forwarded_for: Some(ip.to_owned()), ..self.clone() }
    }

    /// Sends a request; `body` None sends none.
    pub async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(token) = token {
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
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.expect("body read");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply { status, body, headers }
    }

    /// POST with a JSON body.
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call("POST", path, token, Some(body)).await
    }

    /// GET.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call("GET", path, token, None).await
    }

    /// Registers an account; panics unless 201.
    pub async fn register(&self, username: &str, email: &str, password: &str) -> Value {
        let r = self
            .post("/api/v1/auth/register", None, json!({"username": username, "email": email, "password": password}))
            .await;
        assert_eq!(r.status, 201, "register {username}: {:?}", r.body);
        r.body
    }

    /// Logs in; panics unless 200. Returns the token response.
    pub async fn login(&self, login: &str, password: &str) -> Tokens {
        let r = self.post("/api/v1/auth/login", None, json!({"username": login, "password": password})).await;
        assert_eq!(r.status, 200, "login {login}: {:?}", r.body);
        Tokens {
            access: r.body["access_token"].as_str().expect("access_token").to_owned(),
            refresh: r.body["refresh_token"].as_str().expect("refresh_token").to_owned(),
        }
    }
}

/// A token pair.
#[derive(Clone, Debug)]
pub struct Tokens {
    /// Access token.
    pub access: String,
    /// Refresh token.
    pub refresh: String,
}
