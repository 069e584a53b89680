//! Where the sealed values of a JSON record are, and the context each is bound to ([`binding`]).
//! A record is re-sealed by splicing: only the text of its sealed strings is replaced.

use std::borrow::Cow;
use std::ops::Range;

use serde_json::Value;

use crate::audit::Operation;
use crate::bulk::index::{IndexKeys, LayoutIndex, reindex};
use crate::bulk::key_sets::{KeySets, RunKeys};
use crate::bulk::members::{Kind, Member, kind, object_members, offset_in, string_text};
use crate::bulk::walk::sealed_strings;
use crate::error::{Error, Result};
use crate::format::TEXT_PREFIX;
use crate::index::IndexKey;
use crate::keyring::Keyring;
use crate::keyset::KeySet;
use crate::purpose::AnyPurposes;
use crate::record::{DeclaredIndex, RecordIndex};
use crate::sealed::{Context, Sealed};

/// How a record's id is read from its JSON, and checked: bound as the
/// [`RecordId`](crate::record::RecordId) impl of the id field's Rust type binds it (FORMAT.md §6:
/// a string as UTF-8, every integer as 16 bytes of two's complement, whatever its width).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdType {
    /// A JSON string, bound as UTF-8 (`String`, `&str`).
    String,
    /// A JSON integer that must fit a Rust integer type of this width and signedness (a value
    /// outside it is a bad record), bound as 16 bytes like every integer id. Read from the JSON
    /// text itself, so ids beyond 64 bits (`u128`, `i128`) are exact.
    Int {
        /// Width in bytes: 1, 2, 4, 8 or 16.
        bytes: u8,
        /// Signed (`i64`) or not (`u64`).
        signed: bool,
    },
    /// A string or an integer, as the JSON says: strings as UTF-8, integers (any in the range of
    /// `i128` or `u128`) as 16 bytes.
    #[default]
    Auto,
    /// A UUID, written in JSON as a string (hyphenated, as serde writes `uuid::Uuid`, or 32 hex
    /// digits), bound as its 16 bytes.
    Uuid,
}

impl IdType {
    /// The id type of a Rust id field of type `T`, as `#[derive(Seal)]`'s generated layout uses
    /// it: each integer type, `String`, `uuid::Uuid` (feature `uuid`); any other type (an id type
    /// of your own, implementing [`RecordId`](crate::record::RecordId)) is [`Auto`](Self::Auto),
    /// right only if its JSON is the string or integer whose bytes it binds.
    pub fn of<T: ?Sized + 'static>() -> Self {
        use std::any::TypeId;
        let t = TypeId::of::<T>();
        let int = |bytes, signed| Self::Int { bytes, signed };
        let ints = [
            (TypeId::of::<u8>(), int(1, false)),
            (TypeId::of::<u16>(), int(2, false)),
            (TypeId::of::<u32>(), int(4, false)),
            (TypeId::of::<u64>(), int(8, false)),
            (TypeId::of::<u128>(), int(16, false)),
            (TypeId::of::<usize>(), int(size_of::<usize>() as u8, false)),
            (TypeId::of::<i8>(), int(1, true)),
            (TypeId::of::<i16>(), int(2, true)),
            (TypeId::of::<i32>(), int(4, true)),
            (TypeId::of::<i64>(), int(8, true)),
            (TypeId::of::<i128>(), int(16, true)),
            (TypeId::of::<isize>(), int(size_of::<isize>() as u8, true)),
            (TypeId::of::<String>(), Self::String),
            (TypeId::of::<str>(), Self::String),
        ];
        if let Some((_, id_type)) = ints.iter().find(|(id, _)| *id == t) {
            return *id_type;
        }
        #[cfg(feature = "uuid")]
        if t == TypeId::of::<uuid::Uuid>() {
            return Self::Uuid;
        }
        Self::Auto
    }

    /// Parses `string`, `auto`, `uuid`, `u8` .. `u128`, `i8` .. `i128`.
    ///
    /// # Errors
    /// [`Error::BadRecord`] naming the accepted names.
    pub fn parse(name: &str) -> Result<Self> {
        let int = |bytes, signed| Ok(Self::Int { bytes, signed });
        match name {
            "string" => Ok(Self::String),
            "auto" => Ok(Self::Auto),
            "uuid" => Ok(Self::Uuid),
            "u8" => int(1, false),
            "u16" => int(2, false),
            "u32" => int(4, false),
            "u64" => int(8, false),
            "u128" => int(16, false),
            "i8" => int(1, true),
            "i16" => int(2, true),
            "i32" => int(4, true),
            "i64" => int(8, true),
            "i128" => int(16, true),
            other => Err(Error::BadRecord {
                reason: format!(
                    "unknown id type `{other}`; use string, auto, uuid, u8, u16, u32, u64, u128, \
                     i8, i16, i32, i64 or i128"
                ),
            }),
        }
    }

    /// The id bytes (FORMAT.md §6) of the JSON value `json` (its text, as written in a record) of
    /// the member `field`, read as this type: what a record's id, or a subject-mode record's
    /// subject, binds. For tools that read records themselves, as `fieldseal vault disclose`
    /// does.
    ///
    /// ```
    /// use fieldseal::bulk::IdType;
    /// use fieldseal::vault::Subject;
    /// let u32_id = IdType::parse("u32")?;
    /// assert_eq!(u32_id.id_bytes("id", "7")?, Subject::int(7u64).as_bytes());
    /// assert_eq!(IdType::Auto.id_bytes("id", r#""c-7""#)?, b"c-7");
    /// assert!(u32_id.id_bytes("id", "-1").is_err());
    /// # Ok::<(), fieldseal::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::BadRecord`] for a value that is not of this type, naming `field` and never
    /// quoting the value (ids can be personal data).
    pub fn id_bytes(self, field: &str, json: &str) -> Result<Vec<u8>> {
        self.bytes(field, json.trim())
    }

    /// The id bytes of an id member, from its JSON text (FORMAT.md §6). Never quotes the value:
    /// ids can be personal data.
    fn bytes(self, field: &str, json: &str) -> Result<Vec<u8>> {
        let wrong = |want: &str| Error::BadRecord {
            reason: format!("id field `{field}` is not {want}"),
        };
        if json.starts_with('"') {
            if let Self::Int { .. } = self {
                return Err(wrong("an integer"));
            }
            let text: String = serde_json::from_str(json).map_err(|_| wrong("a JSON string"))?;
            if self == Self::Uuid {
                return uuid_bytes(&text)
                    .map(|b| b.to_vec())
                    .ok_or_else(|| wrong("a UUID (hyphenated, or 32 hex digits)"));
            }
            return Ok(text.into_bytes());
        }
        match self {
            Self::String => return Err(wrong("a string")),
            Self::Uuid => return Err(wrong("a UUID string")),
            _ => {}
        }
        let n = JsonInt::parse(json).ok_or_else(|| wrong("an integer"))?;
        let fits = match self {
            Self::Int { bytes, signed } => n.fits(bytes, signed),
            _ => true,
        };
        if !fits {
            let Self::Int { bytes, signed } = self else {
                unreachable!("only integer types have a range")
            };
            let kind = if signed { "signed" } else { "unsigned" };
            return Err(wrong(&format!("within a {bytes}-byte {kind} integer type")));
        }
        Ok(n.id_bytes().to_vec())
    }
}

