//! `#[derive(Seal)]` in subject mode (FORMAT.md §15): a record declared `#[seal(subject = field)]`
//! is sealed under its subject's own data key per purpose, so the subject's consent, its
//! withdrawal, the end of a retention period and erasure decide what each purpose's view can
//! still open; nested records are bound to the top-level record's subject and path; the vault is
//! asked once per record, not once per field.

// `Customer::customer_id` is what retail schemas call it.
#![allow(clippy::struct_field_names)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fieldseal::vault::{
    ConsentRecord, Created, DisclosureRecord, ErasureReceipt, ExpiredKey, KeyCursor, KeyVault,
    MemoryVault, StoredKey, Subject, SubjectKeys, SubjectState, VaultStats, VersionCount,
    Withdrawal,
};
use fieldseal::{Context, DynPurpose, Error, KeySet, Keyring, KeyringId, Seal, Sealed, Suite};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing", consent);
fieldseal::purpose!(Analytics = "analytics", retention_days = 30);
fieldseal::purpose!(Acme = "third-party:acme");

/// A postal address nested in the records below: it has no subject of its own and is sealed
/// under the subject of the record it sits in.
#[derive(Seal, Clone, Debug, PartialEq)]
#[seal(without_id)]
struct PostalAddress {
    #[seal(Fulfillment)]
    street: String,
    #[seal(Fulfillment)]
    city: String,
    #[seal(Fulfillment, Acme)]
    postcode: String,
}

/// A customer record about its customer: the subject is the customer id, which is also the id
/// bound into every context.
#[derive(Seal, Clone, Debug, PartialEq)]
#[seal(subject = customer_id)]
struct Customer {
    customer_id: u64,
    #[seal(Fulfillment)]
    name: String,
    #[seal(Fulfillment, Marketing)]
    email: String,
    #[seal(Fulfillment, Acme)]
    phone: Option<String>,
    #[seal(Marketing, Analytics)]
    interests: Vec<String>,
    #[seal(Analytics)]
    birth_year: u16,
    /// Both purposes need consent: without any, the value holds no copy.
    #[seal(Marketing, Acme)]
    newsletter: Option<bool>,
    #[seal(nested(Fulfillment, Acme))]
    address: PostalAddress,
    loyalty_points: u32,
}

/// An order about a customer: bound to its own id, sealed under its customer's keys.
#[derive(Seal, Clone, Debug, PartialEq)]
#[seal(id = order_id, subject = customer_id)]
struct Order {
    order_id: String,
    customer_id: u64,
    #[seal(Fulfillment)]
    note: String,
    #[seal(nested(Fulfillment))]
    ship_to: PostalAddress,
    total_cents: u64,
}

/// A record with a subject but no id: only the subject keeps its values from moving.
#[derive(Seal, Clone, Debug, PartialEq)]
#[seal(subject = customer_ref, without_id)]
struct DeliveryNote {
    customer_ref: String,
    #[seal(Fulfillment)]
    instructions: String,
}

/// A subject-mode record nested in another: as every nested record, it is sealed under the
/// top-level record's subject (the buyer), not its own.
#[derive(Seal, Clone, Debug, PartialEq)]
#[seal(subject = recipient_id)]
struct Recipient {
    recipient_id: u64,
    #[seal(Fulfillment)]
    name: String,
}

#[derive(Seal, Clone, Debug, PartialEq)]
#[seal(id = gift_id, subject = buyer_id)]
struct Gift {
    gift_id: u64,
    buyer_id: u64,
    #[seal(Fulfillment)]
    message: String,
    #[seal(nested(Fulfillment))]
    recipient: Recipient,
}

/// A clock the test moves by hand.
#[derive(Clone)]
struct Clock(Arc<AtomicU64>);

impl Clock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.0.load(Ordering::SeqCst))
    }

    fn advance_days(&self, days: u64) {
        self.0.fetch_add(days * 86_400, Ordering::SeqCst);
    }
}

