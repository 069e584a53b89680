//! Errors and `Debug` output never hold plaintext or key bytes: every error the API can be made
//! to return is rendered with `Display`, `Debug` and `{:#?}` and searched for the plaintext and for
//! the root and purpose key bytes in hex, decimal and base64; keys, key sets, keyrings, sealed
//! values and contexts print `[REDACTED]` or lengths instead.

mod common;

use std::collections::BTreeMap;
use std::fmt::{Debug, Display};
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::{Analytics, Fulfillment, Marketing, PLAINTEXT, ROOT_KEY, known_keyring};
use fieldseal::record::RecordIndex;
use fieldseal::{
    Context, DynPurpose, DynPurposeKey, IndexSpec, IndexTerm, Json, KeySet, Keyring, PurposeKey,
    Sealed, SecretKey, Suite,
};
use zeroize::Zeroizing;

/// Everything that must not appear in any rendering.
struct Secrets {
    needles: Vec<String>,
}

impl Secrets {
    fn new(keyring: &Keyring) -> Self {
        let mut keys = vec![ROOT_KEY];
        for purpose in ["fulfillment", "marketing", "analytics"] {
            let key = keyring.dyn_purpose_key(&DynPurpose::new(purpose).unwrap());
            keys.push(*key.dangerous_export_version(1).unwrap());
        }
        // The index keys of `index_errors` (FORMAT.md §16.1), which the API never hands out.
        for version in [1, 2] {
            keys.push(index_key(&ROOT_KEY, "email", version));
        }
        let mut needles = vec![
            PLAINTEXT.to_owned(),
            "SECRET".to_owned(),
            "PLAINTEXT".to_owned(),
            hex::encode(PLAINTEXT),
            "ada@example.com".to_owned(),
        ];
        // The record id of `ctx()` is personal data: no rendering of it either.
        let id = b"ada@example.com";
        let decimals: Vec<String> = id.iter().map(u8::to_string).collect();
        needles.extend([hex::encode(id), decimals.join(", "), decimals.join(",")]);
        for key in keys {
            needles.push(hex::encode(key));
            needles.push(hex::encode_upper(key));
            needles.push(STANDARD.encode(key));
            needles.push(URL_SAFE_NO_PAD.encode(key));
            for window in key.windows(6) {
                needles.push(hex::encode(window));
                needles.push(hex::encode_upper(window));
                needles.push(STANDARD.encode(window));
            }
            // `{:?}` of a byte array or slice: "[167, 60, 145, ...]"; any four in a row.
            for window in key.windows(4) {
                let decimals: Vec<String> = window.iter().map(u8::to_string).collect();
                needles.push(decimals.join(", "));
                needles.push(decimals.join(","));
            }
        }
        Self { needles }
    }

    /// The first secret rendering found in `text`.
    fn find(&self, text: &str) -> Option<&str> {
        self.needles
            .iter()
            .map(String::as_str)
            .find(|needle| text.contains(needle))
    }

    fn check_text(&self, what: &str, text: &str) {
        if let Some(needle) = self.find(text) {
            panic!("{what} shows {needle:?}: {text}");
        }
    }

    fn check_error(&self, what: &str, e: &(impl Display + Debug)) {
        self.check_text(what, &e.to_string());
        self.check_text(what, &format!("{e:?}"));
        self.check_text(what, &format!("{e:#?}"));
    }

    fn check_debug(&self, what: &str, value: &impl Debug) {
        self.check_text(what, &format!("{value:?}"));
        self.check_text(what, &format!("{value:#?}"));
    }
}

fn ctx() -> Context<'static> {
    Context::new("customer", "email").with_id_str("ada@example.com")
}

/// FORMAT.md §16.1's index key, from the raw HKDF.
fn index_key(root: &[u8; 32], name: &str, version: u32) -> [u8; 32] {
    let mut info = b"fieldseal/v1/index".to_vec();
    info.extend_from_slice(&(name.len() as u32).to_be_bytes());
    info.extend_from_slice(name.as_bytes());
    info.extend_from_slice(&version.to_be_bytes());
    let mut out = [0; 32];
    hkdf::Hkdf::<sha2::Sha256>::new(Some(b"fieldseal/v1/root"), root)
        .expand(&info, &mut out)
        .unwrap();
    out
}

