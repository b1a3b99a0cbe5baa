//! Opaque refresh tokens: 32 random bytes as unpadded base64url, stored only as the SHA-256 of the string.
//!
//! Malformed input is refused before hashing, so junk never reaches the session store as a lookup key.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::session::TokenHash;
use rand::RngCore;
use sha2::{Digest, Sha256};

const RANDOM_BYTES: usize = 32;
/// Length of 32 bytes in unpadded base64url.
pub(crate) const TOKEN_LEN: usize = 43;

/// A fresh refresh token for the client and the hash the session store keeps instead of it.
pub fn new_refresh_token() -> (String, TokenHash) {
    let mut bytes = [0u8; RANDOM_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = digest(&token);
    (token, hash)
}

/// The store key of a presented refresh token, or `None` when it cannot be one of ours.
pub fn hash_refresh_token(presented: &str) -> Option<TokenHash> {
    is_refresh_token_shaped(presented).then(|| digest(presented))
}

/// Exactly the strings [`new_refresh_token`] can produce: 43 base64url characters encoding 32 bytes
/// (the last character's unused bits zero).
pub(crate) fn is_refresh_token_shaped(s: &str) -> bool {
    s.len() == TOKEN_LEN
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && URL_SAFE_NO_PAD.decode(s).is_ok_and(|bytes| bytes.len() == RANDOM_BYTES)
}

fn digest(token: &str) -> TokenHash {
    TokenHash(Sha256::digest(token.as_bytes()).into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn tokens_are_43_base64url_chars_and_hash_to_their_sha256() {
        let (token, hash) = new_refresh_token();
        assert_eq!(token.len(), 43);
        assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{token}");
        assert_eq!(hash, digest(&token));
        assert_eq!(hash_refresh_token(&token), Some(hash));
        // Independently computed: SHA-256 of the ASCII string, not of the decoded bytes.
        let expected: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        assert_eq!(hash.0, expected);
        assert_ne!(hash.0, <[u8; 32]>::from(Sha256::digest(URL_SAFE_NO_PAD.decode(&token).unwrap())));
    }

    #[test]
    fn a_known_token_hashes_to_a_known_value() {
        // 32 zero bytes; the hash is `printf %s AAAA…A | sha256sum`.
        let token = "A".repeat(43);
        assert_eq!(
            hash_refresh_token(&token).unwrap().to_hex(),
            "0f007385b6f9d4b7eeb2748605afe1a984a0a3bfa3f014d09e2a784ce9e5cd1a"
        );
    }

    #[test]
    fn tokens_do_not_repeat() {
        let tokens: std::collections::HashSet<_> = (0..1000).map(|_| new_refresh_token().0).collect();
        assert_eq!(tokens.len(), 1000);
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let (good, _) = new_refresh_token();
        for bad in [
            String::new(),
            good[..42].to_owned(),
            format!("{good}A"),
            format!("{good}="),
            format!("{}+", &good[..42]),
            format!("{}/", &good[..42]),
            format!("{} ", &good[..42]),
            format!("{}é", &good[..41]),
            // 'B' sets one of the two unused low bits of the last character: not a canonical encoding.
            format!("{}B", "A".repeat(42)),
            "v4.public.eyJzdWIiOiIxIn0".to_owned(),
        ] {
            assert_eq!(hash_refresh_token(&bad), None, "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn any_string_not_of_43_chars_is_refused(s in "\\PC{0,100}") {
            prop_assume!(s.len() != 43);
            prop_assert_eq!(hash_refresh_token(&s), None);
        }

        #[test]
        fn any_32_bytes_round_trip(bytes in proptest::array::uniform32(any::<u8>())) {
            let token = URL_SAFE_NO_PAD.encode(bytes);
            prop_assert_eq!(hash_refresh_token(&token), Some(digest(&token)));
        }
    }
}

/// The [`RefreshTokens`](domain::session::RefreshTokens) port over [`new_refresh_token`] and
/// [`hash_refresh_token`], for use cases that mint and check refresh tokens.
#[derive(Clone, Copy, Debug, Default)]
pub struct OpaqueRefreshTokens;

impl domain::session::RefreshTokens for OpaqueRefreshTokens {
    fn mint(&self) -> (String, TokenHash) {
        new_refresh_token()
    }

    fn hash(&self, token: &str) -> Option<TokenHash> {
        hash_refresh_token(token)
    }
}

#[cfg(test)]
mod port_tests {
    use super::*;
    use domain::session::RefreshTokens;

    #[test]
    fn minted_tokens_hash_to_their_hash_and_differ() {
        let port = OpaqueRefreshTokens;
        let (a, ha) = port.mint();
        let (b, _) = port.mint();
        assert_ne!(a, b);
        assert_eq!(port.hash(&a), Some(ha));
        assert_eq!(port.hash("not a token"), None);
    }
}
