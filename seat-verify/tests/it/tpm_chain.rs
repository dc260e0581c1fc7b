//! TPM 2.0 quotes whose AK is trusted through its certificate chain: a real Google Compute
//! Engine vTPM quote with its AK certificate and Google's EK/AK CA (tests/data/tpm/gce/,
//! PROVENANCE.md), the simulated TPM's AK certificate from its test CA, and every way a chain
//! can be wrong, typed by stage.
//!
//! Expected values come from outside seat: that the GCE chain is valid and that the quotes
//! verify under the certificate's key was checked with OpenSSL's command line when the files
//! were copied (PROVENANCE.md), their `extraData` is go-tpm-tools' nonce "9009"; the simulated
//! chain is checked here by `openssl verify` when `openssl` is on PATH.

use std::path::PathBuf;
use std::process::Command;

use der::{Decode as _, Encode as _};
use seat_evidence::attester::{Attester, EvidenceRequest};
use seat_evidence::cmw::{Cmw, Ind, Record, RecordType};
use seat_evidence::platform_sim::tpm::{SimAkCertificate, SimTpmConfig, SimulatedTpm};
use seat_evidence::tpm::{MAX_AK_CERTS, TPM_QUOTE_MEDIA_TYPE, TpmQuoteRecord};
use seat_verify::tpm::{AkTrust, TpmFormat, TpmHash, TpmPolicy};
use seat_verify::{
    AppraisalRequest, BindingLevel, Policy, Reason, ResultForm, Stage, TrustAnchor, Verifier,
};
use sha2::Digest as _;

use crate::support::{NOW, binder, minted, provider, rng, tee};

const GCE_AK_CERT: &[u8] = include_bytes!("../data/tpm/gce/ak-cert.der");
const GCE_INTERMEDIATE: &[u8] = include_bytes!("../data/tpm/gce/tpm_ek_intermediate_2.crt");
const GCE_ROOT: &[u8] = include_bytes!("../data/tpm/gce/tpm_ek_root_1.cer");

/// 2021-08-31T23:11:05Z, the GCE AK certificate's notBefore (`openssl x509 -startdate`).
const GCE_AK_NOT_BEFORE: u64 = 1_630_451_465;

/// The GCE quote over `bank`: attestation, signature and PCR values cut into the bank's size.
fn gce_record(bank: &str, certs: Vec<Vec<u8>>) -> TpmQuoteRecord {
    let (attest, sig, pcrs, size): (&[u8], &[u8], &[u8], usize) = match bank {
        "sha1" => (
            include_bytes!("../data/tpm/gce/quote-sha1.attest"),
            include_bytes!("../data/tpm/gce/quote-sha1.sig"),
            include_bytes!("../data/tpm/gce/quote-sha1.pcrs"),
            20,
        ),
        "sha256" => (
            include_bytes!("../data/tpm/gce/quote-sha256.attest"),
            include_bytes!("../data/tpm/gce/quote-sha256.sig"),
            include_bytes!("../data/tpm/gce/quote-sha256.pcrs"),
            32,
        ),
        _ => (
            include_bytes!("../data/tpm/gce/quote-sha384.attest"),
            include_bytes!("../data/tpm/gce/quote-sha384.sig"),
            include_bytes!("../data/tpm/gce/quote-sha384.pcrs"),
            48,
        ),
    };
    TpmQuoteRecord {
        kid: None,
        signature: sig.to_vec(),
        ak_certs: certs,
        pcrs: pcrs.chunks(size).map(<[u8]>::to_vec).collect(),
        attest: attest.to_vec(),
    }
}

fn gce_chain() -> Vec<Vec<u8>> {
    vec![GCE_AK_CERT.to_vec(), GCE_INTERMEDIATE.to_vec()]
}

fn gce_format() -> TpmFormat {
    TpmFormat::new(
        TpmPolicy::new(Vec::new())
            .with_ak_root("gce-tpm-ek-root-1", GCE_ROOT)
            .unwrap(),
    )
}

/// The DER SubjectPublicKeyInfo of a certificate, read by x509-cert.
fn spki_of(cert: &[u8]) -> Vec<u8> {
    x509_cert::Certificate::from_der(cert)
        .unwrap()
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .unwrap()
}

fn cmw(record: &TpmQuoteRecord) -> Vec<u8> {
    Cmw::Record(
        Record::new(
            RecordType::MediaType(TPM_QUOTE_MEDIA_TYPE.into()),
            record.to_vec(),
            Some(Ind::EVIDENCE),
        )
        .unwrap(),
    )
    .to_vec()
}

