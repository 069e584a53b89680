//! CLI tests of the audit trail (FORMAT.md §18): `--audit-log DIR` records administration
//! through `fieldseal`, `audit verify` finds a changed line and a tail cut after an anchored
//! checkpoint, `audit query` finds events, and a service's bundle carries its audit key.

mod cli_run;

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use cli_run::Run;
use fieldseal::{KeyBundle, Keyring, Passphrase};

const PASSPHRASE: &str = "correct horse battery staple";
const BUNDLE_PASSPHRASE: &str = "search service passphrase";
const FAST_KDF: [&str; 4] = ["--kdf-memory-mib", "19", "--kdf-iterations", "2"];
const KEYRING_SECRET: [&str; 2] = ["--passphrase-env", "FS_TEST_PASSPHRASE"];
const BUNDLE_SECRET: [&str; 2] = ["--bundle-passphrase-env", "FS_TEST_BUNDLE_PASSPHRASE"];

/// A fresh directory for one test, removed when it passes.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(test: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("fieldseal-cli-audit-{test}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Runs the tool in the directory, with the keyring's secret (and the bundle's) given the
    /// way an operator gives them, and nothing on standard input.
    fn run(&self, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_fieldseal"))
            .args(args)
            .args(KEYRING_SECRET)
            .current_dir(&self.dir)
            .env_remove("FIELDSEAL_KEYRING")
            .env("FS_TEST_PASSPHRASE", PASSPHRASE)
            .env("FS_TEST_BUNDLE_PASSPHRASE", BUNDLE_PASSPHRASE)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        Run::new(output, &[PASSPHRASE, BUNDLE_PASSPHRASE])
    }

    fn init(&self) {
        let mut args = vec!["init"];
        args.extend(FAST_KDF);
        self.run(&args).ok();
    }

    fn keyring(&self) -> Keyring {
        Keyring::load(self.path("keyring.fsk"), &passphrase(PASSPHRASE)).unwrap()
    }

    fn export(&self, args: &[&str]) -> Run {
        let mut all = vec![
            "export-bundle",
            "--service",
            "search",
            "--out",
            "search.fsb",
        ];
        all.extend(args);
        all.extend(BUNDLE_SECRET);
        all.extend(FAST_KDF);
        self.run(&all)
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

#[test]
fn administration_is_recorded_and_the_log_verifies_against_an_anchor() {
    let s = Scratch::new("admin");
    s.init();
    // No audit key yet: a log cannot be kept, and the command says how to get one.
    s.run(&["rotate", "--audit-log", "log"])
        .fails(1, "fieldseal audit rotate-key");
    let before = s.run(&["status"]).ok();
    assert!(before.stdout.contains("audit keys  none"), "{before:#?}");
    s.run(&["audit", "rotate-key"]).ok();
    // status names the audit key and the root version it is pinned to.
    let status = s.run(&["status"]).ok();
    assert!(
        status.stdout.contains("AUDIT KEY  ROOT  STATE"),
        "{status:#?}"
    );
    let shown = s.run(&["status", "--json"]).ok().json();
    assert_eq!(shown["audit_keys"][0]["version"], 1, "{shown:#}");
    assert_eq!(shown["audit_keys"][0]["root_version"], 1, "{shown:#}");
    assert_eq!(shown["audit_keys"][0]["state"], "active", "{shown:#}");
    s.run(&["rotate", "--audit-log", "log"]).ok();
    // Root version 1 is decrypt-only now, and still derives the audit key.
    let status = s.run(&["status"]).ok();
    assert!(
        status
            .stdout
            .contains("root version 1 still derives the keys of the audit key version 1"),
        "{status:#?}"
    );
    s.export(&["--purpose", "support", "--audit-log", "log"])
        .ok();
    let verified = s.run(&["audit", "verify", "log"]).ok();
    assert!(verified.stdout.contains("2 events"), "{verified:#?}");
    let found = s
        .run(&["audit", "query", "log", "--op", "bundle-export"])
        .ok();
    assert_eq!(found.stdout.lines().count(), 1, "{found:#?}");
    assert!(found.stdout.contains(r#""service":"search""#), "{found:#?}");
    // The anchor, kept off the host.
    let anchor = s
        .run(&["audit", "checkpoint", "log"])
        .ok_noting("the Ed25519 public key of audit key version 1")
        .stdout;
    fs::write(s.path("anchor.json"), &anchor).unwrap();
    s.run(&["audit", "verify", "log", "--anchor", "anchor.json"])
        .ok();
    // A changed line is found.
    let files = fieldseal::audit::log_files(s.path("log")).unwrap();
    let text = fs::read_to_string(&files[1]).unwrap();
    fs::write(&files[1], text.replace("bundle-export", "bundle-exports")).unwrap();
    s.run(&["audit", "verify", "log"])
        .fails(1, "changed after it was written");
    fs::write(&files[1], &text).unwrap();
    // The tail cut: the file holding the anchored checkpoint removed.
    fs::remove_file(&files[1]).unwrap();
    s.run(&["audit", "verify", "log", "--anchor", "anchor.json"])
        .fails(1, "were removed");
    // The bundle carries the service's audit key, the same the keyring derives.
    let bundle = KeyBundle::load(s.path("search.fsb"), &passphrase(BUNDLE_PASSPHRASE)).unwrap();
    let from_bundle = bundle.audit_key().unwrap();
    let from_keyring = s.keyring().audit_key("search").unwrap();
    assert_eq!(
        from_bundle.pseudonym(1, b"1001"),
        from_keyring.pseudonym(1, b"1001")
    );
    assert_eq!(from_bundle.versions(), [1]);
    let _: Keyring = s.keyring();
}

/// `fieldseal audit rotate-key --audit-log DIR` records the rotation (README, "What is
/// recorded"), in the log of the audit key version before it.
#[test]
fn audit_key_rotation_is_recorded_in_the_audit_log() {
    let s = Scratch::new("rotate-key");
    s.init();
    s.run(&["audit", "rotate-key"]).ok();
    // Something recorded under version 1 first, so that the log exists.
    s.run(&["rotate", "--audit-log", "log"]).ok();
    s.run(&["audit", "rotate-key", "--audit-log", "log"]).ok();
    s.run(&["audit", "verify", "log"]).ok();
    let found = s
        .run(&["audit", "query", "log", "--op", "audit-key-rotate"])
        .ok();
    assert_eq!(
        found.stdout.lines().count(),
        1,
        "the audit key rotation is not in the log: {found:#?}"
    );
}

/// `audit query` verifies first and prints only lines a MAC covers: a torn last line (which
/// anyone able to append to the file could write) is noted, never printed as an event.
#[test]
fn audit_query_prints_no_unverified_torn_line() {
    let s = Scratch::new("query-torn");
    s.init();
    s.run(&["audit", "rotate-key"]).ok();
    s.run(&["rotate", "--audit-log", "log"]).ok();
    let files = fieldseal::audit::log_files(s.path("log")).unwrap();
    let mut text = fs::read_to_string(files.last().unwrap()).unwrap();
    text.push_str(r#"{"seq":999,"type":"event","time":"2026-11-30T02:57:22.123456Z","op":"bundle-export","outcome":"ok","actor":"fieldseal:mallory","mac":"0000000000000000000000000000000000000000000000000000000000000000"}"#);
    fs::write(files.last().unwrap(), text).unwrap();
    let found = s
        .run(&["audit", "query", "log", "--op", "bundle-export"])
        .ok_noting("is torn");
    assert_eq!(
        found.stdout.lines().count(),
        0,
        "an unverified line was printed: {found:#?}"
    );
}

/// The tool keeps its own administration log (`--audit-log`) with the audit key of service
/// `fieldseal`, which the bundle of a service of that name would carry (a service's bundle
/// carries its own audit key): its holder could write lines into the administrators' log that
/// verify. The name is refused, and nothing is written.
#[test]
fn a_bundle_never_carries_the_key_of_the_tools_own_audit_log() {
    let s = Scratch::new("reserved");
    s.init();
    s.run(&["audit", "rotate-key"]).ok();
    let mut args = vec![
        "export-bundle",
        "--service",
        "fieldseal",
        "--out",
        "fieldseal.fsb",
        "--purpose",
        "support",
    ];
    args.extend(BUNDLE_SECRET);
    args.extend(FAST_KDF);
    s.run(&args).fails(4, "reserved");
    assert!(!s.path("fieldseal.fsb").exists());
}

/// Administrators share one administration log (`--audit-log DIR`, or `$FIELDSEAL_AUDIT_LOG` set
/// in every administrator's environment, as the README suggests). `reseal` records through it
/// without holding the keyring's lock (it only reads the keyring) and runs for as long as its
/// input lasts; it opens the log for its one event, when its run is over, so a `rotate` by another
/// administrator meanwhile records and is made, and the log, written by both in turn, verifies.
/// (Once, both wrote at once and `audit verify` reported the honest log as changed; then the
/// rotation was refused for as long as the re-seal ran.)
#[test]
fn a_reseal_and_a_rotation_at_once_leave_an_administration_log_that_verifies() {
    let s = Scratch::new("concurrent-admins");
    s.init();
    s.run(&["audit", "rotate-key"]).ok();
    let mut reseal = Command::new(env!("CARGO_BIN_EXE_fieldseal"))
        .args([
            "reseal",
            "--out",
            "resealed.jsonl",
            "--record",
            "customer",
            "--id-field",
            "customer_id",
            "--id-type",
            "u64",
            "--audit-log",
            "log",
        ])
        .args(KEYRING_SECRET)
        .current_dir(&s.dir)
        .env_remove("FIELDSEAL_KEYRING")
        .env_remove("FIELDSEAL_AUDIT_LOG")
        .env("FS_TEST_PASSPHRASE", PASSPHRASE)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The run is under way once its partial output exists.
    let partial = s.path("resealed.jsonl.partial");
    let start = std::time::Instant::now();
    while !partial.exists() {
        assert!(start.elapsed().as_secs() < 60, "the re-seal never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // Another administrator rotates meanwhile: recorded, and made.
    s.run(&["rotate", "--audit-log", "log"]).ok();
    assert_eq!(s.keyring().live_versions(), [1, 2]);
    // The re-seal's input ends (no record: the run is short).
    drop(reseal.stdin.take());
    let done = reseal.wait_with_output().unwrap();
    assert!(
        done.status.success(),
        "reseal failed: {}",
        String::from_utf8_lossy(&done.stderr)
    );
    let verified = s.run(&["audit", "verify", "log"]);
    assert!(
        verified.code == Some(0),
        "two administrators' honest commands, both reported done, and the administration log \
         does not verify: {verified:#?}"
    );
    for op in ["rotate", "reseal-run"] {
        let found = s.run(&["audit", "query", "log", "--op", op]).ok();
        assert!(
            found.stdout.contains(&format!(r#""op":"{op}""#)),
            "{op}: {found:#?}"
        );
    }
}
