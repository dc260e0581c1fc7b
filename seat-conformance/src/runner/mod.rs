//! The vector runner: consumes a `seat-vectors/1` vector through the project's public APIs
//! (with the default aws-lc-rs provider, not the deterministic one that generated them) and
//! returns a one-line readable account of what it checked, or what differed.

use seat_binding::Secret;
use seat_binding::authenticator::{AuthenticatorKeys, Role};
use seat_binding::binder::{ExpatLabel, aik_pub_hash, expat_binding_value, expat_exported_value};
use seat_binding::exporter::{Exporter, RecordedExporter};
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::{CryptoProvider, HashAlgorithm, default_provider};
use seat_proto::authenticator::{self, ClientHelloOffers, Outcome, SentRequest, Solicitation};
use seat_proto::chain::{CertificateError, ChainTrust, ChainVerifier};
use seat_proto::codepoints::{CodePoints, ExtensionType, SignatureScheme};
use serde_json::Value;

pub(crate) mod early;
pub mod early_session;
mod rats;
pub mod session;

/// Certificate-path validation is not part of these vectors (`seat-vectors/1`, kind
/// `ea-authenticator`): accept any chain whose certificates the authenticator carries.
#[derive(Debug)]
struct NoPathValidation;

impl ChainVerifier for NoPathValidation {
    fn verify_chain(&self, _: &[u8], _: &[&[u8]], _: u64) -> Result<ChainTrust, CertificateError> {
        Ok(ChainTrust::AttestationOnly)
    }
}

fn provider() -> &'static dyn CryptoProvider {
    default_provider()
}

pub(crate) fn field<'a>(v: &'a Value, name: &str) -> Result<&'a Value, String> {
    v.get(name).ok_or_else(|| format!("missing field {name}"))
}

pub(crate) fn text<'a>(v: &'a Value, name: &str) -> Result<&'a str, String> {
    field(v, name)?
        .as_str()
        .ok_or_else(|| format!("field {name} is not a string"))
}

pub(crate) fn bytes(v: &Value, name: &str) -> Result<Vec<u8>, String> {
    hex::decode(text(v, name)?).map_err(|e| format!("field {name}: {e}"))
}

fn hash(v: &Value) -> Result<HashAlgorithm, String> {
    match text(v, "hash")? {
        "sha256" => Ok(HashAlgorithm::Sha256),
        "sha384" => Ok(HashAlgorithm::Sha384),
        other => Err(format!("unknown hash {other}")),
    }
}

fn protocol(v: &Value) -> Result<Protocol, String> {
    match v.get("protocol").and_then(Value::as_str).unwrap_or("tls13") {
        "tls13" => Ok(Protocol::Tls13),
        "dtls13" => Ok(Protocol::Dtls13),
        other => Err(format!("unknown protocol {other}")),
    }
}

fn short(b: &[u8]) -> String {
    let h = hex::encode(b);
    h.get(..16).unwrap_or(&h).to_string()
}

fn expect_eq(what: &str, got: &[u8], want: &[u8]) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "{what}: computed {}, vector says {}",
            hex::encode(got),
            hex::encode(want)
        ))
    }
}

/// Runs one vector.
///
/// # Errors
///
/// A description of the first field that does not match, or of a vector that cannot be read.
pub fn run(v: &Value) -> Result<String, String> {
    if v.get("schema").and_then(Value::as_str) != Some("seat-vectors/1") {
        return Err("not a seat-vectors/1 vector".into());
    }
    match text(v, "kind")? {
        "tls13-exporter" => tls13_exporter(v),
        "ea-authenticator" => ea_authenticator(v),
        "early-binder" => early::binder(v),
        "early-extension" => early::extension(v),
        "early-session" => early_session::run(v),
        "cmw" => cmw(v),
        "cose-sign1" | "eat" | "ear" => rats::run(v),
        "session" | "dtls-session" => session::run(v),
        other => Err(format!("unknown kind {other}")),
    }
}

/// The vector's hash and the exporter over its `exporter_master_secret`.
fn vector_exporter(v: &Value) -> Result<(HashAlgorithm, RecordedExporter), String> {
    let h = hash(v)?;
    let exporter = RecordedExporter::new(
        provider(),
        h,
        protocol(v)?,
        Secret::new(bytes(v, "exporter_master_secret")?),
    )
    .map_err(|e| e.to_string())?;
    Ok((h, exporter))
}

