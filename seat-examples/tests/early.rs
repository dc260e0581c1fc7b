//! Early (intra-handshake) attestation over real OpenSSL 3 handshakes, both endpoints in one
//! process over an in-memory duplex (bounded steps, no hang possible): server-only,
//! client-only and mutual attestation, background check (the simulated TEE's Evidence
//! appraised by seat-verify's Verifier) and passport (the attester's Verifier issues an EAR),
//! and the bad inputs a real OpenSSL peer can produce, each aborting with the alert
//! draft-fossati-seat-early-attestation names (digest sections 2.6 and 4). Then anonymous
//! client attestation: a client whose TLS certificate is a self-signed key its TEE minted,
//! accepted by a server with `dangerous_accept_anonymous_clients` only when its attestation
//! binds that leaf, and every way that must still fail.
//!
//! The faulty peers are plain OpenSSL endpoints whose `remoteAttestation` callbacks send what
//! a broken implementation would. The one fault OpenSSL itself prevents (an unsolicited
//! extension in EncryptedExtensions: OpenSSL's server adds a response only to an extension it
//! received, and its client rejects an unsolicited one itself) is driven with recorded
//! messages in `seat-proto/tests/it/early.rs`, as are all the others at the machine level.

// Test code may panic on a failed expectation; that is how tests fail.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use openssl::ssl::{
    ExtensionContext, Ssl, SslContext, SslContextBuilder, SslMethod, SslStream, SslVersion,
};
use seat_binding::authenticator::Role;
use seat_binding::binder::early_binder_from_messages;
use seat_binding::key_schedule::{Protocol, is_hello_retry_request};
use seat_binding::provider::aws_lc::AwsLcRandom;
use seat_binding::provider::{HashAlgorithm, default_provider};
use seat_binding::spki::spki_from_certificate;
use seat_evidence::sim::MintedAik;
use seat_evidence::sim::SimulatedTee;
use seat_examples::early::{
    self, PipeEnd, Side, TeeHooks, anonymous_context, context, evidence_scheme, handshake,
    openssl_identity, passport_scheme, present_minted_aik,
};
use seat_examples::{Identity, World, tee_config};
use seat_proto::chain::{ChainTrust, ChainVerifier, Purpose, WebPkiVerifier};
use seat_proto::codepoints::{AlertDescription, CodePoints};
use seat_proto::negotiation::{ClientConfig, Fallback, ServerConfig};
use seat_proto::openssl_glue::{
    EarlyOutcome, attach_client, attach_server, failure, openssl_wire_alert, outcome, start_expat,
};
use seat_proto::remote_attestation::{
    AttestationScheme, EvidenceType, RemoteAttestation, RemoteAttestationOffer,
};
use seat_proto::session::{Credential, Session, SessionConfig};
use seat_proto::shim::Models;
use seat_proto::{AttestationError, Error, PeerIncompatible, PeerMisbehaved};

const CP: CodePoints = CodePoints::DEFAULT;

#[test]
fn seat_alerts_go_on_the_openssl_wire_as_rfc8446_alerts() {
    // OpenSSL 3 sends no alert for a value it does not know; the adapter substitutes.
    let wire = |a| openssl_wire_alert(a, &CP);
    assert_eq!(wire(AlertDescription(226)), AlertDescription(49));
    assert_eq!(wire(AlertDescription(225)), AlertDescription(109));
    assert_eq!(wire(AlertDescription(224)), AlertDescription(40));
    assert_eq!(wire(AlertDescription(47)), AlertDescription(47));
}

struct Setup {
    world: Arc<World>,
    server_id: Identity,
    client_id: Identity,
}

fn tee(seed: u8, tampered: bool) -> SimulatedTee {
    SimulatedTee::new(tee_config(seed, tampered), default_provider()).unwrap()
}

fn setup() -> Setup {
    let world = World::new(&[&tee(0x11, false), &tee(0x22, false)]).unwrap();
    Setup {
        world: Arc::new(world),
        server_id: Identity::new("server.example").unwrap(),
        client_id: Identity::new("client.example").unwrap(),
    }
}

fn hooks(s: &Setup, seed: u8) -> TeeHooks {
    TeeHooks::new(tee(seed, false), s.world.clone())
}

fn server_ctx(s: &Setup) -> SslContextBuilder {
    context(&s.server_id, &[&s.client_id], &CP).unwrap()
}

fn client_ctx(s: &Setup) -> SslContextBuilder {
    context(&s.client_id, &[&s.server_id], &CP).unwrap()
}

fn client_ssl(b: SslContextBuilder, config: ClientConfig, h: TeeHooks) -> Ssl {
    let mut ssl = Ssl::new(&b.build()).unwrap();
    attach_client(&mut ssl, config, Box::new(h)).unwrap();
    ssl
}

fn server_ssl(b: SslContextBuilder, config: ServerConfig, h: TeeHooks) -> Ssl {
    let mut ssl = Ssl::new(&b.build()).unwrap();
    attach_server(&mut ssl, config, Box::new(h)).unwrap();
    ssl
}

/// The client (TEE 0x22) with the standard context and `config`.
fn client(s: &Setup, config: ClientConfig) -> Ssl {
    client_ssl(client_ctx(s), config, hooks(s, 0x22))
}

/// The server (TEE 0x11) with the standard context and `config`.
fn server(s: &Setup, config: ServerConfig) -> Ssl {
    server_ssl(server_ctx(s), config, hooks(s, 0x11))
}

/// A handshake in which the server attests with the Evidence scheme, nothing required.
fn server_attests(s: &Setup) -> (Side, Side) {
    let scheme = evidence_scheme().unwrap();
    let c = client(s, ClientConfig::new(vec![scheme.clone()], vec![]));
    let srv = server(s, ServerConfig::new(vec![scheme], vec![]));
    handshake(c, srv)
}

/// ClientHello..ServerHello as the message callback recorded them.
fn hello_messages(o: &EarlyOutcome) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (_, m) in &o.messages {
        if m[0] == 1 || m[0] == 2 {
            out.push(m.clone());
            if m[0] == 2 && !is_hello_retry_request(m) {
                break;
            }
        }
    }
    out
}

