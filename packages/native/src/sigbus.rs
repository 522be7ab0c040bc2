//! A file mapped into memory and cut short by another process (truncated) while it is read
//! faults with SIGBUS at the first page past its new end, which ends the process: a lean
//! encryption would leave its temporary file, a hash would end without its error. Here the
//! reads of a map go through a guard instead.
//!
//! One process-wide SIGBUS handler (sigaction, SA_SIGINFO), installed the first time a map
//! is guarded and never removed, and a fixed table of the guarded ranges (atomics only: the
//! handler takes no lock and allocates nothing). A fault inside a guarded range maps
//! anonymous zero pages (mmap MAP_FIXED, read-only, no memory until written, and never
//! written) over the faulting page and the rest of the range, whose pages are past the
//! file's end too, and marks the range "cut short": the access resumes and reads zeros.
//! The reader checks the mark once its run is over and fails (code `ECHANGED`, the input
//! "changed while it was being read"); what it made of the zeros is thrown away by its
//! caller. A fault anywhere else goes to the handler that was there before (Node's, if any)
//! or, where there was none, to the default action: the process ends by SIGBUS as before.
//!
//! A guard is taken once the map exists and dropped before it is unmapped, so an address
//! in the table is always one of its maps. The table holds `SLOTS` ranges; with none free
//! `Guard::new` answers None and the caller reads the file instead of mapping it.

use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::Once;

/// Guarded ranges at once: the lean age path uses one, each hash in flight one.
const SLOTS: usize = 64;

const FREE: u8 = 0;
const CLAIMED: u8 = 1;
const LIVE: u8 = 2;

struct Slot {
    state: AtomicU8,
    start: AtomicUsize,
    end: AtomicUsize,
    cut: AtomicBool,
}

#[allow(clippy::declare_interior_mutable_const)]
const EMPTY: Slot = Slot { state: AtomicU8::new(FREE), start: AtomicUsize::new(0), end: AtomicUsize::new(0), cut: AtomicBool::new(false) };
static TABLE: [Slot; SLOTS] = [EMPTY; SLOTS];

static INSTALL: Once = Once::new();
static INSTALLED: AtomicBool = AtomicBool::new(false);
static PAGE: AtomicUsize = AtomicUsize::new(4096);
/// The handler found at installation, written once before ours is installed, then only read.
static mut PREVIOUS: Option<libc::sigaction> = None;

/// The guard on one mapped range while it is read; `cut_short()` says whether the file
/// ended inside it meanwhile. Dropping it frees its slot (before the map is unmapped).
pub struct Guard {
    slot: usize,
}

impl Guard {
    /// Guards `range` (a map's bytes); None when the handler cannot be installed or the table is full.
    pub fn new(range: &[u8]) -> Option<Guard> {
        if range.is_empty() || !install() {
            return None;
        }
        let start = range.as_ptr() as usize;
        for (slot, entry) in TABLE.iter().enumerate() {
            if entry.state.compare_exchange(FREE, CLAIMED, Ordering::AcqRel, Ordering::Relaxed).is_ok() {
                entry.start.store(start, Ordering::Relaxed);
                entry.end.store(start + range.len(), Ordering::Relaxed);
                entry.cut.store(false, Ordering::Relaxed);
                entry.state.store(LIVE, Ordering::Release);
                return Some(Guard { slot });
            }
        }
        None
    }

    /// Whether a read of the range faulted past the file's end (its pages there now read as zeros).
    pub fn cut_short(&self) -> bool {
        TABLE[self.slot].cut.load(Ordering::Acquire)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let entry = &TABLE[self.slot];
        entry.state.store(CLAIMED, Ordering::Release);
        entry.start.store(0, Ordering::Relaxed);
        entry.end.store(0, Ordering::Relaxed);
        entry.state.store(FREE, Ordering::Release);
    }
}

/// Installs the handler once; whether it is in place.
fn install() -> bool {
    INSTALL.call_once(|| unsafe {
        let page = libc::sysconf(libc::_SC_PAGESIZE);
        if page > 0 {
            PAGE.store(page as usize, Ordering::Relaxed);
        }
        let mut previous: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGBUS, ptr::null(), &mut previous) != 0 {
            return;
        }
        *ptr::addr_of_mut!(PREVIOUS) = Some(previous);
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = handler as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        if libc::sigaction(libc::SIGBUS, &action, ptr::null_mut()) == 0 {
            INSTALLED.store(true, Ordering::Release);
        }
    });
    INSTALLED.load(Ordering::Acquire)
}

