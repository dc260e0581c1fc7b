//! Building and validating whole authenticators (RFC 9261 sections 5 and 6, expat-03
//! section 3): the external `ea-authenticator` vectors, round trips for every supported scheme
//! in both directions, and one test per rule a bad authenticator can break.

use seat_binding::Secret;
use seat_binding::authenticator::{AuthenticatorKeys, Role};
use seat_binding::binder::{ExpatLabel, expat_binder};
use seat_binding::exporter::RecordedExporter;
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::{
    CryptoProvider, HashAlgorithm, SignatureAlgorithm, SigningKey, default_provider,
};
use seat_proto::CertificateDer;
use seat_proto::authenticator::{
    self, ClientHelloOffers, Outcome, SentRequest, Solicitation, ValidatedAuthenticator,
};
use seat_proto::chain::{
    CertificateError, ChainTrust, DangerousSelfSignedVerifier, Purpose, WebPkiVerifier,
};
use seat_proto::codepoints::{CodePoints, ExtensionType, SignatureScheme};
use seat_proto::ext::{CmwData, EntryExtension, EntryExtensions, Extension, ExtensionData};
use seat_proto::message::{
    AuthenticatorMessages, CertData, Certificate, CertificateEntry, RequestContext,
};
use seat_proto::{ApiMisuse, Error, PeerIncompatible, PeerMisbehaved};
use serde_json::Value;

/// 2026-06-01T00:00:00Z: inside the validity of every certificate used here.
const NOW: u64 = 1_780_272_000;

fn provider() -> &'static dyn CryptoProvider {
    default_provider()
}

fn exporter(hash: HashAlgorithm, secret: &[u8]) -> RecordedExporter {
    RecordedExporter::new(
        provider(),
        hash,
        Protocol::Tls13,
        Secret::from_slice(secret),
    )
    .unwrap()
}

fn keys(exporter: &RecordedExporter, role: Role) -> AuthenticatorKeys {
    AuthenticatorKeys::derive(provider(), exporter, role).unwrap()
}

fn server_verifier() -> DangerousSelfSignedVerifier {
    DangerousSelfSignedVerifier::dangerous_new(Purpose::Server)
}

fn reference_cp() -> CodePoints {
    CodePoints::default()
        .with_cmw_attestation(CodePoints::REFERENCE_CMW_ATTESTATION)
        .unwrap()
}

fn vector(name: &str) -> Value {
    let text = match name {
        "valid" => include_str!(
            "../../../seat-conformance/vectors/external/ea-authenticator/expat-server-ed25519-json-cmw.json"
        ),
        "bad-finished" => include_str!(
            "../../../seat-conformance/vectors/external/ea-authenticator/expat-server-bad-finished.json"
        ),
        "empty" => include_str!(
            "../../../seat-conformance/vectors/external/ea-authenticator/expat-server-empty-authenticator.json"
        ),
        "client-labels" => include_str!(
            "../../../seat-conformance/vectors/external/ea-authenticator/expat-server-validated-with-client-labels.json"
        ),
        other => panic!("no vector {other}"),
    };
    serde_json::from_str(text).unwrap()
}

fn hx(v: &Value, field: &str) -> Vec<u8> {
    hex::decode(v[field].as_str().unwrap()).unwrap()
}

/// Runs the vector's validation: keys of `authenticator_role`, the vector's request.
fn validate_vector(v: &Value) -> Result<Outcome, Error> {
    assert_eq!(v["hash"], "sha256");
    let exporter = exporter(HashAlgorithm::Sha256, &hx(v, "exporter_master_secret"));
    let role = if v["authenticator_role"] == "server" {
        Role::Server
    } else {
        Role::Client
    };
    let request = SentRequest::decode(&hx(v, "request"), &reference_cp()).unwrap();
    authenticator::validate(
        &keys(&exporter, role),
        &Solicitation::Request(&request),
        &hx(v, "authenticator"),
        &reference_cp(),
        &server_verifier(),
        NOW,
    )
}

