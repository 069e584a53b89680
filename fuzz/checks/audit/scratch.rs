//! A directory of its own per thread, for the files of one input.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A directory of log files, emptied on creation and removed on drop: in /dev/shm where there is
/// one (the writer syncs), under the process id and a counter (tests run checks on many threads).
pub(super) struct Scratch(pub(super) PathBuf);

impl Scratch {
    pub(super) fn new(what: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_owned()
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!(
            "fieldseal-fuzz-audit-{what}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        Self(dir)
    }

    pub(super) fn paths(&self, n: usize) -> Vec<PathBuf> {
        (1..=n)
            .map(|i| self.0.join(format!("audit-{i:08}.jsonl")))
            .collect()
    }

    pub(super) fn write(&self, files: &[Vec<u8>]) -> Vec<PathBuf> {
        let paths = self.paths(files.len());
        for (path, bytes) in paths.iter().zip(files) {
            fs::write(path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        }
        paths
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}
