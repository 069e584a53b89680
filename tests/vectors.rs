//! FORMAT.md §12: the test vectors in `tests/vectors/`, opened twice: by the library, and by an
//! independent reader written from FORMAT.md alone against the raw primitives (hkdf, aes-gcm,
//! chacha20poly1305, base64), so that the document, not only the code, is tested. FORMAT.md §15.6:
//! the subject-mode vectors in `tests/vectors/subject/`, the same way: the library with the
//! vector's vault entry in a `MemoryVault`, the independent reader with §15 besides.
//!
//! The vector files are written by `write_vectors` and `write_subject_vectors` below
//! (`FIELDSEAL_WRITE_VECTORS=1 cargo test --all-features --test vectors write_ -- --ignored`);
//! they are data now, and must keep opening forever.
//! Beyond the vectors themselves, the two readers must agree on every truncation and every
//! single-bit flip of every vector: the same plaintext, or the same `expect:` and `malformed:`
//! names (FORMAT.md §9 fixes which fault wins when a value has several).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fieldseal::vault::{
    Created, DestroyReason, KeyVault, MemoryVault, StoredKey, Subject, SubjectKeys, WRAPPED_LEN,
};
use fieldseal::{
    AnyPurposes, Context, DynPurpose, Error, Json, KeySet, Keyring, KeyringId, Malformed,
    Plaintext, Sealed, SecretKey, Suite, VaultError,
};
use independent::Fail;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

/// One vector file: `key: value` lines.
struct Case {
    name: String,
    fields: BTreeMap<String, String>,
}

impl Case {
    fn get(&self, key: &str) -> &str {
        self.fields
            .get(key)
            .unwrap_or_else(|| panic!("{}: no `{key}` line", self.name))
    }

    fn opt(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str)
    }

    fn hex(&self, key: &str) -> Vec<u8> {
        hex::decode(self.get(key))
            .unwrap_or_else(|e| panic!("{}: `{key}` is not hex: {e}", self.name))
    }

    fn root(&self) -> [u8; 32] {
        self.hex("root_key")
            .try_into()
            .unwrap_or_else(|_| panic!("{}: root_key is not 32 bytes", self.name))
    }

    fn suite(&self) -> Suite {
        match self.get("suite") {
            "aes-256-gcm" => Suite::Aes256Gcm,
            "xchacha20-poly1305" => Suite::XChaCha20Poly1305,
            other => panic!("{}: unknown suite {other}", self.name),
        }
    }

    fn root_version(&self) -> u32 {
        self.get("root_version").parse().unwrap()
    }

    /// A list of key versions: decimal numbers separated by spaces, possibly none.
    fn versions(&self, key: &str) -> Vec<u32> {
        self.get(key)
            .split_whitespace()
            .map(|v| {
                v.parse()
                    .unwrap_or_else(|e| panic!("{}: `{key}` holds {v}: {e}", self.name))
            })
            .collect()
    }

    fn context(&self) -> (String, String, Vec<u8>) {
        (
            self.get("record").to_owned(),
            self.get("field").to_owned(),
            self.hex("id"),
        )
    }

    /// A decimal number.
    fn num<T: std::str::FromStr>(&self, key: &str) -> T
    where
        T::Err: std::fmt::Debug,
    {
        self.get(key)
            .parse()
            .unwrap_or_else(|e| panic!("{}: `{key}` is not a number: {e:?}", self.name))
    }

    /// Hex of exactly `N` bytes.
    fn array<const N: usize>(&self, key: &str) -> [u8; N] {
        self.hex(key)
            .try_into()
            .unwrap_or_else(|_| panic!("{}: `{key}` is not {N} bytes", self.name))
    }

    /// Subject vectors (FORMAT.md §15.6): whether the purpose needs the subject's consent.
    fn consent(&self) -> bool {
        match self.get("consent") {
            "yes" => true,
            "no" => false,
            other => panic!("{}: consent is yes or no, not {other}", self.name),
        }
    }

    /// Subject vectors: the reader's purpose, with its policy.
    fn subject_purpose(&self) -> DynPurpose {
        let purpose = DynPurpose::new(self.get("purpose")).unwrap();
        let purpose = if self.consent() {
            purpose.with_consent()
        } else {
            purpose
        };
        assert_eq!(
            purpose.policy().needs_consent(),
            self.consent(),
            "{}",
            self.name
        );
        purpose
    }

    /// Subject vectors: the destruction before the live entry: generation, why, when.
    fn destroyed(&self) -> Option<(u32, DestroyReason, u64)> {
        let line = self.opt("destroyed")?;
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [generation, why, at] = parts[..] else {
            panic!("{}: destroyed is `generation reason time`", self.name)
        };
        let why = DestroyReason::from_name(why)
            .unwrap_or_else(|| panic!("{}: no destruction reason {why}", self.name));
        Some((generation.parse().unwrap(), why, at.parse().unwrap()))
    }

    /// What opening `value` as `purpose` must give: the plaintext, or the failure.
    fn expected(&self) -> Result<Vec<u8>, Fail> {
        match (self.get("expect"), self.opt("malformed")) {
            ("open", None) => Ok(self.hex("plaintext")),
            ("malformed", Some(why)) => Err(Fail::malformed(leak(why))),
            (expect, None) => Err(Fail::is(leak(expect))),
            (expect, Some(_)) => panic!("{}: a `malformed:` line with expect {expect}", self.name),
        }
    }
}

/// The names of a vector, as the `&'static str` of [`Fail`] (a few bytes per vector, in a test).
fn leak(name: &str) -> &'static str {
    Box::leak(name.to_owned().into_boxed_str())
}

fn load_cases() -> Vec<Case> {
    load_cases_in(&vectors_dir())
}

/// The subject-mode vectors (FORMAT.md §15.6).
fn load_subject_cases() -> Vec<Case> {
    load_cases_in(&vectors_dir().join("subject"))
}

