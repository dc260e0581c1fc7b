//! Authenticators over a live rustls 0.23 TLS 1.3 connection, run in memory: each side
//! derives its keys from its own connection's exporter, so an authenticator validates only on
//! the connection and in the direction it was made for.

use std::sync::Arc;

use rustls::crypto::aws_lc_rs;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection};
use seat_binding::authenticator::{AuthenticatorKeys, Role};
use seat_binding::exporter::rustls_adapter::RustlsExporter;
use seat_binding::provider::{SignatureAlgorithm, default_provider};
use seat_proto::authenticator::{self, Outcome, SentRequest, Solicitation};
use seat_proto::chain::{DangerousSelfSignedVerifier, Purpose};
use seat_proto::codepoints::{CodePoints, SignatureScheme};
use seat_proto::{Error, PeerMisbehaved};

/// A connected client and server, handshake complete.
struct Pair {
    client: ClientConnection,
    server: ServerConnection,
}

fn transfer<A, B>(from: &mut rustls::ConnectionCommon<A>, to: &mut rustls::ConnectionCommon<B>) {
    let mut buf = Vec::new();
    while from.wants_write() {
        from.write_tls(&mut buf).unwrap();
    }
    let mut rd = &buf[..];
    while !rd.is_empty() {
        to.read_tls(&mut rd).unwrap();
        to.process_new_packets().unwrap();
    }
}

fn pair(suite: rustls::SupportedCipherSuite) -> Pair {
    let ca_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "seat live test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let server_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let server_cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&server_key, &ca, &ca_key)
        .unwrap();

    let mut provider = aws_lc_rs::default_provider();
    provider.cipher_suites = vec![suite];
    let provider = Arc::new(provider);
    let server_config = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![server_cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
        )
        .unwrap();
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from(ca.der().to_vec())).unwrap();
    let client_config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let mut client =
        ClientConnection::new(Arc::new(client_config), "localhost".try_into().unwrap()).unwrap();
    let mut server = ServerConnection::new(Arc::new(server_config)).unwrap();
    for _ in 0..10 {
        if !client.is_handshaking() && !server.is_handshaking() {
            break;
        }
        transfer(&mut client, &mut server);
        transfer(&mut server, &mut client);
    }
    assert!(!client.is_handshaking() && !server.is_handshaking());
    Pair { client, server }
}

fn fixed_rng(dest: &mut [u8]) {
    dest.fill(0x33);
}

