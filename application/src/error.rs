//! Errors shared by several use cases.

use domain::{Coded, ErrorKind};

/// The caller is authenticated but its role does not allow the operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("forbidden")]
pub struct Forbidden;

impl Coded for Forbidden {
    fn code(&self) -> &'static str {
        "auth.forbidden"
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Forbidden
    }
}
