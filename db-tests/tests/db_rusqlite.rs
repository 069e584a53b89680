//! Sealed values as rusqlite columns (feature `rusqlite`), in a real SQLite file: BLOB holds the
//! binary form, TEXT the `fs1:` form, and a column that holds anything else is a clear error.

use fieldseal::Sealed;
use fieldseal::column::SealedText;
use fieldseal_db_tests::{EMAIL, Email, assert_column_error, assert_opens, keyring, seal};
use rusqlite::{Connection, params};

fn database() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = Connection::open(dir.path().join("shop.sqlite3")).expect("opens");
    db.execute_batch(
        "CREATE TABLE customer (id INTEGER PRIMARY KEY, email_blob BLOB, email_text TEXT)",
    )
    .expect("creates");
    (dir, db)
}

#[test]
fn blob_and_text_round_trip_through_a_file() {
    let keyring = keyring();
    let email = seal(&keyring);
    let (dir, db) = database();
    db.execute(
        "INSERT INTO customer VALUES (42, ?1, ?2)",
        params![email, SealedText::from(&email)],
    )
    .expect("inserts");
    drop(db);

    let db = Connection::open(dir.path().join("shop.sqlite3")).expect("reopens");
    let (kind_blob, kind_text): (String, String) = db
        .query_row(
            "SELECT typeof(email_blob), typeof(email_text) FROM customer",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("selects");
    assert_eq!((kind_blob.as_str(), kind_text.as_str()), ("blob", "text"));
    let stored_text: String = db
        .query_row("SELECT email_text FROM customer", [], |r| r.get(0))
        .expect("selects");
    assert_eq!(stored_text, email.to_text());

    let (blob, text): (Email, Email) = db
        .query_row("SELECT email_blob, email_text FROM customer", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("decodes");
    assert_eq!(blob, email);
    assert_eq!(text, email);
    assert_opens(&keyring, &blob);
    assert_opens(&keyring, &text);
}

#[test]
fn a_column_that_is_not_a_sealed_value_is_a_clear_error() {
    let keyring = keyring();
    let email = seal(&keyring);
    let (_dir, db) = database();
    let mut truncated = email.as_bytes().to_vec();
    truncated.truncate(truncated.len() - 5);
    let cases: [(&str, rusqlite::types::Value); 5] = [
        ("plain text", EMAIL.to_owned().into()),
        ("fs1:bad", "fs1:!!not-base64".to_owned().into()),
        ("truncated", truncated.into()),
        ("integer", 4711_i64.into()),
        ("fs1 prefix then bad utf-8", b"fs1:\xff\xfe".to_vec().into()),
    ];
    for (what, value) in cases {
        db.execute("DELETE FROM customer", []).expect("deletes");
        db.execute("INSERT INTO customer VALUES (1, ?1, NULL)", [&value])
            .expect("inserts");
        let result: rusqlite::Result<Email> =
            db.query_row("SELECT email_blob FROM customer", [], |r| r.get(0));
        let error = result.expect_err(what).to_string();
        assert_column_error(&error, "not-base64");
        if what == "integer" {
            assert!(
                error.to_ascii_uppercase().contains("SQL TYPE INTEGER"),
                "names the SQL type found: {error}"
            );
        }
    }
}

#[test]
fn a_value_of_other_purposes_is_refused_when_decoded() {
    let keyring = keyring();
    let email = seal(&keyring);
    let (_dir, db) = database();
    db.execute("INSERT INTO customer VALUES (1, ?1, NULL)", [&email])
        .expect("inserts");
    let result: rusqlite::Result<Sealed<String, fieldseal_db_tests::Fulfillment>> =
        db.query_row("SELECT email_blob FROM customer", [], |r| r.get(0));
    let error = result.expect_err("purposes differ").to_string();
    assert_column_error(&error, "");
    assert!(error.contains("BLOB"), "{error}");
}
