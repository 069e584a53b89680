//! FORMAT.md §2: the binary layout of a sealed value.
//!
//! ```text
//! value = version:u8 suite:u8 mode:u8 type:u8 count:u8 ct_len:u32be nonce[N] part{count}
//! part  = name_len:u8 name key_version:u32be epoch[E] ciphertext[ct_len] tag[16]
//! ```
//! `N` and `E` are the suite's ([`Suite::nonce_len`], [`Suite::epoch_len`]). Every part holds the
//! same plaintext sealed for its own purpose, under its own key and the value's one nonce, so they
//! share `type`, `ct_len` and `nonce`: the shared nonce is what ties the parts of one value
//! together (FORMAT.md §5).
//!
//! [`parse`] checks everything (it runs when a value comes in from outside); [`find_part`] only
//! walks the lengths to find one part (it runs on every open of a value already checked). Both
//! check every length before reading: hostile input is an error, never a panic or an allocation.

use crate::aead::{Suite, TAG_LEN};
use crate::error::{Error, Malformed, Result};
use crate::format::{
    FORMAT_VERSION, MAX_PARTS, MAX_PLAINTEXT, MODE_SUBJECT, fixed_payload_len, is_known_mode,
    is_known_type,
};
use crate::purpose::{MAX_NAME_LEN, validate_name};

/// Bytes before the nonce: version, suite, mode, type, count, ct_len.
pub(crate) const FIXED_HEADER_LEN: usize = 9;

/// The header of a value, its nonce borrowed from the value's bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Header<'a> {
    pub(crate) suite: Suite,
    pub(crate) mode: u8,
    pub(crate) type_byte: u8,
    pub(crate) count: usize,
    pub(crate) ct_len: usize,
    /// The value's nonce, shared by its parts: [`Suite::nonce_len`] bytes.
    pub(crate) nonce: &'a [u8],
}

/// One part of a value, borrowed from the value's bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PartRef<'a> {
    /// The purpose name's bytes: valid UTF-8 once [`parse`] accepted the value.
    pub(crate) purpose: &'a [u8],
    pub(crate) key_version: u32,
    /// The part's epoch id: [`Suite::epoch_len`] bytes (none for XChaCha20-Poly1305).
    pub(crate) epoch: &'a [u8],
    pub(crate) ciphertext: &'a [u8],
    pub(crate) tag: &'a [u8; TAG_LEN],
}

