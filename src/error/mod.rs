//! The one error type of fieldseal.
//!
//! Two kinds of failure are kept apart on purpose:
//! - the *cryptographic* failure to open a value ([`Error::CannotOpen`]) is opaque: a tampered value,
//!   a wrong key and a wrong context all look the same, so an attacker learns nothing from it;
//! - every other failure (malformed input, an unknown format version or suite, a key version the
//!   caller does not hold, a purpose the value was not sealed for, misuse) says what is wrong and
//!   what to do.
//!
//! No message contains plaintext or key bytes: only purpose names, versions, lengths and positions.
//!
//! Size (decided before 1.0): [`Error`] is a flat enum of 72 bytes, so every `Result<T>` is at
//! least that big. It stays flat: callers match on its variants and read their fields
//! (`Err(Error::NotSealedFor { sealed_for, .. })`), which boxing would put behind a deref, and the
//! fields are what make an error say what to do. On the success path a large error type costs one
//! store for the discriminant; what did cost instructions on the hot path was nesting results
//! (`Result<Result<..>>` copied through every frame, removed in the stop-7 work, BENCHMARKS.md).
//! The assertion below keeps the size from growing unnoticed.

mod audit;
mod index;
mod keyfile;
mod kind;
mod vault;

use std::fmt;

pub use audit::AuditError;
pub use index::BadTerm;
pub use keyfile::KeyFileError;
pub use vault::VaultError;

use crate::normalize::NormalizeError;

