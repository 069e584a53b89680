//! The token side of the `pkcs11` protector: the module (one context per module and process),
//! the token found by label, a logged-in session, the AES key found by label or id, and AES-GCM
//! on the token. Every PKCS#11 failure becomes a [`KeyFileError`] saying what to check.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Function, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::{AuthPin, Ulong};
use zeroize::Zeroizing;

use super::wrap::{IV_LEN, Pkcs11Key, SEALED_LEN, TAG_LEN};
use crate::error::{Error, KeyFileError};
use crate::secret::KEY_LEN;

/// The AES-GCM tag length in bits, as PKCS#11 takes it.
const TAG_BITS: Ulong = Ulong::new(128);
const _: () = assert!(TAG_LEN * 8 == 128);

/// One context per module path and process: PKCS#11 initializes a module once per process, and
/// every protector on it shares that. Never finalized: a module is loaded for the process's life.
static MODULES: OnceLock<Mutex<Vec<(PathBuf, Pkcs11)>>> = OnceLock::new();

/// A logged-in session with one token.
pub(super) struct Token {
    label: String,
    session: Session,
}

/// The context of `module`, loaded and initialized once per process. Initialization is asked
/// again each time, so that a module finalized underneath (by other code of the process) is
/// brought back for the next protector.
fn context(module: &Path) -> Result<Pkcs11, Error> {
    let failed =
        |reason: String| protector_failed(format!("PKCS#11 module {}", module.display()), reason);
    if !module.is_file() {
        return Err(failed(
            "there is no such file; give the path of the HSM vendor's PKCS#11 library \
             (SoftHSM2's is /usr/lib/softhsm/libsofthsm2.so)"
                .to_owned(),
        ));
    }
    let mut modules = MODULES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let known = modules
        .iter()
        .find(|(path, _)| path == module)
        .map(|(_, context)| context.clone());
    let context = if let Some(context) = known {
        context
    } else {
        let context = Pkcs11::new(module).map_err(|e| {
            failed(format!(
                "it cannot be loaded as a PKCS#11 library ({e}); give the HSM vendor's PKCS#11 \
                 library built for this system"
            ))
        })?;
        modules.push((module.to_path_buf(), context.clone()));
        context
    };
    match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => Ok(context),
        Err(e) => Err(failed(format!(
            "it failed to initialize ({}); check its configuration (for SoftHSM2, the file \
             SOFTHSM2_CONF names and its token directory)",
            rv_name(&e)
        ))),
    }
}

