//! The cost of normalizing a value before its blind index is computed (FORMAT.md §17), each
//! normalizer on a typical input beside a baseline in the same run: `str::trim` and
//! `str::to_lowercase` on the same input, the least any normalizer that trims and lower-cases
//! does. Phone numbers with `--features phone`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use fieldseal::normalize::{
    DateOfBirth, Email, FirstLetters, LastDigits, Normalize, Postcode, Text, Year, from_description,
};

/// One benchmark group: the baseline on `input`, then each normalizer on it.
fn group(c: &mut Criterion, name: &str, input: &str, normalizers: &[&dyn Normalize]) {
    let mut group = c.benchmark_group(format!("normalize/{name}"));
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    group.bench_function("baseline: trim + to_lowercase", |b| {
        b.iter(|| black_box(input).trim().to_lowercase());
    });
    for normalizer in normalizers {
        group.bench_function(normalizer.description().into_owned(), |b| {
            b.iter(|| normalizer.normalize(black_box(input)).unwrap());
        });
    }
    group.finish();
}

fn email(c: &mut Criterion) {
    let provider = Email::with_provider_rules().strip_plus_tags();
    group(
        c,
        "email",
        " Ada.Lovelace+Shop@Example.COM ",
        &[&Email::new(), &provider],
    );
}

fn text(c: &mut Criterion) {
    let initial = Text.then(FirstLetters(1));
    group(c, "text-ascii", "  Ada   LOVELACE ", &[&Text, &initial]);
    group(c, "text-accents", "  Zoë  Ångström-Straße ", &[&Text]);
}

fn postcode(c: &mut Criterion) {
    let gb = Postcode::new("GB").unwrap();
    let generic = Postcode::generic();
    group(c, "postcode", " sw1a  1aa ", &[&gb, &generic]);
}

fn date(c: &mut Criterion) {
    let year = DateOfBirth::day_first().then(Year);
    group(
        c,
        "date-of-birth",
        " 10/12/1815 ",
        &[&DateOfBirth::day_first(), &year],
    );
}

fn transforms(c: &mut Criterion) {
    group(
        c,
        "last-digits",
        "+442079460018",
        &[&LastDigits(4), &FirstLetters(1)],
    );
}

/// Reading a description, as a service does once per index definition it loads.
fn description(c: &mut Criterion) {
    c.bench_function("normalize/from_description/date-of-birth:dmy|year", |b| {
        b.iter(|| from_description(black_box("date-of-birth:dmy|year")).unwrap());
    });
}

#[cfg(feature = "phone")]
fn phone(c: &mut Criterion) {
    let gb = fieldseal::normalize::Phone::new("GB").unwrap();
    group(c, "phone-national", "020 7946 0018", &[&gb]);
    group(c, "phone-foreign", "+39 06 6982 1234", &[&gb]);
}

#[cfg(not(feature = "phone"))]
fn phone(_: &mut Criterion) {}

criterion_group!(
    benches,
    email,
    text,
    postcode,
    date,
    transforms,
    description,
    phone
);
criterion_main!(benches);