/// The errors of blind indexes (FORMAT.md §16), with the plaintext as the value indexed.
fn index_errors(suite: Suite) -> Vec<(&'static str, fieldseal::Result<()>)> {
    let mut keyring = known_keyring(suite);
    let spec = || {
        IndexSpec::new("email")
            .unwrap()
            .with_normalizer("email")
            .unwrap()
    };
    keyring.add_index(spec()).unwrap();
    let before = keyring.index_key("email").unwrap();
    keyring.add_version().unwrap();
    keyring.set_active(2).unwrap();
    keyring.rotate_index("email").unwrap();
    let during = keyring.index_key("email").unwrap();
    let new_term = during.term(PLAINTEXT.as_bytes()).unwrap();
    let old_term = during
        .term_with_version(1, &[PLAINTEXT.as_bytes()])
        .unwrap();
    keyring.finish_index_migration("email").unwrap();
    let after = keyring.index_key("email").unwrap();
    let mut narrow = known_keyring(suite);
    narrow
        .add_index(IndexSpec::new("email").unwrap().with_width(8).unwrap())
        .unwrap();
    let narrow = narrow.index_key("email").unwrap();
    let mut pinned = known_keyring(suite);
    pinned.add_index(spec()).unwrap();
    pinned.rotate().unwrap();
    let email_keys = KeySet::new().with_index(keyring.index_key("email").unwrap());
    vec![
        (
            "index: unknown",
            KeySet::new().require_index("email").map(drop),
        ),
        (
            "index: invalid name",
            IndexSpec::new("Email Index").map(drop),
        ),
        (
            "index: invalid width",
            IndexSpec::new("email").unwrap().with_width(33).map(drop),
        ),
        (
            "index: invalid normalizer",
            IndexSpec::new("email")
                .unwrap()
                .with_normalizer(&format!("{PLAINTEXT}\n"))
                .map(drop),
        ),
        ("index: no part", after.term_parts(&[]).map(drop)),
        (
            "index: text not base64",
            IndexTerm::from_text(&format!("{PLAINTEXT}!")).map(drop),
        ),
        (
            "index: text too long",
            IndexTerm::from_text(&PLAINTEXT.repeat(4)).map(drop),
        ),
        (
            "index: wrong width",
            narrow.parse_term(&new_term.to_text()).map(drop),
        ),
        ("index: unknown version", before.check(&new_term)),
        ("index: retired version", after.check(&old_term)),
        (
            "index: empty bundle",
            keyring
                .export_bundle_with_indexes("support-search", &[], &[])
                .map(drop),
        ),
        ("index: exists", keyring.add_index(spec())),
        ("index: root pinned", pinned.retire(1)),
        (
            "index: value not normalized",
            record_index("email")
                .term(&email_keys, &[PLAINTEXT])
                .map(drop),
        ),
        (
            "index: normalizer not made",
            RecordIndex::new("email")
                .and_then(|i| i.part("phone", "phone:XX"))
                .map(drop),
        ),
        (
            "index: normalizer mismatch",
            record_index("text").term(&email_keys, &["Ada"]).map(drop),
        ),
    ]
}

/// An index `email` over the field `email`, normalized as `description` says.
fn record_index(description: &str) -> RecordIndex {
    RecordIndex::new("email")
        .unwrap()
        .part("email", description)
        .unwrap()
}

