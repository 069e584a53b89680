//! The two AEADs as fieldseal calls them: in place, detached tag, through the process's crypto
//! provider ([`crate::provider`]).
//!
//! This is the narrow waist every provider implements ([`ProviderAead`]): for the same key,
//! nonce, associated data and plaintext, each must produce the same bytes. The Wycheproof vectors
//! run through these types under every provider the build has (`super::wycheproof_tests`), and
//! `crate::provider::tests` seals with each provider and opens with each other.
//!
//! A cipher is an enum over the providers compiled in: one branch per call, which the compiler
//! folds away in a build with RustCrypto alone.

use crate::aead::suite::TAG_LEN;
use crate::provider::{self, Provider, ProviderAead, RustCryptoAes, RustCryptoXChaCha};
use crate::secret::SecretKey;

#[cfg(feature = "aws-lc")]
use crate::provider::{AwsLcAes, AwsLcXChaCha};
#[cfg(feature = "ring")]
use crate::provider::{RingAes, RingXChaCha};

/// AES-256-GCM nonce length.
pub(crate) const AES_NONCE_LEN: usize = 12;
/// XChaCha20-Poly1305 nonce length.
pub(crate) const XCHACHA_NONCE_LEN: usize = 24;

/// Declares a cipher enum over the providers and its [`ProviderAead`] dispatch.
macro_rules! dispatch {
    ($(#[$doc:meta])* $name:ident, $nonce:expr, $rustcrypto:ty, $aws_lc:ident, $ring:ident) => {
        $(#[$doc])*
        #[allow(
            clippy::large_enum_variant,
            reason = "built once per key and kept behind an Arc or a OnceLock; boxing the \
                      RustCrypto variant would add a pointer chase to every seal and open"
        )]
        pub(crate) enum $name {
            RustCrypto($rustcrypto),
            #[cfg(feature = "aws-lc")]
            AwsLc($aws_lc),
            #[cfg(feature = "ring")]
            Ring($ring),
        }

        impl $name {
            /// The cipher of `key` under the process's provider ([`provider::get_default`]).
            pub(crate) fn new(key: &SecretKey) -> Self {
                Self::with_provider(provider::get_default(), key)
            }

            /// The cipher of `key` under `provider`.
            pub(crate) fn with_provider(provider: Provider, key: &SecretKey) -> Self {
                match provider {
                    Provider::RustCrypto => Self::RustCrypto(ProviderAead::new(key)),
                    #[cfg(feature = "aws-lc")]
                    Provider::AwsLc => Self::AwsLc(ProviderAead::new(key)),
                    #[cfg(feature = "ring")]
                    Provider::Ring => Self::Ring(ProviderAead::new(key)),
                }
            }

            /// Seals the plaintext in `sealed[..len - TAG_LEN]` in place and writes the tag into
            /// the last `TAG_LEN` bytes.
            #[inline]
            pub(crate) fn seal(&self, nonce: &[u8; $nonce], aad: &[u8], sealed: &mut [u8]) {
                match self {
                    Self::RustCrypto(c) => c.seal(nonce, aad, sealed),
                    #[cfg(feature = "aws-lc")]
                    Self::AwsLc(c) => c.seal(nonce, aad, sealed),
                    #[cfg(feature = "ring")]
                    Self::Ring(c) => c.seal(nonce, aad, sealed),
                }
            }

            /// Seals `buf` in place and hands the tag back, for tests that keep them apart.
            #[cfg(test)]
            pub(crate) fn seal_detached(
                &self,
                nonce: &[u8; $nonce],
                aad: &[u8],
                buf: &mut [u8],
            ) -> [u8; TAG_LEN] {
                crate::aead::seal_detached_with(buf, |sealed| self.seal(nonce, aad, sealed)).1
            }

            /// `Err(())` on any authentication failure, with `buf` left garbled: callers
            /// discard it.
            #[inline]
            pub(crate) fn open(
                &self,
                nonce: &[u8; $nonce],
                aad: &[u8],
                buf: &mut [u8],
                tag: &[u8; TAG_LEN],
            ) -> Result<(), ()> {
                match self {
                    Self::RustCrypto(c) => c.open(nonce, aad, buf, tag),
                    #[cfg(feature = "aws-lc")]
                    Self::AwsLc(c) => c.open(nonce, aad, buf, tag),
                    #[cfg(feature = "ring")]
                    Self::Ring(c) => c.open(nonce, aad, buf, tag),
                }
            }
        }
    };
}

dispatch!(
    /// AES-256-GCM with its key schedule built once.
    AesGcm,
    AES_NONCE_LEN,
    RustCryptoAes,
    AwsLcAes,
    RingAes
);

dispatch!(
    /// XChaCha20-Poly1305 with its key set once.
    XChaCha,
    XCHACHA_NONCE_LEN,
    RustCryptoXChaCha,
    AwsLcXChaCha,
    RingXChaCha
);
