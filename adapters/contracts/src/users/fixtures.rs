//! Building users for the checks: fixed, microsecond-precise times and valid value types.

use chrono::{DateTime, TimeZone, Utc};
use domain::ids::UserId;
use domain::locale::Locale;
use domain::page::PageRequest;
use domain::user::{DeletedFilter, Email, PasswordHash, Role, User, UserQuery, UserRepository, UserStatus, Username};

/// A fixed instant `secs` seconds after the suite's epoch.
pub(crate) fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
}

/// A fixed instant with microseconds, the finest precision every adapter keeps.
pub(crate) fn at_us(secs: i64, micros: u32) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, micros * 1_000).unwrap()
}

/// An active regular user named `name` with the given e-mail, created at `at(0)`.
pub(crate) fn user_with(name: &str, email: &str) -> User {
    User {
        id: UserId::new(),
        username: Username::parse(name).unwrap_or_else(|e| panic!("fixture username {name:?}: {e}")),
        email: Email::parse(email).unwrap_or_else(|e| panic!("fixture email {email:?}: {e}")),
        password_hash: PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"),
        role: Role::User,
        status: UserStatus::Active,
        locale: Locale::ZhCn,
        created_at: at(0),
        updated_at: at(0),
        last_login_at: None,
        deleted_at: None,
    }
}

/// An active regular user named `name` with an e-mail derived from it.
pub(crate) fn user(name: &str) -> User {
    let local: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
    let local = if local.is_empty() { "cjk".to_owned() } else { local.to_ascii_lowercase() };
    let email = format!("{local}.{}@example.com", &uuid::Uuid::now_v7().simple().to_string()[20..]);
    user_with(name, &email)
}

/// An active super admin named `name`.
pub(crate) fn super_admin(name: &str) -> User {
    User { role: Role::SuperAdmin, ..user(name) }
}

/// Stores `user`, failing the check if the repository refuses.
pub(crate) async fn create(repo: &dyn UserRepository, user: &User) {
    repo.create(user).await.unwrap_or_else(|e| panic!("create {}: {e:?}", user.username));
}

/// Every stored user, soft-deleted ones included.
pub(crate) async fn everyone(repo: &dyn UserRepository) -> Vec<User> {
    let mut all = Vec::new();
    for page in 1.. {
        let query = UserQuery {
            deleted: DeletedFilter::Include,
            page: PageRequest::new(page, 100).unwrap(),
            ..Default::default()
        };
        let got = repo.list(&query).await.expect("list everyone");
        let done = got.items.len() < 100;
        all.extend(got.items);
        if done {
            break;
        }
    }
    all
}

/// Active, not deleted super admins as stored.
pub(crate) async fn active_super_admins(repo: &dyn UserRepository) -> Vec<User> {
    everyone(repo).await.into_iter().filter(User::is_active_super_admin).collect()
}