/// Every error variant the public API can be driven to, for one suite.
#[allow(
    clippy::too_many_lines,
    reason = "one table of cases, each a line, reads better than several"
)]
fn provoke_errors(suite: Suite, keyring: &Keyring) -> Vec<(String, fieldseal::Error)> {
    let f = keyring.purpose_key::<Fulfillment>();
    let m = keyring.purpose_key::<Marketing>();
    let plaintext = PLAINTEXT.to_owned();
    let one: Sealed<String, Fulfillment> = Sealed::seal(&plaintext, &ctx(), &f).unwrap();
    let two: Sealed<String, (Fulfillment, Marketing)> =
        Sealed::seal(&plaintext, &ctx(), &(&f, &m)).unwrap();
    let bytes = one.as_bytes().to_vec();
    let with = |offset: usize, byte: u8| {
        let mut b = bytes.clone();
        b[offset] = byte;
        b
    };
    let parse = |b: Vec<u8>| Sealed::<String, Fulfillment>::from_bytes(b).map(drop);
    let name_at = common::layout(&bytes).parts[0].name_bytes.start;
    let flag: Sealed<bool, Fulfillment> = Sealed::seal(&true, &ctx(), &f).unwrap();
    let mut flag_as_two_bytes = flag.as_bytes().to_vec();
    flag_as_two_bytes[8] = 2; // ct_len 2 for a bool, whose payload is 1 byte
    let secret_id = PLAINTEXT.repeat(13);
    let long_id = Context::new("customer", "email").with_id(secret_id.as_bytes());
    let long_record = format!("{PLAINTEXT}{}", "x".repeat(64));
    let mut rotated = known_keyring(suite);
    rotated.add_version().unwrap();
    rotated.set_active(2).unwrap();
    let v2 = rotated.purpose_key::<Fulfillment>();
    let only_v2 = DynPurposeKey::from_versions(
        DynPurpose::of::<Fulfillment>(),
        suite,
        [(
            2,
            v2.as_dyn().dangerous_export_version(2).unwrap(),
            v2.as_dyn().key_check(2).unwrap(),
        )],
        2,
    )
    .unwrap();
    let keys = KeySet::new().with(m.share());
    let json: Sealed<Json<BTreeMap<String, String>>, Fulfillment> = Sealed::seal(
        &Json(BTreeMap::from([(
            PLAINTEXT.to_owned(),
            PLAINTEXT.to_owned(),
        )])),
        &ctx(),
        &f,
    )
    .unwrap();
    let json_as_list =
        Sealed::<Json<Vec<u32>>, Fulfillment>::from_bytes(json.as_bytes().to_vec()).unwrap();
    let json_as_struct =
        Sealed::<Json<Strict>, Fulfillment>::from_bytes(json.into_bytes()).unwrap();
    let mut other_ring = known_keyring(suite);
    let results: Vec<(&str, fieldseal::Result<()>)> = vec![
        (
            "cannot open: context",
            one.open(&f, &Context::new("customer", "email").without_id())
                .map(drop),
        ),
        (
            "cannot open: foreign key",
            one.open(&common::keyring(suite).purpose_key(), &ctx())
                .map(drop),
        ),
        ("truncated", parse(bytes[..bytes.len() - 1].to_vec())),
        (
            "trailing",
            parse([&bytes[..], PLAINTEXT.as_bytes()].concat()),
        ),
        ("bad length", parse(with(5, 0x80))),
        (
            "payload length",
            Sealed::<bool, Fulfillment>::from_bytes(flag_as_two_bytes).map(drop),
        ),
        ("no parts", parse(with(4, 0))),
        ("too many parts", parse(with(4, 9))),
        ("bad purpose name", parse(with(name_at, b'F'))),
        (
            "purpose set mismatch",
            Sealed::<String, Marketing>::from_bytes(bytes.clone()).map(drop),
        ),
        (
            "duplicate part",
            Sealed::<String, (Fulfillment, Marketing)>::from_bytes(duplicate_part(&two)).map(drop),
        ),
        (
            "missing prefix",
            Sealed::<String, Fulfillment>::from_text(PLAINTEXT).map(drop),
        ),
        (
            "bad base64",
            Sealed::<String, Fulfillment>::from_text(&format!("fs1:{PLAINTEXT}")).map(drop),
        ),
        ("unknown version", parse(with(0, 2))),
        ("unknown suite", parse(with(1, 0x7f))),
        ("unknown mode", parse(with(2, 0x03))),
        ("unknown plaintext type", parse(with(3, 0x0e))),
        ("not sealed for", one.open_dyn(m.as_dyn(), &ctx()).map(drop)),
        (
            "unknown key version",
            one.open_dyn(&only_v2, &ctx()).map(drop),
        ),
        (
            "no key for purpose",
            one.open_with::<Fulfillment, _>(&keys, &ctx()).map(drop),
        ),
        (
            "no key to seal",
            keys.seal::<Analytics, String>(&plaintext, &ctx()).map(drop),
        ),
        (
            "invalid purpose name",
            DynPurpose::new("Secret Purpose").map(drop),
        ),
        (
            "duplicate purpose",
            Sealed::<String, (Marketing, Marketing)>::seal(&plaintext, &ctx(), &(&m, &m)).map(drop),
        ),
        (
            "no purpose",
            keys.seal_dyn::<String>(&[], &plaintext, &ctx()).map(drop),
        ),
        (
            "context too long: id",
            Sealed::<String, Fulfillment>::seal(&plaintext, &long_id, &f).map(drop),
        ),
        (
            "context too long: record",
            one.open(&f, &Context::new(&long_record, "email").without_id())
                .map(drop),
        ),
        (
            "empty context",
            one.open(&f, &Context::new("customer", "").without_id())
                .map(drop),
        ),
        (
            "type mismatch",
            Sealed::<u64, Fulfillment>::from_bytes(bytes.clone()).map(drop),
        ),
        (
            "json as another type",
            json_as_list.open(&f, &ctx()).map(drop),
        ),
        (
            "json missing field",
            json_as_struct.open(&f, &ctx()).map(drop),
        ),
        (
            "json not serializable",
            Sealed::<Json<BTreeMap<(u8, u8), String>>, Fulfillment>::seal(
                &Json(BTreeMap::from([((1, 2), plaintext.clone())])),
                &ctx(),
                &f,
            )
            .map(drop),
        ),
        ("keyring: no such version", rotated.set_active(3)),
        (
            "keyring: version exists",
            other_ring.insert_version(
                1,
                SecretKey::from_bytes(Zeroizing::new(ROOT_KEY)),
                SystemTime::now(),
            ),
        ),
        (
            "no such root version",
            known_keyring(suite).dangerous_root_key(2).map(drop),
        ),
        (
            "export of a missing version",
            f.as_dyn().dangerous_export_version(9).map(drop),
        ),
    ];
    let mut results = results;
    results.extend(subject_mode_errors(keyring));
    results.extend(index_errors(suite));
    results
        .into_iter()
        .map(|(what, result)| {
            let e = result.expect_err(what);
            (format!("{suite:?} {what}"), e)
        })
        .collect()
}

