//! Sealed values as diesel columns (feature `diesel`) in a real SQLite file: a `Binary` column
//! holds the binary form, a `Text` one the `fs1:` form, and rows load into structs holding
//! `Sealed` fields through `Queryable`.

use diesel::prelude::*;
use diesel::sql_types::{Binary, Text};
use fieldseal::column::SealedText;
use fieldseal_db_tests::{EMAIL, Email, assert_column_error, assert_opens, chain, keyring, seal};

#[allow(missing_docs, reason = "diesel's table! generates undocumented items")]
mod schema {
    diesel::table! {
        customer (id) {
            id -> BigInt,
            email_blob -> Binary,
            email_text -> Text,
        }
    }
}
use schema::customer;

#[derive(Queryable, Debug)]
struct Row {
    id: i64,
    email_blob: Email,
    email_text: Email,
}

#[derive(Insertable)]
#[diesel(table_name = customer)]
struct NewRow<'a> {
    id: i64,
    email_blob: &'a Email,
    email_text: SealedText<
        String,
        (
            fieldseal_db_tests::Fulfillment,
            fieldseal_db_tests::Marketing,
        ),
    >,
}

fn database() -> (tempfile::TempDir, SqliteConnection) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("shop.sqlite3");
    let mut db = SqliteConnection::establish(path.to_str().expect("UTF-8")).expect("opens");
    diesel::sql_query(
        "CREATE TABLE customer (id BIGINT PRIMARY KEY, email_blob BLOB, email_text TEXT)",
    )
    .execute(&mut db)
    .expect("creates");
    (dir, db)
}

#[test]
fn rows_round_trip_through_a_file() {
    let keyring = keyring();
    let email = seal(&keyring);
    let (_dir, mut db) = database();
    diesel::insert_into(customer::table)
        .values(&NewRow {
            id: 42,
            email_blob: &email,
            email_text: SealedText::from(&email),
        })
        .execute(&mut db)
        .expect("inserts");

    let stored: String = customer::table
        .select(customer::email_text)
        .first::<String>(&mut db)
        .expect("selects");
    assert_eq!(stored, email.to_text());

    let row: Row = customer::table.first(&mut db).expect("loads");
    assert_eq!(row.id, 42);
    assert_eq!(row.email_blob, email);
    assert_eq!(row.email_text, email);
    assert_opens(&keyring, &row.email_blob);
    assert_opens(&keyring, &row.email_text);

    // A filter binds a Sealed as a Binary expression.
    let found: i64 = customer::table
        .filter(customer::email_blob.eq(&email))
        .select(customer::id)
        .first(&mut db)
        .expect("finds");
    assert_eq!(found, 42);
}

#[test]
fn a_column_that_is_not_a_sealed_value_is_a_clear_error() {
    let keyring = keyring();
    let email = seal(&keyring);
    let (_dir, mut db) = database();
    diesel::sql_query("INSERT INTO customer VALUES (1, ?, ?)")
        .bind::<Binary, _>(b"not sealed".as_slice())
        .bind::<Text, _>(EMAIL)
        .execute(&mut db)
        .expect("inserts");
    for column in [
        customer::table
            .select(customer::email_blob)
            .first::<Email>(&mut db)
            .map(|_| ()),
        customer::table
            .select(customer::email_text)
            .first::<Email>(&mut db)
            .map(|_| ()),
    ] {
        let error = column.expect_err("not sealed");
        assert_column_error(&chain(&error), EMAIL);
    }
    drop(email);
}
