//! `seat inspect`: decode and explain a capture.
//!
//! Every decoder here is one of the project's strict decoders (`seat-evidence`, `seat-proto`);
//! this module only chooses one and names what it finds. Generic CBOR is read with
//! [`seat_evidence::cbor::decode_value`] for display, then checked strictly by the typed
//! decoder of its format, whose error (with its byte offset) is shown when it fails.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use seat_binding::provider::default_provider;
use seat_evidence::cbor::{self, Profile, Value};
use seat_evidence::cmw::{AnyCmw, Cmw, JsonCmw, Label, RecordType};
use seat_evidence::cose::{ContentType, CoseSign1, HeaderMap, Tagging};
use seat_evidence::crypto::ProviderVerifier;
use seat_evidence::ear::{self, Ear};
use seat_evidence::eat::ClaimsSet;
use seat_proto::codepoints::{CodePoints, HandshakeType};
use seat_proto::ext::{EntryExtension, RequestExtension};
use seat_proto::message::{Authenticator, AuthenticatorRequest};
use seat_proto::remote_attestation::{AttestationScheme, RemoteAttestation};
use seat_proto::shim::{Deframer, Frame};

use crate::names;
use crate::report::{Node, hex_short, unix_time};

/// Largest input `seat inspect` reads (the CBOR decoders' own bound is 1 MiB per item).
pub const MAX_INPUT_LEN: usize = 16 << 20;

/// Deepest CMW or claims nesting this module descends into before showing bytes.
const MAX_NESTING: usize = 8;

/// What an input is; `--as` names one, otherwise [`detect`] guesses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
#[non_exhaustive]
pub enum Kind {
    /// A `seat-vectors/1` JSON file: an interop vector or a recorded session.
    Vector,
    /// A CMW in any form: CBOR record, tag or collection; JSON record or collection.
    Cmw,
    /// A COSE_Sign1 message (tagged, untagged, or as a CWT), payload shown generically.
    CoseSign1,
    /// An EAT: a COSE_Sign1 over an RFC 9711 claims-set, or the bare claims-set.
    Eat,
    /// An EAR as a CWT: a COSE_Sign1 over EAR claims, or the bare claims-set.
    Ear,
    /// An EAR as a JWT (JWS compact serialization).
    EarJwt,
    /// An authenticator request (RFC 9261 CertificateRequest or ClientCertificateRequest).
    Request,
    /// An authenticator (RFC 9261), with the CMW of its first entry.
    Authenticator,
    /// `remoteAttestation` extension data from a ClientHello.
    EarlyClientHello,
    /// `remoteAttestation` extension data from EncryptedExtensions.
    EarlyEncryptedExtensions,
    /// `remoteAttestation` extension data from a CertificateRequest.
    EarlyCertificateRequest,
    /// `remoteAttestation` extension data from a CertificateEntry.
    EarlyCertificate,
    /// A stream of expat shim frames (hello, request, authenticator, error, data).
    Frames,
}

/// How to read the input.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// The kind, or `None` to detect it.
    pub kind: Option<Kind>,
    /// The code points of the SEAT extensions.
    pub codepoints: CodePoints,
}

/// An input that cannot be read as the kind asked or detected (exit status 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    /// The explanation, with a byte offset where the decoder reported one.
    pub message: String,
    /// What was decoded before the failure, if anything.
    pub partial: Option<Node>,
}

impl core::fmt::Display for InputError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InputError {}

fn input_error(message: impl Into<String>) -> InputError {
    InputError {
        message: message.into(),
        partial: None,
    }
}

/// Decodes and explains `input`.
///
/// # Errors
///
/// [`InputError`] when the input is not of the kind asked for, or of no kind recognised; for a
/// vector file, when a vector marked valid does not decode.
pub fn inspect(input: &[u8], options: &Options) -> Result<Node, InputError> {
    if input.len() > MAX_INPUT_LEN {
        return Err(input_error(format!(
            "input of {} bytes is longer than the {MAX_INPUT_LEN} bytes inspect reads",
            input.len()
        )));
    }
    let (bytes, text_form) = unwrap_text(input, options.kind);
    let kind = match options.kind {
        Some(k) => k,
        None => detect(&bytes).ok_or_else(|| {
            input_error(
                "not a recognised kind (CMW, COSE_Sign1, EAT, EAR, authenticator, request, \
                 vector file); use --as KIND",
            )
        })?,
    };
    let mut node = explain(kind, &bytes, options)?;
    if let Some(form) = text_form {
        node.push(Node::leaf("input", form));
    }
    Ok(node)
}

/// Hex text (whitespace allowed) becomes its bytes, except for the kinds that are text.
fn unwrap_text(input: &[u8], kind: Option<Kind>) -> (Vec<u8>, Option<&'static str>) {
    if matches!(kind, Some(Kind::Vector | Kind::EarJwt)) {
        return (input.to_vec(), None);
    }
    let Ok(text) = core::str::from_utf8(input) else {
        return (input.to_vec(), None);
    };
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if !compact.is_empty()
        && compact.len().is_multiple_of(2)
        && compact.bytes().all(|b| b.is_ascii_hexdigit())
        && let Ok(bytes) = hex::decode(&compact)
    {
        return (bytes, Some("hex text"));
    }
    (input.to_vec(), None)
}

