//! A service's keys, swapped in place when its bundle file is re-exported (feature `tokio`):
//! readers take the current [`KeySet`] without a lock (arc-swap), a reload replaces it whole or
//! not at all, and [`watch`](ReloadableKeys::watch) reloads when the file changes.

mod watch;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use arc_swap::ArcSwap;

pub use watch::WatchHandle;

use crate::audit::{AuditKey, Auditor};
use crate::error::Result;
use crate::keyfile::{KeyBundle, KeyProtector, SharedProtector, blocking};
use crate::keyring::KeyringId;
use crate::keyset::KeySet;

/// The keys of one service's bundle file, reloadable without a restart.
///
/// Created with [`load_bundle`](Self::load_bundle); [`current`](Self::current) hands out the
/// key set in force (lock-free: a reload never waits for readers, nor readers for a reload, and
/// a value opened with keys taken before a swap stays valid). [`reload`](Self::reload) reads the
/// file again; a reload that fails (missing, truncated or tampered file, wrong passphrase,
/// another service's or another keyring's bundle) keeps the keys in force and returns the error.
/// Give it an [`Auditor`] ([`with_auditor`](Self::with_auditor)) for an audit trail, as a
/// [`KeySet`] takes one.
///
/// ```no_run
/// # async fn run() -> fieldseal::Result<()> {
/// use std::sync::Arc;
/// use std::time::Duration;
/// use fieldseal::{Passphrase, ReloadableKeys};
///
/// let protector = Arc::new(Passphrase::from_file("/run/secrets/fulfillment-passphrase")?);
/// let keys = Arc::new(
///     ReloadableKeys::load_bundle("/etc/shop/fulfillment.fskeys", "fulfillment", protector).await?,
/// );
/// let _watch = keys.watch(Duration::from_secs(10), |outcome| {
///     if let Err(e) = outcome {
///         eprintln!("key bundle not reloaded, the old keys stay in force: {e}");
///     }
/// });
/// let key_set = keys.current(); // per request
/// # Ok(()) }
/// ```
pub struct ReloadableKeys {
    path: PathBuf,
    service: String,
    keyring: KeyringId,
    protector: SharedProtector,
    current: ArcSwap<KeySet>,
    /// The SHA-256 of the whole file loaded last (`keyfile::file_checksum`).
    checksum: ArcSwap<[u8; 32]>,
    generation: AtomicU64,
    /// Numbers each read of the file, in the order the reads happened (taken with the read).
    reads: Arc<Mutex<u64>>,
    /// The number of the read whose keys are in force: a reload that read the file before
    /// another one's keys were swapped in must not replace them with older ones.
    in_force: Mutex<u64>,
    /// What every key set handed out records through ([`with_auditor`](Self::with_auditor)).
    auditor: Option<Auditor>,
    /// The service's audit key, as the bundle first loaded carried it.
    audit_key: Option<AuditKey>,
    /// The SHA-256 of the last file a reload refused: not opened again until it changes (a
    /// file asking for heavy key derivation, or under another passphrase, would otherwise cost
    /// that work at every poll).
    refused: Mutex<Option<([u8; 32], String)>>,
}

/// What a successful [`ReloadableKeys::reload`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reloaded {
    /// The file had changed: its keys are now in force.
    Swapped,
    /// The file is the one already loaded: nothing changed.
    Unchanged,
}

