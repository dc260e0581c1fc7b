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

/// The recordings whose Evidence is a platform's: name, tsm-report provider, and where the
/// 64-byte report data sits in the quote or report (TDX v4: header 48 + TD report offset 520;
/// SNP: 0x50).
const PLATFORM_RECORDINGS: [(&str, &str, usize); 2] = [
    ("mutual-background-check-tdx", "tdx_guest", 48 + 520),
    ("mutual-background-check-snp", "sev_guest", 0x50),
];

fn platform_recording(name: &str) -> Value {
    recordings()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no recording {name}"))
        .1
}

#[test]
fn the_platform_recordings_carry_tdx_quotes_and_snp_reports_bound_to_the_exchange() {
    use seat_evidence::cmw::{AnyCmw, Cmw, Ind, RecordType};
    use seat_evidence::platform::TsmReport;
    for (name, provider, at) in PLATFORM_RECORDINGS {
        let v = platform_recording(name);
        assert_eq!(v["valid"], true, "{name}");
        for side in ["client", "server"] {
            assert_eq!(
                v[side]["tee"]["platform"],
                &name[name.len() - 3..],
                "{name}"
            );
            let evidence = v[side]["evidence"].as_array().unwrap();
            assert_eq!(evidence.len(), 1, "{name} {side}");
            for e in evidence {
                let cmw = hex::decode(e["cmw"].as_str().unwrap()).unwrap();
                let AnyCmw::Cbor(Cmw::Record(record)) = AnyCmw::decode(&cmw).unwrap() else {
                    panic!("{name}: not a CBOR record")
                };
                assert_eq!(
                    record.typ(),
                    &RecordType::MediaType(format!(
                        "application/vnd.veraison.tsm-report+cbor; provider={provider}"
                    ))
                );
                assert_eq!(record.ind(), Some(Ind::EVIDENCE));
                let tsm = TsmReport::decode(record.value()).unwrap();
                assert_eq!(tsm.provider, provider);
                // The binding rule, recomputed with OpenSSL: SHA-512(binder || aik_pub_hash).
                let mut bound = hex::decode(e["binder"].as_str().unwrap()).unwrap();
                bound.extend(hex::decode(e["aik_pub_hash"].as_str().unwrap()).unwrap());
                assert_eq!(
                    &tsm.outblob[at..at + 64],
                    openssl::sha::sha512(&bound).as_slice(),
                    "{name} {side}"
                );
            }
            for a in v[side]["appraisals"].as_array().unwrap() {
                assert_eq!(a["verdict"], "accepted", "{name} {side}");
            }
        }
    }
}

#[test]
fn a_platform_reporting_other_measurements_or_another_root_fails_the_replay() {
    for (name, _, _) in PLATFORM_RECORDINGS {
        let v = platform_recording(name);
        replay(&v).unwrap();
        // The server's platform runs another image: its quote or report changes (so does its
        // authenticator), and the client's Verifier no longer accepts it.
        let mut other = v.clone();
        let field = if name.ends_with("tdx") {
            "mr_td"
        } else {
            "measurement"
        };
        other["server"]["tee"][field] = Value::String("00".repeat(48));
        let err = replay_side(&other, "server").unwrap_err();
        assert!(err.contains("outgoing frame"), "{name}: {err}");
        // Both trusting another root (the root of another simulated TDX PKI; for SNP, the
        // client's ARK and ASK in place of the server's): the client rejects the server's
        // recorded Evidence.
        let mut other = v.clone();
        let format = &mut other["trust"]["verifier"]["formats"][0];
        if name.ends_with("tdx") {
            use seat_evidence::platform_sim::tdx::{SimTdx, SimTdxConfig};
            let another = SimTdx::new(SimTdxConfig::new([0x99; 32], 1_800_000_000)).unwrap();
            assert_ne!(format["root_der"], hex::encode(another.root_der()));
            format["root_der"] = Value::String(hex::encode(another.root_der()));
        } else {
            let roots = format["roots"].as_array_mut().unwrap();
            let second = roots[1].clone();
            roots[0] = second;
        }
        let err = replay_side(&other, "client").unwrap_err();
        assert!(err.contains("events differ"), "{name}: {err}");
        assert!(err.contains("attestation_rejected"), "{name}: {err}");
    }
}
