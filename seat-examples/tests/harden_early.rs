//! Security review, defect 3 (issue 14): the OpenSSL early-attestation gate was advisory.
//! Faults the message callback finds after OpenSSL's last callback of a flight (an offer
//! changed after a HelloRetryRequest; a client that was asked to attest and sent an empty
//! Certificate) let OpenSSL complete the handshake, and the plain `SslStream` then read and
//! wrote application data; only a voluntary `outcome()` refused. `EarlyStream` is the
//! enforcing gate: it refuses such a connection before any application byte, shutting it
//! down.
//!
//! Each test first shows the defect on the plain stream (it still carries data: that is
//! OpenSSL's behaviour, which the adapter cannot change), then that `EarlyStream` refuses.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use openssl::ssl::{ExtensionContext, Ssl, SslContext, SslContextBuilder, SslMethod, SslVersion};
use seat_proto::codepoints::CodePoints;
use seat_proto::negotiation::ServerConfig;
use seat_proto::openssl_glue::{attach_server, outcome};
use seat_proto::openssl_stream::EarlyStream;
use seat_proto::remote_attestation::{
    AttestationScheme, EvidenceType, RemoteAttestation, RemoteAttestationOffer,
};
use seat_proto::{Error, PeerMisbehaved};
use seat_verify::embedded::early::{Side, context, handshake, openssl_identity};
use seat_verify::embedded::testing::Identity;
use seat_verify::embedded::{Embedded, EmbeddedHooks, PeerAttestation, reference_tee};

const CP: CodePoints = CodePoints::DEFAULT;

fn cf(v: u16) -> AttestationScheme {
    AttestationScheme::Evidence(EvidenceType::ContentFormat(v))
}

fn hooks(world: &Arc<Embedded>, seed: u8) -> EmbeddedHooks {
    EmbeddedHooks::attester(world, &reference_tee(seed).unwrap())
}

/// A plain OpenSSL client context (no seat machine) whose `remoteAttestation` callback sends
/// what `add` says, with `identity`'s certificate if given: a faulty peer.
fn raw_client(
    identity: Option<&Identity>,
    trusted: &Identity,
    add: impl Fn(ExtensionContext) -> Option<Vec<u8>> + Send + Sync + 'static,
) -> SslContextBuilder {
    let mut b = SslContext::builder(SslMethod::tls()).unwrap();
    b.set_min_proto_version(Some(SslVersion::TLS1_3)).unwrap();
    if let Some(identity) = identity {
        let (cert, key) = openssl_identity(identity).unwrap();
        b.set_certificate(&cert).unwrap();
        b.set_private_key(&key).unwrap();
    }
    b.cert_store_mut()
        .add_cert(openssl_identity(trusted).unwrap().0)
        .unwrap();
    b.add_custom_ext(
        CP.remote_attestation().0,
        ExtensionContext::TLS_ONLY
            | ExtensionContext::CLIENT_HELLO
            | ExtensionContext::TLS1_3_ENCRYPTED_EXTENSIONS
            | ExtensionContext::TLS1_3_CERTIFICATE_REQUEST
            | ExtensionContext::TLS1_3_CERTIFICATE,
        move |_, ctx, _| Ok(add(ctx)),
        |_, _, _, _| Ok(()),
    )
    .unwrap();
    b
}

/// Shows the defect (the plain stream carries data both ways), then the fix: the server's
/// `EarlyStream` refuses the connection with `expected` and the client reads no data.
fn assert_enforced(client: Side, server: Side, expected: &Error) {
    let (Side::Done(mut c), Side::Done(s)) = (client, server) else {
        panic!("OpenSSL completed the handshake (the fault was found too late to abort it)");
    };
    assert_eq!(&outcome::<PeerAttestation>(s.ssl()).unwrap_err(), expected);
    // The defect: as a plain SslStream, the faulty connection carries application data.
    c.write_all(b"hello").unwrap();
    let mut s = s;
    let mut buf = [0u8; 5];
    s.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"hello");
    // The fix: EarlyStream will not wrap it, and shuts it down.
    let (err, _) = EarlyStream::<_, PeerAttestation>::new(s).unwrap_err();
    assert_eq!(&err, expected);
    let mut rest = Vec::new();
    let n = c.read_to_end(&mut rest).unwrap_or(0);
    assert_eq!(
        n, 0,
        "the client got no application data, only close_notify"
    );
}

#[test]
fn an_offer_changed_after_hello_retry_request_is_refused_by_the_enforcing_stream() {
    let world = Embedded::trusting(&[]).unwrap();
    let server_id = Identity::self_signed("server.example").unwrap();
    let client_id = Identity::self_signed("client.example").unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    // Only ClientHello1 carries remoteAttestation.
    let mut raw = raw_client(Some(&client_id), &server_id, move |ctx| {
        if !ctx.contains(ExtensionContext::CLIENT_HELLO) {
            return None;
        }
        (seen.fetch_add(1, Ordering::SeqCst) == 0).then(|| {
            RemoteAttestation::ClientHello(
                RemoteAttestationOffer::new(vec![cf(64999)], vec![]).unwrap(),
            )
            .to_data()
        })
    });
    raw.set_groups_list("X25519:P-256").unwrap();
    let mut sb = context(&server_id, &[&client_id], &CP).unwrap();
    sb.set_groups_list("P-256").unwrap();
    let mut srv = Ssl::new(&sb.build()).unwrap();
    attach_server(
        &mut srv,
        ServerConfig::new(vec![cf(64999)], vec![]),
        hooks(&world, 0x11),
    )
    .unwrap();
    let (c, s) = handshake(Ssl::new(&raw.build()).unwrap(), srv);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "a HelloRetryRequest happened"
    );
    assert_enforced(
        c,
        s,
        &Error::PeerMisbehaved(PeerMisbehaved::AttestationOfferChanged),
    );
}

#[test]
fn an_empty_certificate_after_the_server_chose_a_client_scheme_is_refused() {
    let world = Embedded::trusting(&[]).unwrap();
    let server_id = Identity::self_signed("server.example").unwrap();
    // A client without a certificate that offers to attest, then sends none.
    let raw = raw_client(None, &server_id, |ctx| {
        ctx.contains(ExtensionContext::CLIENT_HELLO).then(|| {
            RemoteAttestation::ClientHello(
                RemoteAttestationOffer::new(vec![], vec![cf(64999)]).unwrap(),
            )
            .to_data()
        })
    });
    let sb = context(&server_id, &[], &CP).unwrap();
    let mut srv = Ssl::new(&sb.build()).unwrap();
    // Client attestation accepted but not required.
    attach_server(
        &mut srv,
        ServerConfig::new(vec![], vec![cf(64999)]),
        hooks(&world, 0x11),
    )
    .unwrap();
    let (c, s) = handshake(Ssl::new(&raw.build()).unwrap(), srv);
    let expected = outcome::<PeerAttestation>(s.ssl().unwrap()).unwrap_err();
    assert_enforced(c, s, &expected);
}
