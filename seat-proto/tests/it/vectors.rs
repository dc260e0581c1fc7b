//! Known answers from outside the project: the external vectors (copied unchanged into
//! `seat-conformance/vectors/external/`, see its SOURCES.md), the worked encodings of
//! draft-fossati-seat-early-attestation section 4.1, the derived expat example of the expat
//! digest (section 6.5, built and checked with OpenSSL), and fizz's Exported Authenticator test
//! vectors (facebookincubator/fizz `ExportedAuthenticatorTest.cpp`).
//!
//! Each decodes to the fields its source states and re-encodes byte for byte.

use seat_proto::codec::{Codec, DecodeErrorKind, Reader};
use seat_proto::codepoints::{CodePoints, ExtensionType, HandshakeType, SignatureScheme};
use seat_proto::ext::{EntryExtension, Extension};
use seat_proto::message::{
    Authenticator, AuthenticatorMessages, AuthenticatorRequest, Certificate, CertificateRequest,
    CertificateVerify, Finished,
};
use seat_proto::remote_attestation::{AttestationScheme, EvidenceType, RemoteAttestation};
use serde_json::{Value, json};

use crate::render;

fn external(path: &str) -> Value {
    let text = match path {
        "early-extension/client-hello-both-lists" => include_str!(
            "../../../seat-conformance/vectors/external/early-extension/client-hello-both-lists.json"
        ),
        "ea-authenticator/expat-server-ed25519-json-cmw" => include_str!(
            "../../../seat-conformance/vectors/external/ea-authenticator/expat-server-ed25519-json-cmw.json"
        ),
        "ea-authenticator/expat-server-bad-finished" => include_str!(
            "../../../seat-conformance/vectors/external/ea-authenticator/expat-server-bad-finished.json"
        ),
        "ea-authenticator/expat-server-empty-authenticator" => include_str!(
            "../../../seat-conformance/vectors/external/ea-authenticator/expat-server-empty-authenticator.json"
        ),
        "ea-authenticator/expat-server-validated-with-client-labels" => include_str!(
            "../../../seat-conformance/vectors/external/ea-authenticator/expat-server-validated-with-client-labels.json"
        ),
        other => panic!("no vector {other}"),
    };
    let v: Value = serde_json::from_str(text).unwrap();
    assert_eq!(v["schema"], "seat-vectors/1");
    v
}

fn hex_field(v: &Value, name: &str) -> Vec<u8> {
    hex::decode(v[name].as_str().unwrap_or_else(|| panic!("missing {name}"))).unwrap()
}

/// The code points of the drafts' reference code, which the vectors use.
fn reference_cp() -> CodePoints {
    CodePoints::default()
        .with_cmw_attestation(CodePoints::REFERENCE_CMW_ATTESTATION)
        .unwrap()
}

/// A scheme as the `seat-vectors/1` format writes it.
fn scheme_json(s: &AttestationScheme) -> Value {
    match s {
        AttestationScheme::Evidence(EvidenceType::ContentFormat(cf)) => {
            json!({"mechanism": "evidence", "content_format": cf})
        }
        AttestationScheme::Evidence(EvidenceType::MediaType(m)) => {
            json!({"mechanism": "evidence", "media_type": m.as_str().unwrap()})
        }
        AttestationScheme::Result(v) => {
            json!({"mechanism": "result", "verifier_identity": hex::encode(v.as_bytes())})
        }
    }
}

mod early_attestation_section_4_1 {
    use super::*;

    #[test]
    fn client_hello_vector_decodes_to_its_fields() {
        let v = external("early-extension/client-hello-both-lists");
        assert_eq!(v["message"], "client_hello");
        assert_eq!(
            v["codepoint"],
            u64::from(CodePoints::DEFAULT.remote_attestation().0)
        );
        let data = hex_field(&v, "extension_data");
        let ra = RemoteAttestation::decode_data(HandshakeType::CLIENT_HELLO, &data).unwrap();
        let RemoteAttestation::ClientHello(offer) = &ra else {
            panic!("wrong form")
        };
        let decoded = json!({
            "server_attester_schemes": offer.server_attester_schemes().iter().map(scheme_json).collect::<Vec<_>>(),
            "client_attester_schemes": offer.client_attester_schemes().iter().map(scheme_json).collect::<Vec<_>>(),
        });
        assert_eq!(decoded, v["decoded"]);
        assert_eq!(ra.to_data(), data);
        insta::assert_snapshot!(
            "early_client_hello_both_lists",
            render::remote_attestation(&ra)
        );
    }

