//! The database integrations' tests (issue 15), a workspace member of their own so that the core's
//! dev-dependencies stay light: sqlx, diesel, postgres and tokio are built for these tests only.
//!
//! This library holds what tests/*.rs share: sealed values for every integration, a PostgreSQL
//! server and a MariaDB server (src/mysql.rs) on 127.0.0.1 (README, "Sealed values in a
//! database").
//!
//! PostgreSQL: `FIELDSEAL_TEST_POSTGRES_URL` if set (`.ci/run` exports it: the tests then fail,
//! not skip, if the server is unreachable); otherwise a server of this test's own, started in a
//! temporary directory from the binaries of an installed PostgreSQL (`initdb`, `pg_ctl`, as user
//! `postgres` when run as root) and stopped when the test ends; otherwise the test says how to
//! run it and skips.

#![allow(
    missing_docs,
    clippy::missing_panics_doc,
    reason = "test support: it panics where a test would fail, and is documented where not obvious"
)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use fieldseal::{Context, Keyring, Sealed, Suite};

mod mysql;
pub use mysql::{MySql, mysql};

fieldseal::purpose!(pub Fulfillment = "fulfillment");
fieldseal::purpose!(pub Marketing = "marketing");

/// A plaintext easy to spot in any output.
pub const EMAIL: &str = "SECRET-ada@example.com";

/// The sealed type of the tests' column.
pub type Email = Sealed<String, (Fulfillment, Marketing)>;

pub fn ctx() -> Context<'static> {
    Context::new("customer", "email").with_id_int(42)
}

pub fn keyring() -> Keyring {
    Keyring::generate(Suite::default()).expect("the OS supplies randomness")
}

pub fn seal(keyring: &Keyring) -> Email {
    let keys = (
        &keyring.purpose_key::<Fulfillment>(),
        &keyring.purpose_key::<Marketing>(),
    );
    Sealed::seal(EMAIL, &ctx(), &keys).expect("seals")
}

/// Opens with the marketing key and checks the plaintext.
pub fn assert_opens(keyring: &Keyring, value: &Email) {
    let opened = value
        .open(&keyring.purpose_key::<Marketing>(), &ctx())
        .expect("opens");
    assert_eq!(opened, EMAIL);
}

/// A column error must say which SQL type it expected and never echo the column's content.
pub fn assert_column_error(message: &str, content: &str) {
    assert!(
        message.contains("TEXT") && message.contains("BLOB"),
        "the error names the column types a sealed value needs: {message}"
    );
    assert!(
        content.is_empty() || !message.contains(content),
        "the error echoes the column: {message}"
    );
    assert!(
        !message.contains(EMAIL),
        "the error echoes a plaintext: {message}"
    );
}

/// An error and its sources, as a log line would show them.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(next) = source {
        text.push_str(": ");
        text.push_str(&next.to_string());
        source = next.source();
    }
    text
}

/// A PostgreSQL to connect to, stopped on drop if the test started it.
pub struct Postgres {
    pub url: String,
    /// Stopped when the last test using it ends (dropped).
    _server: Option<Server>,
}

impl Postgres {
    /// A new, empty database on the server for one test (`name` and a unique suffix), so that
    /// tests and repeated runs against one server never meet; its URL.
    pub fn fresh_database(&self, name: &str) -> String {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let database = format!("fieldseal_{name}_{}_{nanos}", std::process::id());
        let url = self.url.clone();
        let create = format!("CREATE DATABASE {database}");
        // On a thread of its own: the blocking client runs a runtime that may not nest in a test's.
        std::thread::spawn(move || {
            let mut admin = postgres::Client::connect(&url, postgres::NoTls)
                .unwrap_or_else(|e| panic!("PostgreSQL at {url} is unreachable: {e}"));
            admin
                .batch_execute(&create)
                .expect("creates the test's database");
        })
        .join()
        .expect("the database is created");
        let base = self
            .url
            .rsplit_once('/')
            .map_or(self.url.as_str(), |(base, _)| base);
        format!("{base}/{database}")
    }
}

struct Server {
    _dir: tempfile::TempDir,
    data: PathBuf,
    pg_ctl: PathBuf,
    as_postgres: bool,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = run(
            &self.pg_ctl,
            self.as_postgres,
            &[
                "-D".as_ref(),
                self.data.as_os_str(),
                "-m".as_ref(),
                "immediate".as_ref(),
                "stop".as_ref(),
            ],
        );
    }
}

fn run(program: &Path, as_postgres: bool, args: &[&std::ffi::OsStr]) -> std::process::Output {
    let mut command = if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    command
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()))
}

fn postgres_bin() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| Some(e.ok()?.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists() && bin.join("pg_ctl").exists())
        .collect();
    dirs.sort();
    dirs.pop()
}

pub(crate) fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// The tests' PostgreSQL, or `None` (with a printed line) if none is available here.
pub fn postgres() -> Option<Postgres> {
    if let Ok(url) = std::env::var("FIELDSEAL_TEST_POSTGRES_URL") {
        return Some(Postgres { url, _server: None });
    }
    let Some(bin) = postgres_bin() else {
        eprintln!(
            "skipped: no PostgreSQL; install it (apt-get install postgresql) or set \
             FIELDSEAL_TEST_POSTGRES_URL, as .ci/run does"
        );
        return None;
    };
    let as_postgres = is_root();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data");
    if as_postgres {
        let chown = Command::new("chown")
            .args(["-R", "postgres"])
            .arg(dir.path())
            .status()
            .expect("chown runs");
        assert!(
            chown.success(),
            "cannot give the server's directory to postgres"
        );
    }
    let init = run(
        &bin.join("initdb"),
        as_postgres,
        &[
            "-D".as_ref(),
            data.as_os_str(),
            "-U".as_ref(),
            "postgres".as_ref(),
            "--auth=trust".as_ref(),
            "-E".as_ref(),
            "UTF8".as_ref(),
        ],
    );
    assert!(init.status.success(), "initdb failed: {init:?}");
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1",
        dir.path().display()
    );
    let log = dir.path().join("server.log");
    let server = Server {
        _dir: dir,
        data,
        pg_ctl: bin.join("pg_ctl"),
        as_postgres,
    };
    let start = run(
        &server.pg_ctl,
        as_postgres,
        &[
            "-D".as_ref(),
            server.data.as_os_str(),
            "-o".as_ref(),
            options.as_ref(),
            "-l".as_ref(),
            log.as_os_str(),
            "-w".as_ref(),
            "start".as_ref(),
        ],
    );
    assert!(
        start.status.success(),
        "pg_ctl start failed: {start:?}\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    Some(Postgres {
        url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        _server: Some(server),
    })
}
