//! Request ids: the caller's `X-Request-Id` when it is sane, otherwise a fresh UUID v7.

/// Longest id accepted from a caller.
const MAX_LEN: usize = 128;

/// The id to use for a request that carried `header` (if any).
pub(super) fn choose(header: Option<&str>) -> String {
    match header {
        Some(id)
            if !id.is_empty()
                && id.len() <= MAX_LEN
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)) =>
        {
            id.to_owned()
        }
        _ => {
            // Encoded into a stack buffer: `to_string` goes through the formatting machinery.
            let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
            uuid::Uuid::now_v7().hyphenated().encode_lower(&mut buf).to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::choose;

    #[test]
    fn sane_ids_are_kept_and_others_replaced() {
        assert_eq!(choose(Some("abc-123.x:y_z")), "abc-123.x:y_z");
        for bad in [None, Some(""), Some("has space"), Some("<script>"), Some(&*"x".repeat(129))] {
            let id = choose(bad);
            assert!(uuid::Uuid::parse_str(&id).is_ok(), "{bad:?} -> {id}");
        }
    }
}
