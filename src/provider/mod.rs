//! Crypto providers: which library does the AEAD work of the two suites.
//!
//! A narrow layer in the spirit of rustls's `CryptoProvider`: each provider implements AES-256-GCM
//! under a given key (the epoch keys of FORMAT.md §4.2, the vault's wrapping key of §15.2) and
//! XChaCha20-Poly1305 (§4.3), sealing and opening in place with associated data and a detached
//! tag. Everything else — HKDF, HMAC, the nonces, the layout — is fieldseal's own and the same
//! under every provider. **Every provider produces the same bytes**: the format does not depend
//! on the provider, a value sealed under one opens under any other, and the FORMAT.md vectors and
//! Wycheproof's pass under each (CI runs the whole test suite once per provider).
//!
//! | provider | feature | needs | pick it when |
//! |---|---|---|---|
//! | [`Provider::RustCrypto`] | always built | Rust only | a pure-Rust build matters more than speed |
//! | `Provider::AwsLc` | `aws-lc` | a C compiler (aws-lc-rs builds AWS-LC with cc) | speed: the fastest here, 4 KiB to 1 MiB at memory speed |
//! | `Provider::Ring` | `ring` | a C compiler | speed without AWS-LC's larger C build |
//!
//! The provider in use is chosen once per process, the first time any cipher is built:
//! [`install_default`] if the program called it before, otherwise the compiled-in default
//! ([`Provider::compiled_default`]: aws-lc if its feature is on, else ring if its feature is on,
//! else RustCrypto). Later calls to [`install_default`] are refused, like rustls's: ciphers
//! already built, and cached for the life of their keys, would otherwise stay on another provider.
//!
//! Key schedules are wiped when their key is dropped under every provider: RustCrypto's through
//! its crates' `zeroize` features, AWS-LC's by `OPENSSL_free`, which cleanses every allocation it
//! frees, and ring's (which has no wipe of its own) by fieldseal overwriting each schedule in place
//! with that of an all-zero key before it is freed (tests/zeroize.rs checks RustCrypto and ring;
//! AWS-LC's memory is outside Rust's allocator).
//!
//! **Debug builds only** (`debug_assertions`, as `cargo test` builds): when no provider was
//! installed, the environment variable [`PROVIDER_ENV`] (`FIELDSEAL_PROVIDER=aws-lc`, `ring`,
//! `rustcrypto`) names the default, so that a test suite runs under each provider without code
//! changes. A release build never reads it.

mod hchacha;
mod rustcrypto;

#[cfg(feature = "aws-lc")]
mod aws_lc;
#[cfg(feature = "ring")]
mod ring;

#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::OnceLock;

pub(crate) use rustcrypto::{RustCryptoAes, RustCryptoXChaCha};

#[cfg(feature = "aws-lc")]
pub(crate) use aws_lc::{AwsLcAes, AwsLcXChaCha};
#[cfg(feature = "ring")]
pub(crate) use ring::{RingAes, RingXChaCha};

/// The environment variable that names the default provider in debug builds (see the module
/// documentation): `rustcrypto`, `aws-lc` or `ring`.
pub const PROVIDER_ENV: &str = "FIELDSEAL_PROVIDER";

/// A library that does the AEAD work of both suites. The set is closed: providers come with
/// fieldseal releases and features, never from outside crates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Provider {
    /// The RustCrypto crates, pure Rust: AES-256-GCM through aes-gcm 0.10 for values under 256
    /// bytes and aes-gcm 0.11 from 256 bytes up (the faster of the two at each size),
    /// XChaCha20-Poly1305 through HChaCha20 and rust-bitcoin's portable ChaCha20-Poly1305 for
    /// values under 512 bytes, RustCrypto's chacha20poly1305 above.
    RustCrypto,
    /// aws-lc-rs (AWS-LC's C and assembly), feature `aws-lc`; XChaCha20-Poly1305 as RustCrypto's
    /// HChaCha20 subkey with AWS-LC's ChaCha20-Poly1305.
    #[cfg(feature = "aws-lc")]
    AwsLc,
    /// ring (BoringSSL's C and assembly), feature `ring`; XChaCha20-Poly1305 as RustCrypto's
    /// HChaCha20 subkey with ring's ChaCha20-Poly1305.
    #[cfg(feature = "ring")]
    Ring,
}

