//! Appraisal of each real platform sample with warm collateral (parsed once, held by the
//! caller) against the signature checks that appraisal contains, each made with the
//! primitive the appraisal itself uses, on the same bytes (issues 13, 16 and 18,
//! `appraisal_over_signature_floor`). Every figure is a criterion median of this run; the
//! report (after the line `## seat bench report`) gives one row per format and one
//! `ratio appraisal_over_signature_floor/<format> VALUE` line, which `cargo xtask bench`
//! prints. Each format is measured in three rounds, appraisal and floor one after the other
//! (alternating which goes first); the ratio is the median of the rounds' ratios, so that a
//! change of the machine's load between two measurements moves one round, not the result.
//! `SEAT_BENCH_QUICK=1` (`cargo xtask bench --quick`) shortens every measurement.
//!
//! What is timed as the appraisal is the format's `verify_*` call: decoding, chain,
//! collateral and signature stages, everything but the binding (a published sample is never
//! bound to our connection, so the binding stage refuses it) and the policy findings. The
//! provider the formats are given is seat-binding's `RustCrypto` (pure Rust, like the formats).
//!
//! The floors, each the verifications the appraisal performs and nothing else:
//!
//! - **TDX (v4, v5)**: ten ECDSA P-256 verifications. One is seat's own check of the quote
//!   signature, made as `tdx.rs` makes it (the provider's `verify` with the attestation
//!   key's SPKI, p256 0.13). Nine are dcap-qvl 0.7.1's, recorded by running dcap-qvl once on
//!   the sample with a [`Config`] whose signature algorithm wraps the one of its
//!   `RustCryptoConfig` (its webpki fork's `rustcrypto::ECDSA_P256_SHA256`, p256 0.14) and
//!   writes down each call: the root CA CRL, the TCB signing certificate, the TCB info, the
//!   QE identity (its chain is the TCB info chain and is not checked again), the PCK platform
//!   CA, the PCK leaf, the PCK CRL, the QE report and the quote. The bench refuses to run if
//!   the count is not nine. The floor replays those nine calls, with the same key, message and
//!   signature bytes, through that same algorithm, which decodes the SEC1 key and the DER
//!   signature and hashes the message on every call, as it does inside dcap-qvl: dcap-qvl
//!   keeps no key prepared.
//! - **SNP (Milan)**: one RSA-4096 PSS-SHA384 verification (the ASK's over the VCEK's
//!   `tbsCertificate`, `rsa` 0.9) and one ECDSA P-384 verification (the VCEK's over the
//!   report's first 0x2A0 bytes, p384 0.13, SHA-384 of the message included), with the ASK's
//!   and the VCEK's keys decoded outside the loop, as the format holds them (roots and
//!   collateral parsed once), and both signatures decoded outside the loop.
//! - **TPM** (the Azure vTPM quote, its AK pinned): one RSASSA-PKCS1-v1_5 SHA-256
//!   verification of the `TPMS_ATTEST` (`rsa` 0.9, SHA-256 of the message included), the AK's
//!   key decoded outside the loop.
//! - **PSA Sign1** (the published example, the TF-M example IAK): one ES256 verification of the
//!   COSE `Sig_structure`, through the provider's `verify` as the format calls it.
//! - **PSA Mac0** (the published example, the TF-M example HMAC key): one HMAC-SHA-256 of the
//!   COSE `MAC_structure` through the provider, as the format computes it.
//! - **Nitro** (nitro_attest's document, the AWS Nitro root G1, at the document's time): the
//!   COSE ES384 signature through the provider's `verify` as the format calls it, and the
//!   chain's ECDSA P-384 verifications by rustls-webpki's `aws_lc_rs::ECDSA_P384_SHA384`,
//!   recorded by running the same path validation once with a recording wrapper (four: the
//!   leaf and the three intermediates below the root; the bench refuses to run if the count
//!   is not the number of certificates in the path) and replayed on the same bytes.
//! - **CCA** (`ccatoken`'s `cca-token-01`, its CPAK `ta-tfa` pinned): the platform token's
//!   signature by the CPAK (ES384) and the realm token's by the RAK (ES384), each through the
//!   provider's `verify` with the key's SPKI, as the format calls it.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stdout,
    clippy::cast_precision_loss
)]

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use criterion::{Criterion, SamplingMode};
use dcap_qvl::config::{Config, CryptoProvider as QvlCrypto};
use rustls_pki_types::{
    AlgorithmIdentifier, CertificateDer, InvalidSignature, SignatureVerificationAlgorithm, UnixTime,
};
use seat_binding::provider::rust_crypto::RustCrypto;
use seat_binding::provider::{
    CryptoProvider, HashAlgorithm, SignatureAlgorithm, SignatureEncoding,
};
use seat_evidence::cose::{CoseMac0, CoseSign1};
use seat_evidence::tpm::TpmQuoteRecord;
use seat_verify::nitro::{AWS_NITRO_ROOT_G1, NitroDocument, NitroFormat, NitroPolicy};
use seat_verify::psa::{PsaFormat, PsaIak, PsaKey, PsaPolicy};
use seat_verify::snp::{SnpFormat, SnpPolicy};
use seat_verify::tdx::{INTEL_SGX_ROOT_CA_DER, TdxFormat, TdxPolicy};
use seat_verify::tpm::{TpmFormat, TpmPolicy};
use seat_verify::{Collateral, TrustAnchor};