fn authenticated(outcome: Outcome) -> ValidatedAuthenticator {
    match outcome {
        Outcome::Authenticated(a) => *a,
        Outcome::Refused => panic!("refused"),
    }
}

mod external_vectors {
    use super::*;

    #[test]
    fn valid_expat_authenticator_validates_with_its_fields() {
        let v = vector("valid");
        let a = authenticated(validate_vector(&v).unwrap());
        assert_eq!(a.leaf_spki(), hx(&v, "leaf_spki"));
        assert_eq!(
            u64::from(a.scheme().0),
            v["signature_scheme"].as_u64().unwrap()
        );
        assert_eq!(
            a.cmw().unwrap(),
            hex::decode(v["expat"]["cmw"].as_str().unwrap()).unwrap()
        );
        assert_eq!(a.trust(), ChainTrust::AttestationOnly);
        // The binder a Relying Party recomputes from its own exporter and the validated key.
        let exporter = exporter(HashAlgorithm::Sha256, &hx(&v, "exporter_master_secret"));
        let binder = expat_binder(
            provider(),
            &exporter,
            ExpatLabel::Attestation,
            &hx(&v, "certificate_request_context"),
            a.leaf_spki(),
        )
        .unwrap();
        assert_eq!(
            binder.binding_value.as_bytes(),
            hex::decode(v["expat"]["binding_value"].as_str().unwrap()).unwrap()
        );
        assert_eq!(
            binder.aik_pub_hash.as_bytes(),
            hex::decode(v["expat"]["aik_pub_hash"].as_str().unwrap()).unwrap()
        );
    }

    #[test]
    fn flipped_finished_is_bad_finished() {
        let v = vector("bad-finished");
        assert_eq!(v["error"], "bad_finished");
        assert_eq!(
            validate_vector(&v).unwrap_err(),
            Error::PeerMisbehaved(PeerMisbehaved::BadFinished)
        );
    }

    #[test]
    fn empty_authenticator_is_a_refusal() {
        let v = vector("empty");
        assert_eq!(v["outcome"], "refused");
        assert_eq!(validate_vector(&v).unwrap(), Outcome::Refused);
    }

    #[test]
    fn other_roles_labels_fail() {
        let v = vector("client-labels");
        assert_eq!(v["error"], "bad_signature");
        assert_eq!(
            validate_vector(&v).unwrap_err(),
            Error::PeerMisbehaved(PeerMisbehaved::BadSignature)
        );
    }
}

/// A self-signed end-entity certificate and its PKCS#8 key, for one scheme.
struct Identity {
    cert: Vec<u8>,
    pkcs8: Vec<u8>,
    algorithm: SignatureAlgorithm,
}

fn identity(algorithm: SignatureAlgorithm) -> Identity {
    let alg = match algorithm {
        SignatureAlgorithm::EcdsaSecp256r1Sha256 => &rcgen::PKCS_ECDSA_P256_SHA256,
        SignatureAlgorithm::EcdsaSecp384r1Sha384 => &rcgen::PKCS_ECDSA_P384_SHA384,
        SignatureAlgorithm::Ed25519 => &rcgen::PKCS_ED25519,
        _ => &rcgen::PKCS_RSA_SHA256,
    };
    let key = rcgen::KeyPair::generate_for(alg).unwrap();
    let params = rcgen::CertificateParams::new(vec!["attester.example".to_string()]).unwrap();
    let cert = params.self_signed(&key).unwrap();
    Identity {
        cert: cert.der().to_vec(),
        pkcs8: key.serialize_der(),
        algorithm,
    }
}

impl Identity {
    /// The identity's signing key, through the default provider.
    fn signing_key(&self) -> Box<dyn SigningKey> {
        provider()
            .signing_key_from_pkcs8(self.algorithm, &self.pkcs8)
            .unwrap()
    }
}

/// A self-signed CA certificate named `common_name`, and its key.
fn self_signed_ca(common_name: &str) -> (rcgen::Certificate, rcgen::KeyPair) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, common_name);
    (params.self_signed(&key).unwrap(), key)
}

