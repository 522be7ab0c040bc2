//! Many small files in one call: what the CLI's lean hash and lean check do a file at a time
//! in JavaScript (open, read, digest, fstat, close; a stat), here for a whole list at once on
//! rayon's threads (every core), with the JavaScript thread free until the results come back.
//!
//! - `hashFiles(paths, algorithms, callback)`: `paths` is one buffer of names, each ended by a
//!   NUL byte; `algorithms` the digests wanted, comma-separated, by OpenSSL's names (`sha256`,
//!   `md5`, `sha1`, `sha512`, `blake2b512`...: the OpenSSL the running Node carries, looked up
//!   with dlsym as aead.rs does) or `blake3` (the blake3 crate). `callback(error, text)` gets
//!   one line a file, in order: `HEX[,HEX...]\tKEY\n`, KEY the identity of the open file once
//!   read (`dev:ino:size:mtimeNs:ctimeNs`, as the JavaScript side's `identityKey` of a bigint
//!   stat), or `\terrno:N\n` where the file could not be opened or read.
//!   With `records` and `expect` after the callback (see `Records`), it also makes the result
//!   cache's records of the files read as their stat had them and settled (`make_records`):
//!   such a line ends `\t*`, and after the lines come, for each shard with records, a NUL,
//!   `SS COUNT\n` (the shard as two hex digits) and its records, as diskCacheStore.ts
//!   appends them. With a sixth argument `stat` (`LIMIT\nPREFIX\n...`; `records` "" for none),
//!   the files were not stat'ed before: each is stat'ed once open and refused unread
//!   (`errno:22`, `errno:27`) unless a regular file of at most LIMIT bytes; its `expect` line is
//!   made from that stat (the level keys of the prefixes, as `statMany`'s), and a file whose
//!   stat once read is another gets `\t-` at the end of its line (changed while read).
//!   With `LIMIT\tSEP` first, also each file's checksum line (`Stat::separator`).
//! - `statMany(paths, prefixes?)`: the stats of the names (the same buffer), synchronously
//!   but on every core: one line a name, `KIND\tKEY\n` (KIND `f` a regular file, `d` a
//!   directory, `o` anything else; links followed, as statSync does) or `\terrno:N\n`. With
//!   `prefixes` (texts split by LF), `KIND\tKEY\tID[,ID...]\n`: each ID the first 40 hex
//!   digits of SHA-256 of a prefix followed by KEY (the result cache's level key of the file's
//!   entry, when the prefix is the level key's text up to the identity).
//!
//! - `sameMany(paths, entries, fields)`: whether each file is still the identity its check
//!   index entry holds; `sameSpans(sums, entries, fields)` the same with each name read from
//!   the checksum file's bytes at its entry's span, and `linesAt(sums, entries, fields,
//!   suffix)` those names each followed by `suffix`: a re-check makes no name in JavaScript.
//!
//! - `walkFiles(dir, prefix)`: the regular files under a folder as the lean hash's `-r` lists
//!   them (`walk`), one string of names each ended by a NUL; null where it cannot.
//!
//! A file is read whole into a per-thread buffer of `READ_BYTES` and digested in one call;
//! a larger one in pieces of it. Memory is bounded by the threads' buffers and the results.

use super::{arguments, buffer, bytes, checked, throw, CallbackInfo, Env, Failure, Outcome, Value};
use super::napi::*;
use super::records::{push_digest_record, shard_of, SHARDS};
use rayon::prelude::*;
use std::ffi::{c_char, c_int, c_uint, c_void};
use std::io::Write;
use std::ptr;
use std::sync::OnceLock;

/// A file is read into a buffer this large and digested in one call when it fits.
const READ_BYTES: usize = 1024 * 1024;
/// Files a thread takes at once.
const CHUNK: usize = 32;

type MdCtx = *mut c_void;

/// OpenSSL's digest functions, from the running process (Node exports them), found once.
struct Openssl {
    fetch: Option<unsafe extern "C" fn(*mut c_void, *const c_char, *const c_char) -> *const c_void>,
    by_name: unsafe extern "C" fn(*const c_char) -> *const c_void,
    size: unsafe extern "C" fn(*const c_void) -> c_int,
    digest: unsafe extern "C" fn(*const c_void, usize, *mut u8, *mut c_uint, *const c_void, *mut c_void) -> c_int,
    ctx_new: unsafe extern "C" fn() -> MdCtx,
    ctx_free: unsafe extern "C" fn(MdCtx),
    init: unsafe extern "C" fn(MdCtx, *const c_void, *mut c_void) -> c_int,
    update: unsafe extern "C" fn(MdCtx, *const c_void, usize) -> c_int,
    finish: unsafe extern "C" fn(MdCtx, *mut u8, *mut c_uint) -> c_int,
}

// Function pointers only.
unsafe impl Send for Openssl {}
unsafe impl Sync for Openssl {}

static OPENSSL: OnceLock<Option<Openssl>> = OnceLock::new();

