#![allow(clippy::indexing_slicing)]

//! RFC 9261 (Exported Authenticators), sections 4 to 7, one test per rule, named by section.
//!
//! Known answers come from the derived end-to-end example of the expat digest (section 6.5,
//! computed and checked with OpenSSL outside this project): the RFC 8448 section 3 exporter
//! master secret, a 32-byte context 0x00..0x1f, the Ed25519 attester key with seed
//! 0x40..0x5f (the fixed key `generate::attester(Ed25519)` loads) and its self-signed
//! certificate. Where a value is recomputed here (signed content, HMAC, hashes), it is with
//! OpenSSL, not with the code under test.

use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::{Signer, Verifier};
use seat_binding::authenticator::{AuthenticatorKeys, Role};
use seat_binding::provider::HashAlgorithm;
use seat_proto::authenticator::{
    self, ClientHelloOffers, Outcome, SentRequest, Solicitation, ValidatedAuthenticator,
};
use seat_proto::chain::{
    CertificateError, ChainTrust, ChainVerifier, DangerousSelfSignedVerifier, Purpose,
};
use seat_proto::codec::DecodeErrorKind;
use seat_proto::codepoints::{AlertDescription, ExtensionType, SignatureScheme};
use seat_proto::ext::{
    EntryExtension, Extension, ExtensionData, RequestExtension, RequestExtensions,
    SignatureSchemeList,
};
use seat_proto::message::{
    Authenticator, AuthenticatorRequest, Certificate, CertificateEntry, CertificateRequest,
    RequestContext,
};
use seat_proto::{ApiMisuse, Error, PeerIncompatible, PeerMisbehaved};

use super::common::{
    AUTHENTICATOR_6_5, NOW, Pair, REQUEST_6_5, SPKI_6_5, build, config, context_6_5, entry,
    established, frames, hello, hx, keys, parts_6_5, receive, reference_cp, request_6_5,
    request_frame, server_request_6_5, sha256, sign,
};

/// Expat digest section 6.5: the empty authenticator (refusal) for the same request.
const EMPTY_6_5: &str = "14000020f7efcc18f73534bcaed490346598d6f2cbe616b83d9e8e1f9f0ef70cb9ef22eb";

/// A chain verifier that trusts whatever it is shown, to isolate the other rules.
#[derive(Debug)]
struct AnyChain;

impl ChainVerifier for AnyChain {
    fn verify_chain(&self, _: &[u8], _: &[&[u8]], _: u64) -> Result<ChainTrust, CertificateError> {
        Ok(ChainTrust::Anchored)
    }
}

/// A chain verifier that trusts nothing.
#[derive(Debug)]
struct NoChain;

impl ChainVerifier for NoChain {
    fn verify_chain(&self, _: &[u8], _: &[&[u8]], _: u64) -> Result<ChainTrust, CertificateError> {
        Err(CertificateError::UnknownIssuer)
    }
}

fn validate(
    keys: &AuthenticatorKeys,
    solicitation: &Solicitation<'_>,
    bytes: &[u8],
) -> Result<Outcome, Error> {
    authenticator::validate(keys, solicitation, bytes, &reference_cp(), &AnyChain, NOW)
}

/// `certificate` signed correctly for `request` under `scheme` (see [`sign`]), validated
/// with `keys`.
fn validate_signed(
    keys: &AuthenticatorKeys,
    request: &SentRequest,
    certificate: &[u8],
    scheme: SignatureScheme,
) -> Result<Outcome, Error> {
    validate(
        keys,
        &Solicitation::Request(request),
        &sign(keys, Some(request.bytes()), certificate, scheme),
    )
}

fn authenticated(outcome: Outcome) -> ValidatedAuthenticator {
    match outcome {
        Outcome::Authenticated(a) => *a,
        Outcome::Refused => panic!("refused"),
    }
}

fn certificate(context: Vec<u8>, entries: Vec<CertificateEntry>) -> Vec<u8> {
    Certificate::new(RequestContext::new(context).unwrap(), entries)
        .unwrap()
        .to_vec()
}

fn sct() -> Extension {
    Extension {
        extension_type: ExtensionType::SIGNED_CERTIFICATE_TIMESTAMP,
        data: ExtensionData::new(vec![0, 0]).unwrap(),
    }
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let key = PKey::hmac(key).unwrap();
    let mut signer = Signer::new(MessageDigest::sha256(), &key).unwrap();
    signer.update(data).unwrap();
    signer.sign_to_vec().unwrap()
}