/// One keyring, one vault, one clock; services with different purpose keys over them.
struct World<V> {
    keyring: Keyring,
    vault: Arc<V>,
    clock: Clock,
    /// The ingest service: every purpose, with a cache (it withdraws and forgets itself, so its
    /// cache follows).
    subjects: SubjectKeys<Arc<V>>,
}

fn all_purposes() -> Vec<DynPurpose> {
    vec![
        Fulfillment.into(),
        Marketing.into(),
        Analytics.into(),
        Acme.into(),
    ]
}

impl<V: KeyVault> World<V> {
    fn new(vault: V) -> Self {
        let keyring = Keyring::generate(Suite::default()).unwrap();
        let clock = Clock(Arc::new(AtomicU64::new(1_796_083_200)));
        let vault = Arc::new(vault);
        let subjects = service(
            &keyring,
            &vault,
            &clock,
            &all_purposes(),
            Duration::from_secs(60),
        );
        Self {
            keyring,
            vault,
            clock,
            subjects,
        }
    }

    /// Another process holding the keys of `purposes` only, over the same vault, trusting no
    /// cached answer: it sees the ingest service's consent changes at once, and each of its
    /// lookups reaches the vault.
    fn service(&self, purposes: &[DynPurpose]) -> SubjectKeys<Arc<V>> {
        service(
            &self.keyring,
            &self.vault,
            &self.clock,
            purposes,
            Duration::ZERO,
        )
    }
}

fn service<V: KeyVault>(
    keyring: &Keyring,
    vault: &Arc<V>,
    clock: &Clock,
    purposes: &[DynPurpose],
    ttl: Duration,
) -> SubjectKeys<Arc<V>> {
    let clock = clock.clone();
    SubjectKeys::new(
        Arc::clone(vault),
        KeySet::from_keyring(keyring, purposes),
        keyring.id(),
    )
    .unwrap()
    .with_clock(move || clock.now())
    .with_cache(1_000, ttl)
}

fn address(street: &str) -> PostalAddress {
    PostalAddress {
        street: street.into(),
        city: "London".into(),
        postcode: "NW1 6XE".into(),
    }
}

fn customer(id: u64) -> Customer {
    Customer {
        customer_id: id,
        name: "Ada Lovelace".into(),
        email: "ada@example.com".into(),
        phone: Some("+44 20 7946 0958".into()),
        interests: vec!["engines".into(), "poetry".into()],
        birth_year: 1815,
        newsletter: Some(true),
        address: address("12 St James's Square"),
        loyalty_points: 120,
    }
}

fn order(order_id: &str, customer_id: u64) -> Order {
    Order {
        order_id: order_id.into(),
        customer_id,
        note: "leave with the porter".into(),
        ship_to: address("1 Analytical Row"),
        total_cents: 4_200,
    }
}

fn grant<V: KeyVault>(subjects: &SubjectKeys<V>, id: u64, purpose: impl Into<DynPurpose>) {
    subjects
        .grant(
            &Subject::int(id),
            &purpose.into(),
            "signup form",
            Some("notice v3"),
        )
        .unwrap();
}

fn withdraw<V: KeyVault>(subjects: &SubjectKeys<V>, id: u64, purpose: impl Into<DynPurpose>) {
    subjects
        .withdraw(&Subject::int(id), &purpose.into())
        .unwrap();
}

fn json_round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(value: &T) -> T {
    serde_json::from_str(&serde_json::to_string(value).unwrap()).unwrap()
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "called on results straight from a call"
)]
fn refused<T: std::fmt::Debug>(result: fieldseal::Result<T>, what: &str) {
    assert!(
        matches!(result, Err(Error::CannotOpen { .. })),
        "{what}: {result:?}"
    );
}

