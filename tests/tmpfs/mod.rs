//! A small file system of a test's own, to fill up: a tmpfs mounted in a user and mount
//! namespace of a child process (`unshare --user --map-root-user --mount`), in which the test
//! binary runs one of its own tests (the child half) with the tmpfs at a given directory.

#![allow(
    dead_code,
    reason = "each test crate including this module uses a different subset of it"
)]

use std::path::Path;
use std::process::{Command, Stdio};

/// Whether this machine lets a process mount a file system of its own. Where it does not, says
/// so and returns false, except under CI (`$CI` set), which must be able to: there it fails.
#[cfg(target_os = "linux")]
pub(crate) fn mountable() -> bool {
    let can = Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "true"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !can {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must be able to mount a small file system (unshare --user --mount)"
        );
        eprintln!("skipped: this machine does not allow `unshare --user --mount`");
    }
    can
}

/// The test binary running its test `child` alone (`--exact --ignored`), in a namespace where a
/// tmpfs of `size` (`128k`) is mounted at `mountpoint`, with stdout and stderr piped. The caller
/// adds the environment and spawns it.
pub(crate) fn child_on_tmpfs(size: &str, mountpoint: &Path, child: &str) -> Command {
    let script = format!(r#"mount -t tmpfs -o size={size} tmpfs "$1" && shift && exec "$@""#);
    let mut command = Command::new("unshare");
    command
        .args(["--user", "--map-root-user", "--mount", "sh", "-c"])
        .arg(script)
        .arg("sh")
        .arg(mountpoint)
        .arg(std::env::current_exe().unwrap())
        .args([
            child,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}