fn fixed_rng(dest: &mut [u8]) {
    dest.fill(0x5a);
}

/// One exchange over a recorded exporter: `attester` answers `request` with `cmw`.
fn exchange(
    hash: HashAlgorithm,
    request: &SentRequest,
    id: &Identity,
    cmw: Option<&[u8]>,
) -> (Vec<u8>, Result<Outcome, Error>) {
    let exporter = exporter(hash, &[0x42; 48][..hash.output_len()]);
    let role = request.answering_role();
    let key = id.signing_key();
    let cp = CodePoints::DEFAULT;
    let bytes = authenticator::build(
        &keys(&exporter, role),
        &Solicitation::Request(request),
        &[CertificateDer::from(id.cert.clone())],
        key.as_ref(),
        cmw,
        &cp,
        &mut fixed_rng,
    )
    .unwrap();
    let purpose = if role == Role::Server {
        Purpose::Server
    } else {
        Purpose::Client
    };
    let outcome = authenticator::validate(
        &keys(&exporter, role),
        &Solicitation::Request(request),
        &bytes,
        &cp,
        &DangerousSelfSignedVerifier::dangerous_new(purpose),
        NOW,
    );
    (bytes, outcome)
}

fn all_schemes() -> Vec<SignatureScheme> {
    SignatureAlgorithm::ALL
        .iter()
        .map(|a| SignatureScheme(a.tls_scheme()))
        .collect()
}

mod round_trips {
    use super::*;

    #[test]
    fn every_scheme_both_directions_both_hashes() {
        let cp = CodePoints::DEFAULT;
        let mut count = 0;
        for alg in SignatureAlgorithm::ALL {
            let id = identity(alg);
            for hash in [HashAlgorithm::Sha256, HashAlgorithm::Sha384] {
                for server_attests in [true, false] {
                    let ctx = vec![alg.tls_scheme() as u8; 32];
                    let request = if server_attests {
                        SentRequest::client_request(ctx, &all_schemes(), true, &cp).unwrap()
                    } else {
                        SentRequest::server_request(ctx, &all_schemes(), true, &cp).unwrap()
                    };
                    let cmw = b"[\"application/eat+cwt\",\"AAEC\",4]";
                    let (_, outcome) = exchange(hash, &request, &id, Some(cmw));
                    let a =
                        authenticated(outcome.unwrap_or_else(|e| panic!("{alg:?} {hash:?}: {e}")));
                    assert_eq!(a.scheme(), SignatureScheme(alg.tls_scheme()));
                    assert_eq!(a.cmw(), Some(&cmw[..]));
                    assert_eq!(a.chain(), vec![&id.cert[..]]);
                    count += 1;
                }
            }
        }
        assert_eq!(count, 24);
    }

    #[test]
    fn every_flipped_byte_is_rejected() {
        let cp = CodePoints::DEFAULT;
        let request = SentRequest::client_request(vec![9; 32], &all_schemes(), true, &cp).unwrap();
        let id = identity(SignatureAlgorithm::Ed25519);
        let (bytes, outcome) = exchange(HashAlgorithm::Sha256, &request, &id, Some(b"cmw"));
        authenticated(outcome.unwrap());
        let exporter = exporter(HashAlgorithm::Sha256, &[0x42; 32]);
        let keys = keys(&exporter, Role::Server);
        for i in 0..bytes.len() {
            for bit in [0x01, 0x80] {
                let mut bad = bytes.clone();
                bad[i] ^= bit;
                let result = authenticator::validate(
                    &keys,
                    &Solicitation::Request(&request),
                    &bad,
                    &cp,
                    &server_verifier(),
                    NOW,
                );
                assert!(
                    !matches!(result, Ok(Outcome::Authenticated(_))),
                    "flip of bit {bit:#x} at byte {i} still validated"
                );
            }
        }
    }

