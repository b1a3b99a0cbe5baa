//! Contract of `domain::user::PasswordHasher`.
//!
//! The "off the executor" check is only meaningful on a current-thread runtime, which is what
//! `#[tokio::test]` (and so [`password_suite!`](crate::password_suite)) uses.

use domain::user::{Password, PasswordHash, PasswordHasher, PasswordVerification};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The plaintext behind [`BCRYPT_HASHES`].
pub const BCRYPT_PASSWORD: &str = "correct-horse-battery-staple";

/// Legacy hashes of [`BCRYPT_PASSWORD`], one per prefix the Go platform may have stored (made once with the
/// `bcrypt` crate at cost 4, so the suite stays fast).
pub const BCRYPT_HASHES: [&str; 3] = [
    "$2a$04$IZFmmdmFR6GnEBwC7Ac53e669Ue4sPnYwh2iwcGlCA0P4KkNZApdm",
    "$2b$04$MJv8dhHEieRd8trhTFBMr.1I.vvraqRGtLkiMHjTQ5pPhOxRmPmMm",
    "$2y$04$rKrKmfhcvQKZHsekWFmZZ.y80HcV7mRdeeBBc/fbjJx8DyMjgj9Sm",
];

/// A hash made by Go's `golang.org/x/crypto/bcrypt` (its own test vector, cost 10) for the password
/// `allmine`: what the Go platform's users table holds.
pub const GO_BCRYPT_VECTOR: (&str, &str) = ("allmine", "$2a$10$XajjQvNhvvRt5GSeFk1xFeyqRrsxkhBkUiQeg0dt.wU1qD4aFDcga");

const VALID_FRESH: PasswordVerification = PasswordVerification::Valid { needs_rehash: false };
const VALID_STALE: PasswordVerification = PasswordVerification::Valid { needs_rehash: true };

fn password(raw: &str) -> Password {
    Password::parse(raw, &[]).expect("test password meets the policy")
}

/// `hash` yields a salted PHC string that `verify` accepts for the same password, as fresh (no rehash).
pub async fn hash_then_verify_round_trips(hasher: &dyn PasswordHasher) {
    for raw in [BCRYPT_PASSWORD, "紫禁城的夕阳很美丽2024", "'quotes' \"; DROP TABLE users; --"] {
        let hash = hasher.hash(&password(raw)).await.expect("hash");
        let phc = password_hash::phc::PasswordHash::new(hash.as_str()).expect("a PHC string");
        assert!(phc.salt.is_some_and(|s| s.len() >= 16), "salted with at least 16 bytes");
        assert!(!hash.is_bcrypt(), "new hashes are never bcrypt");
        assert_eq!(hasher.verify(raw, &hash).await.expect("verify"), VALID_FRESH, "{raw:?}");
    }
}

/// Any other candidate is `Invalid`, including near misses.
pub async fn wrong_passwords_are_invalid(hasher: &dyn PasswordHasher) {
    let hash = hasher.hash(&password(BCRYPT_PASSWORD)).await.expect("hash");
    for wrong in [
        "",
        "correct-horse-battery-stapler",
        "correct-horse-battery-stapl",
        "Correct-horse-battery-staple",
        "correct-horse-battery-staple ",
        " correct-horse-battery-staple",
        "correct-horse-battery-staple\0",
    ] {
        assert_eq!(hasher.verify(wrong, &hash).await.expect("verify"), PasswordVerification::Invalid, "{wrong:?}");
    }
}

/// Salting: two hashes of one password differ, and each verifies.
pub async fn two_hashes_of_one_password_differ(hasher: &dyn PasswordHasher) {
    let p = password(BCRYPT_PASSWORD);
    let (a, b) = (hasher.hash(&p).await.expect("hash"), hasher.hash(&p).await.expect("hash"));
    assert_ne!(a.as_str(), b.as_str());
    for h in [&a, &b] {
        assert_eq!(hasher.verify(BCRYPT_PASSWORD, h).await.expect("verify"), VALID_FRESH);
    }
}

/// bcrypt hashes from the Go platform (`$2a$`, `$2b$`, `$2y$`) verify, and ask to be rehashed.
pub async fn legacy_bcrypt_hashes_verify_and_need_rehash(hasher: &dyn PasswordHasher) {
    for stored in BCRYPT_HASHES {
        let stored = PasswordHash::new(stored);
        assert_eq!(hasher.verify(BCRYPT_PASSWORD, &stored).await.expect("verify"), VALID_STALE, "{stored:?}");
        assert_eq!(
            hasher.verify("correct-horse-battery-stapler", &stored).await.expect("verify"),
            PasswordVerification::Invalid
        );
    }
    let (go_password, go_hash) = GO_BCRYPT_VECTOR;
    let go_hash = PasswordHash::new(go_hash);
    assert_eq!(hasher.verify(go_password, &go_hash).await.expect("verify"), VALID_STALE);
    assert_eq!(hasher.verify("allmine!", &go_hash).await.expect("verify"), PasswordVerification::Invalid);
}

