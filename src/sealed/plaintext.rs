//! FORMAT.md §8: plaintext encodings. The value's header names the type (the type byte, bound to
//! every part's associated data), so a value opened as the wrong type is a clear
//! [`Error::TypeMismatch`], not a wrong value.
//!
//! | type | type byte | payload |
//! |---|---|---|
//! | `String` | `0x01` | UTF-8 bytes |
//! | `Vec<u8>` | `0x02` | the bytes |
//! | `bool` | `0x03` | `0x00` or `0x01` |
//! | `u8` `u16` `u32` `u64` `u128` | `0x04`..`0x08` | big-endian, fixed width |
//! | `i8` `i16` `i32` `i64` `i128` | `0x09`..`0x0d` | big-endian two's complement, fixed width |
//! | [`Json<T>`] | `0x10` | the JSON text of `T` (serde_json) |

use serde::Serialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

mod private {
    pub trait Sealed {}

    /// Seals `AsPlaintext`: only this crate says what can stand for a plaintext type.
    pub trait SealedAs<T> {}
}

/// A type that can be sealed: one of the types of FORMAT.md §8. Any serde type seals as
/// [`Json<T>`]. The set is closed so that type bytes stay stable across releases.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sealed directly",
    label = "not a fieldseal plaintext type",
    note = "sealable: String, Vec<u8>, bool, the integer types, and `fieldseal::Json(value)` for \
            any serde type"
)]
pub trait Plaintext: private::Sealed + Sized {
    /// FORMAT.md §8: the type byte.
    const TYPE_BYTE: u8;
    /// The type's name in error messages.
    const TYPE_NAME: &'static str;

    /// Whether the decoded value can take over the decryption buffer (`String`, `Vec<u8>`): then
    /// opening decrypts straight into the returned value's allocation.
    #[doc(hidden)]
    const OWNS_BUFFER: bool = false;

    /// Calls `f` with the payload bytes (without the type byte).
    #[doc(hidden)]
    fn with_payload<R>(&self, f: impl FnOnce(&[u8]) -> Result<R>) -> Result<R>;

    /// Decodes a payload.
    #[doc(hidden)]
    fn decode(payload: &[u8]) -> Result<Self>;

    /// Decodes a payload it may keep, avoiding a copy where the type allows.
    #[doc(hidden)]
    fn decode_owned(payload: Zeroizing<Vec<u8>>) -> Result<Self> {
        Self::decode(&payload)
    }
}

/// What can be sealed as a `T`: every plaintext type as itself, and the borrowed forms `str` (as
/// `String`) and `[u8]` (as `Vec<u8>`), so that `Sealed::<String, P>::seal("Ada", ..)` needs no
/// allocation.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sealed as `{T}`",
    label = "not a fieldseal plaintext",
    note = "sealable: String (or &str), Vec<u8> (or &[u8]), bool, the integer types, and \
            `fieldseal::Json(value)` for any serde type"
)]
pub trait AsPlaintext<T: Plaintext>: private::SealedAs<T> {
    /// Calls `f` with the payload bytes of `T`'s encoding.
    #[doc(hidden)]
    fn with_payload<R>(&self, f: impl FnOnce(&[u8]) -> Result<R>) -> Result<R>;
}

impl<T: Plaintext> private::SealedAs<T> for T {}
impl<T: Plaintext> AsPlaintext<T> for T {
    #[inline]
    fn with_payload<R>(&self, f: impl FnOnce(&[u8]) -> Result<R>) -> Result<R> {
        Plaintext::with_payload(self, f)
    }
}

impl private::SealedAs<String> for str {}
impl AsPlaintext<String> for str {
    #[inline]
    fn with_payload<R>(&self, f: impl FnOnce(&[u8]) -> Result<R>) -> Result<R> {
        f(self.as_bytes())
    }
}

