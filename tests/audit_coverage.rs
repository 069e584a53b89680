//! Operations that read or re-seal protected data through an audited key set or subject keys,
//! beyond the plain seal and open: the event each leaves (tests/audit_log.rs has the others).

use std::sync::Arc;

use fieldseal::audit::{Auditor, MemorySink};
use fieldseal::{Context, KeySet, Keyring, Sealed, Suite};

fieldseal::purpose!(Support = "support");
fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Acme = "third-party:acme");

#[path = "common/events.rs"]
mod events;

use events::ops;

const SECRET: &str = "ada@example.com";

/// A key set of `keyring`'s support key recording through `auditor`.
fn support_keys(keyring: &Keyring, auditor: Auditor) -> KeySet {
    KeySet::new()
        .with(keyring.purpose_key::<Support>())
        .with_auditor(auditor)
        .unwrap()
}

/// A keyring rotated since a `Customer` row's email was sealed for support under version 1,
/// and that row.
fn stale_row() -> (Keyring, String) {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let ctx = Context::new("Customer", "email").with_id_int(7);
    let email: Sealed<String, Support> =
        Sealed::seal(SECRET, &ctx, &keyring.purpose_key::<Support>()).unwrap();
    let row = format!(r#"{{"id": 7, "email": "{}"}}"#, email.to_text());
    keyring.rotate().unwrap();
    (keyring, row)
}

/// `SubjectKeys::reseal_direct` opens the subject's copy with the subject's data key to hand it
/// to a key the caller holds: an open of the audited `SubjectKeys`, recorded with the subject.
#[test]
fn reseal_direct_is_recorded_by_the_subject_keys_auditor() {
    use fieldseal::vault::{MemoryVault, Subject, SubjectKeys};
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let sink = Arc::new(MemorySink::new());
    let keys = support_keys(&keyring, Auditor::new(Arc::clone(&sink), "crm"));
    let subjects = SubjectKeys::new(MemoryVault::new(), keys, keyring.id()).unwrap();
    let ada = Subject::int(1001);
    let ctx = Context::new("customer", "email").with_id_int(1001);
    let email: Sealed<String, Support> = subjects.seal(&ada, SECRET, &ctx).unwrap();
    // The partner key as in the method's own example: the caller holds it, no auditor of its own.
    let acme = keyring.purpose_key::<Acme>();
    subjects
        .grant(&ada, &Acme.into(), "checkout", None)
        .unwrap();
    let handed: Sealed<String, Acme> = subjects
        .reseal_direct(&email, &Support.into(), &ada, &ctx, &acme)
        .unwrap();
    assert_eq!(
        handed.open(&acme, &ctx).unwrap(),
        SECRET,
        "the plaintext is out"
    );
    assert_eq!(
        ops(&sink),
        ["key-set-load ok", "seal ok", "grant ok", "open ok"],
        "the subject's copy was opened without an event: {:#?}",
        sink.lines()
    );
    let lines = sink.lines();
    assert!(
        lines[3].contains(r#""purposes":["support"]"#),
        "{}",
        lines[3]
    );
    assert!(lines[3].contains(r#""subject":"1001""#), "{}", lines[3]);
}

#[test]
fn a_refused_reseal_direct_is_recorded_failed() {
    use fieldseal::vault::{MemoryVault, Subject, SubjectKeys};
    fieldseal::purpose!(Marketing = "marketing", consent);
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let sink = Arc::new(MemorySink::new());
    let keys = KeySet::new()
        .with(keyring.purpose_key::<Marketing>())
        .with_auditor(Auditor::new(Arc::clone(&sink), "crm"))
        .unwrap();
    let subjects = SubjectKeys::new(MemoryVault::new(), keys, keyring.id()).unwrap();
    let ada = Subject::int(1001);
    let ctx = Context::new("customer", "email").with_id_int(1001);
    subjects
        .grant(&ada, &Marketing.into(), "form", None)
        .unwrap();
    let email: Sealed<String, Marketing> = subjects.seal(&ada, SECRET, &ctx).unwrap();
    subjects.withdraw(&ada, &Marketing.into()).unwrap();
    let acme = keyring.purpose_key::<Acme>();
    // Her consent to the partner stands: what refuses the hand-over is her marketing copy.
    subjects.grant(&ada, &Acme.into(), "form", None).unwrap();
    assert!(
        subjects
            .reseal_direct(&email, &Marketing.into(), &ada, &ctx, &acme)
            .is_err()
    );
    let ops = ops(&sink);
    assert_eq!(
        ops.last().map(String::as_str),
        Some("open failed"),
        "a refused hand-over left no event: {ops:?}"
    );
}

/// `bulk::reseal_records` is a bulk re-seal run, recorded as `reseal_jsonl`'s are: one
/// `reseal-run` event with its counts.
#[test]
fn reseal_records_is_one_reseal_run_event() {
    use fieldseal::bulk::{IdType, RecordLayout, reseal_records};
    let (keyring, row) = stale_row();
    let rows = vec![row];
    let sink = Arc::new(MemorySink::new());
    let keys = support_keys(&keyring, Auditor::new(Arc::clone(&sink), "batch"));
    let layout = RecordLayout::new("Customer").id("id", IdType::parse("u64").unwrap());
    let mut written = Vec::new();
    let summary = reseal_records(&keys, &layout, rows, 1, &mut |_| {}, &mut |row| {
        written.push(row);
        Ok(())
    })
    .unwrap();
    assert_eq!(summary.values.resealed, 1, "the value was re-sealed");
    assert_eq!(
        ops(&sink),
        ["key-set-load ok", "reseal-run ok"],
        "{:#?}",
        sink.lines()
    );
}

/// `bulk::Reseal::open_text` on a key set hands back the plaintext of a sealed string: an open,
/// recorded by the set's auditor.
#[test]
fn reseal_trait_open_text_through_an_audited_key_set_is_recorded() {
    use fieldseal::bulk::Reseal;
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let sink = Arc::new(MemorySink::new());
    let keys = support_keys(&keyring, Auditor::new(Arc::clone(&sink), "desk"));
    let ctx = Context::new("customer", "email").with_id_int(7);
    let email = keys.seal::<Support, String>(SECRET, &ctx).unwrap();
    let opened = Reseal::open_text(&keys, &email.to_text(), &ctx).unwrap();
    assert_eq!(opened.as_deref(), Some(SECRET), "the plaintext is out");
    assert_eq!(
        ops(&sink),
        ["key-set-load ok", "seal ok", "open ok"],
        "plaintext read through an audited key set without an event: {:#?}",
        sink.lines()
    );
}

/// The same calls on a keyring given an auditor (`Keyring::set_auditor`): one value opened or
/// re-sealed through the `Reseal` trait, outside a run, is an event as it is through a key set.
/// Before, the keyring's trait methods recorded nothing: a run records itself, but these are not
/// a run.
#[test]
fn reseal_trait_calls_on_an_audited_keyring_are_recorded() {
    use fieldseal::bulk::Reseal;
    let (mut keyring, row) = stale_row();
    let text = row.split('"').nth(5).unwrap().to_owned();
    let sink = Arc::new(MemorySink::new());
    keyring.set_auditor(Some(Auditor::new(Arc::clone(&sink), "admin")));
    let ctx = Context::new("Customer", "email").with_id_int(7);
    let opened = Reseal::open_text(&keyring, &text, &ctx).unwrap();
    assert_eq!(opened.as_deref(), Some(SECRET), "the plaintext is out");
    let resealed = Reseal::reseal_text(&keyring, &text, &ctx).unwrap();
    assert!(resealed.is_some(), "stale, so re-sealed");
    // A value that does not open is recorded, failed.
    let other = Context::new("Customer", "email").with_id_int(8);
    assert!(Reseal::open_text(&keyring, &text, &other).is_err());
    assert_eq!(ops(&sink), ["open ok", "reseal ok", "open failed"]);
    let lines = sink.lines();
    assert!(
        lines[0].contains(r#""purposes":["support"]"#) && lines[0].contains(r#""key_version":1"#),
        "{lines:?}"
    );
    assert!(lines[1].contains(r#""key_version":2"#), "{lines:?}");
}

/// ...and with an auditor that fails closed and cannot record, no plaintext comes out.
#[test]
fn reseal_trait_open_text_fails_closed() {
    use events::Breaks;
    use fieldseal::bulk::Reseal;
    use std::sync::atomic::{AtomicBool, Ordering};
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let sink = Arc::new(Breaks(AtomicBool::new(false)));
    let keys = support_keys(&keyring, Auditor::new(Arc::clone(&sink), "desk"));
    let ctx = Context::new("customer", "email").with_id_int(7);
    let email = keys.seal::<Support, String>(SECRET, &ctx).unwrap();
    sink.0.store(true, Ordering::SeqCst);
    assert!(
        email.open_with::<Support, _>(&keys, &ctx).is_err(),
        "open_with fails closed"
    );
    let opened = Reseal::open_text(&keys, &email.to_text(), &ctx);
    assert!(
        opened.is_err(),
        "the sink is down and the auditor fails closed, yet the plaintext came out: {opened:?}"
    );
}

/// A retention sweep destroys keys a batch at a time, and the keys destroyed before a batch that
/// fails stay destroyed (`SubjectKeys::sweep`): its failed event counts them.
#[test]
fn a_sweep_that_fails_part_way_records_what_it_destroyed() {
    use fieldseal::vault::{
        ConsentRecord, Created, DisclosureRecord, ErasureReceipt, ExpiredKey, KeyCursor, KeyVault,
        MemoryVault, StoredKey, Subject, SubjectKeys, SubjectState, VaultStats, VersionCount,
        Withdrawal,
    };
    use fieldseal::{KeyringId, Result, VaultError};
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::{Duration, SystemTime};

    /// A memory vault whose second `expire` call fails (a busy database, say).
    struct Flaky(MemoryVault, AtomicU32);
    impl KeyVault for Flaky {
        fn bind_keyring(&self, id: KeyringId) -> Result<KeyringId> {
            self.0.bind_keyring(id)
        }
        fn keyring(&self) -> Result<Option<KeyringId>> {
            self.0.keyring()
        }
        fn read(&self, s: &[u8], p: &[&str]) -> Result<SubjectState> {
            self.0.read(s, p)
        }
        fn create(&self, k: &StoredKey, c: bool, n: u64) -> Result<Created> {
            self.0.create(k, c, n)
        }
        fn grant(&self, c: &ConsentRecord) -> Result<bool> {
            self.0.grant(c)
        }
        fn withdraw(&self, s: &[u8], p: &str, a: u64) -> Result<Withdrawal> {
            self.0.withdraw(s, p, a)
        }
        fn forget(&self, s: &[u8], a: u64) -> Result<ErasureReceipt> {
            self.0.forget(s, a)
        }
        fn expire(&self, now: u64, limit: usize) -> Result<Vec<ExpiredKey>> {
            if self.1.fetch_add(1, Ordering::SeqCst) >= 1 {
                return Err(VaultError::Busy { action: "expire" }.into());
            }
            self.0.expire(now, limit)
        }
        fn keys_after(&self, a: Option<&KeyCursor>, l: usize) -> Result<Vec<StoredKey>> {
            self.0.keys_after(a, l)
        }
        fn rewrap(&self, o: &StoredKey, n: &StoredKey) -> Result<bool> {
            self.0.rewrap(o, n)
        }
        fn key_versions(&self) -> Result<Vec<VersionCount>> {
            self.0.key_versions()
        }
        fn retire_version(&self, v: u32) -> Result<fieldseal::vault::VersionRetirement> {
            self.0.retire_version(v)
        }
        fn retired_versions(&self) -> Result<Vec<u32>> {
            self.0.retired_versions()
        }
        fn consents(&self, s: &[u8]) -> Result<Vec<ConsentRecord>> {
            self.0.consents(s)
        }
        fn log_disclosure(&self, d: &DisclosureRecord) -> Result<DisclosureRecord> {
            self.0.log_disclosure(d)
        }
        fn disclosures(&self, p: Option<&str>) -> Result<Vec<DisclosureRecord>> {
            self.0.disclosures(p)
        }
        fn erasures(&self) -> Result<Vec<ErasureReceipt>> {
            self.0.erasures()
        }
        fn stats(&self) -> Result<VaultStats> {
            self.0.stats()
        }
    }

    fieldseal::purpose!(Analytics = "analytics", retention_days = 30);
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let sink = Arc::new(MemorySink::new());
    let keys = KeySet::new()
        .with(keyring.purpose_key::<Analytics>())
        .with_auditor(Auditor::new(Arc::clone(&sink), "retention-job"))
        .unwrap();
    let start = SystemTime::now();
    let subjects = SubjectKeys::new(
        Flaky(MemoryVault::new(), AtomicU32::new(0)),
        keys,
        keyring.id(),
    )
    .unwrap()
    .with_clock(move || start);
    // One full batch (1000 keys) and more, so that the sweep asks the vault a second time.
    for id in 0..1001_i64 {
        let ctx = Context::new("visit", "page").with_id_int(id);
        let _: Sealed<String, Analytics> = subjects.seal(&Subject::int(id), "/home", &ctx).unwrap();
    }
    let later = start + Duration::from_secs(31 * 86_400);
    let subjects = subjects.with_clock(move || later);
    assert!(subjects.sweep().is_err(), "the second batch fails");
    let line = sink.lines().pop().unwrap();
    assert!(
        line.contains(r#""op":"sweep","outcome":"failed""#),
        "{line}"
    );
    assert!(
        line.contains(r#""destroyed":1000"#),
        "1000 keys were destroyed, the event says otherwise: {line}"
    );
}

/// `RecordLayout::reseal`, one record re-sealed on its own through an audited key set: one
/// `reseal` event, as a derived record's.
#[test]
fn a_record_layout_reseal_is_recorded() {
    use fieldseal::bulk::{IdType, RecordLayout};
    let (keyring, row) = stale_row();
    let sink = Arc::new(MemorySink::new());
    let keys = support_keys(&keyring, Auditor::new(Arc::clone(&sink), "batch"));
    let layout = RecordLayout::new("Customer").id("id", IdType::parse("u64").unwrap());
    let (_, counts) = layout.reseal(&keys, &row).unwrap();
    assert_eq!(counts.resealed, 1, "the value was re-sealed");
    assert_eq!(
        ops(&sink),
        ["key-set-load ok", "reseal ok"],
        "{:#?}",
        sink.lines()
    );
}

/// `reseal_jsonl_file` records its `reseal-run` event once the output is published: a run that
/// fails to publish (here a file appeared at `--out` while it ran, so it is not replaced) is
/// recorded failed (it was recorded ok, with its counts, as soon as its records were written).
#[test]
fn a_reseal_run_that_fails_to_publish_is_recorded_failed() {
    use fieldseal::bulk::{IdType, RecordLayout, reseal_jsonl_file};
    let (keyring, row) = stale_row();
    let dir = std::env::temp_dir().join(format!("fieldseal-publish-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("rows.jsonl");
    std::fs::write(&input, format!("{row}\n")).unwrap();
    let out = dir.join("out.jsonl");
    let sink = Arc::new(MemorySink::new());
    let keys = support_keys(&keyring, Auditor::new(Arc::clone(&sink), "batch"));
    let layout = RecordLayout::new("Customer").id("id", IdType::parse("u64").unwrap());
    let result = reseal_jsonl_file(&keys, &layout, Some(&input), &out, 1, &mut |s| {
        if s.records > 0 {
            std::fs::write(&out, "someone else's file\n").unwrap();
        }
    });
    assert!(result.is_err(), "{result:?}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "someone else's file\n"
    );
    let ops = ops(&sink);
    assert_eq!(
        ops.last().map(String::as_str),
        Some("reseal-run failed"),
        "the run failed and published nothing: {ops:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A key taken out of an audited key set records through the set's auditor: a service opening
/// with `require::<P>()` is recorded as one opening through the set. A derived record opened with
/// the set is still one event, not one more per key.
#[test]
fn keys_taken_out_of_an_audited_set_record_through_its_auditor() {
    #[derive(fieldseal::Seal)]
    #[seal(id = id)]
    struct Ticket {
        id: u64,
        #[seal(Support)]
        note: String,
    }
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let sink = Arc::new(MemorySink::new());
    let keys = support_keys(&keyring, Auditor::new(Arc::clone(&sink), "desk"));
    let ctx = Context::new("ticket", "note").with_id_int(7);
    let key = keys.require::<Support>().unwrap();
    let note: Sealed<String, Support> = Sealed::seal("call back", &ctx, &key).unwrap();
    assert_eq!(note.open(&key, &ctx).unwrap(), "call back");
    let ticket = Ticket {
        id: 7,
        note: "call back".into(),
    }
    .seal(&keys)
    .unwrap();
    ticket.open_with::<Support>(&keys).unwrap();
    ticket.open(&keys.key::<Support>().unwrap()).unwrap();
    assert_eq!(
        ops(&sink),
        [
            "key-set-load ok",
            "seal ok",
            "open ok",
            "seal ok",
            "open ok",
            "open ok"
        ]
    );
    // Without an auditor, the key records nothing, and neither does the set.
    let quiet = KeySet::from_keyring(&keyring, &[Support.into()]);
    let before = ops(&sink).len();
    let key = quiet.require::<Support>().unwrap();
    let _: Sealed<String, Support> = Sealed::seal("x", &ctx, &key).unwrap();
    assert_eq!(ops(&sink).len(), before);
}

/// A key borrowed from an audited key set (`get`, `iter`) records through the set's auditor, as a
/// key taken out does: a service that opens run-time purposes with `keys.get(name)` is recorded.
/// What goes through the set itself is still one event, not one more for the key it looks up.
#[test]
fn keys_borrowed_from_an_audited_set_record_through_its_auditor() {
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let sink = Arc::new(MemorySink::new());
    let keys = KeySet::new()
        .with(keyring.purpose_key::<Support>())
        .with(keyring.purpose_key::<Fulfillment>())
        .with_auditor(Auditor::new(Arc::clone(&sink), "desk"))
        .unwrap();
    let ctx = Context::new("customer", "email").with_id_int(7);
    let email: Sealed<String, Support> = keys.seal(SECRET, &ctx).unwrap();

    let key = keys.get("support").unwrap();
    assert!(
        key.auditor().is_some(),
        "the borrowed key carries the auditor"
    );
    assert_eq!(email.open_dyn(key, &ctx).unwrap(), SECRET);
    let lines = sink.lines();
    let last = lines.last().unwrap();
    assert!(
        last.contains(r#""op":"open""#) && last.contains(r#""actor":"desk""#),
        "the open with the borrowed key is recorded as the set's: {last}"
    );
    let fulfillment = keys
        .iter()
        .find(|k| k.purpose().name() == "fulfillment")
        .unwrap();
    let typed = fieldseal::PurposeKey::<Fulfillment>::from_dyn(fulfillment.share()).unwrap();
    let address: Sealed<String, Fulfillment> = Sealed::seal("1 Main St", &ctx, &typed).unwrap();
    assert_eq!(address.open_dyn(fulfillment, &ctx).unwrap(), "1 Main St");
    // Through the set: one event each, although the set looks the key up by name.
    let back = keys.open_dyn(&email, &Support.into(), &ctx).unwrap();
    assert_eq!(back, SECRET);
    let resealed = keys
        .seal_dyn::<String>(&[Support.into()], SECRET, &ctx)
        .unwrap();
    assert_eq!(
        ops(&sink),
        [
            "key-set-load ok",
            "seal ok",
            "open ok",
            "seal ok",
            "open ok",
            "open ok",
            "seal ok"
        ]
    );
    drop(resealed);

    // Without an auditor, borrowed keys record nothing.
    let quiet = KeySet::from_keyring(&keyring, &[Support.into()]);
    let before = ops(&sink).len();
    let key = quiet.get("support").unwrap();
    assert!(key.auditor().is_none());
    email.open_dyn(key, &ctx).unwrap();
    assert_eq!(ops(&sink).len(), before);
}