unsafe fn find() -> Option<Openssl> {
    let size = match super::openssl_symbol(c"EVP_MD_get_size").or_else(|| super::openssl_symbol(c"EVP_MD_size")) {
        Some(f) => std::mem::transmute(f),
        None => return None,
    };
    Some(Openssl {
        fetch: super::openssl_symbol(c"EVP_MD_fetch").map(|f| std::mem::transmute(f)),
        by_name: openssl_function!("EVP_get_digestbyname"),
        size,
        digest: openssl_function!("EVP_Digest"),
        ctx_new: openssl_function!("EVP_MD_CTX_new"),
        ctx_free: openssl_function!("EVP_MD_CTX_free"),
        init: openssl_function!("EVP_DigestInit_ex"),
        update: openssl_function!("EVP_DigestUpdate"),
        finish: openssl_function!("EVP_DigestFinal_ex"),
    })
}

fn openssl() -> Option<&'static Openssl> {
    OPENSSL.get_or_init(|| unsafe { find() }).as_ref()
}

/// One algorithm asked for.
#[derive(Clone, Copy)]
pub(crate) enum Algorithm {
    /// An OpenSSL digest (an immutable, shareable `EVP_MD`) and its size in bytes.
    Evp(*const c_void, usize),
    Blake3,
}

// An EVP_MD is immutable once fetched and may be used from any thread.
unsafe impl Send for Algorithm {}
unsafe impl Sync for Algorithm {}

/// Fetched digests, kept for the life of the process (a fetch takes OpenSSL's locks).
static FETCHED: std::sync::Mutex<Vec<(String, usize)>> = std::sync::Mutex::new(Vec::new());

pub(crate) fn algorithm(name: &str) -> Result<Algorithm, Failure> {
    if name == "blake3" {
        return Ok(Algorithm::Blake3);
    }
    let unknown = || Failure { code: "ENODIGEST".into(), message: format!("this process's OpenSSL has no digest {name}") };
    let ssl = openssl().ok_or_else(unknown)?;
    let mut fetched = FETCHED.lock().map_err(|_| Failure::usage("digests poisoned"))?;
    let md = match fetched.iter().find(|(n, _)| n == name) {
        Some((_, md)) => *md as *const c_void,
        None => {
            let cname = std::ffi::CString::new(name).map_err(|_| unknown())?;
            let md = unsafe {
                match ssl.fetch {
                    Some(fetch) => fetch(ptr::null_mut(), cname.as_ptr(), ptr::null()),
                    None => (ssl.by_name)(cname.as_ptr()),
                }
            };
            if md.is_null() {
                return Err(unknown());
            }
            fetched.push((name.to_string(), md as usize));
            md
        }
    };
    let size = unsafe { (ssl.size)(md) };
    if size <= 0 || size > 64 {
        return Err(unknown());
    }
    Ok(Algorithm::Evp(md, size as usize))
}

const HEX: &[u8; 16] = b"0123456789abcdef";

pub(crate) fn push_hex(out: &mut Vec<u8>, digest: &[u8]) {
    for byte in digest {
        out.push(HEX[(byte >> 4) as usize]);
        out.push(HEX[(byte & 15) as usize]);
    }
}

fn push_errno(out: &mut Vec<u8>, errno: i32) {
    let _ = write!(out, "\terrno:{errno}\n");
}

/// `dev:ino:size:mtimeNs:ctimeNs`, as `identityKey` writes a bigint stat.
pub(crate) fn push_key(out: &mut Vec<u8>, st: &libc::stat) {
    let ns = |sec: i64, nsec: i64| sec as i128 * 1_000_000_000 + nsec as i128;
    let _ = write!(
        out,
        "{}:{}:{}:{}:{}",
        st.st_dev,
        st.st_ino,
        st.st_size,
        ns(st.st_mtime as i64, st.st_mtime_nsec as i64),
        ns(st.st_ctime as i64, st.st_ctime_nsec as i64)
    );
}

pub(crate) fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)
}

/// A digest being computed over a file larger than the buffer.
enum Running {
    Evp(MdCtx),
    Blake3(Box<blake3::Hasher>),
}

