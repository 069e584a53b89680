use fieldseal::Seal;

fieldseal::purpose!(Fulfillment = "fulfillment");

#[derive(Seal)]
struct UnknownKey {
    #[seal(Fulfillment, colour = "red")]
    name: String,
}

#[derive(Seal)]
struct TwicePurpose {
    #[seal(Fulfillment, Fulfillment)]
    name: String,
}

#[derive(Seal)]
struct RenamePlain {
    #[seal(rename = "n")]
    name: String,
}

#[derive(Seal)]
#[seal(id = missing)]
struct MissingId {
    #[seal(Fulfillment)]
    name: String,
}

#[derive(Seal)]
#[seal(id = name)]
struct SealedId {
    #[seal(Fulfillment)]
    name: String,
}

#[derive(Seal)]
struct NothingSealed {
    name: String,
}

#[derive(Seal)]
enum NotAStruct {
    A,
}

#[derive(Seal)]
struct Tuple(String);

#[derive(Seal)]
#[seal(colour = "red")]
struct UnknownContainerKey {
    #[seal(Fulfillment)]
    name: String,
}

#[derive(Seal)]
struct DottedName {
    #[seal(Fulfillment, rename = "billing.street")]
    street: String,
}

fn main() {}
