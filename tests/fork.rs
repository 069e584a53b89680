//! Fork safety with a real `fork()`: a child process that goes on sealing with its parent's key
//! never draws a nonce its parent draws (or drew), and under AES-256-GCM never seals in its
//! parent's epoch. Both suites.

// The workspace denies `unsafe_code` and the library forbids it. This test file alone allows it,
// for the three calls std has no safe form of and a real fork needs: `libc::fork`,
// `libc::waitpid` and `libc::_exit` (the child must leave without running destructors or the test
// harness). Nothing else here is unsafe.
#![allow(unsafe_code)]

mod common;

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use common::{Fulfillment, ctx, first_nonce};
use fieldseal::{PurposeKey, Sealed, Suite};

/// Values each side seals after the fork.
const N: usize = 2_000;

/// Length of the AES-256-GCM epoch id at the start of the nonce region.
const EPOCH_ID_LEN: usize = 8;

type Value = Sealed<String, Fulfillment>;

fn seal(key: &PurposeKey<Fulfillment>, plaintext: &str) -> Value {
    Sealed::seal(&plaintext.to_owned(), &ctx(), key).expect("sealing works")
}

/// The child's work: seal `N` values and write them, each after its u32 length, to `out`.
fn child_seals(key: &PurposeKey<Fulfillment>, out: &Path) -> bool {
    let mut bytes = Vec::new();
    for i in 0..N {
        let sealed = seal(key, &format!("child-{i:06}"));
        let len = u32::try_from(sealed.as_bytes().len()).expect("a small value");
        bytes.extend_from_slice(&len.to_be_bytes());
        bytes.extend_from_slice(sealed.as_bytes());
    }
    std::fs::write(out, bytes).is_ok()
}

fn read_child_values(path: &Path) -> Vec<Value> {
    let bytes = std::fs::read(path).expect("the child wrote its values");
    let mut values = Vec::with_capacity(N);
    let mut rest = &bytes[..];
    while let Some((len, after)) = rest.split_first_chunk::<4>() {
        let len = u32::from_be_bytes(*len) as usize;
        let (value, after) = after.split_at(len);
        values.push(Sealed::from_bytes(value.to_vec()).expect("the child wrote whole values"));
        rest = after;
    }
    assert!(rest.is_empty());
    values
}

/// Forks after the parent has sealed once; returns (pre-fork value, parent's values, child's).
fn fork_and_seal(suite: Suite, key: &PurposeKey<Fulfillment>) -> (Value, Vec<Value>, Vec<Value>) {
    let out: PathBuf = std::env::temp_dir().join(format!(
        "fieldseal-fork-test-{}-{}",
        std::process::id(),
        suite.id()
    ));
    // Seal first, so that this thread's nonce generator and the key's AES epoch exist.
    let before = seal(key, "parent-before");

    // SAFETY: the child runs only `child_seals` on this thread's own data and then `_exit`s; it
    // never returns into the test harness or runs destructors.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed: {}", std::io::Error::last_os_error());
    if pid == 0 {
        let ok = catch_unwind(AssertUnwindSafe(|| child_seals(key, &out))).unwrap_or(false);
        // SAFETY: `_exit` ends the child at once, without atexit handlers or unwinding.
        unsafe { libc::_exit(i32::from(!ok)) };
    }

    let parent: Vec<_> = (0..N)
        .map(|i| seal(key, &format!("parent-{i:05}")))
        .collect();
    let mut status = 0;
    // SAFETY: waits for our own child; `status` is a valid out pointer.
    let waited = unsafe { libc::waitpid(pid, &raw mut status, 0) };
    assert_eq!(waited, pid, "waitpid: {}", std::io::Error::last_os_error());
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the child failed (status {status:#x})"
    );
    let child = read_child_values(&out);
    std::fs::remove_file(&out).expect("remove the child's output");
    (before, parent, child)
}

#[test]
fn a_forked_child_never_repeats_its_parents_nonces() {
    for suite in Suite::ALL {
        let keyring = common::keyring(suite);
        let key = keyring.purpose_key::<Fulfillment>();
        let (before, parent, child) = fork_and_seal(suite, &key);
        assert_eq!(child.len(), N, "{suite:?}");

        // The child's values are real values of this key.
        for (i, value) in child.iter().enumerate().step_by(97) {
            assert_eq!(value.open(&key, &ctx()).unwrap(), format!("child-{i:06}"));
        }

        let parent_nonces: HashSet<Vec<u8>> = std::iter::once(&before)
            .chain(&parent)
            .map(|s| first_nonce(s.as_bytes()))
            .collect();
        let child_nonces: HashSet<Vec<u8>> =
            child.iter().map(|s| first_nonce(s.as_bytes())).collect();
        assert_eq!(
            parent_nonces.len(),
            N + 1,
            "{suite:?}: the parent repeated a nonce"
        );
        assert_eq!(
            child_nonces.len(),
            N,
            "{suite:?}: the child repeated a nonce"
        );
        assert!(
            parent_nonces.is_disjoint(&child_nonces),
            "{suite:?}: parent and child drew the same nonce material"
        );

        // Each 12-byte draw of the generator, wherever it sits, is fresh on each side: for AES the
        // GCM nonce after the epoch id, for XChaCha both halves of the 24-byte nonce.
        let draws = |nonces: &HashSet<Vec<u8>>| -> HashSet<Vec<u8>> {
            nonces
                .iter()
                .flat_map(|n| match suite {
                    Suite::Aes256Gcm => vec![n[EPOCH_ID_LEN..].to_vec()],
                    _ => n.chunks(12).map(<[u8]>::to_vec).collect(),
                })
                .collect()
        };
        assert!(
            draws(&parent_nonces).is_disjoint(&draws(&child_nonces)),
            "{suite:?}"
        );

        if suite == Suite::Aes256Gcm {
            let epoch = |n: &Vec<u8>| n[..EPOCH_ID_LEN].to_vec();
            let pre_fork_epoch = epoch(&first_nonce(before.as_bytes()));
            let child_epochs: HashSet<Vec<u8>> = child_nonces.iter().map(epoch).collect();
            let parent_epochs: HashSet<Vec<u8>> = parent_nonces.iter().map(epoch).collect();
            assert!(
                !child_epochs.contains(&pre_fork_epoch),
                "the child sealed in its parent's pre-fork epoch"
            );
            assert!(child_epochs.is_disjoint(&parent_epochs));
            assert_eq!(
                parent_epochs,
                HashSet::from([pre_fork_epoch]),
                "the parent keeps its epoch across a fork"
            );
        }
    }
}
