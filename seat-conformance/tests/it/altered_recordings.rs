//! Bad input from altered real recordings: each fault of the early-attestation digest that a
//! real OpenSSL peer cannot produce (OpenSSL never sends an unsolicited extension, never
//! chooses a scheme that was not offered, ...) is put into a committed `early-session`
//! recording (`vectors/early-session/*.json`, real OpenSSL 3 TLS 1.3 handshakes) by altering
//! the recorded message that carries it, re-encoded with seat-proto's codec so that every
//! length is right and only the fault differs. The altered messages are replayed through a
//! fresh negotiation machine of the side that receives the fault, with the runner's own
//! replay (`runner::early_session::replay_side`), and the test asserts the typed error and
//! the alert the digest names (sections 2.1, 2.6, 3 F7/F8, 4.1, 4.2, 4.4, ambiguities A12 and
//! A13). Each test first replays the unaltered recording, which must complete cleanly, so it
//! can fail only because of the alteration.
//!
//! The alert values asserted are the digest's (section 2.6: `illegal_parameter` 47,
//! `unsupported_extension` 110) and DESIGN section 5's defaults for the three new alerts
//! (`unsupported_attestation_schemes` 224, `attestation_failed` 226), written here as
//! numbers, not read from the code under test.

#![allow(clippy::indexing_slicing)]

use seat_binding::provider::{SignatureAlgorithm, default_provider};
use seat_conformance::runner;
use seat_conformance::runner::early_session::{
    Appraisal, Recorded, SideReplay, certificate_entries, recorded_messages, remote_attestation_in,
    replay_side,
};
use seat_evidence::sim::SimulatedTee;
use seat_proto::codec::{Codec, LengthPrefix, Reader, put_vec};
use seat_proto::codepoints::{AlertDescription, CodePoints, ExtensionType, HandshakeType};
use seat_proto::ext::{EntryExtension, EntryExtensions, Extension, ExtensionData};
use seat_proto::hooks::{Rejection, Stage};
use seat_proto::message::{Certificate, CertificateEntry, HandshakeMessage, encode_handshake};
use seat_proto::remote_attestation::{
    AttestationScheme, EvidenceType, MediaType, RemoteAttestation, RemoteAttestationOffer,
    VerifierIdentity,
};
use seat_proto::{AttestationError, Error, PeerIncompatible, PeerMisbehaved};
use seat_verify::embedded::{reference_measurements, tee_config};
use seat_verify::{
    AppraisalRequest, BindingLevel, Reason, ReferenceValues, ResultForm, TrustAnchor, Verifier,
    VerifierPolicy,
};
use serde_json::Value;

/// RFC 8446 section 6 / digest section 2.6.
const ILLEGAL_PARAMETER: u8 = 47;
/// RFC 8446 section 6 / digest section 2.6.
const UNSUPPORTED_EXTENSION: u8 = 110;
/// DESIGN section 5 default for `unsupported_attestation_schemes` (digest section 2.6, TBD1).
const UNSUPPORTED_ATTESTATION_SCHEMES: u8 = 224;
/// DESIGN section 5 default for `attestation_failed` (digest section 2.6, TBD3).
const ATTESTATION_FAILED: u8 = 226;

const CLIENT: bool = true;
const SERVER: bool = false;

// ---------------------------------------------------------------------------------------
// Recordings and replay

