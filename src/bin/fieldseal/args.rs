//! The command line: every command, option and help text (clap derive).

use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use fieldseal::bulk::{IdType, RecordLayout};
use fieldseal::{DynPurpose, KeyringId, Suite};

use crate::commands::vault::subject::{SubjectId, parse_subject};

/// The environment variable naming the keyring file when `--keyring` is not given.
pub(crate) const KEYRING_ENV: &str = "FIELDSEAL_KEYRING";
/// The keyring file used when neither `--keyring` nor [`KEYRING_ENV`] is given.
pub(crate) const DEFAULT_KEYRING: &str = "keyring.fsk";

const ABOUT: &str = "Keep a fieldseal keyring: create it, rotate and retire key versions, export \
                     service key bundles, inspect sealed values, re-seal stored records";

const LONG_ABOUT: &str = "\
Keeps the keyring of a fieldseal deployment: its versioned root keys, in one encrypted file.

A rotation goes:
  fieldseal rotate                      new active version; the old one only decrypts
  fieldseal export-bundle ...           for each service, so that it seals under the new version
  fieldseal reseal ...                  for each stored data set, to move it to the new version
  fieldseal retire <OLD VERSION> --yes  once nothing is left under the old version

Blind indexes (lookup columns of keyed hashes) keep the root version they were created under, so a
rotation changes no lookup term; an index version keeps its root version from being retired until
the index itself is rotated and migrated:
  fieldseal index rotate NAME           new current index version; the old one is still queried
  fieldseal export-bundle ... --index NAME   for each service that writes or looks up NAME
  fieldseal reseal ... --index COLUMN=NAME@FIELDS   recomputes the stored terms
  fieldseal index status NAME --column COLUMN --input FILE   says how many rows are left
  fieldseal index finish NAME --yes     the old index versions are no longer queried

Secrets are never taken from the command line. The keyring is unlocked with a passphrase from
--passphrase-env VAR (the name of an environment variable holding it) or --passphrase-file PATH
(the file's first line), or with a key-encryption key from --kek-file PATH; without either,
fieldseal asks for the passphrase on the terminal. Nothing fieldseal prints contains a key or a
passphrase.

Or the keyring is protected by a key that never leaves an HSM or a KMS: --pkcs11-key-label LABEL
(or --pkcs11-key-id HEX) with --pkcs11-module PATH and --pkcs11-token LABEL, the PIN from
--pkcs11-pin-env VAR or --pkcs11-pin-file PATH or the terminal; or --aws-kms-key-id KEY, through
the fieldseal-aws-kms plug-in, with AWS's usual region and credentials. rekey moves a keyring
between any two of these without changing a key.

The commands that change the keyring (init, rotate, retire, export-bundle, rekey, index) hold its lock,
the file <KEYRING>.lock beside it, from loading the keyring to saving it: a second administrator
waits for the first (up to 60 s, and says so) and then changes the keyring as the first left it,
instead of undoing the first one's change. The lock file stays; it is empty, and a lock dies with
the process that held it.";

const EXIT_CODES: &str = "\
Exit status:
  0  success
  1  failure: a file or value could not be read, written or re-sealed
  2  usage: bad arguments, or a secret source that cannot be used
  3  the keyring or bundle did not unlock: wrong passphrase, KEK, PIN or HSM/KMS key, or another
     kind of protector
  4  refused: it would overwrite a file or destroy a key (init over a keyring, an existing
     output, a bundle of another keyring, retiring the active version or one an index version
     still uses, retiring or finishing an index migration without --yes)
  5  busy: another administrator held the keyring's lock for 60 s; nothing was changed, run the
     command again
Key vaults (fieldseal vault): a vault that is read-only, damaged, of another keyring or of a
newer fieldseal is 1; forgetting a subject without --yes, or an existing --output, is 4; a vault
another process held locked for 5 s is 5.";

/// `fieldseal`: the whole command line.
#[derive(Debug, Parser)]
#[command(
    name = "fieldseal",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = EXIT_CODES
)]
pub(crate) struct Cli {
    /// Where the keyring is and how to unlock it.
    #[command(flatten)]
    pub(crate) keyring: KeyringArgs,

    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The keyring file and its unlocking secret, accepted before or after the command.
#[derive(Debug, Args)]
#[command(next_help_heading = "Keyring")]
pub(crate) struct KeyringArgs {
    /// The keyring file [default: $FIELDSEAL_KEYRING, else keyring.fsk]
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) keyring: Option<PathBuf>,

    /// How to unlock the keyring.
    #[command(flatten)]
    pub(crate) secret: KeyringSecretArgs,

    /// The most a key file may ask of its passphrase.
    #[command(flatten)]
    pub(crate) ceiling: CeilingArgs,

    /// Record administration (rotate, retire, export-bundle, index, audit, reseal; vault consent,
    /// forget, sweep and disclose) in the tamper-evident audit log in DIR, service `fieldseal`
    /// [default: $FIELDSEAL_AUDIT_LOG]
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) audit_log: Option<PathBuf>,

    /// Where the HSM and the KMS are.
    #[command(flatten)]
    pub(crate) remote: crate::remote::RemoteArgs,
}

/// The environment variable naming the CLI's audit log directory.
pub(crate) const AUDIT_LOG_ENV: &str = "FIELDSEAL_AUDIT_LOG";

/// The service whose audit key the CLI's own log is kept with.
pub(crate) const AUDIT_SERVICE: &str = "fieldseal";

/// The most Argon2id work a passphrase-protected key file (keyring or bundle) may ask for before
/// it is refused, without deriving anything.
#[derive(Debug, Args)]
#[command(next_help_heading = "Unlocking")]
pub(crate) struct CeilingArgs {
    /// Refuse a key file asking for more Argon2id memory than this, in MiB [default: 1024]
    ///
    /// A key file stores the Argon2id cost of its passphrase, up to 1 GiB and 16 passes (about
    /// 25 s per attempt). A file asking more than this is refused before any work.
    #[arg(long, global = true, value_name = "MIB")]
    pub(crate) max_kdf_memory_mib: Option<u32>,

    /// Refuse a key file asking for more Argon2id passes than this [default: 16]
    #[arg(long, global = true, value_name = "N")]
    pub(crate) max_kdf_iterations: Option<u32>,
}