fn load_cases_in(dir: &Path) -> Vec<Case> {
    let mut cases: Vec<Case> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .map(|path| {
            let text = fs::read_to_string(&path).unwrap();
            let mut fields = BTreeMap::new();
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let (k, v) = line
                    .split_once(':')
                    .unwrap_or_else(|| panic!("{}: bad line {line}", path.display()));
                let old = fields.insert(k.trim().to_owned(), v.trim().to_owned());
                assert!(old.is_none(), "{}: two `{k}` lines", path.display());
            }
            Case {
                name: path.file_name().unwrap().to_string_lossy().into_owned(),
                fields,
            }
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

/// The text form's binary form, or `None` when the text is not a value (FORMAT.md §7).
fn binary(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text.strip_prefix("fs1:")?).ok()
}

fn text(bytes: &[u8]) -> String {
    format!("fs1:{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The keyring of a vector's reader: every version of `held_versions` with `root_key` as its root
/// key, and the numbers of `retired_versions` (FORMAT.md §12).
fn reader_keyring(case: &Case) -> Keyring {
    let root = case.root();
    let key = || SecretKey::from_bytes(Zeroizing::new(root));
    let held = case.versions("held_versions");
    let (&first, others) = held
        .split_first()
        .unwrap_or_else(|| panic!("{}: the reader holds no version", case.name));
    let mut keyring =
        Keyring::with_root(case.suite(), first, key(), SystemTime::UNIX_EPOCH).unwrap();
    for &version in others {
        keyring
            .insert_version(version, key(), SystemTime::UNIX_EPOCH)
            .unwrap();
    }
    for version in case.versions("retired_versions") {
        keyring
            .insert_retired(version, SystemTime::UNIX_EPOCH)
            .unwrap();
    }
    keyring
}

/// The library, opening one vector's values as one purpose with the vector's keys and context.
struct LibraryReader {
    keys: LibraryKeys,
    purpose: DynPurpose,
    context: (String, String, Vec<u8>),
    ty: String,
}

/// What the library opens with: purpose keys (direct mode), or a subject's data keys from a vault
/// (subject mode, FORMAT.md §15).
enum LibraryKeys {
    Direct(KeySet),
    Subject {
        keys: Box<SubjectKeys<MemoryVault>>,
        subject: Vec<u8>,
    },
}

/// An address, the serde type of the JSON vectors.
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Address {
    street: String,
    city: String,
    postcode: String,
    country: String,
}

impl LibraryReader {
    fn new(case: &Case, purpose: &str) -> Self {
        let purpose = DynPurpose::new(purpose).unwrap();
        let keys = KeySet::from_keyring(&reader_keyring(case), std::slice::from_ref(&purpose));
        Self {
            keys: LibraryKeys::Direct(keys),
            purpose,
            context: case.context(),
            ty: case.get("type").to_owned(),
        }
    }

    /// A subject vector's reader (FORMAT.md §15.6): its purpose keys, and a vault holding what the
    /// vector says, loaded through the `KeyVault` trait; its clock stopped at `now`.
    fn subject(case: &Case) -> Self {
        let purpose = case.subject_purpose();
        let keys = KeySet::from_keyring(&reader_keyring(case), std::slice::from_ref(&purpose));
        let vault = MemoryVault::new();
        VaultRow::of(case).load(&vault);
        let now = case.num::<u64>("now");
        let keyring = KeyringId::from_bytes(case.array("keyring_id"));
        let keys = SubjectKeys::new(vault, keys, keyring)
            .unwrap()
            .with_clock(move || SystemTime::UNIX_EPOCH + Duration::from_secs(now));
        Self {
            keys: LibraryKeys::Subject {
                keys: Box::new(keys),
                subject: case.hex("subject"),
            },
            purpose,
            context: case.context(),
            ty: case.get("type").to_owned(),
        }
    }

    /// Opens a text form, returning the payload re-encoded as FORMAT.md §8 bytes.
    fn open(&self, text: &str) -> Result<Vec<u8>, Error> {
        match self.ty.as_str() {
            "String" => self.open_as::<String>(text, |v| v.as_bytes().to_vec()),
            "Vec<u8>" => self.open_as::<Vec<u8>>(text, Clone::clone),
            "u16" => self.open_as::<u16>(text, |v| v.to_be_bytes().to_vec()),
            "u64" => self.open_as::<u64>(text, |v| v.to_be_bytes().to_vec()),
            "i64" => self.open_as::<i64>(text, |v| v.to_be_bytes().to_vec()),
            "bool" => self.open_as::<bool>(text, |v| vec![u8::from(*v)]),
            "Json" => self.open_as::<Json<Address>>(text, |v| serde_json::to_vec(&v.0).unwrap()),
            other => panic!("unknown type {other}"),
        }
    }

    fn open_as<T: Plaintext>(
        &self,
        text: &str,
        encode: impl Fn(&T) -> Vec<u8>,
    ) -> Result<Vec<u8>, Error> {
        let (record, field, id) = &self.context;
        let ctx = Context::new(record, field).with_id(id);
        let sealed = Sealed::<T, AnyPurposes>::from_text(text)?;
        match &self.keys {
            LibraryKeys::Direct(keys) => keys.open_dyn(&sealed, &self.purpose, &ctx),
            LibraryKeys::Subject { keys, subject } => {
                keys.open_dyn(&sealed, &self.purpose, &Subject::bytes(subject), &ctx)
            }
        }
        .map(|v| encode(&v))
    }
}

/// What a subject vector says its reader's vault holds for (subject, purpose) (FORMAT.md §15.6),
/// as the library stores it.
struct VaultRow {
    /// The live entry.
    key: StoredKey,
    /// The destruction before it: the generations before the live one are made and destroyed
    /// first, the last of them as this says (a new key after a destruction is the next
    /// generation, §15.3).
    destroyed: Option<(DestroyReason, u64)>,
    /// The entry's key version and wrap before it was rewrapped.
    rewrapped_from: Option<(u32, [u8; WRAPPED_LEN])>,
    /// When the subject was forgotten.
    erased: Option<u64>,
}

impl VaultRow {
    fn of(case: &Case) -> Self {
        let expires = case.num::<u64>("expires");
        let generation = case.num::<u32>("generation");
        let destroyed = case.destroyed().map(|(last, why, at)| {
            assert_eq!(last + 1, generation, "{}: the generation before", case.name);
            (why, at)
        });
        Self {
            key: StoredKey {
                subject: case.hex("subject"),
                purpose: case.get("purpose").to_owned(),
                generation,
                key_version: case.num("key_version"),
                created: case.num("created"),
                expires: (expires != 0).then_some(expires),
                wrapped: case.array("wrapped"),
            },
            destroyed,
            rewrapped_from: case
                .opt("rewrapped_from_version")
                .map(|v| (v.parse().unwrap(), case.array("rewrapped_from"))),
            erased: case.opt("erased").map(|at| at.parse().unwrap()),
        }
    }

    /// Loads the row into `vault` through the `KeyVault` trait, as a service's history would.
    fn load(&self, vault: &MemoryVault) {
        let key = &self.key;
        let created = |key: &StoredKey| {
            let outcome = vault.create(key, false, key.created).unwrap();
            assert!(matches!(outcome, Created::Inserted), "{outcome:?}");
        };
        for earlier in 1..key.generation {
            let (why, at) = self
                .destroyed
                .expect("a later generation says how the one before ended");
            let expired = why == DestroyReason::Expired;
            created(&StoredKey {
                generation: earlier,
                expires: expired.then_some(at),
                wrapped: [0; WRAPPED_LEN],
                ..key.clone()
            });
            if expired {
                assert_eq!(vault.expire(at, usize::MAX).unwrap().len(), 1);
            } else {
                let withdrawal = vault.withdraw(&key.subject, &key.purpose, at).unwrap();
                assert_eq!(withdrawal.destroyed, Some(earlier));
            }
        }
        match self.rewrapped_from {
            Some((key_version, wrapped)) => {
                let old = StoredKey {
                    key_version,
                    wrapped,
                    ..key.clone()
                };
                created(&old);
                assert!(vault.rewrap(&old, key).unwrap(), "rewrapped");
            }
            None => created(key),
        }
        if let Some(at) = self.erased {
            vault.forget(&key.subject, at).unwrap();
        }
    }
}

/// The `expect:` name of a library error, and for `malformed` its `malformed:` name (FORMAT.md
/// §12, §15.6).
fn fail_of(error: &Error) -> Fail {
    let expect = match error {
        Error::Malformed(malformed) => return Fail::malformed(malformed_name(malformed)),
        Error::CannotOpen { .. } => "cannot-open",
        Error::NotSealedFor { .. } => "not-sealed-for",
        Error::UnknownVersion { .. } => "unknown-version",
        Error::UnknownSuite { .. } => "unknown-suite",
        Error::UnknownMode { .. } => "unknown-mode",
        Error::WrongMode { .. } => "wrong-mode",
        Error::NoConsentCopy { .. } => "no-consent-copy",
        Error::ConsentWithdrawn { .. } => "consent-withdrawn",
        Error::RetentionExpired { .. } => "retention-expired",
        Error::SubjectErased { .. } => "subject-erased",
        Error::UnknownDataKey { .. } => "unknown-data-key",
        Error::Vault(VaultError::Corrupt { .. }) => "corrupt-entry",
        Error::UnknownPlaintextType { .. } => "unknown-type",
        Error::TypeMismatch { .. } => "type-mismatch",
        Error::EmptyContext { .. } | Error::ContextTooLong { .. } => "bad-context",
        Error::UnknownKeyVersion { .. } => "unknown-key-version",
        Error::RetiredKeyVersion { .. } => "retired-key-version",
        Error::PlaintextEncoding { .. } => "bad-plaintext",
        other => panic!("no vector expects {other:?}"),
    };
    Fail::is(expect)
}

fn malformed_name(malformed: &Malformed) -> &'static str {
    match malformed {
        Malformed::MissingPrefix { .. } => "missing-prefix",
        Malformed::BadBase64 => "bad-base64",
        Malformed::NoParts => "no-parts",
        Malformed::EmptyWithLength { .. } => "empty-with-length",
        Malformed::TooManyParts { .. } => "too-many-parts",
        Malformed::BadLength { .. } => "ct-len-above-limit",
        Malformed::PayloadLength { .. } => "payload-length",
        Malformed::Truncated { .. } => "truncated",
        Malformed::ZeroKeyVersion => "zero-key-version",
        Malformed::BadPurposeName { .. } => "bad-purpose-name",
        Malformed::DuplicatePurpose { .. } => "duplicate-purpose",
        Malformed::TrailingBytes { .. } => "trailing-bytes",
        other => panic!("no vector expects {other:?}"),
    }
}

/// The independent reader's keys for one vector and purpose: §4.1 from `root_key`, for every
/// version of `held_versions`.
fn independent_keys(case: &Case, purpose: &str) -> independent::Keys {
    independent::Keys::derive(
        &case.root(),
        purpose,
        &case.versions("held_versions"),
        &case.versions("retired_versions"),
    )
}

/// The independent reader of a subject vector: its purpose keys and what its vault holds
/// (FORMAT.md §15.6).
fn independent_subject_keys(case: &Case) -> independent::SubjectKeys {
    let destroyed = case.destroyed().map(|(generation, why, _)| {
        let expect = match why {
            DestroyReason::Withdrawn => "consent-withdrawn",
            _ => "retention-expired",
        };
        (generation, expect)
    });
    independent::SubjectKeys {
        purpose_keys: independent_keys(case, case.get("purpose")),
        needs_consent: case.consent(),
        keyring_id: case.array("keyring_id"),
        subject: case.hex("subject"),
        generation: case.num("generation"),
        key_version: case.num("key_version"),
        created: case.num("created"),
        expires: case.num("expires"),
        wrapped: case.array("wrapped"),
        destroyed,
        erased: case.opt("erased").is_some(),
        now: case.num("now"),
    }
}

fn independent_open(
    case: &Case,
    keys: &dyn independent::KeySource,
    text: &str,
) -> Result<Vec<u8>, Fail> {
    let (record, field, id) = case.context();
    independent::open(
        text,
        keys,
        (&record, &field, &id),
        type_byte(case.get("type")),
    )
    .map(|opened| opened.payload)
}

#[test]
fn vectors_open_with_the_library() {
    let cases = load_cases();
    assert!(cases.len() >= 60, "only {} vector files", cases.len());
    for case in &cases {
        let name = &case.name;
        let got = LibraryReader::new(case, case.get("purpose")).open(case.get("value"));
        let outcome = got.as_ref().map(Clone::clone).map_err(fail_of);
        assert_eq!(outcome, case.expected(), "{name}: {got:?}");
        // What the errors name (FORMAT.md §9): the purpose and its parts, the versions.
        match got {
            Err(Error::NotSealedFor {
                purpose,
                sealed_for,
            }) => {
                assert_eq!(purpose, case.get("purpose"), "{name}");
                assert!(!sealed_for.is_empty(), "{name}");
                assert!(!sealed_for.contains(&purpose), "{name}");
            }
            Err(Error::UnknownVersion { found, supported }) => {
                assert_eq!(supported, 1, "{name}");
                assert_ne!(found, 1, "{name}");
            }
            Err(Error::UnknownKeyVersion {
                purpose,
                version,
                held,
            }) => {
                assert_eq!(purpose, case.get("purpose"), "{name}");
                assert_eq!(version, case.root_version(), "{name}");
                assert_eq!(held, case.versions("held_versions"), "{name}");
            }
            Err(Error::RetiredKeyVersion { purpose, version }) => {
                assert_eq!(purpose, case.get("purpose"), "{name}");
                assert_eq!(version, case.root_version(), "{name}");
            }
            _ => {}
        }
        // §4.1: the purpose key and its check value, from a keyring of the root version alone.
        let keyring = keyring_at(case.suite(), case.root_version(), case.root());
        let key = keyring.dyn_purpose_key(&DynPurpose::new(case.get("purpose")).unwrap());
        let exported = key.dangerous_export_version(case.root_version()).unwrap();
        assert_eq!(hex::encode(*exported), case.get("purpose_key"), "{name}");
        let check = key.key_check(case.root_version()).unwrap();
        assert_eq!(
            hex::encode(check.to_bytes()),
            case.get("key_check"),
            "{name}"
        );
        if let Some(also) = case.opt("also_opens_as") {
            let got = LibraryReader::new(case, also).open(case.get("value"));
            assert_eq!(
                got.map_err(|e| fail_of(&e)),
                Ok(case.hex("also_plaintext")),
                "{name}: as {also}"
            );
        }
    }
}

#[test]
fn vectors_open_with_an_independent_reader() {
    let mut opened = 0;
    for case in load_cases() {
        let name = &case.name;
        let purpose = case.get("purpose");
        let keys = independent_keys(&case, purpose);
        let (record, field, id) = case.context();
        let result = independent::open(
            case.get("value"),
            &keys,
            (&record, &field, &id),
            type_byte(case.get("type")),
        );
        match (case.expected(), result) {
            (Ok(plaintext), Ok(got)) => {
                assert_eq!(hex::encode(got.payload), hex::encode(plaintext), "{name}");
                assert_eq!(hex::encode(got.key), case.get("purpose_key"), "{name}");
                assert_eq!(hex::encode(got.aead_key), case.get("aead_key"), "{name}");
                opened += 1;
            }
            (expected, got) => assert_eq!(got.map(|o| o.payload), expected, "{name}"),
        }
        // §4.1, for every vector.
        let pk = independent::purpose_key(&case.root(), purpose, case.root_version());
        assert_eq!(hex::encode(pk), case.get("purpose_key"), "{name}");
        let check = independent::key_check(&pk, purpose, case.root_version());
        assert_eq!(hex::encode(check), case.get("key_check"), "{name}");
        if let Some(also) = case.opt("also_opens_as") {
            let keys = independent_keys(&case, also);
            let got = independent_open(&case, &keys, case.get("value"));
            assert_eq!(got, Ok(case.hex("also_plaintext")), "{name}: as {also}");
        }
    }
    assert!(opened >= 12, "only {opened} positive vectors");
}

/// The first text block of the FORMAT.md section under `heading` (up to the next heading), its
/// continuation lines (`| more names`) joined to the line above.
fn format_block(heading: &str) -> Vec<String> {
    let format = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("FORMAT.md"))
        .expect("FORMAT.md");
    let section = format
        .split(&format!("\n{heading}"))
        .nth(1)
        .and_then(|s| s.split("\n#").next())
        .unwrap_or_else(|| panic!("FORMAT.md has no `{heading}`"));
    let block = section
        .split("```text\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .unwrap_or_else(|| panic!("`{heading}` opens with a text block"));
    let mut lines: Vec<String> = Vec::new();
    for line in block.lines() {
        match (line.trim_start().strip_prefix('|'), lines.last_mut()) {
            (Some(more), Some(last)) => {
                last.push_str(" |");
                last.push_str(more);
            }
            _ => lines.push(line.to_owned()),
        }
    }
    lines
}

/// The names a block lists for `key:` (`name | name | ...`).
fn listed(lines: &[String], key: &str) -> BTreeSet<String> {
    let line = lines
        .iter()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .unwrap_or_else(|| panic!("no `{key}:` names listed"));
    line.split('|').map(|n| n.trim().to_owned()).collect()
}

/// Every `expect:` and `malformed:` name a section lists is some vector's outcome, no vector uses
/// a name it does not list, and every line of the vectors is in its block.
fn check_documented(heading: &str, cases: &[Case], names: &[&str]) {
    let lines = format_block(heading);
    for key in names {
        let used: BTreeSet<String> = cases
            .iter()
            .filter_map(|c| c.opt(key).map(str::to_owned))
            .collect();
        assert_eq!(
            used,
            listed(&lines, key),
            "`{key}:` names used by the vectors and listed in `{heading}`"
        );
    }
    let block = lines.join("\n");
    for case in cases {
        assert_eq!(
            case.opt("malformed").is_some(),
            case.get("expect") == "malformed",
            "{}: a `malformed:` line goes with expect: malformed, and only there",
            case.name
        );
        for key in case.fields.keys() {
            assert!(
                block.contains(&format!("{key}:")),
                "{}: `{key}:` is not described in `{heading}`",
                case.name
            );
        }
    }
}

/// FORMAT.md §12 lists every `expect:` and `malformed:` name; each must be some vector's outcome,
/// and no vector may use a name the document does not list.
#[test]
fn the_vectors_cover_every_outcome_format_md_lists() {
    check_documented("## 12. ", &load_cases(), &["expect", "malformed"]);
}

/// FORMAT.md §15.6 likewise for the subject-mode vectors.
#[test]
fn the_subject_vectors_cover_every_outcome_format_md_lists() {
    check_documented("### 15.6 ", &load_subject_cases(), &["expect"]);
}

/// FORMAT.md §9 fixes which fault a reader reports first; the library and the independent reader
/// must report the same for every truncation and every single-bit flip of every vector (of its
/// binary form, and truncations of its text form), opened as the vector's purposes.
#[test]
fn the_readers_agree_on_every_truncation_and_bit_flip_of_every_vector() {
    let mut checked = 0usize;
    let mut outcomes = BTreeSet::new();
    for case in load_cases() {
        let mut purposes = vec![case.get("purpose")];
        purposes.extend(case.opt("also_opens_as"));
        for purpose in purposes {
            let library = LibraryReader::new(&case, purpose);
            let keys = independent_keys(&case, purpose);
            for_each_mutation(case.get("value"), |mutated| {
                let ours = library.open(mutated).map_err(|e| fail_of(&e));
                let theirs = independent_open(&case, &keys, mutated);
                assert_eq!(ours, theirs, "{} as {purpose}: {mutated}", case.name);
                outcomes.insert(ours.err());
                checked += 1;
            });
        }
    }
    assert!(checked > 10_000, "only {checked} values checked");
    // The mutations reach most of §9, not only its first steps.
    for expect in [
        "unknown-version",
        "unknown-suite",
        "unknown-mode",
        "unknown-type",
        "type-mismatch",
        "wrong-mode",
        "not-sealed-for",
        "unknown-key-version",
        "cannot-open",
    ] {
        assert!(
            outcomes.iter().flatten().any(|f| f.expect == expect),
            "no mutation gave {expect}"
        );
    }
}

/// Calls `f` on every truncation of `value` (a text form), and on every truncation, every
/// single-bit flip and one extension by a byte of its binary form.
fn for_each_mutation(value: &str, mut f: impl FnMut(&str)) {
    for end in 0..value.len() {
        f(&value[..end]);
    }
    let Some(bytes) = binary(value) else { return };
    for end in 0..bytes.len() {
        f(&text(&bytes[..end]));
    }
    for bit in 0..bytes.len() * 8 {
        let mut flipped = bytes.clone();
        flipped[bit / 8] ^= 1 << (bit % 8);
        f(&text(&flipped));
    }
    f(&text(&[&bytes[..], &[0]].concat()));
}

/// The key version (or generation) of `purpose`'s part of a well-formed value.
fn part_key_version(value: &str, purpose: &str) -> Option<u32> {
    let bytes = binary(value)?;
    let (_, epoch_len) = independent::lengths(bytes[1]);
    let ct_len = u32::from_be_bytes(bytes[5..9].try_into().unwrap()) as usize;
    let mut at = 9 + independent::lengths(bytes[1]).0;
    for _ in 0..bytes[4] {
        let name_len = usize::from(bytes[at]);
        let name = &bytes[at + 1..at + 1 + name_len];
        let version = u32::from_be_bytes(bytes[at + 1 + name_len..][..4].try_into().unwrap());
        if name == purpose.as_bytes() {
            return Some(version);
        }
        at += 1 + name_len + 4 + epoch_len + ct_len + 16;
    }
    None
}

/// FORMAT.md §15.6: the subject-mode vectors, opened by the library: its purpose keys, and the
/// vector's vault entry stored in a `MemoryVault` through the `KeyVault` trait.
#[test]
fn subject_vectors_open_with_the_library() {
    let cases = load_subject_cases();
    assert!(
        cases.len() >= 20,
        "only {} subject vector files",
        cases.len()
    );
    for case in &cases {
        let name = &case.name;
        let purpose = case.get("purpose");
        let got = LibraryReader::subject(case).open(case.get("value"));
        let outcome = got.as_ref().map(Clone::clone).map_err(fail_of);
        assert_eq!(outcome, case.expected(), "{name}: {got:?}");
        // What the errors name (FORMAT.md §15.1): the purpose, the generation, the times.
        let destroyed_at = case.destroyed().map(|(_, _, at)| at);
        match got {
            Err(Error::NotSealedFor {
                purpose: named,
                sealed_for,
            }) => {
                assert_eq!(named, purpose, "{name}");
                assert!(!sealed_for.contains(&named), "{name}");
            }
            Err(Error::NoConsentCopy { purpose: named }) => assert_eq!(named, purpose, "{name}"),
            Err(Error::ConsentWithdrawn { purpose: named, at }) => {
                assert_eq!(
                    (named.as_str(), Some(at)),
                    (purpose, destroyed_at),
                    "{name}"
                );
            }
            Err(Error::RetentionExpired { purpose: named, at }) => {
                assert_eq!(named, purpose, "{name}");
                let expires = case.num::<u64>("expires");
                assert!(Some(at) == destroyed_at || at == expires, "{name}: {at}");
            }
            Err(Error::SubjectErased { at }) => {
                assert_eq!(at, case.num::<u64>("erased"), "{name}");
            }
            Err(Error::UnknownDataKey {
                purpose: named,
                generation,
            }) => {
                assert_eq!(named, purpose, "{name}");
                let part = part_key_version(case.get("value"), purpose);
                assert_eq!(Some(generation), part, "{name}");
            }
            Err(Error::UnknownKeyVersion {
                purpose: named,
                version,
                held,
            }) => {
                assert_eq!(named, purpose, "{name}");
                assert_eq!(version, case.num::<u32>("key_version"), "{name}");
                assert_eq!(held, case.versions("held_versions"), "{name}");
            }
            Err(Error::RetiredKeyVersion {
                purpose: named,
                version,
            }) => {
                assert_eq!(named, purpose, "{name}");
                assert_eq!(version, case.num::<u32>("key_version"), "{name}");
            }
            _ => {}
        }
        // §4.1: the purpose key of the entry's key version.
        let key_version = case.num::<u32>("key_version");
        let keyring = keyring_at(case.suite(), key_version, case.root());
        let key = keyring.dyn_purpose_key(&DynPurpose::new(purpose).unwrap());
        let exported = key.dangerous_export_version(key_version).unwrap();
        assert_eq!(hex::encode(*exported), case.get("purpose_key"), "{name}");
    }
}

/// FORMAT.md §15.6: a subject vector's entry, checked from §15.2 alone: the key-encryption key,
/// the associated data and the wrap, derived from the vector's fields; the wrap before a rewrap;
/// and, for a value of another subject, that it opens for that subject.
fn check_subject_entry(case: &Case) {
    let name = &case.name;
    let purpose = case.get("purpose");
    let (subject, key_version) = (case.hex("subject"), case.num::<u32>("key_version"));
    let dek: [u8; 32] = case.array("dek");
    let pk = independent::purpose_key(&case.root(), purpose, key_version);
    assert_eq!(hex::encode(pk), case.get("purpose_key"), "{name}");
    let kek = independent::kek(&pk);
    assert_eq!(hex::encode(kek), case.get("kek"), "{name}");
    let entry = independent::Entry {
        keyring_id: case.array("keyring_id"),
        subject: &subject,
        purpose,
        generation: case.num("generation"),
        key_version,
        created: case.num("created"),
        expires: case.num("expires"),
    };
    let aad = independent::entry_aad(&entry);
    assert_eq!(hex::encode(&aad), case.get("entry_aad"), "{name}");
    // `wrapped` is the wrap of `dek`, with its own wnonce: for another keyring's id, or with a
    // bit flipped, where the vector says so.
    let wrapped: [u8; 60] = case.array("wrapped");
    let wnonce = wrapped[..12].try_into().unwrap();
    let wrapped_for = match case.opt("wrapped_keyring_id") {
        Some(_) => independent::entry_aad(&independent::Entry {
            keyring_id: case.array("wrapped_keyring_id"),
            ..entry
        }),
        None => aad.clone(),
    };
    let mut expected = independent::wrap(&kek, wnonce, &dek, &wrapped_for);
    if let Some(bit) = case.opt("wrapped_bit_flipped") {
        let bit: usize = bit.parse().unwrap();
        expected[bit / 8] ^= 1 << (bit % 8);
    }
    assert_eq!(
        hex::encode(expected),
        hex::encode(wrapped),
        "{name}: the wrap"
    );
    let tampered =
        case.opt("wrapped_keyring_id").is_some() || case.opt("wrapped_bit_flipped").is_some();
    let unwrapped = independent::unwrap(&kek, &wrapped, &aad);
    assert_eq!(
        unwrapped.is_none(),
        tampered,
        "{name}: unwraps unless tampered"
    );
    // A rewrapped entry: the wrap before, under its own key version, holds the same key.
    if let Some(from) = case.opt("rewrapped_from_version") {
        let from: u32 = from.parse().unwrap();
        let before: [u8; 60] = case.array("rewrapped_from");
        let pk = independent::purpose_key(&case.root(), purpose, from);
        let aad = independent::entry_aad(&independent::Entry {
            key_version: from,
            ..entry
        });
        assert_ne!(
            before[..12],
            wrapped[..12],
            "{name}: a rewrap draws a new wnonce"
        );
        let unwrapped = independent::unwrap(&independent::kek(&pk), &before, &aad);
        assert_eq!(unwrapped, Some(dek), "{name}: the same data key");
    }
    // The value opens for the subject it was sealed for, under that subject's data key.
    if let Some(sealed_subject) = case.opt("sealed_subject") {
        let sealed_subject = hex::decode(sealed_subject).unwrap();
        let sealed_dek: [u8; 32] = case.array("sealed_dek");
        assert_ne!(sealed_subject, subject, "{name}");
        let mut keys = independent_subject_keys(case);
        let aad = independent::entry_aad(&independent::Entry {
            subject: &sealed_subject,
            ..entry
        });
        keys.wrapped = independent::wrap(&kek, wnonce, &sealed_dek, &aad);
        keys.subject = sealed_subject;
        let got = independent_open(case, &keys, case.get("value"));
        assert_eq!(
            got,
            Ok(case.hex("plaintext")),
            "{name}: for its own subject"
        );
    }
}

/// FORMAT.md §15.6: the subject-mode vectors, checked and opened by a reader written from §15
/// alone: the entry as [`check_subject_entry`] does, then the value per §9 and §15.1.
#[test]
fn subject_vectors_open_with_an_independent_reader() {
    let mut opened = 0;
    for case in load_subject_cases() {
        let name = &case.name;
        check_subject_entry(&case);
        let keys = independent_subject_keys(&case);
        let (record, field, id) = case.context();
        let result = independent::open(
            case.get("value"),
            &keys,
            (&record, &field, &id),
            type_byte(case.get("type")),
        );
        match (case.expected(), result) {
            (Ok(plaintext), Ok(got)) => {
                assert_eq!(hex::encode(got.payload), hex::encode(plaintext), "{name}");
                assert_eq!(hex::encode(got.key), case.get("dek"), "{name}");
                assert_eq!(hex::encode(got.aead_key), case.get("aead_key"), "{name}");
                opened += 1;
            }
            (expected, got) => assert_eq!(got.map(|o| o.payload), expected, "{name}"),
        }
    }
    assert!(opened >= 6, "only {opened} positive subject vectors");
}

/// The agreement of §9 for subject-mode readers: the library (its vault loaded as the vector says)
/// and the independent reader report the same for every truncation and single-bit flip of every
/// subject vector.
#[test]
fn the_readers_agree_on_every_truncation_and_bit_flip_of_every_subject_vector() {
    let mut checked = 0usize;
    let mut outcomes = BTreeSet::new();
    for case in load_subject_cases() {
        let library = LibraryReader::subject(&case);
        let keys = independent_subject_keys(&case);
        for_each_mutation(case.get("value"), |mutated| {
            let ours = library.open(mutated).map_err(|e| fail_of(&e));
            let theirs = independent_open(&case, &keys, mutated);
            assert_eq!(ours, theirs, "{}: {mutated}", case.name);
            outcomes.insert(ours.err());
            checked += 1;
        });
    }
    assert!(checked > 10_000, "only {checked} values checked");
    for expect in [
        "unknown-mode",
        "type-mismatch",
        "not-sealed-for",
        "no-consent-copy",
        "unknown-data-key",
        "cannot-open",
    ] {
        assert!(
            outcomes.iter().flatten().any(|f| f.expect == expect),
            "no mutation gave {expect}"
        );
    }
    assert!(
        outcomes
            .iter()
            .flatten()
            .any(|f| f.malformed == Some("empty-with-length")),
        "no mutation gave a value without copies with a length"
    );
}

/// A finding for the lead, FORMAT.md §9 against `SubjectKeys::open_dyn`: a subject-mode reader
/// checks the context (step 5) and the value's mode (step 6) before it looks for the part (step 6)
/// and takes the data key from the vault (step 7). The library looks the part and the key up
/// first, so a value with a fault of step 5 or a direct-mode value gets the error of a later step,
/// and a vault round trip. Each case below is a subject vector with one more fault; the
/// independent reader gives §9's outcome, and so must the library.
#[test]
fn subject_readers_check_the_context_and_the_mode_before_the_vault() {
    let cases = load_subject_cases();
    let find = |name: &str| {
        cases
            .iter()
            .find(|c| c.name.ends_with(&format!("-{name}.txt")))
            .unwrap_or_else(|| panic!("no subject vector {name}"))
    };
    let with = |case: &Case, key: &str, value: String| {
        let mut fields = case.fields.clone();
        fields.insert(key.to_owned(), value);
        Case {
            name: format!("{} with {key} changed", case.name),
            fields,
        }
    };
    // A direct-mode value of the case's plaintext and context, sealed under purpose keys.
    let direct = |case: &Case, version: u32, purpose: &str| {
        let keyring = keyring_at(case.suite(), version, case.root());
        let purposes = [DynPurpose::new(purpose).unwrap()];
        let keys = KeySet::from_keyring(&keyring, &purposes);
        let (record, field, id) = case.context();
        let plaintext = String::from_utf8(case.hex("plaintext")).unwrap();
        seal(
            &keys,
            &purposes,
            &plaintext,
            &Context::new(&record, &field).with_id(&id),
        )
    };
    let first = find("aes-integer-subject");
    let variants = [
        // Step 6: the mode, before the part's generation is taken to the vault.
        (
            with(first, "value", direct(first, 2, "fulfillment")),
            "wrong-mode",
        ),
        // Step 6: the mode, before the part is looked for.
        (
            with(first, "value", direct(first, 1, "marketing")),
            "wrong-mode",
        ),
        // Step 5 before steps 6 and 7.
        (
            with(find("consent-withdrawn"), "field", String::new()),
            "bad-context",
        ),
        (
            with(find("unknown-data-key"), "field", String::new()),
            "bad-context",
        ),
        (
            with(find("two-purposes-no-consent-copy"), "field", String::new()),
            "bad-context",
        ),
    ];
    let mut differ = Vec::new();
    for (case, expect) in &variants {
        let theirs = independent_open(case, &independent_subject_keys(case), case.get("value"));
        assert_eq!(theirs, Err(Fail::is(expect)), "{}: §9", case.name);
        let ours = LibraryReader::subject(case).open(case.get("value"));
        if ours.as_ref().map_err(fail_of) != Err(Fail::is(expect)) {
            differ.push(format!(
                "{}: §9 gives {expect}, the library {ours:?}",
                case.name
            ));
        }
    }
    assert!(differ.is_empty(), "{differ:#?}");
}

/// Every plaintext type and both suites, sealed by the library with fresh random nonces and opened
/// by the independent reader: the vectors fix a few values, this checks many.
#[test]
fn values_the_library_seals_open_with_the_independent_reader() {
    let root: [u8; 32] = core::array::from_fn(|i| (i * 7) as u8);
    let address = Address {
        street: "1 Bill Street".into(),
        city: "Leeds".into(),
        postcode: "LS1 1AA".into(),
        country: "GB".into(),
    };
    for suite in [Suite::Aes256Gcm, Suite::XChaCha20Poly1305] {
        let keyring = keyring_at(suite, 1, root);
        let purposes: Vec<DynPurpose> = ["fulfillment", "marketing", "third-party:acme"]
            .iter()
            .map(|p| DynPurpose::new(p).unwrap())
            .collect();
        let keys = KeySet::from_keyring(&keyring, &purposes);
        let id = 7u64;
        let ctx = Context::new("Customer", "billing.street").with_id_int(id);
        let spec_ctx = (
            "Customer",
            "billing.street",
            &u128::from(id).to_be_bytes()[..],
        );
        let cases: Vec<(u8, String, Vec<u8>)> = vec![
            (
                0x01,
                seal(&keys, &purposes, &"ünïcode".to_owned(), &ctx),
                "ünïcode".as_bytes().to_vec(),
            ),
            (
                0x02,
                seal(&keys, &purposes, &vec![0u8, 255], &ctx),
                vec![0, 255],
            ),
            (0x03, seal(&keys, &purposes, &false, &ctx), vec![0]),
            (0x04, seal(&keys, &purposes, &9u8, &ctx), vec![9]),
            (
                0x08,
                seal(&keys, &purposes, &u128::MAX, &ctx),
                vec![0xff; 16],
            ),
            (
                0x0b,
                seal(&keys, &purposes, &-2i32, &ctx),
                (-2i32).to_be_bytes().to_vec(),
            ),
            (
                0x10,
                seal(&keys, &purposes, &Json(address.clone()), &ctx),
                serde_json::to_vec(&address).unwrap(),
            ),
        ];
        for (type_byte, text, payload) in cases {
            for purpose in &purposes {
                let keys = independent::Keys::derive(&root, purpose.name(), &[1], &[]);
                let opened = independent::open(&text, &keys, spec_ctx, type_byte)
                    .unwrap_or_else(|e| panic!("{suite:?} {type_byte:#04x} {purpose}: {e:?}"));
                assert_eq!(opened.payload, payload);
            }
        }
    }
}

/// Every shape a sealer lays out, read back by the independent reader: both suites, one to eight
/// parts, purpose names of 1 to 64 bytes, and plaintexts across every provider's size thresholds
/// (RustCrypto switches AES-GCM implementation at 256 bytes and XChaCha20-Poly1305 at 512). The
/// seal path appends the header and each part in order and has each part's tag written in place
/// (src/format/value.rs, src/provider/): any slip in a length or an offset fails here.
#[test]
fn every_part_count_name_length_and_size_opens_with_the_independent_reader() {
    let root: [u8; 32] = core::array::from_fn(|i| (i * 5 + 1) as u8);
    let names: Vec<String> = (0..8)
        .map(|i| match i {
            0 => "a".to_owned(),
            1 => "b".repeat(64),
            n => format!("p{n}-{}", "x".repeat(n * 7)),
        })
        .collect();
    for suite in [Suite::Aes256Gcm, Suite::XChaCha20Poly1305] {
        let keyring = keyring_at(suite, 1, root);
        let ctx = Context::new("Customer", "billing.street").with_id_int(7);
        let spec_ctx = (
            "Customer",
            "billing.street",
            &u128::from(7u64).to_be_bytes()[..],
        );
        for count in 1..=8 {
            let purposes: Vec<DynPurpose> = names[..count]
                .iter()
                .map(|p| DynPurpose::new(p).unwrap())
                .collect();
            let keys = KeySet::from_keyring(&keyring, &purposes);
            for len in [0usize, 1, 15, 16, 17, 255, 256, 511, 512, 600, 4099] {
                let payload: Vec<u8> = (0..len).map(|i| (i * 31 + count) as u8).collect();
                let text = seal(&keys, &purposes, &payload, &ctx);
                for purpose in &purposes {
                    let k = independent::Keys::derive(&root, purpose.name(), &[1], &[]);
                    let opened = independent::open(&text, &k, spec_ctx, 0x02)
                        .unwrap_or_else(|e| panic!("{suite:?} {count} {len} {purpose}: {e:?}"));
                    assert_eq!(opened.payload, payload);
                }
            }
        }
    }
}

/// A keyring of `suite` whose only root key, at `version`, is `root`, created at the epoch.
fn keyring_at(suite: Suite, version: u32, root: [u8; 32]) -> Keyring {
    Keyring::with_root(
        suite,
        version,
        SecretKey::from_bytes(Zeroizing::new(root)),
        SystemTime::UNIX_EPOCH,
    )
    .unwrap()
}

fn seal<T: Plaintext>(
    keys: &KeySet,
    purposes: &[DynPurpose],
    value: &T,
    ctx: &Context<'_>,
) -> String {
    keys.seal_dyn::<T>(purposes, value, ctx).unwrap().to_text()
}

/// The independent reader and writer: FORMAT.md §2-§9 over the raw primitives, sharing no code
/// with fieldseal.
mod independent {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use hkdf::Hkdf;
    use sha2::Sha256;

    /// Why a value did not open: the `expect:` name of §12, and for `malformed` the `malformed:`
    /// name.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
    pub(crate) struct Fail {
        pub(crate) expect: &'static str,
        pub(crate) malformed: Option<&'static str>,
    }

    impl Fail {
        pub(crate) const fn is(expect: &'static str) -> Self {
            Self {
                expect,
                malformed: None,
            }
        }

        pub(crate) const fn malformed(why: &'static str) -> Self {
            Self {
                expect: "malformed",
                malformed: Some(why),
            }
        }
    }

    pub(crate) struct Opened {
        /// The key step 7 took: the purpose key `PK` (direct mode) or the data key (subject mode).
        pub(crate) key: [u8; 32],
        pub(crate) aead_key: [u8; 32],
        pub(crate) payload: Vec<u8>,
    }

    /// What a reader holds to open values as one purpose, and how §9 uses it: the mode of its keys
    /// (step 6), what it supplies besides the context (step 5), and how it finds a part's key
    /// (step 7).
    pub(crate) trait KeySource {
        /// The purpose the reader opens as.
        fn purpose(&self) -> &str;

        /// The key mode of the reader's keys: `0x01` purpose keys, `0x02` subjects' data keys.
        fn mode(&self) -> u8;

        /// Step 5, after the context's limits: what the reader supplies besides (§15.1: the
        /// subject's id).
        fn check(&self) -> Result<(), Fail> {
            Ok(())
        }

        /// Step 6: the value (of the reader's mode) holds no part for the purpose.
        fn no_part(&self) -> Fail {
            Fail::is("not-sealed-for")
        }

        /// Step 7: the key of a part's `key_version`.
        fn key(&self, key_version: u32) -> Result<[u8; 32], Fail>;
    }

    /// What a direct-mode reader holds for one purpose: `PK` (§4.1) by key version, and the
    /// numbers of the versions whose key was destroyed.
    pub(crate) struct Keys {
        purpose: String,
        held: Vec<(u32, [u8; 32])>,
        retired: Vec<u32>,
    }

    impl KeySource for Keys {
        fn purpose(&self) -> &str {
            &self.purpose
        }

        fn mode(&self) -> u8 {
            1
        }

        /// §9 step 7, direct mode.
        fn key(&self, key_version: u32) -> Result<[u8; 32], Fail> {
            match self.held.iter().find(|(v, _)| *v == key_version) {
                Some((_, pk)) => Ok(*pk),
                None if self.retired.contains(&key_version) => Err(Fail::is("retired-key-version")),
                None => Err(Fail::is("unknown-key-version")),
            }
        }
    }

    impl Keys {
        /// The purpose keys of `purpose` at each of `held`, all from the root key `root`.
        pub(crate) fn derive(root: &[u8], purpose: &str, held: &[u32], retired: &[u32]) -> Self {
            Self {
                purpose: purpose.to_owned(),
                held: held
                    .iter()
                    .map(|&v| (v, purpose_key(root, purpose, v)))
                    .collect(),
                retired: retired.to_vec(),
            }
        }
    }

    fn lp(x: &[u8]) -> Vec<u8> {
        let mut out = u32::try_from(x.len()).unwrap().to_be_bytes().to_vec();
        out.extend_from_slice(x);
        out
    }

    fn lp16(x: &[u8]) -> Vec<u8> {
        let mut out = u16::try_from(x.len()).unwrap().to_be_bytes().to_vec();
        out.extend_from_slice(x);
        out
    }

    /// §4.1: the purpose key.
    pub(crate) fn purpose_key(root: &[u8], name: &str, version: u32) -> [u8; 32] {
        let mut info = b"fieldseal/v1/purpose".to_vec();
        info.extend(lp(name.as_bytes()));
        info.extend(version.to_be_bytes());
        let mut pk = [0u8; 32];
        Hkdf::<Sha256>::new(Some(b"fieldseal/v1/root"), root)
            .expand(&info, &mut pk)
            .unwrap();
        pk
    }

    /// §4.1: the key check value of a purpose key.
    pub(crate) fn key_check(pk: &[u8; 32], name: &str, version: u32) -> [u8; 16] {
        let mut info = b"fieldseal/v1/key-check".to_vec();
        info.extend(lp(name.as_bytes()));
        info.extend(version.to_be_bytes());
        let mut out = [0u8; 16];
        Hkdf::<Sha256>::from_prk(pk)
            .unwrap()
            .expand(&info, &mut out)
            .unwrap();
        out
    }

    fn expand(prk: &[u8; 32], info: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        Hkdf::<Sha256>::from_prk(prk)
            .unwrap()
            .expand(info, &mut out)
            .unwrap();
        out
    }

    /// §15.2: the key that wraps subjects' data keys under the purpose key `pk`.
    pub(crate) fn kek(pk: &[u8; 32]) -> [u8; 32] {
        expand(pk, b"fieldseal/v1/vault-wrap")
    }

    /// A vault entry's fields but its wrapped bytes (§15.2), and the keyring they are bound to.
    #[derive(Clone, Copy)]
    pub(crate) struct Entry<'a> {
        pub(crate) keyring_id: [u8; 16],
        pub(crate) subject: &'a [u8],
        pub(crate) purpose: &'a str,
        pub(crate) generation: u32,
        pub(crate) key_version: u32,
        pub(crate) created: u64,
        /// 0: no retention period.
        pub(crate) expires: u64,
    }

    /// §15.2: what an entry's wrap is bound to.
    pub(crate) fn entry_aad(entry: &Entry<'_>) -> Vec<u8> {
        let mut aad = b"fieldseal/v1/vault-entry".to_vec();
        aad.extend(entry.keyring_id);
        aad.extend(lp(entry.subject));
        aad.extend(lp(entry.purpose.as_bytes()));
        aad.extend(entry.generation.to_be_bytes());
        aad.extend(entry.key_version.to_be_bytes());
        aad.extend(entry.created.to_be_bytes());
        aad.extend(entry.expires.to_be_bytes());
        aad
    }

    /// §15.2: `wnonce || AES-256-GCM(KEK, wnonce, DEK, entry_aad)`.
    pub(crate) fn wrap(kek: &[u8; 32], wnonce: [u8; 12], dek: &[u8; 32], aad: &[u8]) -> [u8; 60] {
        let sealed = aes_gcm::Aes256Gcm::new_from_slice(kek)
            .unwrap()
            .encrypt(
                aes_gcm::Nonce::from_slice(&wnonce),
                Payload { msg: dek, aad },
            )
            .unwrap();
        let mut out = [0u8; 60];
        out[..12].copy_from_slice(&wnonce);
        out[12..].copy_from_slice(&sealed);
        out
    }

    /// §15.2: the data key in `wrapped`, `None` when it does not unwrap.
    pub(crate) fn unwrap(kek: &[u8; 32], wrapped: &[u8; 60], aad: &[u8]) -> Option<[u8; 32]> {
        aes_gcm::Aes256Gcm::new_from_slice(kek)
            .unwrap()
            .decrypt(
                aes_gcm::Nonce::from_slice(&wrapped[..12]),
                Payload {
                    msg: &wrapped[12..],
                    aad,
                },
            )
            .ok()?
            .try_into()
            .ok()
    }

    /// What a subject-mode reader holds to open one subject's values as one purpose (§15): the
    /// purpose keys of its keyring, and what the vault holds for (subject, purpose): the live
    /// entry, the latest destruction before it, whether the subject was forgotten.
    pub(crate) struct SubjectKeys {
        pub(crate) purpose_keys: Keys,
        /// Whether the purpose needs the subject's consent (§15.4).
        pub(crate) needs_consent: bool,
        pub(crate) keyring_id: [u8; 16],
        pub(crate) subject: Vec<u8>,
        pub(crate) generation: u32,
        pub(crate) key_version: u32,
        pub(crate) created: u64,
        pub(crate) expires: u64,
        pub(crate) wrapped: [u8; 60],
        /// The generation last destroyed, and the `expect:` name of why.
        pub(crate) destroyed: Option<(u32, &'static str)>,
        pub(crate) erased: bool,
        /// The reader's clock, in seconds since the Unix epoch.
        pub(crate) now: u64,
    }

    impl KeySource for SubjectKeys {
        fn purpose(&self) -> &str {
            &self.purpose_keys.purpose
        }

        fn mode(&self) -> u8 {
            2
        }

        /// §15.1: the subject's id is 1 to 256 bytes; §15.6 checks it with the context.
        fn check(&self) -> Result<(), Fail> {
            if (1..=256).contains(&self.subject.len()) {
                Ok(())
            } else {
                Err(Fail::is("bad-context"))
            }
        }

        /// §9 step 6 in subject mode: a missing copy of a purpose that needs consent asks the
        /// vault whether the subject was forgotten, and a forgotten subject wins (§15.1).
        fn no_part(&self) -> Fail {
            if self.needs_consent && self.erased {
                Fail::is("subject-erased")
            } else if self.needs_consent {
                Fail::is("no-consent-copy")
            } else {
                Fail::is("not-sealed-for")
            }
        }

        /// §15.1's step 7, in the order §15.6 gives: a forgotten subject; the live entry,
        /// unwrapped (its purpose key version held, then the unwrap), since only the unwrap
        /// authenticates its fields; then the part's generation against the entry's, and the
        /// entry's retention period.
        fn key(&self, generation: u32) -> Result<[u8; 32], Fail> {
            if self.erased {
                return Err(Fail::is("subject-erased"));
            }
            let pk = self.purpose_keys.key(self.key_version)?;
            let aad = entry_aad(&Entry {
                keyring_id: self.keyring_id,
                subject: &self.subject,
                purpose: &self.purpose_keys.purpose,
                generation: self.generation,
                key_version: self.key_version,
                created: self.created,
                expires: self.expires,
            });
            let dek = unwrap(&kek(&pk), &self.wrapped, &aad).ok_or(Fail::is("corrupt-entry"))?;
            match generation.cmp(&self.generation) {
                std::cmp::Ordering::Equal if self.expires != 0 && self.now >= self.expires => {
                    Err(Fail::is("retention-expired"))
                }
                std::cmp::Ordering::Equal => Ok(dek),
                std::cmp::Ordering::Less => match self.destroyed {
                    Some((last, why)) if generation <= last => Err(Fail::is(why)),
                    _ => Err(Fail::is("unknown-data-key")),
                },
                std::cmp::Ordering::Greater => Err(Fail::is("unknown-data-key")),
            }
        }
    }

    /// §4.2 / §4.3: the AEAD key of a part.
    fn aead_key(suite: u8, pk: &[u8; 32], epoch: &[u8]) -> [u8; 32] {
        if suite == 1 {
            let mut info = b"fieldseal/v1/aes-256-gcm/epoch".to_vec();
            info.extend_from_slice(epoch);
            expand(pk, &info)
        } else {
            expand(pk, b"fieldseal/v1/xchacha20-poly1305")
        }
    }

    /// §6.
    fn aad(
        head: [u8; 4],
        purpose: &[u8],
        key_version: u32,
        (record, field, id): (&str, &str, &[u8]),
    ) -> Vec<u8> {
        let mut aad = head.to_vec();
        aad.extend(lp16(purpose));
        aad.extend(key_version.to_be_bytes());
        aad.extend(lp16(record.as_bytes()));
        aad.extend(lp16(field.as_bytes()));
        aad.extend(lp16(id));
        aad
    }

    /// §3: value nonce and part epoch lengths.
    pub(crate) fn lengths(suite: u8) -> (usize, usize) {
        if suite == 1 { (12, 8) } else { (24, 0) }
    }

    /// §8: the payload width of a fixed-width type.
    fn fixed_width(ty: u8) -> Option<usize> {
        match ty {
            0x03 | 0x04 | 0x09 => Some(1),
            0x05 | 0x0a => Some(2),
            0x06 | 0x0b => Some(4),
            0x07 | 0x0c => Some(8),
            0x08 | 0x0d => Some(16),
            _ => None,
        }
    }

    /// §4.1.
    fn valid_purpose(name: &[u8]) -> bool {
        (1..=64).contains(&name.len())
            && name
                .iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-' || *c == b':')
    }

    /// §5: the AEAD, `None` when it does not authenticate.
    fn decrypt(
        suite: u8,
        key: &[u8; 32],
        nonce: &[u8],
        sealed: &[u8],
        aad: &[u8],
    ) -> Option<Vec<u8>> {
        let payload = Payload { msg: sealed, aad };
        if suite == 1 {
            aes_gcm::Aes256Gcm::new_from_slice(key)
                .unwrap()
                .decrypt(aes_gcm::Nonce::from_slice(nonce), payload)
        } else {
            chacha20poly1305::XChaCha20Poly1305::new_from_slice(key)
                .unwrap()
                .decrypt(chacha20poly1305::XNonce::from_slice(nonce), payload)
        }
        .ok()
    }

    /// §8: whether a payload decodes as its type.
    fn decodes(ty: u8, plaintext: &[u8]) -> bool {
        match ty {
            0x01 => std::str::from_utf8(plaintext).is_ok(),
            0x03 => plaintext == [0] || plaintext == [1],
            // The vectors' `Json` is an address (§12).
            0x10 => serde_json::from_slice::<super::Address>(plaintext).is_ok(),
            _ => true,
        }
    }

    /// §9 step 2 reads the value field by field; a field running past the end is truncated.
    struct Cursor<'a> {
        bytes: &'a [u8],
        at: usize,
    }

    impl<'a> Cursor<'a> {
        fn take(&mut self, n: usize) -> Result<&'a [u8], Fail> {
            let out = self.bytes[self.at..]
                .get(..n)
                .ok_or(Fail::malformed("truncated"))?;
            self.at += n;
            Ok(out)
        }

        fn byte(&mut self) -> Result<u8, Fail> {
            Ok(self.take(1)?[0])
        }

        fn u32(&mut self) -> Result<u32, Fail> {
            Ok(u32::from_be_bytes(self.take(4)?.try_into().unwrap()))
        }
    }

    /// §9, steps 1 to 10 (4 does not apply: this reader takes any set of purposes), opening
    /// `text` as `keys`' purpose; errors are the names of §12 and §15.6.
    pub(crate) fn open(
        text: &str,
        keys: &dyn KeySource,
        ctx: (&str, &str, &[u8]),
        expected_type: u8,
    ) -> Result<Opened, Fail> {
        // 1. The prefix, then unpadded base64url: the engine refuses `=`, characters outside the
        // alphabet and a last character with unused bits set.
        let body = text
            .strip_prefix("fs1:")
            .ok_or(Fail::malformed("missing-prefix"))?;
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| Fail::malformed("bad-base64"))?;
        // 2. The header, each field checked as soon as it is read.
        let mut c = Cursor {
            bytes: &bytes,
            at: 0,
        };
        let version = c.byte()?;
        if version != 1 {
            return Err(Fail::is("unknown-version"));
        }
        let suite = c.byte()?;
        if suite != 1 && suite != 2 {
            return Err(Fail::is("unknown-suite"));
        }
        let mode = c.byte()?;
        if mode != 1 && mode != 2 {
            return Err(Fail::is("unknown-mode"));
        }
        let ty = c.byte()?;
        if !matches!(ty, 0x01..=0x0d | 0x10) {
            return Err(Fail::is("unknown-type"));
        }
        // §15.1: a subject-mode value may hold no part.
        let count = c.byte()?;
        if count == 0 && mode == 1 {
            return Err(Fail::malformed("no-parts"));
        }
        if count > 8 {
            return Err(Fail::malformed("too-many-parts"));
        }
        let ct_len = c.u32()? as usize;
        if ct_len > 1 << 30 {
            return Err(Fail::malformed("ct-len-above-limit"));
        }
        if count == 0 && ct_len != 0 {
            return Err(Fail::malformed("empty-with-length"));
        }
        if count > 0 && fixed_width(ty).is_some_and(|n| n != ct_len) {
            return Err(Fail::malformed("payload-length"));
        }
        let (nonce_len, epoch_len) = lengths(suite);
        let nonce = c.take(nonce_len)?;
        // 2, the parts in order: each read whole (its key version checked as soon as it is read),
        // then its name, then whether an earlier part has that name.
        let mut names: Vec<&[u8]> = Vec::new();
        let mut found = None;
        for _ in 0..count {
            let name_len = usize::from(c.byte()?);
            let name = c.take(name_len)?;
            let key_version = c.u32()?;
            if key_version == 0 {
                return Err(Fail::malformed("zero-key-version"));
            }
            let epoch = c.take(epoch_len)?;
            let ciphertext = c.take(ct_len)?;
            let tag = c.take(16)?;
            if !valid_purpose(name) {
                return Err(Fail::malformed("bad-purpose-name"));
            }
            if names.contains(&name) {
                return Err(Fail::malformed("duplicate-purpose"));
            }
            names.push(name);
            if name == keys.purpose().as_bytes() {
                found = Some((name, key_version, epoch, [ciphertext, tag].concat()));
            }
        }
        // 2, the end.
        if c.at != bytes.len() {
            return Err(Fail::malformed("trailing-bytes"));
        }
        // 3.
        if ty != expected_type {
            return Err(Fail::is("type-mismatch"));
        }
        // 5.
        let (record, field, id) = ctx;
        if !(1..=64).contains(&record.len()) || !(1..=255).contains(&field.len()) || id.len() > 256
        {
            return Err(Fail::is("bad-context"));
        }
        keys.check()?;
        // 6. The mode, then the part.
        if mode != keys.mode() {
            return Err(Fail::is("wrong-mode"));
        }
        let (name, key_version, epoch, sealed) = found.ok_or_else(|| keys.no_part())?;
        // 7.
        let key = keys.key(key_version)?;
        // 8.
        let aead_key = aead_key(suite, &key, epoch);
        // 9.
        let aad = aad([version, suite, mode, ty], name, key_version, ctx);
        let plaintext =
            decrypt(suite, &aead_key, nonce, &sealed, &aad).ok_or(Fail::is("cannot-open"))?;
        // 10.
        if !decodes(ty, &plaintext) {
            return Err(Fail::is("bad-plaintext"));
        }
        Ok(Opened {
            key,
            aead_key,
            payload: plaintext,
        })
    }

    /// What [`seal`] writes.
    pub(crate) struct Spec<'a> {
        pub(crate) suite: u8,
        pub(crate) mode: u8,
        pub(crate) type_byte: u8,
        pub(crate) root: [u8; 32],
        pub(crate) version: u32,
        /// Written as given, even when §2 forbids them (a name twice, an invalid name).
        pub(crate) purposes: &'a [&'a str],
        pub(crate) payload: &'a [u8],
        pub(crate) ctx: (&'a str, &'a str, &'a [u8]),
        /// The value's nonce, then one epoch id per part (AES-256-GCM).
        pub(crate) nonce: &'a [u8],
        pub(crate) epochs: &'a [[u8; 8]],
        /// The key of each part, when not the purpose key of `root` at `version`: a subject's
        /// data keys (§15.1), `version` then being their generation.
        pub(crate) part_keys: Option<&'a [[u8; 32]]>,
    }

    /// §2 and §5 written out (§15.1 in subject mode): a binary value the library would refuse to
    /// write (a bad payload, a context above its limits, a bad purpose name), or one with fixed
    /// bytes, with the given nonce and epoch ids, every part with a valid tag.
    pub(crate) fn seal(spec: &Spec<'_>) -> Vec<u8> {
        let (nonce_len, epoch_len) = lengths(spec.suite);
        assert_eq!(spec.nonce.len(), nonce_len);
        let head = [1, spec.suite, spec.mode, spec.type_byte];
        let mut out = head.to_vec();
        out.push(u8::try_from(spec.purposes.len()).unwrap());
        out.extend(u32::try_from(spec.payload.len()).unwrap().to_be_bytes());
        out.extend_from_slice(spec.nonce);
        for (i, purpose) in spec.purposes.iter().enumerate() {
            let epoch = &spec.epochs[i][..epoch_len];
            let pk = spec.part_keys.map_or_else(
                || purpose_key(&spec.root, purpose, spec.version),
                |keys| keys[i],
            );
            let key = aead_key(spec.suite, &pk, epoch);
            let aad = aad(head, purpose.as_bytes(), spec.version, spec.ctx);
            let payload = Payload {
                msg: spec.payload,
                aad: &aad,
            };
            let sealed = if spec.suite == 1 {
                aes_gcm::Aes256Gcm::new_from_slice(&key)
                    .unwrap()
                    .encrypt(aes_gcm::Nonce::from_slice(spec.nonce), payload)
            } else {
                chacha20poly1305::XChaCha20Poly1305::new_from_slice(&key)
                    .unwrap()
                    .encrypt(chacha20poly1305::XNonce::from_slice(spec.nonce), payload)
            }
            .unwrap();
            out.push(u8::try_from(purpose.len()).unwrap());
            out.extend_from_slice(purpose.as_bytes());
            out.extend(spec.version.to_be_bytes());
            out.extend_from_slice(epoch);
            out.extend(sealed);
        }
        out
    }
}

