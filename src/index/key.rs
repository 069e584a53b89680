//! Index keys: holding one is the capability to compute and check the terms of one blind index,
//! and nothing else: it opens no value.

use std::fmt;
use std::sync::Arc;

use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use crate::error::{BadTerm, Error, Result};
use crate::index::definition::{IndexInfo, IndexVersionState};
use crate::index::encode;
use crate::index::term::IndexTerm;
use crate::secret::{KEY_LEN, SecretKey};

/// One held version: its key, and the HMAC state keyed with it once, cloned for every term.
struct VersionMac {
    version: u32,
    secret: SecretKey,
    /// Wiped on drop (sha2's `zeroize`): it is as secret as the key.
    mac: Hmac<Sha256>,
}

struct State {
    info: IndexInfo,
    /// The current version first, then the live ones from the newest down: the order of
    /// [`IndexKey::terms`].
    keys: Vec<VersionMac>,
}

/// The key of one blind index (FORMAT.md §16): every version still in use, the current one
/// writing new terms. It computes terms from already-normalized bytes; it opens no sealed value.
///
/// A lookup asks for [`terms`](IndexKey::terms), one per version in use, so rows written before
/// an index rotation are found as well as rows written after it; a writer stores
/// [`term`](IndexKey::term), of the current version.
///
/// ```
/// use fieldseal::{IndexSpec, Keyring, Suite};
///
/// let mut keyring = Keyring::generate(Suite::default())?;
/// keyring.add_index(IndexSpec::new("email")?.with_normalizer("email")?)?;
/// let email = keyring.index_key("email")?;
/// let stored = email.term(b"ada@example.com")?; // the row's lookup column
///
/// keyring.rotate()?; // a root rotation changes no term
/// assert_eq!(keyring.index_key("email")?.term(b"ada@example.com")?, stored);
///
/// keyring.rotate_index("email")?; // version 2 writes; version 1 is still queried
/// let email = keyring.index_key("email")?;
/// let query = email.terms(b"ada@example.com")?; // WHERE email_idx IN (...)
/// assert_eq!(query.len(), 2);
/// assert!(query.contains(&stored));
/// assert!(!email.is_current(&stored), "this row is still to be migrated");
/// # Ok::<(), fieldseal::Error>(())
/// ```
///
/// Not `Clone` (share it with [`share`](IndexKey::share)), not `Serialize`, redacted in `Debug`;
/// its key bytes are wiped when the last handle is dropped.
pub struct IndexKey {
    state: Arc<State>,
}