    /// The illustrative encodings of the section, each a whole extension (type 0xff3a, length,
    /// data), with the values the digest states.
    #[test]
    fn worked_encodings_decode_and_reencode() {
        let cases: [(&str, HandshakeType, &str); 5] = [
            (
                "client_hello",
                HandshakeType::CLIENT_HELLO,
                "ff3a0032002a000100136170706c69636174696f6e2f6561742b63777401001076657269666965722e6578616d706c6500040000fde7",
            ),
            (
                "encrypted_extensions",
                HandshakeType::ENCRYPTED_EXTENSIONS,
                "ff3a001700010013\
                 6170706c69636174696f6e2f6561742b637774",
            ),
            (
                "certificate_request",
                HandshakeType::CERTIFICATE_REQUEST,
                "ff3a00040000fde7",
            ),
            (
                "certificate",
                HandshakeType::CERTIFICATE,
                "ff3a000c0000098219fde7442347da55",
            ),
            (
                "client_hello_both_empty",
                HandshakeType::CLIENT_HELLO,
                "ff3a000400000000",
            ),
        ];
        let mut transcript = String::new();
        for (name, msg, hex) in cases {
            let bytes = hex::decode(hex).unwrap();
            let ext = Extension::decode(&bytes).unwrap();
            assert_eq!(ext.extension_type, ExtensionType(0xff3a));
            let ra = RemoteAttestation::decode_data(msg, ext.data.as_bytes()).unwrap();
            assert_eq!(ra.message(), msg);
            assert_eq!(ra.to_data(), ext.data.as_bytes(), "{name}");
            transcript.push_str(&format!("== {name}\n{}", render::remote_attestation(&ra)));
        }
        // Spot-check the stated values.
        let media = AttestationScheme::Evidence(EvidenceType::MediaType(
            seat_proto::remote_attestation::MediaType::new(b"application/eat+cwt".to_vec())
                .unwrap(),
        ));
        let ee = RemoteAttestation::decode_data(
            HandshakeType::ENCRYPTED_EXTENSIONS,
            &hex::decode("000100136170706c69636174696f6e2f6561742b637774").unwrap(),
        )
        .unwrap();
        assert_eq!(ee, RemoteAttestation::EncryptedExtensions(media));
        let cr = RemoteAttestation::decode_data(
            HandshakeType::CERTIFICATE_REQUEST,
            &hex::decode("0000fde7").unwrap(),
        )
        .unwrap();
        assert_eq!(
            cr,
            RemoteAttestation::CertificateRequest(AttestationScheme::Evidence(
                EvidenceType::ContentFormat(64999)
            ))
        );
        let cert = RemoteAttestation::decode_data(
            HandshakeType::CERTIFICATE,
            &hex::decode("0000098219fde7442347da55").unwrap(),
        )
        .unwrap();
        let RemoteAttestation::Certificate(cmw) = cert else {
            panic!()
        };
        assert_eq!(cmw.as_bytes(), hex::decode("8219fde7442347da55").unwrap());
        insta::assert_snapshot!("early_worked_encodings", transcript);
    }

    #[test]
    fn malformed_forms_are_rejected_with_position() {
        // A ClientHello list length that runs past the data.
        let err =
            RemoteAttestation::decode_data(HandshakeType::CLIENT_HELLO, &[0x00, 0x05, 0x00, 0x00])
                .unwrap_err();
        // The list's contents start after its 2-byte length.
        assert_eq!(err.offset(), Some(2));
        assert_eq!(
            err.kind(),
            DecodeErrorKind::Truncated {
                needed: 5,
                available: 2
            }
        );
        // Trailing bytes after the chosen scheme.
        let err = RemoteAttestation::decode_data(
            HandshakeType::ENCRYPTED_EXTENSIONS,
            &[0, 0, 0xfd, 0xe7, 0],
        )
        .unwrap_err();
        assert_eq!(err.kind(), DecodeErrorKind::TrailingBytes { count: 1 });
        assert_eq!(err.offset(), Some(4));
        // A CMW whose 3-byte length exceeds the data.
        let err = RemoteAttestation::decode_data(HandshakeType::CERTIFICATE, &[0, 0, 9, 0x82])
            .unwrap_err();
        assert!(matches!(err.kind(), DecodeErrorKind::Truncated { .. }));
    }
}

