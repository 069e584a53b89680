//! The `#[seal(...)]` attributes, parsed with spans for every error.

use syn::spanned::Spanned;
use syn::{Attribute, Ident, LitStr, Path, Result};

/// `#[seal(...)]` on the struct.
#[derive(Default)]
pub(crate) struct ContainerAttrs {
    /// `id = field`: the field whose value binds every sealed field to its record.
    pub(crate) id: Option<Ident>,
    /// `sealed = Name`: the name of the sealed twin type.
    pub(crate) sealed: Option<Ident>,
    /// `record = "name"`: the record type bound into every context.
    pub(crate) record: Option<LitStr>,
    /// `without_id`: the record has no id of its own, said out loud (nested, it is bound to the
    /// outer record's id).
    pub(crate) without_id: Option<proc_macro2::Span>,
    /// `subject = field`: the field whose value names the subject whose data keys seal the record
    /// (subject mode, FORMAT.md §15).
    pub(crate) subject: Option<Ident>,
}

/// `#[seal(...)]` on a field.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    /// The purposes the field is sealed for, in order.
    pub(crate) purposes: Vec<Path>,
    /// `rename = "name"`: the stable field name bound into the context.
    pub(crate) rename: Option<LitStr>,
    /// `json`: seal as JSON even if the type looks like a plaintext type.
    pub(crate) json: bool,
    /// `nested(P, ...)`: the field is a record that derives `Seal` itself, seen in the views of
    /// these purposes.
    pub(crate) nested: Option<Vec<Path>>,
}

fn seal_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("seal"))
}

fn set_once<T>(slot: &mut Option<T>, value: T, span: proc_macro2::Span, key: &str) -> Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new(span, format!("`{key}` is given twice")));
    }
    *slot = Some(value);
    Ok(())
}

pub(crate) fn container(attrs: &[Attribute]) -> Result<ContainerAttrs> {
    let mut out = ContainerAttrs::default();
    for attr in seal_attrs(attrs) {
        attr.parse_nested_meta(|meta| {
            let span = meta.path.span();
            if meta.path.is_ident("id") {
                let value: Ident = meta.value()?.parse()?;
                set_once(&mut out.id, value, span, "id")
            } else if meta.path.is_ident("sealed") {
                let value: Ident = meta.value()?.parse()?;
                set_once(&mut out.sealed, value, span, "sealed")
            } else if meta.path.is_ident("record") {
                let value: LitStr = meta.value()?.parse()?;
                set_once(&mut out.record, value, span, "record")
            } else if meta.path.is_ident("without_id") {
                set_once(&mut out.without_id, span, span, "without_id")
            } else if meta.path.is_ident("subject") {
                let value: Ident = meta.value()?.parse()?;
                set_once(&mut out.subject, value, span, "subject")
            } else {
                Err(meta.error(
                    "unknown key on the struct; expected `id = field`, `without_id`, \
                     `subject = field`, `sealed = TypeName` or `record = \"name\"`",
                ))
            }
        })?;
    }
    Ok(out)
}

pub(crate) fn field(attrs: &[Attribute]) -> Result<FieldAttrs> {
    let mut out = FieldAttrs::default();
    for attr in seal_attrs(attrs) {
        attr.parse_nested_meta(|meta| {
            let span = meta.path.span();
            if meta.path.is_ident("rename") {
                let value: LitStr = meta.value()?.parse()?;
                set_once(&mut out.rename, value, span, "rename")
            } else if meta.path.is_ident("json") {
                if out.json {
                    return Err(meta.error("`json` is given twice"));
                }
                out.json = true;
                Ok(())
            } else if meta.path.is_ident("nested") {
                if out.nested.is_some() {
                    return Err(meta.error("`nested` is given twice"));
                }
                let mut purposes = Vec::new();
                meta.parse_nested_meta(|inner| {
                    purposes.push(inner.path);
                    Ok(())
                })?;
                if purposes.is_empty() {
                    return Err(meta.error(
                        "name the purposes whose views show the nested record: `nested(Fulfillment)`",
                    ));
                }
                out.nested = Some(purposes);
                Ok(())
            } else if meta.input.peek(syn::Token![=]) || meta.input.peek(syn::token::Paren) {
                Err(meta.error(
                    "unknown key on a field; expected purpose types such as `Fulfillment`, \
                     `rename = \"name\"`, `json` or `nested(Purpose, ...)`",
                ))
            } else {
                let key = path_key(&meta.path);
                if out.purposes.iter().any(|p| path_key(p) == key) {
                    return Err(meta.error(format!("purpose `{key}` is listed twice")));
                }
                out.purposes.push(meta.path);
                Ok(())
            }
        })?;
    }
    Ok(out)
}

/// A path as text, to compare purposes.
pub(crate) fn path_key(path: &Path) -> String {
    quote::ToTokens::to_token_stream(path).to_string()
}
