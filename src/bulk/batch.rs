//! Work on a batch of records split across threads, results in the batch's order.

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
}
