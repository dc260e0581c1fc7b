//! Recorded rustls sessions (`session` vectors): a real rustls 0.23 client and server in one
//! process, in memory, run the expat session of seat-proto over the shim framing for each flow
//! of the session issue; the recording keeps the key-log secrets, every shim frame each way,
//! every input each session machine got, and what came out of it.
//!
//! # What makes a recording replayable
//!
//! Each session machine is built by [`Machine::from_json`] from the recorded configuration
//! alone, once when recording and again when replaying, so nothing but the vector is needed:
//!
//! - request contexts and the authenticator's random source come from a seeded splitmix64
//!   ([`seeded`]) whose seed the side records (`rng_seed`);
//! - authenticators are signed with fixed keys (`credential.pkcs8`, or an AIK the simulated
//!   TEE mints deterministically from its seed) through the deterministic RustCrypto provider
//!   (RFC 6979 ECDSA, Ed25519);
//! - Evidence comes from the simulated TEE (`tee`: seed, instance id, measurements) signing
//!   with RustCrypto, and appraisal from an in-process Verifier and Relying-Party policy
//!   (`trust`) whose signing key is fixed too; the time is the recorded `now`.
//!
//! Only the TLS handshake draws fresh randomness; its exporter secret is in the key log, so a
//! replay with [`RecordedExporter`] reproduces every frame byte for byte. The recorder checks,
//! before writing, that the key log's exporter secret gives the same exporter values as the
//! live rustls connection, and keeps the TLS records each side wrote after the handshake
//! (`tls_records`), which decrypt with the key log's traffic secrets to exactly the frames.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use rustls::crypto::CryptoProvider as TlsProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::server::WebPkiClientVerifier;
use rustls::{
    ClientConfig, ClientConnection, ConnectionCommon, KeyLog, RootCertStore, ServerConfig,
    ServerConnection,
};
use seat_binding::Secret;
use seat_binding::authenticator::Role;
use seat_binding::exporter::rustls_adapter::RustlsExporter;
use seat_binding::exporter::{Exporter, RecordedExporter};
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::rust_crypto::RustCrypto;
use seat_binding::provider::{
    CryptoProvider, HashAlgorithm, RandomSource, SignatureAlgorithm, SigningKey, default_provider,
};
use seat_evidence::attester::{Attester, EvidenceRequest};
use seat_evidence::ear::VerifierId;
use seat_evidence::sim::{SimTeeConfig, SimulatedTee};
use seat_proto::Error;
use seat_proto::chain::{ChainVerifier, DangerousSelfSignedVerifier, Purpose, WebPkiVerifier};
use seat_proto::codepoints::{CodePoints, ExtensionType, SignatureScheme};
use seat_proto::hooks::{self, AttestationHooks, Mechanism, Model, Rejection, Stage};
use seat_proto::rustls_glue::{harden_client_config, harden_server_config};
use seat_proto::session::{
    Credential, DEFAULT_SIGNATURE_SCHEMES, Event, ExchangeId, Input, Session, SessionConfig,
};
use seat_proto::shim::{CmwForms, Deframer, Frame, Models};
use seat_verify::embedded::testing::move_tls;
use seat_verify::embedded::{reference_measurements, tee_config};
use seat_verify::policy::{ReferenceValues, RelyingPartyPolicy, TrustAnchor, VerifierPolicy};
use seat_verify::replay::ReplayRecord;
use seat_verify::rp::BindingLevel;
use seat_verify::rp::{Background, Expected, RelyingParty};
use seat_verify::verifier::{AppraisalRequest, ResultForm, Verifier};
use serde_json::{Map, Value, json};

use crate::runner::{bytes, field, text};
use crate::vector::Vector;

/// The time every recorded session is told (2027-01-15), inside the validity of the fixed
/// certificates.
pub const NOW: u64 = 1_800_000_000;

/// The fixed keys (PKCS#8), shared with the generators.
const KEYS: &str = include_str!("../data/keys.json");

/// The workspace lock file, for the exact rustls version the recording ran.
const LOCK: &str = include_str!("../../../Cargo.lock");

pub use crate::generate::seeded;

fn fixed_pkcs8(name: &str) -> Result<Vec<u8>, String> {
    let keys: Value = serde_json::from_str(KEYS).map_err(|e| e.to_string())?;
    let text = keys
        .get(name)
        .and_then(|k| k.get("pkcs8"))
        .and_then(Value::as_str)
        .ok_or_else(|| format!("no fixed key {name}"))?;
    hex::decode(text).map_err(|e| e.to_string())
}

/// The rustls version in the lock file.
fn rustls_version() -> String {
    let mut lines = LOCK.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"rustls\""
            && let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return v.trim_end_matches('"').to_string();
        }
    }
    "0.23".to_string()
}

// --- Reading the recorded configuration -------------------------------------------------------

fn num(v: &Value, name: &str) -> Result<u64, String> {
    field(v, name)?
        .as_u64()
        .ok_or_else(|| format!("field {name} is not a number"))
}

fn flag(v: &Value, name: &str) -> Result<bool, String> {
    field(v, name)?
        .as_bool()
        .ok_or_else(|| format!("field {name} is not a bool"))
}

fn u8_of(v: &Value, name: &str) -> Result<u8, String> {
    u8::try_from(num(v, name)?).map_err(|e| format!("{name}: {e}"))
}

fn hex_list(v: &Value, name: &str) -> Result<Vec<Vec<u8>>, String> {
    field(v, name)?
        .as_array()
        .ok_or_else(|| format!("field {name} is not an array"))?
        .iter()
        .map(|x| {
            x.as_str()
                .ok_or_else(|| format!("{name}: not a string"))
                .and_then(|s| hex::decode(s).map_err(|e| format!("{name}: {e}")))
        })
        .collect()
}

fn array<'a>(v: &'a Value, name: &str) -> Result<&'a Vec<Value>, String> {
    field(v, name)?
        .as_array()
        .ok_or_else(|| format!("field {name} is not an array"))
}

fn algorithm(v: &Value) -> Result<SignatureAlgorithm, String> {
    let scheme = u16::try_from(num(v, "signature_scheme")?).map_err(|e| e.to_string())?;
    SignatureAlgorithm::from_tls_scheme(scheme).ok_or_else(|| format!("scheme {scheme:#06x}"))
}

/// The recorded hash of the connection.
///
/// # Errors
///
/// An unknown hash name.
pub fn hash_of(v: &Value) -> Result<HashAlgorithm, String> {
    match text(v, "hash")? {
        "sha256" => Ok(HashAlgorithm::Sha256),
        "sha384" => Ok(HashAlgorithm::Sha384),
        other => Err(format!("unknown hash {other}")),
    }
}

/// The exporter of a recording: `keylog.EXPORTER_SECRET` with the recorded hash and protocol,
/// through the default provider.
///
/// # Errors
///
/// A missing or mis-sized secret.
pub fn recorded_exporter(v: &Value) -> Result<RecordedExporter, String> {
    let protocol = match text(v, "protocol")? {
        "tls13" => Protocol::Tls13,
        "dtls13" => Protocol::Dtls13,
        other => return Err(format!("unknown protocol {other}")),
    };
    RecordedExporter::new(
        default_provider(),
        hash_of(v)?,
        protocol,
        Secret::new(bytes(field(v, "keylog")?, "EXPORTER_SECRET")?),
    )
    .map_err(|e| e.to_string())
}

