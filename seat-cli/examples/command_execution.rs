//! Use case 2, high-assurance command execution: before each critical command, the operator's
//! client asks the target system for fresh Evidence on the live connection (a new context and
//! binder each time), and dispatches the command only if it is accepted. When the target's
//! platform drifts (its kernel measurement leaves the reference values), the next command is
//! never dispatched.

use std::io::{BufRead, BufReader, Write};
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use seat_cli::net::{Peer, loopback, program_side};
use seat_proto::shim::Models;

fn run() -> Result<(), String> {
    let (target, target_trust) = program_side("target", "target-system", false, None)?;
    let (operator, _) = program_side("operator", "operator", false, Some(&target_trust))?;
    let drift = target.drift_switch();
    let seen = operator.outcome();
    let target = Peer {
        side: target,
        attests: Models::BACKGROUND_CHECK,
        requires: Models::NONE,
    };
    let operator = Peer {
        side: operator,
        attests: Models::NONE,
        requires: Models::BACKGROUND_CHECK,
    };
    // The target executes each command it receives (here: acknowledges it).
    let (stream, target_thread) = loopback(target, operator, |stream| -> Vec<String> {
        let mut executed = Vec::new();
        let Ok(mut stream) = stream else {
            return executed;
        };
        loop {
            let mut line = String::new();
            match BufReader::new(&mut stream).read_line(&mut line) {
                Ok(0) | Err(_) => return executed,
                Ok(_) => {}
            }
            let command = line.trim().to_string();
            if stream
                .write_all(format!("executed: {command}\n").as_bytes())
                .and_then(|()| stream.flush())
                .is_err()
            {
                return executed;
            }
            executed.push(command);
        }
    })?;
    let mut stream = stream.map_err(|e| format!("the target did not attest: {e}"))?;
    println!("connected; the target attested once at the handshake");

    let mut dispatched = Vec::new();
    for (i, command) in ["show status", "restart db", "rotate keys", "wipe disk"]
        .into_iter()
        .enumerate()
    {
        if i == 3 {
            println!("(the target's platform drifts: its kernel measurement changes)");
            drift.store(true, Ordering::SeqCst);
        }
        // Fresh, connection-bound Evidence before the command.
        if let Err(e) = stream.reattest() {
            let reason = seen
                .lock()
                .ok()
                .and_then(|o| o.reason.clone())
                .unwrap_or_else(|| e.to_string());
            println!(
                "{command:?}: NOT dispatched, the target's fresh Evidence was rejected: {reason}"
            );
            break;
        }
        let binder = seen
            .lock()
            .ok()
            .and_then(|o| o.binders.last().cloned())
            .unwrap_or_default();
        println!(
            "{command:?}: fresh Evidence accepted (binder {}...), dispatching",
            hex::encode(binder.get(..8).unwrap_or_default())
        );
        stream
            .write_all(format!("{command}\n").as_bytes())
            .and_then(|()| stream.flush())
            .map_err(|e| e.to_string())?;
        let mut reply = String::new();
        BufReader::new(&mut stream)
            .read_line(&mut reply)
            .map_err(|e| e.to_string())?;
        println!("  target: {}", reply.trim());
        dispatched.push(command);
    }
    let _ = stream.close();
    drop(stream);
    let executed = target_thread
        .join()
        .map_err(|_| "the target thread panicked".to_string())?;
    let binders = seen.lock().map(|o| o.binders.clone()).unwrap_or_default();
    let mut distinct = binders.clone();
    distinct.sort();
    distinct.dedup();
    println!(
        "{} appraisals, {} distinct binders; commands executed: {executed:?}",
        binders.len(),
        distinct.len()
    );
    if executed == ["show status", "restart db", "rotate keys"]
        && dispatched == executed
        && distinct.len() == binders.len()
        && binders.len() == 5
    {
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
            eprintln!("command_execution: {e}");
            ExitCode::FAILURE
        }
    }
}
