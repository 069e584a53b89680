//! A hostile review of the `fieldseal` tool and of the library's file handling against the
//! project's rules (README, src/bin/fieldseal/failure.rs): bad input gets a clear error and loses
//! nothing; errors say what is wrong and what to do; the tool never writes a file it was not told
//! to; exit statuses tell usage errors from failures. Each test drives the real binary and fails
//! on the code it was written against (5749429).

mod cli_run;

use std::fs;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cli_run::Run;

const PASSPHRASE: &str = "correct horse battery staple";
const BUNDLE_PASSPHRASE: &str = "newsletter service passphrase";
const PASSPHRASE_VAR: &str = "FS_TEST_PASSPHRASE";
const BUNDLE_VAR: &str = "FS_TEST_BUNDLE_PASSPHRASE";
const FAST_KDF: [&str; 4] = ["--kdf-memory-mib", "19", "--kdf-iterations", "2"];

/// A fresh directory for one test, removed when the test passes.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(test: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("fieldseal-review-{test}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The tool in the directory, with `keyring.fsk` and its passphrase (and a bundle's) from
    /// the environment, nothing on standard input.
    fn command(&self, args: &[&str]) -> Command {
        self.command_on("keyring.fsk", args)
    }

    /// As [`command`](Self::command), on another keyring file.
    fn command_on(&self, keyring: &str, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_fieldseal"));
        command
            .args(args)
            .args(["--keyring", keyring, "--passphrase-env", PASSPHRASE_VAR])
            .current_dir(&self.dir)
            .env_remove("FIELDSEAL_KEYRING")
            .env_remove("FIELDSEAL_AUDIT_LOG")
            .env(PASSPHRASE_VAR, PASSPHRASE)
            .env(BUNDLE_VAR, BUNDLE_PASSPHRASE)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    fn run(&self, args: &[&str]) -> Run {
        Run::new(
            self.command(args).output().unwrap(),
            &[PASSPHRASE, BUNDLE_PASSPHRASE],
        )
    }

    /// `args` run through `sh -c PRELUDE; exec fieldseal ...` (resource limits).
    fn run_limited(&self, prelude: &str, args: &[&str]) -> Run {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!("{prelude}; exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_fieldseal"))
            .args(args)
            .args([
                "--keyring",
                "keyring.fsk",
                "--passphrase-env",
                PASSPHRASE_VAR,
            ])
            .current_dir(&self.dir)
            .env_remove("FIELDSEAL_KEYRING")
            .env_remove("FIELDSEAL_AUDIT_LOG")
            .env(PASSPHRASE_VAR, PASSPHRASE)
            .env(BUNDLE_VAR, BUNDLE_PASSPHRASE)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let start = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the tool ran for more than 60 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Run::new(
            child.wait_with_output().unwrap(),
            &[PASSPHRASE, BUNDLE_PASSPHRASE],
        )
    }

    /// A keyring, made with a fast key derivation.
    fn init(&self) {
        let mut init = vec!["init"];
        init.extend(FAST_KDF);
        self.run(&init).ok();
    }

    /// A keyring with an audit key, so that `--audit-log` can record.
    fn init_with_audit_key(&self) {
        self.init();
        self.run(&["audit", "rotate-key"]).ok();
    }
}

/// SHA-256 of `bytes`, in hex: a file's contents compared without printing them.
fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Opening an audit log (`--audit-log DIR`, `FileSink::open`) cuts a torn last line off the last
/// log file, and opens that file for writing without refusing a symbolic link: a link planted at
/// `audit-00000001.jsonl` makes the tool truncate whatever file it points to, a file it was never
/// told to write. The lock file beside it (`.lock`) and every new log file are opened without
/// following links (src/keyfile/lock.rs, `create_new`); the tail is not
/// (src/audit/log/files.rs:146-160, `tail`: `OpenOptions::new().read(true).write(true)`, then
/// `set_len`).
#[cfg(unix)]
#[test]
fn opening_an_audit_log_never_truncates_a_file_through_a_planted_link() {
    let s = Scratch::new("audit-tail-link");
    s.init_with_audit_key();
    let victim = s.path("victim.txt");
    let precious = "a line of someone else's file\nand its last line, with no line end";
    fs::write(&victim, precious).unwrap();
    fs::create_dir(s.path("logs")).unwrap();
    std::os::unix::fs::symlink("../victim.txt", s.path("logs/audit-00000001.jsonl")).unwrap();

    let run = s.run(&["--audit-log", "logs", "rotate"]);
    assert_eq!(
        fs::read_to_string(&victim).unwrap(),
        precious,
        "the file behind the link was changed: {run:#?}"
    );
    // It is not a log: the command is refused, and says so.
    assert_eq!(run.code, Some(1), "{run:#?}");
}

