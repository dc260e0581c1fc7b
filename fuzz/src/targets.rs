//! The bodies of the fuzz targets of the machines and of the parsers added after the first
//! three decoder targets. The `fuzz_targets/*.rs` binaries call them; the workspace's
//! `seat-conformance` tests include this file (`#[path]`) and replay the committed seed
//! corpora (`fuzz/seeds/<target>/`) through them, the CI smoke run of the fuzzers.
//!
//! Every target asserts what must hold for any input (no panic, and the invariants named on
//! each), never a particular outcome.

use std::collections::VecDeque;
use std::sync::{Arc, OnceLock};

use seat_binding::Secret;
use seat_binding::authenticator::Role;
use seat_binding::exporter::RecordedExporter;
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::{HashAlgorithm, RandomSource, SignatureAlgorithm, default_provider};
use seat_proto::chain::{DangerousSelfSignedVerifier, Purpose};
use seat_proto::codepoints::{CodePoints, HandshakeType};
use seat_proto::hooks::{Rejection, Stage};
use seat_proto::negotiation::{self, ClientNegotiation, ServerNegotiation};
use seat_proto::remote_attestation::{AttestationScheme, EvidenceType};
use seat_proto::session::{Action, Credential, Event, Input, Session, SessionConfig};
use seat_proto::shim::{DataPiece, Deframer, Frame, Models, Piece};

/// Reads the fuzzer's bytes front to back; past the end every read is empty or zero.
struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    fn u8(&mut self) -> Option<u8> {
        let (first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*first)
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }

    /// A length-prefixed (2 bytes, big-endian) slice.
    fn chunk(&mut self) -> &'a [u8] {
        let hi = usize::from(self.u8().unwrap_or(0));
        let lo = usize::from(self.u8().unwrap_or(0));
        self.take(hi << 8 | lo)
    }
}

