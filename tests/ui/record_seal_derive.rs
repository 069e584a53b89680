// `#[seal(derive(...))]` passes derives on to the sealed twin: a list of trait paths, each once,
// none that the twin derives already.
use fieldseal::Seal;

fieldseal::purpose!(Fulfillment = "fulfillment");

#[derive(Seal)]
#[seal(id = id, derive(Clone))]
struct AlreadyDerived {
    id: u64,
    #[seal(Fulfillment)]
    name: String,
}

#[derive(Seal)]
#[seal(id = id, derive())]
struct EmptyList {
    id: u64,
    #[seal(Fulfillment)]
    name: String,
}

#[derive(Seal)]
#[seal(id = id, derive = Hash)]
struct NotAList {
    id: u64,
    #[seal(Fulfillment)]
    name: String,
}

#[derive(Seal)]
#[seal(id = id, derive(Hash, Hash))]
struct Twice {
    id: u64,
    #[seal(Fulfillment)]
    name: String,
}

fn main() {}
