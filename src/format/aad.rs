//! FORMAT.md §6: the associated data that binds each part to where it belongs.
//!
//! ```text
//! aad = version:u8 suite:u8 mode:u8 type:u8 lp16(purpose) key_version:u32be lp16(record)
//!       lp16(field) lp16(id)
//! lp16(x) = u16be(len(x)) x
//! ```
//! No label: the AEAD keys are already separated by their HKDF labels (FORMAT.md §4), and every
//! byte here is hashed again on each seal and open. The context limits keep it under [`AAD_MAX`].

use crate::aead::Suite;
#[cfg(test)]
use crate::format::MODE_DIRECT;
use crate::format::{FORMAT_VERSION, MAX_FIELD_LEN, MAX_ID_LEN, MAX_RECORD_LEN};
use crate::purpose::MAX_NAME_LEN;

/// The longest associated data.
pub(crate) const AAD_MAX: usize =
    4 + 2 + MAX_NAME_LEN + 4 + 2 + MAX_RECORD_LEN + 2 + MAX_FIELD_LEN + 2 + MAX_ID_LEN;

/// Associated data this long or shorter is laid out in a small stack buffer.
const AAD_SMALL: usize = 80;

/// Room for the longest head: `version suite mode type lp16(purpose)`.
const HEAD_ROOM: usize = 6 + MAX_NAME_LEN;

/// The start of every associated data of one purpose, `version suite mode type lp16(purpose)`,
/// laid out once per purpose key and zero-padded to a fixed size: each seal and open copies it
/// whole (a fixed-size copy, no call) and fills in the suite, mode and type bytes.
pub(crate) struct AadHead {
    bytes: [u8; HEAD_ROOM],
    len: usize,
}

impl AadHead {
    /// The head of `purpose`, a valid purpose name (at most [`MAX_NAME_LEN`] bytes).
    pub(crate) fn new(purpose: &str) -> Self {
        let name = purpose.as_bytes();
        let mut bytes = [0u8; HEAD_ROOM];
        bytes[0] = FORMAT_VERSION;
        put_lp16(&mut bytes[4..], name);
        Self {
            bytes,
            len: 6 + name.len(),
        }
    }
}

/// The inputs of one part's associated data. Callers have checked every length against its limit.
pub(crate) struct AadInput<'a> {
    pub(crate) suite: Suite,
    pub(crate) mode: u8,
    pub(crate) type_byte: u8,
    pub(crate) head: &'a AadHead,
    pub(crate) key_version: u32,
    pub(crate) record: &'a str,
    pub(crate) field: &'a str,
    pub(crate) id: &'a [u8],
}

impl AadInput<'_> {
    #[inline]
    fn len(&self) -> usize {
        self.head.len + 4 + 2 + self.record.len() + 2 + self.field.len() + 2 + self.id.len()
    }

    /// Calls `f` with the associated data, laid out on the stack.
    #[inline]
    pub(crate) fn with<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        let len = self.len();
        let mut small = [0u8; AAD_SMALL];
        let mut large;
        // One call of `f`, so that it is inlined here rather than outlined for two call sites.
        let buf: &mut [u8] = if len <= AAD_SMALL {
            &mut small
        } else {
            large = [0u8; AAD_MAX];
            &mut large
        };
        self.write(buf);
        f(&buf[..len])
    }

    /// Lays the associated data out at the start of `buf`, which has room for it and for at least
    /// [`HEAD_ROOM`] bytes.
    #[inline]
    fn write(&self, buf: &mut [u8]) {
        buf[..HEAD_ROOM].copy_from_slice(&self.head.bytes);
        buf[1] = self.suite.id();
        buf[2] = self.mode;
        buf[3] = self.type_byte;
        let rest = put(&mut buf[self.head.len..], &self.key_version.to_be_bytes());
        let rest = put_lp16(rest, self.record.as_bytes());
        let rest = put_lp16(rest, self.field.as_bytes());
        put_lp16(rest, self.id);
    }
}

/// Copies `bytes` to the front of `buf` and returns the rest of `buf`.
///
/// Context parts are short (a record type, a field name, an 8-byte id): those of 4 to 16 bytes
/// are copied as two overlapping fixed-size words, without a call to `memcpy` (callgrind: about
/// 15 instructions less per part).
#[inline]
fn put<'b>(buf: &'b mut [u8], bytes: &[u8]) -> &'b mut [u8] {
    let n = bytes.len();
    let (head, rest) = buf.split_at_mut(n);
    if (8..=16).contains(&n) {
        head[..8].copy_from_slice(&bytes[..8]);
        head[n - 8..].copy_from_slice(&bytes[n - 8..]);
    } else if (4..8).contains(&n) {
        head[..4].copy_from_slice(&bytes[..4]);
        head[n - 4..].copy_from_slice(&bytes[n - 4..]);
    } else {
        head.copy_from_slice(bytes);
    }
    rest
}

