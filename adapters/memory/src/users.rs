//! Users in a map. Every method takes the lock once and does all its checking and writing under it, so
//! uniqueness and the last-super-admin guard are atomic without any further care.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::ids::UserId;
use domain::page::{Page, SortDir};
use domain::user::{
    DeletedFilter, Role, UniqueField, User, UserQuery, UserRepository, UserSort, UserStats, UserStatus, UserStoreError,
};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Mutex;

/// Users kept in process memory.
#[derive(Debug, Default)]
pub struct MemoryUserRepository {
    users: Mutex<HashMap<UserId, User>>,
}

impl MemoryUserRepository {
    fn with<T>(&self, f: impl FnOnce(&mut HashMap<UserId, User>) -> T) -> T {
        f(&mut crate::locked(&self.users))
    }
}

/// The first unique field `user` shares with a stored user other than itself, soft-deleted ones included.
fn clash(users: &HashMap<UserId, User>, user: &User) -> Option<UniqueField> {
    let key = user.username.key();
    let others = || users.values().filter(|u| u.id != user.id);
    if others().any(|u| u.username.key() == key) {
        Some(UniqueField::Username)
    } else if others().any(|u| u.email == user.email) {
        Some(UniqueField::Email)
    } else {
        None
    }
}

fn matches(user: &User, query: &UserQuery, needle: Option<&str>) -> bool {
    let deleted_ok = match query.deleted {
        DeletedFilter::Exclude => user.deleted_at.is_none(),
        DeletedFilter::Only => user.deleted_at.is_some(),
        DeletedFilter::Include => true,
    };
    deleted_ok
        && query.role.is_none_or(|r| user.role == r)
        && query.status.is_none_or(|s| user.status == s)
        && needle.is_none_or(|n| user.username.key().contains(n) || user.email.as_str().contains(n))
}

/// Column, then id, in the requested direction; never-logged-in users last either way (as the SQL adapter).
fn compare(a: &User, b: &User, sort: UserSort, dir: SortDir) -> Ordering {
    let directed = |o: Ordering| if dir == SortDir::Desc { o.reverse() } else { o };
    let column = match sort {
        UserSort::CreatedAt => directed(a.created_at.cmp(&b.created_at)),
        UserSort::Username => directed(a.username.key().cmp(&b.username.key())),
        UserSort::Email => directed(a.email.as_str().cmp(b.email.as_str())),
        UserSort::LastLogin => a
            .last_login_at
            .is_none()
            .cmp(&b.last_login_at.is_none())
            .then_with(|| directed(a.last_login_at.cmp(&b.last_login_at))),
    };
    column.then_with(|| directed(a.id.cmp(&b.id)))
}

#[async_trait]
impl UserRepository for MemoryUserRepository {
    async fn create(&self, user: &User) -> Result<(), UserStoreError> {
        self.with(|users| {
            if let Some(field) = clash(users, user) {
                return Err(UserStoreError::Duplicate(field));
            }
            users.insert(user.id, user.clone());
            Ok(())
        })
    }

    async fn by_id(&self, id: UserId) -> Result<Option<User>, UserStoreError> {
        Ok(self.with(|users| users.get(&id).filter(|u| u.deleted_at.is_none()).cloned()))
    }

    async fn by_id_any(&self, id: UserId) -> Result<Option<User>, UserStoreError> {
        Ok(self.with(|users| users.get(&id).cloned()))
    }

    async fn by_login(&self, login: &str) -> Result<Option<User>, UserStoreError> {
        let key = login.to_ascii_lowercase();
        Ok(self.with(|users| {
            users
                .values()
                .find(|u| u.deleted_at.is_none() && (u.username.key() == key || u.email.as_str() == login))
                .cloned()
        }))
    }

    async fn update(&self, user: &User) -> Result<(), UserStoreError> {
        self.with(|users| {
            let current = users.get(&user.id).ok_or(UserStoreError::NotFound)?;
            if current.is_active_super_admin()
                && !user.is_active_super_admin()
                && !users.values().any(|u| u.id != user.id && u.is_active_super_admin())
            {
                return Err(UserStoreError::LastSuperAdmin);
            }
            if let Some(field) = clash(users, user) {
                return Err(UserStoreError::Duplicate(field));
            }
            users.insert(user.id, user.clone());
            Ok(())
        })
    }

    async fn list(&self, query: &UserQuery) -> Result<Page<User>, UserStoreError> {
        let needle = query.search.as_deref().map(str::to_lowercase);
        let mut hits: Vec<User> =
            self.with(|users| users.values().filter(|u| matches(u, query, needle.as_deref())).cloned().collect());
        hits.sort_by(|a, b| compare(a, b, query.sort, query.dir));
        let total = hits.len() as u64;
        let skip = usize::try_from(query.page.offset()).unwrap_or(usize::MAX);
        let items = hits.into_iter().skip(skip).take(query.page.size() as usize).collect();
        Ok(Page::new(items, total, query.page))
    }

    async fn stats(&self, since: DateTime<Utc>, active_since: DateTime<Utc>) -> Result<UserStats, UserStoreError> {
        Ok(self.with(|users| {
            let live: Vec<&User> = users.values().filter(|u| u.deleted_at.is_none()).collect();
            let count = |f: &dyn Fn(&User) -> bool| live.iter().filter(|u| f(u)).count() as u64;
            UserStats {
                total: live.len() as u64,
                new_since: count(&|u| u.created_at >= since),
                active_since: count(&|u| u.last_login_at.is_some_and(|t| t >= active_since)),
                deleted: (users.len() - live.len()) as u64,
                by_role: Role::ALL.iter().map(|r| (*r, count(&|u| u.role == *r))).collect(),
                by_status: UserStatus::ALL.iter().map(|s| (*s, count(&|u| u.status == *s))).collect(),
            }
        }))
    }

    async fn purge_deleted_before(&self, cutoff: DateTime<Utc>) -> Result<u64, UserStoreError> {
        Ok(self.with(|users| {
            let before = users.len();
            users.retain(|_, u| u.deleted_at.is_none_or(|t| t >= cutoff));
            (before - users.len()) as u64
        }))
    }
}
