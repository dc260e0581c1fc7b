//! What the section-indexed tests (`rfc9261`, `expat`, `early_attestation`) share: the
//! expat digest's section 6.5 example (known answers, keys, exporter, request), the
//! authenticator helpers, and the two-session harness of the expat tests.

#![allow(clippy::indexing_slicing)]

use std::sync::Arc;

use seat_binding::Secret;
use seat_binding::authenticator::{AuthenticatorKeys, Role};
use seat_binding::binder::ExpatLabel;
use seat_binding::exporter::RecordedExporter;
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::{HashAlgorithm, SignatureAlgorithm, SigningKey};
use seat_conformance::generate;
use seat_proto::Error;
use seat_proto::authenticator::{self, SentRequest, Solicitation};
use seat_proto::chain::{DangerousSelfSignedVerifier, Purpose};
use seat_proto::codepoints::{AlertDescription, CodePoints, SignatureScheme};
use seat_proto::ext::{EntryExtension, EntryExtensions};
use seat_proto::hooks::{
    self, AppraisalRequest, AttestationHooks, EvidenceRequest, Mechanism, Rejection, Stage,
};
use seat_proto::message::{
    CertData, CertificateEntry, CertificateVerify, Finished, SignatureBytes,
};
use seat_proto::session::{Credential, Event, ExchangeId, Input, Session, SessionConfig};
use seat_proto::shim::{self, CmwForms, Deframer, Frame, Hello, Models};

/// 2026-06-01T00:00:00Z, inside the validity of the example certificate (2026 to 2036).
pub(crate) const NOW: u64 = 1_780_272_000;

/// Expat digest section 6.5: the ClientCertificateRequest (53 bytes): context 0x00..0x1f,
/// signature_algorithms [ed25519, ecdsa_secp256r1_sha256], empty cmw_attestation on 0xffff.
pub(crate) const REQUEST_6_5: &str = "1100003120000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f000e000d0006000408070403ffff0000";

/// Expat digest section 6.5: the complete server authenticator (648 bytes).
pub(crate) const AUTHENTICATOR_6_5: &str = concat!(
    "0b00021820000102030405060708090a0b0c0d0e0f101112131415161718191a",
    "1b1c1d1e1f0001f40000e53081e2308195a003020102020101300506032b6570",
    "301b3119301706035504030c1061747465737465722e6578616d706c65301e17",
    "0d3236303130313030303030305a170d3336303130313030303030305a301b31",
    "19301706035504030c1061747465737465722e6578616d706c65302a30050603",
    "2b65700321002543b92ff1095511476adc8369db6ddc933665a11978dda1404e",
    "e1066ca9559d300506032b65700341004b053a7fc35fca4b4c3cc0eb5c24b58a",
    "249ee0e2304f9298271e33fa15da8cc8091f6d57bfee5035b52886960e9c5b3b",
    "8dbe8c0c4ca71a82b335d19ef0087108010affff010601045b226170706c6963",
    "6174696f6e2f766e642e6578616d706c652e746f792d65766964656e63652b6a",
    "736f6e222c2265794a696157356b5a5849694f694934596a426d4f54557a4e54",
    "5a6c5a4756684f4455784d545a6b596a5a6b4e574e684e446c6d4d474d335957",
    "4e6d4d44526c4d3251774d324e6b5a5745794f4445794d7a4d774d7a51345932",
    "466959544e694f4759774969776959576c7258334231596c396f59584e6f496a",
    "6f694e7a67345a4755314d446b325a6a68694e544d775a57566d4f5464684e44",
    "41784e574e6d5a6d493359325a6c596a49324d474d794d7a63354e5749344e44",
    "5a695a6a67784d5449324f444a684f544e694d5445774d534a39225d0f000044",
    "0807004011cd6967ed597baa9f9cccb2d6aae65fe9cda9aa2b73933f2db5ef52",
    "cf3807e5732744fde6d912148a898bdcd4ff1bb88c9a3072a83f13b9df26f1e7",
    "6e98e00014000020584c90f78441c234dcb30bc9b22adea03c1b9538ca80fefc",
    "95be7e0bcc76ac61",
);

/// Expat digest section 6.5: the leaf's SubjectPublicKeyInfo.
pub(crate) const SPKI_6_5: &str =
    "302a300506032b65700321002543b92ff1095511476adc8369db6ddc933665a11978dda1404ee1066ca9559d";

