//! Sealing and opening: fills the FORMAT.md §2 layout with the §5 ciphers under the §6 context.
//!
//! One allocation per seal (the output) and, for values above [`STACK_PLAINTEXT`], one per open;
//! plaintext in any buffer of ours is zeroized before the buffer is freed.

use zeroize::{Zeroize, Zeroizing};

use crate::aead::ValueNonce;
use crate::error::{Error, Result};
use crate::format::{self, AadInput, Header, Layout, MAX_PARTS, MAX_PLAINTEXT, PartRef};
use crate::keyring::KeyState;
use crate::sealed::context::Context;
use crate::sealed::plaintext::{AsPlaintext, Plaintext, type_name};

/// Plaintexts up to this size are opened in a stack buffer, unless the returned value takes over
/// the buffer anyway ([`Plaintext::OWNS_BUFFER`]).
const STACK_PLAINTEXT: usize = 256;

/// Seals `value` once per key in `keys` (FORMAT.md §2). The suite is the first key's.
pub(crate) fn seal<T: Plaintext, V: AsPlaintext<T> + ?Sized>(
    keys: &[&KeyState],
    value: &V,
    ctx: &Context<'_>,
) -> Result<Vec<u8>> {
    value.with_payload(|payload| seal_payload(keys, T::TYPE_BYTE, payload, ctx))
}

/// Seals an encoded plaintext of type `type_byte` once per key in `keys`.
#[inline]
pub(crate) fn seal_payload(
    keys: &[&KeyState],
    type_byte: u8,
    payload: &[u8],
    ctx: &Context<'_>,
) -> Result<Vec<u8>> {
    match keys {
        // One purpose (every field of a derived record, most values): the same code with the
        // count known, so that no loop is laid out around one part.
        [key] => seal_parts(std::slice::from_ref(key), type_byte, payload, ctx),
        _ => seal_parts(keys, type_byte, payload, ctx),
    }
}

/// [`seal_payload`], inlined into each of its two cases.
#[inline(always)]
#[allow(
    clippy::inline_always,
    reason = "inlined into each case of `seal_payload`'s key count, which is the point (callgrind)"
)]
fn seal_parts(
    keys: &[&KeyState],
    type_byte: u8,
    payload: &[u8],
    ctx: &Context<'_>,
) -> Result<Vec<u8>> {
    let (record, field, id) = ctx.parts()?;
    check_distinct(keys)?;
    let suite = keys[0].seal_suite; // checked non-empty above
    let mode = keys[0].mode;
    if let Some(other) = keys.iter().map(|k| k.seal_suite).find(|&s| s != suite) {
        return Err(Error::MixedSuites {
            first: suite,
            other,
        });
    }
    // A value has one key mode: purpose keys and subjects' data keys never mix in it.
    debug_assert!(keys.iter().all(|k| k.mode == mode));
    let ct_len = payload.len();
    if ct_len > MAX_PLAINTEXT {
        return Err(Error::TooLarge {
            len: ct_len,
            max: MAX_PLAINTEXT,
        });
    }
    let layout = Layout {
        suite,
        mode,
        type_byte,
        ct_len,
    };
    let header_len = layout.header_len();
    // Checked: 8 parts of up to 2^30 bytes overflow a 32-bit usize.
    #[allow(
        clippy::unnecessary_lazy_evaluations,
        reason = "an `Error` built eagerly is dropped on every seal (callgrind: 30 instructions)"
    )]
    let total = keys
        .iter()
        .try_fold(header_len, |sum, k| {
            sum.checked_add(layout.part_len(k.purpose.name()))
        })
        // Lazily: an `Error` built eagerly would be dropped on every seal.
        .ok_or_else(|| Error::TooLarge {
            len: ct_len,
            max: MAX_PLAINTEXT,
        })?;
    // One allocation, the output. Wiped if sealing stops before every part is encrypted: an early
    // return (or a panic) must not free plaintext.
    // One nonce for the whole value (FORMAT.md §5): every part is under its own key, and the
    // shared nonce is what binds the parts of this seal together.
    let mut nonce = ValueNonce::unset(suite);
    nonce.fill()?;
    let mut out = WipeUnlessSealed(Vec::with_capacity(total));
    layout.push_header(&mut out.0, keys.len(), nonce.as_bytes());
    for key in keys {
        let active = key.active();
        // The plaintext is copied once, into the part's body, and encrypted there. Zero-filling
        // the body first and copying over it was a second pass over the value (1 MiB sealed at
        // 0.83x of raw aws-lc's throughput).
        let part = layout.push_part(&mut out.0, &key.part_head, payload);
        AadInput {
            suite,
            mode,
            type_byte,
            head: &key.aad_head,
            key_version: active.version,
            record,
            field,
            id,
        }
        .with(|aad| {
            active
                .ciphers
                .seal(&active.secret, suite, &nonce, part.epoch, aad, part.sealed)
        })?;
    }
    Ok(out.sealed())
}

