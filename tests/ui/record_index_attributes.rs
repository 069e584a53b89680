use fieldseal::Seal;

fieldseal::purpose!(Fulfillment = "fulfillment");

#[derive(Seal)]
#[seal(without_id)]
struct MisspeltNormalizer {
    #[seal(Fulfillment, index(email_lookup = emial))]
    email: String,
}

#[derive(Seal)]
#[seal(without_id)]
struct BadDescription {
    #[seal(Fulfillment, index(phone_last4 = "phone:GB|last-digits:0"))]
    phone: String,
}

#[derive(Seal)]
#[seal(without_id)]
struct PlainField {
    #[seal(index(email_lookup = email))]
    email: String,
}

#[derive(Seal)]
#[seal(without_id)]
struct NotText {
    #[seal(Fulfillment, index(year_lookup = year))]
    birth_year: u16,
}

#[derive(Seal)]
#[seal(without_id)]
struct ColumnClash {
    #[seal(Fulfillment, index(email = email))]
    email: String,
}

#[derive(Seal)]
#[seal(without_id)]
struct BadIndexName {
    #[seal(Fulfillment, index(emailLookup = email))]
    email: String,
}

#[derive(Seal)]
#[seal(without_id)]
struct CustomWithoutFunction {
    #[seal(Fulfillment, index(sku_lookup = "custom:sku-v1"))]
    sku: String,
}

#[derive(Seal)]
#[seal(without_id)]
struct FunctionWithoutCustom {
    #[seal(Fulfillment, index(sku_lookup = text, with = String::new))]
    sku: String,
}

#[derive(Seal)]
#[seal(without_id, index(name_postcode = (last_name: text, postcode: "postcode:GB")))]
struct UnknownCompoundField {
    #[seal(Fulfillment)]
    last_name: String,
}

#[derive(Seal)]
#[seal(without_id)]
struct UnknownIndexKey {
    #[seal(Fulfillment, index(email_lookup = email, width = 8))]
    email: String,
}

#[derive(Seal)]
#[seal(without_id)]
struct NoNormalizer {
    #[seal(Fulfillment, index(email_lookup))]
    email: String,
}

#[derive(Seal)]
#[seal(without_id)]
struct TwoColumnsOneIndex {
    #[seal(Fulfillment, index(email_lookup = email), index(other = text, name = "email-lookup"))]
    email: String,
}

fn not_a_normalizer(_: u32) -> u32 {
    0
}

#[derive(Seal)]
#[seal(without_id)]
struct WrongFunction {
    #[seal(Fulfillment, index(sku_lookup = "custom:sku-v1", with = not_a_normalizer))]
    sku: String,
}

/// 16 parts of `postcode:GB|first-letters:2`, joined with `,`: 16 * 27 + 15 = 447 bytes.
#[derive(Seal)]
#[seal(without_id, index(everything = (
    a: "postcode:GB|first-letters:2", b: "postcode:GB|first-letters:2",
    c: "postcode:GB|first-letters:2", d: "postcode:GB|first-letters:2",
    e: "postcode:GB|first-letters:2", f: "postcode:GB|first-letters:2",
    g: "postcode:GB|first-letters:2", h: "postcode:GB|first-letters:2",
    i: "postcode:GB|first-letters:2", j: "postcode:GB|first-letters:2",
    k: "postcode:GB|first-letters:2", l: "postcode:GB|first-letters:2",
    m: "postcode:GB|first-letters:2", n: "postcode:GB|first-letters:2",
    o: "postcode:GB|first-letters:2", p: "postcode:GB|first-letters:2",
)))]
struct TooLongToRecord {
    #[seal(Fulfillment)] a: String, #[seal(Fulfillment)] b: String,
    #[seal(Fulfillment)] c: String, #[seal(Fulfillment)] d: String,
    #[seal(Fulfillment)] e: String, #[seal(Fulfillment)] f: String,
    #[seal(Fulfillment)] g: String, #[seal(Fulfillment)] h: String,
    #[seal(Fulfillment)] i: String, #[seal(Fulfillment)] j: String,
    #[seal(Fulfillment)] k: String, #[seal(Fulfillment)] l: String,
    #[seal(Fulfillment)] m: String, #[seal(Fulfillment)] n: String,
    #[seal(Fulfillment)] o: String, #[seal(Fulfillment)] p: String,
}

fn main() {}
