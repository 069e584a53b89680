//! Remote key management services (FORMAT.md §14.2, "KMS protectors"): a small trait for a KMS
//! client, and the protector that lays out and binds what it returns.
//!
//! A KMS encrypts the 32-byte file key under a key that never leaves it, and must bind the
//! [`KmsBinding`] (a digest of the key file's prefix and the key id) as associated data or
//! encryption context, so that a wrap moved into another file, or a file whose header was
//! changed, does not unwrap. Nothing else of the key file is handed to the client.

use std::fmt;

use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use crate::error::{KeyFileError, Result};
use crate::keyfile::protector::{KEK_PROTECTOR_ID, KeyProtector};
use crate::secret::{KEY_LEN, SecretKey};

/// The longest key id a KMS wrap records (AWS allows 2048 characters for a key ARN or alias).
pub(crate) const MAX_KEY_ID: usize = 2048;

/// The ids of fieldseal's own protectors, which no KMS client may take.
const RESERVED_IDS: [&str; 3] = [KEK_PROTECTOR_ID, super::passphrase::PROTECTOR_ID, "pkcs11"];

/// What a KMS must bind to the file key it encrypts (FORMAT.md §14.2): SHA-256 of the key
/// file's prefix, `key_id_len` and `key_id`. It covers the file's format version, kind and
/// protector id and the key named, so a wrap cannot be moved into another file or kind.
///
/// AWS KMS takes it as the encryption context `{"fieldseal:header-sha256": <hex>}`; a KMS with
/// raw associated data (Google Cloud KMS, Vault Transit's `associated_data`) takes its 32 bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct KmsBinding([u8; 32]);

impl KmsBinding {
    /// The encryption-context key under which AWS KMS (and any KMS taking string pairs) carries
    /// the binding's [`hex`](Self::hex) form.
    pub const CONTEXT_KEY: &'static str = "fieldseal:header-sha256";

    /// The binding of a wrap whose key-id part (`key_id_len key_id`) is `key_part`.
    fn of(prefix: &[u8], key_part: &[u8]) -> Self {
        let mut digest = Sha256::new();
        digest.update(prefix);
        digest.update(key_part);
        Self(digest.finalize().into())
    }

    /// A binding received from elsewhere: a plug-in process that a [`KmsProtector`] in another
    /// process (the `fieldseal` command line) handed it to.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The 32 bytes, for a KMS taking raw associated data.
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// 64 lower-case hex digits, for a KMS taking text (an encryption context).
    pub fn hex(&self) -> String {
        use fmt::Write as _;
        self.0.iter().fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    }
}

/// Not secret (a digest of public header bytes), shown in full.
impl fmt::Debug for KmsBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KmsBinding({})", self.hex())
    }
}

/// A client of a key management service that encrypts and decrypts small payloads under a key
/// it keeps: AWS KMS (the `fieldseal-aws-kms` crate), Google Cloud KMS, Azure Key Vault, Vault
/// Transit. Wrap it in a [`KmsProtector`] to protect key files with it.
///
/// The contract, checked by the protector where it can be:
/// - [`protector_id`](Self::protector_id) is written in the key file and checked before
///   [`decrypt`](Self::decrypt) is called: 1 to 64 of `a-z`, `0-9` and `-`, naming the KMS
///   (`aws-kms`), never one of fieldseal's own (`kek`, `argon2id`, `pkcs11`);
/// - [`encrypt`](Self::encrypt) and [`decrypt`](Self::decrypt) get the 32-byte file key or its
///   ciphertext and the [`KmsBinding`], and nothing else of the file; the KMS must bind the
///   binding (associated data, encryption context), and `decrypt` must fail when it differs;
/// - a ciphertext the KMS refuses (another key, another binding, damaged) is
///   [`KeyFileError::WrongProtectorKey`]; a KMS that cannot be reached or refuses the caller is
///   [`KeyFileError::ProtectorFailed`], saying what to check. No error holds key bytes.
///
/// `examples/custom_kms.rs` implements it against an in-process stand-in for Vault Transit.
pub trait KmsClient {
    /// The protector id written in key files: the kind of KMS, such as `aws-kms`.
    fn protector_id(&self) -> &str;

    /// The KMS key new files are wrapped with, as the KMS names it (an ARN, an alias, a
    /// resource name). It is recorded in the file, in the clear: never put a secret in it.
    fn key_id(&self) -> &str;

    /// Encrypts `plaintext` (a file key) under [`key_id`](Self::key_id), bound to `binding`.
    ///
    /// # Errors
    /// [`KeyFileError::ProtectorFailed`] when the KMS cannot be reached or refuses.
    fn encrypt(&self, plaintext: &[u8], binding: &KmsBinding) -> Result<Vec<u8>>;

