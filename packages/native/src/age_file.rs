//! `ageFileAsync(...)`: a whole age STREAM payload [C2SP age §Payload] sealed or opened file
//! to file as Node-API async work, on every core: the JavaScript thread only waits.
//!
//! The input is read from `inFd` from `inOffset` (the payload's first byte, after the header
//! and its nonce when decrypting): a plaintext through a map of it (a regular file;
//! sigbus.rs guards the map against a file cut short meanwhile), a ciphertext at its own
//! offsets (pread, into a buffer no other process can change); the output is written at its
//! own offsets (pwrite) from `outOffset` when it is positional (a regular file, /dev/null), or
//! in order (a pipe, standard output) otherwise; a regular file's blocks are allocated first
//! (fallocate) and its writeback started behind each run (sync_file_range), so the caller's
//! fsync finds little left. The chunks are cut in runs of `RUN_CHUNKS`
//! (1 MiB); a window of runs is sealed or opened on rayon's threads at once, each run with
//! its own cipher context (aead.rs: the ChaCha20-Poly1305 of the OpenSSL this Node exports,
//! tags checked by OpenSSL in constant time). Memory is the window's buffers, whatever the
//! file's size. Between windows the caller's control bytes are read (a cancel flag) and
//! written (the bytes done so far).
//!
//! Decryption follows the full program's release rules (core's `openChunk`): the last chunk
//! is known from the input's size; a lone tag after other chunks is an empty last chunk, a
//! chunk before the last that opens only as final is trailing data, a full last chunk that
//! opens only as not final is a truncation, anything else that does not open is tampering.
//! On a failure nothing past the failing chunk is written in order (to a positional output
//! the window's other runs may have been written: the caller removes that file), and the
//! failure names the chunk.

use super::aead::{evp, nonce, Context, CHUNK, KEY, SEALED_CHUNK, TAG};
use super::{arguments, checked, number, pool, Env, Failure, Outcome, Value};
use super::napi::*;
use super::sigbus::Guard;
use rayon::prelude::*;
use std::ffi::{c_void, CString};
use std::fs::File;
use std::io::Write;
use std::mem::ManuallyDrop;
use std::os::unix::fs::FileExt;
use std::os::unix::io::FromRawFd;
use std::ptr;
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};

/// Chunks a run: 1 MiB of plaintext, one cipher context and one read and write each.
const RUN_CHUNKS: usize = 16;
/// Runs a window per thread: enough to keep every thread busy while the window's slowest run ends.
const RUNS_PER_THREAD: usize = 4;
/// The control bytes: the bytes written so far (u64, native order) then the cancel flag.
const CONTROL: usize = 16;

/// Why a payload does not open (core's AgeError reasons of the same names).
#[derive(Clone, Copy, PartialEq, Debug)]
enum Rejection {
    Tampered,
    Truncated,
    TrailingData,
    EmptyLastChunk,
}

impl Rejection {
    fn name(self) -> &'static str {
        match self {
            Rejection::Tampered => "Tampered",
            Rejection::Truncated => "Truncated",
            Rejection::TrailingData => "TrailingData",
            Rejection::EmptyLastChunk => "EmptyLastChunk",
        }
    }
}

/// A run's outcome: the output bytes it holds that may be released, and the failure that stopped it.
struct RunResult {
    released: usize,
    failure: Option<(Rejection, u64)>,
}

struct Job {
    key: [u8; KEY],
    encrypt: bool,
    input: i32,
    in_offset: u64,
    in_length: u64,
    output: i32,
    out_offset: u64,
    positional: bool,
    threads: usize,
    control: *mut u8,
    control_ref: Ref,
    callback: Ref,
    work: AsyncWork,
    result: Result<(u64, Option<(Rejection, u64)>), Failure>,
}

// The job's raw pointers are read only (the control bytes atomically) while rayon's threads share it.
unsafe impl Sync for Job {}
unsafe impl Send for Job {}