/// Guesses the kind of `bytes` from its first bytes and shape.
pub fn detect(bytes: &[u8]) -> Option<Kind> {
    let first = *bytes.first()?;
    if let Ok(text) = core::str::from_utf8(bytes) {
        let t = text.trim();
        if t.starts_with('{') {
            let is_vector = serde_json::from_str::<serde_json::Value>(t)
                .ok()
                .and_then(|v| v.get("schema").and_then(|s| s.as_str()).map(str::to_owned))
                .is_some_and(|s| s == "seat-vectors/1");
            return Some(if is_vector { Kind::Vector } else { Kind::Cmw });
        }
        if t.starts_with('[') {
            return Some(Kind::Cmw);
        }
        if looks_like_jws(t) {
            return Some(Kind::EarJwt);
        }
    }
    match first {
        0x0d | 0x11 => Some(Kind::Request),
        0x0b | 0x14 => Some(Kind::Authenticator),
        // Tag 18 (COSE_Sign1), tag 61 (CWT), or an array of four: COSE_Sign1.
        0xd2 | 0x84 => Some(Kind::CoseSign1),
        0xd8 if bytes.get(1) == Some(&61) => Some(Kind::CoseSign1),
        // Arrays of two or three, tags in the RFC 9277 range, maps: CMW forms.
        0x82 | 0x83 | 0x9f | 0xda | 0xdb => Some(Kind::Cmw),
        0xa0..=0xbf => {
            if AnyCmw::decode(bytes).is_ok() {
                Some(Kind::Cmw)
            } else if is_ear_claims(bytes) {
                Some(Kind::Ear)
            } else {
                Some(Kind::Eat)
            }
        }
        _ => None,
    }
}

