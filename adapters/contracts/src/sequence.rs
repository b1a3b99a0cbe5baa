//! Contract of `domain::chat::SequenceAllocator`, checked with two handles on one backend: two "instances"
//! (for in-process adapters, two references to one allocator).
//!
//! Leases and waits are real time, kept short (a few hundred milliseconds) so the suite stays quick.

use domain::InfraError;
use domain::chat::{ConversationId, GroupId, SeqError, SeqReservation, SequenceAllocator};
use domain::ids::UserId;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A lease no check outlives.
const LONG: Duration = Duration::from_secs(30);
/// No waiting at all.
const NO_WAIT: Duration = Duration::ZERO;

fn conv() -> ConversationId {
    ConversationId::Group(GroupId::new())
}

async fn reserve(seq: &dyn SequenceAllocator, c: &ConversationId) -> SeqReservation {
    seq.reserve(c, LONG, NO_WAIT).await.unwrap_or_else(|e| panic!("reserve {c}: {e:?}"))
}

fn assert_lost(what: &str, r: Result<(), SeqError>) {
    assert!(matches!(r, Err(SeqError::Lost)), "{what}: expected Lost, got {r:?}");
}

/// A fresh conversation starts at 1; commit moves on by one, release hands the same seq out again.
pub async fn commit_advances_and_release_repeats(a: &dyn SequenceAllocator, b: &dyn SequenceAllocator) {
    let c = conv();
    assert_eq!(a.current(&c).await.expect("current"), 0);
    let r1 = reserve(a, &c).await;
    assert_eq!((r1.conversation, r1.seq), (c, 1));
    assert_eq!(a.current(&c).await.expect("current"), 0, "a reservation is not a commit");
    a.commit(&r1).await.expect("commit");
    assert_eq!(b.current(&c).await.expect("current"), 1);
    let r2 = reserve(b, &c).await;
    assert_eq!(r2.seq, 2);
    b.release(&r2).await.expect("release");
    assert_eq!(a.current(&c).await.expect("current"), 1);
    let r2_again = reserve(a, &c).await;
    assert_eq!(r2_again.seq, 2, "a released seq is handed out again");
    assert_ne!(r2_again.token, r2.token, "every reservation has its own token");
    b.commit(&r2_again).await.expect("commit from the other instance");
    assert_eq!(reserve(a, &c).await.seq, 3);
}

/// `commit`/`release` with a token that is not the live reservation are `Lost` and change nothing:
/// committing twice, releasing after commit, a forged token.
pub async fn stale_tokens_are_lost(a: &dyn SequenceAllocator, b: &dyn SequenceAllocator) {
    let c = conv();
    let r = reserve(a, &c).await;
    a.commit(&r).await.expect("commit");
    assert_lost("second commit", b.commit(&r).await);
    assert_lost("release after commit", a.release(&r).await);
    assert_eq!(a.current(&c).await.expect("current"), 1);

    let live = reserve(b, &c).await;
    let forged = SeqReservation { token: "forged".into(), ..live.clone() };
    assert_lost("forged commit", a.commit(&forged).await);
    assert_lost("forged release", a.release(&forged).await);
    let busy = a.reserve(&c, LONG, NO_WAIT).await;
    assert!(matches!(busy, Err(SeqError::Busy)), "the live reservation survived the forgery: {busy:?}");
    b.release(&live).await.expect("release");
    assert_lost("second release", a.release(&live).await);
    assert_eq!(a.current(&c).await.expect("current"), 1);
    let unknown = SeqReservation { conversation: conv(), seq: 1, token: "never-issued".into() };
    assert_lost("commit on a conversation never reserved", a.commit(&unknown).await);
    assert_eq!(a.current(&unknown.conversation).await.expect("current"), 0);
}

/// While a reservation is live, `reserve` waits up to `wait` and then says `Busy`; other conversations
/// are not affected.
pub async fn a_live_reservation_makes_others_wait_then_busy(a: &dyn SequenceAllocator, b: &dyn SequenceAllocator) {
    let c = conv();
    let held = reserve(a, &c).await;
    let started = Instant::now();
    let busy = b.reserve(&c, LONG, Duration::from_millis(200)).await;
    let waited = started.elapsed();
    assert!(matches!(busy, Err(SeqError::Busy)), "{busy:?}");
    assert!(waited >= Duration::from_millis(150), "Busy came after {waited:?}, before the wait was over");
    assert!(waited < Duration::from_secs(3), "Busy came after {waited:?}");
    assert!(matches!(a.reserve(&c, LONG, NO_WAIT).await, Err(SeqError::Busy)));

    let other = conv();
    let started = Instant::now();
    assert_eq!(b.reserve(&other, LONG, Duration::from_secs(5)).await.expect("other conversation").seq, 1);
    assert!(started.elapsed() < Duration::from_secs(1), "conversations are independent");
    a.commit(&held).await.expect("commit");
}