    /// Decrypts what [`encrypt`](Self::encrypt) returned. `key_id` is the key the file says
    /// wrapped it, which [`KmsProtector`] has checked is [`key_id`](Self::key_id): a file naming
    /// another key is refused before the KMS is asked (whoever wrapped a keyring under another
    /// key knows its keys). Decrypt under the configured key.
    ///
    /// # Errors
    /// [`KeyFileError::WrongProtectorKey`] for a ciphertext the KMS refuses (another key or
    /// binding); [`KeyFileError::ProtectorFailed`] when it cannot be reached or refuses the caller.
    fn decrypt(
        &self,
        key_id: &str,
        ciphertext: &[u8],
        binding: &KmsBinding,
    ) -> Result<Zeroizing<Vec<u8>>>;
}

/// A [`KeyProtector`] on a [`KmsClient`]: the file key is encrypted by the KMS, bound to the key
/// file's prefix and the key id (FORMAT.md §14.2), and the wrap records the key id.
///
/// ```
/// use fieldseal::{KeyProtector, KmsProtector, Keyring, Suite};
/// # use fieldseal::{KmsBinding, KmsClient, SecretKey, Kek};
/// # use zeroize::Zeroizing;
/// # // A stand-in KMS: AES-256-GCM under a key it keeps, the binding as associated data.
/// # struct Stub(Kek);
/// # impl KmsClient for Stub {
/// #     fn protector_id(&self) -> &str { "stub-kms" }
/// #     fn key_id(&self) -> &str { "stub-key-1" }
/// #     fn encrypt(&self, p: &[u8], b: &KmsBinding) -> fieldseal::Result<Vec<u8>> {
/// #         let key = SecretKey::from_bytes(Zeroizing::new(p.try_into().unwrap()));
/// #         self.0.wrap(&key, b.bytes())
/// #     }
/// #     fn decrypt(&self, _: &str, c: &[u8], b: &KmsBinding) -> fieldseal::Result<Zeroizing<Vec<u8>>> {
/// #         Ok(Zeroizing::new(self.0.unwrap(c, b.bytes())?.expose_secret().to_vec()))
/// #     }
/// # }
/// # let client = Stub(Kek::new(SecretKey::generate()?));
/// let protector = KmsProtector::new(client);
/// let keyring = Keyring::generate(Suite::default())?;
/// let file = keyring.to_protected_bytes(&protector)?;
/// assert_eq!(KmsProtector::<Stub>::key_id_of_key_file(&file)?.as_deref(), Some("stub-key-1"));
/// assert_eq!(Keyring::from_protected_bytes(&file, &protector)?.id(), keyring.id());
/// # Ok::<(), fieldseal::Error>(())
/// ```
pub struct KmsProtector<C> {
    client: C,
}

impl<C: KmsClient> KmsProtector<C> {
    /// A protector wrapping file keys with `client`.
    pub fn new(client: C) -> Self {
        Self { client }
    }

    /// The client.
    pub fn client(&self) -> &C {
        &self.client
    }

    /// The KMS key id a key file's wrap records, read from its clear header without the KMS:
    /// `None` for a file under a protector that is not a KMS one. Not checked against anything:
    /// for saying which key to ask for.
    ///
    /// # Errors
    /// As [`Keyring::load`](crate::Keyring::load), for bytes that are not a whole key file.
    pub fn key_id_of_key_file(bytes: &[u8]) -> Result<Option<String>> {
        let file = super::container::parse(bytes)?;
        if RESERVED_IDS.contains(&file.protector) {
            return Ok(None);
        }
        Ok(Wrap::parse(file.wrap).ok().map(|w| w.key_id.to_owned()))
    }

    fn check_id(&self) -> Result<&str> {
        let id = self.client.protector_id();
        let valid = (1..=64).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid || RESERVED_IDS.contains(&id) {
            return Err(KeyFileError::BadProtector(format!(
                "a KMS protector id is 1 to 64 of a-z, 0-9 and '-', and not one of {}; `{id}` is \
                 not: fix the KmsClient's protector_id",
                RESERVED_IDS.join(", ")
            ))
            .into());
        }
        Ok(id)
    }
}

impl<C: fmt::Debug> fmt::Debug for KmsProtector<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KmsProtector")
            .field("client", &self.client)
            .finish()
    }
}

impl<C: KmsClient> KeyProtector for KmsProtector<C> {
    fn id(&self) -> &str {
        // An invalid id is refused by wrap and unwrap below, and by the container itself.
        self.client.protector_id()
    }

