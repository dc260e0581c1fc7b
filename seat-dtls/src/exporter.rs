//! The exporter of a BoringSSL DTLS 1.3 connection, for the expat session.
//!
//! `SSL_export_keying_material` on a DTLS 1.3 connection computes RFC 8446 section 7.5's
//! `TLS-Exporter` with RFC 9147 section 5.9's labels: BoringSSL prefixes `"dtls13"` itself,
//! so the caller passes the bare expat label. The crate's `exporter` test checks this on a
//! live connection: seat-binding's key schedule, run with `Protocol::Dtls13` from the
//! `EXPORTER_SECRET` BoringSSL writes to its key log, reproduces the stack's output.

use core::fmt;

use boring::ssl::{SslRef, SslVersion};
use seat_binding::exporter::Exporter;
use seat_binding::provider::HashAlgorithm;
use seat_binding::{Error, Secret};
use zeroize::Zeroizing;

/// The largest label RFC 8446 section 7.1 allows after the 6-byte `"dtls13"` prefix.
pub const MAX_LABEL_LEN: usize = 249;

/// The exporter of a DTLS 1.3 connection whose handshake has completed.
pub struct BoringExporter<'a> {
    ssl: &'a SslRef,
    hash: HashAlgorithm,
}

impl<'a> BoringExporter<'a> {
    /// Wraps `ssl`.
    ///
    /// # Errors
    ///
    /// [`Error::HandshakeNotComplete`], [`Error::UnsupportedProtocolVersion`] (not DTLS 1.3),
    /// or [`Error::UnsupportedHash`] for a cipher suite whose hash is not SHA-256 or SHA-384.
    pub fn new(ssl: &'a SslRef) -> Result<Self, Error> {
        if !ssl.is_init_finished() {
            return Err(Error::HandshakeNotComplete);
        }
        if ssl.version2() != Some(SslVersion::DTLS1_3) {
            return Err(Error::UnsupportedProtocolVersion);
        }
        let suite = ssl
            .current_cipher()
            .map(|c| c.protocol_id())
            .ok_or(Error::UnsupportedHash)?;
        let hash = hash_of_suite(suite).ok_or(Error::UnsupportedHash)?;
        Ok(Self { ssl, hash })
    }
}

/// The hash of a TLS 1.3 cipher suite (RFC 8446 appendix B.4).
pub fn hash_of_suite(suite: u16) -> Option<HashAlgorithm> {
    match suite {
        // TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_CCM_SHA256.
        0x1301 | 0x1303 | 0x1304 => Some(HashAlgorithm::Sha256),
        // TLS_AES_256_GCM_SHA384.
        0x1302 => Some(HashAlgorithm::Sha384),
        _ => None,
    }
}

impl fmt::Debug for BoringExporter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoringExporter")
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

impl Exporter for BoringExporter<'_> {
    fn hash_algorithm(&self) -> HashAlgorithm {
        self.hash
    }

    fn export(
        &self,
        label: &[u8],
        context: Option<&[u8]>,
        out_len: usize,
    ) -> Result<Secret, Error> {
        // The limits seat-binding's RecordedExporter enforces, checked before the stack.
        if out_len == 0 || out_len > 255 * self.hash.output_len() {
            return Err(Error::InvalidOutputLength);
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(Error::LabelTooLong);
        }
        let label = core::str::from_utf8(label).map_err(|_| Error::InvalidLabel)?;
        // Zeroized on drop, on every path.
        let mut out = Zeroizing::new(vec![0u8; out_len]);
        self.ssl
            .export_keying_material(&mut out, label, context)
            .map_err(|_| Error::ExporterFailed)?;
        Ok(Secret::from_slice(&out))
    }
}
