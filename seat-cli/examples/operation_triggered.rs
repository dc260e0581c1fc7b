//! Use case 7, operation-triggered attestation: an agent works through a tool server over one
//! attested connection. Low-impact operations run at once; before each high-impact operation
//! the tool server asks the agent for fresh, connection-bound Evidence of its current posture
//! (re-attestation on the live connection, no new handshake). When the agent's platform has
//! drifted, the high-impact operation is refused and the connection closes.

use std::io::{BufRead, BufReader, Write};
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use seat_cli::net::{Peer, loopback, program_side};
use seat_proto::shim::Models;

/// Operations whose effect cannot be undone need fresh Evidence.
fn high_impact(op: &str) -> bool {
    op.starts_with("transfer") || op.starts_with("delete")
}

fn run() -> Result<(), String> {
    let (agent, agent_trust) = program_side("agent", "agent-7", false, None)?;
    let (tools, _) = program_side("tools", "tool-server", false, Some(&agent_trust))?;
    let drift = agent.drift_switch();
    let tools_seen = tools.outcome();
    let tools = Peer {
        side: tools,
        attests: Models::NONE,
        requires: Models::PASSPORT,
    };
    let agent = Peer {
        side: agent,
        attests: Models::PASSPORT,
        requires: Models::NONE,
    };
    let (stream, tools_thread) = loopback(tools, agent, |stream| -> Vec<String> {
        let mut done = Vec::new();
        let Ok(mut stream) = stream else {
            return done;
        };
        loop {
            let mut line = String::new();
            match BufReader::new(&mut stream).read_line(&mut line) {
                Ok(0) | Err(_) => return done,
                Ok(_) => {}
            }
            let op = line.trim().to_string();
            let reply = if high_impact(&op) {
                match stream.reattest() {
                    Ok(accepted) => format!(
                        "done: {op} (after fresh Evidence, status {})",
                        accepted.status.name()
                    ),
                    // The session has failed and told the agent why; nothing more to say.
                    Err(_) => return done,
                }
            } else {
                format!("done: {op}")
            };
            if stream
                .write_all(format!("{reply}\n").as_bytes())
                .and_then(|()| stream.flush())
                .is_err()
            {
                return done;
            }
            done.push(op);
        }
    })?;
    let mut stream = stream.map_err(|e| format!("the agent could not connect: {e}"))?;
    println!("agent connected; it attested once (passport) at the start");
    let mut refused = None;
    for op in [
        "read calendar",
        "transfer 100 EUR to supplier",
        "send summary email",
        "delete old backups",
    ] {
        if op == "delete old backups" {
            println!("(the agent's platform drifts: a kernel measurement changes)");
            drift.store(true, Ordering::SeqCst);
        }
        stream
            .write_all(format!("{op}\n").as_bytes())
            .and_then(|()| stream.flush())
            .map_err(|e| e.to_string())?;
        let mut reply = String::new();
        match BufReader::new(&mut stream).read_line(&mut reply) {
            Ok(n) if n > 0 => println!("{op:?}: {}", reply.trim()),
            other => {
                let reason = tools_seen
                    .lock()
                    .ok()
                    .and_then(|o| o.reason.clone())
                    .unwrap_or_else(|| format!("{other:?}"));
                println!("{op:?}: REFUSED, the agent's fresh Evidence was rejected: {reason}");
                refused = Some(op);
                break;
            }
        }
    }
    drop(stream);
    let done = tools_thread
        .join()
        .map_err(|_| "the tool server panicked".to_string())?;
    let appraisals = tools_seen.lock().map(|o| o.binders.len()).unwrap_or(0);
    println!("tool server: {appraisals} appraisals of the agent; done: {done:?}");
    if done
        == [
            "read calendar",
            "transfer 100 EUR to supplier",
            "send summary email",
        ]
        && refused == Some("delete old backups")
        && appraisals == 3
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
            eprintln!("operation_triggered: {e}");
            ExitCode::FAILURE
        }
    }
}