/// The secret of the keyring: at most one source (checked when it is used: clap does not check
/// groups of global arguments), else a terminal prompt.
#[derive(Debug, Args)]
pub(crate) struct KeyringSecretArgs {
    /// Take the keyring passphrase from this environment variable
    ///
    /// Give the variable's name, never the passphrase itself.
    #[arg(long, global = true, value_name = "VAR")]
    pub(crate) passphrase_env: Option<String>,

    /// Take the keyring passphrase from the first line of this file
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) passphrase_file: Option<PathBuf>,

    /// Use the key-encryption key (KEK) in this file, not a passphrase
    ///
    /// The file holds 32 raw bytes, 64 hex digits, or base64 of 32 bytes; for example
    /// `head -c 32 /dev/urandom > kek.bin`.
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) kek_file: Option<PathBuf>,

    /// Use the AES key of this label on the PKCS#11 token (an HSM), not a passphrase
    ///
    /// With --pkcs11-module and --pkcs11-token; the PIN from --pkcs11-pin-env or
    /// --pkcs11-pin-file, else asked for.
    #[arg(long, global = true, value_name = "LABEL")]
    pub(crate) pkcs11_key_label: Option<String>,

    /// Use the AES key of this id (CKA_ID, in hex) on the PKCS#11 token
    #[arg(long, global = true, value_name = "HEX")]
    pub(crate) pkcs11_key_id: Option<String>,

    /// Use this AWS KMS key (key id, key ARN or alias/NAME), not a passphrase
    #[arg(long, global = true, value_name = "KEY")]
    pub(crate) aws_kms_key_id: Option<String>,
}

/// The secret of a service key bundle: at most one source, else a terminal prompt.
#[derive(Debug, Args)]
#[group(id = "bundle-secret", multiple = false)]
#[command(next_help_heading = "Bundle protection")]
#[allow(
    clippy::struct_field_names,
    reason = "each field is named after its flag, and the flags say whose secret it is"
)]
pub(crate) struct BundleSecretArgs {
    /// Take the bundle passphrase from this environment variable
    ///
    /// The service's own passphrase, not the keyring's. Give the variable's name, never the
    /// passphrase itself.
    #[arg(long, value_name = "VAR")]
    pub(crate) bundle_passphrase_env: Option<String>,

    /// Take the bundle passphrase from the first line of this file
    #[arg(long, value_name = "PATH")]
    pub(crate) bundle_passphrase_file: Option<PathBuf>,

    /// Use the service's key-encryption key in this file, not a passphrase
    ///
    /// The file holds 32 raw bytes, 64 hex digits, or base64 of 32 bytes.
    #[arg(long, value_name = "PATH")]
    pub(crate) bundle_kek_file: Option<PathBuf>,

    /// Protect the bundle with the AES key of this label on the PKCS#11 token
    ///
    /// The token, module and PIN are given with --pkcs11-token, --pkcs11-module and
    /// --pkcs11-pin-env or --pkcs11-pin-file.
    #[arg(long, value_name = "LABEL")]
    pub(crate) bundle_pkcs11_key_label: Option<String>,

    /// Protect the bundle with the AES key of this id (hex) on the PKCS#11 token
    #[arg(long, value_name = "HEX")]
    pub(crate) bundle_pkcs11_key_id: Option<String>,

    /// Protect the bundle with this AWS KMS key (the service's, not the keyring's)
    #[arg(long, value_name = "KEY")]
    pub(crate) bundle_aws_kms_key_id: Option<String>,
}

/// The keyring's new secret, for `rekey`: at most one source, else a terminal prompt.
#[derive(Debug, Args)]
#[group(id = "new-secret", multiple = false)]
#[command(next_help_heading = "New protection")]
#[allow(
    clippy::struct_field_names,
    reason = "each field is named after its flag, and the flags say whose secret it is"
)]
pub(crate) struct NewSecretArgs {
    /// Take the new passphrase from this environment variable
    #[arg(long, value_name = "VAR")]
    pub(crate) new_passphrase_env: Option<String>,

    /// Take the new passphrase from the first line of this file
    #[arg(long, value_name = "PATH")]
    pub(crate) new_passphrase_file: Option<PathBuf>,

    /// Protect the keyring with the key-encryption key in this file from now on
    #[arg(long, value_name = "PATH")]
    pub(crate) new_kek_file: Option<PathBuf>,

    /// Protect the keyring with the AES key of this label on the PKCS#11 token from now on
    ///
    /// The token, module and PIN are given with --pkcs11-token, --pkcs11-module and
    /// --pkcs11-pin-env or --pkcs11-pin-file.
    #[arg(long, value_name = "LABEL")]
    pub(crate) new_pkcs11_key_label: Option<String>,

    /// Protect the keyring with the AES key of this id (hex) on the PKCS#11 token from now on
    #[arg(long, value_name = "HEX")]
    pub(crate) new_pkcs11_key_id: Option<String>,

    /// Protect the keyring with this AWS KMS key from now on
    #[arg(long, value_name = "KEY")]
    pub(crate) new_aws_kms_key_id: Option<String>,
}

/// `rekey`.
#[derive(Debug, Args)]
pub(crate) struct RekeyArgs {
    /// The new secret.
    #[command(flatten)]
    pub(crate) new_secret: NewSecretArgs,

    /// Argon2id cost of the new passphrase.
    #[command(flatten)]
    pub(crate) kdf: KdfArgs,
}

/// `scan`.
#[derive(Debug, Args)]
pub(crate) struct ScanArgs {
    /// The JSON Lines file to read [default: standard input, also `-`]
    #[arg(long, value_name = "PATH")]
    pub(crate) input: Option<PathBuf>,

    /// Print JSON instead of text
    #[arg(long)]
    pub(crate) json: bool,
}

/// Argon2id cost of a new passphrase-protected file. The file records them: opening it later
/// costs the same, whatever these options say then.
#[derive(Debug, Args)]
#[command(next_help_heading = "Passphrase hashing")]
pub(crate) struct KdfArgs {
    /// Argon2id memory in MiB, at least 19 [default: 128]
    #[arg(long, value_name = "MIB")]
    pub(crate) kdf_memory_mib: Option<u32>,

    /// Argon2id passes over the memory, at least 2 [default: 3]
    #[arg(long, value_name = "N")]
    pub(crate) kdf_iterations: Option<u32>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create a new keyring file with one key version, active
    #[command(long_about = "\
Create a new keyring file with one random root key, version 1, active.

Refuses to touch an existing file: a keyring overwritten is every sealed value lost. Keep a backup
of the file and of its passphrase or KEK; losing either loses every value sealed under it. With a
passphrase, fieldseal asks for it twice unless --passphrase-env or --passphrase-file gives it.")]
    Init(InitArgs),

