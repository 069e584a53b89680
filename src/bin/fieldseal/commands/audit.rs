//! `fieldseal audit`: audit key versions, and verifying, anchoring and querying audit logs
//! (FORMAT.md §18) with the keyring's audit keys.

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use fieldseal::audit::{self, AuditKey, Checkpoint, Query, Report};
use fieldseal::{AuditError, Keyring};

use crate::args::{AuditCommand, AuditDirArgs, AuditQueryArgs, AuditRetireArgs, AuditVerifyArgs};
use crate::commands::KeyringFile;
use crate::failure::{Exit, Failure, Outcome};

pub(crate) fn run(file: &KeyringFile, command: &AuditCommand, out: &mut dyn Write) -> Outcome {
    match command {
        AuditCommand::RotateKey => rotate_key(file, out),
        AuditCommand::RetireKey(args) => retire_key(file, args, out),
        AuditCommand::Verify(args) => verify(file, args, out),
        AuditCommand::Checkpoint(args) => checkpoint(file, args, out),
        AuditCommand::Query(args) => query(file, args, out),
    }
}

fn rotate_key(file: &KeyringFile, out: &mut dyn Write) -> Outcome {
    let (mut keyring, protector) = file.load_locked_unaudited()?;
    if !keyring.audit_versions().is_empty() {
        // Recorded in the log of the version before (the first has no log to go to): the
        // auditor must be attached before the rotation, which records through it.
        file.audit(&mut keyring)?;
    }
    let version = keyring
        .rotate_audit_key()
        .map_err(|e| Failure::lib("cannot rotate the audit key", &e))?;
    file.save(&keyring, &protector)?;
    drop(keyring);
    writeln!(
        out,
        "audit key version {version} is current: new log files are written under it"
    )?;
    writeln!(
        out,
        "next: re-export every service's bundle (fieldseal export-bundle --force): a bundle \
         carries its service's audit key"
    )?;
    Ok(())
}

fn retire_key(file: &KeyringFile, args: &AuditRetireArgs, out: &mut dyn Write) -> Outcome {
    if !args.yes {
        return Err(Failure::new(
            Exit::Refused,
            format!(
                "retiring audit key version {} makes its logs unverifiable with this keyring: \
                 verify and archive them with their checkpoints first, then run again with --yes",
                args.version
            ),
        ));
    }
    let (mut keyring, protector) = file.load_locked()?;
    keyring
        .retire_audit_key(args.version)
        .map_err(|e| Failure::lib("cannot retire the audit key version", &e))?;
    file.save(&keyring, &protector)?;
    writeln!(out, "audit key version {} is retired", args.version)?;
    Ok(())
}

/// The log's files and the audit key of its service.
fn open_log(file: &KeyringFile, args: &AuditDirArgs) -> Outcome<(Vec<PathBuf>, AuditKey)> {
    let files = audit::log_files(&args.dir).map_err(|e| lib("cannot read the audit log", e))?;
    let Some(first) = files.first() else {
        return Err(Failure::new(
            Exit::Failure,
            format!(
                "no audit log in {}: it holds no audit-NNNNNNNN.jsonl file",
                args.dir.display()
            ),
        ));
    };
    let service = match &args.service {
        Some(s) => s.clone(),
        None => audit::log_service(first).map_err(|e| lib("cannot read the audit log", e))?,
    };
    let (keyring, _) = file.load()?;
    let key = audit_key(&keyring, &service)?;
    Ok((files, key))
}

fn audit_key(keyring: &Keyring, service: &str) -> Outcome<AuditKey> {
    keyring
        .audit_key(service)
        .map_err(|e| Failure::lib(format_args!("no audit key for service `{service}`"), &e))
}

fn lib(doing: &str, e: AuditError) -> Failure {
    Failure::lib(doing, &e.into())
}

/// Verifies, failing unless the log is intact.
fn checked(files: &[PathBuf], key: &AuditKey, anchor: Option<&Checkpoint>) -> Outcome<Report> {
    let report =
        audit::verify(files, key, anchor).map_err(|e| lib("cannot verify the audit log", e))?;
    if let Some(torn) = &report.torn_tail {
        crate::stderr::line(format_args!(
            "note: {torn} is torn (a writer stopped mid-line); the log verifies up to the line \
             before, and the next writer cuts it"
        ));
    }
    match &report.problem {
        None => Ok(report),
        Some(problem) => Err(Failure::new(
            Exit::Failure,
            format!(
                "the audit log does not verify: {problem}; it is intact up to seq {} ({} lines \
                 before it): keep the files as they are for investigation",
                report.last_seq, report.lines
            ),
        )),
    }
}

/// The most an anchor file may hold: a checkpoint is one line of a few hundred bytes.
const MAX_ANCHOR: u64 = 64 * 1024;

