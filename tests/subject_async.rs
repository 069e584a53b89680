//! Subject mode for async callers: a vault whose every operation really suspends once (as a
//! network round trip would), driven by an executor, gives the same answers as the synchronous
//! API; a warm seal or open does not touch the vault at all.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context as TaskContext, Poll};

use fieldseal::vault::{
    AsyncKeyVault, ConsentRecord, Created, DisclosureRecord, ErasureReceipt, ExpiredKey, KeyCursor,
    KeyVault, MemoryVault, StoredKey, Subject, SubjectKeys, SubjectState, VaultStats, VersionCount,
    VersionRetirement, Withdrawal,
};
use fieldseal::{Context, Error, KeySet, Keyring, KeyringId, Result, Sealed, Suite, VaultError};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing", consent);

/// Ready on its second poll, having woken itself: an await that really yields.
struct YieldOnce<T> {
    value: Option<T>,
    yielded: bool,
}

impl<T: Unpin> Future for YieldOnce<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<T> {
        if self.yielded {
            Poll::Ready(self.value.take().expect("polled once more after Ready"))
        } else {
            self.yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

fn later<T: Unpin>(value: T) -> YieldOnce<T> {
    YieldOnce {
        value: Some(value),
        yielded: false,
    }
}

/// The in-memory vault behind an async interface that suspends on every call, counting them
/// (several may share one vault, as processes share a database).
#[derive(Default)]
struct Remote {
    inner: std::sync::Arc<MemoryVault>,
    calls: AtomicUsize,
}

impl Remote {
    fn call(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }
}

impl AsyncKeyVault for Remote {
    fn bind_keyring(&self, id: KeyringId) -> impl Future<Output = Result<KeyringId>> + Send {
        self.call();
        later(self.inner.bind_keyring(id))
    }
    fn keyring(&self) -> impl Future<Output = Result<Option<KeyringId>>> + Send {
        self.call();
        later(self.inner.keyring())
    }
    fn read(&self, s: &[u8], p: &[&str]) -> impl Future<Output = Result<SubjectState>> + Send {
        self.call();
        later(self.inner.read(s, p))
    }
    fn create(
        &self,
        k: &StoredKey,
        c: bool,
        n: u64,
    ) -> impl Future<Output = Result<Created>> + Send {
        self.call();
        later(self.inner.create(k, c, n))
    }
    fn grant(&self, c: &ConsentRecord) -> impl Future<Output = Result<bool>> + Send {
        self.call();
        later(self.inner.grant(c))
    }
    fn withdraw(
        &self,
        s: &[u8],
        p: &str,
        a: u64,
    ) -> impl Future<Output = Result<Withdrawal>> + Send {
        self.call();
        later(self.inner.withdraw(s, p, a))
    }
    fn forget(&self, s: &[u8], a: u64) -> impl Future<Output = Result<ErasureReceipt>> + Send {
        self.call();
        later(self.inner.forget(s, a))
    }
    fn expire(&self, n: u64, l: usize) -> impl Future<Output = Result<Vec<ExpiredKey>>> + Send {
        self.call();
        later(self.inner.expire(n, l))
    }
    fn keys_after(
        &self,
        a: Option<&KeyCursor>,
        l: usize,
    ) -> impl Future<Output = Result<Vec<StoredKey>>> + Send {
        self.call();
        later(self.inner.keys_after(a, l))
    }
    fn rewrap(&self, o: &StoredKey, n: &StoredKey) -> impl Future<Output = Result<bool>> + Send {
        self.call();
        later(self.inner.rewrap(o, n))
    }
    fn key_versions(&self) -> impl Future<Output = Result<Vec<VersionCount>>> + Send {
        self.call();
        later(self.inner.key_versions())
    }
    fn retire_version(&self, v: u32) -> impl Future<Output = Result<VersionRetirement>> + Send {
        self.call();
        later(self.inner.retire_version(v))
    }
    fn retired_versions(&self) -> impl Future<Output = Result<Vec<u32>>> + Send {
        self.call();
        later(self.inner.retired_versions())
    }
    fn consents(&self, s: &[u8]) -> impl Future<Output = Result<Vec<ConsentRecord>>> + Send {
        self.call();
        later(self.inner.consents(s))
    }
    fn log_disclosure(
        &self,
        d: &DisclosureRecord,
    ) -> impl Future<Output = Result<DisclosureRecord>> + Send {
        self.call();
        later(self.inner.log_disclosure(d))
    }
    fn disclosures(
        &self,
        p: Option<&str>,
    ) -> impl Future<Output = Result<Vec<DisclosureRecord>>> + Send {
        self.call();
        later(self.inner.disclosures(p))
    }
    fn erasures(&self) -> impl Future<Output = Result<Vec<ErasureReceipt>>> + Send {
        self.call();
        later(self.inner.erasures())
    }
    fn stats(&self) -> impl Future<Output = Result<VaultStats>> + Send {
        self.call();
        later(self.inner.stats())
    }
}

/// Futures the API returns are `Send`: they can run on a multi-threaded runtime.
fn assert_send<F: Future + Send>(future: F) -> F {
    future
}

#[test]
fn the_async_api_over_a_suspending_vault_answers_as_the_synchronous_one() {
    pollster::block_on(async {
        let keyring = Keyring::generate(Suite::default()).unwrap();
        let keys = KeySet::new()
            .with(keyring.purpose_key::<Fulfillment>())
            .with(keyring.purpose_key::<Marketing>());
        let subjects = assert_send(SubjectKeys::new_async(
            Remote::default(),
            keys,
            keyring.id(),
        ))
        .await
        .unwrap();
        let ada = Subject::int(7);
        let ctx = Context::new("customer", "email").with_id_int(7);

        let before: Sealed<String, (Fulfillment, Marketing)> =
            assert_send(subjects.seal_async(&ada, "ada@example.com", &ctx))
                .await
                .unwrap();
        assert_eq!(before.purposes().len(), 1, "no consent: no marketing copy");
        subjects
            .grant_async(&ada, &Marketing.into(), "form", None)
            .await
            .unwrap();
        let with: Sealed<String, (Fulfillment, Marketing)> = subjects
            .seal_async(&ada, "ada@example.com", &ctx)
            .await
            .unwrap();
        let opened = assert_send(subjects.open_async::<Marketing, _, _, _>(&with, &ada, &ctx))
            .await
            .unwrap();
        assert_eq!(opened, "ada@example.com");

        // Warm: neither a seal nor an open reaches the vault.
        let calls = subjects.vault().calls.load(Ordering::SeqCst);
        let again: Sealed<String, (Fulfillment, Marketing)> = subjects
            .seal_async(&ada, "x@example.com", &ctx)
            .await
            .unwrap();
        subjects
            .open_async::<Fulfillment, _, _, _>(&again, &ada, &ctx)
            .await
            .unwrap();
        assert_eq!(subjects.vault().calls.load(Ordering::SeqCst), calls);

        subjects
            .withdraw_async(&ada, &Marketing.into())
            .await
            .unwrap();
        assert!(matches!(
            subjects
                .open_async::<Marketing, _, _, _>(&with, &ada, &ctx)
                .await,
            Err(Error::ConsentWithdrawn { .. })
        ));
        let session = subjects
            .session_async(&ada, &[Fulfillment.into()])
            .await
            .unwrap();
        let name: Sealed<String, Fulfillment> = session.seal("Ada", &ctx).unwrap();
        assert_eq!(
            session
                .open_async::<Fulfillment, _, _, _>(&name, &ctx)
                .await
                .unwrap(),
            "Ada"
        );
        let receipt = subjects.forget_async(&ada).await.unwrap();
        assert_eq!(receipt.purposes, ["fulfillment"]);
        assert!(matches!(
            subjects
                .open_async::<Fulfillment, _, _, _>(&with, &ada, &ctx)
                .await,
            Err(Error::SubjectErased { .. })
        ));
        assert!(subjects.vault().calls.load(Ordering::SeqCst) > calls);
    });
}

/// A service of one process over an in-memory vault behind the async interface, holding the keys
/// of both purposes, and an administrator of the same process over the same vault.
async fn service_and_admin() -> (
    SubjectKeys<fieldseal::vault::Blocking<std::sync::Arc<MemoryVault>>>,
    SubjectKeys<std::sync::Arc<MemoryVault>>,
) {
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let vault = std::sync::Arc::new(MemoryVault::new());
    let keys = KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with(keyring.purpose_key::<Marketing>());
    let service = SubjectKeys::new_async(
        fieldseal::vault::Blocking(std::sync::Arc::clone(&vault)),
        keys,
        keyring.id(),
    )
    .await
    .unwrap();
    let admin = SubjectKeys::new(vault, KeySet::new(), keyring.id()).unwrap();
    (service, admin)
}

/// A session made by `session_async` seals without awaiting, so it cannot ask the vault again:
/// once a withdrawal made elsewhere in the process returned, it refuses to seal (nothing is sealed
/// under the destroyed key) until the caller makes a new session, which seals no marketing copy.
#[test]
fn an_async_session_refuses_to_seal_once_the_process_withdraws() {
    pollster::block_on(async {
        let (service, admin) = service_and_admin().await;
        let ada = Subject::int(7);
        let ctx = Context::new("customer", "email").with_id_int(7);
        admin.grant(&ada, &Marketing.into(), "form", None).unwrap();
        let purposes = [Fulfillment.into(), Marketing.into()];
        let session = service.session_async(&ada, &purposes).await.unwrap();
        let both: Sealed<String, (Fulfillment, Marketing)> = session.seal("Ada", &ctx).unwrap();
        assert_eq!(both.purposes().len(), 2);

        admin.withdraw(&ada, &Marketing.into()).unwrap();
        let refused = session.seal::<String, (Fulfillment, Marketing)>("Ada", &ctx);
        assert!(
            matches!(refused, Err(Error::Vault(VaultError::SessionOutdated))),
            "sealed after the withdrawal returned: {refused:?}"
        );
        let session = service.session_async(&ada, &purposes).await.unwrap();
        let fresh: Sealed<String, (Fulfillment, Marketing)> = session.seal("Ada", &ctx).unwrap();
        assert_eq!(
            fresh.purposes().len(),
            1,
            "no marketing copy after withdrawal"
        );
    });
}

/// Two requests served on one thread, each opening through a vault that suspends, their polls
/// interleaved: each open's event names its own user, and a third open between them, on behalf
/// of nobody, names none (a thread-local set around an `.await` would leak to all three).
#[test]
fn acting_as_async_names_each_task_on_a_shared_thread() {
    use fieldseal::audit::{Auditor, MemorySink, acting_as_async};
    use std::sync::Arc;
    use std::task::Waker;
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let sink = Arc::new(MemorySink::new());
    let keys = KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with_auditor(Auditor::new(Arc::clone(&sink), "desk"))
        .unwrap();
    // Trusting no cached key: every open reads the vault, and suspends.
    let subjects = pollster::block_on(SubjectKeys::new_async(
        Remote::default(),
        keys,
        keyring.id(),
    ))
    .unwrap()
    .with_cache(16, std::time::Duration::ZERO);
    let ctx = |id| Context::new("customer", "email").with_id_int(id);
    let values: Vec<Sealed<String, Fulfillment>> = (1..=3)
        .map(|id| {
            pollster::block_on(subjects.seal_async(&Subject::int(id), "ada@example.com", &ctx(id)))
                .unwrap()
        })
        .collect();
    let open = |id: u64| {
        let (subjects, value) = (&subjects, &values[usize::try_from(id).unwrap() - 1]);
        async move {
            let (subject, ctx) = (Subject::int(id), ctx(id));
            subjects
                .open_async::<Fulfillment, _, _, _>(value, &subject, &ctx)
                .await
        }
    };
    let mut tasks: Vec<Pin<Box<dyn Future<Output = Result<String>>>>> = vec![
        Box::pin(acting_as_async("agent:1", open(1))),
        Box::pin(open(2)),
        Box::pin(acting_as_async("agent:3", open(3))),
    ];
    let mut done = [false; 3];
    let mut pending = [0; 3];
    let mut cx = TaskContext::from_waker(Waker::noop());
    while done.contains(&false) {
        for ((task, done), pending) in tasks.iter_mut().zip(&mut done).zip(&mut pending) {
            if !*done {
                match task.as_mut().poll(&mut cx) {
                    Poll::Ready(opened) => {
                        assert_eq!(opened.unwrap(), "ada@example.com");
                        *done = true;
                    }
                    Poll::Pending => *pending += 1,
                }
            }
        }
    }
    assert!(
        pending.iter().all(|&n| n > 0),
        "the opens did not interleave: {pending:?}"
    );
    let named: Vec<(String, Option<String>)> = sink
        .lines()
        .iter()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|event| event["op"] == "open")
        .map(|event| {
            (
                event["id"].as_str().unwrap_or_default().to_owned(),
                event["on_behalf_of"].as_str().map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(
        named,
        [
            ("1".to_owned(), Some("agent:1".to_owned())),
            ("2".to_owned(), None),
            ("3".to_owned(), Some("agent:3".to_owned())),
        ]
    );
}

/// A session made by `session_async` over a cache that trusts nothing (time to live 0) cannot
/// seal without awaiting: `seal` refuses, `seal_async` asks the vault again, and so follows a
/// withdrawal made through another `SubjectKeys`.
#[test]
fn seal_async_resolves_what_the_session_may_no_longer_trust() {
    pollster::block_on(async {
        let (service, admin) = service_and_admin().await;
        let service = service.with_cache(16, std::time::Duration::ZERO);
        let ada = Subject::int(7);
        let ctx = Context::new("customer", "email").with_id_int(7);
        admin.grant(&ada, &Marketing.into(), "form", None).unwrap();
        let session = service
            .session_async(&ada, &[Fulfillment.into(), Marketing.into()])
            .await
            .unwrap();
        let refused = session.seal::<String, (Fulfillment, Marketing)>("Ada", &ctx);
        assert!(
            matches!(refused, Err(Error::Vault(VaultError::SessionOutdated))),
            "{refused:?}"
        );
        let both: Sealed<String, (Fulfillment, Marketing)> =
            session.seal_async("Ada", &ctx).await.unwrap();
        assert_eq!(both.purposes().len(), 2);
        admin.withdraw(&ada, &Marketing.into()).unwrap();
        let after: Sealed<String, (Fulfillment, Marketing)> =
            session.seal_async("Ada", &ctx).await.unwrap();
        assert_eq!(
            after.purposes().len(),
            1,
            "a marketing copy after the withdrawal"
        );
    });
}

/// Retiring a root version through an async vault: not the version the keys held seal under;
/// refused while a key is wrapped under it; once recorded, a service still on the keys from
/// before the rotation is refused a new customer's key under it, and nothing is stored.
#[test]
fn an_async_vault_retires_a_version_and_refuses_keys_under_it() {
    pollster::block_on(async {
        let mut keyring = Keyring::generate(Suite::default()).unwrap();
        let shared = std::sync::Arc::new(MemoryVault::new());
        let remote = || Remote {
            inner: std::sync::Arc::clone(&shared),
            calls: AtomicUsize::new(0),
        };
        let keys = |keyring: &Keyring| KeySet::new().with(keyring.purpose_key::<Fulfillment>());
        let stale = SubjectKeys::new_async(remote(), keys(&keyring), keyring.id())
            .await
            .unwrap();
        let ctx = |id| Context::new("customer", "email").with_id_int(id);
        let sealed: Sealed<String, Fulfillment> = stale
            .seal_async(&Subject::int(1), "ada@example.com", &ctx(1))
            .await
            .unwrap();
        keyring.rotate().unwrap();
        let current = SubjectKeys::new_async(remote(), keys(&keyring), keyring.id())
            .await
            .unwrap();
        assert!(matches!(
            current.retire_version_async(2).await,
            Err(Error::Keyring(fieldseal::KeyringError::RetireActive {
                version: 2
            }))
        ));
        assert_eq!(
            assert_send(current.retire_version_async(1)).await.unwrap(),
            VersionRetirement::InUse { keys: 1 }
        );
        assert_eq!(current.rewrap_async(None, 10).await.unwrap().rewrapped, 1);
        assert_eq!(
            current.retire_version_async(1).await.unwrap(),
            VersionRetirement::Retired
        );
        let calls = stale.vault().calls.load(Ordering::SeqCst);
        let refused = stale
            .seal_async::<_, Fulfillment>(&Subject::int(2), "bob@example.com", &ctx(2))
            .await;
        assert!(
            matches!(
                refused,
                Err(Error::Vault(VaultError::VersionRetired { version: 1 }))
            ),
            "{refused:?}"
        );
        assert!(stale.vault().calls.load(Ordering::SeqCst) > calls);
        assert_eq!(shared.stats().unwrap().live_keys, 1, "nothing was stored");
        assert_eq!(
            current
                .open_async::<Fulfillment, _, _, _>(&sealed, &Subject::int(1), &ctx(1))
                .await
                .unwrap(),
            "ada@example.com"
        );
    });
}
