//! Use case 6, securing a management plane: an admin client connects to three management
//! endpoints and sends a configuration command only to the one whose firmware attests as
//! expected. The second endpoint boots a kernel whose measurement is off the reference values; the third does not
//! attest at all. The admin client refuses both, with the reason.

use std::io::{BufRead, BufReader, Write};
use std::process::ExitCode;

use seat_cli::net::{Peer, loopback, program_side};
use seat_proto::shim::Models;

/// Connects the admin client to one endpoint; `Ok(reply)` if the command went through.
fn manage(seed: &str, tampered: bool, attests: bool) -> Result<Result<String, String>, String> {
    let (endpoint, endpoint_trust) = program_side("endpoint", seed, tampered, None)?;
    let (admin, _) = program_side("admin", "admin-console", false, Some(&endpoint_trust))?;
    let admin_seen = admin.outcome();
    let endpoint = Peer {
        side: endpoint,
        attests: if attests {
            Models::BACKGROUND_CHECK
        } else {
            Models::NONE
        },
        requires: Models::NONE,
    };
    let admin = Peer {
        side: admin,
        attests: Models::NONE,
        requires: Models::BACKGROUND_CHECK,
    };
    let (stream, endpoint_thread) = loopback(endpoint, admin, |stream| {
        let Ok(mut stream) = stream else { return };
        let mut line = String::new();
        if BufReader::new(&mut stream).read_line(&mut line).is_ok() {
            let _ = stream.write_all(b"hostname switch; vlan 10; interface eth0 up\n");
            let _ = stream.flush();
        }
        let _ = std::io::Read::read_to_end(&mut stream, &mut Vec::new());
    })?;
    let outcome = match stream {
        Err(e) => {
            let reason = admin_seen
                .lock()
                .ok()
                .and_then(|o| o.reason.clone())
                .unwrap_or_else(|| e.to_string());
            Err(reason)
        }
        Ok(mut stream) => {
            stream
                .write_all(b"show running-config\n")
                .and_then(|()| stream.flush())
                .map_err(|e| e.to_string())?;
            let mut reply = String::new();
            BufReader::new(&mut stream)
                .read_line(&mut reply)
                .map_err(|e| e.to_string())?;
            let _ = stream.close();
            Ok(reply.trim().to_string())
        }
    };
    endpoint_thread
        .join()
        .map_err(|_| "the endpoint thread panicked".to_string())?;
    Ok(outcome)
}

fn run() -> Result<(), String> {
    let good = manage("switch-1", false, true)?;
    let bad_firmware = manage("switch-2", true, true)?;
    let silent = manage("switch-3", false, false)?;
    for (name, outcome) in [
        ("switch-1 (reference firmware)", &good),
        ("switch-2 (kernel off the reference values)", &bad_firmware),
        ("switch-3 (does not attest)", &silent),
    ] {
        match outcome {
            Ok(reply) => println!("{name}: attested; show running-config -> {reply}"),
            Err(reason) => println!("{name}: REFUSED before any command: {reason}"),
        }
    }
    if good.is_ok() && bad_firmware.is_err() && silent.is_err() {
        println!("result: success");
        Ok(())
    } else {
        Err("unexpected outcome".into())
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("management_plane: {e}");
            ExitCode::FAILURE
        }
    }
}
