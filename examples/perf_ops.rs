//! Per-operation instruction counts under callgrind (issue 14): fieldseal's 24 B seal and open,
//! the raw aws-lc-rs floors, and the derived 10-field record. Run as
//! `perf_ops OP N`; the difference between two runs with different N, divided by the difference
//! in N, is the cost of one operation with the set-up taken out (examples/perf_ops.sh).

#[path = "../benches/common/customer.rs"]
mod customer;

use std::hint::black_box;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use customer::{Fulfillment, customer};
use fieldseal::{Context, KeySet, Keyring, Sealed, Suite};

const TAG: usize = 16;

#[allow(
    clippy::too_many_lines,
    reason = "one flat table of the operations measured"
)]
fn main() {
    let mut args = std::env::args().skip(1);
    let op = args.next().expect("an operation");
    let n: u32 = args.next().expect("a count").parse().expect("a number");

    let keyring = Keyring::generate(Suite::Aes256Gcm).expect("OS randomness");
    let key = keyring.purpose_key::<Fulfillment>();
    let keys = KeySet::new().with(keyring.purpose_key::<Fulfillment>());
    let ctx = Context::new("customer", "email").with_id_int(42);
    let msg = [0x5au8; 24];
    let one = Sealed::<Vec<u8>, Fulfillment>::seal(&msg[..], &ctx, &key).unwrap();
    let xkey = Keyring::generate(Suite::XChaCha20Poly1305)
        .expect("OS randomness")
        .purpose_key::<Fulfillment>();
    let xone = Sealed::<Vec<u8>, Fulfillment>::seal(&msg[..], &ctx, &xkey).unwrap();
    // The associated data fieldseal builds for this context: the same length for the floor.
    let aad_len =
        4 + 2 + "fulfillment".len() + 4 + 2 + "customer".len() + 2 + "email".len() + 2 + 16;
    let aad = vec![0xa5u8; aad_len];
    let aws = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &[7u8; 32]).unwrap());
    let nonce = [9u8; 12];
    let mut sealed_raw = msg.to_vec();
    aws.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(&aad),
        &mut sealed_raw,
    )
    .unwrap();
    let (ct, tag) = sealed_raw.split_at(msg.len());
    let tag: [u8; TAG] = tag.try_into().unwrap();
    let cust = customer();
    let stored = cust.seal(&keys).unwrap();
    let fields = customer::fields(&cust);

    let raw_seal = |m: &[u8], nonce: [u8; 12]| {
        let mut out = Vec::with_capacity(m.len() + TAG);
        out.extend_from_slice(m);
        aws.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(black_box(&aad[..])),
            &mut out,
        )
        .unwrap();
        black_box(out);
    };
    let fresh = || {
        let mut nonce = [0u8; 12];
        rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut nonce);
        nonce
    };

    let start = std::time::Instant::now();
    for _ in 0..n {
        match op.as_str() {
            "seal" => {
                black_box(
                    Sealed::<Vec<u8>, Fulfillment>::seal(black_box(&msg[..]), &ctx, &key).unwrap(),
                );
            }
            "xseal" => {
                black_box(
                    Sealed::<Vec<u8>, Fulfillment>::seal(black_box(&msg[..]), &ctx, &xkey).unwrap(),
                );
            }
            "xopen" => {
                black_box(black_box(&xone).open(&xkey, &ctx).unwrap());
            }
            "open" => {
                black_box(black_box(&one).open(&key, &ctx).unwrap());
            }
            "raw-seal" => raw_seal(black_box(&msg[..]), nonce),
            "raw-seal-nonce" => raw_seal(black_box(&msg[..]), fresh()),
            "raw-open" => {
                let mut out = black_box(ct).to_vec();
                aws.open_in_place_separate_tag(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(black_box(&aad[..])),
                    &tag,
                    &mut out,
                )
                .unwrap();
                black_box(out);
            }
            "record" => {
                black_box(black_box(&cust).seal(&keys).unwrap());
            }
            "record-open" => {
                black_box(black_box(&stored).open(&key).unwrap());
            }
            "raw-record" => {
                for (i, f) in fields.iter().enumerate() {
                    if i == 4 {
                        let json = serde_json::to_vec(black_box(&cust.address)).unwrap();
                        raw_seal(&json, nonce);
                    } else {
                        raw_seal(black_box(f), nonce);
                    }
                }
            }
            "raw-record-nonce" => {
                for (i, f) in fields.iter().enumerate() {
                    if i == 4 {
                        let json = serde_json::to_vec(black_box(&cust.address)).unwrap();
                        raw_seal(&json, fresh());
                    } else {
                        raw_seal(black_box(f), fresh());
                    }
                }
            }
            other => panic!("unknown operation {other}"),
        }
    }
    if std::env::var_os("PERF_OPS_TIME").is_some() {
        let ns = start.elapsed().as_secs_f64() * 1e9 / f64::from(n);
        eprintln!("{op} {ns:.1} ns/op");
    }
}
