//! The key sets a run re-seals with, built once per thread and purpose list rather than once per
//! value. A [`Keyring`](crate::Keyring) re-sealing value by value built a key set per value: a
//! purpose key state, and so a fresh epoch (an HKDF and an AES key schedule) for every seal and
//! for every open, with reference counts shared by all threads. Two threads re-sealed only 1.25x
//! the records of one (BENCHMARKS.md, "Key management").

use std::cell::RefCell;

use thread_local::ThreadLocal;

use crate::bulk::index::IndexKeys;
use crate::bulk::layout::Reseal;
use crate::error::Result;
use crate::format::{decode_text, encode_text, parse};
use crate::keyset::KeySet;
use crate::padded::Padded;
use crate::purpose::DynPurpose;
use crate::sealed::Context;

/// One thread's key sets: the purpose names of each, in the order of the values' parts. Padded:
/// every value re-sealed borrows it.
type Held = Padded<RefCell<Vec<(Vec<String>, KeySet)>>>;

/// The key sets of a run, per thread. Each is built from the keyring the first time a thread
/// meets a value sealed for its purposes; keys that are not a keyring re-seal value by value.
#[derive(Default)]
pub(crate) struct KeySets {
    per_thread: ThreadLocal<Held>,
}

impl KeySets {
    /// Re-seals the value of text form `text`, as [`Reseal::reseal_text`] would.
    pub(crate) fn reseal_text(
        &self,
        keys: &dyn Reseal,
        text: &str,
        ctx: &Context<'_>,
    ) -> Result<Option<String>> {
        let Some(keyring) = keys.as_keyring() else {
            return keys.reseal_text(text, ctx);
        };
        ctx.check()?;
        let bytes = decode_text(text)?;
        let (_, names) = parse(&bytes)?;
        let mut held = self.per_thread.get_or_default().0.borrow_mut();
        let at = if let Some(at) = held.iter().position(|(n, _)| *n == names) {
            at
        } else {
            let purposes = names
                .iter()
                .map(|&name| DynPurpose::new(name))
                .collect::<Result<Vec<_>>>()?;
            let set = KeySet::from_keyring(keyring, &purposes);
            held.push((names.iter().map(|&n| n.to_owned()).collect(), set));
            held.len() - 1
        };
        Ok(held[at]
            .1
            .reseal_bytes_quiet(&bytes, ctx)?
            .map(|b| encode_text(&b)))
    }
}

/// What a run keeps from one record to the next: index keys, and key sets per thread.
#[derive(Default)]
pub(crate) struct RunKeys {
    pub(crate) index_keys: IndexKeys,
    pub(crate) key_sets: KeySets,
}