fn looks_like_jws(t: &str) -> bool {
    let parts: Vec<&str> = t.split('.').collect();
    parts.len() == 3
        && parts.first().is_some_and(|p| !p.is_empty())
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

fn explain(kind: Kind, bytes: &[u8], options: &Options) -> Result<Node, InputError> {
    let cp = &options.codepoints;
    let node = match kind {
        Kind::Vector => return crate::vector::explain(bytes, cp),
        Kind::Cmw => cmw(bytes, 0),
        Kind::CoseSign1 => cose(bytes, &Signing::none(), Claims::Auto, 0),
        Kind::Eat => token(bytes, Claims::Eat),
        Kind::Ear => token(bytes, Claims::Ear),
        Kind::EarJwt => jwt(&String::from_utf8_lossy(bytes), None),
        Kind::Request => request(bytes, cp),
        Kind::Authenticator => authenticator(bytes, cp, None),
        Kind::EarlyClientHello => early_extension(HandshakeType::CLIENT_HELLO, bytes),
        Kind::EarlyEncryptedExtensions => {
            early_extension(HandshakeType::ENCRYPTED_EXTENSIONS, bytes)
        }
        Kind::EarlyCertificateRequest => early_extension(HandshakeType::CERTIFICATE_REQUEST, bytes),
        Kind::EarlyCertificate => early_extension(HandshakeType::CERTIFICATE, bytes),
        Kind::Frames => frames(bytes, cp),
    };
    if node.error && node.children.is_empty() {
        // The outermost structure did not decode: an input error.
        return Err(input_error(format!("{}: {}", node.name, node.value)));
    }
    if node.has_error() {
        return Err(InputError {
            message: first_error(&node).unwrap_or_else(|| "decoding failed".into()),
            partial: Some(node),
        });
    }
    Ok(node)
}

/// The first failure line of a tree, as `name: value`.
pub fn first_error(node: &Node) -> Option<String> {
    if node.error {
        return Some(format!("{}: {}", node.name, node.value));
    }
    node.children.iter().find_map(first_error)
}

/// A token that is a COSE_Sign1 or a bare claims map.
fn token(bytes: &[u8], claims: Claims) -> Node {
    if matches!(bytes.first(), Some(0xa0..=0xbf)) {
        claims_set(bytes, claims, 0)
    } else {
        cose(bytes, &Signing::none(), claims, 0)
    }
}

fn evidence_error(what: &str, e: &seat_evidence::Error) -> Node {
    Node::failure(what, with_offset(&e.to_string(), e.offset()))
}

fn with_offset(message: &str, offset: Option<usize>) -> String {
    match offset {
        Some(at) if !message.contains(&format!("at {at}")) => {
            format!("{message} (byte offset {at})")
        }
        Some(at) => format!("{message} (byte offset {at})").replace(&format!(" at {at} ("), " ("),
        None => message.to_owned(),
    }
}

// ---------------------------------------------------------------- CMW

/// Explains a CMW in any form.
pub fn cmw(bytes: &[u8], depth: usize) -> Node {
    match AnyCmw::decode(bytes) {
        Ok(AnyCmw::Cbor(c)) => cbor_cmw(&c, depth),
        Ok(AnyCmw::Json(j)) => json_cmw(&j, depth),
        Err(e) => match (e.offset(), e) {
            // The JSON decoder reports base64 errors without a position: find the value.
            (None, seat_evidence::Error::Base64 { what }) => {
                let index = match what {
                    seat_evidence::Item::CmwType => 0,
                    seat_evidence::Item::CmwInd => 2,
                    _ => 1,
                };
                Node::failure(
                    "cmw",
                    with_offset(&e.to_string(), json_element_offset(bytes, index)),
                )
            }
            _ => evidence_error("cmw", &e),
        },
    }
}

/// The byte offset of element `index` of the JSON array that `text` starts with.
fn json_element_offset(text: &[u8], index: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut element = 0usize;
    let mut at_start = false;
    for (i, &b) in text.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        if at_start && !b.is_ascii_whitespace() {
            at_start = false;
            if element == index {
                return Some(i);
            }
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth == 1 {
                    at_start = true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => {
                element += 1;
                at_start = true;
            }
            _ => {}
        }
    }
    None
}

fn cbor_cmw(c: &Cmw, depth: usize) -> Node {
    match c {
        Cmw::Record(r) => {
            let typ = match r.typ() {
                RecordType::MediaType(m) => Node::leaf("type", format!("media type {m:?}")),
                RecordType::ContentFormat(cf) => Node::leaf("type", format!("content-format {cf}")),
            };
            let media = match r.typ() {
                RecordType::MediaType(m) => Some(m.as_str()),
                RecordType::ContentFormat(_) => None,
            };
            let mut node = Node::leaf("cmw", "CBOR record").with(typ);
            if let Some(ind) = r.ind() {
                node.push(Node::leaf("ind", names::ind(ind.bits())));
            }
            node.with(payload("value", r.value(), media, depth + 1))
        }
        Cmw::Tag(t) => Node::leaf("cmw", "CBOR tag")
            .with(Node::leaf("tag", t.tag_number().to_string()))
            .with(Node::leaf("content-format", t.content_format().to_string()))
            .with(payload("value", t.value(), None, depth + 1)),
        Cmw::Collection(c) => {
            let mut node = Node::leaf("cmw", format!("CBOR collection of {}", c.items().len()));
            if let Some(t) = c.collection_type() {
                node.push(Node::leaf("__cmwc_t", format!("{t:?}")));
            }
            for (label, item) in c.items() {
                let name = match label {
                    Label::Int(i) => format!("[{i}]"),
                    Label::Text(t) => format!("[{t:?}]"),
                };
                let mut child = if depth < MAX_NESTING {
                    cbor_cmw(item, depth + 1)
                } else {
                    Node::leaf("cmw", "nested too deep to show")
                };
                child.name = format!("{name} {}", child.name);
                node.push(child);
            }
            node
        }
    }
}

fn json_cmw(j: &JsonCmw, depth: usize) -> Node {
    match j {
        JsonCmw::Record(r) => {
            let mut node = Node::leaf("cmw", "JSON record").with(Node::leaf(
                "type",
                format!("media type {:?}", r.media_type()),
            ));
            if let Some(ind) = r.ind() {
                node.push(Node::leaf("ind", names::ind(ind.bits())));
            }
            node.with(payload("value", r.value(), Some(r.media_type()), depth + 1))
        }
        JsonCmw::Collection(c) => {
            let mut node = Node::leaf("cmw", format!("JSON collection of {}", c.items().len()));
            if let Some(t) = c.collection_type() {
                node.push(Node::leaf("__cmwc_t", format!("{t:?}")));
            }
            for (label, item) in c.items() {
                let mut child = if depth < MAX_NESTING {
                    json_cmw(item, depth + 1)
                } else {
                    Node::leaf("cmw", "nested too deep to show")
                };
                child.name = format!("[{label:?}] {}", child.name);
                node.push(child);
            }
            node
        }
    }
}

/// Explains the bytes a CMW or COSE message carries: a signed token, claims, a nested CMW, a
/// JWT, or bytes.
fn payload(name: &str, bytes: &[u8], media_type: Option<&str>, depth: usize) -> Node {
    let size = format!("{} bytes", bytes.len());
    if depth > MAX_NESTING {
        return Node::leaf(name, hex_short(bytes));
    }
    let hint = Claims::from_media_type(media_type);
    let inner = match bytes.first() {
        None => return Node::leaf(name, "empty"),
        Some(0xd2 | 0x84) => Some(cose(bytes, &Signing::none(), hint, depth)),
        Some(0xd8) if bytes.get(1) == Some(&61) => Some(cose(bytes, &Signing::none(), hint, depth)),
        Some(0xa0..=0xbf) if hint != Claims::Auto || AnyCmw::decode(bytes).is_err() => {
            Some(claims_set(bytes, hint, depth))
        }
        Some(0x82 | 0x83 | 0x9f | 0xa0..=0xbf | 0xda | 0xdb) => Some(cmw(bytes, depth)),
        Some(_) => None,
    };
    let inner = inner.or_else(|| {
        let text = core::str::from_utf8(bytes).ok()?;
        if looks_like_jws(text) {
            Some(jwt(text, None))
        } else if text.trim_start().starts_with(['[', '{']) {
            Some(cmw(bytes, depth))
        } else {
            None
        }
    });
    match inner {
        // A guess from the first bytes that did not decode: the value is opaque bytes.
        Some(node) if node.error && node.children.is_empty() => {
            let shown = match core::str::from_utf8(bytes) {
                Ok(t) if !t.chars().any(char::is_control) => text_short(t),
                _ => hex_short(bytes),
            };
            Node::leaf(name, shown).with(Node::leaf(
                "read as",
                format!("not a {}: {}", node.name, node.value),
            ))
        }
        Some(mut node) => {
            node.name = format!("{name}: {}", node.name);
            if node.value.is_empty() {
                node.value = size;
            } else {
                node.value = format!("{}, {size}", node.value);
            }
            node
        }
        None => Node::leaf(name, hex_short(bytes)),
    }
}

/// Text shown quoted, cut after 160 characters.
fn text_short(t: &str) -> String {
    let count = t.chars().count();
    if count <= 160 {
        format!("{t:?}")
    } else {
        let head: String = t.chars().take(160).collect();
        format!("{head:?}... ({count} characters)")
    }
}

// ---------------------------------------------------------------- COSE and claims

/// Which claims a payload holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Claims {
    /// Decide from the claims themselves.
    Auto,
    /// An EAT (RFC 9711).
    Eat,
    /// An EAR (draft-ietf-rats-ear).
    Ear,
}

