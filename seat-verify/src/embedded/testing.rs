//! Self-signed TLS identities for demos and tests. **Not for production**: a self-signed
//! certificate proves nothing by itself; a peer trusts it only because the test hands it over
//! as a root. Nothing here skips a check: the peer still validates the certificate, against a
//! root store that holds exactly this certificate.

use core::fmt;
use std::sync::Arc;

use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use seat_binding::provider::{SignatureAlgorithm, SigningKey, default_provider};
use zeroize::Zeroizing;

use super::SetupError;

/// A fresh self-signed P-256 certificate for one DNS name, with its private key. Its `Debug`
/// shows the certificate's size and never the key.
#[derive(Clone)]
pub struct Identity {
    name: String,
    certificate: CertificateDer<'static>,
    pkcs8: Zeroizing<Vec<u8>>,
    key: Arc<dyn SigningKey>,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("name", &self.name)
            .field("certificate_len", &self.certificate.len())
            .field("pkcs8", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl Identity {
    /// A fresh key and a self-signed certificate whose subject alternative name is `name`
    /// (for example `"localhost"`).
    ///
    /// # Errors
    ///
    /// [`SetupError`] if `name` is not a valid DNS name or IP address, or key generation
    /// fails.
    pub fn self_signed(name: &str) -> Result<Self, SetupError> {
        let err = |e: &dyn fmt::Display| SetupError::new(format!("test identity: {e}"));
        let key =
            rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(|e| err(&e))?;
        let cert = rcgen::CertificateParams::new(vec![name.to_string()])
            .map_err(|e| err(&e))?
            .self_signed(&key)
            .map_err(|e| err(&e))?;
        let pkcs8 = Zeroizing::new(key.serialize_der());
        let signing_key = default_provider()
            .signing_key_from_pkcs8(SignatureAlgorithm::EcdsaSecp256r1Sha256, &pkcs8)
            .map_err(|e| err(&e))?;
        Ok(Self {
            name: name.to_string(),
            certificate: cert.der().clone(),
            pkcs8,
            key: signing_key.into(),
        })
    }

    /// The name the certificate is for.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The DER certificate.
    pub fn certificate(&self) -> &CertificateDer<'static> {
        &self.certificate
    }

    /// The certificate as a one-element chain.
    pub fn chain(&self) -> Vec<CertificateDer<'static>> {
        vec![self.certificate.clone()]
    }

    /// The private key as PKCS#8 DER, for a TLS stack (rustls, OpenSSL).
    pub fn private_key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.pkcs8.to_vec()))
    }

    /// The private key as PKCS#8 DER bytes.
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The key loaded by the default provider (to sign authenticators with).
    pub fn signing_key(&self) -> Arc<dyn SigningKey> {
        Arc::clone(&self.key)
    }
}

/// Moves the TLS records `from` has to write into `to` (two rustls connections in one
/// process, no socket); whether anything moved.
pub fn move_tls<A, B>(
    from: &mut rustls::ConnectionCommon<A>,
    to: &mut rustls::ConnectionCommon<B>,
) -> bool {
    let mut buf = Vec::new();
    while from.wants_write() {
        if from.write_tls(&mut buf).is_err() {
            break;
        }
    }
    if buf.is_empty() {
        return false;
    }
    let mut rd = &buf[..];
    while !rd.is_empty() {
        if to.read_tls(&mut rd).is_err() || to.process_new_packets().is_err() {
            break;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn debug_shows_no_key_bytes() {
        let id = Identity::self_signed("localhost").unwrap();
        let shown = format!("{id:?} {id:#?}");
        // No byte string of the key appears: neither the whole PKCS#8 nor any 8-byte window
        // of it, in hex or as a decimal list.
        let key = id.pkcs8_der();
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        assert!(!shown.contains(&hex));
        for w in key.windows(8) {
            let h: String = w.iter().map(|b| format!("{b:02x}")).collect();
            let d = format!("{w:?}");
            let d = d.trim_start_matches('[').trim_end_matches(']');
            assert!(!shown.to_lowercase().contains(&h), "{shown}");
            assert!(!shown.contains(d), "{shown}");
        }
        assert!(shown.contains("redacted"), "{shown}");
        assert!(shown.contains("localhost"), "{shown}");
    }

    #[test]
    fn certificate_and_key_match() {
        let id = Identity::self_signed("localhost").unwrap();
        let spki = id.signing_key().public_key_spki();
        // The certificate carries the key's SPKI.
        assert!(
            id.certificate()
                .windows(spki.len())
                .any(|w| w == spki.as_slice())
        );
    }
}