/// The type byte of a vector's `type:` (FORMAT.md §8).
fn type_byte(name: &str) -> u8 {
    match name {
        "String" => 0x01,
        "Vec<u8>" => 0x02,
        "bool" => 0x03,
        "u16" => 0x05,
        "u64" => 0x07,
        "i64" => 0x0c,
        "Json" => 0x10,
        other => panic!("{other}"),
    }
}

/// Writes the vector files. Run by hand; the files are then fixed data.
#[test]
#[ignore = "writes tests/vectors; run by hand with FIELDSEAL_WRITE_VECTORS=1"]
fn write_vectors() {
    assert!(
        std::env::var_os("FIELDSEAL_WRITE_VECTORS").is_some(),
        "this rewrites tests/vectors/*.txt with fresh random nonces; set FIELDSEAL_WRITE_VECTORS=1 \
         to mean it, then update FORMAT.md if the format changed"
    );
    generator::write_all(&vectors_dir());
}

#[allow(clippy::format_push_string, clippy::too_many_lines)] // a writer of data files
mod generator {
    use super::{Address, Fail, binary, independent, keyring_at, text, type_byte};
    use fieldseal::Suite;
    use fieldseal::{AnyPurposes, Context, DynPurpose, Json, KeySet, Plaintext, Sealed};
    use std::path::{Path, PathBuf};

