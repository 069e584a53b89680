//! The plug-in protocol through which the `fieldseal` command line reaches AWS KMS without
//! depending on the AWS SDK (whose Rust floor is above fieldseal's): `fieldseal` runs the
//! `fieldseal-aws-kms` program of this crate for each wrap or unwrap, and talks to it over pipes.
//!
//! ```text
//! fieldseal-aws-kms wrap   --key-id KEY [--endpoint URL]
//! fieldseal-aws-kms unwrap --key-id KEY [--endpoint URL]
//! standard input:  binding (64 hex digits) "\n" payload (standard base64) "\n"
//! standard output: result (standard base64) "\n"
//! exit status:     0 done; 3 KMS refused the ciphertext (another key, or another binding);
//!                  2 bad arguments or input; 1 anything else, said on standard error (what
//!                  failed and what to check; the caller names the key)
//! ```
//!
//! For `wrap` the payload is the 32-byte file key and the result its ciphertext; for `unwrap`
//! the reverse. The binding is the [`KmsBinding`] the `fieldseal` process computed from the key
//! file. Region and credentials come from the environment, which the plug-in inherits. The file
//! key crosses a pipe between two processes of the same user, and is wiped in both.

use std::io::{Read, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use fieldseal::{Error, KeyFileError, KmsBinding};
use zeroize::Zeroizing;

use crate::AwsKms;

/// The most read from standard input: a binding and a KMS ciphertext (at most 6 KiB) in base64.
const MAX_INPUT: u64 = 16 * 1024;

/// What to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// `Encrypt` the payload.
    Wrap,
    /// `Decrypt` the payload.
    Unwrap,
}

/// A parsed command line.
#[derive(Debug, PartialEq, Eq)]
pub struct Request {
    /// Wrap or unwrap.
    pub operation: Operation,
    /// The KMS key.
    pub key_id: String,
    /// An endpoint instead of KMS's own.
    pub endpoint: Option<String>,
}

/// The exit statuses of the protocol.
pub mod exit {
    /// Done.
    pub const OK: u8 = 0;
    /// Anything else.
    pub const FAILURE: u8 = 1;
    /// Bad arguments or input.
    pub const USAGE: u8 = 2;
    /// KMS refused the ciphertext: another key, or another binding.
    pub const WRONG_KEY: u8 = 3;
}

/// Parses the arguments after the program's name.
///
/// # Errors
/// What is wrong with them.
pub fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Request, String> {
    let operation = match args.next().as_deref() {
        Some("wrap") => Operation::Wrap,
        Some("unwrap") => Operation::Unwrap,
        _ => return Err("usage: fieldseal-aws-kms wrap|unwrap --key-id KEY [--endpoint URL] (run by fieldseal; see the crate's documentation)".to_owned()),
    };
    let (mut key_id, mut endpoint) = (None, None);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--key-id" => key_id = Some(value),
            "--endpoint" => endpoint = Some(value),
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    Ok(Request {
        operation,
        key_id: key_id.ok_or("--key-id KEY is required")?,
        endpoint,
    })
}

/// Reads the binding and the payload.
///
/// # Errors
/// What is wrong with the input (never its bytes).
pub fn read_input(input: impl Read) -> Result<(KmsBinding, Zeroizing<Vec<u8>>), String> {
    let mut text = Zeroizing::new(Vec::with_capacity(4096));
    input
        .take(MAX_INPUT + 1)
        .read_to_end(&mut text)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    if text.len() as u64 > MAX_INPUT {
        return Err(format!("standard input is larger than {MAX_INPUT} bytes"));
    }
    let mut lines = text.split(|&b| b == b'\n');
    let binding = lines
        .next()
        .filter(|l| l.len() == 64 && l.iter().all(u8::is_ascii_hexdigit))
        .ok_or("the first line is not a binding of 64 hex digits")?;
    let mut bytes = [0u8; 32];
    for (byte, pair) in bytes.iter_mut().zip(binding.chunks_exact(2)) {
        let pair = std::str::from_utf8(pair).map_err(|_| "bad hex")?;
        *byte = u8::from_str_radix(pair, 16).map_err(|_| "bad hex")?;
    }
    let payload = lines.next().unwrap_or_default();
    let mut decoded = Zeroizing::new(Vec::with_capacity(payload.len()));
    STANDARD
        .decode_vec(payload, &mut decoded)
        .map_err(|_| "the second line is not standard base64".to_owned())?;
    if decoded.is_empty() {
        return Err("the payload is empty".to_owned());
    }
    Ok((KmsBinding::from_bytes(bytes), decoded))
}

