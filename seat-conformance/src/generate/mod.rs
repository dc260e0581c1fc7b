//! The deterministic generators of the `seat-vectors/1` interop vectors: fixed keys, secrets,
//! contexts, times and random sources, and the deterministic RustCrypto provider (RFC 6979
//! ECDSA, Ed25519, RSA-PSS with a seeded salt), so that regeneration is byte-identical.
//!
//! Every field is computed by the project's code from the fixed inputs; nothing is typed in.

use seat_binding::Secret;
use seat_binding::authenticator::{AuthenticatorKeys, Role};
use seat_binding::binder::{ExpatLabel, aik_pub_hash, expat_binding_value, expat_exported_value};
use seat_binding::exporter::{Exporter, RecordedExporter};
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::rust_crypto::RustCrypto;
use seat_binding::provider::{CryptoProvider, HashAlgorithm, SignatureAlgorithm, SigningKey};
use seat_binding::spki::spki_from_certificate;
use seat_evidence::cmw::{Cmw, Ind, JsonCmw, JsonRecord, Record, RecordType};
use seat_proto::authenticator::{self, ClientHelloOffers, SentRequest, Solicitation};
use seat_proto::codepoints::{CodePoints, ExtensionType, SignatureScheme};
use seat_proto::ext::{CmwData, EntryExtension, EntryExtensions};
use seat_proto::message::{
    CertData, Certificate, CertificateEntry, CertificateVerify, Finished, RequestContext,
    SignatureBytes,
};
use serde_json::{Map, Value, json};

use crate::vector::Vector;

pub mod early;
pub mod rats;
pub mod session;

/// The deterministic provider.
pub fn provider() -> &'static dyn CryptoProvider {
    &RustCrypto
}

/// The fixed keys, as PKCS#8 (OpenSSL-made; the P-256 and P-384 scalars are RFC 6979's, the
/// Ed25519 seed is the expat digest's attester seed).
const KEYS: &str = include_str!("../data/keys.json");

/// The exporter master secrets: RFC 8448 section 3's for SHA-256, and a fixed pattern for
/// SHA-384.
pub fn exporter_master_secret(hash: HashAlgorithm) -> Vec<u8> {
    match hash {
        HashAlgorithm::Sha384 => (0u8..48)
            .map(|i| i.wrapping_mul(7).wrapping_add(3))
            .collect(),
        _ => hex_bytes("fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50"),
    }
}

fn hex_bytes(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap_or_default()
}

fn hash_name(hash: HashAlgorithm) -> &'static str {
    match hash {
        HashAlgorithm::Sha384 => "sha384",
        _ => "sha256",
    }
}

fn protocol_name(p: Protocol) -> &'static str {
    match p {
        Protocol::Dtls13 => "dtls13",
        _ => "tls13",
    }
}

/// A seeded random source: splitmix64 from `seed`, one output byte per step (the RSA-PSS
/// salt and the fixed key shares here; the recorded sessions' contexts and random sources).
pub fn seeded(seed: u64) -> impl FnMut(&mut [u8]) + Send {
    let mut state = seed;
    move |dest: &mut [u8]| {
        for b in dest.iter_mut() {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            *b = (z ^ (z >> 31)).to_le_bytes()[0];
        }
    }
}

fn pkcs8(alg: SignatureAlgorithm) -> Vec<u8> {
    let keys: Value = serde_json::from_str(KEYS).unwrap_or_default();
    let name = match alg {
        SignatureAlgorithm::EcdsaSecp256r1Sha256 => "p256",
        SignatureAlgorithm::EcdsaSecp384r1Sha384 => "p384",
        SignatureAlgorithm::Ed25519 => "ed25519",
        _ => "rsa",
    };
    hex_bytes(
        keys.get(name)
            .and_then(|k| k.get("pkcs8"))
            .and_then(Value::as_str)
            .unwrap_or_default(),
    )
}

/// A fixed attester identity: its key and a certificate issued by the fixed Ed25519 vectors
/// CA (Ed25519 signatures are deterministic, so the certificate bytes are too).
#[derive(Debug)]
pub struct Attester {
    /// The scheme.
    pub algorithm: SignatureAlgorithm,
    /// The certificate DER.
    pub certificate: Vec<u8>,
    /// The signing key.
    pub key: Box<dyn SigningKey>,
}

