//! The async subject-mode API on a multi-threaded runtime: a request handler is spawned
//! (`tokio::spawn` needs a `Send` future), and it opens a record's fields through a session.

use std::sync::Arc;

use fieldseal::vault::{Blocking, MemoryVault, Subject, SubjectKeys};
use fieldseal::{Context, KeySet, Keyring, Sealed, Suite};

fieldseal::purpose!(Fulfillment = "fulfillment");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_opens_in_a_spawned_task() {
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let keys = KeySet::new().with(keyring.purpose_key::<Fulfillment>());
    let subjects = Arc::new(
        SubjectKeys::new_async(Blocking(MemoryVault::new()), keys, keyring.id())
            .await
            .unwrap(),
    );
    let ctx = Context::new("customer", "name").with_id_int(7);
    let name: Sealed<String, Fulfillment> = subjects
        .seal_async(&Subject::int(7), "Ada", &ctx)
        .await
        .unwrap();

    let handler = tokio::spawn(async move {
        let ctx = Context::new("customer", "name").with_id_int(7);
        let session = subjects.opening_session(&Subject::int(7)).unwrap();
        session
            .open_async::<Fulfillment, _, _, _>(&name, &ctx)
            .await
    });
    assert_eq!(handler.await.unwrap().unwrap(), "Ada");
}
