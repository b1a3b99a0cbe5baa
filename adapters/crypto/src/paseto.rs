//! Access tokens as PASETO v4.public (Ed25519): signed, not encrypted, checked without I/O on every request.
//!
//! A token binds three purpose markers so that no other token passes for an access token: the `v4.public`
//! header, the implicit assertion [`IMPLICIT_ASSERTION`] (signed but never sent), and the claim
//! `typ: "access"`. The footer names the signing key (`kid`, a PASERK `k4.pid`) so that tokens signed before a
//! key rotation still verify. Time is checked here against the caller's `now`; pasetors' own claim
//! validation is not used because it always reads the wall clock. Nothing here logs a token or a key.

use crate::keys::{self, KeyError, KeySlot};
use crate::refresh_token::is_refresh_token_shaped;
use chrono::{DateTime, SecondsFormat, Utc};
use domain::ids::{SessionId, UserId};
use domain::token::{AccessClaims, TokenError, TokenIssuer};
use domain::user::Role;
use pasetors::keys::{AsymmetricPublicKey, AsymmetricSecretKey};
use pasetors::token::UntrustedToken;
use pasetors::version4::{PublicToken, V4};
use pasetors::{Local, Public};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use uuid::Uuid;

/// Signed into every access token without being sent: a token made for another purpose under the same key
/// fails to verify as an access token.
pub const IMPLICIT_ASSERTION: &[u8] = b"exchange:access:v1";
/// The `typ` claim of access tokens.
pub const TOKEN_TYPE: &str = "access";
/// Ours are ~450 bytes; anything far longer is refused before decoding.
const MAX_TOKEN_LEN: usize = 4096;
/// Ours are ~60 bytes; the footer is parsed before the signature is checked, so keep that cheap.
const MAX_FOOTER_LEN: usize = 512;
/// How far ahead of this instance's clock a token's `nbf` may be. Every instance issues tokens valid from its
/// own `now`; behind a load balancer the next request may land on an instance whose clock is a few seconds
/// behind, and without this margin a fresh login was refused there as `auth.token_not_yet_valid`.
pub const MAX_CLOCK_SKEW_SECS: i64 = 60;

/// What the token's JSON payload holds; times are RFC 3339 to the second.
#[derive(Serialize, Deserialize)]
struct Payload {
    typ: String,
    sub: UserId,
    role: Role,
    sid: SessionId,
    jti: Uuid,
    iat: String,
    nbf: String,
    exp: String,
}

/// The footer: the signing key's PASERK id.
#[derive(Serialize, Deserialize)]
struct Footer {
    kid: String,
}

/// Verified tokens remembered at once. A client reuses its access token for its whole life, so every
/// authenticated request after the first skips the Ed25519 check (about a sixth of `GET /users/me`'s CPU).
const VERIFIED_CACHE_CAPACITY: usize = 65_536;

/// Signs access tokens with the current key and verifies them with it or with any previous public key.
pub struct PasetoIssuer {
    secret: AsymmetricSecretKey<V4>,
    footer: Vec<u8>,
    kid: String,
    verifiers: HashMap<String, AsymmetricPublicKey<V4>>,
    /// SHA-256 of a token whose signature and purpose checked out -> its claims. Time is still checked
    /// against `now` on every call; only authentic tokens get in, and the digest is collision resistant.
    verified: quick_cache::sync::Cache<[u8; 32], AccessClaims>,
    /// Tolerance for issuers whose clocks run ahead of ours: `nbf` may be this far in the future.
    clock_skew: chrono::Duration,
}

impl PasetoIssuer {
    /// `secret` is the PASERK `k4.secret` key that signs; `previous` are PASERK `k4.public` keys of earlier
    /// secrets, still accepted so that a rotation does not sign everybody out.
    pub fn new(secret: &str, previous: &[String]) -> Result<Self, KeyError> {
        let secret = keys::parse_secret(secret, KeySlot::Secret)?;
        let public = keys::public_half(&secret);
        let kid = keys::key_id(&public);
        let mut verifiers = HashMap::new();
        for (i, old) in previous.iter().enumerate() {
            let old = keys::parse_public(old, KeySlot::PreviousPublic(i))?;
            verifiers.insert(keys::key_id(&old), old);
        }
        verifiers.insert(kid.clone(), public);
        let footer = serde_json::to_vec(&Footer { kid: kid.clone() }).expect("footer serializes");
        let verified = quick_cache::sync::Cache::new(VERIFIED_CACHE_CAPACITY);
        let clock_skew = chrono::Duration::seconds(MAX_CLOCK_SKEW_SECS);
        Ok(Self { secret, footer, kid, verifiers, verified, clock_skew })
    }

