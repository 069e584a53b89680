//! The hand-over from callers to the writer thread of a [`FileSink`](super::FileSink): one batch
//! of serialized events under a mutex. A caller copies its event's bytes in (the batch's buffers
//! are reused, so no allocation per event, and none freed on another thread); the writer takes
//! the whole batch in one swap. A busy log costs one short lock per event and one wake-up of the
//! writer per poll, not per event.
//!
//! Callers number their events (tickets); the writer says which tickets are durable (written and
//! synced), and a caller that must wait for its event ([`Durability::Sync`](super::Durability),
//! `flush`) waits for its ticket.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::Thread;
use std::time::{Duration, Instant};

/// Serialized events, one after another, and where each ends.
#[derive(Default)]
pub(crate) struct Batch {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Batch {
    /// The events, in the order they were enqueued.
    pub(crate) fn events(&self) -> impl Iterator<Item = &[u8]> {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let event = &self.bytes[start..end];
            start = end;
            event
        })
    }

    /// How many events.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    fn push(&mut self, event: &[u8]) {
        self.bytes.extend_from_slice(event);
        self.ends.push(self.bytes.len());
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }
}

/// Why the queue refused an event or a wait.
pub(crate) enum Refused {
    /// The writer failed, for this reason.
    Failed(String),
    /// The sink was closed.
    Closed,
    /// The queue stayed full for the whole wait.
    Full,
}

/// What the writer learns when it takes a batch.
pub(crate) struct Taken {
    /// The sink is closing: write what was taken, a last checkpoint, sync, stop.
    pub(crate) closing: bool,
    /// A caller waits for every event up to this ticket to be durable.
    pub(crate) wanted: u64,
}

struct State {
    batch: Batch,
    /// Events enqueued so far: the ticket of the last one.
    enqueued: u64,
    /// Every ticket up to this one is written and synced.
    durable: u64,
    /// The highest ticket a caller waits to see durable.
    wanted: u64,
    closing: bool,
    /// The writer thread has ended.
    stopped: bool,
    failed: Option<String>,
}

/// The queue of one sink, shared by its callers and its writer thread.
pub(crate) struct Queue {
    state: Mutex<State>,
    /// Signalled when the writer takes a batch: callers waiting for room look again.
    room: Condvar,
    /// Signalled when tickets become durable, the writer fails, or it stops.
    progress: Condvar,
    /// Set once the writer failed: read without the lock on every event.
    failed: AtomicBool,
    /// Lines written so far (events and checkpoints).
    written: AtomicU64,
    limit: usize,
}

impl Queue {
    /// A queue that holds at most `limit` events (at least one).
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            state: Mutex::new(State {
                batch: Batch::default(),
                enqueued: 0,
                durable: 0,
                wanted: 0,
                closing: false,
                stopped: false,
                failed: None,
            }),
            room: Condvar::new(),
            progress: Condvar::new(),
            failed: AtomicBool::new(false),
            written: AtomicU64::new(0),
            limit: limit.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Why callers are refused, if they are.
    fn refused(state: &State) -> Option<Refused> {
        if let Some(reason) = &state.failed {
            return Some(Refused::Failed(reason.clone()));
        }
        if state.closing {
            return Some(Refused::Closed);
        }
        state
            .stopped
            .then(|| Refused::Failed("the writer thread stopped".to_owned()))
    }

    /// The writer's reason, once it failed.
    pub(crate) fn failure(&self) -> Option<String> {
        if !self.failed.load(Ordering::Acquire) {
            return None;
        }
        self.lock().failed.clone()
    }