/// `reseal` opens the tool's administration log (`--audit-log`, `$FIELDSEAL_AUDIT_LOG`) when it
/// starts and holds the log directory's writer lock until it ends, which for a large table is
/// hours. Meanwhile every administrator's command given the same log (`rotate`, `export-bundle`,
/// `retire`, ...; a second `reseal` of another table too) fails at once with exit status 1 and
/// "another writer has the audit log open ... give each process (each replica of a service) a
/// directory of its own", advice meant for services that splits the administrators' own trail.
/// The README promises that a second administrator waits (and exit status 5 when the wait is
/// too long), and runs of `reseal` on several outputs are independent.
/// Causes: src/bin/fieldseal/commands/reseal.rs:41 (the log held for the whole run) and
/// src/bin/fieldseal/commands/mod.rs:148-175 (`FileSink::open`, which refuses at once,
/// src/audit/log/files.rs:64-70).
#[test]
fn an_administrator_is_not_refused_because_a_reseal_holds_the_audit_log() {
    let s = Scratch::new("audit-log-reseal");
    s.init_with_audit_key();
    // A reseal reading its records from standard input, still running.
    let mut reseal = s
        .command(&[
            "--audit-log",
            "logs",
            "reseal",
            "--record",
            "customer",
            "--id-field",
            "id",
            "--input",
            "-",
            "--out",
            "out.jsonl",
        ])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let mut records = reseal.stdin.take().unwrap();
    records.write_all(b"{\"id\": 1, \"points\": 10}\n").unwrap();
    let start = Instant::now();
    // The run is under way once its partial output exists (it opens the log for its one event,
    // when the run is over).
    while !s.path("out.jsonl.partial").exists() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "reseal never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    let rotate = s.run(&["--audit-log", "logs", "rotate"]);

    drop(records);
    let reseal = Run::new(reseal.wait_with_output().unwrap(), &[PASSPHRASE]);
    assert_eq!(reseal.code, Some(0), "{reseal:#?}");
    assert_eq!(
        rotate.code,
        Some(0),
        "a rotation was refused because a reseal held the administration log: {rotate:#?}"
    );
}

/// The tool records administration through a `FileSink` opened with the default, buffered
/// durability, and never flushes or closes it to learn whether the events were written: the
/// sink's writer failing after the log was opened (a full disk, an I/O error; here a file size
/// limit, `ulimit -f`, with SIGXFSZ ignored, so that the write fails with EFBIG) leaves the
/// change made and saved, the event torn off the log, and the command reporting success (exit
/// status 0). README, "Failing closed": when the writer fails, recording fails and so does the
/// operation that wanted it. Cause: src/bin/fieldseal/commands/mod.rs:148-175
/// (`FileSinkOptions::default()`, the sink dropped unchecked; `FileSink`'s `Drop` ignores the
/// failure, src/audit/log/writer.rs:302).
#[cfg(unix)]
#[test]
fn a_rotation_whose_audit_event_cannot_be_written_does_not_report_success() {
    let s = Scratch::new("audit-write-fails");
    s.init_with_audit_key();
    // The keyring stays under the limit (512 bytes), the log's header fits, its first event not.
    assert!(fs::metadata(s.path("keyring.fsk")).unwrap().len() < 420);

    // A long $USER (the actor, `fieldseal:$USER`) makes the event line longer than the limit,
    // whether the shell counts `ulimit -f` in 512- or 1024-byte blocks.
    let rotate = s.run_limited(
        "trap '' XFSZ; ulimit -f 1; USER=$(printf '%01200d' 0); export USER",
        &["--audit-log", "logs", "rotate"],
    );
    let rotated = s.run(&["status", "--json"]).ok().json();
    let recorded = s.run(&["audit", "query", "logs", "--op", "rotate"]);
    let in_log = recorded.stdout.contains("\"op\":\"rotate\"");
    assert!(
        rotate.code != Some(0) || in_log,
        "the rotation reported success, and the log does not hold it:\nrotate: {rotate:#?}\nquery: \
         {recorded:#?}"
    );
    // Failing closed: a rotation the log could not take is not made.
    assert!(
        in_log || rotated["active_version"] == 1,
        "the rotation was saved unrecorded ({rotate:#?})"
    );
    assert!(rotate.stderr.contains("cannot rotate"), "{rotate:#?}");
}

