//! draft-fossati-seat-expat (-03), sections 3 to 7, one test per rule, named by section: the
//! `cmw_attestation` extension (section 3), the flows with either peer as Attester in the
//! background-check and passport models (section 4), the binder and `AIK_pub_hash`
//! (section 5), the division of labour and error handling (section 6), freshness,
//! re-attestation and the application-data gate (section 7).
//!
//! The session-level tests drive two `seat_proto::session::Session`s over one recorded
//! exporter (the RFC 8448 section 3 exporter master secret), with the expat digest's
//! section 6.5 inputs, so the binder, the request and the authenticator on the wire can be
//! compared with that example's known answers.

#![allow(clippy::indexing_slicing)]

use seat_binding::authenticator::Role;
use seat_binding::binder::{
    ExpatLabel, PublicKeyEncoding, expat_binder_for_certificate, expat_exported_value,
};
use seat_binding::provider::HashAlgorithm;
use seat_conformance::generate;
use seat_proto::authenticator::{self, ClientHelloOffers, SentRequest, Solicitation};
use seat_proto::chain::{DangerousSelfSignedVerifier, Purpose};
use seat_proto::codepoints::{AlertDescription, CodePoints, ExtensionType, SignatureScheme};
use seat_proto::ext::{CmwData, EntryExtension};
use seat_proto::hooks::{Rejection, Stage};
use seat_proto::message::{AuthenticatorRequest, Certificate, CertificateEntry, RequestContext};
use seat_proto::session::{Action, ExchangeId, Input};
use seat_proto::shim::{Frame, Models};
use seat_proto::{ApiMisuse, AttestationError, Error, PeerIncompatible, PeerMisbehaved};

use super::common::{
    AUTHENTICATOR_6_5, Appraised, NOW, Pair, REQUEST_6_5, SPKI_6_5, build, config, context_6_5,
    entry, established, evidence_embedding_binder, exporter, frames, hello, hx, keys, parts_6_5,
    receive, reference_cp, request_6_5, request_frame, sha256, sign,
};

/// Expat digest section 6.5: `TLS-Exporter("Attestation", ctx, 32)` and the two values the
/// Evidence must carry, with the SPKI encoding; then the variants (raw key, label
/// "Attestation Binding").
const EXPORTED_6_5: &str = "de6655915cadff0d4fe781e255b3cc28cf8cc5c647de58a1e38a59e40bc4ee39";
const BINDING_6_5: &str = "8b0f95356edea85116db6d5ca49f0c7acf04e3d03cdea2812330348caba3b8f0";
const AIK_6_5: &str = "788de5096f8b530eef97a4015cffb7cfeb260c23795b846bf8112682a93b1101";
const EXPORTED_BINDING_LABEL_6_5: &str =
    "6e8ad2ee1b8518ca980c01fa45a763ba5232af047a70ef3bceea8786cc74eedb";
const BINDING_RAW_6_5: &str = "9f11893c2bb148e5f81d9da89960af8ef03611bb6406d82824440c1454c21426";
const AIK_RAW_6_5: &str = "03396219237f75a64f12aeb7f39723abf400b160c364980a765dac24aeba2464";

fn u24(n: usize) -> [u8; 3] {
    let [_, a, b, c] = u32::try_from(n).unwrap().to_be_bytes();
    [a, b, c]
}

/// Signs a hand-assembled server Certificate for the example request, correctly.
fn signed(request: Option<&[u8]>, certificate: &Certificate) -> Vec<u8> {
    sign(
        &keys(HashAlgorithm::Sha256, Role::Server),
        request,
        &certificate.to_vec(),
        SignatureScheme::ED25519,
    )
}

fn cmw_entry(cmw: &[u8]) -> CertificateEntry {
    entry(
        &parts_6_5().cert_der,
        vec![EntryExtension::CmwAttestation {
            codepoint: reference_cp().cmw_attestation(),
            cmw: CmwData::new(cmw.to_vec()).unwrap(),
        }],
    )
}

fn plain_entry() -> CertificateEntry {
    entry(&parts_6_5().cert_der, vec![])
}

fn validate(
    solicitation: &Solicitation<'_>,
    bytes: &[u8],
) -> Result<authenticator::Outcome, Error> {
    authenticator::validate(
        &keys(HashAlgorithm::Sha256, Role::Server),
        solicitation,
        bytes,
        &reference_cp(),
        &DangerousSelfSignedVerifier::dangerous_new(Purpose::Server),
        NOW,
    )
}

