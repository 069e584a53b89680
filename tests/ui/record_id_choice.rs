// A record says which field binds its sealed fields to it, or that it has none.
use fieldseal::Seal;

fieldseal::purpose!(Fulfillment = "fulfillment");

#[derive(Seal)]
struct NoIdChosen {
    #[seal(Fulfillment)]
    name: String,
}

#[derive(Seal)]
#[seal(id = customer_id, without_id)]
struct BothChosen {
    customer_id: u64,
    #[seal(Fulfillment)]
    name: String,
}

fn main() {}
