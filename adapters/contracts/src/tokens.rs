//! Contract of `domain::token::TokenIssuer`.
//!
//! `nbf..exp` is half-open: a token is valid from `nbf` inclusive to `exp` exclusive. Claims survive a round
//! trip to the second (sub-second parts are dropped).

use chrono::{DateTime, Duration, TimeZone, Timelike, Utc};
use domain::ids::{SessionId, UserId};
use domain::token::{AccessClaims, TokenError, TokenIssuer};
use domain::user::Role;
use uuid::Uuid;

/// A PASETO v4.local token (pasetors' test vector): well formed, but encrypted, not an access token.
pub const V4_LOCAL_TOKEN: &str = "v4.local.32VIErrEkmY4JVILovbmfPXKW9wT1OdQepjMTC_MOtjA4kiqw7_tcaOM5GNEcnTxl60WkwMsYXw6FSNb_UdJPXjpzm0KW9ojM5f4O2mRvE2IcweP-PRdoHjd5-RHCiExR1IK6t4x-RMNXtQNbz7FvFZ_G-lFpk5RG3EOrwDL6CgDqcerSQ.eyJraWQiOiJ6VmhNaVBCUDlmUmYyc25FY1Q3Z0ZUaW9lQTlDT2NOeTlEZmdMMVc2MGhhTiJ9";

/// A PASETO v4.public token signed by the PASETO test-vector key: genuine, but not signed by any key of ours.
pub const FOREIGN_V4_PUBLIC_TOKEN: &str = "v4.public.eyJkYXRhIjoidGhpcyBpcyBhIHNpZ25lZCBtZXNzYWdlIiwiZXhwIjoiMjAyMi0wMS0wMVQwMDowMDowMCswMDowMCJ9v3Jt8mx_TdM2ceTGoqwrh4yDFn0XsHvvV_D0DtwQxVrJEBMl0F2caAdgnpKlt4p7xBnx1HcO-SPo8FPp214HDw.eyJraWQiOiJ6VmhNaVBCUDlmUmYyc25FY1Q3Z0ZUaW9lQTlDT2NOeTlEZmdMMVc2MGhhTiJ9";

/// Shaped like one of our refresh tokens (43 base64url characters), which clients may send by mistake.
pub const REFRESH_TOKEN: &str = "JLcfwJ3oHEaCfCfJ_FRYEeuwgstkQHehsjPoTLpY8mM";

/// An instant with a sub-second part, to show that only whole seconds travel.
fn base() -> DateTime<Utc> {
    Utc.timestamp_opt(1_900_000_000, 987_654_321).unwrap()
}

fn claims(role: Role) -> AccessClaims {
    let iat = base();
    AccessClaims {
        sub: UserId::new(),
        role,
        sid: SessionId::new(),
        jti: Uuid::now_v7(),
        iat,
        nbf: iat,
        exp: iat + Duration::minutes(15),
    }
}

fn to_the_second(c: &AccessClaims) -> AccessClaims {
    let trunc = |t: DateTime<Utc>| t.with_nanosecond(0).unwrap();
    AccessClaims { iat: trunc(c.iat), nbf: trunc(c.nbf), exp: trunc(c.exp), ..c.clone() }
}

/// `verify(issue(c))` is `c` to the second, for every role, from `nbf` up to just before `exp`.
pub async fn issue_then_verify_round_trips(issuer: &dyn TokenIssuer) {
    for role in Role::ALL {
        let c = claims(role);
        let token = issuer.issue(&c).expect("issue");
        let expected = to_the_second(&c);
        for now in [expected.nbf, c.iat + Duration::minutes(7), expected.exp - Duration::seconds(1)] {
            assert_eq!(issuer.verify(&token, now), Ok(expected.clone()), "{role} at {now}");
        }
    }
}

/// From `exp` on, a genuine token is `Expired`.
pub async fn expired_tokens_are_expired(issuer: &dyn TokenIssuer) {
    let c = claims(Role::User);
    let token = issuer.issue(&c).expect("issue");
    let exp = to_the_second(&c).exp;
    for now in [exp, exp + Duration::seconds(1), exp + Duration::days(400)] {
        assert_eq!(issuer.verify(&token, now), Err(TokenError::Expired), "at {now}");
    }
}

/// Before `nbf`, a genuine token is `NotYetValid`, even when issued earlier.
pub async fn early_tokens_are_not_yet_valid(issuer: &dyn TokenIssuer) {
    let c = AccessClaims { nbf: base() + Duration::minutes(1), ..claims(Role::User) };
    let token = issuer.issue(&c).expect("issue");
    let nbf = to_the_second(&c).nbf;
    for now in [nbf - Duration::seconds(1), c.iat, c.iat - Duration::days(1)] {
        assert_eq!(issuer.verify(&token, now), Err(TokenError::NotYetValid), "at {now}");
    }
    assert_eq!(issuer.verify(&token, nbf), Ok(to_the_second(&c)));
}