/// expat §3: the requester offers attestation with an empty `cmw_attestation` extension
/// (`TT TT 00 00`) in the request; an offer with data is malformed (decode_error).
#[test]
fn s3_request_offers_cmw_attestation_as_an_empty_extension() {
    let cp = reference_cp();
    let request = AuthenticatorRequest::decode(&hx(REQUEST_6_5), &cp).unwrap();
    assert!(request.extensions().offers_cmw_attestation());
    assert_eq!(&hx(REQUEST_6_5)[49..], [0xff, 0xff, 0, 0]);
    // The same extension with one byte of data: 0011 length + 1, extensions + 1.
    let mut with_data = hx(REQUEST_6_5);
    with_data[3] += 1;
    with_data[38] += 1;
    with_data[52] = 1;
    with_data.push(0);
    let err = Error::from(AuthenticatorRequest::decode(&with_data, &cp).unwrap_err());
    assert!(matches!(err, Error::InvalidMessage(_)), "{err:?}");
    assert_eq!(err.alert(&cp), AlertDescription::DECODE_ERROR);
}

/// expat §3: `struct { opaque cmw_data<1..2^16-1>; } CMWAttestation`: an empty CMW is not
/// one, neither to build nor on the wire.
#[test]
fn s3_cmw_data_is_one_to_65535_bytes() {
    let cp = reference_cp();
    assert!(CmwData::new(Vec::new()).is_err());
    assert!(CmwData::new(vec![0; 65535]).is_ok());
    let request = request_6_5();
    assert!(matches!(
        build(
            &keys(HashAlgorithm::Sha256, Role::Server),
            &Solicitation::Request(&request),
            Some(&[]),
        ),
        Err(Error::ApiMisuse(ApiMisuse::Unencodable(_)))
    ));
    // On the wire: the example Certificate with its CMW replaced by `ffff 0002 0000`.
    let p = parts_6_5();
    let cert_der = &p.cert_der;
    let mut body = vec![0x20];
    body.extend(context_6_5());
    body.extend(u24(3 + cert_der.len() + 2 + 6));
    body.extend(u24(cert_der.len()));
    body.extend(cert_der);
    body.extend([0, 6, 0xff, 0xff, 0, 2, 0, 0]);
    let msg = [&[0x0b][..], &u24(body.len()), &body].concat();
    assert!(Certificate::decode(&msg, &cp).is_err());
}

/// expat §3: `cmw_attestation` goes on the first CertificateEntry (the end entity) only;
/// on another entry the authenticator is rejected (illegal_parameter).
#[test]
fn s3_cmw_attestation_only_on_the_first_entry() {
    let request = request_6_5();
    let cert = Certificate::new(
        RequestContext::new(context_6_5()).unwrap(),
        vec![plain_entry(), cmw_entry(b"[\"a/b\",\"AA\"]")],
    )
    .unwrap();
    let err = validate(
        &Solicitation::Request(&request),
        &signed(Some(request.bytes()), &cert),
    )
    .unwrap_err();
    assert_eq!(
        err,
        Error::PeerMisbehaved(PeerMisbehaved::AttestationNotOnFirstEntry)
    );
    assert_eq!(
        err.alert(&reference_cp()),
        AlertDescription::ILLEGAL_PARAMETER
    );
}

/// expat §3: a `cmw_attestation` in a Certificate whose request did not offer it: "MUST
/// abort the authenticator verification with an unsupported_extension alert".
#[test]
fn s3_cmw_attestation_without_offer_is_unsupported_extension() {
    let cp = reference_cp();
    let request =
        SentRequest::client_request(context_6_5(), &[SignatureScheme::ED25519], false, &cp)
            .unwrap();
    let cert = Certificate::new(
        RequestContext::new(context_6_5()).unwrap(),
        vec![cmw_entry(&parts_6_5().cmw)],
    )
    .unwrap();
    let err = validate(
        &Solicitation::Request(&request),
        &signed(Some(request.bytes()), &cert),
    )
    .unwrap_err();
    assert_eq!(
        err,
        Error::PeerMisbehaved(PeerMisbehaved::AttestationNotOffered)
    );
    assert_eq!(err.alert(&cp), AlertDescription::UNSUPPORTED_EXTENSION);
}