/// RFC 9261 §4: a server asks with `CertificateRequest` (13), a client with
/// `ClientCertificateRequest` (17); the two share one body layout and are answered by the
/// other role. Any other handshake type is not a request.
#[test]
fn s4_request_types_13_and_17_and_the_answering_role() {
    let cp = reference_cp();
    let by_client = SentRequest::client_request(
        context_6_5(),
        &[
            SignatureScheme::ED25519,
            SignatureScheme::ECDSA_SECP256R1_SHA256,
        ],
        true,
        &cp,
    )
    .unwrap();
    // Byte for byte the digest's ClientCertificateRequest.
    assert_eq!(by_client.bytes(), hx(REQUEST_6_5));
    assert_eq!(by_client.answering_role(), Role::Server);
    let by_server = server_request_6_5();
    // Same body, type 13.
    assert_eq!(by_server.bytes()[0], 0x0d);
    assert_eq!(by_server.bytes()[1..], hx(REQUEST_6_5)[1..]);
    assert_eq!(by_server.answering_role(), Role::Client);
    // A Certificate (11) header on the same body is not an authenticator request.
    let mut wrong = hx(REQUEST_6_5);
    wrong[0] = 0x0b;
    let err = Error::from(AuthenticatorRequest::decode(&wrong, &cp).unwrap_err());
    assert!(
        matches!(&err, Error::InvalidMessage(e) if matches!(e.kind(), DecodeErrorKind::UnexpectedMessage { found: 0x0b, .. })),
        "{err:?}"
    );
    assert_eq!(err.alert(&cp), AlertDescription::UNEXPECTED_MESSAGE);
}

/// RFC 9261 §4: `certificate_request_context<0..2^8-1>`; a request's `extensions<2..2^16-1>`
/// is never empty and must carry `signature_algorithms` (§7.1: the request API's extensions
/// "MUST include signature_algorithms").
#[test]
fn s4_context_bound_and_non_empty_extensions_with_signature_algorithms() {
    let cp = reference_cp();
    // 255 bytes is the largest context; 256 cannot be encoded.
    assert!(
        SentRequest::client_request(vec![1; 255], &[SignatureScheme::ED25519], false, &cp).is_ok()
    );
    assert!(matches!(
        SentRequest::client_request(vec![1; 256], &[SignatureScheme::ED25519], false, &cp),
        Err(Error::ApiMisuse(ApiMisuse::Unencodable(_)))
    ));
    // No scheme: no signature_algorithms, no request.
    assert!(SentRequest::client_request(vec![1; 32], &[], false, &cp).is_err());
    assert!(RequestExtensions::new(vec![]).is_err());
    // On the wire: a request whose extension block is empty does not decode.
    let empty_block = [0x11, 0, 0, 4, 1, 0xaa, 0, 0];
    assert!(AuthenticatorRequest::decode(&empty_block, &cp).is_err());
}

/// RFC 9261 §4: receivers ignore extensions they do not recognise in a request; the
/// authenticator is still built and validates, and the unknown extension is kept in the
/// transcript (both transcripts hash the request bytes as sent).
#[test]
fn s4_unrecognised_request_extensions_are_ignored() {
    let cp = reference_cp();
    let body = CertificateRequest {
        context: RequestContext::new(vec![0x33; 16]).unwrap(),
        extensions: RequestExtensions::new(vec![
            RequestExtension::Other(Extension {
                extension_type: ExtensionType(0x7a7a),
                data: ExtensionData::new(b"grease".to_vec()).unwrap(),
            }),
            RequestExtension::SignatureAlgorithms(
                SignatureSchemeList::new(vec![SignatureScheme::ED25519]).unwrap(),
            ),
        ])
        .unwrap(),
    };
    let bytes = AuthenticatorRequest::ClientCertificateRequest(body).to_vec();
    let request = SentRequest::decode(&bytes, &cp).unwrap();
    assert_eq!(request.bytes(), bytes);
    let keys = keys(HashAlgorithm::Sha256, Role::Server);
    let sol = Solicitation::Request(&request);
    let a = build(&keys, &sol, None).unwrap();
    let v = authenticated(validate(&keys, &sol, &a).unwrap());
    assert_eq!(v.certificate().context().as_bytes(), [0x33; 16]);
}

