//! Threads: the sealing and opening types are `Send + Sync`, and one key set serves several
//! threads at once, sealing and opening concurrently, with every value round-tripping and no nonce
//! drawn twice.

mod common;

use std::collections::HashSet;
use std::sync::mpsc;

use common::{Fulfillment, Marketing, ctx, first_nonce};
use fieldseal::{
    AnyPurposes, Context, DynPurpose, DynPurposeKey, Json, KeySet, Keyring, PurposeKey, Sealed,
    SecretKey, Suite,
};

const THREADS: usize = 4;
const PER_THREAD: usize = 2_000;

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn sealing_and_opening_types_are_send_and_sync() {
    assert_send_sync::<Keyring>();
    assert_send_sync::<KeySet>();
    assert_send_sync::<PurposeKey<Fulfillment>>();
    assert_send_sync::<DynPurposeKey>();
    assert_send_sync::<DynPurpose>();
    assert_send_sync::<SecretKey>();
    assert_send_sync::<Context<'static>>();
    assert_send_sync::<Sealed<String, Fulfillment>>();
    assert_send_sync::<Sealed<Json<Vec<u8>>, (Fulfillment, Marketing)>>();
    assert_send_sync::<Sealed<u64, AnyPurposes>>();
    assert_send_sync::<fieldseal::Error>();
}

fn key_set(suite: Suite) -> KeySet {
    let keyring = common::keyring(suite);
    KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with(keyring.purpose_key::<Marketing>())
}

/// Four threads share one key set, each sealing and opening its own values.
#[test]
fn one_key_set_serves_four_threads_at_once() {
    for suite in Suite::ALL {
        let keys = key_set(suite);
        let nonces: Vec<Vec<Vec<u8>>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..THREADS)
                .map(|t| {
                    let keys = &keys;
                    scope.spawn(move || {
                        let mut nonces = Vec::with_capacity(PER_THREAD);
                        for i in 0..PER_THREAD {
                            let value = format!("thread {t} value {i}");
                            let row = common::place().with_id_int((t * PER_THREAD + i) as u64);
                            let sealed = keys
                                .seal::<(Fulfillment, Marketing), String>(&value, &row)
                                .unwrap();
                            assert_eq!(
                                sealed.open_with::<Fulfillment, _>(keys, &row).unwrap(),
                                value
                            );
                            assert_eq!(
                                sealed.open_with::<Marketing, _>(keys, &row).unwrap(),
                                value
                            );
                            nonces.push(first_nonce(sealed.as_bytes()));
                        }
                        nonces
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        let all: HashSet<&Vec<u8>> = nonces.iter().flatten().collect();
        assert_eq!(
            all.len(),
            THREADS * PER_THREAD,
            "{suite:?}: a nonce was drawn twice"
        );
    }
}

/// One thread seals while three others open what it sealed, concurrently.
#[test]
fn one_thread_seals_while_others_open() {
    for suite in Suite::ALL {
        let keys = key_set(suite);
        std::thread::scope(|scope| {
            let mut senders = Vec::new();
            let mut openers = Vec::new();
            for _ in 0..THREADS - 1 {
                let (tx, rx) = mpsc::channel::<(usize, Sealed<String, (Fulfillment, Marketing)>)>();
                senders.push(tx);
                let keys = &keys;
                openers.push(scope.spawn(move || {
                    let mut opened = 0;
                    for (i, sealed) in rx {
                        let row = common::place().with_id_int(i as u64);
                        let expected = format!("value {i}");
                        assert_eq!(
                            sealed.open_with::<Marketing, _>(keys, &row).unwrap(),
                            expected
                        );
                        let back = Sealed::<String, (Fulfillment, Marketing)>::from_text(
                            &sealed.to_text(),
                        )
                        .unwrap();
                        assert_eq!(
                            back.open_with::<Fulfillment, _>(keys, &row).unwrap(),
                            expected
                        );
                        opened += 1;
                    }
                    opened
                }));
            }
            let keys = &keys;
            let sealer = scope.spawn(move || {
                for i in 0..PER_THREAD * 2 {
                    let row = common::place().with_id_int(i as u64);
                    let sealed = keys.seal(&format!("value {i}"), &row).unwrap();
                    senders[i % senders.len()].send((i, sealed)).unwrap();
                }
            });
            sealer.join().unwrap();
            let opened: usize = openers.into_iter().map(|o| o.join().unwrap()).sum();
            assert_eq!(opened, PER_THREAD * 2);
        });
    }
}

/// Purpose keys taken from one keyring in several threads at once share its derived keys: values
/// sealed in any thread open in any other.
#[test]
fn a_keyring_hands_out_keys_to_many_threads() {
    for suite in Suite::ALL {
        let keyring = common::keyring(suite);
        let sealed: Vec<Sealed<u64, Fulfillment>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..THREADS as u64)
                .map(|t| {
                    let keyring = &keyring;
                    scope.spawn(move || {
                        let key = keyring.purpose_key::<Fulfillment>();
                        (0..100)
                            .map(|i| Sealed::seal(&(t * 1000 + i), &ctx(), &key).unwrap())
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap())
                .collect()
        });
        let key = keyring.purpose_key::<Fulfillment>();
        let mut opened: Vec<u64> = sealed
            .iter()
            .map(|s| s.open(&key, &ctx()).unwrap())
            .collect();
        opened.sort_unstable();
        let expected: Vec<u64> = (0..THREADS as u64)
            .flat_map(|t| (0..100).map(move |i| t * 1000 + i))
            .collect();
        assert_eq!(opened, expected);
    }
}
