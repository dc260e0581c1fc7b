//! Early (intra-handshake) attestation between two OpenSSL endpoints in one process: an
//! in-memory duplex, a bounded handshake driver, OpenSSL contexts built from [`Identity`],
//! and [`TeeHooks`], the [`EarlyAttestationHooks`] that connect the negotiation to a
//! simulated TEE, the shared [`World`]'s Verifier and the Relying-Party policy. For anonymous
//! client attestation, [`anonymous_context`] and [`present_minted_aik`] give a client a
//! TEE-minted, self-signed TLS key instead of a certificate the server trusts.
//!
//! Early attestation's binder is public (relay-prone, CVE-2026-33697 class): where secrets
//! are released, follow it with an expat exchange
//! ([`seat_proto::openssl_glue::start_expat`]).

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex};

use openssl::pkey::{PKey, Private};
use openssl::ssl::{
    HandshakeError, MidHandshakeSslStream, Ssl, SslContext, SslContextBuilder, SslMethod, SslRef,
    SslStream,
};
use openssl::x509::X509;
use seat_binding::provider::aws_lc::AwsLcRandom;
use seat_binding::provider::{HashAlgorithm, SignatureAlgorithm};
use seat_evidence::attester::{Attester, EvidenceRequest};
use seat_evidence::sim::{MintedAik, SimulatedTee};
use seat_proto::codepoints::CodePoints;
use seat_proto::openssl_glue::{EarlyAttestationHooks, install};
use seat_proto::remote_attestation::{
    AttestationScheme, EvidenceType, MediaType, VerifierIdentity,
};
use seat_proto::session::Verdict;
use seat_verify::replay::ReplayRecord;
use seat_verify::rp::BindingLevel;
use seat_verify::rp::{Background, Expected, RelyingParty};
use seat_verify::verifier::{AppraisalRequest, ResultForm};

use crate::{Identity, World};

/// The most steps [`handshake`] takes before giving up: a TLS 1.3 handshake needs a handful,
/// so a stuck peer ends the loop instead of hanging the test.
pub const MAX_HANDSHAKE_STEPS: usize = 64;

/// The background-check scheme the examples use: Evidence as an EAT in a CMW.
///
/// # Errors
///
/// Never in practice (the media type is short); typed for the codec's constructor.
pub fn evidence_scheme() -> Result<AttestationScheme, String> {
    Ok(AttestationScheme::Evidence(EvidenceType::MediaType(
        MediaType::new(b"application/eat+cwt".to_vec()).map_err(|e| e.to_string())?,
    )))
}

/// The passport scheme the examples use: Attestation Results from `verifier.example`.
///
/// # Errors
///
/// As [`evidence_scheme`].
pub fn passport_scheme() -> Result<AttestationScheme, String> {
    Ok(AttestationScheme::Result(
        VerifierIdentity::new(b"verifier.example".to_vec()).map_err(|e| e.to_string())?,
    ))
}

/// One direction of the in-memory duplex.
type Queue = Arc<Mutex<VecDeque<u8>>>;

/// One end of an in-memory duplex: reads what the other end wrote, `WouldBlock` when empty.
#[derive(Debug)]
pub struct PipeEnd {
    rx: Queue,
    tx: Queue,
}

/// Two connected ends.
pub fn pipe() -> (PipeEnd, PipeEnd) {
    let a = Queue::default();
    let b = Queue::default();
    (
        PipeEnd {
            rx: a.clone(),
            tx: b.clone(),
        },
        PipeEnd { rx: b, tx: a },
    )
}

impl Read for PipeEnd {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut q = self
            .rx
            .lock()
            .map_err(|_| io::Error::other("poisoned pipe"))?;
        if q.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = buf.len().min(q.len());
        for (slot, byte) in buf.iter_mut().zip(q.drain(..n)) {
            *slot = byte;
        }
        Ok(n)
    }
}