/// RFC 9261 §5.1: the Handshake Context and Finished MAC Key are
/// `TLS-Exporter(label, "", Hash.length)` with the sending role's labels
/// ("EXPORTER-{client,server} authenticator {handshake context,finished key}").
/// Known answers: expat digest §6.5 (RFC 8448 §3 exporter master secret).
#[test]
fn s5_1_authenticator_keys_use_the_role_labels_and_an_empty_context() {
    let server = keys(HashAlgorithm::Sha256, Role::Server);
    let client = keys(HashAlgorithm::Sha256, Role::Client);
    assert_eq!(
        server.handshake_context().expose(),
        hx("b5920228102885ce3bbc879252d7c4ae80f47616cdc91456338427e7890941b0")
    );
    assert_eq!(
        server.finished_key().expose(),
        hx("d7571ccc1577b04277765da1c875d933be15717b3ecf45d0708431fa077df54d")
    );
    assert_eq!(
        client.handshake_context().expose(),
        hx("3ce40ddfb5a8566480bb683fa63f43f1d6d52ab962854a98a3c080d81ed5631f")
    );
    assert_eq!(
        client.finished_key().expose(),
        hx("34db53a0d817c518dc905f36e253a11271904ea43778358aaeb85d377a4fe0fb")
    );
    assert_eq!(
        Role::Server.handshake_context_label(),
        b"EXPORTER-server authenticator handshake context"
    );
    assert_eq!(
        Role::Client.finished_key_label(),
        b"EXPORTER-client authenticator finished key"
    );
}

/// RFC 9261 §5.1: the key length is Hash.length of the connection's suite; with SHA-384 the
/// keys and the Finished `verify_data` are 48 bytes.
#[test]
fn s5_1_sha384_suites_use_48_byte_keys_and_finished() {
    let keys = keys(HashAlgorithm::Sha384, Role::Server);
    assert_eq!(keys.handshake_context().expose().len(), 48);
    assert_eq!(keys.finished_key().expose().len(), 48);
    let request = request_6_5();
    let sol = Solicitation::Request(&request);
    let a = build(&keys, &sol, None).unwrap();
    // The Finished message closes the authenticator: 0x14 || uint24(48) || 48 bytes.
    assert_eq!(a[a.len() - 52..a.len() - 48], [0x14, 0, 0, 48]);
    authenticated(validate(&keys, &sol, &a).unwrap());
    let empty = authenticator::build_empty(&keys, &sol).unwrap();
    assert_eq!(empty.len(), 4 + 48);
}

/// RFC 9261 §5.2.1: the Certificate's `certificate_request_context` echoes the request's;
/// a different one is rejected.
#[test]
fn s5_2_1_certificate_echoes_the_request_context() {
    let request = request_6_5();
    let keys = keys(HashAlgorithm::Sha256, Role::Server);
    let p = parts_6_5();
    let cert = certificate(vec![0xee; 32], vec![entry(&p.cert_der, vec![])]);
    let err = validate_signed(&keys, &request, &cert, SignatureScheme::ED25519).unwrap_err();
    assert_eq!(err, Error::PeerMisbehaved(PeerMisbehaved::ContextMismatch));
    assert_eq!(
        err.alert(&reference_cp()),
        AlertDescription::ILLEGAL_PARAMETER
    );
}

/// RFC 9261 §5.2.1 with §6: a full authenticator carries a certificate; "no certificate" is
/// said with the empty authenticator, never with an empty `certificate_list`.
#[test]
fn s5_2_1_empty_certificate_list_is_rejected() {
    let request = request_6_5();
    let keys = keys(HashAlgorithm::Sha256, Role::Server);
    let cert = certificate(context_6_5(), vec![]);
    assert_eq!(
        validate_signed(&keys, &request, &cert, SignatureScheme::ED25519).unwrap_err(),
        Error::PeerMisbehaved(PeerMisbehaved::EmptyCertificateList)
    );
}

