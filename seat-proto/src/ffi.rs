//! The one place in seat-proto that uses `unsafe`: OpenSSL's message callback
//! (`SSL_CTX_set_msg_callback`, which the `openssl` crate does not wrap) and custom-extension
//! callbacks registered with `SSL_CTX_add_custom_ext` directly, because the crate's safe
//! wrapper cannot return the SEAT alerts (its `SslAlert` has no constructor for values it
//! does not name).
//!
//! Every trampoline turns OpenSSL's raw arguments into safe references and calls one safe
//! function of [`crate::openssl_glue`]; no trampoline lets a panic unwind into C.
#![allow(unsafe_code)]

use core::ffi::{c_int, c_uchar, c_uint, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};

use foreign_types::ForeignTypeRef;
use openssl::ssl::{SslContextBuilder, SslRef};
use openssl::x509::X509Ref;
use openssl_sys as sys;

use crate::openssl_glue::callbacks;

/// `SSL3_RT_HANDSHAKE`: the message callback's content type for handshake messages.
const RT_HANDSHAKE: c_int = 22;

/// The C signature of OpenSSL's message callback (`SSL_CTX_set_msg_callback(3)`).
type MsgCallback = unsafe extern "C" fn(
    write_p: c_int,
    version: c_int,
    content_type: c_int,
    buf: *const c_void,
    len: usize,
    ssl: *mut sys::SSL,
    arg: *mut c_void,
);

// SAFETY (declaration): this is the prototype of `SSL_CTX_set_msg_callback` in OpenSSL 1.1.1
// and 3.x `<openssl/ssl.h>`: `void SSL_CTX_set_msg_callback(SSL_CTX *ctx, void (*cb)(int
// write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl, void
// *arg))`; it is an exported function, not a macro, in those versions, and `openssl-sys`
// links the same libssl.
unsafe extern "C" {
    fn SSL_CTX_set_msg_callback(ctx: *mut sys::SSL_CTX, cb: Option<MsgCallback>);
}

/// Registers the message callback and the `remoteAttestation` custom extension (in the
/// given OpenSSL context bits) on `builder`.
///
/// Returns `false` if OpenSSL refused the extension (already registered, or a type OpenSSL
/// handles itself).
pub(crate) fn install(builder: &mut SslContextBuilder, ext_type: u16, context: c_uint) -> bool {
    let ctx = builder.as_ptr();
    // SAFETY: `ctx` is a live SSL_CTX owned by `builder` for the duration of these calls.
    // The callbacks are `extern "C"` functions with exactly the prototypes OpenSSL expects
    // (checked by the `openssl-sys` types for the custom-extension ones); they are plain
    // functions with no captured state, so they stay valid as long as the program, and the
    // null `arg`s are never dereferenced.
    unsafe {
        SSL_CTX_set_msg_callback(ctx, Some(msg_trampoline));
        sys::SSL_CTX_add_custom_ext(
            ctx,
            c_uint::from(ext_type),
            context,
            Some(add_trampoline),
            Some(free_trampoline),
            core::ptr::null_mut(),
            Some(parse_trampoline),
            core::ptr::null_mut(),
        ) == 1
    }
}

unsafe extern "C" fn msg_trampoline(
    write_p: c_int,
    _version: c_int,
    content_type: c_int,
    buf: *const c_void,
    len: usize,
    ssl: *mut sys::SSL,
    _arg: *mut c_void,
) {
    if content_type != RT_HANDSHAKE || buf.is_null() || ssl.is_null() {
        return;
    }
    // SAFETY: OpenSSL calls this with `buf` pointing to `len` readable bytes (the whole
    // handshake message, header included) and `ssl` the live connection, both valid for the
    // duration of the call; nothing keeps either reference past it. OpenSSL holds no other
    // Rust reference to this SSL while it runs its own state machine.
    let (bytes, ssl) = unsafe {
        (
            core::slice::from_raw_parts(buf.cast::<u8>(), len),
            SslRef::from_ptr_mut(ssl),
        )
    };
    let _ = catch_unwind(AssertUnwindSafe(|| {
        callbacks::on_message(ssl, write_p == 1, bytes);
    }));
}