    /// Add a new key version and make it active; the old one becomes decrypt-only
    #[command(long_about = "\
Add a new random root key version and make it active: new values are sealed under it. The
previously active version becomes decrypt-only: everything sealed under it still opens.

Afterwards: re-export every service's bundle (export-bundle), re-seal stored data (reseal), then
retire the old version (retire).")]
    Rotate,

    /// Destroy the root key of a decrypt-only version (asks for --yes)
    #[command(long_about = "\
Retire a key version: destroy its root key in the keyring file, keeping only its number, so that
data still sealed under it reports a retired version instead of failing to open. The keyring, and
bundles exported from now on, can no longer open that data: re-seal first (reseal). The active
version cannot be retired.

Bundles exported before the retirement still hold the version's purpose keys and still open its
data: re-export them afterwards (export-bundle --force) and destroy the services' old copies. So
do older backups of the keyring file.")]
    Retire(RetireArgs),

    /// Show the keyring's versions, indexes and bundles, or a bundle's purposes and indexes
    Status(StatusArgs),

    /// Export the keys of some purposes and indexes into a bundle file for one service
    #[command(long_about = "\
Export a service key bundle: the keys of the named purposes, every live version (the active one
sealing), the keys of the named blind indexes, every version in use (the current one writing),
and no root key. The service loads it (fieldseal::KeyBundle::load) and can seal and open exactly
those purposes, and compute the terms of exactly those indexes. A bundle of index keys alone finds
rows and opens nothing (support searching customers by phone number).

The bundle is protected by the service's own secret, not the keyring's: --bundle-passphrase-env,
--bundle-passphrase-file or --bundle-kek-file, or a passphrase asked twice on the terminal.
Re-export after every rotation or retirement, and after an index rotation or finished migration.")]
    ExportBundle(ExportBundleArgs),

    /// Show a sealed value's header without any key: suite, type, purposes, key versions
    #[command(long_about = "\
Show what a sealed value's header says, without any key: format version, suite, plaintext type,
and each purpose it is sealed for with the key version of that purpose's copy. Nothing is
decrypted. Takes text-form values (`fs1:...`, quotes around them are dropped) as arguments, or one
per line on standard input; a line longer than 16 MiB is refused.")]
    Inspect(InspectArgs),

    /// Change the keyring's passphrase, KEK, HSM or KMS key, or its Argon2id cost; the keys stay
    #[command(long_about = "\
Re-encrypt the keyring file under a new secret: a new passphrase (with --kdf-memory-mib and
--kdf-iterations for its Argon2id cost), a key-encryption key (--new-kek-file), an AES key on a
PKCS#11 token (--new-pkcs11-key-label or --new-pkcs11-key-id, on the token of --pkcs11-token), or
an AWS KMS key (--new-aws-kms-key-id). The keys, their versions and every sealed value stay as
they are: this moves a keyring from a passphrase to an HSM and back. Back up the new file, and
keep the old secret's backups apart: they still open with the old secret.")]
    Rekey(RekeyArgs),

    /// Define, rotate and migrate blind indexes (lookup columns of keyed hashes)
    #[command(subcommand)]
    Index(IndexCommand),

    /// Count the sealed values of a JSON Lines file by purpose and key version, without any key
    #[command(long_about = "\
Count every sealed value (`fs1:...` string, at any depth) of a JSON Lines file by purpose and key
version, reading headers only: no key is needed. Run it over stored data before `retire`: no value
may be left under the version to retire, or it is lost. Services still on an old bundle keep
sealing under the old version until they load a new one. A line longer than 16 MiB is refused.")]
    Scan(ScanArgs),

    /// Re-seal a JSON Lines file of records under the active key version
    #[command(long_about = "\
Re-seal every sealed value (`fs1:...` strings) of a JSON Lines file of records, as
#[derive(Seal)] serializes them, under the keyring's active key version, into a new file. Only
the sealed strings change: every other byte of a record (numbers as written, escapes, key order,
spacing) is copied. Values already current are left as they are, and a record with nothing to
re-seal is copied byte for byte, so running it again over its own output changes nothing.

Each value is bound to (record, field, id): give the record name (--record, the struct's name or
its #[seal(record = \"...\")]), the id field and its type, and every field whose context name
differs from its JSON key (--rename), and each nested record (--nested).

The output is written to <OUT>.partial, with a checkpoint in <OUT>.partial.progress from the start
and after every batch, and moved to <OUT> at the end. If they exist, an earlier run was
interrupted or stopped at a bad record: once the partial output is checked to match the
checkpoint, the input to start with the same lines, and the keys' active versions, the layout and
the current versions of its --index indexes to be those of the earlier run, its output is kept up
to the checkpoint and the run goes on after it (after a rotation of the keyring or of an index, or
with other --sealed, --nested or --index, it is refused: remove both files to start over). One run at a time writes an output: it holds <OUT>.partial.lock (an empty file, left
behind) while it runs, and a second is refused. An existing <OUT> is never overwritten, and none
of these files is read or written through a symbolic link. Lines longer than 16 MiB are refused.")]
    Reseal(ResealArgs),

    /// Administer a subject-mode key vault: consent, erasure, retention, rewrap, disclosure
    #[command(long_about = VAULT_ABOUT)]
    Vault(VaultArgs),

    /// The audit trail: audit keys, and verifying, querying and anchoring audit logs
    #[command(subcommand)]
    Audit(AuditCommand),
}

/// `audit`: audit keys and logs (FORMAT.md §18).
#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Add an audit key version (the first gives the keyring its audit key)
    #[command(long_about = "\
Add an audit key version, pinned to the active root version, and make it the one new log files
are written under. Every service's audit key derives from it. Re-export the services' bundles
(export-bundle --force): a bundle carries its service's audit key. Older versions keep verifying
their logs until retired (audit retire-key).")]
    RotateKey,

    /// Retire an audit key version (asks for --yes)
    #[command(long_about = "\
Retire an audit key version: logs written under it no longer verify with this keyring. Verify
them and archive them with their anchored checkpoints first. The current version cannot be
retired.")]
    RetireKey(AuditRetireArgs),

