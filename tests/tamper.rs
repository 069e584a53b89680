//! Tampering: every single-bit flip, truncation and extension of a sealed value, and parts swapped
//! or spliced between values, is detected, for both suites. A changed value either fails to parse
//! or, for each purpose, opens to an error or to the original plaintext: never to another
//! plaintext, never with a panic.

mod common;

use common::{Analytics, Fulfillment, Layout, Marketing, PLAINTEXT, ctx, layout};
use fieldseal::{Error, Malformed, PurposeSet, Sealed, Suite};

type Open<'a, Ps> = &'a dyn Fn(&Sealed<String, Ps>) -> fieldseal::Result<String>;

/// Which region of a value a byte offset falls in; part regions carry the part index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Region {
    Version,
    Suite,
    Mode,
    Type,
    Count,
    CtLen,
    /// The value's nonce, shared by every part.
    Nonce,
    NameLen(usize),
    Name(usize),
    KeyVersion(usize),
    Epoch(usize),
    Ciphertext(usize),
    Tag(usize),
}

fn region(layout: &Layout, offset: usize) -> Region {
    match offset {
        0 => return Region::Version,
        1 => return Region::Suite,
        2 => return Region::Mode,
        3 => return Region::Type,
        4 => return Region::Count,
        5..=8 => return Region::CtLen,
        _ if layout.nonce.contains(&offset) => return Region::Nonce,
        _ => {}
    }
    for (i, part) in layout.parts.iter().enumerate() {
        if offset == part.name_len_at {
            return Region::NameLen(i);
        }
        for (range, region) in [
            (&part.name_bytes, Region::Name(i)),
            (&part.key_version, Region::KeyVersion(i)),
            (&part.epoch, Region::Epoch(i)),
            (&part.ciphertext, Region::Ciphertext(i)),
            (&part.tag, Region::Tag(i)),
        ] {
            if range.contains(&offset) {
                return region;
            }
        }
    }
    unreachable!("offset {offset} is past the value")
}

