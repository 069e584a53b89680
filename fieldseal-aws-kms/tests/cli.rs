//! The `fieldseal` command line with AWS KMS keys, through this crate's plug-in, against moto:
//! `init`, `status`, `export-bundle` and `status --bundle` under KMS keys; `rekey` from a
//! passphrase to KMS and back without changing a key; a plug-in that cannot be found and a key
//! that does not unwrap, each with its exit status and message.
//!
//! The `fieldseal` program is the core crate's (feature `cli`), built beside this crate's
//! plug-in by the workspace's test command (`cargo test --workspace --all-features`).

#[path = "../../tests/cli_run/mod.rs"]
mod cli_run;
mod moto;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use fieldseal::{Argon2Params, KeyBundle, Keyring, Passphrase};
use fieldseal_aws_kms::AwsKms;
use serde_json::Value;

use cli_run::Run;

const PASSPHRASE: &str = "correct horse battery staple";
const PASSPHRASE_VAR: &str = "FIELDSEAL_TEST_PASSPHRASE";

/// The plug-in, and the `fieldseal` program beside it.
fn programs() -> (PathBuf, PathBuf) {
    let plugin = PathBuf::from(env!("CARGO_BIN_EXE_fieldseal-aws-kms"));
    let fieldseal = plugin.with_file_name(format!("fieldseal{}", std::env::consts::EXE_SUFFIX));
    assert!(
        fieldseal.is_file(),
        "{} is missing: build the core's command line beside the plug-in (cargo test \
         --workspace --all-features builds both)",
        fieldseal.display()
    );
    (plugin, fieldseal)
}

/// Runs `program` in `dir` with moto's region and credentials and nothing else of AWS's.
fn run_program(program: &Path, dir: &Path, endpoint: &str, args: &[&str]) -> Run {
    let mut command = Command::new(program);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("AWS_") {
            command.env_remove(name);
        }
    }
    let output = command
        .current_dir(dir)
        .env_remove("FIELDSEAL_KEYRING")
        .env("AWS_REGION", moto::REGION)
        .env("AWS_ACCESS_KEY_ID", moto::ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", moto::SECRET_KEY)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env(PASSPHRASE_VAR, PASSPHRASE)
        .args(["--aws-kms-endpoint", endpoint])
        .args(args)
        .output()
        .unwrap();
    Run::new(output, &[PASSPHRASE])
}

fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fieldseal-aws-cli-{}-{test}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn kms(endpoint: &str, key: &str) -> fieldseal_aws_kms::AwsKmsProtector {
    AwsKms::new(key, moto::client(endpoint))
        .unwrap()
        .into_protector()
}

#[test]
fn init_status_and_export_bundle_under_kms_keys() {
    let Some(endpoint) = moto::endpoint() else {
        return;
    };
    let (_, fieldseal) = programs();
    let dir = scratch("init");
    let keyring_key = moto::create_key(&endpoint, "cli keyring");
    let bundle_key = moto::create_key(&endpoint, "cli bundle");
    let run = |args: &[&str]| run_program(&fieldseal, &dir, &endpoint, args);

    let out = run(&["init", "--aws-kms-key-id", &keyring_key]).ok();
    assert!(
        out.stdout
            .contains(&format!("protected by: AWS KMS key `{keyring_key}`")),
        "{}",
        out.stdout
    );
    let keyring = Keyring::load(dir.join("keyring.fsk"), &kms(&endpoint, &keyring_key)).unwrap();

    let status = run(&["--aws-kms-key-id", &keyring_key, "status", "--json"]).ok();
    let json: Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(json["protector"]["kind"], "aws-kms");
    assert_eq!(json["protector"]["key_id"], keyring_key.as_str());
    assert_eq!(json["protector"]["endpoint"], endpoint.as_str());
    assert_eq!(json["keyring_id"], keyring.id().to_string());

    run(&[
        "--aws-kms-key-id",
        &keyring_key,
        "export-bundle",
        "--service",
        "newsletter",
        "--purpose",
        "marketing",
        "--out",
        "newsletter.fsb",
        "--bundle-aws-kms-key-id",
        &bundle_key,
    ])
    .ok();
    let bundle = KeyBundle::load(dir.join("newsletter.fsb"), &kms(&endpoint, &bundle_key)).unwrap();
    assert_eq!(bundle.keyring_id(), keyring.id());
    let shown = run(&[
        "status",
        "--bundle",
        "newsletter.fsb",
        "--bundle-aws-kms-key-id",
        &bundle_key,
    ])
    .ok();
    assert!(
        shown
            .stdout
            .contains(&format!("protection  AWS KMS key `{bundle_key}`")),
        "{}",
        shown.stdout
    );
    fs::remove_dir_all(dir).unwrap();
}

