//! Password hashing with argon2id (PHC strings), verifying legacy bcrypt hashes from the Go platform too.
//!
//! Every hash and verify runs on the blocking pool behind a [`BlockingGate`]; nothing here may run argon2 or
//! bcrypt on an async worker, and nothing here may log or print a password or a hash.

use crate::blocking_gate::BlockingGate;
use argon2::password_hash::phc::PasswordHash as PhcHash;
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use async_trait::async_trait;
use domain::InfraError;
use domain::user::{Password, PasswordHash, PasswordHasher, PasswordVerification};

/// Name of this backend in `InfraError`s and the readiness report.
pub const BACKEND: &str = "password_hasher";

/// Stored hashes asking for more memory than this (KiB, 4 GiB) are treated as corrupt: honouring them could
/// abort the process on allocation failure.
const MAX_MEMORY_KIB: u32 = 4 * 1024 * 1024;
/// Stored hashes asking for more passes than this are treated as corrupt: honouring them would tie up a
/// hashing slot for minutes.
const MAX_ITERATIONS: u32 = 256;
/// Outputs and salts shorter than these are weaker than what [`Argon2Hasher::hash`] writes.
const MIN_OUTPUT_LEN: usize = Params::DEFAULT_OUTPUT_LEN;
const MIN_SALT_LEN: usize = 16;

/// Cost and concurrency of password hashing; the `auth.argon2_*` and `auth.hash_*` config keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HasherOptions {
    /// Argon2id memory cost in KiB (OWASP: 19456).
    pub memory_kib: u32,
    /// Argon2id passes (OWASP: 2).
    pub iterations: u32,
    /// Argon2id lanes (OWASP: 1).
    pub parallelism: u32,
    /// Hashes computed at once; 0 means one per CPU.
    pub max_concurrent: usize,
    /// Hashes allowed to wait for a slot; past that callers get `InfraError::Unavailable`.
    pub max_queue: usize,
}

impl Default for HasherOptions {
    /// OWASP's argon2id recommendation, one hash per CPU, 256 waiting.
    fn default() -> Self {
        Self { memory_kib: 19_456, iterations: 2, parallelism: 1, max_concurrent: 0, max_queue: 256 }
    }
}

/// Hasher options that cannot work; names the option so start-up can say which config key is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HasherConfigError {
    /// An argon2 cost outside what argon2 accepts or this adapter is willing to verify.
    #[error("argon2 {option} = {value} is out of range: {rule}")]
    OutOfRange {
        /// `memory_kib`, `iterations` or `parallelism`.
        option: &'static str,
        /// The refused value.
        value: u32,
        /// What the value must satisfy.
        rule: &'static str,
    },
}

/// argon2id hasher with bounded, off-executor concurrency.
#[derive(Debug)]
pub struct Argon2Hasher {
    params: Params,
    gate: BlockingGate,
}

impl Argon2Hasher {
    /// Checks the options once, so a bad config stops start-up instead of failing every login.
    pub fn new(options: HasherOptions) -> Result<Self, HasherConfigError> {
        let out_of_range = |option, value, rule| HasherConfigError::OutOfRange { option, value, rule };
        if options.parallelism == 0 || options.parallelism > Params::MAX_P_COST {
            return Err(out_of_range("parallelism", options.parallelism, "must be between 1 and 16777215"));
        }
        if options.iterations == 0 || options.iterations > MAX_ITERATIONS {
            return Err(out_of_range("iterations", options.iterations, "must be between 1 and 256"));
        }
        if options.memory_kib < options.parallelism.saturating_mul(8) || options.memory_kib > MAX_MEMORY_KIB {
            return Err(out_of_range(
                "memory_kib",
                options.memory_kib,
                "must be at least 8 × parallelism and at most 4194304 (4 GiB)",
            ));
        }
        let params = Params::new(options.memory_kib, options.iterations, options.parallelism, None)
            .map_err(|_| out_of_range("memory_kib", options.memory_kib, "argon2 refused the combination of costs"))?;
        Ok(Self { params, gate: BlockingGate::new(BACKEND, options.max_concurrent, options.max_queue) })
    }

    /// Hashes computed at once, after resolving 0 to the CPU count.
    pub fn max_concurrent(&self) -> usize {
        self.gate.max_concurrent()
    }
}

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, InfraError> {
        let params = self.params.clone();
        let plain = password.expose().to_owned();
        let phc = self
            .gate
            .run(move || Argon2::new(Algorithm::Argon2id, Version::V0x13, params).hash_password(plain.as_bytes()))
            .await?
            .map_err(|e| InfraError::unexpected(BACKEND, e))?;
        Ok(PasswordHash::new(phc.to_string()))
    }

    async fn verify(&self, candidate: &str, hash: &PasswordHash) -> Result<PasswordVerification, InfraError> {
        let wanted = self.params.clone();
        let candidate = candidate.to_owned();
        let stored = hash.clone();
        self.gate.run(move || verify_blocking(&wanted, candidate.as_bytes(), &stored)).await
    }
}