#[allow(clippy::needless_pass_by_value, reason = "as `refused`")]
fn no_consent_copy<T: std::fmt::Debug>(result: fieldseal::Result<T>, purpose: &str) {
    assert!(
        matches!(&result, Err(Error::NoConsentCopy { purpose: p }) if p == purpose),
        "{result:?}"
    );
}

#[allow(clippy::needless_pass_by_value, reason = "as `refused`")]
fn erased<T: std::fmt::Debug>(result: fieldseal::Result<T>, what: &str) {
    assert!(
        matches!(result, Err(Error::SubjectErased { .. })),
        "{what}: {result:?}"
    );
}

#[test]
fn every_purpose_opens_its_view_after_a_json_round_trip() {
    let world = World::new(MemoryVault::new());
    let subjects = &world.subjects;
    grant(subjects, 7, Marketing);
    grant(subjects, 7, Acme);
    let record = customer(7);
    let json = serde_json::to_string(&record.seal(subjects).unwrap()).unwrap();
    assert!(json.contains(r#""customer_id":7"#), "{json}");
    assert!(json.contains(r#""loyalty_points":120"#), "{json}");
    assert!(json.contains(r#""email":"fs1:"#), "{json}");
    assert!(json.contains(r#""street":"fs1:"#), "{json}");
    // Whole values, or parts that base64url cannot hold (a space, `@`, `"`): a short word such as
    // "Ada" turns up by chance in the random bytes of a text form (an epoch id once read
    // `...AAAAAdaw7u...`), which made this test fail about once in a few hundred runs.
    for secret in [
        "Ada Lovelace",
        "ada@example.com",
        "7946 0958",
        "engines",
        r#""birth_year":1815"#,
        "James's Square",
    ] {
        assert!(!json.contains(secret), "{secret} in {json}");
    }
    let stored: SealedCustomer = serde_json::from_str(&json).unwrap();

    let f = stored.open::<Fulfillment>(subjects).unwrap();
    assert_eq!(
        (&f.name[..], &f.email[..], f.phone.as_deref()),
        ("Ada Lovelace", "ada@example.com", Some("+44 20 7946 0958"))
    );
    assert_eq!(f.address.street, "12 St James's Square");
    assert_eq!(f.address.postcode, "NW1 6XE");
    assert_eq!((f.customer_id, f.loyalty_points), (7, 120));

    let m = stored.open::<Marketing>(subjects).unwrap();
    assert_eq!(m.email, "ada@example.com");
    assert_eq!(m.interests, ["engines", "poetry"]);
    assert_eq!(m.newsletter, Some(true));

    let acme = stored.open::<Acme>(subjects).unwrap();
    assert_eq!(acme.phone.as_deref(), Some("+44 20 7946 0958"));
    assert_eq!(acme.address.postcode, "NW1 6XE");
    assert_eq!(acme.newsletter, Some(true));

    let a = stored.open::<Analytics>(subjects).unwrap();
    assert_eq!(
        (a.birth_year, &a.interests[..]),
        (1815, &record.interests[..])
    );

    // Field by field, and the views' Debug redacts what they opened.
    assert_eq!(
        stored.open_email::<Marketing, _>(subjects).unwrap(),
        "ada@example.com"
    );
    assert_eq!(
        stored.open_interests::<Analytics, _>(subjects).unwrap(),
        record.interests
    );
    assert_eq!(
        stored.open_phone::<Acme, _>(subjects).unwrap(),
        record.phone
    );
    let debug = format!("{f:?} {m:?} {acme:?} {a:?}");
    // Whole values, or parts that base64url cannot hold (a space, `@`, `"`): a short word such as
    // "Ada" turns up by chance in the random bytes of a text form (an epoch id once read
    // `...AAAAAdaw7u...`), which made this test fail about once in a few hundred runs.
    for secret in [
        "Ada Lovelace",
        "ada@example.com",
        "7946 0958",
        "engines",
        r#""birth_year":1815"#,
        "James's Square",
    ] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
    assert!(debug.contains("loyalty_points: 120"), "{debug}");
}

#[test]
fn none_stays_none_and_a_value_without_consent_holds_no_copy() {
    let world = World::new(MemoryVault::new());
    let subjects = &world.subjects;
    let mut record = customer(8);
    record.phone = None;
    let stored = json_round_trip(&record.seal(subjects).unwrap());
    assert_eq!(stored.phone, None);
    assert!(
        serde_json::to_string(&stored)
            .unwrap()
            .contains(r#""phone":null"#)
    );
    assert_eq!(stored.open::<Fulfillment>(subjects).unwrap().phone, None);
    assert_eq!(stored.open_phone::<Fulfillment, _>(subjects).unwrap(), None);

    // Neither of the newsletter's purposes had consent: it holds no copy, and says so.
    let newsletter: &Sealed<bool, (Marketing, Acme)> = stored.newsletter.as_ref().unwrap();
    assert!(newsletter.purposes().is_empty());
    no_consent_copy(
        stored.open_newsletter::<Acme, _>(subjects),
        "third-party:acme",
    );
    // The email's fulfillment copy is there, its marketing copy is not.
    let email: Vec<String> = stored
        .email
        .purposes()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(email, ["fulfillment"]);
}

#[test]
fn consent_decides_what_the_marketing_view_opens() {
    let world = World::new(MemoryVault::new());
    let subjects = &world.subjects;
    let before = customer(7).seal(subjects).unwrap();
    no_consent_copy(before.open::<Marketing>(subjects), "marketing");
    no_consent_copy(before.open::<Acme>(subjects), "third-party:acme");
    assert_eq!(
        before.open::<Fulfillment>(subjects).unwrap().email,
        "ada@example.com"
    );

    grant(subjects, 7, Marketing);
    // A record sealed before the consent has no marketing copy, and never will.
    no_consent_copy(before.open::<Marketing>(subjects), "marketing");
    let after = customer(7).seal(subjects).unwrap();
    let m = after.open::<Marketing>(subjects).unwrap();
    assert_eq!(
        (&m.email[..], m.newsletter),
        ("ada@example.com", Some(true))
    );

    withdraw(subjects, 7, Marketing);
    let withdrawn = after.open::<Marketing>(subjects);
    assert!(
        matches!(&withdrawn, Err(Error::ConsentWithdrawn { purpose, .. }) if purpose == "marketing"),
        "{withdrawn:?}"
    );
    assert!(matches!(
        after.open_email::<Marketing, _>(subjects),
        Err(Error::ConsentWithdrawn { .. })
    ));
    // Fulfillment's copies are under another data key: untouched.
    let f = after.open::<Fulfillment>(subjects).unwrap();
    assert_eq!(
        (&f.email[..], &f.address.city[..]),
        ("ada@example.com", "London")
    );
    // Another customer's consent is theirs.
    grant(subjects, 8, Marketing);
    let other = customer(8).seal(subjects).unwrap();
    assert_eq!(
        other.open::<Marketing>(subjects).unwrap().email,
        "ada@example.com"
    );
}

#[test]
fn open_dyn_lists_withheld_fields_as_missing() {
    let world = World::new(MemoryVault::new());
    let marketing_and_analytics = world.service(&[Marketing.into(), Analytics.into()]);
    let stored = customer(7).seal(&world.subjects).unwrap();

    let seen = stored.open_dyn(&marketing_and_analytics).unwrap();
    // Not held: name, phone, the address. No consent copy: email, newsletter. The interests'
    // marketing copy is withheld, so their analytics copy opens.
    assert_eq!(seen.interests.as_deref(), Some(&customer(7).interests[..]));
    assert_eq!(seen.birth_year, Some(1815));
    assert_eq!((seen.email, seen.newsletter, seen.name), (None, None, None));
    assert_eq!(seen.missing, ["name", "email", "phone", "newsletter"]);
    assert_eq!(seen.address.missing, ["street", "city", "postcode"]);
    assert_eq!(seen.loyalty_points, 120);

    grant(&world.subjects, 7, Marketing);
    let consented = customer(7).seal(&world.subjects).unwrap();
    let seen = consented.open_dyn(&marketing_and_analytics).unwrap();
    assert_eq!(seen.email.as_deref(), Some("ada@example.com"));
    assert_eq!(seen.newsletter, Some(Some(true)));
    assert_eq!(seen.missing, ["name", "phone"]);
    let debug = format!("{seen:?}");
    assert!(
        !debug.contains("ada@example.com") && !debug.contains("1815"),
        "{debug}"
    );

    // Withdrawn, and past the analytics retention period: withheld, so missing, not errors.
    withdraw(&world.subjects, 7, Marketing);
    world.clock.advance_days(31);
    let seen = consented.open_dyn(&marketing_and_analytics).unwrap();
    assert_eq!(
        (seen.email, seen.interests, seen.birth_year),
        (None, None, None)
    );
    assert_eq!(
        seen.missing,
        [
            "name",
            "email",
            "phone",
            "interests",
            "birth_year",
            "newsletter"
        ]
    );
    let expired = consented.open::<Analytics>(&marketing_and_analytics);
    assert!(
        matches!(&expired, Err(Error::RetentionExpired { purpose, .. }) if purpose == "analytics"),
        "{expired:?}"
    );
    // The fulfillment service still reads all it holds.
    let fulfillment = world.service(&[Fulfillment.into()]);
    let seen = consented.open_dyn(&fulfillment).unwrap();
    assert_eq!(seen.email.as_deref(), Some("ada@example.com"));
    assert_eq!(seen.missing, ["interests", "birth_year", "newsletter"]);
}

#[test]
fn open_dyn_fails_on_a_field_that_does_not_open_for_another_reason() {
    let world = World::new(MemoryVault::new());
    let mut stored = customer(7).seal(&world.subjects).unwrap();
    stored.name = stored.address.street.clone();
    refused(stored.open_dyn(&world.subjects), "the street in the name");
    refused(
        stored.open::<Fulfillment>(&world.subjects),
        "the same, typed",
    );
}

#[test]
fn after_forget_every_view_fails_with_subject_erased() {
    let world = World::new(MemoryVault::new());
    let subjects = &world.subjects;
    grant(subjects, 7, Marketing);
    grant(subjects, 7, Acme);
    let stored = customer(7).seal(subjects).unwrap();
    let other = customer(8).seal(subjects).unwrap();
    subjects.forget(&Subject::int(7)).unwrap();

    erased(stored.open::<Fulfillment>(subjects), "fulfillment");
    erased(stored.open::<Marketing>(subjects), "marketing");
    erased(stored.open::<Analytics>(subjects), "analytics");
    erased(stored.open::<Acme>(subjects), "acme");
    erased(stored.open_dyn(subjects), "run-time view");
    erased(stored.open_name::<Fulfillment, _>(subjects), "one field");
    erased(customer(7).seal(subjects), "sealing again");
    // Another process, with nothing cached, sees the same.
    erased(
        stored.open::<Fulfillment>(&world.service(&all_purposes())),
        "another process",
    );
    // Customer 8 is not touched.
    assert_eq!(
        other.open::<Fulfillment>(subjects).unwrap().name,
        "Ada Lovelace"
    );
}

#[test]
fn a_record_binds_its_context_and_subject_as_format_15_says() {
    let world = World::new(MemoryVault::new());
    let subjects = &world.subjects;
    let stored = customer(7).seal(subjects).unwrap();
    // Independently of the derive: the context is (record type, field, id), nested fields bind
    // the path, and the subject is the customer id's bytes.
    let ada = Subject::int(7u64);
    let name_ctx = Context::new("Customer", "name").with_id_int(7);
    let street_ctx = Context::new("Customer", "address.street").with_id_int(7);
    assert_eq!(
        subjects
            .open::<Fulfillment, _, _, _>(&stored.name, &ada, &name_ctx)
            .unwrap(),
        "Ada Lovelace"
    );
    assert_eq!(
        subjects
            .open::<Fulfillment, _, _, _>(&stored.address.street, &ada, &street_ctx)
            .unwrap(),
        "12 St James's Square"
    );
    stored.with_subject(|s| assert_eq!(s.as_bytes(), ada.as_bytes()));
    customer(7).with_subject(|s| assert_eq!(s.as_bytes(), ada.as_bytes()));

    let order = order("ord-1", 7).seal(subjects).unwrap();
    let note_ctx = Context::new("Order", "note").with_id(b"ord-1");
    assert_eq!(
        subjects
            .open::<Fulfillment, _, _, _>(&order.note, &ada, &note_ctx)
            .unwrap(),
        "leave with the porter"
    );
    // The order's id binds, not the customer's.
    refused(
        subjects.open::<Fulfillment, _, _, _>(
            &order.note,
            &ada,
            &Context::new("Order", "note").with_id_int(7),
        ),
        "the customer id as the order's context id",
    );
    // Without an id, the context binds none.
    let note = DeliveryNote {
        customer_ref: "c-7".into(),
        instructions: "ring twice".into(),
    }
    .seal(subjects)
    .unwrap();
    assert_eq!(
        subjects
            .open::<Fulfillment, _, _, _>(
                &note.instructions,
                &Subject::str("c-7"),
                &Context::new("DeliveryNote", "instructions").without_id(),
            )
            .unwrap(),
        "ring twice"
    );
}

#[test]
fn an_order_is_bound_to_its_own_id_and_to_its_customer() {
    let world = World::new(MemoryVault::new());
    let subjects = &world.subjects;
    let first = order("ord-1", 7).seal(subjects).unwrap();
    let second = order("ord-2", 7).seal(subjects).unwrap();
    let eights = order("ord-3", 8).seal(subjects).unwrap();
    let view = first.open::<Fulfillment>(subjects).unwrap();
    assert_eq!(
        (&view.note[..], &view.ship_to.street[..], view.total_cents),
        ("leave with the porter", "1 Analytical Row", 4_200)
    );

    // The same customer's other order: the context id differs.
    let mut moved = second.clone();
    moved.note = first.note.clone();
    refused(
        moved.open::<Fulfillment>(subjects),
        "a note moved between orders",
    );
    let mut moved = second.clone();
    moved.ship_to = first.ship_to.clone();
    refused(
        moved.open::<Fulfillment>(subjects),
        "an address moved between orders",
    );

    // The same order id, another customer: the subject's data key differs.
    let mut reassigned = first.clone();
    reassigned.customer_id = 8;
    refused(
        reassigned.open::<Fulfillment>(subjects),
        "an order handed to another customer",
    );

    // Forgetting the customer makes their orders unreadable, and only theirs.
    subjects.forget(&Subject::int(7)).unwrap();
    erased(first.open::<Fulfillment>(subjects), "order 1");
    erased(
        second.open_note::<Fulfillment, _>(subjects),
        "order 2's note",
    );
    assert_eq!(
        eights.open::<Fulfillment>(subjects).unwrap().note,
        "leave with the porter"
    );
}

#[test]
fn a_nested_record_is_bound_to_the_top_level_subject_and_path() {
    let world = World::new(MemoryVault::new());
    let subjects = &world.subjects;
    let seven = customer(7).seal(subjects).unwrap();
    let eight = customer(8).seal(subjects).unwrap();

    let mut swapped = seven.clone();
    std::mem::swap(&mut swapped.address.street, &mut swapped.address.city);
    refused(swapped.open::<Fulfillment>(subjects), "street <-> city");
    let mut moved = eight.clone();
    moved.address = seven.address.clone();
    refused(
        moved.open::<Fulfillment>(subjects),
        "7's address in 8's record",
    );
    // Into an order of the same customer, at another path of another record type.
    let mut order = order("ord-1", 7).seal(subjects).unwrap();
    order.ship_to = seven.address.clone();
    refused(
        order.open::<Fulfillment>(subjects),
        "a customer's address in an order",
    );

    // A subject-mode record nested in another is sealed under the top-level subject: the buyer.
    let gift = Gift {
        gift_id: 1,
        buyer_id: 7,
        message: "happy birthday".into(),
        recipient: Recipient {
            recipient_id: 9,
            name: "Charles Babbage".into(),
        },
    }
    .seal(subjects)
    .unwrap();
    let recipient_ctx = Context::new("Gift", "recipient.name").with_id_int(1);
    assert_eq!(
        subjects
            .open::<Fulfillment, _, _, _>(&gift.recipient.name, &Subject::int(7), &recipient_ctx)
            .unwrap(),
        "Charles Babbage"
    );
    // The recipient has no data key at all: nothing was sealed under theirs.
    assert!(matches!(
        subjects.open::<Fulfillment, _, _, _>(
            &gift.recipient.name,
            &Subject::int(9),
            &recipient_ctx
        ),
        Err(Error::UnknownDataKey { .. })
    ));
    subjects.forget(&Subject::int(9)).unwrap();
    assert_eq!(
        gift.open::<Fulfillment>(subjects).unwrap().recipient.name,
        "Charles Babbage"
    );
    subjects.forget(&Subject::int(7)).unwrap();
    erased(
        gift.open::<Fulfillment>(subjects),
        "the gift of a forgotten buyer",
    );
}

#[test]
fn a_value_moved_between_two_subjects_records_does_not_open() {
    let world = World::new(MemoryVault::new());
    let subjects = &world.subjects;
    let note = |customer_ref: &str| DeliveryNote {
        customer_ref: customer_ref.into(),
        instructions: "ring twice".into(),
    };
    let seven = note("c-7").seal(subjects).unwrap();
    let mut eight = note("c-8").seal(subjects).unwrap();
    assert_eq!(
        eight.open::<Fulfillment>(subjects).unwrap().instructions,
        "ring twice"
    );
    // No id binds these records: the subject's own data key is what refuses the move.
    eight.instructions = seven.instructions.clone();
    refused(
        eight.open::<Fulfillment>(subjects),
        "7's note in 8's record",
    );
    refused(
        eight.open_instructions::<Fulfillment, _>(subjects),
        "the same, one field",
    );
    refused(eight.open_dyn(subjects), "the same, at run time");
}

/// A vault that counts the reads sealing and opening make.
struct Counting {
    inner: MemoryVault,
    reads: AtomicUsize,
}

impl Counting {
    fn reads(&self) -> usize {
        self.reads.swap(0, Ordering::SeqCst)
    }
}

impl KeyVault for Counting {
    fn bind_keyring(&self, id: KeyringId) -> fieldseal::Result<KeyringId> {
        self.inner.bind_keyring(id)
    }
    fn keyring(&self) -> fieldseal::Result<Option<KeyringId>> {
        self.inner.keyring()
    }
    fn read(&self, subject: &[u8], purposes: &[&str]) -> fieldseal::Result<SubjectState> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.inner.read(subject, purposes)
    }
    fn create(&self, key: &StoredKey, consent: bool, now: u64) -> fieldseal::Result<Created> {
        self.inner.create(key, consent, now)
    }
    fn grant(&self, consent: &ConsentRecord) -> fieldseal::Result<bool> {
        self.inner.grant(consent)
    }
    fn withdraw(&self, subject: &[u8], purpose: &str, at: u64) -> fieldseal::Result<Withdrawal> {
        self.inner.withdraw(subject, purpose, at)
    }
    fn forget(&self, subject: &[u8], at: u64) -> fieldseal::Result<ErasureReceipt> {
        self.inner.forget(subject, at)
    }
    fn expire(&self, now: u64, limit: usize) -> fieldseal::Result<Vec<ExpiredKey>> {
        self.inner.expire(now, limit)
    }
    fn keys_after(
        &self,
        after: Option<&KeyCursor>,
        limit: usize,
    ) -> fieldseal::Result<Vec<StoredKey>> {
        self.inner.keys_after(after, limit)
    }
    fn rewrap(&self, old: &StoredKey, new: &StoredKey) -> fieldseal::Result<bool> {
        self.inner.rewrap(old, new)
    }
    fn key_versions(&self) -> fieldseal::Result<Vec<VersionCount>> {
        self.inner.key_versions()
    }
    fn retire_version(&self, v: u32) -> fieldseal::Result<fieldseal::vault::VersionRetirement> {
        self.inner.retire_version(v)
    }
    fn retired_versions(&self) -> fieldseal::Result<Vec<u32>> {
        self.inner.retired_versions()
    }
    fn consents(&self, subject: &[u8]) -> fieldseal::Result<Vec<ConsentRecord>> {
        self.inner.consents(subject)
    }
    fn log_disclosure(&self, disclosure: &DisclosureRecord) -> fieldseal::Result<DisclosureRecord> {
        self.inner.log_disclosure(disclosure)
    }
    fn disclosures(&self, partner: Option<&str>) -> fieldseal::Result<Vec<DisclosureRecord>> {
        self.inner.disclosures(partner)
    }
    fn erasures(&self) -> fieldseal::Result<Vec<ErasureReceipt>> {
        self.inner.erasures()
    }
    fn stats(&self) -> fieldseal::Result<VaultStats> {
        self.inner.stats()
    }
}

#[test]
fn the_vault_is_asked_once_per_record_not_once_per_field() {
    let world = World::new(Counting {
        inner: MemoryVault::new(),
        reads: AtomicUsize::new(0),
    });
    // No cached answer is trusted: every lookup the code makes reaches the vault.
    let subjects = &world.service(&all_purposes());
    grant(subjects, 7, Marketing);
    assert_eq!(world.vault.reads(), 0);
    // Ten sealed fields (three in the nested address), four purposes: one read.
    let stored = customer(7).seal(subjects).unwrap();
    assert_eq!(world.vault.reads(), 1, "sealing a record");
    let _ = customer(7).seal(subjects).unwrap();
    assert_eq!(world.vault.reads(), 1, "sealing it again");
    // Opening resolves each purpose once: six fulfillment fields, one read.
    stored.open::<Fulfillment>(subjects).unwrap();
    assert_eq!(world.vault.reads(), 1, "the fulfillment view");
    stored.open::<Marketing>(subjects).unwrap();
    assert_eq!(world.vault.reads(), 1, "the marketing view");
    // Every field through the first purpose held: fulfillment, marketing, analytics.
    stored.open_dyn(subjects).unwrap();
    assert_eq!(world.vault.reads(), 3, "the run-time view");
}

#[test]
fn sealing_needs_the_key_of_every_purpose_the_record_uses() {
    let world = World::new(MemoryVault::new());
    let without_analytics = world.service(&[Fulfillment.into(), Marketing.into(), Acme.into()]);
    let result = customer(7).seal(&without_analytics);
    assert!(
        matches!(&result, Err(Error::NoKeyForPurpose { purpose, .. }) if purpose == "analytics"),
        "{result:?}"
    );
    // An empty subject id names nobody.
    let result = DeliveryNote {
        customer_ref: String::new(),
        instructions: "ring twice".into(),
    }
    .seal(&world.subjects);
    assert!(
        matches!(result, Err(Error::EmptyContext { part: "subject id" })),
        "{result:?}"
    );
}
