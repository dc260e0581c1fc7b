//! Whole Exported Authenticators (RFC 9261 sections 5 and 6) with the expat profile
//! (draft-fossati-seat-expat-03 section 3): building them, and validating what a peer sent.
//!
//! The crypto is `seat-binding`'s ([`AuthenticatorKeys`]); this module frames the messages
//! and enforces the rules on them. Both directions need the request exactly as it went on the
//! wire, since both transcripts hash it: a [`SentRequest`] keeps the bytes beside the decoded
//! value.
//!
//! ```
//! # fn main() -> Result<(), seat_proto::Error> {
//! use seat_binding::authenticator::{AuthenticatorKeys, Role};
//! use seat_binding::exporter::RecordedExporter;
//! use seat_binding::key_schedule::Protocol;
//! use seat_binding::provider::{HashAlgorithm, default_provider};
//! use seat_binding::Secret;
//! use seat_proto::authenticator::{self, Outcome, SentRequest, Solicitation};
//! use seat_proto::codepoints::{CodePoints, SignatureScheme};
//!
//! let provider = default_provider();
//! // Both peers derive the same exporters from their connection; here, a recorded secret.
//! let exporter = RecordedExporter::new(
//!     provider, HashAlgorithm::Sha256, Protocol::Tls13, Secret::from_slice(&[7; 32]),
//! )?;
//! let cp = CodePoints::DEFAULT;
//! // The client asks the server to attest, and the server refuses with an empty authenticator.
//! let request = SentRequest::client_request(vec![0xaa; 32], &[SignatureScheme::ED25519], true, &cp)?;
//! let server_keys = AuthenticatorKeys::derive(provider, &exporter, Role::Server)?;
//! let refusal = authenticator::build_empty(&server_keys, &Solicitation::Request(&request))?;
//!
//! // The client validates with the server's labels.
//! let outcome = authenticator::validate(
//!     &server_keys, &Solicitation::Request(&request), &refusal, &cp,
//!     &seat_proto::chain::DangerousSelfSignedVerifier::dangerous_new(seat_proto::chain::Purpose::Server),
//!     0,
//! )?;
//! assert!(matches!(outcome, Outcome::Refused));
//! # Ok(())
//! # }
//! ```

use rustls_pki_types::CertificateDer;
use seat_binding::authenticator::{AuthenticatorKeys, Role};
use seat_binding::provider::{RandomSource, SignatureAlgorithm, SigningKey};
use seat_binding::spki::spki_from_certificate;

use crate::chain::{ChainTrust, ChainVerifier};
use crate::codec::EncodeError;
use crate::codepoints::{CodePoints, ExtensionType, SignatureScheme};
use crate::error::{ApiMisuse, Error, PeerMisbehaved};
use crate::ext::{
    CmwData, EntryExtension, EntryExtensions, RequestExtension, RequestExtensions,
    SignatureSchemeList,
};
use crate::message::{
    Authenticator, AuthenticatorMessages, AuthenticatorRequest, CertData, Certificate,
    CertificateEntry, CertificateVerify, Finished, RequestContext, SignatureBytes,
};

/// An authenticator request together with the exact bytes that went on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentRequest {
    request: AuthenticatorRequest,
    bytes: Vec<u8>,
}

impl SentRequest {
    /// Wraps a request, encoding it.
    pub fn new(request: AuthenticatorRequest) -> Self {
        let bytes = request.to_vec();
        Self { request, bytes }
    }

    /// Decodes a received request, keeping its bytes.
    ///
    /// # Errors
    ///
    /// As [`AuthenticatorRequest::decode`].
    pub fn decode(bytes: &[u8], cp: &CodePoints) -> Result<Self, Error> {
        Ok(Self {
            request: AuthenticatorRequest::decode(bytes, cp)?,
            bytes: bytes.to_vec(),
        })
    }