/// RFC 9261 §5.2.1: the extensions of a CertificateEntry are limited to those the request
/// carried: `signed_certificate_timestamp` is accepted when requested, refused with
/// unsupported_extension when not.
#[test]
fn s5_2_1_entry_extensions_limited_to_the_requests() {
    let cp = reference_cp();
    let keys = keys(HashAlgorithm::Sha256, Role::Server);
    let p = parts_6_5();
    let with_sct = |offer: bool| {
        let mut exts = vec![RequestExtension::SignatureAlgorithms(
            SignatureSchemeList::new(vec![SignatureScheme::ED25519]).unwrap(),
        )];
        if offer {
            exts.push(RequestExtension::Other(sct()));
        }
        SentRequest::new(AuthenticatorRequest::ClientCertificateRequest(
            CertificateRequest {
                context: RequestContext::new(context_6_5()).unwrap(),
                extensions: RequestExtensions::new(exts).unwrap(),
            },
        ))
    };
    let cert = certificate(
        context_6_5(),
        vec![entry(&p.cert_der, vec![EntryExtension::Other(sct())])],
    );
    let offered = with_sct(true);
    let v =
        authenticated(validate_signed(&keys, &offered, &cert, SignatureScheme::ED25519).unwrap());
    assert!(
        v.certificate()
            .end_entity()
            .unwrap()
            .extensions
            .contains(ExtensionType::SIGNED_CERTIFICATE_TIMESTAMP)
    );

    let not_offered = with_sct(false);
    let err = validate_signed(&keys, &not_offered, &cert, SignatureScheme::ED25519).unwrap_err();
    assert_eq!(
        err,
        Error::PeerMisbehaved(PeerMisbehaved::UnsolicitedExtension(
            ExtensionType::SIGNED_CERTIFICATE_TIMESTAMP
        ))
    );
    assert_eq!(err.alert(&cp), AlertDescription::UNSUPPORTED_EXTENSION);
}

/// RFC 9261 §5.2.2: CertificateVerify signs `0x20 * 64 || "Exported Authenticator" || 0x00 ||
/// Hash(Handshake Context || request || Certificate)` with the leaf key. Checked on the
/// digest's authenticator with OpenSSL, over content assembled here.
#[test]
fn s5_2_2_certificate_verify_uses_exported_authenticator_context() {
    let p = parts_6_5();
    let keys = keys(HashAlgorithm::Sha256, Role::Server);
    let th = sha256(&[
        keys.handshake_context().expose(),
        &hx(REQUEST_6_5),
        &p.certificate,
    ]);
    // th_cv of the digest.
    assert_eq!(
        th,
        hx("b60d5889923f8cd397eb376ed9bd856953e7257f9bebb6ea79e220c55de947a3")
    );
    let content = [&[0x20u8; 64][..], b"Exported Authenticator", &[0], &th].concat();
    assert_eq!(
        keys.certificate_verify_content(Some(&hx(REQUEST_6_5)), &p.certificate),
        content
    );
    // CertificateVerify: 0f 000044 | 0807 | 0040 | signature.
    assert_eq!(
        p.certificate_verify[..8],
        [0x0f, 0, 0, 0x44, 0x08, 0x07, 0, 0x40]
    );
    let pkey = PKey::public_key_from_der(&hx(SPKI_6_5)).unwrap();
    let mut verifier = Verifier::new_without_digest(&pkey).unwrap();
    assert!(
        verifier
            .verify_oneshot(&p.certificate_verify[8..], &content)
            .unwrap()
    );
    // The TLS 1.3 handshake context string would not verify: the domains are separate.
    let tls = [
        &[0x20u8; 64][..],
        b"TLS 1.3, server CertificateVerify",
        &[0],
        &th,
    ]
    .concat();
    let mut verifier = Verifier::new_without_digest(&pkey).unwrap();
    assert!(
        !verifier
            .verify_oneshot(&p.certificate_verify[8..], &tls)
            .unwrap()
    );
}

/// RFC 9261 §5.2.2: the signature scheme is one the request's `signature_algorithms`
/// offered and a TLS 1.3 scheme; RSASSA-PKCS1-v1_5 is not one, even when offered.
#[test]
fn s5_2_2_scheme_offered_and_valid_for_tls_1_3() {
    let cp = reference_cp();
    let keys = keys(HashAlgorithm::Sha256, Role::Server);
    let p = parts_6_5();
    let cert = certificate(context_6_5(), vec![entry(&p.cert_der, vec![])]);
    // The example request offers ed25519 and ecdsa_secp256r1_sha256 only.
    let request = request_6_5();
    let err = validate_signed(&keys, &request, &cert, SignatureScheme::ED448).unwrap_err();
    assert_eq!(
        err,
        Error::PeerMisbehaved(PeerMisbehaved::SignatureSchemeNotOffered(
            SignatureScheme::ED448
        ))
    );
    assert_eq!(err.alert(&cp), AlertDescription::ILLEGAL_PARAMETER);
    // rsa_pkcs1_sha256 (0x0401) offered and used: not a TLS 1.3 CertificateVerify scheme.
    let pkcs1 =
        SentRequest::client_request(context_6_5(), &[SignatureScheme(0x0401)], false, &cp).unwrap();
    let err = validate_signed(&keys, &pkcs1, &cert, SignatureScheme(0x0401)).unwrap_err();
    assert_eq!(
        err,
        Error::PeerIncompatible(PeerIncompatible::UnsupportedSignatureScheme(
            SignatureScheme(0x0401)
        ))
    );
    // The builder will not sign with a scheme the request did not offer.
    let p256_only = SentRequest::client_request(
        context_6_5(),
        &[SignatureScheme::ECDSA_SECP256R1_SHA256],
        false,
        &cp,
    )
    .unwrap();
    assert_eq!(
        build(&keys, &Solicitation::Request(&p256_only), None).unwrap_err(),
        Error::ApiMisuse(ApiMisuse::SchemeNotOffered(SignatureScheme::ED25519))
    );
}

