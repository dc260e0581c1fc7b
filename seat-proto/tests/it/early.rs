//! Early attestation negotiation (draft-fossati-seat-early-attestation sections 4 to 7), driven
//! with recorded handshake messages: the RFC 8448 section 3 and section 5 ClientHello and
//! ServerHello (from the external early-binder vectors), with the `remoteAttestation`
//! extensions a faulty peer would send fed in as received. Each bad input aborts with the
//! alert the digest names (section 2.6 and the tables of section 4).

use seat_binding::binder::early_binder_from_messages;
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::{HashAlgorithm, default_provider};
use seat_proto::codepoints::{AlertDescription, CodePoints, HandshakeType};
use seat_proto::hooks::{Rejection, Stage};
use seat_proto::negotiation::{
    Action, ClientConfig, ClientNegotiation, Event, Fallback, Input, ServerConfig,
    ServerNegotiation,
};
use seat_proto::remote_attestation::{
    AttestationScheme, CmwPayload, EvidenceType, MediaType, RemoteAttestation,
    RemoteAttestationOffer, VerifierIdentity,
};
use seat_proto::{ApiMisuse, AttestationError, Error, PeerIncompatible, PeerMisbehaved};
use serde_json::Value;

fn vector(name: &str) -> Value {
    let text = match name {
        "s3" => include_str!(
            "../../../seat-conformance/vectors/external/early-binder/rfc8448-s3-server-binder.json"
        ),
        "s5" => include_str!(
            "../../../seat-conformance/vectors/external/early-binder/rfc8448-s5-hrr-server-binder.json"
        ),
        "ext" => include_str!(
            "../../../seat-conformance/vectors/external/early-extension/client-hello-both-lists.json"
        ),
        other => panic!("no vector {other}"),
    };
    serde_json::from_str(text).unwrap()
}

fn hex_field(v: &Value, name: &str) -> Vec<u8> {
    hex::decode(v[name].as_str().unwrap()).unwrap()
}

fn transcript(v: &Value) -> Vec<Vec<u8>> {
    v["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| hex::decode(m.as_str().unwrap()).unwrap())
        .collect()
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend_from_slice(&[0x81, n as u8]);
    } else {
        out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(content);
    out
}

/// A structurally valid X.509 v1 certificate around `spki` (strict DER: serial,
/// ecdsa-with-SHA256, empty issuer and subject names, a validity, an empty signature), so that
/// a vector's bare SPKI can go through the machine's certificate path (only the SPKI is read
/// from it, but the certificate must parse).
pub(crate) fn certificate_around(spki: &[u8]) -> Vec<u8> {
    let alg = der(
        0x30,
        &der(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]),
    );
    let validity = der(
        0x30,
        &[der(0x17, b"250101000000Z"), der(0x17, b"350101000000Z")].concat(),
    );
    let mut tbs = der(0x02, &[1]);
    tbs.extend_from_slice(&alg);
    tbs.extend(der(0x30, &[]));
    tbs.extend(validity);
    tbs.extend(der(0x30, &[]));
    tbs.extend_from_slice(spki);
    let mut cert = der(0x30, &tbs);
    cert.extend_from_slice(&alg);
    cert.extend(der(0x03, &[0]));
    der(0x30, &cert)
}

fn cf(v: u16) -> AttestationScheme {
    AttestationScheme::Evidence(EvidenceType::ContentFormat(v))
}

fn media(s: &str) -> AttestationScheme {
    AttestationScheme::Evidence(EvidenceType::MediaType(
        MediaType::new(s.as_bytes()).unwrap(),
    ))
}

fn verifier(s: &str) -> AttestationScheme {
    AttestationScheme::Result(VerifierIdentity::new(s.as_bytes()).unwrap())
}

fn drain_client(m: &mut ClientNegotiation) -> Vec<Action> {
    std::iter::from_fn(|| m.poll_action()).collect()
}

fn drain_server(m: &mut ServerNegotiation) -> Vec<Action> {
    std::iter::from_fn(|| m.poll_action()).collect()
}