impl Claims {
    fn from_media_type(m: Option<&str>) -> Self {
        match m {
            Some(m) if m.contains("rats/ear") => Self::Ear,
            Some(m) if m.contains("eat") || m.contains("sim-tee") => Self::Eat,
            _ => Self::Auto,
        }
    }
}

/// A key to check a signature with, and the external data of the signature.
pub(crate) struct Signing<'a> {
    pub(crate) spki: Option<&'a [u8]>,
    pub(crate) external_aad: &'a [u8],
    pub(crate) detached: Option<&'a [u8]>,
}

impl Signing<'_> {
    pub(crate) const fn none() -> Self {
        Self {
            spki: None,
            external_aad: &[],
            detached: None,
        }
    }
}

fn is_ear_claims(bytes: &[u8]) -> bool {
    let Ok(Value::Map(entries)) = cbor::decode_value(bytes, Profile::LENIENT) else {
        return false;
    };
    entries.iter().any(|(k, v)| match k.as_i64() {
        Some(ear::EAR_STATUS | ear::EAR_VERIFIER_ID) => true,
        Some(265) => matches!(v, Value::Text(t) if t.starts_with("tag:ietf.org,2026:rats/ear")),
        _ => false,
    })
}

/// Explains a COSE_Sign1 whose payload is shown generically.
pub(crate) fn cose_raw(bytes: &[u8], signing: &Signing<'_>) -> Node {
    cose_payload_raw(bytes, signing)
}

/// Explains a COSE_Sign1 over an EAT claims-set.
pub(crate) fn cose_eat(bytes: &[u8], signing: &Signing<'_>) -> Node {
    cose(bytes, signing, Claims::Eat, 0)
}

/// Explains a COSE_Sign1 over an EAR claims-set.
pub(crate) fn cose_ear(bytes: &[u8], signing: &Signing<'_>) -> Node {
    cose(bytes, signing, Claims::Ear, 0)
}

fn cose_payload_raw(bytes: &[u8], signing: &Signing<'_>) -> Node {
    cose(bytes, signing, Claims::Auto, 0)
}

/// Explains a COSE_Sign1 and its payload.
pub(crate) fn cose(bytes: &[u8], signing: &Signing<'_>, claims: Claims, depth: usize) -> Node {
    let (msg, tagging) = match CoseSign1::decode(bytes) {
        Ok(m) => m,
        Err(e) => return evidence_error("COSE_Sign1", &e),
    };
    let tagging = match tagging {
        Tagging::Tagged => "tag 18",
        Tagging::Untagged => "untagged",
        Tagging::Cwt => "CWT tag 61",
    };
    let mut node = Node::leaf("COSE_Sign1", tagging);
    let mut protected = Node::leaf(
        "protected",
        format!("{} bytes", msg.protected_bytes().len()),
    );
    match cbor::decode_value(msg.protected_bytes(), Profile::LENIENT) {
        Ok(Value::Map(entries)) => {
            for (k, v) in &entries {
                protected.push(header_param(k, v));
            }
        }
        Ok(_) => {}
        Err(e) => protected.push(evidence_error("protected header", &e)),
    }
    node.push(protected);
    node.push(unprotected(msg.unprotected()));
    match (msg.payload(), signing.detached) {
        (Some(p), _) => {
            let name = "payload";
            node.push(match claims {
                Claims::Auto if !matches!(p.first(), Some(0xa0..=0xbf)) => {
                    payload(name, p, None, depth + 1)
                }
                _ => {
                    let mut n = claims_set(p, claims, depth + 1);
                    n.name = format!("{name}: {}", n.name);
                    n
                }
            });
        }
        (None, Some(d)) => {
            node.push(Node::leaf(
                "payload",
                format!("detached ({} bytes given)", d.len()),
            ));
        }
        (None, None) => node.push(Node::leaf("payload", "detached")),
    }
    let mut signature = Node::leaf("signature", format!("{} bytes", msg.signature().len()));
    match signing.spki {
        None => signature.push(Node::leaf("check", "not made (no key)")),
        Some(spki) => match ProviderVerifier::for_spki(default_provider(), spki)
            .and_then(|v| msg.verify(&v, signing.external_aad, signing.detached))
        {
            Ok(()) => signature.push(Node::leaf("check", "verifies under the given key")),
            Err(e) => signature.push(evidence_error("check", &e)),
        },
    }
    node.push(signature);
    node
}

fn header_param(k: &Value, v: &Value) -> Node {
    let name = label_name(k, names::cose_header);
    let value = match (k.as_i64(), v.as_i64()) {
        (Some(1), Some(alg)) => {
            names::cose_alg(alg).map_or_else(|| alg.to_string(), |n| format!("{alg} ({n})"))
        }
        _ => return generic(&name, v, 0),
    };
    Node::leaf(name, value)
}

fn unprotected(h: &HeaderMap) -> Node {
    let mut node = Node::leaf("unprotected", "");
    if let Some(kid) = h.kid() {
        node.push(Node::leaf("kid (4)", hex_short(kid)));
    }
    if let Some(ct) = h.content_type() {
        node.push(Node::leaf(
            "content type (3)",
            match ct {
                ContentType::ContentFormat(cf) => format!("content-format {cf}"),
                ContentType::MediaType(m) => format!("{m:?}"),
            },
        ));
    }
    for (label, value) in h.other() {
        node.push(generic(
            &label_name(&label.to_value(), names::cose_header),
            value,
            0,
        ));
    }
    if node.children.is_empty() {
        node.value = "empty".into();
    }
    node
}

