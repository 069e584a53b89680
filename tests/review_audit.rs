//! A hostile review of the audit promise (README "Audit trail", SECURITY.md "The audit trail"):
//! every seal, open, re-seal and disclosure done through an audited key holder is one event, and
//! a failed open is recorded as failed. Each test here is a public path where that did not hold:
//! each failed on the code it was written against (8c83edb), and passes since the fix.

use std::sync::Arc;

use fieldseal::audit::{Auditor, MemorySink};
use fieldseal::{Context, Keyring, Seal, Sealed, Suite};

#[path = "common/events.rs"]
mod events;

use events::ops;

#[path = "common/ticket.rs"]
mod ticket;

use ticket::{SECRET, Support, audited, ticket};

/// `KeySet::insert` hands back the key it replaces, and that key is taken out of the set without
/// the set's auditor: a service that swaps in a new key (say, after a rotation, or a reload it
/// does by hand) and keeps the old one to open older values opens them with no event, although
/// every key "taken out of an audited set" is promised to record through its auditor
/// (README, KeySet::with_auditor). The set strips each key's auditor as it takes it in
/// (`take_auditor`), and `insert` returns the bare stored key rather than a lent one.
#[test]
fn the_key_insert_replaces_still_records_through_the_sets_auditor() {
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let sink = Arc::new(MemorySink::new());
    let mut keys = audited(&keyring, &sink);
    let ctx = Context::new("customer", "email").with_id_int(7);
    let email: Sealed<String, Support> = keys.seal(SECRET, &ctx).unwrap();

    let replaced = keys
        .insert(keyring.dyn_purpose_key(&Support.into()))
        .expect("the set held a support key");
    assert_eq!(email.open_dyn(&replaced, &ctx).unwrap(), SECRET);
    assert_eq!(
        ops(&sink),
        ["key-set-load ok", "seal ok", "open ok"],
        "the plaintext came out through a key taken out of an audited set, unrecorded \
         (the replaced key's auditor: {:?})",
        replaced.auditor().map(Auditor::actor)
    );
}

/// `fieldseal::record::OpenRecord::open_dyn_nested` is a public, documented trait method ("Opens
/// every field `keys` may read"), not `#[doc(hidden)]`, and `Nesting::TOP` is a public constant:
/// called at the top level with an audited key set it opens every field the set can read, the
/// same as the derived `open_dyn`, and records nothing. The derived code looks keys up with
/// `get_unrecorded` and relies on the entry point to record; the trait method is an entry point
/// of its own. (`ResealRecord::reseal_nested` says it records nothing; this trait does not.)
/// SECURITY.md: "every value a key set opened is in the log".
#[test]
fn the_public_open_record_trait_records_what_it_opens() {
    use fieldseal::record::{Nesting, OpenRecord};
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let sink = Arc::new(MemorySink::new());
    let keys = audited(&keyring, &sink);
    let sealed = ticket().seal(&keys).unwrap();
    let before = ops(&sink);
    assert_eq!(before, ["key-set-load ok", "seal ok"]);

    let view = OpenRecord::open_dyn_nested(&sealed, &keys, &Nesting::TOP).unwrap();
    assert_eq!(view.note.as_deref(), Some(SECRET), "the plaintext is out");
    assert_eq!(
        ops(&sink),
        ["key-set-load ok", "seal ok", "open ok"],
        "every field of the record was opened through an audited key set without an event"
    );
}

/// The same for sealing: `fieldseal::record::SealRecord::seal_nested`, public and documented,
/// seals every field of a record with an audited key set and records no event (the derived
/// `seal` records one). README: "Every seal and open through `keys` is now one event".
#[test]
fn the_public_seal_record_trait_records_what_it_seals() {
    use fieldseal::record::{Nesting, SealRecord};
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let sink = Arc::new(MemorySink::new());
    let keys = audited(&keyring, &sink);
    let sealed = SealRecord::seal_nested(&ticket(), &keys, &Nesting::TOP).unwrap();
    assert_eq!(
        sealed.open_with::<Support>(&keys).unwrap().note,
        SECRET,
        "a record sealed and opening"
    );
    assert_eq!(
        ops(&sink),
        ["key-set-load ok", "seal ok", "open ok"],
        "a whole record was sealed through an audited key set without an event"
    );
}

#[derive(Seal, Clone, Debug, PartialEq)]
#[seal(id = id, subject = card)]
struct Member {
    id: u64,
    card: String,
    #[seal(Support)]
    email: String,
}

