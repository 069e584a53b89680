//! A key vault in one SQLite file: subject mode's embedded default (feature `sqlite`, FORMAT.md
//! §15.5). Many threads and many processes can share one file; every operation is one
//! transaction, durable when it returns.

mod consents;
mod disclosures;
mod erasures;
mod error;
mod meta;
mod retired;
mod rows;
mod schema;
mod slots;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

use crate::error::Result;
use crate::keyring::KeyringId;
use crate::vault::records::{
    ConsentRecord, Created, DestroyReason, DisclosureRecord, ErasureReceipt, ExpiredKey, KeyCursor,
    StoredKey, SubjectState, VaultStats, VersionCount, VersionRetirement, Withdrawal,
};
use crate::vault::store::KeyVault;
use error::Fail;

/// How long a vault waits for another connection's lock by default before it reports
/// [`VaultError::Busy`](crate::VaultError::Busy).
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How [`SqliteVault::open_with`] opens the file.
///
/// ```
/// use std::time::Duration;
/// use fieldseal::vault::SqliteOptions;
/// let options = SqliteOptions::new().busy_timeout(Duration::from_millis(250)).read_only(true);
/// # let _ = options;
/// ```
#[derive(Clone, Copy, Debug)]
pub struct SqliteOptions {
    busy_timeout: Duration,
    read_only: bool,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            read_only: false,
        }
    }
}

impl SqliteOptions {
    /// The defaults: writable, waiting [`DEFAULT_BUSY_TIMEOUT`] for locks.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long an operation waits for another connection's lock (another process writing, or
    /// checkpointing) before it fails with [`VaultError::Busy`](crate::VaultError::Busy).
    #[must_use]
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Opens the file read-only: reading and opening values work, every write fails with
    /// [`VaultError::ReadOnly`](crate::VaultError::ReadOnly). The file must hold a vault already
    /// (of this fieldseal's schema or an older one, which is read as it is, not migrated).
    #[must_use]
    pub fn read_only(mut self, read_only: bool) -> Self {
        self.read_only = read_only;
        self
    }
}

/// A [`KeyVault`] in one SQLite file (FORMAT.md §15.5), shared by every thread and process that
/// opens it.
///
/// - **Atomic**: each method is one transaction; writers take the write lock at its start
///   (`BEGIN IMMEDIATE`), so two sealers racing to create the first key of a (subject, purpose),
///   in one process or in two, end with one key.
/// - **Durable**: the file is in WAL mode with `synchronous = FULL`: a write is on disk (the WAL
///   synced) before the method returns, and survives a crash of the process or of the machine.
/// - **Forgetting**: `secure_delete` is on, so a destroyed key's bytes are overwritten in the
///   database pages, and the WAL is checkpointed and truncated after each destruction (withdraw,
///   forget, expire) so that the WAL holds no copy either (behind another connection's long
///   read, as soon as it ends: later writes try again). What still holds destroyed keys (backups
///   and copies of the file, the storage device) is in README.md, "Subject mode: SQLite vault".
/// - **Fast**: [`read`](KeyVault::read) is one query through primary keys, and
///   [`create`](KeyVault::create) a handful; statements are prepared once per connection.
///
/// One connection per `SqliteVault`, behind a mutex: threads of one process share it (open the
/// file once and share the vault in an `Arc`).
///
/// ```
/// use fieldseal::vault::{KeyVault, SqliteVault};
/// let dir = std::env::temp_dir().join(format!("fieldseal-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let vault = SqliteVault::open(dir.join("vault.db"))?;
/// assert_eq!(vault.stats()?.live_keys, 0);
/// # drop(vault);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SqliteVault {
    conn: Mutex<Connection>,
    path: PathBuf,
    read_only: bool,
    /// The busy timeout the connection waits with, restored after a quick checkpoint.
    busy_timeout: Duration,
    /// When a key destroyed through this connection may still be in the WAL (its checkpoint
    /// could not empty it): when the next write is to try again.
    unchecked: Mutex<Option<Instant>>,
}

impl fmt::Debug for SqliteVault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteVault")
            .field("path", &self.path)
            .field("read_only", &self.read_only)
            .finish_non_exhaustive()
    }
}