    /// A `ClientCertificateRequest` (17): the client asks the server for an authenticator,
    /// offering `cmw_attestation` when `offer_attestation` is set.
    ///
    /// # Errors
    ///
    /// [`Error::ApiMisuse`] for a context over 255 bytes or an empty scheme list.
    pub fn client_request(
        context: Vec<u8>,
        schemes: &[SignatureScheme],
        offer_attestation: bool,
        cp: &CodePoints,
    ) -> Result<Self, Error> {
        let body = request_body(context, schemes, offer_attestation, cp)?;
        Ok(Self::new(AuthenticatorRequest::ClientCertificateRequest(
            body,
        )))
    }

    /// A `CertificateRequest` (13): the server asks the client for an authenticator.
    ///
    /// # Errors
    ///
    /// As [`client_request`](Self::client_request).
    pub fn server_request(
        context: Vec<u8>,
        schemes: &[SignatureScheme],
        offer_attestation: bool,
        cp: &CodePoints,
    ) -> Result<Self, Error> {
        let body = request_body(context, schemes, offer_attestation, cp)?;
        Ok(Self::new(AuthenticatorRequest::CertificateRequest(body)))
    }

    /// The decoded request.
    pub fn request(&self) -> &AuthenticatorRequest {
        &self.request
    }

    /// The request's bytes, handshake header included.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The role whose authenticator answers this request: a `CertificateRequest` is answered
    /// by the client, a `ClientCertificateRequest` by the server.
    pub fn answering_role(&self) -> Role {
        match self.request {
            AuthenticatorRequest::CertificateRequest(_) => Role::Client,
            AuthenticatorRequest::ClientCertificateRequest(_) => Role::Server,
        }
    }
}

fn request_body(
    context: Vec<u8>,
    schemes: &[SignatureScheme],
    offer_attestation: bool,
    cp: &CodePoints,
) -> Result<crate::message::CertificateRequest, EncodeError> {
    let mut extensions = vec![RequestExtension::SignatureAlgorithms(
        SignatureSchemeList::new(schemes.to_vec())?,
    )];
    if offer_attestation {
        extensions.push(RequestExtension::CmwAttestationOffer {
            codepoint: cp.cmw_attestation(),
        });
    }
    Ok(crate::message::CertificateRequest {
        context: RequestContext::new(context)?,
        extensions: RequestExtensions::new(extensions)?,
    })
}

/// What the ClientHello offered, which a spontaneous server authenticator must respect
/// (RFC 9261 section 5.2.1: extensions and signature scheme from the ClientHello).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientHelloOffers {
    /// The ClientHello's `signature_algorithms`.
    pub signature_algorithms: Vec<SignatureScheme>,
    /// The extension types the ClientHello carried.
    pub extensions: Vec<ExtensionType>,
}

/// What an authenticator answers.
#[derive(Clone, Copy, Debug)]
pub enum Solicitation<'a> {
    /// A request (RFC 9261 section 4).
    Request(&'a SentRequest),
    /// Nothing: a spontaneous server authenticator with a context of the server's choosing
    /// (RFC 9261 section 5.2.1). `cmw_attestation` is never allowed in one, since expat only
    /// sends it in answer to an offer.
    Spontaneous {
        /// The context the server chose, unique on the connection.
        context: &'a [u8],
        /// The ClientHello's offers.
        offers: &'a ClientHelloOffers,
    },
}

