//! Which keys can seal a value for a purpose set.
//!
//! A `Sealed<T, Ps>` is sealed with a key of every purpose in `Ps`: one [`PurposeKey<P>`] for a
//! single purpose, a tuple of key references in the same order as `Ps`, or a [`KeySet`] holding
//! them all (checked at run time).

use crate::error::Result;
use crate::keyring::{KeyState, PurposeKey};
use crate::keyset::KeySet;
use crate::purpose::{Purpose, PurposeSet};

pub(crate) mod private {
    use crate::error::Result;
    use crate::keyring::KeyState;

    /// Hands the sealing code one key state per purpose, in the order of the purpose set.
    pub trait Sealed<Ps> {
        fn with_keys<R>(&self, f: impl FnOnce(&[&KeyState]) -> Result<R>) -> Result<R>;
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
}
impl<P: Purpose> SealingKeys<P> for PurposeKey<P> {}

impl<Ps: PurposeSet> private::Sealed<Ps> for KeySet {
    fn with_keys<R>(&self, f: impl FnOnce(&[&KeyState]) -> Result<R>) -> Result<R> {
        self.with_states(Ps::NAMES, f)
    }
}
impl<Ps: PurposeSet> SealingKeys<Ps> for KeySet {}

impl<A: Purpose> private::Sealed<(A,)> for (&PurposeKey<A>,) {
    fn with_keys<R>(&self, f: impl FnOnce(&[&KeyState]) -> Result<R>) -> Result<R> {
        f(&[&*self.0.inner.state])
    }
}
impl<A: Purpose> SealingKeys<(A,)> for (&PurposeKey<A>,) {}

impl<A: Purpose, B: Purpose> private::Sealed<(A, B)> for (&PurposeKey<A>, &PurposeKey<B>) {
    fn with_keys<R>(&self, f: impl FnOnce(&[&KeyState]) -> Result<R>) -> Result<R> {
        f(&[&*self.0.inner.state, &*self.1.inner.state])
    }
}
impl<A: Purpose, B: Purpose> SealingKeys<(A, B)> for (&PurposeKey<A>, &PurposeKey<B>) {}

impl<A: Purpose, B: Purpose, C: Purpose> private::Sealed<(A, B, C)>
    for (&PurposeKey<A>, &PurposeKey<B>, &PurposeKey<C>)
{
    fn with_keys<R>(&self, f: impl FnOnce(&[&KeyState]) -> Result<R>) -> Result<R> {
        f(&[
            &*self.0.inner.state,
            &*self.1.inner.state,
            &*self.2.inner.state,
        ])
    }
}
impl<A: Purpose, B: Purpose, C: Purpose> SealingKeys<(A, B, C)>
    for (&PurposeKey<A>, &PurposeKey<B>, &PurposeKey<C>)
{
}

impl<A: Purpose, B: Purpose, C: Purpose, D: Purpose> private::Sealed<(A, B, C, D)>
    for (
        &PurposeKey<A>,
        &PurposeKey<B>,
        &PurposeKey<C>,
        &PurposeKey<D>,
    )
{
    fn with_keys<R>(&self, f: impl FnOnce(&[&KeyState]) -> Result<R>) -> Result<R> {
        f(&[
            &*self.0.inner.state,
            &*self.1.inner.state,
            &*self.2.inner.state,
            &*self.3.inner.state,
        ])
    }
}
impl<A: Purpose, B: Purpose, C: Purpose, D: Purpose> SealingKeys<(A, B, C, D)>
    for (
        &PurposeKey<A>,
        &PurposeKey<B>,
        &PurposeKey<C>,
        &PurposeKey<D>,
    )
{
}

impl<A: Purpose, B: Purpose, C: Purpose, D: Purpose, E: Purpose> private::Sealed<(A, B, C, D, E)>
    for (
        &PurposeKey<A>,
        &PurposeKey<B>,
        &PurposeKey<C>,
        &PurposeKey<D>,
        &PurposeKey<E>,
    )
{
    fn with_keys<R>(&self, f: impl FnOnce(&[&KeyState]) -> Result<R>) -> Result<R> {
        f(&[
            &*self.0.inner.state,
            &*self.1.inner.state,
            &*self.2.inner.state,
            &*self.3.inner.state,
            &*self.4.inner.state,
        ])
    }
}
impl<A: Purpose, B: Purpose, C: Purpose, D: Purpose, E: Purpose> SealingKeys<(A, B, C, D, E)>
    for (
        &PurposeKey<A>,
        &PurposeKey<B>,
        &PurposeKey<C>,
        &PurposeKey<D>,
        &PurposeKey<E>,
    )
{
}

impl<A: Purpose, B: Purpose, C: Purpose, D: Purpose, E: Purpose, F: Purpose>
    private::Sealed<(A, B, C, D, E, F)>
    for (
        &PurposeKey<A>,
        &PurposeKey<B>,
        &PurposeKey<C>,
        &PurposeKey<D>,
        &PurposeKey<E>,
        &PurposeKey<F>,
    )
{
    fn with_keys<R>(&self, f: impl FnOnce(&[&KeyState]) -> Result<R>) -> Result<R> {
        f(&[
            &*self.0.inner.state,
            &*self.1.inner.state,
            &*self.2.inner.state,
            &*self.3.inner.state,
            &*self.4.inner.state,
            &*self.5.inner.state,
        ])
    }
}
impl<A: Purpose, B: Purpose, C: Purpose, D: Purpose, E: Purpose, F: Purpose>
    SealingKeys<(A, B, C, D, E, F)>
    for (
        &PurposeKey<A>,
        &PurposeKey<B>,
        &PurposeKey<C>,
        &PurposeKey<D>,
        &PurposeKey<E>,
        &PurposeKey<F>,
    )
{
}

impl<A: Purpose, B: Purpose, C: Purpose, D: Purpose, E: Purpose, F: Purpose, G: Purpose>
    private::Sealed<(A, B, C, D, E, F, G)>
    for (
        &PurposeKey<A>,
        &PurposeKey<B>,
        &PurposeKey<C>,
        &PurposeKey<D>,
        &PurposeKey<E>,
        &PurposeKey<F>,
        &PurposeKey<G>,
    )
{
    fn with_keys<R>(&self, f: impl FnOnce(&[&KeyState]) -> Result<R>) -> Result<R> {
        f(&[
            &*self.0.inner.state,
            &*self.1.inner.state,
            &*self.2.inner.state,
            &*self.3.inner.state,
            &*self.4.inner.state,
            &*self.5.inner.state,
            &*self.6.inner.state,
        ])
    }
}
impl<A: Purpose, B: Purpose, C: Purpose, D: Purpose, E: Purpose, F: Purpose, G: Purpose>
    SealingKeys<(A, B, C, D, E, F, G)>
    for (
        &PurposeKey<A>,
        &PurposeKey<B>,
        &PurposeKey<C>,
        &PurposeKey<D>,
        &PurposeKey<E>,
        &PurposeKey<F>,
        &PurposeKey<G>,
    )
{
}

impl<A: Purpose, B: Purpose, C: Purpose, D: Purpose, E: Purpose, F: Purpose, G: Purpose, H: Purpose>
    private::Sealed<(A, B, C, D, E, F, G, H)>
    for (
        &PurposeKey<A>,
        &PurposeKey<B>,
        &PurposeKey<C>,
        &PurposeKey<D>,
        &PurposeKey<E>,
        &PurposeKey<F>,
        &PurposeKey<G>,
        &PurposeKey<H>,
    )
{
    fn with_keys<R>(&self, f: impl FnOnce(&[&KeyState]) -> Result<R>) -> Result<R> {
        f(&[
            &*self.0.inner.state,
            &*self.1.inner.state,
            &*self.2.inner.state,
            &*self.3.inner.state,
            &*self.4.inner.state,
            &*self.5.inner.state,
            &*self.6.inner.state,
            &*self.7.inner.state,
        ])
    }
}
impl<A: Purpose, B: Purpose, C: Purpose, D: Purpose, E: Purpose, F: Purpose, G: Purpose, H: Purpose>
    SealingKeys<(A, B, C, D, E, F, G, H)>
    for (
        &PurposeKey<A>,
        &PurposeKey<B>,
        &PurposeKey<C>,
        &PurposeKey<D>,
        &PurposeKey<E>,
        &PurposeKey<F>,
        &PurposeKey<G>,
        &PurposeKey<H>,
    )
{
}
