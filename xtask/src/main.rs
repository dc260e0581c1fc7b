//! Project automation for seat, in the cargo-xtask convention: `cargo xtask <command>`.
//!
//! Commands:
//! - `ci`: runs exactly what `.ci/run` runs after installing system packages: formatting,
//!   clippy with warnings denied, documentation with warnings denied, and the test suite.
//!
//! This crate stays tiny and dependency-free; it only shells out to cargo.
#![forbid(unsafe_code)]

use std::env;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

/// The test command of the README's quick start, run by `ci` with `INSTA_UPDATE=no`.
const TEST_COMMAND: &[&str] = &["test", "--workspace", "--all-features", "--locked"];

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
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
}

/// One step of the CI run: a cargo invocation with optional extra environment.
struct Step {
    name: &'static str,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
}

const CI_STEPS: &[Step] = &[
    Step {
        name: "format",
        args: &["fmt", "--all", "--check"],
        env: &[],
    },
    Step {
        name: "clippy",
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
        args: TEST_COMMAND,
        env: &[("INSTA_UPDATE", "no")],
    },
];

fn ci() -> Result<(), String> {
    let root = project_root();
    for step in CI_STEPS {
        println!("xtask ci: {} (cargo {})", step.name, step.args.join(" "));
        let status = Command::new(cargo())
            .args(step.args)
            .envs(step.env.iter().copied())
            .current_dir(&root)
            .status()
            .map_err(|e| format!("cannot run cargo for step `{}`: {e}", step.name))?;
        if !status.success() {
            return Err(format!("step `{}` failed ({status})", step.name));
        }
    }
    println!("xtask ci: all steps passed");
    Ok(())
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
