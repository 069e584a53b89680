//! What a key file costs to load under an HSM key, beside the token call it is built on, in the
//! same run, on a SoftHSM2 token in a temporary directory:
//! - the raw call: one AES-256-GCM decryption of 48 bytes (a 32-byte key and its tag) with an
//!   AES key on the token, through `cryptoki` on an open, logged-in session;
//! - the raw calls a load makes: finding the key by its label, then that decryption;
//! - `Keyring::from_protected_bytes` under the `pkcs11` protector (that call, plus the key file's
//!   own work);
//! - the same keyring file under the `kek` protector (no token), for the key file's own work.
//!
//! SoftHSM2 reads `SOFTHSM2_CONF` once, when the module is initialized; rather than setting an
//! environment variable in a running process, the bench makes the token and runs itself again
//! with the variable set. Without SoftHSM2 (`apt-get install softhsm2`) it says so and measures
//! nothing.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../tests/hsm/mod.rs"]
mod hsm;

use criterion::{Criterion, criterion_group};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::object::{Attribute, KeyType, ObjectClass};
use fieldseal::{Kek, Keyring, Pkcs11Key, Pkcs11Protector, SecretKey, Suite};
use hsm::{Hsm, PIN, TOKEN};
use zeroize::Zeroizing;

/// Set in the run that has the token: its directory.
const DIR_ENV: &str = "FIELDSEAL_BENCH_HSM_DIR";
const KEY_LABEL: &str = "bench-root";

fn protector_loads(c: &mut Criterion) {
    let dir = PathBuf::from(std::env::var_os(DIR_ENV).expect("set by the first run"));
    let module = std::env::var_os(hsm::MODULE_ENV)
        .map_or_else(|| PathBuf::from(hsm::SOFTHSM_MODULE), PathBuf::from);
    let hsm = Hsm {
        module,
        dir,
        token: TOKEN.to_owned(),
        pin: PIN.to_owned(),
    };
    hsm.generate_key(KEY_LABEL, b"\x01", false);

    let mut keyring = Keyring::generate(Suite::Aes256Gcm).unwrap();
    for _ in 0..9 {
        keyring.rotate().unwrap();
    }
    let token = Pkcs11Protector::open(
        &hsm.module,
        &hsm.token,
        Some(Pkcs11Key::Label(KEY_LABEL.to_owned())),
        Zeroizing::new(hsm.pin.clone()),
    )
    .unwrap();
    let under_token = keyring.to_protected_bytes(&token).unwrap();
    let kek = Kek::new(SecretKey::from_bytes(Zeroizing::new([3; 32])));
    let under_kek = keyring.to_protected_bytes(&kek).unwrap();

    // The raw call, on a session of its own with the same key.
    let session = hsm.session();
    let key = session
        .find_objects(&[Attribute::Label(KEY_LABEL.as_bytes().to_vec())])
        .unwrap()[0];
    let mut iv = [9u8; 12];
    let sealed = session
        .encrypt(
            &Mechanism::AesGcm(GcmParams::new(&mut iv, b"prefix", 128.into()).unwrap()),
            key,
            &[5u8; 32],
        )
        .unwrap();

    let mut group = c.benchmark_group("keyring-10-versions-load");
    group.bench_function("raw: AES-256-GCM open of 48 B on the token", |b| {
        b.iter(|| {
            let mut iv = [9u8; 12];
            let params = GcmParams::new(&mut iv, b"prefix", 128.into()).unwrap();
            session
                .decrypt(&Mechanism::AesGcm(params), key, black_box(&sealed))
                .unwrap()
        });
    });
    let template = [
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::AES),
        Attribute::Label(KEY_LABEL.as_bytes().to_vec()),
    ];
    group.bench_function("raw: find the key, then the open", |b| {
        b.iter(|| {
            let key = session.find_objects(black_box(&template)).unwrap()[0];
            let mut iv = [9u8; 12];
            let params = GcmParams::new(&mut iv, b"prefix", 128.into()).unwrap();
            session
                .decrypt(&Mechanism::AesGcm(params), key, black_box(&sealed))
                .unwrap()
        });
    });
    group.bench_function("fieldseal from_protected_bytes (pkcs11)", |b| {
        b.iter(|| Keyring::from_protected_bytes(black_box(&under_token), &token).unwrap());
    });
    group.bench_function("fieldseal from_protected_bytes (kek)", |b| {
        b.iter(|| Keyring::from_protected_bytes(black_box(&under_kek), &kek).unwrap());
    });
    group.finish();
}

criterion_group!(benches, protector_loads);

fn main() {
    if std::env::var_os(DIR_ENV).is_some() {
        benches();
        Criterion::default().configure_from_args().final_summary();
        return;
    }
    if std::env::var_os(hsm::MODULE_ENV).is_none() && !Path::new(hsm::SOFTHSM_MODULE).is_file() {
        println!("skipped: SoftHSM2 is not installed (apt-get install softhsm2)");
        return;
    }
    let dir = std::env::temp_dir().join(format!("fieldseal-bench-hsm-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let conf = hsm::make_token_dir(&dir);
    let status = Command::new(std::env::current_exe().unwrap())
        .args(std::env::args_os().skip(1))
        .env("SOFTHSM2_CONF", &conf)
        .env(DIR_ENV, &dir)
        .status()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    std::process::exit(status.code().unwrap_or(1));
}
