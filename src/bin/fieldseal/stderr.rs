//! Messages on standard error that never panic: `eprintln!` panics when standard error cannot be
//! written (a full disk, a pipe whose reader has gone), which would turn a clean failure into exit
//! status 101 with no message. Here a message that cannot be written is dropped, and the command
//! still exits with the status of what happened.

use std::fmt;
use std::io::{self, Write as _};

/// Writes one line to standard error, if it can be written.
pub(crate) fn line(message: fmt::Arguments<'_>) {
    let _ = writeln!(io::stderr().lock(), "{message}");
}

/// Writes `message` to standard error without a line ending (a question), if it can be written.
pub(crate) fn ask(message: fmt::Arguments<'_>) {
    let mut stderr = io::stderr().lock();
    let _ = write!(stderr, "{message}").and_then(|()| stderr.flush());
}
