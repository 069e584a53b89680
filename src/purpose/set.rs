//! Purpose sets: the purposes a value is sealed for, as a type.
//!
//! `Sealed<T, Ps>` is sealed for one purpose `P` or a tuple of up to eight. Opening needs a key of a
//! purpose in the set; [`Includes`] proves membership at compile time without overlapping impls
//! (the index type `I0`..`I7` says *where* in the tuple the purpose sits, as frunk's `Plucker`
//! does), so opening with any other purpose's key is a compile error.

use crate::purpose::{Purpose, PurposePolicy};

/// A purpose or a tuple of up to eight distinct purposes.
pub trait PurposeSet: Send + Sync + 'static {
    /// The names of the purposes, in order.
    const NAMES: &'static [&'static str];
    /// Their policies, in the same order.
    const POLICIES: &'static [PurposePolicy];
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
    const POLICIES: &'static [PurposePolicy] = &[P::POLICY];
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

/// The tuple impls: `PurposeSet` for `(A, B, ...)`, and `Includes<X, In>` for the purpose `X` at
/// each position `n`.
macro_rules! purpose_tuple {
    ($($p:ident $index:ident),+) => {
        impl<$($p: Purpose),+> PurposeSet for ($($p,)+) {
            const NAMES: &'static [&'static str] = &[$($p::NAME),+];
            const POLICIES: &'static [PurposePolicy] = &[$($p::POLICY),+];
        }
        purpose_tuple!(@includes [$($p),+] $($p $index),+);
    };
    (@includes $all:tt $($p:ident $index:ident),+) => {
        $(purpose_tuple!(@one $all $p $index);)+
    };
    (@one [$($all:ident),+] $p:ident $index:ident) => {
        #[diagnostic::do_not_recommend]
        impl<$($all),+> Includes<$p, $index> for ($($all,)+) {}
    };
}

purpose_tuple!(A I0);
purpose_tuple!(A I0, B I1);
purpose_tuple!(A I0, B I1, C I2);
purpose_tuple!(A I0, B I1, C I2, D I3);
purpose_tuple!(A I0, B I1, C I2, D I3, E I4);
purpose_tuple!(A I0, B I1, C I2, D I3, E I4, F I5);
purpose_tuple!(A I0, B I1, C I2, D I3, E I4, F I5, G I6);
purpose_tuple!(A I0, B I1, C I2, D I3, E I4, F I5, G I6, H I7);