fn attester_identity(alg: SignatureAlgorithm) -> (Vec<u8>, Vec<u8>) {
    let rc = match alg {
        SignatureAlgorithm::EcdsaSecp256r1Sha256 => &rcgen::PKCS_ECDSA_P256_SHA256,
        SignatureAlgorithm::EcdsaSecp384r1Sha384 => &rcgen::PKCS_ECDSA_P384_SHA384,
        SignatureAlgorithm::Ed25519 => &rcgen::PKCS_ED25519,
        _ => &rcgen::PKCS_RSA_SHA256,
    };
    let key = rcgen::KeyPair::generate_for(rc).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["attester.example".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    (cert.der().to_vec(), key.serialize_der())
}

#[test]
fn every_scheme_both_directions_on_live_connections() {
    let cp = CodePoints::DEFAULT;
    let schemes: Vec<SignatureScheme> = SignatureAlgorithm::ALL
        .iter()
        .map(|a| SignatureScheme(a.tls_scheme()))
        .collect();
    let mut validated = 0;
    for suite in [
        aws_lc_rs::cipher_suite::TLS13_AES_128_GCM_SHA256,
        aws_lc_rs::cipher_suite::TLS13_AES_256_GCM_SHA384,
    ] {
        let pair = pair(suite);
        let client_exporter = RustlsExporter::new(&pair.client).unwrap();
        let server_exporter = RustlsExporter::new(&pair.server).unwrap();
        for alg in SignatureAlgorithm::ALL {
            let (cert, pkcs8) = attester_identity(alg);
            let key = default_provider()
                .signing_key_from_pkcs8(alg, &pkcs8)
                .unwrap();
            for server_attests in [true, false] {
                let ctx = vec![u8::try_from(validated).unwrap(); 32];
                let (request, role, built_on, checked_on) = if server_attests {
                    (
                        SentRequest::client_request(ctx, &schemes, true, &cp).unwrap(),
                        Role::Server,
                        &server_exporter as &dyn seat_binding::exporter::Exporter,
                        &client_exporter as &dyn seat_binding::exporter::Exporter,
                    )
                } else {
                    (
                        SentRequest::server_request(ctx, &schemes, true, &cp).unwrap(),
                        Role::Client,
                        &client_exporter as &dyn seat_binding::exporter::Exporter,
                        &server_exporter as &dyn seat_binding::exporter::Exporter,
                    )
                };
                let builder_keys =
                    AuthenticatorKeys::derive(default_provider(), built_on, role).unwrap();
                let bytes = authenticator::build(
                    &builder_keys,
                    &Solicitation::Request(&request),
                    &[CertificateDer::from(cert.clone())],
                    key.as_ref(),
                    Some(b"cmw"),
                    &cp,
                    &mut fixed_rng,
                )
                .unwrap();
                let purpose = if server_attests {
                    Purpose::Server
                } else {
                    Purpose::Client
                };
                let verifier = DangerousSelfSignedVerifier::dangerous_new(purpose);
                let validator_keys =
                    AuthenticatorKeys::derive(default_provider(), checked_on, role).unwrap();
                let outcome = authenticator::validate(
                    &validator_keys,
                    &Solicitation::Request(&request),
                    &bytes,
                    &cp,
                    &verifier,
                    1_780_272_000,
                )
                .unwrap();
                assert!(matches!(outcome, Outcome::Authenticated(_)), "{alg:?}");
                validated += 1;

                // The other role's labels: the same bytes checked as if the other side had
                // built them (with the request re-typed accordingly) fail.
                let flipped = if server_attests {
                    SentRequest::server_request(
                        request.request().context().as_bytes().to_vec(),
                        &schemes,
                        true,
                        &cp,
                    )
                } else {
                    SentRequest::client_request(
                        request.request().context().as_bytes().to_vec(),
                        &schemes,
                        true,
                        &cp,
                    )
                }
                .unwrap();
                let other_keys =
                    AuthenticatorKeys::derive(default_provider(), checked_on, role.peer()).unwrap();
                let err = authenticator::validate(
                    &other_keys,
                    &Solicitation::Request(&flipped),
                    &bytes,
                    &cp,
                    &verifier,
                    1_780_272_000,
                )
                .unwrap_err();
                assert_eq!(
                    err,
                    Error::PeerMisbehaved(PeerMisbehaved::BadSignature),
                    "{alg:?}"
                );
            }
        }
    }
    assert_eq!(validated, 24);
}

#[test]
fn authenticator_from_another_connection_fails() {
    let cp = CodePoints::DEFAULT;
    let one = pair(aws_lc_rs::cipher_suite::TLS13_AES_128_GCM_SHA256);
    let two = pair(aws_lc_rs::cipher_suite::TLS13_AES_128_GCM_SHA256);
    let (cert, pkcs8) = attester_identity(SignatureAlgorithm::Ed25519);
    let key = default_provider()
        .signing_key_from_pkcs8(SignatureAlgorithm::Ed25519, &pkcs8)
        .unwrap();
    let request =
        SentRequest::client_request(vec![5; 32], &[SignatureScheme::ED25519], true, &cp).unwrap();
    let keys_one = AuthenticatorKeys::derive(
        default_provider(),
        &RustlsExporter::new(&one.server).unwrap(),
        Role::Server,
    )
    .unwrap();
    let bytes = authenticator::build(
        &keys_one,
        &Solicitation::Request(&request),
        &[CertificateDer::from(cert)],
        key.as_ref(),
        None,
        &cp,
        &mut fixed_rng,
    )
    .unwrap();
    // Relayed to a client of another connection: its exporter differs, so validation fails.
    let keys_two = AuthenticatorKeys::derive(
        default_provider(),
        &RustlsExporter::new(&two.client).unwrap(),
        Role::Server,
    )
    .unwrap();
    let err = authenticator::validate(
        &keys_two,
        &Solicitation::Request(&request),
        &bytes,
        &cp,
        &DangerousSelfSignedVerifier::dangerous_new(Purpose::Server),
        1_780_272_000,
    )
    .unwrap_err();
    assert_eq!(err, Error::PeerMisbehaved(PeerMisbehaved::BadSignature));
}
