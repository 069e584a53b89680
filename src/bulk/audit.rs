//! How bulk work is recorded: one event per run (`reseal-run`), or per record re-sealed on its
//! own (`reseal`), with its counts, once it is over; never one per value.

use crate::audit::{Detail, Draft, Operation};
use crate::bulk::layout::{RecordLayout, Reseal};
use crate::bulk::{Counts, Summary};
use crate::error::Result;

/// Records a run through `keys` as one `reseal-run` event (`so_far`: where a failed run stood).
pub(crate) fn record_run(
    keys: &dyn Reseal,
    layout: &RecordLayout,
    so_far: &Summary,
    result: Result<Summary>,
) -> Result<Summary> {
    let s = *result.as_ref().unwrap_or(so_far);
    let detail = [
        ("records", Detail::Count(s.records)),
        ("resealed", Detail::Count(s.values.resealed)),
        ("current", Detail::Count(s.values.current)),
        ("terms_recomputed", Detail::Count(s.values.terms_recomputed)),
        // Terms whose source field did not open or normalize: a damaged or moved value.
        ("terms_kept", Detail::Count(s.values.terms_kept)),
    ];
    recorded(keys, Operation::ResealRun, layout, &detail, result)
}

/// Records one record re-sealed on its own through `keys` as one `reseal` event, as a derived
/// record's `reseal` is.
pub(crate) fn record_one<T>(
    keys: &dyn Reseal,
    layout: &RecordLayout,
    result: Result<(T, Counts)>,
) -> Result<(T, Counts)> {
    let counts = result.as_ref().map(|(_, c)| *c).unwrap_or_default();
    let detail = [
        ("resealed", Detail::Count(counts.resealed)),
        ("current", Detail::Count(counts.current)),
        ("terms_recomputed", Detail::Count(counts.terms_recomputed)),
        ("terms_kept", Detail::Count(counts.terms_kept)),
    ];
    recorded(keys, Operation::Reseal, layout, &detail, result)
}

/// Records `operation` on `layout`'s records with `detail` and `result`'s outcome, if `keys` has
/// an auditor; an event that cannot be recorded (failing closed) fails the work.
fn recorded<T>(
    keys: &dyn Reseal,
    operation: Operation,
    layout: &RecordLayout,
    detail: &[(&'static str, Detail<'_>)],
    result: Result<T>,
) -> Result<T> {
    let Some(auditor) = keys.auditor() else {
        return result;
    };
    let draft = Draft {
        record: Some(layout.record()),
        detail,
        ..Draft::new(operation)
    };
    auditor.around(&draft, || result)
}