fn tls13_exporter(v: &Value) -> Result<String, String> {
    let (_, exporter) = vector_exporter(v)?;
    let context = match field(v, "context")? {
        Value::Null => None,
        _ => Some(bytes(v, "context")?),
    };
    let length = field(v, "length")?.as_u64().ok_or("length")?;
    let out = exporter
        .export(
            text(v, "label")?.as_bytes(),
            context.as_deref(),
            usize::try_from(length).map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
    expect_eq("output", out.expose(), &bytes(v, "output")?)?;
    Ok(format!(
        "exporter {:?} -> {}",
        text(v, "label")?,
        short(out.expose())
    ))
}

fn ea_authenticator(v: &Value) -> Result<String, String> {
    let (h, exporter) = vector_exporter(v)?;
    let cp = match v
        .get("expat")
        .and_then(|x| x.get("codepoint"))
        .and_then(Value::as_u64)
    {
        Some(c) => CodePoints::default()
            .with_cmw_attestation(ExtensionType(u16::try_from(c).map_err(|e| e.to_string())?))
            .map_err(|e| e.to_string())?,
        None => CodePoints::DEFAULT,
    };
    let role = match text(v, "authenticator_role")? {
        "server" => Role::Server,
        _ => Role::Client,
    };
    let keys = AuthenticatorKeys::derive(provider(), &exporter, role).map_err(|e| e.to_string())?;
    let context = bytes(v, "certificate_request_context")?;
    let offers;
    let request;
    let solicitation = match field(v, "request")? {
        Value::Null => {
            let list = |name: &str| -> Vec<u16> {
                v.get(name)
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_u64)
                            .filter_map(|n| u16::try_from(n).ok())
                            .collect()
                    })
                    .unwrap_or_default()
            };
            offers = ClientHelloOffers {
                signature_algorithms: list("client_hello_signature_algorithms")
                    .into_iter()
                    .map(SignatureScheme)
                    .collect(),
                extensions: list("client_hello_extensions")
                    .into_iter()
                    .map(ExtensionType)
                    .collect(),
            };
            Solicitation::Spontaneous {
                context: &context,
                offers: &offers,
            }
        }
        _ => {
            request = SentRequest::decode(&bytes(v, "request")?, &cp).map_err(|e| e.to_string())?;
            Solicitation::Request(&request)
        }
    };
    let result = authenticator::validate(
        &keys,
        &solicitation,
        &bytes(v, "authenticator")?,
        &cp,
        &NoPathValidation,
        0,
    );
    let outcome = text(v, "outcome")?;
    match (outcome, result) {
        ("valid", Ok(Outcome::Authenticated(a))) => {
            expect_eq("leaf_spki", a.leaf_spki(), &bytes(v, "leaf_spki")?)?;
            let scheme = field(v, "signature_scheme")?
                .as_u64()
                .ok_or("signature_scheme")?;
            if u64::from(a.scheme().0) != scheme {
                return Err(format!(
                    "signature_scheme: validated {:?}, vector says {scheme}",
                    a.scheme()
                ));
            }
            let mut line = format!(
                "valid, scheme {}, leaf spki {}",
                a.scheme(),
                short(a.leaf_spki())
            );
            if let Some(x) = v.get("expat") {
                let label = match text(x, "label")? {
                    "Attestation Binding" => ExpatLabel::AttestationBinding,
                    _ => ExpatLabel::Attestation,
                };
                let exported =
                    expat_exported_value(&exporter, label, &context).map_err(|e| e.to_string())?;
                expect_eq(
                    "exported_value",
                    exported.expose(),
                    &bytes(x, "exported_value")?,
                )?;
                let binder = expat_binding_value(provider(), h, a.leaf_spki(), &exported);
                expect_eq(
                    "binding_value",
                    binder.as_bytes(),
                    &bytes(x, "binding_value")?,
                )?;
                expect_eq(
                    "aik_pub_hash",
                    aik_pub_hash(provider(), h, a.leaf_spki()).as_bytes(),
                    &bytes(x, "aik_pub_hash")?,
                )?;
                match (a.cmw(), x.get("cmw")) {
                    (Some(m), Some(Value::String(_))) => expect_eq("cmw", m, &bytes(x, "cmw")?)?,
                    (None, Some(Value::Null) | None) => {}
                    _ => return Err("cmw presence differs".into()),
                }
                line.push_str(&format!(", binder {}", short(binder.as_bytes())));
            }
            Ok(line)
        }
        ("refused", Ok(Outcome::Refused)) => {
            Ok("refused: a well-formed empty authenticator".into())
        }
        ("invalid", Err(e)) => {
            let want = v.get("error").and_then(Value::as_str).unwrap_or_default();
            if e.name() != want {
                return Err(format!("rejected with {}, vector names {want}", e.name()));
            }
            Ok(format!("invalid: {} ({e})", e.name()))
        }
        (want, got) => Err(format!("outcome {want} expected, got {got:?}")),
    }
}

fn cmw(v: &Value) -> Result<String, String> {
    use seat_evidence::cmw::AnyCmw;
    let encoded = bytes(v, "encoded")?;
    let valid = field(v, "valid")?.as_bool().ok_or("valid")?;
    match (AnyCmw::decode(&encoded), valid) {
        (Ok(c), true) => {
            let decoded = match &c {
                AnyCmw::Cbor(c) => crate::generate::cmw_json(c),
                AnyCmw::Json(j) => crate::generate::json_cmw_json(j),
            };
            if Some(&decoded) != v.get("decoded") {
                return Err(format!("decoded differs: {decoded}"));
            }
            // CBOR CMW is deterministic, so it re-encodes to the same bytes; JSON text may
            // differ in whitespace.
            if matches!(c, AnyCmw::Cbor(_)) && c.to_vec() != encoded {
                return Err("re-encoding differs".into());
            }
            Ok(format!("{} decodes and re-encodes", text(v, "form")?))
        }
        (Err(e), false) => Ok(format!("rejected: {e}")),
        (Ok(_), false) => Err("accepted an invalid CMW".into()),
        (Err(e), true) => Err(format!("rejected a valid CMW: {e}")),
    }
}
