//! Async forms of key file loading (feature `tokio`): Argon2id takes a tenth of a second to
//! seconds, so the work runs on tokio's blocking pool and the runtime's worker threads go on
//! serving requests meanwhile.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{KeyBundle, KeyProtector};
use crate::error::{KeyFileError, Result};
use crate::keyring::Keyring;

/// A protector that can be handed to a blocking thread (every protector of this crate is).
pub type SharedProtector = Arc<dyn KeyProtector + Send + Sync>;

/// Runs `load` on tokio's blocking pool; a panic in it goes on in the caller.
pub(crate) async fn blocking<T: Send + 'static>(
    path: &Path,
    load: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    match tokio::task::spawn_blocking(load).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(KeyFileError::Io {
            action: "load (the tokio runtime shut down before the load finished)",
            path: path.to_path_buf(),
            source: std::io::Error::other("task cancelled"),
        }
        .into()),
    }
}

impl KeyBundle {
    /// [`load`](Self::load) without blocking the async runtime: the file is read and Argon2id
    /// run on tokio's blocking pool (`spawn_blocking`). Needs a tokio runtime.
    ///
    /// # Errors
    /// As [`load`](Self::load).
    pub async fn load_async(path: impl Into<PathBuf>, protector: SharedProtector) -> Result<Self> {
        let path = path.into();
        let file = path.clone();
        blocking(&path, move || Self::load(&file, &*protector)).await
    }
}

impl Keyring {
    /// [`load`](Self::load) without blocking the async runtime, as
    /// [`KeyBundle::load_async`]. Needs a tokio runtime.
    ///
    /// # Errors
    /// As [`load`](Self::load).
    pub async fn load_async(path: impl Into<PathBuf>, protector: SharedProtector) -> Result<Self> {
        let path = path.into();
        let file = path.clone();
        blocking(&path, move || Self::load(&file, &*protector)).await
    }
}
