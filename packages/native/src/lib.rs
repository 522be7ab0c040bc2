//! Sluice's native BLAKE3 kernel, a Node-API addon: BLAKE3 of a file mapped into memory,
//! hashed on every core by the blake3 crate's `update_rayon`, in consecutive slices so the
//! caller reports progress (and may stop) between them; and a one-shot hash of a buffer.
//!
//! The few Node-API functions it calls are declared by hand below (no binding crate): they
//! are resolved against the running Node when the addon is loaded.

use std::ffi::{c_char, c_void, CString};
use std::fs::File;
use std::os::unix::ffi::OsStrExt;
use std::ptr;
use std::sync::Mutex;

/// A function of the OpenSSL the running Node exports (aead.rs's cipher, batch.rs's digests),
/// looked up by name; `return None` from the enclosing function where it is missing.
macro_rules! openssl_function {
    ($name:literal) => {
        std::mem::transmute($crate::openssl_symbol(std::ffi::CStr::from_bytes_with_nul(concat!($name, "\0").as_bytes()).ok()?)?)
    };
}

mod aead;
mod age_file;
mod async_file;
mod batch;
mod napi;
mod records;
mod sigbus;

use napi::*;

/// A symbol of the running process (Node's own OpenSSL), or None.
unsafe fn openssl_symbol(name: &std::ffi::CStr) -> Option<*mut c_void> {
    let found = libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr());
    if found.is_null() { None } else { Some(found) }
}

const OK: Status = 0;
const UINT8_ARRAY: i32 = 1;

/// What a call failed with: a code for the caller (`errno:N` for the system's errors) and a message.
struct Failure {
    code: String,
    message: String,
}

impl Failure {
    fn usage(message: &str) -> Failure {
        Failure { code: "EINVAL_ARGUMENT".into(), message: message.into() }
    }
    fn io(error: std::io::Error) -> Failure {
        let code = match error.raw_os_error() {
            Some(errno) => format!("errno:{errno}"),
            None => "EIO".into(),
        };
        Failure { code, message: error.to_string() }
    }
}

type Outcome = Result<Value, Failure>;

unsafe fn throw(env: Env, failure: Failure) -> Value {
    let code = CString::new(failure.code).unwrap_or_default();
    let message = CString::new(failure.message).unwrap_or_default();
    napi_throw_error(env, code.as_ptr(), message.as_ptr());
    ptr::null_mut()
}

unsafe fn checked(status: Status, what: &str) -> Result<(), Failure> {
    if status == OK { Ok(()) } else { Err(Failure::usage(what)) }
}

unsafe fn arguments<const N: usize>(env: Env, info: CallbackInfo) -> Result<([Value; N], usize), Failure> {
    let mut argv = [ptr::null_mut(); N];
    let mut argc = N;
    checked(napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), ptr::null_mut(), ptr::null_mut()), "arguments")?;
    Ok((argv, argc))
}

/// The bytes of a Uint8Array (a Buffer is one), borrowed for the call.
unsafe fn bytes<'a>(env: Env, value: Value) -> Result<&'a [u8], Failure> {
    let (mut kind, mut length, mut data, mut offset) = (0, 0usize, ptr::null_mut(), 0usize);
    let mut buffer = ptr::null_mut();
    checked(napi_get_typedarray_info(env, value, &mut kind, &mut length, &mut data, &mut buffer, &mut offset), "expected a Uint8Array")?;
    if kind != UINT8_ARRAY {
        return Err(Failure::usage("expected a Uint8Array"));
    }
    Ok(if length == 0 { &[] } else { std::slice::from_raw_parts(data as *const u8, length) })
}

unsafe fn number(env: Env, value: Value, what: &str) -> Result<f64, Failure> {
    let mut out = 0.0;
    checked(napi_get_value_double(env, value, &mut out), what)?;
    if !out.is_finite() || out < 0.0 {
        return Err(Failure::usage(what));
    }
    Ok(out)
}

unsafe fn buffer(env: Env, data: &[u8]) -> Outcome {
    let mut out = ptr::null_mut();
    checked(napi_create_buffer_copy(env, data.len(), data.as_ptr() as *const c_void, ptr::null_mut(), &mut out), "buffer")?;
    Ok(out)
}

unsafe fn double(env: Env, value: f64) -> Outcome {
    let mut out = ptr::null_mut();
    checked(napi_create_double(env, value, &mut out), "number")?;
    Ok(out)
}

unsafe fn undefined(env: Env) -> Outcome {
    let mut out = ptr::null_mut();
    checked(napi_get_undefined(env, &mut out), "undefined")?;
    Ok(out)
}