fn verifier(format: TpmFormat) -> (Verifier, Vec<u8>) {
    let (spki, key) = minted(9);
    let v = Verifier::with_formats(
        Policy::default().verifier,
        key,
        provider(),
        vec![Box::new(format)],
    )
    .unwrap();
    (v, spki)
}

fn appraise(
    v: &Verifier,
    aik: &[u8],
    cmw: &[u8],
    now: u64,
) -> Result<seat_verify::Report, seat_verify::Error> {
    let b = binder(1, b"ctx", aik);
    v.appraise(
        &AppraisalRequest {
            cmw,
            binder: b.binding_value.as_bytes(),
            aik_pub_hash: b.aik_pub_hash.as_bytes(),
            now_unix_secs: now,
        },
        ResultForm::Cwt,
        BindingLevel::Exchange,
        &mut rng(),
    )
}

#[test]
fn the_gce_quotes_verify_through_their_ak_certificate_chain() {
    for (bank, hash) in [
        ("sha1", TpmHash::Sha1),
        ("sha256", TpmHash::Sha256),
        ("sha384", TpmHash::Sha384),
    ] {
        let q = gce_format()
            .verify_quote(&gce_record(bank, gce_chain()).to_vec(), NOW)
            .unwrap();
        assert_eq!(q.ak_trust, AkTrust::Certificate);
        assert_eq!(q.anchor, "gce-tpm-ek-root-1");
        assert_eq!(q.quote.extra_data, [0x90, 0x09]);
        assert_eq!(q.quote.selection.len(), 1);
        assert_eq!(q.quote.selection[0].hash, hash);
        assert_eq!(q.quote.selection[0].pcrs, (0u8..24).collect::<Vec<_>>());
    }
    // The chain with the root itself appended, as a WebAuthn `x5c` may carry it; and the kid
    // of the leaf's key, computed here by sha2 from x509-cert's reading of the certificate.
    let mut r = gce_record("sha256", [gce_chain(), vec![GCE_ROOT.to_vec()]].concat());
    r.kid = Some(sha2::Sha256::digest(spki_of(GCE_AK_CERT)).to_vec());
    let q = gce_format().verify_quote(&r.to_vec(), NOW).unwrap();
    assert_eq!(q.ak_trust, AkTrust::Certificate);
}

#[test]
fn every_changed_byte_of_a_gce_quote_fails_at_the_signature_stage() {
    let f = gce_format();
    let good = gce_record("sha256", gce_chain());
    for i in 0..good.attest.len() {
        let mut r = good.clone();
        r.attest[i] ^= 0x01;
        let e = f.verify_quote(&r.to_vec(), NOW).unwrap_err();
        assert_eq!(e, Reason::BadEvidenceSignature, "byte {i}");
    }
    let mut r = good.clone();
    let last = r.signature.len() - 1;
    r.signature[last] ^= 0x01;
    assert_eq!(
        f.verify_quote(&r.to_vec(), NOW),
        Err(Reason::BadEvidenceSignature)
    );
}

#[test]
fn the_binding_stage_refuses_the_gce_quote_for_our_connection() {
    let (v, aik) = verifier(gce_format());
    let e = appraise(&v, &aik, &cmw(&gce_record("sha256", gce_chain())), NOW).unwrap_err();
    assert_eq!(e.reason(), Some(Reason::BinderMismatch));
    assert_eq!(e.stage(), Some(Stage::Binding));
}

#[test]
fn the_gce_ak_pinned_needs_no_chain_and_no_root() {
    let spki = spki_of(GCE_AK_CERT);
    let pinned = TpmFormat::new(TpmPolicy::new(vec![TrustAnchor {
        name: "gce-ak".into(),
        spki,
    }]));
    for certs in [Vec::new(), gce_chain(), vec![GCE_AK_CERT.to_vec()]] {
        let q = pinned
            .verify_quote(&gce_record("sha256", certs).to_vec(), NOW)
            .unwrap();
        assert_eq!(q.ak_trust, AkTrust::Pinned);
        assert_eq!(q.anchor, "gce-ak");
    }
    // A pinned key wins over a chain that would not validate (here: too early for it).
    let q = pinned
        .verify_quote(
            &gce_record("sha256", gce_chain()).to_vec(),
            GCE_AK_NOT_BEFORE - 1,
        )
        .unwrap();
    assert_eq!(q.ak_trust, AkTrust::Pinned);
}

