//! Two attested sessions over a real rustls TLS 1.3 connection held in memory, with every byte
//! moved by hand: no socket, no thread, no clock but the one passed in. This is the whole
//! driving contract in one place, and what the tests use to run every combination.

use std::ops::DerefMut;
use std::sync::{Arc, Mutex};

use rustls::server::WebPkiClientVerifier;
use rustls::{
    ClientConfig, ClientConnection, ConnectionCommon, RootCertStore, ServerConfig, ServerConnection,
};
use seat_binding::authenticator::Role;
use seat_binding::exporter::rustls_adapter::{RustlsConnection, RustlsExporter};
use seat_binding::provider::aws_lc::AwsLcRandom;
use seat_binding::provider::{SignatureAlgorithm, default_provider};
use seat_evidence::sim::SimulatedTee;
use seat_proto::Error;
use seat_proto::chain::{ChainVerifier, DangerousSelfSignedVerifier, Purpose, WebPkiVerifier};
use seat_proto::hooks::{AttestationHooks, EvidenceRequest, Mechanism};
use seat_proto::rustls_glue::{harden_client_config, harden_server_config};
use seat_proto::session::{Action, Credential, Event, Input, Session, SessionConfig};
use seat_proto::shim::Models;

use crate::echo::Options;
use crate::{Identity, Platform, World, tee_config};

/// One side: its TLS connection, its session, its platform, and what it received.
pub struct Side<C> {
    /// The rustls connection.
    pub tls: C,
    /// The attested session.
    pub session: Session,
    /// The attestation hooks.
    pub platform: Platform,
    /// Application bytes delivered by the session.
    pub delivered: Vec<u8>,
    /// Events, in order.
    pub events: Vec<Event>,
    /// The session error, once it failed.
    pub error: Option<Error>,
}

impl<C> core::fmt::Debug for Side<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Side")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl<C, D> Side<C>
where
    C: DerefMut<Target = ConnectionCommon<D>>,
    ConnectionCommon<D>: RustlsConnection,
{
    /// Feeds `input` and acts on every action: TLS writes, Evidence, appraisal.
    fn handle(&mut self, input: Input<'_>, now: u64) {
        if let Err(e) = self.session.handle(input)
            && self.session.is_failed()
        {
            self.error.get_or_insert(e);
        }
        self.drain(now);
    }

    fn drain(&mut self, now: u64) {
        while let Some(action) = self.session.poll_action() {
            match action {
                Action::Send(bytes) => {
                    let _ = std::io::Write::write_all(&mut self.tls.writer(), &bytes);
                }
                Action::ProduceEvidence {
                    exchange,
                    binder,
                    aik_pub_hash,
                    model,
                } => {
                    let request = EvidenceRequest::new(
                        Mechanism::Expat { model },
                        Some(exchange),
                        &binder,
                        &aik_pub_hash,
                        now,
                    );
                    let input = match self.platform.produce_evidence(&request) {
                        Some(cmw) => Input::Evidence { exchange, cmw },
                        None => Input::Decline { exchange },
                    };
                    self.handle(input, now);
                }
                Action::Appraise(appraisal) => {
                    let verdict = self.platform.appraise(&appraisal.request(now)).map(|_| ());
                    self.handle(
                        Input::Verdict {
                            exchange: appraisal.exchange,
                            verdict,
                        },
                        now,
                    );
                }
                Action::Deliver(bytes) => self.delivered.extend(bytes),
                Action::Event(event) => {
                    self.platform.event(&event);
                    self.events.push(event);
                }
                _ => {}
            }
        }
    }

    /// Reads whatever plaintext TLS has and feeds it to the session.
    pub fn pump_plaintext(&mut self, now: u64) {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match std::io::Read::read(&mut self.tls.reader(), &mut buf) {
                Ok(n) if n > 0 => n,
                _ => return,
            };
            let Ok(exporter) = RustlsExporter::new(&*self.tls) else {
                return;
            };
            let result = self.session.handle(Input::Received {
                bytes: buf.get(..n).unwrap_or_default(),
                exporter: &exporter,
                now,
            });
            if let Err(e) = result
                && self.session.is_failed()
            {
                self.error.get_or_insert(e);
            }
            self.drain(now);
        }
    }

    /// Tells the session the handshake completed.
    fn establish(&mut self, now: u64) {
        let exporter = match RustlsExporter::new(&*self.tls) {
            Ok(e) => e,
            Err(_) => return,
        };
        let result = self.session.handle(Input::Established {
            exporter: &exporter,
            now,
        });
        if let Err(e) = result {
            self.error.get_or_insert(e);
        }
        self.drain(now);
    }

    /// Asks the peer to attest again.
    pub fn reattest(&mut self, now: u64) {
        let Ok(exporter) = RustlsExporter::new(&*self.tls) else {
            return;
        };
        let result = self.session.handle(Input::Reattest {
            exporter: &exporter,
            now,
        });
        if let Err(e) = result {
            self.error.get_or_insert(e);
        }
        self.drain(now);
    }

    /// Writes application data through the session (refused while its gate is closed).
    ///
    /// # Errors
    ///
    /// The session's refusal.
    pub fn send(&mut self, data: &[u8], now: u64) -> Result<(), Error> {
        self.session.handle(Input::Send(data))?;
        self.drain(now);
        Ok(())
    }
}