/// A JSON integer (RFC 8259: an optional minus, digits without a leading zero, no fraction or
/// exponent) in the range of `i128` or `u128`, read from its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum JsonInt {
    Signed(i128),
    /// Above `i128::MAX`.
    Large(u128),
}

impl JsonInt {
    fn parse(text: &str) -> Option<Self> {
        let digits = text.strip_prefix('-').unwrap_or(text);
        let well_formed = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        if !well_formed {
            return None;
        }
        text.parse::<i128>()
            .map(Self::Signed)
            .or_else(|_| text.parse::<u128>().map(Self::Large))
            .ok()
    }

    /// Whether the value fits a Rust integer of `bytes` bytes, signed or not.
    fn fits(self, bytes: u8, signed: bool) -> bool {
        let bits = u32::from(bytes) * 8;
        if !matches!(bytes, 1 | 2 | 4 | 8 | 16) {
            return false; // not a Rust integer width
        }
        match (self, signed) {
            (Self::Large(_), signed) => !signed && bits == 128,
            (Self::Signed(n), true) => {
                bits == 128 || (n >= -(1i128 << (bits - 1)) && n < (1i128 << (bits - 1)))
            }
            (Self::Signed(n), false) => n >= 0 && (bits == 128 || n < (1i128 << bits)),
        }
    }

    /// FORMAT.md §6: 16 bytes, two's complement, big-endian.
    fn id_bytes(self) -> [u8; 16] {
        match self {
            Self::Signed(n) => n.to_be_bytes(),
            Self::Large(n) => n.to_be_bytes(),
        }
    }
}

/// A sealed twin that knows its own JSON layout: `#[derive(Seal)]` implements it, from the same
/// declarations that seal the record, so that bulk re-sealing binds exactly what the derive
/// binds (FORMAT.md §13).
pub trait SealedLayout {
    /// The layout of the twin's JSON.
    fn record_layout() -> RecordLayout;
}

/// The 16 bytes of a UUID written hyphenated (`0b7e5c1a-5d4e-4a8e-9f1b-2c3d4e5f6a7b`, any case)
/// or as 32 hex digits.
fn uuid_bytes(text: &str) -> Option<[u8; 16]> {
    let hex: Vec<u8> = match text.len() {
        36 => {
            let dashes = [8, 13, 18, 23];
            let bytes = text.as_bytes();
            if !dashes.iter().all(|&i| bytes[i] == b'-') {
                return None;
            }
            bytes.iter().copied().filter(|&b| b != b'-').collect()
        }
        32 => text.as_bytes().to_vec(),
        _ => return None,
    };
    if hex.len() != 32 || !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let mut out = [0u8; 16];
    for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(out)
}