mod expat_section_6_5 {
    use super::*;

    #[test]
    fn request_decodes_to_its_fields() {
        let v = external("ea-authenticator/expat-server-ed25519-json-cmw");
        let bytes = hex_field(&v, "request");
        let req = AuthenticatorRequest::decode(&bytes, &reference_cp()).unwrap();
        assert_eq!(req.msg_type(), HandshakeType::CLIENT_CERTIFICATE_REQUEST);
        assert_eq!(
            req.context().as_bytes(),
            hex_field(&v, "certificate_request_context")
        );
        assert_eq!(
            req.extensions().signature_algorithms().unwrap().schemes(),
            [
                SignatureScheme::ED25519,
                SignatureScheme::ECDSA_SECP256R1_SHA256
            ]
        );
        assert!(req.extensions().offers_cmw_attestation());
        assert_eq!(v["expat"]["codepoint"], 0xffff);
        assert_eq!(req.to_vec(), bytes);
        insta::assert_snapshot!("expat_request", render::request(&req));

        // Under the default code point 0xff00 the same bytes carry an unknown extension and
        // no offer: the code point decides.
        let req = AuthenticatorRequest::decode(&bytes, &CodePoints::DEFAULT).unwrap();
        assert!(!req.extensions().offers_cmw_attestation());
        assert!(req.extensions().contains(ExtensionType(0xffff)));
        assert_eq!(req.to_vec(), bytes);
    }

    #[test]
    fn authenticator_decodes_to_its_fields() {
        let v = external("ea-authenticator/expat-server-ed25519-json-cmw");
        let bytes = hex_field(&v, "authenticator");
        let auth = Authenticator::decode(&bytes, 32, &reference_cp()).unwrap();
        let Authenticator::Full {
            certificate,
            certificate_verify,
            finished,
        } = &auth
        else {
            panic!("not a full authenticator")
        };
        assert_eq!(
            certificate.context().as_bytes(),
            hex_field(&v, "certificate_request_context")
        );
        assert_eq!(certificate.entries().len(), 1);
        let leaf = certificate.end_entity().unwrap();
        // The digest's layout: cert_der of 229 bytes holding the listed SPKI.
        assert_eq!(leaf.cert_data.len(), 229);
        let spki = hex_field(&v, "leaf_spki");
        assert!(
            leaf.cert_data
                .as_bytes()
                .windows(spki.len())
                .any(|w| w == spki)
        );
        assert_eq!(
            leaf.extensions.cmw_attestation().unwrap().as_bytes(),
            hex::decode(v["expat"]["cmw"].as_str().unwrap()).unwrap()
        );
        assert_eq!(
            u64::from(certificate_verify.algorithm.0),
            v["signature_scheme"].as_u64().unwrap()
        );
        assert_eq!(certificate_verify.signature.len(), 64);
        // The digest's separately printed messages.
        assert_eq!(
            certificate_verify.to_vec(),
            hex::decode(
                "0f0000440807004011cd6967ed597baa9f9cccb2d6aae65fe9cda9aa2b73933f\
                 2db5ef52cf3807e5732744fde6d912148a898bdcd4ff1bb88c9a3072a83f13b9\
                 df26f1e76e98e000"
            )
            .unwrap()
        );
        assert_eq!(
            finished.to_vec(),
            hex::decode("14000020584c90f78441c234dcb30bc9b22adea03c1b9538ca80fefc95be7e0bcc76ac61")
                .unwrap()
        );
        assert_eq!(certificate.to_vec().len(), 540);
        assert_eq!(auth.to_vec(), bytes);
        insta::assert_snapshot!("expat_authenticator", render::authenticator(&auth));
    }

    #[test]
    fn split_keeps_each_message_with_its_header() {
        let v = external("ea-authenticator/expat-server-ed25519-json-cmw");
        let bytes = hex_field(&v, "authenticator");
        let AuthenticatorMessages::Full {
            certificate,
            certificate_verify,
            finished,
        } = AuthenticatorMessages::split(&bytes).unwrap()
        else {
            panic!()
        };
        assert_eq!(certificate.raw.len(), 540);
        assert_eq!(certificate_verify.raw.len(), 72);
        assert_eq!(finished.raw.len(), 36);
        assert_eq!(
            [certificate.raw, certificate_verify.raw, finished.raw].concat(),
            bytes
        );
    }

