//! Contract of `domain::schedule::RunStore`. Every check works on task names of its own, so the store need
//! not be empty.

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::InfraError;
use domain::page::PageRequest;
use domain::schedule::{RunId, RunOutcome, RunQuery, RunRecord, RunStatus, RunStore, RunStoreError, TaskName, Trigger};

/// A fixed instant `secs` after the suite's epoch, whole seconds like fire times.
pub fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_764_000_000 + secs, 0).unwrap()
}

fn task() -> TaskName {
    TaskName::parse(&crate::unique("t").replace('-', "_")).expect("task name")
}

fn run(task: &TaskName, fire: i64, attempt: u32, fencing: u64) -> RunRecord {
    let trigger = if attempt > 1 { Trigger::Retry } else { Trigger::Schedule };
    let started = at(fire) + Duration::microseconds(1_500);
    RunRecord::started(task.clone(), at(fire), trigger, attempt, "inst-1", fencing, started)
}

fn outcome(status: RunStatus, after_ms: i64, error: Option<&str>, started: DateTime<Utc>) -> RunOutcome {
    RunOutcome { status, finished_at: started + Duration::milliseconds(after_ms), error: error.map(str::to_owned) }
}

async fn get(store: &dyn RunStore, id: RunId) -> Option<RunRecord> {
    store.get(id).await.expect("get")
}

fn stale<T: std::fmt::Debug>(what: &str, r: Result<T, RunStoreError>) {
    assert!(matches!(r, Err(RunStoreError::Stale)), "{what}: expected Stale, got {r:?}");
}

/// A started run is stored as given; `finish` applies the outcome and computes the duration.
pub async fn start_then_finish_round_trips(store: &dyn RunStore) {
    let t = task();
    let r = run(&t, 0, 1, 7);
    store.start(&r).await.expect("start");
    assert_eq!(get(store, r.id).await, Some(r.clone()));
    let done = outcome(RunStatus::Failed, 1234, Some("boom: 数据库 \"x\" ;--"), r.started_at);
    store.finish(r.id, 7, &done).await.expect("finish");
    let stored = get(store, r.id).await.expect("stored");
    assert_eq!(stored, r.clone().finished(&done));
    assert_eq!(stored.duration_ms, Some(1234));
    assert_eq!(get(store, RunId::new()).await, None);
}

/// `finish` needs a running record with that id and that token.
pub async fn finish_needs_the_running_record_and_its_token(store: &dyn RunStore) {
    let t = task();
    let r = run(&t, 0, 1, 5);
    store.start(&r).await.expect("start");
    let ok = outcome(RunStatus::Succeeded, 10, None, r.started_at);
    stale("wrong token", store.finish(r.id, 4, &ok).await);
    stale("unknown id", store.finish(RunId::new(), 5, &ok).await);
    assert_eq!(get(store, r.id).await.expect("stored").status, RunStatus::Running, "nothing changed");
    store.finish(r.id, 5, &ok).await.expect("finish");
    stale("finished twice", store.finish(r.id, 5, &outcome(RunStatus::Failed, 20, None, r.started_at)).await);
    assert_eq!(get(store, r.id).await.expect("stored").status, RunStatus::Succeeded);
}

/// A start on a taken slot with an older or equal token is `Stale`; a newer token takes the slot over and
/// the old holder can no longer finish.
pub async fn a_newer_token_takes_the_slot_over(store: &dyn RunStore) {
    let t = task();
    let first = run(&t, 0, 1, 10);
    store.start(&first).await.expect("start");
    stale("same token", store.start(&run(&t, 0, 1, 10)).await);
    stale("older token", store.start(&run(&t, 0, 1, 9)).await);
    assert_eq!(get(store, first.id).await, Some(first.clone()), "refused starts change nothing");
    let takeover = run(&t, 0, 1, 11);
    store.start(&takeover).await.expect("newer token");
    stale(
        "old holder finishing",
        store.finish(first.id, 10, &outcome(RunStatus::Succeeded, 1, None, first.started_at)).await,
    );
    let page = store.list(&RunQuery { task: Some(t.clone()), ..Default::default() }).await.expect("list");
    assert_eq!(page.total, 1, "one record per slot");
    assert_eq!(page.items[0].id, takeover.id);
    store.finish(takeover.id, 11, &outcome(RunStatus::Succeeded, 1, None, takeover.started_at)).await.expect("finish");
    // Other attempts of the same tick are other slots.
    store.start(&run(&t, 0, 2, 11)).await.expect("attempt 2 is another slot");
}