fn sim_tee(t: &Value) -> Result<SimulatedTee, String> {
    let arr32 = |name: &str| -> Result<[u8; 32], String> {
        <[u8; 32]>::try_from(bytes(t, name)?).map_err(|_| format!("{name}: not 32 bytes"))
    };
    let measurements = array(t, "measurements")?
        .iter()
        .map(|m| Ok((text(m, "name")?.to_string(), bytes(m, "digest")?)))
        .collect::<Result<Vec<_>, String>>()?;
    let config = SimTeeConfig {
        seed: arr32("seed")?,
        instance_id: arr32("instance_id")?,
        swname: text(t, "swname")?.to_string(),
        swversion: text(t, "swversion")?.to_string(),
        measurements,
        dbgstat: u8_of(t, "dbgstat")?,
        secure_boot: flag(t, "secure_boot")?,
    };
    let tee = SimulatedTee::new(config, &RustCrypto).map_err(|e| e.to_string())?;
    if tee.attestation_key_spki() != bytes(t, "attestation_key_spki")? {
        return Err("tee.attestation_key_spki differs from the key its seed gives".into());
    }
    Ok(tee)
}

fn verifier(trust: &Value) -> Result<Verifier, String> {
    let v = field(trust, "verifier")?;
    let key = RustCrypto
        .signing_key_from_pkcs8(algorithm(v)?, &bytes(v, "pkcs8")?)
        .map_err(|e| e.to_string())?;
    if key.public_key_spki() != bytes(v, "spki")? {
        return Err("verifier.spki differs from its key".into());
    }
    let id = field(v, "verifier_id")?;
    let rv = field(v, "reference_values")?;
    let policy = VerifierPolicy {
        verifier_id: VerifierId {
            developer: text(id, "developer")?.into(),
            build: text(id, "build")?.into(),
        },
        policy_id: text(v, "policy_id")?.into(),
        attestation_keys: array(v, "attestation_keys")?
            .iter()
            .map(|a| {
                Ok(TrustAnchor {
                    name: text(a, "name")?.into(),
                    spki: bytes(a, "spki")?,
                })
            })
            .collect::<Result<_, String>>()?,
        reference_values: ReferenceValues {
            swname: Some(text(rv, "swname")?.into()),
            swversion: Some(text(rv, "swversion")?.into()),
            measurements: array(rv, "measurements")?
                .iter()
                .map(|m| Ok((text(m, "name")?.to_string(), bytes(m, "digest")?)))
                .collect::<Result<_, String>>()?,
        },
        evidence_max_age_secs: num(v, "evidence_max_age_secs")?,
        max_clock_skew_secs: num(v, "max_clock_skew_secs")?,
        ear_validity_secs: num(v, "ear_validity_secs")?,
        min_dbgstat: u8_of(v, "min_dbgstat")?,
        require_secure_boot: flag(v, "require_secure_boot")?,
    };
    Verifier::new(policy, key, default_provider()).map_err(|e| e.to_string())
}

fn relying_party(trust: &Value) -> Result<RelyingParty, String> {
    let rp = field(trust, "relying_party")?;
    let verifier_spki = bytes(field(trust, "verifier")?, "spki")?;
    let required_tier = match text(rp, "required_tier")? {
        "affirming" => seat_evidence::ear::Tier::Affirming,
        "warning" => seat_evidence::ear::Tier::Warning,
        other => return Err(format!("unknown tier {other}")),
    };
    let policy = RelyingPartyPolicy {
        verifier_keys: vec![TrustAnchor {
            name: text(rp, "verifier_name")?.into(),
            spki: verifier_spki,
        }],
        required_tier,
        result_max_age_secs: num(rp, "result_max_age_secs")?,
        max_clock_skew_secs: num(rp, "max_clock_skew_secs")?,
        dangerous_allow_cached_passport: false,
    };
    Ok(RelyingParty::new(policy, default_provider()))
}

fn models_name(m: Models) -> String {
    format!("{m:?}")
}

fn exchange_name(e: ExchangeId) -> String {
    match e {
        ExchangeId::Outgoing(n) => format!("outgoing {n}"),
        ExchangeId::Incoming(n) => format!("incoming {n}"),
    }
}

/// A readable one-line account of a shim frame.
pub fn describe_frame(frame: &Frame) -> String {
    let short = |b: &[u8]| {
        let h = hex::encode(b);
        h.get(..16).unwrap_or(&h).to_string()
    };
    match frame {
        Frame::Hello(h) => format!(
            "hello v{} attests {:?} requires {:?} cmw_forms {:#04x} cmw_attestation {:#06x} label {:?}",
            h.version,
            h.attests,
            h.requires,
            h.cmw_forms.bits(),
            h.cmw_attestation.0,
            String::from_utf8_lossy(&h.label)
        ),
        Frame::Request { exchange, message } => {
            let kind = match message.first() {
                Some(13) => "CertificateRequest",
                Some(17) => "ClientCertificateRequest",
                _ => "request",
            };
            // type(1) length(3) context length(1) context...
            let ctx = message
                .get(5..5 + usize::from(message.get(4).copied().unwrap_or(0)))
                .unwrap_or_default();
            format!(
                "request #{exchange}: {kind} ({} bytes), context {}..",
                message.len(),
                short(ctx)
            )
        }
        Frame::Authenticator { exchange, message } => {
            if message.first() == Some(&20) {
                format!(
                    "authenticator #{exchange}: empty (lone Finished, {} bytes)",
                    message.len()
                )
            } else {
                format!(
                    "authenticator #{exchange}: Certificate||CertificateVerify||Finished ({} bytes)",
                    message.len()
                )
            }
        }
        Frame::Error {
            alert,
            reason,
            detail,
        } => format!("error alert {} reason {reason}: {detail}", alert.0),
        Frame::Data(d) => format!("data {:?}", String::from_utf8_lossy(d)),
        other => format!("{other:?}"),
    }
}

// --- The machine: one session and its attestation stack -------------------------------------

/// What one session machine did, in the recorded vector's terms.
#[derive(Debug, Default)]
pub struct Log {
    /// The shim frames it sent, in order (each `Action::Send` is one frame).
    pub sent: Vec<Vec<u8>>,
    /// Its events, as recorded (`{"event": ...}` objects).
    pub events: Vec<Value>,
    /// Each Evidence request and what its Attester answered.
    pub evidence: Vec<Value>,
    /// Each appraisal and the verdict reached.
    pub appraisals: Vec<Value>,
    /// Application bytes delivered.
    pub delivered: Vec<u8>,
    /// A readable transcript, one line per input and per thing that came out.
    pub transcript: Vec<String>,
}

impl Log {
    /// The `error` of the first `failed` event, if the session failed.
    pub(crate) fn failed_error(&self) -> Option<String> {
        self.events
            .iter()
            .find(|e| e.get("event") == Some(&json!("failed")))
            .and_then(|e| e.get("error"))
            .and_then(Value::as_str)
            .map(str::to_string)
    }
}

/// One side: its session, its simulated TEE, Verifier and Relying Party, and its log.
pub struct Machine {
    /// The session.
    pub session: Session,
    code_points: CodePoints,
    tee: Arc<Mutex<SimulatedTee>>,
    decline: bool,
    verifier: Verifier,
    rp: RelyingParty,
    record: ReplayRecord,
    verifier_rng: Box<dyn RandomSource + Send>,
    now: u64,
    /// What happened.
    pub log: Log,
    /// Frames received, for the transcript.
    deframer: Deframer,
}

