//! A global allocator that scans every block as it is freed for a byte pattern: how the tests
//! show that key bytes and plaintext never reach freed heap memory unwiped. Shared by
//! tests/zeroize.rs and the `fieldseal` binary's unit tests (`#[path]`); it needs `unsafe`
//! (`GlobalAlloc`), which the including module allows for it alone.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// The pattern searched for, and how many freed blocks held it.
static ARMED: AtomicBool = AtomicBool::new(false);
static HITS: AtomicUsize = AtomicUsize::new(0);
static PATTERN: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Scanning;

// SAFETY: every call forwards to `System` with the caller's arguments; the scan only reads the
// block being freed, which the caller owns until `dealloc` returns.
unsafe impl GlobalAlloc for Scanning {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(Ordering::SeqCst) {
            // Waits for the lock rather than skipping the block: another thread freeing a block
            // at the same moment holds it, and a `try_lock` then let this block go unscanned (a
            // copy missed, the scanner's own self-test failing now and then). No deadlock: while
            // armed, the lock is held only here, for a scan that allocates and frees nothing.
            let pattern = PATTERN.lock().unwrap_or_else(PoisonError::into_inner);
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            if !pattern.is_empty() && block.windows(pattern.len()).any(|w| w == &pattern[..]) {
                HITS.fetch_add(1, Ordering::SeqCst);
            }
        }
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A realloc may free the old block: do it as alloc, copy and dealloc so the scan sees it.
        unsafe {
            let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
            let new = self.alloc(new_layout);
            if !new.is_null() {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}

#[global_allocator]
static ALLOCATOR: Scanning = Scanning;

/// Held by each test: the scanner is process-wide, so tests must not scan at the same time.
static SERIAL: Mutex<()> = Mutex::new(());

pub(crate) fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Freed blocks holding `pattern` while `f` runs.
pub(crate) fn freed_copies(pattern: &[u8], f: impl FnOnce()) -> usize {
    PATTERN.lock().unwrap().clone_from(&pattern.to_vec());
    HITS.store(0, Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
    f();
    ARMED.store(false, Ordering::SeqCst);
    HITS.load(Ordering::SeqCst)
}
