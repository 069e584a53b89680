//! The syntax of normalizer descriptions (FORMAT.md §17.9), checked when the record compiles, so
//! that a misspelt normalizer is an error at its attribute rather than at the first seal.
//!
//! Only the shape is checked here. What needs the runtime's data (that libphonenumber knows a
//! region, that the `phone` feature is on) is checked when the index is first used, and reported
//! as `fieldseal::Error::Normalize`. The test below holds this checker to the descriptions of
//! `tests/vectors/normalize/`: everything the runtime reads, it accepts.

/// The longest description, in bytes (`fieldseal::normalize::MAX_DESCRIPTION_LEN`).
const MAX_LEN: usize = 256;
/// The most steps (`fieldseal::normalize::MAX_STEPS`).
const MAX_STEPS: usize = 8;

/// Checks `description`; returns the names of its `custom:NAME` steps, or what is wrong.
pub(crate) fn check(description: &str) -> Result<Vec<String>, String> {
    if description.len() > MAX_LEN {
        return Err(format!(
            "a normalizer description is at most {MAX_LEN} bytes"
        ));
    }
    let steps: Vec<&str> = description.split('|').collect();
    if steps.len() > MAX_STEPS {
        return Err(format!(
            "a normalizer description has at most {MAX_STEPS} steps"
        ));
    }
    let mut customs = Vec::new();
    for step in steps {
        if let Some(name) = check_step(step)? {
            customs.push(name.to_owned());
        }
    }
    Ok(customs)
}

/// One step; `Some(name)` for `custom:name`.
fn check_step(step: &str) -> Result<Option<&str>, String> {
    let (name, argument) = match step.split_once(':') {
        Some((name, argument)) => (name, Some(argument)),
        None => (step, None),
    };
    let fine = match (name, argument) {
        ("", _) => {
            return Err("an empty step (expected steps such as `text|first-letters:1`)".to_owned());
        }
        (
            "email"
            | "email+provider-rules"
            | "email+plus-tags"
            | "email+provider-rules+plus-tags"
            | "text"
            | "year"
            | "date-of-birth",
            None,
        ) => true,
        ("date-of-birth", Some(order)) => matches!(order, "dmy" | "mdy"),
        ("phone", Some(region)) => {
            region.len() == 2 && region.bytes().all(|b| b.is_ascii_uppercase())
        }
        ("postcode", Some(country)) => {
            matches!(country, "GB" | "US" | "DE" | "FR" | "NL" | "CA" | "generic")
        }
        ("last-digits" | "first-letters", Some(count)) => is_count(count),
        ("custom", Some(custom)) => {
            if is_custom_name(custom) {
                return Ok(Some(custom));
            }
            false
        }
        _ => false,
    };
    if fine {
        Ok(None)
    } else {
        Err(format!(
            "`{step}` is not a normalizer description step; expected email (with +provider-rules, \
             +plus-tags), phone:RR, text, postcode:CC (GB, US, DE, FR, NL, CA or generic), \
             date-of-birth (:dmy, :mdy), year, last-digits:N, first-letters:N (N from 1 to 64) \
             or custom:NAME, joined by `|` (FORMAT.md §17.9)"
        ))
    }
}

/// 1 to 64 in decimal, without a leading zero.
fn is_count(count: &str) -> bool {
    !count.starts_with('0')
        && (1..=2).contains(&count.len())
        && count.bytes().all(|b| b.is_ascii_digit())
        && count.parse::<u8>().is_ok_and(|n| (1..=64).contains(&n))
}

/// 1 to 64 of `a`-`z`, `0`-`9`, `-` and `.`.
fn is_custom_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn descriptions() {
        for ok in [
            "email",
            "email+provider-rules+plus-tags",
            "phone:GB|last-digits:4",
            "postcode:generic",
            "date-of-birth:dmy|year",
            "text|first-letters:64",
        ] {
            assert!(check(ok).is_ok(), "{ok}");
        }
        assert_eq!(check("text|custom:sku-v1").unwrap(), ["sku-v1"]);
        for bad in [
            "",
            "emial",
            "Email",
            "email+plus-tags+provider-rules",
            "phone:gb",
            "postcode:UK",
            "last-digits:0",
            "last-digits:04",
            "last-digits:65",
            "text||year",
            "custom",
            "custom:SKU",
            "text:1",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }

    /// Every description the runtime reads (a case with an output) is accepted here; every one it
    /// refuses as a definition is refused here too, but for a region only libphonenumber can
    /// know of.
    #[test]
    fn agrees_with_the_runtime_on_the_normalize_vectors() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/normalize");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "txt") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for case in text.split("\n\n") {
                let field = |key: &str| {
                    case.lines()
                        .find_map(|l| l.strip_prefix(key)?.strip_prefix(": "))
                        .or_else(|| case.lines().find(|l| *l == format!("{key}:")).map(|_| ""))
                };
                let Some(description) = field("normalizer") else {
                    continue;
                };
                seen += 1;
                let accepted = check(description).is_ok();
                if field("output").is_some() || field("error").is_some_and(|e| e != "definition") {
                    assert!(accepted, "{}: `{description}` is read", path.display());
                } else if !description.starts_with("phone:") {
                    assert!(!accepted, "{}: `{description}` is refused", path.display());
                }
            }
        }
        assert!(seen > 200, "{seen} cases");
    }
}
