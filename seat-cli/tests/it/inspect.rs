//! `seat inspect` on every committed vector and recording, snapshots per kind, raw captures,
//! and hostile input.

use crate::{root, seat, seat_with_stdin, vector_files};

fn vector_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json")
}

#[test]
fn every_vector_and_recording_decodes() {
    let files = vector_files();
    assert!(
        files.len() >= 190,
        "only {} vector files found",
        files.len()
    );
    let mut negatives_with_offset = 0;
    for path in &files {
        let shown = path.display().to_string();
        let out = seat(&["inspect", &shown]);
        assert_eq!(out.code, 0, "{shown}: {}{}", out.stdout, out.stderr);
        let v = vector_json(path);
        if v["valid"] == serde_json::Value::Bool(false) {
            let found = out
                .stdout
                .lines()
                .find(|l| l.starts_with("  found: "))
                .unwrap_or_else(|| panic!("{shown}: no `found` line\n{}", out.stdout));
            // A decoding failure names its byte offset.
            if !found.contains("no decoding error") && !found.contains("check:") {
                assert!(found.contains("byte"), "{shown}: {found}");
                negatives_with_offset += 1;
            }
        } else {
            assert!(!out.stdout.contains("  found: "), "{shown}");
        }
    }
    assert!(negatives_with_offset >= 20, "{negatives_with_offset}");
}

#[test]
fn json_output_is_one_document_per_file() {
    for path in vector_files().iter().step_by(7) {
        let shown = path.display().to_string();
        let out = seat(&["inspect", "--json", &shown]);
        assert_eq!(out.code, 0, "{shown}");
        let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
        assert_eq!(doc["name"], "vector");
    }
}

/// One snapshot per kind: the first valid file of each folder.
#[test]
fn snapshot_per_kind() {
    let mut kinds = std::collections::BTreeMap::new();
    for path in vector_files() {
        let v = vector_json(&path);
        let kind = v["kind"].as_str().unwrap_or_default().to_string();
        let external = path.to_string_lossy().contains("/external/");
        let key = if external {
            format!("external-{kind}")
        } else {
            kind
        };
        if v["valid"] == serde_json::Value::Bool(true) {
            kinds.entry(key).or_insert(path);
        }
    }
    assert!(kinds.len() >= 10, "{kinds:?}");
    for (kind, path) in kinds {
        let rel = path
            .strip_prefix(root())
            .unwrap_or(&path)
            .display()
            .to_string();
        let out = seat(&["inspect", &path.display().to_string()]);
        assert_eq!(out.code, 0, "{rel}");
        insta::assert_snapshot!(format!("kind-{kind}"), out.stdout, &rel);
    }
}

/// One negative per decoder: the failure and its offset are part of the snapshot.
#[test]
fn snapshot_negatives() {
    for rel in [
        "cmw/negative-trailing-bytes.json",
        "cose-sign1/negative-bad-signature.json",
        "eat/negative-duplicate-claim.json",
        "ear/jwt-negative-crit-header.json",
        "ea-authenticator/negative-truncated.json",
        "early-extension/client-hello-truncated.json",
    ] {
        let path = root().join("seat-conformance/vectors").join(rel);
        let out = seat(&["inspect", &path.display().to_string()]);
        assert_eq!(out.code, 0, "{rel}: {}", out.stderr);
        let name = rel.replace(['/', '.'], "-");
        insta::assert_snapshot!(format!("negative-{name}"), out.stdout, rel);
    }
}

fn field(rel: &str, key: &str) -> Vec<u8> {
    let v = vector_json(&root().join("seat-conformance/vectors").join(rel));
    let mut cur = &v;
    for k in key.split('.') {
        cur = &cur[k];
    }
    hex::decode(cur.as_str().expect("string field")).expect("hex")
}

/// Raw captures (not vector files) are detected by kind, binary or hex, from a file or stdin.
#[test]
fn raw_captures_are_detected() {
    let cases: [(&str, Vec<u8>, &str); 6] = [
        (
            "cmw",
            field("cmw/cbor-collection.json", "encoded"),
            "cmw: CBOR collection",
        ),
        (
            "cose",
            field("cose-sign1/es256-tagged.json", "cose_sign1"),
            "COSE_Sign1: tag 18",
        ),
        (
            "eat",
            field("eat/sim-tee-sha256-binder.json", "token"),
            "EAT claims-set",
        ),
        (
            "ear",
            field("ear/cwt-es256-affirming.json", "token"),
            "EAR claims-set",
        ),
        (
            "authenticator",
            field(
                "ea-authenticator/expat-server-0403-cbor-cmw.json",
                "authenticator",
            ),
            "cmw_attestation (0xff00): cmw: CBOR record",
        ),
        (
            "request",
            field(
                "ea-authenticator/expat-server-0403-cbor-cmw.json",
                "request",
            ),
            "authenticator request: client_certificate_request",
        ),
    ];
    for (name, bytes, expect) in cases {
        let out = seat_with_stdin(&["inspect", "-"], &bytes);
        assert_eq!(out.code, 0, "{name}: {}", out.stderr);
        assert!(out.stdout.contains(expect), "{name}:\n{}", out.stdout);
        let hex_text = format!("{}\n", hex::encode(&bytes));
        let out = seat_with_stdin(&["inspect", "-"], hex_text.as_bytes());
        assert_eq!(out.code, 0, "{name} as hex");
        assert!(out.stdout.contains("input: hex text"), "{name}");
    }
    // An EAR JWT, as text.
    let v = vector_json(&root().join("seat-conformance/vectors/ear/jwt-es256-affirming.json"));
    let token = v["token"].as_str().expect("token");
    let out = seat_with_stdin(&["inspect", "-"], token.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("ear_trustworthiness_vector"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("strict check: passes as an EAR"),
        "{}",
        out.stdout
    );
    // An early-attestation extension needs --as: its form depends on the message.
    let data = field(
        "early-extension/client-hello-mutual-several-schemes.json",
        "extension_data",
    );
    let out = seat_with_stdin(&["inspect", "--as", "early-client-hello", "-"], &data);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("server_attester_schemes"),
        "{}",
        out.stdout
    );
}

