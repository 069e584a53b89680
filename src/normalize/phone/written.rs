//! The text of a phone number reduced to what libphonenumber reads of it before it looks at any
//! region's metadata (FORMAT.md §17.4, "Reading the text"): a leading plus sign or not, and the
//! digits, letters made keypad digits only in a vanity number.
//!
//! The `phonenumber` crate reads ASCII digits only (it refuses `０２０ ７９４６ ００１８`, which
//! libphonenumber reads), and it makes every ASCII letter a keypad digit (`+x1 650 253 0000`
//! became the Indian `+91 6502530000`), where libphonenumber does so only when the number has at
//! least three letters and drops them otherwise. So fieldseal takes these steps itself, as
//! libphonenumber's `PhoneNumberUtil.parse` takes them (`buildNationalNumberForParsing`,
//! `isViablePhoneNumber`, `maybeStripExtension`, `normalize`), and hands the crate `+` and ASCII
//! digits, or ASCII digits only, which it reads as libphonenumber reads them.

use std::sync::LazyLock;

use regex::Regex;

/// The first code point of each run of ten decimal digits, 0 to 9, of Unicode 16.0 (the
/// characters of general category Nd: Unicode assigns them in whole runs, in order).
const DIGIT_ZEROS: [u32; 76] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x10D40, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0,
    0x11650, 0x116C0, 0x116D0, 0x116DA, 0x11730, 0x118E0, 0x11950, 0x11BF0, 0x11C50, 0x11D50,
    0x11DA0, 0x11F50, 0x16130, 0x16A60, 0x16AC0, 0x16B50, 0x16D70, 0x1CCF0, 0x1D7CE, 0x1D7D8,
    0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E4F0, 0x1E5F1, 0x1E950, 0x1FBF0,
];

/// The value of a decimal digit of any script (`３` and `٣` are 3), as libphonenumber's
/// `normalizeDigitsOnly` reads it.
pub(crate) fn digit_value(c: char) -> Option<u32> {
    let c = u32::from(c);
    let run = DIGIT_ZEROS
        .partition_point(|&zero| zero <= c)
        .checked_sub(1)?;
    let value = c - DIGIT_ZEROS[run];
    (value < 10).then_some(value)
}

/// The decimal digits as ranges for a regex character class (libphonenumber's `\p{Nd}`), from
/// the table above rather than from the regex crate's Unicode version.
fn digits() -> String {
    DIGIT_ZEROS
        .iter()
        .flat_map(|&zero| [zero, zero + 9])
        .map(|c| format!("\\x{{{c:X}}}"))
        .collect::<Vec<_>>()
        .chunks(2)
        .map(|range| range.join("-"))
        .collect()
}

/// libphonenumber's VALID_PUNCTUATION.
const PUNCTUATION: &str = r"\-x\x{2010}-\x{2015}\x{2212}\x{30FC}\x{FF0D}-\x{FF0F} \x{A0}\x{AD}\x{200B}\x{2060}\x{3000}()\x{FF08}\x{FF09}\x{FF3B}\x{FF3D}.\[\]/~\x{2053}\x{223C}\x{FF5E}";

/// The ways to write an extension after a number (libphonenumber's
/// `createExtnPattern(true)`), matched without regard to case. libphonenumber's case-insensitive
/// match also takes the dotless `ı` and the dotted `İ` for `i`: written out, since Unicode's
/// simple case folding, the regex crate's, does not.
fn extension(d: &str) -> String {
    let i = "[iıİ]";
    format!(
        "(?i:;ext=[{d}]{{1,20}}\
         |[ \\x{{A0}}\\t,]*(?:e?xt(?:ens{i}(?:o\\x{{301}}?|\\x{{F3}}))?n?|\\x{{FF45}}?\\x{{FF58}}\\x{{FF54}}\\x{{FF4E}}?|\\x{{434}}\\x{{43E}}\\x{{431}}|anexo)[:.\\x{{FF0E}}]?[ \\x{{A0}}\\t,\\-]*[{d}]{{1,20}}#?\
         |[ \\x{{A0}}\\t,]*(?:[x\\x{{FF58}}#\\x{{FF03}}~\\x{{FF5E}}]|{i}nt|\\x{{FF49}}\\x{{FF4E}}\\x{{FF54}})[:.\\x{{FF0E}}]?[ \\x{{A0}}\\t,\\-]*[{d}]{{1,9}}#?\
         |[\\- ]+[{d}]{{1,6}}#\
         |[ \\x{{A0}}\\t]*(?:,{{2}}|;)[:.\\x{{FF0E}}]?[ \\x{{A0}}\\t,\\-]*[{d}]{{1,15}}#?\
         |[ \\x{{A0}}\\t]*,+[:.\\x{{FF0E}}]?[ \\x{{A0}}\\t,\\-]*[{d}]{{1,9}}#?)"
    )
}

