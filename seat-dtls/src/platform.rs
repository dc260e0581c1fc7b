//! The simulated platform the demo and the tests attest with (feature `demo`): a simulated
//! TEE per peer (seat-evidence), one in-process Verifier both trust (seat-verify), a
//! Relying-Party policy trusting that Verifier, fresh self-signed certificates, and
//! [`Platform`], the [`AttestationHooks`] that connect a session to them. It mirrors
//! seat-examples' embedded defaults, which this crate cannot link (they bring OpenSSL).

use std::sync::{Arc, Mutex, PoisonError};

use boring::ssl::SslContext;
use seat_binding::authenticator::Role;
use seat_binding::provider::aws_lc::AwsLcRandom;
use seat_binding::provider::{CryptoProvider, SignatureAlgorithm, SigningKey, default_provider};
use seat_evidence::attester::{Attester, EvidenceRequest};
use seat_evidence::sim::{SimTeeConfig, SimulatedTee};
use seat_proto::chain::{ChainVerifier, DangerousSelfSignedVerifier, Purpose, WebPkiVerifier};
use seat_proto::hooks::{self, AttestationHooks, Mechanism, Model, Rejection, Stage};
use seat_proto::session::{Credential, Event, Session, SessionConfig};
use seat_proto::shim::Models;
use seat_verify::policy::{ReferenceValues, RelyingPartyPolicy, TrustAnchor, VerifierPolicy};
use seat_verify::replay::ReplayRecord;
use seat_verify::rp::{Background, BindingLevel, Expected, RelyingParty};
use seat_verify::verifier::{AppraisalRequest, ResultForm, Verifier};

use crate::config;

/// The measurements of the reference platform (what the Verifier expects).
pub fn reference_measurements() -> Vec<(String, Vec<u8>)> {
    vec![
        ("firmware".to_string(), vec![0xf1; 32]),
        ("kernel".to_string(), vec![0x6b; 32]),
    ]
}

/// A simulated TEE configuration; `tampered` changes its kernel measurement.
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

/// A fresh self-signed P-256 certificate and its PKCS#8 key.
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

    /// The identity as an authenticator credential: the attestation is then bound to the
    /// key that authenticated this peer in DTLS.
    pub fn credential(&self) -> Credential {
        Credential {
            chain: vec![self.certificate.clone().into()],
            key: Arc::clone(&self.key),
        }
    }
}

/// The trust both peers share.
#[derive(Debug)]
pub struct World {
    /// The Verifier, trusting both TEEs' attestation keys and the reference measurements.
    pub verifier: Verifier,
    /// The Relying-Party policy, trusting that Verifier's key.
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
        let id = Identity::new("verifier.example")?;
        let key = provider
            .signing_key_from_pkcs8(SignatureAlgorithm::EcdsaSecp256r1Sha256, &id.pkcs8)
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

/// One peer's attestation stack: its TEE, the shared [`World`], a per-connection replay
/// record, and an account of each step.
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
    /// A platform named `name` on a (shared) TEE.
    pub fn new(name: &'static str, tee: Arc<Mutex<SimulatedTee>>, world: Arc<World>) -> Self {
        Self {
            name,
            tee,
            world,
            record: ReplayRecord::new(),
            rng: AwsLcRandom,
            account: Vec::new(),
        }
    }
}

/// The hooks' refusal for a Verifier or Relying-Party error: its stage and reason.
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
    /// The account line of the accepted appraisal.
    type Accepted = String;

    fn produce_evidence(&mut self, request: &hooks::EvidenceRequest<'_>) -> Option<Vec<u8>> {
        let (binder, aik_pub_hash, now) = (request.binder, request.aik_pub_hash, request.now);
        let Mechanism::Expat { model } = request.mechanism else {
            return None;
        };
        let attested = self
            .tee
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .attest(&EvidenceRequest {
                binder,
                aik_pub_hash,
                now_unix_secs: now,
            });
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
        let report = self.world.verifier.appraise(
            &AppraisalRequest {
                cmw: &evidence,
                binder,
                aik_pub_hash,
                now_unix_secs: now,
            },
            ResultForm::Cwt,
            BindingLevel::Exchange,
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
                    "{}: peer attestation {accepted} (binder {})",
                    self.name,
                    short(appraisal.binder)
                );
                self.account.push(line.clone());
                Ok(line)
            }
            Err(e) => {
                self.account
                    .push(format!("{}: peer attestation rejected: {e}", self.name));
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
            _ => {}
        }
    }
}

/// Which peers attest, and in which model.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// The server attests to the client.
    pub server_attests: bool,
    /// The client attests to the server.
    pub client_attests: bool,
    /// Background check or passport.
    pub model: Models,
    /// The client's platform runs an unexpected kernel (its attestation must fail).
    pub client_tampered: bool,
}

