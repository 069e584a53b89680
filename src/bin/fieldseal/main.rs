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
    // Exits 2 on bad arguments, 0 for --help and --version.
    let cli = args::Cli::try_parse().unwrap_or_else(|e| arguments_refused(&e));
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

/// Bad arguments: clap's message, except for a stray argument, which clap repeats and which may
/// be a passphrase typed where none is taken (secrets never come from the command line).
fn arguments_refused(error: &clap::Error) -> ! {
    use clap::error::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::UnknownArgument | ErrorKind::InvalidSubcommand
    ) {
        stderr::line(format_args!(
            "error: an unexpected argument was given; it is not repeated here, as it may be a \
             secret typed in the wrong place (secrets are read from files, the environment or \
             the terminal, never from the command line: see --help, and change a secret that \
             was typed there, as every user could see it in the process list)"
        ));
        std::process::exit(2);
    }
    error.exit()
}
