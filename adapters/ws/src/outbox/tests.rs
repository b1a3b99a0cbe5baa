//! The outbox's promises, checked directly: per conversation strictly increasing and without holes,
//! bounded memory, storage reads for what is missing, syncs that end in `synced`.

use super::*;
use domain::chat::GroupId;
use proptest::prelude::*;

const GRACE: Duration = Duration::from_millis(100);

fn limits(hold: usize) -> Limits {
    Limits { hold, control: 8, gap_grace: GRACE, page: 5 }
}

fn conv() -> ConversationId {
    ConversationId::Group(GroupId::new())
}

fn msg(c: ConversationId, seq: u64) -> Frame {
    format!("m {c} {seq}").into()
}

fn ack(c: ConversationId, seq: u64) -> Frame {
    format!("a {c} {seq}").into()
}

/// Sends until the outbox has nothing to send, answering fetches from `stored` (seqs 1..=stored).
fn run(o: &mut Outbox, now: Instant, stored: &HashMap<ConversationId, u64>) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..10_000 {
        match o.next(now) {
            Some(Step::Send(f)) => out.push(f.to_string()),
            Some(Step::Synced { plans, .. }) => out.push(format!("synced {}", plans.len())),
            Some(Step::Fetch { conversation, after, until }) => {
                let top = stored.get(&conversation).copied().unwrap_or(0).min(until);
                let page: Vec<(u64, Frame)> = (after + 1..=top).take(5).map(|s| (s, msg(conversation, s))).collect();
                o.filled(conversation, until, page);
            }
            Some(Step::Verify(cs)) => {
                // storage knows the tracked conversations and any other with messages
                let latest = stored.iter().filter(|(c, _)| cs.contains(c)).map(|(c, s)| (*c, *s)).collect();
                o.watermarks(&latest);
            }
            None => return out,
        }
    }
    panic!("the outbox never ran dry");
}

#[test]
fn live_messages_go_out_in_order_and_repeats_are_dropped() {
    let (c, t0) = (conv(), Instant::now());
    let mut o = Outbox::new(limits(100));
    o.message(c, 7, msg(c, 7)).unwrap();
    o.message(c, 9, msg(c, 9)).unwrap();
    o.message(c, 7, msg(c, 7)).unwrap();
    assert_eq!(run(&mut o, t0, &HashMap::new()), vec![msg(c, 7).to_string()], "9 waits for 8");
    o.message(c, 8, msg(c, 8)).unwrap();
    o.message(c, 6, msg(c, 6)).unwrap();
    assert_eq!(run(&mut o, t0, &HashMap::new()), vec![msg(c, 8).to_string(), msg(c, 9).to_string()]);
    assert_eq!(o.held(), 0);
}

#[test]
fn a_missing_seq_is_read_from_storage_after_the_grace() {
    let (c, t0) = (conv(), Instant::now());
    let mut o = Outbox::new(limits(100));
    o.message(c, 1, msg(c, 1)).unwrap();
    o.message(c, 4, msg(c, 4)).unwrap();
    assert_eq!(run(&mut o, t0, &HashMap::new()).len(), 1);
    assert_eq!(o.wake_at(), Some(t0 + GRACE));
    assert!(o.next(t0 + GRACE / 2).is_none(), "2 and 3 may still be on their way");
    match o.next(t0 + GRACE) {
        Some(Step::Fetch { conversation, after, until }) => assert_eq!((conversation, after, until), (c, 1, 4)),
        other => panic!("expected a fetch, got {other:?}"),
    }
    o.filled(c, 4, vec![(2, msg(c, 2)), (3, msg(c, 3)), (4, msg(c, 4))]);
    let sent = run(&mut o, t0 + GRACE, &HashMap::new());
    assert_eq!(sent, [2, 3, 4].map(|s| msg(c, s).to_string()));
}

#[test]
fn an_ack_takes_its_messages_place_and_an_old_ack_goes_out_at_once() {
    let (c, t0) = (conv(), Instant::now());
    let mut o = Outbox::new(limits(100));
    o.message(c, 1, msg(c, 1)).unwrap();
    o.ack(c, 3, ack(c, 3)).unwrap();
    assert_eq!(run(&mut o, t0, &HashMap::new()), vec![msg(c, 1).to_string()], "the ack waits for 2");
    o.message(c, 2, msg(c, 2)).unwrap();
    assert_eq!(run(&mut o, t0, &HashMap::new()), vec![msg(c, 2).to_string(), ack(c, 3).to_string()]);
    o.ack(c, 2, ack(c, 2)).unwrap();
    assert_eq!(run(&mut o, t0, &HashMap::new()), vec![ack(c, 2).to_string()], "a retry's ack is not held");
}

