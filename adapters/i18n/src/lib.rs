//! Localized text for the driving adapters: the `locales/` catalogues, message lookup with parameters,
//! and choosing a locale from a request.
//!
//! Error codes double as message keys (`errors.<code>`), so adding an error means adding its two
//! translations; a test fails if the catalogues disagree on their keys.

rust_i18n::i18n!("../../locales", fallback = "zh-CN");

mod negotiate;

pub use negotiate::negotiate;

use domain::locale::Locale;

/// The text of `key` in `locale`, or `None` if neither it nor the zh-CN fallback has it.
pub fn lookup(locale: Locale, key: &str) -> Option<String> {
    crate::_rust_i18n_try_translate(locale.as_str(), key).map(|cow| cow.into_owned())
}

/// The localized message for an error code, with `%{name}` parameters filled in.
///
/// `field` values are themselves translated through `fields.<field>` and `expected` values through
/// `formats.<expected>` when the catalogue knows them, so "username" reads "用户名" in zh-CN.
/// An unknown code falls back to the generic internal-error message rather than leaking the key.
pub fn message(locale: Locale, code: &str, params: &[(&str, String)]) -> String {
    let template = lookup(locale, &format!("errors.{code}"))
        .or_else(|| lookup(locale, "errors.internal"))
        .unwrap_or_else(|| code.to_owned());
    let names: Vec<&str> = params.iter().map(|(name, _)| *name).collect();
    let values: Vec<String> = params
        .iter()
        .map(|(name, value)| match *name {
            "field" => field_label(locale, value).unwrap_or_else(|| value.clone()),
            "expected" => lookup(locale, &format!("formats.{value}")).unwrap_or_else(|| value.clone()),
            _ => value.clone(),
        })
        .collect();
    rust_i18n::replace_patterns(&template, &names, &values)
}

/// The label of a field: `fields.<field>`, or for a field whose entry groups the labels of its parts
/// (`settings`, with `settings.site.name` and so on) the group's own `_label`.
fn field_label(locale: Locale, field: &str) -> Option<String> {
    lookup(locale, &format!("fields.{field}")).or_else(|| lookup(locale, &format!("fields.{field}._label")))
}

#[cfg(test)]
mod tests;