/// The layout of one record type as `#[derive(Seal)]` serializes its sealed twin: the record name
/// bound into contexts, the id field, the fields whose context name differs from their JSON key,
/// and nested records (at any depth: a nested layout has nested layouts of its own).
///
/// A derived record's sealed twin writes its own layout: `SealedX::record_layout()`, the one to
/// use for records `#[derive(Seal)]` wrote. Built by hand (or by `fieldseal reseal`), a layout
/// says what it knows of the record.
///
/// Which members are sealed: those listed with [`sealed`](Self::sealed), if the layout is
/// [`declared`](Self::declared) (a derived layout is, so a plain field whose text happens to start
/// with `fs1:` is copied as it is); otherwise every string member that starts with `fs1:`
/// (escapes decoded).
/// Each is re-sealed with the context `#[derive(Seal)]` binds it to (record, field, id: FORMAT.md
/// §13); every other byte of the record is copied unchanged. A sealed value the layout does not
/// reach (in an object not declared [`nested`](Self::nested), in an array) is an error: skipped,
/// it would stay under its old key version and be lost when that version is retired.
#[derive(Clone, Debug)]
pub struct RecordLayout {
    record: String,
    id_field: Option<String>,
    id_type: IdType,
    renames: Vec<(String, String)>,
    nested: Vec<(String, RecordLayout)>,
    /// The JSON keys of the sealed members, when declared.
    sealed: Vec<String>,
    /// Whether `sealed` is the whole list (possibly empty).
    declared: bool,
    /// Blind index columns.
    indexes: Vec<LayoutIndex>,
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
            sealed: Vec::new(),
            declared: false,
            indexes: Vec::new(),
        }
    }

    /// Declares that this layout lists every sealed member of its record with
    /// [`sealed`](Self::sealed) (none, if it lists none): other members are plain, whatever their
    /// text. Nested layouts say so for themselves.
    #[must_use]
    pub fn declared(mut self) -> Self {
        self.declared = true;
        self
    }

    /// The record type bound into contexts.
    pub fn record(&self) -> &str {
        &self.record
    }

    /// How the id field is read, if the layout names one.
    pub fn id_type(&self) -> Option<IdType> {
        self.id_field.as_ref().map(|_| self.id_type)
    }

    /// Declares a sealed member (its JSON key), and that the layout lists them all
    /// ([`declared`](Self::declared)): only listed members are re-sealed, and a listed member
    /// that is not a sealed value (or `null`) is a bad record.
    #[must_use]
    pub fn sealed(mut self, json_key: impl Into<String>) -> Self {
        self.sealed.push(json_key.into());
        self.declared = true;
        self
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
    /// it is bound to this record's id. Its layout may declare nested records in turn.
    #[must_use]
    pub fn nested(mut self, json_key: impl Into<String>, layout: RecordLayout) -> Self {
        self.nested.push((json_key.into(), layout));
        self
    }

    /// A blind index column (FORMAT.md §13, §16.4) under `column`: the terms of `index`, over
    /// members of this record (the JSON keys its parts name). Re-sealing brings each term to the
    /// index's current version: a term of another version (after an index rotation), or a column
    /// absent or `null` while the members it reads are sealed values, is recomputed from those
    /// members, opened with a purpose key at hand ([`Reseal::open_text`]) and normalized as
    /// `index` says, with the current version of the index key ([`Reseal::index_key`]), and
    /// spliced in (an absent column is added as the object's last member). A term whose members
    /// cannot be opened or normalized is kept as it was, and counted ([`Counts::terms_kept`]).
    #[must_use]
    pub fn index(mut self, column: impl Into<String>, index: RecordIndex) -> Self {
        self.indexes.push(LayoutIndex::built(column.into(), index));
        self
    }

    /// As [`index`](Self::index), for an index `#[derive(Seal)]` declares: what a derived
    /// record's `record_layout()` lists.
    #[must_use]
    pub fn declared_index(
        mut self,
        column: impl Into<String>,
        index: &'static DeclaredIndex,
    ) -> Self {
        self.indexes
            .push(LayoutIndex::declared(column.into(), index));
        self
    }

    /// Re-seals every sealed value of `record`, the JSON text of one record: returns the text
    /// with only those values replaced (every other byte as it was; `record` itself when nothing
    /// changed), and how many values changed and how many were already current. White space
    /// around the object, a line ending say, is kept too.
    ///
    /// ```
    /// use fieldseal::bulk::{IdType, RecordLayout};
    /// use fieldseal::{Context, Keyring, Sealed, Suite};
    /// fieldseal::purpose!(Marketing = "marketing");
    ///
    /// let mut keyring = Keyring::generate(Suite::default())?;
    /// let ctx = Context::new("Customer", "email").with_id_int(7);
    /// let email: Sealed<String, Marketing> =
    ///     Sealed::seal("ada@example.com", &ctx, &keyring.purpose_key::<Marketing>())?;
    /// let record = format!(r#"{{"id": 7, "email": "{}", "points": 1.50}}"#, email.to_text());
    /// keyring.rotate()?;
    ///
    /// let layout = RecordLayout::new("Customer").id("id", IdType::parse("u64")?);
    /// let (resealed, counts) = layout.reseal(&keyring, &record)?;
    /// assert_eq!(counts.resealed, 1);
    /// assert!(resealed.starts_with(r#"{"id": 7, "email": "fs1:"#));
    /// assert!(resealed.ends_with(r#"", "points": 1.50}"#));
    /// // Already current: the same text, not a copy.
    /// let (again, counts) = layout.reseal(&keyring, &resealed)?;
    /// assert!(matches!(again, std::borrow::Cow::Borrowed(_)));
    /// assert_eq!(counts.current, 1);
    /// # Ok::<(), fieldseal::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::BadRecord`] for a record that is not JSON or does not fit the layout, and as
    /// [`KeySet::reseal`].
    pub fn reseal<'r>(&self, keys: &dyn Reseal, record: &'r str) -> Result<(Cow<'r, str>, Counts)> {
        // One record re-sealed on its own: one `reseal` event for it (a run records one event
        // for all its records).
        let result = self.reseal_with(keys, &RunKeys::default(), record);
        crate::bulk::audit::record_one(keys, self, result)
    }

    /// [`reseal`](Self::reseal) with the keys a run keeps.
    pub(crate) fn reseal_with<'r>(
        &self,
        keys: &dyn Reseal,
        run: &RunKeys,
        record: &'r str,
    ) -> Result<(Cow<'r, str>, Counts)> {
        let mut walk = Walk {
            keys,
            index_keys: &run.index_keys,
            key_sets: &run.key_sets,
            text: record,
            edits: Vec::new(),
            counts: Counts::default(),
        };
        self.walk(&mut walk, None, Cow::Borrowed(""), record)?;
        walk.edits.sort_by_key(|(range, _)| range.start);
        Ok((splice(record, &walk.edits), walk.counts))
    }

    /// The names of the indexes whose columns the layout recomputes, nested records' included.
    pub(crate) fn index_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.indexes.iter().filter_map(LayoutIndex::name).collect();
        for (_, nested) in &self.nested {
            names.extend(nested.index_names());
        }
        names
    }

    /// The context name of the field under `json_key`.
    fn context_name<'a>(&'a self, json_key: &'a str) -> &'a str {
        self.renames
            .iter()
            .find(|(k, _)| k == json_key)
            .map_or(json_key, |(_, name)| name.as_str())
    }

    /// Re-seals the record `text`, reached from `parent` under `key`.
    fn walk<'t>(
        &'t self,
        walk: &mut Walk<'t, '_>,
        parent: Option<&Level<'_>>,
        key: Cow<'t, str>,
        text: &'t str,
    ) -> Result<()> {
        let members = object_members(text)
            .map_err(|e| Error::BadRecord {
                reason: format!("not JSON: {e}"),
            })?
            .ok_or_else(|| Error::BadRecord {
                reason: match parent {
                    None => format!("a `{}` record must be a JSON object", self.record),
                    Some(parent) => format!(
                        "`{}` in a `{}` record must be a JSON object (a nested `{}` record) or \
                         null",
                        parent.path(&key),
                        parent.top().layout.record,
                        self.record
                    ),
                },
            })?;
        let level = Level {
            parent,
            key,
            layout: self,
            id: self.read_id(&members)?,
        };
        for member in &members {
            let value = member.value;
            if let Some((_, nested)) = self.nested.iter().find(|(k, _)| *k == member.key) {
                if kind(value) != Kind::Null {
                    nested.walk(walk, Some(&level), member.key.clone(), value)?;
                }
                continue;
            }
            let declared = self.declared;
            let is_sealed_member = self.sealed.iter().any(|k| *k == member.key);
            if declared && !is_sealed_member {
                // Declared layouts say which members are sealed; anything else is plain data,
                // but a sealed value there is refused, as an undeclared layout refuses one it
                // does not cover: skipped, it would stay under the old version, lost when that
                // is retired (a member misnamed in the layout, an object nobody declared).
                match kind(value) {
                    Kind::Object | Kind::Array => level.refuse_uncovered(&member.key, value)?,
                    // Plain text may begin `fs1:`; a whole sealed value is not plain text.
                    Kind::String
                        if value[1..].starts_with(TEXT_PREFIX)
                            && string_text(value)
                                .is_ok_and(|text| crate::Inspection::of_text(&text).is_ok()) =>
                    {
                        return Err(not_declared(&level, &member.key));
                    }
                    _ => {}
                }
                continue;
            }
            match kind(value) {
                Kind::String => {
                    let text = string_text(value).map_err(|e| Error::BadRecord {
                        reason: format!("not JSON: {e}"),
                    })?;
                    if text.starts_with(TEXT_PREFIX) {
                        let binding = binding(&level, &member.key);
                        walk.reseal(value, &text, &binding.context())?;
                    } else if is_sealed_member {
                        return Err(not_sealed(&level, &member.key));
                    }
                }
                Kind::Null => {}
                _ if is_sealed_member => return Err(not_sealed(&level, &member.key)),
                Kind::Object | Kind::Array => level.refuse_uncovered(&member.key, value)?,
                Kind::Scalar => {}
            }
        }
        for index in &self.indexes {
            reindex(walk, &level, text, &members, index)?;
        }
        Ok(())
    }

    /// The bytes of the record's own id, if the layout names an id field.
    fn read_id(&self, members: &[Member<'_>]) -> Result<Option<Vec<u8>>> {
        let Some(field) = &self.id_field else {
            return Ok(None);
        };
        let mut ids = members.iter().filter(|m| m.key == field.as_str());
        let (Some(id), None) = (ids.next(), ids.next()) else {
            let reason = if members.iter().any(|m| m.key == field.as_str()) {
                format!(
                    "a `{}` record has the id field `{field}` twice: it is not known which one \
                     its values are bound to",
                    self.record
                )
            } else {
                format!("no id field `{field}` in a `{}` record", self.record)
            };
            return Err(Error::BadRecord { reason });
        };
        self.id_type.bytes(field, id.value.trim()).map(Some)
    }
}