/// Hashes that cannot be parsed never match, and are not errors either.
pub async fn malformed_hashes_are_invalid(hasher: &dyn PasswordHasher) {
    let good = hasher.hash(&password(BCRYPT_PASSWORD)).await.expect("hash");
    let good = good.as_str();
    let truncated = &good[..good.len() - 5];
    let bcrypt_truncated = &BCRYPT_HASHES[1][..50];
    for stored in [
        "",
        " ",
        BCRYPT_PASSWORD,
        "$",
        "$argon2id$",
        "$argon2id$v=19$m=19456,t=2,p=1$",
        "$argon2id$v=19$m=0,t=0,p=0$c29tZXNhbHRzb21lc2FsdA$aGFzaA",
        "$argon2id$v=99$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
        "$pbkdf2-sha256$i=600000$c2FsdHNhbHQ$aGFzaGhhc2g",
        "$1$saltsalt$//251epTQaKpm7/bnAD.Z.",
        truncated,
        &good[1..],
        bcrypt_truncated,
        "$2b$99$MJv8dhHEieRd8trhTFBMr.1I.vvraqRGtLkiMHjTQ5pPhOxRmPmMm",
        "$2b$04$MJv8dhHEieRd8trhTFBMr.1I.vvraqRGtLkiMHjTQ5pPhOxRmPm€",
        "$2x$04$MJv8dhHEieRd8trhTFBMr.1I.vvraqRGtLkiMHjTQ5pPhOxRmPmMm",
    ] {
        let outcome = hasher.verify(BCRYPT_PASSWORD, &PasswordHash::new(stored)).await;
        assert!(matches!(outcome, Ok(PasswordVerification::Invalid)), "{stored:?} gave {outcome:?}");
    }
}

/// A wrong candidate costs about as much as the right one, so timing does not reveal a near miss.
pub async fn verify_takes_comparable_time_either_way(hasher: &dyn PasswordHasher) {
    let hash = hasher.hash(&password(BCRYPT_PASSWORD)).await.expect("hash");
    let (mut right, mut wrong) = (Duration::MAX, Duration::MAX);
    // The fastest of several runs of each, interleaved, so that a busy machine does not decide the outcome.
    for _ in 0..5 {
        let started = Instant::now();
        assert_eq!(hasher.verify(BCRYPT_PASSWORD, &hash).await.expect("verify"), VALID_FRESH);
        right = right.min(started.elapsed());
        let started = Instant::now();
        assert_eq!(hasher.verify("x", &hash).await.expect("verify"), PasswordVerification::Invalid);
        wrong = wrong.min(started.elapsed());
    }
    assert!(wrong * 4 >= right && right * 4 >= wrong, "right {right:?} vs wrong {wrong:?}");
}

/// Hashing and verifying leave the executor free: another task on the same (current-thread) runtime keeps
/// running while they work.
pub async fn work_runs_off_the_executor(hasher: &dyn PasswordHasher) {
    let (spins, stop) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicBool::new(false)));
    let spinner = tokio::spawn({
        let (spins, stop) = (Arc::clone(&spins), Arc::clone(&stop));
        async move {
            while !stop.load(Ordering::Acquire) {
                spins.fetch_add(1, Ordering::AcqRel);
                tokio::task::yield_now().await;
            }
        }
    });
    while spins.load(Ordering::Acquire) == 0 {
        tokio::task::yield_now().await;
    }

    let before = spins.load(Ordering::Acquire);
    let hash = hasher.hash(&password(BCRYPT_PASSWORD)).await.expect("hash");
    let during_hash = spins.load(Ordering::Acquire) - before;

    let before = spins.load(Ordering::Acquire);
    assert_eq!(hasher.verify(BCRYPT_PASSWORD, &hash).await.expect("verify"), VALID_FRESH);
    let during_verify = spins.load(Ordering::Acquire) - before;

    stop.store(true, Ordering::Release);
    spinner.await.expect("spinner");
    assert!(during_hash > 0, "the runtime was blocked while hashing");
    assert!(during_verify > 0, "the runtime was blocked while verifying");
}

/// Expands to one `#[tokio::test]` per check of the password hasher contract; `$make` builds a hasher (any
/// expression evaluating to a future of something that derefs to a `PasswordHasher`).
#[macro_export]
macro_rules! password_suite {
    ($make:expr) => {
        mod password_contract {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn hash_then_verify_round_trips() {
                let hasher = $make.await;
                $crate::password::hash_then_verify_round_trips(&*hasher).await;
            }

            #[tokio::test]
            async fn wrong_passwords_are_invalid() {
                let hasher = $make.await;
                $crate::password::wrong_passwords_are_invalid(&*hasher).await;
            }

            #[tokio::test]
            async fn two_hashes_of_one_password_differ() {
                let hasher = $make.await;
                $crate::password::two_hashes_of_one_password_differ(&*hasher).await;
            }

            #[tokio::test]
            async fn legacy_bcrypt_hashes_verify_and_need_rehash() {
                let hasher = $make.await;
                $crate::password::legacy_bcrypt_hashes_verify_and_need_rehash(&*hasher).await;
            }

            #[tokio::test]
            async fn malformed_hashes_are_invalid() {
                let hasher = $make.await;
                $crate::password::malformed_hashes_are_invalid(&*hasher).await;
            }

            #[tokio::test]
            async fn verify_takes_comparable_time_either_way() {
                let hasher = $make.await;
                $crate::password::verify_takes_comparable_time_either_way(&*hasher).await;
            }

            #[tokio::test]
            async fn work_runs_off_the_executor() {
                let hasher = $make.await;
                $crate::password::work_runs_off_the_executor(&*hasher).await;
            }
        }
    };
}
