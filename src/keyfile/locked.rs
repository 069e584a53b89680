//! A keyring loaded under its file's administration lock, saved back under the same lock: the
//! read-modify-write of key administration, one administrator at a time.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::path::Path;

use crate::error::Result;
use crate::keyfile::{KeyProtector, KeyringLock};
use crate::keyring::Keyring;

/// A keyring loaded while holding its file's [`KeyringLock`], until saved and dropped.
///
/// Another administrator's [`Keyring::load_locked`], [`Keyring::update`] or [`Keyring::save`] on
/// the same file waits until this is dropped, so their change is made to the file as this one
/// leaves it: two rotations give two new versions, and a retirement is never undone by another
/// process saving the keyring it loaded before. It derefs to the [`Keyring`].
///
/// ```
/// use fieldseal::{Kek, Keyring, SecretKey, Suite};
///
/// let dir = std::env::temp_dir().join(format!("fieldseal-locked-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("keyring.fsk");
/// let kek = Kek::new(SecretKey::generate()?);
/// Keyring::generate(Suite::default())?.save(&path, &kek)?;
///
/// let mut keyring = Keyring::load_locked(&path, &kek)?;
/// keyring.rotate()?;
/// keyring.save(&kek)?;
/// drop(keyring); // releases the lock
/// assert_eq!(Keyring::load(&path, &kek)?.versions(), vec![1, 2]);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), fieldseal::Error>(())
/// ```
pub struct LockedKeyring {
    keyring: Keyring,
    lock: KeyringLock,
}

impl LockedKeyring {
    /// Loads the keyring file `lock` is for, as [`Keyring::load`] does.
    ///
    /// # Errors
    /// As [`Keyring::load`].
    pub fn load(lock: KeyringLock, protector: &dyn KeyProtector) -> Result<Self> {
        let keyring = Keyring::load(lock.keyring_path(), protector)?;
        Ok(Self { keyring, lock })
    }

    /// A new keyring to be saved as the file `lock` is for (`fieldseal init`): as with
    /// [`Keyring::save`], an existing file there is never replaced.
    pub fn new(lock: KeyringLock, keyring: Keyring) -> Self {
        Self { keyring, lock }
    }

    /// Saves the keyring to its file under the lock held, as [`Keyring::save`] does (atomic,
    /// owner-only, never over a file it was not loaded from).
    ///
    /// # Errors
    /// As [`Keyring::save`], but never [`KeyFileError::Locked`](crate::KeyFileError::Locked).
    pub fn save(&self, protector: &dyn KeyProtector) -> Result<()> {
        self.keyring.saved((|| {
            let bytes = self.keyring.to_protected_bytes(protector)?;
            self.keyring
                .save_bytes_locked(self.lock.keyring_path(), &bytes)
        })())
    }

    /// The keyring file.
    pub fn path(&self) -> &Path {
        self.lock.keyring_path()
    }

    /// The lock held.
    pub fn lock(&self) -> &KeyringLock {
        &self.lock
    }

    /// The keyring, the lock released (unsaved changes stay in memory only).
    pub fn into_keyring(self) -> Keyring {
        self.keyring
    }
}

impl Deref for LockedKeyring {
    type Target = Keyring;

    fn deref(&self) -> &Keyring {
        &self.keyring
    }
}

impl DerefMut for LockedKeyring {
    fn deref_mut(&mut self) -> &mut Keyring {
        &mut self.keyring
    }
}

impl fmt::Debug for LockedKeyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockedKeyring")
            .field("keyring", &self.keyring)
            .field("lock", &self.lock.lock_path())
            .finish()
    }
}

impl Keyring {
    /// Loads a keyring under its file's [`KeyringLock`], waiting up to
    /// [`KeyringLock::DEFAULT_TIMEOUT`] for another administrator: change it, save it with
    /// [`LockedKeyring::save`], drop it to let the next one in. For one change,
    /// [`update`](Self::update) does all of it.
    ///
    /// # Errors
    /// [`KeyFileError::Locked`](crate::KeyFileError::Locked), and as [`Keyring::load`].
    pub fn load_locked(
        path: impl AsRef<Path>,
        protector: &dyn KeyProtector,
    ) -> Result<LockedKeyring> {
        let lock = KeyringLock::acquire(path, KeyringLock::DEFAULT_TIMEOUT)?;
        LockedKeyring::load(lock, protector)
    }

    /// Changes a keyring file: takes its lock, loads it, applies `change` and, if `change`
    /// succeeds, saves it, all before another administrator's change can start. Returns what
    /// `change` returns; when it fails, nothing is saved.
    ///
    /// ```
    /// use fieldseal::{Kek, Keyring, SecretKey, Suite};
    ///
    /// let dir = std::env::temp_dir().join(format!("fieldseal-update-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let path = dir.join("keyring.fsk");
    /// let kek = Kek::new(SecretKey::generate()?);
    /// Keyring::generate(Suite::default())?.save(&path, &kek)?;
    ///
    /// let v2 = Keyring::update(&path, &kek, |keyring| keyring.rotate())?;
    /// Keyring::update(&path, &kek, |keyring| keyring.retire(v2 - 1))?;
    /// assert_eq!(Keyring::load(&path, &kek)?.retired_versions(), vec![1]);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), fieldseal::Error>(())
    /// ```
    ///
    /// # Errors
    /// What `change` returns; [`KeyFileError::Locked`](crate::KeyFileError::Locked); as
    /// [`Keyring::load`] and [`Keyring::save`].
    pub fn update<T>(
        path: impl AsRef<Path>,
        protector: &dyn KeyProtector,
        change: impl FnOnce(&mut Keyring) -> Result<T>,
    ) -> Result<T> {
        let mut keyring = Self::load_locked(path, protector)?;
        let out = change(&mut keyring)?;
        keyring.save(protector)?;
        Ok(out)
    }
}
