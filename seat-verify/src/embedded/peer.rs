//! The common roles, from named settings: a [`Server`] and a [`Client`] of an attested
//! connection, each holding its hardened rustls configuration, its session configuration and
//! what it needs per connection ([`Server::connection`], [`Client::connection`]: a fresh
//! [`Session`] and fresh [`EmbeddedHooks`]).

use std::sync::Arc;

use rustls::{ClientConfig, ServerConfig};
use rustls_pki_types::CertificateDer;
use seat_binding::authenticator::Role;
use seat_binding::provider::SignatureAlgorithm;
use seat_binding::provider::aws_lc::AwsLcRandom;
use seat_proto::chain::{ChainVerifier, DangerousSelfSignedVerifier, Purpose, WebPkiVerifier};
use seat_proto::rustls_glue::{TlsChainVerifier, harden_client_config, harden_server_config_for};
use seat_proto::session::{Credential, Session, SessionConfig};
use seat_proto::shim::Models;

use super::testing::Identity;
use super::{AnyTee, Embedded, EmbeddedHooks, SetupError, Tee};

fn tls_provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn web_pki(
    trust: &Embedded,
    certs: &[CertificateDer<'static>],
    purpose: Purpose,
) -> Result<Arc<dyn ChainVerifier>, SetupError> {
    Ok(Arc::new(
        WebPkiVerifier::with_algorithms(
            certs.iter().map(|c| &c[..]),
            purpose,
            trust.chain_algorithms(),
        )
        .map_err(SetupError::from_display)?,
    ))
}

/// A TLS identity as an authenticator credential, its key loaded once by the trust's
/// provider (the one the session signs and verifies with): the attestation is then bound to
/// the key that authenticated this side in TLS.
fn credential(trust: &Embedded, identity: &Identity) -> Result<Credential, SetupError> {
    let key = trust
        .provider
        .signing_key_from_pkcs8(
            SignatureAlgorithm::EcdsaSecp256r1Sha256,
            identity.pkcs8_der(),
        )
        .map_err(SetupError::from_display)?;
    Ok(Credential {
        chain: identity.chain(),
        key: key.into(),
    })
}

/// Settings of a [`Server`]; start with [`Server::builder`].
#[derive(Debug)]
#[must_use]
pub struct ServerBuilder {
    trust: Arc<Embedded>,
    identity: Identity,
    tee: Option<AnyTee>,
    attests: Models,
    requires: Models,
    client_roots: Vec<CertificateDer<'static>>,
    anonymous_clients: bool,
    first_flight_request: bool,
}

impl ServerBuilder {
    /// Whether the server sends its request for the client's attestation in its first TLS
    /// flight (default: on), see
    /// [`SessionConfigBuilder::first_flight_request`](seat_proto::session::SessionConfigBuilder::first_flight_request).
    /// rustls sends it there only to a client it did not ask for a TLS certificate
    /// ([`dangerous_anonymous_clients`](Self::dangerous_anonymous_clients)); otherwise it
    /// leaves after the client's `Finished`, as with this off.
    pub fn first_flight_request(mut self, on: bool) -> Self {
        self.first_flight_request = on;
        self
    }

    /// Attests with `tee` when a client asks, in the background-check model.
    pub fn attests(self, tee: &Tee) -> Self {
        self.attests_with(tee, Models::BACKGROUND_CHECK)
    }

    /// Attests with `tee` when a client asks, in `models`.
    pub fn attests_with(self, tee: &Tee, models: Models) -> Self {
        self.attests_on(&AnyTee::from(tee), models)
    }

    /// Attests with `tee` (the simulated TEE or any platform Attester) when a client asks,
    /// in `models`.
    pub fn attests_on(mut self, tee: &AnyTee, models: Models) -> Self {
        self.tee = Some(tee.clone());
        self.attests = models;
        self
    }

    /// Requires the client to attest in one of `models` before the server's gate opens.
    /// The client's key must be trusted: [`client_certificate`](Self::client_certificate) or
    /// [`dangerous_anonymous_clients`](Self::dangerous_anonymous_clients).
    pub fn requires(mut self, models: Models) -> Self {
        self.requires = models;
        self
    }

    /// Asks TLS clients for a certificate and trusts `client`'s (also for its
    /// authenticators).
    pub fn client_certificate(mut self, client: &Identity) -> Self {
        self.client_roots.push(client.certificate().clone());
        self
    }

    /// Accepts a client's authenticator signed by a self-signed key that only its Evidence
    /// vouches for (anonymous client attestation: the key is minted in the client's TEE per
    /// connection). The client's identity then rests entirely on its attestation.
    pub fn dangerous_anonymous_clients(mut self) -> Self {
        self.anonymous_clients = true;
        self
    }

    /// The server.
    ///
    /// # Errors
    ///
    /// [`SetupError`] if rustls refuses the identity or a trusted client certificate, or if
    /// client attestation is required with no way to trust the client's key.
    pub fn build(self) -> Result<Server, SetupError> {
        let provider = self.trust.provider;
        let builder = ServerConfig::builder_with_provider(tls_provider())
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(SetupError::from_display)?;
        // TLS validates client certificates with the very chain verifier the session
        // validates the client's authenticators with, so the session can reuse that
        // validation for the same chain (ARCHITECTURE.md, "Chain validation reused from the
        // handshake").
        let client_chains = if self.client_roots.is_empty() {
            None
        } else {
            Some(web_pki(&self.trust, &self.client_roots, Purpose::Client)?)
        };
        let builder = match &client_chains {
            None => builder.with_no_client_auth(),
            Some(chains) => builder.with_client_cert_verifier(Arc::new(TlsChainVerifier::new(
                Arc::clone(chains),
                tls_provider(),
            ))),
        };
        let mut tls = builder
            .with_single_cert(self.identity.chain(), self.identity.private_key())
            .map_err(SetupError::from_display)?;
        let attests = if self.tee.is_some() {
            self.attests
        } else {
            Models::NONE
        };
        let mut session = SessionConfig::builder(provider)
            .attests(attests)
            .requires(self.requires)
            .first_flight_request(self.first_flight_request);
        if self.anonymous_clients {
            session = session.chain_verifier(Arc::new(
                DangerousSelfSignedVerifier::dangerous_with_algorithms(
                    Purpose::Client,
                    self.trust.chain_algorithms(),
                ),
            ));
        } else if let Some(chains) = client_chains {
            session = session.chain_verifier_shared_with_handshake(chains);
        } else if !self.requires.is_empty() {
            return Err(SetupError::new(
                "client attestation is required but no client key is trusted \
                 (client_certificate or dangerous_anonymous_clients)",
            ));
        }
        let session = session.build().map_err(SetupError::from_display)?;
        // Hardened; 0.5-RTT data on only for the request a server that requires the client's
        // attestation sends in its first flight.
        harden_server_config_for(&mut tls, &session);
        let credential = match &self.tee {
            Some(_) => Some(credential(&self.trust, &self.identity)?),
            None => None,
        };
        Ok(Server {
            parts: Arc::new(ServerParts {
                trust: self.trust,
                credential,
                tee: self.tee,
            }),
            tls: Arc::new(tls),
            session: Arc::new(session),
        })
    }
}

/// What a server needs per connection.
#[derive(Debug)]
struct ServerParts {
    trust: Arc<Embedded>,
    tee: Option<AnyTee>,
    /// The credential authenticators are signed with (the TLS identity), when the server
    /// attests.
    credential: Option<Credential>,
}

impl ServerParts {
    fn per_connection(&self) -> (EmbeddedHooks, Option<Credential>) {
        let hooks = match &self.tee {
            Some(tee) => EmbeddedHooks::attester_on(&self.trust, tee),
            None => EmbeddedHooks::relying(&self.trust),
        };
        (hooks.named("server"), self.credential.clone())
    }
}

/// The server side of embedded attested connections: its rustls configuration (hardened:
/// no resumption, no early data) and, per connection, a session and hooks.
#[derive(Debug)]
pub struct Server {
    parts: Arc<ServerParts>,
    tls: Arc<ServerConfig>,
    session: Arc<SessionConfig>,
}

impl Server {
    /// A server presenting `identity` in TLS (and signing its authenticators with its key),
    /// appraising with `trust`; by default it neither attests nor requires anything.
    pub fn builder(trust: &Arc<Embedded>, identity: &Identity) -> ServerBuilder {
        ServerBuilder {
            trust: Arc::clone(trust),
            identity: identity.clone(),
            tee: None,
            attests: Models::NONE,
            requires: Models::NONE,
            client_roots: Vec::new(),
            anonymous_clients: false,
            first_flight_request: true,
        }
    }

    /// The rustls configuration.
    pub fn tls_config(&self) -> Arc<ServerConfig> {
        Arc::clone(&self.tls)
    }

    /// The session configuration.
    pub fn session_config(&self) -> Arc<SessionConfig> {
        Arc::clone(&self.session)
    }

    /// What each connection needs besides the session configuration: fresh hooks and, if
    /// the server attests, its credential (the shape the adapters take).
    pub fn per_connection(
        &self,
    ) -> impl Fn() -> (EmbeddedHooks, Option<Credential>) + Send + Sync + 'static {
        let parts = Arc::clone(&self.parts);
        move || parts.per_connection()
    }

    /// A fresh session and fresh hooks for one connection (for the blocking stream and for
    /// driving by hand).
    pub fn connection(&self) -> (Session, EmbeddedHooks) {
        let (hooks, credential) = self.parts.per_connection();
        let session = Session::new(
            self.session_config(),
            Role::Server,
            credential,
            Box::new(AwsLcRandom),
        );
        (session, hooks)
    }

    /// The tokio acceptor of this server (feature `tokio`).
    #[cfg(feature = "tokio")]
    pub fn acceptor(&self) -> seat_proto::tokio_glue::AttestedAcceptor<EmbeddedHooks> {
        seat_proto::tokio_glue::AttestedAcceptor::new(
            self.tls_config(),
            self.session_config(),
            self.per_connection(),
        )
    }
}

