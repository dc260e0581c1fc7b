//! `seat serve` and `seat connect`: expat over rustls with the simulated TEE, an in-process
//! Verifier and the Relying-Party policy of a policy file.
//!
//! Trust between two processes comes from files, as between two operators: the server's
//! certificate (`--cert-out`, then `connect --ca`), and a policy naming the peer's attestation
//! key, reference values and Verifier key (`--policy-out` writes the one that trusts this
//! side; `--policy` reads the one that trusts the peer). Each side's simulated TEE derives its
//! attestation key from `--tee-seed`, and its Verifier signs with `--verifier-key` (a PKCS#8
//! PEM file; a fresh key when absent).

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection};
use seat_binding::authenticator::Role;
use seat_binding::provider::aws_lc::AwsLcRandom;
use seat_binding::provider::{CryptoProvider, SignatureAlgorithm, SigningKey, default_provider};
use seat_evidence::attester::{Attester, EvidenceRequest};
use seat_evidence::ear::Tier;
use seat_evidence::sim::{SimTeeConfig, SimulatedTee};
use seat_proto::chain::{ChainVerifier, DangerousSelfSignedVerifier, Purpose, WebPkiVerifier};
use seat_proto::hooks::{
    AppraisalRequest as HookAppraisal, AttestationHooks, EvidenceRequest as HookEvidence,
    Mechanism, Model as HookModel, Rejection,
};
use seat_proto::rustls_glue::{AttestedStream, harden_client_config, harden_server_config};
use seat_proto::session::{Credential, Event, Session, SessionConfig};
use seat_proto::shim::Models;
use seat_verify::policy::{Policy, RelyingPartyPolicy};
use seat_verify::replay::ReplayRecord;
use seat_verify::rp::{Background, BindingLevel, Expected, Model, RelyingParty};
use seat_verify::verifier::{AppraisalRequest, ResultForm, Verifier};

use crate::report::{Node, hex_short};

/// How long a peer may keep us waiting for one read, in seconds.
pub const READ_TIMEOUT_SECS: u64 = 30;

/// The model one side attests with or requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelArg {
    /// Evidence, appraised by the Relying Party's Verifier.
    Background,
    /// An Attestation Result from the Attester's Verifier.
    Passport,
}

impl ModelArg {
    const fn models(self) -> Models {
        match self {
            Self::Background => Models::BACKGROUND_CHECK,
            Self::Passport => Models::PASSPORT,
        }
    }
}

/// The simulated platform of one side.
#[derive(Clone, Debug)]
pub struct PlatformArgs {
    /// The TEE's seed (its attestation key follows from it).
    pub tee_seed: [u8; 32],
    /// Run a kernel whose measurement is off the reference (its attestation must fail).
    pub tampered: bool,
    /// The Verifier's signing key, PKCS#8 PEM; a fresh key when `None`.
    pub verifier_key: Option<PathBuf>,
}

/// The reference measurements of the simulated platform.
pub fn reference_measurements() -> Vec<(String, Vec<u8>)> {
    vec![
        ("firmware".to_string(), vec![0xf1; 32]),
        ("kernel".to_string(), vec![0x6b; 32]),
    ]
}

/// The simulated TEE configuration for `seed`; `tampered` changes the kernel measurement.
pub fn tee_config(seed: [u8; 32], tampered: bool) -> SimTeeConfig {
    let mut measurements = reference_measurements();
    if tampered && let Some(m) = measurements.get_mut(1) {
        m.1 = vec![0x66; 32];
    }
    let mut instance_id = seed;
    for b in &mut instance_id {
        *b ^= 0x5a;
    }
    SimTeeConfig {
        seed,
        instance_id,
        swname: "seat-demo".to_string(),
        swversion: "1.0.0".to_string(),
        measurements,
        dbgstat: 2,
        secure_boot: true,
    }
}