    /// Replaces the default tolerance of [`MAX_CLOCK_SKEW_SECS`] for `nbf` in the future (zero = strict,
    /// for checks of the bare `TokenIssuer` contract). `exp` is never stretched.
    pub fn with_clock_skew(mut self, skew: chrono::Duration) -> Self {
        self.clock_skew = skew.max(chrono::Duration::zero());
        self
    }

    /// PASERK id of the signing key, safe to log: it identifies the key without revealing it.
    pub fn key_id(&self) -> &str {
        &self.kid
    }

    /// The verification key named by an untrusted footer, if it is one of ours.
    fn key_for(&self, footer: &[u8]) -> Option<&AsymmetricPublicKey<V4>> {
        if footer.is_empty() || footer.len() > MAX_FOOTER_LEN {
            return None;
        }
        let footer: Footer = serde_json::from_slice(footer).ok()?;
        self.verifiers.get(&footer.kid)
    }
}

impl fmt::Debug for PasetoIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasetoIssuer").field("kid", &self.kid).field("accepted_keys", &self.verifiers.len()).finish()
    }
}

impl TokenIssuer for PasetoIssuer {
    fn issue(&self, claims: &AccessClaims) -> Result<String, TokenError> {
        let payload = Payload {
            typ: TOKEN_TYPE.to_owned(),
            sub: claims.sub,
            role: claims.role,
            sid: claims.sid,
            jti: claims.jti,
            iat: rfc3339(claims.iat),
            nbf: rfc3339(claims.nbf),
            exp: rfc3339(claims.exp),
        };
        let payload = serde_json::to_vec(&payload).expect("claims serialize");
        // Signing fails only for an empty payload or an invalid key, both ruled out above; the port has no
        // internal-error variant, so `Invalid` stands for "cannot be made".
        PublicToken::sign(&self.secret, &payload, Some(&self.footer), Some(IMPLICIT_ASSERTION))
            .map_err(|_| TokenError::Invalid)
    }

    fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<AccessClaims, TokenError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(TokenError::Invalid);
        }
        if !token.starts_with(PublicToken::HEADER) {
            return Err(classify_foreign(token));
        }
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let claims = match self.verified.get(&digest) {
            Some(claims) => claims,
            None => {
                let claims = self.verify_signature(token)?;
                self.verified.insert(digest, claims.clone());
                claims
            }
        };
        if now + self.clock_skew < claims.nbf {
            return Err(TokenError::NotYetValid);
        }
        if now >= claims.exp {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

impl PasetoIssuer {
    /// Signature, key and purpose checks: the expensive part of `verify`, done once per token.
    fn verify_signature(&self, token: &str) -> Result<AccessClaims, TokenError> {
        let untrusted = UntrustedToken::<Public, V4>::try_from(token).map_err(|_| TokenError::Invalid)?;
        let key = self.key_for(untrusted.untrusted_footer()).ok_or(TokenError::Invalid)?;
        let trusted = PublicToken::verify(key, &untrusted, None, Some(IMPLICIT_ASSERTION)).map_err(|_| {
            // Signed by our key without our implicit assertion: genuine, but made for something else.
            match PublicToken::verify(key, &untrusted, None, None) {
                Ok(_) => TokenError::WrongPurpose,
                Err(_) => TokenError::Invalid,
            }
        })?;
        decode(trusted.payload())
    }
}

/// A string that is not a v4.public token: a well-formed token of another kind is `WrongPurpose`, anything
/// else `Invalid`.
fn classify_foreign(token: &str) -> TokenError {
    let local = token.starts_with(pasetors::version4::LocalToken::HEADER)
        && UntrustedToken::<Local, V4>::try_from(token).is_ok();
    if local || is_refresh_token_shaped(token) { TokenError::WrongPurpose } else { TokenError::Invalid }
}

/// Claims from a payload signed by one of our keys.
fn decode(payload: &str) -> Result<AccessClaims, TokenError> {
    let value: serde_json::Value = serde_json::from_str(payload).map_err(|_| TokenError::Invalid)?;
    if value.get("typ").and_then(serde_json::Value::as_str) != Some(TOKEN_TYPE) {
        return Err(TokenError::WrongPurpose);
    }
    let p: Payload = serde_json::from_value(value).map_err(|_| TokenError::Invalid)?;
    Ok(AccessClaims {
        sub: p.sub,
        role: p.role,
        sid: p.sid,
        jti: p.jti,
        iat: parse_time(&p.iat)?,
        nbf: parse_time(&p.nbf)?,
        exp: parse_time(&p.exp)?,
    })
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn parse_time(s: &str) -> Result<DateTime<Utc>, TokenError> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).map_err(|_| TokenError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{DEV_SECRET_KEY, generate_secret_key, public_key_of};
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use chrono::{Duration, TimeZone};
    use serde_json::json;
    use std::sync::Arc;

    adapter_contracts::tokens_suite!(async {
        Arc::new(PasetoIssuer::new(&generate_secret_key(), &[]).unwrap().with_clock_skew(Duration::zero()))
    });

    fn at(y: i32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, 6, 1, 12, 0, 0).unwrap()
    }

    fn claims(iat: DateTime<Utc>, ttl: Duration) -> AccessClaims {
        AccessClaims {
            sub: UserId::new(),
            role: Role::Admin,
            sid: SessionId::new(),
            jti: Uuid::now_v7(),
            iat,
            nbf: iat,
            exp: iat + ttl,
        }
    }

    /// Regression: a token issued by an instance whose clock runs a few seconds ahead was refused by the
    /// others as not yet valid. Up to a minute ahead is accepted; beyond that, and past `exp`, it is not.
    #[test]
    fn a_token_from_a_clock_up_to_a_minute_ahead_is_accepted() {
        let issuer = PasetoIssuer::new(&generate_secret_key(), &[]).unwrap();
        let c = claims(at(2030), Duration::minutes(15));
        let token = issuer.issue(&c).unwrap();
        for behind in [1, 5, 30, MAX_CLOCK_SKEW_SECS] {
            assert_eq!(issuer.verify(&token, at(2030) - Duration::seconds(behind)), Ok(c.clone()), "{behind} s");
        }
        let too_far = at(2030) - Duration::seconds(MAX_CLOCK_SKEW_SECS + 1);
        assert_eq!(issuer.verify(&token, too_far), Err(TokenError::NotYetValid));
        assert_eq!(issuer.verify(&token, c.exp), Err(TokenError::Expired), "the margin never extends exp");
        let strict = PasetoIssuer::new(&generate_secret_key(), &[]).unwrap().with_clock_skew(Duration::zero());
        let token = strict.issue(&c).unwrap();
        assert_eq!(strict.verify(&token, at(2030) - Duration::seconds(1)), Err(TokenError::NotYetValid));
    }

    #[test]
    fn a_remembered_token_still_expires_and_a_tampered_one_is_still_refused() {
        let issuer = PasetoIssuer::new(&generate_secret_key(), &[]).unwrap();
        let c = claims(at(2030), Duration::minutes(15));
        let token = issuer.issue(&c).unwrap();
        assert_eq!(issuer.verify(&token, at(2030) + Duration::minutes(1)), Ok(c.clone()));
        assert_eq!(issuer.verified.len(), 1, "the verified token is remembered");
        assert_eq!(issuer.verify(&token, at(2030) + Duration::minutes(2)), Ok(c.clone()));
        assert_eq!(issuer.verify(&token, at(2030) - Duration::minutes(2)), Err(TokenError::NotYetValid));
        assert_eq!(issuer.verify(&token, at(2030) + Duration::minutes(15)), Err(TokenError::Expired));
        let mut tampered = token.clone().into_bytes();
        let i = tampered.len() - 10;
        tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert_eq!(issuer.verify(&tampered, at(2030) + Duration::minutes(1)), Err(TokenError::Invalid));
        assert_eq!(issuer.verified.len(), 1, "refused tokens are never remembered");
    }

    fn payload_json(c: &AccessClaims) -> serde_json::Value {
        json!({
            "typ": "access", "sub": c.sub, "role": c.role, "sid": c.sid, "jti": c.jti,
            "iat": rfc3339(c.iat), "nbf": rfc3339(c.nbf), "exp": rfc3339(c.exp),
        })
    }

    /// Signs `payload` with `secret` the way a careless or hostile sibling service might.
    fn sign_raw(secret: &str, payload: &serde_json::Value, footer: Option<&[u8]>, implicit: Option<&[u8]>) -> String {
        let key = keys::parse_secret(secret, KeySlot::Secret).unwrap();
        PublicToken::sign(&key, payload.to_string().as_bytes(), footer, implicit).unwrap()
    }

    fn our_footer(secret: &str) -> Vec<u8> {
        PasetoIssuer::new(secret, &[]).unwrap().footer
    }

    #[test]
    fn the_wire_format_is_what_clients_and_other_services_expect() {
        let issuer = PasetoIssuer::new(DEV_SECRET_KEY, &[]).unwrap();
        let c = claims(at(2030) + Duration::milliseconds(750), Duration::minutes(15));
        let token = issuer.issue(&c).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(&parts[..2], ["v4", "public"]);
        let footer: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[3]).unwrap()).unwrap();
        assert_eq!(footer, json!({ "kid": issuer.key_id() }));
        assert!(issuer.key_id().starts_with("k4.pid."));
        let body = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        let payload: serde_json::Value = serde_json::from_slice(&body[..body.len() - 64]).unwrap();
        assert_eq!(payload["typ"], "access");
        assert_eq!(payload["role"], "admin");
        assert_eq!(payload["sub"], c.sub.to_string());
        assert_eq!(payload["iat"], "2030-06-01T12:00:00Z", "RFC 3339, whole seconds, UTC");
        assert_eq!(payload["exp"], "2030-06-01T12:15:00Z");
    }

    #[test]
    fn the_wall_clock_plays_no_part() {
        // pasetors' claim validation would call these expired (2001) or not yet valid (2100) today.
        let issuer = PasetoIssuer::new(&generate_secret_key(), &[]).unwrap();
        for year in [2001, 2100] {
            let c = claims(at(year), Duration::minutes(15));
            let token = issuer.issue(&c).unwrap();
            assert_eq!(issuer.verify(&token, at(year) + Duration::minutes(1)), Ok(c.clone()), "{year}");
        }
    }

    #[test]
    fn previous_keys_still_verify_after_a_rotation() {
        let (old_secret, new_secret) = (generate_secret_key(), generate_secret_key());
        let old = PasetoIssuer::new(&old_secret, &[]).unwrap();
        let rotated = PasetoIssuer::new(&new_secret, &[public_key_of(&old_secret).unwrap()]).unwrap();
        let c = claims(at(2030), Duration::minutes(15));
        let now = at(2030) + Duration::minutes(1);

        assert_eq!(rotated.verify(&old.issue(&c).unwrap(), now), Ok(c.clone()), "old tokens still pass");
        assert_eq!(rotated.verify(&rotated.issue(&c).unwrap(), now), Ok(c.clone()));
        assert_eq!(old.verify(&rotated.issue(&c).unwrap(), now), Err(TokenError::Invalid), "not the reverse");
        let dropped = PasetoIssuer::new(&new_secret, &[]).unwrap();
        assert_eq!(dropped.verify(&old.issue(&c).unwrap(), now), Err(TokenError::Invalid), "once dropped");
    }

    #[test]
    fn our_key_signing_something_else_is_the_wrong_purpose() {
        let secret = generate_secret_key();
        let issuer = PasetoIssuer::new(&secret, &[]).unwrap();
        let c = claims(at(2030), Duration::minutes(15));
        let now = at(2030) + Duration::minutes(1);
        let footer = our_footer(&secret);
        let access = payload_json(&c);
        let mut refresh = access.clone();
        refresh["typ"] = json!("refresh");
        let mut untyped = access.clone();
        untyped.as_object_mut().unwrap().remove("typ");

        for (label, token) in [
            ("no implicit assertion", sign_raw(&secret, &access, Some(&footer), None)),
            ("typ refresh", sign_raw(&secret, &refresh, Some(&footer), Some(IMPLICIT_ASSERTION))),
            ("no typ", sign_raw(&secret, &untyped, Some(&footer), Some(IMPLICIT_ASSERTION))),
        ] {
            assert_eq!(issuer.verify(&token, now), Err(TokenError::WrongPurpose), "{label}");
        }
        // A non-empty assertion other than ours cannot be told from a forgery without knowing it.
        let other_assertion = sign_raw(&secret, &access, Some(&footer), Some(b"exchange:refresh:v1"));
        assert_eq!(issuer.verify(&other_assertion, now), Err(TokenError::Invalid));
        assert_eq!(
            issuer.verify(&sign_raw(&secret, &access, Some(&footer), Some(IMPLICIT_ASSERTION)), now),
            Ok(c),
            "the same token with all three markers passes"
        );
    }

    #[test]
    fn tokens_without_a_known_kid_are_invalid() {
        let secret = generate_secret_key();
        let issuer = PasetoIssuer::new(&secret, &[]).unwrap();
        let c = claims(at(2030), Duration::minutes(15));
        let now = at(2030) + Duration::minutes(1);
        let access = payload_json(&c);
        let other_kid =
            serde_json::to_vec(&json!({ "kid": PasetoIssuer::new(&generate_secret_key(), &[]).unwrap().kid })).unwrap();
        for (label, footer) in [
            ("no footer", None),
            ("footer without kid", Some(br#"{"key":"x"}"#.to_vec())),
            ("footer not JSON", Some(b"kid".to_vec())),
            ("another key's kid", Some(other_kid)),
        ] {
            let token = sign_raw(&secret, &access, footer.as_deref(), Some(IMPLICIT_ASSERTION));
            assert_eq!(issuer.verify(&token, now), Err(TokenError::Invalid), "{label}");
        }
    }

    #[test]
    fn signed_but_malformed_claims_are_invalid() {
        let secret = generate_secret_key();
        let issuer = PasetoIssuer::new(&secret, &[]).unwrap();
        let c = claims(at(2030), Duration::minutes(15));
        let now = at(2030) + Duration::minutes(1);
        let footer = our_footer(&secret);
        let mut bad_time = payload_json(&c);
        bad_time["exp"] = json!(1_900_000_000);
        let mut bad_role = payload_json(&c);
        bad_role["role"] = json!("root");
        let mut no_sid = payload_json(&c);
        no_sid.as_object_mut().unwrap().remove("sid");
        for (label, payload) in [("numeric exp", bad_time), ("unknown role", bad_role), ("no sid", no_sid)] {
            let token = sign_raw(&secret, &payload, Some(&footer), Some(IMPLICIT_ASSERTION));
            assert_eq!(issuer.verify(&token, now), Err(TokenError::Invalid), "{label}");
        }
    }

    #[test]
    fn edited_claims_and_signatures_are_invalid() {
        let issuer = PasetoIssuer::new(&generate_secret_key(), &[]).unwrap();
        let c = AccessClaims { role: Role::User, ..claims(at(2030), Duration::minutes(15)) };
        let now = at(2030) + Duration::minutes(1);
        let token = issuer.issue(&c).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let body = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        let (payload, signature) = body.split_at(body.len() - 64);
        let reassemble = |payload: &[u8], signature: &[u8]| {
            let body = URL_SAFE_NO_PAD.encode([payload, signature].concat());
            format!("v4.public.{body}.{}", parts[3])
        };
        assert_eq!(issuer.verify(&reassemble(payload, signature), now), Ok(c.clone()), "reassembly is faithful");

        let escalated =
            String::from_utf8(payload.to_vec()).unwrap().replace(r#""role":"user""#, r#""role":"super_admin""#);
        assert!(escalated.contains("super_admin"));
        assert_eq!(issuer.verify(&reassemble(escalated.as_bytes(), signature), now), Err(TokenError::Invalid));

        let later =
            serde_json::to_vec(&payload_json(&AccessClaims { exp: c.exp + Duration::days(365), ..c.clone() })).unwrap();
        assert_eq!(issuer.verify(&reassemble(&later, signature), now), Err(TokenError::Invalid), "extended exp");

        for bit in [0, 7, 255, 511] {
            let mut flipped = signature.to_vec();
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(issuer.verify(&reassemble(payload, &flipped), now), Err(TokenError::Invalid), "bit {bit}");
        }
    }

    #[test]
    fn oversized_tokens_are_refused_before_decoding() {
        let issuer = PasetoIssuer::new(&generate_secret_key(), &[]).unwrap();
        let huge = format!("v4.public.{}", "A".repeat(MAX_TOKEN_LEN));
        assert_eq!(issuer.verify(&huge, at(2030)), Err(TokenError::Invalid));
    }

    #[test]
    fn bad_keys_are_typed_errors_naming_the_slot() {
        let public = public_key_of(&generate_secret_key()).unwrap();
        assert_eq!(
            PasetoIssuer::new("k4.secret.DEV-PLACEHOLDER", &[]).unwrap_err(),
            KeyError::Malformed { slot: KeySlot::Secret, expected: "k4.secret" }
        );
        assert!(matches!(PasetoIssuer::new(&public, &[]).unwrap_err(), KeyError::WrongType { .. }));
        let previous = [public.clone(), "k4.public.nope".to_owned()];
        assert_eq!(
            PasetoIssuer::new(&generate_secret_key(), &previous).unwrap_err(),
            KeyError::Malformed { slot: KeySlot::PreviousPublic(1), expected: "k4.public" }
        );
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let issuer = PasetoIssuer::new(DEV_SECRET_KEY, &[]).unwrap();
        let shown = format!("{issuer:?}");
        assert!(shown.contains(issuer.key_id()), "{shown}");
        assert!(!shown.contains(&DEV_SECRET_KEY["k4.secret.".len()..]));
        assert!(!shown.contains("secret"), "{shown}");
    }
}