/// Settings of a [`Client`]; start with [`Client::builder`].
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    trust: Arc<Embedded>,
    server_roots: Vec<CertificateDer<'static>>,
    tee: Option<AnyTee>,
    attests: Models,
    requires: Models,
    identity: Option<Identity>,
}

impl ClientBuilder {
    /// Trusts `server`'s certificate, in TLS and for its authenticators.
    pub fn trusts(mut self, server: &Identity) -> Self {
        self.server_roots.push(server.certificate().clone());
        self
    }

    /// Requires the server to attest in one of `models` before the client's gate opens.
    pub fn requires(mut self, models: Models) -> Self {
        self.requires = models;
        self
    }

    /// Attests with `tee` when the server asks, in the background-check model.
    pub fn attests(self, tee: &Tee) -> Self {
        self.attests_with(tee, Models::BACKGROUND_CHECK)
    }

    /// Attests with `tee` when the server asks, in `models`: with its
    /// [`certificate`](Self::certificate) if it has one, else anonymously with a key the TEE
    /// mints per connection.
    pub fn attests_with(self, tee: &Tee, models: Models) -> Self {
        self.attests_on(&AnyTee::from(tee), models)
    }

    /// Attests with `tee` (the simulated TEE or any platform Attester) when the server asks,
    /// in `models`, as [`attests_with`](Self::attests_with) says.
    pub fn attests_on(mut self, tee: &AnyTee, models: Models) -> Self {
        self.tee = Some(tee.clone());
        self.attests = models;
        self
    }

