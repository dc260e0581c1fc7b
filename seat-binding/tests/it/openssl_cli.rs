//! Cross-stack check with the OpenSSL command line: `openssl s_server -keymatexport` prints
//! the keying material of a TLS 1.3 connection with a rustls client; it must equal rustls's
//! exporter and ours computed from the client's key log (expat digest section 6.4,
//! early-attestation digest section 8.7).

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use rustls::crypto::aws_lc_rs::cipher_suite;
use rustls::pki_types::ServerName;
use seat_binding::Secret;
use seat_binding::exporter::rustls_adapter::RustlsExporter;
use seat_binding::exporter::{Exporter, RecordedExporter};
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::HashAlgorithm;
use seat_binding::provider::aws_lc::AwsLcRs;

use crate::live_rustls::{CapturedKeyLog, certificate, client_config};

/// Bounds every wait so the test cannot hang.
const TIMEOUT: Duration = Duration::from_secs(20);

/// Kills the server and removes its files however the test ends.
struct Guard {
    child: Child,
    dir: PathBuf,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn pem(tag: &str, der: &[u8]) -> String {
    // Base64 without a dependency: standard alphabet, padded, 64 columns.
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = String::new();
    for chunk in der.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, b| acc << 8 | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                b64.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                b64.push('=');
            }
        }
    }
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {tag}-----\n{}\n-----END {tag}-----\n",
        lines.join("\n")
    )
}

fn wait_for(lines: &Receiver<String>, prefix: &str) -> String {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = lines
            .recv_timeout(left)
            .unwrap_or_else(|e| panic!("waiting for {prefix:?}: {e}"));
        if let Some(rest) = line.trim().strip_prefix(prefix) {
            return rest.trim().to_owned();
        }
    }
}

fn cross_check(
    suite: rustls::SupportedCipherSuite,
    openssl_suite: &str,
    hash: HashAlgorithm,
    label: &str,
    len: usize,
) {
    let (cert_der, key_pkcs8) = certificate();
    let dir = std::env::temp_dir().join(format!(
        "seat-binding-s_server-{}-{}-{}",
        std::process::id(),
        openssl_suite,
        label.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("cert.pem"), pem("CERTIFICATE", &cert_der)).unwrap();
    std::fs::write(dir.join("key.pem"), pem("PRIVATE KEY", &key_pkcs8)).unwrap();
    let mut child = Command::new("openssl")
        .args([
            "s_server",
            "-accept",
            "127.0.0.1:0",
            "-naccept",
            "1",
            "-tls1_3",
        ])
        .args(["-ciphersuites", openssl_suite, "-num_tickets", "0"])
        .arg("-cert")
        .arg(dir.join("cert.pem"))
        .arg("-key")
        .arg(dir.join("key.pem"))
        .args(["-keymatexport", label, "-keymatexportlen", &len.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the openssl command line must be installed");
    let stdout = child.stdout.take().unwrap();
    let guard = Guard { child, dir };
    let (tx, lines) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let addr = wait_for(&lines, "ACCEPT");

    let log = Arc::new(CapturedKeyLog::default());
    let config = client_config(suite, &cert_der, log.clone());
    let mut conn =
        rustls::ClientConnection::new(Arc::new(config), ServerName::try_from("localhost").unwrap())
            .unwrap();
    let mut sock = TcpStream::connect(&addr).unwrap();
    sock.set_read_timeout(Some(TIMEOUT)).unwrap();
    sock.set_write_timeout(Some(TIMEOUT)).unwrap();
    while conn.is_handshaking() {
        conn.complete_io(&mut sock).unwrap();
    }
    let printed = wait_for(&lines, "Keying material:");
    drop(guard);

    let theirs = hex::decode(printed.to_ascii_lowercase()).unwrap();
    assert_eq!(theirs.len(), len);
    let rustls_exp = RustlsExporter::new(&conn).unwrap();
    assert_eq!(rustls_exp.hash_algorithm(), hash);
    // s_server exports without a context; in TLS 1.3 that equals an empty one.
    assert!(
        rustls_exp
            .export(label.as_bytes(), None, len)
            .unwrap()
            .ct_eq_bytes(&theirs)
    );
    let ours = RecordedExporter::new(
        &AwsLcRs,
        hash,
        Protocol::Tls13,
        Secret::new(log.secret("EXPORTER_SECRET")),
    )
    .unwrap();
    assert!(
        ours.export(label.as_bytes(), Some(&[]), len)
            .unwrap()
            .ct_eq_bytes(&theirs)
    );
}

#[test]
fn openssl_s_server_sha256_rfc9261_label() {
    cross_check(
        cipher_suite::TLS13_AES_128_GCM_SHA256,
        "TLS_AES_128_GCM_SHA256",
        HashAlgorithm::Sha256,
        "EXPORTER-server authenticator handshake context",
        32,
    );
}

#[test]
fn openssl_s_server_sha384_expat_label() {
    cross_check(
        cipher_suite::TLS13_AES_256_GCM_SHA384,
        "TLS_AES_256_GCM_SHA384",
        HashAlgorithm::Sha384,
        "Attestation",
        32,
    );
}

#[test]
fn openssl_s_server_sha384_finished_key_label() {
    cross_check(
        cipher_suite::TLS13_AES_256_GCM_SHA384,
        "TLS_AES_256_GCM_SHA384",
        HashAlgorithm::Sha384,
        "EXPORTER-client authenticator finished key",
        48,
    );
}