/// The binder recomputed independently, by seat-binding, from recorded messages and the
/// attester's certificate.
fn recompute(side: &Side, messages: &[Vec<u8>], cert: &[u8]) -> Vec<u8> {
    let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    // The suite's hash as OpenSSL reports it (not as the code under test derives it).
    let suite = side.ssl().unwrap().current_cipher().unwrap().name();
    let hash = if suite.ends_with("SHA384") {
        HashAlgorithm::Sha384
    } else {
        HashAlgorithm::Sha256
    };
    early_binder_from_messages(
        default_provider(),
        hash,
        Protocol::Tls13,
        &refs,
        spki_from_certificate(cert).unwrap(),
    )
    .unwrap()
    .binder
    .as_bytes()
    .to_vec()
}

fn both_done(c: &Side, s: &Side) -> (EarlyOutcome, EarlyOutcome) {
    assert!(
        c.is_done() && s.is_done(),
        "client {:?} / server {:?}",
        c.ssl().and_then(failure),
        s.ssl().and_then(failure)
    );
    (
        outcome(c.ssl().unwrap()).unwrap(),
        outcome(s.ssl().unwrap()).unwrap(),
    )
}

#[test]
fn server_attests_background_check() {
    let s = setup();
    let scheme = evidence_scheme().unwrap();
    let mut cc = ClientConfig::new(vec![scheme.clone()], vec![]);
    cc.require_server_attestation = true;
    let c = client(&s, cc);
    let srv = server(&s, ServerConfig::new(vec![scheme.clone()], vec![]));
    let (c, sv) = handshake(c, srv);
    let (co, so) = both_done(&c, &sv);
    assert!(co.peer_attested);
    assert_eq!(co.server_scheme, Some(scheme));
    assert_eq!(co.client_scheme, None);
    // s_attest_binder: both sides agree, and equal seat-binding's recomputation from the
    // messages each side recorded.
    let expected = recompute(&c, &hello_messages(&co), &s.server_id.certificate);
    assert_eq!(co.peer_binder.as_deref(), Some(&expected[..]));
    assert_eq!(so.own_binder.as_deref(), Some(&expected[..]));
    assert_eq!(hello_messages(&co), hello_messages(&so));
}

#[test]
fn client_attests_background_check() {
    let s = setup();
    let scheme = evidence_scheme().unwrap();
    let c = client(&s, ClientConfig::new(vec![], vec![scheme.clone()]));
    let mut sc = ServerConfig::new(vec![], vec![scheme.clone()]);
    sc.require_client_attestation = true;
    let srv = server(&s, sc);
    let (c, sv) = handshake(c, srv);
    let (co, so) = both_done(&c, &sv);
    assert!(so.peer_attested);
    assert_eq!(so.client_scheme, Some(scheme));
    let expected = recompute(&sv, &hello_messages(&so), &s.client_id.certificate);
    assert_eq!(so.peer_binder.as_deref(), Some(&expected[..]));
    assert_eq!(co.own_binder.as_deref(), Some(&expected[..]));
}

#[test]
fn mutual_passport_and_background_after_hello_retry_request() {
    let s = setup();
    let (evidence, passport) = (evidence_scheme().unwrap(), passport_scheme().unwrap());
    // The client offers passport first for the server: A14 says the server takes it.
    let mut cb = client_ctx(&s);
    cb.set_groups_list("X25519:P-256").unwrap();
    let c = client_ssl(
        cb,
        ClientConfig::new(
            vec![passport.clone(), evidence.clone()],
            vec![evidence.clone()],
        ),
        hooks(&s, 0x22),
    );
    // The server only takes P-256 key shares: a HelloRetryRequest (A1).
    let mut sb = server_ctx(&s);
    sb.set_groups_list("P-256").unwrap();
    let srv = server_ssl(
        sb,
        ServerConfig::new(
            vec![evidence.clone(), passport.clone()],
            vec![evidence.clone()],
        ),
        hooks(&s, 0x11),
    );
    let (c, sv) = handshake(c, srv);
    let (co, so) = both_done(&c, &sv);
    assert!(co.peer_attested && so.peer_attested);
    assert_eq!(co.server_scheme, Some(passport));
    assert_eq!(co.client_scheme, Some(evidence));
    let hello = hello_messages(&co);
    assert_eq!(hello.len(), 4, "CH1, HRR, CH2, SH");
    assert!(is_hello_retry_request(&hello[1]));
    let s_binder = recompute(&c, &hello, &s.server_id.certificate);
    let c_binder = recompute(&c, &hello, &s.client_id.certificate);
    assert_ne!(s_binder, c_binder);
    assert_eq!(co.peer_binder.as_deref(), Some(&s_binder[..]));
    assert_eq!(so.own_binder.as_deref(), Some(&s_binder[..]));
    assert_eq!(co.own_binder.as_deref(), Some(&c_binder[..]));
    assert_eq!(so.peer_binder.as_deref(), Some(&c_binder[..]));
}

#[test]
fn mutual_passport_both_ways() {
    let s = setup();
    let passport = passport_scheme().unwrap();
    let c = client(
        &s,
        ClientConfig::new(vec![passport.clone()], vec![passport.clone()]),
    );
    let srv = server(
        &s,
        ServerConfig::new(vec![passport.clone()], vec![passport.clone()]),
    );
    let (c, sv) = handshake(c, srv);
    let (co, so) = both_done(&c, &sv);
    assert!(co.peer_attested && so.peer_attested);
}

#[test]
fn binder_mismatch_aborts_with_attestation_failed() {
    let s = setup();
    let scheme = evidence_scheme().unwrap();
    let c = client(&s, ClientConfig::new(vec![scheme.clone()], vec![]));
    let mut h = hooks(&s, 0x11);
    h.dangerous_tamper_binder = true;
    let srv = server_ssl(server_ctx(&s), ServerConfig::new(vec![scheme], vec![]), h);
    let (c, sv) = handshake(c, srv);
    assert!(!c.is_done() && !sv.is_done());
    let (err, alert) = failure(c.ssl().unwrap()).unwrap();
    assert!(
        matches!(err, Error::Attestation(AttestationError::Rejected(_))),
        "{err:?}"
    );
    assert_eq!(alert, CP.attestation_failed());
    assert_eq!(sv.received_alert(), Some(AlertDescription::ACCESS_DENIED.0));
}

