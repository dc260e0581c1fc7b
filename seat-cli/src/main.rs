//! The `seat` command; everything is in the library (`seat_cli::run`).
#![forbid(unsafe_code)]

use std::io::IsTerminal as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let terminal = seat_cli::Terminal {
        stdout: stdout.is_terminal(),
        no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        progress: true,
    };
    let mut stdin = stdin.lock();
    let mut stdout = stdout.lock();
    let mut stderr = stderr.lock();
    let mut io = seat_cli::Io {
        stdin: &mut stdin,
        stdout: &mut stdout,
        stderr: &mut stderr,
        terminal,
    };
    ExitCode::from(seat_cli::run(std::env::args_os(), &mut io))
}
