//! `fileUpdateAsync(handle, length, threads, callback)`: `fileUpdate` as Node-API async work.
//! The slice is hashed on one of libuv's threads (and rayon's, with `threads` other than 1)
//! while the JavaScript thread is free; `callback(error, position)` is then called on it.
//! So a program can hash one large file with the addon without a worker thread of its own
//! (the CLI's lean hash: no worker to start, nothing to load but the addon).
//!
//! The handle is kept alive (a reference) until the callback has run. The caller makes one
//! call at a time on a handle and none of the other `file*` calls until its callback: the
//! work owns the handle's hasher meanwhile.

use super::{checked, file_hash, number, release, update, Env, Failure, FileHash, Outcome, Value};
use super::napi::*;
use super::sigbus::Guard;
use std::ffi::{c_void, CString};
use std::ptr;

/// One slice being hashed off the JavaScript thread.
struct Work {
    state: *mut FileHash,
    length: f64,
    threads: usize,
    handle: Ref,
    callback: Ref,
    work: AsyncWork,
    result: Result<usize, Failure>,
}

/// On a libuv thread: hashes the next slice, as `fileUpdate` does.
unsafe extern "C" fn execute(_env: Env, data: *mut c_void) {
    let work = &mut *(data as *mut Work);
    work.result = next_slice(&mut *work.state, work.length, work.threads);
}

/// Hashes the next `length` bytes of the map (fewer at the end) on `threads` threads and
/// drops their pages; the bytes hashed so far. The map is guarded while it is read
/// (sigbus.rs): a file cut short meanwhile reads as zeros past its end and the slice fails
/// (ECHANGED) rather than ending the process by SIGBUS (no slot free: read unguarded).
pub(crate) fn next_slice(state: &mut FileHash, length: f64, threads: usize) -> Result<usize, Failure> {
    let map = match &state.map {
        Some(map) => &map[..],
        None if state.size == 0 => &[][..],
        None => return Err(Failure::usage("the file is closed")),
    };
    let end = (state.position as f64 + length).min(map.len() as f64) as usize;
    let guard = if map.is_empty() { None } else { Guard::new(map) };
    update(&mut state.hasher, &map[state.position..end], threads)?;
    release(map, state.position, end);
    if guard.is_some_and(|g| g.cut_short()) {
        return Err(Failure { code: "ECHANGED".into(), message: "the file changed while it was being hashed".into() });
    }
    state.position = end;
    Ok(end)
}

/// On the JavaScript thread: calls back with (null, position) or (error, undefined), then frees the work.
unsafe extern "C" fn complete(env: Env, _status: i32, data: *mut c_void) {
    let work = Box::from_raw(data as *mut Work);
    let mut callback = ptr::null_mut();
    napi_get_reference_value(env, work.callback, &mut callback);
    let mut args = [ptr::null_mut(); 2];
    match &work.result {
        Ok(end) => {
            napi_get_null(env, &mut args[0]);
            napi_create_double(env, *end as f64, &mut args[1]);
        }
        Err(failure) => {
            napi_create_error(env, text(env, &failure.code), text(env, &failure.message), &mut args[0]);
            napi_get_undefined(env, &mut args[1]);
        }
    }
    call(env, callback, &args);
    napi_delete_reference(env, work.callback);
    napi_delete_reference(env, work.handle);
    napi_delete_async_work(env, work.work);
}

/// `fileUpdateAsync(handle, length, threads, callback)`: hashes the next `length` bytes
/// (fewer at the end) on `threads` threads off the JavaScript thread, then calls
/// `callback(null, position)` (the bytes hashed so far) or `callback(error)`.
pub unsafe extern "C" fn file_update_async(env: Env, info: *mut c_void) -> Value {
    let run = || -> Outcome {
        let (argv, _) = super::arguments::<4>(env, info)?;
        let state = file_hash(env, argv[0])? as *mut FileHash;
        let length = number(env, argv[1], "length: a byte count")?;
        let threads = number(env, argv[2], "threads: a count")? as usize;
        let mut handle = ptr::null_mut();
        checked(napi_create_reference(env, argv[0], 1, &mut handle), "handle")?;
        let mut callback = ptr::null_mut();
        if napi_create_reference(env, argv[3], 1, &mut callback) != 0 {
            napi_delete_reference(env, handle);
            return Err(Failure::usage("callback: a function"));
        }
        let work = Box::into_raw(Box::new(Work { state, length, threads, handle, callback, work: ptr::null_mut(), result: Ok(0) }));
        let name = CString::new("sluiceNativeFileUpdate").unwrap_or_default();
        let mut async_work = ptr::null_mut();
        if napi_create_async_work(env, ptr::null_mut(), text(env, name.to_str().unwrap_or("")), execute, complete, work as *mut c_void, &mut async_work) != 0
            || { (*work).work = async_work; napi_queue_async_work(env, async_work) != 0 }
        {
            let work = Box::from_raw(work);
            napi_delete_reference(env, work.callback);
            napi_delete_reference(env, work.handle);
            if !work.work.is_null() {
                napi_delete_async_work(env, work.work);
            }
            return Err(Failure::usage("could not queue the work"));
        }
        super::undefined(env)
    };
    run().unwrap_or_else(|failure| super::throw(env, failure))
}
