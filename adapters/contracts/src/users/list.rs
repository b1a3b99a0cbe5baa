//! `list`: every filter, every sort in both directions with the id tie-break, paging with totals, and a
//! search that is case-insensitive but literal.
//!
//! Expected results come from [`reference`], the contract written as plain Rust over the seeded users,
//! and a few hand-written orders pin the reference itself down.

use super::fixtures::{at, at_us, create, everyone, user, user_with};
use domain::ids::UserId;
use domain::page::{PageRequest, SortDir};
use domain::user::{DeletedFilter, Role, User, UserQuery, UserRepository, UserSort, UserStatus};
use std::cmp::Ordering;

/// The contract of `list` over an in-memory slice: filter, then sort by the column and id in the requested
/// direction, with never-logged-in users last whatever the direction.
fn reference(users: &[User], q: &UserQuery) -> Vec<UserId> {
    let needle = q.search.as_deref().map(str::to_lowercase);
    let mut hits: Vec<&User> = users
        .iter()
        .filter(|u| match q.deleted {
            DeletedFilter::Exclude => u.deleted_at.is_none(),
            DeletedFilter::Only => u.deleted_at.is_some(),
            DeletedFilter::Include => true,
        })
        .filter(|u| q.role.is_none_or(|r| u.role == r))
        .filter(|u| q.status.is_none_or(|s| u.status == s))
        .filter(|u| needle.as_deref().is_none_or(|n| u.username.key().contains(n) || u.email.as_str().contains(n)))
        .collect();
    let directed = |o: Ordering| if q.dir == SortDir::Desc { o.reverse() } else { o };
    hits.sort_by(|a, b| {
        let by_column = match q.sort {
            UserSort::CreatedAt => directed(a.created_at.cmp(&b.created_at)),
            UserSort::Username => directed(a.username.key().cmp(&b.username.key())),
            UserSort::Email => directed(a.email.as_str().cmp(b.email.as_str())),
            UserSort::LastLogin => a
                .last_login_at
                .is_none()
                .cmp(&b.last_login_at.is_none())
                .then_with(|| directed(a.last_login_at.cmp(&b.last_login_at))),
        };
        by_column.then_with(|| directed(a.id.cmp(&b.id)))
    });
    let skip = usize::try_from(q.page.offset()).unwrap();
    hits.into_iter().skip(skip).take(q.page.size() as usize).map(|u| u.id).collect()
}

fn reference_total(users: &[User], q: &UserQuery) -> u64 {
    let all = UserQuery { page: PageRequest::new(1, 100).unwrap(), ..q.clone() };
    reference(users, &all).len() as u64
}

/// Seven users across roles, statuses and deletion, with ties on `created_at` and `last_login_at`.
async fn seed(repo: &dyn UserRepository) -> Vec<User> {
    #[allow(clippy::type_complexity)]
    let specs: [(&str, &str, Role, UserStatus, i64, Option<i64>, Option<i64>); 7] = [
        ("alice", "alice@example.com", Role::User, UserStatus::Active, 10, Some(100), None),
        ("Bob", "bob@example.org", Role::Admin, UserStatus::Active, 20, None, None),
        ("carol", "carol@example.com", Role::User, UserStatus::Disabled, 20, Some(100), None),
        ("dave_x", "dave@example.net", Role::SuperAdmin, UserStatus::Active, 30, Some(50), None),
        ("张三丰", "zhang@example.cn", Role::User, UserStatus::Active, 40, None, None),
        ("erin", "erin@example.com", Role::User, UserStatus::Active, 50, Some(200), Some(300)),
        ("frank", "frank@example.org", Role::Admin, UserStatus::Disabled, 60, None, Some(310)),
    ];
    let mut users = Vec::new();
    for (name, email, role, status, created, login, deleted) in specs {
        let u = User {
            role,
            status,
            created_at: at(created),
            updated_at: at(created),
            last_login_at: login.map(at),
            deleted_at: deleted.map(at),
            ..user_with(name, email)
        };
        create(repo, &u).await;
        users.push(u);
    }
    users
}

fn q(deleted: DeletedFilter) -> UserQuery {
    UserQuery { deleted, page: PageRequest::new(1, 100).unwrap(), ..Default::default() }
}

