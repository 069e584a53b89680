//! Secrets: where the passphrase or key-encryption key (KEK) of a key file comes from, or which
//! HSM or KMS key protects it (remote.rs), and the protector built from it. Never from a
//! command-line argument: an environment variable named on the command line, a file, or the
//! terminal.

use std::fmt::{self, Write as _};
use std::fs::File;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use fieldseal::{
    Argon2Params, Error, KEY_LEN, Kek, KeyFileError, KeyProtector, KmsProtector, Passphrase,
    Pkcs11Key, Pkcs11Protector, SecretKey,
};
use zeroize::Zeroizing;

use crate::args::{BundleSecretArgs, CeilingArgs, KdfArgs, KeyringSecretArgs, NewSecretArgs};
use crate::failure::{Exit, Failure, Outcome};
use crate::kms_plugin::PluginKms;
use crate::remote::{Remote, parse_key_id};

/// Wrong passphrases typed at the prompt before giving up.
const PROMPT_ATTEMPTS: u32 = 3;

/// The most read of a `--*-passphrase-file` (its first line) or a `--*-kek-file`: a passphrase
/// or a KEK needs far less, and a path naming a device or a large file must not be read without
/// end.
const MAX_SECRET_FILE: usize = 4096;

/// The most Argon2id work a key file may ask for (`--max-kdf-memory-mib`,
/// `--max-kdf-iterations`), given to every passphrase protector that unlocks a file.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ceiling {
    memory_kib: u32,
    iterations: u32,
}

impl Ceiling {
    /// From the command line; the library's hard bounds by default.
    pub(crate) fn new(args: &CeilingArgs) -> Outcome<Self> {
        let memory_kib = match args.max_kdf_memory_mib {
            Some(mib) => mib.checked_mul(1024).ok_or_else(|| {
                Failure::new(
                    Exit::Usage,
                    format!("--max-kdf-memory-mib {mib} is too large"),
                )
            })?,
            None => Argon2Params::MAX_MEMORY_KIB,
        };
        Ok(Self {
            memory_kib,
            iterations: args
                .max_kdf_iterations
                .unwrap_or(Argon2Params::MAX_ITERATIONS),
        })
    }

    fn admits(self, asked: Argon2Params) -> bool {
        asked.memory_kib() <= self.memory_kib && asked.iterations() <= self.iterations
    }
}

/// Where one file's secret comes from.
#[derive(Debug)]
enum Source {
    /// The environment variable of that name.
    Env(String),
    /// The first line of that file.
    File(PathBuf),
    /// A key-encryption key in that file.
    Kek(PathBuf),
    /// A passphrase asked on the terminal.
    Prompt,
    /// The AES key of this label or id on a PKCS#11 token, named by that flag.
    Pkcs11(Pkcs11Key, &'static str),
    /// The AWS KMS key of this id.
    AwsKms(String),
}

/// The flags naming a file's secret, for messages.
#[derive(Debug)]
struct Flags {
    env: &'static str,
    file: &'static str,
    kek: &'static str,
    pkcs11_label: &'static str,
    pkcs11_id: &'static str,
    aws_kms: &'static str,
}

const KEYRING_FLAGS: Flags = Flags {
    env: "--passphrase-env",
    file: "--passphrase-file",
    kek: "--kek-file",
    pkcs11_label: "--pkcs11-key-label",
    pkcs11_id: "--pkcs11-key-id",
    aws_kms: "--aws-kms-key-id",
};

const BUNDLE_FLAGS: Flags = Flags {
    env: "--bundle-passphrase-env",
    file: "--bundle-passphrase-file",
    kek: "--bundle-kek-file",
    pkcs11_label: "--bundle-pkcs11-key-label",
    pkcs11_id: "--bundle-pkcs11-key-id",
    aws_kms: "--bundle-aws-kms-key-id",
};

const NEW_FLAGS: Flags = Flags {
    env: "--new-passphrase-env",
    file: "--new-passphrase-file",
    kek: "--new-kek-file",
    pkcs11_label: "--new-pkcs11-key-label",
    pkcs11_id: "--new-pkcs11-key-id",
    aws_kms: "--new-aws-kms-key-id",
};

/// The HSM and KMS keys a file's secret may name instead of a passphrase or KEK.
struct Keys<'a> {
    pkcs11_label: Option<&'a String>,
    pkcs11_id: Option<&'a String>,
    aws_kms: Option<&'a String>,
}