impl PartRef<'_> {
    /// The purpose name. Lossless for any value [`parse`] accepted.
    pub(crate) fn purpose_name(&self) -> &str {
        std::str::from_utf8(self.purpose).unwrap_or("<invalid>")
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8]> {
        let rest = self.bytes.len() - self.pos;
        if rest < n {
            return Err(Malformed::Truncated {
                what,
                offset: self.pos,
                needed: n - rest,
            }
            .into());
        }
        let out = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8> {
        Ok(self.take(1, what)?[0])
    }

    fn u32(&mut self, what: &'static str) -> Result<u32> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// FORMAT.md §9 step 1, in the order the bytes come: version, suite, mode, type, count,
    /// `ct_len` (its limit, then the fixed width of the type), nonce.
    fn header(&mut self) -> Result<Header<'a>> {
        let version = self.u8("version")?;
        if version != FORMAT_VERSION {
            return Err(Error::UnknownVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let suite = Suite::from_id(self.u8("suite")?)?;
        let mode = self.u8("mode")?;
        if !is_known_mode(mode) {
            return Err(Error::UnknownMode { found: mode });
        }
        let type_byte = self.u8("plaintext type")?;
        if !is_known_type(type_byte) {
            return Err(Error::UnknownPlaintextType { found: type_byte });
        }
        let count = usize::from(self.u8("part count")?);
        // FORMAT.md §15: only a subject-mode value may hold no part.
        if count == 0 && mode != MODE_SUBJECT {
            return Err(Malformed::NoParts.into());
        }
        if count > MAX_PARTS {
            return Err(Malformed::TooManyParts {
                count,
                max: MAX_PARTS,
            }
            .into());
        }
        let ct_len = self.u32("ciphertext length")? as usize;
        if ct_len > MAX_PLAINTEXT {
            return Err(Malformed::BadLength { len: ct_len }.into());
        }
        if count == 0 && ct_len != 0 {
            return Err(Malformed::EmptyWithLength { len: ct_len }.into());
        }
        if let Some(expected) = fixed_payload_len(type_byte).filter(|&n| n != ct_len && count > 0) {
            return Err(Malformed::PayloadLength {
                type_byte,
                expected,
                found: ct_len,
            }
            .into());
        }
        let nonce = self.take(suite.nonce_len(), "nonce")?;
        Ok(Header {
            suite,
            mode,
            type_byte,
            count,
            ct_len,
            nonce,
        })
    }

    fn part(&mut self, header: &Header<'_>) -> Result<PartRef<'a>> {
        let name_len = usize::from(self.u8("purpose length")?);
        let purpose = self.take(name_len, "purpose name")?;
        let key_version = self.u32("key version")?;
        if key_version == 0 {
            return Err(Malformed::ZeroKeyVersion.into());
        }
        let epoch = self.take(header.suite.epoch_len(), "epoch id")?;
        let ciphertext = self.take(header.ct_len, "ciphertext")?;
        let tag = self
            .take(TAG_LEN, "tag")?
            .try_into()
            .expect("take returned TAG_LEN bytes");
        Ok(PartRef {
            purpose,
            key_version,
            epoch,
            ciphertext,
            tag,
        })
    }

    fn end(&self) -> Result<()> {
        match self.bytes.len() - self.pos {
            0 => Ok(()),
            count => Err(Malformed::TrailingBytes { count }.into()),
        }
    }
}

/// Checks a value completely (FORMAT.md §2, §9 step 1): header, lengths, purpose names, no
/// duplicate purpose, no trailing bytes. Returns the header and the purpose names in part order.
pub(crate) fn parse(bytes: &[u8]) -> Result<(Header<'_>, Vec<&str>)> {
    let mut r = Reader { bytes, pos: 0 };
    let header = r.header()?;
    let mut names: Vec<&str> = Vec::with_capacity(header.count);
    for index in 0..header.count {
        let part = r.part(&header)?;
        let name = std::str::from_utf8(part.purpose)
            .ok()
            .filter(|n| validate_name(n).is_ok())
            .ok_or(Malformed::BadPurposeName { index })?;
        if names.contains(&name) {
            return Err(Malformed::DuplicatePurpose {
                purpose: name.to_owned(),
            }
            .into());
        }
        names.push(name);
    }
    r.end()?;
    Ok((header, names))
}

/// Walks a value's parts, calling `f` on each in order.
pub(crate) fn for_each_part<'a>(
    bytes: &'a [u8],
    mut f: impl FnMut(&PartRef<'a>),
) -> Result<Header<'a>> {
    let mut r = Reader { bytes, pos: 0 };
    let header = r.header()?;
    for _ in 0..header.count {
        f(&r.part(&header)?);
    }
    r.end()?;
    Ok(header)
}

/// Finds the part of `purpose` in a well-formed value. `None` if the value is malformed or holds
/// no such part: [`for_each_part`] then says which.
///
/// Runs on every open, so it makes the same checks as [`Reader`] without building errors or
/// walking the value twice.
#[inline]
pub(crate) fn find_part<'a>(bytes: &'a [u8], purpose: &str) -> Option<(Header<'a>, PartRef<'a>)> {
    let purpose = purpose.as_bytes();
    let (head, rest) = bytes.split_at_checked(FIXED_HEADER_LEN)?;
    let suite = Suite::from_id(head[1]).ok()?;
    let mode = head[2];
    let type_byte = head[3];
    let count = usize::from(head[4]);
    let ct_len = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) as usize;
    let valid = head[0] == FORMAT_VERSION
        && is_known_mode(mode)
        && is_known_type(type_byte)
        && count <= MAX_PARTS
        && ct_len <= MAX_PLAINTEXT
        && if count == 0 {
            mode == MODE_SUBJECT && ct_len == 0
        } else {
            fixed_payload_len(type_byte).is_none_or(|n| n == ct_len)
        };
    if !valid {
        return None;
    }
    let (nonce, rest) = rest.split_at_checked(suite.nonce_len())?;
    let epoch_len = suite.epoch_len();
    let part = match count {
        // One part (a value sealed for one purpose): the same walk with the count known, so
        // that no loop state is kept around a single part.
        1 => walk_parts(rest, 1, epoch_len, ct_len, purpose),
        _ => walk_parts(rest, count, epoch_len, ct_len, purpose),
    }?;
    let header = Header {
        suite,
        mode,
        type_byte,
        count,
        ct_len,
        nonce,
    };
    Some((header, part))
}

