//! Rotation under load: four threads seal and open without pause while the keyring rotates and
//! their key set is swapped under them. No operation fails, and everything opens afterwards.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use common::{Fulfillment, Marketing};
use fieldseal::{Context, DynPurpose, KeySet, Keyring, Sealed, Suite};

type Value = Sealed<String, (Fulfillment, Marketing)>;

const ROTATIONS: u32 = 6;

#[test]
fn four_threads_keep_sealing_and_opening_through_rotations() {
    let purposes = [
        DynPurpose::of::<Fulfillment>(),
        DynPurpose::of::<Marketing>(),
    ];
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    // What every service thread reads its keys from; an admin swaps in a new set after rotating.
    let current = RwLock::new(Arc::new(KeySet::from_keyring(&keyring, &purposes)));
    let sealed: Mutex<Vec<(u64, String, Value)>> = Mutex::new(Vec::new());
    let stop = AtomicBool::new(false);

    std::thread::scope(|scope| {
        for thread in 0..4u64 {
            let (current, sealed, stop) = (&current, &sealed, &stop);
            scope.spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let keys = Arc::clone(&current.read().unwrap());
                    let id = thread << 32 | n;
                    let ctx = Context::new("customer", "email").with_id_int(id);
                    let plaintext = format!("customer-{id}@example.com");
                    let value: Value = keys.seal(&plaintext, &ctx).unwrap();
                    assert_eq!(
                        value.open_with::<Marketing, _>(&keys, &ctx).unwrap(),
                        plaintext
                    );
                    // And a value another thread sealed, maybe under an older version.
                    let older = sealed.lock().unwrap().get(n as usize / 2).cloned();
                    if let Some((id, text, value)) = older {
                        let ctx = Context::new("customer", "email").with_id_int(id);
                        assert_eq!(
                            value.open_with::<Fulfillment, _>(&keys, &ctx).unwrap(),
                            text
                        );
                    }
                    sealed.lock().unwrap().push((id, plaintext, value));
                    n += 1;
                }
            });
        }
        for _ in 0..ROTATIONS {
            std::thread::sleep(Duration::from_millis(40));
            keyring.rotate().unwrap();
            *current.write().unwrap() = Arc::new(KeySet::from_keyring(&keyring, &purposes));
        }
        std::thread::sleep(Duration::from_millis(40));
        stop.store(true, Ordering::Relaxed);
    });

    let keys = KeySet::from_keyring(&keyring, &purposes);
    let sealed = sealed.into_inner().unwrap();
    let mut versions_seen = std::collections::BTreeSet::new();
    for (id, text, value) in &sealed {
        let ctx = Context::new("customer", "email").with_id_int(*id);
        assert_eq!(&value.open_with::<Marketing, _>(&keys, &ctx).unwrap(), text);
        assert_eq!(
            &value.open_with::<Fulfillment, _>(&keys, &ctx).unwrap(),
            text
        );
        versions_seen.insert(value.key_versions()[0].1);
    }
    assert!(sealed.len() > 100, "only {} values sealed", sealed.len());
    assert!(
        versions_seen.len() >= ROTATIONS as usize - 1,
        "values were sealed under only {versions_seen:?}"
    );
}
