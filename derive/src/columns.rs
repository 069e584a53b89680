//! Per-column helpers on the sealed twin (`with_context_<field>`, `open_<field>_column`,
//! `open_<field>_column_with`) of a top-level, direct-mode record with an id: the
//! context of each sealed field for a given id, and opening one column's value with it, so that
//! code reading one column never spells the record type, field name or id encoding by hand
//! (FORMAT.md §6 and §13: the context `#[derive(Seal)]` binds).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::ext::IdentExt as _;

use crate::ast::Record;
use crate::expand::{is_direct, plaintext_ty, purpose_set};

pub(crate) fn helpers(record: &Record<'_>) -> TokenStream {
    let (Some(id_ty), true) = (record.id_ty, is_direct(record)) else {
        return TokenStream::new();
    };
    let (ident, sealed_ident) = (record.ident, &record.sealed_ident);
    let record_name = &record.context_name;
    let methods = record.fields.iter().filter_map(|field| {
        let sealed = field.sealed.as_ref()?;
        let rust_name = field.ident.unraw();
        let with_context = format_ident!("with_context_{}", rust_name);
        let open = format_ident!("open_{}_column", rust_name);
        let open_with = format_ident!("open_{}_column_with", rust_name);
        let plaintext = plaintext_ty(field, sealed);
        let set = purpose_set(&sealed.purposes);
        let name = &sealed.name;
        let context_doc = format!(
            "Calls `f` with the context of field `{rust_name}` (stored as `{name}`) of the \
             [`{ident}`] whose id is `id`: record type `{record_name}`, field `{name}`, the id's \
             bytes as `#[derive(Seal)]` binds them (FORMAT.md §6, §13). For a record stored at \
             the top level, not nested in another."
        );
        let open_doc = format!(
            "Opens one `{rust_name}` column value of the [`{ident}`] whose id is `id` with \
             purpose `P`'s key, in the context [`{with_context}`](Self::{with_context}) gives: \
             for a query that selects this column (and the id) rather than the whole row."
        );
        let open_with_doc = format!(
            "Opens one `{rust_name}` column value of the [`{ident}`] whose id is `id` with the \
             key of purpose `P` in a [`KeySet`](::fieldseal::KeySet)."
        );
        Some(quote! {
            #[doc = #context_doc]
            ///
            /// # Errors
            /// [`Error::ContextTooLong`](::fieldseal::Error::ContextTooLong) and whatever `f`
            /// returns.
            pub fn #with_context<__R>(
                id: &#id_ty,
                f: impl ::core::ops::FnOnce(&::fieldseal::Context<'_>) -> ::fieldseal::Result<__R>,
            ) -> ::fieldseal::Result<__R> {
                ::fieldseal::record::RecordId::with_id_bytes(id, |__own: &[u8]| {
                    ::fieldseal::record::Nesting::TOP.enter(#record_name, __own).field(#name, f)
                })
            }

            #[doc = #open_doc]
            ///
            /// # Errors
            /// As [`Sealed::open`](::fieldseal::Sealed::open).
            pub fn #open<__P: ::fieldseal::Purpose, __I>(
                value: &::fieldseal::Sealed<#plaintext, #set>,
                id: &#id_ty,
                key: &::fieldseal::PurposeKey<__P>,
            ) -> ::fieldseal::Result<#plaintext>
            where
                #set: ::fieldseal::Includes<__P, __I>,
            {
                Self::#with_context(id, |__ctx| value.open(key, __ctx))
            }

            #[doc = #open_with_doc]
            ///
            /// # Errors
            /// As [`Sealed::open_with`](::fieldseal::Sealed::open_with).
            pub fn #open_with<__P: ::fieldseal::Purpose, __I>(
                value: &::fieldseal::Sealed<#plaintext, #set>,
                id: &#id_ty,
                keys: &::fieldseal::KeySet,
            ) -> ::fieldseal::Result<#plaintext>
            where
                #set: ::fieldseal::Includes<__P, __I>,
            {
                Self::#with_context(id, |__ctx| value.open_with::<__P, __I>(keys, __ctx))
            }
        })
    });
    quote! {
        #[automatically_derived]
        impl #sealed_ident {
            #(#methods)*
        }
    }
}
