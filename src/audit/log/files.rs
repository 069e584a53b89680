//! A log's files (FORMAT.md §18.4): `audit-NNNNNNNN.jsonl` in one directory, numbered from 1, each
//! starting with a header that carries the chain over from the file before.

use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::audit::json;
use crate::error::AuditError;

/// The log files in `dir`, in order (`audit-00000001.jsonl`, ...). An empty list for a directory
/// that holds none.
///
/// # Errors
/// [`AuditError::Io`] if the directory cannot be read.
pub fn log_files(dir: impl AsRef<Path>) -> Result<Vec<PathBuf>, AuditError> {
    let dir = dir.as_ref();
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io("read the directory", dir, e)),
    };
    let mut files: Vec<(u64, PathBuf)> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| io("read the directory", dir, e))?;
        let name = entry.file_name();
        if let Some(n) = name.to_str().and_then(file_number) {
            files.push((n, entry.path()));
        }
    }
    files.sort();
    Ok(files.into_iter().map(|(_, p)| p).collect())
}

/// The service a log file's header names (FORMAT.md §18.4): whose audit key verifies it.
///
/// # Errors
/// [`AuditError::Io`]; [`AuditError::BadLog`] if its first line is not a header.
pub fn log_service(path: impl AsRef<Path>) -> Result<String, AuditError> {
    let path = path.as_ref();
    let text = fs::read(path).map_err(|e| io("read", path, e))?;
    let first = text.split(|&b| b == b'\n').next().unwrap_or_default();
    serde_json::from_slice::<serde_json::Value>(first)
        .ok()
        .as_ref()
        .and_then(Header::from_value)
        .map(|h| h.service)
        .ok_or_else(|| bad(path, "its first line is not a log header (FORMAT.md §18.4)"))
}

/// The lock file of a log directory: `.lock` in it. Not a log file (its name is not one).
pub(crate) const LOCK_FILE: &str = ".lock";

/// Takes the exclusive lock of the log directory `dir` (`flock` on its [`LOCK_FILE`], through
/// `fs4`): held by the returned file until it is dropped; a process that dies releases it.
///
/// # Errors
/// [`AuditError::InUse`] if another writer holds it; [`AuditError::Io`] if the lock file cannot
/// be opened (or is a link, or not a regular file).
pub(crate) fn lock(dir: &Path) -> Result<fs::File, AuditError> {
    let path = dir.join(LOCK_FILE);
    let file = crate::keyfile::lock::open_lock_file(&path)
        .map_err(|e| io("open the lock file", &path, e))?;
    match fs4::FileExt::try_lock(&file) {
        Ok(()) => Ok(file),
        Err(fs4::TryLockError::WouldBlock) => Err(AuditError::InUse {
            dir: Box::new(dir.to_path_buf()),
            lock: Box::new(path),
        }),
        Err(fs4::TryLockError::Error(e)) => Err(io("lock", &path, e)),
    }
}

/// The last file number a log file's name can carry: its 8 digits (FORMAT.md §18.4). A file
/// numbered above it would be named but never listed, so never verified or queried.
pub(crate) const LAST_FILE: u64 = 99_999_999;

