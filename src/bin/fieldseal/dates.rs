//! Times for people: a UTC date and time, and an age ("3 days").

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch (0 for earlier times).
pub(crate) fn unix_secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `2025-06-04 12:30:00 UTC`.
pub(crate) fn utc(time: SystemTime) -> String {
    let secs = unix_secs(time);
    let (year, month, day) = civil_date(secs / 86_400);
    let of_day = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

/// How long ago `then` was, at `now`, in its largest whole unit: `just now`, `5 minutes`,
/// `1 hour`, `3 days`.
pub(crate) fn age(then: SystemTime, now: SystemTime) -> String {
    match elapsed(then, now) {
        Elapsed::Future => "in the future (check the clock)".to_owned(),
        Elapsed::JustNow => "just now".to_owned(),
        Elapsed::Units(text) => text,
    }
}

/// [`age`] as a phrase: `just now`, `3 days ago`.
pub(crate) fn ago(then: SystemTime, now: SystemTime) -> String {
    match elapsed(then, now) {
        Elapsed::Units(text) => format!("{text} ago"),
        _ => age(then, now),
    }
}

enum Elapsed {
    Future,
    JustNow,
    Units(String),
}

fn elapsed(then: SystemTime, now: SystemTime) -> Elapsed {
    let Ok(elapsed) = now.duration_since(then) else {
        return Elapsed::Future;
    };
    let secs = elapsed.as_secs();
    let (count, unit) = match secs {
        0..60 => return Elapsed::JustNow,
        60..3600 => (secs / 60, "minute"),
        3600..86_400 => (secs / 3600, "hour"),
        _ => (secs / 86_400, "day"),
    };
    Elapsed::Units(format!(
        "{count} {unit}{}",
        if count == 1 { "" } else { "s" }
    ))
}

/// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, for days on or after the epoch).
fn civil_date(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::{age, ago, utc};

    #[test]
    fn dates_and_ages() {
        assert_eq!(utc(UNIX_EPOCH), "1970-01-01 00:00:00 UTC");
        let t = UNIX_EPOCH + Duration::from_secs(951_825_599); // a leap day
        assert_eq!(utc(t), "2000-02-29 11:59:59 UTC");
        assert_eq!(
            utc(UNIX_EPOCH + Duration::from_secs(1_767_225_600)),
            "2026-01-01 00:00:00 UTC"
        );
        let day = Duration::from_secs(86_400);
        assert_eq!(age(t, t + Duration::from_secs(59)), "just now");
        assert_eq!(age(t, t + Duration::from_secs(60)), "1 minute");
        assert_eq!(age(t, t + Duration::from_secs(7200)), "2 hours");
        assert_eq!(age(t, t + day), "1 day");
        assert_eq!(age(t, t + 3 * day + Duration::from_secs(5)), "3 days");
        assert!(age(t + day, t).contains("future"));
        assert_eq!(ago(t, t + 2 * day), "2 days ago");
        assert_eq!(ago(t, t), "just now");
    }
}