/// Everything that can go wrong in fieldseal.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Authentication failed. The value was changed, or it was sealed under another key, or it is
    /// being opened with another context (record type, field or id) than it was sealed with.
    /// Deliberately says no more: telling these apart would give an attacker an oracle.
    ///
    /// Except in a debug build: there fieldseal tries the likely mistakes with the caller's own
    /// key (the record type or field in another case, the id bound another way), and `hint` says
    /// which part differs if one opens ([`ContextHint`](crate::ContextHint)). Release builds
    /// never search, and `hint` is always `None` there.
    #[error(
        "cannot open this value: it was altered, or it belongs to another key or another context \
         (record, field or id); check that the context matches the one used when sealing{}",
        hint_text(hint.as_deref())
    )]
    CannotOpen {
        /// Debug builds: which part of the context differs, when trying found it.
        hint: Option<Box<crate::sealed::ContextHint>>,
    },

    /// The bytes or text are not a well-formed fieldseal value.
    #[error("not a well-formed fieldseal value: {0}")]
    Malformed(#[from] Malformed),

    /// The value uses a format version this library does not read.
    #[error(
        "unknown fieldseal format version {found} (this library reads version {supported}); \
         the value was written by a newer fieldseal or is not a fieldseal value"
    )]
    UnknownVersion {
        /// The version byte found.
        found: u8,
        /// The version this library reads.
        supported: u8,
    },

    /// The value names an algorithm suite this library does not know.
    #[error(
        "unknown algorithm suite id {found:#04x} (known: 0x01 AES-256-GCM, 0x02 XChaCha20-Poly1305); \
         the value was written by a newer fieldseal or is corrupt"
    )]
    UnknownSuite {
        /// The suite id found.
        found: u8,
    },

    /// The value uses a key mode this library does not know (FORMAT.md §2: `0x01` is direct mode;
    /// other modes, such as per-subject keys, come with newer releases).
    #[error(
        "unknown key mode {found:#04x} (this library reads 0x01, direct); the value was written \
         by a newer fieldseal or is corrupt"
    )]
    UnknownMode {
        /// The mode byte found.
        found: u8,
    },

    /// The value is sealed in another key mode than the key given opens: a subject-mode value
    /// (per-subject data keys, FORMAT.md §15) opened with a purpose key, or the reverse.
    #[error(
        "this value is sealed in {} mode, and this key opens {} mode values; {}",
        mode_name(*.found),
        mode_name(*.expected),
        mode_hint(*.found)
    )]
    WrongMode {
        /// The mode byte of the value.
        found: u8,
        /// The mode of the key.
        expected: u8,
    },

    /// The value holds a plaintext type this library does not know.
    #[error(
        "unknown plaintext type {found:#04x}; the value was written by a newer fieldseal or is \
         corrupt"
    )]
    UnknownPlaintextType {
        /// The type byte found.
        found: u8,
    },

    /// The value was sealed for other purposes than the one asked for.
    #[error(
        "this value was not sealed for purpose `{purpose}`; it was sealed for: {}; \
         open it with a key of one of those purposes",
        fmt_names(.sealed_for)
    )]
    NotSealedFor {
        /// The purpose the caller tried to open with.
        purpose: String,
        /// The purposes the value carries a copy for.
        sealed_for: Vec<String>,
    },

    /// The value was sealed under a key version the caller's keys do not include.
    #[error(
        "no key for purpose `{purpose}` version {version} (held versions: {}); the keys are \
         older than the value (a stale key bundle?): re-export the bundle from the keyring, or \
         load a key set that includes version {version}",
        fmt_versions(.held)
    )]
    UnknownKeyVersion {
        /// The purpose of the part being opened.
        purpose: String,
        /// The key version the part was sealed under.
        version: u32,
        /// The versions the caller holds for that purpose.
        held: Vec<u32>,
    },

    /// The value was sealed under a key version that has been retired: its key bytes were
    /// destroyed on purpose in the keyring these keys come from, so they cannot open it. (Only a
    /// bundle exported before the retirement, while it exists, still holds that version's key.)
    #[error(
        "purpose `{purpose}` key version {version} is retired: its key was destroyed in the \
         keyring these keys come from, so they cannot open this value; re-seal data before \
         retiring its version"
    )]
    RetiredKeyVersion {
        /// The purpose of the part being opened.
        purpose: String,
        /// The retired key version the part was sealed under.
        version: u32,
    },

    /// A key set (or a typed key) was asked for a purpose it holds no key for.
    #[error(
        "no key for purpose `{purpose}` here (keys held: {}); this is as it should be unless this \
         service may read `{purpose}` data, in which case give it that purpose's key",
        fmt_names(.held)
    )]
    NoKeyForPurpose {
        /// The purpose asked for.
        purpose: String,
        /// The purposes whose keys are held.
        held: Vec<String>,
    },

    /// A purpose key handed over as raw bytes does not match its key check value (FORMAT.md
    /// §4.1): it is another key, or another purpose's or version's.
    #[error(
        "the key given for purpose `{purpose}` version {version} does not match its key check \
         value: it is another key, or the key of another purpose or version; take the key and its \
         check value from the same export"
    )]
    KeyCheckFailed {
        /// The purpose the key was given for.
        purpose: String,
        /// The version it was given for.
        version: u32,
    },

    /// A key check value's text form is not valid.
    #[error("invalid key check value: {reason}")]
    InvalidKeyCheck {
        /// What is wrong.
        reason: &'static str,
    },

    /// A purpose name breaks the naming rules.
    #[error(
        "invalid purpose name {name:?}: {reason}; a purpose name is 1 to 64 bytes of lower-case \
         ASCII letters, digits, `-` and `:` (for example `fulfillment` or `third-party:acme`)"
    )]
    InvalidPurposeName {
        /// The rejected name (purpose names are not secret).
        name: String,
        /// Which rule it breaks.
        reason: &'static str,
    },

    /// A value was to be sealed for no purpose at all.
    #[error("a value must be sealed for at least one purpose; name one or more")]
    NoPurpose,

    /// The keys given to seal one value seal with different suites.
    #[error(
        "the keys for this value seal with different suites ({first} and {other}); a value has \
         one suite: take the keys from one keyring, or give them the same suite"
    )]
    MixedSuites {
        /// The suite of the first key.
        first: crate::aead::Suite,
        /// A different suite among the others.
        other: crate::aead::Suite,
    },

    /// A value was to be sealed for more purposes than a value holds.
    #[error(
        "a value is sealed for at most {max} purposes, not {count}; split the purposes over \
         several fields, or seal for fewer"
    )]
    TooManyPurposes {
        /// The purposes asked for.
        count: usize,
        /// The limit.
        max: usize,
    },

    /// The same purpose was listed twice in one purpose set.
    #[error("purpose `{purpose}` is listed twice; list each purpose once")]
    DuplicatePurpose {
        /// The repeated purpose.
        purpose: String,
    },

    /// A context part is too long to be bound into the associated data.
    #[error(
        "context {part} is {len} bytes, more than the {max} allowed; use a shorter name, or a \
         hash of a long id"
    )]
    ContextTooLong {
        /// Which part: `record type`, `field` or `id`.
        part: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },

    /// A context names no record type or no field (FORMAT.md §6: both are 1 byte at least).
    #[error("context {part} is empty; name the record type and the field the value belongs to")]
    EmptyContext {
        /// Which part: `record type` or `field`.
        part: &'static str,
    },

    /// The value opened, but holds another plaintext type than the one asked for.
    #[error("the value holds {found}, not {expected}; open it as the type it was sealed as")]
    TypeMismatch {
        /// The type asked for.
        expected: &'static str,
        /// The type recorded in the value.
        found: &'static str,
    },

    /// The value opened, but its plaintext does not decode as the type asked for.
    #[error("the value opened but its {ty} plaintext does not decode: {reason}")]
    PlaintextEncoding {
        /// The type asked for.
        ty: &'static str,
        /// What is wrong (never the plaintext itself).
        reason: String,
    },

    /// The value cannot be encoded as its plaintext type, so it is not sealed.
    #[error(
        "this {ty} value cannot be sealed: {reason}; nothing was sealed, change the value or \
         its type"
    )]
    Unsealable {
        /// The plaintext type.
        ty: &'static str,
        /// What is wrong (never the value itself).
        reason: String,
    },

    /// The plaintext is larger than a value can hold.
    #[error("plaintext of {len} bytes is larger than the {max} bytes a sealed value holds")]
    TooLarge {
        /// The encoded plaintext length.
        len: usize,
        /// The limit.
        max: usize,
    },

    /// A keyring operation was refused.
    #[error("keyring: {0}")]
    Keyring(#[from] KeyringError),

    /// A record given to bulk work is not what its layout says (not a JSON object, no id
    /// field, an id of the wrong type).
    #[error("bad record: {reason}")]
    BadRecord {
        /// What is wrong (field names and types, never values).
        reason: String,
    },

    /// Bulk work failed on one record. A re-seal wrote the records before it and resumes from
    /// there when run again; a scan stops there.
    #[error("record on line {line}: {source}; fix or remove it and run again")]
    AtLine {
        /// The record's line, counting from 1.
        line: u64,
        /// What went wrong.
        source: Box<Error>,
    },

    /// Reading or writing failed during bulk work.
    #[error("cannot {action}: {source}")]
    Io {
        /// What was being done, and on which file.
        action: String,
        /// The operating system's error.
        source: std::io::Error,
    },

    /// A key file (keyring or bundle) could not be loaded or saved.
    #[error("key file: {0}")]
    KeyFile(#[from] KeyFileError),

    /// A key vault operation failed (subject mode).
    #[error("key vault: {0}")]
    Vault(#[from] VaultError),

    /// The value holds no copy for this purpose: it needs the subject's consent, and none was
    /// recorded when the value was sealed (FORMAT.md §15).
    #[error(
        "this value holds no `{purpose}` copy: `{purpose}` needs the customer's consent, and there was none when it was sealed; once consent is recorded, seal the data again"
    )]
    NoConsentCopy {
        /// The purpose.
        purpose: String,
    },

    /// The subject withdrew consent for this purpose: the data key of this value was destroyed.
    #[error(
        "the customer withdrew consent for `{purpose}`: the data key of this value was destroyed and it can no longer be opened for `{purpose}`; this is as it should be"
    )]
    ConsentWithdrawn {
        /// The purpose.
        purpose: String,
        /// When, in seconds since the Unix epoch.
        at: u64,
    },

    /// A copy was to be handed over to a purpose that needs consent (a `third-party:` one), and
    /// the subject's consent to it does not stand.
    #[error(
        "the customer has no standing consent to `{purpose}`: nothing is handed over to it; record \
         their consent (SubjectKeys::grant) first, or leave them out"
    )]
    ConsentNeeded {
        /// The purpose.
        purpose: String,
    },

    /// A subject withdrew consent to a purpose that this service declares without the `consent`
    /// policy: its type promises every value a copy for the purpose, and none may be made.
    #[error(
        "the customer withdrew consent to `{purpose}`, which this service declares without \
         `consent`: a copy for it may not be made, and its values always hold one; declare the \
         purpose with `consent` (as the service that recorded the consent does), so that values \
         leave its copy out"
    )]
    UndeclaredConsent {
        /// The purpose.
        purpose: String,
    },

    /// The purpose's retention period ended: the data key of this value was destroyed.
    #[error(
        "the retention period of `{purpose}` for this customer ended: the data key of this value was destroyed and it can no longer be opened for `{purpose}`"
    )]
    RetentionExpired {
        /// The purpose.
        purpose: String,
        /// When the data key was destroyed, in seconds since the Unix epoch.
        at: u64,
    },

    /// The subject was forgotten (right to erasure): none of their data opens, and nothing is
    /// sealed for them again.
    #[error(
        "this customer was erased: every data key was destroyed, so none of their data opens, and nothing can be sealed for them again; a returning customer gets a new id"
    )]
    SubjectErased {
        /// When, in seconds since the Unix epoch.
        at: u64,
    },

    /// The vault has no data key of this generation for the subject and purpose: the value comes
    /// from another vault, or the vault was restored from an older backup.
    #[error(
        "no `{purpose}` data key of generation {generation} for this customer in this vault: the value comes from another vault, or the vault was restored from a backup older than the value"
    )]
    UnknownDataKey {
        /// The purpose.
        purpose: String,
        /// The generation the value names.
        generation: u32,
    },

    /// A key set, bundle or keyring holds no blind index of this name (FORMAT.md §16).
    #[error(
        "no index `{index}` here (indexes here: {}); check the name: indexes are defined in the \
         keyring (`fieldseal index add`), and a service holds the index keys its bundle was made \
         with",
        fmt_names(.held)
    )]
    UnknownIndex {
        /// The index asked for.
        index: String,
        /// The indexes there are.
        held: Vec<String>,
    },

    /// An index name breaks the naming rules (those of purpose names, FORMAT.md §4.1, in a
    /// namespace of its own).
    #[error(
        "invalid index name {name:?}: {reason}; an index name is 1 to 64 bytes of lower-case \
         ASCII letters, digits, `-` and `:` (for example `email` or `last-name:postcode`)"
    )]
    InvalidIndexName {
        /// The rejected name (index names are not secret).
        name: String,
        /// Which rule it breaks.
        reason: &'static str,
    },

    /// An index definition is refused: its width or its normalizer description.
    #[error("index `{index}` cannot be defined: {reason}")]
    InvalidIndexSpec {
        /// The index.
        index: String,
        /// What is wrong and what to choose instead.
        reason: String,
    },

    /// The parts given for an index term cannot be encoded (FORMAT.md §16.2).
    #[error("cannot compute a term of index `{index}`: {reason}")]
    BadIndexParts {
        /// The index.
        index: String,
        /// What is wrong (counts and lengths, never content).
        reason: String,
    },

    /// Bytes or text that are not an index term, or not one of the index they were checked
    /// against (FORMAT.md §16.3).
    #[error("not an index term: {0}; store and query terms exactly as the index key computes them")]
    BadIndexTerm(BadTerm),

    /// A term of an index version the index key does not hold.
    #[error(
        "no key for index `{index}` version {version} (held versions: {}); the index key is \
         older than the term (a stale key bundle?): re-export the bundle from the keyring",
        fmt_versions(.held)
    )]
    UnknownIndexVersion {
        /// The index.
        index: String,
        /// The version the term names.
        version: u32,
        /// The versions held.
        held: Vec<u32>,
    },

    /// A term of an index version whose migration was finished: its key was destroyed.
    #[error(
        "index `{index}` version {version} is retired: its key was destroyed when its migration \
         was finished, so terms of it are no longer computed or checked; recompute the term from \
         the value with the current version"
    )]
    RetiredIndexVersion {
        /// The index.
        index: String,
        /// The retired version.
        version: u32,
    },

    /// A key bundle was to hold no key at all.
    #[error(
        "a bundle for service `{service}` would hold no key; name at least one purpose or index"
    )]
    EmptyBundle {
        /// The service.
        service: String,
    },

    /// The same index was named twice where each is listed once (a bundle's indexes).
    #[error("index `{index}` is named twice; name each index once")]
    DuplicateIndex {
        /// The repeated index.
        index: String,
    },

    /// A key bundle was asked to hold more than one can (FORMAT.md §14.4).
    #[error(
        "a bundle holds up to 255 purposes, 255 indexes and a service name of up to 255 bytes; \
         this one would hold {purposes} purposes, {indexes} indexes and a {service_len}-byte \
         service name: split it, or shorten the name"
    )]
    BundleTooLarge {
        /// Purposes asked for.
        purposes: usize,
        /// Indexes asked for.
        indexes: usize,
        /// The service name's length in bytes.
        service_len: usize,
    },

    /// A value could not be normalized for a blind index (FORMAT.md §17), or the index's
    /// normalizer could not be made from its description. Names the index and the field, never
    /// the value.
    #[error("index `{index}`, field `{field}`: {source}")]
    Normalize {
        /// The index.
        index: String,
        /// The field whose value (or whose normalizer description) was refused.
        field: String,
        /// What is wrong with it. Boxed, to keep [`Error`] small.
        source: Box<NormalizeError>,
    },

    /// A record declares an index with another normalizer than the one its keyring records:
    /// terms computed by the two would never match (FORMAT.md §13, §16.4).
    #[error(
        "index `{index}` is declared with normalizer `{declared}`, but its keyring records \
         `{recorded}`: every service must normalize alike, or lookups miss; declare the recorded \
         normalizer, or define a new index for the new one (`fieldseal index add`)"
    )]
    IndexNormalizerMismatch {
        /// The index.
        index: String,
        /// The normalizer description the record declares (for a compound index, the
        /// descriptions of its parts joined by `,`). Boxed, to keep [`Error`] small.
        declared: Box<str>,
        /// The normalizer description the index key records.
        recorded: Box<str>,
    },

    /// The operating system's random number generator failed.
    #[error("the operating system's random number generator failed; retry, and check the host")]
    Rng,

    /// An audit event could not be recorded (the default policy fails closed: the operation
    /// that wanted it fails with this error), or an audit log could not be read or written.
    #[error("audit: {0}")]
    Audit(#[from] AuditError),
}

