//! The independent reader: the log walked as FORMAT.md §18.3 to §18.6 say, on the raw primitives
//! (hkdf, hmac, ed25519-dalek), and `verify`'s report checked against what it found.

use std::path::PathBuf;

use ed25519_dalek::{Signature, Verifier as _};
use fieldseal::audit::Report;

use super::key::{FIXED, Fixed, VersionKeys, hmac};

/// `,"mac":"` + 64 hex digits + `"}`.
const MAC_TAIL: usize = 8 + 64 + 2;

/// A line that verified.
pub(super) struct Good {
    pub(super) file: usize,
    pub(super) bytes: Vec<u8>,
    pub(super) kind: Kind,
    /// The audit key version of its file.
    pub(super) version: u32,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Kind {
    Header,
    Event,
    Checkpoint,
}

/// What [`walk`] found. Places are (file index, line number from 1).
#[derive(Default)]
pub(super) struct Walk {
    pub(super) good: Vec<Good>,
    problem: Option<(usize, u64)>,
    torn: Option<(usize, u64)>,
    files_read: usize,
}

/// The complete lines of a file (without their `\n`), and whether it ends in a partial one.
pub(super) fn lines(file: &[u8]) -> (Vec<&[u8]>, bool) {
    let complete = file.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let lines = if complete == 0 {
        Vec::new()
    } else {
        file[..complete - 1].split(|&b| b == b'\n').collect()
    };
    (lines, complete < file.len())
}

/// Walks the log in order: every line until the first that is not as it was written. A partial
/// line or an empty file is torn at the end of the last file, and a problem anywhere else.
pub(super) fn walk(files: &[Vec<u8>]) -> Walk {
    let fixed = &*FIXED;
    let mut w = Walk::default();
    let mut prev = [0u8; 32];
    let mut log: Option<[u8; 16]> = None;
    for (i, file) in files.iter().enumerate() {
        w.files_read += 1;
        let (lines, partial) = lines(file);
        let last = i + 1 == files.len();
        let torn = partial || lines.is_empty();
        if last && torn {
            w.torn = Some((i, lines.len() as u64 + 1));
        }
        let mut version: Option<&VersionKeys> = None;
        for (j, line) in lines.iter().enumerate() {
            let seq = w.good.len() as u64 + 1;
            let Some((mac, kind)) =
                line_verifies(line, seq, i, j == 0, &mut version, &mut log, &prev, fixed)
            else {
                w.problem = Some((i, j as u64 + 1));
                return w;
            };
            prev = mac;
            w.good.push(Good {
                file: i,
                bytes: line.to_vec(),
                kind,
                version: version.expect("set by the header").version,
            });
        }
        if torn && !last {
            w.problem = Some((i, lines.len() as u64 + 1));
            return w;
        }
    }
    w
}

/// Whether line `line` of file `file` is the log line `seq` chained from `prev`: its MAC and kind.
#[allow(clippy::too_many_arguments, reason = "the walk's state, spelt out")]
fn line_verifies<'k>(
    line: &[u8],
    seq: u64,
    file: usize,
    first: bool,
    version: &mut Option<&'k VersionKeys>,
    log: &mut Option<[u8; 16]>,
    prev: &[u8; 32],
    fixed: &'k Fixed,
) -> Option<([u8; 32], Kind)> {
    let v: serde_json::Value = serde_json::from_slice(line).ok()?;
    let get = |k: &str| v.get(k);
    let text = |k: &str| get(k).and_then(serde_json::Value::as_str);
    let bytes = |k: &str, n: usize| {
        let h = text(k)?;
        (h.len() == 2 * n && !h.bytes().any(|b| b.is_ascii_uppercase()))
            .then(|| hex::decode(h).ok())
            .flatten()
    };
    let cut = line.len().checked_sub(MAC_TAIL)?;
    let (prefix, tail) = line.split_at(cut);
    let mac_hex = tail.strip_prefix(br#","mac":""#)?.strip_suffix(br#""}"#)?;
    if !prefix.starts_with(br#"{"seq":"#) || mac_hex.iter().any(u8::is_ascii_uppercase) {
        return None;
    }
    let mac: [u8; 32] = hex::decode(mac_hex).ok()?.try_into().ok()?;
    if get("seq")?.as_u64()? != seq {
        return None;
    }
    let kind = match (first, text("type")) {
        (true, Some("header")) => {
            let id: [u8; 16] = bytes("log", 16)?.try_into().ok()?;
            let file_no = get("file")?.as_u64()?;
            let v_no = get("key_version")?.as_u64()?;
            if get("format")?.as_u64()? != 1
                || file_no != file as u64 + 1
                || bytes("prev", 32)? != prev
                || log.is_some_and(|l| l != id)
            {
                return None;
            }
            *version = Some(
                fixed
                    .versions
                    .iter()
                    .find(|k| u64::from(k.version) == v_no)?,
            );
            *log = Some(id);
            Kind::Header
        }
        (true, _) | (false, Some("header")) => return None,
        (false, Some("checkpoint")) => Kind::Checkpoint,
        (false, _) => Kind::Event,
    };
    let keys = (*version)?;
    if hmac(&keys.ck, &[prev, prefix]) != mac {
        return None;
    }
    if kind == Kind::Checkpoint {
        let time = text("time")?;
        let sig: [u8; 64] = bytes("sig", 64)?.try_into().ok()?;
        if bytes("log", 16)? != (*log)?
            || get("key_version")?.as_u64()? != u64::from(keys.version)
            || bytes("head", 32)? != prev
        {
            return None;
        }
        let mut signed = b"fieldseal/v1/audit/checkpoint\0".to_vec();
        signed.extend_from_slice(&(*log)?);
        signed.extend_from_slice(&seq.to_be_bytes());
        signed.extend_from_slice(&keys.version.to_be_bytes());
        signed.extend_from_slice(prev);
        signed.extend_from_slice(time.as_bytes());
        keys.public
            .verify(&signed, &Signature::from_bytes(&sig))
            .ok()?;
    }
    Some((mac, kind))
}

/// `verify`'s report says what the walk found.
pub(super) fn agrees(paths: &[PathBuf], report: &Report, w: &Walk) {
    let at = |place: Option<(usize, u64)>| place.map(|(f, l)| (paths[f].clone(), l));
    let found = report
        .problem
        .as_ref()
        .map(|p| (p.at.path.clone(), p.at.line));
    assert_eq!(
        found,
        at(w.problem),
        "verify's first problem is the first line that does not verify: {:?}",
        report.problem
    );
    assert_eq!(
        report.torn_tail.as_ref().map(|t| (t.path.clone(), t.line)),
        at(w.torn),
        "the torn tail"
    );
    let n = w.good.len() as u64;
    assert_eq!(report.lines, n, "the lines that verified");
    assert_eq!(report.last_seq, n, "the last seq verified");
    let events = w.good.iter().filter(|g| g.kind == Kind::Event).count() as u64;
    assert_eq!(report.events, events, "the events that verified");
    assert_eq!(report.files, w.files_read, "the files read");
    let last = w.good.iter().rfind(|g| g.kind == Kind::Checkpoint);
    match (&report.last_checkpoint, last) {
        (None, None) => {}
        (Some(cp), Some(good)) => {
            // Its line: what `to_line` writes, then the MAC (FORMAT.md §18.5).
            let line = cp.to_line();
            let tail = &good.bytes[good.bytes.len() - MAC_TAIL..];
            assert_eq!(
                [&line.as_bytes()[..line.len() - 1], tail].concat(),
                good.bytes,
                "the last checkpoint is the line that verified"
            );
        }
        (cp, good) => panic!(
            "last checkpoint {cp:?}, the walk's {:?}",
            good.map(|g| String::from_utf8_lossy(&g.bytes).into_owned())
        ),
    }
}