fn label_name(k: &Value, names: fn(i64) -> Option<&'static str>) -> String {
    match k {
        Value::Text(t) => t.clone(),
        _ => match k.as_i64() {
            Some(i) => names(i).map_or_else(|| i.to_string(), |n| format!("{n} ({i})")),
            None => format!("{k:?}"),
        },
    }
}

/// Explains a claims-set, checked strictly as an EAT or an EAR.
fn claims_set(bytes: &[u8], claims: Claims, depth: usize) -> Node {
    let value = match cbor::decode_value(bytes, Profile::LENIENT) {
        Ok(v) => v,
        Err(e) => return evidence_error("claims-set", &e),
    };
    let Value::Map(entries) = value else {
        return Node::failure("claims-set", "not a CBOR map (byte offset 0)");
    };
    let claims = match claims {
        Claims::Auto if is_ear_claims(bytes) => Claims::Ear,
        Claims::Auto => Claims::Eat,
        c => c,
    };
    let (title, check) = match claims {
        Claims::Ear => (
            "EAR claims-set (draft-ietf-rats-ear)",
            Ear::from_cbor(bytes).map(|_| ()),
        ),
        _ => (
            "EAT claims-set (RFC 9711)",
            ClaimsSet::decode(bytes).map(|_| ()),
        ),
    };
    let mut node = Node::leaf(title, "");
    for (k, v) in &entries {
        node.push(claim(k, v, Context::Top, depth));
    }
    match check {
        Ok(()) => node.push(Node::leaf("strict check", "passes")),
        Err(e) => node.push(evidence_error("strict check", &e)),
    }
    node
}

/// Where a claim sits, which decides how its key is named.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Context {
    Top,
    TrustVector,
}

fn claim(k: &Value, v: &Value, ctx: Context, depth: usize) -> Node {
    let key = k.as_i64();
    let name = match ctx {
        Context::Top => label_name(k, names::claim),
        Context::TrustVector => label_name(k, names::trust_claim),
    };
    if ctx == Context::TrustVector {
        return match v.as_i64() {
            Some(n) => Node::leaf(name, names::tier_of(n)),
            None => generic(&name, v, depth),
        };
    }
    match (key, v) {
        (Some(4..=6), _) if v.as_i64().is_some() => {
            Node::leaf(name, unix_time(v.as_i64().unwrap_or_default()))
        }
        (Some(263), _) if v.as_i64().is_some() => {
            let n = v.as_i64().unwrap_or_default();
            Node::leaf(
                name,
                names::dbgstat(n).map_or_else(|| n.to_string(), |d| format!("{n} ({d})")),
            )
        }
        (Some(275), _) if v.as_i64().is_some() => {
            let n = v.as_i64().unwrap_or_default();
            Node::leaf(
                name,
                names::intuse(n).map_or_else(|| n.to_string(), |d| format!("{n} ({d})")),
            )
        }
        (Some(1000), _) if v.as_i64().is_some() => {
            Node::leaf(name, names::status(v.as_i64().unwrap_or_default()))
        }
        (Some(1001), Value::Map(entries)) => {
            let mut node = Node::leaf(name, "AR4SI trustworthiness vector");
            for (k, v) in entries {
                node.push(claim(k, v, Context::TrustVector, depth + 1));
            }
            node
        }
        (Some(8), Value::Map(entries)) => {
            let mut node = Node::leaf(name, "");
            for (k, v) in entries {
                let n = match k.as_i64() {
                    Some(1) => "COSE_Key (1)".to_string(),
                    Some(2) => "Encrypted_COSE_Key (2)".to_string(),
                    Some(3) => "kid (3)".to_string(),
                    _ => label_name(k, |_| None),
                };
                node.push(generic(&n, v, depth + 1));
            }
            node
        }
        (Some(1004), Value::Map(entries)) => {
            let mut node = Node::leaf(name, "");
            for (k, v) in entries {
                let n = label_name(k, |i| match i {
                    0 => Some("developer"),
                    1 => Some("build"),
                    _ => None,
                });
                node.push(generic(&n, v, depth + 1));
            }
            node
        }
        (Some(266), Value::Map(entries)) => {
            let mut node = Node::leaf(name, format!("{} submodule(s)", entries.len()));
            for (k, v) in entries {
                let label = label_name(k, |_| None);
                node.push(match v {
                    Value::Map(inner) if depth < MAX_NESTING => {
                        let mut sub = Node::leaf(label, "");
                        for (k, v) in inner {
                            sub.push(claim(k, v, Context::Top, depth + 1));
                        }
                        sub
                    }
                    Value::Bytes(b) => payload(&label, b, None, depth + 1),
                    _ => generic(&label, v, depth + 1),
                });
            }
            node
        }
        (Some(272 | 273), Value::Array(items)) => {
            let mut node = Node::leaf(name, format!("{} entries", items.len()));
            for item in items {
                node.push(measurement(item, depth + 1));
            }
            node
        }
        (Some(1002), Value::Bytes(b)) => payload(&name, b, None, depth + 1),
        _ => generic(&name, v, depth),
    }
}

