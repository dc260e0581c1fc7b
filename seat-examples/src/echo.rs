//! The attested echo over TCP loopback with std and rustls (blocking): a server thread and a
//! client, each with its simulated TEE, attest as the options say, then the client sends a
//! message and the server echoes it.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use rustls::{ClientConnection, ServerConnection};
use seat_proto::rustls_glue::AttestedStream;
use seat_proto::shim::Models;
use seat_verify::embedded::now;

use crate::memory::{Peers, Setup};
use crate::platforms::TeeKind;

/// Which peers attest, in which model, and how the client authenticates.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// The server attests to the client.
    pub server_attests: bool,
    /// The client attests to the server.
    pub client_attests: bool,
    /// Background check or passport.
    pub model: Models,
    /// The client has a TLS client certificate (otherwise it attests anonymously with a key
    /// its TEE mints).
    pub client_certificate: bool,
    /// The client's platform runs an unexpected kernel (its attestation must fail).
    pub client_tampered: bool,
    /// The server's platform runs an unexpected kernel (its attestation must fail).
    pub server_tampered: bool,
    /// The platform both sides attest with.
    pub tee: TeeKind,
    /// A server that requires the client's attestation sends its request in its first TLS
    /// flight (default); off, after the client's `Finished`
    /// ([`SessionConfigBuilder::first_flight_request`](seat_proto::session::SessionConfigBuilder::first_flight_request)).
    pub first_flight_request: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            server_attests: true,
            client_attests: true,
            model: Models::BACKGROUND_CHECK,
            client_certificate: false,
            client_tampered: false,
            server_tampered: false,
            tee: TeeKind::Sim,
            first_flight_request: true,
        }
    }
}

/// What happened on each side.
#[derive(Debug, Default)]
pub struct Report {
    /// The server's account.
    pub server: Vec<String>,
    /// The client's account.
    pub client: Vec<String>,
    /// What the server echoed back, if the exchange got that far.
    pub echoed: Option<String>,
    /// The first error, if any.
    pub error: Option<String>,
}

/// Runs the echo of `message` under `opts`.
pub fn run(opts: Options, message: &str) -> Report {
    match run_inner(opts, message) {
        Ok(report) => report,
        Err(error) => Report {
            error: Some(error),
            ..Report::default()
        },
    }
}

fn run_inner(opts: Options, message: &str) -> Result<Report, String> {
    let setup = Setup::new(opts).map_err(|e| e.to_string())?;
    let Peers {
        client_session,
        client_hooks,
        server_session,
        server_hooks,
    } = setup.peers(now()).map_err(|e| e.to_string())?;
    let (client_account, server_account) = (client_hooks.account(), server_hooks.account());
    let server_tls = setup.server().tls_config();
    let client_tls = setup.client().tls_config();
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;

    let server_log = server_account.clone();
    let server = thread::spawn(move || -> Result<(), String> {
        let result = (|| -> Result<(), String> {
            let (sock, _) = listener.accept().map_err(|e| e.to_string())?;
            sock.set_read_timeout(Some(Duration::from_secs(10)))
                .map_err(|e| e.to_string())?;
            let conn = ServerConnection::new(server_tls).map_err(|e| e.to_string())?;
            let mut stream = AttestedStream::establish(conn, sock, server_session, server_hooks)
                .map_err(|e| e.to_string())?;
            let mut line = String::new();
            BufReader::new(&mut stream)
                .read_line(&mut line)
                .map_err(|e| e.to_string())?;
            stream
                .write_all(line.as_bytes())
                .map_err(|e| e.to_string())?;
            stream.flush().map_err(|e| e.to_string())?;
            // Wait for the client's close_notify.
            let mut rest = Vec::new();
            let _ = std::io::Read::read_to_end(&mut stream, &mut rest);
            Ok(())
        })();
        if let Err(e) = &result {
            server_log.note(format!("server: {e}"));
        }
        result
    });

    let mut report = Report::default();
    let client_result = (|| -> Result<String, String> {
        let sock = TcpStream::connect(addr).map_err(|e| e.to_string())?;
        sock.set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        let server_name = "localhost"
            .try_into()
            .map_err(|_| "bad server name".to_string())?;
        let conn = ClientConnection::new(client_tls, server_name).map_err(|e| e.to_string())?;
        let mut stream = AttestedStream::establish(conn, sock, client_session, client_hooks)
            .map_err(|e| e.to_string())?;
        stream
            .write_all(format!("{message}\n").as_bytes())
            .map_err(|e| e.to_string())?;
        stream.flush().map_err(|e| e.to_string())?;
        let mut line = String::new();
        BufReader::new(&mut stream)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        stream.close().map_err(|e| e.to_string())?;
        Ok(line.trim_end().to_string())
    })();
    match client_result {
        Ok(echoed) => report.echoed = Some(echoed),
        Err(e) => {
            client_account.note(format!("client: {e}"));
            report.error = Some(format!("client: {e}"));
        }
    }
    match server.join() {
        Ok(result) => {
            if let (Err(e), None) = (result, &report.error) {
                report.error = Some(format!("server: {e}"));
            }
        }
        Err(_) => report.error = Some("server thread panicked".to_string()),
    }
    report.client = client_account.lines();
    report.server = server_account.lines();
    Ok(report)
}
