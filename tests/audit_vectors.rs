//! FORMAT.md §18.7: the audit log vectors in `tests/vectors/audit/`, checked twice: by the library
//! (`audit::verify` with the audit key a keyring of the given root key derives), and by an
//! independent reader written from FORMAT.md §18 alone against the raw primitives (hkdf, hmac,
//! sha2, ed25519-dalek): it derives the keys, walks the chain, checks every checkpoint's
//! signature, re-serializes every event in the canonical form, and rejects each tampered copy at
//! its line.
//!
//! The files are written by `write_audit_vectors` below, from the library
//! (`FIELDSEAL_WRITE_VECTORS=1 cargo test --all-features --test audit_vectors write_ -- --ignored`);
//! they are data now, and must keep verifying forever.

use std::collections::BTreeMap;
use std::fmt;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use ed25519_dalek::{Signature, SigningKey, Verifier as _};
use fieldseal::audit::{self, Auditor, FileSinkOptions, IdPolicy, ProblemKind, Rotation};
use fieldseal::{Context, KeySet, Keyring, SecretKey, Suite};
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;
use zeroize::Zeroizing;

fieldseal::purpose!(Support = "support");
fieldseal::purpose!(Billing = "billing");

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/audit")
}

const ROOT: [u8; 32] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
    26, 27, 28, 29, 30, 31,
];

fn keys_file() -> BTreeMap<String, String> {
    fs::read_to_string(vectors_dir().join("keys.txt"))
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn keyring() -> Keyring {
    let root = SecretKey::from_bytes(Zeroizing::new(ROOT));
    let mut keyring = Keyring::with_root(
        Suite::default(),
        1,
        root,
        UNIX_EPOCH + Duration::from_secs(1),
    )
    .unwrap();
    keyring.rotate_audit_key().unwrap();
    keyring
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    audit::log_files(dir).unwrap()
}

/// The tampered copies: (directory, problem, file number, line).
fn tampered() -> Vec<(PathBuf, String, u64, u64)> {
    let mut out: Vec<(PathBuf, String, u64, u64)> = fs::read_dir(vectors_dir().join("tampered"))
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            // `modified-file-1-line-4`
            let parts: Vec<&str> = name.split('-').collect();
            let n = parts.len();
            (
                path.clone(),
                parts[..n - 4].join("-"),
                parts[n - 3].parse().unwrap(),
                parts[n - 1].parse().unwrap(),
            )
        })
        .collect();
    out.sort();
    assert!(out.len() >= 4, "the tampered copies are missing");
    out
}

#[test]
fn the_library_verifies_the_log_and_rejects_each_tampered_copy() {
    let keyring = keyring();
    let k = keys_file();
    let key = keyring.audit_key(&k["service"]).unwrap();
    assert_eq!(
        hex::encode(key.checkpoint_public_key(1).unwrap()),
        k["public_key"]
    );
    assert_eq!(
        hex::encode(key.pseudonym(1, &hex::decode(&k["id"]).unwrap()).unwrap()),
        k["pseudonym"]
    );
    let files = files_in(&vectors_dir().join("log"));
    assert_eq!(files.len(), 2);
    let report = audit::verify(&files, &key, None).unwrap();
    assert!(report.is_intact(), "{:?}", report.problem);
    assert!(report.events >= 10);
    for (dir, problem, file, line) in tampered() {
        let report = audit::verify(&files_in(&dir), &key, None).unwrap();
        let found = report.problem.unwrap_or_else(|| panic!("{dir:?} verified"));
        let kind = match found.kind {
            ProblemKind::Modified => "modified",
            ProblemKind::Deleted => "deleted",
            ProblemKind::Reordered => "reordered",
            ProblemKind::Inserted => "inserted",
            ProblemKind::MissingFile => "missing-file",
            other => panic!("{dir:?}: {other:?}"),
        };
        assert_eq!(kind, problem, "{dir:?}: {found}");
        assert_eq!(found.at.line, line, "{dir:?}: {found}");
        assert!(
            found.at.path.ends_with(format!("audit-{file:08}.jsonl")),
            "{dir:?}: {found}"
        );
    }
}

// ---- The independent reader, from FORMAT.md §18 alone. ----