    #[test]
    fn spontaneous_server_authenticator() {
        let cp = CodePoints::DEFAULT;
        let id = identity(SignatureAlgorithm::EcdsaSecp256r1Sha256);
        let offers = ClientHelloOffers {
            signature_algorithms: vec![SignatureScheme::ECDSA_SECP256R1_SHA256],
            extensions: vec![],
        };
        let exporter = exporter(HashAlgorithm::Sha256, &[1; 32]);
        let keys = keys(&exporter, Role::Server);
        let key = id.signing_key();
        let solicitation = Solicitation::Spontaneous {
            context: &[3; 16],
            offers: &offers,
        };
        // expat only answers an offer: no CMW in a spontaneous authenticator.
        assert_eq!(
            authenticator::build(
                &keys,
                &solicitation,
                &[CertificateDer::from(id.cert.clone())],
                key.as_ref(),
                Some(b"x"),
                &cp,
                &mut fixed_rng
            )
            .unwrap_err(),
            Error::ApiMisuse(ApiMisuse::AttestationNotOffered)
        );
        let bytes = authenticator::build(
            &keys,
            &solicitation,
            &[CertificateDer::from(id.cert.clone())],
            key.as_ref(),
            None,
            &cp,
            &mut fixed_rng,
        )
        .unwrap();
        let a = authenticated(
            authenticator::validate(&keys, &solicitation, &bytes, &cp, &server_verifier(), NOW)
                .unwrap(),
        );
        assert_eq!(a.cmw(), None);
        assert_eq!(a.certificate().context().as_bytes(), [3; 16]);
    }

    #[test]
    fn ca_issued_chain_validates_with_webpki_and_fails_with_another_anchor() {
        let cp = CodePoints::DEFAULT;
        let (ca, ca_key) = self_signed_ca("seat test CA");
        let leaf_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let leaf = rcgen::CertificateParams::new(vec!["server.example".to_string()])
            .unwrap()
            .signed_by(&leaf_key, &ca, &ca_key)
            .unwrap();
        let request = SentRequest::client_request(vec![1; 32], &all_schemes(), false, &cp).unwrap();
        let exporter = exporter(HashAlgorithm::Sha256, &[2; 32]);
        let keys = keys(&exporter, Role::Server);
        let key = provider()
            .signing_key_from_pkcs8(
                SignatureAlgorithm::EcdsaSecp256r1Sha256,
                &leaf_key.serialize_der(),
            )
            .unwrap();
        let solicitation = Solicitation::Request(&request);
        let bytes = authenticator::build(
            &keys,
            &solicitation,
            &[leaf.der().clone()],
            key.as_ref(),
            None,
            &cp,
            &mut fixed_rng,
        )
        .unwrap();
        let anchors = WebPkiVerifier::new([&ca.der()[..]], Purpose::Server).unwrap();
        let a = authenticated(
            authenticator::validate(&keys, &solicitation, &bytes, &cp, &anchors, NOW).unwrap(),
        );
        assert_eq!(a.trust(), ChainTrust::Anchored);

        let (other, _) = self_signed_ca("another CA");
        let wrong = WebPkiVerifier::new([&other.der()[..]], Purpose::Server).unwrap();
        assert_eq!(
            authenticator::validate(&keys, &solicitation, &bytes, &cp, &wrong, NOW).unwrap_err(),
            Error::InvalidCertificate(CertificateError::UnknownIssuer)
        );
        // The dangerous verifier refuses a CA-issued leaf: it is not self-signed.
        assert_eq!(
            authenticator::validate(&keys, &solicitation, &bytes, &cp, &server_verifier(), NOW)
                .unwrap_err(),
            Error::InvalidCertificate(CertificateError::NotSelfSigned)
        );
    }
}

/// Each rule of RFC 9261 and expat that an authenticator can break, one test each; the bad
/// authenticators are assembled from real parts so that only the broken rule fails.
mod rules {
    use super::*;

    struct Setup {
        cp: CodePoints,
        request: SentRequest,
        exporter: RecordedExporter,
        id: Identity,
    }

