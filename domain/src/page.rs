//! Page/size pagination with a hard maximum, for list endpoints whose callers jump between pages.

use crate::error::{ValidationError, Violation};
use serde::Serialize;

/// Largest page any list endpoint serves.
pub const MAX_PAGE_SIZE: u32 = 100;

/// Highest page number a request may name.
pub const MAX_PAGE: u32 = 1_000_000;

/// Page size when a request names none.
pub const DEFAULT_PAGE_SIZE: u32 = 20;

/// A validated page request: `page` counts from 1, `size` is 1..=[`MAX_PAGE_SIZE`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    page: u32,
    size: u32,
}

impl PageRequest {
    /// Checks both numbers, naming the offending query parameter.
    pub fn new(page: u32, size: u32) -> Result<Self, ValidationError> {
        if page == 0 || page > MAX_PAGE {
            return Err(ValidationError::new("page", Violation::OutOfRange { min: 1, max: i64::from(MAX_PAGE) }));
        }
        if size == 0 || size > MAX_PAGE_SIZE {
            return Err(ValidationError::new("size", Violation::OutOfRange { min: 1, max: i64::from(MAX_PAGE_SIZE) }));
        }
        Ok(Self { page, size })
    }

    /// The 1-based page number.
    pub fn page(&self) -> u32 {
        self.page
    }

    /// Items per page.
    pub fn size(&self) -> u32 {
        self.size
    }

    /// Rows to skip before this page.
    pub fn offset(&self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.size)
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self { page: 1, size: DEFAULT_PAGE_SIZE }
    }
}

/// One page of results plus the total, so clients can draw a pager.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Page<T> {
    /// The rows of this page, in the requested order.
    pub items: Vec<T>,
    /// Rows matching the filter across all pages.
    pub total: u64,
    /// The page number served.
    pub page: u32,
    /// The page size served.
    pub size: u32,
}

impl<T> Page<T> {
    /// Wraps `items` as page `req` of `total`.
    pub fn new(items: Vec<T>, total: u64, req: PageRequest) -> Self {
        Self { items, total, page: req.page, size: req.size }
    }

    /// Maps the items, keeping the paging numbers.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), total: self.total, page: self.page, size: self.size }
    }
}

/// Sort direction for list queries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortDir {
    /// Smallest first.
    Asc,
    /// Largest (newest) first.
    #[default]
    Desc,
}