fn rcgen_alg(alg: SignatureAlgorithm) -> &'static rcgen::SignatureAlgorithm {
    match alg {
        SignatureAlgorithm::EcdsaSecp256r1Sha256 => &rcgen::PKCS_ECDSA_P256_SHA256,
        SignatureAlgorithm::EcdsaSecp384r1Sha384 => &rcgen::PKCS_ECDSA_P384_SHA384,
        SignatureAlgorithm::Ed25519 => &rcgen::PKCS_ED25519,
        _ => &rcgen::PKCS_RSA_SHA256,
    }
}

/// The fixed parameters of every certificate made here: the common name `cn` alone as the
/// subject, the serial number, validity 2026-01-01 to 2036-01-01.
pub(crate) fn fixed_params(
    mut p: rcgen::CertificateParams,
    cn: &str,
    serial: u8,
) -> rcgen::CertificateParams {
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name.push(rcgen::DnType::CommonName, cn);
    p.serial_number = Some(rcgen::SerialNumber::from_slice(&[serial]));
    p.not_before = rcgen::date_time_ymd(2026, 1, 1);
    p.not_after = rcgen::date_time_ymd(2036, 1, 1);
    p
}

/// A fixed self-signed CA named `cn` (serial 1), its Ed25519 key the 32-byte seed `seed`
/// repeated (RFC 8410 PKCS#8 form).
///
/// # Errors
///
/// A key or certificate rcgen refuses.
pub(crate) fn fixed_ca(seed: u8, cn: &str) -> Result<(rcgen::KeyPair, rcgen::Certificate), String> {
    use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let mut ca_der = hex_bytes("302e020100300506032b657004220420");
    ca_der.extend([seed; 32]);
    let ca_key = rcgen::KeyPair::from_der_and_sign_algo(
        &PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ca_der)),
        &rcgen::PKCS_ED25519,
    )
    .map_err(|e| e.to_string())?;
    let mut ca_params = fixed_params(rcgen::CertificateParams::default(), cn, 1);
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).map_err(|e| e.to_string())?;
    Ok((ca_key, ca))
}

/// The attester of `alg`.
///
/// # Errors
///
/// A fixed key that does not load, or a certificate that cannot be made.
pub fn attester(alg: SignatureAlgorithm) -> Result<Attester, String> {
    use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let der = pkcs8(alg);
    let key = provider()
        .signing_key_from_pkcs8(alg, &der)
        .map_err(|e| e.to_string())?;
    let leaf = rcgen::KeyPair::from_der_and_sign_algo(
        &PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der)),
        rcgen_alg(alg),
    )
    .map_err(|e| e.to_string())?;
    // The CA: Ed25519 with the seed 0x0c..0x0c.
    let (ca_key, ca) = fixed_ca(0x0c, "seat vectors CA")?;
    let name = format!("attester-{:04x}.example", alg.tls_scheme());
    let mut params = fixed_params(
        rcgen::CertificateParams::new(vec![name.clone()]).map_err(|e| e.to_string())?,
        &name,
        2,
    );
    params.use_authority_key_identifier_extension = false;
    let cert = params
        .signed_by(&leaf, &ca, &ca_key)
        .map_err(|e| e.to_string())?;
    Ok(Attester {
        algorithm: alg,
        certificate: cert.der().to_vec(),
        key,
    })
}

/// The vector CMW of the given form: Evidence bytes (here, the binder itself, so a consumer
/// can see the binding) wrapped as a CBOR or JSON CMW record with `ind` 4.
fn cmw(binder: &[u8], json_form: bool) -> Vec<u8> {
    let media = "application/vnd.seat.vector-evidence".to_string();
    if json_form {
        JsonRecord::new(media, binder.to_vec(), Some(Ind::EVIDENCE))
            .map(|r| JsonCmw::Record(r).to_json_string().into_bytes())
            .unwrap_or_default()
    } else {
        Record::new(
            RecordType::MediaType(media),
            binder.to_vec(),
            Some(Ind::EVIDENCE),
        )
        .map(|r| Cmw::Record(r).to_vec())
        .unwrap_or_default()
    }
}

fn exporter(hash: HashAlgorithm, protocol: Protocol) -> Result<RecordedExporter, String> {
    RecordedExporter::new(
        provider(),
        hash,
        protocol,
        Secret::new(exporter_master_secret(hash)),
    )
    .map_err(|e| e.to_string())
}