/// The signal handler: async-signal-safe (atomics, mmap, sigaction, raise).
extern "C" fn handler(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut c_void) {
    unsafe {
        // Only a fault (si_code > 0: BUS_ADRERR and the like) is at an address of ours.
        if !info.is_null() && (*info).si_code > 0 {
            let address = (*info).si_addr() as usize;
            let page = PAGE.load(Ordering::Relaxed);
            for entry in TABLE.iter() {
                if entry.state.load(Ordering::Acquire) != LIVE {
                    continue;
                }
                let (start, end) = (entry.start.load(Ordering::Relaxed), entry.end.load(Ordering::Relaxed));
                if address < start || address >= end {
                    continue;
                }
                // From the faulting page to the range's last page: every page after the one past
                // the end is past it too. A map starts on a page, so the range's pages are its own.
                let from = address & !(page - 1);
                let to = (end + page - 1) & !(page - 1);
                let zeros = libc::mmap(from as *mut c_void, to - from, libc::PROT_READ, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED, -1, 0);
                if zeros as usize == from {
                    entry.cut.store(true, Ordering::Release);
                    return;
                }
                break;
            }
        }
        chain(signal, info, context);
    }
}

/// A SIGBUS not ours: the previous handler's, else the default action (the process ends).
unsafe fn chain(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut c_void) {
    if let Some(previous) = *ptr::addr_of!(PREVIOUS) {
        let handler = previous.sa_sigaction;
        if handler != libc::SIG_DFL && handler != libc::SIG_IGN {
            if previous.sa_flags & libc::SA_SIGINFO != 0 {
                let call: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut c_void) = std::mem::transmute(handler);
                call(signal, info, context);
            } else {
                let call: extern "C" fn(libc::c_int) = std::mem::transmute(handler);
                call(signal);
            }
            return;
        }
        if handler == libc::SIG_IGN && (info.is_null() || (*info).si_code <= 0) {
            // Ignored before: a signal sent stays ignored (a fault cannot be: below).
            return;
        }
    }
    // The default action: a fault returns to the faulting access and faults again, now by
    // default; a signal sent (kill) is raised again, delivered when this handler returns.
    let mut action: libc::sigaction = std::mem::zeroed();
    action.sa_sigaction = libc::SIG_DFL;
    libc::sigemptyset(&mut action.sa_mask);
    libc::sigaction(signal, &action, ptr::null_mut());
    if info.is_null() || (*info).si_code <= 0 {
        libc::raise(signal);
    }
}

/// `mapTruncateProbe(path, keep, guarded)`: a test of the guard. Maps the file at `path`
/// (guarded, or not), cuts it to `keep` bytes, reads every byte of the map and answers -1
/// when the guard saw no fault, else how many bytes past `keep` read as other than zero (0).
/// Unguarded, a file cut short ends the process by SIGBUS.
pub unsafe extern "C" fn map_truncate_probe(env: super::Env, info: *mut c_void) -> super::Value {
    let run = || -> super::Outcome {
        let (argv, argc) = super::arguments::<3>(env, info)?;
        if argc < 3 {
            return Err(super::Failure::usage("expected (path, keep, guarded)"));
        }
        let path = <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(super::bytes(env, argv[0])?).to_owned();
        let keep = super::number(env, argv[1], "keep: a byte count")? as u64;
        let mut guarded = false;
        super::checked(super::napi::napi_get_value_bool(env, argv[2], &mut guarded), "guarded: a boolean")?;
        let file = std::fs::File::open(&path).map_err(super::Failure::io)?;
        let map = memmap2::Mmap::map(&file).map_err(super::Failure::io)?;
        let guard = if guarded { Some(Guard::new(&map).ok_or_else(|| super::Failure::usage("no guard"))?) } else { None };
        std::fs::OpenOptions::new().write(true).open(&path).and_then(|f| f.set_len(keep)).map_err(super::Failure::io)?;
        let mut past = 0usize;
        for (at, byte) in map.iter().enumerate() {
            let byte = ptr::read_volatile(byte);
            if at as u64 >= keep && byte != 0 {
                past += 1;
            }
        }
        let cut = guard.as_ref().map(|g| g.cut_short()).unwrap_or(false);
        drop(guard);
        drop(map);
        super::double(env, if cut { past as f64 } else { -1.0 })
    };
    run().unwrap_or_else(|failure| super::throw(env, failure))
}

/// The functions this module adds to the addon's exports.
pub const FUNCTIONS: [(&[u8], super::Callback); 1] = [(b"mapTruncateProbe\0", map_truncate_probe)];