impl ReloadableKeys {
    /// Loads the bundle of `service` at `path` (on tokio's blocking pool, as
    /// [`KeyBundle::load_async`]). Later reloads must be bundles of the same service and keyring.
    ///
    /// # Errors
    /// As [`KeyBundle::load`] and [`KeyBundle::require_service`].
    pub async fn load_bundle(
        path: impl Into<PathBuf>,
        service: &str,
        protector: SharedProtector,
    ) -> Result<Self> {
        let path = path.into();
        let (file, owned_service, shared) = (path.clone(), service.to_owned(), protector.clone());
        let (bundle, checksum) = blocking(&path, move || {
            let bytes = crate::keyfile::read_key_file(&file)?;
            let bundle = open(&bytes, &owned_service, &*shared)?;
            Ok((bundle, crate::keyfile::file_checksum(&bytes)))
        })
        .await?;
        Ok(Self {
            keyring: bundle.keyring_id(),
            audit_key: bundle.audit_key().map(AuditKey::share),
            service: service.to_owned(),
            current: ArcSwap::from_pointee(bundle.into_key_set()),
            checksum: ArcSwap::from_pointee(checksum),
            path,
            protector,
            generation: AtomicU64::new(0),
            reads: Arc::new(Mutex::new(0)),
            in_force: Mutex::new(0),
            auditor: None,
            refused: Mutex::new(None),
        })
    }

    /// Records every seal, open and re-seal through the key sets [`current`](Self::current)
    /// hands out with `auditor` (as [`KeySet::with_auditor`]): those of the keys in force now,
    /// and of each reload's keys, each load recorded as a `key-set-load` event when its keys are
    /// swapped in (FORMAT.md §18.2). Key sets taken before this call record nothing.
    ///
    /// # Errors
    /// [`Error::Audit`](crate::Error::Audit) if the load cannot be recorded and the auditor fails
    /// closed.
    pub fn with_auditor(mut self, auditor: Auditor) -> Result<Self> {
        let set = self.current.load().share_keys();
        self.current
            .store(Arc::new(set.with_auditor(auditor.clone())?));
        self.auditor = Some(auditor);
        Ok(self)
    }

    /// The service's audit key (FORMAT.md §18.1), as the bundle loaded first carried it: what
    /// opens the service's own log (`audit::FileSink`, feature `audit-log`) and computes its
    /// pseudonyms, for the auditor given to [`with_auditor`](Self::with_auditor), without loading
    /// the bundle a second time. `None` if the keyring had no audit key when the bundle was
    /// exported. A reload does not change it: after an audit key rotation, restart the service to
    /// write under the new version.
    pub fn audit_key(&self) -> Option<&AuditKey> {
        self.audit_key.as_ref()
    }

    /// The key set in force. Lock-free; hold it for a request, not for the life of the service.
    pub fn current(&self) -> Arc<KeySet> {
        self.current.load_full()
    }

    /// The keyring the bundle comes from: every reload must be of this keyring. Check it against
    /// the keyring the service belongs to at start-up (a bundle of staging's keyring seals
    /// production's customers under keys production cannot open).
    pub fn keyring(&self) -> KeyringId {
        self.keyring
    }

    /// How many times the keys were swapped since loading.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The bundle file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the file again and, if it changed, swaps its keys in. On any error the keys in
    /// force stay.
    ///
    /// # Errors
    /// As [`KeyBundle::load`]; [`KeyFileError::WrongService`](crate::KeyFileError) or
    /// [`KeyFileError::WrongKeyring`](crate::KeyFileError) for another service's or keyring's
    /// bundle (as [`KeyBundle::require_service`], [`KeyBundle::require_keyring`]).
    pub async fn reload(&self) -> Result<Reloaded> {
        let last = **self.checksum.load();
        let refused = self
            .refused
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let read = read(
            &self.path,
            last,
            refused.as_ref().map(|(sum, _)| *sum),
            &self.service,
            self.protector.clone(),
            Arc::clone(&self.reads),
        )
        .await;
        let (bundle, checksum, ticket) = match read {
            Ok(Read::Refused) => {
                return Err(crate::error::KeyFileError::RefusedBefore {
                    path: self.path.clone(),
                    reason: refused.map(|(_, why)| why).unwrap_or_default(),
                }
                .into());
            }
            Ok(Read::Done(bundle, checksum, ticket)) => (bundle, checksum, ticket),
            Err((e, checksum)) => {
                if let Some(checksum) = checksum {
                    *self.refused.lock().unwrap_or_else(PoisonError::into_inner) =
                        Some((checksum, e.to_string()));
                }
                return Err(e);
            }
        };
        let Some(bundle) = bundle else {
            return Ok(Reloaded::Unchanged);
        };
        let bundle = match (*bundle).require_keyring(self.keyring) {
            Ok(bundle) => bundle,
            Err(e) => {
                *self.refused.lock().unwrap_or_else(PoisonError::into_inner) =
                    Some((checksum, e.to_string()));
                return Err(e);
            }
        };
        let mut in_force = self.in_force.lock().unwrap_or_else(PoisonError::into_inner);
        if ticket <= *in_force {
            // Another reload read the file after this one did and its keys are in force
            // already: this one's are older.
            return Ok(Reloaded::Unchanged);
        }
        let keys = match &self.auditor {
            // A load that cannot be recorded (a failing-closed auditor) is not swapped in.
            Some(auditor) => bundle.into_key_set().with_auditor(auditor.clone())?,
            None => bundle.into_key_set(),
        };
        *in_force = ticket;
        self.current.store(Arc::new(keys));
        self.checksum.store(Arc::new(checksum));
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(Reloaded::Swapped)
    }
}

