//! [`FileSink`]: the chained JSON Lines log (FORMAT.md §18), written by one thread.
//!
//! Callers serialize their event and hand it to a bounded queue: no disk wait on the hot path.
//! The writer thread numbers and chains each line, writes it, and syncs the file at least every
//! `sync_interval` or `sync_lines` lines, on [`flush`](AuditSink::flush), on rotation and on
//! close. What a crash can lose: the events enqueued or written but not yet synced, at most one
//! sync interval's worth ([`Durability::Sync`] makes each `record` wait for its sync instead).

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{JoinHandle, Thread};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::audit::event::AuditEvent;
use crate::audit::key::AuditKey;
use crate::audit::log::checkpoint::Checkpoint;
use crate::audit::log::files::{self, Header, io};
use crate::audit::log::line;
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

enum Msg {
    Event(Vec<u8>, Option<SyncSender<Result<(), String>>>),
    Flush(SyncSender<Result<(), String>>),
    Close,
}

struct Shared {
    failed: AtomicBool,
    reason: Mutex<Option<String>>,
    written: AtomicU64,
}

impl Shared {
    fn fail(&self, reason: String) {
        let mut r = self.reason.lock().unwrap_or_else(PoisonError::into_inner);
        if r.is_none() {
            *r = Some(reason);
        }
        self.failed.store(true, Ordering::Release);
    }

    fn error(&self) -> AuditError {
        AuditError::WriterFailed {
            reason: self
                .reason
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone()
                .unwrap_or_else(|| "unknown".to_owned()),
        }
    }
}

/// The tamper-evident audit log (FORMAT.md §18): JSON Lines files in a directory, each line an
/// event with its sequence number and a MAC chained over the line before, keyed by the
/// service's [`AuditKey`]; Ed25519-signed checkpoints every N events and on rotation and close.
///
/// Many threads may record at once. Fails closed by default: once the writer failed (disk full,
/// an I/O error) or the queue stayed full past `queue_wait`, `record` fails, and so does the
/// operation that wanted the event ([`FailurePolicy`](crate::audit::FailurePolicy)). Lines
/// written before a failure stay intact.
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
    tx: SyncSender<Msg>,
    shared: Arc<Shared>,
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
    /// [`AuditError::Io`]; [`AuditError::BadLog`] if the directory holds another service's log
    /// or a damaged one.
    pub fn open(
        dir: impl AsRef<Path>,
        key: &AuditKey,
        options: FileSinkOptions,
    ) -> Result<Self, AuditError> {
        let dir = dir.as_ref().to_owned();
        std::fs::create_dir_all(&dir).map_err(|e| io("create the directory", &dir, e))?;
        let (log, file, seq, mac) = match files::tail(&dir)? {
            None => {
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
                (tail.log, tail.file + 1, tail.seq + 1, tail.mac)
            }
        };
        let mut writer = Writer {
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
            options: options.clone(),
        };
        writer
            .start_file()
            .map_err(|e| io("start", &writer.path(), e))?;
        writer.sync().map_err(|e| io("sync", &writer.path(), e))?;
        let (tx, rx) = mpsc::sync_channel(options.queue.max(1));
        let shared = Arc::new(Shared {
            failed: AtomicBool::new(false),
            reason: Mutex::new(None),
            written: AtomicU64::new(0),
        });
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("fieldseal-audit".to_owned())
            .spawn(move || writer.run(&rx, &thread_shared))
            .map_err(|e| io("start the writer thread of", &dir, e))?;
        Ok(Self {
            tx,
            shared,
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
        self.shared.written.load(Ordering::Relaxed)
    }

    /// Writes a last checkpoint, syncs and stops the writer. Dropping the sink does the same.
    ///
    /// # Errors
    /// [`AuditError::WriterFailed`] if the writer had failed.
    pub fn close(self) -> Result<(), AuditError> {
        self.stop();
        if self.shared.failed.load(Ordering::Acquire) {
            return Err(self.shared.error());
        }
        Ok(())
    }

    fn stop(&self) {
        let handle = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(handle) = handle {
            let _ = self.tx.send(Msg::Close);
            self.waker.unpark();
            let _ = handle.join();
        }
    }

    fn enqueue(&self, msg: Msg) -> Result<(), AuditError> {
        let mut msg = msg;
        let deadline = Instant::now() + self.options.queue_wait;
        loop {
            match self.tx.try_send(msg) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Disconnected(_)) => {
                    return Err(if self.shared.failed.load(Ordering::Acquire) {
                        self.shared.error()
                    } else {
                        AuditError::Closed
                    });
                }
                Err(TrySendError::Full(back)) => {
                    if self.shared.failed.load(Ordering::Acquire) {
                        return Err(self.shared.error());
                    }
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(AuditError::QueueFull {
                            waited_ms: u64::try_from(self.options.queue_wait.as_millis())
                                .unwrap_or(u64::MAX),
                        });
                    }
                    msg = back;
                    self.waker.unpark();
                    std::thread::sleep(Duration::from_micros(200).min(deadline - now));
                }
            }
        }
    }

    fn wait(&self, rx: &Receiver<Result<(), String>>) -> Result<(), AuditError> {
        self.waker.unpark();
        match rx.recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) | Err(_) => Err(self.shared.error()),
        }
    }
}