/// The number in a log file's name.
pub(crate) fn file_number(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("audit-")?.strip_suffix(".jsonl")?;
    (digits.len() == 8 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// The path of log file `n` in `dir`.
pub(crate) fn file_path(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("audit-{n:08}.jsonl"))
}

/// What a header says (FORMAT.md §18.4).
#[derive(Clone, Debug)]
pub(crate) struct Header {
    pub(crate) log: [u8; 16],
    pub(crate) service: String,
    pub(crate) file: u64,
    pub(crate) key_version: u32,
    pub(crate) prev: [u8; 32],
}

impl Header {
    /// The members after `seq`, without the MAC.
    pub(crate) fn write_members(&self, time: &str, out: &mut Vec<u8>) {
        out.extend_from_slice(br#""type":"header","format":1,"log":""#);
        json::hex(&self.log, out);
        out.extend_from_slice(br#"","service":"#);
        json::string(&self.service, out);
        out.extend_from_slice(br#","file":"#);
        json::number(self.file, out);
        out.extend_from_slice(br#","key_version":"#);
        json::number(u64::from(self.key_version), out);
        out.extend_from_slice(br#","prev":""#);
        json::hex(&self.prev, out);
        out.extend_from_slice(br#"","time":"#);
        json::string(time, out);
    }

    /// Reads a header from a parsed line; `None` if it is not one.
    pub(crate) fn from_value(v: &serde_json::Value) -> Option<Self> {
        if v.get("type")?.as_str()? != "header" || v.get("format")?.as_u64()? != 1 {
            return None;
        }
        let hex = |k: &str| json::unhex(v.get(k)?.as_str()?);
        Some(Self {
            log: hex("log")?.try_into().ok()?,
            service: v.get("service")?.as_str()?.to_owned(),
            file: v.get("file")?.as_u64()?,
            key_version: u32::try_from(v.get("key_version")?.as_u64()?).ok()?,
            prev: hex("prev")?.try_into().ok()?,
        })
    }
}

/// Where an existing log ends, for a writer carrying on after it.
pub(crate) struct Tail {
    pub(crate) log: [u8; 16],
    pub(crate) service: String,
    pub(crate) file: u64,
    /// The audit key version its last file's header names.
    pub(crate) key_version: u32,
    pub(crate) seq: u64,
    pub(crate) mac: [u8; 32],
    /// The MAC the last line chains from (the line before, or the header's `prev`), and the
    /// bytes its MAC covers: a writer checks them with its key before it chains on.
    pub(crate) prev: [u8; 32],
    pub(crate) last_prefix: Vec<u8>,
}

/// A change a writer makes to the end of a log before it carries on: a last file cut back to
/// its last complete line (its new length), or removed (0: no complete line).
pub(crate) type Cut = (PathBuf, u64);

/// Makes the changes [`tail`] found due, once the writer has accepted the log: a log refused
/// (another service's, another key's) is left as it was.
pub(crate) fn apply(cuts: &[Cut]) -> Result<(), AuditError> {
    for (path, len) in cuts {
        if *len == 0 {
            fs::remove_file(path).map_err(|e| io("remove the empty", path, e))?;
        } else {
            let file = open_to_carry_on(path).map_err(|e| io("open", path, e))?;
            file.set_len(*len)
                .and_then(|()| file.sync_all())
                .map_err(|e| io("cut the torn last line of", path, e))?;
        }
    }
    Ok(())
}

/// The end of the log in `dir` (`None` for a new log), and what to cut first ([`apply`]): a last
/// file ending in a torn line (a process killed mid-append) is cut back to its last complete line,
/// which no MAC covered; a last file left with no complete line is removed.
pub(crate) fn tail(dir: &Path) -> Result<(Option<Tail>, Vec<Cut>), AuditError> {
    let mut files = log_files(dir)?;
    let mut cuts = Vec::new();
    while let Some(path) = files.pop() {
        let mut file = open_to_carry_on(&path).map_err(|e| io("open", &path, e))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| io("read", &path, e))?;
        let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        if complete == 0 {
            cuts.push((path, 0));
            continue;
        }
        if complete < bytes.len() {
            cuts.push((path.clone(), complete as u64));
        }
        let lines: Vec<&[u8]> = bytes[..complete - 1].split(|&b| b == b'\n').collect();
        let first: serde_json::Value = serde_json::from_slice(lines[0])
            .map_err(|_| bad(&path, "its first line is not JSON"))?;
        let header = Header::from_value(&first).ok_or_else(|| {
            bad(
                &path,
                "its first line is not a log header (FORMAT.md §18.4)",
            )
        })?;
        let last = lines[lines.len() - 1];
        let (prefix, mac, seq) = crate::audit::log::line::split(last)
            .ok_or_else(|| bad(&path, "its last line has no seq and mac (FORMAT.md §18.3)"))?;
        let prev = match lines.len() {
            1 => header.prev,
            n => {
                crate::audit::log::line::split(lines[n - 2])
                    .ok_or_else(|| {
                        bad(
                            &path,
                            "its line before the last has no seq and mac (FORMAT.md §18.3)",
                        )
                    })?
                    .1
            }
        };
        return Ok((
            Some(Tail {
                log: header.log,
                service: header.service,
                file: header.file,
                key_version: header.key_version,
                seq,
                mac,
                prev,
                last_prefix: prefix.to_vec(),
            }),
            cuts,
        ));
    }
    Ok((None, cuts))
}

/// Opens the last log file to read and cut it, never through a symbolic link and never anything
/// but a regular file: a link planted at a log file's name would otherwise have the writer cut
/// (or remove) whatever file it points to.
fn open_to_carry_on(path: &Path) -> std::io::Result<fs::File> {
    let not_a_file = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is a symbolic link or not a regular file: a log file is never followed or \
             written through one; see who put it there, and remove it",
        )
    };
    if !fs::symlink_metadata(path)?.file_type().is_file() {
        return Err(not_a_file());
    }
    let mut options = fs::OpenOptions::new();
    options.read(true).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        // A link put there after the check is refused (ELOOP); a FIFO does not block.
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(not_a_file());
    }
    Ok(file)
}

pub(crate) fn io(action: &'static str, path: &Path, source: std::io::Error) -> AuditError {
    AuditError::Io {
        action,
        path: Box::new(path.to_owned()),
        source,
    }
}

pub(crate) fn bad(path: &Path, reason: &str) -> AuditError {
    AuditError::BadLog {
        path: Box::new(path.to_owned()),
        reason: format!(
            "{reason}; it is not a fieldseal audit log this version can read, or it was damaged: \
             run `fieldseal audit verify` on the directory"
        ),
    }
}
