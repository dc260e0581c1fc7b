//! RFC 8446 sections 7.1 and 7.5 against RFC 8448 section 3, the exporter outputs of the
//! early-attestation digest section 8.6, and the `tls13-exporter` vectors.

use seat_binding::Error;
use seat_binding::Secret;
use seat_binding::exporter::{Exporter, RecordedExporter};
use seat_binding::key_schedule::{
    Protocol, derive_secret, handshake_transcript_hash, hkdf_expand_label, hkdf_label,
    message_hash, tls_exporter,
};
use seat_binding::provider::{CryptoProvider, HashAlgorithm};

use crate::common::{hash_named, hx, json, protocol_named, unhex};

/// RFC 8448 section 3 values (tabulated in spec/early-attestation.md section 6.4).
const RFC8448_S3: &str = include_str!("../data/rfc8448-s3-key-schedule.json");
/// spec/early-attestation.md section 8.6.
const EXPORTER_OUTPUTS: &str = include_str!("../data/exporter-outputs.json");
/// seat-vectors/1 `tls13-exporter` vectors (copied from seat-conformance/vectors/external).
const EXPORTER_VECTORS: [&str; 2] = [
    include_str!("../data/rfc8448-s3-attestation-label.json"),
    include_str!("../data/rfc8448-s3-client-ea-handshake-context.json"),
];

/// Reproduces the RFC 8448 section 3 key schedule from the (EC)DHE shared secret to the
/// exporter_master_secret, resumption_master_secret and the server finished_key.
fn rfc8448_s3_key_schedule(p: &'static dyn CryptoProvider) {
    let v = json(RFC8448_S3);
    let h = HashAlgorithm::Sha256;
    let t = Protocol::Tls13;
    let zero = [0u8; 32];
    let empty_hash = p.hash(h, &[]);

    let early = p.hkdf_extract(h, &zero, &zero);
    assert!(early.ct_eq_bytes(&hx(&v, "early_secret")));
    assert_eq!(
        hkdf_label(t, b"derived", empty_hash.as_bytes(), 32).unwrap(),
        hx(&v, "hkdf_label_derived")
    );
    let derived =
        derive_secret(p, h, t, early.expose(), b"derived", empty_hash.as_bytes()).unwrap();
    assert!(derived.ct_eq_bytes(&hx(&v, "derived_early")));
    let hs = p.hkdf_extract(h, derived.expose(), &hx(&v, "ecdhe_shared_secret"));
    assert!(hs.ct_eq_bytes(&hx(&v, "handshake_secret")));

    let th_sh = hx(&v, "hash_ch_sh");
    let chts = derive_secret(p, h, t, hs.expose(), b"c hs traffic", &th_sh).unwrap();
    assert!(chts.ct_eq_bytes(&hx(&v, "client_handshake_traffic_secret")));
    let shts = derive_secret(p, h, t, hs.expose(), b"s hs traffic", &th_sh).unwrap();
    assert!(shts.ct_eq_bytes(&hx(&v, "server_handshake_traffic_secret")));
    let fk = hkdf_expand_label(p, h, t, shts.expose(), b"finished", &[], 32).unwrap();
    assert!(fk.ct_eq_bytes(&hx(&v, "server_finished_key")));

    let derived = derive_secret(p, h, t, hs.expose(), b"derived", empty_hash.as_bytes()).unwrap();
    assert!(derived.ct_eq_bytes(&hx(&v, "derived_handshake")));
    let master = p.hkdf_extract(h, derived.expose(), &zero);
    assert!(master.ct_eq_bytes(&hx(&v, "master_secret")));

    let th_sf = hx(&v, "hash_ch_server_finished");
    let cats = derive_secret(p, h, t, master.expose(), b"c ap traffic", &th_sf).unwrap();
    assert!(cats.ct_eq_bytes(&hx(&v, "client_application_traffic_secret_0")));
    let sats = derive_secret(p, h, t, master.expose(), b"s ap traffic", &th_sf).unwrap();
    assert!(sats.ct_eq_bytes(&hx(&v, "server_application_traffic_secret_0")));
    assert_eq!(
        hkdf_label(t, b"exp master", &th_sf, 32).unwrap(),
        hx(&v, "hkdf_label_exp_master")
    );
    let ems = derive_secret(p, h, t, master.expose(), b"exp master", &th_sf).unwrap();
    assert!(ems.ct_eq_bytes(&hx(&v, "exporter_master_secret")));
    let th_cf = hx(&v, "hash_ch_client_finished");
    let rms = derive_secret(p, h, t, master.expose(), b"res master", &th_cf).unwrap();
    assert!(rms.ct_eq_bytes(&hx(&v, "resumption_master_secret")));
}

