//! Which keys can seal a value for a purpose set.
//!
//! A `Sealed<T, Ps>` is sealed with a key of every purpose in `Ps`: one [`PurposeKey<P>`] for a
//! single purpose, a tuple of key references in the same order as `Ps`, or a [`KeySet`] holding
//! them all (checked at run time).

use std::marker::PhantomData;

use crate::error::Result;
use crate::keyring::{DynPurposeKey, KeyState, PurposeKey};
use crate::keyset::KeySet;
use crate::purpose::{Purpose, PurposeSet};

pub(crate) mod private {
    use crate::error::Result;
    use crate::keyring::KeyState;

    /// Hands the sealing code one key state per purpose, in the order of the purpose set.
    pub trait Sealed<Ps> {
        fn with_keys<R>(&self, f: impl FnOnce(&[&KeyState]) -> Result<R>) -> Result<R>;

        /// What records a seal with these keys: a key set's auditor (src/audit/); bare purpose
        /// keys record nothing.
        fn auditor(&self) -> Option<&crate::audit::Auditor> {
            None
        }
    }
}

/// Keys that can seal for every purpose of `Ps`.
///
/// Implemented for `PurposeKey<P>` (set `P`), for tuples of key references matching a tuple set
/// (`(&PurposeKey<A>, &PurposeKey<B>)` for `(A, B)`), and for [`KeySet`].
#[diagnostic::on_unimplemented(
    message = "these keys cannot seal a value for `{Ps}`",
    label = "not a key for every purpose of `{Ps}`",
    note = "seal with a tuple of key references in the order of the purpose set, such as \
            `&(&fulfillment_key, &marketing_key)`, or with a `KeySet` holding every purpose"
)]
pub trait SealingKeys<Ps: PurposeSet>: private::Sealed<Ps> {}

impl<P: Purpose> private::Sealed<P> for PurposeKey<P> {
    fn with_keys<R>(&self, f: impl FnOnce(&[&KeyState]) -> Result<R>) -> Result<R> {
        f(&[&*self.inner.state])
    }

    fn auditor(&self) -> Option<&crate::audit::Auditor> {
        self.inner.auditor()
    }
}
impl<P: Purpose> SealingKeys<P> for PurposeKey<P> {}

/// The key of purpose `P` borrowed from a [`KeySet`], for `#[derive(Seal)]`'s generated code:
/// a record looks each purpose's key up once, without a reference count written by every
/// thread that seals (an owned key's `Arc` clone and drop per record). Records nothing: the
/// record is recorded as one event around its fields.
#[doc(hidden)]
pub struct KeyRef<'a, P> {
    inner: &'a DynPurposeKey,
    _purpose: PhantomData<fn() -> P>,
}

impl<'a, P: Purpose> KeyRef<'a, P> {
    /// `key` must be of purpose `P` (the key set looked it up by `P::NAME`).
    pub(crate) fn new(key: &'a DynPurposeKey) -> Self {
        debug_assert_eq!(key.purpose().name(), P::NAME);
        Self {
            inner: key,
            _purpose: PhantomData,
        }
    }
}

impl<P: Purpose> private::Sealed<P> for KeyRef<'_, P> {
    fn with_keys<R>(&self, f: impl FnOnce(&[&KeyState]) -> Result<R>) -> Result<R> {
        f(&[&*self.inner.state])
    }
}
impl<P: Purpose> SealingKeys<P> for KeyRef<'_, P> {}

impl<Ps: PurposeSet> private::Sealed<Ps> for KeySet {
    fn with_keys<R>(&self, f: impl FnOnce(&[&KeyState]) -> Result<R>) -> Result<R> {
        self.with_states(Ps::NAMES, f)
    }

    fn auditor(&self) -> Option<&crate::audit::Auditor> {
        KeySet::auditor(self)
    }
}
impl<Ps: PurposeSet> SealingKeys<Ps> for KeySet {}

/// The tuple impls: `(&PurposeKey<A>, &PurposeKey<B>, ...)` seals for `(A, B, ...)`.
macro_rules! tuple_keys {
    ($($p:ident $i:tt),+) => {
        impl<$($p: Purpose),+> private::Sealed<($($p,)+)> for ($(&PurposeKey<$p>,)+) {
            fn with_keys<R>(&self, f: impl FnOnce(&[&KeyState]) -> Result<R>) -> Result<R> {
                f(&[$(&*self.$i.inner.state),+])
            }

            /// The first key's auditor that there is.
            fn auditor(&self) -> Option<&crate::audit::Auditor> {
                None$(.or_else(|| self.$i.inner.auditor()))+
            }
        }
        impl<$($p: Purpose),+> SealingKeys<($($p,)+)> for ($(&PurposeKey<$p>,)+) {}
    };
}

/// The same for tuples of [`KeyRef`]s, which record nothing.
macro_rules! tuple_key_refs {
    ($($p:ident $i:tt),+) => {
        impl<$($p: Purpose),+> private::Sealed<($($p,)+)> for ($(&KeyRef<'_, $p>,)+) {
            fn with_keys<R>(&self, f: impl FnOnce(&[&KeyState]) -> Result<R>) -> Result<R> {
                f(&[$(&*self.$i.inner.state),+])
            }
        }
        impl<$($p: Purpose),+> SealingKeys<($($p,)+)> for ($(&KeyRef<'_, $p>,)+) {}
    };
}

tuple_key_refs!(A 0);
tuple_key_refs!(A 0, B 1);
tuple_key_refs!(A 0, B 1, C 2);
tuple_key_refs!(A 0, B 1, C 2, D 3);
tuple_key_refs!(A 0, B 1, C 2, D 3, E 4);
tuple_key_refs!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_key_refs!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_key_refs!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

tuple_keys!(A 0);
tuple_keys!(A 0, B 1);
tuple_keys!(A 0, B 1, C 2);
tuple_keys!(A 0, B 1, C 2, D 3);
tuple_keys!(A 0, B 1, C 2, D 3, E 4);
tuple_keys!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_keys!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_keys!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
