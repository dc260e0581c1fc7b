//! Recorded DTLS 1.3 sessions (`vectors/dtls-session/`): expat session machines over the
//! exporter of real BoringSSL DTLS 1.3 handshakes (recorded by seat-dtls), replayed without
//! BoringSSL through seat-binding's key schedule with the `dtls13` label prefix, to exactly
//! their recorded transcripts; any altered byte, another secret or the TLS 1.3 prefix makes
//! the replay fail.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use seat_conformance::runner::session::{replay, transcript};
use serde_json::Value;

fn recordings() -> Vec<(String, Value)> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/dtls-session"));
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
fn dtls_sessions_are_recorded_over_boringssl_dtls13() {
    let all = recordings();
    assert_eq!(all.len(), 3);
    assert_eq!(all.iter().filter(|(_, v)| v["valid"] == false).count(), 1);
    for (name, v) in &all {
        assert_eq!(v["kind"], "dtls-session", "{name}");
        assert_eq!(v["protocol"], "dtls13", "{name}");
        assert!(
            v["stack"].as_str().unwrap().starts_with("BoringSSL"),
            "{name}"
        );
        assert!(v["keylog"]["EXPORTER_SECRET"].is_string(), "{name}");
    }
    // Each recording ran over its own handshake.
    let secrets: std::collections::BTreeSet<_> = all
        .iter()
        .map(|(_, v)| v["keylog"]["EXPORTER_SECRET"].to_string())
        .collect();
    assert_eq!(secrets.len(), all.len());
}

#[test]
fn replaying_reproduces_each_dtls_transcript_exactly() {
    for (name, v) in recordings() {
        let text = transcript(&v).unwrap_or_else(|e| panic!("{name}: {e}"));
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn altering_any_recorded_dtls_frame_fails_the_replay() {
    for (name, v) in recordings() {
        replay(&v).unwrap();
        let n = v["frames"].as_array().unwrap().len();
        for i in 0..n {
            for at in [4_usize, 1] {
                let mut bad = v.clone();
                let mut bytes = hex::decode(v["frames"][i]["frame"].as_str().unwrap()).unwrap();
                let pos = if at == 1 { bytes.len() - 1 } else { at };
                bytes[pos] ^= 0x01;
                bad["frames"][i]["frame"] = Value::String(hex::encode(bytes));
                assert!(replay(&bad).is_err(), "{name}: frame {i} altered");
            }
        }
    }
}

#[test]
fn the_tls13_label_prefix_or_another_secret_fails_the_replay() {
    for (name, v) in recordings() {
        let mut tls = v.clone();
        tls["protocol"] = Value::String("tls13".into());
        assert!(
            replay(&tls).is_err(),
            "{name}: replayed with the TLS 1.3 prefix"
        );
        let mut bad = v.clone();
        let mut secret = hex::decode(v["keylog"]["EXPORTER_SECRET"].as_str().unwrap()).unwrap();
        secret[0] ^= 0x80;
        bad["keylog"]["EXPORTER_SECRET"] = Value::String(hex::encode(secret));
        assert!(replay(&bad).is_err(), "{name}");
    }
}

#[test]
fn recording_again_over_the_same_handshakes_gives_the_committed_vectors() {
    // Only the DTLS handshake is fresh; over the same recorded handshakes the recorder is
    // deterministic, so the committed files come back byte for byte.
    let committed = recordings();
    let again = seat_conformance::record::rustls::dtls_sessions().unwrap();
    assert_eq!(again.len(), committed.len());
    for v in again {
        let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/vectors"));
        let on_disk = std::fs::read_to_string(dir.join(v.path())).unwrap();
        assert_eq!(v.to_json(), on_disk, "{}", v.name);
    }
}
