//! Re-sealing a JSON Lines file into a new file: resumable, and never through a link.
//!
//! A run writes `<out>.partial` and, from its start and after every batch, a checkpoint
//! `<out>.partial.progress` (src/bulk/checkpoint.rs): the input lines done and their SHA-256, and
//! the bytes of output they make up and their SHA-256. A rerun checks the partial output and the
//! input against the checkpoint, cuts the partial output back to it (an unfinished batch goes)
//! and goes on from there. A checkpoint that does not match its partial output is refused.
//!
//! Side files are opened without following symbolic links (`O_NOFOLLOW`, and `O_EXCL` for new
//! ones), and refused if they are links or not regular files. A checkpoint is written to
//! `<out>.partial.progress.tmp`, synced, renamed into place, and its directory synced.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Read as _, Write as _};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::bulk::checkpoint::{self, Checkpoint};
use crate::bulk::jsonl::{Run, Summary};
use crate::bulk::layout::{RecordLayout, Reseal};
use crate::error::{Error, Result};

/// [`reseal_jsonl`](crate::bulk::reseal_jsonl) from a file (or standard input, for `None`) to a
/// new file, resumable.
///
/// Writes to `<output>.partial` and, once every record is written and synced, moves it to
/// `output` (never replacing an existing file). From its start and after each batch it records
/// in `<output>.partial.progress` how many input lines are done and the length of output they
/// make up, each with its SHA-256. If those files exist, an earlier run was interrupted (or
/// stopped at a bad record): the partial output is checked against the checkpoint and cut back
/// to it, the input must start with the same lines (checked), and the run goes on after them.
/// [`interrupted_run`] says beforehand what a run will find.
///
/// None of these files is opened through a symbolic link: a link at any of their paths (or
/// anything other than a regular file) is refused.
///
/// # Errors
/// As [`reseal_jsonl`](crate::bulk::reseal_jsonl); [`Error::Io`] if `output` exists, if a side
/// file is a link, if the partial output does not match its checkpoint or has none, if the input
/// is not the interrupted run's, and if reading, writing or syncing fails (the message then says
/// that the same command, run again, resumes from the last checkpoint).
pub fn reseal_jsonl_file(
    keys: &dyn Reseal,
    layout: &RecordLayout,
    input: Option<&Path>,
    output: &Path,
    threads: usize,
    progress: &mut dyn FnMut(&Summary),
) -> Result<Summary> {
    let side = SideFiles::new(output);
    // Links refused before anything is created beside the output, and again under the lock.
    side.check()?;
    // One run per output, from reading its checkpoint to publishing: a second run would take the
    // first's partial output for an interrupted run, publish it, and the first go on appending.
    let _running = side.lock()?;
    side.check()?;
    let stdin = io::stdin();
    let mut reader: Box<dyn BufRead> = match input {
        Some(path) => Box::new(BufReader::new(
            File::open(path).map_err(|e| io_error(&format!("open {}", path.display()), e))?,
        )),
        None => Box::new(stdin.lock()),
    };
    let work = work_sha256(keys, layout);
    let (file, at, written) = side.open_partial(work)?;
    let name = side.partial.display().to_string();
    let mut run = Run::new(&mut *reader, &name, Some(written));
    run.bind(work);
    run.skip(at.input_lines)
        .map_err(|e| side.not_the_input(e))?;
    if run.input_hash() != at.input_sha256 {
        return Err(side.not_the_input(Error::BadRecord {
            reason: format!(
                "the input's first {} lines differ from those the interrupted run re-sealed",
                at.input_lines
            ),
        }));
    }
    let syncer = file
        .try_clone()
        .map_err(|e| io_error(&format!("open {name}"), e))?;
    let mut writer = BufWriter::with_capacity(1 << 16, file);
    let result = run.reseal(
        keys,
        layout,
        &mut writer,
        threads,
        progress,
        &mut |position| {
            // The batch is on disk before the checkpoint says so.
            syncer
                .sync_data()
                .map_err(|e| io_error(&format!("fsync {name}"), e))?;
            side.write_checkpoint(position)
        },
    );
    let so_far = run.summary();
    // The run is recorded once its output is published (or failed to be): its work is done only
    // then.
    let published = (|| {
        let summary = result.map_err(with_recovery)?;
        let file = writer
            .into_inner()
            .map_err(|e| with_recovery(io_error(&format!("write {name}"), e.into_error())))?;
        file.sync_all()
            .map_err(|e| with_recovery(io_error(&format!("fsync {name}"), e)))?;
        side.publish(&file)?;
        Ok(summary)
    })();
    crate::bulk::audit::record_run(keys, layout, &so_far, published)
}

