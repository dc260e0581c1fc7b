//! Published embedded defaults (feature `embedded`): attestation that runs in one process with
//! no service to start, for demos, tests and a first program.
//!
//! - [`Embedded`]: the trust every peer shares: one in-process [`Verifier`] (its signing key
//!   generated, trusting the simulated TEEs you name and the [reference
//!   measurements](reference_measurements)) and a [`RelyingPartyPolicy`] trusting that
//!   Verifier.
//! - [`EmbeddedHooks`]: one connection's [`AttestationHooks`]: this side's simulated TEE (if it
//!   attests), the shared [`Embedded`], and a per-connection [`ReplayRecord`]. Every adapter
//!   of `seat-proto` (the blocking and tokio streams, OpenSSL early attestation) takes it.
//! - [`PeerAttestation`]: what an accepted appraisal yields to the connection (the adapters'
//!   `peer_attestation()`): the model the peer actually used, the binding level, the status,
//!   the trust vector and, for a background check, the appraised claims.
//! - [`testing`]: self-signed TLS identities for demos and tests (never for production).
//!
//! The model of an appraisal is read from what the peer sent (the CMW's `ind` bits, else its
//! media type), never from the set of models this side accepts: a Relying Party that accepts
//! both models appraises a passport as a passport and Evidence as Evidence ([`sent_model`]).
//!
//! A refusal becomes a [`Rejection`] whose [`Stage`](seat_proto::hooks::Stage) and reason are
//! the Verifier's or the Relying-Party policy's own ("a measurement is outside the reference
//! values"); the session carries it into its error, the error frame and the adapters'
//! `io::Error`.
//!
//! ```
//! use seat_verify::embedded::{Embedded, EmbeddedHooks, reference_tee};
//!
//! // One simulated TEE for the server; one Verifier that trusts it.
//! let tee = reference_tee(0x11)?;
//! let trust = Embedded::trusting(&[&tee])?;
//! // Per connection: the server attests with its TEE, the client only appraises.
//! let server_hooks = EmbeddedHooks::attester(&trust, &tee);
//! let client_hooks = EmbeddedHooks::relying(&trust);
//! # drop((server_hooks, client_hooks));
//! # Ok::<(), seat_verify::Error>(())
//! ```
#![allow(clippy::module_name_repetitions)]

#[cfg(feature = "openssl")]
pub mod early;
mod peer;
pub mod testing;

pub use peer::{Client, ClientBuilder, Server, ServerBuilder};

use core::fmt;
use std::sync::{Arc, Mutex};

use seat_binding::provider::SignatureAlgorithm;
use seat_binding::provider::aws_lc::AwsLcRandom;
use seat_binding::provider::{CryptoProvider, default_provider};
use seat_evidence::attester::{Attester, EvidenceRequest as TeeRequest};
use seat_evidence::cmw::{AnyCmw, Cmw, Ind, JsonCmw, RecordType};
use seat_evidence::ear::{Ear, Tier, TrustVector};
use seat_evidence::sim::{MintedAik, SimTeeConfig, SimulatedTee};
use seat_proto::chain::{Algorithms, DEFAULT_ALGORITHMS};
use seat_proto::hooks::{
    AppraisalRequest, AttestationHooks, EvidenceRequest, Mechanism, Model as AskedModel, Rejection,
    Stage as HookStage,
};
use seat_proto::remote_attestation::AttestationScheme;
use seat_proto::session::Event;

use crate::collateral::Collateral;
use crate::error::{Error, Reason};
use crate::format::{EvidenceClaims, EvidenceFormat};
use crate::policy::{ReferenceValues, RelyingPartyPolicy, TrustAnchor};
use crate::replay::ReplayRecord;
use crate::rp::{BindingLevel, Expected, Model, RelyingParty};
use crate::verifier::{AppraisalRequest as VerifierRequest, ResultForm, Verifier};

/// The current time in whole seconds since the Unix epoch, from the system clock (the embedded
/// defaults are for programs, which may read the clock; the protocol crates never do).
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The `swname` of the reference platform.
pub const REFERENCE_SWNAME: &str = "seat-demo";
/// The `swversion` of the reference platform.
pub const REFERENCE_SWVERSION: &str = "1.0.0";