    /// Verify an audit log: the first changed, deleted, reordered or inserted line
    #[command(long_about = "\
Verify the audit log in DIR (every audit-NNNNNNNN.jsonl file, in order) with the keyring's audit
key of its service: reports the first line changed, deleted, reordered or inserted after it was
written, a missing file, a bad checkpoint, and a torn last line (a process killed mid-append:
the log verifies up to the line before). With --anchor, a checkpoint kept off the host (as
`audit checkpoint` printed it), also a tail cut or rewritten after it. Exit status 1 if the log
does not verify.")]
    Verify(AuditVerifyArgs),

    /// Print the log's latest checkpoint, to keep off the host as an anchor
    #[command(long_about = "\
Verify the audit log in DIR and print its latest checkpoint (one JSON line) and the Ed25519
public key that verifies it. Keep both off the host (a ticket, another machine, a transparency
log): `audit verify --anchor FILE` later finds a tail cut or rewritten after it.")]
    Checkpoint(AuditDirArgs),

    /// Print the events of an audit log that match a subject, purpose, actor or time
    #[command(long_about = "\
Print the event lines of the audit log in DIR that match every criterion given. --subject finds
a record id or subject (1001, str:cust-7, hex:...), written plainly or as a pseudonym: pseudonyms
are computed with the keyring's audit key. Times are RFC 3339 (2026-11-01T00:00:00Z). The log is
verified first; a log that does not verify is reported and nothing is printed.")]
    Query(AuditQueryArgs),
}

/// `audit retire-key`.
#[derive(Debug, Args)]
pub(crate) struct AuditRetireArgs {
    /// The audit key version to retire.
    pub(crate) version: u32,
    /// Confirm: logs of this version will no longer verify with this keyring.
    #[arg(long)]
    pub(crate) yes: bool,
}

/// A log directory, and its service.
#[derive(Debug, Args)]
pub(crate) struct AuditDirArgs {
    /// The log's directory.
    pub(crate) dir: PathBuf,
    /// The log's service [default: the one its first file names]
    #[arg(long)]
    pub(crate) service: Option<String>,
}

/// `audit verify`.
#[derive(Debug, Args)]
pub(crate) struct AuditVerifyArgs {
    /// The log.
    #[command(flatten)]
    pub(crate) log: AuditDirArgs,
    /// A checkpoint kept off the host (a file holding the line `audit checkpoint` printed).
    #[arg(long, value_name = "FILE")]
    pub(crate) anchor: Option<PathBuf>,
}

/// `audit query`.
#[derive(Debug, Args)]
pub(crate) struct AuditQueryArgs {
    /// The log.
    #[command(flatten)]
    pub(crate) log: AuditDirArgs,
    /// A record id or subject: 1001, str:TEXT or hex:HEX.
    #[arg(long)]
    pub(crate) subject: Option<String>,
    /// A purpose the event used.
    #[arg(long)]
    pub(crate) purpose: Option<String>,
    /// The actor (service) or the user it acted for.
    #[arg(long)]
    pub(crate) actor: Option<String>,
    /// An operation: open, seal, reseal, rotate, ...
    #[arg(long)]
    pub(crate) op: Option<String>,
    /// At or after this time (RFC 3339).
    #[arg(long)]
    pub(crate) since: Option<String>,
    /// Before this time (RFC 3339).
    #[arg(long)]
    pub(crate) until: Option<String>,
}

/// `index`: the blind indexes of the keyring (FORMAT.md §16).
#[derive(Debug, Subcommand)]
pub(crate) enum IndexCommand {
    /// Define a blind index: version 1, its key derived from the active root version
    #[command(long_about = "\
Define a blind index: a lookup column of keyed, truncated HMACs of a normalized value, so that a
database finds rows by the value without decrypting them. Version 1 is current; its key is derived
from the active root version and keeps that root version for good, so a root rotation never
changes a term. The width and the normalizer never change afterwards.

Services that write or look up the index need its key: export their bundles with --index NAME.")]
    Add(IndexAddArgs),

    /// Rotate an index's key: a new current version; the old one is still queried
    #[command(long_about = "\
Rotate a blind index's key: a new version, derived from the active root version, writes new terms;
the previous version stays live, so lookups ask for the terms of both and every row is found.

Afterwards: re-export the bundles holding the index (export-bundle --index NAME --force),
recompute the stored terms with the current version (reseal --index), check that none is left
(index status), then finish the migration (index finish).")]
    Rotate(IndexNameArgs),

    /// Finish an index's migration: its older versions are retired (asks for --yes)
    #[command(long_about = "\
Finish a blind index's migration: every version but the current one is retired, its key gone, and
lookups ask for current terms only. Rows whose terms were not recomputed with the current version
are no longer found by a lookup (their sealed values are untouched): recompute them first.
Afterwards, re-export the bundles holding the index, and retire root versions that no index
version uses any more.")]
    Finish(IndexFinishArgs),

    /// Count a JSON Lines file's terms of an index by version: how many rows are left to migrate
    #[command(long_about = "\
Count the terms of an index in the given columns of a JSON Lines file by index version, reading
the terms alone (no key is used), and say how many rows are left on versions other than the
current one, or without a term: rows a lookup stops finding once the migration is finished.
Recompute them first (fieldseal reseal --index ...), then finish (index finish). A line longer than
16 MiB is refused.")]
    Status(IndexStatusArgs),
}

/// `index status`.
#[derive(Debug, Args)]
pub(crate) struct IndexStatusArgs {
    /// The index
    #[arg(value_name = "NAME")]
    pub(crate) name: String,

    /// A column holding the index's terms, as [PATH.]JSON_KEY; repeat for each
    ///
    /// A column of a nested record is named by its path from the top: contact.phone_lookup.
    #[arg(long = "column", value_name = "COLUMN", required = true)]
    pub(crate) columns: Vec<String>,

    /// The JSON Lines file to read [default: standard input, also `-`]
    #[arg(long, value_name = "PATH")]
    pub(crate) input: Option<PathBuf>,
}

/// `reseal --index`: a blind index column, the index whose terms it holds and the fields they are
/// computed from.
#[derive(Clone, Debug)]
pub(crate) struct IndexColumnArg {
    /// `[PATH.]COLUMN`.
    pub(crate) column: String,
    /// The index name.
    pub(crate) index: String,
    /// The fields read, in the index's order (JSON keys of the column's record).
    pub(crate) fields: Vec<String>,
}