/// `put` of a 16-bit big-endian length and then the bytes. Callers checked every length against
/// a limit far below 2^16 (the assertion below).
#[inline]
fn put_lp16<'b>(buf: &'b mut [u8], bytes: &[u8]) -> &'b mut [u8] {
    #[allow(
        clippy::cast_possible_truncation,
        reason = "lengths are checked, see above"
    )]
    let len = bytes.len() as u16;
    put(put(buf, &len.to_be_bytes()), bytes)
}

const _: () =
    assert!(MAX_ID_LEN <= u16::MAX as usize && HEAD_ROOM <= AAD_SMALL && AAD_SMALL < AAD_MAX);

#[cfg(test)]
mod tests {
    use super::*;

    /// FORMAT.md §6 written out the plain way.
    fn spec(input: &AadInput<'_>, purpose: &[u8]) -> Vec<u8> {
        let lp16 = |x: &[u8]| [&(x.len() as u16).to_be_bytes()[..], x].concat();
        [
            vec![
                FORMAT_VERSION,
                input.suite.id(),
                input.mode,
                input.type_byte,
            ],
            lp16(purpose),
            input.key_version.to_be_bytes().to_vec(),
            lp16(input.record.as_bytes()),
            lp16(input.field.as_bytes()),
            lp16(input.id),
        ]
        .concat()
    }

    #[test]
    fn lays_out_format_section_6_for_short_and_longest_inputs() {
        let longest_name = "p".repeat(MAX_NAME_LEN);
        let longest_id = [7u8; MAX_ID_LEN];
        let record = "r".repeat(MAX_RECORD_LEN);
        let field = "f".repeat(MAX_FIELD_LEN);
        let cases: [(&str, &str, &str, &[u8]); 4] = [
            ("a", "", "", b""),
            ("fulfillment", "customer", "email", &42u64.to_be_bytes()),
            (&longest_name, "c", "e", b"1"),
            (&longest_name, &record, &field, &longest_id),
        ];
        for (purpose, record, field, id) in cases {
            let head = AadHead::new(purpose);
            for suite in Suite::ALL {
                let input = AadInput {
                    suite,
                    mode: MODE_DIRECT,
                    type_byte: 0x10,
                    head: &head,
                    key_version: 0x0102_0304,
                    record,
                    field,
                    id,
                };
                let expected = spec(&input, purpose.as_bytes());
                assert_eq!(input.with(<[u8]>::to_vec), expected, "{purpose} {record}");
                assert!(expected.len() <= AAD_MAX);
            }
        }
    }

    /// Totals of 80, 81 and 82 bytes: the last in the small stack buffer and the first two past
    /// it: the boundary between the two buffers of `with`.
    #[test]
    fn lays_out_both_sides_of_the_small_buffer() {
        let name = "p".repeat(MAX_NAME_LEN);
        let head = AadHead::new(&name);
        // 70 (head) + 4 (key version) + 2 + 2 + 2 (three empty parts) = 80, then one more byte
        // of id at a time.
        for (id, total) in [(&b""[..], 80), (b"1", 81), (b"12", 82)] {
            let input = AadInput {
                suite: Suite::Aes256Gcm,
                mode: MODE_DIRECT,
                type_byte: 0x02,
                head: &head,
                key_version: 1,
                record: "",
                field: "",
                id,
            };
            let aad = input.with(<[u8]>::to_vec);
            assert_eq!(aad.len(), total);
            assert_eq!(aad, spec(&input, name.as_bytes()));
        }
    }

    /// Every length across the short-copy branches of `put` (0-3, 4-7, 8-16, 17+), for each part.
    #[test]
    fn every_short_length_is_copied_exactly() {
        let text: String = ('a'..='z').collect();
        let head = AadHead::new("marketing");
        for len in 0..=20 {
            let part = &text[..len];
            let cases = [
                (part, "f", &b"i"[..]),
                ("r", part, &b"i"[..]),
                ("r", "f", part.as_bytes()),
            ];
            for (record, field, id) in cases {
                let input = AadInput {
                    suite: Suite::Aes256Gcm,
                    mode: MODE_DIRECT,
                    type_byte: 0x01,
                    head: &head,
                    key_version: 7,
                    record,
                    field,
                    id,
                };
                assert_eq!(
                    input.with(<[u8]>::to_vec),
                    spec(&input, b"marketing"),
                    "{len}"
                );
            }
        }
    }
}