fn recording(name: &str) -> Value {
    let path = super::vectors_dir().join(format!("early-session/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The recording's `remoteAttestation` code point (the draft has none; DESIGN section 5).
fn cp(v: &Value) -> ExtensionType {
    ExtensionType(u16::try_from(v["codepoint"].as_u64().unwrap()).unwrap())
}

fn code_points(v: &Value) -> CodePoints {
    CodePoints::default()
        .with_remote_attestation(cp(v))
        .unwrap()
}

/// The index of the `nth` message of type `ty` sent by the client (`from_client`) or server.
fn index_of(messages: &[Recorded], from_client: bool, ty: HandshakeType, nth: usize) -> usize {
    messages
        .iter()
        .enumerate()
        .filter(|(_, m)| m.from_client == from_client && m.bytes.first() == Some(&ty.0))
        .nth(nth)
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("no {ty} number {nth}"))
}

/// The recorded messages with message `index` replaced by `bytes`: only that message differs.
fn altered(messages: &[Recorded], index: usize, bytes: Vec<u8>) -> Vec<Recorded> {
    assert_ne!(
        messages[index].bytes, bytes,
        "the alteration changed nothing"
    );
    assert_eq!(
        messages[index].bytes.first(),
        bytes.first(),
        "the alteration changed the message type"
    );
    let mut out = messages.to_vec();
    out[index].bytes = bytes;
    out
}

/// The recorded Verifier's answer: every appraisal is accepted, as each side's adapter
/// reported (`peer_attested` is true on every relying party of the recordings).
fn recorded_verdict(_: Appraisal<'_>) -> Result<Result<(), Rejection>, String> {
    Ok(Ok(()))
}

/// The appraisal callback of a replay: the caller's verdict, or an error of the harness.
type AppraiseFn<'a> = dyn FnMut(Appraisal<'_>) -> Result<Result<(), Rejection>, String> + 'a;

fn replay(
    v: &Value,
    client: bool,
    messages: &[Recorded],
    appraise: &mut AppraiseFn<'_>,
) -> SideReplay {
    replay_side(v, client, messages, appraise).unwrap()
}

/// The unaltered recording passes the whole runner, and the replay of `side` alone
/// completes with no error: a failure after the alteration is the alteration's.
fn assert_clean(v: &Value, side: bool, appraise: &mut AppraiseFn<'_>) {
    runner::run(v).unwrap();
    let r = replay(v, side, &recorded_messages(v).unwrap(), appraise);
    assert_eq!(r.failed, None, "{}", v["name"]);
    assert!(r.complete, "{}", v["name"]);
}

/// The replay failed at message `at` with `error` and the alert numbered `alert`.
fn assert_failed(r: &SideReplay, at: usize, error: &Error, alert: u8) {
    let Some((e, a)) = &r.failed else {
        panic!("the altered recording replayed cleanly: {r:?}");
    };
    assert_eq!(e, error);
    assert_eq!(*a, AlertDescription(alert), "alert for {e}");
    assert_eq!(r.failed_at, Some(at), "failed at another message");
    assert!(!r.complete);
}

// ---------------------------------------------------------------------------------------
// Re-encoding with seat-proto's codec

/// A handshake message whose body is `prefix || Extension extensions<..2^16-1>`
/// (ClientHello: everything before the extensions, RFC 8446 section 4.1.2;
/// EncryptedExtensions: nothing, 4.3.1; CertificateRequest: the context, 4.3.2), split with
/// seat-proto's codec.
fn split_extensions(message: &[u8]) -> (HandshakeType, Vec<u8>, Vec<Extension>) {
    let mut r = Reader::new(message);
    let msg = HandshakeMessage::read(&mut r).unwrap();
    r.finish("Handshake").unwrap();
    let mut body = msg.body_reader();
    match msg.msg_type {
        HandshakeType::CLIENT_HELLO => {
            body.u16("legacy_version").unwrap();
            body.take(32, "random").unwrap();
            body.vec_u8("legacy_session_id", 0, 32).unwrap();
            body.vec_u16("cipher_suites", 2, 0xfffe).unwrap();
            body.vec_u8("legacy_compression_methods", 1, 255).unwrap();
        }
        HandshakeType::ENCRYPTED_EXTENSIONS => {}
        HandshakeType::CERTIFICATE_REQUEST => {
            body.vec_u8("certificate_request_context", 0, 255).unwrap();
        }
        other => panic!("{other} has no extension block here"),
    }
    let prefix = msg.body[..msg.body.len() - body.remaining()].to_vec();
    let mut block = body.vec_u16("extensions", 0, 0xffff).unwrap();
    body.finish("Handshake.body").unwrap();
    let mut extensions = Vec::new();
    while !block.is_empty() {
        extensions.push(Extension::read(&mut block).unwrap());
    }
    (msg.msg_type, prefix, extensions)
}

fn join_extensions(ty: HandshakeType, prefix: &[u8], extensions: &[Extension]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_handshake(&mut out, ty, |out| {
        out.extend_from_slice(prefix);
        put_vec(out, LengthPrefix::U16, |out| {
            for e in extensions {
                e.encode(out);
            }
        });
    });
    out
}

/// `message` (ClientHello, EncryptedExtensions or CertificateRequest) re-encoded after `edit`
/// changed its extension list. The unedited re-encoding is checked to give back the
/// recorded bytes, so the codec changes nothing but the edit.
fn edit_extensions(message: &[u8], edit: impl FnOnce(&mut Vec<Extension>)) -> Vec<u8> {
    let (ty, prefix, mut extensions) = split_extensions(message);
    assert_eq!(join_extensions(ty, &prefix, &extensions), message);
    edit(&mut extensions);
    join_extensions(ty, &prefix, &extensions)
}

/// Replaces the `remoteAttestation` of a ClientHello, EncryptedExtensions or
/// CertificateRequest (which must carry one) with `data`, in place.
fn replace_remote_attestation(message: &[u8], cp: ExtensionType, data: Vec<u8>) -> Vec<u8> {
    edit_extensions(message, |exts| {
        let e = exts
            .iter_mut()
            .find(|e| e.extension_type == cp)
            .expect("the recorded message carries remoteAttestation");
        e.data = ExtensionData::new(data).unwrap();
    })
}

/// `message` (a Certificate) re-encoded after `edit` changed its entries; the unedited
/// re-encoding must give back the recorded bytes.
fn edit_certificate(
    message: &[u8],
    cp: &CodePoints,
    edit: impl FnOnce(&mut Vec<CertificateEntry>),
) -> Vec<u8> {
    let cert = Certificate::decode(message, cp).unwrap();
    assert_eq!(cert.to_vec(), message);
    let mut entries = cert.entries().to_vec();
    edit(&mut entries);
    Certificate::new(cert.context().clone(), entries)
        .unwrap()
        .to_vec()
}

/// The `remoteAttestation` of the message at `index`, decoded.
fn decoded(v: &Value, messages: &[Recorded], index: usize) -> RemoteAttestation {
    let found = remote_attestation_in(&messages[index].bytes, cp(v))
        .unwrap()
        .expect("the recorded message carries remoteAttestation");
    RemoteAttestation::decode_data(found.message, &found.data).unwrap()
}

fn eat() -> AttestationScheme {
    AttestationScheme::Evidence(EvidenceType::MediaType(
        MediaType::new(b"application/eat+cwt".to_vec()).unwrap(),
    ))
}

fn passport() -> AttestationScheme {
    AttestationScheme::Result(VerifierIdentity::new(b"verifier.example".to_vec()).unwrap())
}

// ---------------------------------------------------------------------------------------
// The faults

/// Digest §2.6 and §3 F7 (RFC 8446 §4.2), client machine §4.1 `WAIT_EE`: a
/// `remoteAttestation` in EncryptedExtensions for a role the ClientHello did not offer
/// (`server_attester_schemes` empty) is an unsolicited response extension:
/// `unsupported_extension`. Recordings `client-background-check` and `client-passport`
/// (client-only attestation): an RA choosing a server scheme is appended to the recorded,
/// empty, EncryptedExtensions.
#[test]
fn s2_6_f7_unsolicited_remote_attestation_in_encrypted_extensions_is_unsupported_extension() {
    for name in ["client-background-check", "client-passport"] {
        let v = recording(name);
        assert_eq!(
            v["client_config"]["server_attester_schemes"],
            Value::Array(vec![])
        );
        assert_clean(&v, CLIENT, &mut recorded_verdict);
        let messages = recorded_messages(&v).unwrap();
        let ee = index_of(&messages, SERVER, HandshakeType::ENCRYPTED_EXTENSIONS, 0);
        assert!(
            remote_attestation_in(&messages[ee].bytes, cp(&v))
                .unwrap()
                .is_none()
        );
        // The scheme the client does offer, for its own role: only the role is wrong.
        let RemoteAttestation::ClientHello(offer) = decoded(&v, &messages, 0) else {
            panic!("ClientHello");
        };
        let scheme = offer.client_attester_schemes()[0].clone();
        let bytes = edit_extensions(&messages[ee].bytes, |exts| {
            exts.push(Extension {
                extension_type: cp(&v),
                data: ExtensionData::new(RemoteAttestation::EncryptedExtensions(scheme).to_data())
                    .unwrap(),
            });
        });
        let r = replay(
            &v,
            CLIENT,
            &altered(&messages, ee, bytes),
            &mut recorded_verdict,
        );
        assert_failed(
            &r,
            ee,
            &PeerMisbehaved::UnsolicitedExtension(cp(&v)).into(),
            UNSUPPORTED_EXTENSION,
        );
    }
}

/// Digest §4.1 (`WAIT_EE`, `WAIT_CERT_CR`), §5 checklist item 6 and ambiguity A12: a chosen
/// scheme that is not in the offered list is `illegal_parameter`. Recordings
/// `server-background-check` (EncryptedExtensions chose the offered EAT; altered to choose
/// the `verifier.example` passport, which the client did not offer) and `client-passport`
/// (CertificateRequest chose the offered passport; altered to choose the EAT).
#[test]
fn s4_1_a12_chosen_scheme_not_offered_is_illegal_parameter() {
    for (name, ty, instead) in [
        (
            "server-background-check",
            HandshakeType::ENCRYPTED_EXTENSIONS,
            passport(),
        ),
        ("client-passport", HandshakeType::CERTIFICATE_REQUEST, eat()),
    ] {
        let v = recording(name);
        assert_clean(&v, CLIENT, &mut recorded_verdict);
        let messages = recorded_messages(&v).unwrap();
        let at = index_of(&messages, SERVER, ty, 0);
        let RemoteAttestation::ClientHello(offer) = decoded(&v, &messages, 0) else {
            panic!("ClientHello");
        };
        assert!(!offer.server_attester_schemes().contains(&instead));
        assert!(!offer.client_attester_schemes().contains(&instead));
        let data = if ty == HandshakeType::ENCRYPTED_EXTENSIONS {
            RemoteAttestation::EncryptedExtensions(instead)
        } else {
            RemoteAttestation::CertificateRequest(instead)
        }
        .to_data();
        let bytes = replace_remote_attestation(&messages[at].bytes, cp(&v), data);
        let r = replay(
            &v,
            CLIENT,
            &altered(&messages, at, bytes),
            &mut recorded_verdict,
        );
        assert_failed(
            &r,
            at,
            &PeerMisbehaved::SchemeNotOffered.into(),
            ILLEGAL_PARAMETER,
        );
    }
}

/// Digest §2.6 (`unsupported_attestation_schemes`: "both CH lists empty"), §2.1 (a
/// ClientHello RA must contain at least one scheme) and server machine §4.2 `RECVD_CH`.
/// Recording `server-background-check`: the ClientHello's RA (one EAT for the server, none
/// for the client) is altered to two empty lists, `0000 0000`.
#[test]
fn s2_6_s4_2_both_lists_empty_is_unsupported_attestation_schemes() {
    let v = recording("server-background-check");
    assert_clean(&v, SERVER, &mut recorded_verdict);
    let messages = recorded_messages(&v).unwrap();
    let ch = index_of(&messages, CLIENT, HandshakeType::CLIENT_HELLO, 0);
    let empty =
        RemoteAttestation::ClientHello(RemoteAttestationOffer::new(vec![], vec![]).unwrap())
            .to_data();
    assert_eq!(
        empty,
        [0, 0, 0, 0],
        "digest §2.1's encoding of two empty lists"
    );
    let bytes = replace_remote_attestation(&messages[ch].bytes, cp(&v), empty);
    let r = replay(
        &v,
        SERVER,
        &altered(&messages, ch, bytes),
        &mut recorded_verdict,
    );
    assert_failed(
        &r,
        ch,
        &PeerIncompatible::EmptyAttestationOffer.into(),
        UNSUPPORTED_ATTESTATION_SCHEMES,
    );
}

/// Digest §2.1 (placement table: RA in any CertificateEntry other than the first is fatal
/// `illegal_parameter`), §2.6, §4.1 `WAIT_CERT` and §4.2 `WAIT_CLIENT`. Recording
/// `mutual-passport-sha384`, each Certificate in turn: a second CertificateEntry (the other
/// side's recorded certificate) carrying the same RA is appended after the recorded first
/// entry, which keeps its own; and, separately, the RA is moved from the first entry to the
/// appended one. Each is replayed by the side that receives that Certificate.
#[test]
fn s2_1_cmw_on_a_later_certificate_entry_is_illegal_parameter() {
    let v = recording("mutual-passport-sha384");
    let cps = code_points(&v);
    let messages = recorded_messages(&v).unwrap();
    for sender in [SERVER, CLIENT] {
        let receiver = !sender;
        assert_clean(&v, receiver, &mut recorded_verdict);
        let at = index_of(&messages, sender, HandshakeType::CERTIFICATE, 0);
        let other = index_of(&messages, receiver, HandshakeType::CERTIFICATE, 0);
        let other_cert = certificate_entries(&messages[other].bytes, cp(&v)).unwrap()[0]
            .1
            .clone();
        for keep_first in [true, false] {
            let bytes = edit_certificate(&messages[at].bytes, &cps, |entries| {
                assert_eq!(entries.len(), 1, "the recorded chain is one certificate");
                let ra: Vec<EntryExtension> = entries[0].extensions.iter().cloned().collect();
                assert!(entries[0].extensions.remote_attestation().is_some());
                if !keep_first {
                    entries[0].extensions = EntryExtensions::empty();
                }
                entries.push(CertificateEntry {
                    cert_data: seat_proto::message::CertData::new(other_cert.clone()).unwrap(),
                    extensions: EntryExtensions::new(ra).unwrap(),
                });
            });
            let found = certificate_entries(&bytes, cp(&v)).unwrap();
            assert_eq!(found.len(), 2);
            assert_eq!(found[0].2.is_some(), keep_first);
            assert!(found[1].2.is_some());
            let r = replay(
                &v,
                receiver,
                &altered(&messages, at, bytes),
                &mut recorded_verdict,
            );
            assert_failed(
                &r,
                at,
                &PeerMisbehaved::AttestationNotOnFirstEntry.into(),
                ILLEGAL_PARAMETER,
            );
        }
    }
}

/// Digest ambiguity A13 (server: CertificateRequest carried RA but the client Certificate
/// lacks it → `attestation_failed`) and §4.1 `WAIT_CERT` (client: server scheme set, RA
/// missing in entry[0] → `attestation_failed`). Recordings `server-background-check` (the
/// server's Certificate) and `client-background-check` (the client's): the RA is removed
/// from the first CertificateEntry, everything else kept.
#[test]
fn s4_2_a13_cmw_missing_where_a_scheme_was_chosen_is_attestation_failed() {
    for (name, sender) in [
        ("server-background-check", SERVER),
        ("client-background-check", CLIENT),
    ] {
        let v = recording(name);
        let receiver = !sender;
        assert_clean(&v, receiver, &mut recorded_verdict);
        let messages = recorded_messages(&v).unwrap();
        let at = index_of(&messages, sender, HandshakeType::CERTIFICATE, 0);
        let bytes = edit_certificate(&messages[at].bytes, &code_points(&v), |entries| {
            let kept: Vec<EntryExtension> = entries[0]
                .extensions
                .iter()
                .filter(|e| !matches!(e, EntryExtension::RemoteAttestation { .. }))
                .cloned()
                .collect();
            assert!(entries[0].extensions.remote_attestation().is_some());
            entries[0].extensions = EntryExtensions::new(kept).unwrap();
        });
        assert!(remote_attestation_in(&bytes, cp(&v)).unwrap().is_none());
        let r = replay(
            &v,
            receiver,
            &altered(&messages, at, bytes),
            &mut recorded_verdict,
        );
        assert_failed(
            &r,
            at,
            &PeerMisbehaved::CmwMissing.into(),
            ATTESTATION_FAILED,
        );
    }
}

/// A real Verifier over the recordings' simulated TEEs (seeds 0x11 for the server, 0x22 for
/// the client, as the recorder configured them) and the reference platform, with no
/// freshness window (the recordings are older than any window): decode, signature, key
/// binding and binder are checked as in the recorded handshake.
fn verifier() -> Verifier {
    let provider = default_provider();
    let attestation_keys = [0x11u8, 0x22]
        .iter()
        .map(|&seed| TrustAnchor {
            name: format!("sim-tee-{seed:02x}"),
            spki: SimulatedTee::new(tee_config(seed, false), provider)
                .unwrap()
                .attestation_key_spki(),
        })
        .collect();
    let policy = VerifierPolicy {
        attestation_keys,
        reference_values: ReferenceValues {
            swname: Some("seat-demo".to_string()),
            swversion: Some("1.0.0".to_string()),
            measurements: reference_measurements(),
        },
        evidence_max_age_secs: u64::MAX,
        max_clock_skew_secs: u64::MAX,
        ..VerifierPolicy::default()
    };
    let pkcs8 = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .unwrap()
        .serialize_der();
    let key = provider
        .signing_key_from_pkcs8(SignatureAlgorithm::EcdsaSecp256r1Sha256, &pkcs8)
        .unwrap();
    Verifier::new(policy, key, provider).unwrap()
}

/// Appraises with `verifier`, keeping each refusal's reason in `refusals`.
fn appraise_with<'a>(
    verifier: &'a Verifier,
    refusals: &'a mut Vec<seat_verify::Error>,
) -> impl FnMut(Appraisal<'_>) -> Result<Result<(), Rejection>, String> + 'a {
    let mut rng = seat_conformance::generate::seeded(7);
    move |a: Appraisal<'_>| {
        let request = AppraisalRequest {
            cmw: a.cmw,
            binder: a.binder,
            aik_pub_hash: a.spki_hash,
            now_unix_secs: 0,
        };
        Ok(
            match verifier.appraise(&request, ResultForm::Cwt, BindingLevel::Exchange, &mut rng) {
                Ok(report) if report.findings().is_empty() => Ok(()),
                Ok(report) => Err(Rejection::new(
                    Stage::Other,
                    format!("{:?}", report.findings()),
                )),
                Err(e) => {
                    refusals.push(e.clone());
                    Err(Rejection::new(Stage::Other, e.to_string()))
                }
            },
        )
    }
}

