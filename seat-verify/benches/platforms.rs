//! Appraisal of each real platform sample with warm collateral (parsed once, held by the
//! caller) next to the cost of the signature checks it contains, verified with the same
//! RustCrypto curves (seat-binding's `RustCrypto` provider).
//!
//! - TDX: ten ECDSA P-256 verifications per quote, counted by reading dcap-qvl 0.7.1 and its
//!   webpki fork (the same for v4 and v5): seat's own check of the quote signature, then
//!   dcap-qvl's root CA CRL, TCB signing certificate, TCB info, QE identity (its chain is the
//!   TCB info chain, byte-identical, and is not checked again), PCK Platform CA, PCK leaf, PCK
//!   CRL (once: the webpki fork remembers a CRL already checked under its issuer's key), QE
//!   report and quote signatures. The root's self-signature is never checked. The floor is ten
//!   P-256 verifications of the quote's own signature.
//! - SNP: one RSA-4096 PSS-SHA384 verification (the ASK signs the VCEK; the ARK's signatures
//!   are checked once, when the roots are loaded) and one ECDSA P-384 verification (the
//!   report).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use criterion::{Criterion, criterion_group, criterion_main};
use seat_binding::provider::rust_crypto::RustCrypto;
use seat_binding::provider::{CryptoProvider, SignatureAlgorithm, SignatureEncoding};
use seat_verify::Collateral;
use seat_verify::snp::{SnpFormat, SnpPolicy};
use seat_verify::tdx::{TdxFormat, TdxPolicy};

const V4_QUOTE: &[u8] = include_bytes!("../tests/data/tdx/tdx_quote");
const V4_COLLATERAL: &[u8] = include_bytes!("../tests/data/tdx/tdx_quote_collateral.json");
const V5_QUOTE: &[u8] = include_bytes!("../tests/data/tdx/tdx_quote_td15ex");
const V5_COLLATERAL: &[u8] = include_bytes!("../tests/data/tdx/tdx_quote_td15ex_collateral.json");
const SNP_REPORT_HEX: &str = include_str!("../tests/data/snp/report_milan.hex");
const VCEK: &[u8] = include_bytes!("../tests/data/snp/vcek_milan.der");
const MILAN_ASK_PEM: &str = include_str!("../tests/data/snp/milan_ask.pem");

const P256_SPKI_PREFIX: [u8; 27] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
];

fn pem_to_der(pem: &str) -> Vec<u8> {
    use base64::Engine as _;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}

/// The quote's own signature: signed bytes, attestation key SPKI, raw r||s.
fn quote_signature(quote: &[u8], signed_len: usize) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let auth = signed_len + 4;
    let sig = quote[auth..auth + 64].to_vec();
    let mut spki = P256_SPKI_PREFIX.to_vec();
    spki.extend_from_slice(&quote[auth + 64..auth + 128]);
    (quote[..signed_len].to_vec(), spki, sig)
}

fn tdx(c: &mut Criterion) {
    let provider: &'static dyn CryptoProvider = &RustCrypto;
    let f = TdxFormat::intel(TdxPolicy::default());
    let mut g = c.benchmark_group("tdx");
    for (name, quote, json, now, signed_len) in [
        ("v4", V4_QUOTE, V4_COLLATERAL, 1_751_328_000, 48 + 584),
        ("v5", V5_QUOTE, V5_COLLATERAL, 1_792_022_400, 48 + 6 + 885),
    ] {
        let mut collateral = Collateral::new();
        collateral.add_tdx_json(json).unwrap();
        f.verify_quote(quote, &collateral, now, provider).unwrap();
        g.bench_function(format!("{name}_appraisal_warm_collateral"), |b| {
            b.iter(|| f.verify_quote(quote, &collateral, now, provider).unwrap())
        });
        let (signed, spki, sig) = quote_signature(quote, signed_len);
        g.bench_function(format!("{name}_signature_floor_10_p256"), |b| {
            b.iter(|| {
                for _ in 0..10 {
                    provider
                        .verify(
                            SignatureAlgorithm::EcdsaSecp256r1Sha256,
                            &spki,
                            &signed,
                            &sig,
                            SignatureEncoding::Fixed,
                        )
                        .unwrap();
                }
            })
        });
    }
    g.finish();
}

fn snp(c: &mut Criterion) {
    use der::{Decode, Encode};
    let provider: &'static dyn CryptoProvider = &RustCrypto;
    let f = SnpFormat::amd(SnpPolicy::default()).unwrap();
    let report = hex::decode(SNP_REPORT_HEX.trim()).unwrap();
    let mut collateral = Collateral::new();
    collateral.add_snp_vcek(VCEK).unwrap();
    let now = 1_767_225_600;
    f.verify_report(&report, &collateral, now, provider)
        .unwrap();
    let mut g = c.benchmark_group("snp");
    g.bench_function("milan_appraisal_warm_collateral", |b| {
        b.iter(|| {
            f.verify_report(&report, &collateral, now, provider)
                .unwrap()
        })
    });
    // The floor: the ASK's RSA-PSS signature over the VCEK (sev's own check, as the format
    // makes it), and the VCEK's P-384 signature over the report's first 0x2A0 bytes.
    use sev::certs::snp::{Certificate, Verifiable};
    let vcek_cert = Certificate::from_der(VCEK).unwrap();
    let ask_cert = Certificate::from_der(&pem_to_der(MILAN_ASK_PEM)).unwrap();
    (&ask_cert, &vcek_cert).verify().unwrap();
    let vcek = x509_cert::Certificate::from_der(VCEK).unwrap();
    let vcek_spki = vcek
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .unwrap();
    let mut ecdsa = Vec::with_capacity(96);
    for at in [0x2a0, 0x2a0 + 72] {
        ecdsa.extend(report[at..at + 48].iter().rev());
    }
    provider
        .verify(
            SignatureAlgorithm::EcdsaSecp384r1Sha384,
            &vcek_spki,
            &report[..0x2a0],
            &ecdsa,
            SignatureEncoding::Fixed,
        )
        .unwrap();
    g.bench_function("milan_signature_floor_rsa_pss_and_p384", |b| {
        b.iter(|| {
            (&ask_cert, &vcek_cert).verify().unwrap();
            provider
                .verify(
                    SignatureAlgorithm::EcdsaSecp384r1Sha384,
                    &vcek_spki,
                    &report[..0x2a0],
                    &ecdsa,
                    SignatureEncoding::Fixed,
                )
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, tdx, snp);
criterion_main!(benches);