impl Drop for Job {
    fn drop(&mut self) {
        unsafe { ptr::write_volatile(&mut self.key, [0u8; KEY]) };
    }
}

/// A system error of the output: code `write:errno:N`.
fn io(error: std::io::Error) -> Failure {
    let failure = Failure::io(error);
    Failure { code: format!("write:{}", failure.code), message: failure.message }
}

/// A system error of the input: code `read:errno:N` (`read:ECHANGED`: it became shorter).
fn read_io(error: std::io::Error) -> Failure {
    if error.kind() == std::io::ErrorKind::UnexpectedEof {
        return Failure { code: "read:ECHANGED".into(), message: "the input became shorter while it was read".into() };
    }
    let failure = Failure::io(error);
    Failure { code: format!("read:{}", failure.code), message: failure.message }
}

/// Writes all of `bytes` to a descriptor that may be non-blocking (a pipe Node made so): waits for room.
fn write_in_order(file: &mut File, mut bytes: &[u8]) -> Result<(), Failure> {
    while !bytes.is_empty() {
        match file.write(bytes) {
            Ok(0) => return Err(Failure { code: "EIO".into(), message: "the output took no bytes".into() }),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                let mut poll = libc::pollfd { fd: std::os::unix::io::AsRawFd::as_raw_fd(file), events: libc::POLLOUT, revents: 0 };
                unsafe { libc::poll(&mut poll, 1, -1) };
            }
            Err(e) => return Err(io(e)),
        }
    }
    Ok(())
}

/// The most one pwrite hands the page cache. The kernel sizes a new page-cache folio by the
/// write (ext4's large folios), and large fresh blocks are the ones this VM has most likely
/// handed back to its host (see `DROP_BEHIND`): 1 GiB written by two threads into a new file
/// right after Go age had rewritten another 1 GiB (a C probe, 3 quiet rounds), 64 KiB and
/// 256 KiB pwrites took 0.25-0.40 s, 1 MiB 1.24-2.07 s, 4 MiB 1.37-2.56 s, nearly all of it in
/// copy_folio_from_iter_atomic. In the bench's own order small pwrites alone were slow too
/// (1.1-2.3 s); what holds there is dropping the output behind the runs. Pieces end on
/// multiples of this size in the file.
const WRITE_PIECE: u64 = 256 * 1024;

/// Writes `bytes` at `at` in pieces of at most `WRITE_PIECE`.
fn write_at(file: &File, bytes: &[u8], at: u64) -> Result<(), Failure> {
    let mut done = 0usize;
    while done < bytes.len() {
        let here = at + done as u64;
        let piece = (WRITE_PIECE - here % WRITE_PIECE).min((bytes.len() - done) as u64) as usize;
        file.write_all_at(&bytes[done..done + piece], here).map_err(io)?;
        done += piece;
    }
    Ok(())
}

/// Starts the writeback of a run just written to a regular file (sync_file_range's
/// SYNC_FILE_RANGE_WRITE: the pages go to the disk while the next runs are sealed or opened;
/// it waits for no page, but may for room in the disk's queue, so positional() calls it on a
/// thread of its own): the caller's fsync before its rename then finds little left to write.
/// 1 GiB to a file here: that fsync took 0.33-0.44 s after the payload, 1-10 ms with this.
/// A hint only: the fsync still makes the file durable, and a failure shows there.
fn write_behind(file: &File, at: u64, length: usize) {
    if length > 0 {
        unsafe { libc::sync_file_range(std::os::unix::io::AsRawFd::as_raw_fd(file), at as i64, length as i64, libc::SYNC_FILE_RANGE_WRITE) };
    }
}