    /// The invalid vectors fail on MACs and signatures, which is validation's job; as bytes
    /// they are well-formed and must decode.
    #[test]
    fn invalid_vectors_are_well_formed_bytes() {
        for name in [
            "ea-authenticator/expat-server-bad-finished",
            "ea-authenticator/expat-server-validated-with-client-labels",
        ] {
            let v = external(name);
            assert_eq!(v["valid"], false);
            let req =
                AuthenticatorRequest::decode(&hex_field(&v, "request"), &reference_cp()).unwrap();
            let expected_type = if v["authenticator_role"] == "server" {
                HandshakeType::CLIENT_CERTIFICATE_REQUEST
            } else {
                HandshakeType::CERTIFICATE_REQUEST
            };
            assert_eq!(req.msg_type(), expected_type, "{name}");
            let bytes = hex_field(&v, "authenticator");
            let auth = Authenticator::decode(&bytes, 32, &reference_cp()).unwrap();
            assert!(matches!(auth, Authenticator::Full { .. }));
            assert_eq!(auth.to_vec(), bytes);
        }
    }

    #[test]
    fn empty_authenticator_and_virtual_certificate() {
        let v = external("ea-authenticator/expat-server-empty-authenticator");
        assert_eq!(v["outcome"], "refused");
        let bytes = hex_field(&v, "authenticator");
        let auth = Authenticator::decode(&bytes, 32, &reference_cp()).unwrap();
        assert!(matches!(auth, Authenticator::Empty { .. }));
        assert_eq!(auth.to_vec(), bytes);
        // The virtual Certificate the empty authenticator's MAC covers: the request's
        // context and an empty certificate_list (expat digest section 6.5).
        let virtual_cert = hex::decode(
            "0b00002420000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f000000",
        )
        .unwrap();
        let cert = Certificate::decode(&virtual_cert, &reference_cp()).unwrap();
        assert_eq!(
            cert.context().as_bytes(),
            hex_field(&v, "certificate_request_context")
        );
        assert!(cert.entries().is_empty());
        assert_eq!(cert.to_vec(), virtual_cert);
        insta::assert_snapshot!("expat_empty_authenticator", render::authenticator(&auth));
    }

    /// The digest's suggested negative: the cmw_attestation extension moved off the first
    /// entry is still well-formed bytes (the placement rule belongs to validation), while a
    /// request whose offer carries data is malformed.
    #[test]
    fn offer_with_data_is_a_decode_error() {
        let mut bytes = hex::decode(
            "1100003120000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f000e000d0006000408070403ffff0000",
        )
        .unwrap();
        // Give the offer one byte of data and fix up the three lengths.
        bytes.push(0xaa);
        bytes[3] += 1; // handshake length
        bytes[38] += 1; // extensions length, low byte (after the 32-byte context at offset 5)
        let last = bytes.len() - 2;
        bytes[last] = 0x01; // cmw_attestation extension_data length
        let err = AuthenticatorRequest::decode(&bytes, &reference_cp()).unwrap_err();
        assert_eq!(err.kind(), DecodeErrorKind::NotEmpty { length: 1 });
        assert_eq!(err.offset(), Some(bytes.len() - 1));
    }

    #[test]
    fn duplicate_cmw_extension_in_entry_is_rejected() {
        let v = external("ea-authenticator/expat-server-ed25519-json-cmw");
        let auth_bytes = hex_field(&v, "authenticator");
        let AuthenticatorMessages::Full { certificate, .. } =
            AuthenticatorMessages::split(&auth_bytes).unwrap()
        else {
            panic!()
        };
        let cert = Certificate::decode(certificate.raw, &reference_cp()).unwrap();
        // Rebuild the entry's extension block by hand with the CMW extension twice.
        let leaf = cert.end_entity().unwrap();
        let EntryExtension::CmwAttestation { cmw, .. } = leaf.extensions.iter().next().unwrap()
        else {
            panic!()
        };
        let mut one = vec![0xff, 0xff];
        let mut data = Vec::new();
        cmw.encode(&mut data);
        one.extend((data.len() as u16).to_be_bytes());
        one.extend(&data);
        let mut block = ((2 * one.len()) as u16).to_be_bytes().to_vec();
        block.extend(&one);
        block.extend(&one);
        let err = seat_proto::ext::EntryExtensions::read(&mut Reader::new(&block), &reference_cp())
            .unwrap_err();
        assert_eq!(
            err.kind(),
            DecodeErrorKind::DuplicateExtension {
                extension_type: 0xffff
            }
        );
        assert_eq!(err.offset(), Some(2 + one.len()));
    }
}

