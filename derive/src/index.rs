//! Blind index columns (FORMAT.md §13, §16): the `index(..)` attributes checked, and the code
//! that declares each index once, fills its column when a record is sealed, recomputes a stale
//! term when it is re-sealed, and computes the terms of a lookup.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;
use syn::{Ident, PathArguments, Result, Type};

use crate::ast::{Field, Index, IndexPart, Record};
use crate::attr::IndexAttr;

/// The most parts of a compound index (`fieldseal::index::MAX_PARTS`).
const MAX_PARTS: usize = 16;
/// The longest normalizer description a keyring records (`fieldseal::index::MAX_NORMALIZER_LEN`).
const MAX_RECORDED: usize = 255;

/// Checks every index of the record: field-level ones in field order, then the struct's.
pub(crate) fn check<'a>(fields: &[Field<'a>], compound: &[IndexAttr]) -> Result<Vec<Index<'a>>> {
    let mut out: Vec<Index<'a>> = Vec::new();
    let field_level = fields
        .iter()
        .flat_map(|f| f.indexes.iter().map(move |attr| (Some(f), attr)));
    let compound: Vec<(Option<&Field<'a>>, &IndexAttr)> =
        compound.iter().map(|attr| (None, attr)).collect();
    for (on, attr) in field_level.chain(compound) {
        let index = one(fields, on, attr)?;
        if let Some(clash) = out
            .iter()
            .find(|i| i.column == index.column || i.name == index.name)
        {
            let what = if clash.column == index.column {
                format!("two indexes fill the column `{}`", index.column)
            } else {
                format!(
                    "two columns of this record are terms of index `{}`",
                    index.name
                )
            };
            return Err(syn::Error::new(
                index.column.span(),
                format!("{what}; keep one"),
            ));
        }
        out.push(index);
    }
    Ok(out)
}

/// One index attribute; `on`: the field it is on (field-level), `None` on the struct.
fn one<'a>(fields: &[Field<'a>], on: Option<&Field<'a>>, attr: &IndexAttr) -> Result<Index<'a>> {
    let column = &attr.column;
    if column == "missing" || fields.iter().any(|f| f.ident.unraw() == column.unraw()) {
        return Err(syn::Error::new(
            column.span(),
            format!(
                "the index column `{column}` would be a second member of that name in the sealed \
                 record; name the column after the index (`{column}_lookup`)"
            ),
        ));
    }
    let name = match &attr.name {
        Some(lit) => (lit.value(), lit.span()),
        None => (column.unraw().to_string().replace('_', "-"), column.span()),
    };
    if let Some(reason) = name_rule_broken(&name.0) {
        let hint = if attr.name.is_none() {
            "; name the keyring's index with `name = \"index-name\"`"
        } else {
            ""
        };
        return Err(syn::Error::new(
            name.1,
            format!(
                "`{}` is not an index name: {reason} (an index name is 1 to 64 of a-z, 0-9, `-` \
                 and `:`; a column `email_lookup` names the index `email-lookup`){hint}",
                name.0
            ),
        ));
    }
    if attr.parts.len() > MAX_PARTS {
        return Err(syn::Error::new(
            column.span(),
            format!("an index reads at most {MAX_PARTS} fields"),
        ));
    }
    let mut parts: Vec<IndexPart<'a>> = Vec::new();
    let mut customs: Vec<(String, proc_macro2::Span)> = Vec::new();
    for (field_name, normalizer) in &attr.parts {
        let (field, span) = match (field_name, on) {
            (Some(name), _) => {
                let field = fields
                    .iter()
                    .find(|f| f.ident.unraw() == name.unraw())
                    .ok_or_else(|| {
                        syn::Error::new(name.span(), format!("no field named `{name}` to index"))
                    })?;
                (field, name.span())
            }
            (None, Some(field)) => (field, column.span()),
            (None, None) => unreachable!("a struct's index names its fields"),
        };
        if parts.iter().any(|p| p.field == field.ident) {
            return Err(syn::Error::new(
                span,
                format!("`{}` is read twice by this index", field.ident),
            ));
        }
        let (context_name, optional) = text_source(field, span)?;
        let found = crate::describe::check(&normalizer.description)
            .map_err(|why| syn::Error::new(normalizer.span, why))?;
        customs.extend(found.into_iter().map(|c| (c, normalizer.span)));
        parts.push(IndexPart {
            field: field.ident,
            context_name,
            description: normalizer.description.clone(),
            optional,
        });
    }
    // The keyring records the parts' descriptions joined with `,` (FORMAT.md §16.4), in at most
    // 255 bytes: refused here rather than when the keyring first records the index.
    let joined = parts.iter().map(|p| p.description.len()).sum::<usize>() + parts.len() - 1;
    if joined > MAX_RECORDED {
        return Err(syn::Error::new(
            column.span(),
            format!(
                "this index's normalizer descriptions, joined with `,`, are {joined} bytes: a \
                 keyring records at most {MAX_RECORDED} (FORMAT.md §16.4); use fewer parts or \
                 shorter descriptions"
            ),
        ));
    }
    let custom = custom_function(&customs, attr.with.as_ref())?;
    Ok(Index {
        column: column.clone(),
        name: name.0,
        custom,
        parts,
    })
}

