//! No heap allocation beyond the output: a counting global allocator watches seal and open.
//!
//! Once a thread has sealed and opened with a key (the first seal seeds the thread's nonce
//! generator and starts an AES-256-GCM epoch; the first XChaCha20-Poly1305 use derives its cipher),
//! a seal allocates exactly its output and an open exactly the value it returns (nothing for an
//! integer). Every check runs in one test so that no other test shares the thread or the counters.

// `GlobalAlloc` is an unsafe trait. The allocator below only forwards to `System` and bumps
// thread-local counters; nothing else in this file is unsafe.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use fieldseal::{Context, KeySet, Keyring, Sealed, Suite};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing");
fieldseal::purpose!(Analytics = "analytics");

/// Allocations, reallocations and bytes requested on this thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Counts {
    allocs: usize,
    reallocs: usize,
    bytes: usize,
}

thread_local! {
    // Const-initialised `Cell`s of plain integers: touching them never allocates and registers no
    // destructor, so the allocator can use them.
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
    static REALLOCS: Cell<usize> = const { Cell::new(0) };
    static BYTES: Cell<usize> = const { Cell::new(0) };
}

fn bump(counter: &'static std::thread::LocalKey<Cell<usize>>, by: usize) {
    // `try_with`: the allocator also runs while a thread's locals are being torn down.
    let _ = counter.try_with(|c| c.set(c.get() + by));
}

struct Counting;

// SAFETY: every method forwards to `System` with the arguments it was given.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump(&ALLOCS, 1);
        bump(&BYTES, layout.size());
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump(&ALLOCS, 1);
        bump(&BYTES, layout.size());
        // SAFETY: as `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump(&REALLOCS, 1);
        bump(&BYTES, new_size.saturating_sub(layout.size()));
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged; `ptr` came from `System` through this allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn now() -> Counts {
    Counts {
        allocs: ALLOCS.with(Cell::get),
        reallocs: REALLOCS.with(Cell::get),
        bytes: BYTES.with(Cell::get),
    }
}

/// Runs `f` once to warm up, then again while counting; returns the counts and the second result.
/// The result is returned, not dropped, so that only `f`'s own work is counted.
fn counted<R>(mut f: impl FnMut() -> R) -> (Counts, R) {
    drop(f());
    let before = now();
    let out = f();
    let after = now();
    let counts = Counts {
        allocs: after.allocs - before.allocs,
        reallocs: after.reallocs - before.reallocs,
        bytes: after.bytes - before.bytes,
    };
    (counts, out)
}

/// Exactly one allocation of `bytes` bytes, and no reallocation.
///
/// Not counted here, because a warm-up runs first: the first AES-256-GCM seal with a purpose key
/// starts an epoch (2 more allocations: the epoch cipher's `Arc` and the opener cache's table),
/// and so does every 2^16th seal after it.
fn one(bytes: usize) -> Counts {
    Counts {
        allocs: 1,
        reallocs: 0,
        bytes,
    }
}

const NONE: Counts = Counts {
    allocs: 0,
    reallocs: 0,
    bytes: 0,
};

