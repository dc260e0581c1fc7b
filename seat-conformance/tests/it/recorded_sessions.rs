//! Recorded real rustls sessions (`vectors/session/`): each replays, through fresh session
//! machines with exporters from the recorded key log, to exactly its recorded transcript
//! (one snapshot per recording), and any altered byte makes the replay fail.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use seat_conformance::runner::session::{replay, replay_side, transcript};
use serde_json::Value;

fn recordings() -> Vec<(String, Value)> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/session"));
    let mut out: Vec<(String, Value)> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().to_string(),
                serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn the_flows_of_the_session_issue_are_recorded() {
    let all = recordings();
    assert!(all.len() >= 8, "{} recordings", all.len());
    let failures = all.iter().filter(|(_, v)| v["valid"] == false).count();
    assert!(failures >= 2, "{failures} failure recordings");
    for (name, v) in &all {
        assert!(
            v["stack"].as_str().unwrap().starts_with("rustls 0.23."),
            "{name}"
        );
        assert!(v["keylog"]["EXPORTER_SECRET"].is_string(), "{name}");
    }
}

#[test]
fn replaying_reproduces_each_transcript_exactly() {
    for (name, v) in recordings() {
        let text = transcript(&v).unwrap_or_else(|e| panic!("{name}: {e}"));
        insta::assert_snapshot!(name, text);
    }
}

/// Flips one bit of byte `at` (from the end when negative) of frame `i`.
fn altered(v: &Value, i: usize, at: isize) -> Value {
    let mut v = v.clone();
    let mut bytes = hex::decode(v["frames"][i]["frame"].as_str().unwrap()).unwrap();
    let pos = if at < 0 {
        bytes.len() - at.unsigned_abs()
    } else {
        at.unsigned_abs()
    };
    bytes[pos] ^= 0x01;
    v["frames"][i]["frame"] = Value::String(hex::encode(bytes));
    v
}

#[test]
fn altering_any_recorded_frame_fails_the_replay() {
    for (name, v) in recordings() {
        replay(&v).unwrap();
        let n = v["frames"].as_array().unwrap().len();
        for i in 0..n {
            for at in [4, -1] {
                assert!(
                    replay(&altered(&v, i, at)).is_err(),
                    "{name}: frame {i} byte {at} altered, yet the replay passed"
                );
            }
        }
    }
}

#[test]
fn the_receiver_detects_an_altered_authenticator() {
    // The sender's own replay fails because its frame no longer matches; the receiver's
    // replay fails on its own: the signature no longer verifies, so its events differ.
    let (_, v) = recordings()
        .into_iter()
        .find(|(n, _)| n == "client-only-background-check-certificate")
        .unwrap();
    let frames = v["frames"].as_array().unwrap();
    let i = frames
        .iter()
        .position(|f| f["from"] == "client" && f["frame"].as_str().unwrap().starts_with("03"))
        .unwrap();
    replay_side(&v, "server").unwrap();
    // A byte of the CertificateVerify signature (Finished is the last 48 bytes, SHA-384).
    let bad = altered(&v, i, -60);
    let err = replay_side(&bad, "server").unwrap_err();
    assert!(err.contains("bad_signature"), "{err}");
    let err = replay_side(&bad, "client").unwrap_err();
    assert!(err.contains("outgoing frame"), "{err}");
}

#[test]
fn another_exporter_secret_fails_the_replay() {
    for (name, v) in recordings() {
        let mut bad = v.clone();
        let mut secret = hex::decode(v["keylog"]["EXPORTER_SECRET"].as_str().unwrap()).unwrap();
        secret[0] ^= 0x80;
        bad["keylog"]["EXPORTER_SECRET"] = Value::String(hex::encode(secret));
        assert!(replay(&bad).is_err(), "{name}");
    }
}

#[test]
fn a_fresh_recording_replays_and_tells_the_same_story() {
    // New handshakes draw new exporter secrets, so binders, Evidence and signatures change;
    // the replay must still be exact, and the events and frame types must not change.
    let committed = recordings();
    let fresh = seat_conformance::record::rustls::sessions().unwrap();
    assert_eq!(fresh.len(), committed.len());
    for v in fresh {
        let v = Value::Object(v.fields);
        let name = v["name"].as_str().unwrap();
        replay(&v).unwrap_or_else(|e| panic!("fresh {name}: {e}"));
        let (_, old) = committed.iter().find(|(n, _)| n == name).unwrap();
        assert_ne!(
            v["keylog"]["EXPORTER_SECRET"],
            old["keylog"]["EXPORTER_SECRET"]
        );
        for side in ["client", "server"] {
            assert_eq!(v[side]["events"], old[side]["events"], "{name} {side}");
            // The same inputs, though not the same byte counts: an ECDSA signature's DER
            // length varies with the message.
            let kinds = |x: &Value| -> Vec<Value> {
                x[side]["inputs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["input"].clone())
                    .collect()
            };
            assert_eq!(kinds(&v), kinds(old), "{name} {side}");
        }
        let types = |x: &Value| -> Vec<(String, String)> {
            x["frames"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    (
                        f["from"].as_str().unwrap().to_string(),
                        f["frame"].as_str().unwrap()[..2].to_string(),
                    )
                })
                .collect()
        };
        assert_eq!(types(&v), types(old), "{name}");
    }
}