impl Solicitation<'_> {
    fn request_bytes(&self) -> Option<&[u8]> {
        match self {
            Self::Request(r) => Some(r.bytes()),
            Self::Spontaneous { .. } => None,
        }
    }

    fn context(&self) -> &[u8] {
        match self {
            Self::Request(r) => r.request().context().as_bytes(),
            Self::Spontaneous { context, .. } => context,
        }
    }

    /// Whether `key` can answer: its scheme is among those offered (RFC 9261 section 5.2.2:
    /// the request's `signature_algorithms`, or the ClientHello's for a spontaneous
    /// authenticator). When it cannot, the only answer is the empty authenticator.
    pub fn accepts_key(&self, key: &dyn SigningKey) -> bool {
        self.scheme_offered(SignatureScheme(key.algorithm().tls_scheme()))
    }

    fn scheme_offered(&self, scheme: SignatureScheme) -> bool {
        match self {
            Self::Request(r) => r
                .request()
                .extensions()
                .signature_algorithms()
                .is_some_and(|l| l.contains(scheme)),
            Self::Spontaneous { offers, .. } => offers.signature_algorithms.contains(&scheme),
        }
    }

    fn extension_offered(&self, t: ExtensionType) -> bool {
        match self {
            Self::Request(r) => r.request().extensions().contains(t),
            Self::Spontaneous { offers, .. } => offers.extensions.contains(&t),
        }
    }

    fn offers_cmw(&self) -> bool {
        match self {
            Self::Request(r) => r.request().extensions().offers_cmw_attestation(),
            Self::Spontaneous { .. } => false,
        }
    }

    /// The role that may answer.
    fn answering_role(&self) -> Role {
        match self {
            Self::Request(r) => r.answering_role(),
            Self::Spontaneous { .. } => Role::Server,
        }
    }
}

/// The scheme a TLS `SignatureScheme` names, if seat signs and verifies with it.
pub fn signature_algorithm(scheme: SignatureScheme) -> Option<SignatureAlgorithm> {
    SignatureAlgorithm::from_tls_scheme(scheme.0)
}

/// Builds an authenticator (RFC 9261 section 5.2): `Certificate || CertificateVerify ||
/// Finished`, with `cmw` attached as `cmw_attestation` on the first entry when given
/// (draft-fossati-seat-expat-03 section 3).
///
/// `keys` are this endpoint's own (its role's labels); `chain` is the end-entity certificate
/// first; `key` signs with a scheme the solicitation offered.
///
/// # Errors
///
/// [`Error::ApiMisuse`]: keys of the wrong role, an empty chain, a scheme not offered, a CMW
/// the request did not offer, or values too large to encode; a provider failure.
pub fn build(
    keys: &AuthenticatorKeys,
    solicitation: &Solicitation<'_>,
    chain: &[CertificateDer<'_>],
    key: &dyn SigningKey,
    cmw: Option<&[u8]>,
    cp: &CodePoints,
    rng: &mut dyn RandomSource,
) -> Result<Vec<u8>, Error> {
    if keys.role() != solicitation.answering_role() {
        return Err(ApiMisuse::WrongRole.into());
    }
    let scheme = SignatureScheme(key.algorithm().tls_scheme());
    if !solicitation.scheme_offered(scheme) {
        return Err(ApiMisuse::SchemeNotOffered(scheme).into());
    }
    if cmw.is_some() && !solicitation.offers_cmw() {
        return Err(ApiMisuse::AttestationNotOffered.into());
    }
    let mut entries = Vec::with_capacity(chain.len());
    for (i, der) in chain.iter().enumerate() {
        let extensions = match cmw {
            Some(cmw) if i == 0 => EntryExtensions::new(vec![EntryExtension::CmwAttestation {
                codepoint: cp.cmw_attestation(),
                cmw: CmwData::new(cmw.to_vec())?,
            }])?,
            _ => EntryExtensions::empty(),
        };
        entries.push(CertificateEntry {
            cert_data: CertData::new(der.to_vec())?,
            extensions,
        });
    }
    if entries.is_empty() {
        return Err(ApiMisuse::EmptyChain.into());
    }
    let certificate = Certificate::new(
        RequestContext::new(solicitation.context().to_vec())?,
        entries,
    )?
    .to_vec();
    let transcript = keys.transcript(solicitation.request_bytes(), &certificate);
    let signature = transcript
        .sign_certificate_verify(key, rng)
        .map_err(Error::Crypto)?;
    let certificate_verify = CertificateVerify {
        algorithm: scheme,
        signature: SignatureBytes::new(signature)?,
    }
    .to_vec();
    let mac = transcript.finished_mac(&certificate_verify);
    let finished = Finished::new(mac.as_bytes().to_vec())?.to_vec();
    Ok([certificate, certificate_verify, finished].concat())
}

/// Builds the empty authenticator, an authenticated refusal (RFC 9261 section 6).
///
/// # Errors
///
/// [`Error::ApiMisuse`] for keys of the wrong role; a provider failure.
pub fn build_empty(
    keys: &AuthenticatorKeys,
    solicitation: &Solicitation<'_>,
) -> Result<Vec<u8>, Error> {
    if keys.role() != solicitation.answering_role() {
        return Err(ApiMisuse::WrongRole.into());
    }
    keys.empty_authenticator(solicitation.request_bytes(), solicitation.context())
        .map_err(Error::Crypto)
}

/// An authenticator that validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatedAuthenticator {
    certificate: Certificate,
    leaf_spki: Vec<u8>,
    scheme: SignatureScheme,
    trust: ChainTrust,
}