impl core::fmt::Debug for Machine {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Machine")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

fn chain_verifier(c: &Value) -> Result<Arc<dyn ChainVerifier>, String> {
    let purpose = match text(c, "purpose")? {
        "server" => Purpose::Server,
        _ => Purpose::Client,
    };
    match text(c, "kind")? {
        "webpki" => {
            let anchors = hex_list(c, "anchors")?;
            Ok(Arc::new(
                WebPkiVerifier::new(anchors.iter().map(Vec::as_slice), purpose)
                    .map_err(|e| e.to_string())?,
            ))
        }
        "self-signed" => Ok(Arc::new(DangerousSelfSignedVerifier::dangerous_new(
            purpose,
        ))),
        other => Err(format!("unknown chain verifier {other}")),
    }
}

impl Machine {
    /// Builds the machine of `role` from the recording's `trust` and its side object (see
    /// the README of the vectors for the fields).
    ///
    /// # Errors
    ///
    /// A field that is missing or does not load; a minted credential that differs from the
    /// recorded chain.
    pub fn from_json(trust: &Value, side: &Value, role: Role, now: u64) -> Result<Self, String> {
        let tee = sim_tee(field(side, "tee")?)?;
        let tee = Arc::new(Mutex::new(tee));
        let code_points = CodePoints::default()
            .with_cmw_attestation(ExtensionType(
                u16::try_from(num(side, "cmw_attestation")?).map_err(|e| e.to_string())?,
            ))
            .map_err(|e| e.to_string())?;
        let label = match text(side, "label")? {
            "Attestation" => seat_binding::binder::ExpatLabel::Attestation,
            "Attestation Binding" => seat_binding::binder::ExpatLabel::AttestationBinding,
            other => return Err(format!("unknown label {other}")),
        };
        let models = |name: &str| -> Result<Models, String> {
            match num(side, name)? {
                0 => Ok(Models::NONE),
                1 => Ok(Models::BACKGROUND_CHECK),
                2 => Ok(Models::PASSPORT),
                3 => Ok(Models::BOTH),
                other => Err(format!("{name}: unknown models {other}")),
            }
        };
        let mut config = SessionConfig::builder(default_provider())
            .attests(models("attests")?)
            .requires(models("requires")?)
            .chain_verifier(chain_verifier(field(side, "chain_verifier")?)?)
            .build()
            .map_err(|e| e.to_string())?;
        config.code_points = code_points;
        config.label = label;
        config.cmw_forms = match num(side, "cmw_forms")? {
            1 => CmwForms::CBOR,
            2 => CmwForms::JSON,
            _ => CmwForms::BOTH,
        };
        config.signature_schemes = array(side, "signature_schemes")?
            .iter()
            .map(|s| {
                s.as_u64()
                    .and_then(|n| u16::try_from(n).ok())
                    .map(SignatureScheme)
                    .ok_or_else(|| "signature_schemes: not a u16".to_string())
            })
            .collect::<Result<_, _>>()?;
        config.exchange_timeout_secs = num(side, "exchange_timeout_secs")?;
        config.max_early_data =
            usize::try_from(num(side, "max_early_data")?).map_err(|e| e.to_string())?;
        let credential = match field(side, "credential")? {
            Value::Null => None,
            c => {
                let alg = algorithm(c)?;
                let chain = hex_list(c, "chain")?;
                let key: Arc<dyn SigningKey> = match text(c, "kind")? {
                    "fixed" => RustCrypto
                        .signing_key_from_pkcs8(alg, &bytes(c, "pkcs8")?)
                        .map_err(|e| e.to_string())?
                        .into(),
                    "minted" => {
                        let aik = tee
                            .lock()
                            .map_err(|_| "poisoned".to_string())?
                            .mint_aik(alg, text(c, "subject")?, now)
                            .map_err(|e| e.to_string())?;
                        if chain.first() != Some(&aik.certificate_der) {
                            return Err("the minted AIK certificate differs".into());
                        }
                        RustCrypto
                            .signing_key_from_pkcs8(alg, &aik.pkcs8_der)
                            .map_err(|e| e.to_string())?
                            .into()
                    }
                    other => return Err(format!("unknown credential kind {other}")),
                };
                Some(Credential {
                    chain: chain.into_iter().map(Into::into).collect(),
                    key,
                })
            }
        };
        let session = Session::new(
            Arc::new(config),
            role,
            credential,
            Box::new(seeded(num(side, "rng_seed")?)),
        );
        Ok(Self {
            session,
            code_points,
            tee,
            decline: flag(side, "decline")?,
            verifier: verifier(trust)?,
            rp: relying_party(trust)?,
            record: ReplayRecord::default(),
            verifier_rng: Box::new(seeded(num(side, "verifier_rng_seed")?)),
            now,
            log: Log::default(),
            deframer: Deframer::new(),
        })
    }

    /// Feeds one input, then answers every action until none is left.
    pub fn input(&mut self, input: Input<'_>) {
        let line = match &input {
            Input::Established { .. } => "established".to_string(),
            Input::Received { bytes, .. } => {
                self.deframer.push(bytes);
                let mut line = format!("received {} bytes", bytes.len());
                while let Ok(Some(f)) = self.deframer.next_frame() {
                    line.push_str(&format!("\n  <- {}", describe_frame(&f)));
                }
                line
            }
            Input::Send(b) => format!("send {:?}", String::from_utf8_lossy(b)),
            Input::Reattest { .. } => "reattest".to_string(),
            Input::PeerClosed => "peer closed".to_string(),
            other => format!("{other:?}"),
        };
        self.log.transcript.push(line);
        self.feed(input);
    }

    fn feed(&mut self, input: Input<'_>) {
        if let Err(e) = self.session.handle(input)
            && !self.session.is_failed()
        {
            // Refused without failing the session (application data while the gate is
            // closed, a re-attestation with nothing to re-attest).
            self.log
                .transcript
                .push(format!("  refused: {} ({e})", e.name()));
            self.log
                .events
                .push(json!({"event": "refused", "error": e.name(), "detail": e.to_string()}));
        }
        let (mut sent, mut delivered) = (Vec::new(), Vec::new());
        let mut stack = Stack {
            code_points: &self.code_points,
            tee: &self.tee,
            decline: self.decline,
            verifier: &self.verifier,
            rp: &self.rp,
            record: &mut self.record,
            verifier_rng: self.verifier_rng.as_mut(),
            now: self.now,
            log: &mut self.log,
            explanations: Vec::new(),
        };
        // The one drive loop; what it sent and delivered is logged after it.
        let _ = hooks::drive(
            &mut self.session,
            &mut stack,
            self.now,
            &mut sent,
            &mut delivered,
        );
        let mut d = Deframer::new();
        d.push(&sent);
        let mut at = 0;
        while let Ok(Some(f)) = d.next_frame() {
            let len = f.to_vec().map_or(0, |b| b.len());
            self.log
                .transcript
                .push(format!("  -> {}", describe_frame(&f)));
            self.log
                .sent
                .push(sent.get(at..at + len).unwrap_or_default().to_vec());
            at += len;
        }
        if !delivered.is_empty() {
            self.log.transcript.push(format!(
                "  delivered {:?}",
                String::from_utf8_lossy(&delivered)
            ));
            self.log.delivered.extend(delivered);
        }
    }
}

/// The attestation stack of one machine, as the drive loop's hooks: the simulated TEE, the
/// Verifier and the Relying Party, logging every request and decision.
struct Stack<'a> {
    code_points: &'a CodePoints,
    tee: &'a Mutex<SimulatedTee>,
    decline: bool,
    verifier: &'a Verifier,
    rp: &'a RelyingParty,
    record: &'a mut ReplayRecord,
    verifier_rng: &'a mut (dyn RandomSource + Send),
    now: u64,
    log: &'a mut Log,
    /// The explanation of each accepted appraisal, for its `peer_attested` event.
    explanations: Vec<(ExchangeId, String)>,
}