mod fizz_exported_authenticator_test {
    //! fizz encodes the request as a bare `CertificateRequest` body, without the 4-byte
    //! handshake header (expat digest sections 5.12 and 6.2); RFC 9261 includes the header.
    use super::*;

    const CONTEXT: &[u8] = b"0123456789abcdefghij";

    #[test]
    fn body_only_requests_decode() {
        let cp = CodePoints::DEFAULT;
        // expected_auth_request: signature_algorithms [0x0403, 0x0804].
        let body =
            hex::decode("14303132333435363738396162636465666768696a000a000d0006000404030804")
                .unwrap();
        let req = CertificateRequest::decode_body(&body, &cp).unwrap();
        assert_eq!(req.context.as_bytes(), CONTEXT);
        assert_eq!(
            req.extensions.signature_algorithms().unwrap().schemes(),
            [
                SignatureScheme::ECDSA_SECP256R1_SHA256,
                SignatureScheme::RSA_PSS_RSAE_SHA256
            ]
        );
        let mut out = Vec::new();
        req.encode_body(&mut out);
        assert_eq!(out, body);

        // The same request in RFC 9261 framing: `0d000021` + body.
        let framed = [hex::decode("0d000021").unwrap(), body].concat();
        let req = AuthenticatorRequest::decode(&framed, &cp).unwrap();
        assert_eq!(req.msg_type(), HandshakeType::CERTIFICATE_REQUEST);
        assert_eq!(req.to_vec(), framed);
        insta::assert_snapshot!("fizz_request", render::request(&req));

        // The request used by the authenticator tests: one scheme, 0x0403.
        let body =
            hex::decode("14303132333435363738396162636465666768696a0008000d000400020403").unwrap();
        let req = CertificateRequest::decode_body(&body, &cp).unwrap();
        assert_eq!(
            req.extensions.signature_algorithms().unwrap().schemes(),
            [SignatureScheme::ECDSA_SECP256R1_SHA256]
        );
        // And its RFC 9261 form as the digest prints it.
        let framed =
            hex::decode("0d00001f14303132333435363738396162636465666768696a0008000d000400020403")
                .unwrap();
        assert_eq!(
            AuthenticatorRequest::decode(&framed, &cp)
                .unwrap()
                .request(),
            &req
        );
    }

    #[test]
    fn mock_authenticator_decodes() {
        // expected_authenticator: empty-context Certificate with an empty list, a
        // CertificateVerify with the 9-byte fake signature "signature", a real Finished.
        let bytes = hex::decode(
            "0b000004000000000f00000d040300097369676e617475726514000020b523548c421b05f7f3c33276fbdd5266ba2df103796d7d483368259860a648f2",
        )
        .unwrap();
        let auth = Authenticator::decode(&bytes, 32, &CodePoints::DEFAULT).unwrap();
        let Authenticator::Full {
            certificate,
            certificate_verify,
            ..
        } = &auth
        else {
            panic!()
        };
        assert!(certificate.context().is_empty());
        assert!(certificate.entries().is_empty());
        assert_eq!(
            certificate_verify.algorithm,
            SignatureScheme::ECDSA_SECP256R1_SHA256
        );
        assert_eq!(certificate_verify.signature.as_bytes(), b"signature");
        assert_eq!(auth.to_vec(), bytes);
    }

