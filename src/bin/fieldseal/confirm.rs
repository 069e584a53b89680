//! Asking an operator to confirm a change that destroys something, at the terminal.

use std::io::{self, BufRead as _, IsTerminal as _};

use crate::failure::{Exit, Failure, Outcome};

/// Shows `warning` and asks the operator to type `expected`; refuses (exit 4) without a terminal,
/// telling to run again with `--yes` to `what` (such as "retire it").
pub(crate) fn confirm(warning: &str, expected: &str, what: &str) -> Outcome {
    if !(io::stdin().is_terminal() && io::stderr().is_terminal()) {
        return Err(Failure::new(
            Exit::Refused,
            format!("{warning}; run again with --yes to {what}; nothing changed"),
        ));
    }
    crate::stderr::ask(format_args!("{warning}.\nType `{expected}` to go on: "));
    let mut answer = String::new();
    io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure::new(Exit::Failure, format!("cannot read the answer: {e}")))?;
    if answer.trim() == expected {
        Ok(())
    } else {
        Err(Failure::new(
            Exit::Refused,
            "not confirmed; nothing changed",
        ))
    }
}