/// The measurement names and values of the reference platform (what the embedded Verifier
/// expects): `firmware` and `kernel`.
pub fn reference_measurements() -> Vec<(String, Vec<u8>)> {
    vec![
        ("firmware".to_string(), vec![0xf1; 32]),
        ("kernel".to_string(), vec![0x6b; 32]),
    ]
}

/// The reference values the embedded Verifier appraises against: [`REFERENCE_SWNAME`],
/// [`REFERENCE_SWVERSION`] and [`reference_measurements`].
pub fn reference_values() -> ReferenceValues {
    ReferenceValues {
        swname: Some(REFERENCE_SWNAME.to_string()),
        swversion: Some(REFERENCE_SWVERSION.to_string()),
        measurements: reference_measurements(),
    }
}

/// A simulated TEE configuration of the reference platform, its keys derived from `seed`;
/// `tampered` changes its kernel measurement (its attestation must then be refused with
/// [`Reason::MeasurementMismatch`]).
pub fn tee_config(seed: u8, tampered: bool) -> SimTeeConfig {
    let mut measurements = reference_measurements();
    if tampered && let Some(m) = measurements.get_mut(1) {
        m.1 = vec![0x66; 32];
    }
    SimTeeConfig {
        seed: [seed; 32],
        instance_id: [seed ^ 0x5a; 32],
        swname: REFERENCE_SWNAME.to_string(),
        swversion: REFERENCE_SWVERSION.to_string(),
        measurements,
        dbgstat: 2,
        secure_boot: true,
    }
}

/// Why embedded set-up failed (a TLS configuration, an identity, a key), in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetupError(String);

impl SetupError {
    /// An error saying `what`.
    pub fn new(what: impl Into<String>) -> Self {
        Self(what.into())
    }

    fn from_display(e: impl fmt::Display) -> Self {
        Self(e.to_string())
    }
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SetupError {}

impl From<Error> for SetupError {
    fn from(e: Error) -> Self {
        Self(e.to_string())
    }
}

/// A simulated TEE shared by every connection of one process (a process has one TEE).
pub type Tee = Arc<Mutex<SimulatedTee>>;

/// What attests for one side, shared by every connection of one process: the simulated TEE,
/// or any other [`Attester`] (a format-faithful platform simulator such as
/// `seat_evidence::platform_sim::tdx::SimTdx`, or the configfs-tsm Attester of a confidential
/// VM). The APIs that take a `&Tee` have a twin taking an `&AnyTee`
/// ([`EmbeddedHooks::attester_on`], `attests_on` of [`ServerBuilder`] and [`ClientBuilder`]).
#[derive(Clone)]
pub enum AnyTee {
    /// The simulated TEE; it mints anonymous attestation keys itself.
    Sim(Tee),
    /// Another Attester. An anonymous attestation key is generated in this process (on a
    /// confidential VM: in the guest's private memory) and bound only by the Evidence's
    /// report data (the binding rule of `seat_evidence::platform`).
    Attester(Arc<Mutex<dyn Attester>>),
}

impl AnyTee {
    /// A handle over `attester`.
    pub fn attester(attester: impl Attester + 'static) -> Self {
        Self::Attester(Arc::new(Mutex::new(attester)))
    }

    fn attest(&self, request: &TeeRequest<'_>) -> Result<Vec<u8>, String> {
        let poisoned = || "the TEE lock is poisoned".to_string();
        let refused = |e: seat_evidence::Error| format!("the TEE refused: {e}");
        match self {
            Self::Sim(tee) => tee.lock().map_err(|_| poisoned())?.attest(request),
            Self::Attester(a) => a.lock().map_err(|_| poisoned())?.attest(request),
        }
        .map_err(refused)
    }