/// Walks the `count` parts in `rest` (what follows a value's nonce) and returns that of `purpose`,
/// once every part and the end of the value are checked: [`find_part`]'s walk, inlined into each
/// of its two cases.
#[inline(always)]
#[allow(
    clippy::inline_always,
    reason = "inlined into each case of `find_part`'s count, which is the point (callgrind)"
)]
fn walk_parts<'a>(
    mut rest: &'a [u8],
    count: usize,
    epoch_len: usize,
    ct_len: usize,
    purpose: &[u8],
) -> Option<PartRef<'a>> {
    let mut found = None;
    for _ in 0..count {
        let (&name_len, after) = rest.split_first()?;
        let (name, after) = after.split_at_checked(usize::from(name_len))?;
        let (version, after) = after.split_at_checked(4)?;
        let (epoch, after) = after.split_at_checked(epoch_len)?;
        let (ciphertext, after) = after.split_at_checked(ct_len)?;
        let (tag, after) = after.split_at_checked(TAG_LEN)?;
        rest = after;
        if version == [0; 4] {
            return None;
        }
        if found.is_none() && same_name(name, purpose) {
            found = Some(PartRef {
                purpose: name,
                key_version: u32::from_be_bytes(version.try_into().ok()?),
                epoch,
                ciphertext,
                tag: tag.try_into().ok()?,
            });
        }
    }
    // The whole value is checked, trailing bytes included, before a part is handed out.
    found.filter(|_| rest.is_empty())
}

/// Whether two purpose names are the same. Names are public (no constant time needed) and short:
/// those of 4 to 16 bytes are compared as two overlapping words each, without a call to `bcmp`
/// (callgrind: about 20 instructions less per open). Always inlined: outlined, its call cost
/// what the words saved.
#[inline(always)]
#[allow(
    clippy::inline_always,
    reason = "outlined, its call cost what the words saved (callgrind)"
)]
fn same_name(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if (8..=16).contains(&n) {
        let word =
            |s: &[u8], at: usize| u64::from_ne_bytes(s[at..at + 8].try_into().unwrap_or([0; 8]));
        (word(a, 0) == word(b, 0)) & (word(a, n - 8) == word(b, n - 8))
    } else if (4..8).contains(&n) {
        let word =
            |s: &[u8], at: usize| u32::from_ne_bytes(s[at..at + 4].try_into().unwrap_or([0; 4]));
        (word(a, 0) == word(b, 0)) & (word(a, n - 4) == word(b, n - 4))
    } else {
        a == b
    }
}

/// The start of every part one purpose key version seals, `name_len name key_version epoch`
/// (FORMAT.md §2), the epoch id zero (sealing fills it in): laid out once per key, so that a
/// seal appends it in one piece rather than four (callgrind: about 20 instructions a part).
pub(crate) struct PartHead {
    bytes: [u8; 1 + MAX_NAME_LEN + 4 + 8],
    len: usize,
    suite: Suite,
}

impl PartHead {
    /// The head of the parts of `purpose` (a valid purpose name, at most [`MAX_NAME_LEN`]
    /// bytes) under `key_version`, in values of `suite`.
    pub(crate) fn new(purpose: &str, key_version: u32, suite: Suite) -> Self {
        let name = purpose.as_bytes();
        let mut bytes = [0u8; 1 + MAX_NAME_LEN + 4 + 8];
        bytes[0] = u8::try_from(name.len()).expect("purpose names are at most 64 bytes");
        bytes[1..=name.len()].copy_from_slice(name);
        bytes[1 + name.len()..5 + name.len()].copy_from_slice(&key_version.to_be_bytes());
        Self {
            bytes,
            len: 5 + name.len() + suite.epoch_len(),
            suite,
        }
    }