/// One rayon pool per thread count asked for, kept for the life of the process.
static POOLS: Mutex<Vec<(usize, &'static rayon::ThreadPool)>> = Mutex::new(Vec::new());

fn pool(threads: usize) -> Result<&'static rayon::ThreadPool, Failure> {
    let mut pools = POOLS.lock().map_err(|_| Failure::usage("thread pools poisoned"))?;
    if let Some((_, pool)) = pools.iter().find(|(n, _)| *n == threads) {
        return Ok(pool);
    }
    let built = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("sluice-blake3-{i}"))
        .build()
        .map_err(|e| Failure { code: "ETHREADS".into(), message: e.to_string() })?;
    let pool: &'static rayon::ThreadPool = Box::leak(Box::new(built));
    pools.push((threads, pool));
    Ok(pool)
}

/// Hashes `input` on `threads` threads (0: rayon's default, one a core; 1: this thread only).
fn update(hasher: &mut blake3::Hasher, input: &[u8], threads: usize) -> Result<(), Failure> {
    match threads {
        1 => {
            hasher.update(input);
        }
        0 => {
            hasher.update_rayon(input);
        }
        n => {
            pool(n)?.install(|| {
                hasher.update_rayon(input);
            });
        }
    }
    Ok(())
}

/// `hash(data, threads = 1)`: BLAKE3 of a buffer, 32 bytes.
unsafe extern "C" fn hash(env: Env, info: CallbackInfo) -> Value {
    let run = || -> Outcome {
        let (argv, argc) = arguments::<2>(env, info)?;
        let data = bytes(env, argv[0])?;
        let threads = if argc > 1 { number(env, argv[1], "threads: a count")? as usize } else { 1 };
        let mut hasher = blake3::Hasher::new();
        update(&mut hasher, data, threads)?;
        buffer(env, hasher.finalize().as_bytes())
    };
    run().unwrap_or_else(|failure| throw(env, failure))
}

const FILE_TAG: u64 = 0x736c_7569_6365_6233; // "sluiceb3"

/// A file being hashed: its map (none for an empty file), the hasher and how far it got.
struct FileHash {
    tag: u64,
    file: Option<File>,
    map: Option<memmap2::Mmap>,
    size: u64,
    position: usize,
    hasher: blake3::Hasher,
}

unsafe extern "C" fn finalize_file(_env: Env, data: *mut c_void, _hint: *mut c_void) {
    drop(Box::from_raw(data as *mut FileHash));
}

unsafe fn file_hash<'a>(env: Env, value: Value) -> Result<&'a mut FileHash, Failure> {
    let mut data = ptr::null_mut();
    checked(napi_get_value_external(env, value, &mut data), "expected a file handle")?;
    let file = data as *mut FileHash;
    if file.is_null() || (*file).tag != FILE_TAG {
        return Err(Failure::usage("expected a file handle"));
    }
    Ok(&mut *file)
}

/// `fileOpen(path: Uint8Array)`: a handle on the file mapped into memory, or undefined when
/// it is not a regular file (a pipe, a device, a directory) or cannot be mapped: the caller
/// reads those.
unsafe extern "C" fn file_open(env: Env, info: CallbackInfo) -> Value {
    let run = || -> Outcome {
        let (argv, _) = arguments::<1>(env, info)?;
        let path = std::ffi::OsStr::from_bytes(bytes(env, argv[0])?);
        let file = File::open(path).map_err(Failure::io)?;
        let metadata = file.metadata().map_err(Failure::io)?;
        if !metadata.is_file() {
            return undefined(env);
        }
        let size = metadata.len();
        if size > usize::MAX as u64 {
            return Err(Failure { code: "EFBIG".into(), message: "the file is larger than the address space".into() });
        }
        // A map of the file as it is now; its length is fixed, so a file that grows is hashed
        // up to this length and `fileDigest` refuses one whose size then differs.
        let map = if size == 0 {
            None
        } else {
            match memmap2::Mmap::map(&file) {
                Ok(map) => Some(map),
                // A file system that cannot map it (some FUSE and special files): the caller reads it.
                Err(_) => return undefined(env),
            }
        };
        if let Some(map) = &map {
            // Read ahead far, since it is read once from start to end (a hint: its failure changes nothing).
            let _ = map.advise(memmap2::Advice::Sequential);
        }
        let state = Box::new(FileHash { tag: FILE_TAG, file: Some(file), map, size, position: 0, hasher: blake3::Hasher::new() });
        let mut out = ptr::null_mut();
        let raw = Box::into_raw(state) as *mut c_void;
        if napi_create_external(env, raw, Some(finalize_file), ptr::null_mut(), &mut out) != OK {
            drop(Box::from_raw(raw as *mut FileHash));
            return Err(Failure::usage("external"));
        }
        Ok(out)
    };
    run().unwrap_or_else(|failure| throw(env, failure))
}