/// A record being walked: the top-level one, or one nested in it.
pub(crate) struct Level<'a> {
    /// The record holding this one (`None` at the top).
    parent: Option<&'a Level<'a>>,
    /// This record's JSON key in its parent (empty at the top).
    key: Cow<'a, str>,
    pub(crate) layout: &'a RecordLayout,
    /// The bytes of this record's own id field, if its layout names one.
    id: Option<Vec<u8>>,
}

impl Level<'_> {
    /// The top-level record.
    pub(crate) fn top(&self) -> &Level<'_> {
        self.parent.map_or(self, Level::top)
    }

    /// The dotted path from the top-level record to `key` in this one: `billing.geo.lat`.
    pub(crate) fn path(&self, key: &str) -> String {
        match self.parent {
            None => key.to_owned(),
            Some(parent) => parent.path(&format!("{}.{key}", self.key)),
        }
    }

    /// Fails if `value`, an object or array under `key` that no layout covers, holds a sealed
    /// value: left under its old version, it would be lost when that version is retired.
    fn refuse_uncovered(&self, key: &str, value: &str) -> Result<()> {
        // Read as the record is, member by member: a `serde_json::Value` kept only the last of
        // duplicate keys (passing a sealed value before one as nothing to re-seal) and refused
        // numbers beyond an f64 (stopping the run at a valid record).
        let Some(inside) = sealed_strings(value, &mut |_| Ok(true))? else {
            return Ok(());
        };
        let path = self.path(key);
        Err(Error::BadRecord {
            reason: format!(
                "`{path}{inside}` in a `{}` record is a sealed value the layout does not cover; \
                 declare `{path}` as a nested record (RecordLayout::nested of the `{}` layout, \
                 fieldseal reseal --nested {path}=RECORD)",
                self.top().layout.record,
                self.layout.record,
            ),
        })
    }
}