#[test]
fn a_chain_that_is_wrong_is_typed_by_stage() {
    let f = gce_format();
    let check = |f: &TpmFormat, r: &TpmQuoteRecord, now: u64, reason: Reason, stage: Stage| {
        let e = f.verify_quote(&r.to_vec(), now).unwrap_err();
        assert_eq!(e, reason);
        assert_eq!(e.stage(), stage);
    };
    // Before the AK certificate's notBefore (a fixed time): the expiry reason.
    check(
        &f,
        &gce_record("sha256", gce_chain()),
        GCE_AK_NOT_BEFORE - 1,
        Reason::CertificateExpired,
        Stage::Signature,
    );
    // Without the intermediate: the chain does not reach the root.
    check(
        &f,
        &gce_record("sha256", vec![GCE_AK_CERT.to_vec()]),
        NOW,
        Reason::UntrustedRoot,
        Stage::Signature,
    );
    // Another root: the simulated TPM's test CA.
    let tpm = chained_tpm(SimAkCertificate::default());
    let other = TpmFormat::new(
        TpmPolicy::new(Vec::new())
            .with_ak_root("sim-tpm-ca", tpm.ak_ca_certificate_der().unwrap())
            .unwrap(),
    );
    check(
        &other,
        &gce_record("sha256", gce_chain()),
        NOW,
        Reason::UntrustedRoot,
        Stage::Signature,
    );
    // No AK roots at all, and nothing pinned: no way to trust the AK.
    check(
        &TpmFormat::new(TpmPolicy::new(Vec::new())),
        &gce_record("sha256", gce_chain()),
        NOW,
        Reason::UntrustedAttestationKey,
        Stage::Signature,
    );
    // A truncated leaf, garbage, a truncated intermediate: decode.
    for certs in [
        vec![
            GCE_AK_CERT[..GCE_AK_CERT.len() - 1].to_vec(),
            GCE_INTERMEDIATE.to_vec(),
        ],
        vec![GCE_AK_CERT[..40].to_vec()],
        vec![b"not a certificate".to_vec()],
        vec![GCE_AK_CERT.to_vec(), GCE_INTERMEDIATE[..100].to_vec()],
        vec![GCE_AK_CERT.to_vec(), vec![0x30, 0x00]],
    ] {
        check(
            &f,
            &gce_record("sha256", certs),
            NOW,
            Reason::MalformedPlatformEvidence,
            Stage::Decode,
        );
    }
    // A kid that names another key than the leaf's: the record contradicts itself.
    let mut r = gce_record("sha256", gce_chain());
    r.kid = Some(vec![7; 32]);
    check(
        &f,
        &r,
        NOW,
        Reason::MalformedPlatformEvidence,
        Stage::Decode,
    );
    // One certificate more than MAX_AK_CERTS: the record decoder refuses it.
    let long = vec![GCE_AK_CERT.to_vec(); MAX_AK_CERTS + 1];
    let e = f
        .verify_quote(&gce_record("sha256", long).to_vec(), NOW)
        .unwrap_err();
    assert!(matches!(e, Reason::MalformedEvidence(_)), "{e:?}");
    assert_eq!(e.stage(), Stage::Decode);
}

#[test]
fn a_leaf_whose_key_is_not_the_signer_fails_at_the_signature_stage() {
    // Two simulated TPMs (two seeds, two AKs) certified by the same test CA: the first's
    // quote carrying the second's valid AK certificate.
    let mut a = chained_tpm(SimAkCertificate::default());
    let mut config = SimTpmConfig::default();
    config.seed = [0x22; 32];
    config.ak_certificate = Some(SimAkCertificate::default());
    let b = SimulatedTpm::new(config, provider()).unwrap();
    // The same CA key (the certificates' signatures differ with a randomised ECDSA provider).
    assert_eq!(
        spki_of(b.ak_ca_certificate_der().unwrap()),
        spki_of(a.ak_ca_certificate_der().unwrap())
    );
    assert_ne!(b.attestation_key_spki(), a.attestation_key_spki());
    let f = sim_ca_format(&a);
    let mut r = sim_record(&mut a);
    assert!(f.verify_quote(&r.to_vec(), NOW).is_ok());
    r.kid = None;
    r.ak_certs = vec![b.ak_certificate_der().unwrap().to_vec()];
    let e = f.verify_quote(&r.to_vec(), NOW).unwrap_err();
    assert_eq!(e, Reason::BadEvidenceSignature);
    assert_eq!(e.stage(), Stage::Signature);
    // The same quote (ECDSA P-256) carrying Google's valid chain for an RSA AK: the scheme
    // does not fit the certified key, also at the signature stage.
    r.ak_certs = gce_chain();
    let e = gce_format().verify_quote(&r.to_vec(), NOW).unwrap_err();
    assert_eq!(e, Reason::UnsupportedAlgorithm);
    assert_eq!(e.stage(), Stage::Signature);
}

