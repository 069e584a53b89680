//! The normalizers of blind indexes (FORMAT.md §17): every built-in on ordinary, edge and hostile
//! input with its exact output or error; descriptions and their round trip; properties
//! (idempotence, no panic, no input in an error) over generated strings; and the known-answer
//! vectors of `tests/vectors/normalize/`.

#[path = "normalize/date.rs"]
mod date;
#[path = "normalize/description.rs"]
pub(crate) mod description;
#[path = "normalize/email.rs"]
mod email;
#[cfg(feature = "phone")]
#[path = "normalize/phone.rs"]
mod phone;
#[path = "normalize/postcode.rs"]
mod postcode;
#[path = "normalize/props.rs"]
mod props;
#[path = "normalize/text.rs"]
mod text;
#[path = "normalize/transform.rs"]
mod transform;
#[path = "normalize/vectors.rs"]
mod vectors;

use fieldseal::normalize::{Normalize, NormalizeError};

/// `n` on `input`, which must succeed.
#[track_caller]
fn ok(n: &dyn Normalize, input: &str) -> String {
    match n.normalize(input) {
        Ok(output) => output,
        Err(e) => panic!("{} refused {input:?}: {e}", n.description()),
    }
}

/// `n` on `input`, which must fail; the error, checked not to contain the input.
#[track_caller]
fn err(n: &dyn Normalize, input: &str) -> NormalizeError {
    match n.normalize(input) {
        Ok(output) => panic!("{} accepted {input:?} as {output:?}", n.description()),
        Err(e) => {
            let trimmed = input.trim();
            if trimmed.chars().count() >= 3 {
                assert!(
                    !e.to_string().contains(trimmed),
                    "the error of {} repeats its input: {e}",
                    n.description()
                );
            }
            e
        }
    }
}