impl SqliteVault {
    /// Opens the vault in the file at `path`, creating the file and its schema if there is none
    /// and migrating an older schema, with the default [`SqliteOptions`].
    ///
    /// # Errors
    /// [`VaultError::NewerSchema`](crate::VaultError::NewerSchema) for a vault of a newer
    /// fieldseal; [`VaultError::Corrupt`](crate::VaultError::Corrupt) for a damaged file;
    /// [`VaultError::Busy`](crate::VaultError::Busy),
    /// [`VaultError::ReadOnly`](crate::VaultError::ReadOnly),
    /// [`VaultError::Full`](crate::VaultError::Full); a backend error for a file that cannot be
    /// opened or is another application's database.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, SqliteOptions::default())
    }

    /// Opens the vault in the file at `path` with `options`; see [`open`](Self::open).
    ///
    /// # Errors
    /// As [`open`](Self::open); [`VaultError::ReadOnly`](crate::VaultError::ReadOnly) if opened
    /// read-only and the file holds no vault yet.
    pub fn open_with(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let conn = Self::connect(&path, &options).map_err(|e| e.into_vault("open the vault"))?;
        Ok(Self {
            conn: Mutex::new(conn),
            path,
            read_only: options.read_only,
            busy_timeout: options.busy_timeout,
            unchecked: Mutex::new(None),
        })
    }

    fn connect(path: &Path, options: &SqliteOptions) -> std::result::Result<Connection, Fail> {
        let flags = if options.read_only {
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
        };
        let mut conn = Connection::open_with_flags(path, flags)?;
        conn.busy_timeout(options.busy_timeout)?;
        conn.set_prepared_statement_cache_capacity(32);
        // Per connection: a commit syncs the WAL before it returns; deleted content is zeroed.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Refuse another application's database or a newer vault before changing anything.
        let found = schema::check(&conn, options.read_only)?;
        if options.read_only {
            return Ok(conn);
        }
        let mode = wal_mode(&conn, options.busy_timeout)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Fail::Refused(format!(
                "the SQLite vault needs WAL mode, and this file stays in `{mode}` mode; give the \
                 path of a file on a local disk"
            )));
        }
        if found != Some(schema::SCHEMA_VERSION) {
            schema::prepare(&mut conn)?;
        }
        Ok(conn)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Copies the WAL into the database file and truncates the WAL to nothing, waiting (up to the
    /// busy timeout) for other connections' readers to finish: afterwards the WAL holds no copy of
    /// any key destroyed before. The vault does this after every destruction, as far as other
    /// connections let it; call it to be sure, e.g. before a backup. Returns whether the WAL was
    /// emptied (`false`: another connection was still reading or writing; call again).
    ///
    /// # Errors
    /// A backend error.
    pub fn checkpoint(&self) -> Result<bool> {
        let conn = self.lock();
        Ok(checkpoint(&conn).map_err(|e| e.into_vault("checkpoint the WAL"))?)
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the connection, outside a transaction (one statement is one).
    fn run<T>(
        &self,
        action: &'static str,
        f: impl FnOnce(&mut Connection) -> std::result::Result<T, Fail>,
    ) -> Result<T> {
        f(&mut self.lock()).map_err(|e| e.into_vault(action).into())
    }

    /// Runs `f` in a write transaction (`BEGIN IMMEDIATE`: the write lock from the start, so
    /// what `f` reads cannot change before it writes), committed if `f` succeeds. Then, if
    /// `destroyed` says `f` destroyed a key (or a destruction's checkpoint did not empty the WAL
    /// before), checkpoints the WAL, waiting at most [`QUICK_CHECKPOINT`] for other connections'
    /// readers: a TRUNCATE checkpoint holds the write lock while it waits, and waiting the busy
    /// timeout behind a long read (a backup) would fail every other process's writes meanwhile.
    /// What it could not do, the next write tries again (the destruction is committed either
    /// way), at most once per [`CHECKPOINT_RETRY`].
    fn write<T>(
        &self,
        action: &'static str,
        f: impl FnOnce(&Connection) -> std::result::Result<T, Fail>,
        destroyed: impl FnOnce(&T) -> bool,
    ) -> Result<T> {
        let mut conn = self.lock();
        let done = (|| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let done = f(&tx)?;
            tx.commit()?;
            Ok(done)
        })()
        .map_err(|e: Fail| e.into_vault(action))?;
        let mut unchecked = self
            .unchecked
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if destroyed(&done) || unchecked.is_some_and(|due| Instant::now() >= due) {
            let emptied =
                conn.busy_timeout(QUICK_CHECKPOINT).is_ok() && checkpoint(&conn).unwrap_or(false);
            let _ = conn.busy_timeout(self.busy_timeout);
            *unchecked = (!emptied).then(|| Instant::now() + CHECKPOINT_RETRY);
        }
        Ok(done)
    }
}

