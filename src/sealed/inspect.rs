//! What a sealed value says about itself without any key: its header and the purpose and key
//! version of each part (FORMAT.md §10 lists what a value reveals).

use crate::aead::Suite;
use crate::error::Result;
use crate::format::{self, FORMAT_VERSION, MODE_SUBJECT};
use crate::sealed::plaintext::type_name;

/// How the parts of a value find their keys (FORMAT.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyMode {
    /// Purpose keys (`0x01`): a part names the root key version its purpose key comes from.
    Direct,
    /// Subjects' data keys (`0x02`, FORMAT.md §15): a part names its data key's generation.
    Subject,
}

impl KeyMode {
    /// `direct` or `subject`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Subject => "subject",
        }
    }
}

/// A sealed value's header, read without keys: for operators (`fieldseal inspect`) and for
/// finding values still under an old key version.
///
/// ```
/// use fieldseal::{Context, Inspection, Keyring, Sealed, Suite};
/// fieldseal::purpose!(Marketing = "marketing");
///
/// let keyring = Keyring::generate(Suite::default())?;
/// let ctx = Context::new("customer", "email").with_id_int(7);
/// let email: Sealed<String, Marketing> =
///     Sealed::seal("ada@example.com", &ctx, &keyring.purpose_key::<Marketing>())?;
///
/// let seen = Inspection::of_text(&email.to_text())?;
/// assert_eq!(seen.plaintext_type, "String");
/// assert_eq!(seen.parts, vec![("marketing".to_owned(), 1)]);
/// # Ok::<(), fieldseal::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Inspection {
    /// The format version (FORMAT.md §2).
    pub version: u8,
    /// The AEAD suite.
    pub suite: Suite,
    /// The key mode (FORMAT.md §2): direct (purpose keys), or subject (each subject's data keys,
    /// §15), in which each part's "key version" is the generation of the subject's data key.
    pub mode: KeyMode,
    /// The plaintext type, as its Rust name (FORMAT.md §8).
    pub plaintext_type: &'static str,
    /// The encoded plaintext's length in bytes (not hidden by the format: §10).
    pub plaintext_len: usize,
    /// Each part's purpose and key version, in order.
    pub parts: Vec<(String, u32)>,
}

impl Inspection {
    /// Reads the binary form.
    ///
    /// # Errors
    /// [`Error::Malformed`](crate::Error::Malformed),
    /// [`Error::UnknownVersion`](crate::Error::UnknownVersion),
    /// [`Error::UnknownSuite`](crate::Error::UnknownSuite),
    /// [`Error::UnknownPlaintextType`](crate::Error::UnknownPlaintextType).
    pub fn of_bytes(bytes: &[u8]) -> Result<Self> {
        format::parse(bytes)?; // every check, so that the parts below are trustworthy
        let mut parts = Vec::new();
        let header = format::for_each_part(bytes, |p| {
            parts.push((p.purpose_name().to_owned(), p.key_version));
        })?;
        Ok(Self {
            version: FORMAT_VERSION,
            suite: header.suite,
            mode: if header.mode == MODE_SUBJECT {
                KeyMode::Subject
            } else {
                KeyMode::Direct
            },
            plaintext_type: type_name(header.type_byte),
            plaintext_len: header.ct_len,
            parts,
        })
    }

    /// Reads the text form (`fs1:...`).
    ///
    /// # Errors
    /// As [`of_bytes`](Self::of_bytes).
    pub fn of_text(text: &str) -> Result<Self> {
        Self::of_bytes(&format::decode_text(text)?)
    }
}
