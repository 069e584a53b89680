//! Handing a subject's value over to a third party: the copy of one purpose, opened with the
//! subject's data key, sealed again in direct mode under the partner's own purpose key, so that
//! the partner opens it with the key its bundle holds and nothing else (FORMAT.md §15.1, §2).

use crate::error::Result;
use crate::keyring::{DynPurposeKey, PurposeKey};
use crate::purpose::{DynPurpose, Purpose};
use crate::sealed::{Context, Sealed};
use crate::vault::keys::SubjectKeys;
use crate::vault::store::KeyVault;
use crate::vault::subject::Subject;

impl<V: KeyVault> SubjectKeys<V> {
    /// Re-seals the copy for `from` of a subject-mode value as a direct-mode value for the
    /// purpose of `to` (a partner's `third-party:` purpose, whose key the partner holds in its
    /// bundle), with the same plaintext, type and context: what a
    /// [`disclose`](Self::disclose) hand-over makes of each field. The plaintext never leaves the
    /// library, and is wiped once sealed again.
    ///
    /// The new value is independent of the subject's data keys: a withdrawal or erasure
    /// afterwards does not reach it, as it does not reach what a partner already has.
    ///
    /// ```
    /// use fieldseal::vault::{MemoryVault, Subject, SubjectKeys};
    /// use fieldseal::{Context, KeySet, Keyring, Sealed, Suite};
    /// fieldseal::purpose!(Fulfillment = "fulfillment");
    /// fieldseal::purpose!(Acme = "third-party:acme");
    ///
    /// let keyring = Keyring::generate(Suite::default())?;
    /// let keys = KeySet::new().with(keyring.purpose_key::<Fulfillment>());
    /// let subjects = SubjectKeys::new(MemoryVault::new(), keys, keyring.id())?;
    /// let ada = Subject::int(1001);
    /// let ctx = Context::new("customer", "postcode").with_id_int(1001);
    /// let postcode: Sealed<String, Fulfillment> = subjects.seal(&ada, "SW1A 1AA", &ctx)?;
    ///
    /// let acme = keyring.purpose_key::<Acme>(); // in the partner's bundle
    /// subjects.grant(&ada, &Acme.into(), "checkout: share with Acme", None)?;
    /// let handed: Sealed<String, Acme> =
    ///     subjects.reseal_direct(&postcode, &Fulfillment.into(), &ada, &ctx, &acme)?;
    /// assert_eq!(handed.open(&acme, &ctx)?, "SW1A 1AA");
    /// # Ok::<(), fieldseal::Error>(())
    /// ```
    ///
    /// A purpose that needs consent (every `third-party:` purpose) gets the copy only while the
    /// subject's consent to it stands.
    ///
    /// # Errors
    /// As [`open_dyn`](Self::open_dyn) for `from` (no consent copy, consent withdrawn,
    /// retention expired, subject erased, ...); [`Error::ConsentNeeded`](crate::Error::ConsentNeeded)
    /// for a `to` whose consent does not stand; and as [`Sealed::seal`] for `to`.
    pub fn reseal_direct<T, Ps, P: Purpose>(
        &self,
        sealed: &Sealed<T, Ps>,
        from: &DynPurpose,
        subject: &Subject<'_>,
        ctx: &Context<'_>,
        to: &PurposeKey<P>,
    ) -> Result<Sealed<T, P>> {
        self.reseal_direct_bytes(sealed.as_bytes(), from, subject, ctx, to.as_dyn())
            .map(Sealed::from_trusted)
    }

    /// [`reseal_direct`](Self::reseal_direct) on a value's binary form (FORMAT.md §2), whatever
    /// its plaintext type.
    ///
    /// # Errors
    /// As [`reseal_direct`](Self::reseal_direct), and
    /// [`Error::Malformed`](crate::Error::Malformed) for bytes that are not a value.
    pub fn reseal_direct_bytes(
        &self,
        bytes: &[u8],
        from: &DynPurpose,
        subject: &Subject<'_>,
        ctx: &Context<'_>,
        to: &DynPurposeKey,
    ) -> Result<Vec<u8>> {
        // A purpose that needs consent (every `third-party:` one) gets a copy only while the
        // subject's consent to it stands, as `disclose` hands over only then; and a withdrawn
        // consent binds whatever the purpose's declaration, as for sealing (KeyVault::create).
        // Checked first: a refused hand-over opens nothing.
        let target = to.purpose();
        subject.check()?;
        let state = self.vault().read(subject.as_bytes(), &[target.name()])?;
        if let Some(at) = state.erased {
            return Err(crate::Error::SubjectErased { at });
        }
        let record = state.consents.iter().find(|c| c.purpose == target.name());
        if crate::vault::records::consent_refuses(target.policy().needs_consent(), record) {
            return Err(crate::Error::ConsentNeeded {
                purpose: target.name().to_owned(),
            });
        }
        // The subject's copy is opened: an open of this service's key set, recorded (refusals
        // too) before anything is sealed for the partner; failing closed, nothing is handed over.
        let (type_byte, payload) = crate::audit::hooks::value(
            self.keys().auditor(),
            crate::audit::Operation::Open,
            crate::audit::Names::Strs(&[from.name()]),
            ctx,
            subject.as_bytes(),
            || crate::audit::hooks::part_version(bytes, from.name()),
            || {
                let key = self.key_to_open(bytes, from, subject, ctx)?;
                crate::sealed::open_payload(&key, bytes, ctx)
            },
        )?;
        let purpose = [to.purpose().name()];
        // The partner's key records its seal if it has an auditor of its own.
        crate::audit::hooks::value(
            to.auditor(),
            crate::audit::Operation::Seal,
            crate::audit::Names::Strs(&purpose),
            ctx,
            &[],
            || Some(to.active_version()),
            || crate::sealed::seal_payload(&[&to.state], type_byte, &payload, ctx),
        )
    }

    /// [`reseal_direct`](Self::reseal_direct) on a value's text form (`fs1:...`, FORMAT.md §7),
    /// whatever its plaintext type.
    ///
    /// # Errors
    /// As [`reseal_direct_bytes`](Self::reseal_direct_bytes).
    pub fn reseal_direct_text(
        &self,
        text: &str,
        from: &DynPurpose,
        subject: &Subject<'_>,
        ctx: &Context<'_>,
        to: &DynPurposeKey,
    ) -> Result<String> {
        let bytes = crate::format::decode_text(text)?;
        self.reseal_direct_bytes(&bytes, from, subject, ctx, to)
            .map(|b| crate::format::encode_text(&b))
    }
}