    fn wrap(&self, file_key: &SecretKey, aad: &[u8]) -> Result<Vec<u8>> {
        self.check_id()?;
        let key_id = self.client.key_id();
        if key_id.is_empty() || key_id.len() > MAX_KEY_ID {
            return Err(KeyFileError::BadProtector(format!(
                "a KMS key id is 1 to {MAX_KEY_ID} bytes; this one is {}: name the key to wrap \
                 with",
                key_id.len()
            ))
            .into());
        }
        let mut wrap = Vec::with_capacity(2 + key_id.len() + 256);
        wrap.extend_from_slice(&(key_id.len() as u16).to_be_bytes());
        wrap.extend_from_slice(key_id.as_bytes());
        let binding = KmsBinding::of(aad, &wrap);
        let ciphertext = self.client.encrypt(file_key.expose_secret(), &binding)?;
        if ciphertext.is_empty() {
            return Err(KeyFileError::ProtectorFailed {
                protector: self.client.protector_id().to_owned(),
                reason: "the KMS returned an empty ciphertext; nothing was written".to_owned(),
            }
            .into());
        }
        wrap.extend_from_slice(&ciphertext);
        Ok(wrap)
    }

    fn unwrap(&self, wrapped: &[u8], aad: &[u8]) -> Result<SecretKey> {
        self.check_id()?;
        let wrap = Wrap::parse(wrapped).map_err(|reason| KeyFileError::Invalid {
            reason: format!("a {} wrap {reason}", self.client.protector_id()),
        })?;
        // Only files of the configured key: one wrapped under another key of the same KMS (that
        // the client's credentials may also use) is a substituted keyring, whose keys whoever
        // wrote it knows. The KMS is not asked.
        let key_id = self.client.key_id();
        if wrap.key_id != key_id {
            return Err(KeyFileError::WrongProtectorKey {
                key: format!(
                    "{} key `{key_id}` (this file names key `{}`)",
                    self.client.protector_id(),
                    wrap.key_id
                ),
            }
            .into());
        }
        let binding = KmsBinding::of(aad, &wrapped[..wrap.key_part_len]);
        let plaintext = self
            .client
            .decrypt(wrap.key_id, wrap.ciphertext, &binding)?;
        let key: [u8; KEY_LEN] =
            plaintext
                .as_slice()
                .try_into()
                .map_err(|_| KeyFileError::ProtectorFailed {
                    protector: self.client.protector_id().to_owned(),
                    reason: format!(
                        "the KMS returned {} bytes, not a {KEY_LEN}-byte file key; nothing was \
                     changed",
                        plaintext.len()
                    ),
                })?;
        Ok(SecretKey::from_bytes(Zeroizing::new(key)))
    }
}

/// A KMS wrap: `key_id_len:u16be key_id ciphertext`.
struct Wrap<'a> {
    key_id: &'a str,
    /// `2 + key_id_len`: the part of the wrap the binding covers.
    key_part_len: usize,
    ciphertext: &'a [u8],
}

impl<'a> Wrap<'a> {
    fn parse(wrap: &'a [u8]) -> std::result::Result<Self, &'static str> {
        let len_bytes: [u8; 2] = wrap
            .get(..2)
            .and_then(|b| b.try_into().ok())
            .ok_or("is shorter than its key id length")?;
        let key_part_len = 2 + usize::from(u16::from_be_bytes(len_bytes));
        let key_id = wrap
            .get(2..key_part_len)
            .filter(|id| !id.is_empty() && id.len() <= MAX_KEY_ID)
            .and_then(|id| std::str::from_utf8(id).ok())
            .ok_or("has no valid key id (1 to 2048 bytes of UTF-8)")?;
        let ciphertext = &wrap[key_part_len..];
        if ciphertext.is_empty() {
            return Err("has no ciphertext");
        }
        Ok(Self {
            key_id,
            key_part_len,
            ciphertext,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_binding_covers_the_prefix_and_the_key_id() {
        let a = KmsBinding::of(b"prefix", b"\x00\x01k");
        assert_ne!(a, KmsBinding::of(b"prefiX", b"\x00\x01k"));
        assert_ne!(a, KmsBinding::of(b"prefix", b"\x00\x01K"));
        assert_eq!(a.hex().len(), 64);
        assert_eq!(a.hex(), format!("{a:?}")[11..75]);
    }

    #[test]
    fn wraps_parse_or_say_what_is_wrong() {
        assert!(Wrap::parse(b"").is_err());
        assert!(Wrap::parse(b"\x00\x00ct").is_err(), "empty key id");
        assert!(Wrap::parse(b"\x00\x03key").is_err(), "no ciphertext");
        assert!(Wrap::parse(b"\x00\x09key").is_err(), "key id past the end");
        let w = Wrap::parse(b"\x00\x03keyCT").unwrap();
        assert_eq!(
            (w.key_id, w.key_part_len, w.ciphertext),
            ("key", 5, &b"CT"[..])
        );
    }
}
