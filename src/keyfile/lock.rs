//! The administration lock of a keyring file (FORMAT.md §14.6): one administrator at a time
//! between loading a keyring and saving it back.
//!
//! The lock is an advisory exclusive lock (`flock` on Unix, `LockFileEx` on Windows, through
//! `fs4`) on a lock file beside the keyring, `<keyring file name>.lock`. Not on the keyring file
//! itself: saving replaces that file by a rename, and a lock on the replaced file would lock
//! nothing. The lock file stays: removing it while someone waits on it would let two processes
//! hold "the" lock on two different files. It is empty, and a process that dies releases its lock
//! with it, so a lock file left behind never blocks anyone.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{KeyFileError, Result};

/// Exclusive hold of a keyring file's administration lock, released when dropped.
///
/// [`Keyring::save`](crate::Keyring::save) takes it for its own check-and-rename;
/// [`Keyring::load_locked`](crate::Keyring::load_locked) and
/// [`Keyring::update`](crate::Keyring::update) hold it from loading to saving, so that two
/// administrators' changes are made one after the other, never one over the other.
///
/// ```
/// use std::time::Duration;
/// use fieldseal::KeyringLock;
///
/// let dir = std::env::temp_dir().join(format!("fieldseal-lock-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("keyring.fsk");
///
/// let held = KeyringLock::acquire(&path, KeyringLock::DEFAULT_TIMEOUT)?;
/// assert_eq!(held.lock_path(), dir.join("keyring.fsk.lock"));
/// assert!(KeyringLock::try_acquire(&path)?.is_none(), "one holder at a time");
/// drop(held);
/// assert!(KeyringLock::try_acquire(&path)?.is_some());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), fieldseal::Error>(())
/// ```
#[derive(Debug)]
pub struct KeyringLock {
    /// Locked for as long as it is open.
    _file: File,
    keyring_path: PathBuf,
    lock_path: PathBuf,
}

impl KeyringLock {
    /// How long [`Keyring::save`](crate::Keyring::save), [`Keyring::load_locked`](crate::Keyring::load_locked)
    /// and [`Keyring::update`](crate::Keyring::update) wait for another holder: 60 s, far longer
    /// than any one administration step (a load, a change and a save take about a second), and
    /// short enough that a forgotten process is reported rather than waited on forever.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

    /// Takes the lock of the keyring file at `keyring_path` (which need not exist yet), waiting
    /// up to `timeout` for another holder to release it.
    ///
    /// # Errors
    /// [`KeyFileError::Locked`] when still held by another after `timeout`;
    /// [`KeyFileError::Io`] when the lock file cannot be created or opened, or is a symbolic
    /// link or anything but a regular file (it is never followed).
    pub fn acquire(keyring_path: impl AsRef<Path>, timeout: Duration) -> Result<Self> {
        let keyring_path = keyring_path.as_ref();
        let start = Instant::now();
        let mut pause = Duration::from_millis(10);
        loop {
            if let Some(lock) = Self::try_acquire(keyring_path)? {
                return Ok(lock);
            }
            let waited = start.elapsed();
            if waited >= timeout {
                return Err(KeyFileError::Locked {
                    path: keyring_path.to_path_buf(),
                    lock: lock_path(keyring_path)?,
                    waited,
                }
                .into());
            }
            std::thread::sleep(pause.min(timeout.saturating_sub(waited)));
            pause = (pause * 2).min(Duration::from_millis(200));
        }
    }

    /// Takes the lock if nobody holds it: `None` if another process (or another handle in this
    /// one) does.
    ///
    /// # Errors
    /// As [`acquire`](Self::acquire), but never [`KeyFileError::Locked`].
    pub fn try_acquire(keyring_path: impl AsRef<Path>) -> Result<Option<Self>> {
        let keyring_path = keyring_path.as_ref();
        let lock_path = lock_path(keyring_path)?;
        let file = open_lock_file(&lock_path)
            .map_err(|e| io_error("open the lock file", &lock_path, e))?;
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => Ok(Some(Self {
                _file: file,
                keyring_path: keyring_path.to_path_buf(),
                lock_path,
            })),
            Err(fs4::TryLockError::WouldBlock) => Ok(None),
            Err(fs4::TryLockError::Error(e)) => Err(io_error("lock", &lock_path, e)),
        }
    }

    /// The keyring file this lock is for, as given.
    pub fn keyring_path(&self) -> &Path {
        &self.keyring_path
    }

    /// The lock file: `<keyring file name>.lock`, beside the keyring file (beside the file a
    /// symbolic link points to, when the keyring path is one, so that every path to one keyring
    /// file shares one lock).
    pub fn lock_path(&self) -> &Path {
        &self.lock_path
    }
}

