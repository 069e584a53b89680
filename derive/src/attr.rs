//! The `#[seal(...)]` attributes, parsed with spans for every error.

use proc_macro2::Span;
use syn::ext::IdentExt as _;
use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{Attribute, Ident, LitStr, Path, Result, Token};

/// A normalizer as an index attribute names it: a bare word (`email`, `date-of-birth`) or a
/// string (`"phone:GB|last-digits:4"`), with the span to report it at.
pub(crate) struct NormalizerAttr {
    pub(crate) description: String,
    pub(crate) span: Span,
}

/// `index(column = normalizer, name = "..", with = path)` on a field, or
/// `index(column = (field: normalizer, ...), name = "..", with = path)` on the struct.
pub(crate) struct IndexAttr {
    /// The twin's member holding the terms.
    pub(crate) column: Ident,
    /// `name = "index-name"`: the keyring's name of the index, if not the column's.
    pub(crate) name: Option<LitStr>,
    /// `with = path`: the function of the descriptions' `custom:NAME` step.
    pub(crate) with: Option<Path>,
    /// The parts: the field read (`None`: the field the attribute is on) and its normalizer.
    pub(crate) parts: Vec<(Option<Ident>, NormalizerAttr)>,
}

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
    pub(crate) without_id: Option<Span>,
    /// `subject = field`: the field whose value names the subject whose data keys seal the record
    /// (subject mode, FORMAT.md §15).
    pub(crate) subject: Option<Ident>,
    /// `index(column = (field: normalizer, ...))`: compound blind indexes.
    pub(crate) indexes: Vec<IndexAttr>,
    /// `derive(Trait, ...)`: derives passed on to the sealed twin (`sqlx::FromRow`, say).
    pub(crate) derives: Vec<Path>,
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
    /// `index(column = normalizer)`: blind indexes over this field.
    pub(crate) indexes: Vec<IndexAttr>,
}

fn seal_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("seal"))
}