async fn check(repo: &dyn UserRepository, users: &[User], query: &UserQuery) -> Vec<String> {
    let page = repo.list(query).await.unwrap_or_else(|e| panic!("list {query:?}: {e:?}"));
    let got: Vec<UserId> = page.items.iter().map(|u| u.id).collect();
    assert_eq!(got, reference(users, query), "order/filter for {query:?}");
    assert_eq!(page.total, reference_total(users, query), "total for {query:?}");
    assert_eq!((page.page, page.size), (query.page.page(), query.page.size()));
    for item in &page.items {
        assert_eq!(Some(item), users.iter().find(|u| u.id == item.id), "rows come back whole");
    }
    page.items.iter().map(|u| u.username.as_str().to_owned()).collect()
}

/// Each filter alone and combined; soft-deleted users are excluded by default.
pub async fn list_applies_every_filter(repo: &dyn UserRepository) {
    let users = seed(repo).await;
    let by_name = |mut q: UserQuery| {
        q.sort = UserSort::Username;
        q.dir = SortDir::Asc;
        q
    };
    let names = check(repo, &users, &by_name(q(DeletedFilter::Exclude))).await;
    assert_eq!(names, ["alice", "Bob", "carol", "dave_x", "张三丰"]);
    let names = check(repo, &users, &by_name(q(DeletedFilter::Only))).await;
    assert_eq!(names, ["erin", "frank"]);
    assert_eq!(check(repo, &users, &by_name(q(DeletedFilter::Include))).await.len(), 7);
    let admins = UserQuery { role: Some(Role::Admin), ..by_name(q(DeletedFilter::Include)) };
    assert_eq!(check(repo, &users, &admins).await, ["Bob", "frank"]);
    let disabled = UserQuery { status: Some(UserStatus::Disabled), ..by_name(q(DeletedFilter::Exclude)) };
    assert_eq!(check(repo, &users, &disabled).await, ["carol"]);
    let combined = UserQuery {
        role: Some(Role::User),
        status: Some(UserStatus::Active),
        search: Some("E".into()),
        ..by_name(q(DeletedFilter::Include))
    };
    assert_eq!(check(repo, &users, &combined).await, ["alice", "erin", "张三丰"]);
    let none =
        UserQuery { role: Some(Role::SuperAdmin), status: Some(UserStatus::Disabled), ..q(DeletedFilter::Include) };
    assert!(check(repo, &users, &none).await.is_empty());
}

/// Every sort column in both directions, ties broken by id in the same direction, never-logged-in last.
pub async fn list_sorts_every_column_both_ways(repo: &dyn UserRepository) {
    let users = seed(repo).await;
    for sort in [UserSort::CreatedAt, UserSort::Username, UserSort::Email, UserSort::LastLogin] {
        for dir in [SortDir::Asc, SortDir::Desc] {
            for deleted in [DeletedFilter::Exclude, DeletedFilter::Include] {
                check(repo, &users, &UserQuery { sort, dir, ..q(deleted) }).await;
            }
        }
    }
    let all = |sort, dir| UserQuery { sort, dir, ..q(DeletedFilter::Include) };
    let names = check(repo, &users, &all(UserSort::Username, SortDir::Desc)).await;
    assert_eq!(names, ["张三丰", "frank", "erin", "dave_x", "carol", "Bob", "alice"]);
    let names = check(repo, &users, &all(UserSort::Email, SortDir::Asc)).await;
    assert_eq!(names, ["alice", "Bob", "carol", "dave_x", "erin", "frank", "张三丰"]);
    let names = check(repo, &users, &all(UserSort::LastLogin, SortDir::Desc)).await;
    let mut tied: Vec<&str> = names[1..3].iter().map(String::as_str).collect();
    tied.sort_unstable();
    assert_eq!(tied, ["alice", "carol"], "equal last logins sit together");
    assert_eq!(names[0], "erin");
    assert_eq!(names[3], "dave_x");
    let mut never: Vec<&str> = names[4..].iter().map(String::as_str).collect();
    never.sort_unstable();
    assert_eq!(never, ["Bob", "frank", "张三丰"], "never-logged-in users last");
    let names = check(repo, &users, &all(UserSort::LastLogin, SortDir::Asc)).await;
    assert_eq!(names[0], "dave_x");
    assert_eq!(names[3], "erin");
    let mut never: Vec<&str> = names[4..].iter().map(String::as_str).collect();
    never.sort_unstable();
    assert_eq!(never, ["Bob", "frank", "张三丰"], "never-logged-in users last in ascending order too");
}

