//! Re-sealing: moves a value to the active key version of each of its purposes (after a rotation)
//! and to the keys' suite, keeping its plaintext, type, purposes and context.

use subtle::ConstantTimeEq as _;

use crate::error::{Error, Result};
use crate::format;
use crate::keyring::KeyState;
use crate::sealed::context::Context;
use crate::sealed::engine;

/// Re-seals `bytes`, whose parts are sealed for the purposes of `keys` in the same order.
/// `Ok(None)` when every part is already under its purpose's active version and the value is in
/// the keys' suite: nothing to do, so a rerun over re-sealed data is cheap.
///
/// Every part is opened and must hold the same plaintext: a part spliced in from another value
/// (SECURITY.md, "independent parts") is refused rather than spread to every purpose.
pub(crate) fn reseal(
    keys: &[&KeyState],
    bytes: &[u8],
    ctx: &Context<'_>,
) -> Result<Option<Vec<u8>>> {
    // The context is checked even when nothing is re-sealed: a wrong layout (an empty record
    // type, an id too long) shows on the first run, not only once values are stale.
    ctx.check()?;
    let mut current = true;
    let mut index = 0;
    let header = format::for_each_part(bytes, |part| {
        current &= keys
            .get(index)
            .is_some_and(|k| k.active().version == part.key_version);
        index += 1;
    })?;
    if current && header.suite == keys[0].seal_suite {
        return Ok(None);
    }
    let (type_byte, payload) = engine::open_payload(keys[0], bytes, ctx)?;
    for key in &keys[1..] {
        let (_, other) = engine::open_payload(key, bytes, ctx)?;
        if !bool::from(payload.as_slice().ct_eq(other.as_slice())) {
            // The parts disagree: the value was spliced together. Opaque, like any failed open.
            return Err(Error::OPAQUE);
        }
    }
    engine::seal_payload(keys, type_byte, &payload, ctx).map(Some)
}