#[test]
fn past_the_hold_live_messages_are_read_back_from_storage() {
    let (c, t0) = (conv(), Instant::now());
    let mut o = Outbox::new(limits(3));
    let spilled: Vec<bool> = (1..=8).map(|s| o.message(c, s, msg(c, s)).unwrap()).collect();
    assert_eq!(spilled.iter().filter(|s| **s).count(), 5);
    assert_eq!(o.held(), 3, "memory stays bounded");
    let stored = HashMap::from([(c, 8)]);
    let sent = run(&mut o, t0 + GRACE, &stored);
    assert_eq!(sent, (1..=8).map(|s| msg(c, s).to_string()).collect::<Vec<_>>());
    // a client that does not read at all falls one conversation's `control` behind: slow
    let more: Vec<_> = (9..=17).map(|s| o.message(c, s, msg(c, s))).collect();
    assert_eq!(more.last(), Some(&Err(Overflow)), "{more:?}");
    assert!(more[..8].iter().all(Result::is_ok));
}

#[test]
fn frames_that_cannot_be_read_back_overflow_into_a_slow_consumer() {
    let mut o = Outbox::new(limits(3));
    for _ in 0..8 {
        o.control("reply".into()).unwrap();
    }
    assert_eq!(o.control("one more".into()), Err(Overflow));
    o.droppable("typing".into());
    assert_eq!(o.held(), 8, "a late typing notice is dropped, not an overflow");
}

#[test]
fn a_sync_streams_from_the_cursor_holds_live_messages_back_and_ends_in_synced() {
    let (c, d, t0) = (conv(), conv(), Instant::now());
    let mut o = Outbox::new(limits(100));
    o.message(c, 13, msg(c, 13)).unwrap();
    let plans = vec![
        SyncPlan { conversation: c, after: 0, until: 12, more: false },
        SyncPlan { conversation: d, after: 3, until: 3, more: false },
    ];
    o.begin_sync(Some("s1".into()), plans);
    assert!(o.syncing());
    o.message(c, 14, msg(c, 14)).unwrap();
    let stored = HashMap::from([(c, 14), (d, 3)]);
    let sent = run(&mut o, t0, &stored);
    let mut want: Vec<String> = (1..=12).map(|s| msg(c, s).to_string()).collect();
    want.push("synced 2".into());
    want.extend([13, 14].map(|s| msg(c, s).to_string()));
    assert_eq!(sent, want, "replay, then synced, then what arrived live meanwhile");
    assert!(!o.syncing());
}

#[test]
fn a_sync_with_more_pauses_live_delivery_until_the_next_sync() {
    let (c, t0) = (conv(), Instant::now());
    let mut o = Outbox::new(limits(100));
    o.begin_sync(None, vec![SyncPlan { conversation: c, after: 0, until: 5, more: true }]);
    o.message(c, 20, msg(c, 20)).unwrap();
    o.ack(c, 21, ack(c, 21)).unwrap();
    let stored = HashMap::from([(c, 21)]);
    let sent = run(&mut o, t0, &stored);
    let mut want: Vec<String> = (1..=5).map(|s| msg(c, s).to_string()).collect();
    want.push("synced 1".into());
    want.push(ack(c, 21).to_string());
    assert_eq!(sent, want, "live messages wait for the client's next sync; its own ack does not");
    o.message(c, 22, msg(c, 22)).unwrap();
    assert!(run(&mut o, t0 + GRACE * 10, &stored).is_empty(), "paused: no gap filling");
    o.begin_sync(None, vec![SyncPlan { conversation: c, after: 5, until: 8, more: true }]);
    let sent = run(&mut o, t0, &stored);
    assert_eq!(sent.len(), 4, "{sent:?}");
}

#[test]
fn seqs_storage_does_not_have_are_stepped_over() {
    let (c, t0) = (conv(), Instant::now());
    let mut o = Outbox::new(limits(100));
    o.message(c, 1, msg(c, 1)).unwrap();
    o.message(c, 4, msg(c, 4)).unwrap();
    run(&mut o, t0, &HashMap::new());
    let stored = HashMap::new();
    let sent = run(&mut o, t0 + GRACE, &stored);
    assert_eq!(sent, vec![msg(c, 4).to_string()], "2 and 3 are not stored anywhere");
}

#[test]
fn a_watermark_reveals_a_lost_tail() {
    let (c, t0) = (conv(), Instant::now());
    let mut o = Outbox::new(limits(100));
    o.message(c, 1, msg(c, 1)).unwrap();
    run(&mut o, t0, &HashMap::new());
    o.request_verify();
    let stored = HashMap::from([(c, 3)]);
    let sent = run(&mut o, t0, &stored);
    assert_eq!(sent, [2, 3].map(|s| msg(c, s).to_string()), "known from storage: read at once");
}

#[test]
fn a_failed_fetch_is_retried_later() {
    let (c, t0) = (conv(), Instant::now());
    let mut o = Outbox::new(limits(100));
    o.message(c, 1, msg(c, 1)).unwrap();
    o.message(c, 3, msg(c, 3)).unwrap();
    run(&mut o, t0, &HashMap::new());
    assert!(matches!(o.next(t0 + GRACE), Some(Step::Fetch { .. })));
    o.fetch_failed(c, t0 + GRACE, Duration::from_secs(1));
    assert!(o.next(t0 + GRACE).is_none());
    assert_eq!(o.wake_at(), Some(t0 + GRACE + Duration::from_secs(1)));
    let sent = run(&mut o, t0 + GRACE + Duration::from_secs(1), &HashMap::from([(c, 3)]));
    assert_eq!(sent, [2, 3].map(|s| msg(c, s).to_string()));
}

