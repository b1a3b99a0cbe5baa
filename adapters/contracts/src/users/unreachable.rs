//! The "Unavailable when the backend cannot be reached" clause, for adapters that can be cut off (a closed
//! pool, a stopped server). Not part of `users_suite!`: the caller supplies a repository whose backend is
//! already gone.

use super::fixtures::{at, user};
use domain::InfraError;
use domain::ids::UserId;
use domain::user::{UserQuery, UserRepository, UserStoreError};

fn assert_unavailable<T: std::fmt::Debug>(what: &str, result: Result<T, UserStoreError>) {
    assert!(
        matches!(result, Err(UserStoreError::Infra(InfraError::Unavailable { .. }))),
        "{what}: expected Infra(Unavailable), got {result:?}"
    );
}

/// Every method reports `InfraError::Unavailable`.
pub async fn every_method_is_unavailable(repo: &dyn UserRepository) {
    let u = user("nobody");
    assert_unavailable("create", repo.create(&u).await);
    assert_unavailable("by_id", repo.by_id(UserId::new()).await);
    assert_unavailable("by_id_any", repo.by_id_any(UserId::new()).await);
    assert_unavailable("by_login", repo.by_login("nobody").await);
    assert_unavailable("update", repo.update(&u).await);
    assert_unavailable("list", repo.list(&UserQuery::default()).await);
    assert_unavailable("stats", repo.stats(at(0), at(0)).await);
    assert_unavailable("purge_deleted_before", repo.purge_deleted_before(at(0)).await);
}
