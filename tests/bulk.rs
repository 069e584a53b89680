//! Bulk re-sealing of JSON Lines records after a rotation (`fieldseal::bulk`): every value moves
//! to the active version, a rerun changes nothing, an interrupted run resumes, a bad record is
//! named by its line.

// `Member::member_id` is what membership schemas call it.
#![allow(clippy::struct_field_names)]

use std::fs;
use std::path::PathBuf;

use fieldseal::bulk::{
    IdType, RecordLayout, Summary, checkpoint_path, partial_path, reseal_jsonl_file, scan_jsonl,
};
use fieldseal::{Error, KeySet, Keyring, Seal, Suite};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing");

#[derive(Seal, Clone, Debug, PartialEq)]
#[seal(id = member_id)]
struct Member {
    member_id: u32,
    tier: String,
    #[seal(Fulfillment)]
    name: String,
    #[seal(Fulfillment, Marketing, rename = "mail")]
    email: String,
    #[seal(Marketing)]
    birthday: Option<String>,
}

fn member(i: u32) -> Member {
    Member {
        member_id: i,
        tier: if i % 3 == 0 { "gold" } else { "basic" }.to_owned(),
        name: format!("Member {i}"),
        email: format!("m{i}@example.com"),
        birthday: (i % 2 == 0).then(|| format!("1990-01-{:02}", i % 28 + 1)),
    }
}