impl private::SealedAs<Vec<u8>> for [u8] {}
impl AsPlaintext<Vec<u8>> for [u8] {
    #[inline]
    fn with_payload<R>(&self, f: impl FnOnce(&[u8]) -> Result<R>) -> Result<R> {
        f(self)
    }
}

/// A borrowed serde value seals as `Json<T>` without a copy: `Json(&address)`.
impl<T: Serialize + DeserializeOwned> AsPlaintext<Json<T>> for Json<&T> {
    #[inline]
    fn with_payload<R>(&self, f: impl FnOnce(&[u8]) -> Result<R>) -> Result<R> {
        json_payload(self.0, f)
    }
}

impl<T: Serialize + DeserializeOwned> private::SealedAs<Json<T>> for Json<&T> {}

/// The name of the type with this type byte, for [`Error::TypeMismatch`].
pub(crate) fn type_name(byte: u8) -> &'static str {
    match byte {
        0x01 => "String",
        0x02 => "Vec<u8>",
        0x03 => "bool",
        0x04 => "u8",
        0x05 => "u16",
        0x06 => "u32",
        0x07 => "u64",
        0x08 => "u128",
        0x09 => "i8",
        0x0a => "i16",
        0x0b => "i32",
        0x0c => "i64",
        0x0d => "i128",
        0x10 => "JSON",
        _ => "an unknown type",
    }
}

fn bad<T: Plaintext>(reason: impl Into<String>) -> Error {
    Error::PlaintextEncoding {
        ty: T::TYPE_NAME,
        reason: reason.into(),
    }
}

impl private::Sealed for String {}
impl Plaintext for String {
    const TYPE_BYTE: u8 = 0x01;
    const TYPE_NAME: &'static str = "String";
    const OWNS_BUFFER: bool = true;

    #[inline]
    fn with_payload<R>(&self, f: impl FnOnce(&[u8]) -> Result<R>) -> Result<R> {
        f(self.as_bytes())
    }

    fn decode(payload: &[u8]) -> Result<Self> {
        std::str::from_utf8(payload)
            .map(str::to_owned)
            .map_err(|e| bad::<Self>(format!("invalid UTF-8 at byte {}", e.valid_up_to())))
    }

    fn decode_owned(mut payload: Zeroizing<Vec<u8>>) -> Result<Self> {
        // On success the buffer is handed over: the plaintext now belongs to the caller.
        String::from_utf8(std::mem::take(&mut *payload)).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            drop(Zeroizing::new(e.into_bytes()));
            bad::<Self>(format!("invalid UTF-8 at byte {at}"))
        })
    }
}

impl private::Sealed for Vec<u8> {}
impl Plaintext for Vec<u8> {
    const TYPE_BYTE: u8 = 0x02;
    const TYPE_NAME: &'static str = "Vec<u8>";
    const OWNS_BUFFER: bool = true;

    #[inline]
    fn with_payload<R>(&self, f: impl FnOnce(&[u8]) -> Result<R>) -> Result<R> {
        f(self)
    }

    fn decode(payload: &[u8]) -> Result<Self> {
        Ok(payload.to_vec())
    }

    #[inline]
    fn decode_owned(mut payload: Zeroizing<Vec<u8>>) -> Result<Self> {
        Ok(std::mem::take(&mut *payload))
    }
}

impl private::Sealed for bool {}
impl Plaintext for bool {
    const TYPE_BYTE: u8 = 0x03;
    const TYPE_NAME: &'static str = "bool";

    #[inline]
    fn with_payload<R>(&self, f: impl FnOnce(&[u8]) -> Result<R>) -> Result<R> {
        f(&[u8::from(*self)])
    }

    fn decode(payload: &[u8]) -> Result<Self> {
        match payload {
            [0] => Ok(false),
            [1] => Ok(true),
            _ => Err(bad::<Self>("a bool is one byte, 0x00 or 0x01")),
        }
    }
}