/// What a run re-seals with, as its checkpoints record it: the keys' active versions
/// ([`Reseal::binding`]), the layout, and the current version of each index whose columns the
/// layout recomputes (an index rotated since would mix term versions in one output).
fn work_sha256(keys: &dyn Reseal, layout: &RecordLayout) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(keys.binding().as_bytes());
    hash.update([0]);
    hash.update(format!("{layout:?}").as_bytes());
    for name in layout.index_names() {
        // An index the keys lack stops the run at its first column; recorded as such.
        let current = keys.index_key(name).ok().map(|key| key.current_version());
        hash.update([0]);
        hash.update(format!("index {name} {current:?}").as_bytes());
    }
    hash.finalize().into()
}

/// What an interrupted run left for an output ([`interrupted_run`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Interrupted {
    /// Input lines done: a rerun goes on after them (0: it starts over).
    pub lines: u64,
    /// Bytes of partial output they make up.
    pub bytes: u64,
}

/// What [`reseal_jsonl_file`] will find for `output`, checked as it checks it, changing nothing:
/// `None` for a fresh start, else the interrupted run it will resume (after its checkpoint's
/// lines, which may be 0: nothing done, it starts over).
///
/// # Errors
/// As [`reseal_jsonl_file`] refuses to start: `output` exists, a side file is a link, the
/// partial output does not match its checkpoint or has none. Each error says what to remove.
pub fn interrupted_run(output: &Path) -> Result<Option<Interrupted>> {
    let side = SideFiles::new(output);
    side.check()?;
    let Some(at) = side.read_checkpoint()? else {
        return match fs::symlink_metadata(&side.partial) {
            Ok(meta) if meta.len() > 0 => Err(side.without_checkpoint()),
            _ => Ok(None),
        };
    };
    let file = side.open_existing_partial(OpenOptions::new().read(true))?;
    side.check_prefix(&file, &at)?;
    Ok(Some(Interrupted {
        lines: at.input_lines,
        bytes: at.output_bytes,
    }))
}

/// `<output>.partial`.
pub fn partial_path(output: &Path) -> PathBuf {
    with_suffix(output, ".partial")
}

