//! The replay of recorded `session` vectors.
//!
//! Each side of a recording is replayed on its own, through a fresh session machine built
//! from the recorded configuration alone ([`Machine::from_json`]): its exporter comes from
//! the key log's `EXPORTER_SECRET` ([`RecordedExporter`](seat_binding::exporter::RecordedExporter),
//! default aws-lc-rs provider), and it gets exactly the inputs it got when recorded, in order:
//! `established`, `received` (the next `length` bytes of the frames the *peer* sent, as
//! recorded, not as the peer's replay produces them), `send`, `reattest`, `peer_closed`.
//!
//! Evidence and appraisal are recomputed, not replayed: the machine answers each
//! `ProduceEvidence` with the recorded simulated TEE (seed, measurements) and each `Appraise`
//! with the recorded Verifier and Relying-Party policy, at the recorded `now`. The replay then
//! requires, byte for byte and in order, the same outgoing frames, the same Evidence requests
//! (binder, AIK hash) and CMWs, the same appraisals and verdicts, the same events and the same
//! delivered application bytes as the recording; and a vector marked invalid must end with a
//! side failing with the named error.

use seat_binding::authenticator::Role;
use seat_proto::session::Input;
use serde_json::{Value, json};

use crate::record::rustls::{Machine, recorded_exporter};

/// The replay of one side.
#[derive(Debug)]
pub struct SideReplay {
    /// `"client"` or `"server"`.
    pub side: &'static str,
    /// The readable transcript: each input, then what came in and went out.
    pub transcript: Vec<String>,
    /// Frames sent.
    pub frames_out: usize,
    /// Whether the gate ended open.
    pub open: bool,
    /// The error the side failed with, if it did.
    pub failed: Option<String>,
}

/// Replays one side (`"client"` or `"server"`), checking it against the recording.
///
/// # Errors
///
/// The first difference from the recording, or a vector that cannot be read.
pub fn replay_side(v: &Value, side: &'static str) -> Result<SideReplay, String> {
    let (role, peer) = match side {
        "client" => (Role::Client, "server"),
        _ => (Role::Server, "client"),
    };
    let exporter = recorded_exporter(v)?;
    let now = super::field(v, "now")?.as_u64().ok_or("now")?;
    let trust = super::field(v, "trust")?;
    let me = super::field(v, side)?;
    let frames = super::field(v, "frames")?
        .as_array()
        .ok_or("frames is not an array")?;
    let from = |who: &str| -> Result<Vec<Vec<u8>>, String> {
        frames
            .iter()
            .filter(|f| f.get("from").and_then(Value::as_str) == Some(who))
            .map(|f| super::bytes(f, "frame"))
            .collect()
    };
    let peer_stream: Vec<u8> = from(peer)?.concat();
    let mut machine = Machine::from_json(trust, me, role, now)?;
    let mut at = 0usize;
    for input in super::field(me, "inputs")?
        .as_array()
        .ok_or("inputs is not an array")?
    {
        match super::text(input, "input")? {
            "established" => machine.input(Input::Established {
                exporter: &exporter,
                now,
            }),
            "received" => {
                let n = super::field(input, "length")?
                    .as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or("length")?;
                let chunk = peer_stream.get(at..at.saturating_add(n)).ok_or_else(|| {
                    format!("{side}: received past the end of the {peer}'s frames")
                })?;
                at += n;
                machine.input(Input::Received {
                    bytes: chunk,
                    exporter: &exporter,
                    now,
                });
            }
            "send" => machine.input(Input::Send(&super::bytes(input, "data")?)),
            "reattest" => machine.input(Input::Reattest {
                exporter: &exporter,
                now,
            }),
            "peer_closed" => machine.input(Input::PeerClosed),
            other => return Err(format!("{side}: unknown input {other}")),
        }
    }
    let log = &machine.log;
    let same = |what: &str, got: Value| -> Result<(), String> {
        let want = super::field(me, what)?;
        if &got == want {
            Ok(())
        } else {
            Err(format!(
                "{side}: {what} differ: replayed {got}, recorded {want}"
            ))
        }
    };
    // Events first: when an input was altered, they say why the machine went another way.
    same("events", json!(log.events))?;
    let recorded = from(side)?;
    if log.sent != recorded {
        let i = log
            .sent
            .iter()
            .zip(&recorded)
            .position(|(a, b)| a != b)
            .unwrap_or(log.sent.len().min(recorded.len()));
        return Err(format!(
            "{side}: outgoing frame {i} differs from the recording ({} frames replayed, {} recorded)",
            log.sent.len(),
            recorded.len()
        ));
    }
    same("evidence", json!(log.evidence))?;
    same("appraisals", json!(log.appraisals))?;
    same("delivered", json!(hex::encode(&log.delivered)))?;
    same("open", json!(machine.session.is_open()))?;
    same("failed", json!(machine.session.is_failed()))?;
    let failed = log.failed_error();
    Ok(SideReplay {
        side,
        transcript: log.transcript.clone(),
        frames_out: log.sent.len(),
        open: machine.session.is_open(),
        failed,
    })
}

/// Replays both sides of a recorded `session` vector.
///
/// # Errors
///
/// The first difference from the recording, or a vector that cannot be read.
pub fn replay(v: &Value) -> Result<[SideReplay; 2], String> {
    let client = replay_side(v, "client")?;
    let server = replay_side(v, "server")?;
    let valid = super::field(v, "valid")?.as_bool().ok_or("valid")?;
    match (valid, v.get("error").and_then(Value::as_str)) {
        (true, _) if client.open && server.open => {}
        (true, _) => return Err("valid, but a gate stayed closed".into()),
        (false, Some(want)) => {
            if ![&client.failed, &server.failed]
                .iter()
                .any(|f| f.as_deref() == Some(want))
            {
                return Err(format!("no side failed with {want}"));
            }
        }
        (false, None) => return Err("an invalid vector without an error".into()),
    }
    Ok([client, server])
}

/// The whole readable transcript of a replay.
///
/// # Errors
///
/// As [`replay`].
pub fn transcript(v: &Value) -> Result<String, String> {
    let sides = replay(v)?;
    let mut out = format!(
        "{} over {} ({}, {}); now {}\n",
        super::text(v, "name")?,
        super::text(v, "stack")?,
        super::text(v, "cipher_suite")?,
        super::text(v, "hash")?,
        super::field(v, "now")?
    );
    for s in &sides {
        out.push_str(&format!("== {} ==\n", s.side));
        for line in &s.transcript {
            out.push_str(line);
            out.push('\n');
        }
    }
    Ok(out)
}

fn account(s: &SideReplay) -> String {
    format!(
        "{} {} frames out, {}",
        s.side,
        s.frames_out,
        match (&s.failed, s.open) {
            (Some(e), _) => format!("failed {e}"),
            (None, true) => "open".to_string(),
            (None, false) => "closed".to_string(),
        }
    )
}

/// Runs one vector of this module's kinds.
///
/// # Errors
///
/// A description of the first field that does not match.
pub(super) fn run(v: &Value) -> Result<String, String> {
    let [client, server] = replay(v)?;
    Ok(format!(
        "replayed exactly: {}; {}",
        account(&client),
        account(&server)
    ))
}
