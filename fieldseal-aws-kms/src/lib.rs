//! AWS KMS for fieldseal key files: [`AwsKms`] is a [`KmsClient`] on AWS KMS's `Encrypt` and
//! `Decrypt`, so a keyring or service key bundle can be protected by a KMS key that never leaves
//! AWS (fieldseal's FORMAT.md §14.2, protector `aws-kms`).
//!
//! Only the 32-byte file key (or its ciphertext) and the encryption context
//! `{"fieldseal:header-sha256": <hex>}` are sent: the context is SHA-256 of the key file's prefix
//! and key id, so a ciphertext moved into another file does not decrypt. Each load of a key file
//! is one `Decrypt` call, each save one `Encrypt`, and CloudTrail logs each with that context.
//!
//! ```no_run
//! use fieldseal::{Keyring, Suite};
//! use fieldseal_aws_kms::AwsKms;
//!
//! // Region and credentials as every AWS tool finds them (AWS_REGION, AWS_PROFILE, roles...).
//! let kms = AwsKms::from_env("alias/fieldseal-root", None)?.into_protector();
//! let keyring = Keyring::generate(Suite::default())?;
//! keyring.save("keyring.fsk", &kms)?;
//! assert_eq!(Keyring::load("keyring.fsk", &kms)?.id(), keyring.id());
//! # Ok::<(), fieldseal::Error>(())
//! ```
//!
//! The SDK is async and fieldseal's protectors are not: each `AwsKms` owns a small
//! current-thread Tokio runtime that drives its calls ([`runtime`]), one per key file load or
//! save, so it works the same from synchronous code and from inside an async service.
//!
//! `src/bin/fieldseal-aws-kms.rs` is the plug-in through which the `fieldseal` command line
//! (which does not depend on the AWS SDK) reaches AWS KMS ([`plugin`]).

#![forbid(unsafe_code)]

mod errors;
pub mod plugin;
pub mod runtime;

use std::fmt;
use std::time::Duration;

use aws_sdk_kms::primitives::Blob;
use fieldseal::{KeyFileError, KmsBinding, KmsClient, KmsProtector};
use zeroize::Zeroizing;

use crate::runtime::Runtime;

/// The protector id of key files this crate protects (FORMAT.md §14.2).
pub const PROTECTOR_ID: &str = "aws-kms";

/// How long one KMS call may take, retries included, before it is given up.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(30);

/// A fieldseal key-file protector on AWS KMS.
pub type AwsKmsProtector = KmsProtector<AwsKms>;

/// A [`KmsClient`] on AWS KMS: `Encrypt` and `Decrypt` with one symmetric KMS key.
pub struct AwsKms {
    key_id: String,
    endpoint: Option<String>,
    client: aws_sdk_kms::Client,
    runtime: Runtime,
}

impl AwsKms {
    /// A client of the KMS key `key_id` (a key id, key ARN, alias name or alias ARN), with the
    /// region and credentials every AWS tool finds (AWS_REGION, AWS_PROFILE, AWS_ACCESS_KEY_ID,
    /// ~/.aws/config, instance and task roles). `endpoint` replaces KMS's own, for a VPC
    /// endpoint or a local emulator; `AWS_ENDPOINT_URL_KMS` does the same.
    ///
    /// # Errors
    /// [`KeyFileError::BadProtector`] for an empty key id; [`KeyFileError::ProtectorFailed`] if
    /// no runtime can be started or no region is configured.
    pub fn from_env(key_id: &str, endpoint: Option<&str>) -> fieldseal::Result<Self> {
        let runtime = Runtime::new()?;
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .timeout_config(
                aws_config::timeout::TimeoutConfig::builder()
                    .operation_timeout(OPERATION_TIMEOUT)
                    .build(),
            );
        if let Some(url) = endpoint {
            loader = loader.endpoint_url(url);
        }
        let config = runtime.run(loader.load());
        if config.region().is_none() {
            return Err(errors::failed(
                key_id,
                "no AWS region is configured; set AWS_REGION (or a profile's region)".to_owned(),
            ));
        }
        Self::with_client(key_id, aws_sdk_kms::Client::new(&config), runtime, endpoint)
    }

