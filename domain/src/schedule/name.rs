//! Task names: the identity of a task in locks, run records, the web page and the API.

use crate::error::{ValidationError, Violation};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A task's name: 1-64 characters of lower-case ASCII letters, digits, `-` and `_`, starting with a letter.
///
/// Kept that narrow because the name is part of lock keys (`name:2026-11-24T10:05:00Z`), URLs and metric
/// labels: no `:`, `/`, spaces or case games.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TaskName(String);

impl TaskName {
    /// Longest accepted name.
    pub const MAX_LEN: usize = 64;

    /// Checks `raw`; errors name the field `task`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let err = |v| ValidationError::new("task", v);
        if raw.is_empty() {
            return Err(err(Violation::Required));
        }
        if raw.len() > Self::MAX_LEN {
            return Err(err(Violation::TooLong { max: Self::MAX_LEN }));
        }
        let valid = raw.starts_with(|c: char| c.is_ascii_lowercase())
            && raw.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !valid {
            return Err(err(Violation::InvalidCharacters));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TaskName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for TaskName {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for TaskName {
    type Error = ValidationError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<TaskName> for String {
    fn from(n: TaskName) -> Self {
        n.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_are_narrow() {
        assert!(TaskName::parse("purge-deleted-users").is_ok());
        assert!(TaskName::parse("a1_b").is_ok());
        for bad in ["", "Purge", "1abc", "a:b", "a b", "a/b", "任务", &"a".repeat(65)] {
            assert!(TaskName::parse(bad).is_err(), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn what_parses_round_trips(raw in "[a-z][a-z0-9_-]{0,63}") {
            let name = TaskName::parse(&raw).unwrap();
            prop_assert_eq!(name.as_str(), raw.as_str());
            prop_assert_eq!(name.to_string().parse::<TaskName>().unwrap(), name);
        }

        #[test]
        fn anything_with_a_colon_or_upper_case_fails(a in "[a-z]{1,10}", b in "[A-Z:/ ]{1,3}") {
            let raw = format!("{a}{b}");
            prop_assert!(TaskName::parse(&raw).is_err());
        }
    }
}
