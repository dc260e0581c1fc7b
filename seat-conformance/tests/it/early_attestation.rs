//! draft-fossati-seat-early-attestation (EA-05 and later), as the early-attestation digest
//! numbers it: the `remoteAttestation` wire forms and their placement and cardinality
//! (section 2.1), the alerts (section 2.6), the negotiation of the client and server machines
//! (sections 3 and 4) and the attestation binder (section 6.3) with the HelloRetryRequest
//! reading of ambiguity A1 and the DTLS prefix of ambiguity A2. One test per rule, named by
//! section, driven through `seat_proto::negotiation` with recorded RFC 8448 handshakes.
//!
//! Known answers: the digest's illustrative encodings (section 2.1) and binders computed on
//! RFC 8448 (sections 8.2 to 8.6), independently of this project.

#![allow(clippy::indexing_slicing)]

use seat_binding::binder::{early_binder, early_binder_from_messages};
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::HashAlgorithm;
use seat_conformance::generate;
use seat_proto::codepoints::{AlertDescription, CodePoints, HandshakeType};
use seat_proto::hooks::{Rejection, Stage};
use seat_proto::negotiation::{
    Action, ClientConfig, ClientNegotiation, Event, Fallback, Input, ServerConfig,
    ServerNegotiation,
};
use seat_proto::remote_attestation::{
    AttestationScheme, EvidenceType, MediaType, RemoteAttestation, VerifierIdentity,
};
use seat_proto::{AttestationError, Error, PeerIncompatible, PeerMisbehaved};
use serde_json::Value;

use super::common::hx;

/// Digest §2.1, the illustrative encodings (`extension_data` only, after type and length).
/// ClientHello: server list [evidence/MEDIA_TYPE "application/eat+cwt", result
/// "verifier.example"], client list [evidence/CONTENT_FORMAT 64999].
const CH_BOTH_LISTS: &str = concat!(
    "002a",
    "00",
    "01",
    "0013",
    "6170706c69636174696f6e2f6561742b637774",
    "01",
    "0010",
    "76657269666965722e6578616d706c65",
    "0004",
    "00",
    "00",
    "fde7",
);
/// EncryptedExtensions: `chosen_server_scheme` = evidence/MEDIA_TYPE "application/eat+cwt".
const EE_MEDIA: &str = "000100136170706c69636174696f6e2f6561742b637774";
/// CertificateRequest: `chosen_client_scheme` = evidence/CONTENT_FORMAT 64999.
const CR_CF: &str = "0000fde7";
/// CertificateEntry[0]: the CMW `[64999, h'2347da55']` with its 3-byte length.
const CT_CMW: &str = "0000098219fde7442347da55";

/// Digest §8.3: the binders of the other three HelloRetryRequest readings on RFC 8448 §5.
const HRR_READING_A: &str = "c0925de586258ed5021a80d3793394b85661448494265305359815cbfa3068f7";
const HRR_READING_B: &str = "79aca76c0b1099464c5a8445e807dffd1ee4fb3112862556d571a9b1fb5e975f";
const HRR_READING_D: &str = "c6906d4f88d98b23c1688987c5120cda5a5e2c23e65b02027a95687eb2e89e1b";

/// Digest §8.6: `s_attest_binder` on the RFC 8448 §3 transcript with the `"dtls13"` prefix.
const DTLS_S3_BINDER: &str = "70d2c0121dbdf9d2e96e60b46148fd07c67a680618d3ad277ab73086a45a83bb";