/// The secret of one key file, as the command line gives it.
#[derive(Debug)]
pub(crate) struct Secret {
    source: Source,
    flags: &'static Flags,
    ceiling: Ceiling,
    remote: Remote,
}

impl Secret {
    /// The keyring's secret.
    pub(crate) fn keyring(
        args: &KeyringSecretArgs,
        ceiling: Ceiling,
        remote: &Remote,
    ) -> Outcome<Self> {
        Self::from_options(
            args.passphrase_env.as_ref(),
            args.passphrase_file.as_ref(),
            args.kek_file.as_ref(),
            &Keys {
                pkcs11_label: args.pkcs11_key_label.as_ref(),
                pkcs11_id: args.pkcs11_key_id.as_ref(),
                aws_kms: args.aws_kms_key_id.as_ref(),
            },
            &KEYRING_FLAGS,
            (ceiling, remote),
        )
    }

    /// The keyring's new secret, for `rekey`.
    pub(crate) fn new_keyring(
        args: &NewSecretArgs,
        ceiling: Ceiling,
        remote: &Remote,
    ) -> Outcome<Self> {
        Self::from_options(
            args.new_passphrase_env.as_ref(),
            args.new_passphrase_file.as_ref(),
            args.new_kek_file.as_ref(),
            &Keys {
                pkcs11_label: args.new_pkcs11_key_label.as_ref(),
                pkcs11_id: args.new_pkcs11_key_id.as_ref(),
                aws_kms: args.new_aws_kms_key_id.as_ref(),
            },
            &NEW_FLAGS,
            (ceiling, remote),
        )
    }

    /// A bundle's secret.
    pub(crate) fn bundle(
        args: &BundleSecretArgs,
        ceiling: Ceiling,
        remote: &Remote,
    ) -> Outcome<Self> {
        Self::from_options(
            args.bundle_passphrase_env.as_ref(),
            args.bundle_passphrase_file.as_ref(),
            args.bundle_kek_file.as_ref(),
            &Keys {
                pkcs11_label: args.bundle_pkcs11_key_label.as_ref(),
                pkcs11_id: args.bundle_pkcs11_key_id.as_ref(),
                aws_kms: args.bundle_aws_kms_key_id.as_ref(),
            },
            &BUNDLE_FLAGS,
            (ceiling, remote),
        )
    }

    fn from_options(
        env: Option<&String>,
        file: Option<&PathBuf>,
        kek: Option<&PathBuf>,
        keys: &Keys<'_>,
        flags: &'static Flags,
        (ceiling, remote): (Ceiling, &Remote),
    ) -> Outcome<Self> {
        let given = [
            env.is_some(),
            file.is_some(),
            kek.is_some(),
            keys.pkcs11_label.is_some(),
            keys.pkcs11_id.is_some(),
            keys.aws_kms.is_some(),
        ];
        if given.into_iter().filter(|&g| g).count() > 1 {
            return Err(Failure::new(
                Exit::Usage,
                format!(
                    "give at most one of {}, {}, {}, {}, {} and {}",
                    flags.env,
                    flags.file,
                    flags.kek,
                    flags.pkcs11_label,
                    flags.pkcs11_id,
                    flags.aws_kms
                ),
            ));
        }
        let source = if let Some(var) = env {
            Source::Env(var.clone())
        } else if let Some(path) = file {
            Source::File(path.clone())
        } else if let Some(path) = kek {
            Source::Kek(path.clone())
        } else if let Some(label) = keys.pkcs11_label {
            Source::Pkcs11(Pkcs11Key::Label(label.clone()), flags.pkcs11_label)
        } else if let Some(id) = keys.pkcs11_id {
            Source::Pkcs11(
                Pkcs11Key::Id(parse_key_id(id, flags.pkcs11_id)?),
                flags.pkcs11_id,
            )
        } else if let Some(key) = keys.aws_kms {
            Source::AwsKms(key.clone())
        } else {
            Source::Prompt
        };
        Ok(Self {
            source,
            flags,
            ceiling,
            remote: remote.clone(),
        })
    }

