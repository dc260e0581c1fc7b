//! The session state machine driven from both sides in one process (quinn's `Pair`): a
//! recorded exporter stands for the shared TLS connection, the "Attester" returns CMW bytes
//! that embed the binder it was given, and the "Verifier" accepts exactly when the CMW embeds
//! the binder the relying side recomputed. Real Evidence and appraisal run in the conformance
//! suite; here the contract itself is under test.

use std::sync::Arc;

use seat_binding::authenticator::Role;
use seat_binding::exporter::{CountingExporter, Exporter, RecordedExporter};
use seat_binding::provider::default_provider;
use seat_proto::codepoints::AlertDescription;
use seat_proto::hooks::{
    AppraisalRequest, AttestationHooks, Driver, EvidenceRequest, Mechanism, Model, Rejection, Stage,
};
use seat_proto::session::{Action, Event, ExchangeId, Input, Session, SessionConfig};
use seat_proto::shim::{Deframer, Frame, Models};
use seat_proto::{ApiMisuse, AttestationError, Error, PeerMisbehaved};

use crate::common::{counter_rng, credential, exporter, session_for};

const NOW: u64 = 1_780_272_000;

fn session(role: Role, attests: Models, requires: Models) -> Session {
    let seed = if role == Role::Server { 100 } else { 0 };
    session_for(role, attests, requires, counter_rng(seed))
}

/// Tells `session` its TLS connection is established over `exporter`, at `NOW`.
fn establish(session: &mut Session, exporter: &dyn Exporter) {
    session
        .handle(Input::Established { exporter, now: NOW })
        .unwrap();
}

/// Hands `session` the `bytes` its peer sent, at `NOW`.
fn feed(s: &mut Session, e: &dyn Exporter, bytes: &[u8]) -> Result<(), Error> {
    s.handle(Input::Received {
        bytes,
        exporter: e,
        now: NOW,
    })
}

/// A relying-party client and an attesting server (background check), not yet established.
fn server_attests() -> Pair {
    let m = Models::BACKGROUND_CHECK;
    Pair::new(
        session(Role::Client, Models::NONE, m),
        session(Role::Server, m, Models::NONE),
    )
}

/// What one side observed.
#[derive(Default)]
struct Log {
    events: Vec<Event>,
    delivered: Vec<u8>,
    evidence_binders: Vec<Vec<u8>>,
    evidence_models: Vec<Model>,
    appraisals: Vec<Seen>,
    sent_alerts: Vec<AlertDescription>,
}

/// Two sessions and the bytes in flight between them.
struct Pair {
    /// Counts the values both sides take through [`Pair::establish`] and [`Pair::drain`].
    exporter: CountingExporter<RecordedExporter>,
    client: Session,
    server: Session,
    to_server: Vec<u8>,
    to_client: Vec<u8>,
    client_log: Log,
    server_log: Log,
    client_driver: Driver<BinderHooks>,
    server_driver: Driver<BinderHooks>,
    /// Whether the verifiers accept.
    accept: bool,
    /// Whether the attesters answer (false: they decline).
    attest: bool,
}

impl Pair {
    fn new(client: Session, server: Session) -> Self {
        Self {
            exporter: CountingExporter::new(exporter(0x77)),
            client,
            server,
            to_server: Vec::new(),
            to_client: Vec::new(),
            client_log: Log::default(),
            server_log: Log::default(),
            client_driver: Driver::new(BinderHooks::default()),
            server_driver: Driver::new(BinderHooks::default()),
            accept: true,
            attest: true,
        }
    }

    fn establish(&mut self) {
        establish(&mut self.client, &self.exporter);
        establish(&mut self.server, &self.exporter);
        self.drain();
    }