impl AttestationHooks for Stack<'_> {
    type Accepted = String;

    fn produce_evidence(&mut self, r: &hooks::EvidenceRequest<'_>) -> Option<Vec<u8>> {
        let (Mechanism::Expat { model }, Some(exchange)) = (r.mechanism, r.exchange) else {
            return None;
        };
        let (binder, aik_pub_hash) = (r.binder, r.aik_pub_hash);
        let cmw = self.produce(binder, aik_pub_hash, model);
        self.log.transcript.push(format!(
            "  evidence for {} ({}): binder {}, aik {} -> {}",
            exchange_name(exchange),
            models_name(model.models()),
            hex::encode(binder),
            hex::encode(aik_pub_hash),
            match &cmw {
                Ok(c) => format!("cmw of {} bytes", c.len()),
                Err(e) => format!("declined: {e}"),
            }
        ));
        self.log.evidence.push(json!({
            "exchange": exchange_name(exchange),
            "model": models_name(model.models()),
            "binder": hex::encode(binder),
            "aik_pub_hash": hex::encode(aik_pub_hash),
            "cmw": cmw.as_ref().map_or(Value::Null, |c| json!(hex::encode(c))),
        }));
        cmw.ok()
    }

    fn appraise(&mut self, a: &hooks::AppraisalRequest<'_>) -> Result<String, Rejection> {
        let exchange = a.exchange.unwrap_or(ExchangeId::Outgoing(0));
        let decision = self.decide(a);
        let (name, explanation) = match &decision {
            Ok(accepted) => ("accepted", accepted.to_string()),
            Err(e) => ("rejected", e.to_string()),
        };
        let trust = a
            .trust
            .map_or_else(|| "None".to_string(), |t| format!("{t:?}"));
        self.log.transcript.push(format!(
            "  appraise {} (chain {trust}, binder {}): {name}: {explanation}",
            exchange_name(exchange),
            hex::encode(a.binder)
        ));
        self.log.appraisals.push(json!({
            "exchange": exchange_name(exchange),
            "binder": hex::encode(a.binder),
            "aik_pub_hash": hex::encode(a.aik_pub_hash),
            "chain_trust": trust,
            "verdict": name,
            "explanation": explanation,
        }));
        match decision {
            Ok(_) => {
                self.explanations.push((exchange, explanation.clone()));
                Ok(explanation)
            }
            Err(e) => Err(rejection(&e)),
        }
    }

    fn event(&mut self, event: &Event) {
        let v = self.event_json(event);
        self.log.transcript.push(format!(
            "  event {}",
            seat_evidence::json::to_sorted_string(&v)
        ));
        self.log.events.push(v);
    }
}

/// The stage and reason of a Verifier or Relying-Party refusal.
fn rejection(e: &seat_verify::Error) -> Rejection {
    use seat_verify::Stage as S;
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

impl Stack<'_> {
    fn event_json(&self, event: &Event) -> Value {
        match event {
            Event::Open => json!({"event": "open"}),
            Event::Answered { exchange, attested } => json!({
                "event": "answered", "exchange": exchange_name(*exchange), "attested": attested,
            }),
            Event::PeerAttested { exchange } => json!({
                "event": "peer_attested", "exchange": exchange_name(*exchange),
                "explanation": self
                    .explanations
                    .iter()
                    .rev()
                    .find(|(e, _)| e == exchange)
                    .map(|(_, x)| x.clone())
                    .unwrap_or_default(),
            }),
            Event::Failed { error, .. } => failed_json(error, self.code_points),
            other => json!({"event": format!("{other:?}")}),
        }
    }

    fn produce(&mut self, binder: &[u8], aik: &[u8], model: Model) -> Result<Vec<u8>, String> {
        if self.decline {
            return Err("this side's Attester declines".into());
        }
        let evidence = self
            .tee
            .lock()
            .map_err(|_| "poisoned".to_string())?
            .attest(&EvidenceRequest {
                binder,
                aik_pub_hash: aik,
                now_unix_secs: self.now,
            })
            .map_err(|e| e.to_string())?;
        if model != Model::Passport {
            return Ok(evidence);
        }
        let report = self
            .verifier
            .appraise(
                &AppraisalRequest {
                    cmw: &evidence,
                    binder,
                    aik_pub_hash: aik,
                    now_unix_secs: self.now,
                },
                ResultForm::Cwt,
                BindingLevel::Exchange,
                &mut *self.verifier_rng,
            )
            .map_err(|e| e.to_string())?;
        Ok(report.result().to_vec())
    }

    fn decide(
        &mut self,
        a: &hooks::AppraisalRequest<'_>,
    ) -> Result<seat_verify::Accepted, seat_verify::Error> {
        let expected = Expected {
            binder: a.binder,
            aik_pub_hash: a.aik_pub_hash,
        };
        // The model this side asked the peer for.
        let passport = matches!(
            a.mechanism,
            Mechanism::Expat {
                model: Model::Passport
            }
        );
        if passport {
            self.rp.passport(self.record, a.cmw, &expected, self.now)
        } else {
            self.rp.background_check(
                self.record,
                Background::InProcess {
                    evidence: a.cmw,
                    verifier: self.verifier,
                    form: ResultForm::Cwt,
                },
                &expected,
                self.now,
                &mut *self.verifier_rng,
            )
        }
    }
}

fn failed_json(error: &Error, cp: &CodePoints) -> Value {
    json!({
        "event": "failed",
        "error": error.name(),
        "alert": error.alert(cp).0,
        "reason": error.reason_code(),
        "detail": error.to_string(),
    })
}

// --- Recording ----------------------------------------------------------------------------

/// The key log: every secret rustls logs, by label.
#[derive(Debug, Default)]
struct Secrets(Mutex<BTreeMap<String, Logged>>);

/// A logged secret: the client random and the secret.
type Logged = (Vec<u8>, Vec<u8>);

impl KeyLog for Secrets {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(label.to_string(), (client_random.to_vec(), secret.to_vec()));
        }
    }

    fn will_log(&self, _label: &str) -> bool {
        true
    }
}

/// One flow of the session issue.
#[derive(Clone, Copy, Debug)]
struct Flow {
    name: &'static str,
    description: &'static str,
    client_attests: bool,
    server_attests: bool,
    model: Models,
    client_certificate: bool,
    client_tampered: bool,
    client_declines: bool,
    /// Restrict TLS to TLS13_AES_128_GCM_SHA256 (a SHA-256 exporter).
    sha256: bool,
    /// After the gates open: data each way, then the server asks the client to attest again.
    reattest: bool,
    /// The error the failing side reports, for negative flows.
    error: Option<&'static str>,
}

const BASE: Flow = Flow {
    name: "",
    description: "",
    client_attests: false,
    server_attests: false,
    model: Models::BACKGROUND_CHECK,
    client_certificate: false,
    client_tampered: false,
    client_declines: false,
    sha256: false,
    reattest: false,
    error: None,
};