    /// The protector of an HSM or KMS source, or `None` for a passphrase or KEK.
    fn remote_protector(&self, what: &str) -> Outcome<Option<Protector>> {
        Ok(match &self.source {
            Source::Pkcs11(key, flag) => Some(Protector::Pkcs11(self.remote.pkcs11(
                key.clone(),
                what,
                flag,
            )?)),
            Source::AwsKms(key) => Some(Protector::AwsKms(
                self.remote.aws_kms(key, self.flags.aws_kms)?,
            )),
            _ => None,
        })
    }

    /// Unlocks the existing key file at `path`: `load` is tried with the protector. At the
    /// terminal, the prompt says what Argon2id work the file asks for when it is more than the
    /// default, and a wrong passphrase may be typed again.
    pub(crate) fn unlock<T>(
        &self,
        what: &str,
        path: &Path,
        load: impl Fn(&dyn KeyProtector) -> fieldseal::Result<T>,
    ) -> Outcome<(T, Protector)> {
        let prompting = matches!(self.source, Source::Prompt);
        // What the file asks for, from its clear header (nothing derived). A file that cannot be
        // read this way fails to load below, with its own error.
        let asks = if prompting {
            Argon2Params::of_key_file_at(path).ok().flatten()
        } else {
            None
        };
        if let Some(asked) = asks.filter(|&a| !self.ceiling.admits(a)) {
            return Err(Failure::new(
                Exit::Failure,
                format!(
                    "{what} asks for Argon2id with {} and {} passes, above the ceiling of \
                     --max-kdf-memory-mib and --max-kdf-iterations; nothing was asked or derived",
                    mib(asked.memory_kib()),
                    asked.iterations()
                ),
            ));
        }
        let mut attempt = 1;
        loop {
            let protector = match &self.source {
                Source::Kek(path) => Protector::Kek(Kek::new(read_kek(path, self.flags.kek)?)),
                Source::Pkcs11(..) | Source::AwsKms(_) => {
                    let protector = self.remote_protector(what)?.expect("a remote source");
                    return match load(protector.as_dyn()) {
                        Ok(loaded) => Ok((loaded, protector)),
                        Err(e) => Err(self.unlock_failure(what, &e)),
                    };
                }
                _ => Protector::passphrase(self.passphrase(what, false, asks)?, self.ceiling)?,
            };
            match load(protector.as_dyn()) {
                Ok(loaded) => return Ok((loaded, protector)),
                Err(Error::KeyFile(KeyFileError::WrongPassphrase))
                    if prompting && attempt < PROMPT_ATTEMPTS =>
                {
                    crate::stderr::line(format_args!("wrong passphrase for {what}, try again"));
                    attempt += 1;
                }
                Err(e) => return Err(self.unlock_failure(what, &e)),
            }
        }
    }

    /// The protector of a new key file: a KEK, or a passphrase (asked twice at the terminal)
    /// hashed with the cost of `kdf`.
    pub(crate) fn protect_new(&self, what: &str, kdf: &KdfArgs) -> Outcome<Protector> {
        let not_a_passphrase = match &self.source {
            Source::Kek(_) => Some(format!("the KEK of {}", self.flags.kek)),
            Source::Pkcs11(key, _) => Some(format!("the PKCS#11 key with {key}")),
            Source::AwsKms(key) => Some(format!("the AWS KMS key `{key}`")),
            _ => None,
        };
        if let Some(protection) = not_a_passphrase {
            if kdf.kdf_memory_mib.is_some() || kdf.kdf_iterations.is_some() {
                return Err(Failure::new(
                    Exit::Usage,
                    format!(
                        "--kdf-memory-mib and --kdf-iterations set the cost of a passphrase, but \
                         {what} is to be protected by {protection}"
                    ),
                ));
            }
        }
        if let Source::Kek(path) = &self.source {
            return Ok(Protector::Kek(Kek::new(read_kek(path, self.flags.kek)?)));
        }
        if let Some(protector) = self.remote_protector(what)? {
            return Ok(protector);
        }
        let params = argon2_params(kdf)?;
        let passphrase = self.passphrase(what, true, None)?;
        Ok(Protector::passphrase(passphrase, self.ceiling)?.with_params(params))
    }

