//! FORMAT.md §16.5: the blind index vectors in `tests/vectors/index/`, checked twice: by the
//! library (a keyring holding the case's root key, the index defined and rotated up to the case's
//! version), and by an independent implementation written from FORMAT.md §16 alone against the
//! raw primitives (hkdf, hmac, sha2, base64), so that the document, not only the code, is tested.
//!
//! The files are written by `write_index_vectors` below, from the library
//! (`FIELDSEAL_WRITE_VECTORS=1 cargo test --all-features --test index_vectors write_ -- --ignored`);
//! they are data now, and must keep giving the same terms forever.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use fieldseal::{BadTerm, Error, IndexKey, IndexSpec, IndexTerm, Keyring, SecretKey, Suite};
use zeroize::Zeroizing;

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/index")
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

    fn hex(&self, key: &str) -> Vec<u8> {
        hex::decode(self.get(key))
            .unwrap_or_else(|e| panic!("{}: `{key}` is not hex: {e}", self.name))
    }

    fn num<T: std::str::FromStr>(&self, key: &str) -> T
    where
        T::Err: std::fmt::Debug,
    {
        self.get(key)
            .parse()
            .unwrap_or_else(|e| panic!("{}: `{key}` is not a number: {e:?}", self.name))
    }

    fn root_key(&self) -> [u8; 32] {
        self.hex("root_key")
            .try_into()
            .unwrap_or_else(|_| panic!("{}: root_key is not 32 bytes", self.name))
    }

    fn parts(&self) -> Vec<Vec<u8>> {
        (1..=self.num::<usize>("parts"))
            .map(|i| self.hex(&format!("part_{i}")))
            .collect()
    }

    fn is_term(&self) -> bool {
        self.get("expect") == "term"
    }
}

fn load_cases() -> Vec<Case> {
    let dir = vectors_dir();
    let mut cases: Vec<Case> = fs::read_dir(&dir)
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
    assert!(
        cases.len() >= 16,
        "{} cases in {}",
        cases.len(),
        dir.display()
    );
    cases
}

/// FORMAT.md §16, implemented from the text alone on the raw primitives.
mod independent {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use hkdf::Hkdf;
    use hmac::{Hmac, KeyInit as _, Mac as _};
    use sha2::Sha256;

    /// §16.1: `IK = HKDF-SHA256[salt = "fieldseal/v1/root", info = "fieldseal/v1/index" ||
    /// lp(name) || u32be(index_version)](root_key_r, 32)`.
    pub(super) fn ik(root_key: &[u8; 32], name: &str, index_version: u32) -> [u8; 32] {
        let mut info = b"fieldseal/v1/index".to_vec();
        info.extend_from_slice(&(name.len() as u32).to_be_bytes());
        info.extend_from_slice(name.as_bytes());
        info.extend_from_slice(&index_version.to_be_bytes());
        let mut out = [0u8; 32];
        Hkdf::<Sha256>::new(Some(b"fieldseal/v1/root"), root_key)
            .expand(&info, &mut out)
            .unwrap();
        out
    }

    /// §16.2: `u8(count) || (u32be(len(part)) || part){count}`.
    pub(super) fn encode(parts: &[Vec<u8>]) -> Vec<u8> {
        assert!((1..=16).contains(&parts.len()));
        let mut out = vec![parts.len() as u8];
        for part in parts {
            out.extend_from_slice(&(part.len() as u32).to_be_bytes());
            out.extend_from_slice(part);
        }
        out
    }

