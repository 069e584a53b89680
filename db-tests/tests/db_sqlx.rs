//! Sealed values as sqlx columns (feature `sqlx`): the same `Type`, `Encode` and `Decode` impls
//! against a real SQLite file, a real PostgreSQL and a real MariaDB (src/lib.rs, src/mysql.rs).

use fieldseal::column::SealedText;
use fieldseal_db_tests::{EMAIL, Email, assert_column_error, assert_opens, keyring, seal};
use sqlx::{Connection as _, Row as _};

/// `insert` is the insert of (id, email_blob, email_text, note) in the database's placeholders.
async fn round_trip<DB>(conn: &mut DB::Connection, blob_type: &str, insert: &'static str)
where
    DB: sqlx::Database,
    for<'q> <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'r> Email: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'q> Email: sqlx::Encode<'q, DB>,
    for<'q> SealedText<
        String,
        (
            fieldseal_db_tests::Fulfillment,
            fieldseal_db_tests::Marketing,
        ),
    >: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> String: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'r> Vec<u8>: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    // The column type is one of the test's two constants, not input.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE TABLE customer (id BIGINT PRIMARY KEY, email_blob {blob_type}, email_text TEXT, \
         note TEXT)"
    )))
    .execute(&mut *conn)
    .await
    .expect("creates");

    let keyring = keyring();
    let email = seal(&keyring);
    sqlx::query(insert)
        .bind(42_i64)
        .bind(email.clone())
        .bind(SealedText::from(&email))
        .bind(EMAIL)
        .execute(&mut *conn)
        .await
        .expect("inserts");

    let row = sqlx::query("SELECT email_blob, email_text, note FROM customer")
        .fetch_one(&mut *conn)
        .await
        .expect("selects");
    assert_eq!(
        row.get::<Vec<u8>, _>(0),
        email.as_bytes(),
        "binary form stored"
    );
    assert_eq!(row.get::<String, _>(1), email.to_text(), "text form stored");
    let blob: Email = row.get(0);
    let text: Email = row.get(1);
    assert_eq!(blob, email);
    assert_eq!(text, email);
    assert_opens(&keyring, &blob);
    assert_opens(&keyring, &text);

    let error = row
        .try_get::<Email, _>(2)
        .expect_err("a plaintext column")
        .to_string();
    assert_column_error(&error, EMAIL);
}

const INSERT_NUMBERED: &str =
    "INSERT INTO customer (id, email_blob, email_text, note) VALUES ($1, $2, $3, $4)";

#[tokio::test]
async fn sqlite_file_round_trip() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("shop.sqlite3").display()
    );
    let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("opens");
    round_trip::<sqlx::Sqlite>(&mut conn, "BLOB", INSERT_NUMBERED).await;
    conn.close().await.expect("closes");
    // Reopened: what was written is in the file.
    let mut conn = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("reopens");
    let email: Email = sqlx::query_scalar("SELECT email_text FROM customer")
        .fetch_one(&mut conn)
        .await
        .expect("decodes");
    assert!(email.to_text().starts_with("fs1:"));
}

#[tokio::test]
async fn postgres_round_trip() {
    let Some(server) = fieldseal_db_tests::postgres() else {
        return;
    };
    let url = server.fresh_database("sqlx");
    let mut conn = sqlx::PgConnection::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {url} is unreachable: {e}"));
    round_trip::<sqlx::Postgres>(&mut conn, "BYTEA", INSERT_NUMBERED).await;
    // A simple (unprepared) query returns the text wire format; BYTEA's is hex, still parsed.
    let row = sqlx::raw_sql("SELECT email_blob, email_text FROM customer")
        .fetch_one(&mut conn)
        .await
        .expect("selects");
    let (blob, text): (Email, Email) = (row.get(0), row.get(1));
    assert_eq!(blob, text);
}

