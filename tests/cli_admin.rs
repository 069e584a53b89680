//! CLI tests of key administration under stress: administrators racing each other, inputs with
//! no end, secrets given in the wrong place, an unwritable standard error, costly key files and
//! bundles of another keyring. The `fieldseal` binary is run as an operator would, each test in a
//! fresh directory of its own.
//!
//! Key files are written with the cheapest Argon2id parameters accepted
//! (`--kdf-memory-mib 19 --kdf-iterations 2`); the files keep them, so loading stays fast.

mod cli_run;

use std::fs::{self, File};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use fieldseal::{Keyring, Passphrase, VersionState};
use sha2::{Digest as _, Sha256};

use cli_run::Run;

const PASSPHRASE: &str = "correct horse battery staple";
const BUNDLE_PASSPHRASE: &str = "newsletter service passphrase";
const PASSPHRASE_VAR: &str = "FS_TEST_PASSPHRASE";
const BUNDLE_VAR: &str = "FS_TEST_BUNDLE_PASSPHRASE";
const WRONG_VAR: &str = "FS_TEST_WRONG_PASSPHRASE";
const FAST_KDF: [&str; 4] = ["--kdf-memory-mib", "19", "--kdf-iterations", "2"];
/// Virtual memory a child may use when reading inputs with no end (`ulimit -v`, KiB), so that
/// a regression fails the test instead of filling the machine's memory.
const CHILD_MEMORY_KIB: u32 = 1 << 20;

/// A fresh directory for one test.
struct Scratch {
    dir: PathBuf,
}

/// What `retire` notes on stderr when no key vault was named to check.
const NO_VAULT_CHECKED: &str = "no key vault checked";

/// A run's output, checked for the passphrases.
fn run_of(output: Output) -> Run {
    Run::new(output, &[PASSPHRASE, BUNDLE_PASSPHRASE])
}

impl Scratch {
    fn new(test: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("fieldseal-admin-{test}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let scratch = Self { dir };
        scratch.write("passphrase.txt", format!("{PASSPHRASE}\n"));
        scratch
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) {
        fs::write(self.path(name), contents).unwrap();
    }

    fn read(&self, name: &str) -> Vec<u8> {
        fs::read(self.path(name)).unwrap()
    }

    /// The tool, in the directory, with the test passphrases in its environment and nothing on
    /// standard input.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_fieldseal"));
        command
            .args(args)
            .current_dir(&self.dir)
            .env_remove("FIELDSEAL_KEYRING")
            .env(PASSPHRASE_VAR, PASSPHRASE)
            .env(BUNDLE_VAR, BUNDLE_PASSPHRASE)
            .env(WRONG_VAR, "incorrect horse battery staple")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    fn run(&self, args: &[&str]) -> Run {
        run_of(self.command(args).output().unwrap())
    }

    /// Runs the tool with its virtual memory capped at [`CHILD_MEMORY_KIB`], and kills it after
    /// 60 s: for inputs that never end.
    fn run_bounded(&self, args: &[&str]) -> Run {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!("ulimit -v {CHILD_MEMORY_KIB}; exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_fieldseal"))
            .args(args)
            .current_dir(&self.dir)
            .env_remove("FIELDSEAL_KEYRING")
            .env(PASSPHRASE_VAR, PASSPHRASE)
            .env(BUNDLE_VAR, BUNDLE_PASSPHRASE)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        run_of(wait_at_most(
            command.spawn().unwrap(),
            Duration::from_secs(60),
        ))
    }