/// Changing any single character, cutting the token short or extending it makes it `Invalid`: payload,
/// signature, footer and header alike.
pub async fn tampered_tokens_are_invalid(issuer: &dyn TokenIssuer) {
    let c = claims(Role::User);
    let token = issuer.issue(&c).expect("issue");
    let now = c.iat + Duration::minutes(1);
    assert!(issuer.verify(&token, now).is_ok(), "the untouched token verifies");
    let chars: Vec<char> = token.chars().collect();
    for (i, &original) in chars.iter().enumerate() {
        for replacement in ['A', 'B', '_', '.'] {
            if replacement == original {
                continue;
            }
            let mut changed = chars.clone();
            changed[i] = replacement;
            let changed: String = changed.into_iter().collect();
            assert_eq!(
                issuer.verify(&changed, now),
                Err(TokenError::Invalid),
                "'{replacement}' at {i} of {}",
                chars.len()
            );
        }
    }
    for cut in [1, 2, 3, 64, chars.len() / 2] {
        let short: String = chars[..chars.len() - cut].iter().collect();
        assert_eq!(issuer.verify(&short, now), Err(TokenError::Invalid), "{cut} cut off");
    }
    for extended in [format!("{token}A"), format!("{token}."), format!("{token}.e30"), format!(" {token}")] {
        assert_eq!(
            issuer.verify(&extended, now),
            Err(TokenError::Invalid),
            "extended by {}",
            extended.len() - token.len()
        );
    }
}

/// A token from another issuer (another key) is `Invalid`, at any time: the signature is checked first.
pub async fn tokens_of_another_key_are_invalid(issuer: &dyn TokenIssuer, other: &dyn TokenIssuer) {
    let c = claims(Role::SuperAdmin);
    let theirs = other.issue(&c).expect("issue");
    assert!(other.verify(&theirs, c.iat).is_ok(), "valid for its own issuer");
    for now in [c.iat, c.exp + Duration::days(1), c.nbf - Duration::days(1)] {
        assert_eq!(issuer.verify(&theirs, now), Err(TokenError::Invalid), "at {now}");
    }
    assert_eq!(issuer.verify(FOREIGN_V4_PUBLIC_TOKEN, c.iat), Err(TokenError::Invalid));
}

/// Well-formed tokens of another kind are `WrongPurpose`; junk is `Invalid`.
pub async fn other_kinds_are_told_apart(issuer: &dyn TokenIssuer) {
    let now = base();
    for other_kind in [V4_LOCAL_TOKEN, REFRESH_TOKEN] {
        assert_eq!(issuer.verify(other_kind, now), Err(TokenError::WrongPurpose), "{other_kind}");
    }
    for junk in [
        "",
        " ",
        "null",
        "v4.public.",
        "v4.local.",
        "v4.local.AAAA",
        "Bearer v4.public.AAAA",
        &V4_LOCAL_TOKEN[..V4_LOCAL_TOKEN.len() - 1],
        &REFRESH_TOKEN[..42],
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
    ] {
        assert_eq!(issuer.verify(junk, now), Err(TokenError::Invalid), "{junk:?}");
    }
}

/// Expands to one `#[tokio::test]` per check of the token issuer contract. `$make` builds an issuer with a
/// fresh key every time it is evaluated (any expression evaluating to a future of something that derefs to a
/// `TokenIssuer`); the other-key check evaluates it twice.
#[macro_export]
macro_rules! tokens_suite {
    ($make:expr) => {
        mod tokens_contract {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn issue_then_verify_round_trips() {
                let issuer = $make.await;
                $crate::tokens::issue_then_verify_round_trips(&*issuer).await;
            }

            #[tokio::test]
            async fn expired_tokens_are_expired() {
                let issuer = $make.await;
                $crate::tokens::expired_tokens_are_expired(&*issuer).await;
            }

            #[tokio::test]
            async fn early_tokens_are_not_yet_valid() {
                let issuer = $make.await;
                $crate::tokens::early_tokens_are_not_yet_valid(&*issuer).await;
            }

            #[tokio::test]
            async fn tampered_tokens_are_invalid() {
                let issuer = $make.await;
                $crate::tokens::tampered_tokens_are_invalid(&*issuer).await;
            }

            #[tokio::test]
            async fn tokens_of_another_key_are_invalid() {
                let issuer = $make.await;
                let other = $make.await;
                $crate::tokens::tokens_of_another_key_are_invalid(&*issuer, &*other).await;
            }

            #[tokio::test]
            async fn other_kinds_are_told_apart() {
                let issuer = $make.await;
                $crate::tokens::other_kinds_are_told_apart(&*issuer).await;
            }
        }
    };
}