/// `index add`.
#[derive(Debug, Args)]
pub(crate) struct IndexAddArgs {
    /// The index name: 1 to 64 of a-z, 0-9, '-' and ':'
    #[arg(value_name = "NAME")]
    pub(crate) name: String,

    /// Bytes of HMAC kept in each term, 2 to 32
    ///
    /// Narrower terms collide more often, which hides how often a value occurs; each collision is
    /// a row a lookup opens and compares.
    #[arg(long, value_name = "BYTES", default_value_t = fieldseal::index::DEFAULT_WIDTH)]
    pub(crate) width: u8,

    /// The normalizer values go through, recorded for every service (such as email or phone:GB)
    #[arg(long, value_name = "DESCRIPTION", default_value = "")]
    pub(crate) normalizer: String,
}

/// `index rotate`.
#[derive(Debug, Args)]
pub(crate) struct IndexNameArgs {
    /// The index
    #[arg(value_name = "NAME")]
    pub(crate) name: String,
}

/// `index finish`.
#[derive(Debug, Args)]
pub(crate) struct IndexFinishArgs {
    /// The index
    #[arg(value_name = "NAME")]
    pub(crate) name: String,

    /// Confirm that rows still holding terms of the old versions may stop being found
    ///
    /// Without it, fieldseal asks on the terminal, and refuses when there is none.
    #[arg(long)]
    pub(crate) yes: bool,
}

/// `init`.
#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// The suite new values are sealed with
    #[arg(long, value_enum, default_value_t = SuiteArg::Aes256Gcm)]
    pub(crate) suite: SuiteArg,

    /// Argon2id cost of the keyring passphrase.
    #[command(flatten)]
    pub(crate) kdf: KdfArgs,
}

/// The sealing suites, by their command-line names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum SuiteArg {
    /// AES-256-GCM: the fastest on hosts with AES instructions
    #[value(name = "aes-256-gcm")]
    Aes256Gcm,
    /// XChaCha20-Poly1305: constant-time on hosts without AES instructions
    #[value(name = "xchacha20-poly1305")]
    XChaCha20Poly1305,
}

impl SuiteArg {
    /// The library's suite.
    pub(crate) fn suite(self) -> Suite {
        match self {
            Self::Aes256Gcm => Suite::Aes256Gcm,
            Self::XChaCha20Poly1305 => Suite::XChaCha20Poly1305,
        }
    }
}

/// `retire`.
#[derive(Debug, Args)]
pub(crate) struct RetireArgs {
    /// The version to retire
    #[arg(value_name = "VERSION")]
    pub(crate) version: u32,

    /// Confirm that the version's key is to be destroyed
    ///
    /// Without it, fieldseal asks on the terminal, and refuses when there is none.
    #[arg(long)]
    pub(crate) yes: bool,

    /// A key vault of subject mode that uses this keyring [default: $FIELDSEAL_VAULT]
    ///
    /// Retiring is refused while any of its data keys is still wrapped under the version (run
    /// `fieldseal vault rewrap` first): those keys, and every value sealed under them, would be
    /// lost. Otherwise the version is recorded as retired in the vault, which then refuses a new
    /// key wrapped under it (from a service still on an old bundle). Repeat it for each vault.
    #[arg(long = "vault", value_name = "PATH")]
    pub(crate) vaults: Vec<PathBuf>,
}

/// `status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// Show this bundle file instead of the keyring
    ///
    /// It is unlocked with the bundle options, not the keyring's.
    #[arg(long, value_name = "PATH")]
    pub(crate) bundle: Option<PathBuf>,

    /// Print JSON instead of text
    #[arg(long)]
    pub(crate) json: bool,

    /// With --bundle: check that the bundle comes from the keyring of this id
    ///
    /// The id `fieldseal status` shows for the keyring (32 hex digits). A bundle of another
    /// keyring fails (exit status 1), naming both. Without it, the bundle's keyring is shown
    /// but not checked: --bundle unlocks the bundle only, never the keyring.
    #[arg(long, value_name = "ID", requires = "bundle", value_parser = parse_keyring_id)]
    pub(crate) expect_keyring: Option<KeyringId>,

    /// How to unlock the bundle (with --bundle).
    #[command(flatten)]
    pub(crate) bundle_secret: BundleSecretArgs,
}

/// `export-bundle`.
#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("contents")
        .args(["purposes", "indexes"])
        .required(true)
        .multiple(true)
))]
pub(crate) struct ExportBundleArgs {
    /// A purpose whose keys go into the bundle (repeat, or NAME,NAME)
    #[arg(
        long = "purpose",
        value_name = "NAME",
        value_delimiter = ',',
        value_parser = parse_purpose
    )]
    pub(crate) purposes: Vec<DynPurpose>,

    /// A blind index whose keys go into the bundle (repeat, or NAME,NAME)
    ///
    /// Its key computes lookup terms and opens nothing: a bundle may hold index keys alone.
    #[arg(
        long = "index",
        value_name = "NAME",
        value_delimiter = ',',
        value_parser = parse_index
    )]
    pub(crate) indexes: Vec<String>,

    /// The service the bundle is for, recorded in it
    #[arg(long, value_name = "NAME")]
    pub(crate) service: String,

    /// The bundle file to write
    #[arg(long, value_name = "PATH")]
    pub(crate) out: PathBuf,

    /// Replace an existing bundle file (as after a rotation)
    ///
    /// Only a bundle: never a file of another kind, and never a bundle that opens with the new
    /// bundle's secret and comes from another keyring.
    #[arg(long)]
    pub(crate) force: bool,

    /// How to protect the bundle.
    #[command(flatten)]
    pub(crate) bundle_secret: BundleSecretArgs,

    /// Argon2id cost of the bundle passphrase.
    #[command(flatten)]
    pub(crate) kdf: KdfArgs,
}

/// `inspect`.
#[derive(Debug, Args)]
pub(crate) struct InspectArgs {
    /// Sealed values (`fs1:...`) [default: one per line on standard input]
    #[arg(value_name = "VALUE")]
    pub(crate) values: Vec<String>,

    /// Print one JSON object per value instead of text
    #[arg(long)]
    pub(crate) json: bool,
}

/// `reseal`.
#[derive(Debug, Args)]
pub(crate) struct ResealArgs {
    /// The record name bound into each value's context
    ///
    /// The struct's name, or its #[seal(record = "...")].
    #[arg(long, value_name = "NAME")]
    pub(crate) record: String,

