//! Cancellation of the async subject-mode administration: a vault whose write commits and whose
//! answer is then slow (the COMMIT reached the server, its reply did not reach us before a
//! `tokio::time::timeout`). The change stands in the vault, so this process must stop using the
//! withdrawn or erased keys at once, as after the synchronous twin.

use std::future::Future;
use std::time::Duration;

use fieldseal::vault::{
    AsyncKeyVault, ConsentRecord, Created, DisclosureRecord, ErasureReceipt, ExpiredKey, KeyCursor,
    KeyVault, MemoryVault, StoredKey, Subject, SubjectKeys, SubjectState, VaultStats, VersionCount,
    Withdrawal,
};
use fieldseal::{Context, Error, KeySet, Keyring, KeyringId, Result, Sealed, Suite};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing", consent);

/// An in-memory vault whose `withdraw` and `forget` commit on their first poll, then wait for a
/// reply that never comes; every other call answers at once.
#[derive(Default)]
struct SlowReply {
    inner: MemoryVault,
}

/// The vault has committed; its reply never comes (the caller's timeout drops the future).
async fn slow_reply<T>(committed: T) -> T {
    std::future::pending::<()>().await;
    committed
}

impl AsyncKeyVault for SlowReply {
    fn bind_keyring(&self, id: KeyringId) -> impl Future<Output = Result<KeyringId>> + Send {
        std::future::ready(self.inner.bind_keyring(id))
    }
    fn keyring(&self) -> impl Future<Output = Result<Option<KeyringId>>> + Send {
        std::future::ready(self.inner.keyring())
    }
    fn read(&self, s: &[u8], p: &[&str]) -> impl Future<Output = Result<SubjectState>> + Send {
        std::future::ready(self.inner.read(s, p))
    }
    fn create(
        &self,
        k: &StoredKey,
        c: bool,
        n: u64,
    ) -> impl Future<Output = Result<Created>> + Send {
        std::future::ready(self.inner.create(k, c, n))
    }
    fn grant(&self, c: &ConsentRecord) -> impl Future<Output = Result<bool>> + Send {
        std::future::ready(self.inner.grant(c))
    }
    fn withdraw(
        &self,
        s: &[u8],
        p: &str,
        a: u64,
    ) -> impl Future<Output = Result<Withdrawal>> + Send {
        let (s, p) = (s.to_vec(), p.to_owned());
        async move { slow_reply(self.inner.withdraw(&s, &p, a)).await }
    }
    fn forget(&self, s: &[u8], a: u64) -> impl Future<Output = Result<ErasureReceipt>> + Send {
        let s = s.to_vec();
        async move { slow_reply(self.inner.forget(&s, a)).await }
    }
    fn expire(&self, n: u64, l: usize) -> impl Future<Output = Result<Vec<ExpiredKey>>> + Send {
        std::future::ready(self.inner.expire(n, l))
    }
    fn keys_after(
        &self,
        a: Option<&KeyCursor>,
        l: usize,
    ) -> impl Future<Output = Result<Vec<StoredKey>>> + Send {
        std::future::ready(self.inner.keys_after(a, l))
    }
    fn rewrap(&self, o: &StoredKey, n: &StoredKey) -> impl Future<Output = Result<bool>> + Send {
        std::future::ready(self.inner.rewrap(o, n))
    }
    fn key_versions(&self) -> impl Future<Output = Result<Vec<VersionCount>>> + Send {
        std::future::ready(self.inner.key_versions())
    }
    fn retire_version(
        &self,
        v: u32,
    ) -> impl Future<Output = Result<fieldseal::vault::VersionRetirement>> + Send {
        std::future::ready(self.inner.retire_version(v))
    }
    fn retired_versions(&self) -> impl Future<Output = Result<Vec<u32>>> + Send {
        std::future::ready(self.inner.retired_versions())
    }
    fn consents(&self, s: &[u8]) -> impl Future<Output = Result<Vec<ConsentRecord>>> + Send {
        std::future::ready(self.inner.consents(s))
    }
    fn log_disclosure(
        &self,
        d: &DisclosureRecord,
    ) -> impl Future<Output = Result<DisclosureRecord>> + Send {
        std::future::ready(self.inner.log_disclosure(d))
    }
    fn disclosures(
        &self,
        p: Option<&str>,
    ) -> impl Future<Output = Result<Vec<DisclosureRecord>>> + Send {
        std::future::ready(self.inner.disclosures(p))
    }
    fn erasures(&self) -> impl Future<Output = Result<Vec<ErasureReceipt>>> + Send {
        std::future::ready(self.inner.erasures())
    }
    fn stats(&self) -> impl Future<Output = Result<VaultStats>> + Send {
        std::future::ready(self.inner.stats())
    }
}

type Email = Sealed<String, (Fulfillment, Marketing)>;

/// Subject keys over a `SlowReply` vault, Ada consenting to marketing, her email sealed and
/// opened once (so that this process caches her marketing key).
async fn warm() -> (SubjectKeys<SlowReply>, Email) {
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let keys = KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with(keyring.purpose_key::<Marketing>());
    let subjects = SubjectKeys::new_async(SlowReply::default(), keys, keyring.id())
        .await
        .unwrap();
    let ada = Subject::int(7);
    subjects
        .grant_async(&ada, &Marketing.into(), "form", None)
        .await
        .unwrap();
    let email: Email = subjects
        .seal_async(&ada, "ada@example.com", &ctx())
        .await
        .unwrap();
    let opened = subjects
        .open_async::<Marketing, _, _, _>(&email, &ada, &ctx())
        .await
        .unwrap();
    assert_eq!(opened, "ada@example.com");
    (subjects, email)
}

fn ctx() -> Context<'static> {
    Context::new("customer", "email").with_id_int(7)
}

#[tokio::test]
async fn a_withdrawal_cancelled_after_the_vault_committed_it_stops_this_process() {
    let (subjects, email) = warm().await;
    let ada = Subject::int(7);
    let cancelled = tokio::time::timeout(
        Duration::from_millis(50),
        subjects.withdraw_async(&ada, &Marketing.into()),
    )
    .await;
    assert!(cancelled.is_err(), "the timeout fired");
    // The vault did withdraw: the key is destroyed there.
    let state = subjects
        .vault()
        .inner
        .read(ada.as_bytes(), &["marketing"])
        .unwrap();
    assert!(
        state.consents.iter().all(|c| !c.is_active()),
        "withdrawn in the vault"
    );

    let opened = subjects
        .open_async::<Marketing, _, _, _>(&email, &ada, &ctx())
        .await;
    assert!(
        matches!(opened, Err(Error::ConsentWithdrawn { .. })),
        "a withdrawn key still opens in this process: {opened:?}"
    );
}

#[tokio::test]
async fn an_erasure_cancelled_after_the_vault_committed_it_stops_this_process() {
    let (subjects, email) = warm().await;
    let ada = Subject::int(7);
    let cancelled =
        tokio::time::timeout(Duration::from_millis(50), subjects.forget_async(&ada)).await;
    assert!(cancelled.is_err(), "the timeout fired");
    assert!(
        subjects
            .vault()
            .inner
            .read(ada.as_bytes(), &[])
            .unwrap()
            .erased
            .is_some(),
        "erased in the vault"
    );

    let opened = subjects
        .open_async::<Fulfillment, _, _, _>(&email, &ada, &ctx())
        .await;
    assert!(
        matches!(opened, Err(Error::SubjectErased { .. })),
        "an erased subject's key still opens in this process: {opened:?}"
    );
}
