//! E-mail addresses, validated by the `email_address` crate (RFC 5321/5322) and normalized to lower case.

use crate::error::{ValidationError, Violation};
use std::fmt;
use std::str::FromStr;

/// A syntactically valid e-mail address, lower-cased so that uniqueness ignores case.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Longest address, in bytes (RFC 5321's 254 octets), after trimming.
    pub const MAX_LEN: usize = 254;

    /// Shortest text worth parsing: a local part, `@` and a domain. Anything shorter fails as
    /// `invalid_format` (a domain needs a dot, so real addresses are longer still).
    pub const MIN_LEN: usize = 3;

    /// Validates and normalizes. Display names (`Bob <bob@x>`) and IP-literal domains are refused.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let err = |v| ValidationError::new("email", v);
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(err(Violation::Required));
        }
        if trimmed.len() > Self::MAX_LEN {
            return Err(err(Violation::TooLong { max: Self::MAX_LEN }));
        }
        let invalid = || err(Violation::InvalidFormat { expected: "email" });
        let parsed = email_address::EmailAddress::from_str(trimmed).map_err(|_| invalid())?;
        let domain = parsed.domain();
        if parsed.email() != trimmed || domain.starts_with('[') || !domain.contains('.') {
            return Err(invalid());
        }
        Ok(Self(trimmed.to_lowercase()))
    }

    /// The normalized address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalizes_case_and_whitespace() {
        assert_eq!(Email::parse("  Bob@Example.COM ").unwrap().as_str(), "bob@example.com");
    }

    #[test]
    fn refuses_malformed_addresses() {
        for bad in ["", "bob", "bob@", "@x.com", "bob@localhost", "Bob <bob@x.com>", "a b@x.com", "bob@[127.0.0.1]"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn simple_addresses_round_trip(local in "[a-z0-9._%+-]{1,20}", host in "[a-z0-9]{1,20}", tld in "[a-z]{2,6}") {
            prop_assume!(!local.starts_with('.') && !local.ends_with('.') && !local.contains(".."));
            let raw = format!("{local}@{host}.{tld}");
            let email = Email::parse(&raw).unwrap();
            prop_assert_eq!(email.as_str(), raw.as_str());
        }
    }
}
