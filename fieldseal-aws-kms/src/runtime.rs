//! How a synchronous protector drives the async AWS SDK: a current-thread Tokio runtime owned by
//! each [`AwsKms`](crate::AwsKms), started once, on which each call blocks.
//!
//! fieldseal's `KeyProtector` is synchronous, and a protector is called once per key file load or
//! save, so a runtime of its own (no thread of its own, a few kilobytes) is simpler than making
//! the core's key-file path async, and leaves the core free of any runtime. Called from a thread
//! that is itself running an async runtime (a Tokio service loading its bundle inside `main`),
//! blocking there is not allowed; the call is then made on a short-lived scoped thread, and the
//! caller's thread waits for it, as it would for the file read around it.

use std::future::Future;

/// A current-thread Tokio runtime.
pub struct Runtime(tokio::runtime::Runtime);

impl Runtime {
    /// Starts one.
    ///
    /// # Errors
    /// [`fieldseal::KeyFileError::ProtectorFailed`] if the operating system refuses what a
    /// runtime needs (an event queue).
    pub fn new() -> fieldseal::Result<Self> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map(Self)
            .map_err(|e| {
                fieldseal::KeyFileError::ProtectorFailed {
                    protector: "AWS KMS".to_owned(),
                    reason: format!("cannot start the runtime its SDK needs ({e})"),
                }
                .into()
            })
    }

    /// Runs `future` to its end, on this thread, or on a scoped one when this thread is inside
    /// an async runtime already.
    pub fn run<F>(&self, future: F) -> F::Output
    where
        F: Future + Send,
        F::Output: Send,
    {
        if tokio::runtime::Handle::try_current().is_err() {
            return self.0.block_on(future);
        }
        std::thread::scope(|scope| {
            scope
                .spawn(|| self.0.block_on(future))
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Runtime(current-thread)")
    }
}
