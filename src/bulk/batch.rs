//! Work on a batch of records split across threads, results in the batch's order.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// Records per batch: each batch is split across the threads, then written in order.
pub(crate) const BATCH: usize = 2048;

/// Below this many items a batch runs on the calling thread: spawning costs more.
const PARALLEL_FROM: usize = 64;

/// Runs `f` on every item, on up to `threads` scoped threads, and returns the results in order.
pub(crate) fn run_batch<T: Send, R: Send>(
    items: &mut [T],
    threads: usize,
    f: impl Fn(&mut T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.max(1);
    if threads == 1 || items.len() < PARALLEL_FROM {
        return items.iter_mut().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks_mut(chunk)
            .map(|part| scope.spawn(move || part.iter_mut().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

/// [`run_batch`], with `meanwhile` run on the calling thread first: the serial part of a run
/// (writing the batch before, reading the batch after) overlaps the parallel one. The batch is
/// cut into small chunks that `threads - 1` scoped threads and then the calling thread claim one
/// at a time, so no more than `threads` threads are ever busy (three busy threads on two cores
/// measured slower than none overlapping). On one thread, or a batch too small to split,
/// `meanwhile` runs first, then the batch.
pub(crate) fn run_batch_while<T: Send, R: Send, M>(
    items: &mut [T],
    threads: usize,
    f: impl Fn(&mut T) -> R + Sync,
    meanwhile: impl FnOnce() -> M,
) -> (Vec<R>, M) {
    let threads = threads.max(1);
    if threads == 1 || items.len() < PARALLEL_FROM {
        let m = meanwhile();
        return (items.iter_mut().map(f).collect(), m);
    }
    // Eight chunks a thread: the calling thread joins late, and claims what is left.
    let chunk = items.len().div_ceil(threads.saturating_mul(8)).max(1);
    let chunks: Vec<Mutex<&mut [T]>> = items.chunks_mut(chunk).map(Mutex::new).collect();
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(part) = chunks.get(i) else {
                return done;
            };
            // Each chunk is claimed once: the lock is never contended.
            let mut part = part.lock().unwrap_or_else(PoisonError::into_inner);
            done.push((i, part.iter_mut().map(&f).collect::<Vec<R>>()));
        }
    };
    std::thread::scope(|scope| {
        // No more workers than chunks, however many threads were asked for.
        let workers = (threads - 1).min(chunks.len());
        let handles: Vec<_> = (0..workers).map(|_| scope.spawn(work)).collect();
        let m = meanwhile();
        let mut parts = work();
        for handle in handles {
            parts.extend(
                handle
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
            );
        }
        parts.sort_unstable_by_key(|(i, _)| *i);
        (parts.into_iter().flat_map(|(_, r)| r).collect(), m)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_on_any_number_of_threads() {
        for threads in [0, 1, 2, 3, 7] {
            let mut items: Vec<u32> = (0..1000).collect();
            let out = run_batch(&mut items, threads, |x| {
                *x += 1;
                *x * 2
            });
            assert_eq!(out, (1..=1000).map(|x| x * 2).collect::<Vec<_>>());
            assert_eq!(items, (1..=1000).collect::<Vec<_>>());
        }
    }

    #[test]
    fn meanwhile_runs_once_on_the_calling_thread_and_the_order_is_kept() {
        let caller = std::thread::current().id();
        for threads in [0, 1, 2, 3, 7, 1000, usize::MAX] {
            for len in [0, 10, 63, 64, 65, 1000, 2048] {
                let mut items: Vec<u32> = (0..len).collect();
                let mut calls = 0;
                let (out, on) = run_batch_while(
                    &mut items,
                    threads,
                    |x| {
                        *x += 1;
                        *x * 3
                    },
                    || {
                        calls += 1;
                        std::thread::current().id()
                    },
                );
                assert_eq!(out, (1..=len).map(|x| x * 3).collect::<Vec<_>>());
                assert_eq!(items, (1..=len).collect::<Vec<_>>(), "each item once");
                assert_eq!((calls, on), (1, caller));
            }
        }
    }
}
