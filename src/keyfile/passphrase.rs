//! The passphrase protector: Argon2id turns a passphrase into the key-encryption key
//! (FORMAT.md §14.2).

use std::fmt;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use argon2::{Algorithm, Argon2, Params, Version};
use zeroize::Zeroizing;

use crate::error::{KeyFileError, Result};
use crate::keyfile::protector::{KeyProtector, WRAPPED_LEN, unwrap_key, wrap_key};
use crate::secret::{KEY_LEN, SecretKey};

/// The id of the [`Passphrase`] protector.
pub(crate) const PROTECTOR_ID: &str = "argon2id";
const SALT_LEN: usize = 16;
/// `m_cost t_cost p_cost salt wrapped`.
const BLOB_LEN: usize = 12 + SALT_LEN + WRAPPED_LEN;

/// Argon2id cost parameters, stored in the key file so that it always opens with the ones it was
/// written with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Argon2Params {
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
}

impl Argon2Params {
    /// The least memory [`new`](Self::new) accepts: 19 MiB, OWASP's floor for Argon2id.
    pub const MIN_MEMORY_KIB: u32 = 19 * 1024;
    /// The most memory a file may ask for: 1 GiB (8x the default). A file asking more is
    /// refused before any work, so that a hostile bundle cannot stall a service's start.
    pub const MAX_MEMORY_KIB: u32 = 1024 * 1024;
    /// The most passes a file may ask for (16, about 5x the default's cost per MiB).
    pub const MAX_ITERATIONS: u32 = 16;
    /// The most lanes a file may ask for.
    pub const MAX_PARALLELISM: u32 = 16;

    /// The default: 128 MiB, 3 passes, 1 lane; about 0.5 s on the 2-core build machine
    /// (BENCHMARKS.md). More than RFC 9106's 64 MiB option, for a file opened once per start.
    pub const DEFAULT: Self = Self {
        memory_kib: 128 * 1024,
        iterations: 3,
        parallelism: 1,
    };

    /// Parameters for writing a file.
    ///
    /// # Errors
    /// [`KeyFileError::UnsafeParameters`] below 19 MiB or 2 passes (OWASP's floor) or above the
    /// maximums.
    pub fn new(memory_kib: u32, iterations: u32, parallelism: u32) -> Result<Self> {
        let params = Self {
            memory_kib,
            iterations,
            parallelism,
        };
        params.check_bounds()?;
        if memory_kib < Self::MIN_MEMORY_KIB || iterations < 2 {
            return Err(unsafe_params(format!(
                "{memory_kib} KiB and {iterations} passes are below the floor of {} KiB and 2 \
                 passes",
                Self::MIN_MEMORY_KIB
            ))
            .into());
        }
        Ok(params)
    }

    /// Memory in KiB.
    pub fn memory_kib(&self) -> u32 {
        self.memory_kib
    }

    /// Passes over memory.
    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    /// Lanes.
    pub fn parallelism(&self) -> u32 {
        self.parallelism
    }

    /// The parameters a passphrase-protected key file asks for, read from its clear header
    /// (FORMAT.md §14.2) without any passphrase and without deriving anything: for saying what
    /// unlocking it will cost before asking for the passphrase. `None` for a file under another
    /// protector. The values are as stored: loading checks them.
    ///
    /// ```
    /// use fieldseal::{Argon2Params, Keyring, Passphrase, Suite};
    ///
    /// let cheap = Argon2Params::new(Argon2Params::MIN_MEMORY_KIB, 2, 1)?;
    /// let protector = Passphrase::new("correct horse battery staple".to_owned())?.with_params(cheap);
    /// let file = Keyring::generate(Suite::default())?.to_protected_bytes(&protector)?;
    /// assert_eq!(Argon2Params::of_key_file(&file)?, Some(cheap));
    /// # Ok::<(), fieldseal::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Keyring::load`](crate::Keyring::load), for a file that is not a whole key file.
    pub fn of_key_file(bytes: &[u8]) -> Result<Option<Self>> {
        let file = super::container::parse(bytes)?;
        if file.protector != PROTECTOR_ID || file.wrap.len() != BLOB_LEN {
            return Ok(None);
        }
        Ok(Some(Self::from_blob(file.wrap)))
    }

