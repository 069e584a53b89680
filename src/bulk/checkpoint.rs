//! The checkpoint of a resumable re-seal, `<out>.partial.progress`: how far the run got, with
//! the hashes that let a rerun check both its input and the partial output against it.
//!
//! ```text
//! fieldseal reseal checkpoint 2
//! input-lines 120
//! input-sha256 <64 hex digits: SHA-256 of those input lines, line endings included>
//! output-bytes 79395
//! output-sha256 <64 hex digits: SHA-256 of the first output-bytes of <out>.partial>
//! work-sha256 <64 hex digits: SHA-256 of what the run re-seals with: the keys' active
//!             versions and the record layout>
//! ```

use sha2::{Digest as _, Sha256};

/// The first line of a checkpoint.
const HEADER: &str = "fieldseal reseal checkpoint 2";

/// The longest checkpoint read: a larger file is not one.
pub(crate) const MAX_LEN: u64 = 1024;

/// Where a resumable run stood after its last complete batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Checkpoint {
    /// Input lines done.
    pub(crate) input_lines: u64,
    /// SHA-256 of those lines.
    pub(crate) input_sha256: [u8; 32],
    /// Bytes of output they make up.
    pub(crate) output_bytes: u64,
    /// SHA-256 of those bytes.
    pub(crate) output_sha256: [u8; 32],
    /// SHA-256 of what the run re-seals with (its keys' active versions, its layout, its indexes'
    /// current versions): a run resumed with other keys (after a rotation of the keyring or of an
    /// index) or another layout would mix its output.
    pub(crate) work_sha256: [u8; 32],
}

impl Checkpoint {
    /// The checkpoint of a run re-sealing with `work` that has done nothing yet.
    pub(crate) fn start(work_sha256: [u8; 32]) -> Self {
        let nothing: [u8; 32] = Sha256::digest(b"").into();
        Self {
            input_lines: 0,
            input_sha256: nothing,
            output_bytes: 0,
            output_sha256: nothing,
            work_sha256,
        }
    }

    /// The file's text.
    pub(crate) fn to_text(&self) -> String {
        format!(
            "{HEADER}\ninput-lines {}\ninput-sha256 {}\noutput-bytes {}\noutput-sha256 {}\n\
             work-sha256 {}\n",
            self.input_lines,
            hex(&self.input_sha256),
            self.output_bytes,
            hex(&self.output_sha256),
            hex(&self.work_sha256)
        )
    }

    /// Reads a checkpoint's text: `None` if it is not one, exactly as [`Self::to_text`] writes it.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let mut lines = text.strip_suffix('\n')?.split('\n');
        if lines.next()? != HEADER {
            return None;
        }
        let mut field = |name: &str| lines.next()?.strip_prefix(name)?.strip_prefix(' ');
        let checkpoint = Self {
            input_lines: number(field("input-lines")?)?,
            input_sha256: unhex(field("input-sha256")?)?,
            output_bytes: number(field("output-bytes")?)?,
            output_sha256: unhex(field("output-sha256")?)?,
            work_sha256: unhex(field("work-sha256")?)?,
        };
        // Exactly as written: no other spelling of a number, nothing after the last line.
        (checkpoint.to_text() == text).then_some(checkpoint)
    }
}

fn number(text: &str) -> Option<u64> {
    text.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| text.parse().ok())?
}

fn hex(bytes: &[u8; 32]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(64), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

fn unhex(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        let pair = text.get(2 * i..2 * i + 2)?;
        if !pair
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        {
            return None;
        }
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_reads_back_as_written_and_nothing_else_reads() {
        let checkpoint = Checkpoint {
            input_lines: 120,
            input_sha256: [0xab; 32],
            output_bytes: 79_395,
            output_sha256: [7; 32],
            work_sha256: [9; 32],
        };
        let text = checkpoint.to_text();
        assert!(text.starts_with("fieldseal reseal checkpoint 2\ninput-lines 120\n"));
        assert_eq!(Checkpoint::parse(&text), Some(checkpoint.clone()));
        assert_eq!(
            Checkpoint::parse(&Checkpoint::start([1; 32]).to_text()),
            Some(Checkpoint::start([1; 32]))
        );
        for bad in [
            String::new(),
            text.replace("checkpoint 2", "checkpoint 1"),
            text.replace("120", "+120"),
            text.replace("120", "12O"),
            text.replace("abab", "ABAB"),
            text.replace("79395", "99999999999999999999999"),
            text.trim_end().to_owned(),
            format!("{text}extra\n"),
            text.replace('\n', "\r\n"),
            "lines 0\nsha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
                .to_owned(),
        ] {
            assert_eq!(Checkpoint::parse(&bad), None, "{bad:?}");
        }
    }
}
