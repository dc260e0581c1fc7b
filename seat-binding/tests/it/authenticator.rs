//! RFC 9261 key material, CertificateVerify and Finished against the expat digest section 6.5,
//! the `ea-authenticator` vectors and fizz's values (expat digest section 6.2).

use seat_binding::authenticator::{AuthenticatorKeys, Role, empty_certificate};
use seat_binding::exporter::RecordedExporter;
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::{
    CryptoProvider, HashAlgorithm, SignatureAlgorithm, SignatureEncoding, SigningKey,
};
use seat_binding::{Digest, Error, Secret};

use crate::common::{hash_named, hx, json, protocol_named, split_messages};

/// spec/expat.md section 6.5.
const EXPAT: &str = include_str!("../data/expat-6.5.json");
/// spec/expat.md section 6.2 (fizz ExportedAuthenticatorTest.cpp).
const FIZZ: &str = include_str!("../data/fizz.json");
/// seat-vectors/1 `ea-authenticator` vectors (copied from seat-conformance/vectors/external).
const EA_VECTORS: [&str; 4] = [
    include_str!("../data/expat-server-ed25519-json-cmw.json"),
    include_str!("../data/expat-server-bad-finished.json"),
    include_str!("../data/expat-server-empty-authenticator.json"),
    include_str!("../data/expat-server-validated-with-client-labels.json"),
];