struct Patterns {
    /// A character that may begin a number: a plus sign or a digit.
    start: Regex,
    /// Characters at the end that are neither letters nor numbers, nor `#`.
    unwanted_end: Regex,
    /// The start of a second number (`(530) 583-6985 x302/x2303`).
    second_number: Regex,
    /// libphonenumber's VALID_PHONE_NUMBER_PATTERN, whole. Matched without regard to case there:
    /// the `x` of the punctuation is also `X`, and the letters are also `ı`, `İ`, `ſ` and the
    /// Kelvin sign.
    viable: Regex,
    /// An extension at the end.
    extension: Regex,
    /// An RFC 3966 phone-context that is a global number, or a domain name.
    global_number: Regex,
    domain_name: Regex,
}

static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| {
    let d = digits();
    let p = PUNCTUATION;
    let ext = extension(&d);
    let alpha = "A-Za-z";
    let build = |pattern: String| Regex::new(&pattern).expect("a valid pattern");
    Patterns {
        start: build(format!("[+\\x{{FF0B}}{d}]")),
        unwanted_end: build("[^#\\p{L}\\p{N}]+$".to_owned()),
        second_number: build(r"[\\/] *x".to_owned()),
        viable: build(format!(
            "^(?:[{d}]{{2}}|[+\\x{{FF0B}}]*(?:[{p}X*]*[{d}]){{3,}}[{p}X*{alpha}ıİſ\\x{{212A}}{d}]*(?:{ext})?)$"
        )),
        extension: build(format!("(?:{ext})$")),
        global_number: build(format!("^\\+[{d}\\-.()]*[{d}][{d}\\-.()]*$")),
        domain_name: build(format!(
            "^(?:[{alpha}{d}]+(?:-*[{alpha}{d}])*\\.)*[{alpha}]+(?:-*[{alpha}{d}])*\\.?$"
        )),
    }
});

/// libphonenumber's bound on the text it parses, in characters.
const MAX_INPUT_CHARS: usize = 250;

/// What libphonenumber reads of a number's text before it looks at metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Written {
    /// The number began with `+` (or `＋`): the country calling code follows.
    pub(super) plus: bool,
    /// The digits, ASCII, after the plus sign and before any extension.
    pub(super) digits: String,
}

/// `text` as libphonenumber reads it; `None` where libphonenumber's `parse` throws before it
/// looks at metadata (the text is too long, or is not a viable phone number).
pub(super) fn read(text: &str) -> Option<Written> {
    if text.chars().count() > MAX_INPUT_CHARS {
        return None;
    }
    let patterns = &*PATTERNS;
    let national = national_number_for_parsing(patterns, text)?;
    if !viable(patterns, &national) {
        return None;
    }
    let number = without_extension(patterns, &national);
    let rest = number.trim_start_matches(['+', '\u{FF0B}']);
    Some(Written {
        plus: rest.len() != number.len(),
        digits: normalize(rest),
    })
}

/// libphonenumber's `buildNationalNumberForParsing`: an RFC 3966 number with a phone-context
/// (`tel:7946-0018;phone-context=+44-20`), or the number found in the text.
fn national_number_for_parsing(patterns: &Patterns, text: &str) -> Option<String> {
    const PHONE_CONTEXT: &str = ";phone-context=";
    let mut national = match text.find(PHONE_CONTEXT) {
        Some(at) => {
            let context = &text[at + PHONE_CONTEXT.len()..];
            let context = context.split(';').next().unwrap_or_default();
            if context.is_empty()
                || !(patterns.global_number.is_match(context)
                    || patterns.domain_name.is_match(context))
            {
                return None;
            }
            let from = text.find("tel:").map_or(0, |tel| tel + "tel:".len());
            let local = text.get(from..at).unwrap_or_default();
            let global = if context.starts_with('+') {
                context
            } else {
                ""
            };
            format!("{global}{local}")
        }
        None => possible_number(patterns, text).to_owned(),
    };
    if let Some(at) = national.find(";isub=").filter(|&at| at > 0) {
        national.truncate(at);
    }
    Some(national)
}