fn flows() -> Vec<Flow> {
    vec![
        Flow {
            name: "server-only-background-check",
            description: "the server attests (background check) to a client without a TLS certificate",
            server_attests: true,
            ..BASE
        },
        Flow {
            name: "server-only-passport-sha256",
            description: "the server attests with a passport; TLS_AES_128_GCM_SHA256, so every exporter and binder is SHA-256",
            server_attests: true,
            model: Models::PASSPORT,
            sha256: true,
            ..BASE
        },
        Flow {
            name: "client-only-background-check-certificate",
            description: "the client attests (background check) with the key of its TLS client certificate",
            client_attests: true,
            client_certificate: true,
            ..BASE
        },
        Flow {
            name: "client-only-passport-anonymous",
            description: "a client without a TLS certificate attests with a passport, signing with an AIK its TEE minted under a self-signed certificate",
            client_attests: true,
            model: Models::PASSPORT,
            ..BASE
        },
        Flow {
            name: "mutual-background-check-certificate",
            description: "mutual attestation, background check, the client with a TLS certificate",
            client_attests: true,
            server_attests: true,
            client_certificate: true,
            ..BASE
        },
        Flow {
            name: "mutual-passport-anonymous",
            description: "mutual attestation, passport, the client anonymous (TEE-minted AIK)",
            client_attests: true,
            server_attests: true,
            model: Models::PASSPORT,
            ..BASE
        },
        Flow {
            name: "mutual-reattestation-with-data",
            description: "mutual background check; data written before the gate opens is refused, then data flows each way and the server asks the client to attest again on the live connection with a fresh context",
            client_attests: true,
            server_attests: true,
            client_certificate: true,
            reattest: true,
            ..BASE
        },
        Flow {
            name: "failure-tampered-client-background-check",
            description: "the client's TEE reports a tampered kernel measurement: the server's Verifier rejects the Evidence, the server sends an error frame and both sessions fail",
            client_attests: true,
            client_certificate: true,
            client_tampered: true,
            error: Some("attestation_rejected"),
            ..BASE
        },
        Flow {
            name: "failure-tampered-client-passport",
            description: "passport from a tampered anonymous client: the Verifier's Result only reaches warning, below the affirming tier the server's Relying Party requires, so it rejects it",
            client_attests: true,
            model: Models::PASSPORT,
            client_tampered: true,
            error: Some("attestation_rejected"),
            ..BASE
        },
        Flow {
            name: "failure-client-declines",
            description: "the client's Attester declines: it answers with an empty authenticator (an authenticated refusal) and the server fails with peer_refused",
            client_attests: true,
            client_certificate: true,
            client_declines: true,
            error: Some("peer_refused"),
            ..BASE
        },
    ]
}

/// The fixed test PKI: an Ed25519 CA (deterministic signatures) issuing one leaf per fixed
/// key, with both TLS key purposes.
struct Pki {
    ca: Vec<u8>,
    server: (Vec<u8>, Vec<u8>),
    client: (Vec<u8>, Vec<u8>),
}

fn pki() -> Result<Pki, String> {
    let e = |x: rcgen::Error| x.to_string();
    let (ca_key, ca) = crate::generate::fixed_ca(0x0d, "seat sessions CA")?;
    let leaf = |key: &str, alg, name: &str, serial| -> Result<(Vec<u8>, Vec<u8>), String> {
        let pkcs8 = fixed_pkcs8(key)?;
        let kp = rcgen::KeyPair::from_der_and_sign_algo(
            &PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pkcs8.clone())),
            alg,
        )
        .map_err(e)?;
        let mut p = crate::generate::fixed_params(
            rcgen::CertificateParams::new(vec![name.to_string()]).map_err(e)?,
            name,
            serial,
        );
        p.use_authority_key_identifier_extension = false;
        p.extended_key_usages = vec![
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        ];
        let cert = p.signed_by(&kp, &ca, &ca_key).map_err(e)?;
        Ok((cert.der().to_vec(), pkcs8))
    };
    Ok(Pki {
        ca: ca.der().to_vec(),
        server: leaf(
            "p256",
            &rcgen::PKCS_ECDSA_P256_SHA256,
            "server.seat.example",
            2,
        )?,
        client: leaf("ed25519", &rcgen::PKCS_ED25519, "client.seat.example", 3)?,
    })
}

const SERVER_NAME: &str = "server.seat.example";

fn tee_json(seed: u8, tampered: bool) -> Result<Value, String> {
    let config = tee_config(seed, tampered);
    let tee = SimulatedTee::new(config.clone(), &RustCrypto).map_err(|e| e.to_string())?;
    Ok(json!({
        "seed": hex::encode(config.seed),
        "instance_id": hex::encode(config.instance_id),
        "swname": config.swname,
        "swversion": config.swversion,
        "measurements": config.measurements.iter()
            .map(|(n, d)| json!({"name": n, "digest": hex::encode(d)}))
            .collect::<Vec<_>>(),
        "dbgstat": config.dbgstat,
        "secure_boot": config.secure_boot,
        "attestation_key_spki": hex::encode(tee.attestation_key_spki()),
    }))
}

fn trust_json(server_tee: &Value, client_tee: &Value) -> Result<Value, String> {
    let alg = SignatureAlgorithm::EcdsaSecp384r1Sha384;
    let pkcs8 = fixed_pkcs8("p384")?;
    let key = RustCrypto
        .signing_key_from_pkcs8(alg, &pkcs8)
        .map_err(|e| e.to_string())?;
    let defaults = VerifierPolicy::default();
    let rp = RelyingPartyPolicy::default();
    Ok(json!({
        "verifier": {
            "signature_scheme": alg.tls_scheme(),
            "pkcs8": hex::encode(&pkcs8),
            "spki": hex::encode(key.public_key_spki()),
            "verifier_id": {"developer": defaults.verifier_id.developer, "build": defaults.verifier_id.build},
            "policy_id": defaults.policy_id,
            "attestation_keys": [
                {"name": "server-tee", "spki": server_tee.get("attestation_key_spki")},
                {"name": "client-tee", "spki": client_tee.get("attestation_key_spki")},
            ],
            "reference_values": {
                "swname": "seat-demo",
                "swversion": "1.0.0",
                "measurements": reference_measurements().iter()
                    .map(|(n, d)| json!({"name": n, "digest": hex::encode(d)}))
                    .collect::<Vec<_>>(),
            },
            "evidence_max_age_secs": defaults.evidence_max_age_secs,
            "max_clock_skew_secs": defaults.max_clock_skew_secs,
            "ear_validity_secs": defaults.ear_validity_secs,
            "min_dbgstat": defaults.min_dbgstat,
            "require_secure_boot": defaults.require_secure_boot,
        },
        "relying_party": {
            "verifier_name": "seat-sessions-verifier",
            "required_tier": "affirming",
            "result_max_age_secs": rp.result_max_age_secs,
            "max_clock_skew_secs": rp.max_clock_skew_secs,
        },
    }))
}

