//! The transcript tap against known answers: the external `early-binder` vectors (RFC 8448
//! sections 3 and 5 messages, binders of draft-fossati-seat-early-attestation section 5.1.1
//! from the implementation digest, sections 8.2 and 8.3) fed to the tap as TLS records in
//! awkward chunkings, and a live rustls handshake whose two sides' taps agree.

use seat_binding::binder::early_binder_from_messages;
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::{HashAlgorithm, default_provider};
use seat_proto::transcript::TranscriptTap;
use serde_json::Value;

fn vector(name: &str) -> Value {
    let text = match name {
        "s3" => include_str!(
            "../../../seat-conformance/vectors/external/early-binder/rfc8448-s3-server-binder.json"
        ),
        "s5" => include_str!(
            "../../../seat-conformance/vectors/external/early-binder/rfc8448-s5-hrr-server-binder.json"
        ),
        other => panic!("no vector {other}"),
    };
    serde_json::from_str(text).unwrap()
}

/// Wraps handshake bytes in TLSPlaintext records of at most `max` bytes each.
fn records(handshake: &[u8], max: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in handshake.chunks(max) {
        out.extend([22, 3, 3]);
        out.extend(u16::try_from(chunk.len()).unwrap().to_be_bytes());
        out.extend(chunk);
    }
    out
}

fn check_vector(name: &str) {
    let v = vector(name);
    let messages: Vec<Vec<u8>> = v["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| hex::decode(m.as_str().unwrap()).unwrap())
        .collect();
    let spki = hex::decode(v["spki"].as_str().unwrap()).unwrap();
    for (record_size, write_size) in [(16384, 1 << 20), (7, 3), (100, 1)] {
        let mut tap = TranscriptTap::new();
        // Client messages are the even ones, server messages the odd ones: CH, SH or CH1, HRR,
        // CH2, SH. Each is fed when the handshake would send it.
        for (i, m) in messages.iter().enumerate() {
            let bytes = records(m, record_size);
            for w in bytes.chunks(write_size) {
                if i % 2 == 0 {
                    tap.handle_client_bytes(w).unwrap();
                } else {
                    tap.handle_server_bytes(w).unwrap();
                }
            }
        }
        let tapped = tap.messages().expect("complete");
        assert_eq!(
            tapped,
            messages.iter().map(Vec::as_slice).collect::<Vec<_>>()
        );
        assert_eq!(tap.had_hello_retry_request(), messages.len() == 4);
        let binder = early_binder_from_messages(
            default_provider(),
            HashAlgorithm::Sha256,
            Protocol::Tls13,
            &tapped,
            &spki,
        )
        .unwrap();
        assert_eq!(
            hex::encode(binder.attest_base.as_bytes()),
            v["attest_base"].as_str().unwrap()
        );
        assert_eq!(
            hex::encode(binder.binder.as_bytes()),
            v["binder"].as_str().unwrap()
        );
    }
}

#[test]
fn rfc8448_section_3_binder_from_tapped_records() {
    check_vector("s3");
}

#[test]
fn rfc8448_section_5_hello_retry_binder_from_tapped_records() {
    check_vector("s5");
}

#[test]
fn both_sides_of_a_live_rustls_handshake_tap_the_same_transcript() {
    use std::sync::Arc;

    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    use rustls::{ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection};

    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    let cert = params.self_signed(&key).unwrap();
    let server_config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(cert.der().to_vec()))
        .unwrap();
    let client_config = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let mut client =
        ClientConnection::new(Arc::new(client_config), "localhost".try_into().unwrap()).unwrap();
    let mut server = ServerConnection::new(Arc::new(server_config)).unwrap();

    // Each side taps what it sends and what it receives, as an adapter would.
    let mut client_tap = TranscriptTap::new();
    let mut server_tap = TranscriptTap::new();
    for _ in 0..10 {
        let mut c2s = Vec::new();
        while client.wants_write() {
            client.write_tls(&mut c2s).unwrap();
        }
        client_tap.handle_client_bytes(&c2s).unwrap();
        server_tap.handle_client_bytes(&c2s).unwrap();
        let mut rd = &c2s[..];
        while !rd.is_empty() {
            server.read_tls(&mut rd).unwrap();
            server.process_new_packets().unwrap();
        }
        let mut s2c = Vec::new();
        while server.wants_write() {
            server.write_tls(&mut s2c).unwrap();
        }
        client_tap.handle_server_bytes(&s2c).unwrap();
        server_tap.handle_server_bytes(&s2c).unwrap();
        let mut rd = &s2c[..];
        while !rd.is_empty() {
            client.read_tls(&mut rd).unwrap();
            client.process_new_packets().unwrap();
        }
        if !client.is_handshaking() && !server.is_handshaking() {
            break;
        }
    }
    let c = client_tap.messages().unwrap();
    let s = server_tap.messages().unwrap();
    assert_eq!(c, s);
    assert_eq!(c.len(), 2);
    assert_eq!(c[0][0], 1);
    assert_eq!(c[1][0], 2);
    // The transcript hash our tap yields is the one both sides bind to.
    let spki = seat_binding::spki::spki_from_certificate(cert.der()).unwrap();
    let hash = match client.negotiated_cipher_suite().unwrap().suite() {
        rustls::CipherSuite::TLS13_AES_256_GCM_SHA384 => HashAlgorithm::Sha384,
        _ => HashAlgorithm::Sha256,
    };
    let a =
        early_binder_from_messages(default_provider(), hash, Protocol::Tls13, &c, spki).unwrap();
    let b =
        early_binder_from_messages(default_provider(), hash, Protocol::Tls13, &s, spki).unwrap();
    assert_eq!(a.binder.as_bytes(), b.binder.as_bytes());
}
