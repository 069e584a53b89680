//! Subject mode over the in-memory vault: consent, erasure, retention, rotation, races, caching,
//! disclosure (tests/common/vault_suite.rs; every backend runs the same suite).

mod common;

use common::vault_suite;
use fieldseal::vault::MemoryVault;

#[test]
fn round_trip() {
    vault_suite::round_trip(MemoryVault::new);
}

#[test]
fn consent_lifecycle() {
    vault_suite::consent_lifecycle(MemoryVault::new);
}

#[test]
fn no_copy_without_consent() {
    vault_suite::no_copy_without_consent(MemoryVault::new);
}

#[test]
fn erasure() {
    vault_suite::erasure(MemoryVault::new);
}

#[test]
fn retention() {
    vault_suite::retention(MemoryVault::new);
}

#[test]
fn rotation_rewraps_without_touching_data() {
    vault_suite::rotation_rewraps_without_touching_data(MemoryVault::new);
}

#[test]
fn racing_sealers_make_one_key() {
    vault_suite::racing_sealers_make_one_key(MemoryVault::new);
}

#[test]
fn other_processes_follow_within_the_time_to_live() {
    vault_suite::other_processes_follow_within_the_time_to_live(MemoryVault::new);
}

#[test]
fn wrong_keyring_and_tampered_rows() {
    vault_suite::wrong_keyring_and_tampered_rows(MemoryVault::new);
}

#[test]
fn disclosure_to_consenting_subjects_only() {
    vault_suite::disclosure_to_consenting_subjects_only(MemoryVault::new);
}