    /// An anonymous attestation key: minted by the simulated TEE, or generated here (a fresh
    /// P-256 key and a self-signed certificate for `subject`) for another Attester.
    fn mint_aik(
        &self,
        alg: SignatureAlgorithm,
        subject: &str,
        now: u64,
    ) -> Result<MintedAik, Error> {
        match self {
            Self::Sim(tee) => tee
                .lock()
                .map_err(|_| Error::InvalidArgument)?
                .mint_aik(alg, subject, now)
                .map_err(|_| Error::InvalidArgument),
            Self::Attester(_) => {
                if alg != SignatureAlgorithm::EcdsaSecp256r1Sha256 {
                    return Err(Error::InvalidArgument);
                }
                let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
                    .map_err(|_| Error::InvalidArgument)?;
                let cert = rcgen::CertificateParams::new(vec![subject.to_string()])
                    .and_then(|p| p.self_signed(&key))
                    .map_err(|_| Error::InvalidArgument)?;
                Ok(MintedAik {
                    certificate_der: cert.der().to_vec(),
                    pkcs8_der: key.serialize_der(),
                    spki_der: key.public_key_der(),
                })
            }
        }
    }
}

impl fmt::Debug for AnyTee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sim(_) => f.write_str("AnyTee::Sim"),
            Self::Attester(a) => match a.lock() {
                Ok(a) => write!(f, "AnyTee::Attester({a:?})"),
                Err(_) => f.write_str("AnyTee::Attester(<poisoned>)"),
            },
        }
    }
}

impl From<&Tee> for AnyTee {
    fn from(tee: &Tee) -> Self {
        Self::Sim(Arc::clone(tee))
    }
}

impl From<Tee> for AnyTee {
    fn from(tee: Tee) -> Self {
        Self::Sim(tee)
    }
}

fn tee_from(config: SimTeeConfig) -> Result<Tee, Error> {
    SimulatedTee::new(config, default_provider())
        .map(|t| Arc::new(Mutex::new(t)))
        .map_err(|_| Error::InvalidArgument)
}

/// A simulated TEE of the reference platform ([`tee_config`]`(seed, false)`), on the default
/// provider.
///
/// # Errors
///
/// [`Error::InvalidArgument`] if the provider cannot load the derived key.
pub fn reference_tee(seed: u8) -> Result<Tee, Error> {
    tee_from(tee_config(seed, false))
}

/// A simulated TEE whose kernel measurement is not the reference ([`tee_config`]`(seed,
/// true)`): a Verifier that trusts its key still refuses its Evidence.
///
/// # Errors
///
/// As [`reference_tee`].
pub fn tampered_tee(seed: u8) -> Result<Tee, Error> {
    tee_from(tee_config(seed, true))
}

/// The trust every peer of a demo or test shares: an in-process [`Verifier`] and a
/// [`RelyingPartyPolicy`] that trusts it. Share it as `Arc<Embedded>`.
#[derive(Debug)]
pub struct Embedded {
    verifier: Verifier,
    rp_policy: RelyingPartyPolicy,
    provider: &'static dyn CryptoProvider,
    chain_algorithms: Algorithms,
}

impl Embedded {
    /// A Verifier on the default provider with a freshly generated key, trusting the
    /// attestation keys of `tees` (named `sim-tee-0`, `sim-tee-1`, ... in that order) and the
    /// [`reference_values`]; a Relying-Party policy (default tiers and windows) trusting that
    /// Verifier's key as `embedded-verifier`.
    ///
    /// # Errors
    ///
    /// [`Error::Signing`] if no key can be generated; [`Error::InvalidArgument`] if a TEE's
    /// lock is poisoned.
    pub fn trusting(tees: &[&Tee]) -> Result<Arc<Self>, Error> {
        Self::trusting_platforms(tees, Vec::new(), Collateral::default())
    }

    /// As [`Embedded::trusting`], and the Verifier also appraises `formats` (after the
    /// simulated TEE's) with `collateral`: platform Evidence, for example Intel TDX quotes of
    /// a platform simulator through `seat_verify::tdx::TdxFormat::with_root` with the
    /// simulator's test root and its collateral.
    ///
    /// # Errors
    ///
    /// As [`Embedded::trusting`].
    pub fn trusting_platforms(
        tees: &[&Tee],
        formats: Vec<Box<dyn EvidenceFormat>>,
        collateral: Collateral,
    ) -> Result<Arc<Self>, Error> {
        let provider = default_provider();
        let mut builder = Verifier::builder(provider).reference_values(reference_values());
        for (i, tee) in tees.iter().enumerate() {
            let spki = tee
                .lock()
                .map_err(|_| Error::InvalidArgument)?
                .attestation_key_spki();
            builder = builder.trust_attestation_key(format!("sim-tee-{i}"), spki);
        }
        for format in formats {
            builder = builder.format(format);
        }
        let verifier = builder.build(&mut AwsLcRandom)?.with_collateral(collateral);
        Ok(Arc::new(Self::from_verifier(verifier, provider)))
    }

