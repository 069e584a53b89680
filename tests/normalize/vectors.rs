//! FORMAT.md §17.11: the known-answer vectors of `tests/vectors/normalize/`, written by an
//! implementation of §17 in Python (`generate.py` there), checked against fieldseal.

use std::fs;
use std::path::Path;

use fieldseal::normalize::from_description;

/// One case: its file, comment, description, input, and `Ok(output)` or `Err(code)`.
struct Case {
    file: String,
    comment: String,
    normalizer: String,
    input: String,
    expect: Result<String, String>,
}

fn text_of_hex(hex: &str) -> String {
    String::from_utf8(hex::decode(hex).expect("hex")).expect("UTF-8")
}

fn cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/normalize");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for path in files {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let content = fs::read_to_string(&path).unwrap();
        for block in content
            .split("\n\n")
            .filter(|block| !block.trim().is_empty())
        {
            let field = |key: &str| {
                block
                    .lines()
                    .find_map(|line| {
                        line.strip_prefix(key)?.strip_prefix(": ").or_else(|| {
                            // `input:` of an empty input has nothing after the colon.
                            (line == format!("{key}:")).then_some("")
                        })
                    })
                    .map(str::to_owned)
            };
            let expect = match (field("output"), field("error")) {
                (Some(output), None) => Ok(text_of_hex(&output)),
                (None, Some(code)) => Err(code),
                _ => panic!("{file}: a case needs exactly one of output and error:\n{block}"),
            };
            cases.push(Case {
                file: file.clone(),
                comment: field("comment").unwrap_or_default(),
                normalizer: field("normalizer").expect("normalizer:"),
                input: text_of_hex(&field("input").expect("input:")),
                expect,
            });
        }
    }
    cases
}

#[test]
fn every_vector_gives_its_output_or_its_error() {
    let cases = cases();
    assert!(cases.len() >= 200, "only {} cases", cases.len());
    let mut checked = 0;
    for case in &cases {
        let got = match from_description(&case.normalizer) {
            Err(e) => Err(e.code().to_owned()),
            Ok(n) => n.normalize(&case.input).map_err(|e| e.code().to_owned()),
        };
        // Without the `phone` feature, a phone description is refused as a definition, and that
        // case is checked when the feature is on.
        if cfg!(not(feature = "phone")) && case.normalizer.starts_with("phone:") {
            assert_eq!(
                got,
                Err("definition".to_owned()),
                "{}: {}",
                case.file,
                case.comment
            );
            continue;
        }
        assert_eq!(
            got, case.expect,
            "{}: {} ({} on {:?})",
            case.file, case.comment, case.normalizer, case.input
        );
        checked += 1;
    }
    eprintln!("{checked} normalizer vectors checked");
}

#[test]
fn every_error_code_has_a_vector() {
    let cases = cases();
    for code in [
        "too-long",
        "output-too-long",
        "control-character",
        "empty",
        "space",
        "no-at",
        "many-at",
        "empty-local-part",
        "empty-domain",
        "empty-after-rules",
        "not-a-number",
        "invalid-number",
        "postcode-shape",
        "date-shape",
        "no-such-year",
        "no-such-month",
        "no-such-day",
        "too-few-digits",
        "too-few-letters",
        "not-a-date",
        "definition",
    ] {
        assert!(
            cases
                .iter()
                .any(|case| case.expect.as_ref().err().is_some_and(|c| c == code)),
            "no vector for {code}"
        );
    }
}
