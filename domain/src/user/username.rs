//! Usernames: 3 to 32 characters of ASCII letters, digits, `_`, or CJK script, stored in Unicode NFC so
//! that names which look the same are the same name.

use crate::error::{ValidationError, Violation};
use crate::text::{CharBounds, in_ranges};
use std::fmt;
use unicode_normalization::UnicodeNormalization;

/// A valid username. Uniqueness is case-insensitive: see [`Username::key`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    /// 3 to 32 characters, counted after NFC normalisation.
    pub const LENGTH: CharBounds = CharBounds::new(3, 32);

    /// Every character a username may hold, as inclusive ranges: ASCII letters and digits, `_`, kana,
    /// CJK ideographs (Extensions A to G and the compatibility forms) and Hangul syllables. Schemas are
    /// built from this list, so what they allow is what [`Username::parse`] accepts. The supplementary
    /// ranges end at their last assigned ideograph rather than at the block's end: a range ending on an
    /// unassigned code point is one some schema tools cannot write back as a pattern.
    pub const ALPHABET: &'static [(char, char)] = &[
        ('A', 'Z'),
        ('a', 'z'),
        ('0', '9'),
        ('_', '_'),
        ('\u{3040}', '\u{30FF}'),   // Hiragana, Katakana
        ('\u{3400}', '\u{4DBF}'),   // CJK Extension A
        ('\u{4E00}', '\u{9FFF}'),   // CJK Unified Ideographs
        ('\u{AC00}', '\u{D7AF}'),   // Hangul syllables
        ('\u{F900}', '\u{FAFF}'),   // CJK Compatibility Ideographs
        ('\u{20000}', '\u{2EBE0}'), // CJK Extensions B-F, to the last assigned ideograph
        ('\u{30000}', '\u{3134A}'), // CJK Extension G, to the last assigned ideograph
    ];

    /// Unicode NFC of `raw`: a CJK compatibility ideograph (U+F900 `豈`) becomes its unified twin (U+8C48
    /// `豈`), and conjoining Hangul jamo become the syllable. Logins go through it too, so either spelling
    /// finds the account.
    pub fn normalize(raw: &str) -> String {
        raw.nfc().collect()
    }

    /// Accepts exactly what the product allows, in NFC; refuses everything else with the reason. The
    /// rules apply to the normalised form, which is what is stored and shown.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let err = |v| ValidationError::new("username", v);
        let raw = &Self::normalize(raw);
        Self::LENGTH.check(raw).map_err(err)?;
        if !raw.chars().all(|c| in_ranges(Self::ALPHABET, c)) {
            return Err(err(Violation::InvalidCharacters));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The name as the user typed it, in NFC.
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
        for ok in
            ["bob", "Alice_01", "张三丰", "山田_taro", "김철수", "a_b", "\u{20000}\u{2A6DF}\u{2EBE0}", "\u{3134A}ab"]
        {
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

    #[test]
    fn compatibility_ideographs_are_the_same_name_as_their_unified_twins() {
        let compat = Username::parse("\u{F900}\u{F900}\u{F900}").unwrap();
        let unified = Username::parse("\u{8C48}\u{8C48}\u{8C48}").unwrap();
        assert_eq!(compat, unified);
        assert_eq!(compat.as_str(), "\u{8C48}\u{8C48}\u{8C48}", "stored in NFC");
        assert_eq!(compat.key(), unified.key());
        // Decomposed Hangul (conjoining jamo) is the precomposed syllable.
        let jamo = Username::parse("\u{1100}\u{1161}\u{1100}\u{1161}\u{1100}\u{1161}").unwrap();
        assert_eq!(jamo.as_str(), "가가가");
        // A combining accent does not sneak a letter in through normalisation.
        assert_eq!(Username::parse("e\u{301}mile").unwrap_err().violation, Violation::InvalidCharacters);
    }

    proptest! {
        #[test]
        fn parsed_names_are_nfc_and_normalising_twice_changes_nothing(
            s in "[a-zA-Z0-9_\u{4e00}-\u{9fff}\u{f900}-\u{faff}\u{ac00}-\u{d7af}]{3,32}"
        ) {
            let name = Username::parse(&s).unwrap();
            prop_assert!(unicode_normalization::is_nfc(name.as_str()));
            prop_assert_eq!(Username::normalize(name.as_str()), name.as_str());
            prop_assert_eq!(Username::parse(&Username::normalize(&s)).unwrap(), name);
        }

        #[test]
        fn canonically_equivalent_spellings_are_one_name(
            s in "[a-z_\u{4e00}-\u{9fff}\u{f900}-\u{faff}\u{ac00}-\u{d7af}]{3,32}"
        ) {
            // NFD splits Hangul syllables into jamo and maps compatibility ideographs to unified ones.
            let decomposed: String = s.nfd().collect();
            prop_assert_eq!(Username::parse(&decomposed).unwrap().key(), Username::parse(&s).unwrap().key());
        }

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