    /// [`of_key_file`](Self::of_key_file) of the file at `path`, read up to the size of the
    /// largest key file.
    ///
    /// # Errors
    /// As [`Keyring::load`](crate::Keyring::load), for a file that is not a whole key file.
    pub fn of_key_file_at(path: impl AsRef<Path>) -> Result<Option<Self>> {
        Self::of_key_file(&super::atomic::read(path.as_ref())?)
    }

    /// The parameters at the start of an `argon2id` wrap: `m_cost t_cost p_cost`.
    fn from_blob(blob: &[u8]) -> Self {
        let word = |i: usize| u32::from_be_bytes(blob[i..i + 4].try_into().expect("4 bytes"));
        Self {
            memory_kib: word(0),
            iterations: word(4),
            parallelism: word(8),
        }
    }

    /// The limits applied to a file's parameters before any work is done: they stop a hostile
    /// file from making the loader allocate or spin without bound.
    fn check_bounds(&self) -> Result<(), KeyFileError> {
        if !(1..=Self::MAX_PARALLELISM).contains(&self.parallelism) {
            return Err(unsafe_params(format!(
                "parallelism {} is outside 1..={}",
                self.parallelism,
                Self::MAX_PARALLELISM
            )));
        }
        if !(8 * self.parallelism..=Self::MAX_MEMORY_KIB).contains(&self.memory_kib) {
            return Err(unsafe_params(format!(
                "memory {} KiB is outside {}..={} KiB",
                self.memory_kib,
                8 * self.parallelism,
                Self::MAX_MEMORY_KIB
            )));
        }
        if !(1..=Self::MAX_ITERATIONS).contains(&self.iterations) {
            return Err(unsafe_params(format!(
                "{} passes is outside 1..={}",
                self.iterations,
                Self::MAX_ITERATIONS
            )));
        }
        Ok(())
    }

    fn derive(&self, passphrase: &[u8], salt: &[u8; SALT_LEN]) -> Result<SecretKey> {
        let params = Params::new(
            self.memory_kib,
            self.iterations,
            self.parallelism,
            Some(KEY_LEN),
        )
        .map_err(|e| unsafe_params(e.to_string()))?;
        let mut kek = Zeroizing::new([0; KEY_LEN]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(passphrase, salt, &mut kek[..])
            .map_err(|e| unsafe_params(e.to_string()))?;
        Ok(SecretKey::from_bytes(kek))
    }
}

impl Default for Argon2Params {
    fn default() -> Self {
        Self::DEFAULT
    }
}

fn unsafe_params(reason: String) -> KeyFileError {
    KeyFileError::UnsafeParameters { reason }
}

/// The key-encryption key derived for one salt and parameter set, kept so that saving a loaded
/// file again costs no second Argon2id run.
struct Derived {
    params: Argon2Params,
    salt: [u8; SALT_LEN],
    /// Boxed: `Derived`s are removed from and pushed to a `Vec`, which moves them and leaves
    /// the moved bytes in its spare capacity; a box moves only its pointer.
    kek: Box<SecretKey>,
    /// The associated data of the wraps it made or opened: the file's kind and protector. A file
    /// of another kind is another file, with a salt of its own.
    aad: Vec<u8>,
}

/// A passphrase protector: Argon2id (salt and parameters stored in the file) derives the
/// key-encryption key that wraps the file key.
///
/// A file loaded with it is saved again with the same salt and parameters, reusing the derived key
/// (one Argon2id run per process, not per save). A new file gets a fresh salt and
/// [`Argon2Params::DEFAULT`], or the parameters of [`with_params`](Self::with_params). It keeps
/// one derivation per kind of file (keyring, bundle, ...): two files of one kind written through
/// one `Passphrase` share a salt, so give each file that must not its own `Passphrase`.
///
/// ```
/// use fieldseal::{Argon2Params, Keyring, Passphrase, Suite};
///
/// let cheap = Argon2Params::new(Argon2Params::MIN_MEMORY_KIB, 2, 1)?; // the default is 128 MiB
/// let protector = Passphrase::new("correct horse battery staple".to_owned())?.with_params(cheap);
/// let keyring = Keyring::generate(Suite::default())?;
/// let file = keyring.to_protected_bytes(&protector)?;
///
/// let wrong = Passphrase::new("incorrect horse".to_owned())?;
/// assert!(matches!(
///     Keyring::from_protected_bytes(&file, &wrong),
///     Err(fieldseal::Error::KeyFile(fieldseal::KeyFileError::WrongPassphrase))
/// ));
/// # Ok::<(), fieldseal::Error>(())
/// ```
pub struct Passphrase {
    phrase: Zeroizing<String>,
    params: Argon2Params,
    ceiling: Ceiling,
    /// One per kind of file, the last loaded or saved at the end.
    derived: Mutex<Vec<Derived>>,
}

/// The most a file may ask of [`Passphrase::unwrap`](KeyProtector::unwrap), below the hard
/// bounds of [`Argon2Params`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ceiling {
    memory_kib: u32,
    iterations: u32,
}

