//! Cryptography adapters: argon2id password hashing (verifying the Go platform's bcrypt hashes too), PASETO
//! v4.public access tokens, their PASERK keys, and opaque refresh tokens.
//!
//! Nothing in this crate logs or `Debug`-prints a password, a token or a secret key, and no hashing runs on
//! an async worker.

mod argon2_hasher;
mod blocking_gate;
mod keys;
mod paseto;
mod refresh_token;

pub use argon2_hasher::{Argon2Hasher, BACKEND as PASSWORD_HASHER_BACKEND, HasherConfigError, HasherOptions};
pub use keys::{DEV_SECRET_KEY, KeyError, KeySlot, generate_secret_key, is_dev_key, public_key_of};
pub use paseto::{IMPLICIT_ASSERTION, MAX_CLOCK_SKEW_SECS, PasetoIssuer, TOKEN_TYPE};
pub use refresh_token::{OpaqueRefreshTokens, hash_refresh_token, new_refresh_token};