fn set_once<T>(slot: &mut Option<T>, value: T, span: Span, key: &str) -> Result<()> {
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
            } else if meta.path.is_ident("index") {
                out.indexes.push(index(&meta, true)?);
                Ok(())
            } else if meta.path.is_ident("derive") {
                out.derives.extend(derives(&meta)?);
                Ok(())
            } else {
                Err(meta.error(
                    "unknown key on the struct; expected `id = field`, `without_id`, \
                     `subject = field`, `sealed = TypeName`, `record = \"name\"`, \
                     `index(column = (field: normalizer, ...))` or `derive(Trait, ...)`",
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
            } else if meta.path.is_ident("index") {
                out.indexes.push(index(&meta, false)?);
                Ok(())
            } else if meta.input.peek(syn::Token![=]) || meta.input.peek(syn::token::Paren) {
                Err(meta.error(
                    "unknown key on a field; expected purpose types such as `Fulfillment`, \
                     `rename = \"name\"`, `json`, `nested(Purpose, ...)` or \
                     `index(column = normalizer)`",
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

/// The inside of `derive(...)`: trait paths, as in `#[derive(..)]`, each once. The twin already
/// derives `Clone`, `PartialEq`, `Debug`, `Serialize` and `Deserialize`.
fn derives(meta: &ParseNestedMeta<'_>) -> Result<Vec<Path>> {
    const USAGE: &str = "expected `derive(Trait, ...)`: the derives to pass on to the sealed twin, \
                         such as `derive(sqlx::FromRow)`";
    const BUILT_IN: [&str; 5] = ["Clone", "PartialEq", "Debug", "Serialize", "Deserialize"];
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(USAGE));
    }
    let content;
    syn::parenthesized!(content in meta.input);
    let paths = content.parse_terminated(Path::parse_mod_style, Token![,])?;
    if paths.is_empty() {
        return Err(meta.error(USAGE));
    }
    let mut out: Vec<Path> = Vec::new();
    for path in paths {
        let key = path_key(&path);
        let last = path.segments.last().map(|s| s.ident.to_string());
        if let Some(name) = last.filter(|name| BUILT_IN.contains(&name.as_str())) {
            return Err(syn::Error::new(
                path.span(),
                format!("the sealed twin derives `{name}` already; list only other derives"),
            ));
        }
        if out.iter().any(|p| path_key(p) == key) {
            return Err(syn::Error::new(
                path.span(),
                format!("`{key}` is listed twice"),
            ));
        }
        out.push(path);
    }
    Ok(out)
}

/// The inside of `index(...)`: the column and its normalizer(s) first, then `name = ".."` and
/// `with = path` in any order. `compound`: on the struct, where the normalizer is a list of
/// `field: normalizer` parts.
fn index(meta: &ParseNestedMeta<'_>, compound: bool) -> Result<IndexAttr> {
    let usage = if compound {
        "expected `index(column = (field: normalizer, field: normalizer, ...))`, the normalizers \
         bare words such as `text` or strings such as \"postcode:GB\""
    } else {
        "expected `index(column = normalizer)`: a bare word such as `email` or a string such as \
         \"phone:GB|last-digits:4\""
    };
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(usage));
    }
    let mut out: Option<IndexAttr> = None;
    meta.parse_nested_meta(|inner| {
        let span = inner.path.span();
        let Some(attr) = out.as_mut() else {
            let column = inner
                .path
                .get_ident()
                .cloned()
                .ok_or_else(|| inner.error(usage))?;
            let value = inner.value().map_err(|_| syn::Error::new(span, usage))?;
            let parts = if compound {
                compound_parts(value, usage)?
            } else {
                vec![(None, normalizer(value, usage)?)]
            };
            out = Some(IndexAttr {
                column,
                name: None,
                with: None,
                parts,
            });
            return Ok(());
        };
        if inner.path.is_ident("name") {
            let value: LitStr = inner.value()?.parse()?;
            set_once(&mut attr.name, value, span, "name")
        } else if inner.path.is_ident("with") {
            let value: Path = inner.value()?.parse()?;
            set_once(&mut attr.with, value, span, "with")
        } else {
            Err(inner.error(
                "unknown key in `index(..)`; after the column, expected `name = \"index-name\"` \
                 or `with = path::to::function`",
            ))
        }
    })?;
    out.ok_or_else(|| meta.error(usage))
}

/// `(field: normalizer, ...)`.
fn compound_parts(
    input: ParseStream<'_>,
    usage: &str,
) -> Result<Vec<(Option<Ident>, NormalizerAttr)>> {
    let content;
    syn::parenthesized!(content in input);
    let mut parts = Vec::new();
    while !content.is_empty() {
        let field = Ident::parse_any(&content)?;
        content.parse::<Token![:]>()?;
        parts.push((Some(field), normalizer(&content, usage)?));
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    if parts.is_empty() {
        return Err(syn::Error::new(input.span(), usage));
    }
    Ok(parts)
}

/// A normalizer: a string, or a bare word of identifiers joined by `-` or `+`
/// (`date-of-birth`, `email+plus-tags`).
fn normalizer(input: ParseStream<'_>, usage: &str) -> Result<NormalizerAttr> {
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        return Ok(NormalizerAttr {
            description: lit.value(),
            span: lit.span(),
        });
    }
    let first = Ident::parse_any(input).map_err(|e| syn::Error::new(e.span(), usage))?;
    let mut span = first.span();
    let mut description = first.unraw().to_string();
    loop {
        if input.peek(Token![-]) {
            input.parse::<Token![-]>()?;
            description.push('-');
        } else if input.peek(Token![+]) {
            input.parse::<Token![+]>()?;
            description.push('+');
        } else {
            break;
        }
        let next = Ident::parse_any(input)?;
        description.push_str(&next.unraw().to_string());
        span = span.join(next.span()).unwrap_or(span);
    }
    Ok(NormalizerAttr { description, span })
}

/// A path as text, to compare purposes.
pub(crate) fn path_key(path: &Path) -> String {
    quote::ToTokens::to_token_stream(path).to_string()
}
