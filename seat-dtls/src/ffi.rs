//! The DTLS timer calls BoringSSL has and the `boring` crate does not wrap. This is the one
//! module of the crate with `unsafe` code.
//!
//! BoringSSL leaves DTLS retransmission to its caller: `DTLSv1_get_timeout` says when the
//! retransmission timer fires, `DTLSv1_handle_timeout` retransmits when it has, and
//! `DTLSv1_set_initial_timeout_duration` sets the first timeout (the stack doubles it up to
//! 60 seconds). Each call takes the connection's `SSL*`, valid for as long as the `&SslRef`
//! (or `&mut SslRef`) it comes from; none keeps the pointer.
#![allow(unsafe_code)]

use core::time::Duration;

use boring::ssl::SslRef;
use foreign_types::ForeignTypeRef;

/// How long until the connection's DTLS retransmission timer fires, if it runs.
pub(crate) fn dtls_timeout(ssl: &SslRef) -> Option<Duration> {
    let mut tv = boring_sys::timeval {
        tv_sec: 0,
        tv_usec: 0,
    };
    // SAFETY: `ssl.as_ptr()` is a live SSL* for the borrow's duration, and `tv` a valid
    // timeval that the call only writes.
    let running = unsafe { boring_sys::DTLSv1_get_timeout(ssl.as_ptr(), &mut tv) };
    if running != 1 {
        return None;
    }
    let secs = u64::try_from(tv.tv_sec).unwrap_or(0);
    let micros = u64::try_from(tv.tv_usec).unwrap_or(0);
    Some(Duration::from_secs(secs) + Duration::from_micros(micros))
}

/// Retransmits the current flight if the timer has fired. `false` when BoringSSL failed.
pub(crate) fn dtls_handle_timeout(ssl: &mut SslRef) -> bool {
    // SAFETY: `ssl.as_ptr()` is a live SSL*, exclusively borrowed for the call.
    let ret = unsafe { boring_sys::DTLSv1_handle_timeout(ssl.as_ptr()) };
    ret >= 0
}

/// Sets the first retransmission timeout of the handshake.
pub(crate) fn set_initial_timeout(ssl: &mut SslRef, timeout: Duration) {
    let ms = u32::try_from(timeout.as_millis())
        .unwrap_or(u32::MAX)
        .max(1);
    // SAFETY: `ssl.as_ptr()` is a live SSL*, exclusively borrowed for the call.
    unsafe { boring_sys::DTLSv1_set_initial_timeout_duration(ssl.as_ptr(), ms) };
}
