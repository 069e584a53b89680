//! Drives the shop service over HTTP on 127.0.0.1: ingest seals customers into a real SQLite
//! file, fulfillment and marketing each open what their own bundle allows, and a re-exported
//! bundle is picked up without a restart.

use std::path::Path;
use std::time::{Duration, Instant};

use fieldseal::{Argon2Params, DynPurpose, Keyring, Passphrase, Suite};
use fieldseal_example_shop::{Config, Fulfillment, Marketing, app};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// Each service's passphrase: a secret of its own.
fn phrase(service: &str) -> String {
    format!("{service}: correct horse battery staple")
}

fn protector(service: &str) -> Passphrase {
    let cheap = Argon2Params::new(Argon2Params::MIN_MEMORY_KIB, 2, 1).expect("valid");
    Passphrase::new(phrase(service))
        .expect("not empty")
        .with_params(cheap)
}

/// The administrator's part: a keyring and one bundle per service.
fn export_bundles(keyring: &Keyring, dir: &Path) {
    let both = [
        DynPurpose::of::<Fulfillment>(),
        DynPurpose::of::<Marketing>(),
    ];
    for (service, purposes) in [
        ("ingest", &both[..]),
        ("fulfillment", &both[..1]),
        ("marketing", &both[1..]),
    ] {
        let path = dir.join(format!("{service}.fskeys"));
        let bundle = keyring.export_bundle(service, purposes).expect("exports");
        let staged = dir.join("staged.fskeys");
        bundle.save(&staged, &protector(service)).expect("saves");
        std::fs::rename(&staged, &path).expect("replaces");
    }
}

/// One HTTP/1.1 request with `Connection: close`; the status and the JSON body.
async fn request(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connects");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("writes");
    stream.write_all(body.as_bytes()).await.expect("writes");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("reads");
    let status = response[9..12].parse().expect("a status");
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (
        status,
        serde_json::from_str(body).unwrap_or(Value::String(body.to_owned())),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_service_opens_what_its_bundle_allows() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut keyring = Keyring::generate(Suite::default()).expect("generates");
    // An audit key: each bundle carries its service's own, for the service's log.
    keyring.rotate_audit_key().expect("an audit key");
    export_bundles(&keyring, dir.path());
    let passphrase_files = ["ingest", "fulfillment", "marketing"].map(|s| {
        let path = dir.path().join(format!("{s}.passphrase"));
        std::fs::write(&path, format!("{}\n", phrase(s))).expect("writes");
        path
    });
    let database = dir.path().join("shop.sqlite3");
    let config = Config {
        database_url: format!("sqlite://{}?mode=rwc", database.display()),
        bundles: ["ingest", "fulfillment", "marketing"]
            .map(|s| dir.path().join(format!("{s}.fskeys"))),
        passphrase_files,
        reload_every: Duration::from_millis(50),
        audit_dir: Some(dir.path().join("audit")),
    };
    let (router, _watches) = app(&config).await.expect("starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, router).await });

    let ada = json!({ "id": 1, "name": "Ada Lovelace", "email": "ada@example.com", "address": "12 St James's Square" });
    let (status, _) = request(addr, "POST", "/customers", Some(ada.clone())).await;
    assert_eq!(status, 201);
    // The same customer again: a conflict, in words that name no table or column.
    let (status, said) = request(addr, "POST", "/customers", Some(ada)).await;
    assert_eq!(status, 409, "{said}");
    assert!(!said.to_string().contains("customer.id"), "{said}");

    let (status, view) = request(addr, "GET", "/fulfillment/customers/1", None).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["address"], "12 St James's Square");
    assert_eq!(view["email"], "ada@example.com");

    let (status, emails) = request(addr, "GET", "/marketing/emails", None).await;
    assert_eq!(status, 200, "{emails}");
    assert_eq!(emails, json!([{ "id": 1, "email": "ada@example.com" }]));

    let (status, _) = request(addr, "GET", "/fulfillment/customers/2", None).await;
    assert_eq!(status, 404);

    // The database file holds no plaintext.
    let stored = std::fs::read(&database).expect("reads");
    for plain in ["Ada Lovelace", "ada@example.com", "St James"] {
        assert!(
            !stored.windows(plain.len()).any(|w| w == plain.as_bytes()),
            "{plain} stored"
        );
    }

    // A rotation: the administrator re-exports the bundles; the services pick them up.
    keyring.rotate().expect("rotates");
    export_bundles(&keyring, dir.path());
    let grace = Instant::now() + Duration::from_secs(20);
    let reloaded = json!({ "ingest": 1, "fulfillment": 1, "marketing": 1 });
    while request(addr, "GET", "/admin/keys", None).await.1 != reloaded {
        assert!(
            Instant::now() < grace,
            "the re-exported bundles were not picked up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let bob = json!({ "id": 2, "name": "Bob", "email": "bob@example.com", "address": "1 Main St" });
    assert_eq!(request(addr, "POST", "/customers", Some(bob)).await.0, 201);
    let (status, emails) = request(addr, "GET", "/marketing/emails", None).await;
    assert_eq!(status, 200, "{emails}");
    assert_eq!(emails[1], json!({ "id": 2, "email": "bob@example.com" }));
    // Bob was sealed under the new version, which only the reloaded bundles hold.
    let db = sqlx::SqlitePool::connect(&config.database_url)
        .await
        .expect("opens");
    let email: fieldseal::Sealed<String, (Fulfillment, Marketing)> =
        sqlx::query_scalar("SELECT email FROM customer WHERE id = 2")
            .fetch_one(&db)
            .await
            .expect("a row");
    assert!(
        email.key_versions().iter().all(|(_, v)| *v == 2),
        "{:?}",
        email.key_versions()
    );

    assert_logged(dir.path(), &keyring).await;
}

/// Each service's own log verifies under its own audit key and holds what it did: ingest sealed
/// Ada and Bob, fulfillment opened Ada, marketing opened both emails (the writer syncs every
/// 100 ms: waited for). No plaintext is in any of them.
async fn assert_logged(dir: &Path, keyring: &Keyring) {
    for (service, op, at_least) in [
        ("ingest", "seal", 2),
        ("fulfillment", "open", 1),
        ("marketing", "open", 2),
    ] {
        let log = dir.join("audit").join(service);
        let key = keyring.audit_key(service).expect("the service's audit key");
        let grace = Instant::now() + Duration::from_secs(10);
        loop {
            let files = fieldseal::audit::log_files(&log).expect("lists the log");
            let report = fieldseal::audit::verify(&files, &key, None).expect("reads the log");
            assert!(report.is_intact(), "{service}: {report:?}");
            let text: String = files
                .iter()
                .map(|f| std::fs::read_to_string(f).expect("reads"))
                .collect();
            let done = text
                .matches(&format!(r#""op":"{op}","outcome":"ok""#))
                .count();
            if done >= at_least {
                assert!(!text.contains("Ada Lovelace") && !text.contains("@example.com"));
                break;
            }
            assert!(
                Instant::now() < grace,
                "{service}: {done} {op} events in {text}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
