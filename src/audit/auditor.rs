//! The [`Auditor`]: a sink, the actor it records, how it writes ids, and what happens when the
//! sink fails.

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use hmac::Hmac;
use sha2::Sha256;

use crate::audit::event::{AuditEvent, Detail, Id, Names, Operation, Outcome};
use crate::audit::key::AuditKey;
use crate::audit::sink::AuditSink;
use crate::error::{Error, Result};

/// How record ids and subjects are written in events.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum IdPolicy {
    /// As they are, in the syntax of FORMAT.md §18.2 (`1001`, `str:cust-7`, `hex:...`). The log
    /// then says which customer was read; keep it as protected as the data's access logs.
    #[default]
    Plain,
    /// As a keyed pseudonym (FORMAT.md §18.1): a truncated HMAC-SHA256 under a key derived from
    /// the audit key, so the log alone names nobody, and whoever holds the audit key can still
    /// answer "who read customer 1001" (`fieldseal audit query --subject 1001`).
    Pseudonym(Pseudonyms),
    /// Left out.
    Omit,
}

impl IdPolicy {
    /// Pseudonyms under the current version of `key`: give the key the log is written with, so
    /// that the log's own key finds them (FORMAT.md §18.1).
    pub fn pseudonym(key: &AuditKey) -> Self {
        Self::Pseudonym(Pseudonyms {
            state: Arc::new(key.pseudonym_state()),
        })
    }
}

/// The keyed state pseudonyms are computed with (see [`IdPolicy::pseudonym`]).
#[derive(Clone)]
pub struct Pseudonyms {
    state: Arc<Hmac<Sha256>>,
}

impl fmt::Debug for IdPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Plain => "Plain",
            Self::Pseudonym(_) => "Pseudonym([REDACTED])",
            Self::Omit => "Omit",
        })
    }
}

/// What an operation does when its event cannot be recorded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailurePolicy {
    /// The operation fails with [`Error::Audit`]: nothing is opened that is not recorded. The
    /// default.
    #[default]
    Closed,
    /// The operation goes on; the event is counted as dropped ([`Auditor::dropped`]). For
    /// services where availability outweighs the trail; watch the count.
    Open,
}

/// What records the events of the keys it is attached to: a sink, the actor it names (a
/// service), how it writes ids ([`IdPolicy`]), and what happens when the sink fails
/// ([`FailurePolicy`]). Cheap to clone: clones share the sink and the dropped count.
///
/// Attach it where keys are held: [`KeySet::with_auditor`](crate::KeySet::with_auditor) (every
/// seal and open through the key set, single values and derived records, and the subject mode
/// built on it), [`Keyring::set_auditor`](crate::Keyring::set_auditor) (administration), and bulk
/// re-seal runs through either. A bare [`PurposeKey`](crate::PurposeKey) used directly records
/// nothing: give services key sets.
#[derive(Clone)]
pub struct Auditor {
    sink: Arc<dyn AuditSink>,
    actor: Arc<str>,
    ids: IdPolicy,
    failure: FailurePolicy,
    dropped: Arc<AtomicU64>,
}

thread_local! {
    /// The actor named by the innermost `acting_as` on this thread.
    static ACTING: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f` with events recorded on this thread naming `on_behalf_of` (a user, a request id)
/// beside the auditor's actor: for services that serve many users with one key set.
///
/// ```
/// use std::sync::Arc;
/// use fieldseal::audit::{Auditor, MemorySink, acting_as};
/// use fieldseal::{Context, KeySet, Keyring, Suite};
/// fieldseal::purpose!(Support = "support");
/// let keyring = Keyring::generate(Suite::default())?;
/// let sink = Arc::new(MemorySink::new());
/// let keys = KeySet::new()
///     .with(keyring.purpose_key::<Support>())
///     .with_auditor(Auditor::new(Arc::clone(&sink), "support-desk"))?;
/// let ctx = Context::new("customer", "phone").with_id_int(7);
/// let phone = keys.seal::<Support, String>("+44 20 7946 0000", &ctx)?;
/// acting_as("agent:42 ticket:9001", || phone.open_with::<Support, _>(&keys, &ctx))?;
/// assert!(sink.lines()[2].contains(r#""on_behalf_of":"agent:42 ticket:9001""#));
/// # Ok::<(), fieldseal::Error>(())
/// ```
pub fn acting_as<R>(on_behalf_of: &str, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<String>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            ACTING.with(|a| *a.borrow_mut() = previous);
        }
    }
    let previous = ACTING.with(|a| a.borrow_mut().replace(on_behalf_of.to_owned()));
    let _restore = Restore(previous);
    f()
}

/// As [`acting_as`], for async code: the events recorded while `future` runs name
/// `on_behalf_of`, on whichever thread polls it. The name is set for each poll and restored
/// after, so tasks that share a thread never see each other's (a thread-local set around an
/// `.await` would leak to every task the runtime polls on that thread meanwhile).
///
/// ```
/// use std::sync::Arc;
/// use fieldseal::audit::{Auditor, MemorySink, acting_as_async};
/// use fieldseal::vault::{Blocking, MemoryVault, Subject, SubjectKeys};
/// use fieldseal::{Context, KeySet, Keyring, Sealed, Suite};
/// fieldseal::purpose!(Support = "support");
/// # pollster::block_on(async {
/// let keyring = Keyring::generate(Suite::default())?;
/// let sink = Arc::new(MemorySink::new());
/// let keys = KeySet::new()
///     .with(keyring.purpose_key::<Support>())
///     .with_auditor(Auditor::new(Arc::clone(&sink), "support-desk"))?;
/// let subjects = SubjectKeys::new_async(Blocking(MemoryVault::new()), keys, keyring.id()).await?;
/// let (ada, ctx) = (Subject::int(7), Context::new("customer", "phone").with_id_int(7));
/// let phone: Sealed<String, Support> = subjects.seal_async(&ada, "+44 20 7946 0000", &ctx).await?;
/// let opened = acting_as_async("agent:42", subjects.open_async::<Support, _, _, _>(&phone, &ada, &ctx));
/// assert_eq!(opened.await?, "+44 20 7946 0000");
/// assert!(sink.lines().last().unwrap().contains(r#""on_behalf_of":"agent:42""#));
/// # Ok::<(), fieldseal::Error>(())
/// # }).unwrap();
/// ```
pub fn acting_as_async<F: Future>(on_behalf_of: &str, future: F) -> ActingAs<F> {
    ActingAs {
        on_behalf_of: on_behalf_of.to_owned(),
        future: Box::pin(future),
    }
}