/// One `[content-type, content]` entry of `measurements` or `manifests`.
fn measurement(item: &Value, depth: usize) -> Node {
    match item {
        Value::Array(pair) => match (pair.first(), pair.get(1), pair.len()) {
            (Some(ct), Some(Value::Bytes(content)), 2) => {
                let ct = ct
                    .as_i64()
                    .map_or_else(|| format!("{ct:?}"), |c| c.to_string());
                let mut node = Node::leaf("entry", format!("content-format {ct}"));
                match cbor::decode_value(content, Profile::LENIENT) {
                    Ok(v @ Value::Map(_)) => node.push(generic("content", &v, depth + 1)),
                    _ => node.push(Node::leaf("content", hex_short(content))),
                }
                node
            }
            _ => generic("entry", item, depth),
        },
        _ => generic("entry", item, depth),
    }
}

/// A CBOR value shown generically.
fn generic(name: &str, v: &Value, depth: usize) -> Node {
    match v {
        Value::Uint(_) | Value::Nint(_) => Node::leaf(
            name,
            v.as_i64()
                .map_or_else(|| format!("{v:?}"), |i| i.to_string()),
        ),
        Value::Bytes(b) => Node::leaf(name, hex_short(b)),
        Value::Text(t) => Node::leaf(name, format!("{t:?}")),
        Value::Bool(b) => Node::leaf(name, b.to_string()),
        Value::Null => Node::leaf(name, "null"),
        Value::Float(f) => Node::leaf(name, format!("{f:?}")),
        Value::Tag(t, inner) => {
            Node::leaf(name, format!("tag {t}")).with(generic("content", inner, depth + 1))
        }
        Value::Array(items) if depth < MAX_NESTING => {
            if items
                .iter()
                .all(|i| matches!(i, Value::Text(_) | Value::Uint(_) | Value::Nint(_)))
            {
                let shown: Vec<String> = items
                    .iter()
                    .map(|i| match i {
                        Value::Text(t) => format!("{t:?}"),
                        _ => i
                            .as_i64()
                            .map_or_else(|| format!("{i:?}"), |n| n.to_string()),
                    })
                    .collect();
                return Node::leaf(name, format!("[{}]", shown.join(", ")));
            }
            let mut node = Node::leaf(name, format!("array of {}", items.len()));
            for (i, item) in items.iter().enumerate() {
                node.push(generic(&format!("[{i}]"), item, depth + 1));
            }
            node
        }
        Value::Map(entries) if depth < MAX_NESTING => {
            let mut node = Node::leaf(name, "");
            for (k, v) in entries {
                node.push(generic(&label_name(k, |_| None), v, depth + 1));
            }
            node
        }
        _ => Node::leaf(name, hex_short(&v.to_vec())),
    }
}

// ---------------------------------------------------------------- JWT

/// Explains an EAR JWT; checks its signature when `spki` is given.
pub(crate) fn jwt(token: &str, spki: Option<&[u8]>) -> Node {
    let token = token.trim();
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Node::failure("JWT", "not three base64url parts separated by dots");
    };
    let mut node = Node::leaf("JWT", "JWS compact serialization");
    let mut offset = 0usize;
    for (name, part) in [("header", h), ("payload", p)] {
        let decoded = URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|e| format!("not unpadded base64url: {e} (byte offset {offset})"))
            .and_then(|b| {
                serde_json::from_slice::<serde_json::Value>(&b).map_err(|e| {
                    format!("not JSON: {e} (in the {name} starting at byte offset {offset})")
                })
            });
        match decoded {
            Ok(serde_json::Value::Object(map)) => {
                let mut child = Node::leaf(name, "");
                for (k, v) in &map {
                    child.push(json_claim(k, v, name == "payload", 0));
                }
                node.push(child);
            }
            Ok(_) => node.push(Node::failure(
                name,
                format!("not a JSON object (byte offset {offset})"),
            )),
            Err(e) => node.push(Node::failure(name, e)),
        }
        offset = offset.saturating_add(part.len()).saturating_add(1);
    }
    let payload_json = URL_SAFE_NO_PAD.decode(p).unwrap_or_default();
    match Ear::from_json(&payload_json) {
        Ok(_) => node.push(Node::leaf("strict check", "passes as an EAR")),
        Err(e) => node.push(evidence_error("strict check", &e)),
    }
    let mut signature = Node::leaf(
        "signature",
        format!("{} bytes", URL_SAFE_NO_PAD.decode(s).map_or(0, |b| b.len())),
    );
    match spki {
        None => signature.push(Node::leaf("check", "not made (no key)")),
        Some(spki) => match ProviderVerifier::for_spki(default_provider(), spki)
            .and_then(|v| ear::verify_jwt(token, &v))
        {
            Ok(_) => signature.push(Node::leaf("check", "verifies under the given key")),
            Err(e) => signature.push(evidence_error("check", &e)),
        },
    }
    node.push(signature);
    node
}

fn json_claim(name: &str, v: &serde_json::Value, claims: bool, depth: usize) -> Node {
    use serde_json::Value as J;
    match (name, v) {
        ("iat" | "exp" | "nbf", J::Number(n)) if claims && n.as_i64().is_some() => {
            Node::leaf(name, unix_time(n.as_i64().unwrap_or_default()))
        }
        ("ear_status", J::String(s)) => Node::leaf(name, s.clone()),
        ("ear_trustworthiness_vector", J::Object(map)) => {
            let mut node = Node::leaf(name, "AR4SI trustworthiness vector");
            for (k, v) in map {
                node.push(match v.as_i64() {
                    Some(n) => Node::leaf(k.clone(), names::tier_of(n)),
                    None => json_claim(k, v, false, depth + 1),
                });
            }
            node
        }
        (_, J::Object(map)) if depth < MAX_NESTING => {
            let mut node = Node::leaf(name, "");
            for (k, v) in map {
                node.push(json_claim(k, v, claims, depth + 1));
            }
            node
        }
        (_, J::Array(items)) if depth < MAX_NESTING && items.iter().any(|i| i.is_object()) => {
            let mut node = Node::leaf(name, format!("array of {}", items.len()));
            for (i, item) in items.iter().enumerate() {
                node.push(json_claim(&format!("[{i}]"), item, claims, depth + 1));
            }
            node
        }
        _ => Node::leaf(name, v.to_string()),
    }
}