/// The `tls13-exporter` vectors: both prefixes, both hashes, the RFC 9261 and expat labels,
/// no context and non-empty contexts.
///
/// # Errors
///
/// An exporter failure.
pub fn tls13_exporter() -> Result<Vec<Vector>, String> {
    let mut out = Vec::new();
    let labels: [(&str, &[u8]); 4] = [
        ("attestation", b"Attestation"),
        ("attestation-binding", b"Attestation Binding"),
        (
            "server-ea-handshake-context",
            b"EXPORTER-server authenticator handshake context",
        ),
        (
            "client-ea-finished-key",
            b"EXPORTER-client authenticator finished key",
        ),
    ];
    for protocol in [Protocol::Tls13, Protocol::Dtls13] {
        for hash in [HashAlgorithm::Sha256, HashAlgorithm::Sha384] {
            for (i, (label_name, label)) in labels.iter().enumerate() {
                // Contexts that matter are non-empty; one case per group has none.
                let context: Option<Vec<u8>> = match i {
                    0 => Some((0u8..32).collect()),
                    1 => Some(vec![0]),
                    _ => None,
                };
                let length = if i == 2 { hash.output_len() } else { 32 };
                let e = exporter(hash, protocol)?;
                let output = e
                    .export(label, context.as_deref(), length)
                    .map_err(|e| e.to_string())?;
                let mut f = Map::new();
                f.insert("hash".into(), json!(hash_name(hash)));
                f.insert("protocol".into(), json!(protocol_name(protocol)));
                f.insert(
                    "exporter_master_secret".into(),
                    json!(hex::encode(exporter_master_secret(hash))),
                );
                f.insert("label".into(), json!(String::from_utf8_lossy(label)));
                f.insert(
                    "context".into(),
                    context
                        .as_ref()
                        .map_or(Value::Null, |c| json!(hex::encode(c))),
                );
                f.insert("length".into(), json!(length));
                f.insert("output".into(), json!(hex::encode(output.expose())));
                out.push(Vector::valid(
                    "tls13-exporter",
                    format!(
                        "{}-{}-{label_name}",
                        protocol_name(protocol),
                        hash_name(hash)
                    ),
                    format!(
                        "RFC 8446 section 7.5 exporter, {} prefix, {}, label {:?}, {}",
                        protocol_name(protocol),
                        hash_name(hash),
                        String::from_utf8_lossy(label),
                        if context.is_some() {
                            "with a context"
                        } else {
                            "no context"
                        }
                    ),
                    f,
                ));
            }
        }
    }
    Ok(out)
}

/// One authenticator case, before it becomes a vector.
struct Case {
    role: Role,
    hash: HashAlgorithm,
    request: Option<SentRequest>,
    offers: ClientHelloOffers,
    context: Vec<u8>,
    authenticator: Vec<u8>,
    leaf_spki: Vec<u8>,
    scheme: SignatureScheme,
    cmw: Option<Vec<u8>>,
    expat: bool,
}

fn keys(hash: HashAlgorithm, role: Role) -> Result<AuthenticatorKeys, String> {
    AuthenticatorKeys::derive(provider(), &exporter(hash, Protocol::Tls13)?, role)
        .map_err(|e| e.to_string())
}

fn all_schemes() -> Vec<SignatureScheme> {
    SignatureAlgorithm::ALL
        .iter()
        .map(|a| SignatureScheme(a.tls_scheme()))
        .collect()
}

fn request(
    role: Role,
    context: Vec<u8>,
    schemes: &[SignatureScheme],
    offer: bool,
    cp: &CodePoints,
) -> Result<SentRequest, String> {
    // The authenticator of `role` answers: a server answers a ClientCertificateRequest.
    let r = match role {
        Role::Server => SentRequest::client_request(context, schemes, offer, cp),
        Role::Client => SentRequest::server_request(context, schemes, offer, cp),
    };
    r.map_err(|e| e.to_string())
}

/// Builds a valid authenticator with `att` for `role`.
fn build_case(
    att: &Attester,
    role: Role,
    hash: HashAlgorithm,
    context: Vec<u8>,
    expat: Option<bool>,
    cp: &CodePoints,
) -> Result<Case, String> {
    let req = request(role, context.clone(), &all_schemes(), expat.is_some(), cp)?;
    let k = keys(hash, role)?;
    let leaf_spki = spki_from_certificate(&att.certificate)
        .map_err(|e| e.to_string())?
        .to_vec();
    let cmw_bytes = match expat {
        Some(json_form) => {
            let exported = expat_exported_value(
                &exporter(hash, Protocol::Tls13)?,
                ExpatLabel::Attestation,
                &context,
            )
            .map_err(|e| e.to_string())?;
            let binder = expat_binding_value(provider(), hash, &leaf_spki, &exported);
            Some(cmw(binder.as_bytes(), json_form))
        }
        None => None,
    };
    let mut rng = seeded(u64::from(att.algorithm.tls_scheme()));
    let bytes = authenticator::build(
        &k,
        &Solicitation::Request(&req),
        &[seat_proto::CertificateDer::from(att.certificate.clone())],
        att.key.as_ref(),
        cmw_bytes.as_deref(),
        cp,
        &mut rng,
    )
    .map_err(|e| e.to_string())?;
    Ok(Case {
        role,
        hash,
        request: Some(req),
        offers: ClientHelloOffers::default(),
        context,
        authenticator: bytes,
        leaf_spki,
        scheme: SignatureScheme(att.algorithm.tls_scheme()),
        cmw: cmw_bytes,
        expat: expat.is_some(),
    })
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Server => "server",
        Role::Client => "client",
    }
}