const V4_QUOTE: &[u8] = include_bytes!("../tests/data/tdx/tdx_quote");
const V4_COLLATERAL: &[u8] = include_bytes!("../tests/data/tdx/tdx_quote_collateral.json");
const V5_QUOTE: &[u8] = include_bytes!("../tests/data/tdx/tdx_quote_td15ex");
const V5_COLLATERAL: &[u8] = include_bytes!("../tests/data/tdx/tdx_quote_td15ex_collateral.json");
const SNP_REPORT_HEX: &str = include_str!("../tests/data/snp/report_milan.hex");
const VCEK: &[u8] = include_bytes!("../tests/data/snp/vcek_milan.der");
const MILAN_ASK_PEM: &str = include_str!("../tests/data/snp/milan_ask.pem");
const TPM_QUOTE_BIN: &[u8] = include_bytes!("../tests/data/tpm/quote.bin");
const TPM_AKPUB_PEM: &str = include_str!("../tests/data/tpm/akpub.pem");
const PSA_SIGN1: &[u8] = include_bytes!("../tests/data/psa/psa-sign1.cbor");
const PSA_MAC0: &[u8] = include_bytes!("../tests/data/psa/psa-mac0.cbor");
const PSA_ES_IAK: &str = include_str!("../tests/data/psa/tfm-es-iak.json");
const PSA_HS_IAK: &[u8] = include_bytes!("../tests/data/psa/tfm-hs-iak.bin");
const CCA_TOKEN: &[u8] = include_bytes!("../tests/data/cca/cca-token-01.cbor");
const CCA_TA: &str = include_str!("../tests/data/cca/ta-tfa.json");
const NITRO_DOC: &[u8] = include_bytes!("../tests/data/nitro/attestation.cose");
/// The Nitro document's timestamp (2025-01-06T16:07:05Z), inside every certificate's validity.
const NITRO_TIME: u64 = 1_736_179_625;

/// Any time: a pinned AK has no validity period.
const TPM_NOW: u64 = 1_700_000_000;

const P256_SPKI_PREFIX: [u8; 27] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
];

fn provider() -> &'static dyn CryptoProvider {
    &RustCrypto
}

fn pem_to_der(pem: &str) -> Vec<u8> {
    use base64::Engine as _;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Recording signature algorithms: every call, with its key, message and signature bytes.

/// One verification: public key, message, signature, as the algorithm received them.
type Call = (Vec<u8>, Vec<u8>, Vec<u8>);

static QVL_CALLS: Mutex<Vec<Call>> = Mutex::new(Vec::new());
static NITRO_CALLS: Mutex<Vec<Call>> = Mutex::new(Vec::new());

/// Wraps `inner`, writing each call down in `calls`.
#[derive(Debug)]
struct Recording {
    inner: &'static dyn SignatureVerificationAlgorithm,
    calls: &'static Mutex<Vec<Call>>,
}

impl SignatureVerificationAlgorithm for Recording {
    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.inner.public_key_alg_id()
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.inner.signature_alg_id()
    }

    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        self.calls.lock().unwrap().push((
            public_key.to_vec(),
            message.to_vec(),
            signature.to_vec(),
        ));
        self.inner.verify_signature(public_key, message, signature)
    }
}