/// A waiting `reserve` gets the next seq soon after the holder commits (long before its wait is over).
pub async fn a_waiter_gets_the_next_seq_after_commit(a: &dyn SequenceAllocator, b: &dyn SequenceAllocator) {
    let c = conv();
    let held = reserve(a, &c).await;
    let started = Instant::now();
    let (waiter, ()) = futures::join!(b.reserve(&c, LONG, Duration::from_secs(10)), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        a.commit(&held).await.expect("commit");
    });
    let got = waiter.expect("the waiter gets a reservation");
    assert_eq!(got.seq, 2);
    assert!(started.elapsed() < Duration::from_secs(3), "woke after {:?}", started.elapsed());
}

/// An expired lease hands the same seq to the next reserver; the old holder's commit is then `Lost`.
pub async fn an_expired_lease_hands_the_same_seq_out_again(a: &dyn SequenceAllocator, b: &dyn SequenceAllocator) {
    let c = conv();
    let first = reserve(a, &c).await;
    a.commit(&first).await.expect("commit");
    let crashed = a.reserve(&c, Duration::from_millis(300), NO_WAIT).await.expect("short lease");
    assert_eq!(crashed.seq, 2);
    let started = Instant::now();
    let next = b.reserve(&c, LONG, Duration::from_secs(10)).await.expect("reserve after expiry");
    let waited = started.elapsed();
    assert_eq!(next.seq, 2, "the expired seq is handed out again");
    assert!(waited >= Duration::from_millis(200), "handed over after {waited:?}, before the lease ran out");
    assert!(waited < Duration::from_secs(3), "handed over after {waited:?}");
    assert_lost("commit of the expired reservation", a.commit(&crashed).await);
    assert_lost("release of the expired reservation", a.release(&crashed).await);
    b.commit(&next).await.expect("the new holder commits");
    assert_eq!(a.current(&c).await.expect("current"), 2);

    let unclaimed = a.reserve(&c, Duration::from_millis(100), NO_WAIT).await.expect("short lease");
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_lost("commit after expiry, nobody waiting", a.commit(&unclaimed).await);
    assert_eq!(b.reserve(&c, LONG, NO_WAIT).await.expect("reserve").seq, 3);
}

/// `renew` keeps a slow holder's reservation past its first lease; once the reservation is over (committed,
/// expired) `renew` is `Lost`.
pub async fn renew_extends_a_live_lease_only(a: &dyn SequenceAllocator, b: &dyn SequenceAllocator) {
    let c = conv();
    let held = a.reserve(&c, Duration::from_millis(300), NO_WAIT).await.expect("reserve");
    tokio::time::sleep(Duration::from_millis(150)).await;
    a.renew(&held, Duration::from_secs(2)).await.expect("renew while live");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let busy = b.reserve(&c, LONG, NO_WAIT).await;
    assert!(matches!(busy, Err(SeqError::Busy)), "the renewed lease ran out at its first deadline: {busy:?}");
    a.commit(&held).await.expect("the renewed holder commits");
    assert_lost("renew after commit", a.renew(&held, LONG).await);
    let forged = SeqReservation { token: "forged".into(), ..reserve(b, &c).await };
    assert_lost("forged renew", a.renew(&forged, LONG).await);

    let short = a.reserve(&conv(), Duration::from_millis(100), NO_WAIT).await.expect("reserve");
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_lost("renew after expiry", a.renew(&short, LONG).await);
}