    /// §16.2: `HMAC-SHA256(IK, encoded)`.
    pub(super) fn mac(ik: &[u8; 32], encoded: &[u8]) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(ik).unwrap();
        mac.update(encoded);
        mac.finalize().into_bytes().into()
    }

    /// §16.2: `u32be(index_version) || mac[0 .. width]`.
    pub(super) fn term(index_version: u32, mac: &[u8; 32], width: usize) -> Vec<u8> {
        let mut out = index_version.to_be_bytes().to_vec();
        out.extend_from_slice(&mac[..width]);
        out
    }

    /// §16.3: the text form.
    pub(super) fn text(term: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(term)
    }

    /// §16.3's rejections, named as the vectors' `expect:` names them.
    pub(super) fn parse(text: &str, width: Option<usize>) -> Result<Vec<u8>, &'static str> {
        // base64url without padding, canonical final character (the crate's default).
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| "not-base64")?;
        if !(6..=36).contains(&bytes.len()) {
            return Err("length");
        }
        if bytes[..4] == [0; 4] {
            return Err("zero-version");
        }
        if width.is_some_and(|w| bytes.len() != 4 + w) {
            return Err("wrong-width");
        }
        Ok(bytes)
    }
}

/// The key of index `name` at `index_version`, pinned to `root_version` whose root key is
/// `root_key`, of `width`: defined in a keyring holding that root, and rotated up to the version.
fn library_key(
    root_key: [u8; 32],
    root_version: u32,
    name: &str,
    index_version: u32,
    width: u8,
) -> IndexKey {
    let root = SecretKey::from_bytes(Zeroizing::new(root_key));
    let mut keyring =
        Keyring::with_root(Suite::default(), root_version, root, SystemTime::now()).unwrap();
    let spec = IndexSpec::new(name).unwrap().with_width(width).unwrap();
    keyring.add_index(spec).unwrap();
    while keyring.index(name).unwrap().current_version() < index_version {
        keyring.rotate_index(name).unwrap();
    }
    let key = keyring.index_key(name).unwrap();
    assert_eq!(key.current_version(), index_version);
    key
}

fn case_key(case: &Case) -> IndexKey {
    library_key(
        case.root_key(),
        case.num("root_version"),
        case.get("name"),
        case.num("index_version"),
        case.num("width"),
    )
}

#[test]
fn the_independent_implementation_derives_every_vector() {
    for case in load_cases() {
        let text = case.get("text");
        if !case.is_term() {
            let width = case.fields.get("width").map(|w| w.parse().unwrap());
            assert_eq!(
                independent::parse(text, width).unwrap_err(),
                case.get("expect"),
                "{}",
                case.name
            );
            continue;
        }
        let ik = independent::ik(
            &case.root_key(),
            case.get("name"),
            case.num("index_version"),
        );
        assert_eq!(ik.to_vec(), case.hex("ik"), "{}: ik", case.name);
        let encoded = independent::encode(&case.parts());
        assert_eq!(encoded, case.hex("encoded"), "{}: encoded", case.name);
        let mac = independent::mac(&ik, &encoded);
        assert_eq!(mac.to_vec(), case.hex("mac"), "{}: mac", case.name);
        let term = independent::term(case.num("index_version"), &mac, case.num("width"));
        assert_eq!(term, case.hex("term"), "{}: term", case.name);
        assert_eq!(independent::text(&term), text, "{}: text", case.name);
        assert_eq!(
            independent::parse(text, Some(case.num("width"))).unwrap(),
            term
        );
    }
}

#[test]
fn the_library_computes_and_parses_every_vector() {
    for case in load_cases() {
        let text = case.get("text");
        if !case.is_term() {
            let err = match case.get("expect") {
                "wrong-width" => case_key(&case).parse_term(text).unwrap_err(),
                _ => IndexTerm::from_text(text).unwrap_err(),
            };
            let expected = match case.get("expect") {
                "not-base64" => matches!(err, Error::BadIndexTerm(BadTerm::NotBase64)),
                "length" => matches!(err, Error::BadIndexTerm(BadTerm::Length { .. })),
                "zero-version" => matches!(err, Error::BadIndexTerm(BadTerm::ZeroVersion)),
                "wrong-width" => matches!(err, Error::BadIndexTerm(BadTerm::WrongWidth { .. })),
                other => panic!("{}: unknown expect {other}", case.name),
            };
            assert!(expected, "{}: {err:?}", case.name);
            continue;
        }
        let key = case_key(&case);
        let parts = case.parts();
        let parts: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        let term = key.term_parts(&parts).unwrap();
        assert_eq!(
            term.as_bytes(),
            case.hex("term").as_slice(),
            "{}",
            case.name
        );
        assert_eq!(term.to_text(), text, "{}", case.name);
        assert_eq!(key.parse_term(text).unwrap(), term, "{}", case.name);
        assert!(key.matches(&parts, &term).unwrap());
        assert_eq!(key.terms_parts(&parts).unwrap()[0], term, "current first");
    }
}

