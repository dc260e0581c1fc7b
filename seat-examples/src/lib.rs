//! The embedded defaults the runnable examples share: a simulated TEE per peer, one in-process
//! Verifier both peers trust, fresh self-signed TLS certificates, hardened rustls
//! configurations, and [`Platform`], the [`AttestationHooks`] that connect a session to the
//! TEE, the Verifier and the Relying-Party policy.
//!
//! Everything runs on one machine with no service to start. This package is not published.
#![forbid(unsafe_code)]

pub mod early;
pub mod echo;
pub mod memory;

use std::sync::{Arc, Mutex};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use seat_binding::provider::aws_lc::AwsLcRandom;
use seat_binding::provider::{CryptoProvider, SignatureAlgorithm, SigningKey, default_provider};
use seat_evidence::attester::{Attester, EvidenceRequest};
use seat_evidence::sim::{MintedAik, SimTeeConfig, SimulatedTee};
use seat_proto::hooks::{self, AttestationHooks, Mechanism, Model, Rejection, Stage};
use seat_proto::session::{Credential, Event};
use seat_verify::policy::{ReferenceValues, RelyingPartyPolicy, TrustAnchor, VerifierPolicy};
use seat_verify::replay::ReplayRecord;
use seat_verify::rp::{Background, Expected, RelyingParty};
use seat_verify::verifier::{AppraisalRequest, ResultBinding, ResultForm, Verifier};

/// The measurement names and values of the reference platform (what the Verifier expects).
pub fn reference_measurements() -> Vec<(String, Vec<u8>)> {
    vec![
        ("firmware".to_string(), vec![0xf1; 32]),
        ("kernel".to_string(), vec![0x6b; 32]),
    ]
}

/// A simulated TEE configuration for one peer; `tampered` changes its kernel measurement.
pub fn tee_config(seed: u8, tampered: bool) -> SimTeeConfig {
    let mut measurements = reference_measurements();
    if tampered && let Some(m) = measurements.get_mut(1) {
        m.1 = vec![0x66; 32];
    }
    SimTeeConfig {
        seed: [seed; 32],
        instance_id: [seed ^ 0x5a; 32],
        swname: "seat-demo".to_string(),
        swversion: "1.0.0".to_string(),
        measurements,
        dbgstat: 2,
        secure_boot: true,
    }
}

/// A fresh self-signed P-256 certificate and its PKCS#8 key, loaded once.
#[derive(Clone, Debug)]
pub struct Identity {
    /// The DER certificate.
    pub certificate: Vec<u8>,
    /// The PKCS#8 private key.
    pub pkcs8: Vec<u8>,
    key: Arc<dyn SigningKey>,
}

impl Identity {
    /// Makes one for `name`.
    ///
    /// # Errors
    ///
    /// A certificate-generation failure.
    pub fn new(name: &str) -> Result<Self, String> {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .map_err(|e| e.to_string())?;
        let cert = rcgen::CertificateParams::new(vec![name.to_string()])
            .map_err(|e| e.to_string())?
            .self_signed(&key)
            .map_err(|e| e.to_string())?;
        let pkcs8 = key.serialize_der();
        let signing_key = default_provider()
            .signing_key_from_pkcs8(SignatureAlgorithm::EcdsaSecp256r1Sha256, &pkcs8)
            .map_err(|e| e.to_string())?;
        Ok(Self {
            certificate: cert.der().to_vec(),
            pkcs8,
            key: signing_key.into(),
        })
    }

    /// The certificate for rustls.
    pub fn certificate_der(&self) -> CertificateDer<'static> {
        CertificateDer::from(self.certificate.clone())
    }

    /// The key for rustls.
    pub fn key_der(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.pkcs8.clone()))
    }

    /// The identity as an authenticator credential: the attestation is then bound to the
    /// key that authenticated this peer in TLS.
    ///
    /// # Errors
    ///
    /// None today; kept fallible for credentials that load keys lazily.
    pub fn credential(&self) -> Result<Credential, String> {
        Ok(Credential {
            chain: vec![self.certificate.clone()],
            key: Arc::clone(&self.key),
        })
    }
}

