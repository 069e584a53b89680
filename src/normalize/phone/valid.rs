//! libphonenumber's `isValidNumber`, whose patterns match the whole national number: the
//! `phonenumber` crate's match at its start only (`Descriptor::is_match`), so a valid number with
//! digits appended (`020 7946 00181` from IT) passed as valid, and got a term.
//!
//! The steps are libphonenumber's: the region of the calling code (the only one, or among those
//! sharing the code the first whose leading digits begin the number, or that has a number type
//! for it), then the number is valid if its region's general description and one number type
//! match it whole, each within its possible lengths.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use phonenumber::metadata::{DATABASE, Descriptor, Metadata};
use regex::{Regex, RegexBuilder};

/// Whether the number of calling code `code` and national significant number `national` is
/// valid, as libphonenumber's `isValidNumber` says.
pub(super) fn is_valid(code: u16, national: &str) -> bool {
    let Some(regions) = DATABASE.region(&code) else {
        return false;
    };
    let metadata = match regions.as_slice() {
        ["001"] => DATABASE
            .by_code(&code)
            .and_then(|all| all.into_iter().next()),
        [region] => DATABASE.by_id(*region),
        _ => regions
            .iter()
            .filter_map(|region| DATABASE.by_id(*region))
            .find(|metadata| match metadata.leading_digits() {
                // `lookingAt`: at the start, not necessarily the whole.
                Some(leading) => leading.find(national).is_some_and(|m| m.start() == 0),
                None => has_a_type(metadata, national),
            }),
    };
    metadata.is_some_and(|metadata| has_a_type(metadata, national))
}

/// libphonenumber's `getNumberTypeHelper(..) != UNKNOWN`.
fn has_a_type(metadata: &Metadata, national: &str) -> bool {
    let d = metadata.descriptors();
    matches_whole(d.general(), national)
        && [
            d.premium_rate(),
            d.toll_free(),
            d.shared_cost(),
            d.voip(),
            d.personal_number(),
            d.pager(),
            d.uan(),
            d.voicemail(),
            d.fixed_line(),
            d.mobile(),
        ]
        .into_iter()
        .flatten()
        .any(|desc| matches_whole(desc, national))
}

/// libphonenumber's `isNumberMatchingDesc`: within the description's possible lengths, if it
/// lists any, and its pattern matching the whole number.
pub(super) fn matches_whole(desc: &Descriptor, national: &str) -> bool {
    let lengths = desc.possible_length();
    if !lengths.is_empty() && !u16::try_from(national.len()).is_ok_and(|n| lengths.contains(&n)) {
        return false;
    }
    whole(desc.national_number().as_str()).is_some_and(|pattern| pattern.is_match(national))
}

/// `pattern`, anchored at both ends, its white space ignored (the metadata's patterns are laid
/// out on many lines, as the crate reads them); built once per pattern.
fn whole(pattern: &str) -> Option<Arc<Regex>> {
    static WHOLE: LazyLock<Mutex<HashMap<String, Option<Arc<Regex>>>>> =
        LazyLock::new(Mutex::default);
    let mut built = WHOLE.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(found) = built.get(pattern) {
        return found.clone();
    }
    built
        .entry(pattern.to_owned())
        .or_insert_with(|| {
            RegexBuilder::new(&format!("^(?:{pattern})$"))
                .ignore_whitespace(true)
                .build()
                .ok()
                .map(Arc::new)
        })
        .clone()
}