/// Converts the certificate arguments of the Certificate context.
///
/// # Safety
///
/// `x` is null or a live X509 for the duration of the callback.
unsafe fn entry<'a>(x: *mut sys::X509, chainidx: usize) -> Option<(usize, &'a X509Ref)> {
    if x.is_null() {
        None
    } else {
        // SAFETY: per this function's contract.
        Some((chainidx, unsafe { X509Ref::from_ptr(x) }))
    }
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn add_trampoline(
    ssl: *mut sys::SSL,
    _ext_type: c_uint,
    context: c_uint,
    out: *mut *const c_uchar,
    outlen: *mut usize,
    x: *mut sys::X509,
    chainidx: usize,
    al: *mut c_int,
    _arg: *mut c_void,
) -> c_int {
    if ssl.is_null() || out.is_null() || outlen.is_null() || al.is_null() {
        return -1;
    }
    // SAFETY: OpenSSL passes the live connection, and `x` null or the certificate being
    // written (Certificate context only), valid for this call.
    let (ssl, cert) = unsafe { (SslRef::from_ptr_mut(ssl), entry(x, chainidx)) };
    let result =
        catch_unwind(AssertUnwindSafe(|| callbacks::on_add(ssl, context, cert))).unwrap_or(Err(80));
    match result {
        Ok(None) => 0,
        Ok(Some(data)) => {
            // The buffer must outlive this call until OpenSSL hands it to the free
            // callback, which receives only the pointer: OpenSSL's allocator pairs
            // CRYPTO_malloc with CRYPTO_free without a length.
            let n = data.len().max(1);
            // SAFETY: CRYPTO_malloc returns null or `n` writable bytes; we copy at most
            // `data.len() <= n` bytes into it and publish it through `out`/`outlen`, which
            // OpenSSL gave us as writable out-parameters.
            unsafe {
                let buf = sys::CRYPTO_malloc(n, c"seat-proto".as_ptr(), 0).cast::<u8>();
                if buf.is_null() {
                    *al = 80;
                    return -1;
                }
                core::ptr::copy_nonoverlapping(data.as_ptr(), buf, data.len());
                *out = buf;
                *outlen = data.len();
            }
            1
        }
        Err(alert) => {
            // SAFETY: `al` is OpenSSL's writable out-parameter for the alert.
            unsafe { *al = c_int::from(alert) };
            -1
        }
    }
}

unsafe extern "C" fn free_trampoline(
    _ssl: *mut sys::SSL,
    _ext_type: c_uint,
    _context: c_uint,
    out: *const c_uchar,
    _arg: *mut c_void,
) {
    if !out.is_null() {
        // SAFETY: `out` is a buffer `add_trampoline` allocated with CRYPTO_malloc and OpenSSL
        // frees it exactly once, here.
        unsafe { sys::CRYPTO_free(out.cast_mut().cast::<c_void>(), c"seat-proto".as_ptr(), 0) };
    }
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn parse_trampoline(
    ssl: *mut sys::SSL,
    _ext_type: c_uint,
    context: c_uint,
    input: *const c_uchar,
    inlen: usize,
    x: *mut sys::X509,
    chainidx: usize,
    al: *mut c_int,
    _arg: *mut c_void,
) -> c_int {
    if ssl.is_null() || al.is_null() || (input.is_null() && inlen != 0) {
        return 0;
    }
    // SAFETY: OpenSSL passes the live connection, `input` pointing to `inlen` readable
    // bytes of extension data, and `x` null or the certificate of this entry, all valid
    // for this call.
    let (ssl, data, cert) = unsafe {
        let data = if inlen == 0 {
            &[][..]
        } else {
            core::slice::from_raw_parts(input, inlen)
        };
        (SslRef::from_ptr_mut(ssl), data, entry(x, chainidx))
    };
    let result = catch_unwind(AssertUnwindSafe(|| {
        callbacks::on_parse(ssl, context, data, cert)
    }))
    .unwrap_or(Err(80));
    match result {
        Ok(()) => 1,
        Err(alert) => {
            // SAFETY: `al` is OpenSSL's writable out-parameter for the alert.
            unsafe { *al = c_int::from(alert) };
            0
        }
    }
}