impl IndexKey {
    /// The key of `info`, with the key of each version in use (current and live) from
    /// `key_of`, in the order [`terms`](Self::terms) gives them.
    ///
    /// Each key goes from `key_of` straight into a vector of its final size: a key moved
    /// through a buffer that is then freed or grown would leave its bytes behind unwiped
    /// (tests/zeroize.rs).
    pub(crate) fn new(
        info: IndexInfo,
        mut key_of: impl FnMut(u32) -> Result<SecretKey>,
    ) -> Result<Self> {
        let in_use = info.lookup_versions();
        let mut keys = Vec::with_capacity(in_use.len());
        for version in in_use {
            let secret = key_of(version)?;
            let mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret())
                .expect("HMAC takes keys of any length");
            keys.push(VersionMac {
                version,
                secret,
                mac,
            });
        }
        Ok(Self {
            state: Arc::new(State { info, keys }),
        })
    }

    /// The index's name.
    pub fn name(&self) -> &str {
        &self.state.info.name
    }

    /// The width of its terms' HMAC, in bytes: a term's byte form is 4 bytes longer.
    pub fn width(&self) -> u8 {
        self.state.info.width
    }

    /// The description of the normalizer values go through before their term is computed
    /// (recorded with the index; empty if none was).
    pub fn normalizer(&self) -> &str {
        &self.state.info.normalizer
    }

    /// The index as recorded where this key was taken: versions, their root versions and states.
    pub fn info(&self) -> &IndexInfo {
        &self.state.info
    }

    /// The version new terms are computed with.
    pub fn current_version(&self) -> u32 {
        self.state.keys[0].version
    }

    /// The versions held (current and live), ascending.
    pub fn versions(&self) -> Vec<u32> {
        let mut versions: Vec<u32> = self.state.keys.iter().map(|k| k.version).collect();
        versions.sort_unstable();
        versions
    }

    /// The retired versions, ascending: their keys are gone.
    pub fn retired_versions(&self) -> Vec<u32> {
        self.state.info.retired_versions()
    }

    /// The term of one value, with the current version: what a writer stores.
    ///
    /// # Errors
    /// [`Error::BadIndexParts`] only for a value over 4 GiB.
    #[inline]
    pub fn term(&self, value: &[u8]) -> Result<IndexTerm> {
        self.term_parts(&[value])
    }

    /// The term of a compound value, one part per field (1 to 16), with the current version.
    /// The parts are length-prefixed (FORMAT.md §16.2): `["ab", "c"]` and `["a", "bc"]` differ.
    ///
    /// # Errors
    /// [`Error::BadIndexParts`] for no part, more than 16, or a part over 4 GiB.
    #[inline]
    pub fn term_parts(&self, parts: &[&[u8]]) -> Result<IndexTerm> {
        encode::check(self.name(), parts)?;
        Ok(self.compute(&self.state.keys[0], parts))
    }

    /// The terms of one value with every version in use, the current one first: what a lookup
    /// asks for (`WHERE column IN (...)`) while a migration is under way. One term once it is
    /// finished.
    ///
    /// # Errors
    /// As [`term`](Self::term).
    pub fn terms(&self, value: &[u8]) -> Result<Vec<IndexTerm>> {
        self.terms_parts(&[value])
    }

    /// [`terms`](Self::terms) of a compound value.
    ///
    /// # Errors
    /// As [`term_parts`](Self::term_parts).
    pub fn terms_parts(&self, parts: &[&[u8]]) -> Result<Vec<IndexTerm>> {
        encode::check(self.name(), parts)?;
        Ok(self
            .state
            .keys
            .iter()
            .map(|key| self.compute(key, parts))
            .collect())
    }

    /// The term of a compound value with one given version, current or live.
    ///
    /// # Errors
    /// [`Error::RetiredIndexVersion`], [`Error::UnknownIndexVersion`], and as
    /// [`term_parts`](Self::term_parts).
    pub fn term_with_version(&self, version: u32, parts: &[&[u8]]) -> Result<IndexTerm> {
        let key = self.version_key(version)?;
        encode::check(self.name(), parts)?;
        Ok(self.compute(key, parts))
    }

    /// Whether a stored term is of this index's current version (and width): a row whose term
    /// is not still has to be migrated before [`finish_index_migration`].
    ///
    /// [`finish_index_migration`]: crate::Keyring::finish_index_migration
    pub fn is_current(&self, term: &IndexTerm) -> bool {
        term.version() == self.current_version() && term.mac().len() == usize::from(self.width())
    }

    /// Checks that a term is one of this index: as wide as its terms, of a version held.
    ///
    /// # Errors
    /// [`Error::BadIndexTerm`] for another width; [`Error::RetiredIndexVersion`];
    /// [`Error::UnknownIndexVersion`].
    pub fn check(&self, term: &IndexTerm) -> Result<()> {
        let expected = 4 + usize::from(self.width());
        if term.as_bytes().len() != expected {
            return Err(Error::BadIndexTerm(BadTerm::WrongWidth {
                index: self.name().to_owned(),
                len: term.as_bytes().len(),
                expected,
            }));
        }
        self.version_key(term.version()).map(drop)
    }

    /// Parses a term's text form and [`check`](Self::check)s it against this index.
    ///
    /// # Errors
    /// As [`IndexTerm::from_text`] and [`check`](Self::check).
    pub fn parse_term(&self, text: &str) -> Result<IndexTerm> {
        let term = IndexTerm::from_text(text)?;
        self.check(&term)?;
        Ok(term)
    }

    /// Whether `term` is the term of `parts` under the term's own version, compared in constant
    /// time: to check a stored term against its row's value.
    ///
    /// # Errors
    /// As [`check`](Self::check) and [`term_parts`](Self::term_parts).
    pub fn matches(&self, parts: &[&[u8]], term: &IndexTerm) -> Result<bool> {
        self.check(term)?;
        let computed = self.term_with_version(term.version(), parts)?;
        Ok(computed.as_bytes().ct_eq(term.as_bytes()).into())
    }

    /// Another handle on the same key (the key bytes are not copied).
    #[must_use]
    pub fn share(&self) -> Self {
        Self {
            state: Arc::clone(&self.state),
        }
    }

    /// Raw bytes of one version's key, for writing a key bundle (FORMAT.md §14.4).
    pub(crate) fn dangerous_export_version(
        &self,
        version: u32,
    ) -> Result<Zeroizing<[u8; KEY_LEN]>> {
        Ok(Zeroizing::new(
            *self.version_key(version)?.secret.expose_secret(),
        ))
    }

    fn version_key(&self, version: u32) -> Result<&VersionMac> {
        if let Some(key) = self.state.keys.iter().find(|k| k.version == version) {
            return Ok(key);
        }
        let index = self.name().to_owned();
        Err(match self.state.info.version(version) {
            Some(v) if v.state == IndexVersionState::Retired => {
                Error::RetiredIndexVersion { index, version }
            }
            _ => Error::UnknownIndexVersion {
                index,
                version,
                held: self.versions(),
            },
        })
    }

    /// `u32be(version) || HMAC-SHA256(IK, encode(parts))[..width]` (FORMAT.md §16.3), `parts`
    /// checked.
    #[inline]
    fn compute(&self, key: &VersionMac, parts: &[&[u8]]) -> IndexTerm {
        let mut mac = key.mac.clone();
        encode::feed(&mut mac, parts);
        let full = mac.finalize().into_bytes();
        IndexTerm::new(key.version, &full[..usize::from(self.width())])
    }
}

impl fmt::Debug for IndexKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IndexKey")
            .field("index", &self.name())
            .field("width", &self.width())
            .field("versions", &self.versions())
            .field("current", &self.current_version())
            .field("key", &"[REDACTED]")
            .finish()
    }
}
