//! Secrets and constant time (issue 14):
//!
//! - no secret of the connection (the exporter secret, each exchange's exported value, the
//!   authenticator Handshake Context and Finished MAC keys of both roles) appears in the
//!   bytes a session writes, in an error frame's detail, or in the `Debug` or `Display` text
//!   of anything a session hands its caller (actions, events, errors, the session itself),
//!   in a passing run and in failing ones;
//! - the recorded conversations (`seat-conformance/vectors/session`) carry none of their key
//!   log's secrets in their frames;
//! - the source compares no binder, MAC, Finished or exported value with `==` or `!=` (they
//!   go through `subtle`'s constant-time equality: `Secret::ct_eq_bytes`, seat-verify's
//!   `ct_eq`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use seat_binding::Secret;
use seat_binding::authenticator::Role;
use seat_binding::binder::{ExpatLabel, expat_exported_value};
use seat_binding::exporter::{Exporter, RecordedExporter};
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::aws_lc::AwsLcRandom;
use seat_binding::provider::{HashAlgorithm, SignatureAlgorithm, default_provider};
use seat_proto::chain::{DangerousSelfSignedVerifier, Purpose};
use seat_proto::hooks::{Rejection, Stage};
use seat_proto::message::AuthenticatorRequest;
use seat_proto::session::{Action, Credential, Input, Session, SessionConfig};
use seat_proto::shim::{Deframer, Frame, Models};

const NOW: u64 = 1_780_272_000;
const SECRET: [u8; 32] = [
    0x3c, 0x91, 0x5e, 0x07, 0xd2, 0x48, 0xaf, 0x16, 0x8b, 0x62, 0xf4, 0x2d, 0x99, 0x01, 0xc7, 0x5a,
    0x34, 0xe8, 0x7b, 0x10, 0xcd, 0x66, 0x02, 0xbe, 0x4f, 0x93, 0x28, 0xd1, 0x7e, 0x05, 0xa6, 0x5c,
];