/// `stale` lists a conversation whose lease ran out unfinished, never one with a live lease, and forgets
/// it once it is reserved again, committed, released or advanced past.
pub async fn stale_lists_expired_reservations_until_finished(a: &dyn SequenceAllocator, b: &dyn SequenceAllocator) {
    const ALL: usize = 100_000;
    let (live, taken_over, released, advanced) = (conv(), conv(), conv(), conv());
    let _live = reserve(a, &live).await;
    for c in [&taken_over, &released, &advanced] {
        a.reserve(c, Duration::from_millis(100), NO_WAIT).await.expect("short lease");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stale = b.stale(ALL).await.expect("stale");
    assert!(!stale.contains(&live), "a live reservation is listed as stale");
    for c in [&taken_over, &released, &advanced] {
        assert!(stale.contains(c), "{c} expired but is not listed: {stale:?}");
    }
    assert!(b.stale(1).await.expect("stale").len() <= 1, "limit ignored");

    let again = reserve(b, &taken_over).await;
    assert_eq!(again.seq, 1, "the expired seq is handed out again");
    let second = b.reserve(&released, LONG, NO_WAIT).await.expect("reserve");
    b.release(&second).await.expect("release");
    a.advance_to(&advanced, 1).await.expect("advance");
    let stale = a.stale(ALL).await.expect("stale");
    for c in [&taken_over, &released, &advanced] {
        assert!(!stale.contains(c), "{c} is still listed after it was finished: {stale:?}");
    }
    b.commit(&again).await.expect("commit");
    assert!(!a.stale(ALL).await.expect("stale").contains(&taken_over));
}

/// `advance_to(n)` raises the committed seq (never lowers it) and cancels a live reservation at or below
/// `n`; a reservation above `n` survives.
pub async fn advance_to_raises_and_cancels(a: &dyn SequenceAllocator, b: &dyn SequenceAllocator) {
    let c = conv();
    a.advance_to(&c, 4).await.expect("advance on a fresh conversation");
    assert_eq!(b.current(&c).await.expect("current"), 4);
    let stale = reserve(a, &c).await;
    assert_eq!(stale.seq, 5);
    b.advance_to(&c, 5).await.expect("advance over the live reservation");
    assert_lost("commit of a cancelled reservation", a.commit(&stale).await);
    assert_eq!(a.current(&c).await.expect("current"), 5);
    a.advance_to(&c, 2).await.expect("advance lower");
    assert_eq!(a.current(&c).await.expect("current"), 5, "never lowered");

    let live = reserve(b, &c).await;
    assert_eq!(live.seq, 6);
    a.advance_to(&c, 5).await.expect("advance below the live reservation");
    b.commit(&live).await.expect("a reservation above n survives");
    assert_eq!(a.current(&c).await.expect("current"), 6);
    assert_eq!(reserve(a, &c).await.seq, 7);
}

/// 8 tasks × 50 reserve/commit on one conversation, across both instances: no two tasks ever hold a
/// reservation at once, and the committed seqs, in commit order, are exactly 1..=400.
pub async fn concurrent_reservers_commit_1_to_400_in_order(a: &dyn SequenceAllocator, b: &dyn SequenceAllocator) {
    const TASKS: u64 = 8;
    const ROUNDS: u64 = 50;
    let c = conv();
    let holder = AtomicU64::new(0);
    let committed = Mutex::new(Vec::new());
    let task = |i: u64| {
        let (seqs, holder, committed, c) = (if i.is_multiple_of(2) { a } else { b }, &holder, &committed, &c);
        async move {
            let mut last = 0;
            for _ in 0..ROUNDS {
                let r = seqs.reserve(c, LONG, Duration::from_secs(60)).await.expect("reserve");
                assert!(r.seq > last, "task {i}: seq {} after {last}", r.seq);
                last = r.seq;
                let previous = holder.swap(r.seq, Ordering::SeqCst);
                assert_eq!(previous, 0, "task {i} got seq {} while seq {previous} was still held", r.seq);
                committed.lock().expect("poisoned").push(r.seq);
                tokio::task::yield_now().await;
                holder.store(0, Ordering::SeqCst);
                seqs.commit(&r).await.expect("commit");
            }
        }
    };
    futures::future::join_all((0..TASKS).map(task)).await;
    let committed = committed.into_inner().expect("poisoned");
    assert_eq!(committed, (1..=TASKS * ROUNDS).collect::<Vec<_>>());
    assert_eq!(a.current(&c).await.expect("current"), TASKS * ROUNDS);
}

/// For adapters that can be cut off: with the backend gone, every method reports `Unavailable`.
/// Not part of `sequence_suite!`.
pub async fn every_method_is_unavailable(seq: &dyn SequenceAllocator) {
    fn check<T: std::fmt::Debug>(what: &str, r: Result<T, SeqError>) {
        assert!(
            matches!(r, Err(SeqError::Infra(InfraError::Unavailable { .. }))),
            "{what}: expected Infra(Unavailable), got {r:?}"
        );
    }
    let c = ConversationId::direct(UserId::new(), UserId::new());
    let r = SeqReservation { conversation: c, seq: 1, token: "t".into() };
    check("reserve", seq.reserve(&c, LONG, Duration::from_millis(100)).await);
    check("commit", seq.commit(&r).await);
    check("release", seq.release(&r).await);
    check("renew", seq.renew(&r, LONG).await);
    check("stale", seq.stale(10).await.map_err(SeqError::Infra));
    check("current", seq.current(&c).await.map_err(SeqError::Infra));
    check("advance_to", seq.advance_to(&c, 1).await.map_err(SeqError::Infra));
}

/// Expands to one `#[tokio::test]` per check of the sequence allocator contract. `$make` evaluates to a
/// future of a pair `(a, b)` of things that deref to a `SequenceAllocator`, sharing one backend.
#[macro_export]
macro_rules! sequence_suite {
    (@checks $make:expr; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let (a, b) = $make.await;
                $crate::sequence::$check(&*a, &*b).await;
            }
        )*
    };
    ($make:expr) => {
        mod sequence_contract {
            #[allow(unused_imports)]
            use super::*;

            $crate::sequence_suite!(@checks $make;
                commit_advances_and_release_repeats,
                stale_tokens_are_lost,
                a_live_reservation_makes_others_wait_then_busy,
                a_waiter_gets_the_next_seq_after_commit,
                an_expired_lease_hands_the_same_seq_out_again,
                advance_to_raises_and_cancels,
                renew_extends_a_live_lease_only,
                stale_lists_expired_reservations_until_finished,
                concurrent_reservers_commit_1_to_400_in_order,
            );
        }
    };
}