    #[test]
    fn empty_authenticator_decodes() {
        let bytes =
            hex::decode("1400002011fae4bcdf4673b6dfb276d886c4cd1c5b0920da961643f062d1d4a6062115b1")
                .unwrap();
        let auth = Authenticator::decode(&bytes, 32, &CodePoints::DEFAULT).unwrap();
        assert!(matches!(auth, Authenticator::Empty { .. }));
        assert_eq!(auth.to_vec(), bytes);
        // Decoded with a SHA-384 suite's length, the same bytes are malformed.
        let err = Authenticator::decode(&bytes, 48, &CodePoints::DEFAULT).unwrap_err();
        assert_eq!(err.what(), "Finished.verify_data");
    }

    /// `TestGetContext`: a complete P-256 authenticator. Layout per the digest:
    /// Certificate `0b 00020f | 14 ctx(20) | 0001f7 | 0001f2 cert(498) | 0000`;
    /// CertificateVerify `0f 00004a | 0403 | 0046 | DER ECDSA sig(70)`; Finished `14 000020`.
    #[test]
    fn p256_authenticator_decodes_and_yields_its_context() {
        let bytes = hex::decode(concat!(
            "0b00020f14303132333435363738396162636465666768696a0001f70001f2308201ee30820195a003020102020900c5",
            "69eec901ce86d9300a06082a8648ce3d0403023054310b3009060355040613025553310b300906035504080c024e5931",
            "0b300906035504070c024e59310d300b060355040a0c0446697a7a310d300b060355040b0c0446697a7a310d300b0603",
            "5504030c0446697a7a301e170d3137303430343138323930395a170d3431313132343138323930395a3054310b300906",
            "0355040613025553310b300906035504080c024e59310b300906035504070c024e59310d300b060355040a0c0446697a",
            "7a310d300b060355040b0c0446697a7a310d300b06035504030c0446697a7a3059301306072a8648ce3d020106082a86",
            "48ce3d030107034200049d87bcaddb65d8dcf6df8b148a9679b5b710db19c95a9badfff13468cb358b4e21d24a5c8261",
            "12658ebb96d64e2985dfb41c1948334391a4aa81b67837e2dbf0a350304e301d0603551d0e041604143c5b8ba954d975",
            "2faf3c8ad6d1a62449dccaa850301f0603551d230418301680143c5b8ba954d9752faf3c8ad6d1a62449dccaa850300c",
            "0603551d13040530030101ff300a06082a8648ce3d04030203470030440220349b7d34d7132fb2756576e0bfa36cbe17",
            "23337a7a6f5ef9c8d3bf1aa7efa4a5022025c50a91e0aa4272f1f52c3d5583a7d7cee14b178835273a0bd814303e62d7",
            "1400000f00004a04030046304402204ee36706cefd7b5de1b87eef8a756b1f69365451cae050163e030d7cb7594fbc02",
            "2040aaadc7770b0404c5deb6fd9d9a2161423fb993a0a5b9e38f2c0e0d9183a52d1400002001dd31f46369c46fe41712",
            "e83ae7c46d31fdae816024edbb3b58cc29e2234852",
        ))
        .unwrap();
        let auth = Authenticator::decode(&bytes, 32, &CodePoints::DEFAULT).unwrap();
        let Authenticator::Full {
            certificate,
            certificate_verify,
            ..
        } = &auth
        else {
            panic!()
        };
        // expected_cr_context.
        assert_eq!(
            certificate.context().as_bytes(),
            hex::decode("303132333435363738396162636465666768696a").unwrap()
        );
        let leaf = certificate.end_entity().unwrap();
        assert_eq!(leaf.cert_data.len(), 498);
        assert!(leaf.extensions.is_empty());
        assert_eq!(
            certificate_verify.algorithm,
            SignatureScheme::ECDSA_SECP256R1_SHA256
        );
        assert_eq!(certificate_verify.signature.len(), 70);
        assert_eq!(auth.to_vec(), bytes);
        insta::assert_snapshot!("fizz_p256_authenticator", render::authenticator(&auth));
    }

    #[test]
    fn finished_alone_decodes() {
        let f = Finished::decode(
            &hex::decode(
                "1400002001dd31f46369c46fe41712e83ae7c46d31fdae816024edbb3b58cc29e2234852",
            )
            .unwrap(),
            32,
        )
        .unwrap();
        assert_eq!(f.verify_data()[0], 0x01);
        let cv =
            CertificateVerify::decode(&hex::decode("0f00000d040300097369676e6174757265").unwrap())
                .unwrap();
        assert_eq!(cv.signature.as_bytes(), b"signature");
    }
}
