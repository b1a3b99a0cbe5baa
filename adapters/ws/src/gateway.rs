//! The gateway as one value: the services it drives, the local hub, its bus subscriptions, the options,
//! and the shutdown token. Built once at start-up and shared by every connection.

use crate::hub::{Hub, HubHandler, Topic};
use crate::options::WsOptions;
use application::auth::AuthService;
use application::chat::ChatService;
use application::chat::events::{BROADCAST_TOPIC, DELIVERY_TOPIC, PRESENCE_TOPIC};
use application::settings::SettingsService;
use domain::bus::{EventBus, Subscription};
use domain::locale::Locale;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Everything connections share.
pub struct Gateway {
    pub(crate) chat: Arc<ChatService>,
    pub(crate) auth: Arc<AuthService>,
    pub(crate) settings: Arc<SettingsService>,
    pub(crate) hub: Arc<Hub>,
    pub(crate) options: WsOptions,
    pub(crate) shutdown: CancellationToken,
    _subscriptions: Vec<Box<dyn Subscription>>,
}

impl Gateway {
    /// Builds the gateway and subscribes its hub to the chat topics of the bus. `shutdown` starts the
    /// drain when cancelled (by [`Gateway::begin_drain`] or the lifecycle): every socket flushes what it
    /// owes and closes with 1001, and new upgrades are refused with 503 `ws.shutting_down`.
    pub async fn new(
        chat: Arc<ChatService>,
        auth: Arc<AuthService>,
        settings: Arc<SettingsService>,
        bus: Arc<dyn EventBus>,
        options: WsOptions,
        shutdown: CancellationToken,
    ) -> Self {
        let hub = Arc::new(Hub::new(options.max_connections_per_user));
        let mut subscriptions = Vec::new();
        for (name, topic) in
            [(DELIVERY_TOPIC, Topic::Delivery), (PRESENCE_TOPIC, Topic::Presence), (BROADCAST_TOPIC, Topic::Broadcast)]
        {
            match bus.subscribe(name, Arc::new(HubHandler { hub: Arc::downgrade(&hub), topic })).await {
                Ok(s) => subscriptions.push(s),
                Err(err) => {
                    tracing::error!(topic = name, error = %err, "chat topic not subscribed; live delivery is degraded")
                }
            }
        }
        Self { chat, auth, settings, hub, options, shutdown, _subscriptions: subscriptions }
    }

    /// Live connections on this instance.
    pub fn connections(&self) -> usize {
        self.hub.connections()
    }

    /// Distinct users connected to this instance.
    pub fn local_users(&self) -> usize {
        self.hub.users()
    }

    /// The default locale for error messages when the upgrade request names none.
    pub(crate) async fn default_locale(&self) -> Locale {
        match self.settings.current().await {
            Ok(s) => s.default_locale(),
            Err(_) => Locale::ZhCn,
        }
    }

    /// Starts the drain: sockets close with 1001 after flushing, upgrades get 503. The HTTP listener keeps
    /// serving meanwhile, so a client (or a load balancer) sees the refusal instead of a closed port.
    pub fn begin_drain(&self) {
        self.shutdown.cancel();
    }

    /// Waits (up to `bound`) until every socket closed.
    pub async fn wait_drained(&self, bound: Duration) {
        if tokio::time::timeout(bound, self.hub.wait_empty()).await.is_err() {
            tracing::warn!(left = self.hub.connections(), "WebSocket connections still open after the drain bound");
        }
    }

    /// Background loop: every half seq lease, finishes sends whose instance died after storing a message
    /// and before publishing it (see `ChatService::complete_abandoned`). Returns on shutdown.
    pub async fn complete_abandoned_sends(self: Arc<Self>) {
        let every = (self.chat.options().seq_lease / 2).max(Duration::from_millis(100));
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = self.shutdown.cancelled() => return,
                _ = tick.tick() => {
                    if let Err(err) = self.chat.complete_abandoned().await {
                        tracing::debug!(error = %err, "abandoned-send sweep failed; next round retries");
                    }
                }
            }
        }
    }

    /// Background loop: every heartbeat, drops connections whose instance stopped refreshing them, so a
    /// crashed instance's users go offline within one presence TTL. Returns on shutdown.
    pub async fn sweep_presence(self: Arc<Self>) {
        let mut tick = tokio::time::interval(self.options.heartbeat);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = self.shutdown.cancelled() => return,
                _ = tick.tick() => {
                    match self.chat.sweep_presence().await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(users = n, "presence sweep: users went offline"),
                        Err(err) => tracing::warn!(error = %err, "presence sweep failed"),
                    }
                }
            }
        }
    }

    /// Background component for the lifecycle: after shutdown begins, waits (up to `bound`) until every
    /// socket has flushed and closed with 1001.
    pub async fn drain(self: Arc<Self>, bound: Duration) {
        self.shutdown.cancelled().await;
        self.wait_drained(bound).await;
    }
}