/// Hashes the file at `path` (NUL-terminated) into one line of `out`.
/// With `first` (`Stat::limit`), the open file is stat'ed before it is read (into `first.1`):
/// anything but a regular file of at most that many bytes is refused unread (EINVAL, EFBIG).
unsafe fn hash_one(path: &[u8], algorithms: &[Algorithm], buffer: &mut [u8], out: &mut Vec<u8>, first: Option<(u64, &mut libc::stat)>) {
    let fd = libc::open(path.as_ptr() as *const c_char, libc::O_RDONLY | libc::O_CLOEXEC | libc::O_NOCTTY | libc::O_NONBLOCK);
    if fd < 0 {
        return push_errno(out, errno());
    }
    if let Some((limit, before)) = first {
        let refused = if libc::fstat(fd, before) != 0 {
            errno()
        } else if before.st_mode & libc::S_IFMT != libc::S_IFREG {
            libc::EINVAL
        } else if before.st_size as u64 > limit {
            libc::EFBIG
        } else {
            0
        };
        if refused != 0 {
            libc::close(fd);
            return push_errno(out, refused);
        }
    }
    let mut filled = 0usize;
    let mut running: Vec<Running> = Vec::new();
    let ssl = openssl();
    let mut failed = 0;
    let mut st: libc::stat = std::mem::zeroed();
    let mut stat_taken = false;
    loop {
        let n = libc::read(fd, buffer.as_mut_ptr().add(filled) as *mut c_void, buffer.len() - filled);
        if n < 0 {
            let e = errno();
            if e == libc::EINTR {
                continue;
            }
            failed = e;
            break;
        }
        filled += n as usize;
        // A short read of a file held whole: its end, when the file's size now says so (one
        // read fewer than reading until 0; the stat is the identity once read all the same).
        if n > 0 && filled < buffer.len() && running.is_empty() {
            if libc::fstat(fd, &mut st) != 0 {
                failed = errno();
                break;
            }
            if st.st_size as u64 == filled as u64 {
                stat_taken = true;
                break;
            }
        }
        if filled == buffer.len() || (n == 0 && !running.is_empty()) {
            if running.is_empty() {
                for a in algorithms {
                    running.push(match a {
                        Algorithm::Blake3 => Running::Blake3(Box::new(blake3::Hasher::new())),
                        Algorithm::Evp(md, _) => {
                            let ssl = ssl.unwrap();
                            let ctx = (ssl.ctx_new)();
                            if ctx.is_null() || (ssl.init)(ctx, *md, ptr::null_mut()) != 1 {
                                failed = libc::ENOMEM;
                            }
                            Running::Evp(ctx)
                        }
                    });
                }
            }
            for r in &mut running {
                match r {
                    Running::Blake3(h) => {
                        h.update(&buffer[..filled]);
                    }
                    Running::Evp(ctx) => {
                        if !ctx.is_null() && (ssl.unwrap().update)(*ctx, buffer.as_ptr() as *const c_void, filled) != 1 {
                            failed = libc::EIO;
                        }
                    }
                }
            }
            filled = 0;
        }
        if n == 0 || failed != 0 {
            break;
        }
    }
    if failed == 0 && !stat_taken && libc::fstat(fd, &mut st) != 0 {
        failed = errno();
    }
    libc::close(fd);
    let start = out.len();
    let mut digest = [0u8; 64];
    if running.is_empty() {
        for (i, a) in algorithms.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            match a {
                Algorithm::Blake3 => push_hex(out, blake3::hash(&buffer[..filled]).as_bytes()),
                Algorithm::Evp(md, size) => {
                    let mut length: c_uint = 0;
                    if failed == 0 && (ssl.unwrap().digest)(buffer.as_ptr() as *const c_void, filled, digest.as_mut_ptr(), &mut length, *md, ptr::null_mut()) != 1 {
                        failed = libc::EIO;
                    }
                    push_hex(out, &digest[..*size]);
                }
            }
        }
    } else {
        for (i, r) in running.into_iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            match r {
                Running::Blake3(h) => push_hex(out, h.finalize().as_bytes()),
                Running::Evp(ctx) => {
                    let ssl = ssl.unwrap();
                    let mut length: c_uint = 0;
                    if ctx.is_null() || (ssl.finish)(ctx, digest.as_mut_ptr(), &mut length) != 1 {
                        failed = libc::EIO;
                    }
                    if !ctx.is_null() {
                        (ssl.ctx_free)(ctx);
                    }
                    push_hex(out, &digest[..(length as usize).min(64)]);
                }
            }
        }
    }
    if failed != 0 {
        out.truncate(start);
        return push_errno(out, failed);
    }
    out.push(b'\t');
    push_key(out, &st);
    out.push(b'\n');
}

/// The names in `paths`, each with its NUL: as many as there are NUL bytes.
fn names(paths: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &b) in paths.iter().enumerate() {
        if b == 0 {
            out.push(&paths[start..=i]);
            start = i + 1;
        }
    }
    out
}

thread_local! {
    /// Each rayon thread's read buffer, made once (not one a piece of work: 1 MiB each).
    static BUFFER: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(Vec::new());
}

/// `hash_one` with this thread's read buffer (`BUFFER`), no stat before the read:
/// records.rs's first check hashes the files the cache does not answer with it.
pub(crate) unsafe fn hash_here(path: &[u8], algorithms: &[Algorithm], out: &mut Vec<u8>) {
    BUFFER.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        if buffer.is_empty() {
            *buffer = vec![0u8; READ_BYTES];
        }
        hash_one(path, algorithms, &mut buffer, out, None)
    })
}

/// One call's work, from the JavaScript thread to libuv's and back.
struct Work {
    paths: Vec<u8>,
    algorithms: Vec<Algorithm>,
    records: Option<Records>,
    /// Each file stat'ed here, once open (no `expect`): see `Stat`.
    stat: Option<Stat>,
    callback: Ref,
    work: AsyncWork,
    result: Vec<u8>,
    output: Option<Vec<u8>>,
}