fn credential() -> Credential {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["tee.example".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    Credential {
        chain: vec![cert.der().to_vec().into()],
        key: default_provider()
            .signing_key_from_pkcs8(SignatureAlgorithm::Ed25519, &key.serialize_der())
            .unwrap()
            .into(),
    }
}

fn session(role: Role, attests: Models, requires: Models) -> Session {
    let purpose = if role == Role::Server {
        Purpose::Client
    } else {
        Purpose::Server
    };
    let config = SessionConfig::builder(default_provider())
        .attests(attests)
        .requires(requires)
        .chain_verifier(Arc::new(DangerousSelfSignedVerifier::dangerous_new(
            purpose,
        )))
        .build()
        .unwrap();
    let credential = (!attests.is_empty()).then(credential);
    Session::new(Arc::new(config), role, credential, Box::new(AwsLcRandom))
}

/// Everything a run exposed: the bytes written, and every text the caller could log.
#[derive(Default)]
struct Exposed {
    bytes: Vec<u8>,
    text: String,
    contexts: Vec<Vec<u8>>,
}

impl Exposed {
    fn note(&mut self, what: &dyn core::fmt::Debug) {
        self.text.push_str(&format!("{what:?}\n{what:#?}\n"));
    }
}

/// Runs a mutual background-check pair; `verdict` decides each appraisal, `tamper` may
/// alter the frames in flight.
fn run(accept: bool, tamper: fn(&mut Vec<u8>)) -> (Exposed, RecordedExporter) {
    let exporter = RecordedExporter::new(
        default_provider(),
        HashAlgorithm::Sha256,
        Protocol::Tls13,
        Secret::from_slice(&SECRET),
    )
    .unwrap();
    let m = Models::BACKGROUND_CHECK;
    let mut sides = [session(Role::Client, m, m), session(Role::Server, m, m)];
    let mut exposed = Exposed::default();
    let mut inbox: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    for s in &mut sides {
        let r = s.handle(Input::Established {
            exporter: &exporter,
            now: NOW,
        });
        exposed.note(&r);
    }
    for _ in 0..20 {
        for i in 0..2 {
            let s = &mut sides[i];
            while let Some(action) = s.poll_action() {
                exposed.note(&action);
                match action {
                    Action::Send(mut bytes) => {
                        exposed.bytes.extend_from_slice(&bytes);
                        let mut d = Deframer::new();
                        d.push(&bytes);
                        while let Ok(Some(f)) = d.next_frame() {
                            exposed.note(&f);
                            if let Frame::Request { message, .. } = &f {
                                let r = AuthenticatorRequest::decode(
                                    message,
                                    &seat_proto::codepoints::CodePoints::DEFAULT,
                                )
                                .unwrap();
                                exposed.contexts.push(r.context().as_bytes().to_vec());
                            }
                            if let Frame::Error { detail, .. } = &f {
                                exposed.text.push_str(detail);
                            }
                        }
                        tamper(&mut bytes);
                        inbox[1 - i].extend(bytes);
                    }
                    Action::ProduceEvidence {
                        exchange, binder, ..
                    } => {
                        let r = s.handle(Input::Evidence {
                            exchange,
                            cmw: [b"evidence:".as_slice(), &binder].concat(),
                        });
                        exposed.note(&r);
                    }
                    Action::Appraise(a) => {
                        let verdict = if accept {
                            Ok(())
                        } else {
                            Err(Rejection::new(Stage::Binding, "binder"))
                        };
                        let r = s.handle(Input::Verdict {
                            exchange: a.exchange,
                            verdict,
                        });
                        exposed.note(&r);
                        if let Err(e) = r {
                            exposed.text.push_str(&e.to_string());
                        }
                    }
                    _ => {}
                }
            }
        }
        for i in 0..2 {
            let bytes = std::mem::take(&mut inbox[i]);
            if !bytes.is_empty() {
                let r = sides[i].handle(Input::Received {
                    bytes: &bytes,
                    exporter: &exporter,
                    now: NOW,
                });
                exposed.note(&r);
                if let Err(e) = r {
                    exposed.text.push_str(&e.to_string());
                }
            }
        }
    }
    for s in &sides {
        exposed.note(s);
    }
    (exposed, exporter)
}

/// Every secret of the run's connection.
fn secrets(exporter: &RecordedExporter, contexts: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut out = vec![SECRET.to_vec()];
    for label in [
        &b"EXPORTER-client authenticator handshake context"[..],
        b"EXPORTER-server authenticator handshake context",
        b"EXPORTER-client authenticator finished key",
        b"EXPORTER-server authenticator finished key",
    ] {
        out.push(
            exporter
                .export(label, Some(&[]), 32)
                .unwrap()
                .expose()
                .to_vec(),
        );
    }
    for c in contexts {
        let v = expat_exported_value(exporter, ExpatLabel::Attestation, c).unwrap();
        out.push(v.expose().to_vec());
    }
    out
}

/// The renderings of `secret` a leak would show: raw, hex (both cases), and Rust's `Debug`
/// of a byte slice.
fn renderings(secret: &[u8]) -> Vec<String> {
    let hex = hex::encode(secret);
    vec![
        hex.clone(),
        hex.to_uppercase(),
        format!("{secret:?}").trim_matches(['[', ']']).to_string(),
    ]
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.len() <= haystack.len() && haystack.windows(needle.len()).any(|w| w == needle)
}

fn assert_no_leak(exposed: &Exposed, exporter: &RecordedExporter) {
    assert!(!exposed.contexts.is_empty());
    let all = secrets(exporter, &exposed.contexts);
    assert!(all.len() >= 7);
    for s in &all {
        assert!(!contains(&exposed.bytes, s), "a secret on the wire");
        assert!(!contains(exposed.text.as_bytes(), s), "a secret in text");
        for r in renderings(s) {
            assert!(!exposed.text.contains(&r), "a secret rendered in text: {r}");
        }
        // The first 8 bytes in hex would already be a leak worth catching.
        let prefix = hex::encode(&s[..8]);
        assert!(!exposed.text.contains(&prefix), "a secret's prefix in text");
    }
}

#[test]
fn no_secret_in_frames_errors_or_debug_of_a_passing_run() {
    let (exposed, exporter) = run(true, |_| {});
    assert!(exposed.text.contains("Open"), "the run opened");
    assert_no_leak(&exposed, &exporter);
}

#[test]
fn no_secret_in_frames_errors_or_debug_of_failing_runs() {
    // A rejected verdict: error frames with details.
    let (exposed, exporter) = run(false, |_| {});
    assert!(exposed.text.contains("Failed"));
    assert_no_leak(&exposed, &exporter);
    // A tampered authenticator (its Finished MAC fails): the error path of MAC checks.
    let (exposed, exporter) = run(true, |bytes| {
        if bytes.first() == Some(&0x03)
            && let Some(last) = bytes.last_mut()
        {
            *last ^= 1;
        }
    });
    assert!(exposed.text.contains("Failed"));
    assert_no_leak(&exposed, &exporter);
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn recorded_conversations_carry_none_of_their_key_log() {
    let dir = workspace().join("seat-conformance/vectors/session");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let frames: Vec<u8> = v["frames"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| hex::decode(f["frame"].as_str().unwrap()).unwrap())
            .collect();
        let keylog = v["keylog"].as_object().unwrap();
        assert!(!keylog.is_empty());
        for (label, secret) in keylog {
            let secret = hex::decode(secret.as_str().unwrap()).unwrap();
            assert!(
                !contains(&frames, &secret),
                "{label} in the frames of {}",
                entry.path().display()
            );
            // Error details are text: no rendering of the secret either.
            for r in renderings(&secret) {
                assert!(!contains(&frames, r.as_bytes()));
            }
            checked += 1;
        }
    }
    assert!(checked > 0);
}

/// Names of values that must be compared in constant time.
const SECRET_NAMES: [&str; 6] = [
    "binder",
    "finished",
    "verify_data",
    "mac",
    "exported",
    "nonce",
];

#[test]
fn no_secret_is_compared_with_eq_in_the_source() {
    let mut offenders = Vec::new();
    for krate in ["seat-binding", "seat-proto", "seat-evidence", "seat-verify"] {
        let mut stack = vec![workspace().join(krate).join("src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let p = entry.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                if p.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let src = std::fs::read_to_string(&p).unwrap();
                // Unit tests at the end of a file may compare freely.
                let code = src.split("#[cfg(test)]").next().unwrap_or_default();
                for (n, line) in code.lines().enumerate() {
                    let l = line.trim();
                    if l.starts_with("//") {
                        continue;
                    }
                    let compares = l.contains(" == ") || l.contains(" != ");
                    let lower = l.to_lowercase();
                    let secret = SECRET_NAMES.iter().any(|s| lower.contains(s));
                    // Lengths, presence and enum tags are public.
                    let public = lower.contains(".len()")
                        || lower.contains("is_none")
                        || lower.contains("is_some")
                        || lower.contains("handshaketype")
                        || lower.contains("::")
                        || lower.contains("none")
                        || lower.contains("some(");
                    if compares && secret && !public {
                        offenders.push(format!("{}:{}: {l}", p.display(), n + 1));
                    }
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "compare these in constant time:\n{}",
        offenders.join("\n")
    );
}
