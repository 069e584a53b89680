//! The members of a JSON object as written: each key (unescaped) with the exact text of its
//! value, a slice of the record's text. Re-sealing replaces the slices of sealed strings and
//! copies every other byte, so that numbers, escapes, key order and white space come out as they
//! went in (FORMAT.md §13). serde_json does the parsing (`RawValue`); nothing here reads JSON
//! syntax by hand beyond a value's first byte.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// One member of an object.
pub(crate) struct Member<'a> {
    /// The key, unescaped.
    pub(crate) key: Cow<'a, str>,
    /// The value's text, exactly as written (no surrounding white space).
    pub(crate) value: &'a str,
}

/// What a value's text is, from its first byte (serde_json has checked the whole of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `"..."`.
    String,
    /// `{...}`.
    Object,
    /// `[...]`.
    Array,
    /// `null`.
    Null,
    /// A number, `true` or `false`.
    Scalar,
}

/// The kind of `value`, a value's text.
pub(crate) fn kind(value: &str) -> Kind {
    match value.trim_start().as_bytes().first() {
        Some(b'"') => Kind::String,
        Some(b'{') => Kind::Object,
        Some(b'[') => Kind::Array,
        Some(b'n') => Kind::Null,
        _ => Kind::Scalar,
    }
}

/// The members of `text`, a JSON object with only white space around it, in order (duplicate
/// keys included). `None` if `text` is valid JSON but not an object: the caller names what it
/// expected, and no value is echoed in an error.
///
/// # Errors
/// serde_json's syntax error (a position, never the text).
pub(crate) fn object_members(text: &str) -> Result<Option<Vec<Member<'_>>>, serde_json::Error> {
    if kind(text) != Kind::Object {
        // Checked to be JSON all the same, so that "not JSON" and "not an object" differ.
        serde_json::from_str::<&RawValue>(text)?;
        return Ok(None);
    }
    serde_json::from_str::<Members<'_>>(text).map(|m| Some(m.0))
}

/// The text of a string value, unescaped: borrowed when it holds no escape.
///
/// # Errors
/// serde_json's error, if `value` is not a JSON string.
pub(crate) fn string_text(value: &str) -> Result<Cow<'_, str>, serde_json::Error> {
    match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) if !inner.contains('\\') => Ok(Cow::Borrowed(inner)),
        _ => serde_json::from_str::<String>(value).map(Cow::Owned),
    }
}

/// Where `part`, a slice of `whole`, starts in it.
pub(crate) fn offset_in(whole: &str, part: &str) -> usize {
    let offset = (part.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
    assert!(
        offset <= whole.len() && whole.len() - offset >= part.len(),
        "a member's text is a slice of its record's"
    );
    offset
}

struct Members<'a>(Vec<Member<'a>>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(MembersVisitor)
    }
}

struct MembersVisitor;

impl<'de> Visitor<'de> for MembersVisitor {
    type Value = Members<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(8));
        while let Some(Key(key)) = map.next_key()? {
            let value: &'de RawValue = map.next_value()?;
            members.push(Member {
                key,
                value: value.get(),
            });
        }
        Ok(Members(members))
    }
}

/// A key, borrowed from the text unless it holds escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Self::Value, E> {
        Ok(Key(Cow::Borrowed(key)))
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(Key(Cow::Owned(key.to_owned())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_slices_of_the_text_in_order_with_duplicates() {
        let text = " {\"b\" : 1.50 ,\"a\":{\"x\":[1]},\"b\":\"s\\u0041\", \"k\\u0041\":null}\r\n";
        let members = object_members(text).unwrap().unwrap();
        let seen: Vec<(&str, &str)> = members.iter().map(|m| (&*m.key, m.value)).collect();
        assert_eq!(
            seen,
            [
                ("b", "1.50"),
                ("a", "{\"x\":[1]}"),
                ("b", "\"s\\u0041\""),
                ("kA", "null")
            ]
        );
        assert!(matches!(members[0].key, Cow::Borrowed(_)));
        assert!(matches!(members[3].key, Cow::Owned(_)));
        let at = offset_in(text, members[1].value);
        assert_eq!(&text[at..at + members[1].value.len()], "{\"x\":[1]}");
        assert_eq!(string_text(members[2].value).unwrap(), "sA");
        assert_eq!(kind(members[1].value), Kind::Object);
        assert_eq!(kind(members[3].value), Kind::Null);
        assert_eq!(kind(members[0].value), Kind::Scalar);
    }

    #[test]
    fn what_is_not_an_object_is_told_apart_from_what_is_not_json() {
        assert!(object_members("[1, 2]").unwrap().is_none());
        assert!(object_members("\"secret\"").unwrap().is_none());
        assert!(object_members("{\"a\": 1,}").is_err());
        assert!(object_members("{\"a\": 1} x").is_err());
        assert!(object_members("").is_err());
    }

    #[test]
    #[should_panic(expected = "a slice of its record")]
    fn an_offset_outside_the_text_is_a_bug_not_a_wrong_answer() {
        let other = String::from("elsewhere");
        offset_in("text", &other);
    }
}