/// The future [`acting_as_async`] returns.
pub struct ActingAs<F> {
    on_behalf_of: String,
    future: std::pin::Pin<Box<F>>,
}

impl<F: Future> Future for ActingAs<F> {
    type Output = F::Output;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        let this = self.get_mut();
        acting_as(&this.on_behalf_of, || this.future.as_mut().poll(cx))
    }
}

impl<F> fmt::Debug for ActingAs<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActingAs")
            .field("on_behalf_of", &self.on_behalf_of)
            .finish_non_exhaustive()
    }
}

/// An event before the auditor writes it: ids as their bytes, no time or actor yet.
#[derive(Clone, Copy)]
pub(crate) struct Draft<'a> {
    pub(crate) operation: Operation,
    pub(crate) purposes: Names<'a>,
    pub(crate) record: Option<&'a str>,
    pub(crate) fields: Names<'a>,
    pub(crate) id: &'a [u8],
    pub(crate) subject: &'a [u8],
    pub(crate) key_version: Option<u32>,
    pub(crate) detail: &'a [(&'static str, Detail<'a>)],
}

impl Draft<'_> {
    /// An event of `operation` about nothing yet.
    pub(crate) const fn new(operation: Operation) -> Self {
        Self {
            operation,
            purposes: Names::NONE,
            record: None,
            fields: Names::NONE,
            id: &[],
            subject: &[],
            key_version: None,
            detail: &[],
        }
    }
}

impl Auditor {
    /// An auditor recording into `sink`, naming `actor` (the service) in every event; ids
    /// [`Plain`](IdPolicy::Plain), failing [`Closed`](FailurePolicy::Closed).
    pub fn new(sink: impl AuditSink + 'static, actor: impl Into<String>) -> Self {
        Self {
            sink: Arc::new(sink),
            actor: actor.into().into(),
            ids: IdPolicy::Plain,
            failure: FailurePolicy::Closed,
            dropped: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Writes ids as `ids` says.
    #[must_use]
    pub fn with_ids(mut self, ids: IdPolicy) -> Self {
        self.ids = ids;
        self
    }

    /// Fails as `failure` says when the sink cannot record.
    #[must_use]
    pub fn with_failure(mut self, failure: FailurePolicy) -> Self {
        self.failure = failure;
        self
    }

    /// The actor events name.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Events the sink could not record while failing open.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Makes every event recorded so far durable ([`AuditSink::flush`]).
    ///
    /// # Errors
    /// [`Error::Audit`].
    pub fn flush(&self) -> Result<()> {
        Ok(self.sink.flush()?)
    }

    /// Records `draft` with `outcome`, as the failure policy says: `Err` only when failing closed.
    pub(crate) fn record(&self, draft: &Draft<'_>, outcome: Outcome) -> Result<()> {
        let result = ACTING.with_borrow(|acting| {
            let event = AuditEvent {
                time: SystemTime::now(),
                operation: draft.operation,
                outcome,
                actor: &self.actor,
                on_behalf_of: acting.as_deref(),
                purposes: draft.purposes,
                record: draft.record,
                fields: draft.fields,
                id: self.id(draft.id),
                subject: self.id(draft.subject),
                key_version: draft.key_version,
                detail: draft.detail,
            };
            self.sink.record(&event)
        });
        match (result, self.failure) {
            (Ok(()), _) => Ok(()),
            (Err(e), FailurePolicy::Closed) => Err(Error::Audit(e)),
            (Err(_), FailurePolicy::Open) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
        }
    }

    /// Runs `f` and records its outcome; an operation that succeeded but cannot be recorded
    /// fails (when failing closed), and one that failed keeps its own error.
    pub(crate) fn around<R>(&self, draft: &Draft<'_>, f: impl FnOnce() -> Result<R>) -> Result<R> {
        let result = f();
        let outcome = match &result {
            Ok(_) => Outcome::Ok,
            Err(e) => Outcome::Failed(e.kind()),
        };
        let recorded = self.record(draft, outcome);
        match (result, recorded) {
            (Ok(value), Ok(())) => Ok(value),
            (Ok(_), Err(audit)) => Err(audit),
            (Err(e), _) => Err(e),
        }
    }

    fn id<'a>(&self, bytes: &'a [u8]) -> Option<Id<'a>> {
        if bytes.is_empty() {
            return None;
        }
        match &self.ids {
            IdPolicy::Plain => Some(Id::Plain(bytes)),
            IdPolicy::Pseudonym(p) => {
                Some(Id::Pseudonym(crate::audit::ids::pseudonym(&p.state, bytes)))
            }
            IdPolicy::Omit => None,
        }
    }
}

impl fmt::Debug for Auditor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auditor")
            .field("actor", &self.actor)
            .field("ids", &self.ids)
            .field("failure", &self.failure)
            .field("dropped", &self.dropped())
            .finish_non_exhaustive()
    }
}