/// dcap-qvl's RustCrypto configuration with the recording algorithm.
struct RecordingQvl;

static QVL_P256: Recording = Recording {
    inner: webpki::rustcrypto::ECDSA_P256_SHA256,
    calls: &QVL_CALLS,
};

impl QvlCrypto for RecordingQvl {
    fn sig_algo() -> &'static dyn SignatureVerificationAlgorithm {
        &QVL_P256
    }

    fn sha256(data: &[u8]) -> [u8; 32] {
        dcap_qvl::crypto::RustCryptoCrypto::sha256(data)
    }

    fn sha384(data: &[u8]) -> [u8; 48] {
        dcap_qvl::crypto::RustCryptoCrypto::sha384(data)
    }
}

impl Config for RecordingQvl {
    type X509 = dcap_qvl::x509::X509CertBackend;
    type SigEncoder = dcap_qvl::signature::DerSigEncoder;
    type Crypto = Self;
}

// ---------------------------------------------------------------------------------------------
// The formats. Each returns (format id, floor contents, appraisal closure, floor closure).

struct Case {
    id: &'static str,
    floor: String,
    appraise: Box<dyn FnMut()>,
    verify_floor: Box<dyn FnMut()>,
}

/// The quote's own signature as `tdx.rs` checks it: signed bytes, attestation key SPKI, r||s.
fn quote_signature(quote: &[u8], signed_len: usize) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let auth = signed_len + 4;
    let sig = quote[auth..auth + 64].to_vec();
    let mut spki = P256_SPKI_PREFIX.to_vec();
    spki.extend_from_slice(&quote[auth + 64..auth + 128]);
    (quote[..signed_len].to_vec(), spki, sig)
}

fn tdx_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for (id, quote, json, now, signed_len) in [
        ("tdx-v4", V4_QUOTE, V4_COLLATERAL, 1_751_328_000, 48 + 584),
        (
            "tdx-v5",
            V5_QUOTE,
            V5_COLLATERAL,
            1_792_022_400,
            48 + 6 + 885,
        ),
    ] {
        let f = TdxFormat::intel(TdxPolicy::default());
        let mut collateral = Collateral::new();
        collateral.add_tdx_json(json).unwrap();
        f.verify_quote(quote, &collateral, now, provider()).unwrap();
        // dcap-qvl's verifications of this quote, recorded.
        let inner: dcap_qvl::QuoteCollateralV3 = serde_json::from_slice(json).unwrap();
        QVL_CALLS.lock().unwrap().clear();
        dcap_qvl::verify::QuoteVerifier::<RecordingQvl>::new_with_config(
            INTEL_SGX_ROOT_CA_DER.to_vec(),
        )
        .allow_debug(true)
        .allow_service_td(true)
        .verify(quote, &inner, now)
        .unwrap();
        let qvl_calls = std::mem::take(&mut *QVL_CALLS.lock().unwrap());
        assert_eq!(qvl_calls.len(), 9, "{id}: dcap-qvl's verifications");
        let (signed, spki, sig) = quote_signature(quote, signed_len);
        let quote_check = move || {
            provider()
                .verify(
                    SignatureAlgorithm::EcdsaSecp256r1Sha256,
                    &spki,
                    &signed,
                    &sig,
                    SignatureEncoding::Fixed,
                )
                .unwrap();
        };
        quote_check();
        cases.push(Case {
            id,
            floor: format!(
                "1 P-256 (seat's quote check, provider) + {} P-256 (dcap-qvl, webpki-fork rustcrypto)",
                qvl_calls.len()
            ),
            appraise: Box::new(move || {
                f.verify_quote(quote, &collateral, now, provider()).unwrap();
            }),
            verify_floor: Box::new(move || {
                quote_check();
                for (key, message, signature) in &qvl_calls {
                    webpki::rustcrypto::ECDSA_P256_SHA256
                        .verify_signature(key, message, signature)
                        .unwrap();
                }
            }),
        });
    }
    cases
}

