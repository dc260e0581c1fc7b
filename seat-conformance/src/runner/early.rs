//! The runner of the generated early-attestation kinds: `early-binder` and
//! `early-extension`.

use seat_binding::binder::early_binder_from_messages;
use seat_binding::key_schedule::handshake_transcript_hash;
use seat_proto::Error;
use seat_proto::codepoints::HandshakeType;
use seat_proto::negotiation::{HRR_READING, Input, ServerConfig, ServerNegotiation};
use seat_proto::remote_attestation::{RemoteAttestation, RemoteAttestationOffer};
use seat_proto::transcript::TranscriptTap;
use serde_json::{Value, json};

use crate::generate::early::scheme_json;

use super::{bytes, expect_eq, field, hash, protocol, provider, short, text};

/// A vector field as a list of hex byte strings.
pub(super) fn hex_list(v: &Value, name: &str) -> Result<Vec<Vec<u8>>, String> {
    field(v, name)?
        .as_array()
        .ok_or_else(|| format!("field {name} is not an array"))?
        .iter()
        .map(|m| {
            m.as_str()
                .ok_or_else(|| format!("{name}: not a string"))
                .and_then(|s| hex::decode(s).map_err(|e| format!("{name}: {e}")))
        })
        .collect()
}

/// Checks that `messages` is exactly ClientHello..ServerHello, with at most one
/// HelloRetryRequest, by feeding them as plaintext records through seat-proto's
/// [`TranscriptTap`] (ClientHellos from the client, ServerHellos from the server).
///
/// # Errors
///
/// The project's name for what is wrong, and a description.
pub(super) fn check_hello_transcript(messages: &[Vec<u8>]) -> Result<(), String> {
    let mut tap = TranscriptTap::new();
    for (i, m) in messages.iter().enumerate() {
        if tap.is_complete() {
            return Err(format!(
                "unexpected_message: message {i} follows the ServerHello"
            ));
        }
        for chunk in m.chunks(1 << 14) {
            let mut record = vec![22, 3, 3];
            record.extend(
                u16::try_from(chunk.len())
                    .map_err(|e| e.to_string())?
                    .to_be_bytes(),
            );
            record.extend_from_slice(chunk);
            let fed = if m.first() == Some(&HandshakeType::CLIENT_HELLO.0) {
                tap.handle_client_bytes(&record)
            } else {
                tap.handle_server_bytes(&record)
            };
            fed.map_err(|e| format!("{}: {e}", e.name()))?;
        }
    }
    match tap.messages() {
        Some(t) if t.len() == messages.len() => Ok(()),
        _ => Err("invalid_transcript: the transcript does not reach the ServerHello".into()),
    }
}

/// `early-binder`: the transcript's shape, its hash, `attest_base` and the binder.
pub(super) fn binder(v: &Value) -> Result<String, String> {
    let valid = field(v, "valid")?.as_bool().ok_or("valid")?;
    if text(v, "hrr_reading")? != HRR_READING {
        return Err(format!(
            "hrr_reading {} is not {HRR_READING}",
            text(v, "hrr_reading")?
        ));
    }
    let messages = hex_list(v, "transcript")?;
    let outcome = binder_checks(v, &messages);
    match (outcome, valid) {
        (Ok(line), true) => Ok(line),
        (Err(e), false) => Ok(format!("rejected: {e}")),
        (Ok(line), false) => Err(format!("accepted an invalid binder vector: {line}")),
        (Err(e), true) => Err(e),
    }
}

