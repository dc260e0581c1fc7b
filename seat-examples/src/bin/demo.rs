//! `cargo xtask demo`: the attested echo end to end on TCP loopback with the published
//! embedded defaults (`seat_verify::embedded`: simulated TEEs, an in-process Verifier, fresh
//! self-signed certificates).
//!
//! ```text
//! demo [--tee sim|tdx|snp|tpm|psa] [--mode mutual|server|client] [--model background|passport]
//!      [--client-cert] [--tampered-client] [--tampered-server]
//! ```
//!
//! `--tee` picks the platform both sides attest with (`seat_examples::platforms`): the
//! simulated TEE (default), or the Intel TDX simulator (DCAP quotes on a test root, appraised
//! by the same code as real quotes; needs the `tdx` feature, which `cargo xtask demo --tee tdx`
//! enables). A tampered TDX side has an unexpected RTMR2.
//!
//! Mutual attestation in the background-check model by an anonymous client is the default.
//! It prints who attested what, the binder, the verdict and the trust status, and exits
//! non-zero if anything failed. A tampered side that is asked to attest must be refused (the
//! demo prints the library's reason); a tampered side nobody asks to attest is reported as
//! such, and the echo goes through.

use std::process::ExitCode;

use seat_examples::echo::{self, Options};
use seat_examples::platforms::TeeKind;
use seat_proto::shim::Models;

fn usage() -> ExitCode {
    eprintln!(
        "usage: demo [--tee sim|tdx|snp|tpm|psa] [--mode mutual|server|client] [--model background|passport] [--client-cert] [--tampered-client] [--tampered-server]"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut opts = Options::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--tee" => match args.next().as_deref().and_then(TeeKind::from_name) {
                Some(kind) => opts.tee = kind,
                None => return usage(),
            },
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
            "--tampered-server" => opts.server_tampered = true,
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
    println!("platform: {}", opts.tee.describe());
    // Which tampered sides are asked to attest (and so must be refused).
    let refused_side = [
        ("server", opts.server_tampered, opts.server_attests),
        ("client", opts.client_tampered, opts.client_attests),
    ];
    for (side, tampered, asked) in refused_side {
        if tampered && !asked {
            println!("the tampered {side} was not asked to attest");
        }
    }
    let must_fail = refused_side
        .iter()
        .any(|(_, tampered, asked)| *tampered && *asked);
    let report = echo::run(opts, "hello, attested world");
    for line in report.server.iter().chain(&report.client) {
        println!("  {line}");
    }
    match (&report.echoed, &report.error, must_fail) {
        (Some(echoed), None, false) => {
            println!("echo: {echoed:?}");
            println!("result: success");
            ExitCode::SUCCESS
        }
        (_, Some(error), true) => {
            for (side, tampered, asked) in refused_side {
                if tampered && asked {
                    println!("the tampered {side} was refused as expected");
                }
            }
            println!("reason: {error}");
            println!("result: success");
            ExitCode::SUCCESS
        }
        (_, Some(error), false) => {
            println!("result: FAILED: {error}");
            ExitCode::FAILURE
        }
        _ => {
            println!("result: FAILED: a tampered side that was asked to attest was accepted");
            ExitCode::FAILURE
        }
    }
}
