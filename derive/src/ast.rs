//! The record as the derive sees it, validated: every mistake is a spanned error.

use proc_macro2::Span;
use syn::ext::IdentExt as _;
use syn::spanned::Spanned;
use syn::{
    Data, DeriveInput, Fields, GenericArgument, Ident, Path, PathArguments, Result, Type,
    Visibility,
};

use crate::attr::{self, IndexAttr, path_key};

/// FORMAT.md §6 limits on the context parts the derive writes.
const MAX_CONTEXT_NAME: usize = 64;

pub(crate) struct Record<'a> {
    pub(crate) ident: &'a Ident,
    /// The id field's type, if the record has an id.
    pub(crate) id_ty: Option<&'a Type>,
    pub(crate) vis: &'a Visibility,
    pub(crate) sealed_ident: Ident,
    pub(crate) context_name: String,
    pub(crate) id: Option<&'a Ident>,
    /// Subject mode (FORMAT.md §15): the field whose value names the subject whose data keys seal
    /// the record.
    pub(crate) subject: Option<&'a Ident>,
    pub(crate) fields: Vec<Field<'a>>,
    /// Every purpose of any field, first appearance first.
    pub(crate) purposes: Vec<Path>,
    /// Blind indexes over sealed fields, field-level ones first, in declared order.
    pub(crate) indexes: Vec<Index<'a>>,
    /// `#[seal(derive(...))]`: derives passed on to the sealed twin.
    pub(crate) derives: Vec<Path>,
}

/// A blind index column of the sealed twin (FORMAT.md §13, §16).
pub(crate) struct Index<'a> {
    /// The twin's member holding the terms.
    pub(crate) column: Ident,
    /// The keyring's name of the index.
    pub(crate) name: String,
    /// The function of the `custom:NAME` step, and NAME.
    pub(crate) custom: Option<(Path, String)>,
    pub(crate) parts: Vec<IndexPart<'a>>,
}

/// One part of an index: a sealed `String` field and its normalizer description.
pub(crate) struct IndexPart<'a> {
    pub(crate) field: &'a Ident,
    /// The field's context name (its `rename`, else its name).
    pub(crate) context_name: String,
    pub(crate) description: String,
    /// The field is an `Option<String>`.
    pub(crate) optional: bool,
}

impl Index<'_> {
    /// Whether the column may be `None`: one of its fields is an `Option`.
    pub(crate) fn optional(&self) -> bool {
        self.parts.iter().any(|p| p.optional)
    }
}

pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) vis: &'a Visibility,
    pub(crate) ty: &'a Type,
    pub(crate) sealed: Option<SealedField>,
    /// For a nested record: the purposes whose views show it.
    pub(crate) nested: Option<Vec<Path>>,
    /// The field's `index(..)` attributes, checked with the record.
    pub(crate) indexes: Vec<IndexAttr>,
}

pub(crate) struct SealedField {
    pub(crate) purposes: Vec<Path>,
    /// The field name bound into the context.
    pub(crate) name: String,
    /// `Some(T)` for an `Option<T>` field: `None` stays `None`.
    pub(crate) optional: Option<Type>,
    /// Sealed as `Json<T>` rather than as a plaintext type.
    pub(crate) json: bool,
}

impl SealedField {
    /// The type that is sealed: `T` of `Option<T>`, or the field type.
    pub(crate) fn value_ty<'t>(&'t self, field_ty: &'t Type) -> &'t Type {
        self.optional.as_ref().unwrap_or(field_ty)
    }
}