/// One thing that can happen to a connection's outbox.
#[derive(Clone, Debug)]
enum Op {
    /// A live message arrives (any order, repeats, some never).
    Live(usize, u64),
    /// The connection's own send is acked.
    Ack(usize, u64),
    /// The client syncs one conversation from a cursor.
    Sync(usize, u64, bool),
    /// The writer runs for a while (time passes).
    Drain(u64),
    /// The bus resumed.
    Verify,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..3usize, 1..40u64).prop_map(|(c, s)| Op::Live(c, s)),
        1 => (0..3usize, 1..40u64).prop_map(|(c, s)| Op::Ack(c, s)),
        1 => (0..3usize, 0..40u64, any::<bool>()).prop_map(|(c, s, m)| Op::Sync(c, s, m)),
        2 => (0..300u64).prop_map(Op::Drain),
        1 => Just(Op::Verify),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Whatever arrives in whatever order: between syncs each conversation's frames go out strictly
    /// increasing and contiguous; every ack goes out exactly once; memory stays within the hold; and once
    /// time passes everything known is delivered up to the newest stored seq.
    #[test]
    fn every_conversation_goes_out_in_order_without_holes(ops in proptest::collection::vec(op(), 1..80)) {
        let convs = [conv(), conv(), conv()];
        let stored: HashMap<ConversationId, u64> = convs.iter().map(|c| (*c, 40)).collect();
        let mut o = Outbox::new(Limits { hold: 6, control: 1_000, gap_grace: GRACE, page: 5 });
        let mut now = Instant::now();
        let mut last: HashMap<ConversationId, u64> = HashMap::new();
        let mut acks_in = 0usize;
        let mut acks_out = 0usize;
        let mut paused: HashMap<ConversationId, bool> = HashMap::new();
        let check = |sent: Vec<String>, last: &mut HashMap<ConversationId, u64>, acks_out: &mut usize| {
            for frame in sent {
                let parts: Vec<&str> = frame.split(' ').collect();
                if parts[0] == "synced" {
                    continue;
                }
                let c: ConversationId = parts[1].parse().unwrap();
                let seq: u64 = parts[2].parse().unwrap();
                if parts[0] == "a" {
                    *acks_out += 1;
                    // An ack in turn advances the stream; the ack of a retry (a seq already out) and
                    // acks while the client pages with `sync` go out of turn, by design.
                    if last.get(&c).is_some_and(|l| seq == l + 1) {
                        last.insert(c, seq);
                    }
                    continue;
                }
                if let Some(prev) = last.get(&c) {
                    prop_assert_eq!(seq, prev + 1, "conversation {} went from {} to {}", c, prev, seq);
                }
                last.insert(c, seq);
            }
            Ok(())
        };
        for op in ops {
            match op {
                Op::Live(c, s) => { let _ = o.message(convs[c], s, msg(convs[c], s)); }
                Op::Ack(c, s) => { acks_in += 1; o.ack(convs[c], s, ack(convs[c], s)).unwrap(); }
                Op::Sync(c, cursor, more) => {
                    let until = if more { (cursor + 5).min(40) } else { 40 };
                    // a sync restarts the conversation at the client's cursor
                    if !o.syncing() {
                        let sent = run(&mut o, now, &stored);
                        check(sent, &mut last, &mut acks_out)?;
                        let more = more && until < 40;
                        o.begin_sync(None, vec![SyncPlan { conversation: convs[c], after: cursor, until, more }]);
                        last.insert(convs[c], cursor);
                        paused.insert(convs[c], more);
                    }
                }
                Op::Drain(ms) => {
                    now += Duration::from_millis(ms);
                    let sent = run(&mut o, now, &stored);
                    check(sent, &mut last, &mut acks_out)?;
                }
                Op::Verify => o.request_verify(),
            }
            prop_assert!(o.held() <= 6 + acks_in + 5, "held {}", o.held());
        }
        now += GRACE * 2;
        let sent = run(&mut o, now, &stored);
        check(sent, &mut last, &mut acks_out)?;
        o.request_verify();
        let sent = run(&mut o, now, &stored);
        check(sent, &mut last, &mut acks_out)?;
        now += GRACE * 2;
        let sent = run(&mut o, now, &stored);
        check(sent, &mut last, &mut acks_out)?;
        prop_assert_eq!(acks_in, acks_out, "every ack went out once");
        prop_assert!(!o.syncing());
        for (c, seq) in &last {
            if !paused.get(c).copied().unwrap_or(false) {
                prop_assert_eq!(*seq, 40, "conversation {} stopped at {} of 40", c, seq);
            }
        }
    }
}
