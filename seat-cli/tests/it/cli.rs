//! Conventions: help on every subcommand, exit codes, colour only when asked or on a terminal.

use crate::{root, seat, seat_with_stdin};

#[test]
fn every_subcommand_has_help() {
    let top = seat(&["--help"]);
    assert_eq!(top.code, 0);
    assert!(top.stdout.contains("Exit status"), "{}", top.stdout);
    let subcommands: Vec<String> = top
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|c| c != "help")
        .collect();
    assert!(subcommands.len() >= 2, "{subcommands:?}");
    for sub in subcommands {
        let out = seat(&[&sub, "--help"]);
        assert_eq!(out.code, 0, "{sub}");
        assert!(out.stdout.contains("Usage: seat"), "{sub}: {}", out.stdout);
        assert!(out.stdout.contains("Exit status"), "{sub}: {}", out.stdout);
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(seat(&[]).code, 2);
    assert_eq!(seat(&["no-such-command"]).code, 2);
    assert_eq!(seat(&["inspect"]).code, 2);
    assert_eq!(seat(&["inspect", "--as", "nonsense", "-"]).code, 2);
    assert_eq!(
        seat(&["inspect", "--codepoints", "cmw_attestation=zz", "-"]).code,
        2
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let file = root().join("seat-conformance/vectors/cmw/cbor-tag.json");
    let file = file.display().to_string();
    let plain = seat(&["inspect", &file]);
    assert!(!plain.stdout.contains('\x1b'));
    let coloured = seat(&["--color", "always", "inspect", &file]);
    assert!(coloured.stdout.contains("\x1b[1m"));

    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let mut stdin: &[u8] = &[];
    let mut io = seat_cli::Io {
        stdin: &mut stdin,
        stdout: &mut stdout,
        stderr: &mut stderr,
        terminal: seat_cli::Terminal {
            stdout: true,
            no_color: false,
            progress: false,
        },
    };
    assert_eq!(
        seat_cli::run(["seat", "inspect", file.as_str()], &mut io),
        0
    );
    assert!(String::from_utf8_lossy(&stdout).contains('\x1b'));
    let _ = seat_with_stdin;
}

/// The installed binary behaves as the library: exit status and streams.
#[test]
fn the_binary_exits_with_the_documented_codes() {
    let bin = env!("CARGO_BIN_EXE_seat");
    let ok = std::process::Command::new(bin)
        .args(["inspect", "--json"])
        .arg(root().join("seat-conformance/vectors/cmw/cbor-tag.json"))
        .output()
        .expect("run seat");
    assert_eq!(ok.status.code(), Some(0));
    assert!(!ok.stdout.contains(&0x1b), "no colour when not a terminal");
    let bad = std::process::Command::new(bin)
        .args(["inspect", "/nonexistent"])
        .output()
        .expect("run seat");
    assert_eq!(bad.status.code(), Some(2));
}
