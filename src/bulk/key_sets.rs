//! The key sets a run re-seals (and recomputes stale index terms) with, built once per thread and
//! purpose list rather than once per value. A [`Keyring`](crate::Keyring) re-sealing value by value built a key set per value: a
//! purpose key state, and so a fresh epoch (an HKDF and an AES key schedule) for every seal and
//! for every open, with reference counts shared by all threads. Two threads re-sealed only 1.25x
//! the records of one (BENCHMARKS.md, "Key management").

use std::cell::RefCell;

use thread_local::ThreadLocal;

use crate::bulk::index::IndexKeys;
use crate::bulk::layout::{Reseal, json_string};
use crate::error::{Error, Result};
use crate::format::{decode_text, encode_json_string, encode_text, for_each_part, parse};
use crate::keyring::Keyring;
use crate::keyset::KeySet;
use crate::padded::Padded;
use crate::purpose::{AnyPurposes, DynPurpose};
use crate::sealed::{Context, Sealed};

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
        self.reseal_as(keys, text, ctx, encode_text, |new| new)
    }

    /// [`reseal_text`](Self::reseal_text), the new text form handed back as a JSON string
    /// (quotes included), as a record writes it: one allocation, not a second one to quote it.
    pub(crate) fn reseal_json(
        &self,
        keys: &dyn Reseal,
        text: &str,
        ctx: &Context<'_>,
    ) -> Result<Option<String>> {
        self.reseal_as(keys, text, ctx, encode_json_string, |new| json_string(&new))
    }

    /// The value re-sealed, in the form `encode` writes for a keyring's key sets, or `from_text`
    /// makes of the text form other keys hand back.
    fn reseal_as(
        &self,
        keys: &dyn Reseal,
        text: &str,
        ctx: &Context<'_>,
        encode: fn(&[u8]) -> String,
        from_text: fn(String) -> String,
    ) -> Result<Option<String>> {
        let Some(keyring) = keys.as_keyring() else {
            // A key set's values quietly: the run records itself.
            let new = match keys.as_key_set() {
                Some(set) => set.reseal_text_quiet(text, ctx)?,
                None => keys.reseal_text(text, ctx)?,
            };
            return Ok(new.map(from_text));
        };
        Ok(self.reseal_with(keyring, text, ctx)?.map(|b| encode(&b)))
    }

    /// The value of text form `text` re-sealed through `keyring`'s key sets, in binary form;
    /// `None` if it is current already.
    fn reseal_with(
        &self,
        keyring: &Keyring,
        text: &str,
        ctx: &Context<'_>,
    ) -> Result<Option<Vec<u8>>> {
        ctx.check()?;
        let bytes = decode_text(text)?;
        let (header, names) = parse(&bytes)?;
        // Current already (the suite and every part's version): no key set needed.
        let mut current = header.suite == keyring.suite();
        for_each_part(&bytes, |p| {
            current &= p.key_version == keyring.active_version();
        })?;
        if current {
            return Ok(None);
        }
        self.with_set(keyring, &names, |set| set.reseal_bytes_quiet(&bytes, ctx))
    }

    /// Opens the sealed `String` of text form `text`, as [`Reseal::open_text`] would (with the
    /// key of its first purpose, for a keyring): what a stale index term is recomputed from.
    pub(crate) fn open_text(
        &self,
        keys: &dyn Reseal,
        text: &str,
        ctx: &Context<'_>,
    ) -> Result<Option<String>> {
        let Some(keyring) = keys.as_keyring() else {
            return match keys.as_key_set() {
                Some(set) => crate::bulk::layout::open_text_quiet(set, text, ctx),
                None => keys.open_text(text, ctx),
            };
        };
        let sealed = Sealed::<String, AnyPurposes>::from_text(text)?;
        let Some(purpose) = sealed.purposes().into_iter().next() else {
            return Ok(None);
        };
        self.with_set(keyring, &[purpose.name()], |set| {
            // Built from this one purpose: the set holds its key.
            let key = set
                .get_unrecorded(purpose.name())
                .ok_or_else(|| Error::NoKeyForPurpose {
                    purpose: purpose.name().to_owned(),
                    held: Vec::new(),
                })?;
            sealed.open_dyn(key, ctx).map(Some)
        })
    }

    /// Runs `f` with this thread's key set of the purposes `names`, built on first use.
    fn with_set<R>(
        &self,
        keyring: &Keyring,
        names: &[&str],
        f: impl FnOnce(&KeySet) -> Result<R>,
    ) -> Result<R> {
        let mut held = self.per_thread.get_or_default().0.borrow_mut();
        let at = if let Some(at) = held.iter().position(|(n, _)| n == names) {
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
        f(&held[at].1)
    }
}

/// What a run keeps from one record to the next: index keys, and key sets per thread.
#[derive(Default)]
pub(crate) struct RunKeys {
    pub(crate) index_keys: IndexKeys,
    pub(crate) key_sets: KeySets,
}