/// The trust both peers share: one Verifier (trusting both TEEs' attestation keys and the
/// reference measurements) and a Relying-Party policy trusting that Verifier's key.
#[derive(Debug)]
pub struct World {
    /// The Verifier.
    pub verifier: Verifier,
    /// The Relying-Party policy.
    pub rp_policy: RelyingPartyPolicy,
    /// The crypto provider.
    pub provider: &'static dyn CryptoProvider,
}

impl World {
    /// A world whose Verifier trusts the attestation keys of `tees`.
    ///
    /// # Errors
    ///
    /// A key or policy failure.
    pub fn new(tees: &[&SimulatedTee]) -> Result<Self, String> {
        let provider = default_provider();
        let verifier_identity = Identity::new("verifier.example")?;
        let key = provider
            .signing_key_from_pkcs8(
                SignatureAlgorithm::EcdsaSecp256r1Sha256,
                &verifier_identity.pkcs8,
            )
            .map_err(|e| e.to_string())?;
        let verifier_spki = key.public_key_spki();
        let policy = VerifierPolicy {
            attestation_keys: tees
                .iter()
                .enumerate()
                .map(|(i, tee)| TrustAnchor {
                    name: format!("sim-tee-{i}"),
                    spki: tee.attestation_key_spki(),
                })
                .collect(),
            reference_values: ReferenceValues {
                swname: Some("seat-demo".to_string()),
                swversion: Some("1.0.0".to_string()),
                measurements: reference_measurements(),
            },
            ..VerifierPolicy::default()
        };
        let verifier = Verifier::new(policy, key, provider).map_err(|e| e.to_string())?;
        let rp_policy = RelyingPartyPolicy {
            verifier_keys: vec![TrustAnchor {
                name: "demo-verifier".to_string(),
                spki: verifier_spki,
            }],
            ..RelyingPartyPolicy::default()
        };
        Ok(Self {
            verifier,
            rp_policy,
            provider,
        })
    }
}

/// One peer's attestation stack: its simulated TEE, the shared [`World`], and a per-connection
/// replay record. Records a short account of each step.
#[derive(Debug)]
pub struct Platform {
    name: &'static str,
    tee: Arc<Mutex<SimulatedTee>>,
    world: Arc<World>,
    record: ReplayRecord,
    rng: AwsLcRandom,
    /// What happened, one line per step.
    pub account: Vec<String>,
}

fn short(bytes: &[u8]) -> String {
    let hex = hex::encode(bytes);
    format!("{}...", hex.get(..16).unwrap_or(&hex))
}

impl Platform {
    /// A platform named `name` (for the account) with its TEE.
    pub fn new(name: &'static str, tee: SimulatedTee, world: Arc<World>) -> Self {
        Self::shared(name, Arc::new(Mutex::new(tee)), world)
    }

    /// A platform on a TEE shared with other connections (a process has one TEE).
    pub fn shared(name: &'static str, tee: Arc<Mutex<SimulatedTee>>, world: Arc<World>) -> Self {
        Self {
            name,
            tee,
            world,
            record: ReplayRecord::new(),
            rng: AwsLcRandom,
            account: Vec::new(),
        }
    }

    /// Mints an ephemeral attestation key in the TEE, for anonymous client attestation.
    ///
    /// # Errors
    ///
    /// The TEE's refusal.
    pub fn mint_aik(
        &mut self,
        alg: SignatureAlgorithm,
        subject: &str,
        now: u64,
    ) -> Result<MintedAik, String> {
        let mut tee = self
            .tee
            .lock()
            .map_err(|_| "the TEE lock is poisoned".to_string())?;
        tee.mint_aik(alg, subject, now).map_err(|e| e.to_string())
    }
}

/// The stage and reason of a Verifier or Relying-Party refusal.
pub fn rejection(e: &seat_verify::Error) -> Rejection {
    use seat_verify::error::Stage as S;
    match e {
        seat_verify::Error::Rejected(r) => Rejection::new(
            match r.stage() {
                S::Decode => Stage::Decode,
                S::Binding => Stage::Binding,
                S::Signature => Stage::Signature,
                S::Freshness => Stage::Freshness,
                S::Policy => Stage::Policy,
            },
            r.to_string(),
        ),
        other => Rejection::new(Stage::Other, other.to_string()),
    }
}

