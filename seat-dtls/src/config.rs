//! Hardened BoringSSL DTLS 1.3 configurations.
//!
//! Every context built here negotiates DTLS 1.3 only, issues and accepts no session tickets
//! (`SSL_OP_NO_TICKET`) and keeps no session cache, so no connection is resumed; with no
//! resumption there is no 0-RTT either (BoringSSL also leaves early data off unless enabled,
//! and the `boring` crate offers no switch to enable it). Certificates are validated by
//! BoringSSL against the trust given here: attestation never replaces that validation.
//!
//! BoringSSL cannot ask a `Read + Write` transport for the path MTU, so contexts set
//! `SSL_OP_NO_QUERY_MTU` and [`connection`] sets the MTU explicitly.

use std::sync::{Arc, Mutex, PoisonError};

use boring::pkey::PKey;
use boring::ssl::{
    Ssl, SslContext, SslContextBuilder, SslMethod, SslOptions, SslSessionCacheMode, SslVerifyMode,
    SslVersion,
};
use boring::x509::X509;

use crate::Error;

/// The MTU [`connection`] sets by default: a 1200-byte shim datagram plus the DTLS 1.3
/// record overhead fits, and the handshake is fragmented to it.
pub const DEFAULT_MTU: u32 = 1400;

fn harden(builder: &mut SslContextBuilder) -> Result<(), Error> {
    builder.set_min_proto_version(Some(SslVersion::DTLS1_3))?;
    builder.set_max_proto_version(Some(SslVersion::DTLS1_3))?;
    builder.set_options(SslOptions::NO_TICKET | SslOptions::NO_QUERY_MTU);
    builder.set_session_cache_mode(SslSessionCacheMode::OFF);
    Ok(())
}

fn trust(builder: &mut SslContextBuilder, certificates: &[&[u8]]) -> Result<(), Error> {
    for der in certificates {
        builder.cert_store_mut().add_cert(X509::from_der(der)?)?;
    }
    Ok(())
}

fn identity(
    builder: &mut SslContextBuilder,
    certificate: &[u8],
    pkcs8: &[u8],
) -> Result<(), Error> {
    let certificate = X509::from_der(certificate)?;
    let key = PKey::private_key_from_pkcs8(pkcs8)?;
    builder.set_certificate(&certificate)?;
    builder.set_private_key(&key)?;
    builder.check_private_key()?;
    Ok(())
}

/// A hardened server context presenting `certificate` (DER) with its PKCS#8 key. It asks
/// for no client certificate unless [`require_client_certificate`] is applied.
///
/// # Errors
///
/// [`Error::Tls`] when BoringSSL refuses a setting, the certificate or the key.
pub fn server_builder(certificate: &[u8], pkcs8: &[u8]) -> Result<SslContextBuilder, Error> {
    let mut builder = SslContext::builder(SslMethod::dtls())?;
    harden(&mut builder)?;
    identity(&mut builder, certificate, pkcs8)?;
    builder.set_verify(SslVerifyMode::NONE);
    Ok(builder)
}

/// Makes a server context demand a client certificate that chains to `trusted` (DER).
///
/// # Errors
///
/// [`Error::Tls`] for a certificate BoringSSL cannot parse.
pub fn require_client_certificate(
    builder: &mut SslContextBuilder,
    trusted: &[&[u8]],
) -> Result<(), Error> {
    trust(builder, trusted)?;
    builder.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
    Ok(())
}

/// A hardened client context that accepts only server certificates chaining to `trusted`
/// (DER); [`connection`] adds the host name check.
///
/// # Errors
///
/// [`Error::Tls`] when BoringSSL refuses a setting or a certificate.
pub fn client_builder(trusted: &[&[u8]]) -> Result<SslContextBuilder, Error> {
    let mut builder = SslContext::builder(SslMethod::dtls())?;
    harden(&mut builder)?;
    trust(&mut builder, trusted)?;
    builder.set_verify(SslVerifyMode::PEER);
    Ok(builder)
}

/// Makes a client context present `certificate` (DER) with its PKCS#8 key when asked.
///
/// # Errors
///
/// [`Error::Tls`] when BoringSSL refuses the certificate or the key.
pub fn client_certificate(
    builder: &mut SslContextBuilder,
    certificate: &[u8],
    pkcs8: &[u8],
) -> Result<(), Error> {
    identity(builder, certificate, pkcs8)
}

/// One connection of `context`: for a client, `server_name` is sent (SNI) and checked
/// against the server's certificate; `mtu` bounds every datagram BoringSSL writes.
///
/// # Errors
///
/// [`Error::Tls`] when BoringSSL refuses the name or the MTU.
pub fn connection(context: &SslContext, server_name: Option<&str>, mtu: u32) -> Result<Ssl, Error> {
    let mut ssl = Ssl::new(context)?;
    if let Some(name) = server_name {
        ssl.set_hostname(name)?;
        ssl.param_mut().set_host(name)?;
    }
    ssl.set_mtu(mtu)?;
    Ok(ssl)
}

/// The NSS key log lines BoringSSL writes for a context's connections, kept in memory.
///
/// For tests and debugging only: the lines hold every traffic secret of the connection.
#[derive(Clone, Debug, Default)]
pub struct KeyLog(Arc<Mutex<Vec<String>>>);

impl KeyLog {
    /// Installs a key log on `builder`.
    pub fn install(builder: &mut SslContextBuilder) -> Self {
        let log = Self::default();
        let sink = Arc::clone(&log.0);
        builder.set_keylog_callback(move |_, line| {
            sink.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(line.to_string());
        });
        log
    }

    /// The lines so far.
    pub fn lines(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The secret logged under `label` (such as `EXPORTER_SECRET`) for the connection whose
    /// ClientHello random is `client_random`, or for the only connection when `None`.
    pub fn secret(&self, label: &str, client_random: Option<&[u8]>) -> Option<Vec<u8>> {
        self.lines().iter().find_map(|line| {
            let mut parts = line.split(' ');
            if parts.next() != Some(label) {
                return None;
            }
            let random = hex::decode(parts.next()?).ok()?;
            if client_random.is_some_and(|r| r != random) {
                return None;
            }
            hex::decode(parts.next()?).ok()
        })
    }
}