    /// Drives both sides' actions through their hooks, then hands over the bytes in flight,
    /// until quiet.
    fn drain(&mut self) {
        for _ in 0..100 {
            for is_client in [true, false] {
                let (session, driver, log, out) = if is_client {
                    (
                        &mut self.client,
                        &mut self.client_driver,
                        &mut self.client_log,
                        &mut self.to_server,
                    )
                } else {
                    (
                        &mut self.server,
                        &mut self.server_driver,
                        &mut self.server_log,
                        &mut self.to_client,
                    )
                };
                let hooks = driver.hooks_mut();
                hooks.accept = self.accept;
                hooks.attest = self.attest;
                let start = out.len();
                let _ = driver.drain(session, NOW, out, &mut log.delivered);
                log.sent_alerts
                    .extend(error_alerts(out.get(start..).unwrap_or_default()));
                log.events.append(&mut driver.hooks_mut().events);
                log.evidence_binders
                    .append(&mut driver.hooks_mut().evidence_binders);
                log.evidence_models
                    .append(&mut driver.hooks_mut().evidence_models);
                log.appraisals.append(&mut driver.hooks_mut().appraisals);
            }
            if self.to_server.is_empty() && self.to_client.is_empty() {
                return;
            }
            if !self.to_server.is_empty() {
                let bytes = std::mem::take(&mut self.to_server);
                let _ = feed(&mut self.server, &self.exporter, &bytes);
            }
            if !self.to_client.is_empty() {
                let bytes = std::mem::take(&mut self.to_client);
                let _ = feed(&mut self.client, &self.exporter, &bytes);
            }
        }
        panic!("the pair did not settle");
    }
}

/// The hooks of one side: the Attester's CMW is `evidence:` then the binder; the Verifier
/// accepts exactly the binder it recomputed, and its typed result is that binder.
#[derive(Default)]
struct BinderHooks {
    accept: bool,
    attest: bool,
    events: Vec<Event>,
    evidence_binders: Vec<Vec<u8>>,
    evidence_models: Vec<Model>,
    appraisals: Vec<Seen>,
}

/// What one appraisal was asked.
#[derive(Clone, Debug)]
struct Seen {
    model: Option<Model>,
    exchange: Option<ExchangeId>,
    binder: Vec<u8>,
    context: Vec<u8>,
}

impl AttestationHooks for BinderHooks {
    type Accepted = Vec<u8>;

    fn produce_evidence(&mut self, r: &EvidenceRequest<'_>) -> Option<Vec<u8>> {
        self.evidence_binders.push(r.binder.to_vec());
        if let Mechanism::Expat { model } = r.mechanism {
            self.evidence_models.push(model);
        }
        self.attest
            .then(|| [b"evidence:".as_slice(), r.binder].concat())
    }

    fn appraise(&mut self, r: &AppraisalRequest<'_>) -> Result<Vec<u8>, Rejection> {
        self.appraisals.push(Seen {
            model: match r.mechanism {
                Mechanism::Expat { model } => Some(model),
                _ => None,
            },
            exchange: r.exchange,
            binder: r.binder.to_vec(),
            context: r.context.to_vec(),
        });
        if r.cmw != [b"evidence:".as_slice(), r.binder].concat() {
            return Err(Rejection::new(
                Stage::Binding,
                "the CMW does not carry the binder",
            ));
        }
        if !self.accept {
            return Err(Rejection::new(Stage::Policy, "this side accepts nothing"));
        }
        Ok(r.binder.to_vec())
    }

    fn event(&mut self, event: &Event) {
        self.events.push(event.clone());
    }
}

/// The alerts of the error frames in `bytes`.
fn error_alerts(bytes: &[u8]) -> Vec<AlertDescription> {
    let mut d = Deframer::new();
    d.push(bytes);
    std::iter::from_fn(|| d.next_frame().ok().flatten())
        .filter_map(|f| match f {
            Frame::Error { alert, .. } => Some(alert),
            _ => None,
        })
        .collect()
}

/// The alert of an error frame, if `bytes` hold one.
fn error_alert(bytes: &[u8]) -> Option<AlertDescription> {
    let mut d = Deframer::new();
    d.push(bytes);
    match d.next_frame() {
        Ok(Some(Frame::Error { alert, .. })) => Some(alert),
        _ => None,
    }
}

fn failed_with(log: &Log) -> Option<&Error> {
    log.events.iter().find_map(|e| match e {
        Event::Failed { error, .. } => Some(error),
        _ => None,
    })
}

#[test]
fn mutual_attestation_opens_both_gates_with_matching_binders() {
    let both = Models::BACKGROUND_CHECK;
    let mut pair = Pair::new(
        session(Role::Client, both, both),
        session(Role::Server, both, both),
    );
    pair.establish();
    assert!(pair.client.is_open() && pair.server.is_open());
    // What each attester was asked to bind is what the other side recomputed.
    assert_eq!(
        pair.server_log.evidence_binders,
        vec![pair.client_log.appraisals[0].binder.clone()]
    );
    assert_eq!(
        pair.client_log.evidence_binders,
        vec![pair.server_log.appraisals[0].binder.clone()]
    );
    assert_ne!(
        pair.server_log.evidence_binders,
        pair.client_log.evidence_binders
    );
    assert_eq!(pair.client_log.appraisals[0].binder.len(), 32);
    assert!(pair.client_log.events.contains(&Event::Open));
    assert!(pair.server_log.events.contains(&Event::Open));

    pair.client.handle(Input::Send(b"ping")).unwrap();
    pair.drain();
    pair.server.handle(Input::Send(b"pong")).unwrap();
    pair.drain();
    assert_eq!(pair.server_log.delivered, b"ping");
    assert_eq!(pair.client_log.delivered, b"pong");
}

