//! Live rustls 0.23 handshakes in memory: the exporter computed from the key log's
//! `EXPORTER_SECRET` equals rustls's `export_keying_material` for the RFC 9261 labels and the
//! expat labels, on SHA-256 and SHA-384 suites; and an authenticator built on one side
//! validates on the other.

use std::sync::{Arc, Mutex};

use rustls::crypto::aws_lc_rs::{self as provider, cipher_suite};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::{
    ClientConfig, ClientConnection, KeyLog, RootCertStore, ServerConfig, ServerConnection,
};
use seat_binding::Secret;
use seat_binding::authenticator::{AuthenticatorKeys, Role};
use seat_binding::binder::{ExpatLabel, PublicKeyEncoding, expat_binder_for_certificate};
use seat_binding::exporter::rustls_adapter::RustlsExporter;
use seat_binding::exporter::{Exporter, RecordedExporter};
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::aws_lc::AwsLcRs;
use seat_binding::provider::{CryptoProvider, HashAlgorithm, SignatureAlgorithm};
use seat_binding::spki::spki_from_certificate;

/// Captures the key log lines rustls emits.
#[derive(Debug, Default)]
pub(crate) struct CapturedKeyLog(Mutex<Vec<(String, Vec<u8>)>>);

impl KeyLog for CapturedKeyLog {
    fn log(&self, label: &str, _client_random: &[u8], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push((label.to_owned(), secret.to_vec()));
    }
}

impl CapturedKeyLog {
    pub(crate) fn secret(&self, label: &str) -> Vec<u8> {
        let lines = self.0.lock().unwrap();
        let found: Vec<_> = lines.iter().filter(|(l, _)| l == label).collect();
        assert_eq!(found.len(), 1, "{label}");
        found[0].1.clone()
    }
}

pub(crate) struct Pair {
    pub(crate) client: ClientConnection,
    pub(crate) server: ServerConnection,
    pub(crate) client_log: Arc<CapturedKeyLog>,
    pub(crate) cert_der: Vec<u8>,
    pub(crate) key_pkcs8: Vec<u8>,
}

fn rustls_provider(suite: rustls::SupportedCipherSuite) -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::CryptoProvider {
        cipher_suites: vec![suite],
        ..provider::default_provider()
    })
}

/// A self-signed P-256 certificate for "localhost" (rcgen).
pub(crate) fn certificate() -> (Vec<u8>, Vec<u8>) {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    (ck.cert.der().to_vec(), ck.key_pair.serialize_der())
}

pub(crate) fn client_config(
    suite: rustls::SupportedCipherSuite,
    cert_der: &[u8],
    log: Arc<CapturedKeyLog>,
) -> ClientConfig {
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from(cert_der.to_vec())).unwrap();
    let mut config = ClientConfig::builder_with_provider(rustls_provider(suite))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.key_log = log;
    config
}

/// Runs a TLS 1.3 handshake between a rustls client and server, pumping bytes in memory.
fn handshake(suite: rustls::SupportedCipherSuite) -> Pair {
    let (cert_der, key_pkcs8) = certificate();
    let server_config = ServerConfig::builder_with_provider(rustls_provider(suite))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert_der.clone())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_pkcs8.clone())),
        )
        .unwrap();
    let client_log = Arc::new(CapturedKeyLog::default());
    let client_config = client_config(suite, &cert_der, client_log.clone());
    let mut client = ClientConnection::new(
        Arc::new(client_config),
        ServerName::try_from("localhost").unwrap(),
    )
    .unwrap();
    let mut server = ServerConnection::new(Arc::new(server_config)).unwrap();
    for _ in 0..10 {
        let mut buf = Vec::new();
        while client.wants_write() {
            client.write_tls(&mut buf).unwrap();
        }
        if !buf.is_empty() {
            server.read_tls(&mut buf.as_slice()).unwrap();
            server.process_new_packets().unwrap();
        }
        let mut buf = Vec::new();
        while server.wants_write() {
            server.write_tls(&mut buf).unwrap();
        }
        if !buf.is_empty() {
            client.read_tls(&mut buf.as_slice()).unwrap();
            client.process_new_packets().unwrap();
        }
        if !client.is_handshaking() && !server.is_handshaking() {
            break;
        }
    }
    assert!(!client.is_handshaking() && !server.is_handshaking());
    Pair {
        client,
        server,
        client_log,
        cert_der,
        key_pkcs8,
    }
}

const LABELS: [&[u8]; 6] = [
    b"EXPORTER-client authenticator handshake context",
    b"EXPORTER-server authenticator handshake context",
    b"EXPORTER-client authenticator finished key",
    b"EXPORTER-server authenticator finished key",
    b"Attestation",
    b"Attestation Binding",
];