/// What `hashFiles` needs to write the result cache's records of the files it hashed: the
/// disk store's tag, the time in base 36, the ctime (ns) a file must be older than to be
/// settled, and per file (a line each, in order) the identity key its stat had and the
/// level keys of its entries, one per algorithm.
struct Records {
    tag: Vec<u8>,
    t36: Vec<u8>,
    settled_before: i128,
    expect: Vec<u8>,
}

/// `hashFiles`'s sixth argument: the files were not stat'ed before. Each is stat'ed once
/// open (`fstat`) and refused unread unless a regular file of at most `limit` bytes; with
/// `records`, its `expect` line is made here from that stat (its key, and the level keys
/// of `prefixes`), and a file whose stat once read differs gets `\t-` on its line.
struct Stat {
    limit: u64,
    prefixes: Vec<Vec<u8>>,
    /// `LIMIT\tSEP` (SEP `  ` or ` *`, one algorithm): each file read also gets its checksum
    /// line, `HEX SEP NAME\n` (the name's bytes as given), in a buffer for the callback's
    /// third argument; a file whose records are made then has the line `*\n` alone.
    separator: Option<Vec<u8>>,
}

/// One piece of work's output: its lines, and the records it made for each shard.
struct Piece {
    lines: Vec<u8>,
    shards: Vec<(Vec<u8>, u32)>,
    /// With `Stat::separator`: the checksum lines.
    output: Vec<u8>,
}

pub(crate) fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

/// After `hash_one` wrote the line at `out[start..]`: where the file was read as its stat
/// had it and is settled, its records (diskCacheStore.ts's `record` of lean entries, leanHash.ts's
/// `store`: `CRC KEY T TAG {"d":"HEX","b":SIZE}`) into `shards`, and `\t*` on its line.
fn make_records(records: &Records, expect: &[u8], out: &mut Vec<u8>, start: usize, shards: &mut [(Vec<u8>, u32)], body: &mut Vec<u8>) {
    let line = &out[start..out.len() - 1];
    let Some(tab) = line.iter().position(|&b| b == b'\t') else { return };
    if tab == 0 {
        return;
    }
    let (digests, after) = (&line[..tab], &line[tab + 1..]);
    let Some(etab) = expect.iter().position(|&b| b == b'\t') else { return };
    let (before, ids) = (&expect[..etab], &expect[etab + 1..]);
    if after != before {
        return;
    }
    let mut fields = after.split(|&b| b == b':');
    let size = fields.nth(2);
    let ctime = fields.nth(1).and_then(|c| std::str::from_utf8(c).ok()).and_then(|c| c.parse::<i128>().ok());
    let (Some(size), Some(ctime)) = (size, ctime) else { return };
    if ctime >= records.settled_before {
        return;
    }
    let digests: Vec<&[u8]> = digests.split(|&b| b == b',').collect();
    let ids: Vec<&[u8]> = ids.split(|&b| b == b',').collect();
    if digests.len() != ids.len() || ids.iter().any(|id| id.len() < 2) {
        return;
    }
    for (id, digest) in ids.iter().zip(&digests) {
        push_digest_record(&mut shards[shard_of(id)], body, id, &records.t36, &records.tag, digest, size);
    }
    out.pop();
    out.extend_from_slice(b"\t*\n");
}