fn hkdf_expand(prk: &[u8], info: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    hkdf::Hkdf::<Sha256>::from_prk(prk)
        .unwrap()
        .expand(info, &mut out)
        .unwrap();
    out
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256>>::new_from_slice(key).unwrap();
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// §18.1: AK, CK, NK and the Ed25519 seed of `service` at `version` from root key `root`.
struct Keys {
    ak: [u8; 32],
    ck: [u8; 32],
    nk: [u8; 32],
    seed: [u8; 32],
}

fn derive(root: &[u8; 32], service: &str, version: u32) -> Keys {
    let mut info = b"fieldseal/v1/audit".to_vec();
    info.extend_from_slice(&(service.len() as u32).to_be_bytes());
    info.extend_from_slice(service.as_bytes());
    info.extend_from_slice(&version.to_be_bytes());
    let mut ak = [0u8; 32];
    hkdf::Hkdf::<Sha256>::new(Some(b"fieldseal/v1/root"), root)
        .expand(&info, &mut ak)
        .unwrap();
    Keys {
        ak,
        ck: hkdf_expand(&ak, b"fieldseal/v1/audit/chain"),
        nk: hkdf_expand(&ak, b"fieldseal/v1/audit/pseudonym"),
        seed: hkdf_expand(&ak, b"fieldseal/v1/audit/checkpoint-key"),
    }
}

/// A JSON object with its members in the order written.
struct Ordered(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Ordered, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, serde_json::Value>()? {
                    out.push((k, v));
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// §18.2's canonical string.
fn canonical_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn canonical(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => canonical_string(s),
        serde_json::Value::Number(n) => n.as_u64().expect("unsigned integers only").to_string(),
        serde_json::Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => panic!("no such value in an event: {other}"),
    }
}

/// The event's members in the order of §18.2, re-serialized, up to the MAC, without `detail`
/// (whose members keep the writer's order: the caller adds it).
fn reserialize_event(members: &[(String, serde_json::Value)]) -> String {
    const ORDER: [&str; 16] = [
        "seq",
        "type",
        "time",
        "op",
        "outcome",
        "error",
        "actor",
        "on_behalf_of",
        "purposes",
        "record",
        "fields",
        "id",
        "id_pseudonym",
        "subject",
        "subject_pseudonym",
        "key_version",
    ];
    let get = |k: &str| members.iter().find(|(n, _)| n == k).map(|(_, v)| v);
    let mut parts = Vec::new();
    for key in ORDER {
        if let Some(v) = get(key) {
            parts.push(format!("{}:{}", canonical_string(key), canonical(v)));
        }
    }
    format!("{{{}", parts.join(","))
}

/// Walks the files: every line's framing, seq, MAC, every header and checkpoint; every event's
/// canonical form. Err((file index, line number, what)).
fn independent_verify(files: &[PathBuf], keys: &Keys) -> Result<u64, (usize, u64, &'static str)> {
    let public = SigningKey::from_bytes(&keys.seed).verifying_key();
    let mut prev = [0u8; 32];
    let mut expected_seq = 1u64;
    let mut log_id: Option<String> = None;
    let mut events = 0;
    for (f, path) in files.iter().enumerate() {
        let text = fs::read_to_string(path).unwrap();
        assert!(text.ends_with('\n'));
        for (n, line) in text.lines().enumerate() {
            let at = |what| (f, n as u64 + 1, what);
            let cut = line.len().checked_sub(74).ok_or(at("short"))?;
            let (prefix, tail) = line.split_at(cut);
            let mac_hex = tail
                .strip_prefix(",\"mac\":\"")
                .and_then(|t| t.strip_suffix("\"}"))
                .ok_or(at("framing"))?;
            let members: Ordered = serde_json::from_str(line).map_err(|_| at("json"))?;
            let members = members.0;
            let get = |k: &str| members.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            let seq = get("seq").and_then(|v| v.as_u64()).ok_or(at("seq"))?;
            if members[0].0 != "seq" || members.last().unwrap().0 != "mac" {
                return Err(at("order"));
            }
            if seq != expected_seq {
                return Err(at("seq"));
            }
            let mac = hmac(&keys.ck, &[&prev, prefix.as_bytes()]);
            if hex::encode(mac) != mac_hex {
                return Err(at("mac"));
            }
            let kind = get("type").and_then(|t| t.as_str().map(str::to_owned));
            match (n, kind.as_deref()) {
                (0, Some("header")) => {
                    if get("file").and_then(|v| v.as_u64()) != Some(f as u64 + 1)
                        || get("prev").and_then(|v| v.as_str().map(str::to_owned))
                            != Some(if f == 0 {
                                hex::encode([0u8; 32])
                            } else {
                                hex::encode(prev)
                            })
                    {
                        return Err(at("header"));
                    }
                    let id = get("log").unwrap().as_str().unwrap().to_owned();
                    if log_id.get_or_insert(id.clone()) != &id {
                        return Err(at("log id"));
                    }
                }
                (_, Some("checkpoint")) => {
                    let head = get("head").unwrap();
                    if head.as_str() != Some(&hex::encode(prev)) {
                        return Err(at("head"));
                    }
                    let mut signed = b"fieldseal/v1/audit/checkpoint\0".to_vec();
                    signed.extend(hex::decode(get("log").unwrap().as_str().unwrap()).unwrap());
                    signed.extend(seq.to_be_bytes());
                    let version = get("key_version").unwrap().as_u64().unwrap() as u32;
                    signed.extend(version.to_be_bytes());
                    signed.extend(prev);
                    signed.extend(get("time").unwrap().as_str().unwrap().as_bytes());
                    let sig: [u8; 64] = hex::decode(get("sig").unwrap().as_str().unwrap())
                        .unwrap()
                        .try_into()
                        .unwrap();
                    public
                        .verify(&signed, &Signature::from_bytes(&sig))
                        .map_err(|_| at("signature"))?;
                }
                (n, Some("event")) if n > 0 => {
                    events += 1;
                    let mut again = reserialize_event(&members);
                    // The detail object, with its members in the order written.
                    if let Some(i) = prefix.find(",\"detail\":{") {
                        let raw = &prefix[i + 11..prefix.len() - 1];
                        let detail: Ordered = serde_json::from_str(&format!("{{{raw}}}"))
                            .map_err(|_| at("detail"))?;
                        let body: Vec<String> = detail
                            .0
                            .iter()
                            .map(|(k, v)| format!("{}:{}", canonical_string(k), canonical(v)))
                            .collect();
                        let _ = write!(again, ",\"detail\":{{{}}}", body.join(","));
                    }
                    if again != prefix {
                        return Err(at("canonical form"));
                    }
                }
                _ => return Err(at("line type")),
            }
            prev = mac;
            expected_seq += 1;
        }
    }
    Ok(events)
}

#[test]
fn an_independent_reader_derives_the_keys_and_verifies_the_log() {
    let k = keys_file();
    let root: [u8; 32] = hex::decode(&k["root_key"]).unwrap().try_into().unwrap();
    let keys = derive(&root, &k["service"], k["audit_version"].parse().unwrap());
    assert_eq!(hex::encode(keys.ak), k["ak"]);
    assert_eq!(hex::encode(keys.ck), k["ck"]);
    assert_eq!(hex::encode(keys.nk), k["nk"]);
    assert_eq!(hex::encode(keys.seed), k["seed"]);
    assert_eq!(
        hex::encode(
            SigningKey::from_bytes(&keys.seed)
                .verifying_key()
                .to_bytes()
        ),
        k["public_key"]
    );
    let id = hex::decode(&k["id"]).unwrap();
    assert_eq!(hex::encode(&hmac(&keys.nk, &[&id])[..16]), k["pseudonym"]);
    let files = files_in(&vectors_dir().join("log"));
    let events = independent_verify(&files, &keys).unwrap();
    assert!(events >= 10);
    let text: String = files
        .iter()
        .map(|f| fs::read_to_string(f).unwrap())
        .collect();
    assert!(text.contains(&format!("\"id_pseudonym\":\"{}\"", k["pseudonym"])));
    for (dir, problem, file, line) in tampered() {
        let files = files_in(&dir);
        let err = independent_verify(&files, &keys).expect_err(&problem);
        if problem != "missing-file" {
            assert_eq!((err.0 as u64 + 1, err.1), (file, line), "{dir:?}: {err:?}");
        }
    }
}

/// Writes `tests/vectors/audit/` (see the module's doc).
#[test]
#[ignore = "writes the vectors; run with FIELDSEAL_WRITE_VECTORS=1"]
#[allow(
    clippy::too_many_lines,
    reason = "the keys, the log, then each tampered copy"
)]
fn write_audit_vectors() {
    assert!(
        std::env::var_os("FIELDSEAL_WRITE_VECTORS").is_some(),
        "this rewrites tests/vectors/audit/; set FIELDSEAL_WRITE_VECTORS=1 to mean it"
    );
    let dir = vectors_dir();
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("log")).unwrap();
    let mut keyring = keyring();
    let service = "orders";
    let key = keyring.audit_key(service).unwrap();
    let keys = derive(&ROOT, service, 1);
    let id = 1001i128.to_be_bytes();
    let lines = [
        "comment: the audit key of service `orders` at audit key version 1, pinned to root version 1 (FORMAT.md §18.1)".to_owned(),
        format!("root_key: {}", hex::encode(ROOT)),
        "root_version: 1".to_owned(),
        format!("service: {service}"),
        "audit_version: 1".to_owned(),
        format!("ak: {}", hex::encode(keys.ak)),
        format!("ck: {}", hex::encode(keys.ck)),
        format!("nk: {}", hex::encode(keys.nk)),
        format!("seed: {}", hex::encode(keys.seed)),
        format!("public_key: {}", hex::encode(key.checkpoint_public_key(1).unwrap())),
        format!("id: {}", hex::encode(id)),
        format!("pseudonym: {}", hex::encode(key.pseudonym(1, &id).unwrap())),
    ];
    fs::write(dir.join("keys.txt"), lines.join("\n") + "\n").unwrap();
    let mut options = FileSinkOptions::default();
    options.checkpoint_every = 4;
    options.rotation = Rotation::Size(2_500);
    let sink = Arc::new(audit::FileSink::open(dir.join("log"), &key, options).unwrap());
    let auditor = Auditor::new(Arc::clone(&sink), "orders-api");
    keyring.set_auditor(Some(auditor.clone()));
    let set = KeySet::new()
        .with(keyring.purpose_key::<Support>())
        .with(keyring.purpose_key::<Billing>())
        .with_auditor(auditor.clone())
        .unwrap();
    let ctx = Context::new("order", "phone").with_id_int(1001);
    let v = set.seal::<Support, String>("+1 555 0100", &ctx).unwrap();
    v.open_with::<Support, _>(&set, &ctx).unwrap();
    let wrong = Context::new("order", "email").with_id_int(1001);
    let _ = v.open_with::<Support, _>(&set, &wrong);
    let odd = Context::new("order", "note").with_id_str("cust-\"7\"\\\n");
    let w = set.seal::<Billing, String>("x", &odd).unwrap();
    audit::acting_as("agent \"quoted\" 42", || {
        w.open_with::<Billing, _>(&set, &odd)
    })
    .unwrap();
    let pseudonymous = KeySet::new()
        .with(keyring.purpose_key::<Support>())
        .with_auditor(auditor.clone().with_ids(IdPolicy::pseudonym(&key)))
        .unwrap();
    let p = pseudonymous.seal::<Support, String>("y", &ctx).unwrap();
    p.open_with::<Support, _>(&pseudonymous, &ctx).unwrap();
    keyring.rotate().unwrap();
    keyring.export_bundle("orders", &[Support.into()]).unwrap();
    drop((set, pseudonymous, v, w, p));
    keyring.set_auditor(None);
    drop(auditor);
    Arc::try_unwrap(sink).unwrap().close().unwrap();
    let files = files_in(&dir.join("log"));
    assert_eq!(files.len(), 2, "the vectors need a rotation");
    // Tampered copies: one change each.
    let copy = |name: &str, edit: &dyn Fn(usize, &mut Vec<String>)| {
        let to = dir.join("tampered").join(name);
        fs::create_dir_all(&to).unwrap();
        for (i, f) in files.iter().enumerate() {
            let mut lines: Vec<String> = fs::read_to_string(f)
                .unwrap()
                .lines()
                .map(str::to_owned)
                .collect();
            edit(i, &mut lines);
            if !lines.is_empty() {
                fs::write(to.join(f.file_name().unwrap()), lines.join("\n") + "\n").unwrap();
            }
        }
    };
    copy("modified-file-1-line-4", &|i, l| {
        if i == 0 {
            l[3] = l[3].replacen("\"outcome\":\"ok\"", "\"outcome\":\"failed\"", 1);
            assert!(l[3].contains("failed"));
        }
    });
    copy("deleted-file-1-line-5", &|i, l| {
        if i == 0 {
            l.remove(4);
        }
    });
    copy("reordered-file-1-line-3", &|i, l| {
        if i == 0 {
            l.swap(2, 3);
        }
    });
    copy("inserted-file-2-line-3", &|i, l| {
        if i == 1 {
            let again = l[1].clone();
            l.insert(2, again);
        }
    });
    copy("missing-file-file-2-line-1", &|i, l| {
        if i == 0 {
            l.clear();
        }
    });
}