/// A capture that does not decode exits 2 and names the offset.
#[test]
fn bad_captures_exit_2_with_an_offset() {
    let mut bytes = field("cmw/cbor-record-media-type.json", "encoded");
    bytes.push(0);
    let out = seat_with_stdin(&["inspect", "-"], &bytes);
    assert_eq!(out.code, 2);
    let at = bytes.len() - 1;
    assert!(
        out.stderr.contains(&format!("byte offset {at}")),
        "{}",
        out.stderr
    );

    let auth = field(
        "ea-authenticator/expat-server-0403-cbor-cmw.json",
        "authenticator",
    );
    let cut = auth.get(..auth.len() / 2).expect("half");
    let out = seat_with_stdin(&["inspect", "--as", "authenticator", "-"], cut);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("at byte"), "{}", out.stderr);

    let out = seat_with_stdin(&["inspect", "-"], b"\x00\x01\x02");
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--as KIND"), "{}", out.stderr);

    let out = seat(&["inspect", "/nonexistent/seat-capture"]);
    assert_eq!(out.code, 2);
}

/// Every kind, forced on every truncation and bit flip of real captures, and on random bytes:
/// an answer, never a panic.
#[test]
fn hostile_input_never_panics() {
    use seat_cli::inspect::{Kind, Options, inspect};
    use seat_proto::codepoints::CodePoints;
    let kinds = [
        None,
        Some(Kind::Vector),
        Some(Kind::Cmw),
        Some(Kind::CoseSign1),
        Some(Kind::Eat),
        Some(Kind::Ear),
        Some(Kind::EarJwt),
        Some(Kind::Request),
        Some(Kind::Authenticator),
        Some(Kind::EarlyClientHello),
        Some(Kind::EarlyEncryptedExtensions),
        Some(Kind::EarlyCertificateRequest),
        Some(Kind::EarlyCertificate),
        Some(Kind::Frames),
    ];
    let seeds = [
        field("cmw/cbor-collection.json", "encoded"),
        field("eat/sim-tee-sha256-binder.json", "token"),
        field("ear/cwt-es256-affirming.json", "token"),
        field(
            "ea-authenticator/expat-server-0403-cbor-cmw.json",
            "authenticator",
        ),
        field(
            "early-extension/client-hello-mutual-several-schemes.json",
            "extension_data",
        ),
    ];
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for seed in &seeds {
        for cut in 0..seed.len().min(200) {
            let mut variants = vec![seed.get(..cut).unwrap_or_default().to_vec()];
            let mut flipped = seed.clone();
            let i = usize::try_from(next() % seed.len() as u64).unwrap_or(0);
            if let Some(b) = flipped.get_mut(i) {
                *b ^= 1 << (next() % 8);
            }
            variants.push(flipped);
            for v in &variants {
                for kind in kinds {
                    let options = Options {
                        kind,
                        codepoints: CodePoints::DEFAULT,
                    };
                    let _ = inspect(v, &options);
                }
            }
        }
    }
    for _ in 0..2000 {
        let len = usize::try_from(next() % 64).unwrap_or(0);
        let bytes: Vec<u8> = (0..len).map(|_| (next() & 0xff) as u8).collect();
        for kind in kinds {
            let options = Options {
                kind,
                codepoints: CodePoints::DEFAULT,
            };
            let _ = inspect(&bytes, &options);
        }
    }
}

/// Every claim a valid EAT or EAR vector lists (its `claims` member, which the independent
/// Python check recomputes from the token) is named in the explanation, and its tier where it
/// is a trustworthiness claim.
#[test]
fn every_listed_claim_is_named() {
    fn names(v: &serde_json::Value, out: &mut Vec<String>) {
        if let Some(map) = v.as_object() {
            for (k, inner) in map {
                out.push(k.clone());
                if k != "cnf" && k != "measurements" {
                    names(inner, out);
                }
            }
        }
    }
    let mut checked = 0;
    for path in vector_files() {
        let v = vector_json(&path);
        if !matches!(v["kind"].as_str(), Some("eat" | "ear")) || v["valid"] != true {
            continue;
        }
        let mut claims = Vec::new();
        names(&v["claims"], &mut claims);
        let out = seat(&["inspect", &path.display().to_string()]);
        assert_eq!(out.code, 0);
        for claim in claims {
            // Submodule labels are shown as they are; claim names with their CBOR key.
            let shown = out.stdout.contains(&format!(" {claim} ("))
                || (claim.parse::<i64>().is_ok() && out.stdout.contains(&format!("({claim}):")))
                || out.stdout.contains(&format!(" {claim}:"))
                || out.stdout.contains(&format!(" {claim}\n"));
            assert!(
                shown,
                "{}: {claim} not named\n{}",
                path.display(),
                out.stdout
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked}");
}