#[test]
fn tampered_platform_is_rejected_with_attestation_failed() {
    let s = setup();
    let scheme = evidence_scheme().unwrap();
    let c = client_ssl(
        client_ctx(&s),
        ClientConfig::new(vec![], vec![scheme.clone()]),
        TeeHooks::new(tee(0x22, true), s.world.clone()),
    );
    let srv = server(&s, ServerConfig::new(vec![], vec![scheme]));
    let (c, sv) = handshake(c, srv);
    let (err, alert) = failure(sv.ssl().unwrap()).unwrap();
    assert!(
        matches!(err, Error::Attestation(AttestationError::Rejected(_))),
        "{err:?}"
    );
    assert_eq!(alert, CP.attestation_failed());
    // In TLS 1.3 the client's handshake ends with its Finished; the server's alert arrives
    // on the first read.
    let Side::Done(mut stream) = c else {
        panic!("client: {c:?}")
    };
    let err = stream.ssl_read(&mut [0u8; 16]).unwrap_err();
    let reasons: Vec<_> = err
        .ssl_error()
        .unwrap()
        .errors()
        .iter()
        .map(|e| e.code() & 0x7f_ffff)
        .collect();
    // OpenSSL reports a received alert as reason 1000 + alert: access_denied (49).
    assert!(reasons.contains(&1049), "{reasons:?}");
    // And the client's own gate never opened for the server's view.
    assert!(outcome(sv.ssl().unwrap()).is_err());
}

/// A plain OpenSSL context (no seat machine) that sends `remoteAttestation` as `add` says:
/// a faulty peer.
fn raw_ctx(
    identity: &Identity,
    trusted: &[&Identity],
    add: impl Fn(ExtensionContext) -> Option<Vec<u8>> + Send + Sync + 'static,
) -> SslContextBuilder {
    let mut b = SslContext::builder(SslMethod::tls()).unwrap();
    b.set_min_proto_version(Some(SslVersion::TLS1_3)).unwrap();
    let (cert, key) = openssl_identity(identity).unwrap();
    b.set_certificate(&cert).unwrap();
    b.set_private_key(&key).unwrap();
    for t in trusted {
        b.cert_store_mut()
            .add_cert(openssl_identity(t).unwrap().0)
            .unwrap();
    }
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

fn cf(v: u16) -> AttestationScheme {
    AttestationScheme::Evidence(EvidenceType::ContentFormat(v))
}

#[test]
fn both_lists_empty_aborts_with_unsupported_attestation_schemes() {
    let s = setup();
    let raw = raw_ctx(&s.client_id, &[&s.server_id], |ctx| {
        ctx.contains(ExtensionContext::CLIENT_HELLO)
            .then(|| vec![0, 0, 0, 0])
    });
    let c = Ssl::new(&raw.build()).unwrap();
    let srv = server(
        &s,
        ServerConfig::new(vec![evidence_scheme().unwrap()], vec![]),
    );
    let (c, sv) = handshake(c, srv);
    let (err, alert) = failure(sv.ssl().unwrap()).unwrap();
    assert_eq!(
        err,
        Error::PeerIncompatible(PeerIncompatible::EmptyAttestationOffer)
    );
    assert_eq!(alert, CP.unsupported_attestation_schemes());
    assert_eq!(
        c.received_alert(),
        Some(AlertDescription::HANDSHAKE_FAILURE.0)
    );
}

#[test]
fn no_common_scheme_strict_aborts_lenient_continues() {
    let s = setup();
    for fallback in [Fallback::Strict, Fallback::Lenient] {
        let c = client(&s, ClientConfig::new(vec![cf(1)], vec![]));
        let mut sc = ServerConfig::new(vec![evidence_scheme().unwrap()], vec![]);
        sc.fallback = fallback;
        let srv = server(&s, sc);
        let (c, sv) = handshake(c, srv);
        match fallback {
            Fallback::Strict => {
                assert_eq!(
                    failure(sv.ssl().unwrap()).unwrap().1,
                    CP.unsupported_attestation_schemes()
                );
                assert_eq!(
                    c.received_alert(),
                    Some(AlertDescription::HANDSHAKE_FAILURE.0)
                );
            }
            Fallback::Lenient => {
                let (co, _) = both_done(&c, &sv);
                assert_eq!(co.server_scheme, None);
                assert!(!co.peer_attested);
            }
        }
    }
}

#[test]
fn client_requiring_attestation_refuses_a_declining_server() {
    let s = setup();
    let mut cc = ClientConfig::new(vec![cf(1)], vec![]);
    cc.require_server_attestation = true;
    let c = client(&s, cc);
    let mut sc = ServerConfig::new(vec![evidence_scheme().unwrap()], vec![]);
    sc.fallback = Fallback::Lenient;
    let srv = server(&s, sc);
    let (c, _sv) = handshake(c, srv);
    assert!(!c.is_done());
    let (err, alert) = failure(c.ssl().unwrap()).unwrap();
    assert_eq!(err, Error::Attestation(AttestationError::Unavailable));
    assert_eq!(alert, CP.attestation_required());
}

#[test]
fn chosen_scheme_not_offered_aborts_with_illegal_parameter() {
    let s = setup();
    let c = client(
        &s,
        ClientConfig::new(vec![evidence_scheme().unwrap()], vec![]),
    );
    let raw = raw_ctx(&s.server_id, &[], |ctx| {
        ctx.contains(ExtensionContext::TLS1_3_ENCRYPTED_EXTENSIONS)
            .then(|| RemoteAttestation::EncryptedExtensions(cf(1)).to_data())
    });
    let (c, sv) = handshake(c, Ssl::new(&raw.build()).unwrap());
    let (err, alert) = failure(c.ssl().unwrap()).unwrap();
    assert_eq!(err, Error::PeerMisbehaved(PeerMisbehaved::SchemeNotOffered));
    assert_eq!(alert, AlertDescription::ILLEGAL_PARAMETER);
    assert_eq!(
        sv.received_alert(),
        Some(AlertDescription::ILLEGAL_PARAMETER.0)
    );
}

#[test]
fn cmw_absent_when_a_scheme_was_chosen_fails_the_handshake() {
    let s = setup();
    let scheme = evidence_scheme().unwrap();
    let c = client(&s, ClientConfig::new(vec![scheme.clone()], vec![]));
    // The server chooses the offered scheme but sends no CMW in its Certificate.
    let raw = raw_ctx(&s.server_id, &[], move |ctx| {
        ctx.contains(ExtensionContext::TLS1_3_ENCRYPTED_EXTENSIONS)
            .then(|| RemoteAttestation::EncryptedExtensions(scheme.clone()).to_data())
    });
    let (c, sv) = handshake(c, Ssl::new(&raw.build()).unwrap());
    assert!(!c.is_done() && !sv.is_done());
    let (err, alert) = failure(c.ssl().unwrap()).unwrap();
    assert_eq!(err, Error::PeerMisbehaved(PeerMisbehaved::CmwMissing));
    // The machine calls for attestation_failed (A13); OpenSSL detects the absence only in
    // its certificate-verify callback and sends its own verification-failure alert.
    assert_eq!(alert, CP.attestation_failed());
    assert!(sv.received_alert().is_some());
}

/// A faulty client whose `n`th ClientHello carries the `remoteAttestation` data `offer(n)`,
/// made to send two by a server (offering `[cf 64999]` for itself) that takes only P-256 key
/// shares; the server fails with illegal_parameter because the offer changed. Returns both
/// sides after the handshake.
fn changed_offer_after_hello_retry_request(
    offer: impl Fn(usize) -> Option<Vec<u8>> + Send + Sync + 'static,
) -> (Side, Side) {
    let s = setup();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let mut raw = raw_ctx(&s.client_id, &[&s.server_id], move |ctx| {
        if !ctx.contains(ExtensionContext::CLIENT_HELLO) {
            return None;
        }
        offer(seen.fetch_add(1, Ordering::SeqCst))
    });
    raw.set_groups_list("X25519:P-256").unwrap();
    let mut sb = server_ctx(&s);
    sb.set_groups_list("P-256").unwrap();
    let srv = server_ssl(
        sb,
        ServerConfig::new(vec![cf(64999)], vec![]),
        hooks(&s, 0x11),
    );
    let (c, sv) = handshake(Ssl::new(&raw.build()).unwrap(), srv);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "a HelloRetryRequest happened"
    );
    let (err, alert) = failure(sv.ssl().unwrap()).unwrap();
    assert_eq!(
        err,
        Error::PeerMisbehaved(PeerMisbehaved::AttestationOfferChanged)
    );
    assert_eq!(alert, AlertDescription::ILLEGAL_PARAMETER);
    (c, sv)
}

