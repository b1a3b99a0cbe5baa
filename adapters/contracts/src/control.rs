//! Contract of `domain::schedule::TaskControl`.

use chrono::{DateTime, TimeZone, Utc};
use domain::schedule::{TaskControl, TaskName};

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
}

fn task() -> TaskName {
    TaskName::parse(&crate::unique("t").replace('-', "_")).expect("task name")
}

/// Pause, see it paused (with author and time), resume, see it running; repeats are reported as no-ops.
pub async fn pause_and_resume(control: &dyn TaskControl) {
    let t = task();
    assert!(!control.is_paused(&t).await.expect("is_paused"));
    assert!(control.pause(&t, "alice", at(1)).await.expect("pause"));
    assert!(!control.pause(&t, "bob", at(2)).await.expect("pause again"), "already paused");
    assert!(control.is_paused(&t).await.expect("is_paused"));
    let state = control.paused().await.expect("paused").into_iter().find(|p| p.task == t).expect("listed");
    assert_eq!((state.paused_by.as_str(), state.paused_at), ("alice", at(1)), "the first pause is kept");
    assert!(control.resume(&t).await.expect("resume"));
    assert!(!control.resume(&t).await.expect("resume again"));
    assert!(!control.is_paused(&t).await.expect("is_paused"));
    assert!(control.paused().await.expect("paused").iter().all(|p| p.task != t));
}

/// Tasks are paused independently.
pub async fn tasks_are_independent(control: &dyn TaskControl) {
    let (a, b) = (task(), task());
    control.pause(&a, "ops", at(0)).await.expect("pause");
    assert!(control.is_paused(&a).await.expect("a"));
    assert!(!control.is_paused(&b).await.expect("b"));
}

/// Expands to one `#[tokio::test]` per check of the task control contract; `$make` builds a store.
#[macro_export]
macro_rules! control_suite {
    ($make:expr) => {
        mod control_contract {
            #[allow(unused_imports)]
            use super::*;

            $crate::__checks!($make; control; pause_and_resume, tasks_are_independent);
        }
    };
}