fn snp_case() -> Case {
    use der::{Decode as _, Encode as _};
    use p384::ecdsa::signature::Verifier as _;
    let f = SnpFormat::amd(SnpPolicy::default()).unwrap();
    let report = hex::decode(SNP_REPORT_HEX.trim()).unwrap();
    let mut collateral = Collateral::new();
    collateral.add_snp_vcek(VCEK).unwrap();
    let now = 1_767_225_600;
    f.verify_report(&report, &collateral, now, provider())
        .unwrap();
    // The ASK's RSA-PSS signature over the VCEK's tbsCertificate.
    let ask = x509_cert::Certificate::from_der(&pem_to_der(MILAN_ASK_PEM)).unwrap();
    let ask_spki = ask
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .unwrap();
    let ask_key = rsa::pss::VerifyingKey::<sha2::Sha384>::new(
        rsa::pkcs8::DecodePublicKey::from_public_key_der(&ask_spki).unwrap(),
    );
    let vcek = x509_cert::Certificate::from_der(VCEK).unwrap();
    let vcek_tbs = vcek.tbs_certificate.to_der().unwrap();
    let vcek_sig = rsa::pss::Signature::try_from(vcek.signature.raw_bytes()).unwrap();
    // The VCEK's P-384 signature over the report (R and S little-endian, 72 bytes each).
    let vcek_key = p384::ecdsa::VerifyingKey::from_sec1_bytes(
        vcek.tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes(),
    )
    .unwrap();
    let scalar = |at: usize| -> [u8; 48] {
        let mut be = [0u8; 48];
        for (o, b) in be.iter_mut().zip(report[at..at + 48].iter().rev()) {
            *o = *b;
        }
        be
    };
    let report_sig =
        p384::ecdsa::Signature::from_scalars(scalar(0x2a0), scalar(0x2a0 + 72)).unwrap();
    let floor = move |report: &[u8]| {
        rsa::signature::Verifier::verify(&ask_key, &vcek_tbs, &vcek_sig).unwrap();
        vcek_key.verify(&report[..0x2a0], &report_sig).unwrap();
    };
    floor(&report);
    let report_floor = report.clone();
    Case {
        id: "snp-milan",
        floor: "1 RSA-4096 PSS-SHA384 (ASK over VCEK) + 1 P-384 (VCEK over report)".into(),
        appraise: Box::new(move || {
            f.verify_report(&report, &collateral, now, provider())
                .unwrap();
        }),
        verify_floor: Box::new(move || floor(&report_floor)),
    }
}

fn tpm_case() -> Case {
    use sha2::Digest as _;
    // az-cvm-vtpm's bincode `Quote { signature, message, pcrs }` (tests/data/tpm/PROVENANCE.md).
    let mut at = 0;
    let mut take = |n: usize| {
        let b = &TPM_QUOTE_BIN[at..at + n];
        at += n;
        b
    };
    let u64le = |b: &[u8]| usize::try_from(u64::from_le_bytes(b.try_into().unwrap())).unwrap();
    let n = u64le(take(8));
    let sig = take(n).to_vec();
    let n = u64le(take(8));
    let attest = take(n).to_vec();
    let count = u64le(take(8));
    let pcrs: Vec<Vec<u8>> = TPM_QUOTE_BIN[8 + sig.len() + 8 + attest.len() + 8..]
        .chunks(32)
        .map(<[u8]>::to_vec)
        .collect();
    assert_eq!(pcrs.len(), count);
    // TPMT_SIGNATURE: TPM_ALG_RSASSA, TPM_ALG_SHA256, the signature.
    let mut signature = 0x0014u16.to_be_bytes().to_vec();
    signature.extend_from_slice(&0x000bu16.to_be_bytes());
    signature.extend_from_slice(&u16::try_from(sig.len()).unwrap().to_be_bytes());
    signature.extend_from_slice(&sig);
    let record = TpmQuoteRecord {
        kid: None,
        signature,
        ak_certs: Vec::new(),
        pcrs,
        attest: attest.clone(),
    }
    .to_vec();
    let ak = pem_to_der(TPM_AKPUB_PEM);
    let f = TpmFormat::new(TpmPolicy::new(vec![TrustAnchor {
        name: "azure-ak".into(),
        spki: ak.clone(),
    }]));
    f.verify_quote(&record, TPM_NOW).unwrap();
    let key: rsa::RsaPublicKey = rsa::pkcs8::DecodePublicKey::from_public_key_der(&ak).unwrap();
    let floor = move || {
        key.verify(
            rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
            &sha2::Sha256::digest(&attest),
            &sig,
        )
        .unwrap();
    };
    floor();
    Case {
        id: "tpm",
        floor: "1 RSA-2048 PKCS#1 v1.5 SHA-256 (AK over TPMS_ATTEST)".into(),
        appraise: Box::new(move || {
            f.verify_quote(&record, TPM_NOW).unwrap();
        }),
        verify_floor: Box::new(floor),
    }
}

