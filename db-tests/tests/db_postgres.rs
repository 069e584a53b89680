//! Sealed values as PostgreSQL columns through postgres-types (feature `postgres`), against a
//! real server (src/lib.rs: the one .ci/run starts, or one of the test's own): BYTEA holds
//! the binary form, TEXT and VARCHAR the `fs1:` form, chosen by the column's type at bind time.

use fieldseal::column::SealedText;
use fieldseal_db_tests::{EMAIL, Email, assert_column_error, assert_opens, chain, keyring, seal};
use postgres::{Client, NoTls};

#[test]
fn bytea_text_and_varchar_round_trip_and_bad_columns_are_errors() {
    let Some(server) = fieldseal_db_tests::postgres() else {
        return;
    };
    let url = server.fresh_database("postgres_types");
    let mut db = Client::connect(&url, NoTls)
        .unwrap_or_else(|e| panic!("PostgreSQL at {url} is unreachable: {e}"));
    db.batch_execute(
        "CREATE TABLE customer (id BIGINT PRIMARY KEY, email_bytea BYTEA, email_text TEXT,
                                email_varchar VARCHAR(400), note TEXT, n INTEGER)",
    )
    .expect("creates");

    let keyring = keyring();
    let email = seal(&keyring);
    db.execute(
        "INSERT INTO customer (id, email_bytea, email_text, email_varchar, note, n)
         VALUES (42, $1, $2, $3, $4, 7)",
        &[&email, &email, &SealedText::from(&email), &EMAIL],
    )
    .expect("inserts");

    // What the server stores: bytes in BYTEA, the text form in TEXT and VARCHAR.
    let row = db
        .query_one(
            "SELECT email_bytea, email_text, email_varchar FROM customer",
            &[],
        )
        .expect("selects");
    assert_eq!(row.get::<_, Vec<u8>>(0), email.as_bytes());
    assert_eq!(row.get::<_, String>(1), email.to_text());
    assert_eq!(row.get::<_, String>(2), email.to_text());

    let (bytea, text, varchar): (Email, Email, Email) = (row.get(0), row.get(1), row.get(2));
    for value in [&bytea, &text, &varchar] {
        assert_eq!(value, &email);
        assert_opens(&keyring, value);
    }

    // A TEXT column holding a plaintext: a clear error, no plaintext in it.
    let row = db
        .query_one("SELECT note FROM customer", &[])
        .expect("selects");
    let error = row.try_get::<_, Email>(0).expect_err("not sealed");
    assert_column_error(&chain(&error), EMAIL);

    // An INTEGER column: the client refuses it by type before decoding.
    let row = db
        .query_one("SELECT n FROM customer", &[])
        .expect("selects");
    let error = row.try_get::<_, Email>(0).expect_err("wrong type");
    assert!(chain(&error).contains("int4"), "{}", chain(&error));

    // A SealedText does not bind to BYTEA: the client says so instead of storing the text form.
    let wrong = db.execute(
        "UPDATE customer SET email_bytea = $1",
        &[&SealedText::from(&email)],
    );
    assert!(wrong.is_err(), "a text form was bound to BYTEA");
}
