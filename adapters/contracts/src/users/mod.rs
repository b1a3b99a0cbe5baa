//! Contract of `domain::user::UserRepository`.
//!
//! The factory must return an empty repository: list totals, stats and the super-admin checks count
//! every stored user. Times are whole microseconds, the finest precision every adapter keeps.

mod fixtures;
mod list;
mod reads;
mod stats;
mod super_admin;
mod unreachable;
mod writes;

pub use list::{
    list_applies_every_filter, list_orders_sub_second_times_exactly, list_pages_and_reports_the_total,
    list_search_is_case_insensitive_and_literal, list_sorts_every_column_both_ways,
};
pub use reads::{by_login_matches_username_any_case_or_email, soft_deleted_users_are_hidden_except_from_by_id_any};
pub use stats::{purge_removes_only_users_deleted_before_the_cutoff, stats_count_what_the_dashboard_shows};
pub use super_admin::{
    a_second_super_admin_allows_a_demotion, concurrent_mass_demotion_keeps_one,
    concurrent_mutual_demotion_leaves_one_super_admin, inactive_super_admins_do_not_count,
    last_super_admin_cannot_be_demoted_disabled_or_deleted,
};
pub use unreachable::every_method_is_unavailable;
pub use writes::{
    create_then_read_round_trips, distinct_cjk_names_do_not_collide, duplicate_email_is_refused,
    duplicate_username_is_refused_case_insensitively, soft_deleted_users_can_be_updated_and_restored,
    soft_deleted_users_keep_their_names, update_of_unknown_user_is_not_found, update_onto_taken_names_is_duplicate,
    update_replaces_every_field,
};

/// Expands to one `#[tokio::test]` per check of the user repository contract; `$make` builds a fresh, empty
/// repository (any expression evaluating to a future of something that derefs to a `UserRepository`).
#[macro_export]
macro_rules! users_suite {
    (@checks $make:expr; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $check() {
                let repo = $make.await;
                $crate::users::$check(&*repo).await;
            }
        )*
    };
    ($make:expr) => {
        mod users_contract {
            #[allow(unused_imports)]
            use super::*;

            $crate::users_suite!(@checks $make;
                create_then_read_round_trips,
                duplicate_username_is_refused_case_insensitively,
                duplicate_email_is_refused,
                soft_deleted_users_keep_their_names,
                distinct_cjk_names_do_not_collide,
                update_replaces_every_field,
                update_of_unknown_user_is_not_found,
                update_onto_taken_names_is_duplicate,
                soft_deleted_users_can_be_updated_and_restored,
                by_login_matches_username_any_case_or_email,
                soft_deleted_users_are_hidden_except_from_by_id_any,
                last_super_admin_cannot_be_demoted_disabled_or_deleted,
                a_second_super_admin_allows_a_demotion,
                inactive_super_admins_do_not_count,
                concurrent_mutual_demotion_leaves_one_super_admin,
                concurrent_mass_demotion_keeps_one,
                list_applies_every_filter,
                list_sorts_every_column_both_ways,
                list_pages_and_reports_the_total,
                list_orders_sub_second_times_exactly,
                list_search_is_case_insensitive_and_literal,
                stats_count_what_the_dashboard_shows,
                purge_removes_only_users_deleted_before_the_cutoff,
            );
        }
    };
}