    fn setup(offer_attestation: bool) -> Setup {
        let cp = CodePoints::DEFAULT;
        Setup {
            request: SentRequest::client_request(
                vec![7; 32],
                &[
                    SignatureScheme::ED25519,
                    SignatureScheme::ECDSA_SECP256R1_SHA256,
                ],
                offer_attestation,
                &cp,
            )
            .unwrap(),
            exporter: exporter(HashAlgorithm::Sha256, &[0x11; 32]),
            id: identity(SignatureAlgorithm::Ed25519),
            cp,
        }
    }

    impl Setup {
        /// Signs `certificate` (a whole Certificate message) as the server would, correctly.
        fn sign(&self, certificate: &Certificate, scheme: SignatureScheme) -> Vec<u8> {
            let keys = keys(&self.exporter, Role::Server);
            let key = self.id.signing_key();
            let cert = certificate.to_vec();
            let sig = keys
                .sign_certificate_verify(
                    Some(self.request.bytes()),
                    &cert,
                    key.as_ref(),
                    &mut fixed_rng,
                )
                .unwrap();
            let cv = seat_proto::message::CertificateVerify {
                algorithm: scheme,
                signature: seat_proto::message::SignatureBytes::new(sig).unwrap(),
            }
            .to_vec();
            let mac = keys.finished_mac(Some(self.request.bytes()), &cert, &cv);
            let fin = seat_proto::message::Finished::new(mac.as_bytes().to_vec())
                .unwrap()
                .to_vec();
            [cert, cv, fin].concat()
        }

        /// The error validating `certificate`, correctly signed under `scheme`, ends in.
        fn rejection(&self, certificate: &Certificate, scheme: SignatureScheme) -> Error {
            self.validate(&self.sign(certificate, scheme)).unwrap_err()
        }

        fn validate(&self, bytes: &[u8]) -> Result<Outcome, Error> {
            authenticator::validate(
                &keys(&self.exporter, Role::Server),
                &Solicitation::Request(&self.request),
                bytes,
                &self.cp,
                &server_verifier(),
                NOW,
            )
        }

        fn entry(&self, extensions: Vec<EntryExtension>) -> CertificateEntry {
            CertificateEntry {
                cert_data: CertData::new(self.id.cert.clone()).unwrap(),
                extensions: EntryExtensions::new(extensions).unwrap(),
            }
        }

        fn certificate(&self, entries: Vec<CertificateEntry>) -> Certificate {
            Certificate::new(RequestContext::new(vec![7; 32]).unwrap(), entries).unwrap()
        }

        fn cmw(&self) -> EntryExtension {
            EntryExtension::CmwAttestation {
                codepoint: self.cp.cmw_attestation(),
                cmw: CmwData::new(b"cmw".to_vec()).unwrap(),
            }
        }
    }

    #[test]
    fn a_correctly_assembled_authenticator_passes() {
        let s = setup(true);
        let cert = s.certificate(vec![s.entry(vec![s.cmw()])]);
        authenticated(
            s.validate(&s.sign(&cert, SignatureScheme::ED25519))
                .unwrap(),
        );
    }

    #[test]
    fn context_must_match_the_request() {
        let s = setup(true);
        let cert = Certificate::new(
            RequestContext::new(vec![8; 32]).unwrap(),
            vec![s.entry(vec![])],
        )
        .unwrap();
        assert_eq!(
            s.rejection(&cert, SignatureScheme::ED25519),
            Error::PeerMisbehaved(PeerMisbehaved::ContextMismatch)
        );
    }

    #[test]
    fn certificate_list_must_not_be_empty() {
        let s = setup(true);
        let cert = s.certificate(vec![]);
        assert_eq!(
            s.rejection(&cert, SignatureScheme::ED25519),
            Error::PeerMisbehaved(PeerMisbehaved::EmptyCertificateList)
        );
    }

