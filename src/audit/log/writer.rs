//! [`FileSink`]: the chained JSON Lines log (FORMAT.md §18), written by one thread.
//!
//! Callers serialize their event and copy it into a bounded batch (src/audit/log/queue.rs): no
//! disk wait and no allocation on the hot path. The writer thread takes the whole batch at once,
//! numbers and chains each line, writes it, and syncs the file at least every `sync_interval` or
//! `sync_lines` lines, on [`flush`](AuditSink::flush), on rotation and on close. What a crash can lose: the events enqueued or written but not yet synced, at most one
//! sync interval's worth ([`Durability::Sync`] makes each `record` wait for its sync instead).

use std::cell::RefCell;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{JoinHandle, Thread};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::audit::event::AuditEvent;
use crate::audit::key::AuditKey;
use crate::audit::log::checkpoint::Checkpoint;
use crate::audit::log::files::{self, Header, io};
use crate::audit::log::line;
use crate::audit::log::queue::{Batch, Queue, Refused};
use crate::audit::sink::AuditSink;
use crate::error::AuditError;

/// When the writer starts a new file (the chain goes on across files, FORMAT.md §18.4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rotation {
    /// One file per writer (a new one each time the log is opened).
    #[default]
    Never,
    /// When the file reaches this many bytes.
    Size(u64),
    /// At the first event of each new UTC day.
    Daily,
}

/// When `record` returns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Durability {
    /// Once the event is enqueued: a crash loses at most the events of the last sync interval.
    #[default]
    Buffered,
    /// Once the event is written and the file synced: nothing recorded is lost, at the cost of a
    /// sync per event (batched when many threads record at once).
    Sync,
}

/// How a [`FileSink`] writes.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct FileSinkOptions {
    /// Events the queue holds before callers wait (default 8192).
    pub queue: usize,
    /// How long a caller waits for room in a full queue before its event fails (default 500 ms).
    pub queue_wait: Duration,
    /// The longest time between syncs while lines are unsynced (default 100 ms).
    pub sync_interval: Duration,
    /// The most lines written between syncs (default 1000).
    pub sync_lines: u64,
    /// A checkpoint every this many events (default 1000), and on rotation and close.
    pub checkpoint_every: u64,
    /// When to start a new file.
    pub rotation: Rotation,
    /// When `record` returns.
    pub durability: Durability,
}

impl Default for FileSinkOptions {
    fn default() -> Self {
        Self {
            queue: 8192,
            queue_wait: Duration::from_millis(500),
            sync_interval: Duration::from_millis(100),
            sync_lines: 1000,
            checkpoint_every: 1000,
            rotation: Rotation::Never,
            durability: Durability::Buffered,
        }
    }
}

/// The tamper-evident audit log (FORMAT.md §18): JSON Lines files in a directory, each line an
/// event with its sequence number and a MAC chained over the line before, keyed by the
/// service's [`AuditKey`]; Ed25519-signed checkpoints every N events and on rotation and close.
///
/// Many threads may record at once; one `FileSink` writes a directory at a time (it holds the
/// directory's `.lock` while open, and a second `open` is refused with [`AuditError::InUse`]):
/// give each process, each replica of a service, a directory of its own. Fails closed by
/// default: once the writer failed (disk full, an I/O error) or the queue stayed full past
/// `queue_wait`, `record` fails, and so does the operation that wanted the event
/// ([`FailurePolicy`](crate::audit::FailurePolicy)). Lines written before a failure stay intact.
///
/// ```
/// use fieldseal::audit::{Auditor, FileSink, FileSinkOptions};
/// use fieldseal::{Context, KeySet, Keyring, Suite};
/// fieldseal::purpose!(Support = "support");
/// let dir = std::env::temp_dir().join(format!("fieldseal-doc-audit-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir);
/// let mut keyring = Keyring::generate(Suite::default())?;
/// keyring.rotate_audit_key()?;
/// let audit_key = keyring.audit_key("support-desk")?;
/// let sink = FileSink::open(&dir, &audit_key, FileSinkOptions::default())?;
/// let keys = KeySet::new()
///     .with(keyring.purpose_key::<Support>())
///     .with_auditor(Auditor::new(sink, "support-desk"))?;
/// let ctx = Context::new("customer", "phone").with_id_int(1001);
/// keys.seal::<Support, String>("+44 20 7946 0000", &ctx)?;
/// drop(keys); // closes the log: a last checkpoint, synced
/// let files = fieldseal::audit::log_files(&dir)?;
/// let report = fieldseal::audit::verify(&files, &audit_key, None)?;
/// assert!(report.is_intact() && report.events == 2);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), fieldseal::Error>(())
/// ```
pub struct FileSink {
    queue: Arc<Queue>,
    thread: Mutex<Option<JoinHandle<()>>>,
    /// The writer thread, to unpark when a caller waits for it.
    waker: Thread,
    options: FileSinkOptions,
    dir: PathBuf,
}

