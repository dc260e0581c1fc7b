//! Certificate-path validation for authenticators: a caller-supplied policy.
//!
//! RFC 9261 leaves the certificate chain of an authenticator to the application, and expat
//! (draft-fossati-seat-expat-03 section 3.3) requires ordinary X.509 validation: attestation
//! supplements it and never replaces it. [`WebPkiVerifier`] validates against trust anchors
//! with rustls-webpki. [`DangerousSelfSignedVerifier`] accepts one self-signed leaf, the usual
//! shape of a confidential-computing workload's key; it is named `Dangerous` because the
//! peer's identity then rests entirely on the Evidence that binds that key, so it must only be
//! used where attestation is required (expat digest section 5.17).

use core::fmt;

use rustls_pki_types::{CertificateDer, SignatureVerificationAlgorithm, TrustAnchor, UnixTime};
use webpki::{EndEntityCert, KeyUsage};

/// How far a chain was trusted.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainTrust {
    /// The chain leads to a configured trust anchor (RFC 5280 path validation).
    Anchored,
    /// The leaf is self-signed and trusted only because attestation will bind its key; the
    /// connection must not open unless that attestation succeeds.
    AttestationOnly,
}

/// Why a certificate chain was rejected.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertificateError {
    /// A certificate does not parse as X.509 v3 DER.
    Malformed,
    /// The chain leads to no trust anchor.
    UnknownIssuer,
    /// A certificate's validity period has ended.
    Expired,
    /// A certificate's validity period has not begun.
    NotValidYet,
    /// A signature in the chain does not verify.
    BadSignature,
    /// The certificate may not be used for this purpose (key usage, CA as end entity).
    InvalidPurpose,
    /// A self-signed leaf was expected but the peer sent a chain.
    NotSelfSigned,
    /// Any other rejection by the path validator.
    Other,
}

impl fmt::Display for CertificateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Malformed => "malformed certificate",
            Self::UnknownIssuer => "unknown issuer",
            Self::Expired => "certificate expired",
            Self::NotValidYet => "certificate not valid yet",
            Self::BadSignature => "bad signature in certificate chain",
            Self::InvalidPurpose => "certificate not valid for this purpose",
            Self::NotSelfSigned => "expected one self-signed certificate",
            Self::Other => "certificate rejected",
        })
    }
}

impl core::error::Error for CertificateError {}

/// Validates the certificate chain of an authenticator.
///
/// Implementations must not do I/O; `now` comes from the caller (seconds since the Unix
/// epoch).
pub trait ChainVerifier: Send + Sync + fmt::Debug {
    /// Checks `end_entity` (DER) with the `intermediates` that followed it.
    ///
    /// # Errors
    ///
    /// A [`CertificateError`] saying why the chain is not trusted.
    fn verify_chain(
        &self,
        end_entity: &[u8],
        intermediates: &[&[u8]],
        now_unix_secs: u64,
    ) -> Result<ChainTrust, CertificateError>;
}

/// What the chain must be good for: the role of the peer that authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A TLS server's certificate (id-kp-serverAuth when extended key usage is present).
    Server,
    /// A TLS client's certificate (id-kp-clientAuth when extended key usage is present).
    Client,
}

impl Purpose {
    fn key_usage(self) -> KeyUsage {
        match self {
            Self::Server => KeyUsage::server_auth(),
            Self::Client => KeyUsage::client_auth(),
        }
    }
}

/// Signature algorithms for path validation, as rustls-webpki takes them: a provider's
/// implementations of [`SignatureVerificationAlgorithm`].
pub type Algorithms = &'static [&'static dyn SignatureVerificationAlgorithm];

/// The signature algorithms path validation accepts by default (feature `aws-lc-rs`): those
/// of the schemes seat signs with, on AWS-LC.
#[cfg(feature = "aws-lc-rs")]
pub static DEFAULT_ALGORITHMS: &[&dyn SignatureVerificationAlgorithm] = &[
    webpki::aws_lc_rs::ECDSA_P256_SHA256,
    webpki::aws_lc_rs::ECDSA_P384_SHA384,
    webpki::aws_lc_rs::ECDSA_P256_SHA384,
    webpki::aws_lc_rs::ECDSA_P384_SHA256,
    webpki::aws_lc_rs::ED25519,
    webpki::aws_lc_rs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
    webpki::aws_lc_rs::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
    webpki::aws_lc_rs::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
    webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA256,
    webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA384,
    webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA512,
];

fn map_webpki(e: &webpki::Error) -> CertificateError {
    use webpki::Error as E;
    match e {
        E::BadDer | E::BadDerTime | E::UnsupportedCertVersion | E::TrailingData(_) => {
            CertificateError::Malformed
        }
        E::UnknownIssuer => CertificateError::UnknownIssuer,
        E::CertExpired { .. } => CertificateError::Expired,
        E::CertNotValidYet { .. } => CertificateError::NotValidYet,
        E::InvalidSignatureForPublicKey
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => CertificateError::BadSignature,
        E::CaUsedAsEndEntity | E::EndEntityUsedAsCa | E::RequiredEkuNotFoundContext(_) => {
            CertificateError::InvalidPurpose
        }
        _ => CertificateError::Other,
    }
}