unsafe extern "C" fn execute(_env: Env, data: *mut c_void) {
    let work = &mut *(data as *mut Work);
    let list = names(&work.paths);
    let algorithms = &work.algorithms;
    let records = work.records.as_ref();
    // Each file's line of `expect` (none without records, or with fewer lines than files).
    let expect: Vec<&[u8]> = match records {
        Some(r) => r.expect.split(|&b| b == b'\n').collect(),
        None => Vec::new(),
    };
    let stat = work.stat.as_ref();
    let records = records.filter(|_| stat.is_some() || expect.len() >= list.len());
    let prefixes: Vec<&[u8]> = stat.map(|s| s.prefixes.iter().map(|p| p.as_slice()).collect()).unwrap_or_default();
    let sha256 = if prefixes.is_empty() { None } else { algorithm("sha256").ok() };
    let pieces: Vec<Piece> = list
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(c, chunk)| {
            let mut piece = Piece { lines: Vec::with_capacity(chunk.len() * 160), shards: Vec::new(), output: Vec::new() };
            if records.is_some() {
                piece.shards.resize_with(SHARDS, || (Vec::new(), 0));
            }
            let mut body = Vec::new();
            let (mut line, mut text) = (Vec::new(), Vec::new());
            BUFFER.with(|buffer| {
                let mut buffer = buffer.borrow_mut();
                if buffer.is_empty() {
                    // calloc'ed: its pages are touched as reads fill them (a small file's, one).
                    *buffer = vec![0u8; READ_BYTES];
                }
                for (k, path) in chunk.iter().enumerate() {
                    let start = piece.lines.len();
                    let Some(stat) = stat else {
                        hash_one(path, algorithms, &mut buffer, &mut piece.lines, None);
                        if let Some(records) = records {
                            make_records(records, expect[c * CHUNK + k], &mut piece.lines, start, &mut piece.shards, &mut body);
                        }
                        continue;
                    };
                    let mut before: libc::stat = std::mem::zeroed();
                    hash_one(path, algorithms, &mut buffer, &mut piece.lines, Some((stat.limit, &mut before)));
                    let Some(tab) = piece.lines[start..].iter().position(|&b| b == b'\t') else { continue };
                    if tab == 0 {
                        continue;
                    }
                    if let Some(separator) = &stat.separator {
                        piece.output.extend_from_slice(&piece.lines[start..start + tab]);
                        piece.output.extend_from_slice(separator);
                        piece.output.extend_from_slice(&path[..path.len() - 1]);
                        piece.output.push(b'\n');
                    }
                    // The line `expect` would have had: the key before the read, its level keys.
                    line.clear();
                    push_key(&mut line, &before);
                    let key_end = line.len();
                    if piece.lines[start + tab + 1..piece.lines.len() - 1] != line[..] {
                        piece.lines.pop();
                        piece.lines.extend_from_slice(b"\t-\n");
                        continue;
                    }
                    if let Some(records) = records {
                        push_ids(&prefixes, sha256, 0, &mut text, &mut line);
                        if line.len() > key_end {
                            make_records(records, &line, &mut piece.lines, start, &mut piece.shards, &mut body);
                        }
                    }
                    if stat.separator.is_some() {
                        // Its records made: nothing more is needed of its line.
                        if piece.lines.ends_with(b"\t*\n") {
                            piece.lines.truncate(start);
                            piece.lines.extend_from_slice(b"*\n");
                        }
                    }
                }
            });
            piece
        })
        .collect();
    let mut result: Vec<u8> = Vec::with_capacity(pieces.iter().map(|p| p.lines.len()).sum());
    for piece in &pieces {
        result.extend_from_slice(&piece.lines);
    }
    if stat.is_some_and(|s| s.separator.is_some()) {
        work.output = Some(pieces.iter().flat_map(|p| p.output.iter().copied()).collect());
    }
    if records.is_some() {
        // Then each shard's records, after a NUL: `\0SS COUNT\n` and the records.
        for shard in 0..SHARDS {
            let count: u32 = pieces.iter().map(|p| p.shards[shard].1).sum();
            if count == 0 {
                continue;
            }
            let _ = write!(result, "\0{:02x} {}\n", shard, count);
            for piece in &pieces {
                result.extend_from_slice(&piece.shards[shard].0);
            }
        }
    }
    work.result = result;
}

unsafe extern "C" fn complete(env: Env, _status: i32, data: *mut c_void) {
    let work = Box::from_raw(data as *mut Work);
    let mut callback = ptr::null_mut();
    napi_get_reference_value(env, work.callback, &mut callback);
    let mut args = [ptr::null_mut(); 3];
    napi_get_undefined(env, &mut args[2]);
    // The lines are ASCII: a latin1 string is made without decoding.
    let output = match &work.output {
        Some(output) => buffer(env, output).map(|b| args[2] = b).is_ok(),
        None => true,
    };
    if output && napi_create_string_latin1(env, work.result.as_ptr() as *const c_char, work.result.len(), &mut args[1]) == 0 {
        napi_get_null(env, &mut args[0]);
    } else {
        napi_create_error(env, text(env, "ENOMEM"), text(env, "could not make the results"), &mut args[0]);
        napi_get_undefined(env, &mut args[1]);
    }
    call(env, callback, &args);
    napi_delete_reference(env, work.callback);
    napi_delete_async_work(env, work.work);
}

unsafe fn string(env: Env, value: Value, what: &str) -> Result<String, Failure> {
    let mut length = 0usize;
    checked(napi_get_value_string_utf8(env, value, ptr::null_mut(), 0, &mut length), what)?;
    let mut buffer = vec![0u8; length + 1];
    checked(napi_get_value_string_utf8(env, value, buffer.as_mut_ptr() as *mut c_char, buffer.len(), &mut length), what)?;
    buffer.truncate(length);
    String::from_utf8(buffer).map_err(|_| Failure::usage(what))
}