/// RFC 9261 section 5.1 and the expat binder: each exchange takes six exporter values, the
/// authenticator's handshake context and finished key on both sides (4) and the request's
/// exported value on both sides (2). A side derives the keys of a role only when it builds or
/// validates an authenticator of that role, so a one-way exchange takes six, not ten.
#[test]
fn exporter_values_taken_per_exchange() {
    let m = |on: bool| {
        if on {
            Models::BACKGROUND_CHECK
        } else {
            Models::NONE
        }
    };
    for (client_attests, server_attests, expected) in
        [(true, true, 12), (false, true, 6), (true, false, 6)]
    {
        let client = session(Role::Client, m(client_attests), m(server_attests));
        let server = session(Role::Server, m(server_attests), m(client_attests));
        let mut pair = Pair::new(client, server);
        pair.establish();
        assert!(pair.client.is_open() && pair.server.is_open());
        assert_eq!(
            pair.exporter.taken(),
            expected,
            "client attests {client_attests}, server attests {server_attests}"
        );
    }
}

#[test]
fn server_only_and_client_only() {
    for (client_attests, server_attests) in [(false, true), (true, false)] {
        let m = |on: bool| {
            if on {
                Models::BACKGROUND_CHECK
            } else {
                Models::NONE
            }
        };
        let client = session(Role::Client, m(client_attests), m(server_attests));
        let server = session(Role::Server, m(server_attests), m(client_attests));
        let mut pair = Pair::new(client, server);
        pair.establish();
        assert!(pair.client.is_open() && pair.server.is_open());
        let (rp, attester) = if server_attests {
            (&pair.client_log, &pair.server_log)
        } else {
            (&pair.server_log, &pair.client_log)
        };
        assert_eq!(rp.appraisals.len(), 1);
        assert_eq!(attester.evidence_binders.len(), 1);
        assert!(attester.appraisals.is_empty());
    }
}

#[test]
fn data_is_refused_before_the_gate_opens_and_early_peer_data_is_held() {
    let mut client = session(Role::Client, Models::NONE, Models::BACKGROUND_CHECK);
    let mut server = session(Role::Server, Models::BACKGROUND_CHECK, Models::NONE);
    let exporter = exporter(1);
    assert_eq!(
        client.handle(Input::Send(b"secret")).unwrap_err(),
        Error::ApiMisuse(ApiMisuse::GateClosed)
    );
    establish(&mut client, &exporter);
    establish(&mut server, &exporter);
    // The relying party's gate is closed: its data is refused, and it stays usable.
    assert_eq!(
        client.handle(Input::Send(b"secret")).unwrap_err(),
        Error::ApiMisuse(ApiMisuse::GateClosed)
    );
    assert!(!client.is_failed());
    // The attester's gate is open (it requires nothing); what it sends early is held.
    assert!(server.is_open());
    server.handle(Input::Send(b"early")).unwrap();
    let mut pair = Pair::new(client, server);
    pair.exporter = CountingExporter::new(exporter);
    pair.drain();
    assert!(pair.client.is_open());
    assert_eq!(pair.client_log.delivered, b"early");
    let open_at = pair
        .client_log
        .events
        .iter()
        .position(|e| *e == Event::Open)
        .unwrap();
    let attested_at = pair
        .client_log
        .events
        .iter()
        .position(|e| matches!(e, Event::PeerAttested { .. }))
        .unwrap();
    assert!(attested_at < open_at);
}