    /// `args` on `keyring.fsk`, unlocked with the passphrase from the environment.
    fn keyring_args<'a>(args: &[&'a str]) -> Vec<&'a str> {
        let mut all = args.to_vec();
        all.extend([
            "--keyring",
            "keyring.fsk",
            "--passphrase-env",
            PASSPHRASE_VAR,
        ]);
        all
    }

    fn keyring_cmd(&self, args: &[&str]) -> Run {
        self.run(&Self::keyring_args(args))
    }

    /// `init` of `name`, the passphrase from a file.
    fn init_named(&self, name: &str) -> Run {
        let mut args = vec![
            "init",
            "--keyring",
            name,
            "--passphrase-file",
            "passphrase.txt",
        ];
        args.extend(FAST_KDF);
        self.run(&args).ok()
    }

    fn init(&self) -> Run {
        self.init_named("keyring.fsk")
    }

    fn load_keyring(&self) -> Keyring {
        Keyring::load(self.path("keyring.fsk"), &passphrase(PASSPHRASE)).unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn passphrase(phrase: &str) -> Passphrase {
    Passphrase::new(phrase.to_owned()).unwrap()
}

/// The child's output, or a panic (after killing it) if it runs longer than `limit`.
fn wait_at_most(mut child: Child, limit: Duration) -> Output {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the child ran for more than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// The keyring id `init` printed (`created keyring <id> in ...`).
fn keyring_id(init: &Run) -> String {
    init.stdout
        .split_whitespace()
        .nth(2)
        .expect("created keyring <id>")
        .to_owned()
}

/// Rotations started together all land: each waits for the others' lock, none is lost, none is
/// refused.
#[test]
fn concurrent_rotations_are_all_kept() {
    const ADMINS: usize = 6;
    const ROUNDS: usize = 3;
    let s = Scratch::new("concurrent-rotate");
    s.init();
    let mut expected = 1;
    for round in 0..ROUNDS {
        let children: Vec<Child> = (0..ADMINS)
            .map(|_| {
                s.command(&Scratch::keyring_args(&["rotate"]))
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let run = run_of(wait_at_most(child, Duration::from_secs(120)));
            assert_eq!(run.code, Some(0), "round {round}: {run:#?}");
            assert!(run.stdout.contains("rotated keyring"), "{run:#?}");
        }
        expected += ADMINS;
        let keyring = s.load_keyring();
        assert_eq!(
            keyring.versions(),
            (1..=expected as u32).collect::<Vec<_>>(),
            "round {round}: a rotation was lost"
        );
        assert_eq!(keyring.active_version(), expected as u32);
    }
    assert!(
        s.path("keyring.fsk.lock").exists(),
        "the lock file stays beside the keyring"
    );
}

/// A retirement racing another administrator's save (a rotation, or a bundle export, which
/// records itself in the keyring): both land, so a key reported destroyed is destroyed.
#[test]
fn a_retirement_racing_a_save_is_never_undone() {
    const ROUNDS: u32 = 6;
    let s = Scratch::new("retire-race");
    s.init();
    s.keyring_cmd(&["rotate"]).ok();
    // Before round r: versions 1..=r+1 (r of them retired), r+2 created by the racing rotate.
    for round in 1..=ROUNDS {
        let racer: Vec<&str> = if round % 2 == 0 {
            vec!["rotate"]
        } else {
            let mut export = vec![
                "export-bundle",
                "--purpose",
                "marketing",
                "--service",
                "newsletter",
                "--out",
                "newsletter.bundle",
                "--force",
                "--bundle-passphrase-env",
                BUNDLE_VAR,
            ];
            export.extend(FAST_KDF);
            export
        };
        let version = round.to_string();
        let retire = s
            .command(&Scratch::keyring_args(&["retire", &version, "--yes"]))
            .spawn()
            .unwrap();
        let other = s.command(&Scratch::keyring_args(&racer)).spawn().unwrap();
        let retired = run_of(wait_at_most(retire, Duration::from_secs(120)));
        let other = run_of(wait_at_most(other, Duration::from_secs(120)));
        assert_eq!(retired.code, Some(0), "round {round}: {retired:#?}");
        assert_eq!(other.code, Some(0), "round {round}: {other:#?}");
        let keyring = s.load_keyring();
        assert_eq!(
            keyring.state(round),
            Some(VersionState::Retired),
            "round {round}: retire reported version {round} destroyed, but the file keeps it"
        );
        assert!(keyring.dangerous_root_key(round).is_err());
        if racer[0] == "rotate" {
            s.keyring_cmd(&["status"]).ok();
        } else {
            // The export of that round was recorded; rotate for the next round's version.
            assert!(
                keyring
                    .bundle_exports()
                    .iter()
                    .any(|e| e.service == "newsletter"),
                "round {round}: the export record was lost"
            );
            s.keyring_cmd(&["rotate"]).ok();
        }
    }
}

/// `retire` says what is true: the root key is gone from the keyring file, and bundles exported
/// before still open the version's data until they are replaced.
#[test]
fn retire_says_bundles_exported_before_still_open_the_version() {
    let s = Scratch::new("retire-words");
    s.init();
    s.keyring_cmd(&["rotate"]).ok();
    let run = s
        .keyring_cmd(&["retire", "1", "--yes"])
        .ok_noting(NO_VAULT_CHECKED);
    assert!(!run.stdout.contains("by anyone"), "{run:#?}");
    assert!(
        run.stdout
            .contains("root key is destroyed in the keyring file"),
        "{run:#?}"
    );
    assert!(
        run.stdout
            .contains("bundles exported before the retirement still hold version 1's purpose keys"),
        "{run:#?}"
    );
    let help = s.run(&["retire", "--help"]).ok();
    assert!(!help.stdout.contains("by anyone"), "{help:#?}");
}

/// Key files, KEK files and passphrase files are read up to a cap: an endless or huge input is
/// refused with a clear error, quickly, in bounded memory.
#[test]
fn inputs_with_no_end_are_refused_at_a_cap() {
    let s = Scratch::new("caps");
    s.init();
    let keyring = ["--keyring", "keyring.fsk"];

    // A keyring "file" that never ends, and one larger than any key file can be.
    s.run_bounded(&[
        "status",
        "--keyring",
        "/dev/zero",
        "--passphrase-env",
        PASSPHRASE_VAR,
    ])
    .fails(1, "larger than any key file");
    File::create(s.path("huge.fsk"))
        .unwrap()
        .set_len((1 << 26) + (1 << 20))
        .unwrap();
    s.run_bounded(&[
        "status",
        "--keyring",
        "huge.fsk",
        "--passphrase-env",
        PASSPHRASE_VAR,
    ])
    .fails(1, "larger than any key file");
    s.run_bounded(&[
        "status",
        "--bundle",
        "/dev/zero",
        "--bundle-passphrase-env",
        BUNDLE_VAR,
    ])
    .fails(1, "larger than any key file");

    // Secret files.
    for flag in ["--passphrase-file", "--kek-file"] {
        let mut args = vec!["status", flag, "/dev/zero"];
        args.extend(keyring);
        s.run_bounded(&args).fails(2, "4096 bytes");
    }
    s.write("long.txt", "x".repeat(5000));
    s.write("long.kek", "a".repeat(5000));
    for (flag, file) in [
        ("--passphrase-file", "long.txt"),
        ("--kek-file", "long.kek"),
    ] {
        let mut args = vec!["status", flag, file];
        args.extend(keyring);
        s.run_bounded(&args).fails(2, "4096 bytes");
    }
    // Only a passphrase file's first line matters: what follows it is not read.
    s.write(
        "then-more.txt",
        format!("{PASSPHRASE}\n{}", "x".repeat(1 << 20)),
    );
    let mut args = vec!["status", "--passphrase-file", "then-more.txt"];
    args.extend(keyring);
    s.run_bounded(&args).ok();
}

/// A passphrase given where a variable name belongs is never repeated in the error.
#[test]
fn a_passphrase_given_as_a_variable_name_is_not_echoed() {
    let s = Scratch::new("env-echo");
    s.init();
    for given in [PASSPHRASE, "hunter2hunter2", "Tr0ub4dor&3"] {
        let run = s
            .run(&[
                "status",
                "--keyring",
                "keyring.fsk",
                "--passphrase-env",
                given,
            ])
            .fails(2, "is not set");
        assert!(!run.stderr.contains(given), "{run:#?}");
        assert!(run.stderr.contains("--passphrase-env"), "{run:#?}");
        let mut export = vec![
            "export-bundle",
            "--purpose",
            "marketing",
            "--service",
            "newsletter",
            "--out",
            "n.bundle",
            "--keyring",
            "keyring.fsk",
            "--passphrase-env",
            PASSPHRASE_VAR,
            "--bundle-passphrase-env",
            given,
        ];
        export.extend(FAST_KDF);
        let run = s.run(&export).fails(2, "is not set");
        assert!(!run.stderr.contains(given), "{run:#?}");
    }
    // A name that looks like one is named, to help with a typo.
    s.run(&[
        "status",
        "--keyring",
        "keyring.fsk",
        "--passphrase-env",
        "FS_TEST_UNSET",
    ])
    .fails(2, "FS_TEST_UNSET is not set");
}

/// Standard error or standard output that cannot be written (a full disk, a closed pipe) does
/// not turn an error into a panic: the exit status stays the one of the error.
#[test]
fn an_unwritable_stderr_or_stdout_keeps_the_exit_status() {
    let s = Scratch::new("unwritable");
    s.init();
    let dev_full = || Stdio::from(File::options().write(true).open("/dev/full").unwrap());
    let closed_pipe = || {
        // The write end of a pipe whose reader has exited.
        let mut reader = Command::new("true").stdin(Stdio::piped()).spawn().unwrap();
        let writer = reader.stdin.take().unwrap();
        reader.wait().unwrap();
        Stdio::from(writer)
    };
    let missing = [
        "status",
        "--keyring",
        "absent.fsk",
        "--passphrase-env",
        PASSPHRASE_VAR,
    ];
    let wrong = [
        "status",
        "--keyring",
        "keyring.fsk",
        "--passphrase-env",
        WRONG_VAR,
    ];
    for (args, code) in [(&missing, 1), (&wrong, 3)] {
        for stderr in [dev_full(), closed_pipe()] {
            let output = s.command(args).stderr(stderr).output().unwrap();
            assert_eq!(output.status.code(), Some(code), "{args:?}: {output:?}");
        }
    }
    // Results that cannot be written are a failure, said on standard error...
    let status = [
        "status",
        "--keyring",
        "keyring.fsk",
        "--passphrase-env",
        PASSPHRASE_VAR,
    ];
    let output = s.command(&status).stdout(dev_full()).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("cannot write to standard output"),
        "{output:?}"
    );
    // ...even when that cannot be written either.
    let output = s
        .command(&status)
        .stdout(dev_full())
        .stderr(dev_full())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
}

/// Rewrites the Argon2id parameters in a passphrase-protected key file's clear header, with a
/// valid checksum: the file then asks for `memory_kib` and `passes` (FORMAT.md §14.1, §14.2).
fn ask_for(bytes: &mut Vec<u8>, memory_kib: u32, passes: u32) {
    let at = 14 + 3 + "argon2id".len() + 2;
    bytes[at..at + 4].copy_from_slice(&memory_kib.to_be_bytes());
    bytes[at + 4..at + 8].copy_from_slice(&passes.to_be_bytes());
    let body_end = bytes.len() - 32;
    let checksum = Sha256::digest(&bytes[..body_end]);
    bytes.truncate(body_end);
    bytes.extend_from_slice(&checksum);
}

/// A caller can set a lower ceiling on the Argon2id cost a key file may ask for; a file above it
/// is refused before any work, naming what it asks for.
#[test]
fn a_key_file_above_the_callers_argon2_ceiling_is_refused_before_deriving() {
    let s = Scratch::new("ceiling");
    s.init();
    let mut hostile = s.read("keyring.fsk");
    ask_for(&mut hostile, 1 << 20, 16); // 1 GiB, 16 passes: 25 s or more per attempt
    s.write("hostile.fsk", &hostile);
    let start = Instant::now();
    let run = s
        .run(&[
            "status",
            "--keyring",
            "hostile.fsk",
            "--passphrase-env",
            PASSPHRASE_VAR,
            "--max-kdf-memory-mib",
            "256",
        ])
        .fails(1, "1024 MiB");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "refused only after {:?}: Argon2id ran",
        start.elapsed()
    );
    assert!(run.stderr.contains("16 passes"), "{run:#?}");
    assert!(run.stderr.contains("256 MiB"), "{run:#?}");
    s.run(&[
        "status",
        "--keyring",
        "hostile.fsk",
        "--passphrase-env",
        PASSPHRASE_VAR,
        "--max-kdf-iterations",
        "4",
    ])
    .fails(1, "16 passes");

    // At or below the ceiling, the file opens as before.
    s.keyring_cmd(&[
        "status",
        "--max-kdf-memory-mib",
        "19",
        "--max-kdf-iterations",
        "2",
    ])
    .ok();
    s.keyring_cmd(&["status", "--max-kdf-memory-mib", "18"])
        .fails(1, "19 MiB");
}

/// `export-bundle --force` of the newsletter's bundle from `keyring`.
fn newsletter_export(keyring: &str) -> Vec<&str> {
    let mut args = vec![
        "export-bundle",
        "--purpose",
        "marketing",
        "--service",
        "newsletter",
        "--out",
        "newsletter.bundle",
        "--force",
        "--keyring",
        keyring,
        "--passphrase-env",
        PASSPHRASE_VAR,
        "--bundle-passphrase-env",
        BUNDLE_VAR,
    ];
    args.extend(FAST_KDF);
    args
}

/// A bundle names the keyring it came from: `export-bundle` refuses to replace a bundle of
/// another keyring, and `status --bundle --expect-keyring` checks it.
#[test]
fn a_bundle_of_another_keyring_is_named_as_such() {
    let s = Scratch::new("other-keyring");
    let ours = keyring_id(&s.init());
    let theirs = keyring_id(&s.init_named("staging.fsk"));
    let export = |keyring: &str| s.run(&newsletter_export(keyring));
    export("keyring.fsk").ok();
    let before = s.read("newsletter.bundle");
    let staging_before = s.read("staging.fsk");
    let run = export("staging.fsk").fails(4, "another keyring");
    assert!(
        run.stderr.contains(&ours) && run.stderr.contains(&theirs),
        "{run:#?}"
    );
    assert_eq!(
        s.read("newsletter.bundle"),
        before,
        "the bundle was replaced"
    );
    assert_eq!(
        s.read("staging.fsk"),
        staging_before,
        "the export was recorded"
    );
    export("keyring.fsk").ok(); // the same keyring replaces its own bundle

    let status = |expect: &str| {
        s.run(&[
            "status",
            "--bundle",
            "newsletter.bundle",
            "--bundle-passphrase-env",
            BUNDLE_VAR,
            "--expect-keyring",
            expect,
        ])
    };
    let run = status(&ours).ok();
    assert!(run.stdout.contains(&ours), "{run:#?}");
    let run = status(&theirs).fails(1, "not from keyring");
    assert!(
        run.stderr.contains(&ours) && run.stderr.contains(&theirs),
        "{run:#?}"
    );
    status("not-an-id").fails(2, "32 hex digits");
}

/// `export-bundle --force` never replaces "a bundle that opens with the new bundle's secret and
/// comes from another keyring" (its `--help`): staging's keyring exporting over production's
/// bundle would hand the service keys that nothing else in its deployment opens. Production's
/// export lands while staging's waits for its keyring's lock (two keyrings have two locks:
/// nothing orders them): staging's export is refused, and production's bundle stays. (The check
/// was made before the wait, and not again, and both exports reported success.)
#[test]
fn a_bundle_of_another_keyring_is_refused_even_when_it_lands_during_the_export() {
    use std::io::BufRead as _;
    let s = Scratch::new("other-keyring-race");
    let ours = keyring_id(&s.init());
    let theirs = keyring_id(&s.init_named("staging.fsk"));
    let export = |keyring: &str| s.command(&newsletter_export(keyring));
    // Another administrator is busy with the staging keyring: its export waits for the lock,
    // after its checks.
    let busy = fieldseal::KeyringLock::acquire(s.path("staging.fsk"), Duration::ZERO).unwrap();
    let mut staging = export("staging.fsk").spawn().unwrap();
    let mut stderr = std::io::BufReader::new(staging.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(
        line.contains("another administrator holds the lock"),
        "{line}"
    );
    // Production's export lands meanwhile.
    run_of(export("keyring.fsk").output().unwrap()).ok();
    let production = s.read("newsletter.bundle");
    drop(busy);
    let staging = wait_at_most(staging, Duration::from_secs(120));
    let bundle =
        fieldseal::KeyBundle::load(s.path("newsletter.bundle"), &passphrase(BUNDLE_PASSPHRASE))
            .unwrap();
    assert!(
        staging.status.code() != Some(0)
            && s.read("newsletter.bundle") == production
            && bundle.keyring_id().to_string() == ours,
        "production's bundle (keyring {ours}) was replaced by one of keyring {theirs}: staging's \
         export exited {:?}, the bundle is now of keyring {}",
        staging.status.code(),
        bundle.keyring_id()
    );
}
