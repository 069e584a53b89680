//! Target `audit`: the reading side of the tamper-evident audit log (FORMAT.md §18) over hostile
//! files, with one fixed audit key: service `orders` of the root key of tests/vectors/audit, audit
//! key versions 1 and 2.
//!
//! The first byte of an input says what the rest is:
//!
//! - `0`: log files, split at form feeds (0x0c, which no log line holds: §18.2 escapes it) into
//!   at most [`MAX_FILES`] files `audit-00000001.jsonl`, ... of a fresh directory;
//! - `1`: the same, and then a writer ([`FileSink`]) opens that directory, which reads its tail,
//!   and closes it, which appends a header and a checkpoint;
//! - `2`: an honest log written by the library (the next byte picks it: even, the vector log of
//!   tests/vectors/audit/log; odd, one written by [`genuine_log`] at the first use) changed by the
//!   edits of the rest, 4 bytes each: flip, delete or insert a byte; delete, duplicate or swap a
//!   line.
//!
//! Any other first byte is read as `0`. On every input, never a panic, and:
//!
//! - `verify` agrees with [`walk`], a reader written from FORMAT.md §18 alone against the raw
//!   primitives (hkdf, hmac, ed25519-dalek): the same first problem (file and line), lines,
//!   events, last checkpoint and torn tail;
//! - on an edited honest log, the problem is at the first line that is not the honest line at its
//!   place (a single flipped byte is always found, but in the last byte of the last file, the
//!   final newline: the line is then torn, FORMAT.md §18.6), and with the honest log's last
//!   checkpoint as the anchor, a log cut short is `Truncated`;
//! - a log that verifies verifies again the same, with its last checkpoint as the anchor, and file
//!   by file; against another log's anchor it does not; `query` answers from its event lines
//!   exactly what a filter written from the `Query` docs finds, `through_seq` included;
//! - `log_service` names the service a file's first line names; what `Checkpoint::from_line` reads
//!   it writes back and reads again the same, and a verified checkpoint line is its `to_line` and
//!   its MAC;
//! - a writer opening a log that verified leaves it verifying, every line that verified kept byte
//!   for byte; opening one that did not, it leaves the first problem where it was;
//! - no message (problems, errors, reports, their `Debug`) holds the root key or any audit key
//!   (`AK`, `CK`, `NK`, the Ed25519 seed) in hex or as bytes, unless the input did.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ed25519_dalek::{Signature, SigningKey, Verifier as _, VerifyingKey};
use fieldseal::audit::{
    self, AuditKey, Auditor, Checkpoint, FileSink, FileSinkOptions, IdPolicy, ProblemKind, Query,
    Report, Rotation,
};
use fieldseal::{Context, KeySet, Keyring, SecretKey, Suite};
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::keys::{Fulfillment, Marketing};

/// Files an input is split into, at most (the rest of the input stays in the last).
pub(crate) const MAX_FILES: usize = 4;
/// Edits of an honest log an input makes, at most.
const MAX_EDITS: usize = 16;
/// What separates the files of an input.
pub(crate) const FILE_BREAK: u8 = 0x0c;
/// The mode bytes.
pub(crate) const FILES: u8 = 0;
pub(crate) const WRITER: u8 = 1;
pub(crate) const EDITS: u8 = 2;

/// The root key of tests/vectors/audit (bytes 0 to 31), root version 1.
const ROOT: [u8; 32] = {
    let mut k = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        k[i] = i as u8;
        i += 1;
    }
    k
};
const SERVICE: &str = "orders";
/// The audit key versions of the fixed key.
const VERSIONS: [u32; 2] = [1, 2];
/// The ids [`genuine_log`] writes events about (plainly and as pseudonyms).
const IDS: [&[u8]; 2] = [&1001i128.to_be_bytes(), b"cust-7"];

/// `,"mac":"` + 64 hex digits + `"}`.
const MAC_TAIL: usize = 8 + 64 + 2;

/// The honest log of tests/vectors/audit/log, as the library wrote it.
const VECTOR_LOG: [&[u8]; 2] = [
    include_bytes!("../../tests/vectors/audit/log/audit-00000001.jsonl"),
    include_bytes!("../../tests/vectors/audit/log/audit-00000002.jsonl"),
];

// ---- The fixed key, and its parts derived from FORMAT.md §18.1 alone. ----