/// `<output>.partial.progress`.
pub fn checkpoint_path(output: &Path) -> PathBuf {
    with_suffix(output, ".partial.progress")
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The output and the files a run keeps beside it.
struct SideFiles {
    output: PathBuf,
    partial: PathBuf,
    checkpoint: PathBuf,
    tmp: PathBuf,
}

impl SideFiles {
    /// The run's hold on the output: an exclusive lock on `<partial>.lock`, released when the
    /// run ends (or its process dies).
    /// The run's lock: `<output>.partial.lock`, held until the returned file is dropped. Named
    /// from the output as given, never through a link (one planted at the partial output would
    /// otherwise have the lock created beside the link's target), and opened without following
    /// one.
    fn lock(&self) -> Result<File> {
        let path = with_suffix(&self.partial, ".lock");
        let file = crate::keyfile::lock::open_lock_file(&path)
            .map_err(|e| io_error(&format!("open the lock file {}", path.display()), e))?;
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => Ok(file),
            Err(fs4::TryLockError::WouldBlock) => Err(io_error(
                &format!(
                    "start a re-seal into {}: another run is writing it",
                    self.output.display()
                ),
                io::Error::new(
                    io::ErrorKind::WouldBlock,
                    "wait for it to finish (or choose another output); two runs on one output \
                     would publish each other's partial work",
                ),
            )),
            Err(fs4::TryLockError::Error(e)) => {
                Err(io_error(&format!("lock {}", path.display()), e))
            }
        }
    }

    fn new(output: &Path) -> Self {
        let checkpoint = checkpoint_path(output);
        Self {
            output: output.to_owned(),
            partial: partial_path(output),
            tmp: with_suffix(&checkpoint, ".tmp"),
            checkpoint,
        }
    }

    /// Fails if the output exists, or if a side file is a link or not a regular file.
    fn check(&self) -> Result<()> {
        if fs::symlink_metadata(&self.output).is_ok() {
            return Err(exists(&self.output));
        }
        for path in [&self.partial, &self.checkpoint, &self.tmp] {
            match fs::symlink_metadata(path) {
                Ok(meta) if meta.file_type().is_symlink() => return Err(link(path)),
                Ok(meta) if !meta.is_file() => {
                    return Err(io_error(
                        &format!("use {}", path.display()),
                        io::Error::new(io::ErrorKind::InvalidInput, NOT_A_FILE),
                    ));
                }
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_error(&format!("read {}", path.display()), e)),
            }
        }
        Ok(())
    }

    /// The interrupted run's checkpoint, `None` if there is none.
    fn read_checkpoint(&self) -> Result<Option<Checkpoint>> {
        let file = match open_no_follow(&self.checkpoint, OpenOptions::new().read(true)) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error(&format!("read {}", self.checkpoint.display()), e)),
        };
        let mut text = String::new();
        let read = file.take(checkpoint::MAX_LEN + 1).read_to_string(&mut text);
        match read.ok().and_then(|_| Checkpoint::parse(&text)) {
            Some(at) => Ok(Some(at)),
            None => Err(self.refuse(format!(
                "{} is not a checkpoint of this version of fieldseal reseal: remove it and {} to \
                 start over",
                self.checkpoint.display(),
                self.partial.display()
            ))),
        }
    }

    /// Opens the partial output (appending), checked against the checkpoint and cut back to it,
    /// or a new one with a checkpoint of nothing done. Returns the file, the checkpoint, and the
    /// length and running hash of the output kept.
    fn open_partial(&self, work: [u8; 32]) -> Result<(File, Checkpoint, (u64, Sha256))> {
        let append = || {
            let mut options = OpenOptions::new();
            options.read(true).append(true);
            options
        };
        if let Some(at) = self.read_checkpoint()? {
            if at.work_sha256 != work && at.input_lines > 0 {
                return Err(self.refuse(format!(
                    "the interrupted run re-sealed with other keys or another layout (a rotation \
                     of the keyring or of an index since, another --keyring, other --sealed, \
                     --nested or --index): resumed, {} would mix them; remove {} and {} to start \
                     over",
                    self.output.display(),
                    self.partial.display(),
                    self.checkpoint.display()
                )));
            }
            let file = self.open_existing_partial(&append())?;
            let hash = self.check_prefix(&file, &at)?;
            // Drops what an unfinished batch wrote after the checkpoint.
            file.set_len(at.output_bytes)
                .map_err(|e| io_error(&format!("cut {}", self.partial.display()), e))?;
            let written = (at.output_bytes, hash);
            return Ok((file, at, written));
        }
        let mut create = append();
        create.create_new(true);
        // Owner only, as key files: the records' plain fields are customer data whatever the
        // input file's mode, and the output is this file, renamed.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut create, 0o600);
        let file = match open_no_follow(&self.partial, &create) {
            Ok(file) => file,
            // An empty one: a run stopped before its first checkpoint, nothing lost.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let file = self.open_existing_partial(&append())?;
                if file.metadata().map_or(true, |m| m.len() > 0) {
                    return Err(self.without_checkpoint());
                }
                file
            }
            Err(e) => return Err(io_error(&format!("create {}", self.partial.display()), e)),
        };
        // From here on, any failure leaves a checkpoint that matches the partial output.
        self.write_checkpoint(&Checkpoint::start(work))?;
        Ok((file, Checkpoint::start(work), (0, Sha256::new())))
    }

    /// Opens the existing partial output, a regular file with no other link to it.
    fn open_existing_partial(&self, options: &OpenOptions) -> Result<File> {
        let name = self.partial.display();
        let file = open_no_follow(&self.partial, options).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                self.refuse(format!(
                    "{} exists but {name} does not: remove {} to start over",
                    self.checkpoint.display(),
                    self.checkpoint.display()
                ))
            } else {
                io_error(&format!("open {name}"), e)
            }
        })?;
        let meta = file
            .metadata()
            .map_err(|e| io_error(&format!("read {name}"), e))?;
        #[cfg(unix)]
        let other_links = std::os::unix::fs::MetadataExt::nlink(&meta) > 1;
        #[cfg(not(unix))]
        let other_links = false;
        if !meta.is_file() || other_links {
            return Err(self.refuse(format!(
                "it is not a file reseal wrote (not a regular file, or it has other hard links): \
                 remove it and {} to start over",
                self.checkpoint.display()
            )));
        }
        Ok(file)
    }

    /// Checks that `file` starts with the bytes `at` records; returns their running hash.
    fn check_prefix(&self, file: &File, at: &Checkpoint) -> Result<Sha256> {
        let name = self.partial.display();
        let mut hash = Sha256::new();
        let mut reader = file.take(at.output_bytes);
        let mut buf = vec![0u8; 1 << 16];
        let mut read = 0u64;
        loop {
            let n = reader
                .read(&mut buf)
                .map_err(|e| io_error(&format!("read {name}"), e))?;
            if n == 0 {
                break;
            }
            hash.update(&buf[..n]);
            read += n as u64;
        }
        if read != at.output_bytes || <[u8; 32]>::from(hash.clone().finalize()) != at.output_sha256
        {
            return Err(self.refuse(format!(
                "it does not match its checkpoint {} (which records the length and SHA-256 of \
                 its first {} bytes): they are not from the same run, or one was changed; remove \
                 both files to start over",
                self.checkpoint.display(),
                at.output_bytes
            )));
        }
        Ok(hash)
    }

    /// Writes `at` as the checkpoint: to the `.tmp` file (never through a link), synced, renamed
    /// into place, the directory synced.
    fn write_checkpoint(&self, at: &Checkpoint) -> Result<()> {
        let action = format!("write {}", self.checkpoint.display());
        let mut tmp = self.create_tmp().map_err(|e| io_error(&action, e))?;
        tmp.write_all(at.to_text().as_bytes())
            .and_then(|()| tmp.sync_all())
            .and_then(|()| fs::rename(&self.tmp, &self.checkpoint))
            .and_then(|()| sync_dir(&self.checkpoint))
            .map_err(|e| io_error(&action, e))
    }

    /// Creates the `.tmp` file anew. A regular one left by a crash is removed first; anything
    /// else is refused.
    fn create_tmp(&self) -> io::Result<File> {
        let create = || open_no_follow(&self.tmp, OpenOptions::new().write(true).create_new(true));
        match create() {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let meta = fs::symlink_metadata(&self.tmp)?;
                if meta.file_type().is_symlink() {
                    return Err(io::Error::new(io::ErrorKind::InvalidInput, LINK));
                }
                if !meta.is_file() {
                    return Err(io::Error::new(io::ErrorKind::InvalidInput, NOT_A_FILE));
                }
                fs::remove_file(&self.tmp)?;
                create()
            }
            other => other,
        }
    }

    /// Moves the finished output into place without ever replacing an existing file, then syncs
    /// the directory so that the move survives a crash.
    fn publish(&self, file: &File) -> Result<()> {
        let (partial, output) = (&self.partial, &self.output);
        // The partial output must still be the file written.
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            let ours = file.metadata().ok().map(|m| (m.dev(), m.ino()));
            let there = fs::symlink_metadata(partial)
                .ok()
                .map(|m| (m.dev(), m.ino()));
            if ours.is_none() || ours != there {
                return Err(io_error(
                    &format!("move {} into place", partial.display()),
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "it was replaced while the run wrote it: remove it and {} to start \
                             over",
                            self.checkpoint.display()
                        ),
                    ),
                ));
            }
        }
        #[cfg(not(unix))]
        let _ = file;
        match fs::hard_link(partial, output) {
            Ok(()) => {
                fs::remove_file(partial)
                    .map_err(|e| io_error(&format!("remove {}", partial.display()), e))?;
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(exists(output)),
            // A file system without hard links: check, then rename.
            Err(_) => {
                if fs::symlink_metadata(output).is_ok() {
                    return Err(exists(output));
                }
                fs::rename(partial, output).map_err(|e| {
                    io_error(&format!("rename {} into place", partial.display()), e)
                })?;
            }
        }
        let _ = fs::remove_file(&self.checkpoint); // the output is complete without it
        sync_dir(output)
            .map_err(|e| io_error(&format!("fsync the directory of {}", output.display()), e))
    }

    /// An error saying that resuming from the partial output is refused, and why.
    fn refuse(&self, why: String) -> Error {
        io_error(
            &format!("resume from {}", self.partial.display()),
            io::Error::new(io::ErrorKind::InvalidData, why),
        )
    }

    fn without_checkpoint(&self) -> Error {
        self.refuse(format!(
            "it exists without its checkpoint {}, so which of its lines are complete is not \
             known: remove it to start over",
            self.checkpoint.display()
        ))
    }

    /// `error`, about the input not being the interrupted run's, with what to do.
    fn not_the_input(&self, error: Error) -> Error {
        let why = match error {
            Error::BadRecord { reason } => reason,
            other => return other,
        };
        self.refuse(format!(
            "{why}: give it the same input, or remove {} and {} to start over",
            self.partial.display(),
            self.checkpoint.display()
        ))
    }
}

