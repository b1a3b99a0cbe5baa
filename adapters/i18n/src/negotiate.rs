//! Which locale a request wants: `?lang=` first, then `Accept-Language` by q-value, then the default.

use domain::locale::Locale;

/// Picks the locale for a request. `lang` is the `?lang=` query value, `accept_language` the header.
/// Unsupported or malformed preferences are skipped, not errors; `q=0` means "not this one".
pub fn negotiate(lang: Option<&str>, accept_language: Option<&str>, default: Locale) -> Locale {
    if let Some(locale) = lang.and_then(Locale::from_tag) {
        return locale;
    }
    accept_language
        .map(accept_language::parse_with_quality)
        .and_then(|prefs| prefs.into_iter().filter(|(_, q)| *q > 0.0).find_map(|(tag, _)| Locale::from_tag(&tag)))
        .unwrap_or(default)
}
