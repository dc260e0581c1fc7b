//! The runnable programs run and succeed, as a new user would run them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn run(exe: &str, args: &[&str]) -> String {
    let out = Command::new(exe).args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{exe} {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("result: success"), "{stdout}");
    stdout
}

#[test]
fn demo_every_flag_combination() {
    let exe = env!("CARGO_BIN_EXE_demo");
    let mut runs = 0;
    for mode in ["mutual", "server", "client"] {
        for model in ["background", "passport"] {
            for cert in [None, Some("--client-cert")] {
                let mut args = vec!["--mode", mode, "--model", model];
                args.extend(cert);
                let out = run(exe, &args);
                assert!(out.contains("gate open"), "{out}");
                runs += 1;
            }
        }
    }
    assert_eq!(runs, 12);
    let out = run(exe, &["--tampered-client"]);
    assert!(out.contains("refused as expected"), "{out}");
}

#[test]
fn demo_rejects_unknown_flags() {
    let out = Command::new(env!("CARGO_BIN_EXE_demo"))
        .arg("--bogus")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn tokio_echo() {
    let out = run(env!("CARGO_BIN_EXE_echo-tokio"), &[]);
    assert!(out.contains("hello from tokio"), "{out}");
}

#[test]
fn manual_bytes() {
    run(env!("CARGO_BIN_EXE_manual-bytes"), &[]);
}

#[test]
fn secret_release() {
    let out = run(env!("CARGO_BIN_EXE_secret-release"), &[]);
    assert!(out.contains("secret withheld"), "{out}");
}