impl FileSink {
    /// Opens the log in `dir` (created if missing) and starts a new file in it, chained on from
    /// the last line of the files there (a torn last line, left by a process killed mid-append,
    /// is cut first: no MAC covered it).
    ///
    /// # Errors
    /// [`AuditError::InUse`] while another writer (in this process or another) has the
    /// directory open; [`AuditError::Io`]; [`AuditError::BadLog`] if the directory holds another
    /// service's log or a damaged one.
    pub fn open(
        dir: impl AsRef<Path>,
        key: &AuditKey,
        options: FileSinkOptions,
    ) -> Result<Self, AuditError> {
        let dir = dir.as_ref().to_owned();
        std::fs::create_dir_all(&dir).map_err(|e| io("create the directory", &dir, e))?;
        // One writer per directory, for as long as its thread runs: a second one would chain
        // from files the first is still writing, or take a file it just started for a crash's
        // leftover (FORMAT.md §18.4).
        let lock = files::lock(&dir)?;
        let (tail, cuts) = files::tail(&dir)?;
        let (log, file, seq, mac) = match tail {
            None => {
                files::apply(&cuts)?;
                let mut log = [0u8; 16];
                crate::rng::os_random(&mut log).map_err(|e| AuditError::Sink(e.to_string()))?;
                (log, 1, 1, [0u8; 32])
            }
            Some(tail) => {
                if tail.service != key.service() {
                    return Err(files::bad(
                        &dir,
                        &format!(
                            "it is the log of service `{}`, not `{}`",
                            tail.service,
                            key.service()
                        ),
                    ));
                }
                // Chained on only from a line this key wrote: the log of another keyring's
                // service of the same name (a directory shared by mistake) is refused, rather
                // than continued into a chain its own verifier reports as tampered.
                // A version older than the key's current one that it no longer holds was retired
                // since the line was written: it cannot be checked, and the log carries on in a
                // new file under the current version. A newer one is another keyring's.
                let written_by_this_key = match key.version(tail.key_version) {
                    Some(version) => bool::from(subtle::ConstantTimeEq::ct_eq(
                        &line::chain_mac(&version.chain, &tail.prev, &tail.last_prefix)[..],
                        &tail.mac[..],
                    )),
                    None => tail.key_version < key.current_version(),
                };
                if !written_by_this_key {
                    return Err(files::bad(
                        &dir,
                        "its last line was not written with this audit key: it is another \
                         keyring's log (or was changed); give this one a directory of its own, \
                         and verify that log with its own keyring",
                    ));
                }
                // A damaged or forged tail may claim the last numbers there are: refused, never
                // wrapped back to file 0 or sequence number 0, and never a file whose name has
                // more than 8 digits (listed by no reader).
                let (Some(file), Some(seq)) = (
                    tail.file.checked_add(1).filter(|&f| f <= files::LAST_FILE),
                    tail.seq.checked_add(1),
                ) else {
                    return Err(files::bad(
                        &dir,
                        "its last file claims the largest file or sequence number, so nothing \
                         can follow it",
                    ));
                };
                // Accepted: a torn last line is cut, an empty last file removed, only now.
                files::apply(&cuts)?;
                (tail.log, file, seq, tail.mac)
            }
        };
        let mut writer = Writer {
            _lock: lock,
            dir: dir.clone(),
            key: key.share(),
            log,
            file_no: file,
            seq,
            head: mac,
            out: None,
            bytes: 0,
            day: day(SystemTime::now()),
            since_checkpoint: 0,
            unsynced: 0,
            last_sync: Instant::now(),
            lines: 0,
            durable: 0,
            buf: Vec::with_capacity(512),
            options: options.clone(),
        };
        writer
            .start_file()
            .map_err(|e| io("start", &writer.path(), e))?;
        writer.sync().map_err(|e| io("sync", &writer.path(), e))?;
        let queue = Arc::new(Queue::new(options.queue));
        queue.wrote(writer.lines);
        let thread_queue = Arc::clone(&queue);
        let thread = std::thread::Builder::new()
            .name("fieldseal-audit".to_owned())
            .spawn(move || writer.run(&thread_queue))
            .map_err(|e| io("start the writer thread of", &dir, e))?;
        Ok(Self {
            queue,
            waker: thread.thread().clone(),
            thread: Mutex::new(Some(thread)),
            options,
            dir,
        })
    }

    /// The directory of the log.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Lines written so far by this sink (events and checkpoints).
    pub fn lines_written(&self) -> u64 {
        self.queue.written()
    }

