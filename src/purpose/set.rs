//! Purpose sets: the purposes a value is sealed for, as a type.
//!
//! `Sealed<T, Ps>` is sealed for one purpose `P` or a tuple of up to eight. Opening needs a key of a
//! purpose in the set; [`Includes`] proves membership at compile time without overlapping impls
//! (the index type `I0`..`I7` says *where* in the tuple the purpose sits, as frunk's `Plucker`
//! does), so opening with any other purpose's key is a compile error.

use crate::purpose::Purpose;

/// A purpose or a tuple of up to eight distinct purposes.
pub trait PurposeSet: Send + Sync + 'static {
    /// The names of the purposes, in order.
    const NAMES: &'static [&'static str];
}

/// Type-level proof that purpose `P` is in the set `Self`, at position `I`.
///
/// Callers never name `I`: the compiler infers it.
#[diagnostic::on_unimplemented(
    message = "this value is not sealed for purpose `{P}`",
    label = "`{Self}` does not include `{P}`",
    note = "open it with the key of a purpose it was sealed for, or seal it for `{P}` as well"
)]
pub trait Includes<P, I> {}

impl<P: Purpose> PurposeSet for P {
    const NAMES: &'static [&'static str] = &[P::NAME];
}

#[diagnostic::do_not_recommend]
impl<P: Purpose> Includes<P, I0> for P {}

/// Position 0 in a purpose tuple (see [`Includes`]).
#[derive(Debug)]
pub struct I0;

/// Position 1 in a purpose tuple (see [`Includes`]).
#[derive(Debug)]
pub struct I1;

/// Position 2 in a purpose tuple (see [`Includes`]).
#[derive(Debug)]
pub struct I2;

/// Position 3 in a purpose tuple (see [`Includes`]).
#[derive(Debug)]
pub struct I3;

/// Position 4 in a purpose tuple (see [`Includes`]).
#[derive(Debug)]
pub struct I4;

/// Position 5 in a purpose tuple (see [`Includes`]).
#[derive(Debug)]
pub struct I5;

/// Position 6 in a purpose tuple (see [`Includes`]).
#[derive(Debug)]
pub struct I6;

/// Position 7 in a purpose tuple (see [`Includes`]).
#[derive(Debug)]
pub struct I7;

impl<A: Purpose> PurposeSet for (A,) {
    const NAMES: &'static [&'static str] = &[A::NAME];
}

#[diagnostic::do_not_recommend]
impl<A> Includes<A, I0> for (A,) {}

impl<A: Purpose, B: Purpose> PurposeSet for (A, B) {
    const NAMES: &'static [&'static str] = &[A::NAME, B::NAME];
}

#[diagnostic::do_not_recommend]
impl<A, B> Includes<A, I0> for (A, B) {}
#[diagnostic::do_not_recommend]
impl<A, B> Includes<B, I1> for (A, B) {}

impl<A: Purpose, B: Purpose, C: Purpose> PurposeSet for (A, B, C) {
    const NAMES: &'static [&'static str] = &[A::NAME, B::NAME, C::NAME];
}

#[diagnostic::do_not_recommend]
impl<A, B, C> Includes<A, I0> for (A, B, C) {}
#[diagnostic::do_not_recommend]
impl<A, B, C> Includes<B, I1> for (A, B, C) {}
#[diagnostic::do_not_recommend]
impl<A, B, C> Includes<C, I2> for (A, B, C) {}

impl<A: Purpose, B: Purpose, C: Purpose, D: Purpose> PurposeSet for (A, B, C, D) {
    const NAMES: &'static [&'static str] = &[A::NAME, B::NAME, C::NAME, D::NAME];
}

#[diagnostic::do_not_recommend]
impl<A, B, C, D> Includes<A, I0> for (A, B, C, D) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D> Includes<B, I1> for (A, B, C, D) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D> Includes<C, I2> for (A, B, C, D) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D> Includes<D, I3> for (A, B, C, D) {}