/// Of concurrent starts for one slot, the largest token is what remains.
pub async fn concurrent_starts_keep_the_largest_token(store: &dyn RunStore) {
    let t = task();
    let runs: Vec<RunRecord> = (1..=8).map(|f| run(&t, 0, 1, f)).collect();
    let results = futures::future::join_all(runs.iter().map(|r| store.start(r))).await;
    for r in &results {
        assert!(matches!(r, Ok(()) | Err(RunStoreError::Stale)), "{r:?}");
    }
    let page = store.list(&RunQuery { task: Some(t), ..Default::default() }).await.expect("list");
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].fencing, 8);
}

/// `record_skip` writes one record per slot however many instances report it; a real start replaces it.
pub async fn skips_are_recorded_once_and_yield_to_a_start(store: &dyn RunStore) {
    let t = task();
    let skip = |inst: &str| RunRecord::skipped(t.clone(), at(5), inst, "redis unavailable", at(5));
    let results =
        futures::future::join_all((0..4).map(|i| async move { store.record_skip(&skip(&format!("inst-{i}"))).await }))
            .await;
    let inserted = results.into_iter().map(|r| r.expect("record_skip")).filter(|b| *b).count();
    assert_eq!(inserted, 1);
    assert!(!store.record_skip(&skip("late")).await.expect("again"));
    let page = store.list(&RunQuery { task: Some(t.clone()), ..Default::default() }).await.expect("list");
    assert_eq!(page.total, 1);
    let stored = &page.items[0];
    assert_eq!(
        (stored.status, stored.error.as_deref(), stored.fencing),
        (RunStatus::Skipped, Some("redis unavailable"), 0)
    );

    let started = run(&t, 5, 1, 1);
    store.start(&started).await.expect("a locked start replaces a skip");
    assert!(!store.record_skip(&skip("later")).await.expect("skip after start"), "the slot is taken");
    let page = store.list(&RunQuery { task: Some(t), ..Default::default() }).await.expect("list");
    assert_eq!((page.total, page.items[0].id), (1, started.id));
}