    /// Presents `identity` as the TLS client certificate (and signs authenticators with it).
    pub fn certificate(mut self, identity: &Identity) -> Self {
        self.identity = Some(identity.clone());
        self
    }

    /// The client.
    ///
    /// # Errors
    ///
    /// [`SetupError`] if rustls refuses a trusted certificate or the client identity.
    pub fn build(self) -> Result<Client, SetupError> {
        // As on the server: one chain verifier for the TLS handshake and the authenticators.
        let server_chains = web_pki(&self.trust, &self.server_roots, Purpose::Server)?;
        let builder = ClientConfig::builder_with_provider(tls_provider())
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(SetupError::from_display)?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(TlsChainVerifier::new(
                Arc::clone(&server_chains),
                tls_provider(),
            )));
        let mut tls = match &self.identity {
            Some(id) => builder
                .with_client_auth_cert(id.chain(), id.private_key())
                .map_err(SetupError::from_display)?,
            None => builder.with_no_client_auth(),
        };
        harden_client_config(&mut tls);
        let attests = if self.tee.is_some() {
            self.attests
        } else {
            Models::NONE
        };
        let session = SessionConfig::builder(self.trust.provider)
            .attests(attests)
            .requires(self.requires)
            .chain_verifier_shared_with_handshake(server_chains)
            .build()
            .map_err(SetupError::from_display)?;
        let credential = match &self.identity {
            Some(identity) => Some(credential(&self.trust, identity)?),
            None => None,
        };
        Ok(Client {
            parts: Arc::new(ClientParts {
                trust: self.trust,
                tee: self.tee,
                credential,
            }),
            tls: Arc::new(tls),
            session: Arc::new(session),
        })
    }
}