/// How a value is malformed. Positions and lengths only, never content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Malformed {
    /// The value ends before a field it must contain.
    #[error("truncated: {what} needs {needed} more bytes at offset {offset}")]
    Truncated {
        /// The field being read.
        what: &'static str,
        /// Its offset.
        offset: usize,
        /// How many bytes were missing.
        needed: usize,
    },
    /// A part names key version 0, which no key ever has.
    #[error("a part names key version 0; versions start at 1")]
    ZeroKeyVersion,
    /// Bytes follow the last part.
    #[error("{count} unexpected bytes after the last part")]
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// The ciphertext length is above the limit.
    #[error("ciphertext length {len} is above the 2^30 limit")]
    BadLength {
        /// The length found.
        len: usize,
    },
    /// The ciphertext length differs from the fixed payload length of the value's type (a
    /// `bool` is 1 byte, a `u32` 4, ...): refused before any cryptography (FORMAT.md §8).
    #[error(
        "ciphertext length {found} does not fit plaintext type {type_byte:#04x}, whose payload is \
         {expected} bytes"
    )]
    PayloadLength {
        /// The type byte.
        type_byte: u8,
        /// The type's payload length.
        expected: usize,
        /// The ciphertext length found.
        found: usize,
    },
    /// The value holds no part at all (only a subject-mode value may: FORMAT.md §15).
    #[error("the value holds no purpose part")]
    NoParts,
    /// A value without parts names a ciphertext length: it can hold no data (FORMAT.md §15).
    #[error("a value without parts has ciphertext length {len}, not 0")]
    EmptyWithLength {
        /// The length found.
        len: usize,
    },
    /// Too many parts.
    #[error("the value holds {count} parts, more than the {max} allowed")]
    TooManyParts {
        /// The count found.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A part's purpose name is not a valid purpose name.
    #[error("part {index} has an invalid purpose name")]
    BadPurposeName {
        /// The part index.
        index: usize,
    },
    /// Two parts carry the same purpose.
    #[error("two parts carry purpose `{purpose}`")]
    DuplicatePurpose {
        /// The repeated purpose.
        purpose: String,
    },
    /// The text form does not start with the fieldseal prefix.
    #[error("text form must start with `{expected}`")]
    MissingPrefix {
        /// The prefix expected.
        expected: &'static str,
    },
    /// The text form is not valid unpadded base64url.
    #[error("text form is not unpadded base64url")]
    BadBase64,
    /// Input that is not a fieldseal value of this format version: an unknown format version,
    /// suite, key mode or plaintext type, reported without the byte found: what a serde field or
    /// a database column that held clear text by mistake gives.
    #[error(
        "unknown format version, suite, key mode or plaintext type: not a fieldseal value, or one \
         written by a newer fieldseal"
    )]
    NotAValue,
    /// A header whose part count or ciphertext length is impossible, reported without the
    /// count or length found (a serde field or a database column, as above).
    #[error("its part count or ciphertext length is impossible")]
    ImpossibleHeader,
    /// A value of the wrong purpose set was given to a typed `Sealed`.
    #[error("the value's purposes ({found}) are not the purposes of this sealed type ({expected})")]
    PurposeSetMismatch {
        /// Purposes the type expects.
        expected: String,
        /// Purposes found in the value.
        found: String,
    },
}