fn check_suite(suite: Suite) {
    let keyring = Keyring::generate(suite).unwrap();
    let f = keyring.purpose_key::<Fulfillment>();
    let m = keyring.purpose_key::<Marketing>();
    let a = keyring.purpose_key::<Analytics>();
    let three = (&f, &m, &a);
    let ctx = Context::new("customer", "email").with_id_int(42);
    let email = "ada.lovelace@analytical.example".to_string() + "!";
    assert_eq!(email.len(), 32);

    // Strings of 32 bytes, one purpose and three. A seal's one allocation is its output, sized
    // exactly; an open's is the returned value's own buffer (whatever its capacity).
    let (n, one_p) = counted(|| Sealed::<String, Fulfillment>::seal(&email, &ctx, &f).unwrap());
    assert_eq!(
        n,
        one(one_p.as_bytes().len()),
        "{suite:?}: seal String, 1 purpose"
    );
    let (n, three_p) = counted(|| {
        Sealed::<String, (Fulfillment, Marketing, Analytics)>::seal(&email, &ctx, &three).unwrap()
    });
    assert_eq!(
        n,
        one(three_p.as_bytes().len()),
        "{suite:?}: seal String, 3 purposes"
    );

    let (n, opened) = counted(|| one_p.open(&f, &ctx).unwrap());
    assert_eq!(opened, email);
    assert_eq!(
        n,
        one(opened.capacity()),
        "{suite:?}: open String, 1 purpose"
    );
    for (i, opened) in [
        counted(|| three_p.open(&f, &ctx).unwrap()),
        counted(|| three_p.open(&m, &ctx).unwrap()),
        counted(|| three_p.open(&a, &ctx).unwrap()),
    ]
    .into_iter()
    .enumerate()
    {
        assert_eq!(opened.1, email);
        assert_eq!(
            opened.0,
            one(opened.1.capacity()),
            "{suite:?}: open String, part {i} of 3"
        );
    }

    // Integers: the output when sealing, nothing at all when opening.
    let (n, number) = counted(|| Sealed::<u64, Fulfillment>::seal(&7, &ctx, &f).unwrap());
    assert_eq!(n, one(number.as_bytes().len()), "{suite:?}: seal u64");
    let (n, opened) = counted(|| number.open(&f, &ctx).unwrap());
    assert_eq!((n, opened), (NONE, 7), "{suite:?}: open u64");
    let (n, number3) = counted(|| {
        Sealed::<u64, (Fulfillment, Marketing, Analytics)>::seal(&7, &ctx, &three).unwrap()
    });
    assert_eq!(
        n,
        one(number3.as_bytes().len()),
        "{suite:?}: seal u64, 3 purposes"
    );
    let (n, opened) = counted(|| number3.open(&a, &ctx).unwrap());
    assert_eq!((n, opened), (NONE, 7), "{suite:?}: open u64, part 3 of 3");

    // A key set finds its keys without allocating.
    let keys = KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with(keyring.purpose_key::<Marketing>());
    let (n, via_set) = counted(|| {
        keys.seal::<(Fulfillment, Marketing), _>(&email, &ctx)
            .unwrap()
    });
    assert_eq!(n, one(via_set.as_bytes().len()), "{suite:?}: KeySet::seal");
    let (n, opened) = counted(|| via_set.open_with::<Marketing, _>(&keys, &ctx).unwrap());
    assert_eq!(opened, email);
    assert_eq!(n, one(opened.capacity()), "{suite:?}: open_with");

    // A thousand values, a thousand allocations: no key or cipher is rebuilt per value.
    let mut many = Vec::with_capacity(1000);
    let before = now();
    for i in 0..1000u64 {
        many.push(Sealed::<u64, Fulfillment>::seal(&i, &ctx, &f).unwrap());
    }
    let after = now();
    assert_eq!(
        (
            after.allocs - before.allocs,
            after.reallocs - before.reallocs
        ),
        (1000, 0),
        "{suite:?}: 1000 seals"
    );
    let before = now();
    for (i, sealed) in (0..1000u64).zip(&many) {
        assert_eq!(sealed.open(&f, &ctx).unwrap(), i);
    }
    let after = now();
    assert_eq!(after.allocs - before.allocs, 0, "{suite:?}: 1000 opens");

    // Large values: the output when sealing, the returned buffer when opening.
    let big: Vec<u8> = (0..4096u32).map(|i| i as u8).collect();
    let (n, sealed_big) = counted(|| Sealed::<Vec<u8>, Fulfillment>::seal(&big, &ctx, &f).unwrap());
    assert_eq!(n, one(sealed_big.as_bytes().len()), "{suite:?}: seal 4 KiB");
    let (n, opened) = counted(|| sealed_big.open(&f, &ctx).unwrap());
    assert_eq!(opened, big);
    assert_eq!(n, one(opened.capacity()), "{suite:?}: open 4 KiB");
}

#[test]
fn seal_and_open_allocate_only_their_output() {
    // The counter sees this thread's allocations.
    let (n, v) = counted(|| Vec::<u8>::with_capacity(24));
    assert_eq!((n, v.capacity()), (one(24), 24));
    for suite in Suite::ALL {
        check_suite(suite);
    }
}
