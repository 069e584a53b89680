//! One run of a command-line program under test: its exit status and what it printed, with the
//! checks every CLI test makes of it. Shared by the `fieldseal` tests and the plug-in's.

#![allow(
    dead_code,
    reason = "each test crate including this module uses a different subset of it"
)]

use std::process::Output;

/// What a run of the program did.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// The run's output; fails the test if either stream holds one of `secrets` (passphrases,
    /// PINs: no program under test may print them). Bytes that are not UTF-8 (a run killed
    /// mid-character) are shown replaced.
    #[track_caller]
    pub(crate) fn new(output: Output, secrets: &[&str]) -> Self {
        let Output {
            status,
            stdout,
            stderr,
        } = output;
        let run = Self {
            code: status.code(),
            stdout: String::from_utf8(stdout)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            stderr: String::from_utf8(stderr)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        };
        for secret in secrets {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "a secret was printed: {run:#?}"
            );
        }
        run
    }

    /// Succeeded, with nothing on stderr.
    #[track_caller]
    pub(crate) fn ok(self) -> Self {
        assert_eq!(self.code, Some(0), "expected success: {self:#?}");
        assert!(self.stderr.is_empty(), "nothing on stderr: {self:#?}");
        self
    }

    /// Succeeded, with only the given note on stderr.
    #[track_caller]
    pub(crate) fn ok_noting(self, note: &str) -> Self {
        assert_eq!(self.code, Some(0), "expected success: {self:#?}");
        assert!(
            self.stderr.starts_with("note: ") && self.stderr.contains(note),
            "stderr should hold only the note {note:?}: {self:#?}"
        );
        self
    }

    /// Exited with `code`, saying `stderr_says` on stderr.
    #[track_caller]
    pub(crate) fn fails(self, code: i32, stderr_says: &str) -> Self {
        assert_eq!(self.code, Some(code), "expected exit {code}: {self:#?}");
        assert!(
            self.stderr.contains(stderr_says),
            "stderr should say {stderr_says:?}: {self:#?}"
        );
        self
    }

    /// The number after `label` on a line of stdout (`records:   10000`).
    #[track_caller]
    pub(crate) fn count(&self, label: &str) -> u64 {
        let line = self
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix(label))
            .unwrap_or_else(|| panic!("no {label:?} in {}", self.stdout));
        line.trim().parse().expect("a count")
    }

    /// Stdout as JSON.
    #[track_caller]
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {self:#?}"))
    }
}

/// An operator at a terminal: runs `command` (a shell command line) under `script`, which gives
/// it a terminal, waits until it asks (prints "to go on:"), calls `meanwhile`, then types
/// `answer`. Returns the exit status and everything the terminal showed.
pub(crate) fn at_terminal(
    mut command: std::process::Command,
    meanwhile: impl FnOnce(),
    answer: &str,
) -> (std::process::ExitStatus, String) {
    use std::io::{Read as _, Write as _};
    use std::process::Stdio;
    let mut operator = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs");
    let mut screen = operator.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !String::from_utf8_lossy(&seen).contains("to go on:") {
        assert_eq!(
            screen.read(&mut byte).unwrap(),
            1,
            "the tool ended before asking: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.push(byte[0]);
    }
    meanwhile();
    let mut keyboard = operator.stdin.take().unwrap();
    keyboard.write_all(answer.as_bytes()).unwrap();
    keyboard.write_all(b"\n").unwrap();
    drop(keyboard);
    screen.read_to_end(&mut seen).unwrap();
    let status = operator.wait().unwrap();
    (status, String::from_utf8_lossy(&seen).into_owned())
}

/// `script` running `line` (the program and its arguments, none with spaces) at a terminal.
pub(crate) fn script(line: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new("script");
    command.args(["-qfec", &line.join(" "), "/dev/null"]);
    command
}