/// `index add --normalizer` records any text as the index's normalizer: a misspelt one
/// (`emial`, `phone:ZZ`) is accepted and kept in the keyring for good (no command changes or
/// removes an index), and every service deriving `index(email_lookup = email)` is then refused
/// (`Error::IndexNormalizerMismatch`), while `reseal --index` calls it "a custom normalizer".
/// The library reads descriptions (`fieldseal::normalize::from_description`), and `reseal`
/// refuses the same text with "unknown normalizer `emial` (known: ...)": `index add` should
/// refuse it as bad input (exit status 2) before changing the keyring.
/// Cause: src/bin/fieldseal/commands/index.rs:22-27 (only `IndexSpec::with_normalizer`, which
/// checks length and control characters, src/index/spec.rs:112).
#[test]
fn index_add_refuses_a_misspelt_normalizer() {
    let s = Scratch::new("index-normalizer");
    s.init();
    let before = fs::read(s.path("keyring.fsk")).unwrap();
    let run = s.run(&["index", "add", "email-lookup", "--normalizer", "emial"]);
    assert_eq!(
        run.code,
        Some(2),
        "a normalizer no fieldseal knows was recorded: {run:#?}"
    );
    assert!(run.stderr.contains("emial"), "{run:#?}");
    assert!(
        fs::read(s.path("keyring.fsk")).unwrap() == before,
        "the keyring changed"
    );
}

/// `export-bundle --index a --index a` (an index named twice on the command line) fails with
/// "key file: the key file's content is invalid: index `a` is listed twice; list each index once;
/// it was not written by this fieldseal", exit status 1: a usage error reported as a damaged key
/// file that some other program wrote. A service name over 255 bytes gets the same message. The
/// argument checks of `Keyring::export_bundle_with_indexes` raise `KeyFileError::Invalid`
/// (src/keyfile/bundle.rs:170-185), whose text (src/error/keyfile.rs:114) blames the file.
#[test]
fn an_index_named_twice_is_a_usage_error_not_a_foreign_key_file() {
    let s = Scratch::new("export-twice");
    s.init();
    s.run(&["index", "add", "email-lookup", "--normalizer", "email"])
        .ok();
    let mut args = vec![
        "export-bundle",
        "--index",
        "email-lookup",
        "--index",
        "email-lookup",
        "--service",
        "till",
        "--out",
        "till.bundle",
        "--bundle-passphrase-env",
        BUNDLE_VAR,
    ];
    args.extend(FAST_KDF);
    let run = s.run(&args);
    assert!(!s.path("till.bundle").exists());
    assert!(
        !run.stderr.contains("not written by this fieldseal") && !run.stderr.contains("key file"),
        "an argument named twice is blamed on a key file: {run:#?}"
    );
    assert_eq!(run.code, Some(2), "a usage error: {run:#?}");
}

