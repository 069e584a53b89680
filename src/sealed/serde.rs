//! serde: the text form in human-readable formats (JSON), the binary form in binary ones.
//! Deserializing garbage is a serde error naming what is wrong, never a panic, and never quoting
//! the input: a column that held a value in clear by mistake must not end up in an error log.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, EnumAccess, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;
use crate::purpose::Purposes;
use crate::sealed::{Plaintext, Sealed};

impl<T, Ps> Serialize for Sealed<T, Ps> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.serialize_str(&self.to_text())
        } else {
            serializer.serialize_bytes(self.as_bytes())
        }
    }
}

impl<'de, T: Plaintext, Ps: Purposes> Deserialize<'de> for Sealed<T, Ps> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            // `deserialize_any`, not `deserialize_str`: with the latter serde_json builds its own
            // "invalid type: integer `4711`" error, quoting the input, before asking the visitor.
            deserializer.deserialize_any(SealedVisitor(PhantomData))
        } else {
            deserializer.deserialize_byte_buf(SealedVisitor(PhantomData))
        }
    }
}

struct SealedVisitor<T, Ps>(PhantomData<fn() -> (T, Ps)>);

impl<'de, T: Plaintext, Ps: Purposes> Visitor<'de> for SealedVisitor<T, Ps> {
    type Value = Sealed<T, Ps>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a fieldseal sealed value (text starting with `fs1:`, or bytes)")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Sealed::from_text(text).map_err(quiet)
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Self::Value, E> {
        Sealed::from_bytes(bytes.to_vec()).map_err(quiet)
    }

    fn visit_byte_buf<E: de::Error>(self, bytes: Vec<u8>) -> Result<Self::Value, E> {
        Sealed::from_bytes(bytes).map_err(quiet)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(refuse("a boolean"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(refuse("a number"))
    }

    fn visit_i128<E: de::Error>(self, _: i128) -> Result<Self::Value, E> {
        Err(refuse("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(refuse("a number"))
    }

    fn visit_u128<E: de::Error>(self, _: u128) -> Result<Self::Value, E> {
        Err(refuse("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(refuse("a number"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Err(refuse("null"))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Err(refuse("null"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(refuse("a sequence"))
    }

    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(refuse("a map"))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(refuse("an enum"))
    }
}

/// A parse error, without the header bytes that unknown-version, -suite, -mode and -type errors,
/// and the length errors, name: in a column that held clear text by mistake those bytes are bytes
/// of the clear text.
fn quiet<E: de::Error>(error: Error) -> E {
    E::custom(error.without_input_bytes())
}

/// The error for input of the wrong shape, naming its kind and never its content.
fn refuse<E: de::Error>(kind: &str) -> E {
    E::custom(format_args!(
        "expected a fieldseal sealed value (text starting with `fs1:`, or bytes), found {kind}"
    ))
}
