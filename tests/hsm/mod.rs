//! A throwaway SoftHSM2 token for the PKCS#11 tests: a token directory of its own in a temporary
//! directory, named to SoftHSM2 by `SOFTHSM2_CONF`, one token initialized in it with
//! `softhsm2-util`, and keys generated or imported on it through `cryptoki`.
//!
//! SoftHSM2 reads `SOFTHSM2_CONF` when the module is initialized, once per process, and setting
//! an environment variable in a running test process is unsound; so each test runs its body in a
//! child process of the test binary, started with that variable. The child is the same test,
//! run alone (`--exact`), which finds `FIELDSEAL_HSM_CHILD` naming it and runs the body.
//!
//! `$FIELDSEAL_TEST_PKCS11_MODULE` (set by `.ci/run`) names the module; then every failure
//! fails. Without it, SoftHSM2's usual module is used if it is installed, and the tests are
//! skipped with a printed line if it is not.

#![allow(
    dead_code,
    reason = "each test crate including this module uses a different subset of it"
)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, KeyType, ObjectClass};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;

/// The module CI names.
pub(crate) const MODULE_ENV: &str = "FIELDSEAL_TEST_PKCS11_MODULE";
/// Where Debian's softhsm2 package puts the module.
pub(crate) const SOFTHSM_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const CHILD_ENV: &str = "FIELDSEAL_HSM_CHILD";
const DIR_ENV: &str = "FIELDSEAL_HSM_DIR";

/// The token of a test.
pub(crate) struct Hsm {
    /// The PKCS#11 library.
    pub(crate) module: PathBuf,
    /// The temporary directory: `softhsm2.conf`, `tokens/`.
    pub(crate) dir: PathBuf,
    /// The token's label.
    pub(crate) token: String,
    /// The user PIN.
    pub(crate) pin: String,
}

pub(crate) const TOKEN: &str = "fieldseal-test";
pub(crate) const PIN: &str = "1234-user-pin";
const SO_PIN: &str = "5678-so-pin";

/// The module to test with, or `None` (after printing why) when the tests are to be skipped.
pub(crate) fn module() -> Option<PathBuf> {
    if let Some(module) = std::env::var_os(MODULE_ENV) {
        return Some(PathBuf::from(module)); // set by CI: must work
    }
    let util = Command::new("softhsm2-util").arg("--version").output();
    if Path::new(SOFTHSM_MODULE).is_file() && util.is_ok_and(|o| o.status.success()) {
        return Some(PathBuf::from(SOFTHSM_MODULE));
    }
    println!(
        "skipped: SoftHSM2 is not installed (apt-get install softhsm2), and {MODULE_ENV} is not \
         set; .ci/run installs it and runs these tests"
    );
    None
}

/// Runs `body` with a fresh token, in a child process of this test binary (see the module's
/// documentation). `test` is the test function's name.
pub(crate) fn with_token(test: &str, body: impl FnOnce(&Hsm)) {
    if std::env::var(CHILD_ENV).as_deref() == Ok(test) {
        let hsm = Hsm {
            module: PathBuf::from(std::env::var_os(MODULE_ENV).expect("set by the parent")),
            dir: PathBuf::from(std::env::var_os(DIR_ENV).expect("set by the parent")),
            token: TOKEN.to_owned(),
            pin: PIN.to_owned(),
        };
        body(&hsm);
        return;
    }
    let Some(module) = module() else { return };
    let dir = std::env::temp_dir().join(format!("fieldseal-hsm-{}-{test}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let conf = make_token_dir(&dir);
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            test,
            "--exact",
            "--include-ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SOFTHSM2_CONF", &conf)
        .env(MODULE_ENV, &module)
        .env(DIR_ENV, &dir)
        .env(CHILD_ENV, test)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let ran = stdout.contains("1 passed");
    let _ = fs::remove_dir_all(&dir);
    assert!(
        output.status.success() && ran,
        "the test's child process failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `dir/softhsm2.conf` and `dir/tokens/` holding one token, [`TOKEN`] with [`PIN`].
pub(crate) fn make_token_dir(dir: &Path) -> PathBuf {
    let tokens = dir.join("tokens");
    fs::create_dir_all(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    let init = Command::new("softhsm2-util")
        .args(["--init-token", "--free", "--label", TOKEN])
        .args(["--pin", PIN, "--so-pin", SO_PIN])
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .expect("softhsm2-util runs");
    assert!(
        init.status.success(),
        "softhsm2-util --init-token: {}",
        String::from_utf8_lossy(&init.stderr)
    );
    conf
}

impl Hsm {
    /// A logged-in read-write session with the token, through a context of the test's own.
    /// Close it (drop it) before a protector logs in, or the protector's login is taken as done.
    pub(crate) fn session(&self) -> Session {
        let context = Pkcs11::new(&self.module).unwrap();
        match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => panic!("C_Initialize: {e}"),
        }
        let slot = context
            .get_slots_with_token()
            .unwrap()
            .into_iter()
            .find(|&s| context.get_token_info(s).unwrap().label().trim_end() == self.token)
            .expect("the test token");
        let session = context.open_rw_session(slot).unwrap();
        match session.login(UserType::User, Some(&AuthPin::from(self.pin.clone()))) {
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(e) => panic!("C_Login: {e}"),
        }
        session
    }

    /// Generates an AES-256 key on the token, sensitive and not extractable unless
    /// `extractable`, with `label` and `id`.
    pub(crate) fn generate_key(&self, label: &str, id: &[u8], extractable: bool) {
        let session = self.session();
        session
            .generate_key(
                &Mechanism::AesKeyGen,
                &[
                    Attribute::Token(true),
                    Attribute::Private(true),
                    Attribute::Sensitive(!extractable),
                    Attribute::Extractable(extractable),
                    Attribute::Encrypt(true),
                    Attribute::Decrypt(true),
                    Attribute::ValueLen(32.into()),
                    Attribute::Label(label.as_bytes().to_vec()),
                    Attribute::Id(id.to_vec()),
                ],
            )
            .unwrap();
    }

    /// Imports a known AES-256 key (for FORMAT.md's vector), sensitive and not extractable.
    pub(crate) fn import_key(&self, label: &str, value: &[u8; 32]) {
        let session = self.session();
        session
            .create_object(&[
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::KeyType(KeyType::AES),
                Attribute::Token(true),
                Attribute::Private(true),
                Attribute::Sensitive(true),
                Attribute::Extractable(false),
                Attribute::Encrypt(true),
                Attribute::Decrypt(true),
                Attribute::Value(value.to_vec()),
                Attribute::Label(label.as_bytes().to_vec()),
            ])
            .unwrap();
    }
}