impl Ceiling {
    const HARD: Self = Self {
        memory_kib: Argon2Params::MAX_MEMORY_KIB,
        iterations: Argon2Params::MAX_ITERATIONS,
    };

    fn check(self, asked: Argon2Params) -> Result<(), KeyFileError> {
        if asked.memory_kib <= self.memory_kib && asked.iterations <= self.iterations {
            return Ok(());
        }
        Err(unsafe_params(format!(
            "the file asks for {} and {} passes, above the ceiling of {} and {} passes this \
             loader was given; nothing was derived: raise the ceiling if the file is trusted, \
             else find out who wrote it",
            memory(asked.memory_kib),
            asked.iterations,
            memory(self.memory_kib),
            self.iterations
        )))
    }
}

/// `128 MiB`, or `19500 KiB` when not a whole number of MiB.
fn memory(kib: u32) -> String {
    if kib % 1024 == 0 {
        format!("{} MiB", kib / 1024)
    } else {
        format!("{kib} KiB")
    }
}

impl Passphrase {
    /// A passphrase protector with [`Argon2Params::DEFAULT`].
    ///
    /// # Errors
    /// [`KeyFileError::BadProtector`] for an empty passphrase.
    pub fn new(passphrase: impl Into<Zeroizing<String>>) -> Result<Self> {
        let passphrase = passphrase.into();
        if passphrase.is_empty() {
            return Err(KeyFileError::BadProtector(
                "the passphrase is empty; give a long passphrase".to_owned(),
            )
            .into());
        }
        Ok(Self {
            phrase: passphrase,
            params: Argon2Params::DEFAULT,
            ceiling: Ceiling::HARD,
            derived: Mutex::new(Vec::new()),
        })
    }

    /// Refuses to load a file that asks for more than `max_memory_kib` KiB of memory or
    /// `max_iterations` passes, before deriving anything. Without it, a file may ask for up to
    /// [`Argon2Params::MAX_MEMORY_KIB`] (1 GiB) and [`Argon2Params::MAX_ITERATIONS`] (16), about
    /// 25 s of work per attempt: a service that knows what its bundle should cost can refuse a
    /// planted one at once. Values above those bounds change nothing; files written keep their
    /// own parameters ([`with_params`](Self::with_params)).
    ///
    /// ```
    /// use fieldseal::{Argon2Params, Error, KeyFileError, Keyring, Passphrase, Suite};
    ///
    /// let costly = Argon2Params::new(32 * 1024, 2, 1)?;
    /// let writer = Passphrase::new("correct horse battery staple".to_owned())?.with_params(costly);
    /// let file = Keyring::generate(Suite::default())?.to_protected_bytes(&writer)?;
    ///
    /// let service = Passphrase::new("correct horse battery staple".to_owned())?
    ///     .with_max_cost(Argon2Params::MIN_MEMORY_KIB, 3);
    /// let err = Keyring::from_protected_bytes(&file, &service).unwrap_err();
    /// assert!(matches!(err, Error::KeyFile(KeyFileError::UnsafeParameters { .. })));
    /// assert!(err.to_string().contains("asks for 32 MiB and 2 passes"));
    /// # Ok::<(), fieldseal::Error>(())
    /// ```
    #[must_use]
    pub fn with_max_cost(mut self, max_memory_kib: u32, max_iterations: u32) -> Self {
        self.ceiling = Ceiling {
            memory_kib: max_memory_kib.min(Argon2Params::MAX_MEMORY_KIB),
            iterations: max_iterations.min(Argon2Params::MAX_ITERATIONS),
        };
        self
    }