impl Write for PipeEnd {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tx
            .lock()
            .map_err(|_| io::Error::other("poisoned pipe"))?
            .extend(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Where one side of a handshake ended.
#[derive(Debug)]
pub enum Side {
    /// The handshake completed.
    Done(SslStream<PipeEnd>),
    /// It is still waiting for the peer (the step budget ran out).
    Waiting(MidHandshakeSslStream<PipeEnd>),
    /// It failed; the stream still holds the connection for inspection.
    Failed(MidHandshakeSslStream<PipeEnd>),
    /// It failed before a stream existed.
    SetupFailed(String),
}

impl Side {
    /// The connection, whatever happened.
    pub fn ssl(&self) -> Option<&openssl::ssl::SslRef> {
        match self {
            Self::Done(s) => Some(s.ssl()),
            Self::Waiting(m) | Self::Failed(m) => Some(m.ssl()),
            Self::SetupFailed(_) => None,
        }
    }

    /// Whether the handshake completed.
    pub fn is_done(&self) -> bool {
        matches!(self, Self::Done(_))
    }

    /// The TLS alert this side received from its peer, read from OpenSSL's error queue
    /// (OpenSSL reports a received alert as reason `1000 + alert`).
    pub fn received_alert(&self) -> Option<u8> {
        let Self::Failed(m) = self else { return None };
        m.error().ssl_error().and_then(|stack| {
            stack.errors().iter().find_map(|e| {
                let reason = e.code() & 0x7f_ffff;
                reason.checked_sub(1000).and_then(|a| u8::try_from(a).ok())
            })
        })
    }

    fn from_result(r: Result<SslStream<PipeEnd>, HandshakeError<PipeEnd>>) -> Self {
        match r {
            Ok(s) => Self::Done(s),
            Err(HandshakeError::WouldBlock(m)) => Self::Waiting(m),
            Err(HandshakeError::Failure(m)) => Self::Failed(m),
            Err(HandshakeError::SetupFailure(e)) => Self::SetupFailed(e.to_string()),
        }
    }

    fn step(self) -> Self {
        match self {
            Self::Waiting(m) => Self::from_result(m.handshake()),
            other => other,
        }
    }
}

/// Runs a TLS handshake between `client` and `server` over an in-memory duplex, at most
/// [`MAX_HANDSHAKE_STEPS`] steps per side; returns where each side ended.
pub fn handshake(client: Ssl, server: Ssl) -> (Side, Side) {
    let (a, b) = pipe();
    let mut c = Side::from_result(client.connect(a));
    let mut s = Side::from_result(server.accept(b));
    for _ in 0..MAX_HANDSHAKE_STEPS {
        if !matches!(c, Side::Waiting(_)) && !matches!(s, Side::Waiting(_)) {
            break;
        }
        s = s.step();
        c = c.step();
    }
    (c, s)
}

/// An OpenSSL context for `identity`, trusting `trusted` peers' certificates, with
/// `remoteAttestation` installed.
///
/// # Errors
///
/// An OpenSSL or glue failure, as text.
pub fn context(
    identity: &Identity,
    trusted: &[&Identity],
    code_points: &CodePoints,
) -> Result<SslContextBuilder, String> {
    let mut b = anonymous_context(trusted, code_points)?;
    let (cert, key) = openssl_identity(identity)?;
    b.set_certificate(&cert).map_err(|e| e.to_string())?;
    b.set_private_key(&key).map_err(|e| e.to_string())?;
    Ok(b)
}

/// An OpenSSL context with no certificate of its own (an anonymous client's: each connection
/// presents a key its TEE minted, [`present_minted_aik`]), trusting `trusted` peers'
/// certificates, with `remoteAttestation` installed.
///
/// # Errors
///
/// An OpenSSL or glue failure, as text.
pub fn anonymous_context(
    trusted: &[&Identity],
    code_points: &CodePoints,
) -> Result<SslContextBuilder, String> {
    let mut b = SslContext::builder(SslMethod::tls()).map_err(|e| e.to_string())?;
    for peer in trusted {
        let (cert, _) = openssl_identity(peer)?;
        b.cert_store_mut()
            .add_cert(cert)
            .map_err(|e| e.to_string())?;
    }
    install(&mut b, code_points).map_err(|e| e.to_string())?;
    Ok(b)
}

/// Anonymous client attestation, client side: mints an ephemeral P-256 attestation key in
/// `tee` (a self-signed certificate for `subject`, valid from shortly before `now`) and
/// presents it as `ssl`'s TLS client certificate and key. The server accepts it only with
/// `ServerConfig::dangerous_accept_anonymous_clients` and only if this client's early
/// attestation, bound to this key, succeeds. Returns the minted key (certificate, SPKI).
///
/// # Errors
///
/// The TEE's refusal, or a certificate or key OpenSSL does not take, as text.
pub fn present_minted_aik(
    ssl: &mut SslRef,
    tee: &mut SimulatedTee,
    subject: &str,
    now: u64,
) -> Result<MintedAik, String> {
    let aik = tee
        .mint_aik(SignatureAlgorithm::EcdsaSecp256r1Sha256, subject, now)
        .map_err(|e| e.to_string())?;
    let cert = X509::from_der(&aik.certificate_der).map_err(|e| e.to_string())?;
    let key = PKey::private_key_from_pkcs8(&aik.pkcs8_der).map_err(|e| e.to_string())?;
    ssl.set_certificate(&cert).map_err(|e| e.to_string())?;
    ssl.set_private_key(&key).map_err(|e| e.to_string())?;
    Ok(aik)
}

/// The identity's certificate and key as OpenSSL objects.
///
/// # Errors
///
/// A DER that OpenSSL does not parse, as text.
pub fn openssl_identity(identity: &Identity) -> Result<(X509, PKey<Private>), String> {
    let cert = X509::from_der(&identity.certificate).map_err(|e| e.to_string())?;
    let key = PKey::private_key_from_pkcs8(&identity.pkcs8).map_err(|e| e.to_string())?;
    Ok((cert, key))
}

/// The current time in seconds since the Unix epoch (examples may read the clock; OpenSSL
/// checks certificate validity against it).
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// One peer's attestation stack for early attestation: its simulated TEE (as Attester), the
/// shared [`World`] (Verifier, Relying-Party policy) and a per-connection replay record.
/// Evidence schemes get the TEE's Evidence (background check); result schemes get a
/// passport: the Verifier appraises this peer's own Evidence and the CMW carries its EAR.
#[derive(Debug)]
pub struct TeeHooks {
    tee: SimulatedTee,
    world: Arc<World>,
    record: ReplayRecord,
    rng: AwsLcRandom,
    /// What happened, one line per step; shared so the test can read it after the
    /// connection took the hooks.
    pub account: Arc<Mutex<Vec<String>>>,
    /// For tests: flip the first byte of the binder before asking the TEE (a relayed or
    /// stale binder).
    pub dangerous_tamper_binder: bool,
    /// For tests: have the TEE bind its Evidence to this DER SubjectPublicKeyInfo instead
    /// of the attesting certificate's (Evidence for another key than the one that signs
    /// CertificateVerify).
    pub dangerous_bind_other_key: Option<Vec<u8>>,
}

impl TeeHooks {
    /// Hooks over `tee` and `world`.
    pub fn new(tee: SimulatedTee, world: Arc<World>) -> Self {
        Self {
            tee,
            world,
            record: ReplayRecord::new(),
            rng: AwsLcRandom,
            account: Arc::default(),
            dangerous_tamper_binder: false,
            dangerous_bind_other_key: None,
        }
    }

    fn log(&self, line: String) {
        if let Ok(mut a) = self.account.lock() {
            a.push(line);
        }
    }
}

impl EarlyAttestationHooks for TeeHooks {
    fn produce_evidence(
        &mut self,
        scheme: &AttestationScheme,
        binder: &[u8],
        spki_hash: &[u8],
    ) -> Option<Vec<u8>> {
        let mut nonce = binder.to_vec();
        if self.dangerous_tamper_binder
            && let Some(b) = nonce.first_mut()
        {
            *b ^= 0xff;
        }
        let other_key_hash = self.dangerous_bind_other_key.as_deref().map(|spki| {
            // The binder's hash, told by its length (SHA-256 or SHA-384 suites).
            let hash = if spki_hash.len() == 48 {
                HashAlgorithm::Sha384
            } else {
                HashAlgorithm::Sha256
            };
            self.world.provider.hash(hash, &[spki]).as_bytes().to_vec()
        });
        let spki_hash = other_key_hash.as_deref().unwrap_or(spki_hash);
        let now = now();
        let evidence = match self.tee.attest(&EvidenceRequest {
            binder: &nonce,
            aik_pub_hash: spki_hash,
            now_unix_secs: now,
        }) {
            Ok(e) => e,
            Err(e) => {
                self.log(format!("TEE refused: {e}"));
                return None;
            }
        };
        self.log(format!("TEE produced Evidence ({} bytes)", evidence.len()));
        if !matches!(scheme, AttestationScheme::Result(_)) {
            return Some(evidence);
        }
        let report = self.world.verifier.appraise(
            &AppraisalRequest {
                cmw: &evidence,
                binder: &nonce,
                aik_pub_hash: spki_hash,
                now_unix_secs: now,
            },
            ResultForm::Cwt,
            BindingLevel::Exchange,
            &mut self.rng,
        );
        match report {
            Ok(r) => {
                self.log(format!(
                    "Verifier issued a passport, status {}",
                    r.status().name()
                ));
                Some(r.result().to_vec())
            }
            Err(e) => {
                self.log(format!("Verifier refused: {e}"));
                None
            }
        }
    }

    fn appraise(
        &mut self,
        scheme: &AttestationScheme,
        cmw: &[u8],
        binder: &[u8],
        spki_hash: &[u8],
    ) -> Verdict {
        let rp = RelyingParty::new(self.world.rp_policy.clone(), self.world.provider);
        let expected = Expected {
            binder,
            aik_pub_hash: spki_hash,
        };
        let now = now();
        let decision = match scheme {
            AttestationScheme::Result(_) => rp.passport(&mut self.record, cmw, &expected, now),
            AttestationScheme::Evidence(_) => rp.background_check(
                &mut self.record,
                Background::InProcess {
                    evidence: cmw,
                    verifier: &self.world.verifier,
                    form: ResultForm::Cwt,
                },
                &expected,
                now,
                &mut self.rng,
            ),
        };
        match decision {
            Ok(accepted) => {
                let line = format!("peer attestation {accepted}");
                self.log(line.clone());
                Verdict::Accepted { explanation: line }
            }
            Err(e) => {
                let line = format!("peer attestation rejected: {e}");
                self.log(line.clone());
                Verdict::Rejected { explanation: line }
            }
        }
    }
}
