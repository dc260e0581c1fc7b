//! Project automation for seat, in the cargo-xtask convention: `cargo xtask <command>`.
//!
//! Commands:
//! - `ci`: runs exactly what `.ci/run` runs after installing system packages: formatting,
//!   clippy with warnings denied, documentation with warnings denied, and the test suite.
//!
//! - `vectors [--check | --record [kind [flow]]]`: regenerates
//!   `seat-conformance/vectors/<kind>/*.json` deterministically, or with `--check` fails if a
//!   committed vector differs; `--record` records new real rustls and OpenSSL sessions (which
//!   `--check` replays, not regenerates), only those of `kind` (`session`, `early-session` or
//!   `dtls-session`) when it is given, only the `session` flow `flow` when named.
//! - `demo [flags]`: the attested echo end to end on loopback with the embedded defaults
//!   (see `seat-examples/src/bin/demo.rs` for the flags); with `--dtls`, over DTLS 1.3 on
//!   BoringSSL (`seat-dtls/src/bin/dtls-demo.rs`).
//! - `fuzz [--time SECS] [TARGET...]`: builds the fuzz targets (`fuzz/`) with libFuzzer's
//!   coverage instrumentation on the stable toolchain and runs each in turn for `SECS`
//!   seconds (default 60) from its seed corpus, then reports executions and findings per
//!   target; `fuzz --seeds` rewrites the seed corpora from the vectors.
//! - `bench [--quick]`: the release criterion benchmarks of issue 18
//!   (`seat-examples/benches/attested.rs`, then `seat-verify/benches/platforms.rs`): prints
//!   the machine's load, one table of medians per benchmark, then one `ratio NAME VALUE` line
//!   per ratio (`appraisal_over_signature_floor/<format>` for each real platform sample) and
//!   the counted operations and round trips; criterion's progress goes to stderr. `--quick`
//!   shortens every measurement.
//! - `model [--depth N]`: the model check of the session against an active attacker
//!   (`seat-proto/tests/model.rs`), with its state count.
//! - `soak [flags]`: the soak of attested TLS over tokio on loopback (`seat-soak`, built in
//!   release): by default 1,000 concurrent connections with faults injected; `--quick` is the
//!   short version CI runs (see `seat-soak/src/main.rs` for the flags).
//!
//! This crate stays tiny and dependency-free; it only shells out to cargo.
#![forbid(unsafe_code)]