#[test]
fn second_client_hello_with_another_offer_aborts_with_illegal_parameter() {
    let (c, _sv) = changed_offer_after_hello_retry_request(|n| {
        let server = if n == 0 {
            vec![cf(64999)]
        } else {
            vec![cf(64999), cf(1)]
        };
        Some(
            RemoteAttestation::ClientHello(RemoteAttestationOffer::new(server, vec![]).unwrap())
                .to_data(),
        )
    });
    assert_eq!(
        c.received_alert(),
        Some(AlertDescription::ILLEGAL_PARAMETER.0)
    );
}

#[test]
fn attested_contexts_have_tickets_off() {
    let s = setup();
    let (c, sv) = server_attests(&s);
    both_done(&c, &sv);
    // No NewSessionTicket was sent (A16): the server's message record has none.
    let so = outcome(sv.ssl().unwrap()).unwrap();
    assert!(so.messages.iter().all(|(_, m)| m[0] != 4));
    assert_eq!(sv.ssl().unwrap().num_tickets(), 0);
}

/// One expat endpoint over an OpenSSL stream: the session, the platform answering it, and
/// the stream its frames travel on.
struct Expat {
    stream: SslStream<PipeEnd>,
    session: Session,
    platform: seat_examples::Platform,
}

/// A session over `verifier` for the expat exchange after an early handshake.
fn expat_session(
    role: Role,
    attests: Models,
    requires: Models,
    verifier: Arc<dyn ChainVerifier>,
    credential: Option<Credential>,
) -> Session {
    Session::new(
        Arc::new(
            SessionConfig::builder(default_provider())
                .attests(attests)
                .requires(requires)
                .chain_verifier(verifier)
                .build()
                .unwrap(),
        ),
        role,
        credential,
        Box::new(AwsLcRandom),
    )
}

/// Asserts that the relying party's gate opened and that its account has a line `expected`
/// accepts.
fn assert_opened_on(relying: &Expat, expected: impl Fn(&str) -> bool) {
    assert!(relying.session.is_open(), "{:?}", relying.platform.account);
    assert!(
        relying.platform.account.iter().any(|l| expected(l)),
        "{:?}",
        relying.platform.account
    );
}

/// Runs the expat exchange: both endpoints' first actions (the client's first), then rounds
/// of reading, the attester's side first, until the relying party's gate opens (16 rounds
/// at most).
fn run_expat(client: &mut Expat, server: &mut Expat, client_relies: bool, now: u64) {
    client.drain(now);
    server.drain(now);
    for _ in 0..16 {
        let (attester, relying) = if client_relies {
            (&mut *server, &mut *client)
        } else {
            (&mut *client, &mut *server)
        };
        attester.pump(now);
        relying.pump(now);
        if relying.session.is_open() {
            break;
        }
    }
}

impl Expat {
    /// The client (TEE 0x22) and server (TEE 0x11) endpoints over the streams of an early
    /// handshake that completed, with their sessions.
    fn pair(
        s: &Setup,
        (client, client_session): (SslStream<PipeEnd>, Session),
        (server, server_session): (SslStream<PipeEnd>, Session),
    ) -> (Self, Self) {
        let endpoint = |stream, session, name, seed| Self {
            stream,
            session,
            platform: seat_examples::Platform::new(name, tee(seed, false), s.world.clone()),
        };
        (
            endpoint(client, client_session, "client", 0x22),
            endpoint(server, server_session, "server", 0x11),
        )
    }

    fn drain(&mut self, now: u64) {
        use std::io::Write;
        let (mut send, mut deliver) = (Vec::new(), Vec::new());
        let result = seat_proto::hooks::drive(
            &mut self.session,
            &mut self.platform,
            now,
            &mut send,
            &mut deliver,
        );
        self.stream.write_all(&send).unwrap();
        result.unwrap();
    }

