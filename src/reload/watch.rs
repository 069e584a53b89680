//! [`ReloadableKeys::watch`]: reloads a bundle file when it changes, by polling.
//!
//! Polling rather than the `notify` crate's file events: a bundle is replaced by an atomic
//! rename, often on a mounted secret volume (Kubernetes swaps a symbolic link) or a network file
//! system, where events are missed or never sent; a poll of a file of a few kilobytes every few
//! seconds sees every change the same way on every system, with no dependency. The file's
//! checksum (FORMAT.md §14.1), not its modification time, tells whether it changed.

use std::sync::Arc;
use std::time::Duration;

use super::{ReloadableKeys, Reloaded};
use crate::error::Result;

/// The watch task of [`ReloadableKeys::watch`]; dropping it stops the watch.
#[derive(Debug)]
pub struct WatchHandle {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for WatchHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ReloadableKeys {
    /// Every `interval`, reloads the file if it changed ([`reload`](Self::reload)) and calls
    /// `report` with the outcome of each reload that did something or failed (a failed one keeps
    /// the keys in force; the next poll tries again). Spawns a tokio task, stopped when the
    /// returned handle is dropped.
    #[must_use = "the watch stops when its handle is dropped"]
    pub fn watch(
        self: &Arc<Self>,
        interval: Duration,
        mut report: impl FnMut(Result<Reloaded>) + Send + 'static,
    ) -> WatchHandle {
        let keys = Arc::clone(self);
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks.tick().await; // the first tick is immediate: the file was just loaded
            loop {
                ticks.tick().await;
                match keys.reload().await {
                    Ok(Reloaded::Unchanged) => {}
                    outcome => report(outcome),
                }
            }
        });
        WatchHandle { task }
    }
}