fn failed(actions: &[Action]) -> Option<(Error, AlertDescription)> {
    failed_with(actions, &CodePoints::DEFAULT)
}

/// The fatal error among `actions`, with the alert it calls for under `cp`.
fn failed_with(actions: &[Action], cp: &CodePoints) -> Option<(Error, AlertDescription)> {
    actions.iter().find_map(|a| match a {
        Action::Event(Event::Failed { error }) => Some((error.clone(), error.alert(cp))),
        _ => None,
    })
}

fn offer_data(server: Vec<AttestationScheme>, client: Vec<AttestationScheme>) -> Vec<u8> {
    RemoteAttestation::ClientHello(RemoteAttestationOffer::new(server, client).unwrap()).to_data()
}

/// A handshake message this side sent (`sent`) or received.
fn message(sent: bool, bytes: &[u8]) -> Input {
    Input::Message {
        sent,
        bytes: bytes.to_vec(),
    }
}

/// Has the client build its ClientHello, then feeds it the recorded ClientHello (sent) and
/// ServerHello (received); returns what building the ClientHello produced.
fn client_hellos(m: &mut ClientNegotiation, msgs: &[Vec<u8>]) -> Vec<Action> {
    let _ = m.handle(Input::Build {
        message: HandshakeType::CLIENT_HELLO,
        entry: None,
    });
    let built = drain_client(m);
    let _ = m.handle(message(true, &msgs[0]));
    let _ = m.handle(message(false, &msgs[1]));
    built
}

/// Feeds the server the recorded ClientHello carrying the extension `offer`, then the
/// ServerHello it sent.
fn server_hellos(s: &mut ServerNegotiation, msgs: &[Vec<u8>], offer: Vec<u8>) {
    let _ = s.handle(message(false, &msgs[0]));
    let _ = s.handle(Input::Extension {
        message: HandshakeType::CLIENT_HELLO,
        data: offer,
        entry: None,
    });
    let _ = s.handle(message(true, &msgs[1]));
}

/// A client that offered `[cf 64999]` for the server and `[cf 60]` for itself and has seen
/// the recorded ClientHello and ServerHello.
fn client_after_hello() -> ClientNegotiation {
    let v = vector("s3");
    let msgs = transcript(&v);
    let mut m = ClientNegotiation::new(ClientConfig::new(vec![cf(64999)], vec![cf(60)]));
    assert!(matches!(
        &client_hellos(&mut m, &msgs)[..],
        [Action::Extension { .. }]
    ));
    assert!(drain_client(&mut m).is_empty());
    m
}

fn ee(m: &mut ClientNegotiation, scheme: AttestationScheme) -> Vec<Action> {
    let _ = m.handle(Input::Extension {
        message: HandshakeType::ENCRYPTED_EXTENSIONS,
        data: RemoteAttestation::EncryptedExtensions(scheme).to_data(),
        entry: None,
    });
    drain_client(m)
}

fn cmw_data(cmw: &[u8]) -> Vec<u8> {
    RemoteAttestation::Certificate(CmwPayload::new(cmw.to_vec()).unwrap()).to_data()
}

#[test]
fn section_4_1_unsolicited_extension_in_encrypted_extensions_is_unsupported_extension() {
    let v = vector("s3");
    let msgs = transcript(&v);
    // The client offered nothing (both lists empty in its configuration: no extension sent).
    let mut m = ClientNegotiation::new(ClientConfig::new(vec![], vec![]));
    assert!(client_hellos(&mut m, &msgs).is_empty());
    let (err, alert) = failed(&ee(&mut m, cf(64999))).unwrap();
    assert_eq!(alert, AlertDescription::UNSUPPORTED_EXTENSION);
    assert!(matches!(
        err,
        Error::PeerMisbehaved(PeerMisbehaved::UnsolicitedExtension(_))
    ));
    // Terminal: the same error again.
    let again = m.handle(Input::PeerCertificateEnd).unwrap_err();
    assert_eq!(again.alert(&CodePoints::DEFAULT), alert);
    assert_eq!(again, err);
}