/// How much of a regular output stays in the page cache behind the runs being written: older
/// runs, once written back, are dropped from it (posix_fadvise DONTNEED), and the next runs'
/// pages come from those just freed. A 1 GiB output otherwise takes 1 GiB of fresh memory while
/// the file it replaces still holds its own, and on this VM memory freed a while ago is slow to
/// touch again (virtio-balloon free page reporting: the host drops a reported block and faults
/// it back in on the first write; a C probe touching 10 GiB of free memory took ~2.9 s a GiB, all
/// of it system time). Decrypting 1 GiB to a file in the bench's order (Go age's 1 GiB written
/// just before) took 2.1-3.8 s of such copies into the page cache (perf:
/// copy_folio_from_iter_atomic ~60 % of the run) against ~0.7 s; written with the output
/// dropped behind it, a probe writing 1 GiB in that same place took 0.38-0.75 s every time.
/// Go age truncates its output first and writes into the pages it has just freed. An output no
/// larger than this stays cached whole.
const DROP_BEHIND: u64 = 32 * 1024 * 1024;

/// Waits for the writeback of a run started by `write_behind` and drops its pages from the
/// page cache (a hint: a page still dirty or mapped stays).
fn drop_behind(file: &File, at: u64, length: usize) {
    let fd = std::os::unix::io::AsRawFd::as_raw_fd(file);
    unsafe {
        libc::sync_file_range(fd, at as i64, length as i64, libc::SYNC_FILE_RANGE_WAIT_BEFORE | libc::SYNC_FILE_RANGE_WRITE | libc::SYNC_FILE_RANGE_WAIT_AFTER);
        libc::posix_fadvise(fd, at as i64, length as i64, libc::POSIX_FADV_DONTNEED);
    }
}

/// Allocates a regular output's blocks before its runs are written (fallocate): ext4 then
/// reserves no delayed block a page at a time as the runs land. 1 GiB to a file here (paired
/// medians of 11, the writeback started behind the runs on both sides, load 4.5-5): decrypt
/// 0.91x the wall and 0.93x the CPU of without it, 256 MiB 0.89x and 0.91x, encrypt 0.95x and
/// 0.97x. A hint: a file system that refuses it is written as before (a full disk shows
/// in the writes).
fn preallocate(file: &File, at: u64, length: u64) {
    if length > 0 && length <= i64::MAX as u64 {
        unsafe { libc::fallocate(std::os::unix::io::AsRawFd::as_raw_fd(file), 0, at as i64, length as i64) };
    }
}

/// Seals or opens run `run` of `chunks` from `input` into `output` (the slot's buffers).
unsafe fn one_run(job: &Job, file: &File, map: Option<&[u8]>, run: usize, chunks: usize, last_size: usize, input: &mut [u8], output: &mut [u8]) -> Result<RunResult, Failure> {
    let first = run * RUN_CHUNKS;
    let count = RUN_CHUNKS.min(chunks - first);
    let in_chunk = if job.encrypt { CHUNK } else { SEALED_CHUNK };
    let in_start = (first * in_chunk) as u64;
    let in_bytes = ((job.in_length - in_start) as usize).min(count * in_chunk);
    // Mapped: the run is read where the page cache holds it (no copy), then its pages are
    // dropped from this process (they stay in the page cache): memory stays the window's.
    let input: &[u8] = match map {
        Some(map) => {
            let from = (job.in_offset + in_start) as usize;
            &map[from..from + in_bytes]
        }
        None => {
            file.read_exact_at(&mut input[..in_bytes], job.in_offset + in_start).map_err(read_io)?;
            &input[..in_bytes]
        }
    };
    let result = seal_or_open(job, run, chunks, last_size, input, output);
    if let Some(map) = map {
        release(map, input);
    }
    result
}