    /// One case: where it is sealed and how it is opened.
    #[derive(Clone, Copy)]
    struct Case<'a> {
        /// The file name, without its number.
        name: &'a str,
        comment: &'a str,
        expect: &'a str,
        /// For `expect: malformed`, which fault (FORMAT.md §12).
        malformed: Option<&'a str>,
        suite: Suite,
        root: [u8; 32],
        /// The version the value is sealed under.
        version: u32,
        /// The versions the reader holds; none given: `version` alone.
        held: &'a [u32],
        retired: &'a [u32],
        sealed_for: &'a [&'a str],
        open_as: &'a str,
        /// Another purpose the value opens as, and what it gives.
        also: Option<(&'a str, &'a [u8])>,
        context: (&'a str, &'a str, &'a [u8]),
        open_context: Option<(&'a str, &'a str, &'a [u8])>,
        /// The Rust type the reader asks for (§8), and the payload it should get.
        ty: &'a str,
        payload: &'a [u8],
    }

    impl<'a> Case<'a> {
        fn malformed(self, name: &'a str, why: &'a str, comment: &'a str) -> Self {
            Self {
                name,
                comment,
                expect: "malformed",
                malformed: Some(why),
                ..self
            }
        }

        fn failing(self, name: &'a str, expect: &'a str, comment: &'a str) -> Self {
            Self {
                name,
                comment,
                expect,
                ..self
            }
        }
    }

    fn suite_name(s: Suite) -> &'static str {
        match s {
            Suite::XChaCha20Poly1305 => "xchacha20-poly1305",
            _ => "aes-256-gcm",
        }
    }

    /// Seals `value` with the library, under `case`'s root key at `case.version`, for its
    /// purposes, in its sealing context.
    fn library_seal<T: Plaintext>(case: &Case<'_>, value: &T) -> Vec<u8> {
        let keyring = keyring_at(case.suite, case.version, case.root);
        let purposes: Vec<DynPurpose> = case
            .sealed_for
            .iter()
            .map(|p| DynPurpose::new(p).unwrap())
            .collect();
        let keys = KeySet::from_keyring(&keyring, &purposes);
        let (record, field, id) = case.context;
        let sealed: Sealed<T, AnyPurposes> = keys
            .seal_dyn(&purposes, value, &Context::new(record, field).with_id(id))
            .unwrap();
        sealed.into_bytes()
    }

    /// Seals `case.payload` with the independent writer (fixed nonce and epoch ids): values the
    /// library would refuse to write.
    fn spec_seal(case: &Case<'_>, type_override: Option<u8>) -> Vec<u8> {
        let nonce: Vec<u8> = (0..case.suite.nonce_len())
            .map(|i| 0xa0 + i as u8)
            .collect();
        independent::seal(&independent::Spec {
            suite: case.suite.id(),
            mode: 1,
            type_byte: type_override.unwrap_or(type_byte(case.ty)),
            root: case.root,
            version: case.version,
            purposes: case.sealed_for,
            payload: case.payload,
            ctx: case.context,
            nonce: &nonce,
            epochs: &[[0x5e; 8], [0x6e; 8], [0x7e; 8]],
            part_keys: None,
        })
    }

    /// A subject-mode value (FORMAT.md §15.1), as another writer sealed it: `case.payload` for
    /// each purpose of `case.sealed_for` under a data key of generation `generation` (none: a
    /// value without copies), with a fixed nonce and epoch ids. A direct-mode reader must refuse
    /// it whatever its keys.
    fn subject_value(case: &Case<'_>, generation: u32) -> Vec<u8> {
        let nonce: Vec<u8> = (0..case.suite.nonce_len())
            .map(|i| 0xb0 + i as u8)
            .collect();
        let data_keys: Vec<[u8; 32]> = (0..case.sealed_for.len())
            .map(|i| [0xd0 + i as u8; 32])
            .collect();
        independent::seal(&independent::Spec {
            suite: case.suite.id(),
            mode: 2,
            type_byte: type_byte(case.ty),
            root: case.root,
            version: generation,
            purposes: case.sealed_for,
            payload: case.payload,
            ctx: case.context,
            nonce: &nonce,
            epochs: &[[0x5d; 8], [0x6d; 8], [0x7d; 8]],
            part_keys: Some(&data_keys),
        })
    }

    /// Where each part of a well-formed value starts, then where the value ends (FORMAT.md §2).
    fn part_starts(bytes: &[u8]) -> Vec<usize> {
        let (nonce_len, epoch_len) = independent::lengths(bytes[1]);
        let ct_len = u32::from_be_bytes(bytes[5..9].try_into().unwrap()) as usize;
        let mut at = 9 + nonce_len;
        let mut starts = vec![at];
        for _ in 0..bytes[4] {
            at += 1 + usize::from(bytes[at]) + 4 + epoch_len + ct_len + 16;
            starts.push(at);
        }
        assert_eq!(at, bytes.len(), "a well-formed value");
        starts
    }

    /// Sets the key version of part `index` of a well-formed value.
    fn set_key_version(bytes: &mut [u8], index: usize, version: u32) {
        let start = part_starts(bytes)[index];
        let at = start + 1 + usize::from(bytes[start]);
        bytes[at..at + 4].copy_from_slice(&version.to_be_bytes());
    }

    fn set_ct_len(bytes: &mut [u8], ct_len: u32) {
        bytes[5..9].copy_from_slice(&ct_len.to_be_bytes());
    }

    /// Writes numbered vector files.
    struct Out {
        dir: PathBuf,
        written: usize,
    }

    impl Out {
        fn bytes(&mut self, case: &Case<'_>, bytes: &[u8]) {
            self.text(case, &text(bytes));
        }

        /// Writes `case` with its value, checking it with the independent reader on the way.
        fn text(&mut self, case: &Case<'_>, value: &str) {
            assert_eq!(
                case.malformed.is_some(),
                case.expect == "malformed",
                "{}",
                case.name
            );
            let held = if case.held.is_empty() {
                vec![case.version]
            } else {
                case.held.to_vec()
            };
            let list = |versions: &[u32]| {
                versions
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let pk = independent::purpose_key(&case.root, case.open_as, case.version);
            let check = independent::key_check(&pk, case.open_as, case.version);
            let mut out = format!("comment: {}\nexpect: {}\n", case.comment, case.expect);
            if let Some(why) = case.malformed {
                out += &format!("malformed: {why}\n");
            }
            out += &format!(
                "suite: {}\nroot_key: {}\nroot_version: {}\nheld_versions: {}\n\
                 retired_versions: {}\npurpose: {}\npurpose_key: {}\nkey_check: {}\n",
                suite_name(case.suite),
                hex::encode(case.root),
                case.version,
                list(&held),
                list(case.retired),
                case.open_as,
                hex::encode(pk),
                hex::encode(check),
            );
            let (record, field, id) = case.open_context.unwrap_or(case.context);
            let open_as = |purpose: &str| {
                let keys = independent::Keys::derive(&case.root, purpose, &held, case.retired);
                independent::open(value, &keys, (record, field, id), type_byte(case.ty))
            };
            match (open_as(case.open_as), case.expect) {
                (Ok(opened), "open") => {
                    assert_eq!(opened.payload, case.payload, "{}", case.name);
                    assert_eq!(opened.key, pk, "{}", case.name);
                    out += &format!("aead_key: {}\n", hex::encode(opened.aead_key));
                }
                (Err(got), expect) => {
                    let want = Fail {
                        expect: super::leak(expect),
                        malformed: case.malformed.map(super::leak),
                    };
                    assert_eq!(got, want, "{}", case.name);
                }
                (Ok(_), expect) => panic!("{}: expected {expect}, but it opened", case.name),
            }
            if let Some((also, plaintext)) = case.also {
                let opened = open_as(also).unwrap_or_else(|e| panic!("{}: {e:?}", case.name));
                assert_eq!(opened.payload, plaintext, "{}", case.name);
                out += &format!(
                    "also_opens_as: {also}\nalso_plaintext: {}\n",
                    hex::encode(plaintext)
                );
            }
            out += &format!(
                "record: {record}\nfield: {field}\nid: {}\ntype: {}\nplaintext: {}\nvalue: {value}\n",
                hex::encode(id),
                case.ty,
                hex::encode(case.payload)
            );
            // No trailing white space after an empty value (`id:`, `retired_versions:`).
            let out: String = out.lines().flat_map(|l| [l.trim_end(), "\n"]).collect();
            self.written += 1;
            let file = format!("{:02}-{}.txt", self.written, case.name);
            std::fs::write(self.dir.join(file), out).unwrap();
        }
    }

    pub(super) fn write_all(dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "txt") {
                std::fs::remove_file(path).unwrap();
            }
        }
        let mut out = Out {
            dir: dir.to_owned(),
            written: 0,
        };
        // FORMAT.md §6: integer ids are 16 bytes, two's complement.
        let id42 = 42u128.to_be_bytes();
        let id43 = 43u128.to_be_bytes();
        let id_u32 = u128::from(4_000_000_000u32).to_be_bytes();
        let id_neg = (-42i128).to_be_bytes();
        let id7 = 7u128.to_be_bytes();
        let uuid = 0x0b7e_5c1a_5d4e_4a8e_9f1b_2c3d_4e5f_6a7b_u128.to_be_bytes();
        let root_a: [u8; 32] = core::array::from_fn(|i| i as u8);
        let root_b: [u8; 32] = core::array::from_fn(|i| 0xff - i as u8);
        let name = "Ada Lovelace";
        let email = "ada@example.com";
        let base = Case {
            name: "",
            comment: "",
            expect: "open",
            malformed: None,
            suite: Suite::Aes256Gcm,
            root: root_a,
            version: 1,
            held: &[],
            retired: &[],
            sealed_for: &["fulfillment"],
            open_as: "fulfillment",
            also: None,
            context: ("customer", "name", &id42),
            open_context: None,
            ty: "String",
            payload: name.as_bytes(),
        };
        let sealed_name = |c: &Case<'_>| library_seal(c, &name.to_owned());
        // The same value with some bytes changed.
        let mangled = |c: &Case<'_>, changes: &[(usize, u8)]| {
            let mut bytes = sealed_name(c);
            for &(at, byte) in changes {
                bytes[at] = byte;
            }
            bytes
        };

        // Values that open (§9 to the end).

        let c = Case {
            name: "aes-one-purpose-string",
            comment: "AES-256-GCM, one purpose, a String name bound to customer 42 (an integer id: 16 bytes)",
            ..base
        };
        out.bytes(&c, &sealed_name(&c));

        let c = Case {
            name: "aes-three-purposes-string",
            comment: "AES-256-GCM, three purposes sharing the value's nonce, opened as the second (marketing)",
            sealed_for: &["fulfillment", "marketing", "analytics"],
            open_as: "marketing",
            context: ("customer", "email", &id42),
            payload: email.as_bytes(),
            ..base
        };
        out.bytes(&c, &library_seal(&c, &email.to_owned()));

        let c = Case {
            name: "xchacha-one-purpose-u16",
            comment: "XChaCha20-Poly1305, one purpose, a u16 birth year",
            suite: Suite::XChaCha20Poly1305,
            root: root_b,
            sealed_for: &["analytics"],
            open_as: "analytics",
            context: ("customer", "birth_year", &id42),
            ty: "u16",
            payload: &1815u16.to_be_bytes(),
            ..base
        };
        out.bytes(&c, &library_seal(&c, &1815u16));

        let address = Address {
            street: "12 St James's Square".into(),
            city: "London".into(),
            postcode: "SW1Y 4JH".into(),
            country: "GB".into(),
        };
        let json = serde_json::to_vec(&address).unwrap();
        let c = Case {
            name: "xchacha-two-purposes-json-uuid-id",
            comment: "XChaCha20-Poly1305, two purposes, a JSON address bound to a UUID id (its 16 bytes), opened as fulfillment",
            suite: Suite::XChaCha20Poly1305,
            root: root_b,
            sealed_for: &["fulfillment", "third-party:acme"],
            context: ("order", "shipping_address", &uuid),
            ty: "Json",
            payload: &json,
            ..base
        };
        out.bytes(&c, &library_seal(&c, &Json(address.clone())));

        let bytes = vec![0u8, 1, 2, 0xfe, 0xff];
        let c = Case {
            name: "aes-bytes-no-id-version-3",
            comment: "AES-256-GCM, bytes, no id bound, root key version 3",
            root: root_b,
            version: 3,
            sealed_for: &["support"],
            open_as: "support",
            context: ("survey", "answers", &[]),
            ty: "Vec<u8>",
            payload: &bytes,
            ..base
        };
        out.bytes(&c, &library_seal(&c, &bytes));

        let c = Case {
            name: "xchacha-three-purposes-i64",
            comment: "XChaCha20-Poly1305, three purposes, a negative i64, opened as the third",
            suite: Suite::XChaCha20Poly1305,
            sealed_for: &["fulfillment", "support", "marketing"],
            open_as: "marketing",
            context: ("customer", "balance_cents", &id42),
            ty: "i64",
            payload: &(-1234i64).to_be_bytes(),
            ..base
        };
        out.bytes(&c, &library_seal(&c, &-1234i64));

        let c = Case {
            name: "aes-bool-string-id",
            comment: "AES-256-GCM, a bool bound to a string id (its UTF-8 bytes)",
            sealed_for: &["marketing"],
            open_as: "marketing",
            context: ("customer", "newsletter", b"cust-0042"),
            ty: "bool",
            payload: &[1],
            ..base
        };
        out.bytes(&c, &library_seal(&c, &true));

        let c = Case {
            name: "aes-u32-id",
            comment: "AES-256-GCM, bound to a u32 id of 4000000000: widened to 16 bytes, as every integer id",
            context: ("customer", "name", &id_u32),
            ..base
        };
        out.bytes(&c, &sealed_name(&c));

        let c = Case {
            name: "xchacha-negative-i64-id",
            comment: "XChaCha20-Poly1305, bound to an i64 id of -42: sign-extended to 16 bytes",
            suite: Suite::XChaCha20Poly1305,
            context: ("customer", "name", &id_neg),
            ..base
        };
        out.bytes(&c, &sealed_name(&c));

        let street = "1 Bill Street";
        let c = Case {
            name: "aes-nested-field-path",
            comment: "AES-256-GCM, a field of a nested record: the top-level record type, the field path billing.street, the top-level id (section 13)",
            context: ("Customer", "billing.street", &id7),
            payload: street.as_bytes(),
            ..base
        };
        out.bytes(&c, &library_seal(&c, &street.to_owned()));

        let (record64, field255, id256) = ("r".repeat(64), "f".repeat(255), [0x1d; 256]);
        let c = Case {
            name: "aes-context-at-its-limits",
            comment: "a record type of 64 bytes, a field of 255 and an id of 256, the longest allowed (section 6)",
            context: (&record64, &field255, &id256),
            ..base
        };
        out.bytes(&c, &sealed_name(&c));

        let c = Case {
            name: "independent-writer-opens",
            comment: "written by the independent writer from this document, with a fixed nonce and epoch ids: opens",
            sealed_for: &["fulfillment", "marketing"],
            open_as: "marketing",
            ..base
        };
        out.bytes(&c, &spec_seal(&c, None));

        let c = Case {
            name: "xchacha-reader-holds-two-versions",
            comment: "sealed under key version 2; the reader holds versions 1 and 2 (both from root_key: the version is part of the derivation, section 4.1) and takes the key of the version the part names",
            suite: Suite::XChaCha20Poly1305,
            version: 2,
            held: &[1, 2],
            ..base
        };
        out.bytes(&c, &sealed_name(&c));

        // Step 1: the text form.

        let c = base.malformed(
            "text-missing-prefix",
            "missing-prefix",
            "the base64url of a good value without its fs1: prefix",
        );
        let good = text(&sealed_name(&c));
        out.text(&c, &good["fs1:".len()..]);

        // "Ada Lovelace" under AES-256-GCM: 73 bytes, so the last character carries 2 bits and
        // 4 unused ones, and a padded encoding would end in "==".
        let c = base.malformed(
            "text-padding",
            "bad-base64",
            "a good value with the base64 padding == appended: readers must refuse padding (section 7)",
        );
        let bytes = sealed_name(&c);
        assert_eq!(bytes.len() % 3, 1);
        out.text(&c, &format!("{}==", text(&bytes)));

        let c = base.malformed(
            "text-non-canonical-last-character",
            "bad-base64",
            "the last base64 character of a good value with an unused low bit set: it decodes to the same bytes, and readers must refuse it (section 7)",
        );
        let good = text(&sealed_name(&c));
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let last = alphabet
            .iter()
            .position(|&a| a == *good.as_bytes().last().unwrap())
            .unwrap();
        assert_eq!(last & 0x0f, 0, "4 unused bits, all zero");
        let noncanonical = format!(
            "{}{}",
            &good[..good.len() - 1],
            char::from(alphabet[last | 1])
        );
        assert_eq!(
            base64::Engine::decode(
                &base64::engine::general_purpose::GeneralPurpose::new(
                    &base64::alphabet::URL_SAFE,
                    base64::engine::general_purpose::NO_PAD.with_decode_allow_trailing_bits(true),
                ),
                &noncanonical["fs1:".len()..],
            )
            .unwrap(),
            binary(&good).unwrap(),
            "a lenient decoder reads the same value"
        );
        out.text(&c, &noncanonical);

        let c = base.malformed(
            "text-outside-alphabet",
            "bad-base64",
            "a good value with one base64url character (- or _) written as its standard-base64 twin (+ or /): outside the alphabet (section 7)",
        );
        let good = loop {
            let good = text(&sealed_name(&c));
            if good.contains(['-', '_']) {
                break good;
            }
        };
        let at = good.find(['-', '_']).unwrap();
        let twin = if &good[at..=at] == "-" { "+" } else { "/" };
        out.text(&c, &format!("{}{twin}{}", &good[..at], &good[at + 1..]));

        let c = base.malformed(
            "text-length-4k-plus-1",
            "bad-base64",
            "a good value's text without its last character: 4k+1 base64 characters, a length no byte string encodes to",
        );
        let good = text(&sealed_name(&c));
        assert_eq!((good.len() - "fs1:".len()) % 4, 2);
        out.text(&c, &good[..good.len() - 1]);

        let c = base.malformed(
            "order-prefix-before-base64",
            "missing-prefix",
            "no prefix and a padded body: the prefix is checked first (section 9 step 1)",
        );
        let good = text(&sealed_name(&c));
        out.text(&c, &format!("{}==", &good["fs1:".len()..]));

        let c = base.malformed(
            "order-base64-before-version",
            "bad-base64",
            "padded base64 of a value of version 0x02: step 1 fails before the version is read",
        );
        out.text(&c, &format!("{}==", text(&mangled(&c, &[(0, 2)]))));

        // Step 2: the header, field by field.

        let c = base.malformed(
            "empty-value",
            "truncated",
            "fs1: and nothing else: the version byte is missing",
        );
        out.text(&c, "fs1:");

        let c = base.failing(
            "unknown-version",
            "unknown-version",
            "version byte 0x02: readers of version 1 must reject it and name the version",
        );
        out.bytes(&c, &mangled(&c, &[(0, 2)]));

        let c = Case {
            suite: Suite::XChaCha20Poly1305,
            root: root_b,
            ..base
        }
        .failing(
            "unknown-suite",
            "unknown-suite",
            "suite id 0x07: readers must reject it and name the id",
        );
        out.bytes(&c, &mangled(&c, &[(1, 7)]));

        let c = base.failing(
            "unknown-mode",
            "unknown-mode",
            "mode byte 0x03, not a key mode of version 1 (0x01 direct, 0x02 subject): readers must reject it and name it",
        );
        out.bytes(&c, &mangled(&c, &[(2, 3)]));

        let c = base.failing(
            "unknown-type",
            "unknown-type",
            "type byte 0x0e, not a type of version 1: unknown type",
        );
        out.bytes(&c, &mangled(&c, &[(3, 0x0e)]));

        let c = base.malformed(
            "count-zero",
            "no-parts",
            "count 0 in direct mode: a direct value holds 1 to 8 parts (only a subject-mode value may hold none, section 15.1)",
        );
        out.bytes(&c, &mangled(&c, &[(4, 0)]));

        // A subject-mode value without copies (section 15.1), as another writer would seal it.
        let no_copy = Case {
            sealed_for: &[],
            payload: &[],
            ..base
        };
        let c = no_copy.malformed(
            "count-zero-subject-with-length",
            "empty-with-length",
            "a subject-mode value with count 0 and ct_len 12: a value without copies has ct_len 0",
        );
        let mut bytes = subject_value(&c, 1);
        set_ct_len(&mut bytes, 12);
        out.bytes(&c, &bytes);

        let c = base.malformed(
            "count-nine",
            "too-many-parts",
            "count 9: a value holds 1 to 8 parts",
        );
        out.bytes(&c, &mangled(&c, &[(4, 9)]));

        let c = base.malformed(
            "ct-len-above-limit",
            "ct-len-above-limit",
            "ct_len 2^30 + 1: above the limit of section 2, refused before anything is read past the header",
        );
        let mut bytes = sealed_name(&c);
        set_ct_len(&mut bytes, (1 << 30) + 1);
        out.bytes(&c, &bytes);

        let c = base.malformed(
            "ct-len-at-limit",
            "truncated",
            "ct_len 2^30, the largest allowed: the header passes, and the first part's ciphertext runs past the end",
        );
        let mut bytes = sealed_name(&c);
        set_ct_len(&mut bytes, 1 << 30);
        out.bytes(&c, &bytes);

        let c = Case {
            context: ("customer", "newsletter", &id42),
            ty: "bool",
            payload: &[0, 1],
            ..base
        }
        .malformed(
            "payload-length",
            "payload-length",
            "a bool whose ct_len is 2 (with a valid tag): malformed at parsing, before any cryptography (section 8)",
        );
        out.bytes(&c, &spec_seal(&c, None));

        let c = base.malformed(
            "truncated",
            "truncated",
            "the last byte of the tag is missing: malformed (truncated)",
        );
        let mut bytes = sealed_name(&c);
        bytes.pop();
        out.bytes(&c, &bytes);

        let c = base.malformed(
            "key-version-zero",
            "zero-key-version",
            "the part names key version 0, which no key has (section 2)",
        );
        let mut bytes = sealed_name(&c);
        set_key_version(&mut bytes, 0, 0);
        out.bytes(&c, &bytes);

        let c = Case {
            sealed_for: &["fulfillment", "Marketing"],
            ..base
        }
        .malformed(
            "purpose-name-upper-case",
            "bad-purpose-name",
            "a second part named Marketing (each part with a valid tag): purpose names are lower case (section 4.1)",
        );
        out.bytes(&c, &spec_seal(&c, None));

        let c = Case {
            sealed_for: &["fulfillment", ""],
            ..base
        }
        .malformed(
            "purpose-name-empty",
            "bad-purpose-name",
            "a second part with an empty name (each part with a valid tag): purpose names are 1 to 64 bytes",
        );
        out.bytes(&c, &spec_seal(&c, None));

        let long_name = "a".repeat(65);
        let long_names = ["fulfillment", long_name.as_str()];
        let c = Case {
            sealed_for: &long_names,
            ..base
        }
        .malformed(
            "purpose-name-65-bytes",
            "bad-purpose-name",
            "a second part with a 65-byte name (each part with a valid tag): purpose names are 1 to 64 bytes",
        );
        out.bytes(&c, &spec_seal(&c, None));

        let c = Case {
            sealed_for: &["fulfillment", "fulfillment"],
            ..base
        }
        .malformed(
            "duplicate-purpose",
            "duplicate-purpose",
            "two parts named fulfillment (each with a valid tag): malformed",
        );
        out.bytes(&c, &spec_seal(&c, None));

        let c = base.malformed(
            "trailing-byte",
            "trailing-bytes",
            "a good value with one byte after its last part",
        );
        out.bytes(&c, &[sealed_name(&c), vec![0]].concat());

        // Step 2: which fault wins when there are several.

        let c = base.failing(
            "order-version-before-suite",
            "unknown-version",
            "version 0x02 and suite 0x07: the version is read and checked first",
        );
        out.bytes(&c, &mangled(&c, &[(0, 2), (1, 7)]));

        let c = base.failing(
            "order-suite-before-mode",
            "unknown-suite",
            "suite 0x07 and mode 0x03: the suite is checked first",
        );
        out.bytes(&c, &mangled(&c, &[(1, 7), (2, 3)]));

        let c = base.failing(
            "order-mode-before-type",
            "unknown-mode",
            "mode 0x03 and type 0x0e both unknown: the mode is checked first (section 9), so unknown mode",
        );
        out.bytes(&c, &mangled(&c, &[(2, 3), (3, 0x0e)]));

        let c = base.failing(
            "order-type-before-count",
            "unknown-type",
            "type 0x0e and count 0: the type is checked first",
        );
        out.bytes(&c, &mangled(&c, &[(3, 0x0e), (4, 0)]));

        let c = base.failing(
            "order-version-before-truncation",
            "unknown-version",
            "a value of one byte, 0x02: the version is checked as soon as it is read, before the missing suite byte",
        );
        out.bytes(&c, &[2]);

        let c = base.malformed(
            "order-count-before-truncation",
            "no-parts",
            "the first five bytes of a value whose count is 0: the count is checked before ct_len is read",
        );
        out.bytes(&c, &mangled(&c, &[(4, 0)])[..5]);

        let c = base.malformed(
            "order-count-before-ct-len",
            "too-many-parts",
            "count 9 and ct_len 2^30 + 1: the count is checked first",
        );
        let mut bytes = mangled(&c, &[(4, 9)]);
        set_ct_len(&mut bytes, (1 << 30) + 1);
        out.bytes(&c, &bytes);

        let c = no_copy.malformed(
            "order-ct-len-limit-before-empty-with-length",
            "ct-len-above-limit",
            "a subject-mode value with count 0 and ct_len 2^30 + 1: the limit is checked before a value without copies is required to have ct_len 0",
        );
        let mut bytes = subject_value(&c, 1);
        set_ct_len(&mut bytes, (1 << 30) + 1);
        out.bytes(&c, &bytes);

        let c = Case {
            context: ("customer", "newsletter", &id42),
            ty: "bool",
            ..no_copy
        }
        .malformed(
            "order-empty-with-length-not-width",
            "empty-with-length",
            "a subject-mode bool with count 0 and ct_len 2: for a count of 0, ct_len must be 0 (empty-with-length), and the width of the type is not checked (it would say payload-length)",
        );
        let mut bytes = subject_value(&c, 1);
        set_ct_len(&mut bytes, 2);
        out.bytes(&c, &bytes);

        let c = no_copy.malformed(
            "order-empty-with-length-before-nonce",
            "empty-with-length",
            "a subject-mode value with count 0 and ct_len 12, cut inside the nonce: ct_len is checked before the nonce is read",
        );
        let mut bytes = subject_value(&c, 1);
        set_ct_len(&mut bytes, 12);
        out.bytes(&c, &bytes[..14]);

        let c = Case {
            sealed_for: &["marketing"],
            open_as: "marketing",
            context: ("customer", "newsletter", &id42),
            ty: "bool",
            payload: &[1],
            ..base
        }
        .malformed(
            "order-ct-len-limit-before-width",
            "ct-len-above-limit",
            "a bool with ct_len 2^30 + 1: the limit is checked before the width of the type",
        );
        let mut bytes = library_seal(&c, &true);
        set_ct_len(&mut bytes, (1 << 30) + 1);
        out.bytes(&c, &bytes);

        let c = Case {
            context: ("customer", "newsletter", &id42),
            ty: "bool",
            payload: &[0, 1],
            ..base
        }
        .malformed(
            "order-width-before-nonce",
            "payload-length",
            "a bool with ct_len 2, cut inside the nonce: ct_len is checked before the nonce is read",
        );
        out.bytes(&c, &spec_seal(&c, None)[..15]);

        let three = Case {
            sealed_for: &["fulfillment", "marketing", "analytics"],
            ..base
        };
        let c = three.malformed(
            "order-key-version-zero-before-truncation",
            "zero-key-version",
            "three parts; the first names key version 0 and the value ends inside the first part's tag: the key version is checked as soon as it is read, before the rest of its part",
        );
        let mut bytes = sealed_name(&c);
        set_key_version(&mut bytes, 0, 0);
        let first_end = part_starts(&bytes)[1];
        out.bytes(&c, &bytes[..first_end - 5]);

        let c = Case {
            sealed_for: &["Fulfillment", "marketing", "analytics"],
            open_as: "marketing",
            ..base
        }
        .malformed(
            "order-part-read-before-name",
            "truncated",
            "three parts; the first is named Fulfillment and the value ends inside its tag: a part is read whole before its name is checked",
        );
        let bytes = spec_seal(&c, None);
        out.bytes(&c, &bytes[..part_starts(&bytes)[1] - 5]);

        let c = Case {
            sealed_for: &["Fulfillment", "marketing"],
            open_as: "marketing",
            ..base
        }
        .malformed(
            "order-key-version-zero-before-name",
            "zero-key-version",
            "the first part is named Fulfillment and names key version 0: the key version is checked first",
        );
        let mut bytes = spec_seal(&c, None);
        set_key_version(&mut bytes, 0, 0);
        out.bytes(&c, &bytes);

        let c = Case {
            sealed_for: &["fulfillment", "fulfillment", "marketing"],
            ..base
        }
        .malformed(
            "order-duplicate-before-later-truncation",
            "duplicate-purpose",
            "three parts, the second named as the first, and the last byte missing: each part's name is checked, against the parts before it, before the next part is read",
        );
        let bytes = spec_seal(&c, None);
        out.bytes(&c, &bytes[..bytes.len() - 1]);

        let c = Case {
            sealed_for: &["fulfillment", "fulfillment"],
            ..base
        }
        .malformed(
            "order-part-read-before-duplicate",
            "truncated",
            "two parts named fulfillment and the last byte missing: the second part is read whole (truncated) before its name is compared",
        );
        let bytes = spec_seal(&c, None);
        out.bytes(&c, &bytes[..bytes.len() - 1]);

        let c = Case {
            sealed_for: &["Fulfillment", "marketing"],
            open_as: "marketing",
            ..base
        }
        .malformed(
            "order-name-before-later-key-version",
            "bad-purpose-name",
            "the first part is named Fulfillment, the second names key version 0: parts are checked in order",
        );
        let mut bytes = spec_seal(&c, None);
        set_key_version(&mut bytes, 1, 0);
        out.bytes(&c, &bytes);

        let c = Case {
            sealed_for: &["fulfillment", "fulfillment", "Marketing"],
            ..base
        }
        .malformed(
            "order-duplicate-before-later-bad-name",
            "duplicate-purpose",
            "the second part repeats the first's name, the third is named Marketing (valid tags): the duplicate is found at the second part, before the third is read",
        );
        out.bytes(&c, &spec_seal(&c, None));

        let c = Case {
            sealed_for: &["fulfillment", "Marketing", "fulfillment"],
            ..base
        }
        .malformed(
            "order-bad-name-before-later-duplicate",
            "bad-purpose-name",
            "the second part is named Marketing, the third repeats the first's name (valid tags): the bad name is found first",
        );
        out.bytes(&c, &spec_seal(&c, None));

        let c = Case {
            sealed_for: &["fulfillment", "fulfillment"],
            ..base
        }
        .malformed(
            "order-duplicate-before-trailing",
            "duplicate-purpose",
            "two parts named fulfillment and a byte after them: the parts are checked before the end",
        );
        out.bytes(&c, &[spec_seal(&c, None), vec![0]].concat());

        let c = Case { ty: "u64", ..base }.malformed(
            "order-malformed-before-type-mismatch",
            "truncated",
            "a String value missing its last byte, opened as a u64: step 2 before step 3",
        );
        let mut bytes = sealed_name(&c);
        bytes.pop();
        out.bytes(&c, &bytes);

        // Step 3.

        let c = Case { ty: "u64", ..base }.failing(
            "type-mismatch",
            "type-mismatch",
            "a String value opened as a u64: type mismatch, before any cryptography",
        );
        out.bytes(&c, &sealed_name(&c));

        let c = Case {
            ty: "u64",
            open_context: Some(("customer", "", &id42)),
            ..base
        }
        .failing(
            "order-type-before-context",
            "type-mismatch",
            "a String value opened as a u64 with an empty field name: step 3 before step 5",
        );
        out.bytes(&c, &sealed_name(&c));

        // Step 5.

        let c = Case {
            context: ("customer", "", &id42),
            ..base
        }
        .failing(
            "bad-context-empty-field",
            "bad-context",
            "sealed (by another writer) with an empty field name: readers must refuse the context, not open it (section 6)",
        );
        out.bytes(&c, &spec_seal(&c, None));

        let long_record = "r".repeat(65);
        let c = Case {
            context: (&long_record, "name", &id42),
            ..base
        }
        .failing(
            "bad-context-long-record",
            "bad-context",
            "sealed (by another writer) with a 65-byte record type: readers must refuse the context, not open it",
        );
        out.bytes(&c, &spec_seal(&c, None));

        let long_field = "f".repeat(256);
        let c = Case {
            context: ("customer", &long_field, &id42),
            ..base
        }
        .failing(
            "bad-context-long-field",
            "bad-context",
            "sealed (by another writer) with a 256-byte field name: readers must refuse the context",
        );
        out.bytes(&c, &spec_seal(&c, None));

        let long_id = [0x1d; 257];
        let c = Case {
            context: ("customer", "name", &long_id),
            ..base
        }
        .failing(
            "bad-context-long-id",
            "bad-context",
            "sealed (by another writer) with a 257-byte id: readers must refuse the context",
        );
        out.bytes(&c, &spec_seal(&c, None));

        let c = Case {
            open_as: "marketing",
            open_context: Some(("customer", "", &id42)),
            ..base
        }
        .failing(
            "order-context-before-not-sealed-for",
            "bad-context",
            "sealed for fulfillment, opened as marketing with an empty field name: step 5 before step 6",
        );
        out.bytes(&c, &sealed_name(&c));

        let c = Case {
            open_context: Some(("customer", "", &id42)),
            ..base
        }
        .failing(
            "order-context-before-wrong-mode",
            "bad-context",
            "a subject-mode value (section 15.1) opened by this direct-mode reader with an empty field name: step 5 before step 6",
        );
        out.bytes(&c, &subject_value(&c, 1));

        // Step 6: the mode, then the part.

        let c = base.failing(
            "wrong-mode",
            "wrong-mode",
            "a subject-mode value (section 15.1) sealed for fulfillment under a data key of generation 2, opened with purpose keys: wrong mode, before the part's generation is taken for a key version (the reader holds version 1 only)",
        );
        out.bytes(&c, &subject_value(&c, 2));

        let c = no_copy.failing(
            "wrong-mode-without-copies",
            "wrong-mode",
            "a subject-mode value with count 0 (no copy, section 15.1), opened with purpose keys: well formed (step 2), then refused for its mode at step 6, before the part is looked for",
        );
        out.bytes(&c, &subject_value(&c, 1));

        let c = Case {
            open_as: "marketing",
            ..base
        }
        .failing(
            "order-wrong-mode-before-not-sealed-for",
            "wrong-mode",
            "a subject-mode value sealed for fulfillment, opened as marketing with purpose keys: the mode is checked before the part is looked for",
        );
        out.bytes(&c, &subject_value(&c, 1));

        let c = Case {
            open_as: "marketing",
            ..base
        }
        .failing(
            "not-sealed-for",
            "not-sealed-for",
            "sealed for fulfillment only; marketing must get not-sealed-for, naming fulfillment",
        );
        out.bytes(&c, &sealed_name(&c));

        let c = Case {
            version: 2,
            held: &[1],
            open_as: "marketing",
            ..base
        }
        .failing(
            "order-not-sealed-for-before-key-version",
            "not-sealed-for",
            "sealed for fulfillment under key version 2, opened as marketing by a reader holding version 1 only: step 6 before step 7",
        );
        out.bytes(&c, &sealed_name(&c));

        // Step 7.

        let c = Case {
            version: 2,
            held: &[1, 3],
            ..base
        }
        .failing(
            "unknown-key-version",
            "unknown-key-version",
            "sealed under key version 2; the reader holds versions 1 and 3: unknown key version, naming 2",
        );
        out.bytes(&c, &sealed_name(&c));

        let c = Case {
            suite: Suite::XChaCha20Poly1305,
            held: &[2],
            retired: &[1],
            ..base
        }
        .failing(
            "retired-key-version",
            "retired-key-version",
            "sealed under key version 1, which the reader knows was retired (it holds version 2): retired, naming 1",
        );
        out.bytes(&c, &sealed_name(&c));

        let c = Case {
            version: 2,
            held: &[1],
            ..base
        }
        .failing(
            "order-key-version-before-authentication",
            "unknown-key-version",
            "sealed under key version 2, its tag's last bit flipped, opened by a reader holding version 1: step 7 before step 9",
        );
        let mut bytes = sealed_name(&c);
        *bytes.last_mut().unwrap() ^= 1;
        out.bytes(&c, &bytes);

        // Step 9.

        let c = Case {
            open_context: Some(("customer", "name", &id43)),
            ..base
        }
        .failing(
            "cannot-open-other-record",
            "cannot-open",
            "sealed for customer 42, opened as customer 43: the context differs, so it must not open",
        );
        out.bytes(&c, &sealed_name(&c));

        // Two seals of the same customer's email, for the same purposes in the same context; the
        // marketing part of the older one spliced into the newer (section 2).
        let c = Case {
            sealed_for: &["fulfillment", "marketing"],
            open_as: "marketing",
            also: Some(("fulfillment", email.as_bytes())),
            context: ("customer", "email", &id42),
            payload: email.as_bytes(),
            ..base
        }
        .failing(
            "cannot-open-spliced-part",
            "cannot-open",
            "the marketing part comes from an older value of the same record, field and purposes: its nonce is not this value's, so marketing must not open, while fulfillment still does",
        );
        let newer = library_seal(&c, &email.to_owned());
        let older = library_seal(&c, &"old@example.com".to_owned());
        let (at_newer, at_older) = (part_starts(&newer)[1], part_starts(&older)[1]);
        assert_eq!(&newer[at_newer + 1..at_newer + 10], b"marketing");
        assert_eq!(at_newer, at_older);
        out.bytes(&c, &[&newer[..at_newer], &older[at_older..]].concat());

        let c = base.failing(
            "cannot-open-flipped-ciphertext",
            "cannot-open",
            "one bit of the ciphertext flipped: the tag does not authenticate",
        );
        let mut bytes = sealed_name(&c);
        let start = part_starts(&bytes)[0];
        bytes[start + 1 + "fulfillment".len() + 4 + 8] ^= 0x80;
        out.bytes(&c, &bytes);

        let c = Case {
            held: &[1, 2],
            ..base
        }
        .failing(
            "cannot-open-key-version-changed",
            "cannot-open",
            "sealed under key version 1, the part's key version changed to 2, opened by a reader holding both: version 2's key and associated data do not authenticate it",
        );
        let mut bytes = sealed_name(&c);
        set_key_version(&mut bytes, 0, 2);
        out.bytes(&c, &bytes);

        // Step 10.

        let bool_case = Case {
            context: ("customer", "newsletter", &id42),
            ty: "bool",
            payload: &[2],
            ..base
        };
        let c = bool_case.failing(
            "bad-plaintext-bool",
            "bad-plaintext",
            "a bool payload of 0x02 (with a valid tag): bad plaintext, found after decryption (section 8)",
        );
        out.bytes(&c, &spec_seal(&c, None));

        let c = Case {
            suite: Suite::XChaCha20Poly1305,
            payload: &[b'A', 0xff, b'B'],
            ..base
        }
        .failing(
            "bad-plaintext-utf8",
            "bad-plaintext",
            "a String payload that is not UTF-8 (with a valid tag): bad plaintext",
        );
        out.bytes(&c, &spec_seal(&c, None));

        let json_case = Case {
            sealed_for: &["fulfillment", "third-party:acme"],
            context: ("order", "shipping_address", &uuid),
            ty: "Json",
            ..base
        };
        let c = Case {
            payload: br#"{"street":"1 Bill Street","city":"#,
            ..json_case
        }
        .failing(
            "bad-plaintext-json",
            "bad-plaintext",
            "a Json payload that is not JSON, cut short (with a valid tag): bad plaintext",
        );
        out.bytes(&c, &spec_seal(&c, None));

        let c = Case {
            payload: b"[1,2]",
            ..json_case
        }
        .failing(
            "bad-plaintext-json-not-an-address",
            "bad-plaintext",
            "a Json payload that is JSON but not the address the reader asks for (with a valid tag): bad plaintext",
        );
        out.bytes(&c, &spec_seal(&c, None));

        let c = bool_case.failing(
            "order-authentication-before-plaintext",
            "cannot-open",
            "a bool payload of 0x02 with its tag's last bit flipped: step 9 before step 10",
        );
        let mut bytes = spec_seal(&c, None);
        *bytes.last_mut().unwrap() ^= 1;
        out.bytes(&c, &bytes);
    }
}