fn binder_checks(v: &Value, messages: &[Vec<u8>]) -> Result<String, String> {
    let h = hash(v)?;
    let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    check_hello_transcript(messages)?;
    let b = early_binder_from_messages(provider(), h, protocol(v)?, &refs, &bytes(v, "spki")?)
        .map_err(|e| e.to_string())?;
    expect_eq("binder", b.binder.as_bytes(), &bytes(v, "binder")?)
        .map_err(|e| format!("attestation_rejected: {e}"))?;
    expect_eq(
        "attest_base",
        b.attest_base.as_bytes(),
        &bytes(v, "attest_base")?,
    )?;
    let th = handshake_transcript_hash(provider(), h, &refs).map_err(|e| e.to_string())?;
    expect_eq(
        "transcript_hash",
        th.as_bytes(),
        &bytes(v, "transcript_hash")?,
    )?;
    Ok(format!(
        "binder over {} messages -> {}",
        refs.len(),
        short(b.binder.as_bytes())
    ))
}

/// The `decoded` object of a `remoteAttestation` form.
pub(crate) fn decoded_json(ra: &RemoteAttestation) -> Value {
    match ra {
        RemoteAttestation::ClientHello(o) => json!({
            "server_attester_schemes": o.server_attester_schemes().iter().map(scheme_json).collect::<Vec<_>>(),
            "client_attester_schemes": o.client_attester_schemes().iter().map(scheme_json).collect::<Vec<_>>(),
        }),
        RemoteAttestation::EncryptedExtensions(s) => {
            json!({"chosen_server_scheme": scheme_json(s)})
        }
        RemoteAttestation::CertificateRequest(s) => {
            json!({"chosen_client_scheme": scheme_json(s)})
        }
        RemoteAttestation::Certificate(c) => json!({"cmw": hex::encode(c.as_bytes())}),
    }
}

/// The handshake message a vector's `message` names.
pub(super) fn message_type(name: &str) -> Result<HandshakeType, String> {
    match name {
        "client_hello" => Ok(HandshakeType::CLIENT_HELLO),
        "encrypted_extensions" => Ok(HandshakeType::ENCRYPTED_EXTENSIONS),
        "certificate_request" => Ok(HandshakeType::CERTIFICATE_REQUEST),
        "certificate" => Ok(HandshakeType::CERTIFICATE),
        other => Err(format!("unknown message {other}")),
    }
}

/// A server that accepts every scheme `offer` names receives it: an offer it cannot
/// negotiate (both lists empty) fails there, not in the codec.
fn negotiate(data: &[u8], offer: &RemoteAttestationOffer) -> Result<(), Error> {
    let mut server = ServerNegotiation::new(ServerConfig::new(
        offer.server_attester_schemes().to_vec(),
        offer.client_attester_schemes().to_vec(),
    ));
    server.handle(Input::Extension {
        message: HandshakeType::CLIENT_HELLO,
        data: data.to_vec(),
        entry: None,
    })
}

/// `early-extension`: decode, compare, re-encode; a ClientHello offer also goes through a
/// server's negotiation.
pub(super) fn extension(v: &Value) -> Result<String, String> {
    let message = message_type(text(v, "message")?)?;
    let data = bytes(v, "extension_data")?;
    let valid = field(v, "valid")?.as_bool().ok_or("valid")?;
    let result = RemoteAttestation::decode_data(message, &data)
        .map_err(Error::from)
        .and_then(|ra| match &ra {
            RemoteAttestation::ClientHello(offer) => negotiate(&data, offer).map(|()| ra),
            _ => Ok(ra),
        });
    match (result, valid) {
        (Ok(ra), true) => {
            let decoded = decoded_json(&ra);
            if Some(&decoded) != v.get("decoded") {
                return Err(format!("decoded differs: {decoded}"));
            }
            if ra.to_data() != data {
                return Err("re-encoding differs".into());
            }
            Ok(format!("{message} form decodes and re-encodes"))
        }
        (Err(e), false) => {
            let want = v.get("error").and_then(Value::as_str).unwrap_or_default();
            if e.name() != want {
                return Err(format!("rejected with {}, vector names {want}", e.name()));
            }
            Ok(format!("rejected: {} ({e})", e.name()))
        }
        (Ok(_), false) => Err("accepted an invalid extension".into()),
        (Err(e), true) => Err(format!("rejected a valid extension: {e}")),
    }
}
