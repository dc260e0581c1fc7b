//! `seat inspect` on the project's `seat-vectors/1` files: interop vectors and recorded
//! sessions (`seat-conformance/vectors/README.md` describes every field).
//!
//! Each byte string of a vector is decoded by the same explainers as a raw capture. A vector
//! marked invalid is expected to fail: its failure is shown with its offset, and inspecting it
//! succeeds. A vector marked valid that does not decode is an input error.

use serde_json::{Map, Value};

use seat_proto::codepoints::{CodePoints, ExtensionType, HandshakeType};
use seat_proto::message::HandshakeMessage;
use seat_proto::shim::Deframer;

use crate::inspect::{self, InputError, Signing, first_error};
use crate::report::{Node, hex_short};

/// The schema name every vector file carries.
pub const SCHEMA: &str = "seat-vectors/1";

/// Explains one vector file.
///
/// # Errors
///
/// [`InputError`] for a file that is not a `seat-vectors/1` JSON object, or a vector marked
/// valid whose data does not decode.
pub fn explain(bytes: &[u8], cp: &CodePoints) -> Result<Node, InputError> {
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| InputError {
        message: format!("not JSON: {e} (line {}, column {})", e.line(), e.column()),
        partial: None,
    })?;
    let Some(obj) = doc.as_object() else {
        return Err(plain_error("a vector file is a JSON object"));
    };
    if obj.get("schema").and_then(Value::as_str) != Some(SCHEMA) {
        return Err(plain_error(format!(
            "not a {SCHEMA} file (no \"schema\": \"{SCHEMA}\")"
        )));
    }
    let kind = text(obj, "kind");
    let name = text(obj, "name");
    let valid = obj.get("valid").and_then(Value::as_bool).unwrap_or(true);
    let expected_error = text(obj, "error");
    let mut node = Node::leaf("vector", format!("{kind}/{name}"))
        .with(Node::leaf("description", text(obj, "description")))
        .with(Node::leaf("source", text(obj, "source")));
    node.push(Node::leaf(
        "expected",
        if valid {
            "valid".to_string()
        } else {
            format!("invalid ({expected_error})")
        },
    ));
    let body = match kind.as_str() {
        "cmw" => vec![with_hex(obj, "encoded", |b| inspect::cmw(b, 0))],
        "cose-sign1" => vec![cose(obj, "cose_sign1", Claims::Raw)],
        "eat" => vec![cose(obj, "token", Claims::Eat)],
        "ear" => vec![ear(obj)],
        "ea-authenticator" => ea_authenticator(obj, cp),
        "early-extension" => vec![early_extension(obj)],
        "early-binder" => early_binder(obj),
        "tls13-exporter" => scalars(
            obj,
            &["protocol", "hash", "label", "context", "length", "output"],
        ),
        "session" => session(obj, cp),
        "early-session" => early_session(obj),
        _ => scalars(obj, &[]),
    };
    let failed = body.iter().find_map(first_error);
    node.children.extend(body);
    match (valid, failed) {
        (true, None) => Ok(node),
        (true, Some(e)) => Err(InputError {
            message: format!("a vector marked valid does not decode: {e}"),
            partial: Some(node),
        }),
        (false, Some(e)) => {
            node.push(Node::leaf("found", e));
            Ok(node)
        }
        (false, None) => {
            node.push(Node::leaf(
                "found",
                format!(
                    "no decoding error: `{expected_error}` is found by a check that needs the \
                     exchange's secrets, keys or policy (the conformance runner makes it)"
                ),
            ));
            Ok(node)
        }
    }
}

fn plain_error(message: impl Into<String>) -> InputError {
    InputError {
        message: message.into(),
        partial: None,
    }
}

fn text(obj: &Map<String, Value>, key: &str) -> String {
    match obj.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

/// The bytes of a hex field, or a failure line naming it.
fn hex_field(obj: &Map<String, Value>, key: &str) -> Result<Vec<u8>, Node> {
    let Some(Value::String(s)) = obj.get(key) else {
        return Err(Node::failure(key, "missing (or not a string)"));
    };
    hex::decode(s).map_err(|e| Node::failure(key, format!("not hex: {e}")))
}

fn with_hex(obj: &Map<String, Value>, key: &str, f: impl FnOnce(&[u8]) -> Node) -> Node {
    match hex_field(obj, key) {
        Ok(b) => {
            let mut n = f(&b);
            n.name = format!("{key}: {}", n.name);
            n
        }
        Err(n) => n,
    }
}

/// Which claims a vector's COSE payload holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Claims {
    Raw,
    Eat,
    Ear,
}

fn cose(obj: &Map<String, Value>, key: &str, claims: Claims) -> Node {
    let spki = hex_field(obj, "public_key").ok();
    let aad = hex_field(obj, "external_aad").unwrap_or_default();
    let detached = hex_field(obj, "payload").ok();
    let signing = Signing {
        spki: spki.as_deref(),
        external_aad: &aad,
        detached: detached.as_deref(),
    };
    with_hex(obj, key, |b| match claims {
        Claims::Raw => inspect::cose_raw(b, &signing),
        Claims::Eat => inspect::cose_eat(b, &signing),
        Claims::Ear => inspect::cose_ear(b, &signing),
    })
}

