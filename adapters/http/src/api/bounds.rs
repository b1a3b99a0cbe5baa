//! Length bounds the document declares on fields no domain type parses (credentials that are only
//! compared, refresh tokens that are only looked up): `JsonBody` parses with serde, which does not run
//! poem-openapi's validators, so the handlers check them here with the same codes as everywhere else.

use domain::{ValidationError, Violation};

/// `value` of `field` has `min..=max` characters (as JSON Schema's `minLength`/`maxLength` count them);
/// an empty value is `validation.required`.
pub(crate) fn check_length(field: &str, value: &str, min: usize, max: usize) -> Result<(), ValidationError> {
    let len = value.chars().count();
    if len == 0 {
        Err(ValidationError::new(field, Violation::Required))
    } else if len < min {
        Err(ValidationError::new(field, Violation::TooShort { min }))
    } else if len > max {
        Err(ValidationError::new(field, Violation::TooLong { max }))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_count_characters_and_empty_is_required() {
        assert_eq!(check_length("username", "", 1, 3).map_err(|e| e.violation), Err(Violation::Required));
        assert!(check_length("username", "张伟明", 1, 3).is_ok(), "three characters, nine bytes");
        let long = check_length("username", "abcd", 1, 3).map_err(|e| e.violation);
        assert_eq!(long, Err(Violation::TooLong { max: 3 }));
    }
}