/// Parses a TEE seed: 64 hex digits, or any text (hashed with SHA-256).
pub fn tee_seed(text: &str) -> [u8; 32] {
    if let Ok(bytes) = hex::decode(text)
        && let Ok(seed) = <[u8; 32]>::try_from(bytes.as_slice())
    {
        return seed;
    }
    let digest = default_provider().hash(
        seat_binding::provider::HashAlgorithm::Sha256,
        &[text.as_bytes()],
    );
    let mut seed = [0u8; 32];
    for (d, s) in seed.iter_mut().zip(digest.as_ref()) {
        *d = *s;
    }
    seed
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A P-256 key from a PKCS#8 PEM file, or a fresh one; with its PEM.
fn verifier_key(path: Option<&Path>) -> Result<(Box<dyn SigningKey>, String), String> {
    let pair = match path {
        Some(p) => {
            let pem = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            rcgen::KeyPair::from_pem(&pem).map_err(|e| format!("{}: {e}", p.display()))?
        }
        None => rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .map_err(|e| e.to_string())?,
    };
    let key = default_provider()
        .signing_key_from_pkcs8(
            SignatureAlgorithm::EcdsaSecp256r1Sha256,
            &pair.serialize_der(),
        )
        .map_err(|e| format!("the Verifier key must be P-256: {e}"))?;
    Ok((key, pair.serialize_pem()))
}

/// The policy a peer needs to trust the platform of `tee_seed` and the Verifier key
/// `verifier_spki`: its attestation key, the reference values, the Verifier key.
///
/// # Errors
///
/// A simulated TEE that cannot be made for the seed.
pub fn trust_policy(tee_seed: [u8; 32], verifier_spki: &[u8]) -> Result<String, String> {
    let tee = SimulatedTee::new(tee_config(tee_seed, false), default_provider())
        .map_err(|e| e.to_string())?;
    let mut text = format!(
        "# Trusts one simulated platform and its Verifier (written by seat).\n\
         [verifier]\n\
         [[verifier.attestation_keys]]\n\
         name = \"sim-tee\"\n\
         spki_hex = \"{}\"\n\
         [verifier.reference_values]\n\
         swname = \"seat-demo\"\n\
         swversion = \"1.0.0\"\n\
         [verifier.reference_values.measurements]\n",
        hex::encode(tee.attestation_key_spki())
    );
    for (name, digest) in reference_measurements() {
        text.push_str(&format!("{name} = \"{}\"\n", hex::encode(digest)));
    }
    text.push_str(&format!(
        "[relying_party]\n\
         [[relying_party.verifier_keys]]\n\
         name = \"peer-verifier\"\n\
         spki_hex = \"{}\"\n",
        hex::encode(verifier_spki)
    ));
    Ok(text)
}

/// What one side learned about the peer's attestation.
#[derive(Clone, Debug, Default)]
pub struct PeerOutcome {
    /// One report per appraisal of the peer, in order.
    pub appraisals: Vec<Node>,
    /// Whether the last appraisal accepted.
    pub accepted: Option<bool>,
    /// The last rejection's reason.
    pub reason: Option<String>,
    /// The binder of each appraisal, in order.
    pub binders: Vec<Vec<u8>>,
}

/// One side's attestation: its TEE, its Verifier, the policy for the peer.
pub struct Side {
    name: &'static str,
    tee: SimulatedTee,
    drifted_tee: SimulatedTee,
    drift: Arc<core::sync::atomic::AtomicBool>,
    verifier: Verifier,
    rp_policy: RelyingPartyPolicy,
    record: ReplayRecord,
    provider: &'static dyn CryptoProvider,
    rng: AwsLcRandom,
    /// What was appraised (shared, so that it can be read while a stream holds the side).
    pub outcome: Arc<Mutex<PeerOutcome>>,
    /// Progress lines (to standard error).
    pub progress: Box<dyn Write + Send>,
}

impl core::fmt::Debug for Side {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Side")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Side {
    /// A side with its platform and the policy that trusts the peer (an empty policy trusts
    /// nobody, which is enough for a side that appraises nothing).
    ///
    /// # Errors
    ///
    /// A key, TEE or Verifier that cannot be made.
    pub fn new(
        name: &'static str,
        platform: &PlatformArgs,
        policy: Policy,
        progress: Box<dyn Write + Send>,
    ) -> Result<(Self, String), String> {
        let provider = default_provider();
        let tee = SimulatedTee::new(tee_config(platform.tee_seed, platform.tampered), provider)
            .map_err(|e| e.to_string())?;
        let drifted_tee = SimulatedTee::new(tee_config(platform.tee_seed, true), provider)
            .map_err(|e| e.to_string())?;
        let (key, _pem) = verifier_key(platform.verifier_key.as_deref())?;
        let verifier_spki = key.public_key_spki();
        // This side's Verifier appraises the peer's Evidence under the file's [verifier]
        // table, and issues this side's passports: it trusts this side's own TEE too.
        let mut vpolicy = policy.verifier.clone();
        vpolicy
            .attestation_keys
            .push(seat_verify::policy::TrustAnchor {
                name: format!("{name}-own-tee"),
                spki: tee.attestation_key_spki(),
            });
        if vpolicy.reference_values.measurements.is_empty() && policy == Policy::default() {
            vpolicy.reference_values.measurements = reference_measurements();
        }
        let verifier = Verifier::new(vpolicy, key, provider).map_err(|e| e.to_string())?;
        let own_policy = trust_policy(platform.tee_seed, &verifier_spki)?;
        Ok((
            Self {
                name,
                tee,
                drifted_tee,
                drift: Arc::new(core::sync::atomic::AtomicBool::new(false)),
                verifier,
                rp_policy: policy.relying_party,
                record: ReplayRecord::new(),
                provider,
                rng: AwsLcRandom,
                outcome: Arc::new(Mutex::new(PeerOutcome::default())),
                progress,
            },
            own_policy,
        ))
    }

    /// A switch that, once set, makes this side's platform drift: its kernel measurement
    /// leaves the reference values, and its next attestation shows it (for the use-case
    /// programs that re-attest a live connection).
    pub fn drift_switch(&self) -> Arc<core::sync::atomic::AtomicBool> {
        Arc::clone(&self.drift)
    }

    /// The outcome record, shared (readable while a stream holds this side).
    pub fn outcome(&self) -> Arc<Mutex<PeerOutcome>> {
        Arc::clone(&self.outcome)
    }

    fn record_outcome(&self, f: impl FnOnce(&mut PeerOutcome)) {
        if let Ok(mut o) = self.outcome.lock() {
            f(&mut o);
        }
    }

    fn take_outcome(outcome: &Mutex<PeerOutcome>) -> PeerOutcome {
        outcome
            .lock()
            .map(|mut o| core::mem::take(&mut *o))
            .unwrap_or_default()
    }

    fn say(&mut self, line: &str) {
        let _ = writeln!(self.progress, "seat {}: {line}", self.name);
    }
}

impl AttestationHooks for Side {
    /// What the Relying Party accepted: the decision with its EAR, model and binding level.
    type Accepted = Arc<seat_verify::rp::Accepted>;

    fn produce_evidence(&mut self, request: &HookEvidence<'_>) -> Option<Vec<u8>> {
        let (binder, aik_pub_hash, now) = (request.binder, request.aik_pub_hash, request.now);
        let passport = matches!(
            request.mechanism,
            Mechanism::Expat {
                model: HookModel::Passport
            }
        );
        let drifted = self.drift.load(core::sync::atomic::Ordering::SeqCst);
        let tee = if drifted {
            &mut self.drifted_tee
        } else {
            &mut self.tee
        };
        let evidence = match tee.attest(&EvidenceRequest {
            binder,
            aik_pub_hash,
            now_unix_secs: now,
        }) {
            Ok(e) => e,
            Err(e) => {
                self.say(&format!("the TEE refused: {e}"));
                return None;
            }
        };
        self.say(&format!("attesting for binder {}", hex_short(binder)));
        if !passport {
            return Some(evidence);
        }
        match self.verifier.appraise(
            &AppraisalRequest {
                cmw: &evidence,
                binder,
                aik_pub_hash,
                now_unix_secs: now,
            },
            ResultForm::Cwt,
            BindingLevel::Exchange,
            &mut self.rng,
        ) {
            Ok(r) => Some(r.result().to_vec()),
            Err(e) => {
                self.say(&format!("our Verifier refused our own Evidence: {e}"));
                None
            }
        }
    }

    fn appraise(&mut self, a: &HookAppraisal<'_>) -> Result<Self::Accepted, Rejection> {
        let now = a.now;
        let passport = matches!(
            a.mechanism,
            Mechanism::Expat {
                model: HookModel::Passport
            }
        );
        self.say("appraising the peer's attestation");
        let binder = a.binder.to_vec();
        self.record_outcome(|o| o.binders.push(binder));
        let rp = RelyingParty::new(self.rp_policy.clone(), self.provider);
        let expected = Expected {
            binder: a.binder,
            aik_pub_hash: a.aik_pub_hash,
        };
        let decision = if passport {
            rp.passport(&mut self.record, a.cmw, &expected, now)
        } else {
            rp.background_check(
                &mut self.record,
                Background::InProcess {
                    evidence: a.cmw,
                    verifier: &self.verifier,
                    form: ResultForm::Cwt,
                },
                &expected,
                now,
                &mut self.rng,
            )
        };
        let mut node = Node::leaf("peer attestation", format!("exchange {:?}", a.exchange))
            .with(Node::leaf(
                "model",
                if passport {
                    "passport"
                } else {
                    "background check"
                },
            ))
            .with(Node::leaf("binder", hex_short(a.binder)))
            .with(Node::leaf("aik_pub_hash", hex_short(a.aik_pub_hash)))
            .with(Node::leaf(
                "certificate chain",
                a.trust
                    .map_or_else(|| "not verified".to_string(), |t| format!("{t:?}")),
            ));
        node.push(Node::leaf("platform", platform(a.cmw)));
        let mut claims = crate::inspect::cmw(a.cmw, 0);
        claims.name = format!("what the peer sent: {}", claims.name);
        node.push(claims);
        let verdict = match decision {
            Ok(accepted) => {
                if let Some((label, appraisal)) = accepted.ear.submods.first() {
                    let mut tv = Node::leaf(
                        "trust vector",
                        format!("{label}: status {}", appraisal.status.name()),
                    );
                    if let Some(v) = &appraisal.trust_vector {
                        for (i, c) in v.claims().iter().enumerate() {
                            if let Some(c) = c {
                                let name =
                                    crate::names::trust_claim(i64::try_from(i).unwrap_or(-1))
                                        .unwrap_or("?");
                                tv.push(Node::leaf(name, crate::names::tier_of(i64::from(*c))));
                            }
                        }
                    }
                    node.push(tv);
                }
                node.push(Node::leaf(
                    "binding level",
                    match accepted.binding {
                        BindingLevel::Exchange => "exchange (this connection's binder and key)",
                        BindingLevel::KeyOnly => "key only (a cached passport: weaker, replayable)",
                    },
                ));
                node.push(Node::leaf(
                    "verdict",
                    format!(
                        "accepted ({}, verifier {}, status {})",
                        match accepted.model {
                            Model::BackgroundCheck => "background check",
                            Model::Passport => "passport",
                        },
                        accepted.verifier,
                        accepted.status.name()
                    ),
                ));
                self.record_outcome(|o| o.accepted = Some(accepted.status != Tier::None));
                Ok(Arc::new(accepted))
            }
            Err(e) => {
                let rejection = rejection(&e);
                let reason = e.to_string();
                node.push(Node::failure("verdict", "rejected"));
                node.push(Node::failure("reason", reason.clone()));
                let r = reason.clone();
                self.record_outcome(|o| {
                    o.accepted = Some(false);
                    o.reason = Some(r);
                });
                Err(rejection)
            }
        };
        self.record_outcome(|o| o.appraisals.push(node));
        verdict
    }

    fn event(&mut self, event: &Event) {
        if let Event::Failed { error } = event {
            self.say(&format!("failed: {error}"));
        }
    }
}

/// `seat serve` options.
#[derive(Debug)]
pub struct ServeOptions {
    /// Where to listen.
    pub addr: String,
    /// The model this server attests with (and requires of clients).
    pub model: ModelArg,
    /// Require the client to attest.
    pub require_client: bool,
    /// The policy that trusts clients (needed with `require_client`).
    pub policy: Option<PathBuf>,
    /// Trust client certificates issued by these CAs (PEM); otherwise clients attest with a
    /// key their TEE minted (self-signed).
    pub client_ca: Option<PathBuf>,
    /// Write this server's certificate (PEM) here, for `seat connect --ca`.
    pub cert_out: Option<PathBuf>,
    /// Write the policy that trusts this server here, for `seat connect --policy`.
    pub policy_out: Option<PathBuf>,
    /// The simulated platform.
    pub platform: PlatformArgs,
    /// Serve one connection, then exit with its outcome.
    pub once: bool,
    /// Relay standard input and output instead of echoing.
    pub stdio: bool,
}

fn read_policy(path: Option<&Path>) -> Result<Policy, String> {
    match path {
        None => Ok(Policy::default()),
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            Policy::from_toml(&text).map_err(|e| format!("{}: {e}", p.display()))
        }
    }
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Result<Vec<_>, _> = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .collect();
    let certs = certs.map_err(|e| format!("{}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no certificate", path.display()));
    }
    Ok(certs)
}