impl<A: Purpose, B: Purpose, C: Purpose, D: Purpose, E: Purpose> PurposeSet for (A, B, C, D, E) {
    const NAMES: &'static [&'static str] = &[A::NAME, B::NAME, C::NAME, D::NAME, E::NAME];
}

#[diagnostic::do_not_recommend]
impl<A, B, C, D, E> Includes<A, I0> for (A, B, C, D, E) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D, E> Includes<B, I1> for (A, B, C, D, E) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D, E> Includes<C, I2> for (A, B, C, D, E) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D, E> Includes<D, I3> for (A, B, C, D, E) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D, E> Includes<E, I4> for (A, B, C, D, E) {}

impl<A: Purpose, B: Purpose, C: Purpose, D: Purpose, E: Purpose, F: Purpose> PurposeSet
    for (A, B, C, D, E, F)
{
    const NAMES: &'static [&'static str] = &[A::NAME, B::NAME, C::NAME, D::NAME, E::NAME, F::NAME];
}

#[diagnostic::do_not_recommend]
impl<A, B, C, D, E, F> Includes<A, I0> for (A, B, C, D, E, F) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D, E, F> Includes<B, I1> for (A, B, C, D, E, F) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D, E, F> Includes<C, I2> for (A, B, C, D, E, F) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D, E, F> Includes<D, I3> for (A, B, C, D, E, F) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D, E, F> Includes<E, I4> for (A, B, C, D, E, F) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D, E, F> Includes<F, I5> for (A, B, C, D, E, F) {}

impl<A: Purpose, B: Purpose, C: Purpose, D: Purpose, E: Purpose, F: Purpose, G: Purpose> PurposeSet
    for (A, B, C, D, E, F, G)
{
    const NAMES: &'static [&'static str] = &[
        A::NAME,
        B::NAME,
        C::NAME,
        D::NAME,
        E::NAME,
        F::NAME,
        G::NAME,
    ];
}

#[diagnostic::do_not_recommend]
impl<A, B, C, D, E, F, G> Includes<A, I0> for (A, B, C, D, E, F, G) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D, E, F, G> Includes<B, I1> for (A, B, C, D, E, F, G) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D, E, F, G> Includes<C, I2> for (A, B, C, D, E, F, G) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D, E, F, G> Includes<D, I3> for (A, B, C, D, E, F, G) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D, E, F, G> Includes<E, I4> for (A, B, C, D, E, F, G) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D, E, F, G> Includes<F, I5> for (A, B, C, D, E, F, G) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D, E, F, G> Includes<G, I6> for (A, B, C, D, E, F, G) {}

impl<A: Purpose, B: Purpose, C: Purpose, D: Purpose, E: Purpose, F: Purpose, G: Purpose, H: Purpose>
    PurposeSet for (A, B, C, D, E, F, G, H)
{
    const NAMES: &'static [&'static str] = &[
        A::NAME,
        B::NAME,
        C::NAME,
        D::NAME,
        E::NAME,
        F::NAME,
        G::NAME,
        H::NAME,
    ];
}

#[diagnostic::do_not_recommend]
impl<A, B, C, D, E, F, G, H> Includes<A, I0> for (A, B, C, D, E, F, G, H) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D, E, F, G, H> Includes<B, I1> for (A, B, C, D, E, F, G, H) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D, E, F, G, H> Includes<C, I2> for (A, B, C, D, E, F, G, H) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D, E, F, G, H> Includes<D, I3> for (A, B, C, D, E, F, G, H) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D, E, F, G, H> Includes<E, I4> for (A, B, C, D, E, F, G, H) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D, E, F, G, H> Includes<F, I5> for (A, B, C, D, E, F, G, H) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D, E, F, G, H> Includes<G, I6> for (A, B, C, D, E, F, G, H) {}
#[diagnostic::do_not_recommend]
impl<A, B, C, D, E, F, G, H> Includes<H, I7> for (A, B, C, D, E, F, G, H) {}