/// A JSON plaintext type whose fields the sealed map does not have.
#[derive(Debug, serde::Deserialize, serde::Serialize)]
struct Strict {
    #[allow(dead_code, reason = "only its absence from the JSON matters")]
    name: String,
}

/// `two` with its second part replaced by a copy of its first: two parts of one purpose.
fn duplicate_part(two: &Sealed<String, (Fulfillment, Marketing)>) -> Vec<u8> {
    let bytes = two.as_bytes();
    let parts = common::layout(bytes).parts;
    let first = &bytes[parts[0].all()];
    [&bytes[..parts[0].name_len_at], first, first].concat()
}

#[test]
fn no_error_shows_plaintext_or_key_bytes() {
    for suite in Suite::ALL {
        let keyring = known_keyring(suite);
        let secrets = Secrets::new(&keyring);
        let errors = provoke_errors(suite, &keyring);
        for (what, e) in &errors {
            secrets.check_error(what, e);
            let shown = e.to_string();
            assert!(!shown.contains("  "), "{what}: a broken line in {shown:?}");
            assert!(!shown.contains(": ;"), "{what}: an empty list in {shown:?}");
        }
        // The errors that must stay opaque say nothing about why.
        let cannot: Vec<&String> = errors
            .iter()
            .filter(|(_, e)| matches!(e, fieldseal::Error::CannotOpen { .. }))
            .map(|(w, _)| w)
            .collect();
        assert_eq!(cannot.len(), 2, "{cannot:?}");
    }
}

/// Deserializing garbage that holds the plaintext never echoes it in the serde error.
#[test]
fn serde_errors_do_not_echo_their_input() {
    let keyring = known_keyring(Suite::default());
    let secrets = Secrets::new(&keyring);
    let encoded = URL_SAFE_NO_PAD.encode(PLAINTEXT);
    let inputs = [
        format!("\"{PLAINTEXT}\""),
        format!("\"fs1:{PLAINTEXT}\""),
        format!("\"fs1:{encoded}\""),
        format!("\"fs2:{encoded}\""),
        format!("\"fs1:AQEB{encoded}\""),
    ];
    for input in &inputs {
        let e = serde_json::from_str::<Sealed<String, Fulfillment>>(input).unwrap_err();
        secrets.check_error(input, &e);
    }
    let garbage = [b"\x01\x01\x01\0\0\0\x16".as_slice(), PLAINTEXT.as_bytes()].concat();
    let framed = bincode::serialize(&garbage).unwrap();
    let e = bincode::deserialize::<Sealed<String, Fulfillment>>(&framed).unwrap_err();
    secrets.check_error("bincode", &e);
}