/// `<name>.lock` beside the keyring file, the link resolved when the keyring path is a symbolic
/// link (as [`atomic::write_atomic`](super::atomic::write_atomic) resolves it to save).
fn lock_path(keyring_path: &Path) -> Result<PathBuf> {
    let resolved = match fs::symlink_metadata(keyring_path) {
        Ok(meta) if meta.file_type().is_symlink() => fs::canonicalize(keyring_path)
            .map_err(|e| io_error("follow the link", keyring_path, e))?,
        _ => keyring_path.to_path_buf(),
    };
    let Some(name) = resolved.file_name() else {
        return Err(io_error(
            "lock",
            keyring_path,
            io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"),
        ));
    };
    let mut lock_name = name.to_os_string();
    lock_name.push(".lock");
    Ok(resolved.with_file_name(lock_name))
}

/// Opens (creating, owner-only) the lock file, never through a symbolic link and never anything
/// but a regular file; nothing is ever written to it.
pub(crate) fn open_lock_file(path: &Path) -> io::Result<File> {
    let not_a_file = || {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "it is a symbolic link or not a regular file, and is never followed or used; remove \
             it (no administrator's command is running when it is not a regular file)",
        )
    };
    if let Ok(meta) = fs::symlink_metadata(path) {
        if !meta.file_type().is_file() {
            return Err(not_a_file());
        }
    }
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        // Closes the gap between the check above and the open: a link put there meanwhile is
        // refused (ELOOP), a FIFO does not block.
        options
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(not_a_file());
    }
    Ok(file)
}

fn io_error(action: &'static str, path: &Path, source: io::Error) -> crate::Error {
    KeyFileError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("fieldseal-lock-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_held_lock_times_out_naming_the_keyring_and_the_lock_file() {
        let dir = scratch("timeout");
        let path = dir.join("keyring.fsk");
        let held = KeyringLock::acquire(&path, Duration::ZERO).unwrap();
        let start = Instant::now();
        let err = KeyringLock::acquire(&path, Duration::from_millis(300)).unwrap_err();
        assert!(start.elapsed() >= Duration::from_millis(300));
        let crate::Error::KeyFile(KeyFileError::Locked { path: p, lock, .. }) = &err else {
            panic!("{err:?}");
        };
        assert_eq!(
            (p.as_path(), lock.as_path()),
            (path.as_path(), held.lock_path())
        );
        assert!(err.to_string().contains("keyring.fsk.lock"), "{err}");
        drop(held);
        KeyringLock::acquire(&path, Duration::ZERO).unwrap();
        fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn the_lock_file_is_owner_only_and_never_a_symbolic_link() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = scratch("symlink");
        let path = dir.join("keyring.fsk");
        let lock = KeyringLock::acquire(&path, Duration::ZERO).unwrap();
        let mode = fs::metadata(lock.lock_path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        drop(lock);

        // A link where the lock file goes, to a file that must not be touched or created.
        let victim = dir.join("victim.txt");
        fs::write(&victim, "keep").unwrap();
        let other = dir.join("other.fsk");
        std::os::unix::fs::symlink(&victim, dir.join("other.fsk.lock")).unwrap();
        let err = KeyringLock::acquire(&other, Duration::ZERO).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep");
        std::os::unix::fs::symlink(dir.join("absent.txt"), dir.join("third.fsk.lock")).unwrap();
        assert!(KeyringLock::acquire(dir.join("third.fsk"), Duration::ZERO).is_err());
        assert!(
            !dir.join("absent.txt").exists(),
            "a dangling link was followed"
        );

        // A keyring path that is a link shares the lock of the file it points to.
        let real = dir.join("real.fsk");
        fs::write(&real, "").unwrap();
        let link = dir.join("link.fsk");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let held = KeyringLock::acquire(&real, Duration::ZERO).unwrap();
        assert!(KeyringLock::try_acquire(&link).unwrap().is_none());
        drop(held);
        fs::remove_dir_all(dir).unwrap();
    }
}
