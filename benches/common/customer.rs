//! The customer record the benchmarks share (benches/record.rs, audit.rs, providers.rs): ten
//! sealed fields for one purpose, a plain id and a plain tier, and the same ten plaintexts as a
//! raw AEAD would see them. Included with `#[path = "common/customer.rs"] mod customer;`.

#![allow(
    dead_code,
    reason = "each benchmark including this module uses a different subset of it"
)]

use fieldseal::Seal;
use serde::{Deserialize, Serialize};

fieldseal::purpose!(pub(crate) Fulfillment = "fulfillment");

#[derive(Serialize, Deserialize, Clone)]
pub(crate) struct Address {
    pub(crate) street: String,
    pub(crate) city: String,
    pub(crate) postcode: String,
}

/// Ten sealed fields, one plain id, one plain tier.
#[derive(Seal, Clone)]
#[seal(id = id)]
pub(crate) struct Customer {
    pub(crate) id: u64,
    #[seal(Fulfillment)]
    pub(crate) first_name: String,
    #[seal(Fulfillment)]
    pub(crate) last_name: String,
    #[seal(Fulfillment)]
    pub(crate) email: String,
    #[seal(Fulfillment)]
    pub(crate) phone: String,
    #[seal(Fulfillment)]
    pub(crate) address: Address,
    #[seal(Fulfillment)]
    pub(crate) company: String,
    #[seal(Fulfillment)]
    pub(crate) vat_number: String,
    #[seal(Fulfillment)]
    pub(crate) delivery_notes: String,
    #[seal(Fulfillment)]
    pub(crate) birth_year: u16,
    #[seal(Fulfillment)]
    pub(crate) loyalty_card: u64,
    pub(crate) tier: u8,
}

/// One customer, the same in every benchmark.
pub(crate) fn customer() -> Customer {
    Customer {
        id: 1001,
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        email: "ada@example.com".into(),
        phone: "+44 20 7946 0958".into(),
        address: Address {
            street: "12 Engine Lane".into(),
            city: "London".into(),
            postcode: "E1 6AN".into(),
        },
        company: "Analytical Engines Ltd".into(),
        vat_number: "GB123456789".into(),
        delivery_notes: "Leave with the porter".into(),
        birth_year: 1815,
        loyalty_card: 4_000_123_456,
        tier: 2,
    }
}

/// The ten plaintexts as the raw AEAD would see them.
pub(crate) fn fields(c: &Customer) -> Vec<Vec<u8>> {
    vec![
        c.first_name.clone().into_bytes(),
        c.last_name.clone().into_bytes(),
        c.email.clone().into_bytes(),
        c.phone.clone().into_bytes(),
        serde_json::to_vec(&c.address).expect("serializes"),
        c.company.clone().into_bytes(),
        c.vat_number.clone().into_bytes(),
        c.delivery_notes.clone().into_bytes(),
        c.birth_year.to_be_bytes().to_vec(),
        c.loyalty_card.to_be_bytes().to_vec(),
    ]
}