/// Drops the mapped pages of `bytes` (within `map`) from this process: a hint; they stay in
/// the page cache. The range is widened to whole pages, and down by the kernel's fault-around
/// (64 KiB: a fault maps the pages around it that the cache holds), which maps pages of the
/// run before this one when runs are not aligned to it (a payload after a header): dropped
/// here, they are not left mapped for good. A neighbour's page dropped too is only read again.
fn release(map: &[u8], bytes: &[u8]) {
    let page = 4096usize;
    let base = map.as_ptr() as usize;
    let start = (bytes.as_ptr() as usize).saturating_sub(64 * 1024).max(base);
    let from = start - (start - base) % page;
    let to = bytes.as_ptr() as usize + bytes.len();
    if to > from {
        unsafe { libc::madvise(from as *mut c_void, to - from, libc::MADV_DONTNEED) };
    }
}

/// The run's chunks from `input` into `output`.
unsafe fn seal_or_open(job: &Job, run: usize, chunks: usize, last_size: usize, input: &[u8], output: &mut [u8]) -> Result<RunResult, Failure> {
    let first = run * RUN_CHUNKS;
    let count = RUN_CHUNKS.min(chunks - first);
    let evp = evp()?;
    let (in_chunk, out_chunk) = if job.encrypt { (CHUNK, SEALED_CHUNK) } else { (SEALED_CHUNK, CHUNK) };
    let context = Context::new(evp, &job.key, job.encrypt)?;
    let mut released = 0usize;
    for i in 0..count {
        let index = first + i;
        let last = index == chunks - 1;
        let size = if last { if job.encrypt { job.in_length as usize - index * CHUNK } else { last_size } } else { in_chunk };
        let from = input.as_ptr().add(i * in_chunk);
        let to = output.as_mut_ptr().add(i * out_chunk);
        if job.encrypt {
            context.seal(&nonce(index as u64, last), from, to, size, to.add(size))?;
            released += size + TAG;
            continue;
        }
        // core's openChunk, rule by rule.
        let fail = |rejection: Rejection, at: usize, released: usize| Ok(RunResult { released, failure: Some((rejection, at as u64)) });
        if last && size == TAG && chunks > 1 {
            return fail(Rejection::EmptyLastChunk, index, released);
        }
        if size < TAG {
            return fail(Rejection::Tampered, index, released);
        }
        let plain = size - TAG;
        let tag = from.add(plain);
        if context.open(&nonce(index as u64, last), from, to, plain, tag)? {
            released += plain;
            continue;
        }
        ptr::write_bytes(to, 0, plain);
        // The other flag, only to name the failure (a chunk never opens under both).
        let other = Context::new(evp, &job.key, false)?;
        if !last && other.open(&nonce(index as u64, true), from, to, plain, tag)? {
            return fail(Rejection::TrailingData, index, released + plain);
        }
        if last && size == SEALED_CHUNK && other.open(&nonce(index as u64, false), from, to, plain, tag)? {
            return fail(Rejection::Truncated, chunks, released + plain);
        }
        ptr::write_bytes(to, 0, plain);
        return fail(Rejection::Tampered, index, released);
    }
    Ok(RunResult { released, failure: None })
}

