//! `SealedX::record_layout()`: the JSON layout of the sealed twin for bulk re-sealing
//! (`fieldseal::bulk`), written from the same declarations that seal it, so that the two bind
//! exactly the same contexts (FORMAT.md §13).

use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt as _;

use crate::ast::Record;

pub(crate) fn layout(record: &Record<'_>) -> TokenStream {
    let sealed_ident = &record.sealed_ident;
    let name = &record.context_name;
    // serde names a member as its Rust field, without `r#`.
    let key = |ident: &syn::Ident| ident.unraw().to_string();
    let id = record.id.zip(record.id_ty).map(|(id, ty)| {
        let id_key = key(id);
        quote!(.id(#id_key, ::fieldseal::bulk::IdType::of::<#ty>()))
    });
    let members = record.fields.iter().map(|field| {
        let json_key = key(field.ident);
        if field.nested.is_some() {
            let ty = field.ty;
            return quote! {
                .nested(
                    #json_key,
                    <<#ty as ::fieldseal::record::SealRecord>::Sealed
                        as ::fieldseal::bulk::SealedLayout>::record_layout(),
                )
            };
        }
        let Some(sealed) = &field.sealed else {
            return quote!();
        };
        let context_name = &sealed.name;
        let rename = (*context_name != json_key).then(|| quote!(.rename(#json_key, #context_name)));
        quote!(.sealed(#json_key) #rename)
    });
    let indexes = crate::index::layout_entries(record);
    // A subject-mode record has no `record_layout()`: its fields are never bulk re-sealed (a
    // rotation rewraps data keys, FORMAT.md §15.2). The trait impl stays, for nesting in a
    // direct-mode record.
    let entry = crate::expand::is_direct(record).then(|| {
        quote! {
            #[automatically_derived]
            impl #sealed_ident {
                /// The layout of this record's JSON for bulk re-sealing after a rotation
                /// (`fieldseal::bulk::reseal_jsonl`, `reseal_records`): record type, id, sealed
                /// fields, renames and nested records, as this derive binds them.
                pub fn record_layout() -> ::fieldseal::bulk::RecordLayout {
                    <Self as ::fieldseal::bulk::SealedLayout>::record_layout()
                }
            }
        }
    });
    quote! {
        #[automatically_derived]
        impl ::fieldseal::bulk::SealedLayout for #sealed_ident {
            fn record_layout() -> ::fieldseal::bulk::RecordLayout {
                ::fieldseal::bulk::RecordLayout::new(#name).declared() #id #(#members)* #(#indexes)*
            }
        }

        #entry
    }
}
