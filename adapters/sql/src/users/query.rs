//! Turning a `UserQuery` into SQL: filters, a literal case-insensitive search, and a stable sort.
//!
//! Search compares the lower-cased needle with `username_key` and `email`, both stored lower-cased, so
//! case-insensitivity never depends on a collation; `%`, `_` and `\` in the needle are escaped so it
//! matches literally on both engines.

use super::entity::{Column, Entity};
use domain::page::SortDir;
use domain::user::{DeletedFilter, UserQuery, UserSort};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, Order, QueryFilter, QueryOrder, Select};

/// Escape character for LIKE patterns.
const ESCAPE: char = '\\';

/// Escapes LIKE wildcards (and the escape character itself) so `needle` matches only itself.
pub(super) fn escape_like(needle: &str) -> String {
    let mut out = String::with_capacity(needle.len() + 4);
    for c in needle.chars() {
        if matches!(c, '%' | '_' | ESCAPE) {
            out.push(ESCAPE);
        }
        out.push(c);
    }
    out
}

/// The rows a query selects, before sorting and paging.
pub(super) fn filtered(query: &UserQuery) -> Select<Entity> {
    let mut select = Entity::find();
    select = match query.deleted {
        DeletedFilter::Exclude => select.filter(Column::DeletedAt.is_null()),
        DeletedFilter::Only => select.filter(Column::DeletedAt.is_not_null()),
        DeletedFilter::Include => select,
    };
    if let Some(role) = query.role {
        select = select.filter(Column::Role.eq(role.as_str()));
    }
    if let Some(status) = query.status {
        select = select.filter(Column::Status.eq(status.as_str()));
    }
    if let Some(needle) = query.search.as_deref().map(str::to_lowercase).filter(|n| !n.is_empty()) {
        let pattern = format!("%{}%", escape_like(&needle));
        select = select.filter(
            Condition::any()
                .add(Column::UsernameKey.like(LikeExpr::new(pattern.clone()).escape(ESCAPE)))
                .add(Column::Email.like(LikeExpr::new(pattern).escape(ESCAPE))),
        );
    }
    select
}

/// Orders by the requested column, then by id in the same direction; never-logged-in users always last.
pub(super) fn sorted(select: Select<Entity>, sort: UserSort, dir: SortDir) -> Select<Entity> {
    let order = match dir {
        SortDir::Asc => Order::Asc,
        SortDir::Desc => Order::Desc,
    };
    let select = match sort {
        UserSort::CreatedAt => select.order_by(Column::CreatedAt, order.clone()),
        UserSort::Username => select.order_by(Column::UsernameKey, order.clone()),
        UserSort::Email => select.order_by(Column::Email, order.clone()),
        UserSort::LastLogin => select
            .order_by(Expr::col(Column::LastLoginAt).is_null(), Order::Asc)
            .order_by(Column::LastLoginAt, order.clone()),
    };
    select.order_by(Column::Id, order)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_and_the_escape_are_escaped() {
        assert_eq!(escape_like(r"100%_a\b"), r"100\%\_a\\b");
        assert_eq!(escape_like("张三'; --"), "张三'; --");
    }
}