#[test]
fn section_4_1_chosen_scheme_not_offered_is_illegal_parameter() {
    let mut m = client_after_hello();
    let (err, alert) = failed(&ee(&mut m, cf(1))).unwrap();
    assert_eq!(alert, AlertDescription::ILLEGAL_PARAMETER);
    assert_eq!(err, Error::PeerMisbehaved(PeerMisbehaved::SchemeNotOffered));
    // A client scheme chosen from the server list is also not offered.
    let mut m = client_after_hello();
    let _ = m.handle(Input::Extension {
        message: HandshakeType::CERTIFICATE_REQUEST,
        data: RemoteAttestation::CertificateRequest(cf(64999)).to_data(),
        entry: None,
    });
    assert_eq!(
        failed(&drain_client(&mut m)).unwrap().1,
        AlertDescription::ILLEGAL_PARAMETER
    );
}

#[test]
fn section_4_2_both_lists_empty_is_unsupported_attestation_schemes() {
    let cp = CodePoints::DEFAULT;
    let mut m = ServerNegotiation::new(ServerConfig::new(vec![cf(64999)], vec![]));
    let _ = m.handle(Input::Message {
        sent: false,
        bytes: transcript(&vector("s3"))[0].clone(),
    });
    let _ = m.handle(Input::Extension {
        message: HandshakeType::CLIENT_HELLO,
        data: vec![0, 0, 0, 0],
        entry: None,
    });
    let (err, alert) = failed(&drain_server(&mut m)).unwrap();
    assert_eq!(alert, cp.unsupported_attestation_schemes());
    assert_eq!(alert, AlertDescription(224));
    assert_eq!(
        err,
        Error::PeerIncompatible(PeerIncompatible::EmptyAttestationOffer)
    );
}

#[test]
fn section_4_2_no_common_scheme_strict_and_lenient() {
    let data = offer_data(vec![cf(1)], vec![]);
    let mut strict = ServerNegotiation::new(ServerConfig::new(vec![cf(64999)], vec![]));
    let _ = strict.handle(Input::Extension {
        message: HandshakeType::CLIENT_HELLO,
        data: data.clone(),
        entry: None,
    });
    assert_eq!(
        failed(&drain_server(&mut strict)).unwrap().1,
        CodePoints::DEFAULT.unsupported_attestation_schemes()
    );
    let mut config = ServerConfig::new(vec![cf(64999)], vec![]);
    config.fallback = Fallback::Lenient;
    let mut lenient = ServerNegotiation::new(config);
    let _ = lenient.handle(Input::Extension {
        message: HandshakeType::CLIENT_HELLO,
        data,
        entry: None,
    });
    assert!(failed(&drain_server(&mut lenient)).is_none());
    let _ = lenient.handle(Input::Build {
        message: HandshakeType::ENCRYPTED_EXTENSIONS,
        entry: None,
    });
    assert!(
        drain_server(&mut lenient).is_empty(),
        "lenient omits the extension"
    );
}

#[test]
fn section_4_1_client_requiring_server_attestation_sends_attestation_required() {
    let v = vector("s3");
    let msgs = transcript(&v);
    let mut config = ClientConfig::new(vec![cf(64999)], vec![]);
    config.require_server_attestation = true;
    let mut m = ClientNegotiation::new(config);
    client_hellos(&mut m, &msgs);
    // EncryptedExtensions without remoteAttestation, then the server's Certificate.
    let _ = m.handle(Input::Message {
        sent: false,
        bytes: vec![8, 0, 0, 2, 0, 0],
    });
    let _ = m.handle(Input::Message {
        sent: false,
        bytes: vec![11, 0, 0, 0],
    });
    let (err, alert) = failed(&drain_client(&mut m)).unwrap();
    assert_eq!(alert, CodePoints::DEFAULT.attestation_required());
    assert_eq!(err, Error::Attestation(AttestationError::Unavailable));
}