/// expat §3: `cmw_attestation` is only sent in answer to a request that offered it, so
/// never in a spontaneous server authenticator (RFC 9261 §5.2.1), even when the ClientHello
/// happened to carry the code point.
#[test]
fn s3_spontaneous_authenticator_never_carries_cmw_attestation() {
    let offers = ClientHelloOffers {
        signature_algorithms: vec![SignatureScheme::ED25519],
        extensions: vec![reference_cp().cmw_attestation()],
    };
    let sol = Solicitation::Spontaneous {
        context: &[9; 16],
        offers: &offers,
    };
    let cert = Certificate::new(
        RequestContext::new(vec![9; 16]).unwrap(),
        vec![cmw_entry(&parts_6_5().cmw)],
    )
    .unwrap();
    assert_eq!(
        validate(&sol, &signed(None, &cert)).unwrap_err(),
        Error::PeerMisbehaved(PeerMisbehaved::AttestationNotOffered)
    );
}

/// expat §3 and §9.1: the `cmw_attestation` code point is TBD, so configurable: a request
/// offering it on 0xffff is an offer only for a peer configured with 0xffff; a value the
/// codec already interprets cannot be chosen.
#[test]
fn s3_code_point_is_configuration() {
    let request = AuthenticatorRequest::decode(&hx(REQUEST_6_5), &CodePoints::DEFAULT).unwrap();
    assert!(!request.extensions().offers_cmw_attestation());
    assert!(request.extensions().contains(ExtensionType(0xffff)));
    assert!(
        CodePoints::DEFAULT
            .with_cmw_attestation(ExtensionType::SIGNATURE_ALGORITHMS)
            .is_err()
    );
    // Peers configured with different code points do not start a session.
    let mut server = config(Role::Server, Models::BACKGROUND_CHECK, Models::NONE);
    server.code_points = CodePoints::DEFAULT;
    let mut pair = Pair::new(
        config(Role::Client, Models::NONE, Models::BACKGROUND_CHECK),
        server,
    );
    pair.establish();
    assert_eq!(
        pair.server_log.failed(),
        Some(&Error::PeerIncompatible(PeerIncompatible::ShimParameters))
    );
    assert!(!pair.client.is_open());
}

/// expat §4.2 (Server as Attester), with §5.1: the client asks with a
/// ClientCertificateRequest offering `cmw_attestation`; the server's Attester is asked for
/// Evidence bound to `Hash(SPKI || TLS-Exporter("Attestation", ctx, 32))` with
/// `AIK_pub_hash = Hash(SPKI)`; the authenticator carries its CMW on the first entry; the
/// relying party recomputes both. Every value on the wire is the digest's section 6.5.
#[test]
fn s4_2_server_as_attester_end_to_end_known_answers() {
    fn example_cmw(_: &[u8]) -> Vec<u8> {
        parts_6_5().cmw
    }
    let mut pair = Pair::background_check();
    fn example_verifier(a: &Appraised) -> bool {
        a.cmw == parts_6_5().cmw && a.binder == hx(BINDING_6_5) && a.aik_pub_hash == hx(AIK_6_5)
    }
    pair.cmw = example_cmw;
    pair.verify = example_verifier;
    pair.establish();
    assert!(pair.client.is_open());
    assert_eq!(pair.client_log.requests(), vec![hx(REQUEST_6_5)]);
    let [(binder, aik, model)] = &pair.server_log.evidence[..] else {
        panic!("{} evidence requests", pair.server_log.evidence.len())
    };
    assert_eq!(binder, &hx(BINDING_6_5));
    assert_eq!(aik, &hx(AIK_6_5));
    assert_eq!(*model, Models::BACKGROUND_CHECK);
    assert_eq!(
        pair.server_log.authenticators(),
        vec![hx(AUTHENTICATOR_6_5)]
    );
    let [appraisal] = &pair.client_log.appraisals[..] else {
        panic!("no appraisal")
    };
    assert_eq!(appraisal.binder, hx(BINDING_6_5));
    assert_eq!(appraisal.aik_pub_hash, hx(AIK_6_5));
    assert_eq!(appraisal.context, context_6_5());
    assert_eq!(appraisal.cmw, parts_6_5().cmw);
    assert_eq!(appraisal.chain, vec![parts_6_5().cert_der]);
}

