//! Subjects on the command line: `--subject 1001` (an integer), `--subject uuid:...`, `--subject
//! str:cust-7`, `--subject hex:...`, bound as FORMAT.md §6 binds a record id, and printed back in
//! the same syntax.

use std::fmt;

use fieldseal::vault::Subject;

/// The most bytes a subject id has (FORMAT.md §15.1).
const MAX_SUBJECT: usize = 256;

const SYNTAX: &str = "a subject is an integer (1001), uuid:UUID, str:TEXT or hex:HEX";

/// A subject's id bytes, as the vault keys them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SubjectId(Vec<u8>);

impl SubjectId {
    /// The id bytes as the vault stores them.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }

    /// The library's subject.
    pub(crate) fn subject(&self) -> Subject<'_> {
        Subject::bytes(&self.0)
    }

    /// The id bytes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Parses `--subject`: an integer binds the 16 bytes `Subject::int` binds for any integer type
/// (two's complement, big-endian); `uuid:` its 16 bytes (feature `uuid`); `str:` UTF-8;
/// `hex:` the bytes as they are.
pub(crate) fn parse_subject(text: &str) -> Result<SubjectId, String> {
    let bytes = if let Some(uuid) = text.strip_prefix("uuid:") {
        parse_uuid(uuid)?
    } else if let Some(id) = text.strip_prefix("str:") {
        id.as_bytes().to_vec()
    } else if let Some(hex) = text.strip_prefix("hex:") {
        parse_hex(hex).ok_or_else(|| format!("hex:{hex} is not an even number of hex digits"))?
    } else if let Ok(n) = text.parse::<i128>() {
        Subject::int(n).as_bytes().to_vec()
    } else if let Ok(n) = text.parse::<u128>() {
        Subject::int(n).as_bytes().to_vec()
    } else {
        return Err(format!(
            "{SYNTAX}; this is none of them (a string id is written str:{text})"
        ));
    };
    if bytes.is_empty() || bytes.len() > MAX_SUBJECT {
        return Err(format!(
            "a subject id is 1 to {MAX_SUBJECT} bytes; this one is {}",
            bytes.len()
        ));
    }
    Ok(SubjectId(bytes))
}

#[cfg(feature = "uuid")]
fn parse_uuid(text: &str) -> Result<Vec<u8>, String> {
    uuid::Uuid::parse_str(text)
        .map(|u| u.as_bytes().to_vec())
        .map_err(|e| format!("uuid:{text} is not a UUID: {e}"))
}

#[cfg(not(feature = "uuid"))]
fn parse_uuid(_: &str) -> Result<Vec<u8>, String> {
    Err(
        "uuid: subjects need fieldseal built with feature `uuid` (cargo install --features \
         cli,uuid); or give the UUID's 16 bytes as hex:HEX"
            .to_owned(),
    )
}

fn parse_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

/// The syntax `--subject` takes, chosen from the bytes alone (an id does not say how it was
/// written): 16 bytes holding an integer of 64 bits or less print as that integer; text as
/// `str:`; other 16 bytes as `uuid:`; anything else as `hex:`. Each parses back to the same bytes.
impl fmt::Display for SubjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = &self.0;
        if let Ok(wide) = <[u8; 16]>::try_from(bytes.as_slice()) {
            let n = i128::from_be_bytes(wide);
            if (i128::from(i64::MIN)..=i128::from(u64::MAX)).contains(&n) {
                return write!(f, "{n}");
            }
        }
        if let Ok(text) = std::str::from_utf8(bytes) {
            if !text.chars().any(char::is_control) {
                return write!(f, "str:{text}");
            }
        }
        if bytes.len() == 16 {
            let hex = hex(bytes);
            return write!(
                f,
                "uuid:{}-{}-{}-{}-{}",
                &hex[..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..]
            );
        }
        write!(f, "hex:{}", hex(bytes))
    }
}

fn hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    use fieldseal::vault::Subject;

    use super::{SubjectId, parse_subject};

    #[test]
    fn an_integer_names_the_subject_subject_int_names_for_any_integer_type() {
        let parsed = |text: &str| parse_subject(text).unwrap();
        assert_eq!(parsed("7").as_bytes(), Subject::int(7u8).as_bytes());
        assert_eq!(parsed("7").as_bytes(), Subject::int(7u64).as_bytes());
        assert_eq!(parsed("7").as_bytes(), Subject::int(7i32).as_bytes());
        assert_eq!(parsed("-2").as_bytes(), Subject::int(-2i16).as_bytes());
        let max = u128::MAX.to_string();
        assert_eq!(parsed(&max).as_bytes(), Subject::int(u128::MAX).as_bytes());
        assert_eq!(parsed("str:cust-7").as_bytes(), b"cust-7");
        assert_eq!(parsed("str:7").as_bytes(), b"7");
        assert_eq!(parsed("hex:00ff").as_bytes(), [0, 255]);
        for bad in ["", "cust-7", "1.5", "str:", "hex:abc", "hex:zz"] {
            assert!(parse_subject(bad).is_err(), "{bad}");
        }
        assert!(parse_subject(&format!("str:{}", "x".repeat(257))).is_err());
        assert!(parse_subject(&format!("str:{}", "x".repeat(256))).is_ok());
    }

    #[test]
    fn subjects_print_in_the_syntax_that_parses_back_to_them() {
        let printed = |bytes: &[u8]| SubjectId::from_bytes(bytes).to_string();
        assert_eq!(printed(Subject::int(1001u32).as_bytes()), "1001");
        assert_eq!(printed(Subject::int(-5i64).as_bytes()), "-5");
        assert_eq!(
            printed(Subject::int(u64::MAX).as_bytes()),
            u64::MAX.to_string()
        );
        assert_eq!(printed(b"cust-7"), "str:cust-7");
        // Sixteen bytes of text are text, not a number.
        assert_eq!(printed(b"cust-00000000001"), "str:cust-00000000001");
        let uuid = [
            0x0b, 0x7e, 0x5c, 0x1a, 0x5d, 0x4e, 0x4a, 0x8e, 0x9f, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f,
            0x6a, 0x7b,
        ];
        assert_eq!(printed(&uuid), "uuid:0b7e5c1a-5d4e-4a8e-9f1b-2c3d4e5f6a7b");
        assert_eq!(printed(&[0, 1, 2]), "hex:000102");
        assert_eq!(printed(b"tab\there"), "hex:7461620968657265");
        for bytes in [
            Subject::int(1001u32).as_bytes().to_vec(),
            Subject::int(-5i64).as_bytes().to_vec(),
            Subject::int(u128::MAX).as_bytes().to_vec(),
            b"cust-7".to_vec(),
            vec![0, 1, 2],
            #[cfg(feature = "uuid")]
            uuid.to_vec(),
        ] {
            let text = printed(&bytes);
            assert_eq!(parse_subject(&text).unwrap().as_bytes(), bytes, "{text}");
        }
    }
}