    #[inline]
    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// The shape of a value being written, for the sealing code to fill (FORMAT.md §2).
pub(crate) struct Layout {
    pub(crate) suite: Suite,
    pub(crate) mode: u8,
    pub(crate) type_byte: u8,
    pub(crate) ct_len: usize,
}

/// The regions of one part that sealing fills: epoch id, plaintext (encrypted in place) and tag.
pub(crate) struct PartMut<'a> {
    pub(crate) epoch: &'a mut [u8],
    /// The body (`ct_len` bytes) and the tag after it, adjacent: sealed in one call.
    pub(crate) sealed: &'a mut [u8],
}

impl Layout {
    /// Length of the header, nonce included.
    #[inline]
    pub(crate) fn header_len(&self) -> usize {
        FIXED_HEADER_LEN + self.suite.nonce_len()
    }

    /// Length of a part of purpose `purpose`.
    #[inline]
    pub(crate) fn part_len(&self, purpose: &str) -> usize {
        1 + purpose.len() + 4 + self.suite.epoch_len() + self.ct_len + TAG_LEN
    }

    /// Writes the header into the first [`header_len`](Self::header_len) bytes of `out`, the
    /// nonce (`nonce.len()` is the suite's nonce length) included.
    #[inline]
    pub(crate) fn write_header(&self, out: &mut [u8], count: usize, nonce: &[u8]) {
        let ct_len = u32::try_from(self.ct_len).expect("ct_len checked against MAX_PLAINTEXT");
        let [a, b, c, d] = ct_len.to_be_bytes();
        let count = u8::try_from(count).expect("count checked against MAX_PARTS");
        out[..FIXED_HEADER_LEN].copy_from_slice(&[
            FORMAT_VERSION,
            self.suite.id(),
            self.mode,
            self.type_byte,
            count,
            a,
            b,
            c,
            d,
        ]);
        // Copied in the 8- and 4-byte pieces the generator wrote them in (`rng::draw_into`): a
        // `memcpy` of 12 bytes reads two overlapping 8-byte words, and the second spans both
        // stores, which cannot be forwarded to it: a stall on every seal (perf).
        debug_assert_eq!(nonce.len(), self.suite.nonce_len());
        let out = &mut out[FIXED_HEADER_LEN..];
        for (out, nonce) in out[..nonce.len()]
            .chunks_exact_mut(12)
            .zip(nonce.chunks_exact(12))
        {
            out[..8].copy_from_slice(&nonce[..8]);
            out[8..12].copy_from_slice(&nonce[8..12]);
        }
    }

    /// Appends the header to `out` (see [`Self::write_header`]). Sealing appends the value in
    /// order, each piece once: zero-filling regions first and writing over them cost a `memset`
    /// call per region, four per one-part value (perf, 10-field records).
    #[inline]
    pub(crate) fn push_header(&self, out: &mut Vec<u8>, count: usize, nonce: &[u8]) {
        const MAX_HEADER: usize = FIXED_HEADER_LEN + 24;
        let mut header = [0u8; MAX_HEADER];
        let len = self.header_len();
        self.write_header(&mut header[..len], count, nonce);
        // A fixed length per suite: the copy is inlined, with no call to `memcpy`.
        match self.suite {
            Suite::Aes256Gcm => out.extend_from_slice(&header[..FIXED_HEADER_LEN + 12]),
            Suite::XChaCha20Poly1305 => out.extend_from_slice(&header[..FIXED_HEADER_LEN + 24]),
        }
    }

