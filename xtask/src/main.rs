//! Project automation for seat, in the cargo-xtask convention: `cargo xtask <command>`.
//!
//! Commands:
//! - `ci`: runs exactly what `.ci/run` runs after installing system packages: formatting,
//!   clippy with warnings denied, documentation with warnings denied, and the test suite.
//!
//! - `vectors [--check | --record [kind]]`: regenerates `seat-conformance/vectors/<kind>/*.json`
//!   deterministically, or with `--check` fails if a committed vector differs; `--record`
//!   records new real rustls and OpenSSL sessions (which `--check` replays, not regenerates),
//!   only those of `kind` (`session` or `early-session`) when it is given.
//! - `demo [flags]`: the attested echo end to end on loopback with the embedded defaults
//!   (see `seat-examples/src/bin/demo.rs` for the flags); with `--dtls`, over DTLS 1.3 on
//!   BoringSSL (`seat-dtls/src/bin/dtls-demo.rs`).
//!
//! This crate stays tiny and dependency-free; it only shells out to cargo.
#![forbid(unsafe_code)]

use std::collections::BTreeSet;
use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The test command of the README's quick start, run by `ci` with `INSTA_UPDATE=no`.
const TEST_COMMAND: &[&str] = &["test", "--workspace", "--all-features", "--locked"];

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("demo") => demo(args.get(1..).unwrap_or_default()),
        Some("vectors") => match args.get(1).map(String::as_str) {
            None => vectors("write", None),
            Some("--check") => vectors("check", None),
            Some("--record") => vectors("record", args.get(2).map(String::as_str)),
            Some(other) => Err(format!(
                "unknown flag `{other}` (expected --check or --record)"
            )),
        },
        Some("help" | "--help" | "-h") | None => {
            print_usage();
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn print_usage() {
    println!("usage: cargo xtask <command>");
    println!();
    println!("commands:");
    println!("  ci    format check, clippy, docs and the test suite, as .ci/run runs them");
    println!("  vectors [--check]  regenerate the interop vectors (or fail if they are stale)");
    println!(
        "  vectors --record [kind]  record new real rustls and OpenSSL sessions (kinds session, early-session; only kind if given)"
    );
    println!("  demo  the attested echo on loopback; flags: --mode mutual|server|client,");
    println!("        --model background|passport, --client-cert, --tampered-client,");
    println!("        --tampered-server;");
    println!("        --dtls: over DTLS 1.3 (BoringSSL) on UDP, every mode unless one is given");
}

/// One step of the CI run: a cargo invocation (or, for the independent vector check, a
/// Python one) with optional extra environment.
struct Step {
    name: &'static str,
    program: Program,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
}

/// What a step runs.
#[derive(Clone, Copy)]
enum Program {
    Cargo,
    Python,
}

const CI_STEPS: &[Step] = &[
    Step {
        name: "format",
        program: Program::Cargo,
        args: &["fmt", "--all", "--check"],
        env: &[],
    },
    Step {
        name: "clippy",
        program: Program::Cargo,
        args: &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
        env: &[],
    },
    Step {
        name: "docs",
        program: Program::Cargo,
        args: &[
            "doc",
            "--workspace",
            "--no-deps",
            "--all-features",
            "--locked",
        ],
        env: &[("RUSTDOCFLAGS", "-Dwarnings")],
    },
    Step {
        name: "tests",
        program: Program::Cargo,
        args: TEST_COMMAND,
        env: &[("INSTA_UPDATE", "no")],
    },
    // seat-dtls links BoringSSL, which cannot share a binary with OpenSSL: it is outside the
    // workspace with its own Cargo.lock, so it gets its own steps.
    Step {
        name: "dtls format",
        program: Program::Cargo,
        args: &["fmt", "--manifest-path", "seat-dtls/Cargo.toml", "--check"],
        env: &[],
    },
    Step {
        name: "dtls clippy",
        program: Program::Cargo,
        args: &[
            "clippy",
            "--manifest-path",
            "seat-dtls/Cargo.toml",
            "--all-targets",
            "--all-features",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
        env: &[],
    },
    Step {
        name: "dtls docs",
        program: Program::Cargo,
        args: &[
            "doc",
            "--manifest-path",
            "seat-dtls/Cargo.toml",
            "--no-deps",
            "--all-features",
            "--locked",
        ],
        env: &[("RUSTDOCFLAGS", "-Dwarnings")],
    },
    Step {
        name: "dtls tests",
        program: Program::Cargo,
        args: &[
            "test",
            "--manifest-path",
            "seat-dtls/Cargo.toml",
            "--all-features",
            "--locked",
        ],
        env: &[],
    },
    Step {
        name: "vectors",
        program: Program::Cargo,
        args: &[
            "run",
            "--quiet",
            "--locked",
            "--package",
            "seat-conformance",
            "--bin",
            "seat-vectors",
            "--",
            "check",
            "seat-conformance/vectors",
        ],
        env: &[],
    },
    Step {
        name: "independent vector check",
        program: Program::Python,
        args: &[
            "seat-conformance/check/check_vectors.py",
            "seat-conformance/vectors",
        ],
        env: &[],
    },
];

fn ci() -> Result<(), String> {
    let root = project_root();
    // insta appends the path of every snapshot a test asserts to this file; after the tests,
    // every committed snapshot must be on it (no unreferenced snapshots) and none pending.
    let references = env::temp_dir().join(format!("seat-insta-references-{}", std::process::id()));
    let _ = fs::remove_file(&references);
    for step in CI_STEPS {
        let program = match step.program {
            Program::Cargo => cargo(),
            Program::Python => "python3".into(),
        };
        println!(
            "xtask ci: {} ({} {})",
            step.name,
            program.to_string_lossy(),
            step.args.join(" ")
        );
        let status = Command::new(program)
            .args(step.args)
            .envs(step.env.iter().copied())
            .env("INSTA_SNAPSHOT_REFERENCES_FILE", &references)
            .current_dir(&root)
            .status()
            .map_err(|e| format!("cannot run cargo for step `{}`: {e}", step.name))?;
        if !status.success() {
            return Err(format!("step `{}` failed ({status})", step.name));
        }
        if step.name == "tests" {
            println!("xtask ci: snapshots (none unreferenced, none pending)");
            let audit = audit_snapshots(&root, &references);
            let _ = fs::remove_file(&references);
            audit?;
        }
    }
    println!("xtask ci: all steps passed");
    Ok(())
}

/// Every insta snapshot file under `root` (outside `target/` and hidden folders), with the
/// pending ones (`.snap.new`, `.pending-snap`) apart.
fn snapshot_files(root: &Path) -> (BTreeSet<PathBuf>, Vec<PathBuf>) {
    let (mut committed, mut pending) = (BTreeSet::new(), Vec::new());
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if name != "target" && !name.starts_with('.') {
                    stack.push(path);
                }
            } else if name.ends_with(".snap.new") || name.ends_with(".pending-snap") {
                pending.push(path);
            } else if name.ends_with(".snap") {
                committed.insert(path);
            }
        }
    }
    (committed, pending)
}