    /// Embedded trust around a Verifier you built, with a Relying-Party policy (default tiers
    /// and windows) trusting that Verifier's key as `embedded-verifier`.
    pub fn from_verifier(verifier: Verifier, provider: &'static dyn CryptoProvider) -> Self {
        let rp_policy = RelyingPartyPolicy {
            verifier_keys: vec![TrustAnchor {
                name: "embedded-verifier".to_string(),
                spki: verifier.public_key_spki(),
            }],
            ..RelyingPartyPolicy::default()
        };
        Self::from_parts(verifier, rp_policy, provider)
    }

    /// Embedded trust from its parts: a Verifier, a Relying-Party policy (which should trust
    /// that Verifier's key for passports), and the provider both use.
    pub fn from_parts(
        verifier: Verifier,
        rp_policy: RelyingPartyPolicy,
        provider: &'static dyn CryptoProvider,
    ) -> Self {
        Self {
            verifier,
            rp_policy,
            provider,
            chain_algorithms: DEFAULT_ALGORITHMS,
        }
    }

    /// Validates authenticators' certificate chains with `algorithms` (default
    /// [`DEFAULT_ALGORITHMS`]): another provider's, or an instrumented set (the benchmarks
    /// count every signature the attested exchange verifies).
    #[must_use]
    pub const fn with_chain_algorithms(mut self, algorithms: Algorithms) -> Self {
        self.chain_algorithms = algorithms;
        self
    }

    /// The signature algorithms authenticators' certificate chains are validated with.
    pub const fn chain_algorithms(&self) -> Algorithms {
        self.chain_algorithms
    }

    /// The Verifier.
    pub const fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// The Relying-Party policy.
    pub const fn rp_policy(&self) -> &RelyingPartyPolicy {
        &self.rp_policy
    }

    /// The crypto provider.
    pub fn provider(&self) -> &'static dyn CryptoProvider {
        self.provider
    }
}

/// What an accepted appraisal yields to the connection: `seat-proto`'s adapters return it
/// from `peer_attestation()` and `reattest()`.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct PeerAttestation {
    /// The model the peer actually used (read from its CMW, [`sent_model`]).
    pub model: Model,
    /// How tightly the attestation is bound (a cached passport is weaker).
    pub binding: BindingLevel,
    /// The overall status of the Attestation Result.
    pub status: Tier,
    /// The AR4SI trust vector of the appraisal bound to this exchange, if the Result has one.
    pub trust_vector: Option<TrustVector>,
    /// The appraised Evidence claims (background check with the in-process Verifier; a
    /// passport carries only the Result).
    pub claims: Option<EvidenceClaims>,
    /// The trust anchor that vouched: the Verifier key's name, or `"in-process"`.
    pub verifier: String,
    /// The Attestation Result the decision rests on.
    pub ear: Ear,
}

impl fmt::Display for PeerAttestation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let model = match self.model {
            Model::BackgroundCheck => "background check",
            Model::Passport => "passport",
        };
        write!(
            f,
            "{model}, status {}, verifier {}, ",
            self.status.name(),
            self.verifier
        )?;
        f.write_str(match self.binding {
            BindingLevel::Exchange => "bound to this exchange",
            BindingLevel::KeyOnly => "cached passport bound only to the key (weaker)",
        })
    }
}

/// The model of what the peer actually sent, read from its CMW (RFC 9999 section 3.1): a
/// record whose `ind` says Attestation Results and not Evidence is a passport; with no `ind`,
/// a media type naming an EAR profile (`eat_profile="tag:ietf.org,...:rats/ear#..."`) is a
/// passport; anything else is Evidence for a background check.
///
/// # Errors
///
/// [`Reason::MalformedCmw`] if the bytes are not a CMW.
pub fn sent_model(cmw: &[u8]) -> Result<Model, Reason> {
    let (ind, media_type) = match AnyCmw::decode(cmw).map_err(Reason::MalformedCmw)? {
        AnyCmw::Cbor(Cmw::Record(r)) => {
            let media_type = match r.typ() {
                RecordType::MediaType(m) => Some(m.clone()),
                _ => None,
            };
            (r.ind(), media_type)
        }
        AnyCmw::Json(JsonCmw::Record(r)) => (r.ind(), Some(r.media_type().to_string())),
        _ => (None, None),
    };
    let passport = match ind {
        Some(ind) => ind.contains(Ind::ATTESTATION_RESULTS) && !ind.contains(Ind::EVIDENCE),
        None => media_type.is_some_and(|m| is_ear_media_type(&m)),
    };
    Ok(if passport {
        Model::Passport
    } else {
        Model::BackgroundCheck
    })
}

