//! Purpose keys: holding one is the capability to seal and open data for that purpose.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use crate::aead::Suite;
use crate::audit::Auditor;
use crate::error::{Error, KeyringError, Result};
use crate::format::{AadHead, PartHead};
use crate::kdf::{self, KEY_CHECK_LEN};
use crate::keyring::version_key::VersionKey;
use crate::purpose::{DynPurpose, Purpose};
use crate::secret::{KEY_LEN, SecretKey};

/// The keys of one purpose: every version the holder has, and the one it seals with.
///
/// `pub` only so that the sealed trait `SealingKeys` can name it; its module is private, so no
/// outside crate can reach it.
#[allow(unreachable_pub)]
pub struct KeyState {
    pub(crate) purpose: DynPurpose,
    pub(crate) seal_suite: Suite,
    /// Sorted by version, no duplicates, never empty.
    versions: Vec<Arc<VersionKey>>,
    active: usize,
    /// Versions whose key was destroyed: opening their data says so.
    retired: Vec<u32>,
    /// The purpose's part of every associated data (FORMAT.md §6), laid out once.
    pub(crate) aad_head: AadHead,
    /// The start of every part it seals (FORMAT.md §2): purpose, active version, epoch id.
    pub(crate) part_head: PartHead,
    /// The key mode of the values it seals and opens (FORMAT.md §2): direct for a purpose key,
    /// subject for a subject's data key (whose "versions" are its generations).
    pub(crate) mode: u8,
    /// For a subject's data key with a retention period: when it ends (seconds since the Unix
    /// epoch). A session that holds the key refuses it from then on, as the vault's readers do.
    pub(crate) expires: Option<u64>,
}

impl KeyState {
    pub(crate) fn new(
        purpose: DynPurpose,
        seal_suite: Suite,
        mut versions: Vec<Arc<VersionKey>>,
        active: u32,
    ) -> Result<Self> {
        if versions.iter().any(|v| v.version == 0) {
            return Err(KeyringError::ZeroVersion.into());
        }
        versions.sort_by_key(|v| v.version);
        if let Some(pair) = versions.windows(2).find(|w| w[0].version == w[1].version) {
            return Err(KeyringError::VersionExists {
                version: pair[0].version,
            }
            .into());
        }
        let active = versions
            .iter()
            .position(|v| v.version == active)
            .ok_or_else(|| Error::UnknownKeyVersion {
                purpose: purpose.name().to_owned(),
                version: active,
                held: versions.iter().map(|v| v.version).collect(),
            })?;
        Ok(Self {
            aad_head: AadHead::new(purpose.name()),
            part_head: PartHead::new(purpose.name(), versions[active].version, seal_suite),
            mode: crate::format::MODE_DIRECT,
            purpose,
            seal_suite,
            versions,
            active,
            retired: Vec::new(),
            expires: None,
        })
    }

    /// The same key, ending at `expires` (a subject's data key with a retention period).
    pub(crate) fn with_expires(mut self, expires: Option<u64>) -> Self {
        self.expires = expires;
        self
    }

    /// Whether its retention period has ended at `now` (seconds since the Unix epoch).
    pub(crate) fn expired_at(&self, now: impl FnOnce() -> u64) -> bool {
        self.expires.is_some_and(|e| e <= now())
    }

    /// The same key, for values of key mode `mode` (FORMAT.md §2).
    pub(crate) fn with_mode(mut self, mode: u8) -> Self {
        self.mode = mode;
        self
    }

    /// Records the retired versions; any of them that is also held stays held.
    pub(crate) fn with_retired(mut self, mut retired: Vec<u32>) -> Self {
        retired.retain(|r| !self.versions.iter().any(|v| v.version == *r));
        retired.sort_unstable();
        retired.dedup();
        self.retired = retired;
        self
    }

    pub(crate) fn active(&self) -> &VersionKey {
        &self.versions[self.active]
    }

    #[inline]
    pub(crate) fn version(&self, version: u32) -> Result<&VersionKey> {
        self.versions
            .iter()
            .find(|v| v.version == version)
            .map(|v| &**v)
            .ok_or_else(|| self.missing_version(version))
    }