/// The vector of a case; `outcome` is `"valid"`, `"refused"` or `"invalid"`.
fn case_vector(
    name: String,
    description: String,
    c: &Case,
    outcome: &str,
    error: Option<&str>,
    cp: &CodePoints,
) -> Result<Vector, String> {
    let mut f = Map::new();
    f.insert("hash".into(), json!(hash_name(c.hash)));
    f.insert("protocol".into(), json!("tls13"));
    f.insert(
        "exporter_master_secret".into(),
        json!(hex::encode(exporter_master_secret(c.hash))),
    );
    f.insert("authenticator_role".into(), json!(role_name(c.role)));
    f.insert(
        "request".into(),
        c.request
            .as_ref()
            .map_or(Value::Null, |r| json!(hex::encode(r.bytes()))),
    );
    f.insert(
        "certificate_request_context".into(),
        json!(hex::encode(&c.context)),
    );
    f.insert("authenticator".into(), json!(hex::encode(&c.authenticator)));
    f.insert("outcome".into(), json!(outcome));
    if c.request.is_none() {
        let schemes: Vec<u16> = c.offers.signature_algorithms.iter().map(|s| s.0).collect();
        let exts: Vec<u16> = c.offers.extensions.iter().map(|e| e.0).collect();
        f.insert("client_hello_signature_algorithms".into(), json!(schemes));
        f.insert("client_hello_extensions".into(), json!(exts));
    }
    if outcome == "valid" {
        f.insert("leaf_spki".into(), json!(hex::encode(&c.leaf_spki)));
        f.insert("signature_scheme".into(), json!(c.scheme.0));
    }
    if c.expat {
        let exported = expat_exported_value(
            &exporter(c.hash, Protocol::Tls13)?,
            ExpatLabel::Attestation,
            &c.context,
        )
        .map_err(|e| e.to_string())?;
        let mut x = Map::new();
        x.insert("codepoint".into(), json!(cp.cmw_attestation().0));
        x.insert("label".into(), json!("Attestation"));
        x.insert(
            "exported_value".into(),
            json!(hex::encode(exported.expose())),
        );
        x.insert(
            "binding_value".into(),
            json!(hex::encode(
                expat_binding_value(provider(), c.hash, &c.leaf_spki, &exported).as_bytes()
            )),
        );
        x.insert(
            "aik_pub_hash".into(),
            json!(hex::encode(
                aik_pub_hash(provider(), c.hash, &c.leaf_spki).as_bytes()
            )),
        );
        x.insert(
            "cmw".into(),
            c.cmw
                .as_ref()
                .map_or(Value::Null, |m| json!(hex::encode(m))),
        );
        f.insert("expat".into(), Value::Object(x));
    }
    Ok(match error {
        None if outcome == "valid" => Vector::valid("ea-authenticator", name, description, f),
        _ => Vector::invalid(
            "ea-authenticator",
            name,
            description,
            error.unwrap_or("peer_refused"),
            f,
        ),
    })
}