    /// The passphrase, from its source; `new` asks twice at the terminal. `asks` is what the
    /// file to unlock asks for, for the prompt.
    fn passphrase(
        &self,
        what: &str,
        new: bool,
        asks: Option<Argon2Params>,
    ) -> Outcome<Zeroizing<String>> {
        let (phrase, origin) = match &self.source {
            Source::Env(var) => (
                read_env(var, self.flags.env, "passphrase")?,
                format!("${var}"),
            ),
            Source::File(path) => (
                read_first_line(path, self.flags.file, "passphrase")?,
                path.display().to_string(),
            ),
            Source::Prompt if new => (self.prompt_new(what)?, "the terminal".to_owned()),
            Source::Prompt => (
                self.prompt(&prompt_text(what, asks))?,
                "the terminal".to_owned(),
            ),
            Source::Kek(_) | Source::Pkcs11(..) | Source::AwsKms(_) => {
                unreachable!("only a passphrase source has a passphrase")
            }
        };
        if phrase.is_empty() {
            return Err(Failure::new(
                Exit::Usage,
                format!("the passphrase for {what} from {origin} is empty"),
            ));
        }
        Ok(phrase)
    }

    fn prompt(&self, prompt: &str) -> Outcome<Zeroizing<String>> {
        rpassword::prompt_password(prompt)
            .map(Zeroizing::new)
            .map_err(|e| {
                Failure::new(
                    Exit::Usage,
                    format!(
                        "cannot ask for a passphrase on the terminal ({e}); give it with {} VAR \
                         or {} PATH",
                        self.flags.env, self.flags.file
                    ),
                )
            })
    }

    fn prompt_new(&self, what: &str) -> Outcome<Zeroizing<String>> {
        let first = self.prompt(&format!("New passphrase for {what}: "))?;
        let second = self.prompt("Type it again: ")?;
        if *first != *second {
            return Err(Failure::new(
                Exit::Usage,
                "the two passphrases differ; nothing was written",
            ));
        }
        Ok(first)
    }

    /// A load error, with a hint at the right flag when the file has another kind of protector.
    fn unlock_failure(&self, what: &str, error: &Error) -> Failure {
        let failure = Failure::lib(format_args!("cannot unlock {what}"), error);
        match error {
            Error::KeyFile(KeyFileError::Locked { .. }) => {
                Failure::lib(format_args!("cannot lock {what}"), error)
            }
            Error::KeyFile(KeyFileError::WrongProtector { found, .. }) => {
                let flags = self.flags;
                let hint = match found.as_str() {
                    "kek" => format!("give {} PATH", flags.kek),
                    "pkcs11" => format!(
                        "give {} LABEL or {} HEX, with --pkcs11-module and --pkcs11-token",
                        flags.pkcs11_label, flags.pkcs11_id
                    ),
                    crate::kms_plugin::PROTECTOR_ID => format!("give {} KEY", flags.aws_kms),
                    _ => format!(
                        "give {} VAR or {} PATH, or type it at the prompt",
                        flags.env, flags.file
                    ),
                };
                Failure::new(Exit::Locked, format!("{failure} ({hint})"))
            }
            _ => failure,
        }
    }
}

/// What protects a key file.
pub(crate) enum Protector {
    /// A passphrase, hashed with Argon2id.
    Passphrase(Passphrase),
    /// A key-encryption key.
    Kek(Kek),
    /// An AES key on a PKCS#11 token.
    Pkcs11(Pkcs11Protector),
    /// An AWS KMS key, through the plug-in.
    AwsKms(KmsProtector<PluginKms>),
}

