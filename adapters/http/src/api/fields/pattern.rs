//! JSON Schema patterns written from the domain's character ranges, so a schema states the same
//! characters as the parse that enforces them. Code points outside the Basic Multilingual Plane are
//! written as themselves: `\u{...}` is not ECMA-262 without the `u` flag, and a UTF-16 surrogate pair
//! means nothing to engines that match code points (Python's, Rust's).

use domain::text::WHITE_SPACE;

/// One character inside a class: letters, digits and `_` as they are, the rest of the BMP as `\uXXXX`.
fn escape(c: char) -> String {
    match c {
        c if c.is_ascii_alphanumeric() || c == '_' => c.to_string(),
        c if u32::from(c) <= 0xFFFF => format!("\\u{:04x}", u32::from(c)),
        c => c.to_string(),
    }
}

/// The body of a character class holding `ranges`.
pub(crate) fn class(ranges: &[(char, char)]) -> String {
    ranges
        .iter()
        .map(|&(lo, hi)| if lo == hi { escape(lo) } else { format!("{}-{}", escape(lo), escape(hi)) })
        .collect()
}

/// One or more characters, all in `ranges`.
pub(crate) fn only(ranges: &[(char, char)]) -> String {
    format!("^[{}]+$", class(ranges))
}

/// Any number of characters, none in `forbidden`.
pub(crate) fn none_of(forbidden: &[(char, char)]) -> String {
    format!("^[^{}]*$", class(forbidden))
}

/// At least one character that is not white space, and none in `forbidden`.
pub(crate) fn not_blank(forbidden: &[(char, char)]) -> String {
    let (other, ws) = (class(forbidden), class(WHITE_SPACE));
    format!("^[^{other}]*[^{other}{ws}][^{other}]*$")
}

/// A text trimmed (`str::trim`) before it is checked: any white space at either end around a core of
/// `min..=max` characters that starts and ends with a visible one, none in `forbidden`. The length bound
/// is on the core, so it lives in the pattern and the schema keeps no `maxLength`.
pub(crate) fn trimmed(min: usize, max: usize, forbidden: &[(char, char)]) -> String {
    let (other, ws) = (class(forbidden), class(WHITE_SPACE));
    let visible = format!("[^{other}{ws}]");
    let inner = format!("[^{other}]");
    let core = match (min, max) {
        (_, 0 | 1) => visible,
        (0 | 1, max) => format!("{visible}(?:{inner}{{0,{}}}{visible})?", max - 2),
        (min, max) => format!("{visible}{inner}{{{},{}}}{visible}", min - 2, max - 2),
    };
    format!("^[{ws}]*{core}[{ws}]*$")
}

/// `ranges` without the characters of `keep`.
pub(crate) fn excluding(ranges: &[(char, char)], keep: &[char]) -> Vec<(char, char)> {
    let mut out = Vec::new();
    for &(lo, hi) in ranges {
        let mut start = u32::from(lo);
        for k in keep.iter().map(|&k| u32::from(k)).filter(|k| (u32::from(lo)..=u32::from(hi)).contains(k)) {
            if let (Some(a), Some(b)) = (char::from_u32(start), k.checked_sub(1).and_then(char::from_u32))
                && start < k
            {
                out.push((a, b));
            }
            start = k + 1;
        }
        if let Some(a) = char::from_u32(start)
            && start <= u32::from(hi)
        {
            out.push((a, hi));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::text::CONTROL;
    use regex::Regex;

    fn re(pattern: &str) -> Regex {
        Regex::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"))
    }

    #[test]
    fn classes_escape_everything_but_word_characters() {
        assert_eq!(class(CONTROL), r"\u0000-\u001f\u007f-\u009f");
        assert_eq!(class(&[('a', 'z'), ('_', '_'), ('\u{20000}', '\u{2EBE0}')]), "a-z_\u{20000}-\u{2EBE0}");
        assert_eq!(excluding(CONTROL, &['\t', '\n']), [('\0', '\u{8}'), ('\u{b}', '\u{1f}'), ('\u{7f}', '\u{9f}')]);
    }

    #[test]
    fn trimmed_text_counts_the_core_only() {
        let p = re(&trimmed(1, 5, CONTROL));
        for ok in ["a", " abcde ", "\u{3000}ab cd\t", "a b"] {
            assert!(p.is_match(ok), "{ok:?}");
        }
        for bad in ["", "   ", "abcdef", "a\u{1}b", " \u{85} "] {
            assert!(!p.is_match(bad), "{bad:?}");
        }
        let p = re(&trimmed(3, 4, CONTROL));
        assert!(p.is_match(" abc") && !p.is_match("ab ") && !p.is_match("abcde"));
    }

    #[test]
    fn not_blank_needs_a_visible_character() {
        let p = re(&not_blank(&excluding(CONTROL, &['\t', '\n'])));
        assert!(p.is_match("hi\n\tthere") && p.is_match("\u{feff}"), "U+FEFF is not white space to `trim`");
        assert!(!p.is_match(" \n\t\u{3000}") && !p.is_match("a\u{0}b"));
    }
}