/// On a libuv thread (and rayon's): the whole payload, window by window.
unsafe fn whole(job: &Job) -> Result<(u64, Option<(Rejection, u64)>), Failure> {
    let input = ManuallyDrop::new(File::from_raw_fd(job.input));
    let mut output = ManuallyDrop::new(File::from_raw_fd(job.output));
    let (chunks, last_size) = if job.encrypt {
        ((job.in_length as usize).div_ceil(CHUNK).max(1), 0)
    } else {
        let chunks = (job.in_length as usize).div_ceil(SEALED_CHUNK);
        if chunks == 0 {
            return Ok((0, Some((Rejection::Truncated, 0))));
        }
        (chunks, job.in_length as usize - (chunks - 1) * SEALED_CHUNK)
    };
    // The plaintext to encrypt mapped when it can be (a regular file, not empty, a slot free
    // in sigbus.rs's table); else read (pread). The map is guarded: a file cut short while it
    // is read reads as zeros past its end instead of ending the process (SIGBUS), and the
    // payload then fails as a read that came short (read:ECHANGED), its output the caller's
    // to remove. A ciphertext is always read into a buffer of ours: the cipher reads its
    // bytes twice (Poly1305 over them, then ChaCha20 over them), and a shared map can change
    // in between (a writer, or the zero pages of a file cut short), so a tag that verified
    // the bytes as they were would release plaintext made from other bytes. (Mapped, it took
    // 0.95-0.985x the CPU of pread, paired, at load 5-10: not worth that.)
    let end = job.in_offset + job.in_length;
    let mut mapped = if job.encrypt && job.in_length > 0 && input.metadata().map(|m| m.is_file() && m.len() >= end).unwrap_or(false) {
        memmap2::MmapOptions::new().len(end as usize).map(&*input).ok()
    } else {
        None
    };
    // Declared after the map: dropped (out of the table) before it is unmapped.
    let guard = mapped.as_ref().and_then(|m| Guard::new(m));
    if guard.is_none() {
        mapped = None;
    }
    if let Some(map) = &mapped {
        let _ = map.advise(memmap2::Advice::Sequential);
    }
    let map: Option<&[u8]> = mapped.as_ref().map(|m| &m[..]);
    let result = payload(job, &input, &mut output, map, guard.as_ref(), chunks, last_size);
    match &guard {
        Some(guard) if guard.cut_short() => Err(read_io(std::io::ErrorKind::UnexpectedEof.into())),
        _ => result,
    }
}

/// The payload's runs, from `map` when the input is mapped (no run starts once `guard` saw it cut short).
unsafe fn payload(job: &Job, input: &File, output: &mut File, map: Option<&[u8]>, guard: Option<&Guard>, chunks: usize, last_size: usize) -> Result<(u64, Option<(Rejection, u64)>), Failure> {
    let out_chunk = if job.encrypt { SEALED_CHUNK } else { CHUNK };
    let runs = chunks.div_ceil(RUN_CHUNKS);
    let threads = if job.threads == 0 { std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) } else { job.threads };
    let window = (threads * RUNS_PER_THREAD).min(runs);
    // In order: a window of runs a thread; at positions: one run a thread (no window).
    let slots_wanted = if job.positional { threads.min(runs) } else { window };
    let mut slots: Vec<(Vec<u8>, Vec<u8>)> = (0..slots_wanted).map(|_| (vec![0u8; RUN_CHUNKS * SEALED_CHUNK], vec![0u8; RUN_CHUNKS * SEALED_CHUNK])).collect();
    let progress = &*(job.control as *const AtomicU64);
    let cancel = &*(job.control.add(8) as *const AtomicU8);
    let pool = pool(threads)?;
    progress.store(0, Ordering::Relaxed);
    if job.positional {
        return positional(job, input, output, map, guard, chunks, last_size, runs, pool, std::mem::take(&mut slots), progress, cancel);
    }
    let mut written = 0u64;
    let mut outcome = None;
    let mut start = 0usize;
    while start < runs {
        if cancel.load(Ordering::Relaxed) != 0 {
            return Err(Failure { code: "ECANCELED".into(), message: "cancelled".into() });
        }
        if guard.is_some_and(|g| g.cut_short()) {
            break;
        }
        let file: &File = input;
        let out: &File = output;
        let results: Vec<Result<RunResult, Failure>> = pool.install(|| {
            slots
                .par_iter_mut()
                .enumerate()
                .filter(|(j, _)| start + j < runs)
                .map(|(j, (inbuf, outbuf))| {
                    let run = start + j;
                    let result = one_run(job, file, map, run, chunks, last_size, inbuf, outbuf)?;
                    if job.positional {
                        let at = job.out_offset + (run * RUN_CHUNKS * out_chunk) as u64;
                        write_at(out, &outbuf[..result.released], at)?;
                    }
                    Ok(result)
                })
                .collect()
        });
        if guard.is_some_and(|g| g.cut_short()) {
            // Not even this window's runs: some were sealed from the zeros past the file's new end.
            break;
        }
        let mut stop = false;
        for (j, result) in results.into_iter().enumerate() {
            let result = result?;
            if !job.positional {
                write_in_order(output, &slots[j].1[..result.released])?;
            }
            written += result.released as u64;
            if let Some(failure) = result.failure {
                outcome = Some(failure);
                stop = true;
                break;
            }
        }
        progress.store(written, Ordering::Relaxed);
        if stop {
            break;
        }
        start += window;
    }
    for (a, b) in slots.iter_mut() {
        // Plaintext does not stay in freed memory.
        ptr::write_bytes(a.as_mut_ptr(), 0, a.len());
        ptr::write_bytes(b.as_mut_ptr(), 0, b.len());
    }
    Ok((written, outcome))
}