/// Digest §4.4 R1/R3' and §5 checklist item 1 (EA §5.1.1): the relying party recomputes the
/// binder from its own transcript; a mismatch with the Evidence's nonce is
/// `attestation_failed`. Recordings `server-background-check` (the client appraises the
/// server's Evidence) and `client-background-check` (the server appraises the client's): one
/// byte of the recorded ServerHello random is flipped, so the transcript, and with it the
/// binder the relying party's machine recomputes, differ from the one the signed Evidence
/// carries. A real Verifier appraises: unaltered it accepts; altered it refuses for
/// `BinderMismatch` and the machine aborts with `attestation_failed`.
#[test]
fn s4_4_binder_mismatch_is_attestation_failed() {
    let verifier = verifier();
    for (name, relying_party, binder_field) in [
        ("server-background-check", CLIENT, "s_attest_binder"),
        ("client-background-check", SERVER, "c_attest_binder"),
    ] {
        let v = recording(name);
        let mut refusals = Vec::new();
        assert_clean(
            &v,
            relying_party,
            &mut appraise_with(&verifier, &mut refusals),
        );
        assert!(refusals.is_empty(), "{refusals:?}");
        let messages = recorded_messages(&v).unwrap();
        let sh = index_of(&messages, SERVER, HandshakeType::SERVER_HELLO, 0);
        let mut bytes = messages[sh].bytes.clone();
        // Header 4, legacy_version 2, then the 32-byte random: flip its 17th byte.
        bytes[4 + 2 + 16] ^= 0x01;
        assert!(!seat_binding::key_schedule::is_hello_retry_request(&bytes));
        let r = replay(
            &v,
            relying_party,
            &altered(&messages, sh, bytes),
            &mut appraise_with(&verifier, &mut refusals),
        );
        let cert = index_of(&messages, !relying_party, HandshakeType::CERTIFICATE, 0);
        assert_failed(
            &r,
            cert,
            &AttestationError::Rejected(seat_proto::hooks::Rejection::new(
                seat_proto::hooks::Stage::Other,
                seat_verify::Error::Rejected(Reason::BinderMismatch).to_string(),
            ))
            .into(),
            ATTESTATION_FAILED,
        );
        assert_eq!(
            refusals,
            [seat_verify::Error::Rejected(Reason::BinderMismatch)]
        );
        // The Evidence still carries the recorded binder; the machine asked for another.
        let recorded = hex::decode(v[binder_field].as_str().unwrap()).unwrap();
        let cmw = hex::decode(
            v[if relying_party {
                "server_cmw"
            } else {
                "client_cmw"
            }]
            .as_str()
            .unwrap(),
        )
        .unwrap();
        assert!(cmw.windows(recorded.len()).any(|w| w == recorded));
        let asked = r.peer_binder.unwrap();
        assert_eq!(asked.len(), recorded.len());
        assert_ne!(asked, recorded);
    }
}