#[test]
fn reattestation_uses_a_fresh_context_and_binder() {
    let mut pair = server_attests();
    pair.establish();
    assert!(pair.client.is_open());
    pair.client
        .handle(Input::Reattest {
            exporter: &pair.exporter,
            now: NOW + 60,
        })
        .unwrap();
    pair.drain();
    assert_eq!(pair.client_log.appraisals.len(), 2);
    let [first, second] = &pair.client_log.appraisals[..] else {
        panic!()
    };
    assert_ne!(first.context, second.context);
    assert_ne!(first.binder, second.binder);
    assert!(matches!(first.exchange, Some(ExchangeId::Outgoing(1))));
    assert!(matches!(second.exchange, Some(ExchangeId::Outgoing(2))));
    assert!(pair.client.is_open());
}

#[test]
fn reattest_returns_its_exchange_and_the_driver_keeps_its_typed_result() {
    let mut pair = server_attests();
    pair.establish();
    assert_eq!(
        pair.client_driver.peer_exchange(),
        Some(ExchangeId::Outgoing(1))
    );
    let first = pair.client_driver.peer_attestation().cloned().unwrap();
    assert_eq!(first, pair.client_log.appraisals[0].binder);
    let exchange = pair
        .client_driver
        .reattest(
            &mut pair.client,
            &pair.exporter,
            NOW + 60,
            &mut pair.to_server,
            &mut pair.client_log.delivered,
        )
        .unwrap();
    assert_eq!(exchange, ExchangeId::Outgoing(2));
    pair.drain();
    // The exchange's outcome is reported with its id, and its typed result is kept once.
    assert!(
        pair.client_log
            .events
            .contains(&Event::PeerAttested { exchange })
    );
    let second = pair.client_driver.take_accepted(exchange).unwrap();
    assert_eq!(second, pair.client_log.appraisals[1].binder);
    assert_ne!(first, second);
    assert_eq!(pair.client_driver.peer_attestation(), Some(&second));
    assert_eq!(pair.client_driver.take_accepted(exchange), None);
    // A side that requires nothing has nothing to re-attest; the session stays usable.
    assert_eq!(
        pair.server.reattest(&pair.exporter, NOW + 60).unwrap_err(),
        Error::ApiMisuse(ApiMisuse::NothingToReattest)
    );
    assert!(pair.server.is_open());
}

/// A relying party that accepts both models is told which one it asked the attester for, and
/// appraises that, not its accepted set: a passport from an attester that can only present
/// one, Evidence from one that can do both (background check first, as both sides choose).
#[test]
fn a_relying_party_accepting_both_models_appraises_the_model_it_asked_for() {
    for (attests, want) in [
        (Models::PASSPORT, Model::Passport),
        (Models::BACKGROUND_CHECK, Model::BackgroundCheck),
        (Models::BOTH, Model::BackgroundCheck),
    ] {
        let mut pair = Pair::new(
            session(Role::Client, Models::NONE, Models::BOTH),
            session(Role::Server, attests, Models::NONE),
        );
        pair.establish();
        assert!(pair.client.is_open(), "{attests:?}");
        assert_eq!(pair.server_log.evidence_models, vec![want], "{attests:?}");
        assert_eq!(pair.client_log.appraisals.len(), 1);
        assert_eq!(
            pair.client_log.appraisals[0].model,
            Some(want),
            "{attests:?}"
        );
    }
}

#[test]
fn refusal_fails_the_relying_party_with_attestation_required() {
    let mut pair = server_attests();
    pair.attest = false;
    pair.establish();
    assert!(!pair.client.is_open());
    assert_eq!(
        failed_with(&pair.client_log),
        Some(&Error::Attestation(AttestationError::Refused))
    );
    let cp = seat_proto::codepoints::CodePoints::DEFAULT;
    assert_eq!(pair.client_log.sent_alerts, vec![cp.attestation_required()]);
    // The attester learns why from the error frame.
    assert!(matches!(
        failed_with(&pair.server_log),
        Some(Error::PeerAborted { .. })
    ));
}