#[test]
fn keys_keyrings_and_key_sets_print_redacted() {
    for suite in Suite::ALL {
        let mut keyring = known_keyring(suite);
        keyring.add_version().unwrap();
        let secrets = Secrets::new(&keyring);
        let f: PurposeKey<Fulfillment> = keyring.purpose_key();
        let m = keyring.dyn_purpose_key(&DynPurpose::of::<Marketing>());
        let keys = KeySet::new()
            .with(f.share())
            .with(keyring.purpose_key::<Analytics>());
        keyring.add_index(IndexSpec::new("email").unwrap()).unwrap();
        let index = keyring.index_key("email").unwrap();
        let keys = keys.with_index(index.share());
        let secret = SecretKey::from_bytes(Zeroizing::new(ROOT_KEY));
        assert_eq!(format!("{secret:?}"), "SecretKey([REDACTED])");
        assert!(format!("{:?}", keyring.dangerous_root_key(1).unwrap()).contains("[REDACTED]"));
        for (what, shown) in [
            ("keyring", format!("{keyring:?}")),
            ("purpose key", format!("{f:?}")),
            ("dyn purpose key", format!("{m:?}")),
            ("key set", format!("{keys:?}")),
            ("index key", format!("{index:?}")),
            ("secret key", format!("{secret:?}")),
        ] {
            assert!(shown.contains("[REDACTED]"), "{what}: {shown}");
            secrets.check_text(what, &shown);
        }
        secrets.check_debug("keyring", &keyring);
        secrets.check_debug("purpose key", &f);
        secrets.check_debug("dyn purpose key", &m);
        secrets.check_debug("key set", &keys);
        // What they do show is useful and not secret.
        assert!(format!("{f:?}").contains("fulfillment"));
        assert!(format!("{m:?}").contains("marketing"));
    }
}

#[test]
fn sealed_values_and_contexts_print_no_content() {
    let keyring = known_keyring(Suite::default());
    let secrets = Secrets::new(&keyring);
    let f = keyring.purpose_key::<Fulfillment>();
    let sealed: Sealed<String, Fulfillment> =
        Sealed::seal(&PLAINTEXT.to_owned(), &ctx(), &f).unwrap();
    secrets.check_debug("sealed", &sealed);
    let shown = format!("{sealed:?}");
    assert!(shown.contains("fulfillment"), "{shown}");
    assert!(!shown.contains(&sealed.to_text()[4..20]), "{shown}");

    let by_email = ctx();
    secrets.check_debug("context", &by_email);
    let by_secret = Context::new("customer", "email").with_id(PLAINTEXT.as_bytes());
    secrets.check_debug("context", &by_secret);
    let shown = format!("{by_secret:?}");
    assert!(
        shown.contains(&PLAINTEXT.len().to_string()),
        "shows the id length: {shown}"
    );
    let numeric = Context::new("customer", "email")
        .with_id_int(u128::from_be_bytes(ROOT_KEY[..16].try_into().unwrap()));
    secrets.check_debug("context", &numeric);
}

/// The search itself finds what it looks for, so the tests above can fail.
#[test]
fn the_search_finds_each_rendering() {
    let keyring = known_keyring(Suite::default());
    let secrets = Secrets::new(&keyring);
    let purpose_key = *keyring
        .purpose_key::<Marketing>()
        .as_dyn()
        .dangerous_export_version(1)
        .unwrap();
    for leak in [
        format!("{ROOT_KEY:?}"),
        format!("{:?}", &purpose_key[10..14]),
        format!("key={}", hex::encode(&purpose_key[3..9])),
        hex::encode_upper(ROOT_KEY),
        STANDARD.encode(purpose_key),
        format!("oops: {PLAINTEXT}"),
        format!("{:?}", ctx().id()).replace(' ', ""),
        String::from_utf8(ctx().id().to_vec()).unwrap(),
    ] {
        assert!(secrets.find(&leak).is_some(), "not caught: {leak}");
    }
}