/// What a client needs per connection.
#[derive(Debug)]
struct ClientParts {
    trust: Arc<Embedded>,
    tee: Option<AnyTee>,
    /// The TLS client identity as a credential, if any (otherwise an attesting client is
    /// anonymous).
    credential: Option<Credential>,
}

impl ClientParts {
    fn per_connection(&self, now: u64) -> Result<(EmbeddedHooks, Option<Credential>), SetupError> {
        let Some(tee) = &self.tee else {
            return Ok((EmbeddedHooks::relying(&self.trust).named("client"), None));
        };
        let mut hooks = EmbeddedHooks::attester_on(&self.trust, tee).named("client");
        if let Some(credential) = &self.credential {
            return Ok((hooks, Some(credential.clone())));
        }
        // Anonymous attestation: a key minted in the TEE for this connection.
        let alg = SignatureAlgorithm::EcdsaSecp256r1Sha256;
        let aik = hooks
            .mint_aik(alg, "client.tee", now)
            .map_err(SetupError::from_display)?;
        let key = self
            .trust
            .provider
            .signing_key_from_pkcs8(alg, &aik.pkcs8_der)
            .map_err(SetupError::from_display)?;
        let credential = Credential {
            chain: vec![aik.certificate_der.clone().into()],
            key: key.into(),
        };
        Ok((hooks, Some(credential)))
    }
}

/// The client side of embedded attested connections: its rustls configuration (hardened) and,
/// per connection, a session and hooks.
#[derive(Debug)]
pub struct Client {
    parts: Arc<ClientParts>,
    tls: Arc<ClientConfig>,
    session: Arc<SessionConfig>,
}

impl Client {
    /// A client appraising with `trust`; by default it trusts no server, requires nothing
    /// and does not attest.
    pub fn builder(trust: &Arc<Embedded>) -> ClientBuilder {
        ClientBuilder {
            trust: Arc::clone(trust),
            server_roots: Vec::new(),
            tee: None,
            attests: Models::NONE,
            requires: Models::NONE,
            identity: None,
        }
    }

    /// The rustls configuration.
    pub fn tls_config(&self) -> Arc<ClientConfig> {
        Arc::clone(&self.tls)
    }

    /// The session configuration.
    pub fn session_config(&self) -> Arc<SessionConfig> {
        Arc::clone(&self.session)
    }

    /// A fresh session and fresh hooks for one connection. An attesting client without a
    /// certificate gets a key its TEE mints for this connection (anonymous attestation),
    /// valid from the system clock's [`now`](super::now).
    ///
    /// # Errors
    ///
    /// [`SetupError`] if the TEE cannot mint a key or the provider cannot load it.
    pub fn connection(&self) -> Result<(Session, EmbeddedHooks), SetupError> {
        self.connection_at(super::now())
    }

    /// As [`connection`](Self::connection), dating a minted key at `now` (seconds since the
    /// Unix epoch).
    ///
    /// # Errors
    ///
    /// As [`connection`](Self::connection).
    pub fn connection_at(&self, now: u64) -> Result<(Session, EmbeddedHooks), SetupError> {
        let (hooks, credential) = self.parts.per_connection(now)?;
        let session = Session::new(
            self.session_config(),
            Role::Client,
            credential,
            Box::new(AwsLcRandom),
        );
        Ok((session, hooks))
    }

    /// What each connection needs besides the session configuration: fresh hooks and, if the
    /// client attests, its credential (a minted key for an anonymous client; if minting
    /// fails, the client declines to attest and its account says why).
    pub fn per_connection(
        &self,
    ) -> impl Fn() -> (EmbeddedHooks, Option<Credential>) + Send + Sync + 'static {
        let parts = Arc::clone(&self.parts);
        move || match parts.per_connection(super::now()) {
            Ok(pair) => pair,
            Err(e) => {
                let hooks = EmbeddedHooks::relying(&parts.trust).named("client");
                hooks.account().note(format!("client: cannot attest: {e}"));
                (hooks, None)
            }
        }
    }

    /// The tokio connector of this client (feature `tokio`).
    #[cfg(feature = "tokio")]
    pub fn connector(&self) -> seat_proto::tokio_glue::AttestedConnector<EmbeddedHooks> {
        seat_proto::tokio_glue::AttestedConnector::new(
            self.tls_config(),
            self.session_config(),
            self.per_connection(),
        )
    }
}
