//! A key vault in memory: for tests, examples and processes whose subjects' keys need not outlive
//! them. One mutex makes every operation atomic.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use zeroize::Zeroize as _;

use crate::error::{Result, VaultError};
use crate::keyring::KeyringId;
use crate::vault::records::{
    ConsentRecord, Created, DestroyReason, Destruction, DisclosureRecord, ErasureReceipt,
    ExpiredKey, KeyCursor, KeySlot, Refusal, StoredKey, SubjectState, VaultStats, VersionCount,
    VersionRetirement, Withdrawal, consent_refuses,
};
use crate::vault::store::KeyVault;

type Pair = (Vec<u8>, String);

#[derive(Default)]
struct State {
    keyring: Option<KeyringId>,
    slots: BTreeMap<Pair, KeySlot>,
    consents: BTreeMap<Pair, ConsentRecord>,
    erased: BTreeMap<Vec<u8>, ErasureReceipt>,
    erasure_log: Vec<ErasureReceipt>,
    disclosures: Vec<DisclosureRecord>,
    retired: BTreeSet<u32>,
}

/// A [`KeyVault`] in memory. Everything is lost when it is dropped; destroyed keys' wrapped bytes
/// are overwritten at once.
///
/// ```
/// use fieldseal::vault::{KeyVault, MemoryVault};
/// let vault = MemoryVault::new();
/// assert_eq!(vault.stats()?.live_keys, 0);
/// # Ok::<(), fieldseal::Error>(())
/// ```
#[derive(Default)]
pub struct MemoryVault {
    state: Mutex<State>,
}

impl MemoryVault {
    /// An empty vault.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Destroys a live slot's key: the wrapped bytes are wiped before they are freed.
fn destroy(slot: &mut KeySlot, reason: DestroyReason, at: u64) -> Option<u32> {
    let KeySlot::Live { key, .. } = slot else {
        return None;
    };
    key.wrapped.zeroize();
    let generation = key.generation;
    *slot = KeySlot::Destroyed(Destruction {
        generation,
        reason,
        at,
    });
    Some(generation)
}

impl KeyVault for MemoryVault {
    fn bind_keyring(&self, id: KeyringId) -> Result<KeyringId> {
        Ok(*self.lock().keyring.get_or_insert(id))
    }

    fn keyring(&self) -> Result<Option<KeyringId>> {
        Ok(self.lock().keyring)
    }

    fn read(&self, subject: &[u8], purposes: &[&str]) -> Result<SubjectState> {
        let state = self.lock();
        if let Some(receipt) = state.erased.get(subject) {
            return Ok(SubjectState {
                erased: Some(receipt.at),
                slots: Vec::new(),
                consents: Vec::new(),
            });
        }
        let pair = |p: &str| (subject.to_vec(), p.to_owned());
        Ok(SubjectState {
            erased: None,
            slots: purposes
                .iter()
                .map(|p| {
                    let slot = state.slots.get(&pair(p)).cloned();
                    ((*p).to_owned(), slot.unwrap_or(KeySlot::Empty))
                })
                .collect(),
            consents: purposes
                .iter()
                .filter_map(|p| state.consents.get(&pair(p)).cloned())
                .collect(),
        })
    }

