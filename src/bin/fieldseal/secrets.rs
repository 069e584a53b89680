//! Secrets: where the passphrase or key-encryption key (KEK) of a key file comes from, and the
//! protector built from it. Never from a command-line argument: an environment variable named on
//! the command line, a file, or the terminal.

use std::fmt;
use std::fs::File;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use fieldseal::{
    Argon2Params, Error, KEY_LEN, Kek, KeyFileError, KeyProtector, Passphrase, SecretKey,
};
use zeroize::Zeroizing;

use crate::args::{BundleSecretArgs, CeilingArgs, KdfArgs, KeyringSecretArgs, NewSecretArgs};
use crate::failure::{Exit, Failure, Outcome};

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
}

/// The flags naming a file's secret, for messages.
#[derive(Debug)]
struct Flags {
    env: &'static str,
    file: &'static str,
    kek: &'static str,
}

const KEYRING_FLAGS: Flags = Flags {
    env: "--passphrase-env",
    file: "--passphrase-file",
    kek: "--kek-file",
};

const BUNDLE_FLAGS: Flags = Flags {
    env: "--bundle-passphrase-env",
    file: "--bundle-passphrase-file",
    kek: "--bundle-kek-file",
};

const NEW_FLAGS: Flags = Flags {
    env: "--new-passphrase-env",
    file: "--new-passphrase-file",
    kek: "--new-kek-file",
};

/// The secret of one key file, as the command line gives it.
#[derive(Debug)]
pub(crate) struct Secret {
    source: Source,
    flags: &'static Flags,
    ceiling: Ceiling,
}

impl Secret {
    /// The keyring's secret.
    pub(crate) fn keyring(args: &KeyringSecretArgs, ceiling: Ceiling) -> Outcome<Self> {
        Self::from_options(
            args.passphrase_env.as_ref(),
            args.passphrase_file.as_ref(),
            args.kek_file.as_ref(),
            &KEYRING_FLAGS,
            ceiling,
        )
    }

    /// The keyring's new secret, for `rekey`.
    pub(crate) fn new_keyring(args: &NewSecretArgs, ceiling: Ceiling) -> Outcome<Self> {
        Self::from_options(
            args.new_passphrase_env.as_ref(),
            args.new_passphrase_file.as_ref(),
            args.new_kek_file.as_ref(),
            &NEW_FLAGS,
            ceiling,
        )
    }

    /// A bundle's secret.
    pub(crate) fn bundle(args: &BundleSecretArgs, ceiling: Ceiling) -> Outcome<Self> {
        Self::from_options(
            args.bundle_passphrase_env.as_ref(),
            args.bundle_passphrase_file.as_ref(),
            args.bundle_kek_file.as_ref(),
            &BUNDLE_FLAGS,
            ceiling,
        )
    }