/// The side objects (configuration only; the recorder adds what happened).
fn sides(flow: &Flow, pki: &Pki, trust_tees: (&Value, &Value)) -> Result<(Value, Value), String> {
    let (server_tee, client_tee) = trust_tees;
    let pick = |on: bool| if on { flow.model.bits() } else { 0 };
    let schemes: Vec<u16> = DEFAULT_SIGNATURE_SCHEMES.iter().map(|s| s.0).collect();
    let common = |attests: bool, requires: bool, seed: u64| {
        json!({
            "attests": pick(attests),
            "requires": pick(requires),
            "cmw_forms": CmwForms::BOTH.bits(),
            "cmw_attestation": CodePoints::DEFAULT.cmw_attestation().0,
            "label": "Attestation",
            "signature_schemes": schemes,
            "exchange_timeout_secs": 30,
            "max_early_data": 65536,
            "rng_seed": seed,
            "verifier_rng_seed": seed + 1,
            "decline": false,
        })
    };
    let mut client = common(flow.client_attests, flow.server_attests, 0x2200);
    let mut server = common(flow.server_attests, flow.client_attests, 0x1100);
    let set = |v: &mut Value, k: &str, x: Value| {
        if let Some(m) = v.as_object_mut() {
            m.insert(k.to_string(), x);
        }
    };
    set(&mut client, "decline", json!(flow.client_declines));
    set(&mut client, "tee", client_tee.clone());
    set(&mut server, "tee", server_tee.clone());
    set(
        &mut client,
        "tls_client_certificate",
        json!(flow.client_certificate),
    );
    set(
        &mut client,
        "chain_verifier",
        json!({"kind": "webpki", "purpose": "server", "anchors": [hex::encode(&pki.ca)]}),
    );
    set(
        &mut server,
        "chain_verifier",
        if flow.client_certificate {
            json!({"kind": "webpki", "purpose": "client", "anchors": [hex::encode(&pki.ca)]})
        } else {
            json!({"kind": "self-signed", "purpose": "client"})
        },
    );
    let fixed = |(cert, pkcs8): &(Vec<u8>, Vec<u8>), alg: SignatureAlgorithm| {
        json!({
            "kind": "fixed",
            "signature_scheme": alg.tls_scheme(),
            "chain": [hex::encode(cert)],
            "pkcs8": hex::encode(pkcs8),
        })
    };
    set(
        &mut server,
        "credential",
        if flow.server_attests {
            fixed(&pki.server, SignatureAlgorithm::EcdsaSecp256r1Sha256)
        } else {
            Value::Null
        },
    );
    let client_credential = if !flow.client_attests {
        Value::Null
    } else if flow.client_certificate {
        fixed(&pki.client, SignatureAlgorithm::Ed25519)
    } else {
        // Mint once to learn the certificate; the machine mints it again from the seed.
        let alg = SignatureAlgorithm::EcdsaSecp256r1Sha256;
        let aik = sim_tee(client_tee)?
            .mint_aik(alg, "client.tee", NOW)
            .map_err(|e| e.to_string())?;
        json!({
            "kind": "minted",
            "signature_scheme": alg.tls_scheme(),
            "subject": "client.tee",
            "chain": [hex::encode(&aik.certificate_der)],
        })
    };
    set(&mut client, "credential", client_credential);
    Ok((client, server))
}

/// One side during recording: its TLS connection, its machine, and the inputs it got.
struct Peer<C> {
    tls: C,
    machine: Machine,
    inputs: Vec<Value>,
    /// How many of the machine's sent frames were written to TLS already.
    written: usize,
}

type Frames = Vec<(&'static str, Vec<u8>)>;

impl<C, D> Peer<C>
where
    C: core::ops::DerefMut<Target = ConnectionCommon<D>>,
    ConnectionCommon<D>: seat_binding::exporter::rustls_adapter::RustlsConnection,
{
    /// Writes the frames the machine sent since last time to TLS, in order.
    fn flush(&mut self, from: &'static str, frames: &mut Frames) -> Result<(), String> {
        while let Some(f) = self.machine.log.sent.get(self.written) {
            std::io::Write::write_all(&mut self.tls.writer(), f).map_err(|e| e.to_string())?;
            frames.push((from, f.clone()));
            self.written += 1;
        }
        Ok(())
    }

    fn established(&mut self, from: &'static str, frames: &mut Frames) -> Result<(), String> {
        let exporter = RustlsExporter::new(&*self.tls).map_err(|e| e.to_string())?;
        self.inputs.push(json!({"input": "established"}));
        self.machine.input(Input::Established {
            exporter: &exporter,
            now: NOW,
        });
        self.flush(from, frames)
    }

    fn reattest(&mut self, from: &'static str, frames: &mut Frames) -> Result<(), String> {
        let exporter = RustlsExporter::new(&*self.tls).map_err(|e| e.to_string())?;
        self.inputs.push(json!({"input": "reattest"}));
        self.machine.input(Input::Reattest {
            exporter: &exporter,
            now: NOW,
        });
        self.flush(from, frames)
    }

    fn send(&mut self, data: &[u8], from: &'static str, frames: &mut Frames) -> Result<(), String> {
        self.inputs
            .push(json!({"input": "send", "data": hex::encode(data)}));
        self.machine.input(Input::Send(data));
        self.flush(from, frames)
    }

    /// Feeds the machine every plaintext chunk TLS has.
    fn pump(&mut self, from: &'static str, frames: &mut Frames) -> Result<(), String> {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match std::io::Read::read(&mut self.tls.reader(), &mut buf) {
                Ok(n) if n > 0 => n,
                _ => return Ok(()),
            };
            let chunk = buf.get(..n).unwrap_or_default();
            let exporter = RustlsExporter::new(&*self.tls).map_err(|e| e.to_string())?;
            self.inputs.push(json!({"input": "received", "length": n}));
            self.machine.input(Input::Received {
                bytes: chunk,
                exporter: &exporter,
                now: NOW,
            });
            self.flush(from, frames)?;
        }
    }
}

/// Moves the TLS records `from` has to write into `to`, keeping each record; whether
/// anything moved.
fn move_records<A, B>(
    from: &mut ConnectionCommon<A>,
    to: &mut ConnectionCommon<B>,
    who: &'static str,
    records: &mut Frames,
) -> bool {
    let mut buf = Vec::new();
    while from.wants_write() {
        if from.write_tls(&mut buf).is_err() {
            break;
        }
    }
    if buf.is_empty() {
        return false;
    }
    // type(1) || legacy_record_version(2) || length(2) || encrypted record.
    let mut rest = buf.as_slice();
    while let Some(len) = rest
        .get(3..5)
        .and_then(|l| <[u8; 2]>::try_from(l).ok())
        .map(|l| usize::from(u16::from_be_bytes(l)))
    {
        let (record, tail) = rest.split_at((5 + len).min(rest.len()));
        records.push((who, record.to_vec()));
        rest = tail;
    }
    let mut rd = buf.as_slice();
    while !rd.is_empty() {
        if to.read_tls(&mut rd).is_err() || to.process_new_packets().is_err() {
            break;
        }
    }
    true
}

fn run(
    client: &mut Peer<ClientConnection>,
    server: &mut Peer<ServerConnection>,
    frames: &mut Frames,
    records: &mut Frames,
) -> Result<(), String> {
    for _ in 0..64 {
        let a = move_records(&mut client.tls, &mut server.tls, "client", records);
        server.pump("server", frames)?;
        let b = move_records(&mut server.tls, &mut client.tls, "server", records);
        client.pump("client", frames)?;
        if !a && !b {
            return Ok(());
        }
    }
    Err("the exchange did not settle".into())
}

fn tls_configs(
    flow: &Flow,
    pki: &Pki,
    keylog: &Arc<Secrets>,
) -> Result<(Arc<ClientConfig>, Arc<ServerConfig>), String> {
    let e = |x: rustls::Error| x.to_string();
    let mut provider: TlsProvider = rustls::crypto::aws_lc_rs::default_provider();
    if flow.sha256 {
        provider
            .cipher_suites
            .retain(|s| s.suite() == rustls::CipherSuite::TLS13_AES_128_GCM_SHA256);
    }
    let provider = Arc::new(provider);
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from(pki.ca.clone())).map_err(e)?;
    let key = |pkcs8: &Vec<u8>| PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pkcs8.clone()));
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(e)?
        .with_root_certificates(roots.clone());
    let mut client = if flow.client_certificate {
        builder
            .with_client_auth_cert(
                vec![CertificateDer::from(pki.client.0.clone())],
                key(&pki.client.1),
            )
            .map_err(e)?
    } else {
        builder.with_no_client_auth()
    };
    harden_client_config(&mut client);
    client.key_log = Arc::clone(keylog) as Arc<dyn KeyLog>;
    let server_builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(e)?;
    let server_builder = if flow.client_certificate {
        let v = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|x| x.to_string())?;
        server_builder.with_client_cert_verifier(v)
    } else {
        server_builder.with_no_client_auth()
    };
    let mut server = server_builder
        .with_single_cert(
            vec![CertificateDer::from(pki.server.0.clone())],
            key(&pki.server.1),
        )
        .map_err(e)?;
    harden_server_config(&mut server);
    Ok((Arc::new(client), Arc::new(server)))
}

