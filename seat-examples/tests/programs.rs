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
}

#[test]
fn demo_tampered_sides_are_refused_with_the_verifiers_reason() {
    let exe = env!("CARGO_BIN_EXE_demo");
    for (flag, side) in [
        ("--tampered-client", "client"),
        ("--tampered-server", "server"),
    ] {
        for model in ["background", "passport"] {
            let out = run(exe, &[flag, "--model", model]);
            assert!(
                out.contains(&format!("the tampered {side} was refused as expected")),
                "{out}"
            );
            // The library's reason, never a bare "session failed".
            let reason = if model == "background" {
                "a measurement is outside the reference values"
            } else {
                "does not reach the required tier"
            };
            assert!(out.contains(reason), "{out}");
            assert!(!out.contains("session failed"), "{out}");
        }
    }
}

#[test]
fn demo_tampered_side_nobody_asked_to_attest_is_reported_as_such() {
    let exe = env!("CARGO_BIN_EXE_demo");
    let out = run(exe, &["--mode", "server", "--tampered-client"]);
    assert!(
        out.contains("the tampered client was not asked to attest"),
        "{out}"
    );
    assert!(out.contains("echo:"), "{out}");
    let out = run(exe, &["--mode", "client", "--tampered-server"]);
    assert!(
        out.contains("the tampered server was not asked to attest"),
        "{out}"
    );
    assert!(out.contains("echo:"), "{out}");
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
fn tokio_echo_reattests_and_refuses_the_tampered_server_with_the_reason() {
    let out = run(env!("CARGO_BIN_EXE_echo-tokio"), &[]);
    assert!(out.contains("echo: hello, attested world"), "{out}");
    assert!(out.contains("server attested: background check"), "{out}");
    assert!(out.contains("re-attested: background check"), "{out}");
    assert!(
        out.contains("tampered server refused:")
            && out.contains("a measurement is outside the reference values"),
        "{out}"
    );
}

/// The tokio example stays the short program a newcomer writes from the docs.
#[test]
fn tokio_echo_is_at_most_80_lines() {
    let source = include_str!("../src/bin/echo-tokio.rs");
    assert!(source.lines().count() <= 80, "{}", source.lines().count());
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