/// `hashFiles(paths, algorithms, callback)`: see the module's comment.
pub unsafe extern "C" fn hash_files(env: Env, info: CallbackInfo) -> Value {
    let run = || -> Outcome {
        let (argv, argc) = arguments::<6>(env, info)?;
        let paths = bytes(env, argv[0])?.to_vec();
        // `stat` ("LIMIT\nPREFIX\n..."): see `Stat`.
        let stat = if argc >= 6 {
            let text = bytes(env, argv[5])?;
            let mut lines = text.split(|&b| b == b'\n');
            let first = lines.next().unwrap_or_default();
            let (limit, separator) = match first.iter().position(|&b| b == b'\t') {
                Some(tab) => (&first[..tab], Some(first[tab + 1..].to_vec())),
                None => (first, None),
            };
            let limit = std::str::from_utf8(limit).ok().and_then(|l| l.parse::<u64>().ok());
            let Some(limit) = limit else { return Err(Failure::usage("stat: LIMIT first")) };
            Some(Stat { limit, prefixes: lines.filter(|p| !p.is_empty()).map(|p| p.to_vec()).collect(), separator })
        } else {
            None
        };
        // `records` ("TAG\tT36\tSETTLED_BEFORE_NS", or "" for none) and `expect` (a line a file): see `Records`.
        let records = if argc >= 5 && !string(env, argv[3], "records: a string")?.is_empty() {
            let head = string(env, argv[3], "records: a string")?;
            let mut parts = head.split('\t');
            let (Some(tag), Some(t36), Some(before)) = (parts.next(), parts.next(), parts.next()) else {
                return Err(Failure::usage("records: TAG, T36 and SETTLED_BEFORE_NS"));
            };
            let settled_before = before.parse::<i128>().map_err(|_| Failure::usage("records: SETTLED_BEFORE_NS"))?;
            Some(Records { tag: tag.as_bytes().to_vec(), t36: t36.as_bytes().to_vec(), settled_before, expect: bytes(env, argv[4])?.to_vec() })
        } else {
            None
        };
        let algorithms = string(env, argv[1], "algorithms: a string")?
            .split(',')
            .map(algorithm)
            .collect::<Result<Vec<_>, _>>()?;
        if algorithms.is_empty() {
            return Err(Failure::usage("algorithms: at least one"));
        }
        let mut callback = ptr::null_mut();
        checked(napi_create_reference(env, argv[2], 1, &mut callback), "callback: a function")?;
        let work = Box::into_raw(Box::new(Work { paths, algorithms, records, stat, callback, work: ptr::null_mut(), result: Vec::new(), output: None }));
        let mut async_work = ptr::null_mut();
        if napi_create_async_work(env, ptr::null_mut(), text(env, "sluiceNativeHashFiles"), execute, complete, work as *mut c_void, &mut async_work) != 0
            || {
                (*work).work = async_work;
                napi_queue_async_work(env, async_work) != 0
            }
        {
            let work = Box::from_raw(work);
            napi_delete_reference(env, work.callback);
            if !work.work.is_null() {
                napi_delete_async_work(env, work.work);
            }
            return Err(Failure::usage("could not queue the work"));
        }
        super::undefined(env)
    };
    run().unwrap_or_else(|failure| throw(env, failure))
}

/// The stat line of `path`; with `prefixes` (and SHA-256 found), each prefix followed by the
/// key hashed with SHA-256, its first 40 hex digits after a tab, "," between two.
unsafe fn stat_one(path: &[u8], prefixes: &[&[u8]], sha256: Option<Algorithm>, text: &mut Vec<u8>, out: &mut Vec<u8>) {
    let mut st: libc::stat = std::mem::zeroed();
    if libc::stat(path.as_ptr() as *const c_char, &mut st) != 0 {
        return push_errno(out, errno());
    }
    out.push(match st.st_mode & libc::S_IFMT {
        libc::S_IFREG => b'f',
        libc::S_IFDIR => b'd',
        _ => b'o',
    });
    out.push(b'\t');
    let key_at = out.len();
    push_key(out, &st);
    if !prefixes.is_empty() {
        push_ids(prefixes, sha256, key_at, text, out);
    }
    out.push(b'\n');
}

/// After a key at `out[key_at..]`: a tab and, per prefix, the first 40 hex digits of
/// SHA-256 of the prefix followed by the key, "," between two (nothing without SHA-256).
pub(crate) unsafe fn push_ids(prefixes: &[&[u8]], sha256: Option<Algorithm>, key_at: usize, text: &mut Vec<u8>, out: &mut Vec<u8>) {
    if let Some(Algorithm::Evp(md, _)) = sha256 {
        let ssl = openssl().unwrap();
        let key_end = out.len();
        out.push(b'\t');
        for (i, prefix) in prefixes.iter().enumerate() {
            text.clear();
            text.extend_from_slice(prefix);
            text.extend_from_slice(&out[key_at..key_end]);
            let mut digest = [0u8; 64];
            let mut length: c_uint = 0;
            (ssl.digest)(text.as_ptr() as *const c_void, text.len(), digest.as_mut_ptr(), &mut length, md, ptr::null_mut());
            if i > 0 {
                out.push(b',');
            }
            push_hex(out, &digest[..20]);
        }
    }
}

