//! `date-of-birth` (FORMAT.md §17.7).

use fieldseal::normalize::{DateOfBirth, DateOrder, DateProblem, NormalizeError};

use crate::{err, ok};

fn problem(n: DateOfBirth, input: &str) -> DateProblem {
    match err(&n, input) {
        NormalizeError::DateOfBirth(problem) => problem,
        other => panic!("{other:?}"),
    }
}

#[test]
fn iso_dates_are_checked_and_kept() {
    let iso = DateOfBirth::iso();
    assert_eq!(ok(&iso, "1815-12-10"), "1815-12-10");
    assert_eq!(ok(&iso, " 1815-12-10\n"), "1815-12-10");
    assert_eq!(ok(&iso, "0001-01-01"), "0001-01-01");
    assert_eq!(ok(&iso, "9999-12-31"), "9999-12-31");
    assert!(matches!(
        problem(iso, "10/12/1815"),
        DateProblem::Shape { .. }
    ));
    assert!(matches!(
        problem(iso, "1815-12-1"),
        DateProblem::Shape { .. }
    ));
    assert!(matches!(
        problem(iso, "+1815-12-10"),
        DateProblem::Shape { .. }
    ));
    assert!(matches!(
        problem(iso, "1815-12-10T00:00"),
        DateProblem::Shape { .. }
    ));
    assert!(matches!(
        problem(iso, "１８１５-12-10"),
        DateProblem::Shape { .. }
    ));
    assert!(matches!(problem(iso, ""), DateProblem::Shape { .. }));
    assert_eq!(
        err(&iso, "10/12/1815").to_string(),
        "date of birth: not a date (expected YYYY-MM-DD)"
    );
}

#[test]
fn leap_years_follow_the_gregorian_rule() {
    let iso = DateOfBirth::iso();
    assert_eq!(ok(&iso, "2000-02-29"), "2000-02-29");
    assert_eq!(ok(&iso, "2024-02-29"), "2024-02-29");
    assert_eq!(ok(&iso, "1600-02-29"), "1600-02-29");
    assert_eq!(problem(iso, "1900-02-29"), DateProblem::Day);
    assert_eq!(problem(iso, "2023-02-29"), DateProblem::Day);
    assert_eq!(problem(iso, "2100-02-29"), DateProblem::Day);
    assert_eq!(problem(iso, "2024-02-30"), DateProblem::Day);
    assert_eq!(problem(iso, "2024-04-31"), DateProblem::Day);
    assert_eq!(problem(iso, "2024-01-00"), DateProblem::Day);
    assert_eq!(problem(iso, "2024-01-32"), DateProblem::Day);
    assert_eq!(problem(iso, "2024-13-01"), DateProblem::Month);
    assert_eq!(problem(iso, "2024-00-01"), DateProblem::Month);
    assert_eq!(problem(iso, "0000-01-01"), DateProblem::Year);
    assert_eq!(
        err(&iso, "2023-02-29").to_string(),
        "date of birth: no such day in that month (check the day, and the order of day and month)"
    );
}

#[test]
fn day_first_and_month_first() {
    let dmy = DateOfBirth::day_first();
    assert_eq!(ok(&dmy, "10/12/1815"), "1815-12-10");
    assert_eq!(ok(&dmy, "10.12.1815"), "1815-12-10");
    assert_eq!(ok(&dmy, "10-12-1815"), "1815-12-10");
    assert_eq!(ok(&dmy, "1/2/1990"), "1990-02-01");
    assert_eq!(ok(&dmy, "1815-12-10"), "1815-12-10");
    assert_eq!(ok(&dmy, "29/02/2024"), "2024-02-29");
    assert_eq!(problem(dmy, "12/31/1990"), DateProblem::Month);
    assert_eq!(problem(dmy, "29/02/2023"), DateProblem::Day);
    for bad in [
        "10/12.1815",
        "10/12/15",
        "010/12/1815",
        "10//1815",
        "10/12/1815/1",
        "/12/1815",
        "10 12 1815",
        "10/12/18150",
    ] {
        assert!(
            matches!(problem(dmy, bad), DateProblem::Shape { .. }),
            "{bad}"
        );
    }
    assert_eq!(
        err(&dmy, "10 12 1815").to_string(),
        "date of birth: not a date (expected YYYY-MM-DD or DD/MM/YYYY)"
    );

    let mdy = DateOfBirth::month_first();
    assert_eq!(ok(&mdy, "12/10/1815"), "1815-12-10");
    assert_eq!(ok(&mdy, "2/1/1990"), "1990-02-01");
    assert_eq!(ok(&mdy, "1815-12-10"), "1815-12-10");
    assert_eq!(problem(mdy, "31/12/1990"), DateProblem::Month);
    assert_eq!(DateOfBirth::new(DateOrder::MonthFirst), mdy);
    assert_eq!(DateOfBirth::default(), DateOfBirth::iso());
}

#[test]
fn hostile_dates() {
    let dmy = DateOfBirth::day_first();
    assert_eq!(
        err(&dmy, "10/12/1815\u{0}"),
        NormalizeError::ControlCharacter
    );
    assert_eq!(ok(&dmy, "\u{200F}10/12/1815\u{200E}"), "1815-12-10");
    assert!(matches!(
        problem(dmy, "99999999999999999999/1/1990"),
        DateProblem::Shape { .. }
    ));
    assert_eq!(
        err(&dmy, &"1".repeat(2000)),
        NormalizeError::InputTooLong { limit: 1024 }
    );
}