    fn pump(&mut self, now: u64) {
        use seat_binding::exporter::openssl_adapter::OpensslExporter;
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n) = self.stream.ssl_read(&mut buf) {
            let exporter = OpensslExporter::new(self.stream.ssl()).unwrap();
            self.session
                .handle(seat_proto::session::Input::Received {
                    bytes: &buf[..n],
                    exporter: &exporter,
                    now,
                })
                .unwrap();
            self.drain(now);
        }
    }
}

#[test]
fn recommended_mode_early_then_expat_on_the_same_connection() {
    let s = setup();
    let (Side::Done(c), Side::Done(sv)) = server_attests(&s) else {
        panic!("handshake failed")
    };
    let verifier = WebPkiVerifier::new([&s.server_id.certificate[..]], Purpose::Server).unwrap();
    let client_session = expat_session(
        Role::Client,
        Models::NONE,
        Models::BACKGROUND_CHECK,
        Arc::new(verifier),
        None,
    );
    let server_verifier =
        WebPkiVerifier::new([&s.client_id.certificate[..]], Purpose::Client).unwrap();
    let server_session = expat_session(
        Role::Server,
        Models::BACKGROUND_CHECK,
        Models::NONE,
        Arc::new(server_verifier),
        Some(s.server_id.credential().unwrap()),
    );
    let now = 1_800_000_000;
    let (mut client, mut server) = Expat::pair(&s, (c, client_session), (sv, server_session));
    // Early attestation already succeeded; the expat exchange now runs on the same
    // connection, bound to its exporter.
    let early = start_expat(client.stream.ssl(), &mut client.session, now).unwrap();
    assert!(early.peer_attested);
    start_expat(server.stream.ssl(), &mut server.session, now).unwrap();
    assert!(
        !client.session.is_open(),
        "the gate waits for the expat exchange"
    );
    run_expat(&mut client, &mut server, true, now);
    assert_opened_on(&client, |l| l.contains("peer attestation"));
}

#[test]
fn second_client_hello_without_the_extension_aborts_with_illegal_parameter() {
    // Only ClientHello1 carries remoteAttestation.
    let (c, sv) = changed_offer_after_hello_retry_request(|n| {
        (n == 0).then(|| {
            RemoteAttestation::ClientHello(
                RemoteAttestationOffer::new(vec![cf(64999)], vec![]).unwrap(),
            )
            .to_data()
        })
    });
    // OpenSSL resets its "received" flag for ClientHello2, so no extension callback of the
    // server's flight runs after the fault: OpenSSL completes the handshake and the
    // adapter's gate refuses the connection instead.
    let _ = c;
    assert_eq!(
        outcome(sv.ssl().unwrap()).unwrap_err(),
        Error::PeerMisbehaved(PeerMisbehaved::AttestationOfferChanged)
    );
}

#[test]
fn cmw_on_a_non_first_entry_aborts_with_illegal_parameter() {
    let s = setup();
    // A two-certificate chain: leaf signed by a CA the client trusts.
    let ca_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut ca_params = rcgen::CertificateParams::new(vec!["ca.example".to_string()]).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["server.example".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca, &ca_key)
        .unwrap();
    let scheme = evidence_scheme().unwrap();
    let chosen = scheme.clone();
    let mut b = SslContext::builder(SslMethod::tls()).unwrap();
    b.set_min_proto_version(Some(SslVersion::TLS1_3)).unwrap();
    b.set_certificate(&openssl::x509::X509::from_der(leaf.der()).unwrap())
        .unwrap();
    b.set_private_key(
        &openssl::pkey::PKey::private_key_from_pkcs8(&leaf_key.serialize_der()).unwrap(),
    )
    .unwrap();
    b.add_extra_chain_cert(openssl::x509::X509::from_der(ca.der()).unwrap())
        .unwrap();
    b.add_custom_ext(
        CP.remote_attestation().0,
        ExtensionContext::TLS_ONLY
            | ExtensionContext::CLIENT_HELLO
            | ExtensionContext::TLS1_3_ENCRYPTED_EXTENSIONS
            | ExtensionContext::TLS1_3_CERTIFICATE,
        move |_, ctx, cert| {
            if ctx.contains(ExtensionContext::TLS1_3_ENCRYPTED_EXTENSIONS) {
                return Ok(Some(
                    RemoteAttestation::EncryptedExtensions(chosen.clone()).to_data(),
                ));
            }
            // The CMW on the second entry only.
            Ok(match cert {
                Some((1, _)) => Some(vec![0, 0, 4, 0x82, 0x01, 0x41, 0x00]),
                _ => None,
            })
        },
        |_, _, _, _| Ok(()),
    )
    .unwrap();
    let mut cb = SslContext::builder(SslMethod::tls()).unwrap();
    let (cert, key) = openssl_identity(&s.client_id).unwrap();
    cb.set_certificate(&cert).unwrap();
    cb.set_private_key(&key).unwrap();
    cb.cert_store_mut()
        .add_cert(openssl::x509::X509::from_der(ca.der()).unwrap())
        .unwrap();
    seat_proto::openssl_glue::install(&mut cb, &CP).unwrap();
    let c = client_ssl(cb, ClientConfig::new(vec![scheme], vec![]), hooks(&s, 0x22));
    let (c, sv) = handshake(c, Ssl::new(&b.build()).unwrap());
    let (err, alert) = failure(c.ssl().unwrap()).unwrap();
    assert_eq!(
        err,
        Error::PeerMisbehaved(PeerMisbehaved::AttestationNotOnFirstEntry)
    );
    assert_eq!(alert, AlertDescription::ILLEGAL_PARAMETER);
    assert_eq!(
        sv.received_alert(),
        Some(AlertDescription::ILLEGAL_PARAMETER.0)
    );
}

// Anonymous client attestation: a client without a certificate the server trusts presents a
// key its TEE minted, under a self-signed certificate, and attests; a server with
// `dangerous_accept_anonymous_clients` accepts that leaf only because the Evidence binds it.

// OpenSSL's verification results (`X509_V_ERR_*` in `<openssl/x509_vfy.h>`).
const CERT_HAS_EXPIRED: i32 = 10;
const DEPTH_ZERO_SELF_SIGNED_CERT: i32 = 18;
const SELF_SIGNED_CERT_IN_CHAIN: i32 = 19;
const APPLICATION_VERIFICATION: i32 = 50;

