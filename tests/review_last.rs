//! Review of c5508f2, e7f521e, 892fe55, ca989e8: faults each test below shows (each fails on
//! the code under review).

use std::path::PathBuf;

use fieldseal::audit::{self, Auditor, FileSink, FileSinkOptions};
use fieldseal::vault::{MemoryVault, Subject, SubjectKeys};
use fieldseal::{AuditError, Context, DynPurpose, Error, KeySet, Keyring, Sealed, Suite};

fieldseal::purpose!(Support = "support");
fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing", consent);

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "fieldseal-review-last-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// c5508f2 made the audit writer's MAC check skip a tail whose audit key version "the key no
/// longer holds (retired since)" (`is_none_or`, src/audit/log/writer.rs:170). But a version this
/// key does not hold is just as likely one it never had: another keyring's service of the same
/// name whose audit key was rotated once more than ours writes its log at version 2; our writer
/// (audit key version 1 only, nothing ever retired) accepts that log and chains its own lines
/// onto it, which is what the check exists to refuse ("the log of another keyring's service of
/// the same name ... is refused"). A version above the key's newest cannot have been retired.
#[test]
fn a_log_of_another_keyring_at_a_newer_audit_key_version_is_refused() {
    let dir = Dir::new("newer-version");
    let mut foreign = Keyring::generate(Suite::default()).unwrap();
    foreign.rotate_audit_key().unwrap();
    assert_eq!(foreign.rotate_audit_key().unwrap(), 2);
    {
        let key = foreign.audit_key("desk").unwrap();
        let sink = FileSink::open(&dir.0, &key, FileSinkOptions::default()).unwrap();
        let keys = KeySet::new()
            .with(foreign.purpose_key::<Support>())
            .with_auditor(Auditor::new(sink, "desk"))
            .unwrap();
        let ctx = Context::new("customer", "phone").with_id_int(1001);
        let _ = keys
            .seal::<Support, String>("+44 20 7946 0000", &ctx)
            .unwrap();
    }
    let files = audit::log_files(&dir.0).unwrap();
    assert!(!files.is_empty());

    let mut ours = Keyring::generate(Suite::default()).unwrap();
    assert_eq!(ours.rotate_audit_key().unwrap(), 1);
    let opened = FileSink::open(
        &dir.0,
        &ours.audit_key("desk").unwrap(),
        FileSinkOptions::default(),
    );
    assert!(
        matches!(opened, Err(AuditError::BadLog { .. })),
        "another keyring's log (audit key version 2, which ours never had) was accepted and \
         chained on: {:?}",
        opened.as_ref().err()
    );
}

/// ca989e8 checks the subject's consent in `reseal_direct_bytes` only when the target's own
/// declaration needs consent (src/vault/handover.rs:94), while c5508f2 and FORMAT.md §15.3 say a
/// withdrawn consent "binds every writer, whatever its declaration of the purpose" (a seal for a
/// purpose so declared gets `UndeclaredConsent`). A service whose subject withdrew consent to
/// `marketing` re-seals her value for a `marketing` key declared without `consent` and gets a
/// direct-mode marketing copy the withdrawal can never reach, where its own seal is refused.
#[test]
fn reseal_direct_ignores_a_withdrawn_consent_for_a_target_declared_without_it() {
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let keys = KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with(keyring.purpose_key::<Marketing>());
    let subjects = SubjectKeys::new(MemoryVault::new(), keys, keyring.id()).unwrap();
    let ada = Subject::int(1001);
    let ctx = Context::new("customer", "email").with_id_int(1001);
    subjects
        .grant(&ada, &Marketing.into(), "form", None)
        .unwrap();
    subjects.withdraw(&ada, &Marketing.into()).unwrap();
    let email: Sealed<String, Fulfillment> = subjects.seal(&ada, "ada@example.com", &ctx).unwrap();

    let undeclared = DynPurpose::new("marketing").unwrap();
    assert!(!undeclared.policy().needs_consent());
    // Control: a seal for marketing so declared is refused, the withdrawal binding it.
    let sealed = subjects.seal_dyn::<String>(
        &ada,
        std::slice::from_ref(&undeclared),
        "ada@example.com",
        &ctx,
    );
    assert!(
        matches!(sealed, Err(Error::UndeclaredConsent { .. })),
        "control: {sealed:?}"
    );
    let target = keyring.dyn_purpose_key(&undeclared);
    let handed =
        subjects.reseal_direct_bytes(email.as_bytes(), &Fulfillment.into(), &ada, &ctx, &target);
    assert!(
        handed.is_err(),
        "Ada withdrew consent to marketing, yet reseal_direct made a marketing copy of her \
         email ({} bytes) that no withdrawal reaches",
        handed.map(|b| b.len()).unwrap_or_default()
    );
}

/// `disclose` is built so that a customer who withdraws while the records are made (in this
/// process or another) is only left out: "the vault logs the disclosure, asking each subject's
/// consent again in the same step: the records of those who withdrew (or were erased) meanwhile
/// are dropped" (src/vault/admin.rs, `disclose`). Its documented `hand_over` is `reseal_direct`,
/// which since ca989e8 refuses such a customer with `ConsentNeeded`
/// (src/vault/handover.rs:94-103); the error ends the whole disclosure, unlogged, and every other
/// consenting customer's records with it. The CLI's `vault disclose` passes the error on as is
/// (src/bin/fieldseal/commands/vault/disclose.rs `reseal`, `other => return other`), so one
/// withdrawal racing a disclosure run now fails the run, where before it dropped that customer.
#[test]
fn a_withdrawal_racing_a_disclosure_drops_that_customer_not_the_disclosure() {
    fieldseal::purpose!(Acme = "third-party:acme");
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let keys = KeySet::new().with(keyring.purpose_key::<Fulfillment>());
    let subjects = SubjectKeys::new(MemoryVault::new(), keys, keyring.id()).unwrap();
    let acme = keyring.purpose_key::<Acme>();
    let (ada, bob) = (Subject::int(1001), Subject::int(1002));
    let ctx = |id: i64| Context::new("customer", "postcode").with_id_int(id);
    let ada_pc: Sealed<String, Fulfillment> = subjects.seal(&ada, "SW1A 1AA", &ctx(1001)).unwrap();
    let bob_pc: Sealed<String, Fulfillment> = subjects.seal(&bob, "EC1A 1BB", &ctx(1002)).unwrap();
    for s in [&ada, &bob] {
        subjects.grant(s, &Acme.into(), "checkout", None).unwrap();
    }
    let partner: DynPurpose = Acme.into();
    let result = subjects.disclose(&partner, &["postcode"], &[ada, bob], |s| {
        if s.as_bytes() == ada.as_bytes() {
            // Ada withdraws (another process, say) after disclose found her consent standing.
            subjects.withdraw(&ada, &Acme.into()).unwrap();
            subjects.reseal_direct(&ada_pc, &Fulfillment.into(), s, &ctx(1001), &acme)
        } else {
            subjects.reseal_direct(&bob_pc, &Fulfillment.into(), s, &ctx(1002), &acme)
        }
    });
    match result {
        Ok(d) => {
            assert_eq!(d.records.len(), 1, "only Bob's record may be handed over");
            assert_eq!(d.records[0].open(&acme, &ctx(1002)).unwrap(), "EC1A 1BB");
        }
        Err(e) => panic!(
            "Ada's withdrawal mid-disclosure failed the whole disclosure (Bob's record too, \
             nothing logged): {e:?}"
        ),
    }
}
