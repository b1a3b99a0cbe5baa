//! PASERK keys for access tokens: generating, parsing with errors that say what is wrong, key ids, and the
//! well-known development key that production must refuse.
//!
//! Errors name the config slot and the kind of PASERK found, never the key material itself.

use pasetors::keys::{AsymmetricKeyPair, AsymmetricPublicKey, AsymmetricSecretKey, Generate};
use pasetors::paserk::{FormatAsPaserk, Id};
use pasetors::version4::V4;
use std::fmt;

/// The signing key of development and test configs (`configs/default.json`). It is public, so anyone can
/// mint tokens with it: production config MUST refuse it (see [`is_dev_key`]).
pub const DEV_SECRET_KEY: &str =
    "k4.secret.fB2noqoGxm1O8zpYXK_PxCZt5zsVMxMoy3e_ELzK0kPAOkOkysUYu2DomWv380d5q5wgAqteQ8o6nq0Vas3Djw";

const SECRET_HEADER: &str = "k4.secret";
const PUBLIC_HEADER: &str = "k4.public";
/// PASERK types, so that a key of the wrong type is reported as such rather than as gibberish.
const PASERK_TYPES: [&str; 11] =
    ["local", "public", "secret", "lid", "pid", "sid", "local-wrap", "secret-wrap", "local-pw", "secret-pw", "seal"];

/// Which configured key an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySlot {
    /// `auth.token_secret_key`.
    Secret,
    /// `auth.previous_public_keys[i]`.
    PreviousPublic(usize),
}

impl fmt::Display for KeySlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Secret => f.write_str("token secret key"),
            Self::PreviousPublic(i) => write!(f, "previous public key #{i}"),
        }
    }
}

/// A configured key that cannot be used; start-up reports it and stops.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not shaped like a PASERK string at all.
    #[error("{slot} is not a PASERK string; expected `{expected}.…`")]
    NotPaserk {
        /// Which key.
        slot: KeySlot,
        /// The PASERK header wanted, e.g. `k4.secret`.
        expected: &'static str,
    },
    /// A PASERK of another version or type, e.g. a `k4.public` key where the secret belongs.
    #[error("{slot} is a `{found}` PASERK; expected `{expected}`")]
    WrongType {
        /// Which key.
        slot: KeySlot,
        /// The header found, e.g. `k4.local` (the header only, never key material).
        found: String,
        /// The PASERK header wanted.
        expected: &'static str,
    },
    /// Right header, but the key bytes are not valid base64url of the right length.
    #[error("{slot} has a `{expected}` header but malformed key data (bad base64url or wrong length)")]
    Malformed {
        /// Which key.
        slot: KeySlot,
        /// The PASERK header wanted.
        expected: &'static str,
    },
    /// A secret key whose embedded public half does not match its seed: corrupted or hand-edited.
    #[error("{slot} is inconsistent: its public half does not belong to its seed")]
    Inconsistent {
        /// Which key.
        slot: KeySlot,
    },
}

/// A fresh Ed25519 signing key as PASERK `k4.secret.…`, for `exchange keygen` and tests.
///
/// Panics only if the operating system cannot provide randomness, in which case nothing else would work.
pub fn generate_secret_key() -> String {
    let pair = AsymmetricKeyPair::<V4>::generate().expect("OS random number generator failed");
    paserk(&pair.secret)
}

/// The PASERK `k4.public.…` key that verifies tokens signed by `secret`, for the next rotation's
/// `previous_public_keys`.
pub fn public_key_of(secret: &str) -> Result<String, KeyError> {
    let secret = parse_secret(secret, KeySlot::Secret)?;
    Ok(paserk(&public_half(&secret)))
}

/// True for the published development key, which production config refuses.
pub fn is_dev_key(secret: &str) -> bool {
    secret.trim() == DEV_SECRET_KEY
}

pub(crate) fn parse_secret(s: &str, slot: KeySlot) -> Result<AsymmetricSecretKey<V4>, KeyError> {
    check_header(s, slot, SECRET_HEADER)?;
    AsymmetricSecretKey::<V4>::try_from(s).map_err(|e| match e {
        // `Key` is what pasetors reports when the public half does not match the seed.
        pasetors::errors::Error::Key => KeyError::Inconsistent { slot },
        _ => KeyError::Malformed { slot, expected: SECRET_HEADER },
    })
}

pub(crate) fn parse_public(s: &str, slot: KeySlot) -> Result<AsymmetricPublicKey<V4>, KeyError> {
    check_header(s, slot, PUBLIC_HEADER)?;
    AsymmetricPublicKey::<V4>::try_from(s).map_err(|_| KeyError::Malformed { slot, expected: PUBLIC_HEADER })
}

pub(crate) fn public_half(secret: &AsymmetricSecretKey<V4>) -> AsymmetricPublicKey<V4> {
    AsymmetricPublicKey::<V4>::try_from(secret).expect("a parsed v4 secret key always holds its public half")
}