impl Protector {
    fn passphrase(phrase: Zeroizing<String>, ceiling: Ceiling) -> Outcome<Self> {
        Passphrase::new(phrase)
            .map(|p| Self::Passphrase(p.with_max_cost(ceiling.memory_kib, ceiling.iterations)))
            .map_err(|e| Failure::new(Exit::Usage, e.to_string()))
    }

    fn with_params(self, params: Argon2Params) -> Self {
        match self {
            Self::Passphrase(p) => Self::Passphrase(p.with_params(params)),
            other => other,
        }
    }

    /// After loading an existing file with a protector meant for a new one: forgets the loaded
    /// file's salt and parameters, so that the new file gets a fresh salt and the parameters
    /// chosen for it (a passphrase protector reuses those of the last file it loaded).
    pub(crate) fn for_new_file(self, params: Option<Argon2Params>) -> Self {
        match params {
            Some(params) => self.with_params(params),
            None => self,
        }
    }

    /// The protector, for the library.
    pub(crate) fn as_dyn(&self) -> &dyn KeyProtector {
        match self {
            Self::Passphrase(p) => p,
            Self::Kek(k) => k,
            Self::Pkcs11(p) => p,
            Self::AwsKms(k) => k,
        }
    }

    /// The kind of protector, for `status` (JSON).
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::Passphrase(_) => "passphrase",
            Self::Kek(_) => "kek",
            Self::Pkcs11(_) => "pkcs11",
            Self::AwsKms(_) => "aws-kms",
        }
    }

    /// What the secret is called, for messages.
    pub(crate) fn secret_name(&self) -> &'static str {
        match self {
            Self::Passphrase(_) => "passphrase",
            Self::Kek(_) => "key-encryption key",
            Self::Pkcs11(_) => "HSM key (never destroy it)",
            Self::AwsKms(_) => "AWS KMS key (never schedule its deletion)",
        }
    }

    /// The Argon2id parameters of a passphrase, as recorded in the file last loaded or saved.
    pub(crate) fn argon2(&self) -> Option<Argon2Params> {
        match self {
            Self::Passphrase(p) => Some(p.params()),
            _ => None,
        }
    }

    /// Where an HSM or KMS key is, for `status` (not secret): `(name, value)` pairs.
    pub(crate) fn location(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::Pkcs11(p) => {
                let mut out = vec![
                    ("module", p.module().display().to_string()),
                    ("token", p.token().to_owned()),
                ];
                match p.last_key().or_else(|| p.key().cloned()) {
                    Some(Pkcs11Key::Label(label)) => out.push(("key_label", label)),
                    Some(Pkcs11Key::Id(id)) => {
                        let hex = id.iter().fold(String::new(), |mut hex, b| {
                            let _ = write!(hex, "{b:02x}");
                            hex
                        });
                        out.push(("key_id", hex));
                    }
                    None => {}
                }
                out
            }
            Self::AwsKms(k) => {
                let mut out = vec![(
                    "key_id",
                    fieldseal::KmsClient::key_id(k.client()).to_owned(),
                )];
                if let Some(url) = k.client().endpoint() {
                    out.push(("endpoint", url.to_owned()));
                }
                out
            }
            _ => Vec::new(),
        }
    }
}

/// What protects a file, for people: never the secret itself.
impl fmt::Display for Protector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pkcs11(p) => {
                let key = p.last_key().or_else(|| p.key().cloned());
                return write!(
                    f,
                    "PKCS#11 key with {} on token `{}`",
                    key.map_or_else(|| "?".to_owned(), |k| k.to_string()),
                    p.token()
                );
            }
            Self::AwsKms(k) => {
                return write!(
                    f,
                    "AWS KMS key `{}`",
                    fieldseal::KmsClient::key_id(k.client())
                );
            }
            _ => {}
        }
        match self.argon2() {
            Some(p) => write!(
                f,
                "passphrase (Argon2id, {} MiB, {} passes, {} lane{})",
                p.memory_kib() / 1024,
                p.iterations(),
                p.parallelism(),
                if p.parallelism() == 1 { "" } else { "s" }
            ),
            None => f.write_str("key-encryption key (KEK)"),
        }
    }
}