pub(crate) fn hx(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// The parts of the section 6.5 authenticator, cut at the offsets its layout states:
/// Certificate `0b 000218 | 20 ctx(32) | 0001f4 | 0000e5 cert(229) | 010a | ffff 0106 | 0104
/// cmw(260)` (540 bytes), CertificateVerify (72), Finished (36).
pub(crate) struct Parts {
    pub(crate) certificate: Vec<u8>,
    pub(crate) certificate_verify: Vec<u8>,
    pub(crate) finished: Vec<u8>,
    pub(crate) cert_der: Vec<u8>,
    pub(crate) cmw: Vec<u8>,
}

pub(crate) fn parts_6_5() -> Parts {
    let a = hx(AUTHENTICATOR_6_5);
    assert_eq!(a.len(), 648);
    Parts {
        certificate: a[..540].to_vec(),
        certificate_verify: a[540..612].to_vec(),
        finished: a[612..].to_vec(),
        cert_der: a[43..43 + 229].to_vec(),
        cmw: a[280..540].to_vec(),
    }
}

/// The context of the example: 0x00..0x1f.
pub(crate) fn context_6_5() -> Vec<u8> {
    (0u8..32).collect()
}

/// The code points of the drafts' reference code (cmw_attestation = 0xffff).
pub(crate) fn reference_cp() -> CodePoints {
    CodePoints::default()
        .with_cmw_attestation(CodePoints::REFERENCE_CMW_ATTESTATION)
        .unwrap()
}

pub(crate) fn exporter(hash: HashAlgorithm) -> RecordedExporter {
    RecordedExporter::new(
        generate::provider(),
        hash,
        Protocol::Tls13,
        Secret::from_slice(&generate::exporter_master_secret(hash)),
    )
    .unwrap()
}

pub(crate) fn keys(hash: HashAlgorithm, role: Role) -> AuthenticatorKeys {
    AuthenticatorKeys::derive(generate::provider(), &exporter(hash), role).unwrap()
}

/// The attester key of the example (Ed25519 seed 0x40..0x5f).
pub(crate) fn ed25519_key() -> Box<dyn SigningKey> {
    generate::attester(SignatureAlgorithm::Ed25519).unwrap().key
}

pub(crate) fn request_6_5() -> SentRequest {
    SentRequest::decode(&hx(REQUEST_6_5), &reference_cp()).unwrap()
}

pub(crate) fn no_rng(_: &mut [u8]) {}

pub(crate) fn sha256(parts: &[&[u8]]) -> Vec<u8> {
    openssl::sha::sha256(&parts.concat()).to_vec()
}

/// The example request's schemes, in a server's CertificateRequest (type 13).
pub(crate) fn server_request_6_5() -> SentRequest {
    SentRequest::server_request(
        context_6_5(),
        &[
            SignatureScheme::ED25519,
            SignatureScheme::ECDSA_SECP256R1_SHA256,
        ],
        true,
        &reference_cp(),
    )
    .unwrap()
}

/// `authenticator::build` with the example's certificate and Ed25519 key, the reference
/// code points, and `cmw` on the first entry.
pub(crate) fn build(
    keys: &AuthenticatorKeys,
    solicitation: &Solicitation<'_>,
    cmw: Option<&[u8]>,
) -> Result<Vec<u8>, Error> {
    authenticator::build(
        keys,
        solicitation,
        &[parts_6_5().cert_der],
        ed25519_key().as_ref(),
        cmw,
        &reference_cp(),
        &mut no_rng,
    )
}

/// Signs a hand-assembled Certificate message as `keys`' role would, correctly, with the
/// example key under `scheme`: CertificateVerify and Finished over the given transcript.
pub(crate) fn sign(
    keys: &AuthenticatorKeys,
    request: Option<&[u8]>,
    certificate: &[u8],
    scheme: SignatureScheme,
) -> Vec<u8> {
    let sig = keys
        .sign_certificate_verify(request, certificate, ed25519_key().as_ref(), &mut no_rng)
        .unwrap();
    let cv = CertificateVerify {
        algorithm: scheme,
        signature: SignatureBytes::new(sig).unwrap(),
    }
    .to_vec();
    let mac = keys.finished_mac(request, certificate, &cv);
    let fin = Finished::new(mac.as_bytes().to_vec()).unwrap().to_vec();
    [certificate.to_vec(), cv, fin].concat()
}

pub(crate) fn entry(der: &[u8], extensions: Vec<EntryExtension>) -> CertificateEntry {
    CertificateEntry {
        cert_data: CertData::new(der.to_vec()).unwrap(),
        extensions: EntryExtensions::new(extensions).unwrap(),
    }
}

/// The session configuration of one side: the reference code points, the example's
/// signature schemes, a self-signed-certificate chain policy.
pub(crate) fn config(role: Role, attests: Models, requires: Models) -> SessionConfig {
    let purpose = if role == Role::Server {
        Purpose::Client
    } else {
        Purpose::Server
    };
    SessionConfig::builder(generate::provider())
        .attests(attests)
        .requires(requires)
        .chain_verifier(Arc::new(DangerousSelfSignedVerifier::dangerous_new(
            purpose,
        )))
        .code_points(reference_cp())
        .signature_schemes(vec![
            SignatureScheme::ED25519,
            SignatureScheme::ECDSA_SECP256R1_SHA256,
        ])
        .build()
        .unwrap()
}

/// The example's attester identity: its self-signed certificate and Ed25519 key.
fn credential() -> Credential {
    Credential {
        chain: vec![parts_6_5().cert_der],
        key: Arc::from(ed25519_key()),
    }
}

/// Contexts 0x00..0x1f, then 0x20..0x3f, and so on: the first is the example's.
fn counting_rng() -> Box<dyn seat_binding::provider::RandomSource + Send> {
    let mut next = 0u8;
    Box::new(move |d: &mut [u8]| {
        for b in d.iter_mut() {
            *b = next;
            next = next.wrapping_add(1);
        }
    })
}

pub(crate) fn session(config: SessionConfig, role: Role) -> Session {
    let credential = (!config.attests.is_empty()).then(credential);
    Session::new(Arc::new(config), role, credential, counting_rng())
}

/// What one side did.
#[derive(Default)]
pub(crate) struct Log {
    pub(crate) frames: Vec<Frame>,
    pub(crate) events: Vec<Event>,
    pub(crate) evidence: Vec<(Vec<u8>, Vec<u8>, Models)>,
    pub(crate) appraisals: Vec<Appraised>,
    deframer: Deframer,
}

impl Log {
    /// Logs the frames in what this side sent.
    fn sent(&mut self, bytes: &[u8]) {
        self.deframer.push(bytes);
        while let Ok(Some(f)) = self.deframer.next_frame() {
            self.frames.push(f);
        }
    }

    pub(crate) fn failed(&self) -> Option<&Error> {
        self.events.iter().find_map(|e| match e {
            Event::Failed { error, .. } => Some(error),
            _ => None,
        })
    }

    pub(crate) fn alerts(&self) -> Vec<AlertDescription> {
        self.frames
            .iter()
            .filter_map(|f| match f {
                Frame::Error { alert, .. } => Some(*alert),
                _ => None,
            })
            .collect()
    }

    pub(crate) fn requests(&self) -> Vec<Vec<u8>> {
        self.frames
            .iter()
            .filter_map(|f| match f {
                Frame::Request { message, .. } => Some(message.clone()),
                _ => None,
            })
            .collect()
    }

    pub(crate) fn authenticators(&self) -> Vec<Vec<u8>> {
        self.frames
            .iter()
            .filter_map(|f| match f {
                Frame::Authenticator { message, .. } => Some(message.clone()),
                _ => None,
            })
            .collect()
    }
}

/// Two sessions over one recorded exporter; the Attester returns `cmw(binder)`, the Verifier
/// accepts exactly when the CMW is `cmw(binder recomputed by the relying party)`.
pub(crate) struct Pair {
    pub(crate) exporter: seat_binding::exporter::RecordedExporter,
    pub(crate) client: Session,
    pub(crate) server: Session,
    pub(crate) client_log: Log,
    pub(crate) server_log: Log,
    pub(crate) cmw: fn(&[u8]) -> Vec<u8>,
    pub(crate) verify: fn(&Appraised) -> bool,
    pub(crate) attest: bool,
}

/// The Verifier: accepts exactly Evidence that embeds the binder the relying party
/// recomputed.
fn embeds_the_binder(a: &Appraised) -> bool {
    a.cmw == evidence_embedding_binder(&a.binder)
}

pub(crate) fn evidence_embedding_binder(binder: &[u8]) -> Vec<u8> {
    [b"evidence:".as_slice(), binder].concat()
}

impl Pair {
    pub(crate) fn new(client: SessionConfig, server: SessionConfig) -> Self {
        Self {
            exporter: exporter(HashAlgorithm::Sha256),
            client: session(client, Role::Client),
            server: session(server, Role::Server),
            client_log: Log::default(),
            server_log: Log::default(),
            cmw: evidence_embedding_binder,
            verify: embeds_the_binder,
            attest: true,
        }
    }

    /// The client requires the background-check model, the server attests with it.
    pub(crate) fn background_check() -> Self {
        Self::new(
            config(Role::Client, Models::NONE, Models::BACKGROUND_CHECK),
            config(Role::Server, Models::BACKGROUND_CHECK, Models::NONE),
        )
    }

    pub(crate) fn establish(&mut self) {
        let _ = self.client.handle(Input::Established {
            exporter: &self.exporter,
            now: NOW,
        });
        let _ = self.server.handle(Input::Established {
            exporter: &self.exporter,
            now: NOW,
        });
        self.drain();
    }

    /// Runs both sides until neither has anything to do.
    pub(crate) fn drain(&mut self) {
        let mut to_server = Vec::new();
        let mut to_client = Vec::new();
        for _ in 0..100 {
            let (cmw, verify, attest) = (self.cmw, self.verify, self.attest);
            let mut client = TestHooks {
                log: &mut self.client_log,
                cmw,
                verify,
                attest,
            };
            let _ = hooks::drive(
                &mut self.client,
                &mut client,
                NOW,
                &mut to_server,
                &mut Vec::new(),
            );
            let mut server = TestHooks {
                log: &mut self.server_log,
                cmw,
                verify,
                attest,
            };
            let _ = hooks::drive(
                &mut self.server,
                &mut server,
                NOW,
                &mut to_client,
                &mut Vec::new(),
            );
            self.client_log.sent(&to_server);
            self.server_log.sent(&to_client);
            if to_server.is_empty() && to_client.is_empty() {
                return;
            }
            if !to_server.is_empty() {
                let _ = receive(&mut self.server, &to_server, &self.exporter);
            }
            if !to_client.is_empty() {
                let _ = receive(&mut self.client, &to_client, &self.exporter);
            }
            to_server.clear();
            to_client.clear();
        }
        panic!("the pair did not settle");
    }
}

/// One side's hooks: the Attester returns `cmw(binder)` (or declines unless `attest`), the
/// Verifier applies `verify`; everything is logged.
struct TestHooks<'a> {
    log: &'a mut Log,
    cmw: fn(&[u8]) -> Vec<u8>,
    verify: fn(&Appraised) -> bool,
    attest: bool,
}