    /// Lines the writer wrote so far.
    pub(crate) fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    /// Appends one event, waiting at most `wait` for room (waking `writer` so it makes some).
    /// Returns the event's ticket.
    pub(crate) fn push(
        &self,
        event: &[u8],
        wait: Duration,
        writer: &Thread,
    ) -> Result<u64, Refused> {
        let mut state = self.lock();
        // Set at the first wait; `None` inside: a wait too long to have an end.
        let mut deadline: Option<Option<Instant>> = None;
        loop {
            if let Some(refused) = Self::refused(&state) {
                return Err(refused);
            }
            if state.batch.len() < self.limit {
                break;
            }
            let deadline = *deadline.get_or_insert_with(|| Instant::now().checked_add(wait));
            let now = Instant::now();
            let left = match deadline {
                Some(deadline) if now >= deadline => return Err(Refused::Full),
                Some(deadline) => deadline - now,
                None => Duration::from_secs(3600),
            };
            writer.unpark();
            state = self
                .room
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        state.batch.push(event);
        state.enqueued += 1;
        Ok(state.enqueued)
    }

    /// Waits until every event up to `ticket` is durable; `None` waits for every event enqueued
    /// so far.
    pub(crate) fn wait_durable(&self, ticket: Option<u64>, writer: &Thread) -> Result<(), Refused> {
        let mut state = self.lock();
        let ticket = ticket.unwrap_or(state.enqueued);
        state.wanted = state.wanted.max(ticket);
        writer.unpark();
        loop {
            // Durable first: an event synced before the writer failed on a later one is recorded.
            if state.durable >= ticket {
                return Ok(());
            }
            if let Some(reason) = &state.failed {
                return Err(Refused::Failed(reason.clone()));
            }
            if state.stopped {
                // The writer is gone (it makes everything durable before it stops on a close).
                return Err(Self::refused(&state).unwrap_or(Refused::Closed));
            }
            state = self
                .progress
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Tells the writer to finish: what is queued is still written. Callers are refused from now.
    pub(crate) fn close(&self) {
        self.lock().closing = true;
    }

    /// The writer takes every queued event, swapping `into` (emptied) for the batch.
    pub(crate) fn take(&self, into: &mut Batch) -> Taken {
        into.clear();
        let mut state = self.lock();
        let was_full = state.batch.len() >= self.limit;
        std::mem::swap(&mut state.batch, into);
        let taken = Taken {
            closing: state.closing,
            wanted: state.wanted,
        };
        drop(state);
        if was_full {
            self.room.notify_all();
        }
        taken
    }

    /// The writer made every event up to `ticket` durable, and has written `lines` lines.
    pub(crate) fn made_durable(&self, ticket: u64, lines: u64) {
        self.written.store(lines, Ordering::Relaxed);
        let mut state = self.lock();
        let waited = state.wanted > state.durable;
        state.durable = state.durable.max(ticket);
        drop(state);
        if waited {
            self.progress.notify_all();
        }
    }

    /// The writer counts its lines without making anything durable.
    pub(crate) fn wrote(&self, lines: u64) {
        self.written.store(lines, Ordering::Relaxed);
    }

    /// The writer thread ended (closed, failed or panicked): nobody waits for it any more.
    pub(crate) fn stopped(&self) {
        self.lock().stopped = true;
        self.room.notify_all();
        self.progress.notify_all();
    }

    /// The writer failed: every waiting and later caller is refused with `reason`.
    pub(crate) fn fail(&self, reason: String) {
        let mut state = self.lock();
        if state.failed.is_none() {
            state.failed = Some(reason);
        }
        self.failed.store(true, Ordering::Release);
        drop(state);
        self.room.notify_all();
        self.progress.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn me() -> Thread {
        std::thread::current()
    }

    #[test]
    fn events_come_out_in_order_with_tickets_and_the_batch_is_emptied() {
        let q = Queue::new(8);
        assert_eq!(q.push(b"one", Duration::ZERO, &me()).ok(), Some(1));
        assert_eq!(q.push(b"", Duration::ZERO, &me()).ok(), Some(2));
        assert_eq!(q.push(b"three", Duration::ZERO, &me()).ok(), Some(3));
        let mut batch = Batch::default();
        let taken = q.take(&mut batch);
        assert!(!taken.closing);
        assert_eq!(taken.wanted, 0);
        assert_eq!(
            batch.events().collect::<Vec<_>>(),
            [&b"one"[..], b"", b"three"]
        );
        q.take(&mut batch);
        assert_eq!(batch.len(), 0);
        assert_eq!(q.push(b"four", Duration::ZERO, &me()).ok(), Some(4));
    }

    #[test]
    fn a_full_queue_refuses_after_the_wait_and_takes_again_once_the_writer_took_a_batch() {
        let q = Arc::new(Queue::new(2));
        q.push(b"a", Duration::ZERO, &me()).ok().unwrap();
        q.push(b"b", Duration::ZERO, &me()).ok().unwrap();
        let started = Instant::now();
        assert!(matches!(
            q.push(b"c", Duration::from_millis(30), &me()),
            Err(Refused::Full)
        ));
        assert!(started.elapsed() >= Duration::from_millis(30));
        // A caller waiting for room gets in as soon as the writer takes the batch.
        let writer = {
            let q = Arc::clone(&q);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(20));
                let mut batch = Batch::default();
                q.take(&mut batch);
                batch.len()
            })
        };
        assert_eq!(q.push(b"c", Duration::from_secs(30), &me()).ok(), Some(3));
        assert_eq!(writer.join().unwrap(), 2);
    }

    #[test]
    fn a_waiter_returns_once_its_ticket_is_durable_and_not_before() {
        let q = Arc::new(Queue::new(8));
        let ticket = q.push(b"x", Duration::ZERO, &me()).ok().unwrap();
        q.made_durable(ticket - 1, 1);
        let waiter = {
            let q = Arc::clone(&q);
            let writer = me();
            std::thread::spawn(move || q.wait_durable(Some(ticket), &writer).is_ok())
        };
        // The writer sees the wanted ticket when it takes the batch.
        let mut batch = Batch::default();
        let taken = loop {
            let taken = q.take(&mut batch);
            if taken.wanted == ticket {
                break taken;
            }
            assert!(
                !waiter.is_finished(),
                "returned before its ticket was durable"
            );
            std::thread::park_timeout(Duration::from_millis(5));
        };
        assert!(!taken.closing);
        assert!(!waiter.is_finished());
        q.made_durable(ticket, 2);
        assert!(waiter.join().unwrap());
        assert_eq!(q.written(), 2);
        // Nothing new: a flush returns at once.
        assert!(q.wait_durable(None, &me()).is_ok());
    }

    #[test]
    fn a_failed_writer_refuses_waiters_and_callers_with_its_reason() {
        let q = Arc::new(Queue::new(1));
        let ticket = q.push(b"x", Duration::ZERO, &me()).ok().unwrap();
        let waiter = {
            let q = Arc::clone(&q);
            let writer = me();
            std::thread::spawn(move || match q.wait_durable(Some(ticket), &writer) {
                Err(Refused::Failed(reason)) => reason,
                _ => String::from("not refused"),
            })
        };
        let pusher = {
            let q = Arc::clone(&q);
            let writer = me();
            std::thread::spawn(
                move || matches!(q.push(b"y", Duration::from_secs(30), &writer), Err(Refused::Failed(r)) if r == "disk full"),
            )
        };
        std::thread::sleep(Duration::from_millis(20));
        q.fail("disk full".to_owned());
        assert_eq!(waiter.join().unwrap(), "disk full");
        assert!(pusher.join().unwrap());
        assert_eq!(q.failure().as_deref(), Some("disk full"));
        assert!(matches!(
            q.push(b"z", Duration::ZERO, &me()),
            Err(Refused::Failed(_))
        ));
    }

    #[test]
    fn after_a_close_callers_are_refused_and_a_stopped_writer_releases_its_waiters() {
        let q = Arc::new(Queue::new(4));
        let ticket = q.push(b"x", Duration::ZERO, &me()).ok().unwrap();
        let waiter = {
            let q = Arc::clone(&q);
            let writer = me();
            std::thread::spawn(move || {
                matches!(
                    q.wait_durable(Some(ticket), &writer),
                    Err(Refused::Failed(_))
                )
            })
        };
        std::thread::sleep(Duration::from_millis(20));
        // The writer thread ends without a close (it panicked): the waiter is not left waiting.
        q.stopped();
        assert!(waiter.join().unwrap());

        let q = Queue::new(4);
        q.push(b"x", Duration::ZERO, &me()).ok().unwrap();
        q.close();
        assert!(matches!(
            q.push(b"y", Duration::ZERO, &me()),
            Err(Refused::Closed)
        ));
        let mut batch = Batch::default();
        let taken = q.take(&mut batch);
        assert!(taken.closing);
        assert_eq!(
            batch.len(),
            1,
            "what was queued before the close is still written"
        );
    }
}