fn psa_cases() -> Vec<Case> {
    use base64::Engine as _;
    // The IAK's SPKI from its JWK: the P-256 SPKI prefix (RFC 5480) and the point.
    let jwk: serde_json::Value = serde_json::from_str(PSA_ES_IAK).unwrap();
    let b64 = |k: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(jwk[k].as_str().unwrap())
            .unwrap()
    };
    let mut spki = P256_SPKI_PREFIX.to_vec();
    spki.extend(b64("x"));
    spki.extend(b64("y"));
    let sign1 = PsaFormat::new(PsaPolicy::new(vec![PsaIak {
        name: "tfm-es-iak".into(),
        instance_id: None,
        key: PsaKey::Spki(spki.clone()),
    }]));
    sign1.verify_token(PSA_SIGN1, provider()).unwrap();
    let (msg, _) = CoseSign1::decode(PSA_SIGN1).unwrap();
    let tbs = msg.tbs(&[], None).unwrap();
    let signature = msg.signature().to_vec();
    let sign1_floor = move || {
        provider()
            .verify(
                SignatureAlgorithm::EcdsaSecp256r1Sha256,
                &spki,
                &tbs,
                &signature,
                SignatureEncoding::Fixed,
            )
            .unwrap();
    };
    sign1_floor();
    let mac0 = PsaFormat::new(PsaPolicy::new(vec![PsaIak {
        name: "tfm-hs-iak".into(),
        instance_id: None,
        key: PsaKey::Hmac(PSA_HS_IAK.to_vec().into()),
    }]));
    mac0.verify_token(PSA_MAC0, provider()).unwrap();
    let msg = CoseMac0::decode(PSA_MAC0).unwrap();
    assert_eq!(msg.alg(), seat_verify::psa::HMAC_256_256);
    let tbm = msg.to_be_maced(&[]).unwrap();
    let tag = msg.tag().to_vec();
    let mac0_floor = move || {
        let t = provider().hmac(HashAlgorithm::Sha256, PSA_HS_IAK, &[&tbm]);
        assert_eq!(t.as_bytes(), tag.as_slice());
    };
    mac0_floor();
    vec![
        Case {
            id: "psa-sign1",
            floor: "1 P-256 (IAK over Sig_structure, provider)".into(),
            appraise: Box::new(move || {
                sign1.verify_token(PSA_SIGN1, provider()).unwrap();
            }),
            verify_floor: Box::new(sign1_floor),
        },
        Case {
            id: "psa-mac0",
            floor: "1 HMAC-SHA-256 (IAK over MAC_structure, provider)".into(),
            appraise: Box::new(move || {
                mac0.verify_token(PSA_MAC0, provider()).unwrap();
            }),
            verify_floor: Box::new(mac0_floor),
        },
    ]
}

static NITRO_P384: Recording = Recording {
    inner: rustls_webpki::aws_lc_rs::ECDSA_P384_SHA384,
    calls: &NITRO_CALLS,
};