/// The Argon2id parameters of `kdf`, defaults from [`Argon2Params::DEFAULT`].
fn argon2_params(kdf: &KdfArgs) -> Outcome<Argon2Params> {
    let default = Argon2Params::DEFAULT;
    let memory_kib = match kdf.kdf_memory_mib {
        Some(mib) => mib.checked_mul(1024).ok_or_else(|| {
            Failure::new(Exit::Usage, format!("--kdf-memory-mib {mib} is too large"))
        })?,
        None => default.memory_kib(),
    };
    let iterations = kdf.kdf_iterations.unwrap_or(default.iterations());
    Argon2Params::new(memory_kib, iterations, default.parallelism()).map_err(|e| {
        Failure::new(
            Exit::Usage,
            format!("--kdf-memory-mib and --kdf-iterations: {e}"),
        )
    })
}

/// The passphrase prompt; for a file asking more Argon2id work than the default, what it asks.
fn prompt_text(what: &str, asks: Option<Argon2Params>) -> String {
    let default = Argon2Params::DEFAULT;
    match asks {
        Some(a)
            if a.memory_kib() > default.memory_kib() || a.iterations() > default.iterations() =>
        {
            let work = u64::from(a.memory_kib()) * u64::from(a.iterations());
            let default_work = u64::from(default.memory_kib()) * u64::from(default.iterations());
            format!(
                "{what} asks for Argon2id with {} and {} passes, about {} times the default's \
                 work ({} and {} passes): unlocking takes that much longer (--max-kdf-memory-mib \
                 and --max-kdf-iterations refuse such a file).\nPassphrase for {what}: ",
                mib(a.memory_kib()),
                a.iterations(),
                work.div_ceil(default_work),
                mib(default.memory_kib()),
                default.iterations()
            )
        }
        _ => format!("Passphrase for {what}: "),
    }
}

/// `128 MiB`, or `19500 KiB` when not a whole number of MiB.
fn mib(kib: u32) -> String {
    if kib % 1024 == 0 {
        format!("{} MiB", kib / 1024)
    } else {
        format!("{kib} KiB")
    }
}

/// Whether `name` looks like an environment variable's name (`FIELDSEAL_PASSPHRASE`): upper-case
/// letters, digits and `_`, not starting with a digit. Only such a name is repeated in messages:
/// anything else given to `--passphrase-env` may be a passphrase typed in the wrong place.
fn looks_like_a_variable_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The secret in the environment variable `var`, named by `flag`; `secret` is what it is, for
/// messages (passphrase, PIN).
pub(crate) fn read_env(var: &str, flag: &str, secret: &str) -> Outcome<Zeroizing<String>> {
    match std::env::var_os(var) {
        None if looks_like_a_variable_name(var) => Err(Failure::new(
            Exit::Usage,
            format!(
                "environment variable {var} is not set ({flag} takes the name of a variable that \
                 holds the {secret})"
            ),
        )),
        None => Err(Failure::new(
            Exit::Usage,
            format!(
                "the environment variable named by {flag} is not set; the name given is not \
                 repeated here, as it does not look like a variable's name (upper-case letters, \
                 digits, `_`) and may be a {secret}: {flag} takes the name of a variable that \
                 holds the {secret}, such as FIELDSEAL_{}. A {secret} given on the command line \
                 was visible to every user in the process list: change it",
                secret.to_ascii_uppercase()
            ),
        )),
        Some(value) => value.into_string().map(Zeroizing::new).map_err(|_| {
            Failure::new(
                Exit::Usage,
                format!("environment variable {var} does not hold UTF-8 text"),
            )
        }),
    }
}