    #[cold]
    fn missing_version(&self, version: u32) -> Error {
        let purpose = self.purpose.name().to_owned();
        if self.retired.contains(&version) {
            Error::RetiredKeyVersion { purpose, version }
        } else {
            Error::UnknownKeyVersion {
                purpose,
                version,
                held: self.held_versions(),
            }
        }
    }

    pub(crate) fn held_versions(&self) -> Vec<u32> {
        self.versions.iter().map(|v| v.version).collect()
    }

    pub(crate) fn retired_versions(&self) -> &[u32] {
        &self.retired
    }
}

/// The key of a purpose known only at run time. See [`PurposeKey`] for the compile-time form.
///
/// Not `Clone` (share it by reference or in an `Arc`), not `Serialize`, redacted in `Debug`.
pub struct DynPurposeKey {
    pub(crate) state: Arc<KeyState>,
    /// What records the operations done with this key alone ([`with_auditor`](Self::with_auditor)).
    pub(crate) auditor: Option<Auditor>,
}

impl DynPurposeKey {
    /// Builds a purpose key from raw key versions, for a service that was handed its purpose keys
    /// outside a key file (a secret manager, say) and holds no root key. `active` is the version
    /// it seals with.
    ///
    /// Each version comes with its key check value ([`key_check`](Self::key_check), FORMAT.md
    /// §4.1), checked in constant time: a wrong key, or a key labelled with another purpose or
    /// version, is refused here, before anything is sealed under it that nobody else could open.
    ///
    /// ```
    /// use fieldseal::{DynPurpose, DynPurposeKey, Keyring, Suite};
    /// let keyring = Keyring::generate(Suite::default())?;
    /// let marketing = DynPurpose::new("marketing")?;
    /// let exported = keyring.dyn_purpose_key(&marketing);
    /// let (key, check) = (exported.dangerous_export_version(1)?, exported.key_check(1)?);
    ///
    /// // The service, given key and check value:
    /// let key = DynPurposeKey::from_versions(marketing, Suite::default(), [(1, key, check)], 1)?;
    /// # Ok::<(), fieldseal::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::KeyCheckFailed`] if a key does not match its check value;
    /// [`Error::UnknownKeyVersion`] if `active` is not among `versions`;
    /// [`KeyringError::VersionExists`] if a version is given twice.
    pub fn from_versions(
        purpose: DynPurpose,
        seal_suite: Suite,
        versions: impl IntoIterator<Item = (u32, Zeroizing<[u8; KEY_LEN]>, KeyCheck)>,
        active: u32,
    ) -> Result<Self> {
        Self::from_versions_retired(purpose, seal_suite, versions, active, Vec::new())
    }

    /// As [`from_versions`](Self::from_versions), also naming the retired versions, so that
    /// opening their data gives [`Error::RetiredKeyVersion`] rather than
    /// [`Error::UnknownKeyVersion`].
    ///
    /// # Errors
    /// As [`from_versions`](Self::from_versions).
    pub fn from_versions_retired(
        purpose: DynPurpose,
        seal_suite: Suite,
        versions: impl IntoIterator<Item = (u32, Zeroizing<[u8; KEY_LEN]>, KeyCheck)>,
        active: u32,
        retired: Vec<u32>,
    ) -> Result<Self> {
        let mut checked = Vec::new();
        for (version, bytes, check) in versions {
            let key = SecretKey::from_bytes(bytes);
            let expected = kdf::key_check(&key, purpose.name(), version);
            if !bool::from(expected.ct_eq(&check.0)) {
                return Err(Error::KeyCheckFailed {
                    purpose: purpose.name().to_owned(),
                    version,
                });
            }
            checked.push(Arc::new(VersionKey::new(version, key)));
        }
        Self::from_version_keys(purpose, seal_suite, checked, active, retired)
    }

