//! The Node-API functions the addon calls, declared by hand (no napi crate): resolved at load
//! time against the running Node's exports. Every call returns a napi_status (0: ok).

use std::ffi::{c_char, c_void};
use std::ptr;

pub(crate) type Env = *mut c_void;
pub(crate) type Value = *mut c_void;
pub(crate) type CallbackInfo = *mut c_void;
pub(crate) type Status = i32;
pub(crate) type Callback = unsafe extern "C" fn(Env, CallbackInfo) -> Value;
pub(crate) type Finalize = unsafe extern "C" fn(Env, *mut c_void, *mut c_void);
pub(crate) type AsyncWork = *mut c_void;
pub(crate) type Ref = *mut c_void;
pub(crate) type Execute = unsafe extern "C" fn(Env, *mut c_void);
pub(crate) type Complete = unsafe extern "C" fn(Env, Status, *mut c_void);

extern "C" {
    pub(crate) fn napi_get_cb_info(env: Env, info: CallbackInfo, argc: *mut usize, argv: *mut Value, this: *mut Value, data: *mut *mut c_void) -> Status;
    pub(crate) fn napi_create_function(env: Env, name: *const c_char, length: usize, cb: Callback, data: *mut c_void, result: *mut Value) -> Status;
    pub(crate) fn napi_set_named_property(env: Env, object: Value, name: *const c_char, value: Value) -> Status;
    pub(crate) fn napi_get_typedarray_info(env: Env, value: Value, kind: *mut i32, length: *mut usize, data: *mut *mut c_void, buffer: *mut Value, offset: *mut usize) -> Status;
    pub(crate) fn napi_create_buffer_copy(env: Env, length: usize, data: *const c_void, result_data: *mut *mut c_void, result: *mut Value) -> Status;
    pub(crate) fn napi_create_external(env: Env, data: *mut c_void, finalize: Option<Finalize>, hint: *mut c_void, result: *mut Value) -> Status;
    pub(crate) fn napi_get_value_external(env: Env, value: Value, result: *mut *mut c_void) -> Status;
    pub(crate) fn napi_get_value_double(env: Env, value: Value, result: *mut f64) -> Status;
    pub(crate) fn napi_create_double(env: Env, value: f64, result: *mut Value) -> Status;
    pub(crate) fn napi_create_string_utf8(env: Env, text: *const c_char, length: usize, result: *mut Value) -> Status;
    pub(crate) fn napi_get_undefined(env: Env, result: *mut Value) -> Status;
    pub(crate) fn napi_throw_error(env: Env, code: *const c_char, message: *const c_char) -> Status;
    pub(crate) fn napi_create_async_work(env: Env, resource: Value, name: Value, execute: Execute, complete: Complete, data: *mut c_void, result: *mut AsyncWork) -> Status;
    pub(crate) fn napi_queue_async_work(env: Env, work: AsyncWork) -> Status;
    pub(crate) fn napi_delete_async_work(env: Env, work: AsyncWork) -> Status;
    pub(crate) fn napi_create_reference(env: Env, value: Value, count: u32, result: *mut Ref) -> Status;
    pub(crate) fn napi_get_reference_value(env: Env, reference: Ref, result: *mut Value) -> Status;
    pub(crate) fn napi_delete_reference(env: Env, reference: Ref) -> Status;
    pub(crate) fn napi_call_function(env: Env, this: Value, function: Value, argc: usize, argv: *const Value, result: *mut Value) -> Status;
    pub(crate) fn napi_create_error(env: Env, code: Value, message: Value, result: *mut Value) -> Status;
    pub(crate) fn napi_get_null(env: Env, result: *mut Value) -> Status;
    pub(crate) fn napi_get_value_bool(env: Env, value: Value, result: *mut bool) -> Status;
    pub(crate) fn napi_create_string_latin1(env: Env, text: *const c_char, length: usize, result: *mut Value) -> Status;
    pub(crate) fn napi_get_value_string_utf8(env: Env, value: Value, buf: *mut c_char, bufsize: usize, result: *mut usize) -> Status;
}

/// A JavaScript string of `value`.
pub(crate) unsafe fn text(env: Env, value: &str) -> Value {
    let mut out = ptr::null_mut();
    napi_create_string_utf8(env, value.as_ptr() as *const c_char, value.len(), &mut out);
    out
}

/// Calls the function `callback` with `args` and `this` undefined (an async work's completion).
/// An exception the callback throws stays pending: Node reports it as uncaught.
pub(crate) unsafe fn call(env: Env, callback: Value, args: &[Value]) {
    let mut this = ptr::null_mut();
    napi_get_undefined(env, &mut this);
    let mut ignored = ptr::null_mut();
    napi_call_function(env, this, callback, args.len(), args.as_ptr(), &mut ignored);
}
