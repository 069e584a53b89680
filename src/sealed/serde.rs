//! serde: the text form in human-readable formats (JSON), the binary form in binary ones.
//! Deserializing garbage is a serde error naming what is wrong, never a panic.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

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
            deserializer.deserialize_str(SealedVisitor(PhantomData))
        } else {
            deserializer.deserialize_byte_buf(SealedVisitor(PhantomData))
        }
    }
}

struct SealedVisitor<T, Ps>(PhantomData<fn() -> (T, Ps)>);

impl<T: Plaintext, Ps: Purposes> Visitor<'_> for SealedVisitor<T, Ps> {
    type Value = Sealed<T, Ps>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a fieldseal sealed value (text starting with `fs1:`, or bytes)")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Sealed::from_text(text).map_err(E::custom)
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Self::Value, E> {
        Sealed::from_bytes(bytes.to_vec()).map_err(E::custom)
    }

    fn visit_byte_buf<E: de::Error>(self, bytes: Vec<u8>) -> Result<Self::Value, E> {
        Sealed::from_bytes(bytes).map_err(E::custom)
    }
}