/// A subject-mode record's single-field opener (`open_email::<P, _>(&subjects)`) makes its
/// opening session before anything is recorded: when that fails (here, a stored row whose subject
/// column was emptied: the subject id must be 1 to 256 bytes), the open fails with no event at
/// all. The whole-record `open::<P>` makes the same session inside its recorded run and is
/// recorded as a failed open; the promise is that a failed open is recorded as failed, and a
/// probe of tampered rows is exactly what the failed events are for.
#[test]
fn a_subject_mode_field_opener_that_fails_is_recorded_failed() {
    use fieldseal::vault::{MemoryVault, SubjectKeys};
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let sink = Arc::new(MemorySink::new());
    let subjects =
        SubjectKeys::new(MemoryVault::new(), audited(&keyring, &sink), keyring.id()).unwrap();
    let sealed = Member {
        id: 7,
        card: "m-1001".into(),
        email: SECRET.into(),
    }
    .seal(&subjects)
    .unwrap();
    assert_eq!(sealed.open_email::<Support, _>(&subjects).unwrap(), SECRET);
    let mut tampered = sealed.clone();
    tampered.card = String::new();

    assert!(tampered.open::<Support>(&subjects).is_err());
    let whole = ops(&sink);
    assert_eq!(
        whole.last().map(String::as_str),
        Some("open failed"),
        "the whole record's failed open is recorded: {whole:?}"
    );
    assert!(tampered.open_email::<Support, _>(&subjects).is_err());
    let after = ops(&sink);
    assert_eq!(
        after.len(),
        whole.len() + 1,
        "the field opener failed and left no event: {after:?}"
    );
    assert_eq!(after.last().map(String::as_str), Some("open failed"));
}

/// A directory with a keyring (an audit key made) and the paths of its vault, for driving the
/// `fieldseal` binary.
#[cfg(all(feature = "cli", feature = "sqlite"))]
struct Cli {
    dir: std::path::PathBuf,
}

#[cfg(all(feature = "cli", feature = "sqlite"))]
impl Cli {
    const PASSPHRASE: &'static str = "correct horse battery staple";

    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("fieldseal-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let cli = Self { dir };
        cli.ok(&["init", "--kdf-memory-mib", "19", "--kdf-iterations", "2"]);
        cli.ok(&["audit", "rotate-key"]);
        cli
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_fieldseal"))
            .args(args)
            .args(["--passphrase-env", "FS_TEST_PASSPHRASE"])
            .current_dir(&self.dir)
            .env("FIELDSEAL_KEYRING", self.dir.join("keyring.fsk"))
            .env("FIELDSEAL_VAULT", self.dir.join("vault.db"))
            .env("FS_TEST_PASSPHRASE", Self::PASSPHRASE)
            .env_remove("FIELDSEAL_AUDIT_LOG")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "{out:#?}");
        String::from_utf8(out.stdout).unwrap()
    }

    fn keyring(&self) -> Keyring {
        let passphrase = fieldseal::Passphrase::new(Self::PASSPHRASE.to_owned()).unwrap();
        Keyring::load(self.dir.join("keyring.fsk"), &passphrase).unwrap()
    }

    /// Subject keys over the vault with `keyring`'s keys of `purposes`, binding the vault.
    fn subjects(
        &self,
        keyring: &Keyring,
        purposes: &[fieldseal::DynPurpose],
    ) -> fieldseal::vault::SubjectKeys<fieldseal::vault::SqliteVault> {
        fieldseal::vault::SubjectKeys::new(
            fieldseal::vault::SqliteVault::open(self.dir.join("vault.db")).unwrap(),
            fieldseal::KeySet::from_keyring(keyring, purposes),
            keyring.id(),
        )
        .unwrap()
    }

    /// Every line of the audit log in `log/`.
    fn log(&self) -> String {
        let mut text = String::new();
        for file in fieldseal::audit::log_files(self.dir.join("log")).unwrap_or_default() {
            text.push_str(&std::fs::read_to_string(file).unwrap());
        }
        text
    }
}