    /// The record's id field, as #[seal(id = ...)] names it
    ///
    /// Without it, values are bound to an empty id.
    #[arg(long, value_name = "FIELD")]
    pub(crate) id_field: Option<String>,

    /// How the id is read: the id field's Rust type, or auto
    ///
    /// One of u8, u16, u32, u64, u128, i8, i16, i32, i64, i128, string and uuid, as the id
    /// field's Rust type (every integer binds as 16 bytes; a value outside the type is refused);
    /// auto reads a JSON string as text and a JSON integer as an integer.
    #[arg(long, value_name = "TYPE", default_value = "auto", value_parser = parse_id_type)]
    pub(crate) id_type: IdType,

    /// A field whose context name is not its JSON key, as [PATH.]JSON_KEY=NAME
    ///
    /// As #[seal(rename = "NAME")] says; repeat for each such field. A field of a nested record
    /// is named by its path: billing.street=road.
    #[arg(long = "rename", value_name = "JSON_KEY=NAME", value_parser = parse_rename)]
    pub(crate) renames: Vec<(String, String)>,

    /// A sealed field, as [PATH.]JSON_KEY; repeat for each sealed field
    ///
    /// Once any is given, only the fields named are re-sealed (in the record at PATH, for a
    /// nested record's), and the others are copied as they are, even a plain string that starts
    /// with fs1:. Without any, every string starting with fs1: is taken for a sealed value.
    #[arg(long = "sealed", value_name = "FIELD")]
    pub(crate) sealed: Vec<String>,

    /// A nested record (#[seal(nested(..))]), as PATH=RECORD[:ID_FIELD[:ID_TYPE]]
    ///
    /// PATH is its JSON key, or for a record nested deeper, the keys from the top joined by dots
    /// (billing=Address, then billing.geo=Geo). RECORD is the nested struct's name (or its
    /// #[seal(record = "...")]). Without an ID_FIELD it is bound to the id of the record it is
    /// in, as the derive does. Repeat for each nested field. A sealed value that no option
    /// covers stops the run: skipped, it would be lost at `retire`.
    #[arg(long = "nested", value_name = "PATH=RECORD", value_parser = parse_nested)]
    pub(crate) nested: Vec<(String, RecordLayout)>,

    /// A blind index column, as [PATH.]COLUMN=INDEX@FIELD[,FIELD...]
    ///
    /// Its terms are brought to the index's current version (after `fieldseal index rotate`):
    /// a term of another version, or a missing one, is recomputed from the fields named (in the
    /// index's order, JSON keys of the column's record), opened with the keyring and normalized
    /// with the normalizer the keyring records for the index (for a compound index, one
    /// description per field, joined by commas). Repeat for each column, as #[seal(index(..))]
    /// declares them: email_lookup=email-lookup@email, name_postcode=name-postcode@last_name,postcode.
    /// A term whose fields do not open is kept, and counted.
    #[arg(long = "index", value_name = "COLUMN=INDEX@FIELDS", value_parser = parse_index_column)]
    pub(crate) indexes: Vec<IndexColumnArg>,

    /// The JSON Lines file to read [default: standard input, also `-`]
    #[arg(long, value_name = "PATH")]
    pub(crate) input: Option<PathBuf>,

    /// The file to write; it must not exist
    ///
    /// `<OUT>.partial` is written first, and renamed to `<OUT>` once complete.
    #[arg(long, value_name = "OUT")]
    pub(crate) out: PathBuf,

    /// Threads re-sealing in parallel [default: the number of CPUs]
    #[arg(long, value_name = "N")]
    pub(crate) threads: Option<NonZeroUsize>,
}

/// The environment variable naming the key vault file when `--vault` is not given.
pub(crate) const VAULT_ENV: &str = "FIELDSEAL_VAULT";

const VAULT_ABOUT: &str = "\
Administer the key vault of subject mode (FORMAT.md §15): one SQLite file holding each customer's
data keys, wrapped under the purpose keys, their consents, and the erasure and disclosure logs.
The file is named by --vault PATH or $FIELDSEAL_VAULT; the commands never create one (the services
do, when they first open it) and refuse a path where there is none.

Needing no keyring, nor any passphrase: status, consent grant|withdraw|list, forget, sweep and
log. Loading the keyring (rotate it first for rewrap): rewrap and disclose, which refuse a vault
of another keyring.

A subject is given as an integer (1001: bound as 16 bytes, the same subject whatever the id's
integer type), uuid:UUID, str:TEXT or hex:HEX, and printed back the same way. With --json, a
command prints one JSON document; times in it are seconds since the Unix epoch. No command prints
key bytes; the logs print subject ids, which are personal data.";

/// `vault`: the key vault of subject mode.
#[derive(Debug, Args)]
pub(crate) struct VaultArgs {
    /// The vault's SQLite file [default: $FIELDSEAL_VAULT]
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) vault: Option<PathBuf>,

    /// Print one JSON document instead of text
    #[arg(long, global = true)]
    pub(crate) json: bool,

    /// What to do.
    #[command(subcommand)]
    pub(crate) command: VaultCommand,
}

/// The vault commands.
#[derive(Debug, Subcommand)]
pub(crate) enum VaultCommand {
    /// Count subjects, keys, consents and disclosures; live keys per purpose and root version
    #[command(long_about = "\
Count what the vault holds: subjects, erased subjects, live and destroyed data keys, consents
standing, disclosures; and the live data keys of each purpose under each root key version (the
purpose key version that wraps them). A root version under which no key of the vault is wrapped
can be retired as far as the vault goes; with --with-keyring, the keyring's decrypt-only versions
that qualify are named (and the keyring's id checked against the vault's).")]
    Status(VaultStatusArgs),

    /// Record, withdraw or list a subject's consents
    #[command(subcommand)]
    Consent(ConsentCommand),

    /// Forget subjects (right to erasure): destroy every data key and consent (asks for --yes)
    #[command(long_about = "\
Forget subjects: destroy all their data keys and consent records, in one step each, and print
the receipt the erasure log keeps (who, when, the purposes whose keys were destroyed, the entries
removed). Every copy of their data, in any database, export or backup, stops opening, and
nothing can be sealed for them again. Services notice within their cache's time to live (60 s by
default). Cannot be undone: without --yes, fieldseal asks on the terminal, and refuses without
one.")]
    Forget(ForgetArgs),

    /// Destroy the data keys whose retention period has passed
    Sweep(SweepArgs),

    /// Rewrap every data key under the active root version, after `fieldseal rotate`
    #[command(long_about = "\