/// Runs one request: reads `input`, calls KMS, writes the result to `output`. Returns the exit
/// status and, for a failure, the line for standard error.
pub fn serve(request: &Request, input: impl Read, mut output: impl Write) -> (u8, Option<String>) {
    let (binding, payload) = match read_input(input) {
        Ok(read) => read,
        Err(e) => return (exit::USAGE, Some(e)),
    };
    let result =
        AwsKms::from_env(&request.key_id, request.endpoint.as_deref()).and_then(
            |kms| match request.operation {
                Operation::Wrap => kms.encrypt_bound(&payload, &binding).map(Zeroizing::new),
                Operation::Unwrap => kms.decrypt_bound(&request.key_id, &payload, &binding),
            },
        );
    match result {
        Ok(bytes) => {
            // Encoded straight into a wiped buffer of its size: `format!` of `encode` left the
            // unwrapped key's text in a temporary string freed unwiped.
            let mut line = Zeroizing::new(String::with_capacity(bytes.len().div_ceil(3) * 4 + 1));
            STANDARD.encode_string(&*bytes, &mut line);
            line.push('\n');
            match output
                .write_all(line.as_bytes())
                .and_then(|()| output.flush())
            {
                Ok(()) => (exit::OK, None),
                Err(e) => (
                    exit::FAILURE,
                    Some(format!("cannot write standard output: {e}")),
                ),
            }
        }
        Err(Error::KeyFile(e @ KeyFileError::WrongProtectorKey { .. })) => {
            (exit::WRONG_KEY, Some(e.to_string()))
        }
        // The reason alone: the `fieldseal` process names the key itself.
        Err(Error::KeyFile(KeyFileError::ProtectorFailed { reason, .. })) => {
            (exit::FAILURE, Some(reason))
        }
        Err(Error::KeyFile(e)) => (exit::FAILURE, Some(e.to_string())),
        Err(e) => (exit::FAILURE, Some(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_and_input_parse_or_say_what_is_wrong() {
        let args = |a: &[&str]| parse_args(a.iter().map(|s| (*s).to_owned()));
        assert_eq!(
            args(&[
                "unwrap",
                "--key-id",
                "alias/x",
                "--endpoint",
                "http://127.0.0.1:1"
            ])
            .unwrap(),
            Request {
                operation: Operation::Unwrap,
                key_id: "alias/x".to_owned(),
                endpoint: Some("http://127.0.0.1:1".to_owned()),
            }
        );
        assert!(args(&["wrap"]).unwrap_err().contains("--key-id"));
        assert!(args(&["encrypt", "--key-id", "k"]).is_err());
        assert!(args(&["wrap", "--key-id"]).is_err());
        assert!(args(&["wrap", "--key-id", "k", "--pin", "1"]).is_err());

        let binding = "ab".repeat(32);
        let (b, payload) = read_input(format!("{binding}\nAAEC\n").as_bytes()).unwrap();
        assert_eq!(b.hex(), binding);
        assert_eq!(&payload[..], &[0, 1, 2]);
        assert!(read_input(&b"abc\nAAEC\n"[..]).is_err());
        assert!(read_input(format!("{binding}\n***\n").as_bytes()).is_err());
        assert!(read_input(format!("{binding}\n\n").as_bytes()).is_err());
    }
}