/// MySQL's protocol (MariaDB here): a BLOB holds the binary form, TEXT the text form, through
/// both the prepared (binary) and the simple (text) protocol.
#[tokio::test]
async fn mysql_round_trip() {
    let Some(server) = fieldseal_db_tests::mysql() else {
        return;
    };
    let mut conn = sqlx::MySqlConnection::connect(&server.url)
        .await
        .unwrap_or_else(|e| panic!("MariaDB at {} is unreachable: {e}", server.url));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let database = format!("fieldseal_sqlx_{}_{nanos}", std::process::id());
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE {database}; USE {database}"
    )))
    .execute(&mut conn)
    .await
    .expect("a database of the test's own");
    round_trip::<sqlx::MySql>(
        &mut conn,
        "BLOB",
        "INSERT INTO customer (id, email_blob, email_text, note) VALUES (?, ?, ?, ?)",
    )
    .await;
    let row = sqlx::raw_sql("SELECT email_blob, email_text FROM customer")
        .fetch_one(&mut conn)
        .await
        .expect("selects");
    let (blob, text): (Email, Email) = (row.get(0), row.get(1));
    assert_eq!(blob, text);
}

mod records {
    use fieldseal::{KeySet, Seal};
    use sqlx::Connection as _;

    use fieldseal_db_tests::{Fulfillment, Marketing, keyring};

    /// A record whose sealed twin is a row: `#[seal(derive(sqlx::FromRow))]`.
    #[derive(Seal, Debug, PartialEq)]
    #[seal(id = id, derive(sqlx::FromRow))]
    pub(super) struct Customer {
        id: i64,
        #[seal(Fulfillment, Marketing)]
        email: String,
        #[seal(Fulfillment)]
        name: String,
        #[seal(Marketing)]
        newsletter: Option<bool>,
    }

    #[tokio::test]
    async fn a_sealed_twin_is_a_row() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("shop.sqlite3").display()
        );
        let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("opens");
        sqlx::query(
            "CREATE TABLE customer (id INTEGER PRIMARY KEY, email TEXT NOT NULL, \
             name BLOB NOT NULL, newsletter BLOB)",
        )
        .execute(&mut conn)
        .await
        .expect("creates");
        let keyring = keyring();
        let keys = KeySet::new()
            .with(keyring.purpose_key::<Fulfillment>())
            .with(keyring.purpose_key::<Marketing>());
        let ada = Customer {
            id: 42,
            email: "ada@example.com".into(),
            name: "Ada".into(),
            newsletter: None,
        };
        let sealed = ada.seal(&keys).expect("seals");
        sqlx::query("INSERT INTO customer VALUES ($1, $2, $3, $4)")
            .bind(sealed.id)
            .bind(fieldseal::column::SealedText::from(&sealed.email))
            .bind(&sealed.name)
            .bind(&sealed.newsletter)
            .execute(&mut conn)
            .await
            .expect("inserts");

        let row: SealedCustomer = sqlx::query_as("SELECT * FROM customer")
            .fetch_one(&mut conn)
            .await
            .expect("a row");
        assert_eq!(row, sealed);
        let view = row
            .open(&keyring.purpose_key::<Marketing>())
            .expect("opens");
        assert_eq!(view.email, "ada@example.com");

        // Two columns selected: the column helper supplies the context.
        let (id, email): (i64, fieldseal::Sealed<String, (Fulfillment, Marketing)>) =
            sqlx::query_as("SELECT id, email FROM customer")
                .fetch_one(&mut conn)
                .await
                .expect("a row");
        let email =
            SealedCustomer::open_email_column(&email, &id, &keyring.purpose_key::<Marketing>())
                .expect("opens");
        assert_eq!(email, "ada@example.com");
    }
}

/// SQL NULL read into a (non-`Option`) `Sealed` is sqlx's "unexpected null", as on PostgreSQL
/// and MySQL, not a parse error that calls the column a truncated value.
#[tokio::test]
async fn sqlite_null_is_an_unexpected_null_not_a_truncated_value() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("shop.sqlite3").display()
    );
    let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("opens");
    sqlx::query("CREATE TABLE customer (id INTEGER PRIMARY KEY, email BLOB, email_text TEXT)")
        .execute(&mut conn)
        .await
        .expect("creates");
    sqlx::query("INSERT INTO customer VALUES (1, NULL, NULL)")
        .execute(&mut conn)
        .await
        .expect("inserts");
    let row = sqlx::query("SELECT email, email_text FROM customer")
        .fetch_one(&mut conn)
        .await
        .expect("selects");
    assert!(
        row.try_get::<Option<Email>, _>(0)
            .expect("decodes")
            .is_none()
    );
    for column in 0..2 {
        let error = row
            .try_get::<Email, _>(column)
            .expect_err("NULL is not a sealed value")
            .to_string();
        assert!(
            error.contains("unexpected null") && !error.contains("truncated"),
            "{error}"
        );
    }
}