impl AttestationHooks for TestHooks<'_> {
    type Accepted = ();

    fn produce_evidence(&mut self, r: &EvidenceRequest<'_>) -> Option<Vec<u8>> {
        let Mechanism::Expat { model } = r.mechanism else {
            return None;
        };
        self.log
            .evidence
            .push((r.binder.to_vec(), r.aik_pub_hash.to_vec(), model.models()));
        self.attest.then(|| (self.cmw)(r.binder))
    }

    fn appraise(&mut self, r: &AppraisalRequest<'_>) -> Result<(), Rejection> {
        let a = Appraised {
            exchange: r.exchange,
            cmw: r.cmw.to_vec(),
            binder: r.binder.to_vec(),
            aik_pub_hash: r.aik_pub_hash.to_vec(),
            context: r.context.to_vec(),
            chain: r.chain.iter().map(|c| c.to_vec()).collect(),
        };
        let accepted = (self.verify)(&a);
        self.log.appraisals.push(a);
        if accepted {
            Ok(())
        } else {
            Err(Rejection::new(Stage::Binding, "binder differs"))
        }
    }

    fn event(&mut self, event: &Event) {
        self.log.events.push(event.clone());
    }
}

/// What one appraisal was asked, owned.
pub(crate) struct Appraised {
    pub(crate) exchange: Option<ExchangeId>,
    pub(crate) cmw: Vec<u8>,
    pub(crate) binder: Vec<u8>,
    pub(crate) aik_pub_hash: Vec<u8>,
    pub(crate) context: Vec<u8>,
    pub(crate) chain: Vec<Vec<u8>>,
}

