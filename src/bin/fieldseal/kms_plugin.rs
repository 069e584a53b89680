//! AWS KMS through the `fieldseal-aws-kms` plug-in program: this tool does not depend on the AWS
//! SDK (which needs a newer Rust than fieldseal's), so a [`KmsClient`] here runs the plug-in of
//! the `fieldseal-aws-kms` crate for each wrap and unwrap. The protocol is that crate's
//! `plugin` module: the binding and the payload in, the result out, over pipes; exit status 3
//! when KMS refuses the ciphertext.
//!
//! The plug-in is looked for beside this program first (as `cargo install` puts both), then on
//! `PATH`. It inherits the environment, so region and credentials are found as every AWS tool
//! finds them.

use std::io::{Read as _, Write as _};
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
/// The most read from the plug-in's standard output: a KMS ciphertext or a file key, in base64.
const MAX_OUTPUT: usize = 16 * 1024;
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
        // Built in one buffer of its final size: a temporary `String` of the base64, or a
        // reallocation, would free copies of the file key unwiped.
        let hex = binding.hex();
        let mut input = Zeroizing::new(String::with_capacity(
            hex.len() + 2 + base64::encoded_len(payload.len(), true).unwrap_or(0),
        ));
        input.push_str(&hex);
        input.push('\n');
        STANDARD.encode_string(payload, &mut input);
        input.push('\n');
        let written = child
            .stdin
            .take()
            .expect("piped")
            .write_all(input.as_bytes());
        // Standard error is read beside standard output, to its end: a plug-in blocked on a full
        // error pipe would never finish its answer.
        let errors = child.stderr.take().expect("piped");
        let (read, stderr, stdout) = std::thread::scope(|scope| {
            let stderr = scope.spawn(|| said(errors));
            // Read into a buffer allocated once, never grown: `wait_with_output` grows its own,
            // and frees the smaller ones (holding the file key's base64) unwiped. Dropping the
            // pipe after `MAX_OUTPUT` bytes stops a plug-in that answers without end.
            let mut stdout = Zeroizing::new(Vec::with_capacity(MAX_OUTPUT + 1));
            let read = child
                .stdout
                .take()
                .expect("piped")
                .take(MAX_OUTPUT as u64 + 1)
                .read_to_end(&mut stdout);
            (read, stderr.join().unwrap_or_default(), stdout)
        });
        let status = child
            .wait()
            .map_err(|e| failed(format!("the plug-in {PROGRAM} failed to run ({e})")))?;
        read.map_err(|e| failed(format!("cannot read the plug-in {PROGRAM}'s answer ({e})")))?;
        if stdout.len() > MAX_OUTPUT {
            return Err(failed(format!(
                "the plug-in {PROGRAM} answered more than {MAX_OUTPUT} bytes"
            )));
        }
        let message = String::from_utf8_lossy(&stderr).trim().to_owned();
        match status.code() {
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

/// The most of the plug-in's standard error kept for an error message.
const MAX_MESSAGE: usize = 4 * 1024;

/// What the plug-in said on standard error: its first [`MAX_MESSAGE`] bytes; the rest is read
/// and dropped, so that the plug-in never waits on a full pipe.
fn said(mut errors: impl std::io::Read) -> Vec<u8> {
    let mut message = Vec::new();
    let _ = (&mut errors)
        .take(MAX_MESSAGE as u64)
        .read_to_end(&mut message);
    let _ = std::io::copy(&mut errors, &mut std::io::sink());
    message
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

/// The file key crosses the pipe to the plug-in, and both processes wipe their own buffers
/// (SECURITY.md): a scanning allocator looks for the file key's base64 text (what crosses the
/// pipe) in every block this process frees while it wraps and unwraps through the plug-in.
#[cfg(test)]
#[allow(unsafe_code)]
#[path = "../../../tests/common/freed.rs"]
mod freed;

#[cfg(test)]
mod zeroize_tests {
    use super::freed::{freed_copies, serial};
    use super::*;

    #[test]
    fn the_file_key_crossing_the_pipe_is_wiped_in_this_process() {
        let _serial = serial();
        let file_key: [u8; 32] = std::array::from_fn(|i| 0x3c ^ (i as u8).wrapping_mul(29));
        let key_b64 = STANDARD.encode(file_key);
        let ciphertext = [0xC7u8; 48];
        // A stand-in plug-in beside the test binary: `wrap` answers a fixed ciphertext, `unwrap`
        // the file key.
        let plugin = std::env::current_exe()
            .unwrap()
            .parent()
            .unwrap()
            .join(PROGRAM);
        std::fs::write(
            &plugin,
            format!(
                "#!/bin/sh\nread binding; read payload\nif [ \"$1\" = wrap ]; then echo {}; \
                 else echo {key_b64}; fi\n",
                STANDARD.encode(ciphertext)
            ),
        )
        .unwrap();
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let kms = PluginKms::new("alias/test".to_owned(), None);
        let binding = KmsBinding::from_bytes([7; 32]);
        let pattern = &key_b64.as_bytes()[..20];
        let wrap = freed_copies(pattern, || {
            assert_eq!(kms.encrypt(&file_key, &binding).unwrap(), ciphertext);
        });
        let unwrap = freed_copies(pattern, || {
            let key = kms.decrypt("alias/test", &ciphertext, &binding).unwrap();
            assert_eq!(&key[..], &file_key);
        });
        std::fs::remove_file(&plugin).unwrap();
        assert_eq!(
            (wrap, unwrap),
            (0, 0),
            "freed blocks holding the file key's base64 (wrap, unwrap)"
        );
    }
}

/// A plug-in that says much on standard error, or answers without end, neither hangs the tool
/// nor fills its memory.
#[cfg(test)]
mod pipe_tests {
    use super::freed::serial;
    use super::*;
    use std::time::Duration;

    /// Installs `script` as the plug-in beside the test binary, runs an unwrap through it on
    /// another thread, and returns its outcome, or `None` if it had not returned after 60 s.
    fn unwrap_through(script: &str) -> Option<fieldseal::Result<Zeroizing<Vec<u8>>>> {
        let plugin = std::env::current_exe()
            .unwrap()
            .parent()
            .unwrap()
            .join(PROGRAM);
        std::fs::write(&plugin, script).unwrap();
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let kms = PluginKms::new("alias/test".to_owned(), None);
            let _ = tx.send(kms.decrypt("alias/test", &[1; 48], &KmsBinding::from_bytes([7; 32])));
        });
        let outcome = rx.recv_timeout(Duration::from_secs(60)).ok();
        std::fs::remove_file(&plugin).unwrap();
        outcome
    }

    #[test]
    fn a_plugin_that_says_much_on_stderr_is_still_heard() {
        let _serial = serial();
        // 1 MiB of warnings (past any pipe's buffer) before the answer.
        let outcome = unwrap_through(
            "#!/bin/sh\nread binding; read payload\nhead -c 1048576 /dev/zero | tr '\\0' w >&2\n\
             echo AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        )
        .expect("the tool hung on a plug-in that wrote 1 MiB to standard error");
        assert_eq!(outcome.unwrap()[..], (0u8..32).collect::<Vec<_>>()[..]);
    }

    #[test]
    fn a_plugin_that_answers_without_end_is_stopped() {
        let _serial = serial();
        let outcome = unwrap_through("#!/bin/sh\nread binding; read payload\nexec yes AAAA\n")
            .expect("the tool hung on a plug-in that answered without end");
        let message = outcome.unwrap_err().to_string();
        assert!(
            message.contains("answered more than"),
            "unexpected error: {message}"
        );
    }

    #[test]
    fn a_plugin_that_fails_says_why_in_bounded_words() {
        let _serial = serial();
        let outcome = unwrap_through(
            "#!/bin/sh\nread binding; read payload\necho 'AccessDenied: not allowed' >&2\n\
             head -c 1048576 /dev/zero | tr '\\0' w >&2\nexit 1\n",
        )
        .expect("the tool hung on a plug-in that failed with 1 MiB on standard error");
        let message = outcome.unwrap_err().to_string();
        assert!(message.contains("AccessDenied: not allowed"), "{message}");
        assert!(
            message.len() < 16 * 1024,
            "{} bytes of error",
            message.len()
        );
    }
}
