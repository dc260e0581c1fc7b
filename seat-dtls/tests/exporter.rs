//! The exporter cross-check: on a live BoringSSL DTLS 1.3 connection, seat-binding's own key
//! schedule, run with the `"dtls13"` label prefix (RFC 9147 section 5.9) from the
//! `EXPORTER_SECRET` BoringSSL wrote to its key log, reproduces `SSL_export_keying_material`;
//! with the TLS 1.3 prefix it does not.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use seat_binding::Secret;
use seat_binding::authenticator::Role;
use seat_binding::exporter::{Exporter, RecordedExporter};
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::aws_lc::AwsLcRandom;
use seat_binding::provider::default_provider;
use seat_dtls::config::{self, DEFAULT_MTU, KeyLog};
use seat_dtls::core::{DtlsCore, DtlsOptions};
use seat_dtls::exporter::{BoringExporter, hash_of_suite};
use seat_dtls::platform::Identity;
use seat_proto::hooks::{self, AttestationHooks, Rejection, Stage};
use seat_proto::session::{Session, SessionConfig};

struct NoAttestation;

impl AttestationHooks for NoAttestation {
    type Accepted = ();
    fn produce_evidence(&mut self, _: &hooks::EvidenceRequest<'_>) -> Option<Vec<u8>> {
        None
    }
    fn appraise(&mut self, _: &hooks::AppraisalRequest<'_>) -> Result<(), Rejection> {
        Err(Rejection::new(Stage::Other, "nothing is appraised here"))
    }
}

fn session(role: Role) -> Session {
    // Nothing attested and nothing required: only the exporter is exercised.
    let config = SessionConfig::builder(default_provider()).build().unwrap();
    Session::new(Arc::new(config), role, None, Box::new(AwsLcRandom))
}

/// A DTLS 1.3 handshake between two BoringSSL connections, datagrams moved in memory.
fn connected() -> (DtlsCore<NoAttestation>, DtlsCore<NoAttestation>, KeyLog) {
    let server_id = Identity::new("localhost").unwrap();
    let server_ctx = config::server_builder(&server_id.certificate, &server_id.pkcs8)
        .unwrap()
        .build();
    let mut client_builder = config::client_builder(&[&server_id.certificate]).unwrap();
    let keylog = KeyLog::install(&mut client_builder);
    let client_ctx = client_builder.build();
    let mut client = DtlsCore::new(
        config::connection(&client_ctx, Some("localhost"), DEFAULT_MTU).unwrap(),
        Role::Client,
        session(Role::Client),
        NoAttestation,
        DtlsOptions::default(),
    )
    .unwrap();
    let mut server = DtlsCore::new(
        config::connection(&server_ctx, None, DEFAULT_MTU).unwrap(),
        Role::Server,
        session(Role::Server),
        NoAttestation,
        DtlsOptions::default(),
    )
    .unwrap();
    client.process().unwrap();
    for _ in 0..20 {
        while let Some(d) = client.poll_datagram() {
            server.receive_datagram(&d);
        }
        server.process().unwrap();
        while let Some(d) = server.poll_datagram() {
            client.receive_datagram(&d);
        }
        client.process().unwrap();
        if client.is_established() && server.is_established() {
            break;
        }
    }
    assert!(client.is_established() && server.is_established());
    (client, server, keylog)
}