#[test]
fn rejected_verdict_fails_with_attestation_failed() {
    let mut pair = server_attests();
    pair.accept = false;
    pair.establish();
    assert!(!pair.client.is_open());
    let rejected = Error::Attestation(AttestationError::Rejected(Rejection::new(
        Stage::Policy,
        "this side accepts nothing",
    )));
    assert_eq!(failed_with(&pair.client_log), Some(&rejected));
    // The stage and reason are in the error's Display, and in the error frame's detail,
    // which the attester reports.
    assert_eq!(
        rejected.to_string(),
        "attestation: attestation rejected at the policy stage: this side accepts nothing"
    );
    let Some(Error::PeerAborted { detail, .. }) = failed_with(&pair.server_log) else {
        panic!("{:?}", failed_with(&pair.server_log))
    };
    assert_eq!(detail, &rejected.to_string());
    let rejected_at = pair
        .client_log
        .events
        .iter()
        .position(|e| matches!(e, Event::PeerRejected { exchange: ExchangeId::Outgoing(1), rejection } if rejection.stage == Stage::Policy))
        .unwrap();
    let failed_at = pair
        .client_log
        .events
        .iter()
        .position(|e| matches!(e, Event::Failed { .. }))
        .unwrap();
    assert!(rejected_at < failed_at);
    let cp = seat_proto::codepoints::CodePoints::DEFAULT;
    assert_eq!(pair.client_log.sent_alerts, vec![cp.attestation_failed()]);
    // Terminal: every later input returns the same error.
    assert_eq!(pair.client.handle(Input::Send(b"x")).unwrap_err(), rejected);
}

#[test]
fn peer_that_cannot_attest_is_caught_at_hello() {
    let mut pair = Pair::new(
        session(Role::Client, Models::NONE, Models::PASSPORT),
        session(Role::Server, Models::BACKGROUND_CHECK, Models::NONE),
    );
    pair.establish();
    assert_eq!(
        failed_with(&pair.client_log),
        Some(&Error::Attestation(AttestationError::Unavailable))
    );
}

/// A relying-party client talking to a scripted peer: each case sends some frames and
/// expects a given failure.
mod bad_input {
    use super::*;

    /// The relying-party client, established, before it has sent anything.
    fn established_rp() -> (Session, RecordedExporter) {
        let exporter = exporter(9);
        let mut s = session(Role::Client, Models::NONE, Models::BACKGROUND_CHECK);
        establish(&mut s, &exporter);
        (s, exporter)
    }

    /// The relying-party client, established, with its opening frames already gone.
    fn rp() -> (Session, RecordedExporter) {
        let (mut s, exporter) = established_rp();
        while s.poll_action().is_some() {}
        (s, exporter)
    }

    fn hello() -> Vec<u8> {
        Frame::Hello(seat_proto::shim::Hello {
            version: 1,
            attests: Models::BACKGROUND_CHECK,
            requires: Models::NONE,
            cmw_forms: seat_proto::shim::CmwForms::BOTH,
            cmw_attestation: seat_proto::codepoints::CodePoints::DEFAULT.cmw_attestation(),
            label: b"Attestation".to_vec(),
        })
        .to_vec()
        .unwrap()
    }

    /// A Hello frame followed by `frame`, as the peer would send them.
    fn after_hello(frame: Frame) -> Vec<u8> {
        [hello(), frame.to_vec().unwrap()].concat()
    }

    fn assert_failed(s: &mut Session, expected: &Error) {
        let mut sent_error = false;
        let mut failed = false;
        while let Some(a) = s.poll_action() {
            match a {
                Action::Send(b) => sent_error |= error_alert(&b).is_some(),
                Action::Event(Event::Failed { error, .. }) => {
                    assert_eq!(&error, expected);
                    failed = true;
                }
                _ => {}
            }
        }
        assert!(failed && sent_error, "expected {expected:?}");
        assert!(!s.is_open());
    }

    #[test]
    fn garbage_frame() {
        let (mut s, e) = rp();
        let err = feed(&mut s, &e, &[0x42, 0, 0, 0]).unwrap_err();
        assert_eq!(err.name(), "decode_error");
        assert_failed(&mut s, &err);
    }

    #[test]
    fn oversized_frame_is_rejected_from_its_header() {
        let (mut s, e) = rp();
        let err = feed(&mut s, &e, &[0x05, 0xff, 0xff, 0xff]).unwrap_err();
        assert!(matches!(err, Error::InvalidMessage(_)));
        assert_failed(&mut s, &err);
    }

    #[test]
    fn frame_before_hello() {
        let (mut s, e) = rp();
        let data = Frame::Data(b"x".to_vec()).to_vec().unwrap();
        let err = feed(&mut s, &e, &data).unwrap_err();
        assert_eq!(err, Error::PeerMisbehaved(PeerMisbehaved::UnexpectedFrame));
        assert_failed(&mut s, &err);
    }

    #[test]
    fn authenticator_for_an_exchange_never_requested() {
        let (mut s, e) = rp();
        let bytes = after_hello(Frame::Authenticator {
            exchange: 99,
            message: vec![0x14, 0, 0, 0],
        });
        let err = feed(&mut s, &e, &bytes).unwrap_err();
        assert_eq!(
            err,
            Error::PeerMisbehaved(PeerMisbehaved::UnexpectedAuthenticator)
        );
        assert_failed(&mut s, &err);
    }

