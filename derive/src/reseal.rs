//! `SealedX::reseal`: every sealed field moved to the active key version of its purposes, with
//! the context it was sealed under; `None` when nothing needed it.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::Record;
use crate::expand::{enter, in_context, nested};

pub(crate) fn reseal(record: &Record<'_>) -> TokenStream {
    let sealed_ident = &record.sealed_ident;
    let inits = record.fields.iter().map(|field| {
        let fident = field.ident;
        match &field.sealed {
            None if field.nested.is_some() => {
                let call = nested(
                    field,
                    &quote!(::fieldseal::record::ResealRecord::reseal_nested(&self.#fident, keys, __child)),
                );
                quote! {
                    #fident: match #call {
                        ::core::option::Option::Some(__new) => { __changed = true; __new }
                        ::core::option::Option::None => ::core::clone::Clone::clone(&self.#fident),
                    }
                }
            }
            None => quote!(#fident: ::core::clone::Clone::clone(&self.#fident)),
            Some(sealed) => {
                let one = |value: TokenStream| {
                    let resealed = in_context(
                        sealed,
                        &quote!(::fieldseal::__private::audit::reseal_field(keys, #value, __ctx)),
                    );
                    quote! {
                        match #resealed {
                            ::core::option::Option::Some(__new) => { __changed = true; __new }
                            ::core::option::Option::None => ::core::clone::Clone::clone(#value),
                        }
                    }
                };
                if sealed.optional.is_some() {
                    let one = one(quote!(__value));
                    quote! {
                        #fident: match &self.#fident {
                            ::core::option::Option::Some(__value) => ::core::option::Option::Some(#one),
                            ::core::option::Option::None => ::core::option::Option::None,
                        }
                    }
                } else {
                    let one = one(quote!(&self.#fident));
                    quote!(#fident: #one)
                }
            }
        }
    });
    let indexes = crate::index::reseal_inits(record);
    let body = enter(
        record,
        &quote!({
            let mut __changed = false;
            let __new = #sealed_ident { #(#inits,)* #(#indexes,)* };
            ::core::result::Result::Ok(if __changed {
                ::core::option::Option::Some(__new)
            } else {
                ::core::option::Option::None
            })
        }),
    );
    // A subject-mode record has no direct `reseal`: rotation rewraps its subjects' data keys and
    // never touches field data (FORMAT.md §15.2). The trait impl stays, for nesting in a
    // direct-mode record.
    // One event for the whole record, as its seal and open are; its fields re-seal quietly.
    let audit = crate::expand::audit_run(
        record,
        &quote!(Reseal),
        false,
        &crate::expand::AuditFrom::Direct,
    );
    let body =
        crate::expand::nested_or_recorded(&quote!(::core::option::Option<Self>), &body, &audit);
    let entry = crate::expand::is_direct(record).then(|| {
        quote! {
            #[automatically_derived]
            impl #sealed_ident {
                /// Re-seals every sealed field under the active key version of its purposes
                /// (after a rotation), with the context it was sealed under: `Ok(None)` when every
                /// field is current already, so a rerun over re-sealed records writes nothing.
                ///
                /// Blind index columns (FORMAT.md §13) are brought to their index's current
                /// version too: a term of another version is recomputed from the fields it reads,
                /// opened with `keys`.
                ///
                /// # Errors
                /// As [`fieldseal::KeySet::reseal`]: `keys` must hold every purpose the record
                /// uses, and the key of every index it declares
                /// ([`fieldseal::Error::UnknownIndex`]); as [`fieldseal::Sealed::open_dyn`] for a
                /// field read by a stale term that does not open.
                pub fn reseal(
                    &self,
                    keys: &::fieldseal::KeySet,
                ) -> ::fieldseal::Result<::core::option::Option<Self>> {
                    ::fieldseal::record::ResealRecord::reseal_nested(
                        self,
                        keys,
                        &::fieldseal::record::Nesting::TOP,
                    )
                }
            }
        }
    });
    quote! {
        #entry

        #[automatically_derived]
        impl ::fieldseal::record::ResealRecord for #sealed_ident {
            fn reseal_nested(
                &self,
                keys: &::fieldseal::KeySet,
                __outer: &::fieldseal::record::Nesting<'_>,
            ) -> ::fieldseal::Result<::core::option::Option<Self>> {
                #body
            }
        }
    }
}
