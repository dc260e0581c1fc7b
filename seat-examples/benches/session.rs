//! Criterion, in one run: (a) a plain rustls TLS 1.3 mutual handshake in memory with P-256
//! certificates, a full one each time (no resumption); (b) the same handshake followed by
//! mutual expat attestation in the background-check model, with the simulated TEEs and the
//! in-process Verifier, until both gates are open. The report is b/a.

// criterion_group! generates an undocumented function; set-up unwraps fixtures it controls.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use rustls::server::WebPkiClientVerifier;
use rustls::{
    ClientConfig, ClientConnection, ConnectionCommon, RootCertStore, ServerConfig, ServerConnection,
};
use seat_examples::echo::Options;
use seat_examples::memory::Setup;
use seat_verify::embedded::testing::Identity;

fn move_tls<A, B>(from: &mut ConnectionCommon<A>, to: &mut ConnectionCommon<B>) {
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

fn bench(c: &mut Criterion) {
    let server_id = Identity::self_signed("localhost").unwrap();
    let client_id = Identity::self_signed("client.example").unwrap();
    let mut roots = RootCertStore::empty();
    roots.add(server_id.certificate().clone()).unwrap();
    let mut client_config = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_client_auth_cert(
            vec![client_id.certificate().clone()],
            client_id.private_key(),
        )
        .unwrap();
    // Every iteration must be a full handshake, as every attested connection is: with
    // rustls's default in-memory resumption, the client of one iteration would resume with
    // the previous iteration's ticket (no certificate, no signature), and the baseline would
    // be about half as long as a full handshake.
    client_config.resumption = rustls::client::Resumption::disabled();
    let client_config = Arc::new(client_config);
    let mut client_roots = RootCertStore::empty();
    client_roots.add(client_id.certificate().clone()).unwrap();
    let verifier = WebPkiClientVerifier::builder(Arc::new(client_roots))
        .build()
        .unwrap();
    let server_config = Arc::new(
        ServerConfig::builder()
            .with_client_cert_verifier(verifier)
            .with_single_cert(
                vec![server_id.certificate().clone()],
                server_id.private_key(),
            )
            .unwrap(),
    );

    let mut group = c.benchmark_group("mutual");
    group.bench_function("a_plain_rustls_handshake", |b| {
        b.iter(|| {
            let mut client =
                ClientConnection::new(client_config.clone(), "localhost".try_into().unwrap())
                    .unwrap();
            let mut server = ServerConnection::new(server_config.clone()).unwrap();
            while client.is_handshaking() || server.is_handshaking() {
                move_tls(&mut client, &mut server);
                move_tls(&mut server, &mut client);
            }
        })
    });
    let now = 1_790_000_000;
    let opts = Options {
        client_certificate: true,
        ..Options::default()
    };
    let setup = Setup::new(opts).unwrap();
    group.bench_function("b_handshake_and_mutual_attestation", |b| {
        b.iter(|| {
            let pair = setup.connect(now).unwrap();
            assert!(pair.both_open());
        })
    });
    // (c) The cryptographic floor that (b) adds to (a): per side, one authenticator signature
    // and its verification, one certificate-path signature check, one Evidence signature and
    // its verification, one EAR signature; twelve P-256 operations for the pair, through the
    // same provider.
    let provider = seat_binding::provider::default_provider();
    let key = provider
        .signing_key_from_pkcs8(
            seat_binding::provider::SignatureAlgorithm::EcdsaSecp256r1Sha256,
            client_id.pkcs8_der(),
        )
        .unwrap();
    let spki = key.public_key_spki();
    let message = [0x5au8; 130];
    let mut rng = |d: &mut [u8]| d.fill(1);
    let signature = key
        .sign(
            &message,
            seat_binding::provider::SignatureEncoding::Tls,
            &mut rng,
        )
        .unwrap();
    group.bench_function("c_crypto_added_by_attestation", |b| {
        b.iter(|| {
            for _ in 0..2 {
                for _ in 0..3 {
                    key.sign(
                        &message,
                        seat_binding::provider::SignatureEncoding::Tls,
                        &mut rng,
                    )
                    .unwrap();
                }
                for _ in 0..3 {
                    provider
                        .verify(
                            seat_binding::provider::SignatureAlgorithm::EcdsaSecp256r1Sha256,
                            &spki,
                            &message,
                            &signature,
                            seat_binding::provider::SignatureEncoding::Tls,
                        )
                        .unwrap();
                }
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
