// `#[seal(subject = field)]` names a plain field of the record, once.
use fieldseal::Seal;

fieldseal::purpose!(Fulfillment = "fulfillment");

#[derive(Seal)]
#[seal(subject = customer)]
struct MissingSubject {
    customer_id: u64,
    #[seal(Fulfillment)]
    name: String,
}

#[derive(Seal)]
#[seal(subject = customer_id)]
struct SealedSubject {
    #[seal(Fulfillment)]
    customer_id: u64,
    #[seal(Fulfillment)]
    name: String,
}

#[derive(Seal)]
#[seal(without_id)]
struct Inner {
    #[seal(Fulfillment)]
    street: String,
}

#[derive(Seal)]
#[seal(subject = address)]
struct NestedSubject {
    #[seal(nested(Fulfillment))]
    address: Inner,
}

#[derive(Seal)]
#[seal(subject = customer_id, subject = order_id)]
struct SubjectTwice {
    customer_id: u64,
    order_id: u64,
    #[seal(Fulfillment)]
    name: String,
}

#[derive(Seal)]
#[seal(subject = customer_id, id = order_id, without_id)]
struct IdAndWithoutId {
    customer_id: u64,
    order_id: u64,
    #[seal(Fulfillment)]
    name: String,
}

#[derive(Seal)]
#[seal(subject = customer_id, id = order)]
struct MissingIdWithSubject {
    customer_id: u64,
    #[seal(Fulfillment)]
    name: String,
}

fn main() {}
