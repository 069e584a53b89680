//! The command line with keys on a PKCS#11 token (SoftHSM2, tests/hsm/mod.rs): `init`,
//! `status`, `export-bundle` and `status --bundle` under HSM keys; `rekey` from a passphrase to
//! the HSM and back without changing a key; and the failures a person meets (no module given, a
//! wrong PIN, a missing key, a file under another protector), each with its exit status and a
//! message that names what to do and never the PIN.

mod cli_run;
mod hsm;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use fieldseal::{Argon2Params, KeyBundle, Keyring, Passphrase, Pkcs11Key, Pkcs11Protector};
use hsm::{Hsm, with_token};
use serde_json::Value;
use zeroize::Zeroizing;

use cli_run::Run;

const PASSPHRASE: &str = "correct horse battery staple";
const PASSPHRASE_VAR: &str = "FIELDSEAL_TEST_PASSPHRASE";
const PIN_VAR: &str = "FIELDSEAL_TEST_PIN";
const WRONG_PIN_VAR: &str = "FIELDSEAL_TEST_WRONG_PIN";

/// Runs the tool in `dir`, the PINs and passphrase in the environment.
fn run(hsm: &Hsm, dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_fieldseal"))
        .current_dir(dir)
        .env_remove("FIELDSEAL_KEYRING")
        .env(PASSPHRASE_VAR, PASSPHRASE)
        .env(PIN_VAR, &hsm.pin)
        .env(WRONG_PIN_VAR, "0000-wrong-pin")
        .args(args)
        .output()
        .unwrap();
    Run::new(output, &[hsm.pin.as_str(), "0000-wrong-pin", PASSPHRASE])
}

/// The token options, for the token of `hsm`.
fn token_args(hsm: &Hsm) -> Vec<String> {
    [
        "--pkcs11-module",
        hsm.module.to_str().unwrap(),
        "--pkcs11-token",
        &hsm.token,
        "--pkcs11-pin-env",
        PIN_VAR,
    ]
    .map(str::to_owned)
    .to_vec()
}