/// `retire 99` on a keyring of versions 1 and 2 says "no root key version 99 (present: 1, 2);
/// add it first": there is no adding a version to retire it (versions come from `rotate`, and a
/// version that is not there needs no retiring); what is wrong is the number typed. The
/// library's `KeyringError::NoSuchVersion` text (src/error/mod.rs:632) is printed as is by
/// src/bin/fieldseal/commands/retire.rs:76.
#[test]
fn retiring_a_version_that_does_not_exist_does_not_say_to_add_it() {
    let s = Scratch::new("retire-99");
    s.init();
    s.run(&["rotate"]).ok();
    let run = s.run(&["retire", "99", "--yes"]);
    assert_eq!(run.code, Some(1), "{run:#?}");
    assert!(run.stderr.contains("99"), "{run:#?}");
    assert!(
        !run.stderr.contains("add it first"),
        "the operator is told to add the version they meant to retire: {run:#?}"
    );
}

/// `export-bundle --index nope` (no such index in the keyring) fails with "no index `nope` here
/// (indexes here: none); check the name, define the index in the keyring (`fieldseal index
/// add`), or give this service its key (`fieldseal export-bundle --index nope`)": the last remedy
/// is the very command that just failed. The same text answers `index rotate nope` and `index
/// status nope`, where the keyring, not a service, lacks the index, so exporting it cannot help.
/// `Error::UnknownIndex` (src/error/mod.rs:398-402) is written for a service's key set and is
/// printed unchanged for the keyring.
#[test]
fn an_unknown_index_in_the_keyring_is_not_answered_with_the_command_that_failed() {
    let s = Scratch::new("unknown-index");
    s.init();
    let mut args = vec![
        "export-bundle",
        "--purpose",
        "marketing",
        "--index",
        "nope",
        "--service",
        "newsletter",
        "--out",
        "newsletter.bundle",
        "--bundle-passphrase-env",
        BUNDLE_VAR,
    ];
    args.extend(FAST_KDF);
    let run = s.run(&args);
    assert_eq!(run.code, Some(1), "{run:#?}");
    assert!(
        !run.stderr.contains("fieldseal export-bundle --index nope"),
        "the remedy offered is the command that failed: {run:#?}"
    );
    let rotate = s.run(&["index", "rotate", "nope"]);
    assert!(
        !rotate.stderr.contains("export-bundle"),
        "exporting cannot define an index in the keyring: {rotate:#?}"
    );
}

/// `audit verify --anchor FILE` reads the anchor with `read_to_string`, without a bound: a path
/// naming a device or a huge file (`/dev/zero`) is read until memory runs out (here under a 1 GiB
/// `ulimit -v`: "cannot read /dev/zero: out of memory"; without a limit, the machine's memory).
/// Every other file the tool reads is capped (README: secret files at 4 KiB, key files at the
/// largest key file, JSON Lines at 16 MiB a line), and an anchor is one checkpoint line of a few
/// hundred bytes. Cause: src/bin/fieldseal/commands/audit.rs:127.
#[cfg(unix)]
#[test]
fn an_anchor_with_no_end_is_refused_at_a_cap() {
    let s = Scratch::new("anchor-endless");
    s.init_with_audit_key();
    s.run(&["--audit-log", "logs", "rotate"]).ok();
    let run = s.run_limited(
        "ulimit -v 1048576",
        &["audit", "verify", "logs", "--anchor", "/dev/zero"],
    );
    assert_eq!(run.code, Some(1), "{run:#?}");
    assert!(
        !run.stderr.contains("out of memory"),
        "the anchor was read until memory ran out: {run:#?}"
    );
    assert!(run.stderr.contains("checkpoint"), "{run:#?}");
}

