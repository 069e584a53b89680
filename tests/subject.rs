//! Subject mode over the in-memory vault: consent, erasure, retention, rotation, races, caching,
//! disclosure (tests/common/vault_suite.rs; every backend runs the same suite).

mod common;

use common::vault_suite;
use fieldseal::vault::MemoryVault;

#[test]
fn round_trip() {
    vault_suite::round_trip(MemoryVault::new);
}

#[test]
fn consent_lifecycle() {
    vault_suite::consent_lifecycle(MemoryVault::new);
}

#[test]
fn no_copy_without_consent() {
    vault_suite::no_copy_without_consent(MemoryVault::new);
}

#[test]
fn erasure() {
    vault_suite::erasure(MemoryVault::new);
}

#[test]
fn retention() {
    vault_suite::retention(MemoryVault::new);
}

#[test]
fn rotation_rewraps_without_touching_data() {
    vault_suite::rotation_rewraps_without_touching_data(MemoryVault::new);
}

#[test]
fn retirement_closes_the_version() {
    vault_suite::retirement_closes_the_version(MemoryVault::new);
}

#[test]
fn racing_sealers_make_one_key() {
    vault_suite::racing_sealers_make_one_key(MemoryVault::new);
}

#[test]
fn other_processes_follow_within_the_time_to_live() {
    vault_suite::other_processes_follow_within_the_time_to_live(MemoryVault::new);
}

#[test]
fn wrong_keyring_and_tampered_rows() {
    vault_suite::wrong_keyring_and_tampered_rows(MemoryVault::new);
}

#[test]
fn disclosure_to_consenting_subjects_only() {
    vault_suite::disclosure_to_consenting_subjects_only(MemoryVault::new);
}

#[test]
fn keyring_binding_reads_back_without_binding() {
    vault_suite::keyring_binding_reads_back_without_binding(MemoryVault::new);
}

#[test]
fn administration_stops_this_process_at_once() {
    vault_suite::administration_stops_this_process_at_once(MemoryVault::new);
}

#[test]
fn a_purpose_key_not_held_is_refused_whatever_the_consent() {
    vault_suite::a_purpose_key_not_held_is_refused_whatever_the_consent(MemoryVault::new);
}

/// A subject's value handed over to a partner: the copy of one purpose, opened with the subject's
/// data key, sealed again in direct mode for the partner's purpose, with its type and context
/// kept; a copy the subject's choices withhold is not handed over.
#[test]
fn reseal_direct_hands_a_copy_over_to_the_partners_purpose_key() {
    use common::vault_suite::{Acme, Fulfillment, Marketing, World};
    use fieldseal::vault::Subject;
    use fieldseal::{Context, Error, Json, Sealed, Suite};

    let w = World::new(MemoryVault::new(), Suite::default());
    let ada = Subject::int(7);
    let ctx = Context::new("customer", "points").with_id_int(7);
    w.subjects
        .grant(&ada, &Marketing.into(), "form", None)
        .unwrap();
    let points: Sealed<u32, (Fulfillment, Marketing)> = w.subjects.seal(&ada, &1815, &ctx).unwrap();
    let acme = w.keyring.purpose_key::<Acme>();
    // A third-party purpose gets a copy only while the subject's consent to it stands: none yet.
    assert!(matches!(
        w.subjects
            .reseal_direct(&points, &Marketing.into(), &ada, &ctx, &acme),
        Err(Error::ConsentNeeded { ref purpose }) if purpose == "third-party:acme"
    ));
    w.subjects.grant(&ada, &Acme.into(), "form", None).unwrap();
    let handed: Sealed<u32, Acme> = w
        .subjects
        .reseal_direct(&points, &Marketing.into(), &ada, &ctx, &acme)
        .unwrap();
    assert_eq!(handed.open(&acme, &ctx).unwrap(), 1815);
    assert_eq!(handed.key_versions()[0].1, 1, "the partner's root version");
    // A partner key with an auditor of its own records the copy sealed for it.
    let sink = std::sync::Arc::new(fieldseal::audit::MemorySink::new());
    let audited = w
        .keyring
        .purpose_key::<Acme>()
        .with_auditor(fieldseal::audit::Auditor::new(
            std::sync::Arc::clone(&sink),
            "partner-desk",
        ));
    let _: Sealed<u32, Acme> = w
        .subjects
        .reseal_direct(&points, &Marketing.into(), &ada, &ctx, &audited)
        .unwrap();
    let lines = sink.lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains(r#""op":"seal","outcome":"ok","actor":"partner-desk","purposes":["third-party:acme"],"record":"customer","fields":["points"]"#),
        "{}",
        lines[0]
    );
    // Bound to the same context: it does not open as another record's.
    let other = Context::new("customer", "points").with_id_int(8);
    assert!(matches!(
        handed.open(&acme, &other),
        Err(Error::CannotOpen { .. })
    ));

    // Any plaintext type, in text form.
    let prefs = Json(vec!["tea".to_owned(), "books".to_owned()]);
    let ctx2 = Context::new("customer", "prefs").with_id_int(7);
    let sealed: Sealed<Json<Vec<String>>, Fulfillment> =
        w.subjects.seal(&ada, &prefs, &ctx2).unwrap();
    let text = w
        .subjects
        .reseal_direct_text(
            &sealed.to_text(),
            &Fulfillment.into(),
            &ada,
            &ctx2,
            acme.as_dyn(),
        )
        .unwrap();
    let handed = Sealed::<Json<Vec<String>>, Acme>::from_text(&text).unwrap();
    assert_eq!(handed.open(&acme, &ctx2).unwrap().0, prefs.0);

    // Another subject's keys do not open it (her consent to the partner stands).
    w.subjects
        .grant(&Subject::int(8), &Acme.into(), "form", None)
        .unwrap();
    assert!(matches!(
        w.subjects.reseal_direct_bytes(
            points.as_bytes(),
            &Fulfillment.into(),
            &Subject::int(8),
            &ctx,
            acme.as_dyn()
        ),
        Err(Error::CannotOpen { .. } | Error::UnknownDataKey { .. })
    ));
    // Withdrawn: marketing's copy is not handed over; fulfillment's still is.
    w.subjects.withdraw(&ada, &Marketing.into()).unwrap();
    assert!(matches!(
        w.subjects
            .reseal_direct(&points, &Marketing.into(), &ada, &ctx, &acme)
            .map(|_| ()),
        Err(Error::ConsentWithdrawn { .. })
    ));
    let handed = w
        .subjects
        .reseal_direct(&points, &Fulfillment.into(), &ada, &ctx, &acme)
        .unwrap();
    assert_eq!(handed.open(&acme, &ctx).unwrap(), 1815);
    // Erased: nothing is handed over.
    w.subjects.forget(&ada).unwrap();
    assert!(matches!(
        w.subjects
            .reseal_direct(&points, &Fulfillment.into(), &ada, &ctx, &acme)
            .map(|_| ()),
        Err(Error::SubjectErased { .. })
    ));
}
