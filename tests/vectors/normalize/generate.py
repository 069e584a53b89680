#!/usr/bin/env python3
"""Writes the normalizer test vectors of FORMAT.md §17.11 into this directory.

An implementation of FORMAT.md §17 written from the document, apart from the Rust code: Unicode
comes from Python's `unicodedata` (NFC), `str.lower` (default full lower-casing, Final_Sigma
included) and `str.casefold` (full case folding), phone numbers from `phonenumbers`, the Python
port of libphonenumber. `tests/normalize.rs` checks fieldseal against every case.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install phonenumbers
    /tmp/venv/bin/python tests/vectors/normalize/generate.py

Python 3.11 or later (Unicode 14.0 or later; every character in the cases is assigned in 14.0).
"""

import os
import re
import unicodedata

import phonenumbers

MAX_LEN = 1024

WS = set(
    [chr(c) for c in range(0x09, 0x0E)]
    + ["\u0020", "\u0085", "\u00a0", "\u1680"]
    + [chr(c) for c in range(0x2000, 0x200B)]
    + ["\u2028", "\u2029", "\u202f", "\u205f", "\u3000"]
)
INVISIBLE = set(
    ["\u00ad", "\u061c", "\u200b", "\u200e", "\u200f", "\u2060", "\ufeff"]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
)
CONTROL = set(chr(c) for c in list(range(0x00, 0x20)) + list(range(0x7F, 0xA0))) - WS