/// Every run at its own offsets, taken by the pool's threads as they come free (no window:
/// a thread the machine holds back does not stop the others). Each thread has its own
/// buffers. A rejected run stops the runs after it; those before it still run, so the first
/// chunk that fails is the one named. The caller removes what was written when one fails.
#[allow(clippy::too_many_arguments)]
unsafe fn positional(
    job: &Job,
    input: &File,
    output: &File,
    map: Option<&[u8]>,
    guard: Option<&Guard>,
    chunks: usize,
    last_size: usize,
    runs: usize,
    pool: &rayon::ThreadPool,
    slots: Vec<(Vec<u8>, Vec<u8>)>,
    progress: &AtomicU64,
    cancel: &AtomicU8,
) -> Result<(u64, Option<(Rejection, u64)>), Failure> {
    let out_chunk = if job.encrypt { SEALED_CHUNK } else { CHUNK };
    let buffers: Vec<std::sync::Mutex<(Vec<u8>, Vec<u8>)>> = slots.into_iter().map(std::sync::Mutex::new).collect();
    let first_failure = AtomicUsize::new(usize::MAX);
    let regular = output.metadata().map(|m| m.is_file()).unwrap_or(false);
    if regular {
        let tags = chunks as u64 * TAG as u64;
        preallocate(output, job.out_offset, if job.encrypt { job.in_length + tags } else { job.in_length.saturating_sub(tags) });
    }
    let stopped = AtomicU8::new(0);
    let (behind, ranges) = std::sync::mpsc::channel::<(u64, usize)>();
    let results: Vec<Result<Option<(Rejection, u64)>, Failure>> = std::thread::scope(|scope| {
        // The writeback is started (and the output dropped behind it) on a thread of its own: a
        // disk's full queue blocks it, not the cipher's threads.
        let writer = if regular {
            Some(scope.spawn(move || {
                let mut held = std::collections::VecDeque::new();
                let mut bytes = 0u64;
                for (at, length) in ranges {
                    write_behind(output, at, length);
                    held.push_back((at, length));
                    bytes += length as u64;
                    while bytes > DROP_BEHIND {
                        let Some((at, length)) = held.pop_front() else { break };
                        drop_behind(output, at, length);
                        bytes -= length as u64;
                    }
                }
            }))
        } else {
            None
        };
        let behind = behind;
        let results = pool.install(|| {
            (0..runs)
                .into_par_iter()
                .map(|run| {
                    if run > first_failure.load(Ordering::Relaxed) || stopped.load(Ordering::Relaxed) != 0 || guard.is_some_and(|g| g.cut_short()) {
                        return Ok(None);
                    }
                    if cancel.load(Ordering::Relaxed) != 0 {
                        return Err(Failure { code: "ECANCELED".into(), message: "cancelled".into() });
                    }
                    let slot = rayon::current_thread_index().unwrap_or(0) % buffers.len();
                    let mut guard = buffers[slot].lock().map_err(|_| Failure::usage("buffers poisoned"))?;
                    let (inbuf, outbuf) = &mut *guard;
                    let outcome = one_run(job, input, map, run, chunks, last_size, inbuf, outbuf).and_then(|result| {
                        let at = job.out_offset + (run * RUN_CHUNKS * out_chunk) as u64;
                        write_at(output, &outbuf[..result.released], at)?;
                        if regular {
                            let _ = behind.send((at, result.released));
                        }
                        progress.fetch_add(result.released as u64, Ordering::Relaxed);
                        Ok(result)
                    });
                    match outcome {
                        Ok(result) => {
                            if result.failure.is_some() {
                                first_failure.fetch_min(run, Ordering::Relaxed);
                            }
                            Ok(result.failure)
                        }
                        Err(failure) => {
                            stopped.store(1, Ordering::Relaxed);
                            Err(failure)
                        }
                    }
                })
                .collect()
        });
        drop(behind);
        if let Some(writer) = writer {
            let _ = writer.join();
        }
        results
    });
    for buffer in &buffers {
        if let Ok(mut b) = buffer.lock() {
            // Plaintext does not stay in freed memory.
            ptr::write_bytes(b.0.as_mut_ptr(), 0, b.0.len());
            ptr::write_bytes(b.1.as_mut_ptr(), 0, b.1.len());
        }
    }
    let mut failure = None;
    for result in results {
        if let Some(rejection) = result? {
            failure.get_or_insert(rejection);
        }
    }
    Ok((progress.load(Ordering::Relaxed), failure))
}

