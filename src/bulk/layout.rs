//! Where the sealed values of a JSON record are, and the context each is bound to.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::format::TEXT_PREFIX;
use crate::keyring::Keyring;
use crate::keyset::KeySet;
use crate::purpose::DynPurpose;
use crate::sealed::Context;

/// How a record's id is bound into its contexts: the same bytes as the
/// [`RecordId`](crate::record::RecordId) impl of the id field's Rust type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdType {
    /// A JSON string, bound as UTF-8 (`String`, `&str`).
    String,
    /// A JSON integer, bound as 2, 4, 8 or 16 big-endian bytes, signed or not. JSON integers
    /// beyond the 64-bit range are not read (serde_json reads them as floats): bind such ids as
    /// strings.
    Int {
        /// Width in bytes.
        bytes: u8,
        /// Signed (`i64`) or not (`u64`).
        signed: bool,
    },
    /// A string or an unsigned integer, as the JSON says: strings as UTF-8, integers as `u64`.
    #[default]
    Auto,
}

impl IdType {
    /// Parses `string`, `auto`, `u16` .. `u128`, `i16` .. `i128`.
    ///
    /// # Errors
    /// [`Error::BadRecord`] naming the accepted names.
    pub fn parse(name: &str) -> Result<Self> {
        let int = |bytes, signed| Ok(Self::Int { bytes, signed });
        match name {
            "string" => Ok(Self::String),
            "auto" => Ok(Self::Auto),
            "u16" => int(2, false),
            "u32" => int(4, false),
            "u64" => int(8, false),
            "u128" => int(16, false),
            "i16" => int(2, true),
            "i32" => int(4, true),
            "i64" => int(8, true),
            "i128" => int(16, true),
            other => Err(Error::BadRecord {
                reason: format!(
                    "unknown id type `{other}`; use string, auto, u16, u32, u64, u128, i16, i32, \
                     i64 or i128"
                ),
            }),
        }
    }

    /// The id bytes of a JSON id value.
    fn bytes(self, field: &str, value: &Value) -> Result<Vec<u8>> {
        let wrong = |want: &str| Error::BadRecord {
            reason: format!("id field `{field}` is not {want}"),
        };
        match (self, value) {
            (Self::String | Self::Auto, Value::String(s)) => Ok(s.as_bytes().to_vec()),
            (Self::Auto, Value::Number(n)) => n
                .as_u64()
                .map(|n| n.to_be_bytes().to_vec())
                .ok_or_else(|| wrong("an unsigned integer")),
            (Self::Int { bytes, signed }, Value::Number(n)) => {
                let n: i128 = if let Some(u) = n.as_u64() {
                    i128::from(u)
                } else {
                    i128::from(n.as_i64().ok_or_else(|| wrong("an integer"))?)
                };
                let fits = match (bytes, signed) {
                    (2, true) => i16::try_from(n).is_ok(),
                    (4, true) => i32::try_from(n).is_ok(),
                    (8, true) => i64::try_from(n).is_ok(),
                    (2, false) => u16::try_from(n).is_ok(),
                    (4, false) => u32::try_from(n).is_ok(),
                    (8, false) => u64::try_from(n).is_ok(),
                    (16, true) => true,
                    (16, false) => u128::try_from(n).is_ok(),
                    _ => false, // not a Rust integer width
                };
                let width = usize::from(bytes);
                if !fits {
                    return Err(wrong(&format!("within a {width}-byte integer type")));
                }
                // Sign-extended big-endian bytes, cut to the type's width: what `to_be_bytes`
                // of the Rust type gives.
                Ok(n.to_be_bytes()[16 - width..].to_vec())
            }
            (Self::String, _) => Err(wrong("a string")),
            _ => Err(wrong("an integer")),
        }
    }
}

