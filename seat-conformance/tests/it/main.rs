//! The conformance runner over every vector in the repository, generated and external, with
//! one snapshot of the readable account per kind; and the generated vectors are current.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::Path;

use seat_conformance::{generate, runner};

mod altered_recordings;
mod common;
mod early_attestation;
mod expat;
mod recorded_dtls_sessions;
mod recorded_sessions;
mod rfc9261;

fn vectors_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/vectors"))
}

/// Every `.json` file below `dir`, sorted, as (relative path, parsed value).
fn load(dir: &Path) -> Vec<(String, serde_json::Value)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "json") {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.push((
                    rel,
                    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap(),
                ));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn every_vector_passes_the_runner() {
    let mut by_kind: BTreeMap<String, String> = BTreeMap::new();
    let mut failures = Vec::new();
    let all = load(vectors_dir());
    for (path, v) in &all {
        assert_eq!(
            Some(v["name"].as_str().unwrap()),
            Path::new(path).file_stem().and_then(|s| s.to_str()),
            "{path}"
        );
        let kind = v["kind"].as_str().unwrap().to_string();
        match runner::run(v) {
            Ok(line) => {
                let group = if path.starts_with("external") {
                    format!("external-{kind}")
                } else {
                    kind
                };
                let text = by_kind.entry(group).or_default();
                text.push_str(&format!("{}: {line}\n", v["name"].as_str().unwrap()));
            }
            Err(e) => failures.push(format!("{path}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    for (kind, text) in by_kind {
        insta::assert_snapshot!(kind, text);
    }
}

#[test]
fn generated_vectors_are_current_and_all_consumed() {
    let generated = generate::all().unwrap();
    let on_disk = load(vectors_dir());
    for v in &generated {
        let text = std::fs::read_to_string(vectors_dir().join(v.path()))
            .unwrap_or_else(|_| panic!("{} is missing: run `cargo xtask vectors`", v.path()));
        assert_eq!(
            text,
            v.to_json(),
            "{} is stale: run `cargo xtask vectors`",
            v.path()
        );
    }
    let generated_on_disk = on_disk
        .iter()
        .filter(|(p, _)| {
            // Recorded kinds are made by `seat-vectors record`, not by the generators.
            !p.starts_with("external")
                && !seat_conformance::record::RECORDED_KINDS
                    .iter()
                    .any(|k| p.starts_with(&format!("{k}/")))
        })
        .count();
    assert_eq!(
        generated_on_disk,
        generated.len(),
        "files that are no longer generated are on disk"
    );
}

#[test]
fn a_changed_generator_input_changes_the_vectors() {
    // The check is not vacuous: another exporter secret gives other outputs.
    let a = generate::exporter_master_secret(seat_binding::provider::HashAlgorithm::Sha256);
    let b = generate::exporter_master_secret(seat_binding::provider::HashAlgorithm::Sha384);
    assert_ne!(a, b);
    let v = &generate::tls13_exporter().unwrap()[0];
    let mut altered = v.clone();
    altered
        .fields
        .insert("output".into(), serde_json::json!("00"));
    assert!(runner::run(&serde_json::Value::Object(altered.fields)).is_err());
}
