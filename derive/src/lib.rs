//! `#[derive(Seal)]` for fieldseal: declare a customer record once, and the compiler enforces
//! which purpose may read which field. Use it through `fieldseal::Seal` (the `derive` feature);
//! the runtime crate documents the attributes.
//!
//! A pipeline that never panics: [`ast`] parses and validates with spanned errors, [`expand`]
//! writes code against `fieldseal`'s `__private` path. On error the user sees one
//! `compile_error!` and a stand-in twin type, so one mistake gives one message.

#![forbid(unsafe_code)]

mod ast;
mod attr;
mod columns;
mod describe;
mod expand;
mod index;
mod layout;
mod reseal;
mod subject;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives a sealed twin type and per-purpose views for a record. See `fieldseal::Seal`.
#[proc_macro_derive(Seal, attributes(seal))]
pub fn derive_seal(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match ast::Record::from_input(&input) {
        Ok(record) => expand::record(&record),
        Err(error) => expand::fallback(&input, &error),
    }
    .into()
}
