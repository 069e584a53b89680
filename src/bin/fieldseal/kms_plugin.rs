//! AWS KMS through the `fieldseal-aws-kms` plug-in program: this tool does not depend on the AWS
//! SDK (which needs a newer Rust than fieldseal's), so a [`KmsClient`] here runs the plug-in of
//! the `fieldseal-aws-kms` crate for each wrap and unwrap. The protocol is that crate's
//! `plugin` module: the binding and the payload in, the result out, over pipes; exit status 3
//! when KMS refuses the ciphertext.
//!
//! The plug-in is looked for beside this program first (as `cargo install` puts both), then on
//! `PATH`. It inherits the environment, so region and credentials are found as every AWS tool
//! finds them.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use fieldseal::{KeyFileError, KmsBinding, KmsClient};
use zeroize::Zeroizing;

/// The protector id of AWS KMS key files (FORMAT.md §14.2).
pub(crate) const PROTECTOR_ID: &str = "aws-kms";
/// The plug-in's program name.
const PROGRAM: &str = "fieldseal-aws-kms";
/// The plug-in's exit status for a ciphertext KMS refuses.
const WRONG_KEY: i32 = 3;

/// AWS KMS, through the plug-in.
#[derive(Debug)]
pub(crate) struct PluginKms {
    key_id: String,
    endpoint: Option<String>,
}

impl PluginKms {
    /// A client of the KMS key `key_id`; `endpoint` replaces KMS's own.
    pub(crate) fn new(key_id: String, endpoint: Option<String>) -> Self {
        Self { key_id, endpoint }
    }

    /// The endpoint given, if any.
    pub(crate) fn endpoint(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    fn key(&self) -> String {
        format!("AWS KMS key `{}`", self.key_id)
    }

    /// What the plug-in said went wrong with the key.
    fn refused(&self, reason: String) -> fieldseal::Error {
        KeyFileError::ProtectorFailed {
            protector: self.key(),
            reason,
        }
        .into()
    }

    /// Runs the plug-in for `operation` on `payload`.
    fn call(
        &self,
        operation: &str,
        binding: &KmsBinding,
        payload: &[u8],
    ) -> fieldseal::Result<Zeroizing<Vec<u8>>> {
        let mut command = Command::new(program());
        command.args([operation, "--key-id", &self.key_id]);
        if let Some(url) = &self.endpoint {
            command.args(["--endpoint", url]);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                failed(format!(
                    "cannot run the AWS KMS plug-in {PROGRAM} ({e}); install it beside fieldseal \
                     or on PATH: cargo install fieldseal-aws-kms (it needs Rust 1.94.1 or newer)"
                ))
            })?;
        let input = Zeroizing::new(format!("{}\n{}\n", binding.hex(), STANDARD.encode(payload)));
        let written = child
            .stdin
            .take()
            .expect("piped")
            .write_all(input.as_bytes());
        let output = child
            .wait_with_output()
            .map_err(|e| failed(format!("the plug-in {PROGRAM} failed to run ({e})")))?;
        let stdout = Zeroizing::new(output.stdout);
        let message = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        match output.status.code() {
            Some(0) => {
                let mut decoded = Zeroizing::new(Vec::with_capacity(stdout.len()));
                STANDARD
                    .decode_vec(stdout.trim_ascii(), &mut decoded)
                    .ok()
                    .filter(|()| !decoded.is_empty())
                    .map(|()| decoded)
                    .ok_or_else(|| {
                        failed(format!(
                            "the plug-in {PROGRAM} answered something other than base64; check \
                             that it is the version of this fieldseal"
                        ))
                    })
            }
            Some(WRONG_KEY) => Err(KeyFileError::WrongProtectorKey { key: self.key() }.into()),
            _ if written.is_err() && message.is_empty() => Err(failed(format!(
                "the plug-in {PROGRAM} did not read its input ({})",
                written.err().map(|e| e.to_string()).unwrap_or_default()
            ))),
            status => Err(self.refused(if message.is_empty() {
                format!("the plug-in {PROGRAM} failed with {status:?} and said nothing")
            } else {
                message
            })),
        }
    }
}

/// A failure of the plug-in, or what it said.
fn failed(reason: String) -> fieldseal::Error {
    KeyFileError::ProtectorFailed {
        protector: PROGRAM.to_owned(),
        reason,
    }
    .into()
}

impl KmsClient for PluginKms {
    fn protector_id(&self) -> &'static str {
        PROTECTOR_ID
    }

    fn key_id(&self) -> &str {
        &self.key_id
    }

    fn encrypt(&self, plaintext: &[u8], binding: &KmsBinding) -> fieldseal::Result<Vec<u8>> {
        self.call("wrap", binding, plaintext)
            .map(|ciphertext| ciphertext.to_vec())
    }

    fn decrypt(
        &self,
        _file_key_id: &str,
        ciphertext: &[u8],
        binding: &KmsBinding,
    ) -> fieldseal::Result<Zeroizing<Vec<u8>>> {
        // With this client's own key id: KMS refuses a ciphertext of another key.
        self.call("unwrap", binding, ciphertext)
    }
}

/// The plug-in beside this program, else its name (looked up on PATH).
fn program() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join(PROGRAM)))
        .filter(|path| path.is_file())
        .unwrap_or_else(|| PathBuf::from(PROGRAM))
}
