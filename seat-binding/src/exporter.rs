//! The TLS exporter as protocol code sees it, and adapters that read it from real stacks.
//!
//! RFC 9261 and draft-fossati-seat-expat need only `TLS-Exporter` with the
//! exporter_master_secret (never the early exporter, RFC 9261 section 5.1). [`Exporter`] is that
//! one capability; [`RecordedExporter`] computes it from a recorded secret (key logs, vectors),
//! and the `rustls` and `openssl` features add adapters over live connections.

use core::fmt;

use crate::key_schedule::{Protocol, tls_exporter};
use crate::provider::{CryptoProvider, HashAlgorithm};
use crate::{Error, Secret};

/// A TLS 1.3 (or DTLS 1.3) connection's exporter (RFC 8446 section 7.5).
pub trait Exporter {
    /// The hash of the negotiated cipher suite, which fixes Hash.length for RFC 9261.
    fn hash_algorithm(&self) -> HashAlgorithm;

    /// `TLS-Exporter(label, context, out_len)` from the exporter_master_secret.
    ///
    /// In TLS 1.3 `None` and `Some(&[])` give the same output.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOutputLength`] for a zero or too large length, [`Error::LabelTooLong`],
    /// [`Error::HandshakeNotComplete`] or [`Error::ExporterFailed`] from a live stack.
    fn export(&self, label: &[u8], context: Option<&[u8]>, out_len: usize)
    -> Result<Secret, Error>;
}

/// The limits of RFC 8446 section 7.5 that a live stack's exporter is asked within, checked
/// before the stack is called so that every adapter refuses the same requests with the same
/// errors as [`RecordedExporter`]: a label of at most 249 bytes (255 with the `"tls13 "`
/// prefix) and an output of 1 to 255 * Hash.length bytes.
#[cfg_attr(not(any(feature = "rustls", feature = "openssl")), allow(dead_code))]
fn check_stack_export(hash: HashAlgorithm, label: &[u8], out_len: usize) -> Result<(), Error> {
    if out_len == 0 || out_len > 255 * hash.output_len() {
        return Err(Error::InvalidOutputLength);
    }
    if label.len() > 249 {
        return Err(Error::LabelTooLong);
    }
    Ok(())
}

/// An exporter computed from a recorded exporter_master_secret (the `EXPORTER_SECRET` of an
/// NSS key log, or a test vector).
pub struct RecordedExporter {
    provider: &'static dyn CryptoProvider,
    hash: HashAlgorithm,
    protocol: Protocol,
    exporter_master_secret: Secret,
}

impl RecordedExporter {
    /// Wraps a recorded exporter_master_secret of a TLS 1.3 or DTLS 1.3 connection.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKeyLength`] if the secret is not Hash.length bytes.
    pub fn new(
        provider: &'static dyn CryptoProvider,
        hash: HashAlgorithm,
        protocol: Protocol,
        exporter_master_secret: Secret,
    ) -> Result<Self, Error> {
        if exporter_master_secret.len() != hash.output_len() {
            return Err(Error::InvalidKeyLength);
        }
        Ok(Self {
            provider,
            hash,
            protocol,
            exporter_master_secret,
        })
    }

    /// The protocol whose label prefix this exporter uses.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }
}

impl fmt::Debug for RecordedExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordedExporter")
            .field("hash", &self.hash)
            .field("protocol", &self.protocol)
            .finish_non_exhaustive()
    }
}

impl Exporter for RecordedExporter {
    fn hash_algorithm(&self) -> HashAlgorithm {
        self.hash
    }

    fn export(
        &self,
        label: &[u8],
        context: Option<&[u8]>,
        out_len: usize,
    ) -> Result<Secret, Error> {
        tls_exporter(
            self.provider,
            self.hash,
            self.protocol,
            self.exporter_master_secret.expose(),
            label,
            context,
            out_len,
        )
    }
}

impl<E: Exporter + ?Sized> Exporter for &E {
    fn hash_algorithm(&self) -> HashAlgorithm {
        (**self).hash_algorithm()
    }