/// A subject-mode value that holds no copy (FORMAT.md §15.1): every purpose it is sealed for
/// needed consent, and none had it. A header alone: no part, `ct_len` 0, a fresh nonce.
pub(crate) fn seal_empty(
    suite: crate::aead::Suite,
    type_byte: u8,
    ctx: &Context<'_>,
) -> Result<Vec<u8>> {
    ctx.check()?;
    let layout = Layout {
        suite,
        mode: format::MODE_SUBJECT,
        type_byte,
        ct_len: 0,
    };
    let nonce = ValueNonce::draw(suite)?;
    let mut out = vec![0u8; layout.header_len()];
    layout.write_header(&mut out, 0, nonce.as_bytes());
    Ok(out)
}

/// The output of a seal in progress: zeroized if dropped, handed over by [`Self::sealed`] once
/// every part is encrypted. Unlike `Zeroizing`, a finished seal costs nothing here: the
/// ciphertext is not wiped on its way out (callgrind: about 40 instructions per seal).
struct WipeUnlessSealed(Vec<u8>);

impl WipeUnlessSealed {
    /// The finished value: every byte of plaintext it held is encrypted.
    fn sealed(mut self) -> Vec<u8> {
        let out = std::mem::take(&mut self.0);
        std::mem::forget(self);
        out
    }
}