/// RFC 9261 §5.2.3: Finished `verify_data = HMAC(Finished MAC Key, Hash(Handshake Context ||
/// request || Certificate || CertificateVerify))`. Recomputed with OpenSSL on the digest's
/// authenticator; one flipped bit is rejected with decrypt_error.
#[test]
fn s5_2_3_finished_is_hmac_over_the_authenticator_transcript() {
    let p = parts_6_5();
    let keys = keys(HashAlgorithm::Sha256, Role::Server);
    let th = sha256(&[
        keys.handshake_context().expose(),
        &hx(REQUEST_6_5),
        &p.certificate,
        &p.certificate_verify,
    ]);
    assert_eq!(
        th,
        hx("ef04e8598a3837848b684de17d97118bb0a1d73eb610d775c97d338fba0c155a")
    );
    let mac = hmac_sha256(keys.finished_key().expose(), &th);
    assert_eq!(p.finished, [&[0x14, 0, 0, 0x20][..], &mac].concat());
    let request = request_6_5();
    let mut bad = hx(AUTHENTICATOR_6_5);
    *bad.last_mut().unwrap() ^= 0x01;
    let err = validate(&keys, &Solicitation::Request(&request), &bad).unwrap_err();
    assert_eq!(err, Error::PeerMisbehaved(PeerMisbehaved::BadFinished));
    assert_eq!(err.alert(&reference_cp()), AlertDescription::DECRYPT_ERROR);
}

/// RFC 9261 §5.2.4: the authenticator is `Certificate || CertificateVerify || Finished`,
/// each a handshake message with its 4-byte header. Built from the digest's inputs, it is the
/// digest's 648 bytes exactly (Ed25519 is deterministic).
#[test]
fn s5_2_4_authenticator_is_certificate_verify_finished_known_answer() {
    let p = parts_6_5();
    let request = request_6_5();
    let built = build(
        &keys(HashAlgorithm::Sha256, Role::Server),
        &Solicitation::Request(&request),
        Some(&p.cmw),
    )
    .unwrap();
    assert_eq!(hex::encode(&built), AUTHENTICATOR_6_5);
    // SHA-256 of the whole, as the digest states it.
    assert_eq!(
        sha256(&[&built]),
        hx("b2bde71b2baea6cbca16ae64a2d698bb9e9cac5e58c18a7075468e8cffe97086")
    );
}