/// A connected pair in memory.
#[derive(Debug)]
pub struct MemoryPair {
    /// The client side.
    pub client: Side<ClientConnection>,
    /// The server side.
    pub server: Side<ServerConnection>,
    /// The time both sides are told.
    pub now: u64,
}

/// Moves the TLS records `from` has to write into `to`; whether anything moved.
pub fn move_tls<A, B>(from: &mut ConnectionCommon<A>, to: &mut ConnectionCommon<B>) -> bool {
    let mut buf = Vec::new();
    while from.wants_write() {
        if from.write_tls(&mut buf).is_err() {
            break;
        }
    }
    if buf.is_empty() {
        return false;
    }
    let mut rd = &buf[..];
    while !rd.is_empty() {
        if to.read_tls(&mut rd).is_err() || to.process_new_packets().is_err() {
            break;
        }
    }
    true
}

/// The two peers of one connection, before any byte moves.
#[derive(Debug)]
pub struct Peers {
    /// The client's session.
    pub client_session: Session,
    /// The client's attestation hooks.
    pub client_platform: Platform,
    /// The server's session.
    pub server_session: Session,
    /// The server's attestation hooks.
    pub server_platform: Platform,
}

/// Everything that outlives one connection: the trust (one Verifier and its policy), the TLS
/// identities and configurations. [`Setup::connect`] then makes one attested connection.
#[derive(Debug)]
pub struct Setup {
    opts: Options,
    world: Arc<World>,
    server_tee: Arc<Mutex<SimulatedTee>>,
    client_tee: Arc<Mutex<SimulatedTee>>,
    server_id: Identity,
    client_id: Identity,
    client_tls: Arc<ClientConfig>,
    server_tls: Arc<ServerConfig>,
}

impl Setup {
    /// Prepares connections for `opts`.
    ///
    /// # Errors
    ///
    /// A set-up failure (keys, certificates, TLS configuration).
    pub fn new(opts: Options) -> Result<Self, String> {
        let provider = default_provider();
        let server_tee =
            SimulatedTee::new(tee_config(0x11, false), provider).map_err(|e| e.to_string())?;
        let client_tee = SimulatedTee::new(tee_config(0x22, opts.client_tampered), provider)
            .map_err(|e| e.to_string())?;
        let world = Arc::new(World::new(&[&server_tee, &client_tee])?);
        let server_id = Identity::new("localhost")?;
        let client_id = Identity::new("client.example")?;

        let mut roots = RootCertStore::empty();
        roots
            .add(server_id.certificate_der())
            .map_err(|e| e.to_string())?;
        let builder = ClientConfig::builder().with_root_certificates(roots);
        let mut client_tls = if opts.client_certificate {
            builder
                .with_client_auth_cert(vec![client_id.certificate_der()], client_id.key_der())
                .map_err(|e| e.to_string())?
        } else {
            builder.with_no_client_auth()
        };
        harden_client_config(&mut client_tls);
        let server_builder = if opts.client_certificate {
            let mut client_roots = RootCertStore::empty();
            client_roots
                .add(client_id.certificate_der())
                .map_err(|e| e.to_string())?;
            let v = WebPkiClientVerifier::builder(Arc::new(client_roots))
                .build()
                .map_err(|e| e.to_string())?;
            ServerConfig::builder().with_client_cert_verifier(v)
        } else {
            ServerConfig::builder().with_no_client_auth()
        };
        let mut server_tls = server_builder
            .with_single_cert(vec![server_id.certificate_der()], server_id.key_der())
            .map_err(|e| e.to_string())?;
        harden_server_config(&mut server_tls);
        Ok(Self {
            opts,
            world,
            server_id,
            client_id,
            client_tls: Arc::new(client_tls),
            server_tls: Arc::new(server_tls),
            server_tee: Arc::new(Mutex::new(server_tee)),
            client_tee: Arc::new(Mutex::new(client_tee)),
        })
    }

    /// The client's TLS configuration (hardened).
    pub fn client_tls(&self) -> Arc<ClientConfig> {
        Arc::clone(&self.client_tls)
    }

    /// The server's TLS configuration (hardened).
    pub fn server_tls(&self) -> Arc<ServerConfig> {
        Arc::clone(&self.server_tls)
    }