impl Drop for WipeUnlessSealed {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

#[inline]
fn check_distinct(keys: &[&KeyState]) -> Result<()> {
    if keys.is_empty() {
        return Err(Error::NoPurpose);
    }
    if keys.len() > MAX_PARTS {
        return Err(Error::TooManyPurposes {
            count: keys.len(),
            max: MAX_PARTS,
        });
    }
    for (i, key) in keys.iter().enumerate().skip(1) {
        // Quadratic, but over at most eight keys.
        if keys[..i].iter().any(|k| k.purpose == key.purpose) {
            return Err(Error::DuplicatePurpose {
                purpose: key.purpose.name().to_owned(),
            });
        }
    }
    Ok(())
}

/// Opens `key`'s part of `bytes` as a `T`.
pub(crate) fn open<T: Plaintext>(key: &KeyState, bytes: &[u8], ctx: &Context<'_>) -> Result<T> {
    check_open(key, bytes, ctx)?;
    // Matched where it is returned, not passed through a `Result`, and borrowed where it lies:
    // moving the header and part out again copied them in 16-byte loads over the narrower
    // stores that had just written them, a stall on every open (perf, 24 B values).
    let found = format::find_part(bytes, key.purpose.name());
    let Some((header, part)) = &found else {
        return Err(no_part(key, bytes));
    };
    open_found(key, header, part, ctx)
}

/// Opens a part already found in a well-formed value whose context and mode the caller checked
/// (subject mode finds the part first, to learn which data key to take).
#[inline]
pub(crate) fn open_found<T: Plaintext>(
    key: &KeyState,
    header: &Header<'_>,
    part: &PartRef<'_>,
    ctx: &Context<'_>,
) -> Result<T> {
    // The type is in the header and authenticated with every part: a mismatch is a caller's
    // mistake, reported before any cryptography.
    if header.type_byte != T::TYPE_BYTE {
        return Err(type_mismatch::<T>(header.type_byte));
    }
    if header.ct_len <= STACK_PLAINTEXT && !T::OWNS_BUFFER {
        let mut stack = [0u8; STACK_PLAINTEXT];
        let buf = &mut stack[..header.ct_len];
        buf.copy_from_slice(part.ciphertext);
        let decoded = open_in(key, header, part, ctx, buf).and_then(|()| T::decode(buf));
        // Only the bytes used ever held plaintext; zeroizing all 256 would cost more than the AEAD.
        buf.zeroize();
        decoded
    } else {
        let mut heap = Zeroizing::new(part.ciphertext.to_vec());
        open_in(key, header, part, ctx, &mut heap)?;
        T::decode_owned(heap)
    }
}

/// The error for a value of type `found` opened as a `T`. Out of line: the name of the type found
/// was looked up (a jump table) on every open, before the comparison (callgrind).
#[cold]
#[inline(never)]
fn type_mismatch<T: Plaintext>(found: u8) -> Error {
    Error::TypeMismatch {
        expected: T::TYPE_NAME,
        found: type_name(found),
    }
}

/// Opens `key`'s part of `bytes` whatever its plaintext type: the type byte and the encoded
/// plaintext, for re-sealing.
pub(crate) fn open_payload(
    key: &KeyState,
    bytes: &[u8],
    ctx: &Context<'_>,
) -> Result<(u8, Zeroizing<Vec<u8>>)> {
    check_open(key, bytes, ctx)?;
    let Some((header, part)) = format::find_part(bytes, key.purpose.name()) else {
        return Err(no_part(key, bytes));
    };
    let mut heap = Zeroizing::new(part.ciphertext.to_vec());
    open_in(key, &header, &part, ctx, &mut heap)?;
    Ok((header.type_byte, heap))
}

/// What is checked before `key`'s part of `bytes` is looked for: the context, and the value's
/// key mode.
#[inline]
fn check_open(key: &KeyState, bytes: &[u8], ctx: &Context<'_>) -> Result<()> {
    ctx.check()?;
    // FORMAT.md §9 step 6: a value of another key mode is refused before its parts are looked at
    // (a well-formed value: its mode byte is a known one).
    if let Some(&mode) = bytes.get(2) {
        if mode != key.mode && format::is_known_mode(mode) {
            return Err(Error::WrongMode {
                found: mode,
                expected: key.mode,
            });
        }
    }
    Ok(())
}

/// Why [`format::find_part`] found nothing: the value is malformed (the exact error), or it holds
/// no part for `key`'s purpose (naming those it holds).
#[cold]
#[inline(never)]
fn no_part(key: &KeyState, bytes: &[u8]) -> Error {
    let purpose = key.purpose.name();
    let mut sealed_for = Vec::new();
    let walked = format::for_each_part(bytes, |p| sealed_for.push(p.purpose_name().to_owned()));
    match walked {
        Err(malformed) => malformed,
        // Unreachable while find_part and for_each_part check the same things (a test walks
        // every truncation and bit flip through both); if they ever disagree, fail closed rather
        // than name a purpose the value holds as missing.
        Ok(_) if sealed_for.iter().any(|p| p == purpose) => {
            debug_assert!(false, "find_part and for_each_part disagree");
            Error::OPAQUE
        }
        Ok(_) => Error::NotSealedFor {
            purpose: purpose.to_owned(),
            sealed_for,
        },
    }
}

/// Decrypts `part` in place in `buf`, which holds a copy of its ciphertext.
#[inline]
fn open_in(
    key: &KeyState,
    header: &Header<'_>,
    part: &PartRef<'_>,
    ctx: &Context<'_>,
    buf: &mut [u8],
) -> Result<()> {
    let version = key.version(part.key_version)?;
    decrypt(key, version, header, part, ctx, buf).map_err(|()| cannot_open(key, header, part, ctx))
}

/// Decrypts `part` in place in `buf` with `version` of `key`, its associated data built from
/// `ctx` (FORMAT.md §6); `Err(())` if it does not authenticate.
#[inline]
fn decrypt(
    key: &KeyState,
    version: &crate::keyring::VersionKey,
    header: &Header<'_>,
    part: &PartRef<'_>,
    ctx: &Context<'_>,
    buf: &mut [u8],
) -> Result<(), ()> {
    AadInput {
        suite: header.suite,
        mode: header.mode,
        type_byte: header.type_byte,
        head: &key.aad_head,
        key_version: part.key_version,
        record: ctx.record(),
        field: ctx.field(),
        id: ctx.id(),
    }
    .with(|aad| {
        version.ciphers.open(
            &version.secret,
            header.suite,
            header.nonce,
            part.epoch,
            aad,
            buf,
            part.tag,
        )
    })
}

/// The failure to open `part` under `ctx`: opaque, but for a debug build's hint
/// (src/sealed/hint.rs) at which part of the context differs.
#[cold]
#[inline(never)]
#[allow(unused_variables, reason = "release and fuzzing builds do not search")]
fn cannot_open(
    key: &KeyState,
    header: &Header<'_>,
    part: &PartRef<'_>,
    ctx: &Context<'_>,
) -> Error {
    #[cfg(all(debug_assertions, not(fuzzing)))]
    if part.ciphertext.len() <= HINT_MAX_LEN {
        // One buffer for every try, wiped when dropped.
        let mut buf = Zeroizing::new(Vec::with_capacity(part.ciphertext.len()));
        let hint = crate::sealed::hint::search(ctx.record(), ctx.field(), ctx.id(), |r, f, i| {
            opens_under(key, header, part, &Context::new(r, f).with_id(i), &mut buf)
        });
        if let Some(hint) = hint {
            return Error::CannotOpen {
                hint: Some(Box::new(hint)),
            };
        }
    }
    Error::OPAQUE
}

/// Values above this size get no hint: each try decrypts the whole value again.
#[cfg(all(debug_assertions, not(fuzzing)))]
const HINT_MAX_LEN: usize = 64 * 1024;

/// Whether `part` opens under `ctx` (a debug build's hint only), decrypting into `buf`.
#[cfg(all(debug_assertions, not(fuzzing)))]
fn opens_under(
    key: &KeyState,
    header: &Header<'_>,
    part: &PartRef<'_>,
    ctx: &Context<'_>,
    buf: &mut Vec<u8>,
) -> bool {
    if ctx.check().is_err() {
        return false;
    }
    let Ok(version) = key.version(part.key_version) else {
        return false;
    };
    buf.clear();
    buf.extend_from_slice(part.ciphertext);
    decrypt(key, version, header, part, ctx, buf).is_ok()
}