impl AuditSink for FileSink {
    fn record(&self, event: &AuditEvent<'_>) -> Result<(), AuditError> {
        if self.shared.failed.load(Ordering::Acquire) {
            return Err(self.shared.error());
        }
        let mut body = Vec::with_capacity(320);
        crate::audit::json::write_event(event, &mut body);
        if self.options.durability == Durability::Sync {
            let (ack, rx) = mpsc::sync_channel(1);
            self.enqueue(Msg::Event(body, Some(ack)))?;
            return self.wait(&rx);
        }
        self.enqueue(Msg::Event(body, None))
    }

    fn flush(&self) -> Result<(), AuditError> {
        if self.shared.failed.load(Ordering::Acquire) {
            return Err(self.shared.error());
        }
        let (ack, rx) = mpsc::sync_channel(1);
        self.enqueue(Msg::Flush(ack))?;
        self.wait(&rx)
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
    options: FileSinkOptions,
}

/// How long the writer parks when its queue is empty. Callers never wake it for an event (a
/// wake-up per event would cost the caller a system call): it looks again after this, or when a
/// caller that waits for it (flush, `Durability::Sync`, close, a full queue) unparks it.
const POLL: Duration = Duration::from_millis(1);

/// Why the writer stopped waiting without a message.
enum Idle {
    /// Lines are unsynced and the sync interval passed.
    SyncDue,
    /// Every sender is gone.
    Disconnected,
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

    fn run(mut self, rx: &Receiver<Msg>, shared: &Shared) {
        let mut failed = false;
        loop {
            let msg = self.next(rx);
            let result = match msg {
                Ok(Msg::Event(body, ack)) => {
                    if failed {
                        if let Some(ack) = ack {
                            let _ = ack.send(Err(String::new()));
                        }
                        continue;
                    }
                    let mut r = self.event(&body);
                    let due = self.unsynced >= self.options.sync_lines
                        || self.last_sync.elapsed() >= self.options.sync_interval;
                    if r.is_ok() && (ack.is_some() || due) {
                        r = self.sync();
                    }
                    if let Some(ack) = ack {
                        let _ = ack.send(r.as_ref().copied().map_err(ToString::to_string));
                    }
                    r
                }
                Ok(Msg::Flush(ack)) => {
                    let r = if failed { Ok(()) } else { self.sync() };
                    let ok = !failed && r.is_ok();
                    let _ = ack.send(if ok { Ok(()) } else { Err(String::new()) });
                    r
                }
                Err(Idle::SyncDue) => {
                    if failed {
                        continue;
                    }
                    self.sync()
                }
                Ok(Msg::Close) | Err(Idle::Disconnected) => {
                    if !failed {
                        let r = self.checkpoint().and_then(|()| self.sync());
                        if let Err(e) = r {
                            shared.fail(format!("{}: {e}", self.path().display()));
                        }
                    }
                    return;
                }
            };
            match result {
                Ok(()) => {}
                Err(e) => {
                    if !failed {
                        failed = true;
                        shared.fail(format!("{}: {e}", self.path().display()));
                        // What was buffered may be partly written; nothing more is.
                        self.out = None;
                    }
                }
            }
            shared
                .written
                .store(self.seq.saturating_sub(1), Ordering::Relaxed);
        }
    }

    /// The next message, taken without blocking; with none, the writer parks for [`POLL`] at most
    /// (syncing first once the interval has passed).
    fn next(&mut self, rx: &Receiver<Msg>) -> Result<Msg, Idle> {
        loop {
            match rx.try_recv() {
                Ok(msg) => return Ok(msg),
                Err(TryRecvError::Disconnected) => return Err(Idle::Disconnected),
                Err(TryRecvError::Empty) => {
                    if self.unsynced > 0 && self.last_sync.elapsed() >= self.options.sync_interval {
                        return Err(Idle::SyncDue);
                    }
                    std::thread::park_timeout(POLL);
                }
            }
        }
    }

    /// Writes one line whose members after `seq` are `members`.
    fn line(&mut self, members: impl FnOnce(&mut Vec<u8>)) -> std::io::Result<()> {
        let mut out = Vec::with_capacity(400);
        line::start(self.seq, &mut out);
        members(&mut out);
        let version = self.key.current();
        let mac = line::chain_mac(&version.chain, &self.head, &out);
        line::finish(&mut out, &mac);
        let file = self
            .out
            .as_mut()
            .ok_or_else(|| std::io::Error::other("the log file is closed after an error"))?;
        file.write_all(&out)?;
        self.head = mac;
        self.seq += 1;
        self.bytes += out.len() as u64;
        self.unsynced += 1;
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
        self.file_no += 1;
        self.start_file()
    }

    fn start_file(&mut self) -> std::io::Result<()> {
        let path = self.path();
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
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
