//! The accounts `GET /users/me` shows, kept in process so that the commonest authenticated read skips the
//! user store (an SQL query, the most expensive step of that request: docs/benchmarks.md).
//!
//! What it must never do is weaken a check: only the profile read of `AuthService::me` uses it. Whether the
//! caller may act at all is decided before, on every request, against the session store (a revoked session
//! is refused on the very next request on every instance, as before); the admin check re-reads the role
//! from the store; every write starts from a fresh read. A cached profile can only be stale in what it
//! shows, and only on another instance, for as long as the `users.changed` announcement takes to arrive
//! (or [`PROFILE_TTL`] if it was lost).
//!
//! An entry is dropped when this instance changes the user ([`ProfileCache::changed`], synchronously, so a
//! read after one's own write sees it) and when another instance announces a change on the bus. A load
//! that raced with a change is not stored: every change moves a generation counter, and a load only
//! stores what it read if the counter has not moved since it started.

use domain::bus::{BusHandler, EventBus};
use domain::ids::UserId;
use domain::user::User;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

/// Bus topic announcing that a user was written somewhere; the payload is the user id.
pub const USERS_CHANGED_TOPIC: &str = "users.changed";

/// Longest a cached profile is shown without a reload, in case an announcement was lost.
pub const PROFILE_TTL: Duration = Duration::from_secs(30);

/// Profiles kept at most; past it the cache starts over (cheaper than an LRU on this path).
const CAPACITY: usize = 100_000;

/// In-process profiles with cross-instance invalidation.
pub struct ProfileCache {
    entries: Mutex<HashMap<UserId, (User, Instant)>>,
    generation: AtomicU64,
    bus: Arc<dyn EventBus>,
}

/// Where a load stands: what the generation was when it began.
#[derive(Clone, Copy, Debug)]
pub struct LoadTicket(u64);

impl ProfileCache {
    /// An empty cache announcing this instance's changes on `bus`.
    pub fn new(bus: Arc<dyn EventBus>) -> Self {
        Self { entries: Mutex::new(HashMap::new()), generation: AtomicU64::new(0), bus }
    }

    /// The cached profile, if fresh; otherwise a ticket to [`Self::store`] what the caller loads.
    pub fn get(&self, id: UserId) -> Result<User, LoadTicket> {
        let ticket = LoadTicket(self.generation.load(Ordering::Acquire));
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        match entries.get(&id) {
            Some((user, at)) if at.elapsed() < PROFILE_TTL => Ok(user.clone()),
            _ => Err(ticket),
        }
    }

    /// Keeps `user`, loaded after `ticket` was taken, unless a change happened since.
    pub fn store(&self, ticket: LoadTicket, user: &User) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        // Checked under the lock that `forget` also takes, so no change can slip in between.
        if self.generation.load(Ordering::Acquire) != ticket.0 {
            return;
        }
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(user.id, (user.clone(), Instant::now()));
    }

    /// Drops `id` here (a change seen from another instance, or made here).
    pub fn forget(&self, id: UserId) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.remove(&id);
    }

    /// This instance changed `id`: drop it here at once, and tell the others. A failed announcement is
    /// logged; the other instances then show the old profile for at most [`PROFILE_TTL`].
    pub async fn changed(&self, id: UserId) {
        self.forget(id);
        if let Err(err) = self.bus.publish(USERS_CHANGED_TOPIC, id.to_string().as_bytes()).await {
            tracing::warn!(user_id = %id, error = %err, "profile change not announced; other instances may show it late");
        }
    }
}

/// Bus handler that drops a profile when any instance announces a change to it.
pub struct ProfileInvalidator(pub Weak<ProfileCache>);

impl BusHandler for ProfileInvalidator {
    fn handle(&self, _topic: &str, payload: &[u8]) {
        let Some(cache) = self.0.upgrade() else { return };
        match std::str::from_utf8(payload).ok().and_then(|s| s.parse::<uuid::Uuid>().ok()) {
            Some(id) => cache.forget(UserId(id)),
            None => tracing::warn!("users.changed with a payload that is not a user id; ignored"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use adapter_memory::MemoryEventBus;
    use chrono::Utc;
    use domain::user::{Email, PasswordHash, Role, UserStatus, Username};

    fn user(name: &str) -> User {
        let now = Utc::now();
        User {
            id: UserId::new(),
            username: Username::parse(name).unwrap(),
            email: Email::parse(&format!("{name}@example.com")).unwrap(),
            password_hash: PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"),
            role: Role::User,
            status: UserStatus::Active,
            locale: Default::default(),
            created_at: now,
            updated_at: now,
            last_login_at: None,
            deleted_at: None,
        }
    }

    fn cache() -> ProfileCache {
        ProfileCache::new(Arc::new(MemoryEventBus::default()))
    }

    #[test]
    fn a_stored_profile_is_served_until_forgotten() {
        let cache = cache();
        let alice = user("alice");
        let ticket = cache.get(alice.id).expect_err("empty at first");
        cache.store(ticket, &alice);
        assert_eq!(cache.get(alice.id).expect("cached"), alice);
        cache.forget(alice.id);
        assert!(cache.get(alice.id).is_err(), "forgotten");
    }

    #[test]
    fn a_load_that_raced_with_a_change_is_not_stored() {
        let cache = cache();
        let alice = user("alice");
        let ticket = cache.get(alice.id).expect_err("empty");
        // The user changes (here or elsewhere) while the old row is being read.
        cache.forget(alice.id);
        cache.store(ticket, &alice);
        assert!(cache.get(alice.id).is_err(), "the stale row was kept");
    }

    #[tokio::test]
    async fn a_change_elsewhere_reaches_this_cache_through_the_bus() {
        let bus: Arc<dyn EventBus> = Arc::new(MemoryEventBus::default());
        let here = Arc::new(ProfileCache::new(bus.clone()));
        let _sub =
            bus.subscribe(USERS_CHANGED_TOPIC, Arc::new(ProfileInvalidator(Arc::downgrade(&here)))).await.unwrap();
        let alice = user("alice");
        here.store(here.get(alice.id).expect_err("empty"), &alice);

        let elsewhere = ProfileCache::new(bus);
        elsewhere.changed(alice.id).await;
        for _ in 0..100 {
            if here.get(alice.id).is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the announcement never dropped the cached profile");
    }
}