/// libphonenumber's `extractPossibleNumber`: from the first plus sign or digit, without the
/// characters at the end that are neither letters nor numbers (but `#`), and before the start of
/// a second number.
fn possible_number<'a>(patterns: &Patterns, text: &'a str) -> &'a str {
    let Some(start) = patterns.start.find(text) else {
        return "";
    };
    let mut number = &text[start.start()..];
    if let Some(end) = patterns.unwanted_end.find(number) {
        number = &number[..end.start()];
    }
    if let Some(second) = patterns.second_number.find(number) {
        number = &number[..second.start()];
    }
    number
}

/// libphonenumber's `isViablePhoneNumber`.
fn viable(patterns: &Patterns, number: &str) -> bool {
    number.chars().nth(1).is_some() && patterns.viable.is_match(number)
}

/// `number` without its extension (libphonenumber's `maybeStripExtension`): the extension found
/// at the end is dropped if what comes before it is viable.
fn without_extension<'a>(patterns: &Patterns, number: &'a str) -> &'a str {
    match patterns.extension.find(number) {
        Some(found) if viable(patterns, &number[..found.start()]) => &number[..found.start()],
        _ => number,
    }
}

/// libphonenumber's `normalize`: a number with three ASCII letters or more is a vanity number,
/// whose letters become keypad digits (E.161) and whose ASCII digits stay, everything else
/// dropped (digits of other scripts too); any other number keeps its digits, of any script, as
/// ASCII, and drops everything else, letters too.
fn normalize(number: &str) -> String {
    let vanity = number.chars().filter(char::is_ascii_alphabetic).count() >= 3;
    if vanity {
        number.chars().filter_map(keypad).collect()
    } else {
        number
            .chars()
            .filter_map(digit_value)
            .filter_map(|value| char::from_digit(value, 10))
            .collect()
    }
}

/// A character of a vanity number as a keypad digit: libphonenumber upper-cases it (Java's
/// `Character.toUpperCase`, so the dotless `ı` is `I` and the long `ſ` is `S`) and looks it up
/// among the ASCII digits and letters.
fn keypad(c: char) -> Option<char> {
    let upper = match c {
        'ı' => 'I',
        'ſ' => 'S',
        _ => c.to_ascii_uppercase(),
    };
    Some(match upper {
        '0'..='9' => upper,
        'A'..='C' => '2',
        'D'..='F' => '3',
        'G'..='I' => '4',
        'J'..='L' => '5',
        'M'..='O' => '6',
        'P'..='S' => '7',
        'T'..='V' => '8',
        'W'..='Z' => '9',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_as(text: &str) -> Option<(bool, String)> {
        read(text).map(|w| (w.plus, w.digits))
    }

    #[test]
    fn digits_of_every_script_are_read() {
        assert_eq!(digit_value('7'), Some(7));
        assert_eq!(digit_value('\u{FF13}'), Some(3));
        assert_eq!(digit_value('\u{663}'), Some(3));
        assert_eq!(digit_value('\u{116DA}'), Some(0));
        assert_eq!(digit_value('\u{116D9}'), Some(9));
        assert_eq!(digit_value('\u{1D7FF}'), Some(9));
        assert_eq!(digit_value('²'), None);
        assert_eq!(digit_value('/'), None);
        assert_eq!(digit_value(':'), None);
        assert_eq!(digit_value('a'), None);
    }

    #[test]
    fn every_run_is_ten_decimal_digits() {
        let nd = Regex::new(r"^\p{Nd}$").unwrap();
        for zero in DIGIT_ZEROS {
            for value in 0..10 {
                let c = char::from_u32(zero + value).unwrap();
                assert!(nd.is_match(c.encode_utf8(&mut [0; 4])), "{c:?}");
            }
        }
        assert!(DIGIT_ZEROS.windows(2).all(|w| w[1] >= w[0] + 10));
    }

    #[test]
    fn letters_are_keypad_digits_only_in_vanity_numbers() {
        assert_eq!(
            read_as("1-800-FLOWERS"),
            Some((false, "18003569377".into()))
        );
        assert_eq!(
            read_as("+x1 650 253 0000"),
            Some((true, "16502530000".into()))
        );
        assert_eq!(
            read_as("020 7946 0018 b"),
            Some((false, "02079460018".into()))
        );
        assert_eq!(read_as("08-PIZZA"), None);
    }

    #[test]
    fn extensions_and_uris() {
        assert_eq!(
            read_as("020 7946 0018 ext. 12"),
            Some((false, "02079460018".into()))
        );
        assert_eq!(
            read_as("020 7946 0018 ınt 12"),
            Some((false, "02079460018".into()))
        );
        assert_eq!(
            read_as("tel:7946-0018;phone-context=+44-20"),
            Some((true, "442079460018".into()))
        );
        assert_eq!(read_as("tel:7946-0018;phone-context=;x"), None);
    }
}