/// expat §4.1 (Client as Attester): the server asks with a CertificateRequest (13); the
/// client answers with the client's labels (RFC 9261 §5.1), so the server's labels do not
/// validate it; the server's gate opens once the Evidence is accepted.
#[test]
fn s4_1_client_as_attester_answers_a_certificate_request_with_client_labels() {
    let mut pair = Pair::new(
        config(Role::Client, Models::BACKGROUND_CHECK, Models::NONE),
        config(Role::Server, Models::NONE, Models::BACKGROUND_CHECK),
    );
    pair.establish();
    let requests = pair.server_log.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0][0], 0x0d);
    assert!(pair.server.is_open());
    let request = SentRequest::decode(&requests[0], &reference_cp()).unwrap();
    let [a] = &pair.client_log.authenticators()[..] else {
        panic!("no authenticator")
    };
    let check = |keys: &seat_binding::authenticator::AuthenticatorKeys| {
        authenticator::validate(
            keys,
            &Solicitation::Request(&request),
            a,
            &reference_cp(),
            &DangerousSelfSignedVerifier::dangerous_new(Purpose::Client),
            NOW,
        )
    };
    let client = keys(HashAlgorithm::Sha256, Role::Client);
    assert!(matches!(
        check(&client),
        Ok(authenticator::Outcome::Authenticated(_))
    ));
    // The server's Handshake Context and Finished MAC Key in the client's place.
    let server = keys(HashAlgorithm::Sha256, Role::Server);
    let swapped = seat_binding::authenticator::AuthenticatorKeys::from_parts(
        generate::provider(),
        HashAlgorithm::Sha256,
        Role::Client,
        seat_binding::Secret::from_slice(server.handshake_context().expose()),
        seat_binding::Secret::from_slice(server.finished_key().expose()),
    );
    assert_eq!(
        check(&swapped).unwrap_err(),
        Error::PeerMisbehaved(PeerMisbehaved::BadSignature)
    );
}

/// expat §4.1.1 and §4.1.2: in the passport model the Attester presents an Attestation
/// Result, in the background-check model Evidence; the Attester is told which the relying
/// party wants.
#[test]
fn s4_1_passport_and_background_check_models() {
    for (requires, want) in [
        (Models::PASSPORT, Models::PASSPORT),
        (Models::BACKGROUND_CHECK, Models::BACKGROUND_CHECK),
    ] {
        let mut pair = Pair::new(
            config(Role::Client, Models::NONE, requires),
            config(Role::Server, Models::BOTH, Models::NONE),
        );
        pair.establish();
        let models: Vec<Models> = pair.server_log.evidence.iter().map(|e| e.2).collect();
        assert_eq!(models, vec![want]);
        assert!(pair.client.is_open());
    }
    // A peer that can attest with neither required model is refused at once.
    let mut pair = Pair::new(
        config(Role::Client, Models::NONE, Models::PASSPORT),
        config(Role::Server, Models::BACKGROUND_CHECK, Models::NONE),
    );
    pair.establish();
    assert_eq!(
        pair.client_log.failed(),
        Some(&Error::Attestation(AttestationError::Unavailable))
    );
}

/// expat §4.2 with RFC 9261 §4: a server is asked with ClientCertificateRequest; a
/// CertificateRequest sent to it is an unexpected message.
#[test]
fn s4_2_server_refuses_a_certificate_request() {
    let (mut server, exporter) = established(
        config(Role::Server, Models::BACKGROUND_CHECK, Models::NONE),
        Role::Server,
    );
    let as_server_request = SentRequest::server_request(
        context_6_5(),
        &[SignatureScheme::ED25519],
        true,
        &reference_cp(),
    )
    .unwrap();
    let bytes = [
        hello(Models::NONE, Models::BACKGROUND_CHECK),
        request_frame(1, as_server_request.bytes().to_vec()),
    ]
    .concat();
    let err = receive(&mut server, &bytes, &exporter).unwrap_err();
    assert_eq!(err, Error::PeerMisbehaved(PeerMisbehaved::WrongRequestType));
    assert_eq!(
        err.alert(&reference_cp()),
        AlertDescription::UNEXPECTED_MESSAGE
    );
}