    fn export(
        &self,
        label: &[u8],
        context: Option<&[u8]>,
        out_len: usize,
    ) -> Result<Secret, Error> {
        (**self).export(label, context, out_len)
    }
}

/// An exporter that counts the values taken through it: how many exporter values a protocol
/// step costs (each is two HKDF-Expand-Label steps in the TLS stack), for tests and benchmarks.
pub struct CountingExporter<E> {
    inner: E,
    taken: core::cell::Cell<u64>,
}

impl<E: Exporter> CountingExporter<E> {
    /// Counts what is taken through `inner`.
    pub const fn new(inner: E) -> Self {
        Self {
            inner,
            taken: core::cell::Cell::new(0),
        }
    }

    /// How many values were taken so far (failed calls too).
    pub fn taken(&self) -> u64 {
        self.taken.get()
    }
}

impl<E: Exporter> Exporter for CountingExporter<E> {
    fn hash_algorithm(&self) -> HashAlgorithm {
        self.inner.hash_algorithm()
    }

    fn export(
        &self,
        label: &[u8],
        context: Option<&[u8]>,
        out_len: usize,
    ) -> Result<Secret, Error> {
        self.taken.set(self.taken.get().saturating_add(1));
        self.inner.export(label, context, out_len)
    }
}

impl<E> fmt::Debug for CountingExporter<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CountingExporter")
            .field("taken", &self.taken.get())
            .finish_non_exhaustive()
    }
}

/// Exporters of rustls 0.23 connections (feature `rustls`).
#[cfg(feature = "rustls")]
pub mod rustls_adapter {
    use super::*;
    use rustls::crypto::hash::HashAlgorithm as RustlsHash;

    /// A rustls 0.23 connection type whose exporter [`RustlsExporter`] can read: the client
    /// and server connections, `rustls::Connection`, and `ConnectionCommon`.
    pub trait RustlsConnection {
        /// The connection state (handshake progress, negotiated suite).
        fn common_state(&self) -> &rustls::CommonState;

        /// rustls's `export_keying_material`.
        ///
        /// # Errors
        ///
        /// Whatever rustls returns.
        fn export_keying_material_into(
            &self,
            output: Vec<u8>,
            label: &[u8],
            context: Option<&[u8]>,
        ) -> Result<Vec<u8>, rustls::Error>;
    }

    impl<Data> RustlsConnection for rustls::ConnectionCommon<Data> {
        fn common_state(&self) -> &rustls::CommonState {
            self
        }

        fn export_keying_material_into(
            &self,
            output: Vec<u8>,
            label: &[u8],
            context: Option<&[u8]>,
        ) -> Result<Vec<u8>, rustls::Error> {
            self.export_keying_material(output, label, context)
        }
    }

    macro_rules! via_deref {
        ($($ty:ty),*) => {$(
            impl RustlsConnection for $ty {
                fn common_state(&self) -> &rustls::CommonState {
                    self
                }

                fn export_keying_material_into(
                    &self,
                    output: Vec<u8>,
                    label: &[u8],
                    context: Option<&[u8]>,
                ) -> Result<Vec<u8>, rustls::Error> {
                    self.export_keying_material(output, label, context)
                }
            }
        )*};
    }

    via_deref!(
        rustls::ClientConnection,
        rustls::ServerConnection,
        rustls::Connection
    );

