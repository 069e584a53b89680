//! Sealed values as diesel columns (feature `diesel`) in a real SQLite file and a real
//! PostgreSQL (src/lib.rs: the one .ci/run starts, or one of the test's own): a `Binary` column
//! (BLOB, BYTEA) holds the binary form, a `Text` one the `fs1:` form, and rows load into structs
//! holding `Sealed` fields through `Queryable`. One suite, written once, run on each backend.

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

/// The suite's two tests for one backend: `$connect` gives what must live as long as the
/// connection and a connection to a fresh database, or `None` where the backend is not here;
/// `$blob` is the backend's binary column type, `$insert_bad` an insert of a row whose columns
/// are not sealed values, in the backend's placeholders.
macro_rules! suite {
    ($backend:ident, $conn:ty, $connect:expr, $blob:literal, $insert_bad:literal) => {
        mod $backend {
            use super::*;

            fn database() -> Option<(Box<dyn std::any::Any>, $conn)> {
                let (keep, mut db) = $connect?;
                diesel::sql_query(concat!(
                    "CREATE TABLE customer (id BIGINT PRIMARY KEY, email_blob ",
                    $blob,
                    ", email_text TEXT)"
                ))
                .execute(&mut db)
                .expect("creates");
                Some((keep, db))
            }

            #[test]
            fn rows_round_trip() {
                let keyring = keyring();
                let email = seal(&keyring);
                let Some((_keep, mut db)) = database() else {
                    return;
                };
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
                let Some((_keep, mut db)) = database() else {
                    return;
                };
                diesel::sql_query($insert_bad)
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
        }
    };
}

suite!(
    sqlite,
    SqliteConnection,
    {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("shop.sqlite3");
        let db = SqliteConnection::establish(path.to_str().expect("UTF-8")).expect("opens");
        Some((Box::new(dir) as Box<dyn std::any::Any>, db))
    },
    "BLOB",
    "INSERT INTO customer VALUES (1, ?, ?)"
);

suite!(
    postgres,
    PgConnection,
    // None only where no PostgreSQL is installed; in CI, FIELDSEAL_TEST_POSTGRES_URL is set and
    // an unreachable server fails the test.
    fieldseal_db_tests::postgres().map(|server| {
        let url = server.fresh_database("diesel");
        let db = PgConnection::establish(&url)
            .unwrap_or_else(|e| panic!("PostgreSQL at {url} is unreachable: {e}"));
        (Box::new(server) as Box<dyn std::any::Any>, db)
    }),
    "BYTEA",
    "INSERT INTO customer VALUES (1, $1, $2)"
);