impl Default for Options {
    /// Mutual attestation, background check.
    fn default() -> Self {
        Self {
            server_attests: true,
            client_attests: true,
            model: Models::BACKGROUND_CHECK,
            client_tampered: false,
        }
    }
}

/// Everything both peers of one demo or test connection need.
#[derive(Debug)]
pub struct Setup {
    opts: Options,
    world: Arc<World>,
    server_tee: Arc<Mutex<SimulatedTee>>,
    client_tee: Arc<Mutex<SimulatedTee>>,
    /// The server's DTLS certificate and key (also its authenticator credential).
    pub server_id: Identity,
}

/// One side's session and hooks.
#[derive(Debug)]
pub struct Peer {
    /// The expat session.
    pub session: Session,
    /// The hooks.
    pub platform: Platform,
}

impl Setup {
    /// TEEs, a Verifier and a server identity for `opts`.
    ///
    /// # Errors
    ///
    /// A key or certificate failure.
    pub fn new(opts: Options) -> Result<Self, String> {
        let provider = default_provider();
        let server_tee =
            SimulatedTee::new(tee_config(0x11, false), provider).map_err(|e| e.to_string())?;
        let client_tee = SimulatedTee::new(tee_config(0x22, opts.client_tampered), provider)
            .map_err(|e| e.to_string())?;
        let world = Arc::new(World::new(&[&server_tee, &client_tee])?);
        Ok(Self {
            opts,
            world,
            server_tee: Arc::new(Mutex::new(server_tee)),
            client_tee: Arc::new(Mutex::new(client_tee)),
            server_id: Identity::new("localhost")?,
        })
    }

    /// The hardened server context.
    ///
    /// # Errors
    ///
    /// BoringSSL's refusal.
    pub fn server_context(&self) -> Result<SslContext, crate::Error> {
        Ok(config::server_builder(&self.server_id.certificate, &self.server_id.pkcs8)?.build())
    }

    /// The hardened client context, trusting the server's certificate.
    ///
    /// # Errors
    ///
    /// BoringSSL's refusal.
    pub fn client_context(&self) -> Result<SslContext, crate::Error> {
        Ok(config::client_builder(&[&self.server_id.certificate])?.build())
    }

    fn models(&self, on: bool) -> Models {
        if on { self.opts.model } else { Models::NONE }
    }

    /// The server's session and hooks.
    ///
    /// # Errors
    ///
    /// A verifier failure.
    pub fn server(&self) -> Result<Peer, String> {
        let verifier: Arc<dyn ChainVerifier> =
            Arc::new(DangerousSelfSignedVerifier::dangerous_new(Purpose::Client));
        let config = SessionConfig::builder(default_provider())
            .attests(self.models(self.opts.server_attests))
            .requires(self.models(self.opts.client_attests))
            .chain_verifier(verifier)
            .build()
            .map_err(|e| e.to_string())?;
        let credential = self
            .opts
            .server_attests
            .then(|| self.server_id.credential());
        Ok(Peer {
            session: Session::new(
                Arc::new(config),
                Role::Server,
                credential,
                Box::new(AwsLcRandom),
            ),
            platform: Platform::new(
                "server",
                Arc::clone(&self.server_tee),
                Arc::clone(&self.world),
            ),
        })
    }

    /// The client's session and hooks; an attesting client signs with a key its TEE mints.
    ///
    /// # Errors
    ///
    /// A TEE or verifier failure.
    pub fn client(&self, now: u64) -> Result<Peer, String> {
        let provider = default_provider();
        let mut platform = Platform::new(
            "client",
            Arc::clone(&self.client_tee),
            Arc::clone(&self.world),
        );
        let credential = if self.opts.client_attests {
            let aik = self
                .client_tee
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .mint_aik(SignatureAlgorithm::EcdsaSecp256r1Sha256, "client.tee", now)
                .map_err(|e| e.to_string())?;
            platform.account.push(format!(
                "client: TEE minted an ephemeral attestation key ({} byte self-signed certificate)",
                aik.certificate_der.len()
            ));
            Some(Credential {
                chain: vec![aik.certificate_der.clone().into()],
                key: provider
                    .signing_key_from_pkcs8(
                        SignatureAlgorithm::EcdsaSecp256r1Sha256,
                        &aik.pkcs8_der,
                    )
                    .map_err(|e| e.to_string())?
                    .into(),
            })
        } else {
            None
        };
        let verifier: Arc<dyn ChainVerifier> = Arc::new(
            WebPkiVerifier::new([&self.server_id.certificate[..]], Purpose::Server)
                .map_err(|e| e.to_string())?,
        );
        let config = SessionConfig::builder(provider)
            .attests(self.models(self.opts.client_attests))
            .requires(self.models(self.opts.server_attests))
            .chain_verifier(verifier)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Peer {
            session: Session::new(
                Arc::new(config),
                Role::Client,
                credential,
                Box::new(AwsLcRandom),
            ),
            platform,
        })
    }
}