/// Pages split the sorted rows without gaps or repeats; every page reports the full total.
pub async fn list_pages_and_reports_the_total(repo: &dyn UserRepository) {
    let users = seed(repo).await;
    let mut seen = Vec::new();
    for page in 1..=4 {
        let query = UserQuery {
            sort: UserSort::CreatedAt,
            dir: SortDir::Asc,
            page: PageRequest::new(page, 2).unwrap(),
            ..Default::default()
        };
        let names = check(repo, &users, &query).await;
        assert_eq!(names.len(), [2, 2, 1, 0][page as usize - 1], "page {page}");
        seen.extend(names);
    }
    assert_eq!(seen[0], "alice");
    assert_eq!(seen.len(), 5);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 5, "no row on two pages: {seen:?}");
}

/// Search is a case-insensitive substring of username or e-mail, matched literally: `%`, `_`, `\`, quotes,
/// CJK and SQL-looking text are just characters.
pub async fn list_search_is_case_insensitive_and_literal(repo: &dyn UserRepository) {
    let specs = [
        ("pct_user", "100%real@example.com"),
        ("plain", "1000real@example.com"),
        ("ab_cd", "first@example.com"),
        ("abxcd", "second@example.com"),
        ("obrien", "o'brien@example.com"),
        ("张三丰", "zsf@example.com"),
        ("Mixed_Case", "MiXeD@Example.COM"),
    ];
    let mut users = Vec::new();
    for (name, email) in specs {
        let u = user_with(name, email);
        create(repo, &u).await;
        users.push(u);
    }
    let search = |s: &str| UserQuery {
        search: Some(s.to_owned()),
        sort: UserSort::Username,
        dir: SortDir::Asc,
        page: PageRequest::new(1, 100).unwrap(),
        ..Default::default()
    };
    let cases: [(&str, &[&str]); 14] = [
        ("0%r", &["pct_user"]),
        ("%", &["pct_user"]),
        ("b_c", &["ab_cd"]),
        ("_", &["ab_cd", "Mixed_Case", "pct_user"]),
        ("o'b", &["obrien"]),
        ("'", &["obrien"]),
        ("三", &["张三丰"]),
        ("\\", &[]),
        ("\\%", &[]),
        ("'; DROP TABLE users; --", &[]),
        ("\" OR 1=1 --", &[]),
        ("MIXED", &["Mixed_Case"]),
        ("EXAMPLE.COM", &["ab_cd", "abxcd", "Mixed_Case", "obrien", "pct_user", "plain", "张三丰"]),
        ("", &["ab_cd", "abxcd", "Mixed_Case", "obrien", "pct_user", "plain", "张三丰"]),
    ];
    for (needle, expected) in cases {
        let names = check(repo, &users, &search(needle)).await;
        assert_eq!(names, expected, "search {needle:?}");
    }
    assert_eq!(everyone(repo).await.len(), 7, "the table survived");
}

/// Times that differ by a microsecond sort and compare correctly, whole seconds included (a text encoding
/// that drops trailing zeros must still order right).
pub async fn list_orders_sub_second_times_exactly(repo: &dyn UserRepository) {
    let times = [at_us(1, 120_001), at(1), at_us(0, 999_999), at_us(1, 120_000), at_us(1, 5), at(2)];
    let mut users = Vec::new();
    for (i, t) in times.iter().enumerate() {
        let u = User { created_at: *t, last_login_at: Some(*t), ..user(&format!("time{i}")) };
        create(repo, &u).await;
        users.push(u);
    }
    for sort in [UserSort::CreatedAt, UserSort::LastLogin] {
        let names = check(repo, &users, &UserQuery { sort, dir: SortDir::Asc, ..q(DeletedFilter::Exclude) }).await;
        assert_eq!(names, ["time2", "time1", "time4", "time3", "time0", "time5"], "{sort:?}");
    }
    let stats = repo.stats(at_us(1, 120_000), at_us(1, 120_001)).await.expect("stats");
    assert_eq!((stats.new_since, stats.active_since), (3, 2), "bounds are inclusive to the microsecond");
}