/// `rekey` from a passphrase to KMS and back: the same root keys at every step.
#[test]
fn rekey_moves_a_keyring_from_a_passphrase_to_kms_and_back_keeping_its_keys() {
    let Some(endpoint) = moto::endpoint() else {
        return;
    };
    let (_, fieldseal) = programs();
    let dir = scratch("rekey");
    let key = moto::create_key(&endpoint, "cli rekey");
    let run = |args: &[&str]| run_program(&fieldseal, &dir, &endpoint, args);
    let cheap = ["--kdf-memory-mib", "19", "--kdf-iterations", "2"];
    let passphrase = || {
        Passphrase::new(PASSPHRASE.to_owned())
            .unwrap()
            .with_params(Argon2Params::new(19 * 1024, 2, 1).unwrap())
    };
    let root_keys = |k: &Keyring| -> Vec<Vec<u8>> {
        k.live_versions()
            .into_iter()
            .map(|v| k.dangerous_root_key(v).unwrap().expose_secret().to_vec())
            .collect()
    };
    let path = dir.join("keyring.fsk");

    run(&[&["--passphrase-env", PASSPHRASE_VAR, "init"][..], &cheap].concat()).ok();
    run(&["--passphrase-env", PASSPHRASE_VAR, "rotate"]).ok();
    let before = Keyring::load(&path, &passphrase()).unwrap();

    run(&[
        "--passphrase-env",
        PASSPHRASE_VAR,
        "rekey",
        "--new-aws-kms-key-id",
        &key,
    ])
    .ok();
    let in_kms = Keyring::load(&path, &kms(&endpoint, &key)).unwrap();
    assert_eq!(root_keys(&in_kms), root_keys(&before));
    let status = run(&["--passphrase-env", PASSPHRASE_VAR, "status"]);
    assert_eq!(status.code, Some(3), "{}", status.stderr);
    assert!(
        status.stderr.contains("give --aws-kms-key-id KEY"),
        "{}",
        status.stderr
    );

    run(&[
        &[
            "--aws-kms-key-id",
            &key,
            "rekey",
            "--new-passphrase-env",
            PASSPHRASE_VAR,
        ][..],
        &cheap,
    ]
    .concat())
    .ok();
    let back = Keyring::load(&path, &passphrase()).unwrap();
    assert_eq!(root_keys(&back), root_keys(&before));
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_missing_plug_in_and_another_key_are_named() {
    let Some(endpoint) = moto::endpoint() else {
        return;
    };
    let (_, fieldseal) = programs();
    let dir = scratch("failures");
    let key = moto::create_key(&endpoint, "cli failures");
    let other = moto::create_key(&endpoint, "cli other");
    run_program(
        &fieldseal,
        &dir,
        &endpoint,
        &["init", "--aws-kms-key-id", &key],
    )
    .ok();

    // KMS refuses another key's unwrap: AWS says IncorrectKeyException (exit 3), moto
    // AccessDeniedException (exit 1); either way nothing opens and the key is named.
    let refused = run_program(
        &fieldseal,
        &dir,
        &endpoint,
        &["--aws-kms-key-id", &other, "status"],
    );
    assert!(matches!(refused.code, Some(1 | 3)), "{}", refused.stderr);
    assert!(refused.stderr.contains(&other), "{}", refused.stderr);

    // A copy of `fieldseal` with no plug-in beside it or on PATH.
    let lonely = dir.join("bin");
    fs::create_dir_all(&lonely).unwrap();
    let copy = lonely.join(fieldseal.file_name().unwrap());
    fs::copy(&fieldseal, &copy).unwrap();
    // The copy was just written: a test thread forking meanwhile can hold it open for writing
    // until its child execs, and running it then fails with ETXTBSY. Tried again, briefly.
    let mut tries = 0;
    let output = loop {
        let run = Command::new(&copy)
            .current_dir(&dir)
            .env("PATH", &lonely)
            .args(["--aws-kms-key-id", &key, "status"])
            .output();
        match run {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 50 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            run => break run.unwrap(),
        }
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot run the AWS KMS plug-in fieldseal-aws-kms")
            && stderr.contains("cargo install fieldseal-aws-kms"),
        "{stderr}"
    );
    fs::remove_dir_all(dir).unwrap();
}