#[test]
fn section_2_1_cmw_on_a_non_first_entry_is_illegal_parameter() {
    let v = vector("s3");
    let mut m = client_after_hello();
    assert!(failed(&ee(&mut m, cf(64999))).is_none());
    let cert = certificate_around(&hex_field(&v, "spki"));
    let _ = m.handle(Input::Extension {
        message: HandshakeType::CERTIFICATE,
        data: cmw_data(b"cmw"),
        entry: Some((1, cert)),
    });
    let (err, alert) = failed(&drain_client(&mut m)).unwrap();
    assert_eq!(alert, AlertDescription::ILLEGAL_PARAMETER);
    assert_eq!(
        err,
        Error::PeerMisbehaved(PeerMisbehaved::AttestationNotOnFirstEntry)
    );
}

#[test]
fn section_4_1_cmw_absent_when_a_scheme_was_chosen_is_attestation_failed() {
    let mut m = client_after_hello();
    assert!(failed(&ee(&mut m, cf(64999))).is_none());
    // The server's Certificate ends without remoteAttestation in its first entry.
    let _ = m.handle(Input::PeerCertificateEnd);
    let (err, alert) = failed(&drain_client(&mut m)).unwrap();
    assert_eq!(alert, CodePoints::DEFAULT.attestation_failed());
    assert_eq!(err, Error::PeerMisbehaved(PeerMisbehaved::CmwMissing));
    // The server side: the client's Certificate without CMW, seen at its CertificateVerify.
    let v = vector("s3");
    let msgs = transcript(&v);
    let mut s = ServerNegotiation::new(ServerConfig::new(vec![], vec![cf(60)]));
    server_hellos(&mut s, &msgs, offer_data(vec![], vec![cf(60)]));
    drain_server(&mut s);
    let _ = s.handle(Input::Message {
        sent: false,
        bytes: vec![15, 0, 0, 0],
    });
    assert_eq!(
        failed(&drain_server(&mut s)).unwrap().1,
        CodePoints::DEFAULT.attestation_failed()
    );
}

#[test]
fn section_4_4_binder_mismatch_is_attestation_failed() {
    let v = vector("s3");
    let mut m = client_after_hello();
    ee(&mut m, cf(64999));
    let cert = certificate_around(&hex_field(&v, "spki"));
    let _ = m.handle(Input::Extension {
        message: HandshakeType::CERTIFICATE,
        data: cmw_data(&[0x42; 32]),
        entry: Some((0, cert)),
    });
    let actions = drain_client(&mut m);
    let [Action::Appraise { cmw, binder, .. }] = &actions[..] else {
        panic!("{actions:?}")
    };
    // The relying party recomputes the binder from its own transcript: the vector's.
    assert_eq!(binder, &hex_field(&v, "binder"));
    // A Verifier comparing the Evidence's nonce with it rejects the tampered one.
    let verdict = if cmw == binder {
        Ok(())
    } else {
        Err(Rejection::new(
            Stage::Other,
            "nonce does not match the binder",
        ))
    };
    let _ = m.handle(Input::Verdict(verdict));
    let (err, alert) = failed(&drain_client(&mut m)).unwrap();
    assert_eq!(alert, CodePoints::DEFAULT.attestation_failed());
    assert_eq!(
        err,
        Error::Attestation(AttestationError::Rejected(
            seat_proto::hooks::Rejection::new(
                seat_proto::hooks::Stage::Other,
                "nonce does not match the binder"
            )
        ))
    );
}