fn nitro_case() -> Case {
    use der::{Decode as _, Encode as _};
    let f = NitroFormat::aws(NitroPolicy::default());
    f.verify_document(NITRO_DOC, NITRO_TIME, provider())
        .unwrap();
    let (msg, _) = CoseSign1::decode(NITRO_DOC).unwrap();
    let doc = NitroDocument::decode(msg.payload().unwrap()).unwrap();
    // The chain's verifications, recorded: the same path validation as the format's.
    let anchors = [
        rustls_webpki::anchor_from_trusted_cert(&CertificateDer::from(AWS_NITRO_ROOT_G1))
            .unwrap()
            .to_owned(),
    ];
    let leaf = CertificateDer::from(doc.certificate.as_slice());
    let intermediates: Vec<CertificateDer<'_>> = doc
        .cabundle
        .iter()
        .map(|c| CertificateDer::from(c.as_slice()))
        .collect();
    NITRO_CALLS.lock().unwrap().clear();
    let path = rustls_webpki::EndEntityCert::try_from(&leaf)
        .unwrap()
        .verify_for_usage(
            &[&NITRO_P384],
            &anchors,
            &intermediates,
            UnixTime::since_unix_epoch(Duration::from_secs(NITRO_TIME)),
            rustls_webpki::KeyUsage::client_auth(),
            None,
            None,
        )
        .unwrap()
        .intermediate_certificates()
        .count();
    let chain_calls = std::mem::take(&mut *NITRO_CALLS.lock().unwrap());
    assert_eq!(
        chain_calls.len(),
        path + 1,
        "nitro: one verification per certificate"
    );
    // The COSE signature, as the format checks it: the provider's verify with the leaf's SPKI.
    let spki = x509_cert::Certificate::from_der(&doc.certificate)
        .unwrap()
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .unwrap();
    let tbs = msg.tbs(&[], None).unwrap();
    let signature = msg.signature().to_vec();
    let floor = move || {
        provider()
            .verify(
                SignatureAlgorithm::EcdsaSecp384r1Sha384,
                &spki,
                &tbs,
                &signature,
                SignatureEncoding::Fixed,
            )
            .unwrap();
        for (key, message, sig) in &chain_calls {
            rustls_webpki::aws_lc_rs::ECDSA_P384_SHA384
                .verify_signature(key, message, sig)
                .unwrap();
        }
    };
    floor();
    Case {
        id: "nitro",
        floor: format!(
            "1 P-384 (COSE ES384, provider) + {} P-384 (chain, rustls-webpki aws-lc-rs)",
            path + 1
        ),
        appraise: Box::new(move || {
            f.verify_document(NITRO_DOC, NITRO_TIME, provider())
                .unwrap();
        }),
        verify_floor: Box::new(floor),
    }
}

fn cca_case() -> Case {
    use base64::Engine as _;
    use seat_evidence::cca::{CcaRealmClaims, CcaToken};
    use seat_evidence::cose::Algorithm;
    use seat_verify::cca::{CcaCpak, CcaFormat, CcaPolicy};
    // The trust anchor store entry's JWK as an SPKI: the P-384 prefix (RFC 5480), the point.
    let store: serde_json::Value = serde_json::from_str(CCA_TA).unwrap();
    let jwk = &store[0]["pkey"];
    assert_eq!(jwk["crv"], "P-384");
    let b64 = |k: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(jwk[k].as_str().unwrap())
            .unwrap()
    };
    let mut cpak_spki = hex::decode("3076301006072a8648ce3d020106052b8104002203620004").unwrap();
    cpak_spki.extend(b64("x"));
    cpak_spki.extend(b64("y"));
    let f = CcaFormat::new(CcaPolicy::new(vec![CcaCpak {
        anchor: TrustAnchor {
            name: "ta-tfa".into(),
            spki: cpak_spki.clone(),
        },
        instance_id: None,
    }]));
    f.verify_token(CCA_TOKEN, provider()).unwrap();
    let token = CcaToken::decode(CCA_TOKEN).unwrap();
    let (platform, _) = CoseSign1::decode(&token.platform).unwrap();
    let (realm, _) = CoseSign1::decode(&token.realm).unwrap();
    assert_eq!(platform.alg(), Algorithm::ES384);
    assert_eq!(realm.alg(), Algorithm::ES384);
    let rak_spki = CcaRealmClaims::decode(realm.payload().unwrap())
        .unwrap()
        .public_key_spki;
    let checks = [
        (
            SignatureAlgorithm::EcdsaSecp384r1Sha384,
            cpak_spki,
            platform.tbs(&[], None).unwrap(),
            platform.signature().to_vec(),
        ),
        (
            SignatureAlgorithm::EcdsaSecp384r1Sha384,
            rak_spki,
            realm.tbs(&[], None).unwrap(),
            realm.signature().to_vec(),
        ),
    ];
    let floor = move || {
        for (alg, spki, tbs, sig) in &checks {
            provider()
                .verify(*alg, spki, tbs, sig, SignatureEncoding::Fixed)
                .unwrap();
        }
    };
    floor();
    Case {
        id: "cca",
        floor: "1 P-384 (CPAK over platform token) + 1 P-384 (RAK over realm token), provider"
            .into(),
        appraise: Box::new(move || {
            f.verify_token(CCA_TOKEN, provider()).unwrap();
        }),
        verify_floor: Box::new(floor),
    }
}