/// The `ea-authenticator` vectors: every scheme in both roles (expat with CBOR and JSON CMW),
/// plain authenticators, a spontaneous server authenticator, refusals, and one negative per
/// rule.
///
/// # Errors
///
/// A key, certificate or build failure.
#[allow(clippy::too_many_lines)]
pub fn ea_authenticator() -> Result<Vec<Vector>, String> {
    let cp = CodePoints::DEFAULT;
    let mut out = Vec::new();
    let mut base = None;
    for (i, alg) in SignatureAlgorithm::ALL.into_iter().enumerate() {
        let att = attester(alg)?;
        for role in [Role::Server, Role::Client] {
            let hash = if alg == SignatureAlgorithm::EcdsaSecp384r1Sha384 {
                HashAlgorithm::Sha384
            } else {
                HashAlgorithm::Sha256
            };
            let json_form = (i + usize::from(role == Role::Client)) % 2 == 1;
            let low = alg.tls_scheme().to_be_bytes()[1];
            let context: Vec<u8> = (0u8..32).map(|b| b ^ low).collect();
            let c = build_case(&att, role, hash, context, Some(json_form), &cp)?;
            let name = format!(
                "expat-{}-{:04x}-{}-cmw",
                role_name(role),
                alg.tls_scheme(),
                if json_form { "json" } else { "cbor" }
            );
            let description = format!(
                "{} authenticator signed with scheme 0x{:04x}, answering a request that offered cmw_attestation, with a {} CMW",
                role_name(role),
                alg.tls_scheme(),
                if json_form { "JSON" } else { "CBOR" }
            );
            out.push(case_vector(name, description, &c, "valid", None, &cp)?);
            if alg == SignatureAlgorithm::Ed25519 && role == Role::Server {
                base = Some((att.algorithm, c));
            }
        }
    }
    let ed = attester(SignatureAlgorithm::Ed25519)?;
    let p256 = attester(SignatureAlgorithm::EcdsaSecp256r1Sha256)?;
    for (role, att) in [(Role::Server, &p256), (Role::Client, &ed)] {
        let c = build_case(att, role, HashAlgorithm::Sha256, vec![0x5a; 16], None, &cp)?;
        out.push(case_vector(
            format!("plain-{}-{:04x}", role_name(role), att.algorithm.tls_scheme()),
            format!("{} authenticator without attestation, answering a request that did not offer cmw_attestation", role_name(role)),
            &c,
            "valid",
            None,
            &cp,
        )?);
    }
    // A spontaneous server authenticator: no request, a context of the server's choosing.
    {
        let offers = ClientHelloOffers {
            signature_algorithms: vec![
                SignatureScheme::ECDSA_SECP256R1_SHA256,
                SignatureScheme::ED25519,
            ],
            extensions: vec![
                ExtensionType::SERVER_NAME,
                ExtensionType::SIGNATURE_ALGORITHMS,
            ],
        };
        let context = vec![0x77; 32];
        let k = keys(HashAlgorithm::Sha256, Role::Server)?;
        let bytes = authenticator::build(
            &k,
            &Solicitation::Spontaneous {
                context: &context,
                offers: &offers,
            },
            &[seat_proto::CertificateDer::from(p256.certificate.clone())],
            p256.key.as_ref(),
            None,
            &cp,
            &mut seeded(1),
        )
        .map_err(|e| e.to_string())?;
        let c = Case {
            role: Role::Server,
            hash: HashAlgorithm::Sha256,
            request: None,
            offers,
            context,
            authenticator: bytes,
            leaf_spki: spki_from_certificate(&p256.certificate)
                .map_err(|e| e.to_string())?
                .to_vec(),
            scheme: SignatureScheme::ECDSA_SECP256R1_SHA256,
            cmw: None,
            expat: false,
        };
        out.push(case_vector(
            "spontaneous-server-0403".into(),
            "spontaneous server authenticator: no request, ClientHello offers stand in".into(),
            &c,
            "valid",
            None,
            &cp,
        )?);
    }
    // Refusals: the empty authenticator of each role.
    for role in [Role::Server, Role::Client] {
        let context = vec![0x33; 32];
        let req = request(role, context.clone(), &all_schemes(), true, &cp)?;
        let bytes = authenticator::build_empty(
            &keys(HashAlgorithm::Sha256, role)?,
            &Solicitation::Request(&req),
        )
        .map_err(|e| e.to_string())?;
        let c = Case {
            role,
            hash: HashAlgorithm::Sha256,
            request: Some(req),
            offers: ClientHelloOffers::default(),
            context,
            authenticator: bytes,
            leaf_spki: Vec::new(),
            scheme: SignatureScheme(0),
            cmw: None,
            expat: false,
        };
        out.push(case_vector(
            format!("empty-{}", role_name(role)),
            format!(
                "empty {} authenticator: an authenticated refusal",
                role_name(role)
            ),
            &c,
            "refused",
            Some("peer_refused"),
            &cp,
        )?);
    }

    // Negatives, each breaking one rule of a valid Ed25519 server authenticator.
    let Some((_, good)) = base else {
        return Err("no base case".into());
    };
    let negative =
        |name: &str, description: &str, c: &Case, error: &str| -> Result<Vector, String> {
            case_vector(
                format!("negative-{name}"),
                description.to_string(),
                c,
                "invalid",
                Some(error),
                &cp,
            )
        };
    let with_auth = |bytes: Vec<u8>| {
        let mut c = clone_case(&good);
        c.authenticator = bytes;
        c
    };
    // Wrong role: the server's bytes checked as the client's, the request re-typed.
    let mut wrong = clone_case(&good);
    wrong.role = Role::Client;
    wrong.request = Some(request(
        Role::Client,
        good.context.clone(),
        &all_schemes(),
        true,
        &cp,
    )?);
    out.push(negative(
        "wrong-role",
        "a server authenticator validated with the client's labels",
        &wrong,
        "bad_signature",
    )?);
    let mut bytes = good.authenticator.clone();
    if let Some(last) = bytes.last_mut() {
        *last ^= 0x01;
    }
    out.push(negative(
        "bad-finished",
        "the Finished MAC with its last bit flipped",
        &with_auth(bytes),
        "bad_finished",
    )?);
    let mut bytes = good.authenticator.clone();
    let cv_sig_byte = good.authenticator.len() - 36 - 10;
    if let Some(b) = bytes.get_mut(cv_sig_byte) {
        *b ^= 0x80;
    }
    out.push(negative(
        "bad-signature",
        "a CertificateVerify signature byte flipped",
        &with_auth(bytes),
        "bad_signature",
    )?);
    let mut mismatch = clone_case(&good);
    mismatch.request = Some(request(
        Role::Server,
        vec![0xee; 32],
        &all_schemes(),
        true,
        &cp,
    )?);
    mismatch.context = vec![0xee; 32];
    out.push(negative(
        "context-mismatch",
        "the authenticator carries another context than the request",
        &mismatch,
        "context_mismatch",
    )?);
    let mut not_offered = clone_case(&good);
    not_offered.request = Some(request(
        Role::Server,
        good.context.clone(),
        &[SignatureScheme::ECDSA_SECP256R1_SHA256],
        true,
        &cp,
    )?);
    out.push(negative(
        "scheme-not-offered",
        "signed with ed25519, which the request did not offer",
        &not_offered,
        "signature_scheme_not_offered",
    )?);
    let mut no_offer = clone_case(&good);
    no_offer.request = Some(request(
        Role::Server,
        good.context.clone(),
        &all_schemes(),
        false,
        &cp,
    )?);
    out.push(negative(
        "extension-not-offered",
        "cmw_attestation in an answer to a request that did not offer it",
        &no_offer,
        "attestation_not_offered",
    )?);
    out.push(negative(
        "cmw-on-second-entry",
        "cmw_attestation on the second CertificateEntry",
        &cmw_on_second_entry(&good, &ed, &cp)?,
        "attestation_not_on_first_entry",
    )?);
    let mut bytes = good.authenticator.clone();
    bytes.push(0);
    out.push(negative(
        "trailing-bytes",
        "one byte after the Finished message",
        &with_auth(bytes),
        "decode_error",
    )?);
    let bytes = good
        .authenticator
        .get(..good.authenticator.len() - 5)
        .unwrap_or_default()
        .to_vec();
    out.push(negative(
        "truncated",
        "the Finished message cut short",
        &with_auth(bytes),
        "decode_error",
    )?);
    Ok(out)
}