    /// From key versions whose origin already vouches for them (an authenticated key file).
    pub(crate) fn from_trusted_versions(
        purpose: DynPurpose,
        seal_suite: Suite,
        versions: impl IntoIterator<Item = (u32, Zeroizing<[u8; KEY_LEN]>)>,
        active: u32,
        retired: Vec<u32>,
    ) -> Result<Self> {
        let versions = versions
            .into_iter()
            .map(|(v, bytes)| Arc::new(VersionKey::new(v, SecretKey::from_bytes(bytes))))
            .collect();
        Self::from_version_keys(purpose, seal_suite, versions, active, retired)
    }

    fn from_version_keys(
        purpose: DynPurpose,
        seal_suite: Suite,
        versions: Vec<Arc<VersionKey>>,
        active: u32,
        retired: Vec<u32>,
    ) -> Result<Self> {
        let state = KeyState::new(purpose, seal_suite, versions, active)?.with_retired(retired);
        Ok(Self {
            state: Arc::new(state),
            auditor: None,
        })
    }

    /// The key check value of one version (FORMAT.md §4.1): 16 public bytes to hand over with
    /// the key, so that [`from_versions`](Self::from_versions) can catch a wrong one.
    ///
    /// # Errors
    /// [`Error::UnknownKeyVersion`] if the version is not held.
    pub fn key_check(&self, version: u32) -> Result<KeyCheck> {
        let key = &self.state.version(version)?.secret;
        Ok(KeyCheck(kdf::key_check(
            key,
            self.state.purpose.name(),
            version,
        )))
    }

    /// The purpose this key serves.
    pub fn purpose(&self) -> &DynPurpose {
        &self.state.purpose
    }

    /// The versions held, ascending.
    pub fn versions(&self) -> Vec<u32> {
        self.state.held_versions()
    }

    /// The retired versions known to this key, ascending: their key bytes are gone.
    pub fn retired_versions(&self) -> Vec<u32> {
        self.state.retired_versions().to_vec()
    }

    /// The version new values are sealed under.
    pub fn active_version(&self) -> u32 {
        self.state.active().version
    }

    /// The suite new values are sealed with.
    pub fn suite(&self) -> Suite {
        self.state.seal_suite
    }

    /// Raw bytes of one version's key, for writing a key bundle. Whoever holds them can open every
    /// value of this purpose and version: keep them inside a protected file or a KMS.
    pub fn dangerous_export_version(&self, version: u32) -> Result<Zeroizing<[u8; KEY_LEN]>> {
        Ok(Zeroizing::new(
            *self.state.version(version)?.secret.expose_secret(),
        ))
    }

    /// Another handle on the same key and caches (the key bytes are not copied).
    #[must_use]
    pub fn share(&self) -> Self {
        Self {
            state: Arc::clone(&self.state),
            auditor: self.auditor.clone(),
        }
    }

    /// Records every seal, open and re-seal done with this key alone with `auditor`, as a
    /// [`KeySet`](crate::KeySet)'s auditor does for its keys: one event per value, and one per
    /// derived record opened with this key (listing its fields). For a service that holds one
    /// purpose key rather than a key set.
    ///
    /// A key set records through its own auditor: a key put into one leaves its auditor to the
    /// set (which takes it if it has none), so nothing is recorded twice or not at all.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use fieldseal::audit::{Auditor, MemorySink};
    /// use fieldseal::{Context, Keyring, Sealed, Suite};
    /// fieldseal::purpose!(Support = "support");
    /// let keyring = Keyring::generate(Suite::default())?;
    /// let sink = Arc::new(MemorySink::new());
    /// let key = keyring
    ///     .purpose_key::<Support>()
    ///     .with_auditor(Auditor::new(Arc::clone(&sink), "support-desk"));
    /// let ctx = Context::new("customer", "phone").with_id_int(1001);
    /// let phone: Sealed<String, Support> = Sealed::seal("+44 20 7946 0000", &ctx, &key)?;
    /// phone.open(&key, &ctx)?;
    /// let lines = sink.lines();
    /// assert!(lines[0].contains(r#""op":"seal""#) && lines[1].contains(r#""op":"open""#));
    /// # Ok::<(), fieldseal::Error>(())
    /// ```
    #[must_use]
    pub fn with_auditor(mut self, auditor: Auditor) -> Self {
        self.auditor = Some(auditor);
        self
    }