/// The tool's administration log (`--audit-log`, `$FIELDSEAL_AUDIT_LOG`) is opened for any
/// keyring: `FileSink::open` checks only that the log's service is `fieldseal` and chains on
/// from the last line's MAC without checking it under the key it was given. An administrator
/// with `$FIELDSEAL_AUDIT_LOG` set who runs a command on the staging keyring writes staging's
/// events, under staging's audit key, into production's log; from then on production's log
/// "does not verify: ... its MAC does not match: the line was changed after it was written ...
/// keep the files as they are for investigation", a false alarm of tampering, and every later
/// production event is unverifiable. The log should be refused as another keyring's (its
/// header's log id and its last MAC are there to check). Cause: src/audit/log/writer.rs:147-176
/// (only `tail.service` compared, line 154) and src/audit/log/files.rs:146-190 (`tail` never
/// checks a MAC).
#[test]
fn another_keyrings_administration_is_never_chained_into_a_log() {
    let s = Scratch::new("audit-two-keyrings");
    s.init();
    s.run(&["audit", "rotate-key"]).ok();
    let staging = |args: &[&str]| {
        Run::new(
            s.command_on("staging.fsk", args).output().unwrap(),
            &[PASSPHRASE],
        )
    };
    let mut init = vec!["init"];
    init.extend(FAST_KDF);
    staging(&init).ok();
    staging(&["audit", "rotate-key"]).ok();

    s.run(&["--audit-log", "logs", "rotate"]).ok();
    let mixed = staging(&["--audit-log", "logs", "rotate"]);
    s.run(&["--audit-log", "logs", "rotate"]);
    let verify = s.run(&["audit", "verify", "logs"]);
    assert!(
        mixed.code != Some(0) || verify.code == Some(0),
        "staging's administration went into production's log, which no longer verifies:\n\
         staging: {mixed:#?}\nverify: {verify:#?}"
    );
}

/// `retire N --vault A --vault B` records the retirement in each vault in turn, then destroys
/// the root key in the keyring. When B cannot be written (another process holds it locked for
/// the busy timeout), the command fails with exit status 5 and "the key vault is busy ...;
/// nothing was changed, try again", but A already records version N as retired (a service still
/// on an old bundle can no longer make keys in it) while the keyring keeps version N: the
/// retirement is half made, and the operator is told that nothing was. Cause:
/// src/bin/fieldseal/commands/retire.rs:33 (`check_vaults(.., Pass::Retire)` changes the
/// vaults one by one with nothing undone; its error, retire.rs:126 and 172, is the last vault's
/// own).
#[test]
fn a_retirement_that_fails_on_one_vault_does_not_say_nothing_changed_after_another() {
    use fieldseal::vault::{KeyVault as _, SqliteVault};
    let s = Scratch::new("retire-two-vaults");
    s.init();
    for vault in ["a.db", "b.db"] {
        drop(SqliteVault::open(s.path(vault)).unwrap()); // as a service creates it
        s.run(&["vault", "--vault", vault, "rewrap"]).ok(); // bound to the keyring
    }
    s.run(&["rotate"]).ok();
    // Another process writing to vault B for longer than the busy timeout (5 s).
    let holder = rusqlite::Connection::open(s.path("b.db")).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();

    let run = s.run(&["retire", "1", "--yes", "--vault", "a.db", "--vault", "b.db"]);
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    assert_eq!(run.code, Some(5), "{run:#?}");
    let a = SqliteVault::open(s.path("a.db")).unwrap();
    let retired_in_a = a.retired_versions().unwrap();
    assert!(
        retired_in_a.is_empty()
            || run
                .stderr
                .contains("version 1 is already retired in vault a.db"),
        "vault a.db records version 1 as retired ({retired_in_a:?}) while the keyring keeps it, \
         and the operator is not told: {run:#?}"
    );
}

/// The vault commands that need no key (`vault consent grant`, `withdraw`, `forget`, `sweep`)
/// open the vault writable before anything else, and `SqliteVault::open` makes a key vault of
/// an existing SQLite database that holds no table yet (its schema written, switched to WAL):
/// the command then fails with "vault ... is not bound to a keyring yet ...; nothing was
/// changed", although the file was just turned into a vault (4 KiB to 52 KiB, ten tables). The
/// README says that no vault command creates a vault (the services do), and the tool refuses
/// only an empty (0-byte) file. Cause: src/bin/fieldseal/commands/vault/mod.rs:97-111
/// (`require` checks the length only) and 132-137 (`admin`: the writable open comes before the
/// binding is read).
#[test]
fn a_vault_command_that_says_nothing_changed_leaves_the_file_as_it_was() {
    let s = Scratch::new("vault-empty-db");
    let path = s.path("vault.db");
    // A SQLite database with no table: provisioned, or another application's, not yet used.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA user_version = 1").unwrap();
    drop(conn);
    let before = fs::read(&path).unwrap();
    let before = (before.len(), sha256(&before));
    let run = s.run(&[
        "vault",
        "--vault",
        "vault.db",
        "consent",
        "grant",
        "--subject",
        "1001",
        "--purpose",
        "marketing",
        "--source",
        "newsletter form",
    ]);
    assert_eq!(run.code, Some(1), "{run:#?}");
    assert!(run.stderr.contains("nothing was changed"), "{run:#?}");
    let after = fs::read(&path).unwrap();
    let after = (after.len(), sha256(&after));
    assert_eq!(
        after, before,
        "the database (length, SHA-256) was changed by a command that says nothing was: {run:#?}"
    );
}

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Acme = "third-party:acme");