fn ear(obj: &Map<String, Value>) -> Node {
    if text(obj, "form") == "jwt" {
        let spki = hex_field(obj, "public_key").ok();
        let mut n = inspect::jwt(&text(obj, "token"), spki.as_deref());
        n.name = format!("token: {}", n.name);
        n
    } else {
        cose(obj, "token", Claims::Ear)
    }
}

fn ea_authenticator(obj: &Map<String, Value>, cp: &CodePoints) -> Vec<Node> {
    let mut out = scalars(obj, &["protocol", "hash", "authenticator_role", "outcome"]);
    let hash_len = match text(obj, "hash").as_str() {
        "sha384" => Some(48),
        "sha512" => Some(64),
        _ => Some(32),
    };
    let codepoint = obj
        .get("expat")
        .and_then(|e| e.get("codepoint"))
        .and_then(Value::as_u64)
        .and_then(|c| u16::try_from(c).ok());
    let cp = match codepoint {
        Some(c) => cp.with_cmw_attestation(ExtensionType(c)).unwrap_or(*cp),
        None => *cp,
    };
    if obj.get("request").is_none_or(Value::is_null) {
        out.push(Node::leaf("request", "none (a spontaneous authenticator)"));
    } else {
        out.push(with_hex(obj, "request", |b| inspect::request(b, &cp)));
    }
    out.push(with_hex(obj, "authenticator", |b| {
        let first = inspect::authenticator(b, &cp, hash_len);
        // The drafts' reference code puts cmw_attestation on 0xFFFF; vectors that do not say
        // which code point they use are read with that one when it appears.
        if codepoint.is_none() && format!("{first:?}").contains("extension 0xffff") {
            let reference = cp
                .with_cmw_attestation(CodePoints::REFERENCE_CMW_ATTESTATION)
                .unwrap_or(cp);
            inspect::authenticator(b, &reference, hash_len)
        } else {
            first
        }
    }));
    if let Some(Value::Object(expat)) = obj.get("expat") {
        let mut n = Node::leaf("expat", "");
        for key in ["label", "exported_value", "aik_pub_hash", "binding_value"] {
            if let Some(v) = expat.get(key) {
                n.push(Node::leaf(key, value_text(v)));
            }
        }
        out.push(n);
    }
    out
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) if s.len() > 2 * crate::report::MAX_SHOWN_BYTES => {
            hex::decode(s).map_or_else(|_| s.clone(), |b| hex_short(&b))
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn handshake_type(name: &str) -> Option<HandshakeType> {
    Some(match name {
        "client_hello" => HandshakeType::CLIENT_HELLO,
        "encrypted_extensions" => HandshakeType::ENCRYPTED_EXTENSIONS,
        "certificate_request" => HandshakeType::CERTIFICATE_REQUEST,
        "certificate" => HandshakeType::CERTIFICATE,
        _ => return None,
    })
}

fn early_extension(obj: &Map<String, Value>) -> Node {
    let message = text(obj, "message");
    match handshake_type(&message) {
        Some(t) => with_hex(obj, "extension_data", |b| inspect::early_extension(t, b)),
        None => Node::failure(
            "message",
            format!("{message:?} cannot carry remoteAttestation"),
        ),
    }
}

fn early_binder(obj: &Map<String, Value>) -> Vec<Node> {
    let mut out = scalars(
        obj,
        &[
            "protocol",
            "hash",
            "role",
            "hrr_reading",
            "transcript_hash",
            "attest_base",
            "binder",
        ],
    );
    if let Ok(t) = hex_field(obj, "transcript") {
        out.push(transcript(&t));
    }
    out
}

/// Names the handshake messages of a transcript; not an error when they do not parse (some
/// negative binder vectors carry deliberately wrong transcripts).
fn transcript(bytes: &[u8]) -> Node {
    let mut r = seat_proto::codec::Reader::new(bytes);
    let mut names = Vec::new();
    while !r.is_empty() {
        match HandshakeMessage::read(&mut r) {
            Ok(m) => names.push(format!("{} ({} bytes)", m.msg_type, m.body.len())),
            Err(e) => {
                names.push(format!("then bytes that are not a handshake message: {e}"));
                break;
            }
        }
    }
    let mut n = Node::leaf("transcript", format!("{} bytes", bytes.len()));
    for m in names {
        n.push(Node::leaf("message", m));
    }
    n
}

fn session(obj: &Map<String, Value>, cp: &CodePoints) -> Vec<Node> {
    let mut out = scalars(obj, &["stack", "protocol", "cipher_suite", "hash", "now"]);
    let hash_len = match text(obj, "hash").as_str() {
        "sha384" => 48,
        _ => 32,
    };
    for side in ["client", "server"] {
        let Some(Value::Object(s)) = obj.get(side) else {
            continue;
        };
        let cp = s
            .get("cmw_attestation")
            .and_then(Value::as_u64)
            .and_then(|c| u16::try_from(c).ok())
            .and_then(|c| cp.with_cmw_attestation(ExtensionType(c)).ok())
            .unwrap_or(*cp);
        let mut n = Node::leaf(side, "")
            .with(Node::leaf("attests", inspect::models(small(s, "attests"))))
            .with(Node::leaf(
                "requires",
                inspect::models(small(s, "requires")),
            ))
            .with(Node::leaf(
                "cmw_attestation",
                format!("0x{:04x}", cp.cmw_attestation().0),
            ));
        if let Some(Value::Array(a)) = s.get("appraisals") {
            for ap in a {
                let mut line = Node::leaf(
                    "appraisal",
                    value_text(ap.get("verdict").unwrap_or(&Value::Null)),
                );
                for key in ["exchange", "chain_trust", "binder", "explanation"] {
                    if let Some(v) = ap.get(key) {
                        line.push(Node::leaf(key, value_text(v)));
                    }
                }
                n.push(line);
            }
        }
        if let Some(Value::Array(events)) = s.get("events") {
            for e in events {
                let mut line =
                    Node::leaf("event", value_text(e.get("event").unwrap_or(&Value::Null)));
                for key in ["exchange", "explanation", "error"] {
                    if let Some(v) = e.get(key) {
                        line.push(Node::leaf(key, value_text(v)));
                    }
                }
                n.push(line);
            }
        }
        out.push(n);
    }
    let cp_client = obj
        .get("client")
        .and_then(|c| c.get("cmw_attestation"))
        .and_then(Value::as_u64)
        .and_then(|c| u16::try_from(c).ok())
        .and_then(|c| cp.with_cmw_attestation(ExtensionType(c)).ok())
        .unwrap_or(*cp);
    if let Some(Value::Array(frames)) = obj.get("frames") {
        let mut n = Node::leaf("frames", format!("{}", frames.len()));
        for (i, f) in frames.iter().enumerate() {
            let from = f.get("from").and_then(Value::as_str).unwrap_or("?");
            let Some(hex_frame) = f.get("frame").and_then(Value::as_str) else {
                n.push(Node::failure(format!("frame {i}"), "missing"));
                continue;
            };
            let bytes = match hex::decode(hex_frame) {
                Ok(b) => b,
                Err(e) => {
                    n.push(Node::failure(format!("frame {i}"), format!("not hex: {e}")));
                    continue;
                }
            };
            let mut d = Deframer::new();
            d.push(&bytes);
            let line = match d.next_frame() {
                Ok(Some(frame)) => {
                    let mut x = inspect::frame_with_hash(&frame, &cp_client, hash_len);
                    x.name = format!("{i} from {from}: {}", x.name);
                    x
                }
                Ok(None) => Node::failure(format!("frame {i}"), "truncated frame"),
                Err(e) => Node::failure(format!("frame {i}"), e.to_string()),
            };
            n.push(line);
        }
        out.push(n);
    }
    if let Some(Value::Array(records)) = obj.get("tls_records") {
        out.push(Node::leaf(
            "tls_records",
            format!("{} records", records.len()),
        ));
    }
    out
}

fn small(obj: &Map<String, Value>, key: &str) -> u8 {
    obj.get(key)
        .and_then(Value::as_u64)
        .and_then(|v| u8::try_from(v).ok())
        .unwrap_or(0)
}

fn early_session(obj: &Map<String, Value>) -> Vec<Node> {
    let mut out = scalars(
        obj,
        &[
            "stack",
            "protocol",
            "cipher_suite",
            "hash",
            "hrr",
            "hrr_reading",
            "c_attest_binder",
            "s_attest_binder",
        ],
    );
    if let Some(Value::Array(exts)) = obj.get("extensions") {
        let mut n = Node::leaf("remoteAttestation extensions", format!("{}", exts.len()));
        for e in exts {
            let Some(e) = e.as_object() else { continue };
            let message = text(e, "message");
            let from = text(e, "from");
            let line = match handshake_type(&message) {
                Some(t) => with_hex(e, "extension_data", |b| inspect::early_extension(t, b)),
                None => Node::failure("message", format!("{message:?}")),
            };
            let mut line = line;
            line.name = format!("from {from}: {}", line.name);
            n.push(line);
        }
        out.push(n);
    }
    for key in ["client_cmw", "server_cmw"] {
        if matches!(obj.get(key), Some(Value::String(_))) {
            out.push(with_hex(obj, key, |b| inspect::cmw(b, 0)));
        }
    }
    out
}

/// The named fields that are present, as lines; every string, number and boolean field when
/// `keys` is empty.
fn scalars(obj: &Map<String, Value>, keys: &[&str]) -> Vec<Node> {
    let skip = [
        "schema",
        "kind",
        "name",
        "description",
        "source",
        "valid",
        "error",
    ];
    if keys.is_empty() {
        return obj
            .iter()
            .filter(|(k, v)| !skip.contains(&k.as_str()) && !v.is_object() && !v.is_array())
            .map(|(k, v)| Node::leaf(k.clone(), value_text(v)))
            .collect();
    }
    keys.iter()
        .filter_map(|k| obj.get(*k).map(|v| Node::leaf(*k, value_text(v))))
        .collect()
}