/// `list` applies each filter, orders newest fire time first, pages and counts.
pub async fn list_filters_orders_and_pages(store: &dyn RunStore) {
    let (t, other) = (task(), task());
    let mut ids = Vec::new();
    for fire in 0..5 {
        let r = run(&t, fire * 10, 1, fire as u64 + 1);
        store.start(&r).await.expect("start");
        if fire % 2 == 0 {
            store.finish(r.id, r.fencing, &outcome(RunStatus::Succeeded, 5, None, r.started_at)).await.expect("finish");
        }
        ids.push(r.id);
    }
    let retry = run(&t, 40, 2, 5);
    store.start(&retry).await.expect("retry");
    let manual = RunRecord::started(t.clone(), at(45), Trigger::Manual, 1, "inst-2", 9, at(45));
    store.start(&manual).await.expect("manual");
    store.start(&run(&other, 0, 1, 1)).await.expect("other task");

    let q = |f: fn(&mut RunQuery)| {
        let mut query = RunQuery { task: Some(t.clone()), ..Default::default() };
        f(&mut query);
        query
    };
    let all = store.list(&q(|_| {})).await.expect("list");
    assert_eq!(all.total, 7);
    let order: Vec<RunId> = all.items.iter().map(|r| r.id).collect();
    assert_eq!(order, vec![manual.id, retry.id, ids[4], ids[3], ids[2], ids[1], ids[0]], "newest fire, then attempt");

    let running = store.list(&q(|q| q.status = Some(RunStatus::Running))).await.expect("running");
    assert_eq!(running.total, 4);
    let retries = store.list(&q(|q| q.trigger = Some(Trigger::Retry))).await.expect("retries");
    assert_eq!(retries.items.iter().map(|r| r.id).collect::<Vec<_>>(), vec![retry.id]);
    let inst = store.list(&q(|q| q.instance = Some("inst-2".into()))).await.expect("instance");
    assert_eq!(inst.total, 1);
    let window = store
        .list(&q(|q| {
            q.from = Some(at(10));
            q.to = Some(at(30));
        }))
        .await
        .expect("window");
    assert_eq!(window.items.iter().map(|r| r.id).collect::<Vec<_>>(), vec![ids[2], ids[1]]);
    let page2 = store.list(&q(|q| q.page = PageRequest::new(2, 3).unwrap())).await.expect("page 2");
    assert_eq!((page2.total, page2.page, page2.size), (7, 2, 3));
    assert_eq!(page2.items.iter().map(|r| r.id).collect::<Vec<_>>(), vec![ids[3], ids[2], ids[1]]);
    let everything = store.list(&RunQuery::default()).await.expect("no filter");
    assert!(everything.total >= 8);
}

/// `stats` counts by status since the bound, averages finished runs and names the newest record;
/// `last_fire` is the newest scheduled fire time.
pub async fn stats_and_last_fire(store: &dyn RunStore) {
    let t = task();
    let empty = store.stats(&t, at(0)).await.expect("stats");
    assert_eq!((empty.runs, empty.last.clone()), (0, None));
    assert_eq!(store.last_fire(&t).await.expect("last_fire"), None);

    let plan = [
        (0, RunStatus::Succeeded, 100),
        (10, RunStatus::Succeeded, 200),
        (20, RunStatus::Failed, 300),
        (30, RunStatus::TimedOut, 400),
        (40, RunStatus::Cancelled, 500),
    ];
    for (i, (fire, status, ms)) in plan.into_iter().enumerate() {
        let r = run(&t, fire, 1, i as u64 + 1);
        store.start(&r).await.expect("start");
        store.finish(r.id, r.fencing, &outcome(status, ms, None, r.started_at)).await.expect("finish");
    }
    store.record_skip(&RunRecord::skipped(t.clone(), at(50), "i", "paused", at(50))).await.expect("skip");
    let running = run(&t, 60, 1, 9);
    store.start(&running).await.expect("running");
    let manual = RunRecord::started(t.clone(), at(70), Trigger::Manual, 1, "i", 10, at(70));
    store.start(&manual).await.expect("manual");

    let s = store.stats(&t, at(0)).await.expect("stats");
    assert_eq!((s.runs, s.succeeded, s.failed, s.timed_out, s.cancelled, s.skipped, s.running), (8, 2, 1, 1, 1, 1, 2));
    assert_eq!(s.avg_duration_ms, Some(300.0));
    assert_eq!(s.p95_duration_ms, Some(500));
    assert_eq!(s.last.as_ref().map(|r| r.id), Some(manual.id));
    assert_eq!(s.success_rate(), Some(0.4));
    let recent = store.stats(&t, at(30)).await.expect("stats since");
    assert_eq!((recent.runs, recent.succeeded, recent.timed_out), (5, 0, 1));
    assert_eq!(store.last_fire(&t).await.expect("last_fire"), Some(at(60)), "manual runs are not ticks");
}

