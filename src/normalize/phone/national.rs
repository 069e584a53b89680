//! The national significant number as libphonenumber takes it from the digits after the calling
//! code (`maybeStripNationalPrefixAndCarrierCode`, then `testNumberLength`): the `phonenumber`
//! crate strips national prefixes differently (`8 800 555 35 35` from RU lost `88`;
//! `+7 808 123 45 67` lost the 8 that is part of the number; `+1 1 650 253 0000` kept its 1).

use phonenumber::metadata::{Descriptor, Metadata};

use super::valid::matches_whole;

/// `raw` (the digits written after the calling code, or all of them for a number written without
/// one) with the national prefix of `metadata`'s region taken off as libphonenumber takes it
/// off: only where the number after it still has a possible length, and never where it made a
/// number that matched the region's general description into one that does not.
pub(super) fn significant(metadata: &Metadata, raw: &str) -> String {
    match strip_prefix(metadata, raw) {
        Some(stripped) if possible(metadata, &stripped) => stripped,
        _ => raw.to_owned(),
    }
}

/// Whether `digits`, written without a `+` in `metadata`'s region and beginning with its calling
/// code, are read without that code (libphonenumber's `maybeExtractCountryCode`): if what follows
/// the code (its national prefix taken off) matches the general description and the whole did
/// not, or the whole is too long. Returns the number read, or `None` to read the whole.
pub(super) fn without_own_code(metadata: &Metadata, digits: &str, after: &str) -> Option<String> {
    let potential = strip_prefix(metadata, after).unwrap_or_else(|| after.to_owned());
    let general = metadata.descriptors().general();
    let better = !matches_whole(general, digits) && matches_whole(general, &potential);
    (better || too_long(metadata, digits)).then_some(potential)
}

/// libphonenumber's `maybeStripNationalPrefixAndCarrierCode`: `raw` without the prefix (or as
/// the region's transform rule rewrites it), if it begins with one and may lose it.
fn strip_prefix(metadata: &Metadata, raw: &str) -> Option<String> {
    // Absent from the metadata, the prefix for parsing is the national prefix (libphonenumber's
    // metadata build step, which the crate does not take).
    let pattern = match metadata.national_prefix_for_parsing() {
        Some(pattern) => pattern.as_str().to_owned(),
        None => regex::escape(metadata.national_prefix()?),
    };
    let prefix = anchored(&pattern)?;
    let found = prefix.captures(raw)?;
    let general = metadata.descriptors().general();
    let viable = matches_whole(general, raw);
    let last_group = found.len() - 1;
    let stripped = match metadata.national_prefix_transform_rule() {
        Some(rule) if !rule.is_empty() && last_group > 0 && found.get(last_group).is_some() => {
            let mut out = String::new();
            found.expand(&java_replacement(rule, last_group), &mut out);
            out.push_str(&raw[found.get(0)?.end()..]);
            out
        }
        _ => raw[found.get(0)?.end()..].to_owned(),
    };
    if viable && !matches_whole(general, &stripped) {
        return None;
    }
    Some(stripped)
}

/// libphonenumber's `testNumberLength(.., UNKNOWN)` is neither too short, nor possible only
/// locally, nor of a length no number type has. The general description's lengths are those of
/// every number type (the crate leaves them empty: libphonenumber's metadata build collects them).
fn possible(metadata: &Metadata, number: &str) -> bool {
    let (lengths, local) = lengths(metadata);
    let Ok(length) = u16::try_from(number.len()) else {
        return false;
    };
    let (Some(&shortest), Some(&longest)) = (lengths.first(), lengths.last()) else {
        return false;
    };
    if local.contains(&length) || length < shortest {
        return false;
    }
    // Too long is not refused here (libphonenumber keeps the stripped number, and validity
    // refuses it later); a length between that no type has is.
    length > longest || lengths.contains(&length)
}

/// libphonenumber's `testNumberLength(.., UNKNOWN) == TOO_LONG`.
fn too_long(metadata: &Metadata, number: &str) -> bool {
    let (lengths, _) = lengths(metadata);
    lengths
        .last()
        .is_some_and(|&longest| number.len() > usize::from(longest))
}

/// The possible lengths of a whole number of `metadata`'s region, sorted, and those possible
/// only locally.
fn lengths(metadata: &Metadata) -> (Vec<u16>, Vec<u16>) {
    let d = metadata.descriptors();
    let types: Vec<&Descriptor> = [
        d.fixed_line(),
        d.mobile(),
        d.toll_free(),
        d.premium_rate(),
        d.shared_cost(),
        d.personal_number(),
        d.voip(),
        d.pager(),
        d.uan(),
        d.voicemail(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut lengths: Vec<u16> = types
        .iter()
        .flat_map(|t| t.possible_length().iter().copied())
        .collect();
    lengths.sort_unstable();
    lengths.dedup();
    // Local-only lengths that are also a whole number's length are not local-only (as the
    // metadata build leaves them).
    let local: Vec<u16> = types
        .iter()
        .flat_map(|t| t.possible_local_length().iter().copied())
        .filter(|l| !lengths.contains(l))
        .collect();
    (lengths, local)
}

/// `pattern`, matched at the start only (`lookingAt`), its white space ignored.
fn anchored(pattern: &str) -> Option<regex::Regex> {
    regex::RegexBuilder::new(&format!("^(?:{pattern})"))
        .ignore_whitespace(true)
        .build()
        .ok()
}

/// A Java replacement (`$1`) as the regex crate's (`${1}`): a `$` takes its first digit, and the
/// next ones while they still name one of the pattern's `groups` (Java's rule).
fn java_replacement(rule: &str, groups: usize) -> String {
    let mut out = String::new();
    let mut chars = rule.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek().and_then(|d| d.to_digit(10))) {
            ('$', Some(first)) => {
                chars.next();
                let mut group = first as usize;
                while let Some(next) = chars.peek().and_then(|d| d.to_digit(10)) {
                    let longer = group * 10 + next as usize;
                    if longer > groups {
                        break;
                    }
                    group = longer;
                    chars.next();
                }
                out.push_str("${");
                out.push_str(&group.to_string());
                out.push('}');
            }
            ('$', None) => out.push_str("$$"),
            (c, _) => out.push(c),
        }
    }
    out
}