/// An anonymous client: a context with no certificate of its own (trusting the server), the
/// TLS key minted by the TEE of `seed` at `minted_at`, that TEE then attesting through
/// `hooks` (built over it).
fn anonymous_client(
    s: &Setup,
    t: SimulatedTee,
    minted_at: u64,
    config: ClientConfig,
    hooks: impl FnOnce(SimulatedTee) -> TeeHooks,
) -> (Ssl, MintedAik) {
    let mut t = t;
    let mut ssl = Ssl::new(&anonymous_context(&[&s.server_id], &CP).unwrap().build()).unwrap();
    let aik = present_minted_aik(&mut ssl, &mut t, "client.tee", minted_at).unwrap();
    attach_client(&mut ssl, config, Box::new(hooks(t))).unwrap();
    (ssl, aik)
}

/// A server asking the client to attest with `scheme`, trusting `client_id` only, with the
/// anonymous option as given.
fn anonymous_server(s: &Setup, scheme: &AttestationScheme, dangerous: bool) -> Ssl {
    let mut sc = ServerConfig::new(vec![], vec![scheme.clone()]);
    sc.dangerous_accept_anonymous_clients = dangerous;
    server(s, sc)
}

fn world_hooks(s: &Setup) -> impl FnOnce(SimulatedTee) -> TeeHooks {
    let world = s.world.clone();
    move |t| TeeHooks::new(t, world)
}

/// An anonymous client of the genuine TEE 0x22, its key minted now, attesting with `scheme`.
fn attesting_anonymous_client(s: &Setup, scheme: &AttestationScheme) -> (Ssl, MintedAik) {
    anonymous_client(
        s,
        tee(0x22, false),
        early::now(),
        ClientConfig::new(vec![], vec![scheme.clone()]),
        world_hooks(s),
    )
}

/// The reasons OpenSSL reports when `side` (whose TLS 1.3 handshake completed before the
/// peer's verdict on its Certificate) reads: the peer's alert is reason 1000 + alert.
fn alert_on_first_read(side: Side) -> Vec<u64> {
    let Side::Done(mut stream) = side else {
        panic!("the client's handshake should have completed: {side:?}")
    };
    let err = stream.ssl_read(&mut [0u8; 16]).unwrap_err();
    err.ssl_error()
        .unwrap()
        .errors()
        .iter()
        .map(|e| e.code() & 0x7f_ffff)
        .collect()
}

/// Whether `reasons` include the receipt of `alert`.
fn received(reasons: &[u64], alert: AlertDescription) -> bool {
    reasons.contains(&(1000 + u64::from(alert.0)))
}

fn verify_result(side: &Side) -> i32 {
    side.ssl().unwrap().verify_result().as_raw()
}

/// Asserts that the client, reading after its completed handshake, learns of `alert`.
fn assert_alert_on_first_read(client: Side, alert: AlertDescription) {
    let reasons = alert_on_first_read(client);
    assert!(received(&reasons, alert), "{reasons:?}");
}

/// Asserts that the server refused the client's certificate through OpenSSL's own verdict
/// `verify` (no attestation failure), which the client learns as unknown_ca.
fn assert_refused_by_openssl(client: Side, server: &Side, verify: i32) {
    assert!(!server.is_done());
    assert_eq!(verify_result(server), verify);
    assert_eq!(failure(server.ssl().unwrap()), None);
    assert_alert_on_first_read(client, AlertDescription::UNKNOWN_CA);
}

#[test]
fn anonymous_client_attests_background_check_and_passport() {
    let s = setup();
    for scheme in [evidence_scheme().unwrap(), passport_scheme().unwrap()] {
        let (c, aik) = attesting_anonymous_client(&s, &scheme);
        let srv = anonymous_server(&s, &scheme, true);
        let (c, sv) = handshake(c, srv);
        let (co, so) = both_done(&c, &sv);
        assert!(so.peer_attested);
        assert_eq!(so.client_scheme, Some(scheme.clone()));
        // The server knows the client's identity rests on attestation alone; the client
        // verified the server against its trust store as usual.
        assert_eq!(so.peer_trust, Some(ChainTrust::AttestationOnly));
        assert_eq!(co.peer_trust, Some(ChainTrust::Anchored));
        // The leaf OpenSSL accepted is the minted one, not anchored (OpenSSL's own result
        // stays), and both binders are those of its SPKI, recomputed independently.
        let peer = sv.ssl().unwrap().peer_certificate().unwrap();
        assert_eq!(peer.to_der().unwrap(), aik.certificate_der);
        assert_eq!(verify_result(&sv), DEPTH_ZERO_SELF_SIGNED_CERT);
        let expected = recompute(&sv, &hello_messages(&so), &aik.certificate_der);
        assert_eq!(so.peer_binder.as_deref(), Some(&expected[..]));
        assert_eq!(co.own_binder.as_deref(), Some(&expected[..]));
    }
}

#[test]
fn anonymous_client_with_mutual_attestation_and_required_client_attestation() {
    let s = setup();
    let scheme = evidence_scheme().unwrap();
    let mut cc = ClientConfig::new(vec![scheme.clone()], vec![scheme.clone()]);
    cc.require_server_attestation = true;
    let (c, aik) = anonymous_client(&s, tee(0x22, false), early::now(), cc, world_hooks(&s));
    let mut sc = ServerConfig::new(vec![scheme.clone()], vec![scheme]);
    sc.require_client_attestation = true;
    sc.dangerous_accept_anonymous_clients = true;
    let srv = server(&s, sc);
    let (c, sv) = handshake(c, srv);
    let (co, so) = both_done(&c, &sv);
    assert!(co.peer_attested && so.peer_attested);
    assert_eq!(so.peer_trust, Some(ChainTrust::AttestationOnly));
    let hello = hello_messages(&so);
    let c_binder = recompute(&sv, &hello, &aik.certificate_der);
    let s_binder = recompute(&sv, &hello, &s.server_id.certificate);
    assert_eq!(so.peer_binder.as_deref(), Some(&c_binder[..]));
    assert_eq!(co.peer_binder.as_deref(), Some(&s_binder[..]));
}