    /// The auditor recording what this key does alone, if any.
    pub fn auditor(&self) -> Option<&Auditor> {
        self.auditor.as_ref()
    }

    /// The key without its auditor, and the auditor.
    pub(crate) fn take_auditor(mut self) -> (Self, Option<Auditor>) {
        let auditor = self.auditor.take();
        (self, auditor)
    }
}

impl fmt::Debug for DynPurposeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynPurposeKey")
            .field("purpose", &self.state.purpose.name())
            .field("versions", &self.state.held_versions())
            .field("active", &self.active_version())
            .field("audited", &self.auditor.is_some())
            .field("key", &"[REDACTED]")
            .finish()
    }
}

/// The key of purpose `P`: all versions its holder has, and the one it seals with.
///
/// Holding a `PurposeKey<Marketing>` is the capability to open data sealed for marketing, and
/// nothing else: a service is given exactly the purpose keys it needs.
pub struct PurposeKey<P> {
    pub(crate) inner: DynPurposeKey,
    _purpose: PhantomData<fn() -> P>,
}

impl<P: Purpose> PurposeKey<P> {
    pub(crate) fn from_dyn_unchecked(inner: DynPurposeKey) -> Self {
        debug_assert_eq!(inner.purpose().name(), P::NAME);
        Self {
            inner,
            _purpose: PhantomData,
        }
    }

    /// The typed form of a run-time key.
    ///
    /// # Errors
    /// [`Error::NoKeyForPurpose`] naming `P` if the key is for another purpose.
    pub fn from_dyn(inner: DynPurposeKey) -> Result<Self> {
        if inner.purpose().name() == P::NAME {
            Ok(Self::from_dyn_unchecked(inner))
        } else {
            Err(Error::NoKeyForPurpose {
                purpose: P::NAME.to_owned(),
                held: vec![inner.purpose().name().to_owned()],
            })
        }
    }

    /// The run-time form.
    pub fn as_dyn(&self) -> &DynPurposeKey {
        &self.inner
    }

    /// The run-time form, owned.
    pub fn into_dyn(self) -> DynPurposeKey {
        self.inner
    }

    /// Another handle on the same key and caches.
    #[must_use]
    pub fn share(&self) -> Self {
        Self::from_dyn_unchecked(self.inner.share())
    }

    /// Records every seal, open and re-seal done with this key alone: see
    /// [`DynPurposeKey::with_auditor`].
    #[must_use]
    pub fn with_auditor(self, auditor: Auditor) -> Self {
        Self::from_dyn_unchecked(self.inner.with_auditor(auditor))
    }

    /// The auditor recording what this key does alone, if any.
    pub fn auditor(&self) -> Option<&Auditor> {
        self.inner.auditor()
    }

    /// Another handle on the same key that records nothing: what a derived record's entry
    /// point opens its fields with, around its own one event (`__private::audit::quiet`).
    #[must_use]
    pub(crate) fn quiet(&self) -> Self {
        Self::from_dyn_unchecked(DynPurposeKey {
            state: Arc::clone(&self.inner.state),
            auditor: None,
        })
    }
}

impl<P: Purpose> fmt::Debug for PurposeKey<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PurposeKey<{}>", P::NAME)?;
        f.debug_struct("")
            .field("versions", &self.inner.versions())
            .field("active", &self.inner.active_version())
            .field("audited", &self.inner.auditor.is_some())
            .field("key", &"[REDACTED]")
            .finish()
    }
}

/// The key check value of a purpose key version (FORMAT.md §4.1): public, and derived so that it
/// reveals nothing of the key. Written as 32 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyCheck([u8; KEY_CHECK_LEN]);

impl KeyCheck {
    /// A check value from its 16 bytes.
    pub const fn from_bytes(bytes: [u8; KEY_CHECK_LEN]) -> Self {
        Self(bytes)
    }

    /// Its 16 bytes.
    pub const fn to_bytes(self) -> [u8; KEY_CHECK_LEN] {
        self.0
    }
}

impl fmt::Display for KeyCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for KeyCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyCheck({self})")
    }
}