/// RFC 9261 §5.2.1 (spontaneous server authenticators): only a server may send one; its
/// context is the server's choice; the request is omitted from both transcripts; its
/// extensions and scheme come from the ClientHello.
#[test]
fn s5_2_spontaneous_server_authenticator() {
    let _cp = reference_cp();
    let p = parts_6_5();
    let offers = ClientHelloOffers {
        signature_algorithms: vec![SignatureScheme::ED25519],
        extensions: vec![ExtensionType::SIGNED_CERTIFICATE_TIMESTAMP],
    };
    let server = keys(HashAlgorithm::Sha256, Role::Server);
    let sol = Solicitation::Spontaneous {
        context: &[0x5c; 8],
        offers: &offers,
    };
    let a = build(&server, &sol, None).unwrap();
    let v = authenticated(validate(&server, &sol, &a).unwrap());
    assert_eq!(v.certificate().context().as_bytes(), [0x5c; 8]);
    // Its transcripts omit the request: the CertificateVerify content hashes HC || Certificate.
    let cert_len = 4 + usize::from(a[3]) + (usize::from(a[2]) << 8);
    let th = sha256(&[server.handshake_context().expose(), &a[..cert_len]]);
    assert_eq!(
        server.certificate_verify_content(None, &a[..cert_len])[87..],
        th
    );
    // A client may not send one.
    let client = keys(HashAlgorithm::Sha256, Role::Client);
    assert_eq!(
        build(&client, &sol, None).unwrap_err(),
        Error::ApiMisuse(ApiMisuse::WrongRole)
    );
    // Entry extensions: those of the ClientHello (SCT) pass, others do not.
    let cert = certificate(
        vec![0x5c; 8],
        vec![entry(&p.cert_der, vec![EntryExtension::Other(sct())])],
    );
    authenticated(
        validate(
            &server,
            &sol,
            &sign(&server, None, &cert, SignatureScheme::ED25519),
        )
        .unwrap(),
    );
    let status = EntryExtension::Other(Extension {
        extension_type: ExtensionType(5),
        data: ExtensionData::new(vec![1]).unwrap(),
    });
    let cert = certificate(vec![0x5c; 8], vec![entry(&p.cert_der, vec![status])]);
    assert_eq!(
        validate(
            &server,
            &sol,
            &sign(&server, None, &cert, SignatureScheme::ED25519)
        )
        .unwrap_err(),
        Error::PeerMisbehaved(PeerMisbehaved::UnsolicitedExtension(ExtensionType(5)))
    );
}

/// RFC 9261 §6: the empty authenticator is a lone Finished whose MAC covers a virtual
/// Certificate with the request's context and an empty list:
/// `HMAC(FK, Hash(HC || request || 0b 000024 20 ctx 000000))`. Known answer: expat digest §6.5.
#[test]
fn s6_empty_authenticator_is_finished_only_known_answer() {
    let request = request_6_5();
    let server = keys(HashAlgorithm::Sha256, Role::Server);
    let sol = Solicitation::Request(&request);
    let empty = authenticator::build_empty(&server, &sol).unwrap();
    assert_eq!(hex::encode(&empty), EMPTY_6_5);
    // Recomputed with OpenSSL over the virtual Certificate the digest spells out.
    let virtual_cert = [&[0x0b, 0, 0, 0x24, 0x20][..], &context_6_5(), &[0, 0, 0]].concat();
    let th = sha256(&[
        server.handshake_context().expose(),
        request.bytes(),
        &virtual_cert,
    ]);
    assert_eq!(empty[4..], hmac_sha256(server.finished_key().expose(), &th));
    assert_eq!(validate(&server, &sol, &empty).unwrap(), Outcome::Refused);
}

/// RFC 9261 §6 (validation): the empty authenticator validates only with the answering
/// role's keys and the exact request; with the other role's labels, or for another request,
/// it is a bad Finished.
#[test]
fn s6_empty_authenticator_is_bound_to_role_and_request() {
    let request = request_6_5();
    let empty = hx(EMPTY_6_5);
    let client = keys(HashAlgorithm::Sha256, Role::Client);
    let as_server_request = server_request_6_5();
    assert_eq!(
        validate(&client, &Solicitation::Request(&as_server_request), &empty).unwrap_err(),
        Error::PeerMisbehaved(PeerMisbehaved::BadFinished)
    );
    let other = SentRequest::client_request(
        vec![0x01; 32],
        &[SignatureScheme::ED25519],
        true,
        &reference_cp(),
    )
    .unwrap();
    let server = keys(HashAlgorithm::Sha256, Role::Server);
    assert_eq!(
        validate(&server, &Solicitation::Request(&other), &empty).unwrap_err(),
        Error::PeerMisbehaved(PeerMisbehaved::BadFinished)
    );
    assert_eq!(
        validate(&server, &Solicitation::Request(&request), &empty).unwrap(),
        Outcome::Refused
    );
}

/// RFC 9261 §6 (validation): the messages come as Certificate, CertificateVerify, Finished in
/// that order, nothing missing, nothing after.
#[test]
fn s6_messages_in_order_nothing_missing_nothing_trailing() {
    let p = parts_6_5();
    let request = request_6_5();
    let keys = keys(HashAlgorithm::Sha256, Role::Server);
    let sol = Solicitation::Request(&request);
    for bad in [
        [
            p.certificate_verify.clone(),
            p.certificate.clone(),
            p.finished.clone(),
        ]
        .concat(),
        [p.certificate.clone(), p.finished.clone()].concat(),
        [p.certificate.clone(), p.certificate_verify.clone()].concat(),
        [hx(AUTHENTICATOR_6_5), vec![0]].concat(),
        p.certificate.clone(),
    ] {
        let err = validate(&keys, &sol, &bad).unwrap_err();
        assert!(matches!(err, Error::InvalidMessage(_)), "{err:?}");
    }
}