/// The layout of one record type as `#[derive(Seal)]` serializes its sealed twin: the record name
/// bound into contexts, the id field, the fields whose context name differs from their JSON key,
/// and nested records.
///
/// Every top-level string that is a sealed value (`fs1:...`) is re-sealed with the context
/// `(record, field, id)`; other fields are copied unchanged. A sealed value anywhere else (in an
/// object not declared [`nested`](Self::nested), in an array) is an error: skipped, it would stay
/// under its old key version and be lost when that version is retired.
#[derive(Clone, Debug)]
pub struct RecordLayout {
    record: String,
    id_field: Option<String>,
    id_type: IdType,
    renames: Vec<(String, String)>,
    nested: Vec<(String, RecordLayout)>,
}

impl RecordLayout {
    /// A layout for records named `record` (the struct name, or its `#[seal(record = "..")]`).
    pub fn new(record: impl Into<String>) -> Self {
        Self {
            record: record.into(),
            id_field: None,
            id_type: IdType::Auto,
            renames: Vec::new(),
            nested: Vec::new(),
        }
    }

    /// The id field (`#[seal(id)]`) and how its value is bound.
    #[must_use]
    pub fn id(mut self, field: impl Into<String>, id_type: IdType) -> Self {
        self.id_field = Some(field.into());
        self.id_type = id_type;
        self
    }

    /// A field whose context name (`#[seal(rename = "..")]`) differs from its JSON key.
    #[must_use]
    pub fn rename(mut self, json_key: impl Into<String>, context_name: impl Into<String>) -> Self {
        self.renames.push((json_key.into(), context_name.into()));
        self
    }

    /// A nested record (`#[seal(nested(..))]`) under `json_key`; without an id field of its own,
    /// it is bound to this record's id.
    #[must_use]
    pub fn nested(mut self, json_key: impl Into<String>, layout: RecordLayout) -> Self {
        self.nested.push((json_key.into(), layout));
        self
    }

    /// Re-seals every sealed value of `record` in place; returns how many changed and how many
    /// were already current.
    ///
    /// # Errors
    /// [`Error::BadRecord`] for a record that does not fit the layout, and as
    /// [`KeySet::reseal`].
    pub fn reseal(&self, keys: &dyn Reseal, record: &mut Value) -> Result<Counts> {
        self.reseal_with_id(keys, record, &[])
    }

    fn reseal_with_id(
        &self,
        keys: &dyn Reseal,
        record: &mut Value,
        outer: &[u8],
    ) -> Result<Counts> {
        let Value::Object(map) = record else {
            return Err(Error::BadRecord {
                reason: format!("a `{}` record must be a JSON object", self.record),
            });
        };
        let id = match &self.id_field {
            Some(field) => {
                let value = map.get(field).ok_or_else(|| Error::BadRecord {
                    reason: format!("no id field `{field}` in a `{}` record", self.record),
                })?;
                self.id_type.bytes(field, value)?
            }
            None => outer.to_vec(),
        };
        let mut counts = Counts::default();
        for (key, value) in map.iter_mut() {
            if let Some((_, layout)) = self.nested.iter().find(|(k, _)| k == key) {
                if !value.is_null() {
                    counts += layout.reseal_with_id(keys, value, &id)?;
                }
                continue;
            }
            let Value::String(text) = value else {
                // A sealed value the layout does not reach would be left under its old version,
                // and destroyed by a later retire: refuse rather than skip it.
                if let Some(path) = find_sealed(value) {
                    return Err(Error::BadRecord {
                        reason: format!(
                            "`{key}{path}` in a `{}` record is a sealed value the layout does not \
                             cover; declare `{key}` as a nested record (RecordLayout::nested, \
                             fieldseal reseal --nested {key}=RECORD)",
                            self.record
                        ),
                    });
                }
                continue;
            };
            if !text.starts_with(TEXT_PREFIX) {
                continue;
            }
            let field = self
                .renames
                .iter()
                .find(|(k, _)| k == key)
                .map_or(key.as_str(), |(_, name)| name.as_str());
            let ctx = Context::new(&self.record, field).with_id(&id);
            match keys.reseal_text(text, &ctx)? {
                Some(new) => {
                    *text = new;
                    counts.resealed += 1;
                }
                None => counts.current += 1,
            }
        }
        Ok(counts)
    }
}