/// The whole verification, run on the blocking pool. Anything unparseable is `Invalid`, never an error.
fn verify_blocking(wanted: &Params, candidate: &[u8], stored: &PasswordHash) -> PasswordVerification {
    if stored.is_bcrypt() {
        // bcrypt::verify truncates at 72 bytes, as Go's CompareHashAndPassword effectively does.
        return match bcrypt::verify(candidate, stored.as_str()) {
            Ok(true) => PasswordVerification::Valid { needs_rehash: true },
            Ok(false) | Err(_) => PasswordVerification::Invalid,
        };
    }
    let Ok(phc) = PhcHash::new(stored.as_str()) else {
        return PasswordVerification::Invalid;
    };
    let Ok(stored_params) = Params::try_from(&phc) else {
        return PasswordVerification::Invalid;
    };
    if stored_params.m_cost() > MAX_MEMORY_KIB || stored_params.t_cost() > MAX_ITERATIONS {
        tracing::warn!(backend = BACKEND, "stored argon2 hash has implausible costs; treated as invalid");
        return PasswordVerification::Invalid;
    }
    // The verifier takes algorithm, version and costs from the stored hash, not from `Argon2::default()`.
    match Argon2::default().verify_password(candidate, &phc) {
        Ok(()) => PasswordVerification::Valid { needs_rehash: is_weaker(&phc, &stored_params, wanted) },
        Err(_) => PasswordVerification::Invalid,
    }
}

