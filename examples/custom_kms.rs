//! Plugging another KMS into fieldseal: `KmsClient` implemented against an in-process stand-in
//! for HashiCorp Vault's Transit engine, so that it runs with no server. A real client would
//! send the same two requests over HTTPS (`POST /v1/transit/encrypt/<key>` and
//! `/decrypt/<key>`, the binding as `associated_data`); only `TransitStub` would change.
//!
//! `cargo run --example custom_kms`

use std::collections::HashMap;
use std::sync::Mutex;

use aes_gcm::aead::{Aead as _, KeyInit as _, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use fieldseal::{KeyFileError, Keyring, KmsBinding, KmsClient, KmsProtector, SecretKey, Suite};
use zeroize::Zeroizing;

/// Stands for a Vault server: named AES-256-GCM keys that never leave it, ciphertexts in
/// Vault's `vault:v1:<base64 of nonce and ciphertext>` form, and an audit log of its requests
/// (Vault's audit device records each, as CloudTrail does for AWS KMS).
struct TransitStub {
    keys: HashMap<String, SecretKey>,
    audit: Mutex<Vec<String>>,
}

impl TransitStub {
    fn new(names: &[&str]) -> fieldseal::Result<Self> {
        let keys = names
            .iter()
            .map(|n| Ok(((*n).to_owned(), SecretKey::generate()?)))
            .collect::<fieldseal::Result<_>>()?;
        Ok(Self {
            keys,
            audit: Mutex::new(Vec::new()),
        })
    }

    fn cipher(&self, name: &str) -> Result<Aes256Gcm, String> {
        let key = self
            .keys
            .get(name)
            .ok_or(format!("no transit key `{name}`"))?;
        Ok(Aes256Gcm::new(key.expose_secret().into()))
    }

    /// `POST /v1/transit/encrypt/<name>`.
    fn encrypt(
        &self,
        name: &str,
        plaintext: &[u8],
        associated_data: &[u8],
    ) -> Result<String, String> {
        self.audit.lock().unwrap().push(format!("encrypt {name}"));
        let mut nonce = [0u8; 12];
        random_bytes(&mut nonce)?;
        let sealed = self
            .cipher(name)?
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: associated_data,
                },
            )
            .map_err(|_| "encryption failed".to_owned())?;
        Ok(format!(
            "vault:v1:{}",
            STANDARD.encode([&nonce[..], &sealed].concat())
        ))
    }

    /// `POST /v1/transit/decrypt/<name>`; `None` when the ciphertext does not authenticate.
    fn decrypt(
        &self,
        name: &str,
        ciphertext: &str,
        associated_data: &[u8],
    ) -> Result<Option<Zeroizing<Vec<u8>>>, String> {
        self.audit.lock().unwrap().push(format!("decrypt {name}"));
        let Some(raw) = ciphertext
            .strip_prefix("vault:v1:")
            .and_then(|b| STANDARD.decode(b).ok())
            .filter(|raw| raw.len() > 12)
        else {
            return Ok(None);
        };
        Ok(self
            .cipher(name)?
            .decrypt(
                Nonce::from_slice(&raw[..12]),
                Payload {
                    msg: &raw[12..],
                    aad: associated_data,
                },
            )
            .ok()
            .map(Zeroizing::new))
    }
}

/// Fresh random bytes, through fieldseal's own key generator (no second RNG crate needed).
fn random_bytes(out: &mut [u8]) -> Result<(), String> {
    let key = SecretKey::generate().map_err(|e| e.to_string())?;
    out.copy_from_slice(&key.expose_secret()[..out.len()]);
    Ok(())
}

/// The fieldseal side: a `KmsClient` for one transit key.
struct VaultTransit<'a> {
    server: &'a TransitStub,
    key: String,
}

impl VaultTransit<'_> {
    fn unavailable(&self, reason: &str) -> fieldseal::Error {
        KeyFileError::ProtectorFailed {
            protector: format!("Vault Transit key `{}`", self.key),
            reason: format!("{reason}; check VAULT_ADDR and the token's policy"),
        }
        .into()
    }
}

impl KmsClient for VaultTransit<'_> {
    fn protector_id(&self) -> &'static str {
        "vault-transit"
    }

    fn key_id(&self) -> &str {
        &self.key
    }

    fn encrypt(&self, plaintext: &[u8], binding: &KmsBinding) -> fieldseal::Result<Vec<u8>> {
        self.server
            .encrypt(&self.key, plaintext, binding.bytes())
            .map(String::into_bytes)
            .map_err(|e| self.unavailable(&e))
    }

    fn decrypt(
        &self,
        _file_key_id: &str,
        ciphertext: &[u8],
        binding: &KmsBinding,
    ) -> fieldseal::Result<Zeroizing<Vec<u8>>> {
        // Always under the configured key, never one the file names: `KmsProtector` refuses a
        // file naming another key before calling this, and a client should not rely on it.
        let text = std::str::from_utf8(ciphertext).unwrap_or_default();
        match self.server.decrypt(&self.key, text, binding.bytes()) {
            Ok(Some(plaintext)) => Ok(plaintext),
            Ok(None) => Err(KeyFileError::WrongProtectorKey {
                key: format!("Vault Transit key `{}`", self.key),
            }
            .into()),
            Err(e) => Err(self.unavailable(&e)),
        }
    }
}

fn main() -> fieldseal::Result<()> {
    let vault = TransitStub::new(&["fieldseal-root", "other"])?;
    let protector = KmsProtector::new(VaultTransit {
        server: &vault,
        key: "fieldseal-root".to_owned(),
    });

    let keyring = Keyring::generate(Suite::default())?;
    let file = keyring.to_protected_bytes(&protector)?;
    println!(
        "keyring {} saved under Vault Transit key {:?} ({} bytes)",
        keyring.id(),
        KmsProtector::<VaultTransit>::key_id_of_key_file(&file)?.unwrap_or_default(),
        file.len()
    );

    let loaded = Keyring::from_protected_bytes(&file, &protector)?;
    assert_eq!(loaded.id(), keyring.id());
    assert_eq!(
        loaded.dangerous_root_key(1)?,
        keyring.dangerous_root_key(1)?
    );
    println!("loaded it again: the same root key");

    // Another Vault (staging's, say) has a key of the same name, but not the same key: it
    // refuses the file, and fieldseal says which key did not unwrap it.
    let staging = TransitStub::new(&["fieldseal-root"])?;
    let elsewhere = KmsProtector::new(VaultTransit {
        server: &staging,
        key: "fieldseal-root".to_owned(),
    });
    match Keyring::from_protected_bytes(&file, &elsewhere) {
        Err(e) => println!("another Vault refuses it: {e}"),
        Ok(_) => panic!("another Vault's key opened the file"),
    }

    // A keyring wrapped under another key of the same Vault (one the service's token may also
    // use) is someone else's keyring: refused before Vault is asked.
    let other = KmsProtector::new(VaultTransit {
        server: &vault,
        key: "other".to_owned(),
    });
    let substitute = Keyring::generate(Suite::default())?.to_protected_bytes(&other)?;
    match Keyring::from_protected_bytes(&substitute, &protector) {
        Err(e) => println!("a keyring wrapped under another key is refused: {e}"),
        Ok(_) => panic!("a keyring wrapped under another key was loaded"),
    }

    println!("Vault's audit log: {:?}", vault.audit.lock().unwrap());
    Ok(())
}