/// A provider that takes `CryptoProvider::hash_context`'s default, the buffered context.
#[derive(Debug)]
struct BufferedOnly(&'static dyn CryptoProvider);

impl CryptoProvider for BufferedOnly {
    fn hash(&self, alg: HashAlgorithm, parts: &[&[u8]]) -> Digest {
        self.0.hash(alg, parts)
    }
    fn hmac(&self, alg: HashAlgorithm, key: &[u8], parts: &[&[u8]]) -> Digest {
        self.0.hmac(alg, key, parts)
    }
    fn hkdf_extract(&self, alg: HashAlgorithm, salt: &[u8], ikm: &[u8]) -> Secret {
        self.0.hkdf_extract(alg, salt, ikm)
    }
    fn hkdf_expand(
        &self,
        alg: HashAlgorithm,
        prk: &[u8],
        info: &[&[u8]],
        out_len: usize,
    ) -> Result<Secret, Error> {
        self.0.hkdf_expand(alg, prk, info, out_len)
    }
    fn signing_key_from_pkcs8(
        &self,
        alg: SignatureAlgorithm,
        pkcs8_der: &[u8],
    ) -> Result<Box<dyn SigningKey>, Error> {
        self.0.signing_key_from_pkcs8(alg, pkcs8_der)
    }
    fn verify(
        &self,
        alg: SignatureAlgorithm,
        spki_der: &[u8],
        message: &[u8],
        signature: &[u8],
        encoding: SignatureEncoding,
    ) -> Result<(), Error> {
        self.0.verify(alg, spki_der, message, signature, encoding)
    }
}

fn exporter(p: &'static dyn CryptoProvider, v: &serde_json::Value) -> RecordedExporter {
    RecordedExporter::new(
        p,
        HashAlgorithm::Sha256,
        Protocol::Tls13,
        Secret::new(hx(v, "exporter_master_secret")),
    )
    .unwrap()
}

/// Every RFC 9261 row of the expat digest section 6.5: HC/FK for both roles, th_cv, th_fin,
/// the Ed25519 CertificateVerify verifying with the SPKI, Finished, and the empty authenticator.
fn expat_6_5_rows(p: &'static dyn CryptoProvider) {
    let v = json(EXPAT);
    let exp = exporter(p, &v);
    let client = AuthenticatorKeys::derive(p, &exp, Role::Client).unwrap();
    let server = AuthenticatorKeys::derive(p, &exp, Role::Server).unwrap();
    assert!(client.handshake_context().ct_eq_bytes(&hx(&v, "hc_client")));
    assert!(client.finished_key().ct_eq_bytes(&hx(&v, "fk_client")));
    assert!(server.handshake_context().ct_eq_bytes(&hx(&v, "hc_server")));
    assert!(server.finished_key().ct_eq_bytes(&hx(&v, "fk_server")));

    let request = hx(&v, "request");
    let cert = hx(&v, "certificate");
    let cv = hx(&v, "certificate_verify");
    let fin = hx(&v, "finished");
    let req = Some(request.as_slice());
    assert_eq!(
        server
            .certificate_verify_transcript_hash(req, &cert)
            .as_bytes(),
        hx(&v, "th_cv")
    );
    assert_eq!(
        server.finished_transcript_hash(req, &cert, &cv).as_bytes(),
        hx(&v, "th_fin")
    );
    // CertificateVerify: 0f 000044 | 0807 | 0040 | signature.
    let scheme = u16::from_be_bytes([cv[4], cv[5]]);
    let alg = SignatureAlgorithm::from_tls_scheme(scheme).unwrap();
    assert_eq!(alg, SignatureAlgorithm::Ed25519);
    let spki = hx(&v, "spki");
    server
        .verify_certificate_verify(req, &cert, alg, &spki, &cv[8..])
        .unwrap();
    assert_eq!(server.finished_mac(req, &cert, &cv).as_bytes(), &fin[4..]);
    server.verify_finished(req, &cert, &cv, &fin[4..]).unwrap();
    // The same answers from one running transcript, and the default (buffered) one.
    let transcript = server.transcript(req, &cert);
    transcript
        .verify_certificate_verify(alg, &spki, &cv[8..])
        .unwrap();
    assert_eq!(
        transcript.certificate_verify_content()[87..],
        hx(&v, "th_cv")
    );
    assert_eq!(transcript.finished_mac(&cv).as_bytes(), &fin[4..]);
    server
        .transcript(req, &cert)
        .verify_finished(&cv, &fin[4..])
        .unwrap();
    assert_eq!(
        server
            .transcript(req, &cert)
            .verify_finished(&cv[..cv.len() - 1], &fin[4..]),
        Err(Error::BadFinished)
    );
    let buffered_provider = BufferedOnly(p);
    let mut buffered = buffered_provider.hash_context(HashAlgorithm::Sha256);
    buffered.update(server.handshake_context().expose());
    buffered.update(&request);
    buffered.update(&cert);
    assert_eq!(buffered.current().as_bytes(), hx(&v, "th_cv"));
    buffered.update(&cv);
    assert_eq!(buffered.current().as_bytes(), hx(&v, "th_fin"));

    let ctx = hx(&v, "certificate_request_context");
    assert_eq!(
        empty_certificate(&ctx).unwrap(),
        hx(&v, "empty_virtual_certificate")
    );
    assert_eq!(
        server.empty_authenticator(req, &ctx).unwrap(),
        hx(&v, "empty_authenticator")
    );
    server
        .verify_empty_authenticator(req, &ctx, &hx(&v, "empty_authenticator")[4..])
        .unwrap();
    assert_eq!(
        hex::encode(
            p.hash(HashAlgorithm::Sha256, &[&hx(&v, "authenticator")])
                .as_bytes()
        ),
        v["sha256_authenticator"].as_str().unwrap()
    );
}

/// The digest's suggested negative tests: flipping a byte of the request, Certificate or
/// CertificateVerify breaks the later values; the client labels (wrong direction) fail.
fn expat_6_5_tampering(p: &'static dyn CryptoProvider) {
    let v = json(EXPAT);
    let exp = exporter(p, &v);
    let server = AuthenticatorKeys::derive(p, &exp, Role::Server).unwrap();
    let client = AuthenticatorKeys::derive(p, &exp, Role::Client).unwrap();
    let request = hx(&v, "request");
    let cert = hx(&v, "certificate");
    let cv = hx(&v, "certificate_verify");
    let fin = hx(&v, "finished");
    let spki = hx(&v, "spki");
    let alg = SignatureAlgorithm::Ed25519;

    let mut bad_req = request.clone();
    bad_req[10] ^= 1;
    assert_eq!(
        server.verify_certificate_verify(Some(&bad_req), &cert, alg, &spki, &cv[8..]),
        Err(Error::BadSignature)
    );
    assert_eq!(
        server.verify_finished(Some(&bad_req), &cert, &cv, &fin[4..]),
        Err(Error::BadFinished)
    );
    let mut bad_cert = cert.clone();
    bad_cert[300] ^= 1;
    assert_eq!(
        server.verify_certificate_verify(Some(&request), &bad_cert, alg, &spki, &cv[8..]),
        Err(Error::BadSignature)
    );
    let mut bad_cv = cv.clone();
    bad_cv[20] ^= 1;
    assert_eq!(
        server.verify_certificate_verify(Some(&request), &cert, alg, &spki, &bad_cv[8..]),
        Err(Error::BadSignature)
    );
    assert_eq!(
        server.verify_finished(Some(&request), &cert, &bad_cv, &fin[4..]),
        Err(Error::BadFinished)
    );
    assert_eq!(
        server.verify_finished(Some(&request), &cert, &cv, &fin[4..35]),
        Err(Error::BadFinished)
    );
    assert_eq!(
        client.verify_certificate_verify(Some(&request), &cert, alg, &spki, &cv[8..]),
        Err(Error::BadSignature)
    );
    assert_eq!(
        client.verify_finished(Some(&request), &cert, &cv, &fin[4..]),
        Err(Error::BadFinished)
    );
    // An Ed25519 key under an ECDSA scheme is a typed error, not a failed signature.
    assert_eq!(
        server.verify_certificate_verify(
            Some(&request),
            &cert,
            SignatureAlgorithm::EcdsaSecp256r1Sha256,
            &spki,
            &cv[8..]
        ),
        Err(Error::KeyMismatch)
    );
    let ctx = hx(&v, "certificate_request_context");
    let mut bad_ctx = ctx.clone();
    bad_ctx[0] ^= 1;
    assert_eq!(
        server.verify_empty_authenticator(
            Some(&request),
            &bad_ctx,
            &hx(&v, "empty_authenticator")[4..]
        ),
        Err(Error::BadFinished)
    );
    assert_eq!(empty_certificate(&[0; 256]), Err(Error::ContextTooLong));
}

/// The four seat-vectors/1 `ea-authenticator` files: outcome valid, invalid (bad Finished),
/// refused (empty authenticator), invalid (validated with the client's labels).
fn ea_authenticator_vectors(p: &'static dyn CryptoProvider) {
    for text in EA_VECTORS {
        let v = json(text);
        let name = v["name"].as_str().unwrap();
        assert_eq!(
            hash_named(v["hash"].as_str().unwrap()),
            HashAlgorithm::Sha256
        );
        assert_eq!(
            protocol_named(v["protocol"].as_str().unwrap()),
            Protocol::Tls13
        );
        let exp = exporter(p, &v);
        let role = match v["authenticator_role"].as_str().unwrap() {
            "client" => Role::Client,
            _ => Role::Server,
        };
        let keys = AuthenticatorKeys::derive(p, &exp, role).unwrap();
        let request = v["request"].as_str().map(crate::common::unhex);
        let req = request.as_deref();
        let auth = hx(&v, "authenticator");
        let msgs = split_messages(&auth);
        let ctx = hx(&v, "certificate_request_context");
        let outcome = v["outcome"].as_str().unwrap();
        if let [finished] = msgs.as_slice() {
            let res = keys.verify_empty_authenticator(req, &ctx, &finished[4..]);
            assert_eq!(res.is_ok(), outcome == "refused", "{name}");
            continue;
        }
        let [cert, cv, fin] = msgs.as_slice() else {
            panic!("{name}: not three messages")
        };
        // The vectors' leaf SPKI, where given, must be what we extract from the certificate.
        let off = 4 + 1 + ctx.len() + 3;
        let cert_len = usize::from(cert[off]) << 16
            | usize::from(cert[off + 1]) << 8
            | usize::from(cert[off + 2]);
        let cert_der = &cert[off + 3..off + 3 + cert_len];
        let leaf = seat_binding::spki::spki_from_certificate(cert_der).unwrap();
        if v.get("leaf_spki").is_some() {
            assert_eq!(leaf, hx(&v, "leaf_spki"));
        }
        let alg = SignatureAlgorithm::from_tls_scheme(u16::from_be_bytes([cv[4], cv[5]])).unwrap();
        let sig = keys.verify_certificate_verify(req, cert, alg, leaf, &cv[8..]);
        let fin = keys.verify_finished(req, cert, cv, &fin[4..]);
        match v.get("error").and_then(|e| e.as_str()) {
            None => {
                assert_eq!(outcome, "valid");
                sig.unwrap();
                fin.unwrap();
                assert_eq!(
                    alg.tls_scheme(),
                    v["signature_scheme"].as_u64().unwrap() as u16
                );
            }
            Some("bad_signature") => assert_eq!(sig, Err(Error::BadSignature), "{name}"),
            Some("bad_finished") => {
                sig.unwrap();
                assert_eq!(fin, Err(Error::BadFinished), "{name}");
            }
            Some(other) => panic!("{name}: unexpected error {other}"),
        }
    }
}

/// fizz's Finished of `expected_authenticator` and its `expected_empty_authenticator`, with
/// fizz's body-only request framing; and the RFC 9261-framed empty authenticator the digest
/// derived for the same inputs.
fn fizz_values(p: &'static dyn CryptoProvider) {
    let v = json(FIZZ);
    let hc = v["handshake_context_ascii"].as_str().unwrap().as_bytes();
    let fk = v["finished_key_ascii"].as_str().unwrap().as_bytes();
    let keys = AuthenticatorKeys::from_parts(
        p,
        HashAlgorithm::Sha256,
        Role::Server,
        Secret::from_slice(hc),
        Secret::from_slice(fk),
    );
    let body = hx(&v, "auth_request_body");
    let auth = hx(&v, "expected_authenticator");
    let msgs = split_messages(&auth);
    let [cert, cv, fin] = msgs.as_slice() else {
        panic!("fizz authenticator")
    };
    assert_eq!(
        keys.finished_mac(Some(&body), cert, cv).as_bytes(),
        &fin[4..]
    );
    keys.verify_finished(Some(&body), cert, cv, &fin[4..])
        .unwrap();

    let ctx = hx(&v, "context");
    assert_eq!(
        keys.empty_authenticator(Some(&body), &ctx).unwrap(),
        hx(&v, "expected_empty_authenticator")
    );
    assert_eq!(
        empty_certificate(&ctx).unwrap(),
        hx(&v, "rfc9261_virtual_certificate")
    );
    let full = hx(&v, "rfc9261_request");
    assert_eq!(&full[4..], body.as_slice());
    assert_eq!(
        keys.empty_authenticator(Some(&full), &ctx).unwrap(),
        hx(&v, "rfc9261_empty_authenticator")
    );
}

/// Build-then-validate with every algorithm: the builder's role keys sign, the validator
/// derives the peer's keys from the same exporter and accepts; a spontaneous authenticator
/// (no request) too.
fn sign_then_verify_all_algorithms(p: &'static dyn CryptoProvider) {
    let v = json(EXPAT);
    let exp = exporter(p, &v);
    let request = hx(&v, "request");
    let cert = hx(&v, "certificate");
    for alg in SignatureAlgorithm::ALL {
        let key = crate::signatures::load_key(p, alg);
        let builder = AuthenticatorKeys::derive(p, &exp, Role::Client).unwrap();
        let validator = AuthenticatorKeys::derive(p, &exp, Role::Server.peer()).unwrap();
        for req in [Some(request.as_slice()), None] {
            let mut rng = crate::signatures::counter_rng(1);
            let sig = builder
                .sign_certificate_verify(req, &cert, key.as_ref(), &mut rng)
                .unwrap();
            let spki = key.public_key_spki();
            validator
                .verify_certificate_verify(req, &cert, alg, &spki, &sig)
                .unwrap();
            let mut cv = vec![0x0f, 0, 0, 0];
            cv.extend_from_slice(&alg.tls_scheme().to_be_bytes());
            cv.extend_from_slice(&(sig.len() as u16).to_be_bytes());
            cv.extend_from_slice(&sig);
            let mac = builder.finished_mac(req, &cert, &cv);
            validator
                .verify_finished(req, &cert, &cv, mac.as_bytes())
                .unwrap();
        }
    }
}

per_provider!(
    expat_6_5_rows,
    expat_6_5_tampering,
    ea_authenticator_vectors,
    fizz_values,
    sign_then_verify_all_algorithms,
);
