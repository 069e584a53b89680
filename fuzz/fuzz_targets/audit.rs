//! Fuzz target `audit`: see checks/audit/mod.rs for what it checks.

#![no_main]

#[allow(dead_code, reason = "each target uses one check of the shared module")]
#[path = "../checks/mod.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    checks::audit::check(data);
});