/// The first line of a file, without its line ending; what follows it is not read beyond
/// [`MAX_SECRET_FILE`] bytes. `secret` is what it holds, for messages (passphrase, PIN).
pub(crate) fn read_first_line(path: &Path, flag: &str, secret: &str) -> Outcome<Zeroizing<String>> {
    let bytes = read_secret_file(path, flag)?;
    let Some(end) = bytes
        .iter()
        .position(|&b| b == b'\n')
        .or_else(|| Some(bytes.len()).filter(|&len| len <= MAX_SECRET_FILE))
    else {
        return Err(Failure::new(
            Exit::Usage,
            format!(
                "{flag} {}: no line ends within its first {MAX_SECRET_FILE} bytes; a {secret} \
                 file holds the {secret} on its first line",
                path.display()
            ),
        ));
    };
    let line = &bytes[..end];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    match String::from_utf8(line.to_vec()) {
        Ok(text) => Ok(Zeroizing::new(text)),
        Err(e) => {
            drop(Zeroizing::new(e.into_bytes()));
            Err(Failure::new(
                Exit::Usage,
                format!(
                    "{flag} {}: the first line is not UTF-8 text",
                    path.display()
                ),
            ))
        }
    }
}

/// Whether `path` looks like a file's path (`secrets/keyring.pass`, `kek.bin`): it has a
/// directory, or a name with an extension, and no space. Only such a path is repeated when no
/// file is there: anything else may be the secret itself, typed in place of its file.
fn looks_like_a_path(path: &Path) -> bool {
    let text = path.to_string_lossy();
    let extension = path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        (1..=8).contains(&e.len()) && e.chars().all(|c| c.is_ascii_alphanumeric())
    });
    !text.contains(' ') && (text.contains(std::path::MAIN_SEPARATOR) || extension)
}

/// Up to [`MAX_SECRET_FILE`] + 1 bytes of a secret file (more would not be a secret file), into
/// a buffer allocated once, so that no copy is left unwiped by a reallocation.
fn read_secret_file(path: &Path, flag: &str) -> Outcome<Zeroizing<Vec<u8>>> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(MAX_SECRET_FILE + 1));
    File::open(path)
        .and_then(|f| f.take(MAX_SECRET_FILE as u64 + 1).read_to_end(&mut bytes))
        .map_err(|e| {
            // No such file: perhaps the secret itself, typed in place of its file's path, so the
            // path is not repeated.
            let message = if e.kind() == std::io::ErrorKind::NotFound && !looks_like_a_path(path) {
                format!(
                    "cannot read {flag}: no such file (the path given is not repeated here, as \
                     it may be a secret typed in the wrong place: {flag} takes the path of a \
                     file that holds it; change a secret typed on the command line)"
                )
            } else {
                format!("cannot read {flag} {}: {e}", path.display())
            };
            Failure::new(Exit::Usage, message)
        })?;
    Ok(bytes)
}

/// A KEK file: 32 raw bytes, 64 hex digits, or base64 (standard or URL-safe, padded or not) of
/// 32 bytes; surrounding white space is ignored in the text forms.
fn read_kek(path: &Path, flag: &str) -> Outcome<SecretKey> {
    let bytes = read_secret_file(path, flag)?;
    if bytes.len() > MAX_SECRET_FILE {
        return Err(Failure::new(
            Exit::Usage,
            format!(
                "{flag} {} is larger than {MAX_SECRET_FILE} bytes: a KEK file holds 32 random raw \
                 bytes, 64 hex digits, or base64 of 32 bytes",
                path.display()
            ),
        ));
    }
    parse_kek(&bytes).map(SecretKey::from_bytes).ok_or_else(|| {
        Failure::new(
            Exit::Usage,
            format!(
                "{flag} {}: a KEK file holds 32 random raw bytes, 64 hex digits, or base64 of 32 \
                 bytes ({} bytes found; 32 printable characters are not a key: use a \
                 passphrase for those)",
                path.display(),
                bytes.len()
            ),
        )
    })
}