class Refused(Exception):
    """A normalizer's refusal, with its §17.10 code."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def nbytes(s):
    return len(s.encode("utf-8"))


def nfc(s):
    return unicodedata.normalize("NFC", s)


def lower(s):
    return nfc(nfc(s).lower())


def fold(s):
    return nfc(nfc(s).casefold())


def trim(s):
    start, end = 0, len(s)
    while start < end and s[start] in WS:
        start += 1
    while end > start and s[end - 1] in WS:
        end -= 1
    return s[start:end]


def check_len(x):
    if nbytes(x) > MAX_LEN:
        raise Refused("too-long")


def prepare(x):
    check_len(x)
    if any(c in CONTROL for c in x):
        raise Refused("control-character")
    return "".join(c for c in x if c not in INVISIBLE)


def bounded(out):
    if nbytes(out) > MAX_LEN:
        raise Refused("output-too-long")
    return out


def ascii_digit(c):
    return "0" <= c <= "9"


def ascii_upper(c):
    return "A" <= c <= "Z"


# §17.3
def email(x, provider_rules, plus_tags):
    a = trim(prepare(x))
    if a == "":
        raise Refused("empty")
    a = lower(a)
    if any(c in WS for c in a):
        raise Refused("space")
    ats = a.count("@")
    if ats == 0:
        raise Refused("no-at")
    if ats > 1:
        raise Refused("many-at")
    local, domain = a.split("@")
    if local == "":
        raise Refused("empty-local-part")
    if domain == "":
        raise Refused("empty-domain")
    if provider_rules and domain in ("gmail.com", "googlemail.com"):
        domain = "gmail.com"
        local = local.split("+")[0].replace(".", "")
    elif plus_tags:
        local = local.split("+")[0]
    if local == "":
        raise Refused("empty-after-rules")
    return bounded(local + "@" + domain)


# §17.4
def phone(x, region):
    a = trim(prepare(x))
    if a == "":
        raise Refused("empty")
    try:
        number = phonenumbers.parse(a, region)
    except phonenumbers.NumberParseException:
        raise Refused("not-a-number")
    if not phonenumbers.is_valid_number(number):
        raise Refused("invalid-number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# §17.5
def text(x):
    a = prepare(x)
    words, word = [], ""
    for c in a:
        if c in WS:
            if word:
                words.append(word)
            word = ""
        else:
            word += c
    if word:
        words.append(word)
    a = " ".join(words)
    if a == "":
        raise Refused("empty")
    return bounded(fold(a))


# §17.6
def shape(s):
    return "".join("L" if ascii_upper(c) else "D" if ascii_digit(c) else "?" for c in s)


def postcode(x, country):
    a = "".join(c for c in prepare(x) if c not in WS)
    if a == "":
        raise Refused("empty")
    a = "".join(c.upper() if c.isascii() and c.isalpha() else c for c in a)
    if country == "GB":
        if a == "GIR0AA":
            return "GIR 0AA"
        outward, inward = a[:-3], a[-3:]
        if shape(outward) in ("LD", "LDD", "LLD", "LLDD", "LDL", "LLDL") and shape(inward) == "DLL":
            return outward + " " + inward
    elif country == "US":
        if shape(a) in ("DDDDD", "DDDDDDDDD") or (shape(a) == "DDDDD?DDDD" and a[5] == "-"):
            return a[:5]
    elif country in ("DE", "FR"):
        if shape(a) == "DDDDD":
            return a
    elif country == "NL":
        if shape(a) == "DDDDLL" and a[0] != "0":
            return a
    elif country == "CA":
        if shape(a) == "LDLDLD":
            return a[:3] + " " + a[3:]
    elif country == "generic":
        a = a.replace("-", "")
        if 2 <= len(a) <= 12 and all(ascii_upper(c) or ascii_digit(c) for c in a):
            return a
    raise Refused("postcode-shape")


# §17.7
def check_date(year, month, day):
    if not 1 <= year <= 9999:
        raise Refused("no-such-year")
    if not 1 <= month <= 12:
        raise Refused("no-such-month")
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    if not 1 <= day <= days:
        raise Refused("no-such-day")


ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
NUMERIC = re.compile(r"([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{4})", re.ASCII)


def date_of_birth(x, order):
    a = trim(prepare(x))
    m = ISO.fullmatch(a)
    if m:
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    else:
        m = NUMERIC.fullmatch(a) if order else None
        if not m:
            raise Refused("date-shape")
        p, q, year = int(m[1]), int(m[3]), int(m[4])
        day, month = (p, q) if order == "dmy" else (q, p)
    check_date(year, month, day)
    return "%04d-%02d-%02d" % (year, month, day)


# §17.8
def last_digits(x, n):
    check_len(x)
    digits = [c for c in x if ascii_digit(c)]
    if len(digits) < n:
        raise Refused("too-few-digits")
    return "".join(digits[len(digits) - n:])


def first_letters(x, n):
    check_len(x)
    if len(x) < n:
        raise Refused("too-few-letters")
    return x[:n]


def year(x):
    check_len(x)
    if re.fullmatch(r"[0-9]{4}", x, re.ASCII) and x != "0000":
        return x
    m = ISO.fullmatch(x)
    if not m:
        raise Refused("not-a-date")
    try:
        check_date(int(m[1]), int(m[2]), int(m[3]))
    except Refused:
        raise Refused("not-a-date")
    return x[:4]


# §17.9
def count(digits):
    n = int(digits)
    if n > 64:
        raise Refused("definition")
    return n


def region(code):
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise Refused("definition")
    return code


COUNT = r"([1-9][0-9]?)"
STEPS = [
    (r"email(\+provider-rules)?(\+plus-tags)?", lambda m: lambda x: email(x, bool(m[1]), bool(m[2]))),
    (r"phone:([A-Z]{2})", lambda m: (lambda r: lambda x: phone(x, r))(region(m[1]))),
    (r"text", lambda m: text),
    (r"postcode:(GB|US|DE|FR|NL|CA|generic)", lambda m: lambda x: postcode(x, m[1])),
    (r"date-of-birth(?::(dmy|mdy))?", lambda m: lambda x: date_of_birth(x, m[1])),
    (r"year", lambda m: year),
    (r"last-digits:" + COUNT, lambda m: (lambda n: lambda x: last_digits(x, n))(count(m[1]))),
    (r"first-letters:" + COUNT, lambda m: (lambda n: lambda x: first_letters(x, n))(count(m[1]))),
]


def step_function(step):
    for pattern, make in STEPS:
        m = re.fullmatch(pattern, step)
        if m:
            return make(m)
    raise Refused("definition")


def from_description(description):
    if not 1 <= len(description.encode()) <= 256:
        raise Refused("definition")
    steps = description.split("|")
    if len(steps) > 8:
        raise Refused("definition")
    functions = [step_function(step) for step in steps]

    def pipeline(x):
        for f in functions:
            x = f(x)
        return x

    return pipeline


def run(description, x):
    try:
        return ("output", from_description(description)(x))
    except Refused as refused:
        return ("error", refused.code)


# The cases: (description, input, comment), one list per file.
LONG_LOCAL = "a" * (MAX_LEN - len("@example.com"))
CASES = {
    "email": [
        ("email", " Ada@Example.COM ", "trimmed and lower-cased, local part too"),
        ("email", "ada@example.com", "already canonical"),
        ("email", "\t\nADA.LOVELACE@EXAMPLE.CO.UK\u3000", "white space of several kinds trimmed; dots kept"),
        ("email", "A.da+Shop@Gmail.com", "without options, dots and tags are kept on every domain"),
        ("email", "Jos\u00e9@Caf\u00e9.example", "composed accents"),
        ("email", "Jose\u0301@Cafe\u0301.example", "decomposed accents: the same output as composed"),
        ("email", "STRA\u00dfE@Example.de", "lower-casing keeps sharp s"),
        ("email", "STRASSE@Example.de", "ss stays ss: a different term from the sharp s one"),
        ("email", "\u0130nci@Example.com", "dotted capital I lower-cases to i and U+0307 (no Turkish mapping)"),
        ("email", "\u039f\u0394\u039f\u03a3@Example.gr", "final sigma at the end of a word"),
        ("email", "ada@B\u00dcCHER.example", "an internationalized domain is lower-cased, not punycoded"),
        ("email", "ada@XN--BCHER-KVA.example", "punycode is lower-cased, not decoded"),
        ("email", "\u200fada@example.com\u200e", "right-to-left and left-to-right marks removed"),
        ("email", "\ufeffada@exa\u200bmple.com", "byte order mark and zero-width space removed"),
        ("email", "", "empty"),
        ("email", " \t\u00a0\u2003 ", "white space only"),
        ("email", "\u200f", "invisible only"),
        ("email", "ada.example.com", "no @"),
        ("email", "ada@lovelace@example.com", "two @"),
        ("email", "@example.com", "empty local part"),
        ("email", "ada@", "empty domain"),
        ("email", "@", "empty local part before empty domain"),
        ("email", "ada lovelace@example.com", "a space inside"),
        ("email", "ada@example.com\u00a0x", "a no-break space inside"),
        ("email", "ada@exa\u0000mple.com", "a NUL"),
        ("email", "ada\u001b[31m@example.com", "an escape sequence"),
        ("email", "ada@example.com\u0085", "NEL is white space, trimmed"),
        ("email", "ada@example.com\u009f", "a C1 control"),
        ("email", LONG_LOCAL + "@example.com", "1024 bytes: accepted"),
        ("email", "a" + LONG_LOCAL + "@example.com", "1025 bytes: too long"),
        ("email", LONG_LOCAL + "@example.com ", "1025 bytes with a trailing space: the bound is on the input"),
        ("email+provider-rules", "A.da.Love+shop@Gmail.com", "gmail.com: dots removed, tag cut"),
        ("email+provider-rules", "ada.love+a+b@googlemail.com", "googlemail.com is gmail.com; cut at the first +"),
        ("email+provider-rules", "a.da+shop@example.com", "other domains keep dots and tags"),
        ("email+provider-rules", "a.da+shop@mail.gmail.com", "a subdomain of gmail.com is another domain"),
        ("email+provider-rules", "+shop@gmail.com", "nothing left before the tag"),
        ("email+provider-rules", "...@googlemail.com", "nothing left but dots"),
        ("email+plus-tags", "ada+shop@example.com", "tag cut on every domain"),
        ("email+plus-tags", "ada+@example.com", "an empty tag cut"),
        ("email+plus-tags", "a.da+x@googlemail.com", "without provider rules gmail keeps its dots and domain"),
        ("email+plus-tags", "+shop@example.com", "nothing left before the tag"),
        ("email+provider-rules+plus-tags", "a.da+x@googlemail.com", "both: gmail rules"),
        ("email+provider-rules+plus-tags", "a.da+x@example.com", "both: tag cut elsewhere, dots kept"),
    ],
    "text": [
        ("text", "  Ada   LOVELACE ", "trimmed, runs of spaces made one, folded"),
        ("text", "Ada\t\r\n\u00a0\u2003\u3000Lovelace", "every kind of white space is a separator"),
        ("text", "Ada\u2028\u0085Lovelace", "line and paragraph separators too"),
        ("text", "Zo\u00eb", "composed"),
        ("text", "ZOE\u0308", "decomposed and upper-case: the same output"),
        ("text", "q\u0307\u0323", "marks in non-canonical order"),
        ("text", "q\u0323\u0307", "marks in canonical order: the same output"),
        ("text", "Stra\u00dfe", "sharp s folds to ss"),
        ("text", "STRASSE", "the same term as Strasse"),
        ("text", "STRA\u1e9eE", "capital sharp s folds to ss"),
        ("text", "\u0130stanbul", "dotted capital I folds to i and U+0307"),
        ("text", "ISTANBUL", "capital I folds to i"),
        ("text", "\u0131sparta", "dotless i is kept"),
        ("text", "\u039f\u0394\u039f\u03a3", "capital sigma folds to sigma"),
        ("text", "\u03bf\u03b4\u03bf\u03c2", "final sigma folds to sigma"),
        ("text", "J\u030c", "folding gives j and a caron, which NFC composes"),
        ("text", "\u1f88", "one character folds to two"),
        ("text", "\ufb03", "a ligature folds to its letters"),
        ("text", "\u01c4", "DZ with caron folds to its small form"),
        ("text", "\uab70", "Cherokee small letters fold to capitals"),
        ("text", "\u200f\u05e9\u05dc\u05d5\u05dd\u200e", "bidirectional marks removed"),
        ("text", "Ada\u00adLove\u2060lace", "soft hyphen and word joiner removed"),
        ("text", "\u2067Ada\u2069", "isolates removed"),
        ("text", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "zero-width non-joiner kept"),
        ("text", "\U0001f469\u200d\U0001f373", "zero-width joiner kept"),
        ("text", "", "empty"),
        ("text", " \t\r\n\u3000", "white space only"),
        ("text", "\u200b\ufeff", "invisible only"),
        ("text", "ada\u0007", "a control character"),
        ("text", "a" * MAX_LEN, "1024 bytes"),
        ("text", "a" * (MAX_LEN + 1), "1025 bytes"),
        ("text", "\u0149" * (MAX_LEN // 2), "1024 bytes in, 1536 out"),
    ],
    "phone": [
        ("phone:GB", "020 7946 0018", "national format"),
        ("phone:GB", "(020) 7946-0018", "punctuation"),
        ("phone:GB", "+44 (0)20 7946 0018", "international with the national prefix in brackets"),
        ("phone:GB", "0044 20 7946 0018", "international dialling prefix of GB"),
        ("phone:GB", "tel:+44-20-7946-0018", "RFC 3966"),
        ("phone:GB", " 020 7946 0018 ext. 12 ", "the extension is dropped"),
        ("phone:GB", "\u200e020 7946 0018", "a left-to-right mark removed"),
        ("phone:GB", "07400 123456", "a mobile number"),
        ("phone:GB", "+39 06 6982 1234", "Italy from GB: the leading 0 is part of the number"),
        ("phone:GB", "0039 06 6982 1234", "the same with GB's international dialling prefix"),
        ("phone:GB", "+1 650-253-0000", "the United States from GB"),
        ("phone:US", "(650) 253-0000", "US national format"),
        ("phone:US", "+33 1 23 45 67 89", "France from the US: the 1 is not the US national prefix"),
        ("phone:US", "011 33 1 23 45 67 89", "the same with the US international dialling prefix"),
        ("phone:AU", "0011 39 06 6982 1234", "Italy from Australia"),
        ("phone:IT", "06 6982 1234", "an Italian fixed line"),
        ("phone:GB", "07700 900123", "the range for drama: not a valid number"),
        ("phone:GB", "020 7946 001", "one digit short"),
        ("phone:GB", "hello", "not a number"),
        ("phone:GB", "+999 1234", "no such country code"),
        ("phone:GB", " ", "empty"),
        ("phone:GB", "020\u00007946 0018", "a NUL"),
        ("phone:GB|last-digits:4", "020 7946 0018", "the last four digits of the E.164 form"),
        ("phone:GB", "\uff10\uff12\uff10 \uff17\uff19\uff14\uff16 \uff10\uff10\uff11\uff18", "full-width digits"),
        ("phone:GB", "\u0660\u0662\u0660 \u0667\u0669\u0664\u0666 \u0660\u0660\u0661\u0668", "Arabic-Indic digits"),
        ("phone:US", "1-800-FLOWERS", "a vanity number: three letters or more are keypad digits"),
        ("phone:US", "+x1 650 253 0000", "a lone letter is dropped, not a keypad digit"),
        ("phone:RU", "+810 3 1234 5678", "after a +, the calling code comes before the international prefix"),
        ("phone:RU", "8 800 555 35 35", "Russia's national prefix 8"),
        ("phone:RU", "+7 808 123 45 67", "an 8 that is part of the number stays"),
        ("phone:GB", "+1 1 650 253 0000", "a national prefix written after the calling code"),
        ("phone:BR", "0800 12 3456", "a national prefix before a toll-free number"),
        ("phone:DE", "492 1234", "a number that begins with the region's calling code"),
        ("phone:RW", "250 123 456", "the same in Rwanda"),
        ("phone:IT", "020 7946 00181", "a valid number with a digit appended is not valid"),
        ("phone:GB", "00000", "zeros only: not valid"),
        ("phone:GB", "+0000", "zeros after a +: not a number"),
        ("phone:GB", "+44 00 113 420 8416", "two national prefixes are one too many"),
        ("phone:XX", "020 7946 0018", "no such region"),
        ("phone:gb", "020 7946 0018", "regions are upper-case"),
    ],
    "postcode": [
        ("postcode:GB", "SW1A 1AA", "canonical"),
        ("postcode:GB", "sw1a1aa", "lower-case, no space"),
        ("postcode:GB", "  Sw1A   1aA ", "spaces anywhere"),
        ("postcode:GB", "M1 1AE", "outward LD"),
        ("postcode:GB", "B33 8TH", "outward LDD"),
        ("postcode:GB", "CR2 6XH", "outward LLD"),
        ("postcode:GB", "DN55 1PT", "outward LLDD"),
        ("postcode:GB", "W1A 0AX", "outward LDL"),
        ("postcode:GB", "EC1A 1BB", "outward LLDL"),
        ("postcode:GB", "gir 0aa", "the exception"),
        ("postcode:GB", "SW1A-1AA", "a hyphen is not a space"),
        ("postcode:GB", "SWAA 1AA", "no such outward shape"),
        ("postcode:GB", "SW1A 11A", "no such inward shape"),
        ("postcode:GB", "1AA", "no outward code"),
        ("postcode:GB", "\uff33\uff37\uff11\uff21 1AA", "full-width letters are not ASCII"),
        ("postcode:GB", "  ", "empty"),
        ("postcode:GB", "\u200f", "invisible only"),
        ("postcode:GB", "SW1A\u00001AA", "a NUL"),
        ("postcode:US", "20500", "ZIP"),
        ("postcode:US", "20500-0003", "ZIP+4 cut"),
        ("postcode:US", "205000003", "ZIP+4 without hyphen cut"),
        ("postcode:US", " 20500 - 0003 ", "spaces removed first"),
        ("postcode:US", "2050", "four digits"),
        ("postcode:US", "20500-003", "a short +4"),
        ("postcode:US", "20500+0003", "not a hyphen"),
        ("postcode:DE", "10115", "five digits"),
        ("postcode:DE", "D-10115", "the old country prefix"),
        ("postcode:FR", "75 001", "a space removed"),
        ("postcode:FR", "7500", "four digits"),
        ("postcode:NL", "1234 ab", "upper-cased, no space"),
        ("postcode:NL", "0234 AB", "a leading 0"),
        ("postcode:NL", "1234 A1", "a digit for a letter"),
        ("postcode:CA", "k1a0b1", "a space in the middle"),
        ("postcode:CA", "11A 0B1", "a digit for a letter"),
        ("postcode:generic", "100-0001", "Japan: hyphen removed"),
        ("postcode:generic", "d02 x285", "Ireland: upper-cased, space removed"),
        ("postcode:generic", "101", "Iceland: three digits"),
        ("postcode:generic", "1", "one character"),
        ("postcode:generic", "-", "nothing but a hyphen"),
        ("postcode:generic", "1234567890123", "thirteen characters"),
        ("postcode:generic", "100_0001", "an underscore"),
        ("postcode:JP", "100-0001", "JP has no rules of its own: postcode:generic"),
        ("postcode:gb", "SW1A 1AA", "countries are upper-case"),
        ("postcode:UK", "SW1A 1AA", "the United Kingdom is GB"),
    ],
    "date-of-birth": [
        ("date-of-birth", "1815-12-10", "ISO 8601"),
        ("date-of-birth", " 1815-12-10\n", "trimmed"),
        ("date-of-birth", "0001-01-01", "the first day"),
        ("date-of-birth", "9999-12-31", "the last day"),
        ("date-of-birth", "2000-02-29", "divisible by 400: leap"),
        ("date-of-birth", "2024-02-29", "divisible by 4: leap"),
        ("date-of-birth", "1900-02-29", "divisible by 100: common"),
        ("date-of-birth", "2023-02-29", "common"),
        ("date-of-birth", "2024-02-30", "February has at most 29 days"),
        ("date-of-birth", "2024-04-31", "April has 30 days"),
        ("date-of-birth", "2024-01-00", "day 0"),
        ("date-of-birth", "2024-13-01", "month 13"),
        ("date-of-birth", "2024-00-01", "month 0"),
        ("date-of-birth", "0000-01-01", "year 0"),
        ("date-of-birth", "10/12/1815", "day first without dmy"),
        ("date-of-birth", "1815-12-1", "one-digit day in ISO"),
        ("date-of-birth", "1815-12-10T00:00", "a time"),
        ("date-of-birth", "\uff11\uff18\uff11\uff15-12-10", "full-width digits"),
        ("date-of-birth", "", "empty"),
        ("date-of-birth:dmy", "10/12/1815", "day first"),
        ("date-of-birth:dmy", "10.12.1815", "dots"),
        ("date-of-birth:dmy", "10-12-1815", "hyphens"),
        ("date-of-birth:dmy", "1/2/1990", "one-digit day and month"),
        ("date-of-birth:dmy", "1815-12-10", "ISO still read"),
        ("date-of-birth:dmy", "29/02/2024", "leap day"),
        ("date-of-birth:dmy", "12/31/1990", "month first given to dmy: month 31"),
        ("date-of-birth:dmy", "10/12.1815", "two different separators"),
        ("date-of-birth:dmy", "10/12/15", "two-digit year"),
        ("date-of-birth:dmy", "010/12/1815", "three-digit day"),
        ("date-of-birth:dmy", "10 12 1815", "spaces"),
        ("date-of-birth:dmy", "\u200f10/12/1815\u200e", "marks removed"),
        ("date-of-birth:mdy", "12/10/1815", "month first"),
        ("date-of-birth:mdy", "2/1/1990", "one-digit month and day"),
        ("date-of-birth:mdy", "31/12/1990", "day first given to mdy: month 31"),
        ("date-of-birth:dmy|year", "10/12/1815", "the birth year"),
        ("date-of-birth:dmy|year", "30/02/1815", "no such day"),
        ("date-of-birth:ymd", "1815-12-10", "no such order"),
    ],
    "transforms": [
        ("last-digits:4", "+442079460018", "last four"),
        ("last-digits:4", "4929 1234 5678 9012", "spaces skipped"),
        ("last-digits:2", "12\u0661\u0662", "Arabic-Indic digits are not ASCII digits"),
        ("last-digits:4", "+4 12", "three digits"),
        ("last-digits:64", "7" * 64, "the largest count"),
        ("first-letters:1", "lovelace", "an initial"),
        ("first-letters:2", "\u00e9mile", "a composed letter is one"),
        ("first-letters:1", "E\u0301mile", "without text first, a decomposed letter is two"),
        ("first-letters:1", "\U0001f469\u200d\U0001f373", "scalar values, not graphemes"),
        ("first-letters:3", "ab", "too few"),
        ("first-letters:1", "", "empty"),
        ("text|first-letters:1", "  \u00c9mile", "the initial of a name"),
        ("text|first-letters:1", "E\u0301mile", "the same from decomposed input"),
        ("year", "1815-12-10", "a date"),
        ("year", "1815", "a year"),
        ("year", "0000", "year 0"),
        ("year", "1815-02-30", "no such date"),
        ("year", "10/12/1815", "not ISO"),
        ("year", "1815-12-10 ", "not trimmed: a transform takes its input as it is"),
        ("last-digits:4", "1" * (MAX_LEN + 1), "1025 bytes"),
        ("text|first-letters:5|last-digits:1", "Ada 12", "a pipeline of three"),
    ],
    "descriptions": [
        ("Email", "ada@example.com", "descriptions are case-sensitive"),
        ("email ", "ada@example.com", "no white space"),
        ("email+plus-tags+provider-rules", "ada@example.com", "options in their order only"),
        ("email+provider-rules+provider-rules", "ada@example.com", "an option twice"),
        ("text|", "Ada", "an empty step"),
        ("text||year", "Ada", "an empty step inside"),
        ("", "Ada", "empty"),
        ("text:1", "Ada", "text takes no argument"),
        ("postcode", "SW1A 1AA", "postcode needs a country"),
        ("postcode:Generic", "SW1A 1AA", "generic is lower-case"),
        ("last-digits:0", "1234", "count 0"),
        ("last-digits:04", "1234", "a leading zero"),
        ("last-digits:65", "1234", "count above 64"),
        ("first-letters:1:2", "Ada", "two arguments"),
        ("custom", "Ada", "a plain function has no description"),
        ("lowercase", "Ada", "no such normalizer"),
        ("|".join(["text"] * 9), "Ada", "nine steps"),
        ("|".join(["text"] * 8), " Ada ", "eight steps"),
    ],
}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for name, cases in CASES.items():
        blocks = []
        for description, x, comment in cases:
            kind, value = run(description, x)
            lines = [
                "comment: " + comment,
                "normalizer: " + description,
                "input: " + x.encode("utf-8").hex(),
                "output: " + value.encode("utf-8").hex() if kind == "output" else "error: " + value,
            ]
            blocks.append("\n".join(lines) + "\n")
        with open(os.path.join(here, name + ".txt"), "w", encoding="ascii", newline="\n") as f:
            f.write("\n".join(blocks))


if __name__ == "__main__":
    main()