    /// A client of the KMS key `key_id` through an SDK client configured by the caller (its
    /// credentials, region, endpoint and retries).
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn new(key_id: &str, client: aws_sdk_kms::Client) -> fieldseal::Result<Self> {
        Self::with_client(key_id, client, Runtime::new()?, None)
    }

    fn with_client(
        key_id: &str,
        client: aws_sdk_kms::Client,
        runtime: Runtime,
        endpoint: Option<&str>,
    ) -> fieldseal::Result<Self> {
        if key_id.is_empty() {
            return Err(KeyFileError::BadProtector(
                "the AWS KMS key id is empty; give a key id, key ARN or alias (alias/NAME)"
                    .to_owned(),
            )
            .into());
        }
        Ok(Self {
            key_id: key_id.to_owned(),
            endpoint: endpoint.map(ToOwned::to_owned),
            client,
            runtime,
        })
    }

    /// The key-file protector on this client.
    pub fn into_protector(self) -> AwsKmsProtector {
        KmsProtector::new(self)
    }

    /// The endpoint given instead of KMS's own, if any.
    pub fn endpoint(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    /// `Encrypt` of `plaintext` under this client's key, bound to `binding` as the encryption
    /// context.
    ///
    /// # Errors
    /// As [`KmsClient::encrypt`].
    pub fn encrypt_bound(
        &self,
        plaintext: &[u8],
        binding: &KmsBinding,
    ) -> fieldseal::Result<Vec<u8>> {
        let call = self
            .client
            .encrypt()
            .key_id(&self.key_id)
            .plaintext(Blob::new(plaintext.to_vec()))
            .encryption_context(KmsBinding::CONTEXT_KEY, binding.hex())
            .send();
        let output = self
            .runtime
            .run(call)
            .map_err(|e| errors::from_sdk(&self.key_id, self.endpoint(), &e))?;
        output
            .ciphertext_blob
            .map(Blob::into_inner)
            .ok_or_else(|| errors::failed(&self.key_id, "KMS returned no ciphertext".to_owned()))
    }

    /// `Decrypt` of `ciphertext` with the key `key_id` and the encryption context of `binding`.
    ///
    /// # Errors
    /// As [`KmsClient::decrypt`].
    pub fn decrypt_bound(
        &self,
        key_id: &str,
        ciphertext: &[u8],
        binding: &KmsBinding,
    ) -> fieldseal::Result<Zeroizing<Vec<u8>>> {
        let call = self
            .client
            .decrypt()
            .key_id(key_id)
            .ciphertext_blob(Blob::new(ciphertext.to_vec()))
            .encryption_context(KmsBinding::CONTEXT_KEY, binding.hex())
            .send();
        let output = self
            .runtime
            .run(call)
            .map_err(|e| errors::from_sdk(key_id, self.endpoint(), &e))?;
        output
            .plaintext
            .map(|blob| Zeroizing::new(blob.into_inner()))
            .ok_or_else(|| errors::failed(key_id, "KMS returned no plaintext".to_owned()))
    }
}

impl fmt::Debug for AwsKms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsKms")
            .field("key_id", &self.key_id)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl KmsClient for AwsKms {
    fn protector_id(&self) -> &'static str {
        PROTECTOR_ID
    }

    fn key_id(&self) -> &str {
        &self.key_id
    }

    fn encrypt(&self, plaintext: &[u8], binding: &KmsBinding) -> fieldseal::Result<Vec<u8>> {
        self.encrypt_bound(plaintext, binding)
    }

    /// Decrypts with this client's own key id: KMS refuses a ciphertext of another key
    /// (`IncorrectKeyException`), even when the file names one.
    fn decrypt(
        &self,
        _file_key_id: &str,
        ciphertext: &[u8],
        binding: &KmsBinding,
    ) -> fieldseal::Result<Zeroizing<Vec<u8>>> {
        self.decrypt_bound(&self.key_id, ciphertext, binding)
    }
}