/// The result of `serve` or `connect`: exit status and what to print.
#[derive(Debug)]
pub struct Finished {
    /// 0, 1 or 2.
    pub code: u8,
    /// The report on the peer.
    pub report: Node,
}

/// Runs `seat serve`.
///
/// # Errors
///
/// Input errors (exit status 2): bad files, an address that cannot be bound.
pub fn serve(
    o: &ServeOptions,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    progress: &(dyn Fn() -> Box<dyn Write + Send> + Sync),
) -> Result<Finished, String> {
    let policy = read_policy(o.policy.as_deref())?;
    if o.require_client && o.policy.is_none() {
        return Err("--require-client needs --policy FILE (the trust in the client)".into());
    }
    let key =
        rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(|e| e.to_string())?;
    let cert =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .map_err(|e| e.to_string())?
            .self_signed(&key)
            .map_err(|e| e.to_string())?;
    if let Some(p) = &o.cert_out {
        std::fs::write(p, cert.pem()).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    let listener = TcpListener::bind(&o.addr).map_err(|e| format!("{}: {e}", o.addr))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let cert_der = cert.der().clone();
    let key_der = PrivateKeyDer::try_from(key.serialize_der()).map_err(|e| e.to_string())?;
    let signing = default_provider()
        .signing_key_from_pkcs8(
            SignatureAlgorithm::EcdsaSecp256r1Sha256,
            &key.serialize_der(),
        )
        .map_err(|e| e.to_string())?;
    let signing: Arc<dyn SigningKey> = signing.into();

    let builder = match &o.client_ca {
        Some(p) => {
            let mut roots = RootCertStore::empty();
            for c in read_certs(p)? {
                roots.add(c).map_err(|e| e.to_string())?;
            }
            let v = WebPkiClientVerifier::builder(Arc::new(roots))
                .allow_unauthenticated()
                .build()
                .map_err(|e| e.to_string())?;
            ServerConfig::builder().with_client_cert_verifier(v)
        }
        None => ServerConfig::builder().with_no_client_auth(),
    };
    let mut tls = builder
        .with_single_cert(vec![cert_der.clone()], key_der)
        .map_err(|e| e.to_string())?;
    harden_server_config(&mut tls);
    let tls = Arc::new(tls);
    let client_ea: Arc<dyn ChainVerifier> = match &o.client_ca {
        Some(p) => {
            let anchors = read_certs(p)?;
            Arc::new(
                WebPkiVerifier::new(anchors.iter().map(|c| c.as_ref()), Purpose::Client)
                    .map_err(|e| e.to_string())?,
            )
        }
        None => Arc::new(DangerousSelfSignedVerifier::dangerous_new(Purpose::Client)),
    };
    // One platform for the process (the TEE and the Verifier key live as long as the server).
    let (mut side, own_policy) = Side::new("server", &o.platform, policy, progress())?;
    if let Some(p) = &o.policy_out {
        std::fs::write(p, &own_policy).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    let _ = writeln!(stdout, "listening on {local}");
    let _ = stdout.flush();
    loop {
        let (sock, peer) = listener.accept().map_err(|e| e.to_string())?;
        let _ = sock.set_read_timeout(Some(Duration::from_secs(READ_TIMEOUT_SECS)));
        let config = session_config(
            o.model.models(),
            if o.require_client {
                o.model.models()
            } else {
                Models::NONE
            },
            Arc::clone(&client_ea),
        )?;
        let session = Session::new(
            config,
            Role::Server,
            Some(Credential {
                chain: vec![cert_der.to_vec().into()],
                key: Arc::clone(&signing),
            }),
            Box::new(AwsLcRandom),
        );
        let _ = Side::take_outcome(&side.outcome);
        side.record = ReplayRecord::new();
        side.say(&format!("connection from {peer}"));
        let conn = ServerConnection::new(Arc::clone(&tls)).map_err(|e| e.to_string())?;
        let result = match AttestedStream::establish(conn, sock, session, &mut side) {
            Ok(mut stream) => {
                let console: Option<(&mut dyn Read, &mut dyn Write)> = if o.stdio {
                    Some((&mut *stdin, &mut *stdout))
                } else {
                    None
                };
                relay_server(&mut stream, console)
            }
            Err(e) => Err(e),
        };
        let outcome = Side::take_outcome(&side.outcome);
        let mut report = Node::leaf("connection", peer.to_string());
        report.children.extend(outcome.appraisals);
        let last = match result {
            Ok(()) => Finished {
                code: crate::EXIT_OK,
                report,
            },
            Err(e) => {
                report.push(Node::failure("error", e.to_string()));
                let code = if outcome.accepted == Some(false) || peer_failed_attestation(&e) {
                    crate::EXIT_REFUSED
                } else {
                    crate::EXIT_INPUT
                };
                Finished { code, report }
            }
        };
        let _ = stdout.write_all(last.report.to_text(false).as_bytes());
        let _ = stdout.flush();
        if o.once {
            return Ok(last);
        }
    }
}

/// Echoes what the client sends, or with a console, prints it and answers with one line of
/// the console's input per message.
fn relay_server<S: Read + Write>(
    stream: &mut S,
    mut console: Option<(&mut dyn Read, &mut dyn Write)>,
) -> io::Result<()> {
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        };
        let data = buf.get(..n).unwrap_or_default();
        match console.as_mut() {
            Some((input, output)) => {
                output.write_all(data)?;
                output.flush()?;
                // One line, read a byte at a time so nothing past it is consumed.
                let mut line = Vec::new();
                let mut byte = [0u8; 1];
                while input.read(&mut byte)? == 1 {
                    line.extend_from_slice(&byte);
                    if byte == *b"\n" || line.len() >= MAX_CONSOLE_LINE {
                        break;
                    }
                }
                if line.is_empty() {
                    return Ok(());
                }
                stream.write_all(&line)?;
            }
            None => stream.write_all(data)?,
        }
        stream.flush()?;
    }
}

