//! `fieldseal`, the command-line tool of the fieldseal library: creates and keeps a keyring file
//! (versioned root keys), rotates and retires key versions, exports per-service key bundles,
//! inspects sealed values and re-seals stored records after a rotation. `fieldseal --help` says
//! how.
//!
//! Secrets never come from a command-line argument, and nothing printed holds a key or a
//! passphrase. Results go to standard output; errors go to standard error as `error: ...`, with
//! the exit status listed in `fieldseal --help`; a standard output or error that cannot be
//! written never turns that status into a panic's.

#![cfg_attr(not(test), forbid(unsafe_code))]
// Tests: a scanning allocator (kms_plugin.rs) needs `unsafe`.
#![cfg_attr(test, deny(unsafe_code))]

mod admin_log;
mod args;
mod commands;
mod confirm;
mod dates;
mod failure;
mod kms_plugin;
mod progress;
mod remote;
mod secrets;
mod stderr;

use std::io::{self, Write as _};
use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = args::Cli::parse(); // exits 2 on bad arguments, 0 for --help and --version
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let result = commands::run(cli, &mut out).and_then(|()| Ok(out.flush()?));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) if failure.is_broken_pipe() => ExitCode::SUCCESS,
        Err(failure) => {
            let _ = out.flush();
            stderr::line(format_args!("error: {failure}"));
            failure.exit_code()
        }
    }
}