/// Digest §3 F8 and §4.1 (`WAIT_SH` on HRR: "resend same RA in CH2"; RFC 8446 §4.1.2): a
/// ClientHello2 whose `remoteAttestation` differs from ClientHello1's is `illegal_parameter`.
/// Recordings `mutual-hello-retry-passport-and-background` (ClientHello2's server list
/// reordered: EAT before passport) and `mutual-background-sha384-hello-retry` (ClientHello2's
/// client list dropped; and, separately, ClientHello2's RA removed altogether, which the
/// server sees when it sends the ServerHello).
#[test]
fn s3_f8_client_hello2_offer_differs_after_hello_retry_request_is_illegal_parameter() {
    for name in [
        "mutual-hello-retry-passport-and-background",
        "mutual-background-sha384-hello-retry",
    ] {
        let v = recording(name);
        assert_eq!(v["hrr"], Value::Bool(true));
        assert_clean(&v, SERVER, &mut recorded_verdict);
        let messages = recorded_messages(&v).unwrap();
        let ch2 = index_of(&messages, CLIENT, HandshakeType::CLIENT_HELLO, 1);
        assert_eq!(
            decoded(&v, &messages, 0),
            decoded(&v, &messages, ch2),
            "the recorded ClientHello2 repeats the offer"
        );
        let RemoteAttestation::ClientHello(offer) = decoded(&v, &messages, ch2) else {
            panic!("ClientHello2");
        };
        let mut server = offer.server_attester_schemes().to_vec();
        let mut client = offer.client_attester_schemes().to_vec();
        if server.len() > 1 {
            server.reverse();
        } else {
            client.clear();
        }
        let changed =
            RemoteAttestation::ClientHello(RemoteAttestationOffer::new(server, client).unwrap())
                .to_data();
        let bytes = replace_remote_attestation(&messages[ch2].bytes, cp(&v), changed);
        let r = replay(
            &v,
            SERVER,
            &altered(&messages, ch2, bytes),
            &mut recorded_verdict,
        );
        assert_failed(
            &r,
            ch2,
            &PeerMisbehaved::AttestationOfferChanged.into(),
            ILLEGAL_PARAMETER,
        );

        // ClientHello2 without the extension: caught when the server sends its ServerHello.
        let bytes = edit_extensions(&messages[ch2].bytes, |exts| {
            exts.retain(|e| e.extension_type != cp(&v));
        });
        let sh = index_of(&messages, SERVER, HandshakeType::SERVER_HELLO, 1);
        let r = replay(
            &v,
            SERVER,
            &altered(&messages, ch2, bytes),
            &mut recorded_verdict,
        );
        assert_failed(
            &r,
            sh,
            &PeerMisbehaved::AttestationOfferChanged.into(),
            ILLEGAL_PARAMETER,
        );
    }
}

