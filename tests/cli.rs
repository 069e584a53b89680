//! CLI end-to-end tests: the `fieldseal` binary run as an operator would, each test in a fresh
//! directory of its own, with the data sealed and checked through the library.
//!
//! Every keyring and bundle is written with the cheapest Argon2id parameters accepted
//! (`--kdf-memory-mib 19 --kdf-iterations 2`); the files keep them, so loading stays fast.

// `Customer::customer_id` is what retail schemas call it.
#![allow(clippy::struct_field_names)]

mod cli_run;

use std::fs;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use fieldseal::{Error, Kek, KeyBundle, KeySet, Keyring, Passphrase, Seal, SecretKey};
use serde_json::Value;
use zeroize::Zeroizing;

use cli_run::Run;

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing");

/// The keyring's passphrase, given to the tool by file or environment variable only.
const PASSPHRASE: &str = "correct horse battery staple";
/// The marketing service's own passphrase, for its bundle.
const BUNDLE_PASSPHRASE: &str = "newsletter service passphrase";
/// The environment variables the tool is told to read them from.
const PASSPHRASE_VAR: &str = "FS_TEST_PASSPHRASE";
const BUNDLE_VAR: &str = "FS_TEST_BUNDLE_PASSPHRASE";
const WRONG_VAR: &str = "FS_TEST_WRONG_PASSPHRASE";

const FAST_KDF: [&str; 4] = ["--kdf-memory-mib", "19", "--kdf-iterations", "2"];

/// The reseal options matching [`Customer`]'s derive attributes.
const CUSTOMER_LAYOUT: [&str; 8] = [
    "--record",
    "customer",
    "--id-field",
    "customer_id",
    "--id-type",
    "u64",
    "--rename",
    "wants_newsletter=newsletter",
];

#[derive(Seal, Clone, Debug, PartialEq)]
#[seal(id = customer_id, record = "customer")]
struct Customer {
    customer_id: u64,
    #[seal(Fulfillment)]
    name: String,
    #[seal(Fulfillment, Marketing)]
    email: String,
    #[seal(Marketing, rename = "newsletter")]
    wants_newsletter: bool,
    loyalty_points: u32,
}

/// Sealed values per customer.
const VALUES_PER_RECORD: u64 = 3;

fn customer(id: u64) -> Customer {
    Customer {
        customer_id: id,
        name: format!("Customer {id}"),
        email: format!("customer{id}@example.com"),
        wants_newsletter: id % 3 == 0,
        loyalty_points: (id * 7 % 1000) as u32,
    }
}

/// What a run reads on standard input.
enum Stdin {
    /// These bytes, then the end.
    Bytes(Vec<u8>),
    /// This file (`/dev/zero`, say).
    File(fs::File),
}

/// A fresh directory for one test, removed afterwards (kept when the test fails, to look at).
struct Scratch {
    dir: PathBuf,
}

/// What `retire` notes on stderr when no key vault was named to check.
const NO_VAULT_CHECKED: &str = "no key vault checked";

