//! Saving a key file so that a crash at any instant leaves either the old file or the new one,
//! never a mix and never nothing.
//!
//! Write a temporary file in the same directory, fsync it, rename it over the target (atomic on
//! POSIX file systems), fsync the directory so the rename itself survives a power cut.

use std::fs::{self, File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use crate::error::{KeyFileError, Result};
use crate::keyfile::container::MAX_FILE_LEN;

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

/// The file at `path`, `None` if there is none; at most [`MAX_FILE_LEN`] bytes.
pub(crate) fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>> {
    match read_capped(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(read_error(path, e)),
    }
}

/// The last 32 bytes of a key file (its checksum, FORMAT.md §14.1), zero-padded if shorter.
pub(crate) fn checksum(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0; 32];
    let tail = &bytes[bytes.len().saturating_sub(32)..];
    out[..tail.len()].copy_from_slice(tail);
    out
}

/// Reads a whole key file, refusing one larger than any key file can be ([`MAX_FILE_LEN`]):
/// a path naming a device, a pipe or a large file of something else is never read without end.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>> {
    read_capped(path).map_err(|e| read_error(path, e))
}

/// A read error; [`KeyFileError::TooLarge`] past [`MAX_FILE_LEN`].
fn read_error(path: &Path, e: std::io::Error) -> crate::Error {
    if e.kind() == std::io::ErrorKind::FileTooLarge {
        KeyFileError::TooLarge {
            path: path.to_path_buf(),
            max: MAX_FILE_LEN,
        }
        .into()
    } else {
        io_error("read", path, e)
    }
}

/// At most [`MAX_FILE_LEN`] bytes of `path`; `FileTooLarge` if there are more. A regular file
/// is judged by its length before reading anything.
fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    let too_large = || std::io::Error::from(std::io::ErrorKind::FileTooLarge);
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        // Never wait in `open` for the writer of a FIFO (a regular file or a device ignores
        // O_NONBLOCK); what was opened is then checked for what it is.
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        let kind = meta.file_type();
        if kind.is_fifo() || kind.is_socket() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "it is a pipe or a socket, not a key file: give the path of the file itself",
            ));
        }
    }
    if meta.is_file() && meta.len() > MAX_FILE_LEN {
        return Err(too_large());
    }
    let hint = if meta.is_file() { meta.len() } else { 0 };
    let mut bytes = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
    file.take(MAX_FILE_LEN + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_LEN {
        return Err(too_large());
    }
    Ok(bytes)
}

fn io_error(action: &'static str, path: &Path, source: std::io::Error) -> crate::Error {
    KeyFileError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
    .into()
}