use std::collections::BTreeSet;
use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The test command of the README's quick start, run by `ci` with `INSTA_UPDATE=no`: every
/// feature of every workspace crate. (JSON output is written with sorted members whichever map
/// serde_json is built with, so dcap-qvl turning on `preserve_order` changes nothing.)
const TEST_COMMAND: &[&str] = &["test", "--workspace", "--all-features", "--locked"];

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("bench") => bench(args.get(1..).unwrap_or_default()),
        Some("demo") => demo(args.get(1..).unwrap_or_default()),
        Some("fuzz") => fuzz(args.get(1..).unwrap_or_default()),
        Some("model") => model(args.get(1..).unwrap_or_default()),
        Some("soak") => soak(args.get(1..).unwrap_or_default()),
        Some("vectors") => match args.get(1).map(String::as_str) {
            None => vectors("write", &[]),
            Some("--check") => vectors("check", &[]),
            Some("--record") => vectors(
                "record",
                &args.iter().skip(2).map(String::as_str).collect::<Vec<_>>(),
            ),
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
        "  vectors --record [kind [flow]]  record new real rustls and OpenSSL sessions (kinds session, early-session, dtls-session; only kind if given; only one session flow if named)"
    );
    println!("  fuzz [--time SECS] [TARGET...]  run the fuzz targets (default: all, 60 s each)");
    println!("  fuzz --seeds  rewrite fuzz/seeds from the vectors");
    println!(
        "  bench [--quick]  the performance benchmarks: one table and `ratio NAME VALUE` lines"
    );
    println!("  model [--depth N]  model-check the session against an active attacker");
    println!(
        "  soak [--connections N] [--secs S] [--fault-share P] [--quick]  attested connections under load and faults"
    );
    println!(
        "  demo  the attested echo on loopback; flags: --tee sim|tdx|snp|tpm|psa (the platform:"
    );
    println!("        the simulated TEE, or the TDX, SEV-SNP, TPM 2.0 or PSA simulator),");
    println!("        --mode mutual|server|client,");
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
    // The short soak: 50 attested connections over tokio on loopback with faults injected, in
    // the dev profile the vector check below builds anyway.
    Step {
        name: "soak (quick)",
        program: Program::Cargo,
        args: &[
            "run",
            "--quiet",
            "--locked",
            "--package",
            "seat-soak",
            "--",
            "--quick",
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
            // The model check ran among the tests; its report (states explored) is shown
            // whatever the test harness captured.
            let report = root.join("target/tmp/model-check.txt");
            if let Ok(text) = fs::read_to_string(&report) {
                print!("xtask ci: {text}");
            }
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
/// real sessions (`record`), only those of `kind` (and of the one session flow named after
/// it) when given.
fn vectors(mode: &str, kind: &[&str]) -> Result<(), String> {
    let mut command = Command::new(cargo());
    command
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
        .args(kind);
    run(&mut command, &format!("vectors {mode}"))
}

/// Runs the demo program with `flags` (with `--dtls`, the DTLS 1.3 demo of seat-dtls). Cargo's
/// own output (its build progress: the first build takes minutes) goes straight to the terminal.
fn demo(flags: &[String]) -> Result<(), String> {
    if flags.iter().any(|f| f == "--dtls") {
        return dtls_demo(flags);
    }
    eprintln!("xtask: building and running the demo (the first build takes a few minutes)");
    // A platform simulator is a feature of seat-examples, enabled only when asked for (the
    // TDX appraisal pulls in dcap-qvl).
    let tee = flags
        .iter()
        .position(|f| f == "--tee")
        .and_then(|i| flags.get(i + 1))
        .map(String::as_str);
    let features: Vec<&str> = match tee {
        Some(platform @ ("tdx" | "snp" | "tpm" | "psa")) => vec!["--features", platform],
        _ => Vec::new(),
    };
    let mut command = Command::new(cargo());
    command
        .args(["run", "--locked", "--package", "seat-examples"])
        .args(&features)
        .args(["--bin", "demo", "--"])
        .args(flags);
    run(&mut command, "the demo")
}

/// Runs seat-dtls's `dtls-demo` (outside the workspace) with `flags` other than `--dtls`.
fn dtls_demo(flags: &[String]) -> Result<(), String> {
    let mut command = Command::new(cargo());
    command
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
        .args(flags.iter().filter(|f| *f != "--dtls"));
    run(&mut command, "the DTLS demo")
}

/// Runs `command` (a cargo invocation) from the project root; its output goes straight to the
/// terminal. An error names `what` failed.
fn run(command: &mut Command, what: &str) -> Result<(), String> {
    let status = command
        .current_dir(project_root())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
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

/// libFuzzer's coverage instrumentation, as cargo-fuzz sets it (no sanitizer: the code under
/// test is safe Rust), plus the `fuzzing` cfg and debug assertions.
const FUZZ_RUSTFLAGS: &str = "--cfg fuzzing -Cpasses=sancov-module \
     -Cllvm-args=-sanitizer-coverage-level=4 \
     -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
     -Cllvm-args=-sanitizer-coverage-pc-table \
     -Cllvm-args=-sanitizer-coverage-trace-compares \
     -Cdebug-assertions -Coverflow-checks";

/// The `[[bin]]` names of `fuzz/Cargo.toml`, in order.
fn fuzz_targets(root: &Path) -> Result<Vec<String>, String> {
    let manifest = fs::read_to_string(root.join("fuzz/Cargo.toml"))
        .map_err(|e| format!("fuzz/Cargo.toml: {e}"))?;
    let mut in_bin = false;
    let mut out = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if in_bin && let Some(name) = line.strip_prefix("name = ") {
            out.push(name.trim_matches('"').to_string());
        }
    }
    Ok(out)
}

fn fuzz(flags: &[String]) -> Result<(), String> {
    let root = project_root();
    let mut secs: u64 = 60;
    let mut chosen = Vec::new();
    let mut it = flags.iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--time" => {
                secs = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--time needs a number of seconds")?;
            }
            "--seeds" => {
                let status = Command::new("python3")
                    .arg(root.join("fuzz/make_seeds.py"))
                    .status()
                    .map_err(|e| format!("cannot run python3: {e}"))?;
                return if status.success() {
                    Ok(())
                } else {
                    Err(format!("make_seeds.py failed ({status})"))
                };
            }
            other => chosen.push(other.to_string()),
        }
    }
    let all = fuzz_targets(&root)?;
    if let Some(unknown) = chosen.iter().find(|t| !all.contains(t)) {
        return Err(format!(
            "unknown fuzz target `{unknown}` (targets: {})",
            all.join(", ")
        ));
    }
    let targets = if chosen.is_empty() { all } else { chosen };
    // An explicit target keeps the instrumentation off build scripts and proc macros, as
    // cargo-fuzz does.
    let host = host_triple()?;
    println!("xtask fuzz: building {} targets for {host}", targets.len());
    let status = Command::new(cargo())
        .args([
            "build",
            "--release",
            "--manifest-path",
            "fuzz/Cargo.toml",
            "--bins",
            "--target",
            &host,
        ])
        .env("RUSTFLAGS", FUZZ_RUSTFLAGS)
        .env("CARGO_TARGET_DIR", root.join("fuzz/target"))
        .current_dir(&root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building the fuzz targets failed ({status})"));
    }
    let mut report = Vec::new();
    for target in &targets {
        let corpus = root.join("fuzz/corpus").join(target);
        let artifacts = root.join("fuzz/artifacts").join(target);
        fs::create_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
        fs::create_dir_all(&artifacts).map_err(|e| format!("{}: {e}", artifacts.display()))?;
        let seeds = root.join("fuzz/seeds").join(target);
        let log = root.join("fuzz/artifacts").join(format!("{target}.log"));
        println!("xtask fuzz: {target} for {secs} s (log {})", log.display());
        let mut cmd = Command::new(
            root.join("fuzz/target")
                .join(&host)
                .join("release")
                .join(target),
        );
        cmd.arg(format!("-max_total_time={secs}"))
            .arg("-print_final_stats=1")
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            .arg(&corpus);
        if seeds.is_dir() {
            cmd.arg(&seeds);
        }
        let out = cmd
            .stderr(fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?)
            .status()
            .map_err(|e| format!("cannot run {target}: {e}"))?;
        let text = fs::read_to_string(&log).unwrap_or_default();
        let stat = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim_start_matches(':').trim().to_string())
                .unwrap_or_else(|| "?".into())
        };
        let findings = fs::read_dir(&artifacts).map(|d| d.count()).unwrap_or(0);
        let line = format!(
            "{target}: {} executions in {} s, corpus {} inputs, findings {findings}, exit {}",
            stat("stat::number_of_executed_units"),
            secs,
            fs::read_dir(&corpus).map(|d| d.count()).unwrap_or(0),
            out.code()
                .map_or_else(|| "signal".into(), |c| c.to_string()),
        );
        println!("xtask fuzz: {line}");
        report.push((line, out.success() && findings == 0));
    }
    println!("xtask fuzz: report");
    for (line, _) in &report {
        println!("  {line}");
    }
    if report.iter().all(|(_, ok)| *ok) {
        Ok(())
    } else {
        Err("a fuzz target found a crash (see fuzz/artifacts)".into())
    }
}

