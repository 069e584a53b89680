//! Secrets: no message shows the root key or any audit key, in any form, that the input did not
//! hold.

use super::key::FIXED;

/// `text` holds no key, in any form, that `input` did not.
pub(super) fn no_secret(text: &str, input: &[u8]) {
    let input = String::from_utf8_lossy(input);
    for s in &FIXED.secrets {
        assert!(
            !text.contains(s.as_str()) || input.contains(s.as_str()),
            "a message shows a key: {text}"
        );
    }
}