/// Drives a server through a recorded transcript (with HelloRetryRequest when there are four
/// messages) and returns the binder it asks its Attester to bind to.
fn server_binder(v: &Value, second_offer: Option<Vec<u8>>) -> Result<Vec<u8>, AlertDescription> {
    let msgs = transcript(v);
    let offer = offer_data(vec![cf(64999)], vec![]);
    let mut s = ServerNegotiation::new(ServerConfig::new(vec![cf(64999)], vec![]));
    for (i, msg) in msgs.iter().enumerate() {
        let sent = i % 2 == 1;
        let _ = s.handle(Input::Message {
            sent,
            bytes: msg.clone(),
        });
        if !sent {
            let data = if i == 0 {
                offer.clone()
            } else {
                second_offer.clone().unwrap_or_else(|| offer.clone())
            };
            let _ = s.handle(Input::Extension {
                message: HandshakeType::CLIENT_HELLO,
                data,
                entry: None,
            });
        }
        if let Some((_, alert)) = failed(&drain_server(&mut s)) {
            return Err(alert);
        }
    }
    let _ = s.handle(Input::Build {
        message: HandshakeType::ENCRYPTED_EXTENSIONS,
        entry: None,
    });
    assert!(matches!(
        &drain_server(&mut s)[..],
        [Action::Extension { .. }]
    ));
    let _ = s.handle(Input::Build {
        message: HandshakeType::CERTIFICATE,
        entry: Some((0, certificate_around(&hex_field(v, "spki")))),
    });
    let actions = drain_server(&mut s);
    let [Action::ProduceEvidence { binder, .. }] = &actions[..] else {
        panic!("{actions:?}")
    };
    assert_eq!(s.own_binder(), Some(&binder[..]));
    Ok(binder.clone())
}

#[test]
fn section_6_3_external_early_binder_vectors_pass_through_the_machine() {
    for name in ["s3", "s5"] {
        let v = vector(name);
        assert_eq!(v["hrr_reading"], seat_proto::negotiation::HRR_READING);
        let binder = server_binder(&v, None).unwrap();
        assert_eq!(binder, hex_field(&v, "binder"), "{name}");
        // And seat-binding's function on the same recorded messages agrees.
        let msgs = transcript(&v);
        let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
        let b = early_binder_from_messages(
            default_provider(),
            HashAlgorithm::Sha256,
            Protocol::Tls13,
            &refs,
            &hex_field(&v, "spki"),
        )
        .unwrap();
        assert_eq!(b.binder.as_bytes(), binder.as_slice());
        assert_eq!(
            b.attest_base.as_bytes(),
            hex_field(&v, "attest_base").as_slice()
        );
    }
}

#[test]
fn section_6_3_dtls_label_changes_the_binder() {
    let v = vector("s3");
    let msgs = transcript(&v);
    let mut config = ServerConfig::new(vec![cf(64999)], vec![]);
    config.protocol = Protocol::Dtls13;
    let mut s = ServerNegotiation::new(config);
    server_hellos(&mut s, &msgs, offer_data(vec![cf(64999)], vec![]));
    drain_server(&mut s);
    let _ = s.handle(Input::Build {
        message: HandshakeType::CERTIFICATE,
        entry: Some((0, certificate_around(&hex_field(&v, "spki")))),
    });
    let actions = drain_server(&mut s);
    let [Action::ProduceEvidence { binder, .. }] = &actions[..] else {
        panic!("{actions:?}")
    };
    assert_ne!(binder, &hex_field(&v, "binder"));
    let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
    let dtls = early_binder_from_messages(
        default_provider(),
        HashAlgorithm::Sha256,
        Protocol::Dtls13,
        &refs,
        &hex_field(&v, "spki"),
    )
    .unwrap();
    assert_eq!(dtls.binder.as_bytes(), binder.as_slice());
}

#[test]
fn rfc8446_4_1_2_second_client_hello_with_another_offer_is_illegal_parameter() {
    let v = vector("s5");
    let changed = offer_data(vec![cf(64999), cf(1)], vec![]);
    assert_eq!(
        server_binder(&v, Some(changed)),
        Err(AlertDescription::ILLEGAL_PARAMETER)
    );
}

