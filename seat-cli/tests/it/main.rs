//! Integration tests of the `seat` command.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod appraise;
mod cli;
mod inspect;
mod links;
mod net;
mod use_cases;

use std::path::PathBuf;

/// What one run of the command produced.
#[derive(Debug)]
pub struct Output {
    /// The exit status.
    pub code: u8,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `seat ARGS` in process, with `stdin` as standard input and no terminal.
pub fn seat_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut input = stdin;
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let mut io = seat_cli::Io {
        stdin: &mut input,
        stdout: &mut stdout,
        stderr: &mut stderr,
        terminal: seat_cli::Terminal {
            stdout: false,
            no_color: false,
            progress: false,
        },
    };
    let code = seat_cli::run(std::iter::once("seat").chain(args.iter().copied()), &mut io);
    Output {
        code,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Runs `seat ARGS` in process.
pub fn seat(args: &[&str]) -> Output {
    seat_with_stdin(args, &[])
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// Every committed vector and recording file, sorted.
pub fn vector_files() -> Vec<PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join("seat-conformance/vectors"), &mut out);
    out.sort();
    out
}

/// A fresh directory for one test's files.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}