/// Whether a media type names an EAR profile (rats-formats.md section 4.4).
fn is_ear_media_type(media_type: &str) -> bool {
    let lower = media_type.to_ascii_lowercase();
    (lower.starts_with("application/eat+cwt") || lower.starts_with("application/eat+jwt"))
        && lower.contains("rats/ear#")
}

/// The hook-level stage of a refusal of this crate.
fn hook_stage(reason: Reason) -> HookStage {
    if matches!(reason, Reason::Replayed | Reason::ReusedRequestContext) {
        return HookStage::Replay;
    }
    // By the stable stage name, so that stages added to either enum map to `Other` until
    // they are mapped here.
    match reason.stage().name() {
        "decode" => HookStage::Decode,
        "signature" => HookStage::Signature,
        "binding" => HookStage::Binding,
        "freshness" => HookStage::Freshness,
        "policy" => HookStage::Policy,
        "chain" => HookStage::Chain,
        "collateral" => HookStage::Collateral,
        _ => HookStage::Other,
    }
}

/// The [`Rejection`] for an error of this crate: the stage, and the Verifier's or policy's own
/// reason text.
pub fn rejection(error: &Error) -> Rejection {
    match error {
        Error::Rejected(reason) => Rejection::new(hook_stage(*reason), reason.to_string()),
        other => Rejection::new(HookStage::Other, other.to_string()),
    }
}

/// A shared, append-only account of what a connection's hooks did, one line per step (for
/// demos and logs); readable after the adapter took the hooks.
#[derive(Clone, Debug, Default)]
pub struct Account(Arc<Mutex<Vec<String>>>);

impl Account {
    /// The lines so far.
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Appends a line (the program's own, for example an error it saw).
    pub fn note(&self, line: impl Into<String>) {
        if let Ok(mut lines) = self.0.lock() {
            lines.push(line.into());
        }
    }
}

/// One connection's attestation stack: this side's simulated TEE (when it attests), the shared
/// [`Embedded`] trust, and a per-connection [`ReplayRecord`]. Make one per connection.
///
/// Evidence requests get the TEE's Evidence for a background check, or a passport (the
/// Verifier appraises this side's own Evidence and the CMW carries its signed Result).
/// Appraisals read the model from the peer's CMW ([`sent_model`]), refuse a model this side
/// does not accept, then run the Relying Party's background check (in-process Verifier) or
/// passport check.
pub struct EmbeddedHooks {
    name: String,
    tee: Option<AnyTee>,
    trust: Arc<Embedded>,
    record: ReplayRecord,
    rng: AwsLcRandom,
    account: Account,
    form: ResultForm,
    dangerous_tamper_binder: bool,
    dangerous_bind_other_key: Option<Vec<u8>>,
}

impl fmt::Debug for EmbeddedHooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmbeddedHooks")
            .field("name", &self.name)
            .field("attests", &self.tee.is_some())
            .field("form", &self.form)
            .finish_non_exhaustive()
    }
}

impl EmbeddedHooks {
    /// Hooks for a side that attests with `tee` (and appraises its peer, if asked to).
    pub fn attester(trust: &Arc<Embedded>, tee: &Tee) -> Self {
        Self::attester_on(trust, &AnyTee::from(tee))
    }

    /// Hooks for a side that attests with `tee`, the simulated TEE or any platform
    /// [`Attester`] (and appraises its peer, if asked to).
    pub fn attester_on(trust: &Arc<Embedded>, tee: &AnyTee) -> Self {
        let mut hooks = Self::relying(trust);
        hooks.tee = Some(tee.clone());
        hooks
    }

    /// Hooks for a side that only appraises its peer (it declines to attest).
    pub fn relying(trust: &Arc<Embedded>) -> Self {
        Self {
            name: String::new(),
            tee: None,
            trust: Arc::clone(trust),
            record: ReplayRecord::new(),
            rng: AwsLcRandom,
            account: Account::default(),
            form: ResultForm::Cwt,
            dangerous_tamper_binder: false,
            dangerous_bind_other_key: None,
        }
    }