fn args<'a>(token: &'a [String], rest: &[&'a str]) -> Vec<&'a str> {
    token
        .iter()
        .map(String::as_str)
        .chain(rest.iter().copied())
        .collect()
}

fn files(hsm: &Hsm) -> PathBuf {
    let dir = hsm.dir.join("cli");
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn protector(hsm: &Hsm) -> Pkcs11Protector {
    Pkcs11Protector::open(
        &hsm.module,
        &hsm.token,
        None,
        Zeroizing::new(hsm.pin.clone()),
    )
    .unwrap()
}

#[test]
fn init_status_and_export_bundle_under_hsm_keys() {
    with_token("init_status_and_export_bundle_under_hsm_keys", |hsm| {
        hsm.generate_key("keyring-root", b"\x01", false);
        hsm.generate_key("svc-newsletter", b"\x5e\x01", false);
        let dir = files(hsm);
        let token = token_args(hsm);
        let out = run(
            hsm,
            &dir,
            &args(&token, &["init", "--pkcs11-key-label", "keyring-root"]),
        )
        .ok();
        assert!(
            out.stdout.contains(
                "protected by: PKCS#11 key with label `keyring-root` on token `fieldseal-test`"
            ),
            "{}",
            out.stdout
        );
        assert!(out.stdout.contains("HSM key"), "{}", out.stdout);
        // The library opens what the tool wrote, with the key the file names.
        let bytes = fs::read(dir.join("keyring.fsk")).unwrap();
        assert_eq!(
            Pkcs11Protector::key_of_key_file(&bytes).unwrap(),
            Some(Pkcs11Key::Label("keyring-root".to_owned()))
        );
        Keyring::from_protected_bytes(&bytes, &protector(hsm)).unwrap();

        let status = run(
            hsm,
            &dir,
            &args(&token, &["status", "--pkcs11-key-label", "keyring-root"]),
        )
        .ok();
        assert!(
            status.stdout.contains(
                "protection  PKCS#11 key with label `keyring-root` on token `fieldseal-test`"
            ),
            "{}",
            status.stdout
        );
        let json: Value = serde_json::from_str(
            &run(
                hsm,
                &dir,
                &args(&token, &["status", "--json", "--pkcs11-key-id", "01"]),
            )
            .ok()
            .stdout,
        )
        .unwrap();
        assert_eq!(json["protector"]["kind"], "pkcs11");
        assert_eq!(json["protector"]["token"], "fieldseal-test");
        assert_eq!(json["protector"]["key_id"], "01");
        assert_eq!(json["protector"]["module"], hsm.module.to_str().unwrap());

        run(
            hsm,
            &dir,
            &args(
                &token,
                &[
                    "--pkcs11-key-label",
                    "keyring-root",
                    "export-bundle",
                    "--service",
                    "newsletter",
                    "--purpose",
                    "marketing",
                    "--out",
                    "newsletter.fsb",
                    "--bundle-pkcs11-key-id",
                    "5e01",
                ],
            ),
        )
        .ok();
        let bundle = KeyBundle::load(dir.join("newsletter.fsb"), &protector(hsm)).unwrap();
        assert_eq!(bundle.service(), "newsletter");
        let shown = run(
            hsm,
            &dir,
            &args(
                &token,
                &[
                    "status",
                    "--bundle",
                    "newsletter.fsb",
                    "--bundle-pkcs11-key-label",
                    "svc-newsletter",
                ],
            ),
        )
        .ok();
        assert!(
            shown
                .stdout
                .contains("protection  PKCS#11 key with label `svc-newsletter`"),
            "{}",
            shown.stdout
        );
    });
}

/// `rekey` from a passphrase to the HSM and back: the same root keys at every step, so the same
/// values open; the status says what protects the file now.
#[test]
fn rekey_moves_a_keyring_from_a_passphrase_to_the_hsm_and_back_keeping_its_keys() {
    with_token(
        "rekey_moves_a_keyring_from_a_passphrase_to_the_hsm_and_back_keeping_its_keys",
        |hsm| {
            hsm.generate_key("keyring-root", b"\x01", false);
            let dir = files(hsm);
            let token = token_args(hsm);
            let cheap = ["--kdf-memory-mib", "19", "--kdf-iterations", "2"];
            let passphrase = || {
                Passphrase::new(PASSPHRASE.to_owned())
                    .unwrap()
                    .with_params(Argon2Params::new(19 * 1024, 2, 1).unwrap())
            };
            let root_keys = |k: &Keyring| -> Vec<_> {
                k.live_versions()
                    .into_iter()
                    .map(|v| k.dangerous_root_key(v).unwrap().expose_secret().to_vec())
                    .collect()
            };

            run(
                hsm,
                &dir,
                &[&["--passphrase-env", PASSPHRASE_VAR, "init"][..], &cheap].concat(),
            )
            .ok();
            run(hsm, &dir, &["--passphrase-env", PASSPHRASE_VAR, "rotate"]).ok();
            let path = dir.join("keyring.fsk");
            let before = Keyring::load(&path, &passphrase()).unwrap();

            let out = run(
                hsm,
                &dir,
                &args(
                    &token,
                    &[
                        "--passphrase-env",
                        PASSPHRASE_VAR,
                        "rekey",
                        "--new-pkcs11-key-label",
                        "keyring-root",
                    ],
                ),
            )
            .ok();
            assert!(
                out.stdout
                    .contains("under PKCS#11 key with label `keyring-root`"),
                "{}",
                out.stdout
            );
            let on_hsm = Keyring::load(&path, &protector(hsm)).unwrap();
            assert_eq!(root_keys(&on_hsm), root_keys(&before));
            assert_eq!(on_hsm.id(), before.id());
            // The passphrase no longer opens it, and the tool says what does.
            run(hsm, &dir, &["--passphrase-env", PASSPHRASE_VAR, "status"])
                .fails(3, "give --pkcs11-key-label LABEL or --pkcs11-key-id HEX");

            run(
                hsm,
                &dir,
                &[
                    &args(
                        &token,
                        &[
                            "--pkcs11-key-label",
                            "keyring-root",
                            "rekey",
                            "--new-passphrase-env",
                            PASSPHRASE_VAR,
                        ],
                    )[..],
                    &cheap,
                ]
                .concat(),
            )
            .ok();
            let back = Keyring::load(&path, &passphrase()).unwrap();
            assert_eq!(root_keys(&back), root_keys(&before));
            let status = run(hsm, &dir, &["--passphrase-env", PASSPHRASE_VAR, "status"]).ok();
            assert!(
                status.stdout.contains("protection  passphrase"),
                "{}",
                status.stdout
            );
        },
    );
}

#[test]
fn hsm_failures_exit_with_their_status_and_say_what_to_do() {
    with_token(
        "hsm_failures_exit_with_their_status_and_say_what_to_do",
        |hsm| {
            hsm.generate_key("keyring-root", b"\x01", false);
            let dir = files(hsm);
            let token = token_args(hsm);

            run(hsm, &dir, &["init", "--pkcs11-key-label", "keyring-root"])
                .fails(2, "--pkcs11-key-label needs --pkcs11-module PATH");
            run(
                hsm,
                &dir,
                &[
                    "--pkcs11-module",
                    hsm.module.to_str().unwrap(),
                    "init",
                    "--pkcs11-key-label",
                    "k",
                ],
            )
            .fails(2, "needs --pkcs11-token LABEL");
            run(
                hsm,
                &dir,
                &args(
                    &token,
                    &["init", "--pkcs11-key-label", "k", "--pkcs11-key-id", "01"],
                ),
            )
            .fails(2, "give at most one of");
            run(
                hsm,
                &dir,
                &args(&token, &["init", "--pkcs11-key-id", "xyz"]),
            )
            .fails(
                2,
                "--pkcs11-key-id takes the key's CKA_ID as 2 to 510 hex digits",
            );

            // No PIN option and no terminal to ask on.
            run(
                hsm,
                &dir,
                &args(&token[..4], &["init", "--pkcs11-key-label", "keyring-root"]),
            )
            .fails(
                2,
                "give it with --pkcs11-pin-env VAR or --pkcs11-pin-file PATH",
            );
            let mut wrong_pin = token.clone();
            wrong_pin[5] = WRONG_PIN_VAR.to_owned();
            run(
                hsm,
                &dir,
                &args(&wrong_pin, &["init", "--pkcs11-key-label", "keyring-root"]),
            )
            .fails(3, "wrong PIN for PKCS#11 token `fieldseal-test`");
            run(
                hsm,
                &dir,
                &args(&token, &["init", "--pkcs11-key-label", "no-such-key"]),
            )
            .fails(1, "no AES key with label `no-such-key` is on the token");
            let mut no_module = token.clone();
            no_module[1] = dir.join("missing.so").display().to_string();
            run(
                hsm,
                &dir,
                &args(&no_module, &["init", "--pkcs11-key-label", "keyring-root"]),
            )
            .fails(1, "missing.so: there is no such file");
            run(
                hsm,
                &dir,
                &args(
                    &token,
                    &[
                        "init",
                        "--pkcs11-key-label",
                        "keyring-root",
                        "--kdf-memory-mib",
                        "64",
                    ],
                ),
            )
            .fails(2, "set the cost of a passphrase");
            assert!(!dir.join("keyring.fsk").exists(), "nothing was written");

            run(
                hsm,
                &dir,
                &args(&token, &["init", "--pkcs11-key-label", "keyring-root"]),
            )
            .ok();
            // Another key on the token does not unlock it.
            hsm.generate_key("other", b"\x02", false);
            run(
                hsm,
                &dir,
                &args(&token, &["status", "--pkcs11-key-label", "other"]),
            )
            .fails(3, "does not unwrap this key file");
        },
    );
}