    #[test]
    fn second_authenticator_for_the_same_exchange() {
        let mut pair = server_attests();
        // Capture the server's authenticator frame as it passes.
        pair.establish();
        assert!(pair.client.is_open());
        // Replaying exchange 1's answer: no request is outstanding for it any more.
        let replay = Frame::Authenticator {
            exchange: 1,
            message: vec![0x14, 0, 0, 32],
        }
        .to_vec()
        .unwrap();
        let err = feed(&mut pair.client, &pair.exporter, &replay).unwrap_err();
        assert_eq!(
            err,
            Error::PeerMisbehaved(PeerMisbehaved::UnexpectedAuthenticator)
        );
    }

    #[test]
    fn request_of_the_wrong_type_and_reused_context() {
        // A server sends CertificateRequest; a ClientCertificateRequest from a server is wrong.
        let (mut s, e) = rp();
        let cp = seat_proto::codepoints::CodePoints::DEFAULT;
        let wrong = seat_proto::authenticator::SentRequest::client_request(
            vec![1; 32],
            &[seat_proto::codepoints::SignatureScheme::ED25519],
            true,
            &cp,
        )
        .unwrap();
        let bytes = after_hello(Frame::Request {
            exchange: 1,
            message: wrong.bytes().to_vec(),
        });
        let err = feed(&mut s, &e, &bytes).unwrap_err();
        assert_eq!(err, Error::PeerMisbehaved(PeerMisbehaved::WrongRequestType));

        let (mut s, e) = rp();
        let ok = seat_proto::authenticator::SentRequest::server_request(
            vec![1; 32],
            &[seat_proto::codepoints::SignatureScheme::ED25519],
            true,
            &cp,
        )
        .unwrap();
        let mut bytes = hello();
        for exchange in [1, 2] {
            bytes.extend(
                Frame::Request {
                    exchange,
                    message: ok.bytes().to_vec(),
                }
                .to_vec()
                .unwrap(),
            );
        }
        let err = feed(&mut s, &e, &bytes).unwrap_err();
        assert_eq!(err, Error::PeerMisbehaved(PeerMisbehaved::ContextReused));
    }

    #[test]
    fn cmw_on_a_second_entry_fails_validation_in_the_session() {
        use seat_binding::authenticator::AuthenticatorKeys;
        use seat_proto::ext::{CmwData, EntryExtension, EntryExtensions};
        use seat_proto::message::{
            AuthenticatorRequest, CertData, Certificate, CertificateEntry, CertificateVerify,
            Finished, RequestContext, SignatureBytes,
        };

        let (mut s, exporter) = established_rp();
        // Capture the request the client sends.
        let mut d = Deframer::new();
        while let Some(a) = s.poll_action() {
            if let Action::Send(b) = a {
                d.push(&b);
            }
        }
        let mut request = None;
        while let Some(f) = d.next_frame().unwrap() {
            if let Frame::Request { exchange, message } = f {
                request = Some((exchange, message));
            }
        }
        let (exchange, message) = request.unwrap();
        let cp = seat_proto::codepoints::CodePoints::DEFAULT;
        let req = AuthenticatorRequest::decode(&message, &cp).unwrap();

        // A correctly signed server authenticator whose CMW sits on the second entry.
        let cred = credential();
        let entry = |exts| CertificateEntry {
            cert_data: CertData::new(cred.chain[0].to_vec()).unwrap(),
            extensions: EntryExtensions::new(exts).unwrap(),
        };
        let cmw = EntryExtension::CmwAttestation {
            codepoint: cp.cmw_attestation(),
            cmw: CmwData::new(b"cmw".to_vec()).unwrap(),
        };
        let cert = Certificate::new(
            RequestContext::new(req.context().as_bytes().to_vec()).unwrap(),
            vec![entry(vec![]), entry(vec![cmw])],
        )
        .unwrap()
        .to_vec();
        let keys = AuthenticatorKeys::derive(default_provider(), &exporter, Role::Server).unwrap();
        let mut rng = |d: &mut [u8]| d.fill(1);
        let sig = keys
            .sign_certificate_verify(Some(&message), &cert, cred.key.as_ref(), &mut rng)
            .unwrap();
        let cv = CertificateVerify {
            algorithm: seat_proto::codepoints::SignatureScheme::ECDSA_SECP256R1_SHA256,
            signature: SignatureBytes::new(sig).unwrap(),
        }
        .to_vec();
        let fin = Finished::new(
            keys.finished_mac(Some(&message), &cert, &cv)
                .as_bytes()
                .to_vec(),
        )
        .unwrap()
        .to_vec();
        let bytes = after_hello(Frame::Authenticator {
            exchange,
            message: [cert, cv, fin].concat(),
        });
        let err = feed(&mut s, &exporter, &bytes).unwrap_err();
        assert_eq!(
            err,
            Error::PeerMisbehaved(PeerMisbehaved::AttestationNotOnFirstEntry)
        );
        assert_failed(&mut s, &err);
    }