/// Reads an anchor file, refusing one longer than [`MAX_ANCHOR`] (a device such as /dev/zero,
/// or the wrong file) rather than reading it until memory runs out.
fn read_anchor(path: &std::path::Path) -> Outcome<String> {
    use std::io::Read as _;
    let cannot = |e: &dyn std::fmt::Display| {
        Failure::new(
            Exit::Failure,
            format!("cannot read {}: {e}", path.display()),
        )
    };
    let file = std::fs::File::open(path).map_err(|e| cannot(&e))?;
    let mut text = String::new();
    file.take(MAX_ANCHOR + 1)
        .read_to_string(&mut text)
        .map_err(|e| cannot(&e))?;
    if text.len() as u64 > MAX_ANCHOR {
        return Err(Failure::new(
            Exit::Failure,
            format!(
                "{} is longer than {MAX_ANCHOR} bytes: not an anchor, which is one checkpoint \
                 line as `fieldseal audit checkpoint` prints it",
                path.display()
            ),
        ));
    }
    Ok(text)
}

fn verify(file: &KeyringFile, args: &AuditVerifyArgs, out: &mut dyn Write) -> Outcome {
    let anchor = match &args.anchor {
        None => None,
        Some(path) => {
            let text = read_anchor(path)?;
            Some(Checkpoint::from_line(&text).ok_or_else(|| {
                Failure::new(
                    Exit::Failure,
                    format!(
                        "{} does not hold a checkpoint line (as `fieldseal audit checkpoint` \
                         prints it)",
                        path.display()
                    ),
                )
            })?)
        }
    };
    let (files, key) = open_log(file, &args.log)?;
    let report = checked(&files, &key, anchor.as_ref())?;
    writeln!(
        out,
        "audit log {} verifies: {} files, {} lines, {} events, last seq {}",
        args.log.dir.display(),
        report.files,
        report.lines,
        report.events,
        report.last_seq
    )?;
    match (&anchor, &report.last_checkpoint) {
        (Some(a), _) => writeln!(out, "anchor at seq {} matches", a.seq)?,
        (None, Some(cp)) => writeln!(
            out,
            "last checkpoint at seq {}; lines after it are covered only by the chain: anchor \
             checkpoints off the host (fieldseal audit checkpoint)",
            cp.seq
        )?,
        (None, None) => {}
    }
    Ok(())
}

fn checkpoint(file: &KeyringFile, args: &AuditDirArgs, out: &mut dyn Write) -> Outcome {
    let (files, key) = open_log(file, args)?;
    let report = checked(&files, &key, None)?;
    let Some(cp) = report.last_checkpoint else {
        return Err(Failure::new(
            Exit::Failure,
            "the audit log has no checkpoint yet: one is written every N events and when a \
             writer closes",
        ));
    };
    let mut public = String::with_capacity(64);
    for b in key
        .checkpoint_public_key(cp.key_version)
        .unwrap_or_default()
    {
        let _ = write!(public, "{b:02x}");
    }
    writeln!(out, "{}", cp.to_line())?;
    crate::stderr::line(format_args!(
        "note: the Ed25519 public key of audit key version {} of service `{}`: {public}",
        cp.key_version,
        key.service()
    ));
    Ok(())
}

fn time(text: Option<&String>, what: &str) -> Outcome<Option<std::time::SystemTime>> {
    text.map(|t| {
        humantime::parse_rfc3339_weak(t).map_err(|_| {
            Failure::new(
                Exit::Usage,
                format!("--{what} {t} is not an RFC 3339 time (2026-11-01T00:00:00Z)"),
            )
        })
    })
    .transpose()
}

fn query(file: &KeyringFile, args: &AuditQueryArgs, out: &mut dyn Write) -> Outcome {
    let mut q = Query::default();
    q.subject = match &args.subject {
        None => None,
        Some(s) => Some(audit::parse_id_text(s).ok_or_else(|| {
            Failure::new(
                Exit::Usage,
                "--subject takes an integer, str:TEXT or hex:HEX",
            )
        })?),
    };
    q.purpose.clone_from(&args.purpose);
    q.actor.clone_from(&args.actor);
    q.operation.clone_from(&args.op);
    q.since = time(args.since.as_ref(), "since")?;
    q.until = time(args.until.as_ref(), "until")?;
    let (files, key) = open_log(file, &args.log)?;
    // Answered from the lines the verification vouched for: a live service may append more
    // between the two reads.
    q.through_seq = Some(checked(&files, &key, None)?.last_seq);
    for line in
        audit::query(&files, Some(&key), &q).map_err(|e| lib("cannot read the audit log", e))?
    {
        writeln!(out, "{line}")?;
    }
    Ok(())
}