/// Fails when a snapshot is pending, or when a committed one was not asserted by any test
/// during the run whose references insta wrote to `references`.
fn audit_snapshots(root: &Path, references: &Path) -> Result<(), String> {
    let (committed, pending) = snapshot_files(root);
    if !pending.is_empty() {
        return Err(format!("pending snapshots: {pending:?}"));
    }
    let listed = fs::read_to_string(references)
        .map_err(|e| format!("no snapshot references were written ({e})"))?;
    let referenced: BTreeSet<PathBuf> = listed
        .lines()
        .map(|l| fs::canonicalize(l).unwrap_or_else(|_| PathBuf::from(l)))
        .collect();
    let unreferenced: Vec<_> = committed
        .iter()
        .filter(|p| !referenced.contains(&fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())))
        .collect();
    if unreferenced.is_empty() {
        println!("xtask ci: {} snapshots, all referenced", committed.len());
        Ok(())
    } else {
        Err(format!("snapshots no test asserts: {unreferenced:?}"))
    }
}

/// Regenerates (`write`) or checks (`check`) the generated interop vectors, or records new
/// real sessions (`record`), only those of `kind` when it is given.
fn vectors(mode: &str, kind: Option<&str>) -> Result<(), String> {
    let status = Command::new(cargo())
        .args([
            "run",
            "--quiet",
            "--locked",
            "--package",
            "seat-conformance",
            "--bin",
            "seat-vectors",
            "--",
        ])
        .args([mode, "seat-conformance/vectors"])
        .args(kind)
        .current_dir(project_root())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("vectors {mode} failed ({status})"))
    }
}

/// Runs the demo program with `flags` (with `--dtls`, the DTLS 1.3 demo of seat-dtls). Cargo's
/// own output (its build progress: the first build takes minutes) goes straight to the terminal.
fn demo(flags: &[String]) -> Result<(), String> {
    if flags.iter().any(|f| f == "--dtls") {
        return dtls_demo(flags);
    }
    eprintln!("xtask: building and running the demo (the first build takes a few minutes)");
    let status = Command::new(cargo())
        .args([
            "run",
            "--locked",
            "--package",
            "seat-examples",
            "--bin",
            "demo",
            "--",
        ])
        .args(flags)
        .current_dir(project_root())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the demo failed ({status})"))
    }
}

/// Runs seat-dtls's `dtls-demo` (outside the workspace) with `flags` other than `--dtls`.
fn dtls_demo(flags: &[String]) -> Result<(), String> {
    let status = Command::new(cargo())
        .args([
            "run",
            "--quiet",
            "--locked",
            "--manifest-path",
            "seat-dtls/Cargo.toml",
            "--features",
            "demo",
            "--bin",
            "dtls-demo",
            "--",
        ])
        .args(flags.iter().filter(|f| *f != "--dtls"))
        .current_dir(project_root())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the DTLS demo failed ({status})"))
    }
}

/// The cargo that runs this xtask, as the cargo-xtask convention advises.
fn cargo() -> OsString {
    env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// The workspace root: the parent of this crate's manifest directory.
fn project_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