fn layout() -> RecordLayout {
    RecordLayout::new("Member")
        .id("member_id", IdType::parse("u32").unwrap())
        .rename("email", "mail")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fieldseal-bulk-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn keys(keyring: &Keyring) -> KeySet {
    KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with(keyring.purpose_key::<Marketing>())
}

/// `count` members sealed under the keyring's active version, one JSON object a line.
fn write_members(keyring: &Keyring, path: &PathBuf, count: u32) -> Vec<Member> {
    let keys = keys(keyring);
    let members: Vec<Member> = (1..=count).map(member).collect();
    let lines: String = members
        .iter()
        .map(|m| serde_json::to_string(&m.seal(&keys).unwrap()).unwrap() + "\n")
        .collect();
    fs::write(path, lines).unwrap();
    members
}

/// Every record opens as the member it was, with every value under `version`.
fn check(keyring: &Keyring, path: &PathBuf, members: &[Member], version: u32) {
    let keys = keys(keyring);
    let text = fs::read_to_string(path).unwrap();
    assert_eq!(text.lines().count(), members.len());
    for (line, expected) in text.lines().zip(members) {
        let sealed: SealedMember = serde_json::from_str(line).unwrap();
        let view = sealed.open_dyn(&keys).unwrap();
        assert_eq!(view.name.as_deref(), Some(expected.name.as_str()));
        assert_eq!(view.email.as_deref(), Some(expected.email.as_str()));
        assert_eq!(view.birthday.clone().flatten(), expected.birthday);
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        for field in ["name", "email"] {
            let text = value[field].as_str().unwrap();
            let sealed =
                fieldseal::Sealed::<String, fieldseal::AnyPurposes>::from_text(text).unwrap();
            assert!(
                sealed.key_versions().iter().all(|(_, v)| *v == version),
                "{line}"
            );
        }
    }
}

#[test]
fn reseal_moves_every_value_then_a_rerun_changes_nothing() {
    let dir = scratch("rerun");
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let input = dir.join("members.jsonl");
    let members = write_members(&keyring, &input, 700);
    keyring.rotate().unwrap();

    let out = dir.join("resealed.jsonl");
    let mut calls = 0;
    let summary = reseal_jsonl_file(&keyring, &layout(), Some(&input), &out, 2, &mut |_| {
        calls += 1;
    })
    .unwrap();
    // 700 names and emails, 350 birthdays.
    assert_eq!(summary.records, 700);
    assert_eq!((summary.values.resealed, summary.values.current), (1750, 0));
    assert_eq!(summary.bytes_read, fs::metadata(&input).unwrap().len());
    assert!(calls >= 1);
    assert!(!partial_path(&out).exists());
    check(&keyring, &out, &members, 2);
    // The records' plain fields are customer data: the output is its owner's only, whatever
    // the input's mode (0644 here, by the umask).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
    }

    keyring.retire(1).unwrap();
    check(&keyring, &out, &members, 2);
    let again = dir.join("again.jsonl");
    let summary =
        reseal_jsonl_file(&keyring, &layout(), Some(&out), &again, 2, &mut |_| {}).unwrap();
    assert_eq!((summary.values.resealed, summary.values.current), (0, 1750));
    assert_eq!(fs::read(&out).unwrap(), fs::read(&again).unwrap());

    // An existing output is never overwritten.
    assert!(matches!(
        reseal_jsonl_file(&keyring, &layout(), Some(&out), &again, 1, &mut |_| {}),
        Err(Error::Io { .. })
    ));
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_interrupted_run_resumes_where_it_stopped_and_only_on_the_same_input() {
    let dir = scratch("resume");
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let input = dir.join("members.jsonl");
    let members = write_members(&keyring, &input, 300);
    keyring.rotate().unwrap();
    let good = fs::read_to_string(&input).unwrap();

    // A first run stops at line 121 (a record moved to another id does not open).
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    lines[120] = lines[120].replacen("\"member_id\":121", "\"member_id\":999", 1);
    fs::write(&input, lines.join("\n") + "\n").unwrap();
    let out = dir.join("out.jsonl");
    let err =
        reseal_jsonl_file(&keyring, &layout(), Some(&input), &out, 2, &mut |_| {}).unwrap_err();
    assert!(matches!(err, Error::AtLine { line: 121, .. }), "{err:?}");
    let partial = fs::read_to_string(partial_path(&out)).unwrap();
    assert_eq!(partial.lines().count(), 120);
    assert!(checkpoint_path(&out).exists());

    // Another input is refused: its first lines differ from those already re-sealed.
    let mut other: Vec<&str> = good.lines().collect();
    other.swap(3, 4);
    let other_path = dir.join("other.jsonl");
    fs::write(&other_path, other.join("\n") + "\n").unwrap();
    let err = reseal_jsonl_file(&keyring, &layout(), Some(&other_path), &out, 2, &mut |_| {})
        .unwrap_err();
    assert!(err.to_string().contains("differ"), "{err}");
    // So is an input shorter than what was done.
    fs::write(
        &other_path,
        good.lines().take(50).collect::<Vec<_>>().join("\n") + "\n",
    )
    .unwrap();
    assert!(
        reseal_jsonl_file(&keyring, &layout(), Some(&other_path), &out, 2, &mut |_| {}).is_err()
    );

    // The fixed input resumes after line 120; a torn last line left by a kill is cut away.
    fs::write(&input, &good).unwrap();
    let mut torn = fs::OpenOptions::new()
        .append(true)
        .open(partial_path(&out))
        .unwrap();
    std::io::Write::write_all(&mut torn, b"{\"member_id\":12").unwrap();
    drop(torn);
    let summary: Summary =
        reseal_jsonl_file(&keyring, &layout(), Some(&input), &out, 2, &mut |_| {}).unwrap();
    assert_eq!((summary.resumed, summary.records), (120, 180));
    let resumed = fs::read_to_string(&out).unwrap();
    assert!(resumed.starts_with(&partial));
    check(&keyring, &out, &members, 2);
    assert!(!partial_path(&out).exists() && !checkpoint_path(&out).exists());

    // A partial output without its checkpoint is not guessed at.
    let out2 = dir.join("out2.jsonl");
    fs::write(partial_path(&out2), &partial).unwrap();
    let err =
        reseal_jsonl_file(&keyring, &layout(), Some(&input), &out2, 2, &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("without its checkpoint"), "{err}");
    fs::remove_dir_all(dir).unwrap();
}

/// Over several batches (2,048 lines each), written while the next is re-sealed: a bad record in
/// the third batch stops the run with the first two batches and the third's good lines written
/// and checkpointed, and the fixed input resumes after them.
#[test]
fn a_bad_record_in_a_later_batch_stops_the_run_there_and_the_run_resumes_after_it() {
    let dir = scratch("batches");
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let input = dir.join("members.jsonl");
    let members = write_members(&keyring, &input, 5000);
    keyring.rotate().unwrap();
    let good = fs::read_to_string(&input).unwrap();
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    lines[4499] = lines[4499].replacen("\"member_id\":4500", "\"member_id\":1", 1);
    fs::write(&input, lines.join("\n") + "\n").unwrap();

    let out = dir.join("out.jsonl");
    let mut seen = Vec::new();
    let err = reseal_jsonl_file(&keyring, &layout(), Some(&input), &out, 2, &mut |s| {
        seen.push(s.records);
    })
    .unwrap_err();
    assert!(matches!(err, Error::AtLine { line: 4500, .. }), "{err:?}");
    assert_eq!(seen, [2048, 4096], "progress after each batch written");
    let partial = fs::read_to_string(partial_path(&out)).unwrap();
    assert_eq!(partial.lines().count(), 4499);

    fs::write(&input, &good).unwrap();
    let summary: Summary =
        reseal_jsonl_file(&keyring, &layout(), Some(&input), &out, 2, &mut |_| {}).unwrap();
    assert_eq!((summary.resumed, summary.records), (4499, 501));
    assert_eq!(summary.bytes_read, good.len() as u64);
    assert!(fs::read_to_string(&out).unwrap().starts_with(&partial));
    check(&keyring, &out, &members, 2);
    fs::remove_dir_all(dir).unwrap();
}

/// A line that cannot be read (not UTF-8) in the second batch, read while the first is
/// re-sealed: the first batch and the second's lines before it are still written and
/// checkpointed, the error names its line, and progress counts bytes of the lines written only.
#[test]
fn an_unreadable_line_in_a_later_batch_keeps_every_line_before_it() {
    let dir = scratch("unreadable");
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let input = dir.join("members.jsonl");
    write_members(&keyring, &input, 3000);
    keyring.rotate().unwrap();
    let good = fs::read(&input).unwrap();
    let lines: Vec<&[u8]> = good.split_inclusive(|&b| b == b'\n').collect();
    let mut bad = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        bad.extend_from_slice(if i == 2499 {
            b"{\"tier\":\"\xff\"}\n"
        } else {
            line
        });
    }
    fs::write(&input, bad).unwrap();

    let out = dir.join("out.jsonl");
    let mut seen = Vec::new();
    let err = reseal_jsonl_file(&keyring, &layout(), Some(&input), &out, 2, &mut |s| {
        seen.push((s.records, s.bytes_read));
    })
    .unwrap_err();
    assert!(matches!(err, Error::AtLine { line: 2500, .. }), "{err:?}");
    assert!(err.to_string().contains("not UTF-8"), "{err}");
    let bytes = |n: usize| lines[..n].iter().map(|l| l.len() as u64).sum::<u64>();
    assert_eq!(seen, [(2048, bytes(2048)), (2499, bytes(2499))]);
    let partial = fs::read_to_string(partial_path(&out)).unwrap();
    assert_eq!(partial.lines().count(), 2499);
    assert!(checkpoint_path(&out).exists());
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_bad_record_is_named_by_its_line_and_the_records_before_it_are_kept() {
    let dir = scratch("bad");
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let input = dir.join("members.jsonl");
    write_members(&keyring, &input, 10);
    keyring.rotate().unwrap();
    let mut text = fs::read_to_string(&input).unwrap();
    // Line 6: moved to another member's id, so its values no longer open.
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[5] = lines[5].replacen("\"member_id\":6", "\"member_id\":66", 1);
    text = lines.join("\n") + "\n";
    fs::write(&input, text).unwrap();

    let out = dir.join("out.jsonl");
    let err =
        reseal_jsonl_file(&keyring, &layout(), Some(&input), &out, 1, &mut |_| {}).unwrap_err();
    match &err {
        Error::AtLine { line: 6, source } => assert!(matches!(**source, Error::CannotOpen { .. })),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("line 6"), "{err}");
    assert_eq!(
        fs::read_to_string(partial_path(&out))
            .unwrap()
            .lines()
            .count(),
        5
    );
    assert!(!out.exists());

    // Records that do not fit the layout say how.
    let wrong_id = RecordLayout::new("Member").id("id", IdType::default());
    fs::remove_file(partial_path(&out)).unwrap();
    fs::remove_file(checkpoint_path(&out)).unwrap();
    let err =
        reseal_jsonl_file(&keyring, &wrong_id, Some(&input), &out, 1, &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("no id field `id`"), "{err}");
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn id_types_bind_the_bytes_of_their_rust_types() {
    assert_eq!(
        IdType::parse("i32").unwrap(),
        IdType::Int {
            bytes: 4,
            signed: true
        }
    );
    assert_eq!(IdType::parse("string").unwrap(), IdType::String);
    let err = IdType::parse("f32").unwrap_err();
    assert!(err.to_string().contains("u64"), "{err}");
    // FORMAT.md §6: every integer id binds as 16 bytes, so a u32 member id read as u64 (or as
    // `auto`) re-seals and opens; read as a string, or as a type it does not fit, it is a bad
    // record, named by its line.
    let dir = scratch("id-types");
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let input = dir.join("members.jsonl");
    let members = write_members(&keyring, &input, 3);
    keyring.rotate().unwrap();
    for (i, id_type) in ["u64", "auto", "i64"].into_iter().enumerate() {
        let layout = RecordLayout::new("Member")
            .id("member_id", IdType::parse(id_type).unwrap())
            .rename("email", "mail");
        let out = dir.join(format!("ok-{i}"));
        reseal_jsonl_file(&keyring, &layout, Some(&input), &out, 1, &mut |_| {}).unwrap();
        check(&keyring, &out, &members, 2);
    }
    let many = dir.join("many.jsonl");
    write_members(&keyring, &many, 130);
    // Member 128 is the first beyond i8; any member is beyond a string.
    for (id_type, input, line) in [("string", &input, 1), ("i8", &many, 128)] {
        let layout = RecordLayout::new("Member")
            .id("member_id", IdType::parse(id_type).unwrap())
            .rename("email", "mail");
        let out = dir.join(format!("bad-{id_type}"));
        let err =
            reseal_jsonl_file(&keyring, &layout, Some(input), &out, 1, &mut |_| {}).unwrap_err();
        match err {
            Error::AtLine { line: at, .. } => assert_eq!(at, line, "{id_type}"),
            other => panic!("{id_type}: {other}"),
        }
    }
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn records_from_an_iterator_are_resealed_in_order_and_a_failure_is_numbered() {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let keys = keys(&keyring);
    let mut records: Vec<String> = (1..=300)
        .map(|i| serde_json::to_string(&member(i).seal(&keys).unwrap()).unwrap())
        .collect();
    keyring.rotate().unwrap();
    let mut out = Vec::new();
    let summary = fieldseal::bulk::reseal_records(
        &keyring,
        &layout(),
        records.clone(),
        2,
        &mut |_| {},
        &mut |r| {
            out.push(r);
            Ok(())
        },
    )
    .unwrap();
    assert_eq!((summary.records, summary.values.resealed), (300, 750));
    let keys = self::keys(&keyring);
    for (i, record) in out.iter().enumerate() {
        let sealed: SealedMember = serde_json::from_str(record).unwrap();
        assert_eq!(
            sealed.open_dyn(&keys).unwrap().name,
            Some(format!("Member {}", i + 1))
        );
    }

    records[199] = records[199].replacen("\"member_id\":200", "\"member_id\":9999", 1);
    let mut written = 0;
    let err =
        fieldseal::bulk::reseal_records(&keyring, &layout(), records, 2, &mut |_| {}, &mut |_| {
            written += 1;
            Ok(())
        })
        .unwrap_err();
    assert!(matches!(err, Error::AtLine { line: 200, .. }), "{err:?}");
    assert_eq!(written, 199);
}

/// Billing details nested in an order, bound to the order's id.
#[derive(Seal, Clone)]
#[seal(without_id)]
struct Billing {
    #[seal(Fulfillment)]
    iban: String,
    #[seal(Marketing)]
    country: Option<String>,
}

#[derive(Seal)]
#[seal(id = order_id, record = "order")]
struct Order {
    order_id: String,
    #[seal(Fulfillment)]
    address: String,
    #[seal(nested(Fulfillment, Marketing))]
    billing: Billing,
}

fn order(id: u32) -> Order {
    Order {
        order_id: format!("ord-{id}"),
        address: format!("{id} Engine Lane"),
        billing: Billing {
            iban: format!("GB00TEST{id:010}"),
            country: (id % 2 == 0).then(|| "GB".to_owned()),
        },
    }
}

#[test]
fn typed_twins_reseal_themselves_nested_records_included() {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let stored: Vec<SealedOrder> = (1..=4)
        .map(|i| order(i).seal(&keys(&keyring)).unwrap())
        .collect();
    let members: Vec<SealedMember> = (1..=4)
        .map(|i| member(i).seal(&keys(&keyring)).unwrap())
        .collect();
    keyring.rotate().unwrap();
    let keys = keys(&keyring);
    for (i, old) in stored.iter().enumerate() {
        let new = old.reseal(&keys).unwrap().expect("sealed under version 1");
        assert!(new.reseal(&keys).unwrap().is_none(), "already current");
        let json = serde_json::to_value(&new).unwrap();
        for text in [&json["address"], &json["billing"]["iban"]] {
            let seen = fieldseal::Inspection::of_text(text.as_str().unwrap()).unwrap();
            assert!(seen.parts.iter().all(|(_, v)| *v == 2));
        }
        let view = new.open_dyn(&keys).unwrap();
        let expected = order(i as u32 + 1);
        assert_eq!(view.billing.iban, Some(expected.billing.iban));
        assert_eq!(view.billing.country.flatten(), expected.billing.country);
        assert_eq!(view.address, Some(expected.address));
    }
    for (i, old) in members.iter().enumerate() {
        let new = old.reseal(&keys).unwrap().unwrap();
        assert_eq!(
            new.open_dyn(&keys).unwrap().email,
            Some(member(i as u32 + 1).email)
        );
    }
    // Keys lacking a purpose the record uses: the error names it.
    let fulfillment_only = KeySet::new().with(keyring.purpose_key::<Fulfillment>());
    assert!(matches!(
        stored[1].reseal(&fulfillment_only),
        Err(Error::NoKeyForPurpose { .. })
    ));
}

#[test]
fn a_json_layout_reseals_nested_records_with_the_outer_id() {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let records: Vec<String> = (1..=6)
        .map(|i| serde_json::to_string(&order(i).seal(&keys(&keyring)).unwrap()).unwrap())
        .collect();
    keyring.rotate().unwrap();
    let layout = RecordLayout::new("order")
        .id("order_id", IdType::String)
        .nested("billing", RecordLayout::new("Billing"));
    let mut out = Vec::new();
    let summary =
        fieldseal::bulk::reseal_records(&keyring, &layout, records, 1, &mut |_| {}, &mut |r| {
            out.push(r);
            Ok(())
        })
        .unwrap();
    // 6 addresses, 6 IBANs, 3 countries.
    assert_eq!(summary.values.resealed, 15);
    let keys = keys(&keyring);
    for (i, record) in out.into_iter().enumerate() {
        let sealed: SealedOrder = serde_json::from_str(&record).unwrap();
        assert!(sealed.reseal(&keys).unwrap().is_none());
        let view = sealed.open_dyn(&keys).unwrap();
        assert_eq!(view.billing.iban, Some(order(i as u32 + 1).billing.iban));
    }
}

#[test]
fn a_sealed_value_the_layout_does_not_cover_stops_the_run_instead_of_being_skipped() {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let records: Vec<String> = (1..=3)
        .map(|i| serde_json::to_string(&order(i).seal(&keys(&keyring)).unwrap()).unwrap())
        .collect();
    keyring.rotate().unwrap();
    // The nested billing record is not declared: its IBAN would stay under version 1.
    let layout = RecordLayout::new("order").id("order_id", IdType::String);
    let err = fieldseal::bulk::reseal_records(
        &keyring,
        &layout,
        records,
        1,
        &mut |_| {},
        &mut |_| Ok(()),
    )
    .unwrap_err();
    assert!(matches!(err, Error::AtLine { line: 1, .. }), "{err:?}");
    assert!(err.to_string().contains("`billing.iban`"), "{err}");
    assert!(err.to_string().contains("--nested billing=RECORD"), "{err}");
}

/// The text of every sealed value of member `i` (sealed now, under the active version), by key.
fn sealed_texts(keyring: &Keyring, i: u32) -> serde_json::Map<String, serde_json::Value> {
    let value = serde_json::to_value(member(i).seal(&keys(keyring)).unwrap()).unwrap();
    let serde_json::Value::Object(map) = value else {
        unreachable!()
    };
    map.into_iter()
        .filter(|(_, v)| v.as_str().is_some_and(|s| s.starts_with("fs1:")))
        .collect()
}

fn text<'a>(map: &'a serde_json::Map<String, serde_json::Value>, key: &str) -> &'a str {
    map[key].as_str().unwrap()
}

/// The name and email of `line`, member `id`'s, open and are sealed under `version`.
fn opens_under(keyring: &Keyring, line: &str, id: u32, version: u32) {
    let value: serde_json::Value = serde_json::from_str(line).unwrap();
    let keys = keys(keyring);
    let id_bytes = u128::from(id).to_be_bytes(); // FORMAT.md §6: integer ids are 16 bytes
    let name = fieldseal::Sealed::<String, Fulfillment>::from_text(value["name"].as_str().unwrap())
        .unwrap();
    let email = fieldseal::Sealed::<String, (Fulfillment, Marketing)>::from_text(
        value["email"].as_str().unwrap(),
    )
    .unwrap();
    let versions = [name.key_versions(), email.key_versions()];
    assert!(
        versions.iter().flatten().all(|(_, v)| *v == version),
        "{line}"
    );
    let ctx = |field| fieldseal::Context::new("Member", field).with_id(&id_bytes);
    let opened = (
        name.open_with::<Fulfillment, _>(&keys, &ctx("name"))
            .unwrap(),
        email
            .open_with::<Marketing, _>(&keys, &ctx("mail"))
            .unwrap(),
    );
    assert_eq!(opened, (member(id).name, member(id).email));
}

#[test]
fn plain_fields_come_out_byte_for_byte_and_only_sealed_strings_change() {
    let dir = scratch("bytes");
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let old = sealed_texts(&keyring, 7);
    let (name, email) = (text(&old, "name"), text(&old, "email"));
    // Keys out of alphabetical order, spaces, numbers beyond f64, floats as written, escapes,
    // and a CRLF line ending: none of it may change.
    let template = |name: &str, email: &str| {
        format!(
            "{{ \"zeta\" : 18446744073709551617, \"member_id\":7,\"name\": \"{name}\", \
             \"big\": -123456789012345678901234567890, \"f\": [1.50, 1E+2, -0.0, 2.5e-3], \
             \"tier\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\/\", \"email\":\"{email}\", \
             \"a\": {{\"y\": 1, \"x\": null}}, \"\\u0041\": true }}\r\n"
        )
    };
    let line = template(name, email);
    let input = dir.join("in.jsonl");
    fs::write(&input, format!("{line}{line}")).unwrap();
    keyring.rotate().unwrap();

    let out = dir.join("out.jsonl");
    let summary =
        reseal_jsonl_file(&keyring, &layout(), Some(&input), &out, 1, &mut |_| {}).unwrap();
    assert_eq!((summary.records, summary.values.resealed), (2, 4));
    let written = fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = written.split_inclusive('\n').collect();
    assert_eq!(lines.len(), 2);
    for got in lines {
        let value: serde_json::Value = serde_json::from_str(got).unwrap();
        let (new_name, new_email) = (
            value["name"].as_str().unwrap(),
            value["email"].as_str().unwrap(),
        );
        assert_ne!((new_name, new_email), (name, email));
        // Byte for byte what went in, the two sealed strings excepted.
        assert_eq!(got, template(new_name, new_email));
        opens_under(&keyring, got, 7, 2);
    }
    fs::remove_dir_all(dir).unwrap();
}

/// A ledger entry whose amount needs 128 bits.
#[derive(Seal)]
#[seal(id = entry_id)]
struct Entry {
    entry_id: u64,
    amount: u128,
    #[seal(Fulfillment)]
    memo: String,
}

#[test]
fn a_u128_plain_field_still_loads_as_its_record_type_after_reseal() {
    let dir = scratch("u128");
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let entry = Entry {
        entry_id: 3,
        amount: u128::from(u64::MAX) + 2,
        memo: "refund".to_owned(),
    };
    let input = dir.join("in.jsonl");
    let line = serde_json::to_string(&entry.seal(&keys(&keyring)).unwrap()).unwrap();
    assert!(line.contains("18446744073709551617"), "{line}");
    fs::write(&input, line + "\n").unwrap();
    keyring.rotate().unwrap();
    let out = dir.join("out.jsonl");
    let layout = RecordLayout::new("Entry").id("entry_id", IdType::parse("u64").unwrap());
    reseal_jsonl_file(&keyring, &layout, Some(&input), &out, 1, &mut |_| {}).unwrap();
    let stored: SealedEntry = serde_json::from_str(&fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(stored.amount, entry.amount);
    let view = stored.open_dyn(&keys(&keyring)).unwrap();
    assert_eq!(view.memo.as_deref(), Some("refund"));
    fs::remove_dir_all(dir).unwrap();
}

/// `text` with its `fs1:` prefix written as JSON escapes, as some encoders write it.
fn escaped(text: &str) -> String {
    format!("\\u0066\\u0073\\u0031:{}", &text[4..])
}

#[test]
fn a_sealed_value_written_with_escapes_is_resealed_or_kept_as_it_was() {
    let dir = scratch("escapes");
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let old = sealed_texts(&keyring, 4);
    keyring.rotate().unwrap();
    let new = sealed_texts(&keyring, 4);
    let input = dir.join("in.jsonl");
    // Line 1 stale, line 2 current: both spelled with escapes.
    let stale = format!(
        "{{\"member_id\":4,\"name\":\"{}\",\"email\":\"{}\"}}\n",
        escaped(text(&old, "name")),
        escaped(text(&old, "email"))
    );
    let current = format!(
        "{{\"member_id\":4,\"name\":\"{}\",\"email\":\"{}\"}}\n",
        escaped(text(&new, "name")),
        escaped(text(&new, "email"))
    );
    fs::write(&input, format!("{stale}{current}")).unwrap();
    let out = dir.join("out.jsonl");
    let summary =
        reseal_jsonl_file(&keyring, &layout(), Some(&input), &out, 1, &mut |_| {}).unwrap();
    assert_eq!((summary.values.resealed, summary.values.current), (2, 2));
    let written = fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = written.split_inclusive('\n').collect();
    opens_under(&keyring, lines[0], 4, 2);
    assert!(lines[0].contains("\"name\":\"fs1:"), "{}", lines[0]);
    assert_eq!(lines[1], current, "a current record is kept byte for byte");
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_record_naming_its_id_twice_is_refused() {
    let dir = scratch("twice");
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let old = sealed_texts(&keyring, 5);
    keyring.rotate().unwrap();
    let input = dir.join("in.jsonl");
    fs::write(
        &input,
        format!(
            "{{\"member_id\":5,\"name\":\"{}\",\"member_id\":6}}\n",
            text(&old, "name")
        ),
    )
    .unwrap();
    let err = reseal_jsonl_file(
        &keyring,
        &layout(),
        Some(&input),
        &dir.join("out.jsonl"),
        1,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(err, Error::AtLine { line: 1, .. }), "{err:?}");
    assert!(err.to_string().contains("`member_id` twice"), "{err}");
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_partial_output_that_does_not_match_its_checkpoint_is_refused() {
    let dir = scratch("forged");
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let input = dir.join("members.jsonl");
    let members = write_members(&keyring, &input, 200);
    keyring.rotate().unwrap();
    let good = fs::read_to_string(&input).unwrap();
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    lines[120] = lines[120].replacen("\"member_id\":121", "\"member_id\":999", 1);
    fs::write(&input, lines.join("\n") + "\n").unwrap();
    let out = dir.join("out.jsonl");
    reseal_jsonl_file(&keyring, &layout(), Some(&input), &out, 2, &mut |_| {}).unwrap_err();
    fs::write(&input, &good).unwrap();
    let partial = fs::read(partial_path(&out)).unwrap();
    let checkpoint = fs::read_to_string(checkpoint_path(&out)).unwrap();

    // A record of the partial output changed after its checkpoint: not trusted, not cut.
    let mut changed = partial.clone();
    let at = changed.iter().position(|&b| b == b':').unwrap() + 1;
    changed[at] = if changed[at] == b'1' { b'2' } else { b'1' };
    fs::write(partial_path(&out), &changed).unwrap();
    let err =
        reseal_jsonl_file(&keyring, &layout(), Some(&input), &out, 2, &mut |_| {}).unwrap_err();
    assert!(
        err.to_string().contains("does not match its checkpoint"),
        "{err}"
    );
    assert!(err.to_string().contains("remove both"), "{err}");
    assert_eq!(fs::read(partial_path(&out)).unwrap(), changed);

    // A checkpoint claiming other bytes than the partial output holds.
    fs::write(partial_path(&out), &partial).unwrap();
    let (claim, rest) = checkpoint.split_once("output-bytes ").unwrap();
    let (bytes, rest) = rest.split_once('\n').unwrap();
    let fewer = bytes.parse::<u64>().unwrap() - 1;
    fs::write(
        checkpoint_path(&out),
        format!("{claim}output-bytes {fewer}\n{rest}"),
    )
    .unwrap();
    let err =
        reseal_jsonl_file(&keyring, &layout(), Some(&input), &out, 2, &mut |_| {}).unwrap_err();
    assert!(
        err.to_string().contains("does not match its checkpoint"),
        "{err}"
    );

    // The true pair resumes.
    fs::write(checkpoint_path(&out), &checkpoint).unwrap();
    let summary =
        reseal_jsonl_file(&keyring, &layout(), Some(&input), &out, 2, &mut |_| {}).unwrap();
    assert_eq!((summary.resumed, summary.records), (120, 80));
    check(&keyring, &out, &members, 2);
    fs::remove_dir_all(dir).unwrap();
}

/// Endless zero bytes, up to `left`; past it, an error (the code under test read too far).
struct Zeros {
    left: usize,
}

impl std::io::Read for Zeros {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            return Err(std::io::Error::other(
                "the test's endless input was read past 64 MiB",
            ));
        }
        let n = buf.len().min(self.left);
        buf[..n].fill(0);
        self.left -= n;
        Ok(n)
    }
}

#[test]
fn scan_refuses_a_line_longer_than_max_line_instead_of_reading_it_all() {
    let mut input = std::io::BufReader::new(Zeros { left: 64 << 20 });
    let err = scan_jsonl(&mut input).unwrap_err();
    assert!(matches!(err, Error::AtLine { line: 1, .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains(&format!("longer than {} bytes", fieldseal::bulk::MAX_LINE)),
        "{err}"
    );
}

#[test]
fn what_a_crash_leaves_is_resumed_or_named_and_interrupted_run_says_which() {
    use fieldseal::bulk::{Interrupted, interrupted_run};
    let dir = scratch("leftovers");
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let input = dir.join("members.jsonl");
    let members = write_members(&keyring, &input, 30);
    keyring.rotate().unwrap();
    let out = dir.join("out.jsonl");
    let tmp = dir.join("out.jsonl.partial.progress.tmp");
    assert_eq!(interrupted_run(&out).unwrap(), None);

    // Killed before its first checkpoint: an empty partial output, a half-written .tmp.
    fs::write(partial_path(&out), "").unwrap();
    fs::write(&tmp, "fieldseal reseal chec").unwrap();
    assert_eq!(interrupted_run(&out).unwrap(), None);
    reseal_jsonl_file(&keyring, &layout(), Some(&input), &out, 1, &mut |_| {}).unwrap();
    check(&keyring, &out, &members, 2);
    assert!(!tmp.exists() && !checkpoint_path(&out).exists());

    // Stopped at line 11: interrupted_run reports what a rerun resumes after.
    let out = dir.join("stopped.jsonl");
    let good = fs::read_to_string(&input).unwrap();
    fs::write(
        &input,
        good.replacen("\"member_id\":11,", "\"member_id\":99,", 1),
    )
    .unwrap();
    reseal_jsonl_file(&keyring, &layout(), Some(&input), &out, 1, &mut |_| {}).unwrap_err();
    let partial_len = fs::metadata(partial_path(&out)).unwrap().len();
    let found = interrupted_run(&out).unwrap().unwrap();
    assert_eq!((found.lines, found.bytes), (10, partial_len));
    let _: Interrupted = found;

    // A checkpoint without its partial output, a directory in its place: named, with the fix.
    let partial = fs::read(partial_path(&out)).unwrap();
    fs::remove_file(partial_path(&out)).unwrap();
    let err = interrupted_run(&out).unwrap_err().to_string();
    assert!(err.contains("stopped.jsonl.partial does not"), "{err}");
    assert!(
        err.contains("remove") && err.contains("to start over"),
        "{err}"
    );
    fs::create_dir(partial_path(&out)).unwrap();
    let err =
        reseal_jsonl_file(&keyring, &layout(), Some(&input), &out, 1, &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("not a regular file"), "{err}");
    fs::remove_dir(partial_path(&out)).unwrap();

    // Put back, with the input fixed, it resumes after line 10.
    fs::write(partial_path(&out), &partial).unwrap();
    fs::write(&input, &good).unwrap();
    let summary =
        reseal_jsonl_file(&keyring, &layout(), Some(&input), &out, 1, &mut |_| {}).unwrap();
    assert_eq!((summary.resumed, summary.records), (10, 20));
    check(&keyring, &out, &members, 2);
    fs::remove_dir_all(dir).unwrap();
}

/// A marketing value sealed under the keyring's active version, bound to `Member`/`field`/id 1.
fn member_value(keyring: &Keyring, field: &str) -> String {
    let ctx = fieldseal::Context::new("Member", field).with_id_int(1);
    fieldseal::Sealed::<String, Marketing>::seal(
        "ada@example.com",
        &ctx,
        &keyring.purpose_key::<Marketing>(),
    )
    .unwrap()
    .to_text()
}

/// A sealed value in an object no layout covers stops the run (left under its old version, it
/// would be lost at `retire`), also when a later duplicate of its key follows it: a
/// `serde_json::Value` keeps only the last duplicate, and the check that read the object that
/// way passed the record as having nothing to re-seal. `scan` counts the value all along.
#[test]
fn a_duplicate_key_does_not_hide_an_uncovered_sealed_value() {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let sealed = member_value(&keyring, "notes.x");
    keyring.rotate().unwrap();
    let layout = RecordLayout::new("Member").id("member_id", IdType::parse("u32").unwrap());
    let refused = |record: &str| match layout.reseal(&keyring, record) {
        Err(Error::BadRecord { reason }) => reason,
        other => panic!("not refused: {other:?}"),
    };

    let plain = format!(r#"{{"member_id":1,"notes":{{"x":"{sealed}"}}}}"#);
    let reason = refused(&plain);
    assert!(reason.contains("notes.x"), "{reason}");

    let duplicated = format!(r#"{{"member_id":1,"notes":{{"x":"{sealed}","x":null}}}}"#);
    let counts = scan_jsonl(&mut format!("{duplicated}\n").as_bytes()).unwrap();
    assert_eq!(counts[&("marketing".to_owned(), 1)], 1);
    assert_eq!(refused(&duplicated), reason);
}

/// Every byte but the sealed strings is copied as it came, numbers of any size included: a
/// number beyond an f64 in an object no layout covers does not make the record "not JSON", even
/// when that object holds an escape (which sends it to the check for uncovered sealed values).
#[test]
fn a_number_beyond_f64_in_an_uncovered_object_is_copied() {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let sealed = member_value(&keyring, "email");
    keyring.rotate().unwrap();
    let layout = RecordLayout::new("Member").id("member_id", IdType::parse("u32").unwrap());
    let meta = r#"{"ratio":1e400,"note":"say \"hi\""}"#;
    let record = format!(r#"{{"member_id":1,"email":"{sealed}","meta":{meta}}}"#);
    scan_jsonl(&mut format!("{record}\n").as_bytes()).unwrap();
    let (text, counts) = layout.reseal(&keyring, &record).unwrap();
    assert_eq!(counts.resealed, 1);
    assert!(text.ends_with(&format!(r#","meta":{meta}}}"#)), "{text}");
}

/// Two runs at once on the same output: the second, started while the first is between batches
/// (from its progress callback, so the interleaving is exact), is refused, and the first
/// publishes every record once. Before, the second "resumed" the first's partial output and
/// published it, and the first appended its later batches to the published file.
#[test]
fn a_second_run_on_the_same_output_while_the_first_runs_is_refused() {
    let dir = scratch("two-runs");
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let input = dir.join("members.jsonl");
    let members = write_members(&keyring, &input, 5000);
    keyring.rotate().unwrap();
    let out = dir.join("out.jsonl");

    let mut second: Option<Result<Summary, Error>> = None;
    let first = reseal_jsonl_file(&keyring, &layout(), Some(&input), &out, 2, &mut |s| {
        if second.is_none() && s.records >= 2048 {
            second = Some(reseal_jsonl_file(
                &keyring,
                &layout(),
                Some(&input),
                &out,
                2,
                &mut |_| {},
            ));
        }
    });
    let second = second.expect("the second run ran");
    let published = fs::read_to_string(&out).unwrap_or_default();
    let lines = published.lines().count();
    assert!(
        second.is_err(),
        "a second run on an output another run is writing was not refused: {second:?}; \
         first: {first:?}; the published output has {lines} lines for 5000 records"
    );
    assert!(
        matches!(&second, Err(Error::Io { action, .. }) if action.contains("another run")),
        "{second:?}"
    );
    assert_eq!(first.unwrap().records, 5000);
    assert_eq!(lines, 5000);
    let _ = members;
    fs::remove_dir_all(dir).unwrap();
}

/// A layout that names its sealed members (`declared`, as `--sealed` and every derived layout make
/// it) still refuses a sealed value in an object or array no `nested` layout covers, or in a
/// member it does not name, as an undeclared layout does: skipped, it would stay under the old
/// version, lost when that is retired (before, the run succeeded and counted the named values).
#[test]
fn a_declared_layout_does_not_skip_a_sealed_value_it_does_not_name() {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let name = member_value(&keyring, "name");
    let hidden = member_value(&keyring, "notes.x");
    keyring.rotate().unwrap();
    let layout = RecordLayout::new("Member")
        .id("member_id", IdType::parse("u32").unwrap())
        .sealed("name");
    for record in [
        format!(r#"{{"member_id":1,"name":"{name}","notes":{{"x":"{hidden}"}}}}"#),
        format!(r#"{{"member_id":1,"name":"{name}","history":["{hidden}"]}}"#),
        format!(r#"{{"member_id":1,"name":"{name}","email":"{hidden}"}}"#),
    ] {
        let before = scan_jsonl(&mut format!("{record}\n").as_bytes()).unwrap();
        assert_eq!(before[&("marketing".to_owned(), 1)], 2);
        match layout.reseal(&keyring, &record) {
            Err(Error::BadRecord { .. }) => {}
            Ok((text, counts)) => {
                let after = scan_jsonl(&mut format!("{text}\n").as_bytes()).unwrap();
                panic!(
                    "re-sealed {} value(s) and reported success, leaving {:?} value(s) under \
                     version 1 (scan after: {after:?})",
                    counts.resealed,
                    after.get(&("marketing".to_owned(), 1))
                );
            }
            Err(other) => panic!("{other:?}"),
        }
    }
}

/// Blank lines are copied, not counted as records: `Summary::records` (the CLI's `records:`) is
/// what an operator compares with the table's row count.
#[test]
fn blank_lines_are_not_counted_as_records() {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let dir = scratch("blank-lines");
    let input = dir.join("members.jsonl");
    write_members(&keyring, &input, 2);
    keyring.rotate().unwrap();
    let text = fs::read_to_string(&input)
        .unwrap()
        .replacen('\n', "\n\n\r\n", 1);
    fs::write(&input, text).unwrap();
    let out = dir.join("out.jsonl");
    let summary =
        reseal_jsonl_file(&keyring, &layout(), Some(&input), &out, 1, &mut |_| {}).unwrap();
    assert_eq!(summary.records, 2, "{summary:?}");
    fs::remove_dir_all(dir).unwrap();
}