impl ValidatedAuthenticator {
    /// The `Certificate` message: context and entries.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The chain, end-entity certificate first.
    pub fn chain(&self) -> Vec<&[u8]> {
        self.certificate
            .entries()
            .iter()
            .map(|e| e.cert_data.as_bytes())
            .collect()
    }

    /// The DER SubjectPublicKeyInfo of the end-entity certificate, as it appears in the
    /// certificate: the key that signed CertificateVerify and that the binder commits to.
    pub fn leaf_spki(&self) -> &[u8] {
        &self.leaf_spki
    }

    /// The scheme that signed CertificateVerify.
    pub fn scheme(&self) -> SignatureScheme {
        self.scheme
    }

    /// How far the chain verifier trusted the chain.
    pub fn trust(&self) -> ChainTrust {
        self.trust
    }

    /// The CMW carried in `cmw_attestation` on the first entry, if any.
    pub fn cmw(&self) -> Option<&[u8]> {
        self.certificate
            .end_entity()
            .and_then(|e| e.extensions.cmw_attestation())
            .map(CmwData::as_bytes)
    }
}

/// The result of validating an authenticator that was not invalid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A full authenticator that passed every check.
    Authenticated(Box<ValidatedAuthenticator>),
    /// A well-formed empty authenticator: the peer refused (RFC 9261 section 6). This is an
    /// answer, not an error; whether it is acceptable is the caller's policy.
    Refused,
}