// ---------------------------------------------------------------- RFC 9261 and early attestation

fn proto_error(what: &str, e: &seat_proto::codec::DecodeError) -> Node {
    Node::failure(what, e.to_string())
}

/// Explains an authenticator request.
pub(crate) fn request(bytes: &[u8], cp: &CodePoints) -> Node {
    let r = match AuthenticatorRequest::decode(bytes, cp) {
        Ok(r) => r,
        Err(e) => return proto_error("authenticator request", &e),
    };
    let mut node = Node::leaf("authenticator request", r.msg_type().to_string()).with(Node::leaf(
        "certificate_request_context",
        hex_short(r.context().as_bytes()),
    ));
    let mut exts = Node::leaf("extensions", "");
    for ext in r.extensions().iter() {
        exts.push(match ext {
            RequestExtension::SignatureAlgorithms(l) => {
                Node::leaf("signature_algorithms", schemes(l.schemes()))
            }
            RequestExtension::SignatureAlgorithmsCert(l) => {
                Node::leaf("signature_algorithms_cert", schemes(l.schemes()))
            }
            RequestExtension::CmwAttestationOffer { codepoint } => Node::leaf(
                format!("cmw_attestation (0x{:04x})", codepoint.0),
                "offered (empty)",
            ),
            RequestExtension::RemoteAttestation {
                codepoint,
                chosen_client_scheme,
            } => Node::leaf(
                format!("remoteAttestation (0x{:04x})", codepoint.0),
                format!("chosen_client_scheme: {chosen_client_scheme}"),
            ),
            RequestExtension::Other(e) => Node::leaf(
                format!("extension 0x{:04x}", e.extension_type.0),
                hex_short(e.data.as_bytes()),
            ),
            _ => Node::leaf(format!("{}", ext.extension_type()), "unknown"),
        });
    }
    node.push(exts);
    node
}