fn clone_case(c: &Case) -> Case {
    Case {
        role: c.role,
        hash: c.hash,
        request: c.request.clone(),
        offers: c.offers.clone(),
        context: c.context.clone(),
        authenticator: c.authenticator.clone(),
        leaf_spki: c.leaf_spki.clone(),
        scheme: c.scheme,
        cmw: c.cmw.clone(),
        expat: c.expat,
    }
}

/// A correctly signed authenticator whose CMW sits on the second of two entries.
fn cmw_on_second_entry(good: &Case, att: &Attester, cp: &CodePoints) -> Result<Case, String> {
    let req = good.request.as_ref().ok_or("no request")?;
    let entry = |exts| -> Result<CertificateEntry, String> {
        Ok(CertificateEntry {
            cert_data: CertData::new(att.certificate.clone()).map_err(|e| e.to_string())?,
            extensions: EntryExtensions::new(exts).map_err(|e| e.to_string())?,
        })
    };
    let cmw = EntryExtension::CmwAttestation {
        codepoint: cp.cmw_attestation(),
        cmw: CmwData::new(good.cmw.clone().unwrap_or_default()).map_err(|e| e.to_string())?,
    };
    let certificate = Certificate::new(
        RequestContext::new(good.context.clone()).map_err(|e| e.to_string())?,
        vec![entry(vec![])?, entry(vec![cmw])?],
    )
    .map_err(|e| e.to_string())?
    .to_vec();
    let k = keys(good.hash, good.role)?;
    let sig = k
        .sign_certificate_verify(
            Some(req.bytes()),
            &certificate,
            att.key.as_ref(),
            &mut seeded(2),
        )
        .map_err(|e| e.to_string())?;
    let cv = CertificateVerify {
        algorithm: good.scheme,
        signature: SignatureBytes::new(sig).map_err(|e| e.to_string())?,
    }
    .to_vec();
    let fin = Finished::new(
        k.finished_mac(Some(req.bytes()), &certificate, &cv)
            .as_bytes()
            .to_vec(),
    )
    .map_err(|e| e.to_string())?
    .to_vec();
    let mut c = clone_case(good);
    c.authenticator = [certificate, cv, fin].concat();
    Ok(c)
}

