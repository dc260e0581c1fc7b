//! The OpenSSL exporter adapter over a live OpenSSL TLS 1.3 connection (the `openssl` crate on
//! both ends of a socket pair): its output equals the exporter computed from the key log's
//! `EXPORTER_SECRET`, and client and server agree.

use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use openssl::pkey::PKey;
use openssl::ssl::{SslAcceptor, SslConnector, SslMethod, SslVerifyMode, SslVersion};
use openssl::x509::X509;
use seat_binding::Secret;
use seat_binding::exporter::openssl_adapter::OpensslExporter;
use seat_binding::exporter::{Exporter, RecordedExporter};
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::HashAlgorithm;
use seat_binding::provider::aws_lc::AwsLcRs;

fn run(openssl_suite: &'static str, hash: HashAlgorithm) {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert = X509::from_der(ck.cert.der()).unwrap();
    let key = PKey::private_key_from_pkcs8(&ck.key_pair.serialize_der()).unwrap();
    let (a, b) = UnixStream::pair().unwrap();
    for s in [&a, &b] {
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    }

    let mut acceptor = SslAcceptor::mozilla_modern_v5(SslMethod::tls()).unwrap();
    acceptor.set_certificate(&cert).unwrap();
    acceptor.set_private_key(&key).unwrap();
    acceptor.set_ciphersuites(openssl_suite).unwrap();
    let acceptor = acceptor.build();
    let server = std::thread::spawn(move || {
        let stream = acceptor.accept(a).unwrap();
        let exp = OpensslExporter::new(stream.ssl()).unwrap();
        let out = exp.export(b"Attestation", Some(&[1, 2, 3]), 32).unwrap();
        (exp.hash_algorithm(), out)
    });

    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut connector = SslConnector::builder(SslMethod::tls()).unwrap();
    connector.set_verify(SslVerifyMode::NONE);
    connector
        .set_min_proto_version(Some(SslVersion::TLS1_3))
        .unwrap();
    connector.set_ciphersuites(openssl_suite).unwrap();
    let sink = log.clone();
    connector.set_keylog_callback(move |_, line| sink.lock().unwrap().push(line.to_owned()));
    let stream = connector.build().connect("localhost", b).unwrap();
    let exp = OpensslExporter::new(stream.ssl()).unwrap();
    assert_eq!(exp.hash_algorithm(), hash);

    let ems = log
        .lock()
        .unwrap()
        .iter()
        .find_map(|l| l.strip_prefix("EXPORTER_SECRET ").map(str::to_owned))
        .unwrap();
    let ems = hex::decode(ems.split(' ').nth(1).unwrap()).unwrap();
    let recorded =
        RecordedExporter::new(&AwsLcRs, hash, Protocol::Tls13, Secret::new(ems)).unwrap();
    for label in [
        &b"EXPORTER-client authenticator handshake context"[..],
        b"EXPORTER-server authenticator finished key",
        b"Attestation",
    ] {
        for context in [None, Some(&[][..]), Some(&[0u8][..])] {
            assert_eq!(
                exp.export(label, context, 40).unwrap(),
                recorded.export(label, context, 40).unwrap()
            );
        }
    }
    let (server_hash, server_out) = server.join().unwrap();
    assert_eq!(server_hash, hash);
    assert_eq!(
        server_out,
        exp.export(b"Attestation", Some(&[1, 2, 3]), 32).unwrap()
    );
    assert_eq!(
        exp.export(&[0xff], None, 32).unwrap_err(),
        seat_binding::Error::InvalidLabel
    );
}

#[test]
fn openssl_adapter_sha256() {
    run("TLS_AES_128_GCM_SHA256", HashAlgorithm::Sha256);
}

#[test]
fn openssl_adapter_sha384() {
    run("TLS_AES_256_GCM_SHA384", HashAlgorithm::Sha384);
}