unsafe extern "C" fn execute(_env: Env, data: *mut c_void) {
    let job = &mut *(data as *mut Job);
    job.result = whole(job);
}

/// On the JavaScript thread: `callback(null, bytesWritten, rejection?, chunk?)` or `callback(error)`.
unsafe extern "C" fn complete(env: Env, _status: i32, data: *mut c_void) {
    let job = Box::from_raw(data as *mut Job);
    let mut callback = ptr::null_mut();
    napi_get_reference_value(env, job.callback, &mut callback);
    let mut args = [ptr::null_mut(); 4];
    match &job.result {
        Ok((written, failure)) => {
            napi_get_null(env, &mut args[0]);
            napi_create_double(env, *written as f64, &mut args[1]);
            match failure {
                Some((rejection, chunk)) => {
                    args[2] = text(env, rejection.name());
                    napi_create_double(env, *chunk as f64, &mut args[3]);
                }
                None => {
                    napi_get_undefined(env, &mut args[2]);
                    napi_get_undefined(env, &mut args[3]);
                }
            }
        }
        Err(failure) => {
            napi_create_error(env, text(env, &failure.code), text(env, &failure.message), &mut args[0]);
            for arg in &mut args[1..] {
                napi_get_undefined(env, arg);
            }
        }
    }
    call(env, callback, &args);
    napi_delete_reference(env, job.callback);
    napi_delete_reference(env, job.control_ref);
    napi_delete_async_work(env, job.work);
}

unsafe fn descriptor(env: Env, value: Value, what: &str) -> Result<i32, Failure> {
    let n = number(env, value, what)?;
    if n.fract() != 0.0 || n > i32::MAX as f64 {
        return Err(Failure::usage(what));
    }
    Ok(n as i32)
}

unsafe fn offset(env: Env, value: Value, what: &str) -> Result<u64, Failure> {
    let n = number(env, value, what)?;
    if n.fract() != 0.0 || n > 9007199254740991.0 {
        return Err(Failure::usage(what));
    }
    Ok(n as u64)
}