#[test]
fn early_extension_vector_passes_through_both_machines() {
    let v = vector("ext");
    let data = hex_field(&v, "extension_data");
    assert_eq!(
        v["codepoint"],
        u64::from(CodePoints::DEFAULT.remote_attestation().0)
    );
    // The client builds exactly these bytes from the same lists.
    let server_list = vec![media("application/eat+cwt"), verifier("verifier.example")];
    let client_list = vec![cf(64999)];
    let mut c = ClientNegotiation::new(ClientConfig::new(server_list, client_list));
    let _ = c.handle(Input::Build {
        message: HandshakeType::CLIENT_HELLO,
        entry: None,
    });
    let actions = drain_client(&mut c);
    assert_eq!(
        actions,
        vec![Action::Extension {
            message: HandshakeType::CLIENT_HELLO,
            data: data.clone()
        }]
    );
    // A server accepting the second server scheme and the client scheme picks them (A14:
    // first acceptable in the client's order).
    let mut s = ServerNegotiation::new(ServerConfig::new(
        vec![verifier("verifier.example"), media("application/eat+cwt")],
        vec![cf(64999)],
    ));
    let _ = s.handle(Input::Extension {
        message: HandshakeType::CLIENT_HELLO,
        data,
        entry: None,
    });
    assert_eq!(
        drain_server(&mut s),
        vec![Action::Event(Event::Negotiated {
            server: Some(media("application/eat+cwt")),
            client: Some(cf(64999)),
        })]
    );
    let _ = s.handle(Input::Build {
        message: HandshakeType::CERTIFICATE_REQUEST,
        entry: None,
    });
    assert_eq!(
        drain_server(&mut s),
        vec![Action::Extension {
            message: HandshakeType::CERTIFICATE_REQUEST,
            data: vec![0, 0, 0xfd, 0xe7],
        }]
    );
}

#[test]
fn truncated_offer_is_decode_error() {
    let mut s = ServerNegotiation::new(ServerConfig::new(vec![cf(64999)], vec![]));
    let _ = s.handle(Input::Extension {
        message: HandshakeType::CLIENT_HELLO,
        data: vec![0, 4, 0, 0],
        entry: None,
    });
    assert_eq!(
        failed(&drain_server(&mut s)).unwrap().1,
        AlertDescription::DECODE_ERROR
    );
}

#[test]
fn rfc8446_4_1_2_second_client_hello_without_the_extension_is_illegal_parameter() {
    let v = vector("s5");
    let msgs = transcript(&v);
    let mut s = ServerNegotiation::new(ServerConfig::new(vec![cf(64999)], vec![]));
    server_hellos(&mut s, &msgs, offer_data(vec![cf(64999)], vec![]));
    // ClientHello2 arrives without remoteAttestation: no extension input.
    let _ = s.handle(message(false, &msgs[2]));
    assert!(failed(&drain_server(&mut s)).is_none());
    let _ = s.handle(message(true, &msgs[3]));
    let (err, alert) = failed(&drain_server(&mut s)).unwrap();
    assert_eq!(alert, AlertDescription::ILLEGAL_PARAMETER);
    assert_eq!(
        err,
        Error::PeerMisbehaved(PeerMisbehaved::AttestationOfferChanged)
    );
}

#[test]
fn own_certificate_that_does_not_parse_is_the_callers_fault_not_the_peers() {
    let v = vector("s3");
    let msgs = transcript(&v);
    let mut s = ServerNegotiation::new(ServerConfig::new(vec![cf(64999)], vec![]));
    server_hellos(&mut s, &msgs, offer_data(vec![cf(64999)], vec![]));
    drain_server(&mut s);
    let build = |der: Vec<u8>| Input::Build {
        message: HandshakeType::CERTIFICATE,
        entry: Some((0, der)),
    };
    assert_eq!(
        s.handle(build(vec![0x30, 0x03, 0x02, 0x01, 0x00])),
        Err(Error::ApiMisuse(ApiMisuse::BadCredential))
    );
    // Not fatal: the caller may build with its real certificate.
    assert!(s.error().is_none());
    assert!(drain_server(&mut s).is_empty());
    s.handle(build(certificate_around(&hex_field(&v, "spki"))))
        .unwrap();
    assert!(matches!(
        &drain_server(&mut s)[..],
        [Action::ProduceEvidence { .. }]
    ));
}
