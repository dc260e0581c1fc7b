//! A readable, stable rendering of decoded messages for snapshots: one field per line, byte
//! strings as hex wrapped at 32 bytes, names from the registries.

use std::fmt::Write;

use seat_proto::ext::{EntryExtension, RequestExtension};
use seat_proto::message::{Authenticator, AuthenticatorRequest, Certificate, CertificateRequest};
use seat_proto::remote_attestation::{AttestationScheme, RemoteAttestation};

/// Hex, wrapped at 32 bytes a line, each continuation line indented by `indent`.
pub(crate) fn hex_block(bytes: &[u8], indent: usize) -> String {
    if bytes.is_empty() {
        return "(empty)".into();
    }
    let pad = " ".repeat(indent);
    bytes
        .chunks(32)
        .map(hex::encode)
        .collect::<Vec<_>>()
        .join(&format!("\n{pad}"))
}

fn field(out: &mut String, indent: usize, name: &str, bytes: &[u8]) {
    let pad = " ".repeat(indent);
    let _ = writeln!(out, "{pad}{name} ({} bytes):", bytes.len());
    let _ = writeln!(out, "{pad}  {}", hex_block(bytes, indent + 2));
}

pub(crate) fn request(req: &AuthenticatorRequest) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})", req.msg_type(), req.msg_type().0);
    request_body(&mut out, req.request());
    out
}

pub(crate) fn request_body(out: &mut String, req: &CertificateRequest) {
    field(
        out,
        2,
        "certificate_request_context",
        req.context.as_bytes(),
    );
    let _ = writeln!(out, "  extensions:");
    for ext in req.extensions.iter() {
        let t = ext.extension_type();
        let line = match ext {
            RequestExtension::SignatureAlgorithms(l)
            | RequestExtension::SignatureAlgorithmsCert(l) => {
                let names: Vec<String> = l.schemes().iter().map(|s| format!("{s}")).collect();
                format!("{t} ({:#06x}): {}", t.0, names.join(", "))
            }
            RequestExtension::CmwAttestationOffer { .. } => {
                format!("cmw_attestation ({:#06x}): offered (empty)", t.0)
            }
            RequestExtension::RemoteAttestation {
                chosen_client_scheme,
                ..
            } => format!(
                "remoteAttestation ({:#06x}): chosen_client_scheme {chosen_client_scheme}",
                t.0
            ),
            RequestExtension::Other(e) => {
                format!("{t} ({:#06x}): {}", t.0, hex_block(e.data.as_bytes(), 6))
            }
            other => format!("{other:?}"),
        };
        let _ = writeln!(out, "    {line}");
    }
}

pub(crate) fn certificate(out: &mut String, cert: &Certificate) {
    let _ = writeln!(out, "certificate (11)");
    field(
        out,
        2,
        "certificate_request_context",
        cert.context().as_bytes(),
    );
    let _ = writeln!(out, "  certificate_list: {} entries", cert.entries().len());
    for (i, entry) in cert.entries().iter().enumerate() {
        let _ = writeln!(out, "  entry {i}:");
        field(out, 4, "cert_data", entry.cert_data.as_bytes());
        let _ = writeln!(out, "    extensions: {}", entry.extensions.iter().count());
        for ext in entry.extensions.iter() {
            let t = ext.extension_type();
            match ext {
                EntryExtension::CmwAttestation { cmw, .. } => {
                    field(
                        out,
                        6,
                        &format!("cmw_attestation ({:#06x}) cmw_data", t.0),
                        cmw.as_bytes(),
                    );
                }
                EntryExtension::RemoteAttestation { cmw, .. } => {
                    field(
                        out,
                        6,
                        &format!("remoteAttestation ({:#06x}) cmw_payload", t.0),
                        cmw.as_bytes(),
                    );
                }
                EntryExtension::Other(e) => {
                    field(out, 6, &format!("{t} ({:#06x})", t.0), e.data.as_bytes())
                }
                other => {
                    let _ = writeln!(out, "      {other:?}");
                }
            }
        }
    }
}

pub(crate) fn authenticator(auth: &Authenticator) -> String {
    let mut out = String::new();
    match auth {
        Authenticator::Full {
            certificate: cert,
            certificate_verify,
            finished,
        } => {
            certificate(&mut out, cert);
            let _ = writeln!(out, "certificate_verify (15)");
            let _ = writeln!(
                out,
                "  algorithm: {} ({:#06x})",
                certificate_verify.algorithm, certificate_verify.algorithm.0
            );
            field(
                &mut out,
                2,
                "signature",
                certificate_verify.signature.as_bytes(),
            );
            let _ = writeln!(out, "finished (20)");
            field(&mut out, 2, "verify_data", finished.verify_data());
        }
        Authenticator::Empty { finished } => {
            let _ = writeln!(out, "empty authenticator: finished (20) only");
            field(&mut out, 2, "verify_data", finished.verify_data());
        }
    }
    out
}

pub(crate) fn remote_attestation(ra: &RemoteAttestation) -> String {
    let mut out = String::new();
    let scheme = |s: &AttestationScheme| format!("{s}");
    match ra {
        RemoteAttestation::ClientHello(offer) => {
            let _ = writeln!(out, "remoteAttestation in client_hello");
            for (name, list) in [
                ("server_attester_schemes", offer.server_attester_schemes()),
                ("client_attester_schemes", offer.client_attester_schemes()),
            ] {
                let _ = writeln!(out, "  {name}: {} schemes", list.len());
                for s in list {
                    let _ = writeln!(out, "    {}", scheme(s));
                }
            }
        }
        RemoteAttestation::EncryptedExtensions(s) => {
            let _ = writeln!(out, "remoteAttestation in encrypted_extensions");
            let _ = writeln!(out, "  chosen_server_scheme: {}", scheme(s));
        }
        RemoteAttestation::CertificateRequest(s) => {
            let _ = writeln!(out, "remoteAttestation in certificate_request");
            let _ = writeln!(out, "  chosen_client_scheme: {}", scheme(s));
        }
        RemoteAttestation::Certificate(cmw) => {
            let _ = writeln!(out, "remoteAttestation in certificate (first entry)");
            field(&mut out, 2, "cmw_payload", cmw.as_bytes());
        }
    }
    out
}