/// The path (`.a[2].b`) of the first sealed string inside `value`, if any.
fn find_sealed(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if s.starts_with(TEXT_PREFIX) => Some(String::new()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| find_sealed(v).map(|p| format!("[{i}]{p}"))),
        Value::Object(map) => map
            .iter()
            .find_map(|(k, v)| find_sealed(v).map(|p| format!(".{k}{p}"))),
        _ => None,
    }
}

/// Values re-sealed and values found current.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Values moved to the active key version.
    pub resealed: u64,
    /// Values already under the active version, left as they were.
    pub current: u64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Self) {
        self.resealed += other.resealed;
        self.current += other.current;
    }
}

/// What can re-seal a value: a [`KeySet`] holding its purposes, or a [`Keyring`] (any purpose).
pub trait Reseal: Sync {
    /// As [`KeySet::reseal_text`].
    ///
    /// # Errors
    /// As [`KeySet::reseal_text`].
    fn reseal_text(&self, text: &str, ctx: &Context<'_>) -> Result<Option<String>>;
}

impl Reseal for KeySet {
    fn reseal_text(&self, text: &str, ctx: &Context<'_>) -> Result<Option<String>> {
        KeySet::reseal_text(self, text, ctx)
    }
}

impl Reseal for Keyring {
    fn reseal_text(&self, text: &str, ctx: &Context<'_>) -> Result<Option<String>> {
        let bytes = crate::format::decode_text(text)?;
        let (header, names) = crate::format::parse(&bytes)?;
        // Every purpose key of a keyring seals under its active version: a current value needs
        // no key derived.
        let mut current = header.suite == self.suite();
        crate::format::for_each_part(&bytes, |p| {
            current &= p.key_version == self.active_version();
        })?;
        if current {
            return Ok(None);
        }
        let purposes = names
            .into_iter()
            .map(DynPurpose::new)
            .collect::<Result<Vec<_>>>()?;
        Ok(KeySet::from_keyring(self, &purposes)
            .reseal_bytes(&bytes, ctx)?
            .map(|b| crate::format::encode_text(&b)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integer_ids_bind_the_bytes_of_their_rust_type_and_never_panic() {
        let int = |bytes, signed| IdType::Int { bytes, signed };
        assert_eq!(int(2, false).bytes("id", &json!(258)).unwrap(), [1, 2]);
        assert_eq!(
            int(4, true).bytes("id", &json!(-2)).unwrap(),
            (-2i32).to_be_bytes()
        );
        assert_eq!(
            int(16, true).bytes("id", &json!(-1)).unwrap(),
            (-1i128).to_be_bytes()
        );
        assert_eq!(
            int(16, false).bytes("id", &json!(7)).unwrap(),
            7u128.to_be_bytes()
        );
        assert_eq!(
            IdType::Auto.bytes("id", &json!(7)).unwrap(),
            7u64.to_be_bytes()
        );
        assert_eq!(IdType::Auto.bytes("id", &json!("c-7")).unwrap(), b"c-7");
        assert!(int(2, false).bytes("id", &json!(65536)).is_err());
        assert!(int(8, false).bytes("id", &json!(-1)).is_err());
        assert!(int(2, true).bytes("id", &json!(40000)).is_err());
        assert!(int(16, false).bytes("id", &json!(-1)).is_err());
        assert!(int(20, false).bytes("id", &json!(1)).is_err());
        assert!(int(8, false).bytes("id", &json!(1.5)).is_err());
        assert!(IdType::String.bytes("id", &json!(1)).is_err());
    }

    #[test]
    fn finds_sealed_values_the_layout_does_not_cover() {
        assert_eq!(
            find_sealed(&json!({"a": [1, {"b": "fs1:x"}]})).unwrap(),
            ".a[1].b"
        );
        assert_eq!(find_sealed(&json!(["plain", "fs1:y"])).unwrap(), "[1]");
        assert!(find_sealed(&json!({"a": "plain", "b": [1, null]})).is_none());
    }
}
