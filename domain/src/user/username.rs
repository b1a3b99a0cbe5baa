//! Usernames: 3 to 32 characters of ASCII letters, digits, `_`, or CJK script.

use crate::error::{ValidationError, Violation};
use std::fmt;

/// A valid username. Uniqueness is case-insensitive: see [`Username::key`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Username(String);

const MIN: usize = 3;
const MAX: usize = 32;

/// CJK ideographs (with extensions and compatibility forms), kana and Hangul syllables.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}'     // Hiragana, Katakana
        | '\u{3400}'..='\u{4DBF}'   // CJK Extension A
        | '\u{4E00}'..='\u{9FFF}'   // CJK Unified Ideographs
        | '\u{AC00}'..='\u{D7AF}'   // Hangul syllables
        | '\u{F900}'..='\u{FAFF}'   // CJK Compatibility Ideographs
        | '\u{20000}'..='\u{2EBEF}' // CJK Extensions B-F
        | '\u{30000}'..='\u{3134F}' // CJK Extension G
    )
}

impl Username {
    /// Accepts exactly what the product allows; refuses everything else with the reason.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let err = |v| ValidationError::new("username", v);
        if raw.is_empty() {
            return Err(err(Violation::Required));
        }
        let len = raw.chars().count();
        if len < MIN {
            return Err(err(Violation::TooShort { min: MIN }));
        }
        if len > MAX {
            return Err(err(Violation::TooLong { max: MAX }));
        }
        if !raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || is_cjk(c)) {
            return Err(err(Violation::InvalidCharacters));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The name as the user typed it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form uniqueness and lookups use: ASCII lower-cased (CJK has no case).
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_the_allowed_alphabet() {
        for ok in ["bob", "Alice_01", "张三丰", "山田_taro", "김철수", "a_b"] {
            assert!(Username::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_with_the_reason() {
        assert_eq!(Username::parse("").unwrap_err().violation, Violation::Required);
        assert_eq!(Username::parse("ab").unwrap_err().violation, Violation::TooShort { min: 3 });
        assert_eq!(Username::parse(&"x".repeat(33)).unwrap_err().violation, Violation::TooLong { max: 32 });
        for bad in ["bob smith", "bob'--", "émile", "a.b.c", "x<y>z", "abc\n"] {
            assert_eq!(Username::parse(bad).unwrap_err().violation, Violation::InvalidCharacters, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn valid_names_round_trip(s in "[a-zA-Z0-9_\u{4e00}-\u{9fff}]{3,32}") {
            let name = Username::parse(&s).unwrap();
            prop_assert_eq!(name.as_str(), s.as_str());
            prop_assert_eq!(Username::parse(name.as_str()).unwrap(), name);
        }

        #[test]
        fn anything_with_a_space_is_refused(a in "[a-z]{1,10}", b in "[a-z]{1,10}") {
            let joined = format!("{a} {b}");
            prop_assert!(Username::parse(&joined).is_err());
        }
    }
}
