//! The plug-in the `fieldseal` command line runs to reach AWS KMS (protocol:
//! `fieldseal_aws_kms::plugin`). Not meant to be run by hand.

#![forbid(unsafe_code)]

use std::io;
use std::process::ExitCode;

use fieldseal_aws_kms::plugin;

fn main() -> ExitCode {
    let request = match plugin::parse_args(std::env::args().skip(1)) {
        Ok(request) => request,
        Err(e) => {
            eprintln!("fieldseal-aws-kms: {e}");
            return ExitCode::from(plugin::exit::USAGE);
        }
    };
    let (status, message) = plugin::serve(&request, io::stdin().lock(), io::stdout().lock());
    if let Some(message) = message {
        eprintln!("{message}");
    }
    ExitCode::from(status)
}