Rewrap the vault's data keys under the purpose keys of the keyring's active root version, after
`fieldseal rotate`, in batches, with a progress bar on a terminal. Field data is never rewritten:
every value keeps opening with the same data key. Keys already under the active version are
skipped, so an interrupted run is resumed by running it again (nothing is kept in a side file: the
walk starts over and passes the keys already done at the cost of a read each), and several runs
may share the work. Afterwards, the root versions that wrap none of the vault's keys are named:
retire them (fieldseal retire) once no direct-mode data is left under them either
(fieldseal scan).")]
    Rewrap(RewrapArgs),

    /// Hand records of consenting subjects to a third party, sealed for its purpose
    #[command(long_about = "\
Hand records to a partner: read subject-mode records (JSON Lines, as #[derive(Seal)] serializes
its sealed twins), keep those of the subjects named, and for each subject whose consent to the
partner's purpose (third-party:NAME) stands, open the fields named and seal them again in direct
mode for the partner's purpose, under the same context (record, field, id). The partner opens them
with a bundle holding that purpose (fieldseal export-bundle --purpose third-party:NAME). Each
output record holds the id field and the fields named, nothing else. The disclosure log records
the partner, the subjects with the consent each relied on, the fields, and how many subjects were
left out; the record is printed.

Each field is opened with the first of its purposes whose copy opens for the subject (a copy the
subject's choices withhold is passed over). A field none of whose copies opens, a subject named
that has no record in the input, or a record that does not fit the options stops the run: nothing
is written and nothing logged. The output is written to <OUT>.partial and renamed once the
disclosure is logged; an existing <OUT> is never overwritten.")]
    Disclose(DiscloseArgs),

    /// Print the erasure log or the disclosure log
    #[command(subcommand)]
    Log(LogCommand),
}

/// `vault status`.
#[derive(Debug, Args)]
pub(crate) struct VaultStatusArgs {
    /// Also load the keyring: name its decrypt-only versions that wrap none of the vault's keys
    #[arg(long)]
    pub(crate) with_keyring: bool,
}

/// `vault consent`.
#[derive(Debug, Subcommand)]
pub(crate) enum ConsentCommand {
    /// Record a subject's consent to a purpose (renewing one withdrawn)
    #[command(long_about = "\
Record a subject's consent to a purpose, with where it was given and a reference to the text
consented to. Sealing for that purpose gives the subject's data a copy from then on (services see
it within their cache's time to live). After a withdrawal, a new grant makes a new data key: what
was sealed before stays unreadable for the purpose. Refused for a forgotten subject.")]
    Grant(ConsentGrantArgs),

    /// Withdraw a subject's consent to a purpose, destroying their data key for it
    #[command(long_about = "\
Withdraw a subject's consent to a purpose and destroy their data key for it, in one step: every
copy of their data sealed for that purpose stops opening for it (services notice within their
cache's time to live), while their other purposes keep working. Prints what was destroyed.")]
    Withdraw(ConsentPurposeArgs),

    /// List a subject's consent records
    List(SubjectArgs),
}

/// `vault consent grant`.
#[derive(Debug, Args)]
pub(crate) struct ConsentGrantArgs {
    /// The subject.
    #[command(flatten)]
    pub(crate) target: ConsentPurposeArgs,

    /// Where the consent was given: a form, an app, a till
    #[arg(long, value_name = "TEXT")]
    pub(crate) source: String,

    /// A reference to the text consented to, such as a version of the privacy notice
    #[arg(long, value_name = "TEXT")]
    pub(crate) reference: Option<String>,
}

/// A subject and a purpose.
#[derive(Debug, Args)]
pub(crate) struct ConsentPurposeArgs {
    /// The subject: an integer, uuid:UUID, str:TEXT or hex:HEX
    #[arg(long, value_name = "ID", value_parser = parse_subject)]
    pub(crate) subject: SubjectId,

    /// The purpose
    #[arg(long, value_name = "NAME", value_parser = parse_purpose)]
    pub(crate) purpose: DynPurpose,
}

/// One subject.
#[derive(Debug, Args)]
pub(crate) struct SubjectArgs {
    /// The subject: an integer, uuid:UUID, str:TEXT or hex:HEX
    #[arg(long, value_name = "ID", value_parser = parse_subject)]
    pub(crate) subject: SubjectId,
}

/// `vault forget`.
#[derive(Debug, Args)]
pub(crate) struct ForgetArgs {
    /// A subject to forget (repeat for several): an integer, uuid:UUID, str:TEXT or hex:HEX
    #[arg(long = "subject", value_name = "ID", required = true, value_parser = parse_subject)]
    pub(crate) subjects: Vec<SubjectId>,

    /// Confirm that their data keys are to be destroyed
    ///
    /// Without it, fieldseal asks on the terminal, and refuses when there is none.
    #[arg(long)]
    pub(crate) yes: bool,
}

/// `vault sweep`.
#[derive(Debug, Args)]
pub(crate) struct SweepArgs {
    /// Sweep as of this time, RFC 3339 (2027-06-01T00:00:00Z) or seconds since the Unix epoch
    /// [default: now]
    ///
    /// For tests, and for catching up: keys whose retention ended by then are destroyed.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub(crate) now: Option<u64>,
}

/// `vault rewrap`.
#[derive(Debug, Args)]
pub(crate) struct RewrapArgs {
    /// Data keys read and rewrapped per batch
    #[arg(long, value_name = "N", default_value = "500")]
    pub(crate) batch: NonZeroUsize,
}

/// `vault disclose`.
#[derive(Debug, Args)]
pub(crate) struct DiscloseArgs {
    /// The partner's purpose: third-party:NAME (or NAME)
    #[arg(long, value_name = "PURPOSE", value_parser = parse_partner)]
    pub(crate) partner: DynPurpose,

    /// A subject whose records to hand over (repeat for several)
    #[arg(long = "subject", value_name = "ID", required = true, value_parser = parse_subject)]
    pub(crate) subjects: Vec<SubjectId>,