/// The function of an index's `custom:NAME` step (`with = path`), and NAME: both or neither, one
/// NAME per index.
fn custom_function(
    customs: &[(String, proc_macro2::Span)],
    with: Option<&syn::Path>,
) -> Result<Option<(syn::Path, String)>> {
    Ok(match (customs.first(), with) {
        (None, None) => None,
        (None, Some(with)) => {
            return Err(syn::Error::new(
                with.span(),
                "`with` gives the function of a `custom:NAME` normalizer, and this index names \
                 none; write its description as \"custom:NAME\" (or \"text|custom:NAME\")",
            ));
        }
        (Some((name, span)), None) => {
            return Err(syn::Error::new(
                *span,
                format!(
                    "the normalizer `custom:{name}` is a function of yours: name it with \
                     `with = path::to::function` (a `fn(&str) -> Result<String, NormalizeError>`)"
                ),
            ));
        }
        (Some((name, span)), Some(with)) => {
            if let Some((other, _)) = customs.iter().find(|(c, _)| c != name) {
                return Err(syn::Error::new(
                    *span,
                    format!(
                        "one custom normalizer per index: `custom:{name}` and `custom:{other}` \
                         cannot both be `with`'s function"
                    ),
                ));
            }
            Some((with.clone(), name.clone()))
        }
    })
}

/// A field an index can read: sealed, as a `String` or `Option<String>`. Its context name, and
/// whether it is optional.
fn text_source(field: &Field<'_>, span: proc_macro2::Span) -> Result<(String, bool)> {
    let refuse = |why: &str| {
        syn::Error::new(
            span,
            format!(
                "`{}` cannot be indexed: {why}; a blind index reads a sealed `String` or \
                 `Option<String>` field",
                field.ident
            ),
        )
    };
    let Some(sealed) = &field.sealed else {
        return Err(refuse(if field.nested.is_some() {
            "it is a nested record (index the fields of its own type)"
        } else {
            "it is not sealed (a plain field is looked up as it is)"
        }));
    };
    if sealed.json || !is_string(sealed.value_ty(field.ty)) {
        return Err(refuse("it is not sealed as a `String`"));
    }
    Ok((sealed.name.clone(), sealed.optional.is_some()))
}

fn is_string(ty: &Type) -> bool {
    let Type::Path(path) = ty else { return false };
    path.qself.is_none()
        && path
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "String" && matches!(s.arguments, PathArguments::None))
}

/// The purpose naming rule (FORMAT.md §4.1), which index names follow.
fn name_rule_broken(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("it is empty")
    } else if name.len() > 64 {
        Some("it is longer than 64 bytes")
    } else if !name
        .bytes()
        .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b':'))
    {
        Some("it holds a character outside a-z, 0-9, '-' and ':'")
    } else {
        None
    }
}

/// The hidden associated function returning an index's `DeclaredIndex`.
fn declared_fn(index: &Index<'_>) -> Ident {
    format_ident!("__fieldseal_index_{}", index.column.unraw())
}