/// The JSON object the `seat-vectors/1` format uses for a decoded CBOR CMW.
pub fn cmw_json(c: &Cmw) -> Value {
    match c {
        Cmw::Record(r) => json!({
            "type": match r.typ() {
                RecordType::ContentFormat(cf) => json!(cf),
                RecordType::MediaType(m) => json!(m),
            },
            "value": hex::encode(r.value()),
            "ind": r.ind().map_or(Value::Null, |i| json!(i.bits())),
        }),
        Cmw::Tag(t) => json!({"tag": t.tag_number(), "value": hex::encode(t.value())}),
        Cmw::Collection(col) => {
            let items: Map<String, Value> = col
                .items()
                .iter()
                .map(|(label, item)| {
                    let key = match label {
                        seat_evidence::cbor::Label::Int(i) => i.to_string(),
                        seat_evidence::cbor::Label::Text(t) => t.clone(),
                    };
                    (key, cmw_json(item))
                })
                .collect();
            json!({"collection_type": col.collection_type(), "items": items})
        }
    }
}

/// The JSON object the `seat-vectors/1` format uses for a decoded JSON CMW.
pub fn json_cmw_json(c: &JsonCmw) -> Value {
    match c {
        JsonCmw::Record(r) => json!({
            "type": r.media_type(),
            "value": hex::encode(r.value()),
            "ind": r.ind().map_or(Value::Null, |i| json!(i.bits())),
        }),
        JsonCmw::Collection(col) => {
            let items: Map<String, Value> = col
                .items()
                .iter()
                .map(|(k, v)| (k.clone(), json_cmw_json(v)))
                .collect();
            json!({"collection_type": col.collection_type(), "items": items})
        }
    }
}