    /// Appends a part to `out`, starting with `head` (its purpose and key version, made for this
    /// layout's suite), `payload` in its body (to be encrypted in place) and zeros in its epoch id
    /// and tag, and hands back those regions to fill.
    #[inline]
    pub(crate) fn push_part<'a>(
        &self,
        out: &'a mut Vec<u8>,
        head: &PartHead,
        payload: &[u8],
    ) -> PartMut<'a> {
        debug_assert_eq!(payload.len(), self.ct_len);
        debug_assert_eq!(head.suite, self.suite);
        out.extend_from_slice(head.as_bytes());
        let epoch_at = out.len() - self.suite.epoch_len();
        out.extend_from_slice(payload);
        out.extend_from_slice(&[0; TAG_LEN]);
        let (epoch, sealed) = out[epoch_at..].split_at_mut(self.suite.epoch_len());
        PartMut { epoch, sealed }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A well-formed two-part value: `fulfillment` (key version 1), `marketing` (version 2).
    fn value() -> Vec<u8> {
        let layout = Layout {
            suite: Suite::Aes256Gcm,
            mode: crate::format::MODE_DIRECT,
            type_byte: 0x01,
            ct_len: 5,
        };
        let names = ["fulfillment", "marketing"];
        let total = layout.header_len() + names.iter().map(|n| layout.part_len(n)).sum::<usize>();
        let mut out = Vec::new();
        layout.push_header(&mut out, names.len(), &[0x99; 12]);
        for (version, name) in (1..).zip(names) {
            let head = PartHead::new(name, version, layout.suite);
            let part = layout.push_part(&mut out, &head, &[0xbb; 5]);
            part.epoch.fill(0xaa);
            part.sealed[layout.ct_len..].fill(0xcc);
        }
        assert_eq!(out.len(), total);
        out
    }

    type Seen = (usize, Vec<u8>, u32, Vec<u8>, Vec<u8>, [u8; TAG_LEN]);

    fn seen(header: &Header<'_>, part: &PartRef<'_>) -> Seen {
        (
            header.ct_len,
            header.nonce.to_vec(),
            part.key_version,
            part.epoch.to_vec(),
            part.ciphertext.to_vec(),
            *part.tag,
        )
    }

    /// What the full walk finds for `purpose`: `None` when the value is malformed or holds no
    /// such part.
    fn walked(bytes: &[u8], purpose: &str) -> Option<Seen> {
        let mut found = None;
        let header = for_each_part(bytes, |part| {
            if found.is_none() && part.purpose == purpose.as_bytes() {
                found = Some(*part);
            }
        })
        .ok()?;
        found.map(|part| seen(&header, &part))
    }

    fn agree(bytes: &[u8], purpose: &str) {
        let fast = find_part(bytes, purpose).map(|(h, p)| seen(&h, &p));
        assert_eq!(fast, walked(bytes, purpose), "{purpose}");
    }

    /// Every length across the word-compare branches of `same_name` (0-3, 4-7, 8-16, 17+), with
    /// each byte changed in turn and each length differing by one.
    #[test]
    fn same_name_agrees_with_slice_equality() {
        let text: Vec<u8> = (b'a'..=b'z').collect();
        for len in 0..=20 {
            let a = &text[..len];
            assert!(same_name(a, a));
            for at in 0..len {
                let mut b = a.to_vec();
                b[at] ^= 1;
                assert!(!same_name(a, &b), "{len} {at}");
            }
            assert!(!same_name(a, &text[..=len]));
            assert!(!same_name(&text[..=len], a));
        }
    }

    #[test]
    fn find_part_agrees_with_the_full_walk_on_every_truncation_and_bit_flip() {
        let good = value();
        assert_eq!(find_part(&good, "marketing").unwrap().1.key_version, 2);
        assert!(find_part(&good, "analytics").is_none());
        for purpose in ["fulfillment", "marketing", "analytics"] {
            agree(&good, purpose);
            for len in 0..good.len() {
                agree(&good[..len], purpose);
            }
            for bit in 0..good.len() * 8 {
                let mut bad = good.clone();
                bad[bit / 8] ^= 1 << (bit % 8);
                agree(&bad, purpose);
            }
            let mut longer = good.clone();
            longer.push(0);
            agree(&longer, purpose);
        }
    }
}