/// `abandon` fails only the running records of that instance started before the bound.
pub async fn abandon_fails_the_dead_instances_running_records(store: &dyn RunStore) {
    let t = task();
    let mine = RunRecord::started(t.clone(), at(0), Trigger::Schedule, 1, "dead", 1, at(0));
    let mine_later = RunRecord::started(t.clone(), at(100), Trigger::Schedule, 1, "dead", 2, at(100));
    let theirs = RunRecord::started(t.clone(), at(10), Trigger::Schedule, 1, "alive", 3, at(10));
    for r in [&mine, &mine_later, &theirs] {
        store.start(r).await.expect("start");
    }
    let n = store.abandon("dead", at(50), "instance dead stopped heartbeating", at(60)).await.expect("abandon");
    assert_eq!(n, 1);
    let failed = get(store, mine.id).await.expect("stored");
    assert_eq!(
        (failed.status, failed.error.as_deref()),
        (RunStatus::Failed, Some("instance dead stopped heartbeating"))
    );
    assert_eq!((failed.finished_at, failed.duration_ms), (Some(at(60)), Some(60_000)));
    assert_eq!(get(store, mine_later.id).await.expect("stored").status, RunStatus::Running);
    assert_eq!(get(store, theirs.id).await.expect("stored").status, RunStatus::Running);
}

/// `purge_before` deletes only records fired before the cutoff.
pub async fn purge_removes_old_history(store: &dyn RunStore) {
    let t = task();
    let old = run(&t, -86_400 * 40, 1, 1);
    let recent = run(&t, 0, 1, 2);
    store.start(&old).await.expect("old");
    store.start(&recent).await.expect("recent");
    let n = store.purge_before(at(-86_400)).await.expect("purge");
    assert!(n >= 1);
    assert_eq!(get(store, old.id).await, None);
    assert!(get(store, recent.id).await.is_some());
}

/// Every method reports `InfraError::Unavailable` (for adapters whose backend can be cut off).
pub async fn every_method_is_unavailable(store: &dyn RunStore) {
    let t = task();
    let r = run(&t, 0, 1, 1);
    let down = |what: &str, ok: bool| assert!(ok, "{what}: expected Unavailable");
    let unavailable = |e: &InfraError| matches!(e, InfraError::Unavailable { .. });
    down("start", matches!(store.start(&r).await, Err(RunStoreError::Infra(ref e)) if unavailable(e)));
    let o = outcome(RunStatus::Succeeded, 1, None, r.started_at);
    down("finish", matches!(store.finish(r.id, 1, &o).await, Err(RunStoreError::Infra(ref e)) if unavailable(e)));
    down("record_skip", matches!(store.record_skip(&r).await, Err(ref e) if unavailable(e)));
    down("get", matches!(store.get(r.id).await, Err(ref e) if unavailable(e)));
    down("list", matches!(store.list(&RunQuery::default()).await, Err(ref e) if unavailable(e)));
    down("stats", matches!(store.stats(&t, at(0)).await, Err(ref e) if unavailable(e)));
    down("last_fire", matches!(store.last_fire(&t).await, Err(ref e) if unavailable(e)));
    down("abandon", matches!(store.abandon("x", at(0), "r", at(0)).await, Err(ref e) if unavailable(e)));
    down("purge_before", matches!(store.purge_before(at(0)).await, Err(ref e) if unavailable(e)));
}

/// Expands to one `#[tokio::test]` per check of the run store contract; `$make` builds a store.
#[macro_export]
macro_rules! runs_suite {
    ($make:expr) => {
        mod runs_contract {
            #[allow(unused_imports)]
            use super::*;

            $crate::__checks!($make; runs;
                start_then_finish_round_trips,
                finish_needs_the_running_record_and_its_token,
                a_newer_token_takes_the_slot_over,
                concurrent_starts_keep_the_largest_token,
                skips_are_recorded_once_and_yield_to_a_start,
                list_filters_orders_and_pages,
                stats_and_last_fire,
                abandon_fails_the_dead_instances_running_records,
                purge_removes_old_history,
            );
        }
    };
}
