//! `cargo xtask demo`: the attested echo end to end on TCP loopback with the embedded
//! defaults (simulated TEEs, an in-process Verifier, fresh self-signed certificates).
//!
//! ```text
//! demo [--mode mutual|server|client] [--model background|passport]
//!      [--client-cert] [--tampered-client]
//! ```
//!
//! Mutual attestation in the background-check model by an anonymous client is the default.
//! It prints who attested what, the binder, the verdict and the trust status, and exits
//! non-zero if anything failed (or, with `--tampered-client`, if the tampered client was
//! accepted).

use std::process::ExitCode;

use seat_examples::echo::{self, Options};
use seat_proto::shim::Models;

fn usage() -> ExitCode {
    eprintln!(
        "usage: demo [--mode mutual|server|client] [--model background|passport] [--client-cert] [--tampered-client]"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut opts = Options::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
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
            "--client-cert" => opts.client_certificate = true,
            "--tampered-client" => opts.client_tampered = true,
            "-h" | "--help" => {
                let _ = usage();
                return ExitCode::SUCCESS;
            }
            _ => return usage(),
        }
    }
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
    let client = if opts.client_certificate {
        "with a TLS client certificate"
    } else {
        "without a client certificate"
    };
    println!("seat demo: attested echo over TCP loopback, {who}, {model} model, client {client}");
    let report = echo::run(opts, "hello, attested world");
    for line in report.server.iter().chain(&report.client) {
        println!("  {line}");
    }
    match (&report.echoed, &report.error, opts.client_tampered) {
        (Some(echoed), None, false) => {
            println!("echo: {echoed:?}");
            println!("result: success");
            ExitCode::SUCCESS
        }
        (None, Some(error), true) => {
            println!("the tampered client was refused as expected: {error}");
            println!("result: success");
            ExitCode::SUCCESS
        }
        (_, Some(error), _) => {
            println!("result: FAILED: {error}");
            ExitCode::FAILURE
        }
        _ => {
            println!("result: FAILED: the tampered client was accepted");
            ExitCode::FAILURE
        }
    }
}