/// The `cmw` vectors: the five forms (RFC 9999), valid and invalid.
///
/// # Errors
///
/// A value the CMW constructors refuse.
pub fn cmw_vectors() -> Result<Vec<Vector>, String> {
    use seat_evidence::cbor::Label;
    use seat_evidence::cmw::{Collection, JsonCollection, TagCmw};
    let e = |x: seat_evidence::error::Error| x.to_string();
    let evidence = vec![0x23, 0x47, 0xda, 0x55];
    let record_cf = Cmw::Record(
        Record::new(
            RecordType::ContentFormat(64999),
            evidence.clone(),
            Some(Ind::EVIDENCE),
        )
        .map_err(e)?,
    );
    let record_mt = Cmw::Record(
        Record::new(
            RecordType::MediaType("application/eat+cwt".into()),
            vec![0xd2, 0x84],
            None,
        )
        .map_err(e)?,
    );
    let tag = Cmw::Tag(TagCmw::new(64999, evidence.clone()).map_err(e)?);
    let collection = Cmw::Collection(
        Collection::new(
            Some("tag:seat.example,2026:composite".into()),
            vec![
                (Label::Text("platform".into()), record_cf.clone()),
                (Label::Int(7), tag.clone()),
            ],
        )
        .map_err(e)?,
    );
    let json_record = JsonCmw::Record(
        JsonRecord::new(
            "application/eat+jwt".into(),
            b"eyJhbGciOiJub25lIn0".to_vec(),
            Some(Ind::ATTESTATION_RESULTS),
        )
        .map_err(e)?,
    );
    let json_collection = JsonCmw::Collection(
        JsonCollection::new(
            None,
            vec![
                ("ar".into(), json_record.clone()),
                (
                    "ev".into(),
                    JsonCmw::Record(
                        JsonRecord::new(
                            "application/eat+cwt".into(),
                            evidence.clone(),
                            Some(Ind::EVIDENCE),
                        )
                        .map_err(e)?,
                    ),
                ),
            ],
        )
        .map_err(e)?,
    );
    let mut out = Vec::new();
    let mut valid =
        |name: &str, form: &str, description: &str, encoded: Vec<u8>, decoded: Value| {
            let mut f = Map::new();
            f.insert("form".into(), json!(form));
            f.insert("encoded".into(), json!(hex::encode(encoded)));
            f.insert("decoded".into(), decoded);
            out.push(Vector::valid("cmw", name.into(), description.into(), f));
        };
    valid(
        "cbor-record-content-format",
        "cbor-record",
        "CBOR record with a CoAP Content-Format type and ind 4 (Evidence)",
        record_cf.to_vec(),
        cmw_json(&record_cf),
    );
    valid(
        "cbor-record-media-type",
        "cbor-record",
        "CBOR record with a media type and no ind",
        record_mt.to_vec(),
        cmw_json(&record_mt),
    );
    valid(
        "cbor-tag",
        "cbor-tag",
        "RFC 9277 tag: TN(64999) = 1668612070 over the bytes",
        tag.to_vec(),
        cmw_json(&tag),
    );
    valid(
        "cbor-collection",
        "cbor-collection",
        "CBOR collection with __cmwc_t, a text and an integer label",
        collection.to_vec(),
        cmw_json(&collection),
    );
    valid(
        "json-record",
        "json-record",
        "JSON record with ind 8 (Attestation Results), base64url without padding",
        json_record.to_json_string().into_bytes(),
        json_cmw_json(&json_record),
    );
    valid(
        "json-collection",
        "json-collection",
        "JSON collection of two records",
        json_collection.to_json_string().into_bytes(),
        json_cmw_json(&json_collection),
    );
    let mut invalid = |name: &str, form: &str, description: &str, encoded: Vec<u8>| {
        let mut f = Map::new();
        f.insert("form".into(), json!(form));
        f.insert("encoded".into(), json!(hex::encode(encoded)));
        out.push(Vector::invalid(
            "cmw",
            name.into(),
            description.into(),
            "malformed_cmw",
            f,
        ));
    };
    // Each negative alters a valid encoding at one point.
    let mut ind_zero = record_cf.to_vec();
    if let Some(last) = ind_zero.last_mut() {
        *last = 0x00;
    }
    invalid(
        "negative-ind-zero",
        "cbor-record",
        "ind present but zero (RFC 9999: ind must be non-zero)",
        ind_zero,
    );
    let mut trailing = record_cf.to_vec();
    trailing.push(0x00);
    invalid(
        "negative-trailing-bytes",
        "cbor-record",
        "one byte after the record",
        trailing,
    );
    let mut indefinite = vec![0x9f];
    indefinite.extend(record_cf.to_vec().get(1..).unwrap_or_default());
    indefinite.push(0xff);
    invalid(
        "negative-indefinite-array",
        "cbor-record",
        "the record as an indefinite-length array",
        indefinite,
    );
    invalid(
        "negative-empty-media-type",
        "cbor-record",
        "an empty media type string",
        hex_bytes("82604401020304"),
    );
    invalid(
        "negative-value-not-bytes",
        "cbor-record",
        "the value as a text string",
        hex_bytes("8219fde7622347"),
    );
    invalid(
        "negative-empty-collection",
        "cbor-collection",
        "a collection with no entries",
        hex_bytes("a0"),
    );
    invalid(
        "negative-duplicate-label",
        "cbor-collection",
        "a collection with the same label twice",
        {
            let item = record_cf.to_vec();
            let mut m = vec![0xa2, 0x01];
            m.extend(&item);
            m.push(0x01);
            m.extend(&item);
            m
        },
    );
    invalid(
        "negative-tag-out-of-range",
        "cbor-tag",
        "a tag below the CMW range",
        hex_bytes("d8184401020304"),
    );
    invalid(
        "negative-json-padded-base64",
        "json-record",
        "base64url value with padding",
        br#"["application/eat+jwt","AQI="]"#.to_vec(),
    );
    invalid(
        "negative-json-type-not-text",
        "json-record",
        "the type as a number",
        br#"[60,"AQI"]"#.to_vec(),
    );
    invalid(
        "negative-json-empty-collection",
        "json-collection",
        "a JSON collection with no entries",
        b"{}".to_vec(),
    );
    Ok(out)
}

/// Every generated vector, in a fixed order.
///
/// # Errors
///
/// The first generator failure.
pub fn all() -> Result<Vec<Vector>, String> {
    let mut out = tls13_exporter()?;
    out.extend(ea_authenticator()?);
    out.extend(cmw_vectors()?);
    out.extend(rats::vectors()?);
    out.extend(early::vectors()?);
    out.extend(session::vectors()?);
    Ok(out)
}