/// Digest §8.4: RFC 8448 §6 (client authentication) ClientHello, ServerHello and the two
/// end-entity SPKIs, with both binders.
const S6_CLIENT_HELLO: &str = concat!(
    "010000bc03036a472236328b83af40386d3a3e1f1ce624fa4ed89ab865a4ff0f",
    "4144ce3ae2330000061301130313020100008d0000000b000900000673657276",
    "6572ff01000100000a00140012001d0017001800190100010101020103010400",
    "3300260024001d0020089cc2671f738d9a671e5b2e464981d05b76e361aa22ae",
    "a91f1d49ca10a7a362002b0003020304000d0020001e04030503060302030804",
    "0805080604010501060102010402050206020202002d00020101001c00024001",
);
const S6_SERVER_HELLO: &str = concat!(
    "0200005603033b50fdf1c3d572e40e68953e7fff4e2758459c59afa0582c0ea0",
    "32874255fe6e00130100002e00330024001d00206c2e50e865919a6b5a12dfaf",
    "918f92b442567b0f89bc54478c6921366658f062002b00020304",
);
const S6_SERVER_SPKI: &str = concat!(
    "3059301306072a8648ce3d020106082a8648ce3d0301070342000408d5301615",
    "75f4cfe7f154ee3448180086001e88431a79ee62ee6e2f83ef38ba61e9fb37f3",
    "4e007a7df4d2f5b56d1f04ece45d621f468406f5c3a15158948dd0",
);
const S6_CLIENT_SPKI: &str = concat!(
    "30819f300d06092a864886f70d010101050003818d0030818902818100c38175",
    "e004a68d093f823b9c379d201fbc0bb7a1c791905e3fbf76847e44e751ebbcd3",
    "60bd945c81e5222bcc8846d3a8a0f93e9bf5bebabd92edf1de1ff19021703e7a",
    "b6c0901513f97e39b111f09c9348971c7b211984a754cd45fe095af0ea423682",
    "9bccf7a7fe9b2888e78ab477690a5b9e1ccbe91c6a4a0f97a7e0284201020301",
    "0001",
);
const S6_SERVER_BINDER: &str = "8ed6c89062344461630b51f27aaa7619a87b4f98861535e887994416f2349370";
const S6_CLIENT_BINDER: &str = "7a67310b028eaa3974eafea027dc3f41b624cd302463eab9d3e5e9d803f138be";
const S6_ATTEST_BASE: &str = "cc7c97823cc4ff51dfaccbbee374484b1252a9133d9d8fcb42787d3cadcb0bb3";
const S6_SERVER_SPKI_HASH: &str =
    "a5f9dfe68047c2096e9384a3d686c8c484518158d5ed4b2f1a4e68a201344ac1";
const S6_CLIENT_SPKI_HASH: &str =
    "ab8d5571f08d8065fbc985056f55d2c167afa12e54b111ad6db0da9e82033b0e";

/// Digest §8.2, synthetic SHA-384 variant over the RFC 8448 §3 messages.
const S3_SHA384_ATTEST_BASE: &str = "44448ab1bbd544c4f3a0c73625da813111b6e89a82f1040be10fa8ca298ef2a4b85e9fd9bdd0aa3abdd360afeb396681";
const S3_SHA384_BINDER: &str = "b5580ecbb59e7c304bcbcc0e5799f30648df9ea3831355d6532e380448f9a561d2c97f80cee95a8a0798e3ae17052c77";
const S3_SHA384_TH: &str = "53585189fd526863cc1afbe3eecb2ba95ac94ba13e94d41603ce79f074ee1c0ae3879807076c5273a1a880d310208c54";

