//! What an audit sink holds, as tests compare it.

use fieldseal::audit::MemorySink;

/// Each event's operation and outcome, in order: `["key-set-load ok", "open failed"]`.
pub(crate) fn ops(sink: &MemorySink) -> Vec<String> {
    sink.lines()
        .iter()
        .map(|line| {
            let event: serde_json::Value = serde_json::from_str(line).unwrap();
            format!(
                "{} {}",
                event["op"].as_str().unwrap(),
                event["outcome"].as_str().unwrap()
            )
        })
        .collect()
}
