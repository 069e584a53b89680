//! Saving a key file so that a crash at any instant leaves either the old file or the new one,
//! never a mix and never nothing.
//!
//! Write a temporary file in the same directory, fsync it, rename it over the target (atomic on
//! POSIX file systems), fsync the directory so the rename itself survives a power cut.

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{KeyFileError, Result};

/// Replaces `path` with `bytes` atomically and durably. A symbolic link is followed: the file it
/// points to is replaced, and the link kept.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let resolved;
    let path = match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            resolved = fs::canonicalize(path).map_err(|e| io_error("follow the link", path, e))?;
            resolved.as_path()
        }
        _ => path,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().ok_or_else(|| {
        io_error(
            "write",
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path names no file"),
        )
    })?;
    let mut suffix = [0u8; 8];
    crate::rng::os_random(&mut suffix)?;
    let mut tmp_name = name.to_os_string();
    tmp_name.push(format!(".tmp-{:016x}", u64::from_be_bytes(suffix)));
    let tmp = dir.join(tmp_name);
    let result = write_synced(&tmp, bytes)
        .and_then(|()| fs::rename(&tmp, path).map_err(|e| io_error("rename into place", path, e)))
        .and_then(|()| sync_dir(&dir));
    if result.is_err() {
        let _ = fs::remove_file(&tmp); // best effort: the target is untouched either way
    }
    result
}

fn write_synced(tmp: &Path, bytes: &[u8]) -> Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600); // key files are for their owner only
    }
    let mut file = options
        .open(tmp)
        .map_err(|e| io_error("create a temporary file", tmp, e))?;
    file.write_all(bytes)
        .map_err(|e| io_error("write", tmp, e))?;
    file.sync_all().map_err(|e| io_error("fsync", tmp, e))
}

fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io_error("fsync the directory", dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// The checksum (last 32 bytes) of the file at `path`, `None` if there is no file.
pub(crate) fn checksum_of_file(path: &Path) -> Result<Option<[u8; 32]>> {
    Ok(read_if_exists(path)?.map(|bytes| checksum(&bytes)))
}

/// The file at `path`, `None` if there is none.
pub(crate) fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error("read", path, e)),
    }
}

/// The last 32 bytes of a key file (its checksum, FORMAT.md §14.1), zero-padded if shorter.
pub(crate) fn checksum(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0; 32];
    let tail = &bytes[bytes.len().saturating_sub(32)..];
    out[..tail.len()].copy_from_slice(tail);
    out
}

/// Reads a whole key file.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(|e| io_error("read", path, e))
}

fn io_error(action: &'static str, path: &Path, source: std::io::Error) -> crate::Error {
    KeyFileError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
    .into()
}
