//! Contract of `domain::schedule::InstanceRegistry`.

use chrono::{DateTime, Duration as ChronoDuration, DurationRound, Utc};
use domain::schedule::{InstanceInfo, InstanceRegistry};
use std::time::Duration;

fn now() -> DateTime<Utc> {
    Utc::now().duration_trunc(ChronoDuration::milliseconds(1)).expect("truncate")
}

fn info(id: &str, at: DateTime<Utc>) -> InstanceInfo {
    InstanceInfo {
        id: id.to_owned(),
        host: "host-名".into(),
        pid: 4242,
        version: "0.1.0".into(),
        started_at: at,
        last_seen: at,
        tasks_run: 7,
    }
}

const TTL: Duration = Duration::from_secs(15);

/// A heartbeat is listed as alive with what it said; past its TTL it is listed as dead.
pub async fn heartbeats_are_alive_until_their_ttl(reg: &dyn InstanceRegistry) {
    let id = crate::unique("inst");
    let t = now();
    let sent = info(&id, t);
    reg.heartbeat(&sent, TTL).await.expect("heartbeat");
    let find = |list: Vec<domain::schedule::InstanceStatus>| list.into_iter().find(|s| s.info.id == id);
    let alive = find(reg.list(t + ChronoDuration::seconds(14)).await.expect("list")).expect("listed");
    assert_eq!(alive.info, sent);
    assert!(alive.alive);
    assert_eq!(alive.left_at, None);
    let dead = find(reg.list(t + ChronoDuration::seconds(15)).await.expect("list")).expect("still listed");
    assert!(!dead.alive, "dead at last_seen + ttl");

    let later = InstanceInfo { last_seen: t + ChronoDuration::seconds(20), tasks_run: 9, ..sent };
    reg.heartbeat(&later, TTL).await.expect("heartbeat");
    let back = find(reg.list(t + ChronoDuration::seconds(30)).await.expect("list")).expect("listed");
    assert!(back.alive);
    assert_eq!(back.info.tasks_run, 9, "the newest heartbeat replaces the old one");
}

/// `leave` makes an instance dead at once; a later heartbeat revives it. The list is ordered by id.
pub async fn leaving_is_dead_at_once(reg: &dyn InstanceRegistry) {
    let (a, b) = (crate::unique("a-inst"), crate::unique("b-inst"));
    let t = now();
    reg.heartbeat(&info(&b, t), TTL).await.expect("b");
    reg.heartbeat(&info(&a, t), TTL).await.expect("a");
    reg.leave(&a, t).await.expect("leave");
    let list = reg.list(t).await.expect("list");
    let ours: Vec<_> = list.iter().filter(|s| s.info.id == a || s.info.id == b).collect();
    assert_eq!(ours.iter().map(|s| s.info.id.as_str()).collect::<Vec<_>>(), [a.as_str(), b.as_str()]);
    assert!(!ours[0].alive && ours[0].left_at == Some(t));
    assert!(ours[1].alive);
    reg.heartbeat(&info(&a, t + ChronoDuration::seconds(1)), TTL).await.expect("again");
    let again = reg.list(t + ChronoDuration::seconds(1)).await.expect("list");
    assert!(again.iter().any(|s| s.info.id == a && s.alive && s.left_at.is_none()));
}

/// `forget_before` removes only instances silent since before the cutoff.
pub async fn forget_removes_only_old_instances(reg: &dyn InstanceRegistry) {
    let (old, fresh) = (crate::unique("old"), crate::unique("fresh"));
    let t = now();
    reg.heartbeat(&info(&old, t - ChronoDuration::hours(2)), TTL).await.expect("old");
    reg.heartbeat(&info(&fresh, t), TTL).await.expect("fresh");
    let removed = reg.forget_before(t - ChronoDuration::hours(1)).await.expect("forget");
    assert!(removed >= 1);
    let ids: Vec<String> = reg.list(t).await.expect("list").into_iter().map(|s| s.info.id).collect();
    assert!(!ids.contains(&old));
    assert!(ids.contains(&fresh));
}

/// Expands to one `#[tokio::test]` per check of the instance registry contract; `$make` builds a registry.
#[macro_export]
macro_rules! instances_suite {
    ($make:expr) => {
        mod instances_contract {
            #[allow(unused_imports)]
            use super::*;

            $crate::__checks!($make; instances;
                heartbeats_are_alive_until_their_ttl,
                leaving_is_dead_at_once,
                forget_removes_only_old_instances,
            );
        }
    };
}