fn verify_with_anchors(
    algorithms: Algorithms,
    anchors: &[TrustAnchor<'_>],
    purpose: Purpose,
    end_entity: &[u8],
    intermediates: &[&[u8]],
    now_unix_secs: u64,
) -> Result<(), CertificateError> {
    let ee_der = CertificateDer::from(end_entity);
    let ee = EndEntityCert::try_from(&ee_der).map_err(|e| map_webpki(&e))?;
    let intermediates: Vec<CertificateDer<'_>> = intermediates
        .iter()
        .map(|c| CertificateDer::from(*c))
        .collect();
    ee.verify_for_usage(
        algorithms,
        anchors,
        &intermediates,
        UnixTime::since_unix_epoch(core::time::Duration::from_secs(now_unix_secs)),
        purpose.key_usage(),
        None,
        None,
    )
    .map(|_| ())
    .map_err(|e| map_webpki(&e))
}

/// RFC 5280 path validation to configured trust anchors, with rustls-webpki.
#[derive(Debug)]
pub struct WebPkiVerifier {
    anchors: Vec<TrustAnchor<'static>>,
    purpose: Purpose,
    algorithms: Algorithms,
}

impl WebPkiVerifier {
    /// A verifier trusting the given DER CA certificates, for chains of `purpose`, with
    /// [`DEFAULT_ALGORITHMS`] (feature `aws-lc-rs`).
    ///
    /// # Errors
    ///
    /// [`CertificateError::Malformed`] when a trust anchor does not parse.
    #[cfg(feature = "aws-lc-rs")]
    pub fn new<'a>(
        trust_anchors: impl IntoIterator<Item = &'a [u8]>,
        purpose: Purpose,
    ) -> Result<Self, CertificateError> {
        Self::with_algorithms(trust_anchors, purpose, DEFAULT_ALGORITHMS)
    }

    /// As [`new`](Self::new), with another provider's signature algorithms (any build).
    ///
    /// # Errors
    ///
    /// [`CertificateError::Malformed`] when a trust anchor does not parse.
    pub fn with_algorithms<'a>(
        trust_anchors: impl IntoIterator<Item = &'a [u8]>,
        purpose: Purpose,
        algorithms: Algorithms,
    ) -> Result<Self, CertificateError> {
        let anchors = trust_anchors
            .into_iter()
            .map(|der| {
                webpki::anchor_from_trusted_cert(&CertificateDer::from(der))
                    .map(|a| a.to_owned())
                    .map_err(|e| map_webpki(&e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            anchors,
            purpose,
            algorithms,
        })
    }
}

impl ChainVerifier for WebPkiVerifier {
    fn verify_chain(
        &self,
        end_entity: &[u8],
        intermediates: &[&[u8]],
        now_unix_secs: u64,
    ) -> Result<ChainTrust, CertificateError> {
        verify_with_anchors(
            self.algorithms,
            &self.anchors,
            self.purpose,
            end_entity,
            intermediates,
            now_unix_secs,
        )?;
        Ok(ChainTrust::Anchored)
    }
}

/// Accepts exactly one self-signed leaf whose signature and validity period check out, and
/// reports [`ChainTrust::AttestationOnly`].
///
/// The peer's identity then rests entirely on the Evidence that binds the leaf's key: use it
/// only for connections whose policy requires attestation of that peer.
#[derive(Debug)]
pub struct DangerousSelfSignedVerifier {
    purpose: Purpose,
    algorithms: Algorithms,
}

impl DangerousSelfSignedVerifier {
    /// A verifier for self-signed leaves of `purpose`, with [`DEFAULT_ALGORITHMS`] (feature
    /// `aws-lc-rs`).
    #[cfg(feature = "aws-lc-rs")]
    pub fn dangerous_new(purpose: Purpose) -> Self {
        Self::dangerous_with_algorithms(purpose, DEFAULT_ALGORITHMS)
    }

    /// As [`dangerous_new`](Self::dangerous_new), with another provider's signature
    /// algorithms (any build).
    pub fn dangerous_with_algorithms(purpose: Purpose, algorithms: Algorithms) -> Self {
        Self {
            purpose,
            algorithms,
        }
    }
}

impl ChainVerifier for DangerousSelfSignedVerifier {
    fn verify_chain(
        &self,
        end_entity: &[u8],
        intermediates: &[&[u8]],
        now_unix_secs: u64,
    ) -> Result<ChainTrust, CertificateError> {
        if !intermediates.is_empty() {
            return Err(CertificateError::NotSelfSigned);
        }
        let der = CertificateDer::from(end_entity);
        let anchor = webpki::anchor_from_trusted_cert(&der).map_err(|e| map_webpki(&e))?;
        verify_with_anchors(
            self.algorithms,
            &[anchor],
            self.purpose,
            end_entity,
            &[],
            now_unix_secs,
        )
        .map_err(|e| match e {
            CertificateError::UnknownIssuer => CertificateError::NotSelfSigned,
            other => other,
        })?;
        Ok(ChainTrust::AttestationOnly)
    }
}