fn exporters_agree(suite: rustls::SupportedCipherSuite, hash: HashAlgorithm) {
    let pair = handshake(suite);
    let client = RustlsExporter::new(&pair.client).unwrap();
    let server = RustlsExporter::new(&pair.server).unwrap();
    assert_eq!(client.hash_algorithm(), hash);
    assert_eq!(server.hash_algorithm(), hash);
    let ems = pair.client_log.secret("EXPORTER_SECRET");
    assert_eq!(ems.len(), hash.output_len());
    let recorded =
        RecordedExporter::new(&AwsLcRs, hash, Protocol::Tls13, Secret::new(ems)).unwrap();
    let ctx: Vec<u8> = (0u8..32).collect();
    for label in LABELS {
        for (context, len) in [
            (Some(&[][..]), hash.output_len()),
            (Some(&ctx[..]), 32),
            (None, 77),
        ] {
            let ours = recorded.export(label, context, len).unwrap();
            assert_eq!(ours, client.export(label, context, len).unwrap());
            assert_eq!(ours, server.export(label, context, len).unwrap());
        }
    }
    #[cfg(feature = "rustcrypto")]
    {
        let ems = pair.client_log.secret("EXPORTER_SECRET");
        let rc = RecordedExporter::new(
            &seat_binding::provider::rust_crypto::RustCrypto,
            hash,
            Protocol::Tls13,
            Secret::new(ems),
        )
        .unwrap();
        for label in LABELS {
            assert_eq!(
                rc.export(label, Some(&ctx), 32).unwrap(),
                client.export(label, Some(&ctx), 32).unwrap()
            );
        }
    }
    // The same through the `rustls::Connection` enum.
    let expected = client.export(b"Attestation", Some(&ctx), 32).unwrap();
    let any = rustls::Connection::from(pair.client);
    assert_eq!(
        RustlsExporter::new(&any)
            .unwrap()
            .export(b"Attestation", Some(&ctx), 32)
            .unwrap(),
        expected
    );
}

/// Before the handshake completes there is no exporter.
#[test]
fn exporter_needs_a_complete_handshake() {
    let (cert_der, _) = certificate();
    let config = client_config(
        cipher_suite::TLS13_AES_128_GCM_SHA256,
        &cert_der,
        Arc::new(CapturedKeyLog::default()),
    );
    let conn = ClientConnection::new(Arc::new(config), ServerName::try_from("localhost").unwrap())
        .unwrap();
    assert_eq!(
        RustlsExporter::new(&conn).unwrap_err(),
        seat_binding::Error::HandshakeNotComplete
    );
}

#[test]
fn exporter_matches_rustls_sha256() {
    exporters_agree(
        cipher_suite::TLS13_AES_128_GCM_SHA256,
        HashAlgorithm::Sha256,
    );
}

#[test]
fn exporter_matches_rustls_sha384() {
    exporters_agree(
        cipher_suite::TLS13_AES_256_GCM_SHA384,
        HashAlgorithm::Sha384,
    );
}

/// The server builds an RFC 9261 authenticator (spontaneous, with its own labels) with the
/// TLS certificate's key; the client validates it with the peer's labels from its own
/// connection, and both compute the same expat binder.
#[test]
fn authenticator_across_a_live_connection() {
    for (suite, hash) in [
        (
            cipher_suite::TLS13_AES_128_GCM_SHA256,
            HashAlgorithm::Sha256,
        ),
        (
            cipher_suite::TLS13_AES_256_GCM_SHA384,
            HashAlgorithm::Sha384,
        ),
    ] {
        let pair = handshake(suite);
        let p: &'static dyn CryptoProvider = &AwsLcRs;
        let server_exp = RustlsExporter::new(&pair.server).unwrap();
        let client_exp = RustlsExporter::new(&pair.client).unwrap();
        let builder = AuthenticatorKeys::derive(p, &server_exp, Role::Server).unwrap();
        let validator = AuthenticatorKeys::derive(p, &client_exp, Role::Client.peer()).unwrap();
        assert_eq!(builder.handshake_context(), validator.handshake_context());
        assert_eq!(builder.finished_key(), validator.finished_key());

        // A stand-in Certificate message; the primitives hash whatever bytes they get.
        let mut cert_msg = vec![0x0b, 0, 0, 0];
        cert_msg.extend_from_slice(&pair.cert_der);
        let key = p
            .signing_key_from_pkcs8(SignatureAlgorithm::EcdsaSecp256r1Sha256, &pair.key_pkcs8)
            .unwrap();
        let sig = builder
            .sign_certificate_verify(None, &cert_msg, key.as_ref(), &mut |_: &mut [u8]| {})
            .unwrap();
        let spki = spki_from_certificate(&pair.cert_der).unwrap();
        assert_eq!(spki, key.public_key_spki());
        validator
            .verify_certificate_verify(
                None,
                &cert_msg,
                SignatureAlgorithm::EcdsaSecp256r1Sha256,
                spki,
                &sig,
            )
            .unwrap();
        let mac = builder.finished_mac(None, &cert_msg, &sig);
        validator
            .verify_finished(None, &cert_msg, &sig, mac.as_bytes())
            .unwrap();

        let ctx = [9u8; 32];
        let a = expat_binder_for_certificate(
            p,
            &server_exp,
            ExpatLabel::Attestation,
            &ctx,
            &pair.cert_der,
            PublicKeyEncoding::Spki,
        )
        .unwrap();
        let b = expat_binder_for_certificate(
            p,
            &client_exp,
            ExpatLabel::Attestation,
            &ctx,
            &pair.cert_der,
            PublicKeyEncoding::Spki,
        )
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(a.binding_value.len(), hash.output_len());
    }
}
