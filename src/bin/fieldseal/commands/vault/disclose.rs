//! `fieldseal vault disclose`: records handed to a third party, for consenting subjects only,
//! each field named opened with the subject's data key and sealed again in direct mode for the
//! partner's purpose (`SubjectKeys::reseal_direct_text`), and the hand-over logged.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Seek as _, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fieldseal::vault::{Disclosure, SqliteVault, Subject, SubjectKeys};
use fieldseal::{Context, DynPurpose, DynPurposeKey, Error};
use serde_json::json;

use crate::args::DiscloseArgs;
use crate::commands::vault::VaultFile;
use crate::commands::vault::records::{self, Field, Found};
use crate::commands::vault::show::{disclosure_json, disclosure_text, names};
use crate::commands::vault::subject::SubjectId;
use crate::commands::{KeyringFile, refuse_existing};
use crate::failure::{Exit, Failure, Outcome};

pub(crate) fn run(
    file: &VaultFile,
    keyring_file: &KeyringFile,
    args: &DiscloseArgs,
    json: bool,
    out: &mut dyn Write,
) -> Outcome {
    let partner = &args.partner;
    let output = &args.output;
    fields_once(&args.fields)?;
    let partial = partial_path(output);
    // Everything that can be checked before the keyring's secret is asked for.
    refuse_existing(
        output,
        "disclose never overwrites a file; choose another --output, or remove it",
    )?;
    refuse_existing(
        &partial,
        "an earlier disclose stopped after writing it: see whether it was logged (fieldseal \
         vault log disclosures), then remove it",
    )?;
    let mut subjects: Vec<SubjectId> = Vec::new();
    for s in &args.subjects {
        if !subjects.contains(s) {
            subjects.push(s.clone());
        }
    }
    let found = records::read(args, &subjects)?;
    let purposes: BTreeSet<&str> = found
        .iter()
        .flat_map(|r| &r.fields)
        .flat_map(|f| &f.purposes)
        .map(String::as_str)
        .collect();
    let purposes = purposes
        .into_iter()
        .map(DynPurpose::new)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::lib(format_args!("cannot read {}", args.input.display()), &e))?;
    let vault = Arc::new(file.write()?);
    let (keyring, _) = keyring_file.load()?;
    let auditor = keyring_file.auditor(&keyring)?;
    let keys = file.keyed(vault, &keyring, &purposes, auditor)?;
    let partner_key = keyring.dyn_purpose_key(partner);
    drop(keyring);

    let mut writer = create(&partial)?;
    let ids: Vec<Subject<'_>> = subjects.iter().map(SubjectId::subject).collect();
    let fields: Vec<&str> = args.fields.iter().map(String::as_str).collect();
    let mut written = 0usize;
    let result = keys.disclose(partner, &fields, &ids, |subject| {
        let mut lines = Vec::new();
        for record in found
            .iter()
            .filter(|r| subjects[r.subject].as_bytes() == subject.as_bytes())
        {
            let line = hand_over(&keys, args, record, subject, &partner_key)?;
            writeln!(writer, "{line}").map_err(|e| io_error(&partial, e))?;
            lines.push(line);
        }
        // On disk before the library logs the hand-over: a full disk fails it unlogged.
        writer.flush().map_err(|e| io_error(&partial, e))?;
        writer
            .get_ref()
            .sync_data()
            .map_err(|e| io_error(&partial, e))?;
        written += lines.len();
        Ok(lines)
    });
    let disclosure = match result {
        Ok(d) => d,
        Err(e) => {
            let _ = fs::remove_file(&partial);
            return Err(file.failed(
                format_args!("cannot disclose to {partner} (nothing was disclosed or logged)"),
                &e,
            ));
        }
    };
    // Logged: whatever fails from here leaves the records where they are, and says so. The
    // vault asked each consent again as it logged: the records of a customer who withdrew after
    // hers were written are taken out again, so that the file holds what the log names.
    let kept: Vec<&String> = disclosure.records.iter().flatten().collect();
    let writer = if kept.len() == written {
        writer
    } else {
        rewrite(writer, &kept, &partial).map_err(|e| {
            file.failed(
                format_args!(
                    "the disclosure to {partner} is logged, but {} still holds records of \
                     customers it does not name (they withdrew meanwhile): remove it, and hand \
                     nothing over",
                    partial.display()
                ),
                &e,
            )
        })?
    };
    finish(writer, &partial).map_err(|e| {
        file.failed(
            format_args!(
                "the disclosure to {partner} is logged, but its records in {} could not be \
                 synced",
                partial.display()
            ),
            &e,
        )
    })?;
    // Logged: the file goes into place, never over one that appeared meanwhile.
    move_into_place(&partial, output)?;
    report(args, &subjects, &disclosure, json, out)
}