/// A refused keyring operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyringError {
    /// No root key with that version.
    #[error(
        "no root key version {version} in this keyring (present: {}); check the version given",
        fmt_versions(.present)
    )]
    NoSuchVersion {
        /// The version asked for.
        version: u32,
        /// The versions present.
        present: Vec<u32>,
    },
    /// A root key with that version already exists.
    #[error("root key version {version} already exists; versions are never reused")]
    VersionExists {
        /// The version.
        version: u32,
    },
    /// Version 0 is reserved.
    #[error("root key version 0 is reserved; versions start at 1")]
    ZeroVersion,
    /// The active version cannot be retired.
    #[error(
        "root key version {version} is the active version and cannot be retired; rotate first, \
         re-seal, then retire it"
    )]
    RetireActive {
        /// The version.
        version: u32,
    },
    /// The version is retired: its key is gone.
    #[error("root key version {version} is retired: its key was destroyed and cannot be used")]
    Retired {
        /// The version.
        version: u32,
    },
    /// Versions ran out.
    #[error("no key version left after {last}")]
    VersionsExhausted {
        /// The last version.
        last: u32,
    },
    /// An index of that name is defined already (FORMAT.md §16).
    #[error(
        "index `{index}` is defined already; its width and normalizer never change: rotate it \
         for a new key (`fieldseal index rotate`), or define a new index under another name"
    )]
    IndexExists {
        /// The index.
        index: String,
    },
    /// The root version cannot be retired: index versions still in use derive their keys from it
    /// (FORMAT.md §16.1).
    #[error(
        "root key version {version} cannot be retired: index versions still in use derive their \
         keys from it ({}); rotate each of those indexes (`fieldseal index rotate NAME`), recompute its \
         stored terms with the new version, finish its migration (`fieldseal index finish NAME`), \
         then retire version {version}",
        fmt_names(.pinned)
    )]
    RootPinnedByIndex {
        /// The root version.
        version: u32,
        /// The index versions pinned to it, as `index `email` version 1`.
        pinned: Vec<String>,
    },
    /// The root version cannot be retired: audit key versions still in use derive from it
    /// (FORMAT.md §18.1).
    #[error(
        "root key version {version} cannot be retired: audit key versions {} derive from it, and \
         the logs written under them verify only with them; rotate the audit key (`fieldseal \
         audit rotate-key`), export the services' bundles again, and once the logs of those \
         versions are verified and archived with their checkpoints, retire them (`fieldseal audit \
         retire-key VERSION --yes`); then retire version {version}",
        fmt_versions(.pinned)
    )]
    RootPinnedByAudit {
        /// The root version.
        version: u32,
        /// The audit key versions pinned to it.
        pinned: Vec<u32>,
    },
    /// No such audit key version (FORMAT.md §18.1).
    #[error(
        "no audit key version {version} (present: {}); see `fieldseal status`",
        fmt_versions(.present)
    )]
    NoAuditVersion {
        /// The version asked for.
        version: u32,
        /// The versions present.
        present: Vec<u32>,
    },
    /// The current audit key version cannot be retired: services append with it.
    #[error(
        "audit key version {version} is the current one, which services append with; rotate the \
         audit key first (`fieldseal audit rotate-key`)"
    )]
    RetireCurrentAudit {
        /// The version.
        version: u32,
    },
}

