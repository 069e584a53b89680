//! CLI tests of `fieldseal vault ...` (issue 10, item 9): the real binary on a real SQLite vault
//! in a fresh directory per test, values sealed and opened through the library beside it. The
//! commands that need no key are run with no keyring secret at all (and no terminal), so that one
//! asking for a passphrase would fail.

// `Customer::customer_id` is what retail schemas call it.
#![allow(clippy::struct_field_names)]

mod cli_run;
#[cfg(target_os = "linux")]
mod tmpfs;

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, UNIX_EPOCH};

use fieldseal::vault::{SqliteVault, Subject, SubjectKeys};
use fieldseal::{
    Context, DynPurpose, Error, KeySet, Keyring, Passphrase, Seal, Sealed, VaultError,
};
use serde_json::Value;

use cli_run::Run;

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing", consent);
fieldseal::purpose!(Analytics = "analytics", retention_days = 30);
fieldseal::purpose!(Acme = "third-party:acme");

const PASSPHRASE: &str = "correct horse battery staple";
const FAST_KDF: [&str; 4] = ["--kdf-memory-mib", "19", "--kdf-iterations", "2"];
const KEYRING_SECRET: [&str; 2] = ["--passphrase-env", "FS_TEST_PASSPHRASE"];
const EMAIL: &str = "ada@example.com";
/// 2026-12-01 00:00:00 UTC.
const START: u64 = 1_796_083_200;

#[derive(Seal, Clone, Debug, PartialEq)]
#[seal(without_id)]
struct Address {
    #[seal(Fulfillment)]
    street: String,
    #[seal(Fulfillment, Acme)]
    postcode: String,
}

#[derive(Seal, Clone, Debug, PartialEq)]
#[seal(subject = customer_id)]
struct Customer {
    customer_id: u64,
    #[seal(Fulfillment)]
    name: String,
    #[seal(Fulfillment, Marketing)]
    email: String,
    #[seal(nested(Fulfillment, Acme))]
    address: Address,
    loyalty_points: u32,
}

/// A fresh directory with a keyring (made by `fieldseal init`) and a vault bound to it.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(test: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("fieldseal-cli-vault-{test}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let s = Self { dir };
        let mut init = vec!["init"];
        init.extend(FAST_KDF);
        s.keyed(&init).ok();
        // The vault a service creates when it first opens it with its keys.
        drop(s.subjects(START));
        s
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_fieldseal"));
        command
            .args(args)
            .current_dir(&self.dir)
            .env("FIELDSEAL_VAULT", self.path("vault.db"))
            .env("FS_TEST_PASSPHRASE", PASSPHRASE)
            .stdin(Stdio::null());
        command
    }

    fn output(command: &mut Command) -> Run {
        Run::new(command.output().unwrap(), &[PASSPHRASE])
    }

    /// Runs the tool with no keyring at all: a command asking for one fails.
    fn run(&self, args: &[&str]) -> Run {
        Self::output(
            self.command(args)
                .env("FIELDSEAL_KEYRING", self.path("no-keyring-here.fsk")),
        )
    }

    /// Runs the tool with the keyring and its secret.
    fn keyed(&self, args: &[&str]) -> Run {
        Self::output(
            self.command(args)
                .args(KEYRING_SECRET)
                .env("FIELDSEAL_KEYRING", self.path("keyring.fsk")),
        )
    }

    fn keyring(&self) -> Keyring {
        let passphrase = Passphrase::new(PASSPHRASE.to_owned()).unwrap();
        Keyring::load(self.path("keyring.fsk"), &passphrase).unwrap()
    }

    /// A service with every purpose, over the vault, at `now` (seconds), caching nothing: each
    /// answer comes from the file.
    fn subjects(&self, now: u64) -> SubjectKeys<SqliteVault> {
        let keyring = self.keyring();
        let purposes: Vec<DynPurpose> = vec![
            Fulfillment.into(),
            Marketing.into(),
            Analytics.into(),
            Acme.into(),
        ];
        let keys = KeySet::from_keyring(&keyring, &purposes);
        SubjectKeys::new(
            SqliteVault::open(self.path("vault.db")).unwrap(),
            keys,
            keyring.id(),
        )
        .unwrap()
        .with_clock(move || UNIX_EPOCH + Duration::from_secs(now))
        .with_cache(16, Duration::ZERO)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

type Email = Sealed<String, (Fulfillment, Marketing)>;

fn email_ctx(id: u64) -> Context<'static> {
    Context::new("customer", "email").with_id_int(id)
}