/// What was disclosed, as the log keeps it, and who was withheld.
fn report(
    args: &DiscloseArgs,
    subjects: &[SubjectId],
    disclosure: &Disclosure<Vec<String>>,
    json: bool,
    out: &mut dyn Write,
) -> Outcome {
    let (partner, output) = (&args.partner, &args.output);
    let records = disclosure.records.iter().map(Vec::len).sum::<usize>();
    let withheld: Vec<String> = subjects
        .iter()
        .filter(|s| {
            !disclosure
                .record
                .subjects
                .iter()
                .any(|d| d.subject == s.as_bytes())
        })
        .map(ToString::to_string)
        .collect();
    if json {
        let document = json!({
            "output": output.display().to_string(),
            "records": records,
            "withheld_subjects": withheld,
            "disclosure": disclosure_json(&disclosure.record),
        });
        writeln!(out, "{document}")?;
        return Ok(());
    }
    writeln!(
        out,
        "disclosed {records} record{} of {} subject{} to {partner}, written to {}; logged:",
        if records == 1 { "" } else { "s" },
        disclosure.record.subjects.len(),
        if disclosure.record.subjects.len() == 1 {
            ""
        } else {
            "s"
        },
        output.display()
    )?;
    write!(out, "{}", disclosure_text(&disclosure.record))?;
    if !withheld.is_empty() {
        writeln!(
            out,
            "withheld (no consent to {partner} standing, or erased): {}",
            names(&withheld)
        )?;
    }
    writeln!(
        out,
        "the partner opens them with a bundle holding {partner} (fieldseal export-bundle \
         --purpose {partner}); what it has cannot be taken back by a later withdrawal"
    )?;
    Ok(())
}

/// One output record: the id field as written, and each field sealed for the partner.
fn hand_over(
    keys: &SubjectKeys<Arc<SqliteVault>>,
    args: &DiscloseArgs,
    record: &Found,
    subject: &Subject<'_>,
    partner: &DynPurposeKey,
) -> fieldseal::Result<String> {
    let mut tree = Tree::default();
    let id_field = args.id_field.as_deref().unwrap_or(&args.subject_field);
    if let Some((text, _)) = &record.id {
        tree.insert(&[id_field.to_owned()], text.clone());
    }
    for field in &record.fields {
        let leaf = match &field.sealed {
            None => "null".to_owned(),
            Some(text) => {
                let ctx = Context::new(&args.record, &field.context);
                let ctx = match &record.id {
                    Some((_, id)) => ctx.with_id(id),
                    None => ctx.without_id(),
                };
                let sealed = reseal(keys, field, text, subject, &ctx, partner).map_err(|e| {
                    Error::AtLine {
                        line: record.line,
                        source: Box::new(e),
                    }
                })?;
                serde_json::to_string(&sealed).expect("a string serializes")
            }
        };
        tree.insert(&field.path, leaf);
    }
    Ok(tree.to_json())
}

/// The field sealed for the partner, from the first of its copies that opens for the subject
/// (copies the subject's choices withhold are passed over).
fn reseal(
    keys: &SubjectKeys<Arc<SqliteVault>>,
    field: &Field,
    text: &str,
    subject: &Subject<'_>,
    ctx: &Context<'_>,
    partner: &DynPurposeKey,
) -> fieldseal::Result<String> {
    let mut withheld = None;
    for name in &field.purposes {
        let from = DynPurpose::new(name)?;
        match keys.reseal_direct_text(text, &from, subject, ctx, partner) {
            Err(
                e @ (Error::NoConsentCopy { .. }
                | Error::ConsentWithdrawn { .. }
                | Error::RetentionExpired { .. }),
            ) => withheld = Some(e),
            other => return other,
        }
    }
    let why = withheld.map_or_else(
        || "it holds no copy at all (sealed when no purpose of it had consent)".to_owned(),
        |e| e.to_string(),
    );
    Err(Error::BadRecord {
        reason: format!(
            "field `{}` opens for none of its purposes ({}): {why}",
            field.path.join("."),
            names(&field.purposes)
        ),
    })
}