/// Writes the subject-mode vector files (FORMAT.md §15.6). Run by hand; the files are then fixed
/// data.
#[test]
#[ignore = "writes tests/vectors/subject; run by hand with FIELDSEAL_WRITE_VECTORS=1"]
fn write_subject_vectors() {
    assert!(
        std::env::var_os("FIELDSEAL_WRITE_VECTORS").is_some(),
        "this rewrites tests/vectors/subject/*.txt; set FIELDSEAL_WRITE_VECTORS=1 to mean it, \
         then update FORMAT.md if the format changed"
    );
    subject_generator::write_all(&vectors_dir().join("subject"));
}

/// The subject-mode vectors: vault entries wrapped by the independent writer (§15.2, fixed data
/// keys and wnonces: the library draws both at random), and values sealed by the library under
/// those entries (or, for fixed bytes, by the independent writer), each checked by the
/// independent reader as it is written.
#[allow(clippy::format_push_string, clippy::too_many_lines)] // a writer of data files
mod subject_generator {
    use super::{Address, Fail, VaultRow, independent, type_byte};
    use fieldseal::vault::{DestroyReason, MemoryVault, StoredKey, Subject, SubjectKeys};
    use fieldseal::{Context, DynPurpose, Json, KeySet, Keyring, KeyringId, Plaintext};
    use fieldseal::{SecretKey, Suite};
    use std::path::{Path, PathBuf};
    use std::time::{Duration, SystemTime};
    use zeroize::Zeroizing;

