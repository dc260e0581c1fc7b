//! `seat serve` and `seat connect` against each other on 127.0.0.1, as separate processes:
//! every model, server-only and mutual, and a tampered server refused with its reason.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::scratch;

const SEAT: &str = env!("CARGO_BIN_EXE_seat");

struct Server {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Server {
    /// Starts `seat serve 127.0.0.1:0 --once ARGS` and waits for its `listening on` line.
    fn start(dir: &Path, args: &[&str]) -> Self {
        let mut child = Command::new(SEAT)
            .args(["serve", "127.0.0.1:0", "--once"])
            .arg("--cert-out")
            .arg(dir.join("server.pem"))
            .arg("--policy-out")
            .arg(dir.join("server-policy.toml"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("seat serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("listening line");
        let port = line
            .trim()
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {line:?}"));
        Self {
            child,
            port,
            dir: dir.to_path_buf(),
        }
    }

    fn target(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Waits for the server to finish its one connection; its exit status.
    fn wait(mut self) -> Option<i32> {
        self.child.wait().ok().and_then(|s| s.code())
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn connect(server: &Server, args: &[&str], input: &str) -> Run {
    let mut child = Command::new(SEAT)
        .arg("connect")
        .arg(server.target())
        .arg("--ca")
        .arg(server.dir.join("server.pem"))
        .arg("--policy")
        .arg(server.dir.join("server-policy.toml"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("seat connect");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("connect output");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

const MODELS: [&str; 2] = ["background", "passport"];

#[test]
fn server_attestation_in_every_model() {
    for model in MODELS {
        let dir = scratch(&format!("net-server-{model}"));
        let server = Server::start(&dir, &["--model", model]);
        let run = connect(
            &server,
            &["--model", model],
            "hello over an attested channel\n",
        );
        assert_eq!(run.code, Some(0), "{model}: {}{}", run.stdout, run.stderr);
        for expect in [
            "verdict: accepted",
            "binding level: exchange",
            "trust vector: sim-tee: status affirming",
            "executables: 2 (affirming)",
            "binder: ",
            "platform: ",
            "hello over an attested channel",
        ] {
            assert!(
                run.stdout.contains(expect),
                "{model}: {expect}\n{}",
                run.stdout
            );
        }
        if model == "background" {
            // Background check: the Evidence's claims, measurements named.
            assert!(run.stdout.contains("kernel: 6b6b"), "{}", run.stdout);
            assert!(run.stdout.contains("eat_nonce (10)"), "{}", run.stdout);
        } else {
            assert!(run.stdout.contains("ear_status (1000)"), "{}", run.stdout);
        }
        assert_eq!(server.wait(), Some(0), "{model}");
    }
}

fn verifier_key(dir: &Path, name: &str) -> (PathBuf, Vec<u8>) {
    let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let path = dir.join(name);
    std::fs::write(&path, pair.serialize_pem()).expect("write key");
    (path, pair.public_key_der())
}

#[test]
fn mutual_attestation_in_every_model() {
    for model in MODELS {
        let dir = scratch(&format!("net-mutual-{model}"));
        // The server's trust in the client: the client's TEE and Verifier, as an operator
        // would write it.
        let (client_key, client_spki) = verifier_key(&dir, "client-verifier.pem");
        let client_seed = seat_cli::net::tee_seed("client");
        let policy = seat_cli::net::trust_policy(client_seed, &client_spki).expect("policy");
        let client_policy = dir.join("client-policy.toml");
        std::fs::write(&client_policy, policy).expect("write");
        let server = Server::start(
            &dir,
            &[
                "--model",
                model,
                "--require-client",
                "--policy",
                client_policy.to_str().expect("utf-8"),
            ],
        );
        let run = connect(
            &server,
            &[
                "--model",
                model,
                "--attest",
                "--tee-seed",
                "client",
                "--verifier-key",
                client_key.to_str().expect("utf-8"),
            ],
            "mutual\n",
        );
        assert_eq!(run.code, Some(0), "{model}: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("verdict: accepted"), "{}", run.stdout);
        assert!(run.stdout.contains("mutual"), "{}", run.stdout);
        assert_eq!(
            server.wait(),
            Some(0),
            "{model}: the server accepted the client"
        );
    }
}

#[test]
fn a_client_the_server_does_not_trust_is_refused() {
    let dir = scratch("net-mutual-untrusted");
    let (_, client_spki) = verifier_key(&dir, "client-verifier.pem");
    // The server trusts the TEE of seed "someone-else", not the client's.
    let policy = seat_cli::net::trust_policy(seat_cli::net::tee_seed("someone-else"), &client_spki)
        .expect("policy");
    let client_policy = dir.join("client-policy.toml");
    std::fs::write(&client_policy, policy).expect("write");
    let server = Server::start(
        &dir,
        &[
            "--require-client",
            "--policy",
            client_policy.to_str().expect("utf-8"),
        ],
    );
    let run = connect(&server, &["--attest", "--tee-seed", "client"], "x\n");
    assert_ne!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(
        server.wait(),
        Some(1),
        "the server refused the client's attestation"
    );
}

#[test]
fn tampered_server_is_refused_with_the_reason() {
    for model in MODELS {
        let dir = scratch(&format!("net-tampered-{model}"));
        let server = Server::start(&dir, &["--model", model, "--tampered"]);
        let run = connect(&server, &["--model", model], "secret\n");
        assert_eq!(run.code, Some(1), "{model}: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("verdict: rejected"), "{}", run.stdout);
        let reason = if model == "background" {
            "rejected at policy"
        } else {
            "status"
        };
        assert!(run.stderr.contains(reason), "{model}: {}", run.stderr);
        assert!(
            !run.stdout.contains("secret"),
            "nothing relayed to a refused server"
        );
        let _ = server.wait();
    }
}

#[test]
fn an_untrusted_server_certificate_is_refused() {
    let dir = scratch("net-untrusted-cert");
    let other = scratch("net-untrusted-cert-other");
    let server = Server::start(&dir, &[]);
    // A CA that did not issue the server's certificate.
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .expect("params")
        .self_signed(&key)
        .expect("cert");
    std::fs::write(other.join("server.pem"), cert.pem()).expect("write");
    std::fs::copy(
        dir.join("server-policy.toml"),
        other.join("server-policy.toml"),
    )
    .expect("copy");
    let impostor = Server {
        child: Command::new("true").spawn().expect("true"),
        port: server.port,
        dir: other,
    };
    let run = connect(&impostor, &[], "x\n");
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("verdict: accepted"));
    let _ = impostor.wait();
    let _ = server.wait();
}

/// A client authenticating with a CA-issued certificate attests with that certificate's key:
/// the server checks the chain against its client CA, then the attestation bound to the key.
#[test]
fn client_certificate_and_attestation() {
    let dir = scratch("net-client-cert");
    let ca_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "seat test client CA");
    let ca = ca_params.self_signed(&ca_key).expect("ca");
    let leaf_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut leaf_params =
        rcgen::CertificateParams::new(vec!["client.example".to_string()]).expect("params");
    leaf_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let leaf = leaf_params
        .signed_by(&leaf_key, &ca, &ca_key)
        .expect("leaf");
    let ca_path = dir.join("client-ca.pem");
    let cert_path = dir.join("client.pem");
    let key_path = dir.join("client.key");
    std::fs::write(&ca_path, ca.pem()).expect("write");
    std::fs::write(&cert_path, leaf.pem()).expect("write");
    std::fs::write(&key_path, leaf_key.serialize_pem()).expect("write");

    let (client_verifier, client_spki) = verifier_key(&dir, "client-verifier.pem");
    let policy = seat_cli::net::trust_policy(seat_cli::net::tee_seed("client"), &client_spki)
        .expect("policy");
    let client_policy = dir.join("client-policy.toml");
    std::fs::write(&client_policy, policy).expect("write");
    let server = Server::start(
        &dir,
        &[
            "--require-client",
            "--policy",
            client_policy.to_str().expect("utf-8"),
            "--client-ca",
            ca_path.to_str().expect("utf-8"),
        ],
    );
    let run = connect(
        &server,
        &[
            "--attest",
            "--tee-seed",
            "client",
            "--verifier-key",
            client_verifier.to_str().expect("utf-8"),
            "--client-cert",
            cert_path.to_str().expect("utf-8"),
            "--client-key",
            key_path.to_str().expect("utf-8"),
        ],
        "with a certificate\n",
    );
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("with a certificate"), "{}", run.stdout);
    assert_eq!(
        server.wait(),
        Some(0),
        "the server accepted the certified client"
    );
}

/// `seat serve --stdio` relays: what the client sends appears on the server's standard output,
/// and the server's standard input goes back to the client.
#[test]
fn serve_relays_standard_input_and_output() {
    let dir = scratch("net-stdio");
    let mut child = Command::new(SEAT)
        .args(["serve", "127.0.0.1:0", "--once", "--stdio"])
        .arg("--cert-out")
        .arg(dir.join("server.pem"))
        .arg("--policy-out")
        .arg(dir.join("server-policy.toml"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("seat serve");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"answer from the operator\n")
        .expect("write");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("listening line");
    let port = line
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    let server = Server {
        child,
        port,
        dir: dir.clone(),
    };
    let run = connect(&server, &[], "question from the client\n");
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("answer from the operator"),
        "{}",
        run.stdout
    );
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).expect("server output");
    assert!(rest.contains("question from the client"), "{rest}");
    assert_eq!(server.wait(), Some(0));
}

/// A server that cannot attest in the model the client requires is the peer's failure
/// (exit 1), named as such.
#[test]
fn a_server_that_cannot_attest_in_the_model_is_refused() {
    let dir = scratch("net-model-mismatch");
    let server = Server::start(&dir, &["--model", "passport"]);
    let run = connect(&server, &["--model", "background"], "x\n");
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("cannot attest"), "{}", run.stdout);
    let _ = server.wait();
}
