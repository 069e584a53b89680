//! The records `disclose` reads: JSON Lines as `#[derive(Seal)]` serializes subject-mode sealed
//! twins. Only the records of the subjects named are kept, with what a hand-over needs of each:
//! the id (as written, and as bound), and each field named, as a sealed value and the context it
//! is bound to (FORMAT.md §13). Everything is checked here, before any key is loaded.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead as _, BufReader, Read as _};

use fieldseal::Inspection;
use fieldseal::bulk::MAX_LINE;
use fieldseal::format::TEXT_PREFIX;
use serde_json::value::RawValue;

use crate::args::DiscloseArgs;
use crate::commands::vault::subject::SubjectId;
use crate::failure::{Exit, Failure, Outcome};

/// One record of a subject named.
pub(crate) struct Found {
    /// Its line in the input, from 1.
    pub(crate) line: u64,
    /// The index of its subject among those named.
    pub(crate) subject: usize,
    /// The id field's JSON text and the id bytes bound (none: `--without-id`).
    pub(crate) id: Option<(String, Vec<u8>)>,
    /// Each field named, in order.
    pub(crate) fields: Vec<Field>,
}

/// One field of a record to hand over.
pub(crate) struct Field {
    /// Its JSON keys from the top of the record.
    pub(crate) path: Vec<String>,
    /// The field name bound into its context: the path, the last key renamed.
    pub(crate) context: String,
    /// The sealed value's text, or `None` for null.
    pub(crate) sealed: Option<String>,
    /// The purposes it holds a copy for, in its order.
    pub(crate) purposes: Vec<String>,
}

type Members = HashMap<String, Box<RawValue>>;

/// Reads `args.input`, keeping the records of `subjects` (each must have one at least).
pub(crate) fn read(args: &DiscloseArgs, subjects: &[SubjectId]) -> Outcome<Vec<Found>> {
    let from = args.input.display().to_string();
    let fail = |message: String| Failure::new(Exit::Failure, message);
    let file = File::open(&args.input).map_err(|e| fail(format!("cannot read {from}: {e}")))?;
    let index: HashMap<&[u8], usize> = subjects
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_bytes(), i))
        .collect();
    let mut reader = BufReader::new(file);
    let mut buf = Vec::new();
    let mut found = Vec::new();
    let mut line = 0u64;
    loop {
        buf.clear();
        let n = (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| fail(format!("cannot read {from}: {e}")))?;
        if n == 0 {
            break;
        }
        line += 1;
        let at = |reason: String| fail(format!("{from}, record on line {line}: {reason}"));
        if buf.len() > MAX_LINE {
            return Err(at(format!("longer than {} MiB", MAX_LINE >> 20)));
        }
        let text = std::str::from_utf8(&buf).map_err(|_| at("not UTF-8 text".to_owned()))?;
        if text.trim().is_empty() {
            continue;
        }
        let members = object(text, "the record").map_err(at)?;
        let subject = member(&members, &args.subject_field).map_err(at)?;
        let subject = args
            .subject_type
            .id_bytes(&args.subject_field, subject.get())
            .map_err(|e| at(e.to_string()))?;
        let Some(&subject) = index.get(subject.as_slice()) else {
            continue;
        };
        found.push(Found {
            line,
            subject,
            id: id(args, &members).map_err(at)?,
            fields: fields(args, &members).map_err(at)?,
        });
    }
    let missing: Vec<String> = subjects
        .iter()
        .enumerate()
        .filter(|(i, _)| !found.iter().any(|f| f.subject == *i))
        .map(|(_, s)| s.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(fail(format!(
            "no record of {} in {from} (subjects read from --subject-field {}); nothing was \
             disclosed: check the subjects and the field",
            missing.join(", "),
            args.subject_field
        )));
    }
    Ok(found)
}

/// A JSON object's members, by key.
fn object(text: &str, what: &str) -> Result<Members, String> {
    // Not serde_json's message: it can quote the value, which may be personal data.
    serde_json::from_str(text).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => format!("{what} is not a JSON object"),
        _ => format!("{what} is not JSON (column {})", e.column()),
    })
}

fn member<'m>(members: &'m Members, key: &str) -> Result<&'m RawValue, String> {
    members
        .get(key)
        .map(AsRef::as_ref)
        .ok_or_else(|| format!("no field `{key}`"))
}

/// The id: `--id-field` (else the subject field) as written and as bound.
fn id(args: &DiscloseArgs, members: &Members) -> Result<Option<(String, Vec<u8>)>, String> {
    if args.without_id {
        return Ok(None);
    }
    let field = args.id_field.as_deref().unwrap_or(&args.subject_field);
    let raw = member(members, field)?;
    let bytes = args
        .id_type
        .id_bytes(field, raw.get())
        .map_err(|e| e.to_string())?;
    Ok(Some((raw.get().trim().to_owned(), bytes)))
}

/// Each field named: a sealed value or null, at its path.
fn fields(args: &DiscloseArgs, members: &Members) -> Result<Vec<Field>, String> {
    args.fields
        .iter()
        .map(|dotted| {
            let path: Vec<String> = dotted.split('.').map(str::to_owned).collect();
            let (last, parents) = path.split_last().expect("split yields one part at least");
            let mut nested: Option<Members> = None;
            for (depth, key) in parents.iter().enumerate() {
                let at = nested.as_ref().unwrap_or(members);
                let raw = member(at, key).map_err(|e| format!("{e} in `{dotted}`"))?;
                let inner = object(raw.get(), &format!("`{}`", path[..=depth].join(".")))?;
                nested = Some(inner);
            }
            let raw = member(nested.as_ref().unwrap_or(members), last)
                .map_err(|e| format!("{e} (--fields {dotted})"))?;
            let sealed = sealed_text(dotted, raw.get())?;
            let purposes = match &sealed {
                Some(text) => Inspection::of_text(text)
                    .map_err(|e| format!("`{dotted}`: {e}"))?
                    .parts
                    .into_iter()
                    .map(|(purpose, _)| purpose)
                    .collect(),
                None => Vec::new(),
            };
            Ok(Field {
                context: context_name(args, &path),
                path,
                sealed,
                purposes,
            })
        })
        .collect()
}

/// The sealed value's text (`None` for null) of the field at `dotted`; anything else is refused.
fn sealed_text(dotted: &str, json: &str) -> Result<Option<String>, String> {
    if json.trim() == "null" {
        return Ok(None);
    }
    match serde_json::from_str::<String>(json) {
        Ok(text) if text.starts_with(TEXT_PREFIX) => Ok(Some(text)),
        _ => Err(format!(
            "`{dotted}` is not a sealed value (fs1:...) or null; disclose hands over sealed \
             fields only"
        )),
    }
}

/// The context's field name: the JSON keys to it joined by dots, its own key renamed as
/// `--rename [PATH.]JSON_KEY=NAME` says (as `reseal` binds it).
fn context_name(args: &DiscloseArgs, path: &[String]) -> String {
    let dotted = path.join(".");
    let (parents, last) = path.split_at(path.len() - 1);
    let name = args
        .renames
        .iter()
        .find(|(key, _)| *key == dotted)
        .map_or(last[0].as_str(), |(_, name)| name.as_str());
    parents
        .iter()
        .map(String::as_str)
        .chain(std::iter::once(name))
        .collect::<Vec<_>>()
        .join(".")
}