fn mode_name(mode: u8) -> &'static str {
    match mode {
        crate::format::MODE_DIRECT => "direct",
        crate::format::MODE_SUBJECT => "subject",
        _ => "an unknown",
    }
}

fn hint_text(hint: Option<&crate::sealed::ContextHint>) -> String {
    hint.map_or_else(String::new, |hint| format!(" ({hint})"))
}

impl Error {
    /// This parse error without the header bytes that the unknown-version, -suite, -mode and
    /// -type errors, and the count and length errors, name: input that came in where a sealed
    /// value was expected (a serde field, a database column) may be clear text stored by
    /// mistake, and those bytes are then bytes of the clear text.
    pub(crate) fn without_input_bytes(self) -> Self {
        match self {
            Self::UnknownVersion { .. }
            | Self::UnknownSuite { .. }
            | Self::UnknownMode { .. }
            | Self::UnknownPlaintextType { .. } => Malformed::NotAValue.into(),
            Self::Malformed(
                Malformed::BadLength { .. }
                | Malformed::PayloadLength { .. }
                | Malformed::EmptyWithLength { .. }
                | Malformed::TooManyParts { .. },
            ) => Malformed::ImpossibleHeader.into(),
            other => other,
        }
    }

    /// The opaque failure to open, with no hint.
    pub(crate) const OPAQUE: Self = Self::CannotOpen { hint: None };
}

fn mode_hint(found: u8) -> &'static str {
    if found == crate::format::MODE_SUBJECT {
        "open it through `SubjectKeys` with the subject's id"
    } else {
        "open it with the purpose key (`KeySet`, `PurposeKey`)"
    }
}

fn fmt_names(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

fn fmt_versions(versions: &[u32]) -> Versions<'_> {
    Versions(versions)
}

struct Versions<'a>(&'a [u32]);

impl fmt::Display for Versions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

impl Error {
    /// Whether this is a copy the subject's own choices withhold, rather than a failure: no
    /// consent when it was sealed, consent withdrawn, or its retention period over (subject
    /// mode). A run-time view lists such fields as missing instead of failing.
    pub fn is_withheld(&self) -> bool {
        matches!(
            self,
            Self::NoConsentCopy { .. }
                | Self::ConsentWithdrawn { .. }
                | Self::RetentionExpired { .. }
        )
    }
}

const _: () = assert!(
    size_of::<Error>() <= 72,
    "Error grew: box the new variant's payload, or revisit the size decision above"
);

/// The result type of fieldseal.
pub type Result<T, E = Error> = std::result::Result<T, E>;
