//! Dates of birth (FORMAT.md §17.7), and the calendar the `year` transform shares.

use std::borrow::Cow;

use super::unicode::{is_space, prepare};
use super::{DateProblem, Normalize, NormalizeError};

/// Which order of day and month a [`DateOfBirth`] reads besides ISO 8601.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    /// ISO 8601 `YYYY-MM-DD` only.
    Iso,
    /// Also day first: `DD/MM/YYYY` (European).
    DayFirst,
    /// Also month first: `MM/DD/YYYY` (United States).
    MonthFirst,
}

/// A date of birth, written `YYYY-MM-DD` (FORMAT.md §17.7).
///
/// Reads ISO 8601 `YYYY-MM-DD` (exactly 4, 2 and 2 digits), and with a configured order also
/// `DD/MM/YYYY` or `MM/DD/YYYY`, whose day and month may have 1 or 2 digits and whose separator
/// is `/`, `.` or `-` (the same twice): `10/12/1815`, `10.12.1815`, `1-2-1990`. The date is
/// checked in the proleptic Gregorian calendar (a leap year is divisible by 4, and not by 100
/// unless by 400), years 0001 to 9999. No clock is read: a date in the future is still a date.
/// The digits are ASCII `0`-`9`.
///
/// Descriptions `date-of-birth`, `date-of-birth:dmy`, `date-of-birth:mdy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateOfBirth {
    order: DateOrder,
}

impl DateOfBirth {
    /// A date of birth in the given order besides ISO 8601.
    pub fn new(order: DateOrder) -> Self {
        DateOfBirth { order }
    }

    /// ISO 8601 `YYYY-MM-DD` only; description `date-of-birth`.
    pub fn iso() -> Self {
        DateOfBirth::new(DateOrder::Iso)
    }

    /// ISO 8601, or day first (`DD/MM/YYYY`); description `date-of-birth:dmy`.
    pub fn day_first() -> Self {
        DateOfBirth::new(DateOrder::DayFirst)
    }

    /// ISO 8601, or month first (`MM/DD/YYYY`); description `date-of-birth:mdy`.
    pub fn month_first() -> Self {
        DateOfBirth::new(DateOrder::MonthFirst)
    }

    fn expected(self) -> &'static str {
        match self.order {
            DateOrder::Iso => "YYYY-MM-DD",
            DateOrder::DayFirst => "YYYY-MM-DD or DD/MM/YYYY",
            DateOrder::MonthFirst => "YYYY-MM-DD or MM/DD/YYYY",
        }
    }
}

impl Default for DateOfBirth {
    fn default() -> Self {
        DateOfBirth::iso()
    }
}

impl Normalize for DateOfBirth {
    fn normalize(&self, input: &str) -> Result<String, NormalizeError> {
        let prepared = prepare(input)?;
        let date = prepared.trim_matches(is_space).as_bytes();
        let shape = DateProblem::Shape {
            expected: self.expected(),
        };
        let (year, month, day) = match (iso(date), self.order) {
            (Some(ymd), _) => ymd,
            (None, DateOrder::Iso) => return Err(NormalizeError::DateOfBirth(shape)),
            (None, DateOrder::DayFirst) => {
                let (day, month, year) = numeric(date).ok_or(NormalizeError::DateOfBirth(shape))?;
                (year, month, day)
            }
            (None, DateOrder::MonthFirst) => {
                let (month, day, year) = numeric(date).ok_or(NormalizeError::DateOfBirth(shape))?;
                (year, month, day)
            }
        };
        check_date(year, month, day).map_err(NormalizeError::DateOfBirth)?;
        Ok(format!("{year:04}-{month:02}-{day:02}"))
    }

    fn description(&self) -> Cow<'_, str> {
        Cow::Borrowed(match self.order {
            DateOrder::Iso => "date-of-birth",
            DateOrder::DayFirst => "date-of-birth:dmy",
            DateOrder::MonthFirst => "date-of-birth:mdy",
        })
    }
}

/// `YYYY-MM-DD` as (year, month, day), unchecked; `None` if not that shape.
pub(super) fn iso(date: &[u8]) -> Option<(u32, u32, u32)> {
    match date {
        [y @ .., b'-', m1, m2, b'-', d1, d2] if y.len() == 4 => {
            Some((number(y)?, number(&[*m1, *m2])?, number(&[*d1, *d2])?))
        }
        _ => None,
    }
}

/// `A/B/YYYY` (`A`, `B` of 1 or 2 digits; the separator `/`, `.` or `-`, the same twice) as
/// (A, B, year), unchecked.
fn numeric(date: &[u8]) -> Option<(u32, u32, u32)> {
    let separator = *date.iter().find(|b| !b.is_ascii_digit())?;
    if !matches!(separator, b'/' | b'.' | b'-') {
        return None;
    }
    let mut fields = date.split(|&b| b == separator);
    let (a, b, year) = (fields.next()?, fields.next()?, fields.next()?);
    if fields.next().is_some() || !(1..=2).contains(&a.len()) || !(1..=2).contains(&b.len()) {
        return None;
    }
    if year.len() != 4 {
        return None;
    }
    Some((number(a)?, number(b)?, number(year)?))
}

/// The value of 1 to 4 ASCII digits.
fn number(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 4 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
}

/// Whether (year, month, day) is a date of the proleptic Gregorian calendar, years 1 to 9999.
pub(super) fn check_date(year: u32, month: u32, day: u32) -> Result<(), DateProblem> {
    if !(1..=9999).contains(&year) {
        return Err(DateProblem::Year);
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(DateProblem::Month),
    };
    if !(1..=days).contains(&day) {
        return Err(DateProblem::Day);
    }
    Ok(())
}