/// What each provoked error must be (its `Debug` form starts with this), so that the search above
/// covers every variant it claims to.
const EXPECTED: &[(&str, &str)] = &[
    ("cannot open: context", "CannotOpen"),
    ("cannot open: foreign key", "CannotOpen"),
    ("truncated", "Malformed(Truncated {"),
    ("trailing", "Malformed(TrailingBytes {"),
    ("bad length", "Malformed(BadLength {"),
    ("payload length", "Malformed(PayloadLength {"),
    ("no parts", "Malformed(NoParts)"),
    ("too many parts", "Malformed(TooManyParts {"),
    ("bad purpose name", "Malformed(BadPurposeName {"),
    ("purpose set mismatch", "Malformed(PurposeSetMismatch {"),
    ("duplicate part", "Malformed(DuplicatePurpose {"),
    ("missing prefix", "Malformed(MissingPrefix {"),
    ("bad base64", "Malformed(BadBase64)"),
    ("unknown version", "UnknownVersion {"),
    ("unknown suite", "UnknownSuite {"),
    ("unknown mode", "UnknownMode {"),
    ("unknown plaintext type", "UnknownPlaintextType {"),
    ("not sealed for", "NotSealedFor {"),
    ("unknown key version", "UnknownKeyVersion {"),
    ("no key for purpose", "NoKeyForPurpose {"),
    ("no key to seal", "NoKeyForPurpose {"),
    ("invalid purpose name", "InvalidPurposeName {"),
    ("duplicate purpose", "DuplicatePurpose {"),
    ("no purpose", "NoPurpose"),
    ("context too long: id", "ContextTooLong {"),
    ("context too long: record", "ContextTooLong {"),
    ("empty context", "EmptyContext {"),
    ("type mismatch", "TypeMismatch {"),
    ("json as another type", "PlaintextEncoding {"),
    ("json missing field", "PlaintextEncoding {"),
    ("json not serializable", "Unsealable {"),
    ("keyring: no such version", "Keyring(NoSuchVersion {"),
    ("keyring: version exists", "Keyring(VersionExists {"),
    ("no such root version", "Keyring(NoSuchVersion {"),
    ("export of a missing version", "UnknownKeyVersion {"),
    ("subject: wrong mode", "WrongMode {"),
    ("subject: no consent copy", "NoConsentCopy {"),
    ("subject: consent withdrawn", "ConsentWithdrawn {"),
    ("subject: unknown data key", "UnknownDataKey {"),
    ("subject: erased", "SubjectErased {"),
    ("subject: retention expired", "RetentionExpired {"),
    ("subject: wrong keyring", "Vault(WrongKeyring {"),
    ("subject: corrupt row", "Vault(Corrupt {"),
    ("index: unknown", "UnknownIndex {"),
    ("index: invalid name", "InvalidIndexName {"),
    ("index: invalid width", "InvalidIndexSpec {"),
    ("index: invalid normalizer", "InvalidIndexSpec {"),
    ("index: no part", "BadIndexParts {"),
    ("index: text not base64", "BadIndexTerm(NotBase64)"),
    ("index: text too long", "BadIndexTerm(Length {"),
    ("index: wrong width", "BadIndexTerm(WrongWidth {"),
    ("index: unknown version", "UnknownIndexVersion {"),
    ("index: retired version", "RetiredIndexVersion {"),
    ("index: empty bundle", "EmptyBundle {"),
    ("index: exists", "Keyring(IndexExists {"),
    ("index: root pinned", "Keyring(RootPinnedByIndex {"),
    ("index: value not normalized", "Normalize {"),
    ("index: normalizer not made", "Normalize {"),
    ("index: normalizer mismatch", "IndexNormalizerMismatch {"),
];