/// expat §5.1 and §5.2: `binding_value = Hash(public_key || TLS-Exporter("Attestation",
/// ctx, 32))`, `AIK_pub_hash = Hash(public_key)`, public_key the leaf's DER SPKI (digest
/// ambiguity 5.3; the raw-key variant on request). Known answers: digest §6.5.
#[test]
fn s5_1_binder_and_aik_pub_hash_known_answers() {
    let exporter = exporter(HashAlgorithm::Sha256);
    let ctx = context_6_5();
    let cert = parts_6_5().cert_der;
    assert_eq!(
        expat_exported_value(&exporter, ExpatLabel::Attestation, &ctx)
            .unwrap()
            .expose(),
        hx(EXPORTED_6_5)
    );
    let b = expat_binder_for_certificate(
        generate::provider(),
        &exporter,
        ExpatLabel::Attestation,
        &ctx,
        &cert,
        PublicKeyEncoding::Spki,
    )
    .unwrap();
    assert_eq!(b.binding_value.as_bytes(), hx(BINDING_6_5));
    assert_eq!(b.aik_pub_hash.as_bytes(), hx(AIK_6_5));
    // Independently: SHA-256 over SPKI || exported value, and over SPKI.
    assert_eq!(sha256(&[&hx(SPKI_6_5), &hx(EXPORTED_6_5)]), hx(BINDING_6_5));
    assert_eq!(sha256(&[&hx(SPKI_6_5)]), hx(AIK_6_5));
    let raw = expat_binder_for_certificate(
        generate::provider(),
        &exporter,
        ExpatLabel::Attestation,
        &ctx,
        &cert,
        PublicKeyEncoding::Raw,
    )
    .unwrap();
    assert_eq!(raw.binding_value.as_bytes(), hx(BINDING_RAW_6_5));
    assert_eq!(raw.aik_pub_hash.as_bytes(), hx(AIK_RAW_6_5));
}

/// expat §5.1 and digest ambiguity 5.1: the label is "Attestation" by default; the variant
/// "Attestation Binding" of the draft's section 4 text is configuration, and both peers must
/// use the same (a mismatch stops the session at hello).
#[test]
fn s5_1_exporter_label_is_configurable_and_must_match() {
    let exporter = exporter(HashAlgorithm::Sha256);
    assert_eq!(
        expat_exported_value(&exporter, ExpatLabel::AttestationBinding, &context_6_5())
            .unwrap()
            .expose(),
        hx(EXPORTED_BINDING_LABEL_6_5)
    );
    let mut client = config(Role::Client, Models::NONE, Models::BACKGROUND_CHECK);
    let mut server = config(Role::Server, Models::BACKGROUND_CHECK, Models::NONE);
    client.label = ExpatLabel::AttestationBinding;
    server.label = ExpatLabel::AttestationBinding;
    let mut pair = Pair::new(client.clone(), server);
    pair.establish();
    assert!(pair.client.is_open());
    assert_eq!(
        pair.server_log.evidence[0].0,
        sha256(&[&hx(SPKI_6_5), &hx(EXPORTED_BINDING_LABEL_6_5)])
    );
    let mut pair = Pair::new(
        client,
        config(Role::Server, Models::BACKGROUND_CHECK, Models::NONE),
    );
    pair.establish();
    assert_eq!(
        pair.client_log.failed(),
        Some(&Error::PeerIncompatible(PeerIncompatible::ShimParameters))
    );
}

/// expat §5.1: the binder ties the Evidence to this connection: Evidence bound to another
/// connection's exporter (here, another exporter master secret) does not match the binder
/// the relying party recomputes, and the Verifier's refusal fails the session with
/// attestation_failed.
#[test]
fn s5_1_evidence_bound_to_another_connection_is_rejected() {
    fn relayed(_: &[u8]) -> Vec<u8> {
        // The example's binder with the same context and key, from another connection.
        let other = seat_binding::exporter::RecordedExporter::new(
            generate::provider(),
            HashAlgorithm::Sha256,
            seat_binding::key_schedule::Protocol::Tls13,
            seat_binding::Secret::from_slice(&[0x11; 32]),
        )
        .unwrap();
        let b = expat_binder_for_certificate(
            generate::provider(),
            &other,
            ExpatLabel::Attestation,
            &context_6_5(),
            &parts_6_5().cert_der,
            PublicKeyEncoding::Spki,
        )
        .unwrap();
        evidence_embedding_binder(b.binding_value.as_bytes())
    }
    let mut pair = Pair::background_check();
    pair.cmw = relayed;
    pair.establish();
    assert_eq!(
        pair.client_log.failed(),
        Some(&Error::Attestation(AttestationError::Rejected(
            Rejection::new(Stage::Binding, "binder differs")
        )))
    );
    assert_eq!(
        pair.client_log.alerts(),
        vec![reference_cp().attestation_failed()]
    );
    assert!(!pair.client.is_open());
}