/// A hello frame as a peer with `attests`/`requires` and the reference code points sends it.
pub(crate) fn hello(attests: Models, requires: Models) -> Vec<u8> {
    Frame::Hello(Hello {
        version: shim::VERSION,
        attests,
        requires,
        cmw_forms: CmwForms::BOTH,
        cmw_attestation: reference_cp().cmw_attestation(),
        label: ExpatLabel::Attestation.as_bytes().to_vec(),
    })
    .to_vec()
    .unwrap()
}

pub(crate) fn request_frame(exchange: u32, message: Vec<u8>) -> Vec<u8> {
    Frame::Request { exchange, message }.to_vec().unwrap()
}

/// One session of `config` in `role`, established over the example's SHA-256 exporter.
pub(crate) fn established(config: SessionConfig, role: Role) -> (Session, RecordedExporter) {
    let mut s = session(config, role);
    let exporter = exporter(HashAlgorithm::Sha256);
    s.handle(Input::Established {
        exporter: &exporter,
        now: NOW,
    })
    .unwrap();
    (s, exporter)
}

/// Hands `bytes` from the peer to `session`.
pub(crate) fn receive(
    session: &mut Session,
    bytes: &[u8],
    exporter: &RecordedExporter,
) -> Result<(), Error> {
    session.handle(Input::Received {
        bytes,
        exporter,
        now: NOW,
    })
}

/// The whole frames in `bytes`.
pub(crate) fn frames(bytes: &[u8]) -> Vec<Frame> {
    let mut d = Deframer::new();
    d.push(bytes);
    std::iter::from_fn(|| d.next_frame().ok().flatten()).collect()
}