/// Longest line `seat serve --stdio` reads from its console in one answer.
pub const MAX_CONSOLE_LINE: usize = 16 * 1024;

/// `seat connect` options.
#[derive(Debug)]
pub struct ConnectOptions {
    /// `HOST:PORT`.
    pub target: String,
    /// The name to check the server's certificate against (default: the host).
    pub server_name: Option<String>,
    /// The model the server must attest in (and this client attests in).
    pub model: ModelArg,
    /// The policy that trusts the server's platform and Verifier.
    pub policy: PathBuf,
    /// The CA certificates (PEM) that the server's certificate must chain to.
    pub ca: PathBuf,
    /// A client certificate (PEM) and its key, for TLS client authentication and attestation.
    pub client_cert: Option<(PathBuf, PathBuf)>,
    /// Attest this client to the server.
    pub attest: bool,
    /// The simulated platform.
    pub platform: PlatformArgs,
    /// Write the policy that trusts this client here.
    pub policy_out: Option<PathBuf>,
}

/// Runs `seat connect`: attests, reports, then sends `input` and returns what came back.
///
/// # Errors
///
/// Input errors (exit status 2): bad files, an unreachable server.
pub fn connect(
    o: &ConnectOptions,
    input: &mut dyn Read,
    output: &mut dyn Write,
    progress: Box<dyn Write + Send>,
    colour: bool,
) -> Result<Finished, String> {
    let policy = read_policy(Some(&o.policy))?;
    let anchors = read_certs(&o.ca)?;
    let mut roots = RootCertStore::empty();
    for c in &anchors {
        roots.add(c.clone()).map_err(|e| e.to_string())?;
    }
    let (host, _) = o
        .target
        .rsplit_once(':')
        .ok_or_else(|| format!("{}: expected HOST:PORT", o.target))?;
    let name = o
        .server_name
        .clone()
        .unwrap_or_else(|| host.trim_matches(['[', ']']).to_string());
    let server_name =
        ServerName::try_from(name.clone()).map_err(|e| format!("server name {name:?}: {e}"))?;
    let provider = default_provider();
    let (mut side, own_policy) = Side::new("client", &o.platform, policy, progress)?;
    if let Some(p) = &o.policy_out {
        std::fs::write(p, &own_policy).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    let builder = ClientConfig::builder().with_root_certificates(roots);
    let (mut tls, credential) = match &o.client_cert {
        Some((cert, key)) => {
            let chain = read_certs(cert)?;
            let key_der =
                PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{}: {e}", key.display()))?;
            let pkcs8 = match &key_der {
                PrivateKeyDer::Pkcs8(k) => k.secret_pkcs8_der().to_vec(),
                _ => return Err(format!("{}: the key must be PKCS#8", key.display())),
            };
            let signing = provider
                .signing_key_from_pkcs8(SignatureAlgorithm::EcdsaSecp256r1Sha256, &pkcs8)
                .map_err(|e| format!("{}: {e} (a P-256 key)", key.display()))?;
            let credential = Credential {
                chain: chain.iter().map(|c| c.to_vec().into()).collect(),
                key: signing.into(),
            };
            let tls = builder
                .with_client_auth_cert(chain, key_der)
                .map_err(|e| e.to_string())?;
            (tls, o.attest.then_some(credential))
        }
        None => {
            let credential = if o.attest {
                let aik = side
                    .tee
                    .mint_aik(
                        SignatureAlgorithm::EcdsaSecp256r1Sha256,
                        "client.tee",
                        now(),
                    )
                    .map_err(|e| e.to_string())?;
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
            (builder.with_no_client_auth(), credential)
        }
    };
    harden_client_config(&mut tls);
    let server_ea: Arc<dyn ChainVerifier> = Arc::new(
        WebPkiVerifier::new(anchors.iter().map(|c| c.as_ref()), Purpose::Server)
            .map_err(|e| e.to_string())?,
    );
    let config = session_config(
        if o.attest {
            o.model.models()
        } else {
            Models::NONE
        },
        o.model.models(),
        server_ea,
    )?;
    let session = Session::new(config, Role::Client, credential, Box::new(AwsLcRandom));
    side.say(&format!("connecting to {}", o.target));
    let addr = o
        .target
        .to_socket_addrs()
        .map_err(|e| format!("{}: {e}", o.target))?
        .next()
        .ok_or_else(|| format!("{}: no address", o.target))?;
    let sock = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
        .map_err(|e| format!("{}: {e}", o.target))?;
    let _ = sock.set_read_timeout(Some(Duration::from_secs(READ_TIMEOUT_SECS)));
    let conn = ClientConnection::new(Arc::new(tls), server_name).map_err(|e| e.to_string())?;
    side.say("TLS 1.3 handshake, then waiting for the server's attestation...");
    let shared = Arc::clone(&side.outcome);
    let established = AttestedStream::establish(conn, sock, session, &mut side);
    let mut report = Node::leaf("server", o.target.clone());
    let mut stream = match established {
        Ok(s) => s,
        Err(e) => {
            let outcome = Side::take_outcome(&shared);
            report.children.extend(outcome.appraisals);
            report.push(Node::failure("error", e.to_string()));
            let code = if outcome.accepted == Some(false) || peer_failed_attestation(&e) {
                crate::EXIT_REFUSED
            } else {
                crate::EXIT_INPUT
            };
            let _ = output.write_all(report.to_text(colour).as_bytes());
            return Ok(Finished { code, report });
        }
    };
    report
        .children
        .extend(Side::take_outcome(&shared).appraisals);
    let _ = output.write_all(report.to_text(colour).as_bytes());
    let _ = output.flush();
    let result = (|| -> io::Result<()> {
        let mut buf = Vec::new();
        input.read_to_end(&mut buf)?;
        if !buf.is_empty() {
            stream.write_all(&buf)?;
            stream.flush()?;
        }
        stream.close()?;
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match stream.read(&mut chunk) {
                Ok(0) => return Ok(()),
                Ok(n) => {
                    output.write_all(chunk.get(..n).unwrap_or_default())?;
                    output.flush()?;
                }
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    })();
    drop(stream);
    // A re-attestation during the relay would have added appraisals.
    let later = Side::take_outcome(&shared).appraisals;
    let mut tail = Node::leaf("connection", "closed");
    tail.children.extend(later);
    if let Err(e) = result {
        tail.push(Node::failure("relay", e.to_string()));
        let _ = output.write_all(tail.to_text(colour).as_bytes());
        return Ok(Finished {
            code: crate::EXIT_INPUT,
            report: tail,
        });
    }
    Ok(Finished {
        code: crate::EXIT_OK,
        report,
    })
}

/// What the CMW says the platform is: its record's media type or content format.
fn platform(cmw: &[u8]) -> String {
    use seat_evidence::cmw::{AnyCmw, Cmw, JsonCmw, RecordType};
    match AnyCmw::decode(cmw) {
        Ok(AnyCmw::Cbor(Cmw::Record(r))) => match r.typ() {
            RecordType::MediaType(m) if m.contains("sim-tee") => {
                format!("simulated TEE ({m})")
            }
            RecordType::MediaType(m) if m.contains("rats/ear") => {
                format!("an Attestation Result from the peer's Verifier ({m})")
            }
            RecordType::MediaType(m) => m.clone(),
            RecordType::ContentFormat(cf) => format!("content-format {cf}"),
        },
        Ok(AnyCmw::Json(JsonCmw::Record(r))) => r.media_type().to_string(),
        Ok(_) => "a CMW collection".into(),
        Err(e) => format!("unreadable CMW: {e}"),
    }
}

/// The server end of a [`loopback`] pair.
pub type ServerStream = AttestedStream<ServerConnection, TcpStream, Side>;
/// The client end of a [`loopback`] pair.
pub type ClientStream = AttestedStream<ClientConnection, TcpStream, Side>;

/// One side of a [`loopback`] pair: its attestation, and what it attests and requires.
#[derive(Debug)]
pub struct Peer {
    /// The platform, Verifier and policy.
    pub side: Side,
    /// The models this side attests with.
    pub attests: Models,
    /// The models this side requires of the other.
    pub requires: Models,
}

/// An attested connection over 127.0.0.1 between two in-process peers, for the use-case
/// programs: the server accepts one connection on a thread and hands its stream (once the
/// gate opened, or the error) to `serve`; the client's stream is returned. The server
/// presents a fresh self-signed certificate the client trusts; an attesting client presents
/// a key its TEE minted.
///
/// # Errors
///
/// A set-up failure (keys, certificates, the socket), or the client's attestation error.
pub fn loopback<T: Send + 'static>(
    server: Peer,
    mut client: Peer,
    serve: impl FnOnce(io::Result<ServerStream>) -> T + Send + 'static,
) -> Result<(io::Result<ClientStream>, std::thread::JoinHandle<T>), String> {
    let provider = default_provider();
    let key =
        rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(|e| e.to_string())?;
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .map_err(|e| e.to_string())?
        .self_signed(&key)
        .map_err(|e| e.to_string())?;
    let cert_der = cert.der().clone();
    let signing: Arc<dyn SigningKey> = provider
        .signing_key_from_pkcs8(
            SignatureAlgorithm::EcdsaSecp256r1Sha256,
            &key.serialize_der(),
        )
        .map_err(|e| e.to_string())?
        .into();
    let key_der = PrivateKeyDer::try_from(key.serialize_der()).map_err(|e| e.to_string())?;
    let mut server_tls = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert_der.clone()], key_der)
        .map_err(|e| e.to_string())?;
    harden_server_config(&mut server_tls);
    let mut roots = RootCertStore::empty();
    roots.add(cert_der.clone()).map_err(|e| e.to_string())?;
    let mut client_tls = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    harden_client_config(&mut client_tls);

    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let server_session = Session::new(
        session_config(
            server.attests,
            server.requires,
            Arc::new(DangerousSelfSignedVerifier::dangerous_new(Purpose::Client)),
        )?,
        Role::Server,
        Some(Credential {
            chain: vec![cert_der.to_vec().into()],
            key: signing,
        }),
        Box::new(AwsLcRandom),
    );
    let server_side = server.side;
    let handle = std::thread::spawn(move || {
        let stream = listener.accept().and_then(|(sock, _)| {
            sock.set_read_timeout(Some(Duration::from_secs(READ_TIMEOUT_SECS)))?;
            let conn = ServerConnection::new(Arc::new(server_tls)).map_err(io::Error::other)?;
            AttestedStream::establish(conn, sock, server_session, server_side)
        });
        serve(stream)
    });

    let credential = if client.attests.is_empty() {
        None
    } else {
        let aik = client
            .side
            .tee
            .mint_aik(
                SignatureAlgorithm::EcdsaSecp256r1Sha256,
                "client.tee",
                now(),
            )
            .map_err(|e| e.to_string())?;
        Some(Credential {
            chain: vec![aik.certificate_der.clone().into()],
            key: provider
                .signing_key_from_pkcs8(SignatureAlgorithm::EcdsaSecp256r1Sha256, &aik.pkcs8_der)
                .map_err(|e| e.to_string())?
                .into(),
        })
    };
    let server_ea: Arc<dyn ChainVerifier> = Arc::new(
        WebPkiVerifier::new([cert_der.as_ref()], Purpose::Server).map_err(|e| e.to_string())?,
    );
    let client_session = Session::new(
        session_config(client.attests, client.requires, server_ea)?,
        Role::Client,
        credential,
        Box::new(AwsLcRandom),
    );
    let stream = (|| {
        let sock = TcpStream::connect(addr)?;
        sock.set_read_timeout(Some(Duration::from_secs(READ_TIMEOUT_SECS)))?;
        let name = ServerName::try_from("localhost").map_err(io::Error::other)?;
        let conn = ClientConnection::new(Arc::new(client_tls), name).map_err(io::Error::other)?;
        AttestedStream::establish(conn, sock, client_session, client.side)
    })();
    Ok((stream, handle))
}