    #[test]
    fn cmw_needs_an_offer() {
        let s = setup(false);
        let cert = s.certificate(vec![s.entry(vec![s.cmw()])]);
        let err = s.rejection(&cert, SignatureScheme::ED25519);
        assert_eq!(
            err,
            Error::PeerMisbehaved(PeerMisbehaved::AttestationNotOffered)
        );
        assert_eq!(
            err.alert(&s.cp),
            seat_proto::codepoints::AlertDescription::UNSUPPORTED_EXTENSION
        );
    }

    #[test]
    fn cmw_only_on_the_first_entry() {
        let s = setup(true);
        let cert = s.certificate(vec![s.entry(vec![]), s.entry(vec![s.cmw()])]);
        assert_eq!(
            s.rejection(&cert, SignatureScheme::ED25519),
            Error::PeerMisbehaved(PeerMisbehaved::AttestationNotOnFirstEntry)
        );
    }

    #[test]
    fn entry_extensions_must_have_been_requested() {
        let s = setup(true);
        let sct = EntryExtension::Other(Extension {
            extension_type: ExtensionType::SIGNED_CERTIFICATE_TIMESTAMP,
            data: ExtensionData::new(vec![0, 0]).unwrap(),
        });
        let cert = s.certificate(vec![s.entry(vec![sct])]);
        assert_eq!(
            s.rejection(&cert, SignatureScheme::ED25519),
            Error::PeerMisbehaved(PeerMisbehaved::UnsolicitedExtension(
                ExtensionType::SIGNED_CERTIFICATE_TIMESTAMP
            ))
        );
    }

    #[test]
    fn scheme_must_have_been_offered() {
        let s = setup(true);
        let cert = s.certificate(vec![s.entry(vec![])]);
        assert_eq!(
            s.rejection(&cert, SignatureScheme::RSA_PSS_RSAE_SHA256),
            Error::PeerMisbehaved(PeerMisbehaved::SignatureSchemeNotOffered(
                SignatureScheme::RSA_PSS_RSAE_SHA256
            ))
        );
    }

    #[test]
    fn key_must_fit_the_scheme() {
        // An Ed25519 leaf under ecdsa_secp256r1_sha256, which the request offered.
        let s = setup(true);
        let cert = s.certificate(vec![s.entry(vec![])]);
        assert_eq!(
            s.rejection(&cert, SignatureScheme::ECDSA_SECP256R1_SHA256),
            Error::PeerMisbehaved(PeerMisbehaved::KeyDoesNotMatchScheme)
        );
    }

    #[test]
    fn rsa_key_under_an_ecdsa_scheme() {
        let mut s = setup(true);
        s.id = identity(SignatureAlgorithm::RsaPssRsaeSha256);
        let cert = s.certificate(vec![s.entry(vec![])]);
        // Signed with the RSA key (PSS), labelled ecdsa_secp256r1_sha256, which was offered.
        assert_eq!(
            s.rejection(&cert, SignatureScheme::ECDSA_SECP256R1_SHA256),
            Error::PeerMisbehaved(PeerMisbehaved::KeyDoesNotMatchScheme)
        );
    }

    #[test]
    fn unsupported_scheme_is_incompatible() {
        let cp = CodePoints::DEFAULT;
        let mut s = setup(true);
        s.request =
            SentRequest::client_request(vec![7; 32], &[SignatureScheme::ED448], true, &cp).unwrap();
        let cert = s.certificate(vec![s.entry(vec![])]);
        assert_eq!(
            s.rejection(&cert, SignatureScheme::ED448),
            Error::PeerIncompatible(PeerIncompatible::UnsupportedSignatureScheme(
                SignatureScheme::ED448
            ))
        );
    }

    #[test]
    fn certificate_that_does_not_parse() {
        let s = setup(true);
        let entry = CertificateEntry {
            cert_data: CertData::new(b"not a certificate".to_vec()).unwrap(),
            extensions: EntryExtensions::empty(),
        };
        let cert = s.certificate(vec![entry]);
        assert_eq!(
            s.rejection(&cert, SignatureScheme::ED25519),
            Error::InvalidCertificate(CertificateError::Malformed)
        );
    }