impl Scratch {
    fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("fieldseal-cli-{test}-{}", std::process::id()));
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

    fn read_text(&self, name: &str) -> String {
        fs::read_to_string(self.path(name)).unwrap()
    }

    /// Runs the tool in the directory, standard input empty.
    fn run(&self, args: &[&str]) -> Run {
        self.run_with_input(args, b"")
    }

    /// Runs the tool in the directory with `input` on standard input. The passphrases are in
    /// the environment, under the names the tests pass to `--*-env`.
    fn run_with_input(&self, args: &[&str], input: &[u8]) -> Run {
        let mut command = self.command(env!("CARGO_BIN_EXE_fieldseal"));
        command.args(args);
        Self::collect(command, Stdin::Bytes(input.to_vec()))
    }

    /// `program` to run in the directory, with the test's environment.
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(&self.dir)
            .env_remove("FIELDSEAL_KEYRING")
            .env(PASSPHRASE_VAR, PASSPHRASE)
            .env(BUNDLE_VAR, BUNDLE_PASSPHRASE)
            .env(WRONG_VAR, "incorrect horse battery staple");
        command
    }

    /// Runs `command` to its end, checking that it printed no secret and only prefixed errors.
    fn collect(mut command: Command, stdin: Stdin) -> Run {
        let (stdin, input) = match stdin {
            Stdin::Bytes(input) => (Stdio::piped(), Some(input)),
            Stdin::File(file) => (Stdio::from(file), None),
        };
        let mut child = command
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the fieldseal binary runs");
        // A writer thread: the child may fill its stdout before reading all of its input.
        let writer = input.map(|input| {
            let mut stdin = child.stdin.take().unwrap();
            std::thread::spawn(move || {
                let _ = stdin.write_all(&input);
            })
        });
        let output = child.wait_with_output().unwrap();
        if let Some(writer) = writer {
            writer.join().unwrap();
        }
        let run = Run::new(output, &[PASSPHRASE, BUNDLE_PASSPHRASE]);
        if !run.stderr.is_empty() {
            assert!(
                run.stderr.starts_with("error: ") || run.stderr.starts_with("note: "),
                "{run:#?}"
            );
        }
        run
    }

    /// Runs a command on `keyring.fsk`, unlocked with the passphrase from the environment.
    fn keyring_cmd(&self, args: &[&str]) -> Run {
        let mut all = args.to_vec();
        all.extend([
            "--keyring",
            "keyring.fsk",
            "--passphrase-env",
            PASSPHRASE_VAR,
        ]);
        self.run(&all)
    }

    /// `init` of `keyring.fsk`, the passphrase from a file.
    fn init(&self) -> Run {
        let mut args = vec![
            "init",
            "--keyring",
            "keyring.fsk",
            "--passphrase-file",
            "passphrase.txt",
        ];
        args.extend(FAST_KDF);
        self.run(&args).ok()
    }

    fn load_keyring(&self) -> Keyring {
        Keyring::load(self.path("keyring.fsk"), &passphrase(PASSPHRASE)).unwrap()
    }

    /// `(version, state)` of each version, from `status --json`.
    fn states(&self) -> Vec<(u64, String)> {
        let status = self.keyring_cmd(&["status", "--json"]).ok().json();
        status["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["version"].as_u64().unwrap(),
                    v["state"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    /// Seals `count` customers with the keyring as it is into `name`, one JSON record a line.
    /// A keyring made, `count` customers sealed into `records.jsonl`, then the keyring rotated:
    /// records for a re-seal to bring to version 2.
    fn stale_records(&self, count: u64) -> Vec<Customer> {
        self.init();
        let customers = self.seal_records("records.jsonl", count);
        self.keyring_cmd(&["rotate"]).ok();
        customers
    }

    fn seal_records(&self, name: &str, count: u64) -> Vec<Customer> {
        let keyring = self.load_keyring();
        let ingest = KeySet::new()
            .with(keyring.purpose_key::<Fulfillment>())
            .with(keyring.purpose_key::<Marketing>());
        let customers: Vec<Customer> = (1..=count).map(customer).collect();
        let mut jsonl = String::new();
        for c in &customers {
            jsonl.push_str(&serde_json::to_string(&c.seal(&ingest).unwrap()).unwrap());
            jsonl.push('\n');
        }
        self.write(name, jsonl);
        customers
    }

    /// Checks that every record of `name` opens, for each purpose, to `customers`, every value
    /// sealed under `version`.
    #[track_caller]
    fn check_records(&self, name: &str, customers: &[Customer], version: u32) {
        let keyring = self.load_keyring();
        let fulfillment = keyring.purpose_key::<Fulfillment>();
        let marketing = keyring.purpose_key::<Marketing>();
        let text = self.read_text(name);
        assert_eq!(text.lines().count(), customers.len());
        for (line, customer) in text.lines().zip(customers) {
            let stored: SealedCustomer = serde_json::from_str(line).unwrap();
            let shipping = stored.open(&fulfillment).unwrap();
            assert_eq!(shipping.customer_id, customer.customer_id);
            assert_eq!(shipping.name, customer.name);
            assert_eq!(shipping.email, customer.email);
            assert_eq!(shipping.loyalty_points, customer.loyalty_points);
            let newsletter = stored.open(&marketing).unwrap();
            assert_eq!(newsletter.email, customer.email);
            assert_eq!(newsletter.wants_newsletter, customer.wants_newsletter);
            let versions = [
                stored.name.key_versions(),
                stored.email.key_versions(),
                stored.wants_newsletter.key_versions(),
            ];
            for (purpose, v) in versions.iter().flatten() {
                assert_eq!(*v, version, "{purpose} of record {}", customer.customer_id);
            }
        }
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

fn reseal_args<'a>(input: &'a str, out: &'a str) -> Vec<&'a str> {
    let mut args = vec!["reseal", "--input", input, "--out", out, "--threads", "4"];
    args.extend(CUSTOMER_LAYOUT);
    args
}

/// Records sealed in the end-to-end test.
const RECORDS: u64 = 10_000;

#[test]
fn rotation_end_to_end_over_ten_thousand_records() {
    let s = Scratch::new("rotation");
    let (customers, keyring_id) = init_seal_and_rotate(&s);
    reseal_to_version_2(&s, &customers);
    retire_version_1(&s, &customers);
    export_a_marketing_bundle(&s, &customers, &keyring_id);
    inspect_values(&s);
}

/// init, status, 10,000 records sealed under version 1, rotate: returns the customers and the
/// keyring id.
fn init_seal_and_rotate(s: &Scratch) -> (Vec<Customer>, String) {
    let init = s.init();
    assert!(init.stdout.contains("created keyring"), "{init:?}");
    assert!(
        init.stdout.contains("Argon2id, 19 MiB, 2 passes"),
        "{init:?}"
    );
    assert_eq!(s.states(), [(1, "active".to_owned())]);
    let text = s.keyring_cmd(&["status"]).ok().stdout;
    assert!(text.contains("AES-256-GCM"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("1 ") && l.contains(" active ") && l.ends_with("just now")),
        "{text}"
    );
    let keyring_id = s.load_keyring().id().to_string();
    assert!(text.contains(&keyring_id), "{text}");

    let customers = s.seal_records("records.jsonl", RECORDS);
    s.check_records("records.jsonl", &customers, 1);

    let rotate = s.keyring_cmd(&["rotate"]).ok();
    assert!(rotate.stdout.contains("version 2 is active"), "{rotate:?}");
    assert!(
        rotate.stdout.contains("version 1 is decrypt-only"),
        "{rotate:?}"
    );
    assert!(rotate.stdout.contains("export-bundle"), "{rotate:?}");
    assert!(rotate.stdout.contains("reseal"), "{rotate:?}");
    assert_eq!(
        s.states(),
        [(1, "decrypt-only".to_owned()), (2, "active".to_owned())]
    );

    (customers, keyring_id)
}

/// reseal moves every value to version 2; again over its own output, it changes nothing.
fn reseal_to_version_2(s: &Scratch, customers: &[Customer]) {
    let reseal = s
        .keyring_cmd(&reseal_args("records.jsonl", "resealed.jsonl"))
        .ok();
    assert_eq!(reseal.count("records:"), RECORDS, "{reseal:?}");
    assert_eq!(
        reseal.count("values re-sealed:"),
        RECORDS * VALUES_PER_RECORD
    );
    assert_eq!(reseal.count("values already current:"), 0);
    assert_eq!(reseal.count("records resumed:"), 0);
    assert!(!s.path("resealed.jsonl.partial").exists());
    s.check_records("resealed.jsonl", customers, 2);

    // Again over its own output: nothing to do, the same bytes.
    let again = s
        .keyring_cmd(&reseal_args("resealed.jsonl", "again.jsonl"))
        .ok();
    assert_eq!(again.count("records:"), RECORDS, "{again:?}");
    assert_eq!(again.count("values re-sealed:"), 0);
    assert_eq!(
        again.count("values already current:"),
        RECORDS * VALUES_PER_RECORD
    );
    assert!(s.read("again.jsonl") == s.read("resealed.jsonl"));
}

/// retire 1: the re-sealed data still opens, the old data never will.
fn retire_version_1(s: &Scratch, customers: &[Customer]) {
    let retire = s
        .keyring_cmd(&["retire", "1", "--yes"])
        .ok_noting(NO_VAULT_CHECKED);
    assert!(retire.stdout.contains("retired version 1"), "{retire:?}");
    assert!(retire.stdout.contains("re-export"), "{retire:?}");
    assert_eq!(
        s.states(),
        [(1, "retired".to_owned()), (2, "active".to_owned())]
    );
    s.check_records("resealed.jsonl", customers, 2);
    let old_line = s.read_text("records.jsonl");
    let old: SealedCustomer = serde_json::from_str(old_line.lines().next().unwrap()).unwrap();
    assert!(matches!(
        old.open(&s.load_keyring().purpose_key::<Marketing>()),
        Err(Error::RetiredKeyVersion { version: 1, .. })
    ));
    let again = s.keyring_cmd(&["retire", "1", "--yes"]).ok();
    assert!(again.stdout.contains("retired already"), "{again:?}");
}

/// export-bundle for the marketing service: its bundle opens marketing fields only.
fn export_a_marketing_bundle(s: &Scratch, customers: &[Customer], keyring_id: &str) {
    let mut export = vec![
        "export-bundle",
        "--purpose",
        "marketing",
        "--service",
        "newsletter",
        "--out",
        "marketing.bundle",
        "--bundle-passphrase-env",
        BUNDLE_VAR,
    ];
    export.extend(FAST_KDF);
    let exported = s.keyring_cmd(&export).ok();
    assert!(exported.stdout.contains("marketing"), "{exported:?}");
    let bundle =
        KeyBundle::load(s.path("marketing.bundle"), &passphrase(BUNDLE_PASSPHRASE)).unwrap();
    assert_eq!(bundle.service(), "newsletter");
    assert_eq!(bundle.keyring_id().to_string(), keyring_id);
    let names: Vec<String> = bundle
        .purposes()
        .iter()
        .map(|p| p.name().to_owned())
        .collect();
    assert_eq!(names, ["marketing"]);
    let keys = bundle.into_key_set();
    let marketing = keys.key::<Marketing>().expect("the marketing key");
    assert!(keys.key::<Fulfillment>().is_none());
    let resealed = s.read_text("resealed.jsonl");
    for (line, customer) in resealed.lines().zip(customers).take(100) {
        let stored: SealedCustomer = serde_json::from_str(line).unwrap();
        let view = stored.open(&marketing).unwrap();
        assert_eq!(view.email, customer.email);
        assert_eq!(view.wants_newsletter, customer.wants_newsletter);
        assert!(matches!(
            stored.name.open_with::<Fulfillment, _>(
                &keys,
                &fieldseal::Context::new("customer", "name").with_id_int(customer.customer_id)
            ),
            Err(Error::NoKeyForPurpose { .. })
        ));
        let dynamic = stored.open_dyn(&keys).unwrap();
        assert_eq!(dynamic.name, None);
        assert_eq!(dynamic.email.as_deref(), Some(customer.email.as_str()));
        assert_eq!(dynamic.missing, ["name"]);
    }
    let shown = s
        .run(&[
            "status",
            "--bundle",
            "marketing.bundle",
            "--bundle-passphrase-env",
            BUNDLE_VAR,
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(shown["service"], "newsletter");
    assert_eq!(shown["keyring_id"], keyring_id);
    assert_eq!(shown["purposes"][0]["purpose"], "marketing");
    assert_eq!(shown["purposes"][0]["active_version"], 2);
    assert_eq!(shown["purposes"][0]["versions"], serde_json::json!([2]));
    assert_eq!(
        shown["purposes"][0]["retired_versions"],
        serde_json::json!([1])
    );
    assert_eq!(shown["protector"]["kind"], "passphrase");

    // The keyring remembers the export: which service holds which purposes, and whether current.
    let status = s.keyring_cmd(&["status", "--json"]).ok().json();
    assert_eq!(status["purposes"], serde_json::json!(["marketing"]));
    assert_eq!(status["bundles"][0]["service"], "newsletter");
    assert_eq!(status["bundles"][0]["stale"], false);
    let text = s.keyring_cmd(&["status"]).ok().stdout;
    assert!(
        text.contains("newsletter") && text.contains("current"),
        "{text}"
    );
}

/// inspect reads the headers of new and old values without any key.
fn inspect_values(s: &Scratch) {
    let resealed = s.read_text("resealed.jsonl");
    let old_line = s.read_text("records.jsonl");
    let first: Value = serde_json::from_str(resealed.lines().next().unwrap()).unwrap();
    let email = first["email"].as_str().unwrap();
    let inspected = s.run(&["inspect", email]).ok().stdout;
    for expected in [
        "format version  1",
        "AES-256-GCM",
        "plaintext type  String",
        "purposes        2",
        "fulfillment  key version 2",
        "marketing    key version 2",
    ] {
        assert!(inspected.contains(expected), "{expected:?} in {inspected}");
    }
    let old_first: Value = serde_json::from_str(old_line.lines().next().unwrap()).unwrap();
    let values = [
        first["name"].as_str().unwrap(),
        first["wants_newsletter"].as_str().unwrap(),
        old_first["email"].as_str().unwrap(),
    ];
    let stdin = format!("{}\n\n\"{}\"\n{}\n", values[0], values[1], values[2]);
    let inspected = s
        .run_with_input(&["inspect", "--json"], stdin.as_bytes())
        .ok();
    let lines: Vec<Value> = inspected
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{inspected:?}");
    assert_eq!(lines[0]["plaintext_type"], "String");
    assert_eq!(
        lines[0]["purposes"],
        serde_json::json!([{"purpose": "fulfillment", "key_version": 2}])
    );
    assert_eq!(lines[1]["plaintext_type"], "bool");
    assert_eq!(
        lines[1]["purposes"],
        serde_json::json!([{"purpose": "marketing", "key_version": 2}])
    );
    assert_eq!(lines[2]["format_version"], 1);
    assert_eq!(lines[2]["suite"], "AES-256-GCM");
    assert_eq!(
        lines[2]["purposes"],
        serde_json::json!([
            {"purpose": "fulfillment", "key_version": 1},
            {"purpose": "marketing", "key_version": 1},
        ])
    );
}

#[test]
fn a_wrong_passphrase_is_refused_and_changes_nothing() {
    let s = Scratch::new("wrong-passphrase");
    s.init();
    s.write("wrong.txt", "incorrect horse battery staple\n");
    let before = s.read("keyring.fsk");
    for command in [
        &["rotate"][..],
        &["retire", "1", "--yes"],
        &["status"],
        &[
            "export-bundle",
            "--purpose",
            "marketing",
            "--service",
            "x",
            "--out",
            "x.bundle",
        ],
        &[
            "reseal",
            "--record",
            "customer",
            "--input",
            "passphrase.txt",
            "--out",
            "out.jsonl",
        ],
    ] {
        for source in [
            ["--passphrase-env", WRONG_VAR],
            ["--passphrase-file", "wrong.txt"],
        ] {
            let mut args = command.to_vec();
            args.extend(["--keyring", "keyring.fsk"]);
            args.extend(source);
            s.run(&args).fails(3, "wrong passphrase");
        }
    }
    assert!(s.read("keyring.fsk") == before, "the keyring file changed");
    assert!(!s.path("x.bundle").exists() && !s.path("out.jsonl.partial").exists());

    // Another kind of protector is named; so is an unusable source.
    s.write("kek.bin", [7u8; 32]);
    s.run(&[
        "status",
        "--keyring",
        "keyring.fsk",
        "--kek-file",
        "kek.bin",
    ])
    .fails(3, "protected by `argon2id`");
    s.run(&[
        "status",
        "--keyring",
        "keyring.fsk",
        "--passphrase-env",
        "FS_TEST_UNSET",
    ])
    .fails(2, "FS_TEST_UNSET is not set");
    s.run(&[
        "status",
        "--keyring",
        "keyring.fsk",
        "--passphrase-file",
        "absent.txt",
    ])
    .fails(2, "absent.txt");
    s.run(&[
        "status",
        "--keyring",
        "keyring.fsk",
        "--passphrase-env",
        PASSPHRASE_VAR,
        "--kek-file",
        "kek.bin",
    ])
    .fails(2, "at most one");
    assert!(s.read("keyring.fsk") == before, "the keyring file changed");

    // The right one, from either place on the command line or from FIELDSEAL_KEYRING.
    s.run(&[
        "--keyring",
        "keyring.fsk",
        "--passphrase-env",
        PASSPHRASE_VAR,
        "status",
    ])
    .ok();
    let run = Command::new(env!("CARGO_BIN_EXE_fieldseal"))
        .args(["status", "--passphrase-file", "passphrase.txt"])
        .current_dir(&s.dir)
        .env("FIELDSEAL_KEYRING", "keyring.fsk")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    s.run(&["status", "--passphrase-env", PASSPHRASE_VAR]).ok(); // ./keyring.fsk by default
    s.run(&[
        "status",
        "--keyring",
        "absent.fsk",
        "--passphrase-env",
        PASSPHRASE_VAR,
    ])
    .fails(1, "no keyring at absent.fsk");
}

#[test]
fn destructive_commands_refuse_and_change_nothing() {
    let s = Scratch::new("refusals");
    s.init();
    let before = s.read("keyring.fsk");

    // init over an existing keyring, whatever the options.
    let mut args = vec![
        "init",
        "--keyring",
        "keyring.fsk",
        "--passphrase-env",
        PASSPHRASE_VAR,
    ];
    args.extend(FAST_KDF);
    s.run(&args).fails(4, "exists already");
    assert!(s.read("keyring.fsk") == before);

    // The active version, and a version that does not exist.
    s.keyring_cmd(&["retire", "1", "--yes"])
        .fails(4, "version 1 is the active version");
    s.keyring_cmd(&["retire", "7", "--yes"])
        .fails(1, "no root key version 7");
    assert!(s.read("keyring.fsk") == before);

    // A decrypt-only version, without --yes and without a terminal to ask on.
    s.keyring_cmd(&["rotate"]).ok();
    let rotated = s.read("keyring.fsk");
    s.keyring_cmd(&["retire", "1"]).fails(4, "--yes");
    assert!(s.read("keyring.fsk") == rotated);
    assert_eq!(
        s.states(),
        [(1, "decrypt-only".to_owned()), (2, "active".to_owned())]
    );

    // Outputs are not overwritten by accident.
    s.write("records.jsonl", "");
    s.write("taken.jsonl", "keep me\n");
    s.keyring_cmd(&reseal_args("records.jsonl", "taken.jsonl"))
        .fails(4, "exists already");
    assert_eq!(s.read_text("taken.jsonl"), "keep me\n");
    let mut export = vec![
        "export-bundle",
        "--purpose",
        "marketing,fulfillment",
        "--service",
        "shop",
        "--out",
        "taken.jsonl",
        "--bundle-passphrase-env",
        BUNDLE_VAR,
    ];
    export.extend(FAST_KDF);
    s.keyring_cmd(&export).fails(4, "--force");
    assert_eq!(s.read_text("taken.jsonl"), "keep me\n");
    // --force replaces bundles only: never a file of another kind, never the keyring itself.
    export.push("--force");
    s.keyring_cmd(&export).fails(4, "not a key bundle");
    assert_eq!(s.read_text("taken.jsonl"), "keep me\n");
    let out_at = export.iter().position(|a| *a == "taken.jsonl").unwrap();
    export[out_at] = "keyring.fsk";
    s.keyring_cmd(&export).fails(4, "holds a keyring");
    assert!(s.read("keyring.fsk") == rotated);
    export[out_at] = "shop.bundle";
    let exported = s.keyring_cmd(&export).ok();
    assert!(
        exported
            .stdout
            .contains("purpose fulfillment: versions 1, 2 (active 2)")
    );
    let again = s.keyring_cmd(&export).ok(); // a bundle is replaced with --force
    assert!(again.stdout.contains("exported"), "{again:?}");
    let bundle = KeyBundle::load(s.path("shop.bundle"), &passphrase(BUNDLE_PASSPHRASE)).unwrap();
    assert_eq!(bundle.purposes().len(), 2);
}

#[test]
fn secrets_are_never_taken_from_the_command_line() {
    let s = Scratch::new("no-secret-args");
    for args in [
        &[
            "init",
            "--keyring",
            "keyring.fsk",
            "--passphrase",
            "hunter2-hunter2",
        ][..],
        &[
            "init",
            "--keyring",
            "keyring.fsk",
            "--passphrase=hunter2-hunter2",
        ],
        &["init", "--keyring", "keyring.fsk", "hunter2-hunter2"],
        &[
            "init",
            "--keyring",
            "keyring.fsk",
            "--password",
            "hunter2-hunter2",
        ],
        &["init", "--keyring", "keyring.fsk", "--kek", "00112233"],
        &["init", "--keyring", "keyring.fsk", "--passphrase-env"],
    ] {
        s.run(args).fails(2, "error: ");
    }
    assert!(!s.path("keyring.fsk").exists());

    // No option takes a secret as its value: only variable names and paths.
    for command in [
        vec!["--help"],
        vec!["init", "--help"],
        vec!["rotate", "--help"],
        vec!["retire", "--help"],
        vec!["status", "--help"],
        vec!["export-bundle", "--help"],
        vec!["inspect", "--help"],
        vec!["reseal", "--help"],
        vec!["rekey", "--help"],
        vec!["scan", "--help"],
    ] {
        let help = s.run(&command).ok().stdout;
        assert!(help.contains("Usage: fieldseal"), "{help}");
        for line in help.lines() {
            let mut words = line.split_whitespace();
            let secret_flag = words
                .next()
                .filter(|_| line.starts_with(' ')) // an option, not prose
                .filter(|w| w.starts_with("--") && (w.contains("pass") || w.contains("kek")));
            if secret_flag.is_some() {
                assert!(
                    matches!(words.next(), Some("<VAR>" | "<PATH>")),
                    "a secret option that takes a value: {line}"
                );
            }
        }
    }
}

#[test]
fn an_interrupted_reseal_resumes() {
    const RECORDS: u64 = 200;
    const DONE: usize = 50;
    let s = Scratch::new("resume");
    let customers = s.stale_records(RECORDS);
    let records = s.read_text("records.jsonl");

    // A run stops at line 51: that record was moved to another customer and does not open.
    let mut broken: Vec<String> = records.lines().map(str::to_owned).collect();
    let id = format!("\"customer_id\":{}", DONE + 1);
    broken[DONE] = broken[DONE].replacen(&id, "\"customer_id\":999999", 1);
    s.write("records.jsonl", broken.join("\n") + "\n");
    s.keyring_cmd(&reseal_args("records.jsonl", "resumed.jsonl"))
        .fails(1, "line 51");
    let partial = s.read_text("resumed.jsonl.partial");
    let lines: Vec<&str> = partial.lines().collect();
    assert_eq!(lines.len(), DONE);
    // Another input is refused; the fixed one resumes after line 50.
    s.write(
        "other.jsonl",
        records.lines().rev().collect::<Vec<_>>().join("\n") + "\n",
    );
    s.keyring_cmd(&reseal_args("other.jsonl", "resumed.jsonl"))
        .fails(1, "differ");
    s.write("records.jsonl", &records);
    let resumed = s
        .keyring_cmd(&reseal_args("records.jsonl", "resumed.jsonl"))
        .fails(0, "resuming the interrupted run in resumed.jsonl.partial");
    assert_eq!(resumed.count("records resumed:"), DONE as u64);
    assert_eq!(resumed.count("records:"), RECORDS - DONE as u64);
    assert_eq!(
        resumed.count("values re-sealed:"),
        (RECORDS - DONE as u64) * VALUES_PER_RECORD
    );
    assert!(resumed.stdout.contains("resumed 50 records"), "{resumed:?}");
    assert!(!s.path("resumed.jsonl.partial").exists());
    assert!(!s.path("resumed.jsonl.partial.progress").exists());
    let out = s.read_text("resumed.jsonl");
    let out_lines: Vec<&str> = out.lines().collect();
    assert_eq!(out_lines.len(), RECORDS as usize);
    assert_eq!(
        out_lines[..DONE],
        lines[..DONE],
        "the kept lines are kept as they were"
    );
    s.check_records("resumed.jsonl", &customers, 2);

    // From standard input, with a spinner nobody sees (stderr is not a terminal).
    let mut args = vec!["reseal", "--out", "stdin.jsonl"];
    args.extend(CUSTOMER_LAYOUT);
    args.extend([
        "--keyring",
        "keyring.fsk",
        "--passphrase-env",
        PASSPHRASE_VAR,
    ]);
    let from_stdin = s.run_with_input(&args, &s.read("records.jsonl")).ok();
    assert!(
        from_stdin.stdout.contains("standard input"),
        "{from_stdin:?}"
    );
    assert_eq!(from_stdin.count("records:"), RECORDS);
    s.check_records("stdin.jsonl", &customers, 2);

    // A record that does not fit the layout stops the run at its line; the rest resumes.
    let mut args = reseal_args("records.jsonl", "wrong-id.jsonl");
    let id_type = args.iter().position(|&a| a == "--id-type").unwrap() + 1;
    args[id_type] = "string";
    s.keyring_cmd(&args).fails(1, "line 1");
}

#[test]
fn a_kek_protects_a_keyring_instead_of_a_passphrase() {
    let s = Scratch::new("kek");
    let key: Vec<u8> = (100u8..132).collect();
    s.write("kek.bin", &key);
    s.write("kek.hex", format!("{}\n", hex::encode(&key)));
    s.write("other.bin", [9u8; 32]);
    let args = [
        "init",
        "--keyring",
        "keyring.fsk",
        "--kek-file",
        "kek.bin",
        "--suite",
        "xchacha20-poly1305",
    ];
    s.run(&[&args[..], &FAST_KDF[..]].concat())
        .fails(2, "--kdf-memory-mib");
    let init = s.run(&args).ok();
    assert!(init.stdout.contains("key-encryption key"), "{init:?}");
    assert!(init.stdout.contains("XChaCha20-Poly1305"), "{init:?}");

    let status = s
        .run(&[
            "status",
            "--json",
            "--keyring",
            "keyring.fsk",
            "--kek-file",
            "kek.hex",
        ])
        .ok()
        .json();
    assert_eq!(status["protector"]["kind"], "kek");
    assert_eq!(status["suite"], "XChaCha20-Poly1305");
    let kek = Kek::new(SecretKey::from_bytes(Zeroizing::new(
        key.clone().try_into().unwrap(),
    )));
    let keyring = Keyring::load(s.path("keyring.fsk"), &kek).unwrap();
    assert_eq!(status["keyring_id"], keyring.id().to_string().as_str());

    let before = s.read("keyring.fsk");
    s.run(&[
        "rotate",
        "--keyring",
        "keyring.fsk",
        "--kek-file",
        "other.bin",
    ])
    .fails(3, "wrong key-encryption key");
    s.run(&[
        "rotate",
        "--keyring",
        "keyring.fsk",
        "--passphrase-env",
        PASSPHRASE_VAR,
    ])
    .fails(3, "protected by `kek`");
    assert!(s.read("keyring.fsk") == before);
    s.write("short.bin", [1u8; 31]);
    s.run(&[
        "status",
        "--keyring",
        "keyring.fsk",
        "--kek-file",
        "short.bin",
    ])
    .fails(2, "32 random raw bytes");

    s.run(&[
        "rotate",
        "--keyring",
        "keyring.fsk",
        "--kek-file",
        "kek.bin",
    ])
    .ok();
    assert_eq!(
        Keyring::load(s.path("keyring.fsk"), &kek)
            .unwrap()
            .versions(),
        [1, 2]
    );
}

#[test]
fn inspect_refuses_what_is_not_a_value() {
    let s = Scratch::new("inspect");
    s.run(&["inspect", "hello"]).fails(1, "fs1:");
    s.run(&["inspect", "fs1:AQ"]).fails(1, "truncated");
    s.run(&["inspect", "fs1:!!"]).fails(1, "base64url");
    s.run_with_input(&["inspect"], b"\n\n")
        .fails(2, "no value to inspect");
    s.run_with_input(&["inspect"], b"fs1:AQ\n")
        .fails(1, "line 1");
}

/// A shipment with a nested address record, bound to the shipment's id.
#[derive(Seal, Clone)]
#[seal(without_id)]
struct Address {
    #[seal(Fulfillment)]
    street: String,
}

#[derive(Seal)]
#[seal(id = shipment_id)]
struct Shipment {
    shipment_id: String,
    #[seal(Fulfillment)]
    recipient: String,
    #[seal(nested(Fulfillment))]
    address: Address,
}

#[test]
fn reseal_refuses_an_undeclared_nested_record_and_reseals_a_declared_one() {
    let s = Scratch::new("nested");
    s.init().ok();
    let keyring = s.load_keyring();
    let keys = KeySet::new().with(keyring.purpose_key::<Fulfillment>());
    let jsonl: String = (1..=20)
        .map(|i| {
            let shipment = Shipment {
                shipment_id: format!("s-{i}"),
                recipient: format!("Recipient {i}"),
                address: Address {
                    street: format!("{i} Dock Road"),
                },
            };
            serde_json::to_string(&shipment.seal(&keys).unwrap()).unwrap() + "\n"
        })
        .collect();
    s.write("shipments.jsonl", jsonl);
    s.keyring_cmd(&["rotate"]).ok();
    let base = [
        "reseal",
        "--input",
        "shipments.jsonl",
        "--record",
        "Shipment",
        "--id-field",
        "shipment_id",
        "--id-type",
        "string",
    ];
    let mut args = base.to_vec();
    args.extend(["--out", "undeclared.jsonl"]);
    s.keyring_cmd(&args).fails(
        1,
        "`address.street` in a `Shipment` record is a sealed value",
    );
    assert!(!s.path("undeclared.jsonl").exists());

    let mut args = base.to_vec();
    args.extend(["--out", "resealed.jsonl", "--nested", "address=Address"]);
    let done = s.keyring_cmd(&args).ok();
    assert_eq!(done.count("values re-sealed:"), 40, "{done:?}");
    let keyring = s.load_keyring();
    let keys = KeySet::new().with(keyring.purpose_key::<Fulfillment>());
    for (i, line) in s.read_text("resealed.jsonl").lines().enumerate() {
        let stored: SealedShipment = serde_json::from_str(line).unwrap();
        assert!(
            stored.reseal(&keys).unwrap().is_none(),
            "every value under version 2"
        );
        let view = stored
            .open(&keys.require::<Fulfillment>().unwrap())
            .unwrap();
        assert_eq!(view.address.street, format!("{} Dock Road", i + 1));
    }
    s.keyring_cmd(&[
        "reseal", "--nested", "address", "--out", "x", "--record", "R",
    ])
    .fails(2, "PATH=RECORD");
}

#[test]
fn rekey_changes_the_secret_and_nothing_else_and_scan_counts_versions_without_keys() {
    let s = Scratch::new("rekey-scan");
    s.init().ok();
    s.seal_records("v1.jsonl", 30);
    s.keyring_cmd(&["rotate"]).ok();
    s.seal_records("v2.jsonl", 20);
    let before = s.load_keyring();

    // A new passphrase, from a file; the old one no longer unlocks, the keys are the same.
    s.write("new-pass.txt", "a brand new passphrase for the keyring\n");
    let mut rekey = vec!["rekey", "--new-passphrase-file", "new-pass.txt"];
    rekey.extend(FAST_KDF);
    let done = s.keyring_cmd(&rekey).ok();
    assert!(done.stdout.contains("re-encrypted"), "{done:?}");
    s.keyring_cmd(&["status"]).fails(3, "wrong passphrase");
    let after = Keyring::load(
        s.path("keyring.fsk"),
        &passphrase("a brand new passphrase for the keyring"),
    )
    .unwrap();
    assert_eq!(after.id(), before.id());
    for v in [1, 2] {
        assert_eq!(
            after.dangerous_root_key(v).unwrap(),
            before.dangerous_root_key(v).unwrap()
        );
    }
    // Then a KEK: the passphrase flags of the old secret unlock, the KEK protects.
    s.write(
        "kek.hex",
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
    );
    s.run(&[
        "rekey",
        "--keyring",
        "keyring.fsk",
        "--passphrase-file",
        "new-pass.txt",
        "--new-kek-file",
        "kek.hex",
    ])
    .ok();
    let status = s
        .run(&[
            "status",
            "--keyring",
            "keyring.fsk",
            "--kek-file",
            "kek.hex",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(status["protector"]["kind"], "kek");
    assert_eq!(status["keyring_id"], before.id().to_string());
    s.run(&[
        "rekey",
        "--keyring",
        "keyring.fsk",
        "--kek-file",
        "kek.hex",
        "--new-passphrase-file",
        "a",
        "--new-kek-file",
        "b",
    ])
    .fails(2, "cannot be used with");

    // scan: no key, counts by purpose and version, at any depth.
    let mut both = s.read_text("v1.jsonl");
    both.push_str(&s.read_text("v2.jsonl"));
    s.write("both.jsonl", &both);
    let counts = s
        .run(&["scan", "--input", "both.jsonl", "--json"])
        .ok()
        .json();
    let rows = counts["counts"].as_array().unwrap();
    let get = |purpose: &str, version: u64| {
        rows.iter()
            .find(|r| r["purpose"] == purpose && r["key_version"] == version)
            .map_or(0, |r| r["values"].as_u64().unwrap())
    };
    // name (fulfillment), email (fulfillment + marketing), newsletter (marketing), per record.
    assert_eq!((get("fulfillment", 1), get("marketing", 1)), (60, 60));
    assert_eq!((get("fulfillment", 2), get("marketing", 2)), (40, 40));
    let text = s.run(&["scan", "--input", "both.jsonl"]).ok().stdout;
    assert!(text.contains("KEY VERSION"), "{text}");
    s.write("bad.jsonl", "{\"x\": \"fs1:AAAA\"}\n");
    s.run(&["scan", "--input", "bad.jsonl"]).fails(1, "line 1");
}

/// `records.jsonl`, whose first record was moved to another customer: a run over it stops at
/// line 1, leaving `<out>.partial` and its checkpoint with nothing done.
fn stop_at_line_1(s: &Scratch, out: &str) {
    let records = s.read_text("records.jsonl");
    s.write(
        "broken.jsonl",
        records.replacen("\"customer_id\":1,", "\"customer_id\":999999,", 1),
    );
    s.keyring_cmd(&reseal_args("broken.jsonl", out))
        .fails(1, "line 1");
    assert!(s.path(&format!("{out}.partial.progress")).exists());
}

#[cfg(unix)]
#[test]
fn reseal_never_writes_through_a_link_at_its_output_or_side_files() {
    use std::os::unix::fs::symlink;
    let s = Scratch::new("links");
    let customers = s.stale_records(40);
    s.write("victim.txt", "precious\n");
    for side in ["", ".partial", ".partial.progress", ".partial.progress.tmp"] {
        for target in ["victim.txt", "absent.txt"] {
            let out = format!("out{}-{target}.jsonl", side.replace('.', "-"));
            if side == ".partial" {
                // With a true checkpoint of nothing done, which would let it cut the file.
                stop_at_line_1(&s, &out);
                fs::remove_file(s.path(&format!("{out}.partial"))).unwrap();
            }
            symlink(target, s.path(&format!("{out}{side}"))).unwrap();
            let run = s.keyring_cmd(&reseal_args("records.jsonl", &out));
            assert_ne!(run.code, Some(0), "{side} -> {target}: {run:?}");
            let says = if side.is_empty() {
                "exists already"
            } else {
                "is a symbolic link"
            };
            assert!(run.stderr.contains(says), "{side} -> {target}: {run:?}");
            assert_eq!(s.read_text("victim.txt"), "precious\n", "{side}");
            assert!(!s.path("absent.txt").exists(), "{side}");
            assert!(
                fs::symlink_metadata(s.path(&out)).is_err() || side.is_empty(),
                "{side}"
            );
        }
    }
    // The links removed, the same command runs.
    fs::remove_file(s.path("out-partial-progress-tmp-victim.txt.jsonl.partial.progress.tmp"))
        .unwrap();
    s.keyring_cmd(&reseal_args(
        "records.jsonl",
        "out-partial-progress-tmp-victim.txt.jsonl",
    ))
    .ok();
    s.check_records("out-partial-progress-tmp-victim.txt.jsonl", &customers, 2);
}

/// Runs `args` with writes limited to a few blocks per file: a disk that fills up.
#[cfg(unix)]
fn run_on_a_full_disk(s: &Scratch, args: &[&str]) -> Run {
    let mut command = s.command("sh");
    // SIGXFSZ ignored: a write past the limit fails with EFBIG, as one on a full disk fails.
    command
        .args(["-c", "trap '' XFSZ; ulimit -f 4; exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_fieldseal"))
        .args(args)
        .args([
            "--keyring",
            "keyring.fsk",
            "--passphrase-env",
            PASSPHRASE_VAR,
        ]);
    Scratch::collect(command, Stdin::Bytes(Vec::new()))
}

#[cfg(unix)]
#[test]
fn a_disk_full_in_the_first_batch_says_how_to_recover_and_the_rerun_does_it() {
    let s = Scratch::new("disk-full");
    let customers = s.stale_records(300);
    let failed = run_on_a_full_disk(&s, &reseal_args("records.jsonl", "out.jsonl"));
    let failed = failed.fails(1, "run the same command again");
    assert!(failed.stderr.contains("out.jsonl.partial"), "{failed:?}");
    assert!(!s.path("out.jsonl").exists());
    assert!(s.path("out.jsonl.partial").exists());
    // The rerun says what it does, and does it.
    let rerun = s
        .keyring_cmd(&reseal_args("records.jsonl", "out.jsonl"))
        .fails(0, "no finished batch");
    assert!(!rerun.stderr.contains("resuming"), "{rerun:?}");
    assert_eq!(rerun.count("records:"), 300);
    s.check_records("out.jsonl", &customers, 2);
    assert!(!s.path("out.jsonl.partial").exists());
    assert!(!s.path("out.jsonl.partial.progress").exists());
}

/// An order with a nested shipping record, which nests a geolocation in turn: both bound to
/// the order's id, as the derive binds them.
#[derive(Seal, Clone)]
#[seal(without_id)]
struct Geo {
    #[seal(Fulfillment)]
    lat: String,
}

#[derive(Seal, Clone)]
#[seal(without_id)]
struct Shipping {
    #[seal(Fulfillment, rename = "road")]
    street: String,
    #[seal(nested(Fulfillment))]
    geo: Geo,
}

#[derive(Seal)]
#[seal(id = order_id, record = "order")]
struct Parcel {
    order_id: u64,
    #[seal(nested(Fulfillment))]
    shipping: Shipping,
    weight_grams: u32,
}

/// A plain member whose text starts with `fs1:` stops a run that guesses which members are
/// sealed; naming them (`--sealed`, at every level) copies it as it is.
fn plain_fs1_text_is_left_alone_once_the_sealed_fields_are_named(s: &Scratch, base: &[&str]) {
    let noted: String = s
        .read_text("parcels.jsonl")
        .lines()
        .map(|line| line.replacen('{', r#"{"note":"fs1:hello","#, 1) + "\n")
        .collect();
    s.write("noted.jsonl", noted);
    let mut args: Vec<&str> = base
        .iter()
        .map(|&a| {
            if a == "parcels.jsonl" {
                "noted.jsonl"
            } else {
                a
            }
        })
        .collect();
    args.extend(["--nested", "shipping.geo=Geo"]);
    let mut guessing = args.clone();
    guessing.extend(["--out", "guessing.jsonl"]);
    s.keyring_cmd(&guessing).fails(1, "line 1");
    args.extend([
        "--sealed",
        "shipping.street",
        "--sealed",
        "shipping.geo.lat",
        "--out",
        "declared.jsonl",
    ]);
    let done = s.keyring_cmd(&args).ok();
    assert_eq!(done.count("values re-sealed:"), 60, "{done:?}");
    assert!(
        s.read_text("declared.jsonl")
            .lines()
            .all(|line| line.starts_with(r#"{"note":"fs1:hello","#))
    );
}

#[test]
fn reseal_handles_records_nested_two_levels_deep() {
    let s = Scratch::new("nested-deep");
    s.init();
    let keyring = s.load_keyring();
    let keys = KeySet::new().with(keyring.purpose_key::<Fulfillment>());
    let parcel = |i: u64| Parcel {
        order_id: i,
        shipping: Shipping {
            street: format!("{i} Quay Street"),
            geo: Geo {
                lat: format!("51.{i:04}"),
            },
        },
        weight_grams: 250,
    };
    let jsonl: String = (1..=30)
        .map(|i| serde_json::to_string(&parcel(i).seal(&keys).unwrap()).unwrap() + "\n")
        .collect();
    s.write("parcels.jsonl", jsonl);
    s.keyring_cmd(&["rotate"]).ok();
    let base = [
        "reseal",
        "--input",
        "parcels.jsonl",
        "--record",
        "order",
        "--id-field",
        "order_id",
        "--id-type",
        "u64",
        "--nested",
        "shipping=Shipping",
        "--rename",
        "shipping.street=road",
    ];
    // One level declared: the second is named, with the option that covers it.
    let mut args = base.to_vec();
    args.extend(["--out", "one-level.jsonl"]);
    s.keyring_cmd(&args)
        .fails(1, "--nested shipping.geo=RECORD");
    // A level whose parent is not declared is refused before anything runs.
    s.keyring_cmd(&[
        "reseal",
        "--record",
        "order",
        "--out",
        "x",
        "--nested",
        "shipping.geo=Geo",
    ])
    .fails(2, "--nested shipping=RECORD");
    let mut args = base.to_vec();
    args.extend(["--out", "x", "--rename", "shipping.geo.lat=latitude"]);
    s.keyring_cmd(&args).fails(
        2,
        "declare the record it is in, with --nested shipping.geo=RECORD",
    );
    let mut args = base.to_vec();
    args.extend(["--out", "x", "--nested", "shipping=Shipping"]);
    s.keyring_cmd(&args).fails(2, "given twice");
    let mut args = base.to_vec();
    args.extend(["--out", "x", "--nested", "shipping..geo=Geo"]);
    s.keyring_cmd(&args).fails(2, "none of them empty");

    plain_fs1_text_is_left_alone_once_the_sealed_fields_are_named(&s, &base);

    let mut args = base.to_vec();
    args.extend(["--nested", "shipping.geo=Geo", "--out", "resealed.jsonl"]);
    let done = s.keyring_cmd(&args).ok();
    assert_eq!(done.count("values re-sealed:"), 60, "{done:?}");
    let keyring = s.load_keyring();
    let keys = KeySet::new().with(keyring.purpose_key::<Fulfillment>());
    let fulfillment = keys.require::<Fulfillment>().unwrap();
    for (i, line) in s.read_text("resealed.jsonl").lines().enumerate() {
        let stored: SealedParcel = serde_json::from_str(line).unwrap();
        assert!(
            stored.reseal(&keys).unwrap().is_none(),
            "all under version 2"
        );
        let view = stored.open(&fulfillment).unwrap();
        let expected = parcel(i as u64 + 1);
        assert_eq!(view.shipping.street, expected.shipping.street);
        assert_eq!(view.shipping.geo.lat, expected.shipping.geo.lat);
    }
}

#[test]
fn scan_and_inspect_refuse_endless_lines_instead_of_reading_them_whole() {
    let s = Scratch::new("endless");
    // 64 MiB of zero bytes and no line end (a sparse file: nothing is written to disk).
    fs::File::create(s.path("zeros.bin"))
        .unwrap()
        .set_len(64 << 20)
        .unwrap();
    let limit = format!("longer than {} bytes", fieldseal::bulk::MAX_LINE);
    s.run(&["scan", "--input", "zeros.bin"]).fails(1, &limit);
    let zeros = vec![0u8; 20 << 20];
    s.run_with_input(&["inspect"], &zeros).fails(1, &limit);
    #[cfg(unix)]
    {
        s.run(&["scan", "--input", "/dev/zero"]).fails(1, &limit);
        let mut command = s.command(env!("CARGO_BIN_EXE_fieldseal"));
        command.arg("inspect");
        let dev_zero = fs::File::open("/dev/zero").unwrap();
        Scratch::collect(command, Stdin::File(dev_zero)).fails(1, &limit);
    }
}

/// The lines a checkpoint says are done, read from `<out>.partial.progress`.
fn checkpoint_lines(s: &Scratch, out: &str) -> Option<u64> {
    let text = fs::read_to_string(s.path(&format!("{out}.partial.progress"))).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("input-lines "))
        .and_then(|n| n.parse().ok())
}

/// `reseal` spawned on `out`, not waited for.
fn spawn_reseal(s: &Scratch, out: &str) -> std::process::Child {
    let mut args = reseal_args("records.jsonl", out);
    args[6] = "2"; // --threads
    args.extend([
        "--keyring",
        "keyring.fsk",
        "--passphrase-env",
        PASSPHRASE_VAR,
    ]);
    s.command(env!("CARGO_BIN_EXE_fieldseal"))
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// A run SIGKILLed at several points (before its first checkpoint, between batches,
/// right after a checkpoint moved) and resumed each time ends with what a clean run writes:
/// every record once, in order, every value opening under the new version.
#[cfg(unix)]
#[test]
fn a_reseal_killed_at_several_points_resumes_to_every_record_once() {
    const COUNT: u64 = 9000;
    let s = Scratch::new("kill-resume");
    let customers = s.stale_records(COUNT);
    // Kill when the checkpoint first says at least this many lines are done (0: as soon as the
    // process runs), then resume.
    let mut kills = 0;
    for at_least in [None, Some(0), Some(2048), Some(4096), Some(6144)] {
        let mut child = spawn_reseal(&s, "out.jsonl");
        let started = std::time::Instant::now();
        loop {
            let due = match at_least {
                None => started.elapsed() > std::time::Duration::from_millis(5),
                Some(n) => checkpoint_lines(&s, "out.jsonl").is_some_and(|l| l >= n),
            };
            if due || child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        let _ = child.wait_with_output().unwrap();
        if s.path("out.jsonl").exists() {
            break;
        }
    }
    assert!(kills > 0, "no run was killed");
    if !s.path("out.jsonl").exists() {
        let rerun = s.keyring_cmd(&reseal_args("records.jsonl", "out.jsonl"));
        assert_eq!(rerun.code, Some(0), "{rerun:?}");
    }
    s.check_records("out.jsonl", &customers, 2);
}

/// Two `reseal` processes on the same input and output at once: the second is refused while the
/// first runs, and the published output holds every record once (before, the second "resumed"
/// the first's partial output, and the published output held records twice).
#[cfg(unix)]
#[test]
fn two_reseal_processes_on_one_output_are_not_both_let_in() {
    const COUNT: u64 = 9000;
    let s = Scratch::new("two-processes");
    let customers = s.stale_records(COUNT);
    let first = spawn_reseal(&s, "out.jsonl");
    while checkpoint_lines(&s, "out.jsonl").unwrap_or(0) < 2048 {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let second = spawn_reseal(&s, "out.jsonl");
    let first = Run::new(first.wait_with_output().unwrap(), &[PASSPHRASE]);
    let second = Run::new(second.wait_with_output().unwrap(), &[PASSPHRASE]);
    assert_eq!(first.code, Some(0), "{first:?}");
    assert!(
        second.code != Some(0) && second.stderr.contains("another run is writing it"),
        "{second:?}"
    );
    let lines = s.read_text("out.jsonl").lines().count() as u64;
    assert_eq!(
        lines, COUNT,
        "the published output holds {lines} lines for {COUNT} records; first: {first:?}; \
         second: {second:?}"
    );
    s.check_records("out.jsonl", &customers, 2);
}

/// `--sealed` (a declared layout) refuses a sealed value in an object no `--nested` covers, as the
/// same run without `--sealed` does (it skipped every member it did not name and exited 0,
/// leaving the value under version 1 for `retire 1` to make unreadable).
#[test]
fn sealed_fields_named_do_not_let_a_sealed_value_in_an_uncovered_object_pass() {
    let s = Scratch::new("declared-skip");
    s.stale_records(3);
    let noted: String = s
        .read_text("records.jsonl")
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).unwrap();
            let email = record["email"].as_str().unwrap().to_owned();
            line.replacen('{', &format!(r#"{{"notes":{{"old_email":"{email}"}},"#), 1) + "\n"
        })
        .collect();
    s.write("noted.jsonl", noted);
    // Without --sealed: refused, naming the value.
    s.keyring_cmd(&reseal_args("noted.jsonl", "guessing.jsonl"))
        .fails(1, "notes.old_email");
    let mut args = reseal_args("noted.jsonl", "declared.jsonl");
    args.extend([
        "--sealed",
        "name",
        "--sealed",
        "email",
        "--sealed",
        "wants_newsletter",
    ]);
    no_value_left_under_version_1_after_success(&s, &args, "declared.jsonl");
}

/// A run that exits 0 leaves no value under version 1 in `out` (`scan` says).
#[track_caller]
fn no_value_left_under_version_1_after_success(s: &Scratch, args: &[&str], out: &str) {
    let run = s.keyring_cmd(args);
    if run.code == Some(0) {
        let scan = s.run(&["scan", "--input", out, "--json"]).ok();
        let old: u64 = scan.json()["counts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|row| row["key_version"] == 1)
            .map(|row| row["values"].as_u64().unwrap())
            .sum();
        assert_eq!(
            old, 0,
            "reseal exited 0 ({}) but {old} value part(s) are still under version 1",
            run.stdout
        );
    }
}

/// `--sealed` misnaming a member (by its context name `newsletter`, the `--rename` target given
/// in the same command, rather than its JSON key `wants_newsletter`) does not pass silently: the
/// member it was meant for holds sealed values, and is refused (it was skipped as plain data, the
/// run exited 0, and every newsletter flag stayed under version 1).
#[test]
fn a_sealed_path_that_names_no_member_does_not_pass_silently() {
    let s = Scratch::new("sealed-typo");
    s.stale_records(3);
    let mut args = reseal_args("records.jsonl", "out.jsonl");
    args.extend([
        "--sealed",
        "name",
        "--sealed",
        "email",
        "--sealed",
        "newsletter",
    ]);
    no_value_left_under_version_1_after_success(&s, &args, "out.jsonl");
}

/// A run interrupted under key version 2, then run again after another rotation (version 3
/// active), is refused rather than resumed: resumed, it said it re-sealed the input "under key
/// version 3" while the records the first run wrote stayed under version 2, and retiring version
/// 2 on the strength of that lost them. Started over, every value is under version 3.
#[test]
fn a_resume_under_another_active_version_is_refused() {
    const RECORDS: u64 = 60;
    let s = Scratch::new("resume-rotated");
    let customers = s.stale_records(RECORDS);
    let records = s.read_text("records.jsonl");
    let broken = records.replacen("\"customer_id\":31,", "\"customer_id\":999999,", 1);
    s.write("records.jsonl", broken);
    s.keyring_cmd(&reseal_args("records.jsonl", "out.jsonl"))
        .fails(1, "line 31");
    s.write("records.jsonl", &records);
    s.keyring_cmd(&["rotate"]).ok();
    s.keyring_cmd(&reseal_args("records.jsonl", "out.jsonl"))
        .fails(1, "with other keys or another layout");
    fs::remove_file(s.path("out.jsonl.partial")).unwrap();
    fs::remove_file(s.path("out.jsonl.partial.progress")).unwrap();
    let done = s
        .keyring_cmd(&reseal_args("records.jsonl", "out.jsonl"))
        .ok();
    assert!(done.stdout.contains("under key version 3"), "{done:?}");
    s.check_records("out.jsonl", &customers, 3);
}
