//! The seed corpus of each target, built when asked from the format's test vectors
//! (tests/vectors/*.txt and tests/vectors/keyfiles/*.txt, read as they are then), from values
//! sealed afresh under the fixed keys, and from the hand-written seeds in fuzz/seeds/<target>/.
//! Nothing here copies vector bytes into the repository: regenerated vectors are picked up.

use std::fs;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bincode::Options as _;
use fieldseal::{DynPurpose, Suite};

use super::keyfile::{BUNDLE, KEYRING, body_of};
use super::keys::{FIXED, keyring};
use super::{jsonl, open, record};

/// One seed: a name for its corpus file and its bytes.
pub(crate) type Seed = (String, Vec<u8>);

/// The seeds of `target`; `repo` is the repository's root.
pub(crate) fn seeds(target: &str, repo: &Path) -> Vec<Seed> {
    let mut seeds = match target {
        "text" => text(repo),
        "open" => open(repo),
        "record" => record(),
        "keyfile" => keyfile(repo),
        "jsonl" => jsonl::genuine_files(),
        #[cfg(feature = "audit-log")]
        "audit" => super::audit::seeds(repo),
        other => panic!("no fuzz target named {other}"),
    };
    seeds.extend(hand_written(target, repo));
    seeds
}

/// `key: value` lines of every `.txt` file in `dir`, in file name order, with the file's name.
fn vector_files(dir: &Path) -> Vec<(String, Vec<(String, String)>)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|path| {
            let text = fs::read_to_string(&path).ok()?;
            let lines = text
                .lines()
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .collect();
            let stem = path.file_stem()?.to_string_lossy().into_owned();
            Some((stem, lines))
        })
        .collect()
}

/// Each vector's `value:` (a text form), with its name.
fn vector_values(repo: &Path) -> Vec<(String, String)> {
    vector_files(&repo.join("tests/vectors"))
        .into_iter()
        .flat_map(|(name, lines)| {
            lines
                .into_iter()
                .filter(|(k, _)| k == "value")
                .map(move |(_, v)| (format!("vector-{name}"), v))
        })
        .collect()
}

/// The binary form of a text form, decoded from FORMAT.md §7 alone; `None` if it is not one.
fn binary(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text.strip_prefix("fs1:")?).ok()
}

fn text(repo: &Path) -> Vec<Seed> {
    let mut seeds = Vec::new();
    for (name, value) in vector_values(repo) {
        if let Some(bytes) = binary(&value) {
            seeds.push((format!("{name}-bytes"), bytes));
        }
        seeds.push((format!("{name}-text"), value.into_bytes()));
    }
    for (name, bytes) in open::genuine_values() {
        let text = format!("fs1:{}", URL_SAFE_NO_PAD.encode(&bytes));
        seeds.push((format!("{name}-text"), text.into_bytes()));
        seeds.push((format!("{name}-bytes"), bytes));
    }
    seeds
}

fn open(repo: &Path) -> Vec<Seed> {
    let mut seeds = open::genuine_values();
    for (name, value) in vector_values(repo) {
        seeds.extend(binary(&value).map(|bytes| (name, bytes)));
    }
    seeds
}

fn record() -> Vec<Seed> {
    let mut seeds = Vec::new();
    for version in [1, 2] {
        for (i, twin) in record::genuine_twins(version).iter().enumerate() {
            let json = serde_json::to_vec(twin).expect("a twin writes");
            let bin = record::bincode().serialize(twin).expect("a twin writes");
            seeds.push((format!("genuine-v{version}-{i}-json"), json));
            seeds.push((format!("genuine-v{version}-{i}-bincode"), bin));
        }
    }
    seeds
}

fn keyfile(repo: &Path) -> Vec<Seed> {
    let mut seeds = Vec::new();
    let mut add = |name: String, file: Vec<u8>, kind: u8| {
        if let Some(body) = body_of(&file) {
            seeds.push((format!("{name}-body"), [&[kind][..], &body].concat()));
        }
        seeds.push((format!("{name}-file"), [&[0][..], &file].concat()));
    };
    // A keyring with a retired version and a bundle export, and that bundle.
    let mut keyring = keyring(Suite::XChaCha20Poly1305, 2);
    let marketing = DynPurpose::new("marketing").expect("a valid purpose name");
    let bundle = keyring
        .export_bundle("newsletter", &[marketing])
        .expect("the fixed keyring exports");
    keyring.retire(1).expect("version 1 is not active");
    let kek = &FIXED.kek;
    let saved = |r: fieldseal::Result<Vec<u8>>| r.expect("the fixed keys save");
    add(
        "genuine-keyring".to_owned(),
        saved(keyring.to_protected_bytes(kek)),
        KEYRING,
    );
    add(
        "genuine-bundle".to_owned(),
        saved(bundle.to_protected_bytes(kek)),
        BUNDLE,
    );
    // The vectors' files (under their own protector: they open here only if it is this KEK)
    // and their bodies, which `check` puts in a file under this KEK.
    for (name, lines) in vector_files(&repo.join("tests/vectors/keyfiles")) {
        let field = |key: &str| {
            lines
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        let kind = if field("kind") == Some("bundle") {
            BUNDLE
        } else {
            KEYRING
        };
        if let Some(body) = field("body").and_then(|h| hex::decode(h).ok()) {
            seeds.push((format!("vector-{name}-body"), [&[kind][..], &body].concat()));
        }
        if let Some(file) = field("file").and_then(|h| hex::decode(h).ok()) {
            seeds.push((format!("vector-{name}-file"), [&[0][..], &file].concat()));
        }
    }
    seeds
}

/// The committed seeds of fuzz/seeds/<target>/, which do not depend on the format.
fn hand_written(target: &str, repo: &Path) -> Vec<Seed> {
    read_dir(&repo.join("fuzz/seeds").join(target))
}

/// Every file of `dir` (none if it does not exist), named by its file name, in name order.
pub(crate) fn read_dir(dir: &Path) -> Vec<Seed> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<Seed> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p
                .file_name()
                .expect("a file")
                .to_string_lossy()
                .into_owned();
            let bytes = fs::read(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
            (name, bytes)
        })
        .collect();
    files.sort();
    files
}