/// A subject-mode customer record, as a service stores it.
#[allow(clippy::struct_field_names, reason = "the record's own column names")]
#[derive(fieldseal::Seal, Clone, Debug, PartialEq)]
#[seal(subject = customer_id)]
struct Customer {
    customer_id: u64,
    #[seal(Fulfillment, Acme)]
    email: String,
    loyalty_points: u32,
}

/// `vault disclose --fields email,email` (a field named twice, as a script joining lists may
/// do) is not refused: each record handed to the partner holds `"email"` twice, two sealed
/// copies of one value, and the log says "fields email, email". JSON with a key twice is what
/// the partner's `#[derive(Seal)]` twin refuses to read ("duplicate field `email`"); subjects
/// named twice are merged (src/bin/fieldseal/commands/vault/disclose.rs:43-48), fields are not
/// (disclose.rs:69, records.rs `fields`, and `Tree::insert`, which appends a second leaf of the
/// same key).
#[test]
fn a_field_named_twice_is_not_handed_over_twice() {
    use fieldseal::vault::{SqliteVault, SubjectKeys};
    use fieldseal::{DynPurpose, KeySet, Keyring, Passphrase};
    let s = Scratch::new("disclose-twice");
    s.init();
    let keyring = Keyring::load(
        s.path("keyring.fsk"),
        &Passphrase::new(PASSPHRASE.to_owned()).unwrap(),
    )
    .unwrap();
    let purposes: Vec<DynPurpose> = vec![Fulfillment.into(), Acme.into()];
    let subjects = SubjectKeys::new(
        SqliteVault::open(s.path("vault.db")).unwrap(),
        KeySet::from_keyring(&keyring, &purposes),
        keyring.id(),
    )
    .unwrap();
    let vault = ["vault", "--vault", "vault.db"];
    let mut grant = vault.to_vec();
    grant.extend([
        "consent",
        "grant",
        "--subject",
        "1",
        "--purpose",
        "third-party:acme",
        "--source",
        "checkout",
    ]);
    s.run(&grant).ok();
    let customer = Customer {
        customer_id: 1,
        email: "ada@example.com".into(),
        loyalty_points: 3,
    }
    .seal(&subjects)
    .unwrap();
    fs::write(
        s.path("customers.jsonl"),
        format!("{}\n", serde_json::to_string(&customer).unwrap()),
    )
    .unwrap();

    let mut disclose = vault.to_vec();
    disclose.extend([
        "disclose",
        "--partner",
        "third-party:acme",
        "--fields",
        "email,email",
        "--input",
        "customers.jsonl",
        "--output",
        "acme.jsonl",
        "--record",
        "Customer",
        "--subject-field",
        "customer_id",
        "--subject-type",
        "u64",
        "--subject",
        "1",
    ]);
    let run = s.run(&disclose);
    let written = fs::read_to_string(s.path("acme.jsonl")).unwrap_or_default();
    assert!(
        run.code != Some(0) || written.matches("\"email\"").count() == 1,
        "a record with a key twice was handed over: {written}\n{run:#?}"
    );
}