/// True when the stored hash is not argon2id v19 or falls short of the configured costs in any respect.
fn is_weaker(phc: &PhcHash, stored: &Params, wanted: &Params) -> bool {
    phc.algorithm.as_str() != Algorithm::Argon2id.as_str()
        || phc.version != Some(Version::V0x13.into())
        || stored.m_cost() < wanted.m_cost()
        || stored.t_cost() < wanted.t_cost()
        || stored.p_cost() < wanted.p_cost()
        || phc.hash.as_ref().is_none_or(|h| h.len() < MIN_OUTPUT_LEN)
        || phc.salt.as_ref().is_none_or(|s| s.len() < MIN_SALT_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    /// Cheap costs for checks that are about behaviour, not strength.
    fn cheap() -> HasherOptions {
        HasherOptions { memory_kib: 1024, iterations: 1, parallelism: 1, ..HasherOptions::default() }
    }

    fn password() -> Password {
        Password::parse("correct-horse-battery-staple", &[]).unwrap()
    }

    /// A PHC string for `password` made directly with the given algorithm and costs.
    fn phc_with(algorithm: Algorithm, m: u32, t: u32, p: u32) -> PasswordHash {
        let params = Params::new(m, t, p, None).unwrap();
        let phc = Argon2::new(algorithm, Version::V0x13, params).hash_password(password().expose().as_bytes()).unwrap();
        PasswordHash::new(phc.to_string())
    }

    adapter_contracts::password_suite!(async {
        Arc::new(Argon2Hasher::new(HasherOptions { max_concurrent: 2, ..cheap() }).unwrap())
    });

    mod owasp_costs {
        use super::*;
        adapter_contracts::password_suite!(async { Arc::new(Argon2Hasher::new(HasherOptions::default()).unwrap()) });
    }

    #[test]
    fn defaults_are_owasp() {
        let o = HasherOptions::default();
        assert_eq!((o.memory_kib, o.iterations, o.parallelism), (19_456, 2, 1));
    }

    #[tokio::test]
    async fn hashes_are_argon2id_with_the_configured_costs() {
        let hasher =
            Argon2Hasher::new(HasherOptions { memory_kib: 2048, iterations: 3, parallelism: 2, ..cheap() }).unwrap();
        let hash = hasher.hash(&password()).await.unwrap();
        assert!(hash.as_str().starts_with("$argon2id$v=19$m=2048,t=3,p=2$"), "{}", hash.as_str());
    }

    #[tokio::test]
    async fn weaker_stored_costs_need_a_rehash() {
        let hasher =
            Argon2Hasher::new(HasherOptions { memory_kib: 2048, iterations: 2, parallelism: 2, ..cheap() }).unwrap();
        let candidate = password().expose().to_owned();
        let valid = |needs_rehash| PasswordVerification::Valid { needs_rehash };
        for (label, stored, expected) in [
            ("same costs", phc_with(Algorithm::Argon2id, 2048, 2, 2), valid(false)),
            ("stronger costs", phc_with(Algorithm::Argon2id, 4096, 3, 2), valid(false)),
            ("less memory", phc_with(Algorithm::Argon2id, 1024, 2, 2), valid(true)),
            ("fewer passes", phc_with(Algorithm::Argon2id, 2048, 1, 2), valid(true)),
            ("fewer lanes", phc_with(Algorithm::Argon2id, 2048, 2, 1), valid(true)),
            ("argon2i", phc_with(Algorithm::Argon2i, 2048, 2, 2), valid(true)),
            ("argon2d", phc_with(Algorithm::Argon2d, 2048, 2, 2), valid(true)),
        ] {
            assert_eq!(hasher.verify(&candidate, &stored).await.unwrap(), expected, "{label}");
            assert_eq!(hasher.verify("wrong", &stored).await.unwrap(), PasswordVerification::Invalid, "{label}");
        }
    }

    #[tokio::test]
    async fn a_published_argon2id_vector_verifies() {
        // Reference CLI vector (password "password", salt "somesalt"): 8-byte salt, 24-byte output, m=64.
        let stored = PasswordHash::new("$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$ZVrRXqxlLcWfcXCnMyv0m4Rpvh/bnCi7");
        let hasher = Argon2Hasher::new(cheap()).unwrap();
        assert_eq!(
            hasher.verify("password", &stored).await.unwrap(),
            PasswordVerification::Valid { needs_rehash: true },
            "verifies, and its short salt, short output and tiny memory call for a rehash"
        );
        assert_eq!(hasher.verify("passwork", &stored).await.unwrap(), PasswordVerification::Invalid);
    }

    #[tokio::test]
    async fn implausible_stored_costs_are_invalid_without_running() {
        let hasher = Argon2Hasher::new(cheap()).unwrap();
        for stored in [
            "$argon2id$v=19$m=4294967295,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$ZVrRXqxlLcWfcXCnMyv0m4Rpvh/bnCi7ZVrRXqxlLcU",
            "$argon2id$v=19$m=1024,t=4294967295,p=1$c29tZXNhbHRzb21lc2FsdA$ZVrRXqxlLcWfcXCnMyv0m4Rpvh/bnCi7ZVrRXqxlLcU",
        ] {
            let started = Instant::now();
            let outcome = hasher.verify("password", &PasswordHash::new(stored)).await.unwrap();
            assert_eq!(outcome, PasswordVerification::Invalid, "{stored}");
            assert!(started.elapsed() < Duration::from_secs(2), "refused before hashing");
        }
    }

    #[test]
    fn bad_options_name_the_option() {
        let err = |o| Argon2Hasher::new(o).unwrap_err();
        let option_of = |e: HasherConfigError| match e {
            HasherConfigError::OutOfRange { option, .. } => option,
        };
        assert_eq!(option_of(err(HasherOptions { parallelism: 0, ..cheap() })), "parallelism");
        assert_eq!(option_of(err(HasherOptions { iterations: 0, ..cheap() })), "iterations");
        assert_eq!(option_of(err(HasherOptions { iterations: 257, ..cheap() })), "iterations");
        assert_eq!(option_of(err(HasherOptions { memory_kib: 7, ..cheap() })), "memory_kib");
        assert_eq!(option_of(err(HasherOptions { memory_kib: 15, parallelism: 2, ..cheap() })), "memory_kib");
        assert_eq!(option_of(err(HasherOptions { memory_kib: MAX_MEMORY_KIB + 1, ..cheap() })), "memory_kib");
        let message = err(HasherOptions { iterations: 0, ..cheap() }).to_string();
        assert!(message.contains("iterations = 0"), "{message}");
    }

    #[test]
    fn debug_shows_no_secrets() {
        let hasher = Argon2Hasher::new(cheap()).unwrap();
        let shown = format!("{hasher:?}");
        assert!(shown.contains("m_cost: 1024"), "{shown}");
    }

    #[tokio::test]
    async fn a_third_simultaneous_hash_is_refused_with_one_slot_and_one_queued() {
        // Costs high enough that the first hash is still running when the third is polled.
        let hasher =
            Argon2Hasher::new(HasherOptions { max_concurrent: 1, max_queue: 1, ..HasherOptions::default() }).unwrap();
        let p = password();
        let (first, second, third) = tokio::join!(hasher.hash(&p), hasher.hash(&p), hasher.hash(&p));
        assert!(first.is_ok() && second.is_ok(), "running and queued hashes complete");
        match third {
            Err(InfraError::Unavailable { backend, .. }) => assert_eq!(backend, BACKEND),
            other => panic!("expected Unavailable, got {other:?}"),
        }
        assert!(hasher.hash(&p).await.is_ok(), "served again once the queue drained");
    }
}