/// Exporter outputs of spec/early-attestation.md section 8.6 (TLS and DTLS prefixes, no, empty
/// and one-byte contexts, the early exporter secret of RFC 8448 section 4) and their HkdfLabels.
fn digest_8_6_exporter_outputs(p: &'static dyn CryptoProvider) {
    let v = json(EXPORTER_OUTPUTS);
    let h = HashAlgorithm::Sha256;
    for case in v["exporters"].as_array().unwrap() {
        let ctx = case["context"].as_str().map(unhex);
        let out = tls_exporter(
            p,
            h,
            protocol_named(case["protocol"].as_str().unwrap()),
            &hx(case, "secret"),
            case["label"].as_str().unwrap().as_bytes(),
            ctx.as_deref(),
            case["length"].as_u64().unwrap() as usize,
        )
        .unwrap();
        assert_eq!(
            hex::encode(out.expose()),
            case["output"].as_str().unwrap(),
            "{case}"
        );
    }
    let empty = p.hash(h, &[]);
    assert_eq!(
        hkdf_label(
            Protocol::Tls13,
            b"EXPORTER-Channel-Binding",
            empty.as_bytes(),
            32
        )
        .unwrap(),
        hx(&v, "hkdf_label_intermediate")
    );
    assert_eq!(
        hkdf_label(Protocol::Tls13, b"exporter", empty.as_bytes(), 32).unwrap(),
        hx(&v, "hkdf_label_exporter_tls")
    );
    assert_eq!(
        hkdf_label(Protocol::Dtls13, b"exporter", empty.as_bytes(), 32).unwrap(),
        hx(&v, "hkdf_label_exporter_dtls")
    );
    let ems = unhex("fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50");
    let inter = derive_secret(
        p,
        h,
        Protocol::Tls13,
        &ems,
        b"EXPORTER-Channel-Binding",
        empty.as_bytes(),
    )
    .unwrap();
    assert!(inter.ct_eq_bytes(&hx(&v, "intermediate_derive_secret_channel_binding")));
}

/// The seat-vectors/1 `tls13-exporter` files, through [`RecordedExporter`].
fn tls13_exporter_vectors(p: &'static dyn CryptoProvider) {
    for text in EXPORTER_VECTORS {
        let v = json(text);
        let exporter = RecordedExporter::new(
            p,
            hash_named(v["hash"].as_str().unwrap()),
            protocol_named(v["protocol"].as_str().unwrap()),
            Secret::new(hx(&v, "exporter_master_secret")),
        )
        .unwrap();
        let ctx = v["context"].as_str().map(unhex);
        let out = exporter
            .export(
                v["label"].as_str().unwrap().as_bytes(),
                ctx.as_deref(),
                v["length"].as_u64().unwrap() as usize,
            )
            .unwrap();
        assert_eq!(
            hex::encode(out.expose()),
            v["output"].as_str().unwrap(),
            "{}",
            v["name"]
        );
    }
}

/// The `message_hash` of RFC 8448 section 5 (spec/early-attestation.md section 6.4) and the
/// resulting Transcript-Hash(message_hash, HRR, CH2, SH).
fn rfc8448_s5_message_hash(p: &'static dyn CryptoProvider) {
    let v = json(include_str!("../data/early-binders.json"));
    let case = &v["cases"][2];
    let msgs: Vec<Vec<u8>> = case["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| unhex(m.as_str().unwrap()))
        .collect();
    assert_eq!(
        message_hash(p, HashAlgorithm::Sha256, &msgs[0]),
        hx(case, "message_hash")
    );
    let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
    let th = handshake_transcript_hash(p, HashAlgorithm::Sha256, &refs).unwrap();
    assert_eq!(th.as_bytes(), hx(case, "transcript_hash"));
}

/// Absent and empty contexts agree in TLS 1.3 (RFC 8446 section 7.5); one byte `00` differs.
fn absent_equals_empty_context(p: &'static dyn CryptoProvider) {
    let ems = [7u8; 48];
    for h in [HashAlgorithm::Sha256, HashAlgorithm::Sha384] {
        let ems = &ems[..h.output_len()];
        let a = tls_exporter(p, h, Protocol::Tls13, ems, b"x", None, 40).unwrap();
        let b = tls_exporter(p, h, Protocol::Tls13, ems, b"x", Some(&[]), 40).unwrap();
        let c = tls_exporter(p, h, Protocol::Tls13, ems, b"x", Some(&[0]), 40).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 40);
    }
}