#[test]
fn anonymous_client_on_a_tampered_platform_fails_with_attestation_failed() {
    let s = setup();
    let scheme = evidence_scheme().unwrap();
    let (c, _) = anonymous_client(
        &s,
        tee(0x22, true),
        early::now(),
        ClientConfig::new(vec![], vec![scheme.clone()]),
        world_hooks(&s),
    );
    let (c, sv) = handshake(c, anonymous_server(&s, &scheme, true));
    assert!(!sv.is_done());
    let (err, alert) = failure(sv.ssl().unwrap()).unwrap();
    assert!(
        matches!(err, Error::Attestation(AttestationError::Rejected(_))),
        "{err:?}"
    );
    assert_eq!(alert, CP.attestation_failed());
    // On the wire: attestation_failed as OpenSSL can send it, access_denied (49).
    let wire = openssl_wire_alert(alert, &CP);
    assert_eq!(wire, AlertDescription::ACCESS_DENIED);
    assert_alert_on_first_read(c, wire);
    assert!(outcome(sv.ssl().unwrap()).is_err());
}

#[test]
fn self_signed_client_certificate_is_refused_when_the_option_is_off() {
    let s = setup();
    let scheme = evidence_scheme().unwrap();
    let (c, _) = attesting_anonymous_client(&s, &scheme);
    let (c, sv) = handshake(c, anonymous_server(&s, &scheme, false));
    // A certificate verification error, as without early attestation: OpenSSL's verdict
    // stands, whatever the client's CMW (appraised in the extension callback, before
    // verification) said.
    assert_refused_by_openssl(c, &sv, DEPTH_ZERO_SELF_SIGNED_CERT);
    assert!(outcome(sv.ssl().unwrap()).is_err());
}

#[test]
fn anonymous_client_that_does_not_attest_is_refused() {
    let s = setup();
    let scheme = evidence_scheme().unwrap();
    // (a) The client offers no scheme to attest with: the server chooses none, and the
    // self-signed leaf has nothing vouching for it.
    let (c, _) = anonymous_client(
        &s,
        tee(0x22, false),
        early::now(),
        ClientConfig::new(vec![], vec![]),
        world_hooks(&s),
    );
    let (c, sv) = handshake(c, anonymous_server(&s, &scheme, true));
    assert_refused_by_openssl(c, &sv, DEPTH_ZERO_SELF_SIGNED_CERT);

    // (b) The client offers a scheme, the server chooses it, and the client's Certificate
    // carries no CMW (a peer that declines after offering).
    let offered = scheme.clone();
    let raw = raw_ctx(&s.client_id, &[&s.server_id], move |ctx| {
        ctx.contains(ExtensionContext::CLIENT_HELLO).then(|| {
            RemoteAttestation::ClientHello(
                RemoteAttestationOffer::new(vec![], vec![offered.clone()]).unwrap(),
            )
            .to_data()
        })
    });
    let mut c = Ssl::new(&raw.build()).unwrap();
    present_minted_aik(&mut c, &mut tee(0x22, false), "client.tee", early::now()).unwrap();
    let (c, sv) = handshake(c, anonymous_server(&s, &scheme, true));
    assert!(!sv.is_done());
    let (err, alert) = failure(sv.ssl().unwrap()).unwrap();
    assert_eq!(err, Error::PeerMisbehaved(PeerMisbehaved::CmwMissing));
    assert_eq!(alert, CP.attestation_failed());
    assert_eq!(verify_result(&sv), APPLICATION_VERIFICATION);
    assert_alert_on_first_read(c, AlertDescription::HANDSHAKE_FAILURE);
}

#[test]
fn anonymous_client_whose_evidence_binds_another_key_fails_with_attestation_failed() {
    let s = setup();
    let scheme = evidence_scheme().unwrap();
    // Another genuine TEE-minted key, not the one that signs CertificateVerify.
    let other = tee(0x33, false)
        .mint_aik(
            seat_binding::provider::SignatureAlgorithm::EcdsaSecp256r1Sha256,
            "other.tee",
            early::now(),
        )
        .unwrap();
    for variant in ["key-binding claim of another key", "binder of another key"] {
        let world = s.world.clone();
        let other_spki = other.spki_der.clone();
        let (c, aik) = anonymous_client(
            &s,
            tee(0x22, false),
            early::now(),
            ClientConfig::new(vec![], vec![scheme.clone()]),
            move |t| {
                let mut h = TeeHooks::new(t, world);
                if variant.starts_with("key-binding") {
                    h.dangerous_bind_other_key = Some(other_spki);
                } else {
                    h.dangerous_tamper_binder = true;
                }
                h
            },
        );
        assert_ne!(aik.spki_der, other.spki_der);
        let (c, sv) = handshake(c, anonymous_server(&s, &scheme, true));
        assert!(!sv.is_done(), "{variant}");
        let (err, alert) = failure(sv.ssl().unwrap()).unwrap();
        assert!(
            matches!(err, Error::Attestation(AttestationError::Rejected(_))),
            "{variant}: {err:?}"
        );
        assert_eq!(alert, CP.attestation_failed(), "{variant}");
        let reasons = alert_on_first_read(c);
        assert!(
            received(&reasons, AlertDescription::ACCESS_DENIED),
            "{variant}: {reasons:?}"
        );
    }
}

#[test]
fn attested_self_signed_client_certificate_with_another_error_is_still_refused() {
    let s = setup();
    let scheme = evidence_scheme().unwrap();
    // Minted two days ago: valid for one day, expired since yesterday. Its attestation
    // succeeds (the Evidence is fresh), the expiry still fails the handshake.
    let (c, _) = anonymous_client(
        &s,
        tee(0x22, false),
        early::now() - 2 * 86_400,
        ClientConfig::new(vec![], vec![scheme.clone()]),
        world_hooks(&s),
    );
    let (c, sv) = handshake(c, anonymous_server(&s, &scheme, true));
    assert!(!sv.is_done());
    assert_eq!(verify_result(&sv), CERT_HAS_EXPIRED);
    assert_alert_on_first_read(c, AlertDescription::CERTIFICATE_EXPIRED);
}