/// A member the layout does not name sealed that holds a sealed value.
fn not_declared(level: &Level<'_>, key: &str) -> Error {
    Error::BadRecord {
        reason: format!(
            "`{}` in a `{}` record holds a sealed value (`fs1:...`) but the layout does not name \
             it sealed; name it (RecordLayout::sealed, fieldseal reseal --sealed {}) so that it is \
             re-sealed too",
            level.path(key),
            level.top().layout.record,
            level.path(key)
        ),
    }
}

/// A member declared sealed that holds something else.
fn not_sealed(level: &Level<'_>, key: &str) -> Error {
    Error::BadRecord {
        reason: format!(
            "`{}` in a `{}` record is declared sealed but is not a sealed value (`fs1:...`) or \
             null",
            level.path(key),
            level.top().layout.record
        ),
    }
}

/// The context of one sealed value: record type, field and id (FORMAT.md §6).
pub(crate) struct Binding<'a> {
    record: Cow<'a, str>,
    field: Cow<'a, str>,
    id: Cow<'a, [u8]>,
}

impl Binding<'_> {
    pub(crate) fn context(&self) -> Context<'_> {
        Context::new(&self.record, &self.field).with_id(&self.id)
    }
}

/// The context the sealed value under `key` in the record `level` is bound to (FORMAT.md §13):
/// the one place where the binding rules of re-sealing live, the same as `#[derive(Seal)]`'s
/// (`record::Nesting`). `level` leads up through its parents to the top-level record, with each
/// record's JSON key, layout and own id bytes.
///
/// Record = the *top-level* record's name; field = the key's context name (its rename, else the
/// key), behind the JSON keys of the nested records leading to it, joined by `.`
/// (`billing.geo.lat`); id = the id of the *outermost* record whose id is not empty, empty if none
/// has one.
pub(crate) fn binding<'a>(level: &'a Level<'a>, key: &'a str) -> Binding<'a> {
    let mut chain = Vec::new();
    let mut at = Some(level);
    while let Some(record) = at {
        chain.push(record);
        at = record.parent;
    }
    // From the top down.
    chain.reverse();
    // As `record::Nesting::enter`: an empty id counts as none.
    let id = chain
        .iter()
        .find_map(|record| record.id.as_deref().filter(|id| !id.is_empty()))
        .unwrap_or_default();
    let field = level.layout.context_name(key);
    let field = if chain.len() == 1 {
        Cow::Borrowed(field)
    } else {
        let mut path: Vec<&str> = chain[1..].iter().map(|record| &*record.key).collect();
        path.push(field);
        Cow::Owned(path.join(crate::record::PATH_SEPARATOR.encode_utf8(&mut [0; 4])))
    };
    Binding {
        record: Cow::Borrowed(&chain[0].layout.record),
        field,
        id: Cow::Borrowed(id),
    }
}

/// One record's walk: its text, the replacements found so far and the counts.
pub(crate) struct Walk<'t, 'k> {
    pub(crate) keys: &'k dyn Reseal,
    pub(crate) index_keys: &'k IndexKeys,
    pub(crate) key_sets: &'k KeySets,
    pub(crate) text: &'t str,
    /// Byte ranges of `text` (values, quotes included; empty where a member is added) and the
    /// JSON text that replaces each; sorted before they are spliced.
    pub(crate) edits: Vec<(Range<usize>, String)>,
    pub(crate) counts: Counts,
}

impl Walk<'_, '_> {
    /// Re-seals the sealed value `text`, written in the record as the string `value` (a slice of
    /// it), and records the replacement if it changed.
    fn reseal(&mut self, value: &str, text: &str, ctx: &Context<'_>) -> Result<()> {
        match self.key_sets.reseal_json(self.keys, text, ctx)? {
            Some(new) => {
                let start = offset_in(self.text, value);
                self.edits.push((start..start + value.len(), new));
                self.counts.resealed += 1;
            }
            None => self.counts.current += 1,
        }
        Ok(())
    }
}

/// `text` as a JSON string, quotes included. A sealed value's text form (`fs1:` and base64url)
/// needs no escaping: one allocation of the exact size, where `format!` guessed a few bytes and
/// grew the string by reallocating it, twice for a 130-byte value (a bulk re-seal ran 8-10%
/// faster without it, a throwaway binary of `benches/keys.rs`'s run). What another `Reseal`
/// returns may be anything, and is escaped as JSON requires.
pub(crate) fn json_string(text: &str) -> String {
    if text.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        return Value::from(text).to_string();
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    out.push_str(text);
    out.push('"');
    out
}