impl<'a> Field<'a> {
    fn from_syn(field: &'a syn::Field) -> Result<Self> {
        let ident = field.ident.as_ref().expect("named fields have idents");
        let attrs = attr::field(&field.attrs)?;
        if let Some(nested) = attrs.nested {
            if !attrs.purposes.is_empty()
                || attrs.rename.is_some()
                || attrs.json
                || !attrs.indexes.is_empty()
            {
                return Err(syn::Error::new(
                    ident.span(),
                    "a `nested` record field takes no purposes, `rename`, `json` or `index`: its \
                     own fields say how they are sealed and indexed",
                ));
            }
            return Ok(Self {
                ident,
                vis: &field.vis,
                ty: &field.ty,
                sealed: None,
                nested: Some(nested),
                indexes: Vec::new(),
            });
        }
        if attrs.purposes.is_empty() {
            if let Some(rename) = &attrs.rename {
                return Err(syn::Error::new(
                    rename.span(),
                    "`rename` only applies to sealed fields; name a purpose too",
                ));
            }
            if attrs.json {
                return Err(syn::Error::new(
                    ident.span(),
                    "`json` only applies to sealed fields; name a purpose too",
                ));
            }
            if let Some(index) = attrs.indexes.first() {
                return Err(syn::Error::new(
                    index.column.span(),
                    "a blind index is over a sealed field; name a purpose too (a plain field is \
                     looked up as it is)",
                ));
            }
            return Ok(Self {
                ident,
                vis: &field.vis,
                ty: &field.ty,
                sealed: None,
                nested: None,
                indexes: Vec::new(),
            });
        }
        let name = match &attrs.rename {
            Some(lit) => checked_field_name(lit.value(), lit.span())?,
            None => checked_field_name(ident.unraw().to_string(), ident.span())?,
        };
        if attrs.purposes.len() > 8 {
            return Err(syn::Error::new(
                attrs.purposes[8].span(),
                "a field is sealed for at most 8 purposes",
            ));
        }
        let optional = option_inner(&field.ty).cloned();
        let json = attrs.json || !is_plaintext(optional.as_ref().unwrap_or(&field.ty));
        Ok(Self {
            ident,
            vis: &field.vis,
            ty: &field.ty,
            sealed: Some(SealedField {
                purposes: attrs.purposes,
                name,
                optional,
                json,
            }),
            nested: None,
            indexes: attrs.indexes,
        })
    }
}

impl<'a> Record<'a> {
    pub(crate) fn from_input(input: &'a DeriveInput) -> Result<Self> {
        let named = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => named,
                _ => {
                    return Err(syn::Error::new(
                        input.ident.span(),
                        "#[derive(Seal)] needs a struct with named fields",
                    ));
                }
            },
            _ => {
                return Err(syn::Error::new(
                    input.ident.span(),
                    "#[derive(Seal)] supports structs with named fields, not enums or unions",
                ));
            }
        };
        if !input.generics.params.is_empty() {
            return Err(syn::Error::new(
                input.generics.span(),
                "#[derive(Seal)] does not support generic records yet",
            ));
        }
        let container = attr::container(&input.attrs)?;
        let record_name = match &container.record {
            Some(lit) => checked_name(lit.value(), lit.span(), "record type")?,
            None => checked_name(input.ident.to_string(), input.ident.span(), "record type")?,
        };
        let fields = named
            .named
            .iter()
            .map(Field::from_syn)
            .collect::<Result<Vec<_>>>()?;
        if let Some(field) = fields.iter().find(|f| f.ident == "missing") {
            return Err(syn::Error::new(
                field.ident.span(),
                "a field named `missing` clashes with the run-time view's list of missing fields; \
                 rename the Rust field (a sealed one can keep its stored name with `rename`)",
            ));
        }
        let sealed_names: Vec<(&String, &Ident)> = fields
            .iter()
            .filter_map(|f| f.sealed.as_ref().map(|s| (&s.name, f.ident)))
            .collect();
        for (i, (name, ident)) in sealed_names.iter().enumerate() {
            if sealed_names[..i].iter().any(|(other, _)| other == name) {
                return Err(syn::Error::new(
                    ident.span(),
                    format!("two sealed fields are bound to the name `{name}`; rename one"),
                ));
            }
        }
        if sealed_names.is_empty() && fields.iter().all(|f| f.nested.is_none()) {
            return Err(syn::Error::new(
                input.ident.span(),
                "no field is sealed: add `#[seal(Purpose)]` to the fields to protect",
            ));
        }
        check_id_choice(input, &container)?;
        let subject = match &container.subject {
            Some(subject) => Some(plain_field(&fields, subject, "subject")?),
            None => None,
        };
        // With a subject, the id defaults to the subject field (a customer record is about its
        // customer); `id = other` binds another (an order about a customer), `without_id` none.
        let id = match &container.id {
            Some(id) => Some(plain_field(&fields, id, "id")?),
            None if container.without_id.is_none() => subject,
            None => None,
        };
        let id_ty = id.and_then(|id| fields.iter().find(|f| f.ident == id).map(|f| f.ty));
        let purposes = record_purposes(&fields);
        let indexes = crate::index::check(&fields, &container.indexes)?;
        let sealed_ident = container
            .sealed
            .clone()
            .unwrap_or_else(|| Ident::new(&format!("Sealed{}", input.ident), input.ident.span()));
        Ok(Self {
            ident: &input.ident,
            id_ty,
            vis: &input.vis,
            sealed_ident,
            context_name: record_name,
            id,
            subject,
            fields,
            purposes,
            indexes,
            derives: container.derives,
        })
    }
}