    fn create(&self, key: &StoredKey, requires_consent: bool, now: u64) -> Result<Created> {
        let mut state = self.lock();
        if let Some(receipt) = state.erased.get(&key.subject) {
            return Ok(Created::Refused(Refusal::Erased { at: receipt.at }));
        }
        let pair = (key.subject.clone(), key.purpose.clone());
        // Looked at, not inserted: a refused create leaves no slot behind (an empty one would be
        // counted by `forget` and `stats` as a key).
        if let Some(slot) = state.slots.get_mut(&pair) {
            if let KeySlot::Live { key: live, .. } = slot {
                if live.expires.is_some_and(|e| e <= now) {
                    destroy(slot, DestroyReason::Expired, now);
                } else {
                    return Ok(Created::Existing(live.clone()));
                }
            }
        }
        let slot = state.slots.get(&pair).cloned().unwrap_or(KeySlot::Empty);
        let last = slot.last_generation();
        let previous = match slot {
            KeySlot::Destroyed(d) => Some(d),
            _ => None,
        };
        if consent_refuses(requires_consent, state.consents.get(&pair)) {
            return Ok(Created::Refused(Refusal::NoConsent));
        }
        if key.generation != last.wrapping_add(1) {
            return Ok(Created::Refused(Refusal::GenerationMoved { last }));
        }
        if state.retired.contains(&key.key_version) {
            return Ok(Created::Refused(Refusal::VersionRetired {
                version: key.key_version,
            }));
        }
        state.slots.insert(
            pair,
            KeySlot::Live {
                key: key.clone(),
                previous,
            },
        );
        Ok(Created::Inserted)
    }

    fn grant(&self, consent: &ConsentRecord) -> Result<bool> {
        let mut state = self.lock();
        if state.erased.contains_key(&consent.subject) {
            return Ok(false);
        }
        let pair = (consent.subject.clone(), consent.purpose.clone());
        state.consents.insert(pair, consent.clone());
        Ok(true)
    }

    fn withdraw(&self, subject: &[u8], purpose: &str, at: u64) -> Result<Withdrawal> {
        let mut state = self.lock();
        let pair = (subject.to_vec(), purpose.to_owned());
        let mut consent_was_active = false;
        if let Some(consent) = state.consents.get_mut(&pair) {
            consent_was_active = consent.is_active();
            if consent_was_active {
                consent.withdrawn = Some(at);
            }
        }
        let destroyed = state
            .slots
            .get_mut(&pair)
            .and_then(|slot| destroy(slot, DestroyReason::Withdrawn, at));
        Ok(Withdrawal {
            destroyed,
            consent_was_active,
            at,
        })
    }

    fn forget(&self, subject: &[u8], at: u64) -> Result<ErasureReceipt> {
        let mut state = self.lock();
        if let Some(receipt) = state.erased.get(subject) {
            return Ok(receipt.clone());
        }
        let mine: Vec<Pair> = state
            .slots
            .keys()
            .chain(state.consents.keys())
            .filter(|(s, _)| s == subject)
            .cloned()
            .collect();
        let mut purposes = Vec::new();
        let mut removed = 0;
        for pair in &mine {
            if let Some(mut slot) = state.slots.remove(pair) {
                removed += 1;
                if destroy(&mut slot, DestroyReason::Withdrawn, at).is_some() {
                    purposes.push(pair.1.clone());
                }
            }
            if state.consents.remove(pair).is_some() {
                removed += 1;
            }
        }
        purposes.sort();
        purposes.dedup();
        let receipt = ErasureReceipt {
            subject: subject.to_vec(),
            at,
            purposes,
            entries_removed: removed,
        };
        state.erased.insert(subject.to_vec(), receipt.clone());
        state.erasure_log.push(receipt.clone());
        Ok(receipt)
    }

    fn expire(&self, now: u64, limit: usize) -> Result<Vec<ExpiredKey>> {
        let mut state = self.lock();
        let mut out = Vec::new();
        for ((subject, purpose), slot) in &mut state.slots {
            if out.len() >= limit {
                break;
            }
            let KeySlot::Live { key, .. } = slot else {
                continue;
            };
            let Some(expires) = key.expires.filter(|&e| e <= now) else {
                continue;
            };
            if let Some(generation) = destroy(slot, DestroyReason::Expired, now) {
                out.push(ExpiredKey {
                    subject: subject.clone(),
                    purpose: purpose.clone(),
                    generation,
                    expires,
                });
            }
        }
        Ok(out)
    }