    #[test]
    fn peer_closing_mid_exchange() {
        let (mut s, e) = rp();
        feed(&mut s, &e, &hello()).unwrap();
        let err = s.handle(Input::PeerClosed).unwrap_err();
        assert_eq!(err, Error::Attestation(AttestationError::PeerClosed));
        // No error frame goes to a peer that has gone.
        let sent: Vec<_> = std::iter::from_fn(|| s.poll_action())
            .filter(|a| matches!(a, Action::Send(_)))
            .collect();
        assert!(sent.is_empty());
    }

    #[test]
    fn verdict_that_never_arrives() {
        let m = Models::BACKGROUND_CHECK;
        let exporter = exporter(3);
        let mut client = session(Role::Client, Models::NONE, m);
        let mut server = session(Role::Server, m, Models::NONE);
        establish(&mut client, &exporter);
        establish(&mut server, &exporter);
        // Shuttle bytes, answering Evidence but never a verdict.
        for _ in 0..5 {
            while let Some(a) = client.poll_action() {
                if let Action::Send(b) = a {
                    feed(&mut server, &exporter, &b).unwrap();
                }
            }
            while let Some(a) = server.poll_action() {
                match a {
                    Action::Send(b) => feed(&mut client, &exporter, &b).unwrap(),
                    Action::ProduceEvidence {
                        exchange, binder, ..
                    } => server
                        .handle(Input::Evidence {
                            exchange,
                            cmw: binder,
                        })
                        .unwrap(),
                    _ => {}
                }
            }
        }
        let deadline = client.poll_timeout().unwrap();
        assert_eq!(deadline, NOW + 30);
        client.handle(Input::Timeout { now: deadline - 1 }).unwrap();
        let err = client.handle(Input::Timeout { now: deadline }).unwrap_err();
        assert_eq!(err, Error::Attestation(AttestationError::VerdictTimeout));
        assert!(!client.is_open());
    }

    #[test]
    fn peer_that_never_answers() {
        let (mut s, _) = rp();
        let err = s.handle(Input::Timeout { now: NOW + 31 }).unwrap_err();
        assert_eq!(err, Error::Attestation(AttestationError::PeerTimeout));
        assert_failed(&mut s, &err);
    }