/// Flips every bit of `sealed` in turn and checks what each purpose's `opens[i]` (in part order)
/// makes of it: the flipped part's purpose fails with the error its region calls for, every other
/// purpose still opens to the original; a flip in the value's shared nonce fails every purpose.
fn every_bit_flip_is_caught<Ps: PurposeSet>(sealed: &Sealed<String, Ps>, opens: &[Open<'_, Ps>]) {
    let original = sealed.as_bytes();
    let layout = layout(original);
    assert_eq!(layout.parts.len(), opens.len());
    for (i, open) in opens.iter().enumerate() {
        assert_eq!(
            open(sealed).unwrap(),
            PLAINTEXT,
            "purpose {i} before tampering"
        );
    }
    for offset in 0..original.len() {
        let region = region(&layout, offset);
        for bit in 0..8 {
            let mut bytes = original.to_vec();
            bytes[offset] ^= 1 << bit;
            let at = format!(
                "{:?} flip of bit {bit} at offset {offset} ({region:?})",
                layout.suite
            );
            let tampered = match Sealed::<String, Ps>::from_bytes(bytes.clone()) {
                Ok(tampered) => tampered,
                Err(e) => {
                    parse_error_fits_region(region, &e, &bytes, &at);
                    continue;
                }
            };
            if region == Region::Nonce {
                for (i, open) in opens.iter().enumerate() {
                    let opened = open(&tampered);
                    assert!(
                        matches!(opened, Err(Error::CannotOpen { .. })),
                        "{at}: part {i}"
                    );
                }
                continue;
            }
            let (Region::KeyVersion(flipped_part)
            | Region::Epoch(flipped_part)
            | Region::Ciphertext(flipped_part)
            | Region::Tag(flipped_part)) = region
            else {
                panic!("{at}: a header or name flip parsed");
            };
            for (i, open) in opens.iter().enumerate() {
                let opened = open(&tampered);
                if i != flipped_part {
                    assert_eq!(opened.unwrap(), PLAINTEXT, "{at}: untouched part {i}");
                    continue;
                }
                match (region, opened) {
                    (
                        Region::KeyVersion(_),
                        Err(Error::UnknownKeyVersion {
                            purpose,
                            version,
                            held,
                        }),
                    ) => {
                        let part = &layout.parts[i];
                        assert_eq!(purpose, part.name, "{at}");
                        let found =
                            u32::from_be_bytes(bytes[part.key_version.clone()].try_into().unwrap());
                        assert_eq!((version, held), (found, vec![1]), "{at}");
                    }
                    (_, Err(Error::CannotOpen { .. })) => {}
                    (_, other) => panic!("{at}: flipped part {i} gave {other:?}"),
                }
            }
        }
    }
}

/// A flip of a header or name byte fails to parse, with the error of its region.
fn parse_error_fits_region(region: Region, e: &Error, bytes: &[u8], at: &str) {
    match (region, e) {
        (
            Region::Version,
            Error::UnknownVersion {
                found,
                supported: 1,
            },
        ) => {
            assert_eq!(*found, bytes[0], "{at}");
        }
        (Region::Suite, Error::UnknownSuite { found }) => {
            assert_eq!(*found, bytes[1], "{at}");
        }
        (Region::Mode, Error::UnknownMode { found }) => {
            assert_eq!(*found, bytes[2], "{at}");
        }
        (Region::Type, Error::UnknownPlaintextType { found }) => {
            assert_eq!(*found, bytes[3], "{at}");
        }
        (Region::Type, Error::TypeMismatch { expected, .. }) => {
            assert_eq!(*expected, "String", "{at}");
        }
        // A fixed-width type whose width is not the value's length.
        (Region::Type, Error::Malformed(Malformed::PayloadLength { type_byte, .. })) => {
            assert_eq!(*type_byte, bytes[3], "{at}");
        }
        (
            Region::Count | Region::CtLen | Region::NameLen(_) | Region::Name(_),
            Error::Malformed(_),
        )
        | (Region::KeyVersion(_), Error::Malformed(Malformed::ZeroKeyVersion)) => {}
        _ => panic!("{at}: unexpected parse error {e:?}"),
    }
}

#[test]
fn every_bit_flip_of_a_single_purpose_value_fails() {
    let ctx = ctx();
    for suite in Suite::ALL {
        let keyring = common::keyring(suite);
        let f = keyring.purpose_key::<Fulfillment>();
        let sealed: Sealed<String, Fulfillment> =
            Sealed::seal(&PLAINTEXT.to_owned(), &ctx, &f).unwrap();
        every_bit_flip_is_caught(&sealed, &[&|s| s.open(&f, &ctx)]);
        every_bit_flip_is_caught(&sealed, &[&|s| s.open_dyn(f.as_dyn(), &ctx)]);
    }
}

#[test]
fn every_bit_flip_of_a_multi_purpose_value_fails_for_the_flipped_part() {
    let ctx = ctx();
    for suite in Suite::ALL {
        let keyring = common::keyring(suite);
        let f = keyring.purpose_key::<Fulfillment>();
        let m = keyring.purpose_key::<Marketing>();
        let a = keyring.purpose_key::<Analytics>();
        let two: Sealed<String, (Fulfillment, Marketing)> =
            Sealed::seal(&PLAINTEXT.to_owned(), &ctx, &(&f, &m)).unwrap();
        every_bit_flip_is_caught(&two, &[&|s| s.open(&f, &ctx), &|s| s.open(&m, &ctx)]);
        let three: Sealed<String, (Marketing, Analytics, Fulfillment)> =
            Sealed::seal(&PLAINTEXT.to_owned(), &ctx, &(&m, &a, &f)).unwrap();
        every_bit_flip_is_caught(
            &three,
            &[
                &|s| s.open_dyn(m.as_dyn(), &ctx),
                &|s| s.open_dyn(a.as_dyn(), &ctx),
                &|s| s.open_dyn(f.as_dyn(), &ctx),
            ],
        );
    }
}

/// A key version changed to another version the opener holds opens under the wrong key and the
/// wrong associated data: `CannotOpen`, not the plaintext.
#[test]
fn a_key_version_changed_to_another_held_version_cannot_open() {
    let ctx = ctx();
    for suite in Suite::ALL {
        let mut keyring = common::keyring(suite);
        keyring.add_version().unwrap();
        keyring.add_version().unwrap();
        keyring.set_active(3).unwrap();
        let f = keyring.purpose_key::<Fulfillment>();
        let sealed: Sealed<String, Fulfillment> =
            Sealed::seal(&PLAINTEXT.to_owned(), &ctx, &f).unwrap();
        let at = layout(sealed.as_bytes()).parts[0].key_version.end - 1;
        assert_eq!(sealed.as_bytes()[at], 3);
        for other in [1, 2] {
            let mut bytes = sealed.as_bytes().to_vec();
            bytes[at] = other;
            let tampered = Sealed::<String, Fulfillment>::from_bytes(bytes).unwrap();
            assert_eq!(tampered.key_versions()[0].1, u32::from(other));
            assert!(matches!(
                tampered.open(&f, &ctx),
                Err(Error::CannotOpen { .. })
            ));
        }
    }
}

fn sealed_bytes(suite: Suite) -> Vec<u8> {
    let keyring = common::keyring(suite);
    let f = keyring.purpose_key::<Fulfillment>();
    let m = keyring.purpose_key::<Marketing>();
    let s: Sealed<String, (Fulfillment, Marketing)> =
        Sealed::seal(&PLAINTEXT.to_owned(), &ctx(), &(&f, &m)).unwrap();
    s.into_bytes()
}

#[test]
fn every_truncation_is_malformed() {
    for suite in Suite::ALL {
        let bytes = sealed_bytes(suite);
        for len in 0..bytes.len() {
            match Sealed::<String, (Fulfillment, Marketing)>::from_bytes(bytes[..len].to_vec()) {
                Err(Error::Malformed(Malformed::Truncated { offset, needed, .. })) => {
                    assert!(offset <= len && needed > 0, "{suite:?} prefix {len}");
                }
                other => panic!("{suite:?} prefix of {len} bytes: {other:?}"),
            }
        }
        let text = Sealed::<String, (Fulfillment, Marketing)>::from_bytes(bytes.clone())
            .unwrap()
            .to_text();
        for len in 0..text.len() {
            let err = Sealed::<String, (Fulfillment, Marketing)>::from_text(&text[..len])
                .expect_err("a truncated text form must not parse");
            assert!(
                matches!(err, Error::Malformed(_)),
                "{suite:?} text prefix {len}: {err:?}"
            );
        }
    }
}

#[test]
fn every_extension_is_malformed() {
    for suite in Suite::ALL {
        let bytes = sealed_bytes(suite);
        for extra in [
            vec![0x00],
            vec![0x01],
            vec![0xff],
            bytes.clone(),
            vec![0; 300],
        ] {
            let mut longer = bytes.clone();
            longer.extend_from_slice(&extra);
            match Sealed::<String, (Fulfillment, Marketing)>::from_bytes(longer) {
                Err(Error::Malformed(Malformed::TrailingBytes { count })) => {
                    assert_eq!(count, extra.len());
                }
                other => panic!("{suite:?} with {} extra bytes: {other:?}", extra.len()),
            }
        }
        let text = Sealed::<String, (Fulfillment, Marketing)>::from_bytes(bytes)
            .unwrap()
            .to_text();
        for extra in ["A", "AA", "AAA", "AAAA", "=", " ", "\n"] {
            let longer = format!("{text}{extra}");
            assert!(
                Sealed::<String, (Fulfillment, Marketing)>::from_text(&longer).is_err(),
                "{suite:?} text + {extra:?}"
            );
        }
    }
}

/// Every one-character change of the text form either fails to parse or changes the bytes (no
/// two texts decode to one value), so at least one purpose then fails.
#[test]
fn every_character_change_of_the_text_form_is_caught() {
    let ctx = ctx();
    for suite in Suite::ALL {
        let keyring = common::keyring(suite);
        let f = keyring.purpose_key::<Fulfillment>();
        let m = keyring.purpose_key::<Marketing>();
        let sealed: Sealed<String, (Fulfillment, Marketing)> =
            Sealed::seal(&PLAINTEXT.to_owned(), &ctx, &(&f, &m)).unwrap();
        let text = sealed.to_text();
        for at in 0..text.len() {
            for c in ['A', 'B', 'Q', 'g', 'w', '0', '-', '_', '+', '/', '=', '!'] {
                if text[at..].starts_with(c) {
                    continue;
                }
                let mut changed = text.clone();
                changed.replace_range(at..=at, c.encode_utf8(&mut [0; 4]));
                let Ok(parsed) = Sealed::<String, (Fulfillment, Marketing)>::from_text(&changed)
                else {
                    continue;
                };
                assert_ne!(
                    parsed, sealed,
                    "{suite:?}: {changed} decodes to the original"
                );
                let opened = [parsed.open(&f, &ctx), parsed.open(&m, &ctx)];
                assert!(opened.iter().any(Result::is_err), "{suite:?}: {changed}");
                for opened in opened.into_iter().flatten() {
                    assert_eq!(opened, PLAINTEXT);
                }
            }
        }
    }
}

fn check_two(
    bytes: Vec<u8>,
    keyring: &fieldseal::Keyring,
    expect_f: Option<&str>,
    expect_m: Option<&str>,
) {
    let ctx = ctx();
    let s = Sealed::<String, (Fulfillment, Marketing)>::from_bytes(bytes).unwrap();
    for (opened, expected) in [
        (
            s.open(&keyring.purpose_key::<Fulfillment>(), &ctx),
            expect_f,
        ),
        (s.open(&keyring.purpose_key::<Marketing>(), &ctx), expect_m),
    ] {
        match (opened, expected) {
            (Ok(got), Some(want)) => assert_eq!(got, want),
            (Err(Error::CannotOpen { .. }), None) => {}
            (got, want) => panic!("got {got:?}, want {want:?}"),
        }
    }
}

/// Swapping one region of the fulfillment part between two values sealed for the same purposes,
/// context and plaintext length breaks that part in both; the marketing parts still open.
/// Swapping the values' nonces breaks every part of both.
#[test]
fn swapping_regions_between_values_is_caught() {
    for suite in Suite::ALL {
        let keyring = common::keyring(suite);
        let (f, m) = (
            keyring.purpose_key::<Fulfillment>(),
            keyring.purpose_key::<Marketing>(),
        );
        let other_text = "OTHER-PLAINTEXT-00000";
        assert_eq!(other_text.len(), PLAINTEXT.len());
        let first: Sealed<String, (Fulfillment, Marketing)> =
            Sealed::seal(&PLAINTEXT.to_owned(), &ctx(), &(&f, &m)).unwrap();
        let second: Sealed<String, (Fulfillment, Marketing)> =
            Sealed::seal(&other_text.to_owned(), &ctx(), &(&f, &m)).unwrap();
        let layout = layout(first.as_bytes());
        let part = layout.parts[0].clone();
        for range in [part.epoch, part.ciphertext, part.tag] {
            if first.as_bytes()[range.clone()] == second.as_bytes()[range.clone()] {
                // No epoch id (XChaCha20-Poly1305), or the same epoch (one thread sealed both).
                continue;
            }
            let mut one = first.as_bytes().to_vec();
            let mut two = second.as_bytes().to_vec();
            one[range.clone()].swap_with_slice(&mut two[range]);
            check_two(one, &keyring, None, Some(PLAINTEXT));
            check_two(two, &keyring, None, Some(other_text));
        }
        let mut one = first.as_bytes().to_vec();
        let mut two = second.as_bytes().to_vec();
        one[layout.nonce.clone()].swap_with_slice(&mut two[layout.nonce]);
        check_two(one, &keyring, None, None);
        check_two(two, &keyring, None, None);
    }
}

/// Within one value, the ciphertexts (or tags) of two purposes swapped: neither opens.
#[test]
fn swapping_regions_between_parts_is_caught() {
    for suite in Suite::ALL {
        let keyring = common::keyring(suite);
        let (f, m) = (
            keyring.purpose_key::<Fulfillment>(),
            keyring.purpose_key::<Marketing>(),
        );
        let a: Sealed<String, (Fulfillment, Marketing)> =
            Sealed::seal(&PLAINTEXT.to_owned(), &ctx(), &(&f, &m)).unwrap();
        let parts = layout(a.as_bytes()).parts;
        for pick in [
            |p: &common::PartLayout| p.epoch.clone(),
            |p: &common::PartLayout| p.ciphertext.clone(),
            |p: &common::PartLayout| p.tag.clone(),
        ] {
            let (first, second) = (pick(&parts[0]), pick(&parts[1]));
            if first.is_empty() {
                continue; // XChaCha20-Poly1305 parts have no epoch id
            }
            let mut bytes = a.as_bytes().to_vec();
            let saved = bytes[first.clone()].to_vec();
            bytes.copy_within(second.clone(), first.start);
            bytes[second].copy_from_slice(&saved);
            check_two(bytes, &keyring, None, None);
        }
    }
}

/// A whole part spliced in from a value of another record id, of another keyring, or from an
/// older value of the same record, field and purposes (FORMAT.md §5: the parts of one value share
/// its nonce): that purpose cannot open, the other still opens the original.
#[test]
fn splicing_a_part_from_another_value_is_caught() {
    for suite in Suite::ALL {
        let keyring = common::keyring(suite);
        let stranger = common::keyring(suite);
        let (f, m) = (
            keyring.purpose_key::<Fulfillment>(),
            keyring.purpose_key::<Marketing>(),
        );
        let a: Sealed<String, (Fulfillment, Marketing)> =
            Sealed::seal(&PLAINTEXT.to_owned(), &ctx(), &(&f, &m)).unwrap();
        let other_row = common::place().with_id_int(43);
        let from_other_row: Sealed<String, (Fulfillment, Marketing)> =
            Sealed::seal(&PLAINTEXT.to_owned(), &other_row, &(&f, &m)).unwrap();
        let (sf, sm) = (
            stranger.purpose_key::<Fulfillment>(),
            stranger.purpose_key::<Marketing>(),
        );
        let from_stranger: Sealed<String, (Fulfillment, Marketing)> =
            Sealed::seal(&PLAINTEXT.to_owned(), &ctx(), &(&sf, &sm)).unwrap();
        // The same customer's email before it changed, sealed for the same purposes.
        let older: Sealed<String, (Fulfillment, Marketing)> =
            Sealed::seal(&"OLD-PLAINTEXT-0000000".to_owned(), &ctx(), &(&f, &m)).unwrap();
        for donor in [&from_other_row, &from_stranger, &older] {
            for (index, expect) in [(0, (None, Some(PLAINTEXT))), (1, (Some(PLAINTEXT), None))] {
                let range = layout(a.as_bytes()).parts[index].all();
                let mut bytes = a.as_bytes().to_vec();
                bytes[range.clone()].copy_from_slice(&donor.as_bytes()[range]);
                check_two(bytes, &keyring, expect.0, expect.1);
            }
        }
    }
}

/// A typed `Sealed` rejects a value with a purpose's part dropped (SECURITY.md (c)), also when
/// that purpose needs consent (a `third-party:` one here): a direct-mode value holds a copy for
/// every purpose of its set; only subject mode may leave one out (FORMAT.md §15.1).
#[test]
fn dropping_a_consent_purpose_part_of_a_direct_value_is_refused_by_the_typed_api() {
    use common::Partner;
    for suite in Suite::ALL {
        let keyring = common::keyring(suite);
        let (f, p) = (
            keyring.purpose_key::<Fulfillment>(),
            keyring.purpose_key::<Partner>(),
        );
        let both: Sealed<String, (Fulfillment, Partner)> =
            Sealed::seal(&PLAINTEXT.to_owned(), &ctx(), &(&f, &p)).unwrap();
        let bytes = both.as_bytes();
        let parts = layout(bytes).parts;
        assert_eq!(parts[1].name, "third-party:acme");
        // Drop the partner's part and fix the count: what a database writer without keys can do.
        let mut dropped = bytes[..parts[1].name_len_at].to_vec();
        dropped[4] = 1;
        let parsed = Sealed::<String, (Fulfillment, Partner)>::from_bytes(dropped);
        assert!(
            matches!(
                parsed,
                Err(Error::Malformed(Malformed::PurposeSetMismatch { .. }))
            ),
            "{suite:?}: a direct-mode value missing a purpose of its typed set was accepted: {parsed:?}"
        );
    }
}
