//! Keys in an HSM or a KMS on the command line: where the PKCS#11 module, token and PIN and the
//! AWS KMS endpoint are (one set for a command, shared by the keyring's protector, a bundle's and
//! `rekey`'s new one), and the protectors built from them. Which key protects which file is
//! given by the key flags beside the passphrase and KEK flags (secrets.rs).

use std::path::PathBuf;

use clap::Args;
use fieldseal::{KmsProtector, Pkcs11Key, Pkcs11Protector};
use zeroize::Zeroizing;

use crate::failure::{Exit, Failure, Outcome};
use crate::kms_plugin::PluginKms;

/// Where the HSM and the KMS are.
#[derive(Debug, Args)]
#[command(next_help_heading = "HSM (PKCS#11) and AWS KMS")]
pub(crate) struct RemoteArgs {
    /// The HSM vendor's PKCS#11 library, for the --*pkcs11-key-* options
    ///
    /// SoftHSM2's is /usr/lib/softhsm/libsofthsm2.so.
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) pkcs11_module: Option<PathBuf>,

    /// The label of the PKCS#11 token holding the keys
    #[arg(long, global = true, value_name = "LABEL")]
    pub(crate) pkcs11_token: Option<String>,

    /// Take the token user's PIN from this environment variable (else it is asked for)
    ///
    /// Give the variable's name, never the PIN itself.
    #[arg(long, global = true, value_name = "VAR")]
    pub(crate) pkcs11_pin_env: Option<String>,

    /// Take the token user's PIN from the first line of this file
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) pkcs11_pin_file: Option<PathBuf>,

    /// Reach AWS KMS at this URL instead of its own (a VPC endpoint, a local emulator)
    ///
    /// The region and credentials are those every AWS tool finds: AWS_REGION, AWS_PROFILE,
    /// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ~/.aws/config, instance roles. AWS KMS is
    /// reached through the fieldseal-aws-kms plug-in (cargo install fieldseal-aws-kms).
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) aws_kms_endpoint: Option<String>,
}

/// The settings of [`RemoteArgs`], kept by each secret that may need them.
#[derive(Clone, Debug, Default)]
pub(crate) struct Remote {
    module: Option<PathBuf>,
    token: Option<String>,
    pin_env: Option<String>,
    pin_file: Option<PathBuf>,
    endpoint: Option<String>,
}

impl Remote {
    /// From the command line.
    pub(crate) fn new(args: &RemoteArgs) -> Outcome<Self> {
        if args.pkcs11_pin_env.is_some() && args.pkcs11_pin_file.is_some() {
            return Err(Failure::new(
                Exit::Usage,
                "give at most one of --pkcs11-pin-env and --pkcs11-pin-file",
            ));
        }
        Ok(Self {
            module: args.pkcs11_module.clone(),
            token: args.pkcs11_token.clone(),
            pin_env: args.pkcs11_pin_env.clone(),
            pin_file: args.pkcs11_pin_file.clone(),
            endpoint: args.aws_kms_endpoint.clone(),
        })
    }

    /// A protector of the AES key `key` on the token, for `what` (`keyring k.fsk`); `flag` is
    /// the option that named the key, for messages.
    pub(crate) fn pkcs11(
        &self,
        key: Pkcs11Key,
        what: &str,
        flag: &str,
    ) -> Outcome<Pkcs11Protector> {
        let needs = |option: &str, value: &str| {
            Failure::new(
                Exit::Usage,
                format!("{flag} needs {option} {value}, to find the key for {what}"),
            )
        };
        let module = self
            .module
            .as_ref()
            .ok_or_else(|| needs("--pkcs11-module", "PATH (the HSM vendor's PKCS#11 library)"))?;
        let token = self
            .token
            .as_deref()
            .ok_or_else(|| needs("--pkcs11-token", "LABEL"))?;
        let pin = self.pin(token, what)?;
        Pkcs11Protector::open(module, token, Some(key), pin)
            .map_err(|e| Failure::lib(format_args!("cannot open the HSM for {what}"), &e))
    }

    /// The token user's PIN: from --pkcs11-pin-env, --pkcs11-pin-file, or the terminal.
    fn pin(&self, token: &str, what: &str) -> Outcome<Zeroizing<String>> {
        let (pin, origin) = if let Some(var) = &self.pin_env {
            (
                crate::secrets::read_env(var, "--pkcs11-pin-env", "PIN")?,
                format!("${var}"),
            )
        } else if let Some(path) = &self.pin_file {
            (
                crate::secrets::read_first_line(path, "--pkcs11-pin-file", "PIN")?,
                path.display().to_string(),
            )
        } else {
            let prompt = format!("PIN for PKCS#11 token `{token}` ({what}): ");
            let pin = rpassword::prompt_password(prompt).map_err(|e| {
                Failure::new(
                    Exit::Usage,
                    format!(
                        "cannot ask for the PIN of PKCS#11 token `{token}` on the terminal ({e}); \
                         give it with --pkcs11-pin-env VAR or --pkcs11-pin-file PATH"
                    ),
                )
            })?;
            (Zeroizing::new(pin), "the terminal".to_owned())
        };
        if pin.is_empty() {
            return Err(Failure::new(
                Exit::Usage,
                format!("the PIN for PKCS#11 token `{token}` from {origin} is empty"),
            ));
        }
        Ok(pin)
    }

    /// A protector of the AWS KMS key `key_id`.
    pub(crate) fn aws_kms(&self, key_id: &str, flag: &str) -> Outcome<KmsProtector<PluginKms>> {
        if key_id.is_empty() {
            return Err(Failure::new(
                Exit::Usage,
                format!("{flag} is empty; give a key id, key ARN or alias/NAME"),
            ));
        }
        Ok(KmsProtector::new(PluginKms::new(
            key_id.to_owned(),
            self.endpoint.clone(),
        )))
    }
}

/// A PKCS#11 key id given as hex digits (`--pkcs11-key-id 0a1b`).
pub(crate) fn parse_key_id(hex: &str, flag: &str) -> Outcome<Vec<u8>> {
    let digits = hex.trim_start_matches("0x");
    let valid = !digits.is_empty()
        && digits.len() % 2 == 0
        && digits.len() <= 510
        && digits.bytes().all(|b| b.is_ascii_hexdigit());
    if !valid {
        return Err(Failure::new(
            Exit::Usage,
            format!("{flag} takes the key's CKA_ID as 2 to 510 hex digits, such as 0a1b"),
        ));
    }
    Ok(digits
        .as_bytes()
        .chunks_exact(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).expect("hex"), 16).expect("hex"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::parse_key_id;

    #[test]
    fn key_ids_are_hex() {
        assert_eq!(parse_key_id("0a1B", "f").unwrap(), vec![0x0a, 0x1b]);
        assert_eq!(parse_key_id("0x01", "f").unwrap(), vec![1]);
        for bad in ["", "0", "zz", "0x", &"00".repeat(256)] {
            assert!(parse_key_id(bad, "f").is_err(), "{bad}");
        }
    }
}