impl Token {
    /// Opens a session with the token labelled `label` in `module`, logged in as its user.
    #[allow(
        clippy::needless_pass_by_value,
        reason = "taken so that the PIN is wiped (dropped) as soon as the login is done"
    )]
    pub(super) fn open(module: &Path, label: &str, pin: AuthPin) -> Result<Self, Error> {
        let context = context(module)?;
        let failed = |reason: String| protector_failed(format!("PKCS#11 token `{label}`"), reason);
        let listing =
            |e: CkError| failed(format!("cannot list the module's tokens ({})", rv_name(&e)));
        let mut present = Vec::new();
        let mut found = Vec::new();
        for slot in context
            .get_slots_with_initialized_token()
            .map_err(listing)?
        {
            let info = context.get_token_info(slot).map_err(listing)?;
            let name = info.label().trim_end().to_owned();
            if name == label {
                found.push(slot);
            }
            present.push(name);
        }
        let slot = match found.as_slice() {
            [slot] => *slot,
            [] => {
                return Err(failed(format!(
                    "no token of that label is present in {} (present: {}); plug the token in, \
                     or check its label",
                    module.display(),
                    if present.is_empty() {
                        "none".to_owned()
                    } else {
                        present.join(", ")
                    }
                )));
            }
            _ => {
                return Err(failed(format!(
                    "{} tokens of that label are present in {}; relabel one of them",
                    found.len(),
                    module.display()
                )));
            }
        };
        let session = context
            .open_ro_session(slot)
            .map_err(|e| failed(format!("cannot open a session ({})", rv_name(&e))))?;
        let token = Self {
            label: label.to_owned(),
            session,
        };
        match token.session.login(UserType::User, Some(&pin)) {
            // Login is per process and token: another protector of this process logged in.
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(token),
            Err(e) => Err(token.failure("logging in", &e)),
        }
    }

    /// The token's label.
    pub(super) fn label(&self) -> &str {
        &self.label
    }

    /// The AES key `key` names; for wrapping (`strict`), also checks that it is a 256-bit key
    /// that cannot leave the token.
    pub(super) fn find_key(&self, key: &Pkcs11Key, strict: bool) -> Result<ObjectHandle, Error> {
        let mut template = vec![
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::AES),
        ];
        template.push(match key {
            Pkcs11Key::Label(label) => Attribute::Label(label.as_bytes().to_vec()),
            Pkcs11Key::Id(id) => Attribute::Id(id.clone()),
        });
        let found = self
            .session
            .find_objects(&template)
            .map_err(|e| self.failure("looking for the key", &e))?;
        let handle = match found.as_slice() {
            [handle] => *handle,
            [] => {
                return Err(self.failed(format!(
                    "no AES key with {key} is on the token (or the user may not see it); create \
                     it, or check the key's label or id; nothing was changed"
                )));
            }
            _ => {
                return Err(self.failed(format!(
                    "{} AES keys with {key} are on the token; name the key by a reference only \
                     it has (its id)",
                    found.len()
                )));
            }
        };
        if strict {
            self.check_wrapping_key(key, handle)?;
        }
        Ok(handle)
    }

    /// A new file is wrapped only by an AES-256 key that is sensitive and not extractable: the
    /// point of an HSM is that the key never leaves it.
    fn check_wrapping_key(&self, key: &Pkcs11Key, handle: ObjectHandle) -> Result<(), Error> {
        let attributes = self
            .session
            .get_attributes(
                handle,
                &[
                    AttributeType::ValueLen,
                    AttributeType::Sensitive,
                    AttributeType::Extractable,
                ],
            )
            .map_err(|e| self.failure("reading the key's attributes", &e))?;
        let (mut len, mut sensitive, mut extractable) = (None, None, None);
        for attribute in attributes {
            match attribute {
                Attribute::ValueLen(n) => len = Some(usize::from(n)),
                Attribute::Sensitive(b) => sensitive = Some(b),
                Attribute::Extractable(b) => extractable = Some(b),
                _ => {}
            }
        }
        if len != Some(KEY_LEN) {
            return Err(self.failed(format!(
                "the key with {key} is not a 256-bit AES key; wrap with an AES-256 key"
            )));
        }
        if sensitive != Some(true) || extractable != Some(false) {
            return Err(self.failed(format!(
                "the key with {key} can leave the token (CKA_SENSITIVE is not true or \
                 CKA_EXTRACTABLE is not false); wrap with a key created sensitive and not \
                 extractable; nothing was written"
            )));
        }
        Ok(())
    }

    /// AES-256-GCM on the token: `ciphertext tag` and the IV used. The IV is drawn here (96
    /// random bits, as PKCS#11 2.40 has the caller supply it), and read back after the call, for
    /// a token that generates its own writes it into the parameter.
    pub(super) fn encrypt(
        &self,
        handle: ObjectHandle,
        plaintext: &[u8; KEY_LEN],
        aad: &[u8],
    ) -> Result<([u8; IV_LEN], Vec<u8>), Error> {
        let mut iv = [0; IV_LEN];
        crate::rng::os_random(&mut iv)?;
        let sealed = {
            let params = GcmParams::new(&mut iv, aad, TAG_BITS)
                .map_err(|e| self.failure("setting up AES-GCM", &e))?;
            self.session
                .encrypt(&Mechanism::AesGcm(params), handle, plaintext)
                .map_err(|e| self.failure("wrapping the file key", &e))?
        };
        if sealed.len() != SEALED_LEN {
            return Err(self.failed(format!(
                "the token returned {} bytes of AES-GCM output, not {SEALED_LEN}; nothing was \
                 written",
                sealed.len()
            )));
        }
        Ok((iv, sealed))
    }

    /// Opens what [`encrypt`](Self::encrypt) returned; `Ok(None)` when it does not
    /// authenticate under this key and AAD.
    pub(super) fn decrypt(
        &self,
        handle: ObjectHandle,
        iv: &[u8; IV_LEN],
        sealed: &[u8],
        aad: &[u8],
    ) -> Result<Option<Zeroizing<Vec<u8>>>, Error> {
        let mut iv = *iv;
        let params = GcmParams::new(&mut iv, aad, TAG_BITS)
            .map_err(|e| self.failure("setting up AES-GCM", &e))?;
        match self
            .session
            .decrypt(&Mechanism::AesGcm(params), handle, sealed)
        {
            Ok(plaintext) => Ok(Some(Zeroizing::new(plaintext))),
            // What tokens answer for a tag that does not match: CKR_ENCRYPTED_DATA_INVALID as
            // PKCS#11 3.0 says, or, from SoftHSM2 2.6 (OpenSSL's failed final step), a
            // CKR_GENERAL_ERROR from C_Decrypt once C_DecryptInit took the key and parameters.
            Err(
                CkError::Pkcs11(RvError::EncryptedDataInvalid | RvError::EncryptedDataLenRange, _)
                | CkError::Pkcs11(RvError::GeneralError, Function::Decrypt),
            ) => Ok(None),
            Err(e) => Err(self.failure("unwrapping the file key", &e)),
        }
    }

    fn failed(&self, reason: String) -> Error {
        protector_failed(format!("PKCS#11 token `{}`", self.label), reason)
    }

    /// A PKCS#11 error while `doing` something with the token.
    fn failure(&self, doing: &str, error: &CkError) -> Error {
        let code = rv_name(error);
        let CkError::Pkcs11(rv, _) = error else {
            return self.failed(format!("{doing} failed ({code}); nothing was changed"));
        };
        match rv {
            RvError::PinIncorrect => KeyFileError::WrongPin {
                token: self.label.clone(),
            }
            .into(),
            RvError::PinLocked => self.failed(
                "its user PIN is locked after too many wrong ones; its security officer must \
                 unlock it"
                    .to_owned(),
            ),
            RvError::PinExpired => self.failed(
                "its user PIN has expired; set a new one with the token's own tools".to_owned(),
            ),
            RvError::SessionHandleInvalid
            | RvError::SessionClosed
            | RvError::CryptokiNotInitialized
            | RvError::DeviceRemoved
            | RvError::TokenNotPresent
            | RvError::UserNotLoggedIn
            | RvError::DeviceError => self.failed(format!(
                "the session with the token was lost while {doing} ({code}): the token was \
                 removed, or the module was reset or finalized underneath; nothing was changed: \
                 check the HSM and run again"
            )),
            RvError::KeyFunctionNotPermitted => self.failed(format!(
                "the key may not be used for this ({code}): it needs CKA_ENCRYPT and CKA_DECRYPT"
            )),
            RvError::MechanismInvalid | RvError::MechanismParamInvalid => self.failed(format!(
                "the token does not do AES-GCM with a 96-bit IV and a 128-bit tag ({code}), which \
                 fieldseal's PKCS#11 protector needs"
            )),
            _ => self.failed(format!("{doing} failed ({code}); nothing was changed")),
        }
    }
}

/// `CKR_PIN_INCORRECT`-like names for people: the PKCS#11 return value and the function.
fn rv_name(error: &CkError) -> String {
    match error {
        CkError::Pkcs11(rv, function) => format!("{rv:?} from {}", function_name(*function)),
        other => other.to_string(),
    }
}

fn function_name(function: Function) -> String {
    format!("C_{function:?}")
}

fn protector_failed(protector: String, reason: String) -> Error {
    KeyFileError::ProtectorFailed { protector, reason }.into()
}