    /// One subject vector: the reader, its vault's entry for (subject, purpose), how it opens.
    #[derive(Clone, Copy)]
    struct Vector<'a> {
        /// The file name, without its number.
        name: &'a str,
        comment: &'a str,
        expect: &'a str,
        suite: Suite,
        root: [u8; 32],
        held: &'a [u32],
        retired: &'a [u32],
        keyring: [u8; 16],
        purpose: &'a str,
        consent: bool,
        subject: &'a [u8],
        generation: u32,
        key_version: u32,
        created: u64,
        /// 0: none.
        expires: u64,
        /// How the generation before the live one ended (`withdrawn`, `expired`), and when.
        destroyed: Option<(&'a str, u64)>,
        erased: Option<u64>,
        dek: [u8; 32],
        wnonce: [u8; 12],
        /// The entry was wrapped for this keyring, not the reader's.
        wrapped_keyring: Option<[u8; 16]>,
        /// A bit of the wrap flipped after wrapping.
        flipped_bit: Option<usize>,
        /// The entry was wrapped under this key version, with this wnonce, then rewrapped.
        rewrapped_from: Option<(u32, [u8; 12])>,
        /// The value was sealed for another subject, under that subject's data key.
        sealed_for: Option<(&'a [u8], [u8; 32])>,
        now: u64,
        context: (&'a str, &'a str, &'a [u8]),
        ty: &'a str,
        payload: &'a [u8],
    }

    fn suite_name(s: Suite) -> &'static str {
        match s {
            Suite::XChaCha20Poly1305 => "xchacha20-poly1305",
            _ => "aes-256-gcm",
        }
    }

    /// What the library's vault held when a value was sealed: one (subject, purpose)'s data key.
    struct Sealing<'a> {
        subject: &'a [u8],
        purpose: &'a str,
        generation: u32,
        dek: [u8; 32],
        created: u64,
    }