/// `SealedX::__fieldseal_index_col()`.
fn declared(record: &Record<'_>, index: &Index<'_>) -> TokenStream {
    let (sealed_ident, f) = (&record.sealed_ident, declared_fn(index));
    quote!(#sealed_ident::#f())
}

/// The twin's members: one term per index, `Option` when a field it reads is.
pub(crate) fn twin_fields(record: &Record<'_>) -> Vec<TokenStream> {
    record
        .indexes
        .iter()
        .map(|index| {
            // Public whatever the fields' visibility: the application stores and compares it.
            let column = &index.column;
            if index.optional() {
                // Absent from a record stored before the index existed: `None`, as a new
                // optional sealed field reads (FORMAT.md §13).
                quote!(#[serde(default)] pub #column: ::core::option::Option<::fieldseal::IndexTerm>)
            } else {
                quote!(pub #column: ::fieldseal::IndexTerm)
            }
        })
        .collect()
}

/// Each index declared once, and its lookup helper.
pub(crate) fn items(record: &Record<'_>) -> TokenStream {
    if record.indexes.is_empty() {
        return quote!();
    }
    let sealed_ident = &record.sealed_ident;
    let items = record.indexes.iter().map(|index| {
        let f = declared_fn(index);
        let name = &index.name;
        let parts = index.parts.iter().map(|p| {
            let (field, description) = (p.field.unraw().to_string(), &p.description);
            quote!((#field, #description))
        });
        let custom = if let Some((path, custom)) = &index.custom {
            let function = quote_spanned!(path.span()=> #path as ::fieldseal::record::NormalizeFn);
            quote!(::core::option::Option::Some((#custom, #function)))
        } else {
            quote!(::core::option::Option::None)
        };
        let helper = lookup_helper(index, &f);
        quote! {
            /// The blind index declared on this record, its normalizers made once.
            fn #f() -> &'static ::fieldseal::record::DeclaredIndex {
                static INDEX: ::fieldseal::record::DeclaredIndex =
                    ::fieldseal::record::DeclaredIndex::new(#name, &[#(#parts),*], #custom);
                &INDEX
            }

            #helper
        }
    });
    quote! {
        #[automatically_derived]
        impl #sealed_ident {
            #(#items)*
        }
    }
}

/// `col_terms(&keys, field, ...)`: what a lookup asks for.
fn lookup_helper(index: &Index<'_>, f: &Ident) -> TokenStream {
    let method = format_ident!("{}_terms", index.column.unraw());
    let params: Vec<&Ident> = index.parts.iter().map(|p| p.field).collect();
    let keys = if params.iter().any(|p| *p == "keys") {
        format_ident!("index_keys")
    } else {
        format_ident!("keys")
    };
    let (column, name) = (&index.column, &index.name);
    let fields: Vec<String> = params.iter().map(|p| format!("`{}`", p.unraw())).collect();
    let described: Vec<String> = index
        .parts
        .iter()
        .map(|p| format!("`{}` as `{}`", p.field.unraw(), p.description))
        .collect();
    let doc = format!(
        "The terms a lookup of index `{name}` asks for, one per index version in use, current \
         first: `WHERE {column} IN (...)`, so that rows written before and after an index \
         rotation are found alike. Give the value of {}, as typed; it is normalized ({}) first.\
         \n\n# Errors\n[`fieldseal::Error::UnknownIndex`] if `{keys}` holds no key of `{name}`, \
         [`fieldseal::Error::IndexNormalizerMismatch`] if the key records another normalizer, \
         and [`fieldseal::Error::Normalize`] for a value the normalizer refuses.",
        fields.join(", "),
        described.join(", "),
    );
    quote! {
        #[doc = #doc]
        // A service that writes records may never look one up.
        #[allow(dead_code)]
        pub fn #method(
            #keys: &::fieldseal::KeySet,
            #(#params: &str),*
        ) -> ::fieldseal::Result<::std::vec::Vec<::fieldseal::IndexTerm>> {
            Self::#f().get()?.terms(#keys, &[#(#params),*])
        }
    }
}

/// `Some(x)` and `None`, spelled out.
fn some(x: &TokenStream) -> TokenStream {
    quote!(::core::option::Option::Some(#x))
}

/// The members `#[derive(Seal)]` fills when it seals: each index's term of the record's values,
/// with the current version of the index key of `keys` (an expression of type `&KeySet`).
pub(crate) fn seal_inits(record: &Record<'_>, keys: &TokenStream) -> Vec<TokenStream> {
    record
        .indexes
        .iter()
        .map(|index| {
            let column = &index.column;
            let declared = declared(record, index);
            let binds: Vec<Ident> = (0..index.parts.len())
                .map(|i| format_ident!("__value_{}", i))
                .collect();
            let term = quote!(#declared.get()?.term(#keys, &[#(#binds),*])?);
            if !index.optional() {
                let values = index.parts.iter().map(|p| {
                    let field = p.field;
                    quote!(self.#field.as_str())
                });
                return quote!(#column: { #(let #binds = #values;)* #term });
            }
            let values = index.parts.iter().map(|p| {
                let field = p.field;
                if p.optional {
                    quote!(self.#field.as_deref())
                } else {
                    some(&quote!(self.#field.as_str()))
                }
            });
            let patterns = binds.iter().map(|b| some(&quote!(#b)));
            let found = some(&term);
            quote! {
                #column: match (#(#values,)*) {
                    (#(#patterns,)*) => #found,
                    _ => ::core::option::Option::None,
                }
            }
        })
        .collect()
}

/// The members `reseal` fills (direct mode; `keys`, `__at` and `__changed` in scope): a term
/// of the current index version is kept, any other recomputed from its fields, opened with a
/// purpose key of `keys`.
pub(crate) fn reseal_inits(record: &Record<'_>) -> Vec<TokenStream> {
    record
        .indexes
        .iter()
        .map(|index| {
            let column = &index.column;
            let declared = declared(record, index);
            let sources: Vec<Ident> = (0..index.parts.len())
                .map(|i| format_ident!("__source_{}", i))
                .collect();
            let values: Vec<Ident> = (0..index.parts.len())
                .map(|i| format_ident!("__value_{}", i))
                .collect();
            let found = index.parts.iter().map(|p| {
                let field = p.field;
                if p.optional {
                    quote!(self.#field.as_ref())
                } else {
                    some(&quote!(&self.#field))
                }
            });
            let patterns = sources.iter().map(|s| some(&quote!(#s)));
            let opens = index
                .parts
                .iter()
                .zip(&sources)
                .zip(&values)
                .map(|((p, s), v)| {
                    let name = &p.context_name;
                    quote! {
                        let #v = __at.field(#name, |__ctx: &::fieldseal::Context<'_>| {
                            ::fieldseal::record::open_source(keys, #s, __ctx)
                        })?;
                    }
                });
            let (stored, recomputed) = if index.optional() {
                (
                    quote!(self.#column.as_ref()),
                    some(&quote!(__index.term_with(__key, &[#(#values.as_str()),*])?)),
                )
            } else {
                (
                    some(&quote!(&self.#column)),
                    quote!(__index.term_with(__key, &[#(#values.as_str()),*])?),
                )
            };
            // A field it reads is `None`: the member is `None` (FORMAT.md §13), not a term left
            // from before the field was cleared. Only an optional index has such a case.
            let cleared = if index.optional() {
                quote! {{
                    if self.#column.is_some() {
                        __changed = true;
                    }
                    ::core::option::Option::None
                }}
            } else {
                quote!(::core::clone::Clone::clone(&self.#column))
            };
            quote! {
                #column: {
                    let __index = #declared.get()?;
                    let __key = keys.require_index(__index.name())?;
                    match (#(#found,)*) {
                        (#(#patterns,)*) => match #stored {
                            // A term newer than the key (a stale bundle) is an error, never
                            // moved back to an older version.
                            ::core::option::Option::Some(__term)
                                if ::fieldseal::record::term_is_current(__key, __term)? =>
                            {
                                ::core::clone::Clone::clone(&self.#column)
                            }
                            _ => {
                                #(#opens)*
                                __changed = true;
                                #recomputed
                            }
                        },
                        _ => #cleared,
                    }
                }
            }
        })
        .collect()
}

/// The layout's index entries: `.declared_index("column", SealedX::__fieldseal_index_col())`.
pub(crate) fn layout_entries(record: &Record<'_>) -> Vec<TokenStream> {
    record
        .indexes
        .iter()
        .map(|index| {
            let column = index.column.unraw().to_string();
            let declared = declared(record, index);
            quote!(.declared_index(#column, #declared))
        })
        .collect()
}