fn side_json(mut config: Value, peer: &Peer<impl Sized>) -> Value {
    let log = &peer.machine.log;
    if let Some(m) = config.as_object_mut() {
        m.insert("inputs".into(), json!(peer.inputs));
        m.insert("evidence".into(), json!(log.evidence));
        m.insert("appraisals".into(), json!(log.appraisals));
        m.insert("events".into(), json!(log.events));
        m.insert("delivered".into(), json!(hex::encode(&log.delivered)));
        m.insert("open".into(), json!(peer.machine.session.is_open()));
        m.insert("failed".into(), json!(peer.machine.session.is_failed()));
    }
    config
}

fn record(flow: &Flow, pki: &Pki) -> Result<Vector, String> {
    let server_tee = tee_json(0x11, false)?;
    let client_tee = tee_json(0x22, flow.client_tampered)?;
    let trust = trust_json(&server_tee, &client_tee)?;
    let (client_side, server_side) = sides(flow, pki, (&server_tee, &client_tee))?;
    let keylog = Arc::new(Secrets::default());
    let (client_tls, server_tls) = tls_configs(flow, pki, &keylog)?;
    let name = ServerName::try_from(SERVER_NAME).map_err(|e| e.to_string())?;
    let mut client = Peer {
        tls: ClientConnection::new(client_tls, name).map_err(|e| e.to_string())?,
        machine: Machine::from_json(&trust, &client_side, Role::Client, NOW)?,
        inputs: Vec::new(),
        written: 0,
    };
    let mut server = Peer {
        tls: ServerConnection::new(server_tls).map_err(|e| e.to_string())?,
        machine: Machine::from_json(&trust, &server_side, Role::Server, NOW)?,
        inputs: Vec::new(),
        written: 0,
    };
    for _ in 0..10 {
        if !client.tls.is_handshaking() && !server.tls.is_handshaking() {
            break;
        }
        move_tls(&mut client.tls, &mut server.tls);
        move_tls(&mut server.tls, &mut client.tls);
    }
    if client.tls.is_handshaking() || server.tls.is_handshaking() {
        return Err(format!("{}: the TLS handshake did not complete", flow.name));
    }
    let suite = client
        .tls
        .negotiated_cipher_suite()
        .ok_or("no cipher suite")?;
    let hash = match suite.suite() {
        rustls::CipherSuite::TLS13_AES_256_GCM_SHA384 => "sha384",
        _ => "sha256",
    };
    let secrets = keylog.0.lock().map_err(|_| "poisoned")?.clone();
    let mut keylog_json = Map::new();
    for (label, (random, secret)) in &secrets {
        keylog_json.insert(label.clone(), json!(hex::encode(secret)));
        keylog_json.insert("client_random".into(), json!(hex::encode(random)));
    }
    let mut fields = Map::new();
    fields.insert(
        "stack".into(),
        json!(format!("rustls {}", rustls_version())),
    );
    fields.insert("cipher_suite".into(), json!(format!("{:?}", suite.suite())));
    fields.insert("hash".into(), json!(hash));
    fields.insert("protocol".into(), json!("tls13"));
    fields.insert("keylog".into(), Value::Object(keylog_json));
    // The key log's exporter secret must give the live connection's exporter values.
    let recorded = recorded_exporter(&Value::Object(fields.clone()))?;
    for (label, ctx) in [(&b"Attestation"[..], Some(&[7u8; 32][..])), (b"x", None)] {
        let live = RustlsExporter::new(&client.tls).map_err(|e| e.to_string())?;
        let a = live.export(label, ctx, 32).map_err(|e| e.to_string())?;
        let b = recorded.export(label, ctx, 32).map_err(|e| e.to_string())?;
        if a.expose() != b.expose() {
            return Err(format!(
                "{}: the key log's EXPORTER_SECRET does not match rustls",
                flow.name
            ));
        }
    }

    let mut frames = Frames::new();
    let mut records = Frames::new();
    client.established("client", &mut frames)?;
    if flow.reattest {
        // Before any attestation: refused, the gate is closed.
        client.send(b"too early", "client", &mut frames)?;
    }
    server.established("server", &mut frames)?;
    run(&mut client, &mut server, &mut frames, &mut records)?;
    if flow.reattest {
        client.send(b"ping", "client", &mut frames)?;
        run(&mut client, &mut server, &mut frames, &mut records)?;
        server.send(b"pong", "server", &mut frames)?;
        run(&mut client, &mut server, &mut frames, &mut records)?;
        server.reattest("server", &mut frames)?;
        run(&mut client, &mut server, &mut frames, &mut records)?;
        client.send(b"after re-attestation", "client", &mut frames)?;
        run(&mut client, &mut server, &mut frames, &mut records)?;
    }

    fields.insert("now".into(), json!(NOW));
    fields.insert("trust".into(), trust);
    fields.insert("client".into(), side_json(client_side, &client));
    fields.insert("server".into(), side_json(server_side, &server));
    fields.insert(
        "frames".into(),
        json!(
            frames
                .iter()
                .map(|(from, f)| json!({"from": from, "frame": hex::encode(f)}))
                .collect::<Vec<_>>()
        ),
    );
    fields.insert(
        "tls_records".into(),
        json!(
            records
                .iter()
                .map(|(from, r)| json!({"from": from, "record": hex::encode(r)}))
                .collect::<Vec<_>>()
        ),
    );
    let both_open = client.machine.session.is_open() && server.machine.session.is_open();
    let server_error = server.machine.log.failed_error();
    match (flow.error, both_open, server_error) {
        (None, true, None) => Ok(Vector::valid(
            "session",
            flow.name.into(),
            flow.description.into(),
            fields,
        )),
        (Some(want), false, Some(got)) if want == got => Ok(Vector::invalid(
            "session",
            flow.name.into(),
            flow.description.into(),
            want,
            fields,
        )),
        (want, open, got) => Err(format!(
            "{}: expected error {want:?}, both open {open}, server error {got:?}",
            flow.name
        )),
    }
    .map(|mut v| {
        v.fields
            .insert("source".into(), json!("recorded in memory over rustls"));
        v
    })
}

/// Records every flow of the session issue, in a fixed order.
///
/// # Errors
///
/// The first flow that cannot be recorded or does not end as it should.
pub fn sessions() -> Result<Vec<Vector>, String> {
    let pki = pki()?;
    flows().iter().map(|f| record(f, &pki)).collect()
}

// --- DTLS 1.3 (`dtls-session` vectors) ------------------------------------------------------

/// The DTLS 1.3 handshakes recorded by seat-dtls on BoringSSL (its ignored test
/// `record_handshakes_for_the_conformance_vectors`): each key log's `EXPORTER_SECRET` and what
/// BoringSSL's `SSL_export_keying_material` gave with it.
const DTLS_HANDSHAKES: &str = include_str!("../data/dtls-handshakes.json");

