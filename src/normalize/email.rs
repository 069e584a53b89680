//! Email addresses (FORMAT.md §17.3).

use std::borrow::Cow;

use super::unicode::{check_output, is_space, nfc_lower, prepare};
use super::{EmailProblem, Normalize, NormalizeError};

/// The domains whose provider rules [`Email::with_provider_rules`] applies: Gmail ignores dots in
/// the local part and delivers `name+tag@` to `name@`, and googlemail.com is the same mailbox as
/// gmail.com (FORMAT.md §17.3). No other provider's rules are applied: most providers treat dots
/// as significant, and their tag separators differ.
const GMAIL: &str = "gmail.com";
const GOOGLEMAIL: &str = "googlemail.com";

/// An email address: trimmed, NFC, lower-cased (FORMAT.md §17.3).
///
/// The whole address is lower-cased, its local part too. Strictly the local part is
/// case-sensitive, but retailers and mail providers treat addresses case-insensitively, and a
/// customer who types `Ada@` at the till and `ada@` online is one customer. Lower-casing is
/// `str::to_lowercase` (not case folding): `ß` stays `ß`, so `straße@` and `strasse@`, which may
/// be two mailboxes, stay two. The domain is lower-cased and NFC like the rest, and not converted
/// to or from punycode: `bücher.example` and `xn--bcher-kva.example` are two terms.
///
/// The address must hold exactly one `@` with something on each side, and no white space; no
/// other syntax is checked (an index finds what was stored; it does not validate mailboxes).
///
/// Options: [`with_provider_rules`](Email::with_provider_rules) (description
/// `email+provider-rules`) and [`strip_plus_tags`](Email::strip_plus_tags) (`email+plus-tags`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Email {
    provider_rules: bool,
    plus_tags: bool,
}

impl Email {
    /// Trim, NFC, lower-case; description `email`.
    pub fn new() -> Self {
        Email::default()
    }

    /// Also applies the rules of gmail.com and googlemail.com, and of no other domain: the domain
    /// googlemail.com becomes gmail.com, and in the local part of either the dots are removed and
    /// a `+tag` is cut (`A.da+shop@googlemail.com` is `ada@gmail.com`). Description
    /// `email+provider-rules`.
    pub fn with_provider_rules() -> Self {
        Email {
            provider_rules: true,
            plus_tags: false,
        }
    }

    /// Also cuts a `+tag` from the local part of every domain (`ada+shop@example.com` is
    /// `ada@example.com`): from the first `+` to the `@`. Many providers deliver tagged addresses
    /// to the untagged mailbox, but not all, and `+` is a valid character of an address: choose
    /// this only if a tagged and an untagged address should find the same customer. Description
    /// `email+plus-tags` (`email+provider-rules+plus-tags` with both options).
    #[must_use]
    pub fn strip_plus_tags(self) -> Self {
        Email {
            plus_tags: true,
            ..self
        }
    }
}

impl Normalize for Email {
    fn normalize(&self, input: &str) -> Result<String, NormalizeError> {
        let prepared = prepare(input)?;
        let trimmed = prepared.trim_matches(is_space);
        if trimmed.is_empty() {
            return Err(NormalizeError::Email(EmailProblem::Empty));
        }
        let address = nfc_lower(trimmed);
        if address.contains(is_space) {
            return Err(NormalizeError::Email(EmailProblem::Space));
        }
        let Some((local, domain)) = address.split_once('@') else {
            return Err(NormalizeError::Email(EmailProblem::NoAt));
        };
        if domain.contains('@') {
            return Err(NormalizeError::Email(EmailProblem::ManyAt));
        }
        if local.is_empty() {
            return Err(NormalizeError::Email(EmailProblem::EmptyLocalPart));
        }
        if domain.is_empty() {
            return Err(NormalizeError::Email(EmailProblem::EmptyDomain));
        }
        let (local, domain) = if self.provider_rules && (domain == GMAIL || domain == GOOGLEMAIL) {
            (Cow::Owned(untagged(local).replace('.', "")), GMAIL)
        } else if self.plus_tags {
            (Cow::Borrowed(untagged(local)), domain)
        } else {
            (Cow::Borrowed(local), domain)
        };
        if local.is_empty() {
            return Err(NormalizeError::Email(EmailProblem::EmptyAfterRules));
        }
        let mut normalized = String::with_capacity(local.len() + 1 + domain.len());
        normalized.push_str(&local);
        normalized.push('@');
        normalized.push_str(domain);
        check_output(normalized)
    }

    fn description(&self) -> Cow<'_, str> {
        Cow::Borrowed(match (self.provider_rules, self.plus_tags) {
            (false, false) => "email",
            (true, false) => "email+provider-rules",
            (false, true) => "email+plus-tags",
            (true, true) => "email+provider-rules+plus-tags",
        })
    }
}

/// The local part up to its first `+`.
fn untagged(local: &str) -> &str {
    local.split_once('+').map_or(local, |(name, _tag)| name)
}