/// `error`, from a run that stopped after its checkpoint, with how to resume it.
fn with_recovery(error: Error) -> Error {
    match error {
        Error::Io { action, source } => Error::Io {
            action: format!(
                "{action} (the work up to the last checkpoint is kept: make room or fix the \
                 cause, then run the same command again to resume)"
            ),
            source,
        },
        other => other,
    }
}

/// Why something other than a regular file is refused.
const NOT_A_FILE: &str = "it is not a regular file: remove it, or choose another output";

/// Why a symbolic link is refused.
const LINK: &str = "it is a symbolic link, and reseal never reads or writes its files through \
                    one: remove the link, or choose another output";

fn link(path: &Path) -> Error {
    io_error(
        &format!("use {}", path.display()),
        io::Error::new(io::ErrorKind::InvalidInput, LINK),
    )
}

/// Opens `path` with `options`, failing rather than following a symbolic link at it.
fn open_no_follow(path: &Path, options: &OpenOptions) -> io::Result<File> {
    let mut options = options.clone();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
    options.open(path).map_err(|e| {
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return io::Error::new(io::ErrorKind::InvalidInput, LINK);
        }
        e
    })
}

/// Syncs the directory holding `path`, so that a rename or link in it survives a crash.
fn sync_dir(path: &Path) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn exists(output: &Path) -> Error {
    io_error(
        &format!("write {}", output.display()),
        io::Error::new(
            io::ErrorKind::AlreadyExists,
            "it exists already; remove it or choose another output",
        ),
    )
}

fn io_error(action: &str, source: io::Error) -> Error {
    Error::Io {
        action: action.to_owned(),
        source,
    }
}
