//! [`Padded`]: a value alone on its cache lines.

/// A value alone on its cache lines. `thread_local::ThreadLocal` keeps the values of several
/// threads side by side in one allocation; a per-thread value that every operation writes (a
/// `RefCell`'s borrow flag, a counter) then shares a cache line with another thread's, and two
/// threads run little faster than one (BENCHMARKS.md, "Sealing from many threads"). 128 bytes:
/// the line and the one an adjacent-line prefetcher pairs it with.
#[repr(align(128))]
#[derive(Default)]
pub(crate) struct Padded<T>(pub(crate) T);