impl std::str::FromStr for KeyCheck {
    type Err = Error;

    /// Parses 32 hex digits.
    fn from_str(text: &str) -> Result<Self> {
        let bad = || Error::InvalidKeyCheck {
            reason: "a key check value is 32 hex digits",
        };
        let digits = text.as_bytes();
        // Hex digits only: `from_str_radix` alone would take a sign (`+0`).
        if digits.len() != 2 * KEY_CHECK_LEN || !digits.iter().all(u8::is_ascii_hexdigit) {
            return Err(bad());
        }
        let mut out = [0u8; KEY_CHECK_LEN];
        for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
            let pair = std::str::from_utf8(pair).map_err(|_| bad())?;
            *byte = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
        }
        Ok(Self(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version's key with its check value, as an export hands them over.
    fn checked(purpose: &str, version: u32, byte: u8) -> (u32, Zeroizing<[u8; KEY_LEN]>, KeyCheck) {
        let key = SecretKey::from_bytes(Zeroizing::new([byte; KEY_LEN]));
        let check = KeyCheck(kdf::key_check(&key, purpose, version));
        (version, Zeroizing::new([byte; KEY_LEN]), check)
    }

    #[test]
    fn from_versions_refuses_a_version_twice_and_a_missing_active_version() {
        let purpose = DynPurpose::new("marketing").unwrap();
        let twice = [checked("marketing", 1, 1), checked("marketing", 1, 2)];
        assert!(matches!(
            DynPurposeKey::from_versions(purpose.clone(), Suite::default(), twice, 1),
            Err(Error::Keyring(KeyringError::VersionExists { version: 1 }))
        ));
        let one = [checked("marketing", 1, 1)];
        assert!(matches!(
            DynPurposeKey::from_versions(purpose.clone(), Suite::default(), one, 2),
            Err(Error::UnknownKeyVersion { version: 2, .. })
        ));
        let key = DynPurposeKey::from_versions(
            purpose,
            Suite::default(),
            [checked("marketing", 2, 2), checked("marketing", 1, 1)],
            2,
        )
        .unwrap();
        assert_eq!(key.versions(), vec![1, 2]);
        assert_eq!(key.active_version(), 2);
        assert!(!format!("{key:?}").contains("[2, 2"));
    }

    #[test]
    fn a_key_that_does_not_match_its_check_value_is_refused() {
        let purpose = DynPurpose::new("fulfillment").unwrap();
        // Another purpose's key, another version's, and a wrong key, each under a valid-looking
        // check value: all refused, naming purpose and version.
        let (_, _, marketing_check) = checked("marketing", 1, 7);
        let (_, _, v2_check) = checked("fulfillment", 2, 7);
        let (_, _, other_key_check) = checked("fulfillment", 1, 8);
        for check in [marketing_check, v2_check, other_key_check] {
            let given = [(1, Zeroizing::new([7; KEY_LEN]), check)];
            match DynPurposeKey::from_versions(purpose.clone(), Suite::default(), given, 1) {
                Err(Error::KeyCheckFailed { purpose, version }) => {
                    assert_eq!((purpose.as_str(), version), ("fulfillment", 1));
                }
                other => panic!("{other:?}"),
            }
        }
        let good = DynPurposeKey::from_versions(
            purpose,
            Suite::default(),
            [checked("fulfillment", 1, 7)],
            1,
        )
        .unwrap();
        assert_eq!(good.key_check(1).unwrap(), checked("fulfillment", 1, 7).2);
    }

    #[test]
    fn a_key_check_value_reads_back_from_its_hex_form() {
        let check = checked("marketing", 3, 9).2;
        let text = check.to_string();
        assert_eq!(text.len(), 32);
        assert_eq!(text.parse::<KeyCheck>().unwrap(), check);
        for bad in [
            "",
            "00",
            &text[..31],
            &format!("{text}0"),
            &text.replace(|_| true, "g"),
        ] {
            assert!(matches!(
                bad.parse::<KeyCheck>(),
                Err(Error::InvalidKeyCheck { .. })
            ));
        }
    }
}