fn seal_email(subjects: &SubjectKeys<SqliteVault>, id: u64) -> Email {
    subjects
        .seal(&Subject::int(id), EMAIL, &email_ctx(id))
        .unwrap()
}

fn open_email<P: fieldseal::Purpose, I>(
    subjects: &SubjectKeys<SqliteVault>,
    email: &Email,
    id: u64,
) -> fieldseal::Result<String>
where
    (Fulfillment, Marketing): fieldseal::Includes<P, I>,
{
    subjects.open::<P, _, _, _>(email, &Subject::int(id), &email_ctx(id))
}

#[test]
fn a_withdrawal_stops_marketing_copies_and_leaves_fulfillment_without_a_keyring() {
    let s = Scratch::new("consent");
    let granted = s
        .run(&[
            "vault",
            "consent",
            "grant",
            "--subject",
            "1001",
            "--purpose",
            "marketing",
            "--source",
            "newsletter form",
            "--reference",
            "privacy notice v3",
        ])
        .ok();
    assert!(
        granted
            .stdout
            .contains("recorded the consent of 1001 to marketing"),
        "{granted:#?}"
    );
    assert!(granted.stdout.contains("privacy notice v3"), "{granted:#?}");
    // The integer on the command line is the subject `Subject::int` names, whatever its type:
    // the consent recorded by the tool gives the library's seal a marketing copy.
    let subjects = s.subjects(START);
    let email = seal_email(&subjects, 1001);
    assert_eq!(email.purposes().len(), 2, "the marketing copy is there");
    assert_eq!(
        open_email::<Marketing, _>(&subjects, &email, 1001).unwrap(),
        EMAIL
    );
    let listed = s
        .run(&["vault", "consent", "list", "--subject", "1001", "--json"])
        .ok()
        .json();
    assert_eq!(listed["subject"], "1001");
    assert_eq!(listed["consents"][0]["purpose"], "marketing");
    assert_eq!(listed["consents"][0]["source"], "newsletter form");
    assert_eq!(listed["consents"][0]["active"], true);

    let withdrawn = s
        .run(&[
            "vault",
            "consent",
            "withdraw",
            "--subject",
            "1001",
            "--purpose",
            "marketing",
        ])
        .ok();
    assert!(
        withdrawn
            .stdout
            .contains("destroyed 1001's marketing data key (generation 1)"),
        "{withdrawn:#?}"
    );
    assert!(matches!(
        open_email::<Marketing, _>(&subjects, &email, 1001),
        Err(Error::ConsentWithdrawn { .. })
    ));
    assert_eq!(
        open_email::<Fulfillment, _>(&subjects, &email, 1001).unwrap(),
        EMAIL
    );
    let listed = s
        .run(&["vault", "consent", "list", "--subject", "1001"])
        .ok();
    assert!(listed.stdout.contains("withdrawn"), "{listed:#?}");
    // Withdrawing again destroys nothing, and says so (JSON for scripts).
    let again = s
        .run(&[
            "vault",
            "consent",
            "withdraw",
            "--subject",
            "1001",
            "--purpose",
            "marketing",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(again["consent_was_active"], false);
    assert_eq!(again["destroyed_generation"], Value::Null);
    let status = s.run(&["vault", "status", "--json"]).ok().json();
    assert_eq!(status["keyring"], s.keyring().id().to_string());
    assert_eq!(status["live_keys"], 1);
    assert_eq!(status["destroyed_keys"], 1);
    assert_eq!(status["active_consents"], 0);
}

#[test]
fn forget_asks_for_yes_prints_a_receipt_and_the_erasure_log_lists_it() {
    let s = Scratch::new("forget");
    let subjects = s.subjects(START);
    let cust = Subject::str("cust-7");
    let ctx = Context::new("customer", "name").with_id_str("cust-7");
    let name: Sealed<String, Fulfillment> = subjects.seal(&cust, "Ada Lovelace", &ctx).unwrap();

    s.run(&["vault", "forget", "--subject", "str:cust-7"])
        .fails(4, "run again with --yes");
    assert_eq!(
        subjects
            .open::<Fulfillment, _, _, _>(&name, &cust, &ctx)
            .unwrap(),
        "Ada Lovelace",
        "nothing was destroyed without --yes"
    );
    let forgot = s
        .run(&["vault", "forget", "--subject", "str:cust-7", "--yes"])
        .ok();
    for says in [
        "forgot str:cust-7",
        "purposes         fulfillment",
        "entries removed  1",
    ] {
        assert!(forgot.stdout.contains(says), "{says}: {forgot:#?}");
    }
    assert!(matches!(
        subjects.open::<Fulfillment, _, _, _>(&name, &cust, &ctx),
        Err(Error::SubjectErased { .. })
    ));
    let log = s.run(&["vault", "log", "erasures"]).ok();
    assert!(log.stdout.contains("str:cust-7"), "{log:#?}");
    assert!(log.stdout.contains("fulfillment"), "{log:#?}");
    let log = s.run(&["vault", "log", "erasures", "--json"]).ok().json();
    assert_eq!(log["erasures"][0]["subject"], "str:cust-7");
    assert_eq!(log["erasures"][0]["purposes"][0], "fulfillment");
    // Forgetting again gives the first receipt back, and says so.
    let again = s
        .run(&[
            "vault",
            "forget",
            "--subject",
            "str:cust-7",
            "--yes",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(again["forgotten"][0]["forgotten_before"], true);
    // A forgotten subject's consent is refused.
    s.run(&[
        "vault",
        "consent",
        "grant",
        "--subject",
        "str:cust-7",
        "--purpose",
        "marketing",
        "--source",
        "till",
    ])
    .fails(1, "this customer was erased");
}

#[test]
fn sweep_a_year_later_destroys_the_keys_whose_retention_ended() {
    let s = Scratch::new("sweep");
    let subjects = s.subjects(START);
    let ctx = Context::new("customer", "visits").with_id_int(5);
    let visits: Sealed<u32, (Fulfillment, Analytics)> =
        subjects.seal(&Subject::int(5), &12, &ctx).unwrap();
    // Ten days on, nothing has expired (30 days of retention).
    let early = s
        .run(&[
            "vault",
            "sweep",
            "--now",
            &(START + 10 * 86_400).to_string(),
        ])
        .ok();
    assert!(early.stdout.contains("0 data keys destroyed"), "{early:#?}");
    let swept = s
        .run(&["vault", "sweep", "--now", "2027-12-01T00:00:00Z", "--json"])
        .ok()
        .json();
    assert_eq!(swept["at"], START + 365 * 86_400);
    let destroyed = swept["destroyed"].as_array().unwrap();
    assert_eq!(destroyed.len(), 1, "{swept}");
    assert_eq!(destroyed[0]["subject"], "5");
    assert_eq!(destroyed[0]["purpose"], "analytics");
    assert_eq!(destroyed[0]["expires"], START + 30 * 86_400);
    let later = s.subjects(START + 366 * 86_400);
    assert!(matches!(
        later.open::<Analytics, _, _, _>(&visits, &Subject::int(5), &ctx),
        Err(Error::RetentionExpired { .. })
    ));
    assert_eq!(
        later
            .open::<Fulfillment, _, _, _>(&visits, &Subject::int(5), &ctx)
            .unwrap(),
        12
    );
    s.run(&["vault", "sweep", "--now", "next tuesday"])
        .fails(2, "RFC 3339");
}

#[test]
fn rewrap_after_rotate_moves_every_key_and_status_then_shows_the_old_version_retirable() {
    let s = Scratch::new("rewrap");
    let subjects = s.subjects(START);
    let values: Vec<(u64, Email)> = (1..=30).map(|id| (id, seal_email(&subjects, id))).collect();
    drop(subjects);
    s.keyed(&["rotate"]).ok();
    // Retiring version 1 now would lose every key of the vault ($FIELDSEAL_VAULT names it).
    s.keyed(&["retire", "1", "--yes"]).fails(
        4,
        "still has 30 data key(s) wrapped under version 1: retiring it would lose them",
    );
    assert_eq!(
        s.keyring().state(1),
        Some(fieldseal::VersionState::DecryptOnly)
    );
    let before = s.run(&["vault", "status", "--json"]).ok().json();
    assert_eq!(before["root_versions_in_use"], serde_json::json!([1]));
    let text = s.run(&["vault", "status"]).ok();
    assert!(
        text.stdout.contains("fulfillment  1             30"),
        "{text:#?}"
    );

    let rewrapped = s
        .keyed(&["vault", "rewrap", "--batch", "7", "--json"])
        .ok()
        .json();
    assert_eq!(rewrapped["rewrapped"], 30);
    assert_eq!(rewrapped["current"], 0);
    assert_eq!(rewrapped["retirable"], serde_json::json!([1]));
    let after = s.run(&["vault", "status", "--json"]).ok().json();
    assert_eq!(after["root_versions_in_use"], serde_json::json!([2]));
    assert_eq!(after["key_versions"][0]["key_version"], 2);
    assert_eq!(after["key_versions"][0]["keys"], 30);
    let named = s.keyed(&["vault", "status", "--with-keyring"]).ok();
    assert!(
        named
            .stdout
            .contains("retirable as far as this vault goes: 1 (decrypt-only"),
        "{named:#?}"
    );
    // Run again: everything is current, nothing is rewritten.
    let again = s.keyed(&["vault", "rewrap"]).ok();
    assert!(again.stdout.contains("rewrapped:          0"), "{again:#?}");
    assert!(
        again.stdout.contains("already current:    30"),
        "{again:#?}"
    );
    // Version 1 retired: every value, never rewritten, still opens.
    s.keyed(&["retire", "1", "--yes"]).ok();
    let retired = s.subjects(START);
    for (id, email) in &values {
        assert_eq!(
            open_email::<Fulfillment, _>(&retired, email, *id).unwrap(),
            EMAIL
        );
        assert_eq!(email.key_versions()[0].1, 1, "the value names generation 1");
    }
}

fn customer(id: u64) -> Customer {
    Customer {
        customer_id: id,
        name: format!("Customer {id}"),
        email: format!("c{id}@example.com"),
        address: Address {
            street: format!("{id} High Street"),
            postcode: format!("SW{id} 1AA"),
        },
        loyalty_points: 10,
    }
}

/// The partner opens a disclosed record in direct mode with its own purpose key, under the
/// record's context.
fn partner_opens(s: &Scratch, record: &serde_json::Map<String, Value>) {
    let acme = s.keyring().purpose_key::<Acme>();
    let email = Sealed::<String, Acme>::from_text(record["email"].as_str().unwrap()).unwrap();
    let ctx = Context::new("Customer", "email").with_id_int(1u64);
    assert_eq!(email.open(&acme, &ctx).unwrap(), "c1@example.com");
    let postcode =
        Sealed::<String, Acme>::from_text(record["address"]["postcode"].as_str().unwrap()).unwrap();
    let ctx = Context::new("Customer", "address.postcode").with_id_int(1u64);
    assert_eq!(postcode.open(&acme, &ctx).unwrap(), "SW1 1AA");
}

#[test]
#[allow(
    clippy::too_many_lines,
    reason = "one hand-over, told in order: consents, refusals, the file, the log"
)]
fn disclose_writes_records_of_consenting_subjects_only_and_logs_the_hand_over() {
    let s = Scratch::new("disclose");
    let subjects = s.subjects(START);
    // 1 consents; 2 consented and withdrew; 3 never did.
    for id in ["1", "2"] {
        s.run(&[
            "vault",
            "consent",
            "grant",
            "--subject",
            id,
            "--purpose",
            "third-party:acme",
            "--source",
            "checkout",
            "--reference",
            "acme terms v1",
        ])
        .ok();
    }
    s.run(&[
        "vault",
        "consent",
        "withdraw",
        "--subject",
        "2",
        "--purpose",
        "third-party:acme",
    ])
    .ok();
    write_customers(&s, &subjects, 1..=3);
    let disclose = |subjects: &[&str], output: &str| {
        let mut args = vec![
            "vault",
            "disclose",
            "--partner",
            "third-party:acme",
            "--fields",
            "email,address.postcode",
            "--input",
            "customers.jsonl",
            "--output",
            output,
            "--record",
            "Customer",
            "--subject-field",
            "customer_id",
            "--subject-type",
            "u64",
        ];
        for id in subjects {
            args.extend(["--subject", id]);
        }
        s.keyed(&args)
    };
    // A subject without a record stops everything before a key is loaded.
    disclose(&["1", "9"], "partner.jsonl").fails(1, "no record of 9");
    assert!(!s.path("partner.jsonl").exists());
    assert!(
        s.run(&["vault", "log", "disclosures", "--json"])
            .ok()
            .json()["disclosures"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let done = disclose(&["1", "2", "3"], "partner.jsonl").ok();
    assert!(
        done.stdout
            .contains("disclosed 1 record of 1 subject to third-party:acme"),
        "{done:#?}"
    );
    assert!(done.stdout.contains("withheld"), "{done:#?}");
    let written = fs::read_to_string(s.path("partner.jsonl")).unwrap();
    assert!(!s.path("partner.jsonl.partial").exists());
    let lines: Vec<Value> = written
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{written}");
    let record = lines[0].as_object().unwrap();
    let keys: Vec<&str> = record.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["address", "customer_id", "email"],
        "nothing else goes"
    );
    assert_eq!(record["customer_id"], 1);
    assert!(!written.contains("c1@example.com") && !written.contains("Customer 1"));
    partner_opens(&s, record);

    let log = s
        .run(&["vault", "log", "disclosures", "--partner", "acme", "--json"])
        .ok()
        .json();
    let logged = &log["disclosures"][0];
    assert_eq!(logged["partner"], "third-party:acme");
    assert_eq!(
        logged["fields"],
        serde_json::json!(["email", "address.postcode"])
    );
    assert_eq!(logged["subjects"][0]["subject"], "1");
    assert_eq!(
        logged["subjects"][0]["consent"]["reference"],
        "acme terms v1"
    );
    assert_eq!(logged["withheld"], 2);
    let text = s.run(&["vault", "log", "disclosures"]).ok();
    assert!(text.stdout.contains("to third-party:acme"), "{text:#?}");
    // Never over an existing file.
    disclose(&["1"], "partner.jsonl").fails(4, "never overwrites");
}

#[test]
fn bad_subjects_missing_vaults_and_a_vault_of_another_keyring_are_refused() {
    let s = Scratch::new("refusals");
    for bad in ["cust-7", "1.5", "str:", "hex:abc"] {
        s.run(&["vault", "consent", "list", "--subject", bad])
            .fails(2, "--subject");
    }
    // A path with no vault: refused, and no vault is made there.
    let missing = s.path("missing.db");
    let missing_arg = missing.to_str().unwrap();
    s.run(&["vault", "status", "--vault", missing_arg])
        .fails(1, "no key vault at");
    s.run(&[
        "vault",
        "consent",
        "grant",
        "--vault",
        missing_arg,
        "--subject",
        "1",
        "--purpose",
        "marketing",
        "--source",
        "form",
    ])
    .fails(1, "no key vault at");
    assert!(!missing.exists(), "nothing was created");
    let empty = s.path("empty.db");
    fs::write(&empty, b"").unwrap();
    s.run(&["vault", "sweep", "--vault", empty.to_str().unwrap()])
        .fails(1, "not a key vault");
    assert_eq!(fs::metadata(&empty).unwrap().len(), 0, "not made a vault");
    // No vault named at all.
    Scratch::output(
        Command::new(env!("CARGO_BIN_EXE_fieldseal"))
            .args(["vault", "status"])
            .env_remove("FIELDSEAL_VAULT")
            .stdin(Stdio::null()),
    )
    .fails(2, "--vault PATH or FIELDSEAL_VAULT");

    // A vault of another keyring: the keyed commands refuse it, naming both keyrings.
    let other = Scratch::new("refusals-other");
    let theirs = other.keyring().id().to_string();
    let vault = other.path("vault.db");
    let vault_arg = vault.to_str().unwrap();
    for args in [
        &["vault", "rewrap", "--vault", vault_arg][..],
        &["vault", "status", "--with-keyring", "--vault", vault_arg][..],
    ] {
        s.keyed(args)
            .fails(1, &format!("belongs to keyring {theirs}"));
    }
    // An unbound vault is not administered without a keyring.
    let unbound = s.path("unbound.db");
    drop(SqliteVault::open(&unbound).unwrap());
    s.run(&[
        "vault",
        "consent",
        "grant",
        "--vault",
        unbound.to_str().unwrap(),
        "--subject",
        "1",
        "--purpose",
        "marketing",
        "--source",
        "form",
    ])
    .fails(1, "not bound to a keyring yet");
}

/// Another process holding the vault's write lock longer than the wait: exit 5, nothing changed.
#[test]
fn a_busy_vault_is_exit_status_5() {
    let s = Scratch::new("busy");
    let holder = rusqlite::Connection::open(s.path("vault.db")).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    s.run(&[
        "vault",
        "consent",
        "grant",
        "--subject",
        "1",
        "--purpose",
        "marketing",
        "--source",
        "form",
    ])
    .fails(5, "busy");
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    let listed = s
        .run(&["vault", "consent", "list", "--subject", "1", "--json"])
        .ok()
        .json();
    assert!(listed["consents"].as_array().unwrap().is_empty());
}

/// `--now` beyond what the clock holds is a usage error (exit 2), never a panic.
#[test]
fn sweep_now_out_of_range_is_a_usage_error_not_a_panic() {
    let s = Scratch::new("sweep-range");
    let run = s.run(&["vault", "sweep", "--now", "18446744073709551615"]);
    assert!(!run.stderr.contains("panicked"), "{run:#?}");
    run.fails(2, "--now");
}

/// The partner's file is on disk before the disclosure is logged: on a full disk the hand-over
/// fails unlogged, as the tool then says ("nothing was disclosed or logged").
#[cfg(target_os = "linux")]
#[test]
fn disclose_that_cannot_write_its_output_logs_nothing() {
    if !tmpfs::mountable() {
        return;
    }
    let s = Scratch::new("disclose-full");
    let subjects = s.subjects(START);
    s.run(&[
        "vault",
        "consent",
        "grant",
        "--subject",
        "1",
        "--purpose",
        "third-party:acme",
        "--source",
        "checkout",
    ])
    .ok();
    let sealed = customer(1).seal(&subjects).unwrap();
    fs::write(
        s.path("customers.jsonl"),
        format!("{}\n", serde_json::to_string(&sealed).unwrap()),
    )
    .unwrap();
    let full = s.path("full");
    fs::create_dir_all(&full).unwrap();
    // A 16 KiB tmpfs at `full`, filled up, in a mount namespace of the tool's own.
    let script = r#"mount -t tmpfs -o size=16k tmpfs "$1" && { head -c 1048576 /dev/zero > "$1/fill" 2>/dev/null; true; } && shift && exec "$@""#;
    let mut command = Command::new("unshare");
    command
        .args([
            "--user",
            "--map-root-user",
            "--mount",
            "sh",
            "-c",
            script,
            "sh",
        ])
        .arg(&full)
        .arg(env!("CARGO_BIN_EXE_fieldseal"))
        .args([
            "vault",
            "disclose",
            "--partner",
            "third-party:acme",
            "--fields",
            "email",
            "--input",
            "customers.jsonl",
            "--output",
            "full/partner.jsonl",
            "--record",
            "Customer",
            "--subject-field",
            "customer_id",
            "--subject-type",
            "u64",
            "--subject",
            "1",
        ])
        .args(KEYRING_SECRET)
        .current_dir(&s.dir)
        .env("FIELDSEAL_VAULT", s.path("vault.db"))
        .env("FIELDSEAL_KEYRING", s.path("keyring.fsk"))
        .env("FS_TEST_PASSPHRASE", PASSPHRASE)
        .stdin(Stdio::null());
    let run = Scratch::output(&mut command);
    let run = run.fails(1, "cannot disclose");
    let logged = s
        .run(&["vault", "log", "disclosures", "--json"])
        .ok()
        .json();
    assert!(
        logged["disclosures"].as_array().unwrap().is_empty(),
        "the tool said {:?}, yet the vault logged a hand-over whose records were never \
         written: {logged:#}",
        run.stderr
    );
}

/// A service still on keys taken before the rotation (an old bundle) seals for a new customer
/// after `retire 1`: the data key it would make is wrapped under version 1, which no current
/// keyring unwraps, so the customer's value would open for that service alone, and for no one once
/// it reloads. The retirement was recorded in the vault, which refuses the key.
#[test]
fn a_stale_service_cannot_wrap_new_keys_under_a_retired_version() {
    let s = Scratch::new("retire-fence");
    let stale = s.subjects(START);
    let before = seal_email(&stale, 1);
    s.keyed(&["rotate"]).ok();
    s.keyed(&["vault", "rewrap"]).ok();
    s.keyed(&["retire", "1", "--yes"]).ok();

    let refused: fieldseal::Result<Email> = stale.seal(&Subject::int(2), EMAIL, &email_ctx(2));
    assert!(
        matches!(
            refused,
            Err(Error::Vault(VaultError::VersionRetired { version: 1 }))
        ),
        "{refused:?}"
    );
    let status = s.run(&["vault", "status", "--json"]).ok().json();
    assert_eq!(status["live_keys"], 1, "{status:#}");
    assert_eq!(
        status["retired_versions"],
        serde_json::json!([1]),
        "{status:#}"
    );
    // The customer's key was never made: a current service makes it, under version 2.
    let current = s.subjects(START);
    let email = seal_email(&current, 2);
    assert_eq!(
        open_email::<Fulfillment, _>(&current, &email, 2).unwrap(),
        EMAIL
    );
    // What the old service sealed before the rotation opens: the vault rewrapped its key.
    assert_eq!(
        open_email::<Fulfillment, _>(&current, &before, 1).unwrap(),
        EMAIL
    );
}

/// The operator confirms `retire 1` at a terminal while a service still on keys taken before the
/// rotation makes a customer's first data key, wrapped under version 1. Retiring now would lose
/// that key: the vault is counted again once confirmed, and the retirement refused.
#[test]
fn retire_counts_the_vault_again_after_the_operator_confirmed() {
    let s = Scratch::new("retire-race");
    let stale = s.subjects(START);
    s.keyed(&["rotate"]).ok();
    let mut line = vec![env!("CARGO_BIN_EXE_fieldseal"), "retire", "1"];
    line.extend(KEYRING_SECRET);
    let mut operator = cli_run::script(&line);
    operator
        .current_dir(&s.dir)
        .env("FIELDSEAL_KEYRING", s.path("keyring.fsk"))
        .env("FIELDSEAL_VAULT", s.path("vault.db"))
        .env("FS_TEST_PASSPHRASE", PASSPHRASE);
    let mut email = None;
    let (status, screen) =
        cli_run::at_terminal(operator, || email = Some(seal_email(&stale, 7)), "retire 1");
    assert!(
        screen.contains("still has 1 data key(s) wrapped under version 1"),
        "{status:?}: {screen}"
    );
    assert_eq!(
        s.keyring().state(1),
        Some(fieldseal::VersionState::DecryptOnly)
    );
    let email = email.unwrap();
    assert_eq!(
        open_email::<Fulfillment, _>(&s.subjects(START), &email, 7).unwrap(),
        EMAIL
    );
}

/// A second vault of the keyring, provisioned but not opened by a service yet (so not bound), is
/// named to `retire 1`: it is bound and the version retired in it too. Skipped before, a service
/// still on keys from before the rotation bound it and wrapped a new customer's key under version
/// 1, whose root key `retire` had just destroyed.
#[test]
fn retire_fences_a_named_vault_that_is_not_bound_yet() {
    use fieldseal::vault::KeyVault as _;
    let s = Scratch::new("retire-unbound");
    let stale_keyring = s.keyring();
    s.keyed(&["rotate"]).ok();
    s.keyed(&["vault", "rewrap"]).ok();
    let spare = s.path("spare.db");
    drop(SqliteVault::open(&spare).unwrap());
    let main_vault = s.path("vault.db");
    s.keyed(&[
        "retire",
        "1",
        "--yes",
        "--vault",
        main_vault.to_str().unwrap(),
        "--vault",
        spare.to_str().unwrap(),
    ])
    .ok();
    assert_eq!(s.keyring().state(1), Some(fieldseal::VersionState::Retired));

    let purposes: Vec<DynPurpose> = vec![Fulfillment.into(), Marketing.into()];
    let stale = SubjectKeys::new(
        SqliteVault::open(&spare).unwrap(),
        KeySet::from_keyring(&stale_keyring, &purposes),
        stale_keyring.id(),
    )
    .unwrap()
    .with_clock(move || UNIX_EPOCH + Duration::from_secs(START))
    .with_cache(16, Duration::ZERO);
    let sealed: fieldseal::Result<Email> = stale.seal(&Subject::int(2), EMAIL, &email_ctx(2));
    let current = SubjectKeys::new(
        SqliteVault::open(&spare).unwrap(),
        KeySet::from_keyring(&s.keyring(), &purposes),
        s.keyring().id(),
    )
    .unwrap()
    .with_clock(move || UNIX_EPOCH + Duration::from_secs(START));
    let opened = sealed
        .as_ref()
        .map(|e| open_email::<Fulfillment, _>(&current, e, 2));
    assert!(
        matches!(
            sealed,
            Err(Error::Vault(VaultError::VersionRetired { version: 1 }))
        ),
        "spare vault's retired versions: {:?}; the stale seal: {:?}; the current keyring opening \
         it: {opened:?}",
        SqliteVault::open(&spare).unwrap().retired_versions(),
        sealed.as_ref().map(|_| "sealed"),
    );
}

/// Customers 1 and 2, consenting to `third-party:acme`, sealed into `customers.jsonl`.
fn two_consenting_customers(s: &Scratch) {
    let subjects = s.subjects(START);
    for id in ["1", "2"] {
        s.run(&[
            "vault",
            "consent",
            "grant",
            "--subject",
            id,
            "--purpose",
            "third-party:acme",
            "--source",
            "checkout",
        ])
        .ok();
    }
    write_customers(s, &subjects, 1..=2);
}

/// Customers `ids`, sealed by `subjects`, one JSON line each in `customers.jsonl`.
fn write_customers(
    s: &Scratch,
    subjects: &SubjectKeys<SqliteVault>,
    ids: std::ops::RangeInclusive<u64>,
) {
    let mut input = String::new();
    for id in ids {
        let sealed = customer(id).seal(subjects).unwrap();
        input.push_str(&serde_json::to_string(&sealed).unwrap());
        input.push('\n');
    }
    fs::write(s.path("customers.jsonl"), &input).unwrap();
}

/// `vault disclose` writes each record into the partner's file before the vault's last consent
/// check, which runs as the hand-over is logged. A customer who withdraws while the tool waits to
/// log is left out of the log; her record is taken out of the file too (it stayed there before),
/// so the partner gets what the log names.
#[test]
fn disclose_file_holds_only_subjects_the_log_names() {
    use fieldseal::vault::KeyVault as _;
    let s = Scratch::new("disclose-race");
    two_consenting_customers(&s);

    // Another process withdraws customer 2's consent to the partner (the statement
    // `consents::withdraw` runs), committing while the tool waits for the write lock to log.
    let other = rusqlite::Connection::open(s.path("vault.db")).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let changed = other
        .execute(
            "UPDATE consents SET withdrawn = ?1 WHERE subject = ?2 AND purpose = \
             'third-party:acme' AND withdrawn IS NULL",
            rusqlite::params![
                i64::try_from(START + 60).unwrap(),
                Subject::int(2).as_bytes()
            ],
        )
        .unwrap();
    assert_eq!(changed, 1);
    let child = s
        .command(&[
            "vault",
            "disclose",
            "--partner",
            "third-party:acme",
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
            "--subject",
            "2",
        ])
        .args(KEYRING_SECRET)
        .env("FIELDSEAL_KEYRING", s.path("keyring.fsk"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let partial = s.path("partner.jsonl.partial");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !fs::read_to_string(&partial).is_ok_and(|t| t.lines().count() == 2) {
        assert!(
            std::time::Instant::now() < deadline,
            "the tool never wrote both records"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    other.execute_batch("COMMIT").unwrap();
    let run = Run::new(child.wait_with_output().unwrap(), &[PASSPHRASE]).ok();

    let logged = SqliteVault::open(s.path("vault.db"))
        .unwrap()
        .disclosures(None)
        .unwrap();
    let logged: Vec<Vec<u8>> = logged[0]
        .subjects
        .iter()
        .map(|d| d.subject.clone())
        .collect();
    let written = fs::read_to_string(s.path("partner.jsonl")).unwrap();
    let handed: Vec<Vec<u8>> = written
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            Subject::int(v["customer_id"].as_u64().unwrap())
                .as_bytes()
                .to_vec()
        })
        .collect();
    assert_eq!(
        handed,
        logged,
        "the partner's file holds {} records, the log names {} subject(s); the tool said: {}",
        handed.len(),
        logged.len(),
        run.stdout
    );
}