    impl<'a> Vector<'a> {
        fn pk(&self, version: u32) -> [u8; 32] {
            independent::purpose_key(&self.root, self.purpose, version)
        }

        fn entry(&self) -> independent::Entry<'a> {
            independent::Entry {
                keyring_id: self.keyring,
                subject: self.subject,
                purpose: self.purpose,
                generation: self.generation,
                key_version: self.key_version,
                created: self.created,
                expires: self.expires,
            }
        }

        /// The wrap the vector's vault holds.
        fn wrapped(&self) -> [u8; 60] {
            let entry = independent::Entry {
                keyring_id: self.wrapped_keyring.unwrap_or(self.keyring),
                ..self.entry()
            };
            let kek = independent::kek(&self.pk(self.key_version));
            let mut wrapped = independent::wrap(
                &kek,
                self.wnonce,
                &self.dek,
                &independent::entry_aad(&entry),
            );
            if let Some(bit) = self.flipped_bit {
                wrapped[bit / 8] ^= 1 << (bit % 8);
            }
            wrapped
        }

        /// The wrap before the rewrap, if there was one.
        fn rewrapped_from(&self) -> Option<(u32, [u8; 60])> {
            let (version, wnonce) = self.rewrapped_from?;
            let entry = independent::Entry {
                key_version: version,
                ..self.entry()
            };
            let kek = independent::kek(&self.pk(version));
            let aad = independent::entry_aad(&entry);
            Some((version, independent::wrap(&kek, wnonce, &self.dek, &aad)))
        }

        fn destroyed(&self) -> Option<(u32, DestroyReason, u64)> {
            self.destroyed.map(|(why, at)| {
                let why = DestroyReason::from_name(why).unwrap();
                (self.generation - 1, why, at)
            })
        }

        /// The independent reader of the vector.
        fn reader(&self) -> independent::SubjectKeys {
            independent::SubjectKeys {
                purpose_keys: independent::Keys::derive(
                    &self.root,
                    self.purpose,
                    self.held,
                    self.retired,
                ),
                needs_consent: self.consent,
                keyring_id: self.keyring,
                subject: self.subject.to_vec(),
                generation: self.generation,
                key_version: self.key_version,
                created: self.created,
                expires: self.expires,
                wrapped: self.wrapped(),
                destroyed: self.destroyed().map(|(g, why, _)| {
                    let expect = match why {
                        DestroyReason::Withdrawn => "consent-withdrawn",
                        _ => "retention-expired",
                    };
                    (g, expect)
                }),
                erased: self.erased.is_some(),
                now: self.now,
            }
        }

        /// The data key as the library's vault held it when the value was sealed: wrapped for the
        /// vector's keyring, under the key version it had then, with the generations before it
        /// withdrawn.
        fn sealing_row(&self, sealing: &Sealing<'_>) -> VaultRow {
            let key_version = self.rewrapped_from.map_or(self.key_version, |(v, _)| v);
            let expires = (self.expires != 0).then_some(self.expires);
            let entry = independent::Entry {
                keyring_id: self.keyring,
                subject: sealing.subject,
                purpose: sealing.purpose,
                generation: sealing.generation,
                key_version,
                created: sealing.created,
                expires: self.expires,
            };
            let pk = independent::purpose_key(&self.root, sealing.purpose, key_version);
            let aad = independent::entry_aad(&entry);
            VaultRow {
                key: StoredKey {
                    subject: sealing.subject.to_vec(),
                    purpose: sealing.purpose.to_owned(),
                    generation: sealing.generation,
                    key_version,
                    created: sealing.created,
                    expires,
                    wrapped: independent::wrap(
                        &independent::kek(&pk),
                        [0x5a; 12],
                        &sealing.dek,
                        &aad,
                    ),
                },
                destroyed: (sealing.generation > 1)
                    .then_some((DestroyReason::Withdrawn, sealing.created - 60)),
                rewrapped_from: None,
                erased: None,
            }
        }