/// Switches the file to WAL (`PRAGMA journal_mode = WAL`) and returns the mode it is in after.
/// SQLite answers this pragma "busy" at once while another connection reads or writes the file
/// (it does not wait in the busy handler as other statements do), which happens whenever two
/// connections open one new file at the same moment: it is tried again, with short pauses, up
/// to `timeout`.
fn wal_mode(conn: &Connection, timeout: Duration) -> std::result::Result<String, Fail> {
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_micros(500);
    loop {
        let tried = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0));
        let busy = matches!(
            tried.as_ref().map_err(rusqlite::Error::sqlite_error_code),
            Err(Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
        );
        let now = Instant::now();
        if !busy || now >= deadline {
            return Ok(tried?);
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

/// How long the checkpoint after a destruction waits for other connections' readers.
const QUICK_CHECKPOINT: Duration = Duration::from_millis(20);
/// How often writes try again a checkpoint that could not empty the WAL (a long read holds it):
/// each try holds the write lock for up to [`QUICK_CHECKPOINT`].
const CHECKPOINT_RETRY: Duration = Duration::from_secs(1);

/// `PRAGMA wal_checkpoint(TRUNCATE)`: whether the WAL was emptied.
fn checkpoint(conn: &Connection) -> std::result::Result<bool, Fail> {
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    Ok(busy == 0)
}

impl KeyVault for SqliteVault {
    fn bind_keyring(&self, id: KeyringId) -> Result<KeyringId> {
        self.run("bind the vault to a keyring", |conn| {
            meta::bind_keyring(conn, id)
        })
    }

    fn keyring(&self) -> Result<Option<KeyringId>> {
        self.run("read the vault's keyring", |conn| meta::keyring(conn))
    }

    fn read(&self, subject: &[u8], purposes: &[&str]) -> Result<SubjectState> {
        self.run("read a subject's data keys", |conn| {
            slots::read(conn, subject, purposes)
        })
    }

    fn create(&self, key: &StoredKey, requires_consent: bool, now: u64) -> Result<Created> {
        self.write(
            "create a data key",
            |tx| slots::create(tx, key, requires_consent, now),
            |(_, destroyed)| *destroyed,
        )
        .map(|(created, _)| created)
    }

    fn grant(&self, consent: &ConsentRecord) -> Result<bool> {
        self.write(
            "record a consent",
            |tx| consents::grant(tx, consent),
            |_| false,
        )
    }

    fn withdraw(&self, subject: &[u8], purpose: &str, at: u64) -> Result<Withdrawal> {
        self.write(
            "withdraw a consent",
            |tx| {
                let consent_was_active = consents::withdraw(tx, subject, purpose, at)?;
                let destroyed = slots::destroy(tx, subject, purpose, DestroyReason::Withdrawn, at)?;
                Ok(Withdrawal {
                    destroyed,
                    consent_was_active,
                    at,
                })
            },
            |w| w.destroyed.is_some(),
        )
    }

    fn forget(&self, subject: &[u8], at: u64) -> Result<ErasureReceipt> {
        self.write(
            "forget a subject",
            |tx| erasures::forget(tx, subject, at),
            |_| true,
        )
    }

    fn expire(&self, now: u64, limit: usize) -> Result<Vec<ExpiredKey>> {
        self.write(
            "destroy expired data keys",
            |tx| slots::expire(tx, now, limit),
            |expired| !expired.is_empty(),
        )
    }

    fn keys_after(&self, after: Option<&KeyCursor>, limit: usize) -> Result<Vec<StoredKey>> {
        self.run("list data keys", |conn| {
            slots::keys_after(conn, after, limit)
        })
    }

    fn rewrap(&self, old: &StoredKey, new: &StoredKey) -> Result<bool> {
        self.write(
            "rewrap a data key",
            |tx| slots::rewrap(tx, old, new),
            |_| false,
        )
    }

    fn key_versions(&self) -> Result<Vec<VersionCount>> {
        self.run("count data keys by key version", |conn| {
            slots::key_versions(conn)
        })
    }

    fn retire_version(&self, version: u32) -> Result<VersionRetirement> {
        self.write(
            "retire a root key version",
            |tx| retired::retire(tx, version),
            |_| false,
        )
    }

    fn retired_versions(&self) -> Result<Vec<u32>> {
        self.run("read the retired root key versions", |conn| {
            retired::all(conn)
        })
    }

    fn consents(&self, subject: &[u8]) -> Result<Vec<ConsentRecord>> {
        self.run("read a subject's consents", |conn| {
            consents::of_subject(conn, subject)
        })
    }

    fn log_disclosure(&self, disclosure: &DisclosureRecord) -> Result<DisclosureRecord> {
        self.write(
            "log a disclosure",
            |tx| disclosures::log(tx, disclosure),
            |_| false,
        )
    }

    fn disclosures(&self, partner: Option<&str>) -> Result<Vec<DisclosureRecord>> {
        self.run("read the disclosure log", |conn| {
            disclosures::all(conn, partner)
        })
    }

    fn erasures(&self) -> Result<Vec<ErasureReceipt>> {
        self.run("read the erasure log", |conn| erasures::all(conn))
    }

    fn stats(&self) -> Result<VaultStats> {
        self.run("count the vault's entries", |conn| meta::stats(conn))
    }
}

const _: () = {
    const fn shared<T: Send + Sync>() {}
    shared::<SqliteVault>();
};