fn parse_kek(bytes: &[u8]) -> Option<Zeroizing<[u8; KEY_LEN]>> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    // 32 printable characters are text someone typed, not 256 random bits: refused as raw.
    if bytes.len() == KEY_LEN && !bytes.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        key.copy_from_slice(bytes);
        return Some(key);
    }
    let text = bytes.trim_ascii();
    if text.len() == 2 * KEY_LEN && text.iter().all(u8::is_ascii_hexdigit) {
        for (byte, pair) in key.iter_mut().zip(text.chunks_exact(2)) {
            *byte = (nibble(pair[0]) << 4) | nibble(pair[1]);
        }
        return Some(key);
    }
    if text.len() > 48 {
        return None; // base64 of 32 bytes is 43 or 44 characters; no decoding into a growing buffer
    }
    let mut decoded = Zeroizing::new(Vec::with_capacity(2 * KEY_LEN));
    for engine in [&STANDARD, &URL_SAFE, &STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
        decoded.clear();
        if engine.decode_vec(text, &mut decoded).is_ok() && decoded.len() == KEY_LEN {
            key.copy_from_slice(&decoded);
            return Some(key);
        }
    }
    None
}

/// The value of one hex digit (checked by the caller).
fn nibble(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        _ => digit.to_ascii_lowercase() - b'a' + 10,
    }
}

#[cfg(test)]
mod tests {
    use fieldseal::Argon2Params;

    use super::{looks_like_a_variable_name, parse_kek, prompt_text};

    #[test]
    fn the_prompt_says_what_a_costly_file_asks_for() {
        let what = "keyring k.fsk";
        assert_eq!(prompt_text(what, None), "Passphrase for keyring k.fsk: ");
        let cheap = Argon2Params::new(Argon2Params::MIN_MEMORY_KIB, 2, 1).unwrap();
        assert_eq!(
            prompt_text(what, Some(cheap)),
            "Passphrase for keyring k.fsk: "
        );
        assert_eq!(
            prompt_text(what, Some(Argon2Params::DEFAULT)),
            "Passphrase for keyring k.fsk: "
        );
        let costly = Argon2Params::new(Argon2Params::MAX_MEMORY_KIB, 16, 1).unwrap();
        let prompt = prompt_text(what, Some(costly));
        for says in [
            "keyring k.fsk asks for Argon2id with 1024 MiB and 16 passes",
            "about 43 times the default's work (128 MiB and 3 passes)",
            "--max-kdf-memory-mib",
        ] {
            assert!(prompt.contains(says), "{prompt}");
        }
        assert!(
            prompt.ends_with("\nPassphrase for keyring k.fsk: "),
            "{prompt}"
        );
        // More passes alone is more work too.
        let passes = Argon2Params::new(128 * 1024, 4, 1).unwrap();
        assert!(prompt_text(what, Some(passes)).contains("4 passes, about 2 times"));
    }

    #[test]
    fn only_names_that_look_like_variables_are_repeated() {
        for name in ["FIELDSEAL_PASSPHRASE", "FS_TEST_UNSET", "_X", "PASS2"] {
            assert!(looks_like_a_variable_name(name), "{name}");
        }
        for secret in [
            "",
            "correct horse battery staple",
            "hunter2hunter2",
            "Tr0ub4dor&3",
            "2FAST",
            &"A".repeat(65),
        ] {
            assert!(!looks_like_a_variable_name(secret), "{secret}");
        }
    }

    #[test]
    fn the_help_states_the_library_defaults() {
        // args.rs says "[default: 128]" and "[default: 3]".
        assert_eq!(Argon2Params::DEFAULT.memory_kib(), 128 * 1024);
        assert_eq!(Argon2Params::DEFAULT.iterations(), 3);
    }

    #[test]
    fn a_kek_is_raw_hex_or_base64() {
        let raw: Vec<u8> = (0u8..32).collect();
        assert_eq!(&*parse_kek(&raw).unwrap(), &raw[..]);
        let hex = "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F";
        assert_eq!(
            &*parse_kek(format!("{hex}\n").as_bytes()).unwrap(),
            &raw[..]
        );
        let b64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        assert_eq!(&*parse_kek(b64.as_bytes()).unwrap(), &raw[..]);
        assert_eq!(
            &*parse_kek(b64.trim_end_matches('=').as_bytes()).unwrap(),
            &raw[..]
        );
        assert!(parse_kek(b"too short").is_none());
        assert!(parse_kek(&[0; 33]).is_none());
        // 32 typed characters are not a raw key.
        assert!(parse_kek(b"correct horse battery staple 123").is_none());
    }
}