/// RFC 9261 §6 (validation): the authenticator validates only with the labels of the role
/// that built it; with the other role's Handshake Context the signature fails.
#[test]
fn s6_validation_uses_the_peers_labels() {
    let request = request_6_5();
    let client = keys(HashAlgorithm::Sha256, Role::Client);
    let as_server_request = server_request_6_5();
    // The same bytes under the client's labels (type 13 request, so the client answers).
    let err = validate(
        &client,
        &Solicitation::Request(&as_server_request),
        &hx(AUTHENTICATOR_6_5),
    )
    .unwrap_err();
    assert_eq!(err, Error::PeerMisbehaved(PeerMisbehaved::BadSignature));
    // And keys of the wrong role for the request are a caller error.
    assert_eq!(
        validate(
            &client,
            &Solicitation::Request(&request),
            &hx(AUTHENTICATOR_6_5)
        )
        .unwrap_err(),
        Error::ApiMisuse(ApiMisuse::WrongRole)
    );
}

/// RFC 9261 §6 and §7.4: the certificate chain is checked by the caller's validation
/// function; its refusal is the authenticator's.
#[test]
fn s6_chain_validation_function_decides() {
    let request = request_6_5();
    let keys = keys(HashAlgorithm::Sha256, Role::Server);
    let sol = Solicitation::Request(&request);
    let a = hx(AUTHENTICATOR_6_5);
    let err = authenticator::validate(&keys, &sol, &a, &reference_cp(), &NoChain, NOW).unwrap_err();
    assert_eq!(
        err,
        Error::InvalidCertificate(CertificateError::UnknownIssuer)
    );
    assert_eq!(err.alert(&reference_cp()), AlertDescription::UNKNOWN_CA);
    // The example certificate is self-signed: the self-signed policy trusts it for attestation
    // only, and refuses it once expired (2036-01-01).
    let selfsigned = DangerousSelfSignedVerifier::dangerous_new(Purpose::Server);
    let v = authenticated(
        authenticator::validate(&keys, &sol, &a, &reference_cp(), &selfsigned, NOW).unwrap(),
    );
    assert_eq!(v.trust(), ChainTrust::AttestationOnly);
    assert_eq!(
        authenticator::validate(&keys, &sol, &a, &reference_cp(), &selfsigned, 2_100_000_000)
            .unwrap_err(),
        Error::InvalidCertificate(CertificateError::Expired)
    );
}

/// RFC 9261 §7.2: "get context" returns the `certificate_request_context` of a request or of
/// an authenticator.
#[test]
fn s7_2_get_context_from_request_and_authenticator() {
    let cp = reference_cp();
    let request = AuthenticatorRequest::decode(&hx(REQUEST_6_5), &cp).unwrap();
    assert_eq!(request.context().as_bytes(), context_6_5());
    let Authenticator::Full { certificate, .. } =
        Authenticator::decode(&hx(AUTHENTICATOR_6_5), 32, &cp).unwrap()
    else {
        panic!("not a full authenticator")
    };
    assert_eq!(certificate.context().as_bytes(), context_6_5());
}

/// RFC 9261 §7.4: "validate" returns the identity: the chain, the per-certificate extensions
/// and the leaf key that signed.
#[test]
fn s7_4_validate_returns_the_identity() {
    let p = parts_6_5();
    let request = request_6_5();
    let v = authenticated(
        validate(
            &keys(HashAlgorithm::Sha256, Role::Server),
            &Solicitation::Request(&request),
            &hx(AUTHENTICATOR_6_5),
        )
        .unwrap(),
    );
    assert_eq!(v.chain(), vec![&p.cert_der[..]]);
    assert_eq!(v.leaf_spki(), hx(SPKI_6_5));
    assert_eq!(v.scheme(), SignatureScheme::ED25519);
    assert_eq!(v.cmw(), Some(&p.cmw[..]));
    assert_eq!(v.trust(), ChainTrust::Anchored);
}

