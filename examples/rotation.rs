//! Keys in production, end to end: a passphrase-protected keyring file, a service key bundle, a
//! rotation with no downtime, re-sealing stored records, and retiring the old version.
//!
//! Run it with `cargo run --release --example rotation`. Everything happens in a scratch directory
//! that is removed at the end.

use fieldseal::bulk::{IdType, RecordLayout, reseal_jsonl_file};
use fieldseal::{DynPurpose, Error, KeyBundle, KeySet, Keyring, Passphrase, Seal, Suite};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing");

#[derive(Seal)]
#[seal(id = id)]
struct Customer {
    id: u64,
    #[seal(Fulfillment)]
    name: String,
    #[seal(Fulfillment, Marketing)]
    email: String,
}

fn main() -> Result<(), Error> {
    let dir = std::env::temp_dir().join(format!("fieldseal-rotation-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let keyring_path = dir.join("keyring.fsk");

    // 1. The key admin creates the keyring file. Argon2id makes each unlock cost ~0.5 s.
    let admin = Passphrase::new("admin: correct horse battery staple".to_owned())?;
    let mut keyring = Keyring::generate(Suite::default())?;
    keyring.save(&keyring_path, &admin)?;
    println!(
        "keyring {} created, version {} active",
        keyring.id(),
        keyring.active_version()
    );

    // 2. The newsletter service gets a bundle with the marketing key only, under its own passphrase.
    let newsletter = Passphrase::new("newsletter: tiger lamp orbit".to_owned())?;
    let bundle_path = dir.join("marketing.bundle");
    keyring
        .export_bundle("newsletter", &[DynPurpose::of::<Marketing>()])?
        .save(&bundle_path, &newsletter)?;

    // 3. Ingest seals customers and stores them as JSON Lines.
    let ingest = KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with(keyring.purpose_key::<Marketing>());
    let stored = dir.join("customers.jsonl");
    let mut lines = String::new();
    for id in 1..=1000 {
        let customer = Customer {
            id,
            name: format!("Customer {id}"),
            email: format!("c{id}@example.com"),
        };
        lines += &(serde_json::to_string(&customer.seal(&ingest)?).expect("JSON") + "\n");
    }
    std::fs::write(&stored, lines).expect("write the records");

    // 4. Rotation: version 2 seals from now on, version 1 still opens (decrypt-only).
    let v2 = keyring.rotate()?;
    keyring.save(&keyring_path, &admin)?;
    println!(
        "rotated: version {v2} active, version 1 {}",
        keyring.state(1).expect("v1")
    );

    // 5. A service still on its old bundle keeps opening old data...
    let service = KeyBundle::load(&bundle_path, &newsletter)?.into_key_set();
    let first_line = std::fs::read_to_string(&stored).expect("read");
    let first: SealedCustomer = serde_json::from_str(first_line.lines().next().expect("a line"))
        .expect("a sealed customer");
    let view = first.open(&service.require::<Marketing>()?)?;
    println!("newsletter (old bundle) reads {}", view.email);
    // ...and the admin re-exports bundles so new data opens too.
    keyring
        .export_bundle("newsletter", &[DynPurpose::of::<Marketing>()])?
        .save(&bundle_path, &newsletter)?;

    // 6. Re-seal the stored records under version 2 (in parallel, resumable).
    let layout = RecordLayout::new("Customer").id("id", IdType::parse("u64")?);
    let resealed = dir.join("customers.v2.jsonl");
    let summary = reseal_jsonl_file(&keyring, &layout, Some(&stored), &resealed, 2, &mut |_| {})?;
    println!(
        "re-sealed {} values in {} records ({} already current)",
        summary.values.resealed, summary.records, summary.values.current
    );

    // 7. Nothing is left under version 1: retire it. Its key bytes are destroyed in the keyring,
    // and bundles exported before still hold marketing's version 1 key: export them again (the
    // `fieldseal` tool warns of such stale bundles, and `status` lists them).
    keyring.retire(1)?;
    keyring.save(&keyring_path, &admin)?;
    keyring
        .export_bundle("newsletter", &[DynPurpose::of::<Marketing>()])?
        .save(&bundle_path, &newsletter)?;
    let reloaded = Keyring::load(&keyring_path, &admin)?;
    println!(
        "version 1 {}; live versions {:?}",
        reloaded.state(1).expect("v1"),
        reloaded.live_versions()
    );

    // Old copies now fail with a clear error, in the keyring and in the service's new bundle;
    // re-sealed ones open.
    let service = KeyBundle::load(&bundle_path, &newsletter)?.into_key_set();
    match first.open(&service.require::<Marketing>()?) {
        Err(e @ Error::RetiredKeyVersion { .. }) => println!("old copy, newsletter's bundle: {e}"),
        other => panic!("the re-exported bundle still opens version 1: {other:?}"),
    }
    let keys = KeySet::new().with(reloaded.purpose_key::<Marketing>());
    match first.open(&keys.require::<Marketing>()?) {
        Err(e @ Error::RetiredKeyVersion { .. }) => println!("old copy: {e}"),
        other => panic!("expected a retired-version error, got {other:?}"),
    }
    let text = std::fs::read_to_string(&resealed).expect("read");
    let current: SealedCustomer =
        serde_json::from_str(text.lines().next().expect("a line")).expect("a sealed customer");
    println!(
        "re-sealed copy reads {}",
        current.open(&keys.require::<Marketing>()?)?.email
    );

    std::fs::remove_dir_all(&dir).expect("clean up");
    Ok(())
}