/// An external early-binder vector (RFC 8448 §3 or §5 messages, digest §8.2/§8.3).
fn vector(name: &str) -> Value {
    let path = super::vectors_dir().join(format!("external/early-binder/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn field(v: &Value, name: &str) -> Vec<u8> {
    hx(v[name].as_str().unwrap())
}

fn transcript(v: &Value) -> Vec<Vec<u8>> {
    v["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| hx(m.as_str().unwrap()))
        .collect()
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let n = content.len();
    let mut out = vec![tag];
    if n < 0x80 {
        out.push(u8::try_from(n).unwrap());
    } else if n < 0x100 {
        out.extend([0x81, u8::try_from(n).unwrap()]);
    } else {
        let [_, _, hi, lo] = u32::try_from(n).unwrap().to_be_bytes();
        out.extend([0x82, hi, lo]);
    }
    out.extend_from_slice(content);
    out
}

/// A structurally minimal certificate around `spki` (only the SPKI is read from it).
fn certificate_around(spki: &[u8]) -> Vec<u8> {
    // A structurally valid X.509 v1 certificate (strict DER: serial, ecdsa-with-SHA256,
    // empty issuer and subject names, a validity, the SPKI, an empty signature): only the
    // SPKI matters to the binder, but the certificate must parse.
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

fn client_config(server: Vec<AttestationScheme>, client: Vec<AttestationScheme>) -> ClientConfig {
    let mut c = ClientConfig::new(server, client);
    c.provider = generate::provider();
    c
}

fn server_config(attest: Vec<AttestationScheme>, accept: Vec<AttestationScheme>) -> ServerConfig {
    let mut c = ServerConfig::new(attest, accept);
    c.provider = generate::provider();
    c
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

fn extension_data(actions: &[Action]) -> Vec<Vec<u8>> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Extension { data, .. } => Some(data.clone()),
            _ => None,
        })
        .collect()
}

fn offer(server: Vec<AttestationScheme>, client: Vec<AttestationScheme>) -> Vec<u8> {
    RemoteAttestation::ClientHello(
        seat_proto::remote_attestation::RemoteAttestationOffer::new(server, client).unwrap(),
    )
    .to_data()
}

fn ext(
    m: &mut ClientNegotiation,
    message: HandshakeType,
    data: Vec<u8>,
    entry: Option<(usize, Vec<u8>)>,
) -> Vec<Action> {
    let _ = m.handle(Input::Extension {
        message,
        data,
        entry,
    });
    drain_client(m)
}

/// Feeds the server `s` the build request for `message` (with `entry` for a Certificate) and
/// returns what it did.
fn build_server(
    s: &mut ServerNegotiation,
    message: HandshakeType,
    entry: Option<(usize, Vec<u8>)>,
) -> Vec<Action> {
    let _ = s.handle(Input::Build { message, entry });
    drain_server(s)
}

/// Hands the server `s` a received `remoteAttestation` and returns what it did.
fn server_ext(
    s: &mut ServerNegotiation,
    message: HandshakeType,
    data: Vec<u8>,
    entry: Option<(usize, Vec<u8>)>,
) -> Vec<Action> {
    let _ = s.handle(Input::Extension {
        message,
        data,
        entry,
    });
    drain_server(s)
}

/// A client of `config` through the RFC 8448 section 3 ClientHello and ServerHello.
fn s3_client(config: ClientConfig) -> ClientNegotiation {
    client_through_hello(config, &transcript(&vector("rfc8448-s3-server-binder")))
}

/// The server chose C-F 64999 for itself in EncryptedExtensions; then its Certificate, a
/// minimal one around `spki`, arrives with the digest's CMW: what the client did.
fn server_attests_with(m: &mut ClientNegotiation, spki: &[u8]) -> Vec<Action> {
    ext(m, HandshakeType::ENCRYPTED_EXTENSIONS, hx("0000fde7"), None);
    ext(
        m,
        HandshakeType::CERTIFICATE,
        hx(CT_CMW),
        Some((0, certificate_around(spki))),
    )
}

/// A client that offered `server`/`client` lists and has seen the handshake `messages` up to
/// ServerHello (CH1, HRR, CH2, SH when there are four).
fn client_through_hello(config: ClientConfig, messages: &[Vec<u8>]) -> ClientNegotiation {
    let mut m = ClientNegotiation::new(config);
    for (i, msg) in messages.iter().enumerate() {
        let sent = i % 2 == 0;
        if sent {
            let _ = m.handle(Input::Build {
                message: HandshakeType::CLIENT_HELLO,
                entry: None,
            });
            assert_eq!(extension_data(&drain_client(&mut m)).len(), 1);
        }
        let _ = m.handle(Input::Message {
            sent,
            bytes: msg.clone(),
        });
        assert!(failed(&drain_client(&mut m)).is_none());
    }
    m
}

/// A server that received `offer_data` in the ClientHello of the two-message `messages`.
fn server_through_hello(
    config: ServerConfig,
    messages: &[Vec<u8>],
    offer_data: Vec<u8>,
) -> (ServerNegotiation, Vec<Action>) {
    let mut s = ServerNegotiation::new(config);
    let _ = s.handle(Input::Message {
        sent: false,
        bytes: messages[0].clone(),
    });
    let _ = s.handle(Input::Extension {
        message: HandshakeType::CLIENT_HELLO,
        data: offer_data,
        entry: None,
    });
    let mut actions = drain_server(&mut s);
    if failed(&actions).is_none() {
        let _ = s.handle(Input::Message {
            sent: true,
            bytes: messages[1].clone(),
        });
        actions.extend(drain_server(&mut s));
    }
    (s, actions)
}

/// EA §4.1 (digest §2.1): the ClientHello carries both preference-ordered lists,
/// `u16 len || schemes` each, schemes concatenated without per-item length. Known answer:
/// the digest's illustrative ClientHello encoding.
#[test]
fn s2_1_client_hello_offer_known_encoding() {
    let mut m = ClientNegotiation::new(client_config(
        vec![media("application/eat+cwt"), verifier("verifier.example")],
        vec![cf(64999)],
    ));
    let _ = m.handle(Input::Build {
        message: HandshakeType::CLIENT_HELLO,
        entry: None,
    });
    let data = extension_data(&drain_client(&mut m));
    assert_eq!(data, vec![hx(CH_BOTH_LISTS)]);
    // The digest writes the whole extension as `ff3a 0032 ...`: 0x32 bytes of data.
    assert_eq!(hx(CH_BOTH_LISTS).len(), 0x32);
}

/// EA §4.1 and §6-7 (digest §2.1, ambiguity A14): EncryptedExtensions carries exactly one
/// `chosen_server_scheme` and CertificateRequest one `chosen_client_scheme`, no list length;
/// the server picks the first scheme in the client's order that it accepts.
#[test]
fn s2_1_server_choices_are_single_schemes_first_in_client_order() {
    let v = vector("rfc8448-s3-server-binder");
    let msgs = transcript(&v);
    let client_offer = offer(
        vec![media("application/eat+cwt"), verifier("verifier.example")],
        vec![cf(60), cf(64999)],
    );
    // The server accepts both server schemes but lists them the other way round.
    let (mut s, actions) = server_through_hello(
        server_config(
            vec![verifier("verifier.example"), media("application/eat+cwt")],
            vec![cf(64999), cf(60)],
        ),
        &msgs,
        client_offer,
    );
    assert!(failed(&actions).is_none(), "{actions:?}");
    assert_eq!(
        s.chosen_server_scheme(),
        Some(&media("application/eat+cwt"))
    );
    assert_eq!(s.chosen_client_scheme(), Some(&cf(60)));
    assert_eq!(
        extension_data(&build_server(
            &mut s,
            HandshakeType::ENCRYPTED_EXTENSIONS,
            None
        )),
        vec![hx(EE_MEDIA)]
    );
    // The digest's CertificateRequest form, for a server that accepts only 64999.
    let (mut s, _) = server_through_hello(
        server_config(vec![], vec![cf(64999)]),
        &msgs,
        offer(vec![], vec![cf(60), cf(64999)]),
    );
    assert_eq!(
        extension_data(&build_server(
            &mut s,
            HandshakeType::CERTIFICATE_REQUEST,
            None
        )),
        vec![hx(CR_CF)]
    );
}

/// EA §4.1 (digest §2.1): the CMW travels in the first CertificateEntry only, as
/// `u24 len || cmw`. Known answer: the digest's CertificateEntry[0] encoding.
#[test]
fn s2_1_certificate_entry_carries_the_cmw_on_the_first_entry_only() {
    let v = vector("rfc8448-s3-server-binder");
    let msgs = transcript(&v);
    let (mut s, _) = server_through_hello(
        server_config(vec![cf(64999)], vec![]),
        &msgs,
        offer(vec![cf(64999)], vec![]),
    );
    let cert = certificate_around(&field(&v, "spki"));
    assert!(
        build_server(&mut s, HandshakeType::CERTIFICATE, Some((1, cert.clone()))).is_empty(),
        "nothing for a second entry"
    );
    let actions = build_server(&mut s, HandshakeType::CERTIFICATE, Some((0, cert)));
    assert!(
        matches!(&actions[..], [Action::ProduceEvidence { .. }]),
        "{actions:?}"
    );
    let _ = s.handle(Input::Evidence(Some(hx("8219fde7442347da55"))));
    assert_eq!(extension_data(&drain_server(&mut s)), vec![hx(CT_CMW)]);
}

/// EA §6 (digest §2.6, §4.2): a ClientHello `remoteAttestation` with both lists empty is
/// fatal with `unsupported_attestation_schemes`; the alert's value is configuration (TBD,
/// ambiguity A17).
#[test]
fn s2_6_both_lists_empty_is_unsupported_attestation_schemes() {
    let v = vector("rfc8448-s3-server-binder");
    let msgs = transcript(&v);
    let mut config = server_config(vec![cf(64999)], vec![cf(60)]);
    config.code_points = CodePoints::DEFAULT
        .with_alerts(
            AlertDescription(240),
            AlertDescription(241),
            AlertDescription(242),
        )
        .unwrap();
    // The digest's `ff3a 0004 0000 0000`.
    let cp = config.code_points;
    let (_, actions) = server_through_hello(config, &msgs, hx("00000000"));
    assert_eq!(
        failed_with(&actions, &cp),
        Some((
            Error::PeerIncompatible(PeerIncompatible::EmptyAttestationOffer),
            AlertDescription(240)
        ))
    );
}

/// EA §6 (digest §4.2, ambiguity A11): a server that supports early attestation but shares
/// no scheme aborts with `unsupported_attestation_schemes` when strict; when lenient it omits
/// the extension and continues.
#[test]
fn s4_2_no_common_scheme_strict_and_lenient() {
    let v = vector("rfc8448-s3-server-binder");
    let msgs = transcript(&v);
    let (_, actions) = server_through_hello(
        server_config(vec![cf(1)], vec![]),
        &msgs,
        offer(vec![cf(64999)], vec![]),
    );
    assert_eq!(
        failed(&actions),
        Some((
            Error::PeerIncompatible(PeerIncompatible::NoCommonAttestationScheme),
            CodePoints::DEFAULT.unsupported_attestation_schemes()
        ))
    );
    let mut lenient = server_config(vec![cf(1)], vec![]);
    lenient.fallback = Fallback::Lenient;
    let (mut s, actions) = server_through_hello(lenient, &msgs, offer(vec![cf(64999)], vec![]));
    assert!(failed(&actions).is_none());
    assert!(
        extension_data(&build_server(
            &mut s,
            HandshakeType::ENCRYPTED_EXTENSIONS,
            None
        ))
        .is_empty()
    );
}

/// EA §4.1 (digest §2.1 table): `remoteAttestation` on any CertificateEntry but the first is
/// fatal with illegal_parameter; here the server receiving the client's Certificate.
#[test]
fn s2_1_remote_attestation_on_a_later_client_entry_is_illegal_parameter() {
    let v = vector("rfc8448-s3-server-binder");
    let msgs = transcript(&v);
    let (mut s, _) = server_through_hello(
        server_config(vec![], vec![cf(60)]),
        &msgs,
        offer(vec![], vec![cf(60)]),
    );
    let actions = server_ext(
        &mut s,
        HandshakeType::CERTIFICATE,
        hx(CT_CMW),
        Some((1, certificate_around(&hx(S6_CLIENT_SPKI)))),
    );
    assert_eq!(
        failed(&actions),
        Some((
            Error::PeerMisbehaved(PeerMisbehaved::AttestationNotOnFirstEntry),
            AlertDescription::ILLEGAL_PARAMETER
        ))
    );
}

/// EA §4.1 (digest §2.1 table and §4.1, WAIT_CERT): the server's Certificate carries the
/// CMW iff a `chosen_server_scheme` was sent; one without a chosen scheme is fatal with
/// illegal_parameter (the ClientHello did offer the extension, so it is not unsolicited in
/// the RFC 8446 §4.2 sense).
#[test]
fn s2_1_cmw_in_the_certificate_without_a_chosen_scheme_is_illegal_parameter() {
    let v = vector("rfc8448-s3-server-binder");
    let mut m = s3_client(client_config(vec![cf(64999)], vec![]));
    // EncryptedExtensions came without remoteAttestation: the server declined.
    let actions = ext(
        &mut m,
        HandshakeType::CERTIFICATE,
        hx(CT_CMW),
        Some((0, certificate_around(&field(&v, "spki")))),
    );
    assert_eq!(
        failed(&actions).map(|f| f.1),
        Some(AlertDescription::ILLEGAL_PARAMETER),
        "{actions:?}"
    );
}

/// RFC 8446 §4.2 (digest §2.6): a recognised extension in a message it is not defined for
/// (`remoteAttestation` lives in CH, EE, CR and CT only) is fatal with illegal_parameter;
/// here in a ServerHello after the client offered it.
#[test]
fn s2_6_remote_attestation_in_server_hello_is_illegal_parameter() {
    let mut m = s3_client(client_config(vec![cf(64999)], vec![]));
    let actions = ext(&mut m, HandshakeType::SERVER_HELLO, hx("0000fde7"), None);
    assert_eq!(
        failed(&actions).map(|f| f.1),
        Some(AlertDescription::ILLEGAL_PARAMETER),
        "{actions:?}"
    );
}

/// RFC 8446 §4.2 with EA §4.1 (digest §3 F7): a `remoteAttestation` response the client did
/// not solicit (a CertificateRequest choice when it offered no client schemes) is
/// unsupported_extension.
#[test]
fn s3_f7_unsolicited_choice_is_unsupported_extension() {
    let mut m = s3_client(client_config(vec![cf(64999)], vec![]));
    let actions = ext(&mut m, HandshakeType::CERTIFICATE_REQUEST, hx(CR_CF), None);
    assert_eq!(
        failed(&actions).map(|f| f.1),
        Some(AlertDescription::UNSUPPORTED_EXTENSION)
    );
}

/// EA §4.1 (digest §4.1, ambiguity A12): a `chosen_client_scheme` that is not in the
/// client's list is illegal_parameter.
#[test]
fn s4_1_chosen_client_scheme_must_have_been_offered() {
    let mut m = s3_client(client_config(vec![], vec![cf(60)]));
    let actions = ext(&mut m, HandshakeType::CERTIFICATE_REQUEST, hx(CR_CF), None);
    assert_eq!(
        failed(&actions),
        Some((
            Error::PeerMisbehaved(PeerMisbehaved::SchemeNotOffered),
            AlertDescription::ILLEGAL_PARAMETER
        ))
    );
}

/// EA §7.4 (digest §4.1): a client whose policy requires attesting itself, when the server's
/// CertificateRequest chose no scheme, aborts with `attestation_required`.
#[test]
fn s4_1_declined_required_role_is_attestation_required() {
    let v = vector("rfc8448-s3-server-binder");
    let mut config = client_config(vec![], vec![cf(60)]);
    config.require_client_attestation = true;
    let mut m = client_through_hello(config, &transcript(&v));
    // EncryptedExtensions, CertificateRequest without remoteAttestation, then Certificate.
    let _ = m.handle(Input::Message {
        sent: false,
        bytes: vec![8, 0, 0, 2, 0, 0],
    });
    let _ = m.handle(Input::Message {
        sent: false,
        bytes: vec![13, 0, 0, 0],
    });
    let _ = m.handle(Input::Message {
        sent: false,
        bytes: vec![11, 0, 0, 0],
    });
    assert_eq!(
        failed(&drain_client(&mut m)),
        Some((
            Error::Attestation(AttestationError::Unavailable),
            CodePoints::DEFAULT.attestation_required()
        ))
    );
}

/// EA §5.1.1 (digest §6.3, §4.4 R1): the relying party recomputes `s_attest_binder` from its
/// own transcript and the SPKI of the first entry, never taking it from the peer; the
/// Verifier compares; acceptance completes, rejection is `attestation_failed`. Known answer:
/// digest §8.2 (RFC 8448 §3).
#[test]
fn s6_3_relying_party_recomputes_the_binder_known_answer() {
    let v = vector("rfc8448-s3-server-binder");
    let spki = field(&v, "spki");
    for accept in [true, false] {
        let mut m = client_through_hello(client_config(vec![cf(64999)], vec![]), &transcript(&v));
        let actions = server_attests_with(&mut m, &spki);
        let [
            Action::Appraise {
                scheme,
                cmw,
                binder,
                spki_hash,
            },
        ] = &actions[..]
        else {
            panic!("{actions:?}")
        };
        assert_eq!(scheme, &cf(64999));
        assert_eq!(cmw, &hx("8219fde7442347da55"));
        assert_eq!(
            binder,
            &hx("37720985669f9f82caa8d63999e882e602dcd90f665d575a43d4f77f7e6ed3e5")
        );
        assert_eq!(
            spki_hash,
            &hx("673a6bdad73de596ce0e2511cbf98a8e1f1df28292ff548452ecad027b3f1457")
        );
        let verdict = if accept {
            Ok(())
        } else {
            Err(Rejection::new(Stage::Other, "nonce differs"))
        };
        let _ = m.handle(Input::Verdict(verdict));
        let _ = m.handle(Input::Message {
            sent: false,
            bytes: vec![15, 0, 0, 0],
        });
        let actions = drain_client(&mut m);
        if accept {
            assert!(failed(&actions).is_none());
            assert!(m.is_complete());
        } else {
            assert_eq!(
                failed(&actions).map(|f| f.1),
                Some(CodePoints::DEFAULT.attestation_failed())
            );
        }
    }
}

/// EA §5.1.1 with ambiguity A1: after a HelloRetryRequest, `th` is the RFC 8446 §4.4.1
/// transcript hash (ClientHello1 replaced by `message_hash`), not any of the three other
/// readings. Known answers: digest §8.3 on RFC 8448 §5.
#[test]
fn s6_3_a1_hello_retry_request_binder_uses_the_message_hash_transcript() {
    let v = vector("rfc8448-s5-hrr-server-binder");
    let msgs = transcript(&v);
    assert_eq!(msgs.len(), 4);
    let mut m = client_through_hello(client_config(vec![cf(64999)], vec![]), &msgs);
    let actions = server_attests_with(&mut m, &field(&v, "spki"));
    let [Action::Appraise { binder, .. }] = &actions[..] else {
        panic!("{actions:?}")
    };
    assert_eq!(
        binder,
        &hx("6e1e85ea063fd4068c0e97b6c94aae89f5ecd612ec2399d1a055457d5605b830")
    );
    for other in [HRR_READING_A, HRR_READING_B, HRR_READING_D] {
        assert_ne!(binder, &hx(other));
    }
    assert_eq!(seat_proto::negotiation::HRR_READING, "rfc8446-4.4.1");
}

/// EA §5.1.1 with ambiguity A2: over DTLS 1.3 every HKDF-Expand-Label of the binder uses
/// the `"dtls13"` prefix (RFC 9147 §5.9). Known answer: digest §8.6 (synthetic, RFC 8448 §3
/// transcript).
#[test]
fn s6_3_a2_dtls_binder_uses_the_dtls13_prefix() {
    let v = vector("rfc8448-s3-server-binder");
    let mut config = client_config(vec![cf(64999)], vec![]);
    config.protocol = Protocol::Dtls13;
    let mut m = client_through_hello(config, &transcript(&v));
    let actions = server_attests_with(&mut m, &field(&v, "spki"));
    let [Action::Appraise { binder, .. }] = &actions[..] else {
        panic!("{actions:?}")
    };
    assert_eq!(binder, &hx(DTLS_S3_BINDER));
    let b = early_binder(
        generate::provider(),
        HashAlgorithm::Sha256,
        Protocol::Dtls13,
        &field(&v, "transcript_hash"),
        &field(&v, "spki"),
    )
    .unwrap();
    assert_eq!(
        b.attest_base.as_bytes(),
        hx("28ef6d7e3bd3e71e42390ee0f65bf37b9ebc8664e833d53f400a9d54a727d6ce")
    );
}

/// EA §5.1.1 (digest §3 F5, §6.3): with mutual attestation both binders derive from the same
/// `attest_base` and differ by the SPKI hashed; the server computes `s_attest_binder` for
/// its own Evidence and expects `c_attest_binder` in the client's. Known answers: digest
/// §8.4 (RFC 8448 §6, client authentication).
#[test]
fn s6_3_mutual_binders_known_answers() {
    let msgs = vec![hx(S6_CLIENT_HELLO), hx(S6_SERVER_HELLO)];
    let (mut s, actions) = server_through_hello(
        server_config(vec![cf(64999)], vec![cf(60)]),
        &msgs,
        offer(vec![cf(64999)], vec![cf(60)]),
    );
    assert!(failed(&actions).is_none(), "{actions:?}");
    let actions = build_server(
        &mut s,
        HandshakeType::CERTIFICATE,
        Some((0, certificate_around(&hx(S6_SERVER_SPKI)))),
    );
    let [
        Action::ProduceEvidence {
            binder, spki_hash, ..
        },
    ] = &actions[..]
    else {
        panic!("{actions:?}")
    };
    assert_eq!(binder, &hx(S6_SERVER_BINDER));
    assert_eq!(spki_hash, &hx(S6_SERVER_SPKI_HASH));
    let _ = s.handle(Input::Evidence(Some(b"server evidence".to_vec())));
    drain_server(&mut s);
    let actions = server_ext(
        &mut s,
        HandshakeType::CERTIFICATE,
        hx(CT_CMW),
        Some((0, certificate_around(&hx(S6_CLIENT_SPKI)))),
    );
    let [
        Action::Appraise {
            binder, spki_hash, ..
        },
    ] = &actions[..]
    else {
        panic!("{actions:?}")
    };
    assert_eq!(binder, &hx(S6_CLIENT_BINDER));
    assert_eq!(spki_hash, &hx(S6_CLIENT_SPKI_HASH));
    assert_eq!(s.own_binder(), Some(&hx(S6_SERVER_BINDER)[..]));
    assert_eq!(s.peer_binder(), Some(&hx(S6_CLIENT_BINDER)[..]));
    let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
    let b = early_binder_from_messages(
        generate::provider(),
        HashAlgorithm::Sha256,
        Protocol::Tls13,
        &refs,
        &hx(S6_CLIENT_SPKI),
    )
    .unwrap();
    assert_eq!(b.attest_base.as_bytes(), hx(S6_ATTEST_BASE));
}

/// EA §5.1.1 (digest §6.3): the binder's hash and length are the suite's: with SHA-384 the
/// zero key, `attest_base` and binder are 48 bytes. Known answer: digest §8.2's synthetic
/// SHA-384 variant.
#[test]
fn s6_3_sha384_binder_is_48_bytes_known_answer() {
    let v = vector("rfc8448-s3-server-binder");
    let b = early_binder(
        generate::provider(),
        HashAlgorithm::Sha384,
        Protocol::Tls13,
        &hx(S3_SHA384_TH),
        &field(&v, "spki"),
    )
    .unwrap();
    assert_eq!(b.attest_base.as_bytes(), hx(S3_SHA384_ATTEST_BASE));
    assert_eq!(b.binder.as_bytes(), hx(S3_SHA384_BINDER));
    let msgs = transcript(&v);
    let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
    let from_messages = early_binder_from_messages(
        generate::provider(),
        HashAlgorithm::Sha384,
        Protocol::Tls13,
        &refs,
        &field(&v, "spki"),
    )
    .unwrap();
    assert_eq!(from_messages.binder.as_bytes(), hx(S3_SHA384_BINDER));
}