#[cfg(all(feature = "cli", feature = "sqlite"))]
impl Drop for Cli {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `fieldseal vault disclose --audit-log DIR` opens the named fields of each consenting subject
/// with the subject's data keys and hands them, sealed again, to a third party: the disclosure
/// of protected data the README lists as recorded. The flag is global and accepted, and the
/// tool's `--audit-log` "records administration through `fieldseal` itself"; but `disclose`
/// loaded the keyring without attaching the log and built its `SubjectKeys` on
/// `KeySet::from_keyring`, which has no auditor. The log got nothing: no `disclose`, no `open`.
#[cfg(all(feature = "cli", feature = "sqlite"))]
#[test]
fn cli_vault_disclose_with_an_audit_log_records_the_disclosure() {
    use fieldseal::vault::Subject;
    use fieldseal::{DynPurpose, Purpose};

    fieldseal::purpose!(Acme = "third-party:acme");

    #[derive(Seal, Clone, Debug, PartialEq)]
    #[seal(subject = customer_id)]
    struct Customer {
        customer_id: u64,
        #[seal(ticket::Fulfillment, Acme)]
        email: String,
    }

    let cli = Cli::new("review-disclose");
    // A service seals customer 1's record in subject mode; customer 1 consents to acme.
    let keyring = cli.keyring();
    let subjects = cli.subjects(
        &keyring,
        &[ticket::Fulfillment.into(), DynPurpose::of::<Acme>()],
    );
    subjects
        .grant(&Subject::int(1u64), &Acme.into(), "checkout", None)
        .unwrap();
    let sealed = Customer {
        customer_id: 1,
        email: SECRET.into(),
    }
    .seal(&subjects)
    .unwrap();
    drop(subjects);
    let line = serde_json::to_string(&sealed).unwrap();
    std::fs::write(cli.dir.join("customers.jsonl"), format!("{line}\n")).unwrap();

    let done = cli.ok(&[
        "vault",
        "disclose",
        "--partner",
        Acme::NAME,
        "--fields",
        "email",
        "--input",
        "customers.jsonl",
        "--output",
        "partner.jsonl",
        "--record",
        "Customer",
        "--subject-field",
        "customer_id",
        "--subject-type",
        "u64",
        "--subject",
        "1",
        "--audit-log",
        "log",
    ]);
    assert!(done.contains("disclosed 1 record"), "{done}");
    assert!(cli.dir.join("partner.jsonl").exists(), "the partner's file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let meta = std::fs::metadata(cli.dir.join("partner.jsonl")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600, "the owner's only");
    }
    let text = cli.log();
    assert!(
        text.contains(r#""op":"disclose""#),
        "`vault disclose --audit-log log` handed customer 1's email to a third party and the \
         audit log holds no disclose event: {text:?}"
    );
}

/// `fieldseal vault consent grant|withdraw`, `forget` and `sweep` with `--audit-log DIR`: each
/// is recorded in the tool's audit log (they need no key, but recording needs the keyring's audit
/// key). Before, the flag was accepted and nothing was recorded.
#[cfg(all(feature = "cli", feature = "sqlite"))]
#[test]
fn cli_vault_consent_forget_and_sweep_with_an_audit_log_are_recorded() {
    let cli = Cli::new("review-admin");
    // A service opens the vault with its keys: the vault is bound to the keyring.
    drop(cli.subjects(&cli.keyring(), &[Support.into()]));

    let log = ["--audit-log", "log"];
    let with_log = |args: &[&'static str]| -> Vec<&'static str> { [args, &log[..]].concat() };
    cli.ok(&with_log(&[
        "vault",
        "consent",
        "grant",
        "--subject",
        "1",
        "--purpose",
        "support",
        "--source",
        "checkout",
    ]));
    cli.ok(&with_log(&[
        "vault",
        "consent",
        "withdraw",
        "--subject",
        "1",
        "--purpose",
        "support",
    ]));
    cli.ok(&with_log(&["vault", "forget", "--subject", "2", "--yes"]));
    cli.ok(&with_log(&["vault", "sweep"]));
    // Without the flag, nothing more is recorded. A subject the vault never saw is forgotten
    // too (nothing can be sealed for them again), and the tool says it held nothing for the id.
    let said = cli.ok(&["vault", "forget", "--subject", "3", "--yes"]);
    assert!(
        said.contains("the vault held no data key or consent for 3"),
        "{said}"
    );

    let text = cli.log();
    let ops: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split(r#""op":""#).nth(1))
        .filter_map(|rest| rest.split('"').next())
        .filter(|op| *op != "key-set-load")
        .collect();
    assert_eq!(ops, ["grant", "withdraw", "forget", "sweep"], "{text}");
}

/// `ResealRecord::reseal_nested` at the top re-seals (opens and seals) every field through an
/// audited key set: one `reseal` event, as the derived `reseal` records. Nested in another record
/// (the outer record's event lists its fields), it stays quiet.
#[test]
fn the_public_reseal_record_trait_records_what_it_reseals() {
    use fieldseal::record::{Nesting, ResealRecord};
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let sink = Arc::new(MemorySink::new());
    let sealed = ticket().seal(&audited(&keyring, &sink)).unwrap();
    keyring.rotate().unwrap();
    let keys = audited(&keyring, &sink);
    let before = ops(&sink).len();
    let resealed = ResealRecord::reseal_nested(&sealed, &keys, &Nesting::TOP)
        .unwrap()
        .expect("stale after the rotation");
    assert_eq!(resealed.open_with::<Support>(&keys).unwrap().note, SECRET);
    assert_eq!(
        ops(&sink)[before..],
        ["reseal ok", "open ok"],
        "the re-seal through the public trait is one event"
    );
}