/// The alterations themselves are faithful: the unedited re-encoding of every recorded
/// ClientHello, EncryptedExtensions, CertificateRequest and Certificate gives back the
/// recorded bytes.
#[test]
fn re_encoding_the_recorded_messages_changes_nothing() {
    for name in [
        "client-background-check",
        "client-passport",
        "mutual-background-sha384-hello-retry",
        "mutual-hello-retry-passport-and-background",
        "mutual-passport-sha384",
        "server-background-check",
        "server-passport",
    ] {
        let v = recording(name);
        for m in recorded_messages(&v).unwrap() {
            let ty = HandshakeType(m.bytes[0]);
            if [
                HandshakeType::CLIENT_HELLO,
                HandshakeType::ENCRYPTED_EXTENSIONS,
                HandshakeType::CERTIFICATE_REQUEST,
            ]
            .contains(&ty)
            {
                assert_eq!(edit_extensions(&m.bytes, |_| {}), m.bytes);
            }
            if ty == HandshakeType::CERTIFICATE {
                assert_eq!(
                    edit_certificate(&m.bytes, &code_points(&v), |_| {}),
                    m.bytes
                );
            }
        }
    }
}

/// The recorded trust is required: without it, with a passport naming another Verifier than
/// the recorded one, or with no attestation key for a side that attests with Evidence, the
/// runner refuses the recording (which it replays cleanly as committed).
#[test]
fn the_recorded_trust_is_required_and_matches_the_schemes() {
    let passport = recording("server-passport");
    runner::run(&passport).unwrap();
    let mut v = passport.clone();
    v.as_object_mut().unwrap().remove("trust");
    assert!(runner::run(&v).unwrap_err().contains("trust"));
    let mut v = passport;
    v["trust"]["verifier"]["identity"] = Value::from(hex::encode(b"another.example"));
    assert!(
        runner::run(&v)
            .unwrap_err()
            .contains("names a Verifier other than trust.verifier")
    );

    let background = recording("server-background-check");
    runner::run(&background).unwrap();
    let mut v = background.clone();
    let keys = v["trust"]["verifier"]["attestation_keys"]
        .as_array_mut()
        .unwrap();
    keys.retain(|k| k["side"] != "server");
    assert!(
        runner::run(&v)
            .unwrap_err()
            .contains("no server attestation key")
    );
    let mut v = background;
    v["trust"]["verifier"]["attestation_keys"][0]["side"] = Value::from("client");
    v["trust"]["verifier"]["attestation_keys"][1]["side"] = Value::from("client");
    assert!(
        runner::run(&v)
            .unwrap_err()
            .contains("two attestation keys for one side")
    );
}
