//! Two connections, a simulated TEE, a Verifier and a Relying Party, all deterministic.

use seat_binding::Secret;
use seat_binding::binder::{ExpatBinder, ExpatLabel, expat_binder};
use seat_binding::exporter::RecordedExporter;
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::{
    CryptoProvider, HashAlgorithm, SignatureAlgorithm, SigningKey, default_provider,
};
use seat_evidence::attester::{Attester, EvidenceRequest};
use seat_evidence::sim::{SimTeeConfig, SimulatedTee};
use seat_verify::{Error, Policy, Reason, RelyingParty, Stage, TrustAnchor, Verifier};

/// The time every test runs at (2027-01-15).
pub(crate) const NOW: u64 = 1_800_000_000;

/// The reference value of the simulated TEE's default firmware measurement, written out here
/// (not read from the code under test).
pub(crate) const FIRMWARE: [u8; 32] = [0xa5; 32];

pub(crate) fn provider() -> &'static dyn CryptoProvider {
    default_provider()
}

/// A deterministic random source for the Verifier's signatures.
pub(crate) fn rng() -> impl FnMut(&mut [u8]) {
    |d: &mut [u8]| d.fill(0x42)
}

/// The expat binder of a connection whose exporter_master_secret is `[ems; 32]`, for request
/// context `ctx` and AIK `spki`.
pub(crate) fn binder(ems: u8, ctx: &[u8], spki: &[u8]) -> ExpatBinder {
    let exporter = RecordedExporter::new(
        provider(),
        HashAlgorithm::Sha256,
        Protocol::Tls13,
        Secret::from_slice(&[ems; 32]),
    )
    .unwrap();
    expat_binder(provider(), &exporter, ExpatLabel::Attestation, ctx, spki).unwrap()
}

pub(crate) fn tee_with(f: impl FnOnce(&mut SimTeeConfig)) -> SimulatedTee {
    let mut config = SimTeeConfig::default();
    f(&mut config);
    SimulatedTee::new(config, provider()).unwrap()
}

pub(crate) fn tee() -> SimulatedTee {
    tee_with(|_| {})
}

/// A key minted by a separate simulated TEE (seed `seed`): used as AIKs and Verifier keys.
pub(crate) fn minted(seed: u8) -> (Vec<u8>, Box<dyn SigningKey>) {
    let mut other = tee_with(|c| c.seed = [seed; 32]);
    let m = other
        .mint_aik(SignatureAlgorithm::EcdsaSecp256r1Sha256, "key", NOW)
        .unwrap();
    let key = provider()
        .signing_key_from_pkcs8(SignatureAlgorithm::EcdsaSecp256r1Sha256, &m.pkcs8_der)
        .unwrap();
    (m.spki_der.clone(), key)
}

pub(crate) fn attest(tee: &mut SimulatedTee, b: &ExpatBinder, now: u64) -> Vec<u8> {
    tee.attest(&EvidenceRequest {
        binder: b.binding_value.as_bytes(),
        aik_pub_hash: b.aik_pub_hash.as_bytes(),
        now_unix_secs: now,
    })
    .unwrap()
}

/// Everything one test needs: the TEE's attestation key trusted, the default firmware
/// measurement as reference value, the Verifier's key trusted by the Relying Party.
pub(crate) struct World {
    pub(crate) tee: SimulatedTee,
    pub(crate) aik_spki: Vec<u8>,
    pub(crate) verifier: Verifier,
    pub(crate) rp: RelyingParty,
    pub(crate) policy: Policy,
}

pub(crate) fn world_with(policy_edit: impl FnOnce(&mut Policy)) -> World {
    let tee = tee();
    let (aik_spki, _) = minted(1);
    let (verifier_spki, verifier_key) = minted(2);
    let mut policy = Policy::default();
    policy.verifier.attestation_keys = vec![TrustAnchor {
        name: "sim-tee".into(),
        spki: tee.attestation_key_spki(),
    }];
    policy.verifier.reference_values.measurements = vec![("firmware".into(), FIRMWARE.to_vec())];
    policy.relying_party.verifier_keys = vec![TrustAnchor {
        name: "verifier-1".into(),
        spki: verifier_spki,
    }];
    policy_edit(&mut policy);
    let verifier = Verifier::new(policy.verifier.clone(), verifier_key, provider()).unwrap();
    let rp = RelyingParty::new(policy.relying_party.clone(), provider());
    World {
        tee,
        aik_spki,
        verifier,
        rp,
        policy,
    }
}

pub(crate) fn world() -> World {
    world_with(|_| {})
}

#[track_caller]
pub(crate) fn assert_rejected<T: std::fmt::Debug>(
    r: Result<T, Error>,
    stage: Stage,
    reason: Reason,
) {
    let e = r.expect_err("expected a rejection");
    assert_eq!(e.stage(), Some(stage), "{e}");
    assert_eq!(e.reason(), Some(reason), "{e}");
    let s = e.to_string();
    assert!(s.starts_with(&format!("rejected at {stage}: ")), "{s}");
    assert_eq!(s, s.to_lowercase());
    assert!(!s.ends_with('.'));
}
