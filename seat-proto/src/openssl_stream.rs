//! The enforcing stream of early attestation over OpenSSL (feature `openssl`).
//!
//! [`openssl_glue`](crate::openssl_glue)'s callbacks can abort OpenSSL's handshake only where
//! an OpenSSL callback still runs; a fault the message callback finds later (a CMW missing
//! at Finished, an offer changed after a HelloRetryRequest) leaves OpenSSL's handshake
//! complete, and a plain `SslStream` would read and write. [`EarlyStream`] is the gate that
//! does not depend on the caller asking: it is built only from a connection whose
//! [`outcome`] is accepted, and it checks [`failure`] again before and after every read and
//! write, so a fault the callbacks record at any later point fails the connection on its next
//! record. A refused connection is shut down (`close_notify`) and every later call returns
//! the same error; no application byte crosses the gate before the outcome is accepted.

use std::io::{self, Read, Write};

use openssl::ssl::{HandshakeError, MidHandshakeSslStream, Ssl, SslRef, SslStream};

use crate::error::Error;
use crate::openssl_glue::{EarlyOutcome, failure, outcome};

/// Why an [`EarlyStream`] could not be set up.
#[derive(Debug)]
#[non_exhaustive]
pub enum EarlyStreamError<S> {
    /// OpenSSL's handshake failed (the adapter's [`failure`] holds the typed cause, if any).
    Handshake(HandshakeError<S>),
    /// The handshake completed but early attestation did not succeed: the connection was
    /// shut down before any application data.
    Refused(Error),
}

impl<S: core::fmt::Debug> core::fmt::Display for EarlyStreamError<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Handshake(e) => write!(f, "TLS handshake failed: {e}"),
            Self::Refused(e) => write!(f, "early attestation refused: {e}"),
        }
    }
}

impl<S: core::fmt::Debug> core::error::Error for EarlyStreamError<S> {}

/// An OpenSSL stream whose application data flows only while early attestation stands
/// accepted; `A` is the hooks' accepted type ([`AttestationHooks::Accepted`](crate::hooks::AttestationHooks::Accepted)). See the [module documentation](self).
#[derive(Debug)]
pub struct EarlyStream<S, A> {
    inner: SslStream<S>,
    outcome: EarlyOutcome<A>,
    /// The error that failed the connection after it was set up; terminal.
    failed: Option<Error>,
}

impl<S: Read + Write, A: Clone + 'static> EarlyStream<S, A> {
    /// Runs the client handshake on `ssl` (prepared with
    /// [`attach_client`](crate::openssl_glue::attach_client)) over a blocking `stream`.
    ///
    /// # Errors
    ///
    /// [`EarlyStreamError::Handshake`] if OpenSSL's handshake fails or would block,
    /// [`EarlyStreamError::Refused`] if early attestation did not succeed.
    pub fn connect(ssl: Ssl, stream: S) -> Result<Self, EarlyStreamError<S>> {
        let s = ssl.connect(stream).map_err(EarlyStreamError::Handshake)?;
        Self::new(s).map_err(|(e, _)| EarlyStreamError::Refused(e))
    }

    /// Runs the server handshake on `ssl` (prepared with
    /// [`attach_server`](crate::openssl_glue::attach_server)) over a blocking `stream`.
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect).
    pub fn accept(ssl: Ssl, stream: S) -> Result<Self, EarlyStreamError<S>> {
        let s = ssl.accept(stream).map_err(EarlyStreamError::Handshake)?;
        Self::new(s).map_err(|(e, _)| EarlyStreamError::Refused(e))
    }

    /// Continues a handshake that would have blocked (non-blocking I/O), then checks as
    /// [`new`](Self::new).
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect); `Handshake(WouldBlock)` to be retried.
    pub fn resume(mid: MidHandshakeSslStream<S>) -> Result<Self, EarlyStreamError<S>> {
        let s = mid.handshake().map_err(EarlyStreamError::Handshake)?;
        Self::new(s).map_err(|(e, _)| EarlyStreamError::Refused(e))
    }

    /// Wraps a connection whose handshake completed: accepted only if the adapter's
    /// [`outcome`] is. A refused connection is shut down with `close_notify` and handed back
    /// with the error, for logs; it must not carry application data.
    ///
    /// # Errors
    ///
    /// The outcome's error, with the stream.
    pub fn new(mut inner: SslStream<S>) -> Result<Self, (Error, SslStream<S>)> {
        match outcome(inner.ssl()) {
            Ok(outcome) => Ok(Self {
                inner,
                outcome,
                failed: None,
            }),
            Err(e) => {
                let _ = inner.shutdown();
                Err((e, inner))
            }
        }
    }

    /// What early attestation established.
    pub fn outcome(&self) -> &EarlyOutcome<A> {
        &self.outcome
    }

    /// The OpenSSL connection (for [`start_expat`](crate::openssl_glue::start_expat)).
    pub fn ssl(&self) -> &SslRef {
        self.inner.ssl()
    }

    /// The transport.
    pub fn get_ref(&self) -> &S {
        self.inner.get_ref()
    }

    /// The error that failed the connection, if any.
    pub fn error(&self) -> Option<&Error> {
        self.failed.as_ref()
    }

    /// Fails the connection if the adapter recorded a fault since it was set up.
    fn check(&mut self) -> io::Result<()> {
        if self.failed.is_none()
            && let Some((e, _)) = failure(self.inner.ssl())
        {
            let _ = self.inner.shutdown();
            self.failed = Some(e);
        }
        match &self.failed {
            Some(e) => Err(io::Error::new(io::ErrorKind::PermissionDenied, e.clone())),
            None => Ok(()),
        }
    }
}

impl<S: Read + Write, A: Clone + 'static> Read for EarlyStream<S, A> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.check()?;
        let n = self.inner.read(buf)?;
        // A fault found while OpenSSL processed this record withholds its data.
        if let Err(e) = self.check() {
            if let Some(read) = buf.get_mut(..n) {
                read.fill(0);
            }
            return Err(e);
        }
        Ok(n)
    }
}

impl<S: Read + Write, A: Clone + 'static> Write for EarlyStream<S, A> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.check()?;
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.check()?;
        self.inner.flush()
    }
}