/// A client certificate chain: a CA named `ca_name` and a leaf named `leaf_name` it issued
/// (rcgen adds no authority key identifier, so equal names make the leaf look self-issued).
fn ca_and_leaf(
    ca_name: &str,
    leaf_name: &str,
) -> (rcgen::Certificate, rcgen::Certificate, rcgen::KeyPair) {
    let named = |name: &str| {
        let mut p = rcgen::CertificateParams::new(vec![name.to_string()]).unwrap();
        p.distinguished_name = rcgen::DistinguishedName::new();
        p.distinguished_name
            .push(rcgen::DnType::CommonName, name.to_string());
        p
    };
    let ca_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut ca_params = named(ca_name);
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let leaf = named(leaf_name).signed_by(&leaf_key, &ca, &ca_key).unwrap();
    (ca, leaf, leaf_key)
}

/// A client presenting `leaf` (and `extra` in its chain), attesting with `scheme`.
fn client_with_chain(
    s: &Setup,
    scheme: &AttestationScheme,
    leaf: &rcgen::Certificate,
    key: &rcgen::KeyPair,
    extra: Option<&rcgen::Certificate>,
) -> Ssl {
    let mut b = anonymous_context(&[&s.server_id], &CP).unwrap();
    b.set_certificate(&openssl::x509::X509::from_der(leaf.der()).unwrap())
        .unwrap();
    b.set_private_key(&openssl::pkey::PKey::private_key_from_pkcs8(&key.serialize_der()).unwrap())
        .unwrap();
    if let Some(ca) = extra {
        b.add_extra_chain_cert(openssl::x509::X509::from_der(ca.der()).unwrap())
            .unwrap();
    }
    client_ssl(
        b,
        ClientConfig::new(vec![], vec![scheme.clone()]),
        hooks(s, 0x22),
    )
}

#[test]
fn ca_issued_client_certificate_still_works_with_the_option_on() {
    let s = setup();
    let scheme = evidence_scheme().unwrap();
    let (ca, leaf, key) = ca_and_leaf("ca.example", "client.example");
    let c = client_with_chain(&s, &scheme, &leaf, &key, None);
    let mut sb = server_ctx(&s);
    sb.cert_store_mut()
        .add_cert(openssl::x509::X509::from_der(ca.der()).unwrap())
        .unwrap();
    let mut sc = ServerConfig::new(vec![], vec![scheme]);
    sc.dangerous_accept_anonymous_clients = true;
    let (c, sv) = handshake(c, server_ssl(sb, sc, hooks(&s, 0x11)));
    let (_, so) = both_done(&c, &sv);
    assert!(so.peer_attested);
    assert_eq!(so.peer_trust, Some(ChainTrust::Anchored));
    assert_eq!(verify_result(&sv), 0, "X509_V_OK");
}

#[test]
fn attested_client_with_an_untrusted_two_certificate_chain_is_refused() {
    let s = setup();
    let scheme = evidence_scheme().unwrap();
    // The leaf's issuer is sent along but is not in the server's store: the chain OpenSSL
    // builds has two certificates and fails at depth 1, which the option never overrides.
    let (ca, leaf, key) = ca_and_leaf("ca.example", "client.example");
    let c = client_with_chain(&s, &scheme, &leaf, &key, Some(&ca));
    let (c, sv) = handshake(c, anonymous_server(&s, &scheme, true));
    assert_refused_by_openssl(c, &sv, SELF_SIGNED_CERT_IN_CHAIN);
}

#[test]
fn attested_leaf_that_only_looks_self_signed_is_refused() {
    let s = setup();
    let scheme = evidence_scheme().unwrap();
    // Issued by an untrusted CA of the same name and sent alone: OpenSSL takes it for
    // self-signed (DEPTH_ZERO_SELF_SIGNED_CERT; it does not check a self-signature), the
    // client's attestation of its key succeeds, and the adapter still refuses it because
    // its signature does not verify under its own key.
    let (_, leaf, key) = ca_and_leaf("client.example", "client.example");
    let c = client_with_chain(&s, &scheme, &leaf, &key, None);
    let (c, sv) = handshake(c, anonymous_server(&s, &scheme, true));
    assert_refused_by_openssl(c, &sv, DEPTH_ZERO_SELF_SIGNED_CERT);
}

#[test]
fn anonymous_client_early_then_expat_on_the_same_connection() {
    use seat_binding::provider::SignatureAlgorithm;
    use seat_proto::chain::DangerousSelfSignedVerifier;

    let s = setup();
    let scheme = evidence_scheme().unwrap();
    let (c, aik) = attesting_anonymous_client(&s, &scheme);
    let (Side::Done(c), Side::Done(sv)) = handshake(c, anonymous_server(&s, &scheme, true)) else {
        panic!("handshake failed")
    };
    // The client attests again after the handshake, with the same TEE-minted key, now bound
    // to the connection's exporter; the server verifies its chain as self-signed only.
    let client_session = expat_session(
        Role::Client,
        Models::BACKGROUND_CHECK,
        Models::NONE,
        Arc::new(WebPkiVerifier::new([&s.server_id.certificate[..]], Purpose::Server).unwrap()),
        Some(Credential {
            chain: vec![aik.certificate_der.clone()],
            key: default_provider()
                .signing_key_from_pkcs8(SignatureAlgorithm::EcdsaSecp256r1Sha256, &aik.pkcs8_der)
                .unwrap()
                .into(),
        }),
    );
    let server_session = expat_session(
        Role::Server,
        Models::NONE,
        Models::BACKGROUND_CHECK,
        Arc::new(DangerousSelfSignedVerifier::dangerous_new(Purpose::Client)),
        Some(s.server_id.credential().unwrap()),
    );
    let now = early::now();
    let (mut client, mut server) = Expat::pair(&s, (c, client_session), (sv, server_session));
    start_expat(client.stream.ssl(), &mut client.session, now).unwrap();
    let early = start_expat(server.stream.ssl(), &mut server.session, now).unwrap();
    assert_eq!(early.peer_trust, Some(ChainTrust::AttestationOnly));
    assert!(
        !server.session.is_open(),
        "the gate waits for the expat exchange"
    );
    run_expat(&mut client, &mut server, false, now);
    // The expat appraisal saw the same key, trusted by attestation only there too.
    assert_opened_on(&server, |l| {
        l.contains("peer attestation") && l.contains("AttestationOnly")
    });
}
