//! Rules about text that several value types share: length bounds counted in characters, and the
//! character classes Rust's `char::is_control` and `str::trim` use, written out as ranges so that the
//! driving adapters can state them in their schemas instead of restating them by hand.

use crate::error::Violation;

/// Length bounds of a text value, counted in characters (Unicode scalar values), as JSON Schema's
/// `minLength` and `maxLength` count them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CharBounds {
    /// Fewest characters (at least 1: an empty value is always `Required`).
    pub min: usize,
    /// Most characters.
    pub max: usize,
}

impl CharBounds {
    /// Bounds of `min..=max` characters.
    pub const fn new(min: usize, max: usize) -> Self {
        Self { min, max }
    }

    /// `Required` for an empty value, `TooShort` or `TooLong` outside the bounds.
    pub fn check(&self, raw: &str) -> Result<(), Violation> {
        if raw.is_empty() {
            return Err(Violation::Required);
        }
        let len = raw.chars().count();
        if len < self.min {
            Err(Violation::TooShort { min: self.min })
        } else if len > self.max {
            Err(Violation::TooLong { max: self.max })
        } else {
            Ok(())
        }
    }
}

/// The characters `char::is_control` is true for (general category Cc), as inclusive ranges.
pub const CONTROL: &[(char, char)] = &[('\u{0}', '\u{1f}'), ('\u{7f}', '\u{9f}')];

/// The characters `char::is_whitespace` is true for (the White_Space property), which `str::trim` removes,
/// as inclusive ranges.
pub const WHITE_SPACE: &[(char, char)] = &[
    ('\t', '\r'),
    (' ', ' '),
    ('\u{85}', '\u{85}'),
    ('\u{a0}', '\u{a0}'),
    ('\u{1680}', '\u{1680}'),
    ('\u{2000}', '\u{200a}'),
    ('\u{2028}', '\u{2029}'),
    ('\u{202f}', '\u{202f}'),
    ('\u{205f}', '\u{205f}'),
    ('\u{3000}', '\u{3000}'),
];

/// Whether `c` lies in one of `ranges`.
pub fn in_ranges(ranges: &[(char, char)], c: char) -> bool {
    ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ranges_are_exactly_what_the_standard_library_says() {
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            assert_eq!(in_ranges(CONTROL, c), c.is_control(), "{c:?}");
            assert_eq!(in_ranges(WHITE_SPACE, c), c.is_whitespace(), "{c:?}");
        }
    }

    #[test]
    fn bounds_count_characters_and_empty_is_required() {
        let bounds = CharBounds::new(1, 3);
        assert_eq!(bounds.check(""), Err(Violation::Required));
        assert_eq!(bounds.check("张伟明"), Ok(()), "three characters, nine bytes");
        assert_eq!(bounds.check("abcd"), Err(Violation::TooLong { max: 3 }));
        assert_eq!(CharBounds::new(3, 5).check("ab"), Err(Violation::TooShort { min: 3 }));
    }
}