/// `text` with each edited range replaced by its new JSON text, the ranges in order.
fn splice<'r>(text: &'r str, edits: &[(Range<usize>, String)]) -> Cow<'r, str> {
    if edits.is_empty() {
        return Cow::Borrowed(text);
    }
    let grown: usize = edits.iter().map(|(_, new)| new.len()).sum();
    let mut out = String::with_capacity(text.len() + grown);
    let mut at = 0;
    for (range, new) in edits {
        out.push_str(&text[at..range.start]);
        out.push_str(new);
        at = range.end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// Values re-sealed and values found current; index terms recomputed, found current, and kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Values moved to the active key version.
    pub resealed: u64,
    /// Values already under the active version, left as they were.
    pub current: u64,
    /// Index terms recomputed with their index's current version (or added where absent).
    pub terms_recomputed: u64,
    /// Index terms already of their index's current version, left as they were.
    pub terms_current: u64,
    /// Index terms not of the current version that could not be recomputed (their fields did not
    /// open with the keys at hand, or no longer normalize) and were kept as they were: until they
    /// are, finishing the index's migration stops these rows from being found.
    pub terms_kept: u64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Self) {
        self.resealed += other.resealed;
        self.current += other.current;
        self.terms_recomputed += other.terms_recomputed;
        self.terms_current += other.terms_current;
        self.terms_kept += other.terms_kept;
    }
}

/// What can re-seal a value: a [`KeySet`] holding its purposes, or a [`Keyring`] (any purpose).
/// For index columns ([`RecordLayout::index`]) it also gives index keys and opens values.
pub trait Reseal: Sync {
    /// As [`KeySet::reseal_text`].
    ///
    /// # Errors
    /// As [`KeySet::reseal_text`].
    fn reseal_text(&self, text: &str, ctx: &Context<'_>) -> Result<Option<String>>;

    /// The key of the blind index `name`, to bring its terms to the current version. The
    /// default holds none.
    ///
    /// # Errors
    /// [`Error::UnknownIndex`].
    fn index_key(&self, name: &str) -> Result<IndexKey> {
        Err(Error::UnknownIndex {
            index: name.to_owned(),
            held: Vec::new(),
        })
    }

    /// Opens the sealed `String` of text form `text` with the key of any of its purposes held:
    /// `Ok(None)` if none is. What an index term is recomputed from. The default opens nothing.
    ///
    /// # Errors
    /// As [`Sealed::open_dyn`].
    fn open_text(&self, text: &str, ctx: &Context<'_>) -> Result<Option<String>> {
        let _ = (text, ctx);
        Ok(None)
    }

    /// What re-sealing with these keys produces depends on: the active key versions. A resumable
    /// run records it in its checkpoints and refuses to resume under others (a rotation since
    /// would mix versions in one output). The default: nothing, so nothing is checked.
    fn binding(&self) -> String {
        String::new()
    }

    /// What records a run through these keys: one [`reseal-run`](crate::audit::Operation::ResealRun)
    /// event per run, with its counts (src/audit/). The default records nothing.
    fn auditor(&self) -> Option<&crate::audit::Auditor> {
        None
    }

    /// A keyring, whose runs build one key set per thread and purpose list
    /// (src/bulk/key_sets.rs) rather than one per value. Not for implementors.
    #[doc(hidden)]
    fn as_keyring(&self) -> Option<&Keyring> {
        None
    }

    /// A key set, whose runs re-seal and open value by value without an event each (the run
    /// records itself once). Not for implementors.
    #[doc(hidden)]
    fn as_key_set(&self) -> Option<&KeySet> {
        None
    }
}

impl Reseal for KeySet {
    fn binding(&self) -> String {
        let mut purposes: Vec<String> = self
            .purposes()
            .iter()
            .filter_map(|p| self.get_unrecorded(p.name()))
            .map(|key| format!("{} {}", key.purpose().name(), key.active_version()))
            .collect();
        purposes.sort();
        purposes.join(",")
    }

    /// Recorded as [`KeySet::reseal_text`] is; a run records itself once instead.
    fn reseal_text(&self, text: &str, ctx: &Context<'_>) -> Result<Option<String>> {
        KeySet::reseal_text(self, text, ctx)
    }

    fn auditor(&self) -> Option<&crate::audit::Auditor> {
        KeySet::auditor(self)
    }

    fn index_key(&self, name: &str) -> Result<IndexKey> {
        self.require_index(name).map(IndexKey::share)
    }

    /// An open through the key set: recorded as [`KeySet::open_dyn`] is.
    fn open_text(&self, text: &str, ctx: &Context<'_>) -> Result<Option<String>> {
        let sealed = Sealed::<String, AnyPurposes>::from_text(text)?;
        match sealed
            .purposes()
            .into_iter()
            .find(|p| self.get_unrecorded(p.name()).is_some())
        {
            Some(purpose) => self.open_dyn(&sealed, &purpose, ctx).map(Some),
            None => Ok(None),
        }
    }