// ---------------------------------------------------------------------------------------------
// The report.

fn criterion_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")),
        PathBuf::from,
    );
    target.join("criterion")
}

/// The median of one benchmark of this run, in nanoseconds, from criterion's estimates.
fn median_ns(group: &str, name: &str) -> f64 {
    let path = criterion_dir()
        .join(group)
        .join(name)
        .join("new")
        .join("estimates.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["median"]["point_estimate"].as_f64().unwrap()
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1_000_000.0 {
        format!("{:.2} ms", ns / 1_000_000.0)
    } else if ns >= 1_000.0 {
        format!("{:.1} µs", ns / 1_000.0)
    } else {
        format!("{ns:.0} ns")
    }
}

/// The median of `v` (sorted in place).
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn main() {
    let quick = std::env::var("SEAT_BENCH_QUICK").is_ok_and(|v| v == "1");
    // Rounds: each measures the appraisal and its floor one after the other (alternating
    // which goes first), so that a change of the machine's load between two measurements
    // biases one round's ratio, not the result; the ratio is the median of the rounds'.
    let rounds = 3;
    let mut c = Criterion::default()
        .output_directory(&criterion_dir())
        .configure_from_args();
    c = if quick {
        c.warm_up_time(Duration::from_millis(200))
            .measurement_time(Duration::from_millis(500))
            .sample_size(10)
    } else {
        c.warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2))
            .sample_size(30)
    };
    let mut cases = tdx_cases();
    cases.push(snp_case());
    cases.push(tpm_case());
    cases.extend(psa_cases());
    cases.push(nitro_case());
    cases.push(cca_case());
    for case in &mut cases {
        for round in 0..rounds {
            let name = format!("{}-r{round}", case.id);
            for floor_first in [round % 2 == 1, round % 2 == 0] {
                let mut g = c.benchmark_group(if floor_first {
                    "platform_signature_floor"
                } else {
                    "platform_appraisal"
                });
                // Milliseconds per iteration: the same number of iterations in every sample.
                g.sampling_mode(SamplingMode::Flat);
                if floor_first {
                    g.bench_function(&name, |b| b.iter(&mut case.verify_floor));
                } else {
                    g.bench_function(&name, |b| b.iter(&mut case.appraise));
                }
                g.finish();
            }
        }
    }
    println!("## seat bench report");
    println!(
        "| format | appraisal, warm collateral | signature floor | floor contents | ratio (median of {rounds}) | ratio per round |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    let mut ratios = Vec::new();
    for case in &cases {
        let (mut a, mut f, mut r) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            let name = format!("{}-r{round}", case.id);
            let ai = median_ns("platform_appraisal", &name);
            let fi = median_ns("platform_signature_floor", &name);
            a.push(ai);
            f.push(fi);
            r.push(ai / fi);
        }
        let each: Vec<String> = r.iter().map(|x| format!("{x:.3}")).collect();
        let ratio = median(&mut r);
        println!(
            "| {} | {} | {} | {} | {ratio:.3} | {} |",
            case.id,
            fmt_ns(median(&mut a)),
            fmt_ns(median(&mut f)),
            case.floor,
            each.join(", ")
        );
        ratios.push((case.id, ratio));
    }
    println!();
    for (id, r) in ratios {
        println!("ratio appraisal_over_signature_floor/{id} {r:.3}");
    }
}