#[test]
fn own_dtls13_key_schedule_reproduces_boringssl_exporter() {
    let (client, server, keylog) = connected();
    assert_eq!(client.protocol_version(), "DTLSv1.3");
    let mut random = [0u8; 32];
    assert_eq!(client.ssl().client_random(&mut random), 32);
    let secret = keylog
        .secret("EXPORTER_SECRET", Some(&random))
        .expect("BoringSSL logged the exporter secret");
    let suite = client.ssl().current_cipher().unwrap().protocol_id();
    let hash = hash_of_suite(suite).unwrap();
    let live_client = BoringExporter::new(client.ssl()).unwrap();
    let live_server = BoringExporter::new(server.ssl()).unwrap();
    let dtls = RecordedExporter::new(
        default_provider(),
        hash,
        Protocol::Dtls13,
        Secret::new(secret.clone()),
    )
    .unwrap();
    let tls = RecordedExporter::new(
        default_provider(),
        hash,
        Protocol::Tls13,
        Secret::new(secret),
    )
    .unwrap();
    let context = [0x5e_u8; 32];
    for (label, ctx, len) in [
        (&b"Attestation"[..], Some(&context[..]), 32),
        (&b"EXPORTER-seat-test"[..], None, 48),
        (&b"x"[..], Some(&[][..]), 100),
    ] {
        let ours = dtls.export(label, ctx, len).unwrap();
        let stack = live_client.export(label, ctx, len).unwrap();
        assert_eq!(
            ours.expose(),
            stack.expose(),
            "suite {suite:#06x}, {label:?}"
        );
        assert_eq!(
            stack.expose(),
            live_server.export(label, ctx, len).unwrap().expose()
        );
        assert_ne!(
            tls.export(label, ctx, len).unwrap().expose(),
            stack.expose()
        );
    }
    eprintln!(
        "exporter cross-check: suite {suite:#06x} ({hash:?}): seat-binding (dtls13) == BoringSSL"
    );
}

/// The recorder of the DTLS 1.3 handshakes the conformance suite's `dtls-session` vectors run
/// over (run by hand: `SEAT_DTLS_HANDSHAKES=<file> cargo test --test exporter -- --ignored`):
/// three real handshakes, each with its key log's `EXPORTER_SECRET` and what BoringSSL's
/// `SSL_export_keying_material` gave for a few labels, so that the recorder in
/// seat-conformance can check the secret against the live stack before it uses it.
#[test]
#[ignore = "a recorder, run by hand"]
fn record_handshakes_for_the_conformance_vectors() {
    let Ok(out) = std::env::var("SEAT_DTLS_HANDSHAKES") else {
        return;
    };
    let mut handshakes = Vec::new();
    for _ in 0..3 {
        let (client, _server, keylog) = connected();
        assert_eq!(client.protocol_version(), "DTLSv1.3");
        let mut random = [0u8; 32];
        assert_eq!(client.ssl().client_random(&mut random), 32);
        let secret = keylog.secret("EXPORTER_SECRET", Some(&random)).unwrap();
        let cipher = client.ssl().current_cipher().unwrap();
        let hash = hash_of_suite(cipher.protocol_id()).unwrap();
        let live = BoringExporter::new(client.ssl()).unwrap();
        let mut exports = Vec::new();
        for (label, ctx) in [
            (&b"Attestation"[..], Some(&[7u8; 32][..])),
            (&b"x"[..], None),
        ] {
            let v = live.export(label, ctx, 32).unwrap();
            exports.push(format!(
                "{{\"label\": \"{}\", \"context\": {}, \"length\": 32, \"output\": \"{}\"}}",
                String::from_utf8_lossy(label),
                ctx.map_or("null".to_string(), |c| format!("\"{}\"", hex::encode(c))),
                hex::encode(v.expose())
            ));
        }
        handshakes.push(format!(
            "{{\"stack\": \"BoringSSL (boring-sys 5)\", \"version\": \"{}\", \"cipher_suite\": \"{}\", \"hash\": \"{}\", \"client_random\": \"{}\", \"EXPORTER_SECRET\": \"{}\", \"exports\": [{}]}}",
            client.protocol_version(),
            cipher.standard_name().unwrap_or(cipher.name()),
            match hash {
                seat_binding::provider::HashAlgorithm::Sha384 => "sha384",
                _ => "sha256",
            },
            hex::encode(random),
            hex::encode(&secret),
            exports.join(", ")
        ));
    }
    std::fs::write(out, format!("[\n{}\n]\n", handshakes.join(",\n"))).unwrap();
}