/// `fileSize(handle)`: the file's size when it was opened.
unsafe extern "C" fn file_size(env: Env, info: CallbackInfo) -> Value {
    let run = || -> Outcome {
        let (argv, _) = arguments::<1>(env, info)?;
        double(env, file_hash(env, argv[0])?.size as f64)
    };
    run().unwrap_or_else(|failure| throw(env, failure))
}

/// `fileUpdate(handle, length, threads)`: hashes the next `length` bytes (fewer at the end)
/// on `threads` threads; returns how many bytes have been hashed so far.
unsafe extern "C" fn file_update(env: Env, info: CallbackInfo) -> Value {
    let run = || -> Outcome {
        let (argv, _) = arguments::<3>(env, info)?;
        let state = file_hash(env, argv[0])?;
        let length = number(env, argv[1], "length: a byte count")?;
        let threads = number(env, argv[2], "threads: a count")? as usize;
        double(env, async_file::next_slice(state, length, threads)? as f64)
    };
    run().unwrap_or_else(|failure| throw(env, failure))
}

/// Drops the pages of `map[start..end]` from this process (they stay in the page cache): a
/// file hashed once holds no more of the process's memory than a slice, however large it is.
/// `start` is a multiple of the page size when the slices are.
fn release(map: &[u8], start: usize, end: usize) {
    let page = 4096;
    let from = start - start % page;
    if end > from {
        // A hint: where it fails, the pages are the kernel's to reclaim as before.
        unsafe { libc::madvise(map.as_ptr().add(from) as *mut c_void, end - from, libc::MADV_DONTNEED) };
    }
}

/// `fileDigest(handle)`: the 32-byte digest once every byte is hashed; the map is released.
/// A file whose size changed since it was opened fails with code `ECHANGED`.
unsafe extern "C" fn file_digest(env: Env, info: CallbackInfo) -> Value {
    let run = || -> Outcome {
        let (argv, _) = arguments::<1>(env, info)?;
        let state = file_hash(env, argv[0])?;
        if state.position as u64 != state.size {
            return Err(Failure::usage("the file is not hashed to its end"));
        }
        let now = match &state.file {
            Some(file) => file.metadata().map_err(Failure::io)?.len(),
            None => return Err(Failure::usage("the file is closed")),
        };
        state.map = None;
        state.file = None;
        if now != state.size {
            return Err(Failure { code: "ECHANGED".into(), message: "the file changed while it was being hashed".into() });
        }
        buffer(env, state.hasher.finalize().as_bytes())
    };
    run().unwrap_or_else(|failure| throw(env, failure))
}

/// `fileClose(handle)`: releases the map and the file now rather than when the handle is collected.
unsafe extern "C" fn file_close(env: Env, info: CallbackInfo) -> Value {
    let run = || -> Outcome {
        let (argv, _) = arguments::<1>(env, info)?;
        let state = file_hash(env, argv[0])?;
        state.map = None;
        state.file = None;
        undefined(env)
    };
    run().unwrap_or_else(|failure| throw(env, failure))
}

/// `version()`: what this kernel is, for `sluice doctor`.
unsafe extern "C" fn version(env: Env, _info: CallbackInfo) -> Value {
    let text = concat!("sluice-native ", env!("CARGO_PKG_VERSION"), " (blake3 1.3.1, rayon)");
    let mut out = ptr::null_mut();
    if napi_create_string_utf8(env, text.as_ptr() as *const c_char, text.len(), &mut out) != OK {
        return throw(env, Failure::usage("string"));
    }
    out
}

#[no_mangle]
pub unsafe extern "C" fn napi_register_module_v1(env: Env, exports: Value) -> Value {
    let functions: [(&[u8], Callback); 8] = [
        (b"hash\0", hash),
        (b"fileOpen\0", file_open),
        (b"fileSize\0", file_size),
        (b"fileUpdate\0", file_update),
        (b"fileUpdateAsync\0", async_file::file_update_async),
        (b"fileDigest\0", file_digest),
        (b"fileClose\0", file_close),
        (b"version\0", version),
    ];
    for (name, callback) in functions.into_iter().chain(aead::FUNCTIONS).chain(age_file::FUNCTIONS).chain(batch::FUNCTIONS).chain(records::FUNCTIONS).chain(sigbus::FUNCTIONS) {
        let mut function = ptr::null_mut();
        let name = name.as_ptr() as *const c_char;
        if napi_create_function(env, name, usize::MAX, callback, ptr::null_mut(), &mut function) != OK
            || napi_set_named_property(env, exports, name, function) != OK
        {
            return throw(env, Failure::usage("could not register the addon's functions"));
        }
    }
    exports
}
