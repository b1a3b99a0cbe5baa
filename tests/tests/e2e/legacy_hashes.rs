//! Accounts imported from the Go platform keep their bcrypt hashes (`$2a$`, `$2b$`, `$2y$`) until they next
//! sign in; that login rehashes to argon2id, on both compositions, and the password keeps working.

use domain::user::{PasswordHash, UserRepository};
use e2e::{Api, Composition, ServerBuilder, World};
use serde_json::json;

on_both!(bcrypt_hashes_are_rehashed_on_the_next_login);

/// Hashes of `correct-horse-battery-staple` at cost 4, one per prefix (the password contract suite's own
/// vectors, `adapter_contracts::password::BCRYPT_HASHES`).
const BCRYPT: [(&str, &str); 3] = [
    ("legacy_2a", "$2a$04$IZFmmdmFR6GnEBwC7Ac53e669Ue4sPnYwh2iwcGlCA0P4KkNZApdm"),
    ("legacy_2b", "$2b$04$MJv8dhHEieRd8trhTFBMr.1I.vvraqRGtLkiMHjTQ5pPhOxRmPmMm"),
    ("legacy_2y", "$2y$04$rKrKmfhcvQKZHsekWFmZZ.y80HcV7mRdeeBBc/fbjJx8DyMjgj9Sm"),
];
const PASSWORD: &str = "correct-horse-battery-staple";

/// Go's own bcrypt test vector (cost 10): a password today's policy would refuse still signs in once.
const GO_VECTOR: (&str, &str, &str) =
    ("legacy_go", "allmine", "$2a$10$XajjQvNhvvRt5GSeFk1xFeyqRrsxkhBkUiQeg0dt.wU1qD4aFDcga");

async fn bcrypt_hashes_are_rehashed_on_the_next_login(composition: Composition) {
    let world = World::start(composition, ServerBuilder::new()).await;
    let api = Api::new(&world.server.base);
    let users = world.sql().await.user_repository();
    let mut accounts: Vec<(&str, &str, &str)> = BCRYPT.iter().map(|(name, hash)| (*name, PASSWORD, *hash)).collect();
    accounts.push(GO_VECTOR);
    for (name, _, hash) in &accounts {
        // Registered with a throwaway password, then given the imported hash as a migration would store it.
        api.register(name, &format!("{name}@example.com"), "a-throwaway-passphrase-77").await;
        let mut user = users.by_login(name).await.expect("read").expect("registered");
        user.password_hash = PasswordHash::new(*hash);
        users.update(&user).await.expect("store the bcrypt hash");
    }
    for (name, password, hash) in &accounts {
        let wrong =
            api.post("/api/v1/auth/login", None, json!({"username": name, "password": "wrong-wrong-wrong"})).await;
        assert_eq!(wrong.status, 401, "{name}");
        let stored = users.by_login(name).await.expect("read").expect("there").password_hash;
        assert_eq!(stored.as_str(), *hash, "{name}: a failed login leaves the hash alone");

        api.login(name, password).await;
        let stored = users.by_login(name).await.expect("read").expect("there").password_hash;
        assert!(stored.as_str().starts_with("$argon2id$"), "{name}: rehashed, got {}", &stored.as_str()[..4]);
        assert!(!stored.is_bcrypt(), "{name}");

        let again = api.login(&format!("{name}@example.com"), password).await;
        let me = api.get("/api/v1/users/me", Some(&again.access)).await;
        assert_eq!((me.status, me.body["username"].as_str()), (200, Some(*name)), "{name}: {:?}", me.body);
        let after = users.by_login(name).await.expect("read").expect("there").password_hash;
        assert_eq!(after, stored, "{name}: an argon2id hash is not rehashed again");
    }
}