/// Shim framing: any chunking of any bytes gives the same frames or the same error, and
/// every frame decoded re-encodes to the bytes it came from.
pub fn shim(data: &[u8]) {
    let (cuts, stream) = data.split_at(data.len().min(4));
    let mut whole = Deframer::new();
    whole.push(stream);
    let mut expected = Vec::new();
    let mut consumed = 0;
    let end = loop {
        match whole.next_frame() {
            Ok(Some(f)) => {
                let bytes = f.to_vec();
                if let Ok(bytes) = bytes {
                    let at = stream.get(consumed..consumed + bytes.len());
                    assert_eq!(
                        at,
                        Some(bytes.as_slice()),
                        "a frame re-encodes to its bytes"
                    );
                    consumed += bytes.len();
                }
                expected.push(f);
            }
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };
    // The same stream in pieces.
    let mut pieces = Deframer::new();
    let mut got = Vec::new();
    let mut rest = stream;
    let mut sizes = cuts.iter().cycle();
    let mut err = None;
    while !rest.is_empty() && err.is_none() {
        let n = usize::from(*sizes.next().unwrap_or(&1)).max(1);
        let (piece, tail) = rest.split_at(n.min(rest.len()));
        rest = tail;
        pieces.push(piece);
        loop {
            match pieces.next_frame() {
                Ok(Some(f)) => got.push(f),
                Ok(None) => break,
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
    }
    assert_eq!(got, expected);
    assert_eq!(err.is_some(), end.is_some());
}

/// Shim framing in pieces (`Deframer::next_whole_data` and `next_piece`, the session's
/// receive path): any
/// chunking of any bytes gives the frames whole deframing gives, data frames reassembled from
/// their header and payload pieces, or the same error at the same offset; a data frame's
/// payload is never buffered, and nothing but a partial header or frame is.
pub fn shim_pieces(data: &[u8]) {
    let (cuts, stream) = data.split_at(data.len().min(4));
    let mut whole = Deframer::new();
    whole.push(stream);
    let mut expected = Vec::new();
    let end = loop {
        match whole.next_frame() {
            Ok(Some(f)) => expected.push(f),
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };
    let mut pieces = Deframer::new();
    let mut got = Vec::new();
    let mut data: Option<(usize, Vec<u8>)> = None;
    let mut rest = stream;
    let mut sizes = cuts.iter().cycle();
    let mut err = None;
    while !rest.is_empty() && err.is_none() {
        let n = usize::from(*sizes.next().unwrap_or(&1)).max(1);
        let (mut input, tail) = rest.split_at(n.min(rest.len()));
        rest = tail;
        loop {
            // The session's fast path first: whole data frames at a boundary.
            while let Some(payload) = pieces.next_whole_data(&mut input) {
                assert!(data.is_none(), "a whole data frame inside a data frame");
                got.push(Frame::Data(payload.to_vec()));
            }
            match pieces.next_piece(&mut input) {
                Ok(Some(Piece::Frame(f))) => {
                    assert!(data.is_none(), "a frame inside a data frame");
                    got.push(f);
                }
                Ok(Some(Piece::Data(DataPiece::Header { len }))) => {
                    assert!(data.is_none(), "a header inside a data frame");
                    data = Some((len, Vec::new()));
                }
                Ok(Some(Piece::Data(DataPiece::Payload(bytes)))) => {
                    assert!(!bytes.is_empty(), "an empty payload piece");
                    match data.as_mut() {
                        Some((_, held)) => held.extend_from_slice(bytes),
                        None => unreachable!("payload outside a data frame"),
                    }
                }
                Ok(Some(_)) => unreachable!("no other piece"),
                Ok(None) => break,
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
            if let Some((len, held)) = &data
                && *len == held.len()
            {
                let (_, held) = data.take().unwrap_or_default();
                got.push(Frame::Data(held));
            }
        }
        if err.is_none() {
            assert!(input.is_empty(), "input left over");
            assert!(
                pieces.buffered() < 4 || !pieces.in_data_frame(),
                "a data payload was buffered"
            );
        }
    }
    assert_eq!(got, expected);
    assert_eq!(err, end);
}

fn credential() -> Credential {
    static KEY: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    let (cert, pkcs8) = KEY.get_or_init(|| {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap_or_else(|_| {
            unreachable!("rcgen makes Ed25519 keys");
        });
        let cert = rcgen::CertificateParams::new(vec!["tee.example".to_string()])
            .and_then(|p| p.self_signed(&key))
            .map(|c| c.der().to_vec())
            .unwrap_or_default();
        (cert, key.serialize_der())
    });
    let key = default_provider()
        .signing_key_from_pkcs8(SignatureAlgorithm::Ed25519, pkcs8)
        .unwrap_or_else(|_| unreachable!("the key was just made"));
    Credential {
        chain: vec![cert.clone().into()],
        key: key.into(),
    }
}

fn counter_rng(seed: u8) -> Box<dyn RandomSource + Send> {
    let mut n = u64::from(seed) << 32;
    Box::new(move |d: &mut [u8]| {
        for chunk in d.chunks_mut(8) {
            n = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let bytes = n.to_be_bytes();
            for (o, b) in chunk.iter_mut().zip(bytes) {
                *o = b;
            }
        }
    })
}

fn models(bits: u8) -> Models {
    match bits & 3 {
        0 => Models::NONE,
        1 => Models::BACKGROUND_CHECK,
        2 => Models::PASSPORT,
        _ => Models::BACKGROUND_CHECK,
    }
}

/// One side of the pair, with what its honest caller observed.
struct Side {
    session: Session,
    opened: bool,
    failed: bool,
    /// Whether it was told `Established` (its deadlines start there: before, it waits on the
    /// TLS handshake, which the adapters bound).
    established: bool,
    /// Frames this side sent, not yet delivered.
    outbox: VecDeque<Vec<u8>>,
}

impl Side {
    fn new(role: Role, attests: Models, requires: Models) -> Self {
        let purpose = if role == Role::Server {
            Purpose::Client
        } else {
            Purpose::Server
        };
        let mut config = SessionConfig::builder(default_provider())
            .attests(attests)
            .requires(requires)
            .chain_verifier(Arc::new(DangerousSelfSignedVerifier::dangerous_new(
                purpose,
            )))
            .build()
            .unwrap();
        config.max_early_data = 1024;
        let credential = (!attests.is_empty()).then(credential);
        let seed = if role == Role::Server { 7 } else { 3 };
        Self {
            session: Session::new(Arc::new(config), role, credential, counter_rng(seed)),
            opened: false,
            failed: false,
            established: false,
            outbox: VecDeque::new(),
        }
    }

    /// Drains the actions as an honest caller (its Attester binds the binder; its Verifier
    /// accepts exactly that unless `reject`), checking the invariants.
    fn drain(&mut self, decline: bool, reject: bool) {
        while let Some(action) = self.session.poll_action() {
            match action {
                Action::Send(bytes) => {
                    let mut d = Deframer::new();
                    d.push(&bytes);
                    while let Ok(Some(f)) = d.next_frame() {
                        if let Ok(b) = f.to_vec() {
                            self.outbox.push_back(b);
                        }
                    }
                }
                Action::ProduceEvidence {
                    exchange, binder, ..
                } => {
                    let input = if decline {
                        Input::Decline { exchange }
                    } else {
                        Input::Evidence {
                            exchange,
                            cmw: [b"evidence:".as_slice(), &binder].concat(),
                        }
                    };
                    let _ = self.session.handle(input);
                }
                Action::Appraise(a) => {
                    let good = a.cmw.strip_prefix(b"evidence:") == Some(a.binder.as_slice());
                    let verdict = if good && !reject {
                        Ok(())
                    } else {
                        Err(Rejection::new(Stage::Binding, "binder"))
                    };
                    let _ = self.session.handle(Input::Verdict {
                        exchange: a.exchange,
                        verdict,
                    });
                }
                Action::Deliver(bytes) => {
                    assert!(self.opened, "data delivered before the gate opened");
                    assert!(!self.failed, "data delivered after failure");
                    assert!(!bytes.is_empty(), "an empty delivery");
                }
                Action::Event(Event::Open) => {
                    assert!(!self.opened, "the gate opened twice");
                    self.opened = true;
                }
                Action::Event(Event::Failed { .. }) => {
                    assert!(!self.failed, "failed twice");
                    self.failed = true;
                }
                _ => {}
            }
        }
        assert_eq!(self.session.is_failed(), self.failed);
        assert_eq!(self.session.is_open(), self.opened && !self.failed);
        // No silent wait once established: open, failed, or a deadline pending.
        assert!(
            !self.established
                || self.session.is_open()
                || self.session.is_failed()
                || self.session.poll_timeout().is_some(),
            "waiting without a deadline"
        );
    }
}

/// Two sessions over one recorded exporter, driven by attacker-chosen operations: deliver,
/// drop, duplicate or reorder the frames in flight, inject raw bytes to either side,
/// re-attest, send data, let time pass, close, and flip either caller's Attester or
/// Verifier; either side may first write its flight before the handshake completes
/// (`ServerFlight`, `ClientFlight`). Invariants: no panic; no data delivered before `Event::Open` or after
/// `Event::Failed`; the gate opens once; a failed session stays failed; every side is open,
/// failed or has a deadline.
pub fn session_pair(data: &[u8]) {
    let mut input = Bytes(data);
    let config = input.u8().unwrap_or(0);
    let exporter = match RecordedExporter::new(
        default_provider(),
        HashAlgorithm::Sha256,
        Protocol::Tls13,
        Secret::from_slice(&[0x5a; 32]),
    ) {
        Ok(e) => e,
        Err(_) => return,
    };
    // Which sides write their first flight before the handshake completes (where their
    // configuration wants one): bit 0 the server, bit 1 the client.
    let flights = input.u8().unwrap_or(0);
    let mut client = Side::new(Role::Client, models(config), models(config >> 2));
    let mut server = Side::new(Role::Server, models(config >> 4), models(config >> 6));
    let mut now = 1_780_272_000u64;
    let (mut decline, mut reject) = (false, false);
    if flights & 1 == 1 && server.session.wants_server_flight() {
        let _ = server.session.handle(Input::ServerFlight { now });
        server.drain(decline, reject);
    }
    if flights & 2 == 2 && client.session.wants_client_flight() {
        let _ = client.session.handle(Input::ClientFlight { now });
        client.drain(decline, reject);
    }
    for side in [&mut client, &mut server] {
        side.established = true;
        let _ = side.session.handle(Input::Established {
            exporter: &exporter,
            now,
        });
        side.drain(decline, reject);
    }
    let mut steps = 0;
    while let Some(op) = input.u8() {
        steps += 1;
        if steps > 256 {
            break;
        }
        let to_client = op & 1 == 1;
        let (from, to) = if to_client {
            (&mut server, &mut client)
        } else {
            (&mut client, &mut server)
        };
        match op >> 1 {
            // Deliver the next frame in flight.
            0 => {
                if let Some(f) = from.outbox.pop_front() {
                    let was_failed = to.session.is_failed();
                    let r = to.session.handle(Input::Received {
                        bytes: &f,
                        exporter: &exporter,
                        now,
                    });
                    if was_failed {
                        assert!(r.is_err(), "a failed session accepted input");
                    }
                }
            }
            // Drop it.
            1 => {
                from.outbox.pop_front();
            }
            // Duplicate it.
            2 => {
                if let Some(f) = from.outbox.front().cloned() {
                    from.outbox.push_front(f);
                }
            }
            // Swap the first two.
            3 if from.outbox.len() >= 2 => from.outbox.swap(0, 1),
            3 => {}
            // Inject raw bytes.
            4 => {
                let bytes = input.chunk();
                let _ = to.session.handle(Input::Received {
                    bytes,
                    exporter: &exporter,
                    now,
                });
            }
            // Inject a frame built from the input.
            5 => {
                let ty = input.u8().unwrap_or(5) % 5 + 1;
                let payload = input.chunk();
                let mut bytes = vec![ty];
                let len = u32::try_from(payload.len()).unwrap_or(0).to_be_bytes();
                bytes.extend_from_slice(len.get(1..).unwrap_or_default());
                bytes.extend_from_slice(payload);
                let _ = to.session.handle(Input::Received {
                    bytes: &bytes,
                    exporter: &exporter,
                    now,
                });
            }
            // Re-attest.
            6 => {
                let _ = to.session.handle(Input::Reattest {
                    exporter: &exporter,
                    now,
                });
            }
            // Send data.
            7 => {
                let bytes = input.chunk();
                let open = to.session.is_open();
                let r = to.session.handle(Input::Send(bytes));
                if !open {
                    assert!(r.is_err(), "data accepted while the gate is closed");
                }
            }
            // Time passes.
            8 => {
                now += u64::from(input.u8().unwrap_or(0));
                let _ = to.session.handle(Input::Timeout { now });
            }
            // The peer closed.
            9 => {
                let _ = to.session.handle(Input::PeerClosed);
            }
            10 => decline = !decline,
            11 => reject = !reject,
            _ => {}
        }
        client.drain(decline, reject);
        server.drain(decline, reject);
    }
}

/// A handshake type from one byte: the ones the machines act on, or any.
fn handshake_type(b: u8) -> HandshakeType {
    match b % 8 {
        0 => HandshakeType::CLIENT_HELLO,
        1 => HandshakeType::SERVER_HELLO,
        2 => HandshakeType::ENCRYPTED_EXTENSIONS,
        3 => HandshakeType::CERTIFICATE_REQUEST,
        4 => HandshakeType::CERTIFICATE,
        5 => HandshakeType::FINISHED,
        6 => HandshakeType::CERTIFICATE_VERIFY,
        _ => HandshakeType(b),
    }
}

fn schemes() -> Vec<AttestationScheme> {
    [1, 64999]
        .into_iter()
        .map(|cf| AttestationScheme::Evidence(EvidenceType::ContentFormat(cf)))
        .collect()
}

/// The early-attestation negotiation machines (both roles) under attacker-chosen inputs:
/// handshake messages, `remoteAttestation` extensions on any message and entry, build
/// requests, certificate ends, Evidence and verdicts, in any order. Invariants: no panic;
/// once a machine reported `Failed` it reports nothing but `Failed` again; `PeerAttested`
/// only after an `Appraise` answered `Accepted`.
pub fn negotiation(data: &[u8]) {
    let mut input = Bytes(data);
    let config = input.u8().unwrap_or(0);
    let list = |bit: u8| {
        if config & bit != 0 {
            schemes()
        } else {
            Vec::new()
        }
    };
    let mut client_config = negotiation::ClientConfig::new(list(1), list(2));
    client_config.require_server_attestation = config & 4 != 0;
    let mut server_config = negotiation::ServerConfig::new(list(8), list(16));
    server_config.require_client_attestation = config & 32 != 0;
    let mut client = ClientNegotiation::new(client_config);
    let mut server = ServerNegotiation::new(server_config);
    let mut state = [(false, false), (false, false)];
    let mut steps = 0;
    while let Some(op) = input.u8() {
        steps += 1;
        if steps > 64 {
            break;
        }
        let message = handshake_type(input.u8().unwrap_or(0));
        let step = match (op >> 1) % 6 {
            0 => negotiation::Input::Message {
                sent: op & 0x10 != 0,
                bytes: input.chunk().to_vec(),
            },
            1 => negotiation::Input::Extension {
                message,
                data: input.chunk().to_vec(),
                entry: (op & 0x20 != 0).then(|| (usize::from(op >> 6), input.chunk().to_vec())),
            },
            2 => negotiation::Input::Build {
                message,
                entry: (op & 0x20 != 0).then(|| (usize::from(op >> 6), input.chunk().to_vec())),
            },
            3 => negotiation::Input::PeerCertificateEnd,
            4 => negotiation::Input::Evidence((op & 0x20 != 0).then(|| input.chunk().to_vec())),
            _ => negotiation::Input::Verdict(if op & 0x20 != 0 {
                Ok(())
            } else {
                Err(Rejection {
                    stage: Stage::Policy,
                    reason: String::new(),
                })
            }),
        };
        let accepted = matches!(step, negotiation::Input::Verdict(Ok(())));
        let (slot, actions) = if op & 1 == 0 {
            let _ = client.handle(step);
            (
                0,
                std::iter::from_fn(|| client.poll_action()).collect::<Vec<_>>(),
            )
        } else {
            let _ = server.handle(step);
            (
                1,
                std::iter::from_fn(|| server.poll_action()).collect::<Vec<_>>(),
            )
        };
        let Some((failed, appraising)) = state.get_mut(slot) else {
            continue;
        };
        for a in actions {
            // A failed machine may repeat its failure, nothing else.
            let repeat = matches!(
                a,
                negotiation::Action::Event(negotiation::Event::Failed { .. })
            );
            assert!(!*failed || repeat, "an action after Failed: {a:?}");
            match a {
                negotiation::Action::Event(negotiation::Event::Failed { .. }) => *failed = true,
                negotiation::Action::Event(negotiation::Event::PeerAttested) => {
                    assert!(
                        accepted && *appraising,
                        "attested without an accepted appraisal"
                    );
                }
                negotiation::Action::Appraise { .. } => *appraising = true,
                _ => {}
            }
        }
    }
    let _ = CodePoints::DEFAULT;
}

/// CMW (CBOR and JSON): whatever decodes re-decodes, from its own encoding, to the same.
pub fn cmw(data: &[u8]) {
    use seat_evidence::cmw::AnyCmw;
    if let Ok(c) = AnyCmw::decode(data) {
        let again = AnyCmw::decode(&c.to_vec());
        assert_eq!(
            again.ok().as_ref(),
            Some(&c),
            "encode then decode is the identity"
        );
    }
}

/// COSE_Sign1 (tagged or not): no panic; a decoded message yields its `Sig_structure`.
pub fn cose_sign1(data: &[u8]) {
    if let Ok((msg, _)) = seat_evidence::cose::CoseSign1::decode(data) {
        let _ = msg.tbs(&[], None);
    }
}

/// EAT claims sets: no panic.
pub fn eat(data: &[u8]) {
    let _ = seat_evidence::eat::ClaimsSet::decode(data);
}

/// EAR, CBOR and JSON: no panic.
pub fn ear(data: &[u8]) {
    let _ = seat_evidence::ear::Ear::from_cbor(data);
    let _ = seat_evidence::ear::Ear::from_json(data);
}

/// TPM 2.0 quotes (`seat_verify::tpm`, feature `tpm`): the quote record, `TPMS_ATTEST` and
/// `TPMT_SIGNATURE` parsers and the whole verification, under a pinned key and through an AK
/// certificate chain to Google's vTPM root (seat-verify/tests/data/tpm/gce), never panic; a record
/// that decodes re-encodes to the bytes it came from (one encoding per record), and so does
/// the structure inside it as far as its parser reads.
pub fn tpm_quote(data: &[u8]) {
    use seat_evidence::tpm::TpmQuoteRecord;
    use seat_verify::tpm::{TpmFormat, TpmPolicy, TpmQuote, TpmSignature};
    let _ = TpmQuote::decode(data);
    let _ = TpmSignature::decode(data);
    if let Ok(r) = TpmQuoteRecord::decode(data) {
        assert_eq!(r.to_vec(), data, "a record has one encoding");
        let _ = TpmQuote::decode(&r.attest);
        let _ = TpmSignature::decode(&r.signature);
        let f = TpmFormat::new(TpmPolicy::new(vec![seat_verify::TrustAnchor {
            name: "fuzz".into(),
            spki: TFM_ES_IAK_SPKI.to_vec(),
        }]));
        let _ = f.verify_quote(data, 1_751_328_000);
        if let Ok(policy) = TpmPolicy::new(Vec::new()).with_ak_root("gce", GCE_TPM_ROOT) {
            let _ = TpmFormat::new(policy).verify_quote(data, 1_751_328_000);
        }
    }
}

/// Google's vTPM EK/AK root (seat-verify/tests/data/tpm/PROVENANCE.md).
const GCE_TPM_ROOT: &[u8] =
    include_bytes!("../../seat-verify/tests/data/tpm/gce/tpm_ek_root_1.cer");

/// The TF-M example IAK (seat-verify/tests/data/psa/tfm-es-iak.json) as a P-256 SPKI.
const TFM_ES_IAK_SPKI: [u8; 91] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04, 0x4e, 0x5e, 0x22, 0x09, 0x9e,
    0x3b, 0xce, 0xb4, 0x5b, 0x44, 0x6d, 0x13, 0x55, 0xfd, 0x1d, 0xc3, 0xb5, 0x45, 0x94, 0x7b, 0x6f,
    0xd7, 0xc1, 0xc8, 0x9d, 0x88, 0x67, 0x98, 0xc3, 0x72, 0x6e, 0x8f, 0x80, 0xd7, 0x0b, 0x84, 0x0b,
    0x25, 0x6a, 0xac, 0x34, 0xa6, 0x2e, 0xde, 0x10, 0x43, 0x36, 0x4f, 0x04, 0x40, 0x95, 0xf0, 0x03,
    0x47, 0x4b, 0x91, 0xe0, 0x18, 0x20, 0x92, 0xaf, 0xb1, 0x3f, 0x2e,
];

/// PSA tokens (`seat_verify::psa`, feature `psa`): COSE_Sign1 and COSE_Mac0 verification under
/// the TF-M example IAKs and the claims decoder never panic; decoded claims re-decode from
/// their own encoding to the same claims.
pub fn psa_token(data: &[u8]) {
    use seat_evidence::psa::PsaClaims;
    use seat_verify::psa::{PsaFormat, PsaIak, PsaKey, PsaPolicy};
    let _ = seat_evidence::cose::CoseMac0::decode(data);
    if let Ok(c) = PsaClaims::decode(data) {
        assert_eq!(
            PsaClaims::decode(&c.to_vec()).ok().as_ref(),
            Some(&c),
            "encode then decode is the identity"
        );
    }
    let f = PsaFormat::new(PsaPolicy::new(vec![
        PsaIak {
            name: "es".into(),
            instance_id: None,
            key: PsaKey::Spki(TFM_ES_IAK_SPKI.to_vec()),
        },
        PsaIak {
            name: "hs".into(),
            instance_id: None,
            key: PsaKey::Hmac(
                include_bytes!("../../seat-verify/tests/data/psa/tfm-hs-iak.bin")
                    .to_vec()
                    .into(),
            ),
        },
    ]));
    let _ = f.verify_token(data, default_provider());
}

/// AWS Nitro Enclaves documents (`seat_verify::nitro`, feature `nitro`): the document map
/// decoder and the whole verification (COSE, chain, signature) never panic.
pub fn nitro_document(data: &[u8]) {
    use seat_verify::nitro::{NitroDocument, NitroFormat, NitroPolicy};
    let _ = NitroDocument::decode(data);
    let f = NitroFormat::aws(NitroPolicy::default());
    let _ = f.verify_document(data, 1_736_179_625, default_provider());
}

/// Arm CCA tokens (`seat_verify::cca`, feature `cca`): the collection, platform-claims and
/// realm-claims decoders and the whole verification under ccatoken's test CPAK never panic; a
/// decoded collection re-decodes from its own encoding to the same tokens.
pub fn cca_token(data: &[u8]) {
    use seat_evidence::cca::{CcaPlatformClaims, CcaRealmClaims, CcaToken};
    use seat_verify::cca::{CcaCpak, CcaFormat, CcaPolicy};
    if let Ok(t) = CcaToken::decode(data) {
        assert_eq!(
            CcaToken::decode(&t.to_vec()).ok().as_ref(),
            Some(&t),
            "encode then decode is the identity"
        );
    }
    let _ = CcaPlatformClaims::decode(data);
    let _ = CcaRealmClaims::decode(data);
    let f = CcaFormat::new(CcaPolicy::new(vec![CcaCpak {
        anchor: seat_verify::TrustAnchor {
            name: "ta-tfa".into(),
            spki: CCATOKEN_TFA_CPAK_SPKI.to_vec(),
        },
        instance_id: None,
    }]));
    let _ = f.verify_token(data, default_provider());
}

/// The P-384 CPAK of ccatoken's `testdata/ta-tfa.json` as a DER SPKI (RFC 5480 prefix, then
/// the uncompressed point of the JWK's `x` and `y`).
const CCATOKEN_TFA_CPAK_SPKI: [u8; 120] = [
    0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b,
    0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00, 0x04, 0x21, 0x28, 0x67, 0xc5, 0x2e, 0x2b, 0x95, 0x08,
    0xb0, 0xa4, 0x20, 0xa9, 0x05, 0x60, 0xf3, 0x94, 0xd2, 0xdf, 0xaa, 0x21, 0xbd, 0xd7, 0x51, 0x4f,
    0xf1, 0xa9, 0x01, 0xaf, 0xe7, 0xe1, 0xf7, 0x8b, 0xb1, 0x1d, 0x4e, 0x66, 0xf8, 0xa8, 0xa3, 0x8a,
    0xfa, 0x76, 0xaf, 0x6a, 0x31, 0xc4, 0xde, 0x8c, 0x84, 0xce, 0x2d, 0xaf, 0xc9, 0x96, 0x42, 0x58,
    0xb5, 0x3f, 0xad, 0x71, 0x87, 0x74, 0xf4, 0x56, 0x20, 0xd1, 0x11, 0xb1, 0x76, 0xe8, 0x31, 0x8e,
    0x11, 0x87, 0xdb, 0x02, 0x35, 0xa3, 0x18, 0xd3, 0x7b, 0xa5, 0x97, 0xfe, 0xe8, 0x0e, 0x0e, 0x4c,
    0x76, 0x2a, 0x12, 0xbc, 0xb3, 0xea, 0x6e, 0xd4,
];