/// `statMany(paths)`: see the module's comment.
pub unsafe extern "C" fn stat_many(env: Env, info: CallbackInfo) -> Value {
    let run = || -> Outcome {
        let (argv, argc) = arguments::<2>(env, info)?;
        let paths = bytes(env, argv[0])?;
        let prefixes: Vec<&[u8]> = if argc > 1 { bytes(env, argv[1])?.split(|&b| b == b'\n').filter(|p| !p.is_empty()).collect() } else { Vec::new() };
        let sha256 = if prefixes.is_empty() { None } else { Some(algorithm("sha256")?) };
        let list = names(paths);
        let pieces: Vec<Vec<u8>> = list
            .par_chunks(256)
            .map_init(Vec::new, |text, chunk| {
                let mut out = Vec::with_capacity(chunk.len() * (64 + 41 * prefixes.len()));
                for path in chunk {
                    stat_one(path, &prefixes, sha256, text, &mut out);
                }
                out
            })
            .collect();
        let result = pieces.concat();
        let mut out = ptr::null_mut();
        checked(napi_create_string_latin1(env, result.as_ptr() as *const c_char, result.len(), &mut out), "string")?;
        Ok(out)
    };
    run().unwrap_or_else(|failure| throw(env, failure))
}

/// The stat of `path` is the identity `fields` hold (dev, ino, size, mtime ns, ctime ns, as
/// a bigint stat has them): 1; a regular file with another identity: 0; anything else
/// (missing, unreadable, not a regular file): 2.
unsafe fn same_one(path: &[u8], fields: &[i64]) -> u8 {
    let mut st: libc::stat = std::mem::zeroed();
    if libc::stat(path.as_ptr() as *const c_char, &mut st) != 0 || st.st_mode & libc::S_IFMT != libc::S_IFREG {
        return 2;
    }
    let ns = |sec: i64, nsec: i64| (sec as i128 * 1_000_000_000 + nsec as i128) as i64;
    let same = st.st_dev as u64 as i64 == fields[0]
        && st.st_ino as u64 as i64 == fields[1]
        && st.st_size as i64 == fields[2]
        && ns(st.st_mtime as i64, st.st_mtime_nsec as i64) == fields[3]
        && ns(st.st_ctime as i64, st.st_ctime_nsec as i64) == fields[4];
    same as u8
}

const BIGINT64: i32 = 9;

/// `sameMany(paths, entries, fields)`: for each name of `paths` (as `hashFiles` takes them),
/// whether its file is still the identity its entry of `entries` (a BigInt64Array, `fields`
/// values an entry, the first five dev, ino, size, mtime ns, ctime ns) holds: one byte a
/// name (`same_one`), stat'ed on every core; a buffer of another length than the names
/// where the entries are fewer.
pub unsafe extern "C" fn same_many(env: Env, info: CallbackInfo) -> Value {
    let run = || -> Outcome {
        let (argv, _) = arguments::<3>(env, info)?;
        let paths = bytes(env, argv[0])?;
        let entries = index_entries(env, argv[1])?;
        let fields = super::number(env, argv[2], "fields: a count")? as usize;
        if fields < 5 {
            return Err(Failure::usage("fields: at least 5"));
        }
        let list = names(paths);
        if list.len() * fields > entries.len() {
            return super::buffer(env, &[]);
        }
        let mut flags = vec![0u8; list.len()];
        flags.par_chunks_mut(256).enumerate().for_each(|(c, out)| {
            for (k, flag) in out.iter_mut().enumerate() {
                let i = c * 256 + k;
                *flag = same_one(list[i], &entries[i * fields..i * fields + 5]);
            }
        });
        super::buffer(env, &flags)
    };
    run().unwrap_or_else(|failure| throw(env, failure))
}

/// The entries of a check index (`fields` values each) as `same_spans` and `lines_at` take
/// them: a BigInt64Array, borrowed for the call.
unsafe fn index_entries<'a>(env: Env, value: Value) -> Result<&'a [i64], Failure> {
    let (mut kind, mut length, mut data, mut offset) = (0, 0usize, ptr::null_mut(), 0usize);
    let mut buffer = ptr::null_mut();
    checked(super::napi_get_typedarray_info(env, value, &mut kind, &mut length, &mut data, &mut buffer, &mut offset), "entries: a BigInt64Array")?;
    if kind != BIGINT64 {
        return Err(Failure::usage("entries: a BigInt64Array"));
    }
    Ok(if length == 0 { &[] } else { std::slice::from_raw_parts(data as *const i64, length) })
}

/// The name an entry's span (its field 6: offset * 2^32 + length) marks in `sums`, or None
/// where it has none, lies outside or holds a NUL (no such file can be stat'ed by that name).
fn span_name<'a>(sums: &'a [u8], span: i64) -> Option<&'a [u8]> {
    let (start, length) = ((span as u64 >> 32) as usize, (span as u64 & 0xffff_ffff) as usize);
    let name = sums.get(start..start.checked_add(length)?)?;
    (length > 0 && !name.contains(&0)).then_some(name)
}

