//! `cargo xtask demo --dtls`: the attested echo over real DTLS 1.3 (BoringSSL) on UDP
//! loopback, with the simulated platform (TEEs, an in-process Verifier, self-signed
//! certificates).
//!
//! ```text
//! dtls-demo [--mode mutual|server|client] [--model background|passport] [--tampered-client]
//! ```
//!
//! With no flag it runs every mode in both models. It prints the negotiated protocol version
//! and cipher suite, who attested what, the verdicts, and the echo, and exits non-zero if
//! anything failed (or, with `--tampered-client`, if the tampered client was accepted).

use std::net::UdpSocket;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use seat_dtls::blocking::AttestedDtlsSocket;
use seat_dtls::config::{DEFAULT_MTU, connection};
use seat_dtls::core::{DtlsOptions, unix_now};
use seat_dtls::platform::{Options, Setup};
use seat_proto::shim::Models;

fn usage() -> ExitCode {
    eprintln!(
        "usage: dtls-demo [--mode mutual|server|client] [--model background|passport] [--tampered-client]"
    );
    ExitCode::from(2)
}

/// One echo of `message`; the lines to print, or the error with them.
fn echo(opts: Options, message: &str) -> Result<Vec<String>, (String, Vec<String>)> {
    let setup = Setup::new(opts).map_err(|e| (e, vec![]))?;
    let server_ctx = setup
        .server_context()
        .map_err(|e| (e.to_string(), vec![]))?;
    let client_ctx = setup
        .client_context()
        .map_err(|e| (e.to_string(), vec![]))?;
    let server_peer = setup.server().map_err(|e| (e, vec![]))?;
    let client_peer = setup.client(unix_now()).map_err(|e| (e, vec![]))?;
    let listener = UdpSocket::bind("127.0.0.1:0").map_err(|e| (e.to_string(), vec![]))?;
    let addr = listener.local_addr().map_err(|e| (e.to_string(), vec![]))?;
    let options = DtlsOptions::default();

    let server = thread::spawn(move || -> (Vec<String>, Result<(), String>) {
        let mut lines = Vec::new();
        let result = (|| -> Result<(), String> {
            let ssl = connection(&server_ctx, None, DEFAULT_MTU).map_err(|e| e.to_string())?;
            let mut s = AttestedDtlsSocket::accept(
                listener,
                ssl,
                server_peer.session,
                server_peer.platform,
                options,
            )
            .map_err(|e| e.to_string())?;
            let got = s.recv(Duration::from_secs(10)).map_err(|e| e.to_string())?;
            s.send(&got).map_err(|e| e.to_string())?;
            // Stay until the client has everything it needs (our acks, answers).
            let _ = s.recv(Duration::from_secs(2));
            lines.extend(s.close().account);
            Ok(())
        })();
        if let Err(e) = &result {
            lines.push(format!("server: {e}"));
        }
        (lines, result)
    });

    let mut lines = Vec::new();
    let client = (|| -> Result<String, String> {
        let sock = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        sock.connect(addr).map_err(|e| e.to_string())?;
        let ssl =
            connection(&client_ctx, Some("localhost"), DEFAULT_MTU).map_err(|e| e.to_string())?;
        let mut c = AttestedDtlsSocket::connect(
            sock,
            ssl,
            client_peer.session,
            client_peer.platform,
            options,
        )
        .map_err(|e| e.to_string())?;
        lines.push(format!(
            "client: negotiated {} with {}",
            c.core().protocol_version(),
            c.core().cipher_suite().unwrap_or("an unknown suite")
        ));
        c.send(message.as_bytes()).map_err(|e| e.to_string())?;
        // The echo, retrying if the datagram or its echo was lost.
        let echoed = c.recv(Duration::from_secs(10)).map_err(|e| e.to_string())?;
        let stats = c.stats();
        lines.push(format!(
            "client: DTLS handshake {:?}, gate open after {:?}, {} UDP datagrams sent, {} shim retransmissions",
            stats.handshake_time.unwrap_or_default(),
            stats.open_time.unwrap_or_default(),
            stats.udp_sent,
            stats.shim.retransmissions
        ));
        let _ = c.settle(Duration::from_secs(2));
        lines.extend(c.close().account);
        String::from_utf8(echoed).map_err(|e| e.to_string())
    })();
    let (server_lines, server_result) = server
        .join()
        .map_err(|_| ("the server thread panicked".to_string(), vec![]))?;
    let mut all = server_lines;
    all.extend(lines);
    match (client, server_result) {
        (Ok(echoed), Ok(())) => {
            all.push(format!("echo: {echoed:?}"));
            Ok(all)
        }
        (Err(e), _) => Err((format!("client: {e}"), all)),
        (_, Err(e)) => Err((format!("server: {e}"), all)),
    }
}

fn run(opts: Options) -> bool {
    let who = match (opts.server_attests, opts.client_attests) {
        (true, true) => "mutual attestation",
        (true, false) => "server attestation",
        _ => "client attestation",
    };
    let model = if opts.model == Models::PASSPORT {
        "passport"
    } else {
        "background check"
    };
    println!(
        "seat demo: attested echo over DTLS 1.3 (BoringSSL) on UDP loopback, {who}, {model} model"
    );
    let result = echo(opts, "hello, attested world");
    let lines = match &result {
        Ok(lines) | Err((_, lines)) => lines,
    };
    for line in lines {
        println!("  {line}");
    }
    match (result, opts.client_tampered) {
        (Ok(_), false) => {
            println!("result: success");
            true
        }
        (Err((e, _)), true) => {
            println!("the tampered client was refused as expected: {e}");
            println!("result: success");
            true
        }
        (Err((e, _)), false) => {
            println!("result: FAILED: {e}");
            false
        }
        (Ok(_), true) => {
            println!("result: FAILED: the tampered client was accepted");
            false
        }
    }
}

fn main() -> ExitCode {
    let mut opts = Options::default();
    let mut chosen = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        chosen = true;
        match arg.as_str() {
            "--mode" => match args.next().as_deref() {
                Some("mutual") => (opts.server_attests, opts.client_attests) = (true, true),
                Some("server") => (opts.server_attests, opts.client_attests) = (true, false),
                Some("client") => (opts.server_attests, opts.client_attests) = (false, true),
                _ => return usage(),
            },
            "--model" => match args.next().as_deref() {
                Some("background") => opts.model = Models::BACKGROUND_CHECK,
                Some("passport") => opts.model = Models::PASSPORT,
                _ => return usage(),
            },
            "--tampered-client" => opts.client_tampered = true,
            "-h" | "--help" => {
                let _ = usage();
                return ExitCode::SUCCESS;
            }
            _ => return usage(),
        }
    }
    let runs: Vec<Options> = if chosen {
        vec![opts]
    } else {
        let mut all = Vec::new();
        for model in [Models::BACKGROUND_CHECK, Models::PASSPORT] {
            for (server_attests, client_attests) in [(true, true), (true, false), (false, true)] {
                all.push(Options {
                    server_attests,
                    client_attests,
                    model,
                    client_tampered: false,
                });
            }
        }
        all
    };
    let mut ok = true;
    for o in runs {
        ok &= run(o);
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
