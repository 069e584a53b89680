//! [`Passphrase::from_file`]: a passphrase read from a file as the `fieldseal` tool reads
//! `--passphrase-file` (a mounted secret, a file written by a deployment tool).

use std::fs::File;
use std::io::Read as _;
use std::path::Path;

use zeroize::Zeroizing;

use super::Passphrase;
use crate::error::{KeyFileError, Result};

impl Passphrase {
    /// The most read of a passphrase file: its first line must end within it. A path naming a
    /// device or a large file of something else is never read without end.
    pub const MAX_FILE_LEN: usize = 4096;

    /// A passphrase protector from the first line of the file at `path`, read as the `fieldseal`
    /// tool reads `--passphrase-file`: the line ends at the first `\n` (a `\r` before it is
    /// dropped, as are any later lines), or at the end of a file with no newline; nothing else
    /// is trimmed, so spaces belong to the passphrase. Every buffer is wiped when dropped.
    ///
    /// # Errors
    /// [`KeyFileError::Io`] if the file cannot be read; [`KeyFileError::BadProtector`] if no line
    /// ends within [`MAX_FILE_LEN`](Self::MAX_FILE_LEN) bytes, the line is not UTF-8, or it is
    /// empty. Never quotes the file's content.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let io = |source| KeyFileError::Io {
            action: "read the passphrase file",
            path: path.to_path_buf(),
            source,
        };
        // Allocated once, so that no copy is left unwiped by a reallocation.
        let mut bytes = Zeroizing::new(Vec::with_capacity(Self::MAX_FILE_LEN + 1));
        File::open(path)
            .map_err(io)?
            .take(Self::MAX_FILE_LEN as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        let bad = |what: &str| {
            KeyFileError::BadProtector(format!(
                "passphrase file {}: {what}; a passphrase file holds the passphrase on its first \
                 line",
                path.display()
            ))
        };
        let end = match bytes.iter().position(|&b| b == b'\n') {
            Some(end) => end,
            None if bytes.len() <= Self::MAX_FILE_LEN => bytes.len(),
            None => {
                let max = Self::MAX_FILE_LEN;
                return Err(bad(&format!("no line ends within its first {max} bytes")).into());
            }
        };
        let line = &bytes[..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return Err(bad("the first line is empty").into());
        }
        let Ok(text) = std::str::from_utf8(line) else {
            return Err(bad("the first line is not UTF-8 text").into());
        };
        let mut phrase = Zeroizing::new(String::with_capacity(text.len()));
        phrase.push_str(text);
        Self::new(phrase)
    }
}
