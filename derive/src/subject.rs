//! Subject mode (FORMAT.md §15): the trait methods every derived record implements so that it can
//! be nested in a subject-mode record (sealed and opened through the session of the top-level
//! record's subject), and the entry points of a record declared `#[seal(subject = field)]`.
//!
//! One session per top-level record: the vault (or its cache) is asked once per purpose, never
//! once per field.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Path;

use crate::ast::{Field, Record, SealedField};
use crate::expand::{AuditFrom, audit_run, enter, in_context, nested, plaintext_ty, purpose_set};

/// The session parameter of the subject-mode trait methods.
fn session_param() -> TokenStream {
    quote!(session: &::fieldseal::vault::SubjectSession<'_, __V>)
}

/// `SealRecord::seal_subject_nested`: each sealed field through `session.seal`, each nested record
/// through its own `seal_subject_nested` with the same session.
pub(crate) fn seal_method(record: &Record<'_>) -> TokenStream {
    let sealed_ident = &record.sealed_ident;
    let inits = record.fields.iter().map(|field| {
        let fident = field.ident;
        match &field.sealed {
            None if field.nested.is_some() => {
                let call = nested(
                    field,
                    &quote!(::fieldseal::record::SealRecord::seal_subject_nested(
                        &self.#fident, session, __child,
                    )),
                );
                quote!(#fident: #call)
            }
            None => quote!(#fident: ::core::clone::Clone::clone(&self.#fident)),
            Some(sealed) => {
                let one = |value: TokenStream| {
                    let plaintext = plaintext_ty(field, sealed);
                    let set = purpose_set(&sealed.purposes);
                    let value = if sealed.json {
                        quote!(&::fieldseal::Json(#value))
                    } else {
                        value
                    };
                    in_context(
                        sealed,
                        &quote!(session.seal::<#plaintext, #set>(#value, __ctx)),
                    )
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
    let indexes = crate::index::seal_inits(record, &quote!(session.keys().keys()));
    let body = enter(
        record,
        &quote!(::core::result::Result::Ok(#sealed_ident { #(#inits,)* #(#indexes,)* })),
    );
    let session = session_param();
    quote! {
        fn seal_subject_nested<__V: ::fieldseal::vault::KeyVault>(
            &self,
            #session,
            __outer: &::fieldseal::record::Nesting<'_>,
        ) -> ::fieldseal::Result<#sealed_ident> {
            #body
        }
    }
}

/// The value of a sealed field opened for `purpose` through `session`, as a `Result` of the
/// field's type (an `Option<T>` field's `None` opens to `Ok(None)`).
fn open_result(field: &Field<'_>, sealed: &SealedField, purpose: &TokenStream) -> TokenStream {
    let fident = field.ident;
    let name = &sealed.name;
    let unwrap = if sealed.json { quote!(.0) } else { quote!() };
    let open = |value: TokenStream| {
        quote! {
            __at.field(#name, |__ctx: &::fieldseal::Context<'_>| {
                session.open::<#purpose, _, _, _>(#value, __ctx)
            })
        }
    };
    if sealed.optional.is_some() {
        let open = open(quote!(__sealed));
        quote! {
            match &self.#fident {
                ::core::option::Option::Some(__sealed) => {
                    #open.map(|__plain| ::core::option::Option::Some(__plain #unwrap))
                }
                ::core::option::Option::None => ::core::result::Result::Ok(::core::option::Option::None),
            }
        }
    } else {
        let open = open(quote!(&self.#fident));
        if sealed.json {
            quote!(#open.map(|__plain| __plain.0))
        } else {
            open
        }
    }
}

/// `View<P>::open_view_subject_nested`: the fields sealed for `purpose` through `session`.
pub(crate) fn view_method(
    record: &Record<'_>,
    purpose: &Path,
    view_ident: &syn::Ident,
    readable: &[&Field<'_>],
) -> TokenStream {
    let inits = readable.iter().map(|f| {
        let fident = f.ident;
        match &f.sealed {
            None if f.nested.is_some() => {
                let call = nested(
                    f,
                    &quote!(::fieldseal::record::View::<#purpose>::open_view_subject_nested(
                        &self.#fident, session, __child,
                    )),
                );
                quote!(#fident: #call)
            }
            None => quote!(#fident: ::core::clone::Clone::clone(&self.#fident)),
            Some(sealed) => {
                let value = open_result(f, sealed, &quote!(#purpose));
                quote!(#fident: #value?)
            }
        }
    });
    let body = enter(
        record,
        &quote!(::core::result::Result::Ok(#view_ident { #(#inits,)* })),
    );
    let session = session_param();
    quote! {
        fn open_view_subject_nested<__V: ::fieldseal::vault::KeyVault>(
            &self,
            #session,
            __outer: &::fieldseal::record::Nesting<'_>,
        ) -> ::fieldseal::Result<#view_ident> {
            #body
        }
    }
}

/// In the subject-mode run-time view, the local holding one sealed field: opened with the first of
/// its purposes the session's key set holds whose copy the subject's choices do not withhold
/// (`Error::is_withheld`: no consent, withdrawn, expired); `None` and its name added to
/// `__missing` when there is none. Any other error fails the whole view.
fn dyn_local(f: &Field<'_>) -> Option<TokenStream> {
    let sealed = f.sealed.as_ref()?;
    let (fident, ty) = (f.ident, f.ty);
    let local = format_ident!("__field_{}", fident);
    let name = syn::ext::IdentExt::unraw(fident).to_string();
    let attempts = sealed.purposes.iter().map(|purpose| {
        let open = open_result(f, sealed, &quote!(#purpose));
        quote! {
            if __value.is_none() && __keys.get(<#purpose as ::fieldseal::Purpose>::NAME).is_some() {
                match #open {
                    ::core::result::Result::Ok(__opened) => {
                        __value = ::core::option::Option::Some(__opened);
                    }
                    ::core::result::Result::Err(__error) if __error.is_withheld() => {}
                    ::core::result::Result::Err(__error) => {
                        return ::core::result::Result::Err(__error);
                    }
                }
            }
        }
    });
    Some(quote! {
        let #local = {
            let mut __value: ::core::option::Option<#ty> = ::core::option::Option::None;
            #(#attempts)*
            if __value.is_none() {
                __missing.push(#name);
            }
            __value
        };
    })
}

/// `OpenRecord::open_dyn_subject_nested`: every field the session's key set may read and the
/// subject's choices do not withhold.
pub(crate) fn dyn_method(record: &Record<'_>, view_ident: &syn::Ident) -> TokenStream {
    let locals: Vec<TokenStream> = record.fields.iter().filter_map(dyn_local).collect();
    let keys = (!locals.is_empty()).then(|| quote!(let __keys = session.keys().keys();));
    let inits = record.fields.iter().map(|f| {
        let fident = f.ident;
        if f.sealed.is_some() {
            let local = format_ident!("__field_{}", fident);
            quote!(#fident: #local)
        } else if f.nested.is_some() {
            let call = nested(
                f,
                &quote!(::fieldseal::record::OpenRecord::open_dyn_subject_nested(
                    &self.#fident, session, __child,
                )),
            );
            quote!(#fident: #call)
        } else {
            quote!(#fident: ::core::clone::Clone::clone(&self.#fident))
        }
    });
    let body = enter(
        record,
        &quote!({
            #keys
            let mut __missing: ::std::vec::Vec<&'static str> = ::std::vec::Vec::new();
            #(#locals)*
            ::core::result::Result::Ok(#view_ident { #(#inits,)* missing: __missing })
        }),
    );
    let session = session_param();
    quote! {
        fn open_dyn_subject_nested<__V: ::fieldseal::vault::KeyVault>(
            &self,
            #session,
            __outer: &::fieldseal::record::Nesting<'_>,
        ) -> ::fieldseal::Result<#view_ident> {
            #body
        }
    }
}

/// The body of `SealRecord::sealed_purposes`: every purpose a field of the record, or of a record
/// nested in it, is sealed for, each once: the purposes a subject-mode session resolves to seal
/// it. Computed once per program.
pub(crate) fn purposes_fn(record: &Record<'_>) -> TokenStream {
    let own: Vec<&Path> = {
        let mut own: Vec<&Path> = Vec::new();
        for purpose in record
            .fields
            .iter()
            .filter_map(|f| f.sealed.as_ref())
            .flat_map(|s| &s.purposes)
        {
            let key = crate::attr::path_key(purpose);
            if !own.iter().any(|p| crate::attr::path_key(p) == key) {
                own.push(purpose);
            }
        }
        own
    };
    let nested = record
        .fields
        .iter()
        .filter(|f| f.nested.is_some())
        .map(|f| {
            let ty = f.ty;
            quote! {
                for __purpose in <#ty as ::fieldseal::record::SealRecord>::sealed_purposes() {
                    if !__purposes.contains(__purpose) {
                        __purposes.push(::core::clone::Clone::clone(__purpose));
                    }
                }
            }
        });
    quote! {
        static PURPOSES: ::std::sync::OnceLock<::std::vec::Vec<::fieldseal::DynPurpose>> =
            ::std::sync::OnceLock::new();
        PURPOSES.get_or_init(|| {
            let mut __purposes: ::std::vec::Vec<::fieldseal::DynPurpose> =
                ::std::vec![#(::fieldseal::DynPurpose::of::<#own>()),*];
            #(#nested)*
            __purposes
        })
    }
}

/// `RecordId::with_id_bytes(&self.subject, |__subject| body)`: `body` with the subject's id bytes.
fn with_subject_bytes(record: &Record<'_>, body: &TokenStream) -> TokenStream {
    let subject = record
        .subject
        .expect("entry points are written for subject-mode records only");
    quote! {
        ::fieldseal::record::RecordId::with_id_bytes(&self.#subject, |__subject: &[u8]| {
            let __subject = ::fieldseal::vault::Subject::bytes(__subject);
            #body
        })
    }
}

/// The bodies of `seal`, `open` and `open_dyn`: each is ONE audit event for the whole record (its
/// session records none).
fn entry_bodies(record: &Record<'_>) -> (TokenStream, TokenStream, TokenStream) {
    let audit_seal = audit_run(record, &quote!(Seal), false, &AuditFrom::Subject);
    let seal = with_subject_bytes(
        record,
        &quote! {
            let __run = || {
                let __session = keys
                    .session(
                        &__subject,
                        <Self as ::fieldseal::record::SealRecord>::sealed_purposes(),
                    )?
                    .quiet();
                ::fieldseal::record::SealRecord::seal_subject_nested(
                    self,
                    &__session,
                    &::fieldseal::record::Nesting::TOP,
                )
            };
            #audit_seal
        },
    );
    let audit_open = audit_run(record, &quote!(Open), false, &AuditFrom::SubjectView);
    let open = with_subject_bytes(
        record,
        &quote! {
            let __run = || {
                let __session = keys.opening_session(&__subject)?.quiet();
                ::fieldseal::record::View::<__P>::open_view_subject_nested(
                    self,
                    &__session,
                    &::fieldseal::record::Nesting::TOP,
                )
            };
            #audit_open
        },
    );
    let audit_open_dyn = audit_run(record, &quote!(Open), true, &AuditFrom::Subject);
    let open_dyn = with_subject_bytes(
        record,
        &quote! {
            let __run = || {
                let __session = keys.opening_session(&__subject)?.quiet();
                ::fieldseal::record::OpenRecord::open_dyn_subject_nested(
                    self,
                    &__session,
                    &::fieldseal::record::Nesting::TOP,
                )
            };
            #audit_open_dyn
        },
    );
    (seal, open, open_dyn)
}

/// The entry points of a subject-mode record, in place of the direct ones: `seal`, `open`,
/// `open_dyn`, the field openers and `with_subject`, each taking the `SubjectKeys`.
pub(crate) fn entry_points(record: &Record<'_>, dyn_view_ident: &syn::Ident) -> TokenStream {
    let (ident, sealed_ident) = (record.ident, &record.sealed_ident);
    let subject = record.subject.expect("a subject-mode record");
    let keys_param =
        quote!(keys: &::fieldseal::vault::SubjectKeys<impl ::fieldseal::vault::KeyVault>);
    let (seal, open, open_dyn) = entry_bodies(record);
    let subject_access = quote! {
        /// Calls `f` with the subject this record is about, named as the derive names it
        /// (FORMAT.md §15.1: the id bytes of the `subject` field): to grant or withdraw consent,
        /// or to forget the subject.
        pub fn with_subject<__R>(
            &self,
            f: impl ::core::ops::FnOnce(&::fieldseal::vault::Subject<'_>) -> __R,
        ) -> __R {
            ::fieldseal::record::RecordId::with_id_bytes(&self.#subject, |__subject: &[u8]| {
                f(&::fieldseal::vault::Subject::bytes(__subject))
            })
        }
    };
    let openers = record
        .fields
        .iter()
        .filter_map(|field| opener(record, field));
    let seal_doc = format!(
        "Seals every sealed field of this `{ident}` in subject mode (FORMAT.md §15): under the \
         data key of its subject (the `{subject}` field) for each of its purposes, created on \
         first use, bound to its record type, field name and id. The data keys are looked up once \
         per record. A purpose that needs consent the subject has not given gets no copy.\n\n\
         # Errors\n\
         [`fieldseal::Error::SubjectErased`] for a forgotten subject, \
         [`fieldseal::Error::NoKeyForPurpose`] if `keys` lacks a purpose key the record uses, a \
         vault error, and as [`fieldseal::Sealed::seal`]."
    );
    quote! {
        #[automatically_derived]
        impl #ident {
            #[doc = #seal_doc]
            pub fn seal(&self, #keys_param) -> ::fieldseal::Result<#sealed_ident> {
                #seal
            }

            #subject_access
        }

        #[automatically_derived]
        impl #sealed_ident {
            /// Opens the view of purpose `P` in subject mode, through the data keys of the
            /// record's subject: the plain fields and every field sealed for `P`. A purpose that
            /// no field is sealed for does not compile.
            ///
            /// # Errors
            /// For the first field that fails: [`fieldseal::Error::NoConsentCopy`],
            /// [`fieldseal::Error::ConsentWithdrawn`], [`fieldseal::Error::RetentionExpired`],
            /// [`fieldseal::Error::SubjectErased`], and as
            /// [`fieldseal::vault::SubjectKeys::open`].
            pub fn open<__P: ::fieldseal::Purpose>(
                &self,
                #keys_param,
            ) -> ::fieldseal::Result<<Self as ::fieldseal::record::View<__P>>::View>
            where
                Self: ::fieldseal::record::View<__P>,
            {
                #open
            }

            /// Opens, in subject mode, every field the key set of `keys` may read: for services
            /// whose purposes come from configuration. A field whose copy the subject's choices
            /// withhold (no consent, withdrawn, expired: `Error::is_withheld`) is `None` and
            /// listed in `missing`, as is one no key of which is held.
            ///
            /// # Errors
            /// [`fieldseal::Error::SubjectErased`], and as
            /// [`fieldseal::vault::SubjectKeys::open_dyn`] for the first readable field that
            /// fails otherwise.
            pub fn open_dyn(&self, #keys_param) -> ::fieldseal::Result<#dyn_view_ident> {
                #open_dyn
            }

            #subject_access

            #(#openers)*
        }
    }
}

/// `open_<field>::<P, _>(&keys)`: one sealed field opened alone in subject mode.
fn opener(record: &Record<'_>, field: &Field<'_>) -> Option<TokenStream> {
    let sealed = field.sealed.as_ref()?;
    let fident = field.ident;
    let method = format_ident!("open_{}", fident);
    let ty = field.ty;
    let set = purpose_set(&sealed.purposes);
    let value = open_result(field, sealed, &quote!(__P));
    let a = quote!(::fieldseal::__private::audit);
    let (record_name, field_name) = (&record.context_name, &sealed.name);
    let id = if record.id.is_some() {
        quote!(__own)
    } else {
        quote!(&[])
    };
    // A session that cannot be made (a subject id of the wrong length) stops the open before the
    // field's own recorded open: it is recorded as that open, failed.
    let value = enter(
        record,
        &quote! {
            let session = &match keys.opening_session(&__subject) {
                ::core::result::Result::Ok(__session) => __session,
                ::core::result::Result::Err(__e) => {
                    let __event = #a::RecordEvent {
                        operation: #a::Operation::Open,
                        record: #record_name,
                        purposes: #a::Names::Strs(&[<__P as ::fieldseal::Purpose>::NAME]),
                        fields: #a::Names::Strs(&[#field_name]),
                        id: #id,
                        subject: ::fieldseal::vault::Subject::as_bytes(&__subject),
                        key_version: ::core::option::Option::None,
                    };
                    return ::core::result::Result::Err(
                        #a::failed(#a::subject_keys(keys), __event, __e),
                    );
                }
            };
            #value
        },
    );
    let body = with_subject_bytes(
        record,
        &quote! {
            // A record nested in another opens through its outer record.
            let __outer = &::fieldseal::record::Nesting::TOP;
            #value
        },
    );
    let doc = format!(
        "Opens `{fident}` alone in subject mode for a purpose it is sealed for (any other does \
         not compile): `open_{fident}::<Purpose, _>(&keys)`, its context and subject filled in."
    );
    Some(quote! {
        #[doc = #doc]
        pub fn #method<__P: ::fieldseal::Purpose, __I>(
            &self,
            keys: &::fieldseal::vault::SubjectKeys<impl ::fieldseal::vault::KeyVault>,
        ) -> ::fieldseal::Result<#ty>
        where
            #set: ::fieldseal::Includes<__P, __I>,
        {
            #body
        }
    })
}
