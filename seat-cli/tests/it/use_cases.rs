//! The use-case programs of `examples/` (docs/use-cases.md), run as CI runs them: each must
//! exit 0 and print the outcome its use case calls for.

use std::path::PathBuf;
use std::process::Command;

/// `cargo test` builds the examples next to the test binary's folder.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary");
    let debug = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target profile folder");
    debug.join("examples").join(name)
}

fn run(name: &str) -> String {
    let path = example(name);
    let out = Command::new(&path)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{name}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("result: success"), "{name}: {stdout}");
    stdout
}

#[test]
fn command_execution() {
    let out = run("command_execution");
    assert_eq!(out.matches("fresh Evidence accepted").count(), 3, "{out}");
    assert!(out.contains("\"wipe disk\": NOT dispatched"), "{out}");
    assert!(
        out.contains("a measurement is outside the reference values"),
        "{out}"
    );
}

#[test]
fn operation_triggered() {
    let out = run("operation_triggered");
    assert!(
        out.contains("(after fresh Evidence, status affirming)"),
        "{out}"
    );
    assert!(out.contains("\"delete old backups\": REFUSED"), "{out}");
}

#[test]
fn management_plane() {
    let out = run("management_plane");
    assert!(
        out.contains("switch-1 (reference firmware): attested"),
        "{out}"
    );
    assert!(
        out.contains("switch-2 (kernel off the reference values): REFUSED"),
        "{out}"
    );
    assert!(out.contains("switch-3 (does not attest): REFUSED"), "{out}");
}
