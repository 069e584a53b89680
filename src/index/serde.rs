//! serde for index terms: the text form in human-readable formats, the byte form in binary ones,
//! as for sealed values. Errors never quote their input: a term stands for personal data.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::index::term::IndexTerm;

impl Serialize for IndexTerm {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.serialize_str(&self.to_text())
        } else {
            serializer.serialize_bytes(self.as_bytes())
        }
    }
}

impl<'de> Deserialize<'de> for IndexTerm {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            // `deserialize_any`: `deserialize_str` lets serde_json quote an input of another type.
            deserializer.deserialize_any(TermVisitor)
        } else {
            deserializer.deserialize_bytes(TermVisitor)
        }
    }
}

struct TermVisitor;

impl<'de> Visitor<'de> for TermVisitor {
    type Value = IndexTerm;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a fieldseal index term (unpadded base64url text, or bytes)")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<IndexTerm, E> {
        IndexTerm::from_text(text).map_err(E::custom)
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<IndexTerm, E> {
        IndexTerm::from_bytes(bytes).map_err(E::custom)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<IndexTerm, E> {
        Err(refuse("a boolean"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<IndexTerm, E> {
        Err(refuse("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<IndexTerm, E> {
        Err(refuse("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<IndexTerm, E> {
        Err(refuse("a number"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<IndexTerm, E> {
        Err(refuse("null"))
    }

    fn visit_none<E: de::Error>(self) -> Result<IndexTerm, E> {
        Err(refuse("null"))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<IndexTerm, A::Error> {
        Err(refuse("a sequence"))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<IndexTerm, A::Error> {
        Err(refuse("a map"))
    }
}

/// The error for input of the wrong shape, naming its kind and never its content.
fn refuse<E: de::Error>(kind: &str) -> E {
    E::custom(format_args!(
        "expected a fieldseal index term (unpadded base64url text, or bytes), found {kind}"
    ))
}
