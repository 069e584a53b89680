//! Subject mode for async callers: the same operations as the synchronous API, over an
//! [`AsyncKeyVault`], awaiting the vault only on a cache miss (a warm seal or open never awaits).

use crate::error::Result;
use crate::keyring::KeyringId;
use crate::keyset::KeySet;
use crate::purpose::{AnyPurposes, DynPurpose, Includes, Purpose, PurposeSet, Purposes};
use crate::sealed::{AsPlaintext, Context, Plaintext, Sealed};
use crate::vault::keys::{SubjectKeys, part_generation, precheck, purposes_of, seal_with};
use crate::vault::session::SubjectSession;
use crate::vault::store::AsyncKeyVault;
use crate::vault::subject::Subject;

impl<V: AsyncKeyVault> SubjectKeys<V> {
    /// As [`new`](Self::new), for an async vault.
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub async fn new_async(vault: V, keys: KeySet, keyring: KeyringId) -> Result<Self> {
        let bound = vault.bind_keyring(keyring).await?;
        Self::assemble(vault, keys, keyring, bound)
    }

    /// As [`seal`](Self::seal), for async callers.
    ///
    /// # Errors
    /// As [`seal`](Self::seal).
    pub async fn seal_async<T: Plaintext, Ps: PurposeSet>(
        &self,
        subject: &Subject<'_>,
        value: &(impl AsPlaintext<T> + ?Sized),
        ctx: &Context<'_>,
    ) -> Result<Sealed<T, Ps>> {
        let purposes = purposes_of::<Ps>()?;
        let bytes = self
            .seal_bytes_async(subject, &purposes, value, ctx)
            .await?;
        Ok(Sealed::from_trusted(bytes))
    }

    /// As [`seal_dyn`](Self::seal_dyn), for async callers.
    ///
    /// # Errors
    /// As [`seal`](Self::seal).
    pub async fn seal_dyn_async<T: Plaintext>(
        &self,
        subject: &Subject<'_>,
        purposes: &[DynPurpose],
        value: &(impl AsPlaintext<T> + ?Sized),
        ctx: &Context<'_>,
    ) -> Result<Sealed<T, AnyPurposes>> {
        self.seal_bytes_async(subject, purposes, value, ctx)
            .await
            .map(Sealed::from_trusted)
    }

    async fn seal_bytes_async<T: Plaintext>(
        &self,
        subject: &Subject<'_>,
        purposes: &[DynPurpose],
        value: &(impl AsPlaintext<T> + ?Sized),
        ctx: &Context<'_>,
    ) -> Result<Vec<u8>> {
        let sealed = async {
            let (mut states, misses, now) = self.cached_sealing_keys(subject, purposes)?;
            if !misses.is_empty() {
                self.fill_sealing_keys(self.vault(), subject, purposes, &mut states, &misses, now)
                    .await?;
            }
            seal_with(&states, purposes, value, ctx, self.suite_of(purposes))
        }
        .await;
        // Recorded as the blocking seal is, once the outcome is known.
        crate::audit::hooks::value(
            self.keys().auditor(),
            crate::audit::Operation::Seal,
            crate::audit::Names::Purposes(purposes),
            ctx,
            subject.as_bytes(),
            || None,
            || sealed,
        )
    }

    /// As [`open`](Self::open), for async callers.
    ///
    /// # Errors
    /// As [`open`](Self::open).
    pub async fn open_async<P: Purpose, T: Plaintext, Ps: Purposes + Includes<P, I>, I>(
        &self,
        sealed: &Sealed<T, Ps>,
        subject: &Subject<'_>,
        ctx: &Context<'_>,
    ) -> Result<T> {
        self.open_bytes_async(sealed.as_bytes(), &DynPurpose::of::<P>(), subject, ctx)
            .await
    }

    /// As [`open_dyn`](Self::open_dyn), for async callers.
    ///
    /// # Errors
    /// As [`open_dyn`](Self::open_dyn).
    pub async fn open_dyn_async<T: Plaintext, Ps: Purposes>(
        &self,
        sealed: &Sealed<T, Ps>,
        purpose: &DynPurpose,
        subject: &Subject<'_>,
        ctx: &Context<'_>,
    ) -> Result<T> {
        self.open_bytes_async(sealed.as_bytes(), purpose, subject, ctx)
            .await
    }

    async fn open_bytes_async<T: Plaintext>(
        &self,
        bytes: &[u8],
        purpose: &DynPurpose,
        subject: &Subject<'_>,
        ctx: &Context<'_>,
    ) -> Result<T> {
        let opened = async {
            precheck(bytes, subject, ctx)?;
            let generation = match part_generation(bytes, purpose) {
                Err(crate::Error::NoConsentCopy { .. }) => {
                    return Err(self.why_no_copy(self.vault(), subject, purpose).await);
                }
                other => other?,
            };
            if let Some(opened) = self.open_cached(bytes, purpose.name(), subject, ctx, generation)
            {
                return opened;
            }
            let key = self
                .opening_key_in(self.vault(), subject, purpose.name(), generation)
                .await?;
            crate::sealed::open_state(&key, bytes, ctx)
        }
        .await;
        // Recorded as the blocking open is, once the outcome is known.
        crate::audit::hooks::value(
            self.keys().auditor(),
            crate::audit::Operation::Open,
            crate::audit::Names::Strs(&[purpose.name()]),
            ctx,
            subject.as_bytes(),
            || None,
            || opened,
        )
    }

    /// As [`session`](Self::session), for async callers: the session it returns seals without
    /// awaiting anything.
    ///
    /// # Errors
    /// As [`session`](Self::session).
    pub async fn session_async(
        &self,
        subject: &Subject<'_>,
        purposes: &[DynPurpose],
    ) -> Result<SubjectSession<'_, V>> {
        let at = self.cache.ticket();
        let (mut states, misses, now) = self.cached_sealing_keys(subject, purposes)?;
        if !misses.is_empty() {
            self.fill_sealing_keys(self.vault(), subject, purposes, &mut states, &misses, now)
                .await?;
        }
        Ok(SubjectSession::resolved(
            self, subject, purposes, states, at,
        ))
    }
}
