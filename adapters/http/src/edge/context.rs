//! Per-request facts every handler and log line needs, stored in the request's extensions.

use super::{client_ip, request_id};
use crate::state::HttpState;
use application::RequestMeta;
use domain::ids::UserId;
use domain::locale::Locale;
use poem::Request;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

/// What the edge learned about a request.
#[derive(Debug)]
pub struct RequestContext {
    /// From `X-Request-Id` or generated; echoed in the response header and error bodies.
    pub request_id: String,
    /// Negotiated language of messages.
    pub locale: Locale,
    /// Client IP after trusted-proxy resolution.
    pub client_ip: Option<IpAddr>,
    /// Client User-Agent, truncated.
    pub user_agent: Option<String>,
    /// Set by authentication once the caller is known, for the access log.
    pub user_id: OnceLock<UserId>,
}

impl RequestContext {
    /// The context of a request that passed the edge. Requests that did not (unit tests of handlers)
    /// get a default context, so handlers never fail for want of one.
    pub fn of(req: &Request) -> Arc<RequestContext> {
        req.extensions().get::<Arc<RequestContext>>().cloned().unwrap_or_else(|| {
            Arc::new(RequestContext {
                request_id: request_id::choose(None),
                locale: Locale::default(),
                client_ip: None,
                user_agent: None,
                user_id: OnceLock::new(),
            })
        })
    }

    /// The part of the context use cases record (audit entries, sessions).
    pub fn meta(&self) -> RequestMeta {
        RequestMeta {
            request_id: Some(self.request_id.clone()),
            ip: self.client_ip.map(|ip| ip.to_string()),
            user_agent: self.user_agent.clone(),
        }
    }
}

fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn query_lang(req: &Request) -> Option<String> {
    req.uri().query()?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == "lang").then(|| v.to_owned())
    })
}

/// Builds the context; the default locale comes from settings (falling back to zh-CN if they are down).
pub(super) async fn build(req: &Request, state: &HttpState) -> RequestContext {
    let default = match state.settings.current().await {
        Ok(settings) => settings.default_locale(),
        Err(_) => Locale::default(),
    };
    let peer = req.remote_addr().as_socket_addr().map(|addr| addr.ip());
    RequestContext {
        request_id: request_id::choose(header(req, "x-request-id")),
        locale: adapter_i18n::negotiate(query_lang(req).as_deref(), header(req, "accept-language"), default),
        client_ip: client_ip::resolve(peer, header(req, "x-forwarded-for"), &state.options.trusted_proxies),
        user_agent: header(req, "user-agent").map(|ua| ua.chars().take(256).collect()),
        user_id: OnceLock::new(),
    }
}