    fn from_options(
        env: Option<&String>,
        file: Option<&PathBuf>,
        kek: Option<&PathBuf>,
        flags: &'static Flags,
        ceiling: Ceiling,
    ) -> Outcome<Self> {
        let given = [env.is_some(), file.is_some(), kek.is_some()];
        if given.into_iter().filter(|&g| g).count() > 1 {
            return Err(Failure::new(
                Exit::Usage,
                format!(
                    "give at most one of {}, {} and {}",
                    flags.env, flags.file, flags.kek
                ),
            ));
        }
        let source = match (env, file, kek) {
            (Some(var), _, _) => Source::Env(var.clone()),
            (_, Some(path), _) => Source::File(path.clone()),
            (_, _, Some(path)) => Source::Kek(path.clone()),
            _ => Source::Prompt,
        };
        Ok(Self {
            source,
            flags,
            ceiling,
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
        if let Source::Kek(path) = &self.source {
            if kdf.kdf_memory_mib.is_some() || kdf.kdf_iterations.is_some() {
                return Err(Failure::new(
                    Exit::Usage,
                    format!(
                        "--kdf-memory-mib and --kdf-iterations set the cost of a passphrase, but \
                         {what} is to be protected by the KEK of {}",
                        self.flags.kek
                    ),
                ));
            }
            return Ok(Protector::Kek(Kek::new(read_kek(path, self.flags.kek)?)));
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
            Source::Env(var) => (read_env(var, self.flags.env)?, format!("${var}")),
            Source::File(path) => (
                read_first_line(path, self.flags.file)?,
                path.display().to_string(),
            ),
            Source::Prompt if new => (self.prompt_new(what)?, "the terminal".to_owned()),
            Source::Prompt => (
                self.prompt(&prompt_text(what, asks))?,
                "the terminal".to_owned(),
            ),
            Source::Kek(_) => unreachable!("a KEK source has no passphrase"),
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
                let hint = if found == "kek" {
                    format!("give {} PATH", flags.kek)
                } else {
                    format!(
                        "give {} VAR or {} PATH, or type it at the prompt",
                        flags.env, flags.file
                    )
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
            kek @ Self::Kek(_) => kek,
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
        }
    }

    /// The kind of protector, for `status` (JSON).
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::Passphrase(_) => "passphrase",
            Self::Kek(_) => "kek",
        }
    }

    /// What the secret is called, for messages.
    pub(crate) fn secret_name(&self) -> &'static str {
        match self {
            Self::Passphrase(_) => "passphrase",
            Self::Kek(_) => "key-encryption key",
        }
    }

    /// The Argon2id parameters of a passphrase, as recorded in the file last loaded or saved.
    pub(crate) fn argon2(&self) -> Option<Argon2Params> {
        match self {
            Self::Passphrase(p) => Some(p.params()),
            Self::Kek(_) => None,
        }
    }
}

/// What protects a file, for people: never the secret itself.
impl fmt::Display for Protector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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

fn read_env(var: &str, flag: &str) -> Outcome<Zeroizing<String>> {
    match std::env::var_os(var) {
        None if looks_like_a_variable_name(var) => Err(Failure::new(
            Exit::Usage,
            format!(
                "environment variable {var} is not set ({flag} takes the name of a variable that \
                 holds the passphrase)"
            ),
        )),
        None => Err(Failure::new(
            Exit::Usage,
            format!(
                "the environment variable named by {flag} is not set; the name given is not \
                 repeated here, as it does not look like a variable's name (upper-case letters, \
                 digits, `_`) and may be a passphrase: {flag} takes the name of a variable that \
                 holds the passphrase, such as FIELDSEAL_PASSPHRASE. A passphrase given on the \
                 command line was visible to every user in the process list: change it"
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
/// [`MAX_SECRET_FILE`] bytes.
fn read_first_line(path: &Path, flag: &str) -> Outcome<Zeroizing<String>> {
    let bytes = read_secret_file(path, flag)?;
    let Some(end) = bytes
        .iter()
        .position(|&b| b == b'\n')
        .or_else(|| Some(bytes.len()).filter(|&len| len <= MAX_SECRET_FILE))
    else {
        return Err(Failure::new(
            Exit::Usage,
            format!(
                "{flag} {}: no line ends within its first {MAX_SECRET_FILE} bytes; a passphrase \
                 file holds the passphrase on its first line",
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

/// Up to [`MAX_SECRET_FILE`] + 1 bytes of a secret file (more would not be a secret file), into
/// a buffer allocated once, so that no copy is left unwiped by a reallocation.
fn read_secret_file(path: &Path, flag: &str) -> Outcome<Zeroizing<Vec<u8>>> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(MAX_SECRET_FILE + 1));
    File::open(path)
        .and_then(|f| f.take(MAX_SECRET_FILE as u64 + 1).read_to_end(&mut bytes))
        .map_err(|e| {
            Failure::new(
                Exit::Usage,
                format!("cannot read {flag} {}: {e}", path.display()),
            )
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