impl AttestationHooks for Platform {
    type Accepted = String;

    fn produce_evidence(&mut self, request: &hooks::EvidenceRequest<'_>) -> Option<Vec<u8>> {
        let (binder, aik_pub_hash, now) = (request.binder, request.aik_pub_hash, request.now);
        let model = match request.mechanism {
            Mechanism::Expat { model } => model,
            _ => return None,
        };
        let attested = match self.tee.lock() {
            Ok(mut tee) => tee
                .attest(&EvidenceRequest {
                    binder,
                    aik_pub_hash,
                    now_unix_secs: now,
                })
                .map_err(|e| e.to_string()),
            Err(_) => Err("the TEE lock is poisoned".to_string()),
        };
        let evidence = match attested {
            Ok(e) => e,
            Err(e) => {
                self.account
                    .push(format!("{}: the TEE refused: {e}", self.name));
                return None;
            }
        };
        self.account.push(format!(
            "{}: TEE produced Evidence ({} bytes) for binder {}",
            self.name,
            evidence.len(),
            short(binder)
        ));
        if model != Model::Passport {
            return Some(evidence);
        }
        // Passport: have the Verifier appraise our own Evidence and present its Result.
        let report = self.world.verifier.appraise(
            &AppraisalRequest {
                cmw: &evidence,
                binder,
                aik_pub_hash,
                now_unix_secs: now,
            },
            ResultForm::Cwt,
            ResultBinding::Exchange,
            &mut self.rng,
        );
        match report {
            Ok(report) => {
                self.account.push(format!(
                    "{}: Verifier issued a passport, status {}",
                    self.name,
                    report.status().name()
                ));
                Some(report.result().to_vec())
            }
            Err(e) => {
                self.account
                    .push(format!("{}: Verifier refused: {e}", self.name));
                None
            }
        }
    }

    fn appraise(&mut self, appraisal: &hooks::AppraisalRequest<'_>) -> Result<String, Rejection> {
        let now = appraisal.now;
        let rp = RelyingParty::new(self.world.rp_policy.clone(), self.world.provider);
        let expected = Expected {
            binder: appraisal.binder,
            aik_pub_hash: appraisal.aik_pub_hash,
        };
        // The model this side asked the peer for, not the set it accepts.
        let passport = matches!(
            appraisal.mechanism,
            Mechanism::Expat {
                model: Model::Passport
            }
        );
        let decision = if passport {
            rp.passport(&mut self.record, appraisal.cmw, &expected, now)
        } else {
            rp.background_check(
                &mut self.record,
                Background::InProcess {
                    evidence: appraisal.cmw,
                    verifier: &self.world.verifier,
                    form: ResultForm::Cwt,
                },
                &expected,
                now,
                &mut self.rng,
            )
        };
        match decision {
            Ok(accepted) => {
                let line = format!(
                    "{}: peer attestation {accepted} (binder {}, chain trust {:?})",
                    self.name,
                    short(appraisal.binder),
                    appraisal
                        .trust
                        .map_or_else(|| "none".to_string(), |t| format!("{t:?}"))
                );
                self.account.push(line.clone());
                Ok(line)
            }
            Err(e) => {
                let line = format!("{}: peer attestation rejected: {e}", self.name);
                self.account.push(line);
                Err(rejection(&e))
            }
        }
    }

    fn event(&mut self, event: &Event) {
        match event {
            Event::Open => self.account.push(format!(
                "{}: gate open, application data may flow",
                self.name
            )),
            Event::Failed { error } => self.account.push(format!("{}: failed: {error}", self.name)),
            Event::Answered { attested, .. } => self.account.push(format!(
                "{}: answered the peer's request{}",
                self.name,
                if *attested {
                    " with attestation"
                } else {
                    " with a refusal"
                }
            )),
            _ => {}
        }
    }
}