    /// Writes a last checkpoint, syncs and stops the writer. Dropping the sink does the same.
    ///
    /// # Errors
    /// [`AuditError::WriterFailed`] if the writer had failed.
    pub fn close(self) -> Result<(), AuditError> {
        self.stop();
        match self.queue.failure() {
            Some(reason) => Err(AuditError::WriterFailed { reason }),
            None => Ok(()),
        }
    }

    fn stop(&self) {
        let handle = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(handle) = handle {
            self.queue.close();
            self.waker.unpark();
            let _ = handle.join();
        }
    }

    fn refused(&self, refused: Refused) -> AuditError {
        match refused {
            Refused::Failed(reason) => AuditError::WriterFailed { reason },
            Refused::Closed => AuditError::Closed,
            Refused::Full => AuditError::QueueFull {
                waited_ms: u64::try_from(self.options.queue_wait.as_millis()).unwrap_or(u64::MAX),
            },
        }
    }
}

thread_local! {
    /// Each caller thread serializes its events here before copying them into the queue.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl AuditSink for FileSink {
    fn record(&self, event: &AuditEvent<'_>) -> Result<(), AuditError> {
        if let Some(reason) = self.queue.failure() {
            return Err(AuditError::WriterFailed { reason });
        }
        let push = |body: &mut Vec<u8>| {
            body.clear();
            crate::audit::json::write_event(event, body);
            self.queue.push(body, self.options.queue_wait, &self.waker)
        };
        // A thread being torn down (an event from another thread-local's destructor) has no
        // scratch buffer left: a buffer of its own then.
        let ticket = SCRATCH
            .try_with(|scratch| push(&mut scratch.borrow_mut()))
            .unwrap_or_else(|_| push(&mut Vec::new()));
        let ticket = ticket.map_err(|r| self.refused(r))?;
        if self.options.durability == Durability::Sync {
            return self
                .queue
                .wait_durable(Some(ticket), &self.waker)
                .map_err(|r| self.refused(r));
        }
        Ok(())
    }

    fn flush(&self) -> Result<(), AuditError> {
        self.queue
            .wait_durable(None, &self.waker)
            .map_err(|r| self.refused(r))
    }
}

impl Drop for FileSink {
    fn drop(&mut self) {
        self.stop();
    }
}

impl std::fmt::Debug for FileSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileSink")
            .field("dir", &self.dir)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// The writer thread's state.
struct Writer {
    /// The directory's lock file, locked until the thread ends.
    _lock: File,
    dir: PathBuf,
    key: AuditKey,
    log: [u8; 16],
    file_no: u64,
    /// The next line's sequence number.
    seq: u64,
    /// The MAC of the last line written.
    head: [u8; 32],
    out: Option<BufWriter<File>>,
    bytes: u64,
    day: u64,
    since_checkpoint: u64,
    unsynced: u64,
    last_sync: Instant,
    /// Lines written by this writer.
    lines: u64,
    /// Every ticket up to this one is written and synced.
    durable: u64,
    /// The line being built, reused.
    buf: Vec<u8>,
    options: FileSinkOptions,
}

/// How long the writer parks when its queue is empty. Callers never wake it for an event (a
/// wake-up per event would cost the caller a system call): it looks again after this, or when a
/// caller that waits for it (flush, `Durability::Sync`, close, a full queue) unparks it. Under a
/// steady load it takes a poll's worth of events at a time.
const POLL: Duration = Duration::from_millis(1);

/// Tells the queue when the writer thread ends, however it ends, so that no caller waits on.
struct Stopped<'a>(&'a Queue);

impl Drop for Stopped<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // No last checkpoint was written: `close` must not report success.
            self.0.fail("the writer thread panicked".to_owned());
        }
        self.0.stopped();
    }
}

fn day(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400)
}

fn now_text() -> String {
    humantime::format_rfc3339_micros(SystemTime::now()).to_string()
}

impl Writer {
    fn path(&self) -> PathBuf {
        files::file_path(&self.dir, self.file_no)
    }

    fn run(mut self, queue: &Queue) {
        let _stopped = Stopped(queue);
        let mut batch = Batch::default();
        // Events taken so far: the ticket of the last one.
        let mut taken_through = 0u64;
        loop {
            let taken = queue.take(&mut batch);
            taken_through += batch.len() as u64;
            let result = self.write_batch(&batch, taken.wanted, taken_through, queue);
            let result = result.and_then(|()| {
                if taken.closing {
                    self.checkpoint()?;
                    self.sync()?;
                    self.publish(queue, taken_through);
                }
                Ok(())
            });
            if let Err(e) = result {
                queue.fail(format!("{}: {e}", self.path().display()));
                // What was buffered may be partly written; nothing more is (no flush on the way
                // out). Callers are refused from now on; the thread ends, and the guard above
                // releases whoever waits.
                if let Some(out) = self.out.take() {
                    let _ = out.into_parts();
                }
                return;
            }
            if taken.closing {
                return;
            }
            if batch.len() < self.options.queue.max(1).div_ceil(4) {
                std::thread::park_timeout(POLL);
            }
        }
    }

