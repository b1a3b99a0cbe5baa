//! Sessions and refresh-token families in maps. One lock guards all of them, so every operation, a rotation
//! included, is atomic; it is never held across an `.await`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::InfraError;
use domain::ids::{SessionId, UserId};
use domain::session::{Rotation, Session, SessionStore, TokenHash};
use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

/// Sessions kept in process memory. Expired sessions stay (and answer `Expired`) until `purge_expired`.
#[derive(Debug, Default)]
pub struct MemorySessionStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    families: HashMap<SessionId, Family>,
    /// Every token ever issued, current or rotated away, to its family.
    tokens: HashMap<TokenHash, SessionId>,
    by_user: HashMap<UserId, HashSet<SessionId>>,
}

#[derive(Debug)]
struct Family {
    session: Session,
    current: TokenHash,
    issued: Vec<TokenHash>,
}

impl MemorySessionStore {
    fn state(&self) -> MutexGuard<'_, State> {
        // The maps stay consistent even if a panic interrupted a holder: every update is a few inserts.
        crate::locked(&self.state)
    }
}

#[async_trait]
impl SessionStore for MemorySessionStore {
    async fn create(&self, session: &Session, token: &TokenHash) -> Result<(), InfraError> {
        let mut state = self.state();
        state.tokens.insert(*token, session.id);
        state.by_user.entry(session.user_id).or_default().insert(session.id);
        state.families.insert(session.id, Family { session: session.clone(), current: *token, issued: vec![*token] });
        Ok(())
    }

    async fn rotate(
        &self,
        presented: &TokenHash,
        next: &TokenHash,
        now: DateTime<Utc>,
        new_expiry: DateTime<Utc>,
    ) -> Result<Rotation, InfraError> {
        let mut state = self.state();
        let Some(id) = state.tokens.get(presented).copied() else { return Ok(Rotation::Unknown) };
        let Some(family) = state.families.get_mut(&id) else { return Ok(Rotation::Unknown) };
        if family.session.revoked_at.is_some() {
            return Ok(Rotation::Revoked);
        }
        if family.session.expires_at <= now {
            return Ok(Rotation::Expired);
        }
        if family.current != *presented {
            family.session.revoked_at = Some(now);
            return Ok(Rotation::Reused(family.session.clone()));
        }
        family.current = *next;
        family.issued.push(*next);
        family.session.last_used_at = now;
        family.session.expires_at = new_expiry;
        family.session.generation += 1;
        let rotated = family.session.clone();
        state.tokens.insert(*next, id);
        Ok(Rotation::Rotated(rotated))
    }

    async fn get(&self, id: SessionId) -> Result<Option<Session>, InfraError> {
        Ok(self.state().families.get(&id).map(|f| f.session.clone()))
    }

    async fn revoke(&self, id: SessionId, now: DateTime<Utc>) -> Result<bool, InfraError> {
        let mut state = self.state();
        match state.families.get_mut(&id) {
            Some(family) if family.session.is_live(now) => {
                family.session.revoked_at = Some(now);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn revoke_all_for_user(
        &self,
        user: UserId,
        except: Option<SessionId>,
        now: DateTime<Utc>,
    ) -> Result<u64, InfraError> {
        let mut state = self.state();
        let State { families, by_user, .. } = &mut *state;
        let mut count = 0;
        for id in by_user.get(&user).into_iter().flatten() {
            if Some(*id) == except {
                continue;
            }
            if let Some(family) = families.get_mut(id).filter(|f| f.session.is_live(now)) {
                family.session.revoked_at = Some(now);
                count += 1;
            }
        }
        Ok(count)
    }

    async fn list_for_user(&self, user: UserId, now: DateTime<Utc>) -> Result<Vec<Session>, InfraError> {
        let state = self.state();
        let mut sessions: Vec<Session> = state
            .by_user
            .get(&user)
            .into_iter()
            .flatten()
            .filter_map(|id| state.families.get(id))
            .map(|f| f.session.clone())
            .filter(|s| s.is_live(now))
            .collect();
        sessions.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(sessions)
    }

    /// Drops families expired at or before `now` with all their tokens. Revoked families are kept until they
    /// expire, so presenting their tokens keeps answering `Revoked` (as the Redis store does).
    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, InfraError> {
        let mut state = self.state();
        let expired: Vec<SessionId> =
            state.families.iter().filter(|(_, f)| f.session.expires_at <= now).map(|(id, _)| *id).collect();
        for id in &expired {
            let Some(family) = state.families.remove(id) else { continue };
            for token in &family.issued {
                state.tokens.remove(token);
            }
            if let Some(ids) = state.by_user.get_mut(&family.session.user_id) {
                ids.remove(id);
                if ids.is_empty() {
                    state.by_user.remove(&family.session.user_id);
                }
            }
        }
        Ok(expired.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn purge_drops_expired_families_and_their_tokens() {
        let store = MemorySessionStore::default();
        let now = Utc::now();
        let session = Session {
            id: SessionId::new(),
            user_id: UserId::new(),
            created_at: now,
            last_used_at: now,
            expires_at: now + chrono::Duration::minutes(1),
            revoked_at: None,
            generation: 0,
            user_agent: None,
            ip: None,
        };
        let token = TokenHash([9; 32]);
        store.create(&session, &token).await.expect("create");
        assert_eq!(store.purge_expired(now).await.expect("purge early"), 0);
        assert_eq!(store.purge_expired(session.expires_at).await.expect("purge"), 1);
        assert_eq!(store.get(session.id).await.expect("get"), None);
        let outcome = store.rotate(&token, &TokenHash([8; 32]), now, now).await.expect("rotate");
        assert_eq!(outcome, Rotation::Unknown);
        let state = store.state();
        assert!(state.tokens.is_empty() && state.by_user.is_empty(), "nothing left behind");
    }
}