#[test]
fn a_leaf_certified_for_another_purpose_is_not_an_ak() {
    // The simulated TEE's self-signed AIK certificate (keyUsage digitalSignature,
    // extKeyUsage serverAuth and clientAuth), trusted as its own root: the chain validates,
    // the leaf is not fit for an AK.
    let mut t = tee();
    let m = t
        .mint_aik(
            seat_binding::provider::SignatureAlgorithm::EcdsaSecp256r1Sha256,
            "tls",
            NOW,
        )
        .unwrap();
    let f = TpmFormat::new(
        TpmPolicy::new(Vec::new())
            .with_ak_root("tls-ca", &m.certificate_der)
            .unwrap(),
    );
    let r = gce_record("sha256", vec![m.certificate_der.clone()]);
    assert_eq!(
        f.verify_quote(&r.to_vec(), NOW),
        Err(Reason::UntrustedAttestationKey)
    );
}

fn chained_tpm(validity: SimAkCertificate) -> SimulatedTpm {
    let mut config = SimTpmConfig::default();
    config.ak_certificate = Some(validity);
    SimulatedTpm::new(config, provider()).unwrap()
}

fn sim_quote(tpm: &mut SimulatedTpm, aik: &[u8]) -> Vec<u8> {
    let b = binder(1, b"ctx", aik);
    tpm.attest(&EvidenceRequest {
        binder: b.binding_value.as_bytes(),
        aik_pub_hash: b.aik_pub_hash.as_bytes(),
        now_unix_secs: NOW,
    })
    .unwrap()
}

fn sim_record(tpm: &mut SimulatedTpm) -> TpmQuoteRecord {
    let (aik, _) = minted(9);
    let cmw = sim_quote(tpm, &aik);
    let Cmw::Record(rec) = Cmw::decode(&cmw).unwrap() else {
        panic!("not a record")
    };
    TpmQuoteRecord::decode(rec.value()).unwrap()
}

fn sim_ca_format(tpm: &SimulatedTpm) -> TpmFormat {
    TpmFormat::new(
        TpmPolicy::new(Vec::new())
            .with_ak_root("sim-tpm-ca", tpm.ak_ca_certificate_der().unwrap())
            .unwrap(),
    )
}

#[test]
fn a_simulated_quote_is_trusted_through_the_test_ca_end_to_end() {
    let mut tpm = chained_tpm(SimAkCertificate::default());
    let (v, aik) = verifier(sim_ca_format(&tpm));
    let cmw = sim_quote(&mut tpm, &aik);
    let report = appraise(&v, &aik, &cmw, NOW).unwrap();
    assert!(report.findings().is_empty(), "{:?}", report.findings());
    let a = &report.appraisals()[0];
    assert_eq!(a.anchor, "sim-tpm-ca");
    // AR4SI: instance-identity 2 either way; hardware 2 only through the chain.
    assert_eq!(a.trust_vector.claims()[0], Some(2));
    assert_eq!(a.trust_vector.claims()[4], Some(2));

    // The same record, its AK pinned instead (no roots): trusted, without the hardware claim.
    let pinned = TpmFormat::new(TpmPolicy::new(vec![TrustAnchor {
        name: "sim-tpm".into(),
        spki: tpm.attestation_key_spki(),
    }]));
    let (v, aik) = verifier(pinned);
    let cmw = sim_quote(&mut tpm, &aik);
    let report = appraise(&v, &aik, &cmw, NOW).unwrap();
    let a = &report.appraisals()[0];
    assert_eq!(a.anchor, "sim-tpm");
    assert_eq!(a.trust_vector.claims()[0], Some(2));
    assert_eq!(a.trust_vector.claims()[4], None);
}