macro_rules! integer {
    ($($ty:ty => $byte:literal),* $(,)?) => {$(
        impl private::Sealed for $ty {}
        impl Plaintext for $ty {
            const TYPE_BYTE: u8 = $byte;
            const TYPE_NAME: &'static str = stringify!($ty);

            #[inline]
            fn with_payload<R>(&self, f: impl FnOnce(&[u8]) -> Result<R>) -> Result<R> {
                f(&self.to_be_bytes())
            }

            fn decode(payload: &[u8]) -> Result<Self> {
                payload
                    .try_into()
                    .map(<$ty>::from_be_bytes)
                    .map_err(|_| bad::<Self>(format!(
                        "expected {} bytes, found {}",
                        std::mem::size_of::<$ty>(),
                        payload.len()
                    )))
            }
        }
    )*};
}

integer! {
    u8 => 0x04, u16 => 0x05, u32 => 0x06, u64 => 0x07, u128 => 0x08,
    i8 => 0x09, i16 => 0x0a, i32 => 0x0b, i64 => 0x0c, i128 => 0x0d,
}

/// Any serde type, sealed as its JSON text (FORMAT.md §8, type byte `0x10`).
///
/// **Transient copies** (decided before 1.0, SECURITY.md): the JSON text is written into a buffer
/// that is wiped, and the decrypted payload is wiped after decoding, but two copies are not ours
/// to wipe. Sealing decodes the JSON once more into a `T` and drops it, to refuse a value that
/// would not open again (serde_json writes a NaN as `null`, and a type whose `Serialize` and
/// `Deserialize` disagree is caught the same way): losing data silently is worse than a copy in
/// freed memory. And serde_json decodes escaped strings through scratch buffers of its own. Seal
/// the most sensitive fields as `String`, `Vec<u8>` or integers, which leave no copy behind.
///
/// ```
/// use fieldseal::Json;
/// #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
/// struct Address { street: String, city: String }
/// let address = Json(Address { street: "1 Main St".into(), city: "Springfield".into() });
/// # let _ = address;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The wrapped value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: Serialize + DeserializeOwned> private::Sealed for Json<T> {}
impl<T: Serialize + DeserializeOwned> Plaintext for Json<T> {
    const TYPE_BYTE: u8 = 0x10;
    const TYPE_NAME: &'static str = "JSON";

    #[inline]
    fn with_payload<R>(&self, f: impl FnOnce(&[u8]) -> Result<R>) -> Result<R> {
        json_payload(&self.0, f)
    }

    fn decode(payload: &[u8]) -> Result<Self> {
        read_json(payload)
            .map(Json)
            .map_err(|e| bad::<Self>(json_reason(&e)))
    }
}

/// The JSON text of `value`, refused if it would not decode back (serde_json writes a NaN or
/// infinite float as `null`, which then fails to open): sealing it would lose the data. The check
/// decodes the JSON once more; `Json` is for structured fields, where that is cheap beside
/// serialization itself.
fn json_payload<T: Serialize + DeserializeOwned, R>(
    value: &T,
    f: impl FnOnce(&[u8]) -> Result<R>,
) -> Result<R> {
    let unsealable = |reason: String| Error::Unsealable { ty: "JSON", reason };
    // The serializer owns the buffer (dropped, and wiped, if serializing fails): writing through
    // `&mut WipingBuffer` went through std's forwarding `Write` impl, a call per token.
    let mut serializer = serde_json::Serializer::new(WipingBuffer::default());
    value
        .serialize(&mut serializer)
        .map_err(|e| unsealable(json_reason(&e)))?;
    let text = serializer.into_inner().0;
    if let Err(e) = read_json::<T>(&text) {
        return Err(unsealable(format!(
            "its JSON would not decode back ({}); a NaN or infinite float is the usual cause",
            json_reason(&e)
        )));
    }
    f(&text)
}

