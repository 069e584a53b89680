//! Lines read one at a time: `log_service` on a file's first line, and `Checkpoint::from_line`
//! and `to_line` on every line.

use std::path::PathBuf;

use fieldseal::audit::{self, Checkpoint};

use super::key::SERVICE;
use super::reader::Walk;
use super::secrets::no_secret;

/// `log_service` names the service of a file's first line (or says why not); what
/// `Checkpoint::from_line` reads, it writes back and reads again the same.
pub(super) fn lines_read_alone(paths: &[PathBuf], files: &[Vec<u8>], w: &Walk, input: &[u8]) {
    for (path, file) in paths.iter().zip(files) {
        let first = file.split(|&b| b == b'\n').next().unwrap_or_default();
        let named = serde_json::from_slice::<serde_json::Value>(first)
            .ok()
            .filter(|v| v.get("type").and_then(|t| t.as_str()) == Some("header"))
            .and_then(|v| v.get("service")?.as_str().map(str::to_owned));
        match audit::log_service(path) {
            Ok(service) => assert_eq!(Some(service), named, "log_service"),
            Err(e) => no_secret(&format!("{e} {e:?}"), input),
        }
    }
    if !w.good.is_empty() {
        let service = audit::log_service(&paths[0]).expect("a header that verified");
        assert_eq!(service, SERVICE);
    }
    for line in files.iter().flat_map(|f| f.split(|&b| b == b'\n')).take(64) {
        let Some(cp) = std::str::from_utf8(line)
            .ok()
            .and_then(Checkpoint::from_line)
        else {
            continue;
        };
        let written = cp.to_line();
        assert_eq!(
            Checkpoint::from_line(&written).as_ref(),
            Some(&cp),
            "a checkpoint reads back from its line: {written}"
        );
    }
}
