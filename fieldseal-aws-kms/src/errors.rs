//! AWS SDK errors as fieldseal key-file errors: a ciphertext KMS refuses is the wrong key (or a
//! changed header); everything else says what failed and what to check. No error carries key
//! bytes: KMS never echoes plaintext, and the SDK's messages are its own.

use aws_sdk_kms::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use fieldseal::KeyFileError;

/// `AWS KMS key `KEY``: what failed, for people.
fn protector(key_id: &str) -> String {
    format!("AWS KMS key `{key_id}`")
}

/// A failure of the KMS key `key_id`, with what to do in `reason`.
pub(crate) fn failed(key_id: &str, reason: String) -> fieldseal::Error {
    KeyFileError::ProtectorFailed {
        protector: protector(key_id),
        reason,
    }
    .into()
}

/// An SDK error of a call on `key_id`.
pub(crate) fn from_sdk<E, R>(
    key_id: &str,
    endpoint: Option<&str>,
    error: &SdkError<E, R>,
) -> fieldseal::Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let SdkError::ServiceError(service) = error else {
        let at = endpoint.map_or_else(
            || "AWS KMS".to_owned(),
            |url| format!("the KMS endpoint {url}"),
        );
        return failed(
            key_id,
            format!(
                "cannot reach {at} ({}); nothing was changed: check the network, the region \
                 (AWS_REGION) and the credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID)",
                DisplayErrorContext(error)
            ),
        );
    };
    let err = service.err();
    from_code(
        key_id,
        err.code().unwrap_or("an unnamed error"),
        err.message().unwrap_or(""),
    )
}

/// A KMS error code and message as a fieldseal error.
pub(crate) fn from_code(key_id: &str, code: &str, message: &str) -> fieldseal::Error {
    let message = if message.is_empty() {
        "no message"
    } else {
        message
    };
    match code {
        // Another key's ciphertext, or another encryption context: another key file's header.
        "InvalidCiphertextException" | "IncorrectKeyException" => KeyFileError::WrongProtectorKey {
            key: format!("{} ({code})", protector(key_id)),
        }
        .into(),
        "NotFoundException" => failed(
            key_id,
            format!(
                "KMS has no such key in this account and region ({message}); check the key id \
                 and AWS_REGION"
            ),
        ),
        "AccessDeniedException"
        | "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "ExpiredTokenException" => failed(
            key_id,
            format!(
                "KMS refused the caller ({code}: {message}); check the credentials and the key \
                 policy (kms:Encrypt, kms:Decrypt); nothing was changed"
            ),
        ),
        "DisabledException" | "KMSInvalidStateException" | "KmsInvalidStateException" => failed(
            key_id,
            format!(
                "the key cannot be used now ({code}: {message}); enable it, or cancel its \
                 deletion; nothing was changed"
            ),
        ),
        _ => failed(
            key_id,
            format!("KMS answered {code} ({message}); nothing was changed"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_ciphertexts_are_the_wrong_key_and_the_rest_say_what_to_check() {
        for code in ["InvalidCiphertextException", "IncorrectKeyException"] {
            let e = from_code("alias/k", code, "");
            assert!(
                matches!(&e, fieldseal::Error::KeyFile(KeyFileError::WrongProtectorKey { key }) if key.contains("alias/k")),
                "{e:?}"
            );
        }
        for (code, says) in [
            ("NotFoundException", "no such key"),
            ("AccessDeniedException", "key policy"),
            ("DisabledException", "enable it"),
            ("ThrottlingException", "KMS answered ThrottlingException"),
        ] {
            let e = from_code("alias/k", code, "why");
            let text = e.to_string();
            assert!(
                matches!(
                    e,
                    fieldseal::Error::KeyFile(KeyFileError::ProtectorFailed { .. })
                ) && text.contains(says)
                    && text.contains("alias/k"),
                "{text}"
            );
        }
    }
}