    #[test]
    fn peer_error_frame_aborts_without_an_answer() {
        let (mut s, e) = rp();
        let frame = Frame::Error {
            alert: AlertDescription(226),
            reason: 31,
            detail: "no".into(),
        }
        .to_vec()
        .unwrap();
        let err = feed(&mut s, &e, &frame).unwrap_err();
        assert_eq!(
            err,
            Error::PeerAborted {
                alert: AlertDescription(226),
                reason: 31,
                detail: "no".into(),
            }
        );
        assert!(err.to_string().contains("attestation_rejected"));
        assert!(err.to_string().ends_with(": no"), "{err}");
        // The peer's detail is shown with everything but printable ASCII escaped.
        let err = Error::PeerAborted {
            alert: AlertDescription(226),
            reason: 31,
            detail: "evil\u{1b}[2J\u{202e}txt".into(),
        };
        assert!(
            err.to_string().ends_with(": evil\\u{1b}[2J\\u{202e}txt"),
            "{err}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The TLS handshake's chain validation, reused for the same chain only.

/// A chain verifier that refuses every chain and counts how often it was asked: whatever
/// it is asked about is validated in full (and refused); what it is not asked about was
/// taken from the handshake.
#[derive(Debug, Default)]
struct RefusesAll(std::sync::atomic::AtomicUsize);

impl seat_proto::chain::ChainVerifier for RefusesAll {
    fn verify_chain(
        &self,
        _: &[u8],
        _: &[&[u8]],
        _: u64,
    ) -> Result<seat_proto::chain::ChainTrust, seat_proto::chain::CertificateError> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Err(seat_proto::chain::CertificateError::UnknownIssuer)
    }
}

/// A relying client whose chain verifier is `verifier` (said to be the handshake's when
/// `shared`), and a server attesting with `credential`.
fn reuse_pair(
    verifier: &Arc<RefusesAll>,
    shared: bool,
    credential: seat_proto::session::Credential,
) -> Pair {
    let m = Models::BACKGROUND_CHECK;
    let builder = SessionConfig::builder(default_provider()).requires(m);
    let v: Arc<dyn seat_proto::chain::ChainVerifier> = verifier.clone();
    let builder = if shared {
        builder.chain_verifier_shared_with_handshake(v)
    } else {
        builder.chain_verifier(v)
    };
    let client = Session::new(
        Arc::new(builder.build().unwrap()),
        Role::Client,
        None,
        counter_rng(0),
    );
    let server_config = SessionConfig::builder(default_provider())
        .attests(m)
        .build()
        .unwrap();
    let server = Session::new(
        Arc::new(server_config),
        Role::Server,
        Some(credential),
        counter_rng(100),
    );
    Pair::new(client, server)
}

#[test]
fn the_handshake_validated_chain_is_not_validated_again() {
    let verifier = Arc::new(RefusesAll::default());
    let credential = credential();
    let chain = credential.chain.clone();
    let mut pair = reuse_pair(&verifier, true, credential);
    pair.client.handshake_peer_chain(&chain, NOW);
    pair.establish();
    assert!(pair.client.is_open(), "{:?}", failed_with(&pair.client_log));
    assert_eq!(verifier.0.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[test]
fn a_chain_other_than_the_handshakes_is_validated_in_full() {
    // The handshake validated another certificate; the authenticator's is validated in
    // full (and refused), not taken from the handshake.
    let verifier = Arc::new(RefusesAll::default());
    let mut pair = reuse_pair(&verifier, true, credential());
    pair.client.handshake_peer_chain(&credential().chain, NOW);
    pair.establish();
    assert!(!pair.client.is_open());
    assert!(matches!(
        failed_with(&pair.client_log),
        Some(Error::InvalidCertificate(
            seat_proto::chain::CertificateError::UnknownIssuer
        ))
    ));
    assert_eq!(verifier.0.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[test]
fn a_chain_the_handshake_did_not_validate_with_this_verifier_is_validated_in_full() {
    // The same chain, but the configuration never said the handshake validates with this
    // verifier: validated in full.
    let verifier = Arc::new(RefusesAll::default());
    let credential = credential();
    let chain = credential.chain.clone();
    let mut pair = reuse_pair(&verifier, false, credential.clone());
    pair.client.handshake_peer_chain(&chain, NOW);
    pair.establish();
    assert!(!pair.client.is_open());
    assert_eq!(verifier.0.load(std::sync::atomic::Ordering::SeqCst), 1);

    // Shared, but no chain reported from the handshake (no client certificate, another
    // adapter): validated in full.
    let verifier = Arc::new(RefusesAll::default());
    let mut pair = reuse_pair(&verifier, true, credential.clone());
    pair.establish();
    assert!(!pair.client.is_open());
    assert_eq!(verifier.0.load(std::sync::atomic::Ordering::SeqCst), 1);

    // Shared and the same chain, but validated by the handshake too long ago.
    let verifier = Arc::new(RefusesAll::default());
    let mut pair = reuse_pair(&verifier, true, credential.clone());
    pair.client.handshake_peer_chain(
        &chain,
        NOW - seat_proto::session::MAX_HANDSHAKE_CHAIN_AGE_SECS - 1,
    );
    pair.establish();
    assert!(!pair.client.is_open());
    assert_eq!(verifier.0.load(std::sync::atomic::Ordering::SeqCst), 1);

    // A chain that extends the handshake's by one certificate is another chain.
    let verifier = Arc::new(RefusesAll::default());
    let mut longer = credential.clone();
    longer
        .chain
        .push(crate::common::credential().chain[0].clone());
    let mut pair = reuse_pair(&verifier, true, longer);
    pair.client.handshake_peer_chain(&chain, NOW);
    pair.establish();
    assert!(!pair.client.is_open());
    assert_eq!(verifier.0.load(std::sync::atomic::Ordering::SeqCst), 1);
}