/// Reads JSON text as a `T`: checked as UTF-8 once, in a pass over the whole text (ASCII a word
/// at a time), then parsed as `str`; parsing bytes checks every string it meets again (about
/// 400 instructions for an address, callgrind). Text that is not UTF-8 is parsed as bytes, for
/// serde_json's own error and position.
fn read_json<T: DeserializeOwned>(text: &[u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(text) {
        Ok(json) => serde_json::from_str(json),
        Err(_) => serde_json::from_slice(text),
    }
}

/// A growable buffer that wipes what it leaves behind: `serde_json::to_vec` grows a plain `Vec`,
/// and every reallocation frees an unwiped copy of the JSON so far.
#[derive(Default)]
struct WipingBuffer(Zeroizing<Vec<u8>>);

/// The first allocation of a [`WipingBuffer`]: room for most structured fields (an address is
/// 60-120 bytes of JSON), so that they never grow and are wiped once.
const FIRST_CAPACITY: usize = 128;

impl WipingBuffer {
    /// Appends `bytes`, moving to a larger buffer (and wiping the old one) when they do not fit.
    #[inline]
    fn append(&mut self, bytes: &[u8]) {
        if bytes.len() > self.0.capacity() - self.0.len() {
            self.grow(bytes.len());
        }
        self.0.extend_from_slice(bytes);
    }

    /// Makes room for `more` bytes. Out of line: serde_json writes a value token by token, and
    /// with this beside each write, the writes were not inlined (callgrind: a record's address
    /// cost about 880 instructions in calls to `write_all`).
    #[cold]
    #[inline(never)]
    fn grow(&mut self, more: usize) {
        let needed = self.0.len() + more;
        if self.0.capacity() == 0 {
            // Nothing to wipe yet: no copy, no `memset` of an empty buffer (perf, records).
            self.0.reserve_exact(needed.max(FIRST_CAPACITY));
        } else {
            let mut grown = Zeroizing::new(Vec::with_capacity(needed.next_power_of_two()));
            grown.extend_from_slice(&self.0);
            // The old buffer is dropped here, and wiped.
            self.0 = grown;
        }
    }
}

/// serde_json writes a value token by token (`{`, a quote, a key, ...) through `write_all`, whose
/// default loops over `write`: both are implemented here and inlined, so that a one-byte token
/// costs a capacity check and a store (callgrind: the JSON text of a three-member address cost
/// 1,400 instructions in this buffer's `write` before).
impl std::io::Write for WipingBuffer {
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.append(bytes);
        Ok(bytes.len())
    }

    #[inline]
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.append(bytes);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// serde_json's messages can quote the input ("invalid type: string \"alice\""): keep only the
/// category and position, never content.
fn json_reason(e: &serde_json::Error) -> String {
    let category = match e.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "not valid JSON",
        serde_json::error::Category::Data => "the JSON does not fit the type",
        serde_json::error::Category::Eof => "the JSON ends early",
    };
    if e.line() == 0 {
        // Raised while writing (a map with non-string keys, say): no position to give.
        category.to_owned()
    } else {
        format!("{category} at line {} column {}", e.line(), e.column())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round<T: Plaintext + PartialEq + std::fmt::Debug>(v: &T) {
        let bytes = v.with_payload(|p| Ok(p.to_vec())).unwrap();
        assert_eq!(&T::decode(&bytes).unwrap(), v);
        assert_eq!(&T::decode_owned(Zeroizing::new(bytes)).unwrap(), v);
    }

    #[test]
    fn round_trips() {
        round(&String::from("grüße"));
        round(&vec![0u8, 1, 255]);
        round(&true);
        round(&-5i64);
        round(&u128::MAX);
        round(&Json(vec![1, 2, 3]));
    }

    #[test]
    fn errors_hold_no_plaintext() {
        let err = Json::<u32>::decode(br#""alice-secret""#)
            .unwrap_err()
            .to_string();
        assert!(!err.contains("alice"), "{err}");
        let err = String::decode(&[b's', b'e', 0xff]).unwrap_err().to_string();
        assert!(err.contains("byte 2"), "{err}");
        assert!(u32::decode(&[1, 2]).is_err());
        assert!(bool::decode(&[2]).is_err());
    }
}