/// `sameSpans(sums, entries, fields)`: `sameMany` for a plain check index, its names read
/// from the checksum file's bytes `sums` where each entry's span says (field 6): no name is
/// made in JavaScript. 2 for an entry without a usable span; a buffer of another length than
/// the entries where `fields` is under 7.
pub unsafe extern "C" fn same_spans(env: Env, info: CallbackInfo) -> Value {
    let run = || -> Outcome {
        let (argv, _) = arguments::<3>(env, info)?;
        let sums = bytes(env, argv[0])?;
        let entries = index_entries(env, argv[1])?;
        let fields = super::number(env, argv[2], "fields: a count")? as usize;
        if fields < 7 {
            return super::buffer(env, &[]);
        }
        let count = entries.len() / fields;
        let mut flags = vec![0u8; count];
        flags.par_chunks_mut(256).enumerate().for_each(|(c, out)| {
            let mut path = Vec::with_capacity(256);
            for (k, flag) in out.iter_mut().enumerate() {
                let entry = &entries[(c * 256 + k) * fields..(c * 256 + k + 1) * fields];
                *flag = match span_name(sums, entry[6]) {
                    None => 2,
                    Some(name) => {
                        path.clear();
                        path.extend_from_slice(name);
                        path.push(0);
                        same_one(&path, &entry[..5])
                    }
                };
            }
        });
        super::buffer(env, &flags)
    };
    run().unwrap_or_else(|failure| throw(env, failure))
}

/// `linesAt(sums, entries, fields, suffix)`: each entry's name (its span in `sums`, as
/// `sameSpans` reads it) followed by `suffix`, all in one buffer: a re-check's `NAME: OK`
/// lines without a string made a name. Null where an entry has no usable span.
pub unsafe extern "C" fn lines_at(env: Env, info: CallbackInfo) -> Value {
    let run = || -> Outcome {
        let (argv, _) = arguments::<4>(env, info)?;
        let sums = bytes(env, argv[0])?;
        let entries = index_entries(env, argv[1])?;
        let fields = super::number(env, argv[2], "fields: a count")? as usize;
        let suffix = bytes(env, argv[3])?;
        let mut out = Vec::new();
        let mut result = ptr::null_mut();
        if fields >= 7 {
            for entry in entries.chunks_exact(fields) {
                let Some(name) = span_name(sums, entry[6]) else {
                    napi_get_null(env, &mut result);
                    return Ok(result);
                };
                out.extend_from_slice(name);
                out.extend_from_slice(suffix);
            }
        }
        super::buffer(env, &out)
    };
    run().unwrap_or_else(|failure| throw(env, failure))
}

/// The regular files under the folder `dir` (named `prefix` + name in `out`, each ended by a
/// NUL), in byte order of the names at every level, a folder's files where its name sorts,
/// links not followed; false where a folder cannot be read or a name is not UTF-8.
fn walk(dir: &[u8], prefix: &[u8], out: &mut Vec<u8>) -> bool {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    let Ok(read) = std::fs::read_dir(std::ffi::OsStr::from_bytes(dir)) else { return false };
    let mut entries: Vec<(Vec<u8>, u8)> = Vec::new();
    for entry in read {
        let Ok(entry) = entry else { return false };
        let Ok(kind) = entry.file_type() else { return false };
        let name = entry.file_name().into_vec();
        if std::str::from_utf8(&name).is_err() {
            return false;
        }
        entries.push((name, if kind.is_dir() { b'd' } else if kind.is_file() { b'f' } else { b'o' }));
    }
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut child = prefix.to_vec();
    for (name, kind) in entries {
        child.truncate(prefix.len());
        child.extend_from_slice(&name);
        if kind == b'd' {
            let mut inner = child.clone();
            inner.push(b'/');
            if !walk(&child, &inner, out) {
                return false;
            }
        } else if kind == b'f' {
            out.extend_from_slice(&child);
            out.push(0);
        }
    }
    true
}

/// `walkFiles(dir, prefix)` (two strings): `walk`'s names as one string, or null.
pub unsafe extern "C" fn walk_files(env: Env, info: CallbackInfo) -> Value {
    let run = || -> Outcome {
        let (argv, _) = arguments::<2>(env, info)?;
        let dir = string(env, argv[0], "dir: a string")?;
        let prefix = string(env, argv[1], "prefix: a string")?;
        let mut out = Vec::new();
        let mut result = ptr::null_mut();
        if !walk(dir.as_bytes(), prefix.as_bytes(), &mut out) {
            napi_get_null(env, &mut result);
            return Ok(result);
        }
        checked(napi_create_string_utf8(env, out.as_ptr() as *const c_char, out.len(), &mut result), "string")?;
        Ok(result)
    };
    run().unwrap_or_else(|failure| throw(env, failure))
}

pub(crate) const FUNCTIONS: [(&[u8], super::Callback); 6] = [
    (b"hashFiles\0", hash_files),
    (b"statMany\0", stat_many),
    (b"sameMany\0", same_many),
    (b"sameSpans\0", same_spans),
    (b"linesAt\0", lines_at),
    (b"walkFiles\0", walk_files),
];