    #[test]
    fn trailing_bytes_and_truncation() {
        let s = setup(true);
        let cert = s.certificate(vec![s.entry(vec![])]);
        let mut bytes = s.sign(&cert, SignatureScheme::ED25519);
        bytes.push(0);
        assert!(matches!(
            s.validate(&bytes).unwrap_err(),
            Error::InvalidMessage(_)
        ));
        bytes.truncate(bytes.len() - 2);
        assert!(matches!(
            s.validate(&bytes).unwrap_err(),
            Error::InvalidMessage(_)
        ));
    }

    #[test]
    fn builder_refuses_what_the_request_did_not_offer() {
        let s = setup(false);
        let keys = keys(&s.exporter, Role::Server);
        let key = s.id.signing_key();
        let sol = Solicitation::Request(&s.request);
        let chain = [s.id.cert.clone()];
        assert_eq!(
            authenticator::build(
                &keys,
                &sol,
                &chain
                    .iter()
                    .cloned()
                    .map(CertificateDer::from)
                    .collect::<Vec<_>>(),
                key.as_ref(),
                Some(b"cmw"),
                &s.cp,
                &mut fixed_rng
            )
            .unwrap_err(),
            Error::ApiMisuse(ApiMisuse::AttestationNotOffered)
        );
        assert_eq!(
            authenticator::build(&keys, &sol, &[], key.as_ref(), None, &s.cp, &mut fixed_rng)
                .unwrap_err(),
            Error::ApiMisuse(ApiMisuse::EmptyChain)
        );
        let client_keys = super::keys(&s.exporter, Role::Client);
        assert_eq!(
            authenticator::build(
                &client_keys,
                &sol,
                &chain
                    .iter()
                    .cloned()
                    .map(CertificateDer::from)
                    .collect::<Vec<_>>(),
                key.as_ref(),
                None,
                &s.cp,
                &mut fixed_rng
            )
            .unwrap_err(),
            Error::ApiMisuse(ApiMisuse::WrongRole)
        );
        let p384 = identity(SignatureAlgorithm::EcdsaSecp384r1Sha384);
        let p384_key = p384.signing_key();
        assert_eq!(
            authenticator::build(
                &keys,
                &sol,
                &[CertificateDer::from(p384.cert)],
                p384_key.as_ref(),
                None,
                &s.cp,
                &mut fixed_rng
            )
            .unwrap_err(),
            Error::ApiMisuse(ApiMisuse::SchemeNotOffered(
                SignatureScheme::ECDSA_SECP384R1_SHA384
            ))
        );
    }

    #[test]
    fn refusal_and_its_forgery() {
        let s = setup(true);
        let keys = keys(&s.exporter, Role::Server);
        let sol = Solicitation::Request(&s.request);
        let refusal = authenticator::build_empty(&keys, &sol).unwrap();
        assert_eq!(s.validate(&refusal).unwrap(), Outcome::Refused);
        let mut forged = refusal.clone();
        *forged.last_mut().unwrap() ^= 1;
        assert_eq!(
            s.validate(&forged).unwrap_err(),
            Error::PeerMisbehaved(PeerMisbehaved::BadFinished)
        );
        // A refusal made with the client's labels is not the server's.
        let client_refusal = authenticator::build_empty(
            &super::keys(&s.exporter, Role::Client),
            &Solicitation::Request(
                &SentRequest::server_request(vec![7; 32], &[SignatureScheme::ED25519], true, &s.cp)
                    .unwrap(),
            ),
        )
        .unwrap();
        assert_eq!(
            s.validate(&client_refusal).unwrap_err(),
            Error::PeerMisbehaved(PeerMisbehaved::BadFinished)
        );
        // Splitting shows it is a lone Finished.
        assert!(matches!(
            AuthenticatorMessages::split(&refusal).unwrap(),
            AuthenticatorMessages::Empty { .. }
        ));
    }
}