/// PASERK `k4.pid.…` of a public key: what token footers carry as `kid`.
pub(crate) fn key_id(public: &AsymmetricPublicKey<V4>) -> String {
    paserk(&Id::from(public))
}

fn paserk(key: &dyn FormatAsPaserk) -> String {
    let mut out = String::new();
    key.fmt(&mut out).expect("writing to a String cannot fail");
    out
}

fn check_header(s: &str, slot: KeySlot, expected: &'static str) -> Result<(), KeyError> {
    let mut parts = s.splitn(3, '.');
    let (version, kind) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if parts.next().is_none() {
        return Err(KeyError::NotPaserk { slot, expected });
    }
    let known_version = matches!(version, "k1" | "k2" | "k3" | "k4");
    if !known_version || !PASERK_TYPES.contains(&kind) {
        return Err(KeyError::NotPaserk { slot, expected });
    }
    let found = format!("{version}.{kind}");
    if found != expected {
        return Err(KeyError::WrongType { slot, found, expected });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_and_differ() {
        let (a, b) = (generate_secret_key(), generate_secret_key());
        assert_ne!(a, b);
        assert!(a.starts_with("k4.secret."));
        assert!(parse_secret(&a, KeySlot::Secret).is_ok());
        assert!(!is_dev_key(&a));
    }

    #[test]
    fn the_public_key_matches_the_secret() {
        let secret = generate_secret_key();
        let public = public_key_of(&secret).unwrap();
        assert!(public.starts_with("k4.public."), "{public}");
        let parsed = parse_public(&public, KeySlot::PreviousPublic(0)).unwrap();
        assert_eq!(parsed, public_half(&parse_secret(&secret, KeySlot::Secret).unwrap()));
        assert_ne!(public_key_of(&generate_secret_key()).unwrap(), public);
    }

    #[test]
    fn key_ids_are_paserk_pids() {
        let public = public_half(&parse_secret(&generate_secret_key(), KeySlot::Secret).unwrap());
        let kid = key_id(&public);
        assert!(kid.starts_with("k4.pid."), "{kid}");
        assert_eq!(kid.len(), "k4.pid.".len() + 44);
    }

    #[test]
    fn the_dev_key_is_valid_recognized_and_in_the_default_config() {
        assert!(public_key_of(DEV_SECRET_KEY).is_ok());
        assert!(is_dev_key(DEV_SECRET_KEY));
        assert!(is_dev_key(&format!(" {DEV_SECRET_KEY}\n")));
        let config: serde_json::Value =
            serde_json::from_str(include_str!("../../../configs/default.json")).expect("default.json parses");
        assert_eq!(config["auth"]["token_secret_key"], DEV_SECRET_KEY);
    }

    #[test]
    fn bad_keys_say_what_is_wrong() {
        let secret = generate_secret_key();
        let public = public_key_of(&secret).unwrap();
        let s = KeySlot::Secret;
        assert_eq!(
            parse_secret("k4.secret.DEV-PLACEHOLDER", s).unwrap_err(),
            KeyError::Malformed { slot: s, expected: "k4.secret" }
        );
        assert_eq!(
            parse_secret(&public, s).unwrap_err(),
            KeyError::WrongType { slot: s, found: "k4.public".into(), expected: "k4.secret" }
        );
        assert_eq!(
            parse_secret(&secret.replace("k4.", "k2."), s).unwrap_err(),
            KeyError::WrongType { slot: s, found: "k2.secret".into(), expected: "k4.secret" }
        );
        assert_eq!(parse_secret("", s).unwrap_err(), KeyError::NotPaserk { slot: s, expected: "k4.secret" });
        let raw = secret.trim_start_matches("k4.secret.");
        assert_eq!(parse_secret(raw, s).unwrap_err(), KeyError::NotPaserk { slot: s, expected: "k4.secret" });

        // Swap the public half for another key's: well-formed but inconsistent.
        let other = generate_secret_key();
        let (seed_of, half_of) = (&secret["k4.secret.".len()..], &other["k4.secret.".len()..]);
        let mut bytes = base64_decode(seed_of);
        bytes[32..].copy_from_slice(&base64_decode(half_of)[32..]);
        let mixed = format!("k4.secret.{}", base64_encode(&bytes));
        assert_eq!(parse_secret(&mixed, s).unwrap_err(), KeyError::Inconsistent { slot: s });

        let p = KeySlot::PreviousPublic(2);
        assert_eq!(
            parse_public(&secret, p).unwrap_err(),
            KeyError::WrongType { slot: p, found: "k4.secret".into(), expected: "k4.public" }
        );
        assert_eq!(
            parse_public("k4.public.AAAA", p).unwrap_err(),
            KeyError::Malformed { slot: p, expected: "k4.public" }
        );
        let message = parse_public(&secret, p).unwrap_err().to_string();
        assert_eq!(message, "previous public key #2 is a `k4.secret` PASERK; expected `k4.public`");
        assert!(!message.contains(&secret[10..]), "never echoes key material");
    }

    fn base64_decode(s: &str) -> Vec<u8> {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).unwrap()
    }

    fn base64_encode(bytes: &[u8]) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }
}