/// Validates an authenticator from the peer (RFC 9261 sections 5.2 and 6, with the expat rules
/// of draft-fossati-seat-expat-03 section 3), in this order: framing; for an empty
/// authenticator, its MAC; the context; a non-empty chain; extensions only as offered, with
/// `cmw_attestation` only when offered and only on the first entry; a scheme the solicitation
/// offered and seat supports; the leaf's key; the chain verifier; the CertificateVerify
/// signature; the Finished MAC (constant time).
///
/// `keys` are the peer's (derived with the peer's role labels). `now_unix_secs` is passed to
/// the chain verifier.
///
/// # Errors
///
/// One typed error per rule: [`Error::InvalidMessage`] for bytes that do not parse,
/// [`Error::PeerMisbehaved`] for a broken rule (including a bad signature or MAC),
/// [`Error::InvalidCertificate`] when the chain verifier rejects the chain,
/// [`Error::PeerIncompatible`] for an unsupported scheme.
pub fn validate(
    keys: &AuthenticatorKeys,
    solicitation: &Solicitation<'_>,
    bytes: &[u8],
    cp: &CodePoints,
    verifier: &dyn ChainVerifier,
    now_unix_secs: u64,
) -> Result<Outcome, Error> {
    if keys.role() != solicitation.answering_role() {
        return Err(ApiMisuse::WrongRole.into());
    }
    let hash_len = keys.hash_algorithm().output_len();
    let messages = AuthenticatorMessages::split(bytes)?;
    let decoded = Authenticator::decode(bytes, hash_len, cp)?;
    let request = solicitation.request_bytes();
    let (
        AuthenticatorMessages::Full {
            certificate: cert_msg,
            certificate_verify: cv_msg,
            ..
        },
        Authenticator::Full {
            certificate,
            certificate_verify,
            finished,
        },
    ) = (messages, decoded)
    else {
        // A lone Finished: the refusal, if its MAC over the virtual Certificate checks.
        let AuthenticatorMessages::Empty { finished } = messages else {
            return Err(PeerMisbehaved::BadFinished.into());
        };
        return keys
            .verify_empty_authenticator(request, solicitation.context(), finished.body)
            .map(|()| Outcome::Refused)
            .map_err(|_| PeerMisbehaved::BadFinished.into());
    };

    if certificate.context().as_bytes() != solicitation.context() {
        return Err(PeerMisbehaved::ContextMismatch.into());
    }
    let Some(leaf) = certificate.end_entity() else {
        return Err(PeerMisbehaved::EmptyCertificateList.into());
    };
    for (i, entry) in certificate.entries().iter().enumerate() {
        for ext in entry.extensions.iter() {
            let t = ext.extension_type();
            if let EntryExtension::CmwAttestation { .. } = ext {
                if !solicitation.offers_cmw() {
                    // expat-03 section 3: abort with unsupported_extension.
                    return Err(PeerMisbehaved::AttestationNotOffered.into());
                }
                if i != 0 {
                    return Err(PeerMisbehaved::AttestationNotOnFirstEntry.into());
                }
            } else if !solicitation.extension_offered(t) {
                return Err(PeerMisbehaved::UnsolicitedExtension(t).into());
            }
        }
    }
    let scheme = certificate_verify.algorithm;
    if !solicitation.scheme_offered(scheme) {
        return Err(PeerMisbehaved::SignatureSchemeNotOffered(scheme).into());
    }
    let Some(algorithm) = signature_algorithm(scheme) else {
        return Err(Error::PeerIncompatible(
            crate::error::PeerIncompatible::UnsupportedSignatureScheme(scheme),
        ));
    };
    let leaf_spki = spki_from_certificate(leaf.cert_data.as_bytes())
        .map_err(|_| Error::InvalidCertificate(crate::chain::CertificateError::Malformed))?
        .to_vec();
    let intermediates: Vec<&[u8]> = certificate
        .entries()
        .iter()
        .skip(1)
        .map(|e| e.cert_data.as_bytes())
        .collect();
    let trust = verifier
        .verify_chain(leaf.cert_data.as_bytes(), &intermediates, now_unix_secs)
        .map_err(Error::InvalidCertificate)?;
    let transcript = keys.transcript(request, cert_msg.raw);
    transcript
        .verify_certificate_verify(
            algorithm,
            &leaf_spki,
            certificate_verify.signature.as_bytes(),
        )
        .map_err(|e| match e {
            seat_binding::Error::KeyMismatch => PeerMisbehaved::KeyDoesNotMatchScheme.into(),
            seat_binding::Error::MalformedPublicKey { .. }
            | seat_binding::Error::UnsupportedPublicKeyAlgorithm => {
                Error::InvalidCertificate(crate::chain::CertificateError::Malformed)
            }
            _ => PeerMisbehaved::BadSignature.into(),
        })?;
    transcript
        .verify_finished(cv_msg.raw, finished.verify_data())
        .map_err(|_| PeerMisbehaved::BadFinished)?;
    Ok(Outcome::Authenticated(Box::new(ValidatedAuthenticator {
        certificate,
        leaf_spki,
        scheme,
        trust,
    })))
}