/// JSON members by path, written in the order first inserted.
#[derive(Default)]
struct Tree(Vec<(String, Node)>);

enum Node {
    /// JSON text.
    Leaf(String),
    Object(Tree),
}

impl Tree {
    fn insert(&mut self, path: &[String], leaf: String) {
        let (key, rest) = path.split_first().expect("a path has one key at least");
        if rest.is_empty() {
            self.0.push((key.clone(), Node::Leaf(leaf)));
            return;
        }
        let found = self
            .0
            .iter()
            .position(|(k, n)| k == key && matches!(n, Node::Object(_)));
        let at = found.unwrap_or_else(|| {
            self.0.push((key.clone(), Node::Object(Tree::default())));
            self.0.len() - 1
        });
        if let Node::Object(inner) = &mut self.0[at].1 {
            inner.insert(rest, leaf);
        }
    }

    fn to_json(&self) -> String {
        let members: Vec<String> = self
            .0
            .iter()
            .map(|(key, node)| {
                let value = match node {
                    Node::Leaf(text) => text.clone(),
                    Node::Object(inner) => inner.to_json(),
                };
                format!(
                    "{}:{value}",
                    serde_json::to_string(key).expect("a string serializes")
                )
            })
            .collect();
        format!("{{{}}}", members.join(","))
    }
}

/// `<OUT>.partial`.
fn partial_path(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// Refuses a field named twice: it would be handed over twice, a record with a key twice (which
/// the partner's reader refuses), and a log naming the field twice.
fn fields_once(fields: &[String]) -> Outcome {
    match fields
        .iter()
        .enumerate()
        .find_map(|(i, f)| fields[..i].contains(f).then_some(f))
    {
        Some(twice) => Err(Failure::new(
            Exit::Usage,
            format!("--fields names `{twice}` twice: name each field once; nothing was disclosed"),
        )),
        None => Ok(()),
    }
}

fn create(path: &Path) -> Outcome<BufWriter<File>> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    // Owner only: the records name customers (their ids, their plain fields).
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(BufWriter::new).map_err(|e| {
        let exit = if e.kind() == io::ErrorKind::AlreadyExists {
            Exit::Refused
        } else {
            Exit::Failure
        };
        Failure::new(exit, format!("cannot create {}: {e}", path.display()))
    })
}

fn io_error(path: &Path, source: io::Error) -> Error {
    Error::Io {
        action: format!("write {}", path.display()),
        source,
    }
}

/// Empties the partial output and writes `lines` alone in it.
fn rewrite(
    writer: BufWriter<File>,
    lines: &[&String],
    path: &Path,
) -> fieldseal::Result<BufWriter<File>> {
    let mut file = writer
        .into_inner()
        .map_err(|e| io_error(path, e.into_error()))?;
    file.set_len(0).map_err(|e| io_error(path, e))?;
    file.seek(io::SeekFrom::Start(0))
        .map_err(|e| io_error(path, e))?;
    let mut writer = BufWriter::new(file);
    for line in lines {
        writeln!(writer, "{line}").map_err(|e| io_error(path, e))?;
    }
    Ok(writer)
}

/// Flushes and syncs the partial output: on disk before the disclosure is kept.
fn finish(writer: BufWriter<File>, path: &Path) -> fieldseal::Result<()> {
    let file = writer
        .into_inner()
        .map_err(|e| io_error(path, e.into_error()))?;
    file.sync_all().map_err(|e| io_error(path, e))
}

/// Moves the partial output to `output`, never over a file.
fn move_into_place(partial: &Path, output: &Path) -> Outcome {
    let exists = || {
        Failure::new(
            Exit::Refused,
            format!(
                "{} appeared while the disclosure ran; the records are in {} (the disclosure is \
                 logged)",
                output.display(),
                partial.display()
            ),
        )
    };
    let failed = |e: io::Error| {
        Failure::new(
            Exit::Failure,
            format!(
                "cannot move {} to {}: {e} (the disclosure is logged)",
                partial.display(),
                output.display()
            ),
        )
    };
    match fs::hard_link(partial, output) {
        Ok(()) => fs::remove_file(partial).map_err(failed),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(exists()),
        // A file system without hard links: check, then rename.
        Err(_) => {
            if fs::symlink_metadata(output).is_ok() {
                return Err(exists());
            }
            fs::rename(partial, output).map_err(failed)
        }
    }
}