/// Limits: HkdfLabel fields of at most 255 bytes, output lengths 1..=255*Hash.length, PRKs of
/// at least Hash.length (RFC 8446 section 7.1, RFC 5869 section 2.3).
fn limits(p: &'static dyn CryptoProvider) {
    let h = HashAlgorithm::Sha256;
    let ems = [1u8; 32];
    let long = [b'a'; 250];
    assert_eq!(
        tls_exporter(p, h, Protocol::Tls13, &ems, &long, None, 32),
        Err(Error::LabelTooLong)
    );
    assert!(tls_exporter(p, h, Protocol::Tls13, &ems, &long[..249], None, 32).is_ok());
    assert_eq!(
        tls_exporter(p, h, Protocol::Tls13, &ems, b"x", None, 0),
        Err(Error::InvalidOutputLength)
    );
    assert!(tls_exporter(p, h, Protocol::Tls13, &ems, b"x", None, 255 * 32).is_ok());
    assert_eq!(
        tls_exporter(p, h, Protocol::Tls13, &ems, b"x", None, 255 * 32 + 1),
        Err(Error::InvalidOutputLength)
    );
    assert_eq!(
        tls_exporter(p, h, Protocol::Tls13, &ems[..31], b"x", None, 32),
        Err(Error::InvalidKeyLength)
    );
    assert_eq!(
        hkdf_expand_label(p, h, Protocol::Tls13, &ems, b"x", &[0; 256], 32),
        Err(Error::LabelTooLong)
    );
    assert_eq!(
        RecordedExporter::new(
            p,
            HashAlgorithm::Sha384,
            Protocol::Tls13,
            Secret::from_slice(&ems)
        )
        .unwrap_err(),
        Error::InvalidKeyLength
    );
}

/// RFC 4231 test case 2 (HMAC-SHA-256 and HMAC-SHA-384, key "Jefe") and FIPS 180-2 "abc".
fn hmac_and_hash_known_answers(p: &'static dyn CryptoProvider) {
    let data: &[u8] = b"what do ya want for nothing?";
    assert_eq!(
        hex::encode(
            p.hmac(HashAlgorithm::Sha256, b"Jefe", &[&data[..5], &data[5..]])
                .as_bytes()
        ),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    assert_eq!(
        hex::encode(p.hmac(HashAlgorithm::Sha384, b"Jefe", &[data]).as_bytes()),
        "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649"
    );
    assert_eq!(
        hex::encode(p.hash(HashAlgorithm::Sha256, &[b"a", b"bc"]).as_bytes()),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        hex::encode(p.hash(HashAlgorithm::Sha384, &[b"abc"]).as_bytes()),
        "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
    );
}

/// RFC 5869 appendix A.1 (HKDF-SHA-256 test case 1).
fn rfc5869_case_1(p: &'static dyn CryptoProvider) {
    let ikm = [0x0bu8; 22];
    let salt = unhex("000102030405060708090a0b0c");
    let info = unhex("f0f1f2f3f4f5f6f7f8f9");
    let prk = p.hkdf_extract(HashAlgorithm::Sha256, &salt, &ikm);
    assert!(prk.ct_eq_bytes(&unhex(
        "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"
    )));
    let okm = p
        .hkdf_expand(
            HashAlgorithm::Sha256,
            prk.expose(),
            &[&info[..3], &info[3..]],
            42,
        )
        .unwrap();
    assert!(okm.ct_eq_bytes(&unhex(
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    )));
}

per_provider!(
    rfc8448_s3_key_schedule,
    digest_8_6_exporter_outputs,
    tls13_exporter_vectors,
    rfc8448_s5_message_hash,
    absent_equals_empty_context,
    limits,
    hmac_and_hash_known_answers,
    rfc5869_case_1,
);