    /// Fresh sessions and platforms for one connection, on the TEEs this set-up shares across
    /// connections; an anonymous client gets a freshly minted attestation key.
    ///
    /// # Errors
    ///
    /// A key the provider cannot load, or a TEE that cannot mint.
    pub fn peers(&self, now: u64) -> Result<Peers, String> {
        let opts = self.opts;
        let provider = default_provider();
        let mut client_platform = Platform::shared(
            "client",
            Arc::clone(&self.client_tee),
            Arc::clone(&self.world),
        );
        let client_credential = if !opts.client_attests {
            None
        } else if opts.client_certificate {
            Some(self.client_id.credential()?)
        } else {
            // Anonymous client attestation: the server accepts this key only because the
            // Evidence binds it.
            let aik = client_platform.mint_aik(
                SignatureAlgorithm::EcdsaSecp256r1Sha256,
                "client.tee",
                now,
            )?;
            client_platform.account.push(format!(
                "client: TEE minted an ephemeral attestation key ({} byte self-signed certificate)",
                aik.certificate_der.len()
            ));
            Some(Credential {
                chain: vec![aik.certificate_der.clone()],
                key: provider
                    .signing_key_from_pkcs8(
                        SignatureAlgorithm::EcdsaSecp256r1Sha256,
                        &aik.pkcs8_der,
                    )
                    .map_err(|e| e.to_string())?
                    .into(),
            })
        };
        let client_ea_verifier: Arc<dyn ChainVerifier> = if opts.client_certificate {
            Arc::new(
                WebPkiVerifier::new([&self.client_id.certificate[..]], Purpose::Client)
                    .map_err(|e| e.to_string())?,
            )
        } else {
            Arc::new(DangerousSelfSignedVerifier::dangerous_new(Purpose::Client))
        };
        let server_ea_verifier: Arc<dyn ChainVerifier> = Arc::new(
            WebPkiVerifier::new([&self.server_id.certificate[..]], Purpose::Server)
                .map_err(|e| e.to_string())?,
        );
        let pick = |on: bool| if on { opts.model } else { Models::NONE };
        let session = |role, attests, requires, verifier, credential| {
            let config = SessionConfig::builder(provider)
                .attests(pick(attests))
                .requires(pick(requires))
                .chain_verifier(verifier)
                .build()
                .map_err(|e| e.to_string())?;
            Ok::<_, String>(Session::new(
                Arc::new(config),
                role,
                credential,
                Box::new(AwsLcRandom),
            ))
        };
        Ok(Peers {
            client_session: session(
                Role::Client,
                opts.client_attests,
                opts.server_attests,
                server_ea_verifier,
                client_credential,
            )?,
            client_platform,
            server_session: session(
                Role::Server,
                opts.server_attests,
                opts.client_attests,
                client_ea_verifier,
                opts.server_attests
                    .then(|| self.server_id.credential())
                    .transpose()?,
            )?,
            server_platform: Platform::shared(
                "server",
                Arc::clone(&self.server_tee),
                Arc::clone(&self.world),
            ),
        })
    }

    /// Makes one connection in memory: fresh peers, the TLS handshake, then attestation until
    /// nothing moves.
    ///
    /// # Errors
    ///
    /// A set-up failure, or a TLS handshake that does not complete.
    pub fn connect(&self, now: u64) -> Result<MemoryPair, String> {
        let peers = self.peers(now)?;
        let server_name = "localhost".try_into().map_err(|_| "bad name".to_string())?;
        let client_conn = ClientConnection::new(Arc::clone(&self.client_tls), server_name)
            .map_err(|e| e.to_string())?;
        let server_conn =
            ServerConnection::new(Arc::clone(&self.server_tls)).map_err(|e| e.to_string())?;
        let mut pair = MemoryPair {
            client: Side {
                tls: client_conn,
                session: peers.client_session,
                platform: peers.client_platform,
                delivered: Vec::new(),
                events: Vec::new(),
                error: None,
            },
            server: Side {
                tls: server_conn,
                session: peers.server_session,
                platform: peers.server_platform,
                delivered: Vec::new(),
                events: Vec::new(),
                error: None,
            },
            now,
        };
        for _ in 0..10 {
            if !pair.client.tls.is_handshaking() && !pair.server.tls.is_handshaking() {
                break;
            }
            move_tls(&mut pair.client.tls, &mut pair.server.tls);
            move_tls(&mut pair.server.tls, &mut pair.client.tls);
        }
        if pair.client.tls.is_handshaking() || pair.server.tls.is_handshaking() {
            return Err("the TLS handshake did not complete".to_string());
        }
        pair.client.establish(now);
        pair.server.establish(now);
        pair.run();
        Ok(pair)
    }
}

impl MemoryPair {
    /// Prepares and makes one connection for `opts` (see [`Setup`]).
    ///
    /// # Errors
    ///
    /// As [`Setup::new`] and [`Setup::connect`].
    pub fn connect(opts: Options, now: u64) -> Result<Self, String> {
        Setup::new(opts)?.connect(now)
    }

    /// Moves bytes both ways until nothing moves.
    pub fn run(&mut self) {
        for _ in 0..64 {
            let a = move_tls(&mut self.client.tls, &mut self.server.tls);
            self.server.pump_plaintext(self.now);
            let b = move_tls(&mut self.server.tls, &mut self.client.tls);
            self.client.pump_plaintext(self.now);
            if !a && !b {
                return;
            }
        }
    }

    /// Whether both gates are open and neither side failed.
    pub fn both_open(&self) -> bool {
        self.client.session.is_open() && self.server.session.is_open()
    }
}
