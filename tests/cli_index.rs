//! CLI tests of blind indexes (FORMAT.md §16): `fieldseal index add|rotate|finish`, `status`
//! showing indexes and their migrations, `retire` refusing a root version an index version still
//! uses, and `export-bundle --index` writing a bundle of index keys alone. The `fieldseal` binary
//! is run as an operator would, each test in a fresh directory of its own; the library reads what
//! it wrote.

mod cli_run;

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use fieldseal::index::IndexVersionState;
use fieldseal::{KeyBundle, Keyring, Passphrase, VersionState};

use cli_run::Run;

const PASSPHRASE: &str = "correct horse battery staple";
const BUNDLE_PASSPHRASE: &str = "search service passphrase";
const FAST_KDF: [&str; 4] = ["--kdf-memory-mib", "19", "--kdf-iterations", "2"];
const KEYRING_SECRET: [&str; 2] = ["--passphrase-env", "FS_TEST_PASSPHRASE"];
const BUNDLE_SECRET: [&str; 2] = ["--bundle-passphrase-env", "FS_TEST_BUNDLE_PASSPHRASE"];

/// A fresh directory for one test, removed when it passes.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(test: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("fieldseal-cli-index-{test}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Runs the tool in the directory, with the keyring's secret (and the bundle's) given the
    /// way an operator gives them, and nothing on standard input.
    fn run(&self, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_fieldseal"))
            .args(args)
            .args(KEYRING_SECRET)
            .current_dir(&self.dir)
            .env_remove("FIELDSEAL_KEYRING")
            .env("FS_TEST_PASSPHRASE", PASSPHRASE)
            .env("FS_TEST_BUNDLE_PASSPHRASE", BUNDLE_PASSPHRASE)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        Run::new(output, &[PASSPHRASE, BUNDLE_PASSPHRASE])
    }

    fn init(&self) {
        let mut args = vec!["init"];
        args.extend(FAST_KDF);
        self.run(&args).ok();
    }

    fn keyring(&self) -> Keyring {
        Keyring::load(self.path("keyring.fsk"), &passphrase(PASSPHRASE)).unwrap()
    }

    fn status_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.run(&["status", "--json"]).ok().stdout).unwrap()
    }

    fn export(&self, args: &[&str]) -> Run {
        let mut all = vec![
            "export-bundle",
            "--service",
            "search",
            "--out",
            "search.fsb",
        ];
        all.extend(args);
        all.extend(BUNDLE_SECRET);
        all.extend(FAST_KDF);
        self.run(&all)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn passphrase(phrase: &str) -> Passphrase {
    Passphrase::new(phrase.to_owned()).unwrap()
}

#[test]
fn an_index_is_added_rotated_and_migrated_and_keeps_its_root_from_retiring_until_then() {
    let s = Scratch::new("lifecycle");
    s.init();
    let added = s
        .run(&["index", "add", "email", "--normalizer", "email"])
        .ok();
    assert!(
        added.stdout.contains("derived from root version 1"),
        "{added:#?}"
    );
    s.run(&["index", "add", "bad", "--width", "40"])
        .fails(2, "width 40 is outside 2 to 32");
    s.run(&["index", "add", "Email"])
        .fails(2, "invalid index name");
    s.run(&["index", "add", "email", "--width", "8"])
        .fails(1, "defined already");
    let json = s.status_json();
    let email = &json["indexes"][0];
    assert_eq!(email["name"], "email");
    assert_eq!(email["width"], 16, "unchanged by the refused add");
    assert_eq!(email["normalizer"], "email");
    assert_eq!(email["versions"][0]["root_version"], 1);
    assert_eq!(email["versions"][0]["state"], "current");

    // A root rotation: the index keeps root version 1, which cannot be retired.
    s.run(&["rotate"]).ok();
    s.run(&["retire", "1", "--yes"])
        .fails(4, "index `email` version 1");
    assert_eq!(s.keyring().state(1), Some(VersionState::DecryptOnly));
    let status = s.run(&["status"]).ok().stdout;
    assert!(
        status.contains("root version 1 still derives the keys of index `email` version 1"),
        "{status}"
    );

    // The index rotation: version 2, on root 2; version 1 still live.
    let rotated = s.run(&["index", "rotate", "email"]).ok();
    assert!(
        rotated.stdout.contains("version 2 is current"),
        "{rotated:#?}"
    );
    let status = s.run(&["status"]).ok().stdout;
    assert!(
        status.contains("index email is migrating to version 2"),
        "{status}"
    );
    let json = s.status_json();
    assert_eq!(json["indexes"][0]["migrating"], true);
    assert_eq!(json["indexes"][0]["versions"][1]["root_version"], 2);
    s.run(&["retire", "1", "--yes"]).fails(4, "still in use");

    // Finishing asks for --yes (no terminal here), then retires version 1.
    s.run(&["index", "finish", "email"])
        .fails(4, "run again with --yes");
    assert!(
        s.keyring().index("email").unwrap().is_migrating(),
        "nothing changed"
    );
    let finished = s.run(&["index", "finish", "email", "--yes"]).ok();
    assert!(
        finished.stdout.contains("version 2 alone is queried"),
        "{finished:#?}"
    );
    let again = s.run(&["index", "finish", "email", "--yes"]).ok();
    assert!(
        again.stdout.contains("no migration under way"),
        "{again:#?}"
    );
    s.run(&["index", "finish", "phone", "--yes"])
        .fails(1, "no index `phone`");
    s.run(&["index", "rotate", "phone"])
        .fails(1, "no index `phone`");

    // Nothing pins root version 1 now.
    s.run(&["retire", "1", "--yes"])
        .ok_noting("no key vault checked");
    let keyring = s.keyring();
    let email = keyring.index("email").unwrap();
    let versions: Vec<_> = email
        .versions
        .iter()
        .map(|v| (v.version, v.root_version, v.state))
        .collect();
    assert_eq!(
        versions,
        [
            (1, 1, IndexVersionState::Retired),
            (2, 2, IndexVersionState::Current)
        ]
    );
    assert_eq!(keyring.retired_versions(), vec![1]);
    keyring.index_key("email").unwrap();
}

#[test]
fn a_bundle_of_index_keys_alone_computes_the_keyrings_terms_and_goes_stale_on_rotation() {
    let s = Scratch::new("bundle");
    s.init();
    s.run(&[
        "index",
        "add",
        "phone",
        "--width",
        "8",
        "--normalizer",
        "phone:GB",
    ])
    .ok();
    s.export(&[]).fails(2, "--purpose");
    s.export(&["--index", "nope"]).fails(1, "no index `nope`");
    assert!(!s.path("search.fsb").exists());
    let exported = s.export(&["--index", "phone"]).ok();
    assert!(
        exported
            .stdout
            .contains("index phone: versions 1 (current 1)"),
        "{exported:#?}"
    );
    assert!(exported.stdout.contains("opens no value"), "{exported:#?}");

    let bundle = KeyBundle::load(s.path("search.fsb"), &passphrase(BUNDLE_PASSPHRASE)).unwrap();
    assert!(bundle.purposes().is_empty());
    let keyring = s.keyring();
    let phone = b"+442079460000";
    assert_eq!(
        bundle.index("phone").unwrap().term(phone).unwrap(),
        keyring.index_key("phone").unwrap().term(phone).unwrap()
    );
    let mut args = vec!["status", "--bundle", "search.fsb"];
    args.extend(BUNDLE_SECRET);
    let shown = s.run(&args).ok().stdout;
    assert!(shown.contains("index keys alone"), "{shown}");
    assert!(shown.contains("phone:GB"), "{shown}");

    // The keyring recorded the export; an index rotation leaves the bundle stale.
    let json = s.status_json();
    assert_eq!(json["bundles"][0]["indexes"][0]["index"], "phone");
    assert_eq!(json["bundles"][0]["stale"], false);
    s.run(&["rotate"]).ok();
    assert_eq!(
        s.status_json()["bundles"][0]["stale"],
        false,
        "it holds no purpose key"
    );
    s.run(&["index", "rotate", "phone"]).ok();
    assert_eq!(s.status_json()["bundles"][0]["stale"], true);
    let status = s.run(&["status"]).ok().stdout;
    assert!(status.contains("phone (1)"), "{status}");
    assert!(status.contains("stale bundles lag"), "{status}");
    s.export(&["--index", "phone", "--force"]).ok();
    assert_eq!(s.status_json()["bundles"][0]["stale"], false);
    let bundle = KeyBundle::load(s.path("search.fsb"), &passphrase(BUNDLE_PASSPHRASE)).unwrap();
    assert_eq!(bundle.index("phone").unwrap().versions(), vec![1, 2]);
}

fieldseal::purpose!(Fulfillment = "fulfillment");

/// A customer record with a blind index on its email and a compound one on name and postcode.
#[derive(fieldseal::Seal, Clone, Debug)]
#[seal(id = id, index(name_postcode = (last_name: text, postcode: "postcode:GB")))]
struct Customer {
    id: u64,
    #[seal(Fulfillment, index(email_lookup = email))]
    email: String,
    #[seal(Fulfillment)]
    last_name: String,
    #[seal(Fulfillment)]
    postcode: String,
}

fn customer(id: u64) -> Customer {
    Customer {
        id,
        email: format!("Customer.{id}@Example.com"),
        last_name: format!("Name{}", id % 5),
        postcode: format!("SW{}A 1AA", id % 4 + 1),
    }
}

/// The ids of the rows whose email term is one a lookup of customer `id`'s email asks for,
/// weeded by opening: what `WHERE email_lookup IN (...)` and a comparison find.
fn found(keyring: &Keyring, rows: &str, id: u64) -> Vec<u64> {
    let keys = fieldseal::KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with_index(keyring.index_key("email-lookup").unwrap())
        .with_index(keyring.index_key("name-postcode").unwrap());
    let c = customer(id);
    let terms = SealedCustomer::email_lookup_terms(&keys, &c.email.to_lowercase()).unwrap();
    let by_name = SealedCustomer::name_postcode_terms(&keys, &c.last_name, &c.postcode).unwrap();
    rows.lines()
        .map(|row| serde_json::from_str::<SealedCustomer>(row).unwrap())
        .filter(|row| terms.contains(&row.email_lookup))
        .inspect(|row| assert!(by_name.contains(&row.name_postcode)))
        .filter(|row| {
            row.open(&keys.require::<Fulfillment>().unwrap())
                .unwrap()
                .email
                == c.email
        })
        .map(|row| row.id)
        .collect()
}

/// A new keyring with indexes `email-lookup` and `name-postcode`, and customers `0..count` sealed
/// with both index columns, one JSON line each.
fn indexed_rows(s: &Scratch, count: u64) -> Vec<String> {
    s.init();
    s.run(&["index", "add", "email-lookup", "--normalizer", "email"])
        .ok();
    s.run(&[
        "index",
        "add",
        "name-postcode",
        "--normalizer",
        "text,postcode:GB",
    ])
    .ok();
    let keyring = s.keyring();
    let keys = fieldseal::KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with_index(keyring.index_key("email-lookup").unwrap())
        .with_index(keyring.index_key("name-postcode").unwrap());
    (0..count)
        .map(|id| serde_json::to_string(&customer(id).seal(&keys).unwrap()).unwrap() + "\n")
        .collect()
}

#[test]
fn reseal_migrates_index_columns_and_index_status_counts_what_is_left() {
    const COUNT: u64 = 20;
    let s = Scratch::new("migrate");
    let rows = indexed_rows(&s, COUNT);
    let half = COUNT as usize / 2;
    fs::write(s.path("first.jsonl"), rows[..half].concat()).unwrap();
    fs::write(s.path("rest.jsonl"), rows[half..].concat()).unwrap();
    let all = rows.concat();
    fs::write(s.path("all.jsonl"), &all).unwrap();
    for id in 0..COUNT {
        assert_eq!(found(&s.keyring(), &all, id), [id], "before");
    }
    let status = |file: &str| index_status(&s, file);
    let before = status("all.jsonl");
    assert!(before.contains("nothing is left to recompute"), "{before}");

    s.run(&["index", "rotate", "email-lookup"]).ok();
    for id in 0..COUNT {
        assert_eq!(found(&s.keyring(), &all, id), [id], "after the rotation");
    }
    let rotated = status("all.jsonl");
    assert!(rotated.contains("version 1      live"), "{rotated}");
    assert!(
        rotated.contains(&format!("left to recompute: {COUNT}")),
        "{rotated}"
    );

    let reseal = |input: &str, out: &str| reseal_indexed(&s, input, out);
    let done = reseal("first.jsonl", "first.v2.jsonl");
    assert!(
        done.contains(&format!("index terms recomputed: {half}")),
        "{done}"
    );
    assert!(
        done.contains(&format!("index terms current:    {half}")),
        "{done}"
    );
    let during = fs::read_to_string(s.path("first.v2.jsonl")).unwrap() + &rows[half..].concat();
    fs::write(s.path("during.jsonl"), &during).unwrap();
    for id in 0..COUNT {
        assert_eq!(found(&s.keyring(), &during, id), [id], "half migrated");
    }
    let midway = status("during.jsonl");
    assert!(
        midway.contains(&format!("version 2      current                  {half}\n")),
        "{midway}"
    );
    assert!(
        midway.contains(&format!("left to recompute: {half}")),
        "{midway}"
    );

    reseal("rest.jsonl", "rest.v2.jsonl");
    let after = fs::read_to_string(s.path("first.v2.jsonl")).unwrap()
        + &fs::read_to_string(s.path("rest.v2.jsonl")).unwrap();
    fs::write(s.path("after.jsonl"), &after).unwrap();
    let finished = status("after.jsonl");
    assert!(
        finished.contains("nothing is left to recompute"),
        "{finished}"
    );
    s.run(&["index", "finish", "email-lookup", "--yes"]).ok();
    for id in 0..COUNT {
        assert_eq!(found(&s.keyring(), &after, id), [id], "after finishing");
    }
    // The half left on version 1 is lost to lookups once the migration is finished.
    assert!(found(&s.keyring(), &during, COUNT - 1).is_empty());
}

/// `index status email-lookup` of the column `email_lookup` of `file`.
fn index_status(s: &Scratch, file: &str) -> String {
    s.run(&[
        "index",
        "status",
        "email-lookup",
        "--column",
        "email_lookup",
        "--input",
        file,
    ])
    .ok()
    .stdout
}

/// `reseal` of `input` into `out`, with the email and name-postcode index columns.
fn reseal_indexed(s: &Scratch, input: &str, out: &str) -> String {
    reseal_indexed_run(s, input, out).ok().stdout
}

/// [`reseal_indexed`], its outcome unchecked.
fn reseal_indexed_run(s: &Scratch, input: &str, out: &str) -> Run {
    s.run(&[
        "reseal",
        "--record",
        "Customer",
        "--id-field",
        "id",
        "--id-type",
        "u64",
        "--index",
        "email_lookup=email-lookup@email",
        "--index",
        "name_postcode=name-postcode@last_name,postcode",
        "--input",
        input,
        "--out",
        out,
    ])
}

#[test]
fn reseal_refuses_index_columns_it_cannot_recompute_before_reading_anything() {
    let s = Scratch::new("refuse-index");
    s.init();
    s.run(&["index", "add", "email-lookup", "--normalizer", "email"])
        .ok();
    fs::write(s.path("in.jsonl"), "{}\n").unwrap();
    // A column of an index that records no normalizer cannot be recomputed here: said before
    // anything is read.
    s.run(&["index", "add", "bare"]).ok();
    s.run(&[
        "reseal",
        "--record",
        "Customer",
        "--index",
        "x=bare@email",
        "--input",
        "in.jsonl",
        "--out",
        "x.jsonl",
    ])
    .fails(2, "records no normalizer");
    s.run(&[
        "reseal",
        "--record",
        "Customer",
        "--index",
        "x=email-lookup@email,last_name",
        "--input",
        "in.jsonl",
        "--out",
        "x.jsonl",
    ])
    .fails(2, "reads 1 field(s)");
}

/// The operator confirms `index finish` at a terminal (`script` gives the tool one) while another
/// administrator rotates the index again. What was confirmed was retiring version 1; finishing
/// now would also retire version 2, the version the rows were just moved to: refused, and nothing
/// changed.
#[test]
fn finish_refuses_when_the_index_changed_while_the_operator_confirmed() {
    let s = Scratch::new("finish-race");
    s.init();
    s.run(&["index", "add", "email", "--normalizer", "email"])
        .ok();
    s.run(&["index", "rotate", "email"]).ok();
    let mut line = vec![env!("CARGO_BIN_EXE_fieldseal"), "index", "finish", "email"];
    line.extend(KEYRING_SECRET);
    let mut operator = cli_run::script(&line);
    operator
        .current_dir(&s.dir)
        .env_remove("FIELDSEAL_KEYRING")
        .env("FS_TEST_PASSPHRASE", PASSPHRASE);
    let (status, screen) = cli_run::at_terminal(
        operator,
        // Meanwhile: version 3.
        || drop(s.run(&["index", "rotate", "email"]).ok()),
        "finish email",
    );
    assert!(screen.contains("retires versions 1:"), "{screen}");
    assert!(
        screen.contains("changed while this command waited"),
        "{status:?}: {screen}"
    );
    let index = s.keyring();
    let email = index.index("email").unwrap();
    assert_eq!(email.current_version(), 3);
    assert_eq!(
        email.lookup_versions().len(),
        3,
        "versions retired although the index changed after the confirmation"
    );
}

/// A run interrupted while moving index columns to version 2, run again after another rotation
/// of the index (version 3 current), is refused rather than resumed: resumed, the rows the first
/// run wrote kept version-2 terms while the rest got version 3, the run said nothing of it, and
/// finishing the migration to version 3 would lose the first rows to lookups. Started over, every
/// row is found.
#[test]
fn a_resume_after_an_index_rotation_is_refused() {
    const COUNT: u64 = 40;
    let s = Scratch::new("resume-index-rotated");
    let rows = indexed_rows(&s, COUNT).concat();
    s.run(&["index", "rotate", "email-lookup"]).ok();
    // Line 32 is cut short: the run stops there, after what came before it.
    let mut lines: Vec<&str> = rows.lines().collect();
    lines[31] = &lines[31][..20];
    let broken = lines.join("\n") + "\n";
    fs::write(s.path("in.jsonl"), &broken).unwrap();
    reseal_indexed_run(&s, "in.jsonl", "out.jsonl").fails(1, "line 32");
    fs::write(s.path("in.jsonl"), &rows).unwrap();
    s.run(&["index", "rotate", "email-lookup"]).ok();
    reseal_indexed_run(&s, "in.jsonl", "out.jsonl").fails(1, "with other keys or another layout");
    fs::remove_file(s.path("out.jsonl.partial")).unwrap();
    fs::remove_file(s.path("out.jsonl.partial.progress")).unwrap();
    reseal_indexed(&s, "in.jsonl", "out.jsonl");
    let out = fs::read_to_string(s.path("out.jsonl")).unwrap();
    s.run(&["index", "finish", "email-lookup", "--yes"]).ok();
    for id in 0..COUNT {
        assert_eq!(found(&s.keyring(), &out, id), [id], "row {id}");
    }
}
