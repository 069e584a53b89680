//! Checkpoints (FORMAT.md §18.5): a line stating the chain's head at a sequence number, signed
//! with Ed25519 under a key derived from the audit key, for anchoring off the host.

use ed25519_dalek::{Signature, Signer as _, Verifier as _, VerifyingKey};

use crate::audit::json;
use crate::audit::key::AuditVersionKey;

/// The first bytes of what a checkpoint's signature covers (FORMAT.md §18.5).
pub(crate) const SIGNED_LABEL: &[u8] = b"fieldseal/v1/audit/checkpoint\0";

/// A signed statement that a log's chain had head `head` just before sequence number `seq`
/// (FORMAT.md §18.5). Print one (`fieldseal audit checkpoint`) and keep it off the host (a
/// ticket, a transparency log, another machine); later, [`verify`](crate::audit::verify) with
/// it as the anchor finds a log whose tail was cut or rewritten after it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Checkpoint {
    /// The log's id (16 bytes, from its first header).
    pub log: [u8; 16],
    /// The checkpoint line's own sequence number.
    pub seq: u64,
    /// The audit key version that signed it.
    pub key_version: u32,
    /// When it was written (RFC 3339, UTC).
    pub time: String,
    /// The MAC of the line before it: the chain's head.
    pub head: [u8; 32],
    /// The Ed25519 signature.
    pub signature: [u8; 64],
}

impl Checkpoint {
    /// The bytes the signature covers: `SIGNED_LABEL || log || u64be(seq) || u32be(key_version)
    /// || head || time`.
    pub(crate) fn signed_bytes(&self) -> Vec<u8> {
        let mut m = Vec::with_capacity(SIGNED_LABEL.len() + 16 + 8 + 4 + 32 + self.time.len());
        m.extend_from_slice(SIGNED_LABEL);
        m.extend_from_slice(&self.log);
        m.extend_from_slice(&self.seq.to_be_bytes());
        m.extend_from_slice(&self.key_version.to_be_bytes());
        m.extend_from_slice(&self.head);
        m.extend_from_slice(self.time.as_bytes());
        m
    }

    /// Signs a new checkpoint.
    pub(crate) fn sign(
        key: &AuditVersionKey,
        log: [u8; 16],
        seq: u64,
        time: String,
        head: [u8; 32],
    ) -> Self {
        let mut cp = Self {
            log,
            seq,
            key_version: key.version,
            time,
            head,
            signature: [0; 64],
        };
        cp.signature = key.signing_key().sign(&cp.signed_bytes()).to_bytes();
        cp
    }

    /// Whether the signature verifies under `public_key` (the Ed25519 public key of its audit key
    /// version, [`AuditKey::checkpoint_public_key`](crate::audit::AuditKey::checkpoint_public_key)).
    pub fn signature_verifies(&self, public_key: &[u8; 32]) -> bool {
        VerifyingKey::from_bytes(public_key).is_ok_and(|k| {
            k.verify(
                &self.signed_bytes(),
                &Signature::from_bytes(&self.signature),
            )
            .is_ok()
        })
    }

    /// The members of its line after `seq`, without the MAC: `"type":"checkpoint",...`.
    pub(crate) fn write_members(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(br#""type":"checkpoint","log":""#);
        json::hex(&self.log, out);
        out.extend_from_slice(br#"","time":"#);
        json::string(&self.time, out);
        out.extend_from_slice(br#","key_version":"#);
        json::number(u64::from(self.key_version), out);
        out.extend_from_slice(br#","head":""#);
        json::hex(&self.head, out);
        out.extend_from_slice(br#"","sig":""#);
        json::hex(&self.signature, out);
        out.push(b'"');
    }

    /// The checkpoint as one JSON line (its log line without the `mac`), which
    /// [`from_line`](Self::from_line) reads back: what to keep off the host.
    ///
    /// # Panics
    /// Never: the writer writes UTF-8 only.
    pub fn to_line(&self) -> String {
        let mut out = Vec::with_capacity(300);
        crate::audit::log::line::start(self.seq, &mut out);
        self.write_members(&mut out);
        out.push(b'}');
        String::from_utf8(out).expect("the writer writes UTF-8")
    }

    /// Reads a checkpoint from its log line (as `fieldseal audit checkpoint` prints it); the
    /// line's `mac` is not needed. `None` if the text is not a checkpoint line.
    pub fn from_line(line: &str) -> Option<Self> {
        let v: serde_json::Value = serde_json::from_str(line.trim()).ok()?;
        if v.get("type")?.as_str()? != "checkpoint" {
            return None;
        }
        let hex = |k: &str| json::unhex(v.get(k)?.as_str()?);
        Some(Self {
            log: hex("log")?.try_into().ok()?,
            seq: v.get("seq")?.as_u64()?,
            key_version: u32::try_from(v.get("key_version")?.as_u64()?).ok()?,
            time: v.get("time")?.as_str()?.to_owned(),
            head: hex("head")?.try_into().ok()?,
            signature: hex("sig")?.try_into().ok()?,
        })
    }
}