/// A keyring of the fixed root key with `audits` audit key versions.
fn keyring(audits: u32) -> Keyring {
    let root = SecretKey::from_bytes(Zeroizing::new(ROOT));
    let mut keyring = Keyring::with_root(Suite::default(), 1, root, UNIX_EPOCH)
        .expect("the fixed root key is valid");
    for _ in 0..audits {
        keyring
            .rotate_audit_key()
            .expect("a keyring has room for two audit versions");
    }
    keyring
}

/// One audit key version's keys, derived here from FORMAT.md §18.1.
struct VersionKeys {
    version: u32,
    ak: [u8; 32],
    ck: [u8; 32],
    nk: [u8; 32],
    seed: [u8; 32],
    public: VerifyingKey,
}

fn derive(version: u32) -> VersionKeys {
    let expand = |prk: &[u8], info: &[u8]| {
        let mut out = [0u8; 32];
        hkdf::Hkdf::<Sha256>::from_prk(prk)
            .expect("a 32-byte PRK")
            .expand(info, &mut out)
            .expect("32 bytes of HKDF-SHA256");
        out
    };
    let mut info = b"fieldseal/v1/audit".to_vec();
    info.extend_from_slice(&(SERVICE.len() as u32).to_be_bytes());
    info.extend_from_slice(SERVICE.as_bytes());
    info.extend_from_slice(&version.to_be_bytes());
    let mut ak = [0u8; 32];
    hkdf::Hkdf::<Sha256>::new(Some(b"fieldseal/v1/root"), &ROOT)
        .expand(&info, &mut ak)
        .expect("32 bytes of HKDF-SHA256");
    let seed = expand(&ak, b"fieldseal/v1/audit/checkpoint-key");
    VersionKeys {
        version,
        ak,
        ck: expand(&ak, b"fieldseal/v1/audit/chain"),
        nk: expand(&ak, b"fieldseal/v1/audit/pseudonym"),
        seed,
        public: SigningKey::from_bytes(&seed).verifying_key(),
    }
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256>>::new_from_slice(key).expect("HMAC takes any key");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

struct Fixed {
    /// The library's audit key: versions 1 and 2.
    key: AuditKey,
    /// The same, derived here.
    versions: Vec<VersionKeys>,
    /// Every secret, as text a message could show it in.
    secrets: Vec<String>,
    /// The honest logs: the vector log, and one [`genuine_log`] wrote.
    honest: [Vec<Vec<u8>>; 2],
    /// The last checkpoint of the vector log (another log's anchor, for the others) and its line.
    vector_anchor: (Checkpoint, Vec<u8>),
}

static FIXED: LazyLock<Fixed> = LazyLock::new(|| {
    let key = keyring(2)
        .audit_key(SERVICE)
        .expect("the keyring has audit versions");
    let versions: Vec<VersionKeys> = VERSIONS.into_iter().map(derive).collect();
    assert_eq!(
        key.checkpoint_public_key(2),
        Some(versions[1].public.to_bytes()),
        "FORMAT.md §18.1 derives the library's keys"
    );
    let mut secrets = Vec::new();
    let mut add = |bytes: &[u8]| {
        secrets.push(hex::encode(bytes));
        secrets.push(hex::encode_upper(bytes));
        secrets.push(format!("{bytes:?}"));
        secrets.push(String::from_utf8_lossy(bytes).into_owned());
    };
    add(&ROOT);
    for v in &versions {
        for k in [&v.ak, &v.ck, &v.nk, &v.seed] {
            add(k);
        }
    }
    let vector: Vec<Vec<u8>> = VECTOR_LOG.iter().map(|f| f.to_vec()).collect();
    let last = lines(&vector[1]).0.last().copied().expect("the vector log");
    let anchor = Checkpoint::from_line(std::str::from_utf8(last).expect("UTF-8"))
        .expect("the vector log ends with a checkpoint");
    Fixed {
        key,
        versions,
        secrets,
        vector_anchor: (anchor, last.to_vec()),
        honest: [vector, genuine_log()],
    }
});

// ---- The log the library writes. ----

/// A log written by the library under the fixed key, in three files: a first writer under audit
/// version 1 (a rotation by size, checkpoints every 3 events, plain and pseudonymous ids, a failed
/// open, an actor on behalf of someone, an id to escape), then a second one under version 2.
pub(crate) fn genuine_log() -> Vec<Vec<u8>> {
    let dir = Scratch::new("genuine");
    for audits in [1, 2] {
        let keyring = keyring(audits);
        let key = keyring.audit_key(SERVICE).expect("audit versions");
        let mut options = FileSinkOptions::default();
        options.checkpoint_every = 3;
        options.rotation = Rotation::Size(4_500);
        let sink = Arc::new(
            FileSink::open(&dir.0, &key, options).expect("a writer opens a fresh directory"),
        );
        let auditor = Auditor::new(Arc::clone(&sink), "orders-api");
        let keys = KeySet::new()
            .with(keyring.purpose_key::<Fulfillment>())
            .with(keyring.purpose_key::<Marketing>())
            .with_auditor(auditor.clone())
            .expect("an auditor attaches");
        let int = Context::new("order", "phone").with_id_int(1001);
        let v = keys
            .seal::<Fulfillment, String>("+1 555 0100", &int)
            .expect("seals");
        v.open_with::<Fulfillment, _>(&keys, &int).expect("opens");
        if audits == 1 {
            let text = Context::new("order", "note").with_id_str("cust-7");
            let odd = Context::new("order", "note").with_id_str("cust-\"8\"\\\n");
            let _ = v.open_with::<Fulfillment, _>(&keys, &text);
            let w = keys.seal::<Marketing, String>("x", &odd).expect("seals");
            audit::acting_as("agent \"q\" 42", || {
                w.open_with::<Marketing, _>(&keys, &odd)
            })
            .expect("opens");
            let pseudonymous = KeySet::new()
                .with(keyring.purpose_key::<Fulfillment>())
                .with_auditor(auditor.clone().with_ids(IdPolicy::pseudonym(&key)))
                .expect("an auditor attaches");
            for ctx in [&int, &text] {
                let p = pseudonymous
                    .seal::<Fulfillment, String>("y", ctx)
                    .expect("seals");
                p.open_with::<Fulfillment, _>(&pseudonymous, ctx)
                    .expect("opens");
            }
        }
        drop((keys, auditor));
        Arc::try_unwrap(sink)
            .expect("the last handle")
            .close()
            .expect("the writer closes");
    }
    let files = audit::log_files(&dir.0).expect("the directory reads");
    assert!(files.len() <= MAX_FILES, "{files:?}");
    files
        .iter()
        .map(|p| fs::read(p).expect("a log file reads"))
        .collect()
}

// ---- The check. ----

/// Runs the check the input's first byte names; whether the log (as verified) was intact, with
/// at least one line.
pub(crate) fn check(data: &[u8]) -> bool {
    let fixed = &*FIXED;
    let (mode, rest) = data
        .split_first()
        .map_or((FILES, &[][..]), |(m, r)| (*m, r));
    let dir = Scratch::new("check");
    match mode {
        EDITS => {
            let (which, edits) = rest.split_first().map_or((0, &[][..]), |(w, r)| (*w, r));
            let honest = &fixed.honest[usize::from(which % 2)];
            let files = edit(honest, edits);
            let report = read(&dir, &files, data);
            against_honest(&dir, honest, &files, &report);
            report.is_intact() && report.lines > 0
        }
        WRITER => {
            let files = split(rest);
            let report = read(&dir, &files, data);
            reopen(&dir, &files, &report, data);
            report.is_intact() && report.lines > 0
        }
        _ => {
            let files = split(rest);
            let report = read(&dir, &files, data);
            report.is_intact() && report.lines > 0
        }
    }
}

/// The files of an input: split at [`FILE_BREAK`], into [`MAX_FILES`] at most.
fn split(data: &[u8]) -> Vec<Vec<u8>> {
    data.splitn(MAX_FILES, |&b| b == FILE_BREAK)
        .map(<[u8]>::to_vec)
        .collect()
}

/// Writes `files` to `dir`, and reads them every way, checking all but the writer; the report.
fn read(dir: &Scratch, files: &[Vec<u8>], input: &[u8]) -> Report {
    let fixed = &*FIXED;
    let paths = dir.write(files);
    assert_eq!(
        audit::log_files(&dir.0).expect("the directory reads"),
        paths,
        "log_files lists the files, in order"
    );
    let report = audit::verify(&paths, &fixed.key, None).expect("the files read");
    no_secret(&format!("{report:?}"), input);
    if let Some(problem) = &report.problem {
        no_secret(&problem.to_string(), input);
    }
    let walked = walk(files);
    agrees(&paths, &report, &walked);
    lines_read_alone(&paths, files, &walked, input);
    if report.is_intact() {
        verifies_again(&paths, &report, &walked);
        answers(&paths, &report, &walked);
    }
    report
}

// ---- The independent reader (FORMAT.md §18.3 to §18.6). ----

/// A line that verified.
struct Good {
    file: usize,
    bytes: Vec<u8>,
    kind: Kind,
    /// The audit key version of its file.
    version: u32,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Header,
    Event,
    Checkpoint,
}

/// What [`walk`] found. Places are (file index, line number from 1).
#[derive(Default)]
struct Walk {
    good: Vec<Good>,
    problem: Option<(usize, u64)>,
    torn: Option<(usize, u64)>,
    files_read: usize,
}

/// The complete lines of a file (without their `\n`), and whether it ends in a partial one.
fn lines(file: &[u8]) -> (Vec<&[u8]>, bool) {
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
fn walk(files: &[Vec<u8>]) -> Walk {
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
fn agrees(paths: &[PathBuf], report: &Report, w: &Walk) {
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

// ---- Edits of an honest log. ----

/// Applies the edits (4 bytes each: op, position as u16, argument) to the honest files: the first
/// [`MAX_EDITS`], while the log is under twice its size (lines joined and duplicated would
/// otherwise double it again and again).
fn edit(honest: &[Vec<u8>], edits: &[u8]) -> Vec<Vec<u8>> {
    let mut files = honest.to_vec();
    let limit = 2 * honest.iter().map(Vec::len).sum::<usize>();
    for e in edits.chunks_exact(4).take(MAX_EDITS) {
        let pos = usize::from(u16::from_be_bytes([e[1], e[2]]));
        let arg = e[3];
        let total: usize = files.iter().map(Vec::len).sum();
        if total > limit {
            break;
        }
        match e[0] % 6 {
            op @ 0..=2 => {
                if total == 0 && op != 2 {
                    continue;
                }
                let (f, at) = byte_at(&files, pos % (total + usize::from(op == 2)));
                match op {
                    0 => files[f][at] ^= arg.max(1),
                    1 => {
                        files[f].remove(at);
                    }
                    _ => files[f].insert(at, arg),
                }
            }
            op => {
                let mut all: Vec<Vec<Vec<u8>>> = files
                    .iter()
                    .map(|f| {
                        f.split_inclusive(|&b| b == b'\n')
                            .map(<[u8]>::to_vec)
                            .collect()
                    })
                    .collect();
                let count: usize = all.iter().map(Vec::len).sum();
                if count == 0 {
                    continue;
                }
                let (f, n) = line_at(&all, pos % count);
                match op {
                    3 => {
                        all[f].remove(n);
                    }
                    4 => {
                        let again = all[f][n].clone();
                        all[f].insert(n + 1, again);
                    }
                    _ if all[f].len() > 1 => {
                        let other = if n + 1 < all[f].len() { n + 1 } else { n - 1 };
                        all[f].swap(n, other);
                    }
                    _ => {}
                }
                files = all.into_iter().map(|f| f.concat()).collect();
            }
        }
    }
    files
}

/// The file and offset of byte `pos` of the files put end to end (`pos` may be the very end).
fn byte_at(files: &[Vec<u8>], mut pos: usize) -> (usize, usize) {
    for (f, file) in files.iter().enumerate() {
        if pos < file.len() {
            return (f, pos);
        }
        pos -= file.len();
    }
    let f = files.len() - 1;
    (f, files[f].len())
}

fn line_at(files: &[Vec<Vec<u8>>], mut n: usize) -> (usize, usize) {
    for (f, lines) in files.iter().enumerate() {
        if n < lines.len() {
            return (f, n);
        }
        n -= lines.len();
    }
    unreachable!("n is below the number of lines")
}

/// An edited honest log: the problem is at the first line that is not the honest line at its
/// place (in its file), and there only. With the honest log's last checkpoint as the anchor, a log
/// that ends before it was cut.
fn against_honest(dir: &Scratch, honest: &[Vec<u8>], files: &[Vec<u8>], report: &Report) {
    let fixed = &*FIXED;
    let expected: Vec<(usize, &[u8])> = honest
        .iter()
        .enumerate()
        .flat_map(|(f, file)| lines(file).0.into_iter().map(move |l| (f, l)))
        .collect();
    let mut good = 0;
    let mut problem = None;
    'files: for (f, file) in files.iter().enumerate() {
        let (lines, partial) = lines(file);
        for (n, line) in lines.iter().enumerate() {
            if expected.get(good) != Some(&(f, *line)) {
                problem = Some((f, n as u64 + 1));
                break 'files;
            }
            good += 1;
        }
        if (partial || lines.is_empty()) && f + 1 < files.len() {
            problem = Some((f, lines.len() as u64 + 1));
            break;
        }
    }
    let paths = dir.paths(files.len());
    let at = problem.map(|(f, l)| (paths[f].clone(), l));
    let found = |r: &Report| r.problem.as_ref().map(|p| (p.at.path.clone(), p.at.line));
    assert_eq!(
        found(report),
        at,
        "the first line edited is the problem: {:?}",
        report.problem
    );
    assert_eq!(
        report.lines, good as u64,
        "the honest lines before it verify"
    );
    let (edited, original) = (files.concat(), honest.concat());
    let changed: Vec<usize> = (0..edited.len().min(original.len()))
        .filter(|&i| edited[i] != original[i])
        .collect();
    let same_lengths =
        files.len() == honest.len() && files.iter().zip(honest).all(|(a, b)| a.len() == b.len());
    if same_lengths && changed.len() == 1 {
        // One byte changed: found, unless it is the final newline (the last line is then torn).
        assert!(
            changed[0] + 1 == original.len() || !report.is_intact(),
            "a changed byte was not found"
        );
    }
    let anchor_line = expected.last().expect("an honest log has lines").1;
    let anchor = Checkpoint::from_line(std::str::from_utf8(anchor_line).expect("UTF-8"))
        .expect("an honest log ends with a checkpoint");
    let anchored = audit::verify(&paths, &fixed.key, Some(&anchor)).expect("the files read");
    match (&report.problem, &anchored.problem) {
        (None, None) => assert_eq!(good, expected.len(), "a cut log verifies to its anchor"),
        (None, Some(p)) => {
            assert!(
                good < expected.len(),
                "the whole log misses its anchor: {p}"
            );
            assert_eq!(p.kind, ProblemKind::Truncated, "{p}");
        }
        (Some(a), Some(b)) => assert_eq!(
            (&a.at, a.kind),
            (&b.at, b.kind),
            "the anchor moves the problem"
        ),
        (Some(p), None) => panic!("the anchor hides {p}"),
    }
}

// ---- A log that verifies. ----

/// Verifying it again, with its last checkpoint as the anchor, and file by file, gives the same;
/// another log's anchor does not verify it.
fn verifies_again(paths: &[PathBuf], report: &Report, w: &Walk) {
    let fixed = &*FIXED;
    let again = audit::verify(paths, &fixed.key, None).expect("the files read");
    assert_eq!(
        format!("{again:?}"),
        format!("{report:?}"),
        "the same report twice"
    );
    let anchor = report.last_checkpoint.as_ref();
    if let Some(cp) = anchor {
        let anchored = audit::verify(paths, &fixed.key, Some(cp)).expect("the files read");
        assert!(anchored.is_intact(), "{:?}", anchored.problem);
        assert_eq!(anchored.lines, report.lines);
    }
    for k in 1..paths.len() {
        let lines = w.good.iter().filter(|g| g.file < k).count() as u64;
        let part = audit::verify(&paths[..k], &fixed.key, None).expect("the files read");
        assert!(
            part.is_intact() && part.torn_tail.is_none(),
            "{:?}",
            part.problem
        );
        assert_eq!(part.lines, lines, "the first {k} files");
        if let Some(cp) = anchor {
            let cut = audit::verify(&paths[..k], &fixed.key, Some(cp)).expect("the files read");
            if cp.seq <= lines {
                assert!(cut.is_intact(), "{:?}", cut.problem);
            } else {
                let p = cut.problem.expect("the first files miss the anchor");
                assert_eq!(p.kind, ProblemKind::Truncated, "{p}");
            }
        }
    }
    // The vector log's last checkpoint: this log verifies against it only if it holds it.
    let (other, line) = &fixed.vector_anchor;
    let holds = w
        .good
        .get(usize::try_from(other.seq - 1).unwrap_or(usize::MAX))
        .is_some_and(|g| g.bytes == *line);
    let r = audit::verify(paths, &fixed.key, Some(other)).expect("the files read");
    assert_eq!(
        r.is_intact(),
        holds,
        "another log's anchor: {:?}",
        r.problem
    );
    if let Some(p) = &r.problem {
        let reached = w.good.len() as u64 >= other.seq;
        let same_log = w.good.first().is_none_or(|g| {
            serde_json::from_slice::<serde_json::Value>(&g.bytes)
                .ok()
                .and_then(|v| v.get("log")?.as_str().map(str::to_owned))
                == Some(hex::encode(other.log))
        });
        let kind = match (reached, same_log) {
            (true, _) => ProblemKind::AnchorMismatch,
            (false, true) => ProblemKind::Truncated,
            (false, false) => ProblemKind::BadCheckpoint,
        };
        assert_eq!(p.kind, kind, "{p}");
    }
}

/// An event line, read for the query checks.
struct Event {
    line: String,
    seq: u64,
    version: u32,
    v: serde_json::Value,
}

/// `query` answers exactly what a filter written from the `Query` docs finds among the events
/// that verified.
fn answers(paths: &[PathBuf], report: &Report, w: &Walk) {
    let fixed = &*FIXED;
    let events: Vec<Event> = w
        .good
        .iter()
        .enumerate()
        .filter(|(_, g)| g.kind == Kind::Event)
        .map(|(i, g)| Event {
            line: String::from_utf8(g.bytes.clone()).expect("JSON is UTF-8"),
            seq: i as u64 + 1,
            version: g.version,
            v: serde_json::from_slice(&g.bytes).expect("a line that verified"),
        })
        .collect();
    let run = |q: &Query, what: &str| {
        let got = audit::query(paths, Some(&fixed.key), q).expect("the files read");
        let want: Vec<&str> = events
            .iter()
            .filter(|e| matches(e, q))
            .map(|e| e.line.as_str())
            .collect();
        assert_eq!(got, want, "query {what}: {q:?}");
        got.len()
    };
    let mut q = Query::default();
    assert_eq!(run(&q, "everything"), events.len());
    q.through_seq = Some(report.last_seq);
    assert_eq!(run(&q, "through the last seq"), events.len());
    let picks = [0, events.len() / 2, events.len().saturating_sub(1)];
    let mut subjects: Vec<Vec<u8>> = IDS.iter().map(|id| id.to_vec()).collect();
    for (n, e) in events.iter().enumerate().filter(|(n, _)| picks.contains(n)) {
        let s = |k: &str| {
            e.v.get(k)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        q = Query::default();
        q.through_seq = Some(e.seq);
        run(&q, "through a seq");
        q.operation = s("op");
        run(&q, "an operation");
        q.actor = s("on_behalf_of").or_else(|| s("actor"));
        q.purpose =
            e.v.get("purposes")
                .and_then(|p| p.get(0)?.as_str().map(str::to_owned));
        if let Some(time) = s("time").and_then(|t| humantime::parse_rfc3339(&t).ok()) {
            q.since = Some(time);
            q.until = Some(time + Duration::from_micros(1));
        }
        if let Some(id) = s("id").or_else(|| s("subject")) {
            let bytes = audit::parse_id_text(&id)
                .unwrap_or_else(|| panic!("an id the writer wrote does not read: {id}"));
            subjects.push(bytes.clone());
            q.subject = Some(bytes);
        }
        let found = run(&q, "by an event's own members");
        assert!(
            found > 0,
            "event {n} is not found by its own members: {}",
            e.line
        );
    }
    for subject in subjects {
        q = Query::default();
        q.subject = Some(subject);
        run(&q, "a subject");
    }
}

/// Whether `e` matches `q`, from the `Query` docs: an id or subject, plain or as a pseudonym of
/// its file's key version; a purpose used; the actor or on_behalf_of; the operation; since, until
/// (exclusive); at or before through_seq.
fn matches(e: &Event, q: &Query) -> bool {
    let fixed = &*FIXED;
    let s = |k: &str| e.v.get(k).and_then(serde_json::Value::as_str);
    let subject = q.subject.as_deref().is_none_or(|id| {
        let nk = &fixed.versions[e.version as usize - 1].nk;
        let pseudonym = hex::encode(&hmac(nk, &[id])[..16]);
        let plain =
            |t: Option<&str>| t.is_some_and(|t| audit::parse_id_text(t).as_deref() == Some(id));
        plain(s("id"))
            || plain(s("subject"))
            || s("id_pseudonym") == Some(&pseudonym)
            || s("subject_pseudonym") == Some(&pseudonym)
    });
    let purpose = q.purpose.as_deref().is_none_or(|p| {
        e.v.get("purposes")
            .and_then(serde_json::Value::as_array)
            .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(p)))
    });
    let actor = q
        .actor
        .as_deref()
        .is_none_or(|a| s("actor") == Some(a) || s("on_behalf_of") == Some(a));
    let op = q.operation.as_deref().is_none_or(|o| s("op") == Some(o));
    let time = s("time").and_then(|t| humantime::parse_rfc3339(t).ok());
    let span = (q.since.is_none() && q.until.is_none())
        || time.is_some_and(|t: SystemTime| {
            q.since.is_none_or(|since| t >= since) && q.until.is_none_or(|until| t < until)
        });
    let seq = q.through_seq.is_none_or(|last| e.seq <= last);
    subject && purpose && actor && op && span && seq
}

// ---- Lines read one at a time. ----

/// `log_service` names the service of a file's first line (or says why not); what
/// `Checkpoint::from_line` reads, it writes back and reads again the same.
fn lines_read_alone(paths: &[PathBuf], files: &[Vec<u8>], w: &Walk, input: &[u8]) {
    for (path, file) in paths.iter().zip(files) {
        let first = file.split(|&b| b == b'\n').next().unwrap_or_default();
        let named = serde_json::from_slice::<serde_json::Value>(first)
            .ok()
            .filter(|v| v.get("type").and_then(|t| t.as_str()) == Some("header"))
            .and_then(|v| v.get("service")?.as_str().map(str::to_owned));
        match audit::log_service(path) {
            Ok(service) => assert_eq!(Some(service), named, "log_service"),
            Err(e) => no_secret(&format!("{e} {e:?}"), input),
        }
    }
    if !w.good.is_empty() {
        let service = audit::log_service(&paths[0]).expect("a header that verified");
        assert_eq!(service, SERVICE);
    }
    for line in files.iter().flat_map(|f| f.split(|&b| b == b'\n')).take(64) {
        let Some(cp) = std::str::from_utf8(line)
            .ok()
            .and_then(Checkpoint::from_line)
        else {
            continue;
        };
        let written = cp.to_line();
        assert_eq!(
            Checkpoint::from_line(&written).as_ref(),
            Some(&cp),
            "a checkpoint reads back from its line: {written}"
        );
    }
}

// ---- The writer on what it finds. ----

/// A writer opens the directory and closes it: a log that verified verifies after, every line that
/// verified kept; a log that did not keeps its first problem, unless the writer cut where it was.
fn reopen(dir: &Scratch, files: &[Vec<u8>], before: &Report, input: &[u8]) {
    let fixed = &*FIXED;
    let sink = match FileSink::open(&dir.0, &fixed.key, FileSinkOptions::default()) {
        Ok(sink) => sink,
        Err(e) => {
            no_secret(&format!("{e} {e:?}"), input);
            return;
        }
    };
    if let Err(e) = sink.close() {
        no_secret(&format!("{e} {e:?}"), input);
        return;
    }
    let paths = audit::log_files(&dir.0).expect("the directory reads");
    let after = audit::verify(&paths, &fixed.key, None).expect("the files read");
    no_secret(&format!("{after:?}"), input);
    let now: Vec<Vec<u8>> = paths
        .iter()
        .map(|p| fs::read(p).expect("a log file reads"))
        .collect();
    if before.is_intact() {
        assert!(
            after.is_intact() && after.torn_tail.is_none(),
            "a writer broke a log that verified: {:?}",
            after.problem
        );
        assert!(
            after.last_seq >= before.last_seq + 2,
            "a header and a checkpoint"
        );
        let kept: Vec<u8> = files.concat();
        let kept = &kept[..kept.len() - partial_len(files)];
        assert!(
            now.concat().starts_with(kept),
            "the lines that verified are kept byte for byte"
        );
        return;
    }
    // The writer changes the end of the log only: a torn last line cut, an empty last file
    // removed. A problem in the files it left as they were stays where it was.
    let problem = before.problem.as_ref().expect("not intact");
    let index = dir
        .paths(files.len())
        .iter()
        .position(|p| *p == problem.at.path)
        .expect("a problem in one of the files");
    if files[..=index].iter().zip(&now).all(|(a, b)| a == b) && now.len() > index {
        let p = after.problem.as_ref().expect("the writer hid a problem");
        assert_eq!(
            (&p.at.path, p.at.line, p.kind),
            (&problem.at.path, problem.at.line, problem.kind),
            "the problem moved"
        );
    }
}

/// The bytes after the last complete line of the log that no MAC covers: a torn last line, a last
/// file without a complete line.
fn partial_len(files: &[Vec<u8>]) -> usize {
    let last = files.last().map_or(&[][..], Vec::as_slice);
    last.len() - last.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
}

// ---- Secrets. ----

/// `text` holds no key, in any form, that `input` did not.
fn no_secret(text: &str, input: &[u8]) {
    let input = String::from_utf8_lossy(input);
    for s in &FIXED.secrets {
        assert!(
            !text.contains(s.as_str()) || input.contains(s.as_str()),
            "a message shows a key: {text}"
        );
    }
}

// ---- A directory of its own per thread. ----

/// A directory of log files, emptied on creation and removed on drop: in /dev/shm where there is
/// one (the writer syncs), under the process id and a counter (tests run checks on many threads).
struct Scratch(PathBuf);

impl Scratch {
    fn new(what: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_owned()
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!(
            "fieldseal-fuzz-audit-{what}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        Self(dir)
    }

    fn paths(&self, n: usize) -> Vec<PathBuf> {
        (1..=n)
            .map(|i| self.0.join(format!("audit-{i:08}.jsonl")))
            .collect()
    }

    fn write(&self, files: &[Vec<u8>]) -> Vec<PathBuf> {
        let paths = self.paths(files.len());
        for (path, bytes) in paths.iter().zip(files) {
            fs::write(path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        }
        paths
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

// ---- Seeds. ----

/// The seeds: the vector log and its tampered copies (tests/vectors/audit), a log written afresh
/// ([`genuine_log`]), torn and cut, each as files (and the genuine ones for the writer too), and
/// the honest logs unedited and with one edit of each kind.
pub(crate) fn seeds(repo: &Path) -> Vec<(String, Vec<u8>)> {
    let join = |mode: u8, files: &[Vec<u8>]| {
        let mut out = vec![mode];
        out.extend(files.join(&FILE_BREAK));
        out
    };
    let mut seeds = Vec::new();
    let mut logs = vec![("vector-log".to_owned(), FIXED.honest[0].clone())];
    let tampered = repo.join("tests/vectors/audit/tampered");
    let mut copies: Vec<PathBuf> = fs::read_dir(&tampered)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    copies.sort();
    for copy in copies {
        let files: Vec<Vec<u8>> = audit::log_files(&copy)
            .unwrap_or_default()
            .iter()
            .filter_map(|p| fs::read(p).ok())
            .collect();
        let name = copy.file_name().map(|n| n.to_string_lossy().into_owned());
        if let Some(name) = name {
            seeds.push((format!("vector-tampered-{name}"), join(FILES, &files)));
        }
    }
    let fresh = genuine_log();
    let mut torn = fresh.clone();
    let last = torn.last_mut().expect("files");
    last.truncate(last.len() - 20);
    let mut cut = fresh.clone();
    cut.pop();
    logs.push(("fresh".to_owned(), fresh));
    logs.push(("fresh-torn".to_owned(), torn));
    logs.push(("fresh-cut".to_owned(), cut));
    for (name, files) in &logs {
        seeds.push((format!("genuine-{name}"), join(FILES, files)));
        seeds.push((format!("genuine-{name}-writer"), join(WRITER, files)));
    }
    for which in [0u8, 1] {
        seeds.push((format!("genuine-honest-{which}"), vec![EDITS, which]));
        for (op, name) in [
            "flip",
            "delete-byte",
            "insert-byte",
            "delete-line",
            "duplicate-line",
            "swap-lines",
        ]
        .into_iter()
        .enumerate()
        {
            seeds.push((
                format!("edit-{which}-{name}"),
                vec![EDITS, which, op as u8, 0x01, 0x2c, b'7'],
            ));
        }
    }
    seeds
}
