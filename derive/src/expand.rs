//! The code `#[derive(Seal)]` writes, against `::fieldseal` only.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{DeriveInput, Ident, Path};

use crate::ast::{Field, Record, SealedField};
use crate::attr::path_key;

/// The purpose set type of a field: `P` or `(P1, P2, ...)`.
pub(crate) fn purpose_set(purposes: &[Path]) -> TokenStream {
    match purposes {
        [one] => quote!(#one),
        many => quote!((#(#many,)*)),
    }
}

/// The plaintext type a field is sealed as.
pub(crate) fn plaintext_ty(field: &Field<'_>, sealed: &SealedField) -> TokenStream {
    let value = sealed.value_ty(field.ty);
    if sealed.json {
        quote!(::fieldseal::Json<#value>)
    } else {
        quote!(#value)
    }
}

fn sealed_ty(field: &Field<'_>, sealed: &SealedField) -> TokenStream {
    let plaintext = plaintext_ty(field, sealed);
    let set = purpose_set(&sealed.purposes);
    let one = quote!(::fieldseal::Sealed<#plaintext, #set>);
    if sealed.optional.is_some() {
        quote!(::core::option::Option<#one>)
    } else {
        one
    }
}

/// Runs `body` (an expression using `__at: &Nesting`, the place of this record) after entering
/// the record from `__outer` (its caller's place: `Nesting::TOP` for a top-level record) with its
/// own id field, if it has one (FORMAT.md §13).
pub(crate) fn enter(record: &Record<'_>, body: &TokenStream) -> TokenStream {
    let name = &record.context_name;
    if let Some(id) = record.id {
        quote! {{
            ::fieldseal::record::RecordId::with_id_bytes(&self.#id, |__own: &[u8]| {
                let __at = &__outer.enter(#name, __own);
                #body
            })
        }}
    } else {
        quote! {{
            let __at = &__outer.enter(#name, &[]);
            #body
        }}
    }
}

/// The body of a direct-mode `*_nested` trait method (`seal_nested`, `open_dyn_nested`,
/// `reseal_nested`): `body` run quietly for a record nested in another, whose own event lists its
/// fields, and recorded by `audit` as ONE event for the record at the top. The trait methods are
/// public: called at the top they record what they seal or open, as the entry point (which calls
/// them) does.
pub(crate) fn nested_or_recorded(
    ret: &TokenStream,
    body: &TokenStream,
    audit: &TokenStream,
) -> TokenStream {
    quote! {
        let __run = || -> ::fieldseal::Result<#ret> { #body };
        if !__outer.is_top() {
            return __run();
        }
        #audit
    }
}

/// `__at.field(name, |__ctx| call)?`: `call` (an expression using `__ctx: &Context`) in the
/// context of a sealed field.
pub(crate) fn in_context(sealed: &SealedField, call: &TokenStream) -> TokenStream {
    let name = &sealed.name;
    quote!(__at.field(#name, |__ctx: &::fieldseal::Context<'_>| #call)?)
}

/// `__at.nest(field, |__child| call)?`: `call` (an expression using `__child: &Nesting`) for a
/// nested record field.
pub(crate) fn nested(field: &Field<'_>, call: &TokenStream) -> TokenStream {
    let name = syn::ext::IdentExt::unraw(field.ident).to_string();
    quote!(__at.nest(#name, |__child: &::fieldseal::record::Nesting<'_>| #call)?)
}

/// `<T as SealRecord>::Sealed` for a nested record field of type `T`.
fn nested_sealed_ty(field: &Field<'_>) -> TokenStream {
    let ty = field.ty;
    quote!(<#ty as ::fieldseal::record::SealRecord>::Sealed)
}

pub(crate) fn record(record: &Record<'_>) -> TokenStream {
    let twin = twin(record);
    let seal = seal(record);
    let views = record.purposes.iter().map(|purpose| view(record, purpose));
    let dyn_view = dyn_view(record);
    let reseal = crate::reseal::reseal(record);
    let layout = crate::layout::layout(record);
    let indexes = crate::index::items(record);
    let columns = crate::columns::helpers(record);
    // A subject-mode record's entry points take the subject keys, in place of the direct ones;
    // the trait impls (what nesting needs) are the same in both modes.
    let entry_points = if record.subject.is_some() {
        crate::subject::entry_points(record, &dyn_view_ident(record))
    } else {
        openers(record)
    };
    quote! {
        #twin
        #seal
        #(#views)*
        #dyn_view
        #entry_points
        #reseal
        #layout
        #indexes
        #columns
    }
}

/// Whether the record seals in direct mode (purpose keys): it has the direct entry points.
pub(crate) fn is_direct(record: &Record<'_>) -> bool {
    record.subject.is_none()
}

fn twin(record: &Record<'_>) -> TokenStream {
    let (vis, ident, sealed_ident) = (record.vis, record.ident, &record.sealed_ident);
    let fields = record.fields.iter().map(|field| {
        let (fvis, fident) = (field.vis, field.ident);
        match &field.sealed {
            None if field.nested.is_some() => {
                let ty = nested_sealed_ty(field);
                quote!(#fvis #fident: #ty)
            }
            None => {
                let ty = field.ty;
                quote!(#fvis #fident: #ty)
            }
            Some(sealed) => {
                let ty = sealed_ty(field, sealed);
                // A field added later as `Option<T>` is absent from older records: it reads as
                // `None` (schema evolution, FORMAT.md §13). `None` is written (JSON `null`), not
                // skipped: a format that does not name its fields (bincode, MessagePack arrays)
                // cannot read back a struct with a field left out.
                let evolve = sealed.optional.as_ref().map(|_| quote!(#[serde(default)]));
                quote!(#evolve #fvis #fident: #ty)
            }
        }
    });
    let indexes = crate::index::twin_fields(record);
    let derives = &record.derives;
    let derives = (!derives.is_empty()).then(|| quote!(#[derive(#(#derives),*)]));
    let doc = format!(
        "[`{ident}`] with its sealed fields encrypted per purpose: what the database stores. \
         Written by [`{ident}::seal`]; opened into a per-purpose view with \
         [`{sealed_ident}::open`]."
    );
    quote! {
        #[doc = #doc]
        #[derive(::core::clone::Clone, ::core::cmp::PartialEq, ::core::fmt::Debug,
                 ::fieldseal::__private::serde::Serialize,
                 ::fieldseal::__private::serde::Deserialize)]
        #[serde(crate = "::fieldseal::__private::serde")]
        #derives
        #vis struct #sealed_ident {
            #(#fields,)*
            #(#indexes,)*
        }
    }
}

/// The local holding the key of `purpose` while a record is sealed.
fn key_local(record: &Record<'_>, purpose: &Path) -> Ident {
    let index = record
        .purposes
        .iter()
        .position(|p| path_key(p) == path_key(purpose))
        .expect("every field purpose is a record purpose");
    format_ident!("__key_{}", index)
}

/// The keys argument sealing one field: `&key` or `&(&key_a, &key_b, ...)`.
fn field_keys(record: &Record<'_>, sealed: &SealedField) -> TokenStream {
    let locals: Vec<Ident> = sealed
        .purposes
        .iter()
        .map(|p| key_local(record, p))
        .collect();
    match &locals[..] {
        [one] => quote!(&#one),
        many => quote!(&(#(&#many,)*)),
    }
}

fn seal_value(
    record: &Record<'_>,
    field: &Field<'_>,
    sealed: &SealedField,
    value: &TokenStream,
) -> TokenStream {
    let plaintext = plaintext_ty(field, sealed);
    let set = purpose_set(&sealed.purposes);
    let value = if sealed.json {
        quote!(&::fieldseal::Json(#value))
    } else {
        quote!(#value)
    };
    let keys = field_keys(record, sealed);
    in_context(
        sealed,
        &quote!(::fieldseal::Sealed::<#plaintext, #set>::seal(#value, __ctx, #keys)),
    )
}

fn seal(record: &Record<'_>) -> TokenStream {
    let (ident, sealed_ident) = (record.ident, &record.sealed_ident);
    let purposes = crate::subject::purposes_fn(record);
    let inits = record.fields.iter().map(|field| {
        let fident = field.ident;
        match &field.sealed {
            None if field.nested.is_some() => {
                let call = nested(
                    field,
                    &quote!(::fieldseal::record::SealRecord::seal_nested(&self.#fident, keys, __child)),
                );
                quote!(#fident: #call)
            }
            None => quote!(#fident: ::core::clone::Clone::clone(&self.#fident)),
            Some(sealed) => {
                if sealed.optional.is_some() {
                    let one = seal_value(record, field, sealed, &quote!(__value));
                    quote! {
                        #fident: match &self.#fident {
                            ::core::option::Option::Some(__value) => ::core::option::Option::Some(#one),
                            ::core::option::Option::None => ::core::option::Option::None,
                        }
                    }
                } else {
                    let one = seal_value(record, field, sealed, &quote!(&self.#fident));
                    quote!(#fident: #one)
                }
            }
        }
    });
    // Each purpose's key is looked up in the key set once per record, not once per field.
    let used: Vec<&Path> = record
        .purposes
        .iter()
        .filter(|p| {
            record.fields.iter().any(|f| {
                f.sealed
                    .as_ref()
                    .is_some_and(|s| s.purposes.iter().any(|q| path_key(q) == path_key(p)))
            })
        })
        .collect();
    let lookups = used.iter().map(|purpose| {
        let local = key_local(record, purpose);
        quote!(let #local = keys.require_ref::<#purpose>()?;)
    });
    let indexes = crate::index::seal_inits(record, &quote!(keys));
    let body = enter(
        record,
        &quote!({
            #(#lookups)*
            ::core::result::Result::Ok(#sealed_ident { #(#inits,)* #(#indexes,)* })
        }),
    );
    let doc = format!(
        "Seals every sealed field of this `{ident}` for its purposes, bound to its record type, \
         field name and id. `keys` must hold the key of every purpose the record uses.\n\n\
         # Errors\n\
         [`fieldseal::Error::NoKeyForPurpose`] if `keys` lacks a purpose, and as \
         [`fieldseal::Sealed::seal`]."
    );
    let audit = audit_run(record, &quote!(Seal), false, &AuditFrom::Direct);
    let body = nested_or_recorded(&quote!(#sealed_ident), &body, &audit);
    let entry = is_direct(record).then(|| {
        quote! {
            #[automatically_derived]
            impl #ident {
                #[doc = #doc]
                pub fn seal(&self, keys: &::fieldseal::KeySet) -> ::fieldseal::Result<#sealed_ident> {
                    ::fieldseal::record::SealRecord::seal_nested(
                        self,
                        keys,
                        &::fieldseal::record::Nesting::TOP,
                    )
                }
            }
        }
    });
    let subject = crate::subject::seal_method(record);
    let fields = sealed_fields_fn(record);
    quote! {
        #entry

        #[automatically_derived]
        impl ::fieldseal::record::SealRecord for #ident {
            type Sealed = #sealed_ident;

            fn seal_nested(
                &self,
                keys: &::fieldseal::KeySet,
                __outer: &::fieldseal::record::Nesting<'_>,
            ) -> ::fieldseal::Result<#sealed_ident> {
                #body
            }

            #subject

            fn sealed_purposes() -> &'static [::fieldseal::DynPurpose] {
                #purposes
            }

            #fields
        }
    }
}

/// `SealRecord::sealed_fields`: every sealed field with its purposes, and the fields of each
/// nested record under its path, in declared order; made once per record type.
fn sealed_fields_fn(record: &Record<'_>) -> TokenStream {
    let steps = record.fields.iter().map(|f| {
        if let Some(sealed) = &f.sealed {
            let (name, purposes) = (&sealed.name, &sealed.purposes);
            quote!(__fields.push(#name, &[#(<#purposes as ::fieldseal::Purpose>::NAME),*]);)
        } else if let Some(listed) = &f.nested {
            let ty = f.ty;
            let field = syn::ext::IdentExt::unraw(f.ident).to_string();
            quote! {
                __fields.push_nested(
                    #field,
                    &[#(<#listed as ::fieldseal::Purpose>::NAME),*],
                    <#ty as ::fieldseal::record::SealRecord>::sealed_fields(),
                );
            }
        } else {
            quote!()
        }
    });
    quote! {
        fn sealed_fields() -> &'static ::fieldseal::record::SealedFields {
            static FIELDS: ::std::sync::OnceLock<::fieldseal::record::SealedFields> =
                ::std::sync::OnceLock::new();
            FIELDS.get_or_init(|| {
                let mut __fields = ::fieldseal::record::SealedFields::default();
                #(#steps)*
                __fields
            })
        }
    }
}

/// The value a sealed field opens to, as an expression over `self`.
fn open_value(field: &Field<'_>, sealed: &SealedField) -> TokenStream {
    open_with(field, sealed, &format_ident!("open"), &quote!(key))
}

/// The value a sealed field opens to through `self.field.method(key, context)`.
fn open_with(
    field: &Field<'_>,
    sealed: &SealedField,
    method: &Ident,
    key: &TokenStream,
) -> TokenStream {
    let fident = field.ident;
    let unwrap = if sealed.json { quote!(.0) } else { quote!() };
    if sealed.optional.is_some() {
        let open = in_context(sealed, &quote!(__sealed.#method(#key, __ctx)));
        quote! {
            match &self.#fident {
                ::core::option::Option::Some(__sealed) => {
                    ::core::option::Option::Some(#open #unwrap)
                }
                ::core::option::Option::None => ::core::option::Option::None,
            }
        }
    } else {
        let open = in_context(sealed, &quote!(self.#fident.#method(#key, __ctx)));
        quote!(#open #unwrap)
    }
}

fn view_ident(record: &Record<'_>, purpose: &Path) -> Ident {
    let last = &purpose
        .segments
        .last()
        .expect("a purpose path has a segment")
        .ident;
    format_ident!("{}{}View", record.ident, last)
}

fn view(record: &Record<'_>, purpose: &Path) -> TokenStream {
    let (vis, ident, sealed_ident) = (record.vis, record.ident, &record.sealed_ident);
    let view_ident = view_ident(record, purpose);
    let key = path_key(purpose);
    let readable: Vec<&Field<'_>> = record
        .fields
        .iter()
        .filter(|f| {
            let in_list = |list: &Vec<Path>| list.iter().any(|p| path_key(p) == key);
            match (&f.sealed, &f.nested) {
                (Some(sealed), _) => in_list(&sealed.purposes),
                (None, Some(nested)) => in_list(nested),
                (None, None) => true,
            }
        })
        .collect();
    let decls = readable.iter().map(|f| {
        let (fvis, fident, ty) = (f.vis, f.ident, f.ty);
        if f.nested.is_some() {
            let sealed = nested_sealed_ty(f);
            quote!(#fvis #fident: <#sealed as ::fieldseal::record::View<#purpose>>::View)
        } else {
            quote!(#fvis #fident: #ty)
        }
    });
    let inits = readable.iter().map(|f| {
        let fident = f.ident;
        match &f.sealed {
            None if f.nested.is_some() => {
                let call = nested(
                    f,
                    &quote!(::fieldseal::record::View::<#purpose>::open_view_nested(
                        &self.#fident, key, __child,
                    )),
                );
                quote!(#fident: #call)
            }
            None => quote!(#fident: ::core::clone::Clone::clone(&self.#fident)),
            Some(sealed) => {
                let value = open_value(f, sealed);
                quote!(#fident: #value)
            }
        }
    });
    let debug_fields = readable.iter().map(|f| {
        let fident = f.ident;
        let name = syn::ext::IdentExt::unraw(fident).to_string();
        if f.sealed.is_some() {
            quote!(.field(#name, &"[REDACTED]"))
        } else {
            quote!(.field(#name, &self.#fident))
        }
    });
    let view_name = view_ident.to_string();
    let body = enter(
        record,
        &quote!(::core::result::Result::Ok(#view_ident { #(#inits,)* })),
    );
    let doc = format!(
        "What purpose `{key}` may read of a [`{ident}`]: its plain fields and the fields sealed \
         for `{key}`, nothing else. `Debug` redacts the opened fields."
    );
    let subject = crate::subject::view_method(record, purpose, &view_ident, &readable);
    quote! {
        #[doc = #doc]
        // A service reads the fields it needs; the others are no mistake.
        #[allow(dead_code)]
        #vis struct #view_ident {
            #(#decls,)*
        }

        #[automatically_derived]
        impl ::core::fmt::Debug for #view_ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(#view_name) #(#debug_fields)* .finish()
            }
        }

        #[automatically_derived]
        impl ::fieldseal::record::View<#purpose> for #sealed_ident {
            type View = #view_ident;

            fn open_view_nested(
                &self,
                key: &::fieldseal::PurposeKey<#purpose>,
                __outer: &::fieldseal::record::Nesting<'_>,
            ) -> ::fieldseal::Result<#view_ident> {
                #body
            }

            #subject
        }
    }
}

fn openers(record: &Record<'_>) -> TokenStream {
    let sealed_ident = &record.sealed_ident;
    // A key with an auditor of its own records the record as one event; its fields are opened
    // with a quiet handle on the same key inside it.
    let audit = audit_run(record, &quote!(Open), false, &AuditFrom::KeyView);
    let audit_set = audit_run(record, &quote!(Open), false, &AuditFrom::SetView);
    let fields = record.fields.iter().filter_map(|field| {
        let sealed = field.sealed.as_ref()?;
        let fident = field.ident;
        let method = format_ident!("open_{}", fident);
        let ty = field.ty;
        let set = purpose_set(&sealed.purposes);
        let body = if sealed.json || sealed.optional.is_some() {
            let value = open_value(field, sealed);
            enter(record, &quote!(::core::result::Result::Ok(#value)))
        } else {
            let name = &sealed.name;
            enter(
                record,
                &quote!(__at.field(#name, |__ctx: &::fieldseal::Context<'_>| {
                    self.#fident.open(key, __ctx)
                })),
            )
        };
        let doc = format!(
            "Opens `{fident}` alone with the key of a purpose it is sealed for (any other does \
             not compile), its context filled in. (A record nested in another is bound to its \
             place in the outer record: open it through the outer record.)"
        );
        Some(quote! {
            #[doc = #doc]
            pub fn #method<__P: ::fieldseal::Purpose, __I>(
                &self,
                key: &::fieldseal::PurposeKey<__P>,
            ) -> ::fieldseal::Result<#ty>
            where
                #set: ::fieldseal::Includes<__P, __I>,
            {
                // A record nested in another opens through its outer record.
                let __outer = &::fieldseal::record::Nesting::TOP;
                #body
            }
        })
    });
    quote! {
        #[automatically_derived]
        impl #sealed_ident {
            /// Opens the view of purpose `P`: the plain fields and every field sealed for `P`.
            /// A purpose that no field is sealed for does not compile.
            pub fn open<__P: ::fieldseal::Purpose>(
                &self,
                key: &::fieldseal::PurposeKey<__P>,
            ) -> ::fieldseal::Result<<Self as ::fieldseal::record::View<__P>>::View>
            where
                Self: ::fieldseal::record::View<__P>,
            {
                let __run = || match ::fieldseal::PurposeKey::auditor(key) {
                    ::core::option::Option::None => ::fieldseal::record::View::open_view(self, key),
                    ::core::option::Option::Some(_) => {
                        ::fieldseal::record::View::open_view(
                            self,
                            &::fieldseal::__private::audit::quiet(key),
                        )
                    }
                };
                #audit
            }

            /// Opens the view of purpose `P` with that purpose's key in `keys`: one event of the
            /// key set's auditor, if it has one. A purpose that no field is sealed for does not
            /// compile.
            ///
            /// # Errors
            /// [`fieldseal::Error::NoKeyForPurpose`] if `keys` lacks `P`, and as
            /// [`open`](Self::open).
            pub fn open_with<__P: ::fieldseal::Purpose>(
                &self,
                keys: &::fieldseal::KeySet,
            ) -> ::fieldseal::Result<<Self as ::fieldseal::record::View<__P>>::View>
            where
                Self: ::fieldseal::record::View<__P>,
            {
                // Taken out of the set unrecorded: the set records the record, once. Taken inside
                // the run, so that a purpose the set lacks is recorded as a failed open.
                let __run = || {
                    let __key = keys.require_unrecorded::<__P>()?;
                    ::fieldseal::record::View::open_view(self, &__key)
                };
                #audit_set
            }

            #(#fields)*
        }
    }
}

/// On error: the error, and a stand-in twin type so that code naming it reports nothing more.
pub(crate) fn fallback(input: &DeriveInput, error: &syn::Error) -> TokenStream {
    let error = error.to_compile_error();
    let (vis, ident) = (&input.vis, &input.ident);
    let sealed_ident = format_ident!("Sealed{}", ident);
    quote! {
        #error
        #vis struct #sealed_ident;
    }
}

/// The run-time view: every field, the sealed ones `Some` where the key set holds a key of one of
/// their purposes, with the names of the others in `missing`.
fn dyn_view(record: &Record<'_>) -> TokenStream {
    let (vis, ident, sealed_ident) = (record.vis, record.ident, &record.sealed_ident);
    let view_ident = dyn_view_ident(record);
    let decls = record.fields.iter().map(|f| {
        let (fvis, fident, ty) = (f.vis, f.ident, f.ty);
        if f.sealed.is_some() {
            quote!(#fvis #fident: ::core::option::Option<#ty>)
        } else if f.nested.is_some() {
            let sealed = nested_sealed_ty(f);
            quote!(#fvis #fident: <#sealed as ::fieldseal::record::OpenRecord>::DynView)
        } else {
            quote!(#fvis #fident: #ty)
        }
    });
    let locals = record.fields.iter().filter_map(dyn_local);
    let inits = record.fields.iter().map(|f| {
        let fident = f.ident;
        if f.sealed.is_some() {
            let local = format_ident!("__field_{}", fident);
            quote!(#fident: #local)
        } else if f.nested.is_some() {
            let call = nested(
                f,
                &quote!(::fieldseal::record::OpenRecord::open_dyn_nested(&self.#fident, keys, __child)),
            );
            quote!(#fident: #call)
        } else {
            quote!(#fident: ::core::clone::Clone::clone(&self.#fident))
        }
    });
    let debug_fields = record.fields.iter().map(|f| {
        let fident = f.ident;
        let name = syn::ext::IdentExt::unraw(fident).to_string();
        if f.sealed.is_some() {
            quote!(.field(#name, &self.#fident.as_ref().map(|_| "[REDACTED]")))
        } else {
            quote!(.field(#name, &self.#fident))
        }
    });
    let view_name = view_ident.to_string();
    let body = enter(
        record,
        &quote!({
            let mut __missing: ::std::vec::Vec<&'static str> = ::std::vec::Vec::new();
            #(#locals)*
            ::core::result::Result::Ok(#view_ident { #(#inits,)* missing: __missing })
        }),
    );
    let doc = if is_direct(record) {
        format!(
            "A [`{ident}`] as a service whose purposes come from configuration sees it: each \
             sealed field is `Some` where the key set holds a key of one of its purposes, `None` \
             otherwise, and `missing` names the fields left out. `Debug` redacts the opened \
             fields."
        )
    } else {
        format!(
            "A [`{ident}`] as a service whose purposes come from configuration sees it: each \
             sealed field is `Some` where the key set holds a key of one of its purposes and the \
             subject's choices (consent, retention) do not withhold that copy, `None` otherwise, \
             and `missing` names the fields left out. `Debug` redacts the opened fields."
        )
    };
    let audit = audit_run(record, &quote!(Open), true, &AuditFrom::Direct);
    let body = nested_or_recorded(&quote!(#view_ident), &body, &audit);
    let entry = dyn_entry(record, &view_ident);
    let subject = crate::subject::dyn_method(record, &view_ident);
    let opened = opened_fields_fn(record);
    quote! {
        #[doc = #doc]
        #[allow(dead_code)]
        #vis struct #view_ident {
            #(#decls,)*
            /// The sealed fields this key set may not read.
            #vis missing: ::std::vec::Vec<&'static str>,
        }

        #[automatically_derived]
        impl ::core::fmt::Debug for #view_ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(#view_name)
                    #(#debug_fields)*
                    .field("missing", &self.missing)
                    .finish()
            }
        }

        #entry

        #[automatically_derived]
        impl ::fieldseal::record::OpenRecord for #sealed_ident {
            type DynView = #view_ident;

            fn open_dyn_nested(
                &self,
                keys: &::fieldseal::KeySet,
                __outer: &::fieldseal::record::Nesting<'_>,
            ) -> ::fieldseal::Result<#view_ident> {
                #body
            }

            #subject

            #opened
        }
    }
}

/// `OpenRecord::opened_fields`: of the record's sealed field paths (`paths`, in the order of
/// `SealRecord::sealed_fields`, which is the declared order with each nested record's own in its
/// place), those the run-time view opened.
fn opened_fields_fn(record: &Record<'_>) -> TokenStream {
    let view_ident = dyn_view_ident(record);
    let opened = record.fields.iter().map(|f| {
        let fident = f.ident;
        if f.sealed.is_some() {
            quote! {
                if let ::core::option::Option::Some(__path) = __paths.next() {
                    if __view.#fident.is_some() {
                        __out.push(__path);
                    }
                }
            }
        } else if f.nested.is_some() {
            let sealed = nested_sealed_ty(f);
            quote! {
                <#sealed as ::fieldseal::record::OpenRecord>::opened_fields(
                    &__view.#fident,
                    __paths,
                    __out,
                );
            }
        } else {
            quote!()
        }
    });
    quote! {
        fn opened_fields(
            __view: &#view_ident,
            __paths: &mut dyn ::core::iter::Iterator<Item = &'static str>,
            __out: &mut ::std::vec::Vec<&'static str>,
        ) {
            #(#opened)*
        }
    }
}

/// The direct-mode entry point of the run-time view: `open_dyn(&KeySet)`.
fn dyn_entry(record: &Record<'_>, view_ident: &Ident) -> Option<TokenStream> {
    let sealed_ident = &record.sealed_ident;
    is_direct(record).then(|| {
        quote! {
            #[automatically_derived]
            impl #sealed_ident {
                /// Opens every field the key set holds a key for, at run time: for services whose
                /// purposes come from configuration.
                ///
                /// # Errors
                /// As [`fieldseal::Sealed::open_dyn`], for the first readable field that fails.
                pub fn open_dyn(&self, keys: &::fieldseal::KeySet) -> ::fieldseal::Result<#view_ident> {
                    ::fieldseal::record::OpenRecord::open_dyn_nested(
                        self,
                        keys,
                        &::fieldseal::record::Nesting::TOP,
                    )
                }
            }
        }
    })
}

/// The run-time view type's name.
fn dyn_view_ident(record: &Record<'_>) -> Ident {
    format_ident!("{}DynView", record.ident)
}

/// In the run-time view, the local holding one sealed field: opened with the first of its purposes
/// the key set holds, or `None` and its name added to `__missing`.
fn dyn_local(f: &Field<'_>) -> Option<TokenStream> {
    let sealed = f.sealed.as_ref()?;
    let (fident, purposes) = (f.ident, &sealed.purposes);
    let local = format_ident!("__field_{}", fident);
    let name = syn::ext::IdentExt::unraw(fident).to_string();
    let open = open_with(f, sealed, &format_ident!("open_dyn"), &quote!(__key));
    Some(quote! {
        let #local = match [#(<#purposes as ::fieldseal::Purpose>::NAME),*]
            .iter()
            .find_map(|__name| keys.get_unrecorded(__name))
        {
            ::core::option::Option::Some(__key) => ::core::option::Option::Some(#open),
            ::core::option::Option::None => {
                __missing.push(#name);
                ::core::option::Option::None
            }
        };
    })
}

/// Where an entry point's auditor comes from.
pub(crate) enum AuditFrom {
    /// `keys: &KeySet`.
    Direct,
    /// `keys: &SubjectKeys<_>`, in a body where `__subject` is the record's `Subject`.
    Subject,
    /// As `Subject`, for the view of one purpose `__P`: the event names `__P` and the fields
    /// sealed for it.
    SubjectView,
    /// `key: &PurposeKey<__P>` (an auditor of its own, if any), for the view of `__P`: the
    /// event names `__P` and the fields sealed for it.
    KeyView,
    /// As `KeyView`, the auditor that of `keys: &KeySet`.
    SetView,
}

/// The body of an entry point that runs `__run` (the whole record's seal or open) and,
/// when the key set has an auditor, records it as ONE event listing the record's sealed fields,
/// those of its nested records included (src/audit/record.rs). `dyn_view`: `__run` makes a
/// run-time view, and the event lists the fields it opened and the purposes the keys held.
pub(crate) fn audit_run(
    record: &Record<'_>,
    operation: &TokenStream,
    dyn_view: bool,
    from: &AuditFrom,
) -> TokenStream {
    let (name, ident, sealed_ident) = (&record.context_name, record.ident, &record.sealed_ident);
    let purposes = record
        .purposes
        .iter()
        .map(|p| quote!(<#p as ::fieldseal::Purpose>::NAME));
    let a = quote!(::fieldseal::__private::audit);
    let (auditor, subject, key_set) = match from {
        AuditFrom::Direct | AuditFrom::SetView => {
            (quote!(#a::keys(keys)), quote!(&[]), quote!(keys))
        }
        AuditFrom::Subject | AuditFrom::SubjectView => (
            quote!(#a::subject_keys(keys)),
            quote!(::fieldseal::vault::Subject::as_bytes(&__subject)),
            quote!(keys.keys()),
        ),
        AuditFrom::KeyView => (quote!(#a::key(key)), quote!(&[]), quote!(keys)),
    };
    let all_fields = quote!(&<#ident as ::fieldseal::record::SealRecord>::sealed_fields().paths);
    // The view of one purpose names it and the fields it opens (a generic `__P` cannot be in a
    // const: the fields are picked when the event is recorded); a run-time view names the
    // purposes its keys held, and its fields once it ran.
    let (event_purposes, event_fields, prepare) = if matches!(
        from,
        AuditFrom::SubjectView | AuditFrom::KeyView | AuditFrom::SetView
    ) {
        (
            quote!(#a::Names::Strs(&[<__P as ::fieldseal::Purpose>::NAME])),
            quote!(#a::Names::Strs(&__view_fields)),
            quote! {
                let __view_fields =
                    #a::view_fields::<#ident>(<__P as ::fieldseal::Purpose>::NAME);
            },
        )
    } else if dyn_view {
        (
            quote!(#a::Names::Strs(&__held)),
            quote!(#a::Names::NONE),
            quote! {
                let __held = #a::held(__PURPOSES, |__p| #key_set.get(__p).is_some());
            },
        )
    } else {
        (
            quote!(#a::Names::Strs(__PURPOSES)),
            quote!(#a::Names::Strs(#all_fields)),
            quote!(),
        )
    };
    let event = quote! {
        #a::RecordEvent {
            operation: #a::Operation::#operation,
            record: #name,
            purposes: #event_purposes,
            fields: #event_fields,
            id: __id,
            subject: #subject,
            key_version: ::core::option::Option::None,
        }
    };
    let call = if dyn_view {
        quote! {
            #a::run_dyn(
                __auditor,
                #event,
                |__view| {
                    let __all = #all_fields;
                    let mut __out = ::std::vec::Vec::with_capacity(__all.len());
                    <#sealed_ident as ::fieldseal::record::OpenRecord>::opened_fields(
                        __view,
                        &mut __all.iter().copied(),
                        &mut __out,
                    );
                    __out
                },
                __run,
            )
        }
    } else {
        quote!(#a::run(__auditor, #event, __run))
    };
    let with_id = if let Some(id) = record.id {
        quote! {
            ::fieldseal::record::RecordId::with_id_bytes(&self.#id, |__id: &[u8]| #call)
        }
    } else {
        quote! {{
            let __id: &[u8] = &[];
            #call
        }}
    };
    quote! {
        const __PURPOSES: &[&str] = &[#(#purposes),*];
        match #auditor {
            ::core::option::Option::None => __run(),
            ::core::option::Option::Some(__auditor) => {
                #prepare
                #with_id
            }
        }
    }
}
