//! Where the library's operations meet their auditor: small helpers so that each hook is a line.

use crate::audit::auditor::{Auditor, Draft};
use crate::audit::event::{Detail, Names, Operation, Outcome};
use crate::error::Result;
use crate::sealed::Context;

/// The auditor of an administrative operation, if any.
pub(crate) struct Admin<'a> {
    auditor: Option<&'a Auditor>,
}

/// The auditor of an administrative operation.
pub(crate) fn admin(auditor: Option<&Auditor>) -> Admin<'_> {
    Admin { auditor }
}

impl Admin<'_> {
    /// Records an administrative operation *before* it is carried out, once `check` says it
    /// will be: an operation that cannot be recorded (failing closed) is not carried out, and
    /// one that is refused is recorded as failed and keeps its own error. The caller carries the
    /// operation out after an `Ok`, with nothing left that can fail.
    pub(crate) fn record(
        &self,
        operation: Operation,
        detail: &[(&'static str, Detail<'_>)],
        check: Result<()>,
    ) -> Result<()> {
        self.record_draft(
            &Draft {
                detail,
                ..Draft::new(operation)
            },
            check,
        )
    }

    /// Records a refused operation, and gives its error back.
    pub(crate) fn refused(
        &self,
        operation: Operation,
        detail: &[(&'static str, Detail<'_>)],
        error: crate::error::Error,
    ) -> crate::error::Error {
        match self.record(operation, detail, Err(error)) {
            Err(e) => e,
            Ok(()) => unreachable!("a refusal is given back"),
        }
    }

    /// As [`record`](Self::record), with a whole draft.
    pub(crate) fn record_draft(&self, draft: &Draft<'_>, check: Result<()>) -> Result<()> {
        let Some(auditor) = self.auditor else {
            return check;
        };
        match check {
            Ok(()) => auditor.record(draft, Outcome::Ok),
            Err(e) => {
                // The refusal is what the caller needs to see, whether or not it was recorded.
                let _ = auditor.record(draft, Outcome::Failed(e.kind()));
                Err(e)
            }
        }
    }
}

/// Runs `f`, a seal or open of one value in `ctx`, and records it when there is an auditor.
#[inline]
pub(crate) fn value<R>(
    auditor: Option<&Auditor>,
    operation: Operation,
    purposes: Names<'_>,
    ctx: &Context<'_>,
    subject: &[u8],
    key_version: impl FnOnce() -> Option<u32>,
    f: impl FnOnce() -> Result<R>,
) -> Result<R> {
    let Some(auditor) = auditor else {
        return f();
    };
    let field = [ctx.field()];
    let draft = Draft {
        purposes,
        record: Some(ctx.record()),
        fields: Names::Strs(&field),
        id: ctx.id(),
        subject,
        key_version: key_version(),
        ..Draft::new(operation)
    };
    auditor.around(&draft, f)
}

/// The version of the part of `bytes` sealed for `purpose`, without opening anything.
pub(crate) fn part_version(bytes: &[u8], purpose: &str) -> Option<u32> {
    crate::format::find_part(bytes, purpose).map(|(_, part)| part.key_version)
}
