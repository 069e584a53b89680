//! Crypto providers through the public API: a value sealed by a process on one provider opens in a
//! process on any other (every pair, both suites, sizes across the RustCrypto provider's
//! thresholds, one and three purposes), and the provider a CI run asks for is the one in use.
//!
//! A process has one provider, so each side runs in a child process: this test binary again, with
//! only [`child`] selected and the task in [`TASK_ENV`].

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use common::{Analytics, Fulfillment, Marketing, ROOT_KEY};
use fieldseal::provider::{self, Provider};
use fieldseal::{AnyPurposes, Context, KeySet, Keyring, Sealed, SecretKey, Suite};
use zeroize::Zeroizing;

/// `seal:<provider>:<file>` or `open:<provider>:<dir>`, for [`child`].
const TASK_ENV: &str = "FIELDSEAL_TEST_PROVIDER_TASK";

/// Value sizes: both sides of 256 B (AES-256-GCM) and 512 B (XChaCha20-Poly1305), and a large one.
const SIZES: [usize; 9] = [0, 1, 24, 255, 256, 511, 512, 4096, 300_000];

fn keys(suite: Suite) -> KeySet {
    let root = SecretKey::from_bytes(Zeroizing::new(ROOT_KEY));
    let keyring = Keyring::with_root(suite, 1, root, SystemTime::UNIX_EPOCH).unwrap();
    KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with(keyring.purpose_key::<Marketing>())
        .with(keyring.purpose_key::<Analytics>())
}

fn value(len: usize, suite: Suite) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(13) ^ suite.id())
        .collect()
}

fn ctx(len: usize) -> Context<'static> {
    Context::new("customer", "notes").with_id_int(len as u64)
}

/// Seals every case under the process's provider into `file`: one hex value a line.
fn seal_all(file: &Path) {
    let mut lines = String::new();
    for suite in Suite::ALL {
        let keys = keys(suite);
        for len in SIZES {
            let value = value(len, suite);
            let one: Sealed<Vec<u8>, Fulfillment> = keys.seal(&value[..], &ctx(len)).unwrap();
            let three: Sealed<Vec<u8>, (Fulfillment, Marketing, Analytics)> =
                keys.seal(&value[..], &ctx(len)).unwrap();
            for sealed in [one.as_bytes(), three.as_bytes()] {
                writeln!(lines, "{} {len} {}", suite.id(), hex::encode(sealed)).unwrap();
            }
        }
    }
    std::fs::write(file, lines).unwrap();
}

/// Opens every value of every file in `dir` under the process's provider, with each purpose it
/// was sealed for; returns how many opened.
fn open_all(dir: &Path) -> usize {
    let mut opened = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            let mut fields = line.split(' ');
            let suite = Suite::from_id(fields.next().unwrap().parse().unwrap()).unwrap();
            let len: usize = fields.next().unwrap().parse().unwrap();
            let bytes = hex::decode(fields.next().unwrap()).unwrap();
            let keys = keys(suite);
            let expected = value(len, suite);
            let sealed = Sealed::<Vec<u8>, AnyPurposes>::from_bytes(bytes).unwrap();
            let by = path.file_name().unwrap().to_string_lossy();
            for purpose in sealed.purposes() {
                let key = keys.get(purpose.name()).unwrap();
                let got = sealed.open_dyn(key, &ctx(len));
                assert_eq!(got.unwrap(), expected, "{suite}, {len} B sealed by {by}");
            }
            opened += 1;
        }
    }
    opened
}

/// Runs [`child`] in a new process of this binary with `task`.
fn run_child(task: &str) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["child", "--exact", "--ignored", "--nocapture"])
        .env(TASK_ENV, task)
        .output()
        .unwrap();
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("1 passed"),
        "{task}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn values_sealed_under_each_provider_open_under_every_other() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("fieldseal-providers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for &sealer in Provider::ALL {
        let file = dir.join(sealer.name());
        run_child(&format!("seal:{sealer}:{}", file.display()));
        assert!(file.exists(), "{sealer} sealed nothing");
    }
    for &opener in Provider::ALL {
        run_child(&format!("open:{opener}:{}", dir.display()));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// One side of [`values_sealed_under_each_provider_open_under_every_other`], in its own process.
#[test]
#[ignore = "a child process of values_sealed_under_each_provider_open_under_every_other"]
fn child() {
    let task = std::env::var(TASK_ENV).expect("run by its parent test, which sets the task");
    let mut parts = task.splitn(3, ':');
    let (what, name, path) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        Path::new(parts.next().unwrap()),
    );
    let wanted = Provider::from_name(name).unwrap();
    provider::install_default(wanted).unwrap();
    match what {
        "seal" => seal_all(path),
        "open" => {
            let opened = open_all(path);
            assert_eq!(opened, Provider::ALL.len() * 2 * SIZES.len() * 2);
        }
        other => panic!("unknown task {other}"),
    }
    assert_eq!(provider::get_default(), wanted);
}

/// CI runs the whole test suite once per provider by naming it in `FIELDSEAL_PROVIDER`: the
/// named provider must be the one in use, or those runs would test the default three times.
#[test]
#[cfg(debug_assertions)]
fn the_provider_named_in_the_environment_is_the_one_in_use() {
    let in_use = provider::get_default();
    match std::env::var(provider::PROVIDER_ENV) {
        Ok(name) => {
            let named = Provider::from_name(&name).unwrap_or_else(|| {
                panic!(
                    "{}={name} names no provider of this build ({:?}): turn its feature on",
                    provider::PROVIDER_ENV,
                    Provider::ALL
                )
            });
            assert_eq!(in_use, named);
        }
        Err(_) => assert_eq!(in_use, Provider::compiled_default()),
    }
}