        /// The vector's own data key, as the library's vault held it when the value was sealed.
        fn own(&self) -> Sealing<'a> {
            Sealing {
                subject: self.sealed_for.map_or(self.subject, |(s, _)| s),
                purpose: self.purpose,
                generation: self.generation,
                dek: self.sealed_for.map_or(self.dek, |(_, dek)| dek),
                created: self.created,
            }
        }

        /// Seals `value` with the library, for `subject` and `purposes`, over a vault holding the
        /// data keys of `sealings` (and nothing else: a purpose that needs consent and has no key
        /// gets no copy), one minute after the entry was made.
        fn library_seal<T: Plaintext>(
            &self,
            subject: &[u8],
            sealings: &[Sealing<'_>],
            purposes: &[DynPurpose],
            value: &T,
        ) -> String {
            let key = || SecretKey::from_bytes(Zeroizing::new(self.root));
            let mut keyring =
                Keyring::with_root(self.suite, 1, key(), SystemTime::UNIX_EPOCH).unwrap();
            for version in 2..=3 {
                keyring
                    .insert_version(version, key(), SystemTime::UNIX_EPOCH)
                    .unwrap();
            }
            let vault = MemoryVault::new();
            for sealing in sealings {
                self.sealing_row(sealing).load(&vault);
            }
            let at = SystemTime::UNIX_EPOCH + Duration::from_secs(self.created + 60);
            let keys = KeySet::from_keyring(&keyring, purposes);
            let subjects = SubjectKeys::new(vault, keys, KeyringId::from_bytes(self.keyring))
                .unwrap()
                .with_clock(move || at);
            let (record, field, id) = self.context;
            let ctx = Context::new(record, field).with_id(id);
            subjects
                .seal_dyn::<T>(&Subject::bytes(subject), purposes, value, &ctx)
                .unwrap()
                .to_text()
        }

        /// Seals `value` with the library for the vector's purpose alone, under its own data key.
        fn sealed<T: Plaintext>(&self, value: &T) -> String {
            let own = self.own();
            self.library_seal(own.subject, &[own], &[self.dyn_purpose()], value)
        }

        fn dyn_purpose(&self) -> DynPurpose {
            let purpose = DynPurpose::new(self.purpose).unwrap();
            if self.consent {
                purpose.with_consent()
            } else {
                purpose
            }
        }

        /// The independent writer's value (fixed nonce and epoch ids): `self.payload` for each of
        /// `purposes`, under `deks`, all of generation `self.generation`.
        fn written(&self, purposes: &[&str], deks: &[[u8; 32]]) -> String {
            let nonce: Vec<u8> = (0..self.suite.nonce_len())
                .map(|i| 0xc0 + i as u8)
                .collect();
            super::text(&independent::seal(&independent::Spec {
                suite: self.suite.id(),
                mode: 2,
                type_byte: type_byte(self.ty),
                root: self.root,
                version: self.generation,
                purposes,
                payload: self.payload,
                ctx: self.context,
                nonce: &nonce,
                epochs: &[[0x5c; 8], [0x6c; 8], [0x7c; 8]],
                part_keys: Some(deks),
            }))
        }
    }

    /// Writes numbered vector files.
    struct Out {
        dir: PathBuf,
        written: usize,
    }

    impl Out {
        /// Writes `v` with its value, checking it with the independent reader on the way.
        fn write(&mut self, v: &Vector<'_>, value: &str) {
            let list = |versions: &[u32]| {
                versions
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let pk = v.pk(v.key_version);
            let mut out = format!(
                "comment: {}\nexpect: {}\nsuite: {}\nroot_key: {}\nheld_versions: {}\n\
                 retired_versions: {}\nkeyring_id: {}\npurpose: {}\nconsent: {}\npurpose_key: {}\n\
                 subject: {}\ngeneration: {}\nkey_version: {}\ncreated: {}\nexpires: {}\n",
                v.comment,
                v.expect,
                suite_name(v.suite),
                hex::encode(v.root),
                list(v.held),
                list(v.retired),
                hex::encode(v.keyring),
                v.purpose,
                if v.consent { "yes" } else { "no" },
                hex::encode(pk),
                hex::encode(v.subject),
                v.generation,
                v.key_version,
                v.created,
                v.expires,
            );
            if let Some((generation, why, at)) = v.destroyed() {
                out += &format!("destroyed: {generation} {} {at}\n", why.as_str());
            }
            if let Some(at) = v.erased {
                out += &format!("erased: {at}\n");
            }
            out += &format!(
                "dek: {}\nkek: {}\nentry_aad: {}\nwrapped: {}\n",
                hex::encode(v.dek),
                hex::encode(independent::kek(&pk)),
                hex::encode(independent::entry_aad(&v.entry())),
                hex::encode(v.wrapped()),
            );
            if let Some(keyring) = v.wrapped_keyring {
                out += &format!("wrapped_keyring_id: {}\n", hex::encode(keyring));
            }
            if let Some(bit) = v.flipped_bit {
                out += &format!("wrapped_bit_flipped: {bit}\n");
            }
            if let Some((version, wrapped)) = v.rewrapped_from() {
                out += &format!(
                    "rewrapped_from_version: {version}\nrewrapped_from: {}\n",
                    hex::encode(wrapped)
                );
            }
            if let Some((subject, dek)) = v.sealed_for {
                out += &format!(
                    "sealed_subject: {}\nsealed_dek: {}\n",
                    hex::encode(subject),
                    hex::encode(dek)
                );
            }
            out += &format!("now: {}\n", v.now);
            let (record, field, id) = v.context;
            match (
                independent::open(value, &v.reader(), v.context, type_byte(v.ty)),
                v.expect,
            ) {
                (Ok(opened), "open") => {
                    assert_eq!(opened.payload, v.payload, "{}", v.name);
                    assert_eq!(opened.key, v.dek, "{}", v.name);
                    out += &format!("aead_key: {}\n", hex::encode(opened.aead_key));
                }
                (Err(got), expect) => assert_eq!(got, Fail::is(super::leak(expect)), "{}", v.name),
                (Ok(_), expect) => panic!("{}: expected {expect}, but it opened", v.name),
            }
            out += &format!(
                "record: {record}\nfield: {field}\nid: {}\ntype: {}\nplaintext: {}\nvalue: {value}\n",
                hex::encode(id),
                v.ty,
                hex::encode(v.payload)
            );
            let out: String = out.lines().flat_map(|l| [l.trim_end(), "\n"]).collect();
            self.written += 1;
            let file = format!("{:02}-{}.txt", self.written, v.name);
            std::fs::write(self.dir.join(file), out).unwrap();
        }
    }

    pub(super) fn write_all(dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "txt") {
                std::fs::remove_file(path).unwrap();
            }
        }
        let mut out = Out {
            dir: dir.to_owned(),
            written: 0,
        };
        let keyring: [u8; 16] = core::array::from_fn(|i| 0x40 + i as u8);
        let other_keyring: [u8; 16] = core::array::from_fn(|i| 0x80 + i as u8);
        let root_a: [u8; 32] = core::array::from_fn(|i| i as u8);
        let root_b: [u8; 32] = core::array::from_fn(|i| 0xff - i as u8);
        // §15.1: a subject is named as a record id is (§6): an integer as 16 bytes.
        let ada = Subject::int(1001u64).as_bytes().to_vec();
        assert_eq!(ada, 1001u128.to_be_bytes());
        let bob = 1002u128.to_be_bytes();
        let grace = b"cust-0042";
        let order = b"ord-7731";
        let dek = |n: u8| -> [u8; 32] { core::array::from_fn(|i| n.wrapping_mul(0x11) ^ i as u8) };
        let wnonce = |n: u8| -> [u8; 12] { core::array::from_fn(|i| (0x30 + i as u8) ^ n) };
        let created = 1_700_000_000u64;
        let day = 86_400u64;
        let email = "ada@example.com";
        let base = Vector {
            name: "",
            comment: "",
            expect: "open",
            suite: Suite::Aes256Gcm,
            root: root_a,
            held: &[1],
            retired: &[],
            keyring,
            purpose: "fulfillment",
            consent: false,
            subject: &ada,
            generation: 1,
            key_version: 1,
            created,
            expires: 0,
            destroyed: None,
            erased: None,
            dek: dek(1),
            wnonce: wnonce(1),
            wrapped_keyring: None,
            flipped_bit: None,
            rewrapped_from: None,
            sealed_for: None,
            now: created + day,
            context: ("customer", "email", &ada),
            ty: "String",
            payload: email.as_bytes(),
        };
        let string = |v: &Vector<'_>| v.sealed(&String::from_utf8(v.payload.to_vec()).unwrap());

        // Values that open.

        let v = Vector {
            name: "aes-integer-subject",
            comment: "AES-256-GCM, customer 1001 (an integer subject: 16 bytes), purpose fulfillment, the first data key (generation 1) wrapped under key version 1; sealed by fieldseal",
            ..base
        };
        out.write(&v, &string(&v));

        let address = Address {
            street: "12 St James's Square".into(),
            city: "London".into(),
            postcode: "SW1Y 4JH".into(),
            country: "GB".into(),
        };
        let json = serde_json::to_vec(&address).unwrap();
        let v = Vector {
            name: "xchacha-string-subject-order-record",
            comment: "XChaCha20-Poly1305, subject cust-0042 (a string subject: its UTF-8 bytes), a JSON address in an order record: the context's id is the order's, the subject the customer's",
            suite: Suite::XChaCha20Poly1305,
            root: root_b,
            subject: grace,
            dek: dek(2),
            wnonce: wnonce(2),
            context: ("order", "shipping_address", order),
            ty: "Json",
            payload: &json,
            ..base
        };
        out.write(&v, &v.sealed(&Json(address.clone())));

        let marketing = Vector {
            purpose: "marketing",
            consent: true,
            ..base
        };
        let v = Vector {
            name: "aes-generation-3",
            comment: "marketing, which needs consent: the subject withdrew twice and consented again, so the live data key is generation 3 (generation 2 withdrawn); sealed by fieldseal under generation 3",
            generation: 3,
            created: created + 2 * day,
            destroyed: Some(("withdrawn", created + day)),
            dek: dek(3),
            wnonce: wnonce(3),
            now: created + 3 * day,
            ..marketing
        };
        out.write(&v, &string(&v));

        let birth_year = 1815u16.to_be_bytes();
        let analytics = Vector {
            suite: Suite::XChaCha20Poly1305,
            root: root_b,
            purpose: "analytics",
            subject: grace,
            expires: created + 90 * day,
            dek: dek(4),
            wnonce: wnonce(4),
            context: ("customer", "birth_year", grace),
            ty: "u16",
            payload: &birth_year,
            ..base
        };
        let v = Vector {
            name: "xchacha-entry-with-expiry",
            comment: "analytics keeps its data keys 90 days: the entry expires at created + 7776000, and the reader's clock is one second before",
            now: created + 90 * day - 1,
            ..analytics
        };
        out.write(&v, &v.sealed(&1815u16));
        let with_expiry = v.sealed(&1815u16);

        let v = Vector {
            name: "aes-independent-writer",
            comment: "written by the independent writer from this document, with a fixed nonce and epoch ids: two parts, fulfillment and marketing, each under its own data key of generation 1; opened as marketing",
            dek: dek(5),
            wnonce: wnonce(5),
            ..marketing
        };
        out.write(
            &v,
            &v.written(&["fulfillment", "marketing"], &[dek(6), dek(5)]),
        );

        let v = Vector {
            name: "xchacha-independent-writer",
            comment: "written by the independent writer, with a fixed nonce: one part, a bool",
            suite: Suite::XChaCha20Poly1305,
            subject: grace,
            dek: dek(7),
            wnonce: wnonce(7),
            context: ("customer", "newsletter", grace),
            ty: "bool",
            payload: &[1],
            ..base
        };
        out.write(&v, &v.written(&["fulfillment"], &[dek(7)]));

        let v = Vector {
            name: "rewrapped-under-version-2",
            comment: "sealed when the data key was wrapped under key version 1; after a rotation the entry was rewrapped under version 2 (a new wnonce, the same data key), version 1 retired: the value, unchanged, opens",
            held: &[2],
            retired: &[1],
            key_version: 2,
            rewrapped_from: Some((1, wnonce(8))),
            dek: dek(8),
            wnonce: wnonce(9),
            ..base
        };
        out.write(&v, &string(&v));

        // Consent (§15.4): a purpose that needs it gets a copy only while it stands.

        let two = Vector {
            dek: dek(10),
            wnonce: wnonce(10),
            ..base
        };
        let fulfillment_only = two.library_seal(
            &ada,
            &[two.own()],
            &[
                DynPurpose::new("fulfillment").unwrap(),
                DynPurpose::new("marketing").unwrap().with_consent(),
            ],
            &email.to_owned(),
        );
        let v = Vector {
            name: "two-purposes-one-consent",
            comment: "sealed by fieldseal for fulfillment and marketing, marketing needing consent and the subject not having given it: the value holds the fulfillment part alone, which opens",
            ..two
        };
        out.write(&v, &fulfillment_only);

        let v = Vector {
            name: "two-purposes-no-consent-copy",
            comment: "the value above opened as marketing: no copy, for want of consent when it was sealed (the subject consented later, and has a marketing data key now: it does not give old values a copy)",
            expect: "no-consent-copy",
            dek: dek(11),
            wnonce: wnonce(11),
            created: created + day,
            now: created + 2 * day,
            ..marketing
        };
        out.write(&v, &fulfillment_only);

        let no_copies = Vector {
            context: ("customer", "newsletter", &ada),
            ty: "bool",
            payload: &[],
            ..base
        };
        let empty = no_copies.library_seal(
            &ada,
            &[],
            &[
                DynPurpose::new("marketing").unwrap().with_consent(),
                DynPurpose::new("third-party:acme").unwrap(),
            ],
            &true,
        );
        let v = Vector {
            name: "no-copies-no-consent-copy",
            comment: "a bool sealed by fieldseal for marketing and third-party:acme, both needing consent, which the subject had not given: count 0, ct_len 0 (not the width of a bool), no part; opened as third-party:acme: no consent copy",
            expect: "no-consent-copy",
            purpose: "third-party:acme",
            consent: true,
            dek: dek(12),
            wnonce: wnonce(12),
            ..no_copies
        };
        out.write(&v, &empty);

        let v = Vector {
            name: "no-copies-not-sealed-for",
            comment: "the value without copies above opened as fulfillment, which needs no consent: not sealed for (naming no purpose)",
            expect: "not-sealed-for",
            dek: dek(13),
            wnonce: wnonce(13),
            ..no_copies
        };
        out.write(&v, &empty);

        let v = Vector {
            name: "order-type-before-no-consent-copy",
            comment: "the value without copies above (a bool) opened as a u64 as third-party:acme: step 3 before step 6",
            expect: "type-mismatch",
            purpose: "third-party:acme",
            consent: true,
            dek: dek(12),
            wnonce: wnonce(12),
            ty: "u64",
            ..no_copies
        };
        out.write(&v, &empty);

        // Step 7 (§15.1): the vault.

        let v = Vector {
            name: "consent-withdrawn",
            comment: "sealed under marketing's generation 1; the subject withdrew (generation 1 destroyed) and consented again (generation 2 live): consent withdrawn",
            expect: "consent-withdrawn",
            generation: 2,
            created: created + 2 * day,
            destroyed: Some(("withdrawn", created + day)),
            dek: dek(14),
            wnonce: wnonce(14),
            now: created + 3 * day,
            ..marketing
        };
        let first_key = Sealing {
            dek: dek(15),
            generation: 1,
            ..v.own()
        };
        out.write(
            &v,
            &v.library_seal(&ada, &[first_key], &[v.dyn_purpose()], &email.to_owned()),
        );

        let v = Vector {
            name: "unknown-data-key",
            comment: "sealed under generation 2; the vault knows generation 1 only (restored from a backup older than the value): unknown data key",
            expect: "unknown-data-key",
            dek: dek(16),
            wnonce: wnonce(16),
            ..base
        };
        let newer = Sealing {
            dek: dek(17),
            generation: 2,
            ..v.own()
        };
        out.write(
            &v,
            &v.library_seal(&ada, &[newer], &[v.dyn_purpose()], &email.to_owned()),
        );

        let v = Vector {
            name: "retention-expired-at-expiry",
            comment: "the analytics value above, the reader's clock at the entry's expiry exactly (no sweep destroyed it yet): retention expired, from that second on",
            expect: "retention-expired",
            now: created + 90 * day,
            ..analytics
        };
        out.write(&v, &with_expiry);

        let v = Vector {
            name: "subject-erased",
            comment: "the subject was forgotten after the value was sealed: subject erased, with the time",
            expect: "subject-erased",
            erased: Some(created + 2 * day),
            now: created + 3 * day,
            dek: dek(18),
            wnonce: wnonce(18),
            ..base
        };
        out.write(&v, &string(&v));

        let v = Vector {
            name: "entry-under-a-version-not-held",
            comment: "the entry is wrapped under key version 2; the reader holds version 1 only: unknown key version, naming 2",
            expect: "unknown-key-version",
            key_version: 2,
            dek: dek(19),
            wnonce: wnonce(19),
            ..base
        };
        out.write(&v, &string(&v));

        let v = Vector {
            name: "entry-under-a-retired-version",
            comment: "the entry is still wrapped under key version 1, which the reader knows was retired (it holds version 2; a version is retired only once no entry is wrapped under it, section 15.2): retired key version, naming 1",
            expect: "retired-key-version",
            held: &[2],
            retired: &[1],
            dek: dek(31),
            wnonce: wnonce(31),
            ..base
        };
        out.write(&v, &string(&v));

        let v = Vector {
            name: "corrupt-entry-wrap-altered",
            comment: "a bit of the wrapped data key flipped in the vault: the entry does not unwrap",
            expect: "corrupt-entry",
            flipped_bit: Some(12 * 8 + 3),
            dek: dek(20),
            wnonce: wnonce(20),
            ..base
        };
        out.write(&v, &string(&v));

        let v = Vector {
            name: "corrupt-entry-other-keyring",
            comment: "the entry was wrapped for another keyring (wrapped_keyring_id), with the same purpose key: it does not unwrap for this one",
            expect: "corrupt-entry",
            wrapped_keyring: Some(other_keyring),
            dek: dek(21),
            wnonce: wnonce(21),
            ..base
        };
        out.write(&v, &string(&v));

        let v = Vector {
            name: "cannot-open-other-subject",
            comment: "sealed for customer 1001 (sealed_subject, under sealed_dek), opened for customer 1002, whose own data key of the same generation the vault holds: the subject is not in the associated data, but the data key differs, so it must not open",
            expect: "cannot-open",
            subject: &bob,
            sealed_for: Some((&ada, dek(22))),
            dek: dek(23),
            wnonce: wnonce(23),
            ..base
        };
        out.write(&v, &string(&v));

        let long_subject = [0x5b; 257];
        let v = Vector {
            name: "subject-257-bytes",
            comment: "the reader asks for a subject of 257 bytes: refused with the context (subject ids are 1 to 256 bytes), before the vault",
            expect: "bad-context",
            subject: &long_subject,
            sealed_for: Some((&ada, dek(24))),
            dek: dek(25),
            wnonce: wnonce(25),
            ..base
        };
        out.write(&v, &string(&v));

        let v = Vector {
            name: "subject-empty",
            comment: "the reader asks for an empty subject: refused with the context",
            expect: "bad-context",
            subject: &[],
            sealed_for: Some((&ada, dek(24))),
            dek: dek(26),
            wnonce: wnonce(26),
            ..base
        };
        out.write(&v, &string(&v));

        // Step 7, which fault wins.

        let v = Vector {
            name: "no-consent-copy-erased",
            comment: "the fulfillment-only value above opened as marketing for a forgotten subject: the missing copy of a purpose that needs consent is reported as subject erased, with the time",
            expect: "subject-erased",
            erased: Some(created + day),
            dek: dek(27),
            wnonce: wnonce(27),
            ..marketing
        };
        out.write(&v, &fulfillment_only);

        let v = Vector {
            name: "order-corrupt-entry-before-generation",
            comment: "sealed under generation 2, the vault's entry is generation 1 and does not unwrap (a bit flipped): the entry is unwrapped before its generation is trusted",
            expect: "corrupt-entry",
            flipped_bit: Some(59 * 8),
            dek: dek(28),
            wnonce: wnonce(28),
            ..base
        };
        let newer = Sealing {
            dek: dek(29),
            generation: 2,
            ..v.own()
        };
        out.write(
            &v,
            &v.library_seal(&ada, &[newer], &[v.dyn_purpose()], &email.to_owned()),
        );

        let v = Vector {
            name: "order-corrupt-entry-before-expiry",
            comment: "an entry past its expiry that does not unwrap (a bit flipped): the entry is unwrapped before its expiry is trusted",
            expect: "corrupt-entry",
            flipped_bit: Some(40 * 8 + 7),
            dek: dek(30),
            wnonce: wnonce(30),
            now: created + 91 * day,
            ..analytics
        };
        out.write(&v, &v.sealed(&1815u16));

        let v = Vector {
            name: "order-expiry-before-authentication",
            comment: "the analytics value above with its tag's last bit flipped, the entry past its expiry: step 7 before step 9",
            expect: "retention-expired",
            now: created + 91 * day,
            ..analytics
        };
        let mut bytes = super::binary(&with_expiry).unwrap();
        *bytes.last_mut().unwrap() ^= 1;
        out.write(&v, &super::text(&bytes));
    }
}
