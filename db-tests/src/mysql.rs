//! A MySQL-protocol server for the tests: `FIELDSEAL_TEST_MYSQL_URL` if set (`.ci/run` exports
//! it after starting MariaDB: the tests then fail, not skip, if it is unreachable); otherwise a
//! MariaDB server of the test's own, in a temporary directory on a free port of 127.0.0.1, from an
//! installed MariaDB (`mariadb-install-db`, `mariadbd`), stopped when the test ends; otherwise
//! the test says how to run it and skips. The server runs with `--skip-grant-tables`: it listens
//! on 127.0.0.1 only and holds nothing but the test's rows.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A MySQL-protocol server to connect to, stopped on drop if the test started it.
pub struct MySql {
    /// `mysql://root@127.0.0.1:PORT/`: the server, no database.
    pub url: String,
    _server: Option<Server>,
}

struct Server {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first of `names` found in `/usr/sbin`, `/usr/bin` or `/usr/local/bin`.
fn program(names: &[&str]) -> Option<PathBuf> {
    names.iter().find_map(|name| {
        ["/usr/sbin", "/usr/bin", "/usr/local/bin"]
            .iter()
            .map(|dir| Path::new(dir).join(name))
            .find(|path| path.exists())
    })
}

/// The tests' MySQL-protocol server, or `None` (with a printed line) if none is available here.
pub fn mysql() -> Option<MySql> {
    if let Ok(url) = std::env::var("FIELDSEAL_TEST_MYSQL_URL") {
        return Some(MySql { url, _server: None });
    }
    let (Some(install), Some(server)) = (
        program(&["mariadb-install-db", "mysql_install_db"]),
        program(&["mariadbd", "mysqld"]),
    ) else {
        eprintln!(
            "skipped: no MariaDB; install it (apt-get install mariadb-server) or set \
             FIELDSEAL_TEST_MYSQL_URL, as .ci/run does"
        );
        return None;
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data");
    let as_root = crate::is_root();
    let mut init = Command::new(install);
    init.arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg("--auth-root-authentication-method=normal")
        .arg("--skip-test-db");
    if as_root {
        init.arg("--user=root");
    }
    let init = init.output().expect("mariadb-install-db runs");
    assert!(init.status.success(), "mariadb-install-db failed: {init:?}");
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut start = Command::new(server);
    start
        .arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--socket={}", dir.path().join("sock").display()))
        .arg(format!("--pid-file={}", dir.path().join("pid").display()))
        .arg(format!(
            "--log-error={}",
            dir.path().join("err.log").display()
        ))
        .arg(format!("--port={port}"))
        .arg("--bind-address=127.0.0.1")
        .arg("--skip-grant-tables")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if as_root {
        start.arg("--user=root");
    }
    let child = start.spawn().expect("mariadbd starts");
    let server = Server { child, _dir: dir };
    let deadline = Instant::now() + Duration::from_mins(1);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "MariaDB did not listen on 127.0.0.1:{port} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(MySql {
        url: format!("mysql://root@127.0.0.1:{port}/"),
        _server: Some(server),
    })
}