    /// The exporter of a rustls 0.23 connection, through `export_keying_material`.
    ///
    /// Created once the handshake is complete; fails for TLS 1.2 connections (expat is TLS 1.3
    /// only, digest section 5.10) and for cipher suites whose hash is not SHA-256 or SHA-384.
    pub struct RustlsExporter<'a, C: RustlsConnection + ?Sized> {
        conn: &'a C,
        hash: HashAlgorithm,
    }

    impl<'a, C: RustlsConnection + ?Sized> RustlsExporter<'a, C> {
        /// Wraps a connection whose TLS 1.3 handshake has completed.
        ///
        /// # Errors
        ///
        /// [`Error::HandshakeNotComplete`], [`Error::UnsupportedProtocolVersion`] or
        /// [`Error::UnsupportedHash`].
        pub fn new(conn: &'a C) -> Result<Self, Error> {
            let state = conn.common_state();
            if state.is_handshaking() {
                return Err(Error::HandshakeNotComplete);
            }
            let suite = state
                .negotiated_cipher_suite()
                .ok_or(Error::HandshakeNotComplete)?;
            let tls13 = suite.tls13().ok_or(Error::UnsupportedProtocolVersion)?;
            let hash = match tls13.common.hash_provider.algorithm() {
                RustlsHash::SHA256 => HashAlgorithm::Sha256,
                RustlsHash::SHA384 => HashAlgorithm::Sha384,
                _ => return Err(Error::UnsupportedHash),
            };
            Ok(Self { conn, hash })
        }
    }

    impl<C: RustlsConnection + ?Sized> fmt::Debug for RustlsExporter<'_, C> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("RustlsExporter")
                .field("hash", &self.hash)
                .finish_non_exhaustive()
        }
    }

    impl<C: RustlsConnection + ?Sized> Exporter for RustlsExporter<'_, C> {
        fn hash_algorithm(&self) -> HashAlgorithm {
            self.hash
        }

        fn export(
            &self,
            label: &[u8],
            context: Option<&[u8]>,
            out_len: usize,
        ) -> Result<Secret, Error> {
            check_stack_export(self.hash, label, out_len)?;
            self.conn
                .export_keying_material_into(vec![0u8; out_len], label, context)
                .map(Secret::new)
                .map_err(|_| Error::ExporterFailed)
        }
    }
}

/// Exporters of OpenSSL connections through the `openssl` crate (feature `openssl`).
#[cfg(feature = "openssl")]
pub mod openssl_adapter {
    use super::*;
    use openssl::nid::Nid;
    use openssl::ssl::{SslRef, SslVersion};

    /// The exporter of an OpenSSL TLS 1.3 connection, through `SSL_export_keying_material`.
    pub struct OpensslExporter<'a> {
        ssl: &'a SslRef,
        hash: HashAlgorithm,
    }

    impl<'a> OpensslExporter<'a> {
        /// Wraps a connection whose TLS 1.3 handshake has completed.
        ///
        /// # Errors
        ///
        /// [`Error::HandshakeNotComplete`], [`Error::UnsupportedProtocolVersion`] or
        /// [`Error::UnsupportedHash`].
        pub fn new(ssl: &'a SslRef) -> Result<Self, Error> {
            if !ssl.is_init_finished() {
                return Err(Error::HandshakeNotComplete);
            }
            if ssl.version2() != Some(SslVersion::TLS1_3) {
                return Err(Error::UnsupportedProtocolVersion);
            }
            let digest = ssl
                .current_cipher()
                .and_then(|c| c.handshake_digest())
                .ok_or(Error::UnsupportedHash)?;
            let hash = match digest.type_() {
                Nid::SHA256 => HashAlgorithm::Sha256,
                Nid::SHA384 => HashAlgorithm::Sha384,
                _ => return Err(Error::UnsupportedHash),
            };
            Ok(Self { ssl, hash })
        }
    }

    impl fmt::Debug for OpensslExporter<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("OpensslExporter")
                .field("hash", &self.hash)
                .finish_non_exhaustive()
        }
    }

    impl Exporter for OpensslExporter<'_> {
        fn hash_algorithm(&self) -> HashAlgorithm {
            self.hash
        }

        fn export(
            &self,
            label: &[u8],
            context: Option<&[u8]>,
            out_len: usize,
        ) -> Result<Secret, Error> {
            check_stack_export(self.hash, label, out_len)?;
            let label = core::str::from_utf8(label).map_err(|_| Error::InvalidLabel)?;
            // The buffer is a Secret from the start, so it is zeroized on every path.
            let mut out = Secret::new(vec![0u8; out_len]);
            let res = self
                .ssl
                .export_keying_material(out.expose_mut(), label, context);
            res.map(|()| out).map_err(|_| Error::ExporterFailed)
        }
    }
}
