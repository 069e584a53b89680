//! The `pkcs11` protector (feature `pkcs11`, FORMAT.md §14.2): the file key is encrypted with
//! AES-256-GCM *on* a PKCS#11 token (an HSM), by an AES key that is sensitive and not
//! extractable, with the key file's prefix and the key reference as associated data.
//!
//! [`wrap`] is the bytes; [`token`] talks to the module.

mod token;
mod wrap;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use cryptoki::types::AuthPin;
use zeroize::Zeroizing;

use crate::error::{KeyFileError, Result};
use crate::keyfile::protector::KeyProtector;
use crate::secret::{KEY_LEN, SecretKey};
use token::Token;
pub use wrap::Pkcs11Key;
use wrap::Wrap;

/// The id of the [`Pkcs11Protector`].
pub(crate) const PROTECTOR_ID: &str = "pkcs11";

/// Protects key files with a key that never leaves a PKCS#11 token (an HSM, or SoftHSM2 for
/// tests): the token encrypts the 32-byte file key with AES-256-GCM (`CKM_AES_GCM`), binding the
/// file's prefix and the key's label or id (FORMAT.md §14.2). Only the file key and that
/// associated data are handed to the token; the key file's body never is.
///
/// [`open`](Self::open) loads the module, finds the token by label, and logs in with the PIN
/// (which is not kept); the session stays open for the protector's life. A new file is wrapped by
/// the key given, which must be an AES-256 key created sensitive and not extractable; a file is
/// unwrapped by the key given or, when none is, by the one the file names.
///
/// ```no_run
/// use fieldseal::{Keyring, Pkcs11Key, Pkcs11Protector, Suite};
/// use zeroize::Zeroizing;
///
/// let hsm = Pkcs11Protector::open(
///     "/usr/lib/softhsm/libsofthsm2.so",
///     "fieldseal",
///     Some(Pkcs11Key::Label("fieldseal-root".to_owned())),
///     Zeroizing::new(std::env::var("HSM_PIN").unwrap()),
/// )?;
/// let keyring = Keyring::generate(Suite::default())?;
/// keyring.save("keyring.fsk", &hsm)?;
/// assert_eq!(Keyring::load("keyring.fsk", &hsm)?.id(), keyring.id());
/// # Ok::<(), fieldseal::Error>(())
/// ```
pub struct Pkcs11Protector {
    module: PathBuf,
    token: String,
    key: Option<Pkcs11Key>,
    session: Mutex<Token>,
    /// The key of the last file wrapped or unwrapped.
    last_key: Mutex<Option<Pkcs11Key>>,
}

impl Pkcs11Protector {
    /// Opens a session with the token labelled `token` in the PKCS#11 library `module`, logged
    /// in as its user with `pin`. With `key`, checks that the token holds that AES key.
    ///
    /// # Errors
    /// [`KeyFileError::ProtectorFailed`] for a module that is missing or does not load, a token
    /// that is not present, a key that is not on it; [`KeyFileError::WrongPin`];
    /// [`KeyFileError::BadProtector`] for an empty PIN or a key reference longer than 255 bytes.
    pub fn open(
        module: impl AsRef<Path>,
        token: &str,
        key: Option<Pkcs11Key>,
        pin: Zeroizing<String>,
    ) -> Result<Self> {
        if pin.is_empty() {
            return Err(KeyFileError::BadProtector(format!(
                "the PIN for PKCS#11 token `{token}` is empty; give the token user's PIN"
            ))
            .into());
        }
        if let Some(key) = &key {
            key.encode().map_err(KeyFileError::BadProtector)?;
        }
        // `AuthPin` wipes the PIN when dropped, after logging in. Its `From<String>` boxes the
        // string, which reallocates one with spare capacity and frees the old block unwiped: the
        // PIN goes in a buffer of exactly its length, and `pin` (zeroizing) wipes the original.
        let mut exact = String::with_capacity(pin.len());
        exact.push_str(&pin);
        drop(pin); // wiped
        let pin = AuthPin::from(exact);
        let module = module.as_ref().to_path_buf();
        let session = Token::open(&module, token, pin)?;
        if let Some(key) = &key {
            session.find_key(key, false)?;
        }
        Ok(Self {
            module,
            token: token.to_owned(),
            key,
            session: Mutex::new(session),
            last_key: Mutex::new(None),
        })
    }

    /// The PKCS#11 library.
    pub fn module(&self) -> &Path {
        &self.module
    }

    /// The token's label.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The key given to [`open`](Self::open), if any.
    pub fn key(&self) -> Option<&Pkcs11Key> {
        self.key.as_ref()
    }

    /// The key of the last file this protector wrapped or unwrapped: the one a file names, when
    /// no key was given. Not secret.
    pub fn last_key(&self) -> Option<Pkcs11Key> {
        self.last_key
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The key a `pkcs11` key file names, read from its clear header without the token; `None`
    /// for a file under another protector.
    ///
    /// # Errors
    /// As [`Keyring::load`](crate::Keyring::load), for bytes that are not a whole key file.
    pub fn key_of_key_file(bytes: &[u8]) -> Result<Option<Pkcs11Key>> {
        let file = super::container::parse(bytes)?;
        if file.protector != PROTECTOR_ID {
            return Ok(None);
        }
        Ok(Wrap::parse(file.wrap).ok().map(|w| w.key))
    }

    fn session(&self) -> std::sync::MutexGuard<'_, Token> {
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn remember(&self, key: &Pkcs11Key) {
        *self.last_key.lock().unwrap_or_else(PoisonError::into_inner) = Some(key.clone());
    }
}

impl fmt::Debug for Pkcs11Protector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Protector")
            .field("module", &self.module)
            .field("token", &self.token)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl KeyProtector for Pkcs11Protector {
    fn id(&self) -> &str {
        PROTECTOR_ID
    }

    fn wrap(&self, file_key: &SecretKey, aad: &[u8]) -> Result<Vec<u8>> {
        let token = self.session();
        let Some(key) = &self.key else {
            return Err(KeyFileError::BadProtector(format!(
                "no key was given to wrap with on PKCS#11 token `{}`; name it by label or id",
                token.label()
            ))
            .into());
        };
        let handle = token.find_key(key, true)?;
        let mut wrap = key.encode().map_err(KeyFileError::BadProtector)?;
        let (iv, sealed) =
            token.encrypt(handle, file_key.expose_secret(), &wrap::aad(aad, &wrap))?;
        wrap.extend_from_slice(&iv);
        wrap.extend_from_slice(&sealed);
        self.remember(key);
        Ok(wrap)
    }

    fn unwrap(&self, wrapped: &[u8], aad: &[u8]) -> Result<SecretKey> {
        let wrap = Wrap::parse(wrapped).map_err(|reason| KeyFileError::Invalid {
            reason: format!("its pkcs11 wrap {reason}"),
        })?;
        let key = self.key.as_ref().unwrap_or(&wrap.key);
        let token = self.session();
        let handle = token.find_key(key, false)?;
        let opened = token.decrypt(
            handle,
            &wrap.iv,
            wrap.sealed,
            &wrap::aad(aad, wrap.key_part),
        )?;
        let wrong = || KeyFileError::WrongProtectorKey {
            key: format!(
                "the PKCS#11 key with {key} on token `{}` (the file names the key with {})",
                token.label(),
                wrap.key
            ),
        };
        let opened = opened.ok_or_else(wrong)?;
        let bytes: [u8; KEY_LEN] = opened.as_slice().try_into().map_err(|_| wrong())?;
        self.remember(key);
        Ok(SecretKey::from_bytes(Zeroizing::new(bytes)))
    }
}