impl Provider {
    /// Every provider this build has, the compiled-in default first.
    pub const ALL: &'static [Provider] = &[
        #[cfg(feature = "aws-lc")]
        Provider::AwsLc,
        #[cfg(feature = "ring")]
        Provider::Ring,
        Provider::RustCrypto,
    ];

    /// The provider used when the program installs none: aws-lc if its feature is on, else ring
    /// if its feature is on, else RustCrypto.
    pub const fn compiled_default() -> Provider {
        Provider::ALL[0]
    }

    /// The provider's name, as [`PROVIDER_ENV`] and [`Provider::from_name`] spell it.
    pub const fn name(self) -> &'static str {
        match self {
            Provider::RustCrypto => "rustcrypto",
            #[cfg(feature = "aws-lc")]
            Provider::AwsLc => "aws-lc",
            #[cfg(feature = "ring")]
            Provider::Ring => "ring",
        }
    }

    /// The provider of this build named `name` (`rustcrypto`, `aws-lc` or `ring`), or `None` if
    /// there is none by that name or its feature is off.
    pub fn from_name(name: &str) -> Option<Provider> {
        Provider::ALL.iter().copied().find(|p| p.name() == name)
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The process's provider, chosen once.
static DEFAULT: OnceLock<Provider> = OnceLock::new();

/// Makes `provider` the process's provider. Call it once, early, before anything is sealed or
/// opened: the first call wins, and so does the first cipher built.
///
/// # Errors
/// [`ProviderAlreadyChosen`] when a provider is already in place (installed before, or chosen when
/// the first cipher was built); it names the one in use, which stays.
pub fn install_default(provider: Provider) -> Result<(), ProviderAlreadyChosen> {
    let chosen = *DEFAULT.get_or_init(|| provider);
    if chosen == provider {
        Ok(())
    } else {
        Err(ProviderAlreadyChosen {
            in_use: chosen,
            requested: provider,
        })
    }
}

/// The process's provider: the installed one, or, from the first call on, the default (see the
/// module documentation).
pub fn get_default() -> Provider {
    *DEFAULT.get_or_init(builtin_default)
}

/// The default when nothing was installed.
fn builtin_default() -> Provider {
    #[cfg(debug_assertions)]
    if let Some(provider) = std::env::var(PROVIDER_ENV)
        .ok()
        .and_then(|name| Provider::from_name(&name))
    {
        return provider;
    }
    Provider::compiled_default()
}

/// [`install_default`] came too late: another provider is in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProviderAlreadyChosen {
    /// The provider in use, which stays.
    pub in_use: Provider,
    /// The provider asked for.
    pub requested: Provider,
}

impl fmt::Display for ProviderAlreadyChosen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the crypto provider of this process is already {} and cannot become {}: call \
             fieldseal::provider::install_default once, before the first seal or open",
            self.in_use, self.requested
        )
    }
}

impl std::error::Error for ProviderAlreadyChosen {}

/// What each provider implements for one AEAD, with its nonce length `N`: built once per key,
/// then sealing and opening in place with a detached 16-byte tag. `open` leaves `buf` garbled on
/// failure (callers discard it) and says nothing about why.
pub(crate) trait ProviderAead<const N: usize>: Sized + Send + Sync {
    fn new(key: &crate::secret::SecretKey) -> Self;
    /// Seals the plaintext in `sealed[..len - TAG_LEN]` in place and writes the tag into the
    /// last [`TAG_LEN`](crate::aead::TAG_LEN) bytes: a part's body and tag are adjacent, so a
    /// provider that can writes the tag where it is kept, with no copy through the stack.
    fn seal(&self, nonce: &[u8; N], aad: &[u8], sealed: &mut [u8]);
    fn open(
        &self,
        nonce: &[u8; N],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; crate::aead::TAG_LEN],
    ) -> Result<(), ()>;
}