/// The errors of subject mode (FORMAT.md §15), each provoked for a subject whose id is the
/// plaintext (ids can be personal data: no error may show one).
fn subject_mode_errors(keyring: &Keyring) -> Vec<(&'static str, fieldseal::Result<()>)> {
    use fieldseal::vault::{KeyVault, MemoryVault, Subject, SubjectKeys};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    fieldseal::purpose!(Newsletter = "newsletter", consent);
    fieldseal::purpose!(Stats = "stats", retention_days = 1);

    let purposes = [
        DynPurpose::of::<Fulfillment>(),
        DynPurpose::of::<Newsletter>(),
        DynPurpose::of::<Stats>(),
    ];
    let vault = Arc::new(MemoryVault::new());
    let clock = Arc::new(AtomicU64::new(1_800_000_000));
    let at = Arc::clone(&clock);
    let subjects = SubjectKeys::new(
        Arc::clone(&vault),
        KeySet::from_keyring(keyring, &purposes),
        keyring.id(),
    )
    .unwrap()
    .with_clock(move || {
        SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(at.load(Ordering::SeqCst))
    })
    .with_cache(10, std::time::Duration::ZERO);
    let who = Subject::str(PLAINTEXT);
    let other = Subject::str("nobody-at-all");
    let email = |subjects: &SubjectKeys<Arc<MemoryVault>>| {
        subjects
            .seal::<String, (Fulfillment, Newsletter)>(&who, PLAINTEXT, &ctx())
            .unwrap()
    };
    let without = email(&subjects);
    subjects
        .grant(&who, &Newsletter.into(), "form", None)
        .unwrap();
    let with = email(&subjects);
    subjects.withdraw(&who, &Newsletter.into()).unwrap();
    let stats: Sealed<u32, Stats> = subjects.seal(&who, &7, &ctx()).unwrap();
    clock.fetch_add(2 * 86_400, Ordering::SeqCst);
    let direct = keyring.purpose_key::<Fulfillment>();
    let stranger = Keyring::generate(keyring.suite()).unwrap();
    let wrong_ring = SubjectKeys::new(
        Arc::clone(&vault),
        KeySet::from_keyring(&stranger, &purposes),
        stranger.id(),
    );
    let corrupt = {
        let stored = vault.keys_after(None, 1).unwrap().remove(0);
        let mut altered = stored.clone();
        altered.wrapped[30] ^= 1;
        assert!(vault.rewrap(&stored, &altered).unwrap());
        let result = subjects.open::<Fulfillment, _, _, _>(&without, &who, &ctx());
        assert!(vault.rewrap(&altered, &stored).unwrap());
        result
    };
    let mut out = vec![
        ("subject: wrong mode", with.open(&direct, &ctx()).map(drop)),
        (
            "subject: no consent copy",
            subjects
                .open::<Newsletter, _, _, _>(&without, &who, &ctx())
                .map(drop),
        ),
        (
            "subject: consent withdrawn",
            subjects
                .open::<Newsletter, _, _, _>(&with, &who, &ctx())
                .map(drop),
        ),
        (
            "subject: unknown data key",
            subjects
                .open::<Fulfillment, _, _, _>(&with, &other, &ctx())
                .map(drop),
        ),
    ];
    let expired = subjects
        .open::<Stats, _, _, _>(&stats, &who, &ctx())
        .map(drop);
    subjects.forget(&who).unwrap();
    out.push((
        "subject: erased",
        subjects
            .open::<Fulfillment, _, _, _>(&with, &who, &ctx())
            .map(drop),
    ));
    out.push(("subject: retention expired", expired));
    out.push(("subject: wrong keyring", wrong_ring.map(drop)));
    out.push(("subject: corrupt row", corrupt.map(drop)));
    out
}

#[test]
fn errors_are_the_variants_they_claim() {
    for suite in Suite::ALL {
        let errors = provoke_errors(suite, &known_keyring(suite));
        assert_eq!(errors.len(), EXPECTED.len());
        for ((what, e), (label, prefix)) in errors.iter().zip(EXPECTED) {
            assert_eq!(what, &format!("{suite:?} {label}"));
            let shown = format!("{e:?}");
            assert!(shown.starts_with(prefix), "{what}: {shown}");
        }
    }
}

/// Every message literal in the library's and the tool's source reads as one line of text: a
/// string continued onto the next source line without its `\` keeps the next line's indentation
/// as a run of spaces in the middle of the message (three messages of the tool had one). Scans
/// `src/` for a quoted run of nine or more spaces between words.
#[test]
fn no_message_in_the_source_keeps_a_continuation_indent() {
    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    rust_files(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 100, "{} files", files.len());
    let mut broken = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            // The quoted parts of the line: every other piece between double quotes.
            for quoted in line.split('"').skip(1).step_by(2) {
                // A word, nine spaces or more, a word: the indentation of a continuation line
                // (aligned columns are narrower, and are followed by a placeholder).
                let bytes = quoted.as_bytes();
                let gap = (1..bytes.len()).any(|at| {
                    let run = bytes[at..].iter().take_while(|&&b| b == b' ').count();
                    let before = bytes[at - 1];
                    run >= 9
                        && (before.is_ascii_lowercase() || b",;:)".contains(&before))
                        && bytes
                            .get(at + run)
                            .is_some_and(|&b| b.is_ascii_lowercase() || b == b'(')
                });
                if gap {
                    broken.push(format!("{}:{}", file.display(), n + 1));
                }
            }
        }
    }
    assert!(broken.is_empty(), "messages with a broken line: {broken:?}");
}