/// The flows recorded over DTLS 1.3.
const DTLS_FLOWS: [&str; 3] = [
    "mutual-background-check-certificate",
    "mutual-passport-anonymous",
    "failure-tampered-client-background-check",
];

/// One side of a DTLS recording: its machine and the inputs it got.
struct DgramPeer {
    machine: Machine,
    inputs: Vec<Value>,
    written: usize,
}

impl DgramPeer {
    /// Queues the frames the machine sent since last time, one shim message each.
    fn flush(&mut self, from: &'static str, frames: &mut Frames, queue: &mut Vec<Vec<u8>>) {
        while let Some(f) = self.machine.log.sent.get(self.written) {
            frames.push((from, f.clone()));
            queue.push(f.clone());
            self.written += 1;
        }
    }

    fn receive(&mut self, frame: &[u8], exporter: &RecordedExporter) {
        self.inputs
            .push(json!({"input": "received", "length": frame.len()}));
        self.machine.input(Input::Received {
            bytes: frame,
            exporter,
            now: NOW,
        });
    }
}

fn record_dtls(flow: &Flow, pki: &Pki, handshake: &Value) -> Result<Vector, String> {
    let server_tee = tee_json(0x11, false)?;
    let client_tee = tee_json(0x22, flow.client_tampered)?;
    let trust = trust_json(&server_tee, &client_tee)?;
    let (client_side, server_side) = sides(flow, pki, (&server_tee, &client_tee))?;
    if text(handshake, "version")? != "DTLSv1.3" {
        return Err(format!("{}: not a DTLS 1.3 handshake", flow.name));
    }
    let mut fields = Map::new();
    fields.insert(
        "stack".into(),
        json!(format!("{} DTLS 1.3", text(handshake, "stack")?)),
    );
    fields.insert(
        "cipher_suite".into(),
        field(handshake, "cipher_suite")?.clone(),
    );
    fields.insert("hash".into(), field(handshake, "hash")?.clone());
    fields.insert("protocol".into(), json!("dtls13"));
    fields.insert(
        "keylog".into(),
        json!({
            "client_random": text(handshake, "client_random")?,
            "EXPORTER_SECRET": text(handshake, "EXPORTER_SECRET")?,
        }),
    );
    // The key log's exporter secret, through the dtls13 key schedule, must give what
    // BoringSSL exported on the live connection.
    let exporter = recorded_exporter(&Value::Object(fields.clone()))?;
    for x in array(handshake, "exports")? {
        let ctx = match field(x, "context")? {
            Value::Null => None,
            _ => Some(bytes(x, "context")?),
        };
        let len = usize::try_from(num(x, "length")?).map_err(|e| e.to_string())?;
        let ours = exporter
            .export(text(x, "label")?.as_bytes(), ctx.as_deref(), len)
            .map_err(|e| e.to_string())?;
        if ours.expose() != bytes(x, "output")?.as_slice() {
            return Err(format!(
                "{}: the key log's EXPORTER_SECRET does not give BoringSSL's exporter output",
                flow.name
            ));
        }
    }
    let mut client = DgramPeer {
        machine: Machine::from_json(&trust, &client_side, Role::Client, NOW)?,
        inputs: Vec::new(),
        written: 0,
    };
    let mut server = DgramPeer {
        machine: Machine::from_json(&trust, &server_side, Role::Server, NOW)?,
        inputs: Vec::new(),
        written: 0,
    };
    let (mut frames, mut to_server, mut to_client) = (Frames::new(), Vec::new(), Vec::new());
    for (peer, from, queue) in [
        (&mut client, "client", &mut to_server),
        (&mut server, "server", &mut to_client),
    ] {
        peer.inputs.push(json!({"input": "established"}));
        peer.machine.input(Input::Established {
            exporter: &exporter,
            now: NOW,
        });
        peer.flush(from, &mut frames, queue);
    }
    // The datagram shim delivers whole frames: each is one `received` input.
    for _ in 0..64 {
        if to_server.is_empty() && to_client.is_empty() {
            break;
        }
        for f in core::mem::take(&mut to_server) {
            server.receive(&f, &exporter);
            server.flush("server", &mut frames, &mut to_client);
        }
        for f in core::mem::take(&mut to_client) {
            client.receive(&f, &exporter);
            client.flush("client", &mut frames, &mut to_server);
        }
    }
    if !(to_server.is_empty() && to_client.is_empty()) {
        return Err(format!("{}: the exchange did not settle", flow.name));
    }
    let side = |mut config: Value, peer: &DgramPeer| {
        let log = &peer.machine.log;
        if let Some(m) = config.as_object_mut() {
            m.insert("inputs".into(), json!(peer.inputs));
            m.insert("evidence".into(), json!(log.evidence));
            m.insert("appraisals".into(), json!(log.appraisals));
            m.insert("events".into(), json!(log.events));
            m.insert("delivered".into(), json!(hex::encode(&log.delivered)));
            m.insert("open".into(), json!(peer.machine.session.is_open()));
            m.insert("failed".into(), json!(peer.machine.session.is_failed()));
        }
        config
    };
    fields.insert("now".into(), json!(NOW));
    fields.insert("trust".into(), trust);
    fields.insert("client".into(), side(client_side, &client));
    fields.insert("server".into(), side(server_side, &server));
    fields.insert(
        "frames".into(),
        json!(
            frames
                .iter()
                .map(|(from, f)| json!({"from": from, "frame": hex::encode(f)}))
                .collect::<Vec<_>>()
        ),
    );
    fields.insert(
        "source".into(),
        json!(
            "DTLS 1.3 handshake recorded by seat-dtls on BoringSSL (key log); shim frames \
             exchanged in memory, one frame per datagram-shim message"
        ),
    );
    let both_open = client.machine.session.is_open() && server.machine.session.is_open();
    let server_error = server.machine.log.failed_error();
    match (flow.error, both_open, server_error) {
        (None, true, None) => Ok(Vector::valid(
            "dtls-session",
            flow.name.into(),
            flow.description.into(),
            fields,
        )),
        (Some(want), false, Some(got)) if want == got => Ok(Vector::invalid(
            "dtls-session",
            flow.name.into(),
            flow.description.into(),
            want,
            fields,
        )),
        (want, open, got) => Err(format!(
            "{}: expected error {want:?}, both open {open}, server error {got:?}",
            flow.name
        )),
    }
}

/// Records the `dtls-session` flows, each over one of seat-dtls's recorded DTLS 1.3
/// handshakes, in a fixed order.
///
/// # Errors
///
/// Handshakes that do not load or are too few, a key-log secret that does not give
/// BoringSSL's exporter output, or a flow that does not end as it should.
pub fn dtls_sessions() -> Result<Vec<Vector>, String> {
    let pki = pki()?;
    let handshakes: Value = serde_json::from_str(DTLS_HANDSHAKES).map_err(|e| e.to_string())?;
    let handshakes = handshakes.as_array().ok_or("handshakes: not an array")?;
    let flows = flows();
    DTLS_FLOWS
        .iter()
        .zip(handshakes)
        .map(|(name, hs)| {
            let flow = flows
                .iter()
                .find(|f| f.name == *name)
                .ok_or_else(|| format!("no flow {name}"))?;
            record_dtls(flow, &pki, hs)
        })
        .collect::<Result<Vec<_>, _>>()
        .and_then(|v| {
            if v.len() == DTLS_FLOWS.len() {
                Ok(v)
            } else {
                Err("fewer recorded DTLS handshakes than flows".into())
            }
        })
}