/// What a reload read: the file refused before, unchanged; or the bundle (`None`: the file in
/// force, unchanged), its checksum and the read's number.
enum Read {
    Refused,
    Done(Option<Box<KeyBundle>>, [u8; 32], u64),
}

/// Reads the file at `path` on the blocking pool and, unless its checksum is `unchanged` or
/// `refused`, opens it as `service`'s bundle. An error comes with the checksum of the file it is
/// about, if it was read.
async fn read(
    path: &Path,
    unchanged: [u8; 32],
    refused: Option<[u8; 32]>,
    service: &str,
    protector: SharedProtector,
    reads: Arc<Mutex<u64>>,
) -> std::result::Result<Read, (crate::Error, Option<[u8; 32]>)> {
    let file = path.to_path_buf();
    let service = service.to_owned();
    let opened = Arc::new(Mutex::new(None));
    let seen = Arc::clone(&opened);
    blocking(path, move || {
        // The read and its number together, so that numbers follow the order of the reads.
        let (bytes, ticket) = {
            let mut reads = reads.lock().unwrap_or_else(PoisonError::into_inner);
            let bytes = crate::keyfile::read_key_file(&file)?;
            *reads += 1;
            (bytes, *reads)
        };
        let checksum = crate::keyfile::file_checksum(&bytes);
        if unchanged == checksum {
            return Ok(Read::Done(None, checksum, ticket));
        }
        if refused == Some(checksum) {
            return Ok(Read::Refused);
        }
        *seen.lock().unwrap_or_else(PoisonError::into_inner) = Some(checksum);
        Ok(Read::Done(
            Some(Box::new(open(&bytes, &service, &*protector)?)),
            checksum,
            ticket,
        ))
    })
    .await
    .map_err(|e| {
        // Only what the same bytes would meet again is remembered: a KMS or token out of reach,
        // or a read that failed, is tried again at the next poll.
        let lasting = !matches!(
            &e,
            crate::Error::Io { .. }
                | crate::Error::KeyFile(
                    crate::KeyFileError::ProtectorFailed { .. }
                        | crate::KeyFileError::Io { .. }
                        | crate::KeyFileError::Locked { .. }
                        | crate::KeyFileError::WrongPin { .. }
                )
        );
        let checksum = *opened.lock().unwrap_or_else(PoisonError::into_inner);
        (e, checksum.filter(|_| lasting))
    })
}

/// Opens a key file's bytes as `service`'s bundle.
fn open(bytes: &[u8], service: &str, protector: &dyn KeyProtector) -> Result<KeyBundle> {
    KeyBundle::from_protected_bytes(bytes, protector)?.require_service(service)
}

impl std::fmt::Debug for ReloadableKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReloadableKeys")
            .field("path", &self.path)
            .field("service", &self.service)
            .field("keyring", &self.keyring)
            .field("generation", &self.generation())
            .finish_non_exhaustive()
    }
}