/// RFC 9261 §4: a `certificate_request_context` is unique per connection across both
/// request types: a ClientCertificateRequest reusing the context of the server's own
/// CertificateRequest is refused (illegal_parameter).
#[test]
fn s4_context_unique_across_both_request_types() {
    use seat_proto::shim::Models;
    let both = Models::BACKGROUND_CHECK;
    let (mut server, exporter) = established(config(Role::Server, both, both), Role::Server);
    // The server's own CertificateRequest went out with the context 0x00..0x1f.
    let mut sent = Vec::new();
    while let Some(a) = server.poll_action() {
        if let seat_proto::session::Action::Send(b) = a {
            sent.extend(b);
        }
    }
    let mut contexts = Vec::new();
    for f in frames(&sent) {
        if let seat_proto::shim::Frame::Request { message, .. } = f {
            let r = AuthenticatorRequest::decode(&message, &reference_cp()).unwrap();
            assert_eq!(
                r.msg_type(),
                seat_proto::codepoints::HandshakeType::CERTIFICATE_REQUEST
            );
            contexts.push(r.context().as_bytes().to_vec());
        }
    }
    assert_eq!(contexts, vec![context_6_5()]);
    // The client asks with the same context, in a ClientCertificateRequest.
    let bytes = [hello(both, both), request_frame(1, hx(REQUEST_6_5))].concat();
    let err = receive(&mut server, &bytes, &exporter).unwrap_err();
    assert_eq!(err, Error::PeerMisbehaved(PeerMisbehaved::ContextReused));
    assert_eq!(
        err.alert(&reference_cp()),
        AlertDescription::ILLEGAL_PARAMETER
    );
}

/// RFC 9261 §5.2.2 with §6: the CertificateVerify scheme is chosen from the request's
/// `signature_algorithms`; "if no acceptable" scheme fits the endpoint's certificate, it
/// answers with the empty authenticator (a refusal) rather than nothing or an error.
#[test]
fn s5_2_2_no_usable_scheme_is_answered_with_the_empty_authenticator() {
    use seat_proto::session::{Action, Event};
    use seat_proto::shim::{Frame, Models};
    let m = Models::BACKGROUND_CHECK;
    // The attester's key is Ed25519; the request offers ecdsa_secp384r1_sha384 only.
    let (mut server, exporter) = established(config(Role::Server, m, Models::NONE), Role::Server);
    while server.poll_action().is_some() {}
    let request = SentRequest::client_request(
        vec![0x44; 32],
        &[SignatureScheme::ECDSA_SECP384R1_SHA384],
        true,
        &reference_cp(),
    )
    .unwrap();
    let bytes = [
        hello(Models::NONE, m),
        request_frame(1, request.bytes().to_vec()),
    ]
    .concat();
    receive(&mut server, &bytes, &exporter).unwrap();
    let mut answers = Vec::new();
    let mut asked_for_evidence = false;
    while let Some(a) = server.poll_action() {
        match a {
            Action::Send(b) => {
                for f in frames(&b) {
                    if let Frame::Authenticator { message, .. } = f {
                        answers.push(message);
                    }
                }
            }
            Action::ProduceEvidence { .. } => asked_for_evidence = true,
            Action::Event(Event::Failed { error, .. }) => panic!("{error:?}"),
            _ => {}
        }
    }
    assert!(
        !asked_for_evidence,
        "Evidence requested for an authenticator that cannot be signed"
    );
    let [answer] = &answers[..] else {
        panic!("{} answers", answers.len())
    };
    let keys = keys(HashAlgorithm::Sha256, Role::Server);
    assert_eq!(
        validate(&keys, &Solicitation::Request(&request), answer).unwrap(),
        Outcome::Refused
    );
}

/// RFC 9261 §7.4: validation treats a `certificate_request_context` already used by a
/// previously validated authenticator as a failure: the same authenticator presented again
/// on the connection is refused.
#[test]
fn s7_4_an_authenticator_validates_once() {
    use seat_proto::shim::Frame;
    let mut pair = Pair::background_check();
    pair.establish();
    assert!(pair.client.is_open());
    let [answer] = &pair.server_log.authenticators()[..] else {
        panic!("no authenticator")
    };
    let replay = Frame::Authenticator {
        exchange: 1,
        message: answer.clone(),
    }
    .to_vec()
    .unwrap();
    let err = receive(&mut pair.client, &replay, &pair.exporter).unwrap_err();
    assert_eq!(
        err,
        Error::PeerMisbehaved(PeerMisbehaved::UnexpectedAuthenticator)
    );
    assert_eq!(
        err.alert(&reference_cp()),
        AlertDescription::UNEXPECTED_MESSAGE
    );
}