/// expat §6: the TLS stack treats `cmw_data` as opaque and hands it to the application,
/// which appraises it and decides; a refusal (empty authenticator) is the Attester's
/// answer, and the relying party that requires attestation ends with attestation_required.
/// The alert values are configuration (TBD code points).
#[test]
fn s6_refusal_and_rejection_carry_the_configured_alerts() {
    let custom = reference_cp()
        .with_alerts(
            AlertDescription(230),
            AlertDescription(231),
            AlertDescription(232),
        )
        .unwrap();
    let mut client = config(Role::Client, Models::NONE, Models::BACKGROUND_CHECK);
    client.code_points = custom;
    let mut server = config(Role::Server, Models::BACKGROUND_CHECK, Models::NONE);
    server.code_points = custom;
    let mut pair = Pair::new(client.clone(), server.clone());
    pair.attest = false;
    pair.establish();
    assert_eq!(
        pair.client_log.failed(),
        Some(&Error::Attestation(AttestationError::Refused))
    );
    assert_eq!(pair.client_log.alerts(), vec![AlertDescription(231)]);
    // The refusal was an empty authenticator: one Finished.
    assert_eq!(pair.server_log.authenticators()[0][0], 0x14);
    assert_eq!(pair.server_log.authenticators()[0].len(), 36);

    fn garbage(_: &[u8]) -> Vec<u8> {
        b"not bound".to_vec()
    }
    let mut pair = Pair::new(client, server);
    pair.cmw = garbage;
    pair.establish();
    assert_eq!(pair.client_log.alerts(), vec![AlertDescription(232)]);
}

/// expat §7 and RFC 9261 §4: freshness per exchange: a context is used once on a
/// connection; a peer repeating one is refused (illegal_parameter).
#[test]
fn s7_a_context_is_used_once() {
    let (mut server, exporter) = established(
        config(Role::Server, Models::BACKGROUND_CHECK, Models::NONE),
        Role::Server,
    );
    let first = [
        hello(Models::NONE, Models::BACKGROUND_CHECK),
        request_frame(1, hx(REQUEST_6_5)),
    ]
    .concat();
    receive(&mut server, &first, &exporter).unwrap();
    let err = receive(&mut server, &request_frame(2, hx(REQUEST_6_5)), &exporter).unwrap_err();
    assert_eq!(err, Error::PeerMisbehaved(PeerMisbehaved::ContextReused));
    assert_eq!(
        err.alert(&reference_cp()),
        AlertDescription::ILLEGAL_PARAMETER
    );
}

/// expat §7: re-attestation runs a new request with a new context, hence a new exporter
/// value and binder; the earlier Evidence does not answer it.
#[test]
fn s7_reattestation_uses_a_new_context_and_binder() {
    let mut pair = Pair::background_check();
    pair.establish();
    assert!(pair.client.is_open());
    pair.client
        .handle(Input::Reattest {
            exporter: &pair.exporter,
            now: NOW + 60,
        })
        .unwrap();
    pair.drain();
    let [first, second] = &pair.client_log.appraisals[..] else {
        panic!("{} appraisals", pair.client_log.appraisals.len())
    };
    assert_eq!(first.context, context_6_5());
    assert_eq!(second.context, (32u8..64).collect::<Vec<_>>());
    assert_eq!(first.binder, hx(BINDING_6_5));
    let exported =
        expat_exported_value(&pair.exporter, ExpatLabel::Attestation, &second.context).unwrap();
    assert_eq!(second.binder, sha256(&[&hx(SPKI_6_5), exported.expose()]));
    assert_ne!(first.binder, second.binder);
    assert!(matches!(second.exchange, Some(ExchangeId::Outgoing(2))));
    assert!(pair.client.is_open());
    assert_eq!(pair.client_log.failed(), None);
}

/// expat §7: attestation completes before any application data is sent to the peer: the
/// relying party's gate stays closed until the Evidence is accepted.
#[test]
fn s7_no_application_data_before_attestation() {
    let (mut client, _exporter) = established(
        config(Role::Client, Models::NONE, Models::BACKGROUND_CHECK),
        Role::Client,
    );
    assert!(!client.is_open());
    assert_eq!(
        client.handle(Input::Send(b"secret")).unwrap_err(),
        Error::ApiMisuse(ApiMisuse::GateClosed)
    );
    while let Some(a) = client.poll_action() {
        if let Action::Send(bytes) = a {
            for f in frames(&bytes) {
                assert!(!matches!(f, Frame::Data(_)), "data sent before attestation");
            }
        }
    }
}