/// A passphrase typed where `--passphrase-file` (or `--kek-file`, `--bundle-passphrase-file`)
/// wants a path is repeated in the error: "cannot read --passphrase-file Tr0ub4dor&3: No such
/// file or directory". The README promises that a value given to `--passphrase-env` that may be
/// a passphrase typed in the wrong place is never repeated, and stderr is what CI logs and cron
/// mails keep; the file flags, the same mistake one word over, are not covered.
/// Cause: src/bin/fieldseal/secrets.rs:719-728 (`read_secret_file`, the path in the message).
#[test]
fn a_passphrase_given_as_a_secret_file_path_is_not_echoed() {
    let s = Scratch::new("file-echo");
    for (flag, secret) in [
        ("--passphrase-file", "Tr0ub4dor&3"),
        ("--kek-file", "correct-horse-battery"),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_fieldseal"))
            .args(["init", "--keyring", "keyring.fsk", flag, secret])
            .current_dir(&s.dir)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let run = Run::new(output, &[]);
        assert_eq!(run.code, Some(2), "{run:#?}");
        assert!(
            !run.stderr.contains(secret),
            "what may be a passphrase is repeated in the error: {run:#?}"
        );
    }
}

/// A passphrase given as a bare argument (`fieldseal init --keyring keyring.fsk
/// hunter2-hunter2`) is refused (exit status 2, as tests/cli.rs checks) but repeated by clap's
/// error: "unexpected argument 'hunter2-hunter2' found". tests/cli.rs
/// `secrets_are_never_taken_from_the_command_line` runs exactly this and checks only the exit
/// status: its secret check covers the test passphrases, not the one it passes. The tool hands
/// clap's message through unchanged (src/bin/fieldseal/main.rs:32, `Cli::parse`).
#[test]
fn a_passphrase_given_as_a_bare_argument_is_not_echoed() {
    let s = Scratch::new("bare-echo");
    let output = Command::new(env!("CARGO_BIN_EXE_fieldseal"))
        .args(["init", "--keyring", "keyring.fsk", "hunter2-hunter2"])
        .current_dir(&s.dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let run = Run::new(output, &[]);
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert!(
        !run.stderr.contains("hunter2-hunter2"),
        "the stray argument, perhaps a passphrase, is repeated: {run:#?}"
    );
}

/// `reseal` promises never to use its side files through a symbolic link (src/bulk/file.rs: "None
/// of these files is opened through a symbolic link"), and refuses a link at `<out>.partial`. But
/// `reseal_jsonl_file` takes its run lock before that check, and the lock's path is resolved
/// through a link at the partial path (`KeyringLock` puts `<target>.lock` beside the file a link
/// points to): a link planted at `<out>.partial` after the tool's first look (here while it reads
/// its passphrase from a FIFO) makes it create, and lock, an empty `<target>.lock` in whatever
/// directory the link names, before refusing the link. Cause: src/bulk/file.rs:51-55 (`lock`
/// before `check`) and src/keyfile/lock.rs:121-126 (`lock_path` follows the link).
#[cfg(unix)]
#[test]
fn reseal_creates_nothing_through_a_link_planted_at_its_partial_output() {
    let s = Scratch::new("reseal-lock-link");
    s.init();
    fs::write(s.path("records.jsonl"), "{\"id\": 1}\n").unwrap();
    fs::create_dir(s.path("elsewhere")).unwrap();
    fs::write(s.path("elsewhere/victim"), "keep").unwrap();
    let fifo = s.path("passphrase.fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );

    let mut command = Command::new(env!("CARGO_BIN_EXE_fieldseal"));
    command
        .args([
            "--keyring",
            "keyring.fsk",
            "--passphrase-file",
            "passphrase.fifo",
        ])
        .args([
            "reseal",
            "--record",
            "customer",
            "--id-field",
            "id",
            "--input",
            "records.jsonl",
            "--out",
            "out.jsonl",
        ])
        .current_dir(&s.dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().unwrap();
    // Opening the FIFO to write returns once the tool opened it to read its passphrase: it has
    // looked at its output's side files already.
    let mut secret = fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    std::os::unix::fs::symlink("elsewhere/victim", s.path("out.jsonl.partial")).unwrap();
    writeln!(secret, "{PASSPHRASE}").unwrap();
    drop(secret);
    let run = Run::new(child.wait_with_output().unwrap(), &[PASSPHRASE]);

    assert!(run.stderr.contains("symbolic link"), "{run:#?}");
    assert!(
        !s.path("elsewhere/victim.lock").exists(),
        "a file was created through the link at out.jsonl.partial: {run:#?}"
    );
}
