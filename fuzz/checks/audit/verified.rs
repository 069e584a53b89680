//! A log that verifies: it verifies again (anchored, file by file, not against another log's
//! anchor), and `query` answers what a filter written from the `Query` docs finds.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use fieldseal::audit::{self, ProblemKind, Query, Report};

use super::honest::IDS;
use super::key::{FIXED, hmac};
use super::reader::{Kind, Walk};

/// Verifying it again, with its last checkpoint as the anchor, and file by file, gives the same;
/// another log's anchor does not verify it.
pub(super) fn verifies_again(paths: &[PathBuf], report: &Report, w: &Walk) {
    let fixed = &*FIXED;
    let again = audit::verify(paths, &fixed.key, None).expect("the files read");
    assert_eq!(
        format!("{again:?}"),
        format!("{report:?}"),
        "the same report twice"
    );
    let anchor = report.last_checkpoint.as_ref();
    if let Some(cp) = anchor {
        let anchored = audit::verify(paths, &fixed.key, Some(cp)).expect("the files read");
        assert!(anchored.is_intact(), "{:?}", anchored.problem);
        assert_eq!(anchored.lines, report.lines);
    }
    for k in 1..paths.len() {
        let lines = w.good.iter().filter(|g| g.file < k).count() as u64;
        let part = audit::verify(&paths[..k], &fixed.key, None).expect("the files read");
        assert!(
            part.is_intact() && part.torn_tail.is_none(),
            "{:?}",
            part.problem
        );
        assert_eq!(part.lines, lines, "the first {k} files");
        if let Some(cp) = anchor {
            let cut = audit::verify(&paths[..k], &fixed.key, Some(cp)).expect("the files read");
            if cp.seq <= lines {
                assert!(cut.is_intact(), "{:?}", cut.problem);
            } else {
                let p = cut.problem.expect("the first files miss the anchor");
                assert_eq!(p.kind, ProblemKind::Truncated, "{p}");
            }
        }
    }
    // The vector log's last checkpoint: this log verifies against it only if it holds it.
    let (other, line) = &fixed.vector_anchor;
    let holds = w
        .good
        .get(usize::try_from(other.seq - 1).unwrap_or(usize::MAX))
        .is_some_and(|g| g.bytes == *line);
    let r = audit::verify(paths, &fixed.key, Some(other)).expect("the files read");
    assert_eq!(
        r.is_intact(),
        holds,
        "another log's anchor: {:?}",
        r.problem
    );
    if let Some(p) = &r.problem {
        let reached = w.good.len() as u64 >= other.seq;
        let same_log = w.good.first().is_none_or(|g| {
            serde_json::from_slice::<serde_json::Value>(&g.bytes)
                .ok()
                .and_then(|v| v.get("log")?.as_str().map(str::to_owned))
                == Some(hex::encode(other.log))
        });
        let kind = match (reached, same_log) {
            (true, _) => ProblemKind::AnchorMismatch,
            (false, true) => ProblemKind::Truncated,
            (false, false) => ProblemKind::BadCheckpoint,
        };
        assert_eq!(p.kind, kind, "{p}");
    }
}

/// An event line, read for the query checks.
struct Event {
    line: String,
    seq: u64,
    version: u32,
    v: serde_json::Value,
}

/// `query` answers exactly what a filter written from the `Query` docs finds among the events
/// that verified.
pub(super) fn answers(paths: &[PathBuf], report: &Report, w: &Walk) {
    let fixed = &*FIXED;
    let events: Vec<Event> = w
        .good
        .iter()
        .enumerate()
        .filter(|(_, g)| g.kind == Kind::Event)
        .map(|(i, g)| Event {
            line: String::from_utf8(g.bytes.clone()).expect("JSON is UTF-8"),
            seq: i as u64 + 1,
            version: g.version,
            v: serde_json::from_slice(&g.bytes).expect("a line that verified"),
        })
        .collect();
    let run = |q: &Query, what: &str| {
        let got = audit::query(paths, Some(&fixed.key), q).expect("the files read");
        let want: Vec<&str> = events
            .iter()
            .filter(|e| matches(e, q))
            .map(|e| e.line.as_str())
            .collect();
        assert_eq!(got, want, "query {what}: {q:?}");
        got.len()
    };
    let mut q = Query::default();
    assert_eq!(run(&q, "everything"), events.len());
    q.through_seq = Some(report.last_seq);
    assert_eq!(run(&q, "through the last seq"), events.len());
    let picks = [0, events.len() / 2, events.len().saturating_sub(1)];
    let mut subjects: Vec<Vec<u8>> = IDS.iter().map(|id| id.to_vec()).collect();
    for (n, e) in events.iter().enumerate().filter(|(n, _)| picks.contains(n)) {
        let s = |k: &str| {
            e.v.get(k)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        q = Query::default();
        q.through_seq = Some(e.seq);
        run(&q, "through a seq");
        q.operation = s("op");
        run(&q, "an operation");
        q.actor = s("on_behalf_of").or_else(|| s("actor"));
        q.purpose =
            e.v.get("purposes")
                .and_then(|p| p.get(0)?.as_str().map(str::to_owned));
        if let Some(time) = s("time").and_then(|t| humantime::parse_rfc3339(&t).ok()) {
            q.since = Some(time);
            q.until = Some(time + Duration::from_micros(1));
        }
        if let Some(id) = s("id").or_else(|| s("subject")) {
            let bytes = audit::parse_id_text(&id)
                .unwrap_or_else(|| panic!("an id the writer wrote does not read: {id}"));
            subjects.push(bytes.clone());
            q.subject = Some(bytes);
        }
        let found = run(&q, "by an event's own members");
        assert!(
            found > 0,
            "event {n} is not found by its own members: {}",
            e.line
        );
    }
    for subject in subjects {
        q = Query::default();
        q.subject = Some(subject);
        run(&q, "a subject");
    }
}

/// Whether `e` matches `q`, from the `Query` docs: an id or subject, plain or as a pseudonym of
/// its file's key version; a purpose used; the actor or on_behalf_of; the operation; since, until
/// (exclusive); at or before through_seq.
fn matches(e: &Event, q: &Query) -> bool {
    let fixed = &*FIXED;
    let s = |k: &str| e.v.get(k).and_then(serde_json::Value::as_str);
    let subject = q.subject.as_deref().is_none_or(|id| {
        let nk = &fixed.versions[e.version as usize - 1].nk;
        let pseudonym = hex::encode(&hmac(nk, &[id])[..16]);
        let plain =
            |t: Option<&str>| t.is_some_and(|t| audit::parse_id_text(t).as_deref() == Some(id));
        plain(s("id"))
            || plain(s("subject"))
            || s("id_pseudonym") == Some(&pseudonym)
            || s("subject_pseudonym") == Some(&pseudonym)
    });
    let purpose = q.purpose.as_deref().is_none_or(|p| {
        e.v.get("purposes")
            .and_then(serde_json::Value::as_array)
            .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(p)))
    });
    let actor = q
        .actor
        .as_deref()
        .is_none_or(|a| s("actor") == Some(a) || s("on_behalf_of") == Some(a));
    let op = q.operation.as_deref().is_none_or(|o| s("op") == Some(o));
    let time = s("time").and_then(|t| humantime::parse_rfc3339(t).ok());
    let span = (q.since.is_none() && q.until.is_none())
        || time.is_some_and(|t: SystemTime| {
            q.since.is_none_or(|since| t >= since) && q.until.is_none_or(|until| t < until)
        });
    let seq = q.through_seq.is_none_or(|last| e.seq <= last);
    subject && purpose && actor && op && span && seq
}