/// The field named by a container key (`id = ..`, `subject = ..`), which must exist and stay
/// plain: it is read to bind or find the keys of the sealed fields.
fn plain_field<'f>(fields: &[Field<'f>], name: &Ident, key: &str) -> Result<&'f Ident> {
    let field = fields.iter().find(|f| f.ident == name).ok_or_else(|| {
        syn::Error::new(name.span(), format!("no field named `{name}` for `{key}`"))
    })?;
    if field.sealed.is_some() || field.nested.is_some() {
        let why = if key == "subject" {
            "the `subject` field must stay plain: it names the subject whose data keys seal the \
             record, and is needed to open it"
        } else {
            "the `id` field must stay plain: it is what binds the sealed fields"
        };
        return Err(syn::Error::new(name.span(), why));
    }
    Ok(field.ident)
}

/// A record names its id field or says it has none, not both (`id = ..`, `without_id`); with a
/// `subject`, the id may be left out (it defaults to the subject field).
fn check_id_choice(input: &DeriveInput, container: &attr::ContainerAttrs) -> Result<()> {
    match (&container.id, container.without_id) {
        (Some(id), Some(_)) => {
            return Err(syn::Error::new(
                id.span(),
                "`id = ..` and `without_id` contradict each other; keep one",
            ));
        }
        (None, None) if container.subject.is_none() => {
            return Err(syn::Error::new(
                input.ident.span(),
                "name the field that binds every sealed field to its record, \
                 `#[seal(id = field)]`, or say `#[seal(without_id)]`: then a value moved to \
                 another record of this type still opens (a record nested in another is bound \
                 to the outer record's id)",
            ));
        }
        _ => {}
    }
    Ok(())
}

/// Every purpose of any field or nested record, first appearance first.
fn record_purposes(fields: &[Field<'_>]) -> Vec<Path> {
    let mut purposes: Vec<Path> = Vec::new();
    let lists = fields.iter().flat_map(|f| {
        f.sealed
            .as_ref()
            .map(|s| &s.purposes)
            .into_iter()
            .chain(f.nested.as_ref())
    });
    for purpose in lists.flatten() {
        if !purposes.iter().any(|p| path_key(p) == path_key(purpose)) {
            purposes.push(purpose.clone());
        }
    }
    purposes
}

fn checked_name(name: String, span: Span, what: &str) -> Result<String> {
    if name.is_empty() || name.len() > MAX_CONTEXT_NAME {
        return Err(syn::Error::new(
            span,
            format!("the {what} name must be 1 to {MAX_CONTEXT_NAME} bytes"),
        ));
    }
    Ok(name)
}

/// A field name bound into contexts: a name of 1 to 64 bytes without `.`, which joins the field
/// names of a nested record's path (FORMAT.md §13).
fn checked_field_name(name: String, span: Span) -> Result<String> {
    if name.contains('.') {
        return Err(syn::Error::new(
            span,
            "a field name must not contain `.`: it joins the field names of a nested record's \
             path (`billing.street`)",
        ));
    }
    checked_name(name, span, "field")
}

/// `T` if `ty` is `Option<T>` (written `Option`, `std::option::Option` or `core::option::Option`).
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(inner) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

/// Whether `ty` is one of the plaintext types of FORMAT.md §8 (sealed as itself); anything else
/// is sealed as `Json<T>`.
fn is_plaintext(ty: &Type) -> bool {
    let Type::Path(path) = ty else { return false };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    let name = last.ident.to_string();
    match name.as_str() {
        "String" | "bool" | "u8" | "u16" | "u32" | "u64" | "u128" | "i8" | "i16" | "i32"
        | "i64" | "i128" => matches!(last.arguments, PathArguments::None),
        "Vec" => {
            let PathArguments::AngleBracketed(args) = &last.arguments else {
                return false;
            };
            matches!(
                args.args.first(),
                Some(GenericArgument::Type(Type::Path(inner))) if inner.path.is_ident("u8")
            )
        }
        _ => false,
    }
}