    /// The fields to hand over, as [PATH.]JSON_KEY (repeat, or a,b)
    ///
    /// Each must be a sealed value (or null) in every record; a field of a nested record is named
    /// by its path (address.postcode) and bound to the top-level record's id.
    #[arg(long, value_name = "FIELD", value_delimiter = ',', required = true)]
    pub(crate) fields: Vec<String>,

    /// The JSON Lines file of records to read
    #[arg(long, value_name = "PATH")]
    pub(crate) input: PathBuf,

    /// The file to write for the partner; it must not exist
    #[arg(long, value_name = "OUT")]
    pub(crate) output: PathBuf,

    /// The record name bound into each value's context
    ///
    /// The struct's name, or its #[seal(record = "...")].
    #[arg(long, value_name = "NAME")]
    pub(crate) record: String,

    /// The record's id field, as #[seal(id = ...)] names it [default: the subject field]
    #[arg(long, value_name = "FIELD")]
    pub(crate) id_field: Option<String>,

    /// How the id is read: the id field's Rust type (u8 .. i128, string, uuid), or auto
    #[arg(long, value_name = "TYPE", default_value = "auto", value_parser = parse_id_type)]
    pub(crate) id_type: IdType,

    /// The field holding the subject, as #[seal(subject = ...)] names it
    #[arg(long, value_name = "FIELD")]
    pub(crate) subject_field: String,

    /// How the subject is read: the subject field's Rust type (u8 .. i128, string, uuid), or auto
    #[arg(long, value_name = "TYPE", default_value = "auto", value_parser = parse_id_type)]
    pub(crate) subject_type: IdType,

    /// Bind no id: the record is #[seal(without_id)]
    #[arg(long, conflicts_with = "id_field")]
    pub(crate) without_id: bool,

    /// A field whose context name is not its JSON key, as [PATH.]JSON_KEY=NAME
    #[arg(long = "rename", value_name = "JSON_KEY=NAME", value_parser = parse_rename)]
    pub(crate) renames: Vec<(String, String)>,
}

/// `vault log`.
#[derive(Debug, Subcommand)]
pub(crate) enum LogCommand {
    /// The erasure log: each subject forgotten, when, and the purposes destroyed
    Erasures,

    /// The disclosure log: each hand-over to a third party
    Disclosures(LogDisclosuresArgs),
}

/// `vault log disclosures`.
#[derive(Debug, Args)]
pub(crate) struct LogDisclosuresArgs {
    /// Only the hand-overs to this partner: third-party:NAME (or NAME)
    #[arg(long, value_name = "PURPOSE", value_parser = parse_partner)]
    pub(crate) partner: Option<DynPurpose>,
}

fn parse_partner(name: &str) -> Result<DynPurpose, String> {
    let full = if fieldseal::purpose::is_third_party(name) {
        name.to_owned()
    } else {
        format!("{}{name}", fieldseal::purpose::THIRD_PARTY_PREFIX)
    };
    DynPurpose::new(&full).map_err(|e| e.to_string())
}

fn parse_time(text: &str) -> Result<u64, String> {
    /// 9999-12-31T23:59:59Z, the last time RFC 3339 writes: later ones overflow the clock.
    const LAST: u64 = 253_402_300_799;
    if let Ok(secs) = text.parse::<u64>() {
        return if secs <= LAST {
            Ok(secs)
        } else {
            Err(format!(
                "{secs} seconds is after 9999-12-31T23:59:59Z ({LAST}), the last time the vault \
                 records"
            ))
        };
    }
    humantime::parse_rfc3339(text)
        .map_err(|e| {
            format!(
                "{e}: give a time as RFC 3339 in UTC (2027-06-01T00:00:00Z) or as seconds since \
                 the Unix epoch"
            )
        })
        .and_then(|t| {
            t.duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .map_err(|_| "a time before 1970 is not a time the vault records".to_owned())
        })
}

fn parse_keyring_id(id: &str) -> Result<KeyringId, String> {
    id.parse()
        .map_err(|e: fieldseal::ParseKeyringIdError| e.to_string())
}

fn parse_purpose(name: &str) -> Result<DynPurpose, String> {
    DynPurpose::new(name).map_err(|e| e.to_string())
}

fn parse_index(name: &str) -> Result<String, String> {
    fieldseal::IndexSpec::new(name)
        .map(|_| name.to_owned())
        .map_err(|e| e.to_string())
}

fn parse_id_type(name: &str) -> Result<IdType, String> {
    IdType::parse(name).map_err(|e| e.to_string())
}

fn parse_rename(pair: &str) -> Result<(String, String), String> {
    match pair.split_once('=') {
        Some((key, name)) if !key.is_empty() && !name.is_empty() => {
            Ok((key.to_owned(), name.to_owned()))
        }
        _ => {
            Err("expected [PATH.]JSON_KEY=NAME, for example wants_newsletter=newsletter".to_owned())
        }
    }
}

fn parse_index_column(spec: &str) -> Result<IndexColumnArg, String> {
    let usage = "expected [PATH.]COLUMN=INDEX@FIELD[,FIELD...], for example \
                 email_lookup=email-lookup@email";
    let (column, rest) = spec.split_once('=').ok_or(usage)?;
    let (index, fields) = rest.split_once('@').ok_or(usage)?;
    let fields: Vec<String> = fields.split(',').map(str::to_owned).collect();
    if column.is_empty() || fields.iter().any(String::is_empty) {
        return Err(usage.to_owned());
    }
    parse_index(index)?;
    Ok(IndexColumnArg {
        column: column.to_owned(),
        index: index.to_owned(),
        fields,
    })
}

fn parse_nested(spec: &str) -> Result<(String, RecordLayout), String> {
    let usage = "expected PATH=RECORD[:ID_FIELD[:ID_TYPE]], for example billing=Billing or \
                 billing.geo=Geo";
    let (key, rest) = spec
        .split_once('=')
        .filter(|(k, r)| !k.is_empty() && !r.is_empty())
        .ok_or_else(|| usage.to_owned())?;
    let mut parts = rest.split(':');
    let record = parts.next().filter(|r| !r.is_empty()).ok_or(usage)?;
    let mut layout = RecordLayout::new(record);
    if let Some(field) = parts.next() {
        let id_type = match parts.next() {
            Some(name) => parse_id_type(name)?,
            None => IdType::default(),
        };
        layout = layout.id(field, id_type);
    }
    if parts.next().is_some() {
        return Err(usage.to_owned());
    }
    Ok((key.to_owned(), layout))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::Cli;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
