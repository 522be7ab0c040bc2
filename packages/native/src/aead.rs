//! age's payload cipher for a whole piece of STREAM chunks in one call [C2SP age §Payload]:
//! ChaCha20-Poly1305 [RFC 8439] over 64 KiB chunks, each with its 16-byte tag, the nonce
//! the 11-byte big-endian chunk counter and a flag byte (1 on the final chunk).
//!
//! The cipher is the OpenSSL the running Node already carries (its `EVP_*` functions are
//! exported by the node binary, or by the libcrypto a distribution's node links): they are
//! looked up by name when first used, so this adds no dependency, and where they are absent
//! (another runtime, a Node built against BoringSSL) these functions say so and the rest of
//! the addon still loads. Tags are checked by OpenSSL (`CRYPTO_memcmp`, constant time).
//!
//! One call runs on the calling thread: the engine's workers spread the pieces.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::ptr;
use std::sync::OnceLock;

use super::{arguments, checked, double, napi_create_string_utf8, napi_get_typedarray_info, number, throw, undefined, CallbackInfo, Env, Failure, Outcome, Status, Value, UINT8_ARRAY};

extern "C" {
    fn napi_get_value_bool(env: Env, value: Value, result: *mut bool) -> Status;
}

pub(crate) const CHUNK: usize = 65536;
pub(crate) const TAG: usize = 16;
pub(crate) const SEALED_CHUNK: usize = CHUNK + TAG;
pub(crate) const KEY: usize = 32;
/// EVP_CTRL_AEAD_GET_TAG and EVP_CTRL_AEAD_SET_TAG (openssl/evp.h).
const GET_TAG: c_int = 0x10;
const SET_TAG: c_int = 0x11;

type Ctx = *mut c_void;
type Init = unsafe extern "C" fn(Ctx, *const c_void, *mut c_void, *const u8, *const u8) -> c_int;
type Update = unsafe extern "C" fn(Ctx, *mut u8, *mut c_int, *const u8, c_int) -> c_int;
type Final = unsafe extern "C" fn(Ctx, *mut u8, *mut c_int) -> c_int;

/// The EVP functions this module calls, and the cipher, found once per process.
pub(crate) struct Evp {
    cipher: *const c_void,
    ctx_new: unsafe extern "C" fn() -> Ctx,
    ctx_free: unsafe extern "C" fn(Ctx),
    encrypt_init: Init,
    decrypt_init: Init,
    encrypt_update: Update,
    decrypt_update: Update,
    encrypt_final: Final,
    decrypt_final: Final,
    ctrl: unsafe extern "C" fn(Ctx, c_int, c_int, *mut c_void) -> c_int,
    version: String,
}

// The cipher is an immutable, reference-counted OpenSSL object, safe to share between threads.
unsafe impl Send for Evp {}
unsafe impl Sync for Evp {}

static EVP: OnceLock<Option<Evp>> = OnceLock::new();

unsafe fn find() -> Option<Evp> {
    // OpenSSL 3: fetch the provider's cipher once (an explicit fetch spares each init the
    // implicit one); OpenSSL 1.1: its static cipher.
    let cipher = match super::openssl_symbol(c"EVP_CIPHER_fetch") {
        Some(fetch) => {
            let fetch: unsafe extern "C" fn(*mut c_void, *const c_char, *const c_char) -> *const c_void = std::mem::transmute(fetch);
            fetch(ptr::null_mut(), c"ChaCha20-Poly1305".as_ptr(), ptr::null())
        }
        None => {
            let get: unsafe extern "C" fn() -> *const c_void = openssl_function!("EVP_chacha20_poly1305");
            get()
        }
    };
    if cipher.is_null() {
        return None;
    }
    let version = match super::openssl_symbol(c"OpenSSL_version") {
        Some(f) => {
            let f: unsafe extern "C" fn(c_int) -> *const c_char = std::mem::transmute(f);
            let text = f(0);
            if text.is_null() { "OpenSSL".into() } else { CStr::from_ptr(text).to_string_lossy().into_owned() }
        }
        None => "OpenSSL".into(),
    };
    Some(Evp {
        cipher,
        ctx_new: openssl_function!("EVP_CIPHER_CTX_new"),
        ctx_free: openssl_function!("EVP_CIPHER_CTX_free"),
        encrypt_init: openssl_function!("EVP_EncryptInit_ex"),
        decrypt_init: openssl_function!("EVP_DecryptInit_ex"),
        encrypt_update: openssl_function!("EVP_EncryptUpdate"),
        decrypt_update: openssl_function!("EVP_DecryptUpdate"),
        encrypt_final: openssl_function!("EVP_EncryptFinal_ex"),
        decrypt_final: openssl_function!("EVP_DecryptFinal_ex"),
        ctrl: openssl_function!("EVP_CIPHER_CTX_ctrl"),
        version,
    })
}