    fn keys_after(&self, after: Option<&KeyCursor>, limit: usize) -> Result<Vec<StoredKey>> {
        let state = self.lock();
        let live = state.slots.iter().filter_map(|(pair, slot)| match slot {
            KeySlot::Live { key, .. } => Some((pair, key)),
            _ => None,
        });
        let after = after.map(|c| (c.subject.clone(), c.purpose.clone()));
        Ok(live
            .filter(|(pair, _)| after.as_ref().is_none_or(|a| *pair > a))
            .take(limit)
            .map(|(_, key)| key.clone())
            .collect())
    }

    fn rewrap(&self, old: &StoredKey, new: &StoredKey) -> Result<bool> {
        let mut state = self.lock();
        if state.retired.contains(&new.key_version) {
            return Err(VaultError::VersionRetired {
                version: new.key_version,
            }
            .into());
        }
        let pair = (old.subject.clone(), old.purpose.clone());
        match state.slots.get_mut(&pair) {
            Some(KeySlot::Live { key, .. })
                if key.generation == old.generation && key.key_version == old.key_version =>
            {
                key.wrapped.zeroize();
                key.key_version = new.key_version;
                key.wrapped = new.wrapped;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn key_versions(&self) -> Result<Vec<VersionCount>> {
        let state = self.lock();
        let mut counts: BTreeMap<(String, u32), u64> = BTreeMap::new();
        for slot in state.slots.values() {
            if let KeySlot::Live { key, .. } = slot {
                *counts
                    .entry((key.purpose.clone(), key.key_version))
                    .or_default() += 1;
            }
        }
        Ok(counts
            .into_iter()
            .map(|((purpose, key_version), keys)| VersionCount {
                purpose,
                key_version,
                keys,
            })
            .collect())
    }

    fn retire_version(&self, version: u32) -> Result<VersionRetirement> {
        let mut state = self.lock();
        let keys = state
            .slots
            .values()
            .filter(|slot| matches!(slot, KeySlot::Live { key, .. } if key.key_version == version))
            .count();
        if keys > 0 {
            return Ok(VersionRetirement::InUse { keys: keys as u64 });
        }
        state.retired.insert(version);
        Ok(VersionRetirement::Retired)
    }

    fn retired_versions(&self) -> Result<Vec<u32>> {
        Ok(self.lock().retired.iter().copied().collect())
    }

    fn consents(&self, subject: &[u8]) -> Result<Vec<ConsentRecord>> {
        let state = self.lock();
        Ok(state
            .consents
            .values()
            .filter(|c| c.subject == subject)
            .cloned()
            .collect())
    }

    fn log_disclosure(&self, disclosure: &DisclosureRecord) -> Result<DisclosureRecord> {
        let mut state = self.lock();
        let logged = disclosure.confirm(|subject, partner| {
            let pair = (subject.to_vec(), partner.to_owned());
            Ok::<_, crate::Error>(state.consents.get(&pair).cloned())
        })?;
        state.disclosures.push(logged.clone());
        Ok(logged)
    }

    fn disclosures(&self, partner: Option<&str>) -> Result<Vec<DisclosureRecord>> {
        let state = self.lock();
        Ok(state
            .disclosures
            .iter()
            .filter(|d| partner.is_none_or(|p| d.partner == p))
            .cloned()
            .collect())
    }

    fn erasures(&self) -> Result<Vec<ErasureReceipt>> {
        Ok(self.lock().erasure_log.clone())
    }

    fn stats(&self) -> Result<VaultStats> {
        let state = self.lock();
        let mut subjects: Vec<&Vec<u8>> = state
            .slots
            .keys()
            .chain(state.consents.keys())
            .map(|(s, _)| s)
            .collect();
        subjects.sort();
        subjects.dedup();
        let live = state
            .slots
            .values()
            .filter(|s| matches!(s, KeySlot::Live { .. }))
            .count();
        Ok(VaultStats {
            subjects: subjects.len() as u64,
            live_keys: live as u64,
            destroyed_keys: (state.slots.len() - live) as u64,
            active_consents: state.consents.values().filter(|c| c.is_active()).count() as u64,
            erased_subjects: state.erased.len() as u64,
            disclosures: state.disclosures.len() as u64,
        })
    }
}