#[test]
fn the_simulated_chain_is_as_documented_and_expires() {
    let mut tpm = chained_tpm(SimAkCertificate::default());
    let r = sim_record(&mut tpm);
    assert_eq!(r.ak_certs, [tpm.ak_certificate_der().unwrap().to_vec()]);
    assert_eq!(spki_of(&r.ak_certs[0]), tpm.attestation_key_spki());
    // Without the option the record is as before: no x5c.
    let mut bare = SimulatedTpm::new(SimTpmConfig::default(), provider()).unwrap();
    assert!(bare.ak_certificate_der().is_none());
    assert!(sim_record(&mut bare).ak_certs.is_empty());

    // An AK certificate that expired a second before the appraisal.
    let mut expired = chained_tpm(SimAkCertificate {
        not_before: NOW - 86_400,
        not_after: NOW - 1,
        ..SimAkCertificate::default()
    });
    let f = sim_ca_format(&expired);
    let r = sim_record(&mut expired);
    let e = f.verify_quote(&r.to_vec(), NOW).unwrap_err();
    assert_eq!(e, Reason::CertificateExpired);
    assert_eq!(e.stage(), Stage::Signature);
    assert!(f.verify_quote(&r.to_vec(), NOW - 2).is_ok());
}

/// A fresh directory under the system temp dir for PEM files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("seat-tpm-chain-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_pem(path: &PathBuf, der: &[u8]) {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap());
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    std::fs::write(path, pem).unwrap();
}

/// `openssl verify -attime at -CAfile root [-untrusted chain] leaf`: whether it prints OK, or
/// `None` when there is no `openssl` to run.
fn openssl_verify(name: &str, root: &[u8], chain: &[Vec<u8>], at: u64) -> Option<bool> {
    let dir = scratch(name);
    let (root_pem, leaf_pem, int_pem) = (
        dir.join("root.pem"),
        dir.join("leaf.pem"),
        dir.join("int.pem"),
    );
    write_pem(&root_pem, root);
    write_pem(&leaf_pem, &chain[0]);
    let mut cmd = Command::new("openssl");
    cmd.arg("verify")
        .arg("-attime")
        .arg(at.to_string())
        .arg("-CAfile")
        .arg(&root_pem);
    if chain.len() > 1 {
        let mut ints = String::new();
        for (i, c) in chain[1..].iter().enumerate() {
            let p = dir.join(format!("int{i}.pem"));
            write_pem(&p, c);
            ints.push_str(&std::fs::read_to_string(&p).unwrap());
        }
        std::fs::write(&int_pem, ints).unwrap();
        cmd.arg("-untrusted").arg(&int_pem);
    }
    cmd.arg(&leaf_pem);
    let out = match cmd.output() {
        Ok(out) => out,
        Err(e) => {
            println!("note: openssl not run ({e}); the independent chain check is skipped");
            return None;
        }
    };
    std::fs::remove_dir_all(&dir).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    Some(out.status.success() && stdout.trim_end().ends_with(": OK"))
}

#[test]
fn openssl_agrees_on_the_chains() {
    let tpm = chained_tpm(SimAkCertificate::default());
    let ca = tpm.ak_ca_certificate_der().unwrap();
    let ak = vec![tpm.ak_certificate_der().unwrap().to_vec()];
    let Some(ok) = openssl_verify("sim", ca, &ak, NOW) else {
        return;
    };
    assert!(ok, "openssl refuses the simulated AK chain");
    let expired = chained_tpm(SimAkCertificate {
        not_before: NOW - 86_400,
        not_after: NOW - 1,
        ..SimAkCertificate::default()
    });
    let ak = vec![expired.ak_certificate_der().unwrap().to_vec()];
    assert_eq!(
        openssl_verify(
            "sim-expired",
            expired.ak_ca_certificate_der().unwrap(),
            &ak,
            NOW
        ),
        Some(false)
    );
    assert_eq!(
        openssl_verify("gce", GCE_ROOT, &gce_chain(), NOW),
        Some(true)
    );
    assert_eq!(
        openssl_verify("gce-early", GCE_ROOT, &gce_chain(), GCE_AK_NOT_BEFORE - 1),
        Some(false)
    );
    // And the other root.
    assert_eq!(
        openssl_verify("gce-other", ca, &gce_chain(), NOW),
        Some(false)
    );

    // The AK certificate's extensions as OpenSSL prints them (module documentation of the
    // simulator): not a CA, digitalSignature, tcg-kp-AIKCertificate.
    let dir = scratch("ext");
    let pem = dir.join("ak.pem");
    write_pem(&pem, tpm.ak_certificate_der().unwrap());
    let out = Command::new("openssl")
        .args([
            "x509",
            "-noout",
            "-ext",
            "basicConstraints,keyUsage,extendedKeyUsage",
            "-in",
        ])
        .arg(&pem)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    for want in ["CA:FALSE", "Digital Signature", "2.23.133.8.3"] {
        assert!(text.contains(want), "{want} not in {text}");
    }
}
