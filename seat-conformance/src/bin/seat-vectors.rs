//! Writes the generated interop vectors, or checks that the committed ones are current.
//!
//! ```text
//! seat-vectors write <dir>    # regenerate <dir>/<kind>/<name>.json (external/ untouched)
//! seat-vectors check <dir>    # regenerate in memory; fail on any difference
//! seat-vectors record <dir>   # record new real sessions into <dir>/session, <dir>/early-session,
//!                             # <dir>/dtls-session
//! seat-vectors record <dir> <kind>   # record only <kind> (session, early-session or dtls-session)
//! seat-vectors record <dir> session <name>   # record only the session flow <name>
//! ```
//!
//! `write` and `check` leave the recorded kinds alone: a real handshake cannot be regenerated
//! byte for byte, so recordings are replayed by the runner instead.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use seat_conformance::{generate, record};

/// The files present under `dir` in the kind folders `keep`.
fn existing(dir: &Path, keep: impl Fn(&str) -> bool) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let Ok(kinds) = std::fs::read_dir(dir) else {
        return out;
    };
    for kind in kinds.flatten() {
        if !keep(&kind.file_name().to_string_lossy()) || !kind.path().is_dir() {
            continue;
        }
        if let Ok(files) = std::fs::read_dir(kind.path()) {
            out.extend(
                files
                    .flatten()
                    .map(|f| f.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "json")),
            );
        }
    }
    out
}

/// Which kinds' folders a mode owns.
type KindFilter = dyn Fn(&str) -> bool;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, dir, only, flow) = match args.as_slice() {
        [mode, dir] if ["write", "check", "record"].contains(&mode.as_str()) => {
            (mode.as_str(), PathBuf::from(dir), None, None)
        }
        [mode, dir, kind]
            if mode == "record" && record::RECORDED_KINDS.contains(&kind.as_str()) =>
        {
            (mode.as_str(), PathBuf::from(dir), Some(kind.clone()), None)
        }
        [mode, dir, kind, name] if mode == "record" && kind == "session" => {
            (mode.as_str(), PathBuf::from(dir), None, Some(name.clone()))
        }
        _ => {
            eprintln!(
                "usage: seat-vectors write|check|record <dir>, or seat-vectors record <dir> <{}>, \
                 or seat-vectors record <dir> session <flow>",
                record::RECORDED_KINDS.join("|")
            );
            return ExitCode::from(2);
        }
    };
    let recorded = |kind: &str| record::RECORDED_KINDS.contains(&kind);
    let (vectors, mine): (_, Box<KindFilter>) = if let Some(name) = flow {
        // One session flow: the other recordings are not this run's to touch.
        (
            record::rustls::session(&name).map(|v| vec![v]),
            Box::new(|_: &str| false),
        )
    } else if let Some(only) = only {
        // One recorded kind: the other kinds' folders are not this run's to touch.
        let vectors = record::kind(&only).and_then(|v| {
            if v.iter().all(|x| x.kind == only) {
                Ok(v)
            } else {
                Err(format!("a recording of {only} has another kind"))
            }
        });
        (vectors, Box::new(move |kind: &str| kind == only))
    } else if mode == "record" {
        (record::all(), Box::new(recorded))
    } else {
        (
            generate::all(),
            Box::new(move |kind: &str| kind != "external" && !recorded(kind)),
        )
    };
    let vectors = match vectors {
        Ok(v) => v,
        Err(e) => {
            eprintln!("seat-vectors: generation failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stale = Vec::new();
    let mut wanted = BTreeSet::new();
    for v in &vectors {
        let path = dir.join(v.path());
        wanted.insert(path.clone());
        let text = v.to_json();
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() == Some(text.as_str()) {
            continue;
        }
        if mode != "check" {
            if let Some(parent) = path.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            if let Err(e) = std::fs::write(&path, text) {
                eprintln!("seat-vectors: cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        } else {
            stale.push(path.display().to_string());
        }
    }
    for extra in existing(&dir, mine).difference(&wanted) {
        if mode != "check" {
            let _ = std::fs::remove_file(extra);
        } else {
            stale.push(format!("{} (no longer generated)", extra.display()));
        }
    }
    let negative = vectors
        .iter()
        .filter(|v| v.fields.get("valid") == Some(&serde_json::Value::Bool(false)))
        .count();
    if stale.is_empty() {
        println!(
            "seat-vectors: {} vectors ({negative} negative) {}",
            vectors.len(),
            if mode != "check" {
                "written"
            } else {
                "up to date"
            }
        );
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "seat-vectors: {} files are not up to date; run `cargo xtask vectors` and commit:",
            stale.len()
        );
        for s in stale {
            eprintln!("  {s}");
        }
        ExitCode::FAILURE
    }
}