/// The cases `["ab", "c"]` and `["a", "bc"]` (and any other pair of one index whose parts
/// concatenate alike) encode and hash differently.
#[test]
fn parts_that_concatenate_alike_give_different_terms() {
    let cases: Vec<Case> = load_cases().into_iter().filter(Case::is_term).collect();
    let mut pairs = 0;
    for (i, a) in cases.iter().enumerate() {
        for b in &cases[i + 1..] {
            let same_key = a.get("ik") == b.get("ik") && a.get("width") == b.get("width");
            if same_key && a.parts().concat() == b.parts().concat() && a.parts() != b.parts() {
                assert_ne!(a.get("encoded"), b.get("encoded"), "{} {}", a.name, b.name);
                assert_ne!(a.get("term"), b.get("term"), "{} {}", a.name, b.name);
                pairs += 1;
            }
        }
    }
    assert!(pairs >= 1, "no pair of cases shows it");
}

/// Writes the §16.5 vectors from the library. Run by hand; the files are then fixed data.
#[test]
#[ignore = "writes tests/vectors/index; run by hand with FIELDSEAL_WRITE_VECTORS=1"]
#[allow(
    clippy::format_push_string,
    clippy::type_complexity,
    clippy::too_many_lines,
    reason = "a writer of data files, one table of cases"
)]
fn write_index_vectors() {
    assert!(
        std::env::var_os("FIELDSEAL_WRITE_VECTORS").is_some(),
        "this rewrites tests/vectors/index/*.txt; set FIELDSEAL_WRITE_VECTORS=1 to mean it, then \
         update FORMAT.md if the format changed"
    );
    let dir = vectors_dir();
    fs::create_dir_all(&dir).unwrap();
    let root: [u8; 32] = std::array::from_fn(|i| i as u8);
    let other_root: [u8; 32] = std::array::from_fn(|i| 0xf0 ^ (i as u8));
    let sixteen: Vec<Vec<u8>> = (1..=16)
        .map(|i| format!("part-{i:02}-{}", "x".repeat(i)).into_bytes())
        .collect();
    let email = b"ada@example.com".to_vec();
    let terms: [(&str, &str, [u8; 32], u32, &str, u32, u8, Vec<Vec<u8>>); 10] = [
        (
            "01-one-part-width-16",
            "one part at the default width",
            root,
            1,
            "email",
            1,
            16,
            vec![email.clone()],
        ),
        (
            "02-one-part-width-2",
            "the narrowest width: 2 bytes of HMAC",
            root,
            1,
            "postcode",
            1,
            2,
            vec![b"sw1a1aa".to_vec()],
        ),
        (
            "03-one-part-width-32",
            "the widest width: the whole HMAC",
            root,
            1,
            "email-full",
            1,
            32,
            vec![email.clone()],
        ),
        (
            "04-compound-2-parts",
            "a compound index over last name and postcode",
            root,
            1,
            "last-name:postcode",
            1,
            16,
            vec![b"lovelace".to_vec(), b"sw1a1aa".to_vec()],
        ),
        (
            "05-compound-16-parts",
            "the most parts a term covers",
            root,
            1,
            "sixteen",
            1,
            16,
            sixteen,
        ),
        (
            "06-empty-part",
            "an empty part is a part: count 1, length 0",
            root,
            1,
            "middle-name",
            1,
            16,
            vec![Vec::new()],
        ),
        (
            "07-parts-ab-c",
            "parts ab and c: their concatenation is that of case 08, their term is not",
            root,
            1,
            "pair",
            1,
            16,
            vec![b"ab".to_vec(), b"c".to_vec()],
        ),
        (
            "08-parts-a-bc",
            "parts a and bc: their concatenation is that of case 07, their term is not",
            root,
            1,
            "pair",
            1,
            16,
            vec![b"a".to_vec(), b"bc".to_vec()],
        ),
        (
            "09-empty-and-non-empty-parts",
            "an empty part beside another",
            root,
            1,
            "pair",
            1,
            16,
            vec![Vec::new(), b"abc".to_vec()],
        ),
        (
            "10-version-4-pinned-to-root-3",
            "index version 4, pinned to root version 3: IK is derived from root_key of version 3 with index_version 4",
            other_root,
            3,
            "phone",
            4,
            8,
            vec![b"+442079460000".to_vec()],
        ),
    ];
    let mut default_text = String::new();
    for (file, comment, root_key, root_version, name, index_version, width, parts) in terms {
        let key = library_key(root_key, root_version, name, index_version, width);
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        let term = key.term_parts(&refs).unwrap();
        // The generator takes IK and the whole HMAC from the independent code: the library
        // exposes neither. Its term must agree, or no file is written.
        let ik = independent::ik(&root_key, name, index_version);
        let encoded = independent::encode(&parts);
        let mac = independent::mac(&ik, &encoded);
        assert_eq!(
            independent::term(index_version, &mac, usize::from(width)),
            term.as_bytes()
        );
        let mut out = format!(
            "comment: {comment}\nexpect: term\nroot_key: {}\nroot_version: {root_version}\n\
             name: {name}\nindex_version: {index_version}\nwidth: {width}\nparts: {}\n",
            hex::encode(root_key),
            parts.len()
        );
        for (i, part) in parts.iter().enumerate() {
            out.push_str(&format!("part_{}: {}\n", i + 1, hex::encode(part)));
        }
        out.push_str(&format!(
            "encoded: {}\nik: {}\nmac: {}\nterm: {}\ntext: {}\n",
            hex::encode(&encoded),
            hex::encode(ik),
            hex::encode(mac),
            hex::encode(term.as_bytes()),
            term.to_text()
        ));
        if file.starts_with("01-") {
            default_text = term.to_text();
        }
        fs::write(dir.join(format!("{file}.txt")), out).unwrap();
    }
    let b64 = |bytes: &[u8]| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    };
    // 20 bytes leave 2 unused bits in the last character: set one of them.
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = alphabet.find(default_text.chars().last().unwrap()).unwrap();
    let non_canonical = format!(
        "{}{}",
        &default_text[..default_text.len() - 1],
        alphabet.as_bytes()[last | 1] as char
    );
    let rejected = [
        (
            "11-text-padding",
            "a text with padding",
            format!("{default_text}="),
            "not-base64",
        ),
        (
            "12-text-non-canonical-last-character",
            "the last character's unused bits set",
            non_canonical,
            "not-base64",
        ),
        (
            "13-text-outside-alphabet",
            "a character of standard base64, not of base64url",
            format!("+{}", &default_text[1..]),
            "not-base64",
        ),
        (
            "14-length-5-bytes",
            "one byte short of the narrowest term",
            b64(&[0, 0, 0, 1, 0xab]),
            "length",
        ),
        (
            "15-length-37-bytes",
            "one byte over the widest term",
            b64(&[[0, 0, 0, 1].as_slice(), &[0xab; 33]].concat()),
            "length",
        ),
        (
            "16-zero-version",
            "index version 0",
            b64(&[[0, 0, 0, 0].as_slice(), &[0xab; 16]].concat()),
            "zero-version",
        ),
    ];
    for (file, comment, text, expect) in rejected {
        fs::write(
            dir.join(format!("{file}.txt")),
            format!("comment: {comment}\nexpect: {expect}\ntext: {text}\n"),
        )
        .unwrap();
    }
    fs::write(
        dir.join("17-wrong-width.txt"),
        format!(
            "comment: a term of width 16 (case 01's) checked against an index of width 8\n\
             expect: wrong-width\nroot_key: {}\nroot_version: 1\nname: email\nindex_version: 1\n\
             width: 8\ntext: {default_text}\n",
            hex::encode(root)
        ),
    )
    .unwrap();
}