    /// This connection's replay record (bounded: see [`crate::replay`]).
    pub const fn replay_record(&self) -> &ReplayRecord {
        &self.record
    }

    /// Names this side in the [`Account`] lines (`"server: ..."`).
    #[must_use]
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Issues passports as `form` (CWT by default; the in-process background check signs no
    /// Result).
    #[must_use]
    pub const fn result_form(mut self, form: ResultForm) -> Self {
        self.form = form;
        self
    }

    /// The account of this connection (a handle: keep it before handing the hooks over).
    pub fn account(&self) -> Account {
        self.account.clone()
    }

    /// The shared trust.
    pub fn trust(&self) -> &Arc<Embedded> {
        &self.trust
    }

    /// Mints an ephemeral attestation key in this side's TEE (anonymous client attestation:
    /// the peer accepts the key only because the Evidence binds it).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] without a TEE, or the TEE's refusal.
    pub fn mint_aik(
        &mut self,
        alg: SignatureAlgorithm,
        subject: &str,
        now: u64,
    ) -> Result<MintedAik, Error> {
        let tee = self.tee.as_ref().ok_or(Error::InvalidArgument)?;
        let minted = tee.mint_aik(alg, subject, now)?;
        let who = match tee {
            AnyTee::Sim(_) => "TEE minted",
            AnyTee::Attester(_) => "generated (in this process, bound by the platform Evidence)",
        };
        self.log(format!(
            "{who} an ephemeral attestation key ({} byte self-signed certificate)",
            minted.certificate_der.len()
        ));
        Ok(minted)
    }

    /// For tests of the binding checks: flip the first byte of the binder before asking the
    /// TEE (a relayed or stale binder). Never in production.
    #[must_use]
    pub const fn dangerous_tamper_binder(mut self) -> Self {
        self.dangerous_tamper_binder = true;
        self
    }

    /// For tests of the key binding: have the TEE bind its Evidence to this DER
    /// SubjectPublicKeyInfo instead of the signing key's (Evidence for another key). Never in
    /// production.
    #[must_use]
    pub fn dangerous_bind_other_key(mut self, spki: Vec<u8>) -> Self {
        self.dangerous_bind_other_key = Some(spki);
        self
    }

    fn log(&self, line: String) {
        if self.name.is_empty() {
            self.account.note(line);
        } else {
            self.account.note(format!("{}: {line}", self.name));
        }
    }

    /// Whether the request asks for a passport (an Attestation Result).
    fn wants_passport(mechanism: &Mechanism<'_>) -> bool {
        match mechanism {
            Mechanism::Expat { model } => *model == AskedModel::Passport,
            Mechanism::Early { scheme } => matches!(scheme, AttestationScheme::Result(_)),
            _ => false,
        }
    }

    /// The models the request lets the peer use.
    fn allows(request: &AppraisalRequest<'_>, sent: Model) -> bool {
        match request.mechanism {
            // The negotiated scheme says which one the handshake agreed on.
            Mechanism::Early { scheme } => {
                matches!(
                    (scheme, sent),
                    (AttestationScheme::Result(_), Model::Passport)
                        | (AttestationScheme::Evidence(_), Model::BackgroundCheck)
                )
            }
            _ => {
                let asked = match sent {
                    Model::BackgroundCheck => AskedModel::BackgroundCheck,
                    Model::Passport => AskedModel::Passport,
                };
                request.accepted_models.contains(asked.models())
            }
        }
    }

    fn evidence(&mut self, request: &EvidenceRequest<'_>) -> Result<Vec<u8>, String> {
        let tee = self.tee.as_ref().ok_or("this side has no TEE")?;
        let mut binder = request.binder.to_vec();
        if self.dangerous_tamper_binder
            && let Some(b) = binder.first_mut()
        {
            *b ^= 0xff;
        }
        let other_key_hash = self.dangerous_bind_other_key.as_deref().map(|spki| {
            let hash = if request.aik_pub_hash.len() == 48 {
                seat_binding::provider::HashAlgorithm::Sha384
            } else {
                seat_binding::provider::HashAlgorithm::Sha256
            };
            self.trust.provider.hash(hash, &[spki]).as_bytes().to_vec()
        });
        let aik_pub_hash = other_key_hash.as_deref().unwrap_or(request.aik_pub_hash);
        let evidence = tee.attest(&TeeRequest {
            binder: &binder,
            aik_pub_hash,
            now_unix_secs: request.now,
        })?;
        self.log(format!(
            "TEE produced Evidence ({} bytes) for binder {}",
            evidence.len(),
            short(request.binder)
        ));
        if !Self::wants_passport(&request.mechanism) {
            return Ok(evidence);
        }
        let report = self
            .trust
            .verifier
            .appraise(
                &VerifierRequest {
                    cmw: &evidence,
                    binder: &binder,
                    aik_pub_hash,
                    now_unix_secs: request.now,
                },
                self.form,
                BindingLevel::Exchange,
                &mut self.rng,
            )
            .map_err(|e| format!("the Verifier refused: {e}"))?;
        self.log(format!(
            "Verifier issued a passport, status {}",
            report.status().name()
        ));
        Ok(report.result().to_vec())
    }

    fn decide(&mut self, request: &AppraisalRequest<'_>) -> Result<PeerAttestation, Rejection> {
        let sent = sent_model(request.cmw).map_err(|r| rejection(&r.into()))?;
        if !Self::allows(request, sent) {
            let what = match sent {
                Model::Passport => "a passport (an Attestation Result)",
                Model::BackgroundCheck => "Evidence for a background check",
            };
            return Err(Rejection::new(
                HookStage::Policy,
                format!("the peer sent {what}, a model this side did not ask for"),
            ));
        }
        self.appraise_as(request, sent).map_err(|e| rejection(&e))
    }

    fn appraise_as(
        &mut self,
        request: &AppraisalRequest<'_>,
        sent: Model,
    ) -> Result<PeerAttestation, Error> {
        let rp = RelyingParty::new(self.trust.rp_policy.clone(), self.trust.provider);
        let expected = Expected {
            binder: request.binder,
            aik_pub_hash: request.aik_pub_hash,
        };
        let (accepted, claims) = match sent {
            Model::Passport => (
                rp.passport(&mut self.record, request.cmw, &expected, request.now)?,
                None,
            ),
            // The Relying Party trusts its own in-process Verifier and the Result never
            // leaves the process: it is not signed.
            Model::BackgroundCheck => {
                let (accepted, report) = rp.in_process_unsigned(
                    &mut self.record,
                    request.cmw,
                    &self.trust.verifier,
                    &expected,
                    request.now,
                )?;
                (accepted, Some(report.claims().clone()))
            }
        };
        let bound = accepted.ear.submods.iter().find(|(_, a)| {
            a.nonce
                .as_ref()
                .is_some_and(|n| n.nonces().iter().any(|b| b == request.binder))
        });
        let trust_vector = bound
            .or_else(|| accepted.ear.submods.first())
            .and_then(|(_, a)| a.trust_vector);
        Ok(PeerAttestation {
            model: accepted.model,
            binding: accepted.binding,
            status: accepted.status,
            trust_vector,
            claims,
            verifier: accepted.verifier,
            ear: accepted.ear,
        })
    }
}

fn short(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(19);
    for b in bytes.iter().take(8) {
        for nibble in [b >> 4, b & 0x0f] {
            out.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
        }
    }
    out.push_str("...");
    out
}

impl AttestationHooks for EmbeddedHooks {
    type Accepted = PeerAttestation;

    fn produce_evidence(&mut self, request: &EvidenceRequest<'_>) -> Option<Vec<u8>> {
        match self.evidence(request) {
            Ok(cmw) => Some(cmw),
            Err(e) => {
                self.log(format!("declined to attest: {e}"));
                None
            }
        }
    }

    fn appraise(&mut self, request: &AppraisalRequest<'_>) -> Result<PeerAttestation, Rejection> {
        match self.decide(request) {
            Ok(accepted) => {
                let trust = request
                    .trust
                    .map_or_else(|| "validated by TLS".to_string(), |t| format!("{t:?}"));
                self.log(format!(
                    "peer attestation accepted ({accepted}) for binder {}, chain trust {trust}",
                    short(request.binder)
                ));
                Ok(accepted)
            }
            Err(rejection) => {
                self.log(format!("peer attestation rejected: {rejection}"));
                Err(rejection)
            }
        }
    }

    fn event(&mut self, event: &Event) {
        match event {
            Event::Open => self.log("gate open, application data may flow".to_string()),
            Event::Failed { error, .. } => self.log(format!("failed: {error}")),
            _ => {}
        }
    }
}