    /// Uses `params` for files written from now on (files already written keep theirs).
    #[must_use]
    pub fn with_params(mut self, params: Argon2Params) -> Self {
        self.params = params;
        self.derived
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self
    }

    /// The parameters of the last file loaded or saved, or those new files get.
    pub fn params(&self) -> Argon2Params {
        self.derived
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .last()
            .map_or(self.params, |d| d.params)
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Passphrase")
            .field("passphrase", &"[REDACTED]")
            .field("params", &self.params())
            .field("ceiling", &self.ceiling)
            .finish_non_exhaustive()
    }
}

impl KeyProtector for Passphrase {
    fn id(&self) -> &str {
        PROTECTOR_ID
    }

    fn wrap(&self, file_key: &SecretKey, aad: &[u8]) -> Result<Vec<u8>> {
        let mut derived = self.derived.lock().unwrap_or_else(PoisonError::into_inner);
        let d = if let Some(at) = derived.iter().position(|d| d.aad == aad) {
            derived.remove(at)
        } else {
            let mut salt = [0; SALT_LEN];
            crate::rng::os_random(&mut salt)?;
            let kek = Box::new(self.params.derive(self.phrase.as_bytes(), &salt)?);
            Derived {
                params: self.params,
                salt,
                kek,
                aad: aad.to_vec(),
            }
        };
        // The last saved goes to the end, for `params`.
        derived.push(d);
        let d = derived.last().expect("pushed above");
        let mut out = Vec::with_capacity(BLOB_LEN);
        out.extend_from_slice(&d.params.memory_kib.to_be_bytes());
        out.extend_from_slice(&d.params.iterations.to_be_bytes());
        out.extend_from_slice(&d.params.parallelism.to_be_bytes());
        out.extend_from_slice(&d.salt);
        out.extend_from_slice(&wrap_key(&d.kek, file_key, aad)?);
        Ok(out)
    }

    fn unwrap(&self, wrapped: &[u8], aad: &[u8]) -> Result<SecretKey> {
        if wrapped.len() != BLOB_LEN {
            return Err(KeyFileError::Invalid {
                reason: format!(
                    "an argon2id wrap is {BLOB_LEN} bytes, this one {}",
                    wrapped.len()
                ),
            }
            .into());
        }
        let params = Argon2Params::from_blob(wrapped);
        params.check_bounds()?;
        self.ceiling.check(params)?;
        let salt: [u8; SALT_LEN] = wrapped[12..12 + SALT_LEN].try_into().expect("salt");
        let mut derived = self.derived.lock().unwrap_or_else(PoisonError::into_inner);
        let kept = derived
            .iter()
            .position(|d| d.aad == aad)
            .map(|at| derived.remove(at));
        let d = match kept {
            Some(d) if d.params == params && d.salt == salt => d,
            _ => Derived {
                params,
                salt,
                kek: Box::new(params.derive(self.phrase.as_bytes(), &salt)?),
                aad: aad.to_vec(),
            },
        };
        let key = unwrap_key(&d.kek, &wrapped[12 + SALT_LEN..], aad);
        // A wrong passphrase is not kept for the next save; the last loaded goes to the end.
        if key.is_ok() {
            derived.push(d);
        }
        key.map_err(|()| KeyFileError::WrongPassphrase.into())
    }
}