pub(crate) fn evp() -> Result<&'static Evp, Failure> {
    EVP.get_or_init(|| unsafe { find() })
        .as_ref()
        .ok_or_else(|| Failure { code: "ENOCIPHER".into(), message: "this process exports no OpenSSL ChaCha20-Poly1305".into() })
}

fn crypto_failure() -> Failure {
    Failure { code: "ECRYPTO".into(), message: "OpenSSL refused a ChaCha20-Poly1305 call".into() }
}

/// A cipher context keyed once for a piece; freed (and wiped by OpenSSL) when dropped.
pub(crate) struct Context<'a> {
    evp: &'a Evp,
    ctx: Ctx,
}

impl Drop for Context<'_> {
    fn drop(&mut self) {
        unsafe { (self.evp.ctx_free)(self.ctx) }
    }
}

impl<'a> Context<'a> {
    pub(crate) unsafe fn new(evp: &'a Evp, key: &[u8], encrypt: bool) -> Result<Context<'a>, Failure> {
        let ctx = (evp.ctx_new)();
        if ctx.is_null() {
            return Err(crypto_failure());
        }
        let context = Context { evp, ctx };
        let init = if encrypt { evp.encrypt_init } else { evp.decrypt_init };
        if init(ctx, evp.cipher, ptr::null_mut(), key.as_ptr(), ptr::null()) != 1 {
            return Err(crypto_failure());
        }
        Ok(context)
    }

    /// Seals `length` bytes at `input` into `output` (the same address, or not overlapping),
    /// the tag at `tag`, under the key and a new nonce.
    pub(crate) unsafe fn seal(&self, nonce: &[u8; 12], input: *const u8, output: *mut u8, length: usize, tag: *mut u8) -> Result<(), Failure> {
        let evp = self.evp;
        if (evp.encrypt_init)(self.ctx, ptr::null(), ptr::null_mut(), ptr::null(), nonce.as_ptr()) != 1 {
            return Err(crypto_failure());
        }
        let mut written: c_int = 0;
        if length > 0 && ((evp.encrypt_update)(self.ctx, output, &mut written, input, length as c_int) != 1 || written as usize != length) {
            return Err(crypto_failure());
        }
        let mut rest: c_int = 0;
        if (evp.encrypt_final)(self.ctx, output.add(length), &mut rest) != 1 || rest != 0 {
            return Err(crypto_failure());
        }
        if (evp.ctrl)(self.ctx, GET_TAG, TAG as c_int, tag as *mut c_void) != 1 {
            return Err(crypto_failure());
        }
        Ok(())
    }

    /// Opens `length` bytes at `input` into `output` (the same address, or not overlapping)
    /// against the tag at `tag`: false when it does not verify (the output then holds
    /// unauthenticated bytes the caller must remove).
    pub(crate) unsafe fn open(&self, nonce: &[u8; 12], input: *const u8, output: *mut u8, length: usize, tag: *const u8) -> Result<bool, Failure> {
        let evp = self.evp;
        if (evp.decrypt_init)(self.ctx, ptr::null(), ptr::null_mut(), ptr::null(), nonce.as_ptr()) != 1 {
            return Err(crypto_failure());
        }
        let mut expected = [0u8; TAG];
        expected.copy_from_slice(std::slice::from_raw_parts(tag, TAG));
        if (evp.ctrl)(self.ctx, SET_TAG, TAG as c_int, expected.as_mut_ptr() as *mut c_void) != 1 {
            return Err(crypto_failure());
        }
        let mut written: c_int = 0;
        if length > 0 && ((evp.decrypt_update)(self.ctx, output, &mut written, input, length as c_int) != 1 || written as usize != length) {
            return Err(crypto_failure());
        }
        let mut rest: c_int = 0;
        Ok((evp.decrypt_final)(self.ctx, output.add(length), &mut rest) == 1)
    }
}

/// Chunk `index`'s nonce: the counter big-endian in bytes 0-10, then the final flag.
pub(crate) fn nonce(index: u64, last: bool) -> [u8; 12] {
    let mut out = [0u8; 12];
    out[3..11].copy_from_slice(&index.to_be_bytes());
    out[11] = last as u8;
    out
}

/// A Uint8Array's address and length, for views that may share memory.
unsafe fn view(env: Env, value: Value, what: &str) -> Result<(*mut u8, usize), Failure> {
    let (mut kind, mut length, mut data, mut offset) = (0, 0usize, ptr::null_mut(), 0usize);
    let mut buffer = ptr::null_mut();
    checked(napi_get_typedarray_info(env, value, &mut kind, &mut length, &mut data, &mut buffer, &mut offset), what)?;
    if kind != UINT8_ARRAY {
        return Err(Failure::usage(what));
    }
    // An empty view may have no address: any aligned non-null one does, as nothing is read.
    Ok((if data.is_null() { ptr::NonNull::<u8>::dangling().as_ptr() } else { data as *mut u8 }, length))
}

fn overlap(a: *const u8, a_length: usize, b: *const u8, b_length: usize) -> bool {
    let (a, b) = (a as usize, b as usize);
    a < b + b_length && b < a + a_length
}

/// The arguments both calls take: `(key, firstChunk, final, input, output)`.
struct Run {
    key: [u8; KEY],
    first: u64,
    last: bool,
    input: (*mut u8, usize),
    output: (*mut u8, usize),
}

impl Drop for Run {
    fn drop(&mut self) {
        // The key's copy on this stack goes with the call.
        unsafe { ptr::write_volatile(&mut self.key, [0u8; KEY]) };
    }
}

unsafe fn run(env: Env, info: CallbackInfo) -> Result<Run, Failure> {
    let (argv, argc) = arguments::<5>(env, info)?;
    if argc < 5 {
        return Err(Failure::usage("expected (key, firstChunk, final, input, output)"));
    }
    let (key_at, key_length) = view(env, argv[0], "key: a Uint8Array")?;
    if key_length != KEY {
        return Err(Failure::usage("a ChaCha20-Poly1305 key has 32 bytes"));
    }
    let mut key = [0u8; KEY];
    key.copy_from_slice(std::slice::from_raw_parts(key_at, KEY));
    let first = number(env, argv[1], "firstChunk: a chunk index")?;
    if first.fract() != 0.0 || first > 9007199254740991.0 {
        return Err(Failure::usage("firstChunk: a chunk index"));
    }
    let mut last = false;
    checked(napi_get_value_bool(env, argv[2], &mut last), "final: a boolean")?;
    Ok(Run { key, first: first as u64, last, input: view(env, argv[3], "input: a Uint8Array")?, output: view(env, argv[4], "output: a Uint8Array")? })
}

/// `sealChunks(key, firstChunk, final, plaintext, out)`: seals the plaintext's chunks (64 KiB
/// each; only a final run may end short or be empty) into `out` (`plaintext.length + 16` a
/// chunk), chunk `i` at `i * 65552` with its tag after it, the nonces counting from
/// `firstChunk`, the last chunk flagged final when `final`. `plaintext` is either apart
/// from `out` or exactly its tail (one buffer, read into its end): each chunk is then moved
/// down to its place and sealed there.
unsafe extern "C" fn seal_chunks(env: Env, info: CallbackInfo) -> Value {
    let go = || -> Outcome {
        let evp = evp()?;
        let run = run(env, info)?;
        let ((input, length), (output, room)) = (run.input, run.output);
        let chunks = length.div_ceil(CHUNK).max(1);
        if !run.last && (length == 0 || length % CHUNK != 0) {
            return Err(Failure::usage("only the final run may end with a short or empty chunk"));
        }
        if room != length + TAG * chunks {
            return Err(Failure::usage("out must have 16 bytes more than the plaintext a chunk"));
        }
        let tail = overlap(input, length, output, room);
        if tail && input as usize != output as usize + room - length {
            return Err(Failure::usage("the plaintext is apart from out or exactly its tail"));
        }
        let context = Context::new(evp, &run.key, true)?;
        for i in 0..chunks {
            let size = (length - i * CHUNK).min(CHUNK);
            let from = input.add(i * CHUNK);
            let to = output.add(i * SEALED_CHUNK);
            let nonce = nonce(run.first + i as u64, run.last && i == chunks - 1);
            if tail {
                // Its place ends at or before the next chunk's plaintext (the tail starts 16
                // bytes a chunk in), so nothing unread is overwritten.
                ptr::copy(from, to, size);
                context.seal(&nonce, to, to, size, to.add(size))?;
            } else {
                context.seal(&nonce, from, to, size, to.add(size))?;
            }
        }
        undefined(env)
    };
    go().unwrap_or_else(|failure| throw(env, failure))
}

/// `openChunks(key, firstChunk, final, ciphertext, out)`: opens the ciphertext's chunks
/// (65,552 bytes each; a final run's last may be shorter, down to a lone tag) into `out`
/// (16 bytes a chunk less), chunk `i`'s plaintext at `i * 65536`; returns how many chunks
/// opened, the index (from the run's start) of the first whose tag did not verify when
/// fewer than all. `out` is apart from the ciphertext or starts where it does (one buffer:
/// each chunk is moved down to its place and opened there). A chunk that fails leaves no
/// plaintext: apart, what it wrote is zeroed; in one buffer, its ciphertext is put back as
/// it was (the keystream applied again), so the caller may try it under the other flag.
/// Chunks after it are untouched; those before it are opened.
unsafe extern "C" fn open_chunks(env: Env, info: CallbackInfo) -> Value {
    let go = || -> Outcome {
        let evp = evp()?;
        let run = run(env, info)?;
        let ((input, length), (output, room)) = (run.input, run.output);
        if length < TAG {
            return Err(Failure::usage("a chunk has at least its 16-byte tag"));
        }
        let chunks = length.div_ceil(SEALED_CHUNK);
        let last_size = length - (chunks - 1) * SEALED_CHUNK;
        if last_size < TAG || (!run.last && last_size != SEALED_CHUNK) {
            return Err(Failure::usage("only the final run may end with a short chunk, and no chunk is shorter than a tag"));
        }
        if room != length - TAG * chunks {
            return Err(Failure::usage("out must have 16 bytes less than the ciphertext a chunk"));
        }
        let same = overlap(input, length, output, room);
        if same && input != output {
            return Err(Failure::usage("out is apart from the ciphertext or starts where it does"));
        }
        let context = Context::new(evp, &run.key, false)?;
        for i in 0..chunks {
            let size = (length - i * SEALED_CHUNK).min(SEALED_CHUNK) - TAG;
            let from = input.add(i * SEALED_CHUNK);
            let to = output.add(i * CHUNK);
            let nonce = nonce(run.first + i as u64, run.last && i == chunks - 1);
            let tag = from.add(size);
            if !same {
                if !context.open(&nonce, from, to, size, tag)? {
                    ptr::write_bytes(to, 0, size);
                    return double(env, i as f64);
                }
                continue;
            }
            // Moved down by 16 bytes a chunk before it: the tag, after the chunk, stays put.
            ptr::copy(from, to, size);
            if !context.open(&nonce, to, to, size, tag)? {
                // The same keystream again gives the ciphertext back (its tag is not needed).
                let restore = Context::new(evp, &run.key, true)?;
                let mut ignored = [0u8; TAG];
                restore.seal(&nonce, to, to, size, ignored.as_mut_ptr())?;
                ptr::copy(to, from, size);
                return double(env, i as f64);
            }
        }
        double(env, chunks as f64)
    };
    go().unwrap_or_else(|failure| throw(env, failure))
}

/// `aeadVersion()`: the OpenSSL that answers (`OpenSSL 3.5.x ...`), or undefined where this
/// process exports none.
unsafe extern "C" fn aead_version(env: Env, _info: CallbackInfo) -> Value {
    let go = || -> Outcome {
        match evp() {
            Err(_) => undefined(env),
            Ok(evp) => {
                let mut out = ptr::null_mut();
                checked(napi_create_string_utf8(env, evp.version.as_ptr() as *const c_char, evp.version.len(), &mut out), "string")?;
                Ok(out)
            }
        }
    };
    go().unwrap_or_else(|failure| throw(env, failure))
}

/// The functions this module adds to the addon's exports.
pub const FUNCTIONS: [(&[u8], super::Callback); 3] = [
    (b"sealChunks\0", seal_chunks),
    (b"openChunks\0", open_chunks),
    (b"aeadVersion\0", aead_version),
];