/// `ageFileAsync(key, encrypt, inFd, inOffset, inLength, outFd, outOffset, positional,
/// threads, control, callback)`: seals (`encrypt`) the `inLength` plaintext bytes of `inFd`
/// at `inOffset`, or opens the `inLength` payload bytes there, into `outFd` (at `outOffset`
/// and on when `positional`, else in order) on `threads` threads (0: one a core);
/// `control` is 16 bytes: the bytes written so far (u64) and a cancel flag at byte 8.
/// `callback(null, bytesWritten, rejection, chunk)` at the end: `rejection` (`Tampered`,
/// `Truncated`, `TrailingData`, `EmptyLastChunk`) and its chunk when the payload does not
/// open; `callback(error)` on a system error (code `read:errno:N`, `read:ECHANGED`, `write:errno:N`) or a cancel (`ECANCELED`).
pub unsafe extern "C" fn age_file_async(env: Env, info: *mut c_void) -> Value {
    let run = || -> Outcome {
        let (argv, argc) = arguments::<11>(env, info)?;
        if argc < 11 {
            return Err(Failure::usage("expected (key, encrypt, inFd, inOffset, inLength, outFd, outOffset, positional, threads, control, callback)"));
        }
        let key = super::bytes(env, argv[0])?;
        if key.len() != KEY {
            return Err(Failure::usage("a ChaCha20-Poly1305 key has 32 bytes"));
        }
        let mut encrypt = false;
        checked(napi_get_value_bool(env, argv[1], &mut encrypt), "encrypt: a boolean")?;
        let input = descriptor(env, argv[2], "inFd: a file descriptor")?;
        let in_offset = offset(env, argv[3], "inOffset: a byte offset")?;
        let in_length = offset(env, argv[4], "inLength: a byte count")?;
        let output = descriptor(env, argv[5], "outFd: a file descriptor")?;
        let out_offset = offset(env, argv[6], "outOffset: a byte offset")?;
        let mut positional = false;
        checked(napi_get_value_bool(env, argv[7], &mut positional), "positional: a boolean")?;
        let threads = number(env, argv[8], "threads: a count")? as usize;
        let (mut kind, mut length, mut control, mut offset_in) = (0, 0usize, ptr::null_mut(), 0usize);
        let mut buffer = ptr::null_mut();
        checked(napi_get_typedarray_info(env, argv[9], &mut kind, &mut length, &mut control, &mut buffer, &mut offset_in), "control: 16 bytes")?;
        if kind != super::UINT8_ARRAY || length < CONTROL || (control as usize) % 8 != 0 {
            return Err(Failure::usage("control: 16 bytes, 8-aligned"));
        }
        let mut control_ref = ptr::null_mut();
        checked(napi_create_reference(env, argv[9], 1, &mut control_ref), "control")?;
        let mut callback = ptr::null_mut();
        if napi_create_reference(env, argv[10], 1, &mut callback) != 0 {
            napi_delete_reference(env, control_ref);
            return Err(Failure::usage("callback: a function"));
        }
        let mut key_copy = [0u8; KEY];
        key_copy.copy_from_slice(key);
        let job = Box::into_raw(Box::new(Job {
            key: key_copy,
            encrypt,
            input,
            in_offset,
            in_length,
            output,
            out_offset,
            positional,
            threads,
            control: control as *mut u8,
            control_ref,
            callback,
            work: ptr::null_mut(),
            result: Ok((0, None)),
        }));
        ptr::write_volatile(&mut key_copy, [0u8; KEY]);
        let name = CString::new("sluiceAgeFile").unwrap_or_default();
        let mut async_work = ptr::null_mut();
        if napi_create_async_work(env, ptr::null_mut(), text(env, name.to_str().unwrap_or("")), execute, complete, job as *mut c_void, &mut async_work) != 0
            || {
                (*job).work = async_work;
                napi_queue_async_work(env, async_work) != 0
            }
        {
            let job = Box::from_raw(job);
            napi_delete_reference(env, job.callback);
            napi_delete_reference(env, job.control_ref);
            if !job.work.is_null() {
                napi_delete_async_work(env, job.work);
            }
            return Err(Failure::usage("could not queue the work"));
        }
        super::undefined(env)
    };
    run().unwrap_or_else(|failure| super::throw(env, failure))
}

/// The functions this module adds to the addon's exports.
pub const FUNCTIONS: [(&[u8], super::Callback); 1] = [(b"ageFileAsync\0", age_file_async)];