/// The host's target triple, from `rustc -vV`.
fn host_triple() -> Result<String, String> {
    let out = Command::new(env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .arg("-vV")
        .output()
        .map_err(|e| format!("cannot run rustc: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_string)
        .ok_or_else(|| "rustc -vV names no host".into())
}

/// Runs the soak (release build) with `flags`.
fn soak(flags: &[String]) -> Result<(), String> {
    eprintln!("xtask: building the soak in release (the first build takes a few minutes)");
    let mut command = Command::new(cargo());
    command
        .args([
            "run",
            "--release",
            "--locked",
            "--package",
            "seat-soak",
            "--",
        ])
        .args(flags);
    run(&mut command, "the soak")
}

/// The line `seat-examples/benches/attested.rs` and `seat-verify/benches/platforms.rs` print
/// before their reports.
const BENCH_REPORT_MARKER: &str = "## seat bench report";

/// The benchmarks `cargo xtask bench` runs, in order: the attested connection (issue 18), then
/// the appraisal of each real platform sample against its signature floor (issues 13 and 16,
/// `appraisal_over_signature_floor/<format>`).
const BENCHES: [&[&str]; 2] = [
    &["--package", "seat-examples", "--bench", "attested"],
    &[
        "--package",
        "seat-verify",
        "--bench",
        "platforms",
        "--features",
        "tdx,snp,tpm,psa,nitro,cca",
    ],
];

/// Runs the benchmarks in release and prints their reports (the lines after
/// [`BENCH_REPORT_MARKER`]) on stdout, criterion's progress on stderr.
fn bench(flags: &[String]) -> Result<(), String> {
    let mut quick = false;
    for flag in flags {
        match flag.as_str() {
            "--quick" => quick = true,
            other => return Err(format!("unknown flag `{other}` (expected --quick)")),
        }
    }
    let load = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average (1, 5, 15 min) before: {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let mut result = Ok(());
    for args in BENCHES {
        if let Err(e) = bench_report(args, quick) {
            result = Err(e);
            break;
        }
    }
    let load = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average (1, 5, 15 min) after: {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    result
}

/// Runs one benchmark (`cargo bench --locked ARGS`) and prints its report.
fn bench_report(args: &[&str], quick: bool) -> Result<(), String> {
    use std::io::{BufRead, BufReader};
    let mut cmd = Command::new(cargo());
    cmd.args(["bench", "--locked"])
        .args(args)
        .current_dir(project_root())
        .stdout(std::process::Stdio::piped());
    if quick {
        cmd.env("SEAT_BENCH_QUICK", "1");
    }
    let mut child = cmd.spawn().map_err(|e| format!("cannot run cargo: {e}"))?;
    let mut reporting = false;
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines() {
            let line = line.map_err(|e| format!("reading the benchmark's output: {e}"))?;
            if reporting {
                println!("{line}");
            } else if line == BENCH_REPORT_MARKER {
                reporting = true;
            } else {
                eprintln!("{line}");
            }
        }
    }
    let status = child.wait().map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() && reporting {
        Ok(())
    } else {
        Err(format!(
            "the benchmark {} failed ({status})",
            args.join(" ")
        ))
    }
}

fn model(flags: &[String]) -> Result<(), String> {
    let mut depth = None;
    let mut it = flags.iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--depth" => depth = it.next().cloned(),
            other => return Err(format!("unknown flag `{other}`")),
        }
    }
    let mut cmd = Command::new(cargo());
    cmd.args([
        "test",
        "--locked",
        "--all-features",
        "--package",
        "seat-proto",
        "--test",
        "model",
        "--",
        "--nocapture",
    ])
    .current_dir(project_root());
    if let Some(d) = depth {
        cmd.env("SEAT_MODEL_DEPTH", d);
    }
    let status = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the model check failed ({status})"))
    }
}