    /// Writes the events of `batch` (tickets up to `through`), syncing every `sync_lines` lines,
    /// and once more at the end if the interval passed or a caller waits for a ticket.
    fn write_batch(
        &mut self,
        batch: &Batch,
        wanted: u64,
        through: u64,
        queue: &Queue,
    ) -> std::io::Result<()> {
        let first = through - batch.len() as u64;
        for (i, event) in batch.events().enumerate() {
            self.event(event)?;
            if self.unsynced >= self.options.sync_lines {
                self.sync()?;
                self.publish(queue, first + i as u64 + 1);
            }
        }
        let due = self.unsynced > 0 && self.last_sync.elapsed() >= self.options.sync_interval;
        if due || wanted > self.durable {
            self.sync()?;
            self.publish(queue, through);
        } else {
            queue.wrote(self.lines);
        }
        Ok(())
    }

    /// Tells the queue that every ticket up to `ticket` is durable.
    fn publish(&mut self, queue: &Queue, ticket: u64) {
        self.durable = ticket;
        queue.made_durable(ticket, self.lines);
    }

    /// Writes one line whose members after `seq` are `members`.
    fn line(&mut self, members: impl FnOnce(&mut Vec<u8>)) -> std::io::Result<()> {
        let out = &mut self.buf;
        out.clear();
        line::start(self.seq, out);
        members(out);
        let version = self.key.current();
        let mac = line::chain_mac(&version.chain, &self.head, out);
        line::finish(out, &mac);
        let file = self
            .out
            .as_mut()
            .ok_or_else(|| std::io::Error::other("the log file is closed after an error"))?;
        // Checked before writing: the line after this one needs a number too.
        let next = self.seq.checked_add(1).ok_or_else(exhausted)?;
        file.write_all(out)?;
        self.head = mac;
        self.seq = next;
        self.bytes += out.len() as u64;
        self.unsynced += 1;
        self.lines += 1;
        Ok(())
    }

    fn event(&mut self, body: &[u8]) -> std::io::Result<()> {
        let rotate = match self.options.rotation {
            Rotation::Never => false,
            Rotation::Size(max) => self.bytes + body.len() as u64 + 100 > max,
            Rotation::Daily => day(SystemTime::now()) != self.day,
        };
        if rotate {
            self.rotate()?;
        }
        self.line(|out| out.extend_from_slice(body))?;
        self.since_checkpoint += 1;
        if self.since_checkpoint >= self.options.checkpoint_every {
            self.checkpoint()?;
        }
        Ok(())
    }

    fn checkpoint(&mut self) -> std::io::Result<()> {
        let cp = Checkpoint::sign(
            self.key.current(),
            self.log,
            self.seq,
            now_text(),
            self.head,
        );
        self.line(|out| cp.write_members(out))?;
        self.since_checkpoint = 0;
        Ok(())
    }

    fn rotate(&mut self) -> std::io::Result<()> {
        self.checkpoint()?;
        self.sync()?;
        self.file_no = self
            .file_no
            .checked_add(1)
            .filter(|&f| f <= files::LAST_FILE)
            .ok_or_else(exhausted)?;
        self.start_file()
    }

    fn start_file(&mut self) -> std::io::Result<()> {
        let path = self.path();
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        // Owner only, as key files: events name records and subjects (unless pseudonymised).
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path)?;
        self.out = Some(BufWriter::with_capacity(64 * 1024, file));
        self.bytes = 0;
        self.day = day(SystemTime::now());
        let header = Header {
            log: self.log,
            service: self.key.service().to_owned(),
            file: self.file_no,
            key_version: self.key.current_version(),
            prev: self.head,
        };
        let time = now_text();
        self.line(|out| header.write_members(&time, out))?;
        // The new file's name must survive a crash too.
        File::open(&self.dir).and_then(|d| d.sync_all())
    }

    fn sync(&mut self) -> std::io::Result<()> {
        if let Some(out) = self.out.as_mut() {
            out.flush()?;
            out.get_ref().sync_data()?;
        }
        self.unsynced = 0;
        self.last_sync = Instant::now();
        Ok(())
    }
}

/// The writer's failure once the log has used the last sequence or file number (2^64 - 1): it
/// fails closed rather than wrap.
fn exhausted() -> std::io::Error {
    std::io::Error::other(
        "the audit log has used its last sequence or file number; start a new log in another \
         directory",
    )
}