    fn as_key_set(&self) -> Option<&KeySet> {
        Some(self)
    }
}

/// [`Reseal::open_text`] of a key set without an event: for runs, which record themselves.
pub(crate) fn open_text_quiet(
    keys: &KeySet,
    text: &str,
    ctx: &Context<'_>,
) -> Result<Option<String>> {
    let sealed = Sealed::<String, AnyPurposes>::from_text(text)?;
    match crate::record::open_source(keys, &sealed, ctx) {
        Ok(value) => Ok(Some(value)),
        Err(Error::NoKeyForPurpose { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

impl Reseal for Keyring {
    fn binding(&self) -> String {
        format!("keyring {} active {}", self.id(), self.active_version())
    }

    fn index_key(&self, name: &str) -> Result<IndexKey> {
        Keyring::index_key(self, name)
    }

    fn as_keyring(&self) -> Option<&Keyring> {
        Some(self)
    }

    fn auditor(&self) -> Option<&crate::audit::Auditor> {
        Keyring::auditor(self)
    }

    // One value: the path a run takes (src/bulk/key_sets.rs), its key sets kept for this call.
    // Runs never call these (they go through their own key sets, and record one event per run):
    // a caller does, for one value, recorded as the same call through a key set is.
    fn open_text(&self, text: &str, ctx: &Context<'_>) -> Result<Option<String>> {
        let open = || KeySets::default().open_text(self, text, ctx);
        one_value(self, Operation::Open, text, ctx, true, open)
    }

    fn reseal_text(&self, text: &str, ctx: &Context<'_>) -> Result<Option<String>> {
        let reseal = || KeySets::default().reseal_text(self, text, ctx);
        one_value(self, Operation::Reseal, text, ctx, false, reseal)
    }
}

/// Runs `f` (one value's open or re-seal through `keyring`) and records it with the keyring's
/// auditor, if it has one: naming the value's first purpose (the one an open uses, `first`) or
/// all of them (a re-seal), and the version `f` works under.
fn one_value<R>(
    keyring: &Keyring,
    operation: Operation,
    text: &str,
    ctx: &Context<'_>,
    first: bool,
    f: impl FnOnce() -> Result<R>,
) -> Result<R> {
    let Some(auditor) = Keyring::auditor(keyring) else {
        return f();
    };
    let bytes = crate::format::decode_text(text).unwrap_or_default();
    let mut names: Vec<&str> = crate::format::parse(&bytes).map_or_else(|_| Vec::new(), |p| p.1);
    if first {
        names.truncate(1);
    }
    let version = || {
        let name = names.first()?;
        match operation {
            Operation::Open => crate::audit::hooks::part_version(&bytes, name),
            _ => Some(keyring.active_version()),
        }
    };
    crate::audit::hooks::value(
        Some(auditor),
        operation,
        crate::audit::Names::Strs(&names),
        ctx,
        &[],
        version,
        f,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_ids_bind_sixteen_bytes_whatever_their_type_and_never_panic() {
        let int = |bytes, signed| IdType::Int { bytes, signed };
        let wide = |n: i128| n.to_be_bytes().to_vec();
        assert_eq!(int(2, false).bytes("id", "258").unwrap(), wide(258));
        assert_eq!(int(4, true).bytes("id", "-2").unwrap(), wide(-2));
        assert_eq!(int(16, true).bytes("id", "-1").unwrap(), wide(-1));
        assert_eq!(int(16, false).bytes("id", "7").unwrap(), wide(7));
        assert_eq!(IdType::Auto.bytes("id", "7").unwrap(), wide(7));
        assert_eq!(IdType::Auto.bytes("id", "-7").unwrap(), wide(-7));
        // Beyond 64 bits, read exactly from the text (serde_json would have read a float).
        let big = "18446744073709551617";
        assert_eq!(
            int(16, false).bytes("id", big).unwrap(),
            18_446_744_073_709_551_617u128.to_be_bytes()
        );
        let max = u128::MAX.to_string();
        assert_eq!(IdType::Auto.bytes("id", &max).unwrap(), [0xff; 16]);
        assert!(int(16, true).bytes("id", &max).is_err());
        assert_eq!(IdType::Auto.bytes("id", "\"c-7\"").unwrap(), b"c-7");
        assert_eq!(IdType::Auto.bytes("id", r#""c\u002d7""#).unwrap(), b"c-7");
        assert!(int(1, false).bytes("id", "256").is_err());
        assert!(int(1, true).bytes("id", "-129").is_err());
        assert_eq!(int(1, true).bytes("id", "-128").unwrap(), wide(-128));
        assert!(int(2, false).bytes("id", "65536").is_err());
        assert!(int(8, false).bytes("id", "-1").is_err());
        assert!(int(2, true).bytes("id", "40000").is_err());
        assert!(int(16, false).bytes("id", "-1").is_err());
        assert!(int(20, false).bytes("id", "1").is_err());
        for not_an_integer in ["1.5", "1e3", "01", "-", "", "+1", "0x10", "true", "null"] {
            assert!(
                IdType::Auto.bytes("id", not_an_integer).is_err(),
                "{not_an_integer}"
            );
        }
        assert!(IdType::String.bytes("id", "1").is_err());
        assert!(int(8, false).bytes("id", "\"1\"").is_err());
        let beyond = format!("{}0", u128::MAX);
        let err = IdType::Auto.bytes("id", &beyond).unwrap_err().to_string();
        assert!(!err.contains(&beyond), "{err}");
    }

    /// Records the context of every value it is asked to re-seal, and re-seals `fs1:old...`.
    struct Recorder(std::sync::Mutex<Vec<(String, String, Vec<u8>)>>);

    impl Reseal for Recorder {
        fn reseal_text(&self, text: &str, ctx: &Context<'_>) -> Result<Option<String>> {
            let seen = (ctx.record().into(), ctx.field().into(), ctx.id().to_vec());
            self.0.lock().unwrap().push(seen);
            Ok(text
                .strip_prefix("fs1:old")
                .map(|rest| format!("fs1:new{rest}")))
        }
    }

    /// Re-seals `fs1:old` to a fixed text, whatever it is.
    struct Returns(&'static str);

    impl Reseal for Returns {
        fn reseal_text(&self, text: &str, _: &Context<'_>) -> Result<Option<String>> {
            Ok((text == "fs1:old").then(|| self.0.to_owned()))
        }
    }

    /// What a `Reseal` of someone else's returns goes into the record as a JSON string that reads
    /// back as that text: escaped where JSON requires it (quotes, backslashes, control
    /// characters), as it is where it does not (DEL, NEL).
    #[test]
    fn a_foreign_reseal_texts_are_written_as_json_strings_that_read_back() {
        let layout = RecordLayout::new("order");
        for new in [
            "fs1:new",
            "fs1:\"q\"",
            "fs1:back\\slash",
            "fs1:line\nbreak",
            "fs1:\u{7f}\u{85}",
        ] {
            let (out, _) = layout.reseal(&Returns(new), r#"{"a":"fs1:old"}"#).unwrap();
            let read: Value = serde_json::from_str(&out).unwrap();
            assert_eq!(read["a"], new, "{out}");
        }
        let (out, _) = layout
            .reseal(&Returns("fs1:new"), r#"{"a":"fs1:old"}"#)
            .unwrap();
        assert_eq!(out, r#"{"a":"fs1:new"}"#);
    }

    #[test]
    fn every_value_is_bound_as_the_derive_binds_it_at_any_depth_and_only_it_changes() {
        let layout = RecordLayout::new("order")
            .id("id", IdType::String)
            .rename("mail", "email")
            .nested(
                "ship",
                RecordLayout::new("Ship")
                    .rename("st", "street")
                    .nested("geo", RecordLayout::new("Geo"))
                    .nested(
                        "box",
                        RecordLayout::new("Box").id("n", IdType::parse("u16").unwrap()),
                    ),
            );
        let record = concat!(
            "{\"mail\" : \"fs1:old1\", \"id\":\"o-1\", \"n\": 1.0e1,",
            " \"ship\":{\"geo\":{\"lat\":\"fs1:old2\"},\"st\":\"\\u0066s1:old3\",",
            "\"box\":{\"n\":258,\"tag\":\"fs1:cur\"},\"x\":[\"plain\"]},\"z\":null}\n"
        );
        let keys = Recorder(std::sync::Mutex::new(Vec::new()));
        let (out, counts) = layout.reseal(&keys, record).unwrap();
        assert_eq!(
            out,
            concat!(
                "{\"mail\" : \"fs1:new1\", \"id\":\"o-1\", \"n\": 1.0e1,",
                " \"ship\":{\"geo\":{\"lat\":\"fs1:new2\"},\"st\":\"fs1:new3\",",
                "\"box\":{\"n\":258,\"tag\":\"fs1:cur\"},\"x\":[\"plain\"]},\"z\":null}\n"
            )
        );
        assert_eq!((counts.resealed, counts.current), (3, 1));
        let seen = keys.0.into_inner().unwrap();
        let bound = |r: &str, f: &str, id: &[u8]| (r.to_owned(), f.to_owned(), id.to_vec());
        assert_eq!(
            seen,
            [
                bound("order", "email", b"o-1"),
                bound("order", "ship.geo.lat", b"o-1"),
                bound("order", "ship.street", b"o-1"),
                // The outermost id wins over the nested record's own (FORMAT.md §13).
                bound("order", "ship.box.tag", b"o-1"),
            ]
        );

        // Nothing to re-seal: the same text back, not a copy.
        let plain = "{\"id\":\"o-2\",\"n\":18446744073709551617}";
        let keys = Recorder(std::sync::Mutex::new(Vec::new()));
        assert!(matches!(
            layout.reseal(&keys, plain).unwrap().0,
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn records_that_do_not_fit_the_layout_are_refused_by_path_without_their_values() {
        let keys = Recorder(std::sync::Mutex::new(Vec::new()));
        let layout = RecordLayout::new("order").nested(
            "ship",
            RecordLayout::new("Ship").nested("geo", RecordLayout::new("Geo")),
        );
        let refused = |record: &str| layout.reseal(&keys, record).unwrap_err().to_string();
        let err = refused("{\"ship\":{\"geo\":{\"a\":[{\"b\":\"fs1:x\"}]}}}");
        assert!(
            err.contains("`ship.geo.a[0].b` in a `order` record"),
            "{err}"
        );
        assert!(err.contains("--nested ship.geo.a=RECORD"), "{err}");
        let err = refused("{\"ship\":{\"geo\":\"secret street\"}}");
        assert!(
            err.contains("`ship.geo` in a `order` record must be a JSON object"),
            "{err}"
        );
        assert!(!err.contains("secret"), "{err}");
        let err = refused("\"secret\"");
        assert!(
            err.contains("must be a JSON object") && !err.contains("secret"),
            "{err}"
        );
        assert!(refused("{\"ship\": }").contains("not JSON"));
        let err = RecordLayout::new("order")
            .id("id", IdType::String)
            .reseal(&keys, "{\"id\":\"a\",\"id\":\"b\"}")
            .unwrap_err();
        assert!(err.to_string().contains("`id` twice"), "{err}");
        // An escaped `fs1:` inside an undeclared object is found too.
        assert!(refused("{\"x\":{\"y\":\"\\u0066s1:x\"}}").contains("`x.y`"));
    }
}