fn schemes(list: &[seat_proto::codepoints::SignatureScheme]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Explains an authenticator; `hash_len` is tried first, then 32, 48 and 64.
pub(crate) fn authenticator(bytes: &[u8], cp: &CodePoints, hash_len: Option<usize>) -> Node {
    let mut lens = vec![32, 48, 64];
    if let Some(h) = hash_len {
        lens.retain(|l| *l != h);
        lens.insert(0, h);
    }
    let mut first_err = None;
    let mut decoded = None;
    for len in lens {
        match Authenticator::decode(bytes, len, cp) {
            Ok(a) => {
                decoded = Some(a);
                break;
            }
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    let a = match (decoded, first_err) {
        (Some(a), _) => a,
        (None, Some(e)) => return proto_error("authenticator", &e),
        (None, None) => return Node::failure("authenticator", "empty input (byte offset 0)"),
    };
    match a {
        Authenticator::Empty { finished } => Node::leaf(
            "authenticator",
            "empty (Finished alone: an authenticated refusal)",
        )
        .with(Node::leaf("finished", hex_short(finished.verify_data()))),
        Authenticator::Full {
            certificate,
            certificate_verify,
            finished,
        } => {
            let mut cert = Node::leaf(
                "certificate",
                format!("{} entries", certificate.entries().len()),
            )
            .with(Node::leaf(
                "certificate_request_context",
                hex_short(certificate.context().as_bytes()),
            ));
            for (i, entry) in certificate.entries().iter().enumerate() {
                let mut e = Node::leaf(
                    format!("entry {i}"),
                    format!("certificate of {} bytes", entry.cert_data.as_bytes().len()),
                );
                for ext in entry.extensions.iter() {
                    e.push(match ext {
                        EntryExtension::CmwAttestation { codepoint, cmw: c } => {
                            let mut n = cmw(c.as_bytes(), 1);
                            n.name = format!("cmw_attestation (0x{:04x}): {}", codepoint.0, n.name);
                            n
                        }
                        EntryExtension::RemoteAttestation { codepoint, cmw: c } => {
                            let mut n = cmw(c.as_bytes(), 1);
                            n.name =
                                format!("remoteAttestation (0x{:04x}): {}", codepoint.0, n.name);
                            n
                        }
                        EntryExtension::Other(x) => Node::leaf(
                            format!("extension 0x{:04x}", x.extension_type.0),
                            hex_short(x.data.as_bytes()),
                        ),
                        _ => Node::leaf(ext.extension_type().to_string(), "unknown"),
                    });
                }
                cert.push(e);
            }
            Node::leaf("authenticator", "Certificate, CertificateVerify, Finished")
                .with(cert)
                .with(
                    Node::leaf(
                        "certificate_verify",
                        certificate_verify.algorithm.to_string(),
                    )
                    .with(Node::leaf(
                        "signature",
                        format!("{} bytes", certificate_verify.signature.as_bytes().len()),
                    )),
                )
                .with(Node::leaf("finished", hex_short(finished.verify_data())))
        }
    }
}

/// Explains `remoteAttestation` extension data carried in `message`.
pub(crate) fn early_extension(message: HandshakeType, data: &[u8]) -> Node {
    let name = format!("remoteAttestation in {message}");
    match RemoteAttestation::decode_data(message, data) {
        Err(e) => proto_error(&name, &e),
        Ok(RemoteAttestation::ClientHello(offer)) => {
            let list = |title: &str, l: &[AttestationScheme]| {
                let mut n = Node::leaf(title, format!("{} schemes", l.len()));
                for s in l {
                    n.push(Node::leaf("scheme", s.to_string()));
                }
                n
            };
            Node::leaf(name, "offer")
                .with(list(
                    "server_attester_schemes",
                    offer.server_attester_schemes(),
                ))
                .with(list(
                    "client_attester_schemes",
                    offer.client_attester_schemes(),
                ))
        }
        Ok(RemoteAttestation::EncryptedExtensions(s)) => {
            Node::leaf(name, "").with(Node::leaf("chosen_server_scheme", s.to_string()))
        }
        Ok(RemoteAttestation::CertificateRequest(s)) => {
            Node::leaf(name, "").with(Node::leaf("chosen_client_scheme", s.to_string()))
        }
        Ok(RemoteAttestation::Certificate(c)) => {
            let mut n = cmw(c.as_bytes(), 1);
            n.name = format!("cmw_payload: {}", n.name);
            Node::leaf(name, "").with(n)
        }
    }
}

/// Explains a stream of shim frames.
pub(crate) fn frames(bytes: &[u8], cp: &CodePoints) -> Node {
    let mut d = Deframer::new();
    d.push(bytes);
    let mut node = Node::leaf("frames", "");
    let mut count = 0usize;
    loop {
        match d.next_frame() {
            Ok(Some(f)) => {
                node.push(frame(&f, cp));
                count += 1;
            }
            Ok(None) => break,
            Err(e) => {
                node.push(proto_error("frame", &e));
                return node;
            }
        }
    }
    if d.buffered() > 0 {
        node.push(Node::failure(
            "frame",
            format!(
                "{} bytes left over: a truncated frame (byte offset {})",
                d.buffered(),
                bytes.len().saturating_sub(d.buffered())
            ),
        ));
    }
    node.value = format!("{count} frames");
    node
}

/// Explains one shim frame.
pub(crate) fn frame(f: &Frame, cp: &CodePoints) -> Node {
    frame_with_hash(f, cp, 32)
}

/// Explains one shim frame whose authenticators use a hash of `hash_len` bytes.
pub(crate) fn frame_with_hash(f: &Frame, cp: &CodePoints, hash_len: usize) -> Node {
    match f {
        Frame::Hello(h) => Node::leaf("hello", format!("version {}", h.version))
            .with(Node::leaf("attests", models(h.attests.bits())))
            .with(Node::leaf("requires", models(h.requires.bits())))
            .with(Node::leaf("cmw_forms", cmw_forms(h.cmw_forms.bits())))
            .with(Node::leaf(
                "cmw_attestation",
                format!("0x{:04x}", h.cmw_attestation.0),
            ))
            .with(Node::leaf(
                "exporter label",
                format!("{:?}", String::from_utf8_lossy(&h.label)),
            )),
        Frame::Request { exchange, message } => {
            Node::leaf("request", format!("exchange {exchange}")).with(request(message, cp))
        }
        Frame::Authenticator { exchange, message } => Node::leaf(
            "authenticator",
            format!("exchange {exchange}"),
        )
        .with(authenticator(message, cp, Some(hash_len))),
        Frame::Error {
            alert,
            reason,
            detail,
        } => Node::leaf("error", format!("alert {alert}, reason {reason}"))
            .with(Node::leaf("detail", format!("{detail:?}"))),
        Frame::Data(d) => Node::leaf("data", format!("{} bytes", d.len())),
        _ => Node::leaf("frame", "a type this version does not name"),
    }
}

/// The models a bit set names.
pub fn models(bits: u8) -> String {
    let mut names = Vec::new();
    if bits & 1 != 0 {
        names.push("background check");
    }
    if bits & 2 != 0 {
        names.push("passport");
    }
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

fn cmw_forms(bits: u8) -> String {
    match bits & 3 {
        1 => "CBOR".into(),
        2 => "JSON".into(),
        3 => "CBOR, JSON".into(),
        _ => "none".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_element_offsets_skip_strings_and_nesting() {
        let text = br#"[ "a,[", {"k": [1, 2]} , 5]"#;
        assert_eq!(json_element_offset(text, 0), Some(2));
        assert_eq!(json_element_offset(text, 1), Some(9));
        assert_eq!(json_element_offset(text, 2), Some(25));
        assert_eq!(json_element_offset(text, 3), None);
        assert_eq!(json_element_offset(br#"["\"]", 1]"#, 1), Some(8));
    }

    #[test]
    fn detection_by_first_bytes() {
        assert_eq!(detect(&[0x0d, 0, 0, 0]), Some(Kind::Request));
        assert_eq!(detect(&[0x14, 0, 0, 0]), Some(Kind::Authenticator));
        assert_eq!(detect(&[0xd2, 0x84]), Some(Kind::CoseSign1));
        assert_eq!(detect(&[0xd8, 61, 0xd2]), Some(Kind::CoseSign1));
        assert_eq!(detect(&[0x83, 0x01]), Some(Kind::Cmw));
        assert_eq!(
            detect(b"{\"schema\":\"seat-vectors/1\"}"),
            Some(Kind::Vector)
        );
        assert_eq!(detect(b"eyJh.eyJi.c2ln"), Some(Kind::EarJwt));
        assert_eq!(detect(&[]), None);
        assert_eq!(detect(&[0x00]), None);
    }
}