/// A side for the use-case programs: the platform of `seed` (tampered or not), trusting the
/// platform and Verifier that `peer_policy` (from another side's [`Side::new`]) names.
///
/// # Errors
///
/// As [`Side::new`], or a policy that does not parse.
pub fn program_side(
    name: &'static str,
    seed: &str,
    tampered: bool,
    peer_policy: Option<&str>,
) -> Result<(Side, String), String> {
    let policy = match peer_policy {
        Some(text) => Policy::from_toml(text).map_err(|e| e.to_string())?,
        None => Policy::default(),
    };
    Side::new(
        name,
        &PlatformArgs {
            tee_seed: tee_seed(seed),
            tampered,
            verifier_key: None,
        },
        policy,
        Box::new(io::sink()),
    )
}

/// A session configuration: what this side attests with and requires, and the chain
/// verifier for the peer's authenticators.
fn session_config(
    attests: Models,
    requires: Models,
    chain_verifier: Arc<dyn ChainVerifier>,
) -> Result<Arc<SessionConfig>, String> {
    SessionConfig::builder(default_provider())
        .attests(attests)
        .requires(requires)
        .chain_verifier(chain_verifier)
        .build()
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

/// The hooks' [`Rejection`] for a Relying-Party error: its stage and the Verifier's or
/// policy's reason.
fn rejection(error: &seat_verify::Error) -> Rejection {
    use seat_proto::hooks::Stage as Hook;
    use seat_verify::error::Stage as Verify;
    let stage = match error.stage() {
        Some(Verify::Decode) => Hook::Decode,
        Some(Verify::Binding) => Hook::Binding,
        Some(Verify::Signature) => Hook::Signature,
        Some(Verify::Freshness) => Hook::Freshness,
        Some(Verify::Policy) => Hook::Policy,
        _ => Hook::Other,
    };
    let reason = match error.reason() {
        Some(r) => r.to_string(),
        None => error.to_string(),
    };
    Rejection::new(stage, reason)
}

/// Whether a stream error is the peer's failure to attest: it could not, refused, sent no
/// attestation, or its attestation was rejected (exit status 1, not 2).
fn peer_failed_attestation(e: &io::Error) -> bool {
    use seat_proto::AttestationError as A;
    matches!(
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<seat_proto::Error>()),
        Some(seat_proto::Error::Attestation(
            A::Unavailable | A::Refused | A::Missing | A::Rejected(_)
        ))
    )
}
